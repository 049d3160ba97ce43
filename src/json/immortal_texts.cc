#include "json/immortal_texts.h"

#include <limits>

#include <nlohmann/json.hpp>

#include "feel/immortal_strings.h"
#include "json/json_writer.h"

namespace zebra::json {

ImmortalTexts ImmortalTexts::Prepare(std::size_t min_size) {
  ImmortalTexts t;
  std::vector<Slot> found;
  for (const std::string* s : feel::ImmortalStrings()) {
    if (s->size() < min_size) continue;
    const std::size_t at = t.text_.size();
    try {
      AppendJsonString(t.text_, *s);
    } catch (const nlohmann::json::exception&) {  // not valid UTF-8: written (and thrown) at use
      t.text_.resize(at);
      continue;
    }
    if (t.text_.size() > std::numeric_limits<std::uint32_t>::max()) {  // (never near: the registry is bounded)
      t.text_.resize(at);
      break;
    }
    found.push_back({s, static_cast<std::uint32_t>(at), static_cast<std::uint32_t>(t.text_.size() - at)});
  }
  if (found.empty()) return t;
  std::size_t size = 8;
  while (size < 4 * found.size()) size *= 2;  // (short probes: most strings looked up are found)
  t.slots_.assign(size, Slot{});
  t.mask_ = size - 1;
  for (const Slot& e : found) {
    std::uint64_t at = Hash(e.key) & t.mask_;
    while (t.slots_[at].key) at = (at + 1) & t.mask_;
    t.slots_[at] = e;
  }
  t.count_ = found.size();
  t.min_size_ = min_size;
  return t;
}

}  // namespace zebra::json
