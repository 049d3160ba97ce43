#include "clinical/case_validation.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include <re2/re2.h>

namespace zebra::clinical {
namespace {

using nlohmann::json;

constexpr size_t kMaxFoundChars = 80;

std::string Compact(const json& v) {
  // `replace` keeps dump() from throwing on invalid UTF-8 in hostile input.
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() > kMaxFoundChars) s = s.substr(0, kMaxFoundChars - 3) + "...";
  return s;
}

// Number of Unicode code points in UTF-8 text (JSON Schema lengths count characters).
size_t CodePoints(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

bool IsIdentifier(const std::string& key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](unsigned char c) {
           return std::isalnum(c) || c == '_';
         });
}

std::string Child(const std::string& path, const std::string& key) {
  if (!IsIdentifier(key)) return (path == "$" ? "$" : path) + "[" + Compact(json(key)) + "]";
  return path == "$" ? key : path + "." + key;
}

std::string Index(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

std::string TypeName(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "an integer";
    case json::value_t::number_float: return "a number";
    case json::value_t::string: return "a string";
    case json::value_t::array: return "a list";
    case json::value_t::object: return "an object";
    default: return "an unsupported value";
  }
}

std::string Article(const std::string& type) {
  if (type == "object" || type == "array" || type == "integer") return "an " + type;
  if (type == "null") return "null";
  return "a " + type;
}

bool IsIntegral(const json& v) {
  if (v.is_number_integer() || v.is_number_unsigned()) return true;
  if (!v.is_number_float()) return false;
  double d = v.get<double>();
  return std::isfinite(d) && std::floor(d) == d;
}

bool HasType(const json& v, const std::string& type) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "boolean") return v.is_boolean();
  if (type == "null") return v.is_null();
  if (type == "number") return v.is_number();
  if (type == "integer") return IsIntegral(v);
  return false;
}

// Levenshtein distance, for "did you mean" hints on misspelt field names.
size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// Compiled patterns are shared: batch evaluation validates many cases against one schema.
const RE2* Pattern(const std::string& pattern) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<RE2>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(pattern);
  if (it == cache.end()) {
    RE2::Options options;
    options.set_log_errors(false);
    it = cache.emplace(pattern, std::make_unique<RE2>(pattern, options)).first;
  }
  return it->second->ok() ? it->second.get() : nullptr;
}

std::string JoinValues(const json& list, size_t max_items = 20) {
  std::string out;
  size_t n = 0;
  for (const auto& e : list) {
    if (n++ == max_items) {
      out += ", ...";
      break;
    }
    if (!out.empty()) out += ", ";
    out += e.is_string() ? e.get<std::string>() : Compact(e);
  }
  return out;
}

std::string Number(const json& v) { return Compact(v); }

class Validator {
 public:
  std::vector<ValidationError> errors;

  void Validate(const json& v, const json& schema, const std::string& path) {
    if (schema.is_boolean()) {
      if (!schema.get<bool>()) Add(path, "is not allowed here", Compact(v), "nothing");
      return;
    }
    if (!schema.is_object()) return;
    if (!CheckType(v, schema, path)) return;  // further checks would only repeat the type error
    CheckConst(v, schema, path);
    CheckEnum(v, schema, path);
    if (v.is_number()) CheckNumber(v, schema, path);
    if (v.is_string()) CheckString(v, schema, path);
    if (v.is_array()) CheckArray(v, schema, path);
    if (v.is_object()) CheckObject(v, schema, path);
  }

 private:
  void Add(const std::string& path, std::string message, std::string found, std::string allowed) {
    errors.push_back({path, std::move(message), std::move(found), std::move(allowed)});
  }

  bool CheckType(const json& v, const json& schema, const std::string& path) {
    auto it = schema.find("type");
    if (it == schema.end()) return true;
    std::vector<std::string> types;
    if (it->is_string()) types.push_back(it->get<std::string>());
    else if (it->is_array())
      for (const auto& t : *it)
        if (t.is_string()) types.push_back(t.get<std::string>());
    if (types.empty()) return true;
    for (const auto& t : types)
      if (HasType(v, t)) return true;
    std::string allowed;
    for (const auto& t : types) allowed += (allowed.empty() ? "" : " or ") + Article(t);
    if (types.size() == 1 && types[0] == "integer" && v.is_number())
      Add(path, Number(v) + " is not a whole number", Compact(v), "a whole number");
    else
      Add(path, "expected " + allowed + ", found " + TypeName(v) + " " + Compact(v), Compact(v), allowed);
    return false;
  }

  void CheckConst(const json& v, const json& schema, const std::string& path) {
    auto it = schema.find("const");
    if (it == schema.end() || v == *it) return;
    Add(path, Compact(v) + " must be " + Compact(*it), Compact(v), Compact(*it));
  }

  void CheckEnum(const json& v, const json& schema, const std::string& path) {
    auto it = schema.find("enum");
    if (it == schema.end() || !it->is_array()) return;
    if (std::find(it->begin(), it->end(), v) != it->end()) return;
    std::string allowed = "one of: " + JoinValues(*it);
    Add(path, Compact(v) + " is not " + allowed, Compact(v), allowed);
  }

  static std::optional<double> Num(const json& schema, const char* key) {
    auto it = schema.find(key);
    if (it == schema.end() || !it->is_number()) return std::nullopt;
    return it->get<double>();
  }

  std::string Range(const json& schema) {
    auto lo = schema.find("minimum"), hi = schema.find("maximum");
    auto xlo = schema.find("exclusiveMinimum"), xhi = schema.find("exclusiveMaximum");
    std::string low = lo != schema.end() ? Number(*lo) : xlo != schema.end() ? "above " + Number(*xlo) : "";
    std::string high = hi != schema.end() ? Number(*hi) : xhi != schema.end() ? "below " + Number(*xhi) : "";
    if (!low.empty() && !high.empty()) {
      if (lo != schema.end() && hi != schema.end()) return low + " to " + high;
      return low + " and " + (hi != schema.end() ? "at most " + high : high);
    }
    if (!low.empty()) return lo != schema.end() ? "at least " + low : low;
    if (!high.empty()) return hi != schema.end() ? "at most " + high : high;
    return "";
  }

  void CheckNumber(const json& v, const json& schema, const std::string& path) {
    double x = v.get<double>();
    std::string found = Compact(v);
    if (auto lo = Num(schema, "minimum"); lo && x < *lo)
      Add(path, found + " is below " + Number(schema["minimum"]), found, Range(schema));
    if (auto lo = Num(schema, "exclusiveMinimum"); lo && x <= *lo)
      Add(path, found + " must be greater than " + Number(schema["exclusiveMinimum"]), found, Range(schema));
    if (auto hi = Num(schema, "maximum"); hi && x > *hi)
      Add(path, found + " is above " + Number(schema["maximum"]), found, Range(schema));
    if (auto hi = Num(schema, "exclusiveMaximum"); hi && x >= *hi)
      Add(path, found + " must be less than " + Number(schema["exclusiveMaximum"]), found, Range(schema));
  }

  void CheckString(const json& v, const json& schema, const std::string& path) {
    const std::string& s = v.get_ref<const std::string&>();
    size_t n = CodePoints(s);
    std::string found = Compact(v);
    if (auto lo = Num(schema, "minLength"); lo && static_cast<double>(n) < *lo)
      Add(path, n == 0 ? "must not be empty" : "is too short (" + std::to_string(n) + " characters)", found,
          "at least " + Number(schema["minLength"]) + " characters");
    if (auto hi = Num(schema, "maxLength"); hi && static_cast<double>(n) > *hi)
      Add(path, "is too long (" + std::to_string(n) + " characters)", found,
          "at most " + Number(schema["maxLength"]) + " characters");
    auto p = schema.find("pattern");
    if (p != schema.end() && p->is_string()) {
      const RE2* re = Pattern(p->get<std::string>());
      // JSON Schema patterns are unanchored unless they say ^...$ themselves.
      if (re != nullptr && !RE2::PartialMatch(s, *re))
        Add(path, found + " does not match the pattern " + p->get<std::string>(), found,
            "text matching " + p->get<std::string>());
    }
  }

  void CheckArray(const json& v, const json& schema, const std::string& path) {
    std::string count = std::to_string(v.size());
    if (auto lo = Num(schema, "minItems"); lo && static_cast<double>(v.size()) < *lo)
      Add(path, "has " + count + " items, fewer than " + Number(schema["minItems"]), count,
          "at least " + Number(schema["minItems"]) + " items");
    if (auto hi = Num(schema, "maxItems"); hi && static_cast<double>(v.size()) > *hi)
      Add(path, "has " + count + " items, more than " + Number(schema["maxItems"]), count,
          "at most " + Number(schema["maxItems"]) + " items");
    auto unique = schema.find("uniqueItems");
    if (unique != schema.end() && unique->is_boolean() && unique->get<bool>()) {
      for (size_t i = 1; i < v.size(); ++i)
        for (size_t j = 0; j < i; ++j)
          if (v[i] == v[j]) {
            Add(Index(path, i), Compact(v[i]) + " is listed twice (also at [" + std::to_string(j) + "])",
                Compact(v[i]), "each item once");
            break;
          }
    }
    auto items = schema.find("items");
    if (items != schema.end() && (items->is_object() || items->is_boolean()))
      for (size_t i = 0; i < v.size(); ++i) Validate(v[i], *items, Index(path, i));
  }

  void CheckObject(const json& v, const json& schema, const std::string& path) {
    static const json kEmpty = json::object();
    auto props_it = schema.find("properties");
    const json& props = props_it != schema.end() && props_it->is_object() ? *props_it : kEmpty;
    auto req = schema.find("required");
    if (req != schema.end() && req->is_array())
      for (const auto& r : *req)
        if (r.is_string() && !v.contains(r.get<std::string>()))
          Add(Child(path, r.get<std::string>()), "is required but missing", "", "a value");
    auto additional = schema.find("additionalProperties");
    for (auto it = v.begin(); it != v.end(); ++it) {
      std::string child = Child(path, it.key());
      auto p = props.find(it.key());
      if (p != props.end()) {
        Validate(it.value(), *p, child);
        continue;
      }
      if (additional == schema.end() || additional->is_object()) {
        if (additional != schema.end()) Validate(it.value(), *additional, child);
        continue;
      }
      if (additional->is_boolean() && !additional->get<bool>()) Unknown(it.key(), child, props);
    }
  }

  void Unknown(const std::string& key, const std::string& child, const json& props) {
    std::string best;
    size_t best_d = std::string::npos;
    for (auto it = props.begin(); it != props.end(); ++it) {
      const std::string& name = it.key();
      // A known field that starts with the unknown name ("ki67" for "ki67_percent") is a
      // likely abbreviation even though its edit distance is large.
      bool prefix = key.size() >= 3 && (name.rfind(key, 0) == 0 || key.rfind(name, 0) == 0);
      size_t d = prefix ? 1 : EditDistance(key, name);
      if (d < best_d) best_d = d, best = it.key();
    }
    std::string allowed = props.empty() ? "no fields" : "one of: " + JoinValues([&] {
      json names = json::array();
      for (auto it = props.begin(); it != props.end(); ++it) names.push_back(it.key());
      return names;
    }(), 60);
    // A hint only when the name is close (a typo), not for unrelated fields.
    bool close = !best.empty() && best_d <= std::max<size_t>(2, key.size() / 3);
    Add(child, close ? "is not a known field (did you mean \"" + best + "\"?)" : "is not a known field",
        Compact(json(key)), allowed);
  }
};

}  // namespace

std::vector<ValidationError> ValidateCase(const nlohmann::json& c, const nlohmann::json& schema) {
  Validator v;
  try {
    if (!c.is_object()) {
      v.errors.push_back({"$", "a case must be a JSON object, found " + TypeName(c), Compact(c), "an object"});
      return v.errors;
    }
    v.Validate(c, schema, "$");
  } catch (const std::exception& e) {
    // Defensive: nlohmann accessors are only used after type checks, so this is not expected.
    v.errors.push_back({"$", std::string("could not validate: ") + e.what(), "", ""});
  }
  return v.errors;
}

}  // namespace zebra::clinical
