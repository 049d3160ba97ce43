// Internal: calls of user functions without the general call path's per-call set-up (see
// user_call.cc).
#pragma once

#include <memory>

#include "feel/builtins.h"
#include "feel/nodes.h"

namespace zebra::feel::internal {

// `sort(list, function(a, b) body)`: the built-in sort with its comparator written in place. The
// general path makes a closure and calls it once per comparison, each call building a fresh
// frame (null slots, the captured ones copied, the two arguments bound). When the body declares
// no name of its own (no for, filter, context, quantifier, function, unary test: nothing that
// writes a slot of the frame), every call's frame is the same but for the two parameters, so
// one frame is made per sort and only the parameters are bound per comparison. The sort, the
// comparisons and their order (merge_sort.h), the depth limit per call and the diagnostics are
// the built-in's. A SortCallNode when `call` is such a call, else null.
std::shared_ptr<CallNode> SpecialisedSort(const CallNode& call);

}  // namespace zebra::feel::internal
