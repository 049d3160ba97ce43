#include "clinical/clinical.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <unordered_map>

#include "build_info.h"
#include "common/file.h"
#include "json/json_parse.h"
#include "json/json_values.h"
#include "clinical/case_shapes.h"
#include "clinical/case_validation.h"
#include "clinical/recommendation.h"
#include "feel/shaped_position.h"

namespace zebra::clinical {
namespace {

tl::expected<Json, common::Error> ReadJsonFile(const std::filesystem::path& p) {
  const auto text = common::ReadFile(p);
  if (!text) return tl::unexpected(common::Error(p.string(), "cannot read"));
  Json j = Json::parse(*text, nullptr, false);
  if (j.is_discarded()) return tl::unexpected(common::Error(p.string(), "not valid JSON"));
  return j;
}

std::string Str(const Json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

constexpr size_t kMaxCaseDepth = 32;

// knowledge/patient/LANG.json: the patient texts of each language (optional directory).
void LoadPatientTexts(const std::filesystem::path& dir, KnowledgeBase& kb, common::Errors& errors) {
  kb.patient_texts = Json::object();
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir / "patient", ec))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    auto j = ReadJsonFile(f);
    if (!j) errors.push_back(j.error());
    else kb.patient_texts[f.stem().string()] = std::move(*j);
  }
}

}  // namespace

std::filesystem::path DefaultKnowledgeDir() {
  if (const char* env = std::getenv("ZEBRA_KNOWLEDGE"); env && *env) return env;
  if (std::filesystem::exists("knowledge/manifest.json")) return "knowledge";
  return std::filesystem::path(ZEBRA_SOURCE_DIR) / "knowledge";
}

namespace internal {

namespace {
std::unique_ptr<const CaseNode> PlanCaseNode(const Json& schema, size_t depth) {
  if (!schema.is_object() || depth > kMaxCaseDepth) return nullptr;
  auto node = std::make_unique<CaseNode>();
  if (auto p = schema.find("properties"); p != schema.end() && p->is_object()) {
    std::vector<std::string> keys;
    for (const auto& [k, v] : p->items()) keys.push_back(k);
    std::sort(keys.begin(), keys.end());
    if (keys.size() > 64) return nullptr;  // a subset is a 64-bit set of fields
    node->family = feel::ContextShape::Intern(keys);
    if (!node->family) return nullptr;
    for (const auto& k : keys) node->fields.push_back(PlanCaseNode((*p)[k], depth + 1));
    return node;
  }
  if (auto items = schema.find("items"); items != schema.end()) {
    node->items = PlanCaseNode(*items, depth + 1);
    if (node->items) return node;
  }
  return nullptr;
}

std::shared_ptr<const CaseNode> PlanCaseShapes(const Json& case_schema) { return PlanCaseNode(case_schema, 0); }
}  // namespace

}  // namespace internal

common::Result<std::shared_ptr<const KnowledgeBase>> LoadKnowledgeBase(const std::filesystem::path& dir) {
  common::Errors errors;
  auto kb = std::make_shared<KnowledgeBase>();
  kb->dir = dir;
  auto manifest = ReadJsonFile(dir / "manifest.json");
  if (!manifest) return tl::unexpected(common::Errors{manifest.error()});
  kb->manifest = *manifest;
  kb->version = Str(kb->manifest, "knowledge_version");
  kb->release_date = Str(kb->manifest, "release_date");
  if (kb->version.empty()) errors.push_back({"manifest.json", "knowledge_version is missing"});
  if (!kb->manifest.contains("models") || !kb->manifest["models"].is_array())
    errors.push_back({"manifest.json", "models must be a list of DMN files"});
  else
    for (const auto& m : kb->manifest["models"]) {
      if (!m.is_string()) {
        errors.push_back({"manifest.json", "models entries must be file names"});
        continue;
      }
      auto model = dmn::LoadModel(dir / m.get<std::string>());
      if (!model) {
        for (const auto& d : model.error()) {
          // Where: "file:line:col: element 'id' rule 3 column 2" (ModelDiagnostic::ToString without the message).
          const std::string text = d.ToString();
          errors.push_back({text.substr(0, text.size() - d.message.size() - 2), d.message});
        }
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
  LoadPatientTexts(dir, *kb, errors);
  std::filesystem::path schema = dir.parent_path() / "schema" / "case.schema.json";
  if (!std::filesystem::exists(schema)) schema = std::filesystem::path(ZEBRA_SOURCE_DIR) / "schema" / "case.schema.json";
  auto s = ReadJsonFile(schema);
  if (!s) errors.push_back(s.error());
  else kb->case_schema = std::move(*s);
  if (!errors.empty()) return tl::unexpected(std::move(errors));
  kb->output_plan = internal::MakeOutputPlan(*kb);
  kb->inputs_shape = internal::InputsShapeOf(*kb->output_plan);
  kb->case_shapes = internal::PlanCaseShapes(kb->case_schema);
  return std::shared_ptr<const KnowledgeBase>(std::move(kb));
}

namespace {

// The knowledge base's output plan, or one prepared on the fly (into `temporary`) for a knowledge
// base assembled without LoadKnowledgeBase.
const internal::OutputPlan& PlanOf(const KnowledgeBase& kb, std::shared_ptr<const internal::OutputPlan>& temporary) {
  if (kb.output_plan) return *kb.output_plan;
  temporary = internal::MakeOutputPlan(kb);
  return *temporary;
}

}  // namespace

std::vector<InputError> ValidateCaseJson(const Json& case_json, const KnowledgeBase& kb) {
  // The schema is compiled once per knowledge base (with the output plan); the case is validated
  // as it is, without a plain-JSON copy.
  std::shared_ptr<const internal::OutputPlan> temporary;
  std::vector<InputError> out;
  for (auto& e : internal::CaseSchema(PlanOf(kb, temporary)).Validate(case_json))
    out.push_back(std::move(e));  // as a plain common::Error: the answers show path and message
  // A prior therapy names an option of the catalogue: a typo ("ssa.lanreotid") would otherwise
  // drop a line of therapy from every rule that reads the history.
  const Json* options = kb.catalogue.is_object() && kb.catalogue.contains("options") ? &kb.catalogue["options"] : nullptr;
  const Json* history = case_json.is_object() && case_json.contains("history") ? &case_json["history"] : nullptr;
  if (options && history && history->is_object() && history->contains("prior_therapies") &&
      (*history)["prior_therapies"].is_array()) {
    const Json& prior = (*history)["prior_therapies"];
    for (std::size_t i = 0; i < prior.size(); ++i) {
      if (!prior[i].is_object() || !prior[i].contains("option") || !prior[i]["option"].is_string()) continue;
      const std::string& id = prior[i]["option"].get_ref<const std::string&>();
      const std::string path = "history.prior_therapies[" + std::to_string(i) + "].option";
      bool reported = std::any_of(out.begin(), out.end(), [&](const InputError& e) { return e.path == path; });
      if (!reported && !options->contains(id))
        out.push_back({path, "\"" + id + "\" is not an option id of the knowledge base (see `zebra kb list`)"});
    }
  }
  return out;
}

namespace {
// A case's size and nesting limits, checked on the text before (or instead of) parsing it.
std::optional<InputError> CaseTextTooLarge(std::string_view text) {
  if (text.size() > kMaxCaseBytes) return InputError{"$", "case is larger than 1 MiB"};
  if (json::NestingDepth(text) > kMaxCaseDepth) return InputError{"$", "JSON nested deeper than 32 levels"};
  return std::nullopt;
}
}  // namespace

tl::expected<Json, std::vector<InputError>> ParseCase(std::string_view text, const KnowledgeBase& kb) {
  const json::ParseLimits limits{kMaxCaseBytes, kMaxCaseDepth};
  // What the fast reader reads is within both limits (its nesting is the text's), so the checks
  // below would pass and ParseStrict would give the same value; anything else takes them.
  std::optional<Json> fast = json::ParseFast(text, limits);
  if (!fast) {
    if (auto too_large = CaseTextTooLarge(text)) return tl::unexpected(std::vector<InputError>{*too_large});
    // Strict: a repeated key or invalid UTF-8 is an error with its path, never a silent choice.
    // (ParseStrict would try the fast reader a second time.)
    auto parsed = json::ParseStrictGeneral(text, limits);
    if (!parsed) return tl::unexpected(std::vector<InputError>{{parsed.error().path, parsed.error().message}});
    fast = std::move(*parsed);
  }
  Json j = std::move(*fast);
  auto errors = ValidateCaseJson(j, kb);
  if (!errors.empty()) return tl::unexpected(std::move(errors));
  return j;
}

tl::expected<Json, std::vector<InputError>> ReadParsedCase(Json parsed, std::string_view text, const KnowledgeBase& kb) {
  if (auto too_large = CaseTextTooLarge(text)) return tl::unexpected(std::vector<InputError>{*too_large});
  auto errors = ValidateCaseJson(parsed, kb);
  if (!errors.empty()) return tl::unexpected(std::move(errors));
  return parsed;
}

std::optional<CaseForAnswer> ReadCaseForAnswer(std::string_view text, const KnowledgeBase& kb) {
  CaseForAnswer out;
  if (!ReadCaseForAnswer(text, kb, out)) return std::nullopt;
  return out;
}

bool ReadCaseForAnswer(std::string_view text, const KnowledgeBase& kb, CaseForAnswer& out) {
  if (!kb.case_shapes) return false;
  std::shared_ptr<const internal::OutputPlan> temporary;
  std::optional<feel::Value> value = internal::CaseSchema(PlanOf(kb, temporary)).ReadPassing(text, *kb.case_shapes);
  if (!value || !value->is(feel::Type::kContext)) return false;
  const feel::Context& c = value->context();
  // The fields below by position where the contexts are shaped (found once per shape), as
  // Context::Find finds them.
  static const feel::ShapedPosition kHistory, kPriorTherapies, kOption, kId, kPatient, kPreferences, kGoals;
  auto find = [](const feel::Context* in, const feel::ShapedPosition& at, std::string_view name) -> const feel::Value* {
    if (!in) return nullptr;
    return in->shape() ? at.Find(*in, name) : in->Find(name);
  };
  auto context_at = [&](const feel::Context* in, const feel::ShapedPosition& at,
                        std::string_view name) -> const feel::Context* {
    const feel::Value* v = find(in, at, name);
    return v && v->is(feel::Type::kContext) ? &v->context() : nullptr;
  };
  // ValidateCaseJson's check beyond the schema: each prior therapy's option is in the catalogue
  // (the catalogue's options looked up only when a therapy names one).
  if (const feel::Value* prior = find(context_at(&c, kHistory, "history"), kPriorTherapies, "prior_therapies");
      prior && prior->is(feel::Type::kList)) {
    const Json* options = nullptr;
    bool options_found = false;
    for (const feel::Value& therapy : prior->list()) {
      const feel::Value* option =
          therapy.is(feel::Type::kContext) ? find(&therapy.context(), kOption, "option") : nullptr;
      if (!option || !option->is(feel::Type::kString)) continue;
      if (!options_found) {
        options_found = true;
        options = kb.catalogue.is_object() && kb.catalogue.contains("options") ? &kb.catalogue["options"] : nullptr;
      }
      if (options && !options->contains(option->string())) return false;
    }
  }
  // The fields the answer reads, as the case's JSON holds them (both strings by the schema).
  const feel::Value* id = find(&c, kId, "id");
  if (id && !id->is(feel::Type::kString)) return false;
  const feel::Value* goals = nullptr;
  if (const feel::Context* preferences = context_at(context_at(&c, kPatient, "patient"), kPreferences, "preferences"))
    if ((goals = find(preferences, kGoals, "goals"))) {
      if (!goals->is(feel::Type::kList)) return false;
      for (const feel::Value& g : goals->list())
        if (!g.is(feel::Type::kString)) return false;
    }
  // The usual case, an id and no goals, where `out` holds the previous such case: its id's
  // string refilled in place (no tree built and destroyed per case).
  Json& fields = out.fields;
  Json::object_t* members = fields.is_object() ? &fields.get_ref<Json::object_t&>() : nullptr;
  if (id && !goals && members && members->size() == 1 && members->front().first == "id" &&
      members->front().second.is_string()) {
    members->front().second.get_ref<std::string&>() = id->string();
  } else {
    fields = Json(Json::value_t::object);
    if (id) fields["id"] = id->string();
    if (goals) {
      Json list(Json::value_t::array);
      for (const feel::Value& g : goals->list()) list.push_back(g.string());
      fields["patient"]["preferences"]["goals"] = std::move(list);
    }
  }
  out.value = std::move(*value);
  return true;
}

namespace {

// json::ValueFromJson without looking up each key before adding it: the keys of a parsed JSON
// object are already distinct.
feel::Value CaseValue(const Json& j) {
  using feel::Value;
  switch (j.type()) {
    case Json::value_t::array: {
      feel::List out;
      out.reserve(j.size());
      for (const auto& e : j) out.push_back(CaseValue(e));
      return Value::FromList(std::move(out));
    }
    case Json::value_t::object: {
      // Entries in key order, whatever order the JSON had: the models' paths (`Case.tumor.size_cm`)
      // then find each field where they found it in the previous case, give or take the optional
      // fields this case lacks (see feel PathNode's position hint).
      const auto& object = j.get_ref<const Json::object_t&>();
      constexpr size_t kInline = 32;
      std::array<const Json::object_t::value_type*, kInline> inline_order;
      std::vector<const Json::object_t::value_type*> heap_order;
      const Json::object_t::value_type** order = inline_order.data();
      if (object.size() > kInline) {
        heap_order.resize(object.size());
        order = heap_order.data();
      }
      size_t n = 0;
      for (const auto& kv : object) order[n++] = &kv;
      std::sort(order, order + n, [](const auto* a, const auto* b) { return a->first < b->first; });
      feel::Context c;
      c.Reserve(n);
      for (size_t i = 0; i < n; ++i) c.Append(order[i]->first, CaseValue(order[i]->second));
      return Value::FromContext(std::move(c));
    }
    default: return json::ValueFromJson(j);
  }
}

// The same value, with the objects that the schema describes built on their shapes (a subset of
// the object's family per set of fields present: absent fields stay absent). Anything the plan
// does not foresee (a field outside the schema, an unprepared knowledge base) as above.
feel::Value CaseValue(const Json& j, const internal::CaseNode* node) {
  if (!node) return CaseValue(j);
  if (node->family && j.is_object()) {
    const feel::ContextShape& family = *node->family;
    std::array<const Json*, 64> field;  // by position in the family
    uint64_t present = 0;
    for (const auto& [k, v] : j.get_ref<const Json::object_t&>()) {
      const size_t i = family.IndexOf(k);
      if (i == feel::ContextShape::npos || ((present >> i) & 1) != 0) return CaseValue(j);
      present |= uint64_t{1} << i;
      field[i] = &v;
    }
    const feel::ContextShape* shape = present != 0 ? node->subsets.Get(family, present) : nullptr;
    if (!shape) return CaseValue(j);
    feel::Context c(shape);
    for (uint64_t rest = present; rest != 0; rest &= rest - 1) {
      const auto i = static_cast<size_t>(std::countr_zero(rest));
      c.AppendValue(CaseValue(*field[i], node->fields[i].get()));
    }
    return feel::Value::FromContext(std::move(c));
  }
  if (node->items && j.is_array()) {
    feel::List out;
    out.reserve(j.size());
    for (const auto& e : j) out.push_back(CaseValue(e, node->items.get()));
    return feel::Value::FromList(std::move(out));
  }
  return CaseValue(j);
}

}  // namespace

Json Evaluate(const KnowledgeBase& kb, const Json& case_json, Json* what_if_probes) {
  EvaluateOptions options;
  options.what_if_probes = what_if_probes;
  return Evaluate(kb, case_json, options);
}

namespace {

// This thread's prepared evaluator of `model` for `decisions` (the model's own DecisionNames(),
// so the request depends on the model alone): one per model and thread, reused case after case
// instead of building Model::Evaluate's state on every call (an evaluator is not for concurrent
// use; the batch workers and the server's threads each have their own). An evaluator keeps its
// model alive, so a cached model's address is never another model's; the cache holds the last
// few models only (a server that reloads its knowledge base drops the older ones).
dmn::Evaluator& PreparedEvaluator(const std::shared_ptr<const dmn::Model>& model,
                                  std::span<const std::string> decisions) {
  struct Prepared {
    const dmn::Model* model;
    std::unique_ptr<dmn::Evaluator> evaluator;
  };
  constexpr size_t kKept = 16;  // four knowledge bases of four models
  thread_local std::vector<Prepared> prepared;
  for (Prepared& p : prepared)
    if (p.model == model.get()) return *p.evaluator;
  dmn::EvaluateOptions options;
  options.trace_annotations = false;  // the recommendation's trace does not show them
  options.result_names = false;       // known by position from the plan
  if (prepared.size() == kKept) prepared.erase(prepared.begin());  // the oldest
  prepared.push_back({model.get(), model->Prepare(decisions, options)});
  return *prepared.back().evaluator;
}

// Runs the models in manifest order on a validated case: the output decisions' values and the
// trace.
// `case_value`, when set, receives the case as the FEEL value the models read.
void Decide(const KnowledgeBase& kb, const internal::OutputPlan& plan, const Json& case_json,
            internal::DecisionValues& results, std::vector<dmn::TraceEntry>& trace,
            feel::Value* case_value, const feel::Value* given = nullptr) {
  const auto& decisions = internal::ModelDecisionsOf(plan);
  feel::Context inputs(kb.inputs_shape);
  // The shape's keys are the names put below, in this order: each value goes to the next place
  // without comparing its name (else PutInOrder compares, and puts it by name if need be).
  const bool in_order = kb.inputs_shape && kb.inputs_shape == internal::InputsShapeOf(plan);
  trace.reserve(trace.size() + 64);  // (a case fires a few dozen rules: grown once, if at all)
  inputs.PutInOrder("Case", given ? *given : CaseValue(case_json, kb.case_shapes.get()));
  if (case_value) *case_value = *inputs.Find("Case");
  for (size_t m = 0; m < kb.models.size(); ++m) {
    const internal::ModelDecisions& md = decisions[m];
    dmn::Evaluator& evaluator = PreparedEvaluator(
        kb.models[m].model, md.all ? std::span<const std::string>() : std::span<const std::string>(md.names));
    evaluator.Evaluate(inputs);
    const std::span<dmn::DecisionResult> r = evaluator.mutable_results();
    const bool next_places = in_order && r.size() == md.names.size();
    for (size_t i = 0; i < r.size(); ++i) {
      feel::Value& value = r[i].value;
      if (int slot = md.output_slots[i]; slot >= 0) results[static_cast<size_t>(slot)] = value;
      if (next_places) inputs.AppendValue(std::move(value));
      else inputs.PutInOrder(md.names[i], std::move(value));
    }
    const std::span<const dmn::TraceEntry> fired = evaluator.trace();
    trace.insert(trace.end(), fired.begin(), fired.end());
  }
}

}  // namespace

Json Evaluate(const KnowledgeBase& kb, const Json& case_json, const EvaluateOptions& evaluate) {
  Json* what_if_probes = evaluate.what_if_probes;
  std::shared_ptr<const internal::OutputPlan> temporary;
  const internal::OutputPlan* plan = &PlanOf(kb, temporary);
  internal::DecisionValues results;
  std::vector<dmn::TraceEntry> trace;
  Decide(kb, *plan, case_json, results, trace, evaluate.case_value);
  if (what_if_probes) {
    const feel::Value& probes = results[internal::kWhatIfProbes];
    *what_if_probes = probes.is(feel::Type::kList) ? json::ValueToJson(probes) : Json::array();
  }
  auto parts = internal::PrepareAnswer(kb, *plan, case_json, std::move(results), std::move(trace));
  return internal::BuildRecommendation(kb, *plan, case_json, *parts, evaluate.summary_counts);
}

Answer EvaluateAnswer(const KnowledgeBase& kb, const Json& case_json, feel::Value* case_value) {
  Answer answer;
  const internal::OutputPlan* plan = &PlanOf(kb, answer.plan);
  // Decided straight into the answer's parts (this thread's last ones, their room kept).
  internal::AnswerPartsPtr parts = internal::NewAnswerParts();
  Decide(kb, *plan, case_json, internal::DecisionsOf(*parts), internal::TraceOf(*parts), case_value);
  answer.parts = internal::PrepareAnswer(kb, *plan, case_json, std::move(parts), &answer);
  return answer;
}

Answer EvaluateAnswer(const KnowledgeBase& kb, const Json& case_json, const feel::Value& case_value) {
  Answer answer;
  const internal::OutputPlan* plan = &PlanOf(kb, answer.plan);
  internal::AnswerPartsPtr parts = internal::NewAnswerParts();
  Decide(kb, *plan, case_json, internal::DecisionsOf(*parts), internal::TraceOf(*parts), nullptr, &case_value);
  answer.parts = internal::PrepareAnswer(kb, *plan, case_json, std::move(parts), &answer);
  return answer;
}

void AppendAnswer(const KnowledgeBase& kb, const Json& case_json, Answer& answer, std::string& out) {
  const internal::OutputPlan& plan = answer.plan ? *answer.plan : *kb.output_plan;
  internal::AppendRecommendation(kb, plan, case_json, *answer.parts, answer, out);
  answer.parts.reset();
}

// ---- readability --------------------------------------------------------------------------------

namespace {

// The <cctype> classes of the "C" locale, which Zebra never changes (no setlocale), without a
// call per character: this runs over every patient text.
bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsWordChar(char c) { return IsLetter(c) || (c >= '0' && c <= '9') || c == '\'' || c == '-'; }
bool IsSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// The syllables of a word: vowel groups of its letters (lower-cased), after a silent final "e"
// (not "le") or "es"/"ed" is dropped; words of up to three letters have one. Reads the letters in
// place (no copy per word).
int CountSyllables(std::string_view word) {
  size_t n = 0;
  char last[3] = {0, 0, 0};  // the last three letters, last[2] the final one
  for (char c : word)
    if (IsLetter(c)) {
      ++n;
      last[0] = last[1];
      last[1] = last[2];
      last[2] = Lower(c);
    }
  if (n == 0) return 0;
  if (n <= 3) return 1;
  // Silent endings.
  size_t keep = n;
  if (last[2] == 'e' && last[1] != 'l') keep = n - 1;
  else if (last[1] == 'e' && (last[2] == 's' || last[2] == 'd')) keep = n - 2;
  auto vowel = [](char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y'; };
  int count = 0;
  bool prev = false;
  size_t seen = 0;
  for (char c : word) {
    if (!IsLetter(c)) continue;
    if (seen++ == keep) break;
    bool v = vowel(Lower(c));
    if (v && !prev) ++count;
    prev = v;
  }
  return std::max(1, count);
}

}  // namespace

TextCounts CountText(std::string_view text) {
  TextCounts c;
  size_t start = 0;  // where the current word began; words are runs of letters, digits, ' and -
  auto flush = [&](size_t end) {
    if (end > start) {
      int s = CountSyllables(text.substr(start, end - start));
      if (s > 0) {
        ++c.words;
        c.syllables += s;
      }
    }
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (IsWordChar(ch)) continue;
    flush(i);
    start = i + 1;
    if ((ch == '.' || ch == '!' || ch == '?') && (i + 1 == text.size() || IsSpace(text[i + 1])))
      ++c.sentences;
  }
  flush(text.size());
  return c;
}

double GradeOf(TextCounts c) {
  int words = c.words, sentences = c.sentences, syllables = c.syllables;
  if (words == 0) return 0;
  if (sentences == 0) sentences = 1;
  return 0.39 * words / sentences + 11.8 * syllables / words - 15.59;
}

double FleschKincaidGrade(std::string_view text) { return GradeOf(CountText(text)); }

}  // namespace zebra::clinical
