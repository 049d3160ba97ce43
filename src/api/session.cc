// Sign-in and sessions, API tokens and OpenID Connect sign-in.
#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "api/api.h"
#include "api/handlers.h"
#include "api/login_throttle.h"
#include "auth/auth.h"
#include "common/clock.h"

namespace zebra::api {
namespace {

constexpr const char* kCookieName = kSessionCookie;
constexpr const char* kOidcCookie = "zebra_oidc";

// A token's public description; never the secret or its hash.
Json TokenBody(const store::ApiToken& t) {
  Json j = Json::object();
  j["id"] = t.id;
  j["name"] = t.name;
  j["scope"] = store::TokenScopeName(t.scope);
  j["created_at"] = t.created_at;
  j["expires_at"] = common::UnixToRfc3339(t.expires_unix);
  j["last_used_at"] = t.last_used_unix > 0 ? Json(common::UnixToRfc3339(t.last_used_unix)) : Json();
  return j;
}

}  // namespace

Response HandleLogin(const Request& req, Services& s) {
  Response res;
  // Login CSRF: a cross-site form or fetch can send text/plain or form bodies without a CORS
  // preflight, and would sign the victim in to the attacker's account. application/json cannot
  // be sent cross-origin without a preflight, which this server never grants on /v1.
  if (!IsJsonMediaType(req.Header("Content-Type"))) {
    SendProblem(res, 415, "unsupported-media-type", StatusTitle(415), "sign-in must be sent as application/json");
    return res;
  }
  auto body = ParseBody(req.body);
  Json errors = Json::array();
  if (!body || !body->is_object()) {
    errors.push_back({{"path", "$"}, {"message", "must be a JSON object {\"username\", \"password\"}"}});
  } else {
    for (const char* key : {"username", "password"}) {
      auto it = body->find(key);
      if (it == body->end() || !it->is_string() || it->get<std::string>().empty())
        errors.push_back({{"path", std::string("$.") + key}, {"message", "is required (a non-empty string)"}});
    }
  }
  if (!errors.empty()) {
    SendProblem(res, 400, "invalid-input", "Invalid sign-in request", Plural(errors.size(), "problem"), errors);
    return res;
  }
  std::string username = (*body)["username"], password = (*body)["password"];
  // Throttled before the password is checked: a locked username or address gets 429 whether
  // the password is right or not (and costs no Argon2 work).
  std::string address = req.client_address;
  auto now = LoginThrottle::Clock::now();
  std::int64_t user_wait = s.user_throttle->Begin(username, now);
  std::int64_t address_wait = user_wait ? 0 : s.address_throttle->Begin(address, now);
  if (user_wait || address_wait) {
    if (!user_wait) s.user_throttle->Finish(username, /*failed=*/false, /*reset_on_success=*/false, now);
    std::int64_t wait = std::max(user_wait, address_wait);
    res.SetHeader("Retry-After", std::to_string(wait));
    SendProblem(res, 429, "too-many-sign-in-attempts", "Too many sign-in attempts",
                fmt::format("too many failed sign-ins; try again in {} seconds", wait));
    return res;
  }
  // Ends the attempt in both throttles; audits a lock that this failure engaged.
  auto finish = [&](bool failed, const std::string& actor, bool signed_in = false) {
    auto done = LoginThrottle::Clock::now();
    bool user_locked = s.user_throttle->Finish(username, failed, /*reset_on_success=*/signed_in, done);
    bool address_locked = s.address_throttle->Finish(address, failed, /*reset_on_success=*/false, done);
    if (user_locked || address_locked)
      Audit(s, actor, "session.login_throttled", "",
            fmt::format("{} failed sign-ins within {} s; {} locked for {} s", s.config.login_max_failures,
                        s.config.login_window_seconds,
                        user_locked && address_locked ? "username and client address " + address
                        : user_locked                 ? std::string("username")
                                                      : "client address " + address,
                        s.config.login_backoff_seconds));
  };
  auto user = s.store->FindUser(username);
  if (!user) {
    finish(false, "");
    return SendStoreFailure(res, req, s, user.error());
  }
  if (!*user) {
    auth::VerifyPassword(s.dummy_hash, password);  // same work as a real check
    // Unknown names are never written to the audit log (they may be mistyped passwords).
    finish(true, "unknown-user");
    res.status = 401;
    return res;
  }
  if (auth::IsExternalAccount((*user)->password_hash)) {
    // Created by OpenID Connect sign-in: it has no password (the marker never verifies).
    auth::VerifyPassword(s.dummy_hash, password);  // same work as a real check
    Audit(s, username, "session.login_failed", "", "external account (signs in with OpenID Connect)");
    finish(true, username);
    res.status = 401;
    return res;
  }
  if (!auth::VerifyPassword((*user)->password_hash, password)) {
    Audit(s, username, "session.login_failed", "", "wrong password");
    finish(true, username);
    res.status = 401;
    return res;
  }
  if ((*user)->disabled) {
    // Same bare 401 as a wrong password; only the audit log says why. The password was right,
    // so it does not count toward the sign-in throttle.
    Audit(s, username, "session.login_failed", "", "account disabled");
    finish(false, username);
    res.status = 401;
    return res;
  }
  finish(false, username, /*signed_in=*/true);
  std::string token = auth::RandomToken(32);
  store::Session session;
  session.token_hash = auth::Sha256Hex(token);
  session.csrf_token = auth::RandomToken(32);
  session.user_id = (*user)->id;
  session.expires_unix = s.Now() + s.config.session_seconds;
  if (auto r = s.store->CreateSession(session); !r) return SendStoreFailure(res, req, s, r.error());
  Audit(s, username, "session.create", "", "");
  bool tls = req.Header("X-Forwarded-Proto") == "https";
  res.SetHeader("Set-Cookie", fmt::format("{}={}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{}", kCookieName, token,
                                          s.config.session_seconds, tls ? "; Secure" : ""));
  Json out = Json::object();
  out["user"] = {{"username", (*user)->username}, {"role", store::RoleName((*user)->role)}};
  out["csrf_token"] = session.csrf_token;
  SendJson(res, 200, out);
  return res;
}

Response HandleSessionInfo(const Request& req, Services& /*s*/) {
  Response res;
  Json out = Json::object();
  out["user"] = {{"username", req.principal->user.username}, {"role", store::RoleName(req.principal->user.role)}};
  out["csrf_token"] = req.principal->via_session ? Json(req.principal->csrf_token) : Json();
  SendJson(res, 200, out);
  return res;
}

Response HandleLogout(const Request& req, Services& s) {
  Response res;
  auto who = Authenticate(req, s);
  if (!who) return SendStoreFailure(res, req, s, who.error());
  if (*who && (*who)->via_session) {
    if (!CsrfOk(req, **who)) {
      SendProblem(res, 403, "csrf", "CSRF token missing or wrong",
                  "requests signed in with the session cookie must send the X-CSRF-Token header");
      return res;
    }
    if (auto r = s.store->DeleteSession((*who)->session_hash); !r) return SendStoreFailure(res, req, s, r.error());
    Audit(s, (*who)->user.username, "session.delete", "", "");
  }
  res.SetHeader("Set-Cookie", fmt::format("{}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0", kCookieName));
  res.status = 204;
  return res;
}

Response HandleCreateToken(const Request& req, Services& s) {
  Response res;
  // Only a person at a session mints tokens: a leaked token must not be able to renew itself.
  if (!req.principal->via_session) {
    SendProblem(res, 403, "session-required", "Sign in with a session",
                "API tokens are created from a signed-in session, not with another token");
    return res;
  }
  auto body = ParseBody(req.body);
  Json errors = Json::array();
  std::string name;
  store::TokenScope scope = store::TokenScope::kRead;
  int days = s.config.token_default_days;
  if (!body || !body->is_object()) {
    errors.push_back({{"path", "$"}, {"message", "must be a JSON object {\"name\", \"scope\", \"expires_in_days\"}"}});
  } else {
    for (const auto& [key, value] : body->items())
      if (key != "name" && key != "scope" && key != "expires_in_days")
        errors.push_back({{"path", "$." + key}, {"message", "is not a known field"}});
    auto n = body->find("name");
    if (n == body->end() || !n->is_string() || n->get<std::string>().empty() || n->get<std::string>().size() > 100)
      errors.push_back({{"path", "$.name"}, {"message", "is required (1 to 100 characters)"}});
    else
      name = n->get<std::string>();
    if (auto sc = body->find("scope"); sc != body->end()) {
      auto parsed = sc->is_string() ? store::ParseTokenScope(sc->get<std::string>()) : std::nullopt;
      if (!parsed)
        errors.push_back({{"path", "$.scope"}, {"message", "must be \"read\" or \"write\""}});
      else
        scope = *parsed;
    }
    if (auto d = body->find("expires_in_days"); d != body->end()) {
      if (!d->is_number_integer() || d->get<std::int64_t>() < 1 || d->get<std::int64_t>() > s.config.token_max_days)
        errors.push_back(
            {{"path", "$.expires_in_days"},
             {"message", fmt::format("must be a whole number of days from 1 to {}", s.config.token_max_days)}});
      else
        days = static_cast<int>(d->get<std::int64_t>());
    }
  }
  if (!errors.empty()) {
    SendProblem(res, 400, "invalid-input", "Invalid token request", Plural(errors.size(), "problem"), errors);
    return res;
  }
  // A viewer cannot write, so a write token for a viewer would only mislead.
  if (scope == store::TokenScope::kWrite && req.principal->user.role == store::Role::kViewer) {
    SendProblem(res, 403, "forbidden", "Insufficient role", "a viewer's API tokens have the read scope");
    return res;
  }
  std::string token = "zt_" + auth::RandomToken(32);
  auto issued = s.store->IssueApiToken(req.principal->user.id, auth::Sha256Hex(token), name, scope,
                                       s.Now() + std::int64_t{days} * 86400, req.principal->user.username);
  if (!issued) return SendStoreFailure(res, req, s, issued.error());
  Json out = TokenBody(*issued);
  out["token"] = token;
  SendJson(res, 201, out);
  return res;
}

Response HandleListTokens(const Request& req, Services& s) {
  Response res;
  auto list = s.store->ListApiTokens(req.principal->user.id);
  if (!list) return SendStoreFailure(res, req, s, list.error());
  Json tokens = Json::array();
  for (const auto& t : *list) tokens.push_back(TokenBody(t));
  SendJson(res, 200, Json{{"tokens", tokens}});
  return res;
}

Response HandleRevokeToken(const Request& req, Services& s) {
  Response res;
  std::string id = req.PathParam("id");
  auto revoked = s.store->RevokeApiToken(req.principal->user.id, id, req.principal->user.username);
  if (!revoked) return SendStoreFailure(res, req, s, revoked.error());
  if (!*revoked) {
    SendProblem(res, 404, "not-found", "Not found", "you have no API token with that id");
    return res;
  }
  res.status = 204;
  return res;
}

// ---- OpenID Connect sign-in ---------------------------------------------------------------------

namespace {

Response SendOidcNotConfigured(Response& res) {
  return SendProblem(res, 404, "oidc-not-configured", "Single sign-on is not configured",
                     "this server was started without --oidc-config");
}

// How a failed sign-in is answered, by the error's code (auth::oidc_failure).
struct OidcRefusal {
  std::string_view code;
  int status;
  std::string_view type, title, detail;
};
constexpr OidcRefusal kOidcRefusals[] = {
    {auth::oidc_failure::kBadRequest, 400, "oidc-invalid-callback", "Invalid sign-in callback",
     "the callback needs code and state"},
    {auth::oidc_failure::kBadState, 400, "oidc-invalid-state", "Sign-in state invalid",
     "this sign-in link is unknown, used, expired or was started in another browser; start again"},
    {auth::oidc_failure::kTokenEndpoint, 401, "oidc-code-refused", "Sign-in code refused",
     "the identity provider did not accept the sign-in code; start again"},
    {auth::oidc_failure::kIdToken, 401, "oidc-id-token-refused", "Identity token refused",
     "the identity provider's answer did not verify"},
    {auth::oidc_failure::kUnavailable, 503, "oidc-busy", "Too many sign-ins in flight", "try again in a minute"},
};

}  // namespace

// Tells the web app whether to offer "Sign in with ...".
Response HandleOidcConfigPublic(const Request& /*req*/, Services& s) {
  Response res;
  Json out = Json::object();
  out["enabled"] = s.oidc != nullptr;
  if (s.oidc) {
    out["issuer"] = s.oidc->Config().issuer;
    out["name"] = s.oidc->Config().display_name;
    out["login_url"] = "/v1/oidc/login";
  }
  SendJson(res, 200, out);
  return res;
}

Response HandleOidcLogin(const Request& req, Services& s) {
  Response res;
  if (!s.oidc) return SendOidcNotConfigured(res);
  auto login = s.oidc->Begin(s.Now());
  if (!login) {
    res.SetHeader("Retry-After", "60");
    SendProblem(res, 503, "oidc-busy", "Too many sign-ins in flight", "try again in a minute");
    return res;
  }
  // Binds the state to this browser (login CSRF); Lax, so the provider's redirect back carries it.
  const bool tls = req.Header("X-Forwarded-Proto") == "https";
  res.SetHeader("Set-Cookie", fmt::format("{}={}; HttpOnly; SameSite=Lax; Path=/v1/oidc; Max-Age=600{}", kOidcCookie,
                                          login->browser_binding, tls ? "; Secure" : ""));
  res.Redirect(login->authorization_url, 302);
  return res;
}

Response HandleOidcCallback(const Request& req, Services& s) {
  Response res;
  if (!s.oidc) return SendOidcNotConfigured(res);
  // The binding cookie is used once, whatever the outcome.
  res.SetHeader("Set-Cookie", fmt::format("{}=; HttpOnly; SameSite=Lax; Path=/v1/oidc; Max-Age=0", kOidcCookie));
  // Refusals are audited (never with the code, a token or the state) and logged.
  const auto refuse = [&](int status, std::string_view type, std::string_view title, const std::string& actor,
                          const std::string& why, std::string_view detail) {
    Audit(s, actor, "session.login_failed", "", "oidc: " + why);
    s.Log("zebra serve: OpenID Connect sign-in refused: " + why);
    return SendProblem(res, status, type, title, detail);
  };
  if (req.HasQuery("error")) {
    std::string error = req.Query("error");
    const bool plain = error.size() <= 64 && std::all_of(error.begin(), error.end(),
                                                         [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
    return refuse(401, "oidc-provider-error", "The identity provider did not sign you in", "oidc",
                  "provider answered " + (plain ? error : std::string("an error")),
                  "the identity provider answered " + (plain ? error : std::string("with an error")));
  }
  const std::string binding = req.Cookie(kOidcCookie).value_or("");
  auto identity = s.oidc->Finish(req.Query("code"), req.Query("state"), binding, s.Now());
  if (!identity) {
    for (const auto& r : kOidcRefusals)
      if (identity.error().code == r.code) return refuse(r.status, r.type, r.title, "oidc", identity.error().message, r.detail);
    return res;
  }
  const std::string& username = identity->username;
  const auto role = store::ParseRole(identity->role);
  if (identity->role.empty() || !role) {
    return refuse(403, "oidc-no-role", "No Zebra role", username,
                  "claim " + s.oidc->Config().role_claim + " has no value in role_map",
                  "your account at the identity provider has no role in Zebra; ask an administrator");
  }
  const std::string marker = auth::ExternalAccountMarker(s.oidc->Config().issuer, identity->subject);
  auto found = s.store->FindUser(username);
  if (!found) return SendStoreFailure(res, req, s, found.error());
  store::User user;
  if (*found) {
    user = **found;
    if (user.password_hash != marker) {
      return refuse(403, "oidc-account-conflict", "Username already taken", username,
                    auth::IsExternalAccount(user.password_hash) ? "username belongs to another external identity"
                                                                : "username belongs to a local (password) account",
                    "a Zebra account with this username exists and is not linked to your identity; ask an "
                    "administrator");
    }
    if (user.disabled) {
      return refuse(403, "account-disabled", "Account disabled", username, "account disabled",
                    "your Zebra account is disabled; ask an administrator");
    }
    if (user.role != *role) {
      auto changed = s.store->SetUserRole(username, *role, "oidc");  // audited as user.role
      if (!changed) return SendStoreFailure(res, req, s, changed.error());
      user = *changed;
    }
  } else {
    auto created = s.store->CreateUser(username, marker, *role);  // audited as user.create
    if (!created) return SendStoreFailure(res, req, s, created.error());
    user = *created;
  }
  // The same session as POST /v1/session.
  std::string token = auth::RandomToken(32);
  store::Session session;
  session.token_hash = auth::Sha256Hex(token);
  session.csrf_token = auth::RandomToken(32);
  session.user_id = user.id;
  session.expires_unix = s.Now() + s.config.session_seconds;
  if (auto r = s.store->CreateSession(session); !r) return SendStoreFailure(res, req, s, r.error());
  Audit(s, username, "session.create", "", "oidc");
  const bool tls = req.Header("X-Forwarded-Proto") == "https";
  res.SetHeader("Set-Cookie", fmt::format("{}={}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{}", kCookieName, token,
                                          s.config.session_seconds, tls ? "; Secure" : ""));
  res.Redirect("/", 302);
  return res;
}

}  // namespace zebra::api
