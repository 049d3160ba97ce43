#include "server/static_files.h"

#include "common/file.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
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

namespace {

std::string MimeType(const fs::path& path) {
  static const std::map<std::string, std::string> kTypes = {
      {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".json", "application/json"}, {".svg", "image/svg+xml"}, {".png", "image/png"},
      {".ico", "image/x-icon"}, {".woff2", "font/woff2"}, {".woff", "font/woff"},
      {".txt", "text/plain; charset=utf-8"}, {".map", "application/json"}, {".webmanifest", "application/manifest+json"}};
  auto it = kTypes.find(path.extension().string());
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

constexpr const char* kPlaceholderPage = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Zebra</title></head>
<body><h1>Zebra</h1>
<p>The web application is not built yet (web/dist is missing). The REST API is available under
<a href="/v1/openapi.json">/v1</a>.</p>
<p>Zebra supports the care team; it does not replace clinical judgement.</p></body></html>
)";

api::Response ServeWebFile(const fs::path& root, const api::Request& req) {
  const std::string& path = req.path;
  if (path == "/v1" || path.rfind("/v1/", 0) == 0 || path.rfind("/cds-services", 0) == 0)
    return api::Problem(404, "not-found", "Not found", "no such resource");
  auto file = StaticFileUnder(root, req.target, path);
  // A path that could leave the web root is refused, not answered with the application page:
  // nothing about the file system shows through.
  if (!file) return api::Problem(404, "not-found", "Not found", "no such resource");
  api::Response res;
  if (!file->empty()) {
    if (auto content = common::ReadFile(*file)) {
      res.SetContent(std::move(*content), MimeType(*file));
      // Built assets carry content hashes in their names; index.html must be revalidated.
      res.SetHeader("Cache-Control",
                    path.rfind("/assets/", 0) == 0 ? "public, max-age=31536000, immutable" : "no-cache");
      return res;
    }
  }
  // Client-side routes fall back to the application's index.html.
  if (auto index = common::ReadFile(root / "index.html")) {
    res.SetHeader("Cache-Control", "no-cache");
    res.SetContent(std::move(*index), "text/html; charset=utf-8");
    return res;
  }
  res.SetContent(kPlaceholderPage, "text/html; charset=utf-8");
  return res;
}

}  // namespace

api::Handler WebAppHandler(fs::path root) {
  return [root = std::move(root)](const api::Request& req, api::Services&) { return ServeWebFile(root, req); };
}

}  // namespace zebra::server
