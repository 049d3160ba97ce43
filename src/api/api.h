// The HTTP API of `zebra serve` without HTTP: plain request and response values, the services a
// handler may use, and a route table. Handlers have one shape,
//
//   Response Handle(const Request&, Services&)
//
// and know nothing of sockets or of the HTTP library; the transport (src/server/http_transport.cc)
// turns wire requests into Requests, runs the Router and writes the Responses. So handlers can be
// tested by calling them (or Router::Dispatch) directly.
//
// Adding a route is one line: Router::Add({"GET", "/v1/things/{id}", Access::kViewer, HandleThing})
// (the built-in ones are listed in CoreRoutes(), src/api/routes.cc). Path templates use `{name}`
// segments: `{eid}` matches 1 to 18 digits, any other name 1 to 128 of [A-Za-z0-9_.-].
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <utility>
#include <vector>

#include "engine/engine.h"
#include "store/store.h"

namespace zebra::auth {
class JwtVerifier;
class OidcClient;
}  // namespace zebra::auth

namespace zebra::api {

using Json = nlohmann::ordered_json;

namespace board {
class FactsCache;
}  // namespace board

class Metrics;
class LoginThrottle;
class RateLimiter;

// Header fields in arrival order; names compare case-insensitively (RFC 9110).
class Headers {
 public:
  void Add(std::string name, std::string value) { fields_.emplace_back(std::move(name), std::move(value)); }
  bool Has(std::string_view name) const { return Count(name) > 0; }
  // The `index`th value of `name`; empty when there is none.
  std::string Get(std::string_view name, std::size_t index = 0) const;
  std::size_t Count(std::string_view name) const;
  std::size_t size() const { return fields_.size(); }
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// Who sent a request, once the router authenticated it.
struct Principal {
  store::User user;
  bool via_session = false;
  std::string csrf_token;                // the session's, when via_session
  std::string session_hash;              // SHA-256 of the cookie value
  std::optional<store::ApiToken> token;  // when signed in with an API token
};

struct Request {
  std::string method;  // "GET", "POST", ... (HEAD is answered by GET routes)
  std::string path;    // decoded, without the query
  std::string target;  // as sent on the request line (static files check it)
  std::multimap<std::string, std::string> query;
  Headers headers;
  std::string body;
  std::string remote_address;  // the peer
  // The client: the peer, or X-Real-IP when the peer is a trusted proxy (set by the transport).
  std::string client_address;

  // Set by the router: the matched template's parameters, the template itself (for logs and
  // metrics; "static", "unmatched", ...) and the authenticated caller.
  std::map<std::string, std::string, std::less<>> path_params;
  std::string route;
  std::optional<Principal> principal;
  // When the transport started reading the request (for the access log).
  std::chrono::steady_clock::time_point start{};

  bool HasQuery(std::string_view name) const { return query.find(std::string(name)) != query.end(); }
  std::string Query(std::string_view name) const;  // the first value; empty when absent
  std::string Header(std::string_view name, std::size_t index = 0) const { return headers.Get(name, index); }
  std::string PathParam(std::string_view name) const;
  std::optional<std::string> Cookie(std::string_view name) const;
  std::string Actor() const { return principal ? principal->user.username : std::string("anonymous"); }
};

struct Response {
  int status = 200;
  std::string content_type;  // empty when body is empty
  std::string body;
  Headers headers;

  void SetHeader(std::string name, std::string value) { headers.Add(std::move(name), std::move(value)); }
  void SetContent(std::string text, std::string type) {
    body = std::move(text);
    content_type = std::move(type);
  }
  void Redirect(std::string url, int code = 302) {
    status = code;
    SetHeader("Location", std::move(url));
  }
};

// What handlers need from the server's configuration (server::ServerOptions extends it).
struct Config {
  bool demo = false;          // demo cases and users, stateless routes open without sign-in
  bool insecure_dev = false;  // no JWT verification for CDS Hooks, stateless routes open; loud warning
  std::string service_url;    // JWT `aud` (CDS Hooks); empty: http://HOST:PORT
  int session_seconds = 12 * 3600;

  // Sign-in throttling (in memory, per process): after this many failed sign-ins within the
  // window, for one username or from one client address, sign-in is refused with 429 for the
  // back-off, whether the password is right or not. A success forgets the username's failures.
  int login_max_failures = 5;
  int login_window_seconds = 15 * 60;
  int login_backoff_seconds = 15 * 60;

  // Per-principal rate limits (in memory, per process), counted per signed-in user across their
  // sessions and tokens: reads are GET/HEAD, writes every other method. Over the limit: 429 with
  // Retry-After. 0 turns a limit off.
  int reads_per_minute = 600;
  int writes_per_minute = 120;

  // API tokens: lifetime when POST /v1/tokens names none, and the most a request may ask for.
  int token_default_days = 90;
  int token_max_days = 365;

  // {service_url}/smart/launch with --smart-config (CDS Hooks cards link there); empty: none. Set
  // by the server, not an option.
  std::string smart_launch_url;
};

// GET of a FHIR URL with a bearer token (CDS Hooks fhirServer): the body, or why it failed.
// `allow_http` permits http to hosts other than loopback (insecure dev mode only).
using FhirFetchFn = std::function<tl::expected<std::string, std::string>(const std::string& url,
                                                                         const std::string& token, bool allow_http)>;

// Everything a handler may use. One per server, shared by every request (thread-safe parts).
struct Services {
  std::shared_ptr<const engine::Knowledge> kb;
  store::Store* store = nullptr;
  auth::JwtVerifier* verifier = nullptr;  // CDS Hooks JWTs; null: none configured
  auth::OidcClient* oidc = nullptr;       // --oidc-config; null: off
  Metrics* metrics = nullptr;
  LoginThrottle* user_throttle = nullptr;     // failed sign-ins per username
  LoginThrottle* address_throttle = nullptr;  // failed sign-ins per client address
  RateLimiter* read_limiter = nullptr;        // per principal
  RateLimiter* write_limiter = nullptr;
  Config config;
  std::string openapi_text, knowledge_text, demo_cases_text;
  std::string dummy_hash;                       // equalises sign-in timing for unknown users
  FhirFetchFn fhir_fetch;                       // the transport's HTTP client
  board::FactsCache* board_cache = nullptr;     // summaries of stored evaluations (meetings.h); optional
  std::function<void(const std::string&)> log;  // one log line
  std::function<std::int64_t()> now_unix;       // the clock (seconds since the epoch)

  // /v1/health's write probe, cached for a second so health checks cannot keep the writer busy.
  store::Result<void> ProbeWrite();

  std::int64_t Now() const;
  void Log(const std::string& line) const;

 private:
  std::mutex probe_mutex_;
  std::chrono::steady_clock::time_point probe_at_{};
  store::Result<void> probe_result_;
};

// Who may call a route.
enum class Access {
  kOpen,           // anyone
  kOpenInDemo,     // anyone with --demo or --insecure-dev; otherwise a signed-in viewer or above
  kAuthenticated,  // any signed-in user (any role, the auditor too)
  kViewer,
  kCoordinator,
  kClinician,
  kAuditor,        // the auditor role only (the audit log; no patient data)
};

using Handler = std::function<Response(const Request&, Services&)>;

struct Route {
  std::string method;  // "GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"
  std::string path;    // template as written in openapi.json: "/v1/cases/{id}"
  Access access = Access::kOpen;
  Handler handler;
};

class Router {
 public:
  void Add(Route route);
  // Unmatched GET and HEAD requests outside /v1 and /cds-services (the web application).
  void SetFallback(Handler handler) { fallback_ = std::move(handler); }

  // Matches method and path, authorises (sign-in, CSRF, token scope, rate limit, role) and runs
  // the handler. Sets request.route, path_params and principal. A path no route has: 404; a path
  // some route has, with another method: 405 with Allow.
  Response Dispatch(Request& request, Services& services) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
  Handler fallback_;
};

// The built-in routes (src/api/routes.cc).
std::vector<Route> CoreRoutes();

// The caller's credentials (API token or session cookie), whatever the route's access; nullopt
// when there are none or they are not valid. An error: the store failed.
tl::expected<std::optional<Principal>, std::string> Authenticate(const Request& request, Services& services);
// A cookie-authenticated request must echo the session's CSRF token in X-CSRF-Token.
bool CsrfOk(const Request& request, const Principal& who);

// ---- response helpers shared by handlers --------------------------------------------------------

inline constexpr const char* kProblemType = "application/problem+json";
inline constexpr const char* kSessionCookie = "zebra_session";

// Compact JSON; invalid UTF-8 is written as U+FFFD instead of throwing.
std::string Dump(const Json& j);
const char* StatusTitle(int status);
Json ProblemJson(int status, std::string_view type, std::string_view title, std::string_view detail);
Response Problem(int status, std::string_view type, std::string_view title, std::string_view detail,
                 const Json& errors = Json());
Response JsonResponse(int status, const Json& body);
// 500, logged with the route (store errors name tables and constraints, never values).
Response StoreFailure(const Request& request, const Services& services, const std::string& error);
// The 400 answer for the engine's input errors, every error with its JSON path.
Response InputProblem(const engine::Errors& errors);
Json ErrorList(const engine::Errors& errors);
std::string JsonPath(const std::string& path);
// "1 entry", "4 entries", "2 cases".
std::string Plural(std::size_t n, std::string_view word);
// A small JSON request body parsed strictly (repeated keys and invalid UTF-8 are refused).
std::optional<Json> ParseBody(const std::string& body);
// JSON the server stored itself (a case, an evaluation's output, a decision, a meeting), read back
// leniently: null when it does not parse.
Json ParseStored(const std::string& text);
// The first fields of a stored document's revision (a case's, a meeting's): id, revision,
// created_at, created_by.
Json RevisionHeader(const std::string& id, int revision, const std::string& created_at, const std::string& created_by);
bool IsUnsafe(std::string_view method);
// Appends an audit entry; false (logged) when it could not be written.
bool Audit(const Services& services, const std::string& actor, const std::string& action, const std::string& case_id,
           const std::string& detail);

}  // namespace zebra::api
