// Strict JSON: repeated keys, invalid UTF-8 and hostile shapes are located errors, never a crash,
// and the error text is always valid UTF-8.
#include "json/json_parse.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

namespace zebra::json::json_parse_test {
namespace {

std::string ErrorPath(std::string_view text) {
  auto r = ParseStrict(text);
  return r ? "(parsed)" : r.error().path;
}

TEST(ParseStrict, ParsesOrdinaryDocumentsKeepingKeyOrder) {
  auto r = ParseStrict(R"({"b": 1, "a": [true, null, "x", 2.5], "c": {}})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->dump(), R"({"b":1,"a":[true,null,"x",2.5],"c":{}})");
}

TEST(ParseStrict, RepeatedKeysAreRefusedWithTheirPath) {
  auto r = ParseStrict(R"({"tumor": {"ki67_percent": 2, "ki67_percent": 25}})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().path, "tumor.ki67_percent");
  EXPECT_NE(r.error().message.find("repeated key"), std::string::npos) << r.error().message;
  EXPECT_EQ(ErrorPath(R"({"a": 1, "a": 1})"), "a");
  EXPECT_EQ(ErrorPath(R"({"list": [{"x": 1}, {"y": 1, "y": 2}]})"), "list[1].y");
  // The same key in different objects is fine.
  EXPECT_TRUE(ParseStrict(R"({"a": {"x": 1}, "b": {"x": 1}})"));
}

TEST(ParseStrict, RepeatedKeysInLargeObjectsAreFoundToo) {
  std::string text = "{";
  for (int i = 0; i < 5000; ++i) text += "\"k" + std::to_string(i) + "\": " + std::to_string(i) + ",";
  auto ok = ParseStrict(text.substr(0, text.size() - 1) + "}");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->size(), 5000u);
  auto r = ParseStrict(text + "\"k4321\": 0}");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().path, "k4321");
}

TEST(ParseStrict, InvalidUtf8IsALocatedErrorWithAValidMessage) {
  for (std::string bad : {std::string("{\"id\": \"a\xff\"}"), std::string("{\"id\": \"\xc3\x28\"}"),
                          std::string("{\"id\": \"\xed\xa0\x80\"}"), std::string("{\"\xfe\": 1}"),
                          std::string("{\"tumor\": {\"note\": \"\xf8\x88\x80\x80\x80\"}}")}) {
    auto r = ParseStrict(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("invalid UTF-8"), std::string::npos) << r.error().message;
    // The message can be serialised (nlohmann throws on invalid UTF-8 in dump()).
    nlohmann::json j = {{"path", r.error().path}, {"message", r.error().message}};
    EXPECT_NO_THROW((void)j.dump());
  }
  EXPECT_EQ(ErrorPath("{\"tumor\": {\"note\": \"\xff\"}}"), "tumor.note");
}

TEST(ParseStrict, SyntaxErrorsLimitsAndNumbers) {
  EXPECT_FALSE(ParseStrict("{\"a\": }"));
  EXPECT_FALSE(ParseStrict(""));
  EXPECT_FALSE(ParseStrict("{} {}"));
  EXPECT_FALSE(ParseStrict("[1e999]"));
  EXPECT_FALSE(ParseStrict(std::string(100, '[') + std::string(100, ']')));
  ParseLimits small;
  small.max_bytes = 4;
  EXPECT_FALSE(ParseStrict("[1, 2]", small));
  auto r = ParseStrict("{\"a\": [1, 2, }");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("line 1"), std::string::npos) << r.error().message;
}

// Types (integer, unsigned, float), doubles bit for bit, strings, key order.
bool SameTree(const nlohmann::ordered_json& a, const nlohmann::ordered_json& b) {
  if (a.type() != b.type()) return false;
  if (a.is_number_float()) {
    const double x = a.get<double>(), y = b.get<double>();
    return std::memcmp(&x, &y, sizeof x) == 0;
  }
  if (a.is_array() || a.is_object()) {
    if (a.size() != b.size()) return false;
    auto i = a.items().begin();
    auto j = b.items().begin();
    for (; i != a.items().end(); ++i, ++j)
      if (i.key() != j.key() || !SameTree(i.value(), j.value())) return false;
    return true;
  }
  return a == b;
}

// Whatever the fast reader reads, the SAX path reads the same; what it declines, ParseStrict
// answers exactly as the SAX path does.
void ExpectFastAgrees(std::string_view text, bool fast_reads, const ParseLimits& limits = {}) {
  auto fast = ParseFast(text, limits);
  auto general = ParseStrictGeneral(text, limits);
  EXPECT_EQ(fast.has_value(), fast_reads) << text;
  if (fast) {
    ASSERT_TRUE(general) << text;
    EXPECT_TRUE(SameTree(*fast, *general)) << text << "\n" << fast->dump() << "\n" << general->dump();
  }
  auto strict = ParseStrict(text, limits);
  ASSERT_EQ(strict.has_value(), general.has_value()) << text;
  if (strict) EXPECT_TRUE(SameTree(*strict, *general)) << text;
  else EXPECT_EQ(strict.error().path + ": " + strict.error().message, general.error().path + ": " + general.error().message);
}

TEST(ParseFast, ReadsPlainDocumentsAsTheSaxPathDoes) {
  for (std::string_view text :
       {R"({"b": 1, "a": [true, null, "x", 2.5], "c": {}})", " \t\r\n{ \"k\" : [ true , false , null ] } \r\n", "[]",
        "{}", "0", "-0", "\"s\"", "true", "null", R"({"id":"c1","patient":{"age_years":64,"sex":"female"}})",
        "[0, -0, 1, -1, 0.0, -0.0, 1.5, 1e5, 1E-5, 1.25e+3, 123456789012345678, -123456789012345678]",
        "[0.1, 0.2, 0.30000000000000004, 3.14159265358979323846, 1e22, 1e23, 1e-22, 1e-23, 9007199254740993.0]",
        "[1e-400, 2.2250738585072011e-308, 4.9e-324, 1.7976931348623157e308, 1.000000000000000000001e2, 5e-0000001]",
        "[\"\x7f\", \" ~!#$%&'()*+,-./:;<=>?@[]^_`{|}\"]"})
    ExpectFastAgrees(text, true);
}

TEST(ParseFast, DeclinesWhatOnlyTheSaxPathReadsAndEveryError) {
  const std::string_view declined[] = {"1234567890123456789", "-1234567890123456789", "18446744073709551616", R"({"s": "a\"b"})",
        R"({"s": "\u00e9"})", "{\"s\": \"\xc3\xa9\"}", "{\"s\": \"\xff\"}", "{\"s\": \"tab\tin\"}",
        "\xef\xbb\xbf{\"bom\": 1}", R"({"a": 1, "a": 2})", R"({"a": {"x": 1, "x": 1}})", "[1e400]", "[-1e400]",
        "017", "1.", ".5", "-", "1e", "1e+", "+1", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a: 1}", "[1 2]", "{} {}",
        "", "   ", "tru", "nul", "falsey", "[", "{", "\"open", "[1]x", "NaN", "Infinity", std::string_view("[1,\0 2]", 7)};
  for (std::string_view text : declined) ExpectFastAgrees(text, false);
  // Nesting and size limits: the SAX path's messages.
  const std::string deep = std::string(33, '[') + std::string(33, ']');
  ExpectFastAgrees(deep, true);
  ExpectFastAgrees(deep, false, ParseLimits{1 << 20, 32});
  ExpectFastAgrees(std::string(32, '[') + std::string(32, ']'), true, ParseLimits{1 << 20, 32});
  ExpectFastAgrees(std::string(65, '[') + std::string(65, ']'), false);
  ExpectFastAgrees("[1, 2]", false, ParseLimits{4, 64});
  std::string many = "{";
  for (int i = 0; i < 65; ++i) many += "\"k" + std::to_string(i) + "\": " + std::to_string(i) + ",";
  ExpectFastAgrees(many.substr(0, many.size() - 1) + "}", false);  // over 64 keys: the hashed path
}

TEST(ParseFast, RandomNumbersAndShapesAgreeWithTheSaxPath) {
  std::mt19937_64 rng(21);
  auto digits = [&](int n, bool lead) {
    std::string s;
    for (int i = 0; i < n; ++i) s += static_cast<char>('0' + (i == 0 && lead ? 1 + rng() % 9 : rng() % 10));
    return s;
  };
  for (int round = 0; round < 20000; ++round) {
    std::string n = rng() % 2 ? "-" : "";
    const int int_digits = static_cast<int>(rng() % 21);
    n += int_digits == 0 ? "0" : digits(int_digits, true);
    bool integer = true;
    if (rng() % 2) {
      n += "." + digits(1 + static_cast<int>(rng() % 20), false);
      integer = false;
    }
    if (rng() % 3 == 0) {
      integer = false;
      n += rng() % 2 ? "e" : "E";
      if (rng() % 2) n += rng() % 2 ? "+" : "-";
      n += std::to_string(rng() % (rng() % 4 == 0 ? 400 : 30));
    }
    const std::string doc = "{\"n\": " + n + ", \"l\": [" + n + "]}";
    auto fast = ParseFast(doc);
    auto general = ParseStrictGeneral(doc);
    // Declined only when the SAX path fails too, or for an integer of more than 18 digits.
    ASSERT_EQ(fast.has_value(), general.has_value() && !(integer && int_digits > 18)) << doc;
    if (fast) {
      ASSERT_TRUE(general) << doc;
      ASSERT_TRUE(SameTree(*fast, *general)) << doc << " " << fast->dump() << " " << general->dump();
    }
  }
}

TEST(SanitizeUtf8, ReplacesInvalidBytesAndOptionallyControls) {
  EXPECT_EQ(SanitizeUtf8("ok \xc3\xa9"), "ok \xc3\xa9");
  EXPECT_EQ(SanitizeUtf8("a\xff" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(SanitizeUtf8("\x1b[31mred"), "\x1b[31mred");
  EXPECT_EQ(SanitizeUtf8("\x1b[31mred", true), "\xEF\xBF\xBD[31mred");
  EXPECT_EQ(SanitizeUtf8("\xc2\x9b" "2J", true), "\xEF\xBF\xBD" "2J");  // C1 CSI
  EXPECT_EQ(SanitizeUtf8("tab\tline\n", true), "tab\tline\n");
  EXPECT_EQ(SanitizeUtf8("\xe2\x82\xac \xf0\x9f\x98\x80", true), "\xe2\x82\xac \xf0\x9f\x98\x80");
}

}  // namespace
}  // namespace zebra::json::json_parse_test
