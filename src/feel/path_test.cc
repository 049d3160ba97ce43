// Path expressions (`c.a.b`, DMN 1.5 §10.3.2.2 "path expression"): one compiled path evaluated
// against many contexts of different shapes must give what Context::Find gives, whatever the
// position hint and key filter remember from the previous context; and values that live in the
// slots are borrowed, not copied.
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "feel/feel.h"

namespace zebra::feel::path_test {
namespace {

std::string KeyName(int i) { return i % 3 == 0 ? "k" + std::to_string(i) : "field_" + std::to_string(i) + "_x"; }

// A context with a random subset of the keys k0..k(universe-1), in random order, each mapped to
// its index.
Context RandomContext(std::mt19937& rng, int universe) {
  std::vector<int> keys;
  for (int i = 0; i < universe; ++i)
    if (rng() % 3 != 0) keys.push_back(i);
  std::shuffle(keys.begin(), keys.end(), rng);
  Context c;
  for (int k : keys) c.Put(KeyName(k), Value::Number(k));
  return c;
}

TEST(PathTest, OnePathOverContextsOfDifferentShapesAgreesWithFind) {
  constexpr int kUniverse = 24;
  Scope scope;
  const int slot = scope.Declare("c");
  std::vector<CompiledExpression> paths;
  for (int k = 0; k < kUniverse + 2; ++k) {  // two names no context has
    auto e = CompileExpression("c." + KeyName(k), scope);
    ASSERT_TRUE(e.has_value()) << e.error().message;
    paths.push_back(*e);
  }
  std::mt19937 rng(20261127);
  std::vector<Value> slots(scope.size());
  EvalContext ctx;
  for (int round = 0; round < 400; ++round) {
    Context c = RandomContext(rng, kUniverse);
    slots[static_cast<size_t>(slot)] = Value::FromContext(c);
    for (int k = 0; k < kUniverse + 2; ++k) {
      const Value* expected = c.Find(KeyName(k));
      Value got = paths[static_cast<size_t>(k)].Evaluate(slots, ctx);
      if (expected == nullptr) {
        EXPECT_TRUE(got.is_null()) << "round " << round << " key " << KeyName(k);
      } else {
        ASSERT_TRUE(got.is(Type::kNumber)) << "round " << round << " key " << KeyName(k);
        EXPECT_EQ(got.number(), expected->number()) << "round " << round << " key " << KeyName(k);
      }
    }
  }
}

// The hint may point past the end of a smaller context: the name can still be at its last entry.
TEST(PathTest, HintBeyondASmallerContext) {
  Scope scope;
  const int slot = scope.Declare("c");
  auto path = CompileExpression("c.d", scope);
  ASSERT_TRUE(path.has_value());
  std::vector<Value> slots(scope.size());
  EvalContext ctx;
  Context big;
  for (const char* k : {"a", "b", "c", "d", "e"}) big.Put(k, Value::String(k));
  Context small;
  small.Put("d", Value::String("only"));
  slots[static_cast<size_t>(slot)] = Value::FromContext(big);
  EXPECT_EQ(path->Evaluate(slots, ctx).string(), "d");
  slots[static_cast<size_t>(slot)] = Value::FromContext(small);
  EXPECT_EQ(path->Evaluate(slots, ctx).string(), "only");
  slots[static_cast<size_t>(slot)] = Value::FromContext(Context());
  EXPECT_TRUE(path->Evaluate(slots, ctx).is_null());
}

// A path into the slots is answered with a reference to the value inside the slot's context; a
// path into a context built by the expression itself cannot be, and is copied out intact.
TEST(PathTest, EvaluateRefBorrowsFromSlotsAndCopiesFromTemporaries) {
  Scope scope;
  const int slot = scope.Declare("Case");
  Context tumor;
  tumor.Put("site", Value::String("pancreas"));
  Context root;
  root.Put("tumor", Value::FromContext(tumor));
  std::vector<Value> slots(scope.size());
  slots[static_cast<size_t>(slot)] = Value::FromContext(root);
  EvalContext ctx;

  auto borrowed = CompileExpression("Case.tumor.site", scope);
  ASSERT_TRUE(borrowed.has_value());
  Value tmp;
  const Value& ref = borrowed->EvaluateRef(slots, ctx, tmp);
  const Value* inside = slots[static_cast<size_t>(slot)].context().Find("tumor")->context().Find("site");
  EXPECT_EQ(&ref, inside);
  EXPECT_TRUE(tmp.is_null());  // nothing was copied into the scratch value

  auto temporary = CompileExpression("{t: {site: \"lung\"}}.t.site", scope);
  ASSERT_TRUE(temporary.has_value());
  Value tmp2;
  const Value& copied = temporary->EvaluateRef(slots, ctx, tmp2);
  EXPECT_EQ(&copied, &tmp2);
  EXPECT_EQ(copied.string(), "lung");

  auto missing = CompileExpression("Case.tumor.size", scope);
  ASSERT_TRUE(missing.has_value());
  Value tmp3;
  EXPECT_TRUE(missing->EvaluateRef(slots, ctx, tmp3).is_null());
  auto through_null = CompileExpression("Case.history.prior", scope);
  ASSERT_TRUE(through_null.has_value());
  EXPECT_TRUE(through_null->EvaluateRef(slots, ctx, tmp3).is_null());
}

// Context::MayContain is a filter: it may say yes for an absent key, never no for a present one.
TEST(PathTest, KeyFilterHasNoFalseNegatives) {
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    Context c;
    std::vector<std::string> keys;
    for (int i = 0; i < 20; ++i) {
      std::string k(1 + rng() % 12, 'a');
      for (char& ch : k) ch = static_cast<char>('a' + rng() % 26);
      keys.push_back(k);
      if (i % 2) c.Put(k, Value::Bool(true));
      else c.Append(k + "_", Value::Bool(false));
    }
    for (int i = 0; i < 20; ++i) {
      const std::string k = i % 2 ? keys[static_cast<size_t>(i)] : keys[static_cast<size_t>(i)] + "_";
      EXPECT_TRUE(c.MayContain(k)) << k;
    }
  }
  EXPECT_FALSE(Context().MayContain("anything"));
}

// A chain of paths (`c.a.b.year`) is read in one loop by its last path; it must answer what the
// paths one at a time answer (`x.a`, then `y.b` on that, ...): over shaped and ordinary contexts,
// lists of contexts (mapped), null, absent keys, and non-context values (properties, errors).
class ChainTest : public ::testing::Test {
 protected:
  static constexpr const char* kKeys[] = {"a", "b", "year", "zz"};

  Value Leaf(std::mt19937& rng) {
    switch (rng() % 5) {
      case 0: return Value();
      case 1: return Value::Number(static_cast<int64_t>(rng() % 100));
      case 2: return Value::String("s" + std::to_string(rng() % 10));
      case 3: return date_;
      default: return Value::Bool(true);
    }
  }
  // A random value `depth` levels deep: contexts with and without a shape, lists, leaves.
  Value RandomValue(std::mt19937& rng, int depth) {
    if (depth == 0) return Leaf(rng);
    switch (rng() % 6) {
      case 0: case 1: {  // shaped: keys a, b, year (all three, or the first one or two filled)
        static const std::vector<std::string> names = {"a", "b", "year"};
        const ContextShape* shape = ContextShape::Intern(names);
        Context c(shape);
        const size_t filled = 1 + rng() % 3;
        for (size_t i = 0; i < filled; ++i) c.AppendValue(RandomValue(rng, depth - 1));
        return Value::FromContext(std::move(c));
      }
      case 2: case 3: {  // ordinary: a random subset of the keys in a random order
        std::vector<std::string> keys = {"b", "a", "year"};
        std::shuffle(keys.begin(), keys.end(), rng);
        Context c;
        for (const std::string& k : keys)
          if (rng() % 4 != 0) c.Put(k, RandomValue(rng, depth - 1));
        return Value::FromContext(std::move(c));
      }
      case 4: {
        List l;
        for (size_t i = 0, n = rng() % 3; i < n; ++i) l.push_back(RandomValue(rng, depth - 1));
        return Value::FromList(std::move(l));
      }
      default: return Leaf(rng);
    }
  }

  void SetUp() override {
    Scope s;
    auto d = CompileExpression("date(\"2021-03-04\")", s);
    ASSERT_TRUE(d.has_value());
    std::vector<Value> none;
    date_ = d->Evaluate(none, ctx_);
  }

  Value date_;
  EvalContext ctx_;
};

TEST_F(ChainTest, ChainAgreesWithOnePathAtATime) {
  Scope scope;
  const int c_slot = scope.Declare("c");
  Scope one_scope;
  const int x_slot = one_scope.Declare("x");
  std::vector<CompiledExpression> one;  // `x.a`, `x.b`, ...
  for (const char* k : kKeys) one.push_back(*CompileExpression(std::string("x.") + k, one_scope));
  // Every chain of 1..4 keys.
  std::vector<std::vector<size_t>> chains;
  std::vector<CompiledExpression> compiled;
  for (size_t len = 1; len <= 4; ++len) {
    std::vector<size_t> idx(len, 0);
    for (;;) {
      std::string text = "c";
      for (size_t i : idx) text += std::string(".") + kKeys[i];
      auto e = CompileExpression(text, scope);
      ASSERT_TRUE(e.has_value()) << text;
      chains.push_back(idx);
      compiled.push_back(*e);
      size_t p = 0;
      while (p < len && ++idx[p] == std::size(kKeys)) idx[p++] = 0;
      if (p == len) break;
    }
  }
  std::mt19937 rng(20261206);
  std::vector<Value> slots(scope.size()), one_slots(one_scope.size());
  for (int round = 0; round < 300; ++round) {
    slots[static_cast<size_t>(c_slot)] = RandomValue(rng, 4);
    for (size_t k = 0; k < chains.size(); ++k) {
      EvalContext chain_ctx, step_ctx;
      Value got = compiled[k].Evaluate(slots, chain_ctx);
      Value want = slots[static_cast<size_t>(c_slot)];
      for (size_t i : chains[k]) {
        one_slots[static_cast<size_t>(x_slot)] = want;
        want = one[i].Evaluate(one_slots, step_ctx);
      }
      ASSERT_EQ(ToFeelLiteral(got), ToFeelLiteral(want))
          << "round " << round << " chain " << k << " on " << ToFeelLiteral(slots[static_cast<size_t>(c_slot)]);
      ASSERT_EQ(chain_ctx.diagnostic_count(), step_ctx.diagnostic_count()) << "round " << round << " chain " << k;
      for (size_t i = 0; i < chain_ctx.diagnostic_count(); ++i)
        EXPECT_EQ(chain_ctx.diagnostics()[i].message, step_ctx.diagnostics()[i].message);
    }
  }
}

// Borrowed all the way from a slot: the answer is the value inside the slot. From a temporary
// root, or after a list was mapped: a copy in the scratch value.
TEST_F(ChainTest, BorrowsFromSlotsCopiesFromTemporaries) {
  Scope scope;
  const int slot = scope.Declare("c");
  Context inner;
  inner.Put("year", date_);
  Context mid;
  mid.Put("b", Value::FromContext(inner));
  Context top;
  top.Put("a", Value::FromContext(mid));
  std::vector<Value> slots(scope.size());
  slots[static_cast<size_t>(slot)] = Value::FromContext(top);
  const Value* inside =
      slots[static_cast<size_t>(slot)].context().Find("a")->context().Find("b")->context().Find("year");

  auto borrowed = CompileExpression("c.a.b.year", scope);
  ASSERT_TRUE(borrowed.has_value());
  Value tmp;
  EXPECT_EQ(&borrowed->EvaluateRef(slots, ctx_, tmp), inside);
  EXPECT_TRUE(tmp.is_null());

  auto property = CompileExpression("c.a.b.year.year", scope);  // the date's year: a temporary
  ASSERT_TRUE(property.has_value());
  Value tmp2;
  const Value& y = property->EvaluateRef(slots, ctx_, tmp2);
  EXPECT_EQ(&y, &tmp2);
  EXPECT_EQ(ToFeelLiteral(y), "2021");

  auto temporary = CompileExpression("{t: {u: {v: \"deep\"}}}.t.u.v", scope);
  ASSERT_TRUE(temporary.has_value());
  Value tmp3;
  const Value& copied = temporary->EvaluateRef(slots, ctx_, tmp3);
  EXPECT_EQ(&copied, &tmp3);
  EXPECT_EQ(copied.string(), "deep");

  auto mapped = CompileExpression("[{t: {u: 1}}, {t: {u: 2}}, {t: 3}].t.u", scope);
  ASSERT_TRUE(mapped.has_value());
  Value tmp4;
  EXPECT_EQ(ToFeelLiteral(mapped->EvaluateRef(slots, ctx_, tmp4)), "[1, 2, null]");
}

// Longer than PathNode::kMaxChain: the chain is split, the answer the same.
TEST_F(ChainTest, ChainLongerThanTheLimit) {
  Scope scope;
  const int slot = scope.Declare("c");
  Value v = Value::String("bottom");
  for (int i = 0; i < 12; ++i) {
    Context c;
    c.Put("a", v);
    v = Value::FromContext(std::move(c));
  }
  std::vector<Value> slots(scope.size());
  slots[static_cast<size_t>(slot)] = v;
  std::string text = "c";
  for (int i = 0; i < 12; ++i) text += ".a";
  auto e = CompileExpression(text, scope);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->Evaluate(slots, ctx_).string(), "bottom");
  auto absent = CompileExpression(text + ".a.a", scope);
  ASSERT_TRUE(absent.has_value());
  EXPECT_TRUE(absent->Evaluate(slots, ctx_).is_null());
}

// Inside a filter the chain's first name is the item's entry when the item has it, else the
// variable (ShadowedRef); the rest of the chain reads on from there.
TEST_F(ChainTest, FilterItemShadowsTheChainsFirstName) {
  Scope scope;
  const int slot = scope.Declare("a");
  Context b;
  b.Put("c", Value::Number(1));
  Context a;
  a.Put("b", Value::FromContext(b));
  std::vector<Value> slots(scope.size());
  slots[static_cast<size_t>(slot)] = Value::FromContext(a);  // the variable: a.b.c = 1
  auto e = CompileExpression(
      "[{a: {b: {c: 2}}, n: 1}, {n: 2}, {a: {b: {c: 1}}, n: 3}, {a: null, n: 4}, {a: {b: 5}, n: 5}]"
      "[a.b.c = 1].n",
      scope);
  ASSERT_TRUE(e.has_value());
  // Item 2 lacks `a`: the variable's a.b.c = 1. Item 3's own a.b.c = 1. Items 4 and 5 have an
  // `a` whose chain ends in null (null; a number's property `c`), so they are not taken.
  EXPECT_EQ(ToFeelLiteral(e->Evaluate(slots, ctx_)), "[2, 3]");
  auto in_item = CompileExpression("[{a: {b: {c: 2}}}, {x: 1}][item.a.b.c = 2]", scope);
  ASSERT_TRUE(in_item.has_value());
  EXPECT_EQ(ToFeelLiteral(in_item->Evaluate(slots, ctx_)), "[{a: {b: {c: 2}}}]");
}

}  // namespace
}  // namespace zebra::feel::path_test
