// Equality joins (equality_join.h): a filter `l[item.id = x ...]` that one evaluation runs again
// over the same list, answered from the list's index, against the same filter with its predicate
// evaluated by its nodes (`if true then P else null`, which neither an item test nor the index
// stands for), and against answers written out by hand.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <thread>
#include <vector>

#include "feel/builtins_test_util.h"
#include "feel/feel.h"

namespace zebra::feel::equality_join_test {
namespace {

// A key's value as FEEL text: strings (some equal, some each other's prefix), numbers and
// booleans (which `=` with a string reports), null, a list.
std::string KeyValue(std::mt19937& rng) {
  static const std::vector<std::string> kValues = {
      R"("ssa.lan")", R"("ssa.lan")", R"("ssa.la")", R"("prrt.lu")", R"("a")", R"("")",
      "1",            "true",         "null",        R"(["a"])"};
  return kValues[rng() % kValues.size()];
}

// An item: mostly a context literal with some of `id` and `k` (keys missing at random), now and
// then one whose entry shadows a name the predicate reads (`item`, `v`, `c`), a bound unshaped
// context (`u1`), null, or no context at all.
std::string Item(std::mt19937& rng) {
  switch (rng() % 14) {
    case 0: return KeyValue(rng);
    case 1: return "u1";
    case 2: return R"({item: {id: "a", k: 1}, id: "a", k: 5})";
    case 3: return R"({v: "ssa.lan", id: "ssa.lan", k: 1})";
    case 4: return R"({c: {id: "a"}, id: "ssa.lan", k: 2})";
    case 5: return "null";
    default: {
      std::string c = "{";
      if (rng() % 6) c += "id: " + KeyValue(rng);
      if (rng() % 3) c += std::string(c.size() > 1 ? ", " : "") + "k: " + std::to_string(rng() % 4);
      return c + "}";
    }
  }
}

TEST(EqualityJoinTest, GeneratedListsAgreeWithThePredicateEvaluatedByItsNodes) {
  const std::vector<std::string> predicates = {
      "item.id = v",
      "v = item.id",
      "item.id = c.id",
      "c.id = item.id and item.k > 1",
      "item.id = c.id and item.k = 1 and item.id != \"a\"",
      "(item.id = v and item.k < 3) and item.k != 1",
      "item.id = v and item.k",  // not a boolean for every item
      "item.id = v or item.k = 1",  // no join: the general answer either way
  };
  std::mt19937 rng(2110);
  std::vector<std::string> lists;
  for (int n = 0; n < 60; ++n) {
    std::string list = "[";
    // Mostly plain lists of contexts with string ids (the safety checks, the options), some mixed.
    const bool plain = n % 2 == 0;
    const int length = static_cast<int>(rng() % 9);
    for (int i = 0; i < length; ++i) {
      static const char* const kIds[] = {R"("ssa.lan")", R"("a")", R"("prrt.lu")", R"("ssa.la")"};
      std::string item = plain ? "{id: " + std::string(kIds[rng() % 4]) + ", k: " + std::to_string(rng() % 3) + "}"
                               : Item(rng);
      if (plain && rng() % 5 == 0) item = rng() % 2 ? R"({k: 2})" : R"({id: null, k: 1})";
      list += (i ? ", " : "") + item;
    }
    lists.push_back(list + "]");
  }
  lists.push_back(R"([{id: "a", k: 2}, {id: "a", k: 2}, {id: "a", k: 1}])");  // every id the same
  lists.push_back(R"({id: "a", k: 2})");  // not a list: a list of one
  lists.push_back(R"(["a", "a"])");
  lists.push_back("null");
  // The other operands, in turn: repeated strings, the prefix of another, and values that are
  // not strings (whose calls the general loop answers while the index stays).
  const std::string vs = R"(["ssa.lan", "a", "ssa.lan", 1, null, "ssa.la", "zz", "a", true, "prrt.lu"])";
  const std::string cs = R"([{id: "ssa.lan"}, {id: "a"}, {}, null, {id: 1}, {id: "ssa.lan"}, 5, {id: "a"}])";
  int compared = 0;
  Context vars;
  vars.Put("u1", testing::C({{"id", testing::S("ssa.lan")}, {"k", testing::N(2)}}));
  vars.Put("zs", testing::C({{"z", testing::N(1)}}));
  // (Bound, as the lists are: see below.)
  vars.Put("vs", testing::ParsedValue(vs));
  vars.Put("cs", testing::ParsedValue(cs));
  for (const auto& list : lists) {
    // The list is bound, not written in the expressions: compiled literals are kept for the
    // process (MakeImmortal), and thousands of them would fill what later tests expect.
    EvalContext list_ctx;
    auto lv = EvaluateExpression(list, vars, list_ctx);
    ASSERT_TRUE(lv.has_value()) << list;
    vars.Put("l", *lv);
    for (const auto& p : predicates) {
      const std::string general = "if true then " + p + " else null";
      const std::string loop = p.find("c.id") != std::string::npos ? "for c in cs" : "for v in vs";
      // Over the bound list (borrowed) and over one computed once (`m`) or on every call; the
      // count; the first item kept; followed by empty lists' probes of the item slots; inside
      // another filter's predicate (names look in its item too).
      auto forms = [&](const std::string& pred) {
        return std::vector<std::string>{
            loop + " return l[" + pred + "]",
            "{m: if u1 = null then null else l, r: " + loop + " return m[" + pred + "]}.r",
            loop + " return (if u1 = null then null else l)[" + pred + "]",
            loop + " return count(l[" + pred + "])",
            loop + " return l[" + pred + "][1]",
            "[" + loop + " return l[" + pred + "][1], [][if item = null then false else 1], [][item.k]]",
            "[" + loop + " return l[" + pred + "], [][if item = null then false else 1], [][item.k]]",
            "[zs, u1][count(" + loop + " return l[" + pred + "]) > 0]",
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
  EXPECT_EQ(compared, 64 * 8 * 8);
}

Context Checks() {
  Context vars;
  vars.Put("checks", testing::ParsedValue(R"([{id: "a", action: "avoid", n: 1}, {id: "b", action: "caution", n: 2},
                                               {id: "a", action: "caution", n: 3}, {id: "ab", action: "avoid", n: 4}])"));
  vars.Put("same", testing::ParsedValue(R"([{id: "a", n: 1}, {id: "a", n: 2}])"));
  vars.Put("other", testing::ParsedValue(R"([{n: "s"}])"));
  vars.Put("odd", testing::ParsedValue(R"([{id: "a", n: 1}, {id: true, n: 2}, {n: 3}, {id: null, n: 4}])"));
  return vars;
}

std::string Answer(const std::string& text) { return testing::EvaluatedWithMessages(text, Checks()).literal; }
size_t MessageCount(const std::string& text) { return testing::EvaluatedWithMessages(text, Checks()).messages.size(); }

TEST(EqualityJoinTest, WrittenOutAnswers) {
  // Every check of each option, in the list's order; none; a prefix is not the key.
  EXPECT_EQ(Answer(R"(for c in [{id: "a"}, {id: "b"}, {id: "c"}, {id: "a"}] return checks[item.id = c.id].n)"),
            "[[1, 3], [2], [], [1, 3]]");
  // The Options decision's `avoid` count.
  EXPECT_EQ(Answer(R"(for c in ["a", "b", "ab", "a"] return count(checks[item.id = c and item.action = "avoid"]))"),
            "[1, 0, 1, 1]");
  // Every item kept: the list itself.
  EXPECT_EQ(Answer(R"(for c in ["a", "a", "b"] return same[item.id = c].n)"), "[[1, 2], [1, 2], []]");
  // The first kept (the Ranking's `raw[item.id = oid][1]`).
  EXPECT_EQ(Answer(R"(for oid in ["b", "a", "ab", "zz", "a"] return checks[item.id = oid][1].n)"),
            "[2, 1, 4, null, 1]");
  // A key that is not a string (a boolean id): each call reports it, as the loop does.
  EXPECT_EQ(Answer(R"(for c in ["a", "a", "a"] return odd[item.id = c].n)"), "[[1], [1], [1]]");
  EXPECT_EQ(MessageCount(R"(for c in ["a", "a", "a"] return odd[item.id = c])"), 3u);
  EXPECT_EQ(MessageCount(R"(for c in ["a", "b", "a"] return checks[item.id = c])"), 0u);
  // A number other operand is compared with the string ids: reported each time.
  EXPECT_EQ(MessageCount(R"(for c in ["a", 1, "a", 1] return checks[item.id = c])"), 8u);
  // The item slot afterwards holds the list's last item, as the loop leaves it: an empty list's
  // probe right after reads it (a number there is an index: null), and `other` (one item whose n
  // is a string: the probe's `[]`) writes the slot in between, so each call must write it again.
  EXPECT_EQ(Answer(R"(for c in ["a", "b"] return [count(checks[item.id = c]), [][item.n], other[item.n = "s"]])"),
            R"([[2, null, [{n: "s"}]], [1, null, [{n: "s"}]]])");
  EXPECT_EQ(Answer(R"(for c in ["a", "b"] return [checks[item.id = c][1].n, [][item.n], other[item.n = "s"]])"),
            R"([[1, null, [{n: "s"}]], [2, null, [{n: "s"}]]])");
  EXPECT_EQ(Answer(R"(for c in ["a", "b"] return [count(other[item.n = c]), [][item.n]])"), "[[0, []], [0, []]]");
}

// Joins of one expression with the same key and the same names share one index a list
// (SameJoinIndex): the Options decision's two `checks` filters per candidate, here over lists
// that alternate and with joins beside them that must not share it (another key; a name more,
// `v`, that an item's entry shadows), against the same filters evaluated by their nodes.
TEST(EqualityJoinTest, JoinsThatShareAnIndexAgreeWithTheLoop) {
  Context vars = Checks();
  vars.Put("shadowing", testing::ParsedValue(R"([{id: "a", action: "avoid", n: 1}, {id: "b", action: "x", n: 2, v: "x"},
                                                  {id: "b", action: "avoid", n: 3}, {action: "avoid", n: 5}])"));
  vars.Put("cs", testing::ParsedValue(R"([{id: "a", n: "s"}, {id: "b", n: 2}, {id: "zz"}, {id: "b", n: "s"}])"));
  const std::vector<std::string> lists = {"checks", "shadowing", "odd", "same"};
  int compared = 0;
  for (const auto& x : lists)
    for (const auto& y : lists) {
      auto form = [&](auto p) {
        return "for c in cs return for v in [\"avoid\", \"caution\"] return [" + x + "[" + p("item.id = c.id") + "].n, count(" +
               y + "[" + p("item.id = c.id and item.action = \"avoid\"") + "]), " + x + "[" +
               p("item.id = c.id and item.action = v") + "].n, " + y + "[" + p("item.n = c.n") + "].n, " + x + "[" +
               p("item.id = c.id") + "][1].n, " + y + "[" + p("item.id = c.id and item.n > 1") + "].n]";
      };
      const testing::Answered fast = testing::EvaluatedWithMessages(form([](std::string p) { return p; }), vars);
      const testing::Answered slow = testing::EvaluatedWithMessages(
          form([](std::string p) { return "if true then " + p + " else null"; }), vars);
      EXPECT_EQ(fast, slow) << x << ", " << y << ": " << testing::Show(fast) << " vs " << testing::Show(slow);
      ++compared;
    }
  EXPECT_EQ(compared, 16);
  // Written out: the `avoid` count beside the checks kept, per candidate.
  EXPECT_EQ(testing::EvaluatedWithMessages(
                R"(for c in cs return [checks[item.id = c.id].n, count(checks[item.id = c.id and item.action = "avoid"])])",
                vars)
                .literal,
            "[[[1, 3], 1], [[2], 0], [[], 0], [[2], 0]]");
  EXPECT_EQ(testing::EvaluatedWithMessages(
                R"(for c in cs return for v in ["avoid"] return [shadowing[item.id = c.id].n, shadowing[item.id = c.id and item.action = v].n])",
                vars)
                .literal,
            "[[[[1], [1]]], [[[2, 3], [2, 3]]], [[[], []]], [[[2, 3], [2, 3]]]]");
}

// One compiled expression, two threads, different lists: the index is per evaluation, never in
// the shared node.
TEST(EqualityJoinTest, ThreadsShareTheCompiledFilter) {
  Scope scope;
  scope.Declare("l");
  auto expr = CompileExpression(R"(for c in ["a", "b", "a", "c"] return count(l[item.id = c]))", scope);
  ASSERT_TRUE(expr.has_value());
  auto run = [&](const std::string& list, const std::string& expected, bool* ok) {
    const Value v = testing::ParsedValue(list);
    for (int i = 0; i < 2000 && *ok; ++i) {
      EvalContext ctx;
      std::vector<Value> slots = {v};
      *ok = ToFeelLiteral(expr->Evaluate(slots, ctx)) == expected;
    }
  };
  bool ok1 = true, ok2 = true;
  std::thread t1(run, R"([{id: "a"}, {id: "b"}, {id: "a"}])", "[2, 1, 2, 0]", &ok1);
  std::thread t2(run, R"([{id: "c"}, {id: "c"}, {id: "b"}, {id: "c"}])", "[0, 1, 0, 3]", &ok2);
  t1.join();
  t2.join();
  EXPECT_TRUE(ok1);
  EXPECT_TRUE(ok2);
}

}  // namespace
}  // namespace zebra::feel::equality_join_test
