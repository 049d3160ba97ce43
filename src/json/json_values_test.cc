#include "json/json_values.h"

#include <gtest/gtest.h>

namespace zebra::json {
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

}  // namespace
}  // namespace zebra::json
