// The router and handlers called directly: no sockets, no HTTP library.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "build_info.h"
#include "api/api.h"
#include "api/metrics.h"
#include "engine/testing.h"

namespace zebra::api::router_test {
namespace {

using ::testing::HasSubstr;

Request Make(std::string method, std::string path, std::string body = "") {
  Request r;
  r.method = std::move(method);
  r.path = path;
  r.target = std::move(path);
  r.body = std::move(body);
  return r;
}

Response Echo(const Request& req, Services&) {
  Json out = Json::object();
  out["route"] = req.route;
  for (const auto& [name, value] : req.path_params) out[name] = value;
  return JsonResponse(200, out);
}

Router TestRouter() {
  Router router;
  router.Add({"GET", "/v1/things", Access::kOpen, Echo});
  router.Add({"POST", "/v1/things", Access::kOpen, Echo});
  router.Add({"GET", "/v1/things/{id}", Access::kOpen, Echo});
  router.Add({"DELETE", "/v1/things/{id}", Access::kOpen, Echo});
  router.Add({"POST", "/v1/things/{id}/runs/{eid}/replay", Access::kOpen, Echo});
  router.Add({"GET", "/v1/secret", Access::kViewer, Echo});
  router.Add({"GET", "/v1/demo-only", Access::kOpenInDemo, Echo});
  router.Add({"GET", "/metrics", Access::kOpen, Echo});
  return router;
}

Json Body(const Response& r) { return Json::parse(r.body); }

TEST(Router, MatchesLiteralAndParameterSegments) {
  Router router = TestRouter();
  Services s;
  Request req = Make("GET", "/v1/things/abc-1.2_X");
  Response r = router.Dispatch(req, s);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Body(r)["route"], "/v1/things/{id}");
  EXPECT_EQ(Body(r)["id"], "abc-1.2_X");
  EXPECT_EQ(req.PathParam("id"), "abc-1.2_X");

  Request replay = Make("POST", "/v1/things/c1/runs/42/replay");
  r = router.Dispatch(replay, s);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Body(r)["eid"], "42");
  EXPECT_EQ(Body(r)["route"], "/v1/things/{id}/runs/{eid}/replay");
}

TEST(Router, ParameterValuesAreConstrained) {
  Router router = TestRouter();
  Services s;
  // {eid}: 1 to 18 digits. Other names: 1 to 128 of [A-Za-z0-9_.-].
  for (const char* path : {"/v1/things/c1/runs/4a/replay", "/v1/things/c1/runs/1234567890123456789/replay",
                           "/v1/things/c1/runs//replay"}) {
    Request req = Make("POST", path);
    EXPECT_EQ(router.Dispatch(req, s).status, 404) << path;
  }
  for (const std::string& path :
       std::vector<std::string>{"/v1/things/a b", "/v1/things/a%2Fb", "/v1/things/" + std::string(129, 'x')}) {
    Request req = Make("DELETE", path);
    EXPECT_EQ(router.Dispatch(req, s).status, 404) << path;
  }
  Request longest = Make("DELETE", "/v1/things/" + std::string(128, 'x'));
  EXPECT_EQ(router.Dispatch(longest, s).status, 200);
}

TEST(Router, SegmentCountsMustAgree) {
  Router router = TestRouter();
  Services s;
  for (const char* path : {"/v1/things/", "/v1/things/x/", "/v1/things/x/y", "/v1//things", "/v1", "", "v1/things"}) {
    Request req = Make("DELETE", path);
    EXPECT_EQ(router.Dispatch(req, s).status, 404) << path;
  }
}

TEST(Router, UnknownPathIs404AndKnownPathWithOtherMethodIs405WithAllow) {
  Router router = TestRouter();
  Services s;
  Request unknown = Make("POST", "/v1/nothing");
  Response r = router.Dispatch(unknown, s);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, kProblemType);
  EXPECT_EQ(Body(r)["type"], "urn:zebra:problem:not-found");
  EXPECT_EQ(unknown.route, "unmatched");

  Request wrong = Make("PUT", "/v1/things/t1");
  r = router.Dispatch(wrong, s);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers.Get("Allow"), "GET, DELETE");
  EXPECT_EQ(Body(r)["type"], "urn:zebra:problem:method-not-allowed");
  EXPECT_EQ(wrong.route, "unmatched");  // a bounded metrics label
}

TEST(Router, HeadIsAnsweredByGetRoutes) {
  Router router = TestRouter();
  Services s;
  Request head = Make("HEAD", "/v1/things");
  EXPECT_EQ(router.Dispatch(head, s).status, 200);
  EXPECT_EQ(head.route, "/v1/things");
}

TEST(Router, UnmatchedGetGoesToTheFallbackOthersDoNot) {
  Router router = TestRouter();
  Services s;
  Request before = Make("GET", "/app/page");
  EXPECT_EQ(router.Dispatch(before, s).status, 404);  // no fallback yet
  router.SetFallback([](const Request&, Services&) {
    Response r;
    r.SetContent("page", "text/html");
    return r;
  });
  Request page = Make("GET", "/app/page");
  Response r = router.Dispatch(page, s);
  EXPECT_EQ(r.body, "page");
  EXPECT_EQ(page.route, "static");
  Request post = Make("POST", "/app/page");
  EXPECT_EQ(router.Dispatch(post, s).status, 404);
}

TEST(Router, ApiAnswersAreNotCached) {
  Router router = TestRouter();
  Services s;
  Request api = Make("GET", "/v1/things");
  EXPECT_EQ(router.Dispatch(api, s).headers.Get("cache-control"), "no-store");
  Request metrics = Make("GET", "/metrics");
  EXPECT_FALSE(router.Dispatch(metrics, s).headers.Has("Cache-Control"));
}

TEST(Router, ProtectedRoutesAreABare401WithoutCredentials) {
  Router router = TestRouter();
  Services s;  // no credentials sent: the store is never asked
  Request req = Make("GET", "/v1/secret");
  Response r = router.Dispatch(req, s);
  EXPECT_EQ(r.status, 401);
  EXPECT_TRUE(r.body.empty());
  EXPECT_FALSE(req.principal.has_value());

  Request demo = Make("GET", "/v1/demo-only");
  EXPECT_EQ(router.Dispatch(demo, s).status, 401);
  s.config.demo = true;
  Request open = Make("GET", "/v1/demo-only");
  EXPECT_EQ(router.Dispatch(open, s).status, 200);
}

TEST(Request, HeadersAreCaseInsensitiveAndCookiesAreFound) {
  Request req;
  req.headers.Add("X-CSRF-Token", "abc");
  req.headers.Add("cookie", "a=1; zebra_session=s3cr3t");
  req.headers.Add("Cookie", "zebra_oidc=b");
  EXPECT_EQ(req.Header("x-csrf-token"), "abc");
  EXPECT_EQ(req.headers.Count("COOKIE"), 2u);
  EXPECT_EQ(req.Cookie("zebra_session").value_or(""), "s3cr3t");
  EXPECT_EQ(req.Cookie("zebra_oidc").value_or(""), "b");
  EXPECT_FALSE(req.Cookie("zebra").has_value());
}

TEST(CoreRoutes, OneHandlerPerMethodAndTemplate) {
  std::set<std::string> seen;
  for (const auto& route : CoreRoutes()) {
    EXPECT_TRUE(route.handler) << route.path;
    EXPECT_TRUE(seen.insert(route.method + " " + route.path).second) << route.method << " " << route.path;
  }
  EXPECT_TRUE(seen.count("POST /v1/evaluate"));
  EXPECT_TRUE(seen.count("POST /cds-services/{id}/feedback"));
}

// ---- handlers through the core table, without a server -------------------------------------------

const std::shared_ptr<const engine::Knowledge>& Kb() { return engine::testing::SourceKnowledge(); }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Stateless {
  Metrics metrics;
  Services services;
  Router router;
  Stateless() {
    services.kb = Kb();
    services.metrics = &metrics;
    services.config.demo = true;  // the stateless routes open, as with --demo
    for (auto& r : CoreRoutes()) router.Add(std::move(r));
  }
  Response Call(Request req) { return router.Dispatch(req, services); }
};

TEST(Handlers, EvaluateAnswersTheEngineBytes) {
  Stateless st;
  const std::string text = ReadFile(std::string(ZEBRA_SOURCE_DIR) + "/examples/cases/pnet_g3_metastatic.json");
  ASSERT_FALSE(text.empty());
  auto expected = engine::Evaluate(*Kb(), engine::CaseInput{text, engine::InputKind::kAuto, {}});
  ASSERT_TRUE(expected);
  Response r = st.Call(Make("POST", "/v1/evaluate", text));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, expected->output);
  EXPECT_THAT(st.metrics.Render(), HasSubstr("zebra_evaluations_total 1"));
}

TEST(Handlers, EvaluateRefusesBadParametersAndInputWithPaths) {
  Stateless st;
  Request bad_date = Make("POST", "/v1/evaluate", "{}");
  bad_date.query.emplace("as_of", "2025-1-01");
  Response r = st.Call(bad_date);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Body(r)["errors"][0]["path"], "as_of");

  Request bad_lang = Make("POST", "/v1/evaluate", "{}");
  bad_lang.query.emplace("lang", "fr");
  EXPECT_EQ(Body(st.Call(bad_lang))["errors"][0]["path"], "lang");

  r = st.Call(Make("POST", "/v1/evaluate", "{\"a\": "));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Body(r)["type"], "urn:zebra:problem:invalid-json");
}

TEST(Handlers, KnowledgeModelByName) {
  Stateless st;
  Response r = st.Call(Make("GET", "/v1/knowledge/models/treatment.dmn"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/xml");
  EXPECT_EQ(st.Call(Make("GET", "/v1/knowledge/models/nope.dmn")).status, 404);
}

}  // namespace
}  // namespace zebra::api::router_test
