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

// `list contains(l, s)` for a list `l` and a string `s`, as FastCallNode<2> answers it: the
// call's string index when it has one for this very list (only a list of kIndexedListSize items
// or more can be it), else each item compared as FastListContains compares it (SameItem:
// strings by their text, anything else by Equal). Without the index probe, the fast form's
// indirect call and its boolean Value for the short lists most item tests search.
[[gnu::always_inline]] inline ItemVerdict ListContainsString(const CallNode& call, const Value& l, const Value& s) {
  const List& items = l.list();
  if (items.size() >= StringListIndex::kIndexedListSize) [[unlikely]] {
    Value out;
    if (call.FromIndex(l, s, out)) return OfValue(out);
  }
  const std::string& text = s.string();
  for (const Value& v : items) {
    if (v.is(Type::kString)) {
      if (SameString(v.string(), text)) return ItemVerdict::kTrue;
    } else if (const auto e = Equal(v, s); e && *e) [[unlikely]] {
      return ItemVerdict::kTrue;
    }
  }
  return ItemVerdict::kFalse;
}

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
      if (call.indexed == 2 && a.is(Type::kList) && b.is(Type::kString)) return ListContainsString(call, a, b);
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

namespace {
// FastNot of `v` when `flip`: null stays null, a boolean flips (kSlow stays kSlow).
[[gnu::always_inline]] inline ItemVerdict Flipped(ItemVerdict v, bool flip) {
  if (!flip) return v;
  if (v == ItemVerdict::kTrue) return ItemVerdict::kFalse;
  if (v == ItemVerdict::kFalse) return ItemVerdict::kTrue;
  return v;
}

// An operand of `and` / `or`: a comparison or call answered here (most are), without a
// nested call of ItemVerdictOf.
[[gnu::always_inline]] inline ItemVerdict Operand(const ItemTest& t, const Value* const* others, const Value& item) {
  if (t.kind == ItemTest::Kind::kAnd || t.kind == ItemTest::Kind::kOr || t.kind == ItemTest::Kind::kNot)
    return ItemVerdictOf(t, others, item);
  return Leaf(t, others, item);
}
}  // namespace

ItemVerdict ItemVerdictOf(const ItemTest& top, const Value* const* others, const Value& item) {
  // The `not`s over the test taken here, each a flip of what is under it (FastNot), so that
  // `not(leaf)`, the commonest, is answered without a nested call.
  const ItemTest* t = &top;
  bool flip = false;
  while (t->kind == ItemTest::Kind::kNot) {
    flip = !flip;
    t = t->lhs.get();
  }
  if (t->kind != ItemTest::Kind::kAnd && t->kind != ItemTest::Kind::kOr) return Flipped(Leaf(*t, others, item), flip);
  // AndNode / OrNode: the answer that decides (false for and, true for or) or kSlow ends it at
  // the left operand; else the right one decides, or both give the other boolean, else null.
  const ItemVerdict wins = t->kind == ItemTest::Kind::kAnd ? ItemVerdict::kFalse : ItemVerdict::kTrue;
  const ItemVerdict a = Operand(*t->lhs, others, item);
  if (a == ItemVerdict::kSlow || a == wins) return Flipped(a, flip);
  const ItemVerdict b = Operand(*t->rhs, others, item);
  if (b == ItemVerdict::kSlow || b == wins) return Flipped(b, flip);
  const ItemVerdict loses = wins == ItemVerdict::kTrue ? ItemVerdict::kFalse : ItemVerdict::kTrue;
  return Flipped(a == loses && b == loses ? loses : ItemVerdict::kNull, flip);
}

}  // namespace zebra::feel::internal
