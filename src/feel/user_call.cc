// Calls of user functions answered as the general path (CallNode, UserFunction, the built-in
// sort) answers them, with less set-up per call.
#include "feel/user_call.h"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "feel/merge_sort.h"
#include "feel/sort_keys.h"

namespace zebra::feel::internal {

namespace {

std::string Describe(const Value& v) { return std::string(TypeName(v.type())); }  // (as eval.cc's)

// Whether evaluating `n` can write a slot of its frame, or read one that a fresh frame would
// hold differently from a reused one: only the node kinds below are known not to (they read
// names, compute, and call functions, which run in frames of their own); anything else (a
// construct that declares a name, a unary test that writes its input slot, a node kind added
// later) is taken to write.
bool WritesNoSlot(const Node* n, int depth = 0) {
  if (!n) return true;
  if (depth > 64) return false;  // (a deep body: the general path, rather than a deep walk)
  ++depth;
  auto all = [&](const std::vector<NodePtr>& v) {
    for (const auto& c : v)
      if (!WritesNoSlot(c.get(), depth)) return false;
    return true;
  };
  if (dynamic_cast<const LiteralNode*>(n) || dynamic_cast<const LocalRefNode*>(n) ||
      dynamic_cast<const GlobalRefNode*>(n) || dynamic_cast<const DynamicRefNode*>(n))
    return true;
  if (const auto* p = dynamic_cast<const PathNode*>(n)) return WritesNoSlot(p->target.get(), depth);
  if (const auto* b = dynamic_cast<const BinaryNode*>(n))
    return WritesNoSlot(b->lhs.get(), depth) && WritesNoSlot(b->rhs.get(), depth);
  if (const auto* a = dynamic_cast<const AndNode*>(n))
    return WritesNoSlot(a->lhs.get(), depth) && WritesNoSlot(a->rhs.get(), depth);
  if (const auto* o = dynamic_cast<const OrNode*>(n))
    return WritesNoSlot(o->lhs.get(), depth) && WritesNoSlot(o->rhs.get(), depth);
  if (const auto* i = dynamic_cast<const IfNode*>(n))
    return WritesNoSlot(i->condition.get(), depth) && WritesNoSlot(i->then_branch.get(), depth) &&
           WritesNoSlot(i->else_branch.get(), depth);
  if (const auto* neg = dynamic_cast<const NegateNode*>(n)) return WritesNoSlot(neg->operand.get(), depth);
  if (const auto* ac = dynamic_cast<const AddChainNode*>(n)) return all(ac->operands);
  if (const auto* l = dynamic_cast<const ListNode*>(n)) return all(l->items);
  if (const auto* c = dynamic_cast<const CallNode*>(n)) return WritesNoSlot(c->callee.get(), depth) && all(c->args);
  return false;
}

struct SortCallNode final : CallNode {
  const FunctionDefNode* def = nullptr;  // args[1]
  std::unique_ptr<const SortKeys> keys;  // the comparator's number keys (sort_keys.h), or null

  // CallNode::Eval for `sort` (ListFirst<Sort> in builtins_list.cc), with UserFunction::Call's
  // work per comparison reduced to binding the two parameters.
  Value Eval(Frame& f) const override {
    EvalContext& ctx = *f.ctx;
    // The general path evaluates the list, then the function (a closure: no effect but its
    // allocation), then sorts a copy; a null list is null, a non-list a list of one.
    Value list = EvalOf(*args[0], f);
    if (list.is_null()) return Value();
    if (keys && list.is(Type::kList))
      if (std::optional<Value> sorted = SortByKeys(*keys, list, ctx)) return std::move(*sorted);
    List items = list.is(Type::kList) ? List(list.list()) : List{list};
    if (items.size() < 2) return Value::FromList(std::move(items));  // (no comparison)
    // The frame every call would build: null but for the captured slots, read now as the closure
    // would copy them. The body reads only captured globals, which the current ones are.
    const size_t n = static_cast<size_t>(std::max(def->frame_size, 0));
    constexpr size_t kInline = 16;
    Value inline_slots[kInline];
    std::vector<Value> heap;
    Value* locals = inline_slots;
    if (n > kInline) {
      heap.resize(n);
      locals = heap.data();
    }
    for (int l : def->captured_locals) locals[l] = f.locals[l];
    Frame inner;
    inner.globals = f.globals;
    inner.locals = locals;
    inner.ctx = &ctx;
    Value& a = locals[def->params[0].first];
    Value& b = locals[def->params[1].first];
    auto precedes = [&](const Value& x, const Value& y) -> std::optional<bool> {
      // UserFunction::Call: the depth limit, the arguments borrowed (the items outlive the call).
      if (++ctx.depth > ctx.max_depth) {
        --ctx.depth;
        ctx.limit_exceeded = true;
        ctx.Error("call depth limit exceeded");
        return std::nullopt;
      }
      a.Borrow(x);
      b.Borrow(y);
      Value r = def->body->Eval(inner);
      a.Unborrow();
      b.Unborrow();
      --ctx.depth;
      // Sorter::Precedes.
      if (ctx.limit_exceeded) return std::nullopt;
      if (!r.is(Type::kBoolean)) {
        ctx.Error("sort: precedes must return a boolean, got " + ToFeelLiteral(r));
        return std::nullopt;
      }
      return r.boolean();
    };
    if (!MergeSort(items, precedes)) return Value();
    return Value::FromList(std::move(items));
  }
};

struct UserCallNode final : CallNode {
  static constexpr size_t kMaxArgs = 4;
  static constexpr size_t kInlineFrame = 16;

  Value Eval(Frame& f) const override {
    return Called(f, [](const Node& body, Frame& inner) { return body.Eval(inner); }, [](Value v) { return v; });
  }
  // The call's verdict (`if systemic(id) then ...`): the same call, with the body's verdict taken
  // as VerdictOf takes it instead of its value made and read back; everything else (errors, the
  // general path's answer) read as Node::EvalVerdict reads the value.
  Verdict EvalVerdict(Frame& f) const override {
    return Called(f, [](const Node& body, Frame& inner) { return VerdictOf(body, inner); },
                  [](const Value& v) { return VerdictOfValue(v); });
  }

  // The call, its body's answer given by `run(body, frame)`; any other answer (an error, the
  // general call's value) as `of(value)`.
  template <class Run, class Of>
  [[gnu::always_inline]] auto Called(Frame& f, Run run, Of of) const -> decltype(of(Value())) {
    EvalContext& ctx = *f.ctx;
    // CallNode::Eval: the callee first (borrowed: a slot or a temporary kept in `callee_tmp`;
    // evaluating the arguments writes no slot it could be read from).
    ScratchValue callee_tmp;
    const Value& callee_value = EvalRefOf(*callee, f, callee_tmp);
    if (!callee_value.is(Type::kFunction)) {
      if (!callee_name.empty()) return of(ctx.Error("unknown function '" + callee_name + "'"));
      return of(ctx.Error("cannot invoke " + Describe(callee_value)));
    }
    const Function& fn = callee_value.function();
    const size_t n = args.size();
    std::span<const Value> globals, locals;
    const FunctionDefNode* def = UserFunctionParts(fn, globals, locals);
    bool direct = def && !def->external && def->params.size() == n && def->frame_size >= 0 &&
                  static_cast<size_t>(def->frame_size) <= kInlineFrame;
    if (direct)
      for (const auto& t : def->param_types) direct = direct && !t;
    if (!direct) {
      // CallNode::Eval's positional call (no `impl`: the callee is not a bound built-in).
      Value values[kMaxArgs];
      for (size_t i = 0; i < n; ++i) values[i] = EvalOf(*args[i], f);
      return of(fn.Call(std::span<const Value>(values, n), ctx));
    }
    // UserFunction::Call's frame: null but for the captured slots, the parameters and the
    // function's own slot; only the frame's slots are made.
    const size_t size = static_cast<size_t>(def->frame_size);
    alignas(Value) unsigned char storage[kInlineFrame * sizeof(Value)];
    struct Slots {
      Value* p;
      size_t n;
      ~Slots() {
        for (size_t i = 0; i < n; ++i) p[i].~Value();
      }
    } slots{reinterpret_cast<Value*>(storage), size};
    for (size_t i = 0; i < size; ++i) new (slots.p + i) Value();
    // The arguments, all evaluated before the call's checks, as CallNode evaluates them.
    for (size_t i = 0; i < n; ++i) slots.p[def->params[i].first] = EvalOf(*args[i], f);
    if (++ctx.depth > ctx.max_depth) {
      --ctx.depth;
      ctx.limit_exceeded = true;
      return of(ctx.Error("call depth limit exceeded"));
    }
    for (size_t i = 0; i < locals.size(); ++i) slots.p[def->captured_locals[i]] = locals[i];
    if (def->self_slot >= 0 && static_cast<size_t>(def->self_slot) < size)
      slots.p[def->self_slot] = callee_value;  // (the function itself, as shared_from_this gives it)
    Frame inner;
    inner.globals = globals;
    inner.locals = slots.p;
    inner.ctx = &ctx;
    auto r = run(*def->body, inner);
    --ctx.depth;
    return r;
  }
};

}  // namespace

std::shared_ptr<CallNode> SpecialisedUserCall(const CallNode& call) {
  if (call.builtin || !call.callee || !call.arg_names.empty() || call.args.size() > UserCallNode::kMaxArgs)
    return nullptr;
  return Respecialised<UserCallNode>(call);
}

std::shared_ptr<CallNode> SpecialisedSort(const CallNode& call) {
  if (!call.builtin || !call.impl || call.callee_name != "sort" || call.args.size() != 2 || !call.arg_names.empty())
    return nullptr;
  const auto* def = dynamic_cast<const FunctionDefNode*>(call.args[1].get());
  if (!def || def->external || def->params.size() != 2 || !def->body) return nullptr;
  for (const auto& t : def->param_types)
    if (t) return nullptr;  // (a typed parameter's check stays the general path's)
  if (def->params[0].first == def->params[1].first) return nullptr;
  if (!WritesNoSlot(def->body.get())) return nullptr;
  auto n = Respecialised<SortCallNode>(call);
  n->def = def;
  n->keys = SortKeysOf(*def);
  return n;
}

}  // namespace zebra::feel::internal
