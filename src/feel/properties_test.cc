// Properties of temporal values and ranges, DMN 1.5 §10.3.2.3 (Table 65 "Specific semantics of
// date, time and duration properties") and §10.3.2.7 (range properties).
#include <string>

#include <gtest/gtest.h>

#include "feel/builtins.h"
#include "feel/builtins_test_util.h"

namespace zebra::feel::properties_test {
namespace {

using testing::DateOf;
using testing::DateTimeOf;
using testing::WithOffset;
using testing::WithZone;

Value Prop(const Value& v, std::string_view name) {
  EvalContext ctx;
  return GetProperty(v, name, ctx);
}

void ExpectNumber(const Value& v, std::string_view expected) {
  ASSERT_TRUE(v.is(Type::kNumber)) << TypeName(v.type());
  EXPECT_EQ(v.number(), *Decimal::FromString(expected)) << v.number().ToString();
}

Time TimeOf(int h, int m, int s, int64_t nanos = 0) { return testing::LocalTime(h, m, s, nanos); }

// ---- date ------------------------------------------------------------------------------------

// DMN 1.5 Table 65: date("2018-12-10").year = 2018, .month = 12, .day = 10.
TEST(PropertiesDate, YearMonthDay) {
  Value d = DateOf(2018, 12, 10);
  ExpectNumber(Prop(d, "year"), "2018");
  ExpectNumber(Prop(d, "month"), "12");
  ExpectNumber(Prop(d, "day"), "10");
}

// DMN 1.5 Table 65: weekday is 1 (Monday) .. 7 (Sunday); 2018-12-10 was a Monday.
TEST(PropertiesDate, Weekday) {
  ExpectNumber(Prop(DateOf(2018, 12, 10), "weekday"), "1");
  ExpectNumber(Prop(DateOf(2018, 12, 16), "weekday"), "7");
  ExpectNumber(Prop(DateOf(1970, 1, 1), "weekday"), "4");
}

// DMN 1.5 Table 65: negative years.
TEST(PropertiesDate, NegativeYear) { ExpectNumber(Prop(DateOf(-2017, 1, 1), "year"), "-2017"); }

// DMN 1.5 Table 65: a date has no time properties.
TEST(PropertiesDate, NoHour) {
  EvalContext ctx;
  EXPECT_TRUE(GetProperty(DateOf(2018, 12, 10), "hour", ctx).is_null());
  EXPECT_FALSE(ctx.diagnostics().empty());
}

// ---- time ------------------------------------------------------------------------------------

// DMN 1.5 Table 65: time("10:30:01").hour = 10, .minute = 30, .second = 1.
TEST(PropertiesTime, HourMinuteSecond) {
  Value t = Value::FromTime(TimeOf(10, 30, 1));
  ExpectNumber(Prop(t, "hour"), "10");
  ExpectNumber(Prop(t, "minute"), "30");
  ExpectNumber(Prop(t, "second"), "1");
}

// DMN 1.5 Table 65: second keeps its fraction.
TEST(PropertiesTime, FractionalSecond) {
  ExpectNumber(Prop(Value::FromTime(TimeOf(10, 30, 1, 500'000'000)), "second"), "1.5");
}

// DMN 1.5 Table 65: time offset is a days and time duration, null for a local time.
TEST(PropertiesTime, TimeOffset) {
  Value v = Prop(Value::FromTime(WithOffset(TimeOf(10, 30, 0), 5 * 3600)), "time offset");
  ASSERT_TRUE(v.is(Type::kDaysTimeDuration));
  EXPECT_EQ(v.days_time().seconds, 5 * 3600);
  Value neg = Prop(Value::FromTime(WithOffset(TimeOf(10, 30, 0), -(3600 + 1800))), "time offset");
  ASSERT_TRUE(neg.is(Type::kDaysTimeDuration));
  EXPECT_EQ(neg.days_time().seconds, -(3600 + 1800));
  EXPECT_TRUE(Prop(Value::FromTime(TimeOf(10, 30, 0)), "time offset").is_null());
}

// DMN 1.5 Table 65: timezone is the IANA id, null without one.
TEST(PropertiesTime, Timezone) {
  Time t = WithZone(TimeOf(10, 30, 0), "Europe/Paris");
  Value v = Prop(Value::FromTime(t), "timezone");
  ASSERT_TRUE(v.is(Type::kString));
  EXPECT_EQ(v.string(), "Europe/Paris");
  EXPECT_TRUE(Prop(Value::FromTime(TimeOf(10, 30, 0)), "timezone").is_null());
  EXPECT_TRUE(Prop(Value::FromTime(WithOffset(TimeOf(10, 30, 0), 0)), "timezone").is_null());
}

// DMN 1.5 Table 65: a time has no date properties.
TEST(PropertiesTime, NoYear) { EXPECT_TRUE(Prop(Value::FromTime(TimeOf(1, 2, 3)), "year").is_null()); }

// ---- date and time -----------------------------------------------------------------------------

// DMN 1.5 Table 65: date and time has the date properties...
TEST(PropertiesDateTime, DateParts) {
  Value dt = DateTimeOf(2018, 12, 10, TimeOf(10, 30, 1));
  ExpectNumber(Prop(dt, "year"), "2018");
  ExpectNumber(Prop(dt, "month"), "12");
  ExpectNumber(Prop(dt, "day"), "10");
  ExpectNumber(Prop(dt, "weekday"), "1");
}

// DMN 1.5 Table 65: ...and the time properties.
TEST(PropertiesDateTime, TimeParts) {
  Value dt = DateTimeOf(2018, 12, 10, TimeOf(10, 30, 1));
  ExpectNumber(Prop(dt, "hour"), "10");
  ExpectNumber(Prop(dt, "minute"), "30");
  ExpectNumber(Prop(dt, "second"), "1");
  Value midnight = DateTimeOf(2018, 12, 10, TimeOf(0, 0, 0));
  ExpectNumber(Prop(midnight, "hour"), "0");
  ExpectNumber(Prop(midnight, "second"), "0");
}

// DMN 1.5 Table 65: time offset and timezone of a date and time.
TEST(PropertiesDateTime, OffsetAndZone) {
  Value v = Prop(DateTimeOf(2018, 12, 10, WithOffset(TimeOf(10, 30, 0), 5 * 3600)), "time offset");
  ASSERT_TRUE(v.is(Type::kDaysTimeDuration));
  EXPECT_EQ(v.days_time().seconds, 5 * 3600);
  EXPECT_TRUE(Prop(DateTimeOf(2018, 12, 10, TimeOf(10, 30, 0)), "time offset").is_null());
  EXPECT_TRUE(Prop(DateTimeOf(2018, 12, 10, TimeOf(10, 30, 0)), "timezone").is_null());
  Time utc = WithZone(TimeOf(10, 30, 0), "Etc/UTC");
  Value z = Prop(DateTimeOf(2018, 12, 10, utc), "timezone");
  ASSERT_TRUE(z.is(Type::kString));
  EXPECT_EQ(z.string(), "Etc/UTC");
}

// DMN 1.5 Table 65: a zone id resolves to its offset at that date (Paris is +01:00 in winter
// and +02:00 in summer).
TEST(PropertiesDateTime, ZoneOffsetDependsOnDate) {
  Time t = WithZone(TimeOf(12, 0, 0), "Europe/Paris");
  Value winter = Prop(DateTimeOf(2018, 12, 10, t), "time offset");
  ASSERT_TRUE(winter.is(Type::kDaysTimeDuration));
  EXPECT_EQ(winter.days_time().seconds, 3600);
  Value summer = Prop(DateTimeOf(2018, 7, 10, t), "time offset");
  ASSERT_TRUE(summer.is(Type::kDaysTimeDuration));
  EXPECT_EQ(summer.days_time().seconds, 7200);
}

// ---- durations ---------------------------------------------------------------------------------

// DMN 1.5 Table 65: duration("P1Y2M").years = 1, .months = 2.
TEST(PropertiesDuration, YearsMonths) {
  Value d = Value::Duration(YearsMonthsDuration{14});
  ExpectNumber(Prop(d, "years"), "1");
  ExpectNumber(Prop(d, "months"), "2");
  ExpectNumber(Prop(Value::Duration(YearsMonthsDuration{2}), "years"), "0");
  ExpectNumber(Prop(Value::Duration(YearsMonthsDuration{12}), "months"), "0");
}

// DMN 1.5 Table 65: components of a negative duration are negative.
TEST(PropertiesDuration, NegativeYearsMonths) {
  Value d = Value::Duration(YearsMonthsDuration{-14});
  ExpectNumber(Prop(d, "years"), "-1");
  ExpectNumber(Prop(d, "months"), "-2");
}

// DMN 1.5 Table 65: duration("P1DT2H3M4S") has days 1, hours 2, minutes 3, seconds 4.
TEST(PropertiesDuration, DaysTime) {
  Value d = Value::Duration(DaysTimeDuration{86400 + 2 * 3600 + 3 * 60 + 4, 0});
  ExpectNumber(Prop(d, "days"), "1");
  ExpectNumber(Prop(d, "hours"), "2");
  ExpectNumber(Prop(d, "minutes"), "3");
  ExpectNumber(Prop(d, "seconds"), "4");
}

// DMN 1.5 Table 65: components below a day are 0 when absent; hours are within the day.
TEST(PropertiesDuration, DaysTimeZeroComponents) {
  Value day = Value::Duration(DaysTimeDuration{86400, 0});
  ExpectNumber(Prop(day, "hours"), "0");
  ExpectNumber(Prop(day, "minutes"), "0");
  ExpectNumber(Prop(day, "seconds"), "0");
  ExpectNumber(Prop(Value::Duration(DaysTimeDuration{7200, 0}), "days"), "0");
  ExpectNumber(Prop(Value::Duration(DaysTimeDuration{26 * 3600, 0}), "hours"), "2");
}

// DMN 1.5 Table 65: seconds keep their fraction; negative durations have negative parts.
TEST(PropertiesDuration, FractionAndSign) {
  ExpectNumber(Prop(Value::Duration(DaysTimeDuration{4, 123'000'000}), "seconds"), "4.123");
  Value neg = Value::Duration(DaysTimeDuration{-(86400 + 2 * 3600), 0});
  ExpectNumber(Prop(neg, "days"), "-1");
  ExpectNumber(Prop(neg, "hours"), "-2");
}

// DMN 1.5 Table 65: a years and months duration has no days, and a days and time duration no years.
TEST(PropertiesDuration, WrongKind) {
  EXPECT_TRUE(Prop(Value::Duration(YearsMonthsDuration{12}), "days").is_null());
  EXPECT_TRUE(Prop(Value::Duration(YearsMonthsDuration{12}), "seconds").is_null());
  EXPECT_TRUE(Prop(Value::Duration(DaysTimeDuration{86400, 0}), "years").is_null());
  EXPECT_TRUE(Prop(Value::Duration(DaysTimeDuration{86400, 0}), "months").is_null());
}

// ---- ranges -------------------------------------------------------------------------------------

// DMN 1.5 §10.3.2.7: [1..10] has start 1, end 10, both included.
TEST(PropertiesRange, Closed) {
  Range r;
  r.low = Value::Number(1);
  r.high = Value::Number(10);
  Value v = Value::FromRange(r);
  ExpectNumber(Prop(v, "start"), "1");
  ExpectNumber(Prop(v, "end"), "10");
  EXPECT_TRUE(Prop(v, "start included").is_true());
  EXPECT_TRUE(Prop(v, "end included").is_true());
}

// DMN 1.5 §10.3.2.7: (1..10) excludes both ends.
TEST(PropertiesRange, Open) {
  Range r;
  r.low = Value::Number(1);
  r.high = Value::Number(10);
  r.low_closed = false;
  r.high_closed = false;
  Value v = Value::FromRange(r);
  Value s = Prop(v, "start included");
  ASSERT_TRUE(s.is(Type::kBoolean));
  EXPECT_FALSE(s.boolean());
  Value e = Prop(v, "end included");
  ASSERT_TRUE(e.is(Type::kBoolean));
  EXPECT_FALSE(e.boolean());
}

// DMN 1.5 §10.3.2.7: (< 10) has a null start that is not included; (>= 10) a null end.
TEST(PropertiesRange, Unbounded) {
  Range below;
  below.high = Value::Number(10);
  below.high_closed = false;
  Value b = Value::FromRange(below);
  EXPECT_TRUE(Prop(b, "start").is_null());
  Value bi = Prop(b, "start included");
  ASSERT_TRUE(bi.is(Type::kBoolean));
  EXPECT_FALSE(bi.boolean());
  ExpectNumber(Prop(b, "end"), "10");

  Range above;
  above.low = Value::Number(10);
  Value a = Value::FromRange(above);
  EXPECT_TRUE(Prop(a, "end").is_null());
  EXPECT_TRUE(Prop(a, "start included").is_true());
  Value ai = Prop(a, "end included");
  ASSERT_TRUE(ai.is(Type::kBoolean));
  EXPECT_FALSE(ai.boolean());
}

// DMN 1.5 §10.3.2.7: range endpoints may be dates.
TEST(PropertiesRange, DateEndpoints) {
  Range r;
  r.low = DateOf(2020, 1, 1);
  r.high = DateOf(2020, 12, 31);
  Value start = Prop(Value::FromRange(r), "start");
  ASSERT_TRUE(start.is(Type::kDate));
  EXPECT_EQ(start.date(), DateFromCivil(2020, 1, 1));
}

// ---- other values -------------------------------------------------------------------------

// DMN 1.5 §10.3.2.3: numbers and strings have no properties; null has none and gives null.
TEST(PropertiesOther, NoProperties) {
  EvalContext ctx;
  EXPECT_TRUE(GetProperty(Value::Number(5), "year", ctx).is_null());
  EXPECT_TRUE(GetProperty(Value::String("x"), "start", ctx).is_null());
  EXPECT_FALSE(ctx.diagnostics().empty());
  EXPECT_TRUE(GetProperty(Value(), "year", ctx).is_null());
  EXPECT_TRUE(GetProperty(DateOf(2018, 1, 1), "Year", ctx).is_null());
}

// DMN 1.5 §10.3.2.6: a context's property is its entry.
TEST(PropertiesOther, ContextEntry) {
  Context c;
  c.Put("a", Value::String("foo"));
  Value v = Prop(Value::FromContext(c), "a");
  ASSERT_TRUE(v.is(Type::kString));
  EXPECT_EQ(v.string(), "foo");
  EXPECT_TRUE(Prop(Value::FromContext(c), "b").is_null());
}

}  // namespace
}  // namespace zebra::feel::properties_test
