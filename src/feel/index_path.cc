// See index_path.h.
#include "feel/index_path.h"

#include "feel/index_offset.h"

namespace zebra::feel::internal {

namespace {

// The rarer ends of IndexedElement, out of line so that its common read (`sorted[i]`: a plain
// name, no item slot to write) needs no stack frame or saved registers: ~26 reads a clinical
// case, ~87 instructions each before (a third of it the frame and the offset's set-up).

// The item slot written (writes_item) as the filter leaves it, then the element.
[[gnu::noinline]] const Value* WriteItemThen(const FilterNode& filter, Frame& f, const List& items, size_t position) {
  f.locals[filter.item_slot] = items[0];  // (the target's slot is another)
  return &items[position - 1];
}

// `name + k`: the sum's position when the name holds an integer (index_offset.h), within the
// list from its start.
[[gnu::noinline]] const Value* OffsetElement(const FilterNode& filter, Frame& f, const List& items, const Decimal& d) {
  const std::optional<int64_t> at = OffsetIndexPosition(d, filter.index_offset);
  if (!at || *at < 1 || static_cast<uint64_t>(*at) > items.size()) return nullptr;
  const auto position = static_cast<size_t>(*at);
  if (filter.writes_item) return WriteItemThen(filter, f, items, position);
  return &items[position - 1];
}

}  // namespace

const Value* IndexedElement(const FilterNode& filter, Frame& f) {
  const Node& target = *filter.target;
  const Value* t;
  if (target.direct == Node::Direct::kGlobal) t = &f.globals[static_cast<size_t>(target.direct_slot)];
  else if (target.direct == Node::Direct::kLocal) t = &f.locals[target.direct_slot];
  else return nullptr;
  if (!t->is(Type::kList) || f.item || f.outer_item_frame) return nullptr;
  const List& items = t->list();
  if (items.empty()) return nullptr;
  if (items[0].is(Type::kContext)) {
    const Context& c = items[0].context();
    if (c.MayContainBit(filter.index_bit)) {
      // As the filter tells: a shape whose position of the name it has cached (without the name).
      size_t at;
      if (!c.shape() || !filter.index_seen.Cached(*c.shape(), at) || at < c.shaped_size()) return nullptr;
    }
  }
  const Value& v = filter.index_global ? f.globals[static_cast<size_t>(filter.index_slot)] : f.locals[filter.index_slot];
  if (!v.is(Type::kNumber)) return nullptr;
  const Decimal& d = v.number();
  if (filter.index_offset) [[unlikely]]
    return OffsetElement(filter, f, items, d);
  // IndexPosition's quick case: a positive integer of exponent 0, at most the list's length.
  if (d.exponent() != 0 || d.IsNegative() || d.coefficient() == 0 || d.coefficient() > items.size()) return nullptr;
  const auto position = static_cast<size_t>(d.coefficient());
  if (filter.writes_item) [[unlikely]]
    return WriteItemThen(filter, f, items, position);
  return &items[position - 1];
}

}  // namespace zebra::feel::internal
