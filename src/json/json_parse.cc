#include "json/json_parse.h"

#include <memory>
#include <unordered_map>
#include <vector>

#include "json/json_values.h"

namespace zebra::json {
namespace {

using Json = nlohmann::ordered_json;

// Length of the well-formed UTF-8 sequence at text[i], or 0.
std::size_t Utf8Length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  std::size_t n;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;  // no UTF-16 surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return n;
}

class StrictBuilder {
 public:
  explicit StrictBuilder(Json& root) : root_(root) {}

  bool null() { return Put(Json(nullptr)); }
  bool boolean(bool v) { return Put(Json(v)); }
  bool number_integer(Json::number_integer_t v) { return Put(Json(v)); }
  bool number_unsigned(Json::number_unsigned_t v) { return Put(Json(v)); }
  bool number_float(Json::number_float_t v, const std::string& /*text*/) { return Put(Json(v)); }
  bool string(std::string& v) { return Put(Json(std::move(v))); }
  bool binary(Json::binary_t& v) { return Put(Json::binary(std::move(v))); }
  bool start_object(std::size_t /*size*/) { return Open(Json::object()); }
  bool start_array(std::size_t /*size*/) { return Open(Json::array()); }
  bool end_object() { return Close(); }
  bool end_array() { return Close(); }

  bool key(std::string& k) {
    Level& level = stack_.back();
    auto& object = level.value->get_ref<Json::object_t&>();
    constexpr std::size_t kLinear = 16;
    bool repeated;
    if (!level.index && object.size() >= kLinear) {
      level.index = std::make_unique<std::unordered_map<std::string, std::size_t>>();
      for (std::size_t i = 0; i < object.size(); ++i)
        level.index->emplace(object.begin()[static_cast<std::ptrdiff_t>(i)].first, i);
    }
    if (level.index) {
      repeated = !level.index->emplace(k, object.size()).second;
    } else {
      repeated = std::any_of(object.begin(), object.end(), [&](const auto& member) { return member.first == k; });
    }
    if (repeated) {
      error_ = {Path(&k), "repeated key \"" + SanitizeUtf8(k, true) + "\" (each key may appear once)"};
      return false;
    }
    object.emplace_back(std::move(k), Json());
    return true;
  }

  template <typename Exception>
  bool parse_error(std::size_t position, const std::string& /*token*/, const Exception& ex) {
    // nlohmann's message quotes the bytes it read last: sanitised, so the message stays UTF-8.
    std::string what = ex.what();
    if (auto p = what.find("] "); what.rfind("[json.exception", 0) == 0 && p != std::string::npos)
      what = what.substr(p + 2);
    if (what.find("ill-formed UTF-8") != std::string::npos)
      what = "invalid UTF-8 in a string at byte " + std::to_string(position > 0 ? position - 1 : 0);
    error_ = {Path(nullptr), "not valid JSON: " + SanitizeUtf8(what, true)};
    return false;
  }

  const ParseError& error() const { return error_; }

 private:
  struct Level {
    Json* value;
    std::unique_ptr<std::unordered_map<std::string, std::size_t>> index;
  };

  // The path of the value being read (or of `key` in the innermost object).
  std::string Path(const std::string* key) const {
    std::string out;
    for (std::size_t i = 0; i < stack_.size(); ++i) {
      const Json& container = *stack_[i].value;
      const bool innermost = i + 1 == stack_.size();
      if (container.is_array()) {
        if (container.empty()) break;
        out += "[" + std::to_string(container.size() - 1) + "]";
      } else {
        const auto& object = container.get_ref<const Json::object_t&>();
        std::string name;
        if (innermost && key) name = *key;
        else if (!object.empty()) name = object.back().first;
        else break;
        if (!out.empty()) out += '.';
        out += SanitizeUtf8(name, true);
      }
      if (innermost) break;
    }
    return out.empty() ? "$" : out;
  }

  Json& Slot() {
    if (stack_.empty()) return root_;
    Level& level = stack_.back();
    if (level.value->is_array()) {
      auto& list = level.value->get_ref<Json::array_t&>();
      list.emplace_back();
      return list.back();
    }
    return level.value->get_ref<Json::object_t&>().back().second;
  }

  bool Put(Json v) {
    Slot() = std::move(v);
    return true;
  }

  bool Open(Json container) {
    Json& slot = Slot();
    slot = std::move(container);
    stack_.push_back({&slot, nullptr});
    return true;
  }

  bool Close() {
    stack_.pop_back();
    return true;
  }

  Json& root_;
  std::vector<Level> stack_;
  ParseError error_;
};

}  // namespace

tl::expected<Json, ParseError> ParseStrict(std::string_view text, const ParseLimits& limits) {
  if (text.size() > limits.max_bytes)
    return tl::unexpected(ParseError{"$", "larger than " + std::to_string(limits.max_bytes) + " bytes"});
  if (NestingDepth(text) > limits.max_depth)
    return tl::unexpected(ParseError{"$", "JSON nested deeper than " + std::to_string(limits.max_depth) + " levels"});
  Json root;
  StrictBuilder builder(root);
  bool ok = false;
  try {
    ok = Json::sax_parse(text, &builder);
  } catch (const Json::exception& e) {  // defensive: the builder reports errors without throwing
    return tl::unexpected(ParseError{"$", "not valid JSON: " + SanitizeUtf8(e.what(), true)});
  }
  if (!ok) return tl::unexpected(builder.error());
  return root;
}

std::string SanitizeUtf8(std::string_view text, bool controls) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = Utf8Length(text, i);
    if (n == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    if (controls) {
      const auto c = static_cast<unsigned char>(text[i]);
      const bool c0 = n == 1 && (c < 0x20 || c == 0x7F) && c != '\t' && c != '\n';
      const bool c1 = n == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0;
      if (c0 || c1) {
        out += kReplacement;
        i += n;
        continue;
      }
    }
    out.append(text.substr(i, n));
    i += n;
  }
  return out;
}

}  // namespace zebra::json
