// FEEL context functions (DMN 1.5 §10.3.4.10): get value, get entries, context, context put
// (one key or a key path), context merge.
#include <optional>
#include <string>

#include "feel/builtins.h"
#include "feel/builtins_util.h"

namespace zebra::feel {
namespace {

using builtins_internal::AsList;
using builtins_internal::Describe;

// get value(m, key): null when the key is absent.
Value GetValue(std::span<const Value> args, EvalContext& ctx) {
  if (args[0].is_null() || args[1].is_null()) return Value();
  if (!args[0].is(Type::kContext)) return ctx.Error("get value: expected a context, got a " + Describe(args[0]));
  if (!args[1].is(Type::kString)) return ctx.Error("get value: key must be a string, got a " + Describe(args[1]));
  const Value* v = args[0].context().Find(args[1].string());
  return v ? *v : Value();
}

// get entries(m): [{key: k, value: v}, ...] in entry order.
Value GetEntries(std::span<const Value> args, EvalContext& ctx) {
  if (args[0].is_null()) return Value();
  if (!args[0].is(Type::kContext)) return ctx.Error("get entries: expected a context, got a " + Describe(args[0]));
  List out;
  out.reserve(args[0].context().size());
  for (const auto& [k, v] : args[0].context().entries()) {
    Context e;
    e.Put("key", Value::String(k));
    e.Put("value", v);
    out.push_back(Value::FromContext(std::move(e)));
  }
  return Value::FromList(std::move(out));
}

// A context built from a list (or one value) by `put_item(item, out)`, which puts the item's
// entries into `out` or returns the error value that stops the build.
template <class PutItem>
Value BuildContext(const Value& arg, PutItem put_item) {
  if (arg.is_null()) return Value();
  List single;
  Context out;
  for (const Value& item : AsList(arg, single))
    if (std::optional<Value> stop = put_item(item, out)) return *stop;
  return Value::FromContext(std::move(out));
}

// context(entries): the inverse of get entries; duplicate keys are an error.
Value ContextFn(std::span<const Value> args, EvalContext& ctx) {
  return BuildContext(args[0], [&ctx](const Value& e, Context& out) -> std::optional<Value> {
    if (!e.is(Type::kContext)) return ctx.Error("context: each entry must be a context with key and value");
    const Value* key = e.context().Find("key");
    const Value* value = e.context().Find("value");
    if (!key || !key->is(Type::kString)) return ctx.Error("context: entry key must be a string");
    if (!value) return ctx.Error("context: entry has no value");
    if (out.Find(key->string())) return ctx.Error("context: duplicate key \"" + key->string() + "\"");
    out.Put(key->string(), *value);
    return std::nullopt;
  });
}

// Nested put along keys[i..]; null when a key is not a string, or an intermediate entry is
// not a context (the spec defines the nested form through get value, which gives null there).
Value PutPath(const Value& target, const List& keys, size_t i, const Value& value, EvalContext& ctx) {
  if (!target.is(Type::kContext)) return ctx.Error("context put: no context at key path position " + std::to_string(i + 1));
  const Value& key = keys[i];
  if (!key.is(Type::kString)) return ctx.Error("context put: keys must be strings");
  Context copy = target.context();
  if (i + 1 == keys.size()) {
    copy.Put(key.string(), value);
  } else {
    const Value* inner = copy.Find(key.string());
    if (!inner) return ctx.Error("context put: no entry \"" + key.string() + "\" on the key path");
    Value nested = PutPath(*inner, keys, i + 1, value, ctx);
    if (nested.is_null()) return Value();
    copy.Put(key.string(), std::move(nested));
  }
  return Value::FromContext(std::move(copy));
}

// context put(context, key, value) and context put(context, keys, value). Positionally the
// two share an arity, so a list in the key position means a key path.
Value ContextPut(std::span<const Value> args, EvalContext& ctx) {
  const Value& target = args[0];
  const Value& key = args[1];
  if (target.is_null() || key.is_null()) return Value();
  if (!target.is(Type::kContext)) return ctx.Error("context put: expected a context, got a " + Describe(target));
  if (key.is(Type::kString)) {
    Context copy = target.context();
    copy.Put(key.string(), args[2]);
    return Value::FromContext(std::move(copy));
  }
  if (key.is(Type::kList)) {
    if (key.list().empty()) return ctx.Error("context put: empty key path");
    return PutPath(target, key.list(), 0, args[2], ctx);
  }
  return ctx.Error("context put: key must be a string or a list of strings, got a " + Describe(key));
}

// The named form "key:" takes only a single key ("keys:" is the path form).
Value ContextPutKey(std::span<const Value> args, EvalContext& ctx) {
  if (!args[1].is_null() && !args[1].is(Type::kString))
    return ctx.Error("context put: key must be a string (use keys: for a key path)");
  return ContextPut(args, ctx);
}

// context merge(contexts): later entries win.
Value ContextMerge(std::span<const Value> args, EvalContext& ctx) {
  return BuildContext(args[0], [&ctx](const Value& c, Context& out) -> std::optional<Value> {
    if (!c.is(Type::kContext)) return ctx.Error("context merge: expected contexts, got a " + Describe(c));
    for (const auto& [k, v] : c.context().entries()) out.Put(k, v);
    return std::nullopt;
  });
}

}  // namespace

void RegisterContextBuiltins(BuiltinRegistrar& r) {
  r.Add("get value", {{{"m", "key"}, GetValue}});
  r.Add("get entries", {{{"m"}, GetEntries}});
  r.Add("context", {{{"entries"}, ContextFn}});
  // Positional calls take the first overload of their arity, so the one accepting a key or a
  // key path comes first; named calls pick by parameter name.
  r.Add("context put", {{{"context", "keys", "value"}, ContextPut}, {{"context", "key", "value"}, ContextPutKey}});
  r.Add("context merge", {{{"contexts"}, ContextMerge}});
}

}  // namespace zebra::feel
