// `concatenate(...)` and `sum(list)` as call nodes of their own (list_calls.cc, issue 21): values
// and diagnostics against the general paths. `concatenate` is held to the same call through a
// function value (`{f: concatenate, r: f(...)}.r`: CallNode's copies of the arguments and the
// built-in), `sum(list)` to `sum(i1, ..., in)` (the built-in's variadic path, which collects the
// numbers first), and both to hand-written answers.
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "feel/builtins_test_util.h"
#include "feel/feel.h"
#include "feel/value.h"

namespace zebra::feel::list_calls_test {
namespace {

using Answer = testing::Answered;

Answer Eval(const std::string& text, const Context& vars = {}) { return testing::EvaluatedWithMessages(text, vars); }

using testing::Show;

// Names the generated arguments may read: a list, a context, a number, null.
Context Vars() {
  Context c;
  List l;
  l.push_back(Value::Number(1));
  l.push_back(Value::String("b"));
  c.Put("l", Value::FromList(std::move(l)));
  Context inner;
  inner.Put("k", Value::Number(7));
  c.Put("ctx", Value::FromContext(std::move(inner)));
  c.Put("n", Value::Number(5));
  c.Put("z", Value());
  return c;
}

// Arguments of every kind: literals (lists, single values, null, nested lists, contexts), names
// (read from their slots), computed lists (loops, filters), and reads that report something
// (a property of a number), so that the order of the diagnostics shows.
const std::vector<std::string> kConcatArgs = {
    "[]", "[1]", "[1, 2, 3]", "[\"a\", \"b\"]", "[[1, 2], [3]]", "[null]", "null", "1", "\"s\"", "true",
    "{a: 1}", "[{a: 1}, {b: 2}]", "l", "ctx", "n", "z", "for x in [1, 2] return x * 10", "for x in l return x",
    "[1, 2, 3][item > 1]", "[1, 2][item > 5]", "n.k", "ctx.k", "[n, n + 1]", "concatenate([0], l)",
    "date(\"2024-01-02\")", "@\"P1D\"", "[1..3]", "for x in [] return x",
};

TEST(ConcatenateNode, AgreesWithTheGeneralCallOnGeneratedArguments) {
  const Context vars = Vars();
  std::mt19937 rng(21);
  int compared = 0;
  for (size_t n = 1; n <= 9; ++n) {
    for (int round = 0; round < 120; ++round) {
      std::string args;
      for (size_t i = 0; i < n; ++i) {
        if (i) args += ", ";
        args += kConcatArgs[rng() % kConcatArgs.size()];
      }
      const std::string fast = "concatenate(" + args + ")";
      const std::string general = "{f: concatenate, r: f(" + args + ")}.r";
      const Answer a = Eval(fast, vars), b = Eval(general, vars);
      EXPECT_EQ(a, b) << fast << "\n  node:    " << Show(a) << "\n  general: " << Show(b);
      ++compared;
    }
  }
  // Inside loops and filters (the arguments read the loop variable, or the filter's item).
  for (const std::string body : {"concatenate([x], l, [x + 1])", "concatenate(l, x, [], [[x]])"}) {
    const std::string fast = "for x in [1, 2, 3] return " + body;
    const std::string general = "{f: concatenate, r: for x in [1, 2, 3] return f(" +
                                body.substr(std::string("concatenate(").size());
    const Answer a = Eval(fast, vars), b = Eval(general + "}.r", vars);
    EXPECT_EQ(a, b) << fast;
  }
  EXPECT_GT(compared, 1000);
}

TEST(ConcatenateNode, HandWrittenAnswers) {
  const Context vars = Vars();
  EXPECT_EQ(Eval("concatenate([1], [2, 3], 4, [[5]])").literal, "[1, 2, 3, 4, [5]]");
  EXPECT_EQ(Eval("concatenate([], [], [])").literal, "[]");
  EXPECT_EQ(Eval("concatenate(l, [], n)", vars).literal, "[1, \"b\", 5]");
  EXPECT_EQ(Eval("concatenate([], l)", vars).literal, "[1, \"b\"]");
  EXPECT_EQ(Eval("concatenate([1], null, [2])").literal, "null");
  EXPECT_EQ(Eval("concatenate([1], z)", vars).literal, "null");
  EXPECT_EQ(Eval("concatenate(1, 2, 3, 4, 5, 6, 7, 8, 9)").literal, "[1, 2, 3, 4, 5, 6, 7, 8, 9]");
  EXPECT_EQ(Eval("concatenate([\"a\"], for x in [1, 2] return x, [\"c\"])").literal, "[\"a\", 1, 2, \"c\"]");
  // Every argument is evaluated, in order, also after a null one (the diagnostics show it).
  const Answer a = Eval("concatenate(n.k, z, ctx.k.j)", vars);
  EXPECT_EQ(a.literal, "null");
  const Answer b = Eval("{f: concatenate, r: f(n.k, z, ctx.k.j)}.r", vars);
  EXPECT_EQ(a.messages, b.messages);
  EXPECT_EQ(a.messages.size(), 2u);
}

// The arguments of `sum(l)` spread as `sum(i1, ..., in)`: the variadic form, which collects
// the numbers before adding (NumberArgs).
const std::vector<std::string> kSumItems = {
    "0", "1", "-1", "2.5", "-0.25", "100", "1e3", "0.001", "123456789012345678901234567890", "-7.75",
    "9.999999999999999999999999999999999e6144", "1e-6143", "\"a\"", "null", "true", "[1]", "date(\"2024-01-01\")",
};

TEST(SumNode, AgreesWithTheVariadicBuiltinOnGeneratedLists) {
  std::mt19937 rng(7);
  int compared = 0;
  for (size_t n = 2; n <= 7; ++n) {
    for (int round = 0; round < 150; ++round) {
      std::string items;
      for (size_t i = 0; i < n; ++i) {
        if (i) items += ", ";
        // Mostly numbers, so that most sums get past the type check.
        const size_t k = rng() % 4 ? rng() % 12 : rng() % kSumItems.size();
        items += kSumItems[k];
      }
      const Answer a = Eval("sum([" + items + "])");
      const Answer b = Eval("sum(" + items + ")");
      EXPECT_EQ(a, b) << "sum([" << items << "])\n  node:    " << Show(a) << "\n  general: " << Show(b);
      // The same list from a name and from a loop.
      const Answer c = Eval("{l: [" + items + "], r: sum(l)}.r");
      EXPECT_EQ(c, b) << items;
      const Answer d = Eval("sum(for x in [" + items + "] return x)");
      EXPECT_EQ(d, b) << items;
      compared += 3;
    }
  }
  EXPECT_GT(compared, 2000);
}

TEST(SumNode, HandWrittenAnswers) {
  EXPECT_EQ(Eval("sum([1, 2, 3])").literal, "6");
  EXPECT_EQ(Eval("sum([0.1, 0.2])").literal, "0.3");
  EXPECT_EQ(Eval("sum([100, -99.5])").literal, "0.5");
  EXPECT_EQ(Eval("sum([7])").literal, "7");
  EXPECT_EQ(Eval("sum(concatenate([0], for h in [{p: 2}, {p: -5}] return h.p))").literal, "-3");
  EXPECT_EQ(Eval("sum(concatenate([0], for h in [] return h.p))").literal, "0");
  EXPECT_EQ(Eval("sum([])").literal, "null");
  EXPECT_TRUE(Eval("sum([])").messages.empty());
  // Not a list: the built-in's answer (one value is a list of it).
  EXPECT_EQ(Eval("sum(4)").literal, "4");
  const Answer s = Eval("sum(\"a\")");
  EXPECT_EQ(s.literal, "null");
  ASSERT_EQ(s.messages.size(), 1u);
  EXPECT_EQ(s.messages[0], "sum: expected numbers, got a string");
  // The first item that is not a number is named, even after an overflow would have happened.
  const Answer t = Eval("sum([9.999999999999999999999999999999999e6144, 9.999999999999999999999999999999999e6144, true])");
  EXPECT_EQ(t.literal, "null");
  ASSERT_EQ(t.messages.size(), 1u);
  EXPECT_EQ(t.messages[0], "sum: expected numbers, got a boolean");
  const Answer o = Eval("sum([9.999999999999999999999999999999999e6144, 9.999999999999999999999999999999999e6144])");
  EXPECT_EQ(o.literal, "null");
  ASSERT_EQ(o.messages.size(), 1u);
  EXPECT_EQ(o.messages[0], "sum: result out of range");
  const Answer nl = Eval("sum([1, null])");
  ASSERT_EQ(nl.messages.size(), 1u);
  EXPECT_EQ(nl.messages[0], "sum: expected numbers, got a Null");
}

// `sum(concatenate(a1, ..., an))` (SumConcatenateNode): against the same sum over the same
// concatenation behind `(if true then ... else null)`, which SumNode and ConcatenateNode answer
// (the concatenated list made, then summed), over generated arguments: lists of numbers of
// every scale (overflowing together too), empty lists, lists with a string or null first or
// last, single numbers, null, names, loops and filters, reads that report.
TEST(SumConcatenateNode, AgreesWithTheSumOfTheConcatenation) {
  const Context vars = [] {
    Context c = Vars();
    List nums;
    nums.push_back(Value::Number(3));
    nums.push_back(Value::Number(-4));
    c.Put("nums", Value::FromList(std::move(nums)));
    return c;
  }();
  const std::vector<std::string> args = {
      "[0]", "[]", "[1, 2.5]", "[-0.25]", "[1e3, 0.001]", "[123456789012345678901234567890]",
      "[9.999999999999999999999999999999999e6144]", "[1e-6143, 1]", "[\"a\"]", "[1, null]", "[null, 1]",
      "[true]", "[[1]]", "5", "null", "\"s\"", "l", "nums", "n", "z", "for h in [{p: 2}, {p: -5}] return h.p",
      "for h in [] return h.p", "for h in [{p: 1}, {q: 2}] return h.p", "[1, 2, 3][item > 1]", "n.k",
      "for x in nums return x * 2"};
  std::mt19937 rng(11);
  int compared = 0;
  for (size_t n = 1; n <= 9; ++n) {
    for (int round = 0; round < 100; ++round) {
      std::string list;
      for (size_t i = 0; i < n; ++i) {
        if (i) list += ", ";
        // Mostly lists of numbers, so that most sums are the fast path's.
        list += args[rng() % 3 ? rng() % 8 : rng() % args.size()];
      }
      const std::string fast = "sum(concatenate(" + list + "))";
      const std::string general = "sum((if true then concatenate(" + list + ") else null))";
      const Answer a = Eval(fast, vars);
      const Answer b = Eval(general, vars);
      EXPECT_EQ(a, b) << fast << "\n  node:    " << Show(a) << "\n  general: " << Show(b);
      // In a loop, over contexts of its items (the Ranking's `points`).
      const std::string loop = "for o in [{h: [{p: 1}]}, {h: []}, {h: [{p: 2}, {p: 3}]}] return ";
      const Answer c = Eval(loop + "sum(concatenate(" + list + ", for x in o.h return x.p))", vars);
      const Answer d = Eval(loop + "sum((if true then concatenate(" + list + ", for x in o.h return x.p) else null))", vars);
      EXPECT_EQ(c, d) << list;
      compared += 2;
    }
  }
  EXPECT_GT(compared, 1500);
  // By hand.
  EXPECT_EQ(Eval("sum(concatenate([0], nums))", vars).literal, "-1");
  EXPECT_EQ(Eval("sum(concatenate([], []))", vars).literal, "null");
  EXPECT_EQ(Eval("sum(concatenate([1.5], [], [2]))", vars).literal, "3.5");
  EXPECT_EQ(Eval("sum(concatenate([0], [1, \"a\"]))", vars).messages,
            std::vector<std::string>{"sum: expected numbers, got a string"});
  EXPECT_EQ(Eval("sum(concatenate([9.999999999999999999999999999999999e6144], "
                 "[9.999999999999999999999999999999999e6144]))",
                 vars)
                .messages,
            std::vector<std::string>{"sum: result out of range"});
  EXPECT_EQ(Eval("sum(concatenate([0], null))", vars).literal, "null");
  EXPECT_EQ(Eval("sum(concatenate(2, [3]))", vars).literal, "5");
}

}  // namespace
}  // namespace zebra::feel::list_calls_test
