// Internal: `for x in distinct values(for o in L return o.k) return L[item.k = x][1]` (the
// Ranking's `opts`: the first option of each distinct id) answered in one pass over L when every
// item is a context whose `k` is a string: the items whose string no earlier item has, in order,
// with the iteration count and the slots the general nodes leave (distinct_first.cc).
#pragma once

#include <memory>

#include "feel/builtins.h"
#include "feel/nodes.h"

namespace zebra::feel::internal {

// The parts of that form (the inner loop, the two filters, the key's path).
struct DistinctFirstPlan {
  const ForNode* inner = nullptr;       // `for o in L return o.k`
  const FilterNode* first = nullptr;    // `...[1]`
  const FilterNode* matches = nullptr;  // `L[item.k = x]`
};

// `loop`'s plan when it has that form, else null (asked once the parser has finished the
// expression: the loops' projections and the filters' item slots are set).
std::shared_ptr<const DistinctFirstPlan> DistinctFirstPlanOf(const ForNode& loop);

// `loop`'s answer into `out` (true), or false with nothing changed when the general nodes must
// answer (L no list, empty or longer than kMaxDistinctFirstItems; an item that is no context,
// shadows a name the test reads, or has no string `k` its shape has been seen with; a loop inside
// a filter; the evaluation limit reached or in reach).
bool DistinctFirst(const DistinctFirstPlan& plan, const ForNode& loop, Frame& f, Value& out);

inline constexpr size_t kMaxDistinctFirstItems = 16;

}  // namespace zebra::feel::internal
