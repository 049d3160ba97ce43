// Helpers shared by the built-in function files (not part of the public FEEL API).
#pragma once

#include <array>
#include <optional>
#include <span>
#include <string>

#include "feel/builtins.h"

namespace zebra::feel::builtins_internal {

// A value's type as the built-ins' messages name it.
inline std::string Describe(const Value& v) { return std::string(TypeName(v.type())); }

// A non-list where a list is expected is a singleton list (DMN 1.5 §10.3.2.9.4): the list
// itself, or `holder` holding the value (the holder keeps the singleton alive).
inline const List& AsList(const Value& v, List& holder) {
  if (v.is(Type::kList)) return v.list();
  holder.assign(1, v);
  return holder;
}

// DMN 1.5 §10.3.2.9.4 "from singleton list": a one-item list passed where a single value is
// expected is that item. Wraps an implementation whose parameters are all single values.
template <BuiltinImpl F>
Value UnwrapSingletons(std::span<const Value> args, EvalContext& ctx) {
  constexpr size_t kMax = 4;
  bool any = false;
  for (const Value& a : args) any = any || (a.is(Type::kList) && a.list().size() == 1);
  if (!any || args.size() > kMax) return F(args, ctx);
  std::array<Value, kMax> unwrapped;
  for (size_t i = 0; i < args.size(); ++i)
    unwrapped[i] = args[i].is(Type::kList) && args[i].list().size() == 1 ? args[i].list()[0] : args[i];
  return F(std::span<const Value>(unwrapped.data(), args.size()), ctx);
}

// An implementation whose parameters are all single values, with singleton lists unwrapped.
template <BuiltinImpl F>
inline constexpr BuiltinImpl U = UnwrapSingletons<F>;

// Whether any argument is null.
inline bool AnyNull(std::span<const Value> args) {
  for (const Value& a : args)
    if (a.is_null()) return true;
  return false;
}

// An integer from a number, truncated toward zero as integer parameters (positions, lengths,
// scales) are read; nullopt for non-numbers and values beyond int64.
inline std::optional<int64_t> TruncatedInt(const Value& v) {
  if (!v.is(Type::kNumber)) return std::nullopt;
  return v.number().Round(0, RoundingMode::kDown).ToInt64();
}

// concatenate(a1, ..., an), the n arguments read by `at(i)`: a non-list argument is a one-item
// list, a null argument makes the answer null. Shared by the built-in and ConcatenateNode
// (list_calls.cc), which reads its arguments in place.
template <class At>
Value ConcatenateOf(size_t n, At&& at) {
  size_t total = 0;             // sized once; a value that is not a list is one item
  const Value* only = nullptr;  // the one argument with items, while there is one
  for (size_t i = 0; i < n; ++i) {
    const Value& a = at(i);
    if (a.is_null()) return Value();
    const size_t k = a.is(Type::kList) ? a.list().size() : 1;
    if (k > 0 && total == 0) only = &a;
    total += k;
  }
  // A single list with items and only empty lists besides: the result is that list (values are
  // immutable), not a copy of it.
  if (only && only->is(Type::kList) && only->list().size() == total) return *only;
  List out;
  out.reserve(total);
  for (size_t i = 0; i < n; ++i) {
    const Value& a = at(i);
    if (a.is(Type::kList)) out.insert(out.end(), a.list().begin(), a.list().end());
    else out.push_back(a);
  }
  return Value::FromList(std::move(out));
}

// sum(list) for one list argument, as the built-in answers it: null (with the built-in's
// message) when an item is not a number, null for no items, else the items added in order from
// zero (null with a message on overflow); without copying the numbers out first.
Value SumOfList(const List& items, EvalContext& ctx);

}  // namespace zebra::feel::builtins_internal
