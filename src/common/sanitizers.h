// Whether this build runs under AddressSanitizer, for code and tests that must act differently
// there. GCC defines __SANITIZE_ADDRESS__; Clang 14 (the sanitizer pass's compiler) answers only
// __has_feature(address_sanitizer).
#pragma once

#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#define ZEBRA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ZEBRA_ASAN 1
#endif
#endif

namespace zebra {

#if defined(ZEBRA_ASAN)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif

// Differential tests compare a fast path with its general form over many generated inputs. At -O0
// under the sanitizers each input costs tens of times more, and the sanitizer pass must fit CI's
// time, so there they take every kSanitizerStride-th input; the release run takes them all.
inline constexpr size_t kSanitizerStride = kAddressSanitizer ? 4 : 1;

// A count over such a sample (a loop's length, a floor on what it saw): `n` in the release run,
// n / kSanitizerStride under the sanitizers, in n's own type.
template <class T>
constexpr T Sampled(T n) {
  return n / static_cast<T>(kSanitizerStride);
}

}  // namespace zebra
