// An index by a name plus or minus an integer literal (`sorted[i + 1]`) is read like an index by
// a name (FilterNode::index_offset, in FilterNode::EvalRef and, under a path, IndexedElement);
// the same sum written as another filter (`t[[n + 1][1]]`) goes through the filter's general
// loop, which evaluates the sum for the first item. The two must agree on the value, the
// diagnostics and the item slot that a later probe of an empty list reads.
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "common/sanitizers.h"
#include "feel/builtins_test_util.h"
#include "feel/feel.h"

namespace zebra::feel::index_offset_test {
namespace {

using testing::Answered;
using testing::EvaluatedWithMessages;
using testing::ParsedValue;

TEST(IndexOffsetTest, AgreesWithTheSumEvaluatedByTheFilterLoop) {
  // Unshaped contexts (built key by key), one with an entry `n` (the index's name) and one with
  // `br` (the same key-filter bit as `n`, no entry `n`).
  Context unshaped_n;
  unshaped_n.Put("k", Value::Number(1));
  unshaped_n.Put("n", Value::Number(2));
  Context unshaped_br;
  unshaped_br.Put("br", Value::Number(1));
  unshaped_br.Put("k", Value::Number(2));
  Context vars;
  vars.Put("un", Value::FromContext(unshaped_n));
  vars.Put("ub", Value::FromContext(unshaped_br));
  const std::vector<std::string> targets = {
      R"([{k: 10, m: {k: 11}}, {k: 20, m: {k: 21}}, {k: 30, m: null}])",
      R"([{k: 1}, {n: 2, k: 2}, {k: 3}])",      // a later item with `n`: only the first counts
      R"([{n: 1, k: 1}, {k: 2}, {k: 3}])",      // the first item's `n` is the name read
      R"([{n: "x", k: 1}, {k: 2}, {k: 3}])",    // ... and it is not a number
      R"([{br: 1, k: 1}, {k: 2}, {k: 3}])",     // the key filter cannot tell
      R"([{k: 1}, 5, "x", [1], {k: 4}])",       // items that are not contexts
      R"([5, {k: 6}, {k: 7}])",                 // a first item that is not (the probe reads it)
      "[un, ub, un]", "[ub, un, ub]", "[1, 2, 3]", "[]", "null", R"({k: 1})", R"("x")"};
  const std::vector<std::string> indexes = {
      "1",   "2",    "3",    "4",   "0",   "-1",   "-2",   "-3",  "-4",  "1.5", "-0.5", "0.5", "2.000",
      "1e0", "1e1",  "null", "true", R"("a")", "9999999999999999999999", "-9223372036854775808",
      "4611686018427387904", "-4611686018427387903"};
  const std::vector<std::string> sums = {"n + 1", "n - 1", "n + 2", "n - 3", "n + -1", "n - -2", "n + 3"};
  // Under the sanitizers every kSanitizerStride-th (target, index) pair: each target and each
  // index still meets several of the others.
  size_t pair = 0;
  int compared = 0;
  for (const auto& t : targets) {
    for (const auto& n : indexes) {
      if (pair++ % kSanitizerStride != 0) continue;
      Context bound = vars;
      bound.Put("n", ParsedValue(n));
      for (const auto& s : sums) {
        const std::string x = "t[" + s + "]";
        const std::vector<std::string> forms = {
            // A local name in the sum, a global target (the context's entries are locals here).
            "{t: " + t + ", r: for n in [" + n + "] return [" + x + ".k, " + x + ".m.k, " + x + "]}.r",
            // A global name (`n` bound by the caller) and a local target.
            "for t in [" + t + "] return [" + x + ".k, " + x + ".m.k, " + x + "]",
            // The item slot the filter leaves behind, read by a later probe of an empty list.
            "{t: " + t + ", r: for n in [" + n + "] return [" + x + ".k, [][item], " + x + ", [][item.k]]}.r",
            // Inside another filter's predicate (its items may hold `n`): the general path.
            "{t: " + t + ", r: [{n: 1}, 5][count([" + x + ".k]) >= 0]}.r",
            // A counting loop's variable, as `for i in 1..n return sorted[i + 1].id` reads it.
            "{t: " + t + ", r: for n in -1..4 return [" + x + ".k, " + x + "]}.r"};
        for (const auto& form : forms) {
          std::string slow = form;
          for (size_t at = slow.find(x); at != std::string::npos; at = slow.find(x, at + 1))
            slow.replace(at, x.size(), "t[[" + s + "][1]]");
          ASSERT_NE(slow, form);
          Answered fast = EvaluatedWithMessages(form, bound);
          Answered general = EvaluatedWithMessages(slow, bound);
          EXPECT_EQ(fast.literal, general.literal) << form << " with n = " << n;
          EXPECT_EQ(fast.messages, general.messages) << form << " with n = " << n;
          ++compared;
        }
      }
    }
  }
  EXPECT_EQ(compared, (14 * 22 + kSanitizerStride - 1) / kSanitizerStride * 7 * 5);
}

// Hand-written answers: the neighbour read by rank, as ranking.dmn's `tied_with` reads it, and
// the first item's entry named like the index taking precedence over the loop's name.
TEST(IndexOffsetTest, ReadsTheRightElement) {
  const Context none;
  EXPECT_EQ(EvaluatedWithMessages(
                R"({s: [{id: "a", v: 1}, {id: "b", v: 1}, {id: "c", v: 2}],
                    r: for i in 1..3 return if i < 3 then (if s[i + 1].v = s[i].v then s[i + 1].id else null) else null}.r)",
                none)
                .literal,
            R"(["b", null, null])");
  EXPECT_EQ(EvaluatedWithMessages(R"({s: ["a", "b", "c"], r: for i in 1..4 return [s[i - 1], s[i + 1]]}.r)", none).literal,
            R"([[null, "b"], ["a", "c"], ["b", null], ["c", null]])");
  // From the end: i - 3 is -2 for i = 1, the last but one.
  EXPECT_EQ(EvaluatedWithMessages(R"({s: ["a", "b", "c"], r: for i in 1..2 return s[i - 3]}.r)", none).literal,
            R"(["b", "c"])");
  // The first item's `i` (1) is the name the sum reads, for every loop step.
  EXPECT_EQ(EvaluatedWithMessages(R"({s: [{i: 1, id: "a"}, {id: "b"}, {id: "c"}], r: for i in 1..3 return s[i + 1].id}.r)", none)
                .literal,
            R"(["b", "b", "b"])");
  // A fraction: -0.5 + 1 is 0.5, the position 0 (null), not -0 + 1.
  EXPECT_EQ(EvaluatedWithMessages(R"({s: ["a", "b"], r: for i in [-0.5, 0.5, 1.5] return s[i + 1]}.r)", none).literal,
            R"([null, "a", "b"])");
  // The item slot holds the first item afterwards: the probe of `[][item]` reads it.
  EXPECT_EQ(EvaluatedWithMessages(R"({l: [5, {k: 6}], r: for i in 1..1 return [l[i + 1].k, [][item]]}.r)", none).literal,
            "[[6, null]]");
  EXPECT_EQ(EvaluatedWithMessages(R"({l: [{k: 5}, {k: 6}], r: for i in 1..1 return [l[i + 1].k, [][item]]}.r)", none).literal,
            "[[6, []]]");
}

}  // namespace
}  // namespace zebra::feel::index_offset_test
