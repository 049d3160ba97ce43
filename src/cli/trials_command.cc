// zebra trials import FILE | list: the local clinical-trial registry (knowledge/trials/, issue 23).
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "engine/engine.h"
#include "trials/trials.h"

namespace zebra::cli {

int TrialsCommand(const Args& args, Io io) {
  CLI::App app{"The local clinical-trial registry snapshot (knowledge/trials/).", "zebra trials"};
  app.require_subcommand(1);
  std::string file, knowledge, snapshot_date, today, format = "text";
  auto* import = app.add_subcommand("import", "read a ClinicalTrials.gov API v2 JSON export and keep its neuroendocrine studies");
  import->add_option("file", file, "the export ({\"studies\": [...]}), or - for standard input")->required();
  import->add_option("--snapshot-date", snapshot_date, "the date the export was taken (YYYY-MM-DD; default: today)");
  import->add_option("--knowledge", knowledge, "knowledge directory (default: ./knowledge)");
  auto* list = app.add_subcommand("list", "show the loaded studies: NCT id, title, phase, status, countries, snapshot date");
  list->add_option("--knowledge", knowledge, "knowledge directory (default: ./knowledge)");
  list->add_option("--format", format, "text or json")->check(CLI::IsMember({"text", "json"}));
  list->add_option("--today", today, "date the snapshot's age is counted to (default: today)");
  if (auto rc = ParseCommandLine(app, args, io, "trials")) return *rc;
  const std::filesystem::path dir = knowledge.empty() ? engine::Knowledge::DefaultDir() : std::filesystem::path(knowledge);

  if (import->parsed()) {
    std::string text;
    if (file == "-") {
      std::stringstream ss;
      ss << io.in.rdbuf();
      text = ss.str();
    } else {
      std::ifstream in(file, std::ios::binary);
      if (!in) {
        io.err << "zebra trials import: cannot read " << file << "\n";
        return 2;
      }
      std::stringstream ss;
      ss << in.rdbuf();
      text = ss.str();
    }
    auto report = trials::Import(dir, text, snapshot_date.empty() ? trials::TodayUtc() : snapshot_date);
    if (!report) {
      io.err << "zebra trials import: " << file << " is not a usable ClinicalTrials.gov API v2 export ("
             << engine::ProblemCount(report.error().size()) << "); the registry is unchanged:\n";
      for (const auto& e : report.error()) io.err << "  " << e.path << ": " << e.message << "\n";
      return 2;
    }
    // The written registry must load with the criteria table; else put nothing in its place.
    auto loaded = trials::Registry::Load(dir);
    io.out << "read " << report->read << " studies: kept " << report->kept << " neuroendocrine (" << report->added
           << " new, " << report->updated << " updated), skipped " << report->skipped << "; wrote "
           << report->file.string() << "\n";
    if (!loaded) {
      io.err << "zebra trials import: the registry written does not load:\n";
      for (const auto& e : loaded.error()) io.err << "  " << e.path << ": " << e.message << "\n";
      return 1;
    }
    return 0;
  }
  auto loaded = trials::Registry::Load(dir);
  if (!loaded) {
    io.err << "zebra trials list: the registry does not load:\n";
    for (const auto& e : loaded.error()) io.err << "  " << e.path << ": " << e.message << "\n";
    return 2;
  }
  if (format == "json") {
    trials::Json out = trials::Json::array();
    for (const auto& s : (*loaded)->studies()) {
      trials::Json e = trials::Json::object();
      for (const char* k : {"nct_id", "title", "phase", "status", "countries", "snapshot_date", "url", "source"})
        e[k] = s.record.value(k, trials::Json());
      e["criteria_encoded"] = s.encoded ? trials::Json(s.criteria.size()) : trials::Json();
      e["to_check"] = s.to_check.size();
      out.push_back(std::move(e));
    }
    io.out << out.dump(2) << "\n";
    return 0;
  }
  io.out << (*loaded)->ListText(today);
  return 0;
}

}  // namespace zebra::cli
