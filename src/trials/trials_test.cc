// Trial registry import (ClinicalTrials.gov API v2 fixtures, malformed ones included), matching
// vignettes against the shipped snapshot, and the 180-day staleness flag.
#include "build_info.h"
#include "trials/trials.h"

#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "clinical/clinical.h"
#include "clinical/kb_tools.h"
#include "common/sanitizers.h"
#include "common/text.h"
#include "feel/value.h"
#include "json/json_parse.h"
#include "json/json_values.h"
#include "json/json_writer.h"

namespace zebra::trials {
namespace {

namespace fs = std::filesystem;
const fs::path kSource = ZEBRA_SOURCE_DIR;

std::string Read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The cases of the clinical and the trial vignettes.
std::vector<Json> VignetteCases() {
  std::vector<Json> cases;
  for (const char* dir : {"tests/vignettes", "tests/trials/vignettes"})
    for (const auto& e : fs::recursive_directory_iterator(kSource / dir))
      if (e.path().extension() == ".json") cases.push_back(json::ParseStrict(Read(e.path())).value()["case"]);
  return cases;
}

// The cases the whole-registry comparisons run on: every vignette and every 25th generated case.
// Under AddressSanitizer at -O0 each case costs ~50x more and these suites took most of the
// sanitizer run, so there they take every kSanitizerStride-th vignette and every 125th generated
// case; the release run takes the full sample.
constexpr size_t kGeneratedStride = kAddressSanitizer ? 125 : 25;

std::vector<Json> VignettesAndGeneratedSample() {
  const std::vector<Json> vignettes = VignetteCases();
  std::vector<Json> cases;
  for (size_t i = 0; i < vignettes.size(); i += kSanitizerStride) cases.push_back(vignettes[i]);
  const std::vector<Json> generated = clinical::GeneratedCases();
  for (size_t i = 0; i < generated.size(); i += kGeneratedStride) cases.push_back(generated[i]);
  return cases;
}

// Each suite compares a case with and without the excluded studies; nearly every sampled case
// must be valid and compared.
size_t MostComparisons(size_t cases) { return 2 * cases * 8 / 10; }

// A scratch knowledge directory holding a copy of the shipped trials/ files.
struct Scratch {
  fs::path dir;
  Scratch() {
    dir = fs::temp_directory_path() / ("zebra_trials_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                                       "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir / "trials");
    for (const char* f : {"registry.json", "criteria.json", "texts.json"})
      fs::copy_file(kSource / "knowledge" / "trials" / f, dir / "trials" / f);
  }
  ~Scratch() { fs::remove_all(dir); }
};

std::shared_ptr<const Registry> Shipped() {
  auto r = Registry::Load(kSource / "knowledge");
  if (!r) {
    for (const auto& e : r.error()) ADD_FAILURE() << e.path << ": " << e.message;
    return nullptr;
  }
  return *r;
}

TEST(TrialsSnapshot, ShipsTwentyRecruitingStudiesWithSources) {
  auto reg = Shipped();
  ASSERT_TRUE(reg);
  int open = 0;
  for (const auto& s : reg->studies()) {
    EXPECT_TRUE(common::HasShape(s.nct_id, "NCT99999999")) << s.nct_id;
    EXPECT_FALSE(s.record.value("source", "").empty()) << s.nct_id << " needs the source it came from";
    EXPECT_FALSE(s.record.value("status_note", "").empty()) << s.nct_id << " needs where its status was seen";
    // Each entry records when and where its status was last checked (a snapshot date is moved only
    // on verified evidence, so an unverified entry keeps its old date and stays flagged as stale).
    const Json v = s.record.value("verification", Json::object());
    EXPECT_EQ(v.value("checked_on", "").size(), 10u) << s.nct_id << " needs verification.checked_on";
    EXPECT_FALSE(v.value("where", Json::array()).empty()) << s.nct_id << " needs verification.where";
    EXPECT_FALSE(v.value("found", "").empty()) << s.nct_id << " needs verification.found";
    EXPECT_LE(s.snapshot_date, v.value("checked_on", "")) << s.nct_id << ": evidence cannot postdate the check";
    const std::string status = s.record.value("status", "");
    if (status == "recruiting" || status == "not_yet_recruiting") ++open;
  }
  EXPECT_GE(open, 20);
  EXPECT_GE(reg->encoded_count(), 8);
}

TEST(TrialsImport, KeepsNeuroendocrineStudiesAndMerges) {
  Scratch k;
  auto before = Registry::Load(k.dir);
  ASSERT_TRUE(before);
  const size_t shipped = (*before)->studies().size();
  auto report = Import(k.dir, Read(kSource / "tests/trials/fixtures/api_v2_ok.json"), "2026-12-01");
  ASSERT_TRUE(report) << report.error()[0].path << ": " << report.error()[0].message;
  EXPECT_EQ(report->read, 4);
  EXPECT_EQ(report->kept, 3);
  EXPECT_EQ(report->skipped, 1);  // breast cancer
  EXPECT_EQ(report->added, 2);
  EXPECT_EQ(report->updated, 1);
  auto after = Registry::Load(k.dir);
  ASSERT_TRUE(after) << after.error()[0].path << ": " << after.error()[0].message;
  ASSERT_EQ((*after)->studies().size(), shipped + 2);
  const Study* added = nullptr;
  const Study* updated = nullptr;
  for (const auto& s : (*after)->studies()) {
    if (s.nct_id == "NCT99999001") added = &s;
    if (s.nct_id == "NCT03972488") updated = &s;
  }
  ASSERT_TRUE(added && updated);
  EXPECT_EQ(added->record["phase"], "Phase 2/Phase 3");
  EXPECT_EQ(added->record["status"], "recruiting");
  EXPECT_EQ(added->record["countries"], Json::parse(R"(["France","Germany"])"));
  EXPECT_EQ(added->snapshot_date, "2026-12-01");
  EXPECT_FALSE(added->encoded);
  EXPECT_EQ(updated->record["status"], "completed");
  EXPECT_FALSE(updated->record.value("status_note", "").empty()) << "curated fields are kept";

  // An imported study without structured criteria is matched on condition only.
  Json rec = Json::object();
  rec["classification"] = Json::object();
  Json c = Json::parse(R"({"schema":"zebra.case/v1","id":"x","tumor":{"primary_site":"pancreas"}})");
  (*after)->Annotate(c, rec, "2026-12-02", true);
  bool seen = false;
  for (const auto& t : rec["trials"])
    if (t["nct_id"] == "NCT99999001") {
      seen = true;
      EXPECT_EQ(t["criteria_encoded"], false);
      EXPECT_NE(t["matched"][0].get<std::string>().find("criteria not yet encoded"), std::string::npos);
      EXPECT_NE(t["to_check"][0].get<std::string>().find("not yet encoded"), std::string::npos);
    }
  EXPECT_TRUE(seen);
  for (const auto& t : rec["trials_excluded"]) {
    if (t["nct_id"] == "NCT03972488") {
      EXPECT_NE(t["reasons"][0].get<std::string>().find("completed"), std::string::npos);
    }
  }
}

TEST(TrialsImport, MalformedFilesGiveLocatedErrorsAndLeaveTheRegistryUntouched) {
  Scratch k;
  const std::string original = Read(k.dir / "trials/registry.json");
  struct Case {
    const char* file;
    const char* path;  // expected in one of the errors
  };
  for (const Case& c : {Case{"api_v2_syntax.json", "studies[0].protocolSection.identificationModule.nctId"},
                        Case{"api_v2_bad_fields.json", "studies[1].protocolSection.identificationModule.nctId"},
                        Case{"api_v2_bad_fields.json", "studies[0].protocolSection.conditionsModule.conditions"},
                        Case{"api_v2_bad_fields.json", "studies[2].protocolSection.contactsLocationsModule.locations[0].country"},
                        Case{"api_v2_not_a_list.json", "studies"},
                        Case{"api_v2_duplicate.json", "studies[1].protocolSection.identificationModule.nctId"},
                        Case{"api_v2_repeated_key.json", "studies"}}) {
    auto report = Import(k.dir, Read(kSource / "tests/trials/fixtures" / c.file), "2026-12-01");
    ASSERT_FALSE(report) << c.file;
    bool found = false;
    for (const auto& e : report.error()) found = found || e.path == c.path;
    std::string all;
    for (const auto& e : report.error()) all += e.path + ": " + e.message + "\n";
    EXPECT_TRUE(found) << c.file << " should name " << c.path << "; got\n" << all;
    EXPECT_EQ(Read(k.dir / "trials/registry.json"), original) << c.file;
  }
  EXPECT_FALSE(Import(k.dir, Read(kSource / "tests/trials/fixtures/api_v2_ok.json"), "2026-13-01"));
  EXPECT_EQ(Read(k.dir / "trials/registry.json"), original);
}

TEST(TrialsStaleness, FlagsSnapshotsOlderThan180Days) {
  Scratch k;
  auto report = Import(k.dir, Read(kSource / "tests/trials/fixtures/api_v2_ok.json"), "2026-01-01");
  ASSERT_TRUE(report);
  // Keep only the imported studies so the oldest snapshot is 2026-01-01.
  Json reg = Json::parse(Read(k.dir / "trials/registry.json"));
  Json kept = Json::array();
  for (const auto& s : reg["studies"])
    if (s["snapshot_date"] == "2026-01-01") kept.push_back(s);
  reg["studies"] = kept;
  std::ofstream(k.dir / "trials/registry.json") << reg.dump(2);
  Json criteria = Json::parse(Read(k.dir / "trials/criteria.json"));
  criteria["trials"] = Json::object();
  std::ofstream(k.dir / "trials/criteria.json") << criteria.dump(2);
  auto loaded = Registry::Load(k.dir);
  ASSERT_TRUE(loaded) << loaded.error()[0].path << ": " << loaded.error()[0].message;
  Json c = Json::parse(R"({"schema":"zebra.case/v1","id":"x","tumor":{"primary_site":"pancreas"}})");
  for (auto [today, stale] : {std::pair{"2026-06-30", false}, std::pair{"2026-07-01", true}, std::pair{"2027-06-01", true}}) {
    Json rec = Json::object();
    (*loaded)->Annotate(c, rec, today, false);
    EXPECT_EQ(rec["trials_registry"]["stale"], stale) << today;  // 2026-07-01 is 181 days on
    EXPECT_EQ(rec["trials_registry"]["stale_note"].is_string(), stale) << today;
    for (const auto& t : rec["trials"]) EXPECT_EQ(t["stale"], stale) << today;
  }
  EXPECT_NE((*loaded)->ListText("2026-08-01").find("STALE"), std::string::npos);
  EXPECT_EQ((*loaded)->ListText("2026-02-01").find("STALE"), std::string::npos);
  EXPECT_EQ(DaysBetween("2026-01-01", "2026-07-01"), 181);
  EXPECT_FALSE(DaysBetween("2026-02-30", "2026-07-01"));
  EXPECT_EQ(DaysBetween("2024-02-28", "2024-03-01"), 2);  // a leap day between
  EXPECT_EQ(DaysBetween("1969-12-31", "1970-01-01"), 1);
  // Only ten-character YYYY-MM-DD dates: FEEL's other date forms are not snapshot dates.
  for (const char* bad : {"-026-01-01", "+026-01-01", "2026-1-01", "2026-01-1x", "02026-01-01", "2026/01/01", "", "2026-13-01"})
    EXPECT_FALSE(DaysBetween(bad, "2026-07-01")) << bad;
}

// trials_registry and each entry's stale flag on the shipped snapshot, on days either side of the
// 180-day limit and today (the note prepared when the registry loads names today's age; any other
// day's is written again): the counts, the member order, the note filled in from texts.json, and
// the text zebra batch writes the same as the tree.
TEST(TrialsStaleness, RegistryMembersAndNoteOnEveryDay) {
  auto reg = Shipped();
  ASSERT_TRUE(reg);
  std::string oldest = reg->studies().front().snapshot_date;
  for (const auto& s : reg->studies()) oldest = std::min(oldest, s.snapshot_date);
  ASSERT_EQ(reg->snapshot_date(), oldest);
  ASSERT_EQ(oldest, "2021-03-05");  // the days below are chosen around it
  const Json c = Json::parse(R"({"schema":"zebra.case/v1","id":"x","tumor":{"primary_site":"pancreas"}})");
  int stale_days = 0;
  for (const std::string& today : {std::string("2021-06-01"), std::string("2021-09-01"), std::string("2021-09-02"),
                                  std::string("2026-12-06"), TodayUtc()}) {
    SCOPED_TRACE(today);
    Json rec = Json::object();
    reg->Annotate(c, rec, today, false);
    const int days = DaysBetween(oldest, today).value();
    const bool stale = days > kStaleAfterDays;
    stale_days += stale;
    const Json& r = rec["trials_registry"];
    std::vector<std::string> keys;
    for (const auto& [key, _] : r.items()) keys.push_back(key);
    EXPECT_EQ(keys, (std::vector<std::string>{"snapshot_date", "studies", "criteria_encoded", "may_fit", "excluded",
                                              "stale", "stale_note"}));
    EXPECT_EQ(r["snapshot_date"], oldest);
    EXPECT_EQ(r["studies"], reg->studies().size());
    EXPECT_EQ(r["criteria_encoded"], reg->encoded_count());
    EXPECT_EQ(r["may_fit"], rec["trials"].size());
    EXPECT_EQ(r["excluded"], reg->studies().size() - rec["trials"].size());
    EXPECT_EQ(r["stale"], stale);
    if (stale) {
      std::string note = reg->texts()["stale"];
      for (const auto& [key, value] : {std::pair<std::string, std::string>{"{date}", oldest},
                                       {"{days}", std::to_string(days)},
                                       {"{limit}", std::to_string(kStaleAfterDays)}})
        note.replace(note.find(key), key.size(), value);
      EXPECT_EQ(r["stale_note"], note);
    } else {
      EXPECT_TRUE(r["stale_note"].is_null());
    }
    ASSERT_FALSE(rec["trials"].empty());
    for (const auto& t : rec["trials"])
      EXPECT_EQ(t["stale"], DaysBetween(t["snapshot_date"].get<std::string>(), today).value() > kStaleAfterDays)
          << t["nct_id"];
    // As text: the members after the recommendation's own.
    Json untouched = Json::object();
    std::string members;
    Registry::AnnotateOptions options;
    options.members_text = &members;
    reg->Annotate(c, untouched, today, options);
    EXPECT_EQ(untouched, Json::object());
    ASSERT_EQ(members.substr(0, 1), ",");
    EXPECT_EQ("{" + members.substr(1) + "}", json::DumpJson(rec));
  }
  EXPECT_EQ(stale_days, 3);
}

// Annotate keeps a thread's working storage from case to case; an annotation made while another
// is under way on the same thread (here from before_members) must not disturb either.
TEST(TrialsAnnotate, ReenteredOnTheSameThreadGivesTheSameAnswers) {
  auto reg = Shipped();
  ASSERT_TRUE(reg);
  const Json a = Json::parse(R"({"schema":"zebra.case/v1","id":"a","patient":{"age_years":50},
      "tumor":{"primary_site":"pancreas","morphology":"well_differentiated","ki67_percent":20}})");
  const Json b = Json::parse(R"({"schema":"zebra.case/v1","id":"b","patient":{"age_years":70,"ecog":1},
      "tumor":{"primary_site":"lung","morphology":"poorly_differentiated_large_cell"}})");
  Json expected_a = Json::object(), expected_b = Json::object();
  reg->Annotate(a, expected_a, "2026-12-06", false);
  reg->Annotate(b, expected_b, "2026-12-06", true);
  ASSERT_NE(expected_a["trials"], expected_b["trials"]);
  Json inner = Json::object(), outer = Json::object();
  std::string members;
  Registry::AnnotateOptions options;
  options.members_text = &members;
  options.before_members = [&] { reg->Annotate(b, inner, "2026-12-06", true); };
  reg->Annotate(a, outer, "2026-12-06", options);
  EXPECT_EQ(inner, expected_b);
  ASSERT_FALSE(members.empty());
  EXPECT_EQ("{" + members.substr(1) + "}", json::DumpJson(expected_a));
  Json again = Json::object();
  reg->Annotate(b, again, "2026-12-06", true);
  EXPECT_EQ(again, expected_b);
}

// The case as the FEEL value of the models holds immortal strings (the case reader's listed
// values), whose ids a thread finds by address. Case after case on one thread, with every listed
// site, morphology and SSTR reading in immortal strings (and 40 more sites than the cache has
// slots), each answer is the one a fresh thread gives from the JSON case alone (strings with
// owners, found by their text).
TEST(TrialsAnnotate, ImmortalCaseStringsGiveTheAnswersOfTheJsonCase) {
  auto reg = Shipped();
  ASSERT_TRUE(reg);
  const char* sites[] = {"stomach", "duodenum", "ampulla", "jejunum_ileum", "appendix", "colon",
                         "rectum", "pancreas", "lung", "thymus", "unknown_primary", "other"};
  const char* morphologies[] = {"well_differentiated", "poorly_differentiated_small_cell",
                                "poorly_differentiated_large_cell", "poorly_differentiated", "minen", "unknown"};
  const char* uptakes[] = {"above", "equal", "below"};
  const char* settings[] = {"progression", "new_diagnosis", "after_resection"};
  // More distinct strings at one path than the address cache's 32 slots: slots are shared.
  std::vector<std::string> more_sites;
  for (int i = 0; i < 40; ++i) more_sites.push_back("site_" + std::to_string(i));
  std::vector<Json> cases;
  for (int i = 0; i < 432; ++i)
    cases.push_back({{"schema", "zebra.case/v1"},
                     {"id", "c" + std::to_string(i)},
                     {"patient", {{"age_years", 30 + i % 50}, {"ecog", i % 3}, {"pregnant", false}}},
                     {"tumor",
                      {{"primary_site", i % 4 == 3 ? more_sites[static_cast<size_t>(i / 4 % 40)] : sites[i % 12]},
                       {"morphology", morphologies[i / 12 % 6]},
                       {"ki67_percent", 5 + i % 40},
                       {"m", i % 2 ? "M1" : "M0"},
                       {"sstr_imaging", {{"result", i / 72 % 2 ? "positive" : "negative"}, {"uptake_vs_liver", uptakes[i / 144]}}}}},
                     {"history", {{"setting", settings[i % 3]}, {"prior_therapies", Json::array()}}}});
  std::vector<Json> expected(cases.size());
  std::thread([&] {
    for (size_t i = 0; i < cases.size(); ++i) {
      expected[i] = Json::object();
      reg->Annotate(cases[i], expected[i], "2026-12-06", false);
    }
  }).join();
  std::set<std::string> answers;
  for (size_t i = 0; i < cases.size(); ++i) {
    const feel::Value value = feel::MakeImmortal(json::ValueFromJson(cases[i]));
    ASSERT_TRUE(feel::IsImmortal(value.context().Find("tumor")->context().Find("primary_site")->string_ptr()));
    Json got = Json::object();
    Registry::AnnotateOptions options;
    options.case_value = &value;
    reg->Annotate(cases[i], got, "2026-12-06", options);
    ASSERT_EQ(got, expected[i]) << cases[i].dump();
    answers.insert(got["trials"].dump());
  }
  EXPECT_GT(answers.size(), 20u);  // (the cases differ in what fits)
}

// What a thread keeps of one registry's entries is not used for another loaded after or beside it,
// even with the same studies in the same places.
TEST(TrialsAnnotate, EachRegistryWritesItsOwnEntries) {
  auto shipped = Shipped();
  ASSERT_TRUE(shipped);
  Scratch k;
  Json criteria = json::ParseStrict(Read(k.dir / "trials/criteria.json")).value();
  Json& pancreas = criteria["trials"]["NCT07273409"]["criteria"][1];
  ASSERT_EQ(pancreas["id"], "pancreas");
  const std::string shipped_text = pancreas["text"], edited_text = shipped_text + " (edited)";
  pancreas["text"] = edited_text;
  { std::ofstream(k.dir / "trials/criteria.json") << criteria.dump(2); }
  auto edited = Registry::Load(k.dir);
  ASSERT_TRUE(edited);
  const Json c = Json::parse(R"({"schema":"zebra.case/v1","id":"x","tumor":{"primary_site":"pancreas"}})");
  for (int round = 0; round < 2; ++round)
    for (const auto& [reg, text] : {std::pair{shipped, shipped_text}, std::pair{*edited, edited_text}}) {
      Json rec = Json::object();
      reg->Annotate(c, rec, "2026-12-06", false);
      const Json* entry = nullptr;
      for (const auto& t : rec["trials"])
        if (t["nct_id"] == "NCT07273409") entry = &t;
      ASSERT_TRUE(entry) << "a pancreatic primary, nothing else known: the study may fit";
      EXPECT_EQ((*entry)["matched"], Json::array({text}));
    }
}

TEST(TrialsRegistry, BadCriteriaGiveLocatedErrors) {
  Scratch k;
  Json criteria = Json::parse(Read(k.dir / "trials/criteria.json"));
  criteria["trials"]["NCT04919226"]["criteria"][0]["test"] = "patient.age_years >=";
  criteria["trials"]["NCT00000000"] = Json::object();
  std::ofstream(k.dir / "trials/criteria.json") << criteria.dump(2);
  auto loaded = Registry::Load(k.dir);
  ASSERT_FALSE(loaded);
  std::string all;
  for (const auto& e : loaded.error()) all += e.path + "\n";
  EXPECT_NE(all.find("trials.NCT04919226.criteria[0].test"), std::string::npos) << all;
  EXPECT_NE(all.find("trials.NCT00000000"), std::string::npos) << all;
}

// kb check of the registry: the shipped criteria are clean; a field the schema lacks, a value the
// field does not allow and a test that decides on an empty case are each reported with the criterion.
TEST(TrialsRegistry, KbCheckFindsUnknownFieldsValuesAndGuesses) {
  auto kb = clinical::LoadKnowledgeBase(kSource / "knowledge");
  ASSERT_TRUE(kb);
  auto shipped = Shipped();
  ASSERT_TRUE(shipped);
  for (const auto& e : shipped->Check((*kb)->case_schema)) ADD_FAILURE() << e;
  Scratch k;
  Json criteria = Json::parse(Read(k.dir / "trials/criteria.json"));
  Json& list = criteria["trials"]["NCT04919226"]["criteria"];
  list.push_back({{"id", "nofield"}, {"text", "x"}, {"test", "tumor.ki67 >= 15"}});
  list.push_back({{"id", "novalue"}, {"text", "x"}, {"test", "if tumor.primary_site = null then null else tumor.primary_site = \"pancreatic\""}});
  list.push_back({{"id", "novalue_in"}, {"text", "x"}, {"test", "if tumor.primary_site = null then null else tumor.primary_site in (\"lung\", \"bowel\")"}});
  list.push_back({{"id", "guess"}, {"text", "not pregnant"}, {"test", "patient.pregnant != true"}});
  list.push_back({{"id", "fine"}, {"text", "female"}, {"test", "if patient.sex = null then null else patient.sex = \"female\""}});
  std::ofstream(k.dir / "trials/criteria.json") << criteria.dump(2);
  auto loaded = Registry::Load(k.dir);
  ASSERT_TRUE(loaded);
  std::string all;
  for (const auto& e : (*loaded)->Check((*kb)->case_schema)) all += e + "\n";
  EXPECT_NE(all.find("criterion nofield: 'tumor.ki67' is not a case field"), std::string::npos) << all;
  EXPECT_NE(all.find("criterion novalue: 'pancreatic' is not an allowed value of tumor.primary_site"), std::string::npos) << all;
  EXPECT_NE(all.find("criterion novalue_in: 'bowel' is not an allowed value of tumor.primary_site"), std::string::npos) << all;
  EXPECT_EQ(all.find("'lung' is not"), std::string::npos) << all;
  EXPECT_NE(all.find("criterion guess: decides without case data (true on an empty case)"), std::string::npos) << all;
  EXPECT_EQ(all.find("criterion fine"), std::string::npos) << all;
}

// The patient reads the trial sentence in the summary's language: Arabic in an Arabic summary (no
// English reading grade), English otherwise.
TEST(TrialsPatientSentence, FollowsTheSummaryLanguage) {
  auto reg = Shipped();
  ASSERT_TRUE(reg);
  Json c = Json::parse(R"({"schema":"zebra.case/v1","id":"x","tumor":{"primary_site":"pancreas"}})");
  Json ar = {{"patient_summary", {{"lang", "ar"}, {"text", "نص."}, {"reading_grade", nullptr}}}};
  reg->Annotate(c, ar, "2026-12-06", false);
  ASSERT_FALSE(ar["trials"].empty());
  const std::string ar_text = ar["patient_summary"]["text"].get<std::string>();
  const std::string ar_sentence = reg->texts()["ar"][ar["trials"].size() == 1 ? "patient_sentence_one" : "patient_sentence"];
  EXPECT_NE(ar_text.find(ar_sentence.substr(0, ar_sentence.find('{'))), std::string::npos) << ar_text;
  EXPECT_EQ(ar_text.find("research stud"), std::string::npos) << ar_text;
  EXPECT_TRUE(ar["patient_summary"]["reading_grade"].is_null());
  Json en = {{"patient_summary", {{"lang", "en"}, {"text", "Text."}, {"reading_grade", 5.0}}}};
  reg->Annotate(c, en, "2026-12-06", false);
  EXPECT_NE(en["patient_summary"]["text"].get<std::string>().find("research stud"), std::string::npos);
  EXPECT_TRUE(en["patient_summary"]["reading_grade"].is_number());
}

// tests/trials/vignettes/*.json: a case evaluated by the knowledge base, then matched against the
// shipped snapshot.
TEST(TrialsVignettes, MatchTheShippedSnapshot) {
  auto reg = Shipped();
  ASSERT_TRUE(reg);
  auto kb = clinical::LoadKnowledgeBase(kSource / "knowledge");
  ASSERT_TRUE(kb);
  int files = 0;
  for (const auto& entry : fs::directory_iterator(kSource / "tests/trials/vignettes")) {
    if (entry.path().extension() != ".json") continue;
    ++files;
    SCOPED_TRACE(entry.path().filename().string());
    auto v = json::ParseStrict(Read(entry.path()));
    ASSERT_TRUE(v);
    ASSERT_TRUE(v->contains("source") && !(*v)["source"].empty()) << "every vignette cites its source";
    auto c = clinical::ParseCase((*v)["case"].dump(), **kb);
    ASSERT_TRUE(c) << c.error()[0].path << ": " << c.error()[0].message;
    Json rec = clinical::Evaluate(**kb, *c);
    reg->Annotate(*c, rec, (*v)["today"].get<std::string>(), true);
    auto find = [&](const char* list, const std::string& id) -> const Json* {
      for (const auto& t : rec[list])
        if (t["nct_id"] == id) return &t;
      return nullptr;
    };
    auto contains = [](const Json& items, const std::string& text) {
      for (const auto& i : items)
        if (i.get<std::string>().find(text) != std::string::npos) return true;
      return false;
    };
    const Json& x = (*v)["expect"];
    const Json excluded_expect = x.value("excluded", Json::object());
    const Json to_check_expect = x.value("to_check", Json::object());
    const Json matched_expect = x.value("matched", Json::object());
    for (const auto& id : x.value("fitting_include", Json::array())) {
      EXPECT_TRUE(find("trials", id)) << id << " should be listed";
      EXPECT_FALSE(find("trials_excluded", id)) << id;
    }
    for (const auto& [id, reason] : excluded_expect.items()) {
      const Json* t = find("trials_excluded", id);
      ASSERT_TRUE(t) << id << " should be excluded";
      EXPECT_FALSE(find("trials", id));
      EXPECT_TRUE(contains((*t)["reasons"], reason.get<std::string>())) << id << ": " << (*t)["reasons"].dump();
    }
    for (const auto& [id, text] : to_check_expect.items()) {
      const Json* t = find("trials", id);
      ASSERT_TRUE(t) << id;
      EXPECT_TRUE(contains((*t)["to_check"], text.get<std::string>())) << id << ": " << (*t)["to_check"].dump();
      EXPECT_FALSE(contains((*t)["matched"], text.get<std::string>())) << id;
    }
    for (const auto& [id, text] : matched_expect.items()) {
      const Json* t = find("trials", id);
      ASSERT_TRUE(t) << id;
      EXPECT_TRUE(contains((*t)["matched"], text.get<std::string>())) << id << ": " << (*t)["matched"].dump();
    }
    // The option names how many may fit; the patient reads it in plain words.
    for (const auto& o : rec["options"]) {
      if (o["id"] == "trial.clinical_trial") {
        EXPECT_NE(o["rationale"].get<std::string>().find(std::to_string(rec["trials"].size())), std::string::npos);
      }
    }
    if (!rec["trials"].empty()) {
      EXPECT_NE(rec["patient_summary"]["text"].get<std::string>().find("research stud"), std::string::npos);
    }
  }
  EXPECT_GE(files, 5);
}

// `zebra batch` has the whole answer written as text (clinical::EvaluateAnswer, the trial
// annotation leaving its notes in the answer, clinical::AppendAnswer, the trial members as text)
// from the description that builds the tree: the bytes must be the tree's dump, on every clinical
// and trial vignette and on generated cases, with and without the excluded studies (with them,
// the answer written by AnnotateOptions::before_members into the members' string); the reading
// grade completed from the summary's counts must be the one of counting the whole text again; and
// the answer's record (classification, ids) must be what the tree holds.
TEST(TrialsText, SameBytesAsTheTree) {
  auto reg = Shipped();
  ASSERT_TRUE(reg);
  auto kb = clinical::LoadKnowledgeBase(kSource / "knowledge");
  ASSERT_TRUE(kb);
  const std::vector<Json> cases = VignettesAndGeneratedSample();
  ASSERT_GT(cases.size(), Sampled(400u));
  size_t compared = 0, with_trials = 0, with_trial_option = 0;
  for (const Json& c : cases) {
    auto valid = clinical::ParseCase(c.dump(), **kb);
    if (!valid) continue;  // a vignette that expects a validation error
    SCOPED_TRACE(c.value("id", ""));
    const Json rec = clinical::Evaluate(**kb, *valid);
    {
      // Without the trial annotation.
      clinical::Answer answer = clinical::EvaluateAnswer(**kb, *valid);
      std::string text;
      clinical::AppendAnswer(**kb, *valid, answer, text);
      text += '}';
      ASSERT_EQ(text, json::DumpJson(rec));
      // The record holds what the tree does.
      EXPECT_TRUE(feel::DeepEqual(answer.classification, json::ValueFromJson(rec["classification"])));
      EXPECT_EQ(json::ValueToJson(answer.classification), rec["classification"]);
      ASSERT_EQ(answer.has_scenario_id, rec["scenario"]["id"].is_string());
      if (answer.has_scenario_id) {
        EXPECT_EQ(answer.scenario_id, rec["scenario"]["id"]);
      }
      std::vector<std::string> option_ids, alert_ids;
      for (const auto& o : rec["options"]) option_ids.push_back(o["id"]);
      for (const auto& a : rec["alerts"]) alert_ids.push_back(a["id"]);
      EXPECT_EQ(answer.option_ids, option_ids);
      EXPECT_EQ(answer.alert_ids, alert_ids);
    }
    Json fitting;  // without the excluded studies' entries, their criteria are cut short
    for (bool all : {false, true}) {
      SCOPED_TRACE(all ? "(all)" : "");
      Json tree = rec;
      reg->Annotate(*valid, tree, "2026-12-06", all);  // the whole text counted again
      const std::string expected = json::DumpJson(tree);
      if (!all) fitting = tree;
      else {
        fitting["trials_excluded"] = tree["trials_excluded"];
        ASSERT_EQ(json::DumpJson(fitting), expected);
      }
      feel::Value case_value;  // the case as the models read it, shared with the criteria below
      clinical::Answer answer = clinical::EvaluateAnswer(**kb, *valid, &case_value);
      ASSERT_TRUE(case_value.is(feel::Type::kContext));
      // The members after the answer's text: in a tail appended to it, or (as zebra batch does)
      // in the same string, the answer written by before_members.
      std::string text, tail;
      int written = 0;
      Registry::AnnotateOptions options;
      options.include_excluded = all;
      options.members_text = all ? &text : &tail;
      if (all)
        options.before_members = [&] {
          ++written;
          clinical::AppendAnswer(**kb, *valid, answer, text);
        };
      options.answer = &answer;
      options.case_value = &case_value;  // (the tree above converted the case itself)
      Json untouched;
      reg->Annotate(*valid, untouched, "2026-12-06", options);
      ASSERT_TRUE(untouched.is_null());
      if (all) {
        ASSERT_EQ(written, 1);
      } else {
        ASSERT_FALSE(tail.empty());
        clinical::AppendAnswer(**kb, *valid, answer, text);
        text += tail;
      }
      text += '}';
      ASSERT_EQ(text, expected);
      ++compared;
      if (!tree["trials"].empty()) ++with_trials;
      if (answer.has_trial_option_note) ++with_trial_option;
    }
  }
  EXPECT_GT(compared, MostComparisons(cases.size()));
  EXPECT_GT(with_trials, compared / 2);  // the patient sentence and its grade were exercised
  EXPECT_GT(with_trial_option, 0u);       // and the trial option's note
}

// Annotate evaluates a fact only when a criterion that may read it is evaluated (the facts named
// in its test or its needs, and the facts those read). A reference here evaluates every fact in
// order and then every criterion by the FEEL text alone: the entries (matched, to check, not met)
// must be the same on every vignette and on generated cases, with and without the excluded
// studies, for the shipped criteria and for criteria that need a fact which reads other facts.
TEST(TrialsFacts, EvaluatedWhenNeededGiveTheAnswerOfAllFactsEvaluated) {
  auto kb = clinical::LoadKnowledgeBase(kSource / "knowledge");
  ASSERT_TRUE(kb);
  const std::vector<Json> cases = VignettesAndGeneratedSample();
  ASSERT_GT(cases.size(), Sampled(400u));

  Scratch k;
  Json criteria = json::ParseStrict(Read(k.dir / "trials/criteria.json")).value();
  // Every criterion of every other study needs `advanced` (a fact reading distant_metastases).
  bool every_other = false;
  for (auto& [id, t] : criteria["trials"].items()) {
    every_other = !every_other;
    if (every_other)
      for (auto& c : t["criteria"]) c["needs"] = Json::array({"advanced"});
  }
  { std::ofstream(k.dir / "trials/criteria.json") << criteria.dump(2); }
  auto with_needs = Registry::Load(k.dir);
  ASSERT_TRUE(with_needs);
  auto shipped = Shipped();
  ASSERT_TRUE(shipped);
  const Json shipped_criteria = json::ParseStrict(Read(kSource / "knowledge/trials/criteria.json")).value();

  int seen[3] = {0, 0, 0};  // criteria true, false, null
  int mixed = 0;            // studies with criteria of more than one outcome in one case
  using Pair = std::pair<std::shared_ptr<const Registry>, const Json*>;
  for (const auto& [reg, crit] : {Pair{shipped, &shipped_criteria}, Pair{*with_needs, &criteria}}) {
    for (const Json& case_json : cases) {
      auto c = clinical::ParseCase(case_json.dump(), **kb);
      if (!c) continue;
      const Json base = clinical::Evaluate(**kb, *c);
      // The reference: every fact, in order, then each criterion's text.
      feel::Context vars;
      for (const char* name : {"patient", "tumor", "history", "planned_procedure"})
        vars.Put(name, c->contains(name) ? json::ValueFromJson((*c)[name]) : feel::Value());
      vars.Put("classification", base.contains("classification") ? json::ValueFromJson(base["classification"]) : feel::Value());
      feel::EvalContext ectx;
      for (const auto& f : (*crit)["facts"])
        vars.Put(f["name"].get<std::string>(), feel::EvaluateExpression(f["feel"].get<std::string>(), vars, ectx).value());
      Json rec_all = base, rec_fit = base;
      reg->Annotate(*c, rec_all, "2026-12-06", true);
      reg->Annotate(*c, rec_fit, "2026-12-06", false);
      std::set<std::string> fitting;
      for (const auto& s : reg->studies()) {
        SCOPED_TRACE(s.nct_id + " in " + case_json.dump().substr(0, 200));
        Json matched = Json::array(), to_check = Json::array(), not_met = Json::array();
        int outcomes = 0;
        if (!s.encoded) {
          matched.push_back(reg->texts().value("not_encoded_matched", ""));
          to_check.push_back(reg->texts().value("not_encoded_to_check", ""));
        }
        for (const auto& cr : (*crit)["trials"].value(s.nct_id, Json::object()).value("criteria", Json::array())) {
          feel::Value v = feel::EvaluateExpression(cr["test"].get<std::string>(), vars, ectx).value();
          for (const auto& need : cr.value("needs", Json::array())) {
            const feel::Value* at = vars.Find(need.get<std::string>());
            if (!at || at->is_null()) v = feel::Value();
          }
          const int outcome = !v.is(feel::Type::kBoolean) ? 2 : v.boolean() ? 0 : 1;
          ++seen[outcome];
          outcomes |= 1 << outcome;
          (outcome == 0 ? matched : outcome == 1 ? not_met : to_check).push_back(cr["text"]);
        }
        mixed += outcomes != 0 && (outcomes & (outcomes - 1)) != 0;
        for (const auto& t : s.to_check) to_check.push_back(t);
        const bool recruiting = s.not_recruiting.empty();
        const bool fits = recruiting && not_met.empty();
        if (fits) fitting.insert(s.nct_id);
        const Json* entry = nullptr;
        for (const auto& e : rec_all[fits ? "trials" : "trials_excluded"])
          if (e["nct_id"] == s.nct_id) entry = &e;
        ASSERT_TRUE(entry) << (fits ? "should fit" : "should be excluded");
        if (fits) {
          EXPECT_EQ((*entry)["matched"], matched);
          EXPECT_EQ((*entry)["to_check"], to_check);
        } else {
          Json reasons = Json::array();
          if (!recruiting) reasons.push_back(s.not_recruiting);
          for (const auto& t : not_met) reasons.push_back("not met: " + t.get<std::string>());
          EXPECT_EQ((*entry)["reasons"], reasons);
        }
      }
      // Without the excluded studies' entries (their remaining criteria not evaluated): the same
      // fitting studies, in the same order, with the same entries.
      EXPECT_EQ(rec_fit["trials"], rec_all["trials"]);
      EXPECT_EQ(rec_fit["trials"].size(), fitting.size());
      EXPECT_EQ(rec_fit["trials_registry"], rec_all["trials_registry"]);
    }
  }
  // The cases reach every outcome, and studies whose criteria are mixed.
  EXPECT_GT(seen[0], Sampled(100));
  EXPECT_GT(seen[1], Sampled(100));
  EXPECT_GT(seen[2], Sampled(100));
  EXPECT_GT(mixed, Sampled(100));
}

// A thread keeps a fact's value for the values its text reads (the case paths it names, the facts
// it reads). Case after case on one thread, the answers must be those of a thread that kept
// nothing, for the shipped criteria and for a fact that reads a whole case part (which is never
// kept: two cases with the same paths but different parts would share it).
TEST(TrialsFacts, KeptValuesGiveTheAnswersOfAFreshThread) {
  auto kb = clinical::LoadKnowledgeBase(kSource / "knowledge");
  ASSERT_TRUE(kb);
  const std::vector<Json> cases = VignettesAndGeneratedSample();
  Scratch k;
  Json criteria = json::ParseStrict(Read(k.dir / "trials/criteria.json")).value();
  criteria["facts"].push_back({{"name", "tumor_detailed"},
                               {"feel", "if tumor = null then null else count(get entries(tumor)) > 4"},
                               {"meaning", "test only"}});
  criteria["facts"].push_back({{"name", "site_and_detailed"},
                               {"feel", "if tumor_detailed = null then null else tumor_detailed and tumor.primary_site != null"},
                               {"meaning", "test only"}});
  criteria["trials"].begin().value()["criteria"].push_back(
      {{"id", "detailed"}, {"text", "Detailed tumour record"}, {"test", "site_and_detailed"}});
  { std::ofstream(k.dir / "trials/criteria.json") << criteria.dump(2); }
  auto edited = Registry::Load(k.dir);
  ASSERT_TRUE(edited);
  const auto& reg = *edited;  // (the shipped criteria and facts, and the two above)
  size_t compared = 0, detailed[2] = {0, 0};
  {
    for (const Json& case_json : cases) {
      auto c = clinical::ParseCase(case_json.dump(), **kb);
      if (!c) continue;
      const Json base = clinical::Evaluate(**kb, *c);
      for (bool all : {false, true}) {
        Json kept = base, fresh = base;
        reg->Annotate(*c, kept, "2026-12-06", all);
        std::thread([&] { reg->Annotate(*c, fresh, "2026-12-06", all); }).join();
        ASSERT_EQ(json::DumpJson(kept), json::DumpJson(fresh)) << case_json.dump().substr(0, 300);
        ++compared;
      }
      if (c->contains("tumor")) ++detailed[(*c)["tumor"].size() > 4];
    }
  }
  EXPECT_GT(compared, MostComparisons(cases.size()));
  EXPECT_GT(detailed[0], 10u);  // the whole-part fact both ways
  EXPECT_GT(detailed[1], 10u);
}


// The reference for one case: every fact in order, then every criterion's test, evaluated
// straightforwardly by FEEL over the case's parts and `classification`; what Annotate with the
// excluded studies listed must say of each study, and without them, the same fitting entries.
// With fit_first, the answer without the excluded studies is asked first (what it keeps is then
// what the other reads).
void ExpectTheReferenceAnswer(const Registry& reg, const Json& criteria, const Json& case_json, const Json& classification,
                              bool fit_first = false) {
  feel::Context vars;
  for (const char* name : {"patient", "tumor", "history", "planned_procedure"})
    vars.Put(name, case_json.contains(name) ? json::ValueFromJson(case_json[name]) : feel::Value());
  vars.Put("classification", json::ValueFromJson(classification));
  feel::EvalContext ectx;
  for (const auto& f : criteria["facts"])
    vars.Put(f["name"].get<std::string>(), feel::EvaluateExpression(f["feel"].get<std::string>(), vars, ectx).value());
  Json rec_all = Json::object(), rec_fit = Json::object();
  rec_all["classification"] = rec_fit["classification"] = classification;
  if (fit_first) reg.Annotate(case_json, rec_fit, "2026-12-06", false);
  reg.Annotate(case_json, rec_all, "2026-12-06", true);
  if (!fit_first) reg.Annotate(case_json, rec_fit, "2026-12-06", false);
  for (const auto& s : reg.studies()) {
    if (!s.encoded) continue;
    SCOPED_TRACE(s.nct_id + " in " + case_json.dump());
    Json matched = Json::array(), to_check = Json::array(), not_met = Json::array();
    for (const auto& cr : criteria["trials"][s.nct_id]["criteria"]) {
      const feel::Value v = feel::EvaluateExpression(cr["test"].get<std::string>(), vars, ectx).value();
      (!v.is(feel::Type::kBoolean) ? to_check : v.boolean() ? matched : not_met).push_back(cr["text"]);
    }
    for (const auto& t : s.to_check) to_check.push_back(t);
    const bool fits = s.not_recruiting.empty() && not_met.empty();
    const Json* entry = nullptr;
    for (const auto& e : rec_all[fits ? "trials" : "trials_excluded"])
      if (e["nct_id"] == s.nct_id) entry = &e;
    ASSERT_TRUE(entry) << (fits ? "should fit" : "should be excluded");
    if (fits) {
      EXPECT_EQ((*entry)["matched"], matched);
      EXPECT_EQ((*entry)["to_check"], to_check);
    } else {
      Json reasons = Json::array();
      if (!s.not_recruiting.empty()) reasons.push_back(s.not_recruiting);
      for (const auto& t : not_met) reasons.push_back("not met: " + t.get<std::string>());
      EXPECT_EQ((*entry)["reasons"], reasons);
    }
  }
  EXPECT_EQ(rec_fit["trials"], rec_all["trials"]);
  EXPECT_EQ(rec_fit["trials_registry"], rec_all["trials_registry"]);
}

// A thread keeps facts' values and tests' outcomes by ids of the values they read. Case after case
// on one thread, with more distinct values at a path than ids (ages: 0.5 steps over 150 years),
// tests reading two paths, a fact and a path, or a number's digits: each answer is the reference's.
TEST(TrialsFacts, KeptOutcomesOnOneThreadGiveTheReferenceAnswers) {
  Scratch k;
  Json criteria = json::ParseStrict(Read(k.dir / "trials/criteria.json")).value();
  criteria["facts"].push_back({{"name", "fit_adult"},
                               {"feel", "if patient.age_years = null or patient.ecog = null then null else patient.age_years >= 40 and patient.ecog <= 1"},
                               {"meaning", "test only"}});
  Json& list = criteria["trials"]["NCT04919226"]["criteria"];
  list.push_back({{"id", "two_paths"}, {"text", "Two paths"}, {"test", "patient.age_years >= 60 and patient.ecog <= 1"}});
  list.push_back({{"id", "fact_and_path"}, {"text", "A fact and a path"}, {"test", "if fit_adult then tumor.ki67_percent < 30 else null"}});
  list.push_back({{"id", "exact"}, {"text", "Forty and a half"}, {"test", "string(patient.age_years) = \"40.5\""}});
  { std::ofstream(k.dir / "trials/criteria.json") << criteria.dump(2); }
  auto loaded = Registry::Load(k.dir);
  ASSERT_TRUE(loaded);
  const Registry& reg = **loaded;
  const char* sites[] = {"pancreas", "lung", "jejunum_ileum", "unknown_primary"};
  const char* morphologies[] = {"well_differentiated", "poorly_differentiated", "poorly_differentiated_large_cell"};
  const char* results[] = {"positive", "negative"};
  const char* settings[] = {"progression", "new_diagnosis", "after_resection"};
  const char* grades[] = {"G1", "G2", "G3"};
  for (int i = 0; i < Sampled(700); ++i) {
    Json c = Json::object();
    c["patient"] = {{"ecog", i % 3}, {"hemoglobin_g_dl", 8 + (i % 5)}};
    if (const int twice = i * 37 % 300; i % 50 == 3) {
    } else if (twice % 2 == 0) c["patient"]["age_years"] = twice / 2;
    else c["patient"]["age_years"] = twice / 2.0;
    c["tumor"] = {{"primary_site", sites[i % 4]}, {"morphology", morphologies[i % 3]}, {"ki67_percent", i % 60},
                  {"sstr_imaging", {{"result", results[i / 2 % 2]}}}, {"growth", i % 4 ? "progressive" : "stable"}};
    c["history"] = {{"setting", settings[i % 3]}, {"prior_therapies", Json::array()}};
    const Json classification = {{"grade", grades[i / 3 % 3]}};
    ExpectTheReferenceAnswer(reg, criteria, c, classification);
    if (HasFailure()) return;
  }
}

// A thread takes the outcomes it keeps for the values of the paths that key tests alone as bits
// over all the tests, before it visits the studies. With more tests than one 64-bit word holds
// (85: the shipped 45 and 40 thresholds spread over five studies, several on one path), each
// answer is the reference's, case after case on one thread, the answer without the excluded
// studies asked first or second.
TEST(TrialsFacts, OutcomesTakenByPathOverManyTestsGiveTheReferenceAnswers) {
  Scratch k;
  Json criteria = json::ParseStrict(Read(k.dir / "trials/criteria.json")).value();
  const char* studies[] = {"NCT04919226", "NCT06784752", "NCT05918302", "NCT06732505", "NCT07061080"};
  for (int i = 0; i < 40; ++i) {
    const int bound = i / 4;  // (ten bounds per path)
    std::string test;
    switch (i % 4) {
      case 0: test = "patient.age_years >= " + std::to_string(10 + bound * 3); break;
      case 1: test = "patient.hemoglobin_g_dl >= " + std::to_string(7 + bound / 5.0); break;
      case 2: test = "tumor.ki67_percent < " + std::to_string(50 + bound); break;
      default: test = "if patient.ecog = null then null else patient.ecog <= " + std::to_string(1 + bound % 3) + " or " +
                      std::to_string(bound) + " > 7";
    }
    criteria["trials"][studies[i % 5]]["criteria"].push_back(
        {{"id", "extra" + std::to_string(i)}, {"text", "Extra " + std::to_string(i)}, {"test", test}});
  }
  { std::ofstream(k.dir / "trials/criteria.json") << criteria.dump(2); }
  auto loaded = Registry::Load(k.dir);
  ASSERT_TRUE(loaded);
  const Registry& reg = **loaded;
  const char* sites[] = {"pancreas", "lung", "jejunum_ileum", "unknown_primary"};
  const char* morphologies[] = {"well_differentiated", "poorly_differentiated", "poorly_differentiated_large_cell"};
  const char* settings[] = {"progression", "new_diagnosis", "after_resection"};
  const char* grades[] = {"G1", "G2", "G3"};
  int fitting = 0;
  for (int i = 0; i < Sampled(600); ++i) {
    Json c = Json::object();
    c["patient"] = Json::object();
    if (i % 7 != 2) c["patient"]["ecog"] = i % 4;
    if (i % 11 != 5) c["patient"]["hemoglobin_g_dl"] = 7 + (i % 13) / 4.0;
    if (i % 13 != 1) c["patient"]["age_years"] = 12 + i * 7 % 60;
    c["tumor"] = {{"primary_site", sites[i % 4]}, {"morphology", morphologies[i / 4 % 3]},
                  {"sstr_imaging", {{"result", i / 3 % 2 ? "positive" : "negative"}}}, {"growth", "progressive"}};
    if (i % 9 != 4) c["tumor"]["ki67_percent"] = 40 + i % 25;
    c["history"] = {{"setting", settings[i % 3]}, {"prior_therapies", Json::array()}};
    const Json classification = {{"grade", grades[i / 5 % 3]}};
    ExpectTheReferenceAnswer(reg, criteria, c, classification, i % 2 == 0);
    if (HasFailure()) return;
    Json rec = Json::object();
    rec["classification"] = classification;
    reg.Annotate(c, rec, "2026-12-06", false);
    for (const auto& t : rec["trials"])
      if (t["criteria_encoded"] == true) ++fitting;
  }
  EXPECT_GT(fitting, Sampled(200));  // (studies fit, and others are ruled out)
}

// A thread takes the outcomes it keeps for the values of each set of several paths that key tests
// together as bits too, before it visits the studies. With 72 more tests over two and three paths
// (two 64-bit words of tests) and more pairs of values than a set keeps (ages by ECOG: ~240), on
// one thread, each answer is the reference's, the answer without the excluded studies asked first
// or second.
TEST(TrialsFacts, OutcomesTakenBySetsOfPathsGiveTheReferenceAnswers) {
  Scratch k;
  Json criteria = json::ParseStrict(Read(k.dir / "trials/criteria.json")).value();
  const char* studies[] = {"NCT04919226", "NCT06784752", "NCT05918302", "NCT06732505", "NCT07061080", "NCT06893783"};
  for (int i = 0; i < 72; ++i) {
    const int bound = i / 3;  // (24 bounds per set)
    std::string test;
    switch (i % 3) {
      case 0:
        test = "if patient.age_years = null or patient.ecog = null then null else patient.age_years >= " +
               std::to_string(10 + bound * 2) + " or patient.ecog < " + std::to_string(bound % 4);
        break;
      case 1:
        test = "patient.hemoglobin_g_dl + tumor.ki67_percent / 10 >= " + std::to_string(8 + bound / 6.0);
        break;
      default:
        test = "if patient.age_years = null then null else (patient.age_years + patient.ecog * 10) < " +
               std::to_string(60 + bound * 3) + " or tumor.ki67_percent < " + std::to_string(bound);
    }
    criteria["trials"][studies[i % 6]]["criteria"].push_back(
        {{"id", "set" + std::to_string(i)}, {"text", "Set " + std::to_string(i)}, {"test", test}});
  }
  { std::ofstream(k.dir / "trials/criteria.json") << criteria.dump(2); }
  auto loaded = Registry::Load(k.dir);
  ASSERT_TRUE(loaded);
  const Registry& reg = **loaded;
  const char* sites[] = {"pancreas", "lung", "jejunum_ileum", "unknown_primary"};
  const char* morphologies[] = {"well_differentiated", "poorly_differentiated", "poorly_differentiated_large_cell"};
  const char* settings[] = {"progression", "new_diagnosis", "after_resection"};
  const char* growths[] = {"progressive", "stable", "unknown"};
  const char* uptakes[] = {"above", "equal", "below"};
  const char* grades[] = {"G1", "G2", "G3"};
  int fitting = 0;
  for (int i = 0; i < Sampled(900); ++i) {
    Json c = Json::object();
    c["patient"] = Json::object();
    if (i % 7 != 2) c["patient"]["ecog"] = i % 4;
    if (i % 11 != 5) c["patient"]["hemoglobin_g_dl"] = 7 + (i % 13) / 4.0;
    if (i % 13 != 1) c["patient"]["age_years"] = 12 + i * 7 % 60;
    c["tumor"] = {{"primary_site", sites[i % 4]}, {"morphology", morphologies[i / 4 % 3]},
                  {"sstr_imaging", {{"result", i / 3 % 2 ? "positive" : "negative"}, {"uptake_vs_liver", uptakes[i / 2 % 3]}}},
                  {"growth", growths[i / 5 % 3]}, {"m", i % 5 ? "M0" : "M1"}};
    if (i % 9 != 4) c["tumor"]["ki67_percent"] = 40 + i % 25;
    c["history"] = {{"setting", settings[i / 7 % 3]}};
    if (i % 4 != 0) c["history"]["prior_therapies"] = Json::array();
    const Json classification = {{"grade", grades[i / 5 % 3]}};
    ExpectTheReferenceAnswer(reg, criteria, c, classification, i % 2 == 0);
    if (HasFailure()) return;
    Json rec = Json::object();
    rec["classification"] = classification;
    reg.Annotate(c, rec, "2026-12-06", false);
    for (const auto& t : rec["trials"])
      if (t["criteria_encoded"] == true) ++fitting;
  }
  EXPECT_GT(fitting, Sampled(100));  // (studies fit, and others are ruled out)
}

// kb check names the case paths a text reads as its compiled tree does, not as a pattern over its
// text: a local name spelled like a case part (`some tumor in …`) or a key of a context literal
// (`{tumor: …}.tumor.x`) is no case path, and a parenthesized part (`(tumor).ki67`) is one; a
// string compared with a local name's path is no value of the case field.
TEST(TrialsRegistry, KbCheckReadsPathsFromTheCompiledText) {
  auto kb = clinical::LoadKnowledgeBase(kSource / "knowledge");
  ASSERT_TRUE(kb);
  Scratch k;
  Json criteria = json::ParseStrict(Read(k.dir / "trials/criteria.json")).value();
  Json& list = criteria["trials"]["NCT04919226"]["criteria"];
  list.push_back({{"id", "local"}, {"text", "x"},
                  {"test", "if patient.age_years = null then null else some tumor in [{size: 1}] satisfies tumor.size > 0"}});
  list.push_back({{"id", "literal"}, {"text", "x"}, {"test", "if patient.ecog = null then null else {tumor: {x: 1}}.tumor.x = 1"}});
  list.push_back({{"id", "local_value"}, {"text", "x"},
                  {"test", "if patient.sex = null then null else some tumor in [{primary_site: \"bowel\"}] satisfies tumor.primary_site = \"bowel\""}});
  list.push_back({{"id", "parenthesized"}, {"text", "x"}, {"test", "(tumor).ki67 >= 15"}});
  list.push_back({{"id", "classification"}, {"text", "x"}, {"test", "if (classification).stage = null then null else true"}});
  { std::ofstream(k.dir / "trials/criteria.json") << criteria.dump(2); }
  auto loaded = Registry::Load(k.dir);
  ASSERT_TRUE(loaded);
  std::vector<std::string> messages = (*loaded)->Check((*kb)->case_schema);
  const std::string at = "trials/criteria.json: trials.NCT04919226 criterion ";
  EXPECT_EQ(messages, (std::vector<std::string>{
                          at + "parenthesized: 'tumor.ki67' is not a case field (schema/case.schema.json)",
                          at + "classification: 'classification.stage' is not a field of the classification",
                      }));
}

}  // namespace
}  // namespace zebra::trials
