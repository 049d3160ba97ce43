// StringListIndex's hash table (nodes.h): `index of` and `list contains` over a long list of
// strings (`index of(Rank Tie Order, o.id)`) answered by one hash and usually one compare.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

#include "feel/builtins.h"
#include "feel/nodes.h"

namespace zebra::feel::internal {

namespace {

// A hash of `s` from its length and its first and last eight bytes (fewer for short strings):
// the knowledge's identifiers share prefixes (`surgery.`, `symptom.`) but rarely their ends and
// lengths together. Its quality decides only how many compares a search makes, never the answer.
uint64_t HashOf(std::string_view s) {
  const size_t n = s.size();
  uint64_t a = 0, b = 0;
  if (n >= 8) {
    std::memcpy(&a, s.data(), 8);
    std::memcpy(&b, s.data() + n - 8, 8);
  } else if (n >= 4) {
    uint32_t x, y;
    std::memcpy(&x, s.data(), 4);
    std::memcpy(&y, s.data() + n - 4, 4);
    a = x;
    b = y;
  } else if (n > 0) {
    a = static_cast<uint8_t>(s[0]) | static_cast<uint64_t>(static_cast<uint8_t>(s[n / 2])) << 8 |
        static_cast<uint64_t>(static_cast<uint8_t>(s[n - 1])) << 16;
  }
  uint64_t h = a * 0x9E3779B97F4A7C15ull ^ (b + n) * 0xC2B2AE3D27D4EB4Full;
  return h ^ (h >> 31);
}

}  // namespace

void StringListIndex::BuildTable() {
  const size_t size = std::bit_ceil(std::max<size_t>(2 * positions.size(), 4));
  table.assign(size, Slot{});
  for (size_t e = 0; e < positions.size(); ++e) {
    const uint64_t h = HashOf(positions[e].first);
    size_t i = h & (size - 1);
    while (table[i].entry != 0) i = (i + 1) & (size - 1);
    table[i] = Slot{h, static_cast<uint32_t>(e + 1)};
  }
}

const std::pair<std::string_view, Value>* StringListIndex::Find(std::string_view s) const {
  if (table.empty()) return nullptr;
  const uint64_t h = HashOf(s);
  const size_t mask = table.size() - 1;
  // The strings of `positions` are distinct, so the first equal one is the answer.
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    const Slot& slot = table[i];
    if (slot.entry == 0) return nullptr;
    if (slot.hash == h) {
      const auto& e = positions[slot.entry - 1];
      if (e.first.size() == s.size() && std::memcmp(e.first.data(), s.data(), s.size()) == 0) return &e;
    }
  }
}

}  // namespace zebra::feel::internal
