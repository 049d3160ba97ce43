#include "clinical/kb_tools.h"

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "clinical/clinical.h"

namespace zebra::clinical {
namespace {

using nlohmann::ordered_json;

std::string LocalName(const pugi::xml_node& n) {
  std::string name = n.name();
  auto colon = name.find(':');
  return colon == std::string::npos ? name : name.substr(colon + 1);
}

std::vector<pugi::xml_node> Children(const pugi::xml_node& n, std::string_view local) {
  std::vector<pugi::xml_node> out;
  for (auto c : n.children())
    if (LocalName(c) == local) out.push_back(c);
  return out;
}

pugi::xml_node Child(const pugi::xml_node& n, std::string_view local) {
  for (auto c : n.children())
    if (LocalName(c) == local) return c;
  return {};
}

std::string EntryText(const pugi::xml_node& entry) {
  std::string t = Child(entry, "text").text().get();
  size_t b = t.find_first_not_of(" \t\r\n");
  size_t e = t.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : t.substr(b, e - b + 1);
}

int LineOf(const std::string& text, ptrdiff_t offset) {
  int line = 1;
  for (ptrdiff_t i = 0; i < offset && i < static_cast<ptrdiff_t>(text.size()); ++i)
    if (text[static_cast<size_t>(i)] == '\n') ++line;
  return line;
}

ordered_json ReadJson(const std::filesystem::path& p) {
  std::ifstream in(p);
  if (!in) return ordered_json();
  std::stringstream ss;
  ss << in.rdbuf();
  ordered_json j = ordered_json::parse(ss.str(), nullptr, false);
  return j.is_discarded() ? ordered_json() : j;
}

std::vector<std::string> ManifestModels(const ordered_json& manifest) {
  std::vector<std::string> out;
  if (manifest.contains("models") && manifest["models"].is_array())
    for (const auto& m : manifest["models"])
      if (m.is_string()) out.push_back(m.get<std::string>());
  return out;
}

std::vector<std::string> SplitKeys(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s + ",") {
    if (c == ',' || c == ';') {
      size_t b = cur.find_first_not_of(" \t\"");
      size_t e = cur.find_last_not_of(" \t\"");
      if (b != std::string::npos) out.push_back(cur.substr(b, e - b + 1));
      cur.clear();
    } else {
      cur += c;
    }
  }
  return out;
}

}  // namespace

std::vector<KbRule> ReadKbRules(const std::filesystem::path& dmn_file, std::vector<std::string>* errors) {
  std::vector<KbRule> rules;
  std::ifstream in(dmn_file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  pugi::xml_document doc;
  auto parsed = doc.load_buffer(text.data(), text.size(), pugi::parse_default & ~pugi::parse_doctype);
  if (!parsed) {
    if (errors) errors->push_back(dmn_file.string() + ": " + parsed.description());
    return rules;
  }
  auto defs = doc.document_element();
  for (auto decision : Children(defs, "decision")) {
    for (auto dt : decision.children()) {
      if (LocalName(dt) != "decisionTable") continue;
      std::vector<std::string> annotation_names;
      for (auto a : Children(dt, "annotation")) annotation_names.push_back(a.attribute("name").value());
      int index = 0;
      for (auto rule : Children(dt, "rule")) {
        KbRule r;
        r.model = dmn_file.filename().string();
        r.decision = decision.attribute("name").value();
        r.rule_id = rule.attribute("id").value();
        r.index = ++index;
        r.line = LineOf(text, rule.offset_debug());
        r.hit_policy = dt.attribute("hitPolicy").empty() ? "UNIQUE" : dt.attribute("hitPolicy").value();
        for (auto e : Children(rule, "inputEntry")) r.inputs.push_back(EntryText(e));
        for (auto e : Children(rule, "outputEntry")) r.outputs.push_back(EntryText(e));
        for (auto e : Children(rule, "annotationEntry")) r.annotations.push_back(EntryText(e));
        r.annotation_names = annotation_names;
        rules.push_back(std::move(r));
      }
    }
  }
  return rules;
}

KbCheckResult CheckKnowledgeBase(const std::filesystem::path& dir) {
  KbCheckResult res;
  auto kb = LoadKnowledgeBase(dir);
  if (!kb) {
    res.errors = kb.error();
    return res;
  }
  const KnowledgeBase& k = **kb;
  res.models = static_cast<int>(k.models.size());
  std::set<std::string> citation_keys;
  if (k.citations.is_object())
    for (const auto& [key, v] : k.citations.items()) citation_keys.insert(key);
  res.citations = static_cast<int>(citation_keys.size());
  std::set<std::string> option_ids, alert_ids, workup_ids;
  auto collect = [&](const char* section, std::set<std::string>& out) {
    if (k.catalogue.contains(section) && k.catalogue[section].is_object())
      for (const auto& [key, v] : k.catalogue[section].items()) out.insert(key);
  };
  collect("options", option_ids);
  collect("alerts", alert_ids);
  collect("workup", workup_ids);
  res.options = static_cast<int>(option_ids.size());
  if (k.catalogue.contains("options"))
    for (const auto& [id, entry] : k.catalogue["options"].items()) {
      if (!entry.contains("citations") || !entry["citations"].is_array() || entry["citations"].empty())
        res.errors.push_back("catalogue.json: option " + id + " has no citations");
      else
        for (const auto& c : entry["citations"])
          if (!c.is_string() || !citation_keys.count(c.get<std::string>()))
            res.errors.push_back("catalogue.json: option " + id + " cites unknown key " + c.dump());
    }

  static const std::regex kIdLiteral(R"re("((surveillance|surgery|ssa|prrt|targeted|chemo|liver|radiation|symptom|trial|alert|workup)\.[a-z0-9_]+)")re");
  for (const auto& m : ManifestModels(k.manifest)) {
    std::vector<std::string> errors;
    auto rules = ReadKbRules(dir / m, &errors);
    res.errors.insert(res.errors.end(), errors.begin(), errors.end());
    std::set<std::string> ids;
    std::map<std::string, std::vector<const KbRule*>> by_table;
    for (const auto& r : rules) {
      ++res.rules;
      std::string where = m + ":" + std::to_string(r.line) + ": decision '" + r.decision + "' rule " +
                          std::to_string(r.index) + (r.rule_id.empty() ? "" : " (" + r.rule_id + ")");
      if (r.rule_id.empty()) res.errors.push_back(where + ": rule has no id");
      else if (!ids.insert(r.rule_id).second) res.errors.push_back(where + ": duplicate rule id");
      // Citation keys: the annotation column named "citation" (or the first one).
      size_t col = 0;
      for (size_t i = 0; i < r.annotation_names.size(); ++i)
        if (r.annotation_names[i] == "citation" || r.annotation_names[i] == "citations") col = i;
      if (r.annotations.size() <= col || r.annotations[col].empty()) {
        res.errors.push_back(where + ": rule has no citation");
      } else {
        for (const auto& key : SplitKeys(r.annotations[col]))
          if (!citation_keys.count(key)) res.errors.push_back(where + ": cites unknown key '" + key + "'");
      }
      for (const auto& out : r.outputs) {
        for (std::sregex_iterator it(out.begin(), out.end(), kIdLiteral), end; it != end; ++it) {
          std::string id = (*it)[1];
          std::string family = id.substr(0, id.find('.'));
          if (family == "alert") {
            if (!alert_ids.empty() && !alert_ids.count(id)) res.errors.push_back(where + ": unknown alert id " + id);
          } else if (family == "workup") {
            if (!workup_ids.empty() && !workup_ids.count(id)) res.errors.push_back(where + ": unknown workup id " + id);
          } else if (!option_ids.count(id)) {
            res.errors.push_back(where + ": option id " + id + " is not in the catalogue");
          }
        }
      }
      by_table[r.decision].push_back(&r);
    }
    // Unique-hit tables: two rules with identical input entries can both match: an error.
    for (const auto& [decision, table] : by_table) {
      if (table.empty() || (table[0]->hit_policy != "UNIQUE" && table[0]->hit_policy != "ANY")) continue;
      for (size_t i = 0; i < table.size(); ++i)
        for (size_t j = i + 1; j < table.size(); ++j)
          if (table[i]->inputs == table[j]->inputs) {
            bool same_out = table[i]->outputs == table[j]->outputs;
            if (table[0]->hit_policy == "UNIQUE" || !same_out)
              res.errors.push_back(m + ": decision '" + decision + "' rules " + std::to_string(table[i]->index) + " and " +
                                   std::to_string(table[j]->index) + " have identical inputs (shadowed rule)");
          }
    }
  }
  return res;
}

std::string ListKnowledgeBase(const std::filesystem::path& dir) {
  std::ostringstream o;
  ordered_json manifest = ReadJson(dir / "manifest.json");
  o << "knowledge " << manifest.value("knowledge_version", "?") << " (" << manifest.value("release_date", "?") << ")";
  if (manifest.contains("title")) o << " " << manifest["title"].get<std::string>();
  o << "\n";
  for (const auto& m : ManifestModels(manifest)) {
    auto rules = ReadKbRules(dir / m, nullptr);
    std::map<std::string, int> counts;
    std::vector<std::string> order;
    for (const auto& r : rules) {
      if (!counts.count(r.decision)) order.push_back(r.decision);
      ++counts[r.decision];
    }
    o << "model " << m << "\n";
    for (const auto& d : order) o << "  " << d << ": " << counts[d] << " rules\n";
  }
  ordered_json cat = ReadJson(dir / manifest.value("catalogue", "catalogue.json"));
  if (cat.contains("options")) {
    o << "options (" << cat["options"].size() << ")\n";
    for (const auto& [id, e] : cat["options"].items())
      o << "  " << id << ": " << (e.contains("title") ? e["title"].get<std::string>() : "") << "\n";
  }
  ordered_json cit = ReadJson(dir / manifest.value("citations", "citations.json"));
  if (cit.is_object()) {
    o << "citations (" << cit.size() << ")\n";
    for (const auto& [key, e] : cit.items())
      o << "  " << key << ": " << (e.contains("reference") ? e["reference"].get<std::string>() : "") << "\n";
  }
  return o.str();
}

std::string DiffKnowledgeBases(const std::filesystem::path& old_dir, const std::filesystem::path& new_dir) {
  std::ostringstream o;
  ordered_json om = ReadJson(old_dir / "manifest.json");
  ordered_json nm = ReadJson(new_dir / "manifest.json");
  o << "knowledge " << om.value("knowledge_version", "?") << " -> " << nm.value("knowledge_version", "?") << "\n";
  auto rule_map = [](const std::filesystem::path& dir, const ordered_json& manifest) {
    std::map<std::string, KbRule> out;
    for (const auto& m : ManifestModels(manifest))
      for (auto& r : ReadKbRules(dir / m, nullptr))
        out[m + "/" + r.decision + "/" + (r.rule_id.empty() ? std::to_string(r.index) : r.rule_id)] = r;
    return out;
  };
  auto describe = [](const KbRule& r) {
    std::string s = "when ";
    for (size_t i = 0; i < r.inputs.size(); ++i) s += (i ? " | " : "") + r.inputs[i];
    s += " then ";
    for (size_t i = 0; i < r.outputs.size(); ++i) s += (i ? " | " : "") + r.outputs[i];
    for (size_t i = 0; i < r.annotations.size(); ++i) s += " [" + r.annotations[i] + "]";
    return s;
  };
  auto old_rules = rule_map(old_dir, om);
  auto new_rules = rule_map(new_dir, nm);
  int changes = 0;
  for (const auto& [key, r] : old_rules) {
    auto it = new_rules.find(key);
    if (it == new_rules.end()) {
      o << "rule removed: " << key << "\n    " << describe(r) << "\n";
      ++changes;
    } else if (r.inputs != it->second.inputs || r.outputs != it->second.outputs || r.annotations != it->second.annotations) {
      o << "rule changed: " << key << "\n  - " << describe(r) << "\n  + " << describe(it->second) << "\n";
      ++changes;
    }
  }
  for (const auto& [key, r] : new_rules)
    if (!old_rules.count(key)) {
      o << "rule added: " << key << "\n    " << describe(r) << "\n";
      ++changes;
    }
  auto diff_objects = [&](const char* what, const ordered_json& a, const ordered_json& b) {
    if (!a.is_object() || !b.is_object()) return;
    for (const auto& [k, v] : a.items()) {
      if (!b.contains(k)) {
        o << what << " removed: " << k << "\n";
        ++changes;
      } else if (b[k] != v) {
        o << what << " changed: " << k << "\n";
        ++changes;
      }
    }
    for (const auto& [k, v] : b.items())
      if (!a.contains(k)) {
        o << what << " added: " << k << "\n";
        ++changes;
      }
  };
  ordered_json oc = ReadJson(old_dir / om.value("catalogue", "catalogue.json"));
  ordered_json nc = ReadJson(new_dir / nm.value("catalogue", "catalogue.json"));
  diff_objects("option", oc.value("options", ordered_json::object()), nc.value("options", ordered_json::object()));
  diff_objects("citation", ReadJson(old_dir / om.value("citations", "citations.json")),
               ReadJson(new_dir / nm.value("citations", "citations.json")));
  o << changes << " change(s)\n";
  return o.str();
}

}  // namespace zebra::clinical
