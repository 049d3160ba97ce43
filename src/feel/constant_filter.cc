// FieldTable (constant_filter.h): `Rank Classes[starts with(o.id, item.prefix)]` answered from
// the prefixes read once, instead of each item's field found, compared and answered by
// FilterNode::EvalItems' loop (~100 instructions an item, 11 items a call, ~3.5 calls a case).
#include "feel/constant_filter.h"

#include <bit>
#include <cstring>
#include <memory>

#include "feel/filter_tests.h"

namespace zebra::feel::internal {

FilterNode::~FilterNode() { delete field_table.load(std::memory_order_acquire); }

namespace {

// The first (up to) eight bytes of `s`, the rest zero.
uint64_t Head(std::string_view s) {
  uint64_t w = 0;
  std::memcpy(&w, s.data(), s.size() < 8 ? s.size() : 8);
  return w;
}

// The table of `list` for `plan`'s one string test, or one with a null `list` when some item
// would not be answered by StringTest alone in EvalItems (EvalItemLeaf's first branch).
const FieldTable* MakeFieldTable(const ItemTestPlan& plan, const Value& list) {
  auto table = std::make_unique<FieldTable>();
  const ItemTest& test = *plan.root;
  const List& items = list.list();
  if (items.size() > FieldTable::kMaxItems) return table.release();
  table->fields.reserve(items.size());
  for (const Value& item : items) {
    const Value* mine = &item;
    if (item.is(Type::kContext)) {
      const Context& c = item.context();
      // An entry named `item` or like a name the predicate reads would be found first (Shadows).
      for (const std::string& name : plan.shadow_names)
        if (c.Find(name)) return table.release();
      if (test.field) mine = c.Find(test.field->name);
    } else if (test.field) {
      mine = nullptr;  // a field of a non-context: null (or the predicate's own answer)
    }
    if (!mine || !mine->is(Type::kString)) return table.release();
    table->fields.push_back(mine->string());
  }
  for (std::string_view field : table->fields) {
    table->heads.push_back(Head(field));
    table->masks.push_back(field.size() >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * field.size())) - 1);
  }
  // Every thread's evaluations copy these: of a model constant (an immortal list) they are made
  // immortal too, so that a copy writes no reference count on a line the other threads read.
  const bool constant = IsImmortal(list.list_ptr());
  table->singles.reserve(items.size());
  for (const Value& item : items) {
    Value single = Value::FromList(List{item});
    table->singles.push_back(constant ? MakeImmortal(std::move(single)) : std::move(single));
  }
  table->list = list.list_ptr();
  return table.release();
}

const FieldTable* TableFor(const FilterNode& n, const Value& list) {
  const FieldTable* table = n.field_table.load(std::memory_order_acquire);
  if (table) return table;
  const FieldTable* made = MakeFieldTable(*n.item_test, list);
  const FieldTable* expected = nullptr;
  if (n.field_table.compare_exchange_strong(expected, made, std::memory_order_acq_rel)) return made;
  delete made;  // another thread published first
  return expected;
}

}  // namespace

const Value* FilterFromFieldTable(const FilterNode& n, Frame& f, const Value& t, bool borrowed, Value& tmp) {
  // Inside another filter a name may be an outer item's entry; past the limit EvalItems stops
  // at the first item with null.
  if (f.item || f.outer_item_frame || f.ctx->limit_exceeded || !t.is(Type::kList)) return nullptr;
  const FieldTable* table = TableFor(n, t);
  if (!table->list || table->list.get() != t.list_ptr().get()) return nullptr;
  const ItemTest& test = *n.item_test->root;
  const Value* other = ItemTestOther(test, f);
  if (!other || !other->is(Type::kString)) return nullptr;
  const std::string_view x = other->string();
  const List& items = *table->list;
  const size_t count = items.size();
  const uint8_t kind = test.string_test;
  const std::string_view* fields = table->fields.data();
  uint64_t kept = 0;  // bit i: item i kept
  if (kind == 1 && !test.item_first) {
    // x starts with field i: field i's head is x's, under its mask (then the rest past eight).
    const uint64_t head = Head(x);
    const uint64_t* heads = table->heads.data();
    const uint64_t* masks = table->masks.data();
    for (size_t i = 0; i < count; ++i) {
      const size_t len = fields[i].size();
      if ((head & masks[i]) == heads[i] && len <= x.size() &&
          (len <= 8 || SameBytes(x.data() + 8, fields[i].data() + 8, len - 8)))
        kept |= uint64_t{1} << i;
    }
  } else {
    for (size_t i = 0; i < count; ++i)
      if (test.item_first ? StringTest(kind, fields[i], x) : StringTest(kind, x, fields[i])) kept |= uint64_t{1} << i;
  }
  // What EvalItems leaves in the item slot: the last item.
  if (n.writes_item) f.locals[n.item_slot] = items[count - 1];
  if (kept == 0) {
    static const Value empty = Value::EmptyList();
    return &empty;
  }
  if ((kept & (kept - 1)) == 0) return &table->singles[static_cast<size_t>(std::countr_zero(kept))];
  if (std::popcount(kept) == static_cast<int>(count)) {  // every item kept: the list itself, as EvalItems answers
    if (borrowed) return &t;
    tmp = Value::FromList(t.list_ptr());
    return &tmp;
  }
  List out;
  out.reserve(static_cast<size_t>(std::popcount(kept)));
  for (uint64_t k = kept; k; k &= k - 1) out.push_back(items[static_cast<size_t>(std::countr_zero(k))]);
  tmp = Value::FromList(std::move(out));
  return &tmp;
}

}  // namespace zebra::feel::internal
