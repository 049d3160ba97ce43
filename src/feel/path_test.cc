// Path expressions (`c.a.b`, DMN 1.5 §10.3.2.2 "path expression"): one compiled path evaluated
// against many contexts of different shapes must give what Context::Find gives, whatever the
// position hint and key filter remember from the previous context; and values that live in the
// slots are borrowed, not copied.
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "feel/feel.h"

namespace zebra::feel {
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

}  // namespace
}  // namespace zebra::feel
