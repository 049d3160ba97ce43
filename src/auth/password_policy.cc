// The password policy for local accounts: at least 12 characters and not one of the common
// passwords in data/common_passwords.txt (compared in lowercase).
#include <algorithm>
#include <cctype>
#include <string>
#include <unordered_set>

#include "auth/auth.h"

namespace zebra::auth {
namespace {

// One literal of ~114 KB: C++ only promises 65,536 characters, GCC and Clang take more, and
// clang's -Wpedantic says so (-Woverlength-strings) — the fuzz build is clang.
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Woverlength-strings"
#endif
constexpr std::string_view kCommonPasswords =
#include "common_passwords.inc"
    ;
#if defined(__clang__)
#pragma clang diagnostic pop
#endif

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

const std::unordered_set<std::string>& CommonPasswords() {
  static const auto* set = [] {
    auto* s = new std::unordered_set<std::string>();
    std::size_t pos = 0;
    while (pos < kCommonPasswords.size()) {
      std::size_t end = kCommonPasswords.find('\n', pos);
      if (end == std::string_view::npos) end = kCommonPasswords.size();
      std::string_view line = kCommonPasswords.substr(pos, end - pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!line.empty()) s->insert(Lower(line));
      pos = end + 1;
    }
    return s;
  }();
  return *set;
}

}  // namespace

std::size_t CommonPasswordCount() { return CommonPasswords().size(); }

std::optional<std::string> PasswordProblem(std::string_view password) {
  if (password.size() < kMinPasswordLength)
    return "the password must have at least " + std::to_string(kMinPasswordLength) + " characters";
  if (CommonPasswords().contains(Lower(password)))
    return "the password is on the list of common passwords; choose another";
  return std::nullopt;
}

}  // namespace zebra::auth
