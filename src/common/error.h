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
//
// Errors about a text rather than JSON (a FEEL expression, a DMN file) keep their place in it:
// `path` holds the location as users read it ("bad.dmn:12:3: element 'd_t' (Stage) rule 2
// column 1", or "2:5" in a FEEL expression), so ToString() prints what the old per-module
// diagnostics printed; `at` keeps the line and column as numbers for programs (editors, tests).
// Only line and column are structured: element, rule and table column are DMN's own words, and
// no caller takes them apart, so they stay text in `path` rather than widen the shared shape.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <tl/expected.hpp>

namespace zebra::common {

// A place in a text: 1-based line and column, 0 when unknown.
struct Location {
  int line = 0;
  int column = 0;
};

struct Error {
  std::string code;     // the kind, for API clients; empty until the engine names it
  std::string path;     // where: "tumor.ki67_percent", "entry[3].resource", "$", a file
  std::string message;  // what, and what is allowed: "-3 is below 0"
  Location at;          // for errors in a text: where in it (also written out in `path`)

  Error() = default;
  // Where and what, inside a module ({path, message}).
  Error(std::string where, std::string what) : path(std::move(where)), message(std::move(what)) {}
  Error(std::string kind, std::string where, std::string what)
      : code(std::move(kind)), path(std::move(where)), message(std::move(what)) {}
  Error(std::string kind, std::string where, std::string what, Location place)
      : code(std::move(kind)), path(std::move(where)), message(std::move(what)), at(place) {}

  // "path: message", or the message alone when there is no path.
  std::string ToString() const { return path.empty() ? message : path + ": " + message; }
};

// "where: what" (just "what" without a where), for logs and command-line output.
inline std::string ToString(const Error& e) { return e.ToString(); }

using Errors = std::vector<Error>;
template <class T>
using Result = tl::expected<T, Errors>;

}  // namespace zebra::common
