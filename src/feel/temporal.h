// FEEL temporal values (DMN 1.5 §10.3.2.3.4–7): date, time, date and time, and the two
// duration kinds. All trivially copyable: a zone id is an interned pointer, never owned.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zebra::feel {

// An IANA zone id ("Europe/Paris"), interned for the life of the process.
struct Zone {
  std::string id;
};
// Returns nullptr when the system tz database does not know the id.
const Zone* FindZone(std::string_view id);

struct Date {
  int64_t days = 0;  // since 1970-01-01, proleptic Gregorian
  friend auto operator<=>(const Date&, const Date&) = default;
};

enum class ZoneKind : uint8_t { kLocal, kOffset, kZone };

struct Time {
  int64_t nanos = 0;           // of the day, [0, 86400e9)
  int32_t offset_seconds = 0;  // meaningful when kind == kOffset
  ZoneKind kind = ZoneKind::kLocal;
  const Zone* zone = nullptr;  // when kind == kZone
};

struct DateTime {
  Date date;
  Time time;
};

struct DaysTimeDuration {
  int64_t seconds = 0;  // total, signed
  int32_t nanos = 0;    // same sign as seconds, |nanos| < 1e9
  friend auto operator<=>(const DaysTimeDuration&, const DaysTimeDuration&) = default;
};

struct YearsMonthsDuration {
  int64_t months = 0;
  friend auto operator<=>(const YearsMonthsDuration&, const YearsMonthsDuration&) = default;
};

// --- civil calendar --------------------------------------------------------------------
struct CivilDate {
  int64_t year;
  int month;  // 1..12
  int day;    // 1..31
};
Date DateFromCivil(int64_t year, int month, int day);  // caller checks validity
CivilDate CivilFromDate(Date d);
bool IsValidCivil(int64_t year, int month, int day);

// --- parsing (the string forms of date(), time(), date and time(), duration()) --------
// Dates: "2017-08-10", years of -999999999..999999999 with optional '-' sign.
std::optional<Date> ParseDate(std::string_view s);
// Times: "10:20:00", "10:20:00.123", "10:20:00Z", "10:20:00+02:00", "10:20:00@Europe/Paris".
std::optional<Time> ParseTime(std::string_view s);
// Date and time: "<date>T<time>"; a bare date parses as midnight local.
std::optional<DateTime> ParseDateTime(std::string_view s);
// "P1DT2H", "-PT1.5S" → days and time; "P1Y2M" → years and months.
std::optional<DaysTimeDuration> ParseDaysTimeDuration(std::string_view s);
std::optional<YearsMonthsDuration> ParseYearsMonthsDuration(std::string_view s);

// --- formatting (FEEL string() of each, e.g. "2017-08-10", "10:20:00+02:00", "P1DT2H") ---
std::string FormatDate(Date d);
std::string FormatTime(const Time& t);
std::string FormatDateTime(const DateTime& dt);
std::string FormatDuration(const DaysTimeDuration& d);
std::string FormatDuration(const YearsMonthsDuration& d);

// --- semantics --------------------------------------------------------------------------
// Offset in seconds of a time or date-time that has one (offset or zone; zones are resolved at
// the date given, or 1970-01-01 for a bare time). nullopt for local values.
std::optional<int32_t> EffectiveOffset(const DateTime& dt);
std::optional<int32_t> EffectiveOffset(const Time& t);

// Comparison as DMN 1.5 §10.3.2.3.5/6 defines it: values with an offset/zone compare as
// instants; two local values compare as local; mixing local and zoned is not comparable
// (nullopt). Equality of times uses the same rule.
std::optional<std::strong_ordering> CompareTime(const Time& a, const Time& b);
std::optional<std::strong_ordering> CompareDateTime(const DateTime& a, const DateTime& b);

// Seconds since the epoch of a date-time (local values taken as UTC).
int64_t EpochSeconds(const DateTime& dt);

// Arithmetic (DMN 1.5 Table 57/58). nullopt where the spec gives null.
std::optional<DateTime> Add(const DateTime& dt, const DaysTimeDuration& d);
std::optional<DateTime> Add(const DateTime& dt, const YearsMonthsDuration& d);  // clamps day
std::optional<Date> Add(Date d, const YearsMonthsDuration& ym);
std::optional<Date> Add(Date d, const DaysTimeDuration& dt);  // whole days only affect the date
Time Add(const Time& t, const DaysTimeDuration& d);           // wraps around midnight
// a - b for date-times: null when one is local and the other is not.
std::optional<DaysTimeDuration> Subtract(const DateTime& a, const DateTime& b);
std::optional<DaysTimeDuration> Subtract(const Time& a, const Time& b);
// years and months duration(from, to)
YearsMonthsDuration MonthsBetween(const DateTime& from, const DateTime& to);

DaysTimeDuration Negate(const DaysTimeDuration& d);
DaysTimeDuration Add(const DaysTimeDuration& a, const DaysTimeDuration& b);

// Day of week 1 (Monday)..7, ISO week of year, day of year.
int DayOfWeek(Date d);
int WeekOfYear(Date d);
int DayOfYear(Date d);

}  // namespace zebra::feel
