// `zebra serve`: the HTTP server behind the REST API (/v1, docs/api.md), CDS Hooks
// (/cds-services), Prometheus metrics (/metrics) and the web application (static files at /).
//
// Every front end calls the same library as the CLI: the REST evaluation returns exactly the bytes
// `zebra evaluate` prints. Requests are logged one line each (method, route template, status,
// duration); bodies and case content are never logged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <tl/expected.hpp>

namespace zebra::server {

struct ServerOptions {
  // Loopback only by default; `--host 0.0.0.0` exposes the service on every interface.
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: an ephemeral port (tests); see Server::Port()
  std::string db_url = "sqlite:zebra.db";
  bool demo = false;          // demo cases and users, stateless routes open without sign-in
  bool insecure_dev = false;  // no JWT verification for CDS Hooks, stateless routes open; loud warning
  std::string knowledge_dir;  // empty: clinical::DefaultKnowledgeDir()
  std::string jwt_config;     // auth::LoadJwtConfig file with the trusted CDS Hooks issuers
  std::string service_url;    // JWT `aud`; empty: http://HOST:PORT
  // auth::LoadOidcConfig file: OpenID Connect sign-in (GET /v1/oidc/login); empty: off. The
  // provider's discovery document and keys are fetched at Start().
  std::string oidc_config;
  // smart::LoadSmartConfig file: SMART App Launch from configured EHRs (GET /smart/launch) and,
  // with "write_back", GET /v1/cases/{id}/fhir; empty: off.
  std::string smart_config;
  // Empty: from engine::Data() (beside the installed binary, or the source tree).
  std::string web_root;
  std::string demo_cases_dir;
  std::string openapi_file;
  std::size_t threads = 0;  // 0: 4 x hardware concurrency, at least 64

  // Limits. The request-line and header limits (8 KiB each) are fixed inside cpp-httplib.
  std::size_t max_body_bytes = 2 * 1024 * 1024;
  int read_timeout_seconds = 5;
  int write_timeout_seconds = 5;
  int keep_alive_seconds = 5;
  // A request's line, headers and body must all arrive within this many seconds of a worker
  // taking the connection or answering the previous request on it; idle keep-alive time counts
  // toward it. Otherwise the connection is closed (408 when the request line was complete). The
  // per-read timeout above alone lets a client that sends a byte a second hold a worker forever.
  int request_timeout_seconds = 10;
  std::size_t keep_alive_max_requests = 100;
  int session_seconds = 12 * 3600;
  // Requests with more header lines are refused with 431 (cpp-httplib limits only each line).
  std::size_t max_header_lines = 100;
  // The request line and headers together; counted as they arrive, so that a longer header
  // section is refused (431) before it is buffered.
  std::size_t max_header_bytes = 64 * 1024;

  // Sign-in throttling (in memory, per process): after this many failed sign-ins within the
  // window, for one username or from one client address, sign-in is refused with 429 for the
  // back-off, whether the password is right or not. A success forgets the username's failures.
  int login_max_failures = 5;
  int login_window_seconds = 15 * 60;
  int login_backoff_seconds = 15 * 60;
  // Peers whose X-Real-IP header names the client (the reverse proxy's address, e.g. 127.0.0.1).
  // Empty: the header is ignored.
  std::vector<std::string> trusted_proxies;

  // Per-principal rate limits (in memory, per process), counted per signed-in user across their
  // sessions and tokens: reads are GET/HEAD, writes every other method. Over the limit: 429 with
  // Retry-After. 0 turns a limit off.
  int reads_per_minute = 600;
  int writes_per_minute = 120;

  // API tokens: lifetime when POST /v1/tokens names none, and the most a request may ask for.
  int token_default_days = 90;
  int token_max_days = 365;

  // Log lines as JSON Lines ({"time", "level", "event", ...}) instead of key=value text.
  bool log_json = false;
  // false: refuse a store whose schema is older than this zebra's (`zebra migrate` first).
  bool migrate = true;

  // Where log lines go (one per call, no trailing newline). Default: standard error.
  std::function<void(const std::string&)> log;
};

// One registered route: method and path template as written in openapi.json.
struct RouteInfo {
  std::string method;    // "GET", "POST", ...
  std::string path;      // "/v1/cases/{id}"
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();  // stops the server if it runs
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Loads the knowledge base, opens the store, seeds demo data, binds the port and starts
  // serving on a background thread. The error says what failed.
  tl::expected<void, std::string> Start();
  int Port() const;  // the bound port (useful with port 0)
  // Stops accepting connections, lets in-flight requests finish, then closes the store.
  void Stop();

  std::vector<RouteInfo> Routes() const;  // every route the server answers

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// For the CLI: runs until SIGTERM or SIGINT, then stops gracefully. Returns the exit code
// (0 after a clean stop, 1 when the server cannot start).
int RunServer(ServerOptions options, std::ostream& out, std::ostream& err);

}  // namespace zebra::server
