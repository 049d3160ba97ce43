// Temporal built-ins: is() (DMN 1.5 §10.3.4.7, Table 76), day of year, day of week, month of
// year, week of year (§10.3.4.8, Table 77), now and today (§10.3.4.8).
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "feel/builtins.h"
#include "feel/builtins_test_util.h"

namespace zebra::feel::builtins_temporal_test {
namespace {

using testing::Call;
using testing::CallIn;
using testing::DateOf;
using testing::DateTimeOf;
using testing::kNanosPerSecond;
using testing::N;
using testing::Named;
using testing::S;
using testing::WithOffset;
using testing::WithZone;

Time TimeOf(int h, int m, int s) { return testing::LocalTime(h, m, s); }

bool IsTrue(const Value& v) { return v.is(Type::kBoolean) && v.boolean(); }
bool IsFalse(const Value& v) { return v.is(Type::kBoolean) && !v.boolean(); }

std::string Str(const Value& v) { return v.is(Type::kString) ? v.string() : "<" + std::string(TypeName(v.type())) + ">"; }

void ExpectNumber(const Value& v, int64_t expected) {
  ASSERT_TRUE(v.is(Type::kNumber)) << TypeName(v.type());
  EXPECT_EQ(v.number(), Decimal::FromInt(expected));
}

// ---- is ---------------------------------------------------------------------------------

// DMN 1.5 §10.3.4.7: is(date("2012-12-25"), date("2012-12-25")) = true.
TEST(TemporalIs, SameDate) { EXPECT_TRUE(IsTrue(Call("is", {DateOf(2012, 12, 25), DateOf(2012, 12, 25)}))); }

// DMN 1.5 §10.3.4.7: different dates are not the same element.
TEST(TemporalIs, DifferentDate) { EXPECT_TRUE(IsFalse(Call("is", {DateOf(2012, 12, 25), DateOf(2012, 12, 26)}))); }

// DMN 1.5 §10.3.4.7: is(date("2012-12-25"), time("23:00:50")) = false (different types).
TEST(TemporalIs, DifferentTypes) {
  EXPECT_TRUE(IsFalse(Call("is", {DateOf(2012, 12, 25), Value::FromTime(TimeOf(23, 0, 50))})));
  EXPECT_TRUE(IsFalse(Call("is", {DateOf(2012, 12, 25), DateTimeOf(2012, 12, 25, WithOffset(TimeOf(0, 0, 0), 0))})));
}

// DMN 1.5 §10.3.4.7: is(time("23:00:50z"), time("23:00:50")) = false: a local time and a UTC
// time are different elements even though `=` cannot compare them.
TEST(TemporalIs, LocalVersusUtcTime) {
  EXPECT_TRUE(IsFalse(Call("is", {Value::FromTime(WithOffset(TimeOf(23, 0, 50), 0)), Value::FromTime(TimeOf(23, 0, 50))})));
}

// DMN 1.5 §10.3.4.7: "Z" and "+00:00" denote the same offset.
TEST(TemporalIs, ZuluIsZeroOffset) {
  Value z = Value::FromTime(WithOffset(TimeOf(23, 0, 50), 0));
  EXPECT_TRUE(IsTrue(Call("is", {z, z})));
}

// DMN 1.5 §10.3.4.7: the same instant in a different offset is a different element (unlike `=`).
TEST(TemporalIs, SameInstantDifferentOffset) {
  Value a = Value::FromTime(WithOffset(TimeOf(20, 0, 50), 0));
  Value b = Value::FromTime(WithOffset(TimeOf(21, 0, 50), 3600));
  EXPECT_TRUE(IsFalse(Call("is", {a, b})));
}

// DMN 1.5 §10.3.4.7: a zone id is not the same as the offset it resolves to.
TEST(TemporalIs, ZoneVersusOffset) {
  Value a = Value::FromTime(WithZone(TimeOf(23, 0, 50), "Etc/GMT"));
  Value b = Value::FromTime(WithOffset(TimeOf(23, 0, 50), 0));
  EXPECT_TRUE(IsFalse(Call("is", {a, b})));
  EXPECT_TRUE(IsTrue(Call("is", {a, a})));
}

// DMN 1.5 §10.3.4.7: two different zone ids are different elements.
TEST(TemporalIs, DifferentZones) {
  Value a = DateTimeOf(2002, 4, 2, WithZone(TimeOf(23, 0, 0), "Australia/Melbourne"));
  Value b = DateTimeOf(2002, 4, 2, WithZone(TimeOf(23, 0, 0), "Australia/Sydney"));
  EXPECT_TRUE(IsFalse(Call("is", {a, b})));
  EXPECT_TRUE(IsTrue(Call("is", {a, a})));
}

// DMN 1.5 §10.3.4.7: date and time values with the same fields are the same element.
TEST(TemporalIs, SameDateTime) {
  Value a = DateTimeOf(2012, 12, 25, WithOffset(TimeOf(10, 10, 10), 11 * 3600));
  Value b = DateTimeOf(2012, 12, 25, WithOffset(TimeOf(10, 10, 10), 11 * 3600));
  EXPECT_TRUE(IsTrue(Call("is", {a, b})));
  Value c = DateTimeOf(2002, 4, 2, WithOffset(TimeOf(12, 0, 0), -3600));
  Value d = DateTimeOf(2002, 4, 2, WithOffset(TimeOf(17, 0, 0), 4 * 3600));
  EXPECT_TRUE(IsFalse(Call("is", {c, d})));
}

// DMN 1.5 §10.3.4.7: durations are compared by value (P1D is PT24H).
TEST(TemporalIs, Durations) {
  Value one_day = Value::Duration(DaysTimeDuration{86400, 0});
  EXPECT_TRUE(IsTrue(Call("is", {one_day, Value::Duration(DaysTimeDuration{86400, 0})})));
  EXPECT_TRUE(IsTrue(Call("is", {Value::Duration(YearsMonthsDuration{12}), Value::Duration(YearsMonthsDuration{12})})));
  // P0Y and P0D are of different types.
  EXPECT_TRUE(IsFalse(Call("is", {Value::Duration(YearsMonthsDuration{0}), Value::Duration(DaysTimeDuration{0, 0})})));
}

// DMN 1.5 §10.3.4.7: numbers, strings, booleans.
TEST(TemporalIs, Scalars) {
  EXPECT_TRUE(IsTrue(Call("is", {N(1), N(1)})));
  EXPECT_TRUE(IsFalse(Call("is", {N(1), N(2)})));
  EXPECT_TRUE(IsTrue(Call("is", {S("foo"), S("foo")})));
  EXPECT_TRUE(IsFalse(Call("is", {S("foo"), S("bar")})));
  EXPECT_TRUE(IsFalse(Call("is", {Value::Bool(true), Value::Bool(false)})));
}

// DMN 1.5 §10.3.4.7: null is only the same as null.
TEST(TemporalIs, Null) {
  EXPECT_TRUE(IsTrue(Call("is", {Value(), Value()})));
  EXPECT_TRUE(IsFalse(Call("is", {Value(), N(1)})));
}

// DMN 1.5 §10.3.4.7: named value1:, value2:; an omitted value2 is null.
TEST(TemporalIs, Named) {
  EXPECT_TRUE(IsTrue(Named("is", {{"value1", DateOf(2021, 2, 13)}, {"value2", DateOf(2021, 2, 13)}})));
  EXPECT_TRUE(IsFalse(Named("is", {{"value1", DateOf(2021, 2, 13)}})));
  EXPECT_TRUE(Named("is", {{"value1", N(1)}, {"value2", N(1)}, {"value3", N(1)}}).is_null());
}

// ---- day of year / day of week / month of year / week of year --------------------------

// DMN 1.5 §10.3.4.8: day of year(date(2019, 9, 17)) = 260.
TEST(TemporalDayOfYear, Example) { ExpectNumber(Call("day of year", {DateOf(2019, 9, 17)}), 260); }

// DMN 1.5 §10.3.4.8: the first and last day of common and leap years.
TEST(TemporalDayOfYear, YearBounds) {
  ExpectNumber(Call("day of year", {DateOf(1970, 1, 1)}), 1);
  ExpectNumber(Call("day of year", {DateOf(2019, 12, 31)}), 365);
  ExpectNumber(Call("day of year", {DateOf(2020, 12, 31)}), 366);
}

// DMN 1.5 §10.3.4.8: the argument may be a date and time.
TEST(TemporalDayOfYear, DateTime) {
  ExpectNumber(Call("day of year", {DateTimeOf(2019, 9, 17, TimeOf(10, 10, 10))}), 260);
}

// DMN 1.5 §10.3.4.8: named date:, and bad arguments.
TEST(TemporalDayOfYear, NamedAndBad) {
  ExpectNumber(Named("day of year", {{"date", DateOf(2019, 9, 17)}}), 260);
  EXPECT_TRUE(Named("day of year", {{"value", DateOf(2019, 9, 17)}}).is_null());
  EXPECT_TRUE(Call("day of year", {S("foo")}).is_null());
  EXPECT_TRUE(Call("day of year", {Value()}).is_null());
  EXPECT_TRUE(Call("day of year", {}).is_null());
  EXPECT_TRUE(Call("day of year", {DateOf(1970, 1, 1), DateOf(1970, 1, 1)}).is_null());
}

// DMN 1.5 §10.3.4.8: day of week(date(2019, 9, 17)) = "Tuesday".
TEST(TemporalDayOfWeek, Example) { EXPECT_EQ(Str(Call("day of week", {DateOf(2019, 9, 17)})), "Tuesday"); }

// DMN 1.5 §10.3.4.8: the names run "Monday" .. "Sunday" (2021-01-11 was a Monday).
TEST(TemporalDayOfWeek, AllNames) {
  const char* names[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
  for (int i = 0; i < 7; ++i) EXPECT_EQ(Str(Call("day of week", {DateOf(2021, 1, 11 + i)})), names[i]);
}

// DMN 1.5 §10.3.4.8: date and time argument, named, and bad arguments.
TEST(TemporalDayOfWeek, DateTimeNamedAndBad) {
  EXPECT_EQ(Str(Call("day of week", {DateTimeOf(2019, 9, 17, TimeOf(10, 10, 10))})), "Tuesday");
  EXPECT_EQ(Str(Named("day of week", {{"date", DateOf(1970, 1, 1)}})), "Thursday");
  EXPECT_TRUE(Call("day of week", {S("foo")}).is_null());
  EXPECT_TRUE(Call("day of week", {Value()}).is_null());
}

// DMN 1.5 §10.3.4.8: month of year(date(2017, 2, 1)) = "February".
TEST(TemporalMonthOfYear, Example) { EXPECT_EQ(Str(Call("month of year", {DateOf(2017, 2, 1)})), "February"); }

// DMN 1.5 §10.3.4.8: the names run "January" .. "December".
TEST(TemporalMonthOfYear, AllNames) {
  const char* names[] = {"January", "February", "March",     "April",   "May",      "June",
                         "July",    "August",   "September", "October", "November", "December"};
  for (int m = 1; m <= 12; ++m) EXPECT_EQ(Str(Call("month of year", {DateOf(2021, m, 1)})), names[m - 1]);
}

// DMN 1.5 §10.3.4.8: date and time argument, named, bad arguments.
TEST(TemporalMonthOfYear, DateTimeNamedAndBad) {
  EXPECT_EQ(Str(Call("month of year", {DateTimeOf(2019, 9, 17, TimeOf(10, 10, 10))})), "September");
  EXPECT_EQ(Str(Named("month of year", {{"date", DateOf(2019, 9, 17)}})), "September");
  EXPECT_TRUE(Call("month of year", {N(1)}).is_null());
}

// DMN 1.5 §10.3.4.8: week of year(date(2019, 9, 17)) = 38 (ISO 8601 weeks).
TEST(TemporalWeekOfYear, Example) { ExpectNumber(Call("week of year", {DateOf(2019, 9, 17)}), 38); }

// DMN 1.5 §10.3.4.8: ISO weeks at year boundaries: 2003-12-29 is in week 1 of 2004,
// 2005-01-01 in week 53 of 2004, 2010-01-01 in week 53 of 2009.
TEST(TemporalWeekOfYear, YearBoundaries) {
  ExpectNumber(Call("week of year", {DateOf(2003, 12, 29)}), 1);
  ExpectNumber(Call("week of year", {DateOf(2004, 1, 1)}), 1);
  ExpectNumber(Call("week of year", {DateOf(2005, 1, 1)}), 53);
  ExpectNumber(Call("week of year", {DateOf(2010, 1, 1)}), 53);
}

// DMN 1.5 §10.3.4.8: date and time argument, named, bad arguments.
TEST(TemporalWeekOfYear, DateTimeNamedAndBad) {
  ExpectNumber(Call("week of year", {DateTimeOf(1970, 1, 1, TimeOf(10, 10, 10))}), 1);
  ExpectNumber(Named("week of year", {{"date", DateOf(2019, 9, 17)}}), 38);
  EXPECT_TRUE(Call("week of year", {S("foo")}).is_null());
}

// ---- now / today -------------------------------------------------------------------------

// DMN 1.5 §10.3.4.8: now() is the current date and time; the evaluation fixes it in ctx.now.
TEST(TemporalNow, UsesContextNow) {
  EvalContext ctx;
  DateTime fixed{DateFromCivil(2026, 3, 14), WithOffset(TimeOf(15, 9, 26), 3600)};
  ctx.now = fixed;
  Value v = CallIn(ctx, "now", {});
  ASSERT_TRUE(v.is(Type::kDateTime));
  EXPECT_EQ(v.date_time().date, fixed.date);
  EXPECT_EQ(v.date_time().time.nanos, fixed.time.nanos);
  EXPECT_EQ(v.date_time().time.offset_seconds, 3600);
}

// DMN 1.5 §10.3.4.8: today() is the date of now().
TEST(TemporalToday, UsesContextNow) {
  EvalContext ctx;
  ctx.now = DateTime{DateFromCivil(2026, 3, 14), TimeOf(23, 59, 59)};
  Value v = CallIn(ctx, "today", {});
  ASSERT_TRUE(v.is(Type::kDate));
  EXPECT_EQ(v.date(), DateFromCivil(2026, 3, 14));
}

// DMN 1.5 §10.3.4.8: without a fixed now, now() is the system clock with an offset
// (so it compares with zoned values) and today() is a plausible date.
TEST(TemporalNow, SystemClock) {
  Value v = Call("now", {});
  ASSERT_TRUE(v.is(Type::kDateTime));
  EXPECT_NE(v.date_time().time.kind, ZoneKind::kLocal);
  EXPECT_GE(CivilFromDate(v.date_time().date).year, 2024);
  Value t = Call("today", {});
  ASSERT_TRUE(t.is(Type::kDate));
  EXPECT_GE(CivilFromDate(t.date()).year, 2024);
}

// DMN 1.5 §10.3.4.8: now and today take no arguments.
TEST(TemporalNow, NoArguments) {
  EXPECT_TRUE(Call("now", {N(123)}).is_null());
  EXPECT_TRUE(Call("today", {N(123)}).is_null());
}

}  // namespace
}  // namespace zebra::feel::builtins_temporal_test
