// FEEL conformance suite derived from the DMN 1.5 specification, chapter 10.
//
// The cases live in tests/feel/*.feeltest (one GoogleTest per file). File format, line by line:
//
//   # §10.3.2.3.1 decimal addition      a comment; the comment nearest the case names the spec
//                                       section it comes from (every case must cite a "§")
//   {context} {"Monthly Salary": 1000}  optional: a FEEL context whose entries become names in
//                                       scope (declared in a feel::Scope, values put in slots)
//   {unary-input} 5                     optional: the case is a unary test (grammar rule 15)
//                                       applied to this input value; the expression is compiled
//                                       with feel::CompileUnaryTests
//   {now} @"2024-05-01T10:00:00Z"       optional: the fixed "now" for now() and today()
//   Monthly Salary * 12                 the expression (several lines are joined with '\n')
//   => 12000                            expected result: a FEEL expression evaluated in an
//                                       empty scope and compared with feel::DeepEqual, or
//   => null                             the result must be null (FEEL errors are null), or
//   => error                            compiling the expression must fail.
//
// Blank lines are ignored; a case ends at its "=>" line. Directive values and expected values
// are themselves FEEL, so expected values are written as literals (@"2012-12-25", [1, 2],
// {a: 1}) rather than with the functions under test wherever possible.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "build_info.h"
#include "feel/builtins.h"
#include "feel/feel.h"

namespace zebra::feel::spec_suite_test {
namespace {

namespace fs = std::filesystem;

enum class Expect : uint8_t { kValue, kNull, kError };

struct Case {
  std::string file;
  int line = 0;  // of the expression's first line
  std::string section;
  std::string context_expr;
  std::string unary_input;
  std::string now_expr;
  std::string expr;
  Expect expect = Expect::kValue;
  std::string expected;
};

fs::path SuiteDir() { return fs::path(ZEBRA_SOURCE_DIR) / "tests" / "feel"; }

std::vector<std::string> SuiteFiles() {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(SuiteDir(), ec))
    if (e.is_regular_file() && e.path().extension() == ".feeltest") files.push_back(e.path().filename().string());
  std::sort(files.begin(), files.end());
  return files;
}

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
  return std::string(s.substr(b, e - b));
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

struct ParsedFile {
  std::vector<Case> cases;
  std::vector<std::string> problems;  // malformed lines, reported as failures
};

ParsedFile ParseFile(const std::string& name) {
  ParsedFile out;
  std::ifstream in(SuiteDir() / name);
  if (!in) {
    out.problems.push_back("cannot open " + name);
    return out;
  }
  Case cur;
  std::string comment;  // the latest comment seen
  std::string line;
  int n = 0;
  auto reset = [&] {
    cur = Case();
    cur.file = name;
  };
  reset();
  while (std::getline(in, line)) {
    ++n;
    std::string t = Trim(line);
    if (t.empty()) continue;
    if (t[0] == '#') {
      comment = Trim(std::string_view(t).substr(1));
      continue;
    }
    if (StartsWith(t, "{context}")) {
      cur.context_expr = Trim(std::string_view(t).substr(9));
    } else if (StartsWith(t, "{unary-input}")) {
      cur.unary_input = Trim(std::string_view(t).substr(13));
    } else if (StartsWith(t, "{now}")) {
      cur.now_expr = Trim(std::string_view(t).substr(5));
    } else if (StartsWith(t, "=>")) {
      std::string exp = Trim(std::string_view(t).substr(2));
      if (cur.expr.empty()) {
        out.problems.push_back(name + ":" + std::to_string(n) + ": expected value without an expression");
        reset();
        continue;
      }
      if (exp == "error") {
        cur.expect = Expect::kError;
      } else if (exp == "null") {
        cur.expect = Expect::kNull;
      } else {
        cur.expect = Expect::kValue;
        cur.expected = exp;
      }
      cur.section = comment;
      out.cases.push_back(cur);
      reset();
    } else {
      if (cur.expr.empty()) {
        cur.line = n;
        cur.expr = line;
      } else {
        cur.expr += "\n" + line;
      }
    }
  }
  if (!cur.expr.empty()) out.problems.push_back(name + ":" + std::to_string(cur.line) + ": case without '=>'");
  return out;
}

// Evaluates a helper expression (expected value, context, input, now) in an empty scope.
tl::expected<Value, std::string> EvalPlain(const std::string& text) {
  EvalContext ctx;
  ctx.now = DateTime{DateFromCivil(2024, 5, 1), Time{}};  // unused by literals; keeps it deterministic
  auto r = EvaluateExpression(text, Context(), ctx);
  if (!r) return tl::unexpected("does not compile: " + r.error().message);
  return *r;
}

std::string Where(const Case& c) {
  return c.file + ":" + std::to_string(c.line) + " [" + c.section + "] `" + c.expr + "`";
}

// Runs one case; returns an empty string on success, else the failure message.
std::string RunCase(const Case& c) {
  if (c.section.find("§") == std::string::npos) return Where(c) + ": case does not cite a spec section (§)";

  Scope scope;
  std::vector<Value> slots;
  if (!c.context_expr.empty()) {
    auto v = EvalPlain(c.context_expr);
    if (!v || !v->is(Type::kContext)) return Where(c) + ": {context} is not a context";
    for (const auto& [k, val] : v->context().entries()) {
      size_t slot = static_cast<size_t>(scope.Declare(k));
      if (slots.size() <= slot) slots.resize(slot + 1);
      slots[slot] = val;
    }
  }
  EvalContext ctx;
  if (!c.now_expr.empty()) {
    auto v = EvalPlain(c.now_expr);
    if (!v || !v->is(Type::kDateTime)) return Where(c) + ": {now} is not a date and time";
    ctx.now = v->date_time();
  }

  Value actual;
  if (!c.unary_input.empty()) {
    auto input = EvalPlain(c.unary_input);
    if (!input) return Where(c) + ": {unary-input} " + input.error();
    auto tests = CompileUnaryTests(c.expr, scope);
    if (c.expect == Expect::kError) {
      if (tests) return Where(c) + ": expected a compile error, but it compiled";
      return "";
    }
    if (!tests) return Where(c) + ": compile error: " + tests.error().message;
    actual = tests->Test(*input, slots, ctx);
  } else {
    auto expr = CompileExpression(c.expr, scope);
    if (c.expect == Expect::kError) {
      if (expr) return Where(c) + ": expected a compile error, but it compiled";
      return "";
    }
    if (!expr) return Where(c) + ": compile error: " + expr.error().message;
    actual = expr->Evaluate(slots, ctx);
  }

  if (c.expect == Expect::kNull) {
    if (!actual.is_null()) return Where(c) + ": expected null, got " + ToFeelLiteral(actual);
    return "";
  }
  auto expected = EvalPlain(c.expected);
  if (!expected) return Where(c) + ": expected value `" + c.expected + "` " + expected.error();
  if (expected->is_null()) return Where(c) + ": expected value `" + c.expected + "` evaluates to null";
  if (!DeepEqual(*expected, actual))
    return Where(c) + ": expected " + ToFeelLiteral(*expected) + ", got " + ToFeelLiteral(actual);
  return "";
}

class SpecSuiteTest : public ::testing::TestWithParam<std::string> {};

// Cases where the engine knowingly departs from the spec text, one "file:line  reason" per
// line in tests/feel/known_deviations.txt. The list may only shrink: a listed case that passes
// fails the test until it is removed.
const std::set<std::string>& KnownDeviations() {
  static const std::set<std::string> known = [] {
    std::set<std::string> out;
    std::ifstream in(SuiteDir() / "known_deviations.txt");
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      out.insert(line.substr(0, line.find_first_of(" \t")));
    }
    return out;
  }();
  return known;
}

TEST_P(SpecSuiteTest, File) {
  ParsedFile f = ParseFile(GetParam());
  for (const auto& p : f.problems) ADD_FAILURE() << p;
  EXPECT_FALSE(f.cases.empty()) << GetParam() << " has no cases";
  for (const auto& c : f.cases) {
    std::string failure = RunCase(c);
    bool known = KnownDeviations().count(c.file + ":" + std::to_string(c.line)) > 0;
    // Reported at the case's own file:line so editors can jump to it.
    if (!failure.empty() && !known) ADD_FAILURE_AT(("tests/feel/" + c.file).c_str(), c.line) << failure;
    if (failure.empty() && known)
      ADD_FAILURE_AT(("tests/feel/" + c.file).c_str(), c.line)
          << "listed in known_deviations.txt but passes now: remove it from the list";
  }
}

std::string FileTestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = fs::path(info.param).stem().string();
  for (char& ch : n)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Dmn15, SpecSuiteTest, ::testing::ValuesIn(SuiteFiles()), FileTestName);

std::vector<Case> AllCases() {
  std::vector<Case> all;
  for (const auto& f : SuiteFiles()) {
    auto p = ParseFile(f);
    all.insert(all.end(), p.cases.begin(), p.cases.end());
  }
  return all;
}

bool IsNameChar(char ch) {
  return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || static_cast<unsigned char>(ch) >= 0x80;
}

// True when `text` invokes `name`: the name, not preceded by a name character, followed by
// optional white space and "(".
bool Invokes(const std::string& text, const std::string& name) {
  for (size_t pos = text.find(name); pos != std::string::npos; pos = text.find(name, pos + 1)) {
    if (pos > 0 && IsNameChar(text[pos - 1])) continue;
    size_t after = pos + name.size();
    while (after < text.size() && (text[after] == ' ' || text[after] == '\n')) ++after;
    if (after < text.size() && text[after] == '(') return true;
  }
  return false;
}

TEST(SpecSuiteCoverage, AtLeast450Cases) {
  auto all = AllCases();
  EXPECT_GE(all.size(), 450u);
  std::set<std::string> files;
  for (const auto& c : all) files.insert(c.file);
  EXPECT_GE(files.size(), 10u);
}

TEST(SpecSuiteCoverage, EveryBuiltinIsInvokedByACase) {
  auto all = AllCases();
  for (const auto& name : BuiltinNames()) {
    int n = 0;
    for (const auto& c : all)
      if (Invokes(c.expr, name)) ++n;
    EXPECT_GE(n, 1) << "built-in '" << name << "' is not invoked by any case in tests/feel";
  }
}

}  // namespace
}  // namespace zebra::feel::spec_suite_test
