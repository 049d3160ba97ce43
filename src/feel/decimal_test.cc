// Tests for FEEL numbers: DMN 1.5 §10.3.2.3.1 (decimal128, 34 digits, round half even) and the
// numeric built-ins of §10.3.4.4 (decimal, floor, ceiling, round *, modulo, sqrt, exp, log).
// Reference digits for the transcendental functions were computed independently with python3's
// decimal module (getcontext().prec = 34, ROUND_HALF_EVEN), not taken from this implementation.
#include "feel/decimal.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <unordered_set>
#include <vector>

namespace zebra::feel::decimal_test {
namespace {

Decimal D(std::string_view s) {
  auto d = Decimal::FromString(s);
  EXPECT_TRUE(d.has_value()) << s;
  return d.value_or(Decimal());
}

std::string S(const std::optional<Decimal>& d) { return d ? d->ToString() : "null"; }

std::string Div(std::string_view a, std::string_view b) { return S(D(a).Div(D(b))); }
std::string Mod(std::string_view a, std::string_view b) { return S(D(a).Mod(D(b))); }
// Each {a, b, expected}: op(a, b) gives `expected` (worked out by hand or with python3's
// decimal module at 34 digits, half even).
struct Row {
  std::string_view a, b, expected;
};
void ExpectEach(std::string (*op)(std::string_view, std::string_view), std::initializer_list<Row> rows) {
  for (const Row& r : rows) EXPECT_EQ(op(r.a, r.b), r.expected) << r.a << ", " << r.b;
}
std::string Rnd(std::string_view a, int scale, RoundingMode m) { return D(a).Round(scale, m).ToString(); }

// --- Parsing ------------------------------------------------------------------------------------

TEST(DecimalParse, AcceptsLiteralForms) {
  EXPECT_EQ(S(Decimal::FromString("12")), "12");
  EXPECT_EQ(S(Decimal::FromString("-0.5")), "-0.5");
  EXPECT_EQ(S(Decimal::FromString(".5")), "0.5");
  EXPECT_EQ(S(Decimal::FromString("5.")), "5");
  EXPECT_EQ(S(Decimal::FromString("1e3")), "1000");
  EXPECT_EQ(S(Decimal::FromString("1.2E-7")), "0.00000012");
  EXPECT_EQ(S(Decimal::FromString("1e+2")), "100");
  EXPECT_EQ(S(Decimal::FromString("007.50")), "7.5");
  EXPECT_EQ(S(Decimal::FromString("0.000")), "0");
}

TEST(DecimalParse, RejectsGarbage) {
  for (std::string_view bad : {"", "-", ".", "1.2.3", "abc", "1a", "1e", "1e+", "e5", "+1", " 1", "1 ",
                               "--1", "1..2", "0x10", "1e5.5", "NaN", "Infinity"}) {
    EXPECT_FALSE(Decimal::FromString(bad).has_value()) << '"' << bad << '"';
  }
}

TEST(DecimalParse, RoundsTo34DigitsHalfEven) {
  // 35 significant digits: the 35th decides (§10.3.2.3.1, round half even).
  EXPECT_EQ(S(Decimal::FromString("1.0000000000000000000000000000000005")), "1");  // tie, even stays
  EXPECT_EQ(S(Decimal::FromString("1.0000000000000000000000000000000015")),
            "1.000000000000000000000000000000002");  // tie, odd rounds up
  EXPECT_EQ(S(Decimal::FromString("1.00000000000000000000000000000000050001")),
            "1.000000000000000000000000000000001");  // beyond the tie
  EXPECT_EQ(S(Decimal::FromString("12345678901234567890123456789012345678")),
            "12345678901234567890123456789012350000");
  EXPECT_EQ(S(Decimal::FromString("9999999999999999999999999999999999.5")),
            "10000000000000000000000000000000000");
}

TEST(DecimalParse, HugeDigitStringIsRoundedNotStored) {
  std::string big = "1";
  big.append(10'000'000, '0');  // 10^10000000: far beyond decimal128
  EXPECT_FALSE(Decimal::FromString(big).has_value());
  std::string frac = "0.";
  frac.append(10'000'000, '3');
  EXPECT_EQ(S(Decimal::FromString(frac)), "0.3333333333333333333333333333333333");
}

TEST(DecimalParse, ExponentRange) {
  EXPECT_TRUE(Decimal::FromString("1e6144").has_value());
  EXPECT_TRUE(Decimal::FromString("9.999999999999999999999999999999999e6144").has_value());
  EXPECT_FALSE(Decimal::FromString("1e6145").has_value());
  EXPECT_FALSE(Decimal::FromString("1e99999999999999999999999").has_value());
  // Underflow goes to zero rather than failing.
  EXPECT_EQ(S(Decimal::FromString("1e-99999999999999999999")), "0");
  EXPECT_EQ(S(Decimal::FromString("1e-6176")).size(), 6178u);  // smallest subnormal, "0.000...1"
  EXPECT_EQ(S(Decimal::FromString("1e-6177")), "0");
  EXPECT_EQ(S(Decimal::FromString("5e-6177")), "0");  // exact tie below the smallest quantum: even
  EXPECT_EQ(S(Decimal::FromString("6e-6177")), S(Decimal::FromString("1e-6176")));
  EXPECT_EQ(S(Decimal::FromString("0e99999")), "0");
}

TEST(DecimalParse, FromDoubleShortestRoundTrip) {
  EXPECT_EQ(S(Decimal::FromDouble(0.1)), "0.1");
  EXPECT_EQ(S(Decimal::FromDouble(-2.5)), "-2.5");
  EXPECT_EQ(S(Decimal::FromDouble(1e21)), "1000000000000000000000");
  EXPECT_EQ(S(Decimal::FromDouble(1.5e-7)), "0.00000015");
  EXPECT_EQ(S(Decimal::FromDouble(-0.0)), "0");
  EXPECT_FALSE(Decimal::FromDouble(std::numeric_limits<double>::quiet_NaN()).has_value());
  EXPECT_FALSE(Decimal::FromDouble(std::numeric_limits<double>::infinity()).has_value());
}

// --- Formatting and conversion ----------------------------------------------------------------

TEST(DecimalFormat, PlainNotationWithoutTrailingZeros) {
  EXPECT_EQ(D("1.00").ToString(), "1");
  EXPECT_EQ(D("-0.250").ToString(), "-0.25");
  EXPECT_EQ(D("1e6").ToString(), "1000000");
  EXPECT_EQ(D("1e-6").ToString(), "0.000001");
  EXPECT_EQ(D("-0").ToString(), "0");
  EXPECT_EQ(D("123.456").ToString(), "123.456");
  EXPECT_EQ(Decimal().ToString(), "0");
  EXPECT_EQ(Decimal::FromInt(std::numeric_limits<int64_t>::min()).ToString(), "-9223372036854775808");
}

TEST(DecimalFormat, ToDoubleAndToInt64) {
  EXPECT_EQ(D("0.1").ToDouble(), 0.1);
  EXPECT_EQ(D("-1234.5").ToDouble(), -1234.5);
  EXPECT_TRUE(std::isinf(D("1e400").ToDouble()));
  EXPECT_EQ(D("1e-400").ToDouble(), 0.0);
  EXPECT_EQ(D("1200").ToInt64(), 1200);
  EXPECT_EQ(D("-9223372036854775808").ToInt64(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(D("9223372036854775807").ToInt64(), std::numeric_limits<int64_t>::max());
  EXPECT_FALSE(D("9223372036854775808").ToInt64().has_value());
  EXPECT_FALSE(D("1.5").ToInt64().has_value());
  EXPECT_FALSE(D("1e30").ToInt64().has_value());
  EXPECT_TRUE(D("1e30").IsInteger());
  EXPECT_TRUE(D("5.000").IsInteger());
  EXPECT_FALSE(D("0.5").IsInteger());
}

// --- Comparison and hashing -------------------------------------------------------------------

TEST(DecimalCompare, EqualAcrossRepresentations) {
  EXPECT_EQ(D("1"), D("1.00"));
  EXPECT_EQ(D("100"), D("1e2"));
  EXPECT_EQ(D("0"), D("-0.000"));
  EXPECT_EQ(D("1").Hash(), D("1.00").Hash());
  EXPECT_EQ(D("100").Hash(), D("1e2").Hash());
  EXPECT_EQ(D("0").Hash(), D("-0").Hash());
  EXPECT_EQ(Decimal::FromParts(false, 1500, -3), D("1.5"));
  EXPECT_EQ(Decimal::FromParts(false, 1500, -3).Hash(), D("1.5").Hash());
}

TEST(DecimalCompare, OrdersAcrossExponentsAndSigns) {
  EXPECT_LT(D("0.999"), D("1"));
  EXPECT_LT(D("9"), D("10"));
  EXPECT_LT(D("1.5"), D("15"));
  EXPECT_GT(D("1e10"), D("9999999999"));
  EXPECT_LT(D("-2"), D("-1.5"));
  EXPECT_LT(D("-1e10"), D("-1"));
  EXPECT_LT(D("-0.001"), D("0"));
  EXPECT_GT(D("0.001"), D("0"));
  EXPECT_LT(D("0.1234"), D("0.1235"));
  EXPECT_LT(D("1.000000000000000000000000000000001"), D("1.000000000000000000000000000000002"));
}

TEST(DecimalCompare, HashSetDistinguishesValues) {
  std::unordered_set<size_t> hashes;
  for (int i = -50; i <= 50; ++i) hashes.insert(Decimal::FromInt(i).Hash());
  EXPECT_EQ(hashes.size(), 101u);
}

// --- Arithmetic (§10.3.2.3.1) -----------------------------------------------------------------

TEST(DecimalArith, AddIsExactInDecimal) {
  EXPECT_EQ(S(D("0.1").Add(D("0.2"))), "0.3");
  EXPECT_EQ(S(D("1").Add(D("-1"))), "0");
  EXPECT_EQ(S(D("1.5").Add(D("-2.75"))), "-1.25");
  EXPECT_EQ(S(D("1e20").Add(D("1e-10"))), "100000000000000000000.0000000001");
  EXPECT_EQ(S(D("1e30").Sub(D("1"))), "999999999999999999999999999999");
}

TEST(DecimalArith, AddRoundsTo34Digits) {
  EXPECT_EQ(S(D("1e34").Add(D("1"))), "10000000000000000000000000000000000");
  EXPECT_EQ(S(D("1e34").Add(D("15"))), "10000000000000000000000000000000020");  // tie to even
  EXPECT_EQ(S(D("1e34").Add(D("5"))), "10000000000000000000000000000000000");   // tie to even
  // A far smaller addend cannot change the rounded result but must not be lost when subtracting.
  EXPECT_EQ(S(D("1").Add(D("1e-100"))), "1");
  EXPECT_EQ(S(D("1").Sub(D("1e-100"))), "1");
  EXPECT_EQ(S(D("1e100").Sub(D("1"))), S(Decimal::FromString("1e100")));
}

TEST(DecimalArith, Overflow) {
  const Decimal max = D("9.999999999999999999999999999999999e6144");
  EXPECT_FALSE(max.Add(max).has_value());
  EXPECT_FALSE(max.Mul(D("10")).has_value());
  EXPECT_FALSE(D("1e6000").Mul(D("1e6000")).has_value());
  EXPECT_EQ(S(D("1e-6000").Mul(D("1e-6000"))), "0");  // underflow to zero
  EXPECT_FALSE(D("1e6144").Div(D("1e-10")).has_value());
}

TEST(DecimalArith, Multiply) {
  EXPECT_EQ(S(D("1.5").Mul(D("2"))), "3");
  EXPECT_EQ(S(D("-0.1").Mul(D("0.1"))), "-0.01");
  EXPECT_EQ(S(D("0").Mul(D("-5"))), "0");
  // Full 34x34-digit product rounded half even (python3 decimal, prec 34).
  EXPECT_EQ(S(D("1.234567890123456789012345678901234").Mul(D("9.876543210987654321098765432109876"))),
            "12.19326311370217952261850327338667");
  EXPECT_EQ(S(D("9999999999999999999999999999999999").Mul(D("9999999999999999999999999999999999"))),
            S(Decimal::FromString("9.999999999999999999999999999999998e67")));
}

TEST(DecimalArith, Divide) {
  ExpectEach(Div, {
      {"1", "3", "0.3333333333333333333333333333333333"},
      {"2", "3", "0.6666666666666666666666666666666667"},
      {"10", "4", "2.5"},
      {"1", "7", "0.1428571428571428571428571428571429"},
      {"22", "7", "3.142857142857142857142857142857143"},
      {"-1", "8", "-0.125"},
      {"1", "-0.001", "-1000"},
      {"0", "5", "0"},
      {"1", "0", "null"},
      {"123456789012345678901234567890", "123456789012345678901234567890", "1"},
  });
  // Wide (> 64-bit) divisor goes through the long-division path.
  EXPECT_EQ(Div("1", "33333333333333333333333"), S(Decimal::FromString("3.000000000000000000000030000000000e-23")));
}

TEST(DecimalArith, NegateAndAbs) {
  EXPECT_EQ(D("1.5").Negate().ToString(), "-1.5");
  EXPECT_EQ(D("-1.5").Abs().ToString(), "1.5");
  EXPECT_FALSE(Decimal().Negate().IsNegative());
  EXPECT_EQ(Decimal().Negate().Hash(), Decimal().Hash());
}

// --- Modulo (§10.3.4.4 modulo(dividend, divisor): sign of the divisor) ------------------------

TEST(DecimalMod, EdgeCases) {
  ExpectEach(Mod, {
      {"10", "0", "null"},
      {"0", "3", "0"},
      {"15", "5", "0"},
      {"-15", "5", "0"},
      {"1", "1000", "1"},
      {"-1", "1000", "999"},
      {"0.5", "1e40", "0.5"},
      // Exact even when the quotient is far beyond 34 digits: 10^100 = 1 (mod 3), 10^100 = 0 (mod 8).
      {"1e100", "3", "1"},
      {"1e100", "8", "0"},
      {"1e100", "7", "4"},  // 10^6 = 1 (mod 7), 100 = 4 (mod 6) -> 10^4 = 4 (mod 7)
  });
}

// --- Rounding (§10.3.4.4 decimal, floor, ceiling, round up/down/half up/half down) ------------

TEST(DecimalRound, DecimalFunctionIsHalfEven) {
  EXPECT_EQ(D("1").Div(D("3"))->Round(2, RoundingMode::kHalfEven).ToString(), "0.33");
  EXPECT_EQ(Rnd("1.5", 0, RoundingMode::kHalfEven), "2");
  EXPECT_EQ(Rnd("2.5", 0, RoundingMode::kHalfEven), "2");
  EXPECT_EQ(Rnd("-2.5", 0, RoundingMode::kHalfEven), "-2");
  EXPECT_EQ(Rnd("0.125", 2, RoundingMode::kHalfEven), "0.12");
  EXPECT_EQ(Rnd("0.1251", 2, RoundingMode::kHalfEven), "0.13");
  EXPECT_EQ(Rnd("1.5", 3, RoundingMode::kHalfEven), "1.5");  // already has fewer digits
}

TEST(DecimalRound, NegativeScale) {
  EXPECT_EQ(Rnd("1250", -2, RoundingMode::kHalfEven), "1200");
  EXPECT_EQ(Rnd("1350", -2, RoundingMode::kHalfEven), "1400");
  EXPECT_EQ(Rnd("1251", -2, RoundingMode::kHalfDown), "1300");
  EXPECT_EQ(Rnd("149", -2, RoundingMode::kHalfUp), "100");
  EXPECT_EQ(Rnd("12345.678", -1, RoundingMode::kFloor), "12340");
  EXPECT_EQ(Rnd("7", -5, RoundingMode::kUp), "100000");
  EXPECT_EQ(Rnd("7", -5, RoundingMode::kHalfEven), "0");
  EXPECT_EQ(Rnd("7", -1000000000, RoundingMode::kDown), "0");
}

// --- Table of the DMN 1.5 §10.3.4.4 examples (one gtest case per row) -------------------------

struct SpecCase {
  const char* name;
  std::string (*eval)();
  const char* expected;
};

#define ZEBRA_CASE(name, expr, expected) \
  SpecCase { name, [] { return std::string(expr); }, expected }

const SpecCase kSpecCases[] = {
    // modulo(dividend, divisor) = dividend - divisor * floor(dividend / divisor)
    ZEBRA_CASE("modulo_12_5", Mod("12", "5"), "2"),
    ZEBRA_CASE("modulo_m12_5", Mod("-12", "5"), "3"),
    ZEBRA_CASE("modulo_12_m5", Mod("12", "-5"), "-3"),
    ZEBRA_CASE("modulo_m12_m5", Mod("-12", "-5"), "-2"),
    ZEBRA_CASE("modulo_10p1_4p5", Mod("10.1", "4.5"), "1.1"),
    ZEBRA_CASE("modulo_m10p1_4p5", Mod("-10.1", "4.5"), "3.4"),
    ZEBRA_CASE("modulo_10p1_m4p5", Mod("10.1", "-4.5"), "-3.4"),
    ZEBRA_CASE("modulo_m10p1_m4p5", Mod("-10.1", "-4.5"), "-1.1"),
    // round up / down / half up / half down (n, scale)
    ZEBRA_CASE("round_up_5p5", Rnd("5.5", 0, RoundingMode::kUp), "6"),
    ZEBRA_CASE("round_up_m5p5", Rnd("-5.5", 0, RoundingMode::kUp), "-6"),
    ZEBRA_CASE("round_up_1p121_2", Rnd("1.121", 2, RoundingMode::kUp), "1.13"),
    ZEBRA_CASE("round_up_m1p126_2", Rnd("-1.126", 2, RoundingMode::kUp), "-1.13"),
    ZEBRA_CASE("round_down_5p5", Rnd("5.5", 0, RoundingMode::kDown), "5"),
    ZEBRA_CASE("round_down_m5p5", Rnd("-5.5", 0, RoundingMode::kDown), "-5"),
    ZEBRA_CASE("round_down_1p121_2", Rnd("1.121", 2, RoundingMode::kDown), "1.12"),
    ZEBRA_CASE("round_down_m1p126_2", Rnd("-1.126", 2, RoundingMode::kDown), "-1.12"),
    ZEBRA_CASE("round_half_up_5p5", Rnd("5.5", 0, RoundingMode::kHalfUp), "6"),
    ZEBRA_CASE("round_half_up_m5p5", Rnd("-5.5", 0, RoundingMode::kHalfUp), "-6"),
    ZEBRA_CASE("round_half_up_1p121_2", Rnd("1.121", 2, RoundingMode::kHalfUp), "1.12"),
    ZEBRA_CASE("round_half_up_m1p126_2", Rnd("-1.126", 2, RoundingMode::kHalfUp), "-1.13"),
    ZEBRA_CASE("round_half_up_1p125_2", Rnd("1.125", 2, RoundingMode::kHalfUp), "1.13"),
    ZEBRA_CASE("round_half_down_5p5", Rnd("5.5", 0, RoundingMode::kHalfDown), "5"),
    ZEBRA_CASE("round_half_down_m5p5", Rnd("-5.5", 0, RoundingMode::kHalfDown), "-5"),
    ZEBRA_CASE("round_half_down_1p121_2", Rnd("1.121", 2, RoundingMode::kHalfDown), "1.12"),
    ZEBRA_CASE("round_half_down_m1p126_2", Rnd("-1.126", 2, RoundingMode::kHalfDown), "-1.13"),
    ZEBRA_CASE("round_half_down_1p125_2", Rnd("1.125", 2, RoundingMode::kHalfDown), "1.12"),
    ZEBRA_CASE("round_half_down_5p51", Rnd("5.51", 0, RoundingMode::kHalfDown), "6"),
    // decimal(n, scale): half even
    ZEBRA_CASE("decimal_1_3_2", D("1").Div(D("3"))->Round(2, RoundingMode::kHalfEven).ToString(), "0.33"),
    ZEBRA_CASE("decimal_1p5_0", Rnd("1.5", 0, RoundingMode::kHalfEven), "2"),
    ZEBRA_CASE("decimal_2p5_0", Rnd("2.5", 0, RoundingMode::kHalfEven), "2"),
    ZEBRA_CASE("decimal_m2p5_0", Rnd("-2.5", 0, RoundingMode::kHalfEven), "-2"),
    ZEBRA_CASE("decimal_0p505_2", Rnd("0.505", 2, RoundingMode::kHalfEven), "0.5"),
    ZEBRA_CASE("decimal_0p515_2", Rnd("0.515", 2, RoundingMode::kHalfEven), "0.52"),
    // floor / ceiling, with and without scale
    ZEBRA_CASE("floor_1p5", Rnd("1.5", 0, RoundingMode::kFloor), "1"),
    ZEBRA_CASE("floor_m1p5", Rnd("-1.5", 0, RoundingMode::kFloor), "-2"),
    ZEBRA_CASE("floor_1p56_1", Rnd("1.56", 1, RoundingMode::kFloor), "1.5"),
    ZEBRA_CASE("floor_m1p56_1", Rnd("-1.56", 1, RoundingMode::kFloor), "-1.6"),
    ZEBRA_CASE("ceiling_1p5", Rnd("1.5", 0, RoundingMode::kCeiling), "2"),
    ZEBRA_CASE("ceiling_m1p5", Rnd("-1.5", 0, RoundingMode::kCeiling), "-1"),
    ZEBRA_CASE("ceiling_m1p56_1", Rnd("-1.56", 1, RoundingMode::kCeiling), "-1.5"),
    ZEBRA_CASE("ceiling_1p56_1", Rnd("1.56", 1, RoundingMode::kCeiling), "1.6"),
    // arithmetic (§10.3.2.3.1 decimal128 results)
    ZEBRA_CASE("add_0p1_0p2", S(D("0.1").Add(D("0.2"))), "0.3"),
    ZEBRA_CASE("div_1_3", Div("1", "3"), "0.3333333333333333333333333333333333"),
    ZEBRA_CASE("div_2_3", Div("2", "3"), "0.6666666666666666666666666666666667"),
    ZEBRA_CASE("div_10_4", Div("10", "4"), "2.5"),
    ZEBRA_CASE("sqrt_16", S(D("16").Sqrt()), "4"),
    ZEBRA_CASE("pow_2_10", S(D("2").Pow(D("10"))), "1024"),
};

#undef ZEBRA_CASE

class DecimalSpec : public ::testing::TestWithParam<SpecCase> {};

TEST_P(DecimalSpec, Matches) { EXPECT_EQ(GetParam().eval(), GetParam().expected); }

INSTANTIATE_TEST_SUITE_P(Dmn15, DecimalSpec, ::testing::ValuesIn(kSpecCases),
                         [](const ::testing::TestParamInfo<SpecCase>& info) { return std::string(info.param.name); });

// --- Properties against independent integer arithmetic ----------------------------------------

// Small deterministic generator so failures reproduce.
uint64_t NextRandom(uint64_t* state) {
  *state += 0x9E3779B97F4A7C15ULL;
  uint64_t z = *state;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

__extension__ using Int128 = __int128;

std::string Int128ToString(Int128 v) {
  if (v == 0) return "0";
  const bool neg = v < 0;
  Uint128 m = neg ? -static_cast<Uint128>(v) : static_cast<Uint128>(v);
  std::string s;
  while (m != 0) {
    s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(m % 10)));
    m /= 10;
  }
  return neg ? "-" + s : s;
}

TEST(DecimalProperty, IntegerArithmeticMatchesInt128) {
  uint64_t state = 42;
  for (int i = 0; i < 2000; ++i) {
    // |a|, |b| < 2^56 keeps products below 10^34, so every result is exact in decimal128.
    const auto a = static_cast<int64_t>(NextRandom(&state)) >> (NextRandom(&state) % 57 + 7);
    const auto b = static_cast<int64_t>(NextRandom(&state)) >> (NextRandom(&state) % 57 + 7);
    const Decimal da = Decimal::FromInt(a), db = Decimal::FromInt(b);
    const Int128 wa = a, wb = b;
    ASSERT_EQ(S(da.Add(db)), Int128ToString(wa + wb)) << a << " + " << b;
    ASSERT_EQ(S(da.Sub(db)), Int128ToString(wa - wb)) << a << " - " << b;
    ASSERT_EQ(S(da.Mul(db)), Int128ToString(wa * wb)) << a << " * " << b;
    ASSERT_EQ(da.Compare(db), a <=> b) << a << " <=> " << b;
    if (b != 0) {
      // Floor modulo computed with integer operations.
      Int128 r = wa % wb;
      if (r != 0 && ((r < 0) != (wb < 0))) r += wb;
      ASSERT_EQ(S(da.Mod(db)), Int128ToString(r)) << a << " mod " << b;
    }
  }
}

// Compare and FromParts take a 64-bit path when the coefficients are below 2^64; the general
// path (CompareGeneral, FromPartsGeneral) is exact for every coefficient. Both must agree on
// signs, zeros, equal, near and far exponents and coefficients around 2^63, 2^64 and 10^19.
Uint128 kPow10Test(uint64_t k) {
  Uint128 p = 1;
  while (k-- > 0) p *= 10;
  return p;
}

TEST(DecimalProperty, SixtyFourBitPathsMatchTheGeneralPaths) {
  const Uint128 two64 = Uint128{1} << 64;
  std::vector<Uint128> edges = {0, 1, 2, 9, 10, 11, 99, 100, 101, 12345, 1000000000000000000ULL,
                                9999999999999999999ULL, 10000000000000000000ULL, 10000000000000000001ULL,
                                (Uint128{1} << 63) - 1, Uint128{1} << 63, (Uint128{1} << 63) + 1,
                                18446744073709551610ULL, two64 - 1, two64, two64 + 1, two64 * 10,
                                Uint128{100000000000000000ULL} * 1000000000000000ULL /* 10^32 */};
  const std::vector<int32_t> exps = {0, 1, -1, 2, -2, 18, -18, 19, -19, 20, -20, 21, -21, 40, -40, 6111, -6176,
                                     INT32_MAX - 3, INT32_MAX, INT32_MIN};
  uint64_t state = 2164;
  auto random_coefficient = [&]() -> Uint128 {
    switch (NextRandom(&state) % 6) {
      case 0: return edges[NextRandom(&state) % edges.size()];
      case 1: return NextRandom(&state) % 1000 * kPow10Test(NextRandom(&state) % 17);  // trailing zeros
      case 2: return NextRandom(&state) >> (NextRandom(&state) % 64);
      case 3: return (Uint128{NextRandom(&state)} << 64 | NextRandom(&state)) >> (NextRandom(&state) % 128);
      default: return edges[NextRandom(&state) % edges.size()] + NextRandom(&state) % 3 - 1;
    }
  };
  auto random_exponent = [&]() -> int32_t {
    if (NextRandom(&state) % 4 == 0) return exps[NextRandom(&state) % exps.size()];
    return static_cast<int32_t>(NextRandom(&state) % 61) - 30;
  };
  auto same = [](const Decimal& a, const Decimal& b) {
    return a.coefficient() == b.coefficient() && a.exponent() == b.exponent() && a.negative() == b.negative();
  };
  // FromParts against FromPartsGeneral, field by field.
  for (Uint128 c : edges)
    for (int32_t e : exps)
      for (bool neg : {false, true})
        ASSERT_TRUE(same(Decimal::FromParts(neg, c, e), Decimal::FromPartsGeneral(neg, c, e)))
            << Int128ToString(static_cast<Int128>(c)) << "e" << e << (neg ? " negative" : "");
  std::vector<Decimal> values;
  for (int i = 0; i < 200000; ++i) {
    const bool neg = NextRandom(&state) % 2 == 0;
    const Uint128 c = random_coefficient();
    const int32_t e = random_exponent();
    const Decimal d = Decimal::FromParts(neg, c, e);
    ASSERT_TRUE(same(d, Decimal::FromPartsGeneral(neg, c, e))) << Int128ToString(static_cast<Int128>(c)) << "e" << e;
    if (values.size() < 3000) values.push_back(d);
  }
  // Compare against CompareGeneral: every pair of the edge values at near exponents, then
  // random pairs, including a value against itself and against its equal in another form.
  std::vector<Decimal> edge_values;
  for (Uint128 c : edges)
    for (int32_t e : {0, 1, -1, 19, -19, 20, -20, 21})
      for (bool neg : {false, true}) edge_values.push_back(Decimal::FromPartsGeneral(neg, c, e));
  size_t fast = 0;
  auto check = [&](const Decimal& a, const Decimal& b) {
    if (((a.coefficient() | b.coefficient()) >> 64) == 0) ++fast;
    ASSERT_EQ(a.Compare(b), a.CompareGeneral(b))
        << (a.negative() ? "-" : "") << Int128ToString(static_cast<Int128>(a.coefficient())) << "e" << a.exponent()
        << " vs " << (b.negative() ? "-" : "") << Int128ToString(static_cast<Int128>(b.coefficient())) << "e"
        << b.exponent();
  };
  for (const Decimal& a : edge_values)
    for (const Decimal& b : edge_values) check(a, b);
  for (size_t i = 0; i < values.size(); ++i)
    for (size_t j = 0; j < 60; ++j) check(values[i], values[(i * 7 + j * 13) % values.size()]);
  for (const Decimal& a : values)
    if (a.exponent() > INT32_MIN + 2) check(a, Decimal::FromParts(a.negative(), a.coefficient() * 100, a.exponent() - 2));
  EXPECT_GT(fast, 100000u);  // the 64-bit path was exercised, not only the general one
  // A few orders worked out by hand at the path's limits.
  const Decimal max64 = Decimal::FromParts(false, two64 - 1, 0);
  EXPECT_LT(max64, Decimal::FromParts(false, 1, 20));                      // 2^64 - 1 < 10^20
  EXPECT_GT(max64, Decimal::FromParts(false, 1, 19));                      // 2^64 - 1 > 10^19
  EXPECT_LT(max64, Decimal::FromParts(false, two64, 0));
  EXPECT_GT(Decimal::FromParts(false, 1, 0), Decimal::FromParts(false, 9999999999999999999ULL, -19));
  EXPECT_LT(Decimal::FromParts(true, 1, 0), Decimal::FromParts(true, 9999999999999999999ULL, -19));
  EXPECT_LT(Decimal::FromParts(true, 1, 1), Decimal::FromParts(false, 1, -1));
  EXPECT_EQ(Decimal::FromParts(false, 10000000000000000000ULL, -19), D("1"));
  EXPECT_LT(Decimal::FromParts(false, 1, -1), Decimal::FromParts(false, 9999999999999999999ULL, -19));
}

TEST(DecimalProperty, ScaledRepresentationsAreEqualAndHashEqual) {
  uint64_t state = 7;
  for (int i = 0; i < 500; ++i) {
    const uint64_t c = NextRandom(&state) % 1000000007ULL;
    const int32_t e = static_cast<int32_t>(NextRandom(&state) % 41) - 20;
    const int32_t k = static_cast<int32_t>(NextRandom(&state) % 20);
    Uint128 scaled = c;
    for (int32_t j = 0; j < k; ++j) scaled *= 10;
    const Decimal x = Decimal::FromParts(false, c, e);
    const Decimal y = Decimal::FromParts(false, scaled, e - k);
    ASSERT_EQ(x, y);
    ASSERT_EQ(x.Hash(), y.Hash());
    ASSERT_EQ(x.ToString(), y.ToString());
  }
}

TEST(DecimalProperty, ToStringParsesBack) {
  uint64_t state = 99;
  for (int i = 0; i < 1000; ++i) {
    const Uint128 c = (static_cast<Uint128>(NextRandom(&state)) << 64 | NextRandom(&state)) %
                      (static_cast<Uint128>(10000000000000000ULL) * 1000000000000000000ULL);  // < 10^34
    const int32_t e = static_cast<int32_t>(NextRandom(&state) % 121) - 60;
    const Decimal x = Decimal::FromParts((NextRandom(&state) & 1) != 0, c, e);
    const auto back = Decimal::FromString(x.ToString());
    ASSERT_TRUE(back.has_value());
    ASSERT_EQ(*back, x) << x.ToString();
  }
}

TEST(DecimalProperty, DivisionThenMultiplicationIsCloseAndExactWhenTerminating) {
  // a / 2^k * 2^k is exact because 1/2^k terminates within 34 digits for small k.
  for (int k = 0; k <= 20; ++k) {
    const Decimal p = Decimal::FromInt(int64_t{1} << k);
    const Decimal a = D("12345.6789");
    EXPECT_EQ(S(a.Div(p)->Mul(p)), "12345.6789") << k;
  }
}

// --- Powers and transcendental functions --------------------------------------------------------

TEST(DecimalPow, IntegerExponents) {
  EXPECT_EQ(S(D("2").Pow(D("10"))), "1024");
  EXPECT_EQ(S(D("2").Pow(D("-3"))), "0.125");
  EXPECT_EQ(S(D("3").Pow(D("-1"))), "0.3333333333333333333333333333333333");
  EXPECT_EQ(S(D("-2").Pow(D("3"))), "-8");
  EXPECT_EQ(S(D("1.5").Pow(D("0"))), "1");
  EXPECT_EQ(S(D("0").Pow(D("5"))), "0");
  EXPECT_EQ(S(D("0").Pow(D("-1"))), "null");
  EXPECT_EQ(S(D("10").Pow(D("30"))), "1000000000000000000000000000000");
  // python3 decimal at prec 34 (which rounds once; ours rounds per squaring, equal here).
  EXPECT_EQ(S(D("123456789").Pow(D("5"))), S(Decimal::FromString("2.867971860299718107233761438093672e40")));
}

TEST(DecimalPow, HugeExponentsTerminate) {
  EXPECT_FALSE(D("2").Pow(D("1e18")).has_value());
  EXPECT_EQ(S(D("2").Pow(D("-1e18"))), "0");
  EXPECT_EQ(S(D("0.5").Pow(D("1e18"))), "0");
  EXPECT_FALSE(D("2").Pow(D("1e100")).has_value());
  EXPECT_EQ(S(D("1").Pow(D("1e100"))), "1");
  EXPECT_EQ(S(D("-1").Pow(D("1e100"))), "1");
  EXPECT_EQ(S(D("-1").Pow(D("9223372036854775809"))), "-1");
  EXPECT_EQ(S(D("0.5").Pow(D("-1e100"))), "null");
}

TEST(DecimalPow, FractionalExponents) {
  EXPECT_EQ(S(D("2").Pow(D("0.5"))), "1.414213562373095048801688724209698");
  EXPECT_EQ(S(D("10").Pow(D("0.3"))), "1.995262314968879601352455396739536");
  EXPECT_EQ(S(D("4").Pow(D("0.5"))), "2");
  EXPECT_EQ(S(D("-8").Pow(D("0.5"))), "null");
  EXPECT_FALSE(D("10").Pow(D("10000.5")).has_value());
}

TEST(DecimalMath, Sqrt) {
  EXPECT_EQ(S(D("16").Sqrt()), "4");
  EXPECT_EQ(S(D("2").Sqrt()), "1.414213562373095048801688724209698");
  EXPECT_EQ(S(D("0.0001").Sqrt()), "0.01");
  EXPECT_EQ(S(D("0").Sqrt()), "0");
  EXPECT_EQ(S(D("-1").Sqrt()), "null");
}

TEST(DecimalMath, ExpAndLn) {
  EXPECT_EQ(S(D("1").Exp()), "2.718281828459045235360287471352662");
  EXPECT_EQ(S(D("-1").Exp()), "0.3678794411714423215955237701614609");
  EXPECT_EQ(S(D("10").Exp()), "22026.46579480671651695790064528424");
  EXPECT_EQ(S(D("0").Exp()), "1");
  EXPECT_EQ(S(D("2").Ln()), "0.6931471805599453094172321214581766");
  EXPECT_EQ(S(D("10").Ln()), "2.302585092994045684017991454684364");
  EXPECT_EQ(S(D("0.5").Ln()), "-0.6931471805599453094172321214581766");
  EXPECT_EQ(S(D("1").Ln()), "0");
  EXPECT_EQ(S(D("0").Ln()), "null");
  EXPECT_EQ(S(D("-1").Ln()), "null");
  EXPECT_FALSE(D("100000").Exp().has_value());
  EXPECT_EQ(S(D("-100000").Exp()), "0");
}

}  // namespace
}  // namespace zebra::feel::decimal_test
