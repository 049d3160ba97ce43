// Internal: the element a path reads through an index by name (`sorted[i]` in `sorted[i].id`),
// for PathNode::Reach.
#pragma once

#include "feel/builtins.h"  // before nodes.h, which reads BuiltinImpl
#include "feel/nodes.h"

namespace zebra::feel::internal {

// The element FilterNode::EvalRef gives for `filter` (an index into a name by a name: index_slot
// set) when it can be read without side effects or a copy: the target a list in its slot (not
// a name a filter item may shadow), outside any filter, the index an integer of exponent 0 within
// the list, and no entry of the first item shadowing the index's name (by the key filter, or
// the position the filter cached for the item's shape; when neither tells, the filter answers).
// The item slot is left holding the first item, as the filter leaves it when a name may read it
// (writes_item). Null otherwise, with nothing written: then the filter itself answers (the same
// element, or null, or a diagnostic). Borrowed from the list in the slot, as EvalRef borrows it.
// Out of line: inlined in PathNode::Reach it made every path read dearer (measured).
[[gnu::noinline]] const Value* IndexedElement(const FilterNode& filter, Frame& f);

}  // namespace zebra::feel::internal
