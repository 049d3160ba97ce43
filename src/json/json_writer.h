// A fast JSON writer that produces exactly the bytes of nlohmann 3.11.2's dump(), appended to a
// caller's buffer. Output bytes are a contract here (stored evaluations are compared byte for
// byte), so every rule of nlohmann's serializer is kept: key order, escapes, number formatting,
// pretty-print layout, and its accept/reject decision on invalid UTF-8.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace zebra::json {

using Utf8Handler = nlohmann::json::error_handler_t;

// Appends what v.dump(indent, ' ', false, on_invalid_utf8) returns: indent < 0 is compact,
// indent >= 0 pretty-prints with that many spaces per level.
// With Utf8Handler::strict, a string that is not valid UTF-8 throws nlohmann's own
// type_error 316 (same message); `out` may then hold a partial value, as with nlohmann's
// serializer, so callers that keep `out` cut it back. replace/ignore behave as nlohmann's.
void AppendJson(std::string& out, const nlohmann::ordered_json& v, int indent = -1,
                Utf8Handler on_invalid_utf8 = Utf8Handler::strict);
void AppendJson(std::string& out, const nlohmann::json& v, int indent = -1,
                Utf8Handler on_invalid_utf8 = Utf8Handler::strict);

// Appends s as a JSON string literal (quotes included), as nlohmann::json(s).dump() would.
void AppendJsonString(std::string& out, std::string_view s, Utf8Handler on_invalid_utf8 = Utf8Handler::strict);

// The writer's answer as a new string: same bytes as v.dump(indent).
std::string DumpJson(const nlohmann::ordered_json& v, int indent = -1);

}  // namespace zebra::json
