#include "api/cds_hooks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "build_info.h"
#include "auth/testing.h"
#include "common/testing.h"
#include "engine/testing.h"

namespace zebra::api::cds_hooks_test {
namespace {

using Json = nlohmann::ordered_json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::int64_t kNow = 1748779200;  // 2025-06-01T12:00:00Z

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::string kSharedExamples = std::string(ZEBRA_SOURCE_DIR) + "/../shared/examples/cds-hooks/";
const std::string kFixtures = std::string(ZEBRA_SOURCE_DIR) + "/tests/cds/";

const engine::Knowledge& Kb() { return *engine::testing::SourceKnowledge(); }

// Only what the CDS layer uses is implemented; everything else reports an error.
class FakeStore : public store::Store {
 public:
  std::vector<std::pair<std::string, std::string>> feedback;
  std::set<std::string> jtis;
  bool fail_feedback = false;

  std::string_view Kind() const override { return "fake"; }
  store::Result<void> Ping() override { return {}; }
  store::Result<std::int64_t> AddFeedback(std::string_view service_id, std::string_view json) override {
    if (fail_feedback) return tl::unexpected(std::string("disk full"));
    feedback.emplace_back(service_id, json);
    return static_cast<std::int64_t>(feedback.size());
  }
  store::Result<bool> RememberJti(std::string_view iss, std::string_view jti, std::int64_t) override {
    return jtis.insert(std::string(iss) + "|" + std::string(jti)).second;
  }
  template <class T>
  static store::Result<T> No() {
    return tl::unexpected(std::string("not in the fake"));
  }
  store::Result<store::CaseRevision> CreateCase(std::string_view, std::string_view) override { return No<store::CaseRevision>(); }
  store::Result<store::CaseRevision> UpdateCase(std::string_view, std::string_view, std::string_view) override {
    return No<store::CaseRevision>();
  }
  store::Result<std::optional<store::CaseRevision>> GetCase(std::string_view, std::optional<int>) override {
    return No<std::optional<store::CaseRevision>>();
  }
  store::Result<std::vector<store::CaseRevision>> ListRevisions(std::string_view) override {
    return No<std::vector<store::CaseRevision>>();
  }
  store::Result<std::vector<store::CaseSummary>> ListCases() override { return No<std::vector<store::CaseSummary>>(); }
  store::Result<store::Evaluation> AddEvaluation(const store::Evaluation&) override { return No<store::Evaluation>(); }
  store::Result<std::vector<store::Evaluation>> ListEvaluations(std::string_view) override {
    return No<std::vector<store::Evaluation>>();
  }
  store::Result<std::optional<store::Evaluation>> GetEvaluation(std::int64_t) override {
    return No<std::optional<store::Evaluation>>();
  }
  store::Result<store::Decision> AddDecision(const store::Decision&) override { return No<store::Decision>(); }
  store::Result<std::vector<store::Decision>> ListDecisions(std::string_view) override {
    return No<std::vector<store::Decision>>();
  }
  store::Result<store::User> CreateUser(std::string_view, std::string_view, store::Role) override { return No<store::User>(); }
  store::Result<std::optional<store::User>> FindUser(std::string_view) override { return No<std::optional<store::User>>(); }
  store::Result<std::optional<store::User>> FindUserById(std::int64_t) override { return No<std::optional<store::User>>(); }
  store::Result<void> CreateSession(const store::Session&) override { return No<void>(); }
  store::Result<std::optional<store::Session>> FindSession(std::string_view, std::int64_t) override {
    return No<std::optional<store::Session>>();
  }
  store::Result<void> DeleteSession(std::string_view) override { return No<void>(); }
  store::Result<void> CreateApiToken(std::int64_t, std::string_view, std::string_view) override { return No<void>(); }
  store::Result<std::optional<store::User>> FindUserByApiToken(std::string_view) override {
    return No<std::optional<store::User>>();
  }
  store::Result<store::AuditEntry> AppendAudit(std::string_view, std::string_view, std::string_view, std::string_view) override {
    return No<store::AuditEntry>();
  }
  store::Result<std::vector<store::AuditEntry>> ListAudit(std::optional<std::string>, std::size_t) override {
    return No<std::vector<store::AuditEntry>>();
  }
  store::Result<std::size_t> VerifyAudit() override { return No<std::size_t>(); }
};

// A FHIR GET that fails and records what was asked (no network in unit tests).
struct FailingFhir {
  std::vector<std::string> urls;
  FhirGetFn Fn() {
    return [this](const std::string& url, const std::string&) -> tl::expected<std::string, std::string> {
      urls.push_back(url);
      return tl::unexpected(std::string("unreachable"));
    };
  }
};

CdsContext Ctx(store::Store* store = nullptr) {
  CdsContext c{&Kb(), store, nullptr, "https://zebra.example.org", kNow};
  return c;
}

Json Cards(const Response& r) {
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  Json j = Json::parse(r.body);
  EXPECT_TRUE(j.contains("cards") && j["cards"].is_array()) << r.body;
  return j["cards"];
}

std::size_t CodePoints(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// The CDS Hooks 2.0 card rules every card must meet.
void ExpectWellFormedCard(const Json& card, const std::string& patient_id) {
  ASSERT_TRUE(card.is_object());
  EXPECT_TRUE(common::testing::IsUuidV4(card["uuid"].get<std::string>())) << card["uuid"];
  std::string summary = card["summary"].get<std::string>();
  EXPECT_FALSE(summary.empty());
  EXPECT_LT(CodePoints(summary), 140u) << summary;
  EXPECT_THAT(summary, Not(HasSubstr(patient_id)));
  EXPECT_THAT(std::vector<std::string>({"info", "warning", "critical"}), ::testing::Contains(card["indicator"].get<std::string>()));
  EXPECT_EQ(card["source"]["label"], "Zebra NET decision support");
  EXPECT_EQ(card["source"]["url"], "https://zebra.example.org/");
  EXPECT_TRUE(card["source"]["topic"].contains("code"));
  std::string detail = card["detail"].get<std::string>();
  EXPECT_THAT(detail, HasSubstr("Zebra knowledge base " + Kb().version()));
  ASSERT_TRUE(card["links"].is_array());
  for (const auto& l : card["links"]) {
    EXPECT_THAT(std::vector<std::string>({"absolute", "smart"}), ::testing::Contains(l["type"].get<std::string>()));
    EXPECT_EQ(l["url"].get<std::string>().rfind("https://zebra.example.org/", 0), 0u);
  }
  if (card.contains("suggestions")) {
    EXPECT_TRUE(card.contains("selectionBehavior"));
    for (const auto& s : card["suggestions"]) EXPECT_TRUE(s["label"].is_string());
  }
  if (card.contains("overrideReasons")) {
    for (const auto& r : card["overrideReasons"]) EXPECT_TRUE(r["display"].is_string());
  }
}

int CountNotice(const Json& cards) {
  int n = 0;
  for (const auto& c : cards) n += c["detail"].get<std::string>().find(std::string(engine::SupportNotice())) != std::string::npos;
  return n;
}

const Json* FindCard(const Json& cards, const std::string& topic) {
  for (const auto& c : cards)
    if (c["source"]["topic"]["code"] == topic) return &c;
  return nullptr;
}

// ---- discovery ----------------------------------------------------------------------------------

TEST(CdsDiscovery, ListsBothServicesWithTheSharedExampleStructure) {
  Json ours = Json::parse(CdsDiscoveryJson());
  Json example = Json::parse(ReadFile(kSharedExamples + "cds-discovery.json"));
  ASSERT_EQ(ours["services"].size(), 2u);
  std::map<std::string, std::string> hooks;
  for (const auto& s : ours["services"]) {
    hooks[s["id"]] = s["hook"];
    for (const auto& [key, value] : example["services"][0].items()) EXPECT_TRUE(s.contains(key)) << key;
    EXPECT_FALSE(s["description"].get<std::string>().empty());
    ASSERT_TRUE(s["prefetch"].is_object());
    EXPECT_EQ(s["prefetch"]["patient"], "Patient/{{context.patientId}}");
    for (const auto& [key, tpl] : s["prefetch"].items())
      EXPECT_THAT(tpl.get<std::string>(), HasSubstr("{{context.patientId}}")) << key;
  }
  EXPECT_EQ(hooks["net-tumor-board"], "patient-view");
  EXPECT_EQ(hooks["net-order-check"], "order-sign");
}

// ---- patient-view -------------------------------------------------------------------------------

TEST(CdsTumorBoard, SharedExampleGivesReadinessAndOptionsCards) {
  FailingFhir fhir;
  CdsContext ctx = Ctx();
  ctx.fhir_get = fhir.Fn();
  Json cards = Cards(HandleCdsHook(ctx, "net-tumor-board", "", ReadFile(kSharedExamples + "cds-patient-view-request.json")));
  ASSERT_GE(cards.size(), 2u);
  std::set<std::string> uuids;
  for (const auto& c : cards) {
    ExpectWellFormedCard(c, "pnet-1");
    uuids.insert(c["uuid"].get<std::string>());
  }
  EXPECT_EQ(uuids.size(), cards.size());
  EXPECT_EQ(CountNotice(cards), 1);

  // The example has no stage, size, nodes or metastasis data: the board cannot stage the case.
  const Json* ready = FindCard(cards, "tumor-board-readiness");
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ((*ready)["indicator"], "warning");
  EXPECT_THAT((*ready)["summary"].get<std::string>(), HasSubstr("size"));
  std::string rd = (*ready)["detail"].get<std::string>();
  EXPECT_THAT(rd, HasSubstr("tumor.nodes_positive"));
  EXPECT_THAT(rd, HasSubstr("Stage group: not determined"));
  EXPECT_THAT(rd, HasSubstr("SSTR PET"));  // no SSTR imaging in the record (as the example's second card says)
  EXPECT_THAT(rd, HasSubstr("tumor.ki67_percent: 8"));
  EXPECT_THAT(rd, HasSubstr("`missing_t_size`"));
  // Medications and procedures were neither prefetched nor fetchable: tried once each, then noted.
  EXPECT_EQ(fhir.urls.size(), 2u);
  for (const auto& u : fhir.urls) EXPECT_EQ(u.rfind("https://ehr.example.org/fhir/r4/", 0), 0u) << u;
  EXPECT_THAT(rd, HasSubstr("could not fetch Procedure"));

  // Pancreatic NET G2, localized: resection is the preferred option (knowledge rule opt_pnet_resection_any_size).
  const Json* opts = FindCard(cards, "treatment-options");
  ASSERT_NE(opts, nullptr);
  EXPECT_EQ((*opts)["indicator"], "info");
  std::string os = (*opts)["summary"].get<std::string>();
  EXPECT_THAT(os, HasSubstr("resection"));
  EXPECT_LT(os.find("(preferred)"), os.find("Clinical trial"));
  std::string od = (*opts)["detail"].get<std::string>();
  EXPECT_THAT(od, HasSubstr("`opt_pnet_resection_any_size`"));
  EXPECT_THAT(od, HasSubstr("Ki-67"));

  // Clinical trials (issue 23): one info card listing the studies of the local registry that may fit.
  const Json* trials = FindCard(cards, "clinical-trials");
  ASSERT_NE(trials, nullptr);
  EXPECT_EQ((*trials)["indicator"], "info");
  EXPECT_THAT((*trials)["summary"].get<std::string>(), HasSubstr("in the local registry may fit"));
  EXPECT_THAT((*trials)["detail"].get<std::string>(), HasSubstr("NCT"));
}

TEST(CdsTumorBoard, CardsLinkToTheSmartLaunchWhenConfigured) {
  const std::string request = ReadFile(kSharedExamples + "cds-patient-view-request.json");
  auto smart_links = [](const Json& card) {
    int n = 0;
    for (const auto& l : card["links"]) {
      if (l["type"] == "smart") {
        EXPECT_EQ(l["url"], "https://zebra.example.org/smart/launch");  // the EHR adds iss and launch
        EXPECT_TRUE(l["label"].is_string());
        ++n;
      }
    }
    return n;
  };
  FailingFhir fhir;
  CdsContext plain = Ctx();
  plain.fhir_get = fhir.Fn();
  Json without = Cards(HandleCdsHook(plain, "net-tumor-board", "", request));
  ASSERT_FALSE(without.empty());
  for (const auto& card : without) EXPECT_EQ(smart_links(card), 0);
  CdsContext ctx = plain;
  ctx.smart_launch_url = "https://zebra.example.org/smart/launch";
  Json with = Cards(HandleCdsHook(ctx, "net-tumor-board", "", request));
  ASSERT_EQ(with.size(), without.size());
  for (const auto& card : with) {
    ExpectWellFormedCard(card, "pnet-1");
    EXPECT_EQ(smart_links(card), 1);
  }
}

TEST(CdsTumorBoard, CriticalAlertIsItsOwnCardFirst) {
  // Small-intestinal NET with carcinoid syndrome: carcinoid-crisis prophylaxis must not be missed.
  Json req = Json::parse(ReadFile(kFixtures + "order-sign-lanreotide-small-intestine.json"));
  req["hook"] = "patient-view";
  req["context"].erase("draftOrders");
  Json cards = Cards(HandleCdsHook(Ctx(), "net-tumor-board", "", req.dump()));
  ASSERT_FALSE(cards.empty());
  EXPECT_EQ(cards[0]["indicator"], "critical");
  EXPECT_EQ(cards[0]["source"]["topic"]["code"], "alert.carcinoid_crisis_prophylaxis");
  EXPECT_THAT(cards[0]["detail"].get<std::string>(), HasSubstr("`al_crisis_cs"));
  for (const auto& c : cards) ExpectWellFormedCard(c, req["context"]["patientId"]);
}

TEST(CdsTumorBoard, NoPrefetchAndNoFhirServerIs412) {
  Response r = HandleCdsHook(Ctx(), "net-tumor-board", "", ReadFile(kFixtures + "patient-view-no-data.json"));
  EXPECT_EQ(r.status, 412);
  EXPECT_THAT(r.body, HasSubstr("prefetch.patient"));
}

TEST(CdsTumorBoard, FetchesFromFhirServerWhenNotPrefetched) {
  // Serve the shared mCODE bundle as a FHIR server would.
  Json bundle = Json::parse(ReadFile(std::string(ZEBRA_SOURCE_DIR) + "/../shared/examples/fhir/mcode-pnet-g2-bundle.json"));
  std::map<std::string, Json> by_type;
  for (const auto& e : bundle["entry"]) by_type[e["resource"]["resourceType"].get<std::string>()].push_back(e["resource"]);
  std::vector<std::string> urls, tokens;
  std::mutex mu;  // the service fetches its prefetch keys in parallel
  CdsContext ctx = Ctx();
  ctx.fhir_get = [&](const std::string& url, const std::string& token) -> tl::expected<std::string, std::string> {
    std::lock_guard<std::mutex> lock(mu);
    urls.push_back(url);
    tokens.push_back(token);
    std::string rest = url.substr(std::string("https://ehr.example.org/fhir/").size());
    std::string type = rest.substr(0, rest.find_first_of("/?"));
    if (type == "Patient") return by_type["Patient"][0].dump();
    Json ss = {{"resourceType", "Bundle"}, {"type", "searchset"}, {"entry", Json::array()}};
    for (const auto& r : by_type[type]) ss["entry"].push_back({{"resource", r}});
    return ss.dump();
  };
  std::string pid = by_type["Patient"][0]["id"];
  Json req = {{"hook", "patient-view"},
              {"hookInstance", "d1"},
              {"fhirServer", "https://ehr.example.org/fhir/"},
              {"fhirAuthorization", {{"access_token", "tok-123"}, {"token_type", "Bearer"}, {"expires_in", 30},
                                     {"scope", "user/*.read"}, {"subject", "zebra"}}},
              {"context", {{"userId", "Practitioner/1"}, {"patientId", pid}}}};
  Json cards = Cards(HandleCdsHook(ctx, "net-tumor-board", "", req.dump()));
  EXPECT_EQ(urls.size(), 5u);  // one per prefetch template
  for (const auto& t : tokens) EXPECT_EQ(t, "tok-123");
  EXPECT_THAT(urls, ::testing::Contains("https://ehr.example.org/fhir/Condition?patient=" + pid));
  const Json* opts = FindCard(cards, "treatment-options");
  ASSERT_NE(opts, nullptr);
  EXPECT_THAT((*opts)["summary"].get<std::string>(), HasSubstr("G2"));
}

TEST(CdsRequests, BadRequestsName400TheField) {
  auto expect_400 = [](const std::string& service, const std::string& body, const std::string& field) {
    Response r = HandleCdsHook(Ctx(), service, "", body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_EQ(r.content_type, "application/problem+json");
    Json p = Json::parse(r.body);
    EXPECT_EQ(p["errors"][0]["path"], field) << r.body;
  };
  expect_400("net-tumor-board", "{not json", "$");
  expect_400("net-tumor-board", "[1,2]", "$");
  expect_400("net-tumor-board", std::string(200, '[') + std::string(200, ']'), "$");
  Json good = Json::parse(ReadFile(kSharedExamples + "cds-patient-view-request.json"));
  expect_400("net-order-check", good.dump(), "$.hook");  // patient-view sent to the order-sign service
  Json j = good;
  j.erase("hookInstance");
  expect_400("net-tumor-board", j.dump(), "$.hookInstance");
  j = good;
  j["context"].erase("patientId");
  expect_400("net-tumor-board", j.dump(), "$.context.patientId");
  j = good;
  j["fhirServer"] = 7;
  expect_400("net-tumor-board", j.dump(), "$.fhirServer");
  Json order = Json::parse(ReadFile(kFixtures + "order-sign-sunitinib-small-intestine.json"));
  order["context"].erase("draftOrders");
  expect_400("net-order-check", order.dump(), "$.context.draftOrders");
  EXPECT_EQ(HandleCdsHook(Ctx(), "no-such-service", "", good.dump()).status, 404);
}

// ---- order-sign ---------------------------------------------------------------------------------

Json OrderCards(const std::string& fixture) {
  Json req = Json::parse(ReadFile(kFixtures + fixture));
  Json cards = Cards(HandleCdsHook(Ctx(), "net-order-check", "", req.dump()));
  for (const auto& c : cards) ExpectWellFormedCard(c, req["context"]["patientId"]);
  return cards;
}

TEST(CdsOrderCheck, PrrtWithNegativeSstrImagingWarns) {
  Json cards = OrderCards("order-sign-prrt-sstr-negative.json");
  ASSERT_EQ(cards.size(), 1u);
  EXPECT_EQ(cards[0]["indicator"], "warning");
  std::string detail = cards[0]["detail"].get<std::string>();
  EXPECT_THAT(detail, HasSubstr("`nr_prrt_sstr_negative`"));
  EXPECT_THAT(detail, HasSubstr("Sources:"));
  EXPECT_THAT(detail, HasSubstr(std::string(engine::SupportNotice())));
  ASSERT_TRUE(cards[0].contains("suggestions"));
  EXPECT_EQ(cards[0]["suggestions"][0]["actions"][0]["type"], "delete");
  EXPECT_EQ(cards[0]["suggestions"][0]["actions"][0]["resourceId"], "ServiceRequest/draft-prrt");
}

TEST(CdsOrderCheck, SunitinibForSmallIntestinalNetWarns) {
  Json cards = OrderCards("order-sign-sunitinib-small-intestine.json");
  ASSERT_EQ(cards.size(), 1u);
  EXPECT_EQ(cards[0]["indicator"], "warning");
  EXPECT_THAT(cards[0]["summary"].get<std::string>(), HasSubstr("unitinib"));
  EXPECT_THAT(cards[0]["detail"].get<std::string>(), HasSubstr("`nr_sunitinib_not_pancreas`"));
}

TEST(CdsOrderCheck, EverolimusWithUncontrolledDiabetesWarns) {
  Json cards = OrderCards("order-sign-everolimus-diabetes.json");
  ASSERT_EQ(cards.size(), 1u);
  EXPECT_EQ(cards[0]["indicator"], "warning");
  EXPECT_THAT(cards[0]["detail"].get<std::string>(), HasSubstr("`nr_everolimus_diabetes`"));
}

TEST(CdsOrderCheck, FittingTherapyGivesNoCards) {
  EXPECT_TRUE(OrderCards("order-sign-lanreotide-small-intestine.json").empty());
}

TEST(CdsOrderCheck, NonNetOrdersAndEmptyDraftsGiveNoCards) {
  Json req = Json::parse(ReadFile(kFixtures + "order-sign-sunitinib-small-intestine.json"));
  req["context"]["draftOrders"]["entry"][0]["resource"]["medicationCodeableConcept"] = {{"text", "Paracetamol 1 g"}};
  EXPECT_TRUE(Cards(HandleCdsHook(Ctx(), "net-order-check", "", req.dump())).empty());
  req["context"]["draftOrders"].erase("entry");
  EXPECT_TRUE(Cards(HandleCdsHook(Ctx(), "net-order-check", "", req.dump())).empty());
}

TEST(CdsOrderCheck, CapecitabineAndTemozolomideAreJudgedAsOneRegimen) {
  // CAPTEM for a small-intestinal NET: the knowledge base does not recommend it (nr_chemo_midgut).
  Json req = Json::parse(ReadFile(kFixtures + "order-sign-sunitinib-small-intestine.json"));
  Json& entries = req["context"]["draftOrders"]["entry"];
  entries[0]["resource"]["id"] = "draft-cape";
  entries[0]["resource"]["medicationCodeableConcept"] = {
      {"coding", {{{"system", "http://www.nlm.nih.gov/research/umls/rxnorm"}, {"code", "194000"}}}}};
  Json tmz = entries[0];
  tmz["resource"]["id"] = "draft-tmz";
  tmz["resource"]["medicationCodeableConcept"] = {{"text", "Temozolomide 200 mg/m2 days 10-14"}};
  entries.push_back(tmz);
  Json cards = Cards(HandleCdsHook(Ctx(), "net-order-check", "", req.dump()));
  ASSERT_EQ(cards.size(), 1u) << cards.dump(1);
  EXPECT_EQ(cards[0]["indicator"], "warning");
  EXPECT_THAT(cards[0]["summary"].get<std::string>(), HasSubstr("apecitabine"));
  EXPECT_EQ(cards[0]["suggestions"][0]["actions"].size(), 2u);
}

// ---- feedback -----------------------------------------------------------------------------------

TEST(CdsFeedback, SharedExampleIsStored) {
  FakeStore store;
  Response r = HandleCdsFeedback(Ctx(&store), "net-tumor-board", "", ReadFile(kSharedExamples + "cds-feedback.json"));
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
  ASSERT_EQ(store.feedback.size(), 1u);
  EXPECT_EQ(store.feedback[0].first, "net-tumor-board");
  Json stored = Json::parse(store.feedback[0].second);
  EXPECT_EQ(stored["outcome"], "overridden");
  EXPECT_EQ(stored["card"], "0b6f2a52-1a7e-4c0e-8a58-6a2f0d9e7c11");
}

TEST(CdsFeedback, InvalidFeedbackIs400AndNotStored) {
  FakeStore store;
  auto status = [&](const Json& body) { return HandleCdsFeedback(Ctx(&store), "net-order-check", "", body.dump()).status; };
  Json ok = {{"feedback", {{{"card", "u1"}, {"outcome", "accepted"}, {"outcomeTimestamp", "2025-03-14T10:05:31Z"},
                            {"acceptedSuggestions", {{{"id", "s1"}}}}}}}};
  EXPECT_EQ(status(ok), 200);
  Json bad = ok;
  bad["feedback"][0]["outcome"] = "ignored";
  EXPECT_EQ(status(bad), 400);
  bad = ok;
  bad["feedback"][0].erase("card");
  EXPECT_EQ(status(bad), 400);
  bad = ok;
  bad["feedback"][0]["outcomeTimestamp"] = "yesterday";
  EXPECT_EQ(status(bad), 400);
  bad = ok;
  bad["feedback"][0]["acceptedSuggestions"] = {{{"uuid", "s1"}}};
  EXPECT_EQ(status(bad), 400);
  EXPECT_EQ(status(Json{{"feedback", Json::array()}}), 400);
  EXPECT_EQ(store.feedback.size(), 1u);
  store.fail_feedback = true;
  EXPECT_EQ(status(ok), 503);
  EXPECT_EQ(HandleCdsFeedback(Ctx(&store), "nope", "", ok.dump()).status, 404);
}

// ---- authentication with the real verifier -------------------------------------------------------

std::string SignRs384(EVP_PKEY* pkey, const Json& payload) {
  return auth::testing::SignRsaJwt(pkey, EVP_sha384(), R"({"alg":"RS384","typ":"JWT","kid":"k1"})", payload.dump());
}

TEST(CdsAuth, RealVerifierBareFailuresAndReplay) {
  const auto key = auth::testing::GenerateRsa();
  ASSERT_TRUE(key);
  nlohmann::json jwk = auth::testing::RsaJwk(key.get(), "k1");
  jwk["alg"] = "RS384";
  jwk["use"] = "sig";
  const nlohmann::json jwks = {{"keys", {jwk}}};
  auto dir = std::filesystem::temp_directory_path() / ("cds_auth_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "jwks.json") << jwks.dump();
  auth::JwtVerifierOptions options;
  options.audience = "https://zebra.example.org";  // the server passes its service URL
  options.issuers.push_back({"https://ehr.example.org", (dir / "jwks.json").string(), ""});
  auto verifier = auth::MakeJwtVerifier(options);
  ASSERT_TRUE(verifier) << common::ToString(verifier.error());

  FakeStore store;
  CdsContext ctx = Ctx(&store);
  ctx.verifier = verifier->get();
  std::string body = ReadFile(kFixtures + "order-sign-lanreotide-small-intestine.json");
  auto token = [&](const std::string& jti, const Json& aud) {
    return SignRs384(key.get(), {{"iss", "https://ehr.example.org"}, {"aud", aud}, {"iat", kNow - 10},
                                 {"exp", kNow + 290}, {"jti", jti}});
  };
  Response ok = HandleCdsHook(ctx, "net-order-check", "Bearer " + token("j1", "https://zebra.example.org"), body);
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(store.jtis.size(), 1u);
  for (const std::string& header :
       {std::string(), std::string("Basic abc"), std::string("Bearer "), std::string("Bearer not.a.jwt"),
        "Bearer " + token("j1", "https://zebra.example.org"),  // replayed jti
        "Bearer " + token("j2", "https://elsewhere.example.org")}) {
    Response r = HandleCdsHook(ctx, "net-order-check", header, body);
    EXPECT_EQ(r.status, 401) << header;
    EXPECT_TRUE(r.body.empty());
  }
  EXPECT_EQ(HandleCdsFeedback(ctx, "net-order-check", "", R"({"feedback":[]})").status, 401);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace zebra::api::cds_hooks_test
