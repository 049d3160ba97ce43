// Runs the clinical vignettes in tests/vignettes/**.json through the real knowledge base.
// Each vignette states its sources; the expectations come from the cited facts, not from the
// program (see knowledge/README.md for the format).
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "build_info.h"
#include "clinical/clinical.h"
#include "clinical/kb_tools.h"
#include "clinical/test_knowledge.h"
#include "common/file.h"
#include "common/sanitizers.h"

namespace zebra::clinical::vignette_test {
namespace {

namespace fs = std::filesystem;

const KnowledgeBase& Kb() { return test_support::SourceKnowledge(); }

std::vector<fs::path> VignetteFiles() {
  std::vector<fs::path> out;
  fs::path root = fs::path(ZEBRA_SOURCE_DIR) / "tests" / "vignettes";
  if (!fs::exists(root)) return out;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file() && e.path().extension() == ".json") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::set<std::string> Ids(const Json& list, const char* key = "id") {
  std::set<std::string> out;
  if (list.is_array())
    for (const auto& e : list)
      if (e.is_object() && e.contains(key) && e[key].is_string()) out.insert(e[key].get<std::string>());
  return out;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string JoinSet(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : ", ") + x;
  return out;
}

int first_choice_vignettes = 0;
int what_if_vignettes = 0;

// Issue 17: the ranked plan and the what-if table.
void CheckRanking(const std::string& label, const Json& v, const Json& r) {
  const Json& x = v["expect"];
  const Json& options = r["options"];
  for (size_t i = 0; i < options.size(); ++i)
    EXPECT_EQ(options[i].value("rank", Json()), Json(i + 1)) << label << ": options not ranked 1..n in order";
  if (!options.empty()) {
    EXPECT_FALSE(options[0].value("rank_reason", std::string()).empty()) << label << ": first choice without a reason";
    for (const auto& o : options) {
      const Json line = o.value("line", Json());
      EXPECT_TRUE(line.is_null() || line == "first" || line == "second" || line == "later") << label << ": line " << line;
    }
  }
  if (x.contains("first_choice")) {
    ++first_choice_vignettes;
    ASSERT_FALSE(options.empty()) << label << ": no options";
    // One id, or the ids the source names as equal first choices (e.g. either SSA).
    const Json& want = x["first_choice"];
    const bool ok = want.is_array() ? std::find(want.begin(), want.end(), options[0]["id"]) != want.end()
                                    : options[0]["id"] == want;
    EXPECT_TRUE(ok) << label << ": first choice " << options[0]["id"] << ", expected " << want << "; ranking: " << [&] {
      std::string s;
      for (const auto& o : options) s += o["id"].get<std::string>() + " ";
      return s;
    }();
  }
  if (x.contains("first_choice_not") && !options.empty()) {
    for (const auto& id : x["first_choice_not"]) {
      EXPECT_NE(options[0]["id"], id) << label << ": first choice";
    }
  }
  if (x.contains("line_of_first_choice") && !options.empty()) {
    EXPECT_EQ(options[0].value("line", Json()), x["line_of_first_choice"]) << label;
  }
  if (x.contains("what_if")) {
    ++what_if_vignettes;
    Json probes;
    Json base = Evaluate(Kb(), v["case"], &probes);
    Json table = WhatIf(Kb(), v["case"], base, probes);
    for (const auto& want : x["what_if"]) {
      const Json* found = nullptr;
      for (const auto& e : table)
        if (e["field"] == want["field"] && e["value"] == want["value"]) found = &e;
      if (!found) {
        ADD_FAILURE() << label << ": no what-if entry " << want["field"] << " = " << want["value"] << "; table: " << table.dump();
        continue;
      }
      if (want.contains("why")) {
        EXPECT_EQ((*found)["why"], want["why"]) << label;
      }
      if (want.contains("first_choice")) {
        EXPECT_EQ((*found)["first_choice"], want["first_choice"]) << label << ": " << found->dump();
      }
      for (const char* key : {"added", "removed"}) {
        std::string k = std::string(key) + "_include";
        if (!want.contains(k)) continue;
        for (const auto& id : want[k]) {
          bool has = std::find((*found)[key].begin(), (*found)[key].end(), id) != (*found)[key].end();
          EXPECT_TRUE(has) << label << ": what-if " << want["field"] << " = " << want["value"] << " " << key << " lacks " << id
                           << ": " << found->dump();
        }
      }
    }
  }
}

void CheckVignette(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  Json v = Json::parse(ss.str(), nullptr, false);
  ASSERT_FALSE(v.is_discarded()) << file << ": not JSON";
  ASSERT_TRUE(v.contains("case") && v.contains("expect")) << file << ": needs case and expect";
  ASSERT_TRUE(v.contains("source") && !v["source"].empty()) << file << ": every vignette must cite its source";
  std::string label = file.filename().string() + " (" + v["source"].dump() + ")";
  auto errors = ValidateCaseJson(v["case"], Kb());
  for (const auto& e : errors) ADD_FAILURE() << label << ": case invalid: " << e.path << ": " << e.message;
  if (!errors.empty()) return;
  Json r = Evaluate(Kb(), v["case"]);
  const Json& x = v["expect"];
  auto scalar = [&](const char* key, const Json& actual) {
    if (!x.contains(key)) return;
    EXPECT_EQ(actual, x[key]) << label << ": " << key;
  };
  scalar("category", r["classification"]["category"]);
  scalar("grade", r["classification"]["grade"]);
  scalar("stage_group", r["stage"]["group"]);
  scalar("chapter", r["stage"]["chapter"]);
  scalar("t", r["stage"]["t"]);
  scalar("n", r["stage"]["n"]);
  scalar("m", r["stage"]["m"]);
  scalar("scenario", r["scenario"]["id"]);
  auto options = Ids(r["options"]);
  std::set<std::string> preferred;
  for (const auto& o : r["options"])
    if (o.value("preferred", false)) preferred.insert(o["id"].get<std::string>());
  auto include = [&](const char* key, const std::set<std::string>& actual) {
    if (!x.contains(key)) return;
    for (const auto& id : x[key])
      EXPECT_TRUE(actual.count(id.get<std::string>())) << label << ": " << key << " " << id << " missing; got ["
                                                       << JoinSet(actual) << "]";
  };
  auto exclude = [&](const char* key, const std::set<std::string>& actual) {
    if (!x.contains(key)) return;
    for (const auto& id : x[key])
      EXPECT_FALSE(actual.count(id.get<std::string>())) << label << ": " << key << " " << id << " present";
  };
  include("options_include", options);
  exclude("options_exclude", options);
  include("preferred_include", preferred);
  include("not_recommended_include", Ids(r["not_recommended"]));
  include("alerts_include", Ids(r["alerts"]));
  exclude("alerts_exclude", Ids(r["alerts"]));
  include("workup_include", Ids(r["workup"]));
  include("missing_fields_include", Ids(r["missing"], "field"));
  exclude("missing_fields_exclude", Ids(r["missing"], "field"));
  exclude("preferred_exclude", preferred);
  exclude("not_recommended_exclude", Ids(r["not_recommended"]));
  exclude("workup_exclude", Ids(r["workup"]));
  if (x.contains("not_preferred_include"))  // offered, but not as a preferred choice
    for (const auto& id : x["not_preferred_include"]) {
      EXPECT_TRUE(options.count(id.get<std::string>())) << label << ": not_preferred_include " << id << " not offered";
      EXPECT_FALSE(preferred.count(id.get<std::string>())) << label << ": not_preferred_include " << id << " is preferred";
    }
  // cautions_include: {option id: [text each of its cautions must contain one of, case-insensitive]}
  if (x.contains("cautions_include"))
    for (const auto& [id, needles] : x["cautions_include"].items()) {
      const Json* option = nullptr;
      for (const auto& o : r["options"])
        if (o["id"] == id) option = &o;
      if (!option) {
        ADD_FAILURE() << label << ": cautions_include: option " << id << " not offered";
        continue;
      }
      for (const auto& needle : needles) {
        bool found = false;
        for (const auto& c : (*option)["cautions"])
          found = found || Lower(c.get<std::string>()).find(Lower(needle.get<std::string>())) != std::string::npos;
        EXPECT_TRUE(found) << label << ": option " << id << " has no caution containing '" << needle.get<std::string>()
                           << "'; cautions: " << (*option)["cautions"].dump();
      }
    }
  // monitoring_include / monitoring_exclude: text matched (case-insensitive) against each entry's test.
  auto monitoring_has = [&](const std::string& needle) {
    for (const auto& m : r["monitoring"])
      if (Lower(m.value("test", "")).find(Lower(needle)) != std::string::npos) return true;
    return false;
  };
  if (x.contains("monitoring_include")) {
    for (const auto& n : x["monitoring_include"]) {
      EXPECT_TRUE(monitoring_has(n.get<std::string>())) << label << ": no monitoring test containing " << n << "; got "
                                                        << r["monitoring"].dump();
    }
  }
  if (x.contains("monitoring_exclude")) {
    for (const auto& n : x["monitoring_exclude"]) {
      EXPECT_FALSE(monitoring_has(n.get<std::string>())) << label << ": monitoring test containing " << n << " present";
    }
  }
  if (x.contains("patient_summary_include")) {
    for (const auto& n : x["patient_summary_include"]) {
      EXPECT_NE(Lower(r["patient_summary"]["text"].get<std::string>()).find(Lower(n.get<std::string>())), std::string::npos)
          << label << ": patient summary lacks " << n;
    }
  }
  // No two options of a declared exclusive group (knowledge/manifest.json) are both preferred.
  for (const auto& v : ExclusiveGroupViolations(Kb().manifest, r)) ADD_FAILURE() << label << ": " << v;
  // Every source names a citation key of knowledge/citations.json first (e.g. "S40 Lutathera label").
  for (const auto& s : v["source"]) {
    std::string first = s.get<std::string>().substr(0, s.get<std::string>().find(' '));
    if (first == "facts" || first == "spec") continue;  // the fact sheet or the product spec (older vignettes)
    EXPECT_TRUE(Kb().citations.contains(first)) << label << ": source '" << s.get<std::string>()
                                                << "' does not start with a citation key";
  }
  // Invariants of every output (spec §4, Zebra principles).
  for (const auto& o : r["options"]) {
    EXPECT_FALSE(o["citations"].empty()) << label << ": option " << o["id"] << " has no citation";
    // Spec 4.1: sources with a year on every option, approval on every drug option.
    EXPECT_TRUE(o.contains("sources") && o["sources"].is_array() && !o["sources"].empty() &&
                o["sources"][0].contains("year") && o["sources"][0]["year"].is_number())
        << label << ": option " << o["id"] << " has no sources with a year";
    for (const char* p : {"ssa.", "prrt.", "targeted.", "chemo.", "immuno."}) {
      if (o["id"].get<std::string>().rfind(p, 0) == 0) {
        EXPECT_TRUE(o.contains("approval") && o["approval"].contains("fda") && o["approval"].contains("ema"))
            << label << ": drug option " << o["id"] << " has no approval";
      }
    }
    EXPECT_FALSE(Ids(r["not_recommended"]).count(o["id"].get<std::string>()))
        << label << ": option " << o["id"] << " is both offered and not recommended";
  }
  for (const auto& n : r["not_recommended"])
    EXPECT_FALSE(n["citations"].empty()) << label << ": exclusion " << n["id"] << " has no citation";
  EXPECT_EQ(r["knowledge_version"], Kb().version);
  EXPECT_FALSE(r["trace"].empty()) << label << ": no rule trace";
  CheckRanking(label, v, r);
}

TEST(VignetteTest, AllVignettesMatchTheirSources) {
  auto files = VignetteFiles();
  ASSERT_FALSE(files.empty()) << "no vignettes found";
  for (const auto& f : files) {
    SCOPED_TRACE(f.string());
    CheckVignette(f);
  }
  std::cout << "[ vignettes ] " << files.size() << " files checked, " << first_choice_vignettes
            << " assert the first choice, " << what_if_vignettes << " the what-if table\n";
  EXPECT_GE(first_choice_vignettes, 30);
  EXPECT_GE(what_if_vignettes, 4);
}

// The demo cases must validate and evaluate deterministically.
TEST(VignetteTest, DemoCasesEvaluateDeterministically) {
  fs::path dir = fs::path(ZEBRA_SOURCE_DIR) / "examples" / "cases";
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".json") continue;
    auto c = ParseCase(common::ReadFile(e.path()).value_or(""), Kb());
    ASSERT_TRUE(c.has_value()) << e.path();
    EXPECT_EQ(Evaluate(Kb(), *c).dump(), Evaluate(Kb(), *c).dump()) << e.path();
    ++n;
  }
  EXPECT_GE(n, 12);
}

// Spec §4 / issue: the patient summary is at reading grade 8 or lower for every demo case.
TEST(VignetteTest, PatientSummaryReadingGrade) {
  fs::path dir = fs::path(ZEBRA_SOURCE_DIR) / "examples" / "cases";
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".json") continue;
    auto c = ParseCase(common::ReadFile(e.path()).value_or(""), Kb());
    ASSERT_TRUE(c.has_value());
    Json r = Evaluate(Kb(), *c);
    double grade = FleschKincaidGrade(r["patient_summary"]["text"].get<std::string>());
    EXPECT_LE(grade, 8.0) << e.path() << ": " << r["patient_summary"]["text"];
  }
}

// Reference values for the readability formula: grade of simple vs complex prose.
TEST(ReadabilityTest, FleschKincaidOrdersTexts) {
  EXPECT_LT(FleschKincaidGrade("The cat sat on the mat. It was a good day."), 3.0);
  EXPECT_GT(FleschKincaidGrade("Peptide receptor radionuclide therapy administers radiolabelled somatostatin "
                               "analogues intravenously, necessitating nephroprotective amino-acid infusion."),
            14.0);
}

}  // namespace
}  // namespace zebra::clinical::vignette_test

namespace zebra::clinical::vignette_test {
namespace {

std::vector<std::string> ReadersOf(const std::vector<FieldReaders>& all, const std::string& field) {
  for (const auto& f : all)
    if (f.field == field) return f.rules;
  ADD_FAILURE() << field << " is not a case field";
  return {};
}

bool Has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

// Issue 14: the shipped knowledge base reads every case field (or says why not), and the field
// report follows derived facts (Treatment Facts.heart_failure) and list items (prior_therapies).
TEST(KbCheckTest, ShippedKnowledgeReadsEveryFieldAndKeepsExclusiveGroups) {
#if defined(ZEBRA_ASAN)
  // About 20,000 generated evaluations take minutes at -O0 under ASan; the release run (ctest
  // clinical_test and `zebra kb check` in cli) proves them. The sanitizers see the same code paths
  // in the vignette tests.
  GTEST_SKIP() << "exhaustive kb check runs in the release build";
#endif
  auto res = CheckKnowledgeBase(std::filesystem::path(ZEBRA_SOURCE_DIR) / "knowledge");
  for (const auto& e : res.errors) ADD_FAILURE() << e;
  EXPECT_GT(res.fields_read, 40);
  EXPECT_GT(res.generated_cases, 10000);
}

TEST(KbCheckTest, FieldReadersFollowDerivedFactsAndListItems) {
  std::vector<std::string> errors;
  auto all = CaseFieldReaders(std::filesystem::path(ZEBRA_SOURCE_DIR) / "knowledge", &errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_TRUE(Has(ReadersOf(all, "patient.heart_failure"), "treatment.dmn:s_suni_heart_failure"));
  EXPECT_TRUE(Has(ReadersOf(all, "patient.neutrophils_10e9_l"), "treatment.dmn:s_prrt_anc_low"));
  EXPECT_TRUE(Has(ReadersOf(all, "tumor.fdg_pet"), "treatment.dmn:s_observation_aggressive"));
  EXPECT_TRUE(Has(ReadersOf(all, "history.prior_therapies[].option"), "treatment.dmn:s_prrt_after_alkylator"));
  EXPECT_TRUE(Has(ReadersOf(all, "tumor.ki67_percent"), "classification.dmn:alert_ki67_near_20"));
  // Informational fields are read by no rule (the manifest says why).
  EXPECT_TRUE(ReadersOf(all, "patient.preferences.notes").empty());
}

TEST(KbCheckTest, ExclusiveGroupViolationsNamesBothOptions) {
  Json manifest = Json::parse(R"({"exclusive_option_groups": [{"id": "g", "options": ["a.x", "b.y"], "reason": "r"}]})");
  Json both = Json::parse(R"({"options": [{"id": "a.x", "preferred": true}, {"id": "b.y", "preferred": true}]})");
  Json one = Json::parse(R"({"options": [{"id": "a.x", "preferred": true}, {"id": "b.y", "preferred": false}]})");
  auto v = ExclusiveGroupViolations(manifest, both);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NE(v[0].find("a.x b.y"), std::string::npos);
  EXPECT_TRUE(ExclusiveGroupViolations(manifest, one).empty());
}

}  // namespace
}  // namespace zebra::clinical::vignette_test
