// The clinical engine evaluates each model through one prepared evaluator per model and thread
// (clinical.cc, PreparedEvaluator): what one case, one knowledge base or one thread leaves in it
// must not reach another's answer.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "build_info.h"
#include "clinical/clinical.h"
#include "clinical/test_knowledge.h"
#include "common/file.h"
#include "dmn/model.h"

namespace zebra::clinical::decide_test {
namespace {

namespace fs = std::filesystem;
using test_support::SourceKnowledge;

std::vector<Json> ExampleCases() {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(ZEBRA_SOURCE_DIR) / "examples" / "cases"))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<Json> cases;
  for (const auto& f : files) {
    auto text = common::ReadFile(f);
    if (!text) ADD_FAILURE() << f;
    else cases.push_back(Json::parse(*text));
  }
  return cases;
}

std::string RuleOf(const Json& recommendation, const std::string& decision) {
  for (const auto& t : recommendation["trace"])
    if (t["decision"] == decision) return t["rule"].get<std::string>();
  return "";
}

// Cases evaluated one after another give each its own answer, whatever came before it.
TEST(Decide, AnAnswerDoesNotDependOnTheCasesBefore) {
  const KnowledgeBase& kb = SourceKnowledge();
  const std::vector<Json> cases = ExampleCases();
  ASSERT_GE(cases.size(), 3u);
  std::vector<Json> first;
  for (const Json& c : cases) first.push_back(Evaluate(kb, c));
  EXPECT_NE(first[0], first[1]);  // the cases differ, so a stale answer would show
  for (size_t i = cases.size(); i-- > 0;) EXPECT_EQ(Evaluate(kb, cases[i]), first[i]) << i;
}

// A knowledge base whose model differs (here a rule id renamed) is evaluated with its own model,
// also when another knowledge base with the same decisions was evaluated on this thread just
// before, and the other way round.
TEST(Decide, EachKnowledgeBaseIsEvaluatedWithItsOwnModels) {
  const KnowledgeBase& kb = SourceKnowledge();
  const fs::path file = fs::path(ZEBRA_SOURCE_DIR) / "knowledge" / "classification.dmn";
  auto xml = common::ReadFile(file);
  ASSERT_TRUE(xml);
  const std::string from = "<rule id=\"cat_net\">";
  const size_t at = xml->find(from);
  ASSERT_NE(at, std::string::npos);
  std::string changed = *xml;
  changed.replace(at, from.size(), "<rule id=\"cat_net_renamed\">");
  auto model = dmn::LoadModelFromString(changed, file.string());
  ASSERT_TRUE(model);
  KnowledgeBase copy = kb;
  size_t replaced = 0;
  for (KnowledgeModel& km : copy.models)
    if (km.file.find("classification") != std::string::npos) {
      km.model = *model;
      ++replaced;
    }
  ASSERT_EQ(replaced, 1u);
  const Json c = ExampleCases().front();
  ASSERT_EQ(RuleOf(Evaluate(kb, c), "Tumour Category"), "cat_net");
  EXPECT_EQ(RuleOf(Evaluate(copy, c), "Tumour Category"), "cat_net_renamed");
  EXPECT_EQ(RuleOf(Evaluate(kb, c), "Tumour Category"), "cat_net");
  EXPECT_EQ(RuleOf(Evaluate(copy, c), "Tumour Category"), "cat_net_renamed");
}

// Threads evaluating at once give the answers one thread gives.
TEST(Decide, ThreadsEvaluatingAtOnceGiveTheSameAnswers) {
  const KnowledgeBase& kb = SourceKnowledge();
  const std::vector<Json> cases = ExampleCases();
  std::vector<Json> expected;
  for (const Json& c : cases) expected.push_back(Evaluate(kb, c));
  constexpr size_t kThreads = 3, kRounds = 4;
  std::vector<std::vector<Json>> got(kThreads);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (size_t r = 0; r < kRounds; ++r)
        for (size_t i = 0; i < cases.size(); ++i) got[t].push_back(Evaluate(kb, cases[(i + t) % cases.size()]));
    });
  for (auto& th : threads) th.join();
  for (size_t t = 0; t < kThreads; ++t) {
    ASSERT_EQ(got[t].size(), kRounds * cases.size());
    for (size_t k = 0; k < got[t].size(); ++k)
      EXPECT_EQ(got[t][k], expected[(k % cases.size() + t) % cases.size()]) << t << " " << k;
  }
}

}  // namespace
}  // namespace zebra::clinical::decide_test
