// Numeric built-ins, DMN 1.5 §10.3.4.5 (Table 74 "Semantics of numeric functions"), and the
// boolean function not(), §10.3.4.2.
#include "feel/builtins_test_util.h"

namespace zebra::feel::builtins_numeric_test {
namespace {

using namespace zebra::feel::testing;

Value Days(int64_t seconds) { return Value::Duration(DaysTimeDuration{seconds, 0}); }
Value Months(int64_t m) { return Value::Duration(YearsMonthsDuration{m}); }

// --- not (§10.3.4.2) ---------------------------------------------------------------------------
TEST(BooleanBuiltins, Not) {  // §10.3.4.2: not(true) = false, not(null) = null
  EXPECT_FEEL(Call("not", {B(true)}), B(false));
  EXPECT_FEEL(Call("not", {B(false)}), B(true));
  EXPECT_FEEL_NULL(Call("not", {Null()}));
}
TEST(BooleanBuiltins, NotNonBoolean) {  // §10.3.4.2: negand must be boolean
  EXPECT_TRUE(IsError("not", {N(1)}));
  EXPECT_TRUE(IsError("not", {S("true")}));
}
TEST(BooleanBuiltins, NotNamed) {  // §10.3.4.2 parameter name "negand"
  EXPECT_FEEL(Named("not", {{"negand", B(true)}}), B(false));
}

// --- decimal ---------------------------------------------------------------------------------
TEST(NumericBuiltins, Decimal) {  // §10.3.4.5: decimal(1/3, 2) = .33
  auto third = Decimal::FromInt(1).Div(Decimal::FromInt(3));
  EXPECT_FEEL(Call("decimal", {Value::Number(*third), N(2)}), D("0.33"));
}
TEST(NumericBuiltins, DecimalHalfEven) {  // §10.3.4.5: decimal(1.5, 0) = 2, decimal(2.5, 0) = 2
  EXPECT_FEEL(Call("decimal", {D("1.5"), N(0)}), N(2));
  EXPECT_FEEL(Call("decimal", {D("2.5"), N(0)}), N(2));
  EXPECT_FEEL(Call("decimal", {D("-2.5"), N(0)}), N(-2));
}
TEST(NumericBuiltins, DecimalNegativeScale) {  // §10.3.4.5: scale may be negative (tens)
  EXPECT_FEEL(Call("decimal", {N(1250), N(-2)}), N(1200));
}
TEST(NumericBuiltins, DecimalFractionalScaleTruncates) {  // §10.3.4.5: scale is a number
  EXPECT_FEEL(Call("decimal", {D("1.25"), D("1.9")}), D("1.2"));
  EXPECT_FEEL(Call("round up", {D("1.21"), D("1.5")}), D("1.3"));
}
TEST(NumericBuiltins, SingletonListArgument) {  // §10.3.2.9.4 "from singleton list"
  EXPECT_FEEL(Call("abs", {L({N(-3)})}), N(3));
  EXPECT_FEEL(Call("modulo", {L({N(7)}), N(4)}), N(3));
  EXPECT_TRUE(IsError("abs", {L({N(-3), N(1)})}));
}
TEST(NumericBuiltins, DecimalErrors) {  // §10.3.4.5: scale an integer in range
  EXPECT_TRUE(IsError("decimal", {D("1.5"), N(7000)}));
  EXPECT_TRUE(IsError("decimal", {S("1.5"), N(0)}));
  EXPECT_FEEL_NULL(Call("decimal", {Null(), N(0)}));
}

// --- floor, ceiling ------------------------------------------------------------------------
TEST(NumericBuiltins, Floor) {  // §10.3.4.5: floor(1.5) = 1, floor(-1.5) = -2
  EXPECT_FEEL(Call("floor", {D("1.5")}), N(1));
  EXPECT_FEEL(Call("floor", {D("-1.5")}), N(-2));
}
TEST(NumericBuiltins, FloorScale) {  // §10.3.4.5: floor(-1.56, 1) = -1.6
  EXPECT_FEEL(Call("floor", {D("-1.56"), N(1)}), D("-1.6"));
  EXPECT_FEEL(Call("floor", {D("1.56"), N(1)}), D("1.5"));
}
TEST(NumericBuiltins, Ceiling) {  // §10.3.4.5: ceiling(1.5) = 2, ceiling(-1.5) = -1
  EXPECT_FEEL(Call("ceiling", {D("1.5")}), N(2));
  EXPECT_FEEL(Call("ceiling", {D("-1.5")}), N(-1));
}
TEST(NumericBuiltins, CeilingScale) {  // §10.3.4.5: ceiling(-1.56, 1) = -1.5
  EXPECT_FEEL(Call("ceiling", {D("-1.56"), N(1)}), D("-1.5"));
}
TEST(NumericBuiltins, FloorCeilingNamedAndNull) {  // §10.3.4.5 parameter names n, scale
  EXPECT_FEEL(Named("floor", {{"n", D("5.7")}}), N(5));
  EXPECT_FEEL(Named("ceiling", {{"n", D("5.71")}, {"scale", N(1)}}), D("5.8"));
  EXPECT_FEEL_NULL(Call("floor", {Null()}));
  EXPECT_TRUE(IsError("ceiling", {S("1")}));
}

// --- round up/down/half up/half down ---------------------------------------------------------
// §10.3.4.5, the spec's examples: round up(5.5, 0) = 6, round up(-5.5, 0) = -6, round up(1.121, 2)
// = 1.13, round up(-1.126, 2) = -1.13, and the same four arguments for the other three modes.
TEST(NumericBuiltins, RoundingModes) {
  struct Row {
    std::string_view fn;
    Value plus_5_5, minus_5_5, at_1_121, at_minus_1_126;
  };
  const Row rows[] = {
      {"round up", N(6), N(-6), D("1.13"), D("-1.13")},
      {"round down", N(5), N(-5), D("1.12"), D("-1.12")},
      {"round half up", N(6), N(-6), D("1.12"), D("-1.13")},
      {"round half down", N(5), N(-5), D("1.12"), D("-1.13")},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.fn);
    EXPECT_FEEL(Call(r.fn, {D("5.5"), N(0)}), r.plus_5_5);
    EXPECT_FEEL(Call(r.fn, {D("-5.5"), N(0)}), r.minus_5_5);
    EXPECT_FEEL(Call(r.fn, {D("1.121"), N(2)}), r.at_1_121);
    EXPECT_FEEL(Call(r.fn, {D("-1.126"), N(2)}), r.at_minus_1_126);
  }
}
TEST(NumericBuiltins, RoundingNeedsScale) {  // §10.3.4.5: round up(n, scale) has no 1-arg form
  EXPECT_TRUE(IsError("round up", {D("5.5")}));
  EXPECT_FEEL_NULL(Call("round half up", {D("5.5"), Null()}));
}

// --- abs, modulo -------------------------------------------------------------------------
TEST(NumericBuiltins, Abs) {  // §10.3.4.5: abs(10) = 10, abs(-10) = 10
  EXPECT_FEEL(Call("abs", {N(10)}), N(10));
  EXPECT_FEEL(Call("abs", {N(-10)}), N(10));
  EXPECT_FEEL(Call("abs", {D("-0.5")}), D("0.5"));
}
TEST(NumericBuiltins, AbsDurations) {  // §10.3.4.5: abs(@"-PT5H") = @"PT5H", abs(@"-P1Y") = @"P1Y"
  EXPECT_FEEL(Call("abs", {Days(-5 * 3600)}), Days(5 * 3600));
  EXPECT_FEEL(Call("abs", {Days(86400)}), Days(86400));
  EXPECT_FEEL(Call("abs", {Months(-12)}), Months(12));
}
TEST(NumericBuiltins, AbsErrors) {  // §10.3.4.5: a number or a duration
  EXPECT_TRUE(IsError("abs", {S("-1")}));
  EXPECT_TRUE(IsError("abs", {B(true)}));
  EXPECT_FEEL_NULL(Call("abs", {Null()}));
  EXPECT_FEEL(Named("abs", {{"n", N(-1)}}), N(1));
}
TEST(NumericBuiltins, Modulo) {  // §10.3.4.5: modulo(12, 5) = 2
  EXPECT_FEEL(Call("modulo", {N(12), N(5)}), N(2));
}
TEST(NumericBuiltins, ModuloSignOfDivisor) {  // §10.3.4.5: modulo(-12,5) = 3, (12,-5) = -3, (-12,-5) = -2
  EXPECT_FEEL(Call("modulo", {N(-12), N(5)}), N(3));
  EXPECT_FEEL(Call("modulo", {N(12), N(-5)}), N(-3));
  EXPECT_FEEL(Call("modulo", {N(-12), N(-5)}), N(-2));
}
TEST(NumericBuiltins, ModuloDecimals) {  // §10.3.4.5: modulo(10.1, 4.5) = 1.1, modulo(-10.1, 4.5) = 3.4
  EXPECT_FEEL(Call("modulo", {D("10.1"), D("4.5")}), D("1.1"));
  EXPECT_FEEL(Call("modulo", {D("-10.1"), D("4.5")}), D("3.4"));
  EXPECT_FEEL(Call("modulo", {D("10.1"), D("-4.5")}), D("-3.4"));
}
TEST(NumericBuiltins, ModuloByZero) {  // division by zero → null
  EXPECT_TRUE(IsError("modulo", {N(5), N(0)}));
  EXPECT_FEEL(Named("modulo", {{"dividend", N(7)}, {"divisor", N(4)}}), N(3));
}

// --- sqrt, log, exp --------------------------------------------------------------------------
TEST(NumericBuiltins, Sqrt) {  // §10.3.4.5: sqrt(16) = 4
  EXPECT_FEEL(Call("sqrt", {N(16)}), N(4));
  EXPECT_FEEL(Call("sqrt", {D("0.25")}), D("0.5"));
}
TEST(NumericBuiltins, SqrtOfTwo) {  // sqrt(2) to 34 digits
  EXPECT_FEEL(Call("sqrt", {N(2)}), D("1.414213562373095048801688724209698"));
}
TEST(NumericBuiltins, SqrtNegative) {  // §10.3.4.5: sqrt(-1) = null
  EXPECT_TRUE(IsError("sqrt", {N(-1)}));
  EXPECT_FEEL_NULL(Call("sqrt", {Null()}));
}
TEST(NumericBuiltins, Log) {  // §10.3.4.5: log(10) = 2.30258509299
  Value r = Call("log", {N(10)});
  ASSERT_TRUE(r.is(Type::kNumber));
  EXPECT_EQ(r.number().Round(11, RoundingMode::kHalfEven), Decimal::FromString("2.30258509299").value());
}
TEST(NumericBuiltins, LogNonPositive) {  // natural log is undefined at and below 0
  EXPECT_TRUE(IsError("log", {N(0)}));
  EXPECT_TRUE(IsError("log", {N(-1)}));
  EXPECT_FEEL(Call("log", {N(1)}), N(0));
}
TEST(NumericBuiltins, Exp) {  // §10.3.4.5: exp(5) = 148.413159102577
  Value r = Call("exp", {N(5)});
  ASSERT_TRUE(r.is(Type::kNumber));
  EXPECT_EQ(r.number().Round(12, RoundingMode::kHalfEven), Decimal::FromString("148.413159102577").value());
  EXPECT_FEEL(Call("exp", {N(0)}), N(1));
}
TEST(NumericBuiltins, ExpWrongType) {  // §10.3.4.5
  EXPECT_TRUE(IsError("exp", {S("5")}));
  EXPECT_FEEL(Named("sqrt", {{"number", N(9)}}), N(3));
}

// --- odd, even -----------------------------------------------------------------------------
TEST(NumericBuiltins, Odd) {  // §10.3.4.5: odd(5) = true, odd(2) = false
  EXPECT_FEEL(Call("odd", {N(5)}), B(true));
  EXPECT_FEEL(Call("odd", {N(2)}), B(false));
  EXPECT_FEEL(Call("odd", {N(-3)}), B(true));
}
TEST(NumericBuiltins, Even) {  // §10.3.4.5: even(5) = false, even(2) = true
  EXPECT_FEEL(Call("even", {N(5)}), B(false));
  EXPECT_FEEL(Call("even", {N(2)}), B(true));
  EXPECT_FEEL(Call("even", {N(0)}), B(true));
  EXPECT_FEEL(Call("even", {N(-2)}), B(true));
}
TEST(NumericBuiltins, OddEvenNonIntegerAndTypes) {  // a fraction is neither odd nor even
  EXPECT_FEEL(Call("odd", {D("1.5")}), B(false));
  EXPECT_FEEL(Call("even", {D("2.5")}), B(false));
  EXPECT_TRUE(IsError("even", {S("4")}));
  EXPECT_TRUE(IsError("odd", {Days(86400)}));
  EXPECT_FEEL_NULL(Call("even", {Null()}));
  EXPECT_FEEL(Named("even", {{"number", N(4)}}), B(true));
}
TEST(NumericBuiltins, WrongArity) {  // §10.3.4: no overload → null
  EXPECT_TRUE(IsError("abs", {}));
  EXPECT_TRUE(IsError("even", {N(4), N(4)}));
}

}  // namespace
}  // namespace zebra::feel::builtins_numeric_test
