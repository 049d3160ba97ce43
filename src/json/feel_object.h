// One JSON object → a FEEL context, for `zebra dmn eval` (--input, and --inputs one NDJSON line
// at a time). Numbers keep the exact digits of the JSON text (0.1 stays the decimal 0.1,
// 34-digit numbers survive); a repeated key is an error.
#pragma once

#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "feel/value.h"

namespace zebra::json {

// Parses a JSON object into a FEEL context; the error text says what is wrong. A flat object of
// plain ASCII keys and scalar values (the usual NDJSON line) is read by a one-pass scanner; any
// other text goes through the general parser, which also writes every error message.
tl::expected<feel::Context, std::string> ParseFeelObject(std::string_view text);

// The two paths on their own, so tests and the fuzz target can hold them against each other.
// ScanFlatFeelObject answers false (and leaves `out` unspecified) for anything outside its
// subset, valid JSON or not: whatever it accepts, the general parser accepts with the same value.
bool ScanFlatFeelObject(std::string_view text, feel::Context& out);
tl::expected<feel::Context, std::string> ParseFeelObjectGeneral(std::string_view text);

}  // namespace zebra::json
