#include "json/feel_object.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <cstdint>
#include <algorithm>
#include <bit>
#include <exception>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/bytes.h"
#include "json/json_parse.h"

namespace zebra::json {
namespace {

using feel::Value;

// A SAX handler rather than nlohmann's DOM so that numbers keep the exact digits of the JSON text.
class FeelBuilder : public nlohmann::json_sax<nlohmann::json> {
 public:
  bool null() override { return Add(Value()); }
  bool boolean(bool b) override { return Add(Value::Bool(b)); }
  bool number_integer(number_integer_t v) override { return Add(Value::Number(static_cast<int64_t>(v))); }
  bool number_unsigned(number_unsigned_t v) override {
    auto d = feel::Decimal::FromString(std::to_string(v));
    return d ? Add(Value::Number(*d)) : Fail("number out of range");
  }
  bool number_float(number_float_t, const string_t& text) override {
    auto d = feel::Decimal::FromString(text);
    return d ? Add(Value::Number(*d)) : Fail("number out of range: " + text);
  }
  bool string(string_t& s) override { return Add(Value::String(std::move(s))); }
  bool binary(binary_t&) override { return Fail("binary values are not supported"); }
  bool start_object(std::size_t) override {
    stack_.push_back({true, {}, {}, {}});
    return true;
  }
  bool key(string_t& k) override {
    // Strict JSON: a repeated key would silently replace the first value.
    if (stack_.back().context.Find(k) != nullptr)
      return Fail("repeated key \"" + SanitizeUtf8(k, true) + "\" (each key may appear once)");
    stack_.back().key = std::move(k);
    return true;
  }
  bool end_object() override {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    return Add(Value::FromContext(std::move(f.context)));
  }
  bool start_array(std::size_t) override {
    stack_.push_back({false, {}, {}, {}});
    return true;
  }
  bool end_array() override {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    return Add(Value::FromList(std::move(f.list)));
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) override {
    return Fail(SanitizeUtf8(ex.what(), true));  // the message quotes input bytes
  }

  const Value& result() const { return result_; }
  const std::string& error() const { return error_; }

 private:
  struct Frame {
    bool object = false;
    feel::List list;
    feel::Context context;
    std::string key;
  };
  bool Add(Value v) {
    if (stack_.empty()) {
      result_ = std::move(v);
    } else if (stack_.back().object) {
      stack_.back().context.Put(std::move(stack_.back().key), std::move(v));
    } else {
      stack_.back().list.push_back(std::move(v));
    }
    return true;
  }
  bool Fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return false;
  }
  std::vector<Frame> stack_;
  Value result_;
  std::string error_;
};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// One high bit per byte of `w` that a plain string may not hold: a control character, DEL,
// a byte of 0x80 or more, '"' or '\\'. The lowest set bit is exact (the subtractions may only
// set bits above a byte that is really found), which is all the scanner reads.
inline uint64_t NotPlainMask(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  const auto zero_byte = [](uint64_t x) { return (x - kOnes) & ~x & kHigh; };
  const uint64_t below_space = (w - 0x20 * kOnes) & ~w & kHigh;
  return (w & kHigh) | below_space | zero_byte(w ^ (0x22 * kOnes)) | zero_byte(w ^ (0x5c * kOnes)) |
         zero_byte(w ^ (0x7f * kOnes));
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The flat-object scanner's cursor. Every helper answers false to leave the subset.
struct Scanner {
  const char* p;
  const char* end;

  [[gnu::always_inline]] void SkipSpace() {
    // Every JSON space is at most ' ': most calls find a token and stop at one compare.
    if (p < end && static_cast<unsigned char>(*p) > ' ') [[likely]] return;
    while (p < end && IsSpace(*p)) ++p;
  }
  // Where the scan goes on: to a member, past the object's end, or out of the flat subset (the
  // general parser then reads the line).
  enum class Next { kMember, kClosed, kOutside };
  // The start of an object: a member follows, or "{}" is closed, or the text is no object.
  Next OpenObject() {
    SkipSpace();
    if (p == end || *p != '{') return Next::kOutside;
    ++p;
    SkipSpace();
    if (p < end && *p == '}') {
      ++p;
      return Next::kClosed;
    }
    return Next::kMember;
  }
  // What follows a member's value: another member after ',', or the end after '}'.
  [[gnu::always_inline]] Next AfterValue() {
    // The usual case first: a ',' right after the value, then the next key's '"'.
    if (p < end && *p == ',') [[likely]] {
      ++p;
      SkipSpace();
      return Next::kMember;
    }
    // A value runs up to white space, ',' or '}': "1x" or "truex" leave the subset.
    if (p < end && !IsSpace(*p) && *p != ',' && *p != '}') return Next::kOutside;
    SkipSpace();
    if (p == end) return Next::kOutside;
    if (*p == '}') {
      ++p;
      return Next::kClosed;
    }
    if (*p != ',') return Next::kOutside;
    ++p;
    SkipSpace();
    return Next::kMember;
  }
  // A string of printable ASCII without escapes: its contents.
  [[gnu::always_inline]] bool String(std::string_view& out) {
    if (p == end || *p != '"') return false;
    const char* start = ++p;
    // Eight bytes at a time up to the first that is not plain (see PlainMask).
    while (end - p >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      if (const uint64_t m = NotPlainMask(w)) {
        p += std::countr_zero(m) / 8;
        break;
      }
      p += 8;
    }
    while (p < end) {
      const unsigned char c = static_cast<unsigned char>(*p);
      // Printable ASCII (0x20..0x7e) other than '"' and '\\' goes on; one compare for the range.
      if (static_cast<unsigned char>(c - 0x20) < 0x5f && c != '"' && c != '\\') [[likely]] {
        ++p;
        continue;
      }
      if (c != '"') return false;
      out = std::string_view(start, static_cast<size_t>(p - start));
      ++p;
      return true;
    }
    return false;
  }
  // RFC 8259 number: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?, with the conversions
  // the general parser makes (nlohmann: a negative integer that fits int64 comes as an integer,
  // every other number with its text).
  bool Number(Value& out) {
    const char* start = p;
    const bool negative = p < end && *p == '-';
    if (negative) ++p;
    if (p == end || !IsDigit(*p)) return false;
    // The digits as an integer while they fit (at most 18), for the short-number path below.
    uint64_t digits = 0;
    int count = 0;
    int fraction = 0;
    const auto take = [&] {
      digits = digits * 10 + static_cast<uint64_t>(*p - '0');
      ++count;
      ++p;
    };
    if (*p == '0') {
      ++p;
    } else {
      while (p < end && IsDigit(*p) && count < 19) take();
      while (p < end && IsDigit(*p)) ++p, ++count;
    }
    bool integer = true;
    if (p < end && *p == '.') {
      integer = false;
      ++p;
      if (p == end || !IsDigit(*p)) return false;
      while (p < end && IsDigit(*p) && count < 19) take(), ++fraction;
      while (p < end && IsDigit(*p)) ++p, ++count;
    }
    bool exponent = false;
    if (p < end && (*p == 'e' || *p == 'E')) {
      integer = false;
      exponent = true;
      ++p;
      if (p < end && (*p == '+' || *p == '-')) ++p;
      if (p == end || !IsDigit(*p)) return false;
      while (p < end && IsDigit(*p)) ++p;
    }
    if (!exponent && count <= 18) {
      // Short decimals ("60", "-0.5", "44.8"): the same value Decimal::FromString (or, for a
      // negative integer, FromInt) gives — both normalise to (coefficient, exponent) without
      // trailing zeros, and zero is never negative — without the conversions below.
      out = Value::Number(feel::Decimal::FromParts(negative && digits != 0, digits, -fraction));
      return true;
    }
    const std::string_view text(start, static_cast<size_t>(p - start));
    const char* text_end = text.data() + text.size();
    bool as_float = !integer;
    if (integer && negative) {
      int64_t v = 0;
      auto [ptr, ec] = std::from_chars(text.data(), text_end, v);
      if (ec == std::errc() && ptr == text_end) {
        out = Value::Number(v);
        return true;
      }
      as_float = true;
    } else if (integer) {
      uint64_t v = 0;
      auto [ptr, ec] = std::from_chars(text.data(), text_end, v);
      as_float = ec != std::errc() || ptr != text_end;
    }
    if (as_float) {
      // nlohmann reads floats (and integers past 64 bits) with strtod and refuses a result that
      // is not finite ("number overflow"), although the decimal would hold it: so must we.
      char buffer[64];
      if (text.size() >= sizeof buffer) return false;
      std::memcpy(buffer, text.data(), text.size());
      buffer[text.size()] = '\0';
      if (!std::isfinite(std::strtod(buffer, nullptr))) return false;
    }
    auto d = feel::Decimal::FromString(text);
    if (!d) return false;  // out of range: the general parser words the error
    out = Value::Number(*d);
    return true;
  }
  bool Literal(std::string_view word) {
    if (static_cast<size_t>(end - p) < word.size() || std::string_view(p, word.size()) != word) return false;
    p += word.size();
    return true;
  }
  bool Scalar(Value& out) {
    if (p == end) return false;
    switch (*p) {
      case '"': {
        std::string_view s;
        if (!String(s)) return false;
        out = Value::String(std::string(s));
        return true;
      }
      case 't': out = Value::Bool(true); return Literal("true");
      case 'f': out = Value::Bool(false); return Literal("false");
      case 'n': out = Value(); return Literal("null");
      default: return Number(out);  // objects, arrays, comments and the rest leave the subset
    }
  }
};

}  // namespace

bool ScanFlatFeelObject(std::string_view text, feel::Context& out) {
  Scanner s{text.data(), text.data() + text.size()};
  const Scanner::Next first = s.OpenObject();
  if (first == Scanner::Next::kOutside) return false;
  if (first == Scanner::Next::kMember) {
    for (;;) {
      std::string_view key;
      if (!s.String(key)) return false;
      if (out.Find(key) != nullptr) return false;  // repeated: the general parser reports it
      s.SkipSpace();
      if (s.p == s.end || *s.p != ':') return false;
      ++s.p;
      s.SkipSpace();
      Value v;
      if (!s.Scalar(v)) return false;
      out.Append(std::string(key), std::move(v));  // `out` is dropped when the line leaves the subset
      const Scanner::Next next = s.AfterValue();
      if (next == Scanner::Next::kOutside) return false;
      if (next == Scanner::Next::kClosed) break;
    }
  }
  s.SkipSpace();
  return s.p == s.end;
}

namespace {

// True when [p, end) starts with `"name"`.
inline bool MatchesAt(const char* p, const char* end, const std::string& name) {
  const size_t n = name.size();
  if (static_cast<size_t>(end - p) < n + 2 || p[0] != '"' || p[n + 1] != '"') return false;
  return SameBytes(p + 1, name.data(), n);
}

}  // namespace

SlotReader::SlotReader(std::vector<std::string> names)
    : names_(std::move(names)), seen_(names_.size(), 0), strings_(names_.size()) {
  for (const auto& n : names_) {
    bool plain = true;
    for (unsigned char c : n) plain = plain && c >= 0x20 && c <= 0x7e && c != '"' && c != '\\';
    plain_.push_back(plain);
  }
  for (size_t i = 0; i < names_.size() && usable_; ++i)
    for (size_t j = 0; j < i; ++j)
      if (names_[i] == names_[j]) usable_ = false;
}

uint32_t SlotReader::Lookup(std::string_view key, size_t position) {
  if (position < order_.size()) {
    const uint32_t hint = order_[position];
    if (hint != kNone && SameText(names_[hint], key)) [[likely]] return hint;
  }
  uint32_t slot = kNone;
  for (size_t i = 0; i < names_.size(); ++i)
    if (SameText(names_[i], key)) {
      slot = static_cast<uint32_t>(i);
      break;
    }
  if (position < order_.size()) order_[position] = slot;
  else if (position == order_.size()) order_.push_back(slot);
  return slot;
}

bool SlotReader::Read(std::string_view text, std::span<feel::Value> slots) {
  if (!usable_ || slots.size() != names_.size()) return false;
  if (++generation_ == 0) {  // wrapped: forget every mark
    std::fill(seen_.begin(), seen_.end(), 0);
    generation_ = 1;
  }
  unknown_.clear();
  Scanner s{text.data(), text.data() + text.size()};
  const Scanner::Next first = s.OpenObject();
  if (first == Scanner::Next::kOutside) return false;
  if (first == Scanner::Next::kMember) {
    for (size_t position = 0;; ++position) {
      std::string_view key;
      uint32_t slot = position < order_.size() ? order_[position] : kNone;
      // The key the previous line had here, compared in place: `"name"` (names with bytes a
      // plain string cannot hold never get here, see plain_).
      if (slot != kNone && plain_[slot] && MatchesAt(s.p, s.end, names_[slot])) {
        key = std::string_view(s.p + 1, names_[slot].size());
        s.p += names_[slot].size() + 2;
      } else {
        if (!s.String(key)) return false;
        slot = Lookup(key, position);
      }
      // A repeated key leaves the subset: the general parser reports it.
      if (slot != kNone) {
        if (seen_[slot] == generation_) return false;
        seen_[slot] = generation_;
      } else {
        for (std::string_view k : unknown_)
          if (k == key) return false;
        unknown_.push_back(key);
      }
      s.SkipSpace();
      if (s.p == s.end || *s.p != ':') return false;
      ++s.p;
      s.SkipSpace();
      if (s.p < s.end && *s.p == '"') {
        std::string_view str;
        if (!s.String(str)) return false;
        if (slot != kNone) {
          auto& recent = strings_[slot];
          const feel::StringPtr* shared = nullptr;
          for (const auto& r : recent)
            if (SameText(*r, str)) {
              shared = &r;
              break;
            }
          if (shared) {
            // The same string as the last line's (a code repeated down the column): nothing to do.
            Value& target = slots[slot];
            if (!target.is(feel::Type::kString) || target.string_ptr() != *shared) target = Value::String(*shared);
          } else {
            auto fresh = std::make_shared<const std::string>(str);
            // A column of few distinct values (codes, grades) is shared; free text is not kept.
            constexpr size_t kKept = 16;
            if (recent.size() < kKept) recent.push_back(fresh);
            slots[slot] = Value::String(std::move(fresh));
          }
        }
      } else if (!s.Scalar(slot != kNone ? slots[slot] : dropped_)) {
        return false;  // numbers of unknown keys are checked all the same
      }
      const Scanner::Next next = s.AfterValue();
      if (next == Scanner::Next::kOutside) return false;
      if (next == Scanner::Next::kClosed) break;
    }
  }
  s.SkipSpace();
  if (s.p != s.end) return false;
  for (size_t i = 0; i < slots.size(); ++i)
    if (seen_[i] != generation_) slots[i] = Value();
  return true;
}

tl::expected<feel::Context, std::string> ParseFeelObjectGeneral(std::string_view text) {
  FeelBuilder builder;
  bool ok = false;
  try {
    ok = nlohmann::json::sax_parse(text, &builder, nlohmann::json::input_format_t::json, true, true);
  } catch (const std::exception& e) {  // nlohmann may still throw on some malformed input
    return tl::unexpected(SanitizeUtf8(e.what(), true));
  }
  if (!ok) return tl::unexpected(builder.error().empty() ? std::string("invalid JSON") : builder.error());
  if (!builder.result().is(feel::Type::kContext)) return tl::unexpected(std::string("input must be a JSON object"));
  return builder.result().context();
}

tl::expected<feel::Context, std::string> ParseFeelObject(std::string_view text) {
  feel::Context fast;
  if (ScanFlatFeelObject(text, fast)) return fast;
  return ParseFeelObjectGeneral(text);
}

}  // namespace zebra::json
