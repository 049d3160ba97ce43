// The transport-free pieces of meetings.cc: summaries, readiness, decision status and meeting
// checks, on hand-made inputs (the HTTP behaviour is in server_test.cc).
#include "api/meetings.h"

#include <gtest/gtest.h>

#include <set>

namespace zebra::api::board::meetings_test {
namespace {

TEST(CaseOneLine, SummarisesSiteGradeStageAndScenario) {
  Json c = Json::parse(R"({"tumor":{"primary_site":"jejunum_ileum"}})");
  Json rec = Json::parse(R"({"classification":{"category":"net","grade":"G2"},
    "stage":{"group":"IV","t":"T3","n":null,"m":"M1"},
    "scenario":{"id":"midgut_advanced","title":"Advanced midgut NET"}})");
  Json s = CaseOneLine(c, rec);
  EXPECT_EQ(s["site"], "jejunum_ileum");
  EXPECT_EQ(s["grade"], "G2");
  EXPECT_EQ(s["stage"], "IV");
  EXPECT_EQ(s["tnm"], "T3 NX M1");
  EXPECT_EQ(s["scenario"]["id"], "midgut_advanced");
  EXPECT_EQ(s["text"], "jejunum ileum \u00b7 G2 \u00b7 stage IV \u00b7 Advanced midgut NET");
}

TEST(CaseOneLine, NecWithoutGradeAndCasesWithoutEvaluation) {
  Json nec = CaseOneLine(Json::parse(R"({"tumor":{"primary_site":"colon"}})"),
                         Json::parse(R"({"classification":{"category":"nec","grade":null},"stage":null})"));
  EXPECT_TRUE(nec["grade"].is_null());
  EXPECT_TRUE(nec["stage"].is_null());
  EXPECT_TRUE(nec["tnm"].is_null());
  EXPECT_EQ(nec["text"], "colon \u00b7 NEC");
  Json none = CaseOneLine(Json(), Json());
  EXPECT_TRUE(none["site"].is_null());
  EXPECT_TRUE(none["scenario"].is_null());
  EXPECT_EQ(none["text"], "not evaluated");
}

TEST(Readiness, CountsMissingWorkupAndCriticalAlerts) {
  Json rec = Json::parse(R"({"missing":[{"field":"tumor.ki67_percent","blocks":"grade"}],
    "workup":[{"id":"workup.a","text":"A"},{"id":"workup.b","text":"B"}],
    "alerts":[{"severity":"critical"},{"severity":"warning"},{"severity":"critical"}]})");
  Json r = Readiness(rec, 17, 3);
  EXPECT_EQ(r["ready"], false);
  EXPECT_EQ(r["missing_count"], 1);
  EXPECT_EQ(r["missing"][0]["field"], "tumor.ki67_percent");
  EXPECT_EQ(r["workup_pending_count"], 2);
  EXPECT_EQ(r["critical_alerts"], 2);
  EXPECT_EQ(r["evaluation_id"], 17);
  EXPECT_EQ(r["case_revision"], 3);
  EXPECT_EQ(Readiness(Json::parse(R"({"missing":[]})"), 1, 1)["ready"], true);
  EXPECT_TRUE(Readiness(Json(), 0, 0).is_null());
}

store::Decision MakeDecision(std::int64_t id, const std::string& json, std::optional<std::int64_t> amends = {}) {
  store::Decision d;
  d.id = id;
  d.decision_json = json;
  d.amends = amends;
  d.created_at = "2026-12-10T16:0" + std::to_string(id) + ":00.000Z";
  return d;
}

TEST(DecisionStatus, TheNewestDecisionNotAmendedCounts) {
  EXPECT_EQ(DecisionStatus({})["status"], "undecided");
  // A deferral amended into a decision: decided, amended.
  Json s = DecisionStatus({MakeDecision(4, R"({"outcome":"defer_workup"})"),
                           MakeDecision(9, R"({"outcome":"option","option_id":"ssa.lanreotide"})", 4)});
  EXPECT_EQ(s["status"], "decided");
  EXPECT_EQ(s["decision_id"], 9);
  EXPECT_EQ(s["option_id"], "ssa.lanreotide");
  EXPECT_EQ(s["amended"], true);
  // A decision amended into a deferral: deferred. Decisions from before outcomes count as decided.
  EXPECT_EQ(DecisionStatus({MakeDecision(1, R"({"option_id":"x"})"),
                            MakeDecision(2, R"({"outcome":"defer_workup"})", 1)})["status"],
            "deferred");
  EXPECT_EQ(DecisionStatus({MakeDecision(1, R"({"option_id":"x"})")})["status"], "decided");
}

TEST(CheckMeeting, NormalisesAndLocatesErrors) {
  auto exists = [](const std::string& id) -> std::optional<bool> { return id == "c_known"; };
  MeetingCheck ok = CheckMeeting(
      R"({"date":"2028-02-29","board":"GEP-NET board","agenda":[{"case_id":"c_known"}]})", false, exists);
  ASSERT_TRUE(ok.errors.empty()) << ok.errors.dump();
  EXPECT_EQ(ok.document["agenda"][0], Json::parse(R"({"case_id":"c_known","presenter":"","question":""})"));
  EXPECT_EQ(ok.document["attendees"], Json::array());
  EXPECT_FALSE(ok.document.contains("time"));

  MeetingCheck bad = CheckMeeting(
      R"({"date":"2027-02-29","board":"  ","attendees":{},"agenda":[{"case_id":"c_known","presenter":7},{"case_id":"c_gone"}]})",
      true, exists);
  std::set<std::string> paths;
  for (const auto& e : bad.errors) paths.insert(e["path"].get<std::string>());
  EXPECT_EQ(paths, (std::set<std::string>{"$.revision", "$.date", "$.board", "$.attendees", "$.agenda[0].presenter",
                                          "$.agenda[1].case_id"}));
  // A store failure is reported as such, not as an unknown case.
  MeetingCheck failed = CheckMeeting(R"({"date":"2027-01-01","board":"b","agenda":[{"case_id":"c_x"}]})", false,
                                     [](const std::string&) { return std::optional<bool>(); });
  EXPECT_FALSE(failed.store_error.empty());
}

}  // namespace
}  // namespace zebra::api::board::meetings_test
