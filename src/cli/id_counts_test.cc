#include "cli/id_counts.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

namespace zebra::cli {
namespace {

// The counts IdCounts gives, as a map of its "kind,id" texts.
std::map<std::string, size_t> AsMap(const IdCounts& counts) {
  std::map<std::string, size_t> out;
  for (const auto& [key, n] : counts) {
    EXPECT_TRUE(out.emplace(key, n).second) << "counted twice: " << key;
  }
  return out;
}

// Ids that the table's hash cannot tell apart (same lengths, same first and last eight bytes,
// same kind's first byte and length), beside ordinary ones of every length from 0 to 40.
std::vector<std::string> Ids() {
  std::vector<std::string> ids;
  for (char middle : std::string("XYZ")) ids.push_back(std::string("surveill") + middle + "ance_ct_12m");
  for (char middle : std::string("ab")) ids.push_back(std::string("abcdefgh") + middle + middle + "stuvwxyz");
  for (size_t n = 0; n <= 40; ++n) {
    std::string id;
    for (size_t i = 0; i < n; ++i) id += static_cast<char>('a' + (i * 7 + n) % 26);
    ids.push_back(id);
  }
  // Ids that make, with a kind, the text another kind makes with another id ("aler,t" + "x" and
  // "aler" + "t,x").
  for (const char* comma : {"a,b", "b,x", "x", ",", "a,b,x", "t,x", ",x", "x,y", "y", "z,y", "x,x"}) ids.push_back(comma);
  ids.push_back(std::string("nul\0id", 6));
  return ids;
}

TEST(IdCountsTest, CountsEveryPairAsAMapOfItsTextDoes) {
  // Kinds of every length class the comma test reads differently (under 4, 4–7, 8–16, longer
  // bytes), with a comma at their start, middle and end.
  const std::vector<std::string> kinds = {"scenario", "option", "alert",      "optioX",          "o",
                                          "",         "a",      "a,b",        ",a",              "aler,t",
                                          "optio,",   "a,",     "scenario,x", "scenario_kind,z", "a_long_kind_name,",
                                          "a_long_kind_name_x", "aler", "optio", "scenario_kind", "a_long_kind_name"};
  const std::vector<std::string> ids = Ids();
  std::mt19937 random(21);
  IdCounts counts;
  std::map<std::string, size_t> reference;
  std::vector<std::string> first_seen;
  for (int i = 0; i < 20000; ++i) {
    const std::string& kind = kinds[random() % kinds.size()];
    const std::string& id = ids[random() % ids.size()];
    counts.Add(kind, id);
    const std::string key = kind + "," + id;
    if (reference[key]++ == 0) first_seen.push_back(key);
  }
  EXPECT_EQ(AsMap(counts), reference);
  ASSERT_EQ(counts.size(), first_seen.size());
  for (size_t i = 0; i < first_seen.size(); ++i) EXPECT_EQ(counts.entries()[i].key, first_seen[i]);
}

TEST(IdCountsTest, PairsOfOneTextAreCountedTogether) {
  // ("a", "b,c") and ("a,b", "c") make the same text "a,b,c": one count, as batch's map of
  // texts kept it; the same id under two kinds is two.
  IdCounts counts;
  counts.Add("a", "b,c");
  counts.Add("a,b", "c");
  counts.Add("option", "x");
  counts.Add("alert", "x");
  counts.Add("option", "x");
  std::map<std::string, size_t> expected = {{"a,b,c", 2}, {"option,x", 2}, {"alert,x", 1}};
  EXPECT_EQ(AsMap(counts), expected);
}

TEST(IdCountsTest, ClearForgetsEveryPairAndTheTableServesAgain) {
  IdCounts counts;
  const std::vector<std::string> ids = Ids();
  for (int round = 0; round < 3; ++round) {
    std::map<std::string, size_t> reference;
    for (size_t i = 0; i < 500; ++i) {
      const std::string& id = ids[(i * 13 + static_cast<size_t>(round)) % ids.size()];
      counts.Add("option", id);
      ++reference["option," + id];
    }
    EXPECT_EQ(AsMap(counts), reference) << "round " << round;
    counts.Clear();
    EXPECT_EQ(counts.size(), 0u);
    EXPECT_TRUE(AsMap(counts).empty());
  }
}

}  // namespace
}  // namespace zebra::cli
