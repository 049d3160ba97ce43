// FHIR mapping tests. Expected values come from the bundles' own content and the code tables
// of ../shared/reference/cds-standards.md §2 (ICD-10-CM C25.4 = endocrine pancreas, LOINC
// 29593-1 = Ki-67, 89247-1 = ECOG, ICD-O-3 8249/3 = NET G2, SNOMED 10828004 = positive).
#include "build_info.h"
#include "fhir/fhir.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace zebra::fhir::fhir_test {
namespace {

const Json& Tables() {
  static Json t = *LoadCodeTables(std::filesystem::path(ZEBRA_SOURCE_DIR) / "knowledge/fhir/code_tables.json");
  return t;
}

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Json Bundle(std::initializer_list<Json> resources) {
  Json b = {{"resourceType", "Bundle"}, {"type", "collection"}, {"timestamp", "2026-01-15T00:00:00Z"}};
  b["entry"] = Json::array();
  for (const auto& r : resources) b["entry"].push_back({{"resource", r}});
  return b;
}

Json Coding(const char* system, const char* code) {
  return {{"coding", Json::array({{{"system", system}, {"code", code}}})}};
}

bool UnusedMentions(const Json& report, const std::string& key);

bool ReportedHas(const Json& report, const std::string& item, const std::string& value, const std::string& resource) {
  for (const auto& r : report["reported"])
    if (r["item"] == item && r["value"] == value && r["resource"] == resource) return true;
  return false;
}

bool NoteContains(const Json& report, const std::string& text) {
  for (const auto& n : report["notes"])
    if (n.get<std::string>().find(text) != std::string::npos) return true;
  return false;
}

TEST(FhirMapTest, SharedMcodeExampleMapsToPancreaticNetG2) {
  std::string text = ReadFile(std::filesystem::path(ZEBRA_SOURCE_DIR) / "../shared/examples/fhir/mcode-pnet-g2-bundle.json");
  // ../shared is part of the test set-up: missing, the test fails rather than skips.
  ASSERT_FALSE(text.empty()) << "../shared/examples/fhir/mcode-pnet-g2-bundle.json is missing";
  auto r = MapBundle(text, Tables());
  ASSERT_TRUE(r.has_value());
  const Json& c = r->case_json;
  EXPECT_EQ(c["tumor"]["primary_site"], "pancreas");
  EXPECT_EQ(c["tumor"]["morphology"], "well_differentiated");
  EXPECT_EQ(c["tumor"]["ki67_percent"], 8);
  EXPECT_EQ(c["patient"]["ecog"], 0);
  EXPECT_EQ(c["patient"]["sex"], "female");
  EXPECT_EQ(c["patient"]["age_years"], 63);  // born 1961-05-02, bundle timestamp 2025-03-14
  EXPECT_EQ(c["tumor"]["t"], "T2");
  EXPECT_EQ(c["tumor"]["n"], "N0");
  EXPECT_EQ(c["tumor"]["m"], "M0");
  EXPECT_EQ(c["tumor"]["sstr_imaging"]["result"], "positive");
  EXPECT_EQ(c["tumor"]["sstr_imaging"]["modality"], "ga68_dotatate");
  // The report says where every field came from.
  bool found = false;
  for (const auto& f : r->report["fields"])
    if (f["field"] == "tumor.ki67_percent") {
      found = true;
      EXPECT_EQ(f["resource"], "Observation/pnet-1-ki67");
    }
  EXPECT_TRUE(found);
  // The mCODE stage group (SNOMED 1222765007, stage II) and histologic grade (NCIt C18000,
  // intermediate = G2) are read into the report, not left unused; G2 agrees with Ki-67 8 %.
  EXPECT_FALSE(UnusedMentions(r->report, "Observation/pnet-1-stage-group"));
  EXPECT_FALSE(UnusedMentions(r->report, "Observation/pnet-1-grade"));
  EXPECT_TRUE(ReportedHas(r->report, "stage_group", "II", "Observation/pnet-1-stage-group"));
  EXPECT_TRUE(ReportedHas(r->report, "stage_group", "II", "Condition/pnet-1-primary"));
  EXPECT_TRUE(ReportedHas(r->report, "histologic_grade", "G2", "Observation/pnet-1-grade"));
  EXPECT_TRUE(NoteContains(r->report, "histologic grade G2 reported (Observation/pnet-1-grade) agrees with Ki-67 8 % (G2)"));
  EXPECT_TRUE(r->report["unused"].empty()) << r->report["unused"].dump();
}

TEST(FhirMapTest, AsOfDateMakesAgeReproducible) {
  Json b = Bundle({{{"resourceType", "Patient"}, {"id", "p"}, {"birthDate", "1960-06-30"}}});
  MapOptions o;
  o.as_of = "2020-06-29";
  auto r = MapBundle(b.dump(), Tables(), o);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->case_json["patient"]["age_years"], 59);
  o.as_of = "2020-06-30";
  EXPECT_EQ(MapBundle(b.dump(), Tables(), o)->case_json["patient"]["age_years"], 60);
}

TEST(FhirMapTest, TwoKi67ResultsUseTheLatestAndReportTheConflict) {
  Json older = {{"resourceType", "Observation"}, {"id", "k1"}, {"status", "final"},
                {"code", Coding("http://loinc.org", "29593-1")}, {"effectiveDateTime", "2025-01-01"},
                {"valueQuantity", {{"value", 4}, {"unit", "%"}, {"code", "%"}}}};
  Json newer = older;
  newer["id"] = "k2";
  newer["effectiveDateTime"] = "2025-06-01";
  newer["valueQuantity"]["value"] = 12;
  auto r = MapBundle(Bundle({older, newer}).dump(), Tables());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->case_json["tumor"]["ki67_percent"], 12);
  ASSERT_EQ(r->report["conflicts"].size(), 1u);
  EXPECT_EQ(r->report["conflicts"][0]["field"], "tumor.ki67_percent");
}

TEST(FhirMapTest, UnknownCodesStayUnknownAndAreReported) {
  Json obs = {{"resourceType", "Observation"}, {"id", "x"}, {"code", Coding("http://loinc.org", "0000-0")},
              {"valueQuantity", {{"value", 1}}}};
  auto r = MapBundle(Bundle({obs}).dump(), Tables());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->case_json["tumor"]["primary_site"], "unknown_primary");
  ASSERT_FALSE(r->report["unused"].empty());
}

TEST(FhirMapTest, SecondaryConditionsBecomeMetastases) {
  Json liver = {{"resourceType", "Condition"}, {"id", "m1"}, {"code", Coding("http://hl7.org/fhir/sid/icd-10-cm", "C7B.02")}};
  Json bone = {{"resourceType", "Condition"}, {"id", "m2"}, {"code", Coding("http://hl7.org/fhir/sid/icd-10-cm", "C7B.03")}};
  Json primary = {{"resourceType", "Condition"}, {"id", "p"}, {"code", Coding("http://hl7.org/fhir/sid/icd-10-cm", "C7A.012")}};
  auto r = MapBundle(Bundle({primary, liver, bone}).dump(), Tables());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->case_json["tumor"]["primary_site"], "jejunum_ileum");
  EXPECT_EQ(r->case_json["tumor"]["metastases"]["liver"], true);
  EXPECT_EQ(r->case_json["tumor"]["metastases"]["extrahepatic"], Json::array({"bone"}));
}

TEST(FhirMapTest, MedicationsBecomePriorTherapies) {
  Json med = {{"resourceType", "MedicationStatement"}, {"id", "s"}, {"status", "completed"},
              {"medicationCodeableConcept", {{"text", "Lanreotide 120 mg deep subcutaneous"}}},
              {"effectivePeriod", {{"start", "2024-01-10"}, {"end", "2024-10-02"}}}};
  auto r = MapBundle(Bundle({med}).dump(), Tables());
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->case_json["history"]["prior_therapies"].size(), 1u);
  EXPECT_EQ(r->case_json["history"]["prior_therapies"][0]["option"], "ssa.lanreotide");
  EXPECT_EQ(r->case_json["history"]["prior_therapies"][0]["months"], 9);
}

bool UnusedMentions(const Json& report, const std::string& key) {
  for (const auto& u : report["unused"])
    if (u.get<std::string>().rfind(key + ":", 0) == 0) return true;
  return false;
}

Json Statement(const char* id, Json medication, const char* start, const char* end) {
  return {{"resourceType", "MedicationStatement"}, {"id", id}, {"status", "completed"}, {"medicationCodeableConcept", medication},
          {"effectivePeriod", {{"start", start}, {"end", end}}}};
}

// Capecitabine (RxNorm 194000) and temozolomide given over overlapping months are one CAPTEM
// course; the same two drugs years apart are not, and capecitabine alone is no catalogue option.
TEST(FhirMapTest, CaptemNeedsCapecitabineAndTemozolomideAtTheSameTime) {
  Json cape = Statement("cape", Coding("http://www.nlm.nih.gov/research/umls/rxnorm", "194000"), "2024-01-05", "2024-06-30");
  Json tem = Statement("tem", {{"text", "Temozolomide 150 mg/m2"}}, "2024-01-15", "2024-07-02");
  auto together = MapBundle(Bundle({cape, tem}).dump(), Tables());
  ASSERT_TRUE(together.has_value());
  const Json& t = together->case_json["history"]["prior_therapies"];
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0]["option"], "chemo.capecitabine_temozolomide");
  EXPECT_EQ(t[0]["months"], 6);

  tem["effectivePeriod"] = {{"start", "2022-01-01"}, {"end", "2022-05-01"}};
  auto apart = MapBundle(Bundle({cape, tem}).dump(), Tables());
  ASSERT_TRUE(apart.has_value());
  const Json& a = apart->case_json["history"]["prior_therapies"];
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0]["option"], "chemo.temozolomide");
  EXPECT_TRUE(UnusedMentions(apart->report, "MedicationStatement/cape"));
}

// Verified RxNorm ingredient codes map without any text: cisplatin 2555 + etoposide 4179 overlap.
TEST(FhirMapTest, RxNormCodedPlatinumAndEtoposideAreOneTherapy) {
  const char* rx = "http://www.nlm.nih.gov/research/umls/rxnorm";
  auto r = MapBundle(Bundle({Statement("c", Coding(rx, "2555"), "2025-01-01", "2025-03-01"),
                             Statement("e", Coding(rx, "4179"), "2025-01-01", "2025-03-03"),
                             Statement("s", Coding(rx, "357977"), "2025-05-01", "2025-08-01")})
                         .dump(),
                     Tables());
  ASSERT_TRUE(r.has_value());
  const Json& t = r->case_json["history"]["prior_therapies"];
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0]["option"], "chemo.platinum_etoposide");
  EXPECT_EQ(t[1]["option"], "targeted.sunitinib");
  EXPECT_EQ(t[1]["months"], 3);
}

// Product-level RxNorm codes (the FDA NDC directory's RxCUIs, knowledge/fhir/code_tables.json)
// map without any text: Sandostatin LAR Depot 898589, Somatuline Depot 749811, everolimus 10 mg
// 1119400 and Lutathera 1999682 give their options; immediate-release octreotide 312069 alone is no
// catalogue therapy and is reported unused.
TEST(FhirMapTest, RxNormProductCodesOfNetTherapiesMapWithoutText) {
  const char* rx = "http://www.nlm.nih.gov/research/umls/rxnorm";
  auto r = MapBundle(Bundle({Statement("lar", Coding(rx, "898589"), "2023-01-01", "2023-07-01"),
                             Statement("lan", Coding(rx, "749811"), "2023-09-01", "2024-03-01"),
                             Statement("eve", Coding(rx, "1119400"), "2024-05-01", "2024-09-01"),
                             Statement("lu", Coding(rx, "1999682"), "2024-11-01", "2025-05-01"),
                             Statement("ir", Coding(rx, "312069"), "2025-06-01", "2025-06-10")})
                         .dump(),
                     Tables());
  ASSERT_TRUE(r.has_value());
  const Json& t = r->case_json["history"]["prior_therapies"];
  ASSERT_EQ(t.size(), 4u) << t.dump();
  EXPECT_EQ(t[0]["option"], "ssa.octreotide_lar");
  EXPECT_EQ(t[1]["option"], "ssa.lanreotide");
  EXPECT_EQ(t[2]["option"], "targeted.everolimus");
  EXPECT_EQ(t[3]["option"], "prrt.lu177_dotatate");
  EXPECT_TRUE(UnusedMentions(r->report, "MedicationStatement/ir"));
}

// Monthly administrations are one course; a not-done dose, a plan and an unstated octreotide
// formulation are not therapies; a referenced Medication is used, an Encounter is not.
TEST(FhirMapTest, AdministrationsMergeAndNonTherapiesAreReported) {
  Json med = {{"resourceType", "Medication"}, {"id", "lan"}, {"code", {{"text", "Lanreotide 120 mg"}}}};
  std::vector<Json> res{med};
  const char* dates[] = {"2025-01-06", "2025-02-03", "2025-03-03", "2025-03-31"};
  for (int i = 0; i < 4; ++i)
    res.push_back({{"resourceType", "MedicationAdministration"}, {"id", "a" + std::to_string(i)}, {"status", "completed"},
                   {"medicationReference", {{"reference", "Medication/lan"}}}, {"effectiveDateTime", dates[i]}});
  res.push_back({{"resourceType", "MedicationAdministration"}, {"id", "skipped"}, {"status", "not-done"},
                 {"medicationReference", {{"reference", "Medication/lan"}}}, {"effectiveDateTime", "2025-04-28"}});
  res.push_back({{"resourceType", "MedicationRequest"}, {"id", "plan"}, {"status", "active"}, {"intent", "plan"},
                 {"medicationCodeableConcept", {{"text", "Everolimus 10 mg"}}}});
  res.push_back({{"resourceType", "MedicationStatement"}, {"id", "octreo"}, {"status", "completed"},
                 {"medicationCodeableConcept", {{"text", "Octreotide"}}}});
  res.push_back({{"resourceType", "Encounter"}, {"id", "enc"}});
  Json b = {{"resourceType", "Bundle"}, {"type", "collection"}, {"timestamp", "2026-01-15"}, {"entry", Json::array()}};
  for (const auto& x : res) b["entry"].push_back({{"resource", x}});
  auto r = MapBundle(b.dump(), Tables());
  ASSERT_TRUE(r.has_value());
  const Json& t = r->case_json["history"]["prior_therapies"];
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0]["option"], "ssa.lanreotide");
  EXPECT_EQ(t[0]["months"], 2);
  for (const char* k : {"MedicationAdministration/skipped", "MedicationRequest/plan", "MedicationStatement/octreo", "Encounter/enc"})
    EXPECT_TRUE(UnusedMentions(r->report, k)) << k;
  EXPECT_FALSE(UnusedMentions(r->report, "Medication/lan"));
}

// The stop reason becomes the response; the latest course's reason wins.
TEST(FhirMapTest, StatusReasonGivesTheResponse) {
  Json s = Statement("e", {{"text", "Everolimus 10 mg daily"}}, "2024-01-01", "2024-05-01");
  s["status"] = "stopped";
  s["statusReason"] = Json::array({{{"text", "Stopped: pneumonitis, not tolerated"}}});
  auto r = MapBundle(Bundle({s}).dump(), Tables());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->case_json["history"]["prior_therapies"][0]["response"], "intolerance");
}

// Resection margin from the Procedure outcome ("R0") and from a margin Observation; the latest wins.
TEST(FhirMapTest, ResectionMarginFromProcedureOutcomeOrObservation) {
  Json proc = {{"resourceType", "Procedure"}, {"id", "p"}, {"status", "completed"}, {"code", {{"text", "Distal pancreatectomy"}}},
               {"performedDateTime", "2025-02-01"}, {"outcome", {{"text", "R0 resection"}}}};
  auto r = MapBundle(Bundle({proc}).dump(), Tables());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->case_json["history"]["resection"]["procedure"], "Distal pancreatectomy");
  EXPECT_EQ(r->case_json["history"]["resection"]["margin"], "r0");
  Json margin = {{"resourceType", "Observation"}, {"id", "m"}, {"status", "final"}, {"code", {{"text", "Surgical margin status"}}},
                 {"effectiveDateTime", "2025-02-10"}, {"valueString", "R2 (macroscopic residual tumour)"}};
  auto both = MapBundle(Bundle({proc, margin}).dump(), Tables());
  ASSERT_TRUE(both.has_value());
  EXPECT_EQ(both->case_json["history"]["resection"]["margin"], "r2");
  ASSERT_EQ(both->report["conflicts"].size(), 1u);
  EXPECT_EQ(both->report["conflicts"][0]["field"], "history.resection.margin");
  // A procedure that did not happen is not history.
  proc["status"] = "not-done";
  auto not_done = MapBundle(Bundle({proc}).dump(), Tables());
  ASSERT_TRUE(not_done.has_value());
  EXPECT_FALSE(not_done->case_json.contains("history"));
  EXPECT_TRUE(UnusedMentions(not_done->report, "Procedure/p"));
}

// A refuted MEN1 and a resolved pregnancy are not facts about the patient now.
TEST(FhirMapTest, RefutedAndResolvedConditionsAreNotUsed) {
  Json men1 = {{"resourceType", "Condition"}, {"id", "men1"}, {"code", Coding("http://hl7.org/fhir/sid/icd-10-cm", "E31.21")},
               {"verificationStatus", Coding("http://terminology.hl7.org/CodeSystem/condition-ver-status", "refuted")}};
  Json preg = {{"resourceType", "Condition"}, {"id", "preg"}, {"code", Coding("http://hl7.org/fhir/sid/icd-10-cm", "Z33.1")},
               {"clinicalStatus", Coding("http://terminology.hl7.org/CodeSystem/condition-clinical", "resolved")}};
  auto r = MapBundle(Bundle({men1, preg}).dump(), Tables());
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->case_json.contains("patient"));
  EXPECT_TRUE(UnusedMentions(r->report, "Condition/men1"));
  EXPECT_TRUE(UnusedMentions(r->report, "Condition/preg"));
  preg["clinicalStatus"] = Coding("http://terminology.hl7.org/CodeSystem/condition-clinical", "active");
  EXPECT_EQ(MapBundle(Bundle({preg}).dump(), Tables())->case_json["patient"]["pregnant"], true);
}

Json TumorSize(const char* id, const char* date, double value, const char* unit, const char* focus = nullptr) {
  Json o = {{"resourceType", "Observation"}, {"id", id}, {"status", "final"}, {"code", Coding("http://loinc.org", "21889-1")},
            {"effectiveDateTime", date},
            {"component", Json::array({{{"code", Coding("http://loinc.org", "33728-7")},
                                        {"valueQuantity", {{"value", value}, {"unit", unit}, {"system", "http://unitsofmeasure.org"}, {"code", unit}}}}})}};
  if (focus) o["focus"] = Json::array({{{"reference", focus}}});
  return o;
}

// mCODE TumorSize: component 33728-7 (longest dimension) in UCUM mm, cm, m or [in_i] becomes cm
// (1 [in_i] = 2.54 cm); a unit outside the table is reported, never converted.
TEST(FhirMapTest, TumourSizeLongestDimensionInCentimetres) {
  struct Case {
    double value;
    const char* unit;
    double cm;
  };
  for (const Case& c : {Case{18, "mm", 1.8}, Case{2.2, "cm", 2.2}, Case{0.031, "m", 3.1}, Case{1.5, "[in_i]", 3.81}}) {
    auto r = MapBundle(Bundle({TumorSize("s", "2025-01-01", c.value, c.unit)}).dump(), Tables());
    ASSERT_TRUE(r.has_value());
    EXPECT_DOUBLE_EQ(r->case_json["tumor"]["size_cm"].get<double>(), c.cm) << c.unit;
  }
  auto ft = MapBundle(Bundle({TumorSize("s", "2025-01-01", 0.1, "[ft_i]")}).dump(), Tables());
  ASSERT_TRUE(ft.has_value());
  EXPECT_FALSE(ft->case_json["tumor"].contains("size_cm"));
  EXPECT_TRUE(UnusedMentions(ft->report, "Observation/s"));
  EXPECT_TRUE(NoteContains(ft->report, "unit '[ft_i]' not convertible to cm"));
}

// The latest measurement per tumour; two tumours: the largest (AJCC stages by the largest); a
// BodyStructure tied to a secondary cancer condition is a metastasis, not the primary.
TEST(FhirMapTest, TumourSizeLatestPerTumourLargestTumourNoMetastasis) {
  Json primary = {{"resourceType", "Condition"}, {"id", "p"}, {"code", Coding("http://hl7.org/fhir/sid/icd-10-cm", "C25.4")}};
  Json liver = {{"resourceType", "Condition"}, {"id", "m"}, {"code", Coding("http://hl7.org/fhir/sid/icd-10-cm", "C7B.02")}};
  auto body = [](const char* id, const char* cond) {
    return Json{{"resourceType", "BodyStructure"}, {"id", id},
                {"extension", Json::array({{{"url", "http://hl7.org/fhir/StructureDefinition/condition-related"},
                                            {"valueReference", {{"reference", std::string("Condition/") + cond}}}}})}};
  };
  auto r = MapBundle(Bundle({primary, liver, body("t1", "p"), body("t2", "p"), body("met", "m"),
                             TumorSize("a-old", "2024-06-01", 30, "mm", "BodyStructure/t1"),
                             TumorSize("a-new", "2025-01-01", 2.5, "cm", "BodyStructure/t1"),
                             TumorSize("b", "2024-12-01", 12, "mm", "BodyStructure/t2"),
                             TumorSize("liver", "2025-01-01", 60, "mm", "BodyStructure/met")})
                         .dump(),
                     Tables());
  ASSERT_TRUE(r.has_value());
  EXPECT_DOUBLE_EQ(r->case_json["tumor"]["size_cm"].get<double>(), 2.5);
  ASSERT_EQ(r->report["conflicts"].size(), 1u);  // the older 3.0 cm of the same tumour
  EXPECT_EQ(r->report["conflicts"][0]["field"], "tumor.size_cm");
  EXPECT_EQ(r->report["conflicts"][0]["ignored"][0]["resource"], "Observation/a-old");
  EXPECT_TRUE(NoteContains(r->report, "2 tumours measured; the largest is used (Observation/a-new)"));
  EXPECT_TRUE(UnusedMentions(r->report, "Observation/liver"));
  EXPECT_FALSE(UnusedMentions(r->report, "BodyStructure/t1"));
  // A resected tumour is named in specimen (mCODE TumorSpecimen): read, not unused.
  Json spec = {{"resourceType", "Specimen"}, {"id", "sp"}};
  Json gross = TumorSize("gross", "2025-02-01", 27, "mm");
  gross["specimen"] = {{"reference", "Specimen/sp"}};
  auto s = MapBundle(Bundle({spec, gross, {{"resourceType", "Specimen"}, {"id", "other"}}}).dump(), Tables());
  ASSERT_TRUE(s.has_value());
  EXPECT_DOUBLE_EQ(s->case_json["tumor"]["size_cm"].get<double>(), 2.7);
  EXPECT_FALSE(UnusedMentions(s->report, "Specimen/sp"));
  EXPECT_TRUE(UnusedMentions(s->report, "Specimen/other"));
}

// A stage group is kept in the report and compared with the derived group: II agrees with IIA,
// differs from III; the case never receives it.
TEST(FhirMapTest, StageGroupIsReportedAndComparedNeverCopied) {
  Json group = {{"resourceType", "Observation"}, {"id", "g"}, {"status", "final"}, {"code", Coding("http://loinc.org", "21908-9")},
                {"effectiveDateTime", "2025-01-01"}, {"valueCodeableConcept", {{"text", "Stage II"}}}};
  auto r = MapBundle(Bundle({group}).dump(), Tables());
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(ReportedHas(r->report, "stage_group", "II", "Observation/g"));
  EXPECT_FALSE(UnusedMentions(r->report, "Observation/g"));
  MapResult agree = *r;
  CompareStageGroup(agree, "IIA");
  EXPECT_TRUE(NoteContains(agree.report, "agrees with the group derived from T, N and M (IIA)"));
  MapResult differ = *r;
  CompareStageGroup(differ, "III");
  EXPECT_TRUE(NoteContains(differ.report, "stage group differs: II reported (Observation/g valueCodeableConcept), III derived"));
  EXPECT_FALSE(differ.case_json["tumor"].contains("stage"));
  group["valueCodeableConcept"] = {{"text", "not staged"}};
  auto unknown = MapBundle(Bundle({group}).dump(), Tables());
  EXPECT_TRUE(UnusedMentions(unknown->report, "Observation/g"));
}

// NCIt C18000 with SNOMED 1155707008 (high = G3) against Ki-67 12 % (G2) and 25 mitoses (G3).
TEST(FhirMapTest, ReportedGradeIsComparedWithTheCountsGrade) {
  Json grade = {{"resourceType", "Observation"}, {"id", "g"}, {"status", "final"},
                {"code", Coding("http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl", "C18000")},
                {"effectiveDateTime", "2025-01-01"}, {"valueCodeableConcept", Coding("http://snomed.info/sct", "1155707008")}};
  Json ki = {{"resourceType", "Observation"}, {"id", "k"}, {"status", "final"}, {"code", Coding("http://loinc.org", "29593-1")},
             {"valueQuantity", {{"value", 12}, {"unit", "%"}, {"code", "%"}}}};
  auto r = MapBundle(Bundle({grade, ki}).dump(), Tables());
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(NoteContains(r->report, "discordant grade: Observation/g reports G3; Ki-67 12 % (G2) give G2"));
  EXPECT_FALSE(r->case_json["tumor"].contains("grade"));
  Json mitoses = {{"resourceType", "Observation"}, {"id", "mi"}, {"status", "final"},
                  {"code", Coding("http://zebra.invalid/fhir/CodeSystem/local", "mitoses-per-2mm2")},
                  {"valueQuantity", {{"value", 25}, {"unit", "/2.mm2"}, {"code", "/2.mm2"}}}};
  auto both = MapBundle(Bundle({grade, ki, mitoses}).dump(), Tables());
  EXPECT_TRUE(NoteContains(both->report, "agrees with Ki-67 12 % (G2), mitoses 25 per 2 mm2 (G3)"));
  // Ki-67 boundaries of WHO 2019: < 3 % G1, 3-20 % G2, > 20 % G3.
  for (auto [value, want] : {std::pair{2.9, "G1"}, {3.0, "G2"}, {20.0, "G2"}, {20.5, "G3"}}) {
    ki["valueQuantity"]["value"] = value;
    grade["valueCodeableConcept"] = {{"text", want}};
    auto b = MapBundle(Bundle({grade, ki}).dump(), Tables());
    EXPECT_TRUE(NoteContains(b->report, std::string("histologic grade ") + want + " reported")) << value;
  }
}

Json Status(const char* id, const char* date, const char* snomed) {
  return {{"resourceType", "Observation"}, {"id", id}, {"status", "final"}, {"code", Coding("http://loinc.org", "97509-4")},
          {"effectiveDateTime", date}, {"valueCodeableConcept", Coding("http://snomed.info/sct", snomed)}};
}

// CancerDiseaseStatus: the latest assessment up to the as-of date is the growth; a progression's
// progression_months counts from the assessment before it (2025-01-10 .. 2025-04-10: 90 days =
// 2.96 -> 3.0 months).
TEST(FhirMapTest, DiseaseStatusGivesGrowthAndProgressionMonths) {
  Json b = Bundle({Status("s1", "2025-01-10", "359746009"), Status("s2", "2025-04-10", "271299001"),
                   Status("s3", "2025-06-01", "268910001"), Status("nd", "2024-12-01", "260415000")});
  MapOptions o;
  o.as_of = "2025-05-01";
  auto r = MapBundle(b.dump(), Tables(), o);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->case_json["tumor"]["growth"], "progressive");
  EXPECT_DOUBLE_EQ(r->case_json["tumor"]["progression_months"].get<double>(), 3.0);
  EXPECT_TRUE(UnusedMentions(r->report, "Observation/s3"));  // after the as-of date
  EXPECT_TRUE(UnusedMentions(r->report, "Observation/nd"));  // not detected: no growth
  EXPECT_TRUE(r->report["conflicts"].empty());               // a time course, not a conflict
  o.as_of = "2025-07-01";
  auto later = MapBundle(b.dump(), Tables(), o);
  EXPECT_EQ(later->case_json["tumor"]["growth"], "stable");  // improved: not growing
  EXPECT_FALSE(later->case_json["tumor"].contains("progression_months"));
  // Two assessments of the same day that disagree: a reported conflict, not a silent pick.
  auto same_day = MapBundle(Bundle({Status("a", "2025-01-10", "359746009"), Status("b", "2025-01-10", "271299001")}).dump(), Tables());
  ASSERT_EQ(same_day->report["conflicts"].size(), 1u);
  EXPECT_EQ(same_day->report["conflicts"][0]["field"], "tumor.growth");
  // A single progression has nothing to measure from.
  auto single = MapBundle(Bundle({Status("p", "2025-01-10", "271299001")}).dump(), Tables());
  EXPECT_EQ(single->case_json["tumor"]["growth"], "progressive");
  EXPECT_FALSE(single->case_json["tumor"].contains("progression_months"));
}

// stopped: coded stop reason (SNOMED 62014003 adverse reaction to drug) -> intolerance; status
// completed -> completed; status stopped without a reason -> other; an open period -> ongoing.
// progression_free_months: from each ended therapy to the next progression (2024-12-27), days /
// 30.4375 to one decimal, e.g. lanreotide ended 2024-06-30: 180 days = 5.9.
TEST(FhirMapTest, TherapiesSayWhyTheyStoppedAndHowLongUntilProgression) {
  const char* rx = "http://www.nlm.nih.gov/research/umls/rxnorm";
  Json sun = Statement("sun", Coding(rx, "357977"), "2023-01-01", "2023-03-01");
  sun["status"] = "stopped";
  sun["statusReason"] = Json::array({Coding("http://snomed.info/sct", "62014003")});
  Json lan = Statement("lan", {{"text", "Lanreotide 120 mg"}}, "2023-06-01", "2024-06-30");
  Json eve = Statement("eve", {{"text", "Everolimus 10 mg"}}, "2024-08-01", "2024-09-15");
  eve["status"] = "stopped";
  Json lu = Statement("lu", {{"text", "Lutathera"}}, "2025-01-15", "2025-01-15");
  lu["status"] = "active";
  lu["effectivePeriod"].erase("end");
  auto r = MapBundle(Bundle({sun, lan, eve, lu, Status("prog", "2024-12-27", "271299001")}).dump(), Tables());
  ASSERT_TRUE(r.has_value());
  const Json& t = r->case_json["history"]["prior_therapies"];
  ASSERT_EQ(t.size(), 4u) << t.dump();
  EXPECT_EQ(t[0]["stopped"], "intolerance");
  EXPECT_DOUBLE_EQ(t[0]["progression_free_months"].get<double>(), 21.9);  // 2023-03-01 .. 2024-12-27: 667 days
  EXPECT_EQ(t[1]["stopped"], "completed");
  EXPECT_DOUBLE_EQ(t[1]["progression_free_months"].get<double>(), 5.9);
  EXPECT_EQ(t[2]["stopped"], "other");
  EXPECT_DOUBLE_EQ(t[2]["progression_free_months"].get<double>(), 3.4);  // 2024-09-15 .. 2024-12-27: 103 days
  EXPECT_EQ(t[3]["stopped"], "ongoing");
  EXPECT_FALSE(t[3].contains("months"));
  EXPECT_FALSE(t[3].contains("progression_free_months"));
  // A therapy that ended by progression has no progression-free interval after it.
  Json cap = Statement("cap", {{"text", "Everolimus"}}, "2024-08-01", "2024-12-20");
  cap["statusReason"] = Json::array({{{"text", "Disease progression"}}});
  auto p = MapBundle(Bundle({cap, Status("prog", "2024-12-27", "271299001")}).dump(), Tables());
  EXPECT_EQ(p->case_json["history"]["prior_therapies"][0]["stopped"], "progression");
  EXPECT_FALSE(p->case_json["history"]["prior_therapies"][0].contains("progression_free_months"));
}

// Labs: UCUM conversions; bilirubin needs its reference range in the same unit; HbA1c gives
// diabetes control only with a diabetes diagnosis.
TEST(FhirMapTest, LabUnitsAndReferenceRanges) {
  auto lab = [](const char* id, const char* loinc, double v, const char* unit) {
    return Json{{"resourceType", "Observation"}, {"id", id}, {"status", "final"}, {"code", Coding("http://loinc.org", loinc)},
                {"effectiveDateTime", "2025-01-01"}, {"valueQuantity", {{"value", v}, {"unit", unit}, {"system", "http://unitsofmeasure.org"}, {"code", unit}}}};
  };
  Json bili = lab("bili", "1975-2", 30, "umol/L");
  auto r = MapBundle(Bundle({lab("hb", "718-7", 118, "g/L"), lab("plt", "777-3", 95000, "/uL"), lab("neu", "751-8", 1.2, "10*3/uL"), bili,
                             lab("a1c", "4548-4", 7.9, "%")})
                         .dump(),
                     Tables());
  ASSERT_TRUE(r.has_value());
  const Json& p = r->case_json["patient"];
  EXPECT_NEAR(p["hemoglobin_g_dl"].get<double>(), 11.8, 1e-9);
  EXPECT_NEAR(p["platelets_10e9_l"].get<double>(), 95, 1e-9);
  EXPECT_NEAR(p["neutrophils_10e9_l"].get<double>(), 1.2, 1e-9);
  EXPECT_FALSE(p.contains("bilirubin_x_uln"));  // no reference range: never a guessed ULN
  EXPECT_TRUE(NoteContains(r->report, "no reference range upper limit"));
  EXPECT_FALSE(p.contains("diabetes"));  // an HbA1c alone is no diagnosis
  EXPECT_TRUE(UnusedMentions(r->report, "Observation/a1c"));
  bili["referenceRange"] = Json::array({{{"high", {{"value", 1.2}, {"unit", "mg/dL"}, {"code", "mg/dL"}}}}});
  auto mixed = MapBundle(Bundle({bili}).dump(), Tables());
  EXPECT_FALSE(mixed->case_json.contains("patient"));
  EXPECT_TRUE(NoteContains(mixed->report, "value unit 'umol/L' differs from the reference range unit 'mg/dL'"));
  bili["referenceRange"][0]["high"] = {{"value", 20}, {"unit", "umol/L"}, {"code", "umol/L"}};
  EXPECT_DOUBLE_EQ(MapBundle(Bundle({bili}).dump(), Tables())->case_json["patient"]["bilirubin_x_uln"].get<double>(), 1.5);
  // With a diabetes diagnosis (SNOMED 73211009) HbA1c 7.9 % is under the 8 % cut-off: controlled.
  Json dm = {{"resourceType", "Condition"}, {"id", "dm"}, {"code", Coding("http://snomed.info/sct", "73211009")}};
  auto controlled = MapBundle(Bundle({dm, lab("a1c", "4548-4", 7.9, "%")}).dump(), Tables());
  EXPECT_EQ(controlled->case_json["patient"]["diabetes"], "controlled");
  auto uncontrolled = MapBundle(Bundle({dm, lab("a1c", "4548-4", 8.0, "%")}).dump(), Tables());
  EXPECT_EQ(uncontrolled->case_json["patient"]["diabetes"], "uncontrolled");
  // Two HbA1c results: the later one (7.0 %) decides, the earlier 8.5 % is a reported conflict.
  Json older = lab("a1c-old", "17856-6", 8.5, "%");
  older["effectiveDateTime"] = "2024-06-01";
  auto two = MapBundle(Bundle({dm, older, lab("a1c", "4548-4", 7.0, "%")}).dump(), Tables());
  EXPECT_EQ(two->case_json["patient"]["diabetes"], "controlled");
  ASSERT_EQ(two->report["conflicts"].size(), 1u);
  EXPECT_EQ(two->report["conflicts"][0]["ignored"][0]["resource"], "Observation/a1c-old");
  // A lab without a numeric value (valueString "see report") is reported unused, not dropped silently.
  Json text_only = {{"resourceType", "Observation"}, {"id", "egfr"}, {"status", "final"}, {"code", Coding("http://loinc.org", "62238-1")},
                    {"valueString", "see report"}};
  EXPECT_TRUE(UnusedMentions(MapBundle(Bundle({text_only}).dump(), Tables())->report, "Observation/egfr"));
  // Pregnancy status LOINC 82810-3 with SNOMED 77386006 (pregnant).
  Json preg = {{"resourceType", "Observation"}, {"id", "pr"}, {"status", "final"}, {"code", Coding("http://loinc.org", "82810-3")},
               {"valueCodeableConcept", Coding("http://snomed.info/sct", "77386006")}};
  EXPECT_EQ(MapBundle(Bundle({preg}).dump(), Tables())->case_json["patient"]["pregnant"], true);
  // Heart failure: ICD-10-CM I50.9 and SNOMED 42343007 (congestive heart failure).
  for (auto [system, code] : {std::pair{"http://hl7.org/fhir/sid/icd-10-cm", "I50.9"}, {"http://snomed.info/sct", "42343007"}}) {
    Json hf = {{"resourceType", "Condition"}, {"id", "hf"}, {"code", Coding(system, code)}};
    EXPECT_EQ(MapBundle(Bundle({hf}).dump(), Tables())->case_json["patient"]["heart_failure"], true) << code;
  }
}

// Part 4 of issue 20: bad values in the new elements are located errors, never guesses.
TEST(FhirMapTest, BadValuesInNewElementsAreLocated) {
  Json size = TumorSize("s", "2025-01-01", 1, "cm");
  size["component"][0]["valueQuantity"]["value"] = "2 cm";
  auto e = MapBundle(Bundle({size}).dump(), Tables());
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error()[0].path, "entry[0].resource.component[0].valueQuantity.value");
  Json bili = {{"resourceType", "Observation"}, {"id", "b"}, {"code", Coding("http://loinc.org", "1975-2")},
               {"valueQuantity", {{"value", 1.0}, {"code", "mg/dL"}}},
               {"referenceRange", Json::array({{{"high", {{"value", "1.2"}, {"code", "mg/dL"}}}}})}};
  auto b = MapBundle(Bundle({bili}).dump(), Tables());
  ASSERT_FALSE(b.has_value());
  EXPECT_EQ(b.error()[0].path, "entry[0].resource.referenceRange[0].high.value");
  Json status = Status("d", "yesterday", "271299001");
  auto d = MapBundle(Bundle({status}).dump(), Tables());
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error()[0].path, "entry[0].resource.effectiveDateTime");
  Json size0 = TumorSize("z", "2025-01-01", 0, "mm");
  auto z = MapBundle(Bundle({size0}).dump(), Tables());
  ASSERT_FALSE(z.has_value());
  EXPECT_EQ(z.error()[0].path, "entry[0].resource.component[0].valueQuantity.value");
}

TEST(FhirMapTest, BadInputIsRejectedWithAPath) {
  auto not_json = MapBundle("{", Tables());
  ASSERT_FALSE(not_json.has_value());
  EXPECT_EQ(not_json.error()[0].path, "$");
  auto not_bundle = MapBundle(R"({"resourceType": "Patient"})", Tables());
  ASSERT_FALSE(not_bundle.has_value());
  EXPECT_EQ(not_bundle.error()[0].path, "resourceType");
  Json broken = Bundle({{{"resourceType", "Observation"}, {"id", "o"}, {"subject", {{"reference", "Patient/missing"}}}}});
  auto b = MapBundle(broken.dump(), Tables());
  ASSERT_FALSE(b.has_value());
  EXPECT_EQ(b.error()[0].path, "entry[0].resource.subject.reference");
  Json wrong_type = Bundle({{{"resourceType", "Observation"}, {"id", "o"}, {"code", Coding("http://loinc.org", "29593-1")},
                             {"valueQuantity", {{"value", "eight"}}}}});
  auto w = MapBundle(wrong_type.dump(), Tables());
  ASSERT_FALSE(w.has_value());
  EXPECT_EQ(w.error()[0].path, "entry[0].resource.valueQuantity.value");
  std::string deep(100000, '[');
  EXPECT_FALSE(MapBundle(deep, Tables()).has_value());
}

// One code-table matcher (MatchCodeTable) for `fhir map` and the CDS Hooks order-sign check:
// coded entries win over text entries whatever their order in the table.
TEST(MatchCodeTableTest, CodesWinOverEarlierTextEntries) {
  const Json tables = {{"systems", {{"rxnorm", "http://www.nlm.nih.gov/research/umls/rxnorm"}}}};
  const Json table = Json::array({{{"text_contains", "octreotide"}, {"option", "by-text"}},
                                  {{"system", "rxnorm"}, {"code", "749811"}, {"option", "by-code"}},
                                  {{"system", "rxnorm"}, {"code_prefix", "7498"}, {"option", "by-prefix"}}});
  Json cc = {{"text", "Lanreotide, after octreotide"},
             {"coding", Json::array({{{"system", "http://www.nlm.nih.gov/research/umls/rxnorm"}, {"code", "749811"}}})}};
  ASSERT_NE(MatchCodeTable(tables, table, cc), nullptr);
  EXPECT_EQ((*MatchCodeTable(tables, table, cc))["option"], "by-code");
  cc["coding"][0]["code"] = "749899";
  EXPECT_EQ((*MatchCodeTable(tables, table, cc))["option"], "by-prefix");
  cc["coding"][0]["system"] = "http://example.org/other";  // a code of another system: the text decides
  EXPECT_EQ((*MatchCodeTable(tables, table, cc))["option"], "by-text");
  cc["text"] = "LANREOTIDE";
  EXPECT_EQ(MatchCodeTable(tables, table, cc), nullptr);
  cc["coding"][0]["display"] = "Octreotide LAR";  // texts include the codings' displays, in any case
  EXPECT_EQ((*MatchCodeTable(tables, table, cc))["option"], "by-text");
  EXPECT_EQ(MatchCodeTable(tables, table, Json("octreotide")), nullptr);
}

// The CodeableConcept of a liver-directed procedure: what `fhir map` records as the prior therapy
// is the option the order-sign check reads from the same concept in the same table.
TEST(MatchCodeTableTest, FhirMapAndOrderSignReadOneConceptAlike) {
  for (const char* text : {"Hepatic artery embolization", "Radiofrequency ablation of liver metastasis",
                           "Ablation after embolization"}) {
    Json cc = {{"text", text}};
    Json proc = {{"resourceType", "Procedure"}, {"id", "p"}, {"status", "completed"}, {"code", cc},
                 {"performedDateTime", "2025-03-01"}};
    auto r = MapBundle(Bundle({proc}).dump(), Tables());
    ASSERT_TRUE(r.has_value()) << text;
    const Json& therapies = r->case_json["history"]["prior_therapies"];
    ASSERT_EQ(therapies.size(), 1u) << text;
    const Json* order = MatchCodeTable(Tables(), Tables()["procedures"], cc);
    ASSERT_NE(order, nullptr) << text;
    EXPECT_EQ(therapies[0]["option"], (*order)["option"]) << text;
  }
}

TEST(DatePrefixTest, FullDatesAtTheStartOnly) {
  auto d = DatePrefix("2024-02-29T10:00:00Z");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->year, 2024);
  EXPECT_EQ(d->month, 2);
  EXPECT_EQ(d->day, 29);
  EXPECT_TRUE(DatePrefix("1960-07-01"));
  EXPECT_FALSE(DatePrefix("1960-07"));
  EXPECT_FALSE(DatePrefix("1960-7-01"));
  EXPECT_FALSE(DatePrefix(" 1960-07-01"));
  EXPECT_FALSE(DatePrefix("196O-07-01"));
}

}  // namespace
}  // namespace zebra::fhir::fhir_test
