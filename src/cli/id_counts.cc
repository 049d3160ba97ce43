#include "cli/id_counts.h"

#include <cstring>

#include "common/bytes.h"

namespace zebra::cli {

namespace {

// Up to eight bytes of `s` from `at` as a word (the bytes past its end as zero).
uint64_t Word(std::string_view s, size_t at) {
  uint64_t w = 0;
  if (s.size() - at >= 8) {
    std::memcpy(&w, s.data() + at, 8);  // (a fixed size: one load, no call)
    return w;
  }
  for (size_t i = at; i < s.size(); ++i) w = (w << 8) | static_cast<unsigned char>(s[i]);
  return w;
}

// The n bytes at a and b are equal: eight at a time, then SameBytes (ids are mostly 15–40
// bytes, where SameBytes would call memcmp).
[[gnu::always_inline]] inline bool SameLong(const char* a, const char* b, size_t n) {
  for (; n >= 8; a += 8, b += 8, n -= 8) {
    uint64_t x, y;
    std::memcpy(&x, a, 8);
    std::memcpy(&y, b, 8);
    if (x != y) return false;
  }
  return SameBytes(a, b, n);
}

// Whether the n bytes at p hold a ','. Kinds are a few bytes ("option"): two overlapping word
// loads and the zero-byte test instead of a loop over their bytes.
[[gnu::always_inline]] inline bool HasComma(const char* p, size_t n) {
  constexpr uint64_t kCommas = 0x2C2C2C2C2C2C2C2Cull, kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
  const auto comma_in = [&](uint64_t x) {
    x ^= kCommas;  // a ',' byte becomes 0
    return ((x - kOnes) & ~x & kHighs) != 0;
  };
  if (n >= 8 && n <= 16) {
    uint64_t a, b;
    std::memcpy(&a, p, 8);
    std::memcpy(&b, p + n - 8, 8);
    return comma_in(a) || comma_in(b);
  }
  if (n >= 4 && n < 8) {
    uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);
    return comma_in(uint64_t{a} | (uint64_t{b} << 32));
  }
  return std::memchr(p, ',', n) != nullptr;
}

}  // namespace

uint32_t IdCounts::Hash(std::string_view kind, std::string_view id) {
  // The lengths, the kind's first byte and the id's first and last eight bytes: ids differ
  // mostly at their ends ("…_06m", "…_12m"); pairs that share all of these are told apart by Same.
  uint64_t h = (id.size() << 8) ^ (kind.size() << 16) ^ (kind.empty() ? 0 : static_cast<unsigned char>(kind[0]));
  h = (h ^ Word(id, 0)) * 0x9E3779B97F4A7C15ull;
  if (id.size() > 8) h = (h ^ Word(id, id.size() - 8)) * 0xC2B2AE3D27D4EB4Full;
  return static_cast<uint32_t>(h >> 32);
}

inline bool IdCounts::Same(const std::string& key, std::string_view kind, std::string_view id) {
  return key.size() == kind.size() + 1 + id.size() && SameLong(key.data(), kind.data(), kind.size()) &&
         key[kind.size()] == ',' && SameLong(key.data() + kind.size() + 1, id.data(), id.size());
}

void IdCounts::Add(std::string_view kind, std::string_view id) {
  // Pairs of one text ("a", "b,c" and "a,b", "c") are one count, as a map of the texts kept
  // them: a kind with a comma is split again at the text's first comma, so that the pair, and
  // with it the hash, is the text's.
  if (HasComma(kind.data(), kind.size())) [[unlikely]] {
    std::string text;
    text.append(kind).append(1, ',').append(id);
    const size_t comma = text.find(',');
    Add(std::string_view(text).substr(0, comma), std::string_view(text).substr(comma + 1));
    return;
  }
  if (used_ * 2 >= slots_.size()) Grow();
  const uint32_t hash = Hash(kind, id);
  const size_t mask = slots_.size() - 1;
  for (size_t at = hash & mask;; at = (at + 1) & mask) {
    Slot& s = slots_[at];
    if (s.index < 0) return Insert(s, hash, kind, id);
    if (s.hash == hash && Same(entries_[static_cast<size_t>(s.index)].key, kind, id)) {
      ++entries_[static_cast<size_t>(s.index)].count;
      return;
    }
  }
}

void IdCounts::Insert(Slot& s, uint32_t hash, std::string_view kind, std::string_view id) {
  std::string key;
  key.reserve(kind.size() + 1 + id.size());
  key.append(kind).append(1, ',').append(id);
  s.hash = hash;
  s.index = static_cast<int32_t>(entries_.size());
  entries_.push_back({std::move(key), 1});
  ++used_;
}

void IdCounts::Clear() {
  entries_.clear();
  used_ = 0;
  for (Slot& s : slots_) s = Slot{};
}

void IdCounts::Grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{});
  const size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.index < 0) continue;
    size_t at = s.hash & mask;
    while (slots_[at].index >= 0) at = (at + 1) & mask;
    slots_[at] = s;
  }
}

}  // namespace zebra::cli
