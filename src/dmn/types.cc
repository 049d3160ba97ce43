// DMN type conformance and conversions (DMN 1.5 §7.3.2, §10.3.2.9.4): values bound to typed
// variables are checked against their item definitions; singleton lists and single values are
// converted into each other; anything else that does not conform becomes null with an error.
#include <string>

#include "dmn/internal.h"

namespace zebra::dmn::internal {
namespace {

using feel::Type;
using feel::TypeSpec;
using feel::Value;

bool IsAnyType(const TypePtr& t) {
  if (!t) return true;
  if (t->is_collection) return false;
  if (t->allowed || t->constraint) return false;
  if (t->kind == ItemType::Kind::kAny) return !t->base || IsAnyType(t->base);
  if (t->kind == ItemType::Kind::kBuiltin) return t->builtin.kind == TypeSpec::Kind::kAny;
  return false;
}

// True when values of the type are lists (so a singleton list is not unwrapped).
bool ExpectsList(const TypePtr& t) {
  if (!t) return false;
  if (t->is_collection) return true;
  if (t->kind == ItemType::Kind::kBuiltin) return t->builtin.kind == TypeSpec::Kind::kList;
  if (t->kind == ItemType::Kind::kAny && t->base) return ExpectsList(t->base);
  return false;
}

std::string TypeLabel(const TypePtr& t) {
  if (!t) return "Any";
  if (!t->name.empty()) return t->name;
  if (t->kind == ItemType::Kind::kBuiltin) return t->builtin.ToString();
  return "anonymous type";
}

std::optional<Value> CoerceSingle(const Value& v, const TypePtr& t, std::string& error);

// Checks one value against the allowed values / type constraint tests of `t`.
bool PassesTests(const Value& v, const std::optional<feel::CompiledUnaryTests>& tests, const TypePtr& t,
                 std::string& error) {
  if (!tests || v.is_null()) return true;
  feel::EvalContext ctx;
  Value r = tests->Test(v, {}, ctx);
  if (r.is_true()) return true;
  error = feel::ToFeelLiteral(v) + " is not an allowed value of " + TypeLabel(t) + " (" + tests->source() + ")";
  return false;
}

// The element-level checks: base type, kind, allowed values.
std::optional<Value> CoerceSingle(const Value& v, const TypePtr& t, std::string& error) {
  Value cur = v;
  if (t->base) {
    auto b = Coerce(cur, t->base, error);
    if (!b) return std::nullopt;
    cur = *b;
  }
  if (cur.is_null()) return cur;
  switch (t->kind) {
    case ItemType::Kind::kAny:
      break;
    case ItemType::Kind::kBuiltin:
      if (!feel::IsInstance(cur, t->builtin)) {
        error = feel::ToFeelLiteral(cur) + " does not conform to type " + TypeLabel(t);
        return std::nullopt;
      }
      break;
    case ItemType::Kind::kFunction:
      if (!cur.is(Type::kFunction)) {
        error = feel::ToFeelLiteral(cur) + " is not a function (type " + TypeLabel(t) + ")";
        return std::nullopt;
      }
      break;
    case ItemType::Kind::kStructure: {
      if (!cur.is(Type::kContext)) {
        error = feel::ToFeelLiteral(cur) + " is not a context of type " + TypeLabel(t);
        return std::nullopt;
      }
      const feel::Context& in = cur.context();
      // Each component present is coerced; entries beyond the components are kept. A missing
      // component is reported: the context does not conform (§10.3.2.9.1, context<...>).
      feel::Context out;
      bool changed = false;
      for (const auto& [key, val] : in.entries()) {
        const TypePtr* ct = nullptr;
        for (const auto& c : t->components)
          if (c.first == key) ct = &c.second;
        if (!ct) {
          out.Put(key, val);
          continue;
        }
        std::string sub;
        auto cv = Coerce(val, *ct, sub);
        if (!cv) {
          error = "component '" + key + "' of " + TypeLabel(t) + ": " + sub;
          return std::nullopt;
        }
        if (!feel::DeepEqual(*cv, val) || cv->type() != val.type()) changed = true;
        out.Put(key, *cv);
      }
      for (const auto& c : t->components)
        if (!in.Find(c.first)) {
          error = "context lacks component '" + c.first + "' of type " + TypeLabel(t);
          return std::nullopt;
        }
      if (changed) cur = Value::FromContext(std::move(out));
      break;
    }
  }
  if (!PassesTests(cur, t->allowed, t, error)) return std::nullopt;
  return cur;
}

}  // namespace

std::optional<Value> Coerce(const Value& v, const TypePtr& type, std::string& error) {
  // Hot path (every input, decision result and table output).
  if (ConformsAsIs(v, type)) return v;
  if (IsAnyType(type)) return v;
  if (type->is_collection) {
    // To singleton list (§10.3.2.9.4): a single value where a collection is expected.
    feel::List items;
    if (v.is(Type::kList)) {
      items = v.list();
    } else {
      items.push_back(v);
    }
    // Elements are checked against the type without its collection flag.
    ItemType elem = *type;
    elem.is_collection = false;
    elem.constraint.reset();
    elem.name = TypeLabel(type) + " element";
    auto elem_ptr = std::make_shared<const ItemType>(std::move(elem));
    for (auto& item : items) {
      if (item.is_null()) continue;
      auto c = CoerceSingle(item, elem_ptr, error);
      if (!c) return std::nullopt;
      item = *c;
    }
    Value out = Value::FromList(std::move(items));
    if (!PassesTests(out, type->constraint, type, error)) return std::nullopt;
    return out;
  }
  Value cur = v;
  // From singleton list: [x] where a single value is expected is x.
  if (cur.is(Type::kList) && cur.list().size() == 1 && !ExpectsList(type)) cur = cur.list().front();
  auto c = CoerceSingle(cur, type, error);
  if (!c) return std::nullopt;
  if (!PassesTests(*c, type->constraint, type, error)) return std::nullopt;
  return c;
}

}  // namespace zebra::dmn::internal
