// Helpers shared by the test suites of several modules (tests only; nothing in a program
// includes this). Plain string work in place of regular expressions.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

#include "common/text.h"

namespace zebra::common::testing {

// `text` with every occurrence of `from` (not empty) replaced by `to`, left to right.
inline std::string ReplaceAll(std::string text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// The value of the first `name=` parameter of `url` (after '?' or '&'), up to the next '&'; ""
// when there is none.
inline std::string QueryParam(std::string_view url, std::string_view name) {
  const std::string key = std::string(name) + "=";
  for (std::size_t at = url.find(key); at != std::string_view::npos; at = url.find(key, at + 1)) {
    if (at == 0 || (url[at - 1] != '?' && url[at - 1] != '&')) continue;
    const std::size_t from = at + key.size();
    return std::string(url.substr(from, url.find('&', from) - from));
  }
  return "";
}

// `url` with the value of every `name=` (wherever it stands) up to the next '&' set to `value`.
inline std::string WithParam(std::string url, std::string_view name, std::string_view value) {
  const std::string key = std::string(name) + "=";
  for (std::size_t at = url.find(key); at != std::string::npos; at = url.find(key, at + key.size() + value.size())) {
    const std::size_t from = at + key.size();
    const std::size_t end = std::min(url.find('&', from), url.size());
    url.replace(from, end - from, value);
  }
  return url;
}

// The value of the first `name=` in a Set-Cookie or Cookie header that has one, up to the next ';';
// "" when there is none.
inline std::string CookieValue(std::string_view header, std::string_view name) {
  const std::string key = std::string(name) + "=";
  for (std::size_t at = header.find(key); at != std::string_view::npos; at = header.find(key, at + 1)) {
    const std::size_t from = at + key.size();
    const std::size_t end = std::min(header.find(';', from), header.size());
    if (end > from) return std::string(header.substr(from, end - from));
  }
  return "";
}

// Whether `text` is `prefix` followed by exactly `digits` lowercase hex digits ("c_" + 32).
inline bool IsPrefixedHex(std::string_view text, std::string_view prefix, std::size_t digits) {
  return text.size() == prefix.size() + digits && text.starts_with(prefix) && IsLowerHex(text.substr(prefix.size()));
}

// Whether `text` is a lowercase random (version 4, RFC 9562 variant) UUID:
// xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx.
inline bool IsUuidV4(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t dash : {8, 13, 18, 23})
    if (text[dash] != '-') return false;
  for (std::string_view part : {text.substr(0, 8), text.substr(9, 4), text.substr(14, 4), text.substr(19, 4),
                                text.substr(24, 12)})
    if (!IsLowerHex(part)) return false;
  return text[14] == '4' && std::string_view("89ab").find(text[19]) != std::string_view::npos;
}

}  // namespace zebra::common::testing
