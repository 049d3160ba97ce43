// FEEL range built-ins (DMN 1.5 §10.3.4.9, Table 78): before, after, meets, met by, overlaps,
// overlaps before, overlaps after, finishes, finished by, includes, during, starts, started by,
// coincides. Each takes points and/or ranges; the formulas below follow the spec table literally.
#include <compare>
#include <optional>
#include <string>

#include "feel/builtins.h"

namespace zebra::feel {
namespace {

// A range endpoint or a point. An unbounded range end is -inf (start) or +inf (end).
struct Bound {
  const Value* v = nullptr;
  int inf = 0;  // -1: -infinity, +1: +infinity, 0: finite value *v
};

struct Interval {
  Bound start;
  bool start_included = false;
  Bound end;
  bool end_included = false;
};

Interval FromRange(const Range& r) {
  Interval i;
  if (r.low_unbounded()) {
    i.start.inf = -1;
  } else {
    i.start.v = &r.low;
    i.start_included = r.low_closed;
  }
  if (r.high_unbounded()) {
    i.end.inf = 1;
  } else {
    i.end.v = &r.high;
    i.end_included = r.high_closed;
  }
  return i;
}

// Comparisons that remember whether any pair of values was not comparable, so that the
// formulas read like the spec and the caller turns an incomparable pair into null.
class Cmp {
 public:
  bool Lt(Bound a, Bound b) { return Order(a, b) < 0; }
  bool Gt(Bound a, Bound b) { return Order(a, b) > 0; }
  bool Eq(Bound a, Bound b) { return Order(a, b) == 0; }
  bool failed() const { return failed_; }

 private:
  // -1, 0, 1; 2 when not comparable (then every relation is false).
  int Order(Bound a, Bound b) {
    if (a.inf != 0 || b.inf != 0) return a.inf == b.inf ? 0 : (a.inf < b.inf ? -1 : 1);
    auto c = Compare(*a.v, *b.v);
    if (!c) {
      failed_ = true;
      return 2;
    }
    return *c < 0 ? -1 : (*c > 0 ? 1 : 0);
  }
  bool failed_ = false;
};

Bound Point(const Value& v) { return Bound{&v, 0}; }

enum class Shape { kPointPoint, kPointRange, kRangePoint, kRangeRange };

Shape ShapeOf(const Value& a, const Value& b) {
  bool ra = a.is(Type::kRange);
  bool rb = b.is(Type::kRange);
  if (ra && rb) return Shape::kRangeRange;
  if (ra) return Shape::kRangePoint;
  if (rb) return Shape::kPointRange;
  return Shape::kPointPoint;
}

// Each function: the relation for the shapes it defines; nullopt for a shape it does not take.
using Relation = std::optional<bool> (*)(const Value& a, const Value& b, Shape s, Cmp& c);

// The shape with the arguments exchanged.
Shape Converse(Shape s) {
  if (s == Shape::kPointRange) return Shape::kRangePoint;
  if (s == Shape::kRangePoint) return Shape::kPointRange;
  return s;
}

// after, met by, finished by, during and started by are the converses of before, meets, finishes,
// includes and starts: the same relation with the arguments exchanged (DMN 1.5 Table 78, case by
// case), so each is written once.
std::optional<bool> Before(const Value& a, const Value& b, Shape s, Cmp& c) {
  switch (s) {
    case Shape::kPointPoint: return c.Lt(Point(a), Point(b));
    case Shape::kPointRange: {
      Interval r = FromRange(b.range());
      return c.Lt(Point(a), r.start) || (c.Eq(Point(a), r.start) && !r.start_included);
    }
    case Shape::kRangePoint: {
      Interval r = FromRange(a.range());
      return c.Lt(r.end, Point(b)) || (c.Eq(r.end, Point(b)) && !r.end_included);
    }
    case Shape::kRangeRange: {
      Interval r1 = FromRange(a.range());
      Interval r2 = FromRange(b.range());
      return c.Lt(r1.end, r2.start) || ((!r1.end_included || !r2.start_included) && c.Eq(r1.end, r2.start));
    }
  }
  return std::nullopt;
}

std::optional<bool> After(const Value& a, const Value& b, Shape s, Cmp& c) { return Before(b, a, Converse(s), c); }

std::optional<bool> Meets(const Value& a, const Value& b, Shape s, Cmp& c) {
  if (s != Shape::kRangeRange) return std::nullopt;
  Interval r1 = FromRange(a.range());
  Interval r2 = FromRange(b.range());
  return r1.end_included && r2.start_included && c.Eq(r1.end, r2.start);
}

std::optional<bool> MetBy(const Value& a, const Value& b, Shape s, Cmp& c) { return Meets(b, a, Converse(s), c); }

std::optional<bool> Overlaps(const Value& a, const Value& b, Shape s, Cmp& c) {
  if (s != Shape::kRangeRange) return std::nullopt;
  Interval r1 = FromRange(a.range());
  Interval r2 = FromRange(b.range());
  bool end_after_start =
      c.Gt(r1.end, r2.start) || (c.Eq(r1.end, r2.start) && r1.end_included && r2.start_included);
  bool start_before_end =
      c.Lt(r1.start, r2.end) || (c.Eq(r1.start, r2.end) && r1.start_included && r2.end_included);
  return end_after_start && start_before_end;
}

// range1 starts first and ends inside range2 (or at its end, without passing it).
bool OverlapsBeforeRanges(const Interval& r1, const Interval& r2, Cmp& c) {
  bool starts_first = c.Lt(r1.start, r2.start) ||
                      (c.Eq(r1.start, r2.start) && r1.start_included && !r2.start_included);
  bool reaches = c.Gt(r1.end, r2.start) || (c.Eq(r1.end, r2.start) && r1.end_included && r2.start_included);
  bool ends_inside = c.Lt(r1.end, r2.end) || (c.Eq(r1.end, r2.end) && (!r1.end_included || r2.end_included));
  return starts_first && reaches && ends_inside;
}

std::optional<bool> OverlapsBefore(const Value& a, const Value& b, Shape s, Cmp& c) {
  if (s != Shape::kRangeRange) return std::nullopt;
  return OverlapsBeforeRanges(FromRange(a.range()), FromRange(b.range()), c);
}

std::optional<bool> OverlapsAfter(const Value& a, const Value& b, Shape s, Cmp& c) {
  if (s != Shape::kRangeRange) return std::nullopt;
  // The spec's formula for overlaps after(range1, range2) is overlaps before(range2, range1).
  return OverlapsBeforeRanges(FromRange(b.range()), FromRange(a.range()), c);
}

std::optional<bool> Finishes(const Value& a, const Value& b, Shape s, Cmp& c) {
  if (s == Shape::kPointRange) {
    Interval r = FromRange(b.range());
    return r.end_included && c.Eq(r.end, Point(a));
  }
  if (s != Shape::kRangeRange) return std::nullopt;
  Interval r1 = FromRange(a.range());
  Interval r2 = FromRange(b.range());
  return r1.end_included == r2.end_included && c.Eq(r1.end, r2.end) &&
         (c.Gt(r1.start, r2.start) || (c.Eq(r1.start, r2.start) && (!r1.start_included || r2.start_included)));
}

std::optional<bool> FinishedBy(const Value& a, const Value& b, Shape s, Cmp& c) { return Finishes(b, a, Converse(s), c); }

bool RangeIncludesPoint(const Interval& r, Bound p, Cmp& c) {
  return (c.Lt(r.start, p) && c.Gt(r.end, p)) || (c.Eq(r.start, p) && r.start_included) ||
         (c.Eq(r.end, p) && r.end_included);
}

bool RangeIncludesRange(const Interval& r1, const Interval& r2, Cmp& c) {
  bool start_ok = c.Lt(r1.start, r2.start) ||
                  (c.Eq(r1.start, r2.start) && (r1.start_included || !r2.start_included));
  bool end_ok = c.Gt(r1.end, r2.end) || (c.Eq(r1.end, r2.end) && (r1.end_included || !r2.end_included));
  return start_ok && end_ok;
}

std::optional<bool> Includes(const Value& a, const Value& b, Shape s, Cmp& c) {
  if (s == Shape::kRangePoint) return RangeIncludesPoint(FromRange(a.range()), Point(b), c);
  if (s == Shape::kRangeRange) return RangeIncludesRange(FromRange(a.range()), FromRange(b.range()), c);
  return std::nullopt;
}

std::optional<bool> During(const Value& a, const Value& b, Shape s, Cmp& c) { return Includes(b, a, Converse(s), c); }

std::optional<bool> Starts(const Value& a, const Value& b, Shape s, Cmp& c) {
  if (s == Shape::kPointRange) {
    Interval r = FromRange(b.range());
    return r.start_included && c.Eq(r.start, Point(a));
  }
  if (s != Shape::kRangeRange) return std::nullopt;
  Interval r1 = FromRange(a.range());
  Interval r2 = FromRange(b.range());
  return c.Eq(r1.start, r2.start) && r1.start_included == r2.start_included &&
         (c.Lt(r1.end, r2.end) || (c.Eq(r1.end, r2.end) && (!r1.end_included || r2.end_included)));
}

std::optional<bool> StartedBy(const Value& a, const Value& b, Shape s, Cmp& c) { return Starts(b, a, Converse(s), c); }

std::optional<bool> Coincides(const Value& a, const Value& b, Shape s, Cmp& c) {
  if (s == Shape::kPointPoint) return c.Eq(Point(a), Point(b));
  if (s != Shape::kRangeRange) return std::nullopt;
  Interval r1 = FromRange(a.range());
  Interval r2 = FromRange(b.range());
  return c.Eq(r1.start, r2.start) && r1.start_included == r2.start_included && c.Eq(r1.end, r2.end) &&
         r1.end_included == r2.end_included;
}

template <Relation R>
Value Apply(std::span<const Value> args, EvalContext& ctx, const char* name) {
  const Value& a = args[0];
  const Value& b = args[1];
  if (a.is_null() || b.is_null()) return Value();
  auto not_interval = [](const Value& v) {
    return v.is(Type::kRange) && v.range().form == Range::Form::kNotEqual;
  };
  if (not_interval(a) || not_interval(b))
    return ctx.Error(std::string(name) + ": a '!=' range is not an interval");
  Shape s = ShapeOf(a, b);
  Cmp c;
  auto result = R(a, b, s, c);
  if (!result) return ctx.Error(std::string(name) + ": not defined for these argument kinds (point/range)");
  if (c.failed()) return ctx.Error(std::string(name) + ": the arguments are not comparable");
  return Value::Bool(*result);
}

#define ZEBRA_RANGE_IMPL(fn, label) \
  Value fn##Impl(std::span<const Value> args, EvalContext& ctx) { return Apply<fn>(args, ctx, label); }
ZEBRA_RANGE_IMPL(Before, "before")
ZEBRA_RANGE_IMPL(After, "after")
ZEBRA_RANGE_IMPL(Meets, "meets")
ZEBRA_RANGE_IMPL(MetBy, "met by")
ZEBRA_RANGE_IMPL(Overlaps, "overlaps")
ZEBRA_RANGE_IMPL(OverlapsBefore, "overlaps before")
ZEBRA_RANGE_IMPL(OverlapsAfter, "overlaps after")
ZEBRA_RANGE_IMPL(Finishes, "finishes")
ZEBRA_RANGE_IMPL(FinishedBy, "finished by")
ZEBRA_RANGE_IMPL(Includes, "includes")
ZEBRA_RANGE_IMPL(During, "during")
ZEBRA_RANGE_IMPL(Starts, "starts")
ZEBRA_RANGE_IMPL(StartedBy, "started by")
ZEBRA_RANGE_IMPL(Coincides, "coincides")
#undef ZEBRA_RANGE_IMPL

// The overloads differ only in parameter names (used by named invocation); every overload runs
// the same implementation, which dispatches on whether each argument is a range or a point.
std::vector<BuiltinOverload> Overloads(BuiltinImpl impl, std::initializer_list<std::pair<const char*, const char*>> names) {
  std::vector<BuiltinOverload> out;
  for (const auto& [p1, p2] : names) out.push_back(BuiltinOverload{{p1, p2}, impl});
  return out;
}

}  // namespace

void RegisterRangeBuiltins(BuiltinRegistrar& r) {
  const std::initializer_list<std::pair<const char*, const char*>> all = {
      {"point1", "point2"}, {"point", "range"}, {"range", "point"}, {"range1", "range2"}};
  const std::initializer_list<std::pair<const char*, const char*>> ranges = {{"range1", "range2"}};
  r.Add("before", Overloads(BeforeImpl, all));
  r.Add("after", Overloads(AfterImpl, all));
  r.Add("meets", Overloads(MeetsImpl, ranges));
  r.Add("met by", Overloads(MetByImpl, ranges));
  r.Add("overlaps", Overloads(OverlapsImpl, ranges));
  r.Add("overlaps before", Overloads(OverlapsBeforeImpl, ranges));
  r.Add("overlaps after", Overloads(OverlapsAfterImpl, ranges));
  r.Add("finishes", Overloads(FinishesImpl, {{"point", "range"}, {"range1", "range2"}}));
  r.Add("finished by", Overloads(FinishedByImpl, {{"range", "point"}, {"range1", "range2"}}));
  r.Add("includes", Overloads(IncludesImpl, {{"range", "point"}, {"range1", "range2"}}));
  r.Add("during", Overloads(DuringImpl, {{"point", "range"}, {"range1", "range2"}}));
  r.Add("starts", Overloads(StartsImpl, {{"point", "range"}, {"range1", "range2"}}));
  r.Add("started by", Overloads(StartedByImpl, {{"range", "point"}, {"range1", "range2"}}));
  r.Add("coincides", Overloads(CoincidesImpl, {{"point1", "point2"}, {"range1", "range2"}}));
}

}  // namespace zebra::feel
