// Internal: `if c1 then b1 else if c2 then b2 ... else e` answered by one node that tests the
// conditions in turn, and whose branch is read in place where the reader takes a reference (see
// if_chain.cc).
#pragma once

#include <memory>

#include "feel/builtins.h"
#include "feel/nodes.h"

namespace zebra::feel::internal {

// An IfChainNode for the plain `if` `general` (its typeid IfNode; the specialised `if`s keep
// their own nodes), its else-branch's own tests taken in when that branch is a plain `if` too.
NodePtr SpecialisedIfChain(std::shared_ptr<IfNode> general);

}  // namespace zebra::feel::internal
