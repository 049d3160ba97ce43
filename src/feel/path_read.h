// Internal: a path's read inline at its reader (EvalRefOf and EvalOf in nodes.h, for nodes of
// kind Node::Direct::kPath): the commonest reads (PathNode::Reach) without the virtual call and
// the path's own stack frame, everything else out of line (PathNode::EvalChain). Included by
// nodes.h once PathNode is complete; not on its own.
#pragma once

namespace zebra::feel::internal {

inline const Value kPathNull;  // a step's answer over null or for a missing key

// index_path.h (out of line).
const Value* IndexedElement(const FilterNode& filter, Frame& f);
// PathNode::Eval's answer when Reach has none (eval.cc).
[[gnu::noinline]] Value PathChainValue(const PathNode& p, Frame& f);

// The steps of path `p` from `t` through shaped contexts whose shapes each step has cached:
// the entry, kPathNull over null or for a missing key, or null when the general path must read
// it (not a context, a context without a shape, a shape not cached yet).
[[gnu::always_inline]] inline const Value* ReachSteps(const PathNode& p, const Value* t) {
  for (size_t i = 0; i < p.chain_length; ++i) {
    if (!t->is(Type::kContext)) [[unlikely]]
      return t->is_null() ? &kPathNull : nullptr;
    const Context& c = t->context();
    const ContextShape* shape = c.shape();
    if (!shape) [[unlikely]]
      return nullptr;
    size_t at;
    if (!p.steps[i]->seen.Cached(*shape, at)) [[unlikely]]
      return nullptr;
    if (at >= c.shaped_size()) return &kPathNull;
    t = &c.shaped_value(at);
  }
  return t;
}

// The same as each path of the chain evaluating its target by EvalRef in turn: an entry of a
// borrowed context is borrowed; once a step reads a temporary (the root evaluated into `tmp`, or
// PathOther's answer there), what follows lives in `tmp`, and the answer is moved to its top.
// The commonest reads inline, without a stack frame: from a slot (a name that no filter item
// may shadow) through shaped contexts of the shapes each step cached. Anything else starts over
// in EvalChain (the root is a slot: reading it again costs nothing and changes nothing).
inline const Value* PathNode::Reach(Frame& f) const {
  const Node& r = *root;
  const Value* t;
  switch (r.direct) {
    case Node::Direct::kLocal: t = &f.locals[r.direct_slot]; break;
    case Node::Direct::kGlobal: t = &f.globals[static_cast<size_t>(r.direct_slot)]; break;
    case Node::Direct::kShadowedLocal:
    case Node::Direct::kShadowedGlobal: {
      // Its slot unless a filter item may hold the name (then EvalChain searches the items: the
      // search would need a stack frame here).
      const uint64_t bit = r.direct == Node::Direct::kShadowedLocal ? static_cast<const LocalRefNode&>(r).name_bit
                                                                    : static_cast<const GlobalRefNode&>(r).name_bit;
      for (const Frame* fr = &f; fr; fr = fr->outer_item_frame)
        if (fr->item && fr->item->is(Type::kContext) && fr->item->context().MayContainBit(bit)) return nullptr;
      t = r.direct == Node::Direct::kShadowedLocal ? &f.locals[r.direct_slot]
                                                   : &f.globals[static_cast<size_t>(r.direct_slot)];
      break;
    }
    default:
      if (!index_root || !(t = IndexedElement(*index_root, f))) return nullptr;
  }
  return ReachSteps(*this, t);
}

ZEBRA_VALUE_INLINE inline const Value& PathRef(const Node& n, Frame& f, Value& tmp) {
  const auto& p = static_cast<const PathNode&>(n);
  if (const Value* v = p.Reach(f)) return *v;
  return p.EvalChain(f, tmp);
}

ZEBRA_VALUE_INLINE inline Value PathValue(const Node& n, Frame& f) {
  const auto& p = static_cast<const PathNode&>(n);
  if (const Value* v = p.Reach(f)) return *v;
  return PathChainValue(p, f);
}

}  // namespace zebra::feel::internal
