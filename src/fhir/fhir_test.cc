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
  if (text.empty()) GTEST_SKIP() << "shared example not present";
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
