// In-process tests of `zebra serve`: a Server on an ephemeral port with a temporary SQLite store,
// driven over loopback with httplib::Client.
#include "build_info.h"
#include "server/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <gtest/gtest-spi.h>
#include <sqlite3.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "auth/auth.h"
#include "auth/testing.h"
#include "common/testing.h"
#include "common/text.h"
#include "clinical/clinical.h"
#include "engine/engine.h"
#include "fhir/fhir.h"
#include "store/store.h"
#include "store/testing.h"

namespace zebra::server::server_test {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;
using common::testing::CookieValue;
using common::testing::IsPrefixedHex;
using common::testing::QueryParam;
using common::testing::ReplaceAll;
using common::testing::WithParam;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const fs::path kSource = ZEBRA_SOURCE_DIR;

// An empty scratch directory of this process for one test: zebra_server_<name>_<pid>.
fs::path ScratchDir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("zebra_server_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// A server on a free port with the SQLite store `dir`/`db` and this checkout's knowledge, logging
// to `log` (nowhere without one).
ServerOptions TestOptions(const fs::path& dir, const std::string& db,
                          std::function<void(const std::string&)> log = nullptr) {
  ServerOptions options;
  options.port = 0;
  options.db_url = "sqlite:" + (dir / db).string();
  options.knowledge_dir = (kSource / "knowledge").string();
  options.log = log ? std::move(log) : [](const std::string&) {};
  return options;
}

// The Content-Length of a response head (any case), 0 when it has none.
std::size_t ContentLength(std::string head) {
  for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string_view key = "\r\ncontent-length: ";
  for (std::size_t at = head.find(key); at != std::string::npos; at = head.find(key, at + 1)) {
    const std::size_t from = at + key.size();
    std::size_t end = from;
    while (end < head.size() && std::isdigit(static_cast<unsigned char>(head[end]))) ++end;
    if (end > from) return std::stoul(head.substr(from, end - from));
  }
  return 0;
}

// Sends raw bytes to 127.0.0.1:port and returns everything the server answers until it closes
// the connection or `timeout_ms` pass without data. The tests below need framing that
// httplib::Client never produces.
std::string RawRequest(int port, const std::string& data, int timeout_ms = 3000) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::send(fd, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size())) {
    char buf[4096];
    for (;;) {
      ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
      // Stop after one complete answer: a kept-alive connection would wait for the timeout.
      std::size_t end = out.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      if (out.size() >= end + 4 + ContentLength(out.substr(0, end))) break;
    }
  }
  ::close(fd);
  return out;
}

int RawStatus(const std::string& response) {
  return common::HasShape(response.substr(0, 13), "HTTP/1.1 999 ") ? std::stoi(response.substr(9, 3)) : 0;
}

// Thread-safe capture of everything the server logs.
struct LogSink {
  std::mutex mutex;
  std::vector<std::string> lines;
  std::function<void(const std::string&)> Fn() {
    return [this](const std::string& line) {
      std::lock_guard lock(mutex);
      lines.push_back(line);
    };
  }
  std::string All() {
    std::lock_guard lock(mutex);
    std::string all;
    for (const auto& l : lines) all += l + "\n";
    return all;
  }
};

// Credentials of one signed-in user: a session cookie with its CSRF token, or an API token.
struct Who {
  std::string cookie;
  std::string csrf;
  std::string token;
};

class ServerTest : public ::testing::Test {
 protected:
  static inline fs::path dir_;
  static inline LogSink* log_ = nullptr;
  static inline Server* server_ = nullptr;
  static inline Who viewer_, coordinator_, clinician_, coordinator_token_;
  static inline std::shared_ptr<const clinical::KnowledgeBase> kb_;

  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("zebra_server_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "web" / "assets");
    std::ofstream(dir_ / "web" / "index.html") << "<!doctype html><title>ZEBRA-INDEX</title>";
    std::ofstream(dir_ / "web" / "assets" / "app.js") << "console.log('zebra');";
    std::ofstream(dir_ / "secret.txt") << "OUTSIDE-WEB-ROOT";
    std::string db = "sqlite:" + (dir_ / "test.db").string();
    {
      auto store = store::OpenStore(db);
      ASSERT_TRUE(store) << store.error();
      for (auto [name, role] : {std::pair{"vic", store::Role::kViewer}, std::pair{"cora", store::Role::kCoordinator},
                                std::pair{"clive", store::Role::kClinician}, std::pair{"thea", store::Role::kViewer},
                                std::pair{"theo", store::Role::kViewer}, std::pair{"dora", store::Role::kViewer},
                                std::pair{"toby", store::Role::kCoordinator}}) {
        auto hash = auth::HashPassword(std::string("pw-") + name);
        ASSERT_TRUE(hash);
        ASSERT_TRUE((*store)->CreateUser(name, *hash, role));
      }
    }
    auto kb = clinical::LoadKnowledgeBase(kSource / "knowledge");
    ASSERT_TRUE(kb);
    kb_ = *kb;
    log_ = new LogSink;
    ServerOptions options;
    options.port = 0;
    options.db_url = db;
    options.web_root = (dir_ / "web").string();
    options.knowledge_dir = (kSource / "knowledge").string();
    options.threads = 8;
    options.trusted_proxies = {"127.0.0.1"};
    options.log = log_->Fn();
    server_ = new Server(options);
    auto started = server_->Start();
    ASSERT_TRUE(started) << started.error();
    viewer_ = Login("vic", "pw-vic");
    coordinator_ = Login("cora", "pw-cora");
    clinician_ = Login("clive", "pw-clive");
    auto res = Call("POST", "/v1/tokens", R"({"name":"ci","scope":"write"})", coordinator_);
    ASSERT_EQ(res.status, 201);
    coordinator_token_.token = Json::parse(res.body)["token"];
  }

  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    delete log_;
    log_ = nullptr;
    fs::remove_all(dir_);
  }

  struct Reply {
    int status = 0;
    std::string body;
    httplib::Headers headers;
    std::string Header(const std::string& name) const {
      auto it = headers.find(name);
      return it == headers.end() ? "" : it->second;
    }
    Json JsonBody() const { return Json::parse(body, nullptr, false); }
  };

  static Reply Call(const std::string& method, const std::string& path, const std::string& body = "",
                    const Who& who = {}, bool send_csrf = true, httplib::Headers extra = {}) {
    httplib::Client cli("127.0.0.1", server_->Port());
    cli.set_read_timeout(10, 0);
    httplib::Headers headers = std::move(extra);
    if (!who.cookie.empty()) headers.emplace("Cookie", "zebra_session=" + who.cookie);
    if (!who.cookie.empty() && send_csrf) headers.emplace("X-CSRF-Token", who.csrf);
    if (!who.token.empty()) headers.emplace("Authorization", "Bearer " + who.token);
    httplib::Result r{nullptr, httplib::Error::Unknown};
    if (method == "GET") r = cli.Get(path.c_str(), headers);
    else if (method == "POST") r = cli.Post(path.c_str(), headers, body, "application/json");
    else if (method == "PUT") r = cli.Put(path.c_str(), headers, body, "application/json");
    else if (method == "DELETE") r = cli.Delete(path.c_str(), headers);
    else if (method == "OPTIONS") r = cli.Options(path.c_str(), headers);
    Reply reply;
    if (!r) return reply;  // status 0: no answer
    reply.status = r->status;
    reply.body = r->body;
    reply.headers = r->headers;
    return reply;
  }

  static Who Login(const std::string& user, const std::string& password) {
    Json body{{"username", user}, {"password", password}};
    Reply r = Call("POST", "/v1/session", body.dump());
    EXPECT_EQ(r.status, 200) << user;
    Who who;
    who.cookie = CookieValue(r.Header("Set-Cookie"), "zebra_session");
    Json j = r.JsonBody();
    if (j.is_object()) who.csrf = j.value("csrf_token", "");
    return who;
  }

  static std::string DemoCase(const std::string& name = "pnet_small_nonfunctioning.json") {
    return ReadFile(kSource / "examples" / "cases" / name);
  }

  // The bytes `zebra evaluate` prints: engine::Evaluate (the recommendation with its trials).
  static std::string Expected(const std::string& case_text) {
    static const std::shared_ptr<const engine::Knowledge> knowledge = *engine::Knowledge::Load(kSource / "knowledge");
    auto e = engine::Evaluate(*knowledge, engine::CaseInput{case_text, engine::InputKind::kCase});
    EXPECT_TRUE(e);
    return e ? e->output : std::string();
  }

  static double MetricValue(const std::string& metrics, const std::string& series) {
    std::istringstream in(metrics);
    std::string line;
    while (std::getline(in, line))
      if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
    return -1;
  }

  // A request is counted when it is logged, just after its answer went out: polls until the
  // series reaches `at_least` (or 2 s pass) and returns its value.
  static double AwaitMetric(const std::string& series, double at_least) {
    double value = -1;
    for (int i = 0; i < 200 && (value = MetricValue(Call("GET", "/metrics").body, series)) < at_least; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return value;
  }

  // Runs SQL on the server's SQLite file from outside, as an operator (or attacker) could.
  static std::string RawSql(const std::string& sql) {
    return store::testing::ExecSqliteFile((dir_ / "test.db").string(), sql);
  }

  static std::unique_ptr<store::Store> OpenTestStore() {
    auto s = store::OpenStore("sqlite:" + (dir_ / "test.db").string());
    EXPECT_TRUE(s) << s.error();
    return s ? std::move(*s) : nullptr;
  }

  // Three stored cases with distinct labels (so searches in the shared store find only them).
  static std::vector<std::string> MeetingCases(const std::string& tag) {
    std::vector<std::string> ids;
    for (const char* file : {"rectal_small.json", "pnet_g3_metastatic.json", "small_bowel_metastatic_carcinoid_syndrome.json"}) {
      Json c = Json::parse(ReadFile(kSource / "examples" / "cases" / file));
      c["id"] = tag + "-" + c["id"].get<std::string>();
      Reply r = Call("POST", "/v1/cases", c.dump(), coordinator_);
      EXPECT_EQ(r.status, 201) << r.body;
      ids.push_back(r.JsonBody().value("id", ""));
    }
    return ids;
  }

  static Json MeetingJson(const std::vector<std::string>& case_ids) {
    Json m{{"date", "2026-12-10"},
           {"time", "16:00"},
           {"board", "GEP-NET board"},
           {"attendees", {{{"role", "chair"}, {"name", "Dr Chair"}}, {{"role", "surgeon"}, {"name", "Dr Knife"}}}},
           {"agenda", Json::array()}};
    for (std::size_t i = 0; i < case_ids.size(); ++i)
      m["agenda"].push_back({{"case_id", case_ids[i]}, {"presenter", "Dr P" + std::to_string(i)},
                             {"question", "Question " + std::to_string(i)}});
    return m;
  }

  static std::vector<std::string> AuditActionsAbout(const std::string& needle) {
    std::vector<std::string> out;
    auto s = store::OpenStore("sqlite:" + (dir_ / "test.db").string());
    EXPECT_TRUE(s);
    auto all = (*s)->ListAudit(std::nullopt, 0);
    EXPECT_TRUE(all);
    for (const auto& e : *all)
      if (e.detail.find(needle) != std::string::npos) out.push_back(e.action + " " + e.actor);
    return out;
  }

  static std::string CreateCase(const std::string& text) {
    Reply r = Call("POST", "/v1/cases", text, coordinator_);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.JsonBody().value("id", "");
  }
};

TEST_F(ServerTest, HealthReportsStoreAndVersions) {
  Reply r = Call("GET", "/v1/health");
  ASSERT_EQ(r.status, 200);
  Json j = r.JsonBody();
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["store"], "sqlite");
  EXPECT_EQ(j["knowledge_version"], kb_->version);
  EXPECT_EQ(j["engine_version"], ZEBRA_VERSION);
}

TEST_F(ServerTest, SecurityHeadersOnEveryKindOfResponse) {
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/v1/health"}, {"GET", "/v1/no-such-route"}, {"GET", "/"}, {"GET", "/v1/cases"},
           {"POST", "/v1/evaluate"}}) {
    Reply r = Call(method, path, "{}");
    ASSERT_NE(r.status, 0) << path;
    EXPECT_EQ(r.Header("Content-Security-Policy"), "default-src 'self'; frame-ancestors 'none'") << path;
    EXPECT_EQ(r.Header("X-Content-Type-Options"), "nosniff") << path;
    EXPECT_EQ(r.Header("Referrer-Policy"), "no-referrer") << path;
    EXPECT_EQ(r.Header("X-Frame-Options"), "DENY") << path;
  }
}

TEST_F(ServerTest, EvaluateReturnsExactlyTheCliBytes) {
  for (const char* name : {"pnet_small_nonfunctioning.json", "small_bowel_metastatic_carcinoid_syndrome.json"}) {
    std::string text = DemoCase(name);
    Reply r = Call("POST", "/v1/evaluate", text, viewer_);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body, Expected(text)) << name;
    EXPECT_EQ(r.Header("Content-Type"), "application/json");
  }
}

// Issue 17: ?what_if=1 adds the what-if table as `zebra evaluate --what-if` does; without it the
// bytes stay those of `zebra evaluate`; any other value is a 400.
TEST_F(ServerTest, EvaluateWhatIfOnlyWhenAsked) {
  std::string text = DemoCase("pnet_small_nonfunctioning.json");
  Reply plain = Call("POST", "/v1/evaluate?what_if=0", text, viewer_);
  ASSERT_EQ(plain.status, 200) << plain.body;
  EXPECT_EQ(plain.body, Expected(text));
  Reply r = Call("POST", "/v1/evaluate?what_if=1", text, viewer_);
  ASSERT_EQ(r.status, 200) << r.body;
  Json body = r.JsonBody();
  ASSERT_TRUE(body.contains("what_if") && body["what_if"].is_array()) << r.body;
  auto c = clinical::ParseCase(text, *kb_);
  ASSERT_TRUE(c);
  Json probes;
  Json rec = clinical::Evaluate(*kb_, *c, &probes);
  EXPECT_EQ(body["what_if"], clinical::WhatIf(*kb_, *c, rec, probes));
  // The options are those of the plain evaluation (which also names the matching trials).
  EXPECT_EQ(body["options"], plain.JsonBody()["options"]);
  EXPECT_EQ(Call("POST", "/v1/evaluate?what_if=yes", text, viewer_).status, 400);
}

// ?lang=ar: the patient summary and option grid in Arabic, clinician texts unchanged.
TEST_F(ServerTest, EvaluateInArabic) {
  Reply en = Call("POST", "/v1/evaluate", DemoCase(), viewer_);
  Reply ar = Call("POST", "/v1/evaluate?lang=ar", DemoCase(), viewer_);
  ASSERT_EQ(ar.status, 200) << ar.body;
  Json e = en.JsonBody(), a = ar.JsonBody();
  EXPECT_EQ(a["patient_summary"]["lang"], "ar");
  EXPECT_EQ(e["patient_summary"]["lang"], "en");
  EXPECT_NE(a["patient_summary"]["text"], e["patient_summary"]["text"]);
  EXPECT_EQ(a["patient_summary"]["option_grid"].size(), e["options"].size());
  EXPECT_EQ(a["options"], e["options"]);
  EXPECT_EQ(a["alerts"], e["alerts"]);
  EXPECT_EQ(Call("POST", "/v1/evaluate?lang=fr", DemoCase(), viewer_).status, 400);
}

// ?trials=all (issue 23): also the studies a known fact rules out, as `zebra evaluate --trials all`.
TEST_F(ServerTest, EvaluateWithAllTrials) {
  Json plain = Call("POST", "/v1/evaluate", DemoCase(), viewer_).JsonBody();
  Reply all = Call("POST", "/v1/evaluate?trials=all", DemoCase(), viewer_);
  ASSERT_EQ(all.status, 200) << all.body;
  Json a = all.JsonBody();
  EXPECT_FALSE(plain.contains("trials_excluded"));
  ASSERT_TRUE(a.contains("trials_excluded"));
  EXPECT_EQ(a["trials_excluded"].size(), a["trials_registry"]["excluded"].get<size_t>());
  for (const auto& t : a["trials_excluded"]) EXPECT_FALSE(t["reasons"].empty()) << t.dump();
  EXPECT_EQ(a["trials"], plain["trials"]);
  Reply bad = Call("POST", "/v1/evaluate?trials=some", DemoCase(), viewer_);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.JsonBody()["errors"][0]["path"], "trials") << bad.body;
}

TEST_F(ServerTest, EvaluateFhirBundleAsTheCliDoes) {
  std::string bundle = ReadFile(kSource / "tests" / "fhir" / "colon-g2-resected.bundle.json");
  ASSERT_FALSE(bundle.empty());
  auto tables = fhir::LoadCodeTables(fhir::DefaultCodeTablesPath(kSource / "knowledge"));
  ASSERT_TRUE(tables);
  auto mapped = fhir::MapBundle(bundle, *tables);
  ASSERT_TRUE(mapped);
  Reply r = Call("POST", "/v1/evaluate", bundle, viewer_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, Expected(mapped->case_json.dump()));

  Reply bad_date = Call("POST", "/v1/evaluate?as_of=yesterday", bundle, viewer_);
  EXPECT_EQ(bad_date.status, 400);

  Reply map = Call("POST", "/v1/fhir/map", bundle, viewer_);
  ASSERT_EQ(map.status, 200);
  EXPECT_EQ(map.JsonBody()["case"], mapped->case_json);
  EXPECT_TRUE(map.JsonBody()["report"].is_object());
  Reply not_bundle = Call("POST", "/v1/fhir/map", R"({"resourceType":"Patient"})", viewer_);
  EXPECT_EQ(not_bundle.status, 400);
  EXPECT_EQ(not_bundle.Header("Content-Type"), "application/problem+json");
  // pT3 pN1 cM0 pancreas is AJCC stage III; the bundle reports II: a note, the case unchanged.
  Reply staged = Call("POST", "/v1/fhir/map", ReadFile(kSource / "tests" / "fhir" / "pancreas-stage-group-differs.bundle.json"), viewer_);
  ASSERT_EQ(staged.status, 200) << staged.body;
  Json staged_body = staged.JsonBody();
  bool differs = false;
  for (const auto& n : staged_body["report"]["notes"])
    differs = differs || n.get<std::string>().starts_with("stage group differs: II reported");
  EXPECT_TRUE(differs) << staged.body;
  EXPECT_FALSE(staged_body["case"]["tumor"].contains("stage"));
  // A tumour size with a non-numeric dimension is a 400 with its JSON path.
  Reply bad_size = Call("POST", "/v1/fhir/map",
                        R"({"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Observation","id":"s",)"
                        R"("code":{"coding":[{"system":"http://loinc.org","code":"21889-1"}]},"component":[{"code":{"coding":)"
                        R"([{"system":"http://loinc.org","code":"33728-7"}]},"valueQuantity":{"value":"2 cm","code":"cm"}}]}}]})",
                        viewer_);
  EXPECT_EQ(bad_size.status, 400);
  EXPECT_NE(bad_size.body.find("entry[0].resource.component[0].valueQuantity.value"), std::string::npos) << bad_size.body;
}

TEST_F(ServerTest, InvalidCaseIsAProblemWithJsonPaths) {
  Json c = Json::parse(DemoCase());
  c["tumor"]["ki67_percent"] = -3;
  c["unexpected"] = true;
  Reply r = Call("POST", "/v1/evaluate", c.dump(), viewer_);
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(r.Header("Content-Type"), "application/problem+json");
  Json p = r.JsonBody();
  EXPECT_EQ(p["status"], 400);
  EXPECT_TRUE(p.contains("type") && p.contains("title") && p.contains("detail"));
  std::set<std::string> paths;
  for (const auto& e : p["errors"]) paths.insert(e["path"].get<std::string>());
  EXPECT_TRUE(paths.count("$.tumor.ki67_percent")) << r.body;
  EXPECT_TRUE(paths.count("$.unexpected")) << r.body;

  // /v1/validate reports the same problems with the same messages.
  Reply v = Call("POST", "/v1/validate", c.dump(), viewer_);
  ASSERT_EQ(v.status, 200);
  EXPECT_EQ(v.JsonBody()["valid"], false);
  EXPECT_EQ(v.JsonBody()["errors"], p["errors"]);
  Reply ok = Call("POST", "/v1/validate", DemoCase(), viewer_);
  EXPECT_EQ(ok.JsonBody()["valid"], true);
  EXPECT_TRUE(ok.JsonBody()["errors"].empty());

  Reply garbage = Call("POST", "/v1/evaluate", "{not json", viewer_);
  EXPECT_EQ(garbage.status, 400);
  EXPECT_EQ(garbage.JsonBody()["errors"][0]["path"], "$");
}

TEST_F(ServerTest, StatelessRoutesNeedSignInWithoutDemo) {
  Reply r = Call("POST", "/v1/evaluate", DemoCase());
  EXPECT_EQ(r.status, 401);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(Call("GET", "/v1/knowledge").status, 401);
  EXPECT_EQ(Call("GET", "/v1/cases").status, 401);
  EXPECT_EQ(Call("GET", "/v1/cases", "", Who{"", "", "zt_not-a-real-token"}).status, 401);
  EXPECT_EQ(Call("GET", "/v1/cases", "", Who{"forged-cookie", "x", ""}).status, 401);
  EXPECT_EQ(Call("GET", "/v1/cases", "", coordinator_token_).status, 200);
}

TEST_F(ServerTest, KnowledgeListingAndModels) {
  Reply r = Call("GET", "/v1/knowledge", "", viewer_);
  ASSERT_EQ(r.status, 200);
  Json k = r.JsonBody();
  EXPECT_EQ(k["version"], kb_->version);
  EXPECT_EQ(k["date"], kb_->release_date);
  ASSERT_EQ(k["models"].size(), kb_->models.size());
  for (const auto& m : k["models"]) {
    EXPECT_GT(m["rules"].get<int>(), 0) << m["file"];
    EXPECT_FALSE(m["decisions"].empty());
  }
  bool found = false;
  for (const auto& o : k["options"]) found = found || o["id"] == "surveillance.active";
  EXPECT_TRUE(found);
  EXPECT_TRUE(k["citations"].contains("S1"));

  Reply xml = Call("GET", "/v1/knowledge/models/treatment.dmn", "", viewer_);
  ASSERT_EQ(xml.status, 200);
  EXPECT_EQ(xml.Header("Content-Type"), "application/xml");
  EXPECT_EQ(xml.body, ReadFile(kSource / "knowledge" / "treatment.dmn"));
  EXPECT_EQ(Call("GET", "/v1/knowledge/models/nope.dmn", "", viewer_).status, 404);

  Reply demo = Call("GET", "/v1/demo-cases", "", viewer_);
  ASSERT_EQ(demo.status, 200);
  Json d = demo.JsonBody();
  EXPECT_EQ(d.size(), static_cast<std::size_t>(std::distance(fs::directory_iterator(kSource / "examples" / "cases"),
                                                             fs::directory_iterator())));
  EXPECT_TRUE(d[0].contains("file") && d[0].contains("title") && d[0]["case"].is_object());
}

TEST_F(ServerTest, LoginSessionAndLogout) {
  Reply bad = Call("POST", "/v1/session", R"({"username":"vic","password":"wrong"})");
  EXPECT_EQ(bad.status, 401);
  EXPECT_TRUE(bad.body.empty());
  EXPECT_TRUE(bad.Header("Set-Cookie").empty());
  EXPECT_EQ(Call("POST", "/v1/session", R"({"username":"nobody","password":"x"})").status, 401);
  Reply malformed = Call("POST", "/v1/session", R"({"username":"vic"})");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(malformed.JsonBody()["errors"][0]["path"], "$.password");

  Reply ok = Call("POST", "/v1/session", R"({"username":"vic","password":"pw-vic"})");
  ASSERT_EQ(ok.status, 200);
  std::string cookie = ok.Header("Set-Cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_NE(cookie.find("Path=/"), std::string::npos);
  EXPECT_EQ(cookie.find("Secure"), std::string::npos);  // plain HTTP here
  EXPECT_EQ(ok.JsonBody()["user"]["role"], "viewer");

  Who who = Login("vic", "pw-vic");
  Reply me = Call("GET", "/v1/session", "", who);
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.JsonBody()["user"]["username"], "vic");
  EXPECT_EQ(me.JsonBody()["csrf_token"], who.csrf);
  EXPECT_EQ(Call("GET", "/v1/session").status, 401);
  EXPECT_EQ(Call("DELETE", "/v1/session", "", who, /*send_csrf=*/false).status, 403);
  EXPECT_EQ(Call("DELETE", "/v1/session", "", who).status, 204);
  EXPECT_EQ(Call("GET", "/v1/session", "", who).status, 401);
}

TEST_F(ServerTest, CsrfTokenRequiredForCookieWrites) {
  Reply missing = Call("POST", "/v1/cases", DemoCase(), coordinator_, /*send_csrf=*/false);
  EXPECT_EQ(missing.status, 403);
  EXPECT_EQ(missing.Header("Content-Type"), "application/problem+json");
  Who wrong = coordinator_;
  wrong.csrf = "not-the-token";
  EXPECT_EQ(Call("POST", "/v1/cases", DemoCase(), wrong).status, 403);
  // Reads need no CSRF token; API tokens need none either.
  EXPECT_EQ(Call("GET", "/v1/cases", "", coordinator_, false).status, 200);
  EXPECT_EQ(Call("POST", "/v1/cases", DemoCase(), coordinator_token_).status, 201);
}

TEST_F(ServerTest, RolesAreEnforced) {
  Reply viewer_write = Call("POST", "/v1/cases", DemoCase(), viewer_);
  EXPECT_EQ(viewer_write.status, 403);
  EXPECT_EQ(viewer_write.JsonBody()["status"], 403);
  std::string id = CreateCase(DemoCase());
  EXPECT_EQ(Call("PUT", "/v1/cases/" + id, DemoCase(), viewer_).status, 403);
  EXPECT_EQ(Call("POST", "/v1/cases/" + id + "/evaluations", "", viewer_).status, 403);
  std::string decision = R"({"option_id":"surveillance.active","attendees":[{"role":"surgeon","name":"A"}]})";
  EXPECT_EQ(Call("POST", "/v1/cases/" + id + "/decision", decision, coordinator_).status, 403);
  EXPECT_EQ(Call("POST", "/v1/cases/" + id + "/decision", decision, viewer_).status, 403);
  EXPECT_EQ(Call("POST", "/v1/cases/" + id + "/decision", decision, clinician_).status, 201);
  EXPECT_EQ(Call("GET", "/v1/cases/" + id, "", viewer_).status, 200);
}

// GET /v1/audit (issue 22): the auditor role reads the whole audit log as JSON Lines, the lines
// `zebra audit export` writes, and no patient data; no clinical role reads it; reading it is audited.
TEST_F(ServerTest, AuditLogIsForTheAuditorOnlyAsJsonLinesAndReadingItIsAudited) {
  {
    auto s = OpenTestStore();
    ASSERT_TRUE(s);
    auto hash = auth::HashPassword("pw-audrey");
    ASSERT_TRUE(hash);
    ASSERT_TRUE(s->CreateUser("audrey", *hash, store::Role::kAuditor));
  }
  const Who auditor = Login("audrey", "pw-audrey");
  const std::string id = CreateCase(DemoCase());
  ASSERT_EQ(Call("GET", "/v1/cases/" + id, "", viewer_).status, 200);

  // Clinical roles are refused, whatever their rank; without credentials it is a bare 401.
  for (const Who* who : {&viewer_, &coordinator_, &clinician_, &coordinator_token_}) {
    Reply r = Call("GET", "/v1/audit", "", *who);
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_NE(r.body.find("auditor"), std::string::npos) << r.body;
  }
  EXPECT_EQ(Call("GET", "/v1/audit").status, 401);
  // The auditor reads no case, evaluation, decision or per-case audit, and evaluates nothing.
  for (const std::string& path : {std::string("/v1/cases"), "/v1/cases/" + id, "/v1/cases/" + id + "/evaluations",
                                  "/v1/cases/" + id + "/decisions", "/v1/cases/" + id + "/audit",
                                  std::string("/v1/knowledge")})
    EXPECT_EQ(Call("GET", path, "", auditor).status, 403) << path;
  EXPECT_EQ(Call("POST", "/v1/evaluate", DemoCase(), auditor).status, 403);
  EXPECT_EQ(Call("POST", "/v1/cases", DemoCase(), auditor).status, 403);
  Reply session = Call("GET", "/v1/session", "", auditor);
  ASSERT_EQ(session.status, 200);
  EXPECT_EQ(session.JsonBody()["user"]["role"], "auditor");

  Reply all = Call("GET", "/v1/audit", "", auditor);
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(all.Header("Content-Type"), "application/jsonl");
  std::vector<Json> lines;
  {
    std::istringstream in(all.body);
    for (std::string line; std::getline(in, line);) lines.push_back(Json::parse(line, nullptr, false));
  }
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(all.body.back(), '\n');
  bool saw_case = false;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    ASSERT_TRUE(lines[i].is_object()) << i;
    if (i > 0) {
      EXPECT_EQ(lines[i]["prev_hash"], lines[i - 1]["hash"]);  // the whole chain, in order
    }
    saw_case |= lines[i]["case_id"] == id && lines[i]["action"] == "case.create";
  }
  EXPECT_TRUE(saw_case);

  // ?case= : that case's entries, the very lines the store's export (and `zebra audit export`) writes.
  Reply one = Call("GET", "/v1/audit?case=" + id, "", auditor);
  ASSERT_EQ(one.status, 200) << one.body;
  std::string expected;
  {
    auto s = OpenTestStore();
    ASSERT_TRUE(s->ExportAudit(id, std::nullopt, [&](const store::AuditEntry& e) {
      if (e.action != "audit.export") expected += store::AuditEntryJsonLine(e) + "\n";
      return true;
    }));
  }
  EXPECT_TRUE(one.body.starts_with(expected)) << one.body;
  EXPECT_GE(std::count(one.body.begin(), one.body.end(), '\n'), 3);  // case.create, evaluation.create, case.read
  EXPECT_EQ(Call("GET", "/v1/audit?since=9999-01-01", "", auditor).body, "");
  // The first case-filtered read is now one of the case's entries, and the next read shows it.
  std::string first_read;
  {
    auto s = OpenTestStore();
    ASSERT_TRUE(s->ExportAudit(id, std::nullopt, [&](const store::AuditEntry& e) {
      if (e.action == "audit.export") first_read = store::AuditEntryJsonLine(e) + "\n";
      return true;
    }));
  }
  ASSERT_NE(first_read, "");
  EXPECT_EQ(Call("GET", "/v1/audit?case=" + id + "&since=2000-01-01T00:00:00Z", "", auditor).body,
            one.body + first_read);

  // Bad parameters are a 400 naming the parameter; nothing is guessed.
  for (const auto& [query, parameter] : {std::pair{"since=yesterday", "since"}, std::pair{"since=", "since"},
                                         std::pair{"case=c_nope", "case"}}) {
    Reply bad = Call("GET", std::string("/v1/audit?") + query, "", auditor);
    EXPECT_EQ(bad.status, 400) << query;
    EXPECT_EQ(bad.JsonBody()["errors"][0]["path"], parameter) << bad.body;
  }

  // Each read is itself in the audit log: who, which case, how many entries.
  auto s = OpenTestStore();
  auto entries = s->ListAudit(id, 0);
  ASSERT_TRUE(entries);
  int exports = 0;
  for (const auto& e : *entries)
    if (e.action == "audit.export") {
      ++exports;
      EXPECT_EQ(e.actor, "audrey");
    }
  EXPECT_EQ(exports, 2);
  auto recent = s->ListAudit(std::nullopt, 1);
  ASSERT_TRUE(recent && !recent->empty());
  EXPECT_EQ(recent->back().action, "audit.export");  // the last (refused) queries wrote nothing

  // A SIEM pulls with a read-scope API token of the auditor.
  Reply token = Call("POST", "/v1/tokens", R"({"name":"siem","scope":"read"})", auditor);
  ASSERT_EQ(token.status, 201) << token.body;
  Who siem;
  siem.token = token.JsonBody()["token"];
  EXPECT_EQ(Call("GET", "/v1/audit?since=2000-01-01", "", siem).status, 200);
  EXPECT_EQ(Call("GET", "/v1/cases", "", siem).status, 403);
}

TEST_F(ServerTest, CaseRevisionsEvaluationsReplayDecisionsAudit) {
  std::string first = DemoCase();
  Reply created = Call("POST", "/v1/cases", first, coordinator_);
  ASSERT_EQ(created.status, 201) << created.body;
  Json c = created.JsonBody();
  std::string id = c["id"];
  EXPECT_EQ(created.Header("Location"), "/v1/cases/" + id);
  EXPECT_EQ(c["revision"], 1);
  EXPECT_EQ(c["created_by"], "cora");
  EXPECT_EQ(c["case"], Json::parse(first));
  EXPECT_EQ(c["evaluation"]["case_revision"], 1);
  EXPECT_EQ(c["evaluation"]["recommendation"], Json::parse(Expected(first)));

  Json changed = Json::parse(first);
  changed["tumor"]["size_cm"] = 2.5;
  Reply updated = Call("PUT", "/v1/cases/" + id, changed.dump(), coordinator_);
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(updated.JsonBody()["revision"], 2);
  EXPECT_EQ(Call("PUT", "/v1/cases/c_nope", changed.dump(), coordinator_).status, 404);
  Json bad = changed;
  bad["tumor"]["size_cm"] = "big";
  Reply bad_put = Call("PUT", "/v1/cases/" + id, bad.dump(), coordinator_);
  EXPECT_EQ(bad_put.status, 400);
  EXPECT_EQ(bad_put.JsonBody()["errors"][0]["path"], "$.tumor.size_cm");

  // Revisions are kept, never overwritten.
  EXPECT_EQ(Call("GET", "/v1/cases/" + id, "", viewer_).JsonBody()["case"], changed);
  Reply rev1 = Call("GET", "/v1/cases/" + id + "?revision=1", "", viewer_);
  ASSERT_EQ(rev1.status, 200);
  EXPECT_EQ(rev1.JsonBody()["case"], Json::parse(first));
  EXPECT_EQ(Call("GET", "/v1/cases/" + id + "?revision=9", "", viewer_).status, 404);
  EXPECT_EQ(Call("GET", "/v1/cases/" + id + "?revision=x", "", viewer_).status, 400);
  Reply missing = Call("GET", "/v1/cases/c_does_not_exist", "", viewer_);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.Header("Content-Type"), "application/problem+json");
  Json revisions = Call("GET", "/v1/cases/" + id + "/revisions", "", viewer_).JsonBody()["revisions"];
  ASSERT_EQ(revisions.size(), 2u);

  // Evaluations: one per write plus an explicit one; replay is byte-identical.
  Reply again = Call("POST", "/v1/cases/" + id + "/evaluations", "", coordinator_);
  ASSERT_EQ(again.status, 201);
  EXPECT_EQ(again.JsonBody()["case_revision"], 2);
  Json evaluations = Call("GET", "/v1/cases/" + id + "/evaluations", "", viewer_).JsonBody()["evaluations"];
  ASSERT_EQ(evaluations.size(), 3u);
  for (const auto& e : evaluations) {
    EXPECT_EQ(e["knowledge_version"], kb_->version);
    EXPECT_EQ(e["engine_version"], ZEBRA_VERSION);
  }
  std::int64_t first_eval = c["evaluation"]["id"];
  Reply replay = Call("POST", "/v1/cases/" + id + "/evaluations/" + std::to_string(first_eval) + "/replay", "",
                      coordinator_);
  ASSERT_EQ(replay.status, 200) << replay.body;
  EXPECT_EQ(replay.JsonBody()["identical"], true);
  EXPECT_EQ(replay.JsonBody()["recommendation"], Json::parse(Expected(first)));
  EXPECT_EQ(Call("POST", "/v1/cases/c_other/evaluations/" + std::to_string(first_eval) + "/replay", "", coordinator_)
                .status,
            404);

  // Decisions.
  Reply bad_decision = Call("POST", "/v1/cases/" + id + "/decision",
                            R"({"option_id":"not.an_option","attendees":[{"role":"oncologist"}]})", clinician_);
  ASSERT_EQ(bad_decision.status, 400);
  std::set<std::string> paths;
  Json bad_errors = bad_decision.JsonBody()["errors"];
  for (const auto& e : bad_errors) paths.insert(e["path"].get<std::string>());
  EXPECT_TRUE(paths.count("$.option_id"));
  EXPECT_TRUE(paths.count("$.attendees[0].name"));
  // At 2.5 cm surveillance is no longer among the recommended options: the reason is required.
  Json decision{{"option_id", "surveillance.active"},
                {"attendees", {{{"role", "oncologist"}, {"name", "Dr A"}}, {{"role", "surgeon"}, {"name", "Dr B"}}}},
                {"notes", "watch and wait agreed"},
                {"reason", "patient declines surgery"}};
  Reply decided = Call("POST", "/v1/cases/" + id + "/decision", decision.dump(), clinician_);
  ASSERT_EQ(decided.status, 201) << decided.body;
  EXPECT_EQ(decided.JsonBody()["case_revision"], 2);
  auto same_decision = [&](const Json& stored) {
    for (const char* key : {"option_id", "attendees", "notes", "reason"})
      EXPECT_EQ(stored[key], decision[key]) << key;
    EXPECT_EQ(stored["outcome"], "option");
    EXPECT_EQ(stored["recommended"], false);
  };
  same_decision(decided.JsonBody()["decision"]);
  Json decisions = Call("GET", "/v1/cases/" + id + "/decisions", "", viewer_).JsonBody()["decisions"];
  ASSERT_EQ(decisions.size(), 1u);
  same_decision(decisions[0]["decision"]);
  EXPECT_EQ(decisions[0]["created_by"], "clive");

  // Listing and audit.
  Json cases = Call("GET", "/v1/cases", "", viewer_).JsonBody()["cases"];
  bool listed = false;
  for (const auto& s : cases) {
    if (s["id"] != id) continue;
    listed = true;
    EXPECT_EQ(s["revision"], 2);
    EXPECT_EQ(s["label"], "demo-pnet-small");
    EXPECT_TRUE(s["last_evaluation"].is_object());
  }
  EXPECT_TRUE(listed);
  Reply audit = Call("GET", "/v1/cases/" + id + "/audit", "", viewer_);
  ASSERT_EQ(audit.status, 200);
  std::set<std::string> actions;
  Json entries = audit.JsonBody()["entries"];
  for (const auto& e : entries) actions.insert(e["action"].get<std::string>());
  EXPECT_TRUE(actions.count("case.read"));
  EXPECT_TRUE(actions.count("evaluation.replay"));
  // The audit read above is itself audited, with a correctly pluralised count ("4 entries").
  Reply audit_again = Call("GET", "/v1/cases/" + id + "/audit", "", viewer_);
  ASSERT_EQ(audit_again.status, 200);
  std::string detail;
  const Json listed_again = audit_again.JsonBody();
  for (const auto& e : listed_again["entries"])
    if (e["action"] == "audit.read") detail = e["detail"].get<std::string>();
  EXPECT_NE(detail.find(" entries"), std::string::npos) << detail;
  EXPECT_EQ(detail.find("entrys"), std::string::npos) << detail;
}

TEST_F(ServerTest, MetricsCountRequestsAndEvaluations) {
  std::string before = Call("GET", "/metrics").body;
  double evaluations = MetricValue(before, "zebra_evaluations_total");
  double errors = MetricValue(before, "zebra_evaluation_errors_total");
  ASSERT_GE(evaluations, 0);
  ASSERT_EQ(Call("POST", "/v1/evaluate", DemoCase(), viewer_).status, 200);
  ASSERT_EQ(Call("POST", "/v1/evaluate", "[]", viewer_).status, 400);
  ASSERT_EQ(Call("GET", "/v1/health").status, 200);
  Reply after = Call("GET", "/metrics");
  EXPECT_EQ(after.Header("Content-Type").rfind("text/plain", 0), 0u);
  EXPECT_EQ(MetricValue(after.body, "zebra_evaluations_total"), evaluations + 1);
  EXPECT_EQ(MetricValue(after.body, "zebra_evaluation_errors_total"), errors + 1);
  EXPECT_GE(MetricValue(after.body, R"(zebra_http_requests_total{method="GET",route="/v1/health",status="200"})"), 1);
  EXPECT_GE(MetricValue(after.body, R"(zebra_http_requests_total{method="POST",route="/v1/evaluate",status="400"})"),
            1);
  EXPECT_GE(MetricValue(after.body, R"(zebra_http_request_duration_seconds_count{route="/v1/evaluate"})"), 2);
  EXPECT_NE(after.body.find("# TYPE zebra_http_request_duration_seconds histogram"), std::string::npos);
}

TEST_F(ServerTest, BodyTooLargeIs413) {
  std::string big(3 * 1024 * 1024, ' ');
  Reply r = Call("POST", "/v1/evaluate", big, viewer_);
  EXPECT_EQ(r.status, 413);
  // The server stays healthy afterwards.
  EXPECT_EQ(Call("GET", "/v1/health").status, 200);
}

TEST_F(ServerTest, BodyTooLargeIsCountedUnderItsOwnRoute) {
  std::string series = R"(zebra_http_requests_total{method="POST",route="body_too_large",status="413"})";
  // A 413 is counted when its connection is done with, which can be after the client has its
  // answer: let the previous test's 413 be counted first.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  double before = std::max(0.0, MetricValue(Call("GET", "/metrics").body, series));
  ASSERT_EQ(Call("POST", "/v1/evaluate", std::string(3 * 1024 * 1024, ' '), viewer_).status, 413);
  EXPECT_EQ(AwaitMetric(series, before + 1), before + 1);
  EXPECT_EQ(MetricValue(Call("GET", "/metrics").body,
                        R"(zebra_http_requests_total{method="POST",route="unmatched",status="413"})"),
            -1);
}

// Chunked and compressed bodies escape cpp-httplib's body limit, so they are refused from the
// headers alone. The requests below send headers only: an answer within the timeout shows that
// the server did not wait for a body.
TEST_F(ServerTest, UnsafeRequestFramingIsRefusedBeforeTheBodyIsRead) {
  const std::string head = "POST /v1/evaluate HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n";
  struct Case {
    std::string headers;
    int status;
    std::string type;
  };
  for (const Case& c : std::vector<Case>{
           {"Transfer-Encoding: chunked\r\n", 411, "length-required"},
           {"Transfer-Encoding: gzip, chunked\r\n", 411, "length-required"},
           {"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", 400, "ambiguous-framing"},
           {"Content-Length: 5\r\nContent-Length: 6\r\n", 400, "ambiguous-framing"},
           {"Content-Encoding: gzip\r\nContent-Length: 40000\r\n", 415, "unsupported-content-encoding"},
           {"Content-Encoding: identity\r\nContent-Length: 40000\r\n", 415, "unsupported-content-encoding"},
       }) {
    auto start = std::chrono::steady_clock::now();
    std::string response = RawRequest(server_->Port(), head + c.headers + "\r\n", 4000);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(RawStatus(response), c.status) << c.headers << response;
    EXPECT_NE(response.find("Content-Type: application/problem+json"), std::string::npos) << c.headers;
    EXPECT_NE(response.find("\"type\":\"urn:zebra:problem:" + c.type + "\""), std::string::npos) << response;
    EXPECT_NE(response.find("Connection: close"), std::string::npos) << response;
    EXPECT_NE(response.find("X-Content-Type-Options: nosniff"), std::string::npos);
    EXPECT_LT(seconds, 3.0) << c.headers;
  }
  // A gzip body is refused, never inflated: the same answer with the compressed bytes sent.
  std::string bomb = "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03" + std::string(64, '\0');
  EXPECT_EQ(RawStatus(RawRequest(server_->Port(), head + "Content-Encoding: gzip\r\nContent-Length: " +
                                                      std::to_string(bomb.size()) + "\r\nConnection: close\r\n\r\n" +
                                                      bomb)),
            415);
  // Plain Content-Length bodies still work, on the same kind of raw connection.
  std::string text = DemoCase();
  std::string ok = RawRequest(server_->Port(), head + "Authorization: Bearer " + coordinator_token_.token +
                                                   "\r\nContent-Length: " + std::to_string(text.size()) +
                                                   "\r\nConnection: close\r\n\r\n" + text);
  EXPECT_EQ(RawStatus(ok), 200) << ok.substr(0, 300);
  EXPECT_EQ(Call("GET", "/v1/health").status, 200);
}

TEST_F(ServerTest, TooManyHeaderLinesAre431) {
  auto request = [](int extra) {
    std::string r = "GET /v1/health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n";
    for (int i = 0; i < extra; ++i) r += "X-H" + std::to_string(i) + ": v\r\n";
    return r + "\r\n";
  };
  // Host and Connection plus 98 more: exactly the limit of 100.
  EXPECT_EQ(RawStatus(RawRequest(server_->Port(), request(98))), 200);
  std::string refused = RawRequest(server_->Port(), request(99));
  EXPECT_EQ(RawStatus(refused), 431) << refused.substr(0, 300);
  EXPECT_NE(refused.find("urn:zebra:problem:header-fields-too-large"), std::string::npos);
  EXPECT_EQ(RawStatus(RawRequest(server_->Port(), request(2000))), 431);
  EXPECT_GE(AwaitMetric(R"(zebra_http_requests_total{method="GET",route="refused",status="431"})", 2), 2);
}

// Five failed sign-ins lock the username, and five from one address lock the address; locked
// attempts get 429 with Retry-After even with the right password. X-Real-IP names the client
// (the test connects over loopback, as nginx does).
TEST_F(ServerTest, SignInIsThrottledPerUsernameAndAddress) {
  auto login = [](const std::string& user, const std::string& password, const std::string& address) {
    Json body{{"username", user}, {"password", password}};
    return Call("POST", "/v1/session", body.dump(), {}, true, {{"X-Real-IP", address}});
  };
  // Per address: four failures, a success (resets only the username), then a fifth failure.
  for (int i = 0; i < 4; ++i) EXPECT_EQ(login("thea", "wrong", "198.51.100.1").status, 401);
  EXPECT_EQ(login("thea", "pw-thea", "198.51.100.1").status, 200);
  EXPECT_EQ(login("theo", "wrong", "198.51.100.1").status, 401);
  Reply locked = login("thea", "pw-thea", "198.51.100.1");
  EXPECT_EQ(locked.status, 429);
  EXPECT_EQ(locked.Header("Content-Type"), "application/problem+json");
  EXPECT_TRUE(locked.Header("Set-Cookie").empty());
  int retry = std::atoi(locked.Header("Retry-After").c_str());
  EXPECT_GT(retry, 800);
  EXPECT_LE(retry, 900);
  // The same users from another address are fine: thea's failures were reset by her success.
  EXPECT_EQ(login("thea", "pw-thea", "198.51.100.2").status, 200);

  // Per username: five failures from five addresses lock theo everywhere (one was above).
  for (int i = 0; i < 4; ++i) EXPECT_EQ(login("theo", "wrong", "203.0.113." + std::to_string(i)).status, 401);
  EXPECT_EQ(login("theo", "pw-theo", "203.0.113.99").status, 429);
  EXPECT_EQ(login("theo", "wrong", "203.0.113.98").status, 429);
  // Unknown usernames are throttled the same way (no hint which names exist).
  for (int i = 0; i < 5; ++i) EXPECT_EQ(login("nobody-here", "x", "192.0.2." + std::to_string(i)).status, 401);
  EXPECT_EQ(login("nobody-here", "x", "192.0.2.50").status, 429);
  // Other users and addresses are unaffected.
  EXPECT_EQ(login("vic", "pw-vic", "192.0.2.51").status, 200);

  auto store = store::OpenStore("sqlite:" + (dir_ / "test.db").string());
  ASSERT_TRUE(store) << store.error();
  auto audit = (*store)->ListAudit(std::nullopt, 0);
  ASSERT_TRUE(audit);
  std::vector<std::string> throttled;
  for (const auto& e : *audit)
    if (e.action == "session.login_throttled") throttled.push_back(e.actor + ": " + e.detail);
  ASSERT_EQ(throttled.size(), 3u) << ::testing::PrintToString(throttled);
  EXPECT_NE(throttled[0].find("client address 198.51.100.1 locked"), std::string::npos) << throttled[0];
  EXPECT_EQ(throttled[1].rfind("theo: ", 0), 0u) << throttled[1];
  EXPECT_NE(throttled[1].find("username locked"), std::string::npos) << throttled[1];
  EXPECT_EQ(throttled[2].rfind("unknown-user: ", 0), 0u) << throttled[2];
  EXPECT_EQ(log_->All().find("nobody-here"), std::string::npos);
}

TEST_F(ServerTest, StaticFilesWithIndexFallback) {
  Reply root = Call("GET", "/");
  ASSERT_EQ(root.status, 200);
  EXPECT_NE(root.body.find("ZEBRA-INDEX"), std::string::npos);
  EXPECT_NE(Call("GET", "/cases/123").body.find("ZEBRA-INDEX"), std::string::npos);
  Reply js = Call("GET", "/assets/app.js");
  EXPECT_EQ(js.body, "console.log('zebra');");
  EXPECT_EQ(js.Header("Content-Type").rfind("text/javascript", 0), 0u);
  EXPECT_EQ(Call("GET", "/../secret.txt").body.find("OUTSIDE-WEB-ROOT"), std::string::npos);
  EXPECT_EQ(Call("GET", "/%2e%2e/secret.txt").body.find("OUTSIDE-WEB-ROOT"), std::string::npos);
  Reply api404 = Call("GET", "/v1/unknown");
  EXPECT_EQ(api404.status, 404);
  EXPECT_EQ(api404.Header("Content-Type"), "application/problem+json");
}

TEST_F(ServerTest, CdsServicesAllowCors) {
  Reply pre = Call("OPTIONS", "/cds-services/net-tumor-board");
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.Header("Access-Control-Allow-Origin"), "*");
  EXPECT_NE(pre.Header("Access-Control-Allow-Headers").find("Authorization"), std::string::npos);
  Reply discovery = Call("GET", "/cds-services");
  ASSERT_EQ(discovery.status, 200);
  EXPECT_EQ(discovery.Header("Access-Control-Allow-Origin"), "*");
  EXPECT_TRUE(discovery.JsonBody().contains("services"));
  // No --jwt-config and not --insecure-dev: service calls are refused.
  EXPECT_EQ(Call("POST", "/cds-services/net-tumor-board", "{}").status, 401);
}

// Every route in openapi.json answers with a documented status, and every route the server
// registers is documented.
TEST_F(ServerTest, OpenApiDescribesEveryRoute) {
  Reply r = Call("GET", "/v1/openapi.json");
  ASSERT_EQ(r.status, 200);
  Json doc = r.JsonBody();
  ASSERT_EQ(doc["openapi"].get<std::string>().substr(0, 2), "3.");
  std::string id = CreateCase(DemoCase());
  Json cases = Call("GET", "/v1/cases/" + id + "/evaluations", "", viewer_).JsonBody();
  std::string eid = std::to_string(cases["evaluations"][0]["id"].get<std::int64_t>());
  Json meeting = MeetingJson({id});
  Reply created_meeting = Call("POST", "/v1/meetings", meeting.dump(), coordinator_);
  ASSERT_EQ(created_meeting.status, 201);
  const std::string meeting_id = created_meeting.JsonBody()["id"];

  std::set<std::pair<std::string, std::string>> documented;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method_lower, operation] : item.items()) {
      if (method_lower == "parameters") continue;
      std::string method = method_lower;
      for (auto& ch : method) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      documented.insert({method, path});
      std::string concrete = ReplaceAll(ReplaceAll(path, "{eid}", eid), "{name}", "treatment.dmn");
      if (concrete.starts_with("/cds-services/{id}")) concrete.replace(14, 4, "net-tumor-board");
      if (concrete.starts_with("/v1/meetings/{id}")) concrete.replace(13, 4, meeting_id);
      concrete = ReplaceAll(concrete, "{id}", id);
      std::string body;
      if (path == "/v1/session" && method == "POST") body = R"({"username":"clive","password":"pw-clive"})";
      else if (path == "/v1/tokens") body = R"({"name":"openapi"})";
      else if (path == "/v1/cases/{id}/decision")
        body = R"({"option_id":"surveillance.active","attendees":[{"role":"chair","name":"C"}]})";
      else if (path == "/v1/meetings" && method == "POST") body = meeting.dump();
      else if (path == "/v1/meetings/{id}") body = [&] { Json edit = meeting; edit["revision"] = 1; return edit.dump(); }();
      else if (path == "/v1/fhir/map") body = ReadFile(kSource / "tests" / "fhir" / "colon-g2-resected.bundle.json");
      else body = DemoCase();
      // Signing out would end the shared session; use a throw-away one.
      Who who = method == "DELETE" ? Login("clive", "pw-clive") : clinician_;
      Reply reply = Call(method, concrete, body, who);
      ASSERT_NE(reply.status, 0) << method << " " << concrete;
      EXPECT_TRUE(operation["responses"].contains(std::to_string(reply.status)))
          << method << " " << path << " answered " << reply.status << " (undocumented): " << reply.body;
    }
  }
  for (const auto& route : server_->Routes())
    EXPECT_TRUE(documented.count({route.method, route.path})) << route.method << " " << route.path << " undocumented";
  EXPECT_EQ(documented.size(), server_->Routes().size());
}

// Every field of the case schema and of the OpenAPI's request and response schemas has a
// description and an example (issue 22), and the served Case is the case schema itself, embedded
// when the server loads (so the two cannot drift apart). Examples must fit their field's type and
// enumeration.
void ExpectDocumented(const nlohmann::json& schema, const std::string& where, int& fields) {
  if (schema.is_array()) {
    for (const auto& s : schema) ExpectDocumented(s, where, fields);
    return;
  }
  if (!schema.is_object()) return;
  if (auto props = schema.find("properties"); props != schema.end() && props->is_object()) {
    for (const auto& [name, field] : props->items()) {
      const std::string path = where + "." + name;
      ++fields;
      EXPECT_TRUE(field.contains("description") && field["description"].is_string() &&
                  !field["description"].get<std::string>().empty())
          << path << " has no description";
      std::vector<nlohmann::json> examples;
      if (field.contains("example")) examples.push_back(field["example"]);
      if (field.contains("examples") && field["examples"].is_array())
        for (const auto& e : field["examples"]) examples.push_back(e);
      // A reference is documented where it points (its fields have examples).
      if (!field.contains("$ref")) {
        EXPECT_FALSE(examples.empty()) << path << " has no example";
      }
      for (const auto& e : examples) {
        if (field.contains("enum") && !e.is_null()) {
          const auto& en = field["enum"];
          EXPECT_NE(std::find(en.begin(), en.end(), e), en.end()) << path << ": example " << e << " not in the enum";
        }
        if (field.contains("items") && field["items"].contains("enum") && e.is_array())
          for (const auto& item : e) {
            const auto& en = field["items"]["enum"];
            EXPECT_NE(std::find(en.begin(), en.end(), item), en.end()) << path << ": example item " << item;
          }
        const auto type = field.value("type", nlohmann::json());
        auto is = [&](const char* t) { return type == t || (type.is_array() && std::find(type.begin(), type.end(), t) != type.end()); };
        bool fits = true;
        if (e.is_null()) fits = is("null");
        else if (is("string") && !is("null")) fits = e.is_string();
        else if (is("integer")) fits = e.is_number_integer();
        else if (is("number")) fits = e.is_number();
        else if (is("boolean")) fits = e.is_boolean();
        else if (is("array")) fits = e.is_array();
        else if (is("object")) fits = e.is_object();
        EXPECT_TRUE(fits) << path << ": example " << e << " does not fit type " << type;
      }
      ExpectDocumented(field, path, fields);
    }
  }
  for (const auto& [key, value] : schema.items())
    if (key != "properties" && key != "examples" && key != "example" && key != "enum")
      ExpectDocumented(value, where + (key == "items" ? "[]" : ""), fields);
}

TEST_F(ServerTest, CaseSchemaAndOpenApiDescribeEveryFieldWithAnExample) {
  const nlohmann::json file = nlohmann::json::parse(ReadFile(kSource / "schema" / "case.schema.json"));
  int case_fields = 0;
  ExpectDocumented(file, "case", case_fields);
  EXPECT_GE(case_fields, 70);

  const nlohmann::json served = nlohmann::json::parse(Call("GET", "/v1/openapi.json").body);
  ASSERT_TRUE(served.is_object());
  EXPECT_TRUE(served["openapi"].get<std::string>().starts_with("3.1"));  // JSON Schema 2020-12 inside
  nlohmann::json expected_case = file;
  expected_case.erase("$schema");
  expected_case.erase("$id");
  EXPECT_EQ(served["components"]["schemas"]["Case"], expected_case);
  int api_fields = 0;
  for (const auto& [name, schema] : served["components"]["schemas"].items()) ExpectDocumented(schema, name, api_fields);
  EXPECT_GE(api_fields, case_fields + 100);
  // The walk fails on a field without a description or example.
  int n = 0;
  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
    ExpectDocumented(nlohmann::json::parse(R"({"properties":{"a":{"type":"string","description":"d"},"b":{"type":"integer","examples":[1]}}})"), "t", n);
  }
  EXPECT_EQ(failures.size(), 2);  // a: no example; b: no description
}

// Case content must never reach the log: send distinctive strings in every free-text field and
// through every path that handles them (valid, invalid, decision notes), then scan the log.
TEST_F(ServerTest, NoPatientDataInLogs) {
  Json c = Json::parse(DemoCase());
  c["id"] = "QXJ-LABEL-7731";
  c["patient"]["preferences"]["notes"] = "Mrs QXJ-SURNAME-Zyxwv prefers mornings";
  Reply created = Call("POST", "/v1/cases", c.dump(), coordinator_);
  ASSERT_EQ(created.status, 201);
  std::string id = created.JsonBody()["id"];
  Call("GET", "/v1/cases/" + id, "", viewer_);
  Call("POST", "/v1/evaluate", c.dump(), viewer_);
  Json bad = c;
  bad["tumor"]["primary_site"] = "QXJ-INVALID-SITE";
  bad["QXJ-UNKNOWN-FIELD"] = 1;
  EXPECT_EQ(Call("POST", "/v1/evaluate", bad.dump(), viewer_).status, 400);
  Call("POST", "/v1/evaluate", "{\"QXJ-BROKEN-JSON", viewer_);
  Call("POST", "/v1/cases/" + id + "/decision",
       R"({"option_id":"surveillance.active","attendees":[{"role":"chair","name":"QXJ-ATTENDEE"}],"notes":"QXJ-NOTES"})",
       clinician_);
  Call("POST", "/v1/session", R"({"username":"QXJ-LOGIN-NAME","password":"QXJ-PASSWORD"})");
  Call("POST", "/v1/session", R"({"username":"vic","password":"QXJ-PASSWORD"})");
  std::string log = log_->All();
  EXPECT_NE(log.find("route=/v1/cases/{id}"), std::string::npos) << "the access log is written";
  EXPECT_NE(log.find("route=/v1/evaluate status=400"), std::string::npos);
  EXPECT_EQ(log.find("QXJ"), std::string::npos) << log;
  EXPECT_EQ(log.find("pw-"), std::string::npos);
}

// A second server in demo mode: demo cases and users, stateless routes open, placeholder page.
// ---- issue 13 ------------------------------------------------------------------------------------

TEST_F(ServerTest, ReadsThatCannotBeAuditedAre503AndHealthSaysTheStoreIsUnwritable) {
  std::string id = CreateCase(DemoCase());
  ASSERT_EQ(Call("GET", "/v1/cases/" + id, "", viewer_).status, 200);
  // The audit table stops taking rows (a full disk, a lock, a broken trigger: the same to Zebra).
  ASSERT_EQ(RawSql("CREATE TRIGGER test_block_audit BEFORE INSERT ON audit_log "
                   "BEGIN SELECT RAISE(ABORT, 'blocked for the test'); END"),
            "");
  for (const std::string& path : std::vector<std::string>{"/v1/cases/" + id, "/v1/cases", "/v1/cases/" + id + "/revisions",
                                 "/v1/cases/" + id + "/evaluations", "/v1/cases/" + id + "/decisions",
                                 "/v1/cases/" + id + "/audit"}) {
    Reply r = Call("GET", path, "", viewer_);
    EXPECT_EQ(r.status, 503) << path;
    EXPECT_EQ(r.Header("Content-Type"), "application/problem+json") << path;
    EXPECT_EQ(r.JsonBody().value("type", ""), "urn:zebra:problem:audit-unavailable") << path;
    EXPECT_EQ(r.body.find("pnet"), std::string::npos) << "no case content in a refused read";
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // past the probe's cache
  Reply health = Call("GET", "/v1/health");
  EXPECT_EQ(health.status, 503);
  EXPECT_EQ(health.JsonBody()["status"], "unavailable");
  EXPECT_EQ(health.JsonBody()["store_writable"], false);
  EXPECT_EQ(health.JsonBody()["store_readable"], true);
  EXPECT_GE(AwaitMetric("zebra_audit_failures_total", 6), 6);
  ASSERT_EQ(RawSql("DROP TRIGGER test_block_audit"), "");
  int status = 0;
  for (int i = 0; i < 30 && (status = Call("GET", "/v1/health").status) != 200; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(status, 200);
  EXPECT_EQ(Call("GET", "/v1/cases/" + id, "", viewer_).status, 200);
}

TEST_F(ServerTest, TokensHaveScopeExpiryAndOnlySessionsMintThem) {
  // A token cannot mint another token.
  Reply minted = Call("POST", "/v1/tokens", R"({"name":"child","scope":"write"})", coordinator_token_);
  EXPECT_EQ(minted.status, 403);
  EXPECT_EQ(minted.JsonBody().value("type", ""), "urn:zebra:problem:session-required");
  // Defaults: read scope, 90 days.
  Reply r = Call("POST", "/v1/tokens", R"({"name":"reader"})", coordinator_);
  ASSERT_EQ(r.status, 201) << r.body;
  Json tok = r.JsonBody();
  EXPECT_EQ(tok["scope"], "read");
  EXPECT_EQ(tok["name"], "reader");
  EXPECT_TRUE(IsPrefixedHex(tok.value("id", ""), "tk_", 16)) << tok.dump();
  std::time_t in90 = std::time(nullptr) + 90 * 86400;
  std::tm tm{};
  gmtime_r(&in90, &tm);
  char day[16];
  std::strftime(day, sizeof day, "%Y-%m-%d", &tm);
  EXPECT_EQ(tok.value("expires_at", "").substr(0, 10), day) << tok.dump();
  Who reader{"", "", tok["token"]};
  EXPECT_EQ(Call("GET", "/v1/cases", "", reader).status, 200);
  Reply write = Call("POST", "/v1/cases", DemoCase(), reader);
  EXPECT_EQ(write.status, 403);
  EXPECT_EQ(write.JsonBody().value("type", ""), "urn:zebra:problem:token-scope");
  // Bad requests.
  for (const char* body : {R"({"name":"x","expires_in_days":0})", R"({"name":"x","expires_in_days":366})",
                           R"({"name":"x","expires_in_days":"30"})", R"({"name":"x","scope":"admin"})",
                           R"({"name":"x","owner":"clive"})", R"({"scope":"read"})"})
    EXPECT_EQ(Call("POST", "/v1/tokens", body, coordinator_).status, 400) << body;
  // A viewer's tokens can only read.
  EXPECT_EQ(Call("POST", "/v1/tokens", R"({"name":"x","scope":"write"})", viewer_).status, 403);
  EXPECT_EQ(Call("POST", "/v1/tokens", R"({"name":"viewer-read"})", viewer_).status, 201);
  Reply week = Call("POST", "/v1/tokens", R"({"name":"week","scope":"write","expires_in_days":7})", coordinator_);
  ASSERT_EQ(week.status, 201);
  EXPECT_EQ(week.JsonBody()["scope"], "write");
  // An expired token is refused.
  Who weekly{"", "", week.JsonBody()["token"]};
  EXPECT_EQ(Call("POST", "/v1/cases", DemoCase(), weekly).status, 201);
  ASSERT_EQ(RawSql("UPDATE api_tokens SET expires_unix = 1 WHERE name = 'week'"), "");
  EXPECT_EQ(Call("GET", "/v1/cases", "", weekly).status, 401);
}

TEST_F(ServerTest, TokensAreListedWithoutSecretsAndRevocable) {
  Who toby = Login("toby", "pw-toby");
  Reply a = Call("POST", "/v1/tokens", R"({"name":"list-a","scope":"write"})", toby);
  Reply b = Call("POST", "/v1/tokens", R"({"name":"list-b"})", toby);
  ASSERT_EQ(a.status, 201);
  ASSERT_EQ(b.status, 201);
  Who token_a{"", "", a.JsonBody()["token"]};
  EXPECT_EQ(Call("GET", "/v1/cases", "", token_a).status, 200);  // sets last_used_at
  Reply list = Call("GET", "/v1/tokens", "", toby);
  ASSERT_EQ(list.status, 200);
  Json tokens = list.JsonBody()["tokens"];
  ASSERT_EQ(tokens.size(), 2u) << list.body;
  for (const auto& t : tokens) {
    EXPECT_FALSE(t.contains("token"));
    for (const char* key : {"id", "name", "scope", "created_at", "expires_at", "last_used_at"})
      EXPECT_TRUE(t.contains(key)) << key;
  }
  EXPECT_EQ(list.body.find(a.JsonBody()["token"].get<std::string>()), std::string::npos);
  EXPECT_EQ(list.body.find(auth::Sha256Hex(a.JsonBody()["token"].get<std::string>())), std::string::npos);
  Json listed_a = tokens[0]["name"] == "list-a" ? tokens[0] : tokens[1];
  EXPECT_TRUE(listed_a["last_used_at"].is_string()) << listed_a.dump();
  // Only the caller's own tokens: another user sees none of these and cannot revoke them.
  Reply other = Call("GET", "/v1/tokens", "", clinician_);
  ASSERT_EQ(other.status, 200);
  EXPECT_EQ(other.body.find("list-a"), std::string::npos);
  const std::string id = a.JsonBody()["id"];
  EXPECT_EQ(Call("DELETE", "/v1/tokens/" + id, "", clinician_).status, 404);
  EXPECT_EQ(Call("GET", "/v1/cases", "", token_a).status, 200);
  EXPECT_EQ(Call("DELETE", "/v1/tokens/" + id, "", toby, /*send_csrf=*/false).status, 403);
  EXPECT_EQ(Call("DELETE", "/v1/tokens/" + id, "", toby).status, 204);
  EXPECT_EQ(Call("GET", "/v1/cases", "", token_a).status, 401);
  EXPECT_EQ(Call("DELETE", "/v1/tokens/" + id, "", toby).status, 404);
  // A read token cannot revoke (an unsafe method); a write token may revoke itself.
  Who token_b{"", "", b.JsonBody()["token"]};
  EXPECT_EQ(Call("DELETE", "/v1/tokens/" + b.JsonBody()["id"].get<std::string>(), "", token_b).status, 403);
  EXPECT_EQ(Call("GET", "/v1/tokens", "", toby).JsonBody()["tokens"].size(), 1u);
  // Both token events are in the audit log, without the secret.
  auto store = OpenTestStore();
  ASSERT_TRUE(store);
  auto audit = store->ListAudit(std::nullopt, 0);
  ASSERT_TRUE(audit);
  int created = 0, revoked = 0;
  for (const auto& e : *audit) {
    if (e.actor != "toby") continue;
    created += e.action == "token.create";
    revoked += e.action == "token.revoke";
    EXPECT_EQ(e.detail.find(a.JsonBody()["token"].get<std::string>()), std::string::npos);
  }
  EXPECT_EQ(created, 2);
  EXPECT_EQ(revoked, 1);
}

TEST_F(ServerTest, DisabledUserCannotSignInAndTheirSessionsAndTokensStop) {
  Who dora = Login("dora", "pw-dora");
  Reply t = Call("POST", "/v1/tokens", R"({"name":"dora"})", dora);
  ASSERT_EQ(t.status, 201);
  Who token{"", "", t.JsonBody()["token"]};
  ASSERT_EQ(Call("GET", "/v1/cases", "", token).status, 200);
  auto store = OpenTestStore();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->SetUserDisabled("dora", true, "cli:test"));
  EXPECT_EQ(Call("GET", "/v1/session", "", dora).status, 401);
  EXPECT_EQ(Call("GET", "/v1/cases", "", token).status, 401);
  EXPECT_EQ(Call("POST", "/v1/session", R"({"username":"dora","password":"pw-dora"})").status, 401);
  ASSERT_TRUE(store->SetUserDisabled("dora", false, "cli:test"));
  EXPECT_EQ(Call("GET", "/v1/cases", "", token).status, 200);  // unexpired tokens work again
  Who again = Login("dora", "pw-dora");
  EXPECT_EQ(Call("GET", "/v1/session", "", again).status, 200);
}

TEST(ServerRateLimitTest, PerPrincipalReadAndWriteLimitsAnswer429WithRetryAfter) {
  const fs::path dir = ScratchDir("rate");
  std::string db = "sqlite:" + (dir / "rate.db").string();
  {
    auto store = store::OpenStore(db);
    ASSERT_TRUE(store) << store.error();
    for (const char* name : {"ann", "bea"}) {
      auto hash = auth::HashPassword(std::string("pw-") + name);
      ASSERT_TRUE(hash);
      ASSERT_TRUE((*store)->CreateUser(name, *hash, store::Role::kCoordinator));
    }
  }
  LogSink log;
  ServerOptions options = TestOptions(dir, "rate.db", log.Fn());
  options.web_root = (dir / "web").string();
  options.reads_per_minute = 5;
  options.writes_per_minute = 2;
  Server server(options);
  ASSERT_TRUE(server.Start());
  httplib::Client cli("127.0.0.1", server.Port());
  auto login = [&](const std::string& name) {
    auto r = cli.Post("/v1/session", Json{{"username", name}, {"password", "pw-" + name}}.dump(), "application/json");
    EXPECT_TRUE(r && r->status == 200);
    std::string cookie = r->get_header_value("Set-Cookie");
    return std::pair{cookie.substr(0, cookie.find(';')), Json::parse(r->body)["csrf_token"].get<std::string>()};
  };
  auto [ann, ann_csrf] = login("ann");
  auto [bea, bea_csrf] = login("bea");
  // Reads: five a minute, then 429 with Retry-After; another user is not affected.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(cli.Get("/v1/cases", {{"Cookie", ann}})->status, 200) << i;
  auto limited = cli.Get("/v1/cases", {{"Cookie", ann}});
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->status, 429);
  EXPECT_EQ(limited->get_header_value("Content-Type"), "application/problem+json");
  const std::string retry = limited->get_header_value("Retry-After");
  ASSERT_FALSE(retry.empty());
  EXPECT_GE(std::stoi(retry), 1);
  EXPECT_LE(std::stoi(retry), 60);
  EXPECT_EQ(cli.Get("/v1/cases", {{"Cookie", bea}})->status, 200);
  // A limited read writes no audit row (the flood the limit exists for).
  auto store = store::OpenStore(db);
  ASSERT_TRUE(store);
  auto audit = (*store)->ListAudit(std::nullopt, 0);
  ASSERT_TRUE(audit);
  int ann_reads = 0;
  for (const auto& e : *audit) ann_reads += e.actor == "ann" && e.action == "case.list";
  EXPECT_EQ(ann_reads, 5);
  // Writes: two a minute, counted apart from reads.
  const std::string text = ReadFile(kSource / "examples" / "cases" / "pnet_small_nonfunctioning.json");
  httplib::Headers write_headers{{"Cookie", bea}, {"X-CSRF-Token", bea_csrf}};
  for (int i = 0; i < 2; ++i) EXPECT_EQ(cli.Post("/v1/cases", write_headers, text, "application/json")->status, 201);
  auto write_limited = cli.Post("/v1/cases", write_headers, text, "application/json");
  ASSERT_TRUE(write_limited);
  EXPECT_EQ(write_limited->status, 429);
  EXPECT_FALSE(write_limited->get_header_value("Retry-After").empty());
  EXPECT_EQ(cli.Get("/v1/cases", {{"Cookie", bea}})->status, 200);
  auto metrics = cli.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("zebra_rate_limited_total{kind=\"read\"} 1"), std::string::npos) << metrics->body;
  EXPECT_NE(metrics->body.find("zebra_rate_limited_total{kind=\"write\"} 1"), std::string::npos);
  server.Stop();
  fs::remove_all(dir);
}

TEST(ServerDemoTest, DemoSeedsCasesUsersAndOpensStatelessRoutes) {
  const fs::path dir = ScratchDir("demo");
  LogSink log;
  ServerOptions options = TestOptions(dir, "demo.db", log.Fn());
  options.demo = true;
  options.web_root = (dir / "no-web-build").string();
  {
    Server server(options);
    auto started = server.Start();
    ASSERT_TRUE(started) << started.error();
    httplib::Client cli("127.0.0.1", server.Port());
    auto eval = cli.Post("/v1/evaluate", ReadFile(kSource / "examples" / "cases" / "gastric_type1.json"),
                         "application/json");
    ASSERT_TRUE(eval);
    EXPECT_EQ(eval->status, 200);
    EXPECT_EQ(cli.Get("/v1/knowledge")->status, 200);
    EXPECT_EQ(cli.Get("/v1/cases")->status, 401);  // stored cases still need sign-in
    auto login = cli.Post("/v1/session", R"({"username":"viewer","password":"zebra-demo"})", "application/json");
    ASSERT_TRUE(login);
    ASSERT_EQ(login->status, 200);
    std::string cookie = login->get_header_value("Set-Cookie");
    cookie = cookie.substr(0, cookie.find(';'));
    auto cases = cli.Get("/v1/cases", {{"Cookie", cookie}});
    ASSERT_TRUE(cases);
    ASSERT_EQ(cases->status, 200);
    std::size_t demo_files = std::distance(fs::directory_iterator(kSource / "examples" / "cases"), fs::directory_iterator());
    EXPECT_EQ(Json::parse(cases->body)["cases"].size(), demo_files);
    // One upcoming meeting with three demo cases on its agenda, for the web app to show.
    auto meetings = cli.Get("/v1/meetings", {{"Cookie", cookie}});
    ASSERT_TRUE(meetings);
    ASSERT_EQ(meetings->status, 200);
    const Json listed = Json::parse(meetings->body)["meetings"];
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0]["cases"], 3);
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    const std::string today = fmt::format("{:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    EXPECT_GT(listed[0]["date"].get<std::string>(), today);
    auto page = cli.Get("/");
    ASSERT_TRUE(page);
    EXPECT_NE(page->body.find("not built"), std::string::npos);
    server.Stop();
  }
  EXPECT_NE(log.All().find("zebra-demo"), std::string::npos);
  EXPECT_NE(log.All().find("DEMO"), std::string::npos);
  // A restart on the same store does not load the demo cases twice.
  {
    Server server(options);
    ASSERT_TRUE(server.Start());
    auto store_cases = store::OpenStore(options.db_url);
    ASSERT_TRUE(store_cases);
    auto list = (*store_cases)->ListCases();
    ASSERT_TRUE(list);
    EXPECT_EQ(list->size(), static_cast<std::size_t>(std::distance(fs::directory_iterator(kSource / "examples" / "cases"),
                                                                   fs::directory_iterator())));
    auto meetings = (*store_cases)->ListMeetings();
    ASSERT_TRUE(meetings);
    EXPECT_EQ(meetings->size(), 1u) << "nor a second demo meeting";
  }
  fs::remove_all(dir);
}

// --demo plants accounts with a published password: only on an empty store (which it marks) or
// a store it created; and a demo store is never served without --demo.
TEST(ServerDemoSafetyTest, DemoOnlyOnEmptyOrDemoStoresAndDemoStoresOnlyWithDemo) {
  const fs::path dir = ScratchDir("demo_safety");
  auto options_for = [&](const std::string& db, bool demo) {
    ServerOptions options = TestOptions(dir, db);
    options.demo = demo;
    return options;
  };
  {  // a real store: one account, no demo mark
    auto store = store::OpenStore("sqlite:" + (dir / "real.db").string());
    ASSERT_TRUE(store) << store.error();
    auto hash = auth::HashPassword("a-long-real-passphrase");
    ASSERT_TRUE(hash);
    ASSERT_TRUE((*store)->CreateUser("dr-real", *hash, store::Role::kClinician));
  }
  {
    Server server(options_for("real.db", true));
    auto started = server.Start();
    ASSERT_FALSE(started);
    EXPECT_NE(started.error().find("--demo refused"), std::string::npos) << started.error();
  }
  {
    auto store = store::OpenStore("sqlite:" + (dir / "real.db").string());
    ASSERT_TRUE(store);
    auto demo_user = (*store)->FindUser("clinician");
    ASSERT_TRUE(demo_user);
    EXPECT_FALSE(demo_user->has_value()) << "no demo account was planted in the real store";
  }
  {  // a new store becomes a demo store ...
    Server server(options_for("demo.db", true));
    ASSERT_TRUE(server.Start());
    server.Stop();
  }
  {  // ... which is not served without --demo
    Server server(options_for("demo.db", false));
    auto started = server.Start();
    ASSERT_FALSE(started);
    EXPECT_NE(started.error().find("created with --demo"), std::string::npos) << started.error();
  }
  {  // and is served again with --demo
    Server server(options_for("demo.db", true));
    ASSERT_TRUE(server.Start());
    server.Stop();
  }
  fs::remove_all(dir);
}

// cpp-httplib's default SO_REUSEPORT let a second server share the port and split the traffic.
TEST(ServerListenTest, APortInUseIsAnError) {
  const fs::path dir = ScratchDir("port");
  ServerOptions options = TestOptions(dir, "a.db");
  Server first(options);
  ASSERT_TRUE(first.Start());
  options.port = first.Port();
  options.db_url = "sqlite:" + (dir / "b.db").string();
  Server second(options);
  auto started = second.Start();
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().find("address already in use"), std::string::npos) << started.error();
  first.Stop();
  fs::remove_all(dir);
}

TEST(ServerInsecureDevTest, WarnsLoudly) {
  const fs::path dir = ScratchDir("dev");
  LogSink log;
  ServerOptions options = TestOptions(dir, "dev.db", log.Fn());
  options.insecure_dev = true;
  Server server(options);
  ASSERT_TRUE(server.Start());
  EXPECT_NE(log.All().find("WARNING: --insecure-dev"), std::string::npos);
  server.Stop();
  fs::remove_all(dir);
}

// ---- request deadline (slowloris) ----------------------------------------------------------------

// A TCP connection to 127.0.0.1:port, or -1.
int ConnectLoopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Sends `prefix`, then one more byte of `trickle` every 100 ms, until the server closes the
// connection (or 8 s pass). Returns seconds from connecting to the close (-1: never closed) and
// whatever the server answered.
struct SlowResult {
  double closed_after = -1;
  std::string answer;
};
SlowResult SlowClient(int port, const std::string& prefix, char trickle) {
  SlowResult result;
  const auto start = std::chrono::steady_clock::now();
  int fd = ConnectLoopback(port);
  if (fd < 0) return result;
  ::send(fd, prefix.data(), prefix.size(), MSG_NOSIGNAL);
  while (std::chrono::steady_clock::now() - start < std::chrono::seconds(8)) {
    if (::send(fd, &trickle, 1, MSG_NOSIGNAL) != 1) break;  // reset by the server
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, 100) <= 0) continue;
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    result.answer.append(buf, static_cast<std::size_t>(n));
  }
  if (std::chrono::steady_clock::now() - start < std::chrono::seconds(8))
    result.closed_after = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ::close(fd);
  return result;
}

// Two workers, a 1 s request timeout. Two slow clients take both workers: one stalls in its
// request line, one in its headers. Without the deadline they would hold them for ever (each byte
// restarts cpp-httplib's read timeout); with it both are dropped after 1 s and a normal request
// queued behind them is answered then.
TEST(ServerDeadlineTest, SlowClientsAreDroppedAtTheDeadlineAndOthersServed) {
  const fs::path dir = ScratchDir("deadline");
  LogSink log;
  ServerOptions options = TestOptions(dir, "deadline.db", log.Fn());
  options.threads = 2;
  options.request_timeout_seconds = 1;
  Server server(options);
  ASSERT_TRUE(server.Start());
  const int port = server.Port();

  SlowResult in_line, in_headers;
  std::thread a([&] { in_line = SlowClient(port, "GET /v1/health?", 'a'); });
  std::thread b([&] { in_headers = SlowClient(port, "GET /v1/health HTTP/1.1\r\nHost: t\r\nX-Slow: ", 'a'); });
  std::this_thread::sleep_for(std::chrono::milliseconds(250));  // both connections own a worker now
  httplib::Client cli("127.0.0.1", port);
  cli.set_read_timeout(10, 0);
  const auto asked = std::chrono::steady_clock::now();
  auto health = cli.Get("/v1/health");
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - asked).count();
  a.join();
  b.join();

  RecordProperty("normal_request_wait_ms", static_cast<int>(waited * 1000));
  RecordProperty("slow_dropped_after_ms", static_cast<int>(in_line.closed_after * 1000));
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_GE(waited, 0.4) << "the slow clients did not hold both workers; the test proves nothing";
  EXPECT_LT(waited, 2.0) << "a normal request must wait at most about one request timeout";
  EXPECT_GE(in_line.closed_after, 0.9);
  EXPECT_LT(in_line.closed_after, 2.0);
  EXPECT_EQ(in_line.answer, "");  // no request line, no answer
  EXPECT_GE(in_headers.closed_after, 0.9);
  EXPECT_LT(in_headers.closed_after, 2.0);
  EXPECT_EQ(RawStatus(in_headers.answer), 408) << in_headers.answer;
  EXPECT_NE(in_headers.answer.find("application/problem+json"), std::string::npos);
  EXPECT_NE(in_headers.answer.find("Connection: close"), std::string::npos);

  auto metrics = cli.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("zebra_connections_timed_out_total 2\n"), std::string::npos) << metrics->body;
  EXPECT_NE(metrics->body.find("route=\"request_timeout\",status=\"408\"} 1\n"), std::string::npos);
  EXPECT_NE(log.All().find("route=request_timeout status=408"), std::string::npos) << log.All();
  server.Stop();
  fs::remove_all(dir);
}

// Keep-alive still works within the deadline, and an idle kept-alive connection is closed once
// the request timeout has passed (here 1 s, before the 5 s keep-alive limit).
TEST(ServerDeadlineTest, KeepAliveWorksAndIdleConnectionsCloseAtTheDeadline) {
  const fs::path dir = ScratchDir("keepalive");
  ServerOptions options = TestOptions(dir, "keepalive.db");
  options.threads = 2;
  options.request_timeout_seconds = 1;
  Server server(options);
  ASSERT_TRUE(server.Start());

  int fd = ConnectLoopback(server.Port());
  ASSERT_GE(fd, 0);
  auto read_answer = [fd] {
    std::string out;
    char buf[4096];
    pollfd pfd{fd, POLLIN, 0};
    // Until the body of one answer is complete (it is small JSON ending in "}").
    while (out.find("\r\n\r\n") == std::string::npos || out.back() != '}') {
      if (::poll(&pfd, 1, 3000) <= 0) break;
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  };
  const std::string request = "GET /v1/health HTTP/1.1\r\nHost: t\r\n\r\n";
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL), static_cast<ssize_t>(request.size()));
    std::string answer = read_answer();
    EXPECT_EQ(RawStatus(answer), 200) << "request " << i << " on one connection: " << answer;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // idle, but within the deadline
  }
  const auto idle_from = std::chrono::steady_clock::now();
  pollfd pfd{fd, POLLIN, 0};
  ASSERT_EQ(::poll(&pfd, 1, 5000), 1);
  char c;
  EXPECT_EQ(::recv(fd, &c, 1, 0), 0);  // closed, without an answer
  const double idle = std::chrono::duration<double>(std::chrono::steady_clock::now() - idle_from).count();
  EXPECT_GE(idle, 0.5);
  EXPECT_LT(idle, 2.0);
  ::close(fd);
  server.Stop();
  fs::remove_all(dir);
}


// ---- OpenID Connect sign-in against a fake provider on loopback ------------------------------------

std::string SignRs256(EVP_PKEY* pkey, const Json& payload) {
  return auth::testing::SignRsaJwt(pkey, EVP_sha256(), R"({"alg":"RS256","typ":"JWT","kid":"idp-1"})", payload.dump());
}

std::string S256(std::string_view verifier) {
  const std::string hex = auth::Sha256Hex(verifier);
  std::string raw;
  for (std::size_t i = 0; i < hex.size(); i += 2) raw += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return auth::Base64UrlEncode(raw);
}

// A minimal OpenID provider: discovery, an authorization endpoint that approves at once, a token
// endpoint that checks the client secret, the redirect URI, single use of codes and the PKCE
// verifier, and a JWKS. Knobs change what the next ID token says.
class FakeIdp {
 public:
  FakeIdp() {
    key_ = auth::testing::GenerateRsa();
    other_key_ = auth::testing::GenerateRsa();
    http_.Get("/.well-known/openid-configuration", [this](const httplib::Request&, httplib::Response& res) {
      Json doc = {{"issuer", Issuer()},
                  {"authorization_endpoint", Issuer() + "/authorize"},
                  {"token_endpoint", Issuer() + "/token"},
                  {"jwks_uri", Issuer() + "/jwks"},
                  {"response_types_supported", {"code"}},
                  {"code_challenge_methods_supported", {"S256"}},
                  {"id_token_signing_alg_values_supported", {"RS256"}}};
      res.set_content(doc.dump(), "application/json");
    });
    http_.Get("/jwks", [this](const httplib::Request&, httplib::Response& res) {
      nlohmann::json jwk = auth::testing::RsaJwk(key_.get(), "idp-1");
      jwk["alg"] = "RS256";
      jwk["use"] = "sig";
      res.set_content(nlohmann::json{{"keys", {jwk}}}.dump(), "application/json");
    });
    http_.Get("/authorize", [this](const httplib::Request& req, httplib::Response& res) {
      if (req.get_param_value("response_type") != "code" || req.get_param_value("client_id") != "zebra" ||
          req.get_param_value("code_challenge_method") != "S256" || req.get_param_value("code_challenge").empty() ||
          req.get_param_value("nonce").empty() || req.get_param_value("state").empty() ||
          req.get_param_value("scope") != "openid profile groups") {
        res.status = 400;
        return;
      }
      std::lock_guard lock(mu_);
      const std::string code = "code-" + auth::RandomToken(16);
      grants_[code] = {req.get_param_value("code_challenge"), req.get_param_value("nonce"),
                       req.get_param_value("redirect_uri")};
      res.set_redirect(req.get_param_value("redirect_uri") + "?code=" + code + "&state=" + req.get_param_value("state"));
    });
    http_.Post("/token", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      const auto refuse = [&](const char* error) {
        res.status = 400;
        res.set_content(Json{{"error", error}}.dump(), "application/json");
      };
      // client_secret_basic: base64("zebra:s3cret")
      if (req.get_header_value("Authorization") != "Basic emVicmE6czNjcmV0") return refuse("invalid_client");
      if (req.get_param_value("grant_type") != "authorization_code") return refuse("unsupported_grant_type");
      const auto grant = grants_.find(req.get_param_value("code"));
      if (grant == grants_.end()) return refuse("invalid_grant");  // unknown or already redeemed
      const Grant g = grant->second;
      grants_.erase(grant);
      if (req.get_param_value("redirect_uri") != g.redirect_uri) return refuse("invalid_grant");
      verifier_seen = req.has_param("code_verifier");
      if (!verifier_seen || S256(req.get_param_value("code_verifier")) != g.challenge) return refuse("invalid_grant");
      const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                   std::chrono::system_clock::now().time_since_epoch()).count();
      Json claims = {{"iss", iss.empty() ? Issuer() : iss}, {"sub", sub}, {"aud", aud}, {"iat", now},
                     {"exp", now + 300}, {"nonce", nonce.empty() ? g.nonce : nonce},
                     {"preferred_username", username}, {"groups", groups}};
      last_id_token = SignRs256(wrong_key ? other_key_.get() : key_.get(), claims);
      res.set_content(Json{{"access_token", "AT-SECRET-" + auth::RandomToken(8)}, {"token_type", "Bearer"},
                           {"expires_in", 300}, {"id_token", last_id_token}}.dump(),
                      "application/json");
    });
    port_ = http_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { http_.listen_after_bind(); });
    for (int i = 0; i < 2000 && !http_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeIdp() {
    http_.stop();
    thread_.join();
  }
  std::string Issuer() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int Port() const { return port_; }
  void Reset() {
    iss.clear();
    nonce.clear();
    aud = "zebra";
    sub = "idp-user-olga";
    username = "olga";
    groups = Json::array({"staff", "net-clinicians"});
    wrong_key = false;
  }

  // Knobs for the next ID token.
  std::string iss, nonce, aud = "zebra", sub = "idp-user-olga", username = "olga";
  Json groups = Json::array({"staff", "net-clinicians"});
  bool wrong_key = false;
  bool verifier_seen = false;
  std::string last_id_token;

 private:
  struct Grant {
    std::string challenge, nonce, redirect_uri;
  };
  std::shared_ptr<EVP_PKEY> key_, other_key_;
  std::mutex mu_;
  std::map<std::string, Grant> grants_;
  httplib::Server http_;
  std::thread thread_;
  int port_ = 0;
};

std::string SetCookieValue(const httplib::Result& r, const std::string& name) {
  for (const auto& [key, value] : r->headers) {
    if (key == "Set-Cookie" && value.rfind(name + "=", 0) == 0) return value.substr(name.size() + 1, value.find(';') - name.size() - 1);
  }
  return "";
}

std::string PathOf(const std::string& url) {
  const auto parts = auth::ParseHttpUrl(url);
  return parts ? parts->path : "";
}

std::string ParamOf(const std::string& url, const std::string& name) { return QueryParam(url, name); }

class OidcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("zebra_oidc_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    db_ = "sqlite:" + (dir_ / "oidc.db").string();
    {
      auto store = store::OpenStore(db_);
      ASSERT_TRUE(store) << store.error();
      auto hash = auth::HashPassword("pw-lara-local");
      ASSERT_TRUE(hash);
      ASSERT_TRUE((*store)->CreateUser("lara", *hash, store::Role::kCoordinator));
    }
    std::ofstream(dir_ / "secret") << "s3cret\n";
    // The redirect URI names Zebra's port, known only after Start: reserve one first.
    {
      int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      socklen_t len = sizeof addr;
      ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
      zebra_port_ = ntohs(addr.sin_port);
      ::close(fd);
    }
    Json config = {{"issuer", idp_.Issuer()},
                   {"client_id", "zebra"},
                   {"client_secret_file", "secret"},
                   {"redirect_uri", fmt("http://127.0.0.1:{}/v1/oidc/callback")},
                   {"scopes", {"openid", "profile", "groups"}},
                   {"role_claim", "groups"},
                   {"role_map", {{"net-clinicians", "clinician"}, {"net-board", "coordinator"}, {"net-readers", "viewer"},
                                 {"information-governance", "auditor"}}},
                   {"username_claim", "preferred_username"},
                   {"name", "Hospital SSO"}};
    std::ofstream(dir_ / "oidc.json") << config.dump();
    ServerOptions options;
    options.port = zebra_port_;
    options.insecure_dev = true;  // the fake provider speaks http on loopback
    options.db_url = db_;
    options.knowledge_dir = (kSource / "knowledge").string();
    options.oidc_config = (dir_ / "oidc.json").string();
    options.log = log_.Fn();
    server_ = std::make_unique<Server>(options);
    auto started = server_->Start();
    ASSERT_TRUE(started) << started.error();
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(dir_);
  }

  std::string fmt(const std::string& pattern) const {
    return ReplaceAll(pattern, "{}", std::to_string(zebra_port_));
  }

  httplib::Client Zebra() {
    httplib::Client c("127.0.0.1", zebra_port_);
    c.set_follow_location(false);
    return c;
  }

  // GET /v1/oidc/login and the provider's approval: the callback URL and the binding cookie.
  struct Started {
    std::string callback, binding, authorize;
  };
  Started Begin() {
    Started out;
    auto login = Zebra().Get("/v1/oidc/login");
    EXPECT_TRUE(login);
    if (!login) return out;
    EXPECT_EQ(login->status, 302);
    out.authorize = login->get_header_value("Location");
    out.binding = SetCookieValue(login, "zebra_oidc");
    httplib::Client idp("127.0.0.1", idp_.Port());
    auto approved = idp.Get(PathOf(out.authorize));
    EXPECT_TRUE(approved && approved->status == 302);
    if (approved) out.callback = approved->get_header_value("Location");
    return out;
  }

  httplib::Result Callback(const std::string& url, const std::string& binding) {
    httplib::Headers headers;
    if (!binding.empty()) headers.emplace("Cookie", "zebra_oidc=" + binding);
    return Zebra().Get(PathOf(url), headers);
  }

  std::string Audit() {
    sqlite3* db = nullptr;
    sqlite3_open((dir_ / "oidc.db").c_str(), &db);
    sqlite3_busy_timeout(db, 5000);
    std::string out;
    sqlite3_exec(
        db, "SELECT actor || ' ' || action || ' ' || detail FROM audit_log ORDER BY seq",
        [](void* all, int, char** row, char**) {
          *static_cast<std::string*>(all) += std::string(row[0] ? row[0] : "") + "\n";
          return 0;
        },
        &out, nullptr);
    sqlite3_close(db);
    return out;
  }

  FakeIdp idp_;
  fs::path dir_;
  std::string db_;
  int zebra_port_ = 0;
  LogSink log_;
  std::unique_ptr<Server> server_;
};

TEST_F(OidcTest, ConfigPublicTellsTheWebAppAboutTheButton) {
  auto r = Zebra().Get("/v1/oidc/config-public");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  Json body = Json::parse(r->body);
  EXPECT_EQ(body["enabled"], true);
  EXPECT_EQ(body["name"], "Hospital SSO");
  EXPECT_EQ(body["issuer"], idp_.Issuer());
}

TEST_F(OidcTest, LoginRedirectsWithPkceStateAndNonce) {
  auto login = Zebra().Get("/v1/oidc/login");
  ASSERT_TRUE(login);
  EXPECT_EQ(login->status, 302);
  const std::string to = login->get_header_value("Location");
  EXPECT_EQ(to.rfind(idp_.Issuer() + "/authorize?", 0), 0u) << to;
  EXPECT_EQ(ParamOf(to, "response_type"), "code");
  EXPECT_EQ(ParamOf(to, "client_id"), "zebra");
  // cpp-httplib's client decodes Location; on the wire the values are percent-encoded.
  EXPECT_EQ(ParamOf(to, "redirect_uri"), fmt("http://127.0.0.1:{}/v1/oidc/callback"));
  EXPECT_EQ(ParamOf(to, "scope"), "openid profile groups");
  const std::string raw = RawRequest(zebra_port_, "GET /v1/oidc/login HTTP/1.1\r\nHost: z\r\nConnection: close\r\n\r\n");
  EXPECT_NE(raw.find(fmt("redirect_uri=http%3A%2F%2F127.0.0.1%3A{}%2Fv1%2Foidc%2Fcallback&")), std::string::npos) << raw;
  EXPECT_NE(raw.find("scope=openid%20profile%20groups&"), std::string::npos) << raw;
  EXPECT_EQ(ParamOf(to, "code_challenge_method"), "S256");
  EXPECT_EQ(ParamOf(to, "code_challenge").size(), 43u);
  EXPECT_GE(ParamOf(to, "state").size(), 43u);
  EXPECT_GE(ParamOf(to, "nonce").size(), 43u);
  std::string cookie;
  for (const auto& [key, value] : login->headers)
    if (key == "Set-Cookie") cookie = value;
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Lax"), std::string::npos);
  EXPECT_NE(cookie.find("Max-Age=600"), std::string::npos);
}

TEST_F(OidcTest, SuccessfulSignInGivesASessionWithTheMappedRole) {
  Started s = Begin();
  auto done = Callback(s.callback, s.binding);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, 302) << done->body;
  EXPECT_EQ(done->get_header_value("Location"), "/");
  EXPECT_TRUE(idp_.verifier_seen);
  const std::string session = SetCookieValue(done, "zebra_session");
  ASSERT_FALSE(session.empty());
  auto me = Zebra().Get("/v1/session", {{"Cookie", "zebra_session=" + session}});
  ASSERT_TRUE(me);
  ASSERT_EQ(me->status, 200);
  Json body = Json::parse(me->body);
  EXPECT_EQ(body["user"]["username"], "olga");
  EXPECT_EQ(body["user"]["role"], "clinician");
  EXPECT_FALSE(body["csrf_token"].get<std::string>().empty());
  // A cookie write works with the CSRF token, exactly like a password session.
  auto out = Zebra().Delete("/v1/session", {{"Cookie", "zebra_session=" + session},
                                            {"X-CSRF-Token", body["csrf_token"].get<std::string>()}});
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 204);

  // The next sign-in follows the provider's groups: now a viewer.
  idp_.groups = Json::array({"net-readers"});
  Started again = Begin();
  auto second = Callback(again.callback, again.binding);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 302);
  auto me2 = Zebra().Get("/v1/session", {{"Cookie", "zebra_session=" + SetCookieValue(second, "zebra_session")}});
  ASSERT_TRUE(me2);
  EXPECT_EQ(Json::parse(me2->body)["user"]["role"], "viewer");

  const std::string audit = Audit();
  EXPECT_NE(audit.find("olga session.create oidc"), std::string::npos) << audit;
  EXPECT_NE(audit.find("user.create"), std::string::npos) << audit;
  EXPECT_NE(audit.find("user.role"), std::string::npos) << audit;
  // Tokens and codes never reach the logs or the audit trail.
  const std::string logs = log_.All();
  for (const std::string& secret : {idp_.last_id_token, std::string("AT-SECRET"), ParamOf(s.callback, "code"),
                                    ParamOf(s.callback, "state"), std::string("s3cret")}) {
    EXPECT_EQ(logs.find(secret), std::string::npos) << secret;
    EXPECT_EQ(audit.find(secret), std::string::npos) << secret;
  }
}

// A group mapped to the auditor role signs in as an auditor; with a clinical group as well, the
// clinical role wins (the auditor is the lowest).
TEST_F(OidcTest, AuditorGroupMapsToTheAuditorRoleAndAClinicalGroupWins) {
  const auto role_after_sign_in = [&](Json groups) {
    idp_.groups = std::move(groups);
    Started s = Begin();
    auto done = Callback(s.callback, s.binding);
    EXPECT_TRUE(done && done->status == 302);
    if (!done) return std::string();
    auto me = Zebra().Get("/v1/session", {{"Cookie", "zebra_session=" + SetCookieValue(done, "zebra_session")}});
    return me && me->status == 200 ? Json::parse(me->body)["user"]["role"].get<std::string>() : std::string();
  };
  EXPECT_EQ(role_after_sign_in(Json::array({"information-governance"})), "auditor");
  EXPECT_EQ(role_after_sign_in(Json::array({"information-governance", "net-readers"})), "viewer");
}

TEST_F(OidcTest, WrongOrReplayedStateOrOtherBrowserIsRefused) {
  Started s = Begin();
  // An unknown state.
  auto wrong = Callback(WithParam(s.callback, "state", "forged"), s.binding);
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 400);
  EXPECT_NE(wrong->body.find("oidc-invalid-state"), std::string::npos);
  // The right state from a browser that did not start the sign-in (no binding cookie): refused,
  // and the state is spent.
  auto other = Callback(s.callback, "");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 400);
  auto late = Callback(s.callback, s.binding);
  ASSERT_TRUE(late);
  EXPECT_EQ(late->status, 400);
  // A replayed callback after a successful sign-in.
  Started ok = Begin();
  auto first = Callback(ok.callback, ok.binding);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 302);
  auto replay = Callback(ok.callback, ok.binding);
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->status, 400);
  EXPECT_TRUE(SetCookieValue(replay, "zebra_session").empty());
  EXPECT_NE(Audit().find("oidc session.login_failed oidc: state unknown or already used"), std::string::npos) << Audit();
}

TEST_F(OidcTest, ReplayedCodeAndWrongOrMissingPkceVerifierAreRefused) {
  Started s = Begin();
  auto first = Callback(s.callback, s.binding);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 302);
  // The redeemed code with a fresh state of this browser: the provider refuses the code.
  Started fresh = Begin();
  auto replay = Callback(WithParam(fresh.callback, "code", ParamOf(s.callback, "code")),
                         fresh.binding);
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->status, 401);
  EXPECT_NE(replay->body.find("oidc-code-refused"), std::string::npos);
  // A code issued for one sign-in (a stolen code) injected into another: Zebra sends the other
  // sign-in's PKCE verifier, which does not match the code's challenge.
  Started victim = Begin();
  Started attacker = Begin();
  auto injected = Callback(
      WithParam(attacker.callback, "code", ParamOf(victim.callback, "code")),
      attacker.binding);
  ASSERT_TRUE(injected);
  EXPECT_EQ(injected->status, 401);
  EXPECT_NE(Audit().find("token endpoint answered HTTP 400 (invalid_grant)"), std::string::npos) << Audit();
  // Without a verifier the provider refuses the code (what Zebra relies on).
  Started third = Begin();
  httplib::Client idp("127.0.0.1", idp_.Port());
  idp.set_basic_auth("zebra", "s3cret");
  auto bare = idp.Post("/token",
                       "grant_type=authorization_code&code=" + ParamOf(third.callback, "code") +
                           "&redirect_uri=" + ParamOf(third.authorize, "redirect_uri"),
                       "application/x-www-form-urlencoded");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->status, 400);
  EXPECT_FALSE(idp_.verifier_seen);
}

TEST_F(OidcTest, BadIdTokensAreRefused) {
  struct Case {
    const char* name;
    std::function<void(FakeIdp&)> knob;
    const char* why;
  };
  const std::vector<Case> cases = {
      {"wrong nonce", [](FakeIdp& i) { i.nonce = "not-the-nonce"; }, "nonce does not match"},
      {"wrong audience", [](FakeIdp& i) { i.aud = "another-client"; }, "aud does not name this client"},
      {"wrong issuer", [](FakeIdp& i) { i.iss = "https://evil.example.org"; }, "iss does not match"},
      {"bad signature", [](FakeIdp& i) { i.wrong_key = true; }, "signature does not verify"},
  };
  for (const Case& c : cases) {
    idp_.Reset();
    c.knob(idp_);
    Started s = Begin();
    auto r = Callback(s.callback, s.binding);
    ASSERT_TRUE(r) << c.name;
    EXPECT_EQ(r->status, 401) << c.name << ": " << r->body;
    EXPECT_NE(r->body.find("oidc-id-token-refused"), std::string::npos) << c.name;
    EXPECT_TRUE(SetCookieValue(r, "zebra_session").empty()) << c.name;
    EXPECT_NE(Audit().find(c.why), std::string::npos) << c.name << "\n" << Audit();
  }
}

TEST_F(OidcTest, UnmappedRoleAndLocalUsernameAreRefusedWithNothingCreated) {
  idp_.username = "nora";
  idp_.sub = "idp-user-nora";
  idp_.groups = Json::array({"staff", "nurses"});
  Started s = Begin();
  auto r = Callback(s.callback, s.binding);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_NE(r->body.find("oidc-no-role"), std::string::npos);
  // A provider user whose username is a local password account does not take it over.
  idp_.Reset();
  idp_.username = "lara";
  idp_.sub = "idp-user-lara";
  Started t = Begin();
  auto taken = Callback(t.callback, t.binding);
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->status, 403);
  EXPECT_NE(taken->body.find("oidc-account-conflict"), std::string::npos);
  server_.reset();
  auto store = store::OpenStore(db_);
  ASSERT_TRUE(store);
  auto nora = (*store)->FindUser("nora");
  ASSERT_TRUE(nora);
  EXPECT_FALSE(*nora);
  auto lara = (*store)->FindUser("lara");
  ASSERT_TRUE(lara && *lara);
  EXPECT_EQ((*lara)->role, store::Role::kCoordinator);
  EXPECT_TRUE(auth::VerifyPassword((*lara)->password_hash, "pw-lara-local"));
}

TEST_F(OidcTest, ExternalUserCannotUsePasswordSignIn) {
  Started s = Begin();
  auto r = Callback(s.callback, s.binding);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 302);
  for (const char* password : {"", "x", "oidc$", "olga-password-123"}) {
    auto tried = Zebra().Post("/v1/session", Json{{"username", "olga"}, {"password", password}}.dump(), "application/json");
    ASSERT_TRUE(tried);
    EXPECT_NE(tried->status, 200) << password;
  }
  EXPECT_NE(Audit().find("olga session.login_failed external account"), std::string::npos) << Audit();
}

TEST(OidcConfigTest, ParsedStrictly) {
  fs::path dir = fs::temp_directory_path() / ("zebra_oidc_cfg_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const Json good = {{"issuer", "https://login.example.org/realms/h"},
                     {"client_id", "zebra"},
                     {"redirect_uri", "https://zebra.example.org/v1/oidc/callback"},
                     {"role_claim", "zebra_role"},
                     {"role_map", {{"doc", "clinician"}}}};
  const auto load = [&](const Json& doc, bool dev = false) {
    std::ofstream(dir / "c.json") << doc.dump();
    return auth::LoadOidcConfig((dir / "c.json").string(), dev);
  };
  auto ok = load(good);
  ASSERT_TRUE(ok) << common::ToString(ok.error());
  EXPECT_EQ(ok->scopes, (std::vector<std::string>{"openid", "profile"}));
  EXPECT_EQ(ok->username_claim, "preferred_username");
  EXPECT_EQ(ok->display_name, "login.example.org");
  Json unknown = good;
  unknown["client_secret"] = "on the command line";
  EXPECT_FALSE(load(unknown));
  Json http = good;
  http["issuer"] = "http://login.example.org";
  EXPECT_FALSE(load(http));
  EXPECT_FALSE(load(http, true));
  http["issuer"] = "http://127.0.0.1:9";
  EXPECT_FALSE(load(http));
  EXPECT_TRUE(load(http, true));
  Json badrole = good;
  badrole["role_map"] = {{"doc", "admin"}};
  const auto refused = load(badrole);
  ASSERT_FALSE(refused);
  // The file is the error's path; the start-up message reads "FILE: role_map values ..." as before.
  EXPECT_EQ(refused.error().path, (dir / "c.json").string());
  EXPECT_EQ(common::ToString(refused.error()),
            (dir / "c.json").string() + ": role_map values must be viewer, coordinator, clinician or auditor");
  Json noopenid = good;
  noopenid["scopes"] = {"profile"};
  EXPECT_FALSE(load(noopenid));
  Json secret = good;
  secret["client_secret_file"] = "missing-secret";
  EXPECT_FALSE(load(secret));
  std::ofstream(dir / "c.json") << R"({"issuer":"https://a","issuer":"https://b"})";
  EXPECT_FALSE(auth::LoadOidcConfig((dir / "c.json").string(), false));
  fs::remove_all(dir);
}


// ---- issue 18: tumour-board meetings ---------------------------------------------------------------

TEST_F(ServerTest, MeetingsAreCreatedReadAndEditedByRoleWithStaleEditsRefused) {
  std::vector<std::string> ids = MeetingCases("m18a");
  Json meeting = MeetingJson(ids);
  EXPECT_EQ(Call("POST", "/v1/meetings", meeting.dump(), viewer_).status, 403);
  Reply created = Call("POST", "/v1/meetings", meeting.dump(), coordinator_);
  ASSERT_EQ(created.status, 201) << created.body;
  Json m = created.JsonBody();
  const std::string id = m["id"];
  EXPECT_EQ(created.Header("Location"), "/v1/meetings/" + id);
  EXPECT_EQ(m["revision"], 1);
  EXPECT_EQ(m["created_by"], "cora");
  EXPECT_EQ(m["date"], "2026-12-10");
  EXPECT_EQ(m["time"], "16:00");
  EXPECT_EQ(m["board"], "GEP-NET board");
  EXPECT_EQ(m["attendees"], meeting["attendees"]);
  ASSERT_EQ(m["agenda"].size(), 3u);
  // Each agenda entry carries the case's one-line summary, readiness and decision status.
  const Json& rectal = m["agenda"][0];
  EXPECT_EQ(rectal["position"], 1);
  EXPECT_EQ(rectal["case_id"], ids[0]);
  EXPECT_EQ(rectal["presenter"], "Dr P0");
  EXPECT_EQ(rectal["question"], "Question 0");
  EXPECT_EQ(rectal["case"]["label"], "m18a-demo-rectal-small");
  EXPECT_EQ(rectal["case"]["summary"]["site"], "rectum");
  EXPECT_EQ(rectal["case"]["summary"]["grade"], "G1");
  EXPECT_EQ(rectal["case"]["readiness"]["ready"], true);
  EXPECT_EQ(rectal["decision"]["status"], "undecided");
  const Json& g3 = m["agenda"][1]["case"];
  EXPECT_EQ(g3["summary"]["grade"], "G3");
  EXPECT_EQ(g3["summary"]["stage"], "IV");
  EXPECT_EQ(g3["summary"]["scenario"]["id"], "net_g3_advanced");
  EXPECT_NE(g3["summary"]["text"].get<std::string>().find("pancreas \u00b7 G3 \u00b7 stage IV"), std::string::npos)
      << g3["summary"]["text"];
  EXPECT_EQ(g3["readiness"]["ready"], false);
  EXPECT_EQ(g3["readiness"]["missing_count"], 2);
  EXPECT_EQ(g3["readiness"]["missing"][0]["field"], "patient.neutrophils_10e9_l");
  EXPECT_EQ(g3["readiness"]["workup_pending_count"], g3["readiness"]["workup_pending"].size());
  EXPECT_EQ(m["agenda"][2]["case"]["readiness"]["critical_alerts"], 1);
  EXPECT_EQ(m["counts"]["cases"], 3);
  EXPECT_EQ(m["counts"]["decided"], 0);
  EXPECT_EQ(m["counts"]["ready"], 2);  // the small-bowel case misses nothing either
  // Clinicians may build agendas too.
  EXPECT_EQ(Call("POST", "/v1/meetings", meeting.dump(), clinician_).status, 201);

  Reply read = Call("GET", "/v1/meetings/" + id, "", viewer_);
  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(read.JsonBody(), m);

  // Edits: a new revision on top of the one edited; a stale revision is a 409 and nothing is written.
  Json edit = meeting;
  edit["revision"] = 1;
  std::swap(edit["agenda"][0], edit["agenda"][2]);
  edit["agenda"][0]["question"] = "Which SSA?";
  EXPECT_EQ(Call("PUT", "/v1/meetings/" + id, edit.dump(), viewer_).status, 403);
  Reply updated = Call("PUT", "/v1/meetings/" + id, edit.dump(), coordinator_);
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(updated.JsonBody()["revision"], 2);
  EXPECT_EQ(updated.JsonBody()["agenda"][0]["case_id"], ids[2]);
  EXPECT_EQ(updated.JsonBody()["agenda"][0]["question"], "Which SSA?");
  Json stale_edit = meeting;
  stale_edit["revision"] = 1;
  stale_edit["board"] = "Overwritten board";
  Reply stale = Call("PUT", "/v1/meetings/" + id, stale_edit.dump(), clinician_);
  ASSERT_EQ(stale.status, 409) << stale.body;
  EXPECT_EQ(stale.Header("Content-Type"), "application/problem+json");
  EXPECT_EQ(stale.JsonBody()["type"], "urn:zebra:problem:stale-revision");
  EXPECT_EQ(stale.JsonBody()["current_revision"], 2);
  EXPECT_EQ(stale.JsonBody()["errors"][0]["path"], "$.revision");
  EXPECT_EQ(Call("GET", "/v1/meetings/" + id, "", viewer_).JsonBody()["board"], "GEP-NET board");
  EXPECT_EQ(Call("PUT", "/v1/meetings/m_00000000000000000000000000000000", edit.dump(), coordinator_).status, 404);
  EXPECT_EQ(Call("GET", "/v1/meetings/nope", "", viewer_).status, 404);

  // Revisions stay readable.
  Reply first = Call("GET", "/v1/meetings/" + id + "?revision=1", "", viewer_);
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.JsonBody()["agenda"][0]["case_id"], ids[0]);
  EXPECT_EQ(Call("GET", "/v1/meetings/" + id + "?revision=3", "", viewer_).status, 404);
  EXPECT_EQ(Call("GET", "/v1/meetings/" + id + "?revision=x", "", viewer_).status, 400);
  Json revisions = Call("GET", "/v1/meetings/" + id + "/revisions", "", viewer_).JsonBody()["revisions"];
  ASSERT_EQ(revisions.size(), 2u);
  EXPECT_EQ(revisions[1]["created_by"], "cora");

  // The list: newest first, with counts.
  Reply list = Call("GET", "/v1/meetings", "", viewer_);
  ASSERT_EQ(list.status, 200);
  bool found = false;
  const Json meetings = list.JsonBody()["meetings"];
  for (const auto& item : meetings) {
    if (item["id"] != id) continue;
    found = true;
    EXPECT_EQ(item["revision"], 2);
    EXPECT_EQ(item["cases"], 3);
    EXPECT_EQ(item["decided"], 0);
    EXPECT_EQ(item["attendees"], 2);
  }
  EXPECT_TRUE(found);

  // Audited: who created, changed and read the meeting.
  std::vector<std::string> actions = AuditActionsAbout(id);
  for (const char* expected : {"meeting.create cora", "meeting.update cora", "meeting.read vic",
                               "meeting.revisions.read vic"})
    EXPECT_NE(std::find(actions.begin(), actions.end(), expected), actions.end()) << expected;
}

TEST_F(ServerTest, MeetingBodiesAreCheckedWithLocatedErrors) {
  std::vector<std::string> ids = MeetingCases("m18b");
  auto paths_of = [](const Reply& r) {
    std::set<std::string> paths;
    const Json errors = r.JsonBody()["errors"];
    for (const auto& e : errors) paths.insert(e["path"].get<std::string>());
    return paths;
  };
  Json unknown_case = MeetingJson({ids[0], ids[1], "c_0123456789abcdef0123456789abcdef"});
  Reply r = Call("POST", "/v1/meetings", unknown_case.dump(), coordinator_);
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.Header("Content-Type"), "application/problem+json");
  EXPECT_EQ(paths_of(r), std::set<std::string>{"$.agenda[2].case_id"});

  Json bad = MeetingJson({ids[0], ids[0]});
  bad["date"] = "2026-02-30";
  bad["time"] = "25:00";
  bad.erase("board");
  bad["attendees"][1].erase("role");
  bad["agenda"][0]["colour"] = "red";
  bad["revision"] = 1;
  r = Call("POST", "/v1/meetings", bad.dump(), coordinator_);
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(paths_of(r), (std::set<std::string>{"$.date", "$.time", "$.board", "$.attendees[1].role",
                                                "$.agenda[0].colour", "$.agenda[1].case_id", "$.revision"}));
  EXPECT_EQ(Call("POST", "/v1/meetings", "[1]", coordinator_).status, 400);
  EXPECT_EQ(paths_of(Call("POST", "/v1/meetings", "{\"date\":", coordinator_)), std::set<std::string>{"$"});

  Reply created = Call("POST", "/v1/meetings", MeetingJson(ids).dump(), coordinator_);
  ASSERT_EQ(created.status, 201);
  const std::string id = created.JsonBody()["id"];
  Reply no_revision = Call("PUT", "/v1/meetings/" + id, MeetingJson(ids).dump(), coordinator_);
  ASSERT_EQ(no_revision.status, 400);
  EXPECT_EQ(paths_of(no_revision), std::set<std::string>{"$.revision"});
  // Nothing was written by the refused requests.
  EXPECT_EQ(Call("GET", "/v1/meetings/" + id + "/revisions", "", viewer_).JsonBody()["revisions"].size(), 1u);
}

TEST_F(ServerTest, DecisionsInAMeetingDeferReasonAndAmendment) {
  std::vector<std::string> ids = MeetingCases("m18c");
  Reply created = Call("POST", "/v1/meetings", MeetingJson({ids[0], ids[1]}).dump(), coordinator_);
  ASSERT_EQ(created.status, 201);
  const std::string meeting = created.JsonBody()["id"];
  const std::string rectal = "/v1/cases/" + ids[0], g3 = "/v1/cases/" + ids[1];
  auto paths_of = [](const Reply& r) {
    std::set<std::string> paths;
    const Json errors = r.JsonBody()["errors"];
    for (const auto& e : errors) paths.insert(e["path"].get<std::string>());
    return paths;
  };

  // Attendees default to the meeting's standing attendees; coordinators cannot decide.
  Json choose{{"meeting_id", meeting}, {"option_id", "surgery.endoscopic_resection"}, {"notes", "agreed"}};
  EXPECT_EQ(Call("POST", rectal + "/decision", choose.dump(), coordinator_).status, 403);
  Reply decided = Call("POST", rectal + "/decision", choose.dump(), clinician_);
  ASSERT_EQ(decided.status, 201) << decided.body;
  Json d1 = decided.JsonBody();
  EXPECT_EQ(d1["meeting_id"], meeting);
  EXPECT_TRUE(d1["amends"].is_null());
  EXPECT_EQ(d1["recommended"], true);
  EXPECT_EQ(d1["decision"]["outcome"], "option");
  EXPECT_EQ(d1["decision"]["attendees"], MeetingJson({})["attendees"]);
  EXPECT_FALSE(d1["decision"].contains("reason"));

  // A not-recommended option needs a reason.
  Json unusual{{"meeting_id", meeting}, {"option_id", "surveillance.active"}};
  Reply no_reason = Call("POST", g3 + "/decision", unusual.dump(), clinician_);
  ASSERT_EQ(no_reason.status, 400) << no_reason.body;
  EXPECT_EQ(paths_of(no_reason), std::set<std::string>{"$.reason"});
  // Deferred for work-up: the work-up is required, no option.
  Json defer{{"meeting_id", meeting}, {"outcome", "defer_workup"}};
  Reply no_workup = Call("POST", g3 + "/decision", defer.dump(), clinician_);
  ASSERT_EQ(no_workup.status, 400);
  EXPECT_EQ(paths_of(no_workup), std::set<std::string>{"$.workup_requested"});
  defer["option_id"] = "surveillance.active";
  defer["workup_requested"] = {"FDG-PET", ""};
  EXPECT_EQ(paths_of(Call("POST", g3 + "/decision", defer.dump(), clinician_)),
            (std::set<std::string>{"$.option_id", "$.workup_requested[1]"}));
  defer.erase("option_id");
  defer["workup_requested"] = {"FDG-PET", "Neutrophil count"};
  Reply deferred = Call("POST", g3 + "/decision", defer.dump(), clinician_);
  ASSERT_EQ(deferred.status, 201) << deferred.body;
  Json d2 = deferred.JsonBody();
  EXPECT_EQ(d2["decision"]["outcome"], "defer_workup");
  EXPECT_TRUE(d2["decision"]["option_id"].is_null());
  EXPECT_EQ(d2["decision"]["workup_requested"], defer["workup_requested"]);

  // The case must be on the meeting's agenda; the meeting must exist.
  Json elsewhere = choose;
  elsewhere["option_id"] = "ssa.lanreotide";
  EXPECT_EQ(paths_of(Call("POST", "/v1/cases/" + ids[2] + "/decision", elsewhere.dump(), clinician_)),
            std::set<std::string>{"$.meeting_id"});
  elsewhere["meeting_id"] = "m_00000000000000000000000000000000";
  EXPECT_EQ(paths_of(Call("POST", "/v1/cases/" + ids[2] + "/decision", elsewhere.dump(), clinician_)),
            std::set<std::string>{"$.meeting_id"});
  // Attendees, when given, are not empty; outside a meeting they stay required.
  Json nobody = choose;
  nobody["attendees"] = Json::array();
  EXPECT_EQ(paths_of(Call("POST", rectal + "/decision", nobody.dump(), clinician_)),
            std::set<std::string>{"$.attendees"});
  EXPECT_EQ(paths_of(Call("POST", "/v1/cases/" + ids[2] + "/decision", R"({"option_id":"ssa.lanreotide"})",
                          clinician_)),
            std::set<std::string>{"$.attendees"});

  // Amend the deferral: a new decision naming it, in the same meeting, with a reason for a
  // not-recommended option.
  Json amend{{"amends", d2["id"]}, {"option_id", "surveillance.active"}, {"reason", "frail; patient's wish"}};
  Reply amended = Call("POST", g3 + "/decision", amend.dump(), clinician_);
  ASSERT_EQ(amended.status, 201) << amended.body;
  Json d3 = amended.JsonBody();
  EXPECT_EQ(d3["amends"], d2["id"]);
  EXPECT_EQ(d3["meeting_id"], meeting);
  EXPECT_EQ(d3["recommended"], false);
  EXPECT_EQ(d3["decision"]["reason"], "frail; patient's wish");
  // A decision is amended once: the next amendment names the newest.
  Reply twice = Call("POST", g3 + "/decision", amend.dump(), clinician_);
  ASSERT_EQ(twice.status, 409) << twice.body;
  EXPECT_EQ(twice.JsonBody()["type"], "urn:zebra:problem:already-amended");
  // Only decisions of the same case.
  Json foreign{{"amends", d1["id"]}, {"option_id", "chemo.capecitabine_temozolomide"}};
  EXPECT_EQ(paths_of(Call("POST", g3 + "/decision", foreign.dump(), clinician_)), std::set<std::string>{"$.amends"});

  Json listed = Call("GET", g3 + "/decisions", "", viewer_).JsonBody()["decisions"];
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0]["id"], d2["id"]);
  EXPECT_EQ(listed[0]["amended_by"], d3["id"]);
  EXPECT_EQ(listed[1]["amends"], d2["id"]);
  EXPECT_TRUE(listed[1]["amended_by"].is_null());

  // The meeting shows each case's status in it: the amendment is in force.
  Json m = Call("GET", "/v1/meetings/" + meeting, "", viewer_).JsonBody();
  EXPECT_EQ(m["agenda"][0]["decision"]["status"], "decided");
  EXPECT_EQ(m["agenda"][0]["decision"]["option_id"], "surgery.endoscopic_resection");
  EXPECT_EQ(m["agenda"][1]["decision"]["status"], "decided");
  EXPECT_EQ(m["agenda"][1]["decision"]["decision_id"], d3["id"]);
  EXPECT_EQ(m["agenda"][1]["decision"]["amended"], true);
  EXPECT_EQ(m["counts"]["decided"], 2);

  // Audited in the case's log, the amendment as such.
  Json audit = Call("GET", g3 + "/audit", "", viewer_).JsonBody()["entries"];
  std::vector<std::string> actions;
  for (const auto& e : audit) actions.push_back(e["action"].get<std::string>() + ": " + e["detail"].get<std::string>());
  const std::string amend_entry = fmt::format("decision.amend: decision {} revision 1 meeting {} amends {}",
                                              d3["id"].get<std::int64_t>(), meeting, d2["id"].get<std::int64_t>());
  EXPECT_NE(std::find(actions.begin(), actions.end(), amend_entry), actions.end()) << audit.dump();
  auto verified = OpenTestStore()->VerifyAudit();
  EXPECT_TRUE(verified) << verified.error();
}

TEST_F(ServerTest, MinutesArePrintableHtmlWithEveryDecision) {
  std::vector<std::string> ids = MeetingCases("m18d");
  Json meeting = MeetingJson(ids);
  meeting["agenda"][2]["question"] = "SSA <b>or</b> PRRT?";
  Reply created = Call("POST", "/v1/meetings", meeting.dump(), coordinator_);
  ASSERT_EQ(created.status, 201);
  const std::string id = created.JsonBody()["id"];
  ASSERT_EQ(Call("POST", "/v1/cases/" + ids[0] + "/decision",
                 Json{{"meeting_id", id}, {"option_id", "surgery.endoscopic_resection"}, {"notes", "<script>x</script>"}}
                     .dump(),
                 clinician_)
                .status,
            201);
  ASSERT_EQ(Call("POST", "/v1/cases/" + ids[1] + "/decision",
                 Json{{"meeting_id", id}, {"outcome", "defer_workup"}, {"workup_requested", {"FDG-PET"}}}.dump(),
                 clinician_)
                .status,
            201);
  Reply minutes = Call("GET", "/v1/meetings/" + id + "/minutes", "", viewer_);
  ASSERT_EQ(minutes.status, 200) << minutes.body;
  EXPECT_EQ(minutes.Header("Content-Type"), "text/html; charset=utf-8");
  const std::string& h = minutes.body;
  for (const char* expected :
       {"<!doctype html>", "Minutes of the GEP-NET board", "10 December 2026, 16:00", "Dr Chair", "Dr Knife",
        "m18d-demo-rectal-small", "Question 0", "Endoscopic", "Deferred for work-up", "FDG-PET",
        "No decision recorded in this meeting.", "SSA &lt;b&gt;or&lt;/b&gt; PRRT?", "&lt;script&gt;x&lt;/script&gt;",
        "it does not replace clinical judgement", "@media print"})
    EXPECT_NE(h.find(expected), std::string::npos) << expected;
  EXPECT_EQ(h.find("<script"), std::string::npos);
  EXPECT_EQ(Call("GET", "/v1/meetings/m_00000000000000000000000000000000/minutes", "", viewer_).status, 404);
  std::vector<std::string> actions = AuditActionsAbout(id);
  EXPECT_NE(std::find(actions.begin(), actions.end(), "meeting.minutes.read vic"), actions.end());
}

TEST_F(ServerTest, CaseListHasSummariesAndSearchSortAndFilter) {
  std::vector<std::string> ids = MeetingCases("m18e");
  ASSERT_EQ(Call("POST", "/v1/cases/" + ids[2] + "/decision",
                 R"({"option_id":"ssa.lanreotide","attendees":[{"role":"chair","name":"C"}]})", clinician_)
                .status,
            201);
  Reply all = Call("GET", "/v1/cases?q=M18E-&sort=label", "", viewer_);
  ASSERT_EQ(all.status, 200) << all.body;
  Json cases = all.JsonBody()["cases"];
  ASSERT_EQ(cases.size(), 3u);
  EXPECT_EQ(cases[0]["label"], "m18e-demo-pnet-g3");
  EXPECT_EQ(cases[1]["label"], "m18e-demo-rectal-small");
  EXPECT_EQ(cases[2]["label"], "m18e-demo-si-cs");
  // Existing fields are kept.
  for (const char* key : {"id", "label", "revision", "updated_at", "updated_by", "status", "last_evaluation"})
    EXPECT_TRUE(cases[0].contains(key)) << key;
  EXPECT_EQ(cases[0]["summary"]["site"], "pancreas");
  EXPECT_EQ(cases[0]["readiness"]["missing_count"], 2);
  EXPECT_EQ(cases[0]["decision"]["status"], "undecided");
  EXPECT_EQ(cases[2]["decision"]["status"], "decided");
  EXPECT_EQ(cases[2]["status"], "decided");

  auto labels = [&](const std::string& query) {
    Reply r = Call("GET", "/v1/cases?q=m18e-&" + query, "", viewer_);
    EXPECT_EQ(r.status, 200) << query << r.body;
    std::vector<std::string> out;
    const Json listed = r.JsonBody()["cases"];
    for (const auto& c : listed) out.push_back(c["label"]);
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(labels("sort=-label"), (V{"m18e-demo-si-cs", "m18e-demo-rectal-small", "m18e-demo-pnet-g3"}));
  EXPECT_EQ(labels("grade=G3"), (V{"m18e-demo-pnet-g3"}));
  EXPECT_EQ(labels("site=rectum"), (V{"m18e-demo-rectal-small"}));
  EXPECT_EQ(labels("scenario=midgut_advanced"), (V{"m18e-demo-si-cs"}));
  EXPECT_EQ(labels("readiness=ready&sort=label"), (V{"m18e-demo-rectal-small", "m18e-demo-si-cs"}));
  EXPECT_EQ(labels("readiness=incomplete"), (V{"m18e-demo-pnet-g3"}));
  EXPECT_EQ(labels("decision=decided"), (V{"m18e-demo-si-cs"}));
  EXPECT_EQ(labels("decision=undecided&sort=-missing"), (V{"m18e-demo-pnet-g3", "m18e-demo-rectal-small"}));
  EXPECT_EQ(labels("sort=grade"), (V{"m18e-demo-rectal-small", "m18e-demo-si-cs", "m18e-demo-pnet-g3"}));
  EXPECT_EQ(Call("GET", "/v1/cases?q=m18e-pancreas", "", viewer_).JsonBody()["cases"].size(), 0u);
  std::set<std::string> stage_iv;
  const Json stage_iv_cases = Call("GET", "/v1/cases?q=Stage%20IV", "", viewer_).JsonBody()["cases"];
  for (const auto& c : stage_iv_cases) stage_iv.insert(c["label"].get<std::string>());
  EXPECT_TRUE(stage_iv.count("m18e-demo-pnet-g3"));
  EXPECT_TRUE(stage_iv.count("m18e-demo-si-cs"));
  EXPECT_FALSE(stage_iv.count("m18e-demo-rectal-small"));

  Reply bad = Call("GET", "/v1/cases?sort=colour&readiness=maybe", "", viewer_);
  ASSERT_EQ(bad.status, 400);
  std::set<std::string> paths;
  const Json errors = bad.JsonBody()["errors"];
  for (const auto& e : errors) paths.insert(e["path"].get<std::string>());
  EXPECT_EQ(paths, (std::set<std::string>{"sort", "readiness"}));
}

}  // namespace
}  // namespace zebra::server::server_test
