// The case as the models read it (`Case`): its objects are built on shapes compiled from the case
// schema (a subset of each object's family per set of fields present), which must change nothing
// a model can observe — absent fields stay absent, entries stay in byte order of their keys — and
// must give the recommendation the case gives with contexts that hold their own keys.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "build_info.h"
#include "clinical/clinical.h"
#include "clinical/test_knowledge.h"
#include "common/file.h"
#include "feel/value.h"
#include "json/json_values.h"

namespace zebra::clinical::case_value_test {
namespace {

namespace fs = std::filesystem;
using test_support::SourceKnowledge;

feel::Value CaseValueOf(const KnowledgeBase& kb, const Json& case_json, Json* recommendation = nullptr) {
  feel::Value v;
  EvaluateOptions options;
  options.case_value = &v;
  Json r = Evaluate(kb, case_json, options);
  if (recommendation) *recommendation = std::move(r);
  return v;
}

// The context's keys are the JSON object's, in byte order, and nothing else.
void ExpectKeysOf(const feel::Context& c, const Json& object, const std::string& where) {
  std::vector<std::string> expected;
  for (const auto& [k, v] : object.items()) expected.push_back(k);
  std::sort(expected.begin(), expected.end());
  std::vector<std::string> got;
  for (const auto& [k, v] : c.entries()) got.push_back(k);
  EXPECT_EQ(got, expected) << where;
}

const Json kCase = Json::parse(R"({
  "schema": "zebra.case/v1", "id": "case-value-test",
  "patient": {"ecog": 1, "age_years": 64},
  "tumor": {"primary_site": "jejunum_ileum", "morphology": "well_differentiated", "ki67_percent": 4,
            "metastases": {"liver": true, "extrahepatic": ["bone"]}},
  "history": {"setting": "progression",
              "prior_therapies": [{"option": "ssa.lanreotide", "response": "stable", "months": 18, "stopped": "progression"},
                                  {"option": "targeted.everolimus", "months": 3}]}
})");

TEST(CaseValueTest, ObjectsAreShapedWithAbsentFieldsAbsent) {
  const KnowledgeBase& kb = SourceKnowledge();
  ASSERT_NE(kb.case_shapes, nullptr);
  for (const auto& e : ValidateCaseJson(kCase, kb)) ADD_FAILURE() << "invalid case: " << e.path << ": " << e.message;
  const feel::Value v = CaseValueOf(kb, kCase);
  ASSERT_TRUE(v.is(feel::Type::kContext));
  EXPECT_TRUE(feel::DeepEqual(v, json::ValueFromJson(kCase)));
  const feel::Context& root = v.context();
  ASSERT_NE(root.shape(), nullptr);
  ExpectKeysOf(root, kCase, "$");
  const feel::Context& patient = root.Find("patient")->context();
  ASSERT_NE(patient.shape(), nullptr);
  ExpectKeysOf(patient, kCase["patient"], "patient");
  EXPECT_EQ(patient.Find("sex"), nullptr);  // absent, not null
  const feel::Context& tumor = root.Find("tumor")->context();
  ASSERT_NE(tumor.shape(), nullptr);
  ExpectKeysOf(tumor, kCase["tumor"], "tumor");
  ExpectKeysOf(tumor.Find("metastases")->context(), kCase["tumor"]["metastases"], "tumor.metastases");
  const feel::List& prior = root.Find("history")->context().Find("prior_therapies")->list();
  ASSERT_EQ(prior.size(), 2u);
  const feel::ContextShape* first = prior[0].context().shape();
  const feel::ContextShape* second = prior[1].context().shape();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  ExpectKeysOf(prior[1].context(), kCase["history"]["prior_therapies"][1], "prior_therapies[1]");
  // Other fields, other shapes; one family, so a path's cached position serves both.
  EXPECT_NE(first, second);
  EXPECT_EQ(first->cache_id(), second->cache_id());
  EXPECT_EQ(prior[1].context().Find("response"), nullptr);

  // Another case: the same objects with other fields share their families.
  Json other = kCase;
  other["patient"] = Json::parse(R"({"sex": "female"})");
  const feel::Value w = CaseValueOf(kb, other);
  const feel::Context& other_patient = w.context().Find("patient")->context();
  ASSERT_NE(other_patient.shape(), nullptr);
  EXPECT_NE(other_patient.shape(), patient.shape());
  EXPECT_EQ(other_patient.shape()->cache_id(), patient.shape()->cache_id());
  ExpectKeysOf(other_patient, other["patient"], "other patient");
  EXPECT_EQ(other_patient.Find("ecog"), nullptr);
}

// A field the schema does not know (a case evaluated without validation) keeps the object's own
// keys; the other objects are still shaped.
TEST(CaseValueTest, FieldOutsideTheSchemaKeepsItsObjectsOwnKeys) {
  const KnowledgeBase& kb = SourceKnowledge();
  Json odd = kCase;
  odd["tumor"]["zz_unknown"] = 7;
  odd["tumor"]["aa_unknown"] = Json::parse(R"({"x": 1})");
  const feel::Value v = CaseValueOf(kb, odd);
  EXPECT_TRUE(feel::DeepEqual(v, json::ValueFromJson(odd)));
  const feel::Context& tumor = v.context().Find("tumor")->context();
  EXPECT_EQ(tumor.shape(), nullptr);
  ExpectKeysOf(tumor, odd["tumor"], "tumor");
  EXPECT_NE(v.context().Find("patient")->context().shape(), nullptr);
}

// Every demo case and vignette: the same recommendation, and the same `Case` entry by entry and
// in the same order (its FEEL literal), with and without the shapes.
TEST(CaseValueTest, ShapesChangeNoRecommendation) {
  const KnowledgeBase& kb = SourceKnowledge();
  KnowledgeBase plain = kb;
  plain.case_shapes = nullptr;
  std::vector<Json> cases{kCase};
  const fs::path root(ZEBRA_SOURCE_DIR);
  for (const auto& e : fs::directory_iterator(root / "examples" / "cases"))
    if (e.path().extension() == ".json") cases.push_back(Json::parse(common::ReadFile(e.path()).value_or("")));
  for (const auto& e : fs::recursive_directory_iterator(root / "tests" / "vignettes"))
    if (e.is_regular_file() && e.path().extension() == ".json")
      cases.push_back(Json::parse(common::ReadFile(e.path()).value_or("")).at("case"));
  ASSERT_GE(cases.size(), 100u);
  std::set<const feel::ContextShape*> tumour_shapes;
  for (size_t i = 0; i < cases.size(); ++i) {
    Json shaped_answer, plain_answer;
    const feel::Value shaped = CaseValueOf(kb, cases[i], &shaped_answer);
    const feel::Value own_keys = CaseValueOf(plain, cases[i], &plain_answer);
    ASSERT_EQ(own_keys.context().shape(), nullptr) << i;
    EXPECT_EQ(feel::ToFeelLiteral(shaped), feel::ToFeelLiteral(own_keys)) << i;
    EXPECT_EQ(shaped_answer.dump(), plain_answer.dump()) << i;
    if (const feel::Value* t = shaped.context().Find("tumor"); t && t->is(feel::Type::kContext))
      tumour_shapes.insert(t->context().shape());
  }
  EXPECT_GT(tumour_shapes.size(), 10u);  // many sets of tumour fields: the subsets are exercised
  EXPECT_EQ(tumour_shapes.count(nullptr), 0u);
}

}  // namespace
}  // namespace zebra::clinical::case_value_test
