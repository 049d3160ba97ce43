// Boxed contexts' frames (issue 21): entries whose slots follow the caller's are evaluated straight
// into null slots and moved into the shaped result as their bytes, with the caller's slots
// borrowed; every other layout takes the general path. Each test's expectation is written by hand.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/sanitizers.h"
#include "dmn/model.h"
#include "dmn/test_util.h"
#include "feel/value.h"

namespace zebra::dmn::boxed_test {
namespace {

using feel::Value;
using test::Decision;
using test::Diags;
using test::Literal;
using test::Load;

std::string Entry(const std::string& name, const std::string& text, const std::string& type = "") {
  return "<contextEntry><variable name=\"" + name + "\"" + (type.empty() ? "" : " typeRef=\"" + type + "\"") + "/>" +
         Literal(text) + "</contextEntry>";
}
std::string Result(const std::string& text) { return "<contextEntry>" + Literal(text) + "</contextEntry>"; }
const std::string kInputs =
    "<inputData id=\"i_x\" name=\"x\"><variable name=\"x\"/></inputData>"
    "<inputData id=\"i_s\" name=\"s\"><variable name=\"s\"/></inputData>";
const std::string kReqs =
    "<informationRequirement><requiredInput href=\"#i_x\"/></informationRequirement>"
    "<informationRequirement><requiredInput href=\"#i_s\"/></informationRequirement>";

// The decision's value as a FEEL literal (entries in order), with its diagnostics after " | ".
std::string Decide(const Model& m, const std::string& decision, int64_t x = 3,
                const std::string& s = "a string longer than the small-string buffer") {
  feel::Context in;
  in.Put("x", Value::Number(x));
  in.Put("s", Value::String(s));
  EvaluationResult r = m.Evaluate(in, std::vector<std::string>{decision});
  const DecisionResult* d = r.Find(decision);
  if (!d) return "<no result>";
  std::string out = feel::ToFeelLiteral(d->value);
  for (const auto& diag : d->diagnostics) out += " | " + diag.message;
  return out;
}

// More entries than the frame holds on the stack (24 slots): each reads the one before.
TEST(BoxedContext, ManyEntriesEachReadingTheLast) {
  std::string body = "<context>" + Entry("e0", "x");
  std::string expected = "{e0: 3";
  int64_t v = 3;
  for (int i = 1; i < 40; ++i) {
    body += Entry("e" + std::to_string(i), "e" + std::to_string(i - 1) + " + " + std::to_string(i));
    v += i;
    expected += ", e" + std::to_string(i) + ": " + std::to_string(v);
  }
  body += Entry("t", "s + \"!\"") + Entry("l", "[t, e39, s]") + "</context>";
  const std::string s = "a string longer than the small-string buffer";
  expected += ", t: \"" + s + "!\", l: [\"" + s + "!\", " + std::to_string(v) + ", \"" + s + "\"]}";
  auto m = Load(kInputs + Decision("c", kReqs, body));
  ASSERT_TRUE(m);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Decide(*m, "c"), expected);
}

// The same entries with a result entry, small and large frames.
TEST(BoxedContext, ResultEntryReadsTheEntries) {
  auto m = Load(kInputs + Decision("small", kReqs, "<context>" + Entry("a", "x * 2") + Entry("b", "s + \"?\"") +
                                                       Result("[a, b, s]") + "</context>") +
                Decision("large", kReqs, [] {
                  std::string b = "<context>";
                  for (int i = 0; i < 30; ++i) b += Entry("e" + std::to_string(i), "x + " + std::to_string(i));
                  return b + Result("[e0, e29, s]") + "</context>";
                }()));
  ASSERT_TRUE(m);
  const std::string s = "a string longer than the small-string buffer";
  EXPECT_EQ(Decide(*m, "small"), "[6, \"" + s + "?\", \"" + s + "\"]");
  EXPECT_EQ(Decide(*m, "large"), "[3, 32, \"" + s + "\"]");
}

// A context inside a context: the inner one's slots are the outer's later entries' (so the caller's
// frame is larger than the inner scope), inside a `for` and inside a function.
TEST(BoxedContext, NestedContextsInFunctionsAndIterators) {
  const std::string inner = "<context>" + Entry("p", "a + 1") + Entry("q", "p * 10") + "</context>";
  auto m = Load(kInputs +
                Decision("nested", kReqs,
                         "<context>" + Entry("a", "x") + "<contextEntry><variable name=\"inner\"/>" + inner +
                             "</contextEntry>" + Entry("c", "inner.q + a") + "</context>") +
                Decision("fn", kReqs,
                         "<context><contextEntry><variable name=\"f\"/><functionDefinition>"
                         "<formalParameter name=\"n\"/><context>" +
                             Entry("p", "n + x") + Entry("q", "[p, s]") +
                             "</context></functionDefinition></contextEntry>" + Entry("y", "f(1)") +
                             Entry("z", "f(2).p") + "</context>") +
                Decision("iter", kReqs,
                         "<for iteratorVariable=\"v\"><in>" + Literal("[1, 2]") + "</in><return><context>" +
                             Entry("p", "v + x") + Entry("q", "p * p") + "</context></return></for>"));
  ASSERT_TRUE(m);
  const std::string s = "a string longer than the small-string buffer";
  EXPECT_EQ(Decide(*m, "nested"), "{a: 3, inner: {p: 4, q: 40}, c: 43}");
  EXPECT_EQ(Decide(*m, "fn"), "{f: function(n), y: {p: 4, q: [4, \"" + s + "\"]}, z: 5}");
  EXPECT_EQ(Decide(*m, "iter"), "[{p: 4, q: 16}, {p: 5, q: 25}]");
}

// Entries that are not plain literal expressions (typed, a function, a nested boxed value) in a
// context whose slots are fresh, and one that shadows an input (its slot is the input's).
TEST(BoxedContext, TypedFunctionAndShadowingEntries) {
  auto m = Load(kInputs +
                Decision("mixed", kReqs,
                         "<context>" + Entry("n", "x + 0.5", "number") + Entry("bad", "s", "number") +
                             Entry("g", "function(k) if k = 0 then 0 else k + g(k - 1)") +
                             "<contextEntry><variable name=\"l\"/><list>" + Literal("g(x)") + Literal("s") +
                             "</list></contextEntry>" + Entry("last", "[n, bad, l[1]]") + "</context>") +
                Decision("shadow", kReqs,
                         "<context>" + Entry("a", "x + 1") + Entry("x", "a * 100") + Entry("b", "x + a") +
                             "</context>"));
  ASSERT_TRUE(m);
  const std::string s = "a string longer than the small-string buffer";
  EXPECT_EQ(Decide(*m, "mixed"),
            "{n: 3.5, bad: null, g: function(k), l: [6, \"" + s + "\"], last: [3.5, null, 6]} | context entry 'bad': \"" +
                s + "\" does not conform to type number");
  EXPECT_EQ(Decide(*m, "shadow"), "{a: 4, x: 400, b: 404}");
}

// The caller's slots are borrowed by a fresh frame, not copied: whatever the context does, the
// input's reference count is the same after each evaluation as before (a borrowed slot destroyed
// or moved from would take one the frame never took).
TEST(BoxedContext, BorrowedCallerSlotsKeepTheirCounts) {
  auto m = Load(kInputs + Decision("shaped", kReqs, "<context>" + Entry("a", "s") + Entry("b", "[a, s]") + "</context>") +
                Decision("result", kReqs, "<context>" + Entry("a", "s") + Result("[a, s]") + "</context>"));
  ASSERT_TRUE(m);
  feel::Context in;
  in.Put("x", Value::Number(1));
  in.Put("s", Value::String("a string longer than the small-string buffer"));
  const feel::StringPtr held = in.Find("s")->string_ptr();  // one more count, so the string outlives a bad release
  const long before = held.use_count();
  for (int i = 0; i < 5; ++i) {
    for (const std::string name : {"shaped", "result"}) {
      EvaluationResult r = m->Evaluate(in, std::vector<std::string>{name});
      ASSERT_NE(r.Find(name), nullptr);
      EXPECT_TRUE(r.Find(name)->diagnostics.empty());
    }
    EXPECT_EQ(held.use_count(), before);
  }
}

// Plain entries whose expressions declare iteration variables (locals): they run on the
// context's one locals area, null before each entry and reset after it. Fresh shaped, result
// entry, shadowing (not fresh) and a frame past the stack's 24 slots; each expectation by hand.
TEST(BoxedContext, EntriesWithIterationVariables) {
  const std::string entries =
      Entry("a", "for v in [x, x + 1] return v * 2") + Entry("b", "some w in [s] satisfies w = s") +
      Entry("c", "every v in a satisfies v > x") + Entry("d", "for i in 1..3, j in [10] return i + j") +
      Entry("e", "a[item > 6]") + Entry("f", "x + 1") + Entry("g", "count(for v in [s, s] return v)") +
      Entry("h", "{k: for v in [1] return v}.k");
  const std::string expected = "a: [6, 8], b: true, c: true, d: [11, 12, 13], e: [8], f: 4, g: 2, h: [1]";
  std::string large = "<context>" + Entry("e0", "x");
  for (int i = 1; i < 30; ++i)
    large += Entry("e" + std::to_string(i), "sum(for v in [e" + std::to_string(i - 1) + "] return v + 1)");
  large += Entry("w", "some w in [s] satisfies w = s") + "</context>";
  auto m = Load(kInputs + Decision("shaped", kReqs, "<context>" + entries + "</context>") +
                Decision("result", kReqs, "<context>" + entries + Result("[a, b, d, h]") + "</context>") +
                Decision("shadow", kReqs,
                         "<context>" + entries + Entry("x", "for v in [x] return v + 100") +
                             Entry("y", "for v in x return v") + "</context>") +
                Decision("large", kReqs, large));
  ASSERT_TRUE(m);
  EXPECT_EQ(Decide(*m, "shaped"), "{" + expected + "}");
  EXPECT_EQ(Decide(*m, "result"), "[[6, 8], true, [11, 12, 13], [1]]");
  EXPECT_EQ(Decide(*m, "shadow"), "{" + expected + ", x: [103], y: [103]}");
  std::string large_expected = "{e0: 3";
  for (int i = 1; i < 30; ++i) large_expected += ", e" + std::to_string(i) + ": " + std::to_string(3 + i);
  EXPECT_EQ(Decide(*m, "large"), large_expected + ", w: true}");
}

// Straight-line entries (ContextBoxed::RunSteps) whose expression reads the entry's own name: the
// slot reads null until the value is in (the value is not made in the slot itself), through a
// name, a comparison, a list, a `for` with a local and a result entry. A decision that leaves
// strings in the same stack slots is evaluated first each time, so a slot not made null would show.
TEST(BoxedContext, EntriesReadingTheirOwnName) {
  const std::string dirty = "<context>" + Entry("a", "s") + Entry("b", "s + \"x\"") + Entry("c", "[s]") +
                            Entry("d", "[s, s]") + Entry("e", "s + \"y\"") + Result("1") + "</context>";
  const std::string self = Entry("a", "x") + Entry("b", "if b = null then \"null\" else \"set\"") +
                           Entry("c", "[c, a]") + Entry("d", "for v in [1] return d") + Entry("e", "e");
  auto m = Load(kInputs + Decision("dirty", kReqs, dirty) +
                Decision("shaped", kReqs, "<context>" + self + "</context>") +
                Decision("result", kReqs, "<context>" + self + Result("[b, c, d, e]") + "</context>"));
  ASSERT_TRUE(m);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Decide(*m, "dirty"), "1");
    EXPECT_EQ(Decide(*m, "shaped"), "{a: 3, b: \"null\", c: [null, 3], d: [null], e: null}");
    EXPECT_EQ(Decide(*m, "dirty"), "1");
    EXPECT_EQ(Decide(*m, "result"), "[\"null\", [null, 3], [null], null]");
  }
}

// An entry that hands the frame to a boxed expression (a boxed function definition copies every
// slot of it) makes the later entries' slots null first: the copy holds nulls, not stale bytes.
// The result entry declares a local of its own (the locals area counts it).
TEST(BoxedContext, BoxedEntryCopiesTheWholeFrame) {
  const std::string dirty = "<context>" + Entry("a", "s") + Entry("b", "s + \"x\"") + Entry("c", "[s]") +
                            Entry("d", "[s, s]") + Entry("e", "s + \"y\"") + Result("1") + "</context>";
  const std::string body = Entry("a", "x") +
                           "<contextEntry><variable name=\"g\"/><functionDefinition><formalParameter name=\"k\"/>" +
                           Literal("k + a") + "</functionDefinition></contextEntry>" + Entry("b", "g(10)") +
                           Entry("c", "[s, b]") + Entry("d", "g(b)");
  auto m = Load(kInputs + Decision("dirty", kReqs, dirty) +
                Decision("shaped", kReqs, "<context>" + body + "</context>") +
                Decision("result", kReqs, "<context>" + body + Result("for v in [a, b, d] return v + 1") + "</context>"));
  ASSERT_TRUE(m);
  const std::string s = "a string longer than the small-string buffer";
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Decide(*m, "dirty"), "1");
    EXPECT_EQ(Decide(*m, "shaped"), "{a: 3, g: function(k), b: 13, c: [\"" + s + "\", 13], d: 16}");
    EXPECT_EQ(Decide(*m, "dirty"), "1");
    EXPECT_EQ(Decide(*m, "result"), "[4, 14, 17]");
  }
}

// Function literals as context entries: one that never names its entry is evaluated as any
// other literal (no forwarder), one that calls itself still can, in a shaped context and with a
// result entry, after a decision that leaves strings in the same stack slots. A name whose first
// word is in the text but not read (a string) is no self-reference either.
TEST(BoxedContext, FunctionEntriesWithAndWithoutTheirOwnName) {
  const std::string dirty = "<context>" + Entry("a", "s") + Entry("b", "s + \"x\"") + Entry("c", "[s]") +
                            Entry("d", "[s, s]") + Entry("e", "s + \"y\"") + Entry("f", "[s]") + Entry("g", "s") +
                            Entry("h", "[s]") + Result("1") + "</context>";
  const std::string body = Entry("a", "x") + Entry("f", "function(k) k + a") +
                           Entry("g", "function(n) if n = 0 then 0 else n + g(n - 1)") +
                           Entry("h", "function(m) f(m) * 2") + Entry("fx y", "function(v) \"fx\" + v") +
                           Entry("b", "f(10)") + Entry("c", "g(3)") + Entry("d", "h(1)") + Entry("e", "fx y(\"!\")");
  auto m = Load(kInputs + Decision("dirty", kReqs, dirty) +
                Decision("shaped", kReqs, "<context>" + body + "</context>") +
                Decision("result", kReqs, "<context>" + body + Result("[b, c, d, e, f(a), g(4), h(0)]") + "</context>"));
  ASSERT_TRUE(m);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Decide(*m, "dirty"), "1");
    EXPECT_EQ(Decide(*m, "shaped"),
              "{a: 3, f: function(k), g: function(n), h: function(m), \"fx y\": function(v), b: 13, c: 6, d: 8, e: \"fx!\"}");
    EXPECT_EQ(Decide(*m, "dirty"), "1");
    EXPECT_EQ(Decide(*m, "result"), "[13, 6, 8, \"fx!\", 6, 10, 6]");
  }
}

// A context stopped by FEEL's depth limit in a straight-line entry releases the values of the
// entries made before it (and no others): the input string's count is the same after each
// evaluation. The recursive function is an entry of an outer context, so the inner one's entries
// are all plain (their slots not made null first).
TEST(BoxedContext, StoppedContextReleasesTheEntriesMade) {
#if defined(ZEBRA_ASAN)
  GTEST_SKIP() << "depth-limit recursion runs in the release build";  // as DmnPrepared.RunawayFunction...
#endif
  const std::string inner = "<context>" + Entry("a", "s") + Entry("b", "[a, s]") + Entry("c", "f(1)") +
                            Entry("d", "[s, s]") + "</context>";
  auto m = Load(kInputs + Decision("stopped", kReqs,
                                   "<context>" + Entry("f", "function(n) f(n + 1)") +
                                       "<contextEntry><variable name=\"inner\"/>" + inner + "</contextEntry></context>"));
  ASSERT_TRUE(m);
  feel::Context in;
  in.Put("x", Value::Number(1));
  in.Put("s", Value::String("a string longer than the small-string buffer"));
  const feel::StringPtr held = in.Find("s")->string_ptr();
  const long before = held.use_count();
  for (int i = 0; i < 3; ++i) {
    EvaluationResult r = m->Evaluate(in, std::vector<std::string>{"stopped"});
    const DecisionResult* d = r.Find("stopped");
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(feel::ToFeelLiteral(d->value), "null");
    bool depth = false;
    for (const auto& diag : d->diagnostics) depth = depth || diag.message.find("depth limit") != std::string::npos;
    EXPECT_TRUE(depth);
    EXPECT_EQ(held.use_count(), before);
  }
}

// A prepared evaluator (kept frames: the decisions' bindings borrowed from the memo and the input
// slots) answers as Model::Evaluate (frames of their own, bindings copied), case after case: chains
// of decisions asked for before their requirements, a BKM (a binding that owns its value), a
// requirement named twice (one slot: copied), a typed input that does not conform, contexts with
// iteration variables. And the input string's reference count is the same after each case and after
// the evaluator is gone as before (no borrowed value released, no owned one kept).
TEST(BoxedContext, PreparedEvaluatorAnswersAsEvaluate) {
  const std::string inputs = kInputs + "<inputData id=\"i_t\" name=\"t\"><variable name=\"t\" typeRef=\"number\"/></inputData>";
  const std::string req_t = "<informationRequirement><requiredInput href=\"#i_t\"/></informationRequirement>";
  auto req = [](const std::string& id) {
    return "<informationRequirement><requiredDecision href=\"#d_" + id + "\"/></informationRequirement>";
  };
  auto m = Load(
      inputs +
      "<businessKnowledgeModel id=\"b_twice\" name=\"twice\"><encapsulatedLogic><formalParameter name=\"n\"/>" +
      Literal("n * 2") + "</encapsulatedLogic></businessKnowledgeModel>" +
      Decision("late", req("chain") + req("ctx") + req_t + kReqs, Literal("[chain, ctx.q, t, s, x]")) +
      Decision("ctx", kReqs,
               "<context>" + Entry("p", "for v in [x] return v + 1") + Entry("q", "some w in [s] satisfies w = s") +
                   Entry("r", "s") + "</context>") +
      Decision("chain", req("ctx") + kReqs, Literal("ctx.p[1] + x")) +
      Decision("bkm", req("chain") + "<knowledgeRequirement><requiredKnowledge href=\"#b_twice\"/></knowledgeRequirement>",
               Literal("twice(chain)")) +
      Decision("dup", kReqs + kReqs, Literal("[x, s]")) + Decision("typed", req_t + kReqs, Literal("[t, s]")) +
      Decision("in_place", kReqs, "<context>" + Entry("a", "s") + Result("[a, x]") + "</context>"));
  ASSERT_TRUE(m);
  const std::vector<std::string> asked{"late", "bkm", "dup", "typed", "in_place", "ctx", "chain"};
  const feel::StringPtr held = std::make_shared<const std::string>("a string longer than the small-string buffer");
  const long before = held.use_count();
  {
    auto ev = m->Prepare(asked);
    for (int i = 0; i < 6; ++i) {
      feel::Context in;
      in.Put("x", Value::Number(i));
      in.Put("s", Value::String(held));
      // t: absent, a number, then a string, which does not conform (after a number: a slot must
      // not keep the last case's value).
      if (i % 3 == 2) in.Put("t", Value::String(held));
      else if (i % 3 == 1) in.Put("t", Value::Number(i * 10));
      ev->Evaluate(in);
      ASSERT_EQ(ev->results().size(), asked.size());
      for (size_t k = 0; k < asked.size(); ++k) {
        EvaluationResult ref = m->Evaluate(in, std::vector<std::string>{asked[k]});
        ASSERT_NE(ref.Find(asked[k]), nullptr);
        const DecisionResult& got = ev->results()[k];
        EXPECT_EQ(feel::ToFeelLiteral(got.value), feel::ToFeelLiteral(ref.Find(asked[k])->value)) << asked[k] << " case " << i;
        EXPECT_EQ(Diags(got), Diags(*ref.Find(asked[k]))) << asked[k] << " case " << i;
      }
      if (i % 3 == 2) {
        EXPECT_NE(ev->results()[3].diagnostics.size(), 0u);  // the input's error, on `typed`
      }
      EXPECT_EQ(feel::ToFeelLiteral(ev->results()[1].value), std::to_string(2 * (2 * i + 1)));
    }
  }  // the evaluator gone with the last case's inputs, results and kept frames
  EXPECT_EQ(held.use_count(), before);
}

}  // namespace
}  // namespace zebra::dmn::boxed_test
