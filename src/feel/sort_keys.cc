// Sorts by number keys (sort_keys.h). The Ranking sorts its ~4 scored options once a case by
// `a.score > b.score or (a.score = b.score and a.tie < b.tie)`: the comparator's nodes cost ~460
// instructions a comparison (four to six path reads, two or three comparisons, the or/and
// verdicts, the call's depth count) and the merge sort its buffers. Here each item's keys are
// read once, and the items' positions are sorted by comparing those numbers.
//
// Why the answer is the built-in's: when every key is a number, `a.k < b.k` / `>` is a boolean
// (Decimal::Compare), `a.k = b.k` is the same Compare's equality (Equal for two numbers), so the
// comparator answers, with no message, "the first key that differs decides, by its direction;
// all equal: false". That is a strict weak order, for which every stable sort gives the one
// order the built-in's merge sort gives. The comparator's calls have no effect besides the
// depth count they undo, which trips only at the limit (checked before), and the path reads
// answer the context's entry (PathNode::Find's answer) that is read here the same way.
#include "feel/sort_keys.h"

#include <compare>

namespace zebra::feel::internal {

namespace {

// `p` when it is `x.k` read straight from the parameter slot `slot` (one step, no filter item
// that could shadow the name).
bool IsParamPath(const Node* n, int slot) {
  const auto* p = dynamic_cast<const PathNode*>(n);
  if (!p || p->chain_length != 1 || p->index_root || p->root != p->target.get()) return false;
  const auto* r = dynamic_cast<const LocalRefNode*>(p->target.get());
  return r && r->slot == slot && !r->shadowable && r->direct == Node::Direct::kLocal;
}

// For a comparison node `n` between `a.k` and `b.k` (either order) with the operator `op` (for
// the orders: < or >): the path over `a`, and whether `a`'s path is the left operand.
const PathNode* KeyPaths(const Node* n, int a, int b, bool strict, bool& a_left, BinaryOp& op) {
  const auto* c = dynamic_cast<const BinaryNode*>(n);
  if (!c) return nullptr;
  if (strict ? (c->op != BinaryOp::kLt && c->op != BinaryOp::kGt) : c->op != BinaryOp::kEq) return nullptr;
  const Node* l = c->lhs.get();
  const Node* r = c->rhs.get();
  if (IsParamPath(l, a) && IsParamPath(r, b)) a_left = true;
  else if (IsParamPath(l, b) && IsParamPath(r, a)) a_left = false;
  else return nullptr;
  const auto& pa = static_cast<const PathNode&>(a_left ? *l : *r);
  const auto& pb = static_cast<const PathNode&>(a_left ? *r : *l);
  if (pa.name != pb.name) return nullptr;
  op = c->op;
  return &pa;
}

// The number `p` reads from the context `c` (as PathNode::Find), or null.
const Decimal* KeyOf(const PathNode& p, const Context& c) {
  const Value* v = c.shape() ? p.seen.Find(c, p.name) : (c.MayContainBit(p.name_bit) ? c.Find(p.name) : nullptr);
  return v && v->is(Type::kNumber) ? &v->number() : nullptr;
}

}  // namespace

std::unique_ptr<const SortKeys> SortKeysOf(const FunctionDefNode& def) {
  if (def.params.size() != 2 || !def.body) return nullptr;
  const int a = def.params[0].first;
  const int b = def.params[1].first;
  if (a == b) return nullptr;
  auto keys = std::make_unique<SortKeys>();
  const Node* n = def.body.get();
  while (true) {
    if (keys->count == SortKeys::kMaxKeys) return nullptr;
    const auto* o = dynamic_cast<const OrNode*>(n);
    const Node* strict = o ? o->lhs.get() : n;
    bool a_left = false;
    BinaryOp op = BinaryOp::kLt;
    const PathNode* key = KeyPaths(strict, a, b, true, a_left, op);
    if (!key) return nullptr;
    // `a.k > b.k` or `b.k < a.k`: a comes first when its key is the larger.
    keys->keys[keys->count++] = SortKeys::Key{key, a_left == (op == BinaryOp::kGt)};
    if (!o) return keys;
    const auto* tie = dynamic_cast<const AndNode*>(o->rhs.get());
    if (!tie) return nullptr;
    bool eq_a_left = false;
    const PathNode* eq = KeyPaths(tie->lhs.get(), a, b, false, eq_a_left, op);
    if (!eq || eq->name != key->name) return nullptr;
    n = tie->rhs.get();
  }
}

std::optional<Value> SortByKeys(const SortKeys& keys, const Value& list, const EvalContext& ctx) {
  const List& items = list.list();
  const size_t n = items.size();
  if (n < 2 || n > SortKeys::kMaxItems || ctx.limit_exceeded || ctx.depth >= ctx.max_depth) return std::nullopt;
  const size_t k = keys.count;
  const Decimal* key[SortKeys::kMaxItems][SortKeys::kMaxKeys];
  for (size_t i = 0; i < n; ++i) {
    if (!items[i].is(Type::kContext)) return std::nullopt;
    const Context& c = items[i].context();
    for (size_t j = 0; j < k; ++j)
      if (!(key[i][j] = KeyOf(*keys.keys[j].path, c))) return std::nullopt;
  }
  // Whether item x comes before item y: the first key that differs, by its direction.
  auto precedes = [&](size_t x, size_t y) {
    for (size_t j = 0; j < k; ++j) {
      const std::strong_ordering c = key[x][j]->Compare(*key[y][j]);
      if (c != 0) return keys.keys[j].descending ? c > 0 : c < 0;
    }
    return false;
  };
  // A stable insertion sort of the positions (a few items: fewer compares than merging).
  uint8_t order[SortKeys::kMaxItems];
  bool moved = false;
  for (size_t i = 0; i < n; ++i) {
    const auto x = static_cast<uint8_t>(i);
    size_t j = i;
    for (; j > 0 && precedes(x, order[j - 1]); --j) order[j] = order[j - 1];
    order[j] = x;
    moved = moved || j != i;
  }
  // Already in order: the list itself (values are immutable), as a sort that moved nothing.
  if (!moved) return list;
  List out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(items[order[i]]);
  return Value::FromList(std::move(out));
}

}  // namespace zebra::feel::internal
