// A prepared evaluator asked for every decision once, each after those it requires, runs them as
// a plan (EvaluatorImpl::Plan, ModelImpl::RunPlanned): its answers must be Model::Evaluate's
// (frames of their own, memo checks, copies), values, diagnostics and the trace of fired rules in
// order, case after case; a few values are also written by hand.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/sanitizers.h"
#include "dmn/model.h"
#include "dmn/test_util.h"
#include "feel/value.h"

namespace zebra::dmn::planned_test {
namespace {

using feel::Value;
using test::Decision;
using test::Diags;
using test::Literal;
using test::Load;

std::string Req(const std::string& kind, const std::string& id) {
  return "<informationRequirement><" + kind + " href=\"#" + id + "\"/></informationRequirement>";
}

// A FIRST table on `expr`: "low" below 2, "mid" below 4, else "high"; rules r1..r3 with ids.
std::string Table(const std::string& prefix, const std::string& expr) {
  auto rule = [&](const std::string& id, const std::string& test, const std::string& out) {
    return "<rule id=\"" + prefix + id + "\"><inputEntry><text>" + test + "</text></inputEntry><outputEntry><text>\"" +
           out + "\"</text></outputEntry></rule>";
  };
  return "<decisionTable hitPolicy=\"FIRST\"><input id=\"" + prefix + "in\"><inputExpression><text>" + expr +
         "</text></inputExpression></input><output id=\"" + prefix + "out\" name=\"r\"/>" + rule("r1", "&lt; 2", "low") +
         rule("r2", "&lt; 4", "mid") + rule("r3", "-", "high") + "</decisionTable>";
}

std::string Trace(std::span<const TraceEntry> trace) {
  std::string out;
  for (const auto& t : trace) out += std::string(t.decision) + ":" + std::string(t.rule) + (t.hit ? "" : "-") + " ";
  return out;
}

// Every result of `ev` (asked for `names`, in order) against Model::Evaluate's for the same inputs
// (frames of its own, memo checks, copies): values and diagnostics; `label` names the case.
void ExpectAsEvaluate(const Model& m, const Evaluator& ev, const feel::Context& in,
                      const std::vector<std::string>& names, const std::string& label) {
  EvaluationResult ref = m.Evaluate(in, names);
  ASSERT_EQ(ev.results().size(), names.size()) << label;
  ASSERT_EQ(ref.decisions.size(), names.size()) << label;
  for (size_t k = 0; k < names.size(); ++k) {
    EXPECT_EQ(feel::ToFeelLiteral(ev.results()[k].value), feel::ToFeelLiteral(ref.decisions[k].value))
        << names[k] << " " << label;
    EXPECT_EQ(Diags(ev.results()[k]), Diags(ref.decisions[k])) << names[k] << " " << label;
  }
}

std::shared_ptr<const Model> Sample() {
  const std::string inputs =
      "<inputData id=\"i_x\" name=\"x\"><variable name=\"x\" typeRef=\"number\"/></inputData>"
      "<inputData id=\"i_s\" name=\"s\"><variable name=\"s\"/></inputData>"
      "<inputData id=\"i_t\" name=\"t\"><variable name=\"t\" typeRef=\"number\"/></inputData>";
  auto m = Load(inputs +
                Decision("band", Req("requiredInput", "i_x"), Table("a", "x")) +
                Decision("label", Req("requiredDecision", "d_band") + Req("requiredInput", "i_s"),
                         Literal("band + \" \" + s")) +
                // t is a number, absent, or a string that does not conform (an input diagnostic).
                Decision("sum", Req("requiredInput", "i_t") + Req("requiredInput", "i_x"), Literal("t + x")) +
                // A number-typed result that is a string on odd cases (the result's diagnostic).
                Decision("typed", Req("requiredInput", "i_x"), Literal("if modulo(x, 2) = 0 then x * 10 else \"odd\""),
                         "number") +
                Decision("again", Req("requiredDecision", "d_sum") + Req("requiredDecision", "d_typed") +
                                      Req("requiredDecision", "d_label"),
                         Table("b", "if typed = null then 0 else 5")) +
                Decision("all", Req("requiredDecision", "d_again") + Req("requiredDecision", "d_band") +
                                    Req("requiredInput", "i_s") + Req("requiredDecision", "d_sum"),
                         "<context><contextEntry><variable name=\"k\"/>" + Literal("[again, band, s, sum]") +
                             "</contextEntry><contextEntry>" + Literal("for v in k return v") + "</contextEntry></context>"));
  return m;
}

TEST(PlannedRun, AnswersAsEvaluateCaseAfterCase) {
  auto m = Sample();
  ASSERT_TRUE(m);
  const std::vector<std::string> names = m->DecisionNames();
  const feel::StringPtr held = std::make_shared<const std::string>("a string longer than the small-string buffer");
  const long before = held.use_count();
  {
    auto ev = m->Prepare(names);
    for (int i = 0; i < 6; ++i) {
      feel::Context in;
      in.Put("x", Value::Number(i));
      in.Put("s", Value::String(held));
      if (i % 3 == 1) in.Put("t", Value::Number(100));
      else if (i % 3 == 2) in.Put("t", Value::String(held));
      ev->Evaluate(in);
      ExpectAsEvaluate(*m, *ev, in, names, "case " + std::to_string(i));
      EXPECT_EQ(Trace(ev->trace()), Trace(m->Evaluate(in, {}).trace)) << "case " << i;
      // By hand: the band of x, the sum only when t is a number, the typed result only when even.
      const char* band = i < 2 ? "low" : i < 4 ? "mid" : "high";
      EXPECT_EQ(feel::ToFeelLiteral(ev->results()[0].value), std::string("\"") + band + "\"") << i;
      EXPECT_EQ(feel::ToFeelLiteral(ev->results()[2].value), i % 3 == 1 ? std::to_string(100 + i) : "null") << i;
      EXPECT_EQ(ev->results()[2].diagnostics.size(), i % 3 == 2 ? 1u : 0u) << i;
      EXPECT_EQ(feel::ToFeelLiteral(ev->results()[3].value), i % 2 == 0 ? std::to_string(10 * i) : "null") << i;
      EXPECT_EQ(ev->results()[3].diagnostics.size(), i % 2 == 0 ? 0u : 1u) << i;
      EXPECT_EQ(feel::ToFeelLiteral(ev->results()[4].value), i % 2 == 0 ? "\"high\"" : "\"low\"") << i;
      EXPECT_EQ(Trace(ev->trace()), std::string("band:ar") + (i < 2 ? "1" : i < 4 ? "2" : "3") + " again:br" +
                                        (i % 2 == 0 ? "3" : "1") + " ")
          << i;
    }
    // The same evaluator with results taken out between cases.
    feel::Context in;
    in.Put("x", Value::Number(4));
    in.Put("s", Value::String(held));
    ev->Evaluate(in);
    EvaluationResult taken = ev->TakeResult();
    ev->Evaluate(in);
    ASSERT_EQ(taken.decisions.size(), names.size());
    for (size_t k = 0; k < names.size(); ++k)
      EXPECT_EQ(feel::ToFeelLiteral(ev->results()[k].value), feel::ToFeelLiteral(taken.decisions[k].value)) << names[k];
    EvaluationResult ref = m->Evaluate(in, {});
    for (size_t k = 0; k < names.size(); ++k)
      EXPECT_EQ(feel::ToFeelLiteral(ev->results()[k].value), feel::ToFeelLiteral(ref.decisions[k].value)) << names[k];
    EXPECT_EQ(feel::ToFeelLiteral(ev->results()[5].value), "[\"high\", \"high\", \"" + *held + "\", null]");
  }  // the evaluator gone with its borrowed inputs
  EXPECT_EQ(held.use_count(), before);
}

// Requirers asked for before their requirements, subsets and a name asked twice: no plan, or a
// plan of what is asked (a decision's result at another position than its index); the same
// answers as Model::Evaluate.
TEST(PlannedRun, OutOfOrderAndSubsetsAsEvaluate) {
  auto m = Sample();
  ASSERT_TRUE(m);
  const std::vector<std::vector<std::string>> asks{{"all", "again", "label", "band", "sum", "typed"},
                                                   {"again", "all"},
                                                   {"typed", "label"},
                                                   {"typed", "band", "label"},  // planned, positions not indices
                                                   {"band", "all", "band"}};
  for (const auto& asked : asks) {
    auto ev = m->Prepare(asked);
    for (int i = 0; i < 4; ++i) {
      feel::Context in;
      in.Put("x", Value::Number(i + 1));
      in.Put("s", Value::String("s" + std::to_string(i)));
      if (i % 2 == 1) in.Put("t", Value::Number(7));
      ev->Evaluate(in);
      ASSERT_EQ(ev->results().size(), asked.size());
      for (size_t k = 0; k < asked.size(); ++k) {
        EvaluationResult ref = m->Evaluate(in, std::vector<std::string>{asked[k]});
        ASSERT_NE(ref.Find(asked[k]), nullptr);
        EXPECT_EQ(feel::ToFeelLiteral(ev->results()[k].value), feel::ToFeelLiteral(ref.Find(asked[k])->value))
            << asked[k] << " case " << i;
        EXPECT_EQ(Diags(ev->results()[k]), Diags(*ref.Find(asked[k]))) << asked[k] << " case " << i;
      }
      // By hand: "again" is high on even x (typed a number), low on odd.
      for (size_t k = 0; k < asked.size(); ++k) {
        if (asked[k] != "again") continue;
        EXPECT_EQ(feel::ToFeelLiteral(ev->results()[k].value), i % 2 == 1 ? "\"high\"" : "\"low\"");
      }
    }
  }
}

// Each prepared evaluator's plan points into its own kept frames and bindings (PlanTarget): two
// evaluators of one model run case after case interleaved, one of them handing its results away
// between cases, in an order whose positions are not the decisions' indices; every answer as
// Model::Evaluate's, and "label" by hand.
TEST(PlannedRun, InterleavedEvaluatorsKeepTheirOwnPlans) {
  auto m = Sample();
  ASSERT_TRUE(m);
  const std::vector<std::string> asked{"typed", "sum", "band", "label", "again", "all"};
  auto a = m->Prepare(asked);
  auto b = m->Prepare(asked);
  for (int i = 0; i < 6; ++i) {
    for (int which = 0; which < 2; ++which) {
      Evaluator& ev = which == 0 ? *a : *b;
      const int x = which == 0 ? i + 1 : 5 - i;
      feel::Context in;
      in.Put("x", Value::Number(x));
      in.Put("s", Value::String(which == 0 ? "a" : "b"));
      if (i % 3 == 1) in.Put("t", Value::String("not a number"));
      if (i % 3 == 2) in.Put("t", Value::Number(i));
      ev.Evaluate(in);
      ASSERT_EQ(ev.results().size(), asked.size());
      for (size_t k = 0; k < asked.size(); ++k) {
        EvaluationResult ref = m->Evaluate(in, std::vector<std::string>{asked[k]});
        ASSERT_NE(ref.Find(asked[k]), nullptr);
        EXPECT_EQ(feel::ToFeelLiteral(ev.results()[k].value), feel::ToFeelLiteral(ref.Find(asked[k])->value))
            << asked[k] << " case " << i << " evaluator " << which;
        EXPECT_EQ(Diags(ev.results()[k]), Diags(*ref.Find(asked[k]))) << asked[k] << " case " << i;
      }
      const std::string band = x < 2 ? "low" : x < 4 ? "mid" : "high";
      EXPECT_EQ(feel::ToFeelLiteral(ev.results()[3].value), "\"" + band + " " + (which == 0 ? "a" : "b") + "\"");
      if (which == 1 && i % 2 == 0) (void)ev.TakeResult();  // its results made again next case
    }
  }
}

// A planned decision borrows its decisions' values first and then reads its input data, in
// binding order: two inputs that do not conform, around a decision binding, report in that order
// (as Model::Evaluate, and by hand).
TEST(PlannedRun, InputDiagnosticsInBindingOrder) {
  const std::string inputs =
      "<inputData id=\"i_t\" name=\"t\"><variable name=\"t\" typeRef=\"number\"/></inputData>"
      "<inputData id=\"i_u\" name=\"u\"><variable name=\"u\" typeRef=\"number\"/></inputData>";
  auto m = Load(inputs + Decision("d", Req("requiredInput", "i_u"), Literal("[u]")) +
                Decision("pair", Req("requiredInput", "i_t") + Req("requiredDecision", "d_d") + Req("requiredInput", "i_u"),
                         Literal("[t, d, u]")) +
                Decision("back", Req("requiredInput", "i_u") + Req("requiredDecision", "d_pair") + Req("requiredInput", "i_t"),
                         Literal("[u, pair, t]")));
  ASSERT_TRUE(m);
  const std::vector<std::string> names = m->DecisionNames();
  auto ev = m->Prepare(names);
  for (int i = 0; i < 2; ++i) {
    feel::Context in;
    in.Put("t", Value::String("tee"));
    in.Put("u", i == 0 ? Value::String("you") : Value::Number(7));
    ev->Evaluate(in);
    EvaluationResult ref = m->Evaluate(in, {});
    for (size_t k = 0; k < names.size(); ++k) EXPECT_EQ(Diags(ev->results()[k]), Diags(ref.decisions[k])) << names[k];
    const std::string t = "input data 't': \"tee\" does not conform to type number\n";
    const std::string u = i == 0 ? "input data 'u': \"you\" does not conform to type number\n" : "";
    EXPECT_EQ(Diags(ev->results()[1]), t + u) << i;
    EXPECT_EQ(Diags(ev->results()[2]), u + t) << i;
    EXPECT_EQ(feel::ToFeelLiteral(ev->results()[2].value), i == 0 ? "[null, [null, [null], null], null]" : "[7, [null, [7], 7], null]");
  }
}

std::string Entry(const std::string& name, const std::string& text) {
  return "<contextEntry><variable name=\"" + name + "\"/>" + Literal(text) + "</contextEntry>";
}

// Planned decisions whose bodies are boxed contexts run on a room of the evaluator's, where the
// bindings are put (EvalInRoom), case after case: a result entry with iteration variables, a
// shaped context (its values moved out of the room), one larger than a frame on the stack, one
// stopped by the depth limit (the entries made released), and an input absent or not conforming.
// Every value and diagnostic as Model::Evaluate's, some by hand; an input string's count the same
// after each case and after the evaluator is gone.
TEST(PlannedRun, ContextBodiesRunInTheirRooms) {
#if defined(ZEBRA_ASAN)
  constexpr bool kStopped = false;  // depth-limit recursion runs in the release build (as BoxedContext's)
#else
  constexpr bool kStopped = true;
#endif
  const std::string inputs =
      "<inputData id=\"i_x\" name=\"x\"><variable name=\"x\" typeRef=\"number\"/></inputData>"
      "<inputData id=\"i_s\" name=\"s\"><variable name=\"s\"/></inputData>";
  const std::string xs = Req("requiredInput", "i_x") + Req("requiredInput", "i_s");
  std::string big = "<context>" + Entry("e0", "s");
  for (int i = 1; i < 30; ++i) big += Entry("e" + std::to_string(i), "[e" + std::to_string(i - 1) + "]");
  big += "<contextEntry>" + Literal("[e0, count(e29), x]") + "</contextEntry></context>";
  auto m = Load(inputs + Decision("band", Req("requiredInput", "i_x"), Table("a", "x")) +
                Decision("ctx", Req("requiredDecision", "d_band") + xs,
                         "<context>" + Entry("a", "s + \"!\"") + Entry("b", "[a, band, x]") +
                             Entry("c", "for v in b return [v]") + "<contextEntry>" + Literal("[a, c, band]") +
                             "</contextEntry></context>") +
                Decision("shaped", Req("requiredInput", "i_s") + Req("requiredDecision", "d_ctx"),
                         "<context>" + Entry("p", "ctx[1]") + Entry("q", "[s, p]") + Entry("r", "s") + "</context>") +
                Decision("big", xs, big) +
                (kStopped ? Decision("stopped", xs,
                                     "<context>" + Entry("a", "s") + Entry("b", "[a, s]") +
                                         Entry("f", "function(n) f(n + 1)") + Entry("c", "f(1)") +
                                         Entry("d", "[s, s]") + "</context>")
                          : ""));
  ASSERT_TRUE(m);
  const std::vector<std::string> names = m->DecisionNames();
  const feel::StringPtr held = std::make_shared<const std::string>("a string longer than the small-string buffer");
  const long before = held.use_count();
  {
    auto ev = m->Prepare(names);
    for (int i = 0; i < 6; ++i) {
      feel::Context in;
      if (i % 3 == 1) in.Put("x", Value::String("not a number"));
      else if (i % 3 == 2) in.Put("x", Value::Number(i));
      in.Put("s", Value::String(held));
      ev->Evaluate(in);
      ExpectAsEvaluate(*m, *ev, in, names, "case " + std::to_string(i));
      // By hand: x is a number on cases 2 and 5 (band "mid", "high"), else null (band "high").
      const std::string x = i % 3 == 2 ? std::to_string(i) : "null";
      const std::string band = i == 2 ? "\"mid\"" : "\"high\"";
      const std::string a = "\"" + *held + "!\"";
      EXPECT_EQ(feel::ToFeelLiteral(ev->results()[1].value),
                "[" + a + ", [[" + a + "], [" + band + "], [" + x + "]], " + band + "]")
          << i;
      EXPECT_EQ(feel::ToFeelLiteral(ev->results()[2].value),
                "{p: " + a + ", q: [\"" + *held + "\", " + a + "], r: \"" + *held + "\"}")
          << i;
      EXPECT_EQ(feel::ToFeelLiteral(ev->results()[3].value), "[\"" + *held + "\", 1, " + x + "]") << i;
      if (kStopped) {
        EXPECT_EQ(feel::ToFeelLiteral(ev->results()[4].value), "null") << i;
        EXPECT_NE(Diags(ev->results()[4]).find("depth limit"), std::string::npos) << i;
      }
    }
  }  // the evaluator gone with its rooms
  EXPECT_EQ(held.use_count(), before);
}


// Decisions typed number, string and boolean (each result conformed, or null with a diagnostic)
// beside untyped ones (taken as they are), and a decision that borrows four earlier results at
// positions 3, 2, 1 and 0 of the run: every value and diagnostic count by hand, and all of them
// as Model::Evaluate's.
TEST(PlannedRun, TypedAndUntypedResultsBorrowedByPosition) {
  const std::string input = "<inputData id=\"i_x\" name=\"x\"><variable name=\"x\" typeRef=\"number\"/></inputData>";
  const std::string x = Req("requiredInput", "i_x");
  auto m = Load(input + Decision("n", x, Literal("if x &gt; 0 then x else \"neg\""), "number") +
                Decision("s", x, Literal("if x &gt; 1 then \"big\" else x"), "string") +
                Decision("b", x, Literal("if x &gt; 2 then true else \"no\""), "boolean") +
                Decision("u", x, Literal("if x &gt; 2 then \"many\" else x * 2")) +
                Decision("last",
                         Req("requiredDecision", "d_n") + Req("requiredDecision", "d_s") + Req("requiredDecision", "d_b") +
                             Req("requiredDecision", "d_u"),
                         Literal("[u, b, s, n]")));
  ASSERT_TRUE(m);
  const std::vector<std::string> names{"n", "s", "b", "u", "last"};
  auto ev = m->Prepare(names);
  struct Want {
    int x;
    const char* n;
    const char* s;
    const char* b;
    const char* u;
    const char* last;
    size_t n_diags, s_diags, b_diags;
  };
  const Want wants[] = {
      {-1, "null", "null", "null", "-2", "[-2, null, null, null]", 1, 1, 1},
      {1, "1", "null", "null", "2", "[2, null, null, 1]", 0, 1, 1},
      {2, "2", "\"big\"", "null", "4", "[4, null, \"big\", 2]", 0, 0, 1},
      {3, "3", "\"big\"", "true", "\"many\"", "[\"many\", true, \"big\", 3]", 0, 0, 0},
      {1, "1", "null", "null", "2", "[2, null, null, 1]", 0, 1, 1},
  };
  for (const Want& w : wants) {
    feel::Context in;
    in.Put("x", Value::Number(w.x));
    ev->Evaluate(in);
    const auto& r = ev->results();
    ASSERT_EQ(r.size(), names.size());
    EXPECT_EQ(feel::ToFeelLiteral(r[0].value), w.n) << w.x;
    EXPECT_EQ(feel::ToFeelLiteral(r[1].value), w.s) << w.x;
    EXPECT_EQ(feel::ToFeelLiteral(r[2].value), w.b) << w.x;
    EXPECT_EQ(feel::ToFeelLiteral(r[3].value), w.u) << w.x;
    EXPECT_EQ(feel::ToFeelLiteral(r[4].value), w.last) << w.x;
    EXPECT_EQ(r[0].diagnostics.size(), w.n_diags) << w.x;
    EXPECT_EQ(r[1].diagnostics.size(), w.s_diags) << w.x;
    EXPECT_EQ(r[2].diagnostics.size(), w.b_diags) << w.x;
    EXPECT_TRUE(r[3].diagnostics.empty()) << w.x;
    EXPECT_TRUE(r[4].diagnostics.empty()) << w.x;
    ExpectAsEvaluate(*m, *ev, in, names, "x " + std::to_string(w.x));
  }
}


// A planned decision's body context runs once per evaluation, so a function entry whose closure
// captures no slot is one closure made at load (EntryStep::Kind::kConst), copied case after case;
// a function entry that captures a slot is made each time from that case's value. The shared
// closure outlives the evaluator and the model that made it. A context that may run twice in one
// evaluation (a BKM's body) makes a closure per run, as before: two of them compare unequal.
TEST(PlannedRun, FunctionEntriesThatCaptureNothingShareOneClosure) {
  const std::string inputs = "<inputData id=\"i_x\" name=\"x\"><variable name=\"x\" typeRef=\"number\"/></inputData>";
  const std::string x = Req("requiredInput", "i_x");
  auto m = Load(
      inputs +
      Decision("fns", x,
               "<context>" + Entry("double", "function(n) n * 2") + Entry("plus_x", "function(n) n + x") +
                   Entry("twice", "function(f, n) f(f(n))") + Entry("a", "double(x)") + Entry("b", "plus_x(1)") +
                   Entry("c", "twice(double, x)") + Entry("same", "double = double") +
                   "<contextEntry>" + Literal("[a, b, c, same, double(5), plus_x(5)]") + "</contextEntry></context>") +
      Decision("shaped", x, "<context>" + Entry("inc", "function(n) n + 1") + Entry("y", "inc(x)") + "</context>") +
      "<businessKnowledgeModel id=\"b_mk\" name=\"mk\"><variable name=\"mk\"/><encapsulatedLogic>"
      "<formalParameter name=\"k\"/><context>" + Entry("f", "function(n) n + 1") + "<contextEntry>" + Literal("f") +
      "</contextEntry></context></encapsulatedLogic></businessKnowledgeModel>" +
      Decision("bkm", "<knowledgeRequirement><requiredKnowledge href=\"#b_mk\"/></knowledgeRequirement>",
               Literal("[mk(1) = mk(2), mk(1)(4)]")));
  ASSERT_TRUE(m);
  // (A decision with a BKM binding runs no plan: "bkm" has an evaluator of its own.)
  const std::vector<std::string> names{"fns", "shaped"};
  auto ev = m->Prepare(names);
  auto bkm = m->Prepare(std::vector<std::string>{"bkm"});
  EvaluationResult first;
  for (int i = 0; i < 4; ++i) {
    feel::Context in;
    in.Put("x", Value::Number(i));
    ev->Evaluate(in);
    bkm->Evaluate(in);
    // By hand: double(x), 1 + x, 4x, the same closure equal to itself, 10, 5 + x.
    EXPECT_EQ(feel::ToFeelLiteral(ev->results()[0].value),
              "[" + std::to_string(2 * i) + ", " + std::to_string(1 + i) + ", " + std::to_string(4 * i) + ", true, 10, " +
                  std::to_string(5 + i) + "]")
        << i;
    const Value& shaped = ev->results()[1].value;
    ASSERT_TRUE(shaped.is(feel::Type::kContext)) << i;
    const Value* y = shaped.context().Find("y");
    ASSERT_NE(y, nullptr);
    EXPECT_EQ(feel::ToFeelLiteral(*y), std::to_string(i + 1)) << i;
    // Two runs of the BKM's context: two closures, unequal.
    EXPECT_EQ(feel::ToFeelLiteral(bkm->results()[0].value), "[false, 5]") << i;
    // Model::Evaluate runs no plan: the same values (its closures made per evaluation).
    EvaluationResult ref = m->Evaluate(in, std::vector<std::string>{"fns", "bkm"});
    EXPECT_EQ(feel::ToFeelLiteral(ref.decisions[0].value), feel::ToFeelLiteral(ev->results()[0].value)) << i;
    EXPECT_EQ(feel::ToFeelLiteral(ref.decisions[1].value), "[false, 5]") << i;
    if (i == 0) first = ev->TakeResult();
  }
  // The closure the planned run made at load is the one every case holds.
  const Value* inc0 = first.decisions[1].value.context().Find("inc");
  const Value* inc3 = ev->results()[1].value.context().Find("inc");
  ASSERT_NE(inc0, nullptr);
  ASSERT_NE(inc3, nullptr);
  ASSERT_TRUE(inc0->is(feel::Type::kFunction));
  EXPECT_EQ(inc0->function_ptr(), inc3->function_ptr());
  // It outlives the evaluator and the model.
  ev.reset();
  bkm.reset();
  m.reset();
  feel::EvalContext ctx;
  const std::vector<Value> args{Value::Number(41)};
  EXPECT_EQ(feel::ToFeelLiteral(inc0->function().Call(args, ctx)), "42");
  EXPECT_TRUE(ctx.diagnostics().empty());
}

}  // namespace
}  // namespace zebra::dmn::planned_test
