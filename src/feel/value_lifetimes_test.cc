// Values' lifetimes: a shaped context's copy (ContextPutNode copies a shared context to put a
// key) takes exactly one reference to each owned pointer and none to an immortal one.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "feel/value.h"

namespace zebra::feel::value_lifetimes_test {
namespace {

const ContextShape* ShapeOf(size_t n, const std::string& prefix) {
  std::vector<std::string> keys;
  for (size_t i = 0; i < n; ++i) keys.push_back(prefix + std::to_string(i));
  const ContextShape* shape = ContextShape::Intern(keys);
  EXPECT_NE(shape, nullptr);
  return shape;
}

// Every kind a context holds: owned pointers (string, list, context, range), owner-less ones
// (an immortal string, the empty list) and inline values (null, boolean, number, date).
std::vector<Value> MixedValues() {
  Context inner;
  inner.Put("k", Value::Number(7));
  return {Value::Number(1),
          Value::String("an owned string, longer than the short-string buffer"),
          Value(),
          MakeImmortal(Value::String("an immortal string of the lifetimes test")),
          Value::FromList(List{Value::Number(2), Value::String("in a list, long enough to be on the heap")}),
          Value::Bool(true),
          Value::FromContext(std::move(inner)),
          Value::EmptyList(),
          Value::FromDate(Date{20794}),
          Value::FromRange(Range{Value::Number(1), Value::Number(9)}),
          Value::Bool(false)};
}

// The reference counts of the owned pointers among `values` (0 for the rest), read through the
// five kinds' own accessors.
std::vector<long> Counts(const std::vector<Value>& values) {
  std::vector<long> out;
  for (const Value& v : values) {
    switch (v.type()) {
      case Type::kString: out.push_back(v.string_ptr().use_count()); break;
      case Type::kList: out.push_back(v.list_ptr().use_count()); break;
      case Type::kContext: out.push_back(v.context_ptr().use_count()); break;
      case Type::kRange: out.push_back(v.range_ptr().use_count()); break;
      default: out.push_back(0); break;
    }
  }
  return out;
}

// A copy of a shaped context holds the same values and takes exactly one more reference to each
// owned pointer (none to an immortal one); the copy outlives the original, and dropping it gives
// the references back. Counts 0..11 of shapes of 11, 12 and 40 keys: empty, odd and even, full
// and partly filled, and values over 1 KB.
TEST(ContextCopy, CountsEachOwnedPointerOnce) {
  const std::vector<Value> values = MixedValues();
  std::vector<long> base = Counts(values);  // each owned pointer held once, by `values`
  for (long c : base) EXPECT_LE(c, 1);
  for (size_t shape_size : {size_t{11}, size_t{12}, size_t{40}}) {
    const ContextShape* shape = ShapeOf(shape_size, "copy" + std::to_string(shape_size) + "_");
    for (size_t n = 0; n <= values.size(); ++n) {
      auto original = std::make_unique<Context>(shape);
      for (size_t i = 0; i < n; ++i) original->AppendValue(values[i]);
      std::vector<long> with_original = base;
      for (size_t i = 0; i < n; ++i)
        if (base[i] != 0) ++with_original[i];
      ASSERT_EQ(Counts(values), with_original);

      auto copy = std::make_unique<Context>(*original);
      ASSERT_EQ(copy->shape(), shape);
      ASSERT_EQ(copy->size(), n);
      std::vector<long> with_both = with_original;
      for (size_t i = 0; i < n; ++i)
        if (base[i] != 0) ++with_both[i];
      EXPECT_EQ(Counts(values), with_both) << "n=" << n;

      original.reset();
      EXPECT_EQ(Counts(values), with_original) << "n=" << n;  // the copy's own references
      for (size_t i = 0; i < n; ++i) {
        EXPECT_EQ(copy->key(i), shape->key(i));
        EXPECT_TRUE(DeepEqual(copy->value(i), values[i])) << i << ": " << ToFeelLiteral(copy->value(i));
      }
      if (n > 3) {
        EXPECT_EQ(copy->value(3).string_ptr().get(), values[3].string_ptr().get());  // the same constant
      }
      // The copy is a context like any: a new key unshapes it, its values stay whole.
      copy->Put("a key of no shape", Value::Number(5));
      EXPECT_EQ(copy->shape(), nullptr);
      for (size_t i = 0; i < n; ++i) EXPECT_TRUE(DeepEqual(*copy->Find(shape->key(i)), values[i]));
      copy.reset();
      EXPECT_EQ(Counts(values), base) << "n=" << n;
    }
  }
}

// The same copy through a context value (ContextPutNode's path: a shared context copied, then
// changed), read by FEEL.
TEST(ContextCopy, CopiedContextValueEvaluatesAlike) {
  const ContextShape* shape = ShapeOf(3, "put");
  Value shared = MakeContextValue(shape, [](Context& c) {
    c.AppendValue(Value::String("first value, long enough to be owned on the heap"));
    c.AppendValue(Value::Number(2));
    c.AppendValue(Value::FromList(List{Value::Number(3)}));
  });
  Value changed = Value::FromContext(Context(shared.context()));
  EXPECT_EQ(ToFeelLiteral(changed), ToFeelLiteral(shared));
  EXPECT_EQ(shared.context().value(0).string_ptr().use_count(), 2);
  EXPECT_EQ(shared.context().value(2).list_ptr().use_count(), 2);
  shared = Value();
  EXPECT_EQ(ToFeelLiteral(changed), R"({put0: "first value, long enough to be owned on the heap", put1: 2, put2: [3]})");
  EXPECT_EQ(changed.context().value(0).string_ptr().use_count(), 1);
}

// The empty list is one owner-less constant for the whole process (every thread, every way of
// making it): copying it and dropping the copies counts nothing, and it reads as an empty list.
TEST(EmptyList, OneOwnerlessConstantOnEveryThread) {
  const Value empty = Value::EmptyList();
  ASSERT_TRUE(empty.is(Type::kList));
  EXPECT_TRUE(empty.list().empty());
  EXPECT_EQ(empty.list_ptr().use_count(), 0);  // no control block: nothing to count
  EXPECT_TRUE(IsImmortal(empty.list_ptr()));
  {
    std::vector<Value> copies(5, empty);
    copies.push_back(Value::FromList(List{}));
    for (const Value& c : copies) {
      EXPECT_EQ(c.list_ptr().get(), empty.list_ptr().get());
      EXPECT_EQ(c.list_ptr().use_count(), 0);
    }
  }
  const List* other_thread = nullptr;
  std::thread t([&] { other_thread = Value::EmptyList().list_ptr().get(); });
  t.join();
  EXPECT_EQ(other_thread, empty.list_ptr().get());
  EXPECT_EQ(ToFeelLiteral(empty), "[]");
  EXPECT_TRUE(DeepEqual(empty, Value::FromList(List{})));
  EXPECT_FALSE(DeepEqual(empty, Value::FromList(List{Value()})));
}

}  // namespace
}  // namespace zebra::feel::value_lifetimes_test
