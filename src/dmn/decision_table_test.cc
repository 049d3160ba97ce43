// The decision-table rule index (issue #3) must give exactly the rules that testing every cell
// gives. Each expectation here is computed independently: cell by cell with feel's own unary
// tests, or written out by hand.
#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <map>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/sanitizers.h"
#include "dmn/model.h"
#include "feel/feel.h"

namespace zebra::dmn::decision_table_test {
namespace {

using feel::Value;

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else out += c;
  }
  return out;
}

// The model, inputs A, B, C and decision R up to the opening <decisionTable> of `policy`.
std::string TableHead(const std::string& policy) {
  return R"(<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" namespace="http://example.com/t" name="t" id="t">
  <inputData id="i_A" name="A"><variable name="A"/></inputData>
  <inputData id="i_B" name="B"><variable name="B"/></inputData>
  <inputData id="i_C" name="C"><variable name="C"/></inputData>
  <decision id="d" name="R"><variable name="R"/>
    <informationRequirement><requiredInput href="#i_A"/></informationRequirement>
    <informationRequirement><requiredInput href="#i_B"/></informationRequirement>
    <informationRequirement><requiredInput href="#i_C"/></informationRequirement>
    <decisionTable hitPolicy=")" + policy + R"(">
)";
}

// A COLLECT (or other policy) table over inputs A, B, C whose rule i outputs i (1-based).
std::string Table(const std::vector<std::vector<std::string>>& rules, const std::string& policy = "COLLECT") {
  std::string xml = TableHead(policy) + R"(      <input><inputExpression><text>A</text></inputExpression></input>
      <input><inputExpression><text>B</text></inputExpression></input>
      <input><inputExpression><text>C</text></inputExpression></input>
      <output name="R"/>
)";
  for (size_t i = 0; i < rules.size(); ++i) {
    xml += "<rule>";
    for (const auto& cell : rules[i]) xml += "<inputEntry><text>" + Escape(cell) + "</text></inputEntry>";
    xml += "<outputEntry><text>" + std::to_string(i + 1) + "</text></outputEntry></rule>\n";
  }
  xml += "</decisionTable></decision></definitions>\n";
  return xml;
}

// The rules (1-based) whose cells all accept inputs A, B, C, each cell tried alone by the FEEL
// unary test; each cell text is compiled once (the tests stay fast under the sanitizers).
class PerRuleReference {
 public:
  PerRuleReference() {
    scope_.Declare("A");
    scope_.Declare("B");
    scope_.Declare("C");
  }
  std::vector<int64_t> operator()(const std::vector<std::vector<std::string>>& rules, const std::vector<Value>& in) {
    std::vector<int64_t> out;
    for (size_t i = 0; i < rules.size(); ++i) {
      bool ok = true;
      for (size_t c = 0; c < 3 && ok; ++c) {
        if (rules[i][c] == "-") continue;
        auto it = compiled_.find(rules[i][c]);
        if (it == compiled_.end()) {
          auto t = feel::CompileUnaryTests(rules[i][c], scope_);
          EXPECT_TRUE(t.has_value()) << rules[i][c];
          if (!t) return out;
          it = compiled_.emplace(rules[i][c], std::move(*t)).first;
        }
        feel::EvalContext ctx;
        ok = it->second.Test(in[c], in, ctx).is_true();
      }
      if (ok) out.push_back(static_cast<int64_t>(i + 1));
    }
    return out;
  }

 private:
  feel::Scope scope_;
  std::map<std::string, feel::CompiledUnaryTests> compiled_;
};

feel::Context Inputs(const Value& a, const Value& b, const Value& c) {
  feel::Context in;
  in.Put("A", a);
  in.Put("B", b);
  in.Put("C", c);
  return in;
}

Value Decide(const Model& m, const feel::Context& in) {
  std::vector<std::string> names{"R"};
  auto r = m.Evaluate(in, names);
  return r.decisions.front().value;
}

std::vector<int64_t> Numbers(const Value& v) {
  std::vector<int64_t> out;
  if (!v.is(feel::Type::kList)) return out;
  for (const Value& e : v.list()) out.push_back(e.is(feel::Type::kNumber) ? *e.number().ToInt64() : -1);
  return out;
}

// The rules whose every cell passes, testing each cell with feel directly (no index).
std::vector<int64_t> Reference(const std::vector<std::vector<std::string>>& rules, const std::vector<Value>& in) {
  feel::Scope scope;
  scope.Declare("A");
  scope.Declare("B");
  scope.Declare("C");
  std::vector<int64_t> out;
  for (size_t i = 0; i < rules.size(); ++i) {
    bool ok = true;
    for (size_t c = 0; c < 3 && ok; ++c) {
      if (rules[i][c] == "-") continue;
      auto t = feel::CompileUnaryTests(rules[i][c], scope);
      EXPECT_TRUE(t.has_value()) << rules[i][c];
      feel::EvalContext ctx;
      ok = t && t->Test(in[c], in, ctx).is_true();
    }
    if (ok) out.push_back(static_cast<int64_t>(i + 1));
  }
  return out;
}

TEST(DecisionTableIndex, NonIndexableCellIsNotDropped) {
  // Rule 2's first cell is an expression of another input: the index cannot judge it, so it
  // must be tested for every candidate.
  std::vector<std::vector<std::string>> rules = {
      {"\"x\"", "-", "-"},
      {"> B", "\"k\"", "-"},
      {"list contains(?, 3)", "-", "-"},
      {"[1..5]", "-", "true"},
  };
  auto m = LoadModelFromString(Table(rules), "t.dmn");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(Numbers(Decide(**m, Inputs(Value::Number(7), Value::String("k"), Value()))), std::vector<int64_t>{});
  EXPECT_EQ(Numbers(Decide(**m, Inputs(Value::Number(7), Value::Number(2), Value()))), std::vector<int64_t>{});
  EXPECT_EQ(Numbers(Decide(**m, Inputs(Value::String("y"), Value::String("k"), Value()))), std::vector<int64_t>{2});
  EXPECT_EQ(Numbers(Decide(**m, Inputs(Value::FromList(feel::List{Value::Number(3)}), Value(), Value()))),
            std::vector<int64_t>{3});
  EXPECT_EQ(Numbers(Decide(**m, Inputs(Value::Number(5), Value(), Value::Bool(true)))), std::vector<int64_t>{4});
  EXPECT_EQ(Numbers(Decide(**m, Inputs(Value::Number(5), Value(), Value::Bool(false)))), std::vector<int64_t>{});
}

TEST(DecisionTableIndex, NullAndMissingInputs) {
  std::vector<std::vector<std::string>> rules = {
      {"\"a\"", "-", "-"},      {"-", "< 10", "-"},         {"-", "-", "true"}, {"-", "-", "false"},
      {"not(\"a\")", "-", "-"}, {"null", "-", "-"},         {"-", "[0..1]", "-"},
  };
  auto m = LoadModelFromString(Table(rules), "t.dmn");
  ASSERT_TRUE(m.has_value());
  // Nothing given: only the rules that accept null.
  EXPECT_EQ(Numbers(Decide(**m, feel::Context{})), (std::vector<int64_t>{5, 6}));
  EXPECT_EQ(Numbers(Decide(**m, Inputs(Value::String("a"), Value::Number(0), Value::Bool(false)))),
            (std::vector<int64_t>{1, 2, 4, 7}));
  // A string input against numeric cells: tested one by one (not a match, not dropped silently).
  EXPECT_EQ(Numbers(Decide(**m, Inputs(Value(), Value::String("5"), Value()))), (std::vector<int64_t>{5, 6}));
}

TEST(DecisionTableIndex, HitPolicyOrderAcrossWords) {
  // 150 rules (three 64-bit words); rules 3, 70 and 140 match "m"; 71 is numeric.
  std::vector<std::vector<std::string>> rules(150, {"\"z\"", "-", "-"});
  rules[2] = {"\"m\"", "-", "-"};
  rules[69] = {"\"q\", \"m\"", "-", "-"};
  rules[70] = {"-", ">= 4", "-"};
  rules[139] = {"\"m\"", "-", "-"};
  auto in = Inputs(Value::String("m"), Value::Number(4), Value());
  auto collect = LoadModelFromString(Table(rules, "COLLECT"), "t.dmn");
  ASSERT_TRUE(collect.has_value());
  EXPECT_EQ(Numbers(Decide(**collect, in)), (std::vector<int64_t>{3, 70, 71, 140}));
  auto first = LoadModelFromString(Table(rules, "FIRST"), "t.dmn");
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(feel::DeepEqual(Decide(**first, in), Value::Number(3)));
  auto rule_order = LoadModelFromString(Table(rules, "RULE ORDER"), "t.dmn");
  ASSERT_TRUE(rule_order.has_value());
  EXPECT_EQ(Numbers(Decide(**rule_order, in)), (std::vector<int64_t>{3, 70, 71, 140}));
  auto sum = LoadModelFromString(Table(rules, "C+"), "t.dmn");
  ASSERT_TRUE(sum.has_value());
  EXPECT_TRUE(feel::DeepEqual(Decide(**sum, in), Value::Number(3 + 70 + 71 + 140)));
}

TEST(DecisionTableIndex, PriorityUsesOutputValuesNotRuleOrder) {
  std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" namespace="http://example.com/p" name="p" id="p">
  <inputData id="i_A" name="A"><variable name="A"/></inputData>
  <decision id="d" name="R"><variable name="R"/>
    <informationRequirement><requiredInput href="#i_A"/></informationRequirement>
    <decisionTable hitPolicy="PRIORITY">
      <input><inputExpression><text>A</text></inputExpression></input>
      <output name="R"><outputValues><text>"high", "mid", "low"</text></outputValues></output>
      <rule><inputEntry><text>"a", "b"</text></inputEntry><outputEntry><text>"low"</text></outputEntry></rule>
      <rule><inputEntry><text>&gt;= "a"</text></inputEntry><outputEntry><text>"mid"</text></outputEntry></rule>
      <rule><inputEntry><text>"b"</text></inputEntry><outputEntry><text>"high"</text></outputEntry></rule>
    </decisionTable></decision></definitions>)";
  auto m = LoadModelFromString(xml, "p.dmn");
  ASSERT_TRUE(m.has_value());
  feel::Context a, b;
  a.Put("A", Value::String("a"));
  b.Put("A", Value::String("b"));
  EXPECT_TRUE(feel::DeepEqual(Decide(**m, a), Value::String("mid")));
  EXPECT_TRUE(feel::DeepEqual(Decide(**m, b), Value::String("high")));
}

// Random tables of every cell kind, random inputs of every type: the table's answer equals
// testing each cell with feel.
TEST(DecisionTableIndex, AgreesWithCellByCellTesting) {
  const std::vector<std::string> cells = {
      "-", "-", "-", "\"a\"", "\"b\"", "\"a\", \"c\"", "true", "false", "1", "< 3", "<= 3", "> 2", ">= 5",
      "[1..4]", "(1..4)", "[2..2]", "[0..10)", "(-1..2]", "null", "not(\"a\")", "\"a\", 2", "\"b\", true",
      "[1..3], [5..7]", "= \"b\"", "!= \"a\"", "< \"b\"", "date(\"2020-01-01\")", "3.50", "< 2.5"};
  const std::vector<Value> values = {Value(),
                                     Value::String("a"),
                                     Value::String("b"),
                                     Value::String("c"),
                                     Value::Bool(true),
                                     Value::Bool(false),
                                     Value::Number(0),
                                     Value::Number(1),
                                     Value::Number(2),
                                     Value::Number(3),
                                     Value::Number(4),
                                     Value::Number(5),
                                     Value::Number(*feel::Decimal::FromString("3.5")),
                                     Value::Number(*feel::Decimal::FromString("2.5")),
                                     Value::Number(10),
                                     Value::FromDate(feel::Date{18262})};
  std::mt19937 rng(7);
  for (int round = 0; round < 12; ++round) {
    size_t n = round < 6 ? 12 : 90;
    std::vector<std::vector<std::string>> rules(n);
    for (auto& r : rules)
      for (int c = 0; c < 3; ++c) r.push_back(cells[rng() % cells.size()]);
    auto m = LoadModelFromString(Table(rules), "t.dmn");
    ASSERT_TRUE(m.has_value());
    for (int k = 0; k < 60; ++k) {
      std::vector<Value> in = {values[rng() % values.size()], values[rng() % values.size()],
                               values[rng() % values.size()]};
      Value got = Decide(**m, Inputs(in[0], in[1], in[2]));
      EXPECT_EQ(Numbers(got), Reference(rules, in)) << "round " << round << " input " << feel::ToFeelLiteral(in[0])
                                                    << ", " << feel::ToFeelLiteral(in[1]) << ", "
                                                    << feel::ToFeelLiteral(in[2]);
    }
  }
}

// Tables whose cells are all tests over literals are compiled to per-column classes with one
// rule mask each (issue 21). Numbers between, at and around the literals (negative, with more
// decimals than any literal, huge, tiny), strings in and out of the literals, and values of
// other types: the table's answer equals testing each cell with feel.
TEST(DecisionTableClasses, AgreeWithCellByCellTesting) {
  const std::vector<std::string> cells = {
      "-", "-", "\"a\"", "\"b\"", "\"a\", \"c\"", "true", "false", "1", "< 3", "<= -3", "> 2.25", ">= 5",
      "[1..4]", "(-1.5..4)", "[2..2]", "[0..10)", "(-1..2]", "null", "not(\"a\")", "\"a\", 2", "\"b\", true",
      "[1..3], [5..7]", "= \"b\"", "!= \"a\"", "3.50", "< 2.5", "not(< 0, \"c\")", "not(null)", "= 4", "!= 1",
      "[0.001..0.002]", "> 99999999999999999999", "< -3", "= -3", "[-3..-1.5)"};
  std::vector<Value> values = {Value(), Value::String("a"), Value::String("b"), Value::String("c"),
                               Value::String(""), Value::Bool(true), Value::Bool(false),
                               Value::FromDate(feel::Date{18262}), Value::FromList(feel::List{Value::Number(2)})};
  for (const char* n : {"0", "1", "2", "3", "4", "5", "7", "10", "-1", "-1.5", "-1.25", "-3", "-3.0001", "-2.9999", "-1.5001", "2.25",
                        "2.2500", "2.26", "2.24", "3.5", "2.5", "0.0015", "0.001", "0.002", "1E-40", "-1E-40",
                        "99999999999999999999", "100000000000000000000", "1E+30", "-1E+30",
                        "1.000000000000000000000000000000001"})
    values.push_back(Value::Number(*feel::Decimal::FromString(n)));
  // Without comparisons and ranges, which report errors for values of other types (those
  // classes then take the per-rule path), so that booleans, strings and null use the masks too.
  const std::vector<std::string> equalities = {
      "-", "-", "\"a\"", "\"b\"", "\"a\", \"c\"", "true", "false", "1", "null", "not(\"a\")", "\"a\", 2",
      "\"b\", true", "= \"b\"", "!= \"a\"", "3.50", "not(null)", "= 4", "!= 1", "not(true)", "\"\""};
  // Reference() with each cell text compiled once (the test stays fast under the sanitizers).
  PerRuleReference reference;
  std::mt19937 rng(21);
  for (int round = 0; round < 16; ++round) {
    size_t n = round % 8 < 4 ? 10 : 70;
    const auto& pool = round < 8 ? cells : equalities;
    std::vector<std::vector<std::string>> rules(n);
    for (auto& r : rules)
      for (int c = 0; c < 3; ++c) r.push_back(pool[rng() % pool.size()]);
    auto m = LoadModelFromString(Table(rules), "t.dmn");
    ASSERT_TRUE(m.has_value());
    for (int k = 0; k < 120; ++k) {
      std::vector<Value> in = {values[rng() % values.size()], values[rng() % values.size()],
                               values[rng() % values.size()]};
      Value got = Decide(**m, Inputs(in[0], in[1], in[2]));
      EXPECT_EQ(Numbers(got), reference(rules, in)) << "round " << round << " input " << feel::ToFeelLiteral(in[0])
                                                    << ", " << feel::ToFeelLiteral(in[1]) << ", "
                                                    << feel::ToFeelLiteral(in[2]);
    }
  }
}

// Tables of at most 64 rules whose inputs are plain names take a fast path (one pass over the
// slots, FIRST and COLLECT answered straight from the class mask). The same rules followed by
// enough rules that never match to need a second mask word take the general class path, and
// every hit policy must answer the same there, value and diagnostics, for strings around long
// and many literals (the literal hash), numbers around the 64-bit key limits, nulls and values of
// other types; COLLECT is also held against testing each cell with feel.
TEST(DecisionTableClasses, FastPathAgreesWithGeneralPath) {
  const std::vector<std::string> cells = {
      "-", "-", "\"a\"", "\"abcdefgh\"", "\"abcdefghi\"", "\"alpha-beta-gamma-delta\"", "\"G1\", \"G2\", \"G3\", \"GX\"",
      "\"s1\",\"s2\",\"s3\",\"s4\",\"s5\",\"s6\",\"s7\",\"s8\",\"s9\",\"s10\",\"s11\",\"s12\"", "not(\"abcdefgh\")",
      "true", "false", "null", "not(null)", "1", "< 3", "[1..4]", "> 2.25", "(-1.5..4)", "<= -3", "< 0.000000000000000001",
      ">= 0.000000000000000002", "[123456.5..1152921504606846976]", "> 18446744073709551615", "= 4", "!= 1"};
  std::vector<Value> values = {Value(), Value::Bool(true), Value::Bool(false), Value::FromDate(feel::Date{18262}),
                               Value::FromList(feel::List{Value::Number(2)})};
  for (const char* s : {"a", "", "abcdefgh", "abcdefgH", "abcdefghi", "abcdefghj", "alpha-beta-gamma-delta",
                        "alpha-beta-gamma-delte", "G1", "GX", "G4", "s1", "s12", "s13", "s", "zz"})
    values.push_back(Value::String(s));
  for (const char* n : {"0", "1", "2", "3", "4", "-3", "-1.5", "2.25", "2.250", "0.000000000000000001", "1E-18", "1E-19",
                        "0.0000000000000000015", "0.000000000000000002", "123456.5", "123456.49999999999999",
                        "1152921504606846975", "1152921504606846976", "1152921504606846977", "18446744073709551615",
                        "18446744073709551616", "-18446744073709551616", "1E+18", "1E+19", "-1E+19", "1E+40",
                        "12345678901234567890.5", "-0.0000000000000000005"})
    values.push_back(Value::Number(*feel::Decimal::FromString(n)));
  auto answer = [](const Model& m, const feel::Context& in) {
    std::vector<std::string> names{"R"};
    auto r = m.Evaluate(in, names);
    std::string text = feel::ToFeelLiteral(r.decisions.front().value);
    for (const auto& d : r.decisions.front().diagnostics) text += " | " + d.message;
    return text;
  };
  std::mt19937 rng(2121);
  for (const char* policy : {"COLLECT", "FIRST", "UNIQUE", "ANY", "RULE ORDER", "C+", "C#", "C&lt;", "C&gt;"}) {
    for (int round = 0; round < 4; ++round) {
      std::vector<std::vector<std::string>> rules(round < 2 ? 8 : 40);
      for (auto& r : rules)
        for (int c = 0; c < 3; ++c) r.push_back(cells[rng() % cells.size()]);
      std::vector<std::vector<std::string>> padded = rules;
      while (padded.size() <= 64) padded.push_back({"\"never-given\"", "-", "-"});
      auto fast = LoadModelFromString(Table(rules, policy), "t.dmn");
      auto general = LoadModelFromString(Table(padded, policy), "t.dmn");
      ASSERT_TRUE(fast.has_value() && general.has_value());
      for (int k = 0; k < 150; ++k) {
        std::vector<Value> in = {values[rng() % values.size()], values[rng() % values.size()],
                                 values[rng() % values.size()]};
        const feel::Context ctx = Inputs(in[0], in[1], in[2]);
        const std::string got = answer(**fast, ctx);
        EXPECT_EQ(got, answer(**general, ctx)) << policy << " round " << round << " input " << feel::ToFeelLiteral(in[0])
                                               << ", " << feel::ToFeelLiteral(in[1]) << ", " << feel::ToFeelLiteral(in[2]);
        if (std::string(policy) == "COLLECT" && got.find(" | ") == std::string::npos) {
          EXPECT_EQ(Numbers(Decide(**fast, ctx)), Reference(rules, in)) << got;
        }
      }
    }
  }
}

// The one-pass COLLECT reuses the list of an earlier result once no one holds it: results kept
// (all of them, or every other one, so that freed and held lists interleave) must keep their
// elements while later cases are evaluated.
TEST(DecisionTableClasses, CollectResultsKeptAcrossCases) {
  const std::vector<std::vector<std::string>> rules = {
      {"< 3", "-", "-"}, {">= 2", "-", "-"}, {"-", "\"a\"", "-"}, {"-", "-", "true"}, {"[1..4]", "\"b\"", "-"}, {"-", "-", "-"}};
  auto model = LoadModelFromString(Table(rules, "COLLECT"), "t.dmn");
  ASSERT_TRUE(model.has_value());
  std::mt19937 rng(4);
  std::vector<std::pair<Value, std::string>> kept;  // a result and its text when it was made
  for (int k = 0; k < 400; ++k) {
    const std::vector<Value> in = {Value::Number(static_cast<int64_t>(rng() % 6)), Value::String(rng() % 2 ? "a" : "b"),
                                   Value::Bool(rng() % 2 == 0)};
    auto r = (*model)->Evaluate(Inputs(in[0], in[1], in[2]), std::vector<std::string>{"R"});
    Value v = r.decisions.front().value;
    ASSERT_TRUE(v.is(feel::Type::kList));
    EXPECT_EQ(Numbers(v), Reference(rules, in));
    if (k % 2 == 0 || k < 100) kept.emplace_back(v, feel::ToFeelLiteral(v));
  }
  for (const auto& [v, text] : kept) EXPECT_EQ(feel::ToFeelLiteral(v), text);
}

// String classes are found through a hash of the literals: every literal of a column with many
// (lengths 1 to 30), and strings that differ from one in a single byte at any position, or are
// one byte shorter or longer, must give the rules that testing each cell with feel gives.
TEST(DecisionTableClasses, ManyStringLiteralsAndNearMisses) {
  std::mt19937 rng(77);
  std::vector<std::string> literals;
  while (literals.size() < 60) {
    std::string t(1 + rng() % 30, 'a');
    for (char& c : t) c = "abAB-_ 01"[rng() % 9];
    if (std::find(literals.begin(), literals.end(), t) == literals.end()) literals.push_back(t);
  }
  auto quoted = [](const std::string& t) { return "\"" + t + "\""; };
  std::vector<std::vector<std::string>> rules;
  for (int i = 0; i < 60; ++i) {
    std::string cell = quoted(literals[rng() % 60]);
    for (int k = 0; k < 2; ++k) cell += ", " + quoted(literals[rng() % 60]);
    if (i % 7 == 0) cell = "not(" + cell + ")";
    rules.push_back({cell, i % 5 == 0 ? quoted(literals[rng() % 60]) : "-", "-"});
  }
  auto m = LoadModelFromString(Table(rules), "t.dmn");
  ASSERT_TRUE(m.has_value());
  feel::Scope scope;
  scope.Declare("A");
  scope.Declare("B");
  scope.Declare("C");
  std::vector<std::vector<std::optional<feel::CompiledUnaryTests>>> compiled(rules.size());
  for (size_t i = 0; i < rules.size(); ++i)
    for (const auto& cell : rules[i]) {
      if (cell == "-") compiled[i].emplace_back();
      else compiled[i].push_back(*feel::CompileUnaryTests(cell, scope));
    }
  std::vector<std::string> strings = literals;
  for (const std::string& t : literals) {
    for (size_t at = 0; at < t.size(); ++at) {
      std::string u = t;
      u[at] = u[at] == 'a' ? 'b' : 'a';
      strings.push_back(u);
    }
    strings.push_back(t + "a");
    strings.push_back(t.substr(0, t.size() - 1));
  }
  for (const std::string& a : strings) {
    const std::vector<Value> in = {Value::String(a), Value::String(literals[rng() % 60]), Value()};
    std::vector<int64_t> expected;
    for (size_t i = 0; i < rules.size(); ++i) {
      bool ok = true;
      for (size_t c = 0; c < 3 && ok; ++c) {
        if (!compiled[i][c]) continue;
        feel::EvalContext ctx;
        ok = compiled[i][c]->Test(in[c], in, ctx).is_true();
      }
      if (ok) expected.push_back(static_cast<int64_t>(i + 1));
    }
    EXPECT_EQ(Numbers(Decide(**m, Inputs(in[0], in[1], in[2]))), expected) << "A = \"" << a << "\"";
  }
}

// A value whose class made a test report an error (a string against "< 3") takes the per-rule
// path: the rule does not match and the error is reported, as without classes.
TEST(DecisionTableClasses, TypeErrorsStillReported) {
  std::vector<std::vector<std::string>> rules = {{"< 3", "-", "-"}, {"\"x\"", "-", "-"}, {"-", "-", "-"}};
  auto m = LoadModelFromString(Table(rules), "t.dmn");
  ASSERT_TRUE(m.has_value());
  std::vector<std::string> names{"R"};
  auto r = (*m)->Evaluate(Inputs(Value::String("x"), Value(), Value()), names);
  EXPECT_EQ(Numbers(r.decisions.front().value), (std::vector<int64_t>{2, 3}));
  ASSERT_EQ(r.decisions.front().diagnostics.size(), 1u);
  EXPECT_NE(r.decisions.front().diagnostics.front().message.find("cannot compare"), std::string::npos);
  auto ok = (*m)->Evaluate(Inputs(Value::Number(2), Value(), Value()), names);
  EXPECT_EQ(Numbers(ok.decisions.front().value), (std::vector<int64_t>{1, 3}));
  EXPECT_TRUE(ok.decisions.front().diagnostics.empty());
}

// A table over inputs A, B, C with the given policy, rules named r1, r2, ... COLLECT rules
// output their numbers; the other policies a few outputs among the output values 3, 1, 4, 0
// (a rule's 2 is reported as not among them), so that PRIORITY, OUTPUT ORDER and ANY have
// something to order and compare. `c_values`: inputValues of C, when not empty. `form`: the input
// expressions are the names (read from a slot), computed (`if true then A else null`), or paths
// into the inputs (`A.v`, `B.u.v`, `C.v`; the inputs then hold contexts, see Wrap).
// kOneRoot: the paths `A.a`, `A.b`, `A.c`, all from one input (see HoldAll).
// kMixed: `A` (a slot), `B.u.v` and `C.v` (paths of two steps and one); kMixedComputed: the same
// with A computed.
enum class InputForm { kNames, kComputed, kPaths, kOneRoot, kOneRootTwoSteps, kMixed, kMixedComputed };
std::string PolicyTable(const std::vector<std::vector<std::string>>& rules, const std::string& policy,
                        const std::string& c_values = "", InputForm form = InputForm::kNames) {
  auto in = [form](const char* name) {
    if (form == InputForm::kComputed || (form == InputForm::kMixedComputed && std::string(name) == "A"))
      return "if true then " + std::string(name) + " else null";
    if (form == InputForm::kPaths ||
        ((form == InputForm::kMixed || form == InputForm::kMixedComputed) && std::string(name) != "A"))
      return std::string(name) + (std::string(name) == "B" ? ".u.v" : ".v");
    if (form == InputForm::kOneRoot) return "A." + std::string(1, static_cast<char>(std::tolower(name[0])));
    if (form == InputForm::kOneRootTwoSteps) return "A.t." + std::string(1, static_cast<char>(std::tolower(name[0])));
    return std::string(name);
  };
  std::string xml = TableHead(policy) + "      <input><inputExpression><text>" + in("A") +
                    "</text></inputExpression></input>\n      <input><inputExpression><text>" + in("B") +
                    "</text></inputExpression></input>\n      <input><inputExpression><text>" + in("C") +
                    "</text></inputExpression>" +
                    (c_values.empty() ? "" : "<inputValues><text>" + Escape(c_values) + "</text></inputValues>") +
                    R"(</input>
      <output name="R">)" + std::string(policy == "COLLECT" ? "" : "<outputValues><text>3, 1, 4, 0</text></outputValues>") +
                    R"(</output>
)";
  for (size_t i = 0; i < rules.size(); ++i) {
    xml += "<rule id=\"r" + std::to_string(i + 1) + "\">";
    for (const auto& cell : rules[i]) xml += "<inputEntry><text>" + Escape(cell) + "</text></inputEntry>";
    const std::string out = policy == "COLLECT" ? std::to_string(i + 1) : std::to_string(i % 5);
    xml += "<outputEntry><text>" + out + "</text></outputEntry></rule>\n";
  }
  xml += "</decisionTable></decision></definitions>\n";
  return xml;
}

// Value, diagnostics and rule trace of decision R, as one text.
std::string Answer(const Model& m, const feel::Context& in) {
  std::vector<std::string> names{"R"};
  auto r = m.Evaluate(in, names);
  std::string text = feel::ToFeelLiteral(r.decisions.front().value);
  for (const auto& d : r.decisions.front().diagnostics) text += " | " + d.message;
  text += " | trace";
  for (const auto& t : r.trace)
    text += " " + std::string(t.decision) + ":" + std::string(t.rule) + "/" + std::to_string(t.rule_index);
  return text;
}

// Random tables of the given cells, of 6 to 140 rules, with every hit policy, answered for
// random inputs, against the same table pushed onto the per-rule path: value, diagnostics and
// rule trace must be the same. The per-rule table has 40 more rules, each with a test of its
// own that the masks cannot take (a table with one keeps the per-rule path) and a B entry that
// no input matches, so they never match and are never tested. COLLECT answers are also
// held against testing each cell with feel when there is no diagnostic. Returns the number of
// such COLLECT answers.
// `x` under the key `key` of the kind `kind` chooses, for path inputs: a context of one shape, of
// another shape (the key at another position), built key by key (no shape), of a shape without
// the key (the path reads null), `x` itself (a path on null is null; on a string, number, date
// or list FEEL answers as it does), or a list of one such context (the path maps over it).
// Sets `known` to false when the path's value is not simply `x` or null (answer in `read`).
// Kinds 6 and 7 wrap each item of a list `x` instead (see below).
Value Wrap(const Value& x, const std::string& key, unsigned kind, bool& known, Value& read) {
  const std::string keys_one[] = {key};
  const std::string keys_two[] = {"w", key};
  const std::string keys_other[] = {"w"};
  if (kind % 8 >= 6 && x.is(feel::Type::kList)) {
    // A list of contexts, one per item of `x` (`Options.id`: a membership column reads the
    // entries), of the kinds 0 to 3 in turn from kind / 8; kind 7 adds an item that is not a
    // context (null, a number) or a context of a shape holding the key as the last item.
    feel::List items, entries;
    unsigned k = kind / 8;
    for (const Value& e : x.list()) {
      Value entry;
      items.push_back(Wrap(e, key, k % 4, known, entry));
      entries.push_back(entry);
      k /= 4;
    }
    if (kind % 8 == 7) {
      switch (k % 3) {
        case 0: items.push_back(Value()); break;
        case 1: items.push_back(Value::Number(1)); break;
        default: items.push_back(Wrap(Value::String("x"), key, 1, known, read)); entries.push_back(read); break;
      }
      known = known && k % 3 == 2;
    }
    read = Value::FromList(std::move(entries));
    return Value::FromList(std::move(items));
  }
  switch (kind % 6) {
    case 0: {
      feel::Context c(feel::ContextShape::Intern(keys_one));
      c.AppendValue(x);
      read = x;
      return Value::FromContext(std::move(c));
    }
    case 1: {
      feel::Context c(feel::ContextShape::Intern(keys_two));
      c.AppendValue(Value::Number(1));
      c.AppendValue(x);
      read = x;
      return Value::FromContext(std::move(c));
    }
    case 2: {
      feel::Context c;
      c.Put(key, x);
      read = x;
      return Value::FromContext(std::move(c));
    }
    case 3: {
      feel::Context c(feel::ContextShape::Intern(keys_other));
      c.AppendValue(x);
      read = Value();
      return Value::FromContext(std::move(c));
    }
    case 4:
      known = known && x.is_null();
      read = Value();
      return x;
    default: {
      feel::Context c(feel::ContextShape::Intern(keys_one));
      c.AppendValue(x);
      known = false;
      return Value::FromList(feel::List{Value::FromContext(std::move(c))});
    }
  }
}

// The values `x` under the keys a, b, c of one context, laid out as `kind` chooses: of one shape,
// of shapes with the keys in other orders or some of them missing, subsets of two families (the
// keys come and go), built key by key, of one of 100 shapes with a key of its own first (more
// families than a table resolves: its columns then read through their own caches), or null.
// `read` is what the paths `A.a`, `A.b`, `A.c` read.
Value HoldAll(const std::vector<Value>& x, unsigned kind, std::vector<Value>& read) {
  static const std::vector<std::string> kFamilyOne = {"w", "a", "b", "c", "z"};
  static const std::vector<std::string> kFamilyTwo = {"c", "b", "a", "q"};
  const std::map<std::string, Value> values = {{"a", x[0]}, {"b", x[1]}, {"c", x[2]}, {"w", Value::Number(1)},
                                               {"z", Value::Number(2)}, {"q", Value::String("a")}};
  const auto shaped = [&](const feel::ContextShape* shape) {
    feel::Context c(shape);
    for (size_t i = 0; i < shape->size(); ++i) {
      const auto it = values.find(shape->key(i));
      c.AppendValue(it != values.end() ? it->second : Value::Number(3));
    }
    read = {Value(), Value(), Value()};
    for (size_t i = 0; i < 3; ++i)
      if (shape->IndexOf(std::string(1, static_cast<char>('a' + i))) != feel::ContextShape::npos) read[i] = x[i];
    return Value::FromContext(std::move(c));
  };
  const auto keys = [](std::initializer_list<std::string> k) { return feel::ContextShape::Intern(std::vector<std::string>(k)); };
  switch (kind % 9) {
    case 0: return shaped(keys({"a", "b", "c"}));
    case 1: return shaped(keys({"c", "w", "a", "b"}));
    case 2: return shaped(keys({"w", "b"}));
    case 3: {
      feel::Context c;
      c.Put("b", x[1]);
      c.Put("a", x[0]);
      c.Put("c", x[2]);
      read = x;
      return Value::FromContext(std::move(c));
    }
    case 4: return shaped(feel::ContextShape::InternSubset(*feel::ContextShape::Intern(kFamilyOne), 1 + (kind / 8) % 31));
    case 5: return shaped(feel::ContextShape::InternSubset(*feel::ContextShape::Intern(kFamilyTwo), 1 + (kind / 8) % 15));
    case 6:
    case 7: return shaped(keys({"k" + std::to_string((kind / 8) % 100), "b", "a", "c"}));
    default: read = {Value(), Value(), Value()}; return Value();
  }
}

// `held` under the key t of a context laid out as `kind` chooses (for the paths `A.t.a`, ...): of
// one shape, of another (t at another position), a subset of a family (the keys come and go),
// built key by key, of a shape without t, or null (then `read` is null).
Value HoldUnderT(const Value& held, unsigned kind, std::vector<Value>& read) {
  const auto keys = [](std::initializer_list<std::string> k) { return feel::ContextShape::Intern(std::vector<std::string>(k)); };
  const auto shaped = [&](const feel::ContextShape* shape) {
    feel::Context c(shape);
    for (size_t i = 0; i < shape->size(); ++i) c.AppendValue(shape->key(i) == "t" ? held : Value::Number(7));
    if (shape->IndexOf("t") == feel::ContextShape::npos) read = {Value(), Value(), Value()};
    return Value::FromContext(std::move(c));
  };
  switch (kind % 6) {
    case 0: return shaped(keys({"t"}));
    case 1: return shaped(keys({"w", "t"}));
    case 2: return shaped(feel::ContextShape::InternSubset(*keys({"q", "t", "z"}), 2 | (kind / 8) % 8));
    case 3: {
      feel::Context c;
      c.Put("t", held);
      return Value::FromContext(std::move(c));
    }
    case 4: return shaped(keys({"w"}));
    default: read = {Value(), Value(), Value()}; return Value();
  }
}

// The generated tables' sizes (one and two words of rules, few and many), and the inputs each is
// evaluated on. Under the sanitizers (see kSanitizerStride) half the sizes, a word's and two
// words', and a quarter of the inputs; the floors on how many COLLECT answers came without an
// error are scaled alike.
constexpr std::array<size_t, 4> kAllSizes = {6, 12, 70, 140};
constexpr std::array<size_t, 2> kSanitizerSizes = {6, 70};
constexpr size_t kCasesPerTable = 100 / kSanitizerStride;
constexpr size_t Scaled(size_t n) { return kAddressSanitizer ? n / kSanitizerStride / 2 : n; }

size_t ExpectSameAsPerRulePath(const std::vector<std::string>& a_cells, const std::vector<std::string>& b_cells,
                               const std::vector<std::string>& c_cells, const std::vector<Value>& a_values,
                               const std::vector<Value>& b_values, const std::vector<Value>& c_values, unsigned seed,
                               const std::string& c_input_values = "", InputForm form = InputForm::kNames) {
  PerRuleReference reference;
  std::mt19937 rng(seed);
  size_t collected = 0;
  for (const char* policy : {"COLLECT", "FIRST", "UNIQUE", "ANY", "RULE ORDER", "PRIORITY", "OUTPUT ORDER", "C+", "C#",
                             "C&lt;", "C&gt;"}) {
    const std::span<const size_t> sizes = kAddressSanitizer ? std::span<const size_t>(kSanitizerSizes)
                                                            : std::span<const size_t>(kAllSizes);
    for (size_t n : sizes) {
      std::vector<std::vector<std::string>> rules(n);
      for (auto& r : rules) {
        r = {a_cells[rng() % a_cells.size()], b_cells[rng() % b_cells.size()], c_cells[rng() % c_cells.size()]};
        // Few rules that match most inputs, so that UNIQUE and ANY answer more than errors.
        if (n > 12 && rng() % 4 != 0 && r[0] == "-") r[0] = a_cells[2 + rng() % (a_cells.size() - 2)];
      }
      std::vector<std::vector<std::string>> per_rule = rules;
      for (int j = 0; j < 40; ++j)
        per_rule.push_back({"list contains([\"never-given-" + std::to_string(j) + "\"], ?)", "\"never-given\"", "-"});
      auto masks = LoadModelFromString(PolicyTable(rules, policy, c_input_values, form), "t.dmn");
      auto general = LoadModelFromString(PolicyTable(per_rule, policy, c_input_values, form), "t.dmn");
      EXPECT_TRUE(masks.has_value() && general.has_value());
      if (!masks || !general) return collected;
      for (size_t k = 0; k < kCasesPerTable; ++k) {
        std::vector<Value> in = {a_values[rng() % a_values.size()], b_values[rng() % b_values.size()],
                                 c_values[rng() % c_values.size()]};
        std::vector<Value> given = in;  // what the inputs A, B, C hold
        bool known = true;              // `in` is what the input expressions read
        if (form == InputForm::kPaths || form == InputForm::kMixed || form == InputForm::kMixedComputed) {
          Value inner;
          if (form == InputForm::kPaths) given[0] = Wrap(in[0], "v", rng(), known, in[0]);
          given[1] = Wrap(Wrap(in[1], "v", rng(), known, inner), "u", rng(), known, in[1]);
          if (known && !in[1].is_null()) in[1] = inner;  // B.u holds the context around the value
          given[2] = Wrap(in[2], "v", rng(), known, in[2]);
        } else if (form == InputForm::kOneRoot) {
          const std::vector<Value> held = in;
          given = {HoldAll(held, rng(), in), Value(), Value()};
        } else if (form == InputForm::kOneRootTwoSteps) {
          const std::vector<Value> held = in;
          given = {HoldUnderT(HoldAll(held, rng(), in), rng(), in), Value(), Value()};
        }
        const feel::Context ctx = Inputs(given[0], given[1], given[2]);
        const std::string got = Answer(**masks, ctx);
        EXPECT_EQ(got, Answer(**general, ctx)) << policy << " n " << n << " input " << feel::ToFeelLiteral(given[0])
                                               << ", " << feel::ToFeelLiteral(given[1]) << ", "
                                               << feel::ToFeelLiteral(given[2]);
        if (known && std::string(policy) == "COLLECT" && got.find(" | trace") == got.find(" | ")) {
          ++collected;
          EXPECT_EQ(Numbers(Decide(**masks, ctx)), reference(rules, in)) << got;
        }
      }
    }
  }
  return collected;
}

Value List(std::initializer_list<Value> l) { return Value::FromList(feel::List(l)); }
// Input values for the generated tables: a string, an immortal string (one-pass tables find it by
// its address), a number from its text.
Value Str(const char* t) { return Value::String(t); }
Value Imm(const char* t) { return feel::MakeImmortal(Value::String(t)); }
Value Num(const char* t) { return Value::Number(*feel::Decimal::FromString(t)); }

// Columns of `list contains(?, "literal")` entries (lists of codes) are matched through one mask
// per literal (issue 21): lists of strings in and out of the literals, empty lists, null, lists
// holding other values, and inputs that are not lists.
TEST(DecisionTableClasses, MembershipColumnsAgreeWithPerRulePath) {
  const size_t collected = ExpectSameAsPerRulePath(
      {"-", "-", "list contains(?, \"x\")", "list contains(?, \"y\")", "list contains(?, \"z\")",
       "list contains(?, \"\")", "list contains( ?, \"x\" )", "list contains(?, \"a long code.with_dots\")"},
      {"-", "-", "\"a\"", "\"b\", \"c\"", "not(\"a\")", "< 3", "[1..4]", "null", "true", ">= 2.5", "not(null)"},
      {"-", "-", "true", "false", "null", "not(true)"},
      {Value(), List({}), List({Str("x")}), List({Str("x"), Str("y")}), List({Str("y"), Str("z"), Str("x")}), List({Str("q")}),
       List({Str("")}), List({Str("a long code.with_dots"), Str("q")}), List({Str("x"), Value::Number(1)}), List({Value()}),
       List({Str("y"), Value()}), Str("x"), Value::Number(5), Value::Bool(true), List({List({Str("x")})}),
       List({Str("x"), Str("x")})},
      {Value(), Str("a"), Str("b"), Str("d"), Value::Number(2), Value::Number(3), Value::Bool(true), List({Str("a")})},
      {Value(), Value::Bool(true), Value::Bool(false), Str("c")}, 2122);
  EXPECT_GT(collected, Scaled(150));
}

// Tables of literal tests only (class masks, one or more words) against the per-rule path, with
// every hit policy: numbers at and around the literals, strings in and out of them, booleans,
// null, and values of other types (dates, lists), whose errors (a string or a date against
// `< 3`) must be reported as the per-rule path reports them.
TEST(DecisionTableClasses, ClassesAgreeWithPerRulePath) {
  const size_t collected = ExpectSameAsPerRulePath(
      {"-", "-", "\"a\"", "\"b\", \"c\"", "not(\"a\")", "null", "not(null)", "\"\""},
      {"-", "-", "< 3", "[1..4]", "> 2.5", "(-1..2]", "= 4", "!= 1", "not(< 0)", "null", "3.50"},
      {"-", "-", "true", "false", "null", "not(true)"},
      {Value(), Str("a"), Str("b"), Str("c"), Str(""), Str("ab"), Value::Number(1), Value::Bool(false), List({Str("a")})},
      {Value(), Num("-1"), Num("0"), Num("1"), Num("2"), Num("2.5"), Num("2.51"), Num("3"), Num("3.5"), Num("4"), Num("1E+30"), Str("x"),
       Value::Bool(true), Value::FromDate(feel::Date{18262})},
      {Value(), Value::Bool(true), Value::Bool(false), Str("c")}, 2125);
  EXPECT_GT(collected, Scaled(100));
}

// The same with computed input expressions (read, classified and narrowed column by column in
// one pass, each value held by the evaluation rather than borrowed from a slot).
TEST(DecisionTableClasses, ComputedInputsAgreeWithPerRulePath) {
  size_t collected = ExpectSameAsPerRulePath(
      {"-", "-", "\"a\"", "\"b\", \"c\"", "not(\"a\")", "null", "not(null)", "\"\""},
      {"-", "-", "< 3", "[1..4]", "> 2.5", "(-1..2]", "= 4", "!= 1", "not(< 0)", "null", "3.50"},
      {"-", "-", "true", "false", "null", "not(true)"},
      {Value(), Str("a"), Str("b"), Str("c"), Str(""), Str("ab"), Value::Number(1), Value::Bool(false), List({Str("a")})},
      {Value(), Num("-1"), Num("0"), Num("2"), Num("2.5"), Num("3"), Num("4"), Num("1E+30"), Str("x"), Value::Bool(true),
       Value::FromDate(feel::Date{18262})},
      {Value(), Value::Bool(true), Value::Bool(false), Str("c")}, 2126, "", InputForm::kComputed);
  collected += ExpectSameAsPerRulePath(
      {"-", "-", "list contains(?, \"x\")", "list contains(?, \"y\")", "list contains(?, \"z\")"},
      {"-", "-", "\"a\"", "\"b\", \"c\"", "< 3", "null"}, {"-", "-", "true", "false"},
      {Value(), List({}), List({Str("x")}), List({Str("x"), Str("y")}), List({Str("q")}), List({Str("x"), Value::Number(1)}),
       Str("x")},
      {Value(), Str("a"), Str("b"), Str("d"), Value::Number(2), Value::Bool(true)}, {Value(), Value::Bool(true), Str("c")},
      2127, "", InputForm::kComputed);
  EXPECT_GT(collected, Scaled(150));
}

// The same with input expressions that are paths into the inputs (`A.v`, `B.u.v`): one-pass tables
// read a path from a slot through shaped contexts themselves (issue 21, seventh round), and leave
// everything else (contexts without a shape or of a shape the path has not seen, nulls, strings,
// numbers, lists) to the path's own evaluation. Each input is wrapped at random (see Wrap), so a
// column's path meets several shapes in turn.
TEST(DecisionTableClasses, PathInputsAgreeWithPerRulePath) {
  size_t collected = ExpectSameAsPerRulePath(
      {"-", "-", "\"a\"", "\"b\", \"c\"", "not(\"a\")", "null", "not(null)", "\"\""},
      {"-", "-", "< 3", "[1..4]", "> 2.5", "(-1..2]", "= 4", "!= 1", "not(< 0)", "null", "3.50"},
      {"-", "-", "true", "false", "null", "not(true)"},
      {Value(), Str("a"), Str("b"), Str("c"), Str(""), Str("ab"), Imm("b"), Imm("abc"), Value::Number(1), Value::Bool(false),
       List({Str("a")})},
      {Value(), Num("-1"), Num("0"), Num("2"), Num("2.5"), Num("3"), Num("4"), Num("1E+30"), Str("x"), Value::Bool(true),
       Value::FromDate(feel::Date{18262})},
      {Value(), Value::Bool(true), Value::Bool(false), Str("c")}, 2131, "", InputForm::kPaths);
  collected += ExpectSameAsPerRulePath(
      {"-", "-", "list contains(?, \"x\")", "list contains(?, \"y\")", "list contains(?, \"z\")"},
      {"-", "-", "\"a\"", "\"b\", \"c\"", "< 3", "null"}, {"-", "-", "true", "false"},
      {Value(), List({}), List({Str("x")}), List({Str("x"), Str("y")}), List({Str("q")}), List({Str("x"), Value::Number(1)}),
       List({Imm("x"), Imm("z")}), List({Imm("q"), Str("y"), Imm("y")}), Str("x")},
      {Value(), Str("a"), Str("b"), Str("d"), Value::Number(2), Value::Bool(true)}, {Value(), Value::Bool(true), Str("c")},
      2132, "", InputForm::kPaths);
  EXPECT_GT(collected, Scaled(100));
}

// The same with every input a one-step path from one input (`A.a`, `A.b`, `A.c`): the table
// resolves their positions together, once per shape family (PathGroup), for contexts of several
// shapes, subsets of two families, more families than it keeps, and no context at all.
TEST(DecisionTableClasses, OneRootPathsAgreeWithPerRulePath) {
  size_t collected = ExpectSameAsPerRulePath(
      {"-", "-", "\"a\"", "\"b\", \"c\"", "not(\"a\")", "null", "not(null)", "\"\""},
      {"-", "-", "< 3", "[1..4]", "> 2.5", "(-1..2]", "= 4", "!= 1", "not(< 0)", "null", "3.50"},
      {"-", "-", "true", "false", "null", "not(true)"},
      {Value(), Str("a"), Str("b"), Str("c"), Str(""), Str("ab"), Imm("a"), Imm("c"), Imm(""), Imm("ab"), Value::Number(1),
       Value::Bool(false), List({Str("a")})},
      {Value(), Num("-1"), Num("0"), Num("2"), Num("2.5"), Num("3"), Num("4"), Num("1E+30"), Str("x"), Value::Bool(true)},
      {Value(), Value::Bool(true), Value::Bool(false), Str("c"), Imm("c")}, 2135, "", InputForm::kOneRoot);
  collected += ExpectSameAsPerRulePath(
      {"-", "-", "list contains(?, \"x\")", "list contains(?, \"y\")", "list contains(?, \"z\")"},
      {"-", "-", "\"a\"", "\"b\", \"c\"", "< 3", "null"}, {"-", "-", "true", "false"},
      {Value(), List({}), List({Str("x")}), List({Str("x"), Str("y")}), List({Str("q")}), List({Imm("y"), Imm("q")}),
       List({Imm("z"), Str("x")}), Str("x")},
      {Value(), Str("a"), Str("b"), Str("d"), Imm("b"), Imm("d"), Value::Number(2), Value::Bool(true)},
      {Value(), Value::Bool(true), Str("c")}, 2136, "", InputForm::kOneRoot);
  EXPECT_GT(collected, Scaled(100));
}

// The same with every input a two-step path through one context (`A.t.a`, `A.t.b`, `A.t.c`): the
// table reads the first step once and resolves the second steps' positions together (issue 21,
// eighth round), for the layouts of HoldAll under t in contexts of several shapes, subsets,
// built key by key, without t, and null.
TEST(DecisionTableClasses, TwoStepPathsAgreeWithPerRulePath) {
  size_t collected = ExpectSameAsPerRulePath(
      {"-", "-", "\"a\"", "\"b\", \"c\"", "not(\"a\")", "null", "not(null)", "\"\""},
      {"-", "-", "< 3", "[1..4]", "> 2.5", "(-1..2]", "= 4", "!= 1", "not(< 0)", "null", "3.50"},
      {"-", "-", "true", "false", "null", "not(true)"},
      {Value(), Str("a"), Str("b"), Str("c"), Str(""), Imm("a"), Imm("c"), Value::Number(1), Value::Bool(false), List({Str("a")})},
      {Value(), Num("-1"), Num("0"), Num("2"), Num("2.5"), Num("3"), Num("4"), Str("x"), Value::Bool(true),
       Value::FromDate(feel::Date{18262})},
      {Value(), Value::Bool(true), Value::Bool(false), Str("c"), Imm("c")}, 2137, "", InputForm::kOneRootTwoSteps);
  collected += ExpectSameAsPerRulePath(
      {"-", "-", "list contains(?, \"x\")", "list contains(?, \"y\")", "list contains(?, \"z\")"},
      {"-", "-", "\"a\"", "\"b\", \"c\"", "< 3", "null"}, {"-", "-", "true", "false"},
      {Value(), List({}), List({Str("x")}), List({Str("x"), Str("y")}), List({Imm("y"), Imm("q")}), Str("x")},
      {Value(), Str("a"), Str("b"), Imm("b"), Value::Number(2), Value::Bool(true)}, {Value(), Value::Bool(true), Str("c")},
      2138, "", InputForm::kOneRootTwoSteps);
  EXPECT_GT(collected, Scaled(100));
}

// Tables whose every input reads a slot or a path of one or two steps are read from their views
// (EvalViews, issue 21, ninth round): only the columns a candidate tests, with the per-rule path
// reading every input again; computed inputs among them are evaluated in column order, tested or
// not, and kept. A slot or a computed `A` among paths (`B.u.v`, `C.v`), each path's context
// wrapped at random as in PathInputsAgreeWithPerRulePath (null roots, contexts of other shapes or
// without a shape, lists), values of every type, against the per-rule path.
TEST(DecisionTableClasses, SlotsAndPathsAgreeWithPerRulePath) {
  for (InputForm form : {InputForm::kMixed, InputForm::kMixedComputed}) {
    size_t collected = ExpectSameAsPerRulePath(
        {"-", "-", "\"a\"", "\"b\", \"c\"", "not(\"a\")", "null", "not(null)", "\"\"", "< 3"},
        {"-", "-", "< 3", "[1..4]", "> 2.5", "(-1..2]", "= 4", "!= 1", "not(< 0)", "null", "3.50", "\"x\""},
        {"-", "-", "true", "false", "null", "not(true)"},
        {Value(), Str("a"), Str("b"), Str("c"), Str(""), Str("ab"), Imm("b"), Imm("abc"), Value::Number(1),
         Value::Bool(false), List({Str("a")}), Value::FromDate(feel::Date{18262})},
        {Value(), Num("-1"), Num("0"), Num("2"), Num("2.5"), Num("3"), Num("4"), Num("1E+30"), Str("x"), Imm("x"),
         Value::Bool(true), Value::FromDate(feel::Date{18262})},
        {Value(), Value::Bool(true), Value::Bool(false), Str("c"), Num("1")}, 2139, "", form);
    collected += ExpectSameAsPerRulePath(
        {"-", "-", "list contains(?, \"x\")", "list contains(?, \"y\")", "list contains(?, \"z\")"},
        {"-", "-", "\"a\"", "\"b\", \"c\"", "< 3", "null"}, {"-", "-", "true", "false"},
        {Value(), List({}), List({Str("x")}), List({Str("x"), Str("y")}), List({Str("q")}),
         List({Str("x"), Value::Number(1)}), List({Imm("x"), Imm("z")}), Str("x")},
        {Value(), Str("a"), Str("b"), Imm("b"), Str("d"), Value::Number(2), Value::Bool(true)},
        {Value(), Value::Bool(true), Str("c")}, 2140, "", form);
    EXPECT_GT(collected, Scaled(100));
  }
}

// Tables with inputValues are matched through the class masks after the inputs are checked
// (MatchClasses, not the one pass), for one word and more: a value outside the input values is
// an error, as on the per-rule path.
TEST(DecisionTableClasses, InputValuesTablesAgreeWithPerRulePath) {
  size_t collected = ExpectSameAsPerRulePath(
      {"-", "-", "\"a\"", "\"b\", \"c\"", "not(\"a\")", "null", "not(null)"},
      {"-", "-", "< 3", "[1..4]", "> 2.5", "null", "3.50"}, {"-", "-", "true", "false", "\"c\"", "not(true)"},
      {Value(), Str("a"), Str("b"), Str("c"), Value::Number(1)}, {Value(), Num("0"), Num("2.5"), Num("3"), Num("4"), Str("x")},
      {Value(), Value::Bool(true), Value::Bool(false), Str("c"), Str("d")}, 2133, "true, false, \"c\"");
  collected += ExpectSameAsPerRulePath(
      {"-", "-", "list contains(?, \"x\")", "list contains(?, \"y\")"}, {"-", "-", "\"a\"", "< 3"},
      {"-", "-", "true", "false"}, {Value(), List({}), List({Str("x")}), List({Str("x"), Str("y")}), Str("x")},
      {Value(), Str("a"), Value::Number(2)}, {Value(), Value::Bool(true), Value::Bool(false), Str("d")}, 2134,
      "true, false");
  EXPECT_GT(collected, Scaled(100));
}

// Once the columns read so far leave no candidate, a later input that the classes cannot take
// (a string against `< 3`, which reports an error) is still evaluated but tested by no rule: no
// match and no error, as on the per-rule path, where every rule stops at the first column. In
// the other order the test runs and reports its error.
TEST(DecisionTableClasses, NoCandidateLeftTestsNothingAfter) {
  std::vector<std::vector<std::string>> rules = {{"\"a\"", "< 3", "-"}, {"\"b\"", ">= 3", "-"}};
  for (int i = 0; i < 70; ++i) rules.push_back({"\"c\"", "-", "-"});  // two words: not FastMatch
  for (InputForm form : {InputForm::kNames, InputForm::kComputed}) {
    auto m = LoadModelFromString(PolicyTable(rules, "COLLECT", "", form), "t.dmn");
    ASSERT_TRUE(m.has_value());
    std::vector<std::string> names{"R"};
    auto none = (*m)->Evaluate(Inputs(Value::String("z"), Value::String("x"), Value()), names);
    EXPECT_TRUE(none.decisions.front().value.is_null());
    EXPECT_TRUE(none.decisions.front().diagnostics.empty());
    auto tested = (*m)->Evaluate(Inputs(Value::String("a"), Value::String("x"), Value()), names);
    EXPECT_EQ(Numbers(tested.decisions.front().value), std::vector<int64_t>{});
    ASSERT_EQ(tested.decisions.front().diagnostics.size(), 1u);
    EXPECT_NE(tested.decisions.front().diagnostics.front().message.find("cannot compare"), std::string::npos);
  }
}

// A table with several distinct output names builds its result rows on one key table (shaped
// contexts): they must read, compare and print as the key-by-key rows did, for paths from other
// decisions, `get entries` and `context put`, under a single hit and under COLLECT.
std::string TwoOutputTable(const std::string& policy, const std::string& second_name) {
  return R"(<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" namespace="http://example.com/t" name="t" id="t">
  <inputData id="i_A" name="A"><variable name="A"/></inputData>
  <decision id="d" name="R"><variable name="R"/>
    <informationRequirement><requiredInput href="#i_A"/></informationRequirement>
    <decisionTable hitPolicy=")" + policy + R"(">
      <input><inputExpression><text>A</text></inputExpression></input>
      <output name="x"/>
      <output name=")" + second_name + R"("/>
      <rule><inputEntry><text>&lt; 5</text></inputEntry><outputEntry><text>1</text></outputEntry><outputEntry><text>"small"</text></outputEntry></rule>
      <rule><inputEntry><text>&lt; 10</text></inputEntry><outputEntry><text>A * 2</text></outputEntry><outputEntry><text>"mid"</text></outputEntry></rule>
    </decisionTable>
  </decision>
  <decision id="s" name="S"><variable name="S"/>
    <informationRequirement><requiredDecision href="#d"/></informationRequirement>
    <literalExpression><text>[R.x, R.)" + second_name + R"(, get entries(R), context put(R, "z", 3), R.absent, R = {x: R.x, )" +
         second_name + R"(: R.)" + second_name + R"(}]</text></literalExpression>
  </decision>
</definitions>
)";
}

std::string DecideS(const Model& m, int64_t a) {
  feel::Context in;
  in.Put("A", Value::Number(a));
  std::vector<std::string> names{"S"};
  auto r = m.Evaluate(in, names);
  return feel::ToFeelLiteral(r.decisions.front().value);
}

TEST(DecisionTableOutputs, ShapedRowsReadLikeKeyByKeyRows) {
  auto unique = LoadModelFromString(TwoOutputTable("FIRST", "y name"), "t.dmn");
  ASSERT_TRUE(unique.has_value());
  EXPECT_EQ(DecideS(**unique, 3),
            "[1, \"small\", [{key: \"x\", value: 1}, {key: \"y name\", value: \"small\"}], "
            "{x: 1, \"y name\": \"small\", z: 3}, null, true]");
  EXPECT_EQ(DecideS(**unique, 7),
            "[14, \"mid\", [{key: \"x\", value: 14}, {key: \"y name\", value: \"mid\"}], "
            "{x: 14, \"y name\": \"mid\", z: 3}, null, true]");
  // No rule: the result is null, and so is every path into it.
  EXPECT_EQ(DecideS(**unique, 12), "[null, null, null, null, null, false]");

  auto collect = LoadModelFromString(TwoOutputTable("COLLECT", "y"), "t.dmn");
  ASSERT_TRUE(collect.has_value());
  feel::Context in;
  in.Put("A", Value::Number(3));
  std::vector<std::string> names{"R"};
  auto r = (*collect)->Evaluate(in, names);
  const Value& rows = r.decisions.front().value;
  ASSERT_TRUE(rows.is(feel::Type::kList));
  ASSERT_EQ(rows.list().size(), 2u);
  for (const Value& row : rows.list()) {
    ASSERT_TRUE(row.is(feel::Type::kContext));
    ASSERT_EQ(row.context().size(), 2u);
    EXPECT_NE(row.context().shape(), nullptr);  // the table's key table
    EXPECT_EQ(row.context().shape(), rows.list().front().context().shape());
  }
  EXPECT_EQ(feel::ToFeelLiteral(rows), "[{x: 1, y: \"small\"}, {x: 6, y: \"mid\"}]");
  // Paths over the list of rows map over them.
  const std::string s = DecideS(**collect, 3);
  EXPECT_EQ(s.rfind("[[1, 6], [\"small\", \"mid\"], ", 0), 0u) << s;
}

// Repeated output names: no key table; the later output replaces the earlier, as before.
TEST(DecisionTableOutputs, RepeatedOutputNamesStillKeyByKey) {
  auto m = LoadModelFromString(TwoOutputTable("FIRST", "x"), "t.dmn");
  ASSERT_TRUE(m.has_value());
  feel::Context in;
  in.Put("A", Value::Number(3));
  std::vector<std::string> names{"R"};
  auto r = (*m)->Evaluate(in, names);
  const Value& row = r.decisions.front().value;
  ASSERT_TRUE(row.is(feel::Type::kContext));
  EXPECT_EQ(row.context().shape(), nullptr);
  EXPECT_EQ(feel::ToFeelLiteral(row), "{x: \"small\"}");
}

// A rule whose outputs are all literals returns the row built at load, immortal (issue 21): every
// hit gives the same object, and copies count nothing; a computed output's literal neighbour is
// immortal too. Results outlive the model (ASan checks this in the dev preset).
TEST(DecisionTableOutputs, ConstantRowsAreImmortalAndOutliveTheModel) {
  std::vector<Value> rows;
  {
    auto m = LoadModelFromString(TwoOutputTable("FIRST", "y"), "t.dmn");
    ASSERT_TRUE(m.has_value());
    std::vector<std::string> names{"R"};
    for (int i = 0; i < 200; ++i) {
      feel::Context in;
      in.Put("A", Value::Number(i % 2 == 0 ? 3 : 7));
      auto r = (*m)->Evaluate(in, names);
      rows.push_back(r.decisions.front().value);
    }
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    ASSERT_TRUE(rows[i].is(feel::Type::kContext));
    const feel::Context& row = rows[i].context();
    ASSERT_NE(row.Find("y"), nullptr);
    EXPECT_TRUE(feel::IsImmortal(row.Find("y")->string_ptr()));
    if (i % 2 == 0) {
      EXPECT_TRUE(feel::IsImmortal(rows[i].context_ptr()));
      EXPECT_EQ(rows[i].context_ptr().get(), rows[0].context_ptr().get());
      EXPECT_EQ(feel::ToFeelLiteral(rows[i]), "{x: 1, y: \"small\"}");
    } else {
      EXPECT_FALSE(feel::IsImmortal(rows[i].context_ptr()));  // built for its case
      EXPECT_EQ(feel::ToFeelLiteral(rows[i]), "{x: 14, y: \"mid\"}");
    }
  }
}

// Immortal strings are classified by their address through a perfect hash table (one probe; a
// string not in its slot is no literal), built at load per column; columns of a few literals, of
// many, and of more than the table takes (their strings then classified by text). Inputs: the
// literals as immortal strings (the literals' own copies) and as ordinary strings, immortal and
// ordinary strings in no rule, and other types; in plain and in membership columns; every hit
// policy, against the per-rule path.
TEST(DecisionTableClasses, ManyLiteralsByAddressAgreeWithPerRulePath) {
  std::mt19937 rng(2141);
  for (size_t count : {size_t{3}, size_t{40}, size_t{300}}) {
    std::vector<std::string> literals;
    for (size_t i = 0; i < count; ++i) literals.push_back("lit-" + std::to_string(i * 7 % 1009));
    auto quoted = [](const std::string& t) { return "\"" + t + "\""; };
    std::vector<std::string> cells = {"-", "-"}, members = {"-", "-"};
    for (size_t j = 0; j < 30; ++j) {
      std::string cell;
      for (size_t k = 0; k < 1 + count / 25; ++k) cell += (cell.empty() ? "" : ", ") + quoted(literals[rng() % count]);
      if (j % 5 == 0) cell = "not(" + cell + ")";
      cells.push_back(cell);
      members.push_back("list contains(?, " + quoted(literals[rng() % count]) + ")");
    }
    std::vector<Value> values = {Value(), Value::Number(1), Value::Bool(true), Imm(""), Imm("lit-x"), Str("lit-y"),
                                 Imm("lit-1009"), Str("lit-")};
    std::vector<Value> lists = {Value(), List({}), Str("lit-0"), List({Imm("lit-x")}), List({Str("lit-y"), Value()})};
    for (size_t i = 0; i < 12; ++i) {
      const std::string& t = literals[rng() % count];
      values.push_back(Imm(t.c_str()));
      values.push_back(Str(t.c_str()));
      values.push_back(Imm((t + "0").c_str()));
      lists.push_back(List({Imm(t.c_str())}));
      lists.push_back(List({Str(t.c_str()), Imm(literals[rng() % count].c_str()), Imm("lit-z")}));
    }
    for (InputForm form : {InputForm::kNames, InputForm::kPaths}) {
      size_t collected = ExpectSameAsPerRulePath(cells, {"-", "-", "\"a\"", "< 3"}, {"-", "-", "true"}, values,
                                                 {Value(), Str("a"), Num("1")}, {Value(), Value::Bool(true)},
                                                 static_cast<unsigned>(count), "", form);
      collected += ExpectSameAsPerRulePath(members, {"-", "-", "\"a\"", "< 3"}, {"-", "-", "true"}, lists,
                                           {Value(), Str("a"), Num("1")}, {Value(), Value::Bool(true)},
                                           static_cast<unsigned>(count + 1), "", form);
      EXPECT_GT(collected, Scaled(100));
    }
  }
}


// `Options.id` over a list of shaped contexts read where the membership column is classified, the
// ids found by their address when immortal (issue 21, tenth round, second wave): tables of 20 and
// 90 rules (one and two words), the first column `A.v` a membership column of the literals x, y,
// z, w in turn and "-" every fifth rule. The rules expected are worked out here from the ids the
// list holds: a rule fires when its cell is "-" or its literal is among them (an absent `v` reads
// null, which matches no literal).
TEST(DecisionTableClasses, ListEntriesMatchedByAddressAndByText) {
  const char* kLiterals[] = {"x", "y", "z", "w"};
  const auto* with_v = feel::ContextShape::Intern(std::vector<std::string>{"v"});
  const auto* with_u_v = feel::ContextShape::Intern(std::vector<std::string>{"u", "v"});
  const auto* without_v = feel::ContextShape::Intern(std::vector<std::string>{"u"});
  const auto entry = [&](const feel::ContextShape* shape, const Value& id) {
    feel::Context c(shape);
    if (shape == with_u_v) c.AppendValue(Value::Number(1));
    c.AppendValue(id);
    return Value::FromContext(std::move(c));
  };
  struct Case {
    std::vector<Value> entries;
    std::vector<std::string> ids;  // the literals among the entries' `v`
  };
  const std::vector<Case> cases = {
      {{entry(with_v, Imm("x"))}, {"x"}},
      {{entry(with_v, Str("y")), entry(with_u_v, Imm("w"))}, {"y", "w"}},
      {{entry(with_v, Imm("q")), entry(with_v, Str("x")), entry(with_u_v, Imm("z"))}, {"x", "z"}},
      {{entry(with_v, Imm("xx")), entry(with_v, Str("")), entry(with_u_v, Imm("y"))}, {"y"}},
      {{entry(with_v, Imm("w")), entry(with_v, Imm("w")), entry(without_v, Imm("x"))}, {"w"}},
      {{}, {}},
      {{entry(with_v, Imm("q"))}, {}},
  };
  for (size_t n : {size_t{20}, size_t{90}}) {
    std::vector<std::vector<std::string>> rules(n);
    for (size_t i = 0; i < n; ++i)
      rules[i] = {i % 5 == 4 ? "-" : std::string("list contains(?, \"") + kLiterals[i % 4] + "\")", "-", "-"};
    auto m = LoadModelFromString(PolicyTable(rules, "COLLECT", "", InputForm::kPaths), "t.dmn");
    ASSERT_TRUE(m.has_value());
    for (const Case& c : cases) {
      std::vector<int64_t> expected;
      for (size_t i = 0; i < n; ++i)
        if (i % 5 == 4 || std::find(c.ids.begin(), c.ids.end(), kLiterals[i % 4]) != c.ids.end())
          expected.push_back(static_cast<int64_t>(i + 1));
      const Value a = Value::FromList(feel::List(c.entries.begin(), c.entries.end()));
      EXPECT_EQ(Numbers(Decide(**m, Inputs(a, Value(), Value()))), expected)
          << n << " rules, A " << feel::ToFeelLiteral(a);
    }
  }
}

// Fired rules are traced in place while the trace has room and through the trace's growth when it
// has none (issue 21, tenth round): tables read from their views (a path `A.v` and a slot `B`) of
// one and two words, COLLECT and FIRST, every fired rule's entry written out by hand here: the
// decision, the rule's id or its index as text when it has none, the index, and the annotation
// (or none when the caller asks for none).
// COLLECT from the candidates' mask (CollectMask): the fired rules' values in rule order across
// one, two and four words, rules with constant outputs and rules whose output is computed (C +
// the rule number), read from slots (FastMatch) and from paths (the views), the result lists
// reused from case to case while earlier results are still held. Expected values worked out
// here from the cells.
TEST(DecisionTableClasses, CollectedValuesInRuleOrderAcrossWords) {
  for (size_t n : {size_t{40}, size_t{64}, size_t{100}, size_t{200}}) {
    for (bool paths : {false, true}) {
      std::string xml = TableHead("COLLECT");
      xml += paths ? "      <input><inputExpression><text>A.v</text></inputExpression></input>\n"
                     "      <input><inputExpression><text>B.v</text></inputExpression></input>\n"
                   : "      <input><inputExpression><text>A</text></inputExpression></input>\n"
                     "      <input><inputExpression><text>B</text></inputExpression></input>\n";
      xml += "      <output name=\"R\"/>\n";
      const char* a_cells[] = {"\"x\"", "-", "\"y\"", "\"x\", \"y\""};
      for (size_t i = 0; i < n; ++i) {
        xml += "<rule><inputEntry><text>" + Escape(a_cells[i % 4]) + "</text></inputEntry>";
        xml += std::string("<inputEntry><text>") + (i % 5 == 2 ? "false" : i % 5 == 4 ? "true" : "-") + "</text></inputEntry>";
        const std::string k = std::to_string(i + 1);
        xml += "<outputEntry><text>" + (i % 7 == 3 ? "C + " + k : k) + "</text></outputEntry></rule>\n";
      }
      xml += "</decisionTable></decision></definitions>\n";
      auto m = LoadModelFromString(xml, "t.dmn");
      ASSERT_TRUE(m.has_value());
      auto wrap = [&](const Value& v) {
        if (!paths) return v;
        const std::string keys[] = {"w", "v"};
        feel::Context c(feel::ContextShape::Intern(keys));
        c.AppendValue(Value::Number(1));
        c.AppendValue(v);
        return Value::FromContext(std::move(c));
      };
      std::vector<std::pair<Value, std::vector<int64_t>>> held;
      for (int round = 0; round < 60; ++round) {
        const char* a = round % 3 == 0 ? "x" : round % 3 == 1 ? "y" : "z";
        const bool b = round % 2 == 0;
        const int64_t c = 1000 * (round + 1);
        std::vector<int64_t> expected;
        for (size_t i = 0; i < n; ++i) {
          const bool a_ok = i % 4 == 1 || (i % 4 == 0 && a[0] == 'x') || (i % 4 == 2 && a[0] == 'y') ||
                            (i % 4 == 3 && a[0] != 'z');
          const bool b_ok = i % 5 == 2 ? !b : i % 5 == 4 ? b : true;
          if (a_ok && b_ok) expected.push_back(static_cast<int64_t>(i + 1) + (i % 7 == 3 ? c : 0));
        }
        const Value v = Decide(**m, Inputs(wrap(round % 2 ? Str(a) : Imm(a)), wrap(Value::Bool(b)), Value::Number(c)));
        ASSERT_TRUE(v.is(feel::Type::kList)) << n << " " << paths << " " << round;
        EXPECT_EQ(Numbers(v), expected) << n << " " << paths << " " << round;
        if (round % 3 != 2) held.emplace_back(v, expected);
      }
      for (const auto& [v, expected] : held) EXPECT_EQ(Numbers(v), expected) << n << " " << paths;
    }
  }
}

TEST(DecisionTableTrace, FiredRulesTracedWhileTheTraceGrows) {
  for (size_t n : {size_t{50}, size_t{100}}) {
    for (const char* policy : {"COLLECT", "FIRST"}) {
      std::string xml = TableHead(policy) + R"(      <input><inputExpression><text>A.v</text></inputExpression></input>
      <input><inputExpression><text>B</text></inputExpression></input>
      <output name="R"/>
      <annotation name="note"/>
)";
      const char* a_cells[] = {"\"x\"", "\"y\"", "-"};
      const char* b_cells[] = {"-", "true", "false"};
      for (size_t i = 0; i < n; ++i) {
        xml += i % 4 == 3 ? "<rule>" : "<rule id=\"r" + std::to_string(i + 1) + "\">";
        xml += "<inputEntry><text>" + Escape(a_cells[i % 3]) + "</text></inputEntry>";
        xml += "<inputEntry><text>" + std::string(b_cells[i / 3 % 3]) + "</text></inputEntry>";
        xml += "<outputEntry><text>" + std::to_string(i + 1) + "</text></outputEntry>";
        xml += "<annotationEntry><text>note " + std::to_string(i + 1) + "</text></annotationEntry></rule>\n";
      }
      xml += "</decisionTable></decision></definitions>\n";
      auto m = LoadModelFromString(xml, "t.dmn");
      ASSERT_TRUE(m.has_value());
      feel::Context holder;
      holder.Put("v", Imm("x"));
      const feel::Context in = Inputs(Value::FromContext(std::move(holder)), Value::Bool(true), Value());
      // A.v = "x" passes "x" and "-"; B = true passes "-" and true.
      std::vector<size_t> fired;
      for (size_t i = 0; i < n; ++i)
        if (i % 3 != 1 && i / 3 % 3 != 2) fired.push_back(i + 1);
      if (std::string(policy) == "FIRST") fired.resize(1);
      const std::vector<std::string> names{"R"};
      for (bool annotations : {true, false}) {
        EvaluateOptions options;
        options.trace_annotations = annotations;
        const auto r = (*m)->Evaluate(in, names, options);
        ASSERT_EQ(r.trace.size(), fired.size()) << policy << " " << n;
        for (size_t j = 0; j < fired.size(); ++j) {
          const size_t k = fired[j];
          const TraceEntry& e = r.trace[j];
          EXPECT_EQ(e.decision, "R");
          EXPECT_EQ(e.rule, k % 4 == 0 ? std::to_string(k) : "r" + std::to_string(k)) << policy << " " << n << " " << k;
          EXPECT_EQ(e.rule_index, static_cast<int>(k));
          EXPECT_TRUE(e.hit);
          if (annotations) {
            ASSERT_EQ(e.annotations.size(), 1u);
            EXPECT_EQ(e.annotations[0], "note " + std::to_string(k));
          } else {
            EXPECT_TRUE(e.annotations.empty());
          }
        }
        std::vector<int64_t> expected(fired.begin(), fired.end());
        if (std::string(policy) == "COLLECT") EXPECT_EQ(Numbers(r.decisions.front().value), expected);
        else EXPECT_EQ(r.decisions.front().value.number().ToInt64(), static_cast<int64_t>(fired[0]));
      }
    }
  }
}

}  // namespace
}  // namespace zebra::dmn::decision_table_test

namespace zebra::dmn::decision_table_test {
namespace {

// COLLECT tables whose results are kept by the mask of the rules that fired (every one of them
// constant) and copied by later evaluations: each result and its trace entries, evaluation after
// evaluation, against the rules worked out here from the cells. Rules past the first 64 test B,
// so that two inputs' masks can agree on the first word and differ on a later one; some rules
// that only A = "z" fires have a computed output (C + k, C new each time), which no kept result
// may hold. One word from slots takes FastMatch, more words and paths the views.
TEST(DecisionTableClasses, KeptCollectResultsAgreeAndTrace) {
  for (size_t n : {size_t{40}, size_t{100}, size_t{200}}) {
    for (bool paths : {false, true}) {
      std::string xml = TableHead("COLLECT");
      xml += paths ? "      <input><inputExpression><text>A.v</text></inputExpression></input>\n"
                     "      <input><inputExpression><text>B.v</text></inputExpression></input>\n"
                   : "      <input><inputExpression><text>A</text></inputExpression></input>\n"
                     "      <input><inputExpression><text>B</text></inputExpression></input>\n";
      xml += "      <output name=\"R\"/>\n";
      const char* a_cells[] = {"\"x\"", "-", "\"y\"", "\"x\", \"y\"", "\"z\""};
      auto b_tested = [&](size_t i) { return n <= 64 || i >= 64; };
      auto computed = [](size_t i) { return i % 5 == 4 && i % 2 == 0; };  // only "z" fires them
      for (size_t i = 0; i < n; ++i) {
        xml += "<rule><inputEntry><text>" + Escape(a_cells[i % 5]) + "</text></inputEntry>";
        xml += std::string("<inputEntry><text>") + (!b_tested(i) ? "-" : i % 3 == 0 ? "true" : i % 3 == 1 ? "false" : "-") +
               "</text></inputEntry>";
        const std::string k = std::to_string(i + 1);
        xml += "<outputEntry><text>" + (computed(i) ? "C + " + k : k) + "</text></outputEntry></rule>\n";
      }
      xml += "</decisionTable></decision></definitions>\n";
      auto m = LoadModelFromString(xml, "t.dmn");
      ASSERT_TRUE(m.has_value());
      auto wrap = [&](const Value& v) {
        if (!paths) return v;
        const std::string keys[] = {"w", "v"};
        feel::Context c(feel::ContextShape::Intern(keys));
        c.AppendValue(Value::Number(1));
        c.AppendValue(v);
        return Value::FromContext(std::move(c));
      };
      const std::vector<std::string> names{"R"};
      std::vector<std::pair<Value, std::vector<int64_t>>> held;
      for (int round = 0; round < 90; ++round) {
        const char* a = round % 4 == 0 ? "x" : round % 4 == 1 ? "y" : round % 4 == 2 ? "z" : "w";
        const bool b = round / 4 % 2 == 0;
        const int64_t c = 1000 * (round + 1);
        std::vector<int64_t> fired, expected;
        for (size_t i = 0; i < n; ++i) {
          const size_t ac = i % 5;
          const bool a_ok = ac == 1 || (ac == 0 && a[0] == 'x') || (ac == 2 && a[0] == 'y') ||
                            (ac == 3 && (a[0] == 'x' || a[0] == 'y')) || (ac == 4 && a[0] == 'z');
          const bool b_ok = !b_tested(i) || i % 3 == 2 || (i % 3 == 0) == b;
          if (!(a_ok && b_ok)) continue;
          fired.push_back(static_cast<int64_t>(i + 1));
          expected.push_back(static_cast<int64_t>(i + 1) + (computed(i) ? c : 0));
        }
        const feel::Context in =
            Inputs(wrap(round % 2 ? Str(a) : Imm(a)), wrap(Value::Bool(b)), Value::Number(c));
        const auto r = (*m)->Evaluate(in, names);
        const Value& v = r.decisions.front().value;
        ASSERT_TRUE(v.is(feel::Type::kList)) << n << " " << paths << " " << round;
        EXPECT_EQ(Numbers(v), expected) << n << " " << paths << " " << round;
        std::vector<int64_t> traced;
        for (const TraceEntry& e : r.trace) {
          EXPECT_EQ(e.decision, "R");
          traced.push_back(e.rule_index);
        }
        EXPECT_EQ(traced, fired) << n << " " << paths << " " << round;
        // A mask of constant rules met before: its kept (immortal) result.
        const bool constant = std::none_of(fired.begin(), fired.end(), [&](int64_t k) { return computed(k - 1); });
        if (round >= 8 && !fired.empty() && constant) {
          EXPECT_TRUE(feel::IsImmortal(v.list_ptr())) << n << " " << paths << " " << round;
        }
        held.emplace_back(v, expected);
      }
      (*m).reset();  // kept results outlive their table
      for (const auto& [v, expected] : held) EXPECT_EQ(Numbers(v), expected) << n << " " << paths;
    }
  }
}

}  // namespace
}  // namespace zebra::dmn::decision_table_test
