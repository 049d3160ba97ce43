// Entry points of the `zebra` subcommands. Each parses its own arguments (CLI11), writes
// results to `out` and errors to `err`, and returns the process exit code:
// 0 success, 1 internal error, 2 invalid input or usage.
#pragma once

#include <array>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace zebra::cli {

struct Io {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
};

using Args = std::vector<std::string>;  // arguments after the subcommand name

// Parses a command's arguments; returns the exit code to stop with (0 after --help, 2 with the
// usage on a bad argument), or nullopt to go on.
std::optional<int> ParseCommandLine(CLI::App& app, const Args& args, Io io, std::string_view command);

int FeelCommand(const Args& args, Io io);      // zebra feel
int DmnCommand(const Args& args, Io io);       // zebra dmn eval
int TckCommand(const Args& args, Io io);       // zebra tck
int EvaluateCommand(const Args& args, Io io);  // zebra evaluate
int KbCommand(const Args& args, Io io);        // zebra kb check|list|diff
int BatchCommand(const Args& args, Io io);     // zebra batch
int FhirCommand(const Args& args, Io io);      // zebra fhir map
int TrialsCommand(const Args& args, Io io);    // zebra trials import|list

// The service commands need the store, the HTTP server and password hashing, and with them
// OpenSSL, libpq, SQLite and cpp-httplib. They live in a second program, zebra-service
// (src/service), to which `zebra` hands them over with exec, so that the evaluation commands start
// without loading or initialising that stack (issue 21, docs/performance.md).
int AuditCommand(const Args& args, Io io);     // zebra audit verify
int UserCommand(const Args& args, Io io);      // zebra user add
int ServeCommand(const Args& args, Io io);     // zebra serve
int MigrateCommand(const Args& args, Io io);   // zebra migrate
int ConfigCommand(const Args& args, Io io);    // zebra config example
int BackupCommand(const Args& args, Io io);    // zebra backup
int RestoreCommand(const Args& args, Io io);   // zebra restore

// `zebra --version`: engine, commit, knowledge version (from its manifest) and data directory.
int PrintVersion(Io io);

// Dispatches argv to the subcommands (the `zebra` program); a service command is handed to
// zebra-service, which replaces this process (same pid, same arguments and streams).
int Main(int argc, char** argv, Io io);

// The commands zebra-service runs, which `zebra` hands over (the one list both programs use).
inline constexpr std::array<std::string_view, 7> kServiceCommands = {"serve",   "config", "audit",  "user",
                                                                     "migrate", "backup", "restore"};

// The dispatch of zebra-service (src/service/service_dispatch.cc): the service commands only.
int ServiceMain(int argc, char** argv, Io io);

}  // namespace zebra::cli
