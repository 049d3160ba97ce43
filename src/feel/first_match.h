// Internal: `list[pred][1]` (`raw[item.id = oid][1]`) answered without the filtered list: the
// predicate runs over every item as the inner filter runs it (the same answers, diagnostics and
// item slot), and the first item it keeps is the answer (first_match.cc).
#pragma once

#include "feel/builtins.h"
#include "feel/nodes.h"

namespace zebra::feel::internal {

// Whether `inner` (the target of `outer`, an index by the literal 1) is a filter this answers:
// a pure single comparison of an item's field (`=`, `!=`, `<` ...), never a number.
bool FirstMatchApplies(const FilterNode& inner);

// `outer`'s answer (outer.first_of is `inner`), as FilterNode::EvalRef gives it: its target
// evaluated, then the element 1 of the list `inner` keeps, with both item slots left as the
// general path leaves them.
const Value& FirstMatch(const FilterNode& outer, const FilterNode& inner, Frame& f, Value& tmp);

}  // namespace zebra::feel::internal
