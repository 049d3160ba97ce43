#include "json/json_parse.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <unordered_map>
#include <utility>
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

}  // namespace

namespace fast {

// A string of printable ASCII without escapes, so its bytes are its value; `p` at its opening
// quote, past its closing one after.
bool String(const char*& p, const char* end, std::string_view& out) {
  const char* const start = p + 1;
  const char* q = start;
  // Eight bytes at a time: the first of them that is a quote, a backslash, a control character
  // or a byte >= 0x80 is the lowest flagged one (each test may also flag bytes above a true hit,
  // never below one), and ends the string; with no such byte among the eight, on to the next.
  if constexpr (std::endian::native == std::endian::little) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
    auto has_zero = [](std::uint64_t w) { return (w - kOnes) & ~w & kHighs; };
    while (end - q >= 8) {
      std::uint64_t w;
      std::memcpy(&w, q, 8);
      const std::uint64_t stop = (w & kHighs) | ((w - 0x20 * kOnes) & ~w & kHighs) | has_zero(w ^ ('"' * kOnes)) |
                                 has_zero(w ^ ('\\' * kOnes));
      if (stop == 0) {
        q += 8;
        continue;
      }
      q += std::countr_zero(stop) / 8;
      if (*q != '"') return false;
      out = std::string_view(start, static_cast<std::size_t>(q - start));
      p = q + 1;
      return true;
    }
  }
  for (; q != end; ++q) {
    const auto c = static_cast<unsigned char>(*q);
    if (c == '"') {
      out = std::string_view(start, static_cast<std::size_t>(q - start));
      p = q + 1;
      return true;
    }
    if (c < 0x20 || c >= 0x80 || c == '\\') return false;
  }
  return false;
}

// A number by RFC 8259's grammar, typed as nlohmann's lexer types it: an integer token is
// number_integer when negative, number_unsigned otherwise (at most 18 digits here, so it never
// overflows); any other token is number_float, the value std::strtod gives (exactly, by
// Clinger's fast path when the digits and the power of ten are exact doubles), refused when
// not finite as nlohmann's parser refuses it.
bool Number(const char*& p, const char* end, Json& out) {
  const char* start = p;
  const bool negative = *p == '-';
  if (negative) ++p;
  if (p == end || *p < '0' || *p > '9') return false;
  std::uint64_t mantissa = 0;
  int digits = 0;      // significant digits in `mantissa` (leading zeros not counted)
  int int_digits = 0;  // digits of the integer part
  if (*p == '0') {
    ++p;
    int_digits = 1;
    if (p != end && *p >= '0' && *p <= '9') return false;  // no leading zeros
  } else {
    while (p != end && *p >= '0' && *p <= '9') {
      if (digits < 19) mantissa = mantissa * 10 + static_cast<unsigned>(*p - '0');
      ++digits;
      ++int_digits;
      ++p;
    }
  }
  const bool integer = p == end || (*p != '.' && *p != 'e' && *p != 'E');
  if (integer) {
    if (int_digits > 18) return false;
    if (negative) out = Json(static_cast<Json::number_integer_t>(-static_cast<std::int64_t>(mantissa)));
    else out = Json(static_cast<Json::number_unsigned_t>(mantissa));
    return true;
  }
  int scale = 0;  // the power of ten of the last mantissa digit
  if (*p == '.') {
    ++p;
    if (p == end || *p < '0' || *p > '9') return false;
    while (p != end && *p >= '0' && *p <= '9') {
      if (digits < 19 && (digits > 0 || *p != '0')) {
        mantissa = mantissa * 10 + static_cast<unsigned>(*p - '0');
        ++digits;
      } else if (digits > 0) {
        ++digits;  // past 19 digits: strtod below
      }
      --scale;
      ++p;
    }
  }
  int exponent = 0;
  bool exponent_exact = true;
  if (p != end && (*p == 'e' || *p == 'E')) {
    ++p;
    bool exponent_negative = false;
    if (p != end && (*p == '+' || *p == '-')) exponent_negative = *p++ == '-';
    if (p == end || *p < '0' || *p > '9') return false;
    int exponent_digits = 0;
    while (p != end && *p >= '0' && *p <= '9') {
      if (exponent_digits < 6) exponent = exponent * 10 + (*p - '0');
      ++exponent_digits;
      ++p;
    }
    if (exponent_digits >= 6) exponent_exact = false;
    if (exponent_negative) exponent = -exponent;
  }
  double value;
  const int power = scale + exponent;
  static constexpr double kPowers[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  if (exponent_exact && digits <= 15 && power >= -22 && power <= 22) {
    // Both operands are exact doubles, so one correctly rounded operation gives the correctly
    // rounded value, which is what strtod returns.
    const double m = static_cast<double>(mantissa);
    value = power >= 0 ? m * kPowers[power] : m / kPowers[-power];
    if (negative) value = -value;
  } else {
    const std::size_t n = static_cast<std::size_t>(p - start);
    char buffer[64];
    if (n >= sizeof buffer) return false;
    std::memcpy(buffer, start, n);
    buffer[n] = '\0';
    char* parsed_end = nullptr;
    value = std::strtod(buffer, &parsed_end);
    if (parsed_end != buffer + n) return false;
  }
  if (!std::isfinite(value)) return false;
  out = Json(value);
  return true;
}

}  // namespace fast

namespace {

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


// The fast reader behind ParseFast: one pass over the bytes, building the same tree the SAX
// path builds. It reads only what it can read exactly as nlohmann's lexer does and declines
// (returns false) at anything else — a string with an escape, a control character or a byte
// >= 0x80, an integer of more than 18 digits, more than kMaxMembers keys in one object, nesting
// deeper than the limit, a repeated key and every syntax error — so the general path answers
// every input it declines, with its own messages.
class FastReader {
 public:
  FastReader(std::string_view text, std::size_t max_depth)
      : p_(text.data()), end_(text.data() + text.size()), max_depth_(max_depth) {}

  bool Read(Json& out) {
    SkipSpace();
    out = Value();
    if (failed_) return false;
    SkipSpace();
    return p_ == end_;
  }

 private:
  static constexpr std::size_t kMaxMembers = 64;  // beyond: the general path's hash index

  static bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }
  void SkipSpace() {
    while (p_ != end_ && IsSpace(*p_)) ++p_;
  }
  // Marks the text as declined; the value returned with it is never used.
  Json Fail() {
    failed_ = true;
    return Json();
  }

  Json Value() {
    if (p_ == end_) return Fail();
    switch (*p_) {
      case '{': return Object();
      case '[': return Array();
      case '"': {
        std::string_view s;
        if (!String(s)) return Fail();
        return Json(std::string(s));
      }
      case 't': return Literal("true", 4) ? Json(true) : Fail();
      case 'f': return Literal("false", 5) ? Json(false) : Fail();
      case 'n': return Literal("null", 4) ? Json(nullptr) : Fail();
      default: {
        Json number;
        return fast::Number(p_, end_, number) ? std::move(number) : Fail();
      }
    }
  }

  bool Literal(const char* word, std::size_t n) {
    if (static_cast<std::size_t>(end_ - p_) < n || std::memcmp(p_, word, n) != 0) return false;
    p_ += n;
    return true;
  }

  bool String(std::string_view& out) { return fast::String(p_, end_, out); }

  // After a member or an element: a comma (and the space after it) to go on, or `close`.
  enum class Next { kMore, kEnd, kFail };
  [[gnu::always_inline]] Next AfterItem(char close) {
    SkipSpace();
    if (p_ == end_) return Next::kFail;
    if (*p_ == ',') {
      ++p_;
      SkipSpace();
      return Next::kMore;
    }
    if (*p_ != close) return Next::kFail;
    ++p_;
    return Next::kEnd;
  }

  Json Object() {
    if (++depth_ > max_depth_) return Fail();
    ++p_;
    SkipSpace();
    const std::size_t base = members_.size();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
      --depth_;
      return Json(Json::value_t::object);
    }
    while (true) {
      std::string_view key;
      if (p_ == end_ || *p_ != '"' || !String(key)) return Fail();
      for (std::size_t i = base; i < members_.size(); ++i)
        if (members_[i].first == key) return Fail();  // repeated: the general path names it
      if (members_.size() - base >= kMaxMembers) return Fail();
      SkipSpace();
      if (p_ == end_ || *p_ != ':') return Fail();
      ++p_;
      SkipSpace();
      members_.emplace_back(key, Value());
      if (failed_) return Json();
      const Next next = AfterItem('}');
      if (next == Next::kFail) return Fail();
      if (next == Next::kEnd) break;
    }
    // The members moved into an object reserved once (growing it would copy them: the keys
    // are const there).
    Json out(Json::value_t::object);
    auto& object = out.get_ref<Json::object_t&>();
    object.reserve(members_.size() - base);
    for (std::size_t i = base; i < members_.size(); ++i)
      object.emplace_back(std::string(members_[i].first), std::move(members_[i].second));
    members_.resize(base);
    --depth_;
    return out;
  }

  Json Array() {
    if (++depth_ > max_depth_) return Fail();
    ++p_;
    SkipSpace();
    Json out(Json::value_t::array);
    if (p_ != end_ && *p_ == ']') {
      ++p_;
      --depth_;
      return out;
    }
    auto& list = out.get_ref<Json::array_t&>();
    while (true) {
      list.push_back(Value());
      if (failed_) return Json();
      const Next next = AfterItem(']');
      if (next == Next::kFail) return Fail();
      if (next == Next::kEnd) break;
    }
    --depth_;
    return out;
  }

  const char* p_;
  const char* end_;
  std::size_t depth_ = 0;
  std::size_t max_depth_;
  bool failed_ = false;
  // The members of the objects being read, innermost last; a key's bytes are its text's.
  std::vector<std::pair<std::string_view, Json>> members_;
};

}  // namespace

std::optional<Json> ParseFast(std::string_view text, const ParseLimits& limits) {
  if (text.size() > limits.max_bytes) return std::nullopt;
  Json root;
  FastReader reader(text, std::min<std::size_t>(limits.max_depth, 64));
  if (!reader.Read(root)) return std::nullopt;
  return root;
}

tl::expected<Json, ParseError> ParseStrict(std::string_view text, const ParseLimits& limits) {
  if (auto fast = ParseFast(text, limits)) return std::move(*fast);
  return ParseStrictGeneral(text, limits);
}

tl::expected<Json, ParseError> ParseStrictGeneral(std::string_view text, const ParseLimits& limits) {
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
