// The fuzz targets' bodies, shared by the libFuzzer executables (fuzz/*_fuzz.cc, clang) and the
// regression runner (fuzz/regression_runner.cc, any compiler), so that every committed crash
// input and seed is replayed by `make test` through exactly the code that was fuzzed.
//
// Each function must answer every input without crashing, hanging or leaking; a sanitizer report
// is a bug in the module that raised it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "clinical/clinical.h"
#include "dmn/model.h"
#include "feel/feel.h"
#include "fhir/fhir.h"
#include "json/feel_object.h"
#include "json/json_parse.h"

namespace zebra::fuzz {

// Inputs larger than this are skipped: the engines have their own size guards, and huge inputs
// only slow the fuzzer down without reaching new code.
inline constexpr size_t kMaxInputBytes = 256 * 1024;

inline int FeelOne(std::string_view text) {
  using namespace zebra::feel;
  if (text.size() > kMaxInputBytes) return 0;
  // A few names in scope so that names with spaces and paths get exercised too.
  Scope scope;
  scope.Declare("x");
  scope.Declare("Monthly Salary");
  scope.Declare("items");
  Context person;
  person.Put("age", Value::Number(42));
  person.Put("name", Value::String("Ann"));
  std::vector<Value> slots = {Value::Number(5), Value::Number(1000),
                              Value::FromList(List{Value::Number(1), Value::FromContext(person)})};
  EvalContext ctx;
  ctx.max_iterations = 100'000;  // keep each run fast; the limits themselves are under test
  ctx.max_depth = 200;
  ctx.now = DateTime{DateFromCivil(2024, 5, 1), Time{}};
  if (auto e = CompileExpression(text, scope)) {
    Value v = e->Evaluate(slots, ctx);
    (void)ToFeelLiteral(v);  // formatting must cope with every value
  }
  EvalContext ctx2;
  ctx2.max_iterations = 100'000;
  ctx2.max_depth = 200;
  if (auto t = CompileUnaryTests(text, scope)) {
    Value v = t->Test(Value::Number(5), slots, ctx2);
    (void)ToFeelLiteral(v);
  }
  return 0;
}

// DMN XML → model; then every decision with no inputs, with every input a number, and with every
// input a string; then every decision service with no inputs.
inline int DmnOne(std::string_view xml) {
  using namespace zebra;
  if (xml.size() > kMaxInputBytes) return 0;
  auto model = dmn::LoadModelFromString(xml, "<fuzz>");
  if (!model) return 0;
  const dmn::Model& m = **model;
  (void)m.diagnostics();
  dmn::EvaluateOptions options;
  options.now = feel::DateTime{feel::DateFromCivil(2024, 5, 1), feel::Time{}};
  std::vector<feel::Context> input_sets(3);
  for (const auto& name : m.InputDataNames()) {
    input_sets[1].Put(name, feel::Value::Number(5));
    input_sets[2].Put(name, feel::Value::String("a"));
  }
  for (const auto& inputs : input_sets) {
    auto r = m.Evaluate(inputs, {}, options);
    for (const auto& d : r.decisions) (void)feel::ToFeelLiteral(d.value);
  }
  for (const auto& s : m.DecisionServiceNames()) {
    auto r = m.InvokeService(s, input_sets[0], options);
    for (const auto& d : r.decisions) (void)feel::ToFeelLiteral(d.value);
  }
  return 0;
}

// The real knowledge base, loaded once per process.
inline const clinical::KnowledgeBase* FuzzKnowledgeBase() {
  static const std::shared_ptr<const clinical::KnowledgeBase> kb = [] {
    auto loaded = clinical::LoadKnowledgeBase(clinical::DefaultKnowledgeDir());
    return loaded ? *loaded : nullptr;
  }();
  return kb.get();
}

// A JSON object for `zebra dmn eval`: whatever the flat-object scanner accepts, the general
// parser must accept with the same context (keys in the same order, values deeply equal, numbers
// with the same digits); a disagreement aborts, so the fuzzer reports it like a crash.
inline int FeelObjectOne(std::string_view text) {
  if (text.size() > kMaxInputBytes) return 0;
  zebra::feel::Context fast;
  const bool scanned = zebra::json::ScanFlatFeelObject(text, fast);
  auto general = zebra::json::ParseFeelObjectGeneral(text);
  // The slot reader (inputs of a prepared evaluation) must agree too: whatever it reads, each
  // slot holds what the general parser has under that name, or null. Read twice, so the second
  // read runs with the key-order hint of the first, and once into slots left from other input.
  static zebra::json::SlotReader reader({"a", "b", "c", "Age", "Ki67", "Grade", ""});
  static std::vector<zebra::feel::Value> slots(7, zebra::feel::Value::Bool(true));
  for (int round = 0; round < 2; ++round) {
    if (!reader.Read(text, slots)) break;
    if (!general) std::abort();
    const char* names[] = {"a", "b", "c", "Age", "Ki67", "Grade", ""};
    for (size_t i = 0; i < slots.size(); ++i) {
      const zebra::feel::Value* v = general->Find(names[i]);
      const zebra::feel::Value expected = v ? *v : zebra::feel::Value();
      if (!zebra::feel::DeepEqual(slots[i], expected) ||
          zebra::feel::ToFeelLiteral(slots[i]) != zebra::feel::ToFeelLiteral(expected))
        std::abort();
    }
  }
  if (!scanned) return 0;
  if (!general) std::abort();
  const auto& a = fast.entries();
  const auto& b = general->entries();
  if (a.size() != b.size()) std::abort();
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].first != b[i].first || !zebra::feel::DeepEqual(a[i].second, b[i].second) ||
        zebra::feel::ToFeelLiteral(a[i].second) != zebra::feel::ToFeelLiteral(b[i].second))
      std::abort();
  }
  return 0;
}

// Two JSON trees alike in every respect the readers of a document can see: the same types
// (integer, unsigned and float apart), the same doubles bit for bit (-0.0 is not 0.0), the same
// strings, and objects with the same keys in the same order.
inline bool SameJson(const nlohmann::ordered_json& a, const nlohmann::ordered_json& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case nlohmann::ordered_json::value_t::number_float: {
      const double x = a.get<double>(), y = b.get<double>();
      return std::memcmp(&x, &y, sizeof x) == 0;
    }
    case nlohmann::ordered_json::value_t::array:
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i)
        if (!SameJson(a[i], b[i])) return false;
      return true;
    case nlohmann::ordered_json::value_t::object: {
      const auto& x = a.get_ref<const nlohmann::ordered_json::object_t&>();
      const auto& y = b.get_ref<const nlohmann::ordered_json::object_t&>();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i)
        if (x.begin()[i].first != y.begin()[i].first || !SameJson(x.begin()[i].second, y.begin()[i].second))
          return false;
      return true;
    }
    default: return a == b;
  }
}

// Any text for the strict JSON reader: whatever the fast reader (json::ParseFast) reads, the
// general SAX path must read to the same tree, under the default limits and under a case's
// (1 MiB, 32 levels); a disagreement aborts, so the fuzzer reports it like a crash.
inline int JsonFastOne(std::string_view text) {
  if (text.size() > kMaxInputBytes) return 0;
  for (const json::ParseLimits limits : {json::ParseLimits{}, json::ParseLimits{1 << 20, 32}}) {
    auto fast = json::ParseFast(text, limits);
    if (!fast) continue;
    auto general = json::ParseStrictGeneral(text, limits);
    if (!general || !SameJson(*fast, *general)) std::abort();
    if (fast->dump() != general->dump()) std::abort();
  }
  return 0;
}

// Case JSON → schema validation → evaluation against the knowledge base → text and HTML; and
// the one-pass reader of zebra batch (ReadCaseForAnswer) against ParseCase: it reads only cases
// ParseCase accepts, into the value the models read from ParseCase's case, with the same answer.
inline int CaseOne(std::string_view text) {
  using namespace zebra;
  if (text.size() > kMaxInputBytes) return 0;
  const clinical::KnowledgeBase* kb = FuzzKnowledgeBase();
  if (!kb) __builtin_trap();  // the harness itself is broken: say so loudly
  auto direct = clinical::ReadCaseForAnswer(text, *kb);
  auto c = clinical::ParseCase(text, *kb);
  if (direct && !c) __builtin_trap();
  if (!c) return 0;
  feel::Value case_value;
  clinical::EvaluateOptions options;
  options.case_value = &case_value;
  clinical::Json rec = clinical::Evaluate(*kb, *c, options);
  (void)clinical::RenderText(rec);
  (void)clinical::RenderHtml(rec);
  if (direct) {
    if (!feel::DeepEqual(direct->value, case_value)) __builtin_trap();
    auto answer_text = [&](const clinical::Json& case_json, clinical::Answer answer) {
      std::string out;
      clinical::AppendAnswer(*kb, case_json, answer, out);
      return out;
    };
    if (answer_text(direct->fields, clinical::EvaluateAnswer(*kb, direct->fields, direct->value)) !=
        answer_text(*c, clinical::EvaluateAnswer(*kb, *c)))
      __builtin_trap();
  }
  return 0;
}

inline const fhir::Json* FuzzCodeTables() {
  static const std::unique_ptr<fhir::Json> tables = [] {
    auto t = fhir::LoadCodeTables(fhir::DefaultCodeTablesPath(clinical::DefaultKnowledgeDir()));
    return t ? std::make_unique<fhir::Json>(std::move(*t)) : nullptr;
  }();
  return tables.get();
}

// FHIR Bundle → case; a mapped case is validated and, when valid, evaluated (what
// `zebra evaluate --fhir` does).
inline int FhirOne(std::string_view text) {
  using namespace zebra;
  if (text.size() > kMaxInputBytes) return 0;
  const fhir::Json* tables = FuzzCodeTables();
  const clinical::KnowledgeBase* kb = FuzzKnowledgeBase();
  if (!tables || !kb) __builtin_trap();
  fhir::MapOptions options;
  options.as_of = "2025-01-01";
  auto mapped = fhir::MapBundle(text, *tables, options);
  if (!mapped) return 0;
  (void)mapped->report.dump();
  auto c = clinical::ParseCase(mapped->case_json.dump(), *kb);
  if (!c) return 0;
  (void)clinical::Evaluate(*kb, *c);
  return 0;
}

}  // namespace zebra::fuzz
