// DistinctFirst (distinct_first.h). The general nodes make the projected list of ids, its
// distinct values, then for each id run the filter over L (FirstMatch: a join index the first
// time, ~650 instructions a call with the copies and slot writes): ~4K a clinical case for ~4
// options. Here L's items are read once each.
//
// Why the answer is the general one: with every item a context whose `k` is a string and none
// shadowing `item` or `x` (so the filter's test is `k = x`, string equality, with no message),
// `distinct values` keeps the first occurrence of each string in order, and `L[item.k = x][1]`
// for such a string is the first item whose `k` is it: the item where it first occurs. So the
// answer is the items whose string no earlier item has, in order (L itself when all differ;
// values are immutable). Nothing reports a message; the iterations are the two loops' (n + the
// distinct count), taken only when both fit under the limit; the slots are left as each node
// leaves them, written in the order the nodes write them (a slot of a finished scope may be
// reused by a later one).
#include "feel/distinct_first.h"

#include <cstdint>
#include <string>
#include <typeinfo>

#include "feel/filter_tests.h"

namespace zebra::feel::internal {

namespace {

bool IsSlotRead(const Node& n) { return n.direct == Node::Direct::kLocal || n.direct == Node::Direct::kGlobal; }

const Value& SlotValue(const Node& n, Frame& f) {
  return n.direct == Node::Direct::kGlobal ? f.globals[static_cast<size_t>(n.direct_slot)] : f.locals[n.direct_slot];
}

}  // namespace

std::shared_ptr<const DistinctFirstPlan> DistinctFirstPlanOf(const ForNode& loop) {
  if (loop.uses_partial || loop.iterators.size() != 1 || loop.iterators[0].range_end || !loop.body) return nullptr;
  const auto* call = dynamic_cast<const CallNode*>(loop.iterators[0].domain.get());
  if (!call || !call->builtin || call->callee_name != "distinct values" || call->args.size() != 1 ||
      !call->arg_names.empty())
    return nullptr;
  const auto* inner = dynamic_cast<const ForNode*>(call->args[0].get());
  if (!inner || inner->uses_partial || inner->iterators.size() != 1 || inner->iterators[0].range_end ||
      !inner->projection || inner->projection->chain_length != 1)
    return nullptr;
  const Node& list = *inner->iterators[0].domain;
  if (!IsSlotRead(list)) return nullptr;
  const auto* first = dynamic_cast<const FilterNode*>(loop.body.get());
  if (!first || !first->literal_index || first->literal_position != 1) return nullptr;
  const auto* matches = dynamic_cast<const FilterNode*>(first->target.get());
  if (!matches || matches->literal_index || matches->index_slot >= 0 || !matches->item_test) return nullptr;
  const Node& target = *matches->target;
  if (typeid(target) != typeid(list) || target.direct != list.direct || target.direct_slot != list.direct_slot)
    return nullptr;
  const ItemTestPlan& tests = *matches->item_test;
  const ItemTest& t = *tests.root;
  if (!tests.pure || !tests.one_leaf || tests.others.size() != 1 || t.kind != ItemTest::Kind::kEquality ||
      t.op != BinaryOp::kEq || !t.field || t.field->chain_length != 1 || t.field->name != inner->projection->name ||
      t.literal || t.name_path || t.global || t.slot != loop.iterators[0].slot)
    return nullptr;
  auto plan = std::make_shared<DistinctFirstPlan>();
  plan->inner = inner;
  plan->first = first;
  plan->matches = matches;
  return plan;
}

bool DistinctFirst(const DistinctFirstPlan& plan, const ForNode& loop, Frame& f, Value& out) {
  EvalContext& ctx = *f.ctx;
  if (f.item || f.outer_item_frame || ctx.limit_exceeded) return false;
  const ForNode& inner = *plan.inner;
  const Value& l = SlotValue(*inner.iterators[0].domain, f);
  if (!l.is(Type::kList)) return false;
  const List& items = l.list();
  const size_t n = items.size();
  if (n == 0 || n > kMaxDistinctFirstItems) return false;
  const ItemTestPlan& tests = *plan.matches->item_test;
  const Value* keys[kMaxDistinctFirstItems];
  for (size_t i = 0; i < n; ++i) {
    const Value& item = items[i];
    if (!item.is(Type::kContext)) return false;
    const Context& c = item.context();
    if (c.MayContainBit(tests.shadow_bits) && ItemShadows(tests, c)) return false;
    const Value* k = ReachSteps(*inner.projection, &item);  // null: a shape the path has not seen
    if (!k || !k->is(Type::kString)) return false;
    keys[i] = k;
  }
  bool first[kMaxDistinctFirstItems];
  size_t distinct = 0, last = 0;
  for (size_t i = 0; i < n; ++i) {
    first[i] = true;
    for (size_t j = 0; j < i && first[i]; ++j)
      if (first[j] && keys[j]->string() == keys[i]->string()) first[i] = false;
    if (first[i]) {
      ++distinct;
      last = i;
    }
  }
  // Both loops' iterations, neither reaching the limit (else the general nodes report it where
  // they reach it).
  const int64_t steps = static_cast<int64_t>(n + distinct);
  if (ctx.iterations > ctx.max_iterations - steps) return false;
  ctx.iterations += steps;
  // The slots as the nodes leave them, in their order: the inner loop's variable, then at the
  // last id the outer loop's, the matching filter's (the list's last item) and the first's
  // (the item found), then the outer loop's once it ends.
  f.locals[inner.iterators[0].slot] = inner.keeps_var ? items[n - 1] : Value();
  Value& var = f.locals[loop.iterators[0].slot];
  var = *keys[last];
  if (plan.matches->writes_item) f.locals[plan.matches->item_slot] = items[n - 1];
  if (plan.first->writes_item) f.locals[plan.first->item_slot] = items[last];
  if (!loop.keeps_var) var = Value();
  if (distinct == n) {
    out = l;
    return true;
  }
  List kept;
  kept.reserve(distinct);
  for (size_t i = 0; i < n; ++i)
    if (first[i]) kept.push_back(items[i]);
  out = Value::FromList(std::move(kept));
  return true;
}

}  // namespace zebra::feel::internal
