// Conditions answered as verdicts (verdicts.cc) must answer as the general path does: the same
// branch taken, the same value of `and` / `or` / `not`, the same diagnostics (messages, count,
// order) and limits. The general answer is the condition behind `(if true then X else null)`,
// which evaluates X to its Value (Eval) and classifies that; `and` / `or` themselves are
// checked against DMN's three-valued table applied to their operands' general values.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/sanitizers.h"
#include "feel/builtins_test_util.h"
#include "feel/feel.h"

namespace zebra::feel::verdicts_test {
namespace {

using testing::Answered;
using testing::ParsedValue;

// Operands of every kind: null, booleans, numbers (integers, decimals, negatives), strings
// (empty, the literal the conditions compare with, others), dates, times, durations, lists,
// contexts, a range.
const std::vector<std::string> kOperands = {
    "null",
    "true",
    "false",
    "0",
    "1",
    "20",
    "25.5",
    "-3",
    R"("")",
    R"("s")",
    R"("sx")",
    R"("x")",
    R"(date("2020-01-01"))",
    R"(date("2021-06-30"))",
    R"(time("10:00:00"))",
    R"(duration("P1D"))",
    R"(duration("P1Y"))",
    "[]",
    "[1, 2]",
    R"(["s"])",
    "[true]",
    R"({x: 1})",
    R"({x: "s", y: null})",
    "{}",
    "[1..5]",
};

// The conditions: every comparison form the parser specialises (a name or a path against a
// name, null, a string literal, a number literal), count compares, `in`, fast built-ins, `not`,
// bare names and paths, and `and` / `or` of those.
std::vector<std::string> Conditions() {
  std::vector<std::string> out;
  for (const char* op : {"=", "!=", "<", "<=", ">", ">="}) {
    const std::string o = std::string(" ") + op + " ";
    for (const char* lhs : {"a", "c.x"}) {
      const std::string l = lhs;
      out.push_back(l + o + "b");
      out.push_back(l + o + "c.y");
      out.push_back(l + o + "null");
      out.push_back(l + o + R"("s")");
      out.push_back(l + o + "20");
      out.push_back(l + o + "1.5");
      out.push_back(l + o + "true");
      out.push_back(l + o + R"(date("2020-06-01"))");
    }
    out.push_back("null" + o + "a");
    out.push_back("count(a)" + o + "0");
    out.push_back("count(a)" + o + "2");
    out.push_back("count(c.y)" + o + "1");
    out.push_back("count(l[item > 1])" + o + "0");
    out.push_back("count(a[item = 1])" + o + "1");
  }
  for (const char* c : {"a in (1..30)", R"(a in ["s", 1, null])", "a in (b)", "a in (< 10)", "c.x in [1, 2]",
                        R"(starts with(a, "s"))", "list contains(a, b)", R"(ends with(c.x, "x"))",
                        "not(a)", "not(a = b)", "not(c.x)", "a", "c.x", "c.y", "(a)", "a instance of string",
                        "some v in a satisfies v > 1", "every v in [a, b] satisfies v = 1", "a between 1 and b",
                        "a and b", "a or b", "c.x and not(c.y)", "(a = b) or (a > 1 and b != null)",
                        R"(a = "s" or a = 1 or b = null)", R"(a != null and b != "s" and c.x > 0)",
                        "not(a) or not(b)", "(a or b) and (c.x or c.y)"})
    out.push_back(c);
  return out;
}

// The conditions' positions: an `if`'s condition, either operand of `and` / `or` (with each
// kind of other operand), `not`, inside a filter's predicate (where an item's entries shadow
// the names), nested `if`s, and where an iteration limit may be reached.
std::vector<std::string> Positions(const std::string& condition) {
  const std::string x = "(" + condition + ")";
  return {
      "if " + x + " then \"T\" else \"F\"",
      "if " + x + " then a else b",
      x + " and b",
      "b and " + x,
      x + " or a",
      "a or " + x,
      x + " and true",
      "false or " + x,
      x + " and (a = b)",
      "null or " + x,
      "not(" + x + ")",
      "if not(" + x + ") then 1 else 2",
      "if " + x + " and a != null then 1 else if " + x + " or b = null then 2 else 3",
      "[{a: \"s\", b: 1}, 7, {c: {x: 20}}, {x: 1}][if " + x + " then true else false]",
      "for i in [1, 2] return if " + x + " then i else -i",
      "if (some v in [1, 2, 3] satisfies v > 2) and " + x + " then 1 else 2",
      "{k: if " + x + " then 1 else 0, m: k}",
  };
}

// The operands b takes (a takes all of kOperands): one of each kind.
const std::vector<std::string> kSecondOperands = {
    "null", "true", "false", "1", "20", R"("s")", R"(date("2020-01-01"))", "[1, 2]", R"({x: 1})"};

// `text` evaluated once per (a, b) pair by one compiled expression (as in a batch), `c` being
// {x: a, y: b} and `l` a list of numbers.
std::vector<Answered> RunAll(const std::string& text, const std::vector<Value>& values,
                             const std::vector<Value>& seconds, int64_t max_iterations) {
  static const Value numbers = ParsedValue("[1, 2, 3]");
  Scope scope;
  const int a = scope.Declare("a");
  const int b = scope.Declare("b");
  const int c = scope.Declare("c");
  const int l = scope.Declare("l");
  auto expr = CompileExpression(text, scope);
  EXPECT_TRUE(expr.has_value()) << text;
  std::vector<Answered> out;
  if (!expr) return out;
  for (const Value& va : values) {
    for (const Value& vb : seconds) {
      std::vector<Value> slots(scope.size());
      slots[static_cast<size_t>(a)] = va;
      slots[static_cast<size_t>(b)] = vb;
      Context cx;
      cx.Put("x", va);
      cx.Put("y", vb);
      slots[static_cast<size_t>(c)] = Value::FromContext(std::move(cx));
      slots[static_cast<size_t>(l)] = numbers;
      EvalContext ctx;
      ctx.max_iterations = max_iterations;
      Value v = expr->Evaluate(slots, ctx);
      Answered r{ToFeelLiteral(v), {}};
      for (const auto& d : ctx.diagnostics()) r.messages.push_back(d.message);
      out.push_back(std::move(r));
    }
  }
  return out;
}

std::vector<Value> Values(const std::vector<std::string>& texts) {
  std::vector<Value> values;
  for (const auto& t : texts) values.push_back(ParsedValue(t));
  return values;
}

TEST(VerdictTest, AgreesWithTheGeneralPath) {
  const std::vector<Value> values = Values(kOperands);
  const std::vector<Value> seconds = Values(kSecondOperands);
  // Every condition in the release run; every kSanitizerStride-th one under the sanitizers.
  const std::vector<std::string> conditions = Conditions();
  int compared = 0;
  for (size_t k = 0; k < conditions.size(); k += kSanitizerStride) {
    const std::string& x = conditions[k];
    const std::vector<std::string> fast = Positions(x);
    const std::vector<std::string> general = Positions("(if true then " + x + " else null)");
    for (size_t p = 0; p < fast.size(); ++p) {
      for (int64_t limit : {int64_t{10'000'000}, int64_t{2}}) {
        if (limit == 2 && p != 15 && p != 16) continue;  // the forms that iterate
        auto fa = RunAll(fast[p], values, seconds, limit);
        auto ge = RunAll(general[p], values, seconds, limit);
        ASSERT_EQ(fa.size(), ge.size());
        for (size_t i = 0; i < fa.size(); ++i) {
          const std::string with = " with a = " + kOperands[i / seconds.size()] + ", b = " +
                                   kSecondOperands[i % seconds.size()] + ", limit " + std::to_string(limit);
          EXPECT_EQ(fa[i].literal, ge[i].literal) << fast[p] << with;
          EXPECT_EQ(fa[i].messages, ge[i].messages) << fast[p] << with;
          ++compared;
        }
      }
    }
  }
  EXPECT_GT(compared, Sampled(300'000));
}

// `X and Y`, `X or Y` against DMN 1.5 Table 49 applied to the operands' values, each from the
// general path: false wins for and, true for or, else both booleans decide and anything else is
// null; the right operand is evaluated (its diagnostics reported) unless the left one decides.
TEST(VerdictTest, AndOrFollowTheThreeValuedTable) {
  const std::vector<Value> values = Values(kOperands);
  const std::vector<Value> seconds = Values(kSecondOperands);
  // `v` is a local (a loop's variable, in a slot above another's), read inline by the verdict.
  const std::vector<std::string> operands = {"a",     "b",     "c.x",  "a = b", "a > 1", "not(a)", "a = \"s\"",
                                             "count(a) > 0", "true", "false", "null", "5", "v", "v = a"};
  // Every expression with `v` bound to b, inside two loops (each of one item).
  auto in_loops = [](const std::string& t) {
    return "(for w in [1] return (for v in [b] return " + t + ")[1])[1]";
  };
  // Under the sanitizers every kSanitizerStride-th left operand, each against every right one.
  int compared = 0;
  for (size_t ix = 0; ix < operands.size(); ix += kSanitizerStride) {
    const std::string& x = operands[ix];
    for (const auto& y : operands) {
      auto vx = RunAll(in_loops("(if true then " + x + " else null)"), values, seconds, 1'000'000);
      auto vy = RunAll(in_loops("(if true then " + y + " else null)"), values, seconds, 1'000'000);
      auto both_and = RunAll(in_loops(x + " and " + y), values, seconds, 1'000'000);
      auto both_or = RunAll(in_loops(x + " or " + y), values, seconds, 1'000'000);
      auto in_if_and = RunAll(in_loops("if " + x + " and " + y + " then 1 else 0"), values, seconds, 1'000'000);
      auto in_if_or = RunAll(in_loops("if " + x + " or " + y + " then 1 else 0"), values, seconds, 1'000'000);
      for (size_t i = 0; i < vx.size(); ++i) {
        const std::string& l = vx[i].literal;
        const std::string& r = vy[i].literal;
        const std::string and_value = (l == "false" || r == "false") ? "false"
                                      : (l == "true" && r == "true") ? "true"
                                                                     : "null";
        const std::string or_value = (l == "true" || r == "true") ? "true"
                                     : (l == "false" && r == "false") ? "false"
                                                                      : "null";
        std::vector<std::string> and_messages = vx[i].messages, or_messages = vx[i].messages;
        if (l != "false") and_messages.insert(and_messages.end(), vy[i].messages.begin(), vy[i].messages.end());
        if (l != "true") or_messages.insert(or_messages.end(), vy[i].messages.begin(), vy[i].messages.end());
        const std::string with = " with a = " + kOperands[i / seconds.size()] + ", b = " + kSecondOperands[i % seconds.size()];
        EXPECT_EQ(both_and[i].literal, and_value) << x << " and " << y << with;
        EXPECT_EQ(both_and[i].messages, and_messages) << x << " and " << y << with;
        EXPECT_EQ(both_or[i].literal, or_value) << x << " or " << y << with;
        EXPECT_EQ(both_or[i].messages, or_messages) << x << " or " << y << with;
        EXPECT_EQ(in_if_and[i].literal, and_value == "true" ? "1" : "0") << x << " and " << y << with;
        EXPECT_EQ(in_if_and[i].messages, and_messages) << x << " and " << y << with;
        EXPECT_EQ(in_if_or[i].literal, or_value == "true" ? "1" : "0") << x << " or " << y << with;
        EXPECT_EQ(in_if_or[i].messages, or_messages) << x << " or " << y << with;
        ++compared;
      }
    }
  }
  EXPECT_GT(compared, Sampled(30'000));
}

// Hand-written expectations (FEEL's rules, not the program's output).
TEST(VerdictTest, HandWritten) {
  auto eval = [](const std::string& text) {
    Context vars;
    vars.Put("a", Value::String("s"));
    vars.Put("n", Value::Number(int64_t{25}));
    vars.Put("d", ParsedValue(R"(date("2020-01-01"))"));
    vars.Put("c", ParsedValue(R"({x: "s", y: null, z: [1, 2]})"));
    return testing::EvaluatedWithMessages(text, vars);
  };
  using Msgs = std::vector<std::string>;
  struct Case {
    std::string text, literal;
    Msgs messages;
  };
  const std::vector<Case> cases = {
      {R"(if a = "s" then 1 else 2)", "1", {}},
      {R"(if a != "s" then 1 else 2)", "2", {}},
      {R"(if c.y = "s" then 1 else 2)", "2", {}},
      {R"(if c.y != "s" then 1 else 2)", "1", {}},
      {"if c.y = null then 1 else 2", "1", {}},
      {"if n > 20 then 1 else 2", "1", {}},
      {"if n < 20 then 1 else 2", "2", {}},
      {"if c.y < 20 then 1 else 2", "2", {}},  // null: the else branch
      {"if a < 20 then 1 else 2", "2", {"cannot order string and number"}},
      {"if a = 20 then 1 else 2", "2", {"cannot compare string with number"}},
      {"if a != 20 then 1 else 2", "2", {"cannot compare string with number"}},
      {R"(if d < date("2021-01-01") then 1 else 2)", "1", {}},
      {"if count(c.z) = 2 then 1 else 2", "1", {}},
      {"if count(c.z) > 2 then 1 else 2", "2", {}},
      {"if c.x then 1 else 2", "2", {}},  // a string is no condition
      {"if a in [\"s\", \"t\"] then 1 else 2", "1", {}},
      {"if not(a = \"s\") then 1 else 2", "2", {}},
      {"if starts with(a, \"s\") then 1 else 2", "1", {}},
      {"a = \"s\" and n > 20", "true", {}},
      {"a = \"s\" and c.y > 20", "null", {}},
      {"c.y > 20 and a = \"t\"", "false", {}},
      {"a = \"t\" and a < 1", "false", {}},  // false decides: the right operand is not evaluated
      {"a = \"s\" and a < 1", "null", {"cannot order string and number"}},
      {"a = \"s\" or a < 1", "true", {}},  // true decides
      {"a = \"t\" or a < 1", "null", {"cannot order string and number"}},
      {"a < 1 or a = 1", "null", {"cannot order string and number", "cannot compare string with number"}},
      {"a < 1 or a = \"s\"", "true", {"cannot order string and number"}},
      {"c.y or false", "null", {}},
      {"false or false", "false", {}},
      {"c.x and true", "null", {}},  // a string is neither true nor false
      {"n or true", "true", {}},
      {"if a < 1 or a = 1 then 1 else 2", "2",
       {"cannot order string and number", "cannot compare string with number"}},
  };
  for (const auto& c : cases) {
    const Answered r = eval(c.text);
    EXPECT_EQ(r.literal, c.literal) << c.text;
    EXPECT_EQ(r.messages, c.messages) << c.text;
  }
}

}  // namespace
}  // namespace zebra::feel::verdicts_test
