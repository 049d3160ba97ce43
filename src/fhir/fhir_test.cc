// FHIR mapping tests. Expected values come from the bundles' own content and the code tables
// of ../shared/reference/cds-standards.md §2 (ICD-10-CM C25.4 = endocrine pancreas, LOINC
// 29593-1 = Ki-67, 89247-1 = ECOG, ICD-O-3 8249/3 = NET G2, SNOMED 10828004 = positive).
#include "fhir/fhir.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace zebra::fhir {
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

}  // namespace
}  // namespace zebra::fhir
