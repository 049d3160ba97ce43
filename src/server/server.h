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

#include "api/api.h"
#include "server/http_transport.h"

namespace zebra::server {

// The transport's settings (threads, limits, trusted proxies, log format; http_transport.h), what
// the handlers read (demo, sign-in throttling, rate limits, token lifetimes; api::Config) and the
// service's own.
struct ServerOptions : TransportOptions, api::Config {
  // Loopback only by default; `--host 0.0.0.0` exposes the service on every interface.
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: an ephemeral port (tests); see Server::Port()
  std::string db_url = "sqlite:zebra.db";
  std::string knowledge_dir;  // empty: clinical::DefaultKnowledgeDir()
  std::string jwt_config;     // auth::LoadJwtConfig file with the trusted CDS Hooks issuers
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
