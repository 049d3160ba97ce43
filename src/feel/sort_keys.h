// Internal: `sort(list, function(a, b) ...)` whose comparator orders by number keys, one after
// another (`a.score > b.score or (a.score = b.score and a.tie < b.tie)`, the Ranking's), answered
// from each item's keys read once instead of the comparator's nodes run per comparison
// (sort_keys.cc).
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <optional>

#include "feel/builtins.h"  // before nodes.h, which reads BuiltinImpl
#include "feel/nodes.h"

namespace zebra::feel::internal {

// The keys of a lexicographic comparator over the two parameters' entries:
//   body := strict | strict `or` (equal `and` body)
//   strict := `a.k < b.k` | `a.k > b.k` (either operand order), equal := `a.k = b.k` (either
// order) with the same k as the strict test before it.
struct SortKeys {
  static constexpr size_t kMaxKeys = 4;
  static constexpr size_t kMaxItems = 64;  // longer lists: the general sort (a quadratic sort here)
  struct Key {
    const PathNode* path = nullptr;  // the strict test's path over `a` (its name and shape cache)
    bool descending = false;  // `a` comes first when its key is the larger
  };
  std::array<Key, kMaxKeys> keys{};
  size_t count = 0;
};

// The keys of `def`'s body (two untyped parameters), or null when it is not such a comparator.
std::unique_ptr<const SortKeys> SortKeysOf(const FunctionDefNode& def);

// The sort's answer for `list` (a list) when every item is a context whose keys are all numbers:
// then each comparison the built-in makes answers true or false with no message, as the keys'
// order says, and the stable order of a strict weak order is the one the merge sort gives.
// Nullopt, with nothing done, when the general sort must answer: fewer than 2 or more than
// kMaxItems items, an item that is not a context, a key that is absent or not a number, the call
// depth at its limit (each comparison is a call that would trip it), or the evaluation limit
// already reached.
std::optional<Value> SortByKeys(const SortKeys& keys, const Value& list, const EvalContext& ctx);

}  // namespace zebra::feel::internal
