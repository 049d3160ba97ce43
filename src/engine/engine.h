// The one front door to case evaluation. The CLI (evaluate, fhir map, batch), the REST API and
// CDS Hooks reach the knowledge base only through this module: it reads the input (a case or a
// FHIR bundle, strictly), maps FHIR, validates, evaluates and serialises, each once, with one
// as_of policy. No front re-implements any of these steps, so their outputs cannot drift.
//
// A Knowledge is loaded once and is immutable: share it across threads.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "common/error.h"

namespace zebra::clinical {
struct KnowledgeBase;
}
namespace zebra::trials {
class Registry;
}

namespace zebra::engine {

using Json = nlohmann::ordered_json;

// One error shape for every input problem (common/error.h): code "invalid-json", "invalid-case",
// "invalid-fhir-bundle", "knowledge" or "io".
using Error = common::Error;
using Errors = common::Errors;
template <class T>
using Result = common::Result<T>;

class Knowledge {
 public:
  // Loads models, catalogue, citations, case schema and FHIR code tables from `dir`.
  static Result<std::shared_ptr<const Knowledge>> Load(const std::filesystem::path& dir);
  // $ZEBRA_KNOWLEDGE, ./knowledge, else Data().knowledge (installed, or the source tree's).
  static std::filesystem::path DefaultDir();

  const std::string& version() const;
  const std::string& release_date() const;
  const std::filesystem::path& dir() const;
  const Json& catalogue() const;   // {"options": {...}, "alerts": {...}, "workup": {...}}
  const Json& citations() const;
  const Json& case_schema() const;  // schema/case.schema.json, as the case reader uses it
  const Json& code_tables() const;  // knowledge/fhir/code_tables.json
  const Json& order_codes() const;  // knowledge/fhir/order_codes.json ("orders"), [] when absent
  // Is `id` an option of the catalogue?
  bool HasOption(std::string_view id) const;
  // The string literals each rule (by rule id) outputs, from the compiled models: which rule
  // yields which option or alert id.
  const std::map<std::string, std::vector<std::string>>& rule_outputs() const;
  // GET /v1/knowledge: version, date, models with their decisions and rule counts, options,
  // citations.
  const Json& summary() const;
  // The DMN source of a model, by model name or file name (the knowledge browser); null if none.
  const std::string* model_source(std::string_view name) const;

  const clinical::KnowledgeBase& base() const { return *base_; }
  // The clinical-trial registry snapshot and criteria (knowledge/trials/); empty when absent.
  const trials::Registry& trials() const { return *trials_; }

 private:
  Knowledge() = default;
  std::shared_ptr<const clinical::KnowledgeBase> base_;
  std::shared_ptr<const trials::Registry> trials_;
  Json code_tables_ = Json::object();
  Json order_codes_ = Json::array();
  std::map<std::string, std::vector<std::string>> rule_outputs_;
  Json summary_;
  std::map<std::string, std::string, std::less<>> model_sources_;
};

enum class InputKind {
  kAuto,        // a FHIR Bundle when the document says "resourceType": "Bundle", else a case
  kCase,        // zebra.case/v1
  kFhirBundle,  // FHIR R4 Bundle (mCODE, US Core)
};

struct CaseInput {
  std::string_view text;
  InputKind kind = InputKind::kAuto;
  // The date FHIR data is read at (age, months since): YYYY-MM-DD. Empty: the bundle's
  // `timestamp` (CDS Hooks stamps the bundle it assembles with the time of the call); without
  // one, age stays unknown. The one as_of policy of every front.
  std::string as_of;
};

enum class Format {
  kJson,      // `zebra evaluate` / POST /v1/evaluate bytes: two-space indent, final newline
  kJsonLine,  // compact, no newline (NDJSON)
  kText,      // for a terminal
  kHtml,      // a printable self-contained page
};

// One field of the case set before validation: `zebra evaluate --set PATH=VALUE`.
struct FieldValue {
  std::string path;  // "tumor.ki67_percent", "history.prior_therapies[0].stopped"
  Json value;
};

struct Options {
  Format format = Format::kJson;
  // Fields changed before the case is validated (after FHIR mapping); each is validated like any
  // case field.
  std::vector<FieldValue> set;
  // Adds `what_if` to the recommendation: the knowledge's probes (ranking.dmn "What If Probes")
  // each evaluated again with the field changed. Off by default: the output bytes stay as they were.
  bool what_if = false;
  // When set, the formatted recommendation is appended here instead of to Evaluation::output
  // (batch: straight into its output buffer, no string per case).
  std::string* append_to = nullptr;
  // With append_to and kJsonLine, when the caller reads only the text (batch): in English and
  // without what-if the answer is written as text from its decided parts (clinical::AppendAnswer)
  // and no tree is built; Evaluation::recommendation is then null and Evaluation::ids holds the
  // ids batch counts (scenario.id, options[].id, alerts[].id). The bytes are the same either way. A plain case
  // is then read straight into its FEEL value (clinical::ReadCaseForAnswer), and
  // Evaluation::case_json stays null (the fields the answer reads are kept by the thread).
  bool text_only = false;
  // Trials (issue 23): also list the studies a known fact rules out, with the reasons
  // (`zebra evaluate --trials all`), as `trials_excluded`.
  bool trials_all = false;
  // The date the registry snapshot's age is counted to (YYYY-MM-DD); empty: CaseInput::as_of,
  // else today (UTC).
  std::string today;
  // The language of the patient summary and option grid: "en" or "ar" (clinician texts stay
  // English). Another language the knowledge has no patient texts for is refused.
  std::string lang = "en";
};

// What batch counts of an answer written as text only (Options::text_only).
struct AnswerIds {
  bool has_scenario_id = false;  // scenario.id is a string
  std::string scenario_id;
  std::vector<std::string> option_ids;  // options[].id, in order
  std::vector<std::string> alert_ids;   // alerts[].id, in order
};

struct Evaluation {
  Json case_json;       // the validated case (after FHIR mapping)
  Json recommendation;  // zebra.recommendation/v1 (null when `ids` holds what batch reads)
  std::optional<AnswerIds> ids;  // Options::text_only, when the answer was written as text only
  std::string output;   // the recommendation in the requested format
  Json mapping_report;  // the FHIR mapping report; null when the input was a case
};

Result<Evaluation> Evaluate(const Knowledge& knowledge, const CaseInput& input, const Options& options = {});

// The first entry of a code table matching a CodeableConcept: the matcher `fhir map` uses
// (fhir::MatchCodeTable), for fronts that classify orders (CDS Hooks order-sign).
const Json* MatchCodeTable(const Json& code_tables, const Json& table, const Json& cc);

// A --set argument: PATH=VALUE, the value read as JSON, else as a string.
Result<FieldValue> ParseFieldValue(std::string_view arg);

// Sets `path` (dots and [index]) in a case, creating objects on the way; an error when the path
// runs through a value that is not an object or list, or an index past the end of a list.
Result<void> SetField(Json& case_json, const std::string& path, const Json& value);

// The what-if table of an evaluated case: for each probe and value, the case evaluated again with
// the field set; entries that change neither the options nor the first choice are left out.
Json WhatIf(const Knowledge& knowledge, const Json& case_json, const Json& recommendation, const Json& probes);

// A case read and validated, without evaluation (POST /v1/validate, stored revisions).
Result<Json> ReadCase(const Knowledge& knowledge, std::string_view text);

// A FHIR bundle mapped to a case, with the mapping report (`zebra fhir map`, POST /v1/fhir/map).
// The case is not validated here.
struct Mapping {
  Json case_json;
  Json report;
};
Result<Mapping> MapFhir(const Knowledge& knowledge, std::string_view bundle, const std::string& as_of = {});

// The formats of a recommendation, as Evaluate writes them. HTML resolves citations from
// `citations` (Knowledge::citations()) into a numbered reference list.
std::string Render(const Json& recommendation, Format format, const Json* citations = nullptr);

// "2 problems" style count.
std::string ProblemCount(std::size_t n);

// The notice every output carries once.
std::string_view SupportNotice();

// Where Zebra's data files are: beside an installed binary (PREFIX/bin/zebra →
// PREFIX/share/zebra/{knowledge,schema,web,examples/cases,openapi.json}, so an install can be moved
// as a whole), or else the source tree the binary was built from.
struct DataPaths {
  std::filesystem::path root;
  std::filesystem::path knowledge, web_root, demo_cases, openapi;
  bool installed = false;
};
const DataPaths& Data();

// Knowledge tooling behind `zebra kb`: the check (models, options, citations, field coverage,
// exclusive option groups and the trial registry) as the report it prints, and whether it passed.
struct KnowledgeReport {
  std::string out;  // the summary lines
  std::string err;  // "error: ..." and "warning: ..." lines
  bool ok = false;
};
KnowledgeReport CheckKnowledge(const std::filesystem::path& dir);
std::string ListKnowledge(const std::filesystem::path& dir);
std::string DiffKnowledge(const std::filesystem::path& old_dir, const std::filesystem::path& new_dir);

}  // namespace zebra::engine
