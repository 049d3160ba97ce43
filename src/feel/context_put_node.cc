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

void ContextPutNode::PutInto(Context& c, const Value& key, Value v, bool literal_key) const {
  if (literal_key && c.shape()) {
    // Contexts are made as non-const objects (Value::FromContext, MakeContextValue), and `c` is
    // this call's own: its entry may change in place.
    if (const Value* at = key_seen.Find(c, key.string())) {
      const_cast<Value&>(*at) = std::move(v);
      return;
    }
  }
  c.Put(key.string(), std::move(v));
}

Value ContextPutNode::Eval(Frame& f) const {
  // The arguments in order, as CallNode::Eval evaluates them; the context read in place (a
  // name's slot, an entry: the arguments after it write no slot it could be read from) or made
  // into `target_tmp`, which then owns it; the key too (a literal read where it lies).
  ScratchValue target_tmp;
  const Value& target = EvalRefOf(*args[0], f, target_tmp);
  ScratchValue key_tmp;
  const Value& key = EvalRefOf(*args[1], f, key_tmp);
  Value value = EvalOf(*args[2], f);
  if (target.is(Type::kContext) && key.is(Type::kString)) {
    // Only a literal key is the same at every call (key_seen caches one name).
    const bool literal_key = args[1]->direct == Node::Direct::kLiteral;
    Value& owned = target_tmp.get();
    if (&target == &owned && PutsInPlace(owned, key)) {
      PutInto(const_cast<Context&>(owned.context()), key, std::move(value), literal_key);
      return std::move(owned);
    }
    // The built-in's copy (ContextPut in builtins_context.cc: the entries copied, then the
    // entry put), made in its shared block rather than moved into one.
    auto copy = std::allocate_shared<Context>(ValueAllocator<Context>(), target.context());
    PutInto(*copy, key, std::move(value), literal_key);
    return Value::FromContext(ContextPtr(std::move(copy)));
  }
  const Value a[3] = {target, key, std::move(value)};
  return impl(std::span<const Value>(a, 3), *f.ctx);
}

}  // namespace zebra::feel::internal
