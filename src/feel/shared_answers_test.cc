// Answers that a compiled node builds once and then hands to every evaluation, on every thread:
// a filter's one-item lists (FieldTable::singles, constant_filter.h) and `index of`'s position
// lists (StringListIndex). Of a model constant (an immortal list) they are immortal too, so that
// copying them writes no reference count on a cache line the other batch threads read; of a list
// that came in from outside (a case's data) they stay ordinary values, never in the registry.
// Each answer is checked against one written out by hand.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "feel/builtins_test_util.h"
#include "feel/feel.h"

namespace zebra::feel::shared_answers_test {
namespace {

using testing::C;
using testing::L;
using testing::S;

// `text` compiled once with the names of `vars`, then evaluated `times` times under them (the
// first evaluation builds the node's table or index, the later ones read it): the last value.
Value EvaluatedRepeatedly(const std::string& text, const std::vector<std::pair<std::string, Value>>& vars,
                          int times = 3) {
  Scope scope;
  std::vector<Value> slots;
  for (const auto& [name, value] : vars) {
    scope.Declare(name);
    slots.push_back(value);
  }
  auto expr = CompileExpression(text, scope);
  EXPECT_TRUE(expr.has_value()) << text;
  if (!expr) return Value();
  Value last;
  for (int i = 0; i < times; ++i) {
    EvalContext ctx;
    last = expr->Evaluate(slots, ctx);
    EXPECT_TRUE(ctx.diagnostics().empty()) << text;
  }
  return last;
}

// Ten contexts {prefix: "p0."} … {prefix: "p9."}, as FEEL text and as a value.
std::string PrefixesText() {
  std::string text = "[";
  for (int i = 0; i < 10; ++i) text += std::string(i ? ", " : "") + "{prefix: \"p" + std::to_string(i) + ".\"}";
  return text + "]";
}
Value PrefixesValue() {
  List items;
  for (int i = 0; i < 10; ++i) items.push_back(C({{"prefix", S("p" + std::to_string(i) + ".")}}));
  return L(std::move(items));
}

// Twenty strings "s0" … "s19", "s7" twice (at positions 8 and 20), as FEEL text and as a value.
std::string StringsText() {
  std::string text = "[";
  for (int i = 0; i < 20; ++i) text += "\"s" + std::to_string(i) + "\", ";
  return text + "\"s7\"]";
}
Value StringsValue() {
  List items;
  for (int i = 0; i < 20; ++i) items.push_back(S("s" + std::to_string(i)));
  items.push_back(S("s7"));
  return L(std::move(items));
}

TEST(SharedAnswers, FilterOfAConstantListAnswersAnImmortalOneItemList) {
  const Value v = EvaluatedRepeatedly(PrefixesText() + "[starts with(x, item.prefix)]", {{"x", S("p3.octreotide")}});
  ASSERT_TRUE(v.is(Type::kList));
  EXPECT_EQ(ToFeelLiteral(v), "[{prefix: \"p3.\"}]");
  EXPECT_TRUE(IsImmortal(v.list_ptr()));
  // Copies of it count nothing: there is no count.
  const Value copy = v;
  EXPECT_EQ(copy.list_ptr().use_count(), 0);
}

TEST(SharedAnswers, FilterOfAListPassedInKeepsItsAnswersOrdinary) {
  const Value v = EvaluatedRepeatedly("l[starts with(x, item.prefix)]", {{"l", PrefixesValue()}, {"x", S("p5.x")}});
  ASSERT_TRUE(v.is(Type::kList));
  EXPECT_EQ(ToFeelLiteral(v), "[{prefix: \"p5.\"}]");
  EXPECT_FALSE(IsImmortal(v.list_ptr()));
  EXPECT_GT(v.list_ptr().use_count(), 0);
}

TEST(SharedAnswers, IndexOfAConstantListAnswersImmortalPositions) {
  const Value one = EvaluatedRepeatedly("index of(" + StringsText() + ", x)", {{"x", S("s12")}});
  ASSERT_TRUE(one.is(Type::kList));
  EXPECT_EQ(ToFeelLiteral(one), "[13]");
  EXPECT_TRUE(IsImmortal(one.list_ptr()));
  const Value two = EvaluatedRepeatedly("index of(" + StringsText() + ", x)", {{"x", S("s7")}});
  EXPECT_EQ(ToFeelLiteral(two), "[8, 21]");
  EXPECT_TRUE(IsImmortal(two.list_ptr()));
  const Value none = EvaluatedRepeatedly("index of(" + StringsText() + ", x)", {{"x", S("s99")}});
  EXPECT_EQ(ToFeelLiteral(none), "[]");
}

TEST(SharedAnswers, IndexOfAListPassedInKeepsItsAnswersOrdinary) {
  const Value v = EvaluatedRepeatedly("index of(l, x)", {{"l", StringsValue()}, {"x", S("s7")}});
  ASSERT_TRUE(v.is(Type::kList));
  EXPECT_EQ(ToFeelLiteral(v), "[8, 21]");
  EXPECT_FALSE(IsImmortal(v.list_ptr()));
  EXPECT_GT(v.list_ptr().use_count(), 0);
}

// Two threads share one compiled expression from its first evaluation (both may build the table
// and the index; one publishes): every answer is the hand-written one.
TEST(SharedAnswers, TwoThreadsSharingTheNodesGetTheSameAnswers) {
  Scope scope;
  scope.Declare("x");
  auto filter = CompileExpression(PrefixesText() + "[starts with(x, item.prefix)]", scope);
  auto index = CompileExpression("index of(" + StringsText() + ", x)", scope);
  ASSERT_TRUE(filter && index);
  std::vector<std::string> got[2];
  auto run = [&](int t) {
    for (int i = 0; i < 200; ++i) {
      const int k = (i + t) % 10;
      std::vector<Value> slots{S("p" + std::to_string(k) + ".tail")};
      EvalContext ctx;
      const Value f = filter->Evaluate(slots, ctx);
      slots[0] = S("s" + std::to_string(k));
      const Value x = index->Evaluate(slots, ctx);
      got[t].push_back(ToFeelLiteral(f) + " " + ToFeelLiteral(x) + (IsImmortal(f.list_ptr()) ? "" : " counted") +
                       (IsImmortal(x.list_ptr()) ? "" : " counted"));
    }
  };
  std::thread other(run, 1);
  run(0);
  other.join();
  for (int t = 0; t < 2; ++t) {
    ASSERT_EQ(got[t].size(), 200u);
    for (int i = 0; i < 200; ++i) {
      const int k = (i + t) % 10;
      const std::string positions = k == 7 ? "[8, 21]" : "[" + std::to_string(k + 1) + "]";
      EXPECT_EQ(got[t][static_cast<size_t>(i)], "[{prefix: \"p" + std::to_string(k) + ".\"}] " + positions);
    }
  }
}

}  // namespace
}  // namespace zebra::feel::shared_answers_test
