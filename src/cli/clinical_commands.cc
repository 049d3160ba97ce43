// zebra evaluate, zebra kb check|list|diff
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "engine/engine.h"
#include "common/file.h"
#include "json/json_parse.h"
#include "json/json_writer.h"

namespace zebra::cli {
namespace {

bool ReadInput(const std::string& path, Io io, std::string& out) {
  if (path == "-") {
    std::stringstream ss;
    ss << io.in.rdbuf();
    out = ss.str();
    return true;
  }
  auto text = common::ReadFile(path);
  if (!text) return false;
  out = std::move(*text);
  return true;
}

// Prints each input error as "  path: message" under a heading.
void PrintErrors(std::ostream& err, std::string_view heading, const engine::Errors& errors) {
  err << heading << " (" << engine::ProblemCount(errors.size()) << "):\n";
  for (const auto& e : errors) err << "  " << e.path << ": " << e.message << "\n";
}

std::shared_ptr<const engine::Knowledge> LoadKnowledge(const std::string& dir, std::string_view command, Io io) {
  auto k = engine::Knowledge::Load(dir.empty() ? engine::Knowledge::DefaultDir() : std::filesystem::path(dir));
  if (!k) {
    io.err << "zebra " << command << ": the knowledge base does not load:\n";
    for (const auto& e : k.error()) io.err << "  " << e.message << "\n";
    return nullptr;
  }
  return *k;
}

}  // namespace

int EvaluateCommand(const Args& args, Io io) {
  CLI::App app{"Evaluate a zebra.case/v1 (or a FHIR R4 Bundle) against the knowledge base.", "zebra evaluate"};
  std::string input;
  std::string format = "json";
  std::string knowledge;
  std::string fhir_bundle, as_of;
  std::string lang = "en";
  app.add_option("case", input,
                 "case JSON file, or - for standard input; a FHIR Bundle is recognised by its resourceType, and "
                 "the output of `zebra fhir map` by its \"case\" member");
  app.add_option("--fhir", fhir_bundle, "a FHIR R4 Bundle (mCODE) instead of a case");
  app.add_option("--as-of", as_of, "for FHIR input: date (YYYY-MM-DD) for computing age (default: bundle timestamp)");
  app.add_option("--format", format, "json, text or html")->check(CLI::IsMember({"json", "text", "html"}));
  app.add_option("--knowledge", knowledge, "knowledge directory (default: ./knowledge)");
  std::vector<std::string> sets;
  bool what_if = false;
  app.add_option("--set", sets,
                 "PATH=VALUE: evaluate with this case field changed (repeatable; VALUE read as JSON, else as a "
                 "string), e.g. --set tumor.ki67_percent=12");
  app.add_flag("--what-if", what_if, "add the what-if table (missing fields and values near a cut-off, re-evaluated)");
  std::string trials = "fitting", today;
  app.add_option("--trials", trials, "fitting (default) or all: also list the studies a known fact rules out, with why")
      ->check(CLI::IsMember({"fitting", "all"}));
  app.add_option("--today", today, "date (YYYY-MM-DD) the trial registry snapshot's age is counted to (default: today)");
  app.add_option("--lang", lang, "language of the patient summary and option grid: en or ar (clinician texts stay English)")
      ->check(CLI::IsMember({"en", "ar"}));
  if (auto rc = ParseCommandLine(app, args, io, "evaluate")) return *rc;
  if (input.empty() == fhir_bundle.empty()) {
    io.err << "zebra evaluate: give either a case file or --fhir BUNDLE.json\n";
    return 2;
  }
  auto k = LoadKnowledge(knowledge, "evaluate", io);
  if (!k) return knowledge.empty() ? 1 : 2;  // a --knowledge that does not load is bad input
  std::string text;
  const std::string& path = fhir_bundle.empty() ? input : fhir_bundle;
  if (!ReadInput(path, io, text)) {
    io.err << "zebra evaluate: cannot read " << path << "\n";
    return 2;
  }
  // `zebra fhir map` prints {"case": ..., "report": ...}: its case can be piped in as it is.
  if (fhir_bundle.empty()) {
    if (auto doc = json::ParseStrict(text); doc && doc->is_object() && doc->size() == 2 && doc->contains("case") &&
                                            doc->contains("report") && (*doc)["case"].is_object()) {
      std::string inner;
      json::AppendJson(inner, (*doc)["case"]);
      text = std::move(inner);
    }
  }
  engine::CaseInput in{text, fhir_bundle.empty() ? engine::InputKind::kAuto : engine::InputKind::kFhirBundle, as_of};
  engine::Options options;
  options.format = format == "text" ? engine::Format::kText
                   : format == "html" ? engine::Format::kHtml
                                      : engine::Format::kJson;
  options.what_if = what_if;
  for (const auto& s : sets) {
    auto f = engine::ParseFieldValue(s);
    if (!f) {
      PrintErrors(io.err, "zebra evaluate: invalid --set", f.error());
      return 2;
    }
    options.set.push_back(std::move(*f));
  }
  options.trials_all = trials == "all";
  options.today = today;
  options.lang = lang;
  auto evaluated = engine::Evaluate(*k, in, options);
  if (!evaluated) {
    const auto& errors = evaluated.error();
    const bool bundle = !errors.empty() && errors[0].code == "invalid-fhir-bundle";
    PrintErrors(io.err, bundle ? "zebra evaluate: invalid FHIR bundle" : "zebra evaluate: invalid case", errors);
    return 2;
  }
  io.out << evaluated->output;
  return 0;
}

int KbCommand(const Args& args, Io io) {
  CLI::App app{"Validate, list and compare knowledge bases.", "zebra kb"};
  app.require_subcommand(1);
  std::string dir;
  auto* check = app.add_subcommand("check", "validate the knowledge base");
  check->add_option("dir", dir, "knowledge directory (default: ./knowledge)");
  auto* list = app.add_subcommand("list", "list models, decisions, options and citations");
  list->add_option("dir", dir, "knowledge directory (default: ./knowledge)");
  std::string old_dir, new_dir;
  auto* diff = app.add_subcommand("diff", "what changed between two knowledge bases");
  diff->add_option("old", old_dir, "old knowledge directory")->required();
  diff->add_option("new", new_dir, "new knowledge directory")->required();
  if (auto rc = ParseCommandLine(app, args, io, "kb")) return *rc;
  std::filesystem::path d = dir.empty() ? engine::Knowledge::DefaultDir() : std::filesystem::path(dir);
  if (check->parsed()) {
    engine::KnowledgeReport report = engine::CheckKnowledge(d);
    io.err << report.err;
    io.out << report.out;
    return report.ok ? 0 : 2;
  }
  if (list->parsed()) {
    io.out << engine::ListKnowledge(d);
    return 0;
  }
  io.out << engine::DiffKnowledge(old_dir, new_dir);
  return 0;
}

int FhirCommand(const Args& args, Io io) {
  CLI::App app{"Map a FHIR R4 Bundle (mCODE) to a zebra.case/v1, with a report of where each field came from.",
               "zebra fhir"};
  app.require_subcommand(1);
  std::string bundle, as_of, knowledge;
  auto* map = app.add_subcommand("map", "print the mapped case and the mapping report");
  map->add_option("bundle", bundle, "FHIR Bundle JSON file, or - for standard input")->required();
  map->add_option("--as-of", as_of, "date (YYYY-MM-DD) for computing age; default: the bundle timestamp");
  map->add_option("--knowledge", knowledge, "knowledge directory holding fhir/code_tables.json");
  if (auto rc = ParseCommandLine(app, args, io, "fhir")) return *rc;
  auto k = LoadKnowledge(knowledge, "fhir", io);
  if (!k) return knowledge.empty() ? 1 : 2;
  std::string text;
  if (!ReadInput(bundle, io, text)) {
    io.err << "zebra fhir: cannot read " << bundle << "\n";
    return 2;
  }
  auto mapped = engine::MapFhir(*k, text, as_of);
  if (!mapped) {
    PrintErrors(io.err, "zebra fhir: invalid FHIR bundle", mapped.error());
    return 2;
  }
  engine::Json out = engine::Json::object();
  out["case"] = mapped->case_json;
  out["report"] = mapped->report;
  io.out << out.dump(2) << "\n";
  return 0;
}

}  // namespace zebra::cli
