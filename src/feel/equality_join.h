// Internal: an equality join (`checks[item.id = c.id]` inside `for c in ...`, `raw[item.id =
// oid][1]` inside `for oid in ...`): a filter whose item test is `item.f = x` (or starts with it
// under `and`), x not a literal, answers from an index of the list's `f` strings, made at its
// first call in an evaluation and kept for the others, instead of testing each item
// (equality_join.cc).
// The index lives in a local slot of the expression's frame (FilterNode::join_slot): per
// evaluation and per thread, never in the node, which batch threads share.
#pragma once

#include <cstdint>

#include "feel/builtins.h"
#include "feel/nodes.h"

namespace zebra::feel::internal {

// The leaf `item.f = x` that every item the test keeps must pass (the root, or the leftmost leaf
// under `and`s), with x a name or a path over one; null when the test has none or is not pure.
const ItemTest* JoinKeyOf(const ItemTestPlan& plan);

// Whether the join filters `a` and `b` (JoinKeyOf set) make the same index of a list: the same
// key name and the same names a shadowing item entry would hide (the index's only inputs). Such
// filters of one expression share one join slot, so a list filtered by both (`checks[item.id =
// c.id]` and `checks[item.id = c.id and item.action = "avoid"]`) is indexed once an evaluation.
bool SameJoinIndex(const FilterNode& a, const FilterNode& b);

// `n`'s answer (n.join_slot >= 0) for the list `t` (`borrowed` as in FilterNode::EvalItems), as
// EvalItems gives it (the items kept in order, the list itself when all are, the item slot left
// at the last item), or null when EvalItems must answer: an item or operand the index cannot
// answer (the general path then reports what it reports), a list longer than the index holds,
// inside another filter, the evaluation limit reached.
const Value* JoinFilter(const FilterNode& n, Frame& f, const Value& t, bool borrowed, Value& tmp);

// For FirstMatch: the first item `inner` keeps of the list `t` (a pure `item.f = x`, with its
// other operands `others` read), or kUnknown when the index cannot tell (as JoinFilter's null).
// The item slots are the caller's to write.
enum class JoinFirst : uint8_t { kUnknown, kNone, kFound };
JoinFirst JoinFirstOf(const FilterNode& inner, Frame& f, const Value& t, const Value* const* others,
                      const Value** found);

}  // namespace zebra::feel::internal
