#include "feel/builtins.h"

#include <algorithm>
#include <mutex>
#include <unordered_map>

namespace zebra::feel {

BuiltinFunction::BuiltinFunction(std::string name, std::vector<BuiltinOverload> overloads)
    : name_(std::move(name)), overloads_(std::move(overloads)) {}

std::span<const std::string> BuiltinFunction::parameters() const {
  const BuiltinOverload* widest = nullptr;
  for (const auto& o : overloads_)
    if (!widest || o.params.size() > widest->params.size()) widest = &o;
  if (!widest) return {};
  return widest->params;
}

bool BuiltinFunction::variadic() const {
  return std::any_of(overloads_.begin(), overloads_.end(), [](const BuiltinOverload& o) { return o.variadic; });
}

BuiltinImpl BuiltinFunction::Resolve(size_t arity) const {
  // Exact arity first, then variadic overloads (min(1, 2, 3) vs min(list)).
  for (const auto& o : overloads_)
    if (!o.variadic && o.params.size() == arity) return o.impl;
  for (const auto& o : overloads_)
    if (o.variadic && arity + 1 >= o.params.size()) return o.impl;
  return nullptr;
}

Value BuiltinFunction::Call(std::span<const Value> args, EvalContext& ctx) const {
  if (BuiltinImpl impl = Resolve(args.size())) return impl(args, ctx);
  return ctx.Error("no overload of '" + name_ + "' takes " + std::to_string(args.size()) + " argument(s)");
}

Value BuiltinFunction::CallNamed(std::span<const std::pair<std::string, Value>> args, EvalContext& ctx) const {
  // The first overload whose parameter list names every argument, with the fewest parameters.
  const BuiltinOverload* best = nullptr;
  for (const auto& o : overloads_) {
    if (o.params.size() < args.size()) continue;
    bool all = std::all_of(args.begin(), args.end(), [&](const auto& a) {
      return std::find(o.params.begin(), o.params.end(), a.first) != o.params.end();
    });
    if (!all) continue;
    if (!best || o.params.size() < best->params.size()) best = &o;
  }
  if (!best) return ctx.Error("no overload of '" + name_ + "' has the given parameter names");
  std::vector<Value> positional(best->params.size());
  size_t used = 0;
  for (const auto& [n, v] : args) {
    size_t i = static_cast<size_t>(std::find(best->params.begin(), best->params.end(), n) - best->params.begin());
    positional[i] = v;
    used = std::max(used, i + 1);
  }
  // Trailing parameters that were not named are omitted, so optional ones stay optional.
  if (used < positional.size()) {
    bool trailing_absent = true;
    for (size_t i = used; i < positional.size(); ++i) trailing_absent = trailing_absent && positional[i].is_null();
    if (trailing_absent) {
      positional.resize(used);
      for (const auto& o : overloads_)
        if (!o.variadic && o.params.size() == used &&
            std::equal(o.params.begin(), o.params.end(), best->params.begin()))
          return o.impl(positional, ctx);
      positional.resize(best->params.size());
    }
  }
  return best->impl(positional, ctx);
}

void BuiltinRegistrar::Add(std::string name, std::vector<BuiltinOverload> overloads) {
  auto fn = std::make_shared<const BuiltinFunction>(name, std::move(overloads));
  out->emplace_back(std::move(name), std::move(fn));
}

namespace {

struct Registry {
  std::vector<std::pair<std::string, FunctionPtr>> functions;
  std::unordered_map<std::string, size_t> index;
  std::vector<std::string> names;
};

const Registry& GetRegistry() {
  static const Registry* registry = [] {
    auto* r = new Registry();
    BuiltinRegistrar reg{&r->functions};
    RegisterBooleanBuiltins(reg);
    RegisterStringBuiltins(reg);
    RegisterListBuiltins(reg);
    RegisterNumericBuiltins(reg);
    RegisterContextBuiltins(reg);
    RegisterConversionBuiltins(reg);
    RegisterTemporalBuiltins(reg);
    RegisterRangeBuiltins(reg);
    for (size_t i = 0; i < r->functions.size(); ++i) {
      r->index.emplace(r->functions[i].first, i);
      r->names.push_back(r->functions[i].first);
    }
    return r;
  }();
  return *registry;
}

}  // namespace

const FunctionPtr* FindBuiltin(std::string_view name) {
  const Registry& r = GetRegistry();
  auto it = r.index.find(std::string(name));
  if (it == r.index.end()) return nullptr;
  return &r.functions[it->second].second;
}

const std::vector<std::string>& BuiltinNames() { return GetRegistry().names; }

}  // namespace zebra::feel
