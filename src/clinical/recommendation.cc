// The recommendation JSON, built straight from the FEEL values of the output decisions.
//
// Equivalent to converting each output decision to JSON (json::ValueToJson) and reading fields
// from that, but only the leaves that reach the output are converted, and the catalogue side
// (titles, side effects, patient texts and their readability counts, questions to ask) is
// prepared once per knowledge base. Objects are built by appending to their entry vectors (keys
// are distinct by construction) and moved into place, never copied.
#include "build_info.h"
#include "clinical/recommendation.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <forward_list>
#include <set>
#include <type_traits>
#include <unordered_map>

#include "clinical/output_fields.h"
#include "common/bytes.h"
#include "common/hash.h"
#include "json/immortal_texts.h"
#include "json/json_values.h"
#include "json/json_writer.h"

namespace zebra::clinical {
namespace internal {
namespace {

using feel::Type;
using feel::Value;

// The plan's maps, looked up by id a few times per case (options, patient texts, questions).
template <typename T>
using StringMap = std::unordered_map<std::string, T, TextHash, std::equal_to<>>;

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

// ---- reading decision values (as their JSON conversion would read) ---------------------------

// Each place that reads a field of the decisions' contexts has its own OutputField (its cache
// then holds the shape of the contexts read there); the fields are constant-initialised.
using Field = const OutputField&;
const Value* Get(const Value& obj, Field key) { return key.In(obj); }

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

// Str() of the JSON conversion of a field `v` (null: absent): its text when it converts to a JSON
// string. (The helpers below take a field already read, by an OutputField or an OutputFields.)
std::string StrOfValue(const Value* v) {
  if (!v) return {};
  if (v->is(Type::kString)) return v->string();
  if (!MayBeJsonString(*v)) return {};
  Json j = json::ValueToJson(*v);
  return j.is_string() ? j.get<std::string>() : std::string();
}

// StrOfValue without a copy when the field is a string (else converted into `scratch`).
std::string_view StrViewOf(const Value* v, std::string& scratch) {
  if (v && v->is(Type::kString)) return v->string();
  scratch = StrOfValue(v);
  return scratch;
}
std::string_view StrView(const Value& obj, Field key, std::string& scratch) { return StrViewOf(Get(obj, key), scratch); }

// obj.value(key, fallback) of the JSON conversion.
Json JsonOr(const Value& obj, Field key, Json fallback) {
  const Value* v = Get(obj, key);
  return v ? json::ValueToJson(*v) : std::move(fallback);
}

// obj.value(key, false) == true of the JSON conversion (non-boolean fields make value() throw,
// as they did before).
bool BoolOr(const Value& obj, Field key) {
  const Value* v = Get(obj, key);
  if (!v) return false;
  if (v->is(Type::kBoolean)) return v->boolean();
  return json::ValueToJson(obj).value(std::string(key.view()), false) == true;
}

// Citation keys: the strings of a list, or "S6,S10" style text split at commas.
template <class Out>  // a Json array or a vector of strings
void SplitKeys(const std::string& s, Out& out) {
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

// The strings of a list field, or of a text field split at commas, appended to `out` (a Json
// array or a vector of strings).
template <class Out>
void AppendStringsOf(const Value* v, Out& out) {
  if (!v) return;
  if (v->is(Type::kList)) {
    const feel::List& l = v->list();
    if constexpr (std::is_same_v<Out, Json>) out.template get_ref<Json::array_t&>().reserve(out.size() + l.size());
    else out.reserve(out.size() + l.size());
    for (const auto& e : l) {
      if (e.is(Type::kString)) {
        out.push_back(e.string());
      } else if (MayBeJsonString(e)) {
        Json j = json::ValueToJson(e);
        if (j.is_string()) out.push_back(j.template get<std::string>());
      }
    }
    return;
  }
  if (v->is(Type::kString)) {
    SplitKeys(v->string(), out);
  } else if (MayBeJsonString(*v)) {
    Json j = json::ValueToJson(*v);
    if (j.is_string()) SplitKeys(j.template get<std::string>(), out);
  }
}

// StrOfValue as a view: of the decision's own string, else of a converted copy kept in `owned`.
std::string_view ViewOfValue(const Value* v, std::forward_list<std::string>& owned) {
  if (!v) return {};
  if (v->is(Type::kString)) return v->string();
  std::string s = StrOfValue(v);
  if (s.empty()) return {};
  return owned.emplace_front(std::move(s));
}

// AppendStringsOf as views: of the list's own strings, else of copies kept in `owned`.
void AppendViewsOf(const Value* v, std::vector<std::string_view>& out, std::forward_list<std::string>& owned) {
  if (!v) return;
  if (v->is(Type::kList)) {
    const feel::List& l = v->list();
    out.reserve(out.size() + l.size());
    for (const auto& e : l) {
      if (e.is(Type::kString)) {
        out.push_back(e.string());
      } else if (MayBeJsonString(e)) {
        Json j = json::ValueToJson(e);
        if (j.is_string()) out.push_back(owned.emplace_front(j.template get<std::string>()));
      }
    }
    return;
  }
  std::vector<std::string> split;
  AppendStringsOf(v, split);
  for (auto& c : split) out.push_back(owned.emplace_front(std::move(c)));
}

Json StringListOf(const Value* v) {
  Json out = Json::array();
  AppendStringsOf(v, out);
  return out;
}

// Lists of contexts from one or more decisions, first entry per id kept, in order.
// A decision and the field that holds its entries' ids.
struct IdSource {
  int decision;
  const OutputField& id;
};
// An entry collected with its id: StrOf's text of its id field (a view of the decision's string,
// or of a converted copy kept in the parts' `owned`), read once for the collection and the writer.
struct IdItem {
  const Value* item;
  std::string_view id;
};
// (Into `out`, cleared first: the answer's parts keep its room from case to case.)
void CollectById(const DecisionValues& d, std::initializer_list<IdSource> which, std::vector<IdItem>& out,
                 std::forward_list<std::string>& owned) {
  size_t total = 0;
  for (const IdSource& source : which)
    if (const Value& v = d[static_cast<size_t>(source.decision)]; v.is(Type::kList)) total += v.list().size();
  out.clear();
  if (total == 0) return;
  out.reserve(total);
  // The ids seen, into the decisions' strings or into `converted`: on the stack for the usual
  // few dozen entries (no allocation per list, and left uninitialised: a string_view would be
  // zeroed), else in `more`.
  struct Seen {
    const char* data;
    size_t size;
  };
  constexpr size_t kOnStack = 64;
  Seen on_stack[kOnStack];
  std::vector<Seen> more;
  Seen* seen = on_stack;
  if (total > kOnStack) {
    more.resize(total);
    seen = more.data();
  }
  size_t n_seen = 0;
  std::string scratch;
  for (const IdSource& source : which) {
    const Value& v = d[static_cast<size_t>(source.decision)];
    if (!v.is(Type::kList)) continue;
    for (const auto& item : v.list()) {
      if (!item.is(Type::kContext)) continue;
      std::string_view id = StrView(item, source.id, scratch);
      if (!id.empty()) {
        if (std::find_if(seen, seen + n_seen, [id](Seen s) { return SameText({s.data, s.size}, id); }) != seen + n_seen)
          continue;
        // (Ids that are not strings, as text: kept with stable addresses, which is rare.)
        if (id.data() == scratch.data()) id = owned.emplace_front(std::move(scratch));
        seen[n_seen++] = {id.data(), id.size()};
      }
      out.push_back({&item, id.empty() ? std::string_view() : id});  // (not a view of `scratch`)
    }
  }
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
  Json sources = Json::array();  // catalogue: [{guideline, year, strength, url}] (spec 4.1)
  Json approval;                 // catalogue: {fda, ema, note} for drug options, else null
  // Regular entries and an unknown id: the option's members that depend on the catalogue alone,
  // serialised once (written as members of the option's object, in the answer's order).
  bool has_head = false;      // regular entries: {id, title, intent}
  json::Fragment head;
  json::Fragment side_effects;  // {side_effects}
  json::Fragment tail;          // {involves (when given), sources, approval (when given)}
  // What the English patient summary reads of it (every catalogue entry; null for an unknown id).
  const PreparedSummaryOption* summary = nullptr;
};

struct OutputPlan {
  const KnowledgeBase* owner = nullptr;  // the knowledge base it was made for
  std::vector<ModelDecisions> model_decisions;
  const feel::ContextShape* inputs_shape = nullptr;
  std::unique_ptr<const CompiledCaseSchema> case_schema;  // KnowledgeBase::case_schema, compiled
  StringMap<OptionInfo> options;
  OptionInfo unknown_option;  // an id the catalogue does not list
  json::Fragment header;      // the answer's members after case_id that are the same for every case
  std::unique_ptr<const SummaryPlan> summary;  // the English patient summary's texts
  // The JSON text of the models' constant strings (rationales, reasons, alert texts...).
  json::ImmortalTexts constant_texts;
};

const PreparedSummaryOption* PreparedSummaryOptionOf(const OutputPlan& plan, std::string_view id) {
  auto it = plan.options.find(id);
  return it == plan.options.end() ? nullptr : it->second.summary;
}

const SummaryPlan& SummaryPlanOf(const OutputPlan& plan) { return *plan.summary; }

bool PreparedFor(const OutputPlan& plan, const KnowledgeBase& kb) { return plan.owner == &kb; }

int OutputDecisionIndex(std::string_view name) {
  for (int i = 0; i < kOutputDecisionCount; ++i)
    if (kOutputNames[i] == name) return i;
  return -1;
}

const std::vector<ModelDecisions>& ModelDecisionsOf(const OutputPlan& plan) {
  return plan.model_decisions;
}

const feel::ContextShape* InputsShapeOf(const OutputPlan& plan) { return plan.inputs_shape; }

const CompiledCaseSchema& CaseSchema(const OutputPlan& plan) { return *plan.case_schema; }

std::shared_ptr<const OutputPlan> MakeOutputPlan(const KnowledgeBase& kb) {
  auto plan = std::make_shared<OutputPlan>();
  plan->owner = &kb;
  for (const auto& km : kb.models) {
    ModelDecisions& md = plan->model_decisions.emplace_back();
    md.names = km.model->DecisionNames();
    md.all = std::set<std::string_view>(md.names.begin(), md.names.end()).size() == md.names.size();
    for (const auto& name : md.names) md.output_slots.push_back(OutputDecisionIndex(name));
  }
  std::vector<std::string> input_names{"Case"};
  for (const ModelDecisions& md : plan->model_decisions)
    input_names.insert(input_names.end(), md.names.begin(), md.names.end());
  plan->inputs_shape = feel::ContextShape::Intern(input_names);
  // The models are compiled: their constant texts are all immortal by now. (Up to 16 bytes a
  // string is written as fast as its prepared text would be found.)
  plan->constant_texts = json::ImmortalTexts::Prepare(17);
  plan->case_schema = std::make_unique<const CompiledCaseSchema>(nlohmann::json::parse(kb.case_schema.dump()));

  plan->summary = MakeSummaryPlan(kb);
  Json header = Object(4);
  Add(header, "zebra_version", ZEBRA_VERSION);
  Add(header, "knowledge_version", kb.version);
  Add(header, "knowledge_date", kb.release_date);
  Add(header, "notice", kSupportNotice);
  plan->header = json::MakeMembersFragment(std::move(header));
  plan->unknown_option.intent = Json();
  plan->unknown_option.side_effects = json::MakeMembersFragment(Json{{"side_effects", Json::array()}});
  plan->unknown_option.tail = json::MakeMembersFragment(Json{{"sources", plan->unknown_option.sources}});
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
        // The id written is the decision's, which is this key when the option is found here.
        info.has_head = true;
        Json head = Object(3);
        Add(head, "id", id);
        Add(head, "title", info.has_title ? info.title : Json(id));
        Add(head, "intent", info.intent);
        info.head = json::MakeMembersFragment(std::move(head));
        Json side_effects = Object(1);
        Add(side_effects, "side_effects", entry.value("side_effects", Json::array()));
        info.side_effects = json::MakeMembersFragment(std::move(side_effects));
        Json tail = Object(3);
        if (entry.contains("involves")) Add(tail, "involves", entry["involves"]);
        Add(tail, "sources", info.sources);
        if (!info.approval.is_null()) Add(tail, "approval", info.approval);
        info.tail = json::MakeMembersFragment(std::move(tail));
      }
      info.summary = &plan->summary->options.at(id);
      plan->options.emplace(id, std::move(info));
    }
  }
  return plan;
}

// ---- one case ----------------------------------------------------------------------------------

namespace {

// The fields read, by where they are read (see OutputField).
constinit OutputField kCategory{"category"}, kGrade{"grade"}, kClassificationBasis{"basis"};
// The classification's members as the answer has them, in this order; absent (or the decision no
// context), category and grade are null and basis "". The text, the tree and the value the trial
// criteria read (ClassificationValue) all follow this one list.
struct ClassificationMember {
  const OutputField* field;
  bool empty_string;  // absent: "" (else null)
};
constexpr ClassificationMember kClassificationMembers[] = {
    {&kCategory, false}, {&kGrade, false}, {&kClassificationBasis, true}};
// The writer's reads of the same members (all of an object's fields read at once: one shape check).
constinit OutputFields<3> kClassificationWritten{{"category", "grade", "basis"}};
constinit OutputField kScenarioId{"id"}, kScenarioTitle{"title"};
constinit OutputFields<5> kStageFields{{"chapter", "t", "n", "m", "group"}};
constinit OutputFields<2> kStageMore{{"derived", "basis"}};
constinit OutputField kOptionId{"id"}, kPreferred{"preferred"};
constinit OutputFields<4> kOptionWritten{{"rationale", "evidence", "citations", "cautions"}};
// A ranking entry's members, read once for the option it ranks (PrepareAnswer) and the writer.
constinit OutputFields<4> kRankingRead{{"id", "rank", "reason", "line"}};
constinit OutputField kNotRecommendedId{"id"};
constinit OutputFields<2> kNotRecommendedWritten{{"reason", "citations"}};
constinit OutputFields<4> kAlertRead{{"id", "text", "severity", "citations"}};
constinit OutputField kWorkupId{"id"}, kWorkupText{"text"};
constinit OutputFields<4> kMonitoringWritten{{"test", "interval", "duration", "text"}};
constinit OutputField kMonitoringTest{"test"}, kMonitoringInterval{"interval"};
// The missing fields of three decisions, collected: one field each (their shapes differ).
constinit OutputField kClassificationMissingField{"field"}, kStageMissingField{"field"}, kMissingField{"field"};
constinit OutputField kBlocks{"blocks"};

// Views of the decisions' strings (or of AnswerParts::owned, for a converted or merged text).
struct Alert {
  std::string_view id;
  const Value* severity;  // null: "info"
  std::string_view text;
  const Value* text_value = nullptr;  // the decision's string `text` views (null: merged or converted)
  std::vector<std::string_view> citations;
  int rank = 2;
};

// std::stable_sort by `rank` without its temporary buffer (an allocation per call): an insertion
// sort, stable as well, for the few options and alerts of a case.
template <class T>
void StableSortByRank(std::vector<T>& v) {
  if (v.size() > 32) {
    std::stable_sort(v.begin(), v.end(), [](const T& a, const T& b) { return a.rank < b.rank; });
    return;
  }
  for (size_t i = 1; i < v.size(); ++i) {
    if (!(v[i].rank < v[i - 1].rank)) continue;
    T moving = std::move(v[i]);
    size_t j = i;
    for (; j > 0 && moving.rank < v[j - 1].rank; --j) v[j] = std::move(v[j - 1]);
    v[j] = std::move(moving);
  }
}

struct PreparedOption {
  const Value* decision;
  const OptionInfo* info;
  std::string_view id;  // the decision's string (or AnswerParts::owned)
  bool preferred;
  // The knowledge's ranking (ranking.dmn "Ranking": id, rank, line, reason per option).
  long rank = 1L << 30;
  const Value* ranking = nullptr;  // its entry: reason ("" when absent) and line (null when absent)
  const Value* rank_reason = nullptr;  // the entry's fields (null when absent)
  const Value* rank_line = nullptr;
};

// The answer's text writer: a TextOut that copies the models' constant texts as the plan
// prepared them (OutputPlan::constant_texts) instead of scanning them for escapes again.
class AnswerText : public json::TextOut {
 public:
  AnswerText(std::string& out, const json::ImmortalTexts& texts) : json::TextOut(out), texts_(texts) {}
  const json::ImmortalTexts& texts() const { return texts_; }

 private:
  const json::ImmortalTexts& texts_;
};

// A string value, written (the same bytes either way).
void WriteString(json::TreeOut& out, const Value& s) { out.String(s.string()); }
[[gnu::noinline]] void WritePrepared(AnswerText& out, const Value& s) {
  const std::string_view text = out.texts().Find(s);
  if (!text.empty()) out.Verbatim(text);
  else out.String(s.string());
}
// Inline: most strings are short (ids, codes) and go straight to TextOut::String.
[[gnu::always_inline]] inline void WriteString(AnswerText& out, const Value& s) {
  if (out.texts().MayHave(s)) WritePrepared(out, s);
  else out.String(s.string());
}

// The value at `key` as its JSON conversion, or the fallback (null or "") when absent.
template <class Out>
void WriteField(Out& out, const Value* v, bool empty_string_fallback) {
  if (!v) {
    if (empty_string_fallback) out.String(std::string_view());
    else out.Null();
  } else if (v->is(Type::kString)) {
    WriteString(out, *v);
  } else {
    out.Value(json::ValueToJson(*v));
  }
}
template <class Out>
void WriteOrNull(Out& out, const Value* v) {
  WriteField(out, v, false);
}
template <class Out>
void WriteOrEmpty(Out& out, const Value* v) {
  WriteField(out, v, true);
}

// The classification as the FEEL value of the members written (kClassificationMembers): what
// ValueFromJson gives of their JSON. A string, boolean or null reads back as itself; any other
// value is given as its JSON conversion read back (a number as its JSON number).
Value ClassificationValue(const Value& cls) {
  auto reads_back = [](const Value& v) { return v.is_null() || v.is(Type::kString) || v.is(Type::kBoolean); };
  static const feel::ContextShape* const kShape = [] {
    std::vector<std::string> keys;
    for (const ClassificationMember& m : kClassificationMembers) keys.emplace_back(m.field->view());
    return feel::ContextShape::Intern(keys);
  }();
  // The decision itself when it has exactly these members, in this order (the knowledge's context
  // of these keys has this interned shape), each reading back as itself.
  if (cls.is(Type::kContext) && cls.context().size() == std::size(kClassificationMembers)) {
    const feel::Context& c = cls.context();
    bool same = true;
    for (size_t i = 0; same && i < c.size(); ++i)
      same = ((kShape && c.shape() == kShape) || c.key(i) == kClassificationMembers[i].field->view()) && reads_back(c.value(i));
    if (same) return cls;
  }
  feel::Context out(kShape);
  out.Reserve(std::size(kClassificationMembers));
  for (const ClassificationMember& m : kClassificationMembers) {
    const Value* v = Get(cls, *m.field);
    Value member = !v                ? (m.empty_string ? Value::String("") : Value())
                   : reads_back(*v) ? *v
                                    : json::ValueFromJson(json::ValueToJson(*v));
    if (kShape) out.AppendValue(std::move(member));
    else out.Append(std::string(m.field->view()), std::move(member));
  }
  return Value::FromContext(std::move(out));
}

// StringListOf, written.
template <class Out>
void WriteStringList(Out& out, const Value* v) {
  if (v && v->is(Type::kList)) {
    const feel::List& l = v->list();
    out.BeginArray(l.size());
    for (const auto& e : l) {
      if (e.is(Type::kString)) {
        WriteString(out, e);
      } else if (MayBeJsonString(e)) {
        Json j = json::ValueToJson(e);
        if (j.is_string()) out.String(j.get_ref<const std::string&>());
      }
    }
    out.EndArray();
    return;
  }
  out.Value(StringListOf(v));
}

// The trace, written as text or built as the tree from this one description.
template <class Out>
void WriteTrace(Out& out, std::vector<dmn::TraceEntry>& trace) {
  out.BeginArray(trace.size());
  if constexpr (std::is_same_v<Out, AnswerText>) {
    // A hit's text prepared with its rule (TraceEntry::text), copied; else written member by member.
    // Every entry a hit with its text (every case's today): copied in one run, one room check.
    size_t bytes = 0;
    bool prepared = true;
    for (const auto& t : trace) {
      prepared = prepared && t.hit && !t.text.empty();
      bytes += t.text.size();
    }
    if (prepared) [[likely]] {
      out.VerbatimEach(trace, bytes, [](const dmn::TraceEntry& t) { return t.text; });
      out.EndArray();
      return;
    }
    for (const auto& t : trace) {
      if (!t.text.empty() && t.hit) [[likely]]
        out.Verbatim(t.text);
      else
        out.ObjectOf("decision", t.decision, "rule", t.rule, "hit", t.hit);
    }
    out.EndArray();
    return;
  }
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

// A ranking entry with its id read once (PrepareAnswer).
struct RankedEntry {
  std::string_view id;
  const Value* entry;
  OutputFields<4>::Read fields;  // kRankingRead's
};

}  // namespace

struct AnswerParts {
  DecisionValues d;
  std::vector<dmn::TraceEntry> trace;
  Json scenario_id;  // null while scenario_id_string is set
  // The scenario decision's `id` when it is a string (its JSON conversion is that string): viewed
  // where it was converted to a JSON string per case (an allocation or two, and their frees).
  const Value* scenario_id_string = nullptr;
  std::vector<PreparedOption> options;  // in rank order
  std::vector<Alert> alerts;            // merged, critical first
  // The citation vectors of the last case's alerts, cleared with their room kept, for this case's
  // alerts (a vector allocated and freed per alert otherwise); and a merged alert's citations.
  std::vector<std::vector<std::string_view>> spare_citations;
  std::vector<std::string_view> merged_citations;
  // Strings the alerts and collected ids view that the decisions do not hold.
  std::forward_list<std::string> owned;
  std::vector<IdItem> not_recommended, workup, monitoring, missing;
  SummaryInput summary_input;  // views into the strings above
  Summary summary;
  // PrepareAnswer's own lists (kept for their room): the options by id, the ranking's entries.
  std::vector<IdItem> picked;
  std::vector<RankedEntry> ranked;

  // As made anew, but for the vectors' and strings' room, kept for the next case (the values,
  // the alerts' citations and the owned strings are released here, as deleting would).
  void Clear() {
    for (Value& v : d) v = Value();
    trace.clear();
    scenario_id = Json();
    scenario_id_string = nullptr;
    options.clear();
    for (Alert& a : alerts) {
      a.citations.clear();
      spare_citations.push_back(std::move(a.citations));
    }
    alerts.clear();
    owned.clear();
    not_recommended.clear();
    workup.clear();
    monitoring.clear();
    missing.clear();
    summary_input.scenario_id = {};
    summary_input.options.clear();
    summary_input.alerts.clear();
    summary_input.monitoring_schedule = false;
    summary_input.prepared_by = nullptr;
    ClearSummary(summary);
    picked.clear();
    ranked.clear();
  }
};

namespace {

// One cleared AnswerParts per thread (AnswerPartsDelete leaves it here, the next case's parts are
// made in it): about fifteen allocations and frees per case fewer, and the trace's 4.6 KB buffer
// with them (SpareTrace). Thread-local, so never shared; a part deleted on another thread than
// its own is kept by that thread.
// Set when the thread's SpareParts is destroyed (the thread is ending): parts deleted after that,
// by a later thread-local destructor, are deleted, not kept. A trivially destructible flag apart
// from SpareParts, so it can still be read once SpareParts' lifetime has ended.
thread_local bool spare_parts_gone = false;
struct SpareParts {
  AnswerParts* parts = nullptr;
  ~SpareParts() {
    delete parts;
    parts = nullptr;
    spare_parts_gone = true;
  }
};
thread_local SpareParts spare_parts;

// The scenario's id as its JSON conversion's string; null when that is not a string.
const std::string* ScenarioIdText(const AnswerParts& p) {
  if (p.scenario_id_string) return &p.scenario_id_string->string();
  return p.scenario_id.is_string() ? &p.scenario_id.get_ref<const std::string&>() : nullptr;
}

}  // namespace

AnswerPartsPtr NewAnswerParts() {
  if (spare_parts_gone) return AnswerPartsPtr(new AnswerParts());
  AnswerParts* p = spare_parts.parts;
  spare_parts.parts = nullptr;
  return AnswerPartsPtr(p ? p : new AnswerParts());
}
DecisionValues& DecisionsOf(AnswerParts& parts) { return parts.d; }
std::vector<dmn::TraceEntry>& TraceOf(AnswerParts& parts) { return parts.trace; }

void AnswerPartsDelete::operator()(AnswerParts* p) const {
  if (spare_parts_gone || spare_parts.parts) {
    delete p;
    return;
  }
  p->Clear();
  spare_parts.parts = p;
}

AnswerPartsPtr PrepareAnswer(const KnowledgeBase& kb, const OutputPlan& plan, const Json& case_json,
                             DecisionValues&& decisions, std::vector<dmn::TraceEntry>&& trace, Answer* record) {
  AnswerPartsPtr parts = NewAnswerParts();
  for (size_t i = 0; i < decisions.size(); ++i) parts->d[i] = std::move(decisions[i]);
  parts->trace = std::move(trace);
  return PrepareAnswer(kb, plan, case_json, std::move(parts), record);
}

AnswerPartsPtr PrepareAnswer(const KnowledgeBase& kb, const OutputPlan& plan, const Json& case_json,
                             AnswerPartsPtr parts, Answer* record) {
  AnswerParts& p = *parts;
  const DecisionValues& d = p.d;

  if (record) record->classification = ClassificationValue(d[kClassification]);
  if (const Value* id = Get(d[kScenario], kScenarioId); id && id->is(Type::kString)) p.scenario_id_string = id;
  else p.scenario_id = JsonOr(d[kScenario], kScenarioId, Json());

  std::vector<IdItem>& picked = p.picked;
  CollectById(d, {{kOptions, kOptionId}}, picked, p.owned);
  p.options.reserve(picked.size());
  for (const auto& [o, id] : picked) {
    auto found = plan.options.find(id);
    const OptionInfo* info = found == plan.options.end() ? &plan.unknown_option : &found->second;
    const bool preferred = BoolOr(*o, kPreferred);
    p.options.push_back(PreparedOption{o, info, id, preferred});
  }
  // The knowledge's ranking joined to the options: each gets rank, rank_reason and line, and the
  // options are put in rank order. C++ decides nothing here: an option the ranking does not list
  // (a knowledge base without ranking.dmn) keeps its place after the ranked ones, and ranks are
  // renumbered 1..n in that order.
  const Value& ranking = d[kRanking];
  std::string scratch;
  if (ranking.is(Type::kList) && !p.options.empty()) {
    // Each entry's id read once (not once per option): the entries that are contexts, in order.
    std::vector<RankedEntry>& ranked = p.ranked;
    ranked.reserve(ranking.list().size());
    std::forward_list<std::string> converted;  // ids that are not strings, as text
    for (const auto& e : ranking.list()) {
      if (!e.is(Type::kContext)) continue;
      const OutputFields<4>::Read f = kRankingRead.In(e.context());
      std::string_view id = StrViewOf(f[0], scratch);
      if (id.data() == scratch.data()) id = converted.emplace_front(std::move(scratch));
      ranked.push_back({id, &e, f});
    }
    for (auto& r : p.options)
      for (const RankedEntry& k : ranked) {
        if (!SameText(k.id, r.id)) continue;
        // A whole number that fits is its JSON conversion's integer, read without converting.
        const Value* rank = k.fields[1];
        const auto whole = rank && rank->is(Type::kNumber) ? rank->number().ToInt64() : std::nullopt;
        if (whole) {
          r.rank = *whole;
        } else if (rank) {
          Json j = json::ValueToJson(*rank);
          if (j.is_number()) r.rank = j.get<long>();
        }
        r.ranking = k.entry;
        r.rank_reason = k.fields[2];
        r.rank_line = k.fields[3];
        break;
      }
  }
  StableSortByRank(p.options);

  CollectById(d, {{kNotRecommended, kNotRecommendedId}}, p.not_recommended, p.owned);

  // The same alert raised by several models (e.g. verify_uncertain_rule for a grading and a
  // staging fact) is shown once, with every text and citation.
  std::vector<Alert>& alerts = p.alerts;
  for (int decision : {kClassificationAlerts, kStageAlerts, kAlerts}) {
    const Value& list = d[static_cast<size_t>(decision)];
    if (!list.is(Type::kList)) continue;
    for (const auto& a : list.list()) {
      if (!a.is(Type::kContext)) continue;
      const OutputFields<4>::Read f = kAlertRead.In(a.context());  // id, text, severity, citations
      std::string_view id = ViewOfValue(f[0], p.owned);
      const Value* text_value = f[1];
      if (text_value && !text_value->is(Type::kString)) text_value = nullptr;
      std::string_view text = text_value ? std::string_view(text_value->string()) : ViewOfValue(f[1], p.owned);
      auto existing = std::find_if(alerts.begin(), alerts.end(), [&](const Alert& x) { return SameText(x.id, id); });
      if (existing != alerts.end()) {
        if (!text.empty() && existing->text.find(text) == std::string::npos) {
          std::string& merged = p.owned.emplace_front(existing->text);
          merged += ' ';
          merged += text;
          existing->text = merged;
          existing->text_value = nullptr;
        }
        std::vector<std::string_view>& cites = p.merged_citations;
        cites.clear();
        AppendViewsOf(f[3], cites, p.owned);
        for (std::string_view c : cites)
          if (std::find(existing->citations.begin(), existing->citations.end(), c) == existing->citations.end())
            existing->citations.push_back(c);
        continue;
      }
      Alert& e = alerts.emplace_back();
      if (!p.spare_citations.empty()) {  // (cleared in Clear)
        e.citations = std::move(p.spare_citations.back());
        p.spare_citations.pop_back();
      }
      e.id = id;
      e.severity = f[2];
      if (e.severity) {
        // As the JSON conversion's string (a date converts to one, but is neither of these).
        if (e.severity->is(Type::kString)) {
          // (as views: the sizes compare first, where std::string == const char* measures the literal)
          const std::string_view s = e.severity->string();
          e.rank = s == std::string_view("critical") ? 0 : s == std::string_view("warning") ? 1 : 2;
        }
      }
      e.text = text;
      e.text_value = text_value;
      AppendViewsOf(f[3], e.citations, p.owned);
    }
  }
  // Critical first, then warnings, then information; stable within a severity.
  StableSortByRank(alerts);

  CollectById(d, {{kWorkup, kWorkupId}}, p.workup, p.owned);
  CollectById(d, {{kMonitoring, kMonitoringTest}}, p.monitoring, p.owned);
  CollectById(d,
              {{kClassificationMissing, kClassificationMissingField},
               {kStageMissing, kStageMissingField},
               {kMissing, kMissingField}},
              p.missing, p.owned);

  // The patient summary reads what the recommendation lists (the same strings).
  SummaryInput& in = p.summary_input;
  if (const std::string* id = ScenarioIdText(p)) in.scenario_id = *id;
  in.options.reserve(p.options.size());
  in.prepared_by = &plan;
  for (const auto& o : p.options)
    in.options.push_back({o.id, o.preferred, o.info->summary});
  in.alerts.reserve(alerts.size());
  for (const auto& a : alerts) in.alerts.push_back(a.id);
  for (const IdItem& m : p.monitoring)
    if (StrView(*m.item, kMonitoringInterval, scratch) != "none") {  // "none": the knowledge's "no routine follow-up"
      in.monitoring_schedule = true;
      break;
    }
  PrepareSummary(kb, in, case_json, "en", p.summary);

  if (record) {
    const std::string* id = ScenarioIdText(p);
    record->has_scenario_id = id != nullptr;
    if (id) record->scenario_id = *id;
    record->option_ids.reserve(p.options.size());
    for (const auto& o : p.options) record->option_ids.emplace_back(o.id);
    record->alert_ids.reserve(alerts.size());
    for (const auto& a : alerts) record->alert_ids.emplace_back(a.id);
  }
  return parts;
}

namespace {

// The recommendation from its parts: one description for the tree and the text. `record`: the
// trial annotation's notes to put in (text only); the text is left without its closing brace.
template <class Out>
void WriteRecommendation(Out& out, const KnowledgeBase& kb, const OutputPlan& plan, const Json& case_json,
                         AnswerParts& p, const Answer* record) {
  const DecisionValues& d = p.d;
  std::string scratch;  // StrView's, for a field that is not a string
  // 17 members here and up to 3 the trial registry adds (trials, trials_registry,
  // trials_excluded): growing past the reservation would copy the whole tree, since the entries'
  // const keys make them copied, not moved, on reallocation.
  out.BeginObject(20);
  out.Key("schema");
  out.String("zebra.recommendation/v1");
  out.Key("case_id");
  // case_json.value("id", ""), without its copy when the id is a string (otherwise as it was);
  // the member found as find("id") finds it (the first of that key), comparing views.
  const Json* id = nullptr;
  if (case_json.is_object())
    for (const auto& [key, value] : case_json.get_ref<const Json::object_t&>())
      if (std::string_view(key) == "id") {
        id = &value;
        break;
      }
  if (id && id->is_string()) out.String(id->get_ref<const std::string&>());
  else out.String(case_json.value("id", ""));
  out.Members(plan.header);  // zebra_version, knowledge_version, knowledge_date, notice

  // Each member a field of the decision, or its stand-in when absent (kClassificationMembers).
  const Value& cls = d[kClassification];
  out.Key("classification");
  out.BeginObject(std::size(kClassificationMembers));
  const OutputFields<3>::Read cf = kClassificationWritten.In(cls);
  static_assert(std::size(kClassificationMembers) == 3);
  for (size_t i = 0; i < 3; ++i) {
    const ClassificationMember& m = kClassificationMembers[i];
    out.Key(m.field->name());
    WriteField(out, cf[i], m.empty_string);
  }
  out.EndObject();

  const Value& st = d[kStage];
  out.Key("stage");
  out.BeginObject(9);
  out.Key("system");
  out.String("AJCC 8th");
  const OutputFields<5>::Read sf = kStageFields.In(st);
  for (size_t i = 0; i < sf.size(); ++i) {
    out.Key(kStageFields.name(i));
    WriteOrNull(out, sf[i]);
  }
  const OutputFields<2>::Read more = kStageMore.In(st);  // derived, basis
  out.Key("derived");
  WriteStringList(out, more[0]);
  if (const Value* basis = more[1]) {
    if (basis->is(Type::kString)) {
      out.Key("basis");
      WriteString(out, *basis);
    } else if (MayBeJsonString(*basis)) {
      Json j = json::ValueToJson(*basis);
      if (j.is_string()) {
        out.Key("basis");
        out.String(j.get_ref<const std::string&>());
      }
    }
  }
  out.EndObject();

  out.Key("scenario");
  out.BeginObject(2);
  out.Key("id");
  if (p.scenario_id_string) out.String(p.scenario_id_string->string());  // (what its conversion writes)
  else out.Value(p.scenario_id);
  out.Key("title");
  WriteOrNull(out, kScenarioTitle.In(d[kScenario]));
  out.EndObject();

  const std::string* trial_note = record && record->has_trial_option_note ? record->trial_option_note : nullptr;
  out.Key("options");
  out.BeginArray(p.options.size());
  long n = 0;
  for (const PreparedOption& o : p.options) {
    const OptionInfo& info = *o.info;
    // rationale, evidence, citations, cautions
    const OutputFields<4>::Read f = kOptionWritten.In(*o.decision);
    out.BeginObject(13);
    if (info.has_head) {
      out.Members(info.head);  // id, title, intent
    } else {
      out.Key("id");
      out.String(o.id);
      out.Key("title");
      if (info.irregular) out.Value(info.irregular->value("title", std::string(o.id)));
      else out.String(o.id);  // (an id the catalogue does not list)
      out.Key("intent");
      if (info.irregular) out.Value(info.irregular->value("intent", Json()));
      else out.Value(info.intent);
    }
    out.Key("preferred");
    out.Bool(o.preferred);
    out.Key("rationale");
    if (trial_note && o.id == "trial.clinical_trial") {
      // The trial annotation's note on how many studies may fit (as it adds it to the tree).
      // String(rationale + " " + note) without building that string (JoinedString: same bytes).
      const std::string_view rationale = StrViewOf(f[0], scratch);
      if (rationale.empty()) out.String(*trial_note);
      else out.JoinedString(rationale, *trial_note);
    } else {
      WriteOrEmpty(out, f[0]);
    }
    out.Key("evidence");
    WriteOrEmpty(out, f[1]);
    out.Key("citations");
    WriteStringList(out, f[2]);
    if (info.irregular) {
      const Json& entry = *info.irregular;
      out.Key("side_effects");
      out.Value(entry.value("side_effects", Json::array()));
      out.Key("cautions");
      WriteStringList(out, f[3]);
      if (entry.contains("involves")) {
        out.Key("involves");
        out.Value(entry.at("involves"));
      }
      out.Key("sources");
      out.Value(info.sources);
      if (!info.approval.is_null()) {
        out.Key("approval");
        out.Value(info.approval);
      }
    } else {
      // The catalogue members serialised at load.
      out.Members(info.side_effects);
      out.Key("cautions");
      WriteStringList(out, f[3]);
      out.Members(info.tail);  // involves, sources, approval
    }
    out.Key("rank");
    out.Integer(++n);
    out.Key("rank_reason");
    if (o.ranking) WriteOrEmpty(out, o.rank_reason);
    else out.String(std::string_view());
    out.Key("line");
    if (o.ranking) WriteOrNull(out, o.rank_line);
    else out.Null();
    out.EndObject();
  }
  out.EndArray();

  out.Key("not_recommended");
  out.BeginArray(p.not_recommended.size());
  for (const auto& [o, id] : p.not_recommended) {
    const OutputFields<2>::Read f = kNotRecommendedWritten.In(*o);  // reason, citations
    out.BeginObject(3);
    out.Key("id");
    out.String(id);
    out.Key("reason");
    WriteOrEmpty(out, f[0]);
    out.Key("citations");
    WriteStringList(out, f[1]);
    out.EndObject();
  }
  out.EndArray();

  out.Key("alerts");
  out.BeginArray(p.alerts.size());
  for (const Alert& a : p.alerts) {
    out.BeginObject(4);
    out.Key("id");
    out.String(a.id);
    out.Key("severity");
    if (!a.severity) out.String("info");
    else if (a.severity->is(Type::kString)) out.String(a.severity->string());
    else out.Value(json::ValueToJson(*a.severity));
    out.Key("text");
    if (a.text_value) WriteString(out, *a.text_value);
    else out.String(a.text);
    out.Key("citations");
    out.BeginArray(a.citations.size());
    for (std::string_view c : a.citations) out.String(c);
    out.EndArray();
    out.EndObject();
  }
  out.EndArray();

  out.Key("workup");
  out.BeginArray(p.workup.size());
  for (const auto& [w, id] : p.workup) {
    out.BeginObject(2);
    out.Key("id");
    out.String(id);
    out.Key("text");
    WriteOrEmpty(out, kWorkupText.In(*w));
    out.EndObject();
  }
  out.EndArray();
  out.Key("monitoring");
  out.BeginArray(p.monitoring.size());
  for (const IdItem& m : p.monitoring) {
    out.BeginObject(4);
    const OutputFields<4>::Read f = kMonitoringWritten.In(*m.item);
    for (size_t i = 0; i < f.size(); ++i) {
      out.Key(kMonitoringWritten.name(i));
      WriteOrEmpty(out, f[i]);
    }
    out.EndObject();
  }
  out.EndArray();
  out.Key("missing");
  out.BeginArray(p.missing.size());
  for (const auto& [m, field] : p.missing) {
    out.BeginObject(2);
    out.Key("field");
    out.String(field);  // (the "field" each was collected by)
    out.Key("blocks");
    WriteOrEmpty(out, kBlocks.In(*m));
    out.EndObject();
  }
  out.EndArray();

  out.Key("patient_summary");
  if constexpr (std::is_same_v<Out, AnswerText>)
    WriteSummary(out, kb, p.summary, record && record->has_summary_sentence ? record->summary_sentence : nullptr,
                 record ? &record->summary_sentence_counts : nullptr);
  else
    WriteSummary(out, kb, p.summary);

  out.Key("trace");
  WriteTrace(out, p.trace);
  if constexpr (!std::is_same_v<Out, AnswerText>) out.EndObject();
}

}  // namespace

Json BuildRecommendation(const KnowledgeBase& kb, const OutputPlan& plan, const Json& case_json, AnswerParts& parts,
                         TextCounts* summary_counts) {
  Json out;
  json::TreeOut tree(out);
  WriteRecommendation(tree, kb, plan, case_json, parts, nullptr);
  if (summary_counts) *summary_counts = parts.summary.counts;
  return out;
}

void AppendRecommendation(const KnowledgeBase& kb, const OutputPlan& plan, const Json& case_json, AnswerParts& parts,
                          const Answer& record, std::string& out) {
  AnswerText text(out, plan.constant_texts);
  WriteRecommendation(text, kb, plan, case_json, parts, &record);
}

}  // namespace internal
}  // namespace zebra::clinical
