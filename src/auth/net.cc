#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

#include "auth/auth.h"

namespace zebra::auth {

bool IsIpAddress(std::string_view text) {
  if (text.empty() || text.size() > 64) return false;
  const std::string s(text);
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

bool IsLoopbackAddress(std::string_view address) {
  if (address.empty() || address.size() > 64) return false;
  const std::string s(address);
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) != 1) return false;
  if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
  return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

bool IsLoopbackHost(std::string_view host) {
  std::string lower(host);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "localhost") return true;
  if (lower.size() > 2 && lower.front() == '[' && lower.back() == ']')
    return IsLoopbackAddress(std::string_view(lower).substr(1, lower.size() - 2));
  return IsLoopbackAddress(lower);
}

std::optional<UrlParts> ParseHttpUrl(std::string_view url) {
  UrlParts u;
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  u.scheme.assign(url.substr(0, sep));
  std::transform(u.scheme.begin(), u.scheme.end(), u.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (u.scheme != "http" && u.scheme != "https") return std::nullopt;
  std::string_view rest = url.substr(sep + 3);
  const auto end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view tail = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  for (char c : authority)
    if (static_cast<unsigned char>(c) <= ' ' || c == '\\') return std::nullopt;
  std::string_view host = authority, port;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port = after.substr(1);
    }
  } else if (const auto colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return std::nullopt;
  u.host.assign(host);
  std::transform(u.host.begin(), u.host.end(), u.host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  u.port = u.scheme == "https" ? 443 : 80;
  if (!port.empty()) {
    int p = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || ptr != port.data() + port.size() || p <= 0 || p > 65535) return std::nullopt;
    u.port = p;
  }
  if (!tail.empty() && tail.front() == '#') tail = {};
  u.path = tail.empty() ? "/" : std::string(tail);
  if (u.path.front() != '/') u.path.insert(0, "/");
  return u;
}

bool IsUnderBaseUrl(std::string_view url, std::string_view base) {
  const auto u = ParseHttpUrl(url);
  const auto b = ParseHttpUrl(base);
  if (!u || !b) return false;
  if (u->scheme != b->scheme || u->host != b->host || u->port != b->port) return false;
  const std::string base_text = b->path.substr(0, b->path.find('?'));
  std::string_view base_path = base_text;
  while (!base_path.empty() && base_path.back() == '/') base_path.remove_suffix(1);
  const std::string_view path = u->path;
  if (path.compare(0, base_path.size(), base_path) != 0) return false;
  if (path.size() == base_path.size()) return true;
  const char next = path[base_path.size()];
  if (next != '/' && next != '?') return false;
  // No way back out of the base through dot segments.
  const std::string_view below = path.substr(base_path.size(), path.find('?') - base_path.size());
  return below.find("/../") == std::string_view::npos && !below.ends_with("/..") &&
         below.find("%2e") == std::string_view::npos && below.find("%2E") == std::string_view::npos;
}

}  // namespace zebra::auth
