#include "json/feel_object.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
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
           R"({"a":1e999999})", R"({"a":-1E809})", R"({"a":1.5e400})", "{\"a\":\"x\ty\"}", R"({"a")", "",
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

// The fuzz target's property (fuzz/targets.h, FeelObjectOne) on deterministic mutations of
// typical lines, so `make test` checks it without libFuzzer: whatever the scanner accepts, the
// general parser accepts with the same values.
TEST(FeelObject, MutatedLinesNeverDisagree) {
  const std::vector<std::string> seeds = {
      R"({"Age":60,"Ki67":44.8,"Grade":"GX","Site":"thymus","Smoker":true})",
      R"({ "a" : -0 , "b":1e5,"c":-9223372036854775809,"d":18446744073709551616,"e":null,"f":false })",
      R"({"x":"y","n":-12.50e-1})",
  };
  const std::string alphabet = "{}[]\",:-+.eE0123456789 \t\r\ntrufalsn/x\\\xc3\xa9";
  // ZEBRA_MUTATIONS and ZEBRA_MUTATION_SEED run it longer or elsewhere (a manual fuzz run).
  const char* count_env = std::getenv("ZEBRA_MUTATIONS");
  const char* seed_env = std::getenv("ZEBRA_MUTATION_SEED");
  const long count = count_env ? std::atol(count_env) : 20000;
  uint64_t state = seed_env ? std::strtoull(seed_env, nullptr, 10) | 1 : 42;
  auto next = [&] {  // xorshift64: reproducible
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  size_t scanned = 0;
  for (long i = 0; i < count; ++i) {
    std::string text = seeds[next() % seeds.size()];
    for (int edits = 1 + static_cast<int>(next() % 3); edits > 0; --edits) {
      const size_t at = next() % (text.size() + 1);
      switch (next() % 3) {
        case 0: text.insert(at, 1, alphabet[next() % alphabet.size()]); break;
        case 1: if (at < text.size()) text.erase(at, 1); break;
        default: if (at < text.size()) text[at] = alphabet[next() % alphabet.size()]; break;
      }
    }
    feel::Context fast;
    if (!ScanFlatFeelObject(text, fast)) continue;
    ++scanned;
    auto general = ParseFeelObjectGeneral(text);
    ASSERT_TRUE(general) << text << ": " << general.error();
    ASSERT_EQ(fast.entries().size(), general->entries().size()) << text;
    for (size_t k = 0; k < fast.entries().size(); ++k) {
      ASSERT_EQ(fast.entries()[k].first, general->entries()[k].first) << text;
      ASSERT_EQ(feel::ToFeelLiteral(fast.entries()[k].second), feel::ToFeelLiteral(general->entries()[k].second))
          << text;
    }
  }
  EXPECT_GT(scanned, 1000u);  // the mutations do reach the scanner's accepting paths
}

}  // namespace
}  // namespace zebra::json
