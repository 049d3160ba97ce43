// FEEL temporal built-ins (DMN 1.5 §10.3.4.7 and §10.3.4.8): is, day of year, day of week,
// month of year, week of year, now, today.
#include <array>
#include <chrono>
#include <optional>
#include <string>

#include "feel/builtins.h"

namespace zebra::feel {
namespace {

constexpr std::array<const char*, 7> kDayNames = {"Monday", "Tuesday", "Wednesday", "Thursday",
                                                  "Friday", "Saturday", "Sunday"};
constexpr std::array<const char*, 12> kMonthNames = {"January", "February", "March",     "April",
                                                     "May",     "June",     "July",      "August",
                                                     "September", "October", "November", "December"};

// Same time of day and the same zone notation: 10:00Z is 10:00+00:00, but neither is
// 10:00@Etc/UTC, nor 11:00+01:00 (same instant, different element of the domain).
bool SameTime(const Time& a, const Time& b) {
  if (a.nanos != b.nanos || a.kind != b.kind) return false;
  switch (a.kind) {
    case ZoneKind::kLocal: return true;
    case ZoneKind::kOffset: return a.offset_seconds == b.offset_seconds;
    case ZoneKind::kZone: return a.zone == b.zone || (a.zone && b.zone && a.zone->id == b.zone->id);
  }
  return false;
}

bool Is(const Value& a, const Value& b);

bool SameEndpoint(const Value& a, const Value& b) { return Is(a, b); }

// is(value1, value2): the same element of the FEEL semantic domain (DMN 1.5 §10.3.4.7).
bool Is(const Value& a, const Value& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Type::kTime: return SameTime(a.time(), b.time());
    case Type::kDateTime:
      return a.date_time().date == b.date_time().date && SameTime(a.date_time().time, b.date_time().time);
    case Type::kList:
    case Type::kContext: return SameMembers(a, b, Is);
    case Type::kRange: {
      const Range& x = a.range();
      const Range& y = b.range();
      return x.form == y.form && x.low_closed == y.low_closed && x.high_closed == y.high_closed &&
             SameEndpoint(x.low, y.low) &&
             SameEndpoint(x.high, y.high);
    }
    case Type::kFunction: return a.function_ptr() == b.function_ptr();
    default: {
      // null, boolean, number, string, date and the durations: `=` of the same kind is identity.
      auto e = Equal(a, b);
      return e && *e;
    }
  }
}

Value IsImpl(std::span<const Value> args, EvalContext&) { return Value::Bool(Is(args[0], args[1])); }

// The date of a date or date and time argument.
std::optional<Date> DateArg(const Value& v) {
  if (v.is(Type::kDate)) return v.date();
  if (v.is(Type::kDateTime)) return v.date_time().date;
  return std::nullopt;
}

template <typename F>
Value WithDate(const char* fn, const Value& v, EvalContext& ctx, F f) {
  if (v.is_null()) return Value();
  auto d = DateArg(v);
  if (!d) return ctx.Error(std::string(fn) + ": 'date' must be a date or date and time, not a " +
                           std::string(TypeName(v.type())));
  return f(*d);
}

Value DayOfYearImpl(std::span<const Value> args, EvalContext& ctx) {
  return WithDate("day of year", args[0], ctx, [](Date d) { return Value::Number(DayOfYear(d)); });
}

Value DayOfWeekImpl(std::span<const Value> args, EvalContext& ctx) {
  return WithDate("day of week", args[0], ctx,
                  [](Date d) { return Value::String(kDayNames[static_cast<size_t>(DayOfWeek(d) - 1)]); });
}

Value MonthOfYearImpl(std::span<const Value> args, EvalContext& ctx) {
  return WithDate("month of year", args[0], ctx, [](Date d) {
    return Value::String(kMonthNames[static_cast<size_t>(CivilFromDate(d).month - 1)]);
  });
}

Value WeekOfYearImpl(std::span<const Value> args, EvalContext& ctx) {
  return WithDate("week of year", args[0], ctx, [](Date d) { return Value::Number(WeekOfYear(d)); });
}

// The evaluation's fixed "now" when the caller set one, else the system clock in UTC.
DateTime Now(const EvalContext& ctx) {
  if (ctx.now) return *ctx.now;
  using namespace std::chrono;
  auto since_epoch = duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
  constexpr int64_t kNanosPerDay = 86'400LL * 1'000'000'000LL;
  int64_t days = since_epoch / kNanosPerDay;
  int64_t rem = since_epoch % kNanosPerDay;
  if (rem < 0) {
    rem += kNanosPerDay;
    --days;
  }
  DateTime dt;
  dt.date.days = days;
  dt.time.nanos = rem;
  dt.time.kind = ZoneKind::kOffset;
  dt.time.offset_seconds = 0;
  return dt;
}

Value NowImpl(std::span<const Value>, EvalContext& ctx) { return Value::FromDateTime(Now(ctx)); }
Value TodayImpl(std::span<const Value>, EvalContext& ctx) { return Value::FromDate(Now(ctx).date); }

}  // namespace

void RegisterTemporalBuiltins(BuiltinRegistrar& r) {
  r.Add("is", {{{"value1", "value2"}, IsImpl}});
  r.Add("day of year", {{{"date"}, DayOfYearImpl}});
  r.Add("day of week", {{{"date"}, DayOfWeekImpl}});
  r.Add("month of year", {{{"date"}, MonthOfYearImpl}});
  r.Add("week of year", {{{"date"}, WeekOfYearImpl}});
  r.Add("now", {{{}, NowImpl}});
  r.Add("today", {{{}, TodayImpl}});
}

}  // namespace zebra::feel
