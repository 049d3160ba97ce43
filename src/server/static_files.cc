#include "server/static_files.h"

#include <algorithm>
#include <cctype>
#include <system_error>

namespace zebra::server {
namespace fs = std::filesystem;

namespace {

// %2F and %5C would let a client put a separator inside one segment; %2E a dot the segment check
// cannot see; %00 a NUL.
bool HasForbiddenEscape(std::string_view target) {
  target = target.substr(0, target.find('?'));
  for (std::size_t i = 0; i + 2 < target.size(); ++i) {
    if (target[i] != '%') continue;
    const char hi = target[i + 1];
    const char lo = static_cast<char>(std::tolower(static_cast<unsigned char>(target[i + 2])));
    if ((hi == '2' && (lo == 'f' || lo == 'e')) || (hi == '5' && lo == 'c') || (hi == '0' && lo == '0')) return true;
  }
  return false;
}

bool IsUnder(const fs::path& file, const fs::path& root) {
  auto [r, f] = std::mismatch(root.begin(), root.end(), file.begin(), file.end());
  return r == root.end();
}

}  // namespace

std::optional<fs::path> StaticFileUnder(const fs::path& root, std::string_view raw_target,
                                        std::string_view decoded_path) {
  if (HasForbiddenEscape(raw_target)) return std::nullopt;
  if (decoded_path.empty() || decoded_path.front() != '/') return std::nullopt;
  fs::path relative;
  std::string_view rest = decoded_path.substr(1);
  while (!rest.empty()) {
    const std::size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    if (segment.empty() || segment.front() == '.') return std::nullopt;
    for (char c : segment)
      if (c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return std::nullopt;
    relative /= fs::path(std::string(segment));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  if (relative.empty() || relative.is_absolute() || relative.has_root_name()) return fs::path();
  std::error_code ec;
  const fs::path real_root = fs::canonical(root, ec);
  if (ec) return fs::path();
  const fs::path real_file = fs::canonical(real_root / relative, ec);
  if (ec) return fs::path();  // no such file
  if (!IsUnder(real_file, real_root)) return std::nullopt;  // a symlink out of the web root
  if (!fs::is_regular_file(real_file, ec)) return fs::path();
  return real_file;
}

}  // namespace zebra::server
