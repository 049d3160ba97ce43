// Context built-ins, DMN 1.5 §10.3.4.10 (Table 79 "Semantics of context functions").
#include "feel/builtins_test_util.h"

namespace zebra::feel::builtins_context_test {
namespace {

using namespace zebra::feel::testing;

Value Entry(std::string k, Value v) { return C({{"key", S(std::move(k))}, {"value", std::move(v)}}); }

TEST(ContextBuiltins, GetValue) {  // §10.3.4.10: get value({key1: "value1"}, "key1") = "value1"
  EXPECT_FEEL(Call("get value", {C({{"key1", S("value1")}}), S("key1")}), S("value1"));
}
TEST(ContextBuiltins, GetValueMissing) {  // §10.3.4.10: get value({key1: "value1"}, "unexistent-key") = null
  EXPECT_FEEL_NULL(Call("get value", {C({{"key1", S("value1")}}), S("unexistent-key")}));
}
TEST(ContextBuiltins, GetValueErrors) {  // §10.3.4.10: m is a context, key a string
  EXPECT_TRUE(IsError("get value", {L({}), S("a")}));
  EXPECT_TRUE(IsError("get value", {C({{"a", N(1)}}), N(1)}));
  EXPECT_FEEL_NULL(Call("get value", {Null(), S("a")}));
  EXPECT_FEEL(Named("get value", {{"m", C({{"a", N(1)}})}, {"key", S("a")}}), N(1));
}
TEST(ContextBuiltins, GetEntries) {  // §10.3.4.10: get entries({key1: "value1"}) = [{key: "key1", value: "value1"}]
  EXPECT_FEEL(Call("get entries", {C({{"key1", S("value1")}})}), L({Entry("key1", S("value1"))}));
}
TEST(ContextBuiltins, GetEntriesKeepsOrder) {  // §10.3.4.10: entries in context order
  EXPECT_FEEL(Call("get entries", {C({{"b", N(1)}, {"a", N(2)}})}), L({Entry("b", N(1)), Entry("a", N(2))}));
  EXPECT_FEEL(Call("get entries", {C({})}), L({}));
}
TEST(ContextBuiltins, GetEntriesWrongType) {  // §10.3.4.10
  EXPECT_TRUE(IsError("get entries", {N(1)}));
}
TEST(ContextBuiltins, ContextFromEntries) {
  // §10.3.4.10: context([{key:"a", value:1}, {key:"b", value:2}]) = {a:1, b:2}
  EXPECT_FEEL(Call("context", {L({Entry("a", N(1)), Entry("b", N(2))})}), C({{"a", N(1)}, {"b", N(2)}}));
}
TEST(ContextBuiltins, ContextNestedValue) {  // §10.3.4.10: values may be contexts
  EXPECT_FEEL(Call("context", {L({Entry("a", N(1)), Entry("b", C({{"c", N(3)}}))})}),
              C({{"a", N(1)}, {"b", C({{"c", N(3)}})}}));
}
TEST(ContextBuiltins, ContextDuplicateKey) {  // §10.3.4.10: context([{key:"a",value:1},{key:"a",value:2}]) = null
  EXPECT_TRUE(IsError("context", {L({Entry("a", N(1)), Entry("a", N(2))})}));
}
TEST(ContextBuiltins, ContextMissingParts) {  // §10.3.4.10: each entry has key and value
  EXPECT_TRUE(IsError("context", {L({C({{"key", S("a")}})})}));
  EXPECT_TRUE(IsError("context", {L({C({{"value", N(1)}})})}));
  EXPECT_TRUE(IsError("context", {L({Entry("a", N(1)), N(2)})}));
}
TEST(ContextBuiltins, ContextEmptyAndNull) {  // §10.3.4.10
  EXPECT_FEEL(Call("context", {L({})}), C({}));
  EXPECT_FEEL_NULL(Call("context", {Null()}));
  EXPECT_FEEL(Named("context", {{"entries", L({Entry("x", N(1))})}}), C({{"x", N(1)}}));
}
TEST(ContextBuiltins, ContextPutNew) {  // §10.3.4.10: context put({x:1}, "y", 2) = {x:1, y:2}
  EXPECT_FEEL(Call("context put", {C({{"x", N(1)}}), S("y"), N(2)}), C({{"x", N(1)}, {"y", N(2)}}));
}
TEST(ContextBuiltins, ContextPutReplaceKeepsOrder) {  // §10.3.4.10: context put({x:1, y:0}, "y", 2)
  Value r = Call("context put", {C({{"x", N(1)}, {"y", N(0)}, {"z", N(3)}}), S("y"), N(2)});
  EXPECT_FEEL(r, C({{"x", N(1)}, {"y", N(2)}, {"z", N(3)}}));
  ASSERT_TRUE(r.is(Type::kContext));
  EXPECT_EQ(r.context().entries()[1].first, "y");
}
TEST(ContextBuiltins, ContextPutDoesNotModifyInput) {  // FEEL values are immutable
  Value original = C({{"a", N(1)}});
  Value r = Call("context put", {original, S("a"), N(2)});
  EXPECT_FEEL(original, C({{"a", N(1)}}));
  EXPECT_FEEL(r, C({{"a", N(2)}}));
}
TEST(ContextBuiltins, ContextPutNested) {  // §10.3.4.10: context put({x:1, y: {a: 0}}, ["y", "a"], 2)
  EXPECT_FEEL(Call("context put", {C({{"x", N(1)}, {"y", C({{"a", N(0)}})}}), L({S("y"), S("a")}), N(2)}),
              C({{"x", N(1)}, {"y", C({{"a", N(2)}})}}));
}
TEST(ContextBuiltins, ContextPutNestedNewLeaf) {  // §10.3.4.10 nested put adds a missing last key
  EXPECT_FEEL(Call("context put", {C({{"y", C({{"a", N(0)}})}}), L({S("y"), S("b")}), N(2)}),
              C({{"y", C({{"a", N(0)}, {"b", N(2)}})}}));
}
TEST(ContextBuiltins, ContextPutNestedMissingPath) {  // §10.3.4.10: path through a non-context → null
  EXPECT_TRUE(IsError("context put", {C({{"y", N(0)}}), L({S("y"), S("a"), S("b")}), N(2)}));
  EXPECT_TRUE(IsError("context put", {C({{"y", N(0)}}), L({}), N(2)}));
  EXPECT_TRUE(IsError("context put", {C({{"y", N(0)}}), L({Null()}), N(2)}));
}
TEST(ContextBuiltins, ContextPutNamed) {  // §10.3.4.10 names context, key | keys, value
  EXPECT_FEEL(Named("context put", {{"context", C({})}, {"key", S("a")}, {"value", N(1)}}), C({{"a", N(1)}}));
  EXPECT_FEEL(Named("context put", {{"context", C({{"y", C({})}})}, {"keys", L({S("y"), S("a")})}, {"value", N(1)}}),
              C({{"y", C({{"a", N(1)}})}}));
  EXPECT_FEEL_NULL(Named("context put", {{"context", C({})}, {"ky", S("a")}, {"value", N(1)}}));
  // key: names a single key; a path goes with keys:.
  EXPECT_FEEL_NULL(Named("context put", {{"context", C({{"y", C({})}})}, {"key", L({S("y"), S("a")})}, {"value", N(1)}}));
}
TEST(ContextBuiltins, ContextPutNullsAndTypes) {  // §10.3.4.10
  EXPECT_FEEL_NULL(Call("context put", {Null(), S("a"), N(1)}));
  EXPECT_FEEL_NULL(Call("context put", {C({}), Null(), N(1)}));
  EXPECT_FEEL(Call("context put", {C({}), S("a"), Null()}), C({{"a", Null()}}));
  EXPECT_TRUE(IsError("context put", {L({}), S("a"), N(1)}));
  EXPECT_TRUE(IsError("context put", {C({}), N(1), N(1)}));
}
TEST(ContextBuiltins, ContextMerge) {  // §10.3.4.10: context merge([{x:1}, {y:2}]) = {x:1, y:2}
  EXPECT_FEEL(Call("context merge", {L({C({{"x", N(1)}}), C({{"y", N(2)}})})}), C({{"x", N(1)}, {"y", N(2)}}));
}
TEST(ContextBuiltins, ContextMergeLaterWins) {  // §10.3.4.10: context merge([{x:1, y:0}, {y:2}]) = {x:1, y:2}
  EXPECT_FEEL(Call("context merge", {L({C({{"x", N(1)}, {"y", N(0)}}), C({{"y", N(2)}})})}),
              C({{"x", N(1)}, {"y", N(2)}}));
}
TEST(ContextBuiltins, ContextMergeErrors) {  // §10.3.4.10: a list of contexts
  EXPECT_TRUE(IsError("context merge", {L({C({}), N(1)})}));
  EXPECT_FEEL(Call("context merge", {L({})}), C({}));
  EXPECT_FEEL(Named("context merge", {{"contexts", L({C({{"a", N(1)}})})}}), C({{"a", N(1)}}));
}

}  // namespace
}  // namespace zebra::feel::builtins_context_test
