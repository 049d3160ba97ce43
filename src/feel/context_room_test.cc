// Shaped contexts made by MakeContextValue hold their values in the context's own block
// (Context::RoomAfter): such a context must read, copy, move, unshape and free like one built
// key by key, and give back exactly one block when it goes.
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "feel/value.h"

namespace zebra::feel {
namespace {

std::vector<std::string> Keys(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("room key " + std::to_string(i));
  return out;
}

// Numbers and strings (counted pointers) in turn; `seed` makes them differ between contexts.
std::vector<Value> Values(int n, int seed) {
  std::vector<Value> out;
  for (int i = 0; i < n; ++i)
    out.push_back(i % 2 ? Value::String("text " + std::to_string(seed) + "/" + std::to_string(i))
                        : Value::Number(seed * 1000 + i));
  return out;
}

Value Made(const std::vector<std::string>& keys, const std::vector<Value>& values) {
  const ContextShape* shape = ContextShape::Intern(keys);
  EXPECT_NE(shape, nullptr);
  return MakeContextValue(shape, [&](Context& c) {
    for (const Value& v : values) c.EmplaceValue([&] { return v; });
  });
}

// The reference: the same entries put key by key into a context without a shape.
void ExpectEntries(const Context& c, const std::vector<std::string>& keys, const std::vector<Value>& values) {
  Context ref;
  for (size_t i = 0; i < values.size(); ++i) ref.Put(keys[i], values[i]);
  ASSERT_EQ(c.size(), ref.size());
  for (size_t i = 0; i < ref.size(); ++i) {
    EXPECT_EQ(c.key(i), ref.key(i)) << i;
    EXPECT_TRUE(DeepEqual(c.value(i), ref.value(i))) << i;
    const Value* found = c.Find(keys[i]);
    ASSERT_NE(found, nullptr) << i;
    EXPECT_TRUE(DeepEqual(*found, ref.value(i))) << i;
  }
}

TEST(ContextRoomTest, ReadsAsBuiltKeyByKey) {
  for (int n : {1, 2, 3, 7, 20, 40}) {
    const auto keys = Keys(n);
    const auto values = Values(n, n);
    Value v = Made(keys, values);
    ASSERT_TRUE(v.is(Type::kContext));
    EXPECT_EQ(v.context().shape(), ContextShape::Intern(keys));
    ExpectEntries(v.context(), keys, values);
    const Context copy(v.context());  // a copy has room of its own
    v = Value();
    ExpectEntries(copy, keys, values);
  }
}

// A context moved out of its block takes its values with it: the block freed and reused by a
// context of the same shape afterwards leaves the moved one as it was.
TEST(ContextRoomTest, MovedContextsKeepTheirValues) {
  for (int n : {1, 4, 9}) {
    const auto keys = Keys(n);
    const auto values = Values(n, 1);
    Value v = Made(keys, values);
    Context moved(std::move(const_cast<Context&>(v.context())));
    EXPECT_EQ(v.context().size(), 0u);
    Context assigned(ContextShape::Intern(keys));
    Value w = Made(keys, Values(n, 2));
    assigned = std::move(const_cast<Context&>(w.context()));
    v = Value();
    w = Value();
    std::vector<Value> others;  // blocks of the same class as the freed ones, written over
    for (int i = 0; i < 4; ++i) others.push_back(Made(keys, Values(n, 3 + i)));
    ExpectEntries(moved, keys, values);
    ExpectEntries(assigned, keys, Values(n, 2));
    Context again(std::move(moved));  // a context with room of its own moves as before
    ExpectEntries(again, keys, values);
  }
}

// A key put into such a context copies the shape's keys (Unshape): the values move out, the
// room stays with the block.
TEST(ContextRoomTest, UnshapedByANewKey) {
  const auto keys = Keys(5);
  const auto values = Values(5, 4);
  Value v = Made(keys, values);
  Context& c = const_cast<Context&>(v.context());
  c.Put("room key new", Value::String("new"));
  EXPECT_EQ(c.shape(), nullptr);
  auto more_keys = keys;
  more_keys.push_back("room key new");
  auto more_values = values;
  more_values.push_back(Value::String("new"));
  ExpectEntries(c, more_keys, more_values);
  Value copy = v;
  v = Value();
  ExpectEntries(copy.context(), more_keys, more_values);
}

// Made and dropped, a context gives the thread's cache back what it took: one block (its values
// are no block of their own, and nothing inside the block is freed as one).
TEST(ContextRoomTest, GivesBackOneBlock) {
  const auto keys = Keys(6);
  const std::vector<Value> numbers = {Value::Number(1), Value::Number(2), Value::Number(3),
                                      Value::Number(4), Value::Number(5), Value::Number(6)};
  for (int i = 0; i < 3; ++i) Made(keys, numbers);  // the cache on and holding the class
  const size_t before = ThreadCachedValueBytes();
  for (int i = 0; i < 10; ++i) {
    Value v = Made(keys, numbers);
    ExpectEntries(v.context(), keys, numbers);
  }
  EXPECT_EQ(ThreadCachedValueBytes(), before);
}

}  // namespace
}  // namespace zebra::feel
