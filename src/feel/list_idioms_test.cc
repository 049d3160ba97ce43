// The list idioms of list_idioms.h must answer as the general nodes do: values, diagnostics and
// their messages. The general answer is the same expression with the literal moved into a name
// (`count(e) > k` against `count(e) > b` with b = k), which no idiom node takes.
#include "feel/list_idioms.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "feel/builtins_test_util.h"
#include "feel/feel.h"

namespace zebra::feel::list_idioms_test {
namespace {

using testing::Answered;
using testing::EvaluatedWithMessages;
using testing::ParsedValue;

TEST(CountCompareTest, AgreesWithTheGeneralComparison) {
  // Values of `l` (a global) and of the context entry `p` (a local).
  const std::vector<std::string> lists = {
      "[]", "[1]", R"(["ssa.a", "prrt.b", 3, null])", R"([{o: "ssa.a", r: "x"}, {o: "prrt.b"}, {o: 1}, {}])",
      "null", "5", R"("abc")", R"({o: "ssa.a"})", "[[]]", R"([{item: "ssa.x", o: "ssa.y"}, {l: []}])"};
  // Arguments of count: names, filters over names (pure predicates, with diagnostics, index
  // forms, a numeric predicate), filters over other values, calls.
  const std::vector<std::string> args = {
      "l", "p", R"(l[starts with(item.o, "ssa.")])", R"(p[starts with(item.o, "ssa.") and item.r != "x"])",
      R"(l[starts with(item, "ssa.") or starts with(item, "prrt.")])", "l[item.o = 1]", "p[item > 1]", "l[1]",
      "p[-1]", "l[n]", "l[item]", "l[count(l) > 0]", R"([][item.o = "a"])", R"([1, 2, 3][item >= 2])",
      "for x in l return x", "l[item.o = null]", "l[item >= 1]", R"(l[list contains(["ssa.a"], item)])"};
  const std::vector<std::string> ops = {"=", "!=", "<", "<=", ">", ">="};
  const std::vector<std::string> bounds = {"0", "1", "2", "-1", "1.0", "3"};
  int compared = 0;
  for (const auto& l : lists) {
    Context vars;
    vars.Put("l", ParsedValue(l));
    vars.Put("n", Value::Number(1));
    for (const auto& arg : args) {
      for (const auto& op : ops) {
        for (const auto& k : bounds) {
          const std::string idiom = "{p: l, b: " + k + ", r: count(" + arg + ") " + op + " " + k + "}.r";
          const std::string general = "{p: l, b: " + k + ", r: count(" + arg + ") " + op + " b}.r";
          Answered fast = EvaluatedWithMessages(idiom, vars);
          Answered slow = EvaluatedWithMessages(general, vars);
          EXPECT_EQ(fast.literal, slow.literal) << idiom << " with l = " << l;
          EXPECT_EQ(fast.messages, slow.messages) << idiom << " with l = " << l;
          // Inside a filter's predicate, where an item entry named `l` or `p` shadows the name.
          const std::string in_filter = "{p: l, b: " + k + ", r: [{l: [1]}, 2, {p: []}][count(" + arg + ") " + op +
                                        " " + k + "]}.r";
          const std::string in_filter_general =
              "{p: l, b: " + k + ", r: [{l: [1]}, 2, {p: []}][count(" + arg + ") " + op + " b]}.r";
          fast = EvaluatedWithMessages(in_filter, vars);
          slow = EvaluatedWithMessages(in_filter_general, vars);
          EXPECT_EQ(fast.literal, slow.literal) << in_filter << " with l = " << l;
          EXPECT_EQ(fast.messages, slow.messages) << in_filter << " with l = " << l;
          compared += 2;
        }
      }
    }
  }
  EXPECT_EQ(compared, 10 * 18 * 6 * 6 * 2);
}

TEST(CountCompareTest, Answers) {
  Context vars;
  vars.Put("priors", ParsedValue(R"([{option: "ssa.a", response: "intolerance"}, {option: "ssa.b"}, {option: 1}])"));
  vars.Put("none", ParsedValue("[]"));
  auto literal = [&](const std::string& text) { return EvaluatedWithMessages(text, vars).literal; };
  EXPECT_EQ(literal(R"(count(priors[starts with(item.option, "ssa.") and item.response != "intolerance"]) > 0)"),
            "true");
  EXPECT_EQ(literal(R"(count(priors[starts with(item.option, "ssa.")]) = 2)"), "true");
  EXPECT_EQ(literal(R"(count(priors[starts with(item.option, "prrt.")]) = 0)"), "true");
  EXPECT_EQ(literal(R"(count(none[starts with(item.option, "ssa.")]) > 0)"), "false");
  EXPECT_EQ(literal(R"(count(none[starts with(item.option, "ssa.")]) <= 0)"), "true");
  EXPECT_EQ(literal("count(none) != 0"), "false");
  EXPECT_EQ(literal("count(priors) >= 3"), "true");
  EXPECT_EQ(literal("count(priors) < 3"), "false");
  EXPECT_EQ(literal("count(null) = 0"), "false");
  EXPECT_EQ(literal("count(null) != 0"), "true");
  EXPECT_EQ(literal("count(null) > 0"), "null");
  EXPECT_EQ(literal(R"(count("a") = 1)"), "true");
  // The item `{option: 1}` is not a string: starts with reports it, once.
  Answered a = EvaluatedWithMessages(R"(count(priors[starts with(item.option, "ssa.")]) > 0)", vars);
  EXPECT_EQ(a.literal, "true");
  EXPECT_EQ(a.messages.size(), 1u);
}

}  // namespace
}  // namespace zebra::feel::list_idioms_test
