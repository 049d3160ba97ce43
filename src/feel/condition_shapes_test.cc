// The condition shapes chosen at parse time (condition_shapes.h) must answer as the general
// nodes do: `X = true` against `X = t` with t a name holding true (a general EqualNode),
// `x in ("s", "x")` against the same tests written with names holding those strings (a general
// InNode), `a or b or c` against `a or (b or c)` (nested OrNodes, not flattened) and against DMN
// 1.5 Table 49 applied in the test to the operands' general values. Values, diagnostics (messages,
// count, order) and iteration limits are compared in every position a condition takes.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "common/sanitizers.h"
#include "feel/builtins_test_util.h"
#include "feel/feel.h"

namespace zebra::feel::condition_shapes_test {
namespace {

using testing::Answered;
using testing::ParsedValue;

const std::vector<std::string> kOperands = {
    "null", "true", "false", "0", "1", "20", R"("")", R"("s")", R"("sx")", R"("x")", R"(date("2020-01-01"))",
    R"(duration("P1D"))", "[]", R"(["s"])", "[true]", R"({x: 1})", R"({x: "s", y: null})", "[1..5]",
};
const std::vector<std::string> kSecondOperands = {"null", "true", "false", "1", R"("s")", R"("x")", "[1, 2]"};

// `text` compiled once and evaluated per (a, b) pair, with c = {x: a, y: b}, l = [1, 2, 3], the
// names t, f holding true, false and s1 .. s4 holding "s", "x", "sx", "".
std::vector<Answered> RunAll(const std::string& text, int64_t max_iterations) {
  // Parsed once: a parsed literal is immortal (MakeImmortal), and the registry of those is
  // bounded for the whole process, which the other tests share.
  static const Value numbers = ParsedValue("[1, 2, 3]");
  static const std::vector<Value> values = [] {
    std::vector<Value> v;
    for (const auto& t : kOperands) v.push_back(ParsedValue(t));
    return v;
  }();
  static const std::vector<Value> seconds = [] {
    std::vector<Value> v;
    for (const auto& t : kSecondOperands) v.push_back(ParsedValue(t));
    return v;
  }();
  Scope scope;
  const int a = scope.Declare("a");
  const int b = scope.Declare("b");
  const int c = scope.Declare("c");
  const int l = scope.Declare("l");
  const int t = scope.Declare("t");
  const int f = scope.Declare("f");
  const int s[4] = {scope.Declare("s1"), scope.Declare("s2"), scope.Declare("s3"), scope.Declare("s4")};
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
      slots[static_cast<size_t>(t)] = Value::Bool(true);
      slots[static_cast<size_t>(f)] = Value::Bool(false);
      const char* strings[4] = {"s", "x", "sx", ""};
      for (int i = 0; i < 4; ++i) slots[static_cast<size_t>(s[i])] = Value::String(strings[i]);
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

// Where a condition stands: as a value, an `if`'s condition, an operand of `and` / `or` / `not`,
// a filter's predicate (where item entries shadow names), in a loop, a context entry, next to a
// `some` that may reach an iteration limit.
std::vector<std::string> Positions(const std::string& condition) {
  const std::string x = "(" + condition + ")";
  return {
      x,
      "if " + x + " then \"T\" else \"F\"",
      x + " and b",
      "b or " + x,
      "null or " + x,
      "not(" + x + ")",
      "[{a: \"s\", b: true}, 7, {c: {x: 20}}, {a: \"x\", b: null}, {b: 1}][" + x + "]",
      "[{a: \"s\", b: true}, {a: \"x\", b: false}, {a: 1}, {b: null}][item.a = \"s\" or " + x + "]",
      "for i in [1, 2] return if " + x + " then i else -i",
      "if (some v in [1, 2, 3] satisfies v > 2) and " + x + " then 1 else 2",
      "{k: " + x + ", m: if k then 1 else 0}",
  };
}

// Each fast form's positions against the reference's, over every operand pair.
int Compare(const std::string& fast_form, const std::string& reference) {
  const std::vector<std::string> fast = Positions(fast_form);
  const std::vector<std::string> general = Positions(reference);
  int compared = 0;
  for (size_t p = 0; p < fast.size(); ++p) {
    for (int64_t limit : {int64_t{10'000'000}, int64_t{2}}) {
      if (limit == 2 && p != 9) continue;  // the form that iterates
      auto fa = RunAll(fast[p], limit);
      auto ge = RunAll(general[p], limit);
      EXPECT_EQ(fa.size(), ge.size());
      for (size_t i = 0; i < fa.size() && i < ge.size(); ++i) {
        const std::string with = " with a = " + kOperands[i / kSecondOperands.size()] +
                                 ", b = " + kSecondOperands[i % kSecondOperands.size()];
        EXPECT_EQ(fa[i].literal, ge[i].literal) << fast[p] << " vs " << general[p] << with;
        EXPECT_EQ(fa[i].messages, ge[i].messages) << fast[p] << " vs " << general[p] << with;
        ++compared;
      }
    }
  }
  return compared;
}

// The left operands of `= true`: names, paths, conditions that give only booleans and null
// (read as verdicts), and other nodes (read as values).
const std::vector<std::string> kBooleanOperands = {
    "a", "c.x", "c.y", "b", "(a or b)", "(a and b)", "(a or b or c.x)", "(a and b and c.y)", "(a = b)",
    "(a != null)", R"((a = "s"))", "(a > 1)", "(a < c.y)", "(a = true)", "(count(a) > 0)", R"((a in ("s", "x")))",
    "(a in (1, 2))", "not(a)", R"(starts with(a, "s"))", "list contains(a, b)", "(if a = 1 then b else c.x)"};

TEST(ConditionShapesTest, EqualBooleanLiteralAgreesWithTheGeneralEquality) {
  // Under the sanitizers every kSanitizerStride-th operand.
  int compared = 0;
  for (size_t k = 0; k < kBooleanOperands.size(); k += kSanitizerStride) {
    const std::string& x = kBooleanOperands[k];
    compared += Compare(x + " = true", x + " = t");
    compared += Compare(x + " != true", x + " != t");
    compared += Compare(x + " = false", x + " = f");
    compared += Compare(x + " != false", x + " != f");
  }
  EXPECT_GT(compared, Sampled(100'000));
}

TEST(ConditionShapesTest, InStringLiteralsAgreesWithTheGeneralTests) {
  int compared = 0;
  for (const char* x : {"a", "c.x", "c.y", "b", "(a or b)", "(if a = 1 then c else a)"}) {
    const std::string v = x;
    compared += Compare(v + R"( in ("s", "x"))", v + " in (s1, s2)");
    compared += Compare(v + R"( in "s")", v + " in s1");
    compared += Compare(v + R"( in ("sx"))", v + " in (s3)");
    compared += Compare(v + R"( in ("", "x", "sx"))", v + " in (s4, s2, s3)");
    compared += Compare("not(" + v + R"( in ("s", "x")))", "not(" + v + " in (s1, s2))");
  }
  EXPECT_GT(compared, 30'000);
}

TEST(ConditionShapesTest, StringTestsAgreeWithTheGeneralCall) {
  int compared = 0;
  for (const char* call : {"starts with", "ends with", "contains"}) {
    for (const char* x : {"a", "c.x", "c.y", "b", "(if a = 1 then c else a)"}) {
      const std::string c = call;
      compared += Compare(c + "(" + x + R"(, "s"))", c + "(" + x + ", s1)");
      compared += Compare(c + "(" + x + R"(, ""))", c + "(" + x + ", s4)");
      compared += Compare(c + "(" + x + R"(, "sx"))", c + "(" + x + ", s3)");
      compared += Compare(c + "(" + x + R"(, "x") or a = 1)", c + "(" + x + ", s2) or a = 1");
    }
  }
  EXPECT_GT(compared, 50'000);
}

// Under AddressSanitizer at -O0 all 49 operand pairs below took most of the sanitizer run; there
// a fifth of the pairs are compared, with every operand still on each side. The release run
// compares them all.
constexpr size_t kPairStride = kAddressSanitizer ? 5 : 1;

TEST(ConditionShapesTest, ChainsAgreeWithNestedOperators) {
  const std::vector<std::string> operands = {"a", "c.x", "a < 1", R"(a = "s")", "b = null", "null",
                                             "count(l[item > b]) > 0"};
  int compared = 0;
  for (const char* op : {" or ", " and "}) {
    for (size_t ix = 0; ix < operands.size(); ++ix) {
      for (size_t iy = 0; iy < operands.size(); ++iy) {
        if ((ix + iy) % kPairStride != 0) continue;
        const std::string& x = operands[ix];
        const std::string& y = operands[iy];
        for (const auto& z : {std::string("b != true"), std::string("a > 0")}) {
          // `v` bound by a loop of one item: an operand read from a local slot.
          auto loop = [](const std::string& t) { return "(for v in [b] return " + t + ")[1]"; };
          compared += Compare(loop(x + op + y + op + z + op + "v"), loop(x + op + "(" + y + op + "(" + z + op + "v))"));
          compared += Compare(x + op + y + op + z + op + x, x + op + "(" + y + op + "(" + z + op + x + "))");
        }
      }
    }
  }
  EXPECT_GT(compared, 200'000 / static_cast<int>(kPairStride));
}

// String tests of one name chained by `or` (`systemic(id)`'s `starts with(id, "ssa.") or ...`),
// the name read once for the chain, against the same tests nested (no chain) with the literals
// in names (the general built-in calls); mixed names and a local slot too.
TEST(ConditionShapesTest, StringTestChainsOfOneNameAgreeWithTheGeneralCalls) {
  const std::vector<std::pair<std::string, std::string>> chains = {
      {R"(starts with(X, "s") or ends with(X, "x") or contains(X, "sx"))",
       "starts with(X, s1) or (ends with(X, s2) or contains(X, s3))"},
      {R"(starts with(X, "x") or starts with(X, "sx") or starts with(X, "") or starts with(X, "s"))",
       "starts with(X, s2) or (starts with(X, s3) or (starts with(X, s4) or starts with(X, s1)))"},
      {R"(ends with(X, "sx") or contains(X, "x") or ends with(X, "s"))",
       "ends with(X, s3) or (contains(X, s2) or ends with(X, s1))"},
      {R"(starts with(X, "x") or starts with(Y, "s") or ends with(X, "s"))",
       "starts with(X, s2) or (starts with(Y, s1) or ends with(X, s1))"},
  };
  auto with = [](std::string t, const std::string& x, const std::string& y) {
    for (size_t p; (p = t.find('X')) != std::string::npos;) t.replace(p, 1, x);
    for (size_t p; (p = t.find('Y')) != std::string::npos;) t.replace(p, 1, y);
    return t;
  };
  int compared = 0;
  for (const auto& [fast, reference] : chains) {
    compared += Compare(with(fast, "a", "b"), with(reference, "a", "b"));
    compared += Compare(with(fast, "b", "a"), with(reference, "b", "a"));
    // `v` bound by a loop of one item: the name is a local slot.
    auto loop = [](const std::string& t) { return "(for v in [a] return " + t + ")[1]"; };
    compared += Compare(loop(with(fast, "v", "v")), loop(with(reference, "v", "v")));
  }
  EXPECT_GT(compared, 10'000);
}

// `a or b or c` and `a and b and c` against DMN 1.5 Table 49 applied in the test to each
// operand's general value (an operand behind `if true then X else null`), with an operand's
// diagnostics expected only when no operand to its left decided.
TEST(ConditionShapesTest, ChainsFollowTheThreeValuedTable) {
  const std::vector<std::string> operands = {"a", "c.x", "a < 1", R"(a = "s")", "b = 1", "null"};
  int compared = 0;
  for (const auto& x : operands) {
    for (const auto& y : operands) {
      for (const auto& z : operands) {
        std::vector<std::vector<Answered>> each;
        for (const auto& o : {x, y, z}) each.push_back(RunAll("if true then " + o + " else null", 1'000'000));
        auto ors = RunAll(x + " or " + y + " or " + z, 1'000'000);
        auto ands = RunAll(x + " and " + y + " and " + z, 1'000'000);
        for (size_t i = 0; i < ors.size(); ++i) {
          for (bool is_or : {true, false}) {
            const std::string decides = is_or ? "true" : "false";
            std::string value = is_or ? "false" : "true";
            std::vector<std::string> messages;
            for (const auto& e : each) {
              messages.insert(messages.end(), e[i].messages.begin(), e[i].messages.end());
              if (e[i].literal == decides) {
                value = decides;
                break;
              }
              if (e[i].literal != "true" && e[i].literal != "false") value = "null";
            }
            const Answered& got = is_or ? ors[i] : ands[i];
            EXPECT_EQ(got.literal, value) << x << (is_or ? " or " : " and ") << y << " .. " << z << " #" << i;
            EXPECT_EQ(got.messages, messages) << x << (is_or ? " or " : " and ") << y << " .. " << z << " #" << i;
            ++compared;
          }
        }
      }
    }
  }
  EXPECT_GT(compared, 50'000);
}

// Hand-written expectations (FEEL's rules, not the program's output).
TEST(ConditionShapesTest, HandWritten) {
  auto eval = [](const std::string& text) {
    Context vars;
    vars.Put("a", Value::String("s"));
    vars.Put("n", Value::Number(int64_t{25}));
    vars.Put("yes", Value::Bool(true));
    vars.Put("c", ParsedValue(R"({x: "s", y: null, z: [1, 2], w: false})"));
    return testing::EvaluatedWithMessages(text, vars);
  };
  using Msgs = std::vector<std::string>;
  struct Case {
    std::string text, literal;
    Msgs messages;
  };
  const std::vector<Case> cases = {
      {"yes = true", "true", {}},
      {"yes != true", "false", {}},
      {"c.w = false", "true", {}},
      {"c.y = true", "false", {}},   // null equals only null
      {"c.y != false", "true", {}},
      {"a = true", "null", {"cannot compare string with boolean"}},
      {"(n > 20 or c.y) = true", "true", {}},
      {"(c.y or false) = true", "false", {}},  // null
      {"(c.y or false) != true", "true", {}},
      {"(c.y or false) = false", "false", {}},
      {"(n < 1 or a < 1) = true", "false", {"cannot order string and number"}},
      {R"(a in ("t", "s"))", "true", {}},
      {R"(a in ("t", "u"))", "false", {}},
      {R"(c.y in ("s"))", "false", {}},  // null is no string
      {R"(n in ("25"))", "false", {}},
      {R"(if c.x in ("s", "x") then 1 else 2)", "1", {}},
      {"c.y or false or n > 1", "true", {}},
      {"c.y or false or n < 1", "null", {}},
      {"false or false or false", "false", {}},
      {"true and yes and c.y", "null", {}},
      {"true and c.y and false", "false", {}},
      {"n > 1 and a < 1 and c.y", "null", {"cannot order string and number"}},
      {"n < 1 and a < 1 and c.y", "false", {}},  // false decides: the rest is not evaluated
      {"n > 1 or a < 1 or n < a", "true", {}},
      {"n < 1 or a < 1 or n < a", "null", {"cannot order string and number", "cannot order number and string"}},
      {R"(starts with(a, "s"))", "true", {}},
      {R"(starts with(c.x, "sx"))", "false", {}},
      {R"(ends with(a, ""))", "true", {}},
      {R"(contains(c.y, "s"))", "null", {}},
      {R"(if contains(n, "2") then 1 else 2)", "2", {"contains: expected a string, got a number"}},
      {R"(starts with(a, "x") or ends with(a, "x") or contains(a, "s"))", "true", {}},
      {R"(starts with(a, "x") or ends with(a, "x") or contains(a, "t"))", "false", {}},
      {R"(starts with(c.y, "x") or ends with(c.y, "x") or contains(c.y, "t"))", "null", {}},
      {R"(starts with(n, "x") or ends with(n, "x") or contains(n, "t"))", "null",
       {"starts with: expected a string, got a number", "ends with: expected a string, got a number",
        "contains: expected a string, got a number"}},
      {R"({f: function(id) starts with(id, "ssa.") or starts with(id, "prrt.") or ends with(id, ".x"),)"
       R"( r: [f("ssa.a"), f("prrt."), f("a.x"), f("ssa"), f(null)]}.r)", "[true, true, true, false, null]", {}},
  };
  for (const auto& c : cases) {
    const Answered r = eval(c.text);
    EXPECT_EQ(r.literal, c.literal) << c.text;
    EXPECT_EQ(r.messages, c.messages) << c.text;
  }
}

}  // namespace
}  // namespace zebra::feel::condition_shapes_test
