// The inline comparator of `sort` (SortCallNode, user_call.h) must answer as the general path
// does: values, diagnostics and their order, limits. The general answer is the same comparator
// bound to a name first (`{f: function(a, b) ..., r: sort(l, f)}.r`), which no specialised node
// takes: a closure called through UserFunction::Call by the built-in sort.
#include "feel/user_call.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "feel/builtins_test_util.h"
#include "feel/feel.h"

namespace zebra::feel::user_call_test {
namespace {

using testing::Answered;
using testing::EvaluatedWithMessages;
using testing::ParsedValue;

// `sort(LIST, function(a, b) BODY)` in place, and the same through a name.
std::string Inline(const std::string& list, const std::string& body) {
  return "sort(" + list + ", function(a, b) " + body + ")";
}
std::string ThroughName(const std::string& list, const std::string& body) {
  return "{f: function(a, b) " + body + ", r: sort(" + list + ", f)}.r";
}

// Random lists: numbers with many ties, strings, nulls, booleans, contexts with a key and a tie
// breaker (some missing or of another type), nested lists.
std::string RandomItem(std::mt19937& rng, int kind) {
  std::uniform_int_distribution<int> small(0, 4);
  switch (kind) {
    case 0: return std::to_string(small(rng));
    case 1: return "\"" + std::string(1, static_cast<char>('a' + small(rng))) + "\"";
    case 2: return "null";
    case 3: return small(rng) % 2 ? "true" : "false";
    case 4: return "[" + std::to_string(small(rng)) + "]";
    default: {
      const int form = small(rng);
      if (form == 0) return "{k: " + std::to_string(small(rng)) + "}";
      if (form == 1) return "{k: \"x\", t: " + std::to_string(small(rng)) + "}";
      if (form == 2) return "{k: null, t: 1}";
      return "{k: " + std::to_string(small(rng)) + ", t: " + std::to_string(small(rng)) + "}";
    }
  }
}
std::string RandomList(std::mt19937& rng, bool mixed, int kind) {
  std::uniform_int_distribution<int> length(0, 9), kinds(0, 5), odd(0, 9);
  const int n = length(rng);
  std::string s = "[";
  for (int i = 0; i < n; ++i) {
    if (i) s += ", ";
    // A few stray items of another kind in most lists: comparisons that fail half-way.
    s += RandomItem(rng, mixed || odd(rng) == 0 ? kinds(rng) : kind);
  }
  return s + "]";
}

TEST(SortCallNode, AgreesWithTheGeneralPathOnGeneratedLists) {
  // Comparators: orders, ties broken by a second key (the Ranking's), null and non-boolean
  // answers, errors, an outer name, calls, a nested user function call, the list itself.
  const std::vector<std::string> bodies = {
      "a < b",
      "a > b",
      "a.k > b.k or (a.k = b.k and a.t < b.t)",
      "a.k < b.k",
      "a = b",
      "if a = 1 then null else a < b",
      "if a = 2 then 7 else a > b",
      "a.k",
      "a + b < off",
      "a < b + off",
      "string(a) < string(b)",
      "count(l) > 3 and a < b",
      "{g: function(x) x * 2}.g(a) < b",
      "a.t != null and b.t != null and a.t < b.t or a.t = null",
      "not(a < b)",
      "a < c",
      "true",
      "false",
      "null",
      "if a > b then true else false",
      // Bodies that declare names (a filter's item, a loop variable, context entries): the general path.
      "count([a, b][item = a]) = 1 and a < b",
      "{x: a, y: b}.x < {x: a, y: b}.y",
      "some x in [a] satisfies x < b",
      "[b][item < a] = [] and ([][item] = [] or a < b)",
      // A filter over an empty list probes its predicate with its item slot as the last
      // non-empty run left it: a reused frame would show the previous comparison's item.
      "(if a < b then [a] else [])[item] = null",
  };
  std::mt19937 rng(21);
  int compared = 0;
  for (int round = 0; round < 60; ++round) {
    const int kind = round % 6;
    const std::string list = RandomList(rng, round % 5 == 4, kind);
    Context vars;
    vars.Put("l", ParsedValue(list));
    vars.Put("off", Value::Number(round % 3));
    for (const auto& body : bodies) {
      for (const std::string& target : {std::string("l"), list, std::string("l[1]")}) {
        Answered fast = EvaluatedWithMessages(Inline(target, body), vars);
        Answered slow = EvaluatedWithMessages(ThroughName(target, body), vars);
        EXPECT_EQ(fast.literal, slow.literal) << Inline(target, body) << " with l = " << list;
        EXPECT_EQ(fast.messages, slow.messages) << Inline(target, body) << " with l = " << list;
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 60 * 25 * 3);
}

// Captured names of enclosing scopes (a loop variable, a context entry) as the closure copies
// them, and a sort inside the loop that declares them.
TEST(SortCallNode, ReadsTheNamesAroundItAsAClosureWould) {
  Context vars;
  vars.Put("l", ParsedValue("[3, 1, 2, 5, 4, 1]"));
  for (const std::string& e : {
           std::string("for off in [0, 2, 4] return sort(l, function(a, b) (a - off) * (a - off) < (b - off) * (b - off))"),
           std::string("{w: 3, r: sort(l, function(a, b) modulo(a * w, 4) < modulo(b * w, 4))}.r"),
           std::string("for x in [[2, 1], [], [1]] return {c: count(x), s: sort(x, function(a, b) a < b + c)}"),
           std::string("sort(for i in l return {i: i}, function(a, b) a.i > b.i)")}) {
    const std::string general = [&] {
      // The same comparator through a name defined where the inline one is.
      std::string g = e;
      const size_t at = g.find("sort(");
      const size_t fn = g.find("function(a, b) ", at);
      const size_t end = g.rfind(')');
      std::string comparator = g.substr(fn, end - fn);
      std::string list = g.substr(at + 5, fn - 2 - (at + 5));
      return g.substr(0, at) + "{f: " + comparator + ", r: sort(" + list + ", f)}.r" + g.substr(end + 1);
    }();
    Answered fast = EvaluatedWithMessages(e, vars);
    Answered slow = EvaluatedWithMessages(general, vars);
    EXPECT_EQ(fast.literal, slow.literal) << e << " against " << general;
    EXPECT_EQ(fast.messages, slow.messages) << e;
  }
}

// Hand-written answers: ties keep their order (a stable sort), the Ranking's comparator, a
// comparator that fails stops the sort with the built-in's message.
TEST(SortCallNode, HandWrittenAnswers) {
  Context vars;
  EXPECT_EQ(EvaluatedWithMessages("sort([3, 1, 2], function(a, b) a < b)", vars).literal, "[1, 2, 3]");
  EXPECT_EQ(EvaluatedWithMessages(
                "sort([{id: \"x\", s: 1, t: 3}, {id: \"y\", s: 5, t: 9}, {id: \"z\", s: 1, t: 2}, {id: \"w\", s: 5, t: 9}], "
                "function(a, b) a.s > b.s or (a.s = b.s and a.t < b.t))",
                vars)
                .literal,
            "[{id: \"y\", s: 5, t: 9}, {id: \"w\", s: 5, t: 9}, {id: \"z\", s: 1, t: 2}, {id: \"x\", s: 1, t: 3}]");
  EXPECT_EQ(EvaluatedWithMessages("sort([2, 1], function(a, b) false)", vars).literal, "[2, 1]");
  EXPECT_EQ(EvaluatedWithMessages("sort([2, 1], function(a, b) true)", vars).literal, "[1, 2]");
  EXPECT_EQ(EvaluatedWithMessages("sort(null, function(a, b) a < b)", vars).literal, "null");
  EXPECT_EQ(EvaluatedWithMessages("sort(7, function(a, b) a < b)", vars).literal, "[7]");
  EXPECT_EQ(EvaluatedWithMessages("sort([], function(a, b) a < b)", vars).literal, "[]");
  Answered bad = EvaluatedWithMessages("sort([1, 2, 3], function(a, b) if b = 2 then \"no\" else a < b)", vars);
  EXPECT_EQ(bad.literal, "null");
  ASSERT_EQ(bad.messages.size(), 1u);
  EXPECT_EQ(bad.messages[0], "sort: precedes must return a boolean, got \"no\"");
  Answered mixed = EvaluatedWithMessages("sort([1, \"a\"], function(a, b) a < b)", vars);
  EXPECT_EQ(mixed.literal, "null");
  ASSERT_EQ(mixed.messages.size(), 2u);  // the order's error, then the sort's
  EXPECT_EQ(mixed.messages[1], "sort: precedes must return a boolean, got null");
}

// The call depth limit counts each comparison as a call, as UserFunction::Call does.
TEST(SortCallNode, DepthLimitPerComparison) {
  for (int depth : {0, 1, 2, 3}) {
    for (const std::string& body : {std::string("a < b"), std::string("{g: function(x) x}.g(a) < b")}) {
      std::vector<std::string> answers;
      for (const std::string& e : {Inline("[3, 1, 2]", body), ThroughName("[3, 1, 2]", body)}) {
        EvalContext ctx;
        ctx.max_depth = depth;
        auto r = EvaluateExpression(e, Context{}, ctx);
        ASSERT_TRUE(r.has_value()) << e;
        std::string a = ToFeelLiteral(*r) + (ctx.limit_exceeded ? " limit" : "");
        for (const auto& d : ctx.diagnostics()) a += " | " + d.message;
        answers.push_back(a);
      }
      EXPECT_EQ(answers[0], answers[1]) << body << " at depth " << depth;
    }
  }
}

}  // namespace
}  // namespace zebra::feel::user_call_test

namespace zebra::feel::user_call_test {
namespace {

using testing::Answered;
using testing::EvaluatedWithMessages;
using testing::ParsedValue;

// `name(args)` positionally (UserCallNode) and with named arguments (the general CallNamed path,
// which maps names to positions and calls UserFunction::Call).
struct CallForms {
  std::string definitions;  // context entries before the call: `f: function(x) ...`
  std::string positional;
  std::string named;
};

TEST(UserCallNode, AgreesWithNamedCallsOnGeneratedArguments) {
  const std::vector<CallForms> forms = {
      {"f: function(x) x + 1", "f(v)", "f(x: v)"},
      {"f: function(x, y) x < y", "f(v, w)", "f(x: v, y: w)"},
      {"f: function(x) if x > 2 then \"big\" else null", "f(v)", "f(x: v)"},
      {"f: function(id) starts with(id, \"ssa.\") or starts with(id, \"prrt.\")", "f(v)", "f(id: v)"},
      {"f: function(n) if n <= 1 then \"first\" else if n = 2 then \"second\" else \"later\"", "f(v + 1)",
       "f(n: v + 1)"},
      {"k: 10, f: function(x) x + k", "f(v)", "f(x: v)"},
      {"f: function(x) function(y) [x, y]", "f(v)(w)", "f(x: v)(y: w)"},
      {"f: function(x, y) {a: x, b: y, c: x = y}", "f(v, w)", "f(x: v, y: w)"},
      {"f: function(l) l[item > 1]", "f(v)", "f(l: v)"},
      {"f: function(x) for i in [1, 2] return x + i", "f(v)", "f(x: v)"},
      {"f: function(x) x.a", "f(v)", "f(x: v)"},
      {"f: function(a, b, c, d) [d, c, b, a]", "f(v, w, v, w)", "f(a: v, b: w, c: v, d: w)"},
  };
  const std::vector<std::string> values = {"1", "3", "-2.5", "null", "\"ssa.x\"", "\"prrt\"", "true",
                                           "[1, 2, 3]", "[]", "{a: 1}", "{a: \"s\"}", "[null, 2]"};
  int compared = 0;
  for (const auto& form : forms) {
    for (const auto& v : values) {
      for (const auto& w : {std::string("2"), std::string("\"ssa.y\""), std::string("null")}) {
        Context vars;
        vars.Put("v", ParsedValue(v));
        vars.Put("w", ParsedValue(w));
        const std::string fast = "{" + form.definitions + ", r: " + form.positional + "}.r";
        const std::string slow = "{" + form.definitions + ", r: " + form.named + "}.r";
        Answered a = EvaluatedWithMessages(fast, vars);
        Answered b = EvaluatedWithMessages(slow, vars);
        EXPECT_EQ(a.literal, b.literal) << fast << " with v = " << v << ", w = " << w;
        EXPECT_EQ(a.messages, b.messages) << fast << " with v = " << v << ", w = " << w;
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 12 * 12 * 3);
}

// Recursion through the function's own context entry, with the depth limit at each level.
TEST(UserCallNode, RecursionAndTheDepthLimit) {
  for (int depth : {0, 1, 3, 5, 6, 7, 50}) {
    std::vector<std::string> answers;
    for (const std::string& e :
         {std::string("{f: function(n) if n = 0 then 0 else 1 + f(n - 1), r: f(5)}.r"),
          std::string("{f: function(n) if n = 0 then 0 else 1 + f(n: n - 1), r: f(n: 5)}.r")}) {
      EvalContext ctx;
      ctx.max_depth = depth;
      auto r = EvaluateExpression(e, Context{}, ctx);
      ASSERT_TRUE(r.has_value()) << e;
      std::string a = ToFeelLiteral(*r) + (ctx.limit_exceeded ? " limit" : "");
      for (const auto& d : ctx.diagnostics()) a += " | " + d.message;
      answers.push_back(a);
    }
    EXPECT_EQ(answers[0], answers[1]) << "depth " << depth;
  }
  EXPECT_EQ(EvaluatedWithMessages("{f: function(n) if n = 0 then 0 else 1 + f(n - 1), r: f(5)}.r", {}).literal, "5");
}

// A call read as a condition (UserCallNode::EvalVerdict: the body's verdict without its value)
// against the same call's value read back (`[call][1]`, which takes the call's value and no
// verdict of it), in the positions that read verdicts, over the forms above and the general
// calls (wrong arity, a typed parameter, a callee that is no function), values and diagnostics.
TEST(UserCallNode, VerdictsAgreeWithTheCallsValue) {
  const std::vector<std::pair<std::string, std::string>> forms = {
      {"f: function(x) x + 1", "f(v)"},
      {"f: function(x, y) x < y", "f(v, w)"},
      {"f: function(x) x", "f(v)"},
      {"f: function(x) if x > 2 then true else null", "f(v)"},
      {"f: function(id) starts with(id, \"ssa.\") or starts with(id, \"prrt.\")", "f(v)"},
      {"f: function(id) (starts with(id, \"ssa.\") or starts with(id, \"prrt.\"))", "f(w)"},
      {"f: function(x, y) x = y and x != null", "f(v, w)"},
      {"k: true, f: function(x) x = k", "f(v)"},
      {"f: function(x) x.a", "f(v)"},
      {"f: function(x) count(x) > 1", "f(v)"},
      {"f: function(a) a", "f(v, w)"},
      {"f: function(a: number) a > 1", "f(v)"},
      {"f: 1", "f(v)"},
      {"f: function(n) if n = 0 then true else f(n - 1)", "f(3)"},
  };
  const std::vector<std::pair<std::string, std::string>> positions = {
      {"if C then \"T\" else \"F\"", ""},
      {"(C) and v != 0", ""},
      {"false or (C)", ""},
      {"not(C)", ""},
      {"[1, 2][C]", ""},
      {"if C then 1 else if not(C) then 2 else 3", ""},
  };
  const std::vector<std::string> values = {"1", "3", "-2.5", "null", "\"ssa.x\"", "\"prrt\"", "true",
                                           "false", "[1, 2, 3]", "{a: true}", "{a: \"s\"}", "[null, 2]"};
  auto put = [](std::string form, const std::string& c) {
    for (size_t at = form.find('C'); at != std::string::npos; at = form.find('C', at + c.size()))
      form.replace(at, 1, c);
    return form;
  };
  int compared = 0;
  for (const auto& [definitions, call] : forms) {
    for (const auto& [position, unused] : positions) {
      const std::string fast = "{" + definitions + ", r: " + put(position, call) + "}.r";
      const std::string slow = "{" + definitions + ", r: " + put(position, "[" + call + "][1]") + "}.r";
      for (const auto& v : values) {
        for (const auto& w : {std::string("\"ssa.y\""), std::string("null"), std::string("true")}) {
          Context vars;
          vars.Put("v", ParsedValue(v));
          vars.Put("w", ParsedValue(w));
          Answered a = EvaluatedWithMessages(fast, vars);
          Answered b = EvaluatedWithMessages(slow, vars);
          EXPECT_EQ(a.literal, b.literal) << fast << " with v = " << v << ", w = " << w;
          EXPECT_EQ(a.messages, b.messages) << fast << " with v = " << v << ", w = " << w;
          ++compared;
        }
      }
    }
  }
  EXPECT_EQ(compared, 14 * 6 * 12 * 3);
  // The depth limit inside a condition: the same answer, diagnostics and limit as the value's.
  for (int depth : {0, 1, 3, 4, 50}) {
    std::vector<std::string> answers;
    for (const std::string& e :
         {std::string("{f: function(n) if n = 0 then true else f(n - 1), r: if f(3) then 1 else 2}.r"),
          std::string("{f: function(n) if n = 0 then true else f(n - 1), r: if [f(3)][1] then 1 else 2}.r")}) {
      EvalContext ctx;
      ctx.max_depth = depth;
      auto r = EvaluateExpression(e, Context{}, ctx);
      ASSERT_TRUE(r.has_value()) << e;
      std::string a = ToFeelLiteral(*r) + (ctx.limit_exceeded ? " limit" : "");
      for (const auto& d : ctx.diagnostics()) a += " | " + d.message;
      answers.push_back(a);
    }
    EXPECT_EQ(answers[0], answers[1]) << "depth " << depth;
  }
  // By hand.
  const std::string systemic = "systemic: function(id) (starts with(id, \"ssa.\") or starts with(id, \"chemo.\"))";
  EXPECT_EQ(EvaluatedWithMessages("{" + systemic + ", r: for i in [\"ssa.a\", \"surgery.b\", null, \"chemo.c\"] "
                                  "return if systemic(i) then 1 else 0}.r", {}).literal,
            "[1, 0, 0, 1]");
  EXPECT_EQ(EvaluatedWithMessages("{" + systemic + ", r: [systemic(\"ssa.a\") and true, systemic(null) or false, "
                                  "not(systemic(\"x\"))]}.r", {}).literal,
            "[true, null, true]");
}

// Hand-written: the general path's answers for what the direct frame does not take.
TEST(UserCallNode, OtherCallsAreTheGeneralPaths) {
  Answered arity = EvaluatedWithMessages("{f: function(a) a, r: f(1, 2)}.r", {});
  EXPECT_EQ(arity.literal, "null");
  EXPECT_EQ(arity.messages, std::vector<std::string>{"function expects 1 argument(s), got 2"});
  Answered typed = EvaluatedWithMessages("{f: function(a: number) a + 1, r: [f(1), f(\"x\")]}.r", {});
  EXPECT_EQ(typed.literal, "[2, null]");
  EXPECT_EQ(typed.messages, std::vector<std::string>{"argument 'a' is not a number"});
  EXPECT_EQ(EvaluatedWithMessages("{g: abs, r: g(-3)}.r", {}).literal, "3");
  Answered not_function = EvaluatedWithMessages("{g: 1, r: g(2)}.r", {});
  EXPECT_EQ(not_function.literal, "null");
  EXPECT_EQ(not_function.messages.size(), 1u);
  // The Ranking's functions.
  EXPECT_EQ(EvaluatedWithMessages("{systemic: function(id) (starts with(id, \"ssa.\") or starts with(id, \"chemo.\")), "
                                  "r: [systemic(\"ssa.lanreotide\"), systemic(\"surgery.x\"), systemic(null)]}.r",
                                  {})
                .literal,
            "[true, false, null]");
  EXPECT_EQ(EvaluatedWithMessages("{ordinal: function(n) if n <= 1 then \"first\" else if n = 2 then \"second\" else "
                                  "\"later\", r: for i in [0, 1, 2, 3] return ordinal(i + 1)}.r",
                                  {})
                .literal,
            "[\"first\", \"second\", \"later\", \"later\"]");
}

}  // namespace
}  // namespace zebra::feel::user_call_test
