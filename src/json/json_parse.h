// Strict JSON reading for every input Zebra accepts (cases, FHIR bundles, request bodies, CDS
// Hooks calls, NDJSON lines). RFC 8259 leaves repeated object keys to the reader; a reader that
// keeps the last while another (or the stored raw body) shows the first is a way to hide a value,
// so a repeated key is an error naming its path. Errors never quote raw input bytes, so an error
// message is always valid UTF-8 and can be serialised.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "common/error.h"

namespace zebra::json {

// path: where ("$" for the document, "tumor.size_cm", "entry[3].resource"); message: what, with
// line and column for syntax errors.
using ParseError = common::Error;

struct ParseLimits {
  std::size_t max_bytes = 64 * 1024 * 1024;
  std::size_t max_depth = 64;  // deepest bracket nesting, checked before parsing
};

// Parses `text` as one JSON value. Refuses: syntax errors, invalid UTF-8 in strings, numbers
// out of range, repeated keys in one object, more than `max_bytes`, nesting past `max_depth`.
// Keys keep their order. Objects with many keys are checked for repeats through a hash index, so
// hostile inputs cost linear time.
tl::expected<nlohmann::ordered_json, ParseError> ParseStrict(std::string_view text, const ParseLimits& limits = {});

// The value ParseStrict gives for `text`, read by a fast reader when it can read it: every
// string printable ASCII without escapes, integers of at most 18 digits, at most 64 keys per
// object, within `limits` (nesting to at most 64). Anything else, including every error:
// nullopt, and ParseStrict decides (it tries this first).
std::optional<nlohmann::ordered_json> ParseFast(std::string_view text, const ParseLimits& limits = {});
// The fast reader's tokens, for readers that build other values from the same text (the case
// reader builds FEEL values): each reads the token at `p` (a string at its opening quote) and moves
// `p` past it, exactly as ParseFast reads it, or returns false where ParseFast declines.
namespace fast {
bool String(const char*& p, const char* end, std::string_view& out);  // printable ASCII, no escapes
bool Number(const char*& p, const char* end, nlohmann::ordered_json& out);
}  // namespace fast

// ParseStrict without the fast reader: nlohmann's SAX parser, whose messages every error keeps
// (tests and the fuzz target hold ParseFast against it).
tl::expected<nlohmann::ordered_json, ParseError> ParseStrictGeneral(std::string_view text,
                                                                    const ParseLimits& limits = {});

// `text` with every byte that is not part of well-formed UTF-8 replaced by U+FFFD, and C0/C1
// control characters other than tab and newline (terminal escapes) replaced by U+FFFD too when
// `controls` is set.
std::string SanitizeUtf8(std::string_view text, bool controls = false);

}  // namespace zebra::json
