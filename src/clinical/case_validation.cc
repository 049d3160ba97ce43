#include "clinical/case_validation.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <bit>
#include <functional>
#include <optional>
#include <string_view>
#include <type_traits>
#include <unordered_map>

#include <re2/re2.h>

#include "clinical/case_shapes.h"
#include "common/bytes.h"
#include "json/json_parse.h"
#include "json/json_values.h"

namespace zebra::clinical {
namespace {

using PlainJson = nlohmann::json;  // (not `json`: that names zebra::json in this namespace)
using nlohmann::ordered_json;
using value_t = PlainJson::value_t;

constexpr size_t kMaxFoundChars = 80;

std::string Truncated(std::string s) {
  if (s.size() > kMaxFoundChars) s = s.substr(0, kMaxFoundChars - 3) + "...";
  return s;
}

std::string Compact(const PlainJson& v) {
  // `replace` keeps dump() from throwing on invalid UTF-8 in hostile input.
  return Truncated(v.dump(-1, ' ', false, PlainJson::error_handler_t::replace));
}

// An insertion-ordered value is shown as its plain-JSON copy would be: object keys sorted.
std::string Compact(const ordered_json& v) {
  if (v.is_structured()) return Compact(PlainJson(v));
  return Truncated(v.dump(-1, ' ', false, ordered_json::error_handler_t::replace));
}

// Number of Unicode code points in UTF-8 text (JSON Schema lengths count characters).
size_t CodePoints(std::string_view s) {
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
  if (!IsIdentifier(key)) return (path == "$" ? "$" : path) + "[" + Compact(PlainJson(key)) + "]";
  return path == "$" ? key : path + "." + key;
}

std::string Index(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

std::string TypeName(value_t t) {
  switch (t) {
    case value_t::null: return "null";
    case value_t::boolean: return "a boolean";
    case value_t::number_integer:
    case value_t::number_unsigned: return "an integer";
    case value_t::number_float: return "a number";
    case value_t::string: return "a string";
    case value_t::array: return "a list";
    case value_t::object: return "an object";
    default: return "an unsupported value";
  }
}

std::string Article(const std::string& type) {
  if (type == "object" || type == "array" || type == "integer") return "an " + type;
  if (type == "null") return "null";
  return "a " + type;
}

bool IsNumber(value_t t) {
  return t == value_t::number_integer || t == value_t::number_unsigned || t == value_t::number_float;
}

// The type a value has for validation. An insertion-ordered case is validated as its dump() parsed
// back, and dump() writes NaN and infinities as null.
template <typename J>
value_t TypeOf(const J& v) {
  value_t t = v.type();
  if constexpr (std::is_same_v<J, ordered_json>)
    if (t == value_t::number_float && !std::isfinite(v.template get<double>())) return value_t::null;
  return t;
}

// "type" keyword values as bits.
enum TypeBit : uint8_t {
  kNullBit = 1,
  kBooleanBit = 2,
  kIntegerBit = 4,
  kNumberBit = 8,
  kStringBit = 16,
  kArrayBit = 32,
  kObjectBit = 64,
};

uint8_t TypeBitOf(const std::string& type) {
  if (type == "object") return kObjectBit;
  if (type == "array") return kArrayBit;
  if (type == "string") return kStringBit;
  if (type == "boolean") return kBooleanBit;
  if (type == "null") return kNullBit;
  if (type == "number") return kNumberBit;
  if (type == "integer") return kIntegerBit;
  return 0;  // an unknown type name matches nothing
}

template <typename J>
uint8_t TypeBitsOf(const J& v, value_t t) {
  switch (t) {
    case value_t::null: return kNullBit;
    case value_t::boolean: return kBooleanBit;
    case value_t::number_integer:
    case value_t::number_unsigned: return kIntegerBit | kNumberBit;
    case value_t::number_float: {
      // JSON Schema 2020-12 §6.1.1: a number with a zero fractional part is an integer.
      double d = v.template get<double>();
      return std::isfinite(d) && std::floor(d) == d ? kIntegerBit | kNumberBit : kNumberBit;
    }
    case value_t::string: return kStringBit;
    case value_t::array: return kArrayBit;
    case value_t::object: return kObjectBit;
    default: return 0;
  }
}

// A plain-JSON number with the same representation, so that numbers compare exactly as
// nlohmann::json's operator== compares them (integer vs float through double, etc.).
template <typename J>
PlainJson PlainNumber(const J& v) {
  switch (v.type()) {
    case value_t::number_integer: return PlainJson(v.template get<std::int64_t>());
    case value_t::number_unsigned: return PlainJson(v.template get<std::uint64_t>());
    default: return PlainJson(v.template get<double>());
  }
}

// Equality as nlohmann::json's operator== on the plain-JSON copies: objects compare regardless of
// key order, and for an insertion-ordered value a non-finite number is null.
template <typename A, typename B>
bool Equal(const A& a, const B& b) {
  if constexpr (std::is_same_v<A, PlainJson> && std::is_same_v<B, PlainJson>) {
    return a == b;
  } else {
    value_t ta = TypeOf(a), tb = TypeOf(b);
    if (IsNumber(ta) || IsNumber(tb)) return IsNumber(ta) && IsNumber(tb) && PlainNumber(a) == PlainNumber(b);
    if (ta != tb) return false;
    switch (ta) {
      case value_t::null: return true;
      case value_t::boolean: return a.template get<bool>() == b.template get<bool>();
      case value_t::string:
        return a.template get_ref<const std::string&>() == b.template get_ref<const std::string&>();
      case value_t::array: {
        if (a.size() != b.size()) return false;
        for (size_t i = 0; i < a.size(); ++i)
          if (!Equal(a[i], b[i])) return false;
        return true;
      }
      case value_t::object: {
        if (a.size() != b.size()) return false;
        for (auto it = a.begin(); it != a.end(); ++it) {
          auto other = b.find(it.key());
          if (other == b.end() || !Equal(it.value(), *other)) return false;
        }
        return true;
      }
      default: return PlainJson(a) == PlainJson(b);
    }
  }
}

size_t Mix(size_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

// A hash that equal values (as Equal sees them) share. False when the value holds an integer
// beyond 2^53: such integers compare with floats through a lossy conversion, so equality is no
// longer transitive and the caller falls back to comparing every pair.
template <typename J>
bool HashOf(const J& v, size_t& h) {
  constexpr std::int64_t kExact = std::int64_t{1} << 53;
  value_t t = TypeOf(v);
  switch (t) {
    case value_t::null: h = 0x51; return true;
    case value_t::boolean: h = v.template get<bool>() ? 0x52 : 0x53; return true;
    case value_t::number_integer:
    case value_t::number_unsigned:
    case value_t::number_float: {
      if (t == value_t::number_unsigned && v.template get<std::uint64_t>() > static_cast<std::uint64_t>(kExact)) return false;
      if (t == value_t::number_integer &&
          (v.template get<std::int64_t>() > kExact || v.template get<std::int64_t>() < -kExact))
        return false;
      double d = v.template get<double>();
      if (d == 0) d = 0;  // -0.0 == 0
      h = Mix(std::hash<double>()(d) + 0x54);
      return true;
    }
    case value_t::string:
      h = std::hash<std::string_view>()(v.template get_ref<const std::string&>());
      return true;
    case value_t::array: {
      h = 0x55;
      for (const auto& e : v) {
        size_t eh = 0;
        if (!HashOf(e, eh)) return false;
        h = Mix(h * 31 + eh);
      }
      return true;
    }
    case value_t::object: {
      h = 0x56;  // a sum: the same for any key order
      for (auto it = v.begin(); it != v.end(); ++it) {
        size_t vh = 0;
        if (!HashOf(it.value(), vh)) return false;
        h += Mix(std::hash<std::string_view>()(it.key()) ^ Mix(vh));
      }
      return true;
    }
    default: return false;
  }
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

std::string JoinValues(const PlainJson& list, size_t max_items = 20) {
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

std::string Number(const PlainJson& v) { return Compact(v); }

// What the schema's numeric bounds allow, as one text ("0 to 100", "above 0 and at most 50").
std::string Range(const PlainJson& schema) {
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

// A numeric keyword: applies when the schema gives it as a number.
struct Bound {
  bool on = false;
  double value = 0;
  std::string text;  // the schema's value as written in messages
};

Bound BoundOf(const PlainJson& schema, const char* key) {
  Bound b;
  auto it = schema.find(key);
  if (it == schema.end() || !it->is_number()) return b;
  b.on = true;
  b.value = it->get<double>();
  b.text = Number(*it);
  return b;
}

// An object's property names by position, found by a hash of the length and three bytes and one
// comparison: the lookup every member of every valid case makes.
class KeyTable {
 public:
  KeyTable() = default;
  explicit KeyTable(const std::vector<std::pair<std::string, int>>& properties)
      : KeyTable(NamesOf(properties)) {}
  explicit KeyTable(std::vector<std::string> names) : names_(std::move(names)) {
    size_t size = 4;
    while (size < names_.size() * 2) size *= 2;
    slots_.assign(size, -1);
    for (size_t i = 0; i < names_.size(); ++i) {
      size_t at = Hash(names_[i]) & (slots_.size() - 1);
      while (slots_[at] >= 0) at = (at + 1) & (slots_.size() - 1);
      slots_[at] = static_cast<int>(i);
    }
  }
  // The position of `key` among the properties, or -1.
  int Find(std::string_view key) const {
    if (slots_.empty()) return -1;
    for (size_t at = Hash(key) & (slots_.size() - 1);; at = (at + 1) & (slots_.size() - 1)) {
      int i = slots_[at];
      // SameText inline: the library's compare was a call and half of this lookup's cost.
      if (i < 0 || SameText(names_[static_cast<size_t>(i)], key)) return i;
    }
  }

 private:
  static std::vector<std::string> NamesOf(const std::vector<std::pair<std::string, int>>& properties) {
    std::vector<std::string> names;
    names.reserve(properties.size());
    for (const auto& p : properties) names.push_back(p.first);
    return names;
  }
  static size_t Hash(std::string_view k) {
    if (k.empty()) return 0;
    auto c = [&](size_t i) { return static_cast<size_t>(static_cast<unsigned char>(k[i])); };
    size_t h = k.size() * 0x9E3779B1u + c(0) * 31u + c(k.size() - 1) * 131u + c(k.size() / 2) * 7u;
    return h ^ (h >> 7);
  }
  std::vector<int> slots_;  // power-of-two size, at most half full; -1 empty
  std::vector<std::string> names_;
};

// A path as a chain of frames on the C++ stack, turned into text only for an error.
struct Frame {
  const Frame* parent;
  const std::string* key;  // nullptr: an array index
  size_t index;
};

std::string PathOf(const Frame* f) {
  if (f == nullptr) return "$";
  return f->key != nullptr ? Child(PathOf(f->parent), *f->key) : Index(PathOf(f->parent), f->index);
}

}  // namespace

struct CompiledCaseSchema::Impl {
  enum class Kind : uint8_t { kAny, kNothing, kChecks };
  enum class Additional : uint8_t { kAllow, kForbid, kSchema };

  struct Node {
    Kind kind = Kind::kAny;
    // type
    bool has_type = false;
    bool only_integer = false;  // "type": "integer": a fraction gets its own message
    uint8_t type_bits = 0;
    std::string type_allowed;
    // const / enum
    bool has_const = false;
    PlainJson const_value;
    std::string const_text;
    bool has_enum = false;
    std::vector<std::string> enum_strings;  // sorted
    KeyTable enum_table;                    // the same strings, by hash
    std::vector<PlainJson> enum_others;          // the values that are not strings
    std::string enum_allowed;
    // numbers
    Bound minimum, exclusive_minimum, maximum, exclusive_maximum;
    std::string range;
    // strings
    Bound min_length, max_length;
    std::unique_ptr<RE2> pattern;  // null when absent or not a valid RE2 pattern (then ignored)
    std::string pattern_text;
    // arrays
    Bound min_items, max_items;
    bool unique = false;
    int items = -1;
    // objects
    std::vector<std::pair<std::string, int>> properties;  // sorted by name, as nlohmann::json keeps them
    std::vector<std::string> required;
    // For the check that a case passes (Passes): each property's name by its hash, whether it is
    // required, and the required names that are not properties (looked up one by one).
    KeyTable property_table;
    std::vector<bool> property_required;  // by position in `properties`
    size_t required_properties = 0;       // distinct required names among the properties
    std::vector<std::string> required_elsewhere;
    Additional additional = Additional::kAllow;
    int additional_node = -1;
    std::string unknown_allowed;
    // For the case reader (ReaderStrings): the strings this node may hold from a finite list —
    // its const, its enum, or the finite alternation its pattern spells — each as an immortal
    // FEEL string when it passes the node's string checks (null when not), found by hash; the
    // models' decision tables then find them by address, and no case allocates or frees them.
    // `strings_complete`: a string outside the list does not pass (const, enum).
    KeyTable string_table;
    std::vector<feel::Value> string_values;
    bool strings_complete = false;
    // The same strings recognised by their bytes in the text (CaseReader::ListedAt): those that
    // are printable ASCII without '"' or '\\' and not empty, chained by ListedBucket of their
    // first two bytes (a one-byte string's second is its closing quote), each chain's first in
    // `string_bucket` and the next in `string_next` (by position in `string_names`; kNoListed:
    // none). Only the bytes are compared, never a hash of the whole string.
    static constexpr uint8_t kNoListed = 0xFF;
    std::vector<std::string> string_names;  // string_table's names, by position
    std::array<uint8_t, 32> string_bucket{};
    std::vector<uint8_t> string_next;
    // By position in `properties`: the name is printable ASCII without '"' or '\\' (the case
    // reader may then recognise it by its bytes).
    std::vector<bool> property_plain;
    // The same facts per property in one place for the case reader's loop (CaseReader::Object):
    // its name, whether it is plain and required, and its node.
    // `listed`: the node has listed strings (string_values), read by their bytes in the loop;
    // `plain_scalar`: the node checks (kChecks) without const or enum, so a short number is read
    // in the loop (CaseReader::ShortNumber); anything else goes through CaseReader::Value.
    struct ReaderProperty {
      const char* name;
      uint32_t length;
      bool plain;
      bool required;
      bool listed;
      bool plain_scalar;
      const Node* node;
    };
    std::vector<ReaderProperty> reader_properties;  // by position in `properties`
    // The plain property names recognised by their bytes in the text when the guess of the next
    // key misses (CaseReader::KeyAt): chained by ListedBucket of their first two bytes, as
    // string_bucket / string_next chain the listed strings (kNoListed: none).
    std::array<uint8_t, 32> key_bucket{};
    std::vector<uint8_t> key_next;
    // An object the case reader may read (CaseReader::Object: checks, a type that allows an
    // object, no const or enum, no required name outside its properties), and the node's
    // position in Impl::nodes (the place of its key guesses): both fixed at load.
    bool reader_object = false;
    uint32_t index = 0;
  };

  std::vector<Node> nodes;  // nodes[0] is the root

  int Compile(const PlainJson& schema) {
    int index = static_cast<int>(nodes.size());
    nodes.emplace_back();
    if (schema.is_boolean()) {
      nodes[index].kind = schema.get<bool>() ? Kind::kAny : Kind::kNothing;
      return index;
    }
    if (!schema.is_object()) return index;  // no keyword to check
    Node n;
    n.kind = Kind::kChecks;
    if (auto it = schema.find("type"); it != schema.end()) {
      std::vector<std::string> types;
      if (it->is_string()) types.push_back(it->get<std::string>());
      else if (it->is_array())
        for (const auto& t : *it)
          if (t.is_string()) types.push_back(t.get<std::string>());
      n.has_type = !types.empty();
      for (const auto& t : types) {
        n.type_bits |= TypeBitOf(t);
        n.type_allowed += (n.type_allowed.empty() ? "" : " or ") + Article(t);
      }
      n.only_integer = types.size() == 1 && types[0] == "integer";
    }
    if (auto it = schema.find("const"); it != schema.end()) {
      n.has_const = true;
      n.const_value = *it;
      n.const_text = Compact(*it);
    }
    if (auto it = schema.find("enum"); it != schema.end() && it->is_array()) {
      n.has_enum = true;
      for (const auto& e : *it) {
        if (e.is_string()) n.enum_strings.push_back(e.get<std::string>());
        else n.enum_others.push_back(e);
      }
      std::sort(n.enum_strings.begin(), n.enum_strings.end());
      n.enum_table = KeyTable(n.enum_strings);
      n.enum_allowed = "one of: " + JoinValues(*it);
    }
    n.minimum = BoundOf(schema, "minimum");
    n.exclusive_minimum = BoundOf(schema, "exclusiveMinimum");
    n.maximum = BoundOf(schema, "maximum");
    n.exclusive_maximum = BoundOf(schema, "exclusiveMaximum");
    n.range = Range(schema);
    n.min_length = BoundOf(schema, "minLength");
    n.max_length = BoundOf(schema, "maxLength");
    if (auto it = schema.find("pattern"); it != schema.end() && it->is_string()) {
      n.pattern_text = it->get<std::string>();
      RE2::Options options;
      options.set_log_errors(false);
      n.pattern = std::make_unique<RE2>(n.pattern_text, options);
      if (!n.pattern->ok()) n.pattern.reset();
    }
    n.min_items = BoundOf(schema, "minItems");
    n.max_items = BoundOf(schema, "maxItems");
    auto unique = schema.find("uniqueItems");
    n.unique = unique != schema.end() && unique->is_boolean() && unique->get<bool>();
    if (auto it = schema.find("items"); it != schema.end() && (it->is_object() || it->is_boolean()))
      n.items = Compile(*it);
    PlainJson names = PlainJson::array();
    if (auto it = schema.find("properties"); it != schema.end() && it->is_object())
      for (auto p = it->begin(); p != it->end(); ++p) {
        names.push_back(p.key());
        int child = Compile(p.value());
        n.properties.emplace_back(p.key(), child);
      }
    if (auto it = schema.find("required"); it != schema.end() && it->is_array())
      for (const auto& r : *it)
        if (r.is_string()) n.required.push_back(r.get<std::string>());
    if (auto it = schema.find("additionalProperties"); it != schema.end()) {
      if (it->is_object()) {
        n.additional = Additional::kSchema;
        n.additional_node = Compile(*it);
      } else if (it->is_boolean() && !it->get<bool>()) {
        n.additional = Additional::kForbid;
      }
    }
    n.unknown_allowed = n.properties.empty() ? "no fields" : "one of: " + JoinValues(names, 60);
    n.property_table = KeyTable(n.properties);
    n.property_required.assign(n.properties.size(), false);
    for (const auto& r : n.required) {
      int at = n.property_table.Find(r);
      if (at < 0) {
        n.required_elsewhere.push_back(r);
      } else if (!n.property_required[static_cast<size_t>(at)]) {
        n.property_required[static_cast<size_t>(at)] = true;
        ++n.required_properties;
      }
    }
    nodes[index] = std::move(n);  // after the children: Compile grows `nodes`
    return index;
  }
};

namespace {

using Impl = CompiledCaseSchema::Impl;
using Node = Impl::Node;

template <typename J>
class Run {
 public:
  Run(const Impl& impl, std::vector<ValidationError>& errors) : impl_(impl), errors_(errors) {}

  void Validate(const J& v, const Node& n, const Frame* f) {
    if (n.kind == Impl::Kind::kAny) return;
    if (n.kind == Impl::Kind::kNothing) {
      Add(PathOf(f), "is not allowed here", Compact(v), "nothing");
      return;
    }
    value_t t = TypeOf(v);
    if (n.has_type && (TypeBitsOf(v, t) & n.type_bits) == 0) {
      // Further checks would only repeat the type error.
      std::string found = Compact(v);
      if (n.only_integer && IsNumber(t))
        Add(PathOf(f), found + " is not a whole number", found, "a whole number");
      else
        Add(PathOf(f), "expected " + n.type_allowed + ", found " + TypeName(t) + " " + found, found, n.type_allowed);
      return;
    }
    if (n.has_const && !Equal(v, n.const_value)) {
      std::string found = Compact(v);
      Add(PathOf(f), found + " must be " + n.const_text, found, n.const_text);
    }
    if (n.has_enum && !InEnum(v, t, n)) {
      std::string found = Compact(v);
      Add(PathOf(f), found + " is not " + n.enum_allowed, found, n.enum_allowed);
    }
    switch (t) {
      case value_t::number_integer:
      case value_t::number_unsigned:
      case value_t::number_float: CheckNumber(v, n, f); break;
      case value_t::string: CheckString(v, n, f); break;
      case value_t::array: CheckArray(v, n, f); break;
      case value_t::object: CheckObject(v, n, f); break;
      default: break;
    }
  }

 private:
  using Pair = typename J::object_t::value_type;
  template <typename>
  friend class Passes;

  void Add(std::string path, std::string message, std::string found, std::string allowed) {
    errors_.push_back({std::move(path), std::move(message), std::move(found), std::move(allowed)});
  }

  static bool InEnum(const J& v, value_t t, const Node& n) {
    if (t == value_t::string)
      return std::binary_search(n.enum_strings.begin(), n.enum_strings.end(), v.template get_ref<const std::string&>());
    for (const auto& e : n.enum_others)
      if (Equal(v, e)) return true;
    return false;
  }

  void CheckNumber(const J& v, const Node& n, const Frame* f) {
    double x = v.template get<double>();
    if (n.minimum.on && x < n.minimum.value) {
      std::string found = Compact(v);
      Add(PathOf(f), found + " is below " + n.minimum.text, found, n.range);
    }
    if (n.exclusive_minimum.on && x <= n.exclusive_minimum.value) {
      std::string found = Compact(v);
      Add(PathOf(f), found + " must be greater than " + n.exclusive_minimum.text, found, n.range);
    }
    if (n.maximum.on && x > n.maximum.value) {
      std::string found = Compact(v);
      Add(PathOf(f), found + " is above " + n.maximum.text, found, n.range);
    }
    if (n.exclusive_maximum.on && x >= n.exclusive_maximum.value) {
      std::string found = Compact(v);
      Add(PathOf(f), found + " must be less than " + n.exclusive_maximum.text, found, n.range);
    }
  }

  void CheckString(const J& v, const Node& n, const Frame* f) {
    const std::string& s = v.template get_ref<const std::string&>();
    if (n.min_length.on || n.max_length.on) {
      size_t count = CodePoints(s);
      if (n.min_length.on && static_cast<double>(count) < n.min_length.value)
        Add(PathOf(f), count == 0 ? "must not be empty" : "is too short (" + std::to_string(count) + " characters)",
            Compact(v), "at least " + n.min_length.text + " characters");
      if (n.max_length.on && static_cast<double>(count) > n.max_length.value)
        Add(PathOf(f), "is too long (" + std::to_string(count) + " characters)", Compact(v),
            "at most " + n.max_length.text + " characters");
    }
    // JSON Schema patterns are unanchored unless they say ^...$ themselves.
    if (n.pattern && !RE2::PartialMatch(s, *n.pattern)) {
      std::string found = Compact(v);
      Add(PathOf(f), found + " does not match the pattern " + n.pattern_text, found, "text matching " + n.pattern_text);
    }
  }

  void CheckArray(const J& v, const Node& n, const Frame* f) {
    const auto& items = v.template get_ref<const typename J::array_t&>();
    if (n.min_items.on && static_cast<double>(items.size()) < n.min_items.value) {
      std::string count = std::to_string(items.size());
      Add(PathOf(f), "has " + count + " items, fewer than " + n.min_items.text, count,
          "at least " + n.min_items.text + " items");
    }
    if (n.max_items.on && static_cast<double>(items.size()) > n.max_items.value) {
      std::string count = std::to_string(items.size());
      Add(PathOf(f), "has " + count + " items, more than " + n.max_items.text, count,
          "at most " + n.max_items.text + " items");
    }
    if (n.unique) CheckUnique(items, f);
    if (n.items >= 0) {
      const Node& item = impl_.nodes[static_cast<size_t>(n.items)];
      for (size_t i = 0; i < items.size(); ++i) {
        Frame child{f, nullptr, i};
        Validate(items[i], item, &child);
      }
    }
  }

  void Duplicate(const typename J::array_t& items, size_t i, size_t j, const Frame* f) {
    Frame child{f, nullptr, i};
    std::string found = Compact(items[i]);
    Add(PathOf(&child), found + " is listed twice (also at [" + std::to_string(j) + "])", found, "each item once");
  }

  // Each item equal to an earlier one is reported once, naming the first earlier item it equals.
  void CheckUnique(const typename J::array_t& items, const Frame* f) {
    constexpr size_t kSmall = 16;
    std::vector<size_t> hashes;
    bool hashed = items.size() > kSmall;
    if (hashed) {
      hashes.resize(items.size());
      for (size_t i = 0; i < items.size() && hashed; ++i) hashed = HashOf(items[i], hashes[i]);
    }
    if (!hashed) {
      for (size_t i = 1; i < items.size(); ++i)
        for (size_t j = 0; j < i; ++j)
          if (Equal(items[i], items[j])) {
            Duplicate(items, i, j, f);
            break;
          }
      return;
    }
    // Equality is transitive here (HashOf refused the values where it is not), so the first item
    // an item equals is the first of its kind: each bucket keeps only those, none equal another.
    std::unordered_map<size_t, std::vector<size_t>> firsts;
    firsts.reserve(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      auto& bucket = firsts[hashes[i]];
      auto same = std::find_if(bucket.begin(), bucket.end(), [&](size_t j) { return Equal(items[i], items[j]); });
      if (same != bucket.end()) Duplicate(items, i, *same, f);
      else bucket.push_back(i);
    }
  }

  static const int* PropertyNode(const Node& n, const std::string& key) {
    auto it = std::lower_bound(n.properties.begin(), n.properties.end(), key,
                               [](const auto& p, const std::string& k) { return p.first < k; });
    return it != n.properties.end() && it->first == key ? &it->second : nullptr;
  }

  void CheckObject(const J& v, const Node& n, const Frame* f) {
    const auto& object = v.template get_ref<const typename J::object_t&>();
    if constexpr (std::is_same_v<J, PlainJson>) {
      for (const auto& r : n.required)
        if (object.find(r) == object.end()) Add(Child(PathOf(f), r), "is required but missing", "", "a value");
      for (const auto& member : object) Member(member, n, f);
    } else {
      // The plain-JSON copy visits its fields in sorted order; so do the errors here.
      constexpr size_t kInline = 32;
      std::array<const Pair*, kInline> inline_sorted{};
      std::vector<const Pair*> heap_sorted;
      const Pair** sorted = inline_sorted.data();
      if (object.size() > kInline) {
        heap_sorted.resize(object.size());
        sorted = heap_sorted.data();
      }
      size_t count = 0;
      for (const auto& member : object) sorted[count++] = &member;
      auto by_key = [](const Pair* a, const Pair* b) { return a->first < b->first; };
      if (!std::is_sorted(sorted, sorted + count, by_key)) std::sort(sorted, sorted + count, by_key);
      for (const auto& r : n.required) {
        auto it = std::lower_bound(sorted, sorted + count, r, [](const Pair* p, const std::string& k) { return p->first < k; });
        if (it == sorted + count || (*it)->first != r) Add(Child(PathOf(f), r), "is required but missing", "", "a value");
      }
      for (size_t i = 0; i < count; ++i) Member(*sorted[i], n, f);
    }
  }

  void Member(const Pair& member, const Node& n, const Frame* f) {
    Frame child{f, &member.first, 0};
    if (const int* p = PropertyNode(n, member.first)) {
      Validate(member.second, impl_.nodes[static_cast<size_t>(*p)], &child);
      return;
    }
    switch (n.additional) {
      case Impl::Additional::kSchema:
        Validate(member.second, impl_.nodes[static_cast<size_t>(n.additional_node)], &child);
        break;
      case Impl::Additional::kForbid: Unknown(member.first, &child, n); break;
      case Impl::Additional::kAllow: break;
    }
  }

  void Unknown(const std::string& key, const Frame* child, const Node& n) {
    std::string best;
    size_t best_d = std::string::npos;
    for (const auto& [name, node] : n.properties) {
      // A known field that starts with the unknown name ("ki67" for "ki67_percent") is a
      // likely abbreviation even though its edit distance is large.
      bool prefix = key.size() >= 3 && (name.rfind(key, 0) == 0 || key.rfind(name, 0) == 0);
      size_t d = prefix ? 1 : EditDistance(key, name);
      if (d < best_d) best_d = d, best = name;
    }
    // A hint only when the name is close (a typo), not for unrelated fields.
    bool close = !best.empty() && best_d <= std::max<size_t>(2, key.size() / 3);
    Add(PathOf(child), close ? "is not a known field (did you mean \"" + best + "\"?)" : "is not a known field",
        Compact(PlainJson(key)), n.unknown_allowed);
  }

  const Impl& impl_;
  std::vector<ValidationError>& errors_;
};

// A string's length (in characters) and pattern checks, as Run makes them: Passes' and the case
// reader's.
bool StringFits(std::string_view s, const Node& n) {
  if (n.min_length.on || n.max_length.on) {
    auto count = static_cast<double>(CodePoints(s));
    if ((n.min_length.on && count < n.min_length.value) || (n.max_length.on && count > n.max_length.value))
      return false;
  }
  return !n.pattern || RE2::PartialMatch(s, *n.pattern);
}

// The strings a pattern of the form ^P(A|B|…)S$ or ^P$ matches, P, S and the alternatives made of
// letters, digits and '_' (the case schema's T, N and M categories); empty for any other pattern.
// Only a shortcut for the reader: each string is still checked by RE2 before it is trusted.
std::vector<std::string> FinitePatternStrings(std::string_view pattern) {
  auto plain = [](std::string_view part) {
    return std::all_of(part.begin(), part.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
  };
  if (pattern.size() < 2 || pattern.front() != '^' || pattern.back() != '$') return {};
  const std::string_view body = pattern.substr(1, pattern.size() - 2);
  std::string_view prefix = body, suffix, inner;
  std::vector<std::string_view> alternatives;
  if (const size_t open = body.find('('); open != std::string_view::npos) {
    const size_t close = body.find(')', open);
    if (close == std::string_view::npos) return {};
    prefix = body.substr(0, open);
    suffix = body.substr(close + 1);
    inner = body.substr(open + 1, close - open - 1);
    for (size_t from = 0;;) {
      const size_t bar = inner.find('|', from);
      alternatives.push_back(inner.substr(from, bar == std::string_view::npos ? std::string_view::npos : bar - from));
      if (bar == std::string_view::npos) break;
      from = bar + 1;
    }
  } else {
    alternatives.emplace_back();
  }
  if (!plain(prefix) || !plain(suffix)) return {};
  std::vector<std::string> out;
  for (std::string_view a : alternatives) {
    if (!plain(a)) return {};
    out.push_back(std::string(prefix) + std::string(a) + std::string(suffix));
  }
  return out;
}

// The chain of a listed string's first two bytes in the text (Node::string_bucket).
size_t ListedBucket(char first, char second) {
  return (static_cast<size_t>(static_cast<unsigned char>(first)) * 7u + static_cast<unsigned char>(second)) & 31u;
}

// Fills each node's string_values and property_plain (see Node): after Compile, once for the
// schema.
void PrepareReaderStrings(Impl& impl) {
  for (Node& n : impl.nodes) {
    for (const auto& [name, node] : n.properties)
      n.property_plain.push_back(std::all_of(name.begin(), name.end(), [](char c) {
        return c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
      }));
    // (impl.nodes is complete: its elements stay where they are.)
    for (size_t i = 0; i < n.properties.size(); ++i)
      n.reader_properties.push_back({n.properties[i].first.data(), static_cast<uint32_t>(n.properties[i].first.size()),
                                     static_cast<bool>(n.property_plain[i]),
                                     i < n.property_required.size() && n.property_required[i], false, false,
                                     &impl.nodes[static_cast<size_t>(n.properties[i].second)]});
    n.key_bucket.fill(Impl::Node::kNoListed);
    if (n.properties.size() < Impl::Node::kNoListed) {
      n.key_next.assign(n.properties.size(), Impl::Node::kNoListed);
      for (size_t i = n.properties.size(); i-- > 0;) {
        const std::string& name = n.properties[i].first;
        if (!n.property_plain[i] || name.empty()) continue;
        const size_t b = ListedBucket(name[0], name.size() > 1 ? name[1] : '"');
        n.key_next[i] = n.key_bucket[b];
        n.key_bucket[b] = static_cast<uint8_t>(i);
      }
    }
    if (n.kind != Impl::Kind::kChecks || (n.has_type && (n.type_bits & kStringBit) == 0)) continue;
    std::vector<std::string> candidates;
    bool complete = true;
    if (n.has_const) {
      if (!n.const_value.is_string()) continue;
      candidates.push_back(n.const_value.get<std::string>());
    } else if (n.has_enum) {
      candidates = n.enum_strings;
    } else if (n.pattern) {
      candidates = FinitePatternStrings(n.pattern_text);
      complete = false;  // the pattern may match more than the list holds
    }
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    if (candidates.empty()) continue;
    for (const std::string& c : candidates) {
      // Each of the checks the reader makes of a string (CaseReader::String).
      const bool passes = (!n.has_const || n.const_value.get_ref<const std::string&>() == c) &&
                          (!n.has_enum || n.enum_table.Find(c) >= 0) && StringFits(c, n);
      n.string_values.push_back(passes ? feel::MakeImmortal(feel::Value::String(c)) : feel::Value());
    }
    // Recognised by their bytes when they are what fast::String would read between the quotes.
    n.string_bucket.fill(Impl::Node::kNoListed);
    if (candidates.size() < Impl::Node::kNoListed) {
      n.string_next.assign(candidates.size(), Impl::Node::kNoListed);
      for (size_t i = candidates.size(); i-- > 0;) {
        const std::string& c = candidates[i];
        const bool plain = !c.empty() && std::all_of(c.begin(), c.end(), [](char ch) {
          return ch >= 0x20 && ch < 0x7F && ch != '"' && ch != '\\';
        });
        if (!plain) continue;
        const size_t b = ListedBucket(c[0], c.size() > 1 ? c[1] : '"');
        n.string_next[i] = n.string_bucket[b];
        n.string_bucket[b] = static_cast<uint8_t>(i);
      }
    }
    n.string_names = candidates;
    n.string_table = KeyTable(std::move(candidates));
    n.strings_complete = complete;
  }
  // What the case reader's loop reads without CaseReader::Value (every node's strings known now).
  for (Node& n : impl.nodes) {
    n.index = static_cast<uint32_t>(&n - impl.nodes.data());
    n.reader_object = n.kind == Impl::Kind::kChecks && (!n.has_type || (n.type_bits & kObjectBit) != 0) &&
                      !n.has_const && !n.has_enum && n.required_elsewhere.empty();
    for (Impl::Node::ReaderProperty& p : n.reader_properties) {
      p.listed = !p.node->string_values.empty();
      p.plain_scalar = p.node->kind == Impl::Kind::kChecks && !p.node->has_const && !p.node->has_enum;
    }
  }
}

// Lists longer than this are left to Run, which hashes their items instead of comparing every pair.
constexpr size_t kPairwiseItems = 16;

// Whether Run would report nothing, without building paths or messages and without sorting an
// object's fields: the question every valid case asks. Each check is the one Run makes; a case
// that does not pass is validated again by Run for its errors, in order.
template <typename J>
class Passes {
 public:
  explicit Passes(const Impl& impl) : impl_(impl) {}

  bool Check(const J& v, const Node& n) const {
    if (n.kind == Impl::Kind::kAny) return true;
    if (n.kind == Impl::Kind::kNothing) return false;
    value_t t = TypeOf(v);
    if (n.has_type && (TypeBitsOf(v, t) & n.type_bits) == 0) return false;
    if (n.has_const && !Equal(v, n.const_value)) return false;
    if (n.has_enum) {
      bool listed = t == value_t::string ? n.enum_table.Find(v.template get_ref<const std::string&>()) >= 0
                                         : Run<J>::InEnum(v, t, n);
      if (!listed) return false;
    }
    switch (t) {
      case value_t::number_integer:
      case value_t::number_unsigned:
      case value_t::number_float: return Number(v, n);
      case value_t::string: return String(v, n);
      case value_t::array: return Array(v, n);
      case value_t::object: return Object(v, n);
      default: return true;
    }
  }

 private:
  static bool Number(const J& v, const Node& n) {
    double x = v.template get<double>();
    return !(n.minimum.on && x < n.minimum.value) && !(n.exclusive_minimum.on && x <= n.exclusive_minimum.value) &&
           !(n.maximum.on && x > n.maximum.value) && !(n.exclusive_maximum.on && x >= n.exclusive_maximum.value);
  }

  static bool String(const J& v, const Node& n) { return StringFits(v.template get_ref<const std::string&>(), n); }

  bool Array(const J& v, const Node& n) const {
    const auto& items = v.template get_ref<const typename J::array_t&>();
    auto count = static_cast<double>(items.size());
    if ((n.min_items.on && count < n.min_items.value) || (n.max_items.on && count > n.max_items.value)) return false;
    if (n.unique && items.size() > kPairwiseItems) return false;
    if (n.unique)
      for (size_t i = 1; i < items.size(); ++i)
        for (size_t j = 0; j < i; ++j)
          if (Equal(items[i], items[j])) return false;
    if (n.items >= 0) {
      const Node& item = impl_.nodes[static_cast<size_t>(n.items)];
      for (const auto& e : items)
        if (!Check(e, item)) return false;
    }
    return true;
  }

  bool Object(const J& v, const Node& n) const {
    const auto& object = v.template get_ref<const typename J::object_t&>();
    size_t required_seen = 0;
    for (const auto& member : object) {
      int at = n.property_table.Find(member.first);
      if (at >= 0) {
        // An object's keys are distinct, so each required property is counted once.
        if (n.property_required[static_cast<size_t>(at)]) ++required_seen;
        if (!Check(member.second, impl_.nodes[static_cast<size_t>(n.properties[static_cast<size_t>(at)].second)]))
          return false;
        continue;
      }
      switch (n.additional) {
        case Impl::Additional::kSchema:
          if (!Check(member.second, impl_.nodes[static_cast<size_t>(n.additional_node)])) return false;
          break;
        case Impl::Additional::kForbid: return false;
        case Impl::Additional::kAllow: break;
      }
    }
    if (required_seen != n.required_properties) return false;
    for (const auto& r : n.required_elsewhere)
      if (object.find(r) == object.end()) return false;
    return true;
  }

  const Impl& impl_;
};

// The case read from its text straight into its FEEL value, checked as Passes checks it: one pass,
// no JSON tree. It reads what ParseFast reads, builds the value CaseValue builds from that tree on
// the case's shapes, and declines (false) at anything else — every value Passes would refuse,
// and also what it could check but this reader does not foresee (a field outside the schema,
// `const` or `enum` on a list or an object, uniqueItems over anything but strings, an object
// without shapes, a subset cache that is full…): the caller then reads the case the general way,
// which reports the same errors as before.
class CaseReader {
 public:
  CaseReader(const Impl& impl, std::string_view text)
      : impl_(impl), p_(text.data()), end_(text.data() + text.size()) {}

  bool Read(const internal::CaseNode& shapes, feel::Value& out) {
    SkipSpace();
    if (p_ == end_ || *p_ != '{') return false;  // a case is an object
    if (!Value(impl_.nodes[0], &shapes, out)) return false;
    SkipSpace();
    return p_ == end_;
  }

 private:
  static constexpr size_t kMaxDepth = 32;  // the case's nesting limit (ParseCase's)

  static bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }
  [[gnu::always_inline]] void SkipSpace() {
    // (Every byte that may start or follow a token is above ' ': one compare for the usual none.)
    while (p_ != end_ && static_cast<unsigned char>(*p_) <= ' ' && IsSpace(*p_)) ++p_;
  }
  bool Literal(const char* word, size_t n) {
    if (static_cast<size_t>(end_ - p_) < n || std::memcmp(p_, word, n) != 0) return false;
    p_ += n;
    return true;
  }
  // As AfterItem in ParseFast: 1 to go on, 0 at `close`, -1 at anything else.
  int AfterItem(char close) {
    SkipSpace();
    if (p_ == end_) return -1;
    if (*p_ == ',') {
      ++p_;
      SkipSpace();
      return 1;
    }
    if (*p_ != close) return -1;
    ++p_;
    return 0;
  }

  // A scalar as Passes checks it and json::ValueFromJson converts it.
  bool Scalar(const ordered_json& j, const Node& n, feel::Value& out) {
    if (!Passes<ordered_json>(impl_).Check(j, n)) return false;
    out = zebra::json::ValueFromJson(j);
    return true;
  }

  bool Value(const Node& n, const internal::CaseNode* shapes, feel::Value& out) {
    if (p_ == end_ || n.kind != Impl::Kind::kChecks) return false;
    switch (*p_) {
      case '{': return Object(n, shapes, out);
      case '[': return Array(n, shapes, out);
      case '"': return String(n, out);
      case 't': return Literal("true", 4) && Boolean(true, n, out);
      case 'f': return Literal("false", 5) && Boolean(false, n, out);
      case 'n': return Literal("null", 4) && Scalar(ordered_json(nullptr), n, out);
      default: {
        if (ShortNumber(n, out)) return true;
        ordered_json number;
        return zebra::json::fast::Number(p_, end_, number) && Scalar(number, n, out);
      }
    }
  }

  // Passes' checks of a boolean, without a JSON value (const and enum: as any scalar).
  bool Boolean(bool b, const Node& n, feel::Value& out) {
    if (n.has_const || n.has_enum) return Scalar(ordered_json(b), n, out);
    if (n.has_type && (n.type_bits & kBooleanBit) == 0) return false;
    out = feel::Value::Bool(b);
    return true;
  }

  // A short number ("60", "-3", "1.3", "0.25": no exponent, at most 15 digits) read, checked and
  // converted in place: fast::Number gives it the type and double below (an integer token is
  // an integer; a fraction the double m / 10^k, exact division of exact doubles), and
  // ValueFromJson the same Decimal — an integer's FromInt, and a fraction's FromDouble: a
  // decimal of at most 15 significant digits is the shortest that round-trips its double
  // (DBL_DIG), so it is that decimal, normalised as FromParts normalises it. False with `p_`
  // unmoved for any other token (or a node with const or enum), which the general way reads.
  bool ShortNumber(const Node& n, feel::Value& out) {
    if (n.has_const || n.has_enum) return false;
    const char* q = p_;
    const bool negative = q != end_ && *q == '-';
    if (negative) ++q;
    if (q == end_ || *q < '0' || *q > '9') return false;
    uint64_t mantissa = 0;
    int digits = 0;
    int fraction = 0;
    auto is_digit = [&] { return q != end_ && *q >= '0' && *q <= '9'; };
    if (*q == '0') {
      ++q;
      ++digits;
      if (is_digit()) return false;  // a leading zero: refused by fast::Number
    } else {
      for (; is_digit() && digits <= 15; ++q, ++digits) mantissa = mantissa * 10 + static_cast<unsigned>(*q - '0');
    }
    if (q != end_ && *q == '.') {
      ++q;
      if (!is_digit()) return false;
      for (; is_digit() && digits <= 15; ++q, ++digits, ++fraction)
        mantissa = mantissa * 10 + static_cast<unsigned>(*q - '0');
    }
    if (digits > 15 || (q != end_ && (*q == '.' || *q == 'e' || *q == 'E' || (*q >= '0' && *q <= '9')))) return false;
    static constexpr double kPowers[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6, 1e7,
                                         1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    double x = static_cast<double>(mantissa);
    if (fraction > 0) x /= kPowers[fraction];
    if (negative) x = -x;
    const feel::Decimal d = feel::Decimal::FromParts(negative && mantissa != 0, mantissa, -fraction);
    // TypeBitsOf: an integer token, or a fraction whose double is whole (its decimal is whole:
    // at 15 digits the double of a fraction is never rounded to an integer).
    const bool whole = fraction == 0 || d.exponent() >= 0;
    const uint8_t bits = whole ? kIntegerBit | kNumberBit : kNumberBit;
    if (n.has_type && (bits & n.type_bits) == 0) return false;
    if ((n.minimum.on && x < n.minimum.value) || (n.exclusive_minimum.on && x <= n.exclusive_minimum.value) ||
        (n.maximum.on && x > n.maximum.value) || (n.exclusive_maximum.on && x >= n.exclusive_maximum.value))
      return false;
    p_ = q;
    out = feel::Value::Number(d);
    return true;
  }

  // Passes' checks of a string (TypeOf, Equal and InEnum of a string value), on its bytes.
  bool String(const Node& n, feel::Value& out) {
    if (!n.string_values.empty()) {  // most strings of such a node are listed: matched by their bytes
      if (const int at = ListedAt(n); at >= 0) {
        const feel::Value& v = n.string_values[static_cast<size_t>(at)];
        if (v.is_null()) return false;
        out = v;
        return true;
      }
    }
    std::string_view s;
    if (!zebra::json::fast::String(p_, end_, s)) return false;
    if (n.has_type && (n.type_bits & kStringBit) == 0) return false;
    if (!n.string_values.empty()) {  // a string of the node's list: checked once, for the schema
      if (const int at = n.string_table.Find(s); at >= 0) {
        const feel::Value& v = n.string_values[static_cast<size_t>(at)];
        if (v.is_null()) return false;
        out = v;
        return true;
      }
      if (n.strings_complete) return false;
    }
    if (n.has_const && !(n.const_value.is_string() && n.const_value.get_ref<const std::string&>() == s)) return false;
    if (n.has_enum && n.enum_table.Find(s) < 0) return false;
    if (!StringFits(s, n)) return false;
    out = feel::Value::String(std::string(s));
    return true;
  }

  // The position of the listed string (Node::string_names) whose bytes, between quotes, are at
  // `p_`, with `p_` moved past its closing quote; -1 with `p_` unmoved when there is none. Such a
  // string is printable ASCII without quote or backslash, so it is exactly what fast::String
  // reads there, and string_table.Find would give the same position.
  int ListedAt(const Node& n) {
    const auto room = static_cast<size_t>(end_ - p_);
    if (room < 3) return -1;
    for (uint8_t i = n.string_bucket[ListedBucket(p_[1], p_[2])]; i != Impl::Node::kNoListed; i = n.string_next[i]) {
      const std::string& name = n.string_names[i];
      const size_t length = name.size();
      if (room >= length + 2 && p_[length + 1] == '"' && SameBytes(p_ + 1, name.data(), length)) {
        p_ += length + 2;
        return i;
      }
    }
    return -1;
  }

  // A list: its items on the items' shapes (none: a list of scalars, as CaseValue converts
  // them without a node).
  bool Array(const Node& n, const internal::CaseNode* shapes, feel::Value& out) {
    if (n.has_type && (n.type_bits & kArrayBit) == 0) return false;
    if (n.has_const || n.has_enum || n.items < 0) return false;
    if (shapes && !shapes->items) return false;
    if (++depth_ > kMaxDepth) return false;
    const Node& item = impl_.nodes[static_cast<size_t>(n.items)];
    const internal::CaseNode* item_shapes = shapes ? shapes->items.get() : nullptr;
    ++p_;
    SkipSpace();
    feel::List list;
    if (p_ != end_ && *p_ == ']') {
      ++p_;
    } else {
      while (true) {
        list.emplace_back();
        if (!Value(item, item_shapes, list.back())) return false;
        const int next = AfterItem(']');
        if (next < 0) return false;
        if (next == 0) break;
      }
    }
    --depth_;
    auto count = static_cast<double>(list.size());
    if ((n.min_items.on && count < n.min_items.value) || (n.max_items.on && count > n.max_items.value)) return false;
    if (n.unique) {
      if (list.size() > kPairwiseItems) return false;
      for (size_t i = 0; i < list.size(); ++i) {
        if (!list[i].is(feel::Type::kString)) return false;
        for (size_t j = 0; j < i; ++j)
          if (list[i].string() == list[j].string()) return false;
      }
    }
    out = feel::Value::FromList(std::move(list));
    return true;
  }

  // An object of the schema: its fields by position in the object's family (the schema's
  // properties, sorted as the family is), found by one hash lookup each.
  bool Object(const Node& n, const internal::CaseNode* shapes, feel::Value& out) {
    if (!n.reader_object) return false;  // (the checks above it, made at load)
    if (!shapes || !shapes->family || shapes->fields.size() != n.reader_properties.size()) return false;
    if (++depth_ > kMaxDepth) return false;
    if (levels_.size() < depth_) levels_.push_back(std::make_unique<Slots>());
    Slots& slots = *levels_[depth_ - 1];
    uint64_t present = 0;
    // On the way out, declined or not, the slots this object filled are left empty.
    auto fail = [&] {
      for (uint64_t rest = present; rest != 0; rest &= rest - 1) slots[static_cast<size_t>(std::countr_zero(rest))] = {};
      return false;
    };
    ++p_;
    SkipSpace();
    size_t required_seen = 0;
    if (p_ != end_ && *p_ == '}') {
      ++p_;
    } else {
      // The key after the previous one (or the first) as this thread last saw it in such an
      // object: documents of one source keep their keys' order, so the key is mostly
      // recognised by comparing its bytes with that name, without scanning or hashing it.
      uint8_t* next_key = NextKeys(n);
      const Impl::Node::ReaderProperty* const properties = n.reader_properties.data();
      const size_t count = n.reader_properties.size();
      size_t previous = 0;  // 0: none yet; i + 1 after property i
      while (true) {
        int at = -1;
        if (next_key) {
          const size_t guess = next_key[previous];
          if (guess < count && properties[guess].plain) {
            // The name's bytes between quotes are what fast::String reads (the name is
            // printable ASCII without quote or backslash), so this is the key it would give.
            const size_t length = properties[guess].length;
            if (static_cast<size_t>(end_ - p_) >= length + 2 && p_[0] == '"' && p_[length + 1] == '"' &&
                SameBytes(p_ + 1, properties[guess].name, length)) {
              at = static_cast<int>(guess);
              p_ += length + 2;
            }
          }
        }
        if (at < 0) {
          at = KeyAt(n);
          if (at < 0) {
            std::string_view key;
            if (p_ == end_ || *p_ != '"' || !zebra::json::fast::String(p_, end_, key)) return fail();
            at = n.property_table.Find(key);
            if (at < 0) return fail();  // outside the schema (refused, or read the general way)
          }
          if (next_key) next_key[previous] = static_cast<uint8_t>(at);
        }
        const auto i = static_cast<size_t>(at);
        previous = i + 1;
        if (((present >> i) & 1) != 0) return fail();  // repeated: the general path names it
        SkipSpace();
        if (p_ == end_ || *p_ != ':') return fail();
        ++p_;
        SkipSpace();
        present |= uint64_t{1} << i;
        if (properties[i].required) ++required_seen;
        if (!FieldValue(properties[i], shapes->fields[i].get(), slots[i])) return fail();
        const int next = AfterItem('}');
        if (next < 0) return fail();
        if (next == 0) break;
      }
    }
    --depth_;
    if (required_seen != n.required_properties) return fail();
    if (present == 0) {  // as CaseValue converts an empty object
      feel::Context c;
      c.Reserve(0);
      out = feel::Value::FromContext(std::move(c));
      return true;
    }
    const feel::ContextShape* shape = shapes->subsets.Get(*shapes->family, present);
    if (!shape) return fail();
    // Built in its shared block (no finished Context moved into one), each value relocated
    // as its bytes (RelocateValues: the slot is left null) rather than moved by its kind.
    out = feel::MakeContextValue(shape, [&](feel::Context& c) {
      for (uint64_t rest = present; rest != 0; rest &= rest - 1)
        c.RelocateValues(&slots[static_cast<size_t>(std::countr_zero(rest))], 1);
    });
    return true;
  }

  // A field's value: a listed string or a short number read here, without Value's call and
  // dispatch (the same reads Value makes first for such a node: ListedAt, ShortNumber); any
  // other token, or one these do not take (`p_` unmoved), through Value.
  [[gnu::always_inline]] bool FieldValue(const Impl::Node::ReaderProperty& property,
                                         const internal::CaseNode* shapes, feel::Value& out) {
    if (p_ != end_) {
      const Node& n = *property.node;
      const char c = *p_;
      if (c == '"') {
        if (property.listed) {
          if (const int at = ListedAt(n); at >= 0) {
            const feel::Value& v = n.string_values[static_cast<size_t>(at)];
            if (v.is_null()) return false;
            out = v;
            return true;
          }
        }
      } else if (property.plain_scalar && ((c >= '0' && c <= '9') || c == '-')) {
        if (ShortNumber(n, out)) return true;
      }
    }
    return Value(*property.node, shapes, out);
  }

  // The position of the plain property name (ReaderProperty::plain) whose bytes, between quotes,
  // are at `p_`, with `p_` moved past its closing quote; -1 with `p_` unmoved when there is none.
  // Such a name is what fast::String reads there, so the position is the one
  // property_table.Find gives.
  int KeyAt(const Node& n) {
    const auto room = static_cast<size_t>(end_ - p_);
    if (room < 3 || *p_ != '"') return -1;
    const Impl::Node::ReaderProperty* const properties = n.reader_properties.data();
    for (uint8_t i = n.key_bucket[ListedBucket(p_[1], p_[2])]; i != Impl::Node::kNoListed; i = n.key_next[i]) {
      const size_t length = properties[i].length;
      if (room >= length + 2 && p_[length + 1] == '"' && SameBytes(p_ + 1, properties[i].name, length)) {
        p_ += length + 2;
        return i;
      }
    }
    return -1;
  }

  // This thread's guesses of the next key of the objects of `n` (see Object): kGuesses bytes,
  // [0] the first key's position, [i + 1] the key's after property i; null for an object of
  // more properties than a byte or the case's 64 bits of presence hold. Only guesses: each is
  // checked against the text, so another schema's (another knowledge base in this thread)
  // costs a lookup, never a wrong key.
  uint8_t* NextKeys(const Node& n) {
    if (n.reader_properties.size() > 64) return nullptr;
    const size_t node = n.index;
    const size_t need = (node + 1) * kGuesses;
    if (next_keys_.size() < need) next_keys_.resize(std::max(need, impl_.nodes.size() * kGuesses), 0xFF);
    return next_keys_.data() + node * kGuesses;
  }
  static constexpr size_t kGuesses = 65;

  const Impl& impl_;
  const char* p_;
  const char* end_;
  size_t depth_ = 0;
  static thread_local std::vector<uint8_t> next_keys_;
  // The fields of the objects being read, by position in their family: a level per depth, kept
  // by the thread from case to case (empty between objects).
  using Slots = std::array<feel::Value, 64>;
  static thread_local std::vector<std::unique_ptr<Slots>> levels_;
};

thread_local std::vector<std::unique_ptr<CaseReader::Slots>> CaseReader::levels_;
thread_local std::vector<uint8_t> CaseReader::next_keys_;

template <typename J>
std::vector<ValidationError> ValidateWith(const Impl& impl, const J& c) {
  std::vector<ValidationError> errors;
  // Only the case as ParseCase holds it takes the quick check; a plain-JSON case is always
  // validated by Run, so the differential test (ordered against plain) checks Passes too.
  if constexpr (std::is_same_v<J, ordered_json>) {
    try {
      if (TypeOf(c) == value_t::object && Passes<J>(impl).Check(c, impl.nodes[0])) return errors;
    } catch (const std::exception&) {
      // Run below reports it.
    }
  }
  try {
    value_t t = TypeOf(c);
    if (t != value_t::object) {
      errors.push_back({"$", "a case must be a JSON object, found " + TypeName(t), Compact(c), "an object"});
      return errors;
    }
    Run<J>(impl, errors).Validate(c, impl.nodes[0], nullptr);
  } catch (const std::exception& e) {
    // Defensive: nlohmann accessors are only used after type checks, so this is not expected.
    errors.push_back({"$", std::string("could not validate: ") + e.what(), "", ""});
  }
  return errors;
}

}  // namespace

CompiledCaseSchema::CompiledCaseSchema(const nlohmann::json& schema) {
  auto impl = std::make_unique<Impl>();
  impl->Compile(schema);
  PrepareReaderStrings(*impl);
  impl_ = std::move(impl);
}

CompiledCaseSchema::~CompiledCaseSchema() = default;
CompiledCaseSchema::CompiledCaseSchema(CompiledCaseSchema&&) noexcept = default;
CompiledCaseSchema& CompiledCaseSchema::operator=(CompiledCaseSchema&&) noexcept = default;

std::vector<ValidationError> CompiledCaseSchema::Validate(const nlohmann::json& c) const {
  return ValidateWith(*impl_, c);
}

std::vector<ValidationError> CompiledCaseSchema::Validate(const nlohmann::ordered_json& c) const {
  return ValidateWith(*impl_, c);
}

std::optional<feel::Value> CompiledCaseSchema::ReadPassing(std::string_view text,
                                                           const internal::CaseNode& shapes) const {
  if (text.size() > kMaxCaseBytes) return std::nullopt;
  feel::Value out;
  try {
    if (CaseReader(*impl_, text).Read(shapes, out)) return out;
  } catch (const std::exception&) {
    // The general path reports it.
  }
  return std::nullopt;
}

std::vector<ValidationError> ValidateCase(const nlohmann::json& c, const nlohmann::json& schema) {
  return CompiledCaseSchema(schema).Validate(c);
}

}  // namespace zebra::clinical
