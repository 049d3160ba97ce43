#include "feel/context_put_node.h"

#include <span>

namespace zebra::feel::internal {

bool PutsInPlace(const Value& target, const Value& key) {
  // use_count() is 0 for an immortal constant (MakeImmortal), which is never changed. A
  // borrowed copy of a value (Value::Borrow) counts nothing, but borrows only from a value that
  // holds a count and outlives it, so it cannot be borrowing this one: a count of 1 is `target`
  // alone. No other thread can hold it either (it would count).
  return target.is(Type::kContext) && key.is(Type::kString) && target.context_ptr().use_count() == 1;
}

Value ContextPutNode::Eval(Frame& f) const {
  // The arguments in order, each an owned copy, as CallNode::Eval makes them.
  Value a[3] = {EvalOf(*args[0], f), EvalOf(*args[1], f), EvalOf(*args[2], f)};
  if (PutsInPlace(a[0], a[1])) {
    // Contexts are made as non-const objects (Value::FromContext, MakeContextValue), so the one
    // this call owns may change.
    const_cast<Context&>(a[0].context()).Put(a[1].string(), std::move(a[2]));
    return std::move(a[0]);
  }
  return impl(std::span<const Value>(a, 3), *f.ctx);
}

}  // namespace zebra::feel::internal
