// One hash of text for the hand-made tables keyed by strings (the answer plan's maps by id, the
// trial registry's kept facts, a decision table's string literals), in place of one per table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace zebra {

// The 128-bit product of a and b folded to 64 bits: every bit of each reaches the low bits (which
// tables index by), in one multiplication.
__extension__ typedef unsigned __int128 HashProduct;  // (GCC's; __extension__: no pedantic warning)
[[gnu::always_inline]] inline std::uint64_t FoldedProduct(std::uint64_t a, std::uint64_t b) {
  const HashProduct r = static_cast<HashProduct>(a) * b;
  return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
}

// A hash of the n bytes at p, every byte counting. Most keys are short (codes, ids, literals):
// up to 16 bytes it reads two words that may overlap ("G1": a byte at its start, middle and end)
// and multiplies them once, no loop and no call; a longer text first folds in each 8-byte word
// between its first and last. Not seeded nor meant to resist chosen collisions: the tables it
// serves are built from the knowledge, and a collision there only costs a comparison.
[[gnu::always_inline]] inline std::uint64_t HashBytes(const char* p, std::size_t n) {
  constexpr std::uint64_t kA = 0xA0761D6478BD642Full, kB = 0xE7037ED1A0B428DBull, kC = 0x8EBC6AF09C88C6E3ull;
  const auto word = [p](std::size_t at) {
    std::uint64_t w;
    std::memcpy(&w, p + at, 8);
    return w;
  };
  std::uint64_t a = 0, b = 0, seed = kC ^ n;
  if (n >= 8) {
    for (std::size_t i = 8; i + 8 < n; i += 8) seed = FoldedProduct(seed ^ word(i), kB);  // over 16 bytes
    a = word(0);
    b = word(n - 8);
  } else if (n >= 4) {
    std::uint32_t x, y;
    std::memcpy(&x, p, 4);
    std::memcpy(&y, p + n - 4, 4);
    a = x;
    b = y;
  } else if (n > 0) {
    const auto byte = [p](std::size_t i) { return std::uint64_t{static_cast<unsigned char>(p[i])}; };
    a = byte(0) | byte(n / 2) << 8 | byte(n - 1) << 16;
  }
  return FoldedProduct(a ^ kA, b ^ seed);
}

[[gnu::always_inline]] inline std::uint64_t HashText(std::string_view s) { return HashBytes(s.data(), s.size()); }

// HashText as the hash of an unordered container keyed by std::string and found by any text
// (std::string_view, const char*) without a copy (with std::equal_to<> as its equality).
struct TextHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return static_cast<std::size_t>(HashText(s)); }
};

}  // namespace zebra
