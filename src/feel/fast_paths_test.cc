// The evaluator's shortcuts must not change an answer: built-ins answered from borrowed
// arguments, literal lists and contexts folded at compile time, borrowed locals and list
// elements, and `for` loops that skip the `partial` snapshot when the body never names it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "feel/feel.h"

namespace zebra::feel {
namespace {

struct Outcome {
  std::string literal;
  size_t diagnostics = 0;
};

Outcome Evaluate(const std::string& text) {
  EvalContext ctx;
  auto r = EvaluateExpression(text, Context{}, ctx);
  EXPECT_TRUE(r.has_value()) << text << ": " << (r ? "" : r.error().message);
  return {r ? ToFeelLiteral(*r) : "<compile error>", ctx.diagnostics().size()};
}

// Positional calls of these built-ins take the fast form; named calls always go through the
// built-in itself, so the two must agree on the value and on whether an error was reported.
TEST(FastBuiltinTest, PositionalCallsAgreeWithNamedCalls) {
  const std::vector<std::string> args = {
      R"("abc")", R"("ab")", R"("")", "null", "1", "true", R"(["abc"])", R"(["ab"])", R"(["a", "b"])", "[]",
      "[1, 2, 1]", "[null]", R"({a: "abc"})"};
  struct Builtin {
    std::string name;
    std::vector<std::string> params;
  };
  const std::vector<Builtin> builtins = {
      {"starts with", {"string", "match"}}, {"ends with", {"string", "match"}},
      {"contains", {"string", "match"}},    {"list contains", {"list", "element"}},
      {"index of", {"list", "match"}},      {"count", {"list"}},
      {"not", {"negand"}}};
  int compared = 0;
  for (const auto& b : builtins) {
    for (const auto& a : args) {
      std::vector<std::vector<std::string>> calls;
      if (b.params.size() == 1) {
        calls.push_back({a});
      } else {
        for (const auto& c : args) calls.push_back({a, c});
      }
      for (const auto& call : calls) {
        std::string positional = b.name + "(";
        std::string named = b.name + "(";
        for (size_t i = 0; i < call.size(); ++i) {
          positional += (i ? ", " : "") + call[i];
          named += (i ? ", " : "") + b.params[i] + ": " + call[i];
        }
        positional += ")";
        named += ")";
        Outcome fast = Evaluate(positional);
        Outcome slow = Evaluate(named);
        EXPECT_EQ(fast.literal, slow.literal) << positional;
        EXPECT_EQ(fast.diagnostics > 0, slow.diagnostics > 0) << positional;
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 5 * 13 * 13 + 2 * 13);
}

TEST(FastBuiltinTest, AnswersForTheCommonTypes) {
  EXPECT_EQ(Evaluate(R"(starts with("ssa.lanreotide", "ssa."))").literal, "true");
  EXPECT_EQ(Evaluate(R"(ends with("ssa.lanreotide", "ssa."))").literal, "false");
  EXPECT_EQ(Evaluate(R"(contains("ssa.lanreotide", "lan"))").literal, "true");
  EXPECT_EQ(Evaluate(R"(list contains(["a", "b"], "b"))").literal, "true");
  EXPECT_EQ(Evaluate(R"(index of(["a", "b", "a"], "a"))").literal, "[1, 3]");
  EXPECT_EQ(Evaluate("count([1, 2, 3])").literal, "3");
  EXPECT_EQ(Evaluate("not(false)").literal, "true");
  // Not the common types: the built-in reports the error.
  Outcome wrong = Evaluate(R"(starts with(1, "a"))");
  EXPECT_EQ(wrong.literal, "null");
  EXPECT_EQ(wrong.diagnostics, 1u);
}

// A folded literal is shared between evaluations and with everything that holds it; values are
// immutable, so it must equal the same literal built from variables each time.
TEST(ConstantFoldingTest, FoldedLiteralsEqualBuiltOnes) {
  EXPECT_EQ(Evaluate(R"([1, "a", {b: [true, null]}, -2])").literal, R"([1, "a", {b: [true, null]}, -2])");
  EXPECT_EQ(Evaluate(R"((for one in [1] return [one, "a", {b: [one = 1, null]}, -2 * one])[1])").literal,
            R"([1, "a", {b: [true, null]}, -2])");
  EXPECT_EQ(Evaluate(R"({a: 1, b: "x", c: []}.b)").literal, "\"x\"");
  EXPECT_EQ(Evaluate("for i in 1..3 return [0, i]").literal, "[[0, 1], [0, 2], [0, 3]]");
  // A folded list is not changed by a loop that appends to a copy of it.
  EXPECT_EQ(Evaluate("for i in 1..2 return append([0], i)").literal, "[[0, 1], [0, 2]]");
}

TEST(BorrowingTest, IndexesAndNestedFiltersReadTheRightValues) {
  const std::string scored =
      R"(scored: [{id: "a", score: 3}, {id: "b", score: 3}, {id: "c", score: 1}])";
  EXPECT_EQ(Evaluate("{" + scored + R"(, r: for i in 1..2 return if scored[i + 1].score = scored[i].score then scored[i + 1].id else null}.r)")
                .literal,
            R"(["b", null])");
  // The inner filter's item shadows the outer one; the outer item is read again afterwards.
  EXPECT_EQ(Evaluate(R"([{k: 1, v: "x"}, {k: 2, v: "y"}][item.k = [{k: 2}, {k: 3}][item.k > 2][1].k - 1].v)").literal,
            R"(["y"])");
  // A filter item with an entry named like an outer variable shadows it.
  EXPECT_EQ(Evaluate(R"(for o in [5] return [{o: 1}, {p: 2}][o = 1])").literal, "[[{o: 1}]]");
}

TEST(ForPartialTest, PartialStillSeesEachStep) {
  EXPECT_EQ(Evaluate("for x in [10, 20, 30] return count(partial)").literal, "[0, 1, 2]");
  EXPECT_EQ(Evaluate("for x in [1, 2, 3] return [7, 8][item > count(partial) + 6]").literal, "[[7, 8], [8], []]");
  EXPECT_EQ(Evaluate("for x in [1, 2], y in [3] return x + y").literal, "[4, 5]");
  EXPECT_EQ(Evaluate("for x in null return x").literal, "null");
}

}  // namespace
}  // namespace zebra::feel
