// Internal: `context put(c, key, value)` as a call node of its own, which may put the entry into a
// context that the call alone holds instead of copying it (nested puts, `context put(context
// put(c, "a", x), "b", y)`, copy each context once).
#pragma once

#include "feel/builtins.h"
#include "feel/nodes.h"
#include "feel/shaped_position.h"

namespace zebra::feel::internal {

// A positional call of the built-in `context put` with three arguments (`impl` is its
// overload). When the first argument evaluates to a context whose only owner is this call's
// copy of it (a use count of 1: the result of an inner call or of any expression that made it,
// never a constant, a name's value or a list's item, which all hold it too) and the key is a
// string, the entry is put into that context itself: no one else can see the change, and the
// answer is the one the built-in gives from its copy. Every other case is the built-in's.
struct ContextPutNode final : CallNode {
  Value Eval(Frame& f) const override;
  // Where a literal key sits in the shaped contexts this call puts into (found once per shape):
  // the entry replaced by index, as Context::Put replaces it, without hashing the key.
  ShapedPosition key_seen;
  // Context::Put(key, v) on `c`, which this call may change.
  void PutInto(Context& c, const Value& key, Value v, bool literal_key) const;
};

// Whether the built-in's copy may be skipped: `target` a context only `target` owns, `key` a string.
bool PutsInPlace(const Value& target, const Value& key);

}  // namespace zebra::feel::internal
