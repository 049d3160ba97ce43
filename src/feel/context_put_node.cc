#include "feel/context_put_node.h"

#include <memory>
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
  // The arguments in order, as CallNode::Eval evaluates them; the context read in place (a
  // name's slot, an entry: the arguments after it write no slot it could be read from) or made
  // into `target_tmp`, which then owns it.
  ScratchValue target_tmp;
  const Value& target = EvalRefOf(*args[0], f, target_tmp);
  Value key = EvalOf(*args[1], f);
  Value value = EvalOf(*args[2], f);
  if (target.is(Type::kContext) && key.is(Type::kString)) {
    Value& owned = target_tmp.get();
    if (&target == &owned && PutsInPlace(owned, key)) {
      // Contexts are made as non-const objects (Value::FromContext, MakeContextValue), so the
      // one this call owns may change.
      const_cast<Context&>(owned.context()).Put(key.string(), std::move(value));
      return std::move(owned);
    }
    // The built-in's copy (ContextPut in builtins_context.cc: the entries copied, then the
    // entry put), made in its shared block rather than moved into one.
    auto copy = std::allocate_shared<Context>(ValueAllocator<Context>(), target.context());
    copy->Put(key.string(), std::move(value));
    return Value::FromContext(ContextPtr(std::move(copy)));
  }
  const Value a[3] = {target, std::move(key), std::move(value)};
  return impl(std::span<const Value>(a, 3), *f.ctx);
}

}  // namespace zebra::feel::internal
