// The recommendation builder's prepared parts must not change what Evaluate says.
#include "build_info.h"
#include "clinical/recommendation.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <atomic>
#include <set>
#include <thread>

#include "clinical/output_fields.h"
#include "json/json_values.h"
#include "json/json_writer.h"

namespace zebra::clinical::recommendation_test {
namespace {

namespace fs = std::filesystem;

std::shared_ptr<const KnowledgeBase> Kb() {
  static auto kb = *LoadKnowledgeBase(fs::path(ZEBRA_SOURCE_DIR) / "knowledge");
  return kb;
}

std::vector<Json> DemoCases() {
  std::vector<Json> out;
  for (const auto& e : fs::directory_iterator(fs::path(ZEBRA_SOURCE_DIR) / "examples" / "cases")) {
    std::ifstream in(e.path());
    std::stringstream ss;
    ss << in.rdbuf();
    auto c = ParseCase(ss.str(), *Kb());
    EXPECT_TRUE(c.has_value()) << e.path();
    if (c) out.push_back(*c);
  }
  return out;
}

TEST(Recommendation, PreparedPlanGivesTheSameOutputAsAPlanMadeOnTheFly) {
  auto kb = Kb();
  ASSERT_NE(kb->output_plan, nullptr);
  KnowledgeBase bare = *kb;
  bare.output_plan = nullptr;
  auto cases = DemoCases();
  ASSERT_GE(cases.size(), 10u);
  for (const auto& c : cases) EXPECT_EQ(Evaluate(*kb, c).dump(), Evaluate(bare, c).dump()) << c["id"];
}

// Each thread keeps its last answer's parts, cleared, and makes the next case's in them (and
// lends their trace buffer to the next Decide). Cases answered one after another in one thread,
// in two orders and between trees, must give the bytes each gives when answered alone in a new
// thread, whose parts are made anew.
TEST(Recommendation, RecycledPartsAnswerAsNewOnes) {
  auto kb = Kb();
  const auto cases = DemoCases();
  ASSERT_GE(cases.size(), 10u);
  auto answer_text = [&](const Json& c) {
    Answer a = EvaluateAnswer(*kb, c);
    std::string text;
    AppendAnswer(*kb, c, a, text);
    return text;
  };
  std::vector<std::string> alone(cases.size());
  std::vector<Json> trees(cases.size());
  for (size_t i = 0; i < cases.size(); ++i)
    std::thread([&, i] {
      alone[i] = answer_text(cases[i]);
      trees[i] = Evaluate(*kb, cases[i]);
    }).join();
  std::set<size_t> sizes;
  for (const auto& t : alone) sizes.insert(t.size());
  EXPECT_GE(sizes.size(), cases.size() / 2);  // (the cases' answers differ)
  std::thread([&] {
    for (int round = 0; round < 3; ++round)
      for (size_t k = 0; k < cases.size(); ++k) {
        const size_t i = round == 1 ? cases.size() - 1 - k : (k * 7 + round) % cases.size();
        EXPECT_EQ(answer_text(cases[i]), alone[i]) << cases[i]["id"] << " round " << round;
        if (round == 2) {
          EXPECT_EQ(Evaluate(*kb, cases[i]), trees[i]) << cases[i]["id"];
        }
      }
  }).join();
}

TEST(Recommendation, CatalogueChangesBeforeThePlanIsMadeAreSeen) {
  KnowledgeBase kb = *Kb();
  kb.catalogue["options"]["trial.clinical_trial"]["title"] = "A study";
  kb.catalogue["options"].erase("targeted.everolimus");
  kb.output_plan = internal::MakeOutputPlan(kb);
  bool saw_trial = false, saw_unknown = false;
  for (const auto& c : DemoCases()) {
    Json r = Evaluate(kb, c);
    for (const auto& o : r["options"]) {
      if (o["id"] == "trial.clinical_trial") {
        saw_trial = true;
        EXPECT_EQ(o["title"], "A study");
      }
      if (o["id"] == "targeted.everolimus") {
        saw_unknown = true;
        // Not in the catalogue: titled by its id, no intent, no side effects.
        EXPECT_EQ(o["title"], "targeted.everolimus");
        EXPECT_TRUE(o["intent"].is_null());
        EXPECT_EQ(o["side_effects"], Json::array());
        EXPECT_FALSE(o.contains("involves"));
      }
    }
  }
  EXPECT_TRUE(saw_trial);
  EXPECT_TRUE(saw_unknown);
}

// The answer's text (zebra batch) and its tree (zebra evaluate, the server) come from one
// description; the text writes the catalogue members as fragments serialised at load. For every
// option of the catalogue, an entry with nothing but an intent and an id the catalogue does not
// list, with and without a ranking entry, the text must be the tree's dump.
TEST(Recommendation, TextIsTheTreesDumpForEveryCatalogueOption) {
  KnowledgeBase kb = *Kb();
  kb.catalogue["options"]["bare.option"] = {{"intent", "control"}};
  kb.output_plan = internal::MakeOutputPlan(kb);
  const auto& plan = *kb.output_plan;
  Json options = Json::array(), ranking = Json::array();
  std::vector<std::string> ids;
  for (const auto& [id, entry] : kb.catalogue["options"].items()) ids.push_back(id);
  ids.push_back("not.in.the.catalogue");
  long rank = 1;
  for (size_t i = 0; i < ids.size(); ++i) {
    options.push_back({{"id", ids[i]},
                       {"preferred", i % 3 == 0},
                       {"rationale", "Why \"" + ids[i] + "\" fits \u2014 here."},
                       {"evidence", i % 2 ? Json("RCT") : Json(3)},
                       {"citations", i % 2 ? Json({"S1", "S2"}) : Json("S6, S10")},
                       {"cautions", Json::array()}});
    if (i % 4 != 1) ranking.push_back({{"id", ids[i]}, {"rank", rank++}, {"reason", "r" + std::to_string(i)}, {"line", i}});
  }
  const Json case_json = {{"id", "all-options"}};
  auto decide = [&] {
    internal::DecisionValues d;
    d[internal::kOptions] = json::ValueFromJson(options);
    d[internal::kRanking] = json::ValueFromJson(ranking);
    d[internal::kScenario] = json::ValueFromJson(Json{{"id", "s"}, {"title", "S"}});
    return d;
  };
  auto tree_parts = internal::PrepareAnswer(kb, plan, case_json, decide(), {});
  const Json tree = internal::BuildRecommendation(kb, plan, case_json, *tree_parts);
  ASSERT_EQ(tree["options"].size(), ids.size());
  Answer record;
  auto text_parts = internal::PrepareAnswer(kb, plan, case_json, decide(), {}, &record);
  std::string text;
  internal::AppendRecommendation(kb, plan, case_json, *text_parts, record, text);
  text += '}';
  EXPECT_EQ(text, json::DumpJson(tree));
}

// The alerts are views of the decisions' strings and the classification is written from its FEEL
// value; both must read as the JSON conversion of the decisions: an alert raised again is merged
// (new texts joined by a space, citations once each, the first severity kept), severities rank
// critical, warning, the rest (stably), a missing severity is "info", fields that convert to no
// string are empty, and citations may be a list or "S2, S3" text. The record's classification
// (the trial annotation reads it) is the written one.
TEST(Recommendation, AlertsAndClassificationReadAsTheDecisionsJson) {
  auto kb = Kb();
  const auto& plan = *kb->output_plan;
  const Json case_json = {{"id", "alerts"}};
  struct Expectation {
    Json classification_decision, classification;
  };
  const std::vector<Expectation> classifications = {
      {Json{{"category", "NET"}, {"grade", 2}}, Json{{"category", "NET"}, {"grade", 2}, {"basis", ""}}},
      {Json{{"category", "NEC"}, {"grade", nullptr}, {"basis", "Ki-67 \"high\""}},
       Json{{"category", "NEC"}, {"grade", nullptr}, {"basis", "Ki-67 \"high\""}}},
      {Json(), Json{{"category", nullptr}, {"grade", nullptr}, {"basis", ""}}},
      {Json("not a context"), Json{{"category", nullptr}, {"grade", nullptr}, {"basis", ""}}},
      // Members out of order, one more, and values that are no strings.
      {Json{{"extra", 1}, {"grade", 2.5}, {"basis", true}, {"category", Json::array({"NET"})}},
       Json{{"category", Json::array({"NET"})}, {"grade", 2.5}, {"basis", true}}},
      {Json{{"category", "NET"}, {"grade", "G1"}, {"basis", "Ki-67"}},
       Json{{"category", "NET"}, {"grade", "G1"}, {"basis", "Ki-67"}}},
      {Json{{"category", "NET"}, {"grade", "G1"}}, Json{{"category", "NET"}, {"grade", "G1"}, {"basis", ""}}},
  };
  const Json expected_alerts = Json::parse(R"([
    {"id": "crit", "severity": "critical", "text": "Crit.", "citations": []},
    {"id": "dup", "severity": "warning", "text": "First. Second. Third.", "citations": ["S1", "S2", "S3", "S4"]},
    {"id": "num", "severity": 2, "text": "", "citations": ["S9"]},
    {"id": "info-default", "severity": "info", "text": "Info.", "citations": []}
  ])");
  for (const auto& [decided_json, classification] : classifications) {
    const Json& decided = decided_json;  // a lambda may not capture a structured binding (Clang 14)
    auto decide = [&] {
      internal::DecisionValues d;
      d[internal::kClassification] = json::ValueFromJson(decided);
      d[internal::kClassificationAlerts] = json::ValueFromJson(Json::parse(R"([
        {"id": "dup", "severity": "warning", "text": "First.", "citations": ["S1", "S2"]},
        {"id": "num", "severity": 2, "text": 5, "citations": [1, "S9"]}])"));
      d[internal::kStageAlerts] = json::ValueFromJson(Json::parse(R"([
        {"id": "dup", "severity": "critical", "text": "Second.", "citations": "S2, S3"},
        {"id": "crit", "severity": "critical", "text": "Crit."}])"));
      d[internal::kAlerts] = json::ValueFromJson(Json::parse(R"([
        {"id": "dup", "text": "First.", "citations": ["S3", "S4"]},
        {"id": "info-default", "text": "Info."},
        {"id": "dup", "text": "Third."}])"));
      return d;
    };
    auto tree_parts = internal::PrepareAnswer(*kb, plan, case_json, decide(), {});
    const Json tree = internal::BuildRecommendation(*kb, plan, case_json, *tree_parts);
    Answer record;
    auto text_parts = internal::PrepareAnswer(*kb, plan, case_json, decide(), {}, &record);
    std::string text;
    internal::AppendRecommendation(*kb, plan, case_json, *text_parts, record, text);
    text += '}';
    const Json from_text = Json::parse(text);
    EXPECT_EQ(from_text["alerts"], expected_alerts) << from_text["alerts"].dump();
    EXPECT_EQ(tree["alerts"], expected_alerts) << tree["alerts"].dump();
    EXPECT_EQ(from_text["classification"].dump(), classification.dump());
    EXPECT_EQ(tree["classification"].dump(), classification.dump());
    // The value the trial criteria read is the written JSON's, read back (keys in its order).
    EXPECT_TRUE(feel::DeepEqual(record.classification, json::ValueFromJson(classification)));
    EXPECT_EQ(json::ValueToJson(record.classification).dump(), classification.dump());
    EXPECT_EQ(record.alert_ids, (std::vector<std::string>{"crit", "dup", "num", "info-default"}));
  }
}

// A thread's recycled parts hand their alerts' citation vectors (cleared) to the next case's
// alerts, and view the scenario's id when it is a string (else keep its JSON conversion): cases
// whose alerts cite more, fewer or nothing, and whose scenario id is a string, a number, absent
// or not a context, answered one after another in one thread must each write the alerts and
// scenario written here by hand, and what the same case writes alone in a new thread.
TEST(Recommendation, RecycledPartsKeepNoCitationOrScenarioIdOfTheLastCase) {
  auto kb = Kb();
  const auto& plan = *kb->output_plan;
  const Json case_json = {{"id", "recycled"}};
  struct Round {
    Json scenario;  // the Scenario decision
    Json alerts;    // the Alerts decision
    Json expected_scenario_id, expected_alerts;
  };
  const std::vector<Round> rounds = {
      {Json{{"id", "scenario_with_a_long_identifier"}, {"title", "T"}},
       Json::parse(R"([{"id": "a", "text": "A.", "citations": ["S1", "S2", "S3", "S4", "S5"]},
                       {"id": "b", "severity": "critical", "text": "B.", "citations": "S6, S7"},
                       {"id": "a", "text": "A2.", "citations": ["S8"]}])"),
       Json("scenario_with_a_long_identifier"),
       Json::parse(R"([{"id": "b", "severity": "critical", "text": "B.", "citations": ["S6", "S7"]},
                       {"id": "a", "severity": "info", "text": "A. A2.", "citations": ["S1", "S2", "S3", "S4", "S5", "S8"]}])")},
      {Json{{"id", 7}, {"title", "T"}},
       Json::parse(R"([{"id": "c", "text": "C."}, {"id": "d", "text": "D.", "citations": []},
                       {"id": "e", "text": "E.", "citations": ["S9"]}])"),
       Json(7),
       Json::parse(R"([{"id": "c", "severity": "info", "text": "C.", "citations": []},
                       {"id": "d", "severity": "info", "text": "D.", "citations": []},
                       {"id": "e", "severity": "info", "text": "E.", "citations": ["S9"]}])")},
      {Json{{"title", "T"}}, Json::parse(R"([{"id": "f", "text": "F."}])"), Json(),
       Json::parse(R"([{"id": "f", "severity": "info", "text": "F.", "citations": []}])")},
      {Json("not a context"), Json::array(), Json(), Json::array()},
      {Json{{"id", "s"}, {"title", "T"}},
       Json::parse(R"([{"id": "g", "text": "G.", "citations": ["S10"]}, {"id": "h", "text": "H."}])"), Json("s"),
       Json::parse(R"([{"id": "g", "severity": "info", "text": "G.", "citations": ["S10"]},
                       {"id": "h", "severity": "info", "text": "H.", "citations": []}])")},
  };
  struct Written {
    std::string text;
    bool has_scenario_id = false;
    std::string scenario_id;
  };
  auto write = [&](const Round& r) {
    internal::DecisionValues d;
    d[internal::kScenario] = json::ValueFromJson(r.scenario);
    d[internal::kAlerts] = json::ValueFromJson(r.alerts);
    Answer record;
    auto parts = internal::PrepareAnswer(*kb, plan, case_json, std::move(d), {}, &record);
    Written w;
    internal::AppendRecommendation(*kb, plan, case_json, *parts, record, w.text);
    w.text += '}';
    w.has_scenario_id = record.has_scenario_id;
    w.scenario_id = record.scenario_id;
    return w;
  };
  std::vector<std::string> alone(rounds.size());
  for (size_t i = 0; i < rounds.size(); ++i) std::thread([&, i] { alone[i] = write(rounds[i]).text; }).join();
  std::thread([&] {
    for (int pass = 0; pass < 2; ++pass)
      for (size_t k = 0; k < rounds.size(); ++k) {
        const size_t i = pass == 0 ? k : rounds.size() - 1 - k;
        const Round& r = rounds[i];
        const Written w = write(r);
        EXPECT_EQ(w.text, alone[i]) << "round " << i << " pass " << pass;
        const Json j = Json::parse(w.text);
        EXPECT_EQ(j["scenario"]["id"], r.expected_scenario_id) << "round " << i << " pass " << pass;
        EXPECT_EQ(j["alerts"], r.expected_alerts) << "round " << i << " pass " << pass << ": " << j["alerts"].dump();
        EXPECT_EQ(w.has_scenario_id, r.expected_scenario_id.is_string()) << "round " << i;
        EXPECT_EQ(w.scenario_id, r.expected_scenario_id.is_string() ? r.expected_scenario_id.get<std::string>() : "")
            << "round " << i;
      }
  }).join();
}

// The lists collected by id (options, not recommended, workup, missing) keep an entry per id,
// the first, and write each entry's id as its JSON conversion's text (a string's own, a date's
// ISO text, "" for a number or no id, which are never merged): read once when collected and
// written from there. Hand-made decisions, answered one after another in one thread (the parts'
// converted ids released and made again), against the lists written here by hand.
TEST(Recommendation, CollectedEntriesWriteTheIdTheyWereCollectedBy) {
  auto kb = Kb();
  const auto& plan = *kb->output_plan;
  const Json case_json = {{"id", "collected"}};
  using feel::Value;
  const Value date = Value::FromDate(feel::Date{0});
  const std::string date_text = json::ValueToJson(date).get<std::string>();
  ASSERT_EQ(date_text, "1970-01-01");
  auto entry = [](std::initializer_list<std::pair<const char*, Value>> members) {
    feel::Context c;
    for (const auto& [k, v] : members) c.Append(std::string(k), v);
    return Value::FromContext(std::move(c));
  };
  auto list = [](std::initializer_list<Value> items) {
    feel::List l;
    for (const Value& v : items) l.push_back(v);
    return Value::FromList(std::move(l));
  };
  auto s = [](const char* text) { return Value::String(text); };
  auto decide = [&] {
    internal::DecisionValues d;
    d[internal::kNotRecommended] =
        list({entry({{"id", s("x")}, {"reason", s("R1")}}), entry({{"id", s("y")}, {"reason", s("R2")}}),
              entry({{"id", s("x")}, {"reason", s("dup")}}), s("not a context"),
              entry({{"id", date}, {"reason", s("R3")}}), entry({{"id", date}, {"reason", s("dup date")}}),
              entry({{"id", Value::Number(5)}, {"reason", s("num")}}),
              entry({{"id", Value::Number(5)}, {"reason", s("num again")}}), entry({{"reason", s("no id")}})});
    d[internal::kWorkup] = list({entry({{"id", s("w1")}, {"text", s("T1")}}), entry({{"id", s("w1")}, {"text", s("T2")}}),
                                 entry({{"id", date}, {"text", s("T3")}})});
    d[internal::kClassificationMissing] = list({entry({{"field", s("a")}, {"blocks", s("B1")}})});
    d[internal::kStageMissing] =
        list({entry({{"field", s("a")}, {"blocks", s("B2")}}), entry({{"field", date}, {"blocks", s("B3")}})});
    d[internal::kMissing] = list({entry({{"field", s("b")}, {"blocks", s("B4")}})});
    d[internal::kOptions] = list({entry({{"id", s("opt.one")}, {"rationale", s("first")}}),
                                  entry({{"id", s("opt.one")}, {"rationale", s("again")}}),
                                  entry({{"id", date}, {"rationale", s("dated")}})});
    return d;
  };
  const Json want_not_recommended = Json::parse(R"([{"id": "x", "reason": "R1", "citations": []},
      {"id": "y", "reason": "R2", "citations": []}, {"id": "1970-01-01", "reason": "R3", "citations": []},
      {"id": "", "reason": "num", "citations": []}, {"id": "", "reason": "num again", "citations": []},
      {"id": "", "reason": "no id", "citations": []}])");
  const Json want_workup = Json::parse(R"([{"id": "w1", "text": "T1"}, {"id": "1970-01-01", "text": "T3"}])");
  const Json want_missing = Json::parse(
      R"([{"field": "a", "blocks": "B1"}, {"field": "1970-01-01", "blocks": "B3"}, {"field": "b", "blocks": "B4"}])");
  std::thread([&] {
    for (int round = 0; round < 3; ++round) {
      Answer record;
      auto parts = internal::PrepareAnswer(*kb, plan, case_json, decide(), {}, &record);
      std::string text;
      internal::AppendRecommendation(*kb, plan, case_json, *parts, record, text);
      const Json written = Json::parse(text + "}");
      auto tree_parts = internal::PrepareAnswer(*kb, plan, case_json, decide(), {});
      const Json tree = internal::BuildRecommendation(*kb, plan, case_json, *tree_parts);
      for (const Json* j : {&written, &tree}) {
        EXPECT_EQ((*j)["not_recommended"], want_not_recommended) << round << ": " << (*j)["not_recommended"].dump();
        EXPECT_EQ((*j)["workup"], want_workup) << round << ": " << (*j)["workup"].dump();
        EXPECT_EQ((*j)["missing"], want_missing) << round << ": " << (*j)["missing"].dump();
        std::vector<std::string> option_ids;
        for (const Json& o : (*j)["options"]) option_ids.push_back(o["id"].get<std::string>());
        EXPECT_EQ(option_ids, (std::vector<std::string>{"opt.one", "1970-01-01"})) << round;
        EXPECT_EQ((*j)["options"][0]["rationale"], "first") << round;
      }
      EXPECT_EQ(record.option_ids, (std::vector<std::string>{"opt.one", "1970-01-01"})) << round;
      // (An empty case between: the parts' lists and converted ids released and made again.)
      internal::DecisionValues none;
      Answer other;
      auto empty = internal::PrepareAnswer(*kb, plan, case_json, std::move(none), {}, &other);
      std::string empty_text;
      internal::AppendRecommendation(*kb, plan, case_json, *empty, other, empty_text);
      EXPECT_EQ(Json::parse(empty_text + "}")["not_recommended"], Json::array());
    }
  }).join();
}

// The patient summary's filled-in pieces count from their parts' prepared counts; the reading
// grade must stay that of the whole text, also when a name joins a word or ends a sentence.
TEST(Recommendation, FilledPiecesCountAsTheWholeText) {
  for (const char* choices : {"Several choices may fit you. They are {list}.", "They are{list}.",
                              "{list}", "Pick one:{list}! Or none."}) {
    KnowledgeBase kb = *Kb();
    kb.patient_texts["en"]["summary"]["choices"] = choices;
    kb.patient_texts["en"]["options"]["surveillance.active"]["name"] = "Watching (etc.)";
    kb.patient_texts["en"]["options"]["surgery.appendectomy"]["name"] = "Surgery.";
    kb.output_plan = internal::MakeOutputPlan(kb);
    Json rec = {{"options", Json::array()}};
    for (const auto& [id, entry] : kb.catalogue["options"].items()) {
      rec["options"].push_back({{"id", id}, {"preferred", false}});
      TextCounts counts;
      const Json summary = PatientSummary(kb, rec, Json{{"patient", {{"preferences", {{"goals", {"longer_life", "quality_of_life"}}}}}}},
                                          "en", &counts);
      const TextCounts whole = CountText(summary["text"].get<std::string>());
      EXPECT_EQ(counts.words, whole.words) << choices << " " << id;
      EXPECT_EQ(counts.sentences, whole.sentences) << choices << " " << id;
      EXPECT_EQ(counts.syllables, whole.syllables) << choices << " " << id;
    }
  }
}

// A copy of a knowledge base keeps its original's plan; what the patient summary prepared with
// it (texts by address, option names, questions, grid rows) must not stand in for the copy's.
TEST(Recommendation, ACopiedKnowledgeBaseReadsItsOwnPatientTexts) {
  KnowledgeBase copy = *Kb();
  ASSERT_NE(copy.output_plan, nullptr);
  copy.catalogue["options"]["surveillance.active"]["patient_text"] = "Changed what it is.";
  copy.patient_texts["en"]["options"]["surveillance.endoscopic"]["name"] = "Changed name";
  copy.catalogue["questions_to_ask"]["default"] = {"Changed question?"};
  const Json rec = {{"options", {{{"id", "surveillance.active"}, {"preferred", true}},
                                 {{"id", "surveillance.endoscopic"}, {"preferred", false}}}}};
  const Json summary = PatientSummary(copy, rec, Json::object(), "en");
  const std::string text = summary["text"].get<std::string>();
  EXPECT_NE(text.find("Changed what it is."), std::string::npos) << text;
  EXPECT_NE(text.find("changed name"), std::string::npos) << text;
  EXPECT_EQ(summary["questions_to_ask"], Json({"Changed question?"}));
  EXPECT_EQ(summary["option_grid"][0]["what_it_is"], "Changed what it is.");
}

// The patient summary's text is its pieces in a fixed order, each text read from the knowledge
// by key. With its plan (texts looked up once per knowledge base), with the options' prepared
// entries handed over by the answer, and without a plan (looked up per case), it must be this
// hand-written text, its counts those of the whole text and the questions the scenario's, then
// the default ones.
TEST(Recommendation, SummaryTextIsThePiecesInTheirOrder) {
  KnowledgeBase kb = *Kb();
  Json& en = kb.patient_texts["en"];
  en["summary"] = {{"list_separator", "; "}, {"list_last", " or "}, {"no_options", "Nothing yet."},
                   {"choices", "Pick from {list}."}, {"main_choices", "Main ones:"},
                   {"other_choices", "Others are {list}."}, {"goals", "You want {list}."},
                   {"follow_up", "See you soon."}, {"closing", "Ask us."}};
  en["goals"] = {{"longer_life", "a longer life"}, {"quality_of_life", "a good life"}, {"cure", "peace"}};
  en["options"]["surgery.appendectomy"]["name"] = "Surgery now";
  en["options"]["surveillance.endoscopic"]["name"] = "CT scans";  // keeps its capitals mid-sentence
  kb.catalogue["options"]["surveillance.active"]["patient_text"] = "We watch it.";
  kb.catalogue["scenarios"]["sc.one"] = {{"title", "One"}, {"patient_text", "You have one."}};
  kb.catalogue["scenarios"]["sc.three"] = {{"title", "Three"}, {"patient_text", "You have three."}};  // no questions
  kb.catalogue["alerts"]["al.one"] = {{"title", "A"}, {"patient_text", "Take care."}};
  kb.catalogue["questions_to_ask"] = {{"default", {"Q0?"}}, {"sc.one", {"Q1?", "Q0?"}}, {"sc.two", {"Q2?"}}};
  kb.output_plan = internal::MakeOutputPlan(kb);
  KnowledgeBase bare = kb;
  bare.output_plan = nullptr;
  const Json case_json = {{"patient", {{"preferences", {{"goals", {"longer_life", "unknown_goal", "quality_of_life", "cure"}}}}}}};

  struct Expected {
    std::string scenario;
    std::vector<std::pair<std::string, bool>> options;
    std::vector<std::string> alerts;
    bool monitoring;
    std::string text;
    Json questions;
  };
  const std::vector<Expected> cases = {
      {"sc.one",
       {{"surveillance.active", true}, {"surgery.appendectomy", false}, {"surveillance.endoscopic", false}},
       {"al.one", "al.unknown"},
       true,
       "You have one. Main ones: We watch it. Others are surgery now or CT scans. Take care. "
       "You want a longer life; a good life or peace. See you soon. Ask us.",
       {"Q1?", "Q0?"}},
      {"sc.two",  // questions only: no text of its own
       {{"surgery.appendectomy", false}, {"surveillance.endoscopic", false}},
       {},
       false,
       "Pick from surgery now or CT scans. You want a longer life; a good life or peace. Ask us.",
       {"Q2?", "Q0?"}},
      {"sc.unknown", {}, {"al.one"}, false, "Nothing yet. Take care. You want a longer life; a good life or peace. Ask us.",
       {"Q0?"}},
      {"sc.three", {}, {}, false, "You have three. Nothing yet. You want a longer life; a good life or peace. Ask us.", {"Q0?"}},
  };
  const internal::OutputPlan& plan = *kb.output_plan;
  for (const Expected& e : cases) {
    for (int way = 0; way < 3; ++way) {  // the plan, the plan with prepared options, no plan
      const KnowledgeBase& base = way == 2 ? bare : kb;
      internal::SummaryInput in;
      in.scenario_id = e.scenario;
      if (way == 1) in.prepared_by = &plan;
      for (const auto& [id, preferred] : e.options)
        in.options.push_back({id, preferred, way == 1 ? internal::PreparedSummaryOptionOf(plan, id) : nullptr});
      for (const auto& a : e.alerts) in.alerts.push_back(a);
      in.monitoring_schedule = e.monitoring;
      const internal::Summary s = internal::PrepareSummary(base, in, case_json, "en");
      EXPECT_EQ(s.text, e.text) << e.scenario << " way " << way;
      const TextCounts whole = CountText(e.text);
      EXPECT_EQ(s.counts.words, whole.words) << e.scenario << " way " << way;
      EXPECT_EQ(s.counts.sentences, whole.sentences) << e.scenario << " way " << way;
      EXPECT_EQ(s.counts.syllables, whole.syllables) << e.scenario << " way " << way;
      Json tree;
      json::TreeOut out(tree);
      internal::WriteSummary(out, base, s);
      EXPECT_EQ(tree["questions_to_ask"], e.questions) << e.scenario << " way " << way;
      ASSERT_EQ(tree["option_grid"].size(), e.options.size());
      for (size_t i = 0; i < e.options.size(); ++i) {
        EXPECT_EQ(tree["option_grid"][i]["id"], e.options[i].first);
        const Json& row = tree["option_grid"][i];
        if (e.options[i].first == "surgery.appendectomy") {
          EXPECT_EQ(row["name"], "Surgery now");
        }
        if (e.options[i].first == "surveillance.active") {
          EXPECT_EQ(row["what_it_is"], "We watch it.");
        }
      }
    }
  }
}

// The summary's text is copied without being looked at when every piece of it is marked as
// written as it is (CountedPiece::as_is, decided once per plan). A piece that needs escaping (a
// quote, a backslash, a tab) or is not valid UTF-8 must not be marked, and a text with one of
// them must still be written as the tree's dump, with and without the trial sentence after it.
TEST(Recommendation, SummaryTextIsCopiedAsItIsOnlyWhenEveryPieceIs) {
  // The reference: nlohmann's own dump of the text is the text between quotes.
  auto as_is = [](std::string_view t) {
    try {
      return Json(std::string(t)).dump() == "\"" + std::string(t) + "\"";
    } catch (const Json::exception&) {
      return false;
    }
  };
  struct Variant {
    const char* name;
    const char* piece;  // en.json summary piece changed (or none)
    std::string text;
    bool with_odd_alert;
    bool text_as_is;  // expected of the summary
  };
  const std::vector<Variant> variants = {
      {"plain", nullptr, "", false, true},
      {"quote", "closing", "Ask \"us\" anything.", false, false},
      {"tab", "follow_up", "See you\tsoon.", false, false},
      {"multi-byte", "closing", "Ask us \xe2\x80\x94 any time, caf\xc3\xa9.", false, true},
      {"backslash alert", nullptr, "", true, false},
  };
  size_t marked = 0, unmarked = 0;
  for (const Variant& v : variants) {
    KnowledgeBase kb = *Kb();
    if (v.piece) kb.patient_texts["en"]["summary"][v.piece] = v.text;
    kb.patient_texts["en"]["goals"]["cure"] = "peace \xe2\x80\x94 at last";
    kb.catalogue["alerts"]["al.slash"] = {{"title", "S"}, {"patient_text", "Back\\slash."}};
    kb.catalogue["alerts"]["al.plain"] = {{"title", "P"}, {"patient_text", "Plain \xc3\xa9t\xc3\xa9."}};
    kb.catalogue["alerts"]["al.bad"] = {{"title", "B"}, {"patient_text", "Bad \xff byte."}};  // (never raised)
    kb.output_plan = internal::MakeOutputPlan(kb);
    const internal::OutputPlan& plan = *kb.output_plan;
    const internal::SummaryPlan& sp = internal::SummaryPlanOf(plan);
    auto check = [&](const internal::CountedPiece& piece, const std::string& what) {
      EXPECT_EQ(piece.as_is, as_is(piece.text)) << v.name << ": " << what;
      (piece.as_is ? marked : unmarked)++;
    };
    for (const auto& [id, scenario] : sp.scenarios) check(scenario.text, "scenario " + id);
    for (const auto& [id, piece] : sp.alerts) check(piece, "alert " + id);
    for (const auto& [id, piece] : sp.goals) check(piece, "goal " + id);
    for (int i = 0; i < internal::kSummaryPieceCount; ++i) {
      check(sp.pieces[i], "piece " + std::to_string(i));
      if (sp.fills[i]) {
        check(sp.fills[i]->before, "fill before " + std::to_string(i));
        check(sp.fills[i]->after, "fill after " + std::to_string(i));
      }
    }
    check(sp.separator, "separator");
    check(sp.last, "last");
    for (const auto& [id, o] : sp.options) {
      check(o.name, "name " + id);
      check(o.what_it_is, "what " + id);
      EXPECT_EQ(o.mid_sentence_as_is, as_is(o.mid_sentence_name)) << id;
    }
    EXPECT_FALSE(sp.alerts.at("al.slash").as_is);
    EXPECT_FALSE(sp.alerts.at("al.bad").as_is);
    EXPECT_TRUE(sp.alerts.at("al.plain").as_is);

    internal::SummaryInput in;
    in.scenario_id = "appendix_1_2";
    in.prepared_by = &plan;
    for (const auto& [id, preferred] : {std::pair<std::string, bool>{"surveillance.none_needed", true},
                                        {"trial.clinical_trial", false}, {"surgery.appendectomy", false}})
      in.options.push_back({id, preferred, internal::PreparedSummaryOptionOf(plan, id)});
    in.alerts = {"al.plain"};
    if (v.with_odd_alert) in.alerts.push_back("al.slash");
    in.monitoring_schedule = true;
    const Json case_json = {{"patient", {{"preferences", {{"goals", {"cure", "longer_life"}}}}}}};
    const internal::Summary s = internal::PrepareSummary(kb, in, case_json, "en");
    EXPECT_EQ(s.text_as_is, v.text_as_is) << v.name << ": " << s.text;
    Json tree;
    json::TreeOut to_tree(tree);
    internal::WriteSummary(to_tree, kb, s);
    ASSERT_EQ(tree["text"], s.text);
    const std::string plain_sentence = "Ask about 15 studies.", odd_sentence = "Ask about \"studies\"\n.";
    for (const std::string* sentence : {static_cast<const std::string*>(nullptr), &plain_sentence, &odd_sentence}) {
      std::string text;
      {
        json::TextOut out(text);
        const TextCounts counts = sentence ? CountText(*sentence) : TextCounts();
        internal::WriteSummary(out, kb, s, sentence, sentence ? &counts : nullptr);
      }
      if (!sentence) {
        EXPECT_EQ(text, json::DumpJson(tree)) << v.name;
      } else {
        const Json written = Json::parse(text);
        EXPECT_EQ(written["text"], s.text + " " + *sentence) << v.name;
        EXPECT_EQ(written["option_grid"], tree["option_grid"]) << v.name;
      }
    }
  }
  EXPECT_GT(marked, 50u);
  EXPECT_GE(unmarked, 4u);
}

TEST(Recommendation, TextCountsAddUpAcrossSpaceJoins) {
  const std::string a = "You have a slow-growing tumor. It has not spread!";
  const std::string b = "Surgery can remove it. Ask your team's nurse?";
  TextCounts sum = CountText(a);
  sum += CountText(b);
  TextCounts joined = CountText(a + " " + b);
  EXPECT_EQ(sum.words, joined.words);
  EXPECT_EQ(sum.sentences, joined.sentences);
  EXPECT_EQ(sum.syllables, joined.syllables);
  EXPECT_EQ(joined.sentences, 4);
  EXPECT_DOUBLE_EQ(GradeOf(sum), FleschKincaidGrade(a + " " + b));
  EXPECT_EQ(GradeOf(TextCounts{}), 0.0);
}

TEST(Recommendation, SyllablesFollowTheSilentEndingRules) {
  auto syllables = [](std::string_view w) { return CountText(w).syllables; };
  EXPECT_EQ(syllables("the"), 1);       // three letters or fewer: one
  EXPECT_EQ(syllables("tumour"), 2);    // u, ou
  EXPECT_EQ(syllables("cases"), 1);     // "es" silent: cas
  EXPECT_EQ(syllables("table"), 2);     // "le" keeps its e
  EXPECT_EQ(syllables("removed"), 2);   // "ed" silent: remov
  EXPECT_EQ(syllables("free"), 1);      // one silent e: fre
  EXPECT_EQ(syllables("Rhythm"), 1);    // y is a vowel; upper case counts as lower
  EXPECT_EQ(syllables("x-ray's"), 1);   // the letters xrays: one group, "ay"
  EXPECT_EQ(syllables("1234"), 0);      // no letters: no word
  TextCounts c = CountText("Well-differentiated tumours, 2 cm. Ask!");
  EXPECT_EQ(c.words, 4);                // "2" has no letters
  EXPECT_EQ(c.sentences, 2);
}


// ---- OutputField: a decision field read by a position cached per shape -------------------------

feel::Context ShapedOf(const std::vector<std::string>& keys, size_t filled, int offset) {
  const feel::ContextShape* shape = feel::ContextShape::Intern(keys);
  EXPECT_NE(shape, nullptr);
  feel::Context c(shape);
  for (size_t i = 0; i < filled; ++i) c.AppendValue(feel::Value::Number(static_cast<int64_t>(offset + i)));
  return c;
}

// The field read through the cache is Find's entry (the same address) or absent like it.
void ExpectSameAsFind(const internal::OutputField& field, const feel::Context& c) {
  const feel::Value* want = c.Find(field.view());
  EXPECT_EQ(field.In(c), want) << field.view();
  EXPECT_EQ(field.In(feel::Value::FromContext(c)) != nullptr, want != nullptr) << field.view();
}

TEST(OutputField, ReadsWhatFindReadsWhateverTheShapeOfTheContext) {
  static internal::OutputField rationale("rationale");
  static internal::OutputField absent("no such field");
  const feel::Context first = ShapedOf({"id", "rationale", "evidence"}, 3, 0);
  const feel::Context reordered = ShapedOf({"rationale", "id"}, 2, 10);     // another position
  const feel::Context lacking = ShapedOf({"id", "evidence"}, 2, 20);        // no such key
  const feel::Context partial = ShapedOf({"id", "evidence", "rationale"}, 2, 30);  // key not filled yet
  const feel::Context own = [] {  // holds its own keys
    feel::Context c;
    c.Put("evidence", feel::Value::Number(40));
    c.Put("rationale", feel::Value::Number(41));
    return c;
  }();
  ASSERT_EQ(own.shape(), nullptr);
  for (int round = 0; round < 2; ++round) {
    for (const feel::Context* c : {&first, &first, &reordered, &first, &lacking, &partial, &own, &reordered}) {
      ExpectSameAsFind(rationale, *c);
      ExpectSameAsFind(absent, *c);
    }
  }
  // Values read are the right ones, not only non-null.
  EXPECT_TRUE(feel::DeepEqual(*rationale.In(first), feel::Value::Number(1)));
  EXPECT_TRUE(feel::DeepEqual(*rationale.In(reordered), feel::Value::Number(10)));
  EXPECT_TRUE(feel::DeepEqual(*rationale.In(own), feel::Value::Number(41)));
  EXPECT_EQ(rationale.In(feel::Value::String("rationale")), nullptr);
  EXPECT_EQ(rationale.In(feel::Value()), nullptr);
}

TEST(OutputField, ReadsSubsetsOfAFamilyByTheFamilysPosition) {
  static internal::OutputField c_field("c");
  const std::vector<std::string> keys = {"a", "b", "c", "d"};
  const feel::ContextShape* family = feel::ContextShape::Intern(keys);
  ASSERT_NE(family, nullptr);
  auto subset = [&](uint64_t present, int offset) {
    const feel::ContextShape* shape = feel::ContextShape::InternSubset(*family, present);
    EXPECT_NE(shape, nullptr);
    feel::Context c(shape);
    for (size_t i = 0; i < shape->size(); ++i) c.AppendValue(feel::Value::Number(static_cast<int64_t>(offset + i)));
    return c;
  };
  const feel::Context all = subset(0b1111, 0);
  const feel::Context without_a = subset(0b1110, 10);  // c at position 1
  const feel::Context without_c = subset(0b1011, 20);
  for (const feel::Context* c : {&all, &without_a, &without_c, &without_a, &all, &without_c})
    ExpectSameAsFind(c_field, *c);
  EXPECT_TRUE(feel::DeepEqual(*c_field.In(without_a), feel::Value::Number(11)));
  EXPECT_EQ(c_field.In(without_c), nullptr);
}

// Threads sharing one field over contexts of alternating shapes always read Find's entry (the
// cached shape and position are one word, so never mixed across shapes).
TEST(OutputField, ThreadsSharingAFieldReadTheRightEntry) {
  static internal::OutputField field("x");
  std::vector<feel::Context> contexts;
  for (int n = 1; n <= 6; ++n) {
    std::vector<std::string> keys;
    for (int i = 0; i < n; ++i) keys.push_back("k" + std::to_string(i));
    keys.insert(keys.begin() + n / 2, "x");  // x at a different position in each shape
    contexts.push_back(ShapedOf(keys, keys.size(), 100 * n));
  }
  std::atomic<int> wrong{0};
  auto run = [&](size_t start) {
    for (int i = 0; i < 20000; ++i) {
      const feel::Context& c = contexts[(start + static_cast<size_t>(i)) % contexts.size()];
      if (field.In(c) != c.Find("x")) wrong.fetch_add(1);
    }
  };
  std::thread a(run, 0), b(run, 3);
  a.join();
  b.join();
  EXPECT_EQ(wrong.load(), 0);
}


// ---- OutputFields: several fields of one object read with one shape check -----------------------

// Each field read together is Find's entry (the same address) or absent like it, in the order named.
template <size_t N>
void ExpectEachAsFind(const internal::OutputFields<N>& fields, const std::array<std::string_view, N>& names,
                      const feel::Context& c) {
  const auto got = fields.In(c);
  const auto as_value = fields.In(feel::Value::FromContext(c));
  for (size_t i = 0; i < N; ++i) {
    EXPECT_EQ(got[i], c.Find(names[i])) << names[i];
    EXPECT_EQ(as_value[i] != nullptr, c.Find(names[i]) != nullptr) << names[i];
  }
}

TEST(OutputFields, ReadWhatFindReadsWhateverTheShapeOfTheContext) {
  static internal::OutputFields<4> fields{{"rationale", "id", "no such field", "evidence"}};
  constexpr std::array<std::string_view, 4> kNames = {"rationale", "id", "no such field", "evidence"};
  const feel::Context first = ShapedOf({"id", "rationale", "evidence"}, 3, 0);
  const feel::Context reordered = ShapedOf({"evidence", "rationale", "id"}, 3, 10);
  const feel::Context lacking = ShapedOf({"id", "evidence"}, 2, 20);
  const feel::Context partial = ShapedOf({"id", "evidence", "rationale"}, 2, 30);  // rationale not filled yet
  const feel::Context empty_partial = ShapedOf({"rationale", "id"}, 0, 35);
  const feel::Context own = [] {  // holds its own keys
    feel::Context c;
    c.Put("evidence", feel::Value::Number(40));
    c.Put("id", feel::Value::Number(41));
    return c;
  }();
  ASSERT_EQ(own.shape(), nullptr);
  // A shape too wide for a byte a position: searched, never cached.
  std::vector<std::string> wide_keys;
  for (int i = 0; i < 300; ++i) wide_keys.push_back("w" + std::to_string(i));
  wide_keys[270] = "evidence";
  wide_keys[3] = "id";
  const feel::Context wide = ShapedOf(wide_keys, wide_keys.size(), 50);
  // A subset of a family: read by its own positions.
  const feel::ContextShape* family = feel::ContextShape::Intern(std::vector<std::string>{"a", "id", "b", "evidence"});
  ASSERT_NE(family, nullptr);
  const feel::ContextShape* subset_shape = feel::ContextShape::InternSubset(*family, 0b1010);
  ASSERT_NE(subset_shape, nullptr);
  feel::Context subset(subset_shape);
  subset.AppendValue(feel::Value::Number(60));
  subset.AppendValue(feel::Value::Number(61));
  const feel::Context whole_family = ShapedOf({"a", "id", "b", "evidence"}, 4, 70);  // the family itself
  ASSERT_EQ(whole_family.shape(), family);
  for (int round = 0; round < 2; ++round)
    for (const feel::Context* c : std::initializer_list<const feel::Context*>{
             &first, &first, &reordered, &first, &lacking, &partial, &empty_partial, &own, &wide,
             &first, &wide, &subset, &reordered, &subset, &whole_family, &subset, &whole_family})
      ExpectEachAsFind(fields, kNames, *c);
  // The values read are the right ones, not only non-null.
  auto number = [](const feel::Value* v) { return v && v->is(feel::Type::kNumber) ? v->number().ToInt64() : std::nullopt; };
  EXPECT_EQ(number(fields.In(first)[0]), 1);
  EXPECT_EQ(number(fields.In(first)[1]), 0);
  EXPECT_EQ(number(fields.In(first)[3]), 2);
  EXPECT_EQ(number(fields.In(reordered)[0]), 11);
  EXPECT_EQ(number(fields.In(reordered)[3]), 10);
  EXPECT_EQ(fields.In(partial)[0], nullptr);
  EXPECT_EQ(number(fields.In(partial)[3]), 31);
  EXPECT_EQ(number(fields.In(own)[1]), 41);
  EXPECT_EQ(number(fields.In(wide)[1]), 53);
  EXPECT_EQ(number(fields.In(wide)[3]), 320);
  EXPECT_EQ(number(fields.In(subset)[1]), 60);
  EXPECT_EQ(number(fields.In(subset)[3]), 61);
  EXPECT_EQ(number(fields.In(whole_family)[1]), 71);
  EXPECT_EQ(number(fields.In(subset)[1]), 60);
  for (const feel::Value& not_context : {feel::Value::String("rationale"), feel::Value(), feel::Value::Number(1)})
    for (const feel::Value* v : fields.In(not_context)) EXPECT_EQ(v, nullptr);
  EXPECT_EQ(fields.name(2).view(), "no such field");
}

// Threads sharing one reader over contexts of alternating shapes always read Find's entries (the
// shape's id and the positions are one word).
TEST(OutputFields, ThreadsSharingAReaderReadTheRightEntries) {
  static internal::OutputFields<3> fields{{"x", "y", "z"}};
  std::vector<feel::Context> contexts;
  for (int n = 1; n <= 6; ++n) {
    std::vector<std::string> keys;
    for (int i = 0; i < n; ++i) keys.push_back("k" + std::to_string(i));
    keys.insert(keys.begin() + n / 2, "x");
    keys.insert(keys.begin() + (n % 3), "z");
    if (n % 2) keys.push_back("y");
    contexts.push_back(ShapedOf(keys, keys.size(), 100 * n));
  }
  std::atomic<int> wrong{0};
  auto run = [&](size_t start) {
    for (int i = 0; i < 20000; ++i) {
      const feel::Context& c = contexts[(start + static_cast<size_t>(i)) % contexts.size()];
      const auto got = fields.In(c);
      if (got[0] != c.Find("x") || got[1] != c.Find("y") || got[2] != c.Find("z")) wrong.fetch_add(1);
    }
  };
  std::thread a(run, 0), b(run, 3);
  a.join();
  b.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace zebra::clinical::recommendation_test
