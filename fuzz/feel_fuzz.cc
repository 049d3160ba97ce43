// libFuzzer target: compiles the input as a FEEL expression (and as unary tests) and evaluates it
// with small resource limits. Any crash, sanitizer report or hang is a bug: the engine must answer
// every input with a compile error or a value.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "feel/feel.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace zebra::feel;
  std::string_view text(reinterpret_cast<const char*>(data), size);

  // A few names in scope so that names with spaces and paths get exercised too.
  Scope scope;
  scope.Declare("x");
  scope.Declare("Monthly Salary");
  scope.Declare("items");
  Context person;
  person.Put("age", Value::Number(42));
  person.Put("name", Value::String("Ann"));
  std::vector<Value> slots = {Value::Number(5), Value::Number(1000),
                              Value::FromList(List{Value::Number(1), Value::FromContext(person)})};

  EvalContext ctx;
  ctx.max_iterations = 100'000;  // keep each run fast; the limits themselves are under test
  ctx.max_depth = 200;
  ctx.now = DateTime{DateFromCivil(2024, 5, 1), Time{}};

  if (auto e = CompileExpression(text, scope)) {
    Value v = e->Evaluate(slots, ctx);
    (void)ToFeelLiteral(v);  // formatting must cope with every value
  }
  EvalContext ctx2;
  ctx2.max_iterations = 100'000;
  ctx2.max_depth = 200;
  if (auto t = CompileUnaryTests(text, scope)) {
    Value v = t->Test(Value::Number(5), slots, ctx2);
    (void)ToFeelLiteral(v);
  }
  return 0;
}
