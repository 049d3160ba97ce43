// Internal: positional calls of `concatenate` and `sum` as call nodes of their own, which read
// their arguments in place (no copy of each argument, as CallNode::Eval makes) and, for `sum`
// of one list, add its numbers without copying them out first. The answers, diagnostics and
// order of evaluation are the built-ins' (ConcatenateOf and SumOfList in builtins_util.h serve
// both).
#pragma once

#include "feel/builtins.h"
#include "feel/nodes.h"

namespace zebra::feel::internal {

// A ConcatenateNode or SumNode for `call` (a positional call of the built-in, its overload
// bound in `impl`), or null when `call` is neither.
std::shared_ptr<CallNode> SpecialisedListCall(const CallNode& call);

}  // namespace zebra::feel::internal
