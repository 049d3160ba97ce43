#include "json/json_values.h"

#include <random>
#include <string>

#include <gtest/gtest.h>

namespace zebra::json::json_values_test {
namespace {

using nlohmann::ordered_json;

TEST(JsonValuesTest, ObjectsBecomeContextsInOrder) {
  auto v = ValueFromJson(ordered_json::parse(R"({"b": 1, "a": [true, null, "x"]})"));
  ASSERT_TRUE(v.is(feel::Type::kContext));
  ASSERT_EQ(v.context().entries().size(), 2u);
  EXPECT_EQ(v.context().entries()[0].first, "b");
  EXPECT_EQ(feel::ToFeelLiteral(v), R"({b: 1, a: [true, null, "x"]})");
}

TEST(JsonValuesTest, DecimalsKeepTheirDigits) {
  // 0.1 must be the decimal 0.1, not the binary double nearest to it (DMN 1.5 §10.3.2.3.1).
  auto v = ValueFromJson(ordered_json::parse("0.1"));
  ASSERT_TRUE(v.is(feel::Type::kNumber));
  EXPECT_EQ(v.number().ToString(), "0.1");
  EXPECT_EQ(ValueToJson(v).dump(), "0.1");
  EXPECT_EQ(ValueToJson(ValueFromJson(ordered_json::parse("12"))).dump(), "12");
}

TEST(JsonValuesTest, RoundTripsNestedStructures) {
  auto text = R"({"tumor":{"primary_site":"pancreas","ki67_percent":8.5,"invades":["duodenum"]},"x":false})";
  EXPECT_EQ(ValueToJson(ValueFromJson(ordered_json::parse(text))).dump(), text);
}

// AppendDecimal is a faster Decimal::ToString: the same text for every decimal, including
// coefficients beyond 64 bits, trailing zeros, large and small exponents and negative zero.
TEST(JsonValuesTest, AppendDecimalWritesToString) {
  auto check = [](const feel::Decimal& d) {
    std::string out = "x";
    AppendDecimal(out, d);
    EXPECT_EQ(out, "x" + d.ToString()) << "coefficient digits of exponent " << d.exponent();
  };
  for (const char* t : {"0", "-0", "0.000", "1", "-1", "23.5", "0.5", "-0.05", "100", "1E+3", "1.2E-7", "12345678901234567890",
                        "18446744073709551615", "18446744073709551616", "-9999999999999999999999999999999999",
                        "1E+64", "1E+65", "1E-64", "1E-65", "123.4560", "0.0000000001"})
    check(*feel::Decimal::FromString(t));
  check(feel::Decimal::FromParts(true, 0, -3));
  check(feel::Decimal::FromParts(false, 2500, -3));
  check(feel::Decimal::FromParts(true, 7, 64));
  check(feel::Decimal::FromParts(false, 7, -64));
  std::mt19937_64 rng(21);
  for (int i = 0; i < 20000; ++i) {
    feel::Uint128 c = rng() % 4 == 0 ? (static_cast<feel::Uint128>(rng()) << 64 | rng()) % (static_cast<feel::Uint128>(1) << 112)
                                     : rng() >> (rng() % 64);
    check(feel::Decimal::FromParts(rng() % 2 == 0, c, static_cast<int32_t>(rng() % 161) - 80));
  }
}

}  // namespace
}  // namespace zebra::json::json_values_test
