#include "server/http_transport.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <thread>

#include "api/metrics.h"
#include "auth/auth.h"
#include "common/clock.h"
#include "server/deadline_server.h"  // the server side's one include of cpp-httplib

namespace zebra::server {
namespace {

using Json = api::Json;
using api::kProblemType;
using api::StatusTitle;

constexpr std::size_t kMaxFhirBodyBytes = 8 * 1024 * 1024;

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

bool IsAddedHeader(const std::string& name) {
  return name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" || name == "LOCAL_PORT";
}

void SetProblem(httplib::Response& res, int status, std::string_view type, std::string_view detail) {
  res.status = status;
  res.set_content(api::Dump(api::ProblemJson(status, type, StatusTitle(status), detail)), kProblemType);
}

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

struct HttpTransport::Impl {
  TransportOptions options;
  const api::Router& router;
  api::Services& services;
  DeadlineServer http;
  std::thread thread;
  bool running = false;

  Impl(TransportOptions o, const api::Router& r, api::Services& s) : options(std::move(o)), router(r), services(s) {}

  static DeadlineStream::RequestMark* Mark() {
    DeadlineStream* strm = DeadlineServer::CurrentStream();
    return strm ? &strm->Mark() : nullptr;
  }

  // Runs in the pre-routing handler, which cpp-httplib calls after reading the headers and
  // before reading the body (Server::routing). cpp-httplib 0.11 applies payload_max_length only
  // to Content-Length bodies and inflates Content-Encoding bodies without a limit, so bodies must
  // come with Content-Length and uncompressed. True when the answer is set. The body stays unread,
  // so the answer asks the client to close the connection.
  bool RefuseFraming(const httplib::Request& req, httplib::Response& res) {
    auto refuse = [&](int status, std::string_view type, std::string_view detail) {
      if (auto* mark = Mark()) mark->route = "refused";
      SetProblem(res, status, type, detail);
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
      return refuse(415, "unsupported-content-encoding",
                    "compressed request bodies (Content-Encoding) are not accepted");
    return false;
  }

  api::Request ToApi(const httplib::Request& req) const {
    api::Request out;
    out.method = req.method;
    out.path = req.path;
    out.target = req.target;
    for (const auto& [name, value] : req.params) out.query.emplace(name, value);
    for (const auto& [name, value] : req.headers)
      if (!IsAddedHeader(name)) out.headers.Add(name, value);
    out.body = req.body;
    out.remote_address = req.remote_addr;
    out.client_address = ClientAddress(req, options.trusted_proxies);
    return out;
  }

  static void Write(api::Response&& from, httplib::Response& res) {
    res.status = from.status;
    for (const auto& [name, value] : from.headers.fields()) res.set_header(name, value);
    if (!from.body.empty() || !from.content_type.empty()) res.set_content(std::move(from.body), from.content_type);
  }

  // The one route handler: every method and path goes to the api router.
  void Serve(const httplib::Request& req, httplib::Response& res) {
    api::Request request = ToApi(req);
    auto* mark = Mark();
    if (mark) request.start = mark->start;
    api::Response response;
    try {
      response = router.Dispatch(request, services);
    } catch (const std::exception&) {
      // The exception text may quote input; it is never logged.
      services.Log("zebra serve: internal error on " + request.route);
      services.metrics->RecordEvaluation(false);
      response = api::Response{};
      response.status = 500;
      response.SetContent(
          api::Dump(api::ProblemJson(500, "internal", "Internal error", "the request could not be completed")),
          kProblemType);
    }
    if (mark) mark->route = request.route;
    Write(std::move(response), res);
  }

  void Configure();
};

void HttpTransport::Impl::Configure() {
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
  http.SetTimedOutHandler([this] { services.metrics->RecordConnectionTimedOut(); });
  http.SetMaxHeaderBytes(std::max<std::size_t>(1024, options.max_header_bytes));
  http.set_default_headers({
      {"Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
  });
  http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (auto* mark = Mark()) *mark = {std::chrono::steady_clock::now(), true, "unmatched"};
    return RefuseFraming(req, res) ? httplib::Server::HandlerResponse::Handled
                                   : httplib::Server::HandlerResponse::Unhandled;
  });
  // Empty error responses (body too large, a request that stopped arriving, ...) become problem
  // details; a 401 stays bare on purpose.
  http.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request&, httplib::Response& res) {
    // cpp-httplib answers 400 when the headers or body stop arriving; the deadline was the cause.
    if (const DeadlineStream* strm = DeadlineServer::CurrentStream(); strm != nullptr && strm->HeaderTooLarge()) {
      res.status = 431;
      res.set_header("Connection", "close");
      res.set_content(api::ProblemJson(
                          431, "header-fields-too-large", StatusTitle(431),
                          fmt::format("the request line and headers may be at most {} bytes", options.max_header_bytes))
                          .dump(),
                      kProblemType);
      return httplib::Server::HandlerResponse::Handled;
    }
    if (const DeadlineStream* strm = DeadlineServer::CurrentStream(); strm != nullptr && strm->TimedOut()) {
      res.status = 408;
      res.set_header("Connection", "close");
      res.set_content(
          api::ProblemJson(408, "request-timeout", StatusTitle(408),
                           fmt::format("the request did not arrive within {} s", options.request_timeout_seconds))
              .dump(),
          kProblemType);
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!res.body.empty() || res.status == 401) return httplib::Server::HandlerResponse::Unhandled;
    const char* title = StatusTitle(res.status);
    std::string type = res.status == 413 ? "payload-too-large" : res.status == 404 ? "not-found" : "http";
    std::string detail = res.status == 413 ? "the request body is larger than the limit" : title;
    res.set_content(api::ProblemJson(res.status, type, title, detail).dump(), kProblemType);
    return httplib::Server::HandlerResponse::Handled;
  }));
  http.set_exception_handler([this](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    // The exception text may quote input; it is never logged.
    auto* mark = Mark();
    services.Log("zebra serve: internal error on " + (mark ? mark->route : std::string("unmatched")));
    services.metrics->RecordEvaluation(false);
    res.status = 500;
    res.set_content(api::ProblemJson(500, "internal", "Internal error", "the request could not be completed").dump(),
                    kProblemType);
  });
  http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    auto* mark = Mark();
    double seconds = 0;
    std::string route = "unmatched";
    if (mark) {
      if (mark->started)
        seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - mark->start).count();
      if (!mark->route.empty()) route = mark->route;
    }
    // cpp-httplib refuses an oversized body before any route handler runs.
    if (res.status == 413 && route == "unmatched") route = "body_too_large";
    if (res.status == 408 && route == "unmatched") route = "request_timeout";
    if (res.status == 431 && route == "unmatched") route = "header_too_large";
    services.metrics->RecordRequest(req.method, route, res.status, seconds);
    if (options.log_json) {
      Json j = Json::object();
      j["time"] = common::NowRfc3339();
      j["level"] = res.status >= 500 ? "error" : "info";
      j["event"] = "request";
      j["method"] = req.method;
      j["route"] = route;
      j["status"] = res.status;
      j["duration_ms"] = std::round(seconds * 1e6) / 1e3;
      services.Log(api::Dump(j));
    } else {
      services.Log(fmt::format("{} http method={} route={} status={} duration_ms={:.3f}", common::NowRfc3339(), req.method,
                               route, res.status, seconds * 1000));
    }
    if (mark) *mark = {};
  });
  // Every method and path goes to the router, which answers 404/405 itself (and GET outside the
  // API with the web application).
  const auto serve = [this](const httplib::Request& req, httplib::Response& res) { Serve(req, res); };
  http.Get("/.*", serve);  // also HEAD
  http.Post("/.*", serve);
  http.Put("/.*", serve);
  http.Patch("/.*", serve);
  http.Delete("/.*", serve);
  http.Options("/.*", serve);
}

HttpTransport::HttpTransport(TransportOptions options, const api::Router& router, api::Services& services)
    : impl_(std::make_unique<Impl>(std::move(options), router, services)) {
  impl_->Configure();
}

HttpTransport::~HttpTransport() { Stop(); }

tl::expected<int, std::string> HttpTransport::Bind(const std::string& host, int port) {
  int bound = port;
  if (port == 0) {
    bound = impl_->http.bind_to_any_port(host);
    if (bound <= 0) return tl::unexpected("cannot bind to " + host);
  } else if (!impl_->http.bind_to_port(host, port)) {
    return tl::unexpected(fmt::format("cannot listen on {}:{}: address already in use (or not available)", host, port));
  }
  WidenListenBacklog(bound);
  return bound;
}

void HttpTransport::Start() {
  Impl& s = *impl_;
  s.running = true;
  s.thread = std::thread([&s] { s.http.listen_after_bind(); });
  for (int i = 0; i < 2000 && !s.http.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void HttpTransport::Stop() {
  Impl& s = *impl_;
  if (!s.running) return;
  s.running = false;
  s.http.stop();  // closes the listener; workers finish their current requests before join returns
  if (s.thread.joinable()) s.thread.join();
}

// ---- the FHIR client for CDS Hooks ---------------------------------------------------------------

tl::expected<std::string, std::string> HttpFhirGet(const std::string& url, const std::string& token, bool allow_http) {
  auto u = auth::ParseHttpUrl(url);
  if (!u) return tl::unexpected(std::string("not an http(s) URL"));
  if (u->scheme == "http" && !allow_http && !auth::IsLoopbackHost(u->host))
    return tl::unexpected(std::string("fhirServer must use https"));
  try {
    httplib::Client client(u->scheme + "://" + u->host + ":" + std::to_string(u->port));
    if (!client.is_valid()) return tl::unexpected(std::string("FHIR server URL not usable"));
    client.set_connection_timeout(3);
    client.set_read_timeout(3);
    client.set_write_timeout(3);
    client.set_follow_location(false);
    client.enable_server_certificate_verification(true);
    httplib::Headers headers{{"Accept", "application/fhir+json"}, {"Authorization", "Bearer " + token}};
    std::string body;
    bool too_large = false;
    auto result = client.Get(u->path, headers, [&](const char* data, std::size_t length) {
      if (body.size() + length > kMaxFhirBodyBytes) {
        too_large = true;
        return false;
      }
      body.append(data, length);
      return true;
    });
    if (too_large) return tl::unexpected(std::string("FHIR response larger than 8 MiB"));
    if (!result) return tl::unexpected("FHIR request failed: " + httplib::to_string(result.error()));
    if (result->status != 200) return tl::unexpected("FHIR server answered HTTP " + std::to_string(result->status));
    return body;
  } catch (const std::exception&) {
    return tl::unexpected(std::string("FHIR request failed"));
  }
}

}  // namespace zebra::server
