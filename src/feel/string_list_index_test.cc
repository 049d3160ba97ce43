// `index of` and `list contains` over a long list of strings (StringListIndex's hash table,
// string_list_index.cc) must answer as the built-ins do. The general answer is the same call
// with named arguments, which is never indexed.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "feel/builtins_test_util.h"
#include "feel/feel.h"

namespace zebra::feel::string_list_index_test {
namespace {

using testing::Answered;
using testing::EvaluatedWithMessages;

// Strings that share prefixes, ends and lengths (the hash reads the first and last eight
// bytes and the length, so many of these hash alike), short ones, the empty one, duplicates.
std::string RandomString(std::mt19937& rng) {
  std::uniform_int_distribution<int> form(0, 5), letter(0, 3), len(0, 12);
  std::string middle;
  for (int i = 0, n = len(rng); i < n; ++i) middle += static_cast<char>('a' + letter(rng));
  switch (form(rng)) {
    case 0: return "surgery." + middle + "_resection";
    case 1: return "surgery.x" + middle + "_resection";
    case 2: return middle.substr(0, 3);
    case 3: return middle.substr(0, 7);
    case 4: return "symptom." + middle;
    default: return middle;
  }
}
std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

TEST(StringListIndex, AgreesWithTheBuiltins) {
  std::mt19937 rng(2021);
  int compared = 0;
  for (int round = 0; round < 80; ++round) {
    std::uniform_int_distribution<int> size(14, 70);
    std::vector<std::string> items;
    for (int i = 0, n = size(rng); i < n; ++i) items.push_back(RandomString(rng));
    std::string list = "[", queries = "[";
    for (size_t i = 0; i < items.size(); ++i) list += (i ? ", " : "") + Quoted(items[i]);
    for (int i = 0; i < 40; ++i) {
      // Half from the list, half anything (mostly absent).
      std::string q = i % 2 ? items[static_cast<size_t>(i) % items.size()] : RandomString(rng);
      queries += (i ? ", " : "") + Quoted(q);
    }
    list += "]";
    queries += ", 1, null]";
    Context vars;
    vars.Put("l", testing::ParsedValue(list));
    vars.Put("qs", testing::ParsedValue(queries));
    for (const auto& [fast, general] : std::vector<std::pair<std::string, std::string>>{
             {"for x in qs return index of(l, x)", "for x in qs return index of(list: l, match: x)"},
             {"for x in qs return list contains(l, x)", "for x in qs return list contains(list: l, element: x)"}}) {
      Answered a = EvaluatedWithMessages(fast, vars);
      Answered b = EvaluatedWithMessages(general, vars);
      EXPECT_EQ(a.literal, b.literal) << fast << " with l = " << list;
      EXPECT_EQ(a.messages, b.messages) << fast << " with l = " << list;
      ++compared;
    }
  }
  EXPECT_EQ(compared, 160);
}

// Hand-written: strings that hash alike (same length, first and last eight bytes) are told apart.
TEST(StringListIndex, StringsThatHashAlike) {
  Context vars;
  std::string list = "[";
  for (int i = 0; i < 20; ++i) list += (i ? ", " : "") + Quoted("surgery." + std::string(1, static_cast<char>('a' + i)) + "_resection");
  list += ", \"surgery.b_resection\"]";
  vars.Put("l", testing::ParsedValue(list));
  EXPECT_EQ(EvaluatedWithMessages("index of(l, \"surgery.b_resection\")", vars).literal, "[2, 21]");
  EXPECT_EQ(EvaluatedWithMessages("index of(l, \"surgery.t_resection\")", vars).literal, "[20]");
  EXPECT_EQ(EvaluatedWithMessages("index of(l, \"surgery.z_resection\")", vars).literal, "[]");
  EXPECT_EQ(EvaluatedWithMessages("list contains(l, \"surgery.z_resection\")", vars).literal, "false");
  EXPECT_EQ(EvaluatedWithMessages("list contains(l, \"surgery.c_resection\")", vars).literal, "true");
  EXPECT_EQ(EvaluatedWithMessages("list contains(l, \"\")", vars).literal, "false");
}

}  // namespace
}  // namespace zebra::feel::string_list_index_test
