// Conversion between JSON documents and FEEL values, shared by every front end.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "feel/value.h"

namespace zebra::json {

// Objects → contexts (key order kept), arrays → lists, numbers → decimals (shortest
// round-trip digits), strings, booleans, null.
feel::Value ValueFromJson(const nlohmann::ordered_json& j);
// Numbers as JSON numbers when they round-trip through double, else as strings; temporal
// values as ISO 8601 strings; ranges and functions as their FEEL text.
nlohmann::ordered_json ValueToJson(const feel::Value& v);

// Appends exactly d.ToString() (plain notation, the decimal's own digits) without a temporary
// string: the number of a JSON answer as `zebra dmn eval` writes it.
void AppendDecimal(std::string& out, const feel::Decimal& d);

// Deepest bracket nesting of a JSON text, counted without parsing (strings skipped), so hostile
// input can be refused before any parser recurses into it.
size_t NestingDepth(std::string_view text);

}  // namespace zebra::json
