// Case validation against the real case schema (schema/case.schema.json) and against small
// schemas for the JSON Schema keywords (draft 2020-12 Validation §6: type, enum, const,
// minimum/maximum, exclusiveMinimum, minLength/maxLength, pattern, maxItems, uniqueItems,
// required; Core §10.3.2: properties, additionalProperties).
#include "build_info.h"
#include "clinical/case_validation.h"

#include "clinical/clinical.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>

#include <re2/re2.h>

#include "clinical/test_knowledge.h"
#include "feel/value.h"
#include "json/json_values.h"

namespace zebra::clinical::case_validation_test {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

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

// Check(c) reports exactly one error, at `path`; `error` gets it.
void OneErrorAt(const json& c, const std::string& path, ValidationError& error) {
  auto errors = Check(c);
  ASSERT_EQ(errors.size(), 1u) << Dump(errors);
  EXPECT_EQ(errors[0].path, path);
  error = errors[0];
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
  ValidationError e;
  ASSERT_NO_FATAL_FAILURE(OneErrorAt(c, "tumor.primary_site", e));
  EXPECT_NE(e.message.find("required"), std::string::npos);
}

TEST(CaseValidationTest, BelowMinimumMessageNamesValueAndBound) {
  json c = Minimal();
  c["tumor"]["ki67_percent"] = -3;
  ValidationError e;
  ASSERT_NO_FATAL_FAILURE(OneErrorAt(c, "tumor.ki67_percent", e));
  EXPECT_EQ(e.message, "-3 is below 0");
  EXPECT_EQ(e.found, "-3");
  EXPECT_EQ(e.allowed, "0 to 100");
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

// One value refused (the error says so in `member`), the value beside it accepted.
TEST(CaseValidationTest, ExclusiveMinimumRejectsTheBoundItselfAndIntegerRejectsFractionAcceptsWholeFloat) {
  struct Case {
    const char* section;
    const char* field;
    json refused;
    std::string ValidationError::*member;
    const char* says;
    json accepted;
  };
  const Case cases[] = {
      {"tumor", "size_cm", 0, &ValidationError::message, "0 must be greater than 0", 0.01},
      // JSON Schema 2020-12 §6.1.1: a number with a zero fractional part is an integer.
      {"patient", "ecog", 1.5, &ValidationError::allowed, "a whole number", 2.0},
  };
  for (const auto& k : cases) {
    json c = Minimal();
    c[k.section][k.field] = k.refused;
    ValidationError e;
    ASSERT_NO_FATAL_FAILURE(OneErrorAt(c, std::string(k.section) + "." + k.field, e));
    EXPECT_EQ(e.*k.member, k.says);
    c[k.section][k.field] = k.accepted;
    EXPECT_TRUE(Check(c).empty()) << k.field;
  }
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
  ValidationError e;
  ASSERT_NO_FATAL_FAILURE(OneErrorAt(c, "tumor.appendix_location", e));
  EXPECT_EQ(e.allowed, "one of: tip, body, base");
  EXPECT_EQ(e.message, "\"middle\" is not one of: tip, body, base");
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
  ValidationError e;
  ASSERT_NO_FATAL_FAILURE(OneErrorAt(c, "schema", e));
  EXPECT_EQ(e.allowed, "\"zebra.case/v1\"");
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
  ValidationError e;
  ASSERT_NO_FATAL_FAILURE(OneErrorAt(c, "history.prior_therapies", e));
  EXPECT_EQ(e.allowed, "at most 50 items");
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


// ---- differential test: the compiled validator against the interpreting one it replaced --------

// The validator as it was before the schema was compiled (it walked the schema JSON at every
// node), kept as the reference the compiled one must agree with exactly.
namespace reference {

constexpr size_t kMaxFoundChars = 80;

std::string Compact(const json& v) {
  // `replace` keeps dump() from throwing on invalid UTF-8 in hostile input.
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() > kMaxFoundChars) s = s.substr(0, kMaxFoundChars - 3) + "...";
  return s;
}

// Number of Unicode code points in UTF-8 text (JSON Schema lengths count characters).
size_t CodePoints(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

bool IsIdentifier(const std::string& key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](unsigned char c) {
           return std::isalnum(c) || c == '_';
         });
}

std::string Child(const std::string& path, const std::string& key) {
  if (!IsIdentifier(key)) return (path == "$" ? "$" : path) + "[" + Compact(json(key)) + "]";
  return path == "$" ? key : path + "." + key;
}

std::string Index(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

std::string TypeName(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "an integer";
    case json::value_t::number_float: return "a number";
    case json::value_t::string: return "a string";
    case json::value_t::array: return "a list";
    case json::value_t::object: return "an object";
    default: return "an unsupported value";
  }
}

std::string Article(const std::string& type) {
  if (type == "object" || type == "array" || type == "integer") return "an " + type;
  if (type == "null") return "null";
  return "a " + type;
}

bool IsIntegral(const json& v) {
  if (v.is_number_integer() || v.is_number_unsigned()) return true;
  if (!v.is_number_float()) return false;
  double d = v.get<double>();
  return std::isfinite(d) && std::floor(d) == d;
}

bool HasType(const json& v, const std::string& type) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "boolean") return v.is_boolean();
  if (type == "null") return v.is_null();
  if (type == "number") return v.is_number();
  if (type == "integer") return IsIntegral(v);
  return false;
}

// Levenshtein distance, for "did you mean" hints on misspelt field names.
size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// Compiled patterns are shared: batch evaluation validates many cases against one schema.
const RE2* Pattern(const std::string& pattern) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<RE2>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(pattern);
  if (it == cache.end()) {
    RE2::Options options;
    options.set_log_errors(false);
    it = cache.emplace(pattern, std::make_unique<RE2>(pattern, options)).first;
  }
  return it->second->ok() ? it->second.get() : nullptr;
}

std::string JoinValues(const json& list, size_t max_items = 20) {
  std::string out;
  size_t n = 0;
  for (const auto& e : list) {
    if (n++ == max_items) {
      out += ", ...";
      break;
    }
    if (!out.empty()) out += ", ";
    out += e.is_string() ? e.get<std::string>() : Compact(e);
  }
  return out;
}

std::string Number(const json& v) { return Compact(v); }

class Validator {
 public:
  std::vector<ValidationError> errors;

  void Validate(const json& v, const json& schema, const std::string& path) {
    if (schema.is_boolean()) {
      if (!schema.get<bool>()) Add(path, "is not allowed here", Compact(v), "nothing");
      return;
    }
    if (!schema.is_object()) return;
    if (!CheckType(v, schema, path)) return;  // further checks would only repeat the type error
    CheckConst(v, schema, path);
    CheckEnum(v, schema, path);
    if (v.is_number()) CheckNumber(v, schema, path);
    if (v.is_string()) CheckString(v, schema, path);
    if (v.is_array()) CheckArray(v, schema, path);
    if (v.is_object()) CheckObject(v, schema, path);
  }

 private:
  void Add(const std::string& path, std::string message, std::string found, std::string allowed) {
    errors.push_back({path, std::move(message), std::move(found), std::move(allowed)});
  }

  bool CheckType(const json& v, const json& schema, const std::string& path) {
    auto it = schema.find("type");
    if (it == schema.end()) return true;
    std::vector<std::string> types;
    if (it->is_string()) types.push_back(it->get<std::string>());
    else if (it->is_array())
      for (const auto& t : *it)
        if (t.is_string()) types.push_back(t.get<std::string>());
    if (types.empty()) return true;
    for (const auto& t : types)
      if (HasType(v, t)) return true;
    std::string allowed;
    for (const auto& t : types) allowed += (allowed.empty() ? "" : " or ") + Article(t);
    if (types.size() == 1 && types[0] == "integer" && v.is_number())
      Add(path, Number(v) + " is not a whole number", Compact(v), "a whole number");
    else
      Add(path, "expected " + allowed + ", found " + TypeName(v) + " " + Compact(v), Compact(v), allowed);
    return false;
  }

  void CheckConst(const json& v, const json& schema, const std::string& path) {
    auto it = schema.find("const");
    if (it == schema.end() || v == *it) return;
    Add(path, Compact(v) + " must be " + Compact(*it), Compact(v), Compact(*it));
  }

  void CheckEnum(const json& v, const json& schema, const std::string& path) {
    auto it = schema.find("enum");
    if (it == schema.end() || !it->is_array()) return;
    if (std::find(it->begin(), it->end(), v) != it->end()) return;
    std::string allowed = "one of: " + JoinValues(*it);
    Add(path, Compact(v) + " is not " + allowed, Compact(v), allowed);
  }

  static std::optional<double> Num(const json& schema, const char* key) {
    auto it = schema.find(key);
    if (it == schema.end() || !it->is_number()) return std::nullopt;
    return it->get<double>();
  }

  std::string Range(const json& schema) {
    auto lo = schema.find("minimum"), hi = schema.find("maximum");
    auto xlo = schema.find("exclusiveMinimum"), xhi = schema.find("exclusiveMaximum");
    std::string low = lo != schema.end() ? Number(*lo) : xlo != schema.end() ? "above " + Number(*xlo) : "";
    std::string high = hi != schema.end() ? Number(*hi) : xhi != schema.end() ? "below " + Number(*xhi) : "";
    if (!low.empty() && !high.empty()) {
      if (lo != schema.end() && hi != schema.end()) return low + " to " + high;
      return low + " and " + (hi != schema.end() ? "at most " + high : high);
    }
    if (!low.empty()) return lo != schema.end() ? "at least " + low : low;
    if (!high.empty()) return hi != schema.end() ? "at most " + high : high;
    return "";
  }

  void CheckNumber(const json& v, const json& schema, const std::string& path) {
    double x = v.get<double>();
    std::string found = Compact(v);
    if (auto lo = Num(schema, "minimum"); lo && x < *lo)
      Add(path, found + " is below " + Number(schema["minimum"]), found, Range(schema));
    if (auto lo = Num(schema, "exclusiveMinimum"); lo && x <= *lo)
      Add(path, found + " must be greater than " + Number(schema["exclusiveMinimum"]), found, Range(schema));
    if (auto hi = Num(schema, "maximum"); hi && x > *hi)
      Add(path, found + " is above " + Number(schema["maximum"]), found, Range(schema));
    if (auto hi = Num(schema, "exclusiveMaximum"); hi && x >= *hi)
      Add(path, found + " must be less than " + Number(schema["exclusiveMaximum"]), found, Range(schema));
  }

  void CheckString(const json& v, const json& schema, const std::string& path) {
    const std::string& s = v.get_ref<const std::string&>();
    size_t n = CodePoints(s);
    std::string found = Compact(v);
    if (auto lo = Num(schema, "minLength"); lo && static_cast<double>(n) < *lo)
      Add(path, n == 0 ? "must not be empty" : "is too short (" + std::to_string(n) + " characters)", found,
          "at least " + Number(schema["minLength"]) + " characters");
    if (auto hi = Num(schema, "maxLength"); hi && static_cast<double>(n) > *hi)
      Add(path, "is too long (" + std::to_string(n) + " characters)", found,
          "at most " + Number(schema["maxLength"]) + " characters");
    auto p = schema.find("pattern");
    if (p != schema.end() && p->is_string()) {
      const RE2* re = Pattern(p->get<std::string>());
      // JSON Schema patterns are unanchored unless they say ^...$ themselves.
      if (re != nullptr && !RE2::PartialMatch(s, *re))
        Add(path, found + " does not match the pattern " + p->get<std::string>(), found,
            "text matching " + p->get<std::string>());
    }
  }

  void CheckArray(const json& v, const json& schema, const std::string& path) {
    std::string count = std::to_string(v.size());
    if (auto lo = Num(schema, "minItems"); lo && static_cast<double>(v.size()) < *lo)
      Add(path, "has " + count + " items, fewer than " + Number(schema["minItems"]), count,
          "at least " + Number(schema["minItems"]) + " items");
    if (auto hi = Num(schema, "maxItems"); hi && static_cast<double>(v.size()) > *hi)
      Add(path, "has " + count + " items, more than " + Number(schema["maxItems"]), count,
          "at most " + Number(schema["maxItems"]) + " items");
    auto unique = schema.find("uniqueItems");
    if (unique != schema.end() && unique->is_boolean() && unique->get<bool>()) {
      for (size_t i = 1; i < v.size(); ++i)
        for (size_t j = 0; j < i; ++j)
          if (v[i] == v[j]) {
            Add(Index(path, i), Compact(v[i]) + " is listed twice (also at [" + std::to_string(j) + "])",
                Compact(v[i]), "each item once");
            break;
          }
    }
    auto items = schema.find("items");
    if (items != schema.end() && (items->is_object() || items->is_boolean()))
      for (size_t i = 0; i < v.size(); ++i) Validate(v[i], *items, Index(path, i));
  }

  void CheckObject(const json& v, const json& schema, const std::string& path) {
    static const json kEmpty = json::object();
    auto props_it = schema.find("properties");
    const json& props = props_it != schema.end() && props_it->is_object() ? *props_it : kEmpty;
    auto req = schema.find("required");
    if (req != schema.end() && req->is_array())
      for (const auto& r : *req)
        if (r.is_string() && !v.contains(r.get<std::string>()))
          Add(Child(path, r.get<std::string>()), "is required but missing", "", "a value");
    auto additional = schema.find("additionalProperties");
    for (auto it = v.begin(); it != v.end(); ++it) {
      std::string child = Child(path, it.key());
      auto p = props.find(it.key());
      if (p != props.end()) {
        Validate(it.value(), *p, child);
        continue;
      }
      if (additional == schema.end() || additional->is_object()) {
        if (additional != schema.end()) Validate(it.value(), *additional, child);
        continue;
      }
      if (additional->is_boolean() && !additional->get<bool>()) Unknown(it.key(), child, props);
    }
  }

  void Unknown(const std::string& key, const std::string& child, const json& props) {
    std::string best;
    size_t best_d = std::string::npos;
    for (auto it = props.begin(); it != props.end(); ++it) {
      const std::string& name = it.key();
      // A known field that starts with the unknown name ("ki67" for "ki67_percent") is a
      // likely abbreviation even though its edit distance is large.
      bool prefix = key.size() >= 3 && (name.rfind(key, 0) == 0 || key.rfind(name, 0) == 0);
      size_t d = prefix ? 1 : EditDistance(key, name);
      if (d < best_d) best_d = d, best = it.key();
    }
    std::string allowed = props.empty() ? "no fields" : "one of: " + JoinValues([&] {
      json names = json::array();
      for (auto it = props.begin(); it != props.end(); ++it) names.push_back(it.key());
      return names;
    }(), 60);
    // A hint only when the name is close (a typo), not for unrelated fields.
    bool close = !best.empty() && best_d <= std::max<size_t>(2, key.size() / 3);
    Add(child, close ? "is not a known field (did you mean \"" + best + "\"?)" : "is not a known field",
        Compact(json(key)), allowed);
  }
};

std::vector<ValidationError> Validate(const nlohmann::json& c, const nlohmann::json& schema) {
  Validator v;
  try {
    if (!c.is_object()) {
      v.errors.push_back({"$", "a case must be a JSON object, found " + TypeName(c), Compact(c), "an object"});
      return v.errors;
    }
    v.Validate(c, schema, "$");
  } catch (const std::exception& e) {
    // Defensive: nlohmann accessors are only used after type checks, so this is not expected.
    v.errors.push_back({"$", std::string("could not validate: ") + e.what(), "", ""});
  }
  return v.errors;
}

}  // namespace reference

// The "mutable" spots of a document: every value below the root, by JSON pointer.
void Locations(const ordered_json& v, const ordered_json::json_pointer& at, std::vector<ordered_json::json_pointer>& out) {
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      out.push_back(at / it.key());
      Locations(it.value(), at / it.key(), out);
    }
  } else if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i) {
      out.push_back(at / i);
      Locations(v[i], at / i, out);
    }
  }
}

class Mutator {
 public:
  explicit Mutator(uint32_t seed) : rng_(seed) {}

  size_t Below(size_t n) { return n == 0 ? 0 : rng_() % n; }

  ordered_json Pick(const std::vector<ordered_json>& pool) { return pool[Below(pool.size())]; }

  // A value of some type, often a wrong one.
  ordered_json AnyValue() {
    static const std::vector<ordered_json> pool = [] {
      std::vector<ordered_json> p = {
          nullptr, true, false, 0, 1, -1, 3, 2.0, 1.5, -0.0, 1e9, 4.9e-324, "", "x", "pancreas", "T2", "n1",
          "ssa.lanreotide", "PRRT", "zebra.case/v1", ordered_json::array(), ordered_json::object(),
          ordered_json::array({1, 1}), ordered_json::array({"bone", "bone"}), ordered_json{{"b", 1}, {"a", 2}},
          ordered_json{{"a", ordered_json::array({1, ordered_json{{"b", nullptr}}})}}, std::string("caf\xc3\xa9"),
          std::string("bad\xff\xfe"), std::string(90, 'q'), static_cast<uint64_t>(1) << 60,
          -(static_cast<int64_t>(1) << 60), std::numeric_limits<uint64_t>::max(), ordered_json::array({ordered_json::array()}),
          "cure", "other", 1, ordered_json{{"option", "ssa.lanreotide"}}};
      return p;
    }();
    return Pick(pool);
  }

  ordered_json AnyNumber() {
    static const std::vector<ordered_json> pool = {
        -1, -3, 0, 0.0, -0.0, 100, 100.5, 120, 121, 1e9, 2.5, 4, 5, 0.01, 50, 51, 250.0001, 1e308, -1e308,
        static_cast<uint64_t>(1) << 60, -(static_cast<int64_t>(1) << 60), 9007199254740993ULL, 4000, 1.0};
    return Pick(pool);
  }

  std::string AnyKey(const ordered_json& object) {
    static const std::vector<std::string> pool = {
        "ki67", "tumour", "favourite_colour", "ki67 %", "", "$", std::string(100, 'k'), std::string("k\xff"),
        "a.b", "x", "extra", "weird", "notes", "never", "anything", "num", "schema", "id", "patient", "history",
        "Tumor", "primary", "sex"};
    if (object.is_object() && !object.empty() && Below(2) == 0) {
      auto it = object.begin();
      std::advance(it, static_cast<long>(Below(object.size())));
      std::string k = it.key();
      switch (Below(5)) {
        case 0: if (!k.empty()) k.erase(Below(k.size()), 1); break;
        case 1: if (k.size() > 1) { size_t i = Below(k.size() - 1); std::swap(k[i], k[i + 1]); } break;
        case 2: k.insert(Below(k.size() + 1), 1, static_cast<char>('a' + Below(26))); break;
        case 3: if (!k.empty()) k[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(k[0]))); break;
        default: k += "_x"; break;
      }
      return k;
    }
    return pool[Below(pool.size())];
  }

  std::string AnyString(const std::string& s) {
    switch (Below(8)) {
      case 0: return s.empty() ? "x" : std::string(1, static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])))) + s.substr(1);
      case 1: return s + "x";
      case 2: return "";
      case 3: return s + "\xff\xfe";
      case 4: return std::string(4001 + Below(3), 'n');
      case 5: {
        std::string e;
        for (int i = 0; i < 127 + static_cast<int>(Below(4)); ++i) e += "\xc3\xa9";
        return e;
      }
      case 6: return s.size() > 1 ? s.substr(0, s.size() - 1) : "T";
      default: return "M1d";
    }
  }

  // A list for the uniqueItems arrays, long enough for the hashed path, with duplicates of every
  // kind that compare equal in plain JSON (1 and 1.0, 0 and -0.0, objects with keys reordered).
  ordered_json AnyList() {
    static const std::vector<ordered_json> pool = {
        "cure", "longer_life", "oral_treatment", "bone", "lung", "peritoneum", "mesoappendix", "x", "",
        1, 1.0, 0, -0.0, 2.5, nullptr, true, ordered_json{{"a", 1}, {"b", 2}}, ordered_json{{"b", 2}, {"a", 1}},
        ordered_json::array({1, "a"}), ordered_json::array({1.0, "a"}), std::string("d\xff")};
    static const std::vector<ordered_json> big = {
        9007199254740993ULL, 9007199254740992.0, 9007199254740992ULL, static_cast<uint64_t>(1) << 60};
    ordered_json list = ordered_json::array();
    size_t n = Below(3) == 0 ? Below(5) : 17 + Below(50);
    bool with_big = Below(6) == 0;
    for (size_t i = 0; i < n; ++i) {
      if (with_big && Below(4) == 0) list.push_back(Pick(big));
      else if (Below(3) == 0) list.push_back("v" + std::to_string(Below(40)));
      else list.push_back(Pick(pool));
    }
    return list;
  }

  void Mutate(ordered_json& c) {
    std::vector<ordered_json::json_pointer> at;
    Locations(c, ordered_json::json_pointer(), at);
    if (at.empty()) return;
    auto p = at[Below(at.size())];
    ordered_json& v = c[p];
    switch (Below(11)) {
      case 0: {  // delete a field or item, required ones included
        ordered_json& parent = c[p.parent_pointer()];
        if (parent.is_object()) parent.erase(p.back());
        else parent.erase(static_cast<size_t>(std::stoul(p.back())));
        break;
      }
      case 1: v = AnyValue(); break;
      case 2: v = AnyNumber(); break;
      case 3: {  // an unknown or misspelt field (added last: not in sorted order)
        ordered_json& object = v.is_object() ? v : c;
        if (!object.is_object()) break;
        std::string key = AnyKey(object);
        object[key] = Below(2) == 0 ? AnyValue() : AnyNumber();
        break;
      }
      case 4:
        if (v.is_string()) v = AnyString(v.get<std::string>());
        else v = AnyString("x");
        break;
      case 5:  // a duplicated list item
        if (v.is_array() && !v.empty()) {
          ordered_json copy = v[Below(v.size())];
          if (copy.is_object()) {  // the same object with its keys in another order
            ordered_json reversed = ordered_json::object();
            for (auto it = copy.rbegin(); it != copy.rend(); ++it) reversed[it.key()] = it.value();
            copy = reversed;
          }
          v.insert(v.begin() + static_cast<long>(Below(v.size() + 1)), copy);
        } else {
          v = ordered_json::array({v, v});
        }
        break;
      case 6:  // nested wrong types: objects become lists and lists objects
        if (v.is_object()) {
          ordered_json list = ordered_json::array();
          for (auto& e : v) list.push_back(e);
          v = list;
        } else if (v.is_array()) {
          ordered_json object = ordered_json::object();
          for (size_t i = 0; i < v.size(); ++i) object["k" + std::to_string(i)] = v[i];
          v = object;
        } else {
          v = ordered_json{{"value", v}};
        }
        break;
      case 7: {  // a long list where the schema wants unique items
        static const std::vector<std::vector<std::string>> lists = {
            {"patient", "preferences", "goals"}, {"tumor", "invades"}, {"tumor", "metastases", "extrahepatic"}, {"notes"}};
        const auto& path = lists[Below(lists.size())];
        ordered_json* target = &c;
        for (const auto& k : path) {
          if (!target->is_object()) break;
          target = &(*target)[k];
          if (target->is_null()) *target = ordered_json::object();
        }
        *target = AnyList();
        break;
      }
      case 8:  // what a program (not the parser) can put in: dump() writes these as null
        v = Below(2) == 0 ? std::numeric_limits<double>::quiet_NaN() : -std::numeric_limits<double>::infinity();
        break;
      case 9:  // deeper nesting
        v = ordered_json::array({ordered_json{{"z", ordered_json::array({v})}, {"a", v}}});
        break;
      default:
        if (Below(20) == 0) c = AnyValue();  // the root itself
        else v = AnyValue();
        break;
    }
  }

 private:
  std::mt19937 rng_;
};

std::string Describe(const std::vector<ValidationError>& errors) {
  std::string s;
  for (const auto& e : errors) s += e.path + " | " + e.message + " | " + e.found + " | " + e.allowed + "\n";
  return s;
}

bool Same(const std::vector<ValidationError>& a, const std::vector<ValidationError>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].path != b[i].path || a[i].message != b[i].message || a[i].found != b[i].found ||
        a[i].allowed != b[i].allowed)
      return false;
  return true;
}

std::vector<ordered_json> DemoCases() {
  std::vector<ordered_json> cases;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(ZEBRA_SOURCE_DIR) / "examples" / "cases"))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f);
    std::stringstream ss;
    ss << in.rdbuf();
    cases.push_back(ordered_json::parse(ss.str()));
  }
  return cases;
}

// The case schema with the keywords and shapes the case schema itself does not use.
json ExoticSchema() {
  json s = Schema();
  s["properties"]["patient"]["properties"]["extra"] = json::parse(R"({"type": ["integer", "null"], "enum": [1, 2.0, null, "a", [1, 2], {"x": 1}]})");
  s["properties"]["tumor"]["additionalProperties"] = json::parse(R"({"type": "number", "exclusiveMaximum": 10, "minimum": -1})");
  s["properties"]["history"]["properties"]["weird"] = json::parse(R"({"const": {"a": [1, {"b": null}]}})");
  s["properties"]["notes"] = json::parse(R"({"type": "array", "minItems": 2, "maxItems": 30, "uniqueItems": true,
      "items": {"type": ["string", "object", "foo"], "maxLength": 3, "minLength": 2, "pattern": "^[a-z]+$",
                "exclusiveMinimum": 1, "additionalProperties": false}})");
  s["properties"]["never"] = false;
  s["properties"]["anything"] = true;
  s["properties"]["num"] = 5;
  s["properties"]["x"] = json::parse(R"({"type": "integer", "maximum": 9007199254740993, "pattern": "(", "minLength": "2"})");
  s["properties"]["patient"]["properties"]["preferences"]["properties"]["goals"]["items"] = json::parse(R"({"exclusiveMaximum": 2})");
  s["required"].push_back("a.b");
  s["required"].push_back("schema");
  return s;
}

// The plain copy of a case dump() cannot write (invalid UTF-8): what dump() would do to its numbers.
json NullNonFinite(json v) {
  if (v.is_number_float() && !std::isfinite(v.get<double>())) return nullptr;
  if (v.is_structured())
    for (auto& e : v) e = NullNonFinite(e);
  return v;
}

struct Counts {
  int compared = 0;
  int invalid = 0;
};

void Differential(const json& schema, uint32_t seed, int rounds, Counts& counts) {
  CompiledCaseSchema compiled(schema);
  auto cases = DemoCases();
  ASSERT_EQ(cases.size(), 15u);
  Mutator m(seed);
  for (int round = 0; round < rounds; ++round) {
    ordered_json c = cases[m.Below(cases.size())];
    size_t mutations = 1 + m.Below(4);
    for (size_t i = 0; i < mutations; ++i) m.Mutate(c);
    // What ValidateCaseJson validated before: the case's dump() parsed back. dump() throws on
    // invalid UTF-8; the compiled validator then sees the same bytes a plain copy would hold.
    json plain;
    try {
      plain = json::parse(c.dump());
    } catch (const json::exception&) {
      plain = NullNonFinite(json(c));
    }
    auto expected = reference::Validate(plain, schema);
    auto ordered = compiled.Validate(c);
    ASSERT_TRUE(Same(expected, ordered)) << "round " << round << "\n"
                                         << c.dump(-1, ' ', false, ordered_json::error_handler_t::replace)
                                         << "\nexpected:\n" << Describe(expected) << "got:\n" << Describe(ordered);
    // The plain-JSON entry point, on a plain copy made without dump() (NaN stays a number).
    json direct = json(c);
    auto want = reference::Validate(direct, schema);
    ASSERT_TRUE(Same(want, compiled.Validate(direct))) << "round " << round << " (plain)\n"
                                                       << direct.dump(-1, ' ', false, json::error_handler_t::replace)
                                                       << "\nexpected:\n" << Describe(want) << "got:\n"
                                                       << Describe(compiled.Validate(direct));
    ++counts.compared;
    if (!expected.empty()) ++counts.invalid;
  }
}

TEST(CaseValidationDifferentialTest, MutatedDemoCasesGiveTheSameErrorsAsTheInterpreter) {
  Counts counts;
  Differential(Schema(), 20240601, 1500, counts);
  EXPECT_EQ(counts.compared, 1500);
  EXPECT_GT(counts.invalid, 1250);  // nearly every mutated case is invalid somewhere
}

TEST(CaseValidationDifferentialTest, ExoticSchemaKeywordsGiveTheSameErrorsAsTheInterpreter) {
  Counts counts;
  Differential(ExoticSchema(), 7, 1500, counts);
  EXPECT_EQ(counts.compared, 1500);
}

TEST(CaseValidationDifferentialTest, UnmutatedDemoCasesAreValid) {
  CompiledCaseSchema compiled(Schema());
  for (const auto& c : DemoCases()) {
    EXPECT_TRUE(compiled.Validate(c).empty()) << Describe(compiled.Validate(c));
    EXPECT_TRUE(reference::Validate(json::parse(c.dump()), Schema()).empty());
  }
}

TEST(CaseValidationTest, OrderedCaseReportsFieldsInSortedOrderAndObjectsSorted) {
  CompiledCaseSchema compiled(Schema());
  ordered_json c = ordered_json::parse(
      R"({"zz": 1, "tumor": {"primary_site": "pancreas", "size_cm": {"b": 1, "a": 2}}, "id": "c", "schema": "zebra.case/v1", "aa": 2})");
  auto errors = compiled.Validate(c);
  ASSERT_EQ(errors.size(), 3u) << Describe(errors);
  EXPECT_EQ(errors[0].path, "aa");
  EXPECT_EQ(errors[1].path, "tumor.size_cm");
  EXPECT_EQ(errors[1].found, R"({"a":2,"b":1})");
  EXPECT_EQ(errors[2].path, "zz");
}

TEST(CaseValidationTest, NonFiniteNumberInAnOrderedCaseIsNullAsItsDumpSays) {
  CompiledCaseSchema compiled(Schema());
  ordered_json c = ordered_json::parse(R"({"schema": "zebra.case/v1", "id": "c", "tumor": {"primary_site": "pancreas"}})");
  c["tumor"]["ki67_percent"] = std::numeric_limits<double>::quiet_NaN();
  auto errors = compiled.Validate(c);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "expected a number, found null null");
}

TEST(CaseValidationTest, UniqueItemsOnALongListNamesTheFirstEqualItem) {
  json c = Minimal();
  json goals = json::array();
  for (int i = 0; i < 20000; ++i) goals.push_back("g" + std::to_string(i));
  goals.push_back("g7");
  goals.push_back(json{{"a", 1.0}, {"b", 0}});
  goals.push_back(json{{"b", -0.0}, {"a", 1}});
  c["patient"]["preferences"]["goals"] = goals;
  CompiledCaseSchema compiled(Schema());
  auto errors = compiled.Validate(c);
  auto seven = At(errors, "patient.preferences.goals[20000]");
  ASSERT_EQ(seven.size(), 2u);  // listed twice, and not a goal
  EXPECT_EQ(seven[0].message, "\"g7\" is listed twice (also at [7])");
  auto object = At(errors, "patient.preferences.goals[20002]");
  ASSERT_GE(object.size(), 1u);
  EXPECT_EQ(object[0].message, "{\"a\":1,\"b\":-0.0} is listed twice (also at [20001])");
  EXPECT_EQ(errors.size(), 20003u + 2u);
}

TEST(CaseValidationTest, UniqueItemsWithHugeIntegersKeepsThePairwiseAnswer) {
  // Beyond 2^53 an integer equals a float that another integer also equals, but not that other
  // integer: the first equal item is found by comparing pairs.
  json schema = json::parse(R"({"type": "object", "properties": {"l": {"uniqueItems": true}}})");
  json list = json::array();
  list.push_back(9007199254740992ULL);  // 2^53
  list.push_back(9007199254740992.0);
  for (int i = 0; i < 20; ++i) list.push_back(i);
  list.push_back(9007199254740993ULL);  // == the float (through double), != 2^53
  auto errors = ValidateCase(json{{"l", list}}, schema);
  ASSERT_EQ(errors.size(), 2u) << Describe(errors);
  EXPECT_EQ(errors[0].message, "9.007199254740992e+15 is listed twice (also at [0])");
  EXPECT_EQ(errors[1].message, "9007199254740993 is listed twice (also at [1])");
}


// ---- ParseCase builds the case as Json::parse does ------------------------------------------------

// ParseCase's contract, built independently: Json::parse, a key repeated within one object
// refused (found through the parser callback, in document order), then the validation of the
// parsed value. Syntax errors and repeated keys are compared by kind; their exact text is
// ParseStrict's (json_parse_test.cc).
std::vector<InputError> ParseReference(const std::string& text, const KnowledgeBase& kb, Json* out) {
  std::vector<std::set<std::string>> keys;
  bool repeated = false;
  Json::parser_callback_t callback = [&](int /*depth*/, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::object_start) keys.emplace_back();
    if (event == Json::parse_event_t::object_end) keys.pop_back();
    if (event == Json::parse_event_t::key && !repeated && !keys.back().insert(parsed.get<std::string>()).second)
      repeated = true;
    return true;
  };
  Json j;
  try {
    j = Json::parse(text, callback);
  } catch (const Json::exception& e) {
    return {{"$", repeated ? "repeated key" : "not valid JSON"}};
  }
  if (repeated) return {{"$", "repeated key"}};
  *out = j;
  return ValidateCaseJson(j, kb);
}

std::string TextMutation(std::string text, std::mt19937& rng) {
  auto below = [&](size_t n) { return n == 0 ? size_t{0} : rng() % n; };
  static const std::vector<std::string> inserts = {
      "\"id\": \"dup\", ", "\"schema\": \"zebra.case/v1\", ", "\"tumor\": {\"primary_site\": \"lung\"}, ", "1e999", "-0",
      "18446744073709551616", "\"\\ud800\"", "\"\xff\"", "//", ",", "}", "]", "\"\\u00e9\"", "nul", "tru", " ", "[1,2,",
      "\"primary_site\": \"colon\", ", "\"ki67_percent\": 3, ", "\"ki67_percent\": 300, "};
  size_t brace = text.find('{', below(text.size()));
  switch (below(6)) {
    case 0: return text.substr(0, below(text.size() + 1));  // cut short
    case 1: return text + (below(2) == 0 ? "x" : " {}");  // trailing content
    case 2: {  // a member repeated later in an object (same key, other value)
      if (brace == std::string::npos) return text;
      return text.insert(brace + 1, inserts[below(inserts.size())]);
    }
    case 3: {  // many fields in one object, some repeated: the hashed key index
      if (brace == std::string::npos) return text;
      std::string members;
      size_t n = 10 + below(40);
      for (size_t i = 0; i < n; ++i) members += "\"f" + std::to_string(below(n)) + "\": " + std::to_string(i) + ", ";
      if (below(2) == 0) members += "\"id\": \"late\", ";
      return text.insert(brace + 1, members);
    }
    default: {
      size_t at = below(text.size() + 1);
      return text.insert(at, inserts[below(inserts.size())]);
    }
  }
}

TEST(ParseCaseTest, BuildsTheCaseAsJsonParseDoesAndRefusesRepeatedKeys) {
  auto kb = LoadKnowledgeBase(std::filesystem::path(ZEBRA_SOURCE_DIR) / "knowledge");
  ASSERT_TRUE(kb.has_value());
  std::vector<std::string> texts;
  for (const auto& c : DemoCases()) texts.push_back(c.dump(1));
  std::mt19937 rng(99);
  int valid = 0, invalid_json = 0, repeated = 0;
  for (int round = 0; round < 1500; ++round) {
    std::string text = texts[rng() % texts.size()];
    for (size_t i = 0, n = 1 + rng() % 3; i < n; ++i) text = TextMutation(text, rng);
    Json expected_case;
    auto expected = ParseReference(text, **kb, &expected_case);
    auto got = ParseCase(text, **kb);
    if (expected.empty()) {
      ASSERT_TRUE(got.has_value()) << text;
      ASSERT_EQ(got->dump(), expected_case.dump()) << text;  // same members, same order
      ++valid;
      continue;
    }
    ASSERT_FALSE(got.has_value()) << text;
    ASSERT_EQ(got.error().size(), expected.size()) << text;
    if (expected[0].message == "not valid JSON" || expected[0].message == "repeated key") {
      EXPECT_NE(got.error()[0].message.find(expected[0].message), std::string::npos)
          << text << "\n" << got.error()[0].message;
      ++(expected[0].message == "repeated key" ? repeated : invalid_json);
      continue;
    }
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(got.error()[i].path, expected[i].path) << text;
      EXPECT_EQ(got.error()[i].message, expected[i].message) << text;
    }
  }
  EXPECT_GT(valid, 50);
  EXPECT_GT(invalid_json, 300);
  EXPECT_GT(repeated, 50);
}

// A repeated key is refused with its path: keeping either value silently would let the stored
// raw body and the evaluated case disagree.
TEST(ParseCaseTest, RepeatedKeyIsRefusedWithItsPath) {
  auto kb = LoadKnowledgeBase(std::filesystem::path(ZEBRA_SOURCE_DIR) / "knowledge");
  ASSERT_TRUE(kb.has_value());
  auto c = ParseCase(R"({"id": "a", "schema": "zebra.case/v1", "tumor": {"primary_site": "lung"}, "id": "b"})", **kb);
  ASSERT_FALSE(c.has_value());
  ASSERT_EQ(c.error().size(), 1u);
  EXPECT_EQ(c.error()[0].path, "id");
  EXPECT_NE(c.error()[0].message.find("repeated key"), std::string::npos);
  c = ParseCase(R"({"id": "a", "schema": "zebra.case/v1", "tumor": {"primary_site": "lung", "ki67_percent": 2,
                    "ki67_percent": 25}})", **kb);
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error()[0].path, "tumor.ki67_percent");
  std::string many;
  for (int i = 0; i < 40; ++i) many += "\"f" + std::to_string(i) + "\": " + std::to_string(i) + ", ";
  auto big = ParseCase("{" + many + R"("f3": "x", "id": "c"})", **kb);
  ASSERT_FALSE(big.has_value());
  EXPECT_EQ(big.error()[0].path, "f3");
}

TEST(ParseCaseTest, PriorTherapyMustBeAnOptionOfTheCatalogue) {
  auto kb = LoadKnowledgeBase(std::filesystem::path(ZEBRA_SOURCE_DIR) / "knowledge");
  ASSERT_TRUE(kb.has_value());
  const std::string head = R"({"schema": "zebra.case/v1", "id": "p", "tumor": {"primary_site": "pancreas"},
    "history": {"prior_therapies": [{"option": "ssa.lanreotide"}, )";
  EXPECT_TRUE(ParseCase(head + R"({"option": "targeted.everolimus"}]}})", **kb).has_value());
  auto typo = ParseCase(head + R"({"option": "targeted.everolimu"}]}})", **kb);
  ASSERT_FALSE(typo.has_value());
  ASSERT_EQ(typo.error().size(), 1u);
  EXPECT_EQ(typo.error()[0].path, "history.prior_therapies[1].option");
  EXPECT_NE(typo.error()[0].message.find("targeted.everolimu"), std::string::npos);
  // A value the schema already refuses is reported once.
  auto bad = ParseCase(head + R"({"option": "NOT AN ID"}]}})", **kb);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().size(), 1u);
}

// ---- the one-pass case reader (ReadCaseForAnswer) against ParseCase, CaseValue and the answer ----

// The same value: same types, contexts on the same shape with the same keys in the same order,
// numbers with the same text, strings with the same bytes.
bool SameValue(const feel::Value& a, const feel::Value& b, std::string& why, const std::string& at = "$") {
  if (a.type() != b.type()) return why = at + ": types differ", false;
  switch (a.type()) {
    case feel::Type::kContext: {
      const feel::Context& x = a.context();
      const feel::Context& y = b.context();
      if (x.shape() != y.shape()) return why = at + ": shapes differ", false;
      std::vector<std::pair<std::string, const feel::Value*>> xs, ys;
      for (const auto& [k, v] : x.entries()) xs.emplace_back(k, &v);
      for (const auto& [k, v] : y.entries()) ys.emplace_back(k, &v);
      if (xs.size() != ys.size()) return why = at + ": sizes differ", false;
      for (size_t i = 0; i < xs.size(); ++i) {
        if (xs[i].first != ys[i].first) return why = at + ": keys differ at " + std::to_string(i), false;
        if (!SameValue(*xs[i].second, *ys[i].second, why, at + "." + xs[i].first)) return false;
      }
      return true;
    }
    case feel::Type::kList: {
      const feel::List& x = a.list();
      const feel::List& y = b.list();
      if (x.size() != y.size()) return why = at + ": lengths differ", false;
      for (size_t i = 0; i < x.size(); ++i)
        if (!SameValue(x[i], y[i], why, at + "[" + std::to_string(i) + "]")) return false;
      return true;
    }
    case feel::Type::kNumber:
      if (a.number().ToString() != b.number().ToString()) return why = at + ": numbers differ", false;
      return true;
    default:
      if (!feel::DeepEqual(a, b)) return why = at + ": values differ", false;
      return true;
  }
}

// The answer's text (what zebra batch writes before the trials) for a case read by ParseCase.
std::string AnswerText(const KnowledgeBase& kb, const ordered_json& case_json, feel::Value* case_value) {
  Answer answer = EvaluateAnswer(kb, case_json, case_value);
  std::string text;
  AppendAnswer(kb, case_json, answer, text);
  return text;
}

// `c` as text: compact, indented, or with its members in reverse order (and whitespace of every
// kind JSON allows), so the reader sees keys in any order.
std::string TextOf(const ordered_json& c, size_t form) {
  std::function<ordered_json(const ordered_json&)> reversed = [&](const ordered_json& v) -> ordered_json {
    if (v.is_object()) {
      ordered_json out = ordered_json::object();
      for (auto it = v.rbegin(); it != v.rend(); ++it) out[it.key()] = reversed(it.value());
      return out;
    }
    if (v.is_array()) {
      ordered_json out = ordered_json::array();
      for (const auto& e : v) out.push_back(reversed(e));
      return out;
    }
    return v;
  };
  auto dump = [](const ordered_json& v, int indent) {
    return v.dump(indent, ' ', false, ordered_json::error_handler_t::replace);
  };
  switch (form % 3) {
    case 0: return dump(c, -1);
    case 1: return " \t\r\n" + dump(c, 2) + "\n";
    default: return dump(reversed(c), 1);
  }
}

struct ReadCounts {
  int compared = 0;
  int read = 0;       // by the one-pass reader
  int rejected = 0;   // by ParseCase
};

// For each text: when the one-pass reader reads it, ParseCase accepts it, the value is the one
// the models read from ParseCase's case, and the answer's text is the same; when ParseCase
// rejects it, the one-pass reader declines it (so its errors stand).
void CompareReaders(const KnowledgeBase& kb, const std::string& text, ReadCounts& counts, bool answers) {
  ++counts.compared;
  auto old_case = ParseCase(text, kb);
  auto direct = ReadCaseForAnswer(text, kb);
  if (!old_case) ++counts.rejected;
  if (!direct) return;
  ++counts.read;
  ASSERT_TRUE(old_case.has_value()) << "read a case ParseCase rejects (" << old_case.error()[0].path << ": "
                                    << old_case.error()[0].message << "):\n" << text;
  feel::Value old_value;
  const std::string old_answer = answers ? AnswerText(kb, *old_case, &old_value) : std::string();
  if (!answers) {
    EvaluateOptions options;
    options.case_value = &old_value;
    (void)Evaluate(kb, *old_case, options);
  }
  std::string why;
  ASSERT_TRUE(SameValue(direct->value, old_value, why)) << why << "\n" << text;
  if (!answers) return;
  Answer answer = EvaluateAnswer(kb, direct->fields, direct->value);
  std::string new_answer;
  AppendAnswer(kb, direct->fields, answer, new_answer);
  ASSERT_EQ(new_answer, old_answer) << text;
}

TEST(CaseForAnswerDifferentialTest, DemoCasesInEveryFormAreReadAsParseCaseReadsThem) {
  const KnowledgeBase& kb = test_support::SourceKnowledge();
  ReadCounts counts;
  for (const auto& c : DemoCases())
    for (size_t form = 0; form < 3; ++form) CompareReaders(kb, TextOf(c, form), counts, true);
  EXPECT_EQ(counts.compared, 45);
  EXPECT_EQ(counts.rejected, 0);
  EXPECT_EQ(counts.read, 45);  // every demo case is of the plain form
}

TEST(CaseForAnswerDifferentialTest, MutatedCasesAreReadAsParseCaseReadsThemOrDeclined) {
  const KnowledgeBase& kb = test_support::SourceKnowledge();
  auto cases = DemoCases();
  Mutator m(20261207);
  ReadCounts counts;
  for (int round = 0; round < 3000; ++round) {
    ordered_json c = cases[m.Below(cases.size())];
    // One mutation leaves many cases valid (a changed number, a deleted optional field…).
    const size_t mutations = m.Below(3);
    for (size_t i = 0; i < mutations; ++i) m.Mutate(c);
    std::string text = TextOf(c, m.Below(3));
    // And the text itself: a byte dropped, doubled or changed (syntax errors, repeated keys…).
    if (m.Below(4) == 0 && !text.empty()) {
      const size_t at = m.Below(text.size());
      switch (m.Below(3)) {
        case 0: text.erase(at, 1); break;
        case 1: text.insert(at, 1, text[at]); break;
        default: text[at] = "{}[],:\"0-.eE \\x"[m.Below(15)]; break;
      }
    }
    CompareReaders(kb, text, counts, round % 10 == 0);
    if (HasFatalFailure()) return;
  }
  EXPECT_EQ(counts.compared, 3000);
  EXPECT_GT(counts.read, 600);       // many valid cases took the one-pass reader
  EXPECT_GT(counts.rejected, 1200);  // and many invalid ones were declined
}

TEST(CaseForAnswerDifferentialTest, PlainCasesOutsideTheSchemaOrTheCatalogueAreDeclined) {
  const KnowledgeBase& kb = test_support::SourceKnowledge();
  const std::string base = R"({"schema":"zebra.case/v1","id":"c","tumor":{"primary_site":"pancreas"})";
  for (const std::string& text : {
           base + "}",  // valid: read
           base + R"(,"zz":1})",                                                            // unknown field
           base + R"(,"id":"d"})",                                                          // repeated key
           base + R"(,"history":{"prior_therapies":[{"option":"ssa.lanreotid"}]}})",       // not in the catalogue
           base + R"(,"notes":"caf\u00e9"})",                                               // an escape
           std::string(R"({"schema":"zebra.case/v2","id":"c","tumor":{"primary_site":"pancreas"}})"),  // const
           base + "} x",                                                                    // trailing bytes
       }) {
    ReadCounts counts;
    CompareReaders(kb, text, counts, false);
    EXPECT_EQ(counts.read, text == base + "}" ? 1 : 0) << text;
  }
}

// One CaseForAnswer refilled case after case (zebra batch keeps one per thread; its `fields` tree
// is reused, the id refilled in place): each read gives what a fresh read gives, and the fields
// are those of ParseCase's case (its `id`, its `patient.preferences.goals`) — across cases with
// goals, long and non-ASCII ids, and texts it declines in between (no id, a trailing byte).
TEST(CaseForAnswerDifferentialTest, OneCaseForAnswerRefilledCaseAfterCaseGivesTheFieldsOfAFreshRead) {
  const KnowledgeBase& kb = test_support::SourceKnowledge();
  std::vector<std::string> texts;
  for (const auto& c : DemoCases()) {
    texts.push_back(TextOf(c, 0));
    ordered_json other = c;
    other["id"] = "an id long enough to live outside the string's own bytes " + std::to_string(texts.size());
    texts.push_back(TextOf(other, 1));
    other.erase("id");
    texts.push_back(TextOf(other, 2));
    other["id"] = "caf\u00e9 " + std::to_string(texts.size());
    texts.push_back(TextOf(other, 0));
    other["id"] = "x";
    other["patient"]["preferences"]["goals"] = ordered_json::array({"avoid_surgery", "quality_of_life"});
    texts.push_back(TextOf(other, 0));
    texts.push_back(TextOf(c, 0) + "x");  // declined
  }
  Mutator m(20261207);
  for (size_t i = texts.size(); i > 1; --i) std::swap(texts[i - 1], texts[m.Below(i)]);
  CaseForAnswer kept;
  int read = 0, declined = 0, with_goals = 0, without_id = 0, refills = 0;
  for (const std::string& text : texts) {
    const bool was_id_only = kept.fields.is_object() && kept.fields.size() == 1 && kept.fields.contains("id");
    const bool ok = ReadCaseForAnswer(text, kb, kept);
    auto fresh = ReadCaseForAnswer(text, kb);
    auto parsed = ParseCase(text, kb);
    ASSERT_EQ(ok, fresh.has_value()) << text;
    if (!ok) {
      ++declined;
      continue;
    }
    ++read;
    ASSERT_TRUE(parsed.has_value()) << text;
    // The reference: the fields as ParseCase's case holds them.
    ordered_json expected = ordered_json::object();
    if (parsed->contains("id")) expected["id"] = (*parsed)["id"];
    else ++without_id;
    if (parsed->contains("patient") && (*parsed)["patient"].contains("preferences") &&
        (*parsed)["patient"]["preferences"].contains("goals")) {
      expected["patient"]["preferences"]["goals"] = (*parsed)["patient"]["preferences"]["goals"];
      ++with_goals;
    }
    EXPECT_EQ(kept.fields.dump(), expected.dump()) << text;
    EXPECT_EQ(fresh->fields.dump(), expected.dump()) << text;
    std::string why;
    EXPECT_TRUE(SameValue(kept.value, fresh->value, why)) << why << "\n" << text;
    if (was_id_only && expected.size() == 1 && expected.contains("id")) ++refills;
  }
  EXPECT_GE(read, 45);
  EXPECT_GE(declined, 30);  // (without the id the schema requires; with a trailing byte)
  EXPECT_GE(with_goals, 15);
  EXPECT_EQ(without_id, 0);
  EXPECT_GT(refills, 5);  // the in-place refill was taken
}

// The reader's short numbers (at most 15 digits, no exponent: converted in place) and the rest
// (through the general conversion) against ParseCase and CaseValue: the same Decimal, coefficient
// and exponent, and the same bounds and integer checks — at the bounds, at 15 and 16 digits,
// negative zero, trailing zeros, a whole fraction for an integer field.
TEST(CaseForAnswerDifferentialTest, NumbersReadAsParseCaseAndCaseValueReadThem) {
  const KnowledgeBase& kb = test_support::SourceKnowledge();
  auto number_at = [](const feel::Value& c, const char* object, const char* field) -> const feel::Value* {
    const feel::Value* o = c.is(feel::Type::kContext) ? c.context().Find(object) : nullptr;
    return o && o->is(feel::Type::kContext) ? o->context().Find(field) : nullptr;
  };
  struct Field {
    const char* object;
    const char* name;
  };
  int read = 0, rejected = 0;
  for (const Field f : {Field{"tumor", "ki67_percent"}, Field{"tumor", "size_cm"}, Field{"patient", "ecog"},
                        Field{"patient", "age_years"}}) {
    for (const char* number :
         {"0", "-0", "0.0", "-0.0", "2", "2.50", "2.0", "100", "100.0", "100.00000000001", "99.9999999999999",
          "0.1", "0.000000000001", "0.30000000000000004", "3.14159265358979", "3.141592653589793", "1.5", "12",
          "45.25", "120", "120.5", "-1", "-0.5", "4", "5", "1e1", "1E-1", "0.5e1", "7.", "01", "-", "1.2.3",
          "123456789012345", "1234567890123456", "0.10000000000000001", "1.0000000000000001", "50", "50.000000000000", "49.999999999999"}) {
      const std::string patient = std::string(f.object) == "patient" ? std::string(",\"") + f.name + "\":" + number : "";
      const std::string tumor = std::string(f.object) == "tumor" ? std::string(",\"") + f.name + "\":" + number : "";
      const std::string one = R"({"schema":"zebra.case/v1","id":"n","patient":{"sex":"male")" + patient +
                              R"(},"tumor":{"primary_site":"pancreas")" + tumor + "}}";
      auto old_case = ParseCase(one, kb);
      auto direct = ReadCaseForAnswer(one, kb);
      if (!old_case) {
        ++rejected;
        EXPECT_FALSE(direct.has_value()) << one;
        continue;
      }
      ASSERT_TRUE(direct.has_value()) << one;  // every valid one is read, short or not
      ++read;
      feel::Value old_value;
      EvaluateOptions options;
      options.case_value = &old_value;
      (void)Evaluate(kb, *old_case, options);
      const feel::Value* a = number_at(direct->value, f.object, f.name);
      const feel::Value* b = number_at(old_value, f.object, f.name);
      ASSERT_TRUE(a && b && a->is(feel::Type::kNumber) && b->is(feel::Type::kNumber)) << one;
      EXPECT_TRUE(a->number().coefficient() == b->number().coefficient() &&
                  a->number().exponent() == b->number().exponent() &&
                  a->number().negative() == b->number().negative())
          << one << ": " << a->number().ToString() << " vs " << b->number().ToString();
    }
  }
  EXPECT_GT(read, 60);
  EXPECT_GT(rejected, 40);
}

// The strings of a finite list (an enum, a const, a pattern that spells its alternatives) are the
// schema's immortal strings, shared by every case; a string outside the list is declined when the
// schema refuses it, and other strings are the case's own.
TEST(CaseForAnswerDifferentialTest, ListedStringsAreSharedImmortalStrings) {
  const KnowledgeBase& kb = test_support::SourceKnowledge();
  const std::string head = R"({"schema":"zebra.case/v1","id":"s","patient":{"sex":"female"},"tumor":{"primary_site":"jejunum_ileum")";
  auto read = [&](const std::string& tail) { return ReadCaseForAnswer(head + tail + "}}", kb); };
  for (const char* sex : {"f", "Female", "femalee", ""}) {
    const std::string text = std::string(R"({"schema":"zebra.case/v1","id":"s","patient":{"sex":")") + sex +
                             R"("},"tumor":{"primary_site":"jejunum_ileum"}})";
    EXPECT_FALSE(ReadCaseForAnswer(text, kb).has_value()) << text;
    EXPECT_FALSE(ParseCase(text, kb).has_value()) << text;
  }
  auto field = [](const CaseForAnswer& c, const char* object, const char* name) -> const feel::Value* {
    const feel::Value* o = object ? c.value.context().Find(object) : &c.value;
    return o && o->is(feel::Type::kContext) ? o->context().Find(name) : nullptr;
  };
  for (const char* t : {"TX", "T0", "Tis", "T1", "T1a", "T1b", "T1c", "T1mi", "T2", "T2a", "T2b", "T3", "T4"}) {
    auto c = read(std::string(R"(,"t":")") + t + R"(","n":"N1","m":"M1b")");
    ASSERT_TRUE(c.has_value()) << t;
    for (const auto& [name, expected] : {std::pair{"t", t}, {"n", "N1"}, {"m", "M1b"}, {"primary_site", "jejunum_ileum"}}) {
      const feel::Value* v = field(*c, "tumor", name);
      ASSERT_TRUE(v && v->is(feel::Type::kString)) << name;
      EXPECT_EQ(v->string(), expected);
      EXPECT_TRUE(feel::IsImmortal(v->string_ptr())) << name;
    }
    const feel::Value* sex = field(*c, "patient", "sex");
    ASSERT_TRUE(sex && sex->is(feel::Type::kString));
    EXPECT_EQ(sex->string(), "female");
    EXPECT_TRUE(feel::IsImmortal(sex->string_ptr()));
    const feel::Value* schema = field(*c, nullptr, "schema");
    ASSERT_TRUE(schema && schema->is(feel::Type::kString));
    EXPECT_EQ(schema->string(), "zebra.case/v1");
    EXPECT_TRUE(feel::IsImmortal(schema->string_ptr()));
    const feel::Value* id = field(*c, nullptr, "id");  // a free text: the case's own
    ASSERT_TRUE(id && id->is(feel::Type::kString));
    EXPECT_EQ(id->string(), "s");
    EXPECT_FALSE(feel::IsImmortal(id->string_ptr()));
  }
  for (const char* bad : {R"(,"t":"T5")", R"(,"t":"T1d")", R"(,"t":"t1")", R"(,"t":"T")", R"(,"n":"N4")",
                          R"(,"m":"M1d")", R"(,"m":"")", R"(,"morphology":"well")"}) {
    EXPECT_FALSE(read(bad).has_value()) << bad;
    EXPECT_FALSE(ParseCase(head + bad + "}}", kb).has_value()) << bad;
  }
}

// The reader recognises a key by the name that followed the previous key last time (a guess
// of this thread, checked against the text): a key of the guess's length but another name, a
// key that the guess is a prefix of or that is a prefix of the guess, a text that ends inside
// the guessed name, an escape in it and keys in another order are each read as ParseCase
// reads them, or declined.
TEST(CaseForAnswerDifferentialTest, KeysNearTheGuessedKeyAreReadAsParseCaseReadsThem) {
  const KnowledgeBase& kb = test_support::SourceKnowledge();
  const std::string head = R"({"schema":"zebra.case/v1","id":"k","tumor":{"primary_site":"pancreas"},"patient":{"sex":"male",)";
  struct Step {
    std::string patient;  // the patient's members after "sex"
    bool read;            // by the one-pass reader
  };
  const std::vector<Step> steps = {
      {R"("hemoglobin_g_dl":12,"ecog":1}})", true},   // learnt: hemoglobin_g_dl after sex, then ecog
      {R"("bilirubin_x_uln":1.5,"ecog":1}})", true},  // the same length, another name
      {R"("hemoglobin_g_dl":13,"ecog":2}})", true},
      {R"("hemoglobin_g_d":13}})", false},            // a prefix of the guess: no such field
      {R"("hemoglobin_g_dlx":13}})", false},          // the guess a prefix of it
      {R"("hemoglobin_g_dl)", false},                 // the text ends inside the guessed name
      {R"("hemoglobin_g_dl":12,"ecog")", false},
      {R"("hemoglobin_g_d\u006c":12}})", false},  // an escape: the general way reads it
      {R"("ecog":1,"hemoglobin_g_dl":12}})", true},   // another order
      {R"("hemoglobin_g_dl":12,"ecog":1}})", true},
      {R"("hemoglobin_g_dl":12,"hemoglobin_g_dl":12}})", false},  // repeated
  };
  for (const Step& step : steps) {
    const std::string text = head + step.patient;
    ReadCounts counts;
    CompareReaders(kb, text, counts, false);
    if (HasFatalFailure()) return;
    EXPECT_EQ(counts.read, step.read ? 1 : 0) << text;
  }
}

// The listed strings of a field (enum, const, the T/N/M patterns' alternatives) are matched by
// their bytes in the text, without scanning or hashing them: each listed string is read as that
// shared immortal string, and a near miss — one byte more or less, another last byte, an escape,
// a quote or the text's end where the listed string ends — is read as ParseCase reads it, or
// declined.
TEST(CaseForAnswerDifferentialTest, ListedStringsMatchedByTheirBytesAreReadAsParseCaseReadsThem) {
  const KnowledgeBase& kb = test_support::SourceKnowledge();
  struct Field {
    const char* object;
    const char* name;
    std::vector<std::string> listed;
  };
  const std::vector<Field> fields = {
      {"tumor", "t", {"TX", "T0", "Tis", "T1", "T1a", "T1b", "T1mi", "T2", "T4"}},
      {"tumor", "n", {"NX", "N0", "N1", "N2"}},
      {"tumor", "m", {"M0", "M1", "M1a", "M1b", "M1c"}},
      {"tumor", "primary_site", {"pancreas", "lung", "appendix", "jejunum_ileum", "unknown_primary", "other"}},
      {"patient", "sex", {"female", "male"}},
  };
  auto text_with = [](const Field& f, const std::string& value_text) {
    const std::string site = std::string(f.name) == "primary_site" ? "" : R"("primary_site":"pancreas",)";
    const std::string member = "\"" + std::string(f.name) + "\":" + value_text;
    if (std::string(f.object) == "tumor") return R"({"schema":"zebra.case/v1","id":"l","tumor":{)" + site + member + "}}";
    return R"({"schema":"zebra.case/v1","id":"l","tumor":{"primary_site":"pancreas"},"patient":{)" + member + "}}";
  };
  int near = 0;
  for (const Field& f : fields) {
    for (const std::string& v : f.listed) {
      // The listed string itself: read, as the one shared string.
      ReadCounts counts;
      const std::string text = text_with(f, "\"" + v + "\"");
      CompareReaders(kb, text, counts, false);
      ASSERT_EQ(counts.read, 1) << text;
      auto c = ReadCaseForAnswer(text, kb);
      ASSERT_TRUE(c.has_value());
      const feel::Value* o = c->value.context().Find(f.object);
      ASSERT_TRUE(o && o->is(feel::Type::kContext));
      const feel::Value* got = o->context().Find(f.name);
      ASSERT_TRUE(got && got->is(feel::Type::kString)) << text;
      EXPECT_EQ(got->string(), v);
      EXPECT_TRUE(feel::IsImmortal(got->string_ptr())) << text;
      // Near misses: each as ParseCase reads it (CompareReaders), or declined.
      std::vector<std::string> variants = {
          "\"" + v + "x\"",  "\"" + v.substr(0, v.size() - 1) + "\"", "\"" + v + "\\\"\"",
          "\"" + v + " \"",  "\"\\u00" + std::string(v[0] == 'T' ? "54" : v[0] == 'N' ? "4e" : v[0] == 'M' ? "4d" : "70") +
                                v.substr(1) + "\"",
          "\"" + v,          "\"" + v + "\"\"", "\"" + v.substr(0, v.size() - 1) + "0\"",
          "\"" + v.substr(0, v.size() - 1) + "a\"", " \"" + v + "\" ",
      };
      for (const std::string& other : f.listed) variants.push_back("\"" + v + other.substr(1) + "\"");
      for (const std::string& variant : variants) {
        ReadCounts miss;
        const std::string t = text_with(f, variant);
        CompareReaders(kb, t, miss, false);
        if (HasFatalFailure()) return;
        ++near;
      }
    }
  }
  EXPECT_GT(near, 300);
}

// When the guess of the next key misses, the reader finds the key by its bytes between quotes
// (the schema's plain names, chained by their first two bytes): the demo cases with each
// object's members in a random order (the guesses mostly miss) are read as ParseCase reads them,
// and each key changed into a near miss — a byte dropped or added, another first, second or last
// byte, an escaped byte, a space before the closing quote, the text's end after the name — is
// read as ParseCase reads it, or declined.
TEST(CaseForAnswerDifferentialTest, KeysFoundByTheirBytesAfterAMissedGuessAreReadAsParseCaseReadsThem) {
  const KnowledgeBase& kb = test_support::SourceKnowledge();
  std::mt19937 random(11);
  std::function<ordered_json(const ordered_json&)> shuffled = [&](const ordered_json& v) -> ordered_json {
    if (v.is_array()) {
      ordered_json out = ordered_json::array();
      for (const auto& e : v) out.push_back(shuffled(e));
      return out;
    }
    if (!v.is_object()) return v;
    std::vector<std::string> keys;
    for (auto it = v.begin(); it != v.end(); ++it) keys.push_back(it.key());
    std::shuffle(keys.begin(), keys.end(), random);
    ordered_json out = ordered_json::object();
    for (const auto& k : keys) out[k] = shuffled(v.at(k));
    return out;
  };
  ReadCounts counts;
  int near = 0;
  for (int round = 0; round < 4; ++round) {
    for (const auto& c : DemoCases()) {
      const std::string text = shuffled(c).dump();
      CompareReaders(kb, text, counts, round == 0);
      if (HasFatalFailure()) return;
      // Each key of the text, one at a time, made a near miss.
      for (size_t at = text.find("\":"); at != std::string::npos; at = text.find("\":", at + 1)) {
        const size_t open = text.rfind('"', at - 1);
        const std::string name = text.substr(open + 1, at - open - 1);
        if (name.size() < 2) continue;
        const std::string before = text.substr(0, open), after = text.substr(at + 1);
        char hex[8];
        std::snprintf(hex, sizeof hex, "\\u%04x", static_cast<unsigned char>(name[0]));
        for (const std::string& key : {
                 name.substr(0, name.size() - 1), name + "x", name.substr(0, name.size() - 1) + "\x7e",
                 "z" + name.substr(1), name.substr(0, 1) + "\x7e" + name.substr(2), std::string(hex) + name.substr(1),
                 name + " ", name.substr(1)}) {
          ReadCounts miss;
          CompareReaders(kb, before + "\"" + key + "\"" + after, miss, false);
          if (HasFatalFailure()) return;
          ++near;
        }
        ReadCounts cut;
        CompareReaders(kb, before + "\"" + name, cut, false);  // the text ends after the name
        CompareReaders(kb, before + "\"" + name + "\"", cut, false);
        CompareReaders(kb, before + "x" + name + "\"" + after, cut, false);  // no opening quote
        CompareReaders(kb, before + "'" + name + "'" + after, cut, false);
        if (HasFatalFailure()) return;
        EXPECT_EQ(cut.read, 0);
      }
    }
  }
  EXPECT_EQ(counts.read, counts.compared);  // every shuffled demo case is read
  EXPECT_GT(near, 2000);
}

}  // namespace
}  // namespace zebra::clinical::case_validation_test
