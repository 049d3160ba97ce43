// Single nodes read in place (tenth round, second wave): the coalescing `if` and `(path) = true`
// reading a path where PathNode::Reach finds it, and `list contains(l, "text")` answered without
// its boolean Value. Each must answer as the general nodes do (values, diagnostics: messages,
// count, order), checked with one compiled expression over many values in turn (so a path's
// shape caches are warm for later values, as in a batch). The general answer is the same
// expression with the read behind `(if true then x else null)`, or the literal replaced by a name
// holding it, which neither fast form takes.
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "feel/builtins_test_util.h"
#include "feel/feel.h"

namespace zebra::feel::single_nodes_test {
namespace {

using testing::Answered;
using testing::EvaluatedWithMessages;
using testing::ParsedValue;

// Values of `v`: contexts of several shapes (keys in another order, missing, null, nested),
// repeated so that a shape a path has cached comes back; and values that are no context.
const std::vector<std::string> kValues = {
    R"({a: true, b: "x"})",
    R"({b: "y", a: false})",
    R"({a: null, b: 1})",
    R"({a: true, b: "x"})",
    R"({a: {b: true, c: ["s", "t"]}, d: 1})",
    R"({a: {c: ["x"]}})",
    R"({a: {b: false, c: ["s"]}, d: 1})",
    R"({b: 1})",
    "{}",
    R"({a: ["s", "x"], b: "x"})",
    R"({a: ["x", 1, null, {s: 1}, ["s"]], b: "x"})",
    R"({a: ["t", "u", "s"], b: "x"})",
    R"({a: [], b: "x"})",
    R"({a: "s", b: "x"})",
    R"({a: 7, b: "x"})",
    R"({a: ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "s"], b: 2})",
    R"({a: ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q"], b: 2})",
    R"({a: ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", 1, "s"], b: 2})",
    R"({a: {b: "s", c: null}})",
    R"(context put({b: 5}, "a", true))",
    R"(context([{key: "a", value: ["s"]}, {key: "zz", value: 8}]))",
    "null",
    "5",
    R"("text")",
    R"(date("2020-01-02"))",
    R"([{a: true}, 3])",
    "true",
    R"({a: {b: {c: "deep"}}, year: 1})",
};

// `text` compiled once and evaluated with `v` bound to each value in turn, `t` / `f` holding
// true / false and `s1` holding "s".
std::vector<Answered> Run(const std::string& text, const std::vector<Value>& values) {
  Scope scope;
  const int v = scope.Declare("v");
  const int t = scope.Declare("t");
  const int f = scope.Declare("f");
  const int s1 = scope.Declare("s1");
  auto expr = CompileExpression(text, scope);
  EXPECT_TRUE(expr.has_value()) << text;
  std::vector<Answered> out;
  if (!expr) return out;
  for (const Value& value : values) {
    std::vector<Value> slots(scope.size());
    slots[static_cast<size_t>(v)] = value;
    slots[static_cast<size_t>(t)] = Value::Bool(true);
    slots[static_cast<size_t>(f)] = Value::Bool(false);
    slots[static_cast<size_t>(s1)] = Value::String("s");
    EvalContext ctx;
    Value r = expr->Evaluate(slots, ctx);
    Answered a{ToFeelLiteral(r), {}};
    for (const auto& d : ctx.diagnostics()) a.messages.push_back(d.message);
    out.push_back(std::move(a));
  }
  return out;
}

const std::vector<Value>& Values() {
  static const std::vector<Value> values = [] {
    std::vector<Value> out;
    // Twice over: the second pass meets every shape with its caches warm.
    for (int pass = 0; pass < 2; ++pass)
      for (const auto& t : kValues) out.push_back(ParsedValue(t));
    return out;
  }();
  return values;
}

int ExpectSame(const std::string& fast, const std::string& general) {
  const auto a = Run(fast, Values());
  const auto b = Run(general, Values());
  EXPECT_EQ(a.size(), b.size());
  int compared = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    const std::string& with = kValues[i % kValues.size()];
    EXPECT_EQ(a[i].literal, b[i].literal) << fast << " vs " << general << " with v = " << with;
    EXPECT_EQ(a[i].messages, b[i].messages) << fast << " vs " << general << " with v = " << with;
    ++compared;
  }
  return compared;
}

// Where an expression stands: as the value, an `if`'s condition, an operand of `and` / `or` /
// `not`, a context entry, a loop's body (over a local name), a filter's predicate.
std::vector<std::pair<std::string, std::string>> Positions(const std::string& fast, const std::string& general) {
  std::vector<std::pair<std::string, std::string>> out;
  auto both = [&](auto wrap) { out.emplace_back(wrap(fast), wrap(general)); };
  both([](const std::string& x) { return x; });
  both([](const std::string& x) { return "if " + x + " then \"T\" else \"F\""; });
  both([](const std::string& x) { return "(" + x + ") and v != null"; });
  both([](const std::string& x) { return "null or (" + x + ")"; });
  both([](const std::string& x) { return "not(" + x + ")"; });
  both([](const std::string& x) { return "{k: " + x + ", m: if k = true then 1 else 0}"; });
  both([](const std::string& x) { return "[{a: 1}, 2, {b: \"s\"}][" + x + "]"; });
  return out;
}

// The reads of v the nodes meet: through shaped contexts (cached after the first value of a
// shape), missing keys, null, values without properties (which report).
const std::vector<std::string> kReads = {"v", "v.a", "v.a.b", "v.b", "v.a.c", "v.a.zz", "v.year"};

TEST(SingleNodesTest, CoalesceAgreesWithTheGeneralIf) {
  int compared = 0;
  for (const auto& x : kReads) {
    const std::string g = "(if true then " + x + " else null)";
    compared += ExpectSame("if " + x + " = null then \"d\" else " + x, "if " + x + " = null then \"d\" else " + g);
    compared += ExpectSame("if " + x + " != null then " + x + " else []", "if " + x + " != null then " + g + " else []");
    // Read in place (EvalRef): as an argument of `concatenate`, and as a filter's list.
    compared += ExpectSame("concatenate(if " + x + " = null then [] else " + x + ", [0])",
                           "concatenate(if " + x + " = null then [] else " + g + ", [0])");
    compared += ExpectSame("concatenate([1], if " + x + " != null then " + x + " else [\"n\"], if " + x +
                               " = null then [2] else " + x + ")",
                           "concatenate([1], if " + x + " != null then " + g + " else [\"n\"], if " + x +
                               " = null then [2] else " + g + ")");
    compared += ExpectSame("(if " + x + " = null then [] else " + x + ")[item != 1]",
                           "(if " + x + " = null then [] else " + g + ")[item != 1]");
    // Over a local name: the loop's variable (a local slot), and a context entry.
    std::string lx = x;
    lx.replace(0, 1, "w");
    const std::string lg = "(if true then " + lx + " else null)";
    compared += ExpectSame("for w in [v, 1] return if " + lx + " = null then 0 else " + lx,
                           "for w in [v, 1] return if " + lx + " = null then 0 else " + lg);
    compared += ExpectSame("{w: v, r: if " + lx + " != null then " + lx + " else -1}.r",
                           "{w: v, r: if " + lx + " != null then " + lg + " else -1}.r");
  }
  EXPECT_GT(compared, 1'000);
}

TEST(SingleNodesTest, EqualBooleanOnAPathAgreesWithTheGeneralEquality) {
  int compared = 0;
  for (const auto& x : kReads) {
    for (const auto& [op, lit, name] : std::vector<std::tuple<std::string, std::string, std::string>>{
             {" = ", "true", "t"}, {" != ", "true", "t"}, {" = ", "false", "f"}, {" != ", "false", "f"}}) {
      for (const auto& [fast, general] : Positions("(" + x + ")" + op + lit, "(" + x + ")" + op + name))
        compared += ExpectSame(fast, general);
      std::string lx = x;
      lx.replace(0, 1, "w");
      compared += ExpectSame("for w in [v, 1, null] return " + lx + op + lit, "for w in [v, 1, null] return " + lx + op + name);
    }
  }
  EXPECT_GT(compared, 10'000);
}

TEST(SingleNodesTest, ListContainsStringAgreesWithTheGeneralCall) {
  int compared = 0;
  for (const auto& x : kReads) {
    for (const auto& [fast, general] : Positions("list contains(" + x + ", \"s\")", "list contains(" + x + ", s1)"))
      compared += ExpectSame(fast, general);
    std::string lx = x;
    lx.replace(0, 1, "w");
    compared += ExpectSame("for w in [v, [\"s\"], null] return list contains(" + lx + ", \"s\")",
                           "for w in [v, [\"s\"], null] return list contains(" + lx + ", s1)");
  }
  // A filter's item test over the items of v.a, with an item entry that shadows nothing.
  compared += ExpectSame(R"([["s"], ["t"], "s", null, [1, "s"]][list contains(item, "s")])",
                         R"([["s"], ["t"], "s", null, [1, "s"]][list contains(item, s1)])");
  EXPECT_GT(compared, 1'000);
}

// Hand-written expectations (FEEL's rules, not the program's output).
TEST(SingleNodesTest, HandWritten) {
  Context vars;
  vars.Put("c", ParsedValue(R"({x: true, y: null, z: ["s", "t"], n: 3, w: {x: false}})"));
  using Msgs = std::vector<std::string>;
  struct Case {
    std::string text, literal;
    Msgs messages;
  };
  std::string long_list = "[";
  for (int i = 0; i < 20; ++i) long_list += "\"k" + std::to_string(i) + "\", ";
  const std::vector<Case> cases = {
      {"c.x = true", "true", {}},
      {"c.w.x = true", "false", {}},
      {"c.w.x != true", "true", {}},
      {"c.y = true", "false", {}},  // null equals only null
      {"c.y != false", "true", {}},
      {"c.q = false", "false", {}},  // a missing key reads null
      {"c.n = true", "null", {"cannot compare number with boolean"}},
      {"c.n.x = true", "false", {"a number has no property 'x'"}},
      {R"(if c.y = null then "none" else c.y)", R"("none")", {}},
      {R"(if c.z != null then c.z else [])", R"(["s", "t"])", {}},
      {R"(if c.w.x = null then 1 else c.w.x)", "false", {}},
      {R"(list contains(c.z, "s"))", "true", {}},
      {R"(list contains(c.z, "u"))", "false", {}},
      {R"(list contains(c.y, "s"))", "null", {}},
      {R"(list contains([1, null, ["s"], "s"], "s"))", "true", {}},
      {"list contains(" + long_list + R"("s"], "s"))", "true", {}},
      {"list contains(" + long_list + R"("t"], "s"))", "false", {}},
      {"list contains(" + long_list + R"(1, "s"], "s"))", "true", {}},
      {R"(if list contains(c.z, "t") then 1 else 2)", "1", {}},
      {R"(concatenate(if c.y = null then [] else c.y, c.z, ["u"]))", R"(["s", "t", "u"])", {}},
      {R"(concatenate(c.z))", R"(["s", "t"])", {}},
      {R"(concatenate(c.z, c.y))", "null", {}},
  };
  for (const auto& c : cases) {
    const Answered r = EvaluatedWithMessages(c.text, vars);
    EXPECT_EQ(r.literal, c.literal) << c.text;
    EXPECT_EQ(r.messages, c.messages) << c.text;
  }
}

}  // namespace
}  // namespace zebra::feel::single_nodes_test
