#include "json/feel_object.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace zebra::json::feel_object_test {
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

// ---- SlotReader: lines straight into input slots --------------------------------------------

// What the slot path must give: each slot the general parser's value under that name, or null.
void ExpectSlotsMatchGeneral(SlotReader& reader, const std::vector<std::string>& names, const std::string& text) {
  std::vector<feel::Value> slots(names.size(), feel::Value::String("left over"));
  ASSERT_TRUE(reader.Read(text, slots)) << text;
  auto general = ParseFeelObjectGeneral(text);
  ASSERT_TRUE(general) << text;
  for (size_t i = 0; i < names.size(); ++i) {
    const feel::Value* v = general->Find(names[i]);
    const feel::Value expected = v ? *v : feel::Value();
    EXPECT_EQ(feel::ToFeelLiteral(slots[i]), feel::ToFeelLiteral(expected)) << text << " slot " << names[i];
    EXPECT_EQ(slots[i].type(), expected.type()) << text << " slot " << names[i];
  }
}

TEST(SlotReader, ValuesGoToTheirSlotsInAnyKeyOrder) {
  const std::vector<std::string> names = {"Age", "Ki67", "Grade", "Smoker"};
  SlotReader reader(names);
  std::vector<feel::Value> slots(names.size());
  ASSERT_TRUE(reader.Read(R"({"Age":60,"Ki67":44.8,"Grade":"GX","Smoker":true})", slots));
  EXPECT_EQ(feel::ToFeelLiteral(slots[0]), "60");
  EXPECT_EQ(feel::ToFeelLiteral(slots[1]), "44.8");
  EXPECT_EQ(slots[2].string(), "GX");
  EXPECT_TRUE(slots[3].is_true());
  // Another order (the hint from the previous line misses), a key absent, an unknown key.
  ASSERT_TRUE(reader.Read(R"({"Smoker":false,"Other":"x","Age":-3})", slots));
  EXPECT_EQ(feel::ToFeelLiteral(slots[0]), "-3");
  EXPECT_TRUE(slots[1].is_null());  // absent: null, not the previous line's 44.8
  EXPECT_TRUE(slots[2].is_null());
  EXPECT_TRUE(slots[3].is(feel::Type::kBoolean));
  EXPECT_FALSE(slots[3].boolean());
  // Explicit null.
  ASSERT_TRUE(reader.Read(R"({"Age":null})", slots));
  EXPECT_TRUE(slots[0].is_null());
}

TEST(SlotReader, NumbersHaveTheGeneralParsersExactValues) {
  const std::vector<std::string> names = {"n"};
  SlotReader reader(names);
  for (const std::string number :
       {"0", "-0", "-0.0", "0.0", "7", "-7", "100", "1000000", "44.8", "20.0", "20.10", "0.000123", "-0.5",
        "123456789012345678", "-123456789012345678", "999999999999999999", "1234567890123456789",
        "-9223372036854775808", "18446744073709551615", "18446744073709551616", "0.1000000000000000000000000000000001",
        "19.99999999999999999999999999999999999", "1e2", "1E1", "-2.5e-3", "1e-400", "12345678901234567890123"}) {
    ExpectSlotsMatchGeneral(reader, names, "{\"n\":" + number + "}");
  }
  std::vector<feel::Value> slots(1);
  ASSERT_TRUE(reader.Read(R"({"n":20.50})", slots));
  EXPECT_EQ(slots[0].number().exponent(), -1);  // normalised like Decimal::FromString: 205e-1
  EXPECT_EQ(static_cast<uint64_t>(slots[0].number().coefficient()), 205u);
}

TEST(SlotReader, LeavesEverythingOutsideTheFlatSubsetToTheGeneralParser) {
  const std::vector<std::string> names = {"Age", "Grade"};
  SlotReader reader(names);
  std::vector<feel::Value> slots(names.size());
  for (const std::string text : {
           R"({"Age":60,"Age":61})",                    // repeated input key: the general parser words the error
           R"({"Age":60,"x":1,"x":2})",                 // repeated unknown key: the same
           R"({"Age":60,"Extra":{"a":[1,2]}})",         // nested value under an unknown key
           R"({"Age":{"x":1}})",                         // nested value under an input key
           R"({"Grade":"G\u0031"})",                     // escapes
           R"({"Grade":"é"})",                           // non-ASCII
           R"({"Age":1e400})",                           // overflows a double: the general parser refuses it
           R"({"Age":60)", R"({"Age":60,})", R"({"Age":00})", R"({"Age":1.})", R"({"Age":-})",
           R"({"Age":60} x)", R"({"Age":truex})", R"([1,2])", R"("x")", "",
       }) {
    EXPECT_FALSE(reader.Read(text, slots)) << text;
  }
  // Two slots with one name: never read here (the general path gives both the value).
  SlotReader twice({"a", "a"});
  std::vector<feel::Value> two(2);
  EXPECT_FALSE(twice.Read(R"({"a":1})", two));
}

TEST(SlotReader, AgreesWithTheGeneralParserOnFlatLines) {
  const std::vector<std::string> names = {"Age", "Ki67", "Grade", "Site", "Smoker", ""};
  SlotReader reader(names);
  for (const std::string text : {
           R"({"Age":60,"Ki67":44.8,"Grade":"GX","Site":"thymus","Smoker":true})",
           R"({"Site":"thymus","Smoker":true,"Age":60,"Ki67":44.8,"Grade":"GX"})",
           R"({"Age":60,"Ki67":44.8,"Grade":"GX","Site":"thymus","Smoker":true,"Extra":1,"More":"x"})",
           R"({ "Age" : 60 , "Ki67" : 20 , "Smoker" : null })",
           R"({"":5,"age":1,"AGE":2})",
           R"({})",
       }) {
    ExpectSlotsMatchGeneral(reader, names, text);
  }
  // Many lines of few distinct strings share them; the values stay right.
  std::vector<feel::Value> slots(names.size());
  for (int i = 0; i < 100; ++i) {
    const std::string grade = "G" + std::to_string(i % 20);
    ASSERT_TRUE(reader.Read("{\"Grade\":\"" + grade + "\"}", slots));
    ASSERT_EQ(slots[2].string(), grade);
  }
}

// Keys and values are compared a word at a time with an overlapping last word: a key that
// differs from a name in any one byte, at every length from 1 to 19, is another key, and a value
// that differs from a shared one in any one byte is its own string.
TEST(SlotReader, KeysAndSharedStringsDifferingInOneByteAreOthers) {
  for (size_t n = 1; n <= 19; ++n) {
    std::string name;
    for (size_t i = 0; i < n; ++i) name += static_cast<char>('a' + i);
    SlotReader reader({name, "v"});
    std::vector<feel::Value> slots(2);
    for (size_t at = 0; at <= n; ++at) {
      // Twice each: the second line meets the first line's key order (the in-place match).
      for (int round = 0; round < 2; ++round) {
        ASSERT_TRUE(reader.Read("{\"" + name + "\":1,\"v\":\"" + name + "\"}", slots));
        EXPECT_EQ(feel::ToFeelLiteral(slots[0]), "1") << name;
        EXPECT_EQ(slots[1].string(), name);
        if (at == n) continue;
        std::string other = name;
        other[at] = 'Z';
        ASSERT_TRUE(reader.Read("{\"" + other + "\":2,\"v\":\"" + other + "\"}", slots)) << other;
        EXPECT_TRUE(slots[0].is_null()) << other << " read as " << name;
        EXPECT_EQ(slots[1].string(), other);
      }
    }
  }
}

}  // namespace
}  // namespace zebra::json::feel_object_test
