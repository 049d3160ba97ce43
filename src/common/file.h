// Reading a whole file, the one way every module does it (binary, no size limit: callers that
// take untrusted paths check sizes themselves).
#pragma once

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace zebra::common {

// The file's bytes, or nullopt when it cannot be opened.
inline std::optional<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return std::move(ss).str();
}

}  // namespace zebra::common
