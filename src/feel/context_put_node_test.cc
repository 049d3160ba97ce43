// `context put` into a context its call alone holds (ContextPutNode, issue 21): the answer is the
// built-in's, and every context anything else holds stays as it was. Expectations are written by
// hand as FEEL literals (ToFeelLiteral keeps entry order, which put's replace must keep too).
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "feel/feel.h"
#include "feel/value.h"

namespace zebra::feel::context_put_node_test {
namespace {

std::string Feel(std::string_view text, const Context& vars = {}) {
  EvalContext ctx;
  auto v = EvaluateExpression(text, vars, ctx);
  EXPECT_TRUE(v.has_value()) << text;
  EXPECT_TRUE(ctx.diagnostics().empty()) << text << ": " << ctx.diagnostics().front().message;
  return v ? ToFeelLiteral(*v) : "<compile error>";
}

TEST(ContextPutNode, NestedPutsAddAndReplaceInOrder) {
  EXPECT_EQ(Feel("context put(context put({a: 1, b: x}, \"c\", 3), \"d\", 4)", [] {
              Context c;
              c.Put("x", Value::Number(2));
              return c;
            }()),
            "{a: 1, b: 2, c: 3, d: 4}");
  // The inner put's answer replaced in place: the order is the first put's.
  EXPECT_EQ(Feel("{x: 2, r: context put(context put({a: 1, b: x}, \"b\", 5), \"a\", 6)}.r"), "{a: 6, b: 5}");
  EXPECT_EQ(Feel("context put(context put(context put({a: x}, \"b\", 1), \"c\", 2), \"b\", 3)", [] {
              Context c;
              c.Put("x", Value::Number(0));
              return c;
            }()),
            "{a: 0, b: 3, c: 2}");
}

// The context a name holds is the name's too: a put over it is a new context.
TEST(ContextPutNode, ANamedContextStaysAsItWas) {
  EXPECT_EQ(Feel("{x: {a: 1 + 0}, y: context put(x, \"a\", 2), z: context put(x, \"b\", 3)}"),
            "{x: {a: 1}, y: {a: 2}, z: {a: 1, b: 3}}");
  // A `for` borrows each item: the list holds it, so the list keeps its contexts.
  EXPECT_EQ(Feel("{l: [{a: 1 + 0}, {a: 2 + 0}], r: for c in l return context put(context put(c, \"a\", 9), \"b\", c.a), "
                "k: l}"),
            "{l: [{a: 1}, {a: 2}], r: [{a: 9, b: 1}, {a: 9, b: 2}], k: [{a: 1}, {a: 2}]}");
  // A context literal of constants is one immortal value, shared by every evaluation.
  EXPECT_EQ(Feel("for i in [1, 2, 3] return context put({a: 0}, \"a\", i)"), "[{a: 1}, {a: 2}, {a: 3}]");
  EXPECT_EQ(Feel("for i in [1, 2] return context put(context put({a: 0}, \"b\", i), \"c\", i)"),
            "[{a: 0, b: 1, c: 1}, {a: 0, b: 2, c: 2}]");
  // A function's parameter is the caller's argument.
  EXPECT_EQ(Feel("{f: function(c) context put(c, \"a\", 5), x: {a: 1 + 0}, y: f(x), z: x}"),
            "{f: function(c), x: {a: 1}, y: {a: 5}, z: {a: 1}}");
}

// Everything but a string key over a context is the built-in's answer, errors included.
TEST(ContextPutNode, OtherArgumentsAreTheBuiltins) {
  EXPECT_EQ(Feel("context put(context put({y: {a: 0 + 0}}, [\"y\", \"b\"], 1), [\"y\", \"a\"], 2)"), "{y: {a: 2, b: 1}}");
  EXPECT_EQ(Feel("context put(null, \"a\", 1)"), "null");
  EXPECT_EQ(Feel("context put(context put({a: 0 + 0}, \"b\", 1), null, 1)"), "null");
  EvalContext ctx;
  auto v = EvaluateExpression("context put(context put({a: 0 + 0}, \"b\", 1), 5, 1)", {}, ctx);
  ASSERT_TRUE(v.has_value());
  EXPECT_TRUE(v->is_null());
  ASSERT_EQ(ctx.diagnostics().size(), 1u);
  EXPECT_EQ(ctx.diagnostics()[0].message, "context put: key must be a string or a list of strings, got a number");
}

// The node against the same call through a function value (`{f: context put, r: f(...)}.r`: the
// general call, which copies each argument and calls the built-in) over generated targets (names,
// literals, computed contexts, nested puts, a loop's items, a function's parameter), keys
// (present, new, a key path, null, a number) and values: values, entry order and diagnostics.
TEST(ContextPutNode, AgreesWithTheGeneralCallOnGeneratedArguments) {
  const std::vector<std::string> targets = {
      "x", "{a: 1, b: 2}", "{a: n + 0}", "context put(x, \"c\", 3)", "context put({a: n}, \"a\", 0)", "y",
      "null", "5", "x.a", "[x][1]", "if n > 0 then x else null", "{}", "w", "w.b",
  };
  const std::vector<std::string> keys = {"\"a\"", "\"b\"", "\"c\"", "\"zz\"", "[\"a\"]", "[\"y\", \"a\"]", "null", "1", "[]"};
  const std::vector<std::string> values = {"1", "\"s\"", "null", "x", "[1, 2]", "n.k", "{q: 1}"};
  std::mt19937 rng(5);
  int compared = 0;
  auto answer = [](const std::string& text) {
    EvalContext ctx;
    auto v = EvaluateExpression(text, {}, ctx);
    std::string s = v ? ToFeelLiteral(*v) : "<compile error>";
    for (const auto& d : ctx.diagnostics()) s += " | " + d.message;
    return s;
  };
  for (int round = 0; round < 700; ++round) {
    const std::string t = targets[rng() % targets.size()];
    const std::string k = keys[rng() % keys.size()];
    const std::string v = values[rng() % values.size()];
    // `w` is computed (its slot holds the one count of its context), `x` a constant.
    const std::string scope = "{n: 1, x: {a: 1, b: {c: 2}}, y: {y: {a: 0}}, w: {a: n + 0, b: {c: n}}, ";
    // Alone, nested in a second put, and over a loop's items (the list keeps its contexts).
    const std::vector<std::pair<std::string, std::string>> forms = {
        {"context put(" + t + ", " + k + ", " + v + ")", "f(" + t + ", " + k + ", " + v + ")"},
        {"context put(context put(" + t + ", " + k + ", " + v + "), \"d\", 4)",
         "f(f(" + t + ", " + k + ", " + v + "), \"d\", 4)"},
        {"for e in [x, " + t + "] return context put(e, " + k + ", " + v + ")",
         "for e in [x, " + t + "] return f(e, " + k + ", " + v + ")"},
    };
    for (const auto& [fast, general] : forms) {
      const std::string a = answer(scope + "r: " + fast + ", x2: x, w2: w}");
      const std::string b = answer(scope + "r: {f: context put, r: " + general + "}.r, x2: x, w2: w}");
      EXPECT_EQ(a, b) << fast;
      ++compared;
    }
  }
  // A function's parameter: the caller's context is not changed.
  EXPECT_EQ(answer("{g: function(c) context put(context put(c, \"a\", 5), \"b\", 6), x: {a: 1 + 0}, y: g(x), z: x}"),
            "{g: function(c), x: {a: 1}, y: {a: 5, b: 6}, z: {a: 1}}");
  EXPECT_GT(compared, 2000);
}

// A literal key's position is found once per shape of the contexts one call meets (key_seen):
// one compiled loop puts into contexts of several shapes in turn (the key first, last, absent;
// a shape met again after another; contexts with keys of their own), and must answer as the
// built-in does through a function value; a key that is not a literal is looked up each time.
TEST(ContextPutNode, LiteralKeysOverShapesInTurnAgreeWithTheBuiltin) {
  const std::string items =
      "[{a: 1, b: 2}, {b: 1, a: 2}, {a: 1}, {b: 3}, {}, {a: 1, b: 2, c: 3}, {a: 1, b: 2}, "
      "context put({a: 1}, \"zz\", 0), {c: {a: 1}, b: null}, {b: 1, a: 2}, context put({b: 1}, \"a\", 5)]";
  const std::vector<std::string> keys = {"\"a\"", "\"b\"", "\"c\"", "\"zz\""};
  auto answer = [](const std::string& text) {
    EvalContext ctx;
    auto v = EvaluateExpression(text, {}, ctx);
    std::string s = v ? ToFeelLiteral(*v) : "<compile error>";
    for (const auto& d : ctx.diagnostics()) s += " | " + d.message;
    return s;
  };
  int compared = 0;
  for (const auto& k1 : keys) {
    // One put over a name's items (copied), and a key computed by the loop (not cached).
    const std::string one = "for e in l return context put(e, " + k1 + ", [e])";
    const std::string computed = "for e in l, k in [" + k1 + ", \"b\"] return context put(e, k, 7)";
    for (const auto& form : {one, computed}) {
      std::string general = form;
      general.replace(general.find("context put"), 11, "f");
      EXPECT_EQ(answer("{l: " + items + ", r: " + form + ", l2: l}"),
                answer("{l: " + items + ", r: {f: context put, r: " + general + "}.r, l2: l}"))
          << form;
      ++compared;
    }
    for (const auto& k2 : keys) {
      // Nested: the outer put changes the inner one's answer in place.
      const std::string fast = "for e in l return context put(context put(e, " + k1 + ", 1), " + k2 + ", e)";
      const std::string general = "for e in l return f(f(e, " + k1 + ", 1), " + k2 + ", e)";
      EXPECT_EQ(answer("{l: " + items + ", r: " + fast + ", l2: l}"),
                answer("{l: " + items + ", r: {f: context put, r: " + general + "}.r, l2: l}"))
          << fast;
      ++compared;
    }
  }
  EXPECT_EQ(compared, 24);
  // By hand: replaced in place keeps the order; an absent key is appended; the items unchanged.
  EXPECT_EQ(answer("{l: [{a: 1, b: 2}, {b: 3, a: 4}, {c: 5}], r: for e in l return context put(e, \"a\", 0), k: l}.r"),
            "[{a: 0, b: 2}, {b: 3, a: 0}, {c: 5, a: 0}]");
  EXPECT_EQ(answer("for e in [{a: 1, b: 2}, {b: 3, a: 4}, {a: 5, b: 6}] return context put(context put(e, \"c\", 1), "
                   "\"b\", 0)"),
            "[{a: 1, b: 0, c: 1}, {b: 0, a: 4, c: 1}, {a: 5, b: 0, c: 1}]");
  EXPECT_EQ(answer("for e in [{a: 1, b: 2}, {b: 3, a: 4}], k in [\"a\", \"b\"] return context put(e, k, 0)"),
            "[{a: 0, b: 2}, {a: 1, b: 0}, {b: 3, a: 0}, {b: 0, a: 4}]");
}

}  // namespace
}  // namespace zebra::feel::context_put_node_test
