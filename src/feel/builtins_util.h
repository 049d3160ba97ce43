// Helpers shared by the built-in function files (not part of the public FEEL API).
#pragma once

#include <array>
#include <optional>
#include <span>

#include "feel/builtins.h"

namespace zebra::feel::builtins_internal {

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

// An integer from a number, truncated toward zero as integer parameters (positions, lengths,
// scales) are read; nullopt for non-numbers and values beyond int64.
inline std::optional<int64_t> TruncatedInt(const Value& v) {
  if (!v.is(Type::kNumber)) return std::nullopt;
  return v.number().Round(0, RoundingMode::kDown).ToInt64();
}

}  // namespace zebra::feel::builtins_internal
