// Internal: a filter whose predicate is one string test of each item's field against another
// string (`Rank Classes[starts with(o.id, item.prefix)]`) over a long list that the filter sees
// again and again (a model constant): the items' fields are read once into a FieldTable, and a
// call compares the strings alone (constant_filter.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "feel/builtins.h"
#include "feel/nodes.h"

namespace zebra::feel::internal {

// The items' field strings of one list, for one filter. `list` is null when some item is not
// answered by the string test alone (not a context, an entry that would shadow a name the
// predicate reads, a field that is not a string): that list goes the general way.
struct FieldTable {
  static constexpr size_t kMinItems = 8;  // shorter lists: the general loop costs little
  static constexpr size_t kMaxItems = 64;  // the items kept by a call fit one word's bits
  ListPtr list;  // the list read (kept alive, so its address identifies it)
  std::vector<std::string_view> fields;  // item i's field (or the item itself), in `list`
  // For `starts with(x, item.f)`: field i's first (up to) eight bytes and the mask of those
  // bytes, so that most items are ruled out by one compare of x's first word.
  std::vector<uint64_t> heads, masks;
  // `[item i]`, made once: the usual answer keeps one item (values are immutable, so the same
  // list serves every call; it lives as long as the filter node).
  std::vector<Value> singles;
};

// Whether `n`'s predicate is such a test (ItemTestPlan with one `starts with` / `ends with` /
// `contains` leaf).
[[gnu::always_inline]] inline bool HasStringLeaf(const FilterNode& n) {
  return n.item_test && n.item_test->one_leaf && n.item_test->root->string_test != 0;
}

// `n`'s answer for the list `t` (count >= FieldTable::kMinItems items, `borrowed` as in
// FilterNode::EvalItems) from the filter's FieldTable, or null when the general loop must answer
// (another list, items or another operand the table cannot answer, inside another filter, the
// evaluation limit reached). The same answer, item slot and (no) diagnostics as EvalItems.
const Value* FilterFromFieldTable(const FilterNode& n, Frame& f, const Value& t, bool borrowed, Value& tmp);

}  // namespace zebra::feel::internal
