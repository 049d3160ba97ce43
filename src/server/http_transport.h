// The HTTP transport of `zebra serve`: the one place (with deadline_server.h) that uses the HTTP
// library. It turns wire requests into api::Requests, runs the api::Router and writes the
// api::Responses, and it keeps the protections that belong to the wire: the request deadline
// (slowloris), header and body limits, request framing (Content-Length only, no
// Transfer-Encoding or Content-Encoding, one byte range), security headers, the trusted proxy's
// X-Real-IP, the access log and request metrics.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "api/api.h"

namespace zebra::server {

// The wire's settings; server::ServerOptions extends them with the service's.
struct TransportOptions {
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
  // Requests with more header lines are refused with 431 (cpp-httplib limits only each line).
  std::size_t max_header_lines = 100;
  // The request line and headers together; counted as they arrive, so that a longer header
  // section is refused (431) before it is buffered.
  std::size_t max_header_bytes = 64 * 1024;
  // Peers whose X-Real-IP header names the client (the reverse proxy's address, e.g. 127.0.0.1).
  // Empty: the header is ignored.
  std::vector<std::string> trusted_proxies;
  // Log lines as JSON Lines ({"time", "level", "event", ...}) instead of key=value text.
  bool log_json = false;
};

class HttpTransport {
 public:
  // `router` and `services` must outlive the transport.
  HttpTransport(TransportOptions options, const api::Router& router, api::Services& services);
  ~HttpTransport();  // stops if running
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  // Binds `host`:`port` (0: an ephemeral port); the bound port, or why not.
  tl::expected<int, std::string> Bind(const std::string& host, int port);
  // Serves on a background thread until Stop().
  void Start();
  // Stops accepting connections; in-flight requests finish first.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The built-in FHIR GET for CDS Hooks (api::FhirFetchFn): 3 s timeouts, https (http only for
// loopback hosts unless `allow_http`), no redirects, body capped at 8 MiB.
tl::expected<std::string, std::string> HttpFhirGet(const std::string& url, const std::string& token, bool allow_http);

}  // namespace zebra::server
