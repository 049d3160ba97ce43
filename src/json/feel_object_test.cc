#include "json/feel_object.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace zebra::json {
namespace {

// The scanner's answer equals the general parser's: same keys in order, same values and digits.
void ExpectSameAsGeneral(const std::string& text) {
  feel::Context fast;
  ASSERT_TRUE(ScanFlatFeelObject(text, fast)) << text;
  auto general = ParseFeelObjectGeneral(text);
  ASSERT_TRUE(general) << text << ": " << general.error();
  ASSERT_EQ(fast.entries().size(), general->entries().size()) << text;
  for (size_t i = 0; i < fast.entries().size(); ++i) {
    const auto& [ka, va] = fast.entries()[i];
    const auto& [kb, vb] = general->entries()[i];
    EXPECT_EQ(ka, kb) << text;
    EXPECT_TRUE(feel::DeepEqual(va, vb)) << text << " key " << ka;
    EXPECT_EQ(feel::ToFeelLiteral(va), feel::ToFeelLiteral(vb)) << text << " key " << ka;
  }
}

TEST(FeelObject, FlatLinesAreScannedWithTheGeneralParsersValues) {
  for (const std::string text : {
           R"({"Age":60,"Ki67":44.8,"Grade":"GX","Site":"thymus","Smoker":true})",
           R"({})",
           " \t{ \"a\" : 1 , \"b\" :\"x y\" }\r",
           R"({"zero":0,"negzero":-0,"neg":-17,"frac":0.1,"exp":1e5,"Exp":-2.5E-3,"plus":1e+2})",
           R"({"min":-9223372036854775808,"below":-9223372036854775809,"u64":18446744073709551615})",
           R"({"big":18446744073709551616,"digits":1234567890123456789012345678901234567})",
           R"({"n":null,"t":true,"f":false,"s":""})",
       }) {
    ExpectSameAsGeneral(text);
  }
  auto c = ParseFeelObject(R"({"Ki67":44.8,"Grade":"GX"})");
  ASSERT_TRUE(c);
  EXPECT_EQ(feel::ToFeelLiteral(*c->Find("Ki67")), "44.8");
  EXPECT_EQ(c->Find("Grade")->string(), "GX");
}

TEST(FeelObject, EverythingElseGoesToTheGeneralParser) {
  // Outside the scanner's subset (valid or not): nested values, escapes, non-ASCII, comments,
  // repeated keys, malformed numbers and literals, trailing text.
  for (const std::string text : {
           R"({"a":{"b":1}})", R"({"a":[1]})", R"({"a":"\n"})", "{\"a\":\"\xc3\xa9\"}", "{\"a\":\"\xff\"}",
           R"({"a":1 /* c */})", R"({"a":1,"a":2})", R"({"a":01})", R"({"a":1.})", R"({"a":-})", R"({"a":.5})",
           R"({"a":1e})", R"({"a":tru})", R"({"a":truex})", R"({"a":1x})", R"({"a":1,})", R"({"a":1} x)", R"([1])",
           R"({"a":1e999999})", "{\"a\":\"x\ty\"}", R"({"a")", "",
       }) {
    feel::Context out;
    EXPECT_FALSE(ScanFlatFeelObject(text, out)) << text;
  }
  // The general parser's answers stand, errors included.
  auto repeated = ParseFeelObject(R"({"a":1,"a":2})");
  ASSERT_FALSE(repeated);
  EXPECT_NE(repeated.error().find("repeated key \"a\""), std::string::npos) << repeated.error();
  auto nested = ParseFeelObject(R"({"a":{"b":[1,2]}})");
  ASSERT_TRUE(nested);
  EXPECT_EQ(feel::ToFeelLiteral(*nested->Find("a")), "{b: [1, 2]}");
  EXPECT_FALSE(ParseFeelObject("[1]"));
  EXPECT_FALSE(ParseFeelObject(R"({"a":1e999999})"));
}

}  // namespace
}  // namespace zebra::json
