// FirstMatch (first_match.h): the inner filter's loop (FilterNode::EvalItems) for a pure single
// comparison, remembering the first item kept instead of building the list `[1]` then reads
// (~230 instructions a call: the list's buffer, its shared block, the copies and their release).
// Every item is still tested, in order, so diagnostics and the evaluation limit are the loop's.
#include "feel/first_match.h"

#include "feel/equality_join.h"
#include "feel/filter_tests.h"

namespace zebra::feel::internal {

bool FirstMatchApplies(const FilterNode& inner) {
  const ItemTestPlan* plan = inner.item_test.get();
  if (!plan || !plan->pure || !plan->one_leaf) return false;
  const ItemTest::Kind kind = plan->root->kind;
  return (kind == ItemTest::Kind::kEquality || kind == ItemTest::Kind::kOrder) &&
         plan->others.size() <= ItemTestPlan::kMaxOthers;
}

namespace {

// Element 1 of the inner filter's answer `r`, as the outer filter's literal index reads it.
const Value& FirstOf(const FilterNode& outer, const Value& r, Frame& f, Value& tmp) {
  if (r.is_null()) {
    tmp = Value();
    return tmp;
  }
  const bool is_list = r.is(Type::kList);
  if (is_list && r.list().empty()) {
    tmp = Value();
    return tmp;
  }
  const Value& first = is_list ? r.list()[0] : r;
  if (outer.writes_item) f.locals[outer.item_slot] = first;
  Value copy = first;  // (`r` may be `tmp`)
  tmp = std::move(copy);
  return tmp;
}

}  // namespace

const Value& FirstMatch(const FilterNode& outer, const FilterNode& inner, Frame& f, Value& tmp) {
  ScratchValue target_tmp;
  const Value& t = EvalRefOf(*inner.target, f, target_tmp);
  if (t.is_null()) {  // the inner filter's null, the outer's null
    tmp = Value();
    return tmp;
  }
  const bool is_list = t.is(Type::kList);
  const Value* const items = is_list ? t.list().data() : &t;
  const size_t count = is_list ? t.list().size() : 1;
  const bool borrowed = is_list && &t != &target_tmp.get();
  if (count == 0) {  // a pure test keeps nothing of an empty list: [][1] is null
    tmp = Value();
    return tmp;
  }
  // The loop below is EvalItems' when every item is answered by the item test (a context that
  // shadows no name the test reads, or null), outside other filters; otherwise EvalItems itself.
  const ItemTestPlan& plan = *inner.item_test;
  bool as_test = !f.item && !f.outer_item_frame;
  const Value* others[ItemTestPlan::kMaxOthers];
  for (size_t k = 0; as_test && k < plan.others.size(); ++k) as_test = (others[k] = ItemTestOther(*plan.others[k], f));
  // An equality join (`raw[item.id = oid][1]` in a loop): the list's index (equality_join.h),
  // usable only when the loop below would answer every item (so its shadow checks are moot).
  if (as_test && inner.join_slot >= 0 && count >= 2) {
    const Value* hit = nullptr;
    const JoinFirst j = JoinFirstOf(inner, f, t, others, &hit);
    if (j != JoinFirst::kUnknown) {
      if (inner.writes_item) f.locals[inner.item_slot] = items[count - 1];
      if (j == JoinFirst::kNone) {
        tmp = Value();
        return tmp;
      }
      if (outer.writes_item) f.locals[outer.item_slot] = *hit;
      Value copy = *hit;  // (`hit` is in `t`, which may be `target_tmp`)
      tmp = std::move(copy);
      return tmp;
    }
  }
  for (size_t i = 0; as_test && i < count; ++i) {
    const Value& item = items[i];
    as_test = item.is(Type::kContext) ? !ItemShadows(plan, item.context()) : !plan.reads_fields || item.is_null();
  }
  if (!as_test) {
    Value kept;
    const Value& r = inner.EvalItems(f, kept, t, items, count, borrowed);
    return FirstOf(outer, r, f, tmp);
  }
  Frame in = f;
  in.outer_item_frame = &f;
  const Value* found = nullptr;
  for (size_t i = 0; i < count; ++i) {
    const Value& item = items[i];
    // Once an item is found the others are still tested: their diagnostics are the loop's.
    ItemVerdict v = ItemVerdictOf(*plan.root, others, item);
    if (v == ItemVerdict::kSlow) {
      in.item = &item;
      v = ItemLeafAnswer(*plan.root, others, in).is_true() ? ItemVerdict::kTrue : ItemVerdict::kFalse;
    }
    if (v == ItemVerdict::kTrue && !found) found = &item;
    if (f.ctx->limit_exceeded) {  // EvalItems' null, with its slot at this item
      if (inner.writes_item) f.locals[inner.item_slot] = item;
      tmp = Value();
      return tmp;
    }
  }
  if (inner.writes_item) f.locals[inner.item_slot] = items[count - 1];
  if (!found) {
    tmp = Value();
    return tmp;
  }
  if (outer.writes_item) f.locals[outer.item_slot] = *found;
  Value copy = *found;  // (copied: `found` may be in `target_tmp`)
  tmp = std::move(copy);
  return tmp;
}

}  // namespace zebra::feel::internal
