// Strict JSON: repeated keys, invalid UTF-8 and hostile shapes are located errors, never a crash,
// and the error text is always valid UTF-8.
#include "json/json_parse.h"

#include <gtest/gtest.h>

namespace zebra::json {
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
}  // namespace zebra::json
