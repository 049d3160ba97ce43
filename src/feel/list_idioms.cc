// Common FEEL list idioms of the knowledge, each answered as its general nodes answer it.
#include "feel/list_idioms.h"

#include <compare>
#include <cstdint>
#include <optional>

namespace zebra::feel::internal {

namespace {

// `count(e) op k`: an existence or size test (`count(priors[...]) > 0`, `count(invades) = 0`).
// The general nodes make count's number and compare it as a decimal; here a list's size is
// compared with k as integers, and an empty list behind a filter over a name is answered
// without running the filter (the filter's own answer for it is the empty list).
struct CountCompareNode final : Node {
  BinaryOp op = BinaryOp::kGt;
  int64_t bound = 0;
  const CallNode* call = nullptr;  // `count(e)`, a FastCallNode<1>
  NodePtr arg;                     // e
  // e is `name[predicate]` with an item test that gives only booleans and nulls (no index form)
  // and a name read from its slot (not inside a filter, where an item entry could shadow it):
  // for an empty list there the filter answers the empty list without evaluating anything.
  const Node* filter_target = nullptr;
  NodePtr general;  // the comparison replaced (kept with its operands)

  Value Answer(std::strong_ordering c) const {
    switch (op) {
      case BinaryOp::kEq: return Value::Bool(c == 0);
      case BinaryOp::kNe: return Value::Bool(c != 0);
      case BinaryOp::kLt: return Value::Bool(c < 0);
      case BinaryOp::kLe: return Value::Bool(c <= 0);
      case BinaryOp::kGt: return Value::Bool(c > 0);
      default: return Value::Bool(c >= 0);
    }
  }

  Value Eval(Frame& f) const override {
    if (filter_target) {
      const Value& t = filter_target->direct == Direct::kGlobal
                           ? f.globals[static_cast<size_t>(filter_target->direct_slot)]
                           : f.locals[filter_target->direct_slot];
      if (t.is(Type::kList) && t.list().empty()) return Answer(int64_t{0} <=> bound);
    }
    // FastCallNode<1>::Eval's argument, borrowed.
    ScratchValue tmp;
    const Value& v = EvalRefOf(*arg, f, tmp);
    if (v.is(Type::kList)) return Answer(static_cast<int64_t>(v.list().size()) <=> bound);
    // Anything else as count gives it (null for null, else the built-in: a number), then
    // compared as EqualNode / OrderNumberNode compare it with the literal.
    const Value* a[1] = {&v};
    Value c;
    if (!call->fast(a, c)) c = call->CallBuiltin(a, 1, *f.ctx);
    if (c.is(Type::kNumber)) return Answer(c.number().Compare(Decimal::FromInt(bound)));
    if (c.is_null()) {
      if (op == BinaryOp::kEq) return Value::Bool(false);  // null equals only null
      if (op == BinaryOp::kNe) return Value::Bool(true);
      return Value();  // an order with null is null
    }
    return general->Eval(f);  // (count gives a number or null: not reached)
  }

  // Eval's answer as a verdict (the same reads, calls and comparisons).
  static Verdict Of(bool b) { return b ? Verdict::kTrue : Verdict::kFalse; }
  Verdict VerdictOf(std::strong_ordering c) const {
    switch (op) {
      case BinaryOp::kEq: return Of(c == 0);
      case BinaryOp::kNe: return Of(c != 0);
      case BinaryOp::kLt: return Of(c < 0);
      case BinaryOp::kLe: return Of(c <= 0);
      case BinaryOp::kGt: return Of(c > 0);
      default: return Of(c >= 0);
    }
  }
  Verdict EvalVerdict(Frame& f) const override {
    if (filter_target) {
      const Value& t = filter_target->direct == Direct::kGlobal
                           ? f.globals[static_cast<size_t>(filter_target->direct_slot)]
                           : f.locals[filter_target->direct_slot];
      if (t.is(Type::kList) && t.list().empty()) return VerdictOf(int64_t{0} <=> bound);
    }
    ScratchValue tmp;
    return VerdictFor(EvalRefOf(*arg, f, tmp), f);
  }
  // The verdict for e's value `v` (read once by the caller).
  [[gnu::always_inline]] Verdict VerdictFor(const Value& v, Frame& f) const {
    if (v.is(Type::kList)) return VerdictOf(static_cast<int64_t>(v.list().size()) <=> bound);
    const Value* a[1] = {&v};
    Value c;
    if (!call->fast(a, c)) c = call->CallBuiltin(a, 1, *f.ctx);
    if (c.is(Type::kNumber)) return VerdictOf(c.number().Compare(Decimal::FromInt(bound)));
    if (c.is_null()) {
      if (op == BinaryOp::kEq) return Verdict::kFalse;  // null equals only null
      if (op == BinaryOp::kNe) return Verdict::kTrue;
      return Verdict::kOther;  // an order with null is null
    }
    return general->EvalVerdict(f);  // (count gives a number or null: not reached)
  }
};

}  // namespace

NodePtr SpecialisedCountCompare(BinaryOp op, const NodePtr& lhs, const NodePtr& rhs, NodePtr general) {
  if (op == BinaryOp::kAdd || op == BinaryOp::kSub || op == BinaryOp::kMul || op == BinaryOp::kDiv ||
      op == BinaryOp::kPow)
    return general;
  const auto* lit = dynamic_cast<const LiteralNode*>(rhs.get());
  if (!lit || !lit->value.is(Type::kNumber)) return general;
  const std::optional<int64_t> bound = lit->value.number().ToInt64();
  if (!bound || !lit->value.number().IsInteger()) return general;
  const auto* call = dynamic_cast<const FastCallNode<1>*>(lhs.get());
  if (!call || call->callee_name != "count" || !call->fast || call->args.size() != 1 || !call->arg_names.empty())
    return general;
  auto n = std::make_shared<CountCompareNode>();
  n->line = general->line;
  n->column = general->column;
  n->op = op;
  n->bound = *bound;
  n->call = call;
  n->arg = call->args[0];
  if (const auto* filter = dynamic_cast<const FilterNode*>(n->arg.get());
      filter && !filter->literal_index && filter->index_slot < 0 && filter->item_test && filter->item_test->pure &&
      (filter->target->direct == Node::Direct::kGlobal || filter->target->direct == Node::Direct::kLocal))
    n->filter_target = filter->target.get();
  n->general = std::move(general);
  return n;
}

const Node* CountCompareArg(const Node& n) {
  const auto* c = dynamic_cast<const CountCompareNode*>(&n);
  return c && !c->filter_target ? c->arg.get() : nullptr;
}

Verdict CountCompareVerdict(const Node& n, const Value& v, Frame& f) {
  return static_cast<const CountCompareNode&>(n).VerdictFor(v, f);
}

const Node* GeneralFormOf(const Node& n) {
  const auto* c = dynamic_cast<const CountCompareNode*>(&n);
  return c ? c->general.get() : nullptr;
}

}  // namespace zebra::feel::internal
