#include "json/immortal_texts.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "json/json_writer.h"

namespace zebra::json::immortal_texts_test {
namespace {

using feel::Value;

// A constant text of a model, as a compiled model holds it.
Value Constant(const std::string& s) { return feel::MakeImmortal(Value::String(s)); }

// Texts no other test makes immortal (the registry is the process's).
const std::vector<std::string> kTexts = {
    "immortal-texts-test: exactly 17",  // (the tests' prefix makes every text long enough)
    "immortal-texts-test: \"quoted\", a back\\slash, a tab\t and a new\nline",
    "immortal-texts-test: Ki-67 \xE2\x89\xA5 20 % (grade 3), \xC2\xB5g/L and \x7F (DEL, not escaped)",
    "immortal-texts-test: a control \x01 byte and \x1F another",
    std::string("immortal-texts-test: a NUL \0 inside", 35),
    "immortal-texts-test: " + std::string(300, 'x') + " a long one that runs over many blocks of 32 bytes",
};

TEST(ImmortalTexts, PreparedTextIsTheDumpOfTheString) {
  std::vector<Value> values;
  for (const auto& s : kTexts) values.push_back(Constant(s));
  const ImmortalTexts texts = ImmortalTexts::Prepare(17);
  for (size_t i = 0; i < kTexts.size(); ++i) {
    ASSERT_TRUE(feel::IsImmortal(values[i].string_ptr()));
    // The reference: nlohmann's own serialiser, which defines the bytes.
    EXPECT_EQ(texts.Find(values[i]), nlohmann::json(kTexts[i]).dump()) << i;
  }
}

TEST(ImmortalTexts, OnlyTheImmortalStringsOfItsSizeMadeBeforeIt) {
  const Value sixteen = Constant("immortal16-test!");  // 16 bytes
  const Value seventeen = Constant("immortal17-test!!");
  ASSERT_EQ(sixteen.string().size(), 16u);
  ASSERT_EQ(seventeen.string().size(), 17u);
  const Value bad = Constant("immortal-texts-test: not UTF-8 \xC3\x28 here");
  const ImmortalTexts texts = ImmortalTexts::Prepare(17);
  EXPECT_EQ(texts.Find(seventeen), "\"immortal17-test!!\"");
  EXPECT_TRUE(texts.Find(sixteen).empty());
  // Not valid UTF-8: left to TextOut::String, which throws as the tree's dump would.
  EXPECT_TRUE(texts.Find(bad).empty());
  // The same text in an ordinary string (a case's value, a concatenation): not the constant.
  const Value ordinary = Value::String(seventeen.string());
  ASSERT_FALSE(feel::IsImmortal(ordinary.string_ptr()));
  EXPECT_TRUE(texts.Find(ordinary).empty());
  // Made immortal after the texts were prepared: not among them.
  const Value later = Constant("immortal-texts-test: made after Prepare");
  EXPECT_TRUE(texts.Find(later).empty());
  EXPECT_EQ(ImmortalTexts::Prepare(17).Find(later), "\"immortal-texts-test: made after Prepare\"");
  // An empty table finds nothing.
  EXPECT_TRUE(ImmortalTexts().Find(seventeen).empty());
}

TEST(ImmortalTexts, VerbatimWritesAsStringDoes) {
  std::vector<Value> values;
  for (const auto& s : kTexts) values.push_back(Constant(s));
  const ImmortalTexts texts = ImmortalTexts::Prepare(17);
  std::string by_string, by_verbatim;
  {
    TextOut a(by_string), b(by_verbatim);
    a.BeginObject();
    b.BeginObject();
    a.Key("texts");
    b.Key("texts");
    a.BeginArray();
    b.BeginArray();
    for (const Value& v : values) {
      a.String(v.string());
      ASSERT_FALSE(texts.Find(v).empty());
      b.Verbatim(texts.Find(v));
    }
    a.EndArray();
    b.EndArray();
    a.EndObject();
    b.EndObject();
  }
  EXPECT_EQ(by_verbatim, by_string);
  EXPECT_EQ(nlohmann::json::parse(by_verbatim)["texts"].size(), kTexts.size());
}

}  // namespace
}  // namespace zebra::json::immortal_texts_test
