// Pure filters answered by verdicts (verdict_filter.h). EvalItems costs ~400 instructions a call
// before its items (the item frame, the borrowed item slot, the answer built as it goes) and
// makes a boolean Value per item for a single comparison; the clinical case calls it ~13 times,
// over ~3 items each, mostly with a pure test. Here the items' verdicts are gathered in one word
// first, and the answer is built once from it.
//
// Why the answers are EvalItems': a pure test's verdict (ItemVerdictOf) is the boolean or null
// its nodes give, with no effect, for the items and operand types it answers; for anything else
// it says kSlow, and then EvalItems runs from the start as before (nothing was written). A pure
// test never gives a number (so no item is an index), reads no slot (so the item slot matters
// only after the loop, where EvalItems leaves it at the last item), and does not raise the
// evaluation limit (EvalItems' check after each item sees it as it was on entry: not reached).
#include "feel/verdict_filter.h"

#include <cstdint>

#include "feel/filter_tests.h"

namespace zebra::feel::internal {

const Value* FilterByVerdicts(const FilterNode& n, Frame& f, const Value& t, bool borrowed, Value& tmp) {
  if (!t.is(Type::kList) || f.item || f.outer_item_frame || f.ctx->limit_exceeded) return nullptr;
  const List& items = t.list();
  const size_t count = items.size();
  if (count == 0 || count > kMaxVerdictFilterItems) return nullptr;
  const ItemTestPlan& plan = *n.item_test;
  const Value* others[ItemTestPlan::kMaxOthers];
  for (size_t k = 0; k < plan.others.size(); ++k)
    if (!(others[k] = ItemTestOther(*plan.others[k], f))) return nullptr;
  uint64_t hits = 0;
  size_t kept = 0;
  for (size_t i = 0; i < count; ++i) {
    const Value& item = items[i];
    // The items EvalItems answers by the item test (as_test there); the others by the
    // predicate's nodes, which the general loop runs.
    // (The key filter inline: most items have none of the names, and the call is dearer.)
    if (item.is(Type::kContext) ? item.context().MayContainBit(plan.shadow_bits) && ItemShadows(plan, item.context())
                                : plan.reads_fields && !item.is_null())
      return nullptr;
    const ItemVerdict v = ItemVerdictOf(*plan.root, others, item);
    if (v == ItemVerdict::kSlow) return nullptr;
    if (v == ItemVerdict::kTrue) {
      hits |= uint64_t{1} << i;
      ++kept;
    }
  }
  if (n.writes_item) f.locals[n.item_slot] = items[count - 1];
  if (kept == count) {  // the list itself, as EvalItems answers when every item passes
    if (borrowed) return &t;
    tmp = Value::FromList(t.list_ptr());
    return &tmp;
  }
  if (kept == 0) {
    tmp = Value::EmptyList();  // the one empty list
    return &tmp;
  }
  List out;
  out.reserve(kept);
  for (size_t i = 0; i < count; ++i)
    if (hits >> i & 1) out.push_back(items[i]);
  tmp = Value::FromList(std::move(out));
  return &tmp;
}

}  // namespace zebra::feel::internal
