#include "feel/list_calls.h"

#include <memory>
#include <optional>
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
struct ConcatenateCall : CallNode {};  // any ConcatenateNode (SumConcatenateNode reads their arguments)

template <size_t kArgs>
struct ConcatenateNode final : ConcatenateCall {
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

// `sum(concatenate(a1, ..., an))` (`sum(concatenate([0], for h in hits return h.points))`): the
// arguments read as ConcatenateNode reads them; when all are lists of numbers, not all empty,
// their items are added in order from zero as SumOfList adds the concatenation's, without the
// concatenated list; anything else (null, a value that is no list, an item that is no number, an
// overflow) makes the concatenation and answers as SumNode does for it.
template <size_t kArgs>
struct SumConcatenateNode final : CallNode {
  const CallNode* concatenate = nullptr;  // args[0]
  Value Eval(Frame& f) const override {
    ScratchValue tmp[kArgs];
    const Value* a[kArgs];
    for (size_t i = 0; i < kArgs; ++i) a[i] = &EvalRefOf(*concatenate->args[i], f, tmp[i]);
    if (const std::optional<Decimal> total = SumOfNumberLists(a)) return Value::Number(*total);
    const Value c = builtins_internal::ConcatenateOf(kArgs, [&](size_t i) -> const Value& { return *a[i]; });
    if (c.is(Type::kList)) return builtins_internal::SumOfList(c.list(), *f.ctx);
    return impl(std::span<const Value>(&c, 1), *f.ctx);
  }
  // The sum of the items of `a`, all lists of numbers with at least one item among them; else
  // nullopt (also on overflow, which the general path reports).
  static std::optional<Decimal> SumOfNumberLists(const Value* const (&a)[kArgs]) {
    size_t items = 0;
    for (size_t i = 0; i < kArgs; ++i) {
      if (!a[i]->is(Type::kList)) return std::nullopt;
      for (const Value& v : a[i]->list())
        if (!v.is(Type::kNumber)) return std::nullopt;
      items += a[i]->list().size();
    }
    if (items == 0) return std::nullopt;
    Decimal total;
    for (size_t i = 0; i < kArgs; ++i)
      for (const Value& v : a[i]->list()) {
        const std::optional<Decimal> t = total.Add(v.number());
        if (!t) return std::nullopt;
        total = *t;
      }
    return total;
  }
};

template <size_t... kArgs>
std::shared_ptr<CallNode> SumConcatenateOfArity(const CallNode& call, const CallNode& inner,
                                                std::index_sequence<kArgs...>) {
  std::shared_ptr<CallNode> n;
  auto make = [&]<size_t k>() {
    auto s = Respecialised<SumConcatenateNode<k>>(call);
    s->concatenate = &inner;
    n = std::move(s);
  };
  ((inner.args.size() == kArgs + 1 ? (void)make.template operator()<kArgs + 1>() : void()), ...);
  return n;
}

}  // namespace

std::shared_ptr<CallNode> SpecialisedListCall(const CallNode& call) {
  if (!call.builtin || !call.impl || !call.arg_names.empty() || call.fast) return nullptr;
  if (call.callee_name == "concatenate" && !call.args.empty() && call.args.size() <= kMaxConcatenateArgs)
    return ConcatenateOfArity(call, std::make_index_sequence<kMaxConcatenateArgs>());
  if (call.callee_name == "sum" && call.args.size() == 1) {
    if (const auto* inner = dynamic_cast<const ConcatenateCall*>(call.args[0].get()))
      if (auto n = SumConcatenateOfArity(call, *inner, std::make_index_sequence<kMaxConcatenateArgs>())) return n;
    return Respecialised<SumNode>(call);
  }
  return nullptr;
}

}  // namespace zebra::feel::internal
