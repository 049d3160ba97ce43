// Which file under the web root a GET path names, proved to stay under that root.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

#include "api/api.h"

namespace zebra::server {

// `raw_target` is the request target as sent (percent-encoded, with any query); `decoded_path`
// its path as the HTTP library decoded it.
//   nullopt      the path is refused: an empty segment ("//"), a segment starting with "." (so
//                "..", hidden files), a backslash, NUL or control character, a percent-encoded
//                slash, backslash, dot or NUL, or a file whose real path (symlinks resolved) is
//                not under the real web root;
//   empty path   no such regular file (the caller serves the application page);
//   otherwise    the canonical path of a regular file under the web root.
std::optional<std::filesystem::path> StaticFileUnder(const std::filesystem::path& root, std::string_view raw_target,
                                                     std::string_view decoded_path);

// The web application (GET outside /v1 and /cds-services): files under `root` with their media
// types and cache policy, index.html for client-side routes, a placeholder page when the web app
// is not built. The router's fallback.
api::Handler WebAppHandler(std::filesystem::path root);

}  // namespace zebra::server
