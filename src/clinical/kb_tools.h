// Knowledge-base maintenance: check, list and diff (what a guideline update changes).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace zebra::clinical {

// One decision-table rule as written in a knowledge DMN file.
struct KbRule {
  std::string model;      // file name
  std::string decision;   // decision name
  std::string rule_id;
  int index = 0;          // 1-based row
  int line = 0;           // XML line
  std::vector<std::string> inputs;       // input entry texts
  std::vector<std::string> outputs;      // output entry texts
  std::vector<std::string> annotations;  // annotation entry texts
  std::vector<std::string> annotation_names;
  std::string hit_policy;
};

std::vector<KbRule> ReadKbRules(const std::filesystem::path& dmn_file, std::vector<std::string>* errors);

struct KbCheckResult {
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
  int models = 0;
  int rules = 0;
  int options = 0;
  int citations = 0;
};

// Every model loads; every rule cites keys that exist; every option id in an output is in the
// catalogue; no duplicate rule ids; no two rules of a unique-hit table with identical inputs.
KbCheckResult CheckKnowledgeBase(const std::filesystem::path& dir);

// Human-readable listing: version, models, decisions, rule counts, options, citations.
std::string ListKnowledgeBase(const std::filesystem::path& dir);

// Rules, options and citations added, removed or changed between two knowledge directories.
std::string DiffKnowledgeBases(const std::filesystem::path& old_dir, const std::filesystem::path& new_dir);

}  // namespace zebra::clinical
