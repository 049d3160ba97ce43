// FEEL numeric functions (DMN 1.5 §10.3.4.5): decimal, floor, ceiling, round up, round down,
// round half up, round half down, abs, modulo, sqrt, log, exp, odd, even. All arithmetic is
// Decimal (34 digits); a result out of range is an error, never an exception.
#include <optional>
#include <string>

#include "feel/builtins.h"
#include "feel/builtins_util.h"

namespace zebra::feel {
namespace {

// decimal128 exponent limits bound any meaningful scale (DMN 1.5 §10.3.4.5: -6111..6176).
constexpr int64_t kMinScale = -6111;
constexpr int64_t kMaxScale = 6176;

using builtins_internal::AnyNull;
using builtins_internal::Describe;

// The first argument as a number; logs a typed error otherwise.
const Decimal* NumberArg(std::string_view fn, const Value& v, EvalContext& ctx) {
  if (v.is(Type::kNumber)) return &v.number();
  ctx.Error(std::string(fn) + ": expected a number, got a " + Describe(v));
  return nullptr;
}

// The scale is a number; a fraction is truncated like any integer parameter.
std::optional<int32_t> ScaleArg(std::string_view fn, const Value& v, EvalContext& ctx) {
  if (!v.is(Type::kNumber)) {
    ctx.Error(std::string(fn) + ": scale must be a number, got a " + Describe(v));
    return std::nullopt;
  }
  auto s = builtins_internal::TruncatedInt(v);
  if (!s || *s < kMinScale || *s > kMaxScale) {
    ctx.Error(std::string(fn) + ": scale out of range");
    return std::nullopt;
  }
  return static_cast<int32_t>(*s);
}

Value RoundWith(std::string_view fn, RoundingMode mode, std::span<const Value> args, EvalContext& ctx) {
  if (AnyNull(args)) return Value();
  const Decimal* n = NumberArg(fn, args[0], ctx);
  if (!n) return Value();
  int32_t scale = 0;
  if (args.size() > 1) {
    auto s = ScaleArg(fn, args[1], ctx);
    if (!s) return Value();
    scale = *s;
  }
  return Value::Number(n->Round(scale, mode));
}

Value DecimalFn(std::span<const Value> a, EvalContext& c) { return RoundWith("decimal", RoundingMode::kHalfEven, a, c); }
Value Floor(std::span<const Value> a, EvalContext& c) { return RoundWith("floor", RoundingMode::kFloor, a, c); }
Value Ceiling(std::span<const Value> a, EvalContext& c) { return RoundWith("ceiling", RoundingMode::kCeiling, a, c); }
Value RoundUp(std::span<const Value> a, EvalContext& c) { return RoundWith("round up", RoundingMode::kUp, a, c); }
Value RoundDown(std::span<const Value> a, EvalContext& c) { return RoundWith("round down", RoundingMode::kDown, a, c); }
Value RoundHalfUp(std::span<const Value> a, EvalContext& c) {
  return RoundWith("round half up", RoundingMode::kHalfUp, a, c);
}
Value RoundHalfDown(std::span<const Value> a, EvalContext& c) {
  return RoundWith("round half down", RoundingMode::kHalfDown, a, c);
}

// abs(n): numbers and both duration kinds.
Value Abs(std::span<const Value> args, EvalContext& ctx) {
  const Value& v = args[0];
  switch (v.type()) {
    case Type::kNull: return Value();
    case Type::kNumber: return Value::Number(v.number().Abs());
    case Type::kDaysTimeDuration: {
      DaysTimeDuration d = v.days_time();
      if (d.seconds < 0 || d.nanos < 0) {
        if (d.seconds == INT64_MIN) return ctx.Error("abs: duration out of range");
        d.seconds = -d.seconds;
        d.nanos = -d.nanos;
      }
      return Value::Duration(d);
    }
    case Type::kYearsMonthsDuration: {
      YearsMonthsDuration d = v.years_months();
      if (d.months == INT64_MIN) return ctx.Error("abs: duration out of range");
      if (d.months < 0) d.months = -d.months;
      return Value::Duration(d);
    }
    default: return ctx.Error("abs: expected a number or a duration, got a " + Describe(v));
  }
}

// modulo(dividend, divisor): the result has the sign of the divisor.
Value Modulo(std::span<const Value> args, EvalContext& ctx) {
  if (AnyNull(args)) return Value();
  const Decimal* a = NumberArg("modulo", args[0], ctx);
  const Decimal* b = a ? NumberArg("modulo", args[1], ctx) : nullptr;
  if (!a || !b) return Value();
  if (b->IsZero()) return ctx.Error("modulo: division by zero");
  auto r = a->Mod(*b);
  if (!r) return ctx.Error("modulo: result out of range");
  return Value::Number(*r);
}

// One number in, one out: null in gives null; `op` failing gives `error` as the diagnostic.
template <class Op>
Value OnNumber(const char* name, std::span<const Value> args, EvalContext& ctx, Op op, const char* error) {
  if (args[0].is_null()) return Value();
  const Decimal* n = NumberArg(name, args[0], ctx);
  if (!n) return Value();
  auto r = op(*n);
  if (!r) return ctx.Error(std::string(name) + ": " + error);
  return Value::Number(*r);
}

Value Sqrt(std::span<const Value> args, EvalContext& ctx) {
  return OnNumber("sqrt", args, ctx, [](const Decimal& n) { return n.Sqrt(); }, "negative argument");
}
Value Log(std::span<const Value> args, EvalContext& ctx) {
  return OnNumber("log", args, ctx, [](const Decimal& n) { return n.Ln(); }, "argument must be positive");
}
Value Exp(std::span<const Value> args, EvalContext& ctx) {
  return OnNumber("exp", args, ctx, [](const Decimal& n) { return n.Exp(); }, "result out of range");
}

// odd/even: a non-integer number is neither.
Value Parity(std::string_view fn, bool want_odd, std::span<const Value> args, EvalContext& ctx) {
  if (args[0].is_null()) return Value();
  const Decimal* n = NumberArg(fn, args[0], ctx);
  if (!n) return Value();
  if (!n->IsInteger()) return Value::Bool(false);
  auto two = Decimal::FromInt(2);
  auto r = n->Mod(two);
  if (!r) return ctx.Error(std::string(fn) + ": number out of range");
  bool odd = !r->IsZero();
  return Value::Bool(odd == want_odd);
}
Value Odd(std::span<const Value> a, EvalContext& c) { return Parity("odd", true, a, c); }
Value Even(std::span<const Value> a, EvalContext& c) { return Parity("even", false, a, c); }

// Every numeric parameter is a single value (singleton lists are unwrapped).
using builtins_internal::U;

}  // namespace

void RegisterNumericBuiltins(BuiltinRegistrar& r) {
  r.Add("decimal", {{{"n", "scale"}, U<DecimalFn>}});
  r.Add("floor", {{{"n"}, U<Floor>}, {{"n", "scale"}, U<Floor>}});
  r.Add("ceiling", {{{"n"}, U<Ceiling>}, {{"n", "scale"}, U<Ceiling>}});
  r.Add("round up", {{{"n", "scale"}, U<RoundUp>}});
  r.Add("round down", {{{"n", "scale"}, U<RoundDown>}});
  r.Add("round half up", {{{"n", "scale"}, U<RoundHalfUp>}});
  r.Add("round half down", {{{"n", "scale"}, U<RoundHalfDown>}});
  r.Add("abs", {{{"n"}, U<Abs>}});
  r.Add("modulo", {{{"dividend", "divisor"}, U<Modulo>}});
  r.Add("sqrt", {{{"number"}, U<Sqrt>}});
  r.Add("log", {{{"number"}, U<Log>}});
  r.Add("exp", {{{"number"}, U<Exp>}});
  r.Add("odd", {{{"number"}, U<Odd>}});
  r.Add("even", {{{"number"}, U<Even>}});
}

}  // namespace zebra::feel
