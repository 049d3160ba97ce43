#include <functional>
#include <iostream>
#include <map>
#include <string>

#include "cli/commands.h"
#include "engine/engine.h"

namespace zebra::cli {
namespace {

constexpr const char* kUsage = R"(zebra — decision support for neuroendocrine neoplasms.
Zebra supports the care team; it does not replace clinical judgement.

Usage: zebra <command> [options]   (zebra <command> --help for details)

Commands:
  evaluate CASE.json|- [--format json|text|html] [--knowledge DIR] [--trials all]
  evaluate --fhir BUNDLE.json [--as-of DATE] [...]
  fhir map BUNDLE.json [--as-of DATE]
  kb check | list | diff OLD_DIR NEW_DIR
  trials import FILE [--snapshot-date DATE] | trials list   the local clinical-trial registry
  batch IN.ndjson -o OUT.ndjson [--threads N] [--summary CSV] [--fail-fast] [--fhir]
  feel 'EXPRESSION' [--context JSON]   evaluate one FEEL expression
  dmn eval MODEL.dmn [--decision NAME] (--input JSON | --inputs FILE.ndjson)
  tck DIR                              run DMN TCK test cases
  audit verify [--db URL]              check the audit log hash chain (and its anchor)
  audit export [--since DATE] [--case ID] [--db URL]   audit entries as JSON Lines
  audit prune --before DATE --out FILE [--db URL]      archive and remove old audit entries
  user add USERNAME --role ROLE [--db URL]   create a local account
  user passwd|disable|enable USERNAME [--db URL]   change a password, disable or enable an account
  user role USERNAME ROLE [--db URL] | user list [--db URL]
  serve [--port 8080] [--db sqlite:PATH|postgresql://...] [--demo] [--config FILE]   REST API, CDS Hooks, web app
  migrate [--db URL] [--check]         bring the store's schema up to date, saying what ran
  config example                       print a commented configuration file for serve --config
  backup --out FILE [--db URL]         copy a SQLite store while it serves (PostgreSQL: pg_dump)
  restore FILE --db URL                restore a backup into an empty store
)";

}  // namespace

int Main(int argc, char** argv, Io io) {
  using Command = std::function<int(const Args&, Io)>;
  const std::map<std::string, Command> commands = {
      {"feel", FeelCommand},
      {"dmn", DmnCommand},
      {"tck", TckCommand},
      {"evaluate", EvaluateCommand},
      {"kb", KbCommand},
      {"batch", BatchCommand},
      {"fhir", FhirCommand},
      {"audit", AuditCommand},
      {"user", UserCommand},
      {"serve", ServeCommand},
      {"migrate", MigrateCommand},
      {"config", ConfigCommand},
      {"backup", BackupCommand},
      {"restore", RestoreCommand},
      {"trials", TrialsCommand},
  };
  if (argc < 2) {
    io.err << kUsage;
    return 2;
  }
  std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    io.out << kUsage;
    return 0;
  }
  if (name == "--version") {
    io.out << "zebra " << ZEBRA_VERSION << " (commit " << ZEBRA_COMMIT << ")\n";
    const auto& data = engine::Data();
    auto k = engine::Knowledge::Load(engine::Knowledge::DefaultDir());
    if (k) io.out << "knowledge " << (*k)->version() << " (" << (*k)->release_date() << ") from " << (*k)->dir().string() << "\n";
    else io.out << "knowledge: does not load from " << engine::Knowledge::DefaultDir().string() << "\n";
    io.out << "data " << data.root.string() << (data.installed ? " (installed)" : " (source tree)") << "\n";
    return 0;
  }
  auto it = commands.find(name);
  if (it == commands.end()) {
    io.err << "zebra: unknown command '" << name << "'\n\n" << kUsage;
    return 2;
  }
  Args args(argv + 2, argv + argc);
  return it->second(args, io);
}

}  // namespace zebra::cli
