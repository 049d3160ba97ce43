// The evaluator's shortcuts must not change an answer: built-ins answered from borrowed
// arguments, literal lists and contexts folded at compile time, borrowed locals and list
// elements, `for` loops that skip the `partial` snapshot when the body never names it, names and
// literals read inline by their users, loop variables holding borrowed items, strings
// compared word-wise, filter predicates answered per item as item tests, indexes read from a
// name's slot, and null tests read inline by `if`.
#include <gtest/gtest.h>

#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "feel/builtins_test_util.h"
#include "feel/feel.h"

namespace zebra::feel::fast_paths_test {
namespace {

struct Outcome {
  std::string literal;
  size_t diagnostics = 0;
};

Outcome Evaluate(const std::string& text, const Context& variables = Context{}) {
  EvalContext ctx;
  auto r = EvaluateExpression(text, variables, ctx);
  EXPECT_TRUE(r.has_value()) << text << ": " << (r ? "" : r.error().message);
  return {r ? ToFeelLiteral(*r) : "<compile error>", ctx.diagnostics().size()};
}

// Positional calls of these built-ins take the fast form; named calls always go through the
// built-in itself, so the two must agree on the value and on whether an error was reported.
TEST(FastBuiltinTest, PositionalCallsAgreeWithNamedCalls) {
  const std::vector<std::string> args = {
      R"("abc")", R"("ab")", R"("")", "null", "1", "true", R"(["abc"])", R"(["ab"])", R"(["a", "b"])", "[]",
      "[1, 2, 1]", "[null]", R"({a: "abc"})"};
  struct Builtin {
    std::string name;
    std::vector<std::string> params;
  };
  const std::vector<Builtin> builtins = {
      {"starts with", {"string", "match"}}, {"ends with", {"string", "match"}},
      {"contains", {"string", "match"}},    {"list contains", {"list", "element"}},
      {"index of", {"list", "match"}},      {"count", {"list"}},
      {"not", {"negand"}}};
  int compared = 0;
  for (const auto& b : builtins) {
    for (const auto& a : args) {
      std::vector<std::vector<std::string>> calls;
      if (b.params.size() == 1) {
        calls.push_back({a});
      } else {
        for (const auto& c : args) calls.push_back({a, c});
      }
      for (const auto& call : calls) {
        std::string positional = b.name + "(";
        std::string named = b.name + "(";
        for (size_t i = 0; i < call.size(); ++i) {
          positional += (i ? ", " : "") + call[i];
          named += (i ? ", " : "") + b.params[i] + ": " + call[i];
        }
        positional += ")";
        named += ")";
        Outcome fast = Evaluate(positional);
        Outcome slow = Evaluate(named);
        EXPECT_EQ(fast.literal, slow.literal) << positional;
        EXPECT_EQ(fast.diagnostics > 0, slow.diagnostics > 0) << positional;
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 5 * 13 * 13 + 2 * 13);
}

TEST(FastBuiltinTest, AnswersForTheCommonTypes) {
  EXPECT_EQ(Evaluate(R"(starts with("ssa.lanreotide", "ssa."))").literal, "true");
  EXPECT_EQ(Evaluate(R"(ends with("ssa.lanreotide", "ssa."))").literal, "false");
  EXPECT_EQ(Evaluate(R"(contains("ssa.lanreotide", "lan"))").literal, "true");
  EXPECT_EQ(Evaluate(R"(list contains(["a", "b"], "b"))").literal, "true");
  EXPECT_EQ(Evaluate(R"(index of(["a", "b", "a"], "a"))").literal, "[1, 3]");
  EXPECT_EQ(Evaluate("count([1, 2, 3])").literal, "3");
  EXPECT_EQ(Evaluate("not(false)").literal, "true");
  // Not the common types: the built-in reports the error.
  Outcome wrong = Evaluate(R"(starts with(1, "a"))");
  EXPECT_EQ(wrong.literal, "null");
  EXPECT_EQ(wrong.diagnostics, 1u);
}

// A folded literal is shared between evaluations and with everything that holds it; values are
// immutable, so it must equal the same literal built from variables each time.
TEST(ConstantFoldingTest, FoldedLiteralsEqualBuiltOnes) {
  EXPECT_EQ(Evaluate(R"([1, "a", {b: [true, null]}, -2])").literal, R"([1, "a", {b: [true, null]}, -2])");
  EXPECT_EQ(Evaluate(R"((for one in [1] return [one, "a", {b: [one = 1, null]}, -2 * one])[1])").literal,
            R"([1, "a", {b: [true, null]}, -2])");
  EXPECT_EQ(Evaluate(R"({a: 1, b: "x", c: []}.b)").literal, "\"x\"");
  EXPECT_EQ(Evaluate("for i in 1..3 return [0, i]").literal, "[[0, 1], [0, 2], [0, 3]]");
  // A folded list is not changed by a loop that appends to a copy of it.
  EXPECT_EQ(Evaluate("for i in 1..2 return append([0], i)").literal, "[[0, 1], [0, 2]]");
}

TEST(BorrowingTest, IndexesAndNestedFiltersReadTheRightValues) {
  const std::string scored =
      R"(scored: [{id: "a", score: 3}, {id: "b", score: 3}, {id: "c", score: 1}])";
  EXPECT_EQ(Evaluate("{" + scored + R"(, r: for i in 1..2 return if scored[i + 1].score = scored[i].score then scored[i + 1].id else null}.r)")
                .literal,
            R"(["b", null])");
  // The inner filter's item shadows the outer one; the outer item is read again afterwards.
  EXPECT_EQ(Evaluate(R"([{k: 1, v: "x"}, {k: 2, v: "y"}][item.k = [{k: 2}, {k: 3}][item.k > 2][1].k - 1].v)").literal,
            R"(["y"])");
  // A filter item with an entry named like an outer variable shadows it.
  EXPECT_EQ(Evaluate(R"(for o in [5] return [{o: 1}, {p: 2}][o = 1])").literal, "[[{o: 1}]]");
}

TEST(ForPartialTest, PartialStillSeesEachStep) {
  EXPECT_EQ(Evaluate("for x in [10, 20, 30] return count(partial)").literal, "[0, 1, 2]");
  EXPECT_EQ(Evaluate("for x in [1, 2, 3] return [7, 8][item > count(partial) + 6]").literal, "[[7, 8], [8], []]");
  EXPECT_EQ(Evaluate("for x in [1, 2], y in [3] return x + y").literal, "[4, 5]");
  EXPECT_EQ(Evaluate("for x in null return x").literal, "null");
}

// The values a name may hold, for the inline-read tests: contexts of other shapes, lists of
// contexts (a path projects them), a date (a path reads its properties), null, and values a path
// rejects with an error.
const std::vector<std::string> kShapes = {
    R"({id: "a", k: 1})", R"({k: 2, id: "a"})", R"({id: "b"})", "{k: 3}", "{}", R"({id: null})",
    R"([{id: "a"}, {k: 1}])", "[]", R"(date("2026-12-06"))", "null", "7", R"("text")", "true"};

Context Bind(const std::string& x, const std::string& c) {
  Context vars;
  EvalContext ctx;
  vars.Put("x", *EvaluateExpression(x, Context{}, ctx));
  vars.Put("c", *EvaluateExpression(c, Context{}, ctx));
  return vars;
}

// `[v][1]` is the value of `v` computed by a filter, so a path or an operator over it takes the
// general (virtual) path; over the plain name it reads the slot inline.
TEST(InlineNamesTest, PathsAndOperatorsOverNamesAgreeWithComputedValues) {
  int compared = 0;
  for (const auto& x : kShapes) {
    for (const auto& c : kShapes) {
      const Context vars = Bind(x, c);
      const std::vector<std::pair<std::string, std::string>> pairs = {
          {"x.id", "[x][1].id"},
          {"x.id = c.id", "[x][1].id = [c][1].id"},
          {"x = c", "[x][1] = [c][1]"},
          {"x < c", "[x][1] < [c][1]"},
          {"x + c", "[x][1] + [c][1]"},
          {"if x = null then c else x", "if [x][1] = null then [c][1] else [x][1]"},
          {"starts with(x, c)", "starts with([x][1], [c][1])"},
          {"list contains(x, c)", "list contains([x][1], [c][1])"},
          {"x.year", "[x][1].year"},
          {R"(x in ("a", {id: "a", k: 1}))", R"([x][1] in ("a", {id: "a", k: 1}))"}};
      for (const auto& [inline_form, general_form] : pairs) {
        Outcome fast = Evaluate(inline_form, vars);
        Outcome slow = Evaluate(general_form, vars);
        EXPECT_EQ(fast.literal, slow.literal) << inline_form << " with x = " << x << ", c = " << c;
        EXPECT_EQ(fast.diagnostics, slow.diagnostics) << inline_form << " with x = " << x << ", c = " << c;
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 13 * 13 * 10);
}

// `=` and `!=` answer strings, nulls and booleans inline; every answer must be Equal's (an
// incomparable pair is null with an error).
TEST(InlineNamesTest, EqualityAgreesWithEqual) {
  std::vector<std::string> shapes = kShapes;
  shapes.insert(shapes.end(), {"false", R"("")", "0", "[null]", R"(duration("P0D"))", R"(duration("P0Y"))"});
  for (const auto& x : shapes) {
    for (const auto& c : shapes) {
      const Context vars = Bind(x, c);
      const std::optional<bool> e = Equal(*vars.Find("x"), *vars.Find("c"));
      Outcome eq = Evaluate("x = c", vars);
      Outcome ne = Evaluate("x != c", vars);
      EXPECT_EQ(eq.literal, e ? (*e ? "true" : "false") : "null") << x << " = " << c;
      EXPECT_EQ(ne.literal, e ? (*e ? "false" : "true") : "null") << x << " != " << c;
      EXPECT_EQ(eq.diagnostics, e ? 0u : 1u) << x << " = " << c;
      EXPECT_EQ(ne.diagnostics, e ? 0u : 1u) << x << " != " << c;
    }
  }
}

// Inside a filter a name is looked up in the filter items first: a path over it reads the items
// inline (ShadowedRef) and must find what the name's node finds, whatever the items hold.
TEST(InlineNamesTest, PathsOverNamesInsideFiltersAgreeWithComputedValues) {
  const std::vector<std::string> lists = {
      R"([{id: "a", c: {id: "a"}}, {id: "b"}, {item: {id: "b"}, id: "z"}, {x: {id: "b"}, id: "b"}])",
      R"([{id: "a"}, 3, null, "a", [{id: "a"}], {c: null, id: "a"}])",
      "[]", "null", R"({id: "b"})"};
  int compared = 0;
  for (const auto& list : lists) {
    for (const auto& c : kShapes) {
      const Context vars = Bind(R"({id: "b", k: 2})", c);
      const std::vector<std::pair<std::string, std::string>> pairs = {
          {"L[item.id = c.id]", "L[[item][1].id = [c][1].id]"},
          {"L[item.id = x.id]", "L[[item][1].id = [x][1].id]"},
          {"L[item.id != c.id and item.k = null]", "L[[item][1].id != [c][1].id and [item][1].k = null]"},
          {"L[count(L[item.id = c.id]) > 0]", "L[count(L[[item][1].id = [c][1].id]) > 0]"},
          {"for o in L return L[item.id = o.id]", "for o in L return L[[item][1].id = [o][1].id]"}};
      for (auto [fast_form, slow_form] : pairs) {
        for (std::string* form : {&fast_form, &slow_form})
          for (size_t at; (at = form->find('L')) != std::string::npos;) form->replace(at, 1, list);
        Outcome fast = Evaluate(fast_form, vars);
        Outcome slow = Evaluate(slow_form, vars);
        EXPECT_EQ(fast.literal, slow.literal) << fast_form << " with c = " << c;
        EXPECT_EQ(fast.diagnostics, slow.diagnostics) << fast_form << " with c = " << c;
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 5 * 13 * 5);
}

// A one-iterator `for` and a filter hold each item borrowed in the loop variable's slot; the
// two-iterator `for` (the general path) assigns it. Copies taken in the body (closures, results)
// must own their values, and the slot must own the last item afterwards as it did before.
TEST(BorrowedLoopTest, OneIteratorLoopsAgreeWithTheGeneralPath) {
  const std::vector<std::string> domains = {
      R"(["a", "b", "c"])", R"([{k: "x"}, {k: "y"}])", "[[1, 2], [], null]", R"([date("2026-01-01"), 3])",
      "[]", R"("single")", "null", R"((for i in 1..3 return string(i)))", R"([{k: "x"}, {k: "y"}][item.k = "y"])"};
  const std::vector<std::string> bodies = {"v", "[v]", "{w: v}", "string(v)", "v.k", "(function() v)()", "v[item != 2]"};
  int compared = 0;
  for (const auto& d : domains) {
    for (const auto& b : bodies) {
      Outcome fast = Evaluate("for v in " + d + " return " + b);
      Outcome slow = Evaluate("for v in " + d + ", unused in [0] return " + b);
      EXPECT_EQ(fast.literal, slow.literal) << d << " / " << b;
      EXPECT_EQ(fast.diagnostics, slow.diagnostics) << d << " / " << b;
      ++compared;
    }
  }
  EXPECT_EQ(compared, 9 * 7);
  // Closures made in the loop keep the item they saw after the loop's list is gone.
  EXPECT_EQ(Evaluate(R"((for x in (for i in 1..2 return string(i) + "!") return function() x)[2]())").literal,
            "\"2!\"");
  EXPECT_EQ(Evaluate(R"(for f in (for x in ["a", "b"] return function() x) return f())").literal, R"(["a", "b"])");
  // A filter's items are copied into its result, not borrowed.
  EXPECT_EQ(Evaluate(R"((for i in 1..3 return string(i))[item != "2"])").literal, R"(["1", "3"])");
  // The slot keeps the last item after the filter: an empty list's probe in the next step reads
  // that stale value (a number, so the index gives null), as before borrowing.
  EXPECT_EQ(Evaluate("for x in [[1, 2], []] return x[item]").literal, "[1, null]");
}

// `index of` and `list contains` answer a long list of strings from an index made at the call
// site for the first such list; the named calls go to the built-ins themselves.
TEST(IndexedListTest, AgreesWithTheBuiltIns) {
  std::string long_list = "[";
  for (int i = 0; i < 20; ++i) long_list += (i ? ", " : "") + std::string("\"s") + std::to_string(i % 17) + "\"";
  long_list += "]";  // s0 .. s16, then s0, s1, s2 again
  const std::string other = R"(["s1", "s0", "x", "s1"])";
  const std::string mixed = R"(["s1", 2, null, "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "s12", "s13", "s14", "s15", "s16"])";
  const std::vector<std::string> lists = {long_list, other, mixed};
  const std::vector<std::string> needles = {R"("s0")", R"("s1")", R"("s16")", R"("s17")", R"("")", "null", "1", R"(["s0"])"};
  int compared = 0;
  for (const auto& order : std::vector<std::vector<int>>{{0, 1, 0, 2, 0}, {2, 0, 1, 0}, {1, 0}}) {
    std::string domain = "[";
    for (size_t i = 0; i < order.size(); ++i) domain += (i ? ", " : "") + lists[static_cast<size_t>(order[i])];
    domain += "]";
    for (const auto& x : needles) {
      for (const auto& [fast, slow] : std::vector<std::pair<std::string, std::string>>{
               {"index of(l, " + x + ")", "index of(list: l, match: " + x + ")"},
               {"list contains(l, " + x + ")", "list contains(list: l, element: " + x + ")"}}) {
        Outcome a = Evaluate("for l in " + domain + " return " + fast);
        Outcome b = Evaluate("for l in " + domain + " return " + slow);
        EXPECT_EQ(a.literal, b.literal) << fast << " over " << domain;
        EXPECT_EQ(a.diagnostics, b.diagnostics) << fast << " over " << domain;
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 3 * 8 * 2);
  EXPECT_EQ(Evaluate("index of(" + long_list + R"(, "s2"))").literal, "[3, 20]");
}

// The word-wise string compare against std::string's, for every length to 20 and a difference
// at every position, through `=`, `!=`, `list contains` and `index of`.
TEST(SameStringTest, AgreesWithStdStringForEveryLengthAndPosition) {
  int compared = 0;
  for (size_t n = 0; n <= 20; ++n) {
    const std::string a(n, 'q');
    std::vector<std::string> others = {a, a + "q", n ? a.substr(1) : "r"};
    for (size_t i = 0; i < n; ++i) {
      std::string b = a;
      b[i] = 'r';
      others.push_back(b);
    }
    for (const auto& b : others) {
      const bool same = a == b;
      const std::string sa = "\"" + a + "\"", sb = "\"" + b + "\"";
      EXPECT_EQ(Evaluate(sa + " = " + sb).literal, same ? "true" : "false") << a << " / " << b;
      EXPECT_EQ(Evaluate(sa + " != " + sb).literal, same ? "false" : "true") << a << " / " << b;
      EXPECT_EQ(Evaluate("list contains([\"x\", " + sb + "], " + sa + ")").literal, same ? "true" : "false");
      EXPECT_EQ(Evaluate("index of([" + sb + ", \"x\", " + sb + "], " + sa + ")").literal, same ? "[1, 3]" : "[]");
      ++compared;
    }
  }
  EXPECT_EQ(compared, 21 * 3 + 210);
}

// A closure keeps only the slots of its defining frame that its body names (its nested
// functions' included); a body with a filter keeps the whole frame, as every closure did
// before. Arguments are borrowed into the parameters' slots.
TEST(ClosureCaptureTest, KeepsWhatTheBodyNames) {
  Context vars;
  vars.Put("a", Value::Number(10));
  vars.Put("unused", Value::String("u"));
  EXPECT_EQ(Evaluate("{x: 5, f: function(y) x + y, r: f(2)}.r").literal, "7");
  EXPECT_EQ(Evaluate("{f: function(y) a * y, r: f(3)}.r", vars).literal, "30");
  // Two levels: the inner function names a slot of the outermost frame and a parameter of the
  // middle one, and outlives both frames.
  EXPECT_EQ(Evaluate("{x: 2, mk: function(p) function(q) x + p + q, g: mk(10), r: g(100)}.r").literal, "112");
  EXPECT_EQ(Evaluate("{mk: function(p) function(q) a + p + q, g: mk(10), r: g(100)}.r", vars).literal, "120");
  // Recursion through the context entry that holds the function.
  EXPECT_EQ(Evaluate("{fact: function(n) if n <= 1 then 1 else n * fact(n - 1), r: fact(5)}.r").literal, "120");
  // A comparator naming an enclosing entry.
  EXPECT_EQ(Evaluate(R"({k: "v", s: sort([{v: 2}, {v: 1}, {v: 3}], function(p, q) get value(p, k) < get value(q, k))}.s)")
                .literal,
            "[{v: 1}, {v: 2}, {v: 3}]");
  // The body's own slots: loops, contexts and filters inside it.
  EXPECT_EQ(Evaluate("{f: function(l) for i in l return {d: i * 2, e: d + 1}.e, r: f([1, 2])}.r").literal, "[3, 5]");
  EXPECT_EQ(Evaluate("{f: function(l, v) l[item > v], r: f([1, 5, 9], 4)}.r").literal, "[5, 9]");
  EXPECT_EQ(Evaluate("for i in [1, 2] return {f: function(x) x + i}.f(10)").literal, "[11, 12]");
  // Arguments that outlive the call through the result, and parameters read after a nested call.
  EXPECT_EQ(Evaluate("{f: function(p) {v: p}, r: f([1, 2]).v}.r").literal, "[1, 2]");
  EXPECT_EQ(Evaluate(R"({id: function(p) p, g: function(p, q) id(q) + id(p), r: g("a", "b")}.r)").literal, "\"ba\"");
  EXPECT_EQ(Evaluate(R"({f: function(p) function() p, g: f("kept"), r: g()}.r)").literal, "\"kept\"");
  // Typed parameters, arity and depth are checked as before.
  Outcome typed = Evaluate(R"({f: function(p: number) p + 1, r: f("x")}.r)");
  EXPECT_EQ(typed.literal, "null");
  EXPECT_EQ(typed.diagnostics, 1u);
  Outcome arity = Evaluate("{f: function(p) p, r: f(1, 2)}.r");
  EXPECT_EQ(arity.literal, "null");
  EXPECT_EQ(arity.diagnostics, 1u);
  EXPECT_EQ(Evaluate("{f: function(n) f(n + 1), r: f(0)}.r").literal, "null");
  // Named arguments are matched to the parameters' names.
  EXPECT_EQ(Evaluate("{f: function(a, b) a - b, r: f(b: 1, a: 5)}.r").literal, "4");
  Outcome typed_named = Evaluate(R"({f: function(a: number, b) a, r: f(b: 1, a: "x")}.r)");
  EXPECT_EQ(typed_named.literal, "null");
  EXPECT_EQ(typed_named.diagnostics, 1u);
  // The stale item slot of an empty list's probe, inside a function: the same answers as at the
  // top level (see BorrowedLoopTest).
  EXPECT_EQ(Evaluate("{f: function(l) for x in l return x[item], r: f([[1, 2], []])}.r").literal, "[1, null]");
  EXPECT_EQ(Evaluate("{g: [5][item > 0], f: function(l) l[item], r: f([])}.r").literal,
            Evaluate("{g: [5][item > 0], r: [][item]}.r").literal);
}

// A number literal as the predicate (`list[1]`) is an index without evaluating it; the same
// index computed (a name) takes the general path.
TEST(FilterIndexTest, LiteralIndexesAgreeWithComputedOnes) {
  const std::vector<std::string> targets = {"[]", "[1, 2, 3]", R"("x")", "null", "[{a: 1}]", "[[1], [2]]", "{a: 1}"};
  const std::vector<std::string> indexes = {"1", "-1", "0", "2", "3", "4", "-3", "-4", "1.7", "-1.2", "0.5",
                                            "99999999999999999999999"};
  int compared = 0;
  for (const auto& t : targets) {
    for (const auto& i : indexes) {
      Outcome literal = Evaluate(t + "[" + i + "]");
      Outcome computed = Evaluate("{n: " + i + ", r: " + t + "[n]}.r");
      EXPECT_EQ(literal.literal, computed.literal) << t << "[" << i << "]";
      EXPECT_EQ(literal.diagnostics, computed.diagnostics) << t << "[" << i << "]";
      ++compared;
    }
  }
  EXPECT_EQ(compared, 7 * 12);
  EXPECT_EQ(Evaluate("[1, 2, 3][-1]").literal, "3");
  EXPECT_EQ(Evaluate("[1, 2, 3][4]").literal, "null");
  EXPECT_EQ(Evaluate("[][1]").literal, "null");
}

// A filter writes its item slot only when some name of the expression reads that slot: a
// filter over an empty list probes its predicate with the slot as the last filter to use it
// left it (here the list's two filters share a slot).
TEST(FilterIndexTest, ItemSlotsKeepWhatALaterProbeReads) {
  EXPECT_EQ(Evaluate("[[5, 6][item > 5], [][item]]").literal, "[[6], null]");
  EXPECT_EQ(Evaluate("[[5, 6][1], [][item]]").literal, "[5, null]");
  EXPECT_EQ(Evaluate(R"([["a"][1], [][item]])").literal, R"(["a", []])");
  EXPECT_EQ(Evaluate(R"([["a", 5][true], [][item]])").literal, R"([["a", 5], null])");
  EXPECT_EQ(Evaluate("[[5, 6][true], [][1], [][true]]").literal, "[[5, 6], null, []]");
  // Names inside the predicate still see the items' entries first.
  EXPECT_EQ(Evaluate("{n: 1, r: [{n: 2}, {n: 3}][n > 2]}.r").literal, "[{n: 3}]");
}

// A one-iterator `for` borrows a list domain, and leaves its variable's slot holding the last
// item only when a filter's probe may read that slot later (the list's `for` and filter share a
// slot here).
TEST(ForDomainTest, BorrowedDomainsAndTheLastItem) {
  Context vars;
  vars.Put("g", Value::FromList(List{Value::Number(1), Value::Number(2)}));
  vars.Put("c", Value::FromContext([] {
    Context c;
    c.Put("l", Value::FromList(List{Value::String("a"), Value::String("b")}));
    return c;
  }()));
  EXPECT_EQ(Evaluate("for x in g return x * 10", vars).literal, "[10, 20]");
  EXPECT_EQ(Evaluate("for x in c.l return x + x", vars).literal, R"(["aa", "bb"])");
  EXPECT_EQ(Evaluate("{l: [3, 4], r: for x in l return for y in l return x * y}.r").literal, "[[9, 12], [12, 16]]");
  EXPECT_EQ(Evaluate("for x in (for i in 1..2 return i) return x").literal, "[1, 2]");
  EXPECT_EQ(Evaluate("for x in [1..3] return x").literal, "[1, 2, 3]");
  EXPECT_EQ(Evaluate("for x in 5 return x").literal, "[5]");
  EXPECT_EQ(Evaluate("for x in 3..1 return x").literal, "[3, 2, 1]");
  Outcome null_domain = Evaluate("for x in null return x");
  EXPECT_EQ(null_domain.literal, "null");
  Outcome bad_range = Evaluate(R"(for x in [1.."a"] return x)");
  EXPECT_EQ(bad_range.literal, "null");
  EXPECT_GT(bad_range.diagnostics, 0u);
  EXPECT_EQ(Evaluate("[for x in [7] return x, [][item]]").literal, "[[7], null]");
  EXPECT_EQ(Evaluate(R"([for x in ["s"] return x, [][item]])").literal, R"([["s"], []])");
  EXPECT_EQ(Evaluate("[for x in [7] return x, [][1], [][true]]").literal, "[[7], null, []]");
}

// A comparison with the literal null on either side is a null test; the same comparison with a
// null held by a name takes the general equality. Orders against null stay null.
TEST(NullTestTest, AgreesWithTheGeneralEquality) {
  std::vector<std::string> shapes = kShapes;
  shapes.insert(shapes.end(), {"false", R"("")", "0", "[null]", "[]", "{}", R"(duration("P0D"))"});
  int compared = 0;
  for (const auto& x : shapes) {
    const Context vars = Bind(x, "null");
    for (const auto& [literal, named] : std::vector<std::pair<std::string, std::string>>{
             {"x = null", "x = c"}, {"null = x", "c = x"}, {"x != null", "x != c"}, {"null != x", "c != x"},
             {"x < null", "x < c"}, {"null >= x", "c >= x"}}) {
      Outcome fast = Evaluate(literal, vars);
      Outcome slow = Evaluate(named, vars);
      EXPECT_EQ(fast.literal, slow.literal) << literal << " with x = " << x;
      EXPECT_EQ(fast.diagnostics, slow.diagnostics) << literal << " with x = " << x;
      ++compared;
    }
  }
  EXPECT_EQ(compared, 20 * 6);
  EXPECT_EQ(Evaluate("null = null").literal, "true");
  EXPECT_EQ(Evaluate("null != null").literal, "false");
  EXPECT_EQ(Evaluate(R"("a" = null)").literal, "false");
  EXPECT_EQ(Evaluate(R"(null != "a")").literal, "true");
}

// sort() lends each pair to the comparator and moves items between its buffers: comparators
// that keep their arguments (in a context, a closure) and sorts of shared items still see
// whole values, and a comparator error still gives null with its diagnostic.
TEST(SortTest, BorrowedPairsAndMovedItems) {
  EXPECT_EQ(Evaluate("sort([3, 1, 2], function(x, y) x < y)").literal, "[1, 2, 3]");
  EXPECT_EQ(Evaluate(R"(sort(["b", "c", "a"], function(x, y) {k: x}.k < (function() y)()))").literal,
            R"(["a", "b", "c"])");
  // Stable: equal keys keep their order.
  EXPECT_EQ(Evaluate(R"(sort([{k: 1, v: "a"}, {k: 0, v: "b"}, {k: 1, v: "c"}, {k: 0, v: "d"}], function(x, y) x.k < y.k).v)")
                .literal,
            R"(["b", "d", "a", "c"])");
  // The sorted list shares its items with the original, which is unchanged.
  EXPECT_EQ(Evaluate(R"({l: [["x"], ["a"], ["m"]], s: sort(l, function(x, y) x[1] < y[1]), r: [l, s]}.r)").literal,
            R"([[["x"], ["a"], ["m"]], [["a"], ["m"], ["x"]]])");
  Outcome bad = Evaluate(R"(sort([2, 1, 3], function(x, y) if x = 3 then "no" else x < y))");
  EXPECT_EQ(bad.literal, "null");
  EXPECT_EQ(bad.diagnostics, 1u);
  Outcome mixed = Evaluate(R"(sort([1, "a"], function(x, y) x < y))");
  EXPECT_EQ(mixed.literal, "null");
  EXPECT_GT(mixed.diagnostics, 0u);
}

// concatenate() sizes its result once; values that are not lists are single items.
TEST(ConcatenateTest, ListsAndSingleItems) {
  EXPECT_EQ(Evaluate(R"(concatenate(1, [2, 3], "a", [], [[4]]))").literal, R"([1, 2, 3, "a", [4]])");
  EXPECT_EQ(Evaluate("concatenate([0], for h in [{p: 2}, {p: 3}] return h.p)").literal, "[0, 2, 3]");
  EXPECT_EQ(Evaluate("sum(concatenate([0], for h in [] return h.p))").literal, "0");
  EXPECT_EQ(Evaluate("concatenate([1], null, [2])").literal, "null");
}

// `a + b + c + d` is one AddChainNode; the same sums taken two operands at a time (through
// context entries) are BinaryNodes. Strings, nulls, numbers, durations and mismatches in every
// position must give the same value and the same diagnostics.
TEST(AddChainTest, AgreesWithPairwiseAdds) {
  const std::vector<std::string> values = {R"("ab")", R"("")", "null", "1", R"(duration("P1D"))",
                                           R"(date("2026-01-01"))", "[1]", R"("c")"};
  int compared = 0;
  for (const auto& a : values)
    for (const auto& b : values)
      for (const auto& c : values) {
        for (const auto& d : std::vector<std::string>{R"("z")", "null", "2"}) {
          Outcome chain = Evaluate(a + " + " + b + " + " + c + " + " + d);
          Outcome pairs = Evaluate("{t: " + a + " + " + b + ", u: t + " + c + ", r: u + " + d + "}.r");
          EXPECT_EQ(chain.literal, pairs.literal) << a << " + " << b << " + " << c << " + " << d;
          EXPECT_EQ(chain.diagnostics, pairs.diagnostics) << a << " + " << b << " + " << c << " + " << d;
          ++compared;
        }
        Outcome chain3 = Evaluate(a + " + " + b + " + " + c);
        Outcome pairs3 = Evaluate("{t: " + a + " + " + b + ", r: t + " + c + "}.r");
        EXPECT_EQ(chain3.literal, pairs3.literal) << a << " + " << b << " + " << c;
        EXPECT_EQ(chain3.diagnostics, pairs3.diagnostics) << a << " + " << b << " + " << c;
      }
  EXPECT_EQ(compared, 8 * 8 * 8 * 3);
  EXPECT_EQ(Evaluate(R"("First: " + "a" + " and " + "b" + ".")").literal, R"("First: a and b.")");
  EXPECT_EQ(Evaluate("1 + 2 + 3 - 4 + 5").literal, "7");
  Context vars;
  vars.Put("x", Value::String("x"));
  EXPECT_EQ(Evaluate(R"(for i in [x, x + "y"] return i + "-" + i)", vars).literal, R"(["x-x", "xy-xy"])");
}

// distinct values() compares a short list pairwise; union() of the one list takes the hashed
// collector, which must find the same first occurrences.
TEST(DistinctValuesTest, ShortListsAgreeWithTheCollector) {
  const std::vector<std::string> lists = {
      "[1, 2, 3, 2, 1]", R"([1, "1", true, 1.0, "1", true, 1.00, null, null])", R"(["a", "b", "a", "", ""])",
      R"([[1, 2], [1, 2], {a: 1}, {a: 1}, {a: 2}, null, [1, 2.0]])",
      R"([date("2026-01-01"), date("2026-01-01"), duration("P1D"), duration("PT24H"), duration("P1Y"), duration("P12M")])",
      "[]", "[-0, 0, 0.0, -1, -1.0]", "[[1..2], [1..2], (1..2]]"};
  for (const auto& l : lists) {
    Outcome fast = Evaluate("distinct values(" + l + ")");
    Outcome slow = Evaluate("union(" + l + ")");
    EXPECT_EQ(fast.literal, slow.literal) << l;
    EXPECT_EQ(fast.diagnostics, slow.diagnostics) << l;
  }
  EXPECT_EQ(Evaluate(R"(distinct values(["b", "a", "b", "c", "a"]))").literal, R"(["b", "a", "c"])");
}

// An expression test naming `?` leaves the slot alone when it already holds the input (the
// unary tests' frame put it there); inputs of every kind, and `?` of an `in` inside it.
TEST(InputSlotTest, ExpressionTestsSeeTheirInput) {
  Scope scope;
  auto tests = CompileUnaryTests(R"(count(?) > 2, ? = "a", ?.k = 1, list contains(?, "z"), ? in (? != "b"))", scope);
  ASSERT_TRUE(tests.has_value());
  auto run = [&](const std::string& input_text) {
    EvalContext ctx;
    auto input = EvaluateExpression(input_text, Context{}, ctx);
    EXPECT_TRUE(input.has_value());
    Value r = tests->Test(*input, {}, ctx);
    return ToFeelLiteral(r);
  };
  EXPECT_EQ(run(R"(["x", "y", "w"])"), "true");
  EXPECT_EQ(run(R"(["z"])"), "true");
  EXPECT_EQ(run(R"(["x"])"), "false");
  EXPECT_EQ(run(R"("a")"), "true");
  EXPECT_EQ(run(R"("b")"), "false");
  EXPECT_EQ(run(R"("c")"), "true");
  EXPECT_EQ(run("{k: 1}"), "true");
  EXPECT_EQ(run("{k: 2}"), "false");
  EXPECT_EQ(run(R"(["x"])"), "false");  // again: the slot of the last run is not reused
}

// A comparison with a string literal on the right is an EqualStringNode; the same string held
// by a name takes the general equality (values and diagnostics, messages included).
TEST(EqualStringTest, AgreesWithTheGeneralEquality) {
  std::vector<std::string> shapes = kShapes;
  shapes.insert(shapes.end(), {"false", R"("")", R"("a")", R"("ab")", "0", "[null]", R"(["a"])"});
  int compared = 0;
  for (const auto& x : shapes) {
    for (const std::string lit : {"a", "", "text"}) {
      const Context vars = Bind(x, "\"" + lit + "\"");
      for (const std::string op : {" = ", " != "}) {
        EvalContext a_ctx, b_ctx;
        Outcome fast = Evaluate("x" + op + "\"" + lit + "\"", vars);
        Outcome slow = Evaluate("x" + op + "c", vars);
        EXPECT_EQ(fast.literal, slow.literal) << x << op << lit;
        EXPECT_EQ(fast.diagnostics, slow.diagnostics) << x << op << lit;
        auto fast_r = EvaluateExpression("x" + op + "\"" + lit + "\"", vars, a_ctx);
        auto slow_r = EvaluateExpression("x" + op + "c", vars, b_ctx);
        ASSERT_EQ(a_ctx.diagnostics().size(), b_ctx.diagnostics().size());
        for (size_t i = 0; i < a_ctx.diagnostics().size(); ++i)
          EXPECT_EQ(a_ctx.diagnostics()[i].message, b_ctx.diagnostics()[i].message);
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 20 * 3 * 2);
}

// An order against a number literal on the right is an OrderNumberNode; the same number held by
// a name takes OrderNode (values, diagnostics and their messages).
TEST(OrderNumberTest, AgreesWithTheGeneralOrder) {
  std::vector<std::string> shapes = kShapes;
  shapes.insert(shapes.end(), {"false", R"("")", "0", "-1.5", "5", "5.000", "[5]", R"(duration("P1D"))"});
  int compared = 0;
  for (const auto& x : shapes) {
    for (const std::string lit : {"5", "0", "-2.25"}) {
      const Context vars = Bind(x, lit);
      for (const std::string op : {" < ", " <= ", " > ", " >= "}) {
        EvalContext a_ctx, b_ctx;
        auto fast = EvaluateExpression("x" + op + lit, vars, a_ctx);
        auto slow = EvaluateExpression("x" + op + "c", vars, b_ctx);
        ASSERT_TRUE(fast.has_value() && slow.has_value());
        EXPECT_EQ(ToFeelLiteral(*fast), ToFeelLiteral(*slow)) << x << op << lit;
        ASSERT_EQ(a_ctx.diagnostics().size(), b_ctx.diagnostics().size()) << x << op << lit;
        for (size_t i = 0; i < a_ctx.diagnostics().size(); ++i)
          EXPECT_EQ(a_ctx.diagnostics()[i].message, b_ctx.diagnostics()[i].message);
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 21 * 3 * 4);
  EXPECT_EQ(Evaluate("5 >= 5.000").literal, "true");
  EXPECT_EQ(Evaluate("-1 < -2.25").literal, "false");
}

// A positional call of a built-in by name runs the overload chosen at compile time; the same
// built-in called as a value chooses at run time. Exact arities, variadic ones, and arities no
// overload takes (an error) must agree.
TEST(BoundOverloadTest, AgreesWithTheRunTimeChoice) {
  const std::vector<std::string> calls = {
      R"(substring("abcdef", 2))", R"(substring("abcdef", 2, 3))", R"(substring("abc"))",
      "min(3, 1, 2)", "min([3, 1, 2])", "min()", "sum(1, 2)", "sum([])", "sum()",
      R"(concatenate([1], 2, [3]))", "concatenate()", R"(string join(["a", "b"], "-"))",
      R"(string join(["a", "b"]))", R"(context put({a: 1}, "b", 2))", R"(context put({a: 1}, ["b"], 2))",
      "round half up(2.5, 0)", "decimal(1.25, 1)", "decimal(1)", "distinct values([1, 1])",
      R"(get value({a: 1}, "a"))", "date(2026, 1, 31)", R"(date("2026-01-31"))", "date()"};
  for (const auto& c : calls) {
    const size_t open = c.find('(');
    const std::string name = c.substr(0, open);
    Outcome bound = Evaluate(c);
    Outcome value = Evaluate("{f: " + name + ", r: f" + c.substr(open) + "}.r");
    EXPECT_EQ(bound.literal, value.literal) << c;
    EXPECT_EQ(bound.diagnostics, value.diagnostics) << c;
  }
  EXPECT_EQ(Evaluate(R"(substring("abcdef", 2, 3))").literal, R"("bcd")");
  EXPECT_EQ(Evaluate("min(3, 1, 2)").literal, "1");
}

// A filter whose predicate compares the item's fields (`item.k`, `item`) with literals, names or
// `name.k`, through `and`, `or`, `not(...)`, `in` and the two-argument fast built-ins, answers
// each item from its context (ItemTestPlan); `if true then P else null` is the same predicate
// evaluated by its nodes. Values, diagnostics and their messages must agree for items of every
// kind: contexts with and without the fields, with an entry named `item` or like the other
// operand's name (which shadows it) or with keys that share those names' key-filter bits (`ag`
// and `item`, `bs` and `x`, `cr` and `c`, `dd` and `o`), non-contexts, nulls, and for filters
// inside filters.
TEST(ItemTestFilterTest, AgreesWithThePredicateEvaluatedByItsNodes) {
  std::string long_list = "[";
  for (int i = 0; i < 20; ++i) long_list += std::string(i ? ", " : "") + "\"s" + std::to_string(i) + "\"";
  long_list += ", \"a\"]";
  const std::vector<std::string> lists = {
      R"([{id: "a", k: 1, ids: ["a", "b"], prefix: "a"}, {id: "b", k: 2}, {k: "x", id: 1}, {}, {id: null, k: null},
          {item: {id: "a"}, id: "b"}, {c: {id: "b"}, id: "b", k: 3}, {x: "b", id: "a"}, {id: ["a", "b"]},
          {ids: )" + long_list + R"(, prefix: "s1", id: "s3"},
          {ag: 1, bs: 2, cr: 3, dd: 4, id: "a", k: 2}])",
      R"([3, null, "a", "ab", [{id: "a"}], date("2026-12-06"), {id: "a"}, true])",
      R"(["a", "s3", null, 1])", "[]", "null", R"({id: "a", k: 2})", R"("a")"};
  const std::vector<std::string> predicates = {
      R"(item.id = "a")", R"(item.id != "a")", "item.id = null", "null = item.id", "item.id = x", "x = item.id",
      "item.id = c.id", "c.id != item.id", "item.k > 1", "item.k <= n", "1 < item.k", "item.k < x", "item = x",
      R"(item = "a")", "item.k >= c.k", "starts with(item.id, x)", "starts with(x, item.prefix)",
      "list contains(item.ids, x)", "list contains(c.ids, item.id)", "index of(item.ids, x)",
      R"(contains(item, "a"))", "list contains(long, item)", "list contains(item.ids, c.id)",
      R"(item.id = "a" or item.k > 1)", "item.id = x and starts with(item.id, c.id)", R"(not(item.id = "a"))",
      "not(list contains(c.ids, item.id))", R"(item.id in ("a", "b"))", "item.k in [1..2]",
      R"(item.id = "a" and x)", R"(item.id = "a" or c.flag)", R"(item.k > 1 and count(item.ids) > 0)",
      R"((item.id = "a" or item.id = "b") and not(item.k = 2))", "item.id = item.k", R"(item.id = "a" or item)"};
  const std::vector<std::string> xs = {R"("a")", "null", "1", R"(["a"])"};
  const std::vector<std::string> cs = {R"({id: "a", ids: ["a", "b"], flag: true, k: 2})", "null", R"([{id: "a"}])",
                                       "5"};
  int compared = 0;
  for (const auto& x : xs) {
    for (const auto& c : cs) {
      Context vars = Bind(x, c);
      vars.Put("n", Value::Number(2));
      EvalContext ctx;
      vars.Put("long", *EvaluateExpression(long_list, Context{}, ctx));
      for (const auto& list : lists) {
        for (const auto& p : predicates) {
          const std::vector<std::pair<std::string, std::string>> forms = {
              {list + "[" + p + "]", list + "[if true then " + p + " else null]"},
              // Inside another filter's predicate (the items of both are looked in for names).
              {"[1, {x: 1}][count(" + list + "[" + p + "]) >= 0]",
               "[1, {x: 1}][count(" + list + "[if true then " + p + " else null]) >= 0]"},
              // The other operand a loop variable, read once per filter.
              {"for o in [c, null] return " + list + "[" + p + " or item.id = o.id]",
               "for o in [c, null] return " + list + "[if true then " + p + " or item.id = o.id else null]"}};
          for (const auto& [fast_form, slow_form] : forms) {
            testing::Answered fast = testing::EvaluatedWithMessages(fast_form, vars);
            testing::Answered slow = testing::EvaluatedWithMessages(slow_form, vars);
            EXPECT_EQ(fast.literal, slow.literal) << fast_form << " with x = " << x << ", c = " << c;
            EXPECT_EQ(fast.messages, slow.messages) << fast_form << " with x = " << x << ", c = " << c;
            ++compared;
          }
        }
      }
    }
  }
  EXPECT_EQ(compared, 4 * 4 * 7 * 35 * 3);
  // Some answers written out.
  EXPECT_EQ(Evaluate(R"([{id: "a"}, {id: "b"}, {item: {id: "b"}, id: "a"}][item.id = "b"])").literal,
            R"([{id: "b"}, {item: {id: "b"}, id: "a"}])");
  EXPECT_EQ(Evaluate(R"({x: "b", r: [{id: "a"}, {id: "b"}, {x: "a", id: "a"}][item.id = x]}.r)").literal,
            R"([{id: "b"}, {x: "a", id: "a"}])");
  EXPECT_EQ(Evaluate(R"([{k: 1}, {k: 2}, {k: null}, {}][item.k > 1 or item.k = null])").literal, "[{k: 2}, {k: null}, {}]");
  EXPECT_EQ(Evaluate(R"(["ab", "b"][starts with(item, "a")])").literal, R"(["ab"])");
  EXPECT_EQ(Evaluate(R"([][item.k > 1])").literal, "[]");
  Outcome mismatch = Evaluate(R"([{k: 1}, {k: "2"}][item.k > 1])");
  EXPECT_EQ(mismatch.literal, "[]");
  EXPECT_EQ(mismatch.diagnostics, 1u);
}

// `list[name]` reads the name's slot directly for the index (IndexPosition for integers); the
// same name behind another filter (`[n][1]`) is evaluated as the predicate, item by item.
TEST(NameIndexTest, AgreesWithThePredicateEvaluatedByItsNodes) {
  // `br` shares the key-filter bit of `n`.
  const std::vector<std::string> targets = {"[10, 20, 30]", R"([{n: 2}, {m: 1}, {k: 3}])", R"([{br: 1}, {n: true}])",
                                            "[]", "null", R"("x")", R"({n: 1})", "[[1], [2]]"};
  const std::vector<std::string> names = {"1",   "-1",   "0",    "2",     "3",   "4",    "-3", "-4",
                                          "1.7", "-1.2", "0.5",  "2.000", "1e1", "null", "true", R"("a")",
                                          "99999999999999999999999", "-9223372036854775808", "9223372036854775808"};
  int compared = 0;
  for (const auto& t : targets) {
    for (const auto& n : names) {
      const std::vector<std::pair<std::string, std::string>> forms = {
          {"{n: " + n + ", r: " + t + "[n]}.r", "{n: " + n + ", r: " + t + "[[n][1]]}.r"},
          {"for n in [" + n + "] return " + t + "[n]", "for n in [" + n + "] return " + t + "[[n][1]]"},
          // Inside another filter's predicate: that filter's items may hold `n` too.
          {"[{n: 1}, 5][count({n: " + n + ", r: " + t + "[n]}.r) >= 0]",
           "[{n: 1}, 5][count({n: " + n + ", r: " + t + "[[n][1]]}.r) >= 0]"}};
      for (const auto& [fast_form, slow_form] : forms) {
        testing::Answered fast = testing::EvaluatedWithMessages(fast_form, Context{});
        testing::Answered slow = testing::EvaluatedWithMessages(slow_form, Context{});
        EXPECT_EQ(fast.literal, slow.literal) << fast_form;
        EXPECT_EQ(fast.messages, slow.messages) << fast_form;
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 8 * 19 * 3);
  // A global name, and the slot the filter leaves for a later probe.
  Context vars;
  vars.Put("i", Value::Number(2));
  EXPECT_EQ(Evaluate("[7, 8, 9][i]", vars).literal, "8");
  // The first item's entry `i` is the index.
  EXPECT_EQ(Evaluate("[{i: 2}, {i: 1}][i]", vars).literal, "{i: 1}");
  // The item slot holds the first item afterwards: the probe of `[][item]` reads it.
  EXPECT_EQ(Evaluate("{i: 2, r: [[5, 6][i], [][item]]}.r").literal, "[6, null]");
  EXPECT_EQ(Evaluate(R"({i: 1, r: [["s", "t"][i], [][item]]}.r)").literal, R"(["s", []])");
}

// `if x = null then a else b` reads the null test inline; `[x = null][1]` is the same condition
// evaluated by its node.
TEST(IfNullTest, AgreesWithTheGeneralCondition) {
  int compared = 0;
  for (const auto& x : kShapes) {
    const Context vars = Bind(x, "null");
    for (const std::string op : {"=", "!="}) {
      for (const std::string branches : {"then [] else x", "then x.id else x", "then 1 else x + 1"}) {
        testing::Answered fast = testing::EvaluatedWithMessages("if x " + op + " null " + branches, vars);
        testing::Answered slow = testing::EvaluatedWithMessages("if [x " + op + " null][1] " + branches, vars);
        testing::Answered swapped = testing::EvaluatedWithMessages("if null " + op + " x " + branches, vars);
        EXPECT_EQ(fast.literal, slow.literal) << x << " " << op << " " << branches;
        EXPECT_EQ(fast.messages, slow.messages) << x << " " << op << " " << branches;
        EXPECT_EQ(swapped.literal, slow.literal) << x << " " << op << " " << branches;
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 13 * 2 * 3);
  EXPECT_EQ(Evaluate("if null = null then 1 else 2").literal, "1");
  EXPECT_EQ(Evaluate("{a: 3, r: if a != null then a * 2 else 0}.r").literal, "6");
}

// Results that need no new list: an empty result is the one immortal empty list, and a filter
// that keeps every item, a concatenation of one list with empty ones, and distinct values of a
// list without repeats are the argument list itself. The values must be those of a copy.
Value EvaluateValue(const std::string& text, const Context& variables = Context{}) {
  EvalContext ctx;
  auto r = EvaluateExpression(text, variables, ctx);
  EXPECT_TRUE(r.has_value()) << text;
  EXPECT_TRUE(ctx.diagnostics().empty()) << text;
  return r ? *r : Value();
}

TEST(SharedResultsTest, EmptyResultsAreTheImmortalEmptyList) {
  const Value empty = Value::EmptyList();
  ASSERT_TRUE(empty.is(Type::kList));
  EXPECT_TRUE(empty.list().empty());
  EXPECT_TRUE(IsImmortal(empty.list_ptr()));
  for (const std::string text : {"[1, 2, 3][item > 5]", "for x in [] return x", "[][item > 1]",
                                 "concatenate([], [])", "distinct values([])", R"("a"[item = "b"])",
                                 "[{a: 1}, {a: 2}][a > 2]"}) {
    const Value v = EvaluateValue(text);
    ASSERT_TRUE(v.is(Type::kList)) << text;
    EXPECT_TRUE(v.list().empty()) << text;
    EXPECT_EQ(v.list_ptr().get(), empty.list_ptr().get()) << text;
    EXPECT_EQ(Evaluate("(" + text + ") = []").literal, "true") << text;
  }
  EXPECT_EQ(Evaluate("count([1, 2][item > 3])").literal, "0");
  EXPECT_EQ(Evaluate("concatenate([1, 2][item > 3], [3])").literal, "[3]");
  EXPECT_EQ(Evaluate("append([1, 2][item > 3], 4)").literal, "[4]");
}

TEST(SharedResultsTest, FiltersKeepTheRightItemsWhateverRunsPass) {
  EXPECT_EQ(Evaluate("[1, 2, 3, 4][item > 0]").literal, "[1, 2, 3, 4]");   // all
  EXPECT_EQ(Evaluate("[1, 2, 3, 4][item < 3]").literal, "[1, 2]");         // a run, then none
  EXPECT_EQ(Evaluate("[1, 2, 3, 4][item != 3]").literal, "[1, 2, 4]");     // a run, a gap, more
  EXPECT_EQ(Evaluate("[1, 2, 3, 4][item != 1]").literal, "[2, 3, 4]");     // the first fails
  EXPECT_EQ(Evaluate("[1, 2, 3, 4][odd(item)]").literal, "[1, 3]");
  EXPECT_EQ(Evaluate("[1, 2, 3, 4][item = 4]").literal, "[4]");            // only the last
  EXPECT_EQ(Evaluate("5[item > 1]").literal, "[5]");                      // a single value
  EXPECT_EQ(Evaluate("5[item > 6]").literal, "[]");
  EXPECT_EQ(Evaluate("[{a: 1}, {a: 2}][a > 0].a").literal, "[1, 2]");
  EXPECT_EQ(Evaluate("[[1], [2, 3]][count(item) > 0][2][1]").literal, "2");
}

TEST(SharedResultsTest, UnchangedListsAreSharedNotCopied) {
  Context vars;
  vars.Put("l", Value::FromList(List{Value::Number(1), Value::Number(2), Value::Number(3)}));
  vars.Put("d", Value::FromList(List{Value::Number(1), Value::Number(2), Value::Number(1)}));
  const List* l = vars.Find("l")->list_ptr().get();
  for (const std::string text : {"l[item > 0]", "concatenate([], l, [])", "concatenate(l)", "distinct values(l)"}) {
    const Value v = EvaluateValue(text, vars);
    ASSERT_TRUE(v.is(Type::kList)) << text;
    EXPECT_EQ(v.list_ptr().get(), l) << text;
  }
  // Changed lists are new ones, with the right items.
  for (const std::string text : {"l[item > 1]", "concatenate(l, [4])", "concatenate([0], l)"}) {
    const Value v = EvaluateValue(text, vars);
    ASSERT_TRUE(v.is(Type::kList)) << text;
    EXPECT_NE(v.list_ptr().get(), l) << text;
  }
  EXPECT_EQ(Evaluate("concatenate(l, [4])", vars).literal, "[1, 2, 3, 4]");
  EXPECT_EQ(Evaluate("concatenate([], 1, [])", vars).literal, "[1]");
  EXPECT_EQ(Evaluate("concatenate(l, l)", vars).literal, "[1, 2, 3, 1, 2, 3]");
  EXPECT_EQ(Evaluate("distinct values(d)", vars).literal, "[1, 2]");
  EXPECT_EQ(Evaluate("distinct values([1, 2, 2, 3, 1, 4])", vars).literal, "[1, 2, 3, 4]");
  EXPECT_EQ(Evaluate("distinct values([1, 1])", vars).literal, "[1]");
  EXPECT_EQ(Evaluate("distinct values(7)", vars).literal, "[7]");
  // The shared list is still the caller's, unchanged.
  EXPECT_EQ(ToFeelLiteral(*vars.Find("l")), "[1, 2, 3]");
}


// One `t[n]` meets lists whose first items are contexts of several shapes in turn (the filter
// caches, per shape, whether an item has an entry `n` that would shadow the name), contexts
// built entry by entry (no shape), and items sharing `n`'s key-filter bit (`br`); `t[[n][1]]`
// is the same index computed by a filter, evaluated item by item.
TEST(NameIndexTest, ItemShapesChangingBetweenListsAgreeWithThePredicate) {
  Context unshaped_n;
  unshaped_n.Put("k", Value::Number(1));
  unshaped_n.Put("n", Value::Number(3));
  Context unshaped_br;
  unshaped_br.Put("br", Value::Number(1));
  unshaped_br.Put("k", Value::Number(2));
  Context vars;
  vars.Put("un", Value::FromContext(unshaped_n));
  vars.Put("ub", Value::FromContext(unshaped_br));
  const std::string targets =
      R"([[{n: 2}, {m: 1}, {k: 3}], [{br: 1}, {n: true}], [{k: 1, n: 1}, 7], [un, 8, 9], [ub, 8, 9], )"
      R"([{br: 1}, {n: 1}, 3], [{m: 1}, 5], [{n: 2}, {m: 1}, {k: 3}], [1, 2, 3], [{n: null}, 1], )"
      R"([{n: "x"}, 1], [un, ub], [ub, un], [], [{k: 1, n: 1}, 7], [{br: 1}, {n: true}]])";
  int compared = 0;
  for (const std::string n : {"1", "2", "-1", "0", "1.5", "null", R"("a")", "9"}) {
    for (const std::string& form : {"for t in " + targets + " return t[n]",
                                   "for n2 in [n] return for t in " + targets + " return t[n2]",
                                   "for t in " + targets + " return {r: t[n]}.r"}) {
      const std::string slow = std::regex_replace(form, std::regex(R"(t\[(n2?)\])"), "t[[$1][1]]");
      ASSERT_NE(slow, form);
      Context bound = vars;
      EvalContext ctx;
      bound.Put("n", *EvaluateExpression(n, Context{}, ctx));
      testing::Answered fast = testing::EvaluatedWithMessages(form, bound);
      testing::Answered general = testing::EvaluatedWithMessages(slow, bound);
      EXPECT_EQ(fast.literal, general.literal) << form << " with n = " << n;
      EXPECT_EQ(fast.messages, general.messages) << form << " with n = " << n;
      ++compared;
    }
  }
  EXPECT_EQ(compared, 8 * 3);
  // Written out: a first item with `n` makes the predicate its entry, per item.
  Context two = vars;
  two.Put("n", Value::Number(2));
  EXPECT_EQ(Evaluate(R"(for t in [[{n: 1}, {n: 2}, {k: 1}], [{m: 1}, {n: 2}, 5], [un, 8, 9], [ub, 8, 9]] return t[n])",
                     two)
                .literal,
            R"([{n: 1}, {n: 2}, 9, 8])");
}

// A context literal's entry goes into its slot only when some name reads that slot: later
// entries, functions defined in the context, filters (and their probes of empty lists) and
// nested contexts with the same keys must all still see the entries they name.
TEST(ContextEntrySlotTest, NamedEntriesAreSeenAndUnnamedOnesKept) {
  EXPECT_EQ(Evaluate("{a: 1, b: a + 1, c: b * 2}").literal, "{a: 1, b: 2, c: 4}");
  EXPECT_EQ(Evaluate("{a: 1, b: 2}").literal, "{a: 1, b: 2}");
  EXPECT_EQ(Evaluate("{a: 10, f: function(x) x + a, r: f(2)}.r").literal, "12");
  EXPECT_EQ(Evaluate("{a: 2, r: [5, 6, 7][a]}.r").literal, "6");
  EXPECT_EQ(Evaluate("{a: 2, r: [1, 2, 3][item > a]}.r").literal, "[3]");
  EXPECT_EQ(Evaluate("{a: 2, r: [][a]}.r").literal, "null");  // the probe reads `a`: a number
  EXPECT_EQ(Evaluate("{x: 1, y: {x: 2, z: x}, w: x}").literal, "{x: 1, y: {x: 2, z: 2}, w: 1}");
  EXPECT_EQ(Evaluate("{x: 1, y: {x: 2, z: 3}}").literal, "{x: 1, y: {x: 2, z: 3}}");
  EXPECT_EQ(Evaluate("[{a: 1, b: a}, {c: 2, d: c}, {e: 3}, {f: 4, g: f}]").literal,
            "[{a: 1, b: 1}, {c: 2, d: 2}, {e: 3}, {f: 4, g: 4}]");
  EXPECT_EQ(Evaluate("for i in [1, 2, 3] return {v: i * 10, w: v + i}").literal,
            "[{v: 10, w: 11}, {v: 20, w: 22}, {v: 30, w: 33}]");
  EXPECT_EQ(Evaluate("for i in [1, 2] return {v: i, u: i}").literal, "[{v: 1, u: 1}, {v: 2, u: 2}]");
  // A recursive function by its entry name, and one defined in a loop over contexts.
  EXPECT_EQ(Evaluate("{f: function(n) if n <= 1 then 1 else n * f(n - 1), r: f(5)}.r").literal, "120");
  EXPECT_EQ(Evaluate("for o in [{s: 1}, {s: 3}] return {k: o.s, g: function() k * 2, r: g()}.r").literal, "[2, 6]");
  // A filter inside a function captures the whole frame; the entries it names are there.
  EXPECT_EQ(Evaluate("{lim: 1, keep: function(l) l[item > lim], r: keep([0, 1, 2, 3])}.r").literal, "[2, 3]");
  // Entries shadowed by a filter item's entry of the same name.
  EXPECT_EQ(Evaluate("{a: 5, r: [{a: 1}, {a: 9}][a > 4]}.r").literal, "[{a: 9}]");
}


// A filter that keeps every item of a list that outlives it answers that list by reference, and
// one that keeps nothing the one empty list: the answers hold once the loop variable or entry
// that held the list moves on.
TEST(SharedResultsTest, WholeListsAnsweredByReferenceKeepTheirValues) {
  EXPECT_EQ(Evaluate("for l in [[1, 2], [3, 4], [], [5]] return l[item > 0]").literal, "[[1, 2], [3, 4], [], [5]]");
  EXPECT_EQ(Evaluate("for l in [[1, 2], [3, 4]] return l[item > 1]").literal, "[[2], [3, 4]]");
  EXPECT_EQ(Evaluate("{a: [1, 2], b: a[item > 0], c: append(b, 3), d: a[item > 5]}").literal,
            "{a: [1, 2], b: [1, 2], c: [1, 2, 3], d: []}");
  EXPECT_EQ(Evaluate("[[1, 2], [3]][count(item[item > 0]) = 2]").literal, "[[1, 2]]");
  EXPECT_EQ(Evaluate("sum(for l in [[1, 2], [3, 4]] return sum(l[item > 0]))").literal, "10");
  EXPECT_EQ(Evaluate("for l in [[{k: 1}], [{k: 2}, {k: 3}]] return l[item.k > 0].k").literal, "[[1], [2, 3]]");
}


// `for i in a..b` over two numbers makes each value in the loop's slot (no list of them); a body
// that names `partial` takes the general path, over the list of the range's values.
testing::Answered EvaluateLimited(const std::string& text, int64_t max_iterations) {
  EvalContext ctx;
  ctx.max_iterations = max_iterations;
  auto r = EvaluateExpression(text, Context{}, ctx);
  EXPECT_TRUE(r.has_value()) << text << ": " << (r ? "" : r.error().message);
  testing::Answered m{r ? ToFeelLiteral(*r) : "<compile error>", {}};
  for (const auto& d : ctx.diagnostics()) m.messages.push_back(d.message);
  return m;
}

TEST(CountingLoopTest, AgreesWithTheGeneralPath) {
  const std::vector<std::string> bounds = {"1",    "3",   "-2", "0",     "1.5", "2.000", "null", R"("a")",
                                           "true", "1e2", R"(date("2026-12-06"))", "99999999999999999999999",
                                           "-9223372036854775808", "9223372036854775807"};
  const std::vector<std::string> bodies = {"i", "i * 2", "[i, count([1, 2][item > i])]", "{v: i, w: v + 1}.w",
                                           "for j in 1..i return j", "[5, 6, 7][i]"};
  int compared = 0;
  for (const auto& a : bounds) {
    for (const auto& b : bounds) {
      for (const auto& body : bodies) {
        const std::string fast = "for i in " + a + ".." + b + " return " + body;
        const std::string general = "for i in " + a + ".." + b + " return if false then partial else " + body;
        for (int64_t limit : {int64_t{1000}, int64_t{4}}) {
          testing::Answered x = EvaluateLimited(fast, limit);
          testing::Answered y = EvaluateLimited(general, limit);
          EXPECT_EQ(x.literal, y.literal) << fast << " (limit " << limit << ")";
          EXPECT_EQ(x.messages, y.messages) << fast << " (limit " << limit << ")";
          ++compared;
        }
      }
    }
  }
  EXPECT_EQ(compared, 14 * 14 * 6 * 2);
  // The slot keeps the last value for a filter's probe, as a loop over the list leaves it.
  for (const auto& [range, list] : std::vector<std::pair<std::string, std::string>>{
           {"1..3", "[1, 2, 3]"}, {"3..1", "[3, 2, 1]"}, {"2..2", "[2]"}, {"-1..1", "[-1, 0, 1]"}}) {
    for (const std::string tail : {"[][item]", "[][item > 0]", "[4, 5][item]"}) {
      EXPECT_EQ(Evaluate("[for i in " + range + " return i, " + tail + "]").literal,
                Evaluate("[for i in " + list + " return i, " + tail + "]").literal)
          << range << ", " << tail;
    }
  }
  EXPECT_EQ(Evaluate("for i in 3..1 return i * 10").literal, "[30, 20, 10]");
  // Ranges wider than int64_t's span are over the iteration limit (they used to overflow).
  for (const std::string range : {"0..9223372036854775807", "1..-9223372036854775808",
                                  "-9223372036854775808..9223372036854775807", "9223372036854775807..-9223372036854775808"}) {
    testing::Answered m = testing::EvaluatedWithMessages("for i in " + range + " return i", Context{});
    EXPECT_EQ(m.literal, "null") << range;
    EXPECT_EQ(m.messages, std::vector<std::string>{"for: iteration limit exceeded"}) << range;
  }
  EXPECT_EQ(EvaluateLimited("for i in 1..4 return i", 4).literal, "[1, 2, 3, 4]");
  EXPECT_EQ(EvaluateLimited("for i in 1..5 return i", 4).literal, "null");
  EXPECT_EQ(Evaluate("for i in 1..2 return for j in i..2 return [i, j]").literal, "[[[1, 1], [1, 2]], [[2, 2]]]");
}

// Domains that end at int64_t's limits: each value once, never stepped past the end (that
// overflowed, and a range value's loop ran on past INT64_MAX). Counting loops, the general `for`
// (two iterators) and range values ([a..b], (a..b]) agree.
TEST(CountingLoopTest, DomainsAtTheIntegerLimits) {
  const std::string max = "9223372036854775807", min = "-9223372036854775808";
  const std::string top = "[9223372036854775806, 9223372036854775807]";
  const std::string bottom = "[-9223372036854775807, -9223372036854775808]";
  EXPECT_EQ(Evaluate("for i in 9223372036854775806.." + max + " return i").literal, top);
  EXPECT_EQ(Evaluate("for i in -9223372036854775807.." + min + " return i").literal, bottom);
  EXPECT_EQ(Evaluate("for i in 9223372036854775806.." + max + ", j in [1] return i").literal, top);
  EXPECT_EQ(Evaluate("for i in -9223372036854775807.." + min + ", j in [1] return i").literal, bottom);
  EXPECT_EQ(Evaluate("for i in [9223372036854775806.." + max + "] return i").literal, top);
  EXPECT_EQ(Evaluate("for i in (9223372036854775805.." + max + "] return i").literal, top);
  EXPECT_EQ(Evaluate("for i in [" + min + "..-9223372036854775807] return i").literal,
            "[-9223372036854775808, -9223372036854775807]");
  EXPECT_EQ(Evaluate("for i in [" + min + "..-9223372036854775806) return i").literal,
            "[-9223372036854775808, -9223372036854775807]");
  // Open ends that leave nothing: an empty domain.
  EXPECT_EQ(Evaluate("for i in (" + max + ".." + max + "] return i").literal, "[]");
  EXPECT_EQ(Evaluate("for i in (9223372036854775806.." + max + ") return i").literal, "[]");
  EXPECT_EQ(Evaluate("for i in [1..1) return i").literal, "[]");
  EXPECT_EQ(Evaluate("for i in (1..3) return i").literal, "[2]");
  // A range value wider than the iteration limit (or than int64_t) is over it, not looped.
  for (const std::string& range : {"[" + min + ".." + max + "]", "(" + min + ".." + max + ")", "[0.." + max + "]"}) {
    testing::Answered m = testing::EvaluatedWithMessages("for i in " + range + " return i", Context{});
    EXPECT_EQ(m.literal, "null") << range;
    EXPECT_EQ(m.messages, std::vector<std::string>{"for: iteration limit exceeded"}) << range;
  }
  EXPECT_EQ(EvaluateLimited("for i in [1..4] return i", 4).literal, "[1, 2, 3, 4]");
  EXPECT_EQ(EvaluateLimited("for i in [1..5] return i", 4).literal, "null");
}

}  // namespace
}  // namespace zebra::feel::fast_paths_test
