// The JWT fuzz target's body, shared by fuzz/jwt_fuzz.cc (libFuzzer) and the auth unit tests,
// which replay fuzz/corpus/jwt/* through it. The seeds were signed with the private halves of the
// keys below (not kept); the "valid" seeds verify at kJwtFuzzNow.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "auth/auth.h"
#include "auth/jwt_internal.h"

namespace zebra::fuzz {

inline constexpr std::int64_t kJwtFuzzNow = 1'700'000'000;
inline constexpr const char* kJwtFuzzIssuer = "https://ehr.example/auth";
inline constexpr const char* kJwtFuzzJwks =
    R"({"keys": [{"kty": "EC", "crv": "P-384", "kid": "ec1", "x": "nf-hkwsZqoyDOerTztHnyfurAzwMU-XLf-Qp58PSgXZDhOcl-0Wa2ShvlT3UL41y", "y": "7BNxp57uHMtNO0bkhotxXiqeJnJ6cMj1eGgrKSH0daMjdkM-syM4I2C6PsY6h8Dn"}, {"kty": "RSA", "kid": "rsa1", "n": "rRNSFbWc8BxG-ncdmAr8W5c2geMl15flmHKkmnyKOgX9nNM9EkKZiSqOZ1zZRc9hk5X6qNvV4e_b4z0b7m6gs3V1CGAgPMgGgExvPZXLsHAFIoptE3x1KOzRdOzJ-IDS8lLZpayVvQOz1EtiVpBhKFN_iZbmM_80yczvKHxXMWQwMYl58VzAZYRv90d6aKcPTKs3kWVx8rUYWz4D1xyaGXdLAnlX8lWwB4cRxCqjWkugZca-O3_RuFexzoYTeVOu9Yadbl8lHVK4Rp656GiO0oVBKBrmMp_dSIKtp3GcLq2jVGUYH0jbYDFWPJnM9z9HZhHV3BmknYGUS-6Ajguppw", "e": "AQAB"}]})";

// One verifier for the whole process (the replay cache is the only state it keeps).
inline auth::JwtVerifier& JwtFuzzVerifier() {
  static const std::unique_ptr<auth::JwtVerifier> verifier = [] {
    char path[] = "/tmp/zebra_jwt_fuzz_XXXXXX";
    const int fd = mkstemp(path);
    if (fd < 0) std::abort();
    const std::string_view jwks = kJwtFuzzJwks;
    if (write(fd, jwks.data(), jwks.size()) != static_cast<ssize_t>(jwks.size())) std::abort();
    close(fd);
    auth::JwtVerifierOptions options;
    options.audience = "https://zebra.example/cds-services";
    options.issuers = {{kJwtFuzzIssuer, path, ""}};
    // The committed seeds were signed with exp up to 10 minutes ahead of kJwtFuzzNow.
    options.max_lifetime = std::chrono::seconds(900);
    auto made = auth::MakeJwtVerifier(options);
    unlink(path);
    if (!made) {
      std::fprintf(stderr, "jwt fuzz: %s\n", common::ToString(made.error()).c_str());
      std::abort();
    }
    return std::move(*made);
  }();
  return *verifier;
}

// "" when accepted, otherwise the refusal reason.
inline std::string JwtVerifyForFuzz(std::string_view token) {
  auto result = JwtFuzzVerifier().Verify(token, kJwtFuzzNow);
  if (!result) {
    if (result.error().message.empty()) std::abort();  // every refusal must say why
    return result.error().message;
  }
  // Anything accepted must satisfy the checks the verifier claims to make.
  if (result->iss != kJwtFuzzIssuer || result->exp + 60 <= kJwtFuzzNow || result->iat > kJwtFuzzNow + 60 ||
      result->exp > kJwtFuzzNow + 900 + 60 ||
      result->jti.empty() || token.size() > 16 * 1024) {
    std::abort();
  }
  return "";
}

inline int JwtOne(std::string_view data) {
  if (data.size() > 64 * 1024) return 0;
  (void)JwtVerifyForFuzz(data);
  // Strict base64url: whatever decodes must re-encode to the same text (one spelling per value).
  if (auto decoded = auth::Base64UrlDecode(data)) {
    if (auth::Base64UrlEncode(*decoded) != data) std::abort();
  }
  // The same bytes as a key set and as strict JSON.
  (void)auth::internal::ParseJwks(data);
  (void)auth::internal::ParseStrictJson(data, 32);
  return 0;
}

}  // namespace zebra::fuzz
