// Value's hand-written copy, move and assignment (a tagged union since issue 21, fourth round):
// every kind survives copies and moves, moved-from values are null, and assigning a value from
// inside the list or context it replaces keeps it alive.
#include "feel/value.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace zebra::feel::value_test {
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

// Immortal constants (issue 21): a compiled model's constants are held by a registry, and their
// copies and releases count nothing, at every depth, while ordinary values still count.
TEST(ImmortalValue, CopiesWriteNoCountAndOutliveTheOriginal) {
  Value original = Value::String("a constant longer than the small-string buffer");
  const std::weak_ptr<const std::string> owner = original.string_ptr();
  const Value immortal = MakeImmortal(original);
  ASSERT_TRUE(immortal.is(Type::kString));
  EXPECT_TRUE(IsImmortal(immortal.string_ptr()));
  EXPECT_FALSE(IsImmortal(original.string_ptr()));
  const long held = owner.use_count();  // the original and the registry
  {
    std::vector<Value> copies(100, immortal);
    Value assigned = Value::Number(1);
    assigned = copies[7];
    Value moved(std::move(copies[8]));
    EXPECT_EQ(owner.use_count(), held);
    EXPECT_EQ(assigned.string_ptr().get(), immortal.string_ptr().get());
    EXPECT_TRUE(IsImmortal(moved.string_ptr()));
  }
  EXPECT_EQ(owner.use_count(), held);
  original = Value();
  EXPECT_FALSE(owner.expired());  // never freed
  EXPECT_EQ(immortal.string(), "a constant longer than the small-string buffer");
  // A copy of an ordinary value still counts.
  Value ordinary = Value::String("ordinary");
  Value copy = ordinary;
  EXPECT_EQ(ordinary.string_ptr().use_count(), 2);
  // Making an immortal value immortal again changes nothing; equal strings share one copy.
  EXPECT_EQ(MakeImmortal(immortal).string_ptr().get(), immortal.string_ptr().get());
  EXPECT_EQ(MakeImmortal(Value::String(immortal.string())).string_ptr().get(), immortal.string_ptr().get());
}

TEST(ImmortalValue, MembersAtEveryDepthAndShapesKept) {
  const std::string keys[] = {"first key", "second"};
  const ContextShape* shape = ContextShape::Intern(keys);
  ASSERT_NE(shape, nullptr);
  Context shaped(shape);
  shaped.AppendValue(Value::String("in a shaped context"));
  shaped.AppendValue(Value::FromList(List{Value::String("deep"), Value::Number(2)}));
  Context plain;
  plain.Append("k", Value::String("in a plain context"));
  Range r;
  r.low = Value::String("a");
  r.high = Value::String("z");
  r.low_closed = false;
  const Value original = Value::FromList(
      List{Value::FromContext(std::move(shaped)), Value::FromContext(std::move(plain)), Value::FromRange(std::move(r)),
           Value::Number(5), Value()});
  const Value v = MakeImmortal(original);
  EXPECT_TRUE(DeepEqual(v, original));
  EXPECT_EQ(ToFeelLiteral(v), ToFeelLiteral(original));
  ASSERT_TRUE(IsImmortal(v.list_ptr()));
  const Context& c = v.list()[0].context();
  EXPECT_TRUE(IsImmortal(v.list()[0].context_ptr()));
  EXPECT_EQ(c.shape(), shape);
  ASSERT_NE(c.Find("second"), nullptr);
  EXPECT_TRUE(IsImmortal(c.Find("second")->list_ptr()));
  EXPECT_TRUE(IsImmortal(c.Find("second")->list()[0].string_ptr()));
  EXPECT_TRUE(IsImmortal(c.Find("first key")->string_ptr()));
  const Context& p = v.list()[1].context();
  EXPECT_EQ(p.shape(), nullptr);
  ASSERT_NE(p.Find("k"), nullptr);
  EXPECT_TRUE(IsImmortal(p.Find("k")->string_ptr()));
  EXPECT_FALSE(p.MayContain("absent key"));
  EXPECT_TRUE(IsImmortal(v.list()[2].range_ptr()));
  EXPECT_TRUE(IsImmortal(v.list()[2].range().low.string_ptr()));
  EXPECT_FALSE(v.list()[2].range().low_closed);
  // A member taken out of the constant stays immortal through copies.
  Value member = v.list()[0];
  member = member.context().Find("second")->list()[0];
  EXPECT_TRUE(IsImmortal(member.string_ptr()));
  EXPECT_EQ(member.string(), "deep");
}

class Identity final : public Function {
 public:
  std::span<const std::string> parameters() const override { return params_; }
  Value Call(std::span<const Value> args, EvalContext&) const override { return args.empty() ? Value() : args[0]; }

 private:
  std::vector<std::string> params_{"x"};
};

// Functions may hold a model: they keep their owner.
TEST(ImmortalValue, FunctionsStayOwned) {
  const Value f = Value::FromFunction(std::make_shared<Identity>());
  const Value g = MakeImmortal(f);
  EXPECT_FALSE(IsImmortal(g.function_ptr()));
  EXPECT_EQ(f.function_ptr().use_count(), 2);
}

}  // namespace
}  // namespace zebra::feel::value_test
