// FEEL string functions (DMN 1.5 §10.3.4.3): substring, string length, upper case, lower case,
// substring before/after, replace, contains, starts with, ends with, matches, split, string join.
// Positions and lengths count Unicode code points, not bytes; the regex functions follow
// XQuery/XPath (see regex.h).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "feel/builtins.h"
#include "feel/utf8.h"
#include "feel/builtins_util.h"
#include "feel/regex.h"

namespace zebra::feel {
namespace {

bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Byte offset where each code point starts, plus the end; malformed bytes count as one each.
std::vector<size_t> CodePointStarts(const std::string& s) {
  std::vector<size_t> starts;
  starts.reserve(s.size() + 1);
  for (size_t i = 0; i < s.size(); ++i)
    if (!IsContinuation(s[i]) || i == 0) starts.push_back(i);
  starts.push_back(s.size());
  return starts;
}

size_t CodePointCount(const std::string& s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++i)
    if (!IsContinuation(s[i]) || i == 0) ++n;
  return n;
}

// Decodes one code point at s[i]; advances i. Malformed bytes come back as themselves.
char32_t NextCodePoint(const std::string& s, size_t& i) {
  auto b = static_cast<unsigned char>(s[i]);
  int extra = b < 0x80 ? 0 : (b & 0xE0) == 0xC0 ? 1 : (b & 0xF0) == 0xE0 ? 2 : (b & 0xF8) == 0xF0 ? 3 : -1;
  if (extra == 0) {
    ++i;
    return b;
  }
  if (extra < 0 || i + static_cast<size_t>(extra) >= s.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t cp = b & (0x3F >> extra);
  for (int k = 1; k <= extra; ++k) {
    auto c = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
    if ((c & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  i += static_cast<size_t>(extra) + 1;
  return cp;
}

// Simple case mappings for the Latin, Greek, Cyrillic and Armenian alphabets and fullwidth
// Latin; other scripts are returned unchanged (a full Unicode table is not worth its size here).
bool InPairRange(char32_t c) {
  return (c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177) || (c >= 0x460 && c <= 0x481) ||
         (c >= 0x48A && c <= 0x4BF) || (c >= 0x1E00 && c <= 0x1E95) || (c >= 0x1EA0 && c <= 0x1EFF);
}
bool InOddPairRange(char32_t c) { return (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E); }

char32_t ToUpper(char32_t c) {
  if (c >= 'a' && c <= 'z') return c - 32;
  if (c < 0x80) return c;
  if ((c >= 0xE0 && c <= 0xFE && c != 0xF7)) return c - 32;
  if (c == 0xFF) return 0x178;
  if (c == 0xB5) return 0x39C;
  if (c == 0x131) return 'I';
  if (c == 0x17F) return 'S';
  if (InPairRange(c)) return (c % 2 == 1) ? c - 1 : c;
  if (InOddPairRange(c)) return (c % 2 == 0) ? c - 1 : c;
  if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) return c - 32;
  if (c == 0x3C2) return 0x3A3;
  if (c == 0x3AC) return 0x386;
  if (c >= 0x3AD && c <= 0x3AF) return c - 37;
  if (c == 0x3CC) return 0x38C;
  if (c == 0x3CD || c == 0x3CE) return c - 63;
  if (c >= 0x430 && c <= 0x44F) return c - 32;
  if (c >= 0x450 && c <= 0x45F) return c - 80;
  if (c >= 0x561 && c <= 0x586) return c - 48;
  if (c >= 0xFF41 && c <= 0xFF5A) return c - 32;
  return c;
}

char32_t ToLower(char32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c < 0x80) return c;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
  if (c == 0x178) return 0xFF;
  if (c == 0x130) return 'i';
  if (InPairRange(c)) return (c % 2 == 0) ? c + 1 : c;
  if (InOddPairRange(c)) return (c % 2 == 1) ? c + 1 : c;
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
  if (c == 0x386) return 0x3AC;
  if (c >= 0x388 && c <= 0x38A) return c + 37;
  if (c == 0x38C) return 0x3CC;
  if (c == 0x38E || c == 0x38F) return c + 63;
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  if (c >= 0x531 && c <= 0x556) return c + 48;
  if (c >= 0xFF21 && c <= 0xFF3A) return c + 32;
  return c;
}

std::string MapCase(const std::string& s, bool upper) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    char32_t c = NextCodePoint(s, i);
    if (upper && c == 0xDF) {  // ß has no single upper-case letter: full mapping "SS"
      out += "SS";
      continue;
    }
    AppendUtf8(out, upper ? ToUpper(c) : ToLower(c));
  }
  return out;
}

using builtins_internal::AnyNull;
using builtins_internal::Describe;

// All arguments must be strings (null already handled). Reports which one is wrong.
bool RequireStrings(std::string_view fn, std::span<const Value> args, EvalContext& ctx) {
  for (const Value& a : args) {
    if (!a.is(Type::kString)) {
      ctx.Error(std::string(fn) + ": expected a string, got a " + Describe(a));
      return false;
    }
  }
  return true;
}

// substring(string, start position[, length])
Value Substring(std::span<const Value> args, EvalContext& ctx) {
  if (AnyNull(args)) return Value();
  if (!args[0].is(Type::kString)) return ctx.Error("substring: expected a string, got a " + Describe(args[0]));
  auto start = builtins_internal::TruncatedInt(args[1]);
  if (!start) return ctx.Error("substring: start position must be a number");
  const std::string& s = args[0].string();
  auto starts = CodePointStarts(s);
  const int64_t len = static_cast<int64_t>(starts.size()) - 1;
  int64_t first = *start;
  // Negative positions count from the end: -1 is the last character.
  if (first < 0) first = len + first + 1;
  // A start before the first character keeps only positions >= 1 of [start, start + length),
  // as XPath fn:substring does.
  int64_t end = len + 1;  // exclusive, 1-based
  if (args.size() > 2) {
    auto length = builtins_internal::TruncatedInt(args[2]);
    if (!length) return ctx.Error("substring: length must be a number");
    if (*length < 0) return ctx.Error("substring: length must not be negative");
    end = std::min(end, first + *length);
  }
  int64_t from = std::max<int64_t>(first, 1);
  if (from >= end || from > len) return Value::String(std::string());
  size_t b = starts[static_cast<size_t>(from - 1)];
  size_t e = starts[static_cast<size_t>(end - 1)];
  return Value::String(s.substr(b, e - b));
}

Value StringLength(std::span<const Value> args, EvalContext& ctx) {
  if (args[0].is_null()) return Value();
  if (!RequireStrings("string length", args, ctx)) return Value();
  return Value::Number(static_cast<int64_t>(CodePointCount(args[0].string())));
}

Value UpperCase(std::span<const Value> args, EvalContext& ctx) {
  if (args[0].is_null()) return Value();
  if (!RequireStrings("upper case", args, ctx)) return Value();
  return Value::String(MapCase(args[0].string(), true));
}

Value LowerCase(std::span<const Value> args, EvalContext& ctx) {
  if (args[0].is_null()) return Value();
  if (!RequireStrings("lower case", args, ctx)) return Value();
  return Value::String(MapCase(args[0].string(), false));
}

Value SubstringBefore(std::span<const Value> args, EvalContext& ctx) {
  if (AnyNull(args)) return Value();
  if (!RequireStrings("substring before", args, ctx)) return Value();
  const std::string& s = args[0].string();
  size_t at = s.find(args[1].string());
  if (at == std::string::npos) return Value::String(std::string());
  return Value::String(s.substr(0, at));
}

Value SubstringAfter(std::span<const Value> args, EvalContext& ctx) {
  if (AnyNull(args)) return Value();
  if (!RequireStrings("substring after", args, ctx)) return Value();
  const std::string& s = args[0].string();
  const std::string& m = args[1].string();
  size_t at = s.find(m);
  if (at == std::string::npos) return Value::String(std::string());
  return Value::String(s.substr(at + m.size()));
}

Value Contains(std::span<const Value> args, EvalContext& ctx) {
  if (AnyNull(args)) return Value();
  if (!RequireStrings("contains", args, ctx)) return Value();
  return Value::Bool(args[0].string().find(args[1].string()) != std::string::npos);
}

Value StartsWith(std::span<const Value> args, EvalContext& ctx) {
  if (AnyNull(args)) return Value();
  if (!RequireStrings("starts with", args, ctx)) return Value();
  return Value::Bool(std::string_view(args[0].string()).starts_with(args[1].string()));
}

Value EndsWith(std::span<const Value> args, EvalContext& ctx) {
  if (AnyNull(args)) return Value();
  if (!RequireStrings("ends with", args, ctx)) return Value();
  return Value::Bool(std::string_view(args[0].string()).ends_with(args[1].string()));
}

// The optional flags argument: absent or null means no flags.
std::optional<std::string> FlagsArg(std::string_view fn, std::span<const Value> args, size_t i,
                                    EvalContext& ctx) {
  if (args.size() <= i || args[i].is_null()) return std::string();
  if (!args[i].is(Type::kString)) {
    ctx.Error(std::string(fn) + ": flags must be a string, got a " + Describe(args[i]));
    return std::nullopt;
  }
  return args[i].string();
}

std::shared_ptr<const XPathRegex> CompileArg(std::string_view fn, const std::string& pattern,
                                             const std::string& flags, EvalContext& ctx) {
  auto re = XPathRegex::Compile(pattern, flags);
  if (!re) {
    ctx.Error(std::string(fn) + ": " + re.error());
    return nullptr;
  }
  return *re;
}

// matches(input, pattern[, flags])
Value Matches(std::span<const Value> args, EvalContext& ctx) {
  if (args[0].is_null() || args[1].is_null()) return Value();
  if (!RequireStrings("matches", args.first(2), ctx)) return Value();
  auto flags = FlagsArg("matches", args, 2, ctx);
  if (!flags) return Value();
  auto re = CompileArg("matches", args[1].string(), *flags, ctx);
  if (!re) return Value();
  return Value::Bool(re->Search(args[0].string()));
}

// replace(input, pattern, replacement[, flags])
Value Replace(std::span<const Value> args, EvalContext& ctx) {
  if (args[0].is_null() || args[1].is_null() || args[2].is_null()) return Value();
  if (!RequireStrings("replace", args.first(3), ctx)) return Value();
  auto flags = FlagsArg("replace", args, 3, ctx);
  if (!flags) return Value();
  auto re = CompileArg("replace", args[1].string(), *flags, ctx);
  if (!re) return Value();
  auto out = re->Replace(args[0].string(), args[2].string());
  if (!out) return ctx.Error(out.error());
  return Value::String(std::move(*out));
}

// split(string, delimiter): the delimiter is a pattern (fn:tokenize).
Value Split(std::span<const Value> args, EvalContext& ctx) {
  if (AnyNull(args)) return Value();
  if (!RequireStrings("split", args, ctx)) return Value();
  auto re = CompileArg("split", args[1].string(), "", ctx);
  if (!re) return Value();
  auto parts = re->Split(args[0].string());
  if (!parts) return ctx.Error(parts.error());
  List out;
  out.reserve(parts->size());
  for (auto& p : *parts) out.push_back(Value::String(std::move(p)));
  return Value::FromList(std::move(out));
}

// string join(list[, delimiter]): null items are skipped.
Value StringJoin(std::span<const Value> args, EvalContext& ctx) {
  if (args[0].is_null()) return Value();
  std::string delimiter;
  if (args.size() > 1 && !args[1].is_null()) {
    if (!args[1].is(Type::kString)) return ctx.Error("string join: delimiter must be a string");
    delimiter = args[1].string();
  }
  // A single string where a list is expected is a singleton list (DMN 1.5 §10.3.2.9.4).
  List single;
  const List* items = &single;
  if (args[0].is(Type::kList)) {
    items = &args[0].list();
  } else {
    single.push_back(args[0]);
  }
  std::string out;
  bool first = true;
  for (const Value& v : *items) {
    if (v.is_null()) continue;
    if (!v.is(Type::kString)) return ctx.Error("string join: list items must be strings, got a " + Describe(v));
    if (!first) out += delimiter;
    first = false;
    out += v.string();
  }
  return Value::String(std::move(out));
}

using builtins_internal::U;

}  // namespace

void RegisterStringBuiltins(BuiltinRegistrar& r) {
  // U<>: every parameter but string join's list is a single value.
  r.Add("substring", {{{"string", "start position"}, U<Substring>},
                      {{"string", "start position", "length"}, U<Substring>}});
  r.Add("string length", {{{"string"}, U<StringLength>}});
  r.Add("upper case", {{{"string"}, U<UpperCase>}});
  r.Add("lower case", {{{"string"}, U<LowerCase>}});
  r.Add("substring before", {{{"string", "match"}, U<SubstringBefore>}});
  r.Add("substring after", {{{"string", "match"}, U<SubstringAfter>}});
  r.Add("replace", {{{"input", "pattern", "replacement"}, U<Replace>},
                    {{"input", "pattern", "replacement", "flags"}, U<Replace>}});
  r.Add("contains", {{{"string", "match"}, U<Contains>}});
  r.Add("starts with", {{{"string", "match"}, U<StartsWith>}});
  r.Add("ends with", {{{"string", "match"}, U<EndsWith>}});
  r.Add("matches", {{{"input", "pattern"}, U<Matches>}, {{"input", "pattern", "flags"}, U<Matches>}});
  r.Add("split", {{{"string", "delimiter"}, U<Split>}});
  r.Add("string join", {{{"list"}, StringJoin}, {{"list", "delimiter"}, StringJoin}});
}

}  // namespace zebra::feel
