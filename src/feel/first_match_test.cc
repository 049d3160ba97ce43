// `list[test][1]` answered by FirstMatch (first_match.h) without the filtered list, against the
// same filter with its predicate evaluated by its nodes (`if true then P else null`, which
// neither an item test nor FirstMatch stands for), and against answers written out by hand.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "feel/builtins_test_util.h"
#include "feel/feel.h"

namespace zebra::feel::first_match_test {
namespace {

// A field's value as FEEL text: strings (some equal), numbers, booleans (which cannot be compared
// with strings or ordered: diagnostics), null, a list, a date.
std::string FieldValue(std::mt19937& rng) {
  static const std::vector<std::string> kValues = {
      R"("ssa.lan")", R"("ssa.lan")", R"("prrt.lu")", R"("a")", R"("")", "0", "1", "2", "2.50",
      "true",         "false",        "null",         R"(["a"])", R"(date("2026-01-01"))"};
  return kValues[rng() % kValues.size()];
}

// An item: mostly a context literal with some of `id` and `k` (keys missing at random), now and
// then one whose entry shadows a name the predicate reads (`item`, `x`), a bound unshaped
// context (`u1`), or no context at all.
std::string Item(std::mt19937& rng) {
  switch (rng() % 12) {
    case 0: return FieldValue(rng);
    case 1: return "u1";
    case 2: return R"({item: {id: "a", k: 1}, id: "x", k: 5})";
    case 3: return R"({x: "ssa.lan", id: "ssa.lan", k: 1})";
    default: {
      std::string c = "{";
      if (rng() % 5) c += "id: " + FieldValue(rng);
      if (rng() % 3) c += std::string(c.size() > 1 ? ", " : "") + "k: " + FieldValue(rng);
      return c + "}";
    }
  }
}

TEST(FirstMatchTest, GeneratedListsAgreeWithTheFilterEvaluatedByItsNodes) {
  const std::vector<std::string> predicates = {
      "item.id = x", "item.id != x", "x = item.id", "item.k > x", "item.k <= 1", "1 > item.k",
      "item.id = o.id", "item = x", "item.k = null",
  };
  const std::vector<std::string> xs = {R"("ssa.lan")", R"("a")", "1", "null", "true"};
  std::mt19937 rng(2127);
  std::vector<std::string> lists;
  for (int n = 0; n < 50; ++n) {
    std::string list = "[";
    // Mostly plain lists of contexts with string ids (the Ranking's options), some mixed.
    const bool plain = n % 2 == 0;
    const int length = static_cast<int>(rng() % 8);
    for (int i = 0; i < length; ++i) {
      std::string item = plain ? R"({id: )" + std::string(rng() % 3 ? R"("ssa.lan")" : R"("a")") + ", k: " +
                                     std::to_string(rng() % 3) + "}"
                               : Item(rng);
      if (plain && rng() % 4 == 0) item = R"({id: "prrt.lu", k: 2})";
      list += (i ? ", " : "") + item;
    }
    lists.push_back(list + "]");
  }
  lists.push_back(R"({id: "ssa.lan", k: 2})");  // not a list: a list of one
  lists.push_back("[1, 2, 1]");
  lists.push_back("null");
  int compared = 0;
  for (const auto& x : xs) {
    Context vars;
    vars.Put("x", testing::ParsedValue(x));
    vars.Put("o", testing::C({{"id", testing::ParsedValue(x)}}));
    vars.Put("u1", testing::C({{"id", testing::S("ssa.lan")}, {"k", testing::N(2)}}));
    vars.Put("zs", testing::C({{"z", testing::N(1)}}));
    for (const auto& list : lists) {
      // The list is bound, not written in the expressions: compiled literals are kept for the
      // process (MakeImmortal), and thousands of them would fill what later tests expect.
      EvalContext list_ctx;
      auto lv = EvaluateExpression(list, vars, list_ctx);
      ASSERT_TRUE(lv.has_value()) << list;
      vars.Put("l", *lv);
      for (const auto& p : predicates) {
        const std::string general = "if true then " + p + " else null";
        // Over the bound list (borrowed) and over a computed one; followed by empty lists'
        // probes of the item slot (both filters' slots); inside another filter's predicate
        // (names look in its item too).
        auto forms = [&](const std::string& pred) {
          return std::vector<std::string>{
              "l[" + pred + "][1]",
              "(if x = false then null else l)[" + pred + "][1]",
              "[l[" + pred + "][1], [][if item = null then false else 1], [][item.k]]",
              "[zs, u1][l[" + pred + "][1] = null]",
          };
        };
        const auto fast_forms = forms(p), slow_forms = forms(general);
        for (size_t k = 0; k < fast_forms.size(); ++k) {
          testing::Answered fast = testing::EvaluatedWithMessages(fast_forms[k], vars);
          testing::Answered slow = testing::EvaluatedWithMessages(slow_forms[k], vars);
          EXPECT_EQ(fast.literal, slow.literal) << fast_forms[k] << " over " << list << " with x = " << x;
          EXPECT_EQ(fast.messages, slow.messages) << fast_forms[k] << " over " << list << " with x = " << x;
          ++compared;
        }
      }
    }
  }
  EXPECT_EQ(compared, 5 * 53 * 9 * 4);
}

std::string Answer(const std::string& text) {
  Context vars;
  vars.Put("raw", testing::ParsedValue(R"([{id: "a", n: 1}, {id: "b", n: 2}, {id: "a", n: 3}, {id: true, n: 4}])"));
  return testing::EvaluatedWithMessages(text, vars).literal;
}

std::vector<std::string> Messages(const std::string& text) {
  return testing::EvaluatedWithMessages(text, Context{}).messages;
}

TEST(FirstMatchTest, WrittenOutAnswers) {
  // The first of the items kept, duplicates and all; none kept, an empty list, null.
  EXPECT_EQ(Answer(R"(for oid in ["b", "a", "c"] return raw[item.id = oid][1].n)"), "[2, 1, null]");
  EXPECT_EQ(Answer(R"(raw[item.n > 1][1].n)"), "2");
  EXPECT_EQ(Answer(R"(raw[item.n > 9][1])"), "null");
  EXPECT_EQ(Answer(R"([][item.n > 1][1])"), "null");
  EXPECT_EQ(Answer(R"(null[item.n > 1][1])"), "null");
  // The Ranking's form: the first option of each distinct id.
  EXPECT_EQ(Answer(R"(for oid in distinct values(for o in raw return o.id) return raw[item.id = oid][1].n)"),
            "[1, 2, 4]");
  // An item after the first kept is still tested: its diagnostic is reported (a boolean id
  // cannot be compared with a string), once per item, as the whole filter reports it.
  EXPECT_EQ(Messages(R"([{id: "a"}, {id: true}, {id: false}][item.id = "a"][1])").size(), 2u);
  EXPECT_EQ(Messages(R"([{id: "a"}, {id: "b"}][item.id = "a"][1])").size(), 0u);
  // The item slots afterwards: the outer filter's probe reads the first item kept (a number
  // there is an index: null), the inner's the last item of the list.
  EXPECT_EQ(Answer(R"([[1, 5, 2][item > 1][1], [][item]])"), "[5, null]");
  EXPECT_EQ(Answer(R"([[1, 5, 2][item > 9][1], [][item]])"), "[null, null]");
}

}  // namespace
}  // namespace zebra::feel::first_match_test
