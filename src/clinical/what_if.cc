// What-if: the case evaluated again with one field changed, for each probe the knowledge gives
// (ranking.dmn "What If Probes"). Which fields and values to try is knowledge; this file only sets
// the field, validates, evaluates and compares the options and the first choice.
#include <algorithm>

#include "clinical/clinical.h"

namespace zebra::clinical {
namespace {

// Option ids of a recommendation, in rank order.
std::vector<std::string> OptionIds(const Json& recommendation) {
  std::vector<std::string> out;
  if (!recommendation.contains("options")) return out;
  for (const auto& o : recommendation["options"])
    if (o.contains("id") && o["id"].is_string()) out.push_back(o["id"].get<std::string>());
  return out;
}

std::string TitleOf(const Json& catalogue, const std::string& id) {
  if (catalogue.contains("options") && catalogue["options"].contains(id)) {
    const Json& o = catalogue["options"][id];
    if (o.is_object() && o.contains("title") && o["title"].is_string()) return o["title"].get<std::string>();
  }
  return id;
}

std::string ValueText(const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

}  // namespace

bool SetCaseField(Json& case_json, const std::string& path, const Json& value, std::string& error) {
  auto fail = [&](const std::string& message) {
    error = message;
    return false;
  };
  if (path.empty()) return fail("empty path");
  Json* at = &case_json;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '[') {
      size_t close = path.find(']', i);
      if (close == std::string::npos || close == i + 1) return fail("unclosed [index]");
      std::string digits = path.substr(i + 1, close - i - 1);
      if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 6)
        return fail("index must be a number");
      size_t index = std::stoul(digits);
      if (!at->is_array() || index >= at->size()) return fail("no list element [" + digits + "] here");
      at = &(*at)[index];
      i = close + 1;
      if (i < path.size() && path[i] == '.') ++i;
      continue;
    }
    size_t end = path.find_first_of(".[", i);
    std::string key = path.substr(i, end == std::string::npos ? std::string::npos : end - i);
    if (key.empty()) return fail("empty name in path");
    if (at->is_null()) *at = Json::object();
    if (!at->is_object()) return fail("\"" + key + "\" is under a value that is not an object");
    at = &(*at)[key];
    i = end == std::string::npos ? path.size() : end;
    if (i < path.size() && path[i] == '.') ++i;
  }
  *at = value;
  return true;
}

Json WhatIf(const KnowledgeBase& kb, const Json& case_json, const Json& recommendation, const Json& probes) {
  Json out = Json::array();
  if (!probes.is_array()) return out;
  const std::vector<std::string> base = OptionIds(recommendation);
  const std::string base_first = base.empty() ? std::string() : base.front();
  std::vector<std::string> tried;
  for (const auto& probe : probes) {
    if (!probe.is_object() || !probe.contains("field") || !probe["field"].is_string()) continue;
    const std::string field = probe["field"].get<std::string>();
    Json values = probe.value("values", Json::array());
    if (!values.is_array()) values = Json::array({values});
    for (const auto& value : values) {
      std::string key = field + "=" + value.dump();
      if (std::find(tried.begin(), tried.end(), key) != tried.end()) continue;
      tried.push_back(key);
      Json changed = case_json;
      std::string error;
      if (!SetCaseField(changed, field, value, error)) continue;
      if (!ValidateCaseJson(changed, kb).empty()) continue;
      const std::vector<std::string> ids = OptionIds(Evaluate(kb, changed));
      const std::string first = ids.empty() ? std::string() : ids.front();
      Json added = Json::array(), removed = Json::array();
      for (const auto& id : ids)
        if (std::find(base.begin(), base.end(), id) == base.end()) added.push_back(id);
      for (const auto& id : base)
        if (std::find(ids.begin(), ids.end(), id) == ids.end()) removed.push_back(id);
      if (added.empty() && removed.empty() && first == base_first) continue;
      const Json& catalogue = kb.catalogue;
      std::string summary = "If " + field + " were " + ValueText(value) + ", ";
      if (first == base_first) summary += "the first choice would stay " + TitleOf(catalogue, first);
      else if (first.empty()) summary += "no option would remain";
      else summary += "the first choice would become " + TitleOf(catalogue, first) +
                      (base_first.empty() ? "" : " (now " + TitleOf(catalogue, base_first) + ")");
      auto names = [&](const Json& list) {
        std::string s;
        for (const auto& id : list) s += (s.empty() ? "" : ", ") + TitleOf(catalogue, id.get<std::string>());
        return s;
      };
      if (!added.empty()) summary += "; added: " + names(added);
      if (!removed.empty()) summary += "; removed: " + names(removed);
      summary += ".";
      if (probe.contains("line") && probe["line"].is_string()) summary += " " + probe["line"].get<std::string>();
      Json e = Json::object();
      e["field"] = field;
      e["value"] = value;
      e["why"] = probe.value("why", "");
      e["first_choice"] = first.empty() ? Json() : Json(first);
      e["added"] = std::move(added);
      e["removed"] = std::move(removed);
      e["summary"] = std::move(summary);
      out.push_back(std::move(e));
    }
  }
  return out;
}

}  // namespace zebra::clinical
