#include "server/server.h"

#include <httplib.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <regex>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "auth/auth.h"
#include "engine/engine.h"
#include "json/json_parse.h"
#include "json/json_values.h"
#include "server/deadline_server.h"
#include "server/login_throttle.h"
#include "server/metrics.h"
#include "server/static_files.h"
#include "server/rate_limiter.h"
#include "smart/smart.h"
#include "store/store.h"

#include "server/cds_hooks.h"

namespace zebra::server {
namespace {

using Json = nlohmann::ordered_json;
namespace fs = std::filesystem;

constexpr const char* kCookieName = "zebra_session";
constexpr const char* kProblemType = "application/problem+json";
constexpr std::size_t kMaxDecisionTextBytes = 20000;

// Who may call a route.
enum class Access {
  kOpen,           // anyone
  kOpenInDemo,     // anyone with --demo or --insecure-dev; otherwise any signed-in user
  kAuthenticated,  // any signed-in user (any role)
  kViewer,
  kCoordinator,
  kClinician,
};

int RoleRank(store::Role role) {
  switch (role) {
    case store::Role::kViewer: return 1;
    case store::Role::kCoordinator: return 2;
    case store::Role::kClinician: return 3;
  }
  return 0;
}

int RequiredRank(Access access) {
  switch (access) {
    case Access::kCoordinator: return 2;
    case Access::kClinician: return 3;
    default: return 1;
  }
}

struct Principal {
  store::User user;
  bool via_session = false;
  std::string csrf_token;    // the session's, when via_session
  std::string session_hash;  // SHA-256 of the cookie value
  std::optional<store::ApiToken> token;  // when signed in with an API token
};

// Per-request bookkeeping for the access log and metrics. cpp-httplib runs the pre-routing
// handler, the route handler and the logger of one request on the same worker thread.
struct RequestState {
  std::chrono::steady_clock::time_point start{};
  bool started = false;
  std::string route;
};
thread_local RequestState t_request;

std::int64_t NowUnix() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string NowRfc3339() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
}

bool ReadFile(const fs::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

// Library paths are "tumor.size_cm" or "$"; the API reports JSON paths ("$.tumor.size_cm").
std::string JsonPath(const std::string& path) {
  if (path.empty()) return "$";
  if (path[0] == '$') return path;
  if (path[0] == '[') return "$" + path;
  return "$." + path;
}

// Compact JSON; a string that is not valid UTF-8 is written with U+FFFD instead of throwing (the
// texts are ours, but a message may quote input).
std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

Json Problem(int status, std::string_view type, std::string_view title, std::string_view detail) {
  Json p = Json::object();
  p["type"] = std::string("urn:zebra:problem:") + std::string(type);
  p["title"] = title;
  p["status"] = status;
  p["detail"] = detail;
  return p;
}

void SendProblem(httplib::Response& res, int status, std::string_view type, std::string_view title,
                 std::string_view detail, const Json& errors = Json()) {
  Json p = Problem(status, type, title, detail);
  if (!errors.is_null()) p["errors"] = errors;
  res.status = status;
  res.set_content(Dump(p), kProblemType);
}

void SendJson(httplib::Response& res, int status, const Json& body) {
  res.status = status;
  res.set_content(Dump(body), "application/json");
}

template <class E>
Json ErrorList(const std::vector<E>& errors) {
  Json list = Json::array();
  for (const auto& e : errors) list.push_back(Json{{"path", JsonPath(e.path)}, {"message", e.message}});
  return list;
}

// "1 entry", "4 entries", "2 cases".
std::string Plural(std::size_t n, std::string_view word) {
  std::string out = std::to_string(n) + " " + std::string(word);
  if (n == 1) return out;
  const bool consonant_y = word.size() > 1 && word.back() == 'y' && std::string_view("aeiou").find(word[word.size() - 2]) == std::string_view::npos;
  if (consonant_y) return out.substr(0, out.size() - 1) + "ies";
  return out + "s";
}

Json ParseStored(const std::string& text) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? Json() : j;
}

// Parses a small JSON request body (login, token, decision) strictly: repeated keys and invalid
// UTF-8 are refused.
std::optional<Json> ParseBody(const std::string& body) {
  auto j = json::ParseStrict(body, json::ParseLimits{1024 * 1024, 16});
  if (!j) return std::nullopt;
  return std::move(*j);
}

std::optional<std::string> CookieValue(const httplib::Request& req, std::string_view name) {
  for (std::size_t i = 0, n = req.get_header_value_count("Cookie"); i < n; ++i) {
    std::string header = req.get_header_value("Cookie", i);
    std::size_t pos = 0;
    while (pos < header.size()) {
      std::size_t end = header.find(';', pos);
      if (end == std::string::npos) end = header.size();
      std::string_view part(header.data() + pos, end - pos);
      while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
      if (part.size() > name.size() && part.substr(0, name.size()) == name && part[name.size()] == '=')
        return std::string(part.substr(name.size() + 1));
      pos = end + 1;
    }
  }
  return std::nullopt;
}

std::string MimeType(const fs::path& path) {
  static const std::map<std::string, std::string> kTypes = {
      {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".json", "application/json"}, {".svg", "image/svg+xml"}, {".png", "image/png"},
      {".ico", "image/x-icon"}, {".woff2", "font/woff2"}, {".woff", "font/woff"},
      {".txt", "text/plain; charset=utf-8"}, {".map", "application/json"}, {".webmanifest", "application/manifest+json"}};
  auto it = kTypes.find(path.extension().string());
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

constexpr const char* kPlaceholderPage = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Zebra</title></head>
<body><h1>Zebra</h1>
<p>The web application is not built yet (web/dist is missing). The REST API is available under
<a href="/v1/openapi.json">/v1</a>.</p>
<p>Zebra supports the care team; it does not replace clinical judgement.</p></body></html>
)";

// "/v1/cases/{id}/evaluations/{eid}/replay" → regex with one group per parameter.
std::string TemplateToRegex(const std::string& path) {
  static const std::regex kParam(R"(\{([a-z_]+)\})");
  std::string out;
  std::size_t last = 0;
  for (auto it = std::sregex_iterator(path.begin(), path.end(), kParam); it != std::sregex_iterator(); ++it) {
    out += std::regex_replace(path.substr(last, it->position() - last), std::regex(R"([.])"), R"(\.)");
    std::string name = (*it)[1];
    out += name == "eid" ? "([0-9]{1,18})" : "([A-Za-z0-9_.-]{1,128})";
    last = it->position() + it->length();
  }
  out += std::regex_replace(path.substr(last), std::regex(R"([.])"), R"(\.)");
  return out;
}

const char* StatusTitle(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 411: return "Length Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return status < 500 ? "Client Error" : "Server Error";
  }
}

// "application/json", optionally with parameters ("; charset=utf-8"), case-insensitive.
bool IsJsonMediaType(std::string_view value) {
  const std::string_view type = value.substr(0, value.find(';'));
  std::string lower;
  for (char c : type)
    if (c != ' ' && c != '\t') lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "application/json";
}

bool IsUnsafe(const std::string& method) { return method != "GET" && method != "HEAD" && method != "OPTIONS"; }

// The address sign-in throttling counts against, and audit details name. Behind a reverse proxy
// on a configured address (--trusted-proxy; deploy/nginx/zebra.conf sets X-Real-IP) the header
// names the client; from any other peer it is ignored, so clients cannot choose their address.
// Only a well-formed IP address is taken from the header.
std::string ClientAddress(const httplib::Request& req, const std::vector<std::string>& trusted_proxies) {
  if (std::find(trusted_proxies.begin(), trusted_proxies.end(), req.remote_addr) != trusted_proxies.end()) {
    std::string real = req.get_header_value("X-Real-IP");
    if (auth::IsIpAddress(real)) return real;
  }
  return req.remote_addr;
}

}  // namespace

struct Server::Impl {
  struct Call {
    const httplib::Request& req;
    httplib::Response& res;
    std::optional<Principal> who;
    std::string Actor() const { return who ? who->user.username : std::string("anonymous"); }
  };
  using Handler = std::function<void(Call&)>;

  ServerOptions options;
  std::shared_ptr<const engine::Knowledge> kb;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<auth::JwtVerifier> verifier;
  std::unique_ptr<auth::OidcClient> oidc;  // --oidc-config
  std::unique_ptr<smart::Launcher> smart_launcher;  // --smart-config
  std::string openapi_text, knowledge_text, demo_cases_text;
  std::string dummy_hash;                        // equalises login timing for unknown users
  std::unique_ptr<LoginThrottle> user_throttle;     // failed sign-ins per username
  std::unique_ptr<LoginThrottle> address_throttle;  // failed sign-ins per client address
  std::unique_ptr<RateLimiter> read_limiter, write_limiter;  // per principal
  // /v1/health's write probe, cached briefly so that health checks cannot keep the writer busy.
  std::mutex probe_mutex;
  std::chrono::steady_clock::time_point probe_at{};
  store::Result<void> probe_result;
  Metrics metrics;
  DeadlineServer http;
  std::thread thread;
  int port = 0;
  bool running = false;
  std::vector<RouteInfo> routes;
  std::mutex log_mutex;

  // One log line. With --log-format json each line is a JSON object: a request line is passed in
  // as one (RequestLog), any other message is wrapped as {"time", "level", "message"}.
  void Log(const std::string& line) {
    std::string out = line;
    if (options.log_json && (line.empty() || line.front() != '{')) {
      Json j = Json::object();
      j["time"] = NowRfc3339();
      j["level"] = line.find("WARNING") != std::string::npos || line.find("error") != std::string::npos ||
                           line.find("failed") != std::string::npos
                       ? "warning"
                       : "info";
      j["message"] = line.rfind("zebra serve: ", 0) == 0 ? line.substr(13) : line;
      out = Dump(j);
    }
    std::lock_guard lock(log_mutex);
    if (options.log) options.log(out);
    else std::cerr << out << "\n";
  }

  void StoreFailure(Call& call, const std::string& error) {
    // Store errors name tables and constraints, never the bound values.
    Log("zebra serve: store error on " + t_request.route + ": " + error);
    SendProblem(call.res, 500, "store", "Store error", "the case store could not complete the request");
  }

  // ---- authentication -------------------------------------------------------------------------

  // nullopt: no valid credentials. Error: the store failed.
  tl::expected<std::optional<Principal>, std::string> Authenticate(const httplib::Request& req) {
    std::string authz = req.get_header_value("Authorization");
    if (!authz.empty()) {
      constexpr std::string_view kBearer = "Bearer ";
      if (authz.size() <= kBearer.size() || authz.compare(0, kBearer.size(), kBearer) != 0)
        return std::optional<Principal>();
      std::string token = authz.substr(kBearer.size());
      if (token.rfind("zt_", 0) != 0) return std::optional<Principal>();
      const std::string token_hash = auth::Sha256Hex(token);
      const std::int64_t now = NowUnix();
      // Unknown, expired or revoked tokens and tokens of disabled users are all a bare 401.
      auto found = store->FindApiToken(token_hash, now);
      if (!found) return tl::unexpected(found.error());
      if (!*found || (*found)->user.disabled) return std::optional<Principal>();
      // last_used_at is kept to the hour: one write per token per hour, not per request.
      if (now - (*found)->token.last_used_unix >= 3600) {
        if (auto r = store->TouchApiToken(token_hash, now); !r) Log("zebra serve: token use not recorded: " + r.error());
      }
      return std::optional<Principal>(Principal{(*found)->user, false, "", "", (*found)->token});
    }
    auto cookie = CookieValue(req, kCookieName);
    if (!cookie || cookie->empty()) return std::optional<Principal>();
    std::string hash = auth::Sha256Hex(*cookie);
    auto session = store->FindSession(hash, NowUnix());
    if (!session) return tl::unexpected(session.error());
    if (!*session) return std::optional<Principal>();
    auto user = store->FindUserById((*session)->user_id);
    if (!user) return tl::unexpected(user.error());
    if (!*user || (*user)->disabled) return std::optional<Principal>();
    return std::optional<Principal>(Principal{**user, true, (*session)->csrf_token, hash, std::nullopt});
  }

  bool CsrfOk(const httplib::Request& req, const Principal& who) {
    if (!who.via_session) return true;
    std::string header = req.get_header_value("X-CSRF-Token");
    return !header.empty() && auth::ConstantTimeEqual(header, who.csrf_token);
  }

  // Counts the request against the principal's read or write limit; false (429 sent) when over.
  bool WithinRateLimit(Call& call, const std::string& method, const Principal& who) {
    const bool write = IsUnsafe(method);
    RateLimiter& limiter = write ? *write_limiter : *read_limiter;
    const std::int64_t wait = limiter.Take("user:" + std::to_string(who.user.id), RateLimiter::Clock::now());
    if (wait == 0) return true;
    metrics.RecordRateLimited(write);
    call.res.set_header("Retry-After", std::to_string(wait));
    SendProblem(call.res, 429, "rate-limited", "Too many requests",
                fmt::format("more than {} {} per minute; try again in {} seconds",
                            write ? options.writes_per_minute : options.reads_per_minute, write ? "writes" : "reads",
                            wait));
    return false;
  }

  // Fills call.who; false when the response (401/403/429/500) is already set.
  bool Authorize(Call& call, const std::string& method, Access access) {
    if (access == Access::kOpen) return true;
    if (access == Access::kOpenInDemo && (options.demo || options.insecure_dev)) return true;
    auto who = Authenticate(call.req);
    if (!who) {
      StoreFailure(call, who.error());
      return false;
    }
    if (!*who) {
      call.res.status = 401;  // bare: no hint about which credential failed
      return false;
    }
    if (IsUnsafe(method) && !CsrfOk(call.req, **who)) {
      SendProblem(call.res, 403, "csrf", "CSRF token missing or wrong",
                  "requests signed in with the session cookie must send the X-CSRF-Token header");
      return false;
    }
    if (IsUnsafe(method) && (*who)->token && (*who)->token->scope != store::TokenScope::kWrite) {
      SendProblem(call.res, 403, "token-scope", "Token scope too narrow",
                  "this API token has the read scope; create a token with the write scope for changes");
      return false;
    }
    if (!WithinRateLimit(call, method, **who)) return false;
    if (RoleRank((*who)->user.role) < RequiredRank(access)) {
      SendProblem(call.res, 403, "forbidden", "Insufficient role",
                  fmt::format("this action needs the {} role; you are signed in as {}",
                              RequiredRank(access) == 3 ? "clinician"
                              : RequiredRank(access) == 2 ? "coordinator"
                                                          : "viewer",
                              store::RoleName((*who)->user.role)));
      return false;
    }
    call.who = std::move(*who);
    return true;
  }

  // ---- routes ---------------------------------------------------------------------------------

  void Add(const std::string& method, const std::string& path, Access access, Handler handler) {
    routes.push_back({method, path});
    auto wrapped = [this, method, path, access, handler = std::move(handler)](const httplib::Request& req,
                                                                              httplib::Response& res) {
      t_request.route = path;
      Call call{req, res, std::nullopt};
      if (path.rfind("/v1/", 0) == 0) res.set_header("Cache-Control", "no-store");
      if (!Authorize(call, method, access)) return;
      handler(call);
    };
    std::string re = TemplateToRegex(path);
    if (method == "GET") http.Get(re, wrapped);
    else if (method == "POST") http.Post(re, wrapped);
    else if (method == "PUT") http.Put(re, wrapped);
    else if (method == "DELETE") http.Delete(re, wrapped);
    else if (method == "OPTIONS") http.Options(re, wrapped);
  }

  // The problem answer for input errors from the engine (400 with every error and its path).
  static Json InputProblem(const engine::Errors& errors) {
    const std::string code = errors.empty() ? "invalid-case" : errors.front().code;
    const char* title = code == "invalid-fhir-bundle" ? "Invalid FHIR bundle"
                        : code == "invalid-json"      ? "Invalid JSON"
                                                      : "Invalid case";
    Json problem = Problem(400, code, title, engine::ProblemCount(errors.size()));
    problem["errors"] = ErrorList(errors);
    return problem;
  }

  void SendInputProblem(Call& call, const engine::Errors& errors) {
    call.res.status = 400;
    call.res.set_content(Dump(InputProblem(errors)), kProblemType);
  }

  // Reads and evaluates case text through the engine: the exact bytes `zebra evaluate` prints.
  engine::Result<engine::Evaluation> EvaluateText(std::string_view text, engine::InputKind kind,
                                                  const std::string& as_of = {}, bool what_if = false,
                                                  const std::string& lang = "en") {
    engine::Options options;
    options.what_if = what_if;
    options.lang = lang;
    auto evaluated = engine::Evaluate(*kb, engine::CaseInput{text, kind, as_of}, options);
    metrics.RecordEvaluation(evaluated.has_value());
    return evaluated;
  }

  bool ValidAsOf(Call& call, std::string& as_of) {
    as_of = call.req.get_param_value("as_of");
    static const std::regex kDate(R"(\d{4}-\d{2}-\d{2})");
    if (!as_of.empty() && !std::regex_match(as_of, kDate)) {
      metrics.RecordEvaluation(false);
      SendProblem(call.res, 400, "invalid-parameter", "Invalid parameter", "as_of must be YYYY-MM-DD",
                  Json::array({Json{{"path", "as_of"}, {"message", "must be a date YYYY-MM-DD"}}}));
      return false;
    }
    return true;
  }

  static std::string UnixToRfc3339(std::int64_t unix_seconds) {
    std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                       tm.tm_min, tm.tm_sec);
  }

  // A token's public description; never the secret or its hash.
  static Json TokenBody(const store::ApiToken& t) {
    Json j = Json::object();
    j["id"] = t.id;
    j["name"] = t.name;
    j["scope"] = store::TokenScopeName(t.scope);
    j["created_at"] = t.created_at;
    j["expires_at"] = UnixToRfc3339(t.expires_unix);
    j["last_used_at"] = t.last_used_unix > 0 ? Json(UnixToRfc3339(t.last_used_unix)) : Json();
    return j;
  }

  static Json CaseBody(const store::CaseRevision& rev) {
    Json j = Json::object();
    j["id"] = rev.case_id;
    j["revision"] = rev.revision;
    j["created_at"] = rev.created_at;
    j["created_by"] = rev.created_by;
    j["case"] = ParseStored(rev.case_json);
    return j;
  }

  static Json EvaluationBody(const store::Evaluation& e) {
    Json j = Json::object();
    j["id"] = e.id;
    j["case_revision"] = e.case_revision;
    j["knowledge_version"] = e.knowledge_version;
    j["engine_version"] = e.engine_version;
    j["created_at"] = e.created_at;
    j["created_by"] = e.created_by;
    j["recommendation"] = ParseStored(e.output_json);
    return j;
  }

  // An evaluation, with its exact output bytes, to store.
  store::Evaluation NewEvaluation(std::string output) {
    store::Evaluation e;
    e.knowledge_version = kb->version();
    e.engine_version = ZEBRA_VERSION;
    e.output_json = std::move(output);
    return e;
  }

  // Stores the evaluation of a stored revision with its exact output bytes.
  tl::expected<store::Evaluation, std::string> EvaluateAndStore(const store::CaseRevision& rev, std::string output,
                                                                const std::string& actor) {
    store::Evaluation e = NewEvaluation(std::move(output));
    e.case_id = rev.case_id;
    e.case_revision = rev.revision;
    e.created_by = actor;
    return store->AddEvaluation(e);
  }

  // Loads a case (latest or given revision); sends 404 when absent. nullopt: response set.
  std::optional<store::CaseRevision> LoadCase(Call& call, const std::string& id, std::optional<int> revision) {
    auto rev = store->GetCase(id, revision);
    if (!rev) {
      StoreFailure(call, rev.error());
      return std::nullopt;
    }
    if (!*rev) {
      SendProblem(call.res, 404, "not-found", "Not found",
                  revision ? fmt::format("case {} has no revision {}", id, *revision) : "no case with id " + id);
      return std::nullopt;
    }
    return **rev;
  }

  // False when the entry could not be written (logged).
  bool Audit(const std::string& actor, const std::string& action, const std::string& case_id,
             const std::string& detail) {
    auto r = store->AppendAudit(actor, action, case_id, detail);
    if (!r) Log("zebra serve: audit append failed (" + action + "): " + r.error());
    return r.has_value();
  }

  // For answers that reveal stored data: no audit entry, no answer (503 instead).
  bool AuditOrRefuse(Call& call, const std::string& action, const std::string& case_id, const std::string& detail) {
    if (Audit(call.Actor(), action, case_id, detail)) return true;
    metrics.RecordAuditFailure();
    call.res.set_header("Retry-After", "30");
    SendProblem(call.res, 503, "audit-unavailable", "Audit log unavailable",
                "the access could not be recorded in the audit log, so it is refused; try again later");
    return false;
  }

  // The store's write probe, at most once per second.
  store::Result<void> ProbeWrite() {
    std::lock_guard lock(probe_mutex);
    const auto now = std::chrono::steady_clock::now();
    if (probe_at == std::chrono::steady_clock::time_point{} || now - probe_at >= std::chrono::seconds(1)) {
      probe_result = store->ProbeWrite();
      probe_at = now;
    }
    return probe_result;
  }

  // Runs in the pre-routing handler, which cpp-httplib calls after reading the headers and
  // before reading the body (Server::routing). cpp-httplib 0.11 applies payload_max_length only
  // to Content-Length bodies and inflates Content-Encoding bodies without a limit, so bodies must
  // come with Content-Length and uncompressed. True when the answer is set. The body stays unread,
  // so the answer asks the client to close the connection.
  bool RefuseFraming(const httplib::Request& req, httplib::Response& res) {
    auto refuse = [&](int status, std::string_view type, std::string_view detail) {
      t_request.route = "refused";
      SendProblem(res, status, type, StatusTitle(status), detail);
      res.set_header("Connection", "close");
      return true;
    };
    // cpp-httplib adds REMOTE_ADDR, REMOTE_PORT, LOCAL_ADDR and LOCAL_PORT to the headers it read.
    // (A client sending those names itself still has each of its lines counted.)
    std::size_t lines = req.headers.size();
    for (const char* added : {"REMOTE_ADDR", "REMOTE_PORT", "LOCAL_ADDR", "LOCAL_PORT"})
      if (lines > 0 && req.has_header(added)) --lines;
    if (lines > options.max_header_lines)
      return refuse(431, "header-fields-too-large",
                    fmt::format("a request may have at most {} header lines", options.max_header_lines));
    if (req.has_header("Transfer-Encoding")) {
      if (req.has_header("Content-Length"))
        return refuse(400, "ambiguous-framing", "Transfer-Encoding together with Content-Length is refused");
      return refuse(411, "length-required",
                    "send the body with Content-Length; Transfer-Encoding (chunked) is not accepted");
    }
    if (req.get_header_value_count("Content-Length") > 1)
      return refuse(400, "ambiguous-framing", "more than one Content-Length header");
    // cpp-httplib reads a POST or PUT without Content-Length until the read timeout (5 s) and then
    // answers a bare 400: say at once what is missing.
    if ((req.method == "POST" || req.method == "PUT" || req.method == "PATCH") && !req.has_header("Content-Length"))
      return refuse(411, "length-required", "send the body with Content-Length (Content-Length: 0 for no body)");
    // cpp-httplib reads "2a" as 2 (strtoull); the rest of the body would be taken as the next
    // request.
    if (req.has_header("Content-Length")) {
      const std::string length = req.get_header_value("Content-Length");
      if (length.empty() || length.size() > 18 ||
          !std::all_of(length.begin(), length.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return refuse(400, "invalid-content-length", "Content-Length must be a decimal number of bytes");
    }
    // A multipart answer to thousands of overlapping ranges is built whole in memory: at most one
    // range is served.
    if (req.get_header_value_count("Range") > 1 || req.get_header_value("Range").find(',') != std::string::npos)
      return refuse(416, "range-not-satisfiable", "at most one byte range may be requested");
    if (req.has_header("Content-Encoding"))
      return refuse(415, "unsupported-content-encoding", "compressed request bodies (Content-Encoding) are not accepted");
    return false;
  }

  void RegisterRoutes();
  void RegisterSessionRoutes();
  void RegisterOidcRoutes();
  tl::expected<void, std::string> StartOidc();
  void RegisterSmartRoutes();
  void RegisterStatelessRoutes();
  void RegisterCaseRoutes();
  void RegisterCdsRoutes();
  void ServeStatic(Call& call);
  tl::expected<void, std::string> Prepare();
  tl::expected<void, std::string> SeedDemo();
  tl::expected<void, std::string> CheckDemoMarking();
  void ConfigureHttp();
};

// ---- session ----------------------------------------------------------------------------------

void Server::Impl::RegisterSessionRoutes() {
  Add("POST", "/v1/session", Access::kOpen, [this](Call& call) {
    // Login CSRF: a cross-site form or fetch can send text/plain or form bodies without a CORS
    // preflight, and would sign the victim in to the attacker's account. application/json cannot
    // be sent cross-origin without a preflight, which this server never grants on /v1.
    if (!IsJsonMediaType(call.req.get_header_value("Content-Type"))) {
      SendProblem(call.res, 415, "unsupported-media-type", StatusTitle(415),
                  "sign-in must be sent as application/json");
      return;
    }
    auto body = ParseBody(call.req.body);
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
      SendProblem(call.res, 400, "invalid-input", "Invalid sign-in request", Plural(errors.size(), "problem"), errors);
      return;
    }
    std::string username = (*body)["username"], password = (*body)["password"];
    // Throttled before the password is checked: a locked username or address gets 429 whether
    // the password is right or not (and costs no Argon2 work).
    std::string address = ClientAddress(call.req, options.trusted_proxies);
    auto now = LoginThrottle::Clock::now();
    std::int64_t user_wait = user_throttle->Begin(username, now);
    std::int64_t address_wait = user_wait ? 0 : address_throttle->Begin(address, now);
    if (user_wait || address_wait) {
      if (!user_wait) user_throttle->Finish(username, /*failed=*/false, /*reset_on_success=*/false, now);
      std::int64_t wait = std::max(user_wait, address_wait);
      call.res.set_header("Retry-After", std::to_string(wait));
      SendProblem(call.res, 429, "too-many-sign-in-attempts", "Too many sign-in attempts",
                  fmt::format("too many failed sign-ins; try again in {} seconds", wait));
      return;
    }
    // Ends the attempt in both throttles; audits a lock that this failure engaged.
    auto finish = [&](bool failed, const std::string& actor, bool signed_in = false) {
      auto done = LoginThrottle::Clock::now();
      bool user_locked = user_throttle->Finish(username, failed, /*reset_on_success=*/signed_in, done);
      bool address_locked = address_throttle->Finish(address, failed, /*reset_on_success=*/false, done);
      if (user_locked || address_locked)
        Audit(actor, "session.login_throttled", "",
              fmt::format("{} failed sign-ins within {} s; {} locked for {} s", options.login_max_failures,
                          options.login_window_seconds,
                          user_locked && address_locked ? "username and client address " + address
                          : user_locked                 ? std::string("username")
                                                        : "client address " + address,
                          options.login_backoff_seconds));
    };
    auto user = store->FindUser(username);
    if (!user) {
      finish(false, "");
      return StoreFailure(call, user.error());
    }
    if (!*user) {
      auth::VerifyPassword(dummy_hash, password);  // same work as a real check
      // Unknown names are never written to the audit log (they may be mistyped passwords).
      finish(true, "unknown-user");
      call.res.status = 401;
      return;
    }
    if (auth::IsExternalAccount((*user)->password_hash)) {
      // Created by OpenID Connect sign-in: it has no password (the marker never verifies).
      auth::VerifyPassword(dummy_hash, password);  // same work as a real check
      Audit(username, "session.login_failed", "", "external account (signs in with OpenID Connect)");
      finish(true, username);
      call.res.status = 401;
      return;
    }
    if (!auth::VerifyPassword((*user)->password_hash, password)) {
      Audit(username, "session.login_failed", "", "wrong password");
      finish(true, username);
      call.res.status = 401;
      return;
    }
    if ((*user)->disabled) {
      // Same bare 401 as a wrong password; only the audit log says why. The password was right,
      // so it does not count toward the sign-in throttle.
      Audit(username, "session.login_failed", "", "account disabled");
      finish(false, username);
      call.res.status = 401;
      return;
    }
    finish(false, username, /*signed_in=*/true);
    std::string token = auth::RandomToken(32);
    store::Session session;
    session.token_hash = auth::Sha256Hex(token);
    session.csrf_token = auth::RandomToken(32);
    session.user_id = (*user)->id;
    session.expires_unix = NowUnix() + options.session_seconds;
    if (auto r = store->CreateSession(session); !r) return StoreFailure(call, r.error());
    Audit(username, "session.create", "", "");
    bool tls = call.req.get_header_value("X-Forwarded-Proto") == "https";
    call.res.set_header("Set-Cookie", fmt::format("{}={}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{}",
                                                  kCookieName, token, options.session_seconds,
                                                  tls ? "; Secure" : ""));
    Json out = Json::object();
    out["user"] = {{"username", (*user)->username}, {"role", store::RoleName((*user)->role)}};
    out["csrf_token"] = session.csrf_token;
    SendJson(call.res, 200, out);
  });

  Add("GET", "/v1/session", Access::kAuthenticated, [](Call& call) {
    Json out = Json::object();
    out["user"] = {{"username", call.who->user.username}, {"role", store::RoleName(call.who->user.role)}};
    out["csrf_token"] = call.who->via_session ? Json(call.who->csrf_token) : Json();
    SendJson(call.res, 200, out);
  });

  Add("DELETE", "/v1/session", Access::kOpen, [this](Call& call) {
    auto who = Authenticate(call.req);
    if (!who) return StoreFailure(call, who.error());
    if (*who && (*who)->via_session) {
      if (!CsrfOk(call.req, **who)) {
        SendProblem(call.res, 403, "csrf", "CSRF token missing or wrong",
                    "requests signed in with the session cookie must send the X-CSRF-Token header");
        return;
      }
      if (auto r = store->DeleteSession((*who)->session_hash); !r) return StoreFailure(call, r.error());
      Audit((*who)->user.username, "session.delete", "", "");
    }
    call.res.set_header("Set-Cookie",
                        fmt::format("{}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0", kCookieName));
    call.res.status = 204;
  });

  Add("POST", "/v1/tokens", Access::kAuthenticated, [this](Call& call) {
    // Only a person at a session mints tokens: a leaked token must not be able to renew itself.
    if (!call.who->via_session) {
      SendProblem(call.res, 403, "session-required", "Sign in with a session",
                  "API tokens are created from a signed-in session, not with another token");
      return;
    }
    auto body = ParseBody(call.req.body);
    Json errors = Json::array();
    std::string name;
    store::TokenScope scope = store::TokenScope::kRead;
    int days = options.token_default_days;
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
        if (!parsed) errors.push_back({{"path", "$.scope"}, {"message", "must be \"read\" or \"write\""}});
        else scope = *parsed;
      }
      if (auto d = body->find("expires_in_days"); d != body->end()) {
        if (!d->is_number_integer() || d->get<std::int64_t>() < 1 || d->get<std::int64_t>() > options.token_max_days)
          errors.push_back({{"path", "$.expires_in_days"},
                            {"message", fmt::format("must be a whole number of days from 1 to {}", options.token_max_days)}});
        else
          days = static_cast<int>(d->get<std::int64_t>());
      }
    }
    if (!errors.empty()) {
      SendProblem(call.res, 400, "invalid-input", "Invalid token request", Plural(errors.size(), "problem"), errors);
      return;
    }
    // A viewer cannot write, so a write token for a viewer would only mislead.
    if (scope == store::TokenScope::kWrite && call.who->user.role == store::Role::kViewer) {
      SendProblem(call.res, 403, "forbidden", "Insufficient role", "a viewer's API tokens have the read scope");
      return;
    }
    std::string token = "zt_" + auth::RandomToken(32);
    auto issued = store->IssueApiToken(call.who->user.id, auth::Sha256Hex(token), name, scope,
                                       NowUnix() + std::int64_t{days} * 86400, call.who->user.username);
    if (!issued) return StoreFailure(call, issued.error());
    Json out = TokenBody(*issued);
    out["token"] = token;
    SendJson(call.res, 201, out);
  });

  Add("GET", "/v1/tokens", Access::kAuthenticated, [this](Call& call) {
    auto list = store->ListApiTokens(call.who->user.id);
    if (!list) return StoreFailure(call, list.error());
    Json tokens = Json::array();
    for (const auto& t : *list) tokens.push_back(TokenBody(t));
    SendJson(call.res, 200, Json{{"tokens", tokens}});
  });

  Add("DELETE", "/v1/tokens/{id}", Access::kAuthenticated, [this](Call& call) {
    std::string id = call.req.matches[1];
    auto revoked = store->RevokeApiToken(call.who->user.id, id, call.who->user.username);
    if (!revoked) return StoreFailure(call, revoked.error());
    if (!*revoked) {
      SendProblem(call.res, 404, "not-found", "Not found", "you have no API token with that id");
      return;
    }
    call.res.status = 204;
  });
}

// ---- stateless --------------------------------------------------------------------------------

void Server::Impl::RegisterStatelessRoutes() {
  Add("GET", "/v1/health", Access::kOpen, [this](Call& call) {
    auto ping = store->Ping();
    // Reads are refused when they cannot be audited, so a store that cannot write is unavailable.
    auto writable = ping ? ProbeWrite() : store::Result<void>(tl::unexpected(ping.error()));
    const bool ok = ping && writable;
    Json out = Json::object();
    out["status"] = ok ? "ok" : "unavailable";
    out["store"] = std::string(store->Kind());
    out["store_readable"] = ping.has_value();
    out["store_writable"] = writable.has_value();
    out["knowledge_version"] = kb->version();
    out["engine_version"] = ZEBRA_VERSION;
    if (!ping) Log("zebra serve: store ping failed: " + ping.error());
    else if (!writable) Log("zebra serve: store write probe failed: " + writable.error());
    SendJson(call.res, ok ? 200 : 503, out);
  });

  Add("GET", "/v1/openapi.json", Access::kOpen,
      [this](Call& call) { call.res.set_content(openapi_text, "application/json"); });

  Add("GET", "/metrics", Access::kOpen,
      [this](Call& call) { call.res.set_content(metrics.Render(), "text/plain; version=0.0.4; charset=utf-8"); });

  Add("POST", "/v1/evaluate", Access::kOpenInDemo, [this](Call& call) {
    std::string as_of;
    if (!ValidAsOf(call, as_of)) return;
    const std::string what_if = call.req.get_param_value("what_if");
    if (!what_if.empty() && what_if != "0" && what_if != "1") {
      metrics.RecordEvaluation(false);
      SendProblem(call.res, 400, "invalid-parameter", "Invalid parameter", "what_if must be 0 or 1",
                  Json::array({Json{{"path", "what_if"}, {"message", "must be 0 or 1"}}}));
      return;
    }
    // ?lang=ar: the patient summary and option grid in Arabic (clinician texts stay English).
    std::string lang = call.req.has_param("lang") ? call.req.get_param_value("lang") : "en";
    if (lang != "en" && lang != "ar") {
      metrics.RecordEvaluation(false);
      return SendProblem(call.res, 400, "invalid-parameter", "Invalid parameter", "lang must be en or ar",
                         Json::array({Json{{"path", "lang"}, {"message", "must be en or ar"}}}));
    }
    auto evaluated = EvaluateText(call.req.body, engine::InputKind::kAuto, as_of, what_if == "1", lang);
    if (!evaluated) return SendInputProblem(call, evaluated.error());
    call.res.set_content(std::move(evaluated->output), "application/json");
  });

  Add("POST", "/v1/validate", Access::kOpenInDemo, [this](Call& call) {
    auto c = engine::ReadCase(*kb, call.req.body);
    Json out = Json::object();
    out["valid"] = c.has_value();
    out["errors"] = c ? Json::array() : ErrorList(c.error());
    SendJson(call.res, 200, out);
  });

  Add("POST", "/v1/fhir/map", Access::kOpenInDemo, [this](Call& call) {
    std::string as_of;
    if (!ValidAsOf(call, as_of)) return;
    auto mapped = engine::MapFhir(*kb, call.req.body, as_of);
    if (!mapped) {
      call.res.status = 400;
      call.res.set_content(Dump(InputProblem(mapped.error())), kProblemType);
      return;
    }
    Json out = Json::object();
    out["case"] = mapped->case_json;
    out["report"] = mapped->report;
    call.res.set_content(out.dump(2) + "\n", "application/json");
  });

  Add("GET", "/v1/knowledge", Access::kOpenInDemo,
      [this](Call& call) { call.res.set_content(knowledge_text, "application/json"); });

  Add("GET", "/v1/knowledge/models/{name}", Access::kOpenInDemo, [this](Call& call) {
    const std::string* source = kb->model_source(call.req.matches[1].str());
    if (!source) {
      SendProblem(call.res, 404, "not-found", "Not found", "no knowledge model with that name");
      return;
    }
    call.res.set_content(*source, "application/xml");
  });

  Add("GET", "/v1/demo-cases", Access::kOpenInDemo,
      [this](Call& call) { call.res.set_content(demo_cases_text, "application/json"); });
}

// ---- stored cases -----------------------------------------------------------------------------

void Server::Impl::RegisterCaseRoutes() {
  Add("GET", "/v1/cases", Access::kViewer, [this](Call& call) {
    auto list = store->ListCases();
    if (!list) return StoreFailure(call, list.error());
    Json cases = Json::array();
    for (const auto& s : *list) {
      Json c = Json::object();
      c["id"] = s.case_id;
      c["label"] = s.label;
      c["revision"] = s.latest_revision;
      c["updated_at"] = s.updated_at;
      c["updated_by"] = s.updated_by;
      c["status"] = s.status;
      c["last_evaluation"] =
          s.last_evaluation_id ? Json{{"id", *s.last_evaluation_id}, {"at", s.last_evaluated_at}} : Json();
      cases.push_back(std::move(c));
    }
    if (!AuditOrRefuse(call, "case.list", "", Plural(list->size(), "case"))) return;
    SendJson(call.res, 200, Json{{"cases", cases}});
  });

  // POST creates, PUT adds a revision; both evaluate the new revision in the same request.
  auto write_case = [this](Call& call, bool create) {
    auto evaluated = EvaluateText(call.req.body, engine::InputKind::kCase);
    if (!evaluated) return SendInputProblem(call, evaluated.error());
    std::string id;
    if (!create) {
      id = call.req.matches[1];
      if (!LoadCase(call, id, std::nullopt)) return;
    }
    // Evaluated before anything is stored: the revision and its evaluation are one transaction,
    // so a crash can never leave a revision without its evaluation.
    store::Evaluation evaluation = NewEvaluation(std::move(evaluated->output));
    auto written = create ? store->CreateCaseWithEvaluation(call.req.body, call.Actor(), evaluation)
                          : store->UpdateCaseWithEvaluation(id, call.req.body, call.Actor(), evaluation);
    if (!written) return StoreFailure(call, written.error());
    Json out = CaseBody(written->revision);
    out["evaluation"] = EvaluationBody(written->evaluation);
    if (create) call.res.set_header("Location", "/v1/cases/" + written->revision.case_id);
    SendJson(call.res, create ? 201 : 200, out);
  };
  Add("POST", "/v1/cases", Access::kCoordinator, [write_case](Call& call) { write_case(call, true); });
  Add("PUT", "/v1/cases/{id}", Access::kCoordinator, [write_case](Call& call) { write_case(call, false); });

  Add("GET", "/v1/cases/{id}", Access::kViewer, [this](Call& call) {
    std::string id = call.req.matches[1];
    std::optional<int> revision;
    if (call.req.has_param("revision")) {
      std::string text = call.req.get_param_value("revision");
      static const std::regex kNumber("[1-9][0-9]{0,8}");
      if (!std::regex_match(text, kNumber)) {
        SendProblem(call.res, 400, "invalid-parameter", "Invalid parameter", "revision must be a positive integer",
                    Json::array({Json{{"path", "revision"}, {"message", "must be a positive integer"}}}));
        return;
      }
      revision = std::stoi(text);
    }
    auto rev = LoadCase(call, id, revision);
    if (!rev) return;
    if (!AuditOrRefuse(call, "case.read", id, "revision " + std::to_string(rev->revision))) return;
    SendJson(call.res, 200, CaseBody(*rev));
  });

  Add("GET", "/v1/cases/{id}/revisions", Access::kViewer, [this](Call& call) {
    std::string id = call.req.matches[1];
    if (!LoadCase(call, id, std::nullopt)) return;
    auto list = store->ListRevisions(id);
    if (!list) return StoreFailure(call, list.error());
    Json revisions = Json::array();
    for (const auto& r : *list)
      revisions.push_back({{"revision", r.revision}, {"created_at", r.created_at}, {"created_by", r.created_by}});
    if (!AuditOrRefuse(call, "case.revisions.read", id, Plural(list->size(), "revision"))) return;
    SendJson(call.res, 200, Json{{"revisions", revisions}});
  });

  Add("GET", "/v1/cases/{id}/evaluations", Access::kViewer, [this](Call& call) {
    std::string id = call.req.matches[1];
    if (!LoadCase(call, id, std::nullopt)) return;
    auto list = store->ListEvaluations(id);
    if (!list) return StoreFailure(call, list.error());
    Json evaluations = Json::array();
    for (const auto& e : *list) evaluations.push_back(EvaluationBody(e));
    if (!AuditOrRefuse(call, "evaluation.read", id, Plural(list->size(), "evaluation"))) return;
    SendJson(call.res, 200, Json{{"evaluations", evaluations}});
  });

  Add("POST", "/v1/cases/{id}/evaluations", Access::kCoordinator, [this](Call& call) {
    std::string id = call.req.matches[1];
    auto rev = LoadCase(call, id, std::nullopt);
    if (!rev) return;
    auto evaluated = EvaluateText(rev->case_json, engine::InputKind::kCase);
    if (!evaluated) {
      // Knowledge updates may tighten the schema; a stored case can then stop validating.
      SendProblem(call.res, 409, "case-no-longer-valid", "Stored case does not validate",
                  "the latest revision does not pass the current schema; update the case",
                  ErrorList(evaluated.error()));
      return;
    }
    auto evaluation = EvaluateAndStore(*rev, std::move(evaluated->output), call.Actor());
    if (!evaluation) return StoreFailure(call, evaluation.error());
    SendJson(call.res, 201, EvaluationBody(*evaluation));
  });

  Add("POST", "/v1/cases/{id}/evaluations/{eid}/replay", Access::kCoordinator, [this](Call& call) {
    std::string id = call.req.matches[1];
    std::int64_t eid = std::stoll(call.req.matches[2]);
    auto stored = store->GetEvaluation(eid);
    if (!stored) return StoreFailure(call, stored.error());
    if (!*stored || (*stored)->case_id != id) {
      SendProblem(call.res, 404, "not-found", "Not found", fmt::format("case {} has no evaluation {}", id, eid));
      return;
    }
    auto rev = LoadCase(call, id, (*stored)->case_revision);
    if (!rev) return;
    auto evaluated = EvaluateText(rev->case_json, engine::InputKind::kCase);
    if (!evaluated) {
      SendProblem(call.res, 409, "case-no-longer-valid", "Stored case does not validate",
                  "the stored revision does not pass the current schema", ErrorList(evaluated.error()));
      return;
    }
    std::string now = std::move(evaluated->output);
    bool identical = now == (*stored)->output_json;
    if (!AuditOrRefuse(call, "evaluation.replay", id,
                       fmt::format("evaluation {} revision {}: {}", eid, rev->revision,
                                   identical ? "identical" : "different")))
      return;
    Json out = Json::object();
    out["identical"] = identical;
    out["stored_knowledge_version"] = (*stored)->knowledge_version;
    out["current_knowledge_version"] = kb->version();
    out["recommendation"] = ParseStored(now);
    SendJson(call.res, 200, out);
  });

  Add("POST", "/v1/cases/{id}/decision", Access::kClinician, [this](Call& call) {
    std::string id = call.req.matches[1];
    auto body = ParseBody(call.req.body);
    Json errors = Json::array();
    auto err = [&](const std::string& path, const std::string& message) {
      errors.push_back({{"path", path}, {"message", message}});
    };

    if (!body || !body->is_object()) {
      err("$", "must be a JSON object {\"option_id\", \"attendees\", \"notes\"}");
    } else {
      for (const auto& [key, value] : body->items()) {
        if (key != "option_id" && key != "attendees" && key != "notes") err("$." + key, "is not a known field");
      }
      auto option = body->find("option_id");
      if (option == body->end() || !option->is_string()) err("$.option_id", "is required (a catalogue option id)");
      else if (!kb->HasOption(option->get<std::string>()))
        err("$.option_id", "is not an option id of the catalogue");
      auto attendees = body->find("attendees");
      if (attendees == body->end() || !attendees->is_array() || attendees->empty()) {
        err("$.attendees", "is required (a non-empty list of {role, name})");
      } else if (attendees->size() > 100) {
        err("$.attendees", "has more than 100 entries");
      } else {
        for (std::size_t i = 0; i < attendees->size(); ++i) {
          const Json& a = (*attendees)[i];
          std::string at = "$.attendees[" + std::to_string(i) + "]";
          if (!a.is_object()) {
            err(at, "must be an object {role, name}");
            continue;
          }
          for (const auto& [key, value] : a.items())
            if (key != "role" && key != "name") err(at + "." + key, "is not a known field");
          for (const char* key : {"role", "name"}) {
            auto it = a.find(key);
            if (it == a.end() || !it->is_string() || it->get<std::string>().empty() ||
                it->get<std::string>().size() > 200)
              err(at + "." + key, "is required (1 to 200 characters)");
          }
        }
      }
      auto notes = body->find("notes");
      if (notes != body->end() && !(notes->is_string() && notes->get<std::string>().size() <= kMaxDecisionTextBytes))
        err("$.notes", "must be a string of at most 20000 bytes");
    }
    if (!errors.empty()) {
      SendProblem(call.res, 400, "invalid-decision", "Invalid decision", Plural(errors.size(), "problem"), errors);
      return;
    }
    auto rev = LoadCase(call, id, std::nullopt);
    if (!rev) return;
    Json decision = Json::object();
    decision["option_id"] = (*body)["option_id"];
    decision["attendees"] = (*body)["attendees"];
    decision["notes"] = body->value("notes", "");
    store::Decision d;
    d.case_id = id;
    d.case_revision = rev->revision;
    d.decision_json = decision.dump();
    d.created_by = call.Actor();
    auto added = store->AddDecision(d);
    if (!added) return StoreFailure(call, added.error());
    Json out = Json::object();
    out["id"] = added->id;
    out["case_revision"] = added->case_revision;
    out["created_at"] = added->created_at;
    out["created_by"] = added->created_by;
    out["decision"] = decision;
    SendJson(call.res, 201, out);
  });

  Add("GET", "/v1/cases/{id}/decisions", Access::kViewer, [this](Call& call) {
    std::string id = call.req.matches[1];
    if (!LoadCase(call, id, std::nullopt)) return;
    auto list = store->ListDecisions(id);
    if (!list) return StoreFailure(call, list.error());
    Json decisions = Json::array();
    for (const auto& d : *list) {
      Json j = Json::object();
      j["id"] = d.id;
      j["case_revision"] = d.case_revision;
      j["created_at"] = d.created_at;
      j["created_by"] = d.created_by;
      j["decision"] = ParseStored(d.decision_json);
      decisions.push_back(std::move(j));
    }
    if (!AuditOrRefuse(call, "decision.read", id, Plural(list->size(), "decision"))) return;
    SendJson(call.res, 200, Json{{"decisions", decisions}});
  });

  Add("GET", "/v1/cases/{id}/audit", Access::kViewer, [this](Call& call) {
    std::string id = call.req.matches[1];
    if (!LoadCase(call, id, std::nullopt)) return;
    auto list = store->ListAudit(id, 1000);
    if (!list) return StoreFailure(call, list.error());
    Json entries = Json::array();
    for (const auto& a : *list)
      entries.push_back(
          {{"seq", a.seq}, {"at", a.at}, {"actor", a.actor}, {"action", a.action}, {"detail", a.detail}});
    if (!AuditOrRefuse(call, "audit.read", id, Plural(list->size(), "entry"))) return;
    SendJson(call.res, 200, Json{{"entries", entries}});
  });
}

// ---- CDS Hooks --------------------------------------------------------------------------------

void Server::Impl::RegisterCdsRoutes() {
  auto cors = [](httplib::Response& res) {
    res.set_header("Access-Control-Allow-Origin", "*");
    res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type");
    res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
  };
  Add("OPTIONS", "/cds-services", Access::kOpen, [cors](Call& call) {
    cors(call.res);
    call.res.status = 204;
  });
  Add("OPTIONS", "/cds-services/{id}", Access::kOpen, [cors](Call& call) {
    cors(call.res);
    call.res.status = 204;
  });
  Add("OPTIONS", "/cds-services/{id}/feedback", Access::kOpen, [cors](Call& call) {
    cors(call.res);
    call.res.status = 204;
  });
  auto context = [this] {
    CdsContext ctx;
    ctx.kb = kb.get();
    ctx.store = store.get();
    ctx.verifier = options.insecure_dev ? nullptr : verifier.get();
    ctx.service_url = options.service_url;
    if (smart_launcher) ctx.smart_launch_url = options.service_url + "/smart/launch";
    ctx.now_unix = NowUnix();
    return ctx;
  };
  auto send = [cors](Call& call, const HttpResult& r) {
    cors(call.res);
    call.res.status = r.status;
    if (!r.body.empty()) call.res.set_content(r.body, r.content_type);
  };
  Add("GET", "/cds-services", Access::kOpen, [cors](Call& call) {
    cors(call.res);
    call.res.set_content(CdsDiscoveryJson(), "application/json");
  });
  Add("POST", "/cds-services/{id}", Access::kOpen, [this, context, send, cors](Call& call) {
    if (!options.insecure_dev && !verifier) {
      cors(call.res);
      call.res.status = 401;  // no trusted issuers configured (--jwt-config)
      return;
    }
    send(call, HandleCdsHook(context(), call.req.matches[1].str(), call.req.get_header_value("Authorization"),
                             call.req.body));
  });
  Add("POST", "/cds-services/{id}/feedback", Access::kOpen, [this, context, send, cors](Call& call) {
    if (!options.insecure_dev && !verifier) {
      cors(call.res);
      call.res.status = 401;
      return;
    }
    send(call, HandleCdsFeedback(context(), call.req.matches[1].str(), call.req.get_header_value("Authorization"),
                                 call.req.body));
  });
}

// ---- static files -----------------------------------------------------------------------------

void Server::Impl::ServeStatic(Call& call) {
  const std::string& path = call.req.path;
  if (path == "/v1" || path.rfind("/v1/", 0) == 0 || path.rfind("/cds-services", 0) == 0) {
    SendProblem(call.res, 404, "not-found", "Not found", "no such resource");
    return;
  }
  const fs::path root(options.web_root);
  auto file = StaticFileUnder(root, call.req.target, path);
  if (!file) {
    // A path that could leave the web root is refused, not answered with the application page:
    // nothing about the file system shows through.
    SendProblem(call.res, 404, "not-found", "Not found", "no such resource");
    return;
  }
  if (!file->empty()) {
    std::string content;
    if (ReadFile(*file, content)) {
      call.res.set_content(std::move(content), MimeType(*file));
      // Built assets carry content hashes in their names; index.html must be revalidated.
      call.res.set_header("Cache-Control", path.rfind("/assets/", 0) == 0 ? "public, max-age=31536000, immutable"
                                                                           : "no-cache");
      return;
    }
  }
  // Client-side routes fall back to the application's index.html.
  std::string index;
  if (ReadFile(root / "index.html", index)) {
    call.res.set_header("Cache-Control", "no-cache");
    call.res.set_content(std::move(index), "text/html; charset=utf-8");
    return;
  }
  call.res.set_content(kPlaceholderPage, "text/html; charset=utf-8");
}

// ---- OpenID Connect sign-in ---------------------------------------------------------------------

constexpr const char* kOidcCookie = "zebra_oidc";

tl::expected<void, std::string> Server::Impl::StartOidc() {
  if (options.oidc_config.empty()) return {};
  auto config = auth::LoadOidcConfig(options.oidc_config, options.insecure_dev);
  if (!config) return tl::unexpected("--oidc-config: " + config.error());
  auto client = auth::MakeOidcClient(std::move(*config), options.insecure_dev);
  if (!client) return tl::unexpected("--oidc-config: " + client.error());
  oidc = std::move(*client);
  Log("zebra serve: OpenID Connect sign-in with " + oidc->Config().issuer);
  return {};
}

void Server::Impl::RegisterOidcRoutes() {
  // Tells the web app whether to offer "Sign in with ...".
  Add("GET", "/v1/oidc/config-public", Access::kOpen, [this](Call& call) {
    Json out = Json::object();
    out["enabled"] = oidc != nullptr;
    if (oidc) {
      out["issuer"] = oidc->Config().issuer;
      out["name"] = oidc->Config().display_name;
      out["login_url"] = "/v1/oidc/login";
    }
    SendJson(call.res, 200, out);
  });

  Add("GET", "/v1/oidc/login", Access::kOpen, [this](Call& call) {
    if (!oidc) {
      SendProblem(call.res, 404, "oidc-not-configured", "Single sign-on is not configured",
                  "this server was started without --oidc-config");
      return;
    }
    auto login = oidc->Begin(NowUnix());
    if (!login) {
      call.res.set_header("Retry-After", "60");
      SendProblem(call.res, 503, "oidc-busy", "Too many sign-ins in flight", "try again in a minute");
      return;
    }
    // Binds the state to this browser (login CSRF); Lax, so the provider's redirect back carries it.
    const bool tls = call.req.get_header_value("X-Forwarded-Proto") == "https";
    call.res.set_header("Set-Cookie", fmt::format("{}={}; HttpOnly; SameSite=Lax; Path=/v1/oidc; Max-Age=600{}",
                                                  kOidcCookie, login->browser_binding, tls ? "; Secure" : ""));
    call.res.set_redirect(login->authorization_url, 302);
  });

  Add("GET", "/v1/oidc/callback", Access::kOpen, [this](Call& call) {
    if (!oidc) {
      SendProblem(call.res, 404, "oidc-not-configured", "Single sign-on is not configured",
                  "this server was started without --oidc-config");
      return;
    }
    // The binding cookie is used once, whatever the outcome.
    call.res.set_header("Set-Cookie", fmt::format("{}=; HttpOnly; SameSite=Lax; Path=/v1/oidc; Max-Age=0", kOidcCookie));
    // Refusals are audited (never with the code, a token or the state) and logged.
    const auto refuse = [&](int status, std::string_view type, std::string_view title, const std::string& actor,
                            const std::string& why, std::string_view detail) {
      Audit(actor, "session.login_failed", "", "oidc: " + why);
      Log("zebra serve: OpenID Connect sign-in refused: " + why);
      SendProblem(call.res, status, type, title, detail);
    };
    if (call.req.has_param("error")) {
      std::string error = call.req.get_param_value("error");
      const bool plain = error.size() <= 64 && std::all_of(error.begin(), error.end(), [](char c) {
                           return (c >= 'a' && c <= 'z') || c == '_';
                         });
      return refuse(401, "oidc-provider-error", "The identity provider did not sign you in", "oidc",
                    "provider answered " + (plain ? error : std::string("an error")),
                    "the identity provider answered " + (plain ? error : std::string("with an error")));
    }
    const std::string binding = CookieValue(call.req, kOidcCookie).value_or("");
    auto identity = oidc->Finish(call.req.get_param_value("code"), call.req.get_param_value("state"), binding,
                                 NowUnix());
    if (!identity) {
      switch (identity.error().kind) {
        case auth::OidcFailure::kBadRequest:
          return refuse(400, "oidc-invalid-callback", "Invalid sign-in callback", "oidc", identity.error().why,
                        "the callback needs code and state");
        case auth::OidcFailure::kBadState:
          return refuse(400, "oidc-invalid-state", "Sign-in state invalid",
                        "oidc", identity.error().why,
                        "this sign-in link is unknown, used, expired or was started in another browser; start again");
        case auth::OidcFailure::kTokenEndpoint:
          return refuse(401, "oidc-code-refused", "Sign-in code refused", "oidc", identity.error().why,
                        "the identity provider did not accept the sign-in code; start again");
        case auth::OidcFailure::kIdToken:
          return refuse(401, "oidc-id-token-refused", "Identity token refused", "oidc", identity.error().why,
                        "the identity provider's answer did not verify");
        case auth::OidcFailure::kUnavailable:
          return refuse(503, "oidc-busy", "Too many sign-ins in flight", "oidc", identity.error().why,
                        "try again in a minute");
      }
      return;
    }
    const std::string& username = identity->username;
    const auto role = store::ParseRole(identity->role);
    if (identity->role.empty() || !role) {
      return refuse(403, "oidc-no-role", "No Zebra role", username,
                    "claim " + oidc->Config().role_claim + " has no value in role_map",
                    "your account at the identity provider has no role in Zebra; ask an administrator");
    }
    const std::string marker = auth::ExternalAccountMarker(oidc->Config().issuer, identity->subject);
    auto found = store->FindUser(username);
    if (!found) return StoreFailure(call, found.error());
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
        auto changed = store->SetUserRole(username, *role, "oidc");  // audited as user.role
        if (!changed) return StoreFailure(call, changed.error());
        user = *changed;
      }
    } else {
      auto created = store->CreateUser(username, marker, *role);  // audited as user.create
      if (!created) return StoreFailure(call, created.error());
      user = *created;
    }
    // The same session as POST /v1/session.
    std::string token = auth::RandomToken(32);
    store::Session session;
    session.token_hash = auth::Sha256Hex(token);
    session.csrf_token = auth::RandomToken(32);
    session.user_id = user.id;
    session.expires_unix = NowUnix() + options.session_seconds;
    if (auto r = store->CreateSession(session); !r) return StoreFailure(call, r.error());
    Audit(username, "session.create", "", "oidc");
    const bool tls = call.req.get_header_value("X-Forwarded-Proto") == "https";
    call.res.set_header("Set-Cookie", fmt::format("{}={}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{}",
                                                  kCookieName, token, options.session_seconds,
                                                  tls ? "; Secure" : ""));
    call.res.set_redirect("/", 302);
  });
}

// ---- SMART App Launch and the FHIR export (src/smart) ----------------------------------------

void Server::Impl::RegisterSmartRoutes() {
  auto services = [this] {
    smart::Services s;
    s.kb = kb.get();
    s.store = store.get();
    s.launcher = smart_launcher.get();
    s.session_seconds = options.session_seconds;
    s.log = [this](const std::string& line) { Log(line); };
    s.now_unix = NowUnix();
    s.save_source = [this](const std::string& case_id, int revision, const smart::Json& source,
                           const std::string& actor) -> tl::expected<void, std::string> {
      return store->AddCaseSource(case_id, revision, Dump(source), actor);
    };
    return s;
  };
  auto request = [](const httplib::Request& req) {
    smart::Request r;
    r.iss = req.get_param_value("iss");
    r.launch = req.get_param_value("launch");
    r.code = req.get_param_value("code");
    r.state = req.get_param_value("state");
    r.has_error = req.has_param("error");
    r.error = req.get_param_value("error");
    r.binding_cookie = CookieValue(req, smart::kBindingCookie).value_or("");
    r.tls = req.get_header_value("X-Forwarded-Proto") == "https";
    return r;
  };
  auto send = [](Call& call, const smart::Response& r) {
    call.res.status = r.status;
    for (const auto& [name, value] : r.headers) call.res.set_header(name, value);
    if (!r.body.empty()) call.res.set_content(r.body, r.content_type);
  };
  Add("GET", "/smart/launch", Access::kOpen, [services, request, send](Call& call) {
    send(call, smart::HandleLaunch(services(), request(call.req)));
  });
  Add("GET", "/smart/callback", Access::kOpen, [services, request, send](Call& call) {
    send(call, smart::HandleCallback(services(), request(call.req)));
  });
  // Where the case came from: {kind, fhir_base, patient, imported_at, mapping_report}; 404 for a
  // case entered by hand.
  Add("GET", "/v1/cases/{id}/source", Access::kViewer, [this](Call& call) {
    std::string id = call.req.matches[1];
    if (!LoadCase(call, id, std::nullopt)) return;
    auto source = store->GetCaseSource(id);
    if (!source) return StoreFailure(call, source.error());
    if (!*source) {
      SendProblem(call.res, 404, "not-found", "Not found", "case " + id + " was not imported from an EHR");
      return;
    }
    if (!AuditOrRefuse(call, "case.source.read", id, "")) return;
    SendJson(call.res, 200, ParseStored(**source));
  });
  Add("GET", "/v1/cases/{id}/fhir", Access::kViewer, [this](Call& call) {
    if (!smart_launcher || !smart_launcher->Config().write_back) {
      SendProblem(call.res, 404, "fhir-export-not-configured", "FHIR export is not configured",
                  "start the server with --smart-config naming \"write_back\": true");
      return;
    }
    std::string id = call.req.matches[1];
    auto rev = LoadCase(call, id, std::nullopt);
    if (!rev) return;
    auto evaluations = store->ListEvaluations(id);
    if (!evaluations) return StoreFailure(call, evaluations.error());
    auto decisions = store->ListDecisions(id);
    if (!decisions) return StoreFailure(call, decisions.error());
    smart::ExportInput in;
    in.case_id = id;
    in.case_revision = rev->revision;
    if (!evaluations->empty()) in.recommendation = ParseStored(evaluations->back().output_json);
    if (!decisions->empty()) {
      const auto& d = decisions->back();
      in.decision = Json{{"id", d.id}, {"created_at", d.created_at}, {"created_by", d.created_by},
                         {"decision", ParseStored(d.decision_json)}};
    }
    in.now_rfc3339 = UnixToRfc3339(NowUnix());
    auto source = store->GetCaseSource(id);
    if (!source) return StoreFailure(call, source.error());
    if (*source) {
      const Json s = ParseStored(**source);
      if (s.is_object() && s.contains("patient") && s["patient"].is_string()) in.patient_reference = s["patient"];
    }
    if (!AuditOrRefuse(call, "case.fhir_export", id,
                       fmt::format("revision {}, {}", rev->revision, decisions->empty() ? "no decision" : "decision " + std::to_string(decisions->back().id))))
      return;
    call.res.status = 200;
    call.res.set_content(Dump(smart::ExportBundle(*kb, in)), "application/fhir+json");
  });
}

void Server::Impl::RegisterRoutes() {
  RegisterSessionRoutes();
  RegisterOidcRoutes();
  RegisterSmartRoutes();
  RegisterStatelessRoutes();
  RegisterCaseRoutes();
  RegisterCdsRoutes();
  // Last: everything else under GET is the web application.
  auto serve_static = [this](const httplib::Request& req, httplib::Response& res) {
    t_request.route = "static";
    Call call{req, res, std::nullopt};
    ServeStatic(call);
  };
  http.Get("/.*", serve_static);
}

// ---- start-up ---------------------------------------------------------------------------------

tl::expected<void, std::string> Server::Impl::Prepare() {
  if (options.web_root.empty()) options.web_root = engine::Data().web_root.string();
  if (options.demo_cases_dir.empty()) options.demo_cases_dir = engine::Data().demo_cases.string();
  if (options.openapi_file.empty()) options.openapi_file = engine::Data().openapi.string();
  fs::path kdir = options.knowledge_dir.empty() ? engine::Knowledge::DefaultDir() : fs::path(options.knowledge_dir);
  auto loaded = engine::Knowledge::Load(kdir);
  if (!loaded) {
    std::string msg = "the knowledge base does not load:";
    for (const auto& e : loaded.error()) msg += "\n  " + e.message;
    return tl::unexpected(msg);
  }
  kb = *loaded;

  if (!ReadFile(options.openapi_file, openapi_text))
    return tl::unexpected("cannot read the OpenAPI description " + options.openapi_file);
  if (Json::parse(openapi_text, nullptr, false).is_discarded())
    return tl::unexpected(options.openapi_file + " is not valid JSON");
  // GET /v1/knowledge: computed once; the knowledge is immutable while serving.
  knowledge_text = Dump(kb->summary());

  // Demo cases: every examples/cases/*.json, sorted by file name.
  Json demo = Json::array();
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(options.demo_cases_dir, ec))
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    std::string text;
    if (!ReadFile(file, text)) continue;
    Json c = Json::parse(text, nullptr, false);
    if (c.is_discarded()) continue;
    std::string stem = file.stem().string();
    std::string title = stem;
    std::replace(title.begin(), title.end(), '_', ' ');
    if (!title.empty()) title[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(title[0])));
    demo.push_back(Json{{"file", file.filename().string()}, {"title", title}, {"case", c}});
  }
  demo_cases_text = demo.dump();

  store::OpenOptions open_options;
  open_options.migrate = options.migrate;
  auto opened = store::OpenStore(options.db_url, open_options);
  if (!opened) return tl::unexpected("cannot open the store: " + opened.error());
  store = std::move(*opened);
  // Migrations are never silent: say which ran.
  const auto& schema = store->schema();
  if (!schema.applied.empty()) {
    std::string applied;
    for (const auto& m : schema.applied) applied += (applied.empty() ? "" : ", ") + m;
    Log(fmt::format("zebra serve: store schema migrated from version {} to {} ({})", schema.before, schema.after,
                    applied));
  }

  auto dummy = auth::HashPassword(auth::RandomToken(16));
  if (!dummy) return tl::unexpected("password hashing failed: " + dummy.error());
  dummy_hash = *dummy;
  LoginThrottle::Limits limits;
  limits.max_failures = std::max(1, options.login_max_failures);
  limits.window = std::chrono::seconds(std::max(1, options.login_window_seconds));
  limits.backoff = std::chrono::seconds(std::max(1, options.login_backoff_seconds));
  user_throttle = std::make_unique<LoginThrottle>(limits);
  address_throttle = std::make_unique<LoginThrottle>(limits);
  read_limiter = std::make_unique<RateLimiter>(options.reads_per_minute);
  write_limiter = std::make_unique<RateLimiter>(options.writes_per_minute);
  if (auto r = CheckDemoMarking(); !r) return r;
  if (options.demo) {
    if (auto r = SeedDemo(); !r) return r;
  }
  return {};
}

tl::expected<void, std::string> Server::Impl::CheckDemoMarking() {
  // A demo store is marked by its first audit entry (the audit log is append-only, so the mark
  // cannot be removed or forged without breaking the chain). --demo plants accounts with a
  // published password, so it is only allowed on an empty store (which it then marks) or on a
  // store it created; and a demo store is never served without --demo.
  std::string first_action;
  auto scanned = store->ExportAudit(std::nullopt, std::nullopt, [&](const store::AuditEntry& e) {
    first_action = e.action;
    return false;
  });
  if (!scanned) return tl::unexpected("store: " + scanned.error());
  const bool demo_store = first_action == "store.demo";
  if (!options.demo) {
    if (demo_store)
      return tl::unexpected(std::string("this store was created with --demo: its accounts have the published demo "
                                        "password. Serve it with --demo, or use a new store for real patients"));
    return {};
  }
  if (demo_store) return {};
  auto cases = store->ListCases();
  if (!cases) return tl::unexpected("store: " + cases.error());
  auto users = store->ListUsers();
  if (!users) return tl::unexpected("store: " + users.error());
  if (!first_action.empty() || !cases->empty() || !users->empty())
    return tl::unexpected(std::string("--demo refused: this store already holds data and was not created as a demo "
                                      "store (--demo would add accounts with a published password). Use --demo only "
                                      "with a new store, e.g. --db sqlite:demo.db"));
  if (auto r = store->AppendAudit("system", "store.demo", "", "created as a demo store (demo accounts, demo cases)"); !r)
    return tl::unexpected("store: " + r.error());
  return {};
}

tl::expected<void, std::string> Server::Impl::SeedDemo() {
  auto cases = store->ListCases();
  if (!cases) return tl::unexpected("store: " + cases.error());
  if (cases->empty()) {
    Json demo = Json::parse(demo_cases_text);
    for (const auto& d : demo) {
      std::string text = d["case"].dump(2);
      auto evaluated = engine::Evaluate(*kb, engine::CaseInput{text, engine::InputKind::kCase, {}});
      if (!evaluated) continue;  // an example that no longer validates is skipped, not served
      auto written = store->CreateCaseWithEvaluation(text, "demo", NewEvaluation(std::move(evaluated->output)));
      if (!written) return tl::unexpected("store: " + written.error());
    }
  }
  const std::pair<const char*, store::Role> users[] = {{"clinician", store::Role::kClinician},
                                                       {"coordinator", store::Role::kCoordinator},
                                                       {"viewer", store::Role::kViewer}};
  for (const auto& [name, role] : users) {
    auto existing = store->FindUser(name);
    if (!existing) return tl::unexpected("store: " + existing.error());
    if (*existing) continue;
    auto hash = auth::HashPassword("zebra-demo");
    if (!hash) return tl::unexpected("password hashing failed: " + hash.error());
    if (auto r = store->CreateUser(name, *hash, role); !r) return tl::unexpected("store: " + r.error());
  }
  Log("zebra serve: DEMO MODE. Demo accounts clinician, coordinator and viewer, password \"zebra-demo\". "
      "Demo only: never use these accounts or the demo store for real patients.");
  return {};
}

void Server::Impl::ConfigureHttp() {
  std::size_t threads = options.threads;
  // A worker holds its connection while the client keeps it alive, so idle browser connections
  // must not starve the pool: a floor of 64 (threads are cheap; evaluation is CPU-bound anyway).
  if (threads == 0) threads = std::max<std::size_t>(64, 4 * std::max(1u, std::thread::hardware_concurrency()));
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // Headers and body go out in separate writes; without TCP_NODELAY, Nagle plus delayed ACKs
  // add ~40 ms to every response.
  http.set_tcp_nodelay(true);
  // cpp-httplib's default also sets SO_REUSEPORT, so a second server on the same port started
  // silently and the kernel split connections between the two (and their stores). SO_REUSEADDR
  // alone lets a restart bind at once while a taken port fails with "address already in use".
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  http.set_payload_max_length(options.max_body_bytes);
  http.set_read_timeout(options.read_timeout_seconds, 0);
  http.set_write_timeout(options.write_timeout_seconds, 0);
  http.set_keep_alive_timeout(options.keep_alive_seconds);
  http.set_keep_alive_max_count(options.keep_alive_max_requests);
  // Slowloris: a request must arrive whole within the request timeout (deadline_server.h).
  http.SetRequestTimeout(std::chrono::seconds(std::max(1, options.request_timeout_seconds)));
  http.SetTimedOutHandler([this] { metrics.RecordConnectionTimedOut(); });
  http.SetMaxHeaderBytes(std::max<std::size_t>(1024, options.max_header_bytes));
  http.set_default_headers({
      {"Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
  });
  http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    t_request.start = std::chrono::steady_clock::now();
    t_request.started = true;
    t_request.route = "unmatched";
    return RefuseFraming(req, res) ? httplib::Server::HandlerResponse::Handled
                                   : httplib::Server::HandlerResponse::Unhandled;
  });
  // Empty error responses (unknown route, body too large, ...) become problem details; a 401
  // stays bare on purpose.
  http.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request&, httplib::Response& res) {
    // cpp-httplib answers 400 when the headers or body stop arriving; the deadline was the cause.
    if (const DeadlineStream* strm = DeadlineServer::CurrentStream(); strm != nullptr && strm->HeaderTooLarge()) {
      res.status = 431;
      res.set_header("Connection", "close");
      res.set_content(Problem(431, "header-fields-too-large", StatusTitle(431),
                              fmt::format("the request line and headers may be at most {} bytes",
                                          options.max_header_bytes))
                          .dump(),
                      kProblemType);
      return httplib::Server::HandlerResponse::Handled;
    }
    if (const DeadlineStream* strm = DeadlineServer::CurrentStream(); strm != nullptr && strm->TimedOut()) {
      res.status = 408;
      res.set_header("Connection", "close");
      res.set_content(Problem(408, "request-timeout", StatusTitle(408),
                              fmt::format("the request did not arrive within {} s", options.request_timeout_seconds))
                          .dump(),
                      kProblemType);
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!res.body.empty() || res.status == 401) return httplib::Server::HandlerResponse::Unhandled;
    const char* title = StatusTitle(res.status);
    std::string type = res.status == 413 ? "payload-too-large" : res.status == 404 ? "not-found" : "http";
    std::string detail = res.status == 413 ? "the request body is larger than the limit" : title;
    res.set_content(Problem(res.status, type, title, detail).dump(), kProblemType);
    return httplib::Server::HandlerResponse::Handled;
  }));
  http.set_exception_handler([this](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    // The exception text may quote input; it is never logged.
    Log("zebra serve: internal error on " + t_request.route);
    metrics.RecordEvaluation(false);
    res.status = 500;
    res.set_content(Problem(500, "internal", "Internal error", "the request could not be completed").dump(),
                    kProblemType);
  });
  http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    double seconds = 0;
    if (t_request.started)
      seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_request.start).count();
    std::string route = t_request.route.empty() ? "unmatched" : t_request.route;
    // cpp-httplib refuses an oversized body before any route handler runs.
    if (res.status == 413 && route == "unmatched") route = "body_too_large";
    if (res.status == 408 && route == "unmatched") route = "request_timeout";
    if (res.status == 431 && route == "unmatched") route = "header_too_large";
    metrics.RecordRequest(req.method, route, res.status, seconds);
    if (options.log_json) {
      Json j = Json::object();
      j["time"] = NowRfc3339();
      j["level"] = res.status >= 500 ? "error" : "info";
      j["event"] = "request";
      j["method"] = req.method;
      j["route"] = route;
      j["status"] = res.status;
      j["duration_ms"] = std::round(seconds * 1e6) / 1e3;
      Log(Dump(j));
    } else {
      Log(fmt::format("{} http method={} route={} status={} duration_ms={:.3f}", NowRfc3339(), req.method, route,
                    res.status, seconds * 1000));
    }
    t_request = RequestState{};
  });
  RegisterRoutes();
}

}  // namespace zebra::server

// Server::Impl is complete here; the public class forwards to it.
namespace zebra::server {

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>()) { impl_->options = std::move(options); }

Server::~Server() { Stop(); }

namespace {
// cpp-httplib 0.11 (compiled into Debian's library) listens with a backlog of 5, so under many
// concurrent connections SYNs are dropped and clients wait for retransmits (1 s, 3 s, 7 s …).
// Linux lets a listening socket be given a new backlog by calling listen() again; the socket is
// ours (same process), found by its port.
void WidenListenBacklog(int port) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return;
  while (dirent* entry = readdir(dir)) {
    char* end = nullptr;
    const long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || fd == dirfd(dir)) continue;
    int accepting = 0;
    socklen_t len = sizeof accepting;
    if (getsockopt(static_cast<int>(fd), SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) != 0 || !accepting) continue;
    sockaddr_storage addr{};
    socklen_t addr_len = sizeof addr;
    if (getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&addr), &addr_len) != 0) continue;
    int bound = -1;
    if (addr.ss_family == AF_INET) bound = ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
    if (addr.ss_family == AF_INET6) bound = ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
    if (bound == port) ::listen(static_cast<int>(fd), SOMAXCONN);
  }
  closedir(dir);
}
}  // namespace

tl::expected<void, std::string> Server::Start() {
  Impl& s = *impl_;
  if (s.running) return tl::unexpected(std::string("already running"));
  if (auto r = s.Prepare(); !r) return r;
  s.ConfigureHttp();
  if (s.options.port == 0) {
    s.port = s.http.bind_to_any_port(s.options.host);
    if (s.port <= 0) return tl::unexpected("cannot bind to " + s.options.host);
  } else {
    if (!s.http.bind_to_port(s.options.host, s.options.port))
      return tl::unexpected(fmt::format("cannot listen on {}:{}: address already in use (or not available)",
                                        s.options.host, s.options.port));
    s.port = s.options.port;
  }
  WidenListenBacklog(s.port);
  if (s.options.service_url.empty()) s.options.service_url = fmt::format("http://{}:{}", s.options.host, s.port);
  if (!s.options.jwt_config.empty()) {
    auto config = auth::LoadJwtConfig(s.options.jwt_config);
    if (!config) return tl::unexpected("--jwt-config: " + config.error());
    if (config->audience.empty()) config->audience = s.options.service_url;
    auto verifier = auth::MakeJwtVerifier(std::move(*config));
    if (!verifier) return tl::unexpected("--jwt-config: " + verifier.error());
    s.verifier = std::move(*verifier);
  }
  if (auto r = s.StartOidc(); !r) return r;
  if (!s.options.smart_config.empty()) {
    auto config = smart::LoadSmartConfig(s.options.smart_config, s.options.insecure_dev);
    if (!config) return tl::unexpected("--smart-config: " + config.error());
    s.smart_launcher = smart::MakeLauncher(std::move(*config), s.options.insecure_dev);
    s.Log(fmt::format("zebra serve: SMART App Launch for {} FHIR server(s)", s.smart_launcher->Config().issuers.size()));
  }
  if (s.options.insecure_dev) {
    s.Log("zebra serve: WARNING: --insecure-dev is on. CDS Hooks JWTs are NOT verified and the stateless "
          "routes need no sign-in. Never use this with real patient data or on a shared network.");
  } else if (!s.verifier) {
    s.Log("zebra serve: no --jwt-config given; CDS Hooks service calls are refused (401).");
  }
  s.running = true;
  s.thread = std::thread([&s] { s.http.listen_after_bind(); });
  for (int i = 0; i < 2000 && !s.http.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  s.Log(fmt::format("zebra serve: listening on http://{}:{} (store {}, knowledge {}, engine {})", s.options.host,
                    s.port, s.store->Kind(), s.kb->version(), ZEBRA_VERSION));
  return {};
}

int Server::Port() const { return impl_->port; }

void Server::Stop() {
  Impl& s = *impl_;
  if (!s.running) return;
  s.running = false;
  s.http.stop();  // closes the listener; workers finish their current requests before join returns
  if (s.thread.joinable()) s.thread.join();
  s.store.reset();
  s.Log("zebra serve: stopped");
}

std::vector<RouteInfo> Server::Routes() const {
  if (impl_->routes.empty()) {
    // Routes are registered at Start(); a fresh server registers them on a scratch instance.
    Impl scratch;
    scratch.RegisterRoutes();
    return scratch.routes;
  }
  return impl_->routes;
}

int RunServer(ServerOptions options, std::ostream& out, std::ostream& err) {
  // Block the stop signals before any thread starts so that only sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigset_t previous;
  pthread_sigmask(SIG_BLOCK, &signals, &previous);
  std::string host = options.host == "0.0.0.0" ? "localhost" : options.host;
  Server server(std::move(options));
  if (auto r = server.Start(); !r) {
    err << "zebra serve: " << r.error() << "\n";
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return 1;
  }
  // "running on port N" is parsed by tests/service/harness.py.
  out << "Zebra is running on port " << server.Port() << ": http://" << host << ":" << server.Port()
      << "/  (Ctrl+C stops it)\n"
      << std::flush;
  int received = 0;
  sigwait(&signals, &received);
  err << "zebra serve: " << (received == SIGINT ? "SIGINT" : "SIGTERM") << " received, stopping\n";
  server.Stop();
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return 0;
}

}  // namespace zebra::server
