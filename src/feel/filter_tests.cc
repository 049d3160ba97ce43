// A filter's pure item test answered per item as a verdict (filter_tests.h). The answers are
// EvalItemTest's (eval.cc) for the operand types read here: strings, numbers, booleans and nulls
// in comparisons; the fast built-ins' own answers in calls; `and` / `or` / `not` as AndNode,
// OrNode and FastNot combine them. Anything else is kSlow, and the filter evaluates the item
// the general way, diagnostics included.
#include "feel/filter_tests.h"

namespace zebra::feel::internal {
namespace {

const Value kAbsent;  // a field the item lacks (the path's answer: null)

// The item's operand of `t`: `item.k` (null when absent or the item is no context), or the item.
[[gnu::always_inline]] inline const Value& Mine(const ItemTest& t, const Value& item) {
  if (!t.field) return item;
  if (!item.is(Type::kContext)) return kAbsent;
  const Context& c = item.context();
  const PathNode& p = *t.field;
  // As PathNode::Find: a shape's position once known, else the context's first entry with the key.
  const Value* v = c.shape() ? p.seen.Find(c, p.name) : (c.MayContainBit(p.name_bit) ? c.Find(p.name) : nullptr);
  return v ? *v : kAbsent;
}

// A built-in's answer as a verdict: booleans and null; anything else (a list from `index of`)
// is for the general path.
[[gnu::always_inline]] inline ItemVerdict OfValue(const Value& v) {
  if (v.is(Type::kBoolean)) return v.boolean() ? ItemVerdict::kTrue : ItemVerdict::kFalse;
  return v.is_null() ? ItemVerdict::kNull : ItemVerdict::kSlow;
}

[[gnu::always_inline]] inline ItemVerdict OfBool(bool b) { return b ? ItemVerdict::kTrue : ItemVerdict::kFalse; }

// A comparison or call between the item's operand and the other one (EvalItemLeaf).
[[gnu::always_inline]] inline ItemVerdict Leaf(const ItemTest& t, const Value* const* others, const Value& item) {
  const Value& mine = Mine(t, item);
  const Value& other = *others[t.other];
  const Value& a = t.item_first ? mine : other;
  const Value& b = t.item_first ? other : mine;
  switch (t.kind) {
    case ItemTest::Kind::kEquality: {  // Equality (eval.cc) without its error
      const bool eq = t.op == BinaryOp::kEq;
      if (a.is(Type::kString) && b.is(Type::kString)) return OfBool(SameString(a.string(), b.string()) == eq);
      if (a.is_null() || b.is_null()) return OfBool((a.is_null() && b.is_null()) == eq);
      if (a.is(Type::kBoolean) && b.is(Type::kBoolean)) return OfBool((a.boolean() == b.boolean()) == eq);
      if (a.is(Type::kNumber) && b.is(Type::kNumber)) return OfBool((a.number() == b.number()) == eq);  // Equal
      return ItemVerdict::kSlow;
    }
    case ItemTest::Kind::kOrder: {  // Order (eval.cc) for numbers and nulls
      if (a.is(Type::kNumber) && b.is(Type::kNumber)) {
        const std::strong_ordering c = a.number().Compare(b.number());
        switch (t.op) {
          case BinaryOp::kLt: return OfBool(c < 0);
          case BinaryOp::kLe: return OfBool(c <= 0);
          case BinaryOp::kGt: return OfBool(c > 0);
          default: return OfBool(c >= 0);
        }
      }
      if (a.is_null() || b.is_null()) return ItemVerdict::kNull;
      return ItemVerdict::kSlow;
    }
    case ItemTest::Kind::kCall: {  // FastCallNode<2>::Eval without the built-in itself
      if (t.string_test && a.is(Type::kString) && b.is(Type::kString))
        return OfBool(StringTest(t.string_test, a.string(), b.string()));
      const CallNode& call = *t.call;
      const Value* args[2] = {&a, &b};
      Value out;
      if (call.indexed && a.is(Type::kList) && b.is(Type::kString) && call.FromIndex(a, b, out)) return OfValue(out);
      if (call.fast(args, out)) return OfValue(out);
      return ItemVerdict::kSlow;
    }
    default: return ItemVerdict::kSlow;  // kIn, kNode: not in a pure test
  }
}

}  // namespace

ItemVerdict ItemVerdictOf(const ItemTest& t, const Value* const* others, const Value& item) {
  switch (t.kind) {
    case ItemTest::Kind::kAnd: {  // AndNode
      const ItemVerdict a = ItemVerdictOf(*t.lhs, others, item);
      if (a == ItemVerdict::kSlow || a == ItemVerdict::kFalse) return a;
      const ItemVerdict b = ItemVerdictOf(*t.rhs, others, item);
      if (b == ItemVerdict::kSlow || b == ItemVerdict::kFalse) return b;
      return a == ItemVerdict::kTrue && b == ItemVerdict::kTrue ? ItemVerdict::kTrue : ItemVerdict::kNull;
    }
    case ItemTest::Kind::kOr: {  // OrNode
      const ItemVerdict a = ItemVerdictOf(*t.lhs, others, item);
      if (a == ItemVerdict::kSlow || a == ItemVerdict::kTrue) return a;
      const ItemVerdict b = ItemVerdictOf(*t.rhs, others, item);
      if (b == ItemVerdict::kSlow || b == ItemVerdict::kTrue) return b;
      return a == ItemVerdict::kFalse && b == ItemVerdict::kFalse ? ItemVerdict::kFalse : ItemVerdict::kNull;
    }
    case ItemTest::Kind::kNot: {  // FastNot: null stays null, a boolean flips
      const ItemVerdict v = ItemVerdictOf(*t.lhs, others, item);
      if (v == ItemVerdict::kTrue) return ItemVerdict::kFalse;
      if (v == ItemVerdict::kFalse) return ItemVerdict::kTrue;
      return v;
    }
    default: return Leaf(t, others, item);
  }
}

}  // namespace zebra::feel::internal
