// Value's hand-written copy, move and assignment (a tagged union since issue 21, fourth round):
// every kind survives copies and moves, moved-from values are null, and assigning a value from
// inside the list or context it replaces keeps it alive.
#include "feel/value.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace zebra::feel {
namespace {

std::vector<Value> OneOfEachKind() {
  Context c;
  c.Append("a", Value::Number(1));
  Time t;
  t.nanos = 5;
  DateTime dt;
  dt.date = Date{3};
  dt.time = t;
  Range r;
  r.low = Value::Number(1);
  r.high = Value::Number(2);
  return {Value(),
          Value::Bool(true),
          Value::Number(Decimal::FromInt(-42)),
          Value::String("text longer than the small-string buffer"),
          Value::FromDate(Date{7}),
          Value::FromTime(t),
          Value::FromDateTime(dt),
          Value::Duration(DaysTimeDuration{90, 0}),
          Value::Duration(YearsMonthsDuration{14}),
          Value::FromList(List{Value::Number(1), Value::String("x")}),
          Value::FromContext(std::move(c)),
          Value::FromRange(std::move(r))};
}

TEST(Value, CopiesAndMovesKeepEveryKind) {
  for (const Value& v : OneOfEachKind()) {
    Value copy(v);
    EXPECT_EQ(copy.type(), v.type());
    EXPECT_EQ(ToFeelLiteral(copy), ToFeelLiteral(v)) << TypeName(v.type());
    Value assigned = Value::Bool(false);
    assigned = v;
    EXPECT_EQ(assigned.type(), v.type());
    EXPECT_EQ(ToFeelLiteral(assigned), ToFeelLiteral(v));
    Value moved(std::move(copy));
    EXPECT_EQ(ToFeelLiteral(moved), ToFeelLiteral(v));
    Value move_assigned = Value::String("old");
    move_assigned = std::move(moved);
    EXPECT_EQ(ToFeelLiteral(move_assigned), ToFeelLiteral(v));
  }
}

TEST(Value, MovedFromIsNull) {
  Value s = Value::String("abc");
  Value t(std::move(s));
  EXPECT_TRUE(s.is_null());  // NOLINT(bugprone-use-after-move): the documented moved-from state
  EXPECT_EQ(t.string(), "abc");
  Value l = Value::FromList(List{Value::Number(1)});
  Value u = Value::Number(3);
  u = std::move(l);
  EXPECT_TRUE(l.is_null());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(u.list().size(), 1u);
}

TEST(Value, SharesPointersWithoutDeepCopies) {
  Value s = Value::String("shared");
  Value t = s;
  EXPECT_EQ(s.string_ptr().get(), t.string_ptr().get());
  EXPECT_EQ(s.string_ptr().use_count(), 2);
  t = Value();
  EXPECT_EQ(s.string_ptr().use_count(), 1);
}

TEST(Value, AssignsFromInsideWhatItReplaces) {
  // The only reference to the list is `v` itself: assigning its element must not read freed memory
  // (ASan checks this in the dev preset).
  Value v = Value::FromList(List{Value::String("first, and longer than the small-string buffer"), Value::Number(2)});
  v = v.list()[0];
  ASSERT_TRUE(v.is(Type::kString));
  EXPECT_EQ(v.string(), "first, and longer than the small-string buffer");

  Context c;
  c.Append("inner", Value::FromList(List{Value::Number(7)}));
  Value w = Value::FromContext(std::move(c));
  w = w.context().Find("inner")->list()[0];
  ASSERT_TRUE(w.is(Type::kNumber));
  EXPECT_EQ(ToFeelLiteral(w), "7");

  Value x = Value::FromList(List{Value::FromList(List{Value::Bool(true)})});
  x = Value(x.list()[0]);  // a move from a copy of the element
  ASSERT_TRUE(x.is(Type::kList));
  EXPECT_TRUE(x.list()[0].is_true());

  Value self = Value::String("self");
  const Value& alias = self;
  self = alias;
  EXPECT_EQ(self.string(), "self");
}

TEST(Value, AppendKeepsKeysAndFilter) {
  Context c;
  const std::string key = "a key longer than fifteen characters";
  c.Append(key, Value::Number(1));
  c.Append(std::string("second"), Value::Number(2));
  EXPECT_EQ(key, "a key longer than fifteen characters");  // copied, not moved from
  ASSERT_NE(c.Find(key), nullptr);
  ASSERT_NE(c.Find("second"), nullptr);
  EXPECT_TRUE(c.MayContainBit(Context::KeyBit(key)));
  EXPECT_TRUE(c.MayContainBit(Context::KeyBit("second")));
  EXPECT_EQ(c.MayContainBit(Context::KeyBit("absent")), c.MayContain("absent"));
}

// Put skips the scan for keys the filter rules out; with 200 keys the one-word filter is full,
// so later puts scan. Either way an existing key is replaced in place and a new one appended.
TEST(Value, PutReplacesOrAppendsWithAFullKeyFilter) {
  Context c;
  for (int i = 0; i < 200; ++i) c.Put("key " + std::to_string(i), Value::Number(i));
  for (int i = 0; i < 200; i += 7) c.Put("key " + std::to_string(i), Value::Number(-i));
  c.Put("", Value::Bool(true));
  c.Put("", Value::Bool(false));
  ASSERT_EQ(c.size(), 201u);
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(c.entries()[static_cast<size_t>(i)].first, "key " + std::to_string(i));
    const Value* v = c.Find("key " + std::to_string(i));
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->number().ToInt64(), i % 7 == 0 ? -i : i);
  }
  ASSERT_NE(c.Find(""), nullptr);
  EXPECT_FALSE(c.Find("")->boolean());
}

// A borrowed value takes no reference; its copies take their own, and Unborrow releases nothing.
TEST(Value, BorrowedValuesTakeNoReference) {
  const Value list = Value::FromList(List{Value::String("a"), Value::Number(1)});
  const long before = list.list_ptr().use_count();
  {
    Value slot;
    slot.Borrow(list);
    EXPECT_EQ(list.list_ptr().use_count(), before);
    ASSERT_TRUE(slot.is(Type::kList));
    EXPECT_EQ(&slot.list(), &list.list());
    Value copy = slot;
    EXPECT_EQ(list.list_ptr().use_count(), before + 1);
    slot.Unborrow();
    EXPECT_TRUE(slot.is_null());
  }
  EXPECT_EQ(list.list_ptr().use_count(), before);
}

}  // namespace
}  // namespace zebra::feel
