#include "tck/tck.h"

#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <memory>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <system_error>

#include "dmn/model.h"

namespace zebra::dmn::tck {
namespace {

// Whitespace-only text is data when it is an element's whole content: an expected string value
// `<value xsi:type="xsd:string"> </value>` is " ", not "" (pugixml drops such text by default).
constexpr unsigned kXmlParse = pugi::parse_default | pugi::parse_ws_pcdata_single;

namespace fs = std::filesystem;
using feel::Value;

// Element and attribute names without their namespace prefix ("tc:value" → "value").
std::string_view LocalName(std::string_view name) {
  size_t colon = name.rfind(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

std::string_view Trim(std::string_view s) {
  const char* ws = " \t\r\n";
  size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

// The xsi:nil / xsi:type attribute of an element (any prefix bound to XMLSchema-instance; the
// TCK files always use a prefix, so an unprefixed "type" is not taken).
std::optional<std::string_view> XsiAttribute(const pugi::xml_node& node, std::string_view local) {
  for (const auto& attr : node.attributes()) {
    std::string_view name = attr.name();
    if (name.find(':') == std::string_view::npos) continue;
    if (LocalName(name) == local && name.substr(0, 6) != "xmlns:") return std::string_view(attr.value());
  }
  return std::nullopt;
}

bool IsTrue(std::string_view s) {
  s = Trim(s);
  return s == "true" || s == "1";
}

bool IsNil(const pugi::xml_node& node) {
  auto nil = XsiAttribute(node, "nil");
  return nil && IsTrue(*nil);
}

std::vector<pugi::xml_node> ChildElements(const pugi::xml_node& node, std::string_view local) {
  std::vector<pugi::xml_node> out;
  for (const auto& child : node.children())
    if (child.type() == pugi::node_element && LocalName(child.name()) == local) out.push_back(child);
  return out;
}

pugi::xml_node FirstChild(const pugi::xml_node& node, std::string_view local) {
  for (const auto& child : node.children())
    if (child.type() == pugi::node_element && LocalName(child.name()) == local) return child;
  return {};
}

// All character data of an element (pugixml splits text around comments and CDATA).
std::string TextOf(const pugi::xml_node& node) {
  std::string out;
  for (const auto& child : node.children())
    if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) out += child.value();
  return out;
}

tl::expected<Value, std::string> ParseDuration(std::string_view text) {
  std::string_view s = text;
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  if (s.empty() || s[0] != 'P') return tl::unexpected("invalid duration '" + std::string(text) + "'");
  s.remove_prefix(1);
  size_t t = s.find('T');
  std::string_view date_part = s.substr(0, t);
  bool years_months = date_part.find_first_of("YM") != std::string_view::npos;
  bool days_time = date_part.find('D') != std::string_view::npos || t != std::string_view::npos;
  if (years_months && days_time)
    return tl::unexpected("duration '" + std::string(text) + "' mixes years/months with days/time; FEEL has no such value");
  if (years_months) {
    if (auto d = feel::ParseYearsMonthsDuration(text)) return Value::Duration(*d);
  } else if (auto d = feel::ParseDaysTimeDuration(text)) {
    return Value::Duration(*d);
  }
  return tl::unexpected("invalid duration '" + std::string(text) + "'");
}

std::string Describe(const Value& v) { return feel::ToFeelLiteral(v); }

std::string JoinDiagnostics(const std::vector<feel::Diagnostic>& diags) {
  std::string out;
  for (const auto& d : diags) {
    if (!out.empty()) out += "; ";
    out += d.message;
  }
  return out;
}

std::string DescribeLoadErrors(const common::Errors& diags) {
  std::string out = "model failed to load:";
  size_t shown = 0;
  for (const auto& d : diags) {
    if (++shown > 10) {
      out += "\n    ... " + std::to_string(diags.size() - 10) + " more";
      break;
    }
    out += "\n    " + d.ToString();
  }
  return out;
}

bool IsTestFile(const fs::path& p) {
  std::string name = p.filename().string();
  return p.extension() == ".xml" && name.find("-test-") != std::string::npos;
}

std::vector<fs::path> FilesOf(const fs::path& folder, bool (*pred)(const fs::path&)) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code fec;
    if (it->is_regular_file(fec) && pred(it->path())) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool IsDmnFile(const fs::path& p) { return p.extension() == ".dmn"; }

// One test case to run, with the suite it came from.
struct Job {
  const TestSuite* suite = nullptr;
  const TestCase* test = nullptr;
  std::string id;
};

// The models of a folder, loaded once per process that runs its cases.
struct LoadedFolder {
  std::vector<fs::path> files;
  std::vector<std::shared_ptr<const Model>> models;
  std::string error;
};

LoadedFolder LoadFolder(const fs::path& folder, const ModelLoader& loader) {
  LoadedFolder out;
  out.files = FilesOf(folder, IsDmnFile);
  if (out.files.empty()) {
    out.error = "no .dmn file in " + folder.string();
    return out;
  }
  LoadOptions options;
  options.import_paths.push_back(folder);
  auto loaded = loader ? loader(out.files, options) : LoadModels(out.files, options);
  if (!loaded) {
    out.error = DescribeLoadErrors(loaded.error());
    return out;
  }
  out.models = std::move(*loaded);
  return out;
}

// The model a suite targets: <modelName> names the file (as in the TCK) or the model itself.
const Model* TargetModel(const LoadedFolder& loaded, const TestSuite& suite) {
  if (loaded.models.empty()) return nullptr;
  for (size_t i = 0; i < loaded.files.size() && i < loaded.models.size(); ++i)
    if (loaded.files[i].filename().string() == suite.model_name) return loaded.models[i].get();
  for (const auto& m : loaded.models)
    if (m && m->name() == suite.model_name) return m.get();
  // No (matching) modelName: the model named like the test file, else the first one.
  std::string stem = fs::path(suite.file).stem().string();
  for (size_t i = 0; i < loaded.files.size() && i < loaded.models.size(); ++i)
    if (stem.rfind(loaded.files[i].stem().string() + "-test", 0) == 0) return loaded.models[i].get();
  return loaded.models.front().get();
}

// Looks up a result node's value among the decisions a call returned. A decision service with
// a single output may report it under the service's name; then that is the value.
const DecisionResult* FindResult(const EvaluationResult& result, const std::string& name) {
  if (const DecisionResult* r = result.Find(name)) return r;
  if (result.decisions.size() == 1) return &result.decisions.front();
  return nullptr;
}

CaseResult RunCase(const LoadedFolder& loaded, const Job& job) {
  CaseResult out;
  out.id = job.id;
  const TestCase& test = *job.test;
  if (!loaded.error.empty()) {
    out.error = loaded.error;
    return out;
  }
  if (!test.error.empty()) {
    out.error = test.error;
    return out;
  }
  const Model* model = TargetModel(loaded, *job.suite);
  if (model == nullptr) {
    out.error = "no model for '" + job.suite->model_name + "'";
    return out;
  }
  feel::Context inputs;
  for (const auto& in : test.inputs) inputs.Put(in.name, in.value);

  EvaluateOptions options;
  options.trace = false;
  EvaluationResult result;
  if (test.type == CaseType::kDecision) {
    std::vector<std::string> names;
    for (const auto& r : test.results) names.push_back(r.name);
    result = model->Evaluate(inputs, names, options);
  } else {
    std::string name = test.invocable_name.empty() && test.type == CaseType::kBkm && !test.results.empty()
                           ? test.results.front().name
                           : test.invocable_name;
    result = model->InvokeService(name, inputs, options);
  }

  out.passed = true;
  for (const auto& node : test.results) {
    const DecisionResult* r = test.type == CaseType::kDecision ? result.Find(node.name) : FindResult(result, node.name);
    Value actual = r ? r->value : Value();
    if (ResultMatches(node, actual)) continue;
    out.passed = false;
    Mismatch m;
    m.node = node.name;
    m.expected = node.error_result ? "null (errorResult)" : Describe(node.expected);
    m.actual = Describe(actual);
    m.detail = r ? JoinDiagnostics(r->diagnostics) : "no result named '" + node.name + "'";
    out.mismatches.push_back(std::move(m));
  }
  return out;
}

// Never lets an exception out of one case (the engine must not throw, but a bug must not stop
// the run either).
CaseResult RunCaseGuarded(const LoadedFolder& loaded, const Job& job) {
  try {
    return RunCase(loaded, job);
  } catch (const std::exception& e) {
    CaseResult out;
    out.id = job.id;
    out.error = std::string("exception: ") + e.what();
    return out;
  } catch (...) {
    CaseResult out;
    out.id = job.id;
    out.error = "unknown exception";
    return out;
  }
}

LoadedFolder LoadFolderGuarded(const fs::path& folder, const ModelLoader& loader) {
  try {
    return LoadFolder(folder, loader);
  } catch (const std::exception& e) {
    LoadedFolder out;
    out.error = std::string("exception while loading models: ") + e.what();
    return out;
  } catch (...) {
    LoadedFolder out;
    out.error = "unknown exception while loading models";
    return out;
  }
}

// --- child-process isolation -----------------------------------------------------------------
// The child writes one JSON object per line: {"loaded":true} once the models are loaded, then
// {"i":index,"passed":...,"error":...,"m":[[node,expected,actual,detail],...]} per case.

std::string SerializeCase(size_t index, const CaseResult& r) {
  nlohmann::json j;
  j["i"] = index;
  j["passed"] = r.passed;
  j["error"] = r.error;
  auto m = nlohmann::json::array();
  for (const auto& x : r.mismatches) m.push_back({x.node, x.expected, x.actual, x.detail});
  j["m"] = std::move(m);
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

bool WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

[[noreturn]] void ChildMain(int fd, const fs::path& folder, const std::vector<Job>& jobs, size_t start,
                            const ModelLoader& loader) {
  rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);  // a crashing case must not leave core files behind
  LoadedFolder loaded = LoadFolderGuarded(folder, loader);
  WriteAll(fd, "{\"loaded\":true}\n");
  for (size_t i = start; i < jobs.size(); ++i)
    if (!WriteAll(fd, SerializeCase(i, RunCaseGuarded(loaded, jobs[i])))) break;
  ::close(fd);
  ::_exit(0);  // no atexit handlers or static destructors of the parent's state
}

std::string DescribeStatus(int status) {
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    const char* name = strsignal(sig);
    return "crashed (signal " + std::to_string(sig) + (name ? std::string(", ") + name : "") + ")";
  }
  if (WIFEXITED(status)) return "child exited with status " + std::to_string(WEXITSTATUS(status));
  return "child ended abnormally";
}

bool ParseCaseLine(const std::string& line, const std::vector<Job>& jobs, std::vector<CaseResult>& results,
                   size_t& next, bool& loaded) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  if (j.contains("loaded")) {
    loaded = true;
    return true;
  }
  if (!j.contains("i") || !j["i"].is_number_unsigned()) return false;
  size_t i = j["i"].get<size_t>();
  if (i >= jobs.size()) return false;
  CaseResult& r = results[i];
  r.id = jobs[i].id;
  r.passed = j.value("passed", false);
  r.error = j.value("error", std::string());
  r.mismatches.clear();
  if (j.contains("m") && j["m"].is_array()) {
    for (const auto& m : j["m"]) {
      if (!m.is_array() || m.size() != 4) continue;
      r.mismatches.push_back({m[0].get<std::string>(), m[1].get<std::string>(), m[2].get<std::string>(),
                              m[3].get<std::string>()});
    }
  }
  next = i + 1;
  return true;
}

void KillAndReap(pid_t pid) {
  ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

// Runs jobs[start..] in one child; returns the index of the first job it did not finish and,
// when the child died or hung, why.
struct ChildOutcome {
  size_t next = 0;
  bool died = false;
  bool died_loading = false;
  std::string why;
};

ChildOutcome RunChild(const fs::path& folder, const std::vector<Job>& jobs, size_t start,
                      std::vector<CaseResult>& results, const RunOptions& options) {
  ChildOutcome out;
  out.next = start;
  int fds[2];
  if (::pipe(fds) != 0) {
    out.died = true;
    out.why = std::string("pipe failed: ") + std::strerror(errno);
    return out;
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    out.died = true;
    out.why = std::string("fork failed: ") + std::strerror(errno);
    return out;
  }
  if (pid == 0) {
    ::close(fds[0]);
    ChildMain(fds[1], folder, jobs, start, options.loader);
  }
  ::close(fds[1]);
  int fd = fds[0];
  bool loaded = false;
  std::string buffer;
  using Clock = std::chrono::steady_clock;
  // Loading all models of a folder gets a longer allowance than one case.
  auto deadline = Clock::now() + std::chrono::seconds(options.case_timeout_seconds * 2);
  bool timed_out = false;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fd, POLLIN, 0};
    int rc = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (rc < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (rc == 0) continue;
    char chunk[65536];
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (n == 0) break;  // child closed the pipe (finished or died)
    buffer.append(chunk, static_cast<size_t>(n));
    size_t pos;
    while ((pos = buffer.find('\n')) != std::string::npos) {
      std::string line = buffer.substr(0, pos);
      buffer.erase(0, pos + 1);
      if (ParseCaseLine(line, jobs, results, out.next, loaded))
        deadline = Clock::now() + std::chrono::seconds(options.case_timeout_seconds);
    }
  }
  ::close(fd);
  if (timed_out) {
    KillAndReap(pid);
    out.died = out.next < jobs.size();
    out.died_loading = !loaded;
    out.why = loaded ? "timed out after " + std::to_string(options.case_timeout_seconds) + " s"
                     : "timed out while loading models";
    return out;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (out.next < jobs.size()) {
    out.died = true;
    out.died_loading = !loaded;
    out.why = DescribeStatus(status);
    if (!loaded) out.why += " while loading models";
  }
  return out;
}

}  // namespace

// --- values ------------------------------------------------------------------------------------

tl::expected<Value, std::string> ParseTypedValue(std::string_view xsi_type, std::string_view raw) {
  std::string_view type = LocalName(xsi_type);
  if (type.empty() || type == "string" || type == "anySimpleType" || type == "normalizedString" ||
      type == "token" || type == "anyURI")
    return Value::String(std::string(raw));
  std::string_view text = Trim(raw);
  if (type == "decimal" || type == "double" || type == "float" || type == "integer" || type == "int" ||
      type == "long" || type == "short" || type == "byte" || type == "nonNegativeInteger" ||
      type == "positiveInteger" || type == "negativeInteger" || type == "nonPositiveInteger" ||
      type == "unsignedInt" || type == "unsignedLong") {
    std::string_view digits = text;
    if (!digits.empty() && digits[0] == '+') digits.remove_prefix(1);
    if (auto d = feel::Decimal::FromString(digits)) return Value::Number(*d);
    return tl::unexpected("invalid " + std::string(type) + " '" + std::string(text) + "'");
  }
  if (type == "boolean") {
    if (text == "true" || text == "1") return Value::Bool(true);
    if (text == "false" || text == "0") return Value::Bool(false);
    return tl::unexpected("invalid boolean '" + std::string(text) + "'");
  }
  if (type == "date") {
    if (auto d = feel::ParseDate(text)) return Value::FromDate(*d);
    return tl::unexpected("invalid date '" + std::string(text) + "'");
  }
  if (type == "time") {
    if (auto t = feel::ParseTime(text)) return Value::FromTime(*t);
    return tl::unexpected("invalid time '" + std::string(text) + "'");
  }
  if (type == "dateTime") {
    if (auto dt = feel::ParseDateTime(text)) return Value::FromDateTime(*dt);
    return tl::unexpected("invalid dateTime '" + std::string(text) + "'");
  }
  if (type == "duration") return ParseDuration(text);
  if (type == "yearMonthDuration") {
    if (auto d = feel::ParseYearsMonthsDuration(text)) return Value::Duration(*d);
    return tl::unexpected("invalid yearMonthDuration '" + std::string(text) + "'");
  }
  if (type == "dayTimeDuration") {
    if (auto d = feel::ParseDaysTimeDuration(text)) return Value::Duration(*d);
    return tl::unexpected("invalid dayTimeDuration '" + std::string(text) + "'");
  }
  return tl::unexpected("unsupported xsi:type '" + std::string(xsi_type) + "'");
}

tl::expected<Value, std::string> ParseValueElement(const pugi::xml_node& node) {
  if (!node) return Value();
  if (IsNil(node)) return Value();
  for (const auto& child : node.children()) {
    if (child.type() != pugi::node_element) continue;
    std::string_view name = LocalName(child.name());
    if (name == "value") {
      if (IsNil(child)) return Value();
      auto type = XsiAttribute(child, "type");
      return ParseTypedValue(type ? *type : std::string_view(), TextOf(child));
    }
    if (name == "list") {
      if (IsNil(child)) return Value();
      feel::List items;
      for (const auto& item : ChildElements(child, "item")) {
        auto v = ParseValueElement(item);
        if (!v) return v;
        items.push_back(std::move(*v));
      }
      return Value::FromList(std::move(items));
    }
    if (name == "component") {
      feel::Context context;
      for (const auto& component : ChildElements(node, "component")) {
        auto v = ParseValueElement(component);
        if (!v) return tl::unexpected("component '" + std::string(component.attribute("name").value()) + "': " + v.error());
        context.Put(component.attribute("name").value(), std::move(*v));
      }
      return Value::FromContext(std::move(context));
    }
  }
  return Value();
}

tl::expected<Value, std::string> ParseValueXml(std::string_view xml) {
  pugi::xml_document doc;
  auto parsed = doc.load_buffer(xml.data(), xml.size(), kXmlParse);
  if (!parsed) return tl::unexpected(std::string("XML error: ") + parsed.description());
  return ParseValueElement(doc.document_element());
}

// --- suites ------------------------------------------------------------------------------------

tl::expected<TestSuite, std::string> ParseTestSuiteXml(std::string_view xml, std::string_view file) {
  pugi::xml_document doc;
  auto parsed = doc.load_buffer(xml.data(), xml.size(), kXmlParse);
  if (!parsed)
    return tl::unexpected(std::string(file) + ": XML error at offset " + std::to_string(parsed.offset) + ": " +
                          parsed.description());
  pugi::xml_node root = doc.document_element();
  if (LocalName(root.name()) != "testCases")
    return tl::unexpected(std::string(file) + ": root element is <" + root.name() + ">, not <testCases>");
  TestSuite suite;
  suite.file = std::string(file);
  suite.model_name = std::string(Trim(TextOf(FirstChild(root, "modelName"))));
  int index = 0;
  for (const auto& node : ChildElements(root, "testCase")) {
    ++index;
    TestCase test;
    test.id = node.attribute("id").value();
    if (test.id.empty()) test.id = node.attribute("name").value();
    if (test.id.empty()) test.id = "#" + std::to_string(index);
    test.description = std::string(Trim(TextOf(FirstChild(node, "description"))));
    std::string_view type = node.attribute("type").value();
    if (type.empty() || type == "decision") {
      test.type = CaseType::kDecision;
    } else if (type == "bkm") {
      test.type = CaseType::kBkm;
    } else if (type == "decisionService") {
      test.type = CaseType::kDecisionService;
    } else {
      test.error = "unknown test case type '" + std::string(type) + "'";
    }
    test.invocable_name = node.attribute("invocableName").value();
    for (const auto& in : ChildElements(node, "inputNode")) {
      InputNode input;
      input.name = in.attribute("name").value();
      input.namespace_uri = in.attribute("namespace").value();
      auto v = ParseValueElement(in);
      if (!v && test.error.empty()) test.error = "input '" + input.name + "': " + v.error();
      if (v) input.value = std::move(*v);
      test.inputs.push_back(std::move(input));
    }
    for (const auto& res : ChildElements(node, "resultNode")) {
      ResultNode result;
      result.name = res.attribute("name").value();
      result.error_result = IsTrue(res.attribute("errorResult").value());
      auto v = ParseValueElement(FirstChild(res, "expected"));
      if (!v && test.error.empty()) test.error = "expected value of '" + result.name + "': " + v.error();
      if (v) result.expected = std::move(*v);
      test.results.push_back(std::move(result));
    }
    suite.cases.push_back(std::move(test));
  }
  return suite;
}

tl::expected<TestSuite, std::string> ParseTestSuite(const fs::path& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return tl::unexpected(file.string() + ": not a readable file");
  FILE* f = std::fopen(file.c_str(), "rb");
  if (f == nullptr) return tl::unexpected(file.string() + ": " + std::strerror(errno));
  std::string text;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  std::fclose(f);
  return ParseTestSuiteXml(text, file.string());
}

// --- comparison --------------------------------------------------------------------------------

bool TckEqual(const Value& expected, const Value& actual) {
  if (expected.type() != actual.type()) return false;
  switch (expected.type()) {
    case feel::Type::kNumber: {
      // Absolute tolerance of the TCK's reference runners (NUMBER_COMPARISON_PRECISION).
      static const feel::Decimal kTolerance = *feel::Decimal::FromString("0.00000001");
      auto diff = expected.number().Sub(actual.number());
      return diff && diff->Abs() < kTolerance;
    }
    case feel::Type::kList: {
      const feel::List& e = expected.list();
      const feel::List& a = actual.list();
      if (e.size() != a.size()) return false;
      for (size_t i = 0; i < e.size(); ++i)
        if (!TckEqual(e[i], a[i])) return false;
      return true;
    }
    case feel::Type::kContext: {
      const feel::Context& e = expected.context();
      const feel::Context& a = actual.context();
      if (e.size() != a.size()) return false;
      for (const auto& [key, value] : e.entries()) {
        const Value* other = a.Find(key);
        if (other == nullptr || !TckEqual(value, *other)) return false;
      }
      return true;
    }
    default: return feel::DeepEqual(expected, actual);
  }
}

bool ResultMatches(const ResultNode& node, const Value& actual) {
  if (node.error_result) return actual.is_null();
  return TckEqual(node.expected, actual);
}

// --- running -----------------------------------------------------------------------------------

std::vector<fs::path> FindTestFolders(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  if (!FilesOf(dir, IsTestFile).empty()) {
    out.push_back(dir);
    return out;
  }
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code dec;
    if (it->is_directory(dec) && !FilesOf(it->path(), IsTestFile).empty()) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

FolderResult RunFolder(const fs::path& folder, const RunOptions& options) {
  FolderResult out;
  out.folder = folder;
  fs::path normal = folder.lexically_normal();
  if (normal.filename().empty()) normal = normal.parent_path();
  out.level = normal.parent_path().filename().string();
  std::string folder_name = normal.filename().string();

  std::vector<TestSuite> suites;
  auto files = FilesOf(folder, IsTestFile);
  if (files.empty()) {
    out.error = "no *-test-*.xml file in " + folder.string();
    return out;
  }
  for (const auto& file : files) {
    auto suite = ParseTestSuite(file);
    if (!suite) {
      // The whole file is unreadable: it counts as one failed case.
      CaseResult r;
      r.id = folder_name + "/" + file.filename().string();
      r.error = suite.error();
      out.cases.push_back(std::move(r));
      continue;
    }
    suites.push_back(std::move(*suite));
  }
  std::vector<Job> jobs;
  for (const auto& suite : suites) {
    std::string prefix = folder_name + "/";
    if (suites.size() > 1) prefix += fs::path(suite.file).stem().string() + "/";
    for (const auto& test : suite.cases) jobs.push_back({&suite, &test, prefix + test.id});
  }

  std::vector<CaseResult> results(jobs.size());
  for (size_t i = 0; i < jobs.size(); ++i) results[i].id = jobs[i].id;
  if (!options.isolate) {
    LoadedFolder loaded = LoadFolderGuarded(folder, options.loader);
    for (size_t i = 0; i < jobs.size(); ++i) results[i] = RunCaseGuarded(loaded, jobs[i]);
  } else {
    size_t start = 0;
    while (start < jobs.size()) {
      ChildOutcome child = RunChild(folder, jobs, start, results, options);
      if (!child.died) break;
      if (child.died_loading) {
        for (size_t i = child.next; i < jobs.size(); ++i) results[i].error = child.why;
        break;
      }
      results[child.next].passed = false;
      results[child.next].error = child.why;
      start = child.next + 1;
    }
  }
  for (auto& r : results) out.cases.push_back(std::move(r));
  return out;
}

}  // namespace zebra::dmn::tck
