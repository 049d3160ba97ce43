// DMN TCK runner: reads the TCK test-case XML (testCases.xsd, namespace
// http://www.omg.org/spec/DMN/20160719/testcase), evaluates each case against the folder's DMN
// models and compares the results with the expected values.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "dmn/model.h"
#include "feel/value.h"

namespace pugi {
class xml_node;
}

namespace zebra::dmn::tck {

// --- the test-case file ------------------------------------------------------------------

struct InputNode {
  std::string name;
  std::string namespace_uri;  // set when the input belongs to an imported model
  feel::Value value;
};

struct ResultNode {
  std::string name;
  bool error_result = false;  // errorResult="true": the engine must yield null
  feel::Value expected;       // null when <expected> is absent or nil
};

enum class CaseType { kDecision, kBkm, kDecisionService };

struct TestCase {
  std::string id;
  std::string description;
  CaseType type = CaseType::kDecision;
  std::string invocable_name;  // decision service or BKM to invoke
  std::vector<InputNode> inputs;
  std::vector<ResultNode> results;
  std::string error;  // a value in this case could not be read; the case then fails
};

struct TestSuite {
  std::string file;
  std::string model_name;  // <modelName>: the .dmn file (or model name) the cases target
  std::vector<TestCase> cases;
};

// Reads one TCK valueType element (inputNode, expected, item, component): a <value> with
// xsi:type (xsd:string, decimal, double, integer, boolean, date, time, dateTime, duration) or
// xsi:nil, a <list> of <item>s, or <component name=...> children (a context). Element
// prefixes are ignored, so <tc:value> reads like <value>. An element with none of these is null.
tl::expected<feel::Value, std::string> ParseValueElement(const pugi::xml_node& node);
// Same, from XML text whose root element is the valueType element (tests).
tl::expected<feel::Value, std::string> ParseValueXml(std::string_view xml);
// Converts the text of a <value> with the given xsi:type (prefix optional; empty = string).
tl::expected<feel::Value, std::string> ParseTypedValue(std::string_view xsi_type, std::string_view text);

tl::expected<TestSuite, std::string> ParseTestSuite(const std::filesystem::path& file);
tl::expected<TestSuite, std::string> ParseTestSuiteXml(std::string_view xml, std::string_view file = "<memory>");

// --- comparison ----------------------------------------------------------------------------

// Structural equality as the TCK's reference runners apply it: same types; numbers equal when
// they differ by less than 1e-8 (the TCK's expected values are often rounded to ~15 digits,
// where FEEL computes 34); lists element-wise; contexts by key with the same key set; null
// only equals null; other values by feel::DeepEqual.
bool TckEqual(const feel::Value& expected, const feel::Value& actual);

// True when `actual` satisfies the result node: errorResult requires null; otherwise
// TckEqual(expected, actual).
bool ResultMatches(const ResultNode& node, const feel::Value& actual);

// --- running -------------------------------------------------------------------------------

struct Mismatch {
  std::string node;      // result node name
  std::string expected;  // FEEL literal, or "null (error expected)"
  std::string actual;    // FEEL literal
  std::string detail;    // engine diagnostics, if any
};

struct CaseResult {
  std::string id;  // "folder/test id"
  bool passed = false;
  std::vector<Mismatch> mismatches;
  std::string error;  // load failure, unreadable case, crash or timeout
};

struct FolderResult {
  std::filesystem::path folder;
  std::string level;  // "compliance-level-2", "compliance-level-3", or the parent folder's name
  std::vector<CaseResult> cases;
  std::string error;  // the folder could not be run at all (no test file, unreadable XML)
};

using ModelLoader = std::function<common::Result<std::vector<std::shared_ptr<const Model>>>(
    std::span<const std::filesystem::path>, const LoadOptions&)>;

struct RunOptions {
  // Runs each folder in a child process so that a crash or a hang in one case fails only that
  // case; the child resumes after the failed case. Off: everything runs in this process.
  bool isolate = true;
  int case_timeout_seconds = 30;
  // Loads a folder's .dmn files (in path order); empty means dmn::LoadModels. Tests inject models.
  ModelLoader loader;
};

// The test folders under `dir`: `dir` itself when it holds a *-test-*.xml file, else every
// folder below it that does (sorted by path).
std::vector<std::filesystem::path> FindTestFolders(const std::filesystem::path& dir);

// Loads every .dmn file of the folder and runs every test file in it.
FolderResult RunFolder(const std::filesystem::path& folder, const RunOptions& options = {});

}  // namespace zebra::dmn::tck
