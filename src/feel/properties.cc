// Properties of temporal values, durations and ranges reached with a path (DMN 1.5 §10.3.2.3,
// Table 65): date.year, time.hour, date and time.time offset, duration.days, range.start, ...
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "feel/builtins.h"

namespace zebra::feel {
namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;

// Seconds with their fraction: 30 or 30.5.
Value Seconds(int64_t whole, int64_t nanos) {
  if (nanos == 0) return Value::Number(whole);
  bool negative = whole < 0 || nanos < 0;
  auto magnitude = static_cast<Uint128>(std::llabs(whole)) * kNanosPerSecond + static_cast<Uint128>(std::llabs(nanos));
  return Value::Number(Decimal::FromParts(negative, magnitude, -9));
}

std::optional<Value> DateProperty(Date d, std::string_view name) {
  if (name == "year") return Value::Number(CivilFromDate(d).year);
  if (name == "month") return Value::Number(CivilFromDate(d).month);
  if (name == "day") return Value::Number(CivilFromDate(d).day);
  if (name == "weekday") return Value::Number(DayOfWeek(d));  // 1 = Monday .. 7 = Sunday
  return std::nullopt;
}

// `offset` is the effective offset in seconds of the value, when it has one.
std::optional<Value> TimeProperty(const Time& t, std::optional<int32_t> offset, std::string_view name) {
  int64_t seconds_of_day = t.nanos / kNanosPerSecond;
  if (name == "hour") return Value::Number(seconds_of_day / 3600);
  if (name == "minute") return Value::Number(seconds_of_day / 60 % 60);
  if (name == "second") return Seconds(seconds_of_day % 60, t.nanos % kNanosPerSecond);
  if (name == "time offset") {
    if (t.kind == ZoneKind::kLocal || !offset) return Value();
    return Value::Duration(DaysTimeDuration{*offset, 0});
  }
  if (name == "timezone") {
    if (t.kind != ZoneKind::kZone || !t.zone) return Value();
    return Value::String(t.zone->id);
  }
  return std::nullopt;
}

std::optional<Value> DaysTimeProperty(const DaysTimeDuration& d, std::string_view name) {
  // Components keep the duration's sign: -P1DT2H has days -1 and hours -2.
  if (name == "days") return Value::Number(d.seconds / 86400);
  if (name == "hours") return Value::Number(d.seconds / 3600 % 24);
  if (name == "minutes") return Value::Number(d.seconds / 60 % 60);
  if (name == "seconds") return Seconds(d.seconds % 60, d.nanos);
  return std::nullopt;
}

std::optional<Value> YearsMonthsProperty(const YearsMonthsDuration& d, std::string_view name) {
  if (name == "years") return Value::Number(d.months / 12);
  if (name == "months") return Value::Number(d.months % 12);
  return std::nullopt;
}

std::optional<Value> RangeProperty(const Range& r, std::string_view name) {
  if (name == "start") return r.low;
  if (name == "end") return r.high;
  // An unbounded end is never included: (< 10).start included is false.
  if (name == "start included") return Value::Bool(!r.low_unbounded() && r.low_closed);
  if (name == "end included") return Value::Bool(!r.high_unbounded() && r.high_closed);
  return std::nullopt;
}

}  // namespace

Value GetProperty(const Value& v, std::string_view name, EvalContext& ctx) {
  std::optional<Value> result;
  switch (v.type()) {
    case Type::kNull: return Value();
    case Type::kContext: {
      const Value* e = v.context().Find(name);
      return e ? *e : Value();
    }
    case Type::kDate: result = DateProperty(v.date(), name); break;
    case Type::kTime: result = TimeProperty(v.time(), EffectiveOffset(v.time()), name); break;
    case Type::kDateTime: {
      const DateTime& dt = v.date_time();
      result = DateProperty(dt.date, name);
      if (!result) result = TimeProperty(dt.time, EffectiveOffset(dt), name);
      break;
    }
    case Type::kDaysTimeDuration: result = DaysTimeProperty(v.days_time(), name); break;
    case Type::kYearsMonthsDuration: result = YearsMonthsProperty(v.years_months(), name); break;
    case Type::kRange: result = RangeProperty(v.range(), name); break;
    default: break;
  }
  if (!result) {
    return ctx.Error("a " + std::string(TypeName(v.type())) + " has no property '" + std::string(name) + "'");
  }
  return *result;
}

}  // namespace zebra::feel
