#include "engine/engine.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "build_info.h"
#include "clinical/clinical.h"
#include "clinical/kb_tools.h"
#include "common/file.h"
#include "fhir/fhir.h"
#include "json/json_parse.h"
#include "json/json_writer.h"
#include "trials/trials.h"

namespace zebra::engine {
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxInputBytes = 32u << 20;  // a FHIR bundle; a case is held to 1 MiB
constexpr std::size_t kMaxInputDepth = 64;

Errors CaseErrors(const std::vector<clinical::InputError>& errors) {
  Errors out;
  out.reserve(errors.size());
  for (const auto& e : errors)
    out.push_back({e.message.rfind("not valid JSON", 0) == 0 || e.message.rfind("repeated key", 0) == 0
                       ? "invalid-json"
                       : "invalid-case",
                   e.path, e.message});
  return out;
}

Errors BundleErrors(const std::vector<fhir::MapError>& errors) {
  Errors out;
  out.reserve(errors.size());
  for (const auto& e : errors) out.push_back({"invalid-fhir-bundle", e.path, e.message});
  return out;
}

// Which rule outputs which string literal, from the compiled models' descriptions.
std::map<std::string, std::vector<std::string>> RuleOutputs(const clinical::KnowledgeBase& kb) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& m : kb.models)
    for (const auto& decision : m.model->Describe().decisions)
      for (const auto& table : decision.tables)
        for (const auto& rule : table.rules) {
          if (rule.id.empty()) continue;
          auto& literals = out[rule.id];
          literals.insert(literals.end(), rule.output_literals.begin(), rule.output_literals.end());
        }
  return out;
}

}  // namespace

const Json* MatchCodeTable(const Json& code_tables, const Json& table, const Json& cc) {
  return fhir::MatchCodeTable(code_tables, table, cc);
}

Result<FieldValue> ParseFieldValue(std::string_view arg) {
  auto eq = arg.find('=');
  if (eq == std::string_view::npos || eq == 0)
    return tl::unexpected(Errors{{"invalid-case", std::string(arg), "--set needs PATH=VALUE, e.g. tumor.ki67_percent=12"}});
  FieldValue f{std::string(arg.substr(0, eq)), Json()};
  std::string_view text = arg.substr(eq + 1);
  auto parsed = json::ParseStrict(text);
  if (parsed) f.value = std::move(*parsed);
  else f.value = std::string(text);
  return f;
}

Result<void> SetField(Json& case_json, const std::string& path, const Json& value) {
  std::string error;
  if (!clinical::SetCaseField(case_json, path, value, error)) return tl::unexpected(Errors{{"invalid-case", path, error}});
  return {};
}

Json WhatIf(const Knowledge& knowledge, const Json& case_json, const Json& recommendation, const Json& probes) {
  return clinical::WhatIf(knowledge.base(), case_json, recommendation, probes);
}

Result<std::shared_ptr<const Knowledge>> Knowledge::Load(const fs::path& dir) {
  auto loaded = clinical::LoadKnowledgeBase(dir);
  if (!loaded) {
    Errors errors;
    for (const auto& e : loaded.error()) errors.push_back({"knowledge", "", common::ToString(e)});
    return tl::unexpected(std::move(errors));
  }
  std::shared_ptr<Knowledge> k(new Knowledge());
  k->base_ = *loaded;
  const clinical::KnowledgeBase& kb = *k->base_;
  auto tables = fhir::LoadCodeTables(fhir::DefaultCodeTablesPath(kb.dir));
  if (!tables) return tl::unexpected(Errors{{"knowledge", "", tables.error()}});
  k->code_tables_ = std::move(*tables);
  if (auto text = common::ReadFile(kb.dir / "fhir" / "order_codes.json")) {
    auto orders = json::ParseStrict(*text);
    if (!orders) return tl::unexpected(Errors{{"knowledge", "fhir/order_codes.json", orders.error().message}});
    if (orders->is_object() && orders->contains("orders") && (*orders)["orders"].is_array())
      k->order_codes_ = (*orders)["orders"];
  }
  k->rule_outputs_ = RuleOutputs(kb);
  auto registry = trials::Registry::Load(kb.dir);
  if (!registry) {
    Errors errors;
    for (const auto& e : registry.error()) errors.push_back({"knowledge", e.path, e.path + ": " + e.message});
    return tl::unexpected(std::move(errors));
  }
  k->trials_ = std::move(*registry);

  // GET /v1/knowledge: computed once; the knowledge is immutable.
  Json models = Json::array();
  for (const auto& m : kb.models) {
    std::size_t rules = 0;
    for (const auto& decision : m.model->Describe().decisions)
      for (const auto& table : decision.tables) rules += table.rules.size();
    Json entry = Json::object();
    entry["name"] = m.model->name();
    entry["file"] = m.file;
    entry["decisions"] = m.model->DecisionNames();
    entry["rules"] = rules;
    models.push_back(std::move(entry));
    auto source = common::ReadFile(kb.dir / m.file);
    if (!source) return tl::unexpected(Errors{{"knowledge", m.file, "cannot read " + (kb.dir / m.file).string()}});
    k->model_sources_[m.model->name()] = *source;
    k->model_sources_[m.file] = std::move(*source);
  }
  Json options = Json::array();
  const Json& catalogue = kb.catalogue.contains("options") ? kb.catalogue["options"] : kb.catalogue;
  for (const auto& [id, option] : catalogue.items()) {
    Json o = Json::object();
    o["id"] = id;
    if (option.is_object())
      for (const auto& [key, value] : option.items()) o[key] = value;
    options.push_back(std::move(o));
  }
  k->summary_ = Json::object();
  k->summary_["version"] = kb.version;
  k->summary_["date"] = kb.release_date;
  k->summary_["models"] = std::move(models);
  k->summary_["options"] = std::move(options);
  k->summary_["citations"] = kb.citations;
  return std::shared_ptr<const Knowledge>(std::move(k));
}

fs::path Knowledge::DefaultDir() {
  if (const char* env = std::getenv("ZEBRA_KNOWLEDGE"); env && *env) return env;
  if (std::error_code ec; fs::exists("knowledge/manifest.json", ec)) return "knowledge";
  return Data().knowledge;
}

const DataPaths& Data() {
  static const DataPaths paths = [] {
    DataPaths p;
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    const fs::path share = ec ? fs::path() : exe.parent_path().parent_path() / "share" / "zebra";
    if (!share.empty() && fs::exists(share / "knowledge" / "manifest.json", ec)) {
      p.root = share;
      p.knowledge = share / "knowledge";
      p.web_root = share / "web";
      p.demo_cases = share / "examples" / "cases";
      p.openapi = share / "openapi.json";
      p.installed = true;
      return p;
    }
    p.root = ZEBRA_SOURCE_DIR;
    p.knowledge = p.root / "knowledge";
    p.web_root = p.root / "web" / "dist";
    p.demo_cases = p.root / "examples" / "cases";
    p.openapi = p.root / "src" / "server" / "openapi.json";
    return p;
  }();
  return paths;
}

const std::string& Knowledge::version() const { return base_->version; }
const std::string& Knowledge::release_date() const { return base_->release_date; }
const fs::path& Knowledge::dir() const { return base_->dir; }
const Json& Knowledge::catalogue() const { return base_->catalogue; }
const Json& Knowledge::citations() const { return base_->citations; }
const Json& Knowledge::case_schema() const { return base_->case_schema; }
const Json& Knowledge::code_tables() const { return code_tables_; }
const Json& Knowledge::order_codes() const { return order_codes_; }
const std::map<std::string, std::vector<std::string>>& Knowledge::rule_outputs() const { return rule_outputs_; }
const Json& Knowledge::summary() const { return summary_; }

bool Knowledge::HasOption(std::string_view id) const {
  const Json& catalogue = base_->catalogue;
  if (!catalogue.is_object() || !catalogue.contains("options")) return false;
  return catalogue["options"].contains(std::string(id));
}

const std::string* Knowledge::model_source(std::string_view name) const {
  auto it = model_sources_.find(name);
  return it == model_sources_.end() ? nullptr : &it->second;
}

std::string Render(const Json& recommendation, Format format, const Json* citations) {
  switch (format) {
    case Format::kJson: return clinical::SerializeRecommendation(recommendation);
    case Format::kJsonLine: {
      std::string out;
      json::AppendJson(out, recommendation);
      return out;
    }
    case Format::kText: return clinical::RenderText(recommendation);
    case Format::kHtml: return clinical::RenderHtml(recommendation, clinical::HtmlContext{citations, {}});
  }
  return {};
}

Result<Json> ReadCase(const Knowledge& knowledge, std::string_view text) {
  auto c = clinical::ParseCase(text, knowledge.base());
  if (!c) return tl::unexpected(CaseErrors(c.error()));
  return std::move(*c);
}

namespace {
fhir::MapOptions MapOptionsAsOf(const std::string& as_of) {
  fhir::MapOptions options;
  if (!as_of.empty()) options.as_of = as_of;
  return options;
}

// The mapper's result as a Mapping, with the reported stage group checked.
Result<Mapping> FinishMapping(const Knowledge& knowledge,
                              tl::expected<fhir::MapResult, std::vector<fhir::MapError>> mapped) {
  if (!mapped) return tl::unexpected(BundleErrors(mapped.error()));
  // A reported stage group is compared with the group the knowledge base derives from T, N and M
  // (reported, never copied into the case).
  bool reports_stage = false;
  for (const auto& r : mapped->report.value("reported", Json::array()))
    if (r.value("item", "") == "stage_group") reports_stage = true;
  if (reports_stage) {
    if (clinical::ValidateCaseJson(mapped->case_json, knowledge.base()).empty()) {
      Json r = clinical::Evaluate(knowledge.base(), mapped->case_json);
      Json group = r.contains("stage") && r["stage"].is_object() ? r["stage"].value("group", Json()) : Json();
      fhir::CompareStageGroup(*mapped, group.is_string() ? group.get<std::string>() : "");
    } else {
      mapped->report["notes"].push_back("reported stage group not compared: the mapped case could not be evaluated");
    }
  }
  return Mapping{std::move(mapped->case_json), std::move(mapped->report)};
}
}  // namespace

Result<Mapping> MapFhir(const Knowledge& knowledge, std::string_view bundle, const std::string& as_of) {
  return FinishMapping(knowledge, fhir::MapBundle(bundle, knowledge.code_tables(), MapOptionsAsOf(as_of)));
}

namespace {
// The patient summary and option grid rewritten in `lang` (the clinician texts stay as they are).
void LocalisePatientSummary(const Knowledge& knowledge, Evaluation& out, const std::string& lang) {
  out.recommendation["patient_summary"] =
      clinical::PatientSummary(knowledge.base(), out.recommendation, out.case_json, lang);
}
}  // namespace

namespace {
// The thread's CaseForAnswer for cases read straight into their FEEL value (zebra batch): its
// `fields` tree is kept from case to case (ReadCaseForAnswer refills the id in place) instead of
// built and destroyed per case. A nested Evaluate on the thread (none today) would get its own.
struct DirectSpare {
  bool busy = false;
  clinical::CaseForAnswer direct;
};
thread_local DirectSpare tl_direct_spare;
class DirectLease {
 public:
  DirectLease() : spare_(tl_direct_spare.busy ? nullptr : &tl_direct_spare) {
    if (spare_) spare_->busy = true;
  }
  ~DirectLease() {
    if (!spare_) return;
    spare_->direct.value = feel::Value();  // (no case value is kept past the call)
    spare_->busy = false;
  }
  DirectLease(const DirectLease&) = delete;
  DirectLease& operator=(const DirectLease&) = delete;
  clinical::CaseForAnswer& operator*() { return spare_ ? spare_->direct : own_; }

 private:
  DirectSpare* spare_;
  clinical::CaseForAnswer own_;
};
}  // namespace

Result<Evaluation> Evaluate(const Knowledge& knowledge, const CaseInput& input, const Options& options) {
  if (!clinical::HasPatientLanguage(knowledge.base(), options.lang))
    return tl::unexpected(Errors{{"invalid-lang", "lang", "no patient texts in language " + options.lang + " (en, ar)"}});
  Evaluation out;
  InputKind kind = input.kind;
  // With kAuto, one strict read decides what the document is, and the case or bundle reader takes
  // that parsed document (the text is parsed once). Its limits are the bundle's (32 MiB, 64
  // levels); a case's stricter ones are checked on the text by the case reader.
  std::optional<Json> parsed_input;
  // The answer written as text only (batch): see below.
  const bool answer_only = options.text_only && options.append_to && options.format == Format::kJsonLine &&
                           !options.what_if && options.lang == "en";
  // A plain case (of those, nearly every one) read straight into its FEEL value, without a JSON
  // tree; anything else is read below, with its errors. The fields the answer reads stay in the
  // thread's CaseForAnswer, kept from case to case (DirectLease), and out.case_json stays null.
  DirectLease lease;
  clinical::CaseForAnswer* direct = nullptr;
  if (answer_only && kind == InputKind::kCase && options.set.empty() &&
      clinical::ReadCaseForAnswer(input.text, knowledge.base(), *lease))
    direct = &*lease;
  if (direct) {
    // read above
  } else if (kind == InputKind::kAuto) {
    auto probe = json::ParseStrict(input.text, json::ParseLimits{kMaxInputBytes, kMaxInputDepth});
    if (!probe) return tl::unexpected(Errors{{"invalid-json", probe.error().path, probe.error().message}});
    const bool bundle = probe->is_object() && probe->contains("resourceType") &&
                        (*probe)["resourceType"].is_string() && (*probe)["resourceType"] == "Bundle";
    kind = bundle ? InputKind::kFhirBundle : InputKind::kCase;
    parsed_input = std::move(*probe);
  }
  if (direct) {
    // read above
  } else if (kind == InputKind::kFhirBundle) {
    auto mapped = parsed_input ? FinishMapping(knowledge, fhir::MapParsedBundle(*parsed_input, knowledge.code_tables(),
                                                                                MapOptionsAsOf(input.as_of)))
                               : MapFhir(knowledge, input.text, input.as_of);
    if (!mapped) return tl::unexpected(std::move(mapped.error()));
    for (const auto& f : options.set)
      if (auto set = SetField(mapped->case_json, f.path, f.value); !set) return tl::unexpected(std::move(set.error()));
    auto errors = clinical::ValidateCaseJson(mapped->case_json, knowledge.base());
    if (!errors.empty()) return tl::unexpected(CaseErrors(errors));
    out.case_json = std::move(mapped->case_json);
    out.mapping_report = std::move(mapped->report);
  } else if (!options.set.empty()) {
    // The fields are set in the case as read, then the case is validated as a whole.
    auto parsed = parsed_input ? tl::expected<Json, json::ParseError>(std::move(*parsed_input))
                               : json::ParseStrict(input.text, json::ParseLimits{kMaxInputBytes, kMaxInputDepth});
    if (!parsed) return tl::unexpected(Errors{{"invalid-json", parsed.error().path, parsed.error().message}});
    for (const auto& f : options.set)
      if (auto set = SetField(*parsed, f.path, f.value); !set) return tl::unexpected(std::move(set.error()));
    std::string text;
    json::AppendJson(text, *parsed);
    auto c = ReadCase(knowledge, text);
    if (!c) return tl::unexpected(std::move(c.error()));
    out.case_json = std::move(*c);
  } else if (parsed_input) {
    auto c = clinical::ReadParsedCase(std::move(*parsed_input), input.text, knowledge.base());
    if (!c) return tl::unexpected(CaseErrors(c.error()));
    out.case_json = std::move(*c);
  } else {
    auto c = ReadCase(knowledge, input.text);
    if (!c) return tl::unexpected(std::move(c.error()));
    out.case_json = std::move(*c);
  }
  const std::string today = options.today.empty() ? input.as_of : options.today;
  if (answer_only) {
    // The answer written as text from its decided parts, without the tree; the trial members,
    // its last ones, go before its closing brace. The recommendation stays null; `ids` holds
    // what batch counts (scenario.id, options[].id, alerts[].id).
    feel::Value case_value;  // the case as the models read it, for the trial criteria too
    const Json& case_json = direct ? direct->fields : out.case_json;  // (direct: only what the answer reads)
    clinical::Answer answer = direct ? clinical::EvaluateAnswer(knowledge.base(), case_json, direct->value)
                                     : clinical::EvaluateAnswer(knowledge.base(), case_json, &case_value);
    if (direct) case_value = std::move(direct->value);
    std::string& text = *options.append_to;
    trials::Registry::AnnotateOptions annotate;
    annotate.include_excluded = options.trials_all;
    annotate.members_text = &text;
    annotate.answer = &answer;
    annotate.case_value = &case_value;
    // The answer's text ("{…" without '}'), once the annotation has left its notes in it and
    // before its members follow in the same string. (One reference captured: std::function
    // holds it in place, without an allocation per case.)
    struct {
      const clinical::KnowledgeBase& kb;
      const Json& case_json;
      clinical::Answer& answer;
      std::string& text;
      bool written = false;
    } append{knowledge.base(), case_json, answer, text};
    annotate.before_members = [&append] {
      clinical::AppendAnswer(append.kb, append.case_json, append.answer, append.text);
      append.written = true;
    };
    knowledge.trials().Annotate(case_json, out.recommendation, today, annotate);
    if (!append.written) clinical::AppendAnswer(knowledge.base(), case_json, answer, text);  // (no registry)
    text += '}';
    // What batch counts, moved out of the answer (no tree to build and destroy).
    AnswerIds& ids = out.ids.emplace();
    ids.has_scenario_id = answer.has_scenario_id;
    if (answer.has_scenario_id) ids.scenario_id = std::move(answer.scenario_id);
    ids.option_ids = std::move(answer.option_ids);
    ids.alert_ids = std::move(answer.alert_ids);
    return out;
  }
  // The summary's readability counts, so that the trial sentence counts only itself.
  clinical::TextCounts summary_counts;
  clinical::EvaluateOptions evaluate;
  evaluate.summary_counts = &summary_counts;
  feel::Value case_value;  // the case as the models read it, for the trial criteria too
  evaluate.case_value = &case_value;
  if (options.what_if) {
    Json probes;
    evaluate.what_if_probes = &probes;
    out.recommendation = clinical::Evaluate(knowledge.base(), out.case_json, evaluate);
    Json table = WhatIf(knowledge, out.case_json, out.recommendation, probes);
    // Before the patient summary and trace, after `missing`, which it explains.
    Json with = Json::object();
    // Room for every member and what_if (and the trials' three): growing would copy the tree.
    with.get_ref<Json::object_t&>().reserve(out.recommendation.size() + 4);
    for (auto& [key, value] : out.recommendation.items()) {
      if (key == "patient_summary") with["what_if"] = table;
      with[key] = std::move(value);
    }
    if (!with.contains("what_if")) with["what_if"] = std::move(table);
    out.recommendation = std::move(with);
  } else {
    out.recommendation = clinical::Evaluate(knowledge.base(), out.case_json, evaluate);
  }
  // Localised first, so the trial sentence is added in the summary's language.
  if (options.lang != "en") LocalisePatientSummary(knowledge, out, options.lang);
  trials::Registry::AnnotateOptions annotate;
  annotate.include_excluded = options.trials_all;
  if (options.lang == "en") annotate.summary_counts = &summary_counts;
  annotate.case_value = &case_value;
  knowledge.trials().Annotate(out.case_json, out.recommendation, today, annotate);
  if (options.append_to && options.format == Format::kJsonLine) json::AppendJson(*options.append_to, out.recommendation);
  else if (options.append_to) *options.append_to += Render(out.recommendation, options.format, &knowledge.citations());
  else out.output = Render(out.recommendation, options.format, &knowledge.citations());
  return out;
}

std::string ProblemCount(std::size_t n) { return std::to_string(n) + (n == 1 ? " problem" : " problems"); }

std::string_view SupportNotice() { return clinical::kSupportNotice; }

KnowledgeReport CheckKnowledge(const std::filesystem::path& dir) {
  clinical::KbCheckResult res = clinical::CheckKnowledgeBase(dir);
  // The trial registry (knowledge/trials/): loads, and its criteria name real case fields and
  // values and never decide without case data.
  std::string trials_line;
  if (auto registry = trials::Registry::Load(dir); !registry) {
    for (const auto& e : registry.error()) res.errors.push_back(e.path + ": " + e.message);
  } else if (auto kb = clinical::LoadKnowledgeBase(dir); kb && !(*registry)->studies().empty()) {
    for (auto& e : (*registry)->Check((*kb)->case_schema)) res.errors.push_back(std::move(e));
    trials_line = "trials: " + std::to_string((*registry)->studies().size()) + " studies, " +
                  std::to_string((*registry)->encoded_count()) + " with encoded criteria (" +
                  std::to_string((*registry)->criteria_count()) + " criteria), oldest snapshot " +
                  (*registry)->snapshot_date() + "\n";
  }
  KnowledgeReport report;
  std::ostringstream err, out;
  for (const auto& e : res.errors) err << "error: " << e << "\n";
  for (const auto& w : res.warnings) err << "warning: " << w << "\n";
  if (!res.field_report.empty()) {
    out << "case fields (read by rules, or informational):\n";
    for (const auto& f : res.field_report) out << "  " << f << "\n";
    out << "case fields: " << res.fields_read << " read, " << res.fields_informational << " informational, "
        << (res.field_report.size() - static_cast<size_t>(res.fields_read + res.fields_informational)) << " unread\n";
  }
  out << trials_line;
  if (res.generated_cases > 0) out << "exclusive option groups: " << res.generated_cases << " generated cases checked\n";
  out << "kb check: " << res.models << " models, " << res.rules << " rules, " << res.options << " options, "
      << res.citations << " citations: " << (res.errors.empty() ? "ok" : std::to_string(res.errors.size()) + " error(s)")
      << "\n";
  report.out = out.str();
  report.err = err.str();
  report.ok = res.errors.empty();
  return report;
}

std::string ListKnowledge(const std::filesystem::path& dir) { return clinical::ListKnowledgeBase(dir); }

std::string DiffKnowledge(const std::filesystem::path& old_dir, const std::filesystem::path& new_dir) {
  return clinical::DiffKnowledgeBases(old_dir, new_dir);
}

}  // namespace zebra::engine
