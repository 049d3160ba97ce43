#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "cli/commands.h"

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

// zebra-service is beside zebra in the build tree, and in PREFIX/libexec after an install (from
// there engine::Data() finds PREFIX/share/zebra as it does from PREFIX/bin).
std::vector<std::filesystem::path> ServiceProgramCandidates() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  const std::filesystem::path dir = exe.parent_path();
  return {dir / "zebra-service", dir.parent_path() / "libexec" / "zebra-service"};
}

// Replaces this process with zebra-service and the same arguments; returns only if that fails.
int RunServiceProgram(char** argv, Io io) {
  io.out.flush();
  io.err.flush();
  int error = ENOENT;
  std::string tried;
  for (const auto& path : ServiceProgramCandidates()) {
    ::execv(path.c_str(), argv);
    if (errno != ENOENT) error = errno;  // report "permission denied" rather than "not found"
    tried += (tried.empty() ? "" : ", ") + path.string();
  }
  io.err << "zebra: '" << argv[1] << "' is run by the service program zebra-service, which cannot be started ("
         << std::strerror(error) << "; looked for " << (tried.empty() ? "nothing: /proc/self/exe unreadable" : tried)
         << "). The installation is incomplete: reinstall zebra, or build the target zebra-service.\n";
  return 1;
}

bool IsServiceCommand(std::string_view name) {
  return std::find(kServiceCommands.begin(), kServiceCommands.end(), name) != kServiceCommands.end();
}

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
  if (name == "--version") return PrintVersion(io);
  if (IsServiceCommand(name)) return RunServiceProgram(argv, io);
  auto it = commands.find(name);
  if (it == commands.end()) {
    io.err << "zebra: unknown command '" << name << "'\n\n" << kUsage;
    return 2;
  }
  Args args(argv + 2, argv + argc);
  return it->second(args, io);
}

}  // namespace zebra::cli
