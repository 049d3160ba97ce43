#include "clinical/clinical.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "json/json_values.h"
#include "clinical/case_validation.h"

namespace zebra::clinical {
namespace {

tl::expected<Json, std::string> ReadJsonFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return tl::unexpected(p.string() + ": cannot read");
  std::stringstream ss;
  ss << in.rdbuf();
  Json j = Json::parse(ss.str(), nullptr, false);
  if (j.is_discarded()) return tl::unexpected(p.string() + ": not valid JSON");
  return j;
}

std::string Str(const Json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

constexpr size_t kMaxCaseDepth = 32;
constexpr size_t kMaxCaseBytes = 1 << 20;

}  // namespace

std::filesystem::path DefaultKnowledgeDir() {
  if (const char* env = std::getenv("ZEBRA_KNOWLEDGE"); env && *env) return env;
  if (std::filesystem::exists("knowledge/manifest.json")) return "knowledge";
  return std::filesystem::path(ZEBRA_SOURCE_DIR) / "knowledge";
}

tl::expected<std::shared_ptr<const KnowledgeBase>, std::vector<std::string>> LoadKnowledgeBase(
    const std::filesystem::path& dir) {
  std::vector<std::string> errors;
  auto kb = std::make_shared<KnowledgeBase>();
  kb->dir = dir;
  auto manifest = ReadJsonFile(dir / "manifest.json");
  if (!manifest) return tl::unexpected(std::vector<std::string>{manifest.error()});
  kb->manifest = *manifest;
  kb->version = Str(kb->manifest, "knowledge_version");
  kb->release_date = Str(kb->manifest, "release_date");
  if (kb->version.empty()) errors.push_back("manifest.json: knowledge_version is missing");
  if (!kb->manifest.contains("models") || !kb->manifest["models"].is_array())
    errors.push_back("manifest.json: models must be a list of DMN files");
  else
    for (const auto& m : kb->manifest["models"]) {
      if (!m.is_string()) {
        errors.push_back("manifest.json: models entries must be file names");
        continue;
      }
      auto model = dmn::LoadModel(dir / m.get<std::string>());
      if (!model) {
        for (const auto& d : model.error()) errors.push_back(d.ToString());
        continue;
      }
      kb->models.push_back({m.get<std::string>(), *model});
    }
  auto load_part = [&](const char* key, const char* fallback, Json& out) {
    std::string file = Str(kb->manifest, key);
    if (file.empty()) file = fallback;
    auto j = ReadJsonFile(dir / file);
    if (!j) {
      errors.push_back(j.error());
      return;
    }
    out = std::move(*j);
  };
  load_part("catalogue", "catalogue.json", kb->catalogue);
  load_part("citations", "citations.json", kb->citations);
  std::filesystem::path schema = dir.parent_path() / "schema" / "case.schema.json";
  if (!std::filesystem::exists(schema)) schema = std::filesystem::path(ZEBRA_SOURCE_DIR) / "schema" / "case.schema.json";
  auto s = ReadJsonFile(schema);
  if (!s) errors.push_back(s.error());
  else kb->case_schema = std::move(*s);
  if (!errors.empty()) return tl::unexpected(std::move(errors));
  return std::shared_ptr<const KnowledgeBase>(std::move(kb));
}

std::vector<InputError> ValidateCaseJson(const Json& case_json, const KnowledgeBase& kb) {
  std::vector<InputError> out;
  nlohmann::json plain = nlohmann::json::parse(case_json.dump());
  nlohmann::json schema = nlohmann::json::parse(kb.case_schema.dump());
  for (const auto& e : ValidateCase(plain, schema)) out.push_back({e.path, e.message});
  return out;
}

tl::expected<Json, std::vector<InputError>> ParseCase(std::string_view text, const KnowledgeBase& kb) {
  if (text.size() > kMaxCaseBytes)
    return tl::unexpected(std::vector<InputError>{{"$", "case is larger than 1 MiB"}});
  if (json::NestingDepth(text) > kMaxCaseDepth)
    return tl::unexpected(std::vector<InputError>{{"$", "JSON nested deeper than 32 levels"}});
  Json j;
  try {
    j = Json::parse(text);
  } catch (const Json::parse_error& e) {
    return tl::unexpected(std::vector<InputError>{{"$", std::string("not valid JSON: ") + e.what()}});
  }
  auto errors = ValidateCaseJson(j, kb);
  if (!errors.empty()) return tl::unexpected(std::move(errors));
  return j;
}

namespace {

const Json* FindDecision(const std::map<std::string, Json>& results, const std::string& name) {
  auto it = results.find(name);
  return it == results.end() ? nullptr : &it->second;
}

// Lists of contexts from one or more decisions, first entry per id kept, in order.
Json CollectById(const std::map<std::string, Json>& results, std::initializer_list<const char*> names,
                 const char* id_key = "id") {
  Json out = Json::array();
  std::set<std::string> seen;
  for (const char* name : names) {
    const Json* d = FindDecision(results, name);
    if (!d || !d->is_array()) continue;
    for (const auto& item : *d) {
      if (!item.is_object()) continue;
      std::string id = Str(item, id_key);
      if (!id.empty() && !seen.insert(id).second) continue;
      out.push_back(item);
    }
  }
  return out;
}

Json StringList(const Json& j) {
  Json out = Json::array();
  if (j.is_array()) {
    for (const auto& e : j)
      if (e.is_string()) out.push_back(e);
  } else if (j.is_string()) {
    // "S6,S10" style keys from an annotation.
    std::string s = j.get<std::string>();
    std::string cur;
    for (char c : s + ",") {
      if (c == ',') {
        while (!cur.empty() && std::isspace(static_cast<unsigned char>(cur.back()))) cur.pop_back();
        size_t b = cur.find_first_not_of(" \t");
        if (b != std::string::npos) out.push_back(cur.substr(b));
        cur.clear();
      } else {
        cur += c;
      }
    }
  }
  return out;
}

const Json& CatalogueEntry(const KnowledgeBase& kb, const char* section, const std::string& id) {
  static const Json kEmpty = Json::object();
  auto s = kb.catalogue.find(section);
  if (s == kb.catalogue.end() || !s->is_object()) return kEmpty;
  auto e = s->find(id);
  if (e == s->end()) return kEmpty;
  return *e;
}

std::string JoinSentences(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += ' ';
    out += p;
  }
  return out;
}

Json PatientSummary(const KnowledgeBase& kb, const Json& out) {
  std::vector<std::string> parts;
  std::string scenario_id = out["scenario"].is_object() ? Str(out["scenario"], "id") : "";
  const Json& sc = CatalogueEntry(kb, "scenarios", scenario_id);
  parts.push_back(Str(sc, "patient_text"));
  std::vector<std::string> preferred, other;
  for (const auto& o : out["options"]) {
    const Json& entry = CatalogueEntry(kb, "options", Str(o, "id"));
    std::string text = Str(entry, "patient_text");
    if (text.empty()) continue;
    (o.value("preferred", false) ? preferred : other).push_back(text);
  }
  if (!preferred.empty()) {
    parts.push_back("These are the main choices your care team may talk about with you.");
    parts.insert(parts.end(), preferred.begin(), preferred.end());
  }
  if (!other.empty()) {
    parts.push_back("Other choices may also fit.");
    parts.insert(parts.end(), other.begin(), other.end());
  }
  parts.push_back("Your care team will help you choose. You can ask them anything.");
  Json questions = Json::array();
  auto qa = kb.catalogue.find("questions_to_ask");
  if (qa != kb.catalogue.end() && qa->is_object()) {
    auto add = [&](const std::string& key) {
      auto it = qa->find(key);
      if (it != qa->end() && it->is_array())
        for (const auto& q : *it)
          if (q.is_string() && std::find(questions.begin(), questions.end(), q) == questions.end()) questions.push_back(q);
    };
    add(scenario_id);
    add("default");
  }
  std::string text = JoinSentences(parts);
  Json s = Json::object();
  s["reading_grade"] = std::round(FleschKincaidGrade(text) * 10.0) / 10.0;
  s["text"] = text;
  s["questions_to_ask"] = questions;
  return s;
}

}  // namespace

namespace {
// Every decision name the recommendation below reads from `results`.
constexpr std::string_view kOutputDecisions[] = {
    "Classification", "Stage",         "Scenario", "Options",   "Not Recommended",        "Classification Alerts",
    "Stage Alerts",   "Alerts",        "Workup",   "Monitoring", "Classification Missing", "Stage Missing",
    "Missing"};
}  // namespace

Json Evaluate(const KnowledgeBase& kb, const Json& case_json) {
  feel::Context inputs;
  inputs.Put("Case", json::ValueFromJson(case_json));
  std::map<std::string, Json> results;
  Json trace = Json::array();
  for (const auto& km : kb.models) {
    auto names = km.model->DecisionNames();
    dmn::EvaluateOptions options;
    dmn::EvaluationResult r = km.model->Evaluate(inputs, names, options);
    for (const auto& d : r.decisions) {
      // Only the decisions the output reads are converted to JSON: the fact contexts (dozens
      // of entries each) are intermediate and were most of the conversion cost.
      if (std::find(std::begin(kOutputDecisions), std::end(kOutputDecisions), d.name) != std::end(kOutputDecisions))
        results[d.name] = json::ValueToJson(d.value);
      inputs.Put(d.name, d.value);
    }
    for (const auto& t : r.trace) {
      Json e = Json::object();
      e["decision"] = t.decision;
      e["rule"] = t.rule;
      e["hit"] = t.hit;
      trace.push_back(std::move(e));
    }
  }

  Json out = Json::object();
  out["schema"] = "zebra.recommendation/v1";
  out["case_id"] = case_json.value("id", "");
  out["zebra_version"] = ZEBRA_VERSION;
  out["knowledge_version"] = kb.version;
  out["knowledge_date"] = kb.release_date;
  out["notice"] = kSupportNotice;

  const Json* cls = FindDecision(results, "Classification");
  Json classification = Json::object();
  classification["category"] = cls && cls->is_object() ? cls->value("category", Json()) : Json();
  classification["grade"] = cls && cls->is_object() ? cls->value("grade", Json()) : Json();
  classification["basis"] = cls && cls->is_object() ? cls->value("basis", Json("")) : Json("");
  out["classification"] = classification;

  const Json* st = FindDecision(results, "Stage");
  Json stage = Json::object();
  stage["system"] = "AJCC 8th";
  for (const char* k : {"chapter", "t", "n", "m", "group"})
    stage[k] = st && st->is_object() ? st->value(k, Json()) : Json();
  stage["derived"] = st && st->is_object() ? StringList(st->value("derived", Json::array())) : Json::array();
  if (st && st->is_object() && st->contains("basis") && (*st)["basis"].is_string()) stage["basis"] = (*st)["basis"];
  out["stage"] = stage;

  const Json* sc = FindDecision(results, "Scenario");
  Json scenario = Json::object();
  scenario["id"] = sc && sc->is_object() ? sc->value("id", Json()) : Json();
  scenario["title"] = sc && sc->is_object() ? sc->value("title", Json()) : Json();
  out["scenario"] = scenario;

  Json options = Json::array();
  for (const auto& o : CollectById(results, {"Options"})) {
    std::string id = Str(o, "id");
    const Json& entry = CatalogueEntry(kb, "options", id);
    Json opt = Json::object();
    opt["id"] = id;
    opt["title"] = entry.value("title", id);
    opt["intent"] = entry.value("intent", Json());
    opt["preferred"] = o.value("preferred", false) == true;
    opt["rationale"] = o.value("rationale", Json(""));
    opt["evidence"] = o.value("evidence", Json(""));
    opt["citations"] = StringList(o.value("citations", Json::array()));
    opt["side_effects"] = entry.value("side_effects", Json::array());
    opt["cautions"] = StringList(o.value("cautions", Json::array()));
    if (entry.contains("involves")) opt["involves"] = entry["involves"];
    options.push_back(std::move(opt));
  }
  out["options"] = options;

  Json not_recommended = Json::array();
  for (const auto& o : CollectById(results, {"Not Recommended"})) {
    Json e = Json::object();
    e["id"] = Str(o, "id");
    e["reason"] = o.value("reason", Json(""));
    e["citations"] = StringList(o.value("citations", Json::array()));
    not_recommended.push_back(std::move(e));
  }
  out["not_recommended"] = not_recommended;

  // The same alert raised by several models (e.g. verify_uncertain_rule for a grading and a
  // staging fact) is shown once, with every text and citation.
  Json alerts = Json::array();
  for (const char* decision : {"Classification Alerts", "Stage Alerts", "Alerts"}) {
    const Json* d = FindDecision(results, decision);
    if (!d || !d->is_array()) continue;
    for (const auto& a : *d) {
      if (!a.is_object()) continue;
      std::string id = Str(a, "id");
      std::string text = a.value("text", Json("")).is_string() ? a["text"].get<std::string>() : "";
      Json cites = StringList(a.value("citations", Json::array()));
      auto existing = std::find_if(alerts.begin(), alerts.end(), [&](const Json& x) { return x["id"] == id; });
      if (existing != alerts.end()) {
        std::string old_text = (*existing)["text"].get<std::string>();
        if (!text.empty() && old_text.find(text) == std::string::npos) (*existing)["text"] = old_text + " " + text;
        for (const auto& c : cites)
          if (std::find((*existing)["citations"].begin(), (*existing)["citations"].end(), c) == (*existing)["citations"].end())
            (*existing)["citations"].push_back(c);
        continue;
      }
      Json e = Json::object();
      e["id"] = id;
      e["severity"] = a.value("severity", Json("info"));
      e["text"] = text;
      e["citations"] = cites;
      alerts.push_back(std::move(e));
    }
  }
  // Critical first, then warnings, then information; stable within a severity.
  auto rank = [](const Json& a) {
    std::string s = Str(a, "severity");
    return s == "critical" ? 0 : s == "warning" ? 1 : 2;
  };
  std::stable_sort(alerts.begin(), alerts.end(), [&](const Json& a, const Json& b) { return rank(a) < rank(b); });
  out["alerts"] = alerts;

  Json workup = Json::array();
  for (const auto& w : CollectById(results, {"Workup"})) {
    Json e = Json::object();
    e["id"] = Str(w, "id");
    e["text"] = w.value("text", Json(""));
    workup.push_back(std::move(e));
  }
  out["workup"] = workup;

  Json monitoring = Json::array();
  for (const auto& m : CollectById(results, {"Monitoring"}, "test")) {
    Json e = Json::object();
    for (const char* k : {"test", "interval", "duration", "text"}) e[k] = m.value(k, Json(""));
    monitoring.push_back(std::move(e));
  }
  out["monitoring"] = monitoring;

  Json missing = Json::array();
  for (const auto& m : CollectById(results, {"Classification Missing", "Stage Missing", "Missing"}, "field")) {
    Json e = Json::object();
    e["field"] = Str(m, "field");
    e["blocks"] = m.value("blocks", Json(""));
    missing.push_back(std::move(e));
  }
  out["missing"] = missing;
  out["patient_summary"] = PatientSummary(kb, out);
  out["trace"] = trace;
  return out;
}

// ---- readability --------------------------------------------------------------------------------

namespace {

int CountSyllables(std::string word) {
  std::string w;
  for (char c : word)
    if (std::isalpha(static_cast<unsigned char>(c))) w += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (w.empty()) return 0;
  if (w.size() <= 3) return 1;
  // Silent endings.
  if (w.size() > 2 && w.back() == 'e' && w[w.size() - 2] != 'l') w.pop_back();
  else if (w.size() > 2 && (w.ends_with("es") || w.ends_with("ed"))) w.resize(w.size() - 2);
  auto vowel = [](char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y'; };
  int count = 0;
  bool prev = false;
  for (char c : w) {
    bool v = vowel(c);
    if (v && !prev) ++count;
    prev = v;
  }
  return std::max(1, count);
}

}  // namespace

double FleschKincaidGrade(std::string_view text) {
  int words = 0, sentences = 0, syllables = 0;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) {
      int s = CountSyllables(word);
      if (s > 0) {
        ++words;
        syllables += s;
      }
      word.clear();
    }
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '\'' || c == '-') {
      word += c;
      continue;
    }
    flush();
    if ((c == '.' || c == '!' || c == '?') && (i + 1 == text.size() || std::isspace(static_cast<unsigned char>(text[i + 1]))))
      ++sentences;
  }
  flush();
  if (words == 0) return 0;
  if (sentences == 0) sentences = 1;
  return 0.39 * words / sentences + 11.8 * syllables / words - 15.59;
}

}  // namespace zebra::clinical
