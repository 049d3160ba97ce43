// Sorts by number keys (sort_keys.h): `sort(l, function(a, b) C)` with C a lexicographic
// comparator, against the same sort with C written `if true then C else null` (no keys read
// from that: the comparator's nodes answer each comparison, as the built-in's merge sort asks),
// and against answers written out by hand.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "feel/builtins_test_util.h"
#include "feel/feel.h"

namespace zebra::feel::sort_keys_test {
namespace {

// A key: mostly small numbers that tie often, written in several ways (`1`, `1.0`, `1.00` are
// equal), now and then what the general sort must answer (null, a string, absent).
std::string Key(std::mt19937& rng, bool plain) {
  static const std::vector<std::string> kNumbers = {"0", "1", "1.0", "2", "-1", "100", "95", "2.50", "2.5", "1.00"};
  static const std::vector<std::string> kOthers = {"null", R"("1")", "true", "[1]"};
  if (!plain && rng() % 8 == 0) return kOthers[rng() % kOthers.size()];
  return kNumbers[rng() % (plain ? 4 : kNumbers.size())];
}

// An item: a context with an id and keys s, t, u (in varying order; one missing now and then),
// or, in the lists that are not plain, now and then a string, null or a number.
std::string Item(std::mt19937& rng, int id, bool plain) {
  if (!plain) switch (rng() % 16) {
      case 0: return R"("x")";
      case 1: return "null";
      case 2: return "3";
      default: break;
    }
  std::vector<std::string> entries = {"s: " + Key(rng, plain), "t: " + Key(rng, plain), "u: " + Key(rng, plain)};
  if (!plain && rng() % 10 == 0) entries.erase(entries.begin() + static_cast<long>(rng() % 3));
  if (rng() % 2) std::swap(entries.front(), entries.back());
  std::string c = "{id: " + std::to_string(id);
  for (const auto& e : entries) c += ", " + e;
  return c + "}";
}

TEST(SortKeysTest, GeneratedListsAgreeWithTheComparatorEvaluatedByItsNodes) {
  const std::vector<std::string> comparators = {
      "a.s > b.s or (a.s = b.s and a.t < b.t)",  // the Ranking's
      "a.s < b.s",
      "b.s < a.s",
      "b.s > a.s or (b.s = a.s and b.t < a.t)",
      "a.s > b.s or (b.s = a.s and (a.t < b.t or (a.t = b.t and b.u < a.u)))",
      // Near misses, which the general comparator answers: another key in the tie, `!=`, an
      // order that is not strict, one parameter on both sides, `and` without a tie test.
      "a.s > b.s or (a.t = b.t and a.t < b.t)",
      "a.s > b.s or (a.s != b.s and a.t < b.t)",
      "a.s >= b.s",
      "a.s > a.t",
      "a.s > b.s or (a.t < b.t and a.s = b.s)",
  };
  std::mt19937 rng(2121);
  std::vector<std::string> lists;
  for (int n = 0; n < 40; ++n) {
    const bool plain = n % 2 == 0;
    const int length = n == 38 ? 64 : n == 39 ? 65 : static_cast<int>(rng() % 9);
    std::string list = "[";
    for (int i = 0; i < length; ++i) list += (i ? ", " : "") + Item(rng, i, plain || length > 9);
    lists.push_back(list + "]");
  }
  lists.push_back(R"({id: 0, s: 1, t: 2})");  // not a list: a list of one
  lists.push_back(R"(["b", "a"])");  // no contexts: their entries are null
  lists.push_back("null");
  lists.push_back("[]");
  int compared = 0;
  Context vars;
  for (const auto& list : lists) {
    // The list is bound, not written in the expressions (compiled literals are kept for the
    // process: see testing::EvaluatedWithMessages).
    EvalContext list_ctx;
    auto lv = EvaluateExpression(list, vars, list_ctx);
    ASSERT_TRUE(lv.has_value()) << list;
    vars.Put("l", *lv);
    for (const auto& c : comparators) {
      // The sort alone, its ids, and inside another filter's predicate.
      auto forms = [&](const std::string& comparator) {
        const std::string sort = "sort(l, function(a, b) " + comparator + ")";
        return std::vector<std::string>{sort, "for x in " + sort + " return x.id",
                                        "[1, 2][count(" + sort + ") = item]"};
      };
      const auto fast_forms = forms(c), slow_forms = forms("if true then " + c + " else null");
      for (size_t k = 0; k < fast_forms.size(); ++k) {
        testing::Answered fast = testing::EvaluatedWithMessages(fast_forms[k], vars);
        testing::Answered slow = testing::EvaluatedWithMessages(slow_forms[k], vars);
        EXPECT_EQ(fast.literal, slow.literal) << fast_forms[k] << " over " << list;
        EXPECT_EQ(fast.messages, slow.messages) << fast_forms[k] << " over " << list;
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 44 * 10 * 3);
}

testing::Answered Answer(const std::string& text) {
  Context vars;
  vars.Put("scored", testing::ParsedValue(R"([{id: "a", score: 95, tie: 3}, {id: "b", score: 100, tie: 9},
                                              {id: "c", score: 95.0, tie: 1}, {id: "d", score: 100, tie: 9},
                                              {id: "e", score: -5, tie: 2}])"));
  vars.Put("nulls", testing::ParsedValue(R"([{id: "a", score: 1, tie: 1}, {id: "b", score: null, tie: 2}])"));
  return testing::EvaluatedWithMessages(text, vars);
}

TEST(SortKeysTest, WrittenOutAnswers) {
  const std::string ranking = "function(a, b) a.score > b.score or (a.score = b.score and a.tie < b.tie)";
  // Score down, then tie up; equal keys (b and d) keep their order; 95 and 95.0 are equal.
  EXPECT_EQ(Answer("sort(scored, " + ranking + ").id").literal, R"(["b", "d", "c", "a", "e"])");
  EXPECT_EQ(Answer("sort(scored, function(a, b) b.tie > a.tie).id").literal, R"(["c", "e", "a", "b", "d"])");
  EXPECT_EQ(Answer("sort(scored, function(a, b) a.score < b.score).id").literal, R"(["e", "a", "c", "b", "d"])");
  // Already in order: the same items.
  EXPECT_EQ(Answer("sort(sort(scored, " + ranking + "), " + ranking + ").id").literal, R"(["b", "d", "c", "a", "e"])");
  // A null key: the comparator answers null, which the built-in reports once, and the sort is null.
  const testing::Answered nulls = Answer("sort(nulls, " + ranking + ")");
  EXPECT_EQ(nulls.literal, "null");
  ASSERT_EQ(nulls.messages.size(), 1u);
  EXPECT_NE(nulls.messages[0].find("precedes must return a boolean"), std::string::npos) << nulls.messages[0];
}

TEST(SortKeysTest, TheCallDepthLimitTripsAsForTheComparatorsCalls) {
  // Each comparison is a call one level deeper: at the limit the first one trips it, whichever
  // form the comparator has.
  for (const std::string body : {"a.s > b.s", "if true then a.s > b.s else null"}) {
    Context vars;
    vars.Put("l", testing::ParsedValue("[{s: 1}, {s: 2}]"));
    for (int depth : {0, 1}) {
      EvalContext ctx;
      ctx.max_depth = depth;
      auto v = EvaluateExpression("sort(l, function(a, b) " + body + ")", vars, ctx);
      ASSERT_TRUE(v.has_value());
      if (depth == 0) {
        EXPECT_TRUE(v->is_null()) << body;
        ASSERT_EQ(ctx.diagnostics().size(), 1u) << body;
        EXPECT_EQ(ctx.diagnostics()[0].message, "call depth limit exceeded");
      } else {
        EXPECT_EQ(ToFeelLiteral(*v), "[{s: 2}, {s: 1}]") << body;
        EXPECT_TRUE(ctx.diagnostics().empty()) << body;
      }
    }
  }
}

}  // namespace
}  // namespace zebra::feel::sort_keys_test
