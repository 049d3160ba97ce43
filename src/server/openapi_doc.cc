#include "server/openapi_doc.h"

#include <nlohmann/json.hpp>

namespace zebra::server {

tl::expected<std::string, std::string> ServedOpenApi(std::string_view openapi_text,
                                                     const engine::Knowledge& knowledge) {
  using Json = nlohmann::ordered_json;
  const auto& case_schema = knowledge.case_schema();
  Json doc = Json::parse(openapi_text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return tl::unexpected(std::string("is not valid JSON"));
  auto components = doc.find("components");
  if (components == doc.end() || !components->is_object() || !components->contains("schemas") ||
      !(*components)["schemas"].contains("Case"))
    return tl::unexpected(std::string("has no components/schemas/Case to embed the case schema in"));
  if (!case_schema.is_object() || !case_schema.contains("properties"))
    return tl::unexpected(std::string("cannot embed the case schema: it has no properties"));
  // OpenAPI 3.1 schemas are JSON Schema 2020-12: the case schema goes in as it is, without the
  // identifiers that belong to a stand-alone document.
  Json embedded = Json::parse(case_schema.dump());
  embedded.erase("$schema");
  embedded.erase("$id");
  (*components)["schemas"]["Case"] = std::move(embedded);
  return doc.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace zebra::server
