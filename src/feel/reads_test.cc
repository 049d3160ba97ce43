// CompiledExpression::Reads: the scope's names an expression reads and the constant paths below
// them, against expectations written by hand from each text.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "feel/feel.h"

namespace zebra::feel::reads_test {
namespace {

struct Expected {
  const char* text;
  std::vector<NameRead> names;
  bool clock = false;
};

class ReadsTest : public ::testing::Test {
 protected:
  ReadsTest() {
    for (const char* name : {"patient", "tumor", "history", "prior options", "advanced", "unused"}) scope_.Declare(name);
  }
  NameRead R(const char* name, std::vector<std::string> path = {}) const {
    return NameRead{*scope_.Find(name), name, std::move(path)};
  }
  void Check(const Expected& e) const {
    SCOPED_TRACE(e.text);
    auto expr = CompileExpression(e.text, scope_);
    ASSERT_TRUE(expr.has_value()) << expr.error().message;
    const ExpressionReads reads = expr->Reads();
    ASSERT_EQ(reads.names.size(), e.names.size());
    for (size_t i = 0; i < e.names.size(); ++i) {
      EXPECT_EQ(reads.names[i].slot, e.names[i].slot) << i;
      EXPECT_EQ(reads.names[i].name, e.names[i].name) << i;
      EXPECT_EQ(reads.names[i].path, e.names[i].path) << i;
    }
    EXPECT_EQ(reads.clock, e.clock);
    EXPECT_TRUE(reads.complete);
  }
  Scope scope_;
};

TEST_F(ReadsTest, PathsBelowNames) {
  Check({"tumor.sstr_imaging.result = \"positive\"", {R("tumor", {"sstr_imaging", "result"})}});
  // The same path twice is one read; names in the order of the text.
  Check({"patient.age_years >= 18 and patient.age_years <= 80 or tumor.m = \"M1\"",
         {R("patient", {"age_years"}), R("tumor", {"m"})}});
  // A name with spaces, a whole value, and a name declared but not read.
  Check({"if prior options = null then null else count(prior options) > 1 and advanced",
         {R("prior options"), R("advanced")}});
  Check({"-tumor.size + 1 between patient.low and patient.high",
         {R("tumor", {"size"}), R("patient", {"low"}), R("patient", {"high"})}});
  Check({"tumor.m in [\"M1\", history.m]", {R("tumor", {"m"}), R("history", {"m"})}});
  Check({"tumor.a + tumor.b + tumor.c", {R("tumor", {"a"}), R("tumor", {"b"}), R("tumor", {"c"})}});
  Check({"tumor.size instance of number", {R("tumor", {"size"})}});
  Check({"\"tumor.size\" + \"patient\"", {}});
}

TEST_F(ReadsTest, WholeValues) {
  // A name used bare besides its paths, or under a step that is not a constant name.
  Check({"if tumor = null then null else tumor.primary_site", {R("tumor"), R("tumor", {"primary_site"})}});
  Check({"get value(tumor, \"m\").x", {R("tumor")}});
  Check({"count(get entries(patient)) > 4", {R("patient")}});
  // A filter reads its target whole (its items' entries are names inside the predicate).
  Check({"history.prior_therapies[item.option = tumor.m and stopped = true].option",
         {R("history", {"prior_therapies"}), R("tumor", {"m"})}});
  Check({"prior options[1]", {R("prior options")}});
}

TEST_F(ReadsTest, NamesTheExpressionBindsAreNotReads) {
  Check({"for t in history.prior_therapies return t.option", {R("history", {"prior_therapies"})}});
  Check({"some o in prior options satisfies starts with(o, \"prrt.\")", {R("prior options")}});
  Check({"every x in [1, 2], y in tumor.sizes satisfies x < y and y < patient.limit",
         {R("tumor", {"sizes"}), R("patient", {"limit"})}});
  Check({"for i in 1..tumor.count return i", {R("tumor", {"count"})}});
  Check({"{a: tumor.x, b: a + 1, c: {d: b}}.c.d", {R("tumor", {"x"})}});
  // A function's body is read as if it were called; its parameters are its own.
  Check({"{f: function(tumor) tumor.x + patient.y}.f(history.z)",
         {R("patient", {"y"}), R("history", {"z"})}});
  Check({"[1, 2][item > 1]", {}});
}

TEST_F(ReadsTest, TheClock) {
  Check({"today() > patient.birth", {R("patient", {"birth"})}, true});
  Check({"date(now()) = date(\"2026-01-01\")", {}, true});
  Check({"{f: now}.f() != null", {}, true});  // the built-in taken as a value
  Check({"date(\"2026-01-01\") + duration(\"P1D\")", {}, false});
  Check({"\"now\" + \"today()\"", {}, false});
}

TEST_F(ReadsTest, AnEmptyExpressionReadsNothing) {
  const ExpressionReads reads = CompiledExpression().Reads();
  EXPECT_TRUE(reads.names.empty());
  EXPECT_FALSE(reads.clock);
  EXPECT_TRUE(reads.complete);
}

}  // namespace
}  // namespace zebra::feel::reads_test
