// The recommendation JSON, built straight from the FEEL values of the output decisions.
//
// Equivalent to converting each output decision to JSON (json::ValueToJson) and reading fields
// from that, but only the leaves that reach the output are converted, and the catalogue side
// (titles, side effects, patient texts and their readability counts, questions to ask) is
// prepared once per knowledge base. Objects are built by appending to their entry vectors (keys
// are distinct by construction) and moved into place, never copied.
#include "clinical/recommendation.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <unordered_map>

#include "json/json_values.h"
#include "json/json_writer.h"

namespace zebra::clinical {
namespace internal {
namespace {

using feel::Type;
using feel::Value;

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <typename T>
using StringMap = std::unordered_map<std::string, T, StringHash, std::equal_to<>>;

constexpr std::string_view kOutputNames[kOutputDecisionCount] = {
    "Classification", "Stage",  "Scenario",   "Options",                "Not Recommended",
    "Classification Alerts",    "Stage Alerts", "Alerts", "Workup",     "Monitoring",
    "Classification Missing",   "Stage Missing", "Missing", "Ranking", "What If Probes"};

// Appends key/value to an object known not to hold `key` yet.
void Add(Json& obj, const char* key, Json value) {
  obj.get_ref<Json::object_t&>().emplace_back(key, std::move(value));
}
Json Object(size_t reserve) {
  Json j(Json::value_t::object);
  j.get_ref<Json::object_t&>().reserve(reserve);
  return j;
}
Json Array(size_t reserve) {
  Json j(Json::value_t::array);
  j.get_ref<Json::array_t&>().reserve(reserve);
  return j;
}

// ---- reading decision values (as their JSON conversion would read) ---------------------------

const Value* Get(const Value& obj, std::string_view key) {
  return obj.is(Type::kContext) ? obj.context().Find(key) : nullptr;
}

// The JSON conversion of a value is a string for strings, and also for numbers that do not
// round-trip through double, temporal values, ranges and functions.
bool MayBeJsonString(const Value& v) {
  switch (v.type()) {
    case Type::kNull:
    case Type::kBoolean:
    case Type::kList:
    case Type::kContext: return false;
    default: return true;
  }
}

// Str() of the JSON conversion of `obj`: the field's text when it converts to a JSON string.
std::string StrOf(const Value& obj, std::string_view key) {
  const Value* v = Get(obj, key);
  if (!v) return {};
  if (v->is(Type::kString)) return v->string();
  if (!MayBeJsonString(*v)) return {};
  Json j = json::ValueToJson(*v);
  return j.is_string() ? j.get<std::string>() : std::string();
}

// obj.value(key, fallback) of the JSON conversion.
Json JsonOr(const Value& obj, std::string_view key, Json fallback) {
  const Value* v = Get(obj, key);
  return v ? json::ValueToJson(*v) : std::move(fallback);
}

// obj.value(key, false) == true of the JSON conversion (non-boolean fields make value() throw,
// as they did before).
bool BoolOr(const Value& obj, std::string_view key) {
  const Value* v = Get(obj, key);
  if (!v) return false;
  if (v->is(Type::kBoolean)) return v->boolean();
  return json::ValueToJson(obj).value(std::string(key), false) == true;
}

// Citation keys: the strings of a list, or "S6,S10" style text split at commas.
void SplitKeys(const std::string& s, Json& out) {
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

Json StringListOf(const Value& obj, std::string_view key) {
  const Value* v = Get(obj, key);
  if (!v) return Json::array();
  if (v->is(Type::kList)) {
    const feel::List& l = v->list();
    Json out = Array(l.size());
    for (const auto& e : l) {
      if (e.is(Type::kString)) {
        out.push_back(e.string());
      } else if (MayBeJsonString(e)) {
        Json j = json::ValueToJson(e);
        if (j.is_string()) out.push_back(std::move(j));
      }
    }
    return out;
  }
  Json out = Json::array();
  if (v->is(Type::kString)) {
    SplitKeys(v->string(), out);
  } else if (MayBeJsonString(*v)) {
    Json j = json::ValueToJson(*v);
    if (j.is_string()) SplitKeys(j.get<std::string>(), out);
  }
  return out;
}

// Lists of contexts from one or more decisions, first entry per id kept, in order.
std::vector<const Value*> CollectById(const DecisionValues& d, std::initializer_list<int> which,
                                      std::string_view id_key = "id") {
  std::vector<const Value*> out;
  std::vector<std::string> seen;
  for (int i : which) {
    const Value& v = d[static_cast<size_t>(i)];
    if (!v.is(Type::kList)) continue;
    out.reserve(out.size() + v.list().size());
    for (const auto& item : v.list()) {
      if (!item.is(Type::kContext)) continue;
      std::string id = StrOf(item, id_key);
      if (!id.empty()) {
        if (std::find(seen.begin(), seen.end(), id) != seen.end()) continue;
        seen.push_back(std::move(id));
      }
      out.push_back(&item);
    }
  }
  return out;
}

// A list of one object of `members` members per picked value, each filled by `fill`.
template <class Fill>
Json ObjectsOf(const std::vector<const Value*>& picked, size_t members, Fill fill) {
  Json list = Array(picked.size());
  for (const Value* v : picked) {
    Json e = Object(members);
    fill(*v, e);
    list.get_ref<Json::array_t&>().push_back(std::move(e));
  }
  return list;
}

}  // namespace

// ---- the per-knowledge-base part ------------------------------------------------------------

struct OptionInfo {
  // Null when the catalogue entry is an object whose title is a string or absent; else the entry,
  // read field by field as before (so odd entries fail exactly as they did).
  const Json* irregular = nullptr;
  bool has_title = false;
  Json title;
  Json intent;
  Json side_effects;
  bool has_involves = false;
  Json involves;
  Json sources = Json::array();  // catalogue: [{guideline, year, strength, url}] (spec 4.1)
  Json approval;                 // catalogue: {fda, ema, note} for drug options, else null
  // The same members as placeholders of OutputPlan::fragments (regular entries only).
  Json side_effects_ref, involves_ref, sources_ref, approval_ref;
};

struct OutputPlan {
  std::vector<std::vector<std::string>> model_decisions;
  std::unique_ptr<const CompiledCaseSchema> case_schema;  // KnowledgeBase::case_schema, compiled
  StringMap<OptionInfo> options;
  OptionInfo unknown_option;  // an id the catalogue does not list
  std::vector<json::Fragment> fragments;  // the options' catalogue members, serialised once
  // Readability counts of every string of the catalogue and the patient texts, by address (the
  // knowledge base is immutable): the patient summary adds up its pieces' counts.
  std::unordered_map<const std::string*, TextCounts> text_counts;
};

namespace {
void CountStrings(const Json& j, std::unordered_map<const std::string*, TextCounts>& out) {
  if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    out.emplace(&s, CountText(s));
  } else if (j.is_structured()) {
    for (const auto& e : j) CountStrings(e, out);
  }
}
}  // namespace

const TextCounts* PreparedCounts(const OutputPlan& plan, const std::string& text) {
  auto it = plan.text_counts.find(&text);
  return it == plan.text_counts.end() ? nullptr : &it->second;
}

int OutputDecisionIndex(std::string_view name) {
  for (int i = 0; i < kOutputDecisionCount; ++i)
    if (kOutputNames[i] == name) return i;
  return -1;
}

const std::vector<std::vector<std::string>>& ModelDecisionNames(const OutputPlan& plan) {
  return plan.model_decisions;
}

const CompiledCaseSchema& CaseSchema(const OutputPlan& plan) { return *plan.case_schema; }

const std::vector<json::Fragment>& Fragments(const OutputPlan& plan) { return plan.fragments; }

std::shared_ptr<const OutputPlan> MakeOutputPlan(const KnowledgeBase& kb) {
  auto plan = std::make_shared<OutputPlan>();
  for (const auto& km : kb.models) plan->model_decisions.push_back(km.model->DecisionNames());
  plan->case_schema = std::make_unique<const CompiledCaseSchema>(nlohmann::json::parse(kb.case_schema.dump()));

  CountStrings(kb.catalogue, plan->text_counts);
  if (auto en = kb.patient_texts.find("en"); en != kb.patient_texts.end()) CountStrings(*en, plan->text_counts);
  plan->unknown_option.intent = Json();
  plan->unknown_option.side_effects = Json::array();
  auto section = [&](const char* name) -> const Json* {
    auto s = kb.catalogue.find(name);
    return s != kb.catalogue.end() && s->is_object() ? &*s : nullptr;
  };
  if (const Json* options = section("options")) {
    for (const auto& [id, entry] : options->items()) {
      OptionInfo info;
      if (entry.is_object()) {
        info.sources = entry.value("sources", Json::array());
        info.approval = entry.value("approval", Json());
      }
      auto title = entry.is_object() ? entry.find("title") : entry.end();
      if (!entry.is_object() || (title != entry.end() && !title->is_string())) {
        info.irregular = &entry;
      } else {
        info.has_title = title != entry.end();
        if (info.has_title) info.title = *title;
        info.intent = entry.value("intent", Json());
        info.side_effects = entry.value("side_effects", Json::array());
        info.has_involves = entry.contains("involves");
        if (info.has_involves) info.involves = entry["involves"];
      }
      if (!info.irregular) {
        auto ref = [&](const Json& value) {
          plan->fragments.push_back(json::MakeFragment(value));
          return json::FragmentRef(static_cast<std::uint32_t>(plan->fragments.size() - 1));
        };
        info.side_effects_ref = ref(info.side_effects);
        if (info.has_involves) info.involves_ref = ref(info.involves);
        info.sources_ref = ref(info.sources);
        if (!info.approval.is_null()) info.approval_ref = ref(info.approval);
      }
      plan->options.emplace(id, std::move(info));
    }
  }
  return plan;
}

// ---- one case ----------------------------------------------------------------------------------

namespace {

// The knowledge's ranking (ranking.dmn "Ranking": id, rank, line, reason per option) joined to the
// options: each gets rank, rank_reason and line, and `options` is put in rank order. C++ decides
// nothing here: an option the ranking does not list (a knowledge base without ranking.dmn) keeps
// its place after the ranked ones, and ranks are renumbered 1..n in that order.
void ApplyRanking(const Value& ranking, Json& options) {
  struct Ranked {
    long rank;
    size_t index;
    Json reason, line;
  };
  std::vector<Ranked> ranked;
  auto& list = options.get_ref<Json::array_t&>();
  ranked.reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    Ranked r{1L << 30, i, Json(""), Json()};
    const std::string& id = list[i]["id"].get_ref<const std::string&>();
    if (ranking.is(Type::kList))
      for (const auto& e : ranking.list()) {
        if (!e.is(Type::kContext) || StrOf(e, "id") != id) continue;
        Json rank = JsonOr(e, "rank", Json());
        if (rank.is_number()) r.rank = rank.get<long>();
        r.reason = JsonOr(e, "reason", Json(""));
        r.line = JsonOr(e, "line", Json());
        break;
      }
    ranked.push_back(std::move(r));
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) { return a.rank < b.rank; });
  Json::array_t sorted;
  sorted.reserve(list.size());
  long n = 0;
  for (auto& r : ranked) {
    Json opt = std::move(list[r.index]);
    Add(opt, "rank", ++n);
    Add(opt, "rank_reason", std::move(r.reason));
    Add(opt, "line", std::move(r.line));
    sorted.push_back(std::move(opt));
  }
  list = std::move(sorted);
}

// The trace, written as text or built as the tree from this one description.
template <class Out>
void WriteTrace(Out& out, std::vector<dmn::TraceEntry>& trace) {
  out.BeginArray(trace.size());
  for (auto& t : trace) {
    out.BeginObject(3);
    out.Key("decision");
    out.String(std::move(t.decision));
    out.Key("rule");
    out.String(std::move(t.rule));
    out.Key("hit");
    out.Bool(t.hit);
    out.EndObject();
  }
  out.EndArray();
}

struct Alert {
  std::string id;
  Json severity;
  std::string text;
  Json citations;
  int rank = 2;
};

}  // namespace

Json BuildRecommendation(const KnowledgeBase& kb, const OutputPlan& plan, const Json& case_json,
                         const DecisionValues& d, std::vector<dmn::TraceEntry>& trace,
                         TextCounts* summary_counts, std::string* trace_text, bool catalogue_fragments) {
  // 17 members here and up to 3 the trial registry adds (trials, trials_registry,
  // trials_excluded): growing past the reservation would copy the whole tree, since the entries'
  // const keys make them copied, not moved, on reallocation.
  Json out = Object(20);
  Add(out, "schema", "zebra.recommendation/v1");
  Add(out, "case_id", case_json.value("id", ""));
  Add(out, "zebra_version", ZEBRA_VERSION);
  Add(out, "knowledge_version", kb.version);
  Add(out, "knowledge_date", kb.release_date);
  Add(out, "notice", kSupportNotice);

  const Value& cls = d[kClassification];
  Json classification = Object(3);
  Add(classification, "category", JsonOr(cls, "category", Json()));
  Add(classification, "grade", JsonOr(cls, "grade", Json()));
  Add(classification, "basis", cls.is(Type::kContext) ? JsonOr(cls, "basis", Json("")) : Json(""));
  Add(out, "classification", std::move(classification));

  const Value& st = d[kStage];
  Json stage = Object(9);
  Add(stage, "system", "AJCC 8th");
  for (const char* k : {"chapter", "t", "n", "m", "group"}) Add(stage, k, JsonOr(st, k, Json()));
  Add(stage, "derived", StringListOf(st, "derived"));
  if (const Value* basis = Get(st, "basis")) {
    if (basis->is(Type::kString)) {
      Add(stage, "basis", basis->string());
    } else if (MayBeJsonString(*basis)) {
      Json j = json::ValueToJson(*basis);
      if (j.is_string()) Add(stage, "basis", std::move(j));
    }
  }
  Add(out, "stage", std::move(stage));

  const Value& sc = d[kScenario];
  Json scenario = Object(2);
  Add(scenario, "id", JsonOr(sc, "id", Json()));
  Add(scenario, "title", JsonOr(sc, "title", Json()));
  Add(out, "scenario", std::move(scenario));

  const std::vector<const Value*> picked = CollectById(d, {kOptions});
  Json options = Array(picked.size());
  for (const Value* o : picked) {
    std::string id = StrOf(*o, "id");
    auto found = plan.options.find(id);
    const OptionInfo& info = found == plan.options.end() ? plan.unknown_option : found->second;
    Json opt = Object(10);
    if (info.irregular) {
      const Json& entry = *info.irregular;
      Add(opt, "id", id);
      Add(opt, "title", entry.value("title", id));
      Add(opt, "intent", entry.value("intent", Json()));
    } else {
      Add(opt, "id", id);
      Add(opt, "title", info.has_title ? info.title : Json(id));
      Add(opt, "intent", info.intent);
    }
    bool is_preferred = BoolOr(*o, "preferred");
    Add(opt, "preferred", is_preferred);
    Add(opt, "rationale", JsonOr(*o, "rationale", Json("")));
    Add(opt, "evidence", JsonOr(*o, "evidence", Json("")));
    Add(opt, "citations", StringListOf(*o, "citations"));
    if (info.irregular) {
      const Json& entry = *info.irregular;
      Add(opt, "side_effects", entry.value("side_effects", Json::array()));
      Add(opt, "cautions", StringListOf(*o, "cautions"));
      if (entry.contains("involves")) Add(opt, "involves", entry["involves"]);
    } else if (catalogue_fragments && found != plan.options.end()) {
      // The same members as placeholders of their text, prepared at load (written by
      // json::AppendJson with the plan's fragments).
      Add(opt, "side_effects", info.side_effects_ref);
      Add(opt, "cautions", StringListOf(*o, "cautions"));
      if (info.has_involves) Add(opt, "involves", info.involves_ref);
      Add(opt, "sources", info.sources_ref);
      if (!info.approval.is_null()) Add(opt, "approval", info.approval_ref);
      options.get_ref<Json::array_t&>().push_back(std::move(opt));
      continue;
    } else {
      Add(opt, "side_effects", info.side_effects);
      Add(opt, "cautions", StringListOf(*o, "cautions"));
      if (info.has_involves) Add(opt, "involves", info.involves);
    }
    Add(opt, "sources", info.sources);
    if (!info.approval.is_null()) Add(opt, "approval", info.approval);
    options.get_ref<Json::array_t&>().push_back(std::move(opt));
  }
  ApplyRanking(d[kRanking], options);
  Add(out, "options", std::move(options));

  Add(out, "not_recommended", ObjectsOf(CollectById(d, {kNotRecommended}), 3, [](const Value& o, Json& e) {
        Add(e, "id", StrOf(o, "id"));
        Add(e, "reason", JsonOr(o, "reason", Json("")));
        Add(e, "citations", StringListOf(o, "citations"));
      }));

  // The same alert raised by several models (e.g. verify_uncertain_rule for a grading and a
  // staging fact) is shown once, with every text and citation.
  std::vector<Alert> alerts;
  for (int decision : {kClassificationAlerts, kStageAlerts, kAlerts}) {
    const Value& list = d[static_cast<size_t>(decision)];
    if (!list.is(Type::kList)) continue;
    for (const auto& a : list.list()) {
      if (!a.is(Type::kContext)) continue;
      std::string id = StrOf(a, "id");
      std::string text = StrOf(a, "text");
      Json cites = StringListOf(a, "citations");
      auto existing = std::find_if(alerts.begin(), alerts.end(), [&](const Alert& x) { return x.id == id; });
      if (existing != alerts.end()) {
        if (!text.empty() && existing->text.find(text) == std::string::npos) existing->text += " " + text;
        for (auto& c : cites)
          if (std::find(existing->citations.begin(), existing->citations.end(), c) == existing->citations.end())
            existing->citations.push_back(std::move(c));
        continue;
      }
      Alert e;
      e.id = std::move(id);
      e.severity = JsonOr(a, "severity", Json("info"));
      if (e.severity.is_string()) {
        const auto& s = e.severity.get_ref<const std::string&>();
        e.rank = s == "critical" ? 0 : s == "warning" ? 1 : 2;
      }
      e.text = std::move(text);
      e.citations = std::move(cites);
      alerts.push_back(std::move(e));
    }
  }
  // Critical first, then warnings, then information; stable within a severity.
  std::stable_sort(alerts.begin(), alerts.end(), [](const Alert& a, const Alert& b) { return a.rank < b.rank; });
  Json alerts_json = Array(alerts.size());
  for (auto& a : alerts) {
    Json e = Object(4);
    Add(e, "id", std::move(a.id));
    Add(e, "severity", std::move(a.severity));
    Add(e, "text", std::move(a.text));
    Add(e, "citations", std::move(a.citations));
    alerts_json.get_ref<Json::array_t&>().push_back(std::move(e));
  }
  Add(out, "alerts", std::move(alerts_json));

  Add(out, "workup", ObjectsOf(CollectById(d, {kWorkup}), 2, [](const Value& w, Json& e) {
        Add(e, "id", StrOf(w, "id"));
        Add(e, "text", JsonOr(w, "text", Json("")));
      }));
  Add(out, "monitoring", ObjectsOf(CollectById(d, {kMonitoring}, "test"), 4, [](const Value& m, Json& e) {
        for (const char* k : {"test", "interval", "duration", "text"}) Add(e, k, JsonOr(m, k, Json("")));
      }));
  Add(out, "missing", ObjectsOf(CollectById(d, {kClassificationMissing, kStageMissing, kMissing}, "field"), 2,
                                [](const Value& m, Json& e) {
                                  Add(e, "field", StrOf(m, "field"));
                                  Add(e, "blocks", JsonOr(m, "blocks", Json("")));
                                }));
  Add(out, "patient_summary", clinical::PatientSummary(kb, out, case_json, "en", summary_counts));

  if (trace_text) {
    trace_text->append(",\"trace\":", 9);
    json::TextOut text(*trace_text);
    WriteTrace(text, trace);
  } else {
    Json trace_json;
    json::TreeOut tree(trace_json);
    WriteTrace(tree, trace);
    Add(out, "trace", std::move(trace_json));
  }
  return out;
}

}  // namespace internal
}  // namespace zebra::clinical
