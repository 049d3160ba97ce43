// `if count(x) op k then x[1].a else d` with x evaluated once (first_or_else.h). It must answer
// as the general `if` does, which evaluates x twice (values, diagnostics: messages, count, order;
// the filter's item slot as a later filter's probe reads it). One compiled expression is
// evaluated over many values in turn (a path's shape caches warm for later values, as in a
// batch). The general answer is the same expression with the then-branch behind `(if true then
// ... else null)`, which the node does not take.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "feel/builtins_test_util.h"
#include "feel/feel.h"

namespace zebra::feel::first_or_else_test {
namespace {

using testing::Answered;
using testing::ParsedValue;

// Values of `v`: lists of contexts of several shapes (keys missing, null, nested), empty lists,
// lists of values that are no context (a date has properties of its own, a number none), values
// that are no list (count and `[1]` take them as a list of one), contexts holding the lists.
const std::vector<std::string> kValues = {
    R"([{a: 1, b: "x"}, {a: 2}])",
    R"([{b: "y", a: {b: "deep"}}])",
    R"([{a: 1, b: "x"}, {a: 2}])",
    "[]",
    "[null]",
    "[null, {a: 1}]",
    "[5, 6]",
    R"([date("2020-01-02"), 1])",
    R"([[{a: 1}, {a: 2}], 3])",
    R"([{c: 1}])",
    "[{}]",
    "null",
    "5",
    R"("s")",
    R"({a: [{a: 3, year: 4}], l: ["s", "t", "s"], b: "s"})",
    R"({a: [], l: [], b: "q"})",
    R"({a: 7, l: "s", b: null})",
    R"({l: ["t"], b: 1, a: [{a: {b: 9}}]})",
    R"({a: {a: 1}, l: ["s"], b: "t"})",
    R"({b: "y", a: [null], l: [null, "s"]})",
    R"({a: [{a: 3, year: 4}], l: ["s", "t", "s"], b: "s"})",
    R"({a: [date("2021-03-04")], l: null, b: "zz"})",
    R"([{a: 1}, {a: 2}, {a: 3}])",
    R"({a: [[{a: 5}]], b: 5})",
};

// A list of 20 strings and a null (`index of` searches a list of 16 or more through its string
// index), bound to `L`; `s1` holds "s".
const char kLongList[] =
    R"(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "s", "m", "n", "o", "p", "q", "r", null, "t", "s"])";

std::vector<Answered> RunOver(const std::string& text, const std::vector<Value>& values) {
  Scope scope;
  const int v = scope.Declare("v");
  const int l = scope.Declare("L");
  const int s1 = scope.Declare("s1");
  auto expr = CompileExpression(text, scope);
  EXPECT_TRUE(expr.has_value()) << text;
  std::vector<Answered> out;
  if (!expr) return out;
  static const Value long_list = ParsedValue(kLongList);
  for (const Value& value : values) {
    std::vector<Value> slots(scope.size());
    slots[static_cast<size_t>(v)] = value;
    slots[static_cast<size_t>(l)] = long_list;
    slots[static_cast<size_t>(s1)] = Value::String("s");
    EvalContext ctx;
    Value r = expr->Evaluate(slots, ctx);
    Answered a{ToFeelLiteral(r), {}};
    for (const auto& d : ctx.diagnostics()) a.messages.push_back(d.message);
    out.push_back(std::move(a));
  }
  return out;
}

const std::vector<Value>& Values() {
  static const std::vector<Value> values = [] {
    std::vector<Value> out;
    for (int pass = 0; pass < 2; ++pass)  // the second pass meets every shape with its caches warm
      for (const auto& t : kValues) out.push_back(ParsedValue(t));
    return out;
  }();
  return values;
}

int ExpectSame(const std::string& fast, const std::string& general) {
  const auto a = RunOver(fast, Values());
  const auto b = RunOver(general, Values());
  EXPECT_EQ(a.size(), b.size());
  int compared = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    const std::string& with = kValues[i % kValues.size()];
    EXPECT_EQ(a[i].literal, b[i].literal) << fast << "\nvs " << general << "\nwith v = " << with;
    EXPECT_EQ(a[i].messages, b[i].messages) << fast << "\nvs " << general << "\nwith v = " << with;
    ++compared;
  }
  return compared;
}

// The x the node takes: names, paths (which report over a value without properties), `index of`
// of them (through the string index for L; `v.b` null finds L's null).
const std::vector<std::string> kXs = {"v", "v.a", "v.l", "index of(v.l, \"s\")", "index of(v, s1)", "index of(L, v.b)"};
// The then-branch's steps after `x[1]`.
const std::vector<std::string> kSteps = {"", ".a", ".a.b", ".year", ".zz"};
// The conditions: `count(x)` against integers (only a true verdict with a non-empty list is
// answered from the first item).
const std::vector<std::string> kCounts = {"> 0", ">= 1", "= 1", "!= 0", "> 1", "= 0", "< 1"};

TEST(FirstOrElseTest, AgreesWithTheGeneralIf) {
  int compared = 0;
  for (const auto& x : kXs)
    for (const auto& steps : kSteps)
      for (const auto& count : kCounts) {
        const std::string cond = "if count(" + x + ") " + count + " then ";
        const std::string fast = cond + x + "[1]" + steps + " else \"d\"";
        const std::string general = cond + "(if true then " + x + "[1]" + steps + " else null) else \"d\"";
        compared += ExpectSame(fast, general);
      }
  EXPECT_GT(compared, 10'000);
}

// Where the `if` stands: a context entry read by a later entry; a list whose later filter over an
// empty list probes the item slot the `[1]` filter shares (a number left there makes the probe
// answer null, anything else []); inside a filter's predicate, where an item's entry named `v`
// or `L` shadows the name; in a loop over a local name; as a function's body.
TEST(FirstOrElseTest, AgreesInEveryPosition) {
  int compared = 0;
  for (const auto& x : kXs)
    for (const std::string steps : {"", ".a"}) {
      const std::string fast = "(if count(" + x + ") > 0 then " + x + "[1]" + steps + " else 999)";
      const std::string general =
          "(if count(" + x + ") > 0 then (if true then " + x + "[1]" + steps + " else null) else 999)";
      auto both = [&](auto wrap) { compared += ExpectSame(wrap(fast), wrap(general)); };
      both([](const std::string& e) { return "{k: " + e + ", m: [k, k]}"; });
      both([](const std::string& e) { return "[" + e + ", [][item]]"; });
      both([](const std::string& e) { return "[" + e + ", [][item > 0], [][item.a]]"; });
      both([](const std::string& e) { return "[{v: [9, 8]}, {w: 1}, {L: [\"s\"], v: {l: [\"s\"]}}, 3][" + e + " != 999]"; });
      both([](const std::string& e) { return "for w in [1, 2] return " + e; });
      both([](const std::string& e) { return "{f: function(v) " + e + ", r: [f(v), f([{a: 0}]), f(null)]}.r"; });
    }
  EXPECT_GT(compared, 1'500);
}

// Hand-written expectations (the Ranking's entries among them).
TEST(FirstOrElseTest, HandWritten) {
  auto answer = [](const std::string& text, const std::string& v) {
    const auto a = RunOver(text, {ParsedValue(v)});
    return a.empty() ? Answered{} : a[0];
  };
  const std::string tie = "if count(index of(L, v.id)) > 0 then index of(L, v.id)[1] else 999";
  EXPECT_EQ(answer(tie, R"({id: "s"})").literal, "12");
  EXPECT_EQ(answer(tie, R"({id: "t"})").literal, "20");
  EXPECT_EQ(answer(tie, R"({id: "zz"})").literal, "999");
  EXPECT_EQ(answer(tie, R"({id: null})").literal, "19");  // L's null
  EXPECT_EQ(answer(tie, "null").literal, "19");            // v.id null too
  const auto on_number = answer(tie, "5");  // v.id reports, once for each read of x
  EXPECT_EQ(on_number.literal, "19");
  EXPECT_EQ(on_number.messages.size(), 2u);
  const std::string weight = "if count(v) > 0 then v[1].weight else 0";
  EXPECT_EQ(answer(weight, R"([{prefix: "ssa.", weight: 3}, {weight: 4}])").literal, "3");
  EXPECT_EQ(answer(weight, R"([{prefix: "ssa."}])").literal, "null");
  EXPECT_EQ(answer(weight, "[]").literal, "0");
  EXPECT_EQ(answer(weight, "[null, 1]").literal, "null");
  EXPECT_EQ(answer(weight, "null").literal, "0");  // count(null) is null: the else-branch
  EXPECT_EQ(answer(weight, R"({weight: 5})").literal, "5");  // a list of one
  EXPECT_EQ(answer("if count(v) = 0 then v[1] else \"some\"", "[]").literal, "null");
  EXPECT_EQ(answer("if count(v) > 1 then v[1].a.b else \"one\"", R"([{a: {b: 2}}, 1])").literal, "2");
  EXPECT_EQ(answer("if count(v) > 1 then v[1].a.b else \"one\"", R"([{a: {b: 2}}])").literal, "\"one\"");
  // The item slot left holding the first item, which a later filter's probe reads.
  EXPECT_EQ(answer("[if count(v) > 0 then v[1] else 0, [][item]]", "[7, 8]").literal, "[7, null]");
  EXPECT_EQ(answer("[if count(v) > 0 then v[1] else 0, [][item]]", R"(["7", 8])").literal, R"(["7", []])");
}

}  // namespace
}  // namespace zebra::feel::first_or_else_test
