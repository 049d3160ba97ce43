// FEEL values (DMN 1.5 §10.3.2). A Value is 32-48 bytes; numbers, booleans and temporal values
// are held inline, strings and containers behind shared immutable pointers, so copying a Value
// never deep-copies.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/text.h"
#include "feel/decimal.h"
#include "feel/temporal.h"

namespace zebra::feel {

// Order matches the variant below.
enum class Type : uint8_t {
  kNull,
  kBoolean,
  kNumber,
  kString,
  kDate,
  kTime,
  kDateTime,
  kDaysTimeDuration,
  kYearsMonthsDuration,
  kList,
  kContext,
  kRange,
  kFunction,
};
std::string_view TypeName(Type t);  // FEEL type names: "number", "date and time", ...

class Value;
class Context;
struct Range;
class Function;
class EvalContext;

using List = std::vector<Value>;
using StringPtr = std::shared_ptr<const std::string>;
using ListPtr = std::shared_ptr<const List>;
using ContextPtr = std::shared_ptr<const Context>;
using RangePtr = std::shared_ptr<const Range>;
using FunctionPtr = std::shared_ptr<const Function>;

class Value {
 public:
  Value() = default;  // null
  static Value Null() { return Value(); }
  static Value Bool(bool b) { return Value(Storage(std::in_place_index<1>, b)); }
  static Value Number(const Decimal& d) { return Value(Storage(std::in_place_index<2>, d)); }
  static Value Number(int64_t i) { return Number(Decimal::FromInt(i)); }
  static Value String(std::string s) {
    return Value(Storage(std::in_place_index<3>, std::make_shared<const std::string>(std::move(s))));
  }
  static Value String(StringPtr s) { return Value(Storage(std::in_place_index<3>, std::move(s))); }
  static Value FromDate(Date d) { return Value(Storage(std::in_place_index<4>, d)); }
  static Value FromTime(const Time& t) { return Value(Storage(std::in_place_index<5>, t)); }
  static Value FromDateTime(const DateTime& dt) { return Value(Storage(std::in_place_index<6>, dt)); }
  static Value Duration(const DaysTimeDuration& d) { return Value(Storage(std::in_place_index<7>, d)); }
  static Value Duration(const YearsMonthsDuration& d) { return Value(Storage(std::in_place_index<8>, d)); }
  static Value FromList(List l) {
    return Value(Storage(std::in_place_index<9>, std::make_shared<const List>(std::move(l))));
  }
  static Value FromList(ListPtr l) { return Value(Storage(std::in_place_index<9>, std::move(l))); }
  static Value FromContext(Context c);
  static Value FromContext(ContextPtr c) { return Value(Storage(std::in_place_index<10>, std::move(c))); }
  static Value FromRange(Range r);
  static Value FromRange(RangePtr r) { return Value(Storage(std::in_place_index<11>, std::move(r))); }
  static Value FromFunction(FunctionPtr f) { return Value(Storage(std::in_place_index<12>, std::move(f))); }

  Type type() const { return static_cast<Type>(v_.index()); }
  bool is_null() const { return v_.index() == 0; }
  bool is(Type t) const { return type() == t; }

  // Accessors: callers check type() first.
  bool boolean() const { return std::get<1>(v_); }
  const Decimal& number() const { return std::get<2>(v_); }
  const std::string& string() const { return *std::get<3>(v_); }
  const StringPtr& string_ptr() const { return std::get<3>(v_); }
  Date date() const { return std::get<4>(v_); }
  const Time& time() const { return std::get<5>(v_); }
  const DateTime& date_time() const { return std::get<6>(v_); }
  const DaysTimeDuration& days_time() const { return std::get<7>(v_); }
  const YearsMonthsDuration& years_months() const { return std::get<8>(v_); }
  const List& list() const { return *std::get<9>(v_); }
  const ListPtr& list_ptr() const { return std::get<9>(v_); }
  const Context& context() const { return *std::get<10>(v_); }
  const ContextPtr& context_ptr() const { return std::get<10>(v_); }
  const Range& range() const { return *std::get<11>(v_); }
  const Function& function() const { return *std::get<12>(v_); }
  const FunctionPtr& function_ptr() const { return std::get<12>(v_); }

  bool is_true() const { return v_.index() == 1 && std::get<1>(v_); }

 private:
  using Storage = std::variant<std::monostate, bool, Decimal, StringPtr, Date, Time, DateTime,
                               DaysTimeDuration, YearsMonthsDuration, ListPtr, ContextPtr, RangePtr,
                               FunctionPtr>;
  explicit Value(Storage s) : v_(std::move(s)) {}
  Storage v_;
};

// A FEEL context: entries in insertion order (order is observable via get entries()).
class Context {
 public:
  Context() = default;
  // Adds or replaces an entry.
  void Put(std::string key, Value v);
  // Adds an entry without looking for an existing one with the same key: only for callers that
  // know the key is new (the keys of a parsed JSON object, context entries distinct at compile time).
  void Append(std::string key, Value v) {
    key_bits_ |= KeyBit(key);
    entries_.emplace_back(std::move(key), std::move(v));
  }
  void Reserve(size_t n) { entries_.reserve(n); }
  const Value* Find(std::string_view key) const;
  // False when no entry has this key (a one-word filter: looking up an absent field, common for
  // optional case fields, then skips the scan). True may still mean absent.
  bool MayContain(std::string_view key) const { return (key_bits_ & KeyBit(key)) != 0; }
  size_t size() const { return entries_.size(); }
  const std::vector<std::pair<std::string, Value>>& entries() const { return entries_; }

 private:
  static uint64_t KeyBit(std::string_view k) {
    if (k.empty()) return 1;
    auto c = [&](size_t i) { return static_cast<uint64_t>(static_cast<unsigned char>(k[i])); };
    uint64_t h = k.size() * 0x9E3779B1u + c(0) * 31u + c(k.size() - 1) * 131u + c(k.size() / 2) * 7u;
    return uint64_t{1} << ((h ^ (h >> 6)) & 63);
  }
  std::vector<std::pair<std::string, Value>> entries_;
  uint64_t key_bits_ = 0;  // KeyBit of every key
};

// A range (DMN 1.5 §10.3.2.7). An unbounded end (`< 10` is (-inf..10)) has a null endpoint.
struct Range {
  Value low;
  Value high;
  bool low_closed = true;
  bool high_closed = true;
  bool low_unbounded() const { return low.is_null(); }
  bool high_unbounded() const { return high.is_null(); }
};

// Diagnostics collected while evaluating (FEEL errors are null plus a message, never a throw).
struct Diagnostic {
  enum class Severity : uint8_t { kError, kWarning };
  Severity severity = Severity::kError;
  std::string message;
  int line = 0;    // 1-based position in the expression text, 0 when unknown
  int column = 0;
};

// State that the embedding engine keeps for one evaluation (DMN: the rule trace, decision-service
// nesting). It travels with the EvalContext, so calls nested through functions (business
// knowledge models, decision services) reach it without thread-locals; FEEL never looks inside.
class HostFrame {
 public:
  virtual ~HostFrame() = default;
};

// Per-evaluation state shared by the evaluator and built-ins: diagnostics, resource limits.
class EvalContext {
 public:
  EvalContext() = default;

  // Records an error; returns null so callers can `return ctx.Error(...)`.
  Value Error(std::string message);
  void Warn(std::string message);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  void ClearDiagnostics() { diagnostics_.clear(); }
  size_t diagnostic_count() const { return diagnostics_.size(); }
  void TruncateDiagnostics(size_t n) {
    if (n < diagnostics_.size()) diagnostics_.resize(n);
  }

  // Guards against hostile input: call depth and total loop iterations per evaluation.
  int max_depth = 2000;
  int64_t max_iterations = 10'000'000;
  int depth = 0;
  int64_t iterations = 0;
  bool limit_exceeded = false;  // set once a limit trips; evaluation unwinds with null

  // "now" for now() and today(); fixed per evaluation so results are reproducible.
  std::optional<DateTime> now;
  // The embedding engine's frame for this evaluation, or null (see HostFrame).
  HostFrame* host = nullptr;

 private:
  std::vector<Diagnostic> diagnostics_;
};

// A callable FEEL value: built-in, user-defined (function literal), or a DMN invocable
// (business knowledge model, decision service).
class Function {
 public:
  virtual ~Function() = default;
  // Formal parameter names in order; used to map named arguments to positions.
  virtual std::span<const std::string> parameters() const = 0;
  // True when the function accepts any number of trailing arguments.
  virtual bool variadic() const { return false; }
  // Positional call. Named calls are mapped to positions first (missing ones are null).
  virtual Value Call(std::span<const Value> args, EvalContext& ctx) const = 0;
  // Named call; the default maps names onto parameters() and calls Call().
  virtual Value CallNamed(std::span<const std::pair<std::string, Value>> args, EvalContext& ctx) const;
  virtual std::string_view name() const { return "anonymous function"; }
};

// --- equality and ordering (DMN 1.5 §10.3.2.2, §10.3.2.9) ---------------------------------
// FEEL `=`: null when the operands are not comparable (different types other than null).
std::optional<bool> Equal(const Value& a, const Value& b);
// FEEL `<`: nullopt when not ordered (different types, or types without an order).
std::optional<std::strong_ordering> Compare(const Value& a, const Value& b);
// Strict structural equality used by tests and the TCK (lists element-wise, contexts by key).
bool DeepEqual(const Value& a, const Value& b);
// Two lists (element-wise, in order) or two contexts (by key) whose members are all `same`; the
// recursion shared by DeepEqual and the is() built-in, which differ only at the leaves.
template <class Same>
bool SameMembers(const Value& a, const Value& b, Same same) {
  if (a.is(Type::kList) && b.is(Type::kList)) {
    const List& x = a.list();
    const List& y = b.list();
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (!same(x[i], y[i])) return false;
    return true;
  }
  if (!a.is(Type::kContext) || !b.is(Type::kContext)) return false;
  const Context& x = a.context();
  const Context& y = b.context();
  if (x.size() != y.size()) return false;
  for (const auto& [k, v] : x.entries()) {
    const Value* other = y.Find(k);
    if (!other || !same(v, *other)) return false;
  }
  return true;
}

// The escapes of a FEEL string literal that the literal writer writes and the parser reads back
// (the parser also reads \b, \f, \' and \u/\U escapes; the writer uses \u for other controls).
inline constexpr common::Escape kFeelStringEscapes[] = {
    {'"', "\\\""}, {'\\', "\\\\"}, {'\n', "\\n"}, {'\r', "\\r"}, {'\t', "\\t"}};

// `open`, each of `items` written by `write(item)` with `sep` between them, `close`: the list,
// context and parameter-list forms that the FEEL literal writer and the CLI's JSON writer share.
template <class Items, class Write>
void AppendJoined(std::string& out, std::string_view open, const Items& items, std::string_view sep,
                  std::string_view close, Write write) {
  out += open;
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += sep;
    first = false;
    write(item);
  }
  out += close;
}

// FEEL literal text: 3, "text", [1, 2], {a: 1}, date("2026-01-01"), null.
std::string ToFeelLiteral(const Value& v);
// FEEL string(): the conversion built-in (strings without quotes, dates as ISO text, ...).
std::string ToFeelString(const Value& v);

}  // namespace zebra::feel
