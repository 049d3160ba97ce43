// Conversion built-ins, DMN 1.5 §10.3.4.1 (Table 69 "Semantics of conversion functions").
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "feel/builtins.h"
#include "feel/builtins_test_util.h"

namespace zebra::feel::builtins_conversion_test {
namespace {

using testing::Call;
using testing::CallIn;
using testing::DateOf;
using testing::kNanosPerSecond;
using testing::LocalTime;
using testing::N;
using testing::Named;
using testing::S;
using testing::WithOffset;

Value Dec(std::string_view s) { return Value::Number(*Decimal::FromString(s)); }
Value DtDuration(int64_t seconds) { return Value::Duration(DaysTimeDuration{seconds, 0}); }

Time OffsetTime(int h, int m, int s, int32_t offset) { return WithOffset(LocalTime(h, m, s), offset); }

void ExpectDate(const Value& v, int64_t y, int m, int d) {
  ASSERT_TRUE(v.is(Type::kDate)) << TypeName(v.type());
  CivilDate c = CivilFromDate(v.date());
  EXPECT_EQ(c.year, y);
  EXPECT_EQ(c.month, m);
  EXPECT_EQ(c.day, d);
}

void ExpectTime(const Time& t, int64_t nanos, ZoneKind kind, int32_t offset = 0) {
  EXPECT_EQ(t.nanos, nanos);
  EXPECT_EQ(t.kind, kind);
  if (kind == ZoneKind::kOffset) {
    EXPECT_EQ(t.offset_seconds, offset);
  }
}

int64_t Nanos(int h, int m, int s) { return ((h * 60LL + m) * 60 + s) * kNanosPerSecond; }

void ExpectNumber(const Value& v, std::string_view expected) {
  ASSERT_TRUE(v.is(Type::kNumber)) << TypeName(v.type());
  EXPECT_EQ(v.number(), *Decimal::FromString(expected)) << v.number().ToString();
}

void ExpectNullWithError(std::string_view name, std::vector<Value> args) {
  EvalContext ctx;
  Value v = CallIn(ctx, name, std::move(args));
  EXPECT_TRUE(v.is_null());
  EXPECT_FALSE(ctx.diagnostics().empty()) << name << " should explain why it returned null";
}

// fn(text) is null with an error for each of `texts`.
void ExpectEachStringRefused(std::string_view name, std::initializer_list<std::string_view> texts) {
  for (std::string_view text : texts) {
    SCOPED_TRACE(text);
    ExpectNullWithError(name, {S(std::string(text))});
  }
}

// ---- date(from) / date(year, month, day) ------------------------------------------------

// DMN 1.5 §10.3.4.1: date("2012-12-25") = date(2012, 12, 25).
TEST(ConversionDate, FromString) { ExpectDate(Call("date", {S("2012-12-25")}), 2012, 12, 25); }

// DMN 1.5 §10.3.4.1: date strings allow a negative year.
TEST(ConversionDate, FromStringNegativeYear) { ExpectDate(Call("date", {S("-2017-01-01")}), -2017, 1, 1); }

// DMN 1.5 §10.3.4.1: the string must be a valid calendar date; 30 February is not.
TEST(ConversionDate, InvalidCalendarDateIsNull) { ExpectNullWithError("date", {S("2017-02-30")}); }

// DMN 1.5 §10.3.4.1: the string must follow the date literal syntax.
TEST(ConversionDate, MalformedStringIsNull) {
  ExpectEachStringRefused("date", {
      "2012/12/25",
      "",
      "2017-13-01",
      "2012-12-25T",
  });
}

// DMN 1.5 §10.3.4.1: date(from) with a date and time drops the time.
TEST(ConversionDate, FromDateTime) {
  DateTime dt{DateFromCivil(2017, 8, 14), OffsetTime(14, 25, 0, 3600)};
  ExpectDate(Call("date", {Value::FromDateTime(dt)}), 2017, 8, 14);
}

// DMN 1.5 §10.3.4.1: a date converts to itself.
TEST(ConversionDate, FromDate) { ExpectDate(Call("date", {DateOf(2017, 10, 11)}), 2017, 10, 11); }

// DMN 1.5 §10.3.4.1: date(year, month, day).
TEST(ConversionDate, FromParts) { ExpectDate(Call("date", {N(2017), N(8), N(10)}), 2017, 8, 10); }

// DMN 1.5 §10.3.4.1: leap day exists in 2020 but not in 2019.
TEST(ConversionDate, FromPartsLeapDay) {
  ExpectDate(Call("date", {N(2020), N(2), N(29)}), 2020, 2, 29);
  ExpectNullWithError("date", {N(2019), N(2), N(29)});
}

// DMN 1.5 §10.3.4.1: month and day out of range give null.
TEST(ConversionDate, FromPartsOutOfRange) {
  ExpectNullWithError("date", {N(2017), N(13), N(1)});
  ExpectNullWithError("date", {N(2017), N(12), N(32)});
  ExpectNullWithError("date", {N(2017), N(-8), N(2)});
  ExpectNullWithError("date", {N(2017), N(0), N(2)});
}

// DMN 1.5 §10.3.4.1: year, month and day are integers.
TEST(ConversionDate, FromPartsNonInteger) { ExpectNullWithError("date", {N(2017), Dec("8.5"), N(2)}); }

// DMN 1.5 §10.3.4.1: a null argument gives null.
TEST(ConversionDate, NullArguments) {
  EXPECT_TRUE(Call("date", {Value()}).is_null());
  EXPECT_TRUE(Call("date", {N(2017), Value(), N(1)}).is_null());
}

// DMN 1.5 §10.3.4.1: wrong argument types give null.
TEST(ConversionDate, WrongTypes) {
  ExpectNullWithError("date", {N(1)});
  ExpectNullWithError("date", {Value::FromList(List{})});
  ExpectNullWithError("date", {S("2017"), N(1), N(1)});
}

// DMN 1.5 §10.3.4.1: no overload takes zero or two arguments.
TEST(ConversionDate, WrongArity) {
  ExpectNullWithError("date", {});
  ExpectNullWithError("date", {N(2017), N(1)});
}

// DMN 1.5 §10.3.4.1: date(year: 2017, month: 8, day: 10), named parameters.
TEST(ConversionDate, NamedParts) {
  ExpectDate(Named("date", {{"year", N(2017)}, {"month", N(8)}, {"day", N(10)}}), 2017, 8, 10);
  ExpectDate(Named("date", {{"day", N(10)}, {"month", N(8)}, {"year", N(2017)}}), 2017, 8, 10);
}

// DMN 1.5 §10.3.4.1: date(from: "2012-12-25").
TEST(ConversionDate, NamedFrom) { ExpectDate(Named("date", {{"from", S("2012-12-25")}}), 2012, 12, 25); }

// DMN 1.5 §10.3.4.1: years up to 999,999,999 are in range, larger are not.
TEST(ConversionDate, YearRange) {
  ExpectDate(Call("date", {N(999999999), N(12), N(31)}), 999999999, 12, 31);
  ExpectNullWithError("date", {N(1000999999), N(12), N(1)});
}

// ---- date and time --------------------------------------------------------------------

// DMN 1.5 §10.3.4.1: date and time("2012-12-24T23:59:00").
TEST(ConversionDateTime, FromString) {
  Value v = Call("date and time", {S("2012-12-24T23:59:00")});
  ASSERT_TRUE(v.is(Type::kDateTime));
  ExpectDate(Value::FromDate(v.date_time().date), 2012, 12, 24);
  ExpectTime(v.date_time().time, Nanos(23, 59, 0), ZoneKind::kLocal);
}

// DMN 1.5 §10.3.4.1: a date string is a date and time at midnight.
TEST(ConversionDateTime, FromDateString) {
  Value v = Call("date and time", {S("2012-12-24")});
  ASSERT_TRUE(v.is(Type::kDateTime));
  ExpectTime(v.date_time().time, 0, ZoneKind::kLocal);
}

// DMN 1.5 §10.3.4.1: offsets in the string are kept.
TEST(ConversionDateTime, FromStringWithOffset) {
  Value v = Call("date and time", {S("2017-12-31T11:22:33-02:00")});
  ASSERT_TRUE(v.is(Type::kDateTime));
  ExpectTime(v.date_time().time, Nanos(11, 22, 33), ZoneKind::kOffset, -7200);
}

// DMN 1.5 §10.3.4.1: invalid strings give null.
TEST(ConversionDateTime, InvalidString) {
  ExpectEachStringRefused("date and time", {
      "2017-12-31T25:00:00",
      "11:00:00",
      "2017-02-30T10:00:00",
  });
}

// DMN 1.5 §10.3.4.1: date and time(date, time) combines a date with a time.
TEST(ConversionDateTime, FromDateAndTime) {
  Value v = Call("date and time", {DateOf(2017, 1, 1), Value::FromTime(LocalTime(23, 59, 1))});
  ASSERT_TRUE(v.is(Type::kDateTime));
  ExpectDate(Value::FromDate(v.date_time().date), 2017, 1, 1);
  ExpectTime(v.date_time().time, Nanos(23, 59, 1), ZoneKind::kLocal);
}

// DMN 1.5 §10.3.4.1: the result keeps the zone of the time argument.
TEST(ConversionDateTime, KeepsTimeOffset) {
  Value v = Call("date and time", {DateOf(2017, 1, 1), Value::FromTime(OffsetTime(23, 59, 1, 7200))});
  ASSERT_TRUE(v.is(Type::kDateTime));
  ExpectTime(v.date_time().time, Nanos(23, 59, 1), ZoneKind::kOffset, 7200);
}

// DMN 1.5 §10.3.4.1: a zone id on the time is kept too.
TEST(ConversionDateTime, KeepsTimeZoneId) {
  const Zone* paris = FindZone("Europe/Paris");
  ASSERT_NE(paris, nullptr);
  Time t = LocalTime(9, 15, 30);
  t.kind = ZoneKind::kZone;
  t.zone = paris;
  Value v = Call("date and time", {DateOf(2017, 9, 5), Value::FromTime(t)});
  ASSERT_TRUE(v.is(Type::kDateTime));
  EXPECT_EQ(v.date_time().time.kind, ZoneKind::kZone);
  EXPECT_EQ(v.date_time().time.zone, paris);
}

// DMN 1.5 §10.3.4.1: the date argument may be a date and time; its time and offset are dropped.
TEST(ConversionDateTime, DateArgumentMayBeDateTime) {
  DateTime base{DateFromCivil(2017, 8, 10), OffsetTime(10, 20, 0, 7200)};
  Value v = Call("date and time", {Value::FromDateTime(base), Value::FromTime(LocalTime(23, 59, 1))});
  ASSERT_TRUE(v.is(Type::kDateTime));
  ExpectDate(Value::FromDate(v.date_time().date), 2017, 8, 10);
  ExpectTime(v.date_time().time, Nanos(23, 59, 1), ZoneKind::kLocal);
}

// DMN 1.5 §10.3.4.1: null and wrongly typed parts.
TEST(ConversionDateTime, BadParts) {
  EXPECT_TRUE(Call("date and time", {DateOf(2017, 8, 10), Value()}).is_null());
  EXPECT_TRUE(Call("date and time", {Value(), Value::FromTime(LocalTime(1, 0, 0))}).is_null());
  ExpectNullWithError("date and time", {DateOf(2017, 8, 10), S("10:00:00")});
  ExpectNullWithError("date and time", {N(2017)});
}

// DMN 1.5 §10.3.4.1: named date and time(date: ..., time: ...).
TEST(ConversionDateTime, Named) {
  Value v = Named("date and time", {{"time", Value::FromTime(LocalTime(23, 59, 1))}, {"date", DateOf(2017, 1, 1)}});
  ASSERT_TRUE(v.is(Type::kDateTime));
  ExpectTime(v.date_time().time, Nanos(23, 59, 1), ZoneKind::kLocal);
  Value w = Named("date and time", {{"from", S("2012-12-24T23:59:00")}});
  ASSERT_TRUE(w.is(Type::kDateTime));
}

// ---- time ----------------------------------------------------------------------------------

// DMN 1.5 §10.3.4.1: time("23:59:00z") and friends.
TEST(ConversionTime, FromString) {
  Value v = Call("time", {S("23:59:00Z")});
  ASSERT_TRUE(v.is(Type::kTime));
  ExpectTime(v.time(), Nanos(23, 59, 0), ZoneKind::kOffset, 0);
}

// DMN 1.5 §10.3.4.1: fractional seconds in the string.
TEST(ConversionTime, FromStringFraction) {
  Value v = Call("time", {S("11:22:33.444")});
  ASSERT_TRUE(v.is(Type::kTime));
  ExpectTime(v.time(), Nanos(11, 22, 33) + 444'000'000, ZoneKind::kLocal);
}

// DMN 1.5 §10.3.4.1: invalid time strings give null.
TEST(ConversionTime, InvalidString) {
  ExpectEachStringRefused("time", {
      "24:00:01",
      "7:00:00",
      "00:60:00",
      "13:20:00@xyz/abc",
  });
}

// DMN 1.5 §10.3.4.1: time(from) of a date and time keeps the time and its offset.
TEST(ConversionTime, FromDateTime) {
  DateTime dt{DateFromCivil(2017, 8, 10), OffsetTime(10, 20, 0, 3600)};
  Value v = Call("time", {Value::FromDateTime(dt)});
  ASSERT_TRUE(v.is(Type::kTime));
  ExpectTime(v.time(), Nanos(10, 20, 0), ZoneKind::kOffset, 3600);
}

// DMN 1.5 §10.3.4.1: time(from) of a date is midnight UTC.
TEST(ConversionTime, FromDate) {
  Value v = Call("time", {DateOf(2017, 8, 10)});
  ASSERT_TRUE(v.is(Type::kTime));
  ExpectTime(v.time(), 0, ZoneKind::kOffset, 0);
}

// DMN 1.5 §10.3.4.1: time(hour, minute, second) without offset is local.
TEST(ConversionTime, FromParts) {
  Value v = Call("time", {N(23), N(59), N(0)});
  ASSERT_TRUE(v.is(Type::kTime));
  ExpectTime(v.time(), Nanos(23, 59, 0), ZoneKind::kLocal);
}

// DMN 1.5 §10.3.4.1: time(23, 59, 0, duration("PT2H")) = time("23:59:00+02:00").
TEST(ConversionTime, FromPartsWithOffset) {
  Value v = Call("time", {N(23), N(59), N(0), DtDuration(7200)});
  ASSERT_TRUE(v.is(Type::kTime));
  ExpectTime(v.time(), Nanos(23, 59, 0), ZoneKind::kOffset, 7200);
}

// DMN 1.5 §10.3.4.1: negative offsets and offsets with minutes.
TEST(ConversionTime, FromPartsNegativeOffset) {
  Value v = Call("time", {N(11), N(59), N(0), DtDuration(-(2 * 3600 + 60))});
  ASSERT_TRUE(v.is(Type::kTime));
  ExpectTime(v.time(), Nanos(11, 59, 0), ZoneKind::kOffset, -(2 * 3600 + 60));
}

// DMN 1.5 §10.3.4.1: a null offset gives a local time.
TEST(ConversionTime, NullOffsetIsLocal) {
  Value v = Call("time", {N(12), N(0), N(0), Value()});
  ASSERT_TRUE(v.is(Type::kTime));
  ExpectTime(v.time(), Nanos(12, 0, 0), ZoneKind::kLocal);
}

// DMN 1.5 §10.3.4.1: seconds may have a fraction.
TEST(ConversionTime, FractionalSecond) {
  Value v = Call("time", {N(10), N(0), Dec("30.5")});
  ASSERT_TRUE(v.is(Type::kTime));
  ExpectTime(v.time(), Nanos(10, 0, 30) + 500'000'000, ZoneKind::kLocal);
}

// DMN 1.5 §10.3.4.1: hour 0..23, minute 0..59, second [0, 60).
TEST(ConversionTime, PartsOutOfRange) {
  ExpectNullWithError("time", {N(24), N(0), N(0)});
  ExpectNullWithError("time", {N(-1), N(0), N(0)});
  ExpectNullWithError("time", {N(23), N(60), N(0)});
  ExpectNullWithError("time", {N(23), N(59), N(60)});
}

// DMN 1.5 §10.3.4.1: the offset must be a days and time duration.
TEST(ConversionTime, OffsetWrongType) {
  ExpectNullWithError("time", {N(12), N(0), N(0), N(2)});
  ExpectNullWithError("time", {N(12), N(0), N(0), Value::Duration(YearsMonthsDuration{1})});
}

// DMN 1.5 §10.3.4.1: null hour, minute or second gives null.
TEST(ConversionTime, NullParts) {
  EXPECT_TRUE(Call("time", {Value(), N(11), N(45), DtDuration(0)}).is_null());
  EXPECT_TRUE(Call("time", {N(12), N(11), Value(), Value()}).is_null());
  EXPECT_TRUE(Call("time", {Value()}).is_null());
}

// DMN 1.5 §10.3.4.1: named time(hour:, minute:, second:, offset:).
TEST(ConversionTime, Named) {
  Value v = Named("time", {{"hour", N(11)}, {"minute", N(59)}, {"second", N(0)}, {"offset", DtDuration(-7200)}});
  ASSERT_TRUE(v.is(Type::kTime));
  ExpectTime(v.time(), Nanos(11, 59, 0), ZoneKind::kOffset, -7200);
  Value w = Named("time", {{"hour", N(11)}, {"minute", N(59)}, {"second", N(0)}});
  ASSERT_TRUE(w.is(Type::kTime));
  ExpectTime(w.time(), Nanos(11, 59, 0), ZoneKind::kLocal);
  Value x = Named("time", {{"from", S("12:45:00")}});
  ASSERT_TRUE(x.is(Type::kTime));
}

// ---- number ------------------------------------------------------------------------------

// DMN 1.5 §10.3.4.1: number("1 000,0", " ", ",") = number("1000.0").
TEST(ConversionNumber, SpaceAndComma) { ExpectNumber(Call("number", {S("1 000,0"), S(" "), S(",")}), "1000.0"); }

// DMN 1.5 §10.3.4.1: number("1,000.21", ",", ".") = 1000.21.
TEST(ConversionNumber, CommaAndPeriod) { ExpectNumber(Call("number", {S("1,000.21"), S(","), S(".")}), "1000.21"); }

// DMN 1.5 §10.3.4.1: period grouping with comma decimals.
TEST(ConversionNumber, PeriodAndComma) {
  ExpectNumber(Call("number", {S("1.000.000,01"), S("."), S(",")}), "1000000.01");
}

// DMN 1.5 §10.3.4.1: null separators mean none given (the decimal point stays a period).
TEST(ConversionNumber, NullSeparators) {
  ExpectNumber(Call("number", {S("1000000.01"), Value(), S(".")}), "1000000.01");
  ExpectNumber(Call("number", {S("1,000,000"), S(","), Value()}), "1000000");
  ExpectNumber(Call("number", {S("-12.5"), Value(), Value()}), "-12.5");
}

// DMN 1.5 §10.3.4.1: number(from) with only the string.
TEST(ConversionNumber, OnlyFrom) { ExpectNumber(Call("number", {S("12345")}), "12345"); }

// DMN 1.5 §10.3.4.1: the grouping and decimal separators must differ.
TEST(ConversionNumber, SameSeparators) {
  ExpectNullWithError("number", {S("1,000,000.00"), S(","), S(",")});
  ExpectNullWithError("number", {S("1,000,000.00"), S("."), S(".")});
}

// DMN 1.5 §10.3.4.1: separators are limited to space, comma, period (grouping) and comma,
// period (decimal).
TEST(ConversionNumber, InvalidSeparators) {
  ExpectNullWithError("number", {S("1,000,000.01"), S(":"), S(".")});
  ExpectNullWithError("number", {S("1,000,000.01"), S(","), S(":")});
  ExpectNullWithError("number", {S("1,000,000.01"), N(123), S(".")});
  ExpectNullWithError("number", {S("1 000"), S(","), S(" ")});
}

// DMN 1.5 §10.3.4.1: a string that does not match the separators is not a number.
TEST(ConversionNumber, NotMatchingSeparators) {
  ExpectNullWithError("number", {S("1,000,000.01"), S(" "), S(".")});
  ExpectNullWithError("number", {S("foo,bar.001"), S("."), S(",")});
  ExpectNullWithError("number", {S(""), Value(), Value()});
  ExpectNullWithError("number", {S("1.000"), Value(), S(",")});
}

// DMN 1.5 §10.3.4.1: from must be a string.
TEST(ConversionNumber, FromNotString) {
  ExpectNullWithError("number", {N(123), S(","), S(".")});
  EXPECT_TRUE(Call("number", {Value(), S("."), S(",")}).is_null());
}

// DMN 1.5 §10.3.4.1: named parameters, in any order.
TEST(ConversionNumber, Named) {
  ExpectNumber(Named("number", {{"from", S("1.000.000,01")}, {"decimal separator", S(",")}, {"grouping separator", S(".")}}),
               "1000000.01");
  EXPECT_TRUE(Named("number", {{"from", S("1.000.000,01")}, {"decimal sep", S(",")}}).is_null());
}

// DMN 1.5 §10.3.4.1: number takes one or three arguments.
TEST(ConversionNumber, WrongArity) {
  ExpectNullWithError("number", {S("1.000.000,01"), S(".")});
  ExpectNullWithError("number", {S("1.000.000,01"), S("."), S(","), S(",")});
}

// ---- string ------------------------------------------------------------------------------

// DMN 1.5 §10.3.4.1: string(1.1) = "1.1".
TEST(ConversionString, Number) {
  Value v = Call("string", {Dec("1.1")});
  ASSERT_TRUE(v.is(Type::kString));
  EXPECT_EQ(v.string(), "1.1");
}

// DMN 1.5 §10.3.4.1: string(null) = null.
TEST(ConversionString, Null) { EXPECT_TRUE(Call("string", {Value()}).is_null()); }

// DMN 1.5 §10.3.4.1: a string converts to itself, without quotes.
TEST(ConversionString, StringIsUnchanged) {
  Value v = Call("string", {S("a \"b\"")});
  ASSERT_TRUE(v.is(Type::kString));
  EXPECT_EQ(v.string(), "a \"b\"");
}

// DMN 1.5 §10.3.4.1: string of a date is the date literal text.
TEST(ConversionString, Date) {
  Value v = Call("string", {DateOf(2017, 8, 10)});
  ASSERT_TRUE(v.is(Type::kString));
  EXPECT_EQ(v.string(), "2017-08-10");
}

// DMN 1.5 §10.3.4.1: string of booleans and durations.
TEST(ConversionString, BooleanAndDuration) {
  EXPECT_EQ(Call("string", {Value::Bool(true)}).string(), "true");
  EXPECT_EQ(Call("string", {DtDuration(86400 + 7200)}).string(), "P1DT2H");
  EXPECT_EQ(Call("string", {Value::Duration(YearsMonthsDuration{14})}).string(), "P1Y2M");
}

// DMN 1.5 §10.3.4.1: string(from: ...), named.
TEST(ConversionString, Named) { EXPECT_EQ(Named("string", {{"from", N(42)}}).string(), "42"); }

// ---- duration ----------------------------------------------------------------------------

// DMN 1.5 §10.3.4.1: duration("P1DT23H12M30S") is a days and time duration.
TEST(ConversionDuration, DaysTime) {
  Value v = Call("duration", {S("P1DT23H12M30S")});
  ASSERT_TRUE(v.is(Type::kDaysTimeDuration));
  EXPECT_EQ(v.days_time().seconds, 86400 + 23 * 3600 + 12 * 60 + 30);
}

// DMN 1.5 §10.3.4.1: duration("P2Y2M") is a years and months duration.
TEST(ConversionDuration, YearsMonths) {
  Value v = Call("duration", {S("P2Y2M")});
  ASSERT_TRUE(v.is(Type::kYearsMonthsDuration));
  EXPECT_EQ(v.years_months().months, 26);
}

// DMN 1.5 §10.3.4.1: negative durations.
TEST(ConversionDuration, Negative) {
  Value v = Call("duration", {S("-PT1H2M")});
  ASSERT_TRUE(v.is(Type::kDaysTimeDuration));
  EXPECT_EQ(v.days_time().seconds, -(3600 + 120));
  Value w = Call("duration", {S("-P1Y")});
  ASSERT_TRUE(w.is(Type::kYearsMonthsDuration));
  EXPECT_EQ(w.years_months().months, -12);
}

// DMN 1.5 §10.3.4.1: fractional seconds.
TEST(ConversionDuration, FractionalSeconds) {
  Value v = Call("duration", {S("PT0.999S")});
  ASSERT_TRUE(v.is(Type::kDaysTimeDuration));
  EXPECT_EQ(v.days_time().seconds, 0);
  EXPECT_EQ(v.days_time().nanos, 999'000'000);
}

// DMN 1.5 §10.3.4.1: invalid duration strings give null.
TEST(ConversionDuration, Invalid) {
  ExpectEachStringRefused("duration", {
      "",
      "P",
      "1Y",
      "P1H",
  });
  ExpectNullWithError("duration", {N(2017)});
  EXPECT_TRUE(Call("duration", {Value()}).is_null());
}

// DMN 1.5 §10.3.4.1: duration(from: "P1Y").
TEST(ConversionDuration, Named) {
  Value v = Named("duration", {{"from", S("P1Y")}});
  ASSERT_TRUE(v.is(Type::kYearsMonthsDuration));
  EXPECT_EQ(v.years_months().months, 12);
}

// ---- years and months duration ----------------------------------------------------------

// DMN 1.5 §10.3.4.1: years and months duration(date("2011-12-22"), date("2013-08-24")) = P1Y8M.
TEST(ConversionYearsMonths, BetweenDates) {
  Value v = Call("years and months duration", {DateOf(2011, 12, 22), DateOf(2013, 8, 24)});
  ASSERT_TRUE(v.is(Type::kYearsMonthsDuration));
  EXPECT_EQ(v.years_months().months, 20);
}

// DMN 1.5 §10.3.4.1: reversed arguments give a negative duration.
TEST(ConversionYearsMonths, Negative) {
  Value v = Call("years and months duration", {DateOf(2013, 8, 24), DateOf(2011, 12, 22)});
  ASSERT_TRUE(v.is(Type::kYearsMonthsDuration));
  EXPECT_EQ(v.years_months().months, -20);
}

// DMN 1.5 §10.3.4.1: only whole months count.
TEST(ConversionYearsMonths, PartialMonthDropped) {
  Value v = Call("years and months duration", {DateOf(2015, 1, 21), DateOf(2016, 1, 20)});
  ASSERT_TRUE(v.is(Type::kYearsMonthsDuration));
  EXPECT_EQ(v.years_months().months, 11);
}

// DMN 1.5 §10.3.4.1: from and to may be dates and times, and may be mixed with dates.
TEST(ConversionYearsMonths, DateTimes) {
  DateTime from{DateFromCivil(2016, 9, 30), LocalTime(23, 25, 0)};
  DateTime to{DateFromCivil(2017, 12, 28), LocalTime(12, 12, 12)};
  Value v = Call("years and months duration", {Value::FromDateTime(from), Value::FromDateTime(to)});
  ASSERT_TRUE(v.is(Type::kYearsMonthsDuration));
  EXPECT_EQ(v.years_months().months, 14);
  Value w = Call("years and months duration", {DateOf(2013, 8, 24), Value::FromDateTime(to)});
  ASSERT_TRUE(w.is(Type::kYearsMonthsDuration));
  EXPECT_EQ(w.years_months().months, 4 * 12 + 4);
}

// DMN 1.5 §10.3.4.1: months are counted between calendar dates; the time of day does not
// shorten the last month.
TEST(ConversionYearsMonths, TimeOfDayIgnored) {
  DateTime from{DateFromCivil(2014, 12, 31), LocalTime(23, 59, 59)};
  DateTime to{DateFromCivil(2016, 12, 31), LocalTime(0, 0, 1)};
  Value v = Call("years and months duration", {Value::FromDateTime(from), Value::FromDateTime(to)});
  ASSERT_TRUE(v.is(Type::kYearsMonthsDuration));
  EXPECT_EQ(v.years_months().months, 24);
}

// DMN 1.5 §10.3.4.1: null or non-temporal arguments give null.
TEST(ConversionYearsMonths, BadArguments) {
  EXPECT_TRUE(Call("years and months duration", {DateOf(2017, 8, 11), Value()}).is_null());
  ExpectNullWithError("years and months duration", {S("2017-08-11"), DateOf(2017, 8, 11)});
  ExpectNullWithError("years and months duration", {N(2017)});
}

// DMN 1.5 §10.3.4.1: named from:, to:.
TEST(ConversionYearsMonths, Named) {
  Value v = Named("years and months duration", {{"to", DateOf(2015, 1, 21)}, {"from", DateOf(2016, 1, 21)}});
  ASSERT_TRUE(v.is(Type::kYearsMonthsDuration));
  EXPECT_EQ(v.years_months().months, -12);
}

// ---- range ---------------------------------------------------------------------------------

// DMN 1.5 §10.3.4.1: range("[18..21)") is the range [18..21).
TEST(ConversionRange, Numbers) {
  Value v = Call("range", {S("[18..21)")});
  ASSERT_TRUE(v.is(Type::kRange));
  ExpectNumber(v.range().low, "18");
  ExpectNumber(v.range().high, "21");
  EXPECT_TRUE(v.range().low_closed);
  EXPECT_FALSE(v.range().high_closed);
}

// DMN 1.5 §10.3.4.1: both open-end notations, "(" and "]", and surrounding blanks.
TEST(ConversionRange, OpenEndNotations) {
  Value a = Call("range", {S("]18..21[")});
  ASSERT_TRUE(a.is(Type::kRange));
  EXPECT_FALSE(a.range().low_closed);
  EXPECT_FALSE(a.range().high_closed);
  Value b = Call("range", {S(" ( 1 .. 3 ] ")});
  ASSERT_TRUE(b.is(Type::kRange));
  EXPECT_FALSE(b.range().low_closed);
  EXPECT_TRUE(b.range().high_closed);
  ExpectNumber(b.range().high, "3");
}

// DMN 1.5 §10.3.4.1: string endpoints.
TEST(ConversionRange, Strings) {
  Value v = Call("range", {S("[\"a\"..\"c\"]")});
  ASSERT_TRUE(v.is(Type::kRange));
  ASSERT_TRUE(v.range().low.is(Type::kString));
  EXPECT_EQ(v.range().low.string(), "a");
  EXPECT_EQ(v.range().high.string(), "c");
}

// DMN 1.5 §10.3.4.1: temporal endpoints as @-literals or conversion calls of string literals.
TEST(ConversionRange, TemporalEndpoints) {
  Value a = Call("range", {S("[@\"1970-01-01\"..@\"1970-01-02\"]")});
  ASSERT_TRUE(a.is(Type::kRange));
  ASSERT_TRUE(a.range().low.is(Type::kDate));
  EXPECT_EQ(a.range().high.date(), DateFromCivil(1970, 1, 2));
  Value b = Call("range", {S("[date(\"1970-01-01\")..date(\"1970-01-02\")]")});
  ASSERT_TRUE(b.is(Type::kRange));
  EXPECT_EQ(b.range().low.date(), DateFromCivil(1970, 1, 1));
  Value c = Call("range", {S("[duration(\"P1D\")..@\"P2D\"]")});
  ASSERT_TRUE(c.is(Type::kRange));
  ASSERT_TRUE(c.range().low.is(Type::kDaysTimeDuration));
  EXPECT_EQ(c.range().high.days_time().seconds, 2 * 86400);
}

// DMN 1.5 §10.3.4.1: endpoints must be literals, both present, of one type, and in order.
TEST(ConversionRange, Invalid) {
  ExpectEachStringRefused("range", {
      "[..2]",
      "[1..]",
      ">=10",
      "",
  });
  ExpectNullWithError("range", {S("[1..\"b\"]")});
  ExpectNullWithError("range", {S("[3..1]")});
  ExpectNullWithError("range", {S("[null..null]")});
  ExpectNullWithError("range", {S("[date(string(\"1970-01-01\"))..date(\"1970-01-02\")]")});
  ExpectNullWithError("range", {S("[@\"1970-01-01\"..@\"1970-01-02T00:00:00\"]")});
}

// DMN 1.5 §10.3.4.1: from must be a string.
TEST(ConversionRange, NotString) {
  Range r;
  r.low = N(1);
  r.high = N(3);
  ExpectNullWithError("range", {Value::FromRange(r)});
  EXPECT_TRUE(Named("range", {{"fron", S("[1..3]")}}).is_null());
  EXPECT_TRUE(Named("range", {{"from", S("[1..3]")}}).is(Type::kRange));
}

}  // namespace
}  // namespace zebra::feel::builtins_conversion_test
