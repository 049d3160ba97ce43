// The case schema as FEEL context shapes (internal to clinical): the plan CaseValue and the case
// reader build the case's FEEL value on, so that the models' paths find each field by position.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "feel/value.h"

namespace zebra::clinical::internal {

// The shapes of the contexts that a schema object's instances become, found without locking:
// each set of fields present (a bit per field of the family) maps to its subset shape. Filled as
// cases bring new sets, up to kMaxSubsets per object (further sets keep their own keys: a
// stream of odd cases cannot fill the process's shape registry).
class SubsetCache {
 public:
  // The subset of `family` with the fields of `present` (not 0), or null.
  const feel::ContextShape* Get(const feel::ContextShape& family, uint64_t present) const {
    size_t slot = static_cast<size_t>((present * 0x9E3779B97F4A7C15ull) >> (64 - kSlotBits));
    for (size_t probe = 0; probe < kMaxProbes; ++probe, slot = (slot + 1) & (kSlots - 1)) {
      Slot& s = slots_[slot];
      const uint64_t seen = s.present.load(std::memory_order_acquire);
      if (seen == present) {
        if (const feel::ContextShape* shape = s.shape.load(std::memory_order_acquire)) return shape;
        return feel::ContextShape::InternSubset(family, present);  // being published: the same shape
      }
      if (seen != 0) continue;
      // A new set: interned (the registry gives every thread the same shape), then published.
      if (used_.load(std::memory_order_relaxed) >= kMaxSubsets) return nullptr;
      const feel::ContextShape* shape = feel::ContextShape::InternSubset(family, present);
      if (!shape) return nullptr;
      used_.fetch_add(1, std::memory_order_relaxed);
      uint64_t expected = 0;
      if (s.present.compare_exchange_strong(expected, present, std::memory_order_acq_rel))
        s.shape.store(shape, std::memory_order_release);
      return shape;  // (or another thread took the slot: the next case looks further)
    }
    return nullptr;
  }

 private:
  static constexpr int kSlotBits = 11;
  static constexpr size_t kSlots = size_t{1} << kSlotBits;
  static constexpr size_t kMaxSubsets = kSlots / 2;
  static constexpr size_t kMaxProbes = 32;
  struct Slot {
    std::atomic<uint64_t> present{0};  // 0: empty
    std::atomic<const feel::ContextShape*> shape{nullptr};
  };
  std::unique_ptr<Slot[]> slots_ = std::make_unique<Slot[]>(kSlots);
  mutable std::atomic<size_t> used_{0};
};

// A position in the case schema: an object (a family of its field names in byte order, the
// order CaseValue gives the entries, and each field's node by position) or an array (its items'
// node). Null nodes: values converted as any JSON.
struct CaseNode {
  const feel::ContextShape* family = nullptr;
  std::vector<std::unique_ptr<const CaseNode>> fields;
  std::unique_ptr<const CaseNode> items;
  SubsetCache subsets;
};

}  // namespace zebra::clinical::internal
