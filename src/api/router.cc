// Route matching by path segments (no regular expressions) and authorisation.
#include <fmt/format.h>

#include <algorithm>

#include "api/api.h"
#include "api/metrics.h"
#include "api/rate_limiter.h"
#include "auth/auth.h"

namespace zebra::api {
namespace {

int RoleRank(store::Role role) {
  switch (role) {
    case store::Role::kViewer:
      return 1;
    case store::Role::kCoordinator:
      return 2;
    case store::Role::kClinician:
      return 3;
  }
  return 0;
}

int RequiredRank(Access access) {
  switch (access) {
    case Access::kCoordinator:
      return 2;
    case Access::kClinician:
      return 3;
    default:
      return 1;
  }
}

// The next segment of `path` from `pos` (after a '/'); pos moves past it.
std::string_view NextSegment(std::string_view path, std::size_t& pos) {
  std::size_t end = path.find('/', pos);
  if (end == std::string_view::npos) end = path.size();
  std::string_view segment = path.substr(pos, end - pos);
  pos = end + 1;
  return segment;
}

// `{eid}`: an evaluation id, 1 to 18 digits; any other parameter 1 to 128 of [A-Za-z0-9_.-].
bool ParamValueOk(std::string_view name, std::string_view value) {
  if (name == "eid")
    return !value.empty() && value.size() <= 18 &&
           std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
  return !value.empty() && value.size() <= 128 && std::all_of(value.begin(), value.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
  });
}

// Does `path` fit `pattern` segment by segment? Fills `params` when it does.
bool MatchPath(std::string_view pattern, std::string_view path,
               std::map<std::string, std::string, std::less<>>& params) {
  if (pattern.empty() || path.empty() || pattern.front() != '/' || path.front() != '/') return false;
  std::map<std::string, std::string, std::less<>> found;
  std::size_t p = 1, q = 1;
  while (true) {
    const bool pattern_done = p > pattern.size(), path_done = q > path.size();
    if (pattern_done || path_done) {
      if (!(pattern_done && path_done)) return false;
      break;
    }
    std::string_view want = NextSegment(pattern, p);
    std::string_view got = NextSegment(path, q);
    if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
      std::string_view name = want.substr(1, want.size() - 2);
      if (!ParamValueOk(name, got)) return false;
      found.emplace(std::string(name), std::string(got));
    } else if (want != got) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

// nullopt: no valid credentials. Error: the store failed.
tl::expected<std::optional<Principal>, std::string> AuthenticateRequest(const Request& req, Services& s) {
  std::string authz = req.Header("Authorization");
  if (!authz.empty()) {
    constexpr std::string_view kBearer = "Bearer ";
    if (authz.size() <= kBearer.size() || authz.compare(0, kBearer.size(), kBearer) != 0)
      return std::optional<Principal>();
    std::string token = authz.substr(kBearer.size());
    if (token.rfind("zt_", 0) != 0) return std::optional<Principal>();
    const std::string token_hash = auth::Sha256Hex(token);
    const std::int64_t now = s.Now();
    // Unknown, expired or revoked tokens and tokens of disabled users are all a bare 401.
    auto found = s.store->FindApiToken(token_hash, now);
    if (!found) return tl::unexpected(found.error());
    if (!*found || (*found)->user.disabled) return std::optional<Principal>();
    // last_used_at is kept to the hour: one write per token per hour, not per request.
    if (now - (*found)->token.last_used_unix >= 3600) {
      if (auto r = s.store->TouchApiToken(token_hash, now); !r)
        s.Log("zebra serve: token use not recorded: " + r.error());
    }
    return std::optional<Principal>(Principal{(*found)->user, false, "", "", (*found)->token});
  }
  auto cookie = req.Cookie(kSessionCookie);
  if (!cookie || cookie->empty()) return std::optional<Principal>();
  std::string hash = auth::Sha256Hex(*cookie);
  auto session = s.store->FindSession(hash, s.Now());
  if (!session) return tl::unexpected(session.error());
  if (!*session) return std::optional<Principal>();
  auto user = s.store->FindUserById((*session)->user_id);
  if (!user) return tl::unexpected(user.error());
  if (!*user || (*user)->disabled) return std::optional<Principal>();
  return std::optional<Principal>(Principal{**user, true, (*session)->csrf_token, hash, std::nullopt});
}

// Counts the request against the principal's read or write limit; the 429 when over.
std::optional<Response> OverRateLimit(const std::string& method, const Principal& who, Services& s) {
  const bool write = IsUnsafe(method);
  RateLimiter& limiter = write ? *s.write_limiter : *s.read_limiter;
  const std::int64_t wait = limiter.Take("user:" + std::to_string(who.user.id), RateLimiter::Clock::now());
  if (wait == 0) return std::nullopt;
  s.metrics->RecordRateLimited(write);
  Response res = Problem(
      429, "rate-limited", "Too many requests",
      fmt::format("more than {} {} per minute; try again in {} seconds",
                  write ? s.config.writes_per_minute : s.config.reads_per_minute, write ? "writes" : "reads", wait));
  res.SetHeader("Retry-After", std::to_string(wait));
  return res;
}

// Fills request.principal; otherwise the answer (401/403/429/500).
std::optional<Response> Authorize(Request& req, Access access, Services& s) {
  if (access == Access::kOpen) return std::nullopt;
  if (access == Access::kOpenInDemo && (s.config.demo || s.config.insecure_dev)) return std::nullopt;
  auto who = AuthenticateRequest(req, s);
  if (!who) return StoreFailure(req, s, who.error());
  if (!*who) {
    Response bare;  // no hint about which credential failed
    bare.status = 401;
    return bare;
  }
  if (IsUnsafe(req.method) && !CsrfOk(req, **who))
    return Problem(403, "csrf", "CSRF token missing or wrong",
                   "requests signed in with the session cookie must send the X-CSRF-Token header");
  if (IsUnsafe(req.method) && (*who)->token && (*who)->token->scope != store::TokenScope::kWrite)
    return Problem(403, "token-scope", "Token scope too narrow",
                   "this API token has the read scope; create a token with the write scope for changes");
  if (auto limited = OverRateLimit(req.method, **who, s)) return limited;
  if (RoleRank((*who)->user.role) < RequiredRank(access))
    return Problem(403, "forbidden", "Insufficient role",
                   fmt::format("this action needs the {} role; you are signed in as {}",
                               RequiredRank(access) == 3   ? "clinician"
                               : RequiredRank(access) == 2 ? "coordinator"
                                                           : "viewer",
                               store::RoleName((*who)->user.role)));
  req.principal = std::move(*who);
  return std::nullopt;
}

}  // namespace

tl::expected<std::optional<Principal>, std::string> Authenticate(const Request& request, Services& services) {
  return AuthenticateRequest(request, services);
}

bool CsrfOk(const Request& request, const Principal& who) {
  if (!who.via_session) return true;
  std::string header = request.Header("X-CSRF-Token");
  return !header.empty() && auth::ConstantTimeEqual(header, who.csrf_token);
}

void Router::Add(Route route) { routes_.push_back(std::move(route)); }

Response Router::Dispatch(Request& request, Services& services) const {
  // HEAD is a GET without the body (the transport drops it).
  const std::string method = request.method == "HEAD" ? std::string("GET") : request.method;
  std::vector<std::string> allowed;
  for (const Route& route : routes_) {
    std::map<std::string, std::string, std::less<>> params;
    if (!MatchPath(route.path, request.path, params)) continue;
    if (route.method != method) {
      if (std::find(allowed.begin(), allowed.end(), route.method) == allowed.end()) allowed.push_back(route.method);
      continue;
    }
    request.route = route.path;
    request.path_params = std::move(params);
    std::optional<Response> refused = Authorize(request, route.access, services);
    Response res = refused ? std::move(*refused) : route.handler(request, services);
    if (route.path.rfind("/v1/", 0) == 0) res.headers.Add("Cache-Control", "no-store");
    return res;
  }
  if (!allowed.empty()) {
    request.route = "unmatched";
    std::string allow;
    for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
    Response res = Problem(405, "method-not-allowed", StatusTitle(405), "this resource answers " + allow);
    res.SetHeader("Allow", allow);
    return res;
  }
  if (method == "GET" && fallback_) {
    request.route = "static";
    return fallback_(request, services);
  }
  request.route = "unmatched";
  return Problem(404, "not-found", StatusTitle(404), StatusTitle(404));
}

}  // namespace zebra::api
