// Internal: FEEL's `=`, `!=`, `<`, `<=`, `>`, `>=` between two values, answered as a verdict
// (true / false / anything else). The comparison nodes' Evals (eval.cc) take these verdicts'
// values and their EvalVerdicts (verdicts.cc) the verdicts themselves, so the two cannot drift
// apart: one set of checks, one set of messages.
#pragma once

#include <compare>
#include <string>

#include "feel/nodes.h"

namespace zebra::feel::internal {

[[gnu::always_inline]] inline Verdict VerdictOfBool(bool b) { return b ? Verdict::kTrue : Verdict::kFalse; }

// `c op 0` for <, <=, > and >= (`op`).
[[gnu::always_inline]] inline Verdict OrderedVerdict(BinaryOp op, std::strong_ordering c) {
  switch (op) {
    case BinaryOp::kLt: return VerdictOfBool(c < 0);
    case BinaryOp::kLe: return VerdictOfBool(c <= 0);
    case BinaryOp::kGt: return VerdictOfBool(c > 0);
    default: return VerdictOfBool(c >= 0);
  }
}

// `a = b` when `eq`, else `a != b`; values that cannot be compared report it and answer neither.
ZEBRA_VALUE_INLINE inline Verdict EqualityVerdict(const Value& a, const Value& b, bool eq, EvalContext& ctx) {
  if (a.is(Type::kString) && b.is(Type::kString)) return VerdictOfBool(SameString(a.string(), b.string()) == eq);
  if (a.is_null() || b.is_null()) return VerdictOfBool((a.is_null() && b.is_null()) == eq);
  if (a.is(Type::kBoolean) && b.is(Type::kBoolean)) return VerdictOfBool((a.boolean() == b.boolean()) == eq);
  auto e = Equal(a, b);
  if (!e) {
    ctx.Error("cannot compare " + std::string(TypeName(a.type())) + " with " + std::string(TypeName(b.type())));
    return Verdict::kOther;
  }
  return VerdictOfBool(eq ? *e : !*e);
}

// `a op b` for <, <=, > and >=; null on either side answers neither (no message), values that
// cannot be ordered report it.
ZEBRA_VALUE_INLINE inline Verdict OrderVerdict(BinaryOp op, const Value& a, const Value& b, EvalContext& ctx) {
  if (a.is(Type::kNumber) && b.is(Type::kNumber)) return OrderedVerdict(op, a.number().Compare(b.number()));
  if (a.is_null() || b.is_null()) return Verdict::kOther;
  auto c = Compare(a, b);
  if (!c) {
    ctx.Error("cannot order " + std::string(TypeName(a.type())) + " and " + std::string(TypeName(b.type())));
    return Verdict::kOther;
  }
  return OrderedVerdict(op, *c);
}

}  // namespace zebra::feel::internal
