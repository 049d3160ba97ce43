// Range built-ins, DMN 1.5 §10.3.4.9 (Table 78 "Semantics of range functions"). The examples
// follow the table: each function on points and ranges, with open and closed ends.
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "feel/builtins.h"
#include "feel/builtins_test_util.h"

namespace zebra::feel::builtins_range_test {
namespace {

using testing::Call;
using testing::CallIn;
using testing::DateOf;
using testing::N;
using testing::Named;

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

// true, false, or "null" for anything else, so that a failing check names what came back.
std::string B(const Value& v) {
  if (v.is(Type::kBoolean)) return v.boolean() ? "true" : "false";
  return std::string(TypeName(v.type()));
}
const std::string kTrue = "true";
const std::string kFalse = "false";

// Each {a, b, expected}: fn(a, b) is `expected` (true or false, never null).
struct Row {
  Value a, b;
  bool expected;
};
void ExpectEach(std::string_view fn, std::initializer_list<Row> rows) {
  for (const Row& r : rows)
    EXPECT_EQ(B(Call(fn, {r.a, r.b})), r.expected ? kTrue : kFalse)
        << fn << "(" << ToFeelLiteral(r.a) << ", " << ToFeelLiteral(r.b) << ")";
}

// ---- before -------------------------------------------------------------------------------

// DMN 1.5 §10.3.4.9: before(point1, point2) is point1 < point2.
TEST(RangeBefore, Points) {
  ExpectEach("before", {
      {N(1), N(10), true},
      {N(10), N(1), false},
      {N(1), N(1), false},
  });
}

// DMN 1.5 §10.3.4.9: before(point, range).
TEST(RangeBefore, PointRange) {
  ExpectEach("before", {
      {N(1), R("[2..5]"), true},
      {N(1), R("(1..5]"), true},
      {N(1), R("[1..5]"), false},
      {N(3), R("[1..5]"), false},
  });
}

// DMN 1.5 §10.3.4.9: before(range, point).
TEST(RangeBefore, RangePoint) {
  ExpectEach("before", {
      {R("[1..5]"), N(10), true},
      {R("[1..5)"), N(5), true},
      {R("[1..5]"), N(5), false},
  });
}

// DMN 1.5 §10.3.4.9: before(range1, range2).
TEST(RangeBefore, Ranges) {
  ExpectEach("before", {
      {R("[1..5]"), R("[6..8]"), true},
      {R("[1..5]"), R("[5..8]"), false},
      {R("[1..5)"), R("[5..8]"), true},
      {R("[1..5]"), R("(5..8]"), true},
      {R("[1..5)"), R("(5..8]"), true},
      {R("[1..5]"), R("[4..8]"), false},
  });
}

// DMN 1.5 §10.3.2.7 / §10.3.4.9: an unbounded end reaches infinitely far.
TEST(RangeBefore, UnboundedRanges) {
  ExpectEach("before", {
      {Below(5, false), R("[5..8]"), true},
      {Below(5, true), R("[5..8]"), false},
      {R("[1..5]"), Above(3, true), false},
      {N(100), Above(3, true), false},
      {N(1), Above(3, true), true},
  });
}

// DMN 1.5 §10.3.4.9: points may be any ordered type, e.g. dates.
TEST(RangeBefore, Dates) {
  EXPECT_EQ(B(Call("before", {DateOf(2020, 1, 1), DateOf(2020, 1, 2)})), kTrue);
  Range r;
  r.low = DateOf(2020, 1, 1);
  r.high = DateOf(2020, 12, 31);
  ExpectEach("before", {
      {DateOf(2019, 12, 31), Value::FromRange(r), true},
      {DateOf(2020, 6, 1), Value::FromRange(r), false},
  });
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
  EXPECT_TRUE(CallIn(ctx, "before", {N(1), Value::String("a")}).is_null());
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
  ExpectEach("after", {
      {N(10), N(5), true},
      {N(5), N(10), false},
  });
}

// DMN 1.5 §10.3.4.9: after(point, range).
TEST(RangeAfter, PointRange) {
  ExpectEach("after", {
      {N(12), R("[2..5]"), true},
      {N(5), R("[2..5)"), true},
      {N(5), R("[2..5]"), false},
  });
}

// DMN 1.5 §10.3.4.9: after(range, point).
TEST(RangeAfter, RangePoint) {
  ExpectEach("after", {
      {R("[11..20]"), N(10), true},
      {R("(11..20]"), N(11), true},
      {R("[11..20]"), N(11), false},
  });
}

// DMN 1.5 §10.3.4.9: after(range1, range2).
TEST(RangeAfter, Ranges) {
  ExpectEach("after", {
      {R("[6..8]"), R("[1..5]"), true},
      {R("[5..8]"), R("[1..5]"), false},
      {R("(5..8]"), R("[1..5]"), true},
      {R("[5..8]"), R("[1..5)"), true},
      {R("[4..8]"), R("[1..5]"), false},
  });
}

// DMN 1.5 §10.3.4.9: a range unbounded above is never after a point below its start... and
// a range unbounded below is never after anything.
TEST(RangeAfter, Unbounded) {
  ExpectEach("after", {
      {Above(5, false), N(5), true},
      {Below(5, true), N(-1000), false},
      {N(6), Below(5, true), true},
  });
}

// ---- meets / met by --------------------------------------------------------------------------

// DMN 1.5 §10.3.4.9: meets(range1, range2): range1 ends where range2 starts, both closed there.
TEST(RangeMeets, Table) {
  ExpectEach("meets", {
      {R("[1..5]"), R("[5..10]"), true},
      {R("[1..3]"), R("[4..6]"), false},
      {R("[1..3]"), R("[3..5]"), true},
      {R("[1..5]"), R("(5..8]"), false},
      {R("[1..5)"), R("[5..8]"), false},
  });
}

// DMN 1.5 §10.3.4.9: meets takes ranges only.
TEST(RangeMeets, PointsAreNotAccepted) {
  EvalContext ctx;
  EXPECT_TRUE(CallIn(ctx, "meets", {N(1), N(2)}).is_null());
  EXPECT_FALSE(ctx.diagnostics().empty());
}

// DMN 1.5 §10.3.4.9: met by(range1, range2): range1 starts where range2 ends.
TEST(RangeMetBy, Table) {
  ExpectEach("met by", {
      {R("[5..10]"), R("[1..5]"), true},
      {R("[3..4]"), R("[1..2]"), false},
      {R("[3..5]"), R("[1..3]"), true},
      {R("(5..8]"), R("[1..5]"), false},
      {R("[5..10]"), R("[1..5)"), false},
  });
}

// DMN 1.5 §10.3.4.9: named meets(range1:, range2:).
TEST(RangeMeets, Named) {
  EXPECT_EQ(B(Named("meets", {{"range2", R("[5..10]")}, {"range1", R("[1..5]")}})), kTrue);
  EXPECT_EQ(B(Named("met by", {{"range1", R("[5..10]")}, {"range2", R("[1..5]")}})), kTrue);
}

// ---- overlaps ------------------------------------------------------------------------------

// DMN 1.5 §10.3.4.9: overlaps(range1, range2), the examples of Table 78.
TEST(RangeOverlaps, Table) {
  ExpectEach("overlaps", {
      {R("[1..5]"), R("[3..8]"), true},
      {R("[3..8]"), R("[1..5]"), true},
      {R("[1..8]"), R("[3..5]"), true},
      {R("[3..5]"), R("[1..8]"), true},
      {R("[1..5]"), R("[6..8]"), false},
      {R("[6..8]"), R("[1..5]"), false},
  });
}

// DMN 1.5 §10.3.4.9: touching ends overlap only when both are closed.
TEST(RangeOverlaps, TouchingEnds) {
  ExpectEach("overlaps", {
      {R("[1..5]"), R("[5..8]"), true},
      {R("[1..5]"), R("(5..8]"), false},
      {R("[1..5)"), R("[5..8]"), false},
      {R("[1..5)"), R("(5..8]"), false},
      {R("[5..8]"), R("[1..5]"), true},
      {R("(5..8]"), R("[1..5]"), false},
      {R("[5..8]"), R("[1..5)"), false},
  });
}

// DMN 1.5 §10.3.4.9: unbounded ranges overlap whatever lies on their side.
TEST(RangeOverlaps, Unbounded) {
  ExpectEach("overlaps", {
      {Below(5, false), Above(4, false), true},
      {Below(5, false), Above(5, true), false},
      {Below(5, true), R("[5..8]"), true},
  });
}

// DMN 1.5 §10.3.4.9: overlaps before(range1, range2): range1 starts first and ends inside range2.
TEST(RangeOverlapsBefore, Table) {
  ExpectEach("overlaps before", {
      {R("[1..5]"), R("[3..8]"), true},
      {R("[1..5]"), R("[6..8]"), false},
      {R("[1..5]"), R("[5..8]"), true},
      {R("[1..5]"), R("(5..8]"), false},
      {R("[1..5)"), R("[5..8]"), false},
  });
}

// DMN 1.5 §10.3.4.9: overlaps before with equal endpoints and different inclusion.
TEST(RangeOverlapsBefore, SameEndpoints) {
  ExpectEach("overlaps before", {
      {R("[1..5)"), R("(1..5]"), true},
      {R("[1..5]"), R("(1..5]"), true},
      {R("[1..5)"), R("[1..5]"), false},
      {R("[1..5]"), R("[1..5]"), false},
      {R("[1..8]"), R("[3..5]"), false},
  });
}

// DMN 1.5 §10.3.4.9: overlaps after(range1, range2): range1 starts inside range2 and ends after it.
TEST(RangeOverlapsAfter, Table) {
  ExpectEach("overlaps after", {
      {R("[3..8]"), R("[1..5]"), true},
      {R("[6..8]"), R("[1..5]"), false},
      {R("[5..8]"), R("[1..5]"), true},
      {R("(5..8]"), R("[1..5]"), false},
      {R("[5..8]"), R("[1..5)"), false},
  });
}

// DMN 1.5 §10.3.4.9: overlaps after with equal endpoints and different inclusion.
TEST(RangeOverlapsAfter, SameEndpoints) {
  ExpectEach("overlaps after", {
      {R("(1..5]"), R("[1..5)"), true},
      {R("(1..5]"), R("[1..5]"), true},
      {R("[1..5]"), R("[1..5)"), false},
      {R("[1..5]"), R("[1..5]"), false},
  });
}

// ---- finishes / finished by ----------------------------------------------------------------

// DMN 1.5 §10.3.4.9: finishes(point, range): the range ends, closed, at the point.
TEST(RangeFinishes, PointRange) {
  ExpectEach("finishes", {
      {N(10), R("[1..10]"), true},
      {N(10), R("[1..10)"), false},
      {N(5), R("[1..10]"), false},
  });
}

// DMN 1.5 §10.3.4.9: finishes(range1, range2): same end, range1 starting inside range2.
TEST(RangeFinishes, Ranges) {
  ExpectEach("finishes", {
      {R("[5..10]"), R("[1..10]"), true},
      {R("[5..10)"), R("[1..10]"), false},
      {R("[5..10)"), R("[1..10)"), true},
      {R("[1..10]"), R("[1..10]"), true},
      {R("(1..10]"), R("[1..10]"), true},
      {R("[1..10]"), R("(1..10]"), false},
      {R("[0..10]"), R("[1..10]"), false},
  });
}

// DMN 1.5 §10.3.4.9: finishes has no (range, point) form.
TEST(RangeFinishes, RangePointIsNull) { EXPECT_TRUE(Call("finishes", {R("[1..10]"), N(10)}).is_null()); }

// DMN 1.5 §10.3.4.9: finished by(range, point).
TEST(RangeFinishedBy, RangePoint) {
  ExpectEach("finished by", {
      {R("[1..10]"), N(10), true},
      {R("[1..10)"), N(10), false},
  });
}

// DMN 1.5 §10.3.4.9: finished by(range1, range2).
TEST(RangeFinishedBy, Ranges) {
  ExpectEach("finished by", {
      {R("[1..10]"), R("[5..10]"), true},
      {R("[1..10]"), R("[5..10)"), false},
      {R("[1..10)"), R("[5..10)"), true},
      {R("[1..10]"), R("[1..10]"), true},
      {R("[1..10]"), R("(1..10]"), true},
      {R("(1..10]"), R("[1..10]"), false},
  });
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
  ExpectEach("includes", {
      {R("[1..10]"), N(5), true},
      {R("[1..10]"), N(12), false},
      {R("[1..10]"), N(1), true},
      {R("[1..10]"), N(10), true},
      {R("(1..10]"), N(1), false},
      {R("[1..10)"), N(10), false},
  });
}

// DMN 1.5 §10.3.4.9: includes(range1, range2).
TEST(RangeIncludes, Ranges) {
  ExpectEach("includes", {
      {R("[1..10]"), R("[4..6]"), true},
      {R("[1..10]"), R("[1..5]"), true},
      {R("(1..10]"), R("(1..5]"), true},
      {R("[1..10]"), R("(1..10)"), true},
      {R("[1..10)"), R("[5..10)"), true},
      {R("[1..10]"), R("[1..10)"), true},
      {R("[1..10]"), R("(1..10]"), true},
      {R("[1..10]"), R("[1..10]"), true},
      {R("(1..10]"), R("[1..10]"), false},
      {R("[1..10)"), R("[5..10]"), false},
      {R("[1..10]"), R("[5..12]"), false},
  });
}

// DMN 1.5 §10.3.4.9: an unbounded range includes everything on its side.
TEST(RangeIncludes, Unbounded) {
  ExpectEach("includes", {
      {Above(18, true), N(18), true},
      {Above(18, false), N(18), false},
      {Above(18, true), N(1000000), true},
      {Below(10, false), R("[1..5]"), true},
      {R("[1..5]"), Below(3, false), false},
  });
}

// DMN 1.5 §10.3.4.9: includes has no (point, range) form.
TEST(RangeIncludes, PointRangeIsNull) { EXPECT_TRUE(Call("includes", {N(5), R("[1..10]")}).is_null()); }

// DMN 1.5 §10.3.4.9: during(point, range).
TEST(RangeDuring, PointRange) {
  ExpectEach("during", {
      {N(5), R("[1..10]"), true},
      {N(12), R("[1..10]"), false},
      {N(1), R("[1..10]"), true},
      {N(10), R("[1..10]"), true},
      {N(1), R("(1..10]"), false},
      {N(10), R("[1..10)"), false},
  });
}

// DMN 1.5 §10.3.4.9: during(range1, range2).
TEST(RangeDuring, Ranges) {
  ExpectEach("during", {
      {R("[4..6]"), R("[1..10]"), true},
      {R("[1..5]"), R("[1..10]"), true},
      {R("(1..5]"), R("(1..10]"), true},
      {R("(1..10)"), R("[1..10]"), true},
      {R("[5..10)"), R("[1..10)"), true},
      {R("[1..10)"), R("[1..10]"), true},
      {R("(1..10]"), R("[1..10]"), true},
      {R("[1..10]"), R("[1..10]"), true},
      {R("[1..10]"), R("(1..10]"), false},
  });
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
  ExpectEach("starts", {
      {N(1), R("[1..5]"), true},
      {N(1), R("(1..8]"), false},
      {N(2), R("[1..5]"), false},
  });
}

// DMN 1.5 §10.3.4.9: starts(range1, range2): same start, range1 ending inside range2.
TEST(RangeStarts, Ranges) {
  ExpectEach("starts", {
      {R("[1..5]"), R("[1..10]"), true},
      {R("(1..5]"), R("[1..5]"), false},
      {R("(1..5]"), R("(1..8]"), true},
      {R("[1..10]"), R("[1..10]"), true},
      {R("[1..10)"), R("[1..10]"), true},
      {R("(1..10)"), R("(1..10)"), true},
      {R("[1..10]"), R("[1..10)"), false},
  });
}

// DMN 1.5 §10.3.4.9: started by(range, point).
TEST(RangeStartedBy, RangePoint) {
  ExpectEach("started by", {
      {R("[1..10]"), N(1), true},
      {R("(1..10]"), N(1), false},
  });
}

// DMN 1.5 §10.3.4.9: started by(range1, range2).
TEST(RangeStartedBy, Ranges) {
  ExpectEach("started by", {
      {R("[1..10]"), R("[1..5]"), true},
      {R("(1..10]"), R("[1..5)"), false},
      {R("(1..10]"), R("(1..5]"), true},
      {R("[1..10]"), R("[1..10)"), true},
      {R("[1..10]"), R("[1..10]"), true},
      {R("[1..10)"), R("[1..10]"), false},
  });
}

// DMN 1.5 §10.3.4.9: named starts(point:, range:) and started by(range:, point:).
TEST(RangeStarts, Named) {
  EXPECT_EQ(B(Named("starts", {{"range", R("[1..5]")}, {"point", N(1)}})), kTrue);
  EXPECT_EQ(B(Named("started by", {{"point", N(1)}, {"range", R("[1..5]")}})), kTrue);
}

// ---- coincides --------------------------------------------------------------------------------

// DMN 1.5 §10.3.4.9: coincides(point1, point2) is point1 = point2.
TEST(RangeCoincides, Points) {
  ExpectEach("coincides", {
      {N(5), N(5), true},
      {N(3), N(4), false},
      {DateOf(2020, 2, 2), DateOf(2020, 2, 2), true},
  });
}

// DMN 1.5 §10.3.4.9: coincides(range1, range2): same endpoints, same inclusion.
TEST(RangeCoincides, Ranges) {
  ExpectEach("coincides", {
      {R("[1..5]"), R("[1..5]"), true},
      {R("(1..5)"), R("[1..5]"), false},
      {R("[1..5]"), R("[2..6]"), false},
      {R("]1..5["), R("(1..5)"), true},
      {Below(5, false), Below(5, false), true},
      {Below(5, false), Below(5, true), false},
  });
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
    EXPECT_TRUE(CallIn(ctx, name, {R("[1..5]")}).is_null()) << name;
    EXPECT_FALSE(ctx.diagnostics().empty()) << name;
  }
}

}  // namespace
}  // namespace zebra::feel::builtins_range_test
