// Tests for FEEL temporal values. Expected values come from DMN 1.5 §10.3.2.3.4–7 (semantic
// domain), Table 57/58 (arithmetic), §10.3.4.1 (conversion string forms), XML Schema 1.1 Part 2
// lexical forms, ISO 8601 week rules, and the proleptic Gregorian calendar.
#include "feel/temporal.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace zebra::feel::temporal_test {
namespace {

constexpr int64_t kNs = 1'000'000'000;

// What `parse` reads from `s`; a test failure (and a default value) when it reads nothing.
template <class T>
T Parsed(std::optional<T> (*parse)(std::string_view), std::string_view s) {
  auto v = parse(s);
  EXPECT_TRUE(v.has_value()) << s;
  return v.value_or(T{});
}
Date D(std::string_view s) { return Parsed(ParseDate, s); }
Time T(std::string_view s) { return Parsed(ParseTime, s); }
DateTime DT(std::string_view s) { return Parsed(ParseDateTime, s); }
DaysTimeDuration DTD(std::string_view s) { return Parsed(ParseDaysTimeDuration, s); }
YearsMonthsDuration YMD(std::string_view s) { return Parsed(ParseYearsMonthsDuration, s); }

// `parse` refuses every text of `texts`.
template <class T>
void ExpectRejected(std::optional<T> (*parse)(std::string_view), std::initializer_list<std::string_view> texts) {
  for (std::string_view text : texts) EXPECT_FALSE(parse(text).has_value()) << text;
}

// ---- civil calendar (proleptic Gregorian, DMN 1.5 §10.3.2.3.4 date) ---------------------

TEST(Civil, EpochIsDayZero) {
  EXPECT_EQ(DateFromCivil(1970, 1, 1).days, 0);
  EXPECT_EQ(DateFromCivil(1969, 12, 31).days, -1);
  EXPECT_EQ(DateFromCivil(1970, 3, 1).days, 59);  // 31 + 28
}

TEST(Civil, KnownDayCounts) {
  EXPECT_EQ(DateFromCivil(2000, 3, 1).days - DateFromCivil(2000, 2, 28).days, 2);  // 2000 is leap
  EXPECT_EQ(DateFromCivil(1900, 3, 1).days - DateFromCivil(1900, 2, 28).days, 1);  // 1900 is not
  EXPECT_EQ(DateFromCivil(2001, 1, 1).days - DateFromCivil(1601, 1, 1).days, 146097);  // 400 years
}

TEST(Civil, RoundTripsAcrossHugeRange) {
  for (int64_t y : {int64_t{-999'999'999}, int64_t{-4713}, int64_t{-1}, int64_t{0}, int64_t{1}, int64_t{1582},
                    int64_t{2024}, int64_t{999'999'999}}) {
    for (int m : {1, 2, 12}) {
      int last = m == 2 ? ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28) : 31;
      for (int d : {1, last}) {
        CivilDate c = CivilFromDate(DateFromCivil(y, m, d));
        EXPECT_EQ(c.year, y);
        EXPECT_EQ(c.month, m);
        EXPECT_EQ(c.day, d);
      }
    }
  }
}

TEST(Civil, ConsecutiveDaysAreConsecutive) {
  Date d = DateFromCivil(1999, 12, 31);
  CivilDate next = CivilFromDate(Date{d.days + 1});
  EXPECT_EQ(next.year, 2000);
  EXPECT_EQ(next.month, 1);
  EXPECT_EQ(next.day, 1);
}

TEST(Civil, Validity) {
  EXPECT_TRUE(IsValidCivil(2020, 2, 29));
  EXPECT_FALSE(IsValidCivil(2019, 2, 29));
  EXPECT_FALSE(IsValidCivil(2100, 2, 29));
  EXPECT_TRUE(IsValidCivil(2000, 2, 29));
  EXPECT_FALSE(IsValidCivil(2017, 4, 31));
  EXPECT_FALSE(IsValidCivil(2017, 13, 1));
  EXPECT_FALSE(IsValidCivil(2017, 0, 1));
  EXPECT_FALSE(IsValidCivil(2017, 1, 0));
}

// ---- date parsing (§10.3.4.1 date(from): XML Schema date lexical form) ----------------------

TEST(ParseDate, Basic) {
  Date d = D("2017-08-10");
  CivilDate c = CivilFromDate(d);
  EXPECT_EQ(c.year, 2017);
  EXPECT_EQ(c.month, 8);
  EXPECT_EQ(c.day, 10);
}

TEST(ParseDate, NegativeAndLongYears) {
  EXPECT_EQ(CivilFromDate(D("-2017-12-31")).year, -2017);
  EXPECT_EQ(CivilFromDate(D("999999999-12-31")).year, 999'999'999);
  EXPECT_EQ(CivilFromDate(D("-999999999-01-01")).year, -999'999'999);
  EXPECT_EQ(CivilFromDate(D("12345-06-07")).year, 12345);
  EXPECT_EQ(CivilFromDate(D("0000-01-01")).year, 0);
}

TEST(ParseDate, RejectsBadMonthsAndDays) {
  ExpectRejected(ParseDate, {
      "2017-13-01",
      "2017-00-01",
      "2017-02-30",
      "2017-02-29",
      "2017-12-32",
      "2017-04-00",
  });
}

TEST(ParseDate, RejectsMalformedText) {
  ExpectRejected(ParseDate, {
      "",
      "2017-8-10",  // two-digit month required
      "2017-08-1",  // two-digit day required
      "998-12-31",  // at least four year digits
      "01211-12-31",  // no leading zero beyond four digits
      "+2012-12-02",  // no '+' sign
      "9999999999-12-25",  // beyond FEEL's year range
      "2012/12/25",
      "2012-12-25T",
      "2012-12-25Z",  // FEEL dates carry no zone
      " 2012-12-25",
  });
}

// ---- time parsing (§10.3.4.1 time(from), XML Schema time) ---------------------------------

TEST(ParseTime, Local) {
  Time t = T("10:20:30");
  EXPECT_EQ(t.kind, ZoneKind::kLocal);
  EXPECT_EQ(t.nanos, (10 * 3600 + 20 * 60 + 30) * kNs);
}

TEST(ParseTime, Fraction) {
  EXPECT_EQ(T("00:00:00.5").nanos, kNs / 2);
  EXPECT_EQ(T("00:00:01.123456789").nanos, kNs + 123'456'789);
  EXPECT_EQ(T("00:00:00.0001").nanos, 100'000);
}

TEST(ParseTime, UtcAndOffsets) {
  Time z = T("10:00:00Z");
  EXPECT_EQ(z.kind, ZoneKind::kOffset);
  EXPECT_EQ(z.offset_seconds, 0);
  Time p = T("10:00:00+02:00");
  EXPECT_EQ(p.kind, ZoneKind::kOffset);
  EXPECT_EQ(p.offset_seconds, 7200);
  EXPECT_EQ(T("10:00:00-05:30").offset_seconds, -(5 * 3600 + 30 * 60));
  EXPECT_EQ(T("10:00:00-00:00").offset_seconds, 0);
  EXPECT_EQ(T("10:00:00+02:45:55").offset_seconds, 2 * 3600 + 45 * 60 + 55);
}

TEST(ParseTime, ZoneId) {
  Time t = T("10:20:00@Europe/Paris");
  EXPECT_EQ(t.kind, ZoneKind::kZone);
  ASSERT_NE(t.zone, nullptr);
  EXPECT_EQ(t.zone->id, "Europe/Paris");
}

TEST(ParseTime, RejectsOutOfRangeFields) {
  ExpectRejected(ParseTime, {
      "24:00:01",
      "24:01:00",
      "25:00:00",
      "00:60:00",
      "00:00:60",  // no leap seconds in FEEL times
      "13:20:00+19:00",
      "13:20:00-19:00",
      "13:20:00+02:60",
  });
}

TEST(ParseTime, RejectsMalformedText) {
  ExpectRejected(ParseTime, {
      "",
      "7:00:00",
      "07:1:00",
      "07:01:2",
      "07:20",  // seconds are required
      "11:30:00T",
      "11:30:00.",
      "13:20:00+5:00",
      "13:20:00+5",
      "13:20:00+05:0",
      "13:20:00+02:00@Europe/Paris",  // offset and zone together
      "13:20:00@xyz/abc",
      "13:20:00@",
  });
}

// ---- date and time parsing (§10.3.4.1 date and time(from)) ---------------------------------

TEST(ParseDateTime, Joined) {
  DateTime dt = DT("2017-12-31T11:22:33.456+01:35");
  EXPECT_EQ(CivilFromDate(dt.date).day, 31);
  EXPECT_EQ(dt.time.nanos, (11 * 3600 + 22 * 60 + 33) * kNs + 456'000'000);
  EXPECT_EQ(dt.time.offset_seconds, 3600 + 35 * 60);
}

TEST(ParseDateTime, BareDateIsLocalMidnight) {
  DateTime dt = DT("2012-12-24");
  EXPECT_EQ(dt.time.nanos, 0);
  EXPECT_EQ(dt.time.kind, ZoneKind::kLocal);
  EXPECT_EQ(dt.date, D("2012-12-24"));
}

TEST(ParseDateTime, Rejects) {
  ExpectRejected(ParseDateTime, {
      "",
      "11:00:00",
      "2011-12-0310:15:30",
      "2012-12-24T",
      "2017-13-10T11:22:33",
      "2017-12-31T24:00:01",
      "2011-12-03T10:15:30+01:00@Europe/Paris",
      "+99999-12-01T11:22:33",
  });
}

// ---- duration parsing (§10.3.2.3.7, §10.3.4.1 duration(from), XML Schema duration) ----------

TEST(ParseDuration, DaysTimeComponents) {
  EXPECT_EQ(DTD("P1D").seconds, 86400);
  EXPECT_EQ(DTD("PT2H").seconds, 7200);
  EXPECT_EQ(DTD("PT3M").seconds, 180);
  EXPECT_EQ(DTD("PT4S").seconds, 4);
  DaysTimeDuration d = DTD("P1DT2H3M4.5S");
  EXPECT_EQ(d.seconds, 86400 + 7200 + 180 + 4);
  EXPECT_EQ(d.nanos, 500'000'000);
}

TEST(ParseDuration, NegativeDaysTime) {
  DaysTimeDuration d = DTD("-PT1.5S");
  EXPECT_EQ(d.seconds, -1);
  EXPECT_EQ(d.nanos, -500'000'000);
  EXPECT_EQ(DTD("-PT1H").seconds, -3600);
}

TEST(ParseDuration, ZeroForms) {
  EXPECT_EQ(DTD("PT0S"), DaysTimeDuration{});
  EXPECT_EQ(DTD("P0D"), DaysTimeDuration{});
  EXPECT_EQ(DTD("-P0D"), DaysTimeDuration{});
  EXPECT_EQ(DTD("PT0.S"), DaysTimeDuration{});  // XSD 1.1 allows "0." as a seconds numeral
  EXPECT_EQ(YMD("P0Y"), YearsMonthsDuration{});
}

TEST(ParseDuration, YearsMonths) {
  EXPECT_EQ(YMD("P1Y2M").months, 14);
  EXPECT_EQ(YMD("P1Y").months, 12);
  EXPECT_EQ(YMD("-P2M").months, -2);
  EXPECT_EQ(YMD("P26M").months, 26);
}

TEST(ParseDuration, KindsDoNotMix) {
  ExpectRejected(ParseDaysTimeDuration, {
      "P1Y",
      "P1M",
      "P1Y2D",
  });
  ExpectRejected(ParseYearsMonthsDuration, {
      "P1D",
      "PT1H",
      "P1YT1S",
  });
}

TEST(ParseDuration, RejectsMalformed) {
  for (std::string_view s : {"", "P", "P0", "1Y", "1D", "P1H", "P1S", "PT", "P1DT", "PT1.5H", "P1.5D", "P1M1Y",
                             "PT1S1M", "P-1D", "+P1D", "P1D1D", "2012T-12-2511:00:00Z", "PT9999999999999999999S"}) {
    EXPECT_FALSE(ParseDaysTimeDuration(s)) << s;
    EXPECT_FALSE(ParseYearsMonthsDuration(s)) << s;
  }
}

TEST(ParseDuration, OverflowIsRejected) {
  EXPECT_FALSE(ParseDaysTimeDuration("P999999999999999D"));  // days * 86400 overflows int64
  EXPECT_FALSE(ParseYearsMonthsDuration("P999999999999999999Y"));
}

// ---- formatting (§10.3.4.1 string(from) and the canonical lexical forms) ----------------------

TEST(FormatDate, FourDigitYears) {
  EXPECT_EQ(FormatDate(DateFromCivil(2017, 8, 10)), "2017-08-10");
  EXPECT_EQ(FormatDate(DateFromCivil(5, 1, 2)), "0005-01-02");
  EXPECT_EQ(FormatDate(DateFromCivil(-1, 1, 1)), "-0001-01-01");
  EXPECT_EQ(FormatDate(DateFromCivil(-2017, 12, 31)), "-2017-12-31");
  EXPECT_EQ(FormatDate(DateFromCivil(999'999'999, 12, 31)), "999999999-12-31");
}

TEST(FormatDate, RoundTrip) {
  for (std::string_view s : {"2017-08-10", "-0044-03-15", "12345-06-07", "2000-02-29"})
    EXPECT_EQ(FormatDate(D(s)), s);
}

TEST(FormatTime, Forms) {
  EXPECT_EQ(FormatTime(T("10:20:00")), "10:20:00");
  EXPECT_EQ(FormatTime(T("10:20:00.500")), "10:20:00.5");
  EXPECT_EQ(FormatTime(T("10:20:00.123456789")), "10:20:00.123456789");
  EXPECT_EQ(FormatTime(T("10:20:00+02:00")), "10:20:00+02:00");
  EXPECT_EQ(FormatTime(T("10:20:00-05:30")), "10:20:00-05:30");
  EXPECT_EQ(FormatTime(T("10:20:00+00:00")), "10:20:00Z");
  EXPECT_EQ(FormatTime(T("10:20:00-00:00")), "10:20:00Z");
  EXPECT_EQ(FormatTime(T("10:20:00@Europe/Paris")), "10:20:00@Europe/Paris");
}

TEST(FormatTime, OffsetWithSeconds) {
  Time t;
  t.nanos = (11 * 3600 + 59 * 60 + 45) * kNs;
  t.kind = ZoneKind::kOffset;
  t.offset_seconds = -(2 * 3600 + 45 * 60 + 55);
  EXPECT_EQ(FormatTime(t), "11:59:45-02:45:55");
}

TEST(FormatDateTime, JoinedWithT) {
  EXPECT_EQ(FormatDateTime(DT("2017-08-10T10:20:00")), "2017-08-10T10:20:00");
  EXPECT_EQ(FormatDateTime(DT("-2017-12-31T11:22:33.456+01:35")), "-2017-12-31T11:22:33.456+01:35");
  EXPECT_EQ(FormatDateTime(DT("2011-12-31T10:15:30@Etc/UTC")), "2011-12-31T10:15:30@Etc/UTC");
  EXPECT_EQ(FormatDateTime(DT("2012-12-24")), "2012-12-24T00:00:00");
}

TEST(FormatDuration, DaysTimeCanonical) {
  EXPECT_EQ(FormatDuration(DaysTimeDuration{90061, 0}), "P1DT1H1M1S");
  EXPECT_EQ(FormatDuration(DaysTimeDuration{36 * 3600, 0}), "P1DT12H");
  EXPECT_EQ(FormatDuration(DaysTimeDuration{86400, 0}), "P1D");
  EXPECT_EQ(FormatDuration(DaysTimeDuration{0, 0}), "PT0S");
  EXPECT_EQ(FormatDuration(DaysTimeDuration{-3600, 0}), "-PT1H");
  EXPECT_EQ(FormatDuration(DaysTimeDuration{0, 999'000'000}), "PT0.999S");
  EXPECT_EQ(FormatDuration(DaysTimeDuration{0, -500'000'000}), "-PT0.5S");
}

TEST(FormatDuration, NormalizesParsedText) {
  EXPECT_EQ(FormatDuration(DTD("PT1000M")), "PT16H40M");
  EXPECT_EQ(FormatDuration(DTD("PT24H")), "P1D");
  EXPECT_EQ(FormatDuration(DTD("PT3600S")), "PT1H");
  EXPECT_EQ(FormatDuration(DTD("P2DT100M")), "P2DT1H40M");
  EXPECT_EQ(FormatDuration(DTD("PT1000M0.999999999S")), "PT16H40M0.999999999S");
  EXPECT_EQ(FormatDuration(DTD("-PT1H2M")), "-PT1H2M");
  EXPECT_EQ(FormatDuration(DTD("PT0.000S")), "PT0S");
}

TEST(FormatDuration, YearsMonthsCanonical) {
  EXPECT_EQ(FormatDuration(YearsMonthsDuration{14}), "P1Y2M");
  EXPECT_EQ(FormatDuration(YearsMonthsDuration{0}), "P0M");
  EXPECT_EQ(FormatDuration(YearsMonthsDuration{12}), "P1Y");
  EXPECT_EQ(FormatDuration(YearsMonthsDuration{5}), "P5M");
  EXPECT_EQ(FormatDuration(YearsMonthsDuration{-100}), "-P8Y4M");
  EXPECT_EQ(FormatDuration(YMD("P1Y27M")), "P3Y3M");
}

TEST(FormatDuration, ExtremeValuesDoNotOverflow) {
  EXPECT_EQ(FormatDuration(YearsMonthsDuration{std::numeric_limits<int64_t>::min()}).substr(0, 2), "-P");
  EXPECT_EQ(FormatDuration(DaysTimeDuration{std::numeric_limits<int64_t>::min(), 0}).substr(0, 2), "-P");
}

// ---- zones ------------------------------------------------------------------------------

TEST(Zone, InternsIds) {
  const Zone* a = FindZone("Europe/Paris");
  const Zone* b = FindZone("Europe/Paris");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a, b);
  EXPECT_NE(FindZone("Asia/Dhaka"), a);
}

TEST(Zone, UnknownAndUnsafeIds) {
  EXPECT_EQ(FindZone("xyz/abc"), nullptr);
  EXPECT_EQ(FindZone(""), nullptr);
  EXPECT_EQ(FindZone("../../etc/passwd"), nullptr);
  EXPECT_EQ(FindZone("/usr/share/zoneinfo/UTC"), nullptr);
  EXPECT_EQ(FindZone("localtime"), nullptr);
}

TEST(Zone, ThreadSafeInterning) {
  std::vector<const Zone*> seen(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) threads.emplace_back([&seen, i] { seen[i] = FindZone("America/New_York"); });
  for (auto& t : threads) t.join();
  ASSERT_NE(seen[0], nullptr);
  for (const Zone* z : seen) EXPECT_EQ(z, seen[0]);
}

TEST(Zone, EffectiveOffsetFollowsDaylightSaving) {
  EXPECT_EQ(EffectiveOffset(DT("2018-10-08T00:00:00@Europe/Paris")), 7200);  // CEST
  EXPECT_EQ(EffectiveOffset(DT("2018-02-08T00:00:00@Europe/Paris")), 3600);  // CET
  EXPECT_EQ(EffectiveOffset(DT("2018-02-08T00:00:00+05:00")), 18000);
  EXPECT_EQ(EffectiveOffset(DT("2018-02-08T00:00:00")), std::nullopt);
  EXPECT_EQ(EffectiveOffset(T("10:00:00")), std::nullopt);
  EXPECT_EQ(EffectiveOffset(T("10:00:00@Etc/UTC")), 0);
}

TEST(Zone, GapAndOverlapUseOffsetBeforeTransition) {
  // Paris skipped 02:00-03:00 on 2021-03-28 and repeated it on 2021-10-31.
  EXPECT_EQ(EffectiveOffset(DT("2021-03-28T02:30:00@Europe/Paris")), 3600);
  EXPECT_EQ(EffectiveOffset(DT("2021-10-31T02:30:00@Europe/Paris")), 7200);
}

TEST(Zone, FarYearsResolve) {
  // Zones extend their last rule into the far future (and the first into the far past).
  EXPECT_TRUE(EffectiveOffset(DT("999999999-12-31T23:59:59.999999999@Europe/Paris")).has_value());
  EXPECT_TRUE(EffectiveOffset(DT("-999999999-01-01T00:00:00@Europe/Paris")).has_value());
}

// ---- comparison (§10.3.2.3.4 valuet, §10.3.2.3.5 valuedt) ------------------------------------

TEST(CompareTime, LocalTimes) {
  EXPECT_EQ(CompareTime(T("10:30:00"), T("10:30:00")), std::strong_ordering::equal);
  EXPECT_EQ(CompareTime(T("10:30:00.0000"), T("10:30:00")), std::strong_ordering::equal);
  EXPECT_EQ(CompareTime(T("11:30:00"), T("10:30:00")), std::strong_ordering::greater);
  EXPECT_EQ(CompareTime(T("10:30:00.1"), T("10:30:00.2")), std::strong_ordering::less);
}

TEST(CompareTime, OffsetsCompareInUtc) {
  EXPECT_EQ(CompareTime(T("10:30:00Z"), T("10:30:00+00:00")), std::strong_ordering::equal);
  EXPECT_EQ(CompareTime(T("12:30:00+02:00"), T("10:30:00Z")), std::strong_ordering::equal);
  EXPECT_EQ(CompareTime(T("10:30:00+02:00"), T("10:30:00+01:00")), std::strong_ordering::less);
}

TEST(CompareTime, ValueWrapsModuloOneDay) {
  // valuet is taken modulo 24h: 01:00+02:00 is 23:00 UTC.
  EXPECT_EQ(CompareTime(T("01:00:00+02:00"), T("23:00:00Z")), std::strong_ordering::equal);
}

TEST(CompareTime, LocalAgainstZonedIsNotComparable) {
  EXPECT_EQ(CompareTime(T("10:30:00"), T("10:30:00Z")), std::nullopt);
  EXPECT_EQ(CompareTime(T("10:30:00@Europe/Paris"), T("10:30:00")), std::nullopt);
}

TEST(CompareTime, ZoneResolvedOnEpochDate) {
  // A bare zoned time resolves its zone at 1970-01-01, when Paris was at +01:00.
  EXPECT_EQ(CompareTime(T("10:30:00@Europe/Paris"), T("09:30:00Z")), std::strong_ordering::equal);
  EXPECT_NE(CompareTime(T("10:30:00@Europe/Paris"), T("10:30:00@Asia/Dhaka")), std::strong_ordering::equal);
}

TEST(CompareDateTime, Local) {
  EXPECT_EQ(CompareDateTime(DT("2018-12-08"), DT("2018-12-08T00:00:00")), std::strong_ordering::equal);
  EXPECT_EQ(CompareDateTime(DT("2018-12-08T00:00:00"), DT("2018-12-07T23:59:59")), std::strong_ordering::greater);
  EXPECT_EQ(CompareDateTime(DT("-0001-12-31T00:00:00"), DT("0000-01-01T00:00:00")), std::strong_ordering::less);
}

TEST(CompareDateTime, InstantsAcrossOffsets) {
  EXPECT_EQ(CompareDateTime(DT("2002-04-02T12:00:00-01:00"), DT("2002-04-02T17:00:00+04:00")),
            std::strong_ordering::equal);
  EXPECT_EQ(CompareDateTime(DT("2002-04-02T23:00:00-04:00"), DT("2002-04-03T02:00:00-01:00")),
            std::strong_ordering::equal);
  EXPECT_EQ(CompareDateTime(DT("2002-04-02T23:00:00-04:00"), DT("2002-04-03T02:00:00Z")),
            std::strong_ordering::greater);
}

TEST(CompareDateTime, ZonesAndOffsets) {
  EXPECT_EQ(CompareDateTime(DT("2018-10-08T00:00:00+02:00"), DT("2018-10-08T00:00:00@Europe/Paris")),
            std::strong_ordering::equal);
  EXPECT_EQ(CompareDateTime(DT("2018-02-08T00:00:00+01:00"), DT("2018-02-08T00:00:00@Europe/Paris")),
            std::strong_ordering::equal);
  EXPECT_EQ(CompareDateTime(DT("2018-12-08T00:00:00Z"), DT("2018-12-08T00:00:00@Etc/UTC")),
            std::strong_ordering::equal);
  // Dhaka (+06:00) reaches midnight earlier than Paris (+01:00).
  EXPECT_EQ(CompareDateTime(DT("2018-12-08T00:00:00@Asia/Dhaka"), DT("2018-12-08T00:00:00@Europe/Paris")),
            std::strong_ordering::less);
}

TEST(CompareDateTime, LocalAgainstZonedIsNotComparable) {
  EXPECT_EQ(CompareDateTime(DT("2018-12-08T00:00:00"), DT("2018-12-08T00:00:00@Asia/Dhaka")), std::nullopt);
  EXPECT_EQ(CompareDateTime(DT("2018-12-08T00:00:00Z"), DT("2018-12-08T00:00:00")), std::nullopt);
}

TEST(EpochSeconds, LocalIsUtc) {
  EXPECT_EQ(EpochSeconds(DT("1970-01-01T00:00:00")), 0);
  EXPECT_EQ(EpochSeconds(DT("1970-01-02T01:00:00")), 86400 + 3600);
  EXPECT_EQ(EpochSeconds(DT("1970-01-01T01:00:00+01:00")), 0);
  EXPECT_EQ(EpochSeconds(DT("2017-08-10T00:00:00Z")), 17388 * int64_t{86400});
}

// ---- arithmetic (Table 57/58) -----------------------------------------------------------------

TEST(Arithmetic, DateTimePlusDaysTime) {
  auto r = Add(DT("2017-12-31T23:00:00"), DTD("PT2H30M"));
  ASSERT_TRUE(r);
  EXPECT_EQ(FormatDateTime(*r), "2018-01-01T01:30:00");
  auto back = Add(DT("2018-01-01T00:00:00.25+01:00"), DTD("-PT0.5S"));
  ASSERT_TRUE(back);
  EXPECT_EQ(FormatDateTime(*back), "2017-12-31T23:59:59.75+01:00");
}

TEST(Arithmetic, ZonedAdditionIsElapsedTime) {
  // One exact day across the spring-forward night: 24h later the Paris wall clock reads 13:00.
  auto r = Add(DT("2021-03-27T12:00:00@Europe/Paris"), DTD("P1D"));
  ASSERT_TRUE(r);
  EXPECT_EQ(FormatDateTime(*r), "2021-03-28T13:00:00@Europe/Paris");
}

TEST(Arithmetic, DateTimePlusYearsMonthsClampsDay) {
  auto r = Add(DT("2020-01-31T10:00:00Z"), YMD("P1M"));
  ASSERT_TRUE(r);
  EXPECT_EQ(FormatDateTime(*r), "2020-02-29T10:00:00Z");
}

TEST(Arithmetic, DatePlusYearsMonths) {
  EXPECT_EQ(FormatDate(*Add(D("2020-01-31"), YMD("P1M"))), "2020-02-29");
  EXPECT_EQ(FormatDate(*Add(D("2019-01-31"), YMD("P1M"))), "2019-02-28");
  EXPECT_EQ(FormatDate(*Add(D("2020-02-29"), YMD("P1Y"))), "2021-02-28");
  EXPECT_EQ(FormatDate(*Add(D("2020-03-31"), YMD("-P1M"))), "2020-02-29");
  EXPECT_EQ(FormatDate(*Add(D("2017-11-15"), YMD("P1Y2M"))), "2019-01-15");
  EXPECT_EQ(FormatDate(*Add(D("0001-01-01"), YMD("-P1M"))), "0000-12-01");
}

TEST(Arithmetic, DatePlusDaysTime) {
  EXPECT_EQ(FormatDate(*Add(D("2020-02-28"), DTD("P2D"))), "2020-03-01");
  EXPECT_EQ(FormatDate(*Add(D("2020-01-01"), DTD("PT25H"))), "2020-01-02");
  EXPECT_EQ(FormatDate(*Add(D("2020-01-01"), DTD("-PT1H"))), "2019-12-31");
}

TEST(Arithmetic, OutOfYearRangeIsNull) {
  EXPECT_FALSE(Add(D("999999999-12-31"), DTD("P1D")));
  EXPECT_FALSE(Add(D("999999999-12-31"), YMD("P1M")));
  EXPECT_FALSE(Add(DT("-999999999-01-01T00:00:00"), DTD("-PT1S")));
  EXPECT_FALSE(Add(D("2020-01-01"), YearsMonthsDuration{std::numeric_limits<int64_t>::max()}));
  EXPECT_FALSE(Add(DT("2020-01-01T00:00:00"), DaysTimeDuration{std::numeric_limits<int64_t>::max(), 0}));
}

TEST(Arithmetic, TimePlusDurationWrapsMidnight) {
  EXPECT_EQ(FormatTime(Add(T("23:00:00Z"), DTD("PT2H"))), "01:00:00Z");
  EXPECT_EQ(FormatTime(Add(T("01:00:00"), DTD("-PT2H"))), "23:00:00");
  EXPECT_EQ(FormatTime(Add(T("10:00:00@Europe/Paris"), DTD("P3DT0.5S"))), "10:00:00.5@Europe/Paris");
}

TEST(Arithmetic, DateTimeMinusDateTime) {
  EXPECT_EQ(Subtract(DT("2017-01-02T01:01:01"), DT("2017-01-01T00:00:00")), (DaysTimeDuration{90061, 0}));
  EXPECT_EQ(Subtract(DT("2017-01-01T00:00:00"), DT("2017-01-01T00:00:00.5")), (DaysTimeDuration{0, -500'000'000}));
  // Same instant written with different offsets: zero.
  EXPECT_EQ(Subtract(DT("2002-04-02T12:00:00-01:00"), DT("2002-04-02T17:00:00+04:00")), DaysTimeDuration{});
  EXPECT_EQ(Subtract(DT("2018-10-08T12:00:00@Europe/Paris"), DT("2018-10-08T12:00:00Z")),
            (DaysTimeDuration{-7200, 0}));
  EXPECT_FALSE(Subtract(DT("2017-01-01T00:00:00"), DT("2017-01-01T00:00:00Z")));
}

TEST(Arithmetic, DateTimeMinusAcrossLeapYear) {
  EXPECT_EQ(Subtract(DT("2021-01-01T00:00:00"), DT("2020-01-01T00:00:00"))->seconds, 366 * 86400);
  EXPECT_EQ(Subtract(DT("2020-01-01T00:00:00"), DT("2019-01-01T00:00:00"))->seconds, 365 * 86400);
}

TEST(Arithmetic, TimeMinusTime) {
  EXPECT_EQ(Subtract(T("10:00:00"), T("08:30:00")), (DaysTimeDuration{5400, 0}));
  EXPECT_EQ(Subtract(T("08:30:00"), T("10:00:00")), (DaysTimeDuration{-5400, 0}));
  EXPECT_EQ(Subtract(T("12:00:00+02:00"), T("10:00:00Z")), DaysTimeDuration{});
  EXPECT_FALSE(Subtract(T("12:00:00"), T("10:00:00Z")));
}

TEST(Arithmetic, MonthsBetween) {
  auto months = [](std::string_view a, std::string_view b) { return MonthsBetween(DT(a), DT(b)).months; };
  EXPECT_EQ(months("2011-12-22", "2013-08-24"), 20);   // P1Y8M
  EXPECT_EQ(months("2013-08-24", "2011-12-22"), -20);
  EXPECT_EQ(months("2015-01-21", "2016-01-21"), 12);
  EXPECT_EQ(months("2016-01-01", "2016-01-01"), 0);
  EXPECT_EQ(months("2016-01-31", "2016-02-29"), 0);   // the 31st is not reached in February
  EXPECT_EQ(months("2016-01-31", "2016-03-31"), 2);
  EXPECT_EQ(months("-2016-01-30", "-2017-02-28"), -11);
}

TEST(Arithmetic, DurationAddAndNegate) {
  EXPECT_EQ(Add(DTD("PT0.7S"), DTD("PT0.6S")), (DaysTimeDuration{1, 300'000'000}));
  EXPECT_EQ(Add(DTD("PT1S"), DTD("-PT1.5S")), (DaysTimeDuration{0, -500'000'000}));
  EXPECT_EQ(Add(DTD("-PT1.5S"), DTD("PT3S")), (DaysTimeDuration{1, 500'000'000}));
  EXPECT_EQ(Negate(DTD("P1DT0.5S")), (DaysTimeDuration{-86400, -500'000'000}));
  EXPECT_EQ(Negate(Negate(DTD("PT7S"))), DTD("PT7S"));
}

TEST(Arithmetic, DurationAddSaturates) {
  DaysTimeDuration big{std::numeric_limits<int64_t>::max(), 0};
  EXPECT_EQ(Add(big, DTD("PT1S")).seconds, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(Negate(DaysTimeDuration{std::numeric_limits<int64_t>::min(), 0}).seconds,
            std::numeric_limits<int64_t>::max());
}

TEST(Arithmetic, DurationOrdering) {
  EXPECT_EQ(DTD("P1D"), DTD("PT24H"));
  EXPECT_LT(DTD("-PT1S"), DTD("PT0S"));
  EXPECT_LT(DTD("PT0.5S"), DTD("PT1S"));
  EXPECT_EQ(YMD("P1Y"), YMD("P12M"));
}

// ---- calendar properties (§10.3.4.? day of week / week of year / day of year; ISO 8601) -----

TEST(CalendarProperties, DayOfWeek) {
  EXPECT_EQ(DayOfWeek(D("1970-01-01")), 4);  // Thursday
  EXPECT_EQ(DayOfWeek(D("2017-08-10")), 4);
  EXPECT_EQ(DayOfWeek(D("2019-09-17")), 2);
  EXPECT_EQ(DayOfWeek(D("2021-01-03")), 7);  // Sunday
  EXPECT_EQ(DayOfWeek(D("1969-12-29")), 1);  // Monday, before the epoch
  EXPECT_EQ(DayOfWeek(D("0001-01-01")), 1);
}

TEST(CalendarProperties, DayOfYear) {
  EXPECT_EQ(DayOfYear(D("2019-01-01")), 1);
  EXPECT_EQ(DayOfYear(D("2019-12-31")), 365);
  EXPECT_EQ(DayOfYear(D("2020-12-31")), 366);
  EXPECT_EQ(DayOfYear(D("2020-03-01")), 61);
  EXPECT_EQ(DayOfYear(D("-0001-12-31")), 365);
}

TEST(CalendarProperties, IsoWeekOfYear) {
  EXPECT_EQ(WeekOfYear(D("2017-08-10")), 32);
  EXPECT_EQ(WeekOfYear(D("2005-01-01")), 53);  // belongs to 2004's last week
  EXPECT_EQ(WeekOfYear(D("2008-12-29")), 1);   // belongs to 2009's first week
  EXPECT_EQ(WeekOfYear(D("2009-12-31")), 53);
  EXPECT_EQ(WeekOfYear(D("2021-01-03")), 53);
  EXPECT_EQ(WeekOfYear(D("2010-01-04")), 1);
  EXPECT_EQ(WeekOfYear(D("2019-12-30")), 1);
}

TEST(ParseTime, FractionBeyondNanosecondsIsTruncated) {
  EXPECT_EQ(T("00:00:00.1234567891").nanos, 123'456'789);
  EXPECT_EQ(T("23:59:59.999999999").nanos, 86400 * kNs - 1);
}

TEST(ParseDuration, FractionForms) {
  EXPECT_EQ(DTD("PT.5S"), (DaysTimeDuration{0, 500'000'000}));  // XSD 1.1 '.' fracFrag
  EXPECT_EQ(DTD("PT1.S"), (DaysTimeDuration{1, 0}));
  EXPECT_FALSE(ParseDaysTimeDuration("PT.S"));
}

TEST(FormatDuration, LargeYearsMonths) {
  EXPECT_EQ(FormatDuration(YMD("P999999999M")), "P83333333Y3M");
  EXPECT_EQ(FormatDuration(YMD("-P99999999Y")), "-P99999999Y");
}

TEST(FormatDateTime, RoundTrips) {
  for (std::string_view s : {"2017-12-31T11:22:33.345", "2017-12-31T11:22:33.567Z", "2017-12-31T11:22:33-02:00",
                             "-999999999-12-31T23:59:59.999999999+02:00",
                             "2011-12-31T10:15:30.123456789@Europe/Paris", "99999-12-31T11:22:33"})
    EXPECT_EQ(FormatDateTime(DT(s)), s);
}

TEST(Arithmetic, YearsMonthsKeepTimeAndZone) {
  auto r = Add(DT("2019-03-31T10:20:00@Europe/Paris"), YMD("-P1M"));
  ASSERT_TRUE(r);
  EXPECT_EQ(FormatDateTime(*r), "2019-02-28T10:20:00@Europe/Paris");
}

}  // namespace
}  // namespace zebra::feel::temporal_test
