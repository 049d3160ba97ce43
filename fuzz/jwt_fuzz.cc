// libFuzzer target: arbitrary bytes as a JWT (fixed test JWKS), as base64url and as a JWKS document.
// See JwtOne in jwt_target.h. A crash input belongs in fuzz/corpus/jwt/ once fixed, so that the
// auth unit tests replay it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "jwt_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return zebra::fuzz::JwtOne(std::string_view(reinterpret_cast<const char*>(data), size));
}
