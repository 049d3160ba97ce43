// The patient's summary and option grid on every vignette and demo case, in English and Arabic
// (issue 19): reading grade and sentence length, one spelling (British), consistency with the
// clinician section, and an Arabic version of every patient text.
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "build_info.h"
#include "clinical/clinical.h"
#include "common/file.h"
#include "common/sanitizers.h"
#include "clinical/kb_tools.h"
#include "clinical/test_knowledge.h"
#include "clinical/recommendation.h"

namespace zebra::clinical::patient_summary_test {
namespace {

namespace fs = std::filesystem;

const KnowledgeBase& Kb() { return test_support::SourceKnowledge(); }

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Read(const fs::path& p) { return common::ReadFile(p).value_or(""); }

// Every case of tests/vignettes/** and examples/cases, with its file name.
std::vector<std::pair<std::string, Json>> Cases() {
  std::vector<std::pair<std::string, Json>> out;
  fs::path root = fs::path(ZEBRA_SOURCE_DIR) / "tests" / "vignettes";
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
  for (const auto& e : fs::directory_iterator(fs::path(ZEBRA_SOURCE_DIR) / "examples" / "cases"))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    Json v = Json::parse(Read(f), nullptr, false);
    if (v.is_discarded()) continue;
    Json c = v.contains("case") ? v["case"] : v;
    if (!ValidateCaseJson(c, Kb()).empty()) continue;
    out.emplace_back(f.filename().string(), std::move(c));
  }
  return out;
}

// A character of a word: an ASCII letter or digit, or '_'.
bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Whether `text` has `phrase` (lowercase) as whole words, in any case.
bool HasPhrase(const std::string& text, std::string_view phrase) {
  const std::string lower = Lower(text);
  for (size_t at = lower.find(phrase); at != std::string::npos; at = lower.find(phrase, at + 1)) {
    const size_t past = at + phrase.size();
    if ((at == 0 || !IsWordChar(lower[at - 1])) && (past == lower.size() || !IsWordChar(lower[past]))) return true;
  }
  return false;
}

// American spellings the user-visible texts must not use (British English throughout).
const std::set<std::string, std::less<>>& AmericanWords() {
  static const std::set<std::string, std::less<>> words{
      "tumor",      "tumors",     "hemoglobin", "edema",      "center",     "centers",    "color",
      "colors",     "behavior",   "behaviors",  "diarrhea",   "anemia",     "leukemia",   "esophagus",
      "esophageal", "hemorrhage", "anesthesia", "anesthetic", "estrogen",   "pediatric",  "gynecology",
      "orthopedic", "counseling", "specialized", "labeling"};
  return words;
}

// The American words of `text`, each a whole word in any case.
std::vector<std::string> AmericanIn(const std::string& text) {
  std::vector<std::string> out;
  for (size_t at = 0, past = 0; at < text.size(); at = past) {
    for (past = at; past < text.size() && IsWordChar(text[past]);) ++past;
    if (past == at) {
      ++past;
      continue;
    }
    std::string word = text.substr(at, past - at);
    if (!AmericanWords().contains(Lower(word))) continue;
    // A JSON path or field name ("tumor.size_mm", "tumor_type") is contract, not prose.
    if (past < text.size() && (text[past] == '.' || text[past] == '_') && past + 1 < text.size() &&
        std::isalnum(static_cast<unsigned char>(text[past + 1])))
      continue;
    if (at > 0 && (text[at - 1] == '.' || text[at - 1] == '_' || text[at - 1] == '-')) continue;
    out.push_back(std::move(word));
  }
  return out;
}

// The string literals ('…', "…" and `…`, the first two on one line) and the JSX text (>…<) of
// TypeScript source, scanned left to right.
std::vector<std::string> LiteralsOf(const std::string& source) {
  std::vector<std::string> out;
  for (size_t at = 0; at < source.size(); ++at) {
    const char open = source[at];
    const std::string_view stops = open == '\'' ? "'\n" : open == '"' ? "\"\n" : open == '`' ? "`" : open == '>' ? "<>{}\n" : "";
    if (stops.empty()) continue;
    const size_t end = source.find_first_of(stops, at + 1);
    if (end == std::string::npos || source[end] != (open == '>' ? '<' : open) || (open == '>' && end == at + 1)) continue;
    out.push_back(source.substr(at + 1, end - at - 1));
    at = end;
  }
  return out;
}

void CollectStrings(const Json& j, std::vector<std::string>& out) {
  if (j.is_string()) out.push_back(j.get<std::string>());
  else if (j.is_array() || j.is_object())
    for (const auto& e : j) CollectStrings(e, out);
}

std::string GridText(const Json& grid) {
  std::vector<std::string> all;
  CollectStrings(grid, all);
  std::string out;
  for (const auto& s : all) out += s + "\n";
  return out;
}

bool HasArabicLetter(const std::string& s) {
  for (size_t i = 0; i + 1 < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) == 0xD8 || static_cast<unsigned char>(s[i]) == 0xD9)) return true;
  return false;
}

struct Figures {
  double max_grade = 0, sum_grade = 0, min_wps = 1e9, sum_wps = 0;
  double ar_max_wps = 0, ar_sum_wps = 0, ar_max_lpw = 0;
  int n = 0;
};

TEST(PatientSummaryTest, EveryVignetteInEnglishAndArabic) {
  auto cases = Cases();
  ASSERT_GT(cases.size(), 300u);
  Figures fig;
  for (const auto& [name, c] : cases) {
    SCOPED_TRACE(name);
    Json r = Evaluate(Kb(), c);
    const Json& ps = r["patient_summary"];
    std::string text = ps["text"].get<std::string>();
    EXPECT_EQ(ps["lang"], "en");
    // Grade 8 or lower, and whole sentences (8 words or more on average).
    TextCounts counts = CountText(text);
    double grade = FleschKincaidGrade(text);
    double wps = counts.sentences ? static_cast<double>(counts.words) / counts.sentences : 0;
    EXPECT_LE(grade, 8.0) << text;
    EXPECT_GE(wps, 8.0) << text;
    fig.max_grade = std::max(fig.max_grade, grade);
    fig.sum_grade += grade;
    fig.min_wps = std::min(fig.min_wps, wps);
    fig.sum_wps += wps;
    // Never overclaiming.
    EXPECT_EQ(Lower(text).find("you are cured"), std::string::npos) << text;
    // One spelling: British.
    for (const auto& w : AmericanIn(text + "\n" + GridText(ps))) ADD_FAILURE() << "American spelling '" << w << "': " << text;
    // Consistent with the clinician section: "no regular follow-up" offered exactly when no
    // monitoring schedule is listed; follow-up mentioned exactly when one is.
    bool none_needed = false;
    for (const auto& o : r["options"]) none_needed |= o["id"] == "surveillance.none_needed";
    bool monitored = HasMonitoringSchedule(r);
    for (const auto& m : r["monitoring"])
      if (m["interval"] == "none") {
        EXPECT_TRUE(none_needed) << "a 'none' schedule without the no-follow-up option";
      }
    if (none_needed) { EXPECT_FALSE(monitored) << "no follow-up offered beside a monitoring schedule: " << r["monitoring"].dump(); }
    EXPECT_EQ(text.find("regular check-ups") != std::string::npos, monitored) << text;
    if (monitored) { EXPECT_EQ(text.find("do not need regular scans"), std::string::npos) << text; }
    // A removed tumour is never described as growing.
    if (c.contains("history") && c["history"].contains("resection")) {
      EXPECT_FALSE(HasPhrase(text, "it grows") || HasPhrase(text, "tumour grows")) << text;
    }
    // The grid: one full row per option, in the options' order.
    const Json& grid = ps["option_grid"];
    ASSERT_EQ(grid.size(), r["options"].size());
    for (size_t i = 0; i < grid.size(); ++i) {
      EXPECT_EQ(grid[i]["id"], r["options"][i]["id"]);
      for (const char* f : {"name", "what_it_is", "benefits", "if_not_chosen"})
        EXPECT_FALSE(grid[i][f].get<std::string>().empty()) << grid[i]["id"] << " " << f;
      EXPECT_FALSE(grid[i]["involves"]["how"].get<std::string>().empty()) << grid[i]["id"];
    }
    // Patient factors that shaped the options reach the summary.
    for (const auto& a : r["alerts"]) {
      if (a["id"] == "alert.pregnancy") { EXPECT_NE(text.find("pregnant"), std::string::npos) << text; }
      if (a["id"] == "alert.prrt_renal") { EXPECT_NE(text.find("kidneys"), std::string::npos) << text; }
      if (a["id"] == "alert.diabetes_everolimus") { EXPECT_NE(text.find("diabetes"), std::string::npos) << text; }
    }
    // The patient's goals, when given.
    if (c.contains("patient") && c["patient"].contains("preferences") && c["patient"]["preferences"].contains("goals") &&
        !c["patient"]["preferences"]["goals"].empty()) {
      EXPECT_NE(text.find("what matters most to you"), std::string::npos) << text;
    }

    // Arabic: the same summary, every piece present, readable.
    Json ar = PatientSummary(Kb(), r, c, "ar");
    EXPECT_EQ(ar["lang"], "ar");
    std::string at = ar["text"].get<std::string>();
    EXPECT_TRUE(HasArabicLetter(at)) << at;
    ArabicReadability rd = ReadabilityOfArabic(at);
    EXPECT_LE(rd.words_per_sentence, 20.0) << at;
    EXPECT_LE(rd.letters_per_word, 6.0) << at;
    fig.ar_max_wps = std::max(fig.ar_max_wps, rd.words_per_sentence);
    fig.ar_sum_wps += rd.words_per_sentence;
    fig.ar_max_lpw = std::max(fig.ar_max_lpw, rd.letters_per_word);
    ASSERT_EQ(ar["option_grid"].size(), grid.size());
    for (const auto& row : ar["option_grid"])
      for (const char* f : {"name", "what_it_is", "benefits", "if_not_chosen"})
        EXPECT_TRUE(HasArabicLetter(row[f].get<std::string>())) << row["id"] << " " << f;
    EXPECT_EQ(ar["questions_to_ask"].size(), ps["questions_to_ask"].size());
    ++fig.n;
  }
  std::cout << "[ patient ] " << fig.n << " cases: English grade max " << fig.max_grade << ", mean "
            << fig.sum_grade / fig.n << "; words per sentence min " << fig.min_wps << ", mean " << fig.sum_wps / fig.n
            << "; Arabic words per sentence max " << fig.ar_max_wps << ", mean " << fig.ar_sum_wps / fig.n
            << "; letters per word max " << fig.ar_max_lpw << "\n";
}

// PRRT's grid row names the small later risk of leukaemia or MDS, in both languages.
// The summary's readability counts are added up from its pieces (prepared at load for the
// knowledge's texts): they must be the counts of the whole text, and so give the same grade, on
// every vignette and demo case and on generated cases; without a prepared plan, too.
TEST(PatientSummaryTest, CountsOfThePiecesAreTheCountsOfTheText) {
  std::vector<Json> cases;
  for (const auto& [name, c] : Cases()) cases.push_back(c);
  const std::vector<Json> generated = GeneratedCases();
  // Every 20th generated case (every 80th under the sanitizers).
  for (size_t i = 0; i < generated.size(); i += 20 * kSanitizerStride) cases.push_back(generated[i]);
  KnowledgeBase unprepared = Kb();
  unprepared.output_plan = nullptr;
  size_t checked = 0;
  for (const Json& c : cases) {
    if (!ValidateCaseJson(c, Kb()).empty()) continue;
    const Json rec = Evaluate(Kb(), c);
    for (const KnowledgeBase* kb : {&Kb(), static_cast<const KnowledgeBase*>(&unprepared)}) {
      TextCounts counts;
      const Json summary = PatientSummary(*kb, rec, c, "en", &counts);
      const TextCounts whole = CountText(summary["text"].get<std::string>());
      ASSERT_EQ(counts.words, whole.words) << c.value("id", "");
      ASSERT_EQ(counts.sentences, whole.sentences) << c.value("id", "");
      ASSERT_EQ(counts.syllables, whole.syllables) << c.value("id", "");
      EXPECT_EQ(summary["reading_grade"], rec["patient_summary"]["reading_grade"]);
      EXPECT_EQ(summary["reading_grade"].get<double>(),
                std::round(FleschKincaidGrade(summary["text"].get<std::string>()) * 10.0) / 10.0);
    }
    ++checked;
  }
  EXPECT_GT(checked, Sampled(1000u));
}

TEST(PatientSummaryTest, PrrtNamesTheLaterLeukaemiaRisk) {
  Json rec = {{"scenario", {{"id", "midgut_advanced"}}},
              {"options", Json::array({{{"id", "prrt.lu177_dotatate"}, {"preferred", true}}})},
              {"alerts", Json::array()},
              {"monitoring", Json::array()}};
  Json en = PatientSummary(Kb(), rec, Json::object(), "en");
  EXPECT_NE(GridText(en["option_grid"]).find("leukaemia"), std::string::npos);
  Json ar = PatientSummary(Kb(), rec, Json::object(), "ar");
  EXPECT_NE(GridText(ar["option_grid"]).find("ابيضاض الدم"), std::string::npos);
  // Drug names keep their Latin script beside the Arabic.
  EXPECT_NE(ar["option_grid"][0]["what_it_is"].get<std::string>().find("lutetium-177"), std::string::npos);
}

// kb check: every patient text of the knowledge has its Arabic version.
TEST(PatientSummaryTest, KbCheckFindsEveryArabicText) {
  EXPECT_TRUE(MissingPatientTranslations(Kb(), "ar").empty());
  KnowledgeBase copy = Kb();
  copy.patient_texts["ar"]["options"].erase("prrt.lu177_dotatate");
  copy.patient_texts["ar"]["alerts"].erase("alert.pregnancy");
  auto missing = MissingPatientTranslations(copy, "ar");
  bool option = false, alert = false;
  for (const auto& m : missing) {
    option |= m.find("prrt.lu177_dotatate") != std::string::npos;
    alert |= m.find("alert.pregnancy") != std::string::npos;
  }
  EXPECT_TRUE(option && alert);
}

// The Arabic readability measure counts Arabic words and sentences.
TEST(PatientSummaryTest, ArabicReadabilityCounts) {
  ArabicReadability r = ReadabilityOfArabic("لديك ورم صغير. هل توجد دراسة؟");
  EXPECT_EQ(r.words, 6);
  EXPECT_EQ(r.sentences, 2);
  EXPECT_DOUBLE_EQ(r.words_per_sentence, 3.0);
}

// One spelling variant (British) in the user-visible texts of the knowledge and the web app.
TEST(SpellingTest, UserVisibleTextsUseBritishSpelling) {
  std::vector<std::string> texts;
  fs::path k = fs::path(ZEBRA_SOURCE_DIR) / "knowledge";
  // Catalogue and patient texts: every string value.
  CollectStrings(Json::parse(Read(k / "catalogue.json")), texts);
  CollectStrings(Json::parse(Read(k / "patient" / "en.json")), texts);
  // DMN: string literals of the output entries (rationales, alert texts, evidence).
  for (const auto& m : Kb().models) {
    if (m.file != "classification.dmn" && m.file != "staging.dmn" && m.file != "treatment.dmn") continue;
    for (const auto& rule : KbRules(*m.model, m.file)) texts.insert(texts.end(), rule.outputs.begin(), rule.outputs.end());
  }
  size_t knowledge_texts = texts.size();
  // The web app: string literals and JSX text of web/src.
  for (const auto& e : fs::recursive_directory_iterator(fs::path(ZEBRA_SOURCE_DIR) / "web" / "src")) {
    auto ext = e.path().extension();
    if (ext != ".ts" && ext != ".tsx") continue;
    std::string s = Read(e.path());
    for (auto& literal : LiteralsOf(s)) texts.push_back(std::move(literal));
  }
  ASSERT_GT(knowledge_texts, 500u);
  for (const auto& t : texts)
    for (const auto& w : AmericanIn(t)) ADD_FAILURE() << "American spelling '" << w << "' in: " << t;
  // The check itself catches the words it is meant to catch.
  EXPECT_EQ(AmericanIn("The tumor and its edema").size(), 2u);
  EXPECT_TRUE(AmericanIn("case.tumor.size_mm").empty());
}

}  // namespace
}  // namespace zebra::clinical::patient_summary_test
