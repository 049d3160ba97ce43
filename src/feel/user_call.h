// Internal: calls of user functions without the general call path's per-call set-up (see
// user_call.cc).
#pragma once

#include <memory>
#include <span>

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

// A positional call of a function value (`systemic(id)`, a context entry's function): when the
// callee is a user function without typed parameters, called with as many arguments as it has
// parameters, its frame is made here on the stack with the arguments evaluated straight into
// their slots (no argument array, no borrowing, no virtual call); everything else (a built-in
// taken as a value, a wrong arity, typed or external functions, large frames) is called as
// CallNode calls it. The same evaluation order, depth limit, diagnostics and answers as
// CallNode::Eval with UserFunction::Call. A UserCallNode when `call` is such a call (a callee
// that is a node, up to four positional arguments), else null.
std::shared_ptr<CallNode> SpecialisedUserCall(const CallNode& call);

// The definition, captured globals and captured locals of a user function value, or null when
// `fn` is not one (eval.cc, where UserFunction is).
const FunctionDefNode* UserFunctionParts(const Function& fn, std::span<const Value>& globals,
                                         std::span<const Value>& locals);

}  // namespace zebra::feel::internal
