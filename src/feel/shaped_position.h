// The position of one name in the shaped contexts a reader meets (feel::ContextShape): found
// once per shape and then read by index. Shared by FEEL's path steps (PathNode) and the
// clinical answer writer's field reads (clinical::internal::OutputField).
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "feel/value.h"

namespace zebra::feel {

class ShapedPosition {
 public:
  // The entry `name` of the shaped context `c`, or null: the same answer as Context::Find.
  [[gnu::always_inline]] const Value* Find(const Context& c, std::string_view name) const {
    size_t at;
    if (!Cached(*c.shape(), at)) [[unlikely]]
      return Resolve(c, name);
    return at < c.shaped_size() ? &c.shaped_value(at) : nullptr;
  }
  // Whether the position in `shape` is known; then `at` is it (at least the context's size when
  // the shape lacks the name).
  [[gnu::always_inline]] bool Cached(const ContextShape& shape, size_t& at) const {
    const uint64_t s = seen_.load(std::memory_order_relaxed);
    if ((s >> 32) != shape.cache_id()) return false;
    at = shape.FromCache(static_cast<uint32_t>(s));
    return true;
  }

 private:
  static constexpr uint32_t kAbsent = 0xFFFFFFFFu;
  [[gnu::noinline]] const Value* Resolve(const Context& c, std::string_view name) const {
    const ContextShape& shape = *c.shape();
    // Cached as a position in the family of a subset: the same for every subset.
    const ContextShape& cached = shape.family() ? *shape.family() : shape;
    const size_t at = cached.IndexOf(name);
    seen_.store((uint64_t{shape.cache_id()} << 32) | (at == ContextShape::npos ? kAbsent : static_cast<uint32_t>(at)),
                std::memory_order_relaxed);
    const size_t i = shape.FromCache(at);
    return i < c.shaped_size() ? &c.shaped_value(i) : nullptr;
  }
  // The shape last met (ContextShape::cache_id, high 32 bits: a subset's family) and the
  // position of the name in it (low 32 bits, kAbsent when the shape lacks it; FromCache maps it
  // into a subset): one word, so threads sharing the reader never pair one shape's id with
  // another's position. Written only when the shape changes.
  mutable std::atomic<uint64_t> seen_{0};
};

}  // namespace zebra::feel
