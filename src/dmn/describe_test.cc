// Model::Describe(): decisions, tables, rules and annotations as written in the XML.
#include <gtest/gtest.h>

#include "dmn/model.h"

namespace zebra::dmn::describe_test {
namespace {

constexpr const char* kModel = R"(<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" namespace="http://example.com/d" name="described" id="defs">
  <inputData id="i_x" name="x"><variable name="x"/></inputData>
  <decision id="d_table" name="Pick">
    <informationRequirement><requiredInput href="#i_x"/></informationRequirement>
    <decisionTable hitPolicy="COLLECT">
      <input id="in1"><inputExpression><text> x </text></inputExpression></input>
      <output id="o1" name="option"/>
      <annotation name="citation"/>
      <rule id="r_low">
        <inputEntry><text>&lt; 5</text></inputEntry>
        <outputEntry><text>"ssa.octreotide"</text></outputEntry>
        <annotationEntry><text> nccn, enets </text></annotationEntry>
      </rule>
      <rule>
        <inputEntry><text>-</text></inputEntry>
        <outputEntry><text>["a \"quoted\" b", "c"]</text></outputEntry>
        <annotationEntry><text/></annotationEntry>
      </rule>
    </decisionTable>
  </decision>
  <decision id="d_lit" name="Twice">
    <informationRequirement><requiredInput href="#i_x"/></informationRequirement>
    <literalExpression><text>x * 2</text></literalExpression>
  </decision>
  <decision id="d_ctx" name="Facts">
    <informationRequirement><requiredInput href="#i_x"/></informationRequirement>
    <context>
      <contextEntry><variable name="big"/><literalExpression><text>x &gt; 10</text></literalExpression></contextEntry>
      <contextEntry><literalExpression><text>big</text></literalExpression></contextEntry>
    </context>
  </decision>
</definitions>
)";

TEST(Describe, DecisionsTablesRulesAndAnnotationsAsWritten) {
  auto m = LoadModelFromString(kModel, "described.dmn");
  ASSERT_TRUE(m);
  const ModelDescription& d = (*m)->Describe();
  EXPECT_EQ(d.name, "described");
  EXPECT_EQ(d.namespace_uri, "http://example.com/d");
  EXPECT_EQ(d.file, "described.dmn");
  ASSERT_EQ(d.decisions.size(), 3u);

  const DecisionDescription& pick = d.decisions[0];
  EXPECT_EQ(pick.id, "d_table");
  EXPECT_EQ(pick.name, "Pick");
  EXPECT_FALSE(pick.literal_expression);
  ASSERT_EQ(pick.tables.size(), 1u);
  const DecisionTableDescription& t = pick.tables[0];
  EXPECT_EQ(t.hit_policy, "COLLECT");
  EXPECT_EQ(t.inputs, std::vector<std::string>{"x"});
  EXPECT_EQ(t.outputs, std::vector<std::string>{"option"});
  EXPECT_EQ(t.annotations, std::vector<std::string>{"citation"});
  ASSERT_EQ(t.rules.size(), 2u);
  EXPECT_EQ(t.rules[0].id, "r_low");
  EXPECT_EQ(t.rules[0].index, 1);
  EXPECT_EQ(t.rules[0].line, 10);
  EXPECT_EQ(t.rules[0].inputs, std::vector<std::string>{"< 5"});
  EXPECT_EQ(t.rules[0].outputs, std::vector<std::string>{"\"ssa.octreotide\""});
  EXPECT_EQ(t.rules[0].output_literals, std::vector<std::string>{"ssa.octreotide"});
  EXPECT_EQ(t.rules[0].annotations, std::vector<std::string>{"nccn, enets"});
  EXPECT_EQ(t.rules[1].id, "");
  EXPECT_EQ(t.rules[1].index, 2);
  EXPECT_EQ(t.rules[1].output_literals, (std::vector<std::string>{"a \"quoted\" b", "c"}));
  EXPECT_EQ(t.rules[1].annotations, std::vector<std::string>{""});

  EXPECT_EQ(d.decisions[1].literal_expression, std::optional<std::string>("x * 2"));
  EXPECT_TRUE(d.decisions[1].tables.empty());
  ASSERT_EQ(d.decisions[2].context.size(), 2u);
  EXPECT_EQ(d.decisions[2].context[0].variable, "big");
  EXPECT_EQ(d.decisions[2].context[0].text, "x > 10");
  EXPECT_EQ(d.decisions[2].context[1].variable, "");
  EXPECT_EQ(d.decisions[2].context[1].text, "big");
}

TEST(Describe, TableWithoutHitPolicyIsUnique) {
  auto m = LoadModelFromString(R"(<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" namespace="n" name="u">
  <decision id="d" name="D"><decisionTable><output id="o" name="v"/><rule id="r"><outputEntry><text>1</text></outputEntry></rule></decisionTable></decision>
</definitions>)");
  ASSERT_TRUE(m);
  ASSERT_EQ((*m)->Describe().decisions.at(0).tables.size(), 1u);
  EXPECT_EQ((*m)->Describe().decisions[0].tables[0].hit_policy, "UNIQUE");
  EXPECT_EQ((*m)->Describe().decisions[0].tables[0].rules.at(0).line, 2);
}

}  // namespace
}  // namespace zebra::dmn::describe_test
