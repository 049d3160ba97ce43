// A path over an index by name (`sorted[i].id`) reads the element inline (IndexedElement); the
// same path over the index written as another filter (`sorted[[i][1]].id`) goes through the
// filter's general loop. The two must agree on the value, the diagnostics and the item slot
// that a later probe of an empty list reads.
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "feel/builtins_test_util.h"
#include "feel/feel.h"

namespace zebra::feel::index_path_test {
namespace {

using testing::Answered;
using testing::EvaluatedWithMessages;
using testing::ParsedValue;

TEST(IndexPathTest, AgreesWithTheIndexEvaluatedAsAFilter) {
  // Unshaped contexts (built key by key), one with an entry `n` (the index's name) and one with
  // `br` (the same key-filter bit as `n`, no entry `n`).
  Context unshaped_n;
  unshaped_n.Put("k", Value::Number(1));
  unshaped_n.Put("n", Value::Number(3));
  Context unshaped_br;
  unshaped_br.Put("br", Value::Number(1));
  unshaped_br.Put("k", Value::Number(2));
  Context vars;
  vars.Put("un", Value::FromContext(unshaped_n));
  vars.Put("ub", Value::FromContext(unshaped_br));
  const std::vector<std::string> targets = {
      R"([{k: 10, m: {k: 11}}, {k: 20, m: {k: 21}}, {k: 30, m: null}])",
      R"([{k: 1}, {n: 2, k: 2}, {k: 3}])",      // a later item with `n`: only the first counts
      R"([{n: 2, k: 1}, {k: 2}, {k: 3}])",      // the first item's `n` is the index
      R"([{br: 1, k: 1}, {k: 2}, {k: 3}])",     // the key filter cannot tell
      R"([{k: 1}, 5, "x", [1], {k: 4}])",       // items that are not contexts
      R"([5, {k: 6}, {k: 7}])",                 // a first item that is not (the probe reads it)
      "[un, ub, un]", "[ub, un, ub]", "[1, 2, 3]", "[]", "null", R"({k: 1})", R"("x")",
      R"([{item: 1, k: 1}, {item: 2, k: 2}])"};
  const std::vector<std::string> indexes = {"1",    "2",     "3",    "4",   "0",          "-1",   "-3",
                                            "-4",   "1.5",   "2.000", "1e0", "0.5",       "null", "true",
                                            R"("a")", "9999999999999999999999", "-9223372036854775808"};
  int compared = 0;
  for (const auto& t : targets) {
    for (const auto& n : indexes) {
      const std::vector<std::string> forms = {
          // A local name as the index, a global target (the context's entries are locals here).
          "{t: " + t + ", r: for n in [" + n + "] return [t[n].k, t[n].m.k, t[n]]}.r",
          // A global index (`n` bound by the caller) and a local target.
          "for t in [" + t + "] return [t[n].k, t[n].m.k]",
          // The item slot the filter leaves behind, read by a later probe of an empty list.
          "{t: " + t + ", r: for n in [" + n + "] return [t[n].k, [][item], t[n].m.k, [][item.k]]}.r",
          // Inside another filter's predicate (its items may hold `n`): the general path.
          "{t: " + t + ", r: [{n: 1}, 5][count([t[n].k]) >= 0]}.r",
          // A loop counting the index, as `for i in 1..n return sorted[i].id` does.
          "{t: " + t + ", r: for n in 0..4 return t[n].k}.r"};
      Context bound = vars;
      bound.Put("n", ParsedValue(n));
      for (const auto& form : forms) {
        const std::string slow = std::regex_replace(form, std::regex(R"(t\[n\])"), "t[[n][1]]");
        ASSERT_NE(slow, form);
        Answered fast = EvaluatedWithMessages(form, bound);
        Answered general = EvaluatedWithMessages(slow, bound);
        EXPECT_EQ(fast.literal, general.literal) << form << " with n = " << n;
        EXPECT_EQ(fast.messages, general.messages) << form << " with n = " << n;
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 14 * 17 * 5);
}

// Hand-written answers: the element read through the index, its entries, and the first item's
// entry named like the index taking precedence over the loop's name.
TEST(IndexPathTest, ReadsTheRightElement) {
  const Context none;
  EXPECT_EQ(EvaluatedWithMessages(R"({s: [{id: "a", v: 1}, {id: "b", v: 2}], r: for i in 1..2 return s[i].id + s[i].id}.r)", none).literal,
            R"(["aa", "bb"])");
  EXPECT_EQ(EvaluatedWithMessages(R"({s: [{id: "a", m: {v: 1}}, {id: "b", m: {v: 2}}], r: for i in [2, 1, 3] return s[i].m.v}.r)", none)
                .literal,
            "[2, 1, null]");
  // The first item's `i` (2) is the index for every loop step.
  EXPECT_EQ(EvaluatedWithMessages(R"({s: [{i: 2, id: "a"}, {id: "b"}], r: for i in 1..2 return s[i].id}.r)", none).literal,
            R"(["b", "b"])");
  // The item slot holds the first item afterwards (a number here): the probe of `[][item]`
  // reads it and answers null, as after `[5, 6][i]`.
  // (The index made by a counting loop, as in ranking.dmn.)
  EXPECT_EQ(EvaluatedWithMessages(R"({l: [5, {k: 6}], r: for i in 2..2 return [l[i].k, [][item]]}.r)", none).literal,
            "[[6, null]]");
  EXPECT_EQ(EvaluatedWithMessages(R"({l: [{k: 5}, {k: 6}], r: for i in 2..2 return [l[i].k, [][item]]}.r)", none).literal,
            "[[6, []]]");
  // A sorted list read by rank, as ranking.dmn reads it.
  EXPECT_EQ(EvaluatedWithMessages(R"({sorted: sort([{id: "x", score: 1}, {id: "y", score: 5}], function(a, b) a.score > b.score),
                    r: for i in 1..count(sorted) return sorted[i].id}.r)",
                none)
                .literal,
            R"(["y", "x"])");
}

// The item slot a path read through the index leaves behind, on every read: the first read of
// an evaluation goes the general way (the path's shapes are not cached yet), so the loops read
// each index twice, and another filter writes the slot in between (`[{}, {}][true]` leaves `{}`
// there); the probe `[][item]` then tells a number (null) from a context ([]). Plain indexes and
// offsets (`t[n + 1]`), against the same index evaluated by the filter's loop.
TEST(IndexPathTest, LeavesTheItemSlotAsTheFilterLoopOnEveryRead) {
  const Context none;
  const std::vector<std::string> targets = {
      R"([5, {k: 6}, {k: 7}])", R"([{k: 5}, {k: 6}, {k: 7}])", R"(["x", {k: 6, m: {k: 1}}, {k: 7}])",
      R"([[1], {k: 6}, null])", R"([null, {k: 6}, {k: 7}])"};
  const std::vector<std::string> indexes = {"[1, 1]", "[2, 2]", "[3, 3, 2]", "[0, 0]", "[1.5, 1.5]", "[2, 9, 2]"};
  const std::vector<std::string> reads = {"n", "n + 1", "n - 1"};
  int compared = 0;
  for (const auto& t : targets) {
    for (const auto& ns : indexes) {
      for (const auto& r : reads) {
        const std::string x = "t[" + r + "]";
        const std::string form = "{t: " + t + ", r: for n in " + ns + " return [[{}, {}][true], " + x + ".k, [][item], " +
                                 "[{}][true], " + x + ".m.k, [][item.k]]}.r";
        std::string slow = form;
        for (size_t at = slow.find(x); at != std::string::npos; at = slow.find(x, at + 1))
          slow.replace(at, x.size(), "t[[" + r + "][1]]");
        ASSERT_NE(slow, form);
        Answered fast = EvaluatedWithMessages(form, none);
        Answered general = EvaluatedWithMessages(slow, none);
        EXPECT_EQ(fast.literal, general.literal) << form;
        EXPECT_EQ(fast.messages, general.messages) << form;
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 5 * 6 * 3);
  // Hand-written: the first item (5, a number) in the slot after each read, the second time too.
  EXPECT_EQ(EvaluatedWithMessages(R"({l: [5, {k: 6}], r: for i in [2, 2] return [[{}, {}][true], l[i].k, [][item]]}.r)", none)
                .literal,
            "[[[{}, {}], 6, null], [[{}, {}], 6, null]]");
  EXPECT_EQ(EvaluatedWithMessages(R"({l: [5, {k: 6}, {k: 7}], r: for i in [1, 1] return [[{}, {}][true], l[i + 1].k, [][item]]}.r)", none)
                .literal,
            "[[[{}, {}], 6, null], [[{}, {}], 6, null]]");
  // A context first: the probe answers [].
  EXPECT_EQ(EvaluatedWithMessages(R"({l: [{k: 5}, {k: 6}], r: for i in [2, 2] return [[5][true], l[i].k, [][item]]}.r)", none)
                .literal,
            "[[[5], 6, []], [[5], 6, []]]");
}

}  // namespace
}  // namespace zebra::feel::index_path_test
