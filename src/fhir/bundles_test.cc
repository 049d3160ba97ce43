// Every tests/fhir/NAME.bundle.json must map to exactly the hand-written tests/fhir/NAME.case.json.
// The expected cases were written from the bundle content and the code meanings in
// ../shared/reference/cds-standards.md §2 (ICD-10-CM site codes, ICD-O-3 morphology, SNOMED body
// sites and TNM axes, LOINC labs), not from program output.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "build_info.h"
#include "fhir/fhir.h"

namespace zebra::fhir::bundles_test {
namespace {

namespace fs = std::filesystem;

const fs::path kDir = fs::path(ZEBRA_SOURCE_DIR) / "tests" / "fhir";

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const Json& Tables() {
  static const Json t = *LoadCodeTables(DefaultCodeTablesPath(fs::path(ZEBRA_SOURCE_DIR) / "knowledge"));
  return t;
}

std::vector<std::string> BundleNames() {
  std::vector<std::string> names;
  const std::string suffix = ".bundle.json";
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(kDir, ec)) {
    std::string f = e.path().filename().string();
    if (f.size() > suffix.size() && f.ends_with(suffix)) names.push_back(f.substr(0, f.size() - suffix.size()));
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Semantic JSON equality: objects ignore key order, numbers compare by value (8 == 8.0), with a
// tolerance for unit conversions such as 118 g/L * 0.1. Differences are listed with their path.
void Compare(const Json& got, const Json& want, const std::string& path, std::vector<std::string>& diffs) {
  if (got.is_number() && want.is_number()) {
    double a = got.get<double>(), b = want.get<double>();
    if (std::fabs(a - b) > 1e-9 * std::max(1.0, std::fabs(b))) diffs.push_back(path + ": got " + got.dump() + ", want " + want.dump());
    return;
  }
  if (got.type() != want.type()) {
    diffs.push_back(path + ": got " + got.dump() + ", want " + want.dump());
    return;
  }
  if (want.is_object()) {
    for (const auto& [k, v] : want.items()) {
      if (!got.contains(k)) diffs.push_back(path + "." + k + ": missing, want " + v.dump());
      else Compare(got[k], v, path + "." + k, diffs);
    }
    for (const auto& [k, v] : got.items())
      if (!want.contains(k)) diffs.push_back(path + "." + k + ": unexpected " + v.dump());
    return;
  }
  if (want.is_array()) {
    if (got.size() != want.size()) {
      diffs.push_back(path + ": got " + got.dump() + ", want " + want.dump());
      return;
    }
    for (size_t i = 0; i < want.size(); ++i) Compare(got[i], want[i], path + "[" + std::to_string(i) + "]", diffs);
    return;
  }
  if (got != want) diffs.push_back(path + ": got " + got.dump() + ", want " + want.dump());
}

TEST(FhirBundlesTest, AtLeastFifteenBundlesEachWithAnExpectedCase) {
  auto names = BundleNames();
  EXPECT_GE(names.size(), 15u);
  for (const auto& n : names) EXPECT_TRUE(fs::exists(kDir / (n + ".case.json"))) << n << " has no .case.json";
}

TEST(FhirBundlesTest, EveryBundleMapsToItsHandWrittenCase) {
  auto names = BundleNames();
  ASSERT_FALSE(names.empty()) << "no bundles in " << kDir;
  for (const auto& n : names) {
    SCOPED_TRACE(n);
    std::string text = ReadFile(kDir / (n + ".bundle.json"));
    Json bundle = Json::parse(text, nullptr, false);
    ASSERT_FALSE(bundle.is_discarded());
    // as_of is the bundle timestamp, given explicitly so the test pins the age computation.
    MapOptions options;
    options.as_of = bundle.value("timestamp", "").substr(0, 10);
    auto mapped = MapBundle(text, Tables(), options);
    ASSERT_TRUE(mapped.has_value()) << mapped.error().front().path << ": " << mapped.error().front().message;
    Json want = Json::parse(ReadFile(kDir / (n + ".case.json")), nullptr, false);
    ASSERT_FALSE(want.is_discarded());
    std::vector<std::string> diffs;
    Compare(mapped->case_json, want, "$", diffs);
    std::string all;
    for (const auto& d : diffs) all += "\n  " + d;
    EXPECT_TRUE(diffs.empty()) << all;
  }
}

// The bundles are realistic mCODE collections: one Patient, a timestamp, type collection.
TEST(FhirBundlesTest, BundlesAreCollectionsWithOnePatientAndATimestamp) {
  for (const auto& n : BundleNames()) {
    SCOPED_TRACE(n);
    Json b = Json::parse(ReadFile(kDir / (n + ".bundle.json")), nullptr, false);
    ASSERT_FALSE(b.is_discarded());
    EXPECT_EQ(b.value("resourceType", ""), "Bundle");
    EXPECT_EQ(b.value("type", ""), "collection");
    EXPECT_GE(b.value("timestamp", "").size(), 10u);
    int patients = 0;
    for (const auto& e : b["entry"]) patients += e["resource"].value("resourceType", "") == "Patient";
    EXPECT_EQ(patients, 1);
  }
}

// The two Ki-67 values in the conflict bundle are reported, and the later one is used.
TEST(FhirBundlesTest, Ki67ConflictIsReportedWithTheEarlierValueIgnored) {
  auto mapped = MapBundle(ReadFile(kDir / "pancreas-ki67-conflict.bundle.json"), Tables());
  ASSERT_TRUE(mapped.has_value());
  bool found = false;
  for (const auto& c : mapped->report["conflicts"])
    if (c["field"] == "tumor.ki67_percent") {
      found = true;
      EXPECT_EQ(c["used_from"], "Observation/kic-1-ki67-resection");
      ASSERT_EQ(c["ignored"].size(), 1u);
      EXPECT_EQ(c["ignored"][0]["value"].get<double>(), 6.0);
    }
  EXPECT_TRUE(found);
}

// C7A.1 (poorly differentiated) plus ICD-O-3 8041/3 (small cell): the histology decides and no
// morphology conflict is reported.
TEST(FhirBundlesTest, HistologyMorphologyOutranksTheIcd10Code) {
  auto mapped = MapBundle(ReadFile(kDir / "lung-small-cell-nec.bundle.json"), Tables());
  ASSERT_TRUE(mapped.has_value());
  EXPECT_EQ(mapped->case_json["tumor"]["morphology"], "poorly_differentiated_small_cell");
  for (const auto& c : mapped->report["conflicts"]) EXPECT_NE(c["field"], "tumor.morphology");
}

// The reported grade G1 (SNOMED 1155708003, low) against Ki-67 14 % (WHO G2) is a note; the case
// has no grade field and keeps the Ki-67. An HbA1c in mmol/mol under a %-only code is not converted.
TEST(FhirBundlesTest, DiscordantReportedGradeIsANoteAndUnknownUnitIsUnused) {
  auto mapped = MapBundle(ReadFile(kDir / "pancreas-grade-discordant.bundle.json"), Tables());
  ASSERT_TRUE(mapped.has_value());
  bool note = false;
  for (const auto& n : mapped->report["notes"])
    note = note || n.get<std::string>().starts_with("discordant grade: Observation/grd-1-grade reports G1; Ki-67 14 % (G2) give G2");
  EXPECT_TRUE(note) << mapped->report["notes"].dump();
  bool unused = false;
  for (const auto& u : mapped->report["unused"]) unused = unused || u.get<std::string>().starts_with("Observation/grd-1-a1c-ifcc:");
  EXPECT_TRUE(unused);
}

}  // namespace
}  // namespace zebra::fhir::bundles_test
