// Internal: a filter whose predicate is a pure item test (ItemTestPlan::pure: comparisons, fast
// two-argument built-ins, `and` / `or` / `not` over the item's fields and names read once) over
// a short list, answered in one pass of verdicts (`rules[list contains(item.ids, o.id)]`,
// `hits[item.points > 0]`, `kept[item.preferred = true]`, `checks[item.action != "bar"]`)
// instead of FilterNode::EvalItems' general loop (verdict_filter.cc).
#pragma once

#include <cstddef>

#include "feel/builtins.h"  // before nodes.h, which reads BuiltinImpl
#include "feel/nodes.h"

namespace zebra::feel::internal {

// The verdict pass holds the items kept in one word's bits.
inline constexpr size_t kMaxVerdictFilterItems = 64;

// `n`'s answer (n.item_test pure) for the list `t` (1 to kMaxVerdictFilterItems items;
// `borrowed` as in FilterNode::EvalItems) as EvalItems gives it: the items kept in order, the
// list itself when all are, the one empty list when none is, the item slot left at the last
// item. Null when EvalItems must answer, with nothing done (a verdict has no effect): an item
// the test cannot answer (not a context and the test reads fields, an entry shadowing a name the
// test reads), an operand type the verdict leaves to the general path (kSlow: a diagnostic to
// report), another operand that must be evaluated, inside another filter, or the evaluation
// limit already reached.
const Value* FilterByVerdicts(const FilterNode& n, Frame& f, const Value& t, bool borrowed, Value& tmp);

}  // namespace zebra::feel::internal
