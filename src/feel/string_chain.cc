#include "feel/string_chain.h"

#include <string>
#include <utility>
#include <vector>

namespace zebra::feel::internal {

namespace {

// The argument x of an operand `string(x)` (the built-in: null for null, a string itself,
// anything else its FEEL text, ToFeelString; no diagnostic), or null for any other operand.
const Node* StringArgument(const Node& n) {
  const auto* c = dynamic_cast<const CallNode*>(&n);
  if (!c || !c->builtin || c->callee_name != "string" || c->args.size() != 1 || !c->arg_names.empty()) return nullptr;
  return c->args[0].get();
}

struct StringChainNode final : AddChainNode {
  std::vector<const Node*> string_args;  // per operand: StringArgument, or null

  // AddChainNode's evaluation, but an operand `string(x)` met while the strings are appended
  // appends x's text itself; x null makes the operand null, which ends the appending as it would.
  Value Eval(Frame& f) const override { return EvalAddChain(*this, f, string_args.data()); }
};

}  // namespace

NodePtr SpecialisedStringChain(std::shared_ptr<AddChainNode> chain) {
  std::vector<const Node*> args;
  bool any = false;
  for (const auto& op : chain->operands) {
    args.push_back(op ? StringArgument(*op) : nullptr);
    any = any || args.back();
  }
  if (!any) return chain;
  auto n = std::make_shared<StringChainNode>();
  n->line = chain->line;
  n->column = chain->column;
  n->direct = chain->direct;
  n->operands = std::move(chain->operands);
  n->string_args = std::move(args);
  return n;
}

}  // namespace zebra::feel::internal
