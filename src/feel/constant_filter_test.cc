// One string test over a long list read from its FieldTable (constant_filter.h), against the
// same predicate evaluated by its nodes (`if true then P else null`, which no item test stands
// for), and against answers written out by hand.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "feel/builtins_test_util.h"
#include "feel/feel.h"

namespace zebra::feel::constant_filter_test {
namespace {

using testing::B;
using testing::C;
using testing::L;
using testing::N;
using testing::Null;
using testing::S;

// Strings that are each other's prefixes, suffixes and parts, longer and shorter than a word.
const std::vector<std::string> kStrings = {"",      "s",          "ssa.",         "ssa.lanreotide", "surgery.",
                                           "prrt.", "prrt.lu177", "surveillance.", "symptom.tel",  "ssa.lan",
                                           "lan",   "a",          "chemo.capox.long.name", "chemo."};

// A field value: mostly strings, sometimes null, a number, a boolean or a list.
Value Field(std::mt19937& rng) {
  switch (rng() % 12) {
    case 0: return Null();
    case 1: return N(3);
    case 2: return B(true);
    case 3: return L({S("ssa.")});
    default: return S(kStrings[rng() % kStrings.size()]);
  }
}

// An item: a context with `prefix` and `id` (either may be missing), now and then one with an
// entry that shadows a name the predicate reads (`item`, `x`, `o`), or no context at all.
// `plain`: only contexts whose fields are strings (what the table answers by itself).
Value Item(std::mt19937& rng, bool plain) {
  if (plain) return C({{"prefix", S(kStrings[rng() % kStrings.size()])}, {"id", S(kStrings[rng() % kStrings.size()])}});
  switch (rng() % 14) {
    case 0: return S(kStrings[rng() % kStrings.size()]);
    case 1: return Null();
    case 2: return N(1);
    case 3: return C({{"item", C({{"prefix", S("s")}})}, {"prefix", S("ssa.")}, {"id", S("s")}});
    case 4: return C({{"x", S("prrt.")}, {"prefix", S("ssa.")}, {"id", S("ssa.")}});
    case 5: return C({{"id", Field(rng)}});  // no prefix
    case 6: return C({{"prefix", Field(rng)}});  // no id
    default: return C({{"prefix", Field(rng)}, {"id", Field(rng)}});
  }
}

TEST(FieldTableTest, GeneratedListsAgreeWithThePredicateEvaluatedByItsNodes) {
  const std::vector<std::string> predicates = {
      "starts with(x, item.prefix)", "starts with(item.id, x)", "ends with(x, item.prefix)",
      "ends with(item.id, x)",       "contains(x, item.prefix)", "contains(item.id, x)",
      "starts with(o.id, item.prefix)", "starts with(x, item)",  "ends with(item, x)",
  };
  std::mt19937 rng(2126);
  int compared = 0, plain_lists = 0;
  for (int n = 0; n < 90; ++n) {
    // Lengths around the table's bounds (8 to 64 items), mostly inside them.
    const size_t lengths[] = {3, 7, 8, 9, 11, 16, 40, 63, 64, 65, 70};
    const size_t length = n % 3 == 0 ? lengths[rng() % std::size(lengths)] : 8 + rng() % 12;
    const bool plain = n % 2 == 0;  // half the lists only of contexts with string fields
    if (plain) ++plain_lists;
    List items;
    for (size_t i = 0; i < length; ++i) items.push_back(Item(rng, plain));
    if (n % 5 == 1) items.push_back(items[rng() % items.size()]);  // a duplicate at the end
    if (n % 4 == 2) {  // one item of a plain list shadows a name the predicate reads
      items[rng() % items.size()] =
          n % 8 == 2 ? C({{"item", C({{"prefix", S("s")}, {"id", S("s")}})}, {"prefix", S("ssa.")}, {"id", S("ssa.")}})
                     : C({{"x", S("prrt.")}, {"prefix", S("ssa.")}, {"id", S("ssa.")}});
    }
    const bool strings_only = n % 9 == 4;  // items that are strings themselves (`item` compared)
    if (strings_only)
      for (Value& v : items) v = S(kStrings[rng() % kStrings.size()]);
    Context vars;
    vars.Put("l", L(items));
    // The other operand takes every string (so each item matches some and misses others), and
    // values the table does not answer: null, a number.
    List xs;
    for (const auto& s : kStrings) xs.push_back(S(s));
    xs.push_back(S("ssa.lanreotide.depot"));
    xs.push_back(S("zzz"));
    xs.push_back(Null());
    xs.push_back(N(7));
    vars.Put("xs", L(xs));
    vars.Put("o", C({{"id", S("ssa.lanreotide")}}));
    for (const auto& p : predicates) {
      const std::string general = "if true then " + p + " else null";
      // One compiled filter over the same list for every x (the table is made at the first
      // call); then the empty list's probe of the item slot that filter left.
      const std::vector<std::pair<std::string, std::string>> forms = {
          {"for x in xs return l[" + p + "]", "for x in xs return l[" + general + "]"},
          // (a number there is an index, so null; a null slot gives [])
          {"for x in xs return [l[" + p + "], [][if item = null then false else 1]]",
           "for x in xs return [l[" + general + "], [][if item = null then false else 1]]"},
          {"for x in xs return count(l[" + p + "])", "for x in xs return count(l[" + general + "])"}};
      for (const auto& [fast_form, slow_form] : forms) {
        testing::Answered fast = testing::EvaluatedWithMessages(fast_form, vars);
        testing::Answered slow = testing::EvaluatedWithMessages(slow_form, vars);
        EXPECT_EQ(fast.literal, slow.literal) << fast_form << " over " << ToFeelLiteral(vars.Find("l") ? *vars.Find("l") : Null());
        EXPECT_EQ(fast.messages, slow.messages) << fast_form;
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 90 * 9 * 3);
  EXPECT_EQ(plain_lists, 45);
}

// A compiled filter keeps the table of the first long list it reads; other lists (and that one
// again) still get their own answers.
TEST(FieldTableTest, AnotherListAfterTheTableIsMade) {
  Scope scope;
  const int l = scope.Declare("l");
  const int x = scope.Declare("x");
  auto expr = CompileExpression("l[starts with(x, item.prefix)]", scope);
  ASSERT_TRUE(expr.has_value());
  auto list_of = [](std::vector<std::string> prefixes) {
    List items;
    for (auto& p : prefixes) items.push_back(C({{"prefix", S(p)}}));
    return L(items);
  };
  const Value first = list_of({"a.", "b.", "c.", "d.", "e.", "f.", "g.", "a"});
  const Value second = list_of({"b.", "a.", "a.", "x", "y", "z", "w", "v"});
  auto run = [&](const Value& list, const char* xv) {
    std::vector<Value> slots(scope.size());
    slots[static_cast<size_t>(l)] = list;
    slots[static_cast<size_t>(x)] = S(xv);
    EvalContext ctx;
    Value v = expr->Evaluate(slots, ctx);
    EXPECT_TRUE(ctx.diagnostics().empty());
    return ToFeelLiteral(v);
  };
  EXPECT_EQ(run(first, "a.1"), R"([{prefix: "a."}, {prefix: "a"}])");
  EXPECT_EQ(run(second, "a.1"), R"([{prefix: "a."}, {prefix: "a."}])");
  EXPECT_EQ(run(first, "g.x"), R"([{prefix: "g."}])");
  EXPECT_EQ(run(second, "g.x"), "[]");
  EXPECT_EQ(run(first, "ab"), R"([{prefix: "a"}])");
}

std::string Answer(const std::string& text) {
  Context vars;
  vars.Put("x", S("ssa.lanreotide"));
  vars.Put("classes", testing::ParsedValue(
                          R"([{prefix: "surveillance.", w: 0}, {prefix: "surgery.", w: 1}, {prefix: "ssa.", w: 2},
                              {prefix: "prrt.", w: 3}, {prefix: "targeted.", w: 4}, {prefix: "s", w: 5},
                              {prefix: "chemo.capecitabine.", w: 6}, {prefix: "ssa.lanreotide", w: 7},
                              {prefix: "", w: 8}, {prefix: "chemo.", w: 9}])"));
  return testing::EvaluatedWithMessages(text, vars).literal;
}

TEST(FieldTableTest, WrittenOutAnswers) {
  // The prefixes of x in list order, an empty prefix included; longer than a word too.
  EXPECT_EQ(Answer("for p in classes[starts with(x, item.prefix)] return p.w"), "[2, 5, 7, 8]");
  EXPECT_EQ(Answer(R"(for p in classes[starts with("chemo.capecitabine.x", item.prefix)] return p.w)"), "[6, 8, 9]");
  EXPECT_EQ(Answer(R"(for p in classes[starts with("chemo.capecitabinE.x", item.prefix)] return p.w)"), "[8, 9]");
  EXPECT_EQ(Answer(R"(for p in classes[starts with("prrt.", item.prefix)] return p.w)"), "[3, 8]");
  EXPECT_EQ(Answer(R"(for p in classes[starts with("prrt", item.prefix)] return p.w)"), "[8]");
  // One item kept, none, each x a separate call of one filter.
  EXPECT_EQ(Answer(R"(for y in ["prrt.lu", "zz", "surgery.x"] return classes[starts with(y, item.prefix)][2].w)"),
            "[8, null, 5]");
  EXPECT_EQ(Answer(R"(for y in ["t", "c"] return count(classes[starts with(item.prefix, y)]))"), "[1, 2]");
  EXPECT_EQ(Answer(R"(classes[ends with(item.prefix, "y.")].w)"), "[1]");
  EXPECT_EQ(Answer(R"(classes[contains(item.prefix, "ur")].w)"), "[0, 1]");
  EXPECT_EQ(Answer(R"(count(classes[contains("prrt.ssa.", item.prefix)]))"), "4");
  // Not a string: the built-in's null (no item kept).
  EXPECT_EQ(Answer("classes[starts with(null, item.prefix)]"), "[]");
  // The item slot holds the last item afterwards (the empty list's probe reads it: a number
  // is an index, so null; a null slot would give []).
  EXPECT_EQ(Answer("[count(classes[starts with(x, item.prefix)]), [][item.w]]"), "[4, null]");
  EXPECT_EQ(Answer("[count(classes[starts with(x, item.prefix)]), [][if item = null then false else 1]]"),
            "[4, null]");
}

}  // namespace
}  // namespace zebra::feel::constant_filter_test
