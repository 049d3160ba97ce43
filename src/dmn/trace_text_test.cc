// TraceEntryText: a fired rule's trace entry as JSON text, made once per rule at load, against
// nlohmann's own dump of the entry's object (the bytes the answer's tree gives).
#include "dmn/trace_text.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dmn/model.h"
#include "dmn/test_util.h"

namespace zebra::dmn::trace_text_test {
namespace {

using internal::TraceEntryText;

// The entry as the recommendation's tree holds it, dumped compactly.
std::string Dump(std::string_view decision, std::string_view rule) {
  nlohmann::ordered_json j;
  j["decision"] = std::string(decision);
  j["rule"] = std::string(rule);
  j["hit"] = true;
  return j.dump();
}

TEST(TraceEntryText, IsTheEntrysDump) {
  const std::vector<std::string> names = {"",
                                          "t",
                                          "Tumour Category",
                                          "cat_net",
                                          "12",
                                          "say \"hi\"",
                                          "back\\slash",
                                          "tab\there",
                                          "line\nbreak\r\f\b",
                                          std::string("nul\0in", 6),
                                          "\x01\x1f\x7f",
                                          "Ki-67 \xE2\x89\xA5 20 %",
                                          "\xE6\x97\xA5\xE6\x9C\xAC",
                                          "emoji \xF0\x9F\x98\x80",
                                          std::string(70, 'x') + "\"" + std::string(40, 'y')};
  for (const auto& d : names)
    for (const auto& r : names) EXPECT_EQ(TraceEntryText(d, r), Dump(d, r)) << d << " / " << r;
}

// Invalid UTF-8 has no prepared text: the writer writes the members and fails as the tree does.
TEST(TraceEntryText, EmptyForInvalidUtf8) {
  for (const std::string bad : {"\xFF", "a\xC3", "\xED\xA0\x80", "\xC0\xAF", "ok \xF4\x90\x80\x80"}) {
    EXPECT_THROW(Dump(bad, "r"), nlohmann::json::type_error) << bad;
    EXPECT_EQ(TraceEntryText(bad, "r"), "") << bad;
    EXPECT_EQ(TraceEntryText("t", bad), "") << bad;
  }
}

// A fired rule's entry carries its text: the dump of its own decision and rule (the rule's id, or
// its index when it has none).
TEST(TraceEntryText, FiredRulesCarryTheirText) {
  auto m = test::Load(
      "<inputData id=\"i_x\" name=\"x\"><variable name=\"x\" typeRef=\"number\"/></inputData>" +
      test::Decision("Grade \xE2\x89\xA5 2", "<informationRequirement><requiredInput href=\"#i_x\"/></informationRequirement>",
                     "<decisionTable hitPolicy=\"COLLECT\"><input><inputExpression><text>x</text></inputExpression>"
                     "</input><output/>"
                     "<rule id=\"low\\&quot;q\"><inputEntry><text>&lt; 10</text></inputEntry><outputEntry><text>1"
                     "</text></outputEntry></rule>"
                     "<rule><inputEntry><text>-</text></inputEntry><outputEntry><text>2</text>"
                     "</outputEntry></rule></decisionTable>"));
  ASSERT_NE(m, nullptr);
  feel::Context in;
  in.Put("x", feel::Value::Number(5));
  const std::vector<std::string> names{"Grade \xE2\x89\xA5 2"};
  const EvaluationResult r = m->Evaluate(in, names);
  ASSERT_EQ(r.trace.size(), 2u);
  EXPECT_EQ(r.trace[0].rule, "low\\\"q");
  EXPECT_EQ(r.trace[1].rule, "2");
  for (const TraceEntry& e : r.trace) {
    EXPECT_EQ(e.decision, "Grade \xE2\x89\xA5 2");
    EXPECT_TRUE(e.hit);
    EXPECT_EQ(e.text, Dump(e.decision, e.rule));
  }
  EXPECT_EQ(r.trace[1].text, "{\"decision\":\"Grade \xE2\x89\xA5 2\",\"rule\":\"2\",\"hit\":true}");
}

}  // namespace
}  // namespace zebra::dmn::trace_text_test
