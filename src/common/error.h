// The one error shape of every module: {code, path, message}. Modules report where and what (a
// JSON path or file, and a message that says what is allowed); the engine, the front door, names
// the kind (`code`: "invalid-json", "invalid-case", "invalid-fhir-bundle", "knowledge", "io").
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

using Errors = std::vector<Error>;
template <class T>
using Result = tl::expected<T, Errors>;

}  // namespace zebra::common
