// FEEL types (DMN 1.5 §10.3.2.9): used by `instance of`, typed function parameters, and the DMN
// engine's typeRef checks.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "feel/value.h"

namespace zebra::feel {

struct TypeSpec {
  enum class Kind : uint8_t {
    kAny,
    kNull,
    kNumber,
    kString,
    kBoolean,
    kDate,
    kTime,
    kDateTime,
    kDaysTimeDuration,
    kYearsMonthsDuration,
    kList,      // element
    kContext,   // fields (empty = any context)
    kRange,     // element
    kFunction,  // params + result
  };
  Kind kind = Kind::kAny;
  std::shared_ptr<const TypeSpec> element;                          // list<T>, range<T>
  std::vector<std::pair<std::string, std::shared_ptr<const TypeSpec>>> fields;  // context<a: T>
  std::vector<TypeSpec> params;                                     // function<T1, T2>
  std::shared_ptr<const TypeSpec> result;                           // -> T

  std::string ToString() const;
};

// The type a name stands for beyond FEEL's own (a DMN model's item definitions), or nullopt.
using TypeResolver = std::function<std::optional<TypeSpec>(std::string_view name)>;

// Parses a FEEL type: "number", "date and time", "list<number>", "context<a: number>",
// "function<number, string> -> boolean", "range<date>", also DMN/XSD aliases ("feel:number",
// "dayTimeDuration", "yearMonthDuration", "dateTime"), and names `resolver` knows (also inside
// list<...> and context<...>). nullopt for unknown names.
std::optional<TypeSpec> ParseType(std::string_view text, const TypeResolver* resolver = nullptr);

// `value instance of type` (DMN 1.5 §10.3.2.9.1 conformance). Null is an instance of Null
// and Any only.
bool IsInstance(const Value& v, const TypeSpec& t);

}  // namespace zebra::feel
