// `for` loops over a path of their variable, and the null-coalescing `if`: the general nodes'
// answers (values, diagnostics, iteration count, the loop variable's slot afterwards) with less
// done per item or per read.
#include "feel/loop_paths.h"

#include <typeinfo>
#include <utility>

namespace zebra::feel::internal {

namespace {

// The steps of `path` over `item`, as PathNode::Reach reads them from a slot holding `item`.
[[gnu::always_inline]] inline const Value* Project(const PathNode& path, const Value& item) {
  return ReachSteps(path, &item);
}

// Whether `a` and `b` read the same thing the same way: the same name (global or local slot,
// shadowable alike) or the same steps over it. Reading either has no effect but diagnostics.
bool SameRead(const Node& a, const Node& b) {
  if (typeid(a) != typeid(b) || a.direct != b.direct || a.direct_slot != b.direct_slot) return false;
  if (const auto* p = dynamic_cast<const PathNode*>(&a)) {
    const auto& q = static_cast<const PathNode&>(b);
    return p->name == q.name && p->target && q.target && SameRead(*p->target, *q.target);
  }
  if (const auto* l = dynamic_cast<const LocalRefNode*>(&a)) {
    const auto& m = static_cast<const LocalRefNode&>(b);
    return l->slot == m.slot && l->name == m.name && l->shadowable == m.shadowable;
  }
  if (const auto* g = dynamic_cast<const GlobalRefNode*>(&a)) {
    const auto& h = static_cast<const GlobalRefNode&>(b);
    return g->slot == h.slot && g->name == h.name && g->shadowable == h.shadowable;
  }
  return false;
}

// `if x = null then d else x` (`op` kEq) or `if x != null then x else d` (kNe): x is read once
// and, when not null, is the answer, unless that read reported something (a property of a
// value that has none, say): then the branch reads it again, as the general node does, so the
// diagnostics come twice as they did. A name or path has no other effect (no iteration, no
// call), and reads the same value both times.
struct CoalesceNode final : IfNode {
  const BinaryNode* test = nullptr;  // `condition`, a NullTestNode
  const Node* when_null = nullptr;   // the branch taken when x is null (`d`)
  // The commonest reads of x: a slot, or a path that PathNode::Reach answers (null otherwise).
  // Neither reports anything nor counts an iteration, so x is the answer as it stands (the
  // general read would find the same x and no new diagnostic).
  [[gnu::always_inline]] const Value* Quick(Frame& f) const {
    const Node& lhs = *test->lhs;
    switch (lhs.direct) {
      case Node::Direct::kGlobal: return &f.globals[static_cast<size_t>(lhs.direct_slot)];
      case Node::Direct::kLocal: return &f.locals[lhs.direct_slot];
      case Node::Direct::kPath: return static_cast<const PathNode&>(lhs).Reach(f);
      default: return nullptr;
    }
  }
  Value Eval(Frame& f) const override {
    const Value* x = Quick(f);
    if (!x) [[unlikely]]
      return EvalGeneral(f);
    if (x->is_null()) return EvalOf(*when_null, f);
    return *x;
  }
  // Read in place (as an argument of `concatenate`, a filter's list): x where it lies (a slot,
  // or inside a slot's value, as the path's own EvalRef gives it), or the other branch's.
  const Value& EvalRef(Frame& f, Value& tmp) const override {
    const Value* x = Quick(f);
    if (!x) [[unlikely]] {
      tmp = EvalGeneral(f);
      return tmp;
    }
    if (x->is_null()) return EvalRefOf(*when_null, f, tmp);
    return *x;
  }
  [[gnu::noinline]] Value EvalGeneral(Frame& f) const {
    EvalContext& ctx = *f.ctx;
    const size_t reported = ctx.diagnostic_count();
    const bool eq = test->op == BinaryOp::kEq;
    ScratchValue tmp;
    const Value& x = EvalRefOf(*test->lhs, f, tmp);
    if (x.is_null()) return EvalOf(eq ? *then_branch : *else_branch, f);
    if (ctx.diagnostic_count() != reported || ctx.limit_exceeded) [[unlikely]]
      return EvalOf(eq ? *else_branch : *then_branch, f);
    if (&x == &tmp.get()) return std::move(tmp.get());
    return x;
  }
};

}  // namespace

const PathNode* LoopProjection(const ForNode& loop) {
  if (loop.uses_partial || loop.iterators.size() != 1 || !loop.body) return nullptr;
  const Node& body = *loop.body;
  if (typeid(body) != typeid(PathNode)) return nullptr;
  const auto& path = static_cast<const PathNode&>(body);
  if (path.chain_length == 0 || path.steps[path.chain_length - 1] != &path || !path.root) return nullptr;
  const Node& root = *path.root;
  if (root.direct != Node::Direct::kLocal || root.direct_slot != loop.iterators[0].slot) return nullptr;
  const auto* name = dynamic_cast<const LocalRefNode*>(&root);
  if (!name || name->slot != loop.iterators[0].slot) return nullptr;
  return &path;
}

NodePtr SpecialisedCoalesce(std::shared_ptr<IfNullNode> general) {
  const BinaryNode* test = general->test;
  if (!test || !test->lhs) return general;
  const Node* same = test->op == BinaryOp::kEq ? general->else_branch.get()
                     : test->op == BinaryOp::kNe ? general->then_branch.get()
                                                 : nullptr;
  if (!same || !SameRead(*test->lhs, *same)) return general;
  auto n = std::make_shared<CoalesceNode>();
  n->line = general->line;
  n->column = general->column;
  n->direct = Node::Direct::kNone;  // EvalRefOf calls its EvalRef: x is read in place
  n->test = test;
  n->condition = general->condition;
  n->then_branch = general->then_branch;
  n->else_branch = general->else_branch;
  n->when_null = test->op == BinaryOp::kEq ? n->then_branch.get() : n->else_branch.get();
  return n;
}

// One iteration per item as ForNode::Eval's in-place loop makes it, with the body's path read
// from the item itself (Project) rather than through the slot and a virtual call; an item the
// projection cannot read is bound to the slot and the path itself reads it. The slot is left as
// BorrowedSlot leaves it: untouched when no item was reached, else holding the last item reached
// (null unless keeps_var).
Value ForNode::EvalProjection(Frame& f, const List& items) const {
  EvalContext& ctx = *f.ctx;
  const PathNode& path = *projection;
  Value& slot = f.locals[iterators[0].slot];
  const Value* last = nullptr;  // the last item reached
  bool released = false;        // the slot's value from before the loop is released
  auto leave = [&] {
    if (!last) return;
    if (!released) slot = Value();
    if (keeps_var) slot = *last;
  };
  List results(items.size());
  Value* out = results.data();
  for (const Value& v : items) {
    if (++ctx.iterations > ctx.max_iterations) {
      ctx.Error("iteration limit exceeded");
      ctx.limit_exceeded = true;
      leave();
      return Value();
    }
    last = &v;
    if (const Value* r = Project(path, v)) [[likely]] {
      *out++ = *r;
      continue;
    }
    if (!released) {
      slot = Value();
      released = true;
    }
    slot.Borrow(v);  // `items` outlives the read
    Value r = path.PathNode::Eval(f);
    slot.Unborrow();
    if (ctx.limit_exceeded) {
      leave();
      return Value();
    }
    *out++ = std::move(r);
  }
  leave();
  return Value::FromList(std::move(results));
}

}  // namespace zebra::feel::internal
