// `a + b`, `a - b`, `a * b` over two numbers (BinaryNode::Eval's shortcut, issue 21): the answer
// is Decimal's Add / Sub / Mul as the general Add / Subtract / Multiply give it, checked here
// against those Decimal operations computed by hand and, for `+`, against a chain `a + b + 0`
// (AddChainNode, which adds through the general Add; adding zero returns its left side).
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "feel/decimal.h"
#include "feel/builtins_test_util.h"
#include "feel/feel.h"
#include "feel/value.h"

namespace zebra::feel::number_arithmetic_test {
namespace {

using Answer = testing::Answered;

Answer Eval(const std::string& text, const Context& vars = {}) { return testing::EvaluatedWithMessages(text, vars); }

const std::vector<std::string> kNumbers = {
    "0", "1", "-1", "2", "5", "10", "100", "-100", "2.5", "-0.25", "0.1", "0.2", "7.75", "1000000",
    "123456789012345678901234567890", "99999999999999999999", "0.000001", "-3.5e10", "1e-6100", "4e6000",
    "9.999999999999999999999999999999999e6144", "-9.999999999999999999999999999999999e6144",
};

// What the general path answers: Decimal's operation, or null and the overflow message.
Answer Expected(const std::string& x, char op, const std::string& y) {
  const auto pa = Decimal::FromString(x), pb = Decimal::FromString(y);
  EXPECT_TRUE(pa && pb) << x << " " << y;
  if (!pa || !pb) return {};
  const Decimal a = *pa, b = *pb;
  const std::optional<Decimal> r = op == '+' ? a.Add(b) : op == '-' ? a.Sub(b) : a.Mul(b);
  Answer e;
  if (r) {
    e.literal = ToFeelLiteral(Value::Number(*r));
  } else {
    e.literal = "null";
    e.messages.push_back(std::string("arithmetic error in '") + op + "' (overflow or division by zero)");
  }
  return e;
}

TEST(NumberArithmetic, AgreesWithDecimalOnEveryPair) {
  Context vars;
  int compared = 0;
  for (const std::string& x : kNumbers) {
    for (const std::string& y : kNumbers) {
      for (char op : {'+', '-', '*'}) {
        // Literal operands, and the same numbers read from names (slots).
        const std::string text = "(" + x + ") " + op + " (" + y + ")";
        EXPECT_EQ(Eval(text), Expected(x, op, y)) << text;
        const std::string named = "{a: " + x + ", b: " + y + ", r: a " + op + " b}.r";
        EXPECT_EQ(Eval(named), Expected(x, op, y)) << named;
        compared += 2;
      }
      const std::string sum = "(" + x + ") + (" + y + ")";
      EXPECT_EQ(Eval(sum), Eval(sum + " + 0")) << sum;
    }
  }
  EXPECT_GT(compared, 2500);
}

TEST(NumberArithmetic, HandWrittenAnswers) {
  EXPECT_EQ(Eval("100 + 7 - 5 * 2 + 3").literal, "100");
  EXPECT_EQ(Eval("0.1 + 0.2").literal, "0.3");
  EXPECT_EQ(Eval("2 - 5").literal, "-3");
  EXPECT_EQ(Eval("1.5 * 4").literal, "6");
  EXPECT_EQ(Eval("for i in 1..3 return i + 1").literal, "[2, 3, 4]");
  EXPECT_EQ(Eval("{w: 20, c: 2, p: -5, r: (if true then 100 else 0) + w - 5 * c + p}.r").literal, "105");
  // Everything but two numbers is the general path's: nulls, strings, durations, mismatches.
  EXPECT_EQ(Eval("1 + null").literal, "null");
  EXPECT_TRUE(Eval("null * 2").messages.empty());
  EXPECT_EQ(Eval("\"a\" + \"b\"").literal, "\"ab\"");
  EXPECT_EQ(Eval("@\"P1D\" * 2").literal, Eval("@\"P2D\"").literal);
  const Answer m = Eval("1 - \"a\"");
  EXPECT_EQ(m.literal, "null");
  EXPECT_EQ(m.messages.size(), 1u);
  const Answer o = Eval("9.999999999999999999999999999999999e6144 * 10");
  EXPECT_EQ(o.literal, "null");
  ASSERT_EQ(o.messages.size(), 1u);
  EXPECT_EQ(o.messages[0], "arithmetic error in '*' (overflow or division by zero)");
}

}  // namespace
}  // namespace zebra::feel::number_arithmetic_test
