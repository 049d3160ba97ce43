// OpenID Connect relying party for `zebra serve --oidc-config`: authorization code flow with PKCE
// (S256), discovery and JWKS over the JWKS client policy, ID tokens verified with the JWT code.
#include <algorithm>
#include <cctype>
#include <set>
#include <tuple>
#include <filesystem>
#include <map>
#include <mutex>
#include <unordered_map>

#include "auth/auth.h"
#include "auth/jwt_internal.h"
#include "json/json_parse.h"

namespace zebra::auth {
namespace {

using nlohmann::json;
using Error = tl::unexpected<std::string>;

constexpr std::size_t kMaxConfigBytes = 64 * 1024;
constexpr std::size_t kMaxDocumentBytes = 1 << 20;
constexpr std::size_t kMaxTokenBytes = 64 * 1024;
constexpr std::size_t kMaxPending = 10000;
constexpr std::int64_t kPendingSeconds = 600;   // from /v1/oidc/login to the callback
constexpr std::int64_t kSkewSeconds = 60;
constexpr std::int64_t kMaxIdTokenAgeSeconds = 600;  // iat no older than this (plus skew)
constexpr std::chrono::seconds kJwksRefetchInterval{60};

bool ValidUsername(std::string_view u) {
  if (u.empty() || u.size() > 64) return false;
  return std::all_of(u.begin(), u.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-' || c == '@';
  });
}

// A user whose claims map to several roles gets the highest; the auditor (audit log only) is the
// lowest, so a clinical role always wins over it. 0: not a role.
int RoleRank(std::string_view role) {
  return role == "clinician" ? 4 : role == "coordinator" ? 3 : role == "viewer" ? 2 : role == "auditor" ? 1 : 0;
}

// https, or http for a loopback host with --insecure-dev (tests, a provider on the same machine).
bool UrlAllowed(std::string_view url, bool insecure_dev) {
  const auto parts = ParseHttpUrl(url);
  if (!parts) return false;
  if (parts->scheme == "https") return true;
  return insecure_dev && IsLoopbackHost(parts->host);
}

std::string Base64(std::string_view data) {
  std::string out = Base64UrlEncode(data);
  for (char& c : out) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (out.size() % 4 != 0) out += '=';
  return out;
}

std::optional<std::string> StringField(const json& doc, const char* name) {
  const auto it = doc.find(name);
  if (it == doc.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<std::int64_t> Seconds(const json& doc, const char* name) {
  const auto it = doc.find(name);
  if (it == doc.end() || !it->is_number()) return std::nullopt;
  const double d = it->get<double>();
  if (!(d > -1e15 && d < 1e15)) return std::nullopt;
  return static_cast<std::int64_t>(d);
}

common::Error Failed(std::string_view kind, std::string why) { return {std::string(kind), "", std::move(why)}; }

struct Pending {
  std::string nonce, verifier, binding_hash;
  std::int64_t expires = 0;
};

class Client final : public OidcClient {
 public:
  Client(OidcConfig config, std::string authorization_endpoint, std::string token_endpoint, std::string jwks_uri,
         internal::KeySet keys)
      : config_(std::move(config)),
        authorization_endpoint_(std::move(authorization_endpoint)),
        token_endpoint_(std::move(token_endpoint)),
        jwks_uri_(std::move(jwks_uri)),
        keys_(std::make_shared<const internal::KeySet>(std::move(keys))),
        last_fetch_(std::chrono::steady_clock::now()) {}

  const OidcConfig& Config() const override { return config_; }

  tl::expected<OidcLogin, common::Error> Begin(std::int64_t now) override {
    Pending pending;
    const std::string state = RandomToken(32);
    pending.nonce = RandomToken(32);
    pending.verifier = RandomToken(32);  // 43 characters, as RFC 7636 asks at least
    OidcLogin login;
    login.browser_binding = RandomToken(32);
    pending.binding_hash = Sha256Hex(login.browser_binding);
    pending.expires = now + kPendingSeconds;
    std::string scope;
    for (const auto& s : config_.scopes) scope += (scope.empty() ? "" : " ") + s;
    std::string url = authorization_endpoint_;
    url += url.find('?') == std::string::npos ? '?' : '&';
    url += "response_type=code&client_id=" + PercentEncode(config_.client_id) +
           "&redirect_uri=" + PercentEncode(config_.redirect_uri) + "&scope=" + PercentEncode(scope) +
           "&state=" + state + "&nonce=" + pending.nonce + "&code_challenge=" + PkceS256Challenge(pending.verifier) +
           "&code_challenge_method=S256";
    {
      std::lock_guard lock(mu_);
      for (auto it = pending_.begin(); it != pending_.end();) {
        it = it->second.expires <= now ? pending_.erase(it) : std::next(it);
      }
      if (pending_.size() >= kMaxPending) {
        return tl::unexpected(Failed(oidc_failure::kUnavailable, "too many sign-ins in flight"));
      }
      pending_.emplace(state, std::move(pending));
    }
    login.authorization_url = std::move(url);
    return login;
  }

  tl::expected<OidcIdentity, common::Error> Finish(std::string_view code, std::string_view state,
                                               std::string_view browser_binding, std::int64_t now) override {
    const auto fail = [](std::string_view kind, std::string why) { return tl::unexpected(Failed(kind, std::move(why))); };
    if (code.empty() || state.empty()) return fail(oidc_failure::kBadRequest, "callback without code or state");
    Pending pending;
    {
      std::lock_guard lock(mu_);
      const auto it = pending_.find(std::string(state));
      if (it == pending_.end()) return fail(oidc_failure::kBadState, "state unknown or already used");
      pending = std::move(it->second);
      pending_.erase(it);  // single use, whatever happens next
    }
    if (pending.expires <= now) return fail(oidc_failure::kBadState, "state expired");
    if (browser_binding.empty() || !ConstantTimeEqual(Sha256Hex(browser_binding), pending.binding_hash)) {
      return fail(oidc_failure::kBadState, "state was issued to another browser (binding cookie missing or wrong)");
    }

    // Code exchange (RFC 6749 4.1.3 with the PKCE verifier).
    internal::HttpCall call;
    call.method = "POST";
    call.url = token_endpoint_;
    call.max_bytes = kMaxDocumentBytes;
    call.form = "grant_type=authorization_code&code=" + PercentEncode(code) +
                "&redirect_uri=" + PercentEncode(config_.redirect_uri) + "&code_verifier=" + pending.verifier;
    if (config_.client_secret.empty()) {
      call.form += "&client_id=" + PercentEncode(config_.client_id);
    } else {
      // client_secret_basic: both parts form-encoded first (RFC 6749 2.3.1).
      call.authorization =
          "Basic " + Base64(PercentEncode(config_.client_id) + ":" + PercentEncode(config_.client_secret));
    }
    const auto answer = internal::Fetch(call);
    if (!answer) return fail(oidc_failure::kTokenEndpoint, "token endpoint: " + answer.error().message);
    if (answer->status != 200) {
      const std::string error = OAuthErrorCode(answer->body);
      return fail(oidc_failure::kTokenEndpoint, "token endpoint answered HTTP " + std::to_string(answer->status) +
                                                   (error.empty() ? "" : " (" + error + ")"));
    }
    const auto doc = internal::ParseStrictJson(answer->body, 16);
    if (!doc || !doc->is_object()) return fail(oidc_failure::kTokenEndpoint, "token response is not a JSON object");
    const auto id_token = StringField(*doc, "id_token");
    if (!id_token) return fail(oidc_failure::kTokenEndpoint, "token response has no id_token");

    auto claims = VerifyIdToken(*id_token, pending.nonce, now);
    if (!claims) return fail(oidc_failure::kIdToken, "ID token refused: " + claims.error());
    return std::move(*claims);
  }

 private:
  tl::expected<OidcIdentity, std::string> VerifyIdToken(const std::string& token, const std::string& nonce,
                                                        std::int64_t now) {
    static const std::vector<std::string> kAlgs = {"RS256", "RS384", "ES256", "ES384"};
    bool unknown_kid = false;
    auto payload = internal::VerifyJwsSignature(token, *Keys(), kAlgs, kMaxTokenBytes, &unknown_kid);
    if (!payload && unknown_kid) payload = internal::VerifyJwsSignature(token, *Refetch(), kAlgs, kMaxTokenBytes, nullptr);
    if (!payload) return Error(payload.error());
    const json& claims = *payload;
    if (StringField(claims, "iss") != config_.issuer) return Error("iss does not match the issuer");
    const auto aud = claims.find("aud");
    bool aud_ok = false;
    std::size_t audiences = 0;
    if (aud != claims.end() && aud->is_string()) {
      aud_ok = aud->get_ref<const std::string&>() == config_.client_id;
      audiences = 1;
    } else if (aud != claims.end() && aud->is_array()) {
      for (const auto& a : *aud) aud_ok = aud_ok || (a.is_string() && a.get_ref<const std::string&>() == config_.client_id);
      audiences = aud->size();
    }
    if (!aud_ok) return Error("aud does not name this client");
    // OpenID Connect Core 3.1.3.7: with several audiences, azp must be this client.
    if (audiences > 1 && StringField(claims, "azp") != config_.client_id) return Error("azp does not name this client");
    if (const auto azp = StringField(claims, "azp"); azp && *azp != config_.client_id) return Error("azp does not name this client");
    const auto exp = Seconds(claims, "exp");
    if (!exp) return Error("no exp");
    if (now >= *exp + kSkewSeconds) return Error("expired");
    const auto iat = Seconds(claims, "iat");
    if (!iat) return Error("no iat");
    if (*iat > now + kSkewSeconds) return Error("iat is in the future");
    if (*iat < now - kMaxIdTokenAgeSeconds - kSkewSeconds) return Error("iat is too old");
    if (const auto nbf = Seconds(claims, "nbf"); nbf && *nbf > now + kSkewSeconds) return Error("not yet valid (nbf)");
    const auto token_nonce = StringField(claims, "nonce");
    if (!token_nonce || !ConstantTimeEqual(*token_nonce, nonce)) return Error("nonce does not match");
    const auto sub = StringField(claims, "sub");
    if (!sub || sub->size() > 255) return Error("no usable sub");
    const auto username = StringField(claims, config_.username_claim.c_str());
    if (!username || !ValidUsername(*username)) {
      return Error("claim " + config_.username_claim + " missing or not a valid username (1-64 of A-Z a-z 0-9 . _ - @)");
    }
    OidcIdentity identity;
    identity.subject = *sub;
    identity.username = *username;
    const auto map_value = [&](const json& v) {
      if (!v.is_string()) return;
      for (const auto& [value, role] : config_.role_map) {
        if (v.get_ref<const std::string&>() == value && RoleRank(role) > RoleRank(identity.role)) identity.role = role;
      }
    };
    if (const auto it = claims.find(config_.role_claim); it != claims.end()) {
      if (it->is_array()) {
        for (const auto& v : *it) map_value(v);
      } else {
        map_value(*it);
      }
    }
    return identity;
  }

  std::shared_ptr<const internal::KeySet> Keys() {
    std::lock_guard lock(keys_mu_);
    return keys_;
  }

  // The provider rotated its keys: fetch the set again, at most once a minute.
  std::shared_ptr<const internal::KeySet> Refetch() {
    std::lock_guard fetch_lock(fetch_mu_);
    const auto now = std::chrono::steady_clock::now();
    if (now - last_fetch_ < kJwksRefetchInterval) return Keys();
    last_fetch_ = now;
    const auto text = internal::FetchUrl(jwks_uri_, kMaxDocumentBytes);
    if (!text) return Keys();
    auto keys = internal::ParseJwks(*text, /*oidc_algs=*/true);
    if (!keys) return Keys();
    auto fresh = std::make_shared<const internal::KeySet>(std::move(*keys));
    std::lock_guard lock(keys_mu_);
    keys_ = fresh;
    return fresh;
  }

  const OidcConfig config_;
  const std::string authorization_endpoint_, token_endpoint_, jwks_uri_;
  std::mutex mu_;
  std::unordered_map<std::string, Pending> pending_;
  std::mutex keys_mu_;
  std::shared_ptr<const internal::KeySet> keys_;
  std::mutex fetch_mu_;
  std::chrono::steady_clock::time_point last_fetch_;
};

}  // namespace

std::string OAuthErrorCode(std::string_view body) {
  const auto doc = internal::ParseStrictJson(body, 8);
  if (!doc || !doc->is_object()) return "";
  const auto code = StringField(*doc, "error");
  if (!code || code->size() > 64 ||
      !std::all_of(code->begin(), code->end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; })) {
    return "";
  }
  return *code;
}

using internal::ConfigFail;

tl::expected<OidcConfig, common::Error> LoadOidcConfig(const std::string& path, bool insecure_dev) {
  const auto text = internal::ReadSmallFile(path, kMaxConfigBytes);
  if (!text) return tl::unexpected(common::Error("", text.error()));  // the message names the file
  const auto parsed = zebra::json::ParseStrict(*text, {.max_bytes = kMaxConfigBytes, .max_depth = 8});
  if (!parsed) return ConfigFail(path, parsed.error().path + ": " + parsed.error().message);
  const auto& doc = *parsed;
  if (!doc.is_object()) return ConfigFail(path, "not a JSON object");
  static const std::set<std::string> kKeys = {"issuer",     "client_id",  "client_secret_file", "redirect_uri", "scopes",
                                              "role_claim", "role_map",   "username_claim",     "name"};
  for (const auto& [key, value] : doc.items()) {
    if (!kKeys.count(key)) return ConfigFail(path, "unknown key \"" + zebra::json::SanitizeUtf8(key, true) + "\"");
  }
  // The lambda's error is the message after the file name.
  const auto string = [&](const char* key, bool required) -> tl::expected<std::string, std::string> {
    const auto it = doc.find(key);
    if (it == doc.end()) {
      if (required) return tl::unexpected(std::string(key) + " is required");
      return std::string();
    }
    if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
      return tl::unexpected(std::string(key) + " must be a non-empty string");
    }
    return it->get<std::string>();
  };
  OidcConfig config;
  for (auto [key, out, required] : {std::tuple{"issuer", &config.issuer, true}, {"client_id", &config.client_id, true},
                                    {"redirect_uri", &config.redirect_uri, true},
                                    {"role_claim", &config.role_claim, true}, {"name", &config.display_name, false}}) {
    auto value = string(key, required);
    if (!value) return ConfigFail(path, value.error());
    *out = std::move(*value);
  }
  const auto issuer = ParseHttpUrl(config.issuer);
  if (!issuer || config.issuer.find_first_of("?#") != std::string::npos) {
    return ConfigFail(path, "issuer must be an absolute https URL without query or fragment");
  }
  if (!UrlAllowed(config.issuer, insecure_dev)) {
    return ConfigFail(path, "issuer must be https (http only for a loopback issuer with --insecure-dev)");
  }
  const auto redirect = ParseHttpUrl(config.redirect_uri);
  if (!redirect || config.redirect_uri.find('#') != std::string::npos ||
      (redirect->scheme != "https" && !IsLoopbackHost(redirect->host))) {
    return ConfigFail(path, "redirect_uri must be an absolute https URL (http only for loopback)");
  }
  if (auto value = string("username_claim", false); !value) {
    return ConfigFail(path, value.error());
  } else if (!value->empty()) {
    config.username_claim = *value;
  }
  const auto scopes = doc.find("scopes");
  if (scopes == doc.end()) {
    config.scopes = {"openid", "profile"};
  } else {
    if (!scopes->is_array()) return ConfigFail(path, "scopes must be an array of strings");
    for (const auto& s : *scopes) {
      if (!s.is_string() || s.get_ref<const std::string&>().empty() ||
          s.get_ref<const std::string&>().find_first_of(" \t\r\n\"\\") != std::string::npos) {
        return ConfigFail(path, "scopes must be non-empty strings without spaces");
      }
      config.scopes.push_back(s.get<std::string>());
    }
    if (std::find(config.scopes.begin(), config.scopes.end(), "openid") == config.scopes.end()) {
      return ConfigFail(path, "scopes must include \"openid\"");
    }
  }
  const auto role_map = doc.find("role_map");
  if (role_map == doc.end() || !role_map->is_object() || role_map->empty()) {
    return ConfigFail(path, "role_map must be a non-empty object {\"claim value\": \"viewer|coordinator|clinician|auditor\"}");
  }
  for (const auto& [value, role] : role_map->items()) {
    if (!role.is_string() || RoleRank(role.get_ref<const std::string&>()) == 0) {
      return ConfigFail(path, "role_map values must be viewer, coordinator, clinician or auditor");
    }
    config.role_map.emplace_back(value, role.get<std::string>());
  }
  if (auto file = string("client_secret_file", false); !file) {
    return ConfigFail(path, file.error());
  } else if (!file->empty()) {
    std::filesystem::path p(*file);
    if (p.is_relative()) p = std::filesystem::path(path).parent_path() / p;
    auto secret = internal::ReadSmallFile(p.string(), 4096);
    if (!secret) return ConfigFail(path, "client_secret_file: " + secret.error());
    while (!secret->empty() && std::isspace(static_cast<unsigned char>(secret->back()))) secret->pop_back();
    if (secret->empty()) return ConfigFail(path, "client_secret_file is empty");
    config.client_secret = std::move(*secret);
  }
  if (config.display_name.empty()) config.display_name = issuer->host;
  return config;
}

namespace {
// A start-up failure of the relying party: no file or key to point at, the message says what.
tl::unexpected<common::Error> StartFail(std::string why) { return tl::unexpected(common::Error("", std::move(why))); }
}  // namespace

tl::expected<std::unique_ptr<OidcClient>, common::Error> MakeOidcClient(OidcConfig config, bool insecure_dev) {
  if (!UrlAllowed(config.issuer, insecure_dev)) return StartFail("issuer must be https");
  std::string base = config.issuer;
  while (!base.empty() && base.back() == '/') base.pop_back();
  const std::string discovery_url = base + "/.well-known/openid-configuration";
  const auto text = internal::FetchUrl(discovery_url, kMaxDocumentBytes);
  if (!text) {
    // FetchUrl names the JWKS; here it is the discovery document.
    std::string why = text.error();
    if (why.rfind("JWKS ", 0) == 0) why = why.substr(5);
    return StartFail("discovery " + discovery_url + ": " + why);
  }
  const auto doc = internal::ParseStrictJson(*text, 16);
  if (!doc || !doc->is_object()) return StartFail("discovery document is not a JSON object (or has repeated keys)");
  if (StringField(*doc, "issuer") != config.issuer) return StartFail("discovery document names another issuer");
  std::string endpoints[3];
  const char* names[3] = {"authorization_endpoint", "token_endpoint", "jwks_uri"};
  for (int i = 0; i < 3; ++i) {
    const auto value = StringField(*doc, names[i]);
    if (!value) return StartFail(std::string("discovery document has no ") + names[i]);
    if (!UrlAllowed(*value, insecure_dev) || value->find('#') != std::string::npos) {
      return StartFail(std::string("discovery document's ") + names[i] + " must be https");
    }
    endpoints[i] = *value;
  }
  if (const auto methods = doc->find("code_challenge_methods_supported"); methods != doc->end()) {
    if (!methods->is_array() || std::find(methods->begin(), methods->end(), json("S256")) == methods->end()) {
      return StartFail("the provider does not support PKCE S256");
    }
  }
  const auto jwks = internal::FetchUrl(endpoints[2], kMaxDocumentBytes);
  if (!jwks) return StartFail(jwks.error());
  auto keys = internal::ParseJwks(*jwks, /*oidc_algs=*/true);
  if (!keys) return StartFail("provider " + keys.error());
  return std::unique_ptr<OidcClient>(
      std::make_unique<Client>(std::move(config), endpoints[0], endpoints[1], endpoints[2], std::move(*keys)));
}

std::string ExternalAccountMarker(std::string_view issuer, std::string_view subject) {
  std::string both(issuer);
  both += '\n';
  both += subject;
  return "oidc$" + Sha256Hex(both);
}

bool IsExternalAccount(std::string_view password_hash) { return password_hash.rfind("oidc$", 0) == 0; }

}  // namespace zebra::auth
