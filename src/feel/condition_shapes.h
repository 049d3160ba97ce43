// Internal: condition shapes of the knowledge chosen at parse time (condition_shapes.cc), each
// answered as its general node answers it (the same reads, the same value, the same
// diagnostics), without the intermediate Values the general node makes.
#pragma once

#include <string>
#include <vector>

#include "feel/builtins.h"
#include "feel/nodes.h"

namespace zebra::feel::internal {

// `lhs = true`, `lhs = false`, `lhs != true`, `lhs != false` (rhs is that boolean literal): the
// knowledge's `(a or b) = true`, `(Case.tumor.multifocal) = true`. An EqualNode compares lhs's
// Value with the literal; when lhs is itself a condition whose value is only ever a boolean or
// null (`and`, `or`, a comparison), its verdict is read instead and no Value is made.
struct EqualBoolNode final : BinaryNode {
  bool literal = true;        // rhs's boolean
  bool boolean_lhs = false;  // lhs gives only booleans and nulls (BooleanValued)
  Value Eval(Frame& f) const override;
  Verdict EvalVerdict(Frame& f) const override;
};

// `value in ("a", "b", ...)` (or `in "a"`), every test a string literal: true when value is a
// string equal to one of them, else false (InNode's tests each compare with Equal, which answers
// false for null and nothing, no message, for other types).
struct InStringsNode final : InNode {
  std::vector<std::string> strings;
  Value Eval(Frame& f) const override;
  Verdict EvalVerdict(Frame& f) const override;
};

// `a or b or c ...` / `a and b and c ...` (three or more operands): the nested OrNodes /
// AndNodes the parser makes (kept as lhs, rhs for walks over the tree) answered by one loop over
// the operands, left to right, stopping at the first that decides (true for or, false for and),
// as the nested nodes stop; otherwise all false (or: all true) gives false (true), anything else
// null (DMN 1.5 Table 49 is associative, and each level evaluates its right operand exactly
// when no operand to its left decided).
struct StringTestCallNode;
struct OrChainNode final : OrNode {
  std::vector<const Node*> operands;  // into the tree under lhs, rhs
  // When every operand is a StringTestCallNode whose first argument reads the same name (a slot:
  // `systemic(id)`'s `starts with(id, "ssa.") or starts with(id, "prrt.") ...`): that first
  // argument, read once for the chain when it is a string (for anything else the operands run as
  // above, each with its own messages), and the operands as those nodes. Else null / empty.
  const Node* string_subject = nullptr;
  std::vector<const StringTestCallNode*> string_tests;
  Value Eval(Frame& f) const override;
  Verdict EvalVerdict(Frame& f) const override;
};
struct AndChainNode final : AndNode {
  std::vector<const Node*> operands;
  Value Eval(Frame& f) const override;
  Verdict EvalVerdict(Frame& f) const override;
};
// `root` (an OrNode or AndNode the parser made) as a chain node when its left operand is one of
// its kind, else itself.
NodePtr SpecialisedChain(NodePtr root);

// `starts with(s, "text")`, `ends with(s, "text")`, `contains(s, "text")`: a positional call of
// that built-in with a string literal second, answered for a string s as FastCallNode<2> answers
// it (the fast form's test), without the boolean Value when read as a verdict; any other s goes
// the FastCallNode<2> way (the fast form, else the built-in with its messages).
struct StringTestCallNode final : CallNode {
  uint8_t test = 0;  // 1 starts with, 2 ends with, 3 contains
  const Value* literal = nullptr;  // args[1]'s value, in the tree
  Value Eval(Frame& f) const override;
  Verdict EvalVerdict(Frame& f) const override;
};
// `call` (with its fast form) as a StringTestCallNode when it is one of those, else null.
NodePtr SpecialisedStringTest(const CallNode& call);

// `list contains(l, "text")`: a positional call of the built-in with a string literal second,
// answered for a list l as FastCallNode<2> answers it (its string index for a long list, else
// each item compared as the fast form compares it), without the boolean Value when read as a
// verdict; any other l goes the FastCallNode<2> way (null for null, else the built-in).
struct ListContainsCallNode final : CallNode {
  const Value* literal = nullptr;  // args[1]'s value, in the tree
  Value Eval(Frame& f) const override;
  Verdict EvalVerdict(Frame& f) const override;
};
// `call` (with its fast form) as a ListContainsCallNode when it is one, else null.
NodePtr SpecialisedListContains(const CallNode& call);

// Whether `n`'s value is always a boolean or null (and, or, the comparison nodes, the nodes here).
bool BooleanValued(const Node& n);

// `general` (an EqualNode) as an EqualBoolNode when its rhs is a boolean literal, else itself.
NodePtr SpecialisedEqualBool(std::shared_ptr<BinaryNode> general);
// `general` as an InStringsNode when its tests are all string literals, else itself.
NodePtr SpecialisedIn(std::shared_ptr<InNode> general);

}  // namespace zebra::feel::internal
