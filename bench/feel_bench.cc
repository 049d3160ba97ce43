// Google Benchmarks for the FEEL engine: parse+compile of typical expressions, and evaluation of
// compiled ones (the hot path of decision tables run over many cases).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "feel/feel.h"

namespace zebra::feel {
namespace {

const char* const kTypical[] = {
    "Monthly Salary * 12 + Bonus",
    "if Applicant Age >= 18 and Credit Score > 600 then \"ACCEPT\" else \"DECLINE\"",
    "Scores[item > 50]",
    "sum(for l in Order Lines return l.price * l.qty)",
    "date(\"2024-01-15\") + duration(\"P3M\") > date and time(\"2024-04-01T00:00:00Z\")",
    "{a: 1, b: a + 1, c: [a, b, 3][item > 1]}.c",
    "some x in [1, 2, 3] satisfies x > 2",
};

Scope TypicalScope() {
  Scope s;
  for (const char* n : {"Monthly Salary", "Bonus", "Applicant Age", "Credit Score", "Scores", "Order Lines"})
    s.Declare(n);
  return s;
}

void BM_Compile(benchmark::State& state) {
  Scope scope = TypicalScope();
  const char* text = kTypical[state.range(0)];
  state.SetLabel(text);
  for (auto _ : state) {
    auto e = CompileExpression(text, scope);
    benchmark::DoNotOptimize(e);
  }
}
BENCHMARK(BM_Compile)->DenseRange(0, static_cast<int>(std::size(kTypical)) - 1);

// Compiles once, then evaluates `text` over the given slots.
void RunEval(benchmark::State& state, const std::string& text, const Scope& scope, const std::vector<Value>& slots) {
  auto e = CompileExpression(text, scope);
  if (!e) {
    state.SkipWithError(("does not compile: " + e.error().message).c_str());
    return;
  }
  EvalContext ctx;
  // A null result means an error path, which would measure the wrong thing.
  if (e->Evaluate(slots, ctx).is_null()) {
    state.SkipWithError("evaluates to null");
    return;
  }
  for (auto _ : state) {
    Value v = e->Evaluate(slots, ctx);
    benchmark::DoNotOptimize(v);
    ctx.ClearDiagnostics();
  }
}

void BM_EvalArithmetic(benchmark::State& state) {
  Scope scope;
  RunEval(state, "(1.5 + 2.25) * 4 - 10 / 3", scope, {});
}
BENCHMARK(BM_EvalArithmetic);

void BM_EvalComparisonWithNames(benchmark::State& state) {
  Scope scope;
  scope.Declare("Applicant Age");
  scope.Declare("Credit Score");
  std::vector<Value> slots = {Value::Number(42), Value::Number(710)};
  RunEval(state, "Applicant Age >= 18 and Credit Score > 600", scope, slots);
}
BENCHMARK(BM_EvalComparisonWithNames);

void BM_EvalFilter100(benchmark::State& state) {
  Scope scope;
  scope.Declare("Scores");
  List l;
  for (int i = 0; i < 100; ++i) l.push_back(Value::Number(i));
  RunEval(state, "Scores[item > 50]", scope, {Value::FromList(std::move(l))});
}
BENCHMARK(BM_EvalFilter100);

void BM_EvalFilter100Contexts(benchmark::State& state) {
  Scope scope;
  scope.Declare("Patients");
  List l;
  for (int i = 0; i < 100; ++i) {
    Context c;
    c.Put("age", Value::Number(i));
    c.Put("name", Value::String("p" + std::to_string(i)));
    l.push_back(Value::FromContext(std::move(c)));
  }
  RunEval(state, "Patients[age >= 65].name", scope, {Value::FromList(std::move(l))});
}
BENCHMARK(BM_EvalFilter100Contexts);

void BM_EvalBuiltinCall(benchmark::State& state) {
  Scope scope;
  scope.Declare("Name");
  RunEval(state, "upper case(substring(Name, 2, 3))", scope, {Value::String("zebrafish")});
}
BENCHMARK(BM_EvalBuiltinCall);

void BM_EvalListBuiltin(benchmark::State& state) {
  Scope scope;
  scope.Declare("Values");
  List l;
  for (int i = 0; i < 100; ++i) l.push_back(Value::Number(i));
  RunEval(state, "sum(Values) / count(Values)", scope, {Value::FromList(std::move(l))});
}
BENCHMARK(BM_EvalListBuiltin);

void BM_EvalDateArithmetic(benchmark::State& state) {
  Scope scope;
  scope.Declare("Diagnosis Date");
  Value d = Value::FromDate(DateFromCivil(2023, 11, 30));
  RunEval(state, "Diagnosis Date + @\"P6M\" - @\"P1D\" > @\"2024-05-01\"", scope, {d});
}
BENCHMARK(BM_EvalDateArithmetic);

void BM_EvalUnaryTests(benchmark::State& state) {
  Scope scope;
  auto t = CompileUnaryTests("< 2.5, [2.5..20), >= 20", scope);
  if (!t) {
    state.SkipWithError("unary tests do not compile");
    return;
  }
  EvalContext ctx;
  Value input = Value::Number(Decimal::FromInt(15));
  for (auto _ : state) {
    Value v = t->Test(input, {}, ctx);
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_EvalUnaryTests);

void BM_EvalForLoop(benchmark::State& state) {
  Scope scope;
  RunEval(state, "for i in 1..100 return i * i", scope, {});
}
BENCHMARK(BM_EvalForLoop);

}  // namespace
}  // namespace zebra::feel
