// The FEEL built-in function library (DMN 1.5 §10.3.4). Each built-in is a set of overloads;
// a call picks the overload by argument count (positional) or by parameter names (named).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "feel/value.h"

namespace zebra::feel {

using BuiltinImpl = Value (*)(std::span<const Value> args, EvalContext& ctx);

struct BuiltinOverload {
  std::vector<std::string> params;  // formal names, e.g. {"string", "start position", "length"}
  BuiltinImpl impl = nullptr;
  bool variadic = false;            // last parameter repeats (min, max, sum, concatenate, ...)
};

class BuiltinFunction final : public Function {
 public:
  BuiltinFunction(std::string name, std::vector<BuiltinOverload> overloads);
  std::span<const std::string> parameters() const override;  // of the widest overload
  bool variadic() const override;
  Value Call(std::span<const Value> args, EvalContext& ctx) const override;
  // The overload a positional call with `arity` arguments runs, or null (Call reports the error).
  BuiltinImpl Resolve(size_t arity) const;
  Value CallNamed(std::span<const std::pair<std::string, Value>> args, EvalContext& ctx) const override;
  std::string_view name() const override { return name_; }

 private:
  std::string name_;
  std::vector<BuiltinOverload> overloads_;
};

// The built-in with this exact name ("date and time", "string length"), or nullptr.
const FunctionPtr* FindBuiltin(std::string_view name);
// All built-in names; the parser uses them to read names that contain spaces.
const std::vector<std::string>& BuiltinNames();

// Registration: each builtins_*.cc file contributes through one of these, called once by the
// registry on first use.
struct BuiltinRegistrar {
  void Add(std::string name, std::vector<BuiltinOverload> overloads);
  std::vector<std::pair<std::string, FunctionPtr>>* out;
};
void RegisterStringBuiltins(BuiltinRegistrar& r);
void RegisterListBuiltins(BuiltinRegistrar& r);
void RegisterNumericBuiltins(BuiltinRegistrar& r);
void RegisterBooleanBuiltins(BuiltinRegistrar& r);
void RegisterContextBuiltins(BuiltinRegistrar& r);
void RegisterConversionBuiltins(BuiltinRegistrar& r);
void RegisterTemporalBuiltins(BuiltinRegistrar& r);
void RegisterRangeBuiltins(BuiltinRegistrar& r);

// Properties of values reached with a path: date.year, time.hour, duration.days,
// range.start included, ... (DMN 1.5 Table 65). Null when the value has no such property.
Value GetProperty(const Value& v, std::string_view name, EvalContext& ctx);

}  // namespace zebra::feel
