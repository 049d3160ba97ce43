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

  // AddChainNode::Eval, but an operand `string(x)` met while the strings are appended appends
  // x's text itself; x null makes the operand null, which ends the appending as it would.
  Value Eval(Frame& f) const override {
    EvalContext& ctx = *f.ctx;
    ScratchValue a_tmp, b_tmp;
    const Value& a = EvalRefOf(*operands[0], f, a_tmp);
    const Value& b = EvalRefOf(*operands[1], f, b_tmp);
    size_t i = 2;
    Value acc;
    if (a.is(Type::kString) && b.is(Type::kString)) {
      std::string s;
      s.reserve(a.string().size() + b.string().size() + 64);
      s += a.string();
      s += b.string();
      bool all_strings = true;
      for (; i < operands.size(); ++i) {
        ScratchValue tmp;
        if (const Node* x = string_args[i]) {
          const Value& v = EvalRefOf(*x, f, tmp);
          if (v.is(Type::kString)) {
            s += v.string();
            continue;
          }
          if (!v.is_null()) {
            s += ToFeelString(v);
            continue;
          }
          acc = Add(Value::String(std::move(s)), Value(), ctx);  // `string(null)` is null
          all_strings = false;
          ++i;
          break;
        }
        const Value& c = EvalRefOf(*operands[i], f, tmp);
        if (!c.is(Type::kString)) {
          acc = Add(Value::String(std::move(s)), c, ctx);
          all_strings = false;
          ++i;
          break;
        }
        s += c.string();
      }
      if (all_strings) return Value::String(std::move(s));
    } else {
      acc = Add(a, b, ctx);
    }
    for (; i < operands.size(); ++i) {
      ScratchValue tmp;
      acc = Add(acc, EvalRefOf(*operands[i], f, tmp), ctx);
    }
    return acc;
  }
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
