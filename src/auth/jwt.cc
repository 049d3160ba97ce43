// JWT (compact JWS) verification: ES384 / RS384 only, keys only from the configured issuers' JWKS.
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <mutex>
#include <unordered_map>

#include "auth/auth.h"
#include "auth/jwt_internal.h"

namespace zebra::auth {
namespace {

using internal::Jwk;
using internal::KeyKind;
using internal::KeySet;
using nlohmann::json;

constexpr std::size_t kMaxJwksBytes = 1 << 20;
constexpr int kMaxHeaderDepth = 4;
constexpr int kMaxPayloadDepth = 32;
constexpr std::size_t kMaxJtiBytes = 256;
constexpr std::size_t kEs384SignatureBytes = 96;
// NumericDate values are clamped so that adding the skew can never overflow.
constexpr std::int64_t kMaxTime = std::int64_t{1} << 60;

using Error = tl::unexpected<std::string>;

Error Fail(std::string why) {
  ERR_clear_error();
  return tl::unexpected(std::move(why));
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};

bool DigestVerify(EVP_PKEY* pkey, const EVP_MD* md, bool rsa_pkcs1, std::string_view signing_input,
                  const unsigned char* sig, std::size_t sig_len) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, pkey) != 1) return false;
  if (rsa_pkcs1 && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) return false;
  return EVP_DigestVerify(ctx.get(), sig, sig_len, reinterpret_cast<const unsigned char*>(signing_input.data()),
                          signing_input.size()) == 1;
}

// `alg` is one of RS256, RS384, ES256, ES384 and fits the key's kind (SelectKey).
tl::expected<void, std::string> VerifySignature(const Jwk& key, std::string_view signing_input,
                                                std::string_view signature, const std::string& alg = "") {
  const EVP_MD* md = alg.ends_with("256") ? EVP_sha256() : EVP_sha384();
  if (key.kind == KeyKind::kRsa) {
    // PKCS#1 v1.5 signatures are exactly the modulus length.
    if (signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(key.pkey.get()))) {
      return Fail((alg.empty() ? std::string("RS384") : alg) + " signature has the wrong length");
    }
    if (!DigestVerify(key.pkey.get(), md, true, signing_input, reinterpret_cast<const unsigned char*>(signature.data()),
                      signature.size())) {
      return Fail("signature does not verify");
    }
    return {};
  }
  // JWS carries ECDSA as fixed-width r || s; OpenSSL wants DER.
  const bool p256 = key.kind == KeyKind::kEcP256;
  const std::size_t width = p256 ? 32 : kEs384SignatureBytes / 2;
  if (signature.size() != 2 * width) return Fail(p256 ? "ES256 signature is not 64 bytes" : "ES384 signature is not 96 bytes");
  const auto* raw = reinterpret_cast<const unsigned char*>(signature.data());
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(raw, static_cast<int>(width), nullptr);
  BIGNUM* s = BN_bin2bn(raw + width, static_cast<int>(width), nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return Fail("out of memory");
  }
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig.get(), &der);
  if (der_len <= 0) return Fail("signature encoding failed");
  const bool ok = DigestVerify(key.pkey.get(), p256 ? EVP_sha256() : EVP_sha384(), false, signing_input, der,
                               static_cast<std::size_t>(der_len));
  OPENSSL_free(der);
  if (!ok) return Fail("signature does not verify");
  return {};
}

// RFC 7519 NumericDate: a JSON number of seconds, possibly fractional.
std::optional<std::int64_t> NumericDate(const json& value) {
  if (value.is_number_integer()) {
    if (value.is_number_unsigned()) {
      const auto u = value.get<std::uint64_t>();
      return u > static_cast<std::uint64_t>(kMaxTime) ? kMaxTime : static_cast<std::int64_t>(u);
    }
    return std::clamp(value.get<std::int64_t>(), -kMaxTime, kMaxTime);
  }
  if (value.is_number_float()) {
    const double d = value.get<double>();
    if (!std::isfinite(d)) return std::nullopt;
    if (d >= static_cast<double>(kMaxTime)) return kMaxTime;
    if (d <= -static_cast<double>(kMaxTime)) return -kMaxTime;
    return static_cast<std::int64_t>(std::floor(d));
  }
  return std::nullopt;
}

// Remembers (iss, jti) until the token could no longer be accepted anyway.
class ReplayCache {
 public:
  explicit ReplayCache(std::size_t capacity) : capacity_(capacity) {}

  tl::expected<void, std::string> Insert(const std::string& key, std::int64_t expires, std::int64_t now) {
    std::lock_guard lock(mu_);
    while (!by_expiry_.empty() && by_expiry_.begin()->first <= now) {
      entries_.erase(by_expiry_.begin()->second);
      by_expiry_.erase(by_expiry_.begin());
    }
    if (entries_.count(key) != 0) return Fail("jti already used");
    if (entries_.size() >= capacity_) return Fail("replay cache full");
    entries_.emplace(key, expires);
    by_expiry_.emplace(expires, key);
    return {};
  }

 private:
  std::mutex mu_;
  std::size_t capacity_;
  std::unordered_map<std::string, std::int64_t> entries_;
  std::multimap<std::int64_t, std::string> by_expiry_;
};

tl::expected<KeySet, std::string> LoadKeys(const TrustedIssuer& issuer) {
  tl::expected<std::string, std::string> text = issuer.jwks_file.empty()
                                                    ? internal::FetchUrl(issuer.jwks_url, kMaxJwksBytes)
                                                    : internal::ReadSmallFile(issuer.jwks_file, kMaxJwksBytes);
  if (!text) return tl::unexpected(text.error());
  return internal::ParseJwks(*text);
}

struct IssuerState {
  TrustedIssuer config;
  std::mutex keys_mu;
  std::shared_ptr<const KeySet> keys;  // replaced whole on refetch; readers keep their copy
  std::mutex fetch_mu;                 // one fetch at a time; others wait for its result
  std::chrono::steady_clock::time_point last_fetch;

  std::shared_ptr<const KeySet> Keys() {
    std::lock_guard lock(keys_mu);
    return keys;
  }
};

enum class Pick { kFound, kUnknownKid, kError };

struct Selection {
  Pick pick = Pick::kError;
  const Jwk* key = nullptr;
  std::string error;
};

Selection SelectKey(const KeySet& keys, const std::optional<std::string>& kid, const std::string& alg) {
  const KeyKind want = alg.starts_with("RS") ? KeyKind::kRsa : alg == "ES256" ? KeyKind::kEcP256 : KeyKind::kEcP384;
  const auto fits = [&](const Jwk& k) { return k.kind == want && (!k.alg || *k.alg == alg); };
  Selection out;
  if (kid) {
    bool any_with_kid = false;
    for (const Jwk& k : keys) {
      if (k.kid != kid) continue;
      any_with_kid = true;
      if (fits(k)) {
        out.pick = Pick::kFound;
        out.key = &k;
        return out;
      }
    }
    if (!any_with_kid) {
      out.pick = Pick::kUnknownKid;
      out.error = "unknown kid";
    } else {
      out.error = "key type does not match alg";
    }
    return out;
  }
  std::size_t count = 0;
  for (const Jwk& k : keys) {
    if (fits(k)) {
      ++count;
      out.key = &k;
    }
  }
  if (count == 1) {
    out.pick = Pick::kFound;
    return out;
  }
  out.key = nullptr;
  out.error = count == 0 ? "no key for alg" : "token has no kid and the issuer has several keys";
  return out;
}

struct SplitToken {
  std::string_view header, payload, signature, signing_input;
};

std::optional<SplitToken> Split(std::string_view token) {
  const std::size_t a = token.find('.');
  if (a == std::string_view::npos) return std::nullopt;
  const std::size_t b = token.find('.', a + 1);
  if (b == std::string_view::npos || token.find('.', b + 1) != std::string_view::npos) return std::nullopt;
  SplitToken out;
  out.header = token.substr(0, a);
  out.payload = token.substr(a + 1, b - a - 1);
  out.signature = token.substr(b + 1);
  out.signing_input = token.substr(0, b);
  return out;
}

// The protected header of a compact JWS, as both paths (CDS Hooks client JWTs and OIDC ID
// tokens) require it: a JSON object with a string alg the path allows, no crit, no key or key
// location of the token's own choosing, and a string kid when there is one.
struct JwsHeader {
  std::string alg;
  std::optional<std::string> kid;
};
struct AlgRule {
  bool (*allowed)(const std::string& alg, const std::vector<std::string>& algs);
  const std::vector<std::string>* algs;  // what `allowed` may consult
  const char* refused;                   // the message for an alg that is not allowed
  const char* not_a_string;              // the message for an alg that is not a string
};

tl::expected<JwsHeader, std::string> ReadJwsHeader(std::string_view encoded, const AlgRule& rule) {
  static const std::vector<std::string> kNone;
  const auto header_text = Base64UrlDecode(encoded);
  if (!header_text) return Fail("header is not base64url");
  const auto header = internal::ParseStrictJson(*header_text, kMaxHeaderDepth);
  if (!header || !header->is_object()) return Fail("header is not a JSON object");
  const auto alg_it = header->find("alg");
  if (alg_it == header->end()) return Fail("header has no alg");
  if (!alg_it->is_string()) return Fail(rule.not_a_string);
  JwsHeader out;
  out.alg = alg_it->get<std::string>();
  if (!rule.allowed(out.alg, rule.algs ? *rule.algs : kNone)) return Fail(rule.refused);
  if (header->contains("crit")) return Fail("crit header not supported");
  for (const char* embedded : {"jku", "x5u", "jwk", "x5c"}) {
    // Keys or key locations chosen by the token would let anyone sign.
    if (header->contains(embedded)) return Fail(std::string("header carries ") + embedded + " (not trusted)");
  }
  if (const auto it = header->find("kid"); it != header->end()) {
    if (!it->is_string()) return Fail("header kid is not a string");
    out.kid = it->get<std::string>();
  }
  return out;
}

// A compact JWS split into its parts, with its header read by `rule`.
struct Jws {
  SplitToken parts;
  JwsHeader header;
};
tl::expected<Jws, std::string> ReadJws(std::string_view token, std::size_t max_bytes, const AlgRule& rule) {
  if (token.size() > max_bytes) return Fail("token too large");
  if (token.empty()) return Fail("token empty");
  const auto parts = Split(token);
  if (!parts) return Fail("token is not compact JWS (three parts)");
  auto header = ReadJwsHeader(parts->header, rule);
  if (!header) return tl::unexpected(header.error());
  return Jws{*parts, std::move(*header)};
}

// The payload of a compact JWS: a JSON object.
tl::expected<json, std::string> ReadJwsPayload(const SplitToken& parts) {
  const auto payload_text = Base64UrlDecode(parts.payload);
  if (!payload_text) return Fail("payload is not base64url");
  auto payload = internal::ParseStrictJson(*payload_text, kMaxPayloadDepth);
  if (!payload || !payload->is_object()) return Fail("payload is not a JSON object");
  return std::move(*payload);
}

// A refused token: `path` names the claim or part ("exp", "header.alg"), empty for the token as a
// whole; `message` is the whole sentence the log prints.
tl::unexpected<common::Error> Reject(std::string part, std::string why) {
  ERR_clear_error();
  return tl::unexpected(common::Error(std::move(part), std::move(why)));
}

// The part of the header a ReadJws refusal is about ("token too large" is about no part).
std::string HeaderPart(const std::string& why) {
  if (why.find("alg") != std::string::npos) return "header.alg";
  if (why.find("kid") != std::string::npos) return "header.kid";
  if (why.find("header") != std::string::npos) return "header";
  return "";
}

class Verifier final : public JwtVerifier {
 public:
  explicit Verifier(JwtVerifierOptions options)
      : options_(std::move(options)), replay_(options_.replay_cache_capacity) {}

  tl::expected<void, std::string> Init() {
    for (const TrustedIssuer& issuer : options_.issuers) {
      auto state = std::make_unique<IssuerState>();
      state->config = issuer;
      auto keys = LoadKeys(issuer);
      if (!keys) return Fail("issuer " + issuer.iss + ": " + keys.error());
      state->keys = std::make_shared<const KeySet>(std::move(*keys));
      state->last_fetch = std::chrono::steady_clock::now();
      issuers_.push_back(std::move(state));
    }
    return {};
  }

  tl::expected<JwtClaims, common::Error> Verify(std::string_view token, std::int64_t now_unix) override {
    try {
      return VerifyImpl(token, now_unix);
    } catch (const std::exception&) {
      return Reject("", "internal error while verifying");
    }
  }

 private:
  tl::expected<JwtClaims, common::Error> VerifyImpl(std::string_view token, std::int64_t now) {
    // Header: CDS Hooks clients sign with ES384 or RS384 only.
    const AlgRule rule{[](const std::string& alg, const std::vector<std::string>&) { return alg == "ES384" || alg == "RS384"; },
                       nullptr, "alg not allowed (only ES384, RS384)", "header alg is not a string"};
    const auto jws = ReadJws(token, options_.max_token_bytes, rule);
    if (!jws) return Reject(HeaderPart(jws.error()), jws.error());
    const SplitToken* parts = &jws->parts;
    const std::string& alg = jws->header.alg;
    const std::optional<std::string>& kid = jws->header.kid;

    // Payload, parsed before the signature check only to learn which issuer's keys apply.
    auto payload = ReadJwsPayload(*parts);
    if (!payload) return Reject("payload", payload.error());
    const auto iss_it = payload->find("iss");
    if (iss_it == payload->end() || !iss_it->is_string()) return Reject("iss", "payload has no iss");
    const std::string iss = iss_it->get<std::string>();
    IssuerState* issuer = nullptr;
    for (const auto& candidate : issuers_) {
      if (candidate->config.iss == iss) issuer = candidate.get();
    }
    if (issuer == nullptr) return Reject("iss", "issuer not trusted");

    const auto signature = Base64UrlDecode(parts->signature);
    if (!signature) return Reject("signature", "signature is not base64url");

    // Key.
    auto keys = issuer->Keys();
    Selection chosen = SelectKey(*keys, kid, alg);
    if (chosen.pick == Pick::kUnknownKid) {
      keys = Refetch(*issuer);
      chosen = SelectKey(*keys, kid, alg);
    }
    if (chosen.pick != Pick::kFound) return Reject("header.kid", chosen.error);
    if (auto ok = VerifySignature(*chosen.key, parts->signing_input, *signature, alg); !ok) {
      return Reject("signature", ok.error());
    }

    // Claims (now authenticated).
    const auto aud_it = payload->find("aud");
    if (aud_it == payload->end()) return Reject("aud", "payload has no aud");
    // CDS Hooks 2.0 puts the endpoint URL in aud (e.g. {service}/cds-services/{id}), so an aud
    // below the configured service URL matches too; callers check the exact endpoint themselves.
    const auto matches = [this](const std::string& a) {
      const std::string& base = options_.audience;
      return a == base || (a.size() > base.size() + 1 && a.compare(0, base.size(), base) == 0 &&
                           (base.back() == '/' || a[base.size()] == '/'));
    };
    bool aud_ok = false;
    if (aud_it->is_string()) {
      aud_ok = matches(aud_it->get_ref<const std::string&>());
    } else if (aud_it->is_array()) {
      for (const auto& a : *aud_it) aud_ok = aud_ok || (a.is_string() && matches(a.get_ref<const std::string&>()));
    }
    if (!aud_ok) return Reject("aud", "aud does not match");

    const std::int64_t skew = options_.skew.count();
    const auto exp_it = payload->find("exp");
    if (exp_it == payload->end()) return Reject("exp", "payload has no exp");
    const auto exp = NumericDate(*exp_it);
    if (!exp) return Reject("exp", "exp is not a number");
    if (now >= *exp + skew) return Reject("exp", "token expired");
    // CDS Hooks 2.0: exp SHALL be at most 5 minutes ahead. A far exp would also keep its jti in
    // the replay cache for that long, so a few tokens could fill it.
    if (*exp > now + options_.max_lifetime.count() + skew) return Reject("exp", "exp is too far in the future");
    const auto iat_it = payload->find("iat");
    if (iat_it == payload->end()) return Reject("iat", "payload has no iat");
    const auto iat = NumericDate(*iat_it);
    if (!iat) return Reject("iat", "iat is not a number");
    if (*iat > now + skew) return Reject("iat", "iat is in the future");
    if (const auto nbf_it = payload->find("nbf"); nbf_it != payload->end()) {
      const auto nbf = NumericDate(*nbf_it);
      if (!nbf) return Reject("nbf", "nbf is not a number");
      if (*nbf > now + skew) return Reject("nbf", "token not yet valid (nbf)");
    }
    const auto jti_it = payload->find("jti");
    if (jti_it == payload->end() || !jti_it->is_string() || jti_it->get_ref<const std::string&>().empty()) {
      return Reject("jti", "payload has no jti");
    }
    const std::string jti = jti_it->get<std::string>();
    if (jti.size() > kMaxJtiBytes) return Reject("jti", "jti too long");
    std::string sub;
    if (const auto it = payload->find("sub"); it != payload->end()) {
      if (!it->is_string()) return Reject("sub", "sub is not a string");
      sub = it->get<std::string>();
    }

    // Last, so that refused tokens do not occupy the cache.
    std::string replay_key = iss;
    replay_key += '\0';
    replay_key += jti;
    if (auto ok = replay_.Insert(replay_key, *exp + skew, now); !ok) return Reject("jti", ok.error());

    JwtClaims claims;
    claims.iss = iss;
    claims.sub = std::move(sub);
    claims.jti = jti;
    claims.exp = *exp;
    claims.iat = *iat;
    claims.payload = std::move(*payload);
    return claims;
  }

  // An unknown kid usually means the issuer rotated keys; fetch again, but not more often than
  // the configured interval so that junk kids cannot make us hammer the issuer.
  std::shared_ptr<const KeySet> Refetch(IssuerState& issuer) {
    const auto before = issuer.Keys();
    std::lock_guard fetch_lock(issuer.fetch_mu);
    const auto current = issuer.Keys();
    if (current != before) return current;  // another thread refetched while we waited
    if (issuer.config.jwks_url.empty()) return current;  // a file is read once
    const auto now = std::chrono::steady_clock::now();
    if (now - issuer.last_fetch < options_.jwks_refetch_interval) return current;
    issuer.last_fetch = now;
    auto keys = LoadKeys(issuer.config);
    if (!keys) return current;  // keep the old keys when the issuer is unreachable or serves junk
    auto fresh = std::make_shared<const KeySet>(std::move(*keys));
    std::lock_guard keys_lock(issuer.keys_mu);
    issuer.keys = fresh;
    return fresh;
  }

  JwtVerifierOptions options_;
  std::vector<std::unique_ptr<IssuerState>> issuers_;
  ReplayCache replay_;
};

}  // namespace

tl::expected<std::unique_ptr<JwtVerifier>, common::Error> MakeJwtVerifier(JwtVerifierOptions options) {
  if (options.audience.empty()) return Reject("", "audience is empty");
  if (options.issuers.empty()) return Reject("", "no trusted issuers");
  if (options.skew.count() < 0 || options.skew.count() > 3600) return Reject("", "skew must be 0..3600 seconds");
  if (options.max_token_bytes == 0) return Reject("", "max_token_bytes is 0");
  if (options.replay_cache_capacity == 0) return Reject("", "replay_cache_capacity is 0");
  for (std::size_t i = 0; i < options.issuers.size(); ++i) {
    const TrustedIssuer& issuer = options.issuers[i];
    if (issuer.iss.empty()) return Reject("", "issuer " + std::to_string(i) + " has an empty iss");
    if (issuer.jwks_file.empty() == issuer.jwks_url.empty()) {
      return Reject("", "issuer " + issuer.iss + " needs exactly one of jwks_file and jwks_url");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (options.issuers[j].iss == issuer.iss) return Reject("", "issuer " + issuer.iss + " listed twice");
    }
  }
  auto verifier = std::make_unique<Verifier>(std::move(options));
  if (auto ok = verifier->Init(); !ok) return Reject("", ok.error());
  return std::unique_ptr<JwtVerifier>(std::move(verifier));
}

using internal::ConfigFail;

tl::expected<JwtVerifierOptions, common::Error> LoadJwtConfig(const std::string& path) {
  const auto text = internal::ReadSmallFile(path, kMaxJwksBytes);
  if (!text) return Reject("", text.error());  // the message names the file
  const auto doc = internal::ParseStrictJson(*text, 16);
  if (!doc || !doc->is_object()) return ConfigFail(path, "not a JSON object (or duplicate keys)");
  JwtVerifierOptions options;
  const auto aud = doc->find("audience");
  if (aud == doc->end() || !aud->is_string() || aud->get_ref<const std::string&>().empty()) {
    return ConfigFail(path, "audience must be a non-empty string");
  }
  options.audience = aud->get<std::string>();
  const auto issuers = doc->find("issuers");
  if (issuers == doc->end() || !issuers->is_array() || issuers->empty()) {
    return ConfigFail(path, "issuers must be a non-empty array");
  }
  const std::filesystem::path base = std::filesystem::path(path).parent_path();
  for (std::size_t i = 0; i < issuers->size(); ++i) {
    const json& entry = (*issuers)[i];
    const std::string where = "issuers[" + std::to_string(i) + "]";
    if (!entry.is_object()) return ConfigFail(path, where + " is not an object");
    TrustedIssuer issuer;
    const auto iss = entry.find("iss");
    if (iss == entry.end() || !iss->is_string() || iss->get_ref<const std::string&>().empty()) {
      return ConfigFail(path, where + ".iss must be a non-empty string");
    }
    issuer.iss = iss->get<std::string>();
    const auto file = entry.find("jwks_file");
    const auto url = entry.find("jwks_url");
    if ((file == entry.end()) == (url == entry.end())) return ConfigFail(path, where + " needs exactly one of jwks_file, jwks_url");
    if (file != entry.end()) {
      if (!file->is_string() || file->get_ref<const std::string&>().empty()) return ConfigFail(path, where + ".jwks_file must be a string");
      std::filesystem::path p(file->get<std::string>());
      issuer.jwks_file = (p.is_relative() ? base / p : p).string();
    } else {
      if (!url->is_string() || url->get_ref<const std::string&>().empty()) return ConfigFail(path, where + ".jwks_url must be a string");
      issuer.jwks_url = url->get<std::string>();
    }
    options.issuers.push_back(std::move(issuer));
  }
  if (const auto skew = doc->find("skew_seconds"); skew != doc->end()) {
    if (!skew->is_number_integer() || skew->get<std::int64_t>() < 0 || skew->get<std::int64_t>() > 3600) {
      return ConfigFail(path, "skew_seconds must be an integer 0..3600");
    }
    options.skew = std::chrono::seconds(skew->get<std::int64_t>());
  }
  return options;
}

namespace internal {

tl::expected<nlohmann::json, std::string> VerifyJwsSignature(std::string_view token, const KeySet& keys,
                                                             const std::vector<std::string>& algs,
                                                             std::size_t max_bytes, bool* unknown_kid) {
  if (unknown_kid != nullptr) *unknown_kid = false;
  try {
    const AlgRule rule{[](const std::string& alg, const std::vector<std::string>& allowed) {
                         const bool known = alg == "RS256" || alg == "RS384" || alg == "ES256" || alg == "ES384";
                         return known && std::find(allowed.begin(), allowed.end(), alg) != allowed.end();
                       },
                       &algs, "alg not allowed", "header has no alg"};
    const auto jws = ReadJws(token, max_bytes, rule);
    if (!jws) return tl::unexpected(jws.error());
    const SplitToken* parts = &jws->parts;
    const std::string& alg = jws->header.alg;
    const std::optional<std::string>& kid = jws->header.kid;
    const auto signature = Base64UrlDecode(parts->signature);
    if (!signature) return Fail("signature is not base64url");
    const Selection chosen = SelectKey(keys, kid, alg);
    if (chosen.pick == Pick::kUnknownKid && unknown_kid != nullptr) *unknown_kid = true;
    if (chosen.pick != Pick::kFound) return Fail(chosen.error);
    if (auto ok = VerifySignature(*chosen.key, parts->signing_input, *signature, alg); !ok) {
      return tl::unexpected(ok.error());
    }
    return ReadJwsPayload(*parts);
  } catch (const std::exception&) {
    return Fail("internal error while verifying");
  }
}

}  // namespace internal

}  // namespace zebra::auth
