// Equality of short byte strings (context keys, JSON keys, codes, table literals) without a call
// to memcmp: most are under 16 bytes, where the call costs more than the compare.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace zebra {

// The n bytes at a and b are equal. Up to 16 bytes: two word loads that may overlap ("Age" is a
// 2-byte and an overlapping 2-byte compare), never reading past either string; longer: memcmp.
[[gnu::always_inline]] inline bool SameBytes(const char* a, const char* b, std::size_t n) {
  const auto same = [a, b](std::size_t at, auto word) {
    decltype(word) x, y;
    std::memcpy(&x, a + at, sizeof x);
    std::memcpy(&y, b + at, sizeof y);
    return x == y;
  };
  if (n > 16) return std::memcmp(a, b, n) == 0;
  if (n >= 8) return same(0, uint64_t{}) && same(n - 8, uint64_t{});
  if (n >= 4) return same(0, uint32_t{}) && same(n - 4, uint32_t{});
  if (n >= 2) return same(0, uint16_t{}) && same(n - 2, uint16_t{});
  return n == 0 || *a == *b;
}

[[gnu::always_inline]] inline bool SameText(std::string_view a, std::string_view b) {
  return a.size() == b.size() && SameBytes(a.data(), b.data(), a.size());
}

}  // namespace zebra
