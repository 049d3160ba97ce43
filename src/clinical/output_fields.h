// Several fields of one decision context read together by the answer writer
// (clinical::internal::OutputFields): one shape check for all of them.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "feel/value.h"
#include "json/json_writer.h"

namespace zebra::clinical::internal {

// Several fields of one kind of object read together (the places that read all of an object's
// fields at once): the same answers as an OutputField each, with the shape checked once for all
// of them. The shape's id and the fields' positions in it (a byte each, 0xFF when absent) are one
// word, so threads sharing the reader never mix one shape's id with another's positions; shapes
// of 255 keys or more, and contexts with their own keys, are searched field by field (Find).
template <size_t N>
class OutputFields {
  static_assert(N >= 1 && N <= 5, "a byte a position and 24 bits of shape id in one word");

 public:
  using Read = std::array<const feel::Value*, N>;
  constexpr explicit OutputFields(std::array<json::Name, N> names) : names_(names) {}
  OutputFields(const OutputFields&) = delete;
  OutputFields& operator=(const OutputFields&) = delete;
  json::Name name(size_t i) const { return names_[i]; }
  // The fields of `obj` in the order named; null where it is not a context or has no such entry.
  [[gnu::always_inline]] Read In(const feel::Value& obj) const {
    if (!obj.is(feel::Type::kContext)) return Read{};
    return In(obj.context());
  }
  // (Inline: a call, with the registers it saves, cost as much as the reads.)
  [[gnu::always_inline]] Read In(const feel::Context& c) const {
    const feel::ContextShape* shape = c.shape();
    if (!shape) [[unlikely]]
      return FindEach(c);
    uint64_t s = seen_.load(std::memory_order_relaxed);
    if ((s >> kIdShift) != shape->id()) [[unlikely]] {
      s = Resolve(*shape);
      if (s == 0) return FindEach(c);
    }
    Read r;
    const size_t n = c.shaped_size();
    for (size_t i = 0; i < N; ++i) {
      const size_t at = (s >> (8 * i)) & 0xFF;  // (0xFF, absent, is past any context searched here)
      r[i] = at < n ? &c.shaped_value(at) : nullptr;
    }
    return r;
  }

 private:
  static constexpr int kIdShift = 40;
  [[gnu::noinline]] Read FindEach(const feel::Context& c) const {
    Read r;
    for (size_t i = 0; i < N; ++i) r[i] = c.Find(names_[i].view());
    return r;
  }
  // The word for `shape` (stored), or 0 when it cannot be cached (then every read searches).
  [[gnu::noinline]] uint64_t Resolve(const feel::ContextShape& shape) const {
    if (shape.size() >= 0xFF || shape.id() == 0 || shape.id() >= (uint32_t{1} << 24)) return 0;
    uint64_t s = uint64_t{shape.id()} << kIdShift;
    for (size_t i = 0; i < N; ++i) {
      const size_t at = shape.IndexOf(names_[i].view());
      s |= uint64_t{at == feel::ContextShape::npos ? 0xFFu : static_cast<unsigned>(at)} << (8 * i);
    }
    seen_.store(s, std::memory_order_relaxed);
    return s;
  }
  std::array<json::Name, N> names_;
  mutable std::atomic<uint64_t> seen_{0};
};

}  // namespace zebra::clinical::internal
