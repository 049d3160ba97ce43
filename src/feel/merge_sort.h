// Internal: the stable merge sort of the built-in `sort`, shared by the built-in and by the call
// node that runs an inline comparator in one frame (user_call.cc), so both make the same
// comparisons in the same order (same answers, same diagnostics, ties and errors included).
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <utility>

#include "feel/value.h"

namespace zebra::feel::internal {

// Sorts `items` by `precedes(a, b)` (std::optional<bool>: does a come before b; nullopt stops
// the sort and gives false). Written out because std::sort has undefined behaviour for a
// comparator that is not a strict weak order, and precedes is user code. Items are moved
// between the two buffers, not copied (no reference counts per step).
template <class Precedes>
bool MergeSort(List& items, Precedes&& precedes) {
  List tmp(items.size());
  for (size_t width = 1; width < items.size(); width *= 2) {
    for (size_t lo = 0; lo < items.size(); lo += 2 * width) {
      size_t mid = std::min(lo + width, items.size());
      size_t hi = std::min(lo + 2 * width, items.size());
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        std::optional<bool> before = precedes(items[j], items[i]);
        if (!before) return false;
        tmp[k++] = std::move(*before ? items[j++] : items[i++]);
      }
      while (i < mid) tmp[k++] = std::move(items[i++]);
      while (j < hi) tmp[k++] = std::move(items[j++]);
    }
    items.swap(tmp);
  }
  return true;
}

}  // namespace zebra::feel::internal
