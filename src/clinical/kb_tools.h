// Knowledge-base maintenance: check, list and diff (what a guideline update changes).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "clinical/clinical.h"

namespace zebra::dmn {
class Model;
}

namespace zebra::clinical {

// One decision-table rule as written in a knowledge DMN file (from dmn::Model::Describe()).
struct KbRule {
  std::string model;      // file name
  std::string decision;   // decision name
  std::string rule_id;
  int index = 0;          // 1-based row
  int line = 0;           // XML line
  std::vector<std::string> inputs;       // input entry texts
  std::vector<std::string> outputs;      // output entry texts
  std::vector<std::string> output_literals;  // the string literals of the output entries
  std::vector<std::string> annotations;  // annotation entry texts
  std::vector<std::string> annotation_names;
  std::string hit_policy;
};

// The rules of a loaded model; `file` names it in each KbRule.
std::vector<KbRule> KbRules(const dmn::Model& model, const std::string& file);
// Loads one DMN file and returns its rules (none, with the load errors, when it does not load).
std::vector<KbRule> ReadKbRules(const std::filesystem::path& dmn_file, std::vector<std::string>* errors);

struct KbCheckResult {
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
  int models = 0;
  int rules = 0;
  int options = 0;
  int citations = 0;
  // Case-field coverage: one line per field of the case schema, naming the rules that read it
  // (or the manifest's reason for leaving it informational, or "UNREAD").
  std::vector<std::string> field_report;
  int fields_read = 0;
  int fields_informational = 0;
  int generated_cases = 0;  // cases evaluated to prove the exclusive option groups
};

// Where a case field is read: "model:rule_id" for every decision-table rule that tests a column
// or computes an output depending on the field (through derived facts and earlier decisions).
struct FieldReaders {
  std::string field;                 // JSON path, e.g. patient.heart_failure, history.prior_therapies[].option
  std::vector<std::string> rules;
};
// "exclusive group G has 2 preferred options: a b" for each group of the manifest's
// exclusive_option_groups with more than one preferred option in this recommendation.
std::vector<std::string> ExclusiveGroupViolations(const nlohmann::ordered_json& manifest, const nlohmann::ordered_json& recommendation);

std::vector<FieldReaders> CaseFieldReaders(const std::filesystem::path& dir, std::vector<std::string>* errors);
std::vector<FieldReaders> CaseFieldReaders(const KnowledgeBase& kb);
// The case fields a FEEL text names as Case.a.b (without "Case."), in order of appearance.
std::vector<std::string> CasePaths(std::string_view text);

// Every model loads; every rule cites keys that exist; every option id in an output is in the
// catalogue; no duplicate rule ids; no two rules of a unique-hit table with identical inputs;
// every case field is read by a rule or marked informational (with a reason) in the manifest;
// no generated case prefers two options of one exclusive group (manifest exclusive_option_groups).
// Every patient text has its Arabic version (knowledge/patient/ar.json): kb check fails otherwise.
KbCheckResult CheckKnowledgeBase(const std::filesystem::path& dir);

// The patient texts of the knowledge (catalogue patient_text, patient_side_effects, involves,
// scenario and alert texts, questions to ask; patient/en.json names, benefits, if-not-chosen and
// summary pieces) that knowledge/patient/LANG.json lacks, as "patient/ar.json: options.X.benefits".
std::vector<std::string> MissingPatientTranslations(const KnowledgeBase& kb, const std::string& lang);

// Cases across sites, grades, sizes, extents, syndromes, hereditary status and setting (19,968):
// what kb check evaluates for the exclusive option groups, and tests use as generated cases.
std::vector<nlohmann::ordered_json> GeneratedCases();

// Human-readable listing: version, models, decisions, rule counts, options, citations.
std::string ListKnowledgeBase(const std::filesystem::path& dir);

// Rules, options and citations added, removed or changed between two knowledge directories.
std::string DiffKnowledgeBases(const std::filesystem::path& old_dir, const std::filesystem::path& new_dir);

}  // namespace zebra::clinical
