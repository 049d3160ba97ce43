// Chains of `+` with `string(x)` operands (StringChainNode, issue 21): values and diagnostics
// against the same chain with each `string(x)` behind `(if true then string(x) else null)`,
// which the specialisation does not take (the general AddChainNode and the built-in), and
// against hand-written texts.
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "feel/builtins_test_util.h"
#include "feel/feel.h"
#include "feel/value.h"

namespace zebra::feel::string_chain_test {
namespace {

using Answer = testing::Answered;

Answer Eval(const std::string& text, const Context& vars = {}) { return testing::EvaluatedWithMessages(text, vars); }

using testing::Show;

Context Vars() {
  Context c;
  Context tumor;
  tumor.Put("ki67", Value::Number(*Decimal::FromString("2.2")));
  tumor.Put("site", Value::String("appendix"));
  tumor.Put("none", Value());
  c.Put("t", Value::FromContext(std::move(tumor)));
  c.Put("n", Value::Number(20));
  return c;
}

// The values `string(x)` and the other operands may meet: numbers, strings, null, booleans,
// temporal values, lists, contexts, reads from names and paths, a read that reports.
const std::vector<std::string> kArgs = {
    "1", "2.50", "-0.001", "123456789012345678901234567890", "\"text\"", "\"\"", "null", "true",
    "date(\"2024-02-29\")", "@\"P1DT2H\"", "@\"P14M\"", "[1, \"a\"]", "{a: 1}", "t.ki67", "t.site", "t.none",
    "t.missing", "n", "n.k", "n * 2", "time(\"10:30:00\")",
};
const std::vector<std::string> kOthers = {"\"G3: \"", "\" %\"", "\"\"", "1", "null", "t.site", "n.k", "[1]"};

TEST(StringChainNode, AgreesWithTheGeneralChainOnGeneratedChains) {
  const Context vars = Vars();
  std::mt19937 rng(3);
  int compared = 0;
  for (size_t len = 3; len <= 8; ++len) {
    for (int round = 0; round < 200; ++round) {
      std::string fast, general;
      bool any = false;
      for (size_t i = 0; i < len; ++i) {
        if (i) {
          fast += " + ";
          general += " + ";
        }
        const unsigned pick = rng() % 10;
        if (pick < 4) {
          const std::string& x = kArgs[rng() % kArgs.size()];
          fast += "string(" + x + ")";
          general += "(if true then string(" + x + ") else null)";
          any = true;
        } else {
          // Mostly strings, so that most chains append past the first operands.
          const std::string& o = pick < 8 ? kOthers[rng() % 3] : kOthers[rng() % kOthers.size()];
          fast += o;
          general += o;
        }
      }
      if (!any) continue;
      const Answer a = Eval(fast, vars), b = Eval(general, vars);
      EXPECT_EQ(a, b) << fast << "\n  node:    " << Show(a) << "\n  general: " << Show(b);
      ++compared;
    }
  }
  EXPECT_GT(compared, 800);
}

TEST(StringChainNode, HandWrittenAnswers) {
  const Context vars = Vars();
  EXPECT_EQ(Eval("\"G3: \" + \"Ki-67 \" + string(t.ki67) + \" %\"", vars).literal, "\"G3: Ki-67 2.2 %\"");
  EXPECT_EQ(Eval("\"a\" + \"b\" + string(t.site) + string(n) + string(true)", vars).literal, "\"abappendix20true\"");
  EXPECT_EQ(Eval("\"d \" + \"= \" + string(date(\"2024-01-02\"))").literal, "\"d = 2024-01-02\"");
  EXPECT_EQ(Eval("string(n) + \" \" + string(t.ki67)", vars).literal, "\"20 2.2\"");
  // string(null) is null, and so is the chain; the operands after it are still evaluated.
  EXPECT_EQ(Eval("\"a\" + \"b\" + string(t.none) + \"c\"", vars).literal, "null");
  const Answer r = Eval("\"a\" + \"b\" + string(t.none) + string(n.k)", vars);
  EXPECT_EQ(r.literal, "null");
  EXPECT_EQ(r.messages.size(), 1u);
  // A string(x) operand's own diagnostic comes in its place among the others'.
  const Answer q = Eval("\"a\" + \"b\" + string(n.k) + \"c\" + n.j", vars);
  const Answer g = Eval("\"a\" + \"b\" + (if true then string(n.k) else null) + \"c\" + n.j", vars);
  EXPECT_EQ(q, g);
  EXPECT_EQ(q.messages.size(), 2u);
}

// A chain's buffer starts at the longest text it has made (AddChainNode::size_hint, up to
// kMaxSizeHint bytes): one compiled chain over texts of lengths rising, falling and beyond the
// cap, in one evaluation and over several, each text checked against the one built here.
TEST(AddChainNode, TextsOfEveryLengthWithTheBufferHint) {
  const std::vector<size_t> lengths = {0, 3, 70, 300, 5000, 10, 4090, 4097, 1, 9000, 64, 65, 0, 2000, 7};
  List texts;
  std::vector<std::string> expected;
  for (size_t k = 0; k < lengths.size(); ++k) {
    const std::string x(lengths[k], static_cast<char>('a' + k % 26));
    texts.push_back(Value::String(x));
    expected.push_back("<" + x + "|" + x + ">" + std::to_string(k));
  }
  Scope scope;
  const int slot = scope.Declare("xs");
  auto expr = CompileExpression("for i in 1..count(xs) return \"<\" + xs[i] + \"|\" + xs[i] + \">\" + string(i - 1)", scope);
  ASSERT_TRUE(expr.has_value());
  for (int pass = 0; pass < 3; ++pass) {
    std::vector<Value> slots(scope.size());
    // Each pass in another order: the hint the chain kept meets shorter and longer texts.
    List order = texts;
    std::vector<std::string> want = expected;
    if (pass == 1) {
      std::reverse(order.begin(), order.end());
      std::reverse(want.begin(), want.end());
      for (size_t k = 0; k < want.size(); ++k) {
        const size_t at = want[k].rfind('>');
        want[k] = want[k].substr(0, at + 1) + std::to_string(k);
      }
    }
    if (pass == 2) {
      order.resize(3);
      want.resize(3);
    }
    slots[static_cast<size_t>(slot)] = Value::FromList(std::move(order));
    EvalContext ctx;
    const Value r = expr->Evaluate(slots, ctx);
    EXPECT_TRUE(ctx.diagnostics().empty());
    ASSERT_TRUE(r.is(Type::kList));
    ASSERT_EQ(r.list().size(), want.size());
    for (size_t k = 0; k < want.size(); ++k) {
      ASSERT_TRUE(r.list()[k].is(Type::kString));
      EXPECT_EQ(r.list()[k].string(), want[k]) << "pass " << pass << ", text " << k;
    }
  }
}

}  // namespace
}  // namespace zebra::feel::string_chain_test
