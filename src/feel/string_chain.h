// Internal: a chain of `+` (AddChainNode) with operands `string(x)`, as in the knowledge's
// explanation texts (`"Ki-67 " + string(Case.tumor.ki67_percent) + " %"`): while the chain
// appends strings into one buffer, such an operand appends x's text straight from x, without
// the string value the call would make and the chain would copy and drop.
#pragma once

#include <memory>

#include "feel/builtins.h"
#include "feel/nodes.h"

namespace zebra::feel::internal {

// An AddChainNode's value. `string_args` (null, or one entry per operand) gives for an operand
// `string(x)` its x, whose text is appended straight from x while the chain appends strings.
Value EvalAddChain(const AddChainNode& chain, Frame& f, const Node* const* string_args);

// A StringChainNode answering as `chain` when some operand is a positional call of the built-in
// `string` with one argument, else `chain` itself.
NodePtr SpecialisedStringChain(std::shared_ptr<AddChainNode> chain);

}  // namespace zebra::feel::internal
