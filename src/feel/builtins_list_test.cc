// List built-ins, DMN 1.5 §10.3.4.4 (Table 73 "Semantics of list functions"), and sort,
// §10.3.4.8 (Table 77).
#include "feel/builtins_test_util.h"

namespace zebra::feel::builtins_list_test {
namespace {

using namespace zebra::feel::testing;

Value Nums(std::initializer_list<int64_t> xs) {
  List l;
  for (int64_t x : xs) l.push_back(N(x));
  return L(std::move(l));
}

// fn(list) and fn(item, item, ...): a function that takes either form gives `expected` for both.
void ExpectListOrItems(std::string_view fn, std::initializer_list<int64_t> xs, const Value& expected) {
  EXPECT_FEEL(Call(fn, {Nums(xs)}), expected);
  std::vector<Value> items;
  for (int64_t x : xs) items.push_back(N(x));
  EXPECT_FEEL(Call(fn, std::move(items)), expected);
}

// --- list contains, count ----------------------------------------------------------------
TEST(ListBuiltins, ListContains) {  // §10.3.4.4: list contains([1,2,3], 2) = true
  EXPECT_FEEL(Call("list contains", {Nums({1, 2, 3}), N(2)}), B(true));
  EXPECT_FEEL(Call("list contains", {Nums({1, 2, 3}), N(4)}), B(false));
}
TEST(ListBuiltins, ListContainsUsesFeelEquality) {  // §10.3.4.4 with §10.3.2.2: 2 = 2.00
  EXPECT_FEEL(Call("list contains", {Nums({1, 2}), D("2.00")}), B(true));
  EXPECT_FEEL(Call("list contains", {L({S("2")}), N(2)}), B(false));
}
TEST(ListBuiltins, ListContainsNull) {  // §10.3.4.4: null is an element like any other
  EXPECT_FEEL(Call("list contains", {L({N(1), Null()}), Null()}), B(true));
  EXPECT_FEEL(Call("list contains", {Nums({1}), Null()}), B(false));
  EXPECT_FEEL_NULL(Call("list contains", {Null(), N(1)}));
}
TEST(ListBuiltins, Count) {  // §10.3.4.4: count([1,2,3]) = 3, count([]) = 0
  EXPECT_FEEL(Call("count", {Nums({1, 2, 3})}), N(3));
  EXPECT_FEEL(Call("count", {L({})}), N(0));
  EXPECT_FEEL(Call("count", {L({N(1), L({N(2), N(3)})})}), N(2));
}
TEST(ListBuiltins, SingleValueIsSingletonList) {  // §10.3.2.9.4 "to singleton list"
  EXPECT_FEEL(Call("count", {S("abc")}), N(1));
  EXPECT_FEEL(Call("reverse", {N(7)}), Nums({7}));
  EXPECT_FEEL(Call("list replace", {S("a"), N(1), S("b")}), L({S("b")}));
  EXPECT_FEEL(Call("concatenate", {N(1), Nums({2})}), Nums({1, 2}));
  EXPECT_FEEL(Call("index of", {N(4), N(4)}), Nums({1}));
}
TEST(ListBuiltins, AggregatesWithoutArgumentsAreErrors) {  // §10.3.4.4: min(list) needs its list
  EXPECT_TRUE(IsError("min", {}));
  EXPECT_TRUE(IsError("sum", {}));
  EXPECT_TRUE(IsError("all", {}));
  EXPECT_TRUE(IsError("any", {}));
  EXPECT_TRUE(IsError("mode", {}));
  EXPECT_TRUE(IsError("stddev", {}));
}

// --- min, max ------------------------------------------------------------------------------
TEST(ListBuiltins, MinList) {  // §10.3.4.4: min([1,2,3]) = 1
  EXPECT_FEEL(Call("min", {Nums({1, 2, 3})}), N(1));
}
TEST(ListBuiltins, MinVariadic) {  // §10.3.4.4: min(1) = 1, min(1, 2, 3) = 1
  EXPECT_FEEL(Call("min", {N(1)}), N(1));
  EXPECT_FEEL(Call("min", {N(3), N(1), N(2)}), N(1));
}
TEST(ListBuiltins, MinEmpty) {  // §10.3.4.4: min([]) = null
  EXPECT_FEEL_NULL(Call("min", {L({})}));
}
TEST(ListBuiltins, MaxList) {  // §10.3.4.4: max(1, 2, 3) = 3, max([]) = null
  EXPECT_FEEL(Call("max", {N(1), N(2), N(3)}), N(3));
  EXPECT_FEEL(Call("max", {Nums({1, 2, 3})}), N(3));
  EXPECT_FEEL_NULL(Call("max", {L({})}));
}
TEST(ListBuiltins, MinMaxStrings) {  // §10.3.4.4: items must be comparable; strings are ordered
  EXPECT_FEEL(Call("max", {L({S("a"), S("c"), S("b")})}), S("c"));
  EXPECT_FEEL(Call("min", {S("b"), S("a")}), S("a"));
}
TEST(ListBuiltins, MinMixedTypesIsError) {  // §10.3.4.4 with §10.3.2.9: no order between types
  EXPECT_TRUE(IsError("min", {L({N(1), S("a")})}));
  EXPECT_TRUE(IsError("max", {L({N(1), Null()})}));
}
TEST(ListBuiltins, MinNamed) {  // §10.3.4.4 parameter name "list"
  EXPECT_FEEL(Named("min", {{"list", Nums({4, 2, 9})}}), N(2));
}

// --- sum, mean, product --------------------------------------------------------------------
TEST(ListBuiltins, Sum) {  // §10.3.4.4: sum([1,2,3]) = 6, sum(1,2,3) = 6, sum(1) = 1
  ExpectListOrItems("sum", {1, 2, 3}, N(6));
  EXPECT_FEEL(Call("sum", {N(1)}), N(1));
}
TEST(ListBuiltins, SumEmptyIsNull) {  // §10.3.4.4: sum([]) = null
  EXPECT_FEEL_NULL(Call("sum", {L({})}));
}
TEST(ListBuiltins, SumDecimalExact) {  // §10.3.2.3.1 decimal arithmetic: 0.1 + 0.2 = 0.3
  EXPECT_FEEL(Call("sum", {D("0.1"), D("0.2")}), D("0.3"));
}
TEST(ListBuiltins, SumNonNumberIsError) {  // §10.3.4.4
  EXPECT_TRUE(IsError("sum", {L({N(1), S("2")})}));
  EXPECT_TRUE(IsError("sum", {L({N(1), Null()})}));
}
TEST(ListBuiltins, Mean) {  // §10.3.4.4: mean([1,2,3]) = 2, mean(1,2,3) = 2, mean(1) = 1
  ExpectListOrItems("mean", {1, 2, 3}, N(2));
  EXPECT_FEEL(Call("mean", {N(1)}), N(1));
}
TEST(ListBuiltins, MeanEmptyAndFraction) {  // §10.3.4.4: mean([]) = null
  EXPECT_FEEL_NULL(Call("mean", {L({})}));
  EXPECT_FEEL(Call("mean", {Nums({1, 2})}), D("1.5"));
}
TEST(ListBuiltins, Product) {  // §10.3.4.4: product([2, 3, 4]) = 24, product(2, 3, 4) = 24
  ExpectListOrItems("product", {2, 3, 4}, N(24));
}
TEST(ListBuiltins, ProductEmptyAndTypes) {  // §10.3.4.4
  EXPECT_FEEL_NULL(Call("product", {L({})}));
  EXPECT_TRUE(IsError("product", {L({N(2), B(true)})}));
}

// --- median, stddev, mode ----------------------------------------------------------------
TEST(ListBuiltins, MedianOdd) {  // §10.3.4.4: median(8, 2, 5, 3, 4) = 4
  EXPECT_FEEL(Call("median", {N(8), N(2), N(5), N(3), N(4)}), N(4));
}
TEST(ListBuiltins, MedianEvenAverages) {  // §10.3.4.4: median([6, 1, 2, 3]) = 2.5
  EXPECT_FEEL(Call("median", {Nums({6, 1, 2, 3})}), D("2.5"));
}
TEST(ListBuiltins, MedianEmpty) {  // §10.3.4.4: median([]) = null
  EXPECT_FEEL_NULL(Call("median", {L({})}));
}
TEST(ListBuiltins, StddevSample) {  // §10.3.4.4: stddev(2, 4, 7, 5) = 2.081665999466132735282297706979931
  EXPECT_FEEL(Call("stddev", {N(2), N(4), N(7), N(5)}), D("2.081665999466132735282297706979931"));
}
TEST(ListBuiltins, StddevSimple) {  // §10.3.4.4 sample standard deviation (n - 1 divisor)
  Value r = Call("stddev", {Nums({2, 4, 4, 4, 5, 5, 7, 9})});
  // sum of squares 32 over n-1 = 7 → sqrt(32/7) ≈ 2.138
  ASSERT_TRUE(r.is(Type::kNumber));
  EXPECT_EQ(r.number().Round(3, RoundingMode::kHalfEven), Decimal::FromString("2.138").value());
}
TEST(ListBuiltins, StddevTooFew) {  // §10.3.4.4: stddev([47]) = null, stddev([]) = null
  EXPECT_FEEL_NULL(Call("stddev", {Nums({47})}));
  EXPECT_FEEL_NULL(Call("stddev", {N(47)}));
  EXPECT_FEEL_NULL(Call("stddev", {L({})}));
}
TEST(ListBuiltins, ModeSingle) {  // §10.3.4.4: mode(6, 3, 9, 6, 6) = [6]
  EXPECT_FEEL(Call("mode", {N(6), N(3), N(9), N(6), N(6)}), Nums({6}));
}
TEST(ListBuiltins, ModeSortedTies) {  // §10.3.4.4: mode([6, 1, 9, 6, 1]) = [1, 6]
  EXPECT_FEEL(Call("mode", {Nums({6, 1, 9, 6, 1})}), Nums({1, 6}));
}
TEST(ListBuiltins, ModeEmpty) {  // §10.3.4.4: mode([]) = []
  EXPECT_FEEL(Call("mode", {L({})}), L({}));
}
TEST(ListBuiltins, ModeEqualValuesDifferentScale) {  // 1 and 1.0 are the same number
  EXPECT_FEEL(Call("mode", {L({N(1), D("1.0"), N(2)})}), Nums({1}));
}

// --- all, any ------------------------------------------------------------------------------
TEST(ListBuiltins, AllFalseWins) {  // §10.3.4.4: all([false, null, true]) = false
  EXPECT_FEEL(Call("all", {L({B(false), Null(), B(true)})}), B(false));
}
TEST(ListBuiltins, AllTrueAndEmpty) {  // §10.3.4.4: all(true) = true, all([]) = true
  EXPECT_FEEL(Call("all", {B(true)}), B(true));
  EXPECT_FEEL(Call("all", {L({B(true)})}), B(true));
  EXPECT_FEEL(Call("all", {L({})}), B(true));
}
TEST(ListBuiltins, AllNullWithoutFalse) {  // §10.3.4.4: all([true, null]) = null; all(0) = null
  EXPECT_FEEL_NULL(Call("all", {L({B(true), Null()})}));
  EXPECT_FEEL_NULL(Call("all", {N(0)}));
}
TEST(ListBuiltins, AllVariadic) {  // §10.3.4.4: all(b1, ..., bN)
  EXPECT_FEEL(Call("all", {B(true), B(true)}), B(true));
  EXPECT_FEEL(Call("all", {B(true), B(false)}), B(false));
}
TEST(ListBuiltins, AnyTrueWins) {  // §10.3.4.4: any([false, null, true]) = true
  EXPECT_FEEL(Call("any", {L({B(false), Null(), B(true)})}), B(true));
}
TEST(ListBuiltins, AnyFalseAndEmpty) {  // §10.3.4.4: any(false) = false, any([]) = false
  EXPECT_FEEL(Call("any", {B(false)}), B(false));
  EXPECT_FEEL(Call("any", {L({})}), B(false));
}
TEST(ListBuiltins, AnyNullWithoutTrue) {  // §10.3.4.4: any([false, null]) = null; any(0) = null
  EXPECT_FEEL_NULL(Call("any", {L({B(false), Null()})}));
  EXPECT_FEEL_NULL(Call("any", {N(0)}));
}

// --- sublist, append, concatenate, insert before, remove, reverse ------------------------
TEST(ListBuiltins, Sublist) {  // §10.3.4.4: sublist([4,5,6], 1, 2) = [4,5]
  EXPECT_FEEL(Call("sublist", {Nums({4, 5, 6}), N(1), N(2)}), Nums({4, 5}));
}
TEST(ListBuiltins, SublistToEnd) {  // §10.3.4.4: sublist without length runs to the end
  EXPECT_FEEL(Call("sublist", {Nums({4, 5, 6}), N(2)}), Nums({5, 6}));
}
TEST(ListBuiltins, SublistNegative) {  // §10.3.4.4: negative start counts from the end
  EXPECT_FEEL(Call("sublist", {Nums({4, 5, 6}), N(-2)}), Nums({5, 6}));
  EXPECT_FEEL(Call("sublist", {Nums({4, 5, 6}), N(-3), N(1)}), Nums({4}));
}
TEST(ListBuiltins, SublistOutOfRange) {  // §10.3.4.4: position 0 or beyond is not in the list
  EXPECT_TRUE(IsError("sublist", {Nums({4, 5, 6}), N(0)}));
  EXPECT_TRUE(IsError("sublist", {Nums({4, 5, 6}), N(4)}));
  EXPECT_TRUE(IsError("sublist", {Nums({4, 5, 6}), N(2), N(5)}));
}
TEST(ListBuiltins, FractionalPositionsTruncate) {  // positions are integers; fractions truncate
  EXPECT_FEEL(Call("sublist", {Nums({4, 5, 6}), D("1.9")}), Nums({4, 5, 6}));
  EXPECT_FEEL(Call("remove", {Nums({4, 5, 6}), D("-1.2")}), Nums({4, 5}));
  EXPECT_FEEL(Call("list replace", {Nums({1, 2, 3}), D("3.7"), N(9)}), Nums({1, 2, 9}));
  EXPECT_TRUE(IsError("sublist", {Nums({4, 5, 6}), D("0.5")}));
}
TEST(ListBuiltins, SublistNamed) {  // §10.3.4.4 names list, start position, length
  EXPECT_FEEL(Named("sublist", {{"list", Nums({4, 5, 6})}, {"start position", N(2)}, {"length", N(1)}}), Nums({5}));
}
TEST(ListBuiltins, Append) {  // §10.3.4.4: append([1], 2, 3) = [1,2,3]
  EXPECT_FEEL(Call("append", {Nums({1}), N(2), N(3)}), Nums({1, 2, 3}));
}
TEST(ListBuiltins, AppendListItemAndNull) {  // §10.3.4.4: items are appended as they are
  EXPECT_FEEL(Call("append", {Nums({1}), Nums({2})}), L({N(1), Nums({2})}));
  EXPECT_FEEL(Call("append", {L({}), Null()}), L({Null()}));
  EXPECT_FEEL(Call("append", {Nums({1})}), Nums({1}));
}
TEST(ListBuiltins, Concatenate) {  // §10.3.4.4: concatenate([1,2],[3]) = [1,2,3]
  EXPECT_FEEL(Call("concatenate", {Nums({1, 2}), Nums({3})}), Nums({1, 2, 3}));
  EXPECT_FEEL(Call("concatenate", {Nums({1}), L({}), Nums({2, 3})}), Nums({1, 2, 3}));
}
TEST(ListBuiltins, ConcatenateNull) {  // §10.3.4.4: null is not a list
  EXPECT_FEEL_NULL(Call("concatenate", {Nums({1}), Null()}));
}
TEST(ListBuiltins, InsertBefore) {  // §10.3.4.4: insert before([1,3],1,2) = [2,1,3]
  EXPECT_FEEL(Call("insert before", {Nums({1, 3}), N(1), N(2)}), Nums({2, 1, 3}));
}
TEST(ListBuiltins, InsertBeforeNegative) {  // §10.3.4.4: -1 is the last item
  EXPECT_FEEL(Call("insert before", {Nums({1, 3}), N(-1), N(2)}), Nums({1, 2, 3}));
}
TEST(ListBuiltins, InsertBeforeOutOfRange) {  // §10.3.4.4
  EXPECT_TRUE(IsError("insert before", {Nums({1, 3}), N(3), N(2)}));
  EXPECT_TRUE(IsError("insert before", {Nums({1, 3}), N(0), N(2)}));
}
TEST(ListBuiltins, Remove) {  // §10.3.4.4: remove([1,2,3], 2) = [1,3]
  EXPECT_FEEL(Call("remove", {Nums({1, 2, 3}), N(2)}), Nums({1, 3}));
  EXPECT_FEEL(Call("remove", {Nums({1, 2, 3}), N(-1)}), Nums({1, 2}));
}
TEST(ListBuiltins, RemoveOutOfRange) {  // §10.3.4.4
  EXPECT_TRUE(IsError("remove", {Nums({1, 2, 3}), N(4)}));
  EXPECT_TRUE(IsError("remove", {Nums({1, 2, 3}), N(-4)}));
  EXPECT_FEEL_NULL(Call("remove", {Null(), N(1)}));
}
TEST(ListBuiltins, Reverse) {  // §10.3.4.4: reverse([1,2,3]) = [3,2,1]
  EXPECT_FEEL(Call("reverse", {Nums({1, 2, 3})}), Nums({3, 2, 1}));
  EXPECT_FEEL(Call("reverse", {L({})}), L({}));
}

// --- index of, union, distinct values, flatten -------------------------------------------
TEST(ListBuiltins, IndexOf) {  // §10.3.4.4: index of([1,2,3,2], 2) = [2,4]
  EXPECT_FEEL(Call("index of", {Nums({1, 2, 3, 2}), N(2)}), Nums({2, 4}));
}
TEST(ListBuiltins, IndexOfNone) {  // §10.3.4.4: no match is an empty list
  EXPECT_FEEL(Call("index of", {Nums({1, 2}), N(7)}), L({}));
  EXPECT_FEEL(Call("index of", {L({S("a"), Null()}), Null()}), Nums({2}));
}
TEST(ListBuiltins, Union) {  // §10.3.4.4: union([1,2],[2,3]) = [1,2,3]
  EXPECT_FEEL(Call("union", {Nums({1, 2}), Nums({2, 3})}), Nums({1, 2, 3}));
}
TEST(ListBuiltins, UnionDeduplicatesWithin) {  // §10.3.4.4: union has no duplicates
  EXPECT_FEEL(Call("union", {Nums({1, 1}), Nums({1}), L({D("1.0"), N(4)})}), Nums({1, 4}));
}
TEST(ListBuiltins, DistinctValues) {  // §10.3.4.4: distinct values([1,2,3,2,1]) = [1,2,3]
  EXPECT_FEEL(Call("distinct values", {Nums({1, 2, 3, 2, 1})}), Nums({1, 2, 3}));
}
TEST(ListBuiltins, DistinctValuesNested) {  // FEEL equality of lists and contexts (§10.3.2.2)
  Value a = L({Nums({1, 2}), Nums({1, 2}), C({{"a", N(1)}}), C({{"a", N(1)}}), Null(), Null()});
  EXPECT_FEEL(Call("distinct values", {a}), L({Nums({1, 2}), C({{"a", N(1)}}), Null()}));
}
TEST(ListBuiltins, DistinctValuesLargeAndMixed) {  // §10.3.4.4; different types are never equal
  List big;
  for (int i = 0; i < 50000; ++i) big.push_back(N(i % 1000));
  Value r = Call("distinct values", {L(big)});
  ASSERT_TRUE(r.is(Type::kList));
  EXPECT_EQ(r.list().size(), 1000u);
  EXPECT_FEEL(Call("distinct values", {L({N(1), S("1"), B(true), D("1.0"), S("1"), B(true)})}),
              L({N(1), S("1"), B(true)}));
}
TEST(ListBuiltins, Flatten) {  // §10.3.4.4: flatten([[1,2],[[3]],4]) = [1,2,3,4]
  EXPECT_FEEL(Call("flatten", {L({Nums({1, 2}), L({Nums({3})}), N(4)})}), Nums({1, 2, 3, 4}));
}
TEST(ListBuiltins, FlattenEmptyInner) {  // §10.3.4.4
  EXPECT_FEEL(Call("flatten", {L({L({}), N(1), L({L({})})})}), Nums({1}));
  EXPECT_FEEL_NULL(Call("flatten", {Null()}));
}

// --- list replace ------------------------------------------------------------------------
TEST(ListBuiltins, ListReplacePosition) {  // §10.3.4.4: list replace([2,4,7,8], 3, 6) = [2,4,6,8]
  EXPECT_FEEL(Call("list replace", {Nums({2, 4, 7, 8}), N(3), N(6)}), Nums({2, 4, 6, 8}));
}
TEST(ListBuiltins, ListReplaceNegativePosition) {  // §10.3.4.4: negative position from the end
  EXPECT_FEEL(Call("list replace", {Nums({1, 2, 3}), N(-1), N(4)}), Nums({1, 2, 4}));
}
TEST(ListBuiltins, ListReplaceMatch) {
  // §10.3.4.4: list replace([2,4,7,8], function(item, newItem) item < newItem, 5) = [5,5,7,8]
  Value less = Fn([](std::span<const Value> a) {
    auto c = Compare(a[0], a[1]);
    return c ? Value::Bool(*c < 0) : Value();
  });
  EXPECT_FEEL(Call("list replace", {Nums({2, 4, 7, 8}), less, N(5)}), Nums({5, 5, 7, 8}));
}
TEST(ListBuiltins, ListReplaceNamed) {  // §10.3.4.4 names list, position | match, newItem
  EXPECT_FEEL(Named("list replace", {{"position", N(2)}, {"newItem", N(4)}, {"list", Nums({1, 2, 3})}}),
              Nums({1, 4, 3}));
  Value is_two = Fn([](std::span<const Value> a) { return Value::Bool(DeepEqual(a[0], Value::Number(2))); });
  EXPECT_FEEL(Named("list replace", {{"match", is_two}, {"newItem", N(4)}, {"list", Nums({1, 2, 3})}}),
              Nums({1, 4, 3}));
}
TEST(ListBuiltins, ListReplaceErrors) {  // §10.3.4.4
  EXPECT_TRUE(IsError("list replace", {Nums({1, 2, 3}), N(0), N(4)}));
  EXPECT_TRUE(IsError("list replace", {Nums({1, 2, 3}), N(4), N(4)}));
  EXPECT_TRUE(IsError("list replace", {Nums({1, 2, 3}), S("2"), N(4)}));
  Value non_boolean = Fn([](std::span<const Value> a) { return a[0]; });
  EXPECT_TRUE(IsError("list replace", {Nums({1, 2}), non_boolean, N(5)}));
}
TEST(ListBuiltins, ListReplaceWithNullItem) {  // §10.3.4.4: newItem may be null
  EXPECT_FEEL(Call("list replace", {Nums({1, 2, 3}), N(3), Null()}), L({N(1), N(2), Null()}));
}

// --- sort (§10.3.4.8) -----------------------------------------------------------------------
Value LessThan() {
  return Fn([](std::span<const Value> a) {
    auto c = Compare(a[0], a[1]);
    return c ? Value::Bool(*c < 0) : Value();
  });
}
TEST(ListBuiltins, SortAscending) {  // §10.3.4.8: sort(list: [3,1,4,5,2], precedes: function(x,y) x < y)
  EXPECT_FEEL(Named("sort", {{"list", Nums({3, 1, 4, 5, 2})}, {"precedes", LessThan()}}), Nums({1, 2, 3, 4, 5}));
}
TEST(ListBuiltins, SortDescending) {  // §10.3.4.8 with precedes x > y
  Value greater = Fn([](std::span<const Value> a) {
    auto c = Compare(a[0], a[1]);
    return c ? Value::Bool(*c > 0) : Value();
  });
  EXPECT_FEEL(Call("sort", {Nums({3, 1, 4, 5, 2}), greater}), Nums({5, 4, 3, 2, 1}));
}
TEST(ListBuiltins, SortIsStable) {  // §10.3.4.8: precedes by a key keeps equal keys in order
  Value by_key = Fn([](std::span<const Value> a) {
    auto c = Compare(*a[0].context().Find("k"), *a[1].context().Find("k"));
    return c ? Value::Bool(*c < 0) : Value();
  });
  Value in = L({C({{"k", N(2)}, {"id", S("a")}}), C({{"k", N(1)}, {"id", S("b")}}), C({{"k", N(2)}, {"id", S("c")}}),
                C({{"k", N(1)}, {"id", S("d")}})});
  Value out = Call("sort", {in, by_key});
  ASSERT_TRUE(out.is(Type::kList));
  std::string ids;
  for (const Value& v : out.list()) ids += v.context().Find("id")->string();
  EXPECT_EQ(ids, "bdac");
}
TEST(ListBuiltins, SortStrings) {  // §10.3.4.8
  EXPECT_FEEL(Call("sort", {L({S("c"), S("a"), S("b")}), LessThan()}), L({S("a"), S("b"), S("c")}));
}
TEST(ListBuiltins, SortEmptyAndSingle) {  // §10.3.4.8
  EXPECT_FEEL(Call("sort", {L({}), LessThan()}), L({}));
  EXPECT_FEEL(Call("sort", {Nums({7}), LessThan()}), Nums({7}));
}
TEST(ListBuiltins, SortIncomparableIsError) {  // precedes answers null: no order → null
  EXPECT_TRUE(IsError("sort", {L({N(1), S("a")}), LessThan()}));
}
TEST(ListBuiltins, SortInconsistentComparatorDoesNotCrash) {  // user code may be no order at all
  Value always = Fn([](std::span<const Value>) { return Value::Bool(true); });
  List many;
  for (int i = 0; i < 200; ++i) many.push_back(N(i % 7));
  Value out = Call("sort", {L(many), always});
  ASSERT_TRUE(out.is(Type::kList));
  EXPECT_EQ(out.list().size(), 200u);
}
TEST(ListBuiltins, SortWithoutFunctionIsError) {  // §10.3.4.8: precedes is a function
  EXPECT_TRUE(IsError("sort", {Nums({2, 1}), N(1)}));
}

}  // namespace
}  // namespace zebra::feel::builtins_list_test
