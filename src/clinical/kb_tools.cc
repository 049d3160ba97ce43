#include "clinical/kb_tools.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "build_info.h"
#include "clinical/clinical.h"
#include "dmn/model.h"

namespace zebra::clinical {
namespace {

using nlohmann::ordered_json;

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

std::vector<KbRule> KbRules(const dmn::Model& model, const std::string& file) {
  std::vector<KbRule> rules;
  for (const auto& decision : model.Describe().decisions)
    for (const auto& table : decision.tables)
      for (const auto& rule : table.rules) {
        KbRule r;
        r.model = file;
        r.decision = decision.name;
        r.rule_id = rule.id;
        r.index = rule.index;
        r.line = rule.line;
        r.inputs = rule.inputs;
        r.outputs = rule.outputs;
        r.output_literals = rule.output_literals;
        r.annotations = rule.annotations;
        r.annotation_names = table.annotations;
        r.hit_policy = table.hit_policy;
        rules.push_back(std::move(r));
      }
  return rules;
}

std::vector<KbRule> ReadKbRules(const std::filesystem::path& dmn_file, std::vector<std::string>* errors) {
  auto model = dmn::LoadModel(dmn_file);
  if (!model) {
    if (errors)
      for (const auto& d : model.error()) errors->push_back(d.ToString());
    return {};
  }
  return KbRules(**model, dmn_file.filename().string());
}

namespace {
// The family of a string literal that names a catalogue id ("ssa" for "ssa.lanreotide"), or ""
// when the literal is not family.id (id: lower-case letters, digits and _).
std::string IdFamily(std::string_view literal) {
  static const std::set<std::string, std::less<>> kFamilies = {
      "surveillance", "surgery", "ssa", "prrt", "targeted", "chemo", "immuno", "liver", "radiation", "symptom", "trial", "alert", "workup"};
  std::size_t dot = literal.find('.');
  if (dot == std::string_view::npos || dot + 1 == literal.size() || !kFamilies.count(literal.substr(0, dot))) return "";
  for (char c : literal.substr(dot + 1))
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return "";
  return std::string(literal.substr(0, dot));
}

void CheckFieldCoverage(const KnowledgeBase& kb, KbCheckResult& res);

// Spec 4.1: every option names its sources [{guideline, year, strength, url}] with a year, and a
// drug option (ssa., prrt., targeted., chemo., immuno., or any option that declares approval)
// carries approval {fda, ema: approved | off_label | not_approved | not_applicable, note}.
void CheckOptionSources(const std::string& id, const Json& entry, KbCheckResult& res) {
  const std::string where = "catalogue.json: option " + id;
  const Json* sources = entry.is_object() && entry.contains("sources") ? &entry["sources"] : nullptr;
  if (!sources || !sources->is_array() || sources->empty()) {
    res.errors.push_back(where + " has no sources");
  } else {
    for (const auto& s : *sources)
      if (!s.is_object() || !s.contains("guideline") || !s["guideline"].is_string() ||
          s["guideline"].get<std::string>().empty() || !s.contains("year") || !s["year"].is_number_integer())
        res.errors.push_back(where + " has a source without a guideline and a year: " + s.dump());
  }
  static const char* kDrugPrefixes[] = {"ssa.", "prrt.", "targeted.", "chemo.", "immuno."};
  bool drug = entry.is_object() && entry.contains("approval");
  for (const char* p : kDrugPrefixes) drug = drug || id.rfind(p, 0) == 0;
  if (!drug) return;
  const Json* a = entry.is_object() && entry.contains("approval") ? &entry["approval"] : nullptr;
  static const std::set<std::string> kStatus = {"approved", "off_label", "not_approved", "not_applicable"};
  auto ok = [&](const char* k) { return a->contains(k) && (*a)[k].is_string() && kStatus.count((*a)[k].get<std::string>()); };
  if (!a || !a->is_object())
    res.errors.push_back(where + " is a drug option without approval {fda, ema, note}");
  else if (!ok("fda") || !ok("ema") || !a->contains("note") || !(*a)["note"].is_string())
    res.errors.push_back(where + " has an approval that is not {fda, ema: approved|off_label|not_approved|not_applicable, note}");
}
void CheckExclusiveGroups(const KnowledgeBase& kb, const std::set<std::string>& option_ids, KbCheckResult& res);
}  // namespace

std::vector<std::string> MissingPatientTranslations(const KnowledgeBase& kb, const std::string& lang) {
  std::vector<std::string> out;
  const std::string file = "patient/" + lang + ".json";
  auto member = [](const Json& j, const std::string& key) -> const Json* {
    if (!j.is_object()) return nullptr;
    auto it = j.find(key);
    return it == j.end() ? nullptr : &*it;
  };
  const Json* own = member(kb.patient_texts, lang);
  if (!own) return {file + ": missing (the patient texts in " + lang + ")"};
  const Json* en = member(kb.patient_texts, "en");
  auto text = [&](const Json* j) { return j && j->is_string() && !j->get<std::string>().empty(); };
  auto need = [&](const Json* j, const std::string& where) {
    if (!text(j)) out.push_back(file + ": " + where + " is missing");
  };
  auto section = [&](const Json* j, const char* key) { return j ? member(*j, key) : nullptr; };
  const Json* cat_options = member(kb.catalogue, "options");
  if (cat_options && cat_options->is_object())
    for (const auto& [id, entry] : cat_options->items()) {
      if (!member(entry, "patient_text")) continue;
      const Json* row = section(section(own, "options"), id.c_str());
      std::string where = "options." + id;
      for (const char* f : {"name", "what_it_is", "benefits", "if_not_chosen"}) need(section(row, f), where + "." + f);
      if (const Json* se = member(entry, "patient_side_effects"); se && se->is_array()) {
        const Json* harms = section(row, "harms");
        if (!harms || !harms->is_array() || harms->size() != se->size())
          out.push_back(file + ": " + where + ".harms must translate the " + std::to_string(se->size()) +
                        " patient_side_effects");
      }
      if (const Json* inv = member(entry, "involves"); inv && inv->is_object())
        for (const auto& [k, v] : inv->items()) need(section(section(row, "involves"), k.c_str()), where + ".involves." + k);
      if (lang != "en") {
        const Json* en_row = section(section(en, "options"), id.c_str());
        for (const char* f : {"name", "benefits", "if_not_chosen"})
          if (!text(section(en_row, f))) out.push_back("patient/en.json: " + where + "." + f + " is missing");
      }
    }
  for (const char* sec : {"scenarios", "alerts"}) {
    const Json* cat = member(kb.catalogue, sec);
    if (!cat || !cat->is_object()) continue;
    for (const auto& [id, entry] : cat->items())
      if (text(member(entry, "patient_text"))) need(section(section(own, sec), id.c_str()), std::string(sec) + "." + id);
  }
  if (const Json* qa = member(kb.catalogue, "questions_to_ask"); qa && qa->is_object())
    for (const auto& [id, list] : qa->items()) {
      const Json* tr = section(section(own, "questions_to_ask"), id.c_str());
      if (!tr || !tr->is_array() || tr->size() != list.size())
        out.push_back(file + ": questions_to_ask." + id + " must translate the " + std::to_string(list.size()) + " questions");
    }
  if (const Json* pieces = section(en, "summary"); pieces && pieces->is_object())
    for (const auto& [id, v] : pieces->items()) need(section(section(own, "summary"), id.c_str()), "summary." + id);
  if (const Json* goals = section(en, "goals"); goals && goals->is_object())
    for (const auto& [id, v] : goals->items()) need(section(section(own, "goals"), id.c_str()), "goals." + id);
  return out;
}

KbCheckResult CheckKnowledgeBase(const std::filesystem::path& dir) {
  KbCheckResult res;
  auto kb = LoadKnowledgeBase(dir);
  if (!kb) {
    for (const auto& e : kb.error()) res.errors.push_back(common::ToString(e));
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
      CheckOptionSources(id, entry, res);
    }

  for (const auto& model : k.models) {
    const std::string& m = model.file;
    auto rules = KbRules(*model.model, std::filesystem::path(m).filename().string());
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
      for (const auto& id : r.output_literals) {
        std::string family = IdFamily(id);
        if (family.empty()) continue;
        if (family == "alert") {
          if (!alert_ids.empty() && !alert_ids.count(id)) res.errors.push_back(where + ": unknown alert id " + id);
        } else if (family == "workup") {
          if (!workup_ids.empty() && !workup_ids.count(id)) res.errors.push_back(where + ": unknown workup id " + id);
        } else if (!option_ids.count(id)) {
          res.errors.push_back(where + ": option id " + id + " is not in the catalogue");
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
  CheckFieldCoverage(k, res);
  if (res.errors.empty()) CheckExclusiveGroups(k, option_ids, res);
  for (auto& m : MissingPatientTranslations(k, "ar")) res.errors.push_back(std::move(m));
  return res;
}

// ---- case-field coverage ------------------------------------------------------------------------

namespace {

// Leaf fields of the case schema as JSON paths; items of a list of objects as `list[].key`.
void SchemaLeaves(const Json& schema, const std::string& prefix, std::vector<std::string>& out) {
  if (!schema.is_object()) return;
  if (schema.contains("properties") && schema["properties"].is_object()) {
    for (const auto& [key, sub] : schema["properties"].items())
      SchemaLeaves(sub, prefix.empty() ? key : prefix + "." + key, out);
    return;
  }
  if (schema.value("type", "") == "array" && schema.contains("items") && schema["items"].contains("properties")) {
    SchemaLeaves(schema["items"], prefix + "[]", out);
    return;
  }
  out.push_back(prefix);
}

// FEEL text without its string literals, so "site" the string is not site the name.
std::string WithoutStrings(const std::string& text) {
  std::string out = text;
  bool in_string = false;
  for (size_t i = 0; i < out.size(); ++i) {
    if (in_string && out[i] == '\\' && i + 1 < out.size()) {
      out[i] = out[i + 1] = ' ';  // an escaped character, a quote perhaps
      ++i;
    } else if (in_string || out[i] == '"') {
      if (out[i] == '"') in_string = !in_string;
      out[i] = ' ';
    }
  }
  return out;
}

bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

}  // namespace

std::vector<std::string> CasePaths(std::string_view text) {
  std::vector<std::string> out;
  auto name_start = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; };
  for (size_t p = text.find("Case"); p != std::string_view::npos; p = text.find("Case", p + 1)) {
    if (p > 0 && IsNameChar(text[p - 1])) continue;
    size_t end = p + 4;
    while (end + 1 < text.size() && text[end] == '.' && name_start(text[end + 1])) {
      end += 2;
      while (end < text.size() && IsNameChar(text[end])) ++end;
    }
    if (end == p + 4) continue;
    out.push_back(std::string(text.substr(p + 5, end - p - 5)));
    p = end - 1;
  }
  return out;
}

namespace {

// Whole-word occurrences of `name` (which may contain spaces) in `text`.
std::vector<size_t> FindName(const std::string& text, const std::string& name) {
  std::vector<size_t> at;
  for (size_t p = text.find(name); p != std::string::npos; p = text.find(name, p + 1)) {
    bool left = p == 0 || (!IsNameChar(text[p - 1]) && text[p - 1] != '.');
    size_t end = p + name.size();
    bool right = end >= text.size() || !IsNameChar(text[end]);
    if (left && right) at.push_back(p);
  }
  return at;
}

// One named piece of logic: a decision, or an entry of a boxed-context decision.
struct Unit {
  std::string model, decision, entry;  // entry empty for the decision itself
  std::vector<std::string> texts;      // expressions (literal, context entry, table inputs)
  struct Row {
    std::string rule_id;
    std::vector<std::string> inputs, outputs;
  };
  std::vector<std::string> columns;  // table input expressions
  std::vector<Row> rows;
  bool table = false;
};

class FieldGraph {
 public:
  void Load(const dmn::ModelDescription& description, const std::string& model) {
    for (const auto& decision : description.decisions) {
      const std::string& name = decision.name;
      Unit u{model, name, "", {}, {}, {}, false};
      if (decision.literal_expression) u.texts.push_back(*decision.literal_expression);
      for (const auto& entry : decision.context) {
        if (entry.variable.empty()) {
          u.texts.push_back(entry.text);  // the context's result
        } else {
          entries_[name][entry.variable] = entry.text;
          u.texts.push_back(entry.variable);  // the decision depends on each of its entries
        }
      }
      for (const auto& table : decision.tables) {
        u.table = true;
        u.columns.insert(u.columns.end(), table.inputs.begin(), table.inputs.end());
        for (const auto& rule : table.rules) u.rows.push_back({rule.id, rule.inputs, rule.outputs});
      }
      units_[name] = std::move(u);
      names_.push_back(name);
    }
  }

  // Case fields (JSON paths) an expression depends on, inside decision `scope` (for bare entry names).
  std::set<std::string> Deps(const std::string& raw, const std::string& scope) {
    std::string text = WithoutStrings(raw);
    std::set<std::string> out;
    for (auto& path : CasePaths(text)) out.insert(std::move(path));
    // Longest names first, so "Candidate Options" is not read as "Options".
    std::vector<std::string> names = names_;
    std::sort(names.begin(), names.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    std::string rest = text;
    for (const auto& n : names) {
      for (size_t p : FindName(rest, n)) {
        size_t end = p + n.size();
        std::string entry;
        if (end < rest.size() && rest[end] == '.') {
          size_t e = end + 1;
          while (e < rest.size() && IsNameChar(rest[e])) ++e;
          entry = rest.substr(end + 1, e - end - 1);
        }
        // Only derived facts (entries of a boxed context) pass fields on; another decision's result
        // is that decision's reading, reported at its own rules.
        auto ents = entries_.find(n);
        if (!entry.empty() && ents != entries_.end() && ents->second.count(entry)) Merge(out, EntryDeps(n, entry));
        std::fill(rest.begin() + static_cast<std::ptrdiff_t>(p), rest.begin() + static_cast<std::ptrdiff_t>(end), ' ');
      }
    }
    // Bare names of entries of the same boxed context.
    if (auto ents = entries_.find(scope); ents != entries_.end())
      for (const auto& [var, t] : ents->second)
        if (!FindName(rest, var).empty()) Merge(out, EntryDeps(scope, var));
    // A list of objects (prior_therapies) passed on whole: its items' keys are read where `.key` appears.
    for (const std::string list : {"history.prior_therapies"})
      if (out.count(list))
        for (const char* key : {"option", "response", "months", "stopped", "progression_free_months"})
          if (text.find(std::string(".") + key) != std::string::npos) out.insert(list + "[]." + key);
    return out;
  }

  // field -> rules that read it
  std::map<std::string, std::set<std::string>> Readers() {
    std::map<std::string, std::set<std::string>> out;
    for (const auto& n : names_) {
      const Unit& u = units_[n];
      if (!u.table) continue;
      std::vector<std::set<std::string>> col;
      for (const auto& c : u.columns) col.push_back(Deps(c, n));
      for (const auto& row : u.rows) {
        std::set<std::string> fields;
        for (size_t i = 0; i < row.inputs.size() && i < col.size(); ++i)
          if (row.inputs[i] != "-" && !row.inputs[i].empty()) Merge(fields, col[i]);
        for (const auto& o : row.outputs) Merge(fields, Deps(o, n));
        for (const auto& f : fields) out[f].insert(u.model + ":" + (row.rule_id.empty() ? n : row.rule_id));
      }
    }
    return out;
  }

 private:
  static void Merge(std::set<std::string>& into, const std::set<std::string>& from) { into.insert(from.begin(), from.end()); }

  std::set<std::string> EntryDeps(const std::string& decision, const std::string& entry) {
    std::string key = decision + "\x1f" + entry;
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    memo_[key] = {};  // cycles end here
    auto r = Deps(entries_[decision][entry], decision);
    memo_[key] = r;
    return r;
  }

  std::map<std::string, Unit> units_;
  std::vector<std::string> names_;
  std::map<std::string, std::map<std::string, std::string>> entries_;
  std::map<std::string, std::set<std::string>> memo_;
};

}  // namespace

namespace {

std::vector<FieldReaders> FieldReadersOf(FieldGraph& graph, const std::filesystem::path& dir) {
  auto readers = graph.Readers();
  std::filesystem::path schema_path = dir.parent_path() / "schema" / "case.schema.json";
  if (!std::filesystem::exists(schema_path)) schema_path = std::filesystem::path(ZEBRA_SOURCE_DIR) / "schema" / "case.schema.json";
  std::vector<std::string> leaves;
  SchemaLeaves(ReadJson(schema_path), "", leaves);
  std::vector<FieldReaders> out;
  for (const auto& leaf : leaves) {
    FieldReaders f{leaf, {}};
    // A rule reading an object or list whole reads each of its fields.
    for (const auto& [path, rules] : readers)
      if (path == leaf || leaf.starts_with(path + ".") || (leaf.starts_with(path + "[]") && !leaf.starts_with(path + "[].")))
        f.rules.insert(f.rules.end(), rules.begin(), rules.end());
    std::sort(f.rules.begin(), f.rules.end());
    f.rules.erase(std::unique(f.rules.begin(), f.rules.end()), f.rules.end());
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

std::vector<FieldReaders> CaseFieldReaders(const std::filesystem::path& dir, std::vector<std::string>* errors) {
  FieldGraph graph;
  for (const auto& m : ManifestModels(ReadJson(dir / "manifest.json"))) {
    auto model = dmn::LoadModel(dir / m);
    if (model) graph.Load((*model)->Describe(), m);
    else if (errors)
      for (const auto& d : model.error()) errors->push_back(d.ToString());
  }
  return FieldReadersOf(graph, dir);
}

std::vector<FieldReaders> CaseFieldReaders(const KnowledgeBase& kb) {
  FieldGraph graph;
  for (const auto& m : kb.models) graph.Load(m.model->Describe(), m.file);
  return FieldReadersOf(graph, kb.dir);
}

namespace {

void CheckFieldCoverage(const KnowledgeBase& kb, KbCheckResult& res) {
  const Json& manifest = kb.manifest;
  std::map<std::string, std::string> informational;
  if (manifest.contains("informational_fields") && manifest["informational_fields"].is_object())
    for (const auto& [field, reason] : manifest["informational_fields"].items()) {
      if (!reason.is_string() || reason.get<std::string>().empty())
        res.errors.push_back("manifest.json: informational field " + field + " needs a reason");
      else
        informational[field] = reason.get<std::string>();
    }
  std::set<std::string> known;
  for (const auto& f : CaseFieldReaders(kb)) {
    known.insert(f.field);
    std::string line = f.field + ": ";
    if (!f.rules.empty()) {
      ++res.fields_read;
      line += "read by " + std::to_string(f.rules.size()) + " rule(s): ";
      for (size_t i = 0; i < f.rules.size(); ++i) line += (i ? ", " : "") + f.rules[i];
    } else if (informational.count(f.field)) {
      ++res.fields_informational;
      line += "informational: " + informational[f.field];
    } else {
      line += "UNREAD";
      res.errors.push_back("case field " + f.field +
                           " is read by no rule and not marked informational (with a reason) in manifest.json");
    }
    res.field_report.push_back(std::move(line));
  }
  for (const auto& [field, reason] : informational)
    if (!known.count(field)) res.errors.push_back("manifest.json: informational field " + field + " is not a case field");
}

}  // namespace

// Cases across sites, grades, sizes, extents, syndromes, hereditary status and setting: enough
// to reach every scenario the groups can meet, few enough to run in seconds.
std::vector<Json> GeneratedCases() {
  std::vector<Json> out;
  const char* sites[] = {"stomach", "duodenum", "ampulla", "jejunum_ileum", "appendix", "colon", "rectum",
                         "pancreas", "lung", "thymus", "unknown_primary", "other"};
  const double kis[] = {2, 15, 35, -1};
  const double sizes[] = {0.8, 1.5, 2.5, 4};
  const char* extents[] = {"localized", "liver_resectable", "liver_unresectable", "extrahepatic"};
  const char* hereditary[] = {"none", "men1", "vhl"};
  const char* syndromes[] = {"none", "insulinoma", "carcinoid_syndrome", ""};
  const char* settings[] = {"new_diagnosis", "after_resection"};
  int n = 0;
  for (const char* site : sites)
    for (const char* gtype : {"type1", "type3"}) {
      if (std::string(site) != "stomach" && std::string(gtype) == "type3") continue;
      for (double ki : kis)
        for (double size : sizes)
          for (const char* extent : extents)
            for (const char* h : hereditary)
              for (const char* fs : syndromes)
                for (const char* setting : settings) {
                  Json c = {{"schema", "zebra.case/v1"}, {"id", "gen-" + std::to_string(++n)}};
                  c["patient"] = {{"hereditary_syndrome", h}, {"ecog", 1}};
                  Json t = {{"primary_site", site}, {"morphology", "well_differentiated"}, {"size_cm", size}};
                  if (std::string(site) == "stomach") t["gastric_type"] = gtype;
                  if (ki >= 0) t["ki67_percent"] = ki;
                  if (*fs) t["functional_syndrome"] = fs;
                  std::string e = extent;
                  if (e != "localized") {
                    t["metastases"] = {{"liver", true}, {"liver_resectable", e == "liver_resectable"}, {"liver_burden_percent", 20}};
                    if (e == "extrahepatic") t["metastases"]["extrahepatic"] = Json::array({"bone"});
                    t["growth"] = "progressive";
                    t["sstr_imaging"] = {{"result", "positive"}, {"uptake_vs_liver", "above"}};
                  }
                  c["tumor"] = std::move(t);
                  c["history"] = {{"setting", setting}};
                  if (std::string(setting) == "after_resection") c["history"]["resection"] = {{"margin", "r0"}};
                  out.push_back(std::move(c));
                }
    }
  return out;
}

namespace {

void CheckExclusiveGroups(const KnowledgeBase& kb, const std::set<std::string>& option_ids, KbCheckResult& res) {
  if (!kb.manifest.contains("exclusive_option_groups")) return;
  const Json& groups = kb.manifest["exclusive_option_groups"];
  if (!groups.is_array()) {
    res.errors.push_back("manifest.json: exclusive_option_groups must be a list");
    return;
  }
  for (const auto& g : groups) {
    std::string id = g.value("id", "");
    if (id.empty() || !g.contains("options") || !g["options"].is_array() || g.value("reason", "").empty())
      res.errors.push_back("manifest.json: exclusive option group needs id, options and reason");
    else
      for (const auto& o : g["options"])
        if (!o.is_string() || !option_ids.count(o.get<std::string>()))
          res.errors.push_back("manifest.json: exclusive option group " + id + " names unknown option " + o.dump());
  }
  if (!res.errors.empty()) return;
  // The cases are independent and evaluation is thread-safe: spread them over the cores, then
  // report in case order so the output does not depend on the schedule.
  const std::vector<Json> cases = GeneratedCases();
  std::vector<std::vector<std::string>> violations(cases.size());
  const std::size_t workers = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 8);
  std::vector<std::thread> threads;
  for (std::size_t w = 0; w < workers; ++w)
    threads.emplace_back([&, w] {
      for (std::size_t i = w; i < cases.size(); i += workers)
        violations[i] = ExclusiveGroupViolations(kb.manifest, Evaluate(kb, cases[i]));
    });
  for (auto& t : threads) t.join();
  std::set<std::string> reported;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Json& c = cases[i];
    ++res.generated_cases;
    for (const auto& v : violations[i])
      if (reported.insert(v).second)
        res.errors.push_back("generated case " + c["id"].get<std::string>() + " (patient " + c["patient"].dump() + ", tumor " +
                             c["tumor"].dump() + ", history " + c["history"].dump() + "): " + v);
  }
}

}  // namespace

std::vector<std::string> ExclusiveGroupViolations(const Json& manifest, const Json& recommendation) {
  std::vector<std::string> out;
  if (!manifest.contains("exclusive_option_groups") || !manifest["exclusive_option_groups"].is_array()) return out;
  std::set<std::string> preferred;
  for (const auto& o : recommendation.value("options", Json::array()))
    if (o.value("preferred", false)) preferred.insert(o.value("id", ""));
  for (const auto& g : manifest["exclusive_option_groups"]) {
    std::vector<std::string> both;
    for (const auto& o : g.value("options", Json::array()))
      if (o.is_string() && preferred.count(o.get<std::string>())) both.push_back(o.get<std::string>());
    if (both.size() > 1) {
      std::string s = "exclusive group " + g.value("id", "") + " has " + std::to_string(both.size()) + " preferred options:";
      for (const auto& b : both) s += " " + b;
      out.push_back(s);
    }
  }
  return out;
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
