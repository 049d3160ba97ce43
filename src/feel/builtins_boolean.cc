// FEEL boolean function (DMN 1.5 §10.3.4.2): not(negand).
#include <string>

#include "feel/builtins.h"
#include "feel/builtins_util.h"

namespace zebra::feel {
namespace {

// Three-valued: not(null) is null; a non-boolean is an error (null).
Value Not(std::span<const Value> args, EvalContext& ctx) {
  const Value& v = args[0];
  if (v.is_null()) return Value();
  if (!v.is(Type::kBoolean)) return ctx.Error("not: expected a boolean, got a " + std::string(TypeName(v.type())));
  return Value::Bool(!v.boolean());
}

}  // namespace

void RegisterBooleanBuiltins(BuiltinRegistrar& r) { r.Add("not", {{{"negand"}, builtins_internal::UnwrapSingletons<Not>}}); }

}  // namespace zebra::feel
