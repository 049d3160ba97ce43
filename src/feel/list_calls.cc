#include "feel/list_calls.h"

#include <memory>
#include <span>
#include <utility>

#include "feel/builtins_util.h"

namespace zebra::feel::internal {

namespace {

// `concatenate(a1, ..., an)` with up to kMaxArgs arguments: each argument read by EvalRefOf
// (a name's slot or an entry borrowed, a computed one in its scratch value), in order, as
// CallNode::Eval evaluates them; a later argument writes no slot an earlier one was read from
// (a construct writes only the slots it declares, above those of the names around it).
// One node kind per number of arguments (kArgs), so that only the scratch values it uses are
// made and released.
template <size_t kArgs>
struct ConcatenateNode final : CallNode {
  Value Eval(Frame& f) const override {
    ScratchValue tmp[kArgs];
    const Value* a[kArgs];
    for (size_t i = 0; i < kArgs; ++i) a[i] = &EvalRefOf(*args[i], f, tmp[i]);
    return builtins_internal::ConcatenateOf(kArgs, [&](size_t i) -> const Value& { return *a[i]; });
  }
};
constexpr size_t kMaxConcatenateArgs = 8;

template <size_t... kArgs>
std::shared_ptr<CallNode> ConcatenateOfArity(const CallNode& call, std::index_sequence<kArgs...>) {
  std::shared_ptr<CallNode> n;
  ((call.args.size() == kArgs + 1 ? (void)(n = Respecialised<ConcatenateNode<kArgs + 1>>(call)) : void()), ...);
  return n;
}

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
  if (call.callee_name == "concatenate" && !call.args.empty() && call.args.size() <= kMaxConcatenateArgs)
    return ConcatenateOfArity(call, std::make_index_sequence<kMaxConcatenateArgs>());
  if (call.callee_name == "sum" && call.args.size() == 1) return Respecialised<SumNode>(call);
  return nullptr;
}

}  // namespace zebra::feel::internal
