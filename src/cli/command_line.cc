#include <CLI/CLI.hpp>

#include <ostream>

#include "cli/commands.h"

namespace zebra::cli {

std::optional<int> ParseCommandLine(CLI::App& app, const Args& args, Io io, std::string_view command) {
  // CLI11 takes a vector of arguments in reverse order.
  std::vector<std::string> argv(args.rbegin(), args.rend());
  try {
    app.parse(argv);
  } catch (const CLI::CallForHelp&) {
    io.out << app.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    io.err << "zebra " << command << ": " << e.what() << "\n" << app.help();
    return 2;
  }
  return std::nullopt;
}

}  // namespace zebra::cli
