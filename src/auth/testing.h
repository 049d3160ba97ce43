// Helpers shared by the test suites that sign tokens or check URLs against a FHIR base (tests
// only; nothing in a program includes this): keys generated on the spot, JWKs and JWS signing.
#pragma once

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "auth/auth.h"

namespace zebra::auth::testing {

using PkeyPtr = std::shared_ptr<EVP_PKEY>;

inline PkeyPtr GenerateRsa(std::size_t bits = 2048) {
  return PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits), EVP_PKEY_free);
}
inline PkeyPtr GenerateEc(const char* curve = "P-384") {
  return PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve), EVP_PKEY_free);
}

// A big-number parameter of `pkey` as big-endian bytes, left-padded to `pad` bytes when given.
inline std::string BnParam(EVP_PKEY* pkey, const char* name, int pad = 0) {
  BIGNUM* bn = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(pkey, name, &bn), 1) << name;
  std::string out(pad > 0 ? static_cast<std::size_t>(pad) : static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  if (pad > 0) {
    BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), pad);
  } else {
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  }
  BN_free(bn);
  return out;
}

// The public JWK of an RSA key; with a "kid" unless `kid` is empty.
inline nlohmann::json RsaJwk(EVP_PKEY* pkey, const std::string& kid) {
  nlohmann::json j = {{"kty", "RSA"},
                      {"n", Base64UrlEncode(BnParam(pkey, OSSL_PKEY_PARAM_RSA_N))},
                      {"e", Base64UrlEncode(BnParam(pkey, OSSL_PKEY_PARAM_RSA_E))}};
  if (!kid.empty()) j["kid"] = kid;
  return j;
}

// The public JWK of an EC key (coordinates `coord` bytes wide); with a "kid" unless `kid` is empty.
inline nlohmann::json EcJwk(EVP_PKEY* pkey, const std::string& kid, const std::string& crv = "P-384", int coord = 48) {
  nlohmann::json j = {{"kty", "EC"},
                      {"crv", crv},
                      {"x", Base64UrlEncode(BnParam(pkey, OSSL_PKEY_PARAM_EC_PUB_X, coord))},
                      {"y", Base64UrlEncode(BnParam(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, coord))}};
  if (!kid.empty()) j["kid"] = kid;
  return j;
}

// OpenSSL's signature of `input` with digest `md` (DER for EC keys).
inline std::string DigestSign(EVP_PKEY* pkey, const EVP_MD* md, std::string_view input) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t len = 0;
  EXPECT_EQ(EVP_DigestSignInit(ctx, nullptr, md, nullptr, pkey), 1);
  EXPECT_EQ(EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size()), 1);
  std::string sig(len, '\0');
  EXPECT_EQ(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                           reinterpret_cast<const unsigned char*>(input.data()), input.size()),
            1);
  sig.resize(len);
  EVP_MD_CTX_free(ctx);
  return sig;
}

// A compact JWS of `payload` under `header` (both JSON text), signed with an RSA key (RS256,
// RS384: `md` is the digest).
inline std::string SignRsaJwt(EVP_PKEY* pkey, const EVP_MD* md, std::string_view header, std::string_view payload) {
  const std::string input = Base64UrlEncode(header) + "." + Base64UrlEncode(payload);
  return input + "." + Base64UrlEncode(DigestSign(pkey, md, input));
}

// Links checked against the FHIR base https://ehr.example.org/fhir: whether each stays under it.
// Most of the refused ones are prefix tricks that a string comparison would accept.
struct BaseUrlCase {
  std::string_view url;
  bool under;
};
inline constexpr std::string_view kFhirBase = "https://ehr.example.org/fhir";
inline constexpr BaseUrlCase kBaseUrlCases[] = {
    {"https://ehr.example.org/fhir/Observation?page=2", true},
    {"https://EHR.example.org:443/fhir?_getpages=x", true},
    {"https://ehr.example.org/fhirx/Observation", false},
    {"https://ehr.example.org/fhir.evil.example/x", false},
    {"https://ehr.example.org/fhir@evil.example/x", false},
    {"https://ehr.example.org.evil.example/fhir/x", false},
    {"https://ehr.example.org.evil/fhir/Observation", false},
    {"https://ehr.example.org/fhir/../admin", false},
    {"https://ehr.example.org/fhir/%2e%2e/admin", false},
    {"http://ehr.example.org/fhir/Observation", false},
    {"https://ehr.example.org:8443/fhir/Observation", false},
    {"https://user@ehr.example.org/fhir/x", false},
    {"https://user@ehr.example.org/fhir/Observation", false},
};

}  // namespace zebra::auth::testing
