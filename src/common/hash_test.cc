#include "common/hash.h"

#include <set>
#include <string>
#include <unordered_map>

#include <gtest/gtest.h>

namespace zebra::hash_test {
namespace {

// A text of n bytes that differ from one another (no accidental repeats of a word).
std::string Sample(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += static_cast<char>('a' + (i * 7 + i / 26) % 26);
  return s;
}

TEST(HashText, EveryByteCounts) {
  // Each byte changed on its own changes the hash, at every length up to a few words (the short
  // forms, and the middle words of longer texts that a first-and-last-word hash would skip).
  for (size_t n = 1; n <= 70; ++n) {
    const std::string base = Sample(n);
    const std::uint64_t h = HashText(base);
    for (size_t i = 0; i < n; ++i) {
      std::string changed = base;
      changed[i] = static_cast<char>(changed[i] ^ 0x20);
      EXPECT_NE(HashText(changed), h) << "length " << n << ", byte " << i;
    }
  }
}

TEST(HashText, LengthCounts) {
  // Texts that are prefixes of one another (or all zero bytes) differ by their length alone.
  const std::string zeros(40, '\0');
  std::set<std::uint64_t> seen;
  for (size_t n = 0; n <= zeros.size(); ++n) seen.insert(HashText(std::string_view(zeros.data(), n)));
  EXPECT_EQ(seen.size(), zeros.size() + 1);
}

TEST(HashText, ReadsOnlyItsBytes) {
  // The same n bytes followed by different bytes hash alike: nothing past the end is read.
  for (size_t n = 0; n <= 40; ++n) {
    std::string a = Sample(n) + std::string(16, 'x');
    std::string b = Sample(n) + std::string(16, 'y');
    EXPECT_EQ(HashBytes(a.data(), n), HashBytes(b.data(), n)) << "length " << n;
  }
}

TEST(HashText, SpreadsIdsOverTheLowBits) {
  // Tables index by the low bits (a mask): 1,000 ids alike but for a number in the middle fall in
  // nearly as many of 65,536 buckets as distinct random values would (about 992).
  std::set<std::uint64_t> buckets;
  for (int i = 0; i < 1000; ++i) buckets.insert(HashText("option." + std::to_string(i) + ".first_line") & 0xFFFF);
  EXPECT_GE(buckets.size(), 980u);
}

TEST(TextHash, FindsByAnyTextWithoutACopy) {
  std::unordered_map<std::string, int, TextHash, std::equal_to<>> map;
  map.emplace("surveillance.none_needed", 1);
  map.emplace("ssa.octreotide_lar", 2);
  const std::string_view key = "ssa.octreotide_lar";
  ASSERT_NE(map.find(key), map.end());
  EXPECT_EQ(map.find(key)->second, 2);
  EXPECT_EQ(map.find(std::string_view("ssa.octreotide")), map.end());
  EXPECT_EQ(TextHash{}(key), static_cast<size_t>(HashText(std::string(key))));
}

}  // namespace
}  // namespace zebra::hash_test
