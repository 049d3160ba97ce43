// `if c1 then b1 else if c2 then b2 ... else e`, the commonest shape of a multi-way choice in the
// knowledge (`if n <= 1 then "first" else if n = 2 then "second" else "later"`), and any plain
// `if`.
//
// The general node answers one level and calls the else-branch's node for the next, each level a
// virtual call with its own frame, and returns its branch's value as a copy. Here the levels'
// (condition, branch) pairs are one list, tested in order by the condition's verdict exactly as
// each IfNode would (true: that branch; false, null or anything else: the next level), and the
// branch is read by EvalOf / EvalRefOf, so a reader that takes a reference (an operand of `+`,
// a call's argument) reads a literal, a name or an entry where it lies. Nothing else changes:
// the same conditions evaluated in the same order, the same branch evaluated, the same
// diagnostics; no iteration or depth is counted by an `if`.
//
// The node keeps the general fields (condition, then_branch, else_branch: the nested `if`
// still there), so what walks the tree (Reads, WritesNoSlot) sees the same nodes.
#include "feel/if_chain.h"

#include <typeinfo>
#include <utility>
#include <vector>

namespace zebra::feel::internal {

namespace {

struct IfChainNode final : IfNode {
  struct Level {
    const Node* condition;
    const Node* branch;
  };
  std::vector<Level> levels;  // the first is (condition, then_branch); owned by the tree
  const Node* last = nullptr;  // the innermost else-branch

  Value Eval(Frame& f) const override {
    for (const Level& l : levels)
      if (VerdictOf(*l.condition, f) == Verdict::kTrue) return EvalOf(*l.branch, f);
    return EvalOf(*last, f);
  }
  // The branch as EvalRefOf reads it: where it lies, or evaluated into `tmp`.
  const Value& EvalRef(Frame& f, Value& tmp) const override {
    for (const Level& l : levels)
      if (VerdictOf(*l.condition, f) == Verdict::kTrue) return EvalRefOf(*l.branch, f, tmp);
    return EvalRefOf(*last, f, tmp);
  }
};

}  // namespace

NodePtr SpecialisedIfChain(std::shared_ptr<IfNode> general) {
  if (!general) return general;
  const Node& node = *general;  // (a reference for typeid: Clang 14 warns on a call inside it)
  if (typeid(node) != typeid(IfNode) || !general->condition || !general->then_branch || !general->else_branch)
    return general;
  auto n = std::make_shared<IfChainNode>();
  n->line = general->line;
  n->column = general->column;
  n->direct = Node::Direct::kNone;  // EvalRefOf calls its EvalRef: the branch read in place
  n->condition = general->condition;
  n->then_branch = general->then_branch;
  n->else_branch = general->else_branch;
  n->levels.push_back({n->condition.get(), n->then_branch.get()});
  const Node& e = *n->else_branch;
  if (typeid(e) == typeid(IfChainNode)) {
    // `else if ...`: parsed first, so already a chain; its levels follow this one's.
    const auto& inner = static_cast<const IfChainNode&>(e);
    n->levels.insert(n->levels.end(), inner.levels.begin(), inner.levels.end());
    n->last = inner.last;
  } else {
    n->last = &e;
  }
  return n;
}

}  // namespace zebra::feel::internal
