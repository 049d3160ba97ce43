// `if count(x) > 0 then x[1].a else d` (the Ranking's `weight`, `up` and `tie` entries): the
// general `if` evaluates x for the count and again for the then-branch (`index of(Rank Tie Order,
// o.id)` searched twice), then the filter and the path each through their own calls. Here x is
// evaluated once, as the count reads it; when the count says yes and x is a non-empty list whose
// read reported nothing, the then-branch's answer is the first item and its path's entries read
// from it. Every other case goes the general way from where it stands.
#include "feel/first_or_else.h"

#include <typeinfo>

#include "feel/builtins.h"
#include "feel/list_idioms.h"
#include "feel/nodes.h"

namespace zebra::feel::internal {

namespace {

constexpr int kMaxDepth = 16;  // (deeper expressions stay general)

// Whether evaluating `n` has no effect but its answer and its diagnostics, and answers the same
// when evaluated again with nothing evaluated in between: a name (its slot, or an item's entry
// that shadows it), a literal, a path over such, `index of` of such. Nothing here writes a slot,
// counts an iteration or calls a user function.
bool Pure(const Node& n, int depth = 0) {
  if (depth > kMaxDepth) return false;
  if (dynamic_cast<const LocalRefNode*>(&n) || dynamic_cast<const GlobalRefNode*>(&n) ||
      dynamic_cast<const LiteralNode*>(&n))
    return true;
  if (const auto* p = dynamic_cast<const PathNode*>(&n)) return p->target && Pure(*p->target, depth + 1);
  if (const auto* c = dynamic_cast<const CallNode*>(&n)) {
    if (!c->builtin || c->callee || !c->arg_names.empty() || c->callee_name != "index of") return false;
    for (const auto& a : c->args)
      if (!a || !Pure(*a, depth + 1)) return false;
    return true;
  }
  return false;
}

// Whether `a` and `b` (both Pure) are the same expression: the same kinds, names, slots,
// literals and built-ins, so that evaluating either gives the same answer and diagnostics.
bool Same(const Node& a, const Node& b, int depth = 0) {
  if (depth > kMaxDepth) return false;
  if (typeid(a) != typeid(b) || a.direct != b.direct || a.direct_slot != b.direct_slot) return false;
  if (const auto* l = dynamic_cast<const LocalRefNode*>(&a)) {
    const auto& m = static_cast<const LocalRefNode&>(b);
    return l->slot == m.slot && l->name == m.name && l->shadowable == m.shadowable;
  }
  if (const auto* g = dynamic_cast<const GlobalRefNode*>(&a)) {
    const auto& h = static_cast<const GlobalRefNode&>(b);
    return g->slot == h.slot && g->name == h.name && g->shadowable == h.shadowable;
  }
  if (const auto* x = dynamic_cast<const LiteralNode*>(&a)) {
    const Value& u = x->value;
    const Value& v = static_cast<const LiteralNode&>(b).value;
    if (u.type() != v.type()) return false;
    if (u.is(Type::kString)) return u.string() == v.string();
    if (u.is(Type::kNumber) || u.is(Type::kBoolean) || u.is_null()) return ToFeelLiteral(u) == ToFeelLiteral(v);
    return false;
  }
  if (const auto* p = dynamic_cast<const PathNode*>(&a)) {
    const auto& q = static_cast<const PathNode&>(b);
    return p->name == q.name && p->target && q.target && Same(*p->target, *q.target, depth + 1);
  }
  if (const auto* c = dynamic_cast<const CallNode*>(&a)) {
    const auto& d = static_cast<const CallNode&>(b);
    if (c->builtin != d.builtin || c->callee_name != d.callee_name || c->callee || d.callee ||
        !c->arg_names.empty() || !d.arg_names.empty() || c->args.size() != d.args.size())
      return false;
    for (size_t i = 0; i < c->args.size(); ++i)
      if (!c->args[i] || !d.args[i] || !Same(*c->args[i], *d.args[i], depth + 1)) return false;
    return true;
  }
  return false;
}

struct FirstOrElseNode final : IfNode {
  const Node* count_arg = nullptr;   // x, as the condition (a CountCompareNode) reads it
  const FilterNode* first = nullptr;  // `x[1]`
  const PathNode* path = nullptr;     // the path over `x[1]` (its steps), or null

  // The then-branch's answer for the first item as PathNode::EvalChain reads it, when the path's
  // steps go through shaped contexts whose shapes they have cached (ReachSteps: an entry, or
  // null over null or for a missing key); null when the path must read it (an unshaped context,
  // a shape not met yet, a property of a date, a diagnostic): then the branch is evaluated.
  const Value* Steps(const Value& item) const { return path ? ReachSteps(*path, &item) : &item; }

  Value Eval(Frame& f) const override {
    EvalContext& ctx = *f.ctx;
    const size_t reported = ctx.diagnostic_count();
    // The condition's read of x (CountCompareNode::EvalVerdict), then its verdict.
    ScratchValue tmp;
    const Value& x = EvalRefOf(*count_arg, f, tmp);
    if (CountCompareVerdict(*condition, x, f) != Verdict::kTrue) return EvalOf(*else_branch, f);
    // The then-branch would read x again: the same list, and no diagnostic when this read
    // reported none. `x[1]` is its first item, and the filter leaves that item in its slot.
    if (x.is(Type::kList) && !x.list().empty() && ctx.diagnostic_count() == reported && !ctx.limit_exceeded)
        [[likely]] {
      const Value& item = x.list()[0];
      if (const Value* v = Steps(item)) {
        Value answer = *v;
        if (first->writes_item) f.locals[first->item_slot] = item;
        return answer;
      }
    }
    return EvalOf(*then_branch, f);
  }
};

}  // namespace

NodePtr SpecialisedFirstOrElse(const std::shared_ptr<IfNode>& general) {
  if (!general || !general->condition || !general->then_branch || !general->else_branch) return nullptr;
  const IfNode& g = *general;
  if (typeid(g) != typeid(IfNode)) return nullptr;
  const Node* x = CountCompareArg(*general->condition);
  if (!x || !Pure(*x)) return nullptr;
  const Node& then = *general->then_branch;
  const PathNode* path = nullptr;
  const FilterNode* filter = nullptr;
  if (typeid(then) == typeid(PathNode)) {
    path = static_cast<const PathNode*>(&then);
    if (path->chain_length == 0 || path->steps[path->chain_length - 1] != path) return nullptr;
    filter = dynamic_cast<const FilterNode*>(path->root);
    if (!filter || path->steps[0]->target.get() != filter) return nullptr;
  } else {
    filter = dynamic_cast<const FilterNode*>(&then);
  }
  if (!filter || typeid(*filter) != typeid(FilterNode) || !filter->target || !filter->literal_index ||
      filter->literal_position != 1 || filter->first_of)
    return nullptr;
  if (!Same(*x, *filter->target)) return nullptr;
  auto n = std::make_shared<FirstOrElseNode>();
  n->line = general->line;
  n->column = general->column;
  n->direct = general->direct;
  n->direct_slot = general->direct_slot;
  n->condition = general->condition;
  n->then_branch = general->then_branch;
  n->else_branch = general->else_branch;
  n->count_arg = x;
  n->first = filter;
  n->path = path;
  return n;
}

}  // namespace zebra::feel::internal
