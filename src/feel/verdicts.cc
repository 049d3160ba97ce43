// Conditions answered as verdicts (true / false / anything else) rather than as boolean Values:
// `if` reads its condition, `and` / `or` their operands this way, and the comparison nodes
// answer it with the checks their Evals make (eval.cc), the same diagnostics where those report.
// A verdict is returned in a register; the Value it replaces was built in the caller's frame,
// inspected and destroyed for every condition.
#include <compare>
#include <string>

#include "feel/builtins.h"
#include "feel/comparisons.h"
#include "feel/nodes.h"

namespace zebra::feel::internal {


Verdict Node::EvalVerdict(Frame& f) const {
  ScratchValue tmp;
  return VerdictOfValue(EvalRefOf(*this, f, tmp));
}

Verdict EqualNode::EvalVerdict(Frame& f) const {
  ScratchValue a_tmp, b_tmp;
  const Value& a = EvalRefOf(*lhs, f, a_tmp);
  const Value& b = EvalRefOf(*rhs, f, b_tmp);
  return EqualityVerdict(a, b, op == BinaryOp::kEq, *f.ctx);
}

Verdict NullTestNode::EvalVerdict(Frame& f) const {
  ScratchValue a_tmp;
  return VerdictOfBool(EvalRefOf(*lhs, f, a_tmp).is_null() == (op == BinaryOp::kEq));
}

Verdict EqualStringNode::EvalVerdict(Frame& f) const {
  ScratchValue a_tmp;
  const Value& a = EvalRefOf(*lhs, f, a_tmp);
  const Value& b = static_cast<const LiteralNode&>(*rhs).value;
  const bool eq = op == BinaryOp::kEq;
  if (a.is(Type::kString)) return VerdictOfBool(SameString(a.string(), b.string()) == eq);
  if (a.is_null()) return VerdictOfBool(!eq);  // null equals only null
  return EqualityVerdict(a, b, eq, *f.ctx);
}

Verdict OrderNumberNode::EvalVerdict(Frame& f) const {
  ScratchValue a_tmp;
  const Value& a = EvalRefOf(*lhs, f, a_tmp);
  const Value& b = static_cast<const LiteralNode&>(*rhs).value;
  if (a.is(Type::kNumber)) return OrderedVerdict(op, a.number().Compare(b.number()));
  if (a.is_null()) return Verdict::kOther;
  return OrderVerdict(op, a, b, *f.ctx);
}

Verdict OrderNode::EvalVerdict(Frame& f) const {
  ScratchValue a_tmp, b_tmp;
  const Value& a = EvalRefOf(*lhs, f, a_tmp);
  const Value& b = EvalRefOf(*rhs, f, b_tmp);
  return OrderVerdict(op, a, b, *f.ctx);
}

// Ternary logic (DMN 1.5 Table 49): false wins for and, true wins for or; otherwise null. The
// right operand is evaluated unless the left one decides (false for and, true for or), as before.
Verdict AndNode::EvalVerdict(Frame& f) const {
  const Verdict a = VerdictOf(*lhs, f);
  if (a == Verdict::kFalse) return Verdict::kFalse;
  const Verdict b = VerdictOf(*rhs, f);
  if (b == Verdict::kFalse) return Verdict::kFalse;
  return a == Verdict::kTrue && b == Verdict::kTrue ? Verdict::kTrue : Verdict::kOther;
}

Verdict OrNode::EvalVerdict(Frame& f) const {
  const Verdict a = VerdictOf(*lhs, f);
  if (a == Verdict::kTrue) return Verdict::kTrue;
  const Verdict b = VerdictOf(*rhs, f);
  if (b == Verdict::kTrue) return Verdict::kTrue;
  return a == Verdict::kFalse && b == Verdict::kFalse ? Verdict::kFalse : Verdict::kOther;
}

Verdict InNode::EvalVerdict(Frame& f) const {
  ScratchValue tmp;
  return VerdictOfValue(tests->Test(EvalRefOf(*value, f, tmp), f));
}

// FastCallNode::Eval's answer (eval.cc), classified where it is made.
template <size_t kArity>
Verdict FastCallNode<kArity>::EvalVerdict(Frame& f) const {
  ScratchValue tmp[kArity];
  const Value* a[2];
  for (size_t i = 0; i < kArity; ++i) a[i] = &EvalRefOf(*args[i], f, tmp[i]);
  Value out;
  if constexpr (kArity == 2)
    if (indexed && a[0]->is(Type::kList) && a[1]->is(Type::kString) && FromIndex(*a[0], *a[1], out))
      return VerdictOfValue(out);
  if (fast(a, out)) return VerdictOfValue(out);
  return VerdictOfValue(CallBuiltin(a, kArity, *f.ctx));
}
template Verdict FastCallNode<1>::EvalVerdict(Frame& f) const;
template Verdict FastCallNode<2>::EvalVerdict(Frame& f) const;

Value AndNode::Eval(Frame& f) const { return ValueOfVerdict(AndNode::EvalVerdict(f)); }
Value OrNode::Eval(Frame& f) const { return ValueOfVerdict(OrNode::EvalVerdict(f)); }

}  // namespace zebra::feel::internal
