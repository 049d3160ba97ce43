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

}  // namespace zebra::json
