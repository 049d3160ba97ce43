#include "json/json_values.h"

#include <algorithm>
#include <charconv>
#include <cstdint>

namespace zebra::json {

void AppendDecimal(std::string& out, const feel::Decimal& d) {
  const feel::Uint128 c = d.coefficient();
  const int32_t e = d.exponent();
  // The usual case: a coefficient of at most 19 digits and a modest exponent. Anything else
  // is written by ToString itself.
  if (c == 0) {
    out += '0';
    return;
  }
  if (c > UINT64_MAX || e > 64 || e < -64) {
    out += d.ToString();
    return;
  }
  char digits[24];
  const int n = static_cast<int>(std::to_chars(digits, digits + sizeof digits, static_cast<uint64_t>(c)).ptr - digits);
  if (d.negative()) out += '-';
  if (e >= 0) {
    out.append(digits, static_cast<size_t>(n));
    out.append(static_cast<size_t>(e), '0');
  } else if (n > -e) {
    const int int_digits = n + e;
    out.append(digits, static_cast<size_t>(int_digits));
    out += '.';
    out.append(digits + int_digits, static_cast<size_t>(n - int_digits));
  } else {
    out += "0.";
    out.append(static_cast<size_t>(-e - n), '0');
    out.append(digits, static_cast<size_t>(n));
  }
}

feel::Value ValueFromJson(const nlohmann::ordered_json& j) {
  using feel::Value;
  switch (j.type()) {
    case nlohmann::json::value_t::null: return Value();
    case nlohmann::json::value_t::boolean: return Value::Bool(j.get<bool>());
    case nlohmann::json::value_t::number_integer: return Value::Number(j.get<int64_t>());
    case nlohmann::json::value_t::number_unsigned: {
      auto u = j.get<uint64_t>();
      if (u <= static_cast<uint64_t>(INT64_MAX)) return Value::Number(static_cast<int64_t>(u));
      auto d = feel::Decimal::FromString(std::to_string(u));
      return d ? Value::Number(*d) : Value();
    }
    case nlohmann::json::value_t::number_float: {
      auto d = feel::Decimal::FromDouble(j.get<double>());
      return d ? Value::Number(*d) : Value();
    }
    case nlohmann::json::value_t::string: return Value::String(j.get<std::string>());
    case nlohmann::json::value_t::array: {
      feel::List out;
      out.reserve(j.size());
      for (const auto& e : j) out.push_back(ValueFromJson(e));
      return Value::FromList(std::move(out));
    }
    case nlohmann::json::value_t::object: {
      feel::Context c;
      for (const auto& [k, v] : j.items()) c.Put(k, ValueFromJson(v));
      return Value::FromContext(std::move(c));
    }
    default: return Value();
  }
}

nlohmann::ordered_json ValueToJson(const feel::Value& v) {
  using feel::Type;
  switch (v.type()) {
    case Type::kNull: return nullptr;
    case Type::kBoolean: return v.boolean();
    case Type::kNumber: {
      const feel::Decimal& d = v.number();
      if (auto i = d.ToInt64()) return *i;
      std::string text = d.ToString();
      double x = d.ToDouble();
      // Keep the exact digits when a double would change them.
      auto back = feel::Decimal::FromDouble(x);
      if (back && *back == d) return x;
      return text;
    }
    case Type::kString: return v.string();
    case Type::kList: {
      auto arr = nlohmann::ordered_json::array();
      for (const auto& e : v.list()) arr.push_back(ValueToJson(e));
      return arr;
    }
    case Type::kContext: {
      auto obj = nlohmann::ordered_json::object();
      for (const auto& [k, e] : v.context().entries()) obj[k] = ValueToJson(e);
      return obj;
    }
    case Type::kRange:
    case Type::kFunction: return feel::ToFeelLiteral(v);
    default: return feel::ToFeelString(v);
  }
}

size_t NestingDepth(std::string_view text) {
  size_t depth = 0, max_depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{' || c == '[') max_depth = std::max(max_depth, ++depth);
    else if ((c == '}' || c == ']') && depth > 0) --depth;
  }
  return max_depth;
}

}  // namespace zebra::json
