// Internal: `for` loops whose body is a path over the loop variable (`for o in raw return o.id`),
// and the null-coalescing `if` (`if x = null then [] else x`), each answered as the general
// nodes answer them (see loop_paths.cc).
#pragma once

#include <memory>

#include "feel/builtins.h"
#include "feel/nodes.h"

namespace zebra::feel::internal {

// The path that `loop`'s body is when it reads steps of the loop's one variable straight from
// its slot (`o.id`, `p.a.b`; not inside a filter, where an item entry may shadow the name), or
// null. Only for a loop whose results are built in place (one iterator, no `partial`).
const PathNode* LoopProjection(const ForNode& loop);

// `if x = null then d else x` or `if x != null then x else d` where both x are the same name or
// path over a name: a CoalesceNode that reads x once, else `general` itself.
NodePtr SpecialisedCoalesce(std::shared_ptr<IfNullNode> general);

}  // namespace zebra::feel::internal
