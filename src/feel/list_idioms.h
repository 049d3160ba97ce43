// Internal: nodes for common FEEL list idioms, answered without the intermediate values the
// general nodes make (see list_idioms.cc).
#pragma once

#include "feel/builtins.h"
#include "feel/nodes.h"

namespace zebra::feel::internal {

// `count(e) op k` (op one of = != < <= > >=, k an integer literal), as the comparison node
// `general` answers it: a CountCompareNode when `lhs` is a positional call of the built-in
// `count` and `rhs` such a literal, else `general` itself.
NodePtr SpecialisedCountCompare(BinaryOp op, const NodePtr& lhs, const NodePtr& rhs, NodePtr general);

// e when `n` is a CountCompareNode (`count(e) op k`) that reads e by evaluating it (no shortcut
// for an empty filter), else null.
const Node* CountCompareArg(const Node& n);
// The verdict of such a node `n` (CountCompareArg gave e) for e's value `v`, as its EvalVerdict
// gives it after reading e: for a caller that has read e itself.
Verdict CountCompareVerdict(const Node& n, const Value& v, Frame& f);

// The general node an idiom node answers for (what it reads and calls), or null when `n` is no
// idiom node: for walks over the tree such as CompiledExpression::Reads.
const Node* GeneralFormOf(const Node& n);

}  // namespace zebra::feel::internal
