// `if` chains (IfChainNode, if_chain.cc): the conditions tested in order by their verdicts, the
// first true one's branch the answer, the last else-branch otherwise; the branch read in place
// where the reader takes a reference. Each answer (value and diagnostics: messages, count, order)
// is checked against a reference the test computes itself from the pieces evaluated one by one:
// each condition alone in turn until one is true, then that branch alone, their diagnostics in
// that order. One compiled expression is evaluated over many values in turn (twice over, so the
// paths' shape caches are warm the second time, as in a batch).
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "feel/builtins_test_util.h"
#include "feel/feel.h"

namespace zebra::feel::if_chain_test {
namespace {

using testing::Answered;
using testing::EvaluatedWithMessages;
using testing::ParsedValue;
using testing::Show;

const std::vector<std::string> kValues = {
    R"({a: true, b: "x", c: ["s"]})",
    R"({b: "y", a: false, c: null})",
    R"({a: null, b: 1, c: [1, 2]})",
    R"({a: true, b: "x", c: ["s"]})",
    R"({a: {b: true, c: ["s", "t"]}, d: 1})",
    R"({a: {b: false}, b: 3})",
    R"({b: 2})",
    "{}",
    "null",
    "5",
    "true",
    "false",
    R"("text")",
    R"([1, 2, 3])",
    R"(date("2020-01-02"))",
};

const std::vector<Value>& Values() {
  static const std::vector<Value> values = [] {
    std::vector<Value> out;
    for (int pass = 0; pass < 2; ++pass)
      for (const auto& t : kValues) out.push_back(ParsedValue(t));
    return out;
  }();
  return values;
}

Context With(const Value& v) {
  Context c;
  c.Put("v", v);
  return c;
}

// Conditions over v: booleans, null, values that are no boolean, reads that report.
const std::vector<std::string> kConditions = {
    "v.a",        "v.a = true", "v.b > 1", "v.a.b", "v = null", "v",
    "v.b = \"x\"", "v.c != null", "v.q",    "v.b + 1 > 2", "count(v.c) > 1",
};
// Branches: literals, names, paths (in place, missing, reporting), computed values, null.
const std::vector<std::string> kBranches = {
    "\"T\"", "v", "v.b", "v.c", "v.a.c", "v.zz", "v.b + 1", "[v.b, 1]", "null", "count(v.c)", "{k: v.b}",
};

// The chain's answer by the reference: each condition alone until one is true, then its branch.
Answered Reference(const std::vector<std::pair<std::string, std::string>>& levels, const std::string& last,
                   const Context& vars) {
  Answered out;
  auto take = [&](const Answered& a) { out.messages.insert(out.messages.end(), a.messages.begin(), a.messages.end()); };
  for (const auto& [c, b] : levels) {
    const Answered verdict = EvaluatedWithMessages(c, vars);
    take(verdict);
    if (verdict.literal == "true") {
      const Answered branch = EvaluatedWithMessages(b, vars);
      take(branch);
      out.literal = branch.literal;
      return out;
    }
  }
  const Answered branch = EvaluatedWithMessages(last, vars);
  take(branch);
  out.literal = branch.literal;
  return out;
}

std::string Chain(const std::vector<std::pair<std::string, std::string>>& levels, const std::string& last) {
  std::string s;
  for (const auto& [c, b] : levels) s += "if " + c + " then " + b + " else ";
  return s + last;
}

// Where the chain stands, each with the same form over `w` (a name holding the reference's
// value): as the value, an operand of a `+` chain (read in place), a `concatenate` argument (read
// in place), a context entry read later, a list item, a loop's body.
const std::vector<std::pair<std::string, std::string>> kPositions = {
    {"X", "w"},
    {"\"<\" + (X) + \">\"", "\"<\" + w + \">\""},
    {"concatenate([0], X)", "concatenate([0], w)"},
    {"{k: X, m: k}.m", "{k: w, m: k}.m"},
    {"[X, 1]", "[w, 1]"},
    {"for i in [1, 2] return X", "for i in [1, 2] return w"},
};

std::string Replace(std::string form, const std::string& x) {
  const size_t at = form.find('X');
  if (at != std::string::npos) form.replace(at, 1, x);
  return form;
}

TEST(IfChainTest, AgreesWithTheConditionsTestedInTurn) {
  int compared = 0;
  const size_t nc = kConditions.size(), nb = kBranches.size();
  // Chains of 1 to 4 levels; conditions and branches drawn in steps that cover every pair.
  for (size_t depth = 1; depth <= 4; ++depth) {
    for (size_t start = 0; start < nc; ++start) {
      std::vector<std::pair<std::string, std::string>> levels;
      for (size_t k = 0; k < depth; ++k)
        levels.emplace_back(kConditions[(start + 3 * k) % nc], kBranches[(start + depth + 2 * k) % nb]);
      const std::string last = kBranches[(start + 5 * depth) % nb];
      const std::string chain = Chain(levels, last);
      for (const auto& [form, general] : kPositions) {
        const bool alone = form == "X";
        const bool repeated = form.find("for i") != std::string::npos;
        const std::string text = Replace(form, alone ? chain : "(" + chain + ")");
        for (const Value& v : Values()) {
          const Context vars = With(v);
          const Answered expected_x = Reference(levels, last, vars);
          Answered expected;
          if (alone) {
            expected = expected_x;
          } else {
            // The position's own answer for the chain's value, after the chain's diagnostics
            // (once per evaluation of the chain: twice in the loop).
            Context wv = vars;
            wv.Put("w", expected_x.literal == "<compile error>" ? Value() : ParsedValue(expected_x.literal));
            const Answered around = EvaluatedWithMessages(general, wv);
            expected.literal = around.literal;
            for (int times = repeated ? 2 : 1; times > 0; --times)
              expected.messages.insert(expected.messages.end(), expected_x.messages.begin(), expected_x.messages.end());
            expected.messages.insert(expected.messages.end(), around.messages.begin(), around.messages.end());
          }
          const Answered got = EvaluatedWithMessages(text, vars);
          EXPECT_EQ(got, expected) << text << " with v = " << ToFeelLiteral(v) << "\n got " << Show(got)
                                   << "\n want " << Show(expected);
          ++compared;
        }
      }
    }
  }
  EXPECT_GT(compared, 7'000);
}

// The same chain written with each `else if` level behind a list index (`[if ...][1]`), which
// the chain does not take in: the general nesting, level by level.
TEST(IfChainTest, AgreesWithTheLevelsNestedOneByOne) {
  int compared = 0;
  for (size_t start = 0; start < kConditions.size(); ++start) {
    const std::string c1 = kConditions[start], c2 = kConditions[(start + 4) % kConditions.size()],
                      c3 = kConditions[(start + 7) % kConditions.size()];
    const std::string b1 = kBranches[start % kBranches.size()], b2 = kBranches[(start + 3) % kBranches.size()],
                      b3 = kBranches[(start + 6) % kBranches.size()], e = kBranches[(start + 9) % kBranches.size()];
    const std::string chain = "if " + c1 + " then " + b1 + " else if " + c2 + " then " + b2 + " else if " + c3 +
                              " then " + b3 + " else " + e;
    const std::string nested = "if " + c1 + " then " + b1 + " else [if " + c2 + " then " + b2 + " else [if " + c3 +
                               " then " + b3 + " else " + e + "][1]][1]";
    for (const Value& v : Values()) {
      const Context vars = With(v);
      const Answered a = EvaluatedWithMessages(chain, vars);
      const Answered b = EvaluatedWithMessages(nested, vars);
      EXPECT_EQ(a, b) << chain << " with v = " << ToFeelLiteral(v) << "\n got " << Show(a) << "\n want " << Show(b);
      ++compared;
    }
  }
  EXPECT_GT(compared, 300);
}

// Hand-written expectations (FEEL's rules).
TEST(IfChainTest, HandWritten) {
  struct Case {
    std::string text, literal;
    std::vector<std::string> messages;
  };
  const std::string ordinal = R"(if n <= 1 then "first" else if n = 2 then "second" else "later")";
  const std::vector<std::pair<Value, std::string>> ordinals = {
      {Value::Number(0), R"("first")"}, {Value::Number(1), R"("first")"}, {Value::Number(2), R"("second")"},
      {Value::Number(3), R"("later")"}, {Value(), R"("later")"}};
  for (const auto& [n, want] : ordinals) {
    Context vars;
    vars.Put("n", n);
    const Answered a = EvaluatedWithMessages(ordinal, vars);
    EXPECT_EQ(a.literal, want) << ToFeelLiteral(n);
    EXPECT_TRUE(a.messages.empty()) << Show(a);
  }
  Context vars;
  vars.Put("s", Value::String("b"));
  vars.Put("x", ParsedValue(R"({p: "P", q: null})"));
  const std::vector<Case> cases = {
      {R"(if s = "a" then 1 else if s = "b" then 2 else if s = "c" then 3 else 4)", "2", {}},
      {R"(if s = "z" then 1 else if s = "y" then 2 else 4)", "4", {}},
      {R"(if null then 1 else if 5 then 2 else if "t" then 3 else 4)", "4", {}},  // not true: the next level
      {R"("<" + (if s = "b" then x.p else "none") + ">")", R"("<P>")", {}},
      {R"("<" + (if s = "a" then x.p else if s = "b" then x.q else "none") + ">")", "null", {}},
      {R"(concatenate(if s = "b" then ["m"] else [], ["n"]))", R"(["m", "n"])", {}},
      {R"(if s = "b" then x.p.z else 0)", "null", {"a string has no property 'z'"}},
      {R"(if x.p.z = 1 then 1 else if s.k = 1 then 2 else 3)", "3",
       {"a string has no property 'z'", "a string has no property 'k'"}},
  };
  for (const auto& c : cases) {
    const Answered a = EvaluatedWithMessages(c.text, vars);
    EXPECT_EQ(a.literal, c.literal) << c.text << ": " << Show(a);
    EXPECT_EQ(a.messages, c.messages) << c.text << ": " << Show(a);
  }
}

}  // namespace
}  // namespace zebra::feel::if_chain_test
