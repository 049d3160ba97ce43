// Internal: `if count(x) > 0 then x[1] else d` and `if count(x) > 0 then x[1].a.b else d`, with
// the same x twice, answered with x evaluated once (see first_or_else.cc).
#pragma once

#include <memory>

#include "feel/builtins.h"
#include "feel/nodes.h"

namespace zebra::feel::internal {

// A FirstOrElseNode for `general` when its condition is `count(x) op k` (a CountCompareNode), its
// then-branch `x[1]` or a path over `x[1]`, and both x the same expression whose evaluation has
// no effect but its answer and diagnostics (names, literals, paths over them, `index of` of
// them); else null. The answers, diagnostics and the filter's item slot are the general `if`'s.
NodePtr SpecialisedFirstOrElse(const std::shared_ptr<IfNode>& general);

}  // namespace zebra::feel::internal
