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

namespace zebra::feel::context_shape_test {
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

// Runs `work(seed, wrong)` on two threads at once, each with its own seed; neither may count a
// wrong answer.
template <typename Work>
void ExpectNoneWrongOnTwoThreads(Work work, int seed_a, int seed_b) {
  int wrong_a = 0, wrong_b = 0;
  std::thread a(work, seed_a, std::ref(wrong_a));
  std::thread b(work, seed_b, std::ref(wrong_b));
  a.join();
  b.join();
  EXPECT_EQ(wrong_a, 0);
  EXPECT_EQ(wrong_b, 0);
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
  ExpectNoneWrongOnTwoThreads(work, 0, 1);
}

// Subsets of a family (the clinical case's objects, one family per schema object): a shape per
// set of keys present, absent keys absent, sharing the family's position cache.
TEST(ContextShape, InternSubsetGivesOneShapePerFamilyAndSet) {
  const auto keys = Keys(5, "subset ");
  const ContextShape* family = ContextShape::Intern(keys);
  ASSERT_NE(family, nullptr);
  EXPECT_EQ(family->cache_id(), family->id());
  EXPECT_EQ(family->family(), nullptr);
  EXPECT_EQ(ContextShape::InternSubset(*family, 0b11111), family);  // all present: the family
  const ContextShape* odd = ContextShape::InternSubset(*family, 0b10101);
  ASSERT_NE(odd, nullptr);
  EXPECT_EQ(ContextShape::InternSubset(*family, 0b10101), odd);
  ASSERT_EQ(odd->size(), 3u);
  EXPECT_EQ(odd->key(0), "subset 0");
  EXPECT_EQ(odd->key(1), "subset 2");
  EXPECT_EQ(odd->key(2), "subset 4");
  EXPECT_EQ(odd->family(), family);
  EXPECT_EQ(odd->cache_id(), family->id());
  EXPECT_NE(odd->id(), family->id());
  EXPECT_EQ(odd->IndexOf("subset 4"), 2u);
  EXPECT_EQ(odd->IndexOf("subset 1"), ContextShape::npos);
  // Family positions map to the subset's, absent ones beyond it.
  EXPECT_EQ(odd->FromCache(0), 0u);
  EXPECT_EQ(odd->FromCache(2), 1u);
  EXPECT_EQ(odd->FromCache(4), 2u);
  EXPECT_GE(odd->FromCache(1), odd->size());
  EXPECT_GE(odd->FromCache(3), odd->size());
  EXPECT_GE(odd->FromCache(0xFFFFFFFFu), odd->size());  // a path's "absent from the family"
  EXPECT_EQ(family->FromCache(3), 3u);
  const ContextShape* even = ContextShape::InternSubset(*family, 0b01010);
  ASSERT_NE(even, nullptr);
  EXPECT_NE(even, odd);
  // Not a subset: nothing present, keys beyond the family, a subset's subset.
  EXPECT_EQ(ContextShape::InternSubset(*family, 0), nullptr);
  EXPECT_EQ(ContextShape::InternSubset(*family, 0b100000), nullptr);
  EXPECT_EQ(ContextShape::InternSubset(*odd, 0b1), nullptr);
  const ContextShape* wide = ContextShape::Intern(Keys(65, "wide "));
  ASSERT_NE(wide, nullptr);
  EXPECT_EQ(ContextShape::InternSubset(*wide, 0b1), nullptr);
  const ContextShape* full = ContextShape::Intern(Keys(64, "full "));
  ASSERT_NE(full, nullptr);
  EXPECT_EQ(ContextShape::InternSubset(*full, ~uint64_t{0}), full);
  const ContextShape* last = ContextShape::InternSubset(*full, uint64_t{1} << 63);
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(last->key(0), "full 63");
  // The same keys interned on their own are another shape (no family, its own cache).
  const ContextShape* alone = ContextShape::Intern(std::vector<std::string>{"subset 0", "subset 2", "subset 4"});
  ASSERT_NE(alone, nullptr);
  EXPECT_NE(alone, odd);
  EXPECT_EQ(alone->family(), nullptr);
}

// A context on a subset holds only the keys present: an absent key stays absent (not null) for
// every reader, as in a context built key by key.
TEST(ContextShape, SubsetContextsKeepAbsentKeysAbsent) {
  const auto keys = Keys(4, "absent ");
  const ContextShape* family = ContextShape::Intern(keys);
  ASSERT_NE(family, nullptr);
  const ContextShape* shape = ContextShape::InternSubset(*family, 0b1001);
  ASSERT_NE(shape, nullptr);
  Context c(shape);
  c.AppendValue(Value::Number(1));
  c.AppendValue(Value());  // present, null
  ExpectAlike(c, Unshaped({"absent 0", "absent 3"}, {Value::Number(1), Value()}), keys);
  EXPECT_EQ(c.Find("absent 1"), nullptr);
  ASSERT_NE(c.Find("absent 3"), nullptr);
  EXPECT_TRUE(c.Find("absent 3")->is_null());
  Scope scope;
  const int slot = scope.Declare("c");
  std::vector<Value> slots(scope.size());
  slots[static_cast<size_t>(slot)] = Value::FromContext(c);
  EvalContext ctx;
  auto run = [&](const std::string& text) {
    auto e = CompileExpression(text, scope);
    EXPECT_TRUE(e.has_value()) << text;
    return e ? ToFeelLiteral(e->Evaluate(slots, ctx)) : std::string();
  };
  EXPECT_EQ(run("get entries(c)"), R"([{key: "absent 0", value: 1}, {key: "absent 3", value: null}])");
  EXPECT_EQ(run("c = {\"absent 0\": 1, \"absent 3\": null}"), "true");
  EXPECT_EQ(run("c = {\"absent 0\": 1, \"absent 1\": null, \"absent 3\": null}"), "false");
  EXPECT_EQ(run("context put(c, \"absent 1\", 2)"), R"({"absent 0": 1, "absent 3": null, "absent 1": 2})");
}

// One compiled path (and chain) over contexts on every subset of a family, in random order, and
// over contexts of other shapes and none: each read gives what Context::Find gives, whichever
// subset the cached position came from.
TEST(ContextShape, PathsReadEverySubsetOfAFamily) {
  const std::vector<std::string> keys = {"a", "b", "c", "d", "e", "f"};
  const ContextShape* family = ContextShape::Intern(keys);
  ASSERT_NE(family, nullptr);
  Scope scope;
  const int slot = scope.Declare("x");
  std::vector<CompiledExpression> paths;  // x.K and x.K.a for each key K and one no context has
  std::vector<std::string> names = keys;
  names.push_back("g");
  for (const auto& k : names)
    for (const std::string& text : {"x." + k, "x." + k + ".a"}) {
      auto e = CompileExpression(text, scope);
      ASSERT_TRUE(e.has_value()) << text;
      paths.push_back(*e);
    }
  // The inner context of x.K.a: a subset of the same family, `a` present or absent.
  auto make = [&](uint64_t present, int base) {
    Context c(ContextShape::InternSubset(*family, present));
    EXPECT_NE(c.shape(), nullptr);
    for (size_t i = 0; i < keys.size(); ++i)
      if (present & (uint64_t{1} << i)) {
        Value v = Value::Number(base + static_cast<int>(i));
        if (i % 2 == 1) {
          Context inner(ContextShape::InternSubset(*family, i == 1 ? 0b11 : 0b10));
          if (i == 1) inner.AppendValue(Value::Number(base * 10));
          inner.AppendValue(Value::String("inner"));
          v = Value::FromContext(std::move(inner));
        }
        c.AppendValue(std::move(v));
      }
    return c;
  };
  std::mt19937 rng(2026);
  std::vector<Value> slots(scope.size());
  EvalContext ctx;
  for (int round = 0; round < 600; ++round) {
    Context c;
    const int kind = static_cast<int>(rng() % 8);
    const uint64_t present = 1 + rng() % 63;
    if (kind == 0) c = Unshaped({"b", "a"}, {Value::Number(round), Value::Number(-round)});
    else if (kind == 1) c = Shaped({"f", "b"}, {Value::Number(round), Value::Number(-round)});
    else c = make(present, round);
    slots[static_cast<size_t>(slot)] = Value::FromContext(c);
    for (size_t k = 0; k < names.size(); ++k) {
      const Value* v = c.Find(names[k]);
      const Value got = paths[2 * k].Evaluate(slots, ctx);
      ASSERT_TRUE(v ? DeepEqual(got, *v) : got.is_null())
          << "round " << round << " x." << names[k] << ": " << ToFeelLiteral(got);
      const Value* inner = v && v->is(Type::kContext) ? v->context().Find("a") : nullptr;
      const Value got_inner = paths[2 * k + 1].Evaluate(slots, ctx);
      ASSERT_TRUE(inner ? DeepEqual(got_inner, *inner) : got_inner.is_null())
          << "round " << round << " x." << names[k] << ".a: " << ToFeelLiteral(got_inner);
    }
  }
  // A list of subset contexts (PathOther), then the same path inside a filter over them.
  List list;
  list.push_back(Value::FromContext(make(0b000001, 1)));
  list.push_back(Value::FromContext(make(0b000100, 2)));
  list.push_back(Value::FromContext(make(0b000101, 3)));
  slots[static_cast<size_t>(slot)] = Value::FromList(list);
  EXPECT_EQ(ToFeelLiteral(paths[0].Evaluate(slots, ctx)), "[1, null, 3]");
  auto filter = CompileExpression("x[item.c > 3].c", scope);
  ASSERT_TRUE(filter.has_value());
  EXPECT_EQ(ToFeelLiteral(filter->Evaluate(slots, ctx)), "[4, 5]");
}

// Threads reading one compiled chain over contexts on different subsets of one family (and on a
// shape of its own): the cached (family, position) word serves every subset and is replaced
// whole when another shape comes.
TEST(ContextShape, ThreadsSharingAPathOverSubsetsAgree) {
  const std::vector<std::string> keys = {"m", "k", "n"};
  const ContextShape* family = ContextShape::Intern(keys);
  ASSERT_NE(family, nullptr);
  auto on = [&](uint64_t present, const std::vector<Value>& values) {
    Context c(ContextShape::InternSubset(*family, present));
    EXPECT_NE(c.shape(), nullptr);
    for (const Value& v : values) c.AppendValue(v);
    return Value::FromContext(std::move(c));
  };
  // x.k.k: the outer and inner contexts on subsets; k is 1, 2, 3 or absent (null).
  const std::vector<Value> xs = {
      on(0b010, {on(0b010, {Value::Number(1)})}),
      on(0b111, {Value::Number(0), on(0b011, {Value::Number(0), Value::Number(2)}), Value::Number(0)}),
      on(0b110, {on(0b110, {Value::Number(3), Value::Number(0)}), Value::Number(0)}),
      on(0b011, {Value::Number(0), on(0b101, {Value::Number(0), Value::Number(0)})}),
      Value::FromContext(Shaped({"k"}, {Value::FromContext(Shaped({"x", "k"}, {Value::Number(0), Value::Number(3)}))}))};
  const std::vector<int> expected = {1, 2, 3, 0, 3};
  Scope scope;
  const int slot = scope.Declare("x");
  auto path = CompileExpression("x.k.k", scope);
  ASSERT_TRUE(path.has_value());
  const CompiledExpression& p = *path;
  auto work = [&](int seed, int& wrong) {
    std::vector<Value> slots(scope.size());
    EvalContext ctx;
    for (int i = 0; i < 20000; ++i) {
      const size_t which = static_cast<size_t>((i * 7 + seed) % 5);
      slots[static_cast<size_t>(slot)] = xs[which];
      const Value got = p.Evaluate(slots, ctx);
      const bool right = expected[which] == 0 ? got.is_null()
                                              : got.is(Type::kNumber) && got.number() == Decimal::FromInt(expected[which]);
      if (!right) ++wrong;
    }
  };
  ExpectNoneWrongOnTwoThreads(work, 0, 3);
}

}  // namespace
}  // namespace zebra::feel::context_shape_test
