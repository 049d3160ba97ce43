// `for x in distinct values(for o in L return o.k) return L[item.k = x][1]` answered by
// DistinctFirst (distinct_first.h) in one pass, against the same loop with the filter behind an
// `if` (`(if true then L[item.k = x] else null)[1]`, which neither DistinctFirst nor FirstMatch
// stands for), and against answers written out by hand.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "feel/builtins_test_util.h"
#include "feel/feel.h"

namespace zebra::feel::distinct_first_test {
namespace {

// An id: mostly strings that repeat, now and then a number, a boolean, null or a list.
std::string Id(std::mt19937& rng) {
  static const std::vector<std::string> kIds = {R"("ssa.lan")", R"("ssa.lan")", R"("prrt.lu")", R"("prrt.lu")",
                                                R"("a")",       R"("")",        R"("A")",       R"("a ")",
                                                "1",            "true",         "null",         R"(["a"])"};
  return kIds[rng() % (rng() % 4 ? 8 : kIds.size())];
}

// An item of one of four layouts (a list's items share theirs, so that the paths' shape caches
// answer and DistinctFirst reads them): ids that repeat, with now and then an entry that shadows a
// name the filter's test reads (`oid`, `item`: another id there), and in mixed lists an item
// without an id, null or no context at all.
std::string Item(std::mt19937& rng, int layout, bool mixed, int n) {
  const std::string id = Id(rng), other = Id(rng), serial = std::to_string(n);
  if (mixed) switch (rng() % 8) {
      case 0: return "{n: " + serial + "}";
      case 1: return rng() % 2 ? "null" : id;
      default: break;
    }
  switch (layout) {
    case 0: return "{id: " + id + ", n: " + serial + "}";
    case 1: return "{n: " + serial + ", id: " + id + "}";
    case 2: return "{oid: " + (rng() % 2 ? id : other) + ", id: " + id + ", n: " + serial + "}";
    default: return "{item: {id: " + other + "}, id: " + id + ", n: " + serial + "}";
  }
}

// The forms compared: the loop alone over the bound list; over a context entry (a local slot);
// followed by empty lists' probes of the item slots; inside another filter's predicate.
std::vector<std::string> Forms(const std::string& first_of) {
  const std::string loop = "for oid in distinct values(for o in l return o.id) return " + first_of;
  std::string local = "for oid in distinct values(for o in m return o.id) return " + first_of;
  local.replace(local.rfind("l["), 2, "m[");
  return {
      loop,
      "{m: l, r: " + local + "}.r",
      "[" + loop + ", [][if item = null then false else 1], [][item.n]]",
      "[zs][count(" + loop + ") >= 0]",
  };
}

TEST(DistinctFirstTest, GeneratedListsAgreeWithTheLoopAndItsFilter) {
  const auto fast_forms = Forms("l[item.id = oid][1]");
  const auto slow_forms = Forms("(if true then l[item.id = oid] else null)[1]");
  std::mt19937 rng(2112);
  std::vector<std::string> lists;
  for (int k = 0; k < 80; ++k) {
    const int layout = k % 4;
    const bool mixed = k % 5 == 4;
    const int length = k < 8 ? k : static_cast<int>(rng() % 10);
    std::string list = "[";
    for (int i = 0; i < length; ++i) list += (i ? ", " : "") + Item(rng, layout, mixed, i);
    lists.push_back(list + "]");
  }
  // Longer than DistinctFirst takes, and at its bound; not a list; null.
  for (int length : {16, 17}) {
    std::string list = "[";
    for (int i = 0; i < length; ++i) list += (i ? ", " : "") + Item(rng, 0, false, i);
    lists.push_back(list + "]");
  }
  lists.push_back(R"({id: "a", n: 1})");
  lists.push_back("null");
  int compared = 0;
  Context vars;
  vars.Put("zs", testing::C({{"z", testing::N(1)}}));
  for (const auto& list : lists) {
    // The list is bound, not written in the expressions (compiled literals are kept for the
    // process). Each form twice: the paths' shape caches are cold at the first reading.
    vars.Put("l", testing::ParsedValue(list));
    for (size_t f = 0; f < fast_forms.size(); ++f)
      for (int round = 0; round < 2; ++round) {
        const testing::Answered fast = testing::EvaluatedWithMessages(fast_forms[f], vars);
        const testing::Answered slow = testing::EvaluatedWithMessages(slow_forms[f], vars);
        EXPECT_EQ(fast, slow) << fast_forms[f] << " over " << list << ": " << testing::Show(fast) << " vs "
                              << testing::Show(slow);
        ++compared;
      }
  }
  EXPECT_EQ(compared, 84 * 4 * 2);
}

// One compiled text evaluated over `l` under an iteration limit.
testing::Answered EvaluateLimited(const CompiledExpression& e, const Value& l, int64_t max_iterations) {
  EvalContext ctx;
  ctx.max_iterations = max_iterations;
  std::vector<Value> slots{l};
  testing::Answered a{ToFeelLiteral(e.Evaluate(slots, ctx)), {}};
  for (const auto& d : ctx.diagnostics()) a.messages.push_back(d.message);
  return a;
}

TEST(DistinctFirstTest, TheIterationLimitTripsWhereTheLoopsTripIt) {
  Scope scope;
  scope.Declare("l");
  // The iterations both loops count, then one more loop's: the limit met in each of them.
  const std::string tail = ", for z in [1, 2] return z]";
  auto fast = CompileExpression("[for oid in distinct values(for o in l return o.id) return l[item.id = oid][1]" + tail, scope);
  auto slow = CompileExpression(
      "[for oid in distinct values(for o in l return o.id) return (if true then l[item.id = oid] else null)[1]" + tail,
      scope);
  ASSERT_TRUE(fast.has_value() && slow.has_value());
  const Value l = testing::ParsedValue(R"([{id: "a", n: 1}, {id: "b", n: 2}, {id: "a", n: 3}, {id: "c", n: 4}])");
  EvaluateLimited(*fast, l, 1000);  // the shapes seen
  EvaluateLimited(*slow, l, 1000);
  for (int64_t limit = 0; limit <= 12; ++limit) {
    const testing::Answered a = EvaluateLimited(*fast, l, limit), b = EvaluateLimited(*slow, l, limit);
    EXPECT_EQ(a, b) << "limit " << limit << ": " << testing::Show(a) << " vs " << testing::Show(b);
  }
  // 4 + 3 + 2 iterations: 9 is enough, 8 is not.
  EXPECT_EQ(EvaluateLimited(*fast, l, 9).messages.size(), 0u);
  EXPECT_EQ(EvaluateLimited(*fast, l, 8).messages.size(), 1u);
}

std::string Answer(const std::string& text, const std::string& list) {
  Context vars;
  vars.Put("raw", testing::ParsedValue(list));
  testing::EvaluatedWithMessages(text, vars);  // the shapes seen
  return testing::Show(testing::EvaluatedWithMessages(text, vars));
}

TEST(DistinctFirstTest, WrittenOutAnswers) {
  const std::string opts = "for oid in distinct values(for o in raw return o.id) return raw[item.id = oid][1]";
  // The first item of each id, in the order the ids first occur.
  EXPECT_EQ(Answer("for o in " + opts + " return o.n",
                   R"([{id: "b", n: 1}, {id: "a", n: 2}, {id: "b", n: 3}, {id: "c", n: 4}, {id: "a", n: 5}])"),
            "[1, 2, 4]");
  // All ids differ: every item, in order.
  EXPECT_EQ(Answer("for o in " + opts + " return o.n", R"([{id: "x", n: 1}, {n: 2, id: "y"}])"), "[1, 2]");
  // Strings equal only byte for byte.
  EXPECT_EQ(Answer("for o in " + opts + " return o.n", R"([{id: "a", n: 1}, {id: "A", n: 2}, {id: "a ", n: 3}])"),
            "[1, 2, 3]");
  // Items whose `oid` entry the filter's test reads instead of the loop's.
  EXPECT_EQ(Answer("for o in " + opts + " return o.n", R"([{id: "a", oid: "z", n: 1}, {id: "b", oid: "b", n: 2}])"),
            "[2, 2]");
  // One item; an empty list.
  EXPECT_EQ(Answer("for o in " + opts + " return o.n", R"([{id: "a", n: 7}])"), "[7]");
  EXPECT_EQ(Answer(opts, "[]"), "[]");
}

}  // namespace
}  // namespace zebra::feel::distinct_first_test
