// The dispatch of zebra-service: the commands that need the store, the HTTP server or password
// hashing (serve, config, audit, user, migrate, backup, restore). `zebra` hands these over with
// exec (src/cli/main_dispatch.cc), so they are normally started as `zebra serve ...`.
#include <array>
#include <functional>
#include <iostream>
#include <map>
#include <string>

#include "cli/commands.h"

namespace zebra::cli {

int ServiceMain(int argc, char** argv, Io io) {
  using Command = std::function<int(const Args&, Io)>;
  // In the order of kServiceCommands, which `zebra` hands over.
  const std::array<Command, kServiceCommands.size()> runs = {ServeCommand,   ConfigCommand, AuditCommand, UserCommand,
                                                             MigrateCommand, BackupCommand, RestoreCommand};
  std::map<std::string, Command, std::less<>> commands;
  for (size_t i = 0; i < kServiceCommands.size(); ++i) commands.emplace(kServiceCommands[i], runs[i]);
  const std::string name = argc < 2 ? "" : argv[1];
  if (name == "--version") return PrintVersion(io);
  const auto it = commands.find(name);
  if (it == commands.end()) {
    const bool help = name == "--help" || name == "-h" || name == "help";
    std::string names;
    for (std::string_view n : kServiceCommands) names += (names.empty() ? "" : ", ") + std::string(n);
    (help ? io.out : io.err) << (help || name.empty() ? "" : "zebra-service: unknown command '" + name + "'\n")
                             << "zebra-service runs zebra's service commands (" << names
                             << "); start them as `zebra COMMAND`. `zebra --help` lists every command.\n";
    return help ? 0 : 2;
  }
  return it->second(Args(argv + 2, argv + argc), io);
}

}  // namespace zebra::cli
