// A filter's pure item tests answered as verdicts (filter_tests.h), with the item slot written
// lazily and the string built-ins of item fields read inline, against the same predicates
// evaluated by their nodes (`if true then P else null`, which no item test stands for).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "feel/builtins_test_util.h"
#include "feel/feel.h"

namespace zebra::feel::filter_tests_test {
namespace {

// A random FEEL value for a field: strings (some the others' prefixes), numbers, booleans,
// null, a list, a date.
std::string FieldValue(std::mt19937& rng) {
  static const std::vector<std::string> kValues = {
      R"("ssa.lan")", R"("ssa.")", R"("prrt.lu")", R"("a")", R"("")", R"("lan")", "0", "1", "2", "2.50", "-1", "true",
      "false", "null", R"(["a", "ssa."])", R"(date("2026-01-01"))", R"([1, null, "a", ["a"]])", "[]"};
  return kValues[rng() % kValues.size()];
}

// A random item: a context literal (shaped) with some of the fields the predicates read, maybe
// an entry that shadows a name the predicate reads (`item`, `x`), or a value of another kind, or
// a bound context built entry by entry (unshaped: `u1`, `u2`).
std::string Item(std::mt19937& rng) {
  static const std::vector<std::string> kFields = {"id", "k", "flag", "prefix", "ids"};
  switch (rng() % 10) {
    case 0: return FieldValue(rng);
    case 1: return rng() % 2 ? "u1" : "u2";
    case 2: return R"({item: {id: "a"}, id: "a", k: 1})";
    case 3: return R"({x: "ssa.", id: "ssa.lan"})";
    default: {
      std::string c = "{";
      for (const auto& f : kFields) {
        if (rng() % 4 == 0) continue;  // a missing key
        c += (c.size() > 1 ? ", " : "") + f + ": " + FieldValue(rng);
      }
      return c + "}";
    }
  }
}

TEST(ItemVerdictTest, GeneratedListsAgreeWithThePredicateEvaluatedByItsNodes) {
  const std::vector<std::string> predicates = {
      "item.id = x",
      R"(item.id != "ssa.lan")",
      "item.k > x",
      "item.k >= 1 and item.k < 2.5",
      "starts with(item.id, x)",
      R"(ends with(item.id, "lan"))",
      "contains(item.id, x)",
      "starts with(x, item.prefix)",
      "item.flag = true or item.k = x",
      "not(item.flag)",
      "not(item.flag = x) and item.k != null",
      R"(starts with(item.id, "ssa.") or starts with(item.id, "prrt.") or item.flag)",
      R"(not(starts with(item.id, "ssa.") or contains(item.id, x)))",
      R"((item.id = "a" or item.k > 1) and not(item.flag = false))",
      "item.k = x and item.id = x",
      "item = x or item > 1",
      R"(starts with(item, "ssa") and item != x)",
      // Not pure (a part evaluated as a node): the item slot written for every item.
      R"(item.id = "a" or count([item]) > 1)",
      // `list contains` of a field's list (short, with numbers, nulls, nested lists), of a
      // name's long list (its string index), under `not`s and in `and` / `or`.
      "list contains(item.ids, x)",
      R"(list contains(item.ids, "a"))",
      "list contains(long_ids, item.id)",
      "list contains(item.id, x)",
      "not(list contains(item.ids, x))",
      R"(not(not(list contains(item.ids, "a"))) and not(item.flag))",
      "not(list contains(long_ids, item.id) or item.k > 1)",
      R"(not(list contains(item.ids, "ssa.") and not(item.flag)))",
  };
  const std::vector<std::string> xs = {R"("ssa.")", R"("a")", "1", "null", "true"};
  std::mt19937 rng(21);
  std::vector<std::string> lists;
  for (int n = 0; n < 40; ++n) {
    std::string list = "[";
    const int length = static_cast<int>(rng() % 7);
    for (int i = 0; i < length; ++i) list += (i ? ", " : "") + Item(rng);
    lists.push_back(list + "]");
  }
  lists.push_back(R"({id: "ssa.lan", k: 2})");  // a value that is not a list: a list of one
  lists.push_back("[1, 2, 3]");
  int compared = 0;
  for (const auto& x : xs) {
    Context vars;
    vars.Put("x", testing::ParsedValue(x));
    // A list long enough for `list contains`' string index (StringListIndex::kIndexedListSize).
    vars.Put("long_ids", testing::ParsedValue(
                        R"(["b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "ssa.lan", "a", "p"])"));
    vars.Put("u1", testing::C({{"id", testing::S("ssa.lan")}, {"k", testing::N(2)}, {"flag", testing::B(true)}}));
    vars.Put("u2", testing::C({{"prefix", testing::S("ss")}, {"k", testing::Null()}, {"id", testing::N(1)}}));
    for (const auto& list : lists) {
      for (const auto& p : predicates) {
        const std::string general = "if true then " + p + " else null";
        const std::vector<std::pair<std::string, std::string>> forms = {
            {list + "[" + p + "]", list + "[" + general + "]"},
            // The probe of an empty list reads the item slot the first filter left (they share it).
            {"[" + list + "[" + p + "], [][item]]", "[" + list + "[" + general + "], [][item]]"}};
        for (const auto& [fast_form, slow_form] : forms) {
          testing::Answered fast = testing::EvaluatedWithMessages(fast_form, vars);
          testing::Answered slow = testing::EvaluatedWithMessages(slow_form, vars);
          EXPECT_EQ(fast.literal, slow.literal) << fast_form << " with x = " << x;
          EXPECT_EQ(fast.messages, slow.messages) << fast_form << " with x = " << x;
          ++compared;
        }
      }
    }
  }
  EXPECT_EQ(compared, 5 * 42 * 26 * 2);
}

std::string Answer(const std::string& text) {
  Context vars;
  vars.Put("x", testing::S("ssa."));
  return testing::EvaluatedWithMessages(text, vars).literal;
}

TEST(ItemVerdictTest, WrittenOutAnswers) {
  // `and`, `or`, `not` over booleans and nulls as FEEL's three-valued logic has them.
  EXPECT_EQ(Answer("[{k: 1, f: true}, {k: 2, f: null}, {k: 3, f: false}][item.k > 2 or item.f]"),
            "[{k: 1, f: true}, {k: 3, f: false}]");
  EXPECT_EQ(Answer("[{k: 1, f: true}, {k: 2, f: null}, {k: 3, f: false}][item.k > 1 and not(item.f)]"),
            "[{k: 3, f: false}]");
  EXPECT_EQ(Answer("[{k: 1, f: null}, {k: 2, f: true}][not(item.f) or item.k > 5]"), "[]");
  EXPECT_EQ(Answer("[{k: 1, f: null}, {k: 9, f: false}, {k: 2, f: false}][not(item.f or item.k > 5)]"),
            "[{k: 2, f: false}]");
  EXPECT_EQ(Answer("[{k: 1, f: null}, {k: 9, f: true}, {k: 9, f: false}][not(item.f and item.k > 5)]"),
            "[{k: 1, f: null}, {k: 9, f: false}]");  // null and false is false
  EXPECT_EQ(Answer("[{k: null}, {}, {k: 1}][not(item.k > 0 and item.k < 2) or item.k = null]"), "[{k: null}, {}]");
  // The string tests of an item's field, and of a name over the item's field.
  EXPECT_EQ(Answer(R"([{id: "ssa.lan"}, {id: "prrt.lu"}, {id: "lan"}][ends with(item.id, "lan") and item.id != "lan"])"),
            R"([{id: "ssa.lan"}])");
  EXPECT_EQ(Answer(R"([{id: "ssa.lan"}, {id: "prrt.lu"}][contains(item.id, "t.l") or starts with(item.id, x)])"),
            R"([{id: "ssa.lan"}, {id: "prrt.lu"}])");
  EXPECT_EQ(Answer(R"([{p: "ss"}, {p: "pr"}, {p: ""}, {p: null}][starts with(x, item.p)])"), R"([{p: "ss"}, {p: ""}])");
  EXPECT_EQ(Answer(R"([{id: "ssa.lan"}, {id: "prrt.lu"}][ends with(item.id, "lu")])"), R"([{id: "prrt.lu"}])");
  EXPECT_EQ(Answer(R"([{id: "ssa.lan"}, {id: "prrt.lu"}][contains(item.id, "a.l")])"), R"([{id: "ssa.lan"}])");
  // The item slot holds the last item after a pure test (the empty list's probe reads it: a
  // number there is an index, so null).
  EXPECT_EQ(Answer("[[1, 2, 3][item > 1 and item < 3], [][item]]"), "[[2], null]");
  EXPECT_EQ(Answer("[[{k: 1}, {k: 2}][item.k > 1 or item.k < 0], [][item]]"), "[[{k: 2}], []]");
}

TEST(ItemVerdictTest, ListContainsAndNotsWrittenOut) {
  // `list contains` of an item's short list: strings compared by their text, other items
  // (numbers, null, a nested list) never equal to a string, the match anywhere in the list.
  const std::string items = R"([{k: 1, ids: ["a", "b"]}, {k: 3, ids: ["c"]}, {k: 3, ids: []}, )"
                            R"({k: 4, ids: [1, null, ["c"], "d", "c"]}, {k: 5, ids: [1, null, ["c"]]}])";
  EXPECT_EQ(Answer(items + R"([list contains(item.ids, "c")])"),
            R"([{k: 3, ids: ["c"]}, {k: 4, ids: [1, null, ["c"], "d", "c"]}])");
  EXPECT_EQ(Answer(items + R"([list contains(item.ids, "b")])"), R"([{k: 1, ids: ["a", "b"]}])");
  EXPECT_EQ(Answer(items + "[list contains(item.ids, x)]"), "[]");
  // `not`s: each one flips, two give the test back.
  EXPECT_EQ(Answer(items + R"([not(list contains(item.ids, "c"))])"),
            R"([{k: 1, ids: ["a", "b"]}, {k: 3, ids: []}, {k: 5, ids: [1, null, ["c"]]}])");
  EXPECT_EQ(Answer(items + R"([not(not(list contains(item.ids, "c")))])"),
            R"([{k: 3, ids: ["c"]}, {k: 4, ids: [1, null, ["c"], "d", "c"]}])");
  EXPECT_EQ(Answer(items + R"([not(not(not(list contains(item.ids, "c"))))])"),
            R"([{k: 1, ids: ["a", "b"]}, {k: 3, ids: []}, {k: 5, ids: [1, null, ["c"]]}])");
  // As operands of `and` / `or`, left and right, under a `not`.
  EXPECT_EQ(Answer(items + R"([list contains(item.ids, "c") and item.k > 3])"),
            R"([{k: 4, ids: [1, null, ["c"], "d", "c"]}])");
  EXPECT_EQ(Answer(items + R"([item.k < 2 or list contains(item.ids, "c")])"),
            R"([{k: 1, ids: ["a", "b"]}, {k: 3, ids: ["c"]}, {k: 4, ids: [1, null, ["c"], "d", "c"]}])");
  EXPECT_EQ(Answer(items + R"([not(item.k = 3 or list contains(item.ids, "a"))])"),
            R"([{k: 4, ids: [1, null, ["c"], "d", "c"]}, {k: 5, ids: [1, null, ["c"]]}])");
  EXPECT_EQ(Answer(items + R"([not(item.k = 3 and not(list contains(item.ids, "c")))])"),
            R"([{k: 1, ids: ["a", "b"]}, {k: 3, ids: ["c"]}, {k: 4, ids: [1, null, ["c"], "d", "c"]}, )"
            R"({k: 5, ids: [1, null, ["c"]]}])");
  // A null list: `list contains` gives null, so `not` of it too and the item is not kept.
  EXPECT_EQ(Answer(R"([{ids: null}, {}, {ids: ["a"]}][not(list contains(item.ids, "b"))])"), R"([{ids: ["a"]}])");
  // The other operand a list long enough for the call's string index (found, not found, and a
  // number that the index does not answer).
  const std::string long_list = R"(["b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "a"])";
  EXPECT_EQ(Answer(R"([{id: "a"}, {id: "z"}, {id: "p"}, {id: 1}][list contains()" + long_list + ", item.id)]"),
            R"([{id: "a"}, {id: "p"}])");
  EXPECT_EQ(Answer(R"([{id: "a"}, {id: "z"}, {id: "p"}][not(list contains()" + long_list + ", item.id))]"),
            R"([{id: "z"}])");
}

}  // namespace
}  // namespace zebra::feel::filter_tests_test
