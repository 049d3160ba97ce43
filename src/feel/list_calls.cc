#include "feel/list_calls.h"

#include <memory>
#include <span>

#include "feel/builtins_util.h"

namespace zebra::feel::internal {

namespace {

// `concatenate(a1, ..., an)` with up to kMaxArgs arguments: each argument read by EvalRefOf
// (a name's slot or an entry borrowed, a computed one in its scratch value), in order, as
// CallNode::Eval evaluates them; a later argument writes no slot an earlier one was read from
// (a construct writes only the slots it declares, above those of the names around it).
struct ConcatenateNode final : CallNode {
  static constexpr size_t kMaxArgs = 8;
  Value Eval(Frame& f) const override {
    ScratchValue tmp[kMaxArgs];
    const Value* a[kMaxArgs];
    const size_t n = args.size();
    for (size_t i = 0; i < n; ++i) a[i] = &EvalRefOf(*args[i], f, tmp[i]);
    return builtins_internal::ConcatenateOf(n, [&](size_t i) -> const Value& { return *a[i]; });
  }
};

// `sum(e)`: e read in place; a list's numbers added from the list itself (SumOfList), anything
// else the built-in's answer from a copy (as CallNode::Eval gives it).
struct SumNode final : CallNode {
  Value Eval(Frame& f) const override {
    ScratchValue tmp;
    const Value& a = EvalRefOf(*args[0], f, tmp);
    if (a.is(Type::kList)) return builtins_internal::SumOfList(a.list(), *f.ctx);
    const Value copy = a;
    return impl(std::span<const Value>(&copy, 1), *f.ctx);
  }
};

}  // namespace

std::shared_ptr<CallNode> SpecialisedListCall(const CallNode& call) {
  if (!call.builtin || !call.impl || !call.arg_names.empty() || call.fast) return nullptr;
  if (call.callee_name == "concatenate" && !call.args.empty() && call.args.size() <= ConcatenateNode::kMaxArgs)
    return Respecialised<ConcatenateNode>(call);
  if (call.callee_name == "sum" && call.args.size() == 1) return Respecialised<SumNode>(call);
  return nullptr;
}

}  // namespace zebra::feel::internal
