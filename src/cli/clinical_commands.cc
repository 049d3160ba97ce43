// zebra evaluate, zebra kb check|list|diff
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "clinical/clinical.h"
#include "clinical/kb_tools.h"
#include "fhir/fhir.h"

namespace zebra::cli {
namespace {

bool ReadInput(const std::string& path, Io io, std::string& out) {
  if (path == "-") {
    std::stringstream ss;
    ss << io.in.rdbuf();
    out = ss.str();
    return true;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

}  // namespace

int EvaluateCommand(const Args& args, Io io) {
  CLI::App app{"Evaluate a zebra.case/v1 against the knowledge base.", "zebra evaluate"};
  std::string input;
  std::string format = "json";
  std::string knowledge;
  std::string fhir_bundle, as_of;
  app.add_option("case", input, "case JSON file, or - for standard input");
  app.add_option("--fhir", fhir_bundle, "a FHIR R4 Bundle (mCODE) instead of a case");
  app.add_option("--as-of", as_of, "with --fhir: date for computing age (default: bundle timestamp)");
  app.add_option("--format", format, "json, text or html")->check(CLI::IsMember({"json", "text", "html"}));
  app.add_option("--knowledge", knowledge, "knowledge directory (default: ./knowledge)");
  if (auto rc = ParseCommandLine(app, args, io, "evaluate")) return *rc;
  if (input.empty() == fhir_bundle.empty()) {
    io.err << "zebra evaluate: give either a case file or --fhir BUNDLE.json\n";
    return 2;
  }

  auto kb = clinical::LoadKnowledgeBase(knowledge.empty() ? clinical::DefaultKnowledgeDir() : std::filesystem::path(knowledge));
  if (!kb) {
    io.err << "zebra evaluate: the knowledge base does not load:\n";
    for (const auto& e : kb.error()) io.err << "  " << e << "\n";
    return 1;
  }
  std::string text;
  if (!ReadInput(fhir_bundle.empty() ? input : fhir_bundle, io, text)) {
    io.err << "zebra evaluate: cannot read " << (fhir_bundle.empty() ? input : fhir_bundle) << "\n";
    return 2;
  }
  if (!fhir_bundle.empty()) {
    auto tables = fhir::LoadCodeTables(fhir::DefaultCodeTablesPath((*kb)->dir));
    if (!tables) {
      io.err << "zebra evaluate: " << tables.error() << "\n";
      return 1;
    }
    fhir::MapOptions options;
    if (!as_of.empty()) options.as_of = as_of;
    auto mapped = fhir::MapBundle(text, *tables, options);
    if (!mapped) {
      io.err << "zebra evaluate: invalid FHIR bundle:\n";
      for (const auto& e : mapped.error()) io.err << "  " << e.path << ": " << e.message << "\n";
      return 2;
    }
    text = mapped->case_json.dump();
  }
  auto c = clinical::ParseCase(text, **kb);
  if (!c) {
    io.err << "zebra evaluate: invalid case (" << c.error().size() << " problem"
           << (c.error().size() == 1 ? "" : "s") << "):\n";
    for (const auto& e : c.error()) io.err << "  " << e.path << ": " << e.message << "\n";
    return 2;
  }
  clinical::Json r = clinical::Evaluate(**kb, *c);
  if (format == "text") io.out << clinical::RenderText(r);
  else if (format == "html") io.out << clinical::RenderHtml(r);
  else io.out << clinical::SerializeRecommendation(r);
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
  std::filesystem::path d = dir.empty() ? clinical::DefaultKnowledgeDir() : std::filesystem::path(dir);
  if (check->parsed()) {
    auto res = clinical::CheckKnowledgeBase(d);
    for (const auto& e : res.errors) io.err << "error: " << e << "\n";
    for (const auto& w : res.warnings) io.err << "warning: " << w << "\n";
    io.out << "kb check: " << res.models << " models, " << res.rules << " rules, " << res.options << " options, "
           << res.citations << " citations: " << (res.errors.empty() ? "ok" : std::to_string(res.errors.size()) + " error(s)")
           << "\n";
    return res.errors.empty() ? 0 : 2;
  }
  if (list->parsed()) {
    io.out << clinical::ListKnowledgeBase(d);
    return 0;
  }
  io.out << clinical::DiffKnowledgeBases(old_dir, new_dir);
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
  std::filesystem::path dir = knowledge.empty() ? clinical::DefaultKnowledgeDir() : std::filesystem::path(knowledge);
  auto tables = fhir::LoadCodeTables(fhir::DefaultCodeTablesPath(dir));
  if (!tables) {
    io.err << "zebra fhir: " << tables.error() << "\n";
    return 1;
  }
  std::string text;
  if (!ReadInput(bundle, io, text)) {
    io.err << "zebra fhir: cannot read " << bundle << "\n";
    return 2;
  }
  fhir::MapOptions options;
  if (!as_of.empty()) options.as_of = as_of;
  auto mapped = fhir::MapBundle(text, *tables, options);
  if (!mapped) {
    io.err << "zebra fhir: invalid FHIR bundle:\n";
    for (const auto& e : mapped.error()) io.err << "  " << e.path << ": " << e.message << "\n";
    return 2;
  }
  // A reported stage group is compared with the group the knowledge base derives from T, N and M.
  bool reports_stage = false;
  for (const auto& r : mapped->report.value("reported", fhir::Json::array()))
    if (r.value("item", "") == "stage_group") reports_stage = true;
  if (reports_stage) {
    std::optional<std::string> derived;
    if (auto kb = clinical::LoadKnowledgeBase(dir))
      if (auto c = clinical::ParseCase(mapped->case_json.dump(), **kb)) {
        clinical::Json r = clinical::Evaluate(**kb, *c);
        clinical::Json group = r.contains("stage") && r["stage"].is_object() ? r["stage"].value("group", clinical::Json()) : clinical::Json();
        derived = group.is_string() ? group.get<std::string>() : "";
      }
    if (derived) fhir::CompareStageGroup(*mapped, *derived);
    else mapped->report["notes"].push_back("reported stage group not compared: the mapped case could not be evaluated");
  }
  fhir::Json out = fhir::Json::object();
  out["case"] = mapped->case_json;
  out["report"] = mapped->report;
  io.out << out.dump(2) << "\n";
  return 0;
}

}  // namespace zebra::cli
