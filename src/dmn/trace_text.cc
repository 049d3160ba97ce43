#include "dmn/trace_text.h"

#include <nlohmann/json.hpp>

#include "json/json_writer.h"

namespace zebra::dmn::internal {

std::string TraceEntryText(std::string_view decision, std::string_view rule) {
  std::string text = "{\"decision\":";
  try {
    json::AppendJsonString(text, decision);
    text += ",\"rule\":";
    json::AppendJsonString(text, rule);
  } catch (const nlohmann::json::exception&) {
    return {};  // (invalid UTF-8: written at use, where it throws as the tree's dump would)
  }
  text += ",\"hit\":true}";
  return text;
}

}  // namespace zebra::dmn::internal
