// Validation of a zebra.case/v1 document against its JSON Schema.
//
// The schema (schema/case.schema.json) is interpreted generically, so no case field name is
// written here: the keywords the case schema uses are supported (type, enum, const, required,
// properties, additionalProperties, items, minimum/maximum, exclusiveMinimum/exclusiveMaximum,
// minLength/maxLength, pattern, minItems/maxItems, uniqueItems). Annotation keywords (title,
// description, $id, $schema) are ignored. Every problem is reported, not only the first.
//
// The schema is compiled once (CompiledCaseSchema: keyword lookups, regular expressions and the
// "allowed" texts done up front) and then validates many cases; the path and the found text of
// an error are only built when there is an error.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "feel/value.h"

namespace zebra::clinical {
namespace internal {
struct CaseNode;  // the case schema as context shapes (case_shapes.h)
}

// The largest case text read (ParseCase, the strict reader's quick check): 1 MiB.
inline constexpr size_t kMaxCaseBytes = 1 << 20;

// A common::Error (path "tumor.ki67_percent", "history.prior_therapies[0].option", "$" for the
// root; message "-3 is below 0") that also keeps what the validator knows apart: they stay
// available to tests and tools, and the error goes on as a plain common::Error (the 400 answers
// and the CLI show path and message, whose text already quotes the value).
struct ValidationError : common::Error {
  std::string found;    // the offending value as compact JSON ("-3"), empty when absent
  std::string allowed;  // what the schema allows ("0 to 100", "one of: tip, body, base")

  ValidationError() = default;
  ValidationError(std::string where, std::string what, std::string found_value, std::string allowed_text)
      : common::Error(std::move(where), std::move(what)),
        found(std::move(found_value)),
        allowed(std::move(allowed_text)) {}
};

// A schema prepared for validating many documents. Immutable after construction; Validate may be
// called from several threads at once.
class CompiledCaseSchema {
 public:
  explicit CompiledCaseSchema(const nlohmann::json& schema);
  ~CompiledCaseSchema();
  CompiledCaseSchema(CompiledCaseSchema&&) noexcept;
  CompiledCaseSchema& operator=(CompiledCaseSchema&&) noexcept;

  // Never throws; an empty result means the document is valid.
  std::vector<ValidationError> Validate(const nlohmann::json& c) const;
  // The case as ParseCase holds it (insertion-ordered). Gives exactly the errors, in the same
  // order, that validating nlohmann::json::parse(c.dump()) gives: fields are visited in sorted
  // order, objects compare regardless of key order, and a non-finite number (which dump() writes
  // as null) counts as null. Unlike dump(), invalid UTF-8 in a string does not throw.
  std::vector<ValidationError> Validate(const nlohmann::ordered_json& c) const;

  // The case read straight from its text into the FEEL value that parsing it (ParseFast),
  // validating it and converting it on `shapes` (clinical's CaseValue) give, when it is valid and
  // every part of it is what the fast reader and the shapes foresee: one pass, no JSON tree.
  // nullopt for anything else, valid or not — the caller then reads it the general way, whose
  // errors stand. The prior therapies' option ids (the catalogue's) are not checked here.
  std::optional<feel::Value> ReadPassing(std::string_view text, const internal::CaseNode& shapes) const;

  struct Impl;

 private:
  std::unique_ptr<const Impl> impl_;
};

// Validates `c` against `schema` (compiling the schema for this one call). Never throws; an
// empty result means the case is valid.
std::vector<ValidationError> ValidateCase(const nlohmann::json& c, const nlohmann::json& schema);

}  // namespace zebra::clinical
