// zebra --version (and zebra-service --version). ZEBRA_COMMIT is set for this file alone
// (CMakeLists.txt), so a new commit recompiles only it.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "build_info.h"
#include "cli/commands.h"
#include "engine/engine.h"

namespace zebra::cli {

int PrintVersion(Io io) {
  io.out << "zebra " << ZEBRA_VERSION << " (commit " << ZEBRA_COMMIT << ")\n";
  // The knowledge base's manifest alone: loading the whole knowledge base (every model compiled)
  // took 40 ms of the 46 this command used to take; `zebra kb check` is the check that it loads.
  const std::filesystem::path dir = engine::Knowledge::DefaultDir();
  std::ifstream in(dir / "manifest.json");
  const nlohmann::json manifest = in ? nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false) : nlohmann::json();
  auto text = [&](const char* key) {
    const auto it = manifest.is_object() ? manifest.find(key) : manifest.end();
    return it != manifest.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (const std::string version = text("knowledge_version"); !version.empty()) {
    io.out << "knowledge " << version << " (" << text("release_date") << ") from " << dir.string() << "\n";
  } else {
    io.out << "knowledge: no readable manifest.json in " << dir.string() << "\n";
  }
  const auto& data = engine::Data();
  io.out << "data " << data.root.string() << (data.installed ? " (installed)" : " (source tree)") << "\n";
  return 0;
}

}  // namespace zebra::cli
