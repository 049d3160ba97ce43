// Boxed contexts' frames (issue 21): entries whose slots follow the caller's are evaluated straight
// into null slots and moved into the shaped result as their bytes, with the caller's slots
// borrowed; every other layout takes the general path. Each test's expectation is written by hand.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dmn/model.h"
#include "feel/value.h"

namespace zebra::dmn {
namespace {

using feel::Value;

std::shared_ptr<const Model> Load(const std::string& body) {
  auto m = LoadModelFromString(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<definitions xmlns=\"https://www.omg.org/spec/DMN/20230324/MODEL/\" "
      "namespace=\"http://example.com/m\" name=\"m\" id=\"defs\">\n" +
          body + "\n</definitions>\n",
      "boxed.dmn");
  if (!m) {
    std::string all;
    for (const auto& d : m.error()) all += d.ToString() + "\n";
    ADD_FAILURE() << all;
    return nullptr;
  }
  return *m;
}

std::string Literal(const std::string& text) { return "<literalExpression><text>" + text + "</text></literalExpression>"; }
std::string Entry(const std::string& name, const std::string& text, const std::string& type = "") {
  return "<contextEntry><variable name=\"" + name + "\"" + (type.empty() ? "" : " typeRef=\"" + type + "\"") + "/>" +
         Literal(text) + "</contextEntry>";
}
std::string Result(const std::string& text) { return "<contextEntry>" + Literal(text) + "</contextEntry>"; }
std::string Decision(const std::string& name, const std::string& reqs, const std::string& body) {
  return "<decision id=\"d_" + name + "\" name=\"" + name + "\"><variable name=\"" + name + "\"/>" + reqs + body +
         "</decision>";
}
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

}  // namespace
}  // namespace zebra::dmn
