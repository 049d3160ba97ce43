// Parser and evaluator behaviour that the spec suite (tests/feel) does not isolate: name
// resolution with spaces, slots, error locations, limits, closures and unary tests.
#include <gtest/gtest.h>

#include <span>
#include <string>
#include <vector>

#include "feel/feel.h"

namespace zebra::feel::parser_test {
namespace {

Value Eval(std::string_view text, const Context& vars = {}) {
  EvalContext ctx;
  auto r = EvaluateExpression(text, vars, ctx);
  EXPECT_TRUE(r.has_value()) << text << ": " << (r ? "" : r.error().message);
  return r ? *r : Value();
}

std::string Lit(std::string_view text, const Context& vars = {}) { return ToFeelLiteral(Eval(text, vars)); }

Context Vars(std::initializer_list<std::pair<std::string, Value>> entries) {
  Context c;
  for (const auto& [k, v] : entries) c.Put(k, v);
  return c;
}

// DMN 1.5 §10.3.1.2: names may contain spaces; the scope decides where a name ends.
TEST(ParserTest, NamesWithSpacesResolveAgainstScope) {
  auto vars = Vars({{"Monthly Salary", Value::Number(1000)}, {"Monthly", Value::Number(1)}});
  EXPECT_EQ(Lit("Monthly Salary * 12", vars), "12000");
  EXPECT_EQ(Lit("Monthly   Salary * 12", vars), "12000");  // any whitespace run matches a space
  EXPECT_EQ(Lit("Monthly + 1", vars), "2");
}

// DMN 1.5 §10.3.1.2 grammar rule 30: additional name symbols (. / - ' + *) inside names.
TEST(ParserTest, NamesWithSymbolsAreReadWhenInScope) {
  auto vars = Vars({{"Loan.amount", Value::Number(5)}, {"a-b", Value::Number(7)}, {"a", Value::Number(10)},
                    {"b", Value::Number(3)}});
  EXPECT_EQ(Lit("Loan.amount * 2", vars), "10");
  EXPECT_EQ(Lit("a-b", vars), "7");
  EXPECT_EQ(Lit("a - b", vars), "7");  // the longest name wins only when it matches text exactly
}

TEST(ParserTest, CompiledExpressionUsesSlots) {
  Scope scope;
  int age = scope.Declare("Applicant Age");
  auto expr = CompileExpression("Applicant Age >= 18", scope);
  ASSERT_TRUE(expr.has_value());
  std::vector<Value> slots(scope.size());
  EvalContext ctx;
  slots[static_cast<size_t>(age)] = Value::Number(20);
  EXPECT_TRUE(expr->Evaluate(slots, ctx).is_true());
  slots[static_cast<size_t>(age)] = Value::Number(17);
  EXPECT_FALSE(expr->Evaluate(slots, ctx).is_true());
}

// DMN 1.5 §10.3.2.9 / §10.3.1.2: syntax errors are reported with a line and column.
TEST(ParserTest, SyntaxErrorsCarryLineAndColumn) {
  Scope scope;
  auto r = CompileExpression("1 +\n  (2 * ", scope);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().at.line, 2);
  EXPECT_GT(r.error().at.column, 1);
  EXPECT_EQ(r.error().path, "2:" + std::to_string(r.error().at.column));
  EXPECT_FALSE(CompileExpression("[1, 2", scope).has_value());
  EXPECT_FALSE(CompileExpression("{a: 1, a: 2}", scope).has_value());  // duplicate key
  EXPECT_FALSE(CompileExpression("\"unterminated", scope).has_value());
  EXPECT_FALSE(CompileExpression("1 $ 2", scope).has_value());
}

TEST(ParserTest, DeepNestingIsAnErrorNotACrash) {
  Scope scope;
  std::string deep(100000, '(');
  deep += "1";
  deep += std::string(100000, ')');
  auto r = CompileExpression(deep, scope);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("nested too deeply"), std::string::npos);
  std::string lists(100000, '[');
  EXPECT_FALSE(CompileExpression(lists, scope).has_value());
}

TEST(ParserTest, HugeStringLiteralIsFine) {
  std::string big = "\"" + std::string(10 * 1024 * 1024, 'x') + "\"";
  Scope scope;
  auto r = CompileExpression(big, scope);
  ASSERT_TRUE(r.has_value());
}

// `text` compiles, and an evaluation limit stops it: null, and the context says so.
void ExpectStoppedByLimit(std::string_view text) {
  EvalContext ctx;
  auto r = EvaluateExpression(text, {}, ctx);
  ASSERT_TRUE(r.has_value()) << text;
  EXPECT_TRUE(r->is_null()) << text;
  EXPECT_TRUE(ctx.limit_exceeded) << text;
}

TEST(EvaluatorTest, IterationLimitStopsRunawayLoops) { ExpectStoppedByLimit("for x in 1..1000000000 return x"); }

TEST(EvaluatorTest, RecursionDepthIsBounded) {
  // A function that calls itself through a context entry never terminates; depth stops it.
  ExpectStoppedByLimit("{f: function(n) f(n + 1), r: f(0)}.r");
  // Bounded recursion works.
  EXPECT_EQ(Lit("{fact: function(n) if n <= 1 then 1 else n * fact(n - 1), r: fact(5)}.r"), "120");
}

// DMN 1.5 §10.3.2.5: inside a filter, the item's context entries are in scope and shadow
// outer names.
TEST(EvaluatorTest, FilterItemEntriesShadowOuterNames) {
  auto vars = Vars({{"a", Value::Number(100)}});
  EXPECT_EQ(Lit("[{a: 1}, {a: 2}][a > 1]", vars), "[{a: 2}]");
  EXPECT_EQ(Lit("[{a: 1}, {a: 2}][item.a = 1]", vars), "[{a: 1}]");
  EXPECT_EQ(Lit("[1, 2, 3][item > a - 99]", vars), "[2, 3]");
}

TEST(EvaluatorTest, ClosuresCaptureTheirScope) {
  EXPECT_EQ(Lit("{k: 10, add: function(x) x + k, r: add(5)}.r"), "15");
  EXPECT_EQ(Lit("{mk: function(n) function(x) x * n, triple: mk(3), r: triple(4)}.r"), "12");
}

// DMN 1.5 §10.3.2.9.1 Table 53: operators on mismatched types give null, not a crash.
TEST(EvaluatorTest, TypeMismatchGivesNullWithDiagnostic) {
  EvalContext ctx;
  auto r = EvaluateExpression("1 + \"a\"", {}, ctx);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->is_null());
  EXPECT_FALSE(ctx.diagnostics().empty());
}

Value RunTests(std::string_view tests, const Value& input) {
  Scope scope;
  auto t = CompileUnaryTests(tests, scope);
  EXPECT_TRUE(t.has_value()) << tests << ": " << (t ? "" : t.error().message);
  EvalContext ctx;
  return t ? t->Test(input, {}, ctx) : Value();
}

// DMN 1.5 §10.3.2.7: `= e` and `!= e` written as values are ranges too. `(= 10)` has both end
// points 10, included, but equals only a range written the same way (DMN TCK 0068-feel-equality
// range_010..012, 0074-feel-properties range_011).
TEST(EvaluatorTest, EqualAndNotEqualComparisonsAreRanges) {
  EXPECT_EQ(Lit("(= 10)"), "= 10");
  EXPECT_EQ(Lit("(!= 10)"), "!= 10");
  EXPECT_EQ(Lit("(= 10) = (= 10)"), "true");
  EXPECT_EQ(Lit("(!= 10) = (!= 10)"), "true");
  EXPECT_EQ(Lit("(= 10) = (!= 10)"), "false");
  EXPECT_EQ(Lit("(= 10) = [10..10]"), "false");
  EXPECT_EQ(Lit("(< 10) = (< 10)"), "true");
  EXPECT_EQ(Lit("(= 10).start"), "10");
  EXPECT_EQ(Lit("(= 10).end"), "10");
  EXPECT_EQ(Lit("(= 10).start included"), "true");
  EXPECT_EQ(Lit("(= 10).end included"), "true");
  EXPECT_EQ(Lit("10 in (= 10)"), "true");
  EXPECT_EQ(Lit("9 in (= 10)"), "false");
  EXPECT_EQ(Lit("9 in (!= 10)"), "true");
  EXPECT_EQ(Lit("10 in (!= 10)"), "false");
  EXPECT_EQ(Lit("before(1, (= 10))"), "true");
  EXPECT_EQ(Lit("before(1, (!= 10))"), "null");  // not an interval
  EXPECT_EQ(Lit("(= null)"), "null");
  // As a test in a unary-tests list, `= 10` is still the comparison.
  EXPECT_TRUE(RunTests("= 10", Value::Number(10)).is_true());
  EXPECT_TRUE(RunTests("!= 10", Value::Number(9)).is_true());
}

// DMN 1.5 §10.3.1.2 rule 17 and §8.3.3: input entries of decision tables.
TEST(UnaryTestsTest, Forms) {
  EXPECT_TRUE(RunTests("-", Value::Number(5)).is_true());
  EXPECT_TRUE(RunTests("< 10", Value::Number(5)).is_true());
  EXPECT_FALSE(RunTests("< 10", Value::Number(10)).is_true());
  EXPECT_TRUE(RunTests("<= 10", Value::Number(10)).is_true());
  EXPECT_TRUE(RunTests("[1..10]", Value::Number(10)).is_true());
  EXPECT_FALSE(RunTests("[1..10)", Value::Number(10)).is_true());
  EXPECT_TRUE(RunTests("\"a\", \"b\"", Value::String("b")).is_true());
  EXPECT_FALSE(RunTests("not(\"a\", \"b\")", Value::String("b")).is_true());
  EXPECT_TRUE(RunTests("not(\"a\", \"b\")", Value::String("c")).is_true());
  EXPECT_TRUE(RunTests("? > 3 and ? < 6", Value::Number(5)).is_true());
  EXPECT_TRUE(RunTests("5", Value::Number(5)).is_true());
  EXPECT_TRUE(RunTests("[4, 5, 6]", Value::Number(5)).is_true());
  EXPECT_TRUE(RunTests("null", Value()).is_true());
  EXPECT_FALSE(RunTests("> 3", Value()).is_true());
  // A literal true entry does not match an unknown (null) input.
  EXPECT_FALSE(RunTests("true", Value()).is_true());
  EXPECT_TRUE(RunTests("true", Value::Bool(true)).is_true());
}

// Literals are immortal constants (issue 21): every evaluation gives the same object, whose
// copies count nothing, and results stay valid after their expression is gone (ASan checks
// this in the dev preset).
TEST(ParserTest, LiteralsAreImmortalAndOutliveTheirExpression) {
  std::vector<Value> results;
  {
    Scope scope;
    scope.Declare("x");
    auto e = CompileExpression(R"(if x then ["yes", {a: "nested", b: [1, "deeper"]}] else "no, and a long string")",
                               scope);
    ASSERT_TRUE(e.has_value()) << e.error().message;
    for (int i = 0; i < 1000; ++i) {
      const Value slot = Value::Bool(i % 2 == 0);
      EvalContext ctx;
      results.push_back(e->Evaluate(std::span<const Value>(&slot, 1), ctx));
    }
  }
  for (size_t i = 0; i < results.size(); ++i) {
    const Value& v = results[i];
    if (i % 2 == 0) {
      ASSERT_TRUE(v.is(Type::kList));
      EXPECT_TRUE(IsImmortal(v.list_ptr()));
      EXPECT_EQ(v.list_ptr().get(), results[0].list_ptr().get());
      EXPECT_TRUE(IsImmortal(v.list()[1].context().Find("b")->list()[1].string_ptr()));
      EXPECT_EQ(ToFeelLiteral(v), R"(["yes", {a: "nested", b: [1, "deeper"]}])");
    } else {
      ASSERT_TRUE(v.is(Type::kString));
      EXPECT_TRUE(IsImmortal(v.string_ptr()));
      EXPECT_EQ(v.string(), "no, and a long string");
    }
  }
  // Values built at run time from constants are ordinary values.
  const Value built = Eval(R"("no, and a long string" + "!")");
  ASSERT_TRUE(built.is(Type::kString));
  EXPECT_FALSE(IsImmortal(built.string_ptr()));
}

}  // namespace
}  // namespace zebra::feel::parser_test
