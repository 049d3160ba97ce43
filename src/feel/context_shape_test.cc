// Shaped contexts (issue 21): a context whose keys are an interned ContextShape's behaves like one
// that holds its own keys, for every reader and writer of the Context API; paths read shaped
// contexts by a position cached per shape and must fall back when the shape changes.
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "feel/feel.h"
#include "feel/value.h"

namespace zebra::feel {
namespace {

std::vector<std::string> Keys(int n, const std::string& prefix = "key ") {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

Context Shaped(const std::vector<std::string>& keys, const std::vector<Value>& values) {
  const ContextShape* shape = ContextShape::Intern(keys);
  EXPECT_NE(shape, nullptr);
  Context c(shape);
  for (const Value& v : values) c.AppendValue(v);
  return c;
}

Context Unshaped(const std::vector<std::string>& keys, const std::vector<Value>& values) {
  Context c;
  for (size_t i = 0; i < values.size(); ++i) c.Put(keys[i], values[i]);
  return c;
}

std::vector<Value> Numbers(int n, int offset = 0) {
  std::vector<Value> out;
  for (int i = 0; i < n; ++i) out.push_back(Value::Number(i + offset));
  return out;
}

// Everything a reader can observe of a context, compared entry by entry.
void ExpectAlike(const Context& a, const Context& b, const std::vector<std::string>& probes) {
  ASSERT_EQ(a.size(), b.size());
  ASSERT_EQ(a.entries().size(), b.entries().size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a.entries()[i].first, b.entries()[i].first) << i;
    EXPECT_EQ(a.key(i), b.key(i)) << i;
    EXPECT_TRUE(DeepEqual(a.value(i), b.value(i))) << i;
  }
  size_t n = 0;
  for (const auto& [k, v] : a.entries()) {
    ASSERT_LT(n, b.size());
    EXPECT_EQ(k, b.key(n));
    EXPECT_TRUE(DeepEqual(v, b.value(n)));
    ++n;
  }
  EXPECT_EQ(n, a.size());
  for (const auto& p : probes) {
    const Value* x = a.Find(p);
    const Value* y = b.Find(p);
    ASSERT_EQ(x == nullptr, y == nullptr) << p;
    if (x) {
      EXPECT_TRUE(DeepEqual(*x, *y)) << p;
      EXPECT_TRUE(a.MayContain(p)) << p;
      EXPECT_TRUE(b.MayContain(p)) << p;
    }
  }
  const Value va = Value::FromContext(a), vb = Value::FromContext(b);
  EXPECT_TRUE(DeepEqual(va, vb));
  EXPECT_TRUE(DeepEqual(vb, va));
  auto eq = Equal(va, vb);
  ASSERT_TRUE(eq.has_value());
  EXPECT_TRUE(*eq);
  EXPECT_EQ(ToFeelLiteral(va), ToFeelLiteral(vb));
}

TEST(ContextShape, InternGivesOneShapePerKeyList) {
  const auto keys = Keys(3, "intern ");
  const ContextShape* a = ContextShape::Intern(keys);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(ContextShape::Intern(std::vector<std::string>(keys)), a);
  EXPECT_EQ(a->size(), 3u);
  EXPECT_NE(a->id(), 0u);
  std::vector<std::string> reversed(keys.rbegin(), keys.rend());
  const ContextShape* b = ContextShape::Intern(reversed);
  ASSERT_NE(b, nullptr);
  EXPECT_NE(b, a);
  EXPECT_NE(b->id(), a->id());
  // Not shapes: no keys, a repeated key (small and hashed alike).
  EXPECT_EQ(ContextShape::Intern(std::vector<std::string>{}), nullptr);
  EXPECT_EQ(ContextShape::Intern(std::vector<std::string>{"x", "y", "x"}), nullptr);
  auto many = Keys(100, "many ");
  many.push_back("many 42");
  EXPECT_EQ(ContextShape::Intern(many), nullptr);
}

TEST(ContextShape, IndexOfFindsEveryKeyAndNoOther) {
  for (int n : {1, 2, 7, 8, 9, 40, 300}) {
    const auto keys = Keys(n, "index " + std::to_string(n) + " ");
    const ContextShape* s = ContextShape::Intern(keys);
    ASSERT_NE(s, nullptr) << n;
    for (int i = 0; i < n; ++i) EXPECT_EQ(s->IndexOf(keys[static_cast<size_t>(i)]), static_cast<size_t>(i)) << n;
    // Same length, first, middle and last bytes as present keys: the cheap hash collides.
    EXPECT_EQ(s->IndexOf("absent"), ContextShape::npos);
    EXPECT_EQ(s->IndexOf(""), ContextShape::npos);
    for (const auto& k : keys) {
      std::string near = k;
      near[1] = near[1] == 'n' ? 'm' : 'n';
      EXPECT_EQ(s->IndexOf(near), ContextShape::npos) << near;
    }
  }
  const ContextShape* empty_key = ContextShape::Intern(std::vector<std::string>{"", "a"});
  ASSERT_NE(empty_key, nullptr);
  EXPECT_EQ(empty_key->IndexOf(""), 0u);
  EXPECT_EQ(empty_key->IndexOf("a"), 1u);
}

TEST(ContextShape, ShapedAndUnshapedContextsBehaveAlike) {
  for (int n : {1, 5, 30}) {
    const auto keys = Keys(n, "alike " + std::to_string(n) + " ");
    auto probes = keys;
    probes.push_back("absent");
    probes.push_back("");
    Context shaped = Shaped(keys, Numbers(n));
    Context plain = Unshaped(keys, Numbers(n));
    ASSERT_NE(shaped.shape(), nullptr);
    ASSERT_EQ(plain.shape(), nullptr);
    ExpectAlike(shaped, plain, probes);

    // Replacing an entry keeps its place (and a shaped context its shape).
    shaped.Put(keys[0], Value::String("replaced"));
    plain.Put(keys[0], Value::String("replaced"));
    EXPECT_NE(shaped.shape(), nullptr);
    ExpectAlike(shaped, plain, probes);

    // A new key goes last; the shaped context now holds its own keys.
    shaped.Put("new key", Value::Bool(true));
    plain.Put("new key", Value::Bool(true));
    EXPECT_EQ(shaped.shape(), nullptr);
    probes.push_back("new key");
    ExpectAlike(shaped, plain, probes);

    Context appended = Shaped(keys, Numbers(n));
    appended.Append(std::string("new key"), Value::Bool(true));
    Context expected = Unshaped(keys, Numbers(n));
    expected.Append("new key", Value::Bool(true));
    ExpectAlike(appended, expected, probes);
  }
}

TEST(ContextShape, CopiesMovesAndEqualityOfShapedContexts) {
  const auto keys = Keys(4, "copy ");
  Context a = Shaped(keys, {Value::String("s"), Value::FromList(List{Value::Number(1)}), Value(), Value::Bool(false)});
  Context copy = a;
  ASSERT_EQ(copy.shape(), a.shape());
  copy.Put(keys[0], Value::String("t"));
  EXPECT_EQ(a.Find(keys[0])->string(), "s");  // the copy owns its values
  EXPECT_EQ(copy.Find(keys[0])->string(), "t");
  Context assigned;
  assigned = copy;
  EXPECT_EQ(assigned.Find(keys[0])->string(), "t");
  Context moved = std::move(copy);
  EXPECT_EQ(moved.Find(keys[0])->string(), "t");
  EXPECT_EQ(copy.size(), 0u);  // NOLINT(bugprone-use-after-move): moved-from is empty
  EXPECT_EQ(copy.Find(keys[0]), nullptr);
  moved = std::move(assigned);
  EXPECT_EQ(moved.size(), 4u);

  // Same shape, one value different: unequal; FEEL `=` with a null entry is as for unshaped ones.
  auto eq = Equal(Value::FromContext(a), Value::FromContext(moved));
  ASSERT_TRUE(eq.has_value());
  EXPECT_FALSE(*eq);
  // The same entries in another key order are the same context.
  Context reordered = Shaped({keys[3], keys[2], keys[1], keys[0]},
                             {Value::Bool(false), Value(), Value::FromList(List{Value::Number(1)}), Value::String("s")});
  EXPECT_NE(reordered.shape(), a.shape());
  EXPECT_TRUE(DeepEqual(Value::FromContext(a), Value::FromContext(reordered)));
  eq = Equal(Value::FromContext(a), Value::FromContext(reordered));
  ASSERT_TRUE(eq.has_value());
  EXPECT_TRUE(*eq);
}

TEST(ContextShape, PartlyFilledShapedContextHoldsOnlyWhatWasAppended) {
  const auto keys = Keys(4, "partly ");
  Context c(ContextShape::Intern(keys));
  c.AppendValue(Value::Number(0));
  c.AppendValue(Value::Number(1));
  EXPECT_EQ(c.size(), 2u);
  EXPECT_EQ(c.Find(keys[2]), nullptr);
  EXPECT_EQ(c.entries().size(), 2u);
  // Putting a later key of the shape that is not the next one: an ordinary context.
  c.Put(keys[3], Value::Number(3));
  EXPECT_EQ(c.shape(), nullptr);
  ExpectAlike(c, Unshaped({keys[0], keys[1], keys[3]}, {Value::Number(0), Value::Number(1), Value::Number(3)}), keys);
}

TEST(ContextShape, PutInOrderIsPut) {
  const auto keys = Keys(5, "in order ");
  const ContextShape* shape = ContextShape::Intern(keys);
  Context in_order(shape);
  for (int i = 0; i < 5; ++i) in_order.PutInOrder(keys[static_cast<size_t>(i)], Value::Number(i));
  EXPECT_EQ(in_order.shape(), shape);
  ExpectAlike(in_order, Unshaped(keys, Numbers(5)), keys);

  // Out of order, repeated and unknown keys: what the same Puts give.
  const std::vector<std::string> puts = {keys[0], keys[2], keys[0], "other", keys[1]};
  Context mixed(shape);
  Context expected;
  for (size_t i = 0; i < puts.size(); ++i) {
    mixed.PutInOrder(puts[i], Value::Number(static_cast<int64_t>(i)));
    expected.Put(puts[i], Value::Number(static_cast<int64_t>(i)));
  }
  auto probes = keys;
  probes.push_back("other");
  ExpectAlike(mixed, expected, probes);
  // Without a shape it is Put.
  Context none(nullptr);
  for (size_t i = 0; i < puts.size(); ++i) none.PutInOrder(puts[i], Value::Number(static_cast<int64_t>(i)));
  ExpectAlike(none, expected, probes);
}

TEST(ContextShape, ContextLiteralsAndBuiltinsSeeTheSameContexts) {
  EvalContext ctx;
  Scope scope;
  auto run = [&](const std::string& text) {
    auto e = CompileExpression(text, scope);
    EXPECT_TRUE(e.has_value()) << text;
    std::vector<Value> slots;
    return e ? ToFeelLiteral(e->Evaluate(slots, ctx)) : std::string();
  };
  EXPECT_EQ(run("{a: 1, b: 2}"), "{a: 1, b: 2}");
  EXPECT_EQ(run("for i in [1, 2] return {n: i, sq: i * i}"), "[{n: 1, sq: 1}, {n: 2, sq: 4}]");
  EXPECT_EQ(run("get entries({a: 1, b: 2})"), "[{key: \"a\", value: 1}, {key: \"b\", value: 2}]");
  EXPECT_EQ(run("context put({a: 1, b: 2}, \"a\", 3)"), "{a: 3, b: 2}");
  EXPECT_EQ(run("context put({a: 1, b: 2}, \"c\", 3)"), "{a: 1, b: 2, c: 3}");
  EXPECT_EQ(run("context merge([{a: 1, b: 2}, {b: 3, c: 4}])"), "{a: 1, b: 3, c: 4}");
  EXPECT_EQ(run("get value({a: 1, b: 2}, \"b\")"), "2");
  EXPECT_EQ(run("{a: 1, b: 2} = {b: 2, a: 1}"), "true");
  EXPECT_EQ(run("for i in [1, 2] return {a: i} = {a: 1}"), "[true, false]");
  EXPECT_EQ(run("{a: 1, b: {c: 2}}.b.c"), "2");
}

// One compiled path over contexts of changing shapes: the position cached for one shape must
// never answer for another (other positions, a missing key, contexts with their own keys).
TEST(ContextShape, PathFallsBackWhenTheShapeChanges) {
  Scope scope;
  const int slot = scope.Declare("c");
  auto path = CompileExpression("c.b", scope);
  ASSERT_TRUE(path.has_value());
  std::vector<Value> slots(scope.size());
  EvalContext ctx;
  struct Case {
    Context c;
    Value expected;
  };
  std::vector<Case> cases;
  cases.push_back({Shaped({"a", "b", "c"}, {Value::Number(1), Value::Number(2), Value::Number(3)}), Value::Number(2)});
  cases.push_back({Shaped({"b", "a"}, {Value::Number(4), Value::Number(5)}), Value::Number(4)});
  cases.push_back({Shaped({"a", "c"}, {Value::Number(6), Value::Number(7)}), Value()});
  cases.push_back({Unshaped({"x", "y", "b"}, {Value::Number(8), Value::Number(9), Value::Number(10)}), Value::Number(10)});
  cases.push_back({Shaped({"x", "y", "z", "w", "v", "u", "t", "s", "r", "b"}, Numbers(10, 100)), Value::Number(109)});
  Context partly(ContextShape::Intern(std::vector<std::string>{"a", "c", "b"}));
  partly.AppendValue(Value::Number(11));
  cases.push_back({partly, Value()});  // the shape has `b`, this context not yet
  std::mt19937 rng(21);
  for (int round = 0; round < 300; ++round) {
    const Case& k = cases[rng() % cases.size()];
    slots[static_cast<size_t>(slot)] = Value::FromContext(k.c);
    const Value got = path->Evaluate(slots, ctx);
    EXPECT_TRUE(DeepEqual(got, k.expected)) << "round " << round << ": " << ToFeelLiteral(got);
  }
  // Over a list of contexts (PathOther), of mixed shapes.
  List list;
  for (const auto& k : cases) list.push_back(Value::FromContext(k.c));
  slots[static_cast<size_t>(slot)] = Value::FromList(list);
  EXPECT_EQ(ToFeelLiteral(path->Evaluate(slots, ctx)), "[2, 4, null, 10, 109, null]");
}

// Names inside a filter are looked up in each item first (shaped items included).
TEST(ContextShape, FilterItemsShadowNamesInShapedContexts) {
  Scope scope;
  const int slot = scope.Declare("b");
  auto e = CompileExpression("[{a: 1, b: 2}, {a: 3}, {b: 4, a: 5}][b > 2].a", scope);
  ASSERT_TRUE(e.has_value());
  std::vector<Value> slots(scope.size());
  slots[static_cast<size_t>(slot)] = Value::Number(3);  // the item's own `b` wins where it has one
  EvalContext ctx;
  EXPECT_EQ(ToFeelLiteral(e->Evaluate(slots, ctx)), "[3, 5]");
}

// Threads sharing a compiled path over contexts of different shapes: the cached (shape,
// position) word is read and written whole, so no thread pairs one shape with another's position.
TEST(ContextShape, ThreadsSharingAPathAgree) {
  Scope scope;
  const int slot = scope.Declare("c");
  auto path = CompileExpression("c.k", scope);
  ASSERT_TRUE(path.has_value());
  const CompiledExpression& p = *path;
  const Value first = Value::FromContext(Shaped({"k", "x"}, {Value::Number(1), Value::Number(0)}));
  const Value second = Value::FromContext(Shaped({"y", "z", "k"}, {Value::Number(0), Value::Number(0), Value::Number(2)}));
  auto work = [&](int seed, int& wrong) {
    std::vector<Value> slots(scope.size());
    EvalContext ctx;
    for (int i = 0; i < 20000; ++i) {
      const bool one = ((i * 7 + seed) % 3) == 0;
      slots[static_cast<size_t>(slot)] = one ? first : second;
      const Value got = p.Evaluate(slots, ctx);
      if (!got.is(Type::kNumber) || got.number() != Decimal::FromInt(one ? 1 : 2)) ++wrong;
    }
  };
  int wrong_a = 0, wrong_b = 0;
  std::thread a(work, 0, std::ref(wrong_a));
  std::thread b(work, 1, std::ref(wrong_b));
  a.join();
  b.join();
  EXPECT_EQ(wrong_a, 0);
  EXPECT_EQ(wrong_b, 0);
}

}  // namespace
}  // namespace zebra::feel
