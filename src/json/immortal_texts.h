// The JSON text of a model's constant strings, written once at load.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "feel/value.h"

namespace zebra::json {

// The compact JSON text (quotes and escapes included, the bytes TextOut::String writes) of the
// immortal FEEL strings (feel::MakeImmortal: a model's constant texts, such as the reasons,
// citations and option texts its tables give), found by the string's address: an answer copies
// them instead of scanning each again for escapes on every case. An immortal string is never
// freed nor changed, so the text found for an address is always that string's.
class ImmortalTexts {
 public:
  ImmortalTexts() = default;
  // The immortal strings made so far of at least `min_size` bytes (a shorter one is written as
  // fast as it is found) that are valid UTF-8 (TextOut::String throws for the others, as then).
  static ImmortalTexts Prepare(std::size_t min_size);

  // Whether Find may answer for the string value `s`: no need to look further when not.
  [[gnu::always_inline]] bool MayHave(const feel::Value& s) const {
    return s.string().size() >= min_size_ && feel::IsImmortal(s.string_ptr());
  }
  // The prepared text of the string value `s`; empty when it has none (not immortal, too short,
  // or made immortal after Prepare).
  [[gnu::always_inline]] std::string_view Find(const feel::Value& s) const {
    const feel::StringPtr& p = s.string_ptr();
    if (!MayHave(s)) return {};
    for (std::uint64_t at = Hash(p.get()) & mask_;; at = (at + 1) & mask_) {
      const Slot& e = slots_[at];
      if (e.key == p.get()) return {text_.data() + e.at, e.size};
      if (!e.key) return {};
    }
  }
  std::size_t size() const { return count_; }

 private:
  struct Slot {
    const std::string* key = nullptr;  // null: empty
    std::uint32_t at = 0, size = 0;    // the text in text_
  };
  static std::uint64_t Hash(const std::string* p) {
    return (reinterpret_cast<std::uintptr_t>(p) * 0x9E3779B97F4A7C15ull) >> 32;
  }
  std::vector<Slot> slots_;  // open addressing, linear probing, at most a quarter full
  std::uint64_t mask_ = 0;
  std::size_t min_size_ = SIZE_MAX;  // (an empty table: none is long enough)
  std::string text_;  // the texts, one after another
  std::size_t count_ = 0;
};

}  // namespace zebra::json
