// FEEL conversion functions (DMN 1.5 §10.3.4.1): date, date and time, time, number, string,
// duration, years and months duration, range.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "feel/builtins.h"
#include "feel/builtins_util.h"

namespace zebra::feel {
namespace {

constexpr int64_t kMaxYear = 999'999'999;  // the year range of FEEL date strings
constexpr int64_t kNanosPerSecond = 1'000'000'000;
// ISO 8601 / XML Schema offsets stay within ±18:00; larger ones are rejected like in strings.
constexpr int64_t kMaxOffsetSeconds = 18 * 3600;

// The exact integer value of a number argument, or nullopt for non-integers and non-numbers.
std::optional<int64_t> IntArg(const Value& v) {
  if (!v.is(Type::kNumber) || !v.number().IsInteger()) return std::nullopt;
  return v.number().ToInt64();
}

using builtins_internal::AnyNull;
using builtins_internal::Describe;

// fn(from) for the temporal kind `kind`, which fn names: null stays null, a value of the kind
// is itself, a string is parsed by `parse` (an invalid one is an error that quotes it) and made
// a value by `make`; `converted` is what any other kind becomes (nullopt: it cannot be).
template <class Parse, class Make>
Value TemporalFrom(std::string_view fn, Type kind, const Value& from, Parse parse, Make make,
                   std::optional<Value> converted, EvalContext& ctx) {
  const std::string name(fn);
  if (from.is_null()) return Value();
  if (from.is(kind)) return from;
  if (from.is(Type::kString)) {
    auto parsed = parse(from.string());
    if (!parsed) return ctx.Error(name + ": invalid " + name + " string \"" + from.string() + "\"");
    return make(*parsed);
  }
  if (converted) return *converted;
  return ctx.Error(name + ": cannot convert a " + Describe(from) + " to a " + name);
}

// date(from): from a date string, or the date part of a date and time.
Value DateFrom(std::span<const Value> args, EvalContext& ctx) {
  const Value& from = args[0];
  std::optional<Value> converted;
  if (from.is(Type::kDateTime)) converted = Value::FromDate(from.date_time().date);
  return TemporalFrom("date", Type::kDate, from, ParseDate, Value::FromDate, std::move(converted), ctx);
}

// date(year, month, day)
Value DateFromParts(std::span<const Value> args, EvalContext& ctx) {
  if (AnyNull(args)) return Value();
  auto y = IntArg(args[0]);
  auto m = IntArg(args[1]);
  auto d = IntArg(args[2]);
  if (!y || !m || !d) return ctx.Error("date: year, month and day must be integer numbers");
  if (*y < -kMaxYear || *y > kMaxYear || *m < 1 || *m > 12 || *d < 1 || *d > 31 ||
      !IsValidCivil(*y, static_cast<int>(*m), static_cast<int>(*d)))
    return ctx.Error("date: no such calendar date");
  return Value::FromDate(DateFromCivil(*y, static_cast<int>(*m), static_cast<int>(*d)));
}

// date and time(from): from a date and time string (a bare date string is midnight).
Value DateTimeFrom(std::span<const Value> args, EvalContext& ctx) {
  return TemporalFrom("date and time", Type::kDateTime, args[0], ParseDateTime, Value::FromDateTime, std::nullopt,
                      ctx);
}

// date and time(date, time): the date part of `date` with `time`, keeping the time's zone.
Value DateTimeFromParts(std::span<const Value> args, EvalContext& ctx) {
  if (AnyNull(args)) return Value();
  const Value& d = args[0];
  const Value& t = args[1];
  Date date;
  if (d.is(Type::kDate)) {
    date = d.date();
  } else if (d.is(Type::kDateTime)) {
    date = d.date_time().date;
  } else {
    return ctx.Error("date and time: 'date' must be a date or date and time, not a " + Describe(d));
  }
  if (!t.is(Type::kTime)) return ctx.Error("date and time: 'time' must be a time, not a " + Describe(t));
  return Value::FromDateTime(DateTime{date, t.time()});
}

// time(from): from a time string, or the time part of a date and time; a date is midnight UTC.
Value TimeFrom(std::span<const Value> args, EvalContext& ctx) {
  const Value& from = args[0];
  std::optional<Value> converted;
  if (from.is(Type::kDateTime)) {
    converted = Value::FromTime(from.date_time().time);
  } else if (from.is(Type::kDate)) {
    Time midnight_utc;
    midnight_utc.kind = ZoneKind::kOffset;
    midnight_utc.offset_seconds = 0;
    converted = Value::FromTime(midnight_utc);
  }
  return TemporalFrom("time", Type::kTime, from, ParseTime, Value::FromTime, std::move(converted), ctx);
}

// time(hour, minute, second, offset?): second may have a fraction; a null offset gives a local time.
Value TimeFromParts(std::span<const Value> args, EvalContext& ctx) {
  if (AnyNull(args.first(3))) return Value();
  auto h = IntArg(args[0]);
  auto m = IntArg(args[1]);
  if (!h || !m) return ctx.Error("time: hour and minute must be integer numbers");
  if (!args[2].is(Type::kNumber)) return ctx.Error("time: second must be a number");
  if (*h < 0 || *h > 23 || *m < 0 || *m > 59) return ctx.Error("time: hour or minute out of range");
  const Decimal& second = args[2].number();
  if (second.IsNegative() || second >= Decimal::FromInt(60)) return ctx.Error("time: second out of range");
  // Nanoseconds of the second, truncated: FEEL times carry nanosecond precision.
  auto scaled = second.Mul(Decimal::FromInt(kNanosPerSecond));
  if (!scaled) return ctx.Error("time: second out of range");
  auto second_nanos = scaled->Round(0, RoundingMode::kDown).ToInt64();
  if (!second_nanos) return ctx.Error("time: second out of range");
  Time t;
  t.nanos = ((*h * 60 + *m) * 60) * kNanosPerSecond + *second_nanos;
  if (args.size() > 3 && !args[3].is_null()) {
    const Value& off = args[3];
    if (!off.is(Type::kDaysTimeDuration)) return ctx.Error("time: offset must be a days and time duration");
    const DaysTimeDuration& d = off.days_time();
    if (d.nanos != 0 || d.seconds > kMaxOffsetSeconds || d.seconds < -kMaxOffsetSeconds)
      return ctx.Error("time: offset out of range");
    t.kind = ZoneKind::kOffset;
    t.offset_seconds = static_cast<int32_t>(d.seconds);
  }
  return Value::FromTime(t);
}

// number(from, grouping separator, decimal separator)
Value NumberImpl(const Value& from, const Value& grouping, const Value& decimal, EvalContext& ctx) {
  if (from.is_null()) return Value();
  if (!from.is(Type::kString)) return ctx.Error("number: 'from' must be a string, not a " + Describe(from));
  std::optional<char> group_sep;
  std::optional<char> dec_sep;
  if (!grouping.is_null()) {
    if (!grouping.is(Type::kString) || (grouping.string() != " " && grouping.string() != "," && grouping.string() != "."))
      return ctx.Error("number: grouping separator must be one of space, comma, period or null");
    group_sep = grouping.string()[0];
  }
  if (!decimal.is_null()) {
    if (!decimal.is(Type::kString) || (decimal.string() != "," && decimal.string() != "."))
      return ctx.Error("number: decimal separator must be one of comma, period or null");
    dec_sep = decimal.string()[0];
  }
  if (group_sep && dec_sep && *group_sep == *dec_sep)
    return ctx.Error("number: grouping and decimal separators must differ");
  const char point = dec_sep.value_or('.');
  // Normalise to a plain literal: -digits[.digits]. Exponents are not part of the accepted form.
  std::string text;
  const std::string& s = from.string();
  size_t i = 0;
  if (i < s.size() && s[i] == '-') text.push_back(s[i++]);
  size_t int_digits = 0;
  size_t frac_digits = 0;
  bool seen_point = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      text.push_back(c);
      (seen_point ? frac_digits : int_digits)++;
    } else if (group_sep && c == *group_sep && !seen_point && int_digits > 0) {
      continue;  // grouping separators only between integer digits
    } else if (c == point && !seen_point) {
      seen_point = true;
      text.push_back('.');
    } else {
      return ctx.Error("number: \"" + s + "\" is not a number with the given separators");
    }
  }
  if (int_digits + frac_digits == 0 || (seen_point && frac_digits == 0) || (group_sep && !s.empty() && s.back() == *group_sep))
    return ctx.Error("number: \"" + s + "\" is not a number with the given separators");
  auto d = Decimal::FromString(text);
  if (!d) return ctx.Error("number: \"" + s + "\" is out of range");
  return Value::Number(*d);
}

Value NumberFrom(std::span<const Value> args, EvalContext& ctx) { return NumberImpl(args[0], Value(), Value(), ctx); }
Value NumberFromSeparators(std::span<const Value> args, EvalContext& ctx) {
  return NumberImpl(args[0], args[1], args[2], ctx);
}

// string(from): the FEEL string form; string(null) is null.
Value StringFrom(std::span<const Value> args, EvalContext&) {
  if (args[0].is_null()) return Value();
  if (args[0].is(Type::kString)) return args[0];
  return Value::String(ToFeelString(args[0]));
}

// duration(from): a days and time or a years and months duration string.
Value DurationFrom(std::span<const Value> args, EvalContext& ctx) {
  const Value& from = args[0];
  switch (from.type()) {
    case Type::kNull: return Value();
    case Type::kString: {
      if (auto dt = ParseDaysTimeDuration(from.string())) return Value::Duration(*dt);
      if (auto ym = ParseYearsMonthsDuration(from.string())) return Value::Duration(*ym);
      return ctx.Error("duration: invalid duration string \"" + from.string() + "\"");
    }
    case Type::kDaysTimeDuration:
    case Type::kYearsMonthsDuration: return from;
    default: return ctx.Error("duration: cannot convert a " + Describe(from) + " to a duration");
  }
}

// Only the calendar date counts: 2014-12-31T23:59:59 to 2016-12-31T00:00:01 is two whole years,
// so times and zones are dropped before counting months.
std::optional<DateTime> AsDateTime(const Value& v) {
  if (v.is(Type::kDateTime)) return DateTime{v.date_time().date, Time{}};
  if (v.is(Type::kDate)) return DateTime{v.date(), Time{}};
  return std::nullopt;
}

// years and months duration(from, to): whole months from `from` to `to`, signed.
Value YearsMonthsBetween(std::span<const Value> args, EvalContext& ctx) {
  if (AnyNull(args)) return Value();
  auto from = AsDateTime(args[0]);
  auto to = AsDateTime(args[1]);
  if (!from || !to) return ctx.Error("years and months duration: 'from' and 'to' must be dates or dates and times");
  return Value::Duration(MonthsBetween(*from, *to));
}

// ---- range(from) --------------------------------------------------------------------------
// The endpoints of a range string must be literals (DMN 1.5 §10.3.4.1): numbers, strings,
// @"..." temporal literals, or date/time/date and time/duration of a string literal.

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// A whole FEEL string literal "..." → its text; nullopt when `s` is anything else.
std::optional<std::string> StringLiteral(std::string_view s) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return std::nullopt;
  std::string out;
  for (size_t i = 1; i + 1 < s.size(); ++i) {
    char c = s[i];
    if (c == '"') return std::nullopt;
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (++i + 1 >= s.size()) return std::nullopt;
    switch (s[i]) {
      case '"': out.push_back('"'); break;
      case '\'': out.push_back('\''); break;
      case '\\': out.push_back('\\'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      default: return std::nullopt;
    }
  }
  return out;
}

bool IsNumberLiteral(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  size_t digits = 0;
  bool point = false;
  for (; i < s.size(); ++i) {
    if (s[i] >= '0' && s[i] <= '9') {
      ++digits;
    } else if (s[i] == '.' && !point) {
      point = true;
    } else {
      return false;
    }
  }
  return digits > 0 && s.back() != '.';
}

// @"..." literal: whichever temporal form the text has.
std::optional<Value> TemporalLiteral(std::string_view text) {
  if (auto dt = ParseDateTime(text); dt && text.find('T') != std::string_view::npos) return Value::FromDateTime(*dt);
  if (auto d = ParseDate(text)) return Value::FromDate(*d);
  if (auto t = ParseTime(text)) return Value::FromTime(*t);
  if (auto dt = ParseDaysTimeDuration(text)) return Value::Duration(*dt);
  if (auto ym = ParseYearsMonthsDuration(text)) return Value::Duration(*ym);
  return std::nullopt;
}

std::optional<Value> EndpointLiteral(std::string_view s) {
  s = Trim(s);
  if (s.empty()) return std::nullopt;
  if (IsNumberLiteral(s)) {
    auto d = Decimal::FromString(s);
    if (!d) return std::nullopt;
    return Value::Number(*d);
  }
  if (s.front() == '"') {
    auto str = StringLiteral(s);
    if (!str) return std::nullopt;
    return Value::String(*str);
  }
  if (s.front() == '@') {
    auto str = StringLiteral(Trim(s.substr(1)));
    if (!str) return std::nullopt;
    return TemporalLiteral(*str);
  }
  // name("literal") for the four temporal conversion functions.
  size_t open = s.find('(');
  if (open == std::string_view::npos || s.back() != ')') return std::nullopt;
  std::string_view fn = Trim(s.substr(0, open));
  auto arg = StringLiteral(Trim(s.substr(open + 1, s.size() - open - 2)));
  if (!arg) return std::nullopt;
  if (fn == "date") {
    if (auto d = ParseDate(*arg)) return Value::FromDate(*d);
  } else if (fn == "time") {
    if (auto t = ParseTime(*arg)) return Value::FromTime(*t);
  } else if (fn == "date and time") {
    if (auto dt = ParseDateTime(*arg)) return Value::FromDateTime(*dt);
  } else if (fn == "duration") {
    if (auto dt = ParseDaysTimeDuration(*arg)) return Value::Duration(*dt);
    if (auto ym = ParseYearsMonthsDuration(*arg)) return Value::Duration(*ym);
  }
  return std::nullopt;
}

// The position of the ".." that separates the endpoints, skipping string literals.
std::optional<size_t> FindDots(std::string_view s) {
  bool in_string = false;
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    if (in_string) {
      if (s[i] == '\\') {
        ++i;
      } else if (s[i] == '"') {
        in_string = false;
      }
    } else if (s[i] == '"') {
      in_string = true;
    } else if (s[i] == '.' && s[i + 1] == '.') {
      return i;
    }
  }
  return std::nullopt;
}

Value RangeFrom(std::span<const Value> args, EvalContext& ctx) {
  const Value& from = args[0];
  if (from.is_null()) return Value();
  if (!from.is(Type::kString)) return ctx.Error("range: 'from' must be a string, not a " + Describe(from));
  std::string_view s = Trim(from.string());
  auto bad = [&] { return ctx.Error("range: \"" + from.string() + "\" is not a range literal"); };
  if (s.size() < 4) return bad();
  char first = s.front();
  char last = s.back();
  if ((first != '[' && first != '(' && first != ']') || (last != ']' && last != ')' && last != '[')) return bad();
  std::string_view body = s.substr(1, s.size() - 2);
  auto dots = FindDots(body);
  if (!dots) return bad();
  auto low = EndpointLiteral(body.substr(0, *dots));
  auto high = EndpointLiteral(body.substr(*dots + 2));
  if (!low || !high) return bad();
  auto order = Compare(*low, *high);
  if (!order) return ctx.Error("range: the endpoints of \"" + from.string() + "\" are not comparable");
  if (*order > 0) return ctx.Error("range: the start of \"" + from.string() + "\" is after its end");
  Range r;
  r.low = *low;
  r.high = *high;
  r.low_closed = first == '[';
  r.high_closed = last == ']';
  return Value::FromRange(std::move(r));
}

}  // namespace

void RegisterConversionBuiltins(BuiltinRegistrar& r) {
  r.Add("date", {{{"from"}, DateFrom}, {{"year", "month", "day"}, DateFromParts}});
  r.Add("date and time", {{{"from"}, DateTimeFrom}, {{"date", "time"}, DateTimeFromParts}});
  r.Add("time", {{{"from"}, TimeFrom},
                 {{"hour", "minute", "second"}, TimeFromParts},
                 {{"hour", "minute", "second", "offset"}, TimeFromParts}});
  r.Add("number", {{{"from"}, NumberFrom},
                   {{"from", "grouping separator", "decimal separator"}, NumberFromSeparators}});
  r.Add("string", {{{"from"}, StringFrom}});
  r.Add("duration", {{{"from"}, DurationFrom}});
  r.Add("years and months duration", {{{"from", "to"}, YearsMonthsBetween}});
  r.Add("range", {{{"from"}, RangeFrom}});
}

}  // namespace zebra::feel
