// The loops and reads of loop_paths.h must answer as the general nodes do: values, diagnostics
// (messages, count, order), the iteration limit, and what the loop variable's slot holds
// afterwards. The general answer is the same expression with the path's root or the second
// read behind `(if true then x else null)`, which neither idiom takes.
#include "feel/loop_paths.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "feel/builtins_test_util.h"
#include "feel/feel.h"

namespace zebra::feel::loop_paths_test {
namespace {

using testing::Answered;
using testing::EvaluatedWithMessages;
using testing::ParsedValue;

// Items of several kinds: contexts of several shapes (keys in another order, missing keys,
// nested), contexts without a shape, null, values with properties and without, lists.
const std::vector<std::string> kItems = {
    R"({a: 1, b: "x"})",
    R"({b: "y", a: 2})",
    R"({a: {b: 3, c: [1, 2]}, d: 1})",
    R"({a: {c: 4}})",
    R"({b: 1})",
    R"({a: null})",
    "{}",
    R"(context put({b: 5}, "a", {b: 6}))",
    R"(context([{key: "a", value: 7}, {key: "zz", value: 8}]))",
    "null",
    "5",
    R"("text")",
    R"(date("2020-01-02"))",
    R"(duration("P1DT2H"))",
    R"([{a: 9}, 3, null])",
    "true",
    R"({a: {b: {c: "deep"}}, year: 1})",
};

// Lists of those items: each alone, each pair, runs that repeat shapes (so a loop meets a shape
// its path has cached as well as one it has not), and the empty list.
std::vector<std::string> Lists() {
  std::vector<std::string> out = {"[]"};
  for (const auto& a : kItems) out.push_back("[" + a + "]");
  for (size_t i = 0; i < kItems.size(); ++i)
    for (size_t j = 0; j < kItems.size(); j += 3) out.push_back("[" + kItems[i] + ", " + kItems[j] + "]");
  std::string all = "[";
  for (size_t i = 0; i < kItems.size(); ++i) all += (i ? ", " : "") + kItems[i] + ", " + kItems[(i * 7) % kItems.size()];
  out.push_back(all + "]");
  out.push_back(R"([{a: 1, b: "x"}, {a: 2, b: "y"}, {a: 3, b: "z"}, {b: "w", a: 4}, {a: 5, b: "v"}])");
  return out;
}

const std::vector<std::string> kSteps = {".a", ".b", ".a.b", ".a.c", ".a.b.c", ".year", ".zz", ".days", ".a.zz"};

// `text` evaluated with `l` bound to each list in turn by one compiled expression (its paths'
// caches carried from one list to the next, as in a batch), with an iteration limit.
std::vector<Answered> Run(const std::string& text, const std::vector<Value>& lists, int64_t max_iterations) {
  Scope scope;
  const int l = scope.Declare("l");
  auto expr = CompileExpression(text, scope);
  EXPECT_TRUE(expr.has_value()) << text;
  std::vector<Answered> out;
  if (!expr) return out;
  for (const Value& list : lists) {
    std::vector<Value> slots(scope.size());
    slots[static_cast<size_t>(l)] = list;
    EvalContext ctx;
    ctx.max_iterations = max_iterations;
    Value v = expr->Evaluate(slots, ctx);
    Answered a{ToFeelLiteral(v), {}};
    for (const auto& d : ctx.diagnostics()) a.messages.push_back(d.message);
    out.push_back(std::move(a));
  }
  return out;
}

void ExpectSame(const std::string& fast, const std::string& general, const std::vector<std::string>& texts,
                const std::vector<Value>& lists, int64_t max_iterations, int& compared) {
  auto a = Run(fast, lists, max_iterations);
  auto b = Run(general, lists, max_iterations);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].literal, b[i].literal) << fast << " with l = " << texts[i] << ", limit " << max_iterations;
    EXPECT_EQ(a[i].messages, b[i].messages) << fast << " with l = " << texts[i] << ", limit " << max_iterations;
    ++compared;
  }
}

TEST(LoopProjectionTest, AgreesWithTheGeneralLoop) {
  const std::vector<std::string> texts = Lists();
  std::vector<Value> lists;
  for (const auto& t : texts) lists.push_back(ParsedValue(t));
  int compared = 0;
  for (const auto& step : kSteps) {
    const std::string general_body = "(if true then x else null)" + step;
    // The loop alone; its variable's slot probed afterwards by a filter over an empty list (the
    // probe reads the item slot, which the loop's variable shared: a number there makes the
    // filter null); nested loops; a loop inside a filter's predicate (the name is shadowable
    // there: no projection); the loop over a single value and over a filter.
    const std::vector<std::pair<std::string, std::string>> forms = {
        {"for x in l return x" + step, "for x in l return " + general_body},
        {"[for x in l return x" + step + ", [][item" + step + " + 0], [][item + 0]]",
         "[for x in l return " + general_body + ", [][item" + step + " + 0], [][item + 0]]"},
        {"for y in [l, l] return for x in y return x" + step, "for y in [l, l] return for x in y return " + general_body},
        {"for x in l return for z in [x, x] return z" + step,
         "for x in l return for z in [x, x] return (if true then z else null)" + step},
        {"[[1], l][count(for x in item return x" + step + ") > 1]",
         "[[1], l][count(for x in item return " + general_body + ") > 1]"},
        {"for x in l[1] return x" + step, "for x in l[1] return " + general_body},
        // Inside a filter an item's entry named `x` takes the place of the loop's variable.
        {"[{x: {a: 5, b: 6}, m: l}, {m: l}][count(for x in item.m return x" + step + ") > 0]",
         "[{x: {a: 5, b: 6}, m: l}, {m: l}][count(for x in item.m return " + general_body + ") > 0]"},
        {"{k: for x in l return x" + step + ", m: k}", "{k: for x in l return " + general_body + ", m: k}"},
    };
    for (const auto& [fast, general] : forms) {
      // No limit, a limit inside the longer lists, a limit at the first item.
      for (int64_t limit : {int64_t{10'000'000}, int64_t{3}, int64_t{1}, int64_t{0}})
        ExpectSame(fast, general, texts, lists, limit, compared);
    }
  }
  EXPECT_GT(compared, 20000);
}

TEST(LoopProjectionTest, HandWritten) {
  Context vars;
  Answered a = EvaluatedWithMessages(R"(for x in [{a: 1}, {b: 2, a: 3}, {b: 4}, null, 5, {a: {a: 6}}] return x.a)", vars);
  EXPECT_EQ(a.literal, "[1, 3, null, null, null, {a: 6}]");
  EXPECT_EQ(a.messages, std::vector<std::string>{"a number has no property 'a'"});
  a = EvaluatedWithMessages("for x in [] return x.a", vars);
  EXPECT_EQ(a.literal, "[]");
  EXPECT_TRUE(a.messages.empty());
  a = EvaluatedWithMessages(R"(for x in [{a: {b: 1}}, {a: {c: 2}}, {a: [{b: 3}, {b: 4}]}] return x.a.b)", vars);
  EXPECT_EQ(a.literal, "[1, null, [3, 4]]");
  // The slot of `x` (shared by the filter's `item`) holds the last item after the loop.
  a = EvaluatedWithMessages("[for x in [{a: 1}, {a: 2}] return x.a, [][item.a + 0]]", vars);
  EXPECT_EQ(a.literal, "[[1, 2], null]");
  // ... and is untouched by a loop over nothing.
  a = EvaluatedWithMessages("[for x in [{a: 1}] return x.a, for x in [] return x.a, [][item.a + 0]]", vars);
  EXPECT_EQ(a.literal, "[[1], [], null]");
  a = EvaluatedWithMessages("[for x in [] return x.a, [][item.a + 0]]", vars);
  EXPECT_EQ(a.literal, "[[], []]");
  // A single value iterates once.
  a = EvaluatedWithMessages(R"(for x in {a: "one"} return x.a)", vars);
  EXPECT_EQ(a.literal, R"(["one"])");
}

TEST(LoopProjectionTest, IterationLimit) {
  Scope scope;
  const int l = scope.Declare("l");
  auto expr = CompileExpression("for x in l return x.a", scope);
  ASSERT_TRUE(expr.has_value());
  std::vector<Value> slots(scope.size());
  slots[static_cast<size_t>(l)] = ParsedValue("[{a: 1}, {a: 2}, {a: 3}]");
  EvalContext ctx;
  ctx.max_iterations = 2;
  EXPECT_TRUE(expr->Evaluate(slots, ctx).is_null());
  ASSERT_EQ(ctx.diagnostics().size(), 1u);
  EXPECT_EQ(ctx.diagnostics()[0].message, "iteration limit exceeded");
  EXPECT_TRUE(ctx.limit_exceeded);
  EXPECT_EQ(ctx.iterations, 3);
  EvalContext roomy;
  roomy.max_iterations = 3;
  EXPECT_EQ(ToFeelLiteral(expr->Evaluate(slots, roomy)), "[1, 2, 3]");
  EXPECT_EQ(roomy.iterations, 3);
}

// The values a coalescing read meets: those of the loops' items, and lists whose path reads
// report a property missing from some of their items.
TEST(CoalesceTest, AgreesWithTheGeneralIf) {
  std::vector<std::string> texts = kItems;
  texts.push_back(R"([{a: 1}, 5, {a: null}])");
  texts.push_back(R"([date("2020-01-02"), {year: 3}])");
  std::vector<Value> values;
  for (const auto& t : texts) values.push_back(ParsedValue(t));
  const std::vector<std::string> reads = {"l", "l.a", "l.a.b", "l.b", "l.year", "l.zz", "l.a.zz"};
  int compared = 0;
  for (const auto& x : reads) {
    const std::string general_x = "(if true then " + x + " else null)";
    const std::vector<std::pair<std::string, std::string>> forms = {
        {"if " + x + " = null then 0 else " + x, "if " + x + " = null then 0 else " + general_x},
        {"if " + x + " != null then " + x + " else []", "if " + x + " != null then " + general_x + " else []"},
        // A local name (a context entry), and a name inside a filter (shadowable by an item's entry).
        {"{p: l, r: if p = null then 1 else p}.r", "{p: l, r: if p = null then 1 else (if true then p else null)}.r"},
        {"[{q: 1}, {l: 2}, 3][(if " + x + " = null then 0 else " + x + ") != 0]",
         "[{q: 1}, {l: 2}, 3][(if " + x + " = null then 0 else " + general_x + ") != 0]"},
        {"for i in [1, 2] return if " + x + " = null then i else " + x,
         "for i in [1, 2] return if " + x + " = null then i else " + general_x},
    };
    for (const auto& [fast, general] : forms) ExpectSame(fast, general, texts, values, 10'000'000, compared);
  }
  EXPECT_GT(compared, 500);
}

TEST(CoalesceTest, HandWritten) {
  Context vars;
  vars.Put("v", ParsedValue(R"({a: "x", l: [{k: 1}, 2]})"));
  EXPECT_EQ(EvaluatedWithMessages(R"(if v.a = null then "none" else v.a)", vars).literal, R"("x")");
  EXPECT_EQ(EvaluatedWithMessages(R"(if v.b = null then "none" else v.b)", vars).literal, R"("none")");
  EXPECT_EQ(EvaluatedWithMessages(R"(if v.a != null then v.a else "none")", vars).literal, R"("x")");
  // Not the same read: the general node.
  EXPECT_EQ(EvaluatedWithMessages(R"(if v.a = null then "none" else v.b)", vars).literal, "null");
  // A read that reports: both reads report, as the general node's two reads do.
  Answered a = EvaluatedWithMessages("if v.l.k = null then [] else v.l.k", vars);
  EXPECT_EQ(a.literal, "[1, null]");
  EXPECT_EQ(a.messages, (std::vector<std::string>{"a number has no property 'k'", "a number has no property 'k'"}));
}

}  // namespace
}  // namespace zebra::feel::loop_paths_test
