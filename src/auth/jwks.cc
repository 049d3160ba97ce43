// JSON Web Key Sets: strict JSON, JWK -> EVP_PKEY (public keys only), loading from file or URL.
#include <httplib.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <fstream>
#include <set>

#include "auth/auth.h"
#include "auth/jwt_internal.h"
#include "json/json_parse.h"

namespace zebra::auth::internal {
namespace {

using nlohmann::json;

constexpr int kMaxJwksDepth = 8;
constexpr std::size_t kMaxKeysPerSet = 64;
constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 8192;  // bounds verification cost per token
constexpr std::size_t kP384CoordinateBytes = 48;
constexpr std::size_t kP256CoordinateBytes = 32;

struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, ParamFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;

tl::unexpected<std::string> Fail(std::string why) {
  ERR_clear_error();  // keep OpenSSL's per-thread queue clean for the next user (e.g. TLS)
  return tl::unexpected(std::move(why));
}

std::optional<std::string> StringMember(const json& obj, const char* name) {
  const auto it = obj.find(name);
  if (it == obj.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

tl::expected<std::shared_ptr<EVP_PKEY>, std::string> FromData(const char* type, OSSL_PARAM_BLD* bld) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  if (!params) return Fail("out of memory building key parameters");
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return Fail("key import unavailable");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1 || raw == nullptr) {
    return Fail("key parameters rejected by OpenSSL");
  }
  std::shared_ptr<EVP_PKEY> pkey(raw, EVP_PKEY_free);
  // fromdata does not promise full validation (point on curve, sane RSA exponent).
  PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) return Fail("public key check failed");
  return pkey;
}

tl::expected<std::shared_ptr<EVP_PKEY>, std::string> RsaKey(const json& jwk) {
  const auto n_text = StringMember(jwk, "n");
  const auto e_text = StringMember(jwk, "e");
  if (!n_text || !e_text) return Fail("RSA key without n/e");
  const auto n_bytes = Base64UrlDecode(*n_text);
  const auto e_bytes = Base64UrlDecode(*e_text);
  if (!n_bytes || !e_bytes || n_bytes->empty() || e_bytes->empty()) return Fail("RSA n/e not base64url");
  BnPtr n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n_bytes->data()), static_cast<int>(n_bytes->size()), nullptr));
  BnPtr e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e_bytes->data()), static_cast<int>(e_bytes->size()), nullptr));
  if (!n || !e) return Fail("out of memory");
  const int bits = BN_num_bits(n.get());
  if (bits < kMinRsaBits || bits > kMaxRsaBits) return Fail("RSA modulus size outside 2048..8192 bits");
  if (BN_num_bits(e.get()) > 64 || !BN_is_odd(e.get()) || BN_is_one(e.get())) return Fail("RSA exponent unusable");
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return Fail("out of memory building key parameters");
  }
  return FromData("RSA", bld.get());
}

tl::expected<std::shared_ptr<EVP_PKEY>, std::string> EcKey(const json& jwk, bool p256) {
  const std::size_t size = p256 ? kP256CoordinateBytes : kP384CoordinateBytes;
  const auto x_text = StringMember(jwk, "x");
  const auto y_text = StringMember(jwk, "y");
  if (!x_text || !y_text) return Fail("EC key without x/y");
  const auto x = Base64UrlDecode(*x_text);
  const auto y = Base64UrlDecode(*y_text);
  if (!x || !y) return Fail("EC x/y not base64url");
  if (x->size() != size || y->size() != size) return Fail(p256 ? "EC x/y not 32 bytes" : "EC x/y not 48 bytes");
  std::string point = "\x04" + *x + *y;  // SEC1 uncompressed point
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, p256 ? "prime256v1" : "secp384r1", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
    return Fail("out of memory building key parameters");
  }
  return FromData("EC", bld.get());
}

}  // namespace

std::optional<json> ParseStrictJson(std::string_view text, int max_depth) {
  // The one strict reader (json::ParseStrict), as the nlohmann::json the JOSE code works with.
  auto value = zebra::json::ParseStrict(text, {.max_depth = static_cast<std::size_t>(max_depth)});
  if (!value) return std::nullopt;
  return json(*value);
}

tl::expected<Jwk, std::string> ParseJwk(const json& jwk, bool oidc_algs) {
  if (!jwk.is_object()) return Fail("key is not an object");
  const auto kty = StringMember(jwk, "kty");
  if (!kty) return Fail("key without kty");
  if (jwk.contains("use") && StringMember(jwk, "use") != "sig") return Fail("key use is not sig");
  if (const auto ops = jwk.find("key_ops"); ops != jwk.end()) {
    if (!ops->is_array() || std::find(ops->begin(), ops->end(), json("verify")) == ops->end()) {
      return Fail("key_ops lacks verify");
    }
  }
  Jwk out;
  if (jwk.contains("kid")) {
    out.kid = StringMember(jwk, "kid");
    if (!out.kid) return Fail("kid is not a string");
  }
  if (jwk.contains("alg")) {
    out.alg = StringMember(jwk, "alg");
    if (!out.alg) return Fail("alg is not a string");
  }
  tl::expected<std::shared_ptr<EVP_PKEY>, std::string> pkey = tl::unexpected(std::string());
  if (*kty == "RSA") {
    if (out.alg && *out.alg != "RS384" && !(oidc_algs && *out.alg == "RS256")) {
      return Fail("RSA key pinned to an unsupported alg");
    }
    out.kind = KeyKind::kRsa;
    pkey = RsaKey(jwk);
  } else if (*kty == "EC") {
    const auto crv = StringMember(jwk, "crv");
    const bool p256 = oidc_algs && crv == "P-256";
    if (!p256 && crv != "P-384") return Fail(oidc_algs ? "EC key not on P-256 or P-384" : "EC key not on P-384");
    if (out.alg && *out.alg != (p256 ? "ES256" : "ES384")) return Fail("EC key pinned to an unsupported alg");
    out.kind = p256 ? KeyKind::kEcP256 : KeyKind::kEcP384;
    pkey = EcKey(jwk, p256);
  } else {
    return Fail("unsupported kty");
  }
  if (!pkey) return tl::unexpected(pkey.error());
  out.pkey = std::move(*pkey);
  return out;
}

tl::expected<KeySet, std::string> ParseJwks(std::string_view text, bool oidc_algs) {
  const auto doc = ParseStrictJson(text, kMaxJwksDepth);
  if (!doc || !doc->is_object()) return Fail("JWKS is not a JSON object");
  const auto keys = doc->find("keys");
  if (keys == doc->end() || !keys->is_array()) return Fail("JWKS has no keys array");
  KeySet set;
  std::string skipped;
  std::size_t index = 0;
  for (const auto& entry : *keys) {
    if (index++ >= kMaxKeysPerSet) break;
    auto jwk = ParseJwk(entry, oidc_algs);
    if (jwk) {
      set.push_back(std::move(*jwk));
    } else {
      if (!skipped.empty()) skipped += "; ";
      skipped += "key " + std::to_string(index - 1) + ": " + jwk.error();
    }
  }
  if (set.empty()) return Fail("JWKS holds no usable key" + (skipped.empty() ? "" : " (" + skipped + ")"));
  return set;
}

namespace {
// The path stays empty: the URL may name a patient (FHIR searches), and callers log the message.
tl::unexpected<common::Error> FetchFail(std::string why) {
  ERR_clear_error();
  return tl::unexpected(common::Error("", std::move(why)));
}
}  // namespace

tl::expected<HttpAnswer, common::Error> Fetch(const HttpCall& call) {
  const auto url = auth::ParseHttpUrl(call.url);
  if (!url) return FetchFail("URL is not an absolute http(s) URL");
  // Anything fetched in the clear (a key set, a token) could be read or swapped on the path.
  if (url->scheme == "http" && !auth::IsLoopbackHost(url->host)) return FetchFail("URL must be https (http only for loopback)");
  if (call.method != "GET" && call.method != "POST") return FetchFail("unsupported method");
  httplib::Client client(url->scheme + "://" + url->host + ":" + std::to_string(url->port));
  if (!client.is_valid()) return FetchFail("URL not usable");
  client.set_connection_timeout(5);
  client.set_read_timeout(5);
  client.set_write_timeout(5);
  client.set_follow_location(false);
  client.enable_server_certificate_verification(true);
  httplib::Headers headers;
  if (!call.authorization.empty()) headers.emplace("Authorization", call.authorization);
  if (!call.accept.empty()) headers.emplace("Accept", call.accept);
  else if (call.method == "POST") headers.emplace("Accept", "application/json");
  std::string body;
  bool too_large = false;
  const auto receive = [&](const char* data, std::size_t length) {
    if (body.size() + length > call.max_bytes) {
      too_large = true;
      return false;
    }
    body.append(data, length);
    return true;
  };
  httplib::Result result = call.method == "GET" ? client.Get(url->path, headers, receive) : [&] {
    // cpp-httplib 0.11 has no POST with a content receiver: the answer is read whole, then capped.
    auto r = client.Post(url->path, headers, call.form, "application/x-www-form-urlencoded");
    if (r && r->body.size() > call.max_bytes) too_large = true;
    if (r && !too_large) body = r->body;
    return r;
  }();
  if (too_large) return FetchFail("response too large");
  if (!result) return FetchFail("fetch failed: " + httplib::to_string(result.error()));
  return HttpAnswer{result->status, std::move(body)};
}

tl::expected<std::string, std::string> FetchUrl(const std::string& url, std::size_t max_bytes) {
  if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) return Fail("JWKS URL must be https");
  HttpCall call;
  call.url = url;
  call.max_bytes = max_bytes;
  auto answer = Fetch(call);
  if (!answer) return Fail("JWKS " + answer.error().message);
  if (answer->status != 200) return Fail("JWKS fetch returned HTTP " + std::to_string(answer->status));
  return std::move(answer->body);
}

tl::expected<std::string, std::string> ReadSmallFile(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail("cannot open " + path);
  std::string data(max_bytes + 1, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  if (in.bad()) return Fail("cannot read " + path);
  data.resize(static_cast<std::size_t>(in.gcount()));
  if (data.size() > max_bytes) return Fail(path + " is too large");
  return data;
}

}  // namespace zebra::auth::internal
