// The output bytes of every demo case and vignette must be nlohmann's dump(2) + '\n' (the bytes
// stored evaluations were written with), although the fast writer now produces them.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "build_info.h"
#include "clinical/clinical.h"
#include "common/file.h"
#include "json/json_writer.h"

namespace zebra::clinical::serialize_test {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& p) { return common::ReadFile(p).value_or(""); }

// Cases from examples/cases (the demo cases) and the "case" member of each vignette.
std::vector<std::pair<std::string, Json>> Cases() {
  std::vector<std::pair<std::string, Json>> out;
  const fs::path root(ZEBRA_SOURCE_DIR);
  for (const auto& e : fs::directory_iterator(root / "examples" / "cases"))
    if (e.path().extension() == ".json") out.emplace_back(e.path().filename().string(), Json::parse(ReadFile(e.path())));
  for (const auto& e : fs::recursive_directory_iterator(root / "tests" / "vignettes"))
    if (e.is_regular_file() && e.path().extension() == ".json")
      out.emplace_back(e.path().filename().string(), Json::parse(ReadFile(e.path())).at("case"));
  return out;
}

TEST(SerializeTest, EveryDemoOutputIsNlohmannsDump) {
  auto kb = LoadKnowledgeBase(fs::path(ZEBRA_SOURCE_DIR) / "knowledge");
  ASSERT_TRUE(kb.has_value());
  auto cases = Cases();
  ASSERT_GE(cases.size(), 100u);
  std::string compact;
  for (const auto& [name, c] : cases) {
    const Json r = Evaluate(**kb, c);
    ASSERT_TRUE(r.contains("options")) << name;
    EXPECT_EQ(SerializeRecommendation(r), r.dump(2) + "\n") << name;
    compact.clear();
    json::AppendJson(compact, r);
    EXPECT_EQ(compact, r.dump()) << name;
    // The case itself too (inputs carry numbers, free text and nested objects).
    EXPECT_EQ(json::DumpJson(c, 2), c.dump(2)) << name;
  }
}

TEST(SerializeTest, PrettyLayoutEndsWithNewline) {
  Json r = Json::object({{"schema", "zebra.recommendation/v1"}, {"options", Json::array()}, {"n", 1.5}});
  EXPECT_EQ(SerializeRecommendation(r), "{\n  \"schema\": \"zebra.recommendation/v1\",\n  \"options\": [],\n  \"n\": 1.5\n}\n");
}

}  // namespace
}  // namespace zebra::clinical::serialize_test
