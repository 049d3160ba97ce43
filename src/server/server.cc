#include "server/server.h"

#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "build_info.h"
#include "api/api.h"
#include "api/login_throttle.h"
#include "api/meetings.h"
#include "api/metrics.h"
#include "api/rate_limiter.h"
#include "api/smart_routes.h"
#include "auth/auth.h"
#include "common/clock.h"
#include "common/file.h"
#include "engine/engine.h"
#include "server/http_transport.h"
#include "server/openapi_doc.h"
#include "server/static_files.h"
#include "smart/smart.h"
#include "store/store.h"

namespace zebra::server {
namespace {

using Json = nlohmann::ordered_json;
namespace fs = std::filesystem;

}  // namespace

struct Server::Impl {
  ServerOptions options;
  std::shared_ptr<const engine::Knowledge> kb;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<auth::JwtVerifier> verifier;
  std::unique_ptr<auth::OidcClient> oidc;                         // --oidc-config
  std::unique_ptr<smart::Launcher> smart_launcher;                // --smart-config
  std::unique_ptr<api::LoginThrottle> user_throttle;              // failed sign-ins per username
  std::unique_ptr<api::LoginThrottle> address_throttle;           // failed sign-ins per client address
  std::unique_ptr<api::RateLimiter> read_limiter, write_limiter;  // per principal
  api::Metrics metrics;
  api::board::FactsCache board_cache;  // per store: evaluation ids are the store's
  api::Services services;  // what handlers see; points into the members above
  api::Router router;
  std::unique_ptr<HttpTransport> transport;
  int port = 0;
  bool running = false;
  std::mutex log_mutex;

  // One log line. With --log-format json each line is a JSON object: a request line is passed in
  // as one (the transport's access log), any other message is wrapped as {"time", "level", "message"}.
  void Log(const std::string& line) {
    std::string out = line;
    if (options.log_json && (line.empty() || line.front() != '{')) {
      Json j = Json::object();
      j["time"] = common::NowRfc3339();
      j["level"] = line.find("WARNING") != std::string::npos || line.find("error") != std::string::npos ||
                           line.find("failed") != std::string::npos
                       ? "warning"
                       : "info";
      j["message"] = line.rfind("zebra serve: ", 0) == 0 ? line.substr(13) : line;
      out = api::Dump(j);
    }
    std::lock_guard lock(log_mutex);
    if (options.log)
      options.log(out);
    else
      std::cerr << out << "\n";
  }

  // The route table: the built-in routes, then the web application for every other GET.
  // Features with routes of their own add them here, one Router::Add line each.
  void RegisterRoutes() {
    for (auto& route : api::CoreRoutes()) router.Add(std::move(route));
    for (auto& route : api::SmartRoutes(smart_launcher.get())) router.Add(std::move(route));
    router.SetFallback(WebAppHandler(options.web_root));
  }

  api::Config Config() const {
    api::Config c = options;
    c.smart_launch_url = smart_launcher ? options.service_url + "/smart/launch" : "";
    return c;
  }

  TransportOptions Transport() const { return static_cast<const TransportOptions&>(options); }

  tl::expected<void, std::string> StartOidc();
  tl::expected<void, std::string> Prepare();
  tl::expected<void, std::string> SeedDemo();
  tl::expected<void, std::string> CheckDemoMarking();
};

// ---- OpenID Connect sign-in ---------------------------------------------------------------------

tl::expected<void, std::string> Server::Impl::StartOidc() {
  if (options.oidc_config.empty()) return {};
  auto config = auth::LoadOidcConfig(options.oidc_config, options.insecure_dev);
  if (!config) return tl::unexpected("--oidc-config: " + common::ToString(config.error()));
  auto client = auth::MakeOidcClient(std::move(*config), options.insecure_dev);
  if (!client) return tl::unexpected("--oidc-config: " + common::ToString(client.error()));
  oidc = std::move(*client);
  Log("zebra serve: OpenID Connect sign-in with " + oidc->Config().issuer);
  return {};
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

  auto openapi = common::ReadFile(options.openapi_file);
  if (!openapi) return tl::unexpected("cannot read the OpenAPI description " + options.openapi_file);
  services.openapi_text = std::move(*openapi);
  // The case schema goes into components/schemas/Case here, so the two cannot drift apart.
  auto served = ServedOpenApi(services.openapi_text, *kb);
  if (!served) return tl::unexpected(options.openapi_file + " " + served.error());
  services.openapi_text = std::move(*served);
  // GET /v1/knowledge: computed once; the knowledge is immutable while serving.
  services.knowledge_text = api::Dump(kb->summary());

  // Demo cases: every examples/cases/*.json, sorted by file name.
  Json demo = Json::array();
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(options.demo_cases_dir, ec))
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    auto text = common::ReadFile(file);
    if (!text) continue;
    Json c = Json::parse(*text, nullptr, false);
    if (c.is_discarded()) continue;
    std::string stem = file.stem().string();
    std::string title = stem;
    std::replace(title.begin(), title.end(), '_', ' ');
    if (!title.empty()) title[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(title[0])));
    demo.push_back(Json{{"file", file.filename().string()}, {"title", title}, {"case", c}});
  }
  services.demo_cases_text = demo.dump();

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
  if (!dummy) return tl::unexpected("password hashing failed: " + common::ToString(dummy.error()));
  services.dummy_hash = *dummy;
  api::LoginThrottle::Limits limits;
  limits.max_failures = std::max(1, options.login_max_failures);
  limits.window = std::chrono::seconds(std::max(1, options.login_window_seconds));
  limits.backoff = std::chrono::seconds(std::max(1, options.login_backoff_seconds));
  user_throttle = std::make_unique<api::LoginThrottle>(limits);
  address_throttle = std::make_unique<api::LoginThrottle>(limits);
  read_limiter = std::make_unique<api::RateLimiter>(options.reads_per_minute);
  write_limiter = std::make_unique<api::RateLimiter>(options.writes_per_minute);
  services.kb = kb;
  services.store = store.get();
  services.metrics = &metrics;
  services.user_throttle = user_throttle.get();
  services.address_throttle = address_throttle.get();
  services.read_limiter = read_limiter.get();
  services.write_limiter = write_limiter.get();
  services.config = Config();
  services.fhir_fetch = HttpFhirGet;
  services.board_cache = &board_cache;
  services.log = [this](const std::string& line) { Log(line); };
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
      return tl::unexpected(
          std::string("this store was created with --demo: its accounts have the published demo "
                      "password. Serve it with --demo, or use a new store for real patients"));
    return {};
  }
  if (demo_store) return {};
  auto cases = store->ListCases();
  if (!cases) return tl::unexpected("store: " + cases.error());
  auto users = store->ListUsers();
  if (!users) return tl::unexpected("store: " + users.error());
  if (!first_action.empty() || !cases->empty() || !users->empty())
    return tl::unexpected(
        std::string("--demo refused: this store already holds data and was not created as a demo "
                    "store (--demo would add accounts with a published password). Use --demo only "
                    "with a new store, e.g. --db sqlite:demo.db"));
  if (auto r = store->AppendAudit("system", "store.demo", "", "created as a demo store (demo accounts, demo cases)");
      !r)
    return tl::unexpected("store: " + r.error());
  return {};
}

tl::expected<void, std::string> Server::Impl::SeedDemo() {
  auto cases = store->ListCases();
  if (!cases) return tl::unexpected("store: " + cases.error());
  if (cases->empty()) {
    Json demo = Json::parse(services.demo_cases_text);
    for (const auto& d : demo) {
      std::string text = d["case"].dump(2);
      auto evaluated = engine::Evaluate(*kb, engine::CaseInput{text, engine::InputKind::kCase, {}});
      if (!evaluated) continue;  // an example that no longer validates is skipped, not served
      store::Evaluation evaluation;
      evaluation.knowledge_version = kb->version();
      evaluation.engine_version = ZEBRA_VERSION;
      evaluation.output_json = std::move(evaluated->output);
      auto written = store->CreateCaseWithEvaluation(text, "demo", evaluation);
      if (!written) return tl::unexpected("store: " + written.error());
    }
  }
  if (auto seeded = api::board::SeedDemoMeeting(*store, common::NowRfc3339().substr(0, 10)); !seeded)
    return tl::unexpected("store: " + seeded.error());
  const std::pair<const char*, store::Role> users[] = {{"clinician", store::Role::kClinician},
                                                       {"coordinator", store::Role::kCoordinator},
                                                       {"viewer", store::Role::kViewer}};
  for (const auto& [name, role] : users) {
    auto existing = store->FindUser(name);
    if (!existing) return tl::unexpected("store: " + existing.error());
    if (*existing) continue;
    auto hash = auth::HashPassword("zebra-demo");
    if (!hash) return tl::unexpected("password hashing failed: " + common::ToString(hash.error()));
    if (auto r = store->CreateUser(name, *hash, role); !r) return tl::unexpected("store: " + r.error());
  }
  Log("zebra serve: DEMO MODE. Demo accounts clinician, coordinator and viewer, password \"zebra-demo\". "
      "Demo only: never use these accounts or the demo store for real patients.");
  return {};
}

// Server::Impl is complete here; the public class forwards to it.

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>()) { impl_->options = std::move(options); }

Server::~Server() { Stop(); }

tl::expected<void, std::string> Server::Start() {
  Impl& s = *impl_;
  if (s.running) return tl::unexpected(std::string("already running"));
  if (auto r = s.Prepare(); !r) return r;
  if (!s.options.smart_config.empty()) {
    auto config = smart::LoadSmartConfig(s.options.smart_config, s.options.insecure_dev);
    if (!config) return tl::unexpected("--smart-config: " + common::ToString(config.error()));
    s.smart_launcher = smart::MakeLauncher(std::move(*config), s.options.insecure_dev);
    s.Log(fmt::format("zebra serve: SMART App Launch for {} FHIR server(s)", s.smart_launcher->Config().issuers.size()));
  }
  s.RegisterRoutes();
  s.transport = std::make_unique<HttpTransport>(s.Transport(), s.router, s.services);
  auto bound = s.transport->Bind(s.options.host, s.options.port);
  if (!bound) return tl::unexpected(bound.error());
  s.port = *bound;
  if (s.options.service_url.empty()) s.options.service_url = fmt::format("http://{}:{}", s.options.host, s.port);
  if (!s.options.jwt_config.empty()) {
    auto config = auth::LoadJwtConfig(s.options.jwt_config);
    if (!config) return tl::unexpected("--jwt-config: " + common::ToString(config.error()));
    if (config->audience.empty()) config->audience = s.options.service_url;
    auto verifier = auth::MakeJwtVerifier(std::move(*config));
    if (!verifier) return tl::unexpected("--jwt-config: " + common::ToString(verifier.error()));
    s.verifier = std::move(*verifier);
  }
  if (auto r = s.StartOidc(); !r) return r;
  s.services.config = s.Config();
  s.services.verifier = s.verifier.get();
  s.services.oidc = s.oidc.get();
  if (s.options.insecure_dev) {
    s.Log(
        "zebra serve: WARNING: --insecure-dev is on. CDS Hooks JWTs are NOT verified and the stateless "
        "routes need no sign-in. Never use this with real patient data or on a shared network.");
  } else if (!s.verifier) {
    s.Log("zebra serve: no --jwt-config given; CDS Hooks service calls are refused (401).");
  }
  s.running = true;
  s.transport->Start();
  s.Log(fmt::format("zebra serve: listening on http://{}:{} (store {}, knowledge {}, engine {})", s.options.host,
                    s.port, s.store->Kind(), s.kb->version(), ZEBRA_VERSION));
  return {};
}

int Server::Port() const { return impl_->port; }

void Server::Stop() {
  Impl& s = *impl_;
  if (!s.running) return;
  s.running = false;
  s.transport->Stop();  // closes the listener; workers finish their current requests first
  s.store.reset();
  s.services.store = nullptr;
  s.Log("zebra serve: stopped");
}

std::vector<RouteInfo> Server::Routes() const {
  std::vector<RouteInfo> out;
  if (impl_->router.routes().empty()) {
    // Routes are registered at Start(); a fresh server registers them on a scratch instance.
    Impl scratch;
    scratch.RegisterRoutes();
    for (const auto& r : scratch.router.routes()) out.push_back({r.method, r.path});
    return out;
  }
  for (const auto& r : impl_->router.routes()) out.push_back({r.method, r.path});
  return out;
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
