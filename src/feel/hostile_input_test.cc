// Hostile input: the engine must answer every input with a compile error or a value (null plus a
// diagnostic where the input is unreasonable), never crash, overflow the stack or hang. These
// tests assert on the kind of result only; a hang shows up as a test timeout.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "feel/feel.h"

namespace zebra::feel::hostile_input_test {
namespace {

struct Outcome {
  bool compiled = false;
  std::string compile_error;
  Value value;
  std::vector<Diagnostic> diagnostics;
};

// `max_iterations` lowers the evaluation budget where the default (10 million) would only make
// the test slow without testing anything more.
Outcome RunFeel(const std::string& text, int64_t max_iterations = EvalContext().max_iterations) {
  Outcome o;
  Scope scope;
  auto expr = CompileExpression(text, scope);
  if (!expr) {
    o.compile_error = expr.error().message;
    return o;
  }
  o.compiled = true;
  EvalContext ctx;
  ctx.max_iterations = max_iterations;
  o.value = expr->Evaluate({}, ctx);
  o.diagnostics = ctx.diagnostics();
  return o;
}

// The input is rejected: a compile error, or null with at least one diagnostic.
void ExpectRejected(const Outcome& o, const std::string& what) {
  if (!o.compiled) {
    EXPECT_FALSE(o.compile_error.empty()) << what << ": a compile error should say why";
    return;
  }
  EXPECT_TRUE(o.value.is_null()) << what << ": expected null, got " << ToFeelLiteral(o.value);
  EXPECT_FALSE(o.diagnostics.empty()) << what << ": a null result should come with a diagnostic";
}

std::string Repeat(std::string_view s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

// DMN 1.5 §10.3.1.2 grammar: unbalanced brackets are syntax errors.
TEST(HostileInputTest, UnbalancedBracketsAreCompileErrors) {
  for (const std::string text : {"((1 + 2)", "[1, [2, 3]", "{a: {b: 1}", "]]]", "1 + )", "(]", "[1..2",
                                 "{a: 1]", "f(1, (2, 3)", "\"unterminated", "(((((", "}}}}"}) {
    Outcome o = RunFeel(text);
    EXPECT_FALSE(o.compiled) << text << " compiled to " << ToFeelLiteral(o.value);
  }
}

// DMN 1.5 §10.3.2.16: an unknown function is reported, never a crash.
TEST(HostileInputTest, UnknownFunctionIsRejected) {
  ExpectRejected(RunFeel("no such function(1, 2)"), "unknown function");
  ExpectRejected(RunFeel("frobnicate(\"x\")"), "unknown function");
}

TEST(HostileInputTest, DeepParenthesesDoNotOverflowTheStack) {
  const size_t n = 100'000;
  ExpectRejected(RunFeel(Repeat("(", n) + "1" + Repeat(")", n)), "100000 nested parentheses");
}

TEST(HostileInputTest, DeepListsDoNotOverflowTheStack) {
  const size_t n = 100'000;
  ExpectRejected(RunFeel(Repeat("[", n) + Repeat("]", n)), "100000 nested lists");
}

TEST(HostileInputTest, DeepContextsDoNotOverflowTheStack) {
  const size_t n = 100'000;
  ExpectRejected(RunFeel(Repeat("{a:", n) + "1" + Repeat("}", n)), "100000 nested contexts");
}

TEST(HostileInputTest, DeepUnaryOperatorsDoNotOverflowTheStack) {
  const size_t n = 100'000;
  ExpectRejected(RunFeel(Repeat("-", n) + "1"), "100000 negations");
  ExpectRejected(RunFeel(Repeat("not(", n) + "true" + Repeat(")", n)), "100000 nested not()");
  ExpectRejected(RunFeel(Repeat("if true then ", n) + "1" + Repeat(" else 0", n)), "100000 nested if");
}

TEST(HostileInputTest, UnclosedDeepNestingIsACompileError) {
  Outcome o = RunFeel(Repeat("(", 100'000));
  EXPECT_FALSE(o.compiled);
  o = RunFeel(Repeat("[", 100'000));
  EXPECT_FALSE(o.compiled);
}

// A long flat chain is not nesting in the source, but a naive tree is 50000 deep. Run in a child
// process (death-test machinery) so that a stack overflow fails this test, not the whole binary.
void CheckLongChain() {
  const size_t n = 50'000;
  std::string text = "1" + Repeat("+1", n - 1);
  Outcome o = RunFeel(text);
  if (o.compiled && !o.value.is_null()) {
    ASSERT_TRUE(o.value.is(Type::kNumber));
    EXPECT_TRUE(DeepEqual(o.value, Value::Number(static_cast<int64_t>(n))));
  } else {
    ExpectRejected(o, "50000-term sum");
  }
}

TEST(HostileInputTest, LongOperatorChainIsEvaluatedOrRejected) {
  EXPECT_EXIT(
      {
        CheckLongChain();
        std::exit(::testing::Test::HasFailure() ? 1 : 0);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(HostileInputTest, TenMegabyteStringLiteral) {
  const size_t n = 10 * 1024 * 1024;
  std::string text = "\"" + std::string(n, 'a') + "\"";
  Outcome o = RunFeel(text);
  if (o.compiled && !o.value.is_null()) {
    ASSERT_TRUE(o.value.is(Type::kString));
    EXPECT_EQ(o.value.string().size(), n);
  } else {
    ExpectRejected(o, "10 MB string literal");
  }
  // And the same string passed through a built-in.
  Outcome len = RunFeel("string length(" + text + ")");
  if (len.compiled && !len.value.is_null())
    EXPECT_TRUE(DeepEqual(len.value, Value::Number(static_cast<int64_t>(n))));
  else
    ExpectRejected(len, "string length of 10 MB");
}

// DMN 1.5 §10.3.2.14: a billion iterations exceed the evaluation budget: null plus a diagnostic.
TEST(HostileInputTest, HugeForLoopHitsTheIterationLimit) {
  ExpectRejected(RunFeel("for x in 1..1000000000 return x"), "for over 1..1000000000");  // default budget
  const int64_t kSmall = 100'000;
  ExpectRejected(RunFeel("count(for x in 1..1000000000 return x)", kSmall), "count of a huge for");
  ExpectRejected(RunFeel("for x in 1..100000, y in 1..100000 return 1", kSmall), "10^10 cross product");
  ExpectRejected(RunFeel("some x in for i in 1..1000000000 return i satisfies x < 0", kSmall), "huge quantifier");
  ExpectRejected(RunFeel("for d in @\"0001-01-01\"..@\"9999-12-31\" return d", kSmall), "3.6 million days");
}

TEST(HostileInputTest, UnboundedRecursionHitsTheDepthLimit) {
  ExpectRejected(RunFeel("{f: function(n) f(n + 1), r: f(0)}.r"), "infinite recursion");
}

// Number extremes (DMN 1.5 §10.3.2.3.1, Table 60): out-of-range results are null, not a hang.
TEST(HostileInputTest, ExtremeNumbersAreNullOrValues) {
  for (const std::string text : {"10 ** 999999999", "1.0000001 ** 999999999", "0.5 ** 999999999",
                                 "10 ** 1000000000", "decimal(1, 6176) * 10 ** 6000", "1e999999999"}) {
    Outcome o = RunFeel(text);
    if (o.compiled && !o.value.is_null()) {
      EXPECT_TRUE(o.value.is(Type::kNumber)) << text;
    } else if (o.compiled) {
      EXPECT_TRUE(o.value.is_null()) << text;
    }
  }
}

TEST(HostileInputTest, ExtremeTemporalValuesAreNullOrValues) {
  for (const std::string text :
       {"date(999999999, 12, 31) + duration(\"P1D\")", "date(\"999999999-12-31\") + duration(\"P999999999Y\")",
        "duration(\"P999999999999999999999D\")", "date and time(\"-999999999-01-01T00:00:00\") - duration(\"PT1S\")",
        "time(\"23:59:59.999999999999999\")"}) {
    Outcome o = RunFeel(text);
    if (!o.compiled || o.value.is_null()) continue;  // rejected: fine
    Type t = o.value.type();
    EXPECT_TRUE(t == Type::kDate || t == Type::kDateTime || t == Type::kTime || t == Type::kDaysTimeDuration ||
                t == Type::kYearsMonthsDuration || t == Type::kList)
        << text << " -> " << ToFeelLiteral(o.value);
  }
}

TEST(HostileInputTest, InvalidUtf8AndControlCharactersDoNotCrash) {
  for (const std::string& text : {std::string("\"\xff\xfe\""), std::string("\xc3"), std::string("\"a\0b\"", 5),
                                 std::string("1 + \x01"), std::string("\"\\uD800\""), std::string("\"\\U110000\"")}) {
    Outcome o = RunFeel(text);
    if (!o.compiled || o.value.is_null()) continue;
    EXPECT_TRUE(o.value.is(Type::kString) || o.value.is(Type::kNumber)) << ToFeelLiteral(o.value);
  }
}

TEST(HostileInputTest, LongNameAndManyListItems) {
  ExpectRejected(RunFeel(std::string(1'000'000, 'x')), "1 MB unknown name");
  const size_t n = 30'000;
  Outcome o = RunFeel("count([" + Repeat("1,", n - 1) + "1])");
  if (o.compiled && !o.value.is_null())
    EXPECT_TRUE(DeepEqual(o.value, Value::Number(static_cast<int64_t>(n))));
  else
    ExpectRejected(o, "30000-item list");
}

TEST(HostileInputTest, DeepUnaryTestsAreRejected) {
  Scope scope;
  const size_t n = 100'000;
  auto t = CompileUnaryTests(Repeat("not(", n) + "1" + Repeat(")", n), scope);
  if (t) {  // accepted by the parser: evaluating it must still be bounded
    EvalContext ctx;
    Value v = t->Test(Value::Number(1), {}, ctx);
    EXPECT_TRUE(v.is_null() || v.is(Type::kBoolean)) << ToFeelLiteral(v);
  }
  auto u = CompileUnaryTests(Repeat("[", n), scope);
  EXPECT_FALSE(u.has_value());
}

}  // namespace
}  // namespace zebra::feel::hostile_input_test
