// Range built-ins, DMN 1.5 §10.3.4.9 (Table 78 "Semantics of range functions"). The examples
// follow the table: each function on points and ranges, with open and closed ends.
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "feel/builtins.h"
#include "feel/builtins_test_util.h"

namespace zebra::feel {
namespace {

using testing::Call;
using testing::Named;
using testing::N;

// A number range from its FEEL text: "[1..5)", "(1..5]", "]1..5[".
Value R(std::string_view text) {
  Range r;
  r.low_closed = text.front() == '[';
  r.high_closed = text.back() == ']';
  std::string_view body = text.substr(1, text.size() - 2);
  size_t dots = body.find("..");
  r.low = N(std::stoll(std::string(body.substr(0, dots))));
  r.high = N(std::stoll(std::string(body.substr(dots + 2))));
  return Value::FromRange(std::move(r));
}

// (< x), (<= x), (> x), (>= x): ranges with one unbounded end.
Value Below(int64_t x, bool closed) {
  Range r;
  r.low_closed = false;
  r.high = N(x);
  r.high_closed = closed;
  return Value::FromRange(std::move(r));
}
Value Above(int64_t x, bool closed) {
  Range r;
  r.low = N(x);
  r.low_closed = closed;
  r.high_closed = false;
  return Value::FromRange(std::move(r));
}

Value DateOf(int64_t y, int m, int d) { return Value::FromDate(DateFromCivil(y, m, d)); }

// true, false, or "null" for anything else, so that a failing check names what came back.
std::string B(const Value& v) {
  if (v.is(Type::kBoolean)) return v.boolean() ? "true" : "false";
  return std::string(TypeName(v.type()));
}
const std::string kTrue = "true";
const std::string kFalse = "false";

// ---- before -------------------------------------------------------------------------------

// DMN 1.5 §10.3.4.9: before(point1, point2) is point1 < point2.
TEST(RangeBefore, Points) {
  EXPECT_EQ(B(Call("before", {N(1), N(10)})), kTrue);
  EXPECT_EQ(B(Call("before", {N(10), N(1)})), kFalse);
  EXPECT_EQ(B(Call("before", {N(1), N(1)})), kFalse);
}

// DMN 1.5 §10.3.4.9: before(point, range).
TEST(RangeBefore, PointRange) {
  EXPECT_EQ(B(Call("before", {N(1), R("[2..5]")})), kTrue);
  EXPECT_EQ(B(Call("before", {N(1), R("(1..5]")})), kTrue);
  EXPECT_EQ(B(Call("before", {N(1), R("[1..5]")})), kFalse);
  EXPECT_EQ(B(Call("before", {N(3), R("[1..5]")})), kFalse);
}

// DMN 1.5 §10.3.4.9: before(range, point).
TEST(RangeBefore, RangePoint) {
  EXPECT_EQ(B(Call("before", {R("[1..5]"), N(10)})), kTrue);
  EXPECT_EQ(B(Call("before", {R("[1..5)"), N(5)})), kTrue);
  EXPECT_EQ(B(Call("before", {R("[1..5]"), N(5)})), kFalse);
}

// DMN 1.5 §10.3.4.9: before(range1, range2).
TEST(RangeBefore, Ranges) {
  EXPECT_EQ(B(Call("before", {R("[1..5]"), R("[6..8]")})), kTrue);
  EXPECT_EQ(B(Call("before", {R("[1..5]"), R("[5..8]")})), kFalse);
  EXPECT_EQ(B(Call("before", {R("[1..5)"), R("[5..8]")})), kTrue);
  EXPECT_EQ(B(Call("before", {R("[1..5]"), R("(5..8]")})), kTrue);
  EXPECT_EQ(B(Call("before", {R("[1..5)"), R("(5..8]")})), kTrue);
  EXPECT_EQ(B(Call("before", {R("[1..5]"), R("[4..8]")})), kFalse);
}

// DMN 1.5 §10.3.2.7 / §10.3.4.9: an unbounded end reaches infinitely far.
TEST(RangeBefore, UnboundedRanges) {
  EXPECT_EQ(B(Call("before", {Below(5, false), R("[5..8]")})), kTrue);
  EXPECT_EQ(B(Call("before", {Below(5, true), R("[5..8]")})), kFalse);
  EXPECT_EQ(B(Call("before", {R("[1..5]"), Above(3, true)})), kFalse);
  EXPECT_EQ(B(Call("before", {N(100), Above(3, true)})), kFalse);
  EXPECT_EQ(B(Call("before", {N(1), Above(3, true)})), kTrue);
}

// DMN 1.5 §10.3.4.9: points may be any ordered type, e.g. dates.
TEST(RangeBefore, Dates) {
  EXPECT_EQ(B(Call("before", {DateOf(2020, 1, 1), DateOf(2020, 1, 2)})), kTrue);
  Range r;
  r.low = DateOf(2020, 1, 1);
  r.high = DateOf(2020, 12, 31);
  EXPECT_EQ(B(Call("before", {DateOf(2019, 12, 31), Value::FromRange(r)})), kTrue);
  EXPECT_EQ(B(Call("before", {DateOf(2020, 6, 1), Value::FromRange(r)})), kFalse);
}

// DMN 1.5 §10.3.4.9: named before(point1:, point2:), before(point:, range:), before(range1:, range2:).
TEST(RangeBefore, Named) {
  EXPECT_EQ(B(Named("before", {{"point1", N(1)}, {"point2", N(10)}})), kTrue);
  EXPECT_EQ(B(Named("before", {{"point2", N(1)}, {"point1", N(10)}})), kFalse);
  EXPECT_EQ(B(Named("before", {{"point", N(1)}, {"range", R("[2..5]")}})), kTrue);
  EXPECT_EQ(B(Named("before", {{"range1", R("[1..5]")}, {"range2", R("[6..8]")}})), kTrue);
  EXPECT_EQ(B(Named("before", {{"range2", R("[1..5]")}, {"range1", R("[6..8]")}})), kFalse);
}

// DMN 1.5 §10.3.2.2: values that cannot be compared give null (and a diagnostic).
TEST(RangeBefore, IncomparableIsNull) {
  EvalContext ctx;
  EXPECT_TRUE(testing::CallIn(ctx, "before", {N(1), Value::String("a")}).is_null());
  EXPECT_FALSE(ctx.diagnostics().empty());
  EXPECT_TRUE(Call("before", {DateOf(2020, 1, 1), R("[1..5]")}).is_null());
}

// DMN 1.5 §10.3.4.9: null arguments give null.
TEST(RangeBefore, NullIsNull) {
  EXPECT_TRUE(Call("before", {Value(), N(1)}).is_null());
  EXPECT_TRUE(Call("before", {R("[1..5]"), Value()}).is_null());
}

// ---- after --------------------------------------------------------------------------------

// DMN 1.5 §10.3.4.9: after(point1, point2) is point1 > point2.
TEST(RangeAfter, Points) {
  EXPECT_EQ(B(Call("after", {N(10), N(5)})), kTrue);
  EXPECT_EQ(B(Call("after", {N(5), N(10)})), kFalse);
}

// DMN 1.5 §10.3.4.9: after(point, range).
TEST(RangeAfter, PointRange) {
  EXPECT_EQ(B(Call("after", {N(12), R("[2..5]")})), kTrue);
  EXPECT_EQ(B(Call("after", {N(5), R("[2..5)")})), kTrue);
  EXPECT_EQ(B(Call("after", {N(5), R("[2..5]")})), kFalse);
}

// DMN 1.5 §10.3.4.9: after(range, point).
TEST(RangeAfter, RangePoint) {
  EXPECT_EQ(B(Call("after", {R("[11..20]"), N(10)})), kTrue);
  EXPECT_EQ(B(Call("after", {R("(11..20]"), N(11)})), kTrue);
  EXPECT_EQ(B(Call("after", {R("[11..20]"), N(11)})), kFalse);
}

// DMN 1.5 §10.3.4.9: after(range1, range2).
TEST(RangeAfter, Ranges) {
  EXPECT_EQ(B(Call("after", {R("[6..8]"), R("[1..5]")})), kTrue);
  EXPECT_EQ(B(Call("after", {R("[5..8]"), R("[1..5]")})), kFalse);
  EXPECT_EQ(B(Call("after", {R("(5..8]"), R("[1..5]")})), kTrue);
  EXPECT_EQ(B(Call("after", {R("[5..8]"), R("[1..5)")})), kTrue);
  EXPECT_EQ(B(Call("after", {R("[4..8]"), R("[1..5]")})), kFalse);
}

// DMN 1.5 §10.3.4.9: a range unbounded above is never after a point below its start... and
// a range unbounded below is never after anything.
TEST(RangeAfter, Unbounded) {
  EXPECT_EQ(B(Call("after", {Above(5, false), N(5)})), kTrue);
  EXPECT_EQ(B(Call("after", {Below(5, true), N(-1000)})), kFalse);
  EXPECT_EQ(B(Call("after", {N(6), Below(5, true)})), kTrue);
}

// ---- meets / met by --------------------------------------------------------------------------

// DMN 1.5 §10.3.4.9: meets(range1, range2): range1 ends where range2 starts, both closed there.
TEST(RangeMeets, Table) {
  EXPECT_EQ(B(Call("meets", {R("[1..5]"), R("[5..10]")})), kTrue);
  EXPECT_EQ(B(Call("meets", {R("[1..3]"), R("[4..6]")})), kFalse);
  EXPECT_EQ(B(Call("meets", {R("[1..3]"), R("[3..5]")})), kTrue);
  EXPECT_EQ(B(Call("meets", {R("[1..5]"), R("(5..8]")})), kFalse);
  EXPECT_EQ(B(Call("meets", {R("[1..5)"), R("[5..8]")})), kFalse);
}

// DMN 1.5 §10.3.4.9: meets takes ranges only.
TEST(RangeMeets, PointsAreNotAccepted) {
  EvalContext ctx;
  EXPECT_TRUE(testing::CallIn(ctx, "meets", {N(1), N(2)}).is_null());
  EXPECT_FALSE(ctx.diagnostics().empty());
}

// DMN 1.5 §10.3.4.9: met by(range1, range2): range1 starts where range2 ends.
TEST(RangeMetBy, Table) {
  EXPECT_EQ(B(Call("met by", {R("[5..10]"), R("[1..5]")})), kTrue);
  EXPECT_EQ(B(Call("met by", {R("[3..4]"), R("[1..2]")})), kFalse);
  EXPECT_EQ(B(Call("met by", {R("[3..5]"), R("[1..3]")})), kTrue);
  EXPECT_EQ(B(Call("met by", {R("(5..8]"), R("[1..5]")})), kFalse);
  EXPECT_EQ(B(Call("met by", {R("[5..10]"), R("[1..5)")})), kFalse);
}

// DMN 1.5 §10.3.4.9: named meets(range1:, range2:).
TEST(RangeMeets, Named) {
  EXPECT_EQ(B(Named("meets", {{"range2", R("[5..10]")}, {"range1", R("[1..5]")}})), kTrue);
  EXPECT_EQ(B(Named("met by", {{"range1", R("[5..10]")}, {"range2", R("[1..5]")}})), kTrue);
}

// ---- overlaps ------------------------------------------------------------------------------

// DMN 1.5 §10.3.4.9: overlaps(range1, range2), the examples of Table 78.
TEST(RangeOverlaps, Table) {
  EXPECT_EQ(B(Call("overlaps", {R("[1..5]"), R("[3..8]")})), kTrue);
  EXPECT_EQ(B(Call("overlaps", {R("[3..8]"), R("[1..5]")})), kTrue);
  EXPECT_EQ(B(Call("overlaps", {R("[1..8]"), R("[3..5]")})), kTrue);
  EXPECT_EQ(B(Call("overlaps", {R("[3..5]"), R("[1..8]")})), kTrue);
  EXPECT_EQ(B(Call("overlaps", {R("[1..5]"), R("[6..8]")})), kFalse);
  EXPECT_EQ(B(Call("overlaps", {R("[6..8]"), R("[1..5]")})), kFalse);
}

// DMN 1.5 §10.3.4.9: touching ends overlap only when both are closed.
TEST(RangeOverlaps, TouchingEnds) {
  EXPECT_EQ(B(Call("overlaps", {R("[1..5]"), R("[5..8]")})), kTrue);
  EXPECT_EQ(B(Call("overlaps", {R("[1..5]"), R("(5..8]")})), kFalse);
  EXPECT_EQ(B(Call("overlaps", {R("[1..5)"), R("[5..8]")})), kFalse);
  EXPECT_EQ(B(Call("overlaps", {R("[1..5)"), R("(5..8]")})), kFalse);
  EXPECT_EQ(B(Call("overlaps", {R("[5..8]"), R("[1..5]")})), kTrue);
  EXPECT_EQ(B(Call("overlaps", {R("(5..8]"), R("[1..5]")})), kFalse);
  EXPECT_EQ(B(Call("overlaps", {R("[5..8]"), R("[1..5)")})), kFalse);
}

// DMN 1.5 §10.3.4.9: unbounded ranges overlap whatever lies on their side.
TEST(RangeOverlaps, Unbounded) {
  EXPECT_EQ(B(Call("overlaps", {Below(5, false), Above(4, false)})), kTrue);
  EXPECT_EQ(B(Call("overlaps", {Below(5, false), Above(5, true)})), kFalse);
  EXPECT_EQ(B(Call("overlaps", {Below(5, true), R("[5..8]")})), kTrue);
}

// DMN 1.5 §10.3.4.9: overlaps before(range1, range2): range1 starts first and ends inside range2.
TEST(RangeOverlapsBefore, Table) {
  EXPECT_EQ(B(Call("overlaps before", {R("[1..5]"), R("[3..8]")})), kTrue);
  EXPECT_EQ(B(Call("overlaps before", {R("[1..5]"), R("[6..8]")})), kFalse);
  EXPECT_EQ(B(Call("overlaps before", {R("[1..5]"), R("[5..8]")})), kTrue);
  EXPECT_EQ(B(Call("overlaps before", {R("[1..5]"), R("(5..8]")})), kFalse);
  EXPECT_EQ(B(Call("overlaps before", {R("[1..5)"), R("[5..8]")})), kFalse);
}

// DMN 1.5 §10.3.4.9: overlaps before with equal endpoints and different inclusion.
TEST(RangeOverlapsBefore, SameEndpoints) {
  EXPECT_EQ(B(Call("overlaps before", {R("[1..5)"), R("(1..5]")})), kTrue);
  EXPECT_EQ(B(Call("overlaps before", {R("[1..5]"), R("(1..5]")})), kTrue);
  EXPECT_EQ(B(Call("overlaps before", {R("[1..5)"), R("[1..5]")})), kFalse);
  EXPECT_EQ(B(Call("overlaps before", {R("[1..5]"), R("[1..5]")})), kFalse);
  EXPECT_EQ(B(Call("overlaps before", {R("[1..8]"), R("[3..5]")})), kFalse);
}

// DMN 1.5 §10.3.4.9: overlaps after(range1, range2): range1 starts inside range2 and ends after it.
TEST(RangeOverlapsAfter, Table) {
  EXPECT_EQ(B(Call("overlaps after", {R("[3..8]"), R("[1..5]")})), kTrue);
  EXPECT_EQ(B(Call("overlaps after", {R("[6..8]"), R("[1..5]")})), kFalse);
  EXPECT_EQ(B(Call("overlaps after", {R("[5..8]"), R("[1..5]")})), kTrue);
  EXPECT_EQ(B(Call("overlaps after", {R("(5..8]"), R("[1..5]")})), kFalse);
  EXPECT_EQ(B(Call("overlaps after", {R("[5..8]"), R("[1..5)")})), kFalse);
}

// DMN 1.5 §10.3.4.9: overlaps after with equal endpoints and different inclusion.
TEST(RangeOverlapsAfter, SameEndpoints) {
  EXPECT_EQ(B(Call("overlaps after", {R("(1..5]"), R("[1..5)")})), kTrue);
  EXPECT_EQ(B(Call("overlaps after", {R("(1..5]"), R("[1..5]")})), kTrue);
  EXPECT_EQ(B(Call("overlaps after", {R("[1..5]"), R("[1..5)")})), kFalse);
  EXPECT_EQ(B(Call("overlaps after", {R("[1..5]"), R("[1..5]")})), kFalse);
}

// ---- finishes / finished by ----------------------------------------------------------------

// DMN 1.5 §10.3.4.9: finishes(point, range): the range ends, closed, at the point.
TEST(RangeFinishes, PointRange) {
  EXPECT_EQ(B(Call("finishes", {N(10), R("[1..10]")})), kTrue);
  EXPECT_EQ(B(Call("finishes", {N(10), R("[1..10)")})), kFalse);
  EXPECT_EQ(B(Call("finishes", {N(5), R("[1..10]")})), kFalse);
}

// DMN 1.5 §10.3.4.9: finishes(range1, range2): same end, range1 starting inside range2.
TEST(RangeFinishes, Ranges) {
  EXPECT_EQ(B(Call("finishes", {R("[5..10]"), R("[1..10]")})), kTrue);
  EXPECT_EQ(B(Call("finishes", {R("[5..10)"), R("[1..10]")})), kFalse);
  EXPECT_EQ(B(Call("finishes", {R("[5..10)"), R("[1..10)")})), kTrue);
  EXPECT_EQ(B(Call("finishes", {R("[1..10]"), R("[1..10]")})), kTrue);
  EXPECT_EQ(B(Call("finishes", {R("(1..10]"), R("[1..10]")})), kTrue);
  EXPECT_EQ(B(Call("finishes", {R("[1..10]"), R("(1..10]")})), kFalse);
  EXPECT_EQ(B(Call("finishes", {R("[0..10]"), R("[1..10]")})), kFalse);
}

// DMN 1.5 §10.3.4.9: finishes has no (range, point) form.
TEST(RangeFinishes, RangePointIsNull) { EXPECT_TRUE(Call("finishes", {R("[1..10]"), N(10)}).is_null()); }

// DMN 1.5 §10.3.4.9: finished by(range, point).
TEST(RangeFinishedBy, RangePoint) {
  EXPECT_EQ(B(Call("finished by", {R("[1..10]"), N(10)})), kTrue);
  EXPECT_EQ(B(Call("finished by", {R("[1..10)"), N(10)})), kFalse);
}

// DMN 1.5 §10.3.4.9: finished by(range1, range2).
TEST(RangeFinishedBy, Ranges) {
  EXPECT_EQ(B(Call("finished by", {R("[1..10]"), R("[5..10]")})), kTrue);
  EXPECT_EQ(B(Call("finished by", {R("[1..10]"), R("[5..10)")})), kFalse);
  EXPECT_EQ(B(Call("finished by", {R("[1..10)"), R("[5..10)")})), kTrue);
  EXPECT_EQ(B(Call("finished by", {R("[1..10]"), R("[1..10]")})), kTrue);
  EXPECT_EQ(B(Call("finished by", {R("[1..10]"), R("(1..10]")})), kTrue);
  EXPECT_EQ(B(Call("finished by", {R("(1..10]"), R("[1..10]")})), kFalse);
}

// DMN 1.5 §10.3.4.9: named finishes(point:, range:) and finished by(range:, point:).
TEST(RangeFinishes, Named) {
  EXPECT_EQ(B(Named("finishes", {{"range", R("[1..10]")}, {"point", N(10)}})), kTrue);
  EXPECT_EQ(B(Named("finished by", {{"point", N(10)}, {"range", R("[1..10]")}})), kTrue);
  EXPECT_EQ(B(Named("finishes", {{"range1", R("[5..10]")}, {"range2", R("[1..10]")}})), kTrue);
}

// ---- includes / during -----------------------------------------------------------------------

// DMN 1.5 §10.3.4.9: includes(range, point).
TEST(RangeIncludes, RangePoint) {
  EXPECT_EQ(B(Call("includes", {R("[1..10]"), N(5)})), kTrue);
  EXPECT_EQ(B(Call("includes", {R("[1..10]"), N(12)})), kFalse);
  EXPECT_EQ(B(Call("includes", {R("[1..10]"), N(1)})), kTrue);
  EXPECT_EQ(B(Call("includes", {R("[1..10]"), N(10)})), kTrue);
  EXPECT_EQ(B(Call("includes", {R("(1..10]"), N(1)})), kFalse);
  EXPECT_EQ(B(Call("includes", {R("[1..10)"), N(10)})), kFalse);
}

// DMN 1.5 §10.3.4.9: includes(range1, range2).
TEST(RangeIncludes, Ranges) {
  EXPECT_EQ(B(Call("includes", {R("[1..10]"), R("[4..6]")})), kTrue);
  EXPECT_EQ(B(Call("includes", {R("[1..10]"), R("[1..5]")})), kTrue);
  EXPECT_EQ(B(Call("includes", {R("(1..10]"), R("(1..5]")})), kTrue);
  EXPECT_EQ(B(Call("includes", {R("[1..10]"), R("(1..10)")})), kTrue);
  EXPECT_EQ(B(Call("includes", {R("[1..10)"), R("[5..10)")})), kTrue);
  EXPECT_EQ(B(Call("includes", {R("[1..10]"), R("[1..10)")})), kTrue);
  EXPECT_EQ(B(Call("includes", {R("[1..10]"), R("(1..10]")})), kTrue);
  EXPECT_EQ(B(Call("includes", {R("[1..10]"), R("[1..10]")})), kTrue);
  EXPECT_EQ(B(Call("includes", {R("(1..10]"), R("[1..10]")})), kFalse);
  EXPECT_EQ(B(Call("includes", {R("[1..10)"), R("[5..10]")})), kFalse);
  EXPECT_EQ(B(Call("includes", {R("[1..10]"), R("[5..12]")})), kFalse);
}

// DMN 1.5 §10.3.4.9: an unbounded range includes everything on its side.
TEST(RangeIncludes, Unbounded) {
  EXPECT_EQ(B(Call("includes", {Above(18, true), N(18)})), kTrue);
  EXPECT_EQ(B(Call("includes", {Above(18, false), N(18)})), kFalse);
  EXPECT_EQ(B(Call("includes", {Above(18, true), N(1000000)})), kTrue);
  EXPECT_EQ(B(Call("includes", {Below(10, false), R("[1..5]")})), kTrue);
  EXPECT_EQ(B(Call("includes", {R("[1..5]"), Below(3, false)})), kFalse);
}

// DMN 1.5 §10.3.4.9: includes has no (point, range) form.
TEST(RangeIncludes, PointRangeIsNull) { EXPECT_TRUE(Call("includes", {N(5), R("[1..10]")}).is_null()); }

// DMN 1.5 §10.3.4.9: during(point, range).
TEST(RangeDuring, PointRange) {
  EXPECT_EQ(B(Call("during", {N(5), R("[1..10]")})), kTrue);
  EXPECT_EQ(B(Call("during", {N(12), R("[1..10]")})), kFalse);
  EXPECT_EQ(B(Call("during", {N(1), R("[1..10]")})), kTrue);
  EXPECT_EQ(B(Call("during", {N(10), R("[1..10]")})), kTrue);
  EXPECT_EQ(B(Call("during", {N(1), R("(1..10]")})), kFalse);
  EXPECT_EQ(B(Call("during", {N(10), R("[1..10)")})), kFalse);
}

// DMN 1.5 §10.3.4.9: during(range1, range2).
TEST(RangeDuring, Ranges) {
  EXPECT_EQ(B(Call("during", {R("[4..6]"), R("[1..10]")})), kTrue);
  EXPECT_EQ(B(Call("during", {R("[1..5]"), R("[1..10]")})), kTrue);
  EXPECT_EQ(B(Call("during", {R("(1..5]"), R("(1..10]")})), kTrue);
  EXPECT_EQ(B(Call("during", {R("(1..10)"), R("[1..10]")})), kTrue);
  EXPECT_EQ(B(Call("during", {R("[5..10)"), R("[1..10)")})), kTrue);
  EXPECT_EQ(B(Call("during", {R("[1..10)"), R("[1..10]")})), kTrue);
  EXPECT_EQ(B(Call("during", {R("(1..10]"), R("[1..10]")})), kTrue);
  EXPECT_EQ(B(Call("during", {R("[1..10]"), R("[1..10]")})), kTrue);
  EXPECT_EQ(B(Call("during", {R("[1..10]"), R("(1..10]")})), kFalse);
}

// DMN 1.5 §10.3.4.9: named includes(range:, point:) and during(point:, range:).
TEST(RangeIncludes, Named) {
  EXPECT_EQ(B(Named("includes", {{"point", N(5)}, {"range", R("[1..10]")}})), kTrue);
  EXPECT_EQ(B(Named("during", {{"range", R("[1..10]")}, {"point", N(5)}})), kTrue);
  EXPECT_EQ(B(Named("during", {{"range1", R("[4..6]")}, {"range2", R("[1..10]")}})), kTrue);
  EXPECT_EQ(B(Named("includes", {{"range1", R("[4..6]")}, {"range2", R("[1..10]")}})), kFalse);
}

// ---- starts / started by --------------------------------------------------------------------

// DMN 1.5 §10.3.4.9: starts(point, range).
TEST(RangeStarts, PointRange) {
  EXPECT_EQ(B(Call("starts", {N(1), R("[1..5]")})), kTrue);
  EXPECT_EQ(B(Call("starts", {N(1), R("(1..8]")})), kFalse);
  EXPECT_EQ(B(Call("starts", {N(2), R("[1..5]")})), kFalse);
}

// DMN 1.5 §10.3.4.9: starts(range1, range2): same start, range1 ending inside range2.
TEST(RangeStarts, Ranges) {
  EXPECT_EQ(B(Call("starts", {R("[1..5]"), R("[1..10]")})), kTrue);
  EXPECT_EQ(B(Call("starts", {R("(1..5]"), R("[1..5]")})), kFalse);
  EXPECT_EQ(B(Call("starts", {R("(1..5]"), R("(1..8]")})), kTrue);
  EXPECT_EQ(B(Call("starts", {R("[1..10]"), R("[1..10]")})), kTrue);
  EXPECT_EQ(B(Call("starts", {R("[1..10)"), R("[1..10]")})), kTrue);
  EXPECT_EQ(B(Call("starts", {R("(1..10)"), R("(1..10)")})), kTrue);
  EXPECT_EQ(B(Call("starts", {R("[1..10]"), R("[1..10)")})), kFalse);
}

// DMN 1.5 §10.3.4.9: started by(range, point).
TEST(RangeStartedBy, RangePoint) {
  EXPECT_EQ(B(Call("started by", {R("[1..10]"), N(1)})), kTrue);
  EXPECT_EQ(B(Call("started by", {R("(1..10]"), N(1)})), kFalse);
}

// DMN 1.5 §10.3.4.9: started by(range1, range2).
TEST(RangeStartedBy, Ranges) {
  EXPECT_EQ(B(Call("started by", {R("[1..10]"), R("[1..5]")})), kTrue);
  EXPECT_EQ(B(Call("started by", {R("(1..10]"), R("[1..5)")})), kFalse);
  EXPECT_EQ(B(Call("started by", {R("(1..10]"), R("(1..5]")})), kTrue);
  EXPECT_EQ(B(Call("started by", {R("[1..10]"), R("[1..10)")})), kTrue);
  EXPECT_EQ(B(Call("started by", {R("[1..10]"), R("[1..10]")})), kTrue);
  EXPECT_EQ(B(Call("started by", {R("[1..10)"), R("[1..10]")})), kFalse);
}

// DMN 1.5 §10.3.4.9: named starts(point:, range:) and started by(range:, point:).
TEST(RangeStarts, Named) {
  EXPECT_EQ(B(Named("starts", {{"range", R("[1..5]")}, {"point", N(1)}})), kTrue);
  EXPECT_EQ(B(Named("started by", {{"point", N(1)}, {"range", R("[1..5]")}})), kTrue);
}

// ---- coincides --------------------------------------------------------------------------------

// DMN 1.5 §10.3.4.9: coincides(point1, point2) is point1 = point2.
TEST(RangeCoincides, Points) {
  EXPECT_EQ(B(Call("coincides", {N(5), N(5)})), kTrue);
  EXPECT_EQ(B(Call("coincides", {N(3), N(4)})), kFalse);
  EXPECT_EQ(B(Call("coincides", {DateOf(2020, 2, 2), DateOf(2020, 2, 2)})), kTrue);
}

// DMN 1.5 §10.3.4.9: coincides(range1, range2): same endpoints, same inclusion.
TEST(RangeCoincides, Ranges) {
  EXPECT_EQ(B(Call("coincides", {R("[1..5]"), R("[1..5]")})), kTrue);
  EXPECT_EQ(B(Call("coincides", {R("(1..5)"), R("[1..5]")})), kFalse);
  EXPECT_EQ(B(Call("coincides", {R("[1..5]"), R("[2..6]")})), kFalse);
  EXPECT_EQ(B(Call("coincides", {R("]1..5["), R("(1..5)")})), kTrue);
  EXPECT_EQ(B(Call("coincides", {Below(5, false), Below(5, false)})), kTrue);
  EXPECT_EQ(B(Call("coincides", {Below(5, false), Below(5, true)})), kFalse);
}

// DMN 1.5 §10.3.4.9: coincides has no mixed point/range form.
TEST(RangeCoincides, MixedIsNull) { EXPECT_TRUE(Call("coincides", {N(1), R("[1..1]")}).is_null()); }

// DMN 1.5 §10.3.4.9: named coincides(point1:, point2:) and coincides(range1:, range2:).
TEST(RangeCoincides, Named) {
  EXPECT_EQ(B(Named("coincides", {{"point1", N(5)}, {"point2", N(5)}})), kTrue);
  EXPECT_EQ(B(Named("coincides", {{"range1", R("[1..5]")}, {"range2", R("[1..5)")}})), kFalse);
}

// DMN 1.5 §10.3.4.9: every range function takes exactly two arguments.
TEST(RangeFunctions, WrongArity) {
  for (const char* name : {"before", "after", "meets", "met by", "overlaps", "overlaps before", "overlaps after",
                           "finishes", "finished by", "includes", "during", "starts", "started by", "coincides"}) {
    EvalContext ctx;
    EXPECT_TRUE(testing::CallIn(ctx, name, {R("[1..5]")}).is_null()) << name;
    EXPECT_FALSE(ctx.diagnostics().empty()) << name;
  }
}

}  // namespace
}  // namespace zebra::feel
