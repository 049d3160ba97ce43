// The SMART launch state machine with a fake EHR behind the HttpFn seam: iss allow-list, state
// (single use, browser-bound), PKCE S256, token answers, paging links; configuration; the export.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "auth/auth.h"
#include "auth/testing.h"
#include "engine/engine.h"
#include "smart/smart.h"
#include "store/store.h"

namespace zebra::smart {
namespace {

using auth::internal::HttpAnswer;
using auth::internal::HttpCall;

constexpr const char* kBase = "https://ehr.example.org/fhir";

// A search page with one Ki-67 observation of p1 whose valueQuantity is `quantity`.
std::string Ki67Page(const Json& quantity) {
  return Json{{"resourceType", "Bundle"}, {"type", "searchset"},
      {"entry", Json::array({Json{{"resource", Json{{"resourceType", "Observation"}, {"id", "k"}, {"status", "final"},
          {"subject", Json{{"reference", "Patient/p1"}}}, {"effectiveDateTime", "2025-02-27"},
          {"code", Json{{"coding", Json::array({Json{{"system", "http://loinc.org"}, {"code", "29593-1"}}})}}},
          {"valueQuantity", quantity}}}}})}}
      .dump();
}

// Whether a launch step failed, and with `kind` (the message says what came instead).
template <class R>
::testing::AssertionResult FailedWith(const R& r, std::string_view code) {
  if (r) return ::testing::AssertionFailure() << "it succeeded";
  if (r.error().code != code)
    return ::testing::AssertionFailure() << "it failed as " << r.error().code << ": " << r.error().message;
  return ::testing::AssertionSuccess();
}

std::map<std::string, std::string> Query(const std::string& url) {
  std::map<std::string, std::string> out;
  const auto q = url.find('?');
  std::string rest = q == std::string::npos ? "" : url.substr(q + 1);
  std::size_t pos = 0;
  while (pos < rest.size()) {
    auto amp = rest.find('&', pos);
    if (amp == std::string::npos) amp = rest.size();
    const std::string part = rest.substr(pos, amp - pos);
    const auto eq = part.find('=');
    out[part.substr(0, eq)] = eq == std::string::npos ? "" : part.substr(eq + 1);
    pos = amp + 1;
  }
  return out;
}

std::string IdToken(const Json& claims) {
  return auth::Base64UrlEncode(R"({"alg":"RS256"})") + "." + auth::Base64UrlEncode(claims.dump()) + ".sig";
}

// A scripted EHR: smart-configuration, token endpoint (checks the verifier against the challenge
// the test hands it) and FHIR searches.
struct FakeEhr {
  std::string challenge;  // of the authorization request
  Json config = Json{{"issuer", "https://ehr.example.org/auth"},
                     {"authorization_endpoint", "https://ehr.example.org/auth/authorize"},
                     {"token_endpoint", "https://ehr.example.org/auth/token"},
                     {"code_challenge_methods_supported", Json::array({"S256"})}};
  Json token_answer;
  std::vector<HttpCall> calls;
  std::map<std::string, std::string> pages;  // URL -> body
  std::string next_link;                     // appended to the first Observation page

  FakeEhr() {
    token_answer = Json{{"access_token", "secret-access-token"},
                        {"token_type", "Bearer"},
                        {"patient", "p1"},
                        {"id_token", IdToken(Json{{"iss", "https://ehr.example.org/auth"},
                                                  {"aud", "zebra"},
                                                  {"exp", 4000000000},
                                                  {"fhirUser", "Practitioner/dr-a"}})}};
  }

  HttpFn Fn() {
    return [this](const HttpCall& call) -> tl::expected<HttpAnswer, common::Error> {
      calls.push_back(call);
      if (call.url == std::string(kBase) + "/.well-known/smart-configuration") return HttpAnswer{200, config.dump()};
      if (call.url == "https://ehr.example.org/auth/token") {
        const auto form = Query("?" + call.form);
        if (!form.count("code_verifier") || auth::PkceS256Challenge(form.at("code_verifier")) != challenge) {
          return HttpAnswer{400, R"({"error":"invalid_grant"})"};
        }
        return HttpAnswer{200, token_answer.dump()};
      }
      if (call.authorization != "Bearer secret-access-token") return HttpAnswer{401, "{}"};
      if (const auto it = pages.find(call.url); it != pages.end()) return HttpAnswer{200, it->second};
      if (call.url == std::string(kBase) + "/Patient/p1") {
        return HttpAnswer{200, R"({"resourceType":"Patient","id":"p1","gender":"female"})"};
      }
      Json bundle = Json{{"resourceType", "Bundle"}, {"type", "searchset"}, {"entry", Json::array()}};
      if (call.url.find("/Observation?") != std::string::npos && !next_link.empty()) {
        bundle["entry"].push_back(Json{{"resource", Json{{"resourceType", "Observation"},
                                                         {"id", "o1"},
                                                         {"status", "final"},
                                                         {"subject", Json{{"reference", std::string(kBase) + "/Patient/p1"}}},
                                                         {"performer", Json::array({Json{{"reference", "Practitioner/x"}}})},
                                                         {"code", Json{{"text", "note"}}}}}});
        bundle["link"] = Json::array({Json{{"relation", "next"}, {"url", next_link}}});
      }
      return HttpAnswer{200, bundle.dump()};
    };
  }
};

// Loaded once for the tests that need it (a few seconds).
const std::shared_ptr<const engine::Knowledge>& Kb() {
  static const auto kb = [] {
    auto loaded = engine::Knowledge::Load(engine::Knowledge::DefaultDir());
    EXPECT_TRUE(loaded);
    return loaded ? *loaded : nullptr;
  }();
  return kb;
}

SmartConfig Config() {
  SmartConfig c;
  c.client_id = "zebra";
  c.redirect_uri = "https://zebra.example.org/smart/callback";
  c.issuers = {kBase};
  return c;
}

struct Started {
  LaunchStart start;
  std::map<std::string, std::string> query;
};

Started Begin(Launcher& l, FakeEhr& ehr, std::string_view launch = "xyz") {
  auto start = l.Begin(kBase, launch, 1000);
  EXPECT_TRUE(start) << (start ? "" : start.error().message);
  Started s{*start, Query(start->authorization_url)};
  ehr.challenge = s.query["code_challenge"];
  return s;
}

TEST(SmartLaunch, AuthorizationRequestHasPkceStateAudAndScopes) {
  FakeEhr ehr;
  auto l = MakeLauncher(Config(), false, ehr.Fn());
  auto s = Begin(*l, ehr);
  EXPECT_EQ(s.start.authorization_url.rfind("https://ehr.example.org/auth/authorize?", 0), 0u);
  EXPECT_EQ(s.query["response_type"], "code");
  EXPECT_EQ(s.query["client_id"], "zebra");
  EXPECT_EQ(s.query["aud"], auth::PercentEncode(kBase));
  EXPECT_EQ(s.query["code_challenge_method"], "S256");
  EXPECT_EQ(s.query["code_challenge"].size(), 43u);
  EXPECT_EQ(s.query["launch"], "xyz");
  EXPECT_EQ(s.query["scope"], auth::PercentEncode("launch openid fhirUser patient/*.rs"));
  EXPECT_GE(s.query["state"].size(), 43u);
  // Standalone: launch/patient, no launch parameter; every launch gets a new state and challenge.
  auto t = Begin(*l, ehr, "");
  EXPECT_EQ(t.query["scope"], auth::PercentEncode("launch/patient openid fhirUser patient/*.rs"));
  EXPECT_FALSE(t.query.count("launch"));
  EXPECT_NE(t.query["state"], s.query["state"]);
  EXPECT_NE(t.query["code_challenge"], s.query["code_challenge"]);
}

TEST(SmartLaunch, PkceChallengeIsRfc7636S256) {
  // RFC 7636 Appendix B.
  EXPECT_EQ(auth::PkceS256Challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST(SmartLaunch, IssuerAllowList) {
  FakeEhr ehr;
  auto l = MakeLauncher(Config(), false, ehr.Fn());
  for (const char* iss : {"https://ehr.example.org/fhir2", "https://ehr.example.org", "https://evil.example/fhir",
                          "http://ehr.example.org/fhir", "https://ehr.example.org/fhir/../x"}) {
    EXPECT_TRUE(FailedWith(l->Begin(iss, "xyz", 1000), failure::kIssuerNotAllowed)) << iss;
  }
  EXPECT_TRUE(ehr.calls.empty());  // nothing fetched for an unconfigured issuer
  EXPECT_TRUE(l->Begin(std::string(kBase) + "/", "xyz", 1000));  // a trailing slash is the same base
  EXPECT_TRUE(FailedWith(l->Begin("", "xyz", 1000), failure::kBadRequest));
}

TEST(SmartLaunch, RefusesAnEhrWithoutS256) {
  FakeEhr ehr;
  ehr.config["code_challenge_methods_supported"] = Json::array({"plain"});
  auto l = MakeLauncher(Config(), false, ehr.Fn());
  EXPECT_TRUE(FailedWith(l->Begin(kBase, "xyz", 1000), failure::kPkceUnsupported));
  ehr.config.erase("code_challenge_methods_supported");
  EXPECT_TRUE(FailedWith(l->Begin(kBase, "xyz", 1000), failure::kPkceUnsupported));
  ehr.config = Json{{"token_endpoint", "http://ehr.example.org/token"}};
  EXPECT_TRUE(FailedWith(l->Begin(kBase, "xyz", 1000), failure::kDiscovery));
}

TEST(SmartLaunch, FinishReadsThePatientAndKeepsTheTokenInside) {
  FakeEhr ehr;
  auto l = MakeLauncher(Config(), false, ehr.Fn());
  auto s = Begin(*l, ehr);
  auto data = l->Finish("the-code", s.query["state"], s.start.browser_binding, 1001);
  ASSERT_TRUE(data) << data.error().message;
  EXPECT_EQ(data->patient_id, "p1");
  EXPECT_EQ(data->who.subject, "Practitioner/dr-a");
  EXPECT_EQ(data->fhir_base, kBase);
  EXPECT_EQ(data->bundle.dump().find("secret-access-token"), std::string::npos);
  // The code exchange: verifier, redirect_uri and client_id sent; every FHIR read with the token.
  const auto& token_call = ehr.calls[1];
  EXPECT_EQ(token_call.method, "POST");
  EXPECT_NE(token_call.form.find("code=the-code"), std::string::npos);
  EXPECT_NE(token_call.form.find("code_verifier="), std::string::npos);
  EXPECT_NE(token_call.form.find("client_id=zebra"), std::string::npos);
  std::size_t reads = 0;
  for (std::size_t i = 2; i < ehr.calls.size(); ++i) {
    EXPECT_EQ(ehr.calls[i].authorization, "Bearer secret-access-token");
    EXPECT_EQ(ehr.calls[i].accept, "application/fhir+json");
    ++reads;
  }
  EXPECT_EQ(reads, PatientSearches().size());
}

TEST(SmartLaunch, StateIsSingleUseAndBoundToTheBrowser) {
  FakeEhr ehr;
  auto l = MakeLauncher(Config(), false, ehr.Fn());
  auto s = Begin(*l, ehr);
  EXPECT_TRUE(FailedWith(l->Finish("c", "not-the-state", s.start.browser_binding, 1001), failure::kBadState));
  // Another browser (no or another binding) cannot complete the launch; the state is spent.
  EXPECT_TRUE(FailedWith(l->Finish("c", s.query["state"], "another-binding", 1001), failure::kBadState));
  EXPECT_TRUE(FailedWith(l->Finish("c", s.query["state"], s.start.browser_binding, 1001), failure::kBadState));
  // Replay after success.
  auto t = Begin(*l, ehr);
  ASSERT_TRUE(l->Finish("c", t.query["state"], t.start.browser_binding, 1001));
  EXPECT_TRUE(FailedWith(l->Finish("c", t.query["state"], t.start.browser_binding, 1001), failure::kBadState));
  // Expired after 10 minutes.
  auto u = Begin(*l, ehr);
  EXPECT_TRUE(FailedWith(l->Finish("c", u.query["state"], u.start.browser_binding, 1000 + 601), failure::kBadState));
  EXPECT_TRUE(FailedWith(l->Finish("", u.query["state"], u.start.browser_binding, 1001), failure::kBadRequest));
}

TEST(SmartLaunch, VerifierMismatchIsRefusedByTheTokenEndpoint) {
  FakeEhr ehr;
  auto l = MakeLauncher(Config(), false, ehr.Fn());
  auto a = Begin(*l, ehr);
  auto b = Begin(*l, ehr);  // the fake now expects b's challenge
  ehr.challenge = a.query["code_challenge"];
  auto r = l->Finish("code-for-a", b.query["state"], b.start.browser_binding, 1001);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, failure::kTokenEndpoint);
  EXPECT_NE(r.error().message.find("invalid_grant"), std::string::npos);
  EXPECT_EQ(r.error().message.find("code-for-a"), std::string::npos);  // no code in the log text
}

TEST(SmartLaunch, TokenAnswerNeedsPatientAndIdentity) {
  struct Case {
    const char* name;
    std::function<void(Json&)> change;
    std::string_view kind;
  };
  const std::vector<Case> cases = {
      {"no patient", [](Json& t) { t.erase("patient"); }, failure::kNoPatient},
      {"bad patient id", [](Json& t) { t["patient"] = "p1/../x"; }, failure::kNoPatient},
      {"no id_token", [](Json& t) { t.erase("id_token"); }, failure::kIdentity},
      {"id_token for another client",
       [](Json& t) { t["id_token"] = IdToken(Json{{"iss", "https://ehr.example.org/auth"}, {"aud", "other"}, {"exp", 4000000000}, {"sub", "s"}}); },
       failure::kIdentity},
      {"id_token from another issuer",
       [](Json& t) { t["id_token"] = IdToken(Json{{"iss", "https://evil.example"}, {"aud", "zebra"}, {"exp", 4000000000}, {"sub", "s"}}); },
       failure::kIdentity},
      {"expired id_token",
       [](Json& t) { t["id_token"] = IdToken(Json{{"iss", "https://ehr.example.org/auth"}, {"aud", "zebra"}, {"exp", 10}, {"sub", "s"}}); },
       failure::kIdentity},
      {"no access token", [](Json& t) { t.erase("access_token"); }, failure::kTokenEndpoint},
      {"not bearer", [](Json& t) { t["token_type"] = "MAC"; }, failure::kTokenEndpoint},
  };
  for (const auto& c : cases) {
    FakeEhr ehr;
    c.change(ehr.token_answer);
    auto l = MakeLauncher(Config(), false, ehr.Fn());
    auto s = Begin(*l, ehr);
    EXPECT_TRUE(FailedWith(l->Finish("c", s.query["state"], s.start.browser_binding, 1001), c.kind)) << c.name;
  }
}

TEST(SmartLaunch, PagingLinksStayOnTheFhirServer) {
  ASSERT_EQ(auth::testing::kFhirBase, kBase);
  for (const auto& c : auth::testing::kBaseUrlCases) EXPECT_EQ(PagingLinkAllowed(c.url, kBase), c.under) << c.url;

  // Followed when on the server, refused (the launch fails, the token goes nowhere) when not.
  for (const auto& [link, ok] : std::vector<std::pair<std::string, bool>>{
           {std::string(kBase) + "/Observation?patient=p1&page=2", true},
           {"https://evil.example/fhir/Observation?page=2", false}}) {
    FakeEhr ehr;
    ehr.next_link = link;
    ehr.pages[std::string(kBase) + "/Observation?patient=p1&page=2"] =
        R"({"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Observation","id":"o2","status":"final","code":{"text":"x"}}}]})";
    auto l = MakeLauncher(Config(), false, ehr.Fn());
    auto s = Begin(*l, ehr);
    auto r = l->Finish("c", s.query["state"], s.start.browser_binding, 1001);
    EXPECT_EQ(r.has_value(), ok) << link;
    for (const auto& call : ehr.calls) EXPECT_EQ(call.url.find("evil.example"), std::string::npos);
    if (ok) {
      EXPECT_EQ(r->pages, PatientSearches().size() + 1);
      // Absolute references under the base become local, unknown ones are dropped.
      const std::string text = r->bundle.dump();
      EXPECT_NE(text.find(R"("reference":"Patient/p1")"), std::string::npos);
      EXPECT_EQ(text.find("Practitioner/x"), std::string::npos);
      EXPECT_NE(text.find(R"("id":"o2")"), std::string::npos);
    } else {
      EXPECT_EQ(r.error().code, failure::kFhir);
    }
  }
}

std::string WriteFile(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("zebra-smart-test-" + name);
  std::ofstream(path) << text;
  return path.string();
}

TEST(SmartConfigFile, StrictAndHttpsOnly) {
  const auto ok = WriteFile("ok.json", R"({"client_id":"z","redirect_uri":"https://z.example/smart/callback",
    "issuers":["https://ehr.example.org/fhir/"],"role":"clinician","write_back":true})");
  auto c = LoadSmartConfig(ok, false);
  ASSERT_TRUE(c) << common::ToString(c.error());
  EXPECT_EQ(c->issuers, std::vector<std::string>{"https://ehr.example.org/fhir"});
  EXPECT_EQ(c->role, "clinician");
  EXPECT_TRUE(c->write_back);
  const auto loopback = WriteFile("loop.json", R"({"client_id":"z","redirect_uri":"http://127.0.0.1:1/smart/callback",
    "issuers":["http://127.0.0.1:9/fhir"]})");
  EXPECT_FALSE(LoadSmartConfig(loopback, false));  // plain http only with --insecure-dev
  EXPECT_TRUE(LoadSmartConfig(loopback, true));
  for (const char* bad : {R"({"client_id":"z","redirect_uri":"https://z/cb","issuers":["http://ehr.example.org/fhir"]})",
                          R"({"client_id":"z","redirect_uri":"https://z/cb","issuers":[]})",
                          R"({"client_id":"z","redirect_uri":"https://z/cb","issuers":["https://e/fhir?x=1"]})",
                          R"({"client_id":"z","redirect_uri":"http://z.example/cb","issuers":["https://e/fhir"]})",
                          R"({"client_id":"z","redirect_uri":"https://z/cb","issuers":["https://e/fhir"],"extra":1})",
                          R"({"client_id":"z","client_id":"y","redirect_uri":"https://z/cb","issuers":["https://e/fhir"]})",
                          R"({"client_id":"z","redirect_uri":"https://z/cb","issuers":["https://e/fhir"],"role":"admin"})",
                          R"({"redirect_uri":"https://z/cb","issuers":["https://e/fhir"]})"}) {
    EXPECT_FALSE(LoadSmartConfig(WriteFile("bad.json", bad), true)) << bad;
  }
  // The file is the error's path and the message starts at the key: ToString() reads as before.
  const auto file = WriteFile("bad.json", R"({"client_id":"z","redirect_uri":"https://z/cb","issuers":[7]})");
  const auto refused = LoadSmartConfig(file, true);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().path, file);
  EXPECT_EQ(common::ToString(refused.error()), file + ": issuers[0] must be a string");
}

// The callback handler end to end within the process: case, source, session, audit; a draft when
// the EHR's data does not make a valid case; a local account is never taken over.
TEST(SmartHandlers, CallbackStoresTheCaseAndSignsIn) {
  const auto& kb = Kb();
  ASSERT_TRUE(kb);
  auto opened = store::OpenStore("sqlite::memory:");
  ASSERT_TRUE(opened) << opened.error();
  auto& db = **opened;
  // A Ki-67 of 150 %: mapped as read, refused by the case schema, so the case becomes a draft.
  FakeEhr ehr;
  ehr.next_link = std::string(kBase) + "/Observation?patient=p1&page=2";
  ehr.pages[ehr.next_link] =
      Ki67Page(Json{{"value", 150}, {"unit", "%"}, {"system", "http://unitsofmeasure.org"}, {"code", "%"}});
  auto launcher = MakeLauncher(Config(), false, ehr.Fn());
  std::vector<std::string> log;
  Services services;
  services.kb = kb.get();
  services.store = &db;
  services.launcher = launcher.get();
  services.now_unix = 1000;
  services.log = [&log](const std::string& line) { log.push_back(line); };
  std::vector<std::tuple<std::string, int, Json>> sources;
  services.save_source = [&](const std::string& id, int revision, const Json& source, const std::string&)
      -> tl::expected<void, std::string> {
    sources.emplace_back(id, revision, source);
    return {};
  };

  Request launch;
  launch.iss = kBase;
  launch.launch = "xyz";
  Response started = HandleLaunch(services, launch);
  ASSERT_EQ(started.status, 302);
  std::string location, binding;
  for (const auto& [k, v] : started.headers) {
    if (k == "Location") location = v;
    if (k == "Set-Cookie") binding = v.substr(v.find('=') + 1, v.find(';') - v.find('=') - 1);
  }
  const auto q = Query(location);
  ehr.challenge = q.at("code_challenge");
  Request callback;
  callback.code = "c";
  callback.state = q.at("state");
  callback.binding_cookie = binding;
  Response done = HandleCallback(services, callback);
  ASSERT_EQ(done.status, 302) << done.body;
  std::string to, session;
  for (const auto& [k, v] : done.headers) {
    if (k == "Location") to = v;
    if (k == "Set-Cookie" && v.rfind("zebra_session=", 0) == 0) session = v.substr(14, v.find(';') - 14);
  }
  ASSERT_EQ(to.rfind("/#/cases/", 0), 0u) << to;
  const std::string case_id = to.substr(9);
  auto stored = db.GetCase(case_id, std::nullopt);
  ASSERT_TRUE(stored && *stored);
  EXPECT_EQ((*stored)->created_by, "dr-a@ehr.example.org");
  auto cases = db.ListCases();
  ASSERT_TRUE(cases);
  ASSERT_EQ(cases->size(), 1u);
  EXPECT_EQ((*cases)[0].status, "draft");
  auto found = db.FindSession(auth::Sha256Hex(session), 1001);
  ASSERT_TRUE(found && *found);
  ASSERT_EQ(sources.size(), 1u);
  EXPECT_EQ(std::get<0>(sources[0]), case_id);
  EXPECT_EQ(std::get<2>(sources[0])["patient"], "Patient/p1");
  EXPECT_TRUE(std::get<2>(sources[0])["mapping_report"].is_object());
  auto audit = db.ListAudit(case_id, 0);
  ASSERT_TRUE(audit);
  bool launched = false;
  for (const auto& e : *audit) {
    if (e.action != "smart.launch") continue;
    launched = true;
    EXPECT_NE(e.detail.find("draft"), std::string::npos) << e.detail;
    EXPECT_EQ(e.detail.find("p1"), std::string::npos) << e.detail;
  }
  EXPECT_TRUE(launched);
  for (const auto& line : log) EXPECT_EQ(line.find("secret-access-token"), std::string::npos) << line;

  // A local account with the same name is not taken over.
  FakeEhr other;
  other.token_answer["id_token"] = IdToken(Json{{"iss", "https://ehr.example.org/auth"}, {"aud", "zebra"},
                                                {"exp", 4000000000}, {"fhirUser", "Practitioner/admin"}});
  auto launcher2 = MakeLauncher(Config(), false, other.Fn());
  services.launcher = launcher2.get();
  ASSERT_TRUE(db.CreateUser("admin@ehr.example.org", "$argon2id$local", store::Role::kClinician));
  Response s2 = HandleLaunch(services, launch);
  ASSERT_EQ(s2.status, 302);
  for (const auto& [k, v] : s2.headers) {
    if (k == "Location") location = v;
    if (k == "Set-Cookie") binding = v.substr(v.find('=') + 1, v.find(';') - v.find('=') - 1);
  }
  other.challenge = Query(location).at("code_challenge");
  callback.state = Query(location).at("state");
  callback.binding_cookie = binding;
  Response conflict = HandleCallback(services, callback);
  EXPECT_EQ(conflict.status, 403);
  EXPECT_NE(conflict.body.find("smart-account-conflict"), std::string::npos);
  auto after = db.ListCases();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->size(), 1u);  // nothing stored for the refused launch
}

TEST(SmartHandlers, BadFhirFromTheEhrIsA422WithPathsAndNothingStored) {
  auto opened = store::OpenStore("sqlite::memory:");
  ASSERT_TRUE(opened) << opened.error();
  FakeEhr ehr;
  ehr.next_link = std::string(kBase) + "/Observation?patient=p1&page=2";
  ehr.pages[ehr.next_link] = Ki67Page(Json{{"value", "QXJ-eight"}, {"unit", "%"}});
  auto launcher = MakeLauncher(Config(), false, ehr.Fn());
  Services services;
  services.kb = Kb().get();
  services.store = opened->get();
  services.launcher = launcher.get();
  services.now_unix = 1000;
  Request launch;
  launch.iss = kBase;
  Response started = HandleLaunch(services, launch);
  ASSERT_EQ(started.status, 302);
  Request callback;
  for (const auto& [k, v] : started.headers) {
    if (k == "Location") {
      ehr.challenge = Query(v).at("code_challenge");
      callback.state = Query(v).at("state");
    }
    if (k == "Set-Cookie") callback.binding_cookie = v.substr(v.find('=') + 1, v.find(';') - v.find('=') - 1);
  }
  callback.code = "c";
  Response r = HandleCallback(services, callback);
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.body.find("invalid-fhir-bundle"), std::string::npos);
  EXPECT_NE(r.body.find("entry["), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("QXJ"), std::string::npos) << r.body;  // the value is not echoed
  auto cases = (*opened)->ListCases();
  ASSERT_TRUE(cases);
  EXPECT_TRUE(cases->empty());
}

TEST(SmartExport, DocumentReferenceAndCarePlan) {
  const auto& kb = Kb();
  ASSERT_TRUE(kb);
  const std::string option = kb->catalogue()["options"].begin().key();
  const std::string title = kb->catalogue()["options"][option]["title"];
  ExportInput in;
  in.case_id = "c_1";
  in.case_revision = 2;
  in.decision = Json{{"id", 3}, {"created_at", "2026-12-01T10:00:00.000Z"}, {"created_by", "dr-a"},
                     {"decision", Json{{"option_id", option}, {"notes", "minutes text"}, {"reason", "fit for it"}}}};
  in.patient_reference = "Patient/p1";
  in.now_rfc3339 = "2026-12-06T08:00:00Z";
  const Json b = ExportBundle(*kb, in);
  EXPECT_EQ(b["resourceType"], "Bundle");
  EXPECT_EQ(b["type"], "collection");
  ASSERT_EQ(b["entry"].size(), 2u);
  const Json& doc = b["entry"][0]["resource"];
  const Json& plan = b["entry"][1]["resource"];
  EXPECT_EQ(doc["resourceType"], "DocumentReference");
  EXPECT_EQ(doc["subject"]["reference"], "Patient/p1");
  EXPECT_EQ(plan["resourceType"], "CarePlan");
  EXPECT_EQ(plan["intent"], "plan");
  EXPECT_EQ(plan["created"], "2026-12-01T10:00:00.000Z");
  EXPECT_EQ(plan["activity"][0]["detail"]["code"]["coding"][0]["code"], option);
  EXPECT_EQ(plan["activity"][0]["detail"]["code"]["coding"][0]["display"], title);
  EXPECT_EQ(plan["activity"][0]["detail"]["reasonCode"][0]["text"], "fit for it");
  EXPECT_EQ(plan["supportingInfo"][0]["reference"], b["entry"][0]["fullUrl"]);
  EXPECT_EQ(b["entry"][0]["fullUrl"].get<std::string>().rfind("urn:uuid:", 0), 0u);
  // No recommendation: no summary attachment; the decision text is base64 of what the plan notes.
  ASSERT_EQ(doc["content"].size(), 1u);
  const auto text = auth::Base64UrlDecode([&] {
    std::string d = doc["content"][0]["attachment"]["data"];
    for (char& c : d) c = c == '+' ? '-' : c == '/' ? '_' : c;
    while (!d.empty() && d.back() == '=') d.pop_back();
    return d;
  }());
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, plan["note"][0]["text"].get<std::string>());
  EXPECT_NE(text->find("minutes text"), std::string::npos);
  // Without a decision: the DocumentReference only, preliminary; without a source: no subject.
  in.decision = Json();
  in.patient_reference.clear();
  const Json d = ExportBundle(*kb, in);
  ASSERT_EQ(d["entry"].size(), 1u);
  EXPECT_EQ(d["entry"][0]["resource"]["docStatus"], "preliminary");
  EXPECT_FALSE(d["entry"][0]["resource"].contains("subject"));
}

}  // namespace
}  // namespace zebra::smart
