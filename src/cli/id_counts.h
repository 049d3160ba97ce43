// The counts `zebra batch` keeps per chunk of how often each answer id appears ("kind,id" →
// count, e.g. "option,surveillance"), for its --summary CSV.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace zebra::cli {

// Counts of (kind, id) pairs, each kept under its text "kind,id". A case counts ~3 ids; a
// std::unordered_map<std::string, size_t> built the "kind,id" text, hashed all of it and
// compared it for each (~500 instructions a case). Here the pair is found by a hash of its
// lengths and a few bytes and compared in place: the text is made only when a pair is first
// seen in the chunk.
class IdCounts {
 public:
  struct Entry {
    std::string key;  // "kind,id"
    size_t count;
  };

  // Counts one more (kind, id), under the text "kind,id".
  void Add(std::string_view kind, std::string_view id);
  // Every pair counted since the last Clear, in the order first seen.
  const std::vector<Entry>& entries() const { return entries_; }
  std::vector<Entry>::const_iterator begin() const { return entries_.begin(); }
  std::vector<Entry>::const_iterator end() const { return entries_.end(); }
  size_t size() const { return entries_.size(); }
  // Forgets every pair (the table's room is kept for the next chunk).
  void Clear();

 private:
  struct Slot {
    uint32_t hash = 0;
    int32_t index = -1;  // into entries_; -1: empty
  };
  static uint32_t Hash(std::string_view kind, std::string_view id);
  static bool Same(const std::string& key, std::string_view kind, std::string_view id);
  // A pair first seen (out of Add's loop: the text is made once per chunk and pair).
  [[gnu::noinline]] void Insert(Slot& s, uint32_t hash, std::string_view kind, std::string_view id);
  void Grow();

  std::vector<Slot> slots_;  // power-of-two size, at most half full
  std::vector<Entry> entries_;
  size_t used_ = 0;  // entries_.size()
};

}  // namespace zebra::cli
