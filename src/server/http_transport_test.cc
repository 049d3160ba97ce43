// The transport's own parts that need sockets: the FHIR client CDS Hooks fetches with.
// (Routing and handlers are tested without sockets in src/api; the served HTTP surface in
// server_test.cc.)
#include "server/http_transport.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "api/cds_hooks.h"
#include "engine/testing.h"

namespace zebra::server::http_transport_test {
namespace {

using Json = nlohmann::ordered_json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::int64_t kNow = 1748779200;  // 2025-06-01T12:00:00Z

// The transport's client, as the server wires it (Services::fhir_fetch).
api::CdsContext Ctx() {
  api::CdsContext c{engine::testing::SourceKnowledge().get(), nullptr, nullptr, "https://zebra.example.org", kNow};
  c.fhir_fetch = HttpFhirGet;
  return c;
}

Json Cards(const api::Response& r) {
  EXPECT_EQ(r.status, 200) << r.body;
  Json j = Json::parse(r.body);
  EXPECT_TRUE(j.contains("cards") && j["cards"].is_array()) << r.body;
  return j["cards"];
}

const Json* FindCard(const Json& cards, const std::string& topic) {
  for (const auto& c : cards)
    if (c["source"]["topic"]["code"] == topic) return &c;
  return nullptr;
}

TEST(CdsTumorBoard, RealHttpFetchFromLoopbackServer) {
  httplib::Server fhir;
  std::string seen_auth;
  fhir.Get(R"(/fhir/Patient/p1)", [&](const httplib::Request& req, httplib::Response& res) {
    seen_auth = req.get_header_value("Authorization");
    res.set_content(R"({"resourceType":"Patient","id":"p1","gender":"male"})", "application/fhir+json");
  });
  fhir.Get("/fhir/Condition", [&](const httplib::Request& req, httplib::Response& res) {
    EXPECT_EQ(req.get_param_value("patient"), "p1");
    res.set_content(
        R"({"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Condition","id":"c1",)"
        R"("code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"C7A.012"}]},"subject":{"reference":"Patient/p1"}}}]})",
        "application/fhir+json");
  });
  fhir.Get("/fhir/.*", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"resourceType":"Bundle","type":"searchset"})", "application/fhir+json");
  });
  int port = fhir.bind_to_any_port("127.0.0.1");
  std::thread t([&] { fhir.listen_after_bind(); });
  while (!fhir.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::string base = "http://127.0.0.1:" + std::to_string(port) + "/fhir";

  auto direct = HttpFhirGet(base + "/Patient/p1", "secret", false);  // loopback: http allowed
  ASSERT_TRUE(direct) << direct.error();
  EXPECT_THAT(*direct, HasSubstr("\"p1\""));
  EXPECT_EQ(seen_auth, "Bearer secret");
  EXPECT_FALSE(HttpFhirGet("http://ehr.example.org/fhir/Patient/p1", "secret", false));  // http elsewhere: refused
  EXPECT_FALSE(HttpFhirGet("ftp://127.0.0.1/x", "secret", true));

  Json req = {{"hook", "patient-view"},
              {"hookInstance", "h1"},
              {"fhirServer", base},
              {"fhirAuthorization", {{"access_token", "secret"}, {"token_type", "Bearer"}}},
              {"context", {{"userId", "Practitioner/1"}, {"patientId", "p1"}}}};
  Json cards = Cards(api::HandleCdsHook(Ctx(), "net-tumor-board", "", req.dump()));
  const Json* opts = FindCard(cards, "treatment-options");
  ASSERT_NE(opts, nullptr);
  EXPECT_THAT((*opts)["detail"].get<std::string>(), Not(HasSubstr("could not fetch")));
  fhir.stop();
  t.join();
}

// ---- request validation ---------------------------------------------------------------------------

}  // namespace
}  // namespace zebra::server::http_transport_test
