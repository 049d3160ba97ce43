// zebra serve and zebra config: the REST API, CDS Hooks and the web application (src/server). Part of
// the service program, zebra-service (src/service/service_dispatch.cc).
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli/commands.h"
#include "server/server.h"

namespace zebra::cli {

namespace {

// Settings that are not ServerOptions fields as such.
struct ServeExtras {
  std::string db_file;
  std::string log_format = "text";
  bool no_migrate = false;
};

// Every `zebra serve` flag, also a key of its --config file (TOML: `port = 8080`).
void AddServeOptions(CLI::App& app, server::ServerOptions& options, ServeExtras& extras) {
  app.option_defaults()->always_capture_default();
  app.set_config("--config", "",
                 "configuration file (TOML: each flag a key, e.g. port = 8080; `zebra config example` prints one); "
                 "flags on the command line win");
  app.add_option("--host", options.host,
                 "address to listen on (default 127.0.0.1, loopback only; --host 0.0.0.0 exposes the service)");
  app.add_option("--port", options.port, "TCP port (default 8080; 0 picks a free port)")->check(CLI::Range(0, 65535));
  app.add_option("--db", options.db_url,
                 "store: sqlite:PATH (default sqlite:zebra.db) or postgresql://... (also $ZEBRA_DB; a password "
                 "belongs in --db-file or $ZEBRA_DB, not on the command line, where ps shows it)")
      ->envname("ZEBRA_DB")
      ->capture_default_str();
  app.add_option("--db-file", extras.db_file, "file whose first line is the store URL (keeps a password out of ps)");
  app.add_option("--log-format", extras.log_format, "text (key=value lines) or json (JSON Lines)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  app.add_flag("--no-migrate", extras.no_migrate,
               "refuse a store whose schema is older than this zebra's instead of migrating it (run `zebra migrate`)");
  app.add_flag("--demo", options.demo,
               "load the demo cases into an empty store, create demo users (password zebra-demo) and open the "
               "stateless routes without sign-in");
  app.add_flag("--insecure-dev", options.insecure_dev,
               "LOCAL TRIALS ONLY: do not verify CDS Hooks JWTs and open the stateless routes");
  app.add_option("--knowledge", options.knowledge_dir, "knowledge directory (default: ./knowledge)");
  app.add_option("--jwt-config", options.jwt_config,
                 "JSON file with the trusted CDS Hooks issuers: {\"audience\", \"issuers\":[{\"iss\", "
                 "\"jwks_file\"|\"jwks_url\"}]}");
  app.add_option("--oidc-config", options.oidc_config,
                 "JSON file for OpenID Connect sign-in: {\"issuer\", \"client_id\", \"client_secret_file\", "
                 "\"redirect_uri\", \"scopes\", \"role_claim\", \"role_map\", \"username_claim\"} (README)");
  app.add_option("--smart-config", options.smart_config,
                 "JSON file for SMART App Launch from the EHR: {\"client_id\", \"redirect_uri\", \"issuers\": "
                 "[FHIR base URLs], \"role\", \"write_back\"} (README)");
  app.add_option("--service-url", options.service_url, "public URL of this service, the JWT audience (default http://HOST:PORT)");
  app.add_option("--web-root", options.web_root, "folder of the built web application (default web/dist)");
  app.add_option("--threads", options.threads, "worker threads (default 4 x cores, at least 64)");
  app.add_option("--max-body", options.max_body_bytes, "largest accepted request body in bytes (default 2 MiB)");
  app.add_option("--request-timeout", options.request_timeout_seconds,
                 "seconds within which a request (line, headers and body) must arrive, idle keep-alive "
                 "time included; slower connections are closed (default 10)")
      ->check(CLI::Range(1, 3600));
  app.add_option("--trusted-proxy", options.trusted_proxies,
                 "address of a reverse proxy whose X-Real-IP header names the client (repeatable; e.g. "
                 "127.0.0.1 behind deploy/nginx/zebra.conf). Without it the header is ignored");
  app.add_option("--reads-per-minute", options.reads_per_minute,
                 "per signed-in user: GET requests a minute before 429 (default 600; 0: no limit)")
      ->check(CLI::Range(0, 1000000));
  app.add_option("--writes-per-minute", options.writes_per_minute,
                 "per signed-in user: POST/PUT/DELETE requests a minute before 429 (default 120; 0: no limit)")
      ->check(CLI::Range(0, 1000000));
}

}  // namespace

int ServeCommand(const Args& args, Io io) {
  server::ServerOptions options;
  ServeExtras extras;
  CLI::App app{"Serve the REST API (/v1), CDS Hooks (/cds-services), metrics and the web application.",
               "zebra serve"};
  AddServeOptions(app, options, extras);
  if (auto rc = ParseCommandLine(app, args, io, "serve")) return *rc;
  if (!extras.db_file.empty()) {
    std::ifstream in(extras.db_file);
    std::string url;
    if (!in || !std::getline(in, url) || url.empty()) {
      io.err << "zebra serve: --db-file " << extras.db_file << ": cannot read a store URL from its first line\n";
      return 2;
    }
    options.db_url = url;
  }
  options.log_json = extras.log_format == "json";
  options.migrate = !extras.no_migrate;
  return server::RunServer(std::move(options), io.out, io.err);
}

int ConfigCommand(const Args& args, Io io) {
  CLI::App app{"Print an example configuration file for `zebra serve --config FILE`.", "zebra config"};
  app.require_subcommand(1);
  app.add_subcommand("example", "print every `zebra serve` setting with its default, commented");
  if (auto rc = ParseCommandLine(app, args, io, "config")) return *rc;
  server::ServerOptions options;
  ServeExtras extras;
  CLI::App serve{"", "zebra serve"};
  AddServeOptions(serve, options, extras);
  io.out << "# zebra serve --config FILE (TOML). Every flag of `zebra serve` is a key; uncomment to change.\n"
            "# Secrets: put the store URL with its password in a file named by db-file (mode 0600), or in\n"
            "# $ZEBRA_DB, never on the command line.\n";
  std::istringstream text(serve.config_to_str(/*default_also=*/true, /*write_description=*/true));
  for (std::string line; std::getline(text, line);) {
    if (line.empty() || line[0] == '#') io.out << line << "\n";
    else io.out << "# " << line << "\n";
  }
  return 0;
}

}  // namespace zebra::cli
