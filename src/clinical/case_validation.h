// Validation of a zebra.case/v1 document against its JSON Schema.
//
// The schema (schema/case.schema.json) is interpreted generically, so no case field name is
// written here: the keywords the case schema uses are supported (type, enum, const, required,
// properties, additionalProperties, items, minimum/maximum, exclusiveMinimum/exclusiveMaximum,
// minLength/maxLength, pattern, minItems/maxItems, uniqueItems). Annotation keywords (title,
// description, $id, $schema) are ignored. Every problem is reported, not only the first.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace zebra::clinical {

struct ValidationError {
  std::string path;     // "tumor.ki67_percent", "history.prior_therapies[0].option"; "$" is the root
  std::string message;  // "-3 is below 0"
  std::string found;    // the offending value as compact JSON ("-3"), empty when absent
  std::string allowed;  // what the schema allows ("0 to 100", "one of: tip, body, base")
};

// Validates `c` against `schema`. Never throws; an empty result means the case is valid.
std::vector<ValidationError> ValidateCase(const nlohmann::json& c, const nlohmann::json& schema);

}  // namespace zebra::clinical
