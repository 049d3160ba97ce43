// Equality joins (equality_join.h). A filter's loop costs ~100 instructions an item; the
// clinical Options decision filters the case's safety checks by `item.id = c.id` once per
// candidate option (and again for the `avoid` count), and the Ranking finds each distinct option
// in `raw` by id. At the first such call an evaluation makes, the items' key strings are read
// once into a JoinIndex, kept in the filter's join slot; a call then compares x with those
// strings alone (a size test for most), and the rest of an `and` runs only for the items whose
// key is x.
//
// Why the answers are the loop's: an item whose key is a string other than x, null or absent
// makes `item.f = x` false without a message (EqualityVerdict for a string x), and a false
// leftmost operand makes `and` false without evaluating the rest; the index is made only when
// every item is a context that shadows no name the test reads, or null (the item test answers
// them all, as EvalItems does), and every key is a string or null. A pure test reads no slot, so
// the item slot is written only on the way out, as EvalItems leaves it.
#include "feel/equality_join.h"

#include <cstddef>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "feel/filter_tests.h"

namespace zebra::feel::internal {

const ItemTest* JoinKeyOf(const ItemTestPlan& plan) {
  if (!plan.pure || !plan.root) return nullptr;
  const ItemTest* t = plan.root.get();
  while (t->kind == ItemTest::Kind::kAnd) t = t->lhs.get();
  if (t->kind != ItemTest::Kind::kEquality || t->op != BinaryOp::kEq || !t->field || t->literal) return nullptr;
  return t;
}

bool SameJoinIndex(const FilterNode& a, const FilterNode& b) {
  const ItemTestPlan& pa = *a.item_test;
  const ItemTestPlan& pb = *b.item_test;
  return JoinKeyOf(pa)->field->name == JoinKeyOf(pb)->field->name && pa.shadow_bits == pb.shadow_bits &&
         pa.shadow_names == pb.shadow_names;
}

namespace {

// The index of one list for one filter (or for the filters that share its slot: SameJoinIndex). It is held in the filter's join slot as a function
// value (the slot is the parser's own, never named, so nothing else reads or calls it).
class JoinIndex final : public Function {
 public:
  static constexpr size_t kMaxItems = 64;  // longer lists go the general way (one allocation here)
  static constexpr size_t kNoKey = std::numeric_limits<size_t>::max();
  struct Key {
    const char* data;
    size_t size;  // kNoKey: the item is null, or its field is absent or null
  };
  JoinIndex() {}  // (the keys are written by Make, not zeroed first)
  std::span<const std::string> parameters() const override { return {}; }
  Value Call(std::span<const Value>, EvalContext&) const override { return Value(); }
  std::string_view name() const override { return "join index"; }

  Value list;  // the list indexed, kept alive (so its address identifies it while held here)
  bool usable = false;  // false: some item is not answered by the index (see Make)
  Key keys[kMaxItems];  // item i's key, in the list's strings (the first `list.size()`)

  // The index of `list` for `plan`'s key leaf `key`.
  static std::shared_ptr<const JoinIndex> Make(const ItemTestPlan& plan, const ItemTest& key, const Value& list) {
    auto index = std::make_shared<JoinIndex>();
    index->list = list;
    const List& items = list.list();
    if (items.size() > kMaxItems) return index;
    const PathNode& p = *key.field;
    for (size_t i = 0; i < items.size(); ++i) {
      const Value& item = items[i];
      index->keys[i] = Key{nullptr, kNoKey};
      if (item.is_null()) continue;  // `item.f` of null: null
      if (!item.is(Type::kContext)) return index;  // the predicate's nodes answer it
      const Context& c = item.context();
      if (ItemShadows(plan, c)) return index;
      // As filter_tests.cc reads `item.f` (PathNode::Find's answer).
      const Value* v = c.shape() ? p.seen.Find(c, p.name) : (c.MayContainBit(p.name_bit) ? c.Find(p.name) : nullptr);
      if (!v || v->is_null()) continue;
      if (!v->is(Type::kString)) return index;  // `=` with a string would report it
      index->keys[i] = Key{v->string().data(), v->string().size()};
    }
    index->usable = true;
    return index;
  }
};

// The index of `t` (a list) for `n`, kept in its join slot for the calls after this one in the
// same evaluation (made anew for another list), or null when some item is not answered by it.
const JoinIndex* IndexFor(const FilterNode& n, Frame& f, const Value& t, const ItemTest& key) {
  Value& slot = f.locals[n.join_slot];
  if (slot.is(Type::kFunction)) {
    const auto& index = static_cast<const JoinIndex&>(slot.function());
    if (&index.list.list() == &t.list()) return index.usable ? &index : nullptr;
  }
  auto made = JoinIndex::Make(*n.item_test, key, t);
  const JoinIndex* index = made.get();
  slot = Value::FromFunction(std::move(made));
  return index->usable ? index : nullptr;
}

// The other operands of `n`'s test, and the index of `t`, when the index may answer this call.
const JoinIndex* Prepare(const FilterNode& n, Frame& f, const Value& t, const Value** others, const ItemTest** key) {
  if (!t.is(Type::kList) || f.item || f.outer_item_frame || f.ctx->limit_exceeded) return nullptr;
  const ItemTestPlan& plan = *n.item_test;
  for (size_t k = 0; k < plan.others.size(); ++k)
    if (!(others[k] = ItemTestOther(*plan.others[k], f))) return nullptr;
  *key = JoinKeyOf(plan);
  // Only a string x makes every other key's `=` a plain false (EqualityVerdict).
  if (!others[(*key)->other]->is(Type::kString)) return nullptr;
  return IndexFor(n, f, t, **key);
}

// Whether item `k`'s key is `x`.
[[gnu::always_inline]] inline bool Matches(const JoinIndex::Key& k, const std::string& x) {
  return k.size == x.size() && SameBytes(k.data, x.data(), x.size());
}

}  // namespace

const Value* JoinFilter(const FilterNode& n, Frame& f, const Value& t, bool borrowed, Value& tmp) {
  const Value* others[ItemTestPlan::kMaxOthers];
  const ItemTest* key = nullptr;
  const JoinIndex* index = Prepare(n, f, t, others, &key);
  if (!index) return nullptr;
  const ItemTestPlan& plan = *n.item_test;
  const bool key_alone = plan.root.get() == key;
  const std::string& x = others[key->other]->string();
  const List& items = t.list();
  const size_t count = items.size();
  // The items whose key is x (`item.f = x` is false for the others: not kept), then those the
  // rest of an `and` keeps.
  uint64_t hits[JoinIndex::kMaxItems / 64] = {};
  size_t kept = 0;
  for (size_t i = 0; i < count; ++i) {
    if (!Matches(index->keys[i], x)) continue;
    if (!key_alone) {
      const ItemVerdict v = ItemVerdictOf(*plan.root, others, items[i]);
      if (v == ItemVerdict::kSlow) return nullptr;  // nothing done yet: the loop answers it all
      if (v != ItemVerdict::kTrue) continue;
    }
    hits[i / 64] |= uint64_t{1} << (i % 64);
    ++kept;
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
    if (hits[i / 64] >> (i % 64) & 1) out.push_back(items[i]);
  tmp = Value::FromList(std::move(out));
  return &tmp;
}

JoinFirst JoinFirstOf(const FilterNode& inner, Frame& f, const Value& t, const Value* const* others,
                      const Value** found) {
  if (!t.is(Type::kList) || f.item || f.outer_item_frame || f.ctx->limit_exceeded) return JoinFirst::kUnknown;
  const ItemTest* key = JoinKeyOf(*inner.item_test);
  if (key != inner.item_test->root.get()) return JoinFirst::kUnknown;  // (FirstMatch: a single comparison)
  if (!others[key->other]->is(Type::kString)) return JoinFirst::kUnknown;
  const JoinIndex* index = IndexFor(inner, f, t, *key);
  if (!index) return JoinFirst::kUnknown;
  const std::string& x = others[key->other]->string();
  const List& items = t.list();
  for (size_t i = 0; i < items.size(); ++i)
    if (Matches(index->keys[i], x)) {
      *found = &items[i];
      return JoinFirst::kFound;
    }
  return JoinFirst::kNone;
}

}  // namespace zebra::feel::internal
