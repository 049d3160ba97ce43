// Helpers for the FEEL tests: build values, call built-ins by name, evaluate and compare.
#pragma once

#include <functional>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "feel/builtins.h"
#include "feel/feel.h"

namespace zebra::feel::testing {

inline Value N(int64_t i) { return Value::Number(i); }
inline Value D(std::string_view text) {
  auto d = Decimal::FromString(text);
  if (!d) ADD_FAILURE() << "bad decimal " << text;
  return d ? Value::Number(*d) : Value();
}
inline Value S(std::string s) { return Value::String(std::move(s)); }
inline Value B(bool b) { return Value::Bool(b); }
inline Value Null() { return Value(); }
inline Value L(List items) { return Value::FromList(std::move(items)); }
inline Value C(std::vector<std::pair<std::string, Value>> entries) {
  Context c;
  for (auto& [k, v] : entries) c.Put(k, std::move(v));
  return Value::FromContext(std::move(c));
}

// The built-in called `name`, or null with a test failure naming it.
inline const Function* Builtin(std::string_view name) {
  const FunctionPtr* f = FindBuiltin(name);
  if (!f) ADD_FAILURE() << "no built-in " << name;
  return f ? f->get() : nullptr;
}
inline Value CallIn(EvalContext& ctx, std::string_view name, std::vector<Value> args) {
  const Function* f = Builtin(name);
  return f ? f->Call(args, ctx) : Value();
}
inline Value Call(std::string_view name, std::vector<Value> args) {
  EvalContext ctx;
  return CallIn(ctx, name, std::move(args));
}
inline Value Named(std::string_view name, std::vector<std::pair<std::string, Value>> args) {
  EvalContext ctx;
  const Function* f = Builtin(name);
  return f ? f->CallNamed(args, ctx) : Value();
}
// True when the call gives null AND records an error diagnostic.
inline bool IsError(std::string_view name, std::vector<Value> args) {
  EvalContext ctx;
  Value v = CallIn(ctx, name, std::move(args));
  bool has_error = false;
  for (const auto& d : ctx.diagnostics()) has_error = has_error || d.severity == Diagnostic::Severity::kError;
  return v.is_null() && has_error;
}

// Temporal values for the date and time built-in tests.
inline constexpr int64_t kNanosPerSecond = 1'000'000'000;
inline Value DateOf(int64_t y, int m, int d) { return Value::FromDate(DateFromCivil(y, m, d)); }
inline Time LocalTime(int h, int m, int s, int64_t nanos = 0) {
  Time t;
  t.nanos = ((h * 60LL + m) * 60 + s) * kNanosPerSecond + nanos;
  return t;
}
inline Time WithOffset(Time t, int32_t offset) {
  t.kind = ZoneKind::kOffset;
  t.offset_seconds = offset;
  return t;
}
// The time in an IANA zone; a failure when the zone is unknown.
inline Time WithZone(Time t, const char* zone) {
  t.kind = ZoneKind::kZone;
  t.zone = FindZone(zone);
  EXPECT_NE(t.zone, nullptr) << zone;
  return t;
}
inline Value DateTimeOf(int64_t y, int m, int d, Time t) { return Value::FromDateTime(DateTime{DateFromCivil(y, m, d), t}); }

// A FEEL function value backed by a C++ lambda (for sort's precedes, list replace's match).
class LambdaFunction final : public Function {
 public:
  using Body = std::function<Value(std::span<const Value>)>;
  LambdaFunction(std::vector<std::string> params, Body body) : params_(std::move(params)), body_(std::move(body)) {}
  std::span<const std::string> parameters() const override { return params_; }
  Value Call(std::span<const Value> args, EvalContext&) const override { return body_(args); }

 private:
  std::vector<std::string> params_;
  Body body_;
};
inline Value Fn(LambdaFunction::Body body) {
  return Value::FromFunction(std::make_shared<const LambdaFunction>(std::vector<std::string>{"x", "y"}, std::move(body)));
}

// An expression's answer as a FEEL literal with its diagnostics' messages: what a fast path and
// the general path it stands for must agree on.
struct Answered {
  std::string literal;
  std::vector<std::string> messages;
  bool operator==(const Answered&) const = default;
};
// One line for a failure message: the literal, then each diagnostic after " | ".
inline std::string Show(const Answered& a) {
  std::string s = a.literal;
  for (const auto& m : a.messages) s += " | " + m;
  return s;
}
// Each text is compiled once per set of variable names, as a model's expression is, and then
// evaluated under every binding: a compile makes its literals immortal, and the registry of
// those is bounded for the whole process (MakeImmortal), which the tests that compile thousands
// of forms under many bindings would otherwise fill for the tests after them.
inline Answered EvaluatedWithMessages(const std::string& text, const Context& variables) {
  static std::mutex mutex;
  static std::unordered_map<std::string, CompiledExpression> compiled;
  Scope scope;
  std::vector<Value> slots;
  std::string key;
  for (const auto& [name, value] : variables.entries()) {
    scope.Declare(name);
    slots.push_back(value);
    key += name;
    key += '\0';
  }
  key += text;
  std::optional<CompiledExpression> expr;
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (auto it = compiled.find(key); it != compiled.end()) expr = it->second;
  }
  if (!expr) {
    auto fresh = CompileExpression(text, scope);
    EXPECT_TRUE(fresh.has_value()) << text << ": " << (fresh ? "" : fresh.error().message);
    if (!fresh) return {"<compile error>", {}};
    expr = *fresh;
    std::lock_guard<std::mutex> lock(mutex);
    compiled.emplace(key, *fresh);
  }
  EvalContext ctx;
  Answered a{ToFeelLiteral(expr->Evaluate(slots, ctx)), {}};
  for (const auto& d : ctx.diagnostics()) a.messages.push_back(d.message);
  return a;
}
// The value of a constant expression (a test's input written as FEEL).
inline Value ParsedValue(const std::string& text) {
  EvalContext ctx;
  auto r = EvaluateExpression(text, Context{}, ctx);
  EXPECT_TRUE(r.has_value()) << text;
  return r ? *r : Value();
}

}  // namespace zebra::feel::testing

// Structural equality with readable FEEL literals on failure.
#define EXPECT_FEEL(actual, expected)                                                             \
  do {                                                                                            \
    ::zebra::feel::Value a_ = (actual);                                                           \
    ::zebra::feel::Value e_ = (expected);                                                         \
    EXPECT_TRUE(::zebra::feel::DeepEqual(a_, e_))                                                 \
        << "actual: " << ::zebra::feel::ToFeelLiteral(a_) << "\nexpected: " << ::zebra::feel::ToFeelLiteral(e_); \
  } while (0)
#define EXPECT_FEEL_NULL(actual)                                                                  \
  do {                                                                                            \
    ::zebra::feel::Value a_ = (actual);                                                           \
    EXPECT_TRUE(a_.is_null()) << "actual: " << ::zebra::feel::ToFeelLiteral(a_);                  \
  } while (0)
