// Case validation against the real case schema (schema/case.schema.json) and against small
// schemas for the JSON Schema keywords (draft 2020-12 Validation §6: type, enum, const,
// minimum/maximum, exclusiveMinimum, minLength/maxLength, pattern, maxItems, uniqueItems,
// required; Core §10.3.2: properties, additionalProperties).
#include "clinical/case_validation.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace zebra::clinical {
namespace {

using nlohmann::json;

const json& Schema() {
  static const json schema = [] {
    std::ifstream in(std::filesystem::path(ZEBRA_SOURCE_DIR) / "schema" / "case.schema.json");
    std::stringstream ss;
    ss << in.rdbuf();
    return json::parse(ss.str());
  }();
  return schema;
}

json Minimal() {
  return json::parse(R"({"schema": "zebra.case/v1", "id": "c1", "tumor": {"primary_site": "pancreas"}})");
}

std::vector<ValidationError> Check(const json& c) { return ValidateCase(c, Schema()); }

// The errors at one path.
std::vector<ValidationError> At(const std::vector<ValidationError>& errors, const std::string& path) {
  std::vector<ValidationError> out;
  for (const auto& e : errors)
    if (e.path == path) out.push_back(e);
  return out;
}

std::string Dump(const std::vector<ValidationError>& errors) {
  std::string s;
  for (const auto& e : errors) s += e.path + ": " + e.message + "\n";
  return s;
}

TEST(CaseValidationTest, MinimalCaseIsValid) {
  auto errors = Check(Minimal());
  EXPECT_TRUE(errors.empty()) << Dump(errors);
}

TEST(CaseValidationTest, FullCaseIsValid) {
  json c = json::parse(R"({
    "schema": "zebra.case/v1", "id": "full-1",
    "patient": {"age_years": 61.5, "sex": "female", "ecog": 1, "egfr_ml_min": 80, "diabetes": "none",
                "pregnant": false, "hereditary_syndrome": "men1",
                "preferences": {"goals": ["cure", "oral_treatment"], "notes": "works nights"}},
    "tumor": {"primary_site": "jejunum_ileum", "morphology": "well_differentiated", "ki67_percent": 2.9,
              "mitoses_per_2mm2": 1, "size_cm": 2.2, "depth": "subserosa", "invades": ["mesoappendix"],
              "t": "T3", "n": "N2", "m": "M1a", "nodes_positive": 14, "mesenteric_mass_cm": 3,
              "metastases": {"liver": true, "liver_burden_percent": 20, "extrahepatic": []},
              "sstr_imaging": {"modality": "ga68_dotatate", "result": "positive", "uptake_vs_liver": "above"}},
    "history": {"setting": "progression", "resection": {"procedure": "ileal resection", "margin": "r0"},
                "prior_therapies": [{"option": "ssa.lanreotide", "response": "progression", "months": 14}]},
    "planned_procedure": "prrt"})");
  auto errors = Check(c);
  EXPECT_TRUE(errors.empty()) << Dump(errors);
}

TEST(CaseValidationTest, RootMustBeAnObject) {
  for (const char* text : {"[]", "3", "\"case\"", "null", "true"}) {
    auto errors = Check(json::parse(text));
    ASSERT_EQ(errors.size(), 1u) << text;
    EXPECT_EQ(errors[0].path, "$");
    EXPECT_EQ(errors[0].allowed, "an object");
  }
}

TEST(CaseValidationTest, RequiredRootFieldsAllListed) {
  auto errors = Check(json::object());
  EXPECT_EQ(At(errors, "schema").size(), 1u);
  EXPECT_EQ(At(errors, "id").size(), 1u);
  EXPECT_EQ(At(errors, "tumor").size(), 1u);
  EXPECT_EQ(errors.size(), 3u) << Dump(errors);
}

TEST(CaseValidationTest, NestedRequiredField) {
  json c = Minimal();
  c["tumor"] = json::object();
  auto errors = Check(c);
  ASSERT_EQ(errors.size(), 1u) << Dump(errors);
  EXPECT_EQ(errors[0].path, "tumor.primary_site");
  EXPECT_NE(errors[0].message.find("required"), std::string::npos);
}

TEST(CaseValidationTest, BelowMinimumMessageNamesValueAndBound) {
  json c = Minimal();
  c["tumor"]["ki67_percent"] = -3;
  auto errors = Check(c);
  ASSERT_EQ(errors.size(), 1u) << Dump(errors);
  EXPECT_EQ(errors[0].path, "tumor.ki67_percent");
  EXPECT_EQ(errors[0].message, "-3 is below 0");
  EXPECT_EQ(errors[0].found, "-3");
  EXPECT_EQ(errors[0].allowed, "0 to 100");
}

TEST(CaseValidationTest, AboveMaximum) {
  json c = Minimal();
  c["tumor"]["ki67_percent"] = 100.5;
  c["patient"]["age_years"] = 121;
  auto errors = Check(c);
  ASSERT_EQ(errors.size(), 2u) << Dump(errors);
  EXPECT_EQ(At(errors, "tumor.ki67_percent")[0].message, "100.5 is above 100");
  EXPECT_EQ(At(errors, "patient.age_years")[0].message, "121 is above 120");
}

TEST(CaseValidationTest, BoundsAreInclusive) {
  json c = Minimal();
  c["tumor"]["ki67_percent"] = 100;
  c["tumor"]["mitoses_per_2mm2"] = 0;
  c["patient"]["ecog"] = 4;
  EXPECT_TRUE(Check(c).empty()) << Dump(Check(c));
}

TEST(CaseValidationTest, ExclusiveMinimumRejectsTheBoundItself) {
  json c = Minimal();
  c["tumor"]["size_cm"] = 0;
  auto errors = Check(c);
  ASSERT_EQ(errors.size(), 1u) << Dump(errors);
  EXPECT_EQ(errors[0].path, "tumor.size_cm");
  EXPECT_EQ(errors[0].message, "0 must be greater than 0");
  c["tumor"]["size_cm"] = 0.01;
  EXPECT_TRUE(Check(c).empty());
}

TEST(CaseValidationTest, IntegerRejectsFractionAcceptsWholeFloat) {
  json c = Minimal();
  c["patient"]["ecog"] = 1.5;
  auto errors = Check(c);
  ASSERT_EQ(errors.size(), 1u) << Dump(errors);
  EXPECT_EQ(errors[0].path, "patient.ecog");
  EXPECT_EQ(errors[0].allowed, "a whole number");
  // JSON Schema 2020-12 §6.1.1: a number with a zero fractional part is an integer.
  c["patient"]["ecog"] = 2.0;
  EXPECT_TRUE(Check(c).empty());
}

TEST(CaseValidationTest, WrongTypesReportFoundAndAllowed) {
  json c = Minimal();
  c["tumor"]["ki67_percent"] = "12";
  c["tumor"]["multifocal"] = "yes";
  c["patient"] = json::array();
  auto errors = Check(c);
  ASSERT_EQ(errors.size(), 3u) << Dump(errors);
  auto ki = At(errors, "tumor.ki67_percent");
  ASSERT_EQ(ki.size(), 1u);
  EXPECT_EQ(ki[0].found, "\"12\"");
  EXPECT_EQ(ki[0].allowed, "a number");
  EXPECT_EQ(At(errors, "tumor.multifocal")[0].allowed, "a boolean");
  EXPECT_EQ(At(errors, "patient")[0].allowed, "an object");
}

TEST(CaseValidationTest, NullIsNotAnAbsentField) {
  json c = Minimal();
  c["tumor"]["size_cm"] = nullptr;
  auto errors = Check(c);
  ASSERT_EQ(errors.size(), 1u) << Dump(errors);
  EXPECT_EQ(errors[0].path, "tumor.size_cm");
}

TEST(CaseValidationTest, EnumListsAllowedValues) {
  json c = Minimal();
  c["tumor"]["appendix_location"] = "middle";
  auto errors = Check(c);
  ASSERT_EQ(errors.size(), 1u) << Dump(errors);
  EXPECT_EQ(errors[0].path, "tumor.appendix_location");
  EXPECT_EQ(errors[0].allowed, "one of: tip, body, base");
  EXPECT_EQ(errors[0].message, "\"middle\" is not one of: tip, body, base");
}

TEST(CaseValidationTest, EnumIsCaseSensitive) {
  json c = Minimal();
  c["tumor"]["primary_site"] = "Pancreas";
  auto errors = Check(c);
  ASSERT_EQ(errors.size(), 1u) << Dump(errors);
  EXPECT_EQ(errors[0].path, "tumor.primary_site");
}

TEST(CaseValidationTest, ConstSchemaVersion) {
  json c = Minimal();
  c["schema"] = "zebra.case/v2";
  auto errors = Check(c);
  ASSERT_EQ(errors.size(), 1u) << Dump(errors);
  EXPECT_EQ(errors[0].path, "schema");
  EXPECT_EQ(errors[0].allowed, "\"zebra.case/v1\"");
}

TEST(CaseValidationTest, UnknownFieldsAreErrorsWithHint) {
  json c = Minimal();
  c["tumor"]["ki67"] = 5;
  c["tumour"] = json::object();
  auto errors = Check(c);
  ASSERT_EQ(errors.size(), 2u) << Dump(errors);
  auto ki = At(errors, "tumor.ki67");
  ASSERT_EQ(ki.size(), 1u);
  EXPECT_NE(ki[0].message.find("not a known field"), std::string::npos);
  EXPECT_NE(ki[0].message.find("ki67_percent"), std::string::npos);
  auto root = At(errors, "tumour");
  ASSERT_EQ(root.size(), 1u);
  EXPECT_NE(root[0].message.find("did you mean \"tumor\""), std::string::npos);
}

TEST(CaseValidationTest, UnrelatedUnknownFieldHasNoHint) {
  json c = Minimal();
  c["favourite_colour"] = "blue";
  auto errors = Check(c);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "is not a known field");
}

TEST(CaseValidationTest, UnknownFieldInDeepObject) {
  json c = Minimal();
  c["tumor"]["sstr_imaging"] = {{"result", "positive"}, {"suv", 20}};
  c["history"]["resection"] = {{"margin", "r0"}, {"surgeon", "x"}};
  auto errors = Check(c);
  ASSERT_EQ(errors.size(), 2u) << Dump(errors);
  EXPECT_EQ(At(errors, "tumor.sstr_imaging.suv").size(), 1u);
  EXPECT_EQ(At(errors, "history.resection.surgeon").size(), 1u);
}

TEST(CaseValidationTest, OddFieldNamesAreQuotedInPath) {
  json c = Minimal();
  c["tumor"]["ki67 %"] = 5;
  auto errors = Check(c);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "tumor[\"ki67 %\"]");
}

TEST(CaseValidationTest, TnmPatterns) {
  json c = Minimal();
  c["tumor"]["t"] = "T1a";
  c["tumor"]["n"] = "N2";
  c["tumor"]["m"] = "M1c";
  EXPECT_TRUE(Check(c).empty());
  c["tumor"]["t"] = "T5";
  c["tumor"]["n"] = "n1";
  c["tumor"]["m"] = "M1d";
  auto errors = Check(c);
  ASSERT_EQ(errors.size(), 3u) << Dump(errors);
  EXPECT_EQ(At(errors, "tumor.t")[0].found, "\"T5\"");
  EXPECT_NE(At(errors, "tumor.t")[0].message.find("pattern"), std::string::npos);
  EXPECT_EQ(At(errors, "tumor.n").size(), 1u);
  EXPECT_EQ(At(errors, "tumor.m").size(), 1u);
}

TEST(CaseValidationTest, PatternIsAnchoredOnlyWhereTheSchemaSaysSo) {
  json c = Minimal();
  c["tumor"]["t"] = "pT2";  // the schema anchors with ^...$: a prefix is not allowed
  EXPECT_EQ(Check(c).size(), 1u);
  json schema = {{"type", "object"}, {"properties", {{"code", {{"type", "string"}, {"pattern", "[0-9]"}}}}}};
  EXPECT_TRUE(ValidateCase(json{{"code", "ab3cd"}}, schema).empty());  // unanchored: a search
  EXPECT_EQ(ValidateCase(json{{"code", "abc"}}, schema).size(), 1u);
}

TEST(CaseValidationTest, EmptyAndTooLongStrings) {
  json c = Minimal();
  c["id"] = "";
  c["patient"]["preferences"]["notes"] = std::string(4001, 'x');
  auto errors = Check(c);
  ASSERT_EQ(errors.size(), 2u) << Dump(errors);
  EXPECT_EQ(At(errors, "id")[0].message, "must not be empty");
  EXPECT_EQ(At(errors, "patient.preferences.notes")[0].allowed, "at most 4000 characters");
}

TEST(CaseValidationTest, LengthCountsCharactersNotBytes) {
  json c = Minimal();
  std::string id;
  for (int i = 0; i < 128; ++i) id += "\xC3\xA9";  // 128 x U+00E9, 256 bytes
  c["id"] = id;
  EXPECT_TRUE(Check(c).empty());
}

TEST(CaseValidationTest, NestedArrayItemsValidatedWithIndexPaths) {
  json c = Minimal();
  c["history"]["prior_therapies"] = json::parse(R"([
    {"option": "ssa.lanreotide", "response": "stable"},
    {"option": "PRRT", "response": "great", "months": -1},
    {"response": "stable"}])");
  auto errors = Check(c);
  EXPECT_EQ(At(errors, "history.prior_therapies[1].option").size(), 1u) << Dump(errors);
  EXPECT_EQ(At(errors, "history.prior_therapies[1].response").size(), 1u);
  EXPECT_EQ(At(errors, "history.prior_therapies[1].months").size(), 1u);
  EXPECT_EQ(At(errors, "history.prior_therapies[2].option").size(), 1u);
  EXPECT_EQ(errors.size(), 4u) << Dump(errors);
}

TEST(CaseValidationTest, ArrayItemEnumAndUniqueness) {
  json c = Minimal();
  c["tumor"]["metastases"]["extrahepatic"] = {"bone", "skin", "bone"};
  auto errors = Check(c);
  ASSERT_EQ(errors.size(), 2u) << Dump(errors);
  EXPECT_EQ(At(errors, "tumor.metastases.extrahepatic[1]").size(), 1u);  // "skin" not allowed
  auto dup = At(errors, "tumor.metastases.extrahepatic[2]");
  ASSERT_EQ(dup.size(), 1u);
  EXPECT_NE(dup[0].message.find("twice"), std::string::npos);
}

TEST(CaseValidationTest, MaxItems) {
  json c = Minimal();
  json list = json::array();
  for (int i = 0; i < 51; ++i) list.push_back({{"option", "ssa.lanreotide"}});
  c["history"]["prior_therapies"] = list;
  auto errors = Check(c);
  ASSERT_EQ(errors.size(), 1u) << Dump(errors);
  EXPECT_EQ(errors[0].path, "history.prior_therapies");
  EXPECT_EQ(errors[0].allowed, "at most 50 items");
}

TEST(CaseValidationTest, EveryProblemListed) {
  json c = json::parse(R"({"schema": "zebra.case/v1", "id": 7,
    "patient": {"sex": "f", "ecog": 5},
    "tumor": {"primary_site": "liver", "ki67_percent": -1, "necrosis": true, "bogus": 1}})");
  auto errors = Check(c);
  for (const char* p : {"id", "patient.sex", "patient.ecog", "tumor.primary_site", "tumor.ki67_percent",
                        "tumor.necrosis", "tumor.bogus"})
    EXPECT_EQ(At(errors, p).size(), 1u) << p << "\n" << Dump(errors);
  EXPECT_EQ(errors.size(), 7u) << Dump(errors);
}

TEST(CaseValidationTest, InvalidUtf8DoesNotThrow) {
  json c = Minimal();
  c["tumor"]["primary_site"] = std::string("pan\xff\xfe");
  std::vector<ValidationError> errors;
  EXPECT_NO_THROW(errors = Check(c));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "tumor.primary_site");
}

TEST(CaseValidationTest, GenericSchemaFeatures) {
  // No case field names: the validator follows whatever schema it is given.
  json schema = json::parse(R"({"type": "object", "required": ["a"], "additionalProperties": {"type": "integer"},
    "properties": {"a": {"type": ["string", "null"]}, "b": {"exclusiveMaximum": 10, "minimum": 1},
                   "c": {"type": "array", "minItems": 2, "items": false}}})");
  EXPECT_TRUE(ValidateCase(json::parse(R"({"a": null, "x": 3})"), schema).empty());
  auto errors = ValidateCase(json::parse(R"({"b": 10, "x": "no", "c": [1]})"), schema);
  EXPECT_EQ(At(errors, "a").size(), 1u) << Dump(errors);
  EXPECT_EQ(At(errors, "b").size(), 1u);
  EXPECT_EQ(At(errors, "b")[0].message, "10 must be less than 10");
  EXPECT_EQ(At(errors, "x").size(), 1u);
  EXPECT_EQ(At(errors, "c").size(), 1u);     // minItems
  EXPECT_EQ(At(errors, "c[0]").size(), 1u);  // items: false
}

TEST(CaseValidationTest, BrokenSchemaPatternIsIgnoredNotFatal) {
  json schema = json::parse(R"({"type": "object", "properties": {"a": {"type": "string", "pattern": "("}}})");
  EXPECT_TRUE(ValidateCase(json{{"a", "x"}}, schema).empty());
}

}  // namespace
}  // namespace zebra::clinical
