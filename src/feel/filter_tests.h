// Internal: a filter's item test (ItemTestPlan) answered per item as a verdict, without the
// Values the predicate's nodes and EvalItemTest make (see filter_tests.cc).
#pragma once

#include <cstdint>
#include <string_view>

#include "common/bytes.h"
#include "feel/builtins.h"
#include "feel/nodes.h"

namespace zebra::feel::internal {

// What a predicate gives for one item, as far as a filter cares: true (kept), false, null.
// kSlow: these operands need the general answer (other types, something to report), which the
// caller then computes as before; a verdict has no effect, so nothing is done twice.
enum class ItemVerdict : uint8_t { kFalse, kTrue, kNull, kSlow };

// The verdict of the pure test `t` (ItemTestPlan::pure: comparisons, two-argument fast
// built-ins, `and`, `or`, `not`) for `item`, a context that does not shadow the test's names or
// a value whose fields the test does not read (null), with the other operands `others`
// (ItemTestOther). Never kSlow where the test's own answer is a boolean or null from the
// operand types it reads inline; never a different answer.
// `starts with(x, y)` (kind 1), `ends with` (2), `contains` (3) for two strings, as the fast
// built-ins (FastStringTest) answer them (ItemTest::string_test).
// (The prefix and suffix compared by SameBytes: most are a few bytes, where memcmp's call costs
// more than the compare.)
[[gnu::always_inline]] inline bool StringTest(uint8_t kind, std::string_view x, std::string_view y) {
  if (kind == 3) return x.find(y) != std::string_view::npos;
  if (y.size() > x.size()) return false;
  return SameBytes(kind == 1 ? x.data() : x.data() + (x.size() - y.size()), y.data(), y.size());
}

ItemVerdict ItemVerdictOf(const ItemTest& t, const Value* const* others, const Value& item);

// The other operand of `t` (a literal, a name, or one entry of a name), read once a filter, or
// null when the predicate must read it (eval.cc).
const Value* ItemTestOther(const ItemTest& t, const Frame& f);
// Whether `c` has an entry that would shadow a name `plan`'s tests read (eval.cc's Shadows).
bool ItemShadows(const ItemTestPlan& plan, const Context& c);
// The answer of the leaf `t` for the item of `inner`, as EvalItems gets it (eval.cc's
// EvalItemLeaf), diagnostics included.
Value ItemLeafAnswer(const ItemTest& t, const Value* const* others, Frame& inner);

}  // namespace zebra::feel::internal
