// The OpenAPI description as served at GET /v1/openapi.json: src/server/openapi.json with the case
// schema (schema/case.schema.json, as the knowledge base loaded it) embedded as
// components/schemas/Case at load time, so the two cannot drift apart.
#pragma once

#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "engine/engine.h"

namespace zebra::server {

// The served text; the error names what is wrong (not JSON, no components/schemas/Case).
tl::expected<std::string, std::string> ServedOpenApi(std::string_view openapi_text,
                                                     const engine::Knowledge& knowledge);

}  // namespace zebra::server
