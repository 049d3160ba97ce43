// The one error shape of every module: {code, path, message}. Modules report where and what (a
// JSON path or file, and a message that says what is allowed); the engine, the front door, names
// the kind (`code`: "invalid-json", "invalid-case", "invalid-fhir-bundle", "knowledge", "io").
//
// - A module whose callers must tell failures apart names the kind itself, as a constant string
//   beside its API (auth::oidc_failure, smart::failure: "oidc-bad-state", "smart-fhir"); the
//   front maps a code to its answer in one table. Such messages are for logs and the audit only.
// - A module that knows more than where and what extends Error rather than growing it:
//   clinical::ValidationError adds the schema validator's `found` value and `allowed` text, for
//   tests and tools. It passes on as a plain Error; no answer carries found/allowed today (the
//   400 lists path and message, and the message already quotes the value), and none does now.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <tl/expected.hpp>

namespace zebra::common {

struct Error {
  std::string code;     // the kind, for API clients; empty until the engine names it
  std::string path;     // where: "tumor.ki67_percent", "entry[3].resource", "$", a file
  std::string message;  // what, and what is allowed: "-3 is below 0"

  Error() = default;
  // Where and what, inside a module ({path, message}).
  Error(std::string where, std::string what) : path(std::move(where)), message(std::move(what)) {}
  Error(std::string kind, std::string where, std::string what)
      : code(std::move(kind)), path(std::move(where)), message(std::move(what)) {}
};

// "where: what" (just "what" without a where), for logs and command-line output.
inline std::string ToString(const Error& e) { return e.path.empty() ? e.message : e.path + ": " + e.message; }

using Errors = std::vector<Error>;
template <class T>
using Result = tl::expected<T, Errors>;

}  // namespace zebra::common
