// Pure filters answered by verdicts (verdict_filter.h): `l[P]` with P a pure item test, against
// the same filter with its predicate evaluated by its nodes (`if true then P else null`, which no
// item test stands for, so FilterNode::EvalItems' general loop answers it), and against answers
// written out by hand.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "feel/builtins_test_util.h"
#include "feel/feel.h"

namespace zebra::feel::verdict_filter_test {
namespace {

// A field's value as FEEL text: mostly the types the verdicts answer, now and then one the
// general path must report (a number against a string, a string against a number).
std::string FieldValue(std::mt19937& rng, int kind) {
  static const std::vector<std::string> kStrings = {R"("bar")", R"("avoid")", R"("ba")", R"("")", "null", "1"};
  static const std::vector<std::string> kNumbers = {"0", "5", "-3", "0.0", "null", R"("5")"};
  static const std::vector<std::string> kBools = {"true", "false", "null", "true", "false", R"("true")"};
  static const std::vector<std::string> kIds = {R"(["a", "b"])", R"(["b"])", "[]", R"(["ab"])", "null", R"("a")"};
  const size_t k = rng() % 6;
  switch (kind) {
    case 0: return kStrings[k];
    case 1: return kNumbers[k];
    case 2: return kBools[k];
    default: return kIds[k];
  }
}

// An item: mostly a context with some of `a` (a string), `n` (a number), `p` (a boolean), `ids`
// (a list of strings), each missing at random; now and then one whose entry shadows a name the
// predicate reads (`item`, `v`, `w`), a string, null, or a number.
std::string Item(std::mt19937& rng, bool plain) {
  if (!plain) switch (rng() % 12) {
      case 0: return R"("bar")";
      case 1: return "null";
      case 2: return "7";
      case 3: return R"({item: {a: "bar"}, a: "bar", n: 1})";
      case 4: return R"({v: "a", a: "avoid", ids: ["a"]})";
      case 5: return R"({w: 1, n: 5, p: true})";
      default: break;
    }
  static const char* const kNames[] = {"a", "n", "p", "ids"};
  std::string c = "{";
  for (int k = 0; k < 4; ++k)
    if (rng() % 5) c += std::string(c.size() > 1 ? ", " : "") + kNames[k] + ": " + FieldValue(rng, k);
  return c + "}";
}

TEST(VerdictFilterTest, GeneratedListsAgreeWithThePredicateEvaluatedByItsNodes) {
  const std::vector<std::string> predicates = {
      R"(item.a = "bar")",
      R"(item.a != "bar")",
      "item.p = true",
      "item.p != true",
      "item.n > 0",
      "w <= item.n",
      "list contains(item.ids, v)",
      "not(list contains(item.ids, v))",
      R"(item.a = "bar" and list contains(item.ids, v))",
      R"(item.p = true or item.n < w)",
      R"(starts with(item.a, "ba") and not(item.n = 0))",
  };
  std::mt19937 rng(1111);
  std::vector<std::string> lists;
  for (int n = 0; n < 40; ++n) {
    const bool plain = n % 2 == 0;
    const int length = n == 38 ? 64 : n == 39 ? 65 : static_cast<int>(rng() % 9);
    std::string list = "[";
    for (int i = 0; i < length; ++i) list += (i ? ", " : "") + Item(rng, plain || length > 9);
    lists.push_back(list + "]");
  }
  lists.push_back(R"({a: "bar", n: 1})");  // not a list: a list of one
  lists.push_back(R"(["bar", "ba", null])");  // no contexts: `item.a` of a string is null
  lists.push_back("null");
  lists.push_back("[]");
  // The other operands, in turn (some the tests cannot compare with the fields: reported).
  const std::string vs = R"(["a", "b", "ab", 1, null, "a"])";
  const std::string ws = R"([0, 5, -3, null, "x", 0])";
  int compared = 0;
  Context vars;
  vars.Put("vs", testing::ParsedValue(vs));
  vars.Put("ws", testing::ParsedValue(ws));
  for (const auto& list : lists) {
    // The list is bound, not written in the expressions: compiled literals are kept for the
    // process (MakeImmortal), and thousands of them would fill what later tests expect.
    EvalContext list_ctx;
    auto lv = EvaluateExpression(list, vars, list_ctx);
    ASSERT_TRUE(lv.has_value()) << list;
    vars.Put("l", *lv);
    for (const auto& p : predicates) {
      const std::string general = "if true then " + p + " else null";
      const std::string loop = "for i in 1..6 return {v: vs[i], w: ws[i], r: ";
      // Over the bound list (borrowed) and over one computed (not borrowed); the count; the
      // first item kept; followed by empty lists' probes of the item slot; inside another
      // filter's predicate (names look in its item too).
      auto forms = [&](const std::string& pred) {
        return std::vector<std::string>{
            loop + "l[" + pred + "]}.r",
            loop + "(if vs = null then null else l)[" + pred + "]}.r",
            loop + "count(l[" + pred + "])}.r",
            loop + "l[" + pred + "][1]}.r",
            loop + "[l[" + pred + "], [][if item = null then false else 1], [][item.n]]}.r",
            loop + "[{a: \"bar\", n: 1}, l][count(l[" + pred + "]) > 0]}.r",
        };
      };
      const auto fast_forms = forms(p), slow_forms = forms(general);
      for (size_t k = 0; k < fast_forms.size(); ++k) {
        testing::Answered fast = testing::EvaluatedWithMessages(fast_forms[k], vars);
        testing::Answered slow = testing::EvaluatedWithMessages(slow_forms[k], vars);
        EXPECT_EQ(fast.literal, slow.literal) << fast_forms[k] << " over " << list;
        EXPECT_EQ(fast.messages, slow.messages) << fast_forms[k] << " over " << list;
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 44 * 11 * 6);
}

Context Rules() {
  Context vars;
  vars.Put("rules", testing::ParsedValue(R"([{ids: ["a", "b"], points: 5, why: "x"}, {ids: ["b"], points: -2, why: "y"},
                                              {ids: ["c"], points: null, why: "z"}, {ids: ["a"], points: 0, why: "w"}])"));
  vars.Put("checks", testing::ParsedValue(R"([{id: "a", action: "bar"}, {id: "b", action: "avoid"},
                                               {id: "c", action: "bar"}, {action: "note"}])"));
  vars.Put("odd", testing::ParsedValue(R"([{n: 1}, {n: "s"}, {n: 3}])"));
  return vars;
}

testing::Answered Answer(const std::string& text) { return testing::EvaluatedWithMessages(text, Rules()); }

TEST(VerdictFilterTest, WrittenOutAnswers) {
  // The Ranking's hits per option, and their pros and cons (a null `points` is kept by neither).
  EXPECT_EQ(Answer(R"(for o in ["a", "b", "c", "d"] return rules[list contains(item.ids, o)].why)").literal,
            R"([["x", "w"], ["x", "y"], ["z"], []])");
  EXPECT_EQ(Answer(R"([rules[item.points > 0].why, rules[item.points < 0].why, rules[item.points >= 0].why])").literal,
            R"([["x"], ["y"], ["x", "w"]])");
  // The Options decision's checks: every item kept, none, some (in order).
  EXPECT_EQ(Answer(R"(count(checks[item.action != "zz"]))").literal, "4");
  EXPECT_EQ(Answer(R"(checks[item.action = "zz"])").literal, "[]");
  EXPECT_EQ(Answer(R"(checks[item.action != "bar"].action)").literal, R"(["avoid", "note"])");
  EXPECT_EQ(Answer(R"(checks[item.action = "bar" and list contains(["c", "b"], item.id)].id)").literal, R"(["c"])");
  // A number compared with a string: the general loop reports it for that item, and keeps the
  // others its answer keeps.
  const testing::Answered mixed = Answer("odd[item.n > 1].n");
  EXPECT_EQ(mixed.literal, "[3]");
  EXPECT_EQ(mixed.messages.size(), 1u);
  // The item slot afterwards holds the list's last item, as the loop leaves it: an empty list's
  // probe right after reads it (a number there is an index: null; a boolean: the empty list).
  EXPECT_EQ(Answer(R"([rules[item.points > 0].why, [][item.points]])").literal, R"([["x"], null])");
  EXPECT_EQ(Answer(R"([checks[item.action = "bar"].id, [][item.action = "note"]])").literal, R"([["a", "c"], []])");
  // An item with an entry named like the other operand: that name reads the item's entry there.
  EXPECT_EQ(Answer(R"(for o in ["a"] return [{o: "b", ids: ["b"]}, {ids: ["a"]}][list contains(item.ids, o)])").literal,
            R"([[{o: "b", ids: ["b"]}, {ids: ["a"]}]])");
}

}  // namespace
}  // namespace zebra::feel::verdict_filter_test
