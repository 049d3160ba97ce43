// Tests of the TCK file reader and result comparison. The file format is the TCK's
// testCases.xsd (valueType: value | component* | list); value types follow XML Schema Part 2
// and map onto FEEL types as DMN 1.5 §7.3.2 (Table 30, XML Schema to FEEL) describes.
#include "tck/tck.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace zebra::dmn::tck {
namespace {

using feel::Type;
using feel::Value;

constexpr const char* kNs =
    R"( xmlns="http://www.omg.org/spec/DMN/20160719/testcase" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema")";

// Wraps a valueType body in an <expected> element with the usual namespace declarations.
Value Parse(const std::string& body) {
  auto v = ParseValueXml("<expected" + std::string(kNs) + ">" + body + "</expected>");
  EXPECT_TRUE(v.has_value()) << (v ? "" : v.error());
  return v ? *v : Value();
}

std::string ParseError(const std::string& body) {
  auto v = ParseValueXml("<expected" + std::string(kNs) + ">" + body + "</expected>");
  EXPECT_FALSE(v.has_value());
  return v ? "" : v.error();
}

Value Num(const char* text) { return Value::Number(*feel::Decimal::FromString(text)); }

ResultNode Expect(Value v, bool error_result = false) {
  ResultNode n;
  n.name = "d";
  n.expected = std::move(v);
  n.error_result = error_result;
  return n;
}

TEST(TckValueTest, StringKeepsItsText) {
  Value v = Parse(R"(<value xsi:type="xsd:string"> John Doe </value>)");
  ASSERT_TRUE(v.is(Type::kString));
  EXPECT_EQ(v.string(), " John Doe ");  // xsd:string preserves whitespace
}

TEST(TckValueTest, WhitespaceOnlyStringKeepsItsText) {
  // 1103-feel-substring-function/008 expects " ": whitespace that is the whole value is data.
  Value v = Parse(R"(<value xsi:type="xsd:string"> </value>)");
  ASSERT_TRUE(v.is(Type::kString));
  EXPECT_EQ(v.string(), " ");
  Value tab = Parse("<value xsi:type=\"xsd:string\">\t\n</value>");
  ASSERT_TRUE(tab.is(Type::kString));
  EXPECT_EQ(tab.string(), "\t\n");
}

TEST(TckValueTest, WhitespaceBetweenElementsIsNotAValue) {
  Value list = Parse("<list>\n  <item><value xsi:type=\"xsd:decimal\">1</value></item>\n</list>");
  ASSERT_TRUE(list.is(Type::kList));
  ASSERT_EQ(list.list().size(), 1u);
  Value empty = Parse("<list>\n</list>");
  ASSERT_TRUE(empty.is(Type::kList));
  EXPECT_TRUE(empty.list().empty());
}

TEST(TckValueTest, EmptyStringIsNotNull) {
  Value v = Parse(R"(<value xsi:type="xsd:string"></value>)");
  ASSERT_TRUE(v.is(Type::kString));
  EXPECT_EQ(v.string(), "");
}

TEST(TckValueTest, UntypedValueIsString) {
  Value v = Parse("<value>10</value>");
  ASSERT_TRUE(v.is(Type::kString));
  EXPECT_EQ(v.string(), "10");
}

TEST(TckValueTest, DecimalIsNumber) {
  Value v = Parse(R"(<value xsi:type="xsd:decimal">-1234.5600</value>)");
  ASSERT_TRUE(v.is(Type::kNumber));
  EXPECT_EQ(v.number(), *feel::Decimal::FromString("-1234.56"));
}

TEST(TckValueTest, DoubleAndIntegerAreNumbers) {
  Value d = Parse(R"(<value xsi:type="xsd:double">2778.6935494327668</value>)");
  ASSERT_TRUE(d.is(Type::kNumber));
  EXPECT_EQ(d.number(), *feel::Decimal::FromString("2778.6935494327668"));
  Value i = Parse(R"(<value xsi:type="xsd:integer">+42</value>)");
  ASSERT_TRUE(i.is(Type::kNumber));
  EXPECT_EQ(i.number(), feel::Decimal::FromInt(42));
}

TEST(TckValueTest, NumberTextIsTrimmed) {
  Value v = Parse("<value xsi:type=\"xsd:decimal\">\n  7 \n</value>");
  ASSERT_TRUE(v.is(Type::kNumber));
  EXPECT_EQ(v.number(), feel::Decimal::FromInt(7));
}

TEST(TckValueTest, BadNumberIsAnError) {
  EXPECT_NE(ParseError(R"(<value xsi:type="xsd:decimal">ten</value>)").find("ten"), std::string::npos);
}

TEST(TckValueTest, BooleanLexicalForms) {
  // XML Schema Part 2 §3.2.2: boolean has the literals true, false, 1, 0.
  EXPECT_TRUE(Parse(R"(<value xsi:type="xsd:boolean">true</value>)").is_true());
  EXPECT_TRUE(Parse(R"(<value xsi:type="xsd:boolean">1</value>)").is_true());
  Value f = Parse(R"(<value xsi:type="xsd:boolean">false</value>)");
  ASSERT_TRUE(f.is(Type::kBoolean));
  EXPECT_FALSE(f.boolean());
  Value zero = Parse(R"(<value xsi:type="xsd:boolean">0</value>)");
  ASSERT_TRUE(zero.is(Type::kBoolean));
  EXPECT_FALSE(zero.boolean());
  ParseError(R"(<value xsi:type="xsd:boolean">yes</value>)");
}

TEST(TckValueTest, Date) {
  Value v = Parse(R"(<value xsi:type="xsd:date">2017-08-10</value>)");
  ASSERT_TRUE(v.is(Type::kDate));
  feel::CivilDate c = feel::CivilFromDate(v.date());
  EXPECT_EQ(c.year, 2017);
  EXPECT_EQ(c.month, 8);
  EXPECT_EQ(c.day, 10);
}

TEST(TckValueTest, NegativeYearDate) {
  Value v = Parse(R"(<value xsi:type="xsd:date">-2017-01-01</value>)");
  ASSERT_TRUE(v.is(Type::kDate));
  EXPECT_EQ(feel::CivilFromDate(v.date()).year, -2017);
}

TEST(TckValueTest, TimeWithOffsetAndFraction) {
  Value z = Parse(R"(<value xsi:type="xsd:time">10:20:00Z</value>)");
  ASSERT_TRUE(z.is(Type::kTime));
  EXPECT_EQ(z.time().nanos, (10 * 3600 + 20 * 60) * 1'000'000'000LL);
  EXPECT_EQ(feel::EffectiveOffset(z.time()), 0);
  Value f = Parse(R"(<value xsi:type="xsd:time">11:22:33.444</value>)");
  ASSERT_TRUE(f.is(Type::kTime));
  EXPECT_EQ(f.time().nanos, (11 * 3600 + 22 * 60 + 33) * 1'000'000'000LL + 444'000'000LL);
  EXPECT_EQ(f.time().kind, feel::ZoneKind::kLocal);
}

TEST(TckValueTest, DateTime) {
  Value v = Parse(R"(<value xsi:type="xsd:dateTime">2017-09-05T09:15:30.123456Z</value>)");
  ASSERT_TRUE(v.is(Type::kDateTime));
  EXPECT_EQ(feel::CivilFromDate(v.date_time().date).day, 5);
  EXPECT_EQ(v.date_time().time.nanos % 1'000'000'000LL, 123'456'000LL);
}

TEST(TckValueTest, DaysTimeDuration) {
  // DMN 1.5 §10.3.2.3.7: a duration with day/time components is a days and time duration.
  Value v = Parse(R"(<value xsi:type="xsd:duration">P1DT2H</value>)");
  ASSERT_TRUE(v.is(Type::kDaysTimeDuration));
  EXPECT_EQ(v.days_time().seconds, 26 * 3600);
  Value neg = Parse(R"(<value xsi:type="xsd:duration">-PT1H2M</value>)");
  ASSERT_TRUE(neg.is(Type::kDaysTimeDuration));
  EXPECT_EQ(neg.days_time().seconds, -(3600 + 120));
}

TEST(TckValueTest, YearsMonthsDuration) {
  Value v = Parse(R"(<value xsi:type="xsd:duration">P1Y2M</value>)");
  ASSERT_TRUE(v.is(Type::kYearsMonthsDuration));
  EXPECT_EQ(v.years_months().months, 14);
  Value neg = Parse(R"(<value xsi:type="xsd:duration">-P10Y</value>)");
  ASSERT_TRUE(neg.is(Type::kYearsMonthsDuration));
  EXPECT_EQ(neg.years_months().months, -120);
}

TEST(TckValueTest, ZeroDurationKindFollowsItsComponent) {
  EXPECT_TRUE(Parse(R"(<value xsi:type="xsd:duration">P0D</value>)").is(Type::kDaysTimeDuration));
  EXPECT_TRUE(Parse(R"(<value xsi:type="xsd:duration">P0M</value>)").is(Type::kYearsMonthsDuration));
  EXPECT_TRUE(Parse(R"(<value xsi:type="xsd:duration">P0Y</value>)").is(Type::kYearsMonthsDuration));
}

TEST(TckValueTest, MixedDurationIsAnError) {
  // FEEL has no value for a duration with both months and days (DMN 1.5 §10.3.2.3.7).
  EXPECT_NE(ParseError(R"(<value xsi:type="xsd:duration">P1Y2DT3H</value>)").find("mixes"), std::string::npos);
}

TEST(TckValueTest, NilValueIsNull) {
  EXPECT_TRUE(Parse(R"(<value xsi:nil="true"/>)").is_null());
  EXPECT_TRUE(Parse(R"(<value xsi:type="xsd:string" xsi:nil="true"></value>)").is_null());
}

TEST(TckValueTest, MissingValueIsNull) {
  auto v = ParseValueXml("<expected/>");
  ASSERT_TRUE(v.has_value());
  EXPECT_TRUE(v->is_null());
}

TEST(TckValueTest, UnsupportedTypeIsAnError) {
  EXPECT_NE(ParseError(R"(<value xsi:type="xsd:base64Binary">AAAA</value>)").find("base64Binary"), std::string::npos);
}

TEST(TckValueTest, ListOfItemsWithNil) {
  Value v = Parse(R"(<list>
      <item><value xsi:type="xsd:decimal">1</value></item>
      <item><value xsi:nil="true"/></item>
      <item><value xsi:type="xsd:string">a</value></item>
    </list>)");
  ASSERT_TRUE(v.is(Type::kList));
  ASSERT_EQ(v.list().size(), 3u);
  EXPECT_TRUE(v.list()[0].is(Type::kNumber));
  EXPECT_TRUE(v.list()[1].is_null());
  EXPECT_EQ(v.list()[2].string(), "a");
}

TEST(TckValueTest, EmptyAndNilLists) {
  Value empty = Parse("<list/>");
  ASSERT_TRUE(empty.is(Type::kList));
  EXPECT_TRUE(empty.list().empty());
  EXPECT_TRUE(Parse(R"(<list xsi:nil="true"/>)").is_null());
}

TEST(TckValueTest, ComponentsMakeAContextInOrder) {
  Value v = Parse(R"(<component name="name"><value xsi:type="xsd:string">John</value></component>
    <component name="age"><value xsi:type="xsd:decimal">21</value></component>
    <component name="spouse" xsi:nil="true"/>)");
  ASSERT_TRUE(v.is(Type::kContext));
  const auto& entries = v.context().entries();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].first, "name");
  EXPECT_EQ(entries[1].first, "age");
  EXPECT_EQ(entries[1].second.number(), feel::Decimal::FromInt(21));
  EXPECT_TRUE(entries[2].second.is_null());
}

TEST(TckValueTest, NestedListsAndContexts) {
  Value v = Parse(R"(<component name="people"><list>
      <item><component name="n"><value xsi:type="xsd:string">a</value></component></item>
      <item><list><item><value xsi:type="xsd:boolean">true</value></item></list></item>
    </list></component>)");
  ASSERT_TRUE(v.is(Type::kContext));
  const Value* people = v.context().Find("people");
  ASSERT_NE(people, nullptr);
  ASSERT_TRUE(people->is(Type::kList));
  ASSERT_EQ(people->list().size(), 2u);
  ASSERT_TRUE(people->list()[0].is(Type::kContext));
  EXPECT_EQ(people->list()[0].context().Find("n")->string(), "a");
  ASSERT_TRUE(people->list()[1].is(Type::kList));
  EXPECT_TRUE(people->list()[1].list()[0].is_true());
}

TEST(TckValueTest, PrefixedElementsReadTheSame) {
  auto v = ParseValueXml(
      R"(<tc:expected xmlns:tc="http://www.omg.org/spec/DMN/20160719/testcase" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xs="http://www.w3.org/2001/XMLSchema">
        <tc:component name="Children"><tc:value xsi:type="xs:double">2</tc:value></tc:component>
      </tc:expected>)");
  ASSERT_TRUE(v.has_value()) << v.error();
  ASSERT_TRUE(v->is(Type::kContext));
  EXPECT_EQ(v->context().Find("Children")->number(), feel::Decimal::FromInt(2));
}

TEST(TckValueTest, BadValueInsideComponentNamesTheComponent) {
  EXPECT_NE(ParseError(R"(<component name="age"><value xsi:type="xsd:decimal">x</value></component>)").find("age"),
            std::string::npos);
}

// --- comparison: DMN 1.5 §10.3.2.2 (equality), §10.3.2.3.1 (numbers compare by value) ---------

TEST(TckCompareTest, NumbersCompareByValue) {
  EXPECT_TRUE(ResultMatches(Expect(Num("1.50")), Num("1.5")));
  EXPECT_FALSE(ResultMatches(Expect(Num("1.5")), Num("1.6")));
  EXPECT_FALSE(ResultMatches(Expect(Num("-1")), Num("1")));
}

TEST(TckCompareTest, NumbersWithinTheTckToleranceMatch) {
  // TCK expected values are rounded (e.g. 15 significant digits) where FEEL computes 34; the
  // TCK's reference runners accept an absolute difference below 1e-8.
  EXPECT_TRUE(ResultMatches(Expect(Num("1234.56789012346")), Num("1234.567890123456789012345678901234")));
  EXPECT_TRUE(ResultMatches(Expect(Num("1.5")), Num("1.500000009")));
  EXPECT_FALSE(ResultMatches(Expect(Num("1.5")), Num("1.50000001")));
  EXPECT_FALSE(ResultMatches(Expect(Num("1e30")), Num("1.0000000000000001e30")));
  // Inside lists and contexts too.
  EXPECT_TRUE(TckEqual(Value::FromList({Num("0.333333333")}), Value::FromList({Num("0.3333333333333")})));
}

TEST(TckCompareTest, TypesMustAgree) {
  EXPECT_FALSE(ResultMatches(Expect(Num("1")), Value::String("1")));
  EXPECT_FALSE(ResultMatches(Expect(Value::Bool(true)), Value::String("true")));
}

TEST(TckCompareTest, NullOnlyEqualsNull) {
  EXPECT_TRUE(ResultMatches(Expect(Value()), Value()));
  EXPECT_FALSE(ResultMatches(Expect(Value()), Value::Bool(false)));
  EXPECT_FALSE(ResultMatches(Expect(Value::String("")), Value()));
}

TEST(TckCompareTest, ErrorResultRequiresNull) {
  EXPECT_TRUE(ResultMatches(Expect(Value(), true), Value()));
  EXPECT_FALSE(ResultMatches(Expect(Value(), true), Num("0")));
}

TEST(TckCompareTest, ListsCompareElementWiseInOrder) {
  Value a = Parse(R"(<list><item><value xsi:type="xsd:decimal">1</value></item>
                     <item><value xsi:type="xsd:decimal">2</value></item></list>)");
  EXPECT_TRUE(ResultMatches(Expect(a), Value::FromList({Num("1.0"), Num("2")})));
  EXPECT_FALSE(ResultMatches(Expect(a), Value::FromList({Num("2"), Num("1")})));
  EXPECT_FALSE(ResultMatches(Expect(a), Value::FromList({Num("1")})));
}

TEST(TckCompareTest, ContextsCompareByKey) {
  Value expected = Parse(R"(<component name="a"><value xsi:type="xsd:decimal">1</value></component>
                            <component name="b"><value xsi:type="xsd:string">x</value></component>)");
  feel::Context swapped;
  swapped.Put("b", Value::String("x"));
  swapped.Put("a", Num("1"));
  EXPECT_TRUE(ResultMatches(Expect(expected), Value::FromContext(swapped)));
  feel::Context extra = swapped;
  extra.Put("c", Value());
  EXPECT_FALSE(ResultMatches(Expect(expected), Value::FromContext(extra)));
  feel::Context wrong;
  wrong.Put("a", Num("1"));
  wrong.Put("b", Value::String("y"));
  EXPECT_FALSE(ResultMatches(Expect(expected), Value::FromContext(wrong)));
}

TEST(TckCompareTest, DurationKindsDiffer) {
  // P0D and P0M are different types (DMN 1.5 §10.3.2.3.7), so they are not equal.
  Value days = Parse(R"(<value xsi:type="xsd:duration">P0D</value>)");
  Value months = Parse(R"(<value xsi:type="xsd:duration">P0M</value>)");
  EXPECT_FALSE(ResultMatches(Expect(days), months));
  EXPECT_TRUE(ResultMatches(Expect(days), Parse(R"(<value xsi:type="xsd:duration">PT0S</value>)")));
}

TEST(TckCompareTest, DateTimeWithAndWithoutOffsetDiffer) {
  Value local = Parse(R"(<value xsi:type="xsd:dateTime">2017-01-01T10:00:00</value>)");
  Value utc = Parse(R"(<value xsi:type="xsd:dateTime">2017-01-01T10:00:00Z</value>)");
  EXPECT_FALSE(ResultMatches(Expect(local), utc));
  EXPECT_TRUE(ResultMatches(Expect(utc), Parse(R"(<value xsi:type="xsd:dateTime">2017-01-01T10:00:00Z</value>)")));
}

// --- test files ----------------------------------------------------------------------------------

TEST(TckSuiteTest, ReadsCasesInputsAndResults) {
  std::string xml = std::string("<testCases") + kNs + R"(>
    <modelName>m.dmn</modelName>
    <labels><label>x</label></labels>
    <testCase id="001">
      <description> first </description>
      <inputNode name="Full Name"><value xsi:type="xsd:string">Jane</value></inputNode>
      <inputNode name="Imported" namespace="urn:other"><value xsi:type="xsd:decimal">3</value></inputNode>
      <resultNode name="Greeting" type="decision"><expected><value xsi:type="xsd:string">Hi Jane</value></expected></resultNode>
      <resultNode name="Bad" errorResult="true"><expected><value xsi:nil="true"/></expected></resultNode>
    </testCase>
    <!-- <testCase id="commented"/> -->
    <testCase id="ds" type="decisionService" invocableName="Service A">
      <resultNode name="Out"><expected><value xsi:type="xsd:boolean">true</value></expected></resultNode>
    </testCase>
    <testCase type="bkm" invocableName="f"/>
  </testCases>)";
  auto suite = ParseTestSuiteXml(xml, "t.xml");
  ASSERT_TRUE(suite.has_value()) << suite.error();
  EXPECT_EQ(suite->model_name, "m.dmn");
  ASSERT_EQ(suite->cases.size(), 3u);
  const TestCase& c = suite->cases[0];
  EXPECT_EQ(c.id, "001");
  EXPECT_EQ(c.description, "first");
  EXPECT_EQ(c.type, CaseType::kDecision);
  ASSERT_EQ(c.inputs.size(), 2u);
  EXPECT_EQ(c.inputs[0].name, "Full Name");
  EXPECT_EQ(c.inputs[0].value.string(), "Jane");
  EXPECT_EQ(c.inputs[1].namespace_uri, "urn:other");
  ASSERT_EQ(c.results.size(), 2u);
  EXPECT_FALSE(c.results[0].error_result);
  EXPECT_EQ(c.results[0].expected.string(), "Hi Jane");
  EXPECT_TRUE(c.results[1].error_result);
  EXPECT_TRUE(c.error.empty());
  EXPECT_EQ(suite->cases[1].type, CaseType::kDecisionService);
  EXPECT_EQ(suite->cases[1].invocable_name, "Service A");
  EXPECT_EQ(suite->cases[2].type, CaseType::kBkm);
  EXPECT_EQ(suite->cases[2].id, "#3");  // no id: numbered by position
}

TEST(TckSuiteTest, BadValueFailsOnlyItsCase) {
  std::string xml = std::string("<testCases") + kNs + R"(>
    <testCase id="1"><inputNode name="n"><value xsi:type="xsd:date">2017-13-45</value></inputNode></testCase>
    <testCase id="2" type="decisionServiceX"/>
    <testCase id="3"/>
  </testCases>)";
  auto suite = ParseTestSuiteXml(xml);
  ASSERT_TRUE(suite.has_value());
  ASSERT_EQ(suite->cases.size(), 3u);
  EXPECT_NE(suite->cases[0].error.find("input 'n'"), std::string::npos);
  EXPECT_NE(suite->cases[1].error.find("decisionServiceX"), std::string::npos);
  EXPECT_TRUE(suite->cases[2].error.empty());
}

TEST(TckSuiteTest, RejectsOtherDocuments) {
  EXPECT_FALSE(ParseTestSuiteXml("<definitions/>").has_value());
  auto broken = ParseTestSuiteXml("<testCases><testCase>", "broken.xml");
  ASSERT_FALSE(broken.has_value());
  EXPECT_NE(broken.error().find("broken.xml"), std::string::npos);
}

class TckFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("zebra_tck_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_ / "compliance-level-2" / "0001-a");
    std::filesystem::create_directories(root_ / "compliance-level-2" / "0002-b");
    std::filesystem::create_directories(root_ / "compliance-level-3" / "empty");
    Write(root_ / "compliance-level-2" / "0001-a" / "0001-a-test-01.xml",
          std::string("<testCases") + kNs + "><modelName>0001-a.dmn</modelName><testCase id=\"001\"/>" +
              "<testCase id=\"002\"/></testCases>");
    Write(root_ / "compliance-level-2" / "0002-b" / "0002-b-test-01.xml", "<testCases><testCase");
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  static void Write(const std::filesystem::path& p, const std::string& text) { std::ofstream(p) << text; }
  std::filesystem::path root_;
};

TEST_F(TckFolderTest, FindsFoldersFromAnyLevel) {
  auto all = FindTestFolders(root_);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].filename(), "0001-a");
  EXPECT_EQ(all[1].filename(), "0002-b");
  EXPECT_EQ(FindTestFolders(root_ / "compliance-level-2").size(), 2u);
  auto one = FindTestFolders(root_ / "compliance-level-2" / "0001-a");
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0], root_ / "compliance-level-2" / "0001-a");
  EXPECT_TRUE(FindTestFolders(root_ / "compliance-level-3").empty());
  EXPECT_TRUE(FindTestFolders(root_ / "missing").empty());
}

TEST_F(TckFolderTest, FolderWithoutModelFailsEveryCase) {
  for (bool isolate : {false, true}) {
    RunOptions options;
    options.isolate = isolate;
    FolderResult r = RunFolder(root_ / "compliance-level-2" / "0001-a", options);
    EXPECT_EQ(r.level, "compliance-level-2");
    ASSERT_EQ(r.cases.size(), 2u);
    EXPECT_EQ(r.cases[0].id, "0001-a/001");
    EXPECT_EQ(r.cases[1].id, "0001-a/002");
    for (const auto& c : r.cases) {
      EXPECT_FALSE(c.passed);
      EXPECT_NE(c.error.find("no .dmn file"), std::string::npos) << c.error;
    }
  }
}

TEST_F(TckFolderTest, UnreadableTestFileCountsAsOneFailure) {
  FolderResult r = RunFolder(root_ / "compliance-level-2" / "0002-b");
  ASSERT_EQ(r.cases.size(), 1u);
  EXPECT_FALSE(r.cases[0].passed);
  EXPECT_EQ(r.cases[0].id, "0002-b/0002-b-test-01.xml");
}

// A stand-in engine: decision "echo" returns input "x"; input "mode" makes the call crash,
// hang or throw, so that the runner's guards can be observed.
class FakeModel : public Model {
 public:
  const std::string& name() const override { return name_; }
  const std::string& namespace_uri() const override { return name_; }
  std::vector<std::string> DecisionNames() const override { return {"echo"}; }
  std::vector<std::string> InputDataNames() const override { return {"x", "mode"}; }
  std::vector<std::string> DecisionServiceNames() const override { return {"svc"}; }
  EvaluationResult Evaluate(const feel::Context& inputs, std::span<const std::string> decisions,
                            const EvaluateOptions&) const override {
    Misbehave(inputs);
    EvaluationResult r;
    for (const auto& d : decisions) {
      if (d != "echo") continue;
      const Value* x = inputs.Find("x");
      r.decisions.push_back({"echo", "_echo", x ? *x : Value(), {}});
    }
    return r;
  }
  // The TCK runner evaluates through Evaluate and InvokeService only.
  std::unique_ptr<dmn::Evaluator> Prepare(std::span<const std::string>, const EvaluateOptions&) const override {
    return nullptr;
  }
  EvaluationResult InvokeService(std::string_view service, const feel::Context& inputs,
                                 const EvaluateOptions&) const override {
    Misbehave(inputs);
    EvaluationResult r;
    // The single output decision of "svc" doubles x.
    const Value* x = inputs.Find("x");
    if (service == "svc" && x && x->is(Type::kNumber))
      r.decisions.push_back({"doubled", "_d", Value::Number(*x->number().Mul(feel::Decimal::FromInt(2))), {}});
    return r;
  }

 private:
  static void Misbehave(const feel::Context& inputs) {
    const Value* mode = inputs.Find("mode");
    if (!mode || !mode->is(Type::kString)) return;
    if (mode->string() == "crash") std::abort();
    if (mode->string() == "hang") std::this_thread::sleep_for(std::chrono::seconds(60));
    if (mode->string() == "throw") throw std::runtime_error("engine bug");
  }
  std::string name_ = "fake";
};

ModelLoader FakeLoader() {
  return [](std::span<const std::filesystem::path> files, const LoadOptions&)
             -> common::Result<std::vector<std::shared_ptr<const Model>>> {
    std::vector<std::shared_ptr<const Model>> out;
    for (size_t i = 0; i < files.size(); ++i) out.push_back(std::make_shared<FakeModel>());
    return out;
  };
}

std::string Case(const std::string& id, const std::string& mode, const std::string& x, const std::string& expected,
                 const std::string& attrs = "", const std::string& result = "echo") {
  std::string out = "<testCase id=\"" + id + "\"" + attrs + ">";
  if (!mode.empty()) out += R"(<inputNode name="mode"><value xsi:type="xsd:string">)" + mode + "</value></inputNode>";
  out += R"(<inputNode name="x"><value xsi:type="xsd:decimal">)" + x + "</value></inputNode>";
  out += "<resultNode name=\"" + result + "\"><expected>" + expected + "</expected></resultNode></testCase>";
  return out;
}

class TckRunTest : public TckFolderTest {
 protected:
  std::filesystem::path MakeFolder(const std::string& cases) {
    auto dir = root_ / "compliance-level-3" / "0100-fake";
    std::filesystem::create_directories(dir);
    Write(dir / "0100-fake.dmn", "<definitions/>");
    Write(dir / "0100-fake-test-01.xml",
          std::string("<testCases") + kNs + "><modelName>0100-fake.dmn</modelName>" + cases + "</testCases>");
    return dir;
  }
};

TEST_F(TckRunTest, ComparesEveryResultNode) {
  auto dir = MakeFolder(Case("ok", "", "5", R"(<value xsi:type="xsd:decimal">5.0</value>)") +
                        Case("wrong", "", "5", R"(<value xsi:type="xsd:decimal">6</value>)") +
                        Case("err-ok", "", "5", R"(<value xsi:nil="true"/>)", "", "missing") +
                        Case("svc", "", "4", R"(<value xsi:type="xsd:decimal">8</value>)",
                             R"( type="decisionService" invocableName="svc")", "doubled"));
  RunOptions options;
  options.isolate = false;
  options.loader = FakeLoader();
  FolderResult r = RunFolder(dir, options);
  ASSERT_EQ(r.cases.size(), 4u);
  EXPECT_TRUE(r.cases[0].passed) << r.cases[0].error;
  EXPECT_FALSE(r.cases[1].passed);
  ASSERT_EQ(r.cases[1].mismatches.size(), 1u);
  EXPECT_EQ(r.cases[1].mismatches[0].node, "echo");
  EXPECT_EQ(r.cases[1].mismatches[0].expected, "6");
  EXPECT_EQ(r.cases[1].mismatches[0].actual, "5");
  EXPECT_TRUE(r.cases[2].passed);  // no such decision: null, as the nil expectation says
  EXPECT_TRUE(r.cases[3].passed) << (r.cases[3].mismatches.empty() ? r.cases[3].error : r.cases[3].mismatches[0].actual);
}

TEST_F(TckRunTest, CrashHangAndExceptionFailOnlyTheirCase) {
  const std::string five = R"(<value xsi:type="xsd:decimal">5</value>)";
  auto dir = MakeFolder(Case("1", "", "5", five) + Case("2", "crash", "5", five) + Case("3", "", "5", five) +
                        Case("4", "hang", "5", five) + Case("5", "throw", "5", five) + Case("6", "", "5", five));
  RunOptions options;
  options.isolate = true;
  options.case_timeout_seconds = 1;
  options.loader = FakeLoader();
  FolderResult r = RunFolder(dir, options);
  ASSERT_EQ(r.cases.size(), 6u);
  EXPECT_TRUE(r.cases[0].passed);
  EXPECT_FALSE(r.cases[1].passed);
  EXPECT_NE(r.cases[1].error.find("crashed"), std::string::npos) << r.cases[1].error;
  EXPECT_TRUE(r.cases[2].passed) << r.cases[2].error;
  EXPECT_FALSE(r.cases[3].passed);
  EXPECT_NE(r.cases[3].error.find("timed out"), std::string::npos) << r.cases[3].error;
  EXPECT_FALSE(r.cases[4].passed);
  EXPECT_NE(r.cases[4].error.find("engine bug"), std::string::npos) << r.cases[4].error;
  EXPECT_TRUE(r.cases[5].passed) << r.cases[5].error;
}

TEST_F(TckRunTest, LoadFailureFailsEveryCaseWithDiagnostics) {
  auto dir = MakeFolder(Case("1", "", "5", "") + Case("2", "", "5", ""));
  RunOptions options;
  options.loader = [](std::span<const std::filesystem::path>, const LoadOptions&)
      -> common::Result<std::vector<std::shared_ptr<const Model>>> {
    ModelDiagnostic d;
    d.file = "0100-fake.dmn";
    d.message = "unknown element";
    return tl::unexpected(common::Errors{d.ToError()});
  };
  FolderResult r = RunFolder(dir, options);
  ASSERT_EQ(r.cases.size(), 2u);
  for (const auto& c : r.cases) {
    EXPECT_FALSE(c.passed);
    EXPECT_NE(c.error.find("model failed to load"), std::string::npos) << c.error;
  }
}

// End to end with the real engine: a literal-expression decision (DMN 1.5 §6.3.7, §10.2) and a
// decision service whose single output decision is its result (DMN 1.5 §6.3.11).
TEST_F(TckRunTest, RunsTheRealEngine) {
  auto dir = root_ / "compliance-level-2" / "0200-greeting";
  std::filesystem::create_directories(dir);
  Write(dir / "0200-greeting.dmn", R"(<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="g" name="greeting"
             namespace="http://zebra.example/greeting">
  <inputData id="i_name" name="Name"><variable id="v_name" name="Name" typeRef="string"/></inputData>
  <decision id="d_greeting" name="Greeting">
    <variable id="v_greeting" name="Greeting" typeRef="string"/>
    <informationRequirement id="ir1"><requiredInput href="#i_name"/></informationRequirement>
    <literalExpression id="le1"><text>"Hello " + Name</text></literalExpression>
  </decision>
  <decisionService id="s_greet" name="Greet">
    <variable id="v_greet" name="Greet"/>
    <outputDecision href="#d_greeting"/>
    <inputData href="#i_name"/>
  </decisionService>
</definitions>
)");
  Write(dir / "0200-greeting-test-01.xml", std::string("<testCases") + kNs + R"(>
    <modelName>0200-greeting.dmn</modelName>
    <testCase id="001">
      <inputNode name="Name"><value xsi:type="xsd:string">Ada</value></inputNode>
      <resultNode name="Greeting"><expected><value xsi:type="xsd:string">Hello Ada</value></expected></resultNode>
    </testCase>
    <testCase id="002">
      <inputNode name="Name"><value xsi:type="xsd:string">Ada</value></inputNode>
      <resultNode name="Greeting"><expected><value xsi:type="xsd:string">Hello Bob</value></expected></resultNode>
    </testCase>
    <testCase id="003">
      <inputNode name="Name"><value xsi:nil="true"/></inputNode>
      <resultNode name="Greeting" errorResult="true"><expected><value xsi:nil="true"/></expected></resultNode>
    </testCase>
    <testCase id="004" type="decisionService" invocableName="Greet">
      <inputNode name="Name"><value xsi:type="xsd:string">Cy</value></inputNode>
      <resultNode name="Greeting"><expected><value xsi:type="xsd:string">Hello Cy</value></expected></resultNode>
    </testCase>
  </testCases>)");
  FolderResult r = RunFolder(dir);
  ASSERT_EQ(r.cases.size(), 4u);
  EXPECT_TRUE(r.cases[0].passed) << r.cases[0].error;
  EXPECT_FALSE(r.cases[1].passed);
  ASSERT_EQ(r.cases[1].mismatches.size(), 1u);
  EXPECT_EQ(r.cases[1].mismatches[0].actual, "\"Hello Ada\"");
  EXPECT_TRUE(r.cases[2].passed) << (r.cases[2].mismatches.empty() ? r.cases[2].error : r.cases[2].mismatches[0].actual);
  EXPECT_TRUE(r.cases[3].passed) << (r.cases[3].mismatches.empty() ? r.cases[3].error : r.cases[3].mismatches[0].actual);
}

}  // namespace
}  // namespace zebra::dmn::tck
