#include "trials/trials.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <unistd.h>

#include <re2/re2.h>

#include "clinical/clinical.h"
#include "common/file.h"
#include "common/hash.h"
#include "common/text.h"
#include "feel/shaped_position.h"
#include "feel/temporal.h"
#include "json/json_parse.h"
#include "json/json_values.h"

namespace zebra::trials {
namespace fs = std::filesystem;

namespace {

using feel::Type;
using feel::Value;

// The case's parts the criteria see, by name; the recommendation's classification is the
// knowledge base's reading of differentiation and grade.
constexpr const char* kCaseNames[] = {"patient", "tumor", "history", "planned_procedure", "classification"};
constexpr size_t kClassification = std::size(kCaseNames) - 1;
// Where shaped case values hold the parts (all but the classification).
const feel::ShapedPosition kCasePositions[kClassification];
// The most values a kept fact or test outcome is keyed by (Registry::MemoPlanOf): a key packs
// one 8-bit id per value, with a marker bit.
constexpr size_t kMaxKeyed = 7;

// Each loaded registry's id (Registry::id_): what a thread keeps for one is not used for another.
std::atomic<std::uint64_t> next_registry_id{1};

std::string Str(const Json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool IsDate(std::string_view s) {
  return common::HasShape(s, "9999-99-99") && DaysBetween("2000-01-01", s).has_value();
}

bool IsNctId(std::string_view s) {
  return common::HasShape(s, "NCT99999999");
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "{n} studies" style substitution of {key} placeholders.
std::string Fill(std::string text, const std::vector<std::pair<std::string, std::string>>& values) {
  for (const auto& [key, value] : values) {
    const std::string token = "{" + key + "}";
    for (size_t at = text.find(token); at != std::string::npos; at = text.find(token, at + value.size()))
      text.replace(at, token.size(), value);
  }
  return text;
}

// The text under `key`, or under key + "_one" when there is exactly one (where the texts give one).
std::string Counted(const Json& texts, const std::string& key, size_t n) {
  if (n == 1)
    if (std::string one = Str(texts, (key + "_one").c_str()); !one.empty()) return one;
  return Str(texts, key.c_str());
}

bool Recruiting(const std::string& status) {
  return status == "recruiting" || status == "not_yet_recruiting" || status == "enrolling_by_invitation";
}

}  // namespace

int TodayDayNumber() {
  using namespace std::chrono;
  return static_cast<int>(floor<days>(system_clock::now()).time_since_epoch().count());
}

std::string TodayUtc() {
  using namespace std::chrono;
  const year_month_day d{sys_days(days(TodayDayNumber()))};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                static_cast<unsigned>(d.day()));
  return buf;
}

namespace {
// A YYYY-MM-DD date as days since 1970-01-01; nullopt when it is not a date. FEEL's date
// parser, held to ten characters without a sign (FEEL also takes longer and negative years).
std::optional<int> DayNumber(std::string_view s) {
  if (s.size() != 10 || s[0] == '-') return std::nullopt;
  const std::optional<feel::Date> d = feel::ParseDate(s);
  if (!d) return std::nullopt;
  return static_cast<int>(d->days);
}
}  // namespace

std::optional<int> DaysBetween(std::string_view from, std::string_view to) {
  auto a = DayNumber(from), b = DayNumber(to);
  if (!a || !b) return std::nullopt;
  return *b - *a;
}

// ---- loading ---------------------------------------------------------------------------------

tl::expected<std::shared_ptr<const Registry>, Errors> Registry::Load(const fs::path& knowledge_dir) {
  std::shared_ptr<Registry> r(new Registry());
  r->id_ = next_registry_id++;
  const fs::path dir = knowledge_dir / "trials";
  std::error_code ec;
  if (!fs::exists(dir / "registry.json", ec)) return std::shared_ptr<const Registry>(std::move(r));
  Errors errors;
  auto read = [&](const char* name) -> Json {
    auto text = common::ReadFile(dir / name);
    if (!text) {
      errors.push_back({std::string("trials/") + name, "cannot read " + (dir / name).string()});
      return Json();
    }
    auto j = json::ParseStrict(*text);
    if (!j) {
      errors.push_back({std::string("trials/") + name + ": " + j.error().path, j.error().message});
      return Json();
    }
    return std::move(*j);
  };
  Json registry = read("registry.json");
  Json criteria = read("criteria.json");
  Json texts = read("texts.json");
  if (!errors.empty()) return tl::unexpected(std::move(errors));
  if (texts.is_object()) r->texts_ = texts;
  r->not_encoded_matched_ = Str(r->texts_, "not_encoded_matched");
  r->not_encoded_to_check_ = Str(r->texts_, "not_encoded_to_check");
  for (const char* key : {"option_count", "option_none", "patient_sentence", "stale", "not_encoded_matched",
                          "not_encoded_to_check", "not_recruiting"})
    if (Str(r->texts_, key).empty()) errors.push_back({std::string("trials/texts.json: ") + key, "a text is required"});
  // Patient texts in every handout language besides English (house rule: English and Arabic).
  for (const char* lang : {"ar"})
    if (!r->texts_.contains(lang) || Str(r->texts_[lang], "patient_sentence").empty())
      errors.push_back({std::string("trials/texts.json: ") + lang + ".patient_sentence", "a text is required"});

  feel::Scope scope;
  for (const char* name : kCaseNames) {
    scope.Declare(name);
    r->scope_names_.push_back(name);
  }
  const Json& facts = criteria.is_object() && criteria.contains("facts") ? criteria["facts"] : Json::array();
  for (size_t i = 0; i < facts.size(); ++i) {
    const std::string where = "trials/criteria.json: facts[" + std::to_string(i) + "]";
    std::string name = Str(facts[i], "name"), text = Str(facts[i], "feel");
    if (name.empty() || text.empty()) {
      errors.push_back({where, "needs name and feel"});
      continue;
    }
    auto expr = feel::CompileExpression(text, scope);
    if (!expr) {
      errors.push_back({where + ".feel", expr.error().message});
      continue;
    }
    scope.Declare(name);
    r->scope_names_.push_back(name);
    r->facts_.push_back({name, std::move(*expr), text});
  }

  const Json& studies = registry.is_object() && registry.contains("studies") ? registry["studies"] : Json();
  if (!studies.is_array()) errors.push_back({"trials/registry.json: studies", "must be a list of studies"});
  std::set<std::string> ids;
  const Json& by_trial = criteria.is_object() && criteria.contains("trials") ? criteria["trials"] : Json::object();
  if (!by_trial.is_object()) errors.push_back({"trials/criteria.json: trials", "must be an object keyed by NCT id"});
  for (size_t i = 0; studies.is_array() && i < studies.size(); ++i) {
    const Json& s = studies[i];
    const std::string where = "trials/registry.json: studies[" + std::to_string(i) + "]";
    Study study;
    study.record = s;
    study.nct_id = Str(s, "nct_id");
    study.snapshot_date = Str(s, "snapshot_date");
    if (!IsNctId(study.nct_id)) errors.push_back({where + ".nct_id", "must be an NCT number (NCT and 8 digits)"});
    if (!ids.insert(study.nct_id).second) errors.push_back({where + ".nct_id", study.nct_id + " is listed twice"});
    if (!IsDate(study.snapshot_date)) errors.push_back({where + ".snapshot_date", "must be a date (YYYY-MM-DD)"});
    for (const char* key : {"title", "status", "url"})
      if (Str(s, key).empty()) errors.push_back({where + "." + key, "a string is required"});
    if (!s.contains("countries") || !s["countries"].is_array())
      errors.push_back({where + ".countries", "must be a list of country names"});
    if (by_trial.is_object() && by_trial.contains(study.nct_id)) {
      const Json& t = by_trial[study.nct_id];
      const std::string cw = "trials/criteria.json: trials." + study.nct_id;
      study.encoded = true;
      const Json& list = t.contains("criteria") && t["criteria"].is_array() ? t["criteria"] : Json::array();
      for (size_t c = 0; c < list.size(); ++c) {
        const std::string at = cw + ".criteria[" + std::to_string(c) + "]";
        Criterion crit;
        crit.id = Str(list[c], "id");
        crit.text = Str(list[c], "text");
        std::string test = Str(list[c], "test");
        if (crit.id.empty() || crit.text.empty() || test.empty()) {
          errors.push_back({at, "needs id, text and test"});
          continue;
        }
        if (list[c].contains("needs") && list[c]["needs"].is_array())
          for (const auto& n : list[c]["needs"])
            if (n.is_string()) {
              std::string head = n.get<std::string>().substr(0, n.get<std::string>().find('.'));
              if (std::find(r->scope_names_.begin(), r->scope_names_.end(), head) == r->scope_names_.end())
                errors.push_back({at + ".needs", "'" + n.get<std::string>() + "' is no case field or fact"});
              crit.needs.push_back(n.get<std::string>());
              if (auto slot = std::find(r->scope_names_.begin(), r->scope_names_.end(), head);
                  slot != r->scope_names_.end()) {
                std::vector<std::string> keys;
                for (std::string_view rest = crit.needs.back(); rest.find('.') != std::string_view::npos;) {
                  rest = rest.substr(rest.find('.') + 1);
                  keys.emplace_back(rest.substr(0, rest.find('.')));
                }
                crit.need_paths.emplace_back(static_cast<size_t>(slot - r->scope_names_.begin()), std::move(keys));
              } else {
                crit.need_paths.emplace_back(SIZE_MAX, std::vector<std::string>());
              }
            }
        auto expr = feel::CompileExpression(test, scope);
        if (!expr) {
          errors.push_back({at + ".test", expr.error().message});
          continue;
        }
        crit.test = std::move(*expr);
        crit.source = test;
        crit.text_json = json::MakeFragment(Json(crit.text));
        study.criteria.push_back(std::move(crit));
      }
      if (t.contains("to_check") && t["to_check"].is_array())
        for (const auto& x : t["to_check"])
          if (x.is_string()) {
            study.to_check.push_back(x.get<std::string>());
            study.to_check_json.push_back(json::MakeFragment(Json(study.to_check.back())));
          }
    }
    if (r->snapshot_date_.empty() || study.snapshot_date < r->snapshot_date_) r->snapshot_date_ = study.snapshot_date;
    study.status = Str(s, "status");
    if (!Recruiting(study.status)) study.not_recruiting = Fill(Str(r->texts_, "not_recruiting"), {{"status", study.status}});
    {
      // The case-independent members of the study's entry, with their text (Annotate).
      const bool record = s.is_object();
      Json head(Json::value_t::object);
      head["nct_id"] = study.nct_id;
      head["title"] = Str(s, "title");  // a string, or Load fails
      head["phase"] = record ? s.value("phase", Json()) : Json();
      head["status"] = study.status;
      head["countries"] = record ? s.value("countries", Json::array()) : Json::array();
      study.head = json::MakeMembersFragment(std::move(head));
      for (bool stale : {false, true}) {
        Json tail(Json::value_t::object);
        tail["snapshot_date"] = study.snapshot_date;
        tail["stale"] = stale;
        tail["criteria_encoded"] = study.encoded;
        tail["url"] = Str(s, "url");
        study.tail[stale] = json::MakeMembersFragment(std::move(tail));
      }
    }
    study.snapshot_day = DayNumber(study.snapshot_date).value_or(0);
    r->studies_.push_back(std::move(study));
  }
  if (by_trial.is_object())
    for (const auto& [id, _] : by_trial.items())
      if (!ids.count(id)) errors.push_back({"trials/criteria.json: trials." + id, "is not in registry.json"});
  if (!errors.empty()) return tl::unexpected(std::move(errors));
  r->PrepareTests();
  return std::shared_ptr<const Registry>(std::move(r));
}

void Registry::PrepareTests() {
  // The texts that depend on the case only through the number of studies that may fit.
  for (size_t k = 0; k <= studies_.size(); ++k) {
    const std::string n = std::to_string(k);
    option_texts_.push_back(
        Fill(Counted(texts_, k == 0 ? "option_none" : "option_count", k), {{"n", n}, {"date", snapshot_date_}}));
    patient_sentences_.push_back(Fill(Counted(texts_, "patient_sentence", k), {{"n", n}}));
    patient_counts_.push_back(clinical::CountText(patient_sentences_.back()));
  }
  not_encoded_matched_json_ = json::MakeFragment(Json(not_encoded_matched_));
  not_encoded_to_check_json_ = json::MakeFragment(Json(not_encoded_to_check_));
  const std::optional<int> snapshot_day = DayNumber(snapshot_date_);
  snapshot_is_date_ = snapshot_day.has_value();
  snapshot_day_ = snapshot_day.value_or(0);
  stale_note_age_ = snapshot_is_date_ ? TodayDayNumber() - snapshot_day_ : 0;
  stale_note_ = StaleNote(stale_note_age_);
  // What each fact reads, as its compiled text says: the facts, the classification, the case paths.
  std::vector<MemoPlan> pure_facts;  // by fact: its MemoPlanOf, however many values it reads
  for (size_t f = 0; f < facts_.size(); ++f) {
    const feel::ExpressionReads reads = facts_[f].expr.Reads();
    fact_needs_.push_back(FactsIn(reads, f));
    fact_reads_classification_.push_back(ReadsClassification(reads, fact_needs_[f]));
    pure_facts.push_back(MemoPlanOf(reads, f));
    fact_memo_.push_back(Bounded(pure_facts.back()));
  }
  // One test per distinct text: the same FEEL text over the same scope gives the same value.
  std::map<std::string, size_t, std::less<>> by_text;
  for (Study& s : studies_)
    for (Criterion& c : s.criteria) {
      auto [it, added] = by_text.emplace(c.source, tests_.size());
      c.test_index = it->second;
      for (const auto& [slot, keys] : c.need_paths)
        if (slot >= std::size(kCaseNames) && slot < scope_names_.size()) {
          const auto f = static_cast<std::uint32_t>(slot - std::size(kCaseNames));
          c.need_facts.insert(c.need_facts.end(), fact_needs_[f].begin(), fact_needs_[f].end());
          c.need_facts.push_back(f);
        }
      std::sort(c.need_facts.begin(), c.need_facts.end());
      c.need_facts.erase(std::unique(c.need_facts.begin(), c.need_facts.end()), c.need_facts.end());
      c.needs_classification =
          std::any_of(c.need_paths.begin(), c.need_paths.end(), [](const auto& p) { return p.first == kClassification; }) ||
          ReadsClassification({}, c.need_facts);
      if (!added) continue;
      Test t;
      t.expr = &c.test;
      const feel::ExpressionReads reads = c.test.Reads();
      t.facts = FactsIn(reads, facts_.size());
      t.classification = ReadsClassification(reads, t.facts);
      // A plain name (most criteria name a fact) is its slot's value: read from the slot when the
      // compiled text gives exactly the slot's value for values of every kind.
      std::string_view name = c.source;
      while (!name.empty() && std::isspace(static_cast<unsigned char>(name.front()))) name.remove_prefix(1);
      while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) name.remove_suffix(1);
      if (auto at = std::find(scope_names_.begin(), scope_names_.end(), name); at != scope_names_.end()) {
        const int slot = static_cast<int>(at - scope_names_.begin());
        std::vector<Value> slots(scope_names_.size());
        feel::EvalContext ctx;
        bool same = true;
        for (const Value& v : {Value(), Value::Bool(true), Value::Bool(false), Value::Number(2), Value::String("x")}) {
          slots[static_cast<size_t>(slot)] = v;
          same = same && feel::DeepEqual(c.test.Evaluate(slots, ctx), v);
        }
        if (same) t.slot = slot;
      }
      // A test's outcome keyed by the case paths it reads and those its facts read (with the
      // facts those read): found without evaluating the facts when the thread has it.
      MemoPlan plan = MemoPlanOf(reads, facts_.size());
      for (const std::uint32_t g : t.facts) {
        plan.keyed = plan.keyed && pure_facts[g].keyed;
        plan.leaves.insert(plan.leaves.end(), pure_facts[g].leaves.begin(), pure_facts[g].leaves.end());
      }
      std::sort(plan.leaves.begin(), plan.leaves.end());
      plan.leaves.erase(std::unique(plan.leaves.begin(), plan.leaves.end()), plan.leaves.end());
      plan.facts.clear();
      test_memo_.push_back(Bounded(std::move(plan)));
      tests_.push_back(t);
    }
  // The paths that key tests alone, each once, in the order of their first test.
  test_words_ = (tests_.size() + 63) / 64;
  test_alone_.assign(tests_.size(), -1);
  for (size_t t = 0; t < tests_.size(); ++t) {
    const MemoPlan& plan = test_memo_[t];
    if (!plan.keyed || plan.leaves.size() != 1 || !plan.facts.empty()) continue;
    auto at = std::find(alone_leaves_.begin(), alone_leaves_.end(), plan.leaves[0]);
    if (at == alone_leaves_.end()) at = alone_leaves_.insert(alone_leaves_.end(), plan.leaves[0]);
    test_alone_[t] = static_cast<int>(at - alone_leaves_.begin());
  }
  // Per encoded study: the tests of its criteria without `needs`, as bits, and in order.
  const size_t words = test_words_;
  for (Study& s : studies_) {
    if (!s.encoded) continue;
    s.test_bits.assign(words, 0);
    for (const Criterion& c : s.criteria)
      if (c.need_paths.empty()) s.test_bits[c.test_index / 64] |= std::uint64_t{1} << (c.test_index % 64);
    s.plain_criteria = s.criteria.size() <= 64 && std::all_of(s.criteria.begin(), s.criteria.end(), [](const Criterion& c) {
                         return c.need_paths.empty();
                       });
    if (s.plain_criteria)
      for (const Criterion& c : s.criteria) s.criterion_tests.push_back(static_cast<std::uint32_t>(c.test_index));
  }
  PrepareEntries();
}

std::vector<std::uint32_t> Registry::FactsIn(const feel::ExpressionReads& reads, size_t before) const {
  std::vector<std::uint32_t> out;
  auto add = [&](size_t g) {
    if (g < fact_needs_.size()) out.insert(out.end(), fact_needs_[g].begin(), fact_needs_[g].end());
    out.push_back(static_cast<std::uint32_t>(g));
  };
  if (!reads.complete) {  // (any slot may be read)
    for (size_t g = 0; g < before && g < facts_.size(); ++g) add(g);
  } else {
    for (const feel::NameRead& r : reads.names) {
      const auto slot = static_cast<size_t>(r.slot);
      if (slot >= std::size(kCaseNames) && slot - std::size(kCaseNames) < std::min(before, facts_.size()))
        add(slot - std::size(kCaseNames));
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool Registry::ReadsClassification(const feel::ExpressionReads& reads, const std::vector<std::uint32_t>& facts) const {
  return !reads.complete ||
         std::any_of(reads.names.begin(), reads.names.end(),
                     [](const feel::NameRead& r) { return r.slot == static_cast<int>(kClassification); }) ||
         std::any_of(facts.begin(), facts.end(), [&](std::uint32_t f) { return fact_reads_classification_[f] != 0; });
}

// A text's value depends on the case only through the case paths it reads and the values of the
// facts it reads (feel::ExpressionReads): when it reads no case part whole, those are all it
// reads. Texts that may read the clock (now(), today()) have no key.
Registry::MemoPlan Registry::MemoPlanOf(const feel::ExpressionReads& reads, size_t before) {
  MemoPlan plan;
  if (!reads.complete || reads.clock) return plan;
  for (const feel::NameRead& r : reads.names) {
    const auto slot = static_cast<size_t>(r.slot);
    if (slot >= std::size(kCaseNames)) {  // a fact, read whole (a path below it reads no more)
      const size_t f = slot - std::size(kCaseNames);
      if (f >= std::min(before, facts_.size())) return plan;
      plan.facts.push_back(static_cast<std::uint32_t>(f));
      continue;
    }
    if (r.path.empty()) return plan;  // a case part read whole
    KeyPath path;
    path.slot = slot;
    path.keys = r.path;
    auto at = std::find(leaves_.begin(), leaves_.end(), path);
    if (at == leaves_.end()) {
      path.positions = std::shared_ptr<feel::ShapedPosition[]>(new feel::ShapedPosition[path.keys.size()]);
      leaves_.push_back(std::move(path));
      at = leaves_.end() - 1;
    }
    plan.leaves.push_back(static_cast<std::uint32_t>(at - leaves_.begin()));  // (distinct: Reads lists each read once)
  }
  std::sort(plan.facts.begin(), plan.facts.end());
  plan.keyed = true;
  return plan;
}

Registry::MemoPlan Registry::Bounded(MemoPlan plan) {
  if (plan.leaves.size() + plan.facts.size() > kMaxKeyed) return MemoPlan{};
  return plan;
}

namespace {
const Value kNull;  // (a path below null, or absent: null)
}  // namespace

const Value* Registry::KeyPath::In(const Value& head) const {
  const Value* v = &head;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (v->is_null()) return &kNull;
    if (!v->is(Type::kContext)) return nullptr;
    const feel::Context& c = v->context();
    v = c.shape() ? positions[i].Find(c, keys[i]) : c.Find(keys[i]);
    if (!v) return &kNull;
  }
  return v;
}

std::string Registry::StaleNote(int oldest_age) const {
  return Fill(Str(texts_, "stale"), {{"date", snapshot_date_},
                                     {"days", std::to_string(oldest_age)},
                                     {"limit", std::to_string(kStaleAfterDays)}});
}

int Registry::encoded_count() const {
  return static_cast<int>(std::count_if(studies_.begin(), studies_.end(), [](const Study& s) { return s.encoded; }));
}

int Registry::criteria_count() const {
  size_t n = 0;
  for (const auto& s : studies_) n += s.criteria.size();
  return static_cast<int>(n);
}

// ---- kb check --------------------------------------------------------------------------------

namespace {

// Every object path of the case schema ("tumor", "tumor.sstr_imaging", "tumor.sstr_imaging.result")
// with the values it allows (its enum, or its items' enum for a list of strings; empty: any).
void SchemaPaths(const Json& schema, const std::string& prefix, std::map<std::string, std::set<std::string>>& out) {
  if (!schema.is_object()) return;
  std::set<std::string> allowed;
  const Json& values = schema.contains("enum") ? schema["enum"]
                       : schema.contains("items") && schema["items"].is_object() && schema["items"].contains("enum")
                           ? schema["items"]["enum"]
                           : Json();
  if (values.is_array())
    for (const auto& v : values)
      if (v.is_string()) allowed.insert(v.get<std::string>());
  if (!prefix.empty()) out[prefix] = std::move(allowed);
  if (schema.contains("properties") && schema["properties"].is_object())
    for (const auto& [key, sub] : schema["properties"].items())
      SchemaPaths(sub, prefix.empty() ? key : prefix + "." + key, out);
}


}  // namespace

std::vector<std::string> Registry::Check(const Json& case_schema) const {
  std::vector<std::string> out;
  std::map<std::string, std::set<std::string>> paths;
  SchemaPaths(case_schema, "", paths);
  // The recommendation's classification, which criteria may read besides the case.
  static const std::set<std::string> kClassificationFields = {"category", "grade", "basis"};
  // The case paths a text reads, from its compiled tree (feel::ExpressionReads: not a local name,
  // not inside a string); the strings compared with them, from the text (RE2: linear time on any
  // input), for the paths it reads.
  static const RE2 kCompare(R"re(\b((?:patient|tumor|history|planned_procedure)(?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*(?:=|!=)\s*"([^"]*)")re");
  static const RE2 kIn(R"re(\b((?:patient|tumor|history|planned_procedure)(?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s+in\s*[\(\[]([^\)\]]*)[\)\]])re");
  static const RE2 kString(R"re("([^"]*)")re");
  auto check_text = [&](const std::string& where, const feel::CompiledExpression& expr, const std::string& feel) {
    std::set<std::string> read;
    const feel::ExpressionReads reads = expr.Reads();
    if (!reads.complete)  // (a node kind not taught to Reads: ReadsTest fails first)
      out.push_back(where + ": the case fields it reads cannot all be told (a FEEL form kb check does not know)");
    for (const feel::NameRead& r : reads.names) {
      if (static_cast<size_t>(r.slot) >= std::size(kCaseNames) || r.path.empty()) continue;  // a fact, a whole part
      std::string path = r.name;
      for (const std::string& key : r.path) path += "." + key;
      if (static_cast<size_t>(r.slot) == kClassification) {
        if (!kClassificationFields.count(r.path.front()))
          out.push_back(where + ": '" + path + "' is not a field of the classification");
      } else if (!paths.count(path)) {
        out.push_back(where + ": '" + path + "' is not a case field (schema/case.schema.json)");
      }
      read.insert(std::move(path));
    }
    auto value_ok = [&](const std::string& path, const std::string& value) {
      auto p = paths.find(path);
      if (read.count(path) && p != paths.end() && !p->second.empty() && !p->second.count(value))
        out.push_back(where + ": '" + value + "' is not an allowed value of " + path);
    };
    std::string path, value, list;
    for (re2::StringPiece in(feel); RE2::FindAndConsume(&in, kCompare, &path, &value);) value_ok(path, value);
    for (re2::StringPiece in(feel); RE2::FindAndConsume(&in, kIn, &path, &list);)
      for (re2::StringPiece items(list); RE2::FindAndConsume(&items, kString, &value);) value_ok(path, value);
  };
  for (const auto& f : facts_) check_text("trials/criteria.json: facts." + f.name, f.expr, f.source);
  // Decidability: on an empty case (no patient, tumor or history) every test must be null.
  std::vector<Value> slots(scope_names_.size());
  feel::EvalContext ctx;
  for (size_t f = 0; f < facts_.size(); ++f) slots[std::size(kCaseNames) + f] = facts_[f].expr.Evaluate(slots, ctx);
  for (const auto& s : studies_)
    for (const auto& c : s.criteria) {
      const std::string where = "trials/criteria.json: trials." + s.nct_id + " criterion " + c.id;
      check_text(where, c.test, c.source);
      Value v = c.test.Evaluate(slots, ctx);
      if (v.is(Type::kBoolean))
        out.push_back(where + ": decides without case data (" + std::string(v.boolean() ? "true" : "false") +
                      " on an empty case); a test must give null when the case does not say, or the criterion "
                      "belongs under to_check");
    }
  return out;
}

// ---- matching --------------------------------------------------------------------------------

namespace {

// Appends key/value to an object known not to hold `key` yet (no search, no reallocation when
// the object was reserved).
void Add(Json& obj, const char* key, Json value) {
  obj.get_ref<Json::object_t&>().emplace_back(key, std::move(value));
}
// obj[key] = value, without building the key string when it is there.
void Set(Json& obj, const char* key, Json value) {
  if (auto it = obj.find(key); it != obj.end()) *it = std::move(value);
  else Add(obj, key, std::move(value));
}

// Is every path a criterion needs present (and not null) in the slots?
bool Known(const Criterion& c, const std::vector<Value>& slots) {
  for (const auto& [slot, keys] : c.need_paths) {
    if (slot >= slots.size()) return false;
    const Value* v = &slots[slot];
    for (const auto& key : keys) {
      if (!v->is(Type::kContext)) return false;
      v = v->context().Find(key);
      if (!v) return false;
    }
    if (v->is_null()) return false;
  }
  return true;
}

// A study's entry, written (json::TextOut) or built (json::TreeOut) from one description.
// Its lists are ranges [begin, end) of the case's pools (three allocations per case, not three
// per entry).
struct Entry {
  const Study* study;
  bool stale;
  std::uint32_t matched[2], to_check[2], not_met[2];
  std::uint64_t met = 0;  // which criteria are met, by index (up to 64; see Scratch::entries)
  const json::Fragment* written = nullptr;  // the whole entry, when a thread has it (Scratch::entries)
  std::size_t to_check_count = 0;  // (its to_check list's length)
  // False: the ranges are not filled yet, the entry being told by `met` alone (a fitting study of
  // plain criteria: the others are to check); Annotate fills them only when it writes the entry.
  bool pooled = true;
};
struct Pools {
  std::vector<const json::Fragment*> matched, to_check, not_met;  // JSON strings
};

template <class Out>
void WriteStrings(Out& out, const std::vector<const json::Fragment*>& pool, const std::uint32_t (&range)[2]) {
  out.BeginArray(range[1] - range[0]);
  for (std::uint32_t i = range[0]; i < range[1]; ++i) out.Value(*pool[i]);
  out.EndArray();
}

template <class Out>
void WriteEntry(Out& out, const Entry& e, const Pools& pools) {
  out.BeginObject(11);
  out.Members(e.study->head);
  out.Key("matched");
  WriteStrings(out, pools.matched, e.matched);
  out.Key("to_check");
  WriteStrings(out, pools.to_check, e.to_check);
  out.Members(e.study->tail[e.stale]);  // snapshot_date, stale, criteria_encoded, url
  out.EndObject();
}

// A study without encoded criteria is its entry prepared at load (Registry::PrepareEntries).
template <class Out>
void WriteFittingItems(Out& out, const std::vector<Entry>& fitting, const Pools& pools) {
  for (const Entry& e : fitting) {
    if (e.written) out.Value(*e.written);
    else if (e.study->encoded) WriteEntry(out, e, pools);
    else out.Value(e.study->entry[e.stale]);
  }
}
template <class Out>
void WriteFitting(Out& out, const std::vector<Entry>& fitting, const Pools& pools) {
  out.BeginArray(fitting.size());
  WriteFittingItems(out, fitting, pools);
  out.EndArray();
}

template <class Out>
void WriteExcluded(Out& out, const std::vector<Entry>& excluded, const Pools& pools) {
  out.BeginArray(excluded.size());
  for (const Entry& e : excluded) {
    out.BeginObject(7);
    out.Members(e.study->head);
    out.Key("reasons");
    out.BeginArray(e.not_met[1] - e.not_met[0] + 1);
    if (!e.study->not_recruiting.empty()) out.String(e.study->not_recruiting);
    std::string reason;
    for (std::uint32_t i = e.not_met[0]; i < e.not_met[1]; ++i) {
      reason.assign("not met: ");
      reason += pools.not_met[i]->value.get_ref<const std::string&>();
      out.String(reason);
    }
    out.EndArray();
    out.Key("snapshot_date");
    out.String(e.study->snapshot_date);
    out.EndObject();
  }
  out.EndArray();
}

enum class Outcome : char { kNotYet, kMet, kNotMet, kToCheck };

// Outcomes of tests as bits over the tests: three sets of `words` 64-bit words each, at `bits`
// (known, met, not met; known and neither: to check).
struct TestBits {
  std::uint64_t* bits;
  size_t words;
  std::uint64_t* known() const { return bits; }
  std::uint64_t* met() const { return bits + words; }
  std::uint64_t* not_met() const { return bits + 2 * words; }
  static std::uint64_t Bit(size_t test) { return std::uint64_t{1} << (test % 64); }
  Outcome Of(size_t test) const {
    const size_t w = test / 64;
    const std::uint64_t bit = Bit(test);
    if (!(known()[w] & bit)) return Outcome::kNotYet;
    return met()[w] & bit ? Outcome::kMet : not_met()[w] & bit ? Outcome::kNotMet : Outcome::kToCheck;
  }
  void Set(size_t test, Outcome o) const {  // (o is not kNotYet)
    const size_t w = test / 64;
    const std::uint64_t bit = Bit(test);
    known()[w] |= bit;
    if (o == Outcome::kMet) met()[w] |= bit;
    if (o == Outcome::kNotMet) not_met()[w] |= bit;
  }
  void Add(const std::uint64_t* from) const {  // every outcome `from` (3 * words) holds
    if (words == 1) {  // (the usual registry: at most 64 distinct tests)
      bits[0] |= from[0];
      bits[1] |= from[1];
      bits[2] |= from[2];
      return;
    }
    for (size_t w = 0; w < 3 * words; ++w) bits[w] |= from[w];
  }
};

// A fact's key: the values it reads, each a null, boolean, number or string (Keyable). (Lists
// of those as keys, for the facts over the prior therapies, measured slower than evaluating.)
bool Keyable(const Value& v) {
  constexpr unsigned kKeyable = 1u << static_cast<unsigned>(Type::kNull) | 1u << static_cast<unsigned>(Type::kBoolean) |
                                1u << static_cast<unsigned>(Type::kNumber) | 1u << static_cast<unsigned>(Type::kString);
  return ((1u << static_cast<unsigned>(v.type())) & kKeyable) != 0;
}
// Identical keyable values (numbers: the same digits and exponent, not only equal).
bool Same(const Value& a, const Value& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Type::kBoolean:
      return a.boolean() == b.boolean();
    case Type::kNumber: {
      const feel::Decimal &x = a.number(), &y = b.number();
      return x.coefficient() == y.coefficient() && x.exponent() == y.exponent() && x.negative() == y.negative();
    }
    case Type::kString:
      return &a.string() == &b.string() || a.string() == b.string();
    default:
      return true;  // (null)
  }
}
std::uint64_t HashOf(const Value& v) {
  switch (v.type()) {
    case Type::kBoolean:
      return 2 + static_cast<std::uint64_t>(v.boolean());
    case Type::kNumber: {
      const feel::Decimal& d = v.number();
      return static_cast<std::uint64_t>(d.coefficient()) ^ (static_cast<std::uint64_t>(static_cast<std::uint32_t>(d.exponent())) << 40) ^
             static_cast<std::uint64_t>(d.negative());
    }
    case Type::kString:
      return HashText(v.string());
    default:
      return 1;
  }
}

// Ids of the values a fact or test is keyed by: not looked up yet, no id (a value that is no key,
// or no room for more).
constexpr std::uint8_t kIdNotYet = 0, kNoId = 255;
constexpr size_t kIdSlots = 256;  // (an id is a byte)
// The values a thread has seen at one case path (or as one fact's value), each with an id (1 to
// 254, in the order first seen), identical values (Same) sharing one. Ids are never given again:
// what is kept under them stays right.
struct Interned {
  static constexpr size_t kSlots = 512;  // (open addressing: at most half full)
  std::vector<Value> values;              // by id - 1
  std::vector<std::uint8_t> table;        // by hash: an id, 0 when free
  // The ids of immortal strings (feel::MakeImmortal: the case reader's listed values, the
  // models' constants) by address, without hashing their text: such a string is never freed,
  // so its address is never another string's. A small direct-mapped cache, filled by Id.
  static constexpr size_t kByAddress = 32;  // (an index is the top 5 bits of a product)
  std::array<const std::string*, kByAddress> addresses{};
  std::array<std::uint8_t, kByAddress> address_ids{};
  std::uint8_t Id(const Value& v) {
    if (v.is(Type::kString) && feel::IsImmortal(v.string_ptr())) {
      const std::string* text = &v.string();
      const size_t at = (reinterpret_cast<std::uintptr_t>(text) * 0x9E3779B97F4A7C15u) >> 59;  // (kByAddress)
      if (addresses[at] == text) return address_ids[at];
      const std::uint8_t id = Find(v);
      if (id != kNoId) {
        addresses[at] = text;
        address_ids[at] = id;
      }
      return id;
    }
    return Find(v);
  }
  std::uint8_t Find(const Value& v) {
    if (table.empty()) table.assign(kSlots, 0);
    for (size_t i = (HashOf(v) * 0x9E3779B97F4A7C15u) >> 55;; i = (i + 1) % kSlots) {
      const std::uint8_t id = table[i];
      if (id == 0) {
        if (values.size() >= kNoId - 1) return kNoId;
        values.push_back(v);
        return table[i] = static_cast<std::uint8_t>(values.size());
      }
      if (Same(values[id - 1], v)) return id;
    }
  }
};
// What a thread found for one fact or test, by the packed ids of the values it reads (never 0:
// a marker bit is set). Full: nothing more is kept (what is kept stays).
template <class T>
struct Memo {
  static constexpr size_t kSlots = 128, kMax = 96;
  std::vector<std::uint64_t> keys;  // by hash: a key, 0 when free (sized when first kept)
  std::vector<T> values;
  size_t count = 0;
  static size_t Slot(std::uint64_t key) { return static_cast<size_t>((key * 0x9E3779B97F4A7C15u) >> 57); }
  const T* Find(std::uint64_t key) const {
    if (keys.empty()) return nullptr;
    for (size_t i = Slot(key);; i = (i + 1) % kSlots) {
      if (keys[i] == key) return &values[i];
      if (keys[i] == 0) return nullptr;
    }
  }
  void Put(std::uint64_t key, const T& value) {  // (a key not kept yet)
    if (count >= kMax) return;
    if (keys.empty()) {
      keys.assign(kSlots, 0);
      values.assign(kSlots, T());
    }
    size_t i = Slot(key);
    while (keys[i] != 0) i = (i + 1) % kSlots;
    keys[i] = key;
    values[i] = value;
    ++count;
  }
};

// A thread's working storage for Annotate, kept from case to case (no allocation per case once
// it has grown). Annotate leaves no case value in its slots.
struct Scratch {
  bool busy = false;  // (Annotate is not re-entered on a thread; if it were, a local one is used)
  std::vector<Value> slots;
  std::vector<char> fact_done;
  std::vector<Outcome> found;
  // This case's tests' outcomes as bits over the tests (TestBits: known, met, not met).
  std::vector<std::uint64_t> case_tests;
  std::vector<Entry> fitting, plain, excluded;
  Pools pools;
  // A fitting study's entry with encoded criteria depends on the case only through which of its
  // criteria are met (the others are to check) and its stale flag: the entries written, by study,
  // for the registry `registry` (Registry::id_), at most kEntriesPerStudy each.
  struct Written {
    std::uint64_t met;
    bool stale;
    json::Fragment entry;
  };
  std::uint64_t registry = 0;
  std::vector<std::vector<Written>> entries;
  // The text of the fitting studies without encoded criteria (every recruiting one, in the
  // registry's order, joined by commas) for the registry `registry` on the day `plain_day`
  // (kNoDay: no date); the same for every case of that day.
  static constexpr long long kNoDay = std::numeric_limits<long long>::min();
  static constexpr long long kUnset = kNoDay + 1;
  long long plain_day = kUnset;
  std::string plain_text;
  // Kept for the registry `registry`: the values seen at each case path the facts and tests are
  // keyed by (Registry::leaves_) and as each fact's value, each with an id; by the ids of what
  // they read, the facts' values (null, boolean or number) and the tests' outcomes.
  std::vector<Interned> leaf_values, fact_values;
  std::vector<Memo<Value>> fact_memo;
  std::vector<Memo<Outcome>> test_memo;
  // The outcomes of the tests keyed by one case path's value alone (most criteria read one
  // field, or facts over one), as bits over the tests (TestBits), by the path
  // (Registry::alone_leaves_) * kIdSlots + the value's id: all of a path's kept outcomes are
  // taken in one step, without packing a key or probing a Memo (no bit: none kept).
  std::vector<std::uint64_t> alone_outcomes;
  // This case's ids (kIdNotYet until asked).
  std::vector<std::uint8_t> leaf_ids, fact_ids;
};
constexpr size_t kEntriesPerStudy = 16;
thread_local Scratch tl_scratch;

// Takes a thread's Scratch (or a fresh one) and gives back its slots emptied at the end.
class ScratchLease {
 public:
  ScratchLease() : s_(tl_scratch.busy ? own_.emplace() : tl_scratch) { s_.busy = true; }
  ~ScratchLease() {
    for (Value& v : s_.slots)
      if (!v.is_null()) v = Value();
    s_.busy = false;
  }
  ScratchLease(const ScratchLease&) = delete;
  ScratchLease& operator=(const ScratchLease&) = delete;
  Scratch& operator*() { return s_; }

 private:
  std::optional<Scratch> own_;
  Scratch& s_;
};

}  // namespace

void Registry::PrepareEntries() {
  // A fitting study without encoded criteria: matched on condition only, its criteria to check.
  Pools pools;
  pools.matched.push_back(&not_encoded_matched_json_);
  pools.to_check.push_back(&not_encoded_to_check_json_);
  for (Study& s : studies_) {
    if (s.encoded) continue;
    for (const bool stale : {false, true}) {
      Json entry;
      json::TreeOut tree(entry);
      WriteEntry(tree, Entry{&s, stale, {0, 1}, {0, 1}, {0, 0}}, pools);
      s.entry[stale] = json::MakeFragment(std::move(entry));
    }
  }
  Json head(Json::value_t::object);
  head["snapshot_date"] = snapshot_date_;
  head["studies"] = static_cast<std::uint64_t>(studies_.size());
  head["criteria_encoded"] = static_cast<std::uint64_t>(encoded_count());
  registry_head_ = json::MakeMembersFragment(std::move(head));
  Json stale(Json::value_t::object);
  stale["stale"] = false;
  stale["stale_note"] = nullptr;
  not_stale_members_ = json::MakeMembersFragment(stale);
  stale["stale"] = true;
  stale["stale_note"] = stale_note_;
  stale_members_ = json::MakeMembersFragment(std::move(stale));
  not_recruiting_count_ = 0;
  encoded_recruiting_.clear();
  plain_recruiting_.clear();
  plain_has_text_ = true;
  for (const Study& s : studies_) {
    if (!s.not_recruiting.empty()) ++not_recruiting_count_;
    else if (s.encoded) encoded_recruiting_.push_back(&s);
    else {
      plain_recruiting_.push_back(&s);
      plain_has_text_ = plain_has_text_ && s.entry[0].has_text && s.entry[1].has_text;
    }
  }
  min_snapshot_day_ = studies_.empty() ? 0 : studies_.front().snapshot_day;
  for (const Study& s : studies_) min_snapshot_day_ = std::min(min_snapshot_day_, s.snapshot_day);
}

void Registry::Annotate(const Json& case_json, Json& recommendation, const std::string& today, bool include_excluded) const {
  AnnotateOptions options;
  options.include_excluded = include_excluded;
  Annotate(case_json, recommendation, today, options);
}

void Registry::Annotate(const Json& case_json, Json& recommendation, const std::string& today_in,
                        const AnnotateOptions& options) const {
  if (studies_.empty()) return;
  const bool include_excluded = options.include_excluded;
  // Today as a day number (no date text is needed): the given date, else the current UTC date.
  const std::optional<int> today_day = today_in.empty() ? std::optional<int>(TodayDayNumber()) : DayNumber(today_in);
  ScratchLease lease;
  Scratch& scratch = *lease;
  // What the thread keeps is for one registry.
  if (scratch.registry != id_) {
    scratch.registry = id_;
    scratch.entries.assign(studies_.size(), {});
    scratch.plain_day = Scratch::kUnset;
    scratch.leaf_values.assign(leaves_.size(), {});
    scratch.fact_values.assign(facts_.size(), {});
    scratch.fact_memo.assign(facts_.size(), {});
    scratch.test_memo.assign(tests_.size(), {});
    scratch.alone_outcomes.assign(alone_leaves_.size() * kIdSlots * 3 * test_words_, 0);
    // (Sized here, cleared per case below.)
    scratch.fact_done.assign(facts_.size(), 0);
    scratch.leaf_ids.assign(leaves_.size(), kIdNotYet);
    scratch.fact_ids.assign(facts_.size(), kIdNotYet);
    scratch.case_tests.assign(3 * test_words_, 0);
  }
  std::vector<Value>& slots = scratch.slots;
  slots.resize(scope_names_.size());  // (all null: the lease empties them)
  const feel::Context* case_context =
      options.case_value && options.case_value->is(Type::kContext) ? &options.case_value->context() : nullptr;
  for (size_t i = 0; i < kClassification; ++i) {
    const char* name = kCaseNames[i];
    if (case_context) {
      // The case's own value: the same parts, their keys in sorted order (no criterion reads
      // a context's key order).
      // (By position where the context is shaped, found once per shape.)
      const Value* part = case_context->shape() ? kCasePositions[i].Find(*case_context, name) : case_context->Find(name);
      if (part) slots[i] = *part;
      continue;
    }
    if (!case_json.is_object()) continue;
    if (auto it = case_json.find(name); it != case_json.end()) slots[i] = json::ValueFromJson(*it);
  }
  // The classification (one criterion reads it) converted when a test or fact that may read it
  // is first evaluated.
  bool classification_done = false;
  auto ensure_classification = [&] {
    if (classification_done) return;
    classification_done = true;
    if (options.answer) slots[kClassification] = options.answer->classification;
    else if (!recommendation.is_object()) return;
    else if (auto it = recommendation.find(kCaseNames[kClassification]); it != recommendation.end())
      slots[kClassification] = json::ValueFromJson(*it);
  };
  feel::EvalContext ctx;
  // Each fact evaluated at most once, when a test that may read it is first evaluated; `facts`
  // lists a fact after the facts it reads.
  std::vector<char>& fact_done = scratch.fact_done;
  std::fill(fact_done.begin(), fact_done.end(), 0);
  // The key of a fact's value or a test's outcome (Registry::MemoPlanOf): the ids of the values
  // its text reads, each case path's found once per case, each fact's once its value is (the
  // facts a text reads are evaluated before it); 0 when one has no id.
  std::vector<std::uint8_t>& leaf_ids = scratch.leaf_ids;
  std::vector<std::uint8_t>& fact_ids = scratch.fact_ids;
  std::fill(leaf_ids.begin(), leaf_ids.end(), kIdNotYet);
  std::fill(fact_ids.begin(), fact_ids.end(), kIdNotYet);
  auto leaf_id = [&](std::uint32_t l) -> std::uint8_t {
    std::uint8_t& id = leaf_ids[l];
    if (id == kIdNotYet) {
      const KeyPath& p = leaves_[l];
      if (p.slot == kClassification) ensure_classification();
      const Value* v = p.In(slots[p.slot]);
      id = v && Keyable(*v) ? scratch.leaf_values[l].Id(*v) : kNoId;
    }
    return id;
  };
  auto key_of = [&](const MemoPlan& plan) -> std::uint64_t {
    std::uint64_t key = std::uint64_t{1} << 63;
    unsigned shift = 0;
    for (const std::uint32_t l : plan.leaves) {
      const std::uint8_t id = leaf_id(l);
      if (id == kNoId) return 0;
      key |= std::uint64_t{id} << shift;
      shift += 8;
    }
    for (const std::uint32_t g : plan.facts) {
      std::uint8_t& id = fact_ids[g];
      if (id == kIdNotYet) {
        const Value& v = slots[std::size(kCaseNames) + g];
        id = Keyable(v) ? scratch.fact_values[g].Id(v) : kNoId;
      }
      if (id == kNoId) return 0;
      key |= std::uint64_t{id} << shift;
      shift += 8;
    }
    return key;
  };
  // A fact's value: kept by this thread for the same key, or evaluated (and kept when it is a
  // null, boolean or number).
  auto fact_value = [&](std::uint32_t f) -> Value {
    const MemoPlan& plan = fact_memo_[f];
    const std::uint64_t key = plan.keyed ? key_of(plan) : 0;
    if (key == 0) return facts_[f].expr.Evaluate(slots, ctx);
    Memo<Value>& memo = scratch.fact_memo[f];
    if (const Value* kept = memo.Find(key)) return *kept;
    Value v = facts_[f].expr.Evaluate(slots, ctx);
    if (v.is_null() || v.is(Type::kBoolean) || v.is(Type::kNumber)) memo.Put(key, v);
    return v;
  };
  auto ensure_facts = [&](const std::vector<std::uint32_t>& facts, bool classification) {
    if (classification) ensure_classification();
    for (const std::uint32_t f : facts) {
      if (fact_done[f]) continue;
      fact_done[f] = 1;
      slots[std::size(kCaseNames) + f] = fact_value(f);
    }
  };
  // Each distinct test evaluated at most once, when a criterion first needs it; only its
  // outcome is kept, and the tests found false as bits (Study::test_bits).
  auto outcome_of = [](const Value& v) {
    return !v.is(Type::kBoolean) ? Outcome::kToCheck : v.boolean() ? Outcome::kMet : Outcome::kNotMet;
  };
  // This case's outcomes, as bits. The outcomes the thread keeps for the values of the paths
  // that key tests alone are all taken first (a few words per path); the others as found.
  const size_t words = test_words_;
  std::fill(scratch.case_tests.begin(), scratch.case_tests.end(), 0);
  const TestBits case_tests{scratch.case_tests.data(), words};
  std::uint64_t* const alone_outcomes = scratch.alone_outcomes.data();
  auto alone_kept = [&](size_t alone, std::uint8_t id) {
    return TestBits{alone_outcomes + (alone * kIdSlots + id) * 3 * words, words};
  };
  for (size_t a = 0; a < alone_leaves_.size(); ++a)
    if (const std::uint8_t id = leaf_id(alone_leaves_[a]); id != kNoId) case_tests.Add(alone_kept(a, id).bits);
  auto test_outcome = [&](size_t index) -> Outcome {
    Outcome o = case_tests.Of(index);
    if (o != Outcome::kNotYet) return o;
    auto evaluate = [&] {
      const Test& t = tests_[index];
      if (!t.facts.empty() || t.classification) ensure_facts(t.facts, t.classification);
      return t.slot >= 0 ? outcome_of(slots[static_cast<size_t>(t.slot)]) : outcome_of(t.expr->Evaluate(slots, ctx));
    };
    // Kept by this thread for the same key, or evaluated (and kept). (A test keyed by one path
    // whose value has an id and whose outcome the thread keeps is known already.)
    const MemoPlan& plan = test_memo_[index];
    if (const int alone = test_alone_[index]; alone >= 0) {
      const std::uint8_t id = leaf_id(plan.leaves[0]);
      o = evaluate();
      if (id != kNoId) alone_kept(static_cast<size_t>(alone), id).Set(index, o);
    } else if (const std::uint64_t key = plan.keyed ? key_of(plan) : 0; key != 0) {
      if (const Outcome* kept = scratch.test_memo[index].Find(key)) {
        o = *kept;
      } else {
        o = evaluate();
        scratch.test_memo[index].Put(key, o);
      }
    } else {
      o = evaluate();
    }
    case_tests.Set(index, o);
    return o;
  };
  auto outcome = [&](const Criterion& c) { return test_outcome(c.test_index); };
  // A criterion's outcome: its test's, or to check when a case field it needs is not given.
  auto criterion_outcome = [&](const Criterion& c) {
    if (!c.need_facts.empty() || c.needs_classification) ensure_facts(c.need_facts, c.needs_classification);
    return c.need_paths.empty() || Known(c, slots) ? outcome(c) : Outcome::kToCheck;
  };
  Pools& pools = scratch.pools;
  pools.matched.clear();
  pools.to_check.clear();
  pools.not_met.clear();
  auto add = [&](Outcome o, const Criterion& c) {
    (o == Outcome::kMet ? pools.matched : o == Outcome::kNotMet ? pools.not_met : pools.to_check).push_back(&c.text_json);
  };
  // The lists of a fitting entry told by `met` alone: its criteria met, then those to check and
  // the study's own to check (as visit below fills them).
  auto pool = [&](Entry& e) {
    const Study& s = *e.study;
    e.matched[0] = static_cast<std::uint32_t>(pools.matched.size());
    e.to_check[0] = static_cast<std::uint32_t>(pools.to_check.size());
    e.not_met[0] = e.not_met[1] = static_cast<std::uint32_t>(pools.not_met.size());
    for (size_t i = 0; i < s.criteria.size(); ++i)
      ((e.met >> i) & 1 ? pools.matched : pools.to_check).push_back(&s.criteria[i].text_json);
    for (const auto& t : s.to_check_json) pools.to_check.push_back(&t);
    e.matched[1] = static_cast<std::uint32_t>(pools.matched.size());
    e.to_check[1] = static_cast<std::uint32_t>(pools.to_check.size());
    e.pooled = true;
  };

  // Excluded studies are only counted unless include_excluded asks for their entries. The fitting
  // studies with encoded criteria come first (more is known about them), then by fewer items to
  // check; those without, in the registry's order.
  std::vector<Entry>& fitting = scratch.fitting;
  std::vector<Entry>& plain = scratch.plain;
  std::vector<Entry>& excluded = scratch.excluded;
  fitting.clear();
  plain.clear();
  excluded.clear();
  std::vector<Outcome>& found = scratch.found;  // a study's criteria's outcomes, by criterion
  size_t excluded_count = 0;
  const bool any_stale = today_day && *today_day - min_snapshot_day_ > kStaleAfterDays;
  // Text: only when the recommendation holds none of the members yet (otherwise they are
  // replaced in the tree, as without members_text).
  const bool as_text = options.members_text && !recommendation.contains("trials") &&
                       !recommendation.contains("trials_registry") && !recommendation.contains("trials_excluded");
  // Without the excluded entries, the studies without encoded criteria fit exactly when they
  // recruit, whatever the case: as text, their entries are written as one piece, the same for
  // every case of the day (Scratch::plain_text).
  const bool plain_block = as_text && !include_excluded && plain_has_text_;
  // A study of plain criteria when the excluded are not listed: as visit below, from the tests'
  // outcomes alone; its entry is set up only once it fits.
  auto visit_plain = [&](const Study& s) {
    const size_t n = s.criteria.size();
    // A known outcome not met rules it out; otherwise the tests not known yet are found in the
    // criteria's order until one is not met.
    bool ruled_out = false, unknown = false;
    if (words == 1) {
      ruled_out = (s.test_bits[0] & case_tests.not_met()[0]) != 0;
      unknown = (s.test_bits[0] & ~case_tests.known()[0]) != 0;
    } else {
      for (size_t w = 0; w < words; ++w) {
        ruled_out = ruled_out || (s.test_bits[w] & case_tests.not_met()[w]) != 0;
        unknown = unknown || (s.test_bits[w] & ~case_tests.known()[w]) != 0;
      }
    }
    for (size_t i = 0; i < n && unknown && !ruled_out; ++i)
      if (const std::uint32_t t = s.criterion_tests[i]; !(case_tests.known()[t / 64] & TestBits::Bit(t)))
        ruled_out = test_outcome(t) == Outcome::kNotMet;
    if (ruled_out) {
      ++excluded_count;
      return;
    }
    std::uint64_t met = 0;
    if (words == 1) {
      const std::uint64_t tests_met = case_tests.met()[0];
      for (size_t i = 0; i < n; ++i) met |= ((tests_met >> s.criterion_tests[i]) & 1) << i;
    } else {
      for (size_t i = 0; i < n; ++i) {
        const std::uint32_t t = s.criterion_tests[i];
        met |= ((case_tests.met()[t / 64] >> (t % 64)) & 1) << i;
      }
    }
    Entry e;
    e.study = &s;
    e.stale = today_day && *today_day - s.snapshot_day > kStaleAfterDays;
    e.matched[0] = static_cast<std::uint32_t>(pools.matched.size());
    e.to_check[0] = static_cast<std::uint32_t>(pools.to_check.size());
    e.not_met[0] = static_cast<std::uint32_t>(pools.not_met.size());
    e.met = met;
    e.to_check_count = n - static_cast<size_t>(std::popcount(met)) + s.to_check_json.size();
    e.pooled = false;
    size_t at = fitting.size();
    while (at > 0 && fitting[at - 1].to_check_count > e.to_check_count) --at;
    fitting.insert(fitting.begin() + static_cast<std::ptrdiff_t>(at), e);
  };
  auto visit = [&](const Study& s) {
    if (!include_excluded && s.plain_criteria) {
      visit_plain(s);
      return;
    }
    Entry e;
    e.study = &s;
    e.stale = today_day && *today_day - s.snapshot_day > kStaleAfterDays;
    e.matched[0] = static_cast<std::uint32_t>(pools.matched.size());
    e.to_check[0] = static_cast<std::uint32_t>(pools.to_check.size());
    e.not_met[0] = static_cast<std::uint32_t>(pools.not_met.size());
    if (!s.encoded) {
      // Its lists are in its prepared entry; it fits when recruiting.
      e.matched[1] = e.matched[0];
      e.to_check[1] = e.to_check[0];
      e.not_met[1] = e.not_met[0];
      if (s.not_recruiting.empty()) {
        plain.push_back(e);
      } else {  // (include_excluded only)
        ++excluded_count;
        excluded.push_back(e);
      }
      return;
    }
    const size_t n = s.criteria.size();
    if (!include_excluded) {
      // Until the study fits, only whether it may fit is asked: a test already found false rules
      // it out; otherwise its criteria are evaluated until one is not met. (In their order:
      // evaluating cheaper texts first measured slower, the curated order often ruling a study
      // out by a fact other studies share.)
      bool ruled_out = false;
      for (size_t w = 0; w < words && !ruled_out; ++w) ruled_out = (s.test_bits[w] & case_tests.not_met()[w]) != 0;
      if (found.size() < n) found.resize(n);
      for (size_t i = 0; i < n && !ruled_out; ++i) {
        found[i] = criterion_outcome(s.criteria[i]);
        ruled_out = found[i] == Outcome::kNotMet;
      }
      if (ruled_out) {
        ++excluded_count;
        return;
      }
      for (size_t i = 0; i < n; ++i) {
        add(found[i], s.criteria[i]);
        if (found[i] == Outcome::kMet && i < 64) e.met |= std::uint64_t{1} << i;
      }
    } else {
      // Every criterion, in order: the reasons name each one not met.
      for (size_t i = 0; i < n; ++i) {
        const Outcome o = criterion_outcome(s.criteria[i]);
        add(o, s.criteria[i]);
        if (o == Outcome::kMet && i < 64) e.met |= std::uint64_t{1} << i;
      }
    }
    for (const auto& t : s.to_check_json) pools.to_check.push_back(&t);
    e.matched[1] = static_cast<std::uint32_t>(pools.matched.size());
    e.to_check[1] = static_cast<std::uint32_t>(pools.to_check.size());
    e.not_met[1] = static_cast<std::uint32_t>(pools.not_met.size());
    e.to_check_count = e.to_check[1] - e.to_check[0];
    if (!s.not_recruiting.empty() || e.not_met[0] != e.not_met[1]) {  // (include_excluded only)
      ++excluded_count;
      excluded.push_back(e);
      return;
    }
    // By fewer items to check, in the registry's order among equals (a stable insertion).
    size_t at = fitting.size();
    while (at > 0 && fitting[at - 1].to_check_count > e.to_check_count) --at;
    fitting.insert(fitting.begin() + static_cast<std::ptrdiff_t>(at), e);
  };
  size_t plain_count = 0;  // the fitting studies without encoded criteria in plain_text
  if (include_excluded) {
    for (const Study& s : studies_) visit(s);
  } else {
    // A study that does not recruit is only counted.
    excluded_count = not_recruiting_count_;
    for (const Study* s : encoded_recruiting_) visit(*s);
    if (plain_block) {
      plain_count = plain_recruiting_.size();
      const long long day = today_day ? *today_day : Scratch::kNoDay;
      if (scratch.plain_day != day) {
        scratch.plain_day = day;
        scratch.plain_text.clear();
        for (const Study* s : plain_recruiting_) {
          if (!scratch.plain_text.empty()) scratch.plain_text += ',';
          scratch.plain_text += s->entry[today_day && *today_day - s->snapshot_day > kStaleAfterDays].text;
        }
      }
    } else {
      for (const Study* s : plain_recruiting_) visit(*s);
    }
  }
  // The fitting entries with encoded criteria as this thread wrote them before, or written now
  // and kept (the tree built once, its text by the same writer as the tree's dump).
  for (Entry& e : fitting) {
    const size_t n = e.study->criteria.size();
    if (n > 64) continue;
    const std::uint64_t met = e.met;
    auto& kept = scratch.entries[static_cast<size_t>(e.study - studies_.data())];
    for (const auto& w : kept)
      if (w.met == met && w.stale == e.stale) e.written = &w.entry;
    if (e.written) continue;
    if (!e.pooled) pool(e);
    if (kept.size() >= kEntriesPerStudy) continue;
    Json entry;
    json::TreeOut tree(entry);
    WriteEntry(tree, e, pools);
    kept.push_back({met, e.stale, json::MakeFragment(std::move(entry))});
    e.written = &kept.back().entry;
  }
  fitting.insert(fitting.end(), plain.begin(), plain.end());
  const size_t may_fit = fitting.size() + plain_count;

  const int oldest_age = today_day && snapshot_is_date_ ? *today_day - snapshot_day_ : 0;
  auto write_registry = [&](auto& out) {
    out.BeginObject(7);
    out.Members(registry_head_);  // snapshot_date, studies, criteria_encoded
    out.Key("may_fit");
    out.Unsigned(may_fit);
    out.Key("excluded");
    out.Unsigned(excluded_count);
    // The note prepared at load names the age on the day Load ran; on another day it is written again.
    if (!any_stale) out.Members(not_stale_members_);
    else if (oldest_age == stale_note_age_) out.Members(stale_members_);
    else {
      out.Key("stale");
      out.Bool(true);
      out.Key("stale_note");
      out.String(StaleNote(oldest_age));
    }
    out.EndObject();
  };

  // The trial option names how many studies may fit, and the patient reads it in plain words: in
  // the tree, or left for the writer of the recommendation's text.
  if (options.answer && options.members_text) {
    clinical::Answer& answer = *options.answer;
    answer.has_trial_option_note =
        std::find(answer.option_ids.begin(), answer.option_ids.end(), std::string_view("trial.clinical_trial")) !=
        answer.option_ids.end();
    if (answer.has_trial_option_note) answer.trial_option_note = &option_texts_[may_fit];
    if (may_fit != 0) {
      answer.has_summary_sentence = true;
      answer.summary_sentence = &patient_sentences_[may_fit];
      answer.summary_sentence_counts = patient_counts_[may_fit];
    }
  } else if (auto options_it = recommendation.find("options");
             options_it != recommendation.end() && options_it->is_array()) {
    for (auto& o : *options_it) {
      if (!o.is_object()) continue;
      auto id = o.find("id");
      if (id == o.end() || !id->is_string() || id->get_ref<const std::string&>() != "trial.clinical_trial") continue;
      const std::string& add = option_texts_[may_fit];  // (may_fit <= studies_.size())
      std::string r = o.contains("rationale") && o["rationale"].is_string() ? o["rationale"].get<std::string>() : "";
      o["rationale"] = r.empty() ? add : r + " " + add;
    }
  }
  // The patient reads it in plain words.
  if (auto summary = recommendation.find("patient_summary");
      may_fit != 0 && summary != recommendation.end() && summary->is_object()) {
    Json& ps = *summary;
    if (auto text_it = ps.find("text"); text_it != ps.end() && text_it->is_string()) {
      // The sentence in the summary's language (texts.json keeps the translations under the language code).
      const std::string lang = ps.value("lang", "en");
      const Json& texts = lang != "en" && texts_.contains(lang) && texts_[lang].is_object() ? texts_[lang] : texts_;
      std::string& text = text_it->get_ref<std::string&>();
      const bool english = &texts == &texts_;  // (the sentences prepared at load)
      const std::string sentence = english ? patient_sentences_[may_fit]
                                           : Fill(Counted(texts, "patient_sentence", may_fit),
                                                  {{"n", std::to_string(may_fit)}});
      if (!text.empty()) text += ' ';
      text += sentence;
      // The reading grade is an English measure (null for other languages). Counts of texts
      // joined with one space add up, so the sentence's own counts complete the summary's.
      if (lang == "en") {
        const double grade = options.summary_counts
                                 ? clinical::GradeOf(clinical::TextCounts(*options.summary_counts) +=
                                                     english ? patient_counts_[may_fit] : clinical::CountText(sentence))
                                 : clinical::FleschKincaidGrade(text);
        ps["reading_grade"] = std::round(grade * 10.0) / 10.0;
      }
    }
  }
  if (plain_block) {
    if (options.before_members) options.before_members();
    std::string& text = *options.members_text;
    {
      json::TextOut out(text, true);
      out.Key("trials");
      out.BeginArray();
      WriteFittingItems(out, fitting, pools);
    }  // (its text committed: the prepared piece is appended as it is, without zero-filled room)
    if (!fitting.empty() && !scratch.plain_text.empty()) text += ',';
    text += scratch.plain_text;
    text += ']';
    json::TextOut out(text, true);
    out.Key("trials_registry");
    write_registry(out);
    return;
  }
  if (as_text) {
    if (options.before_members) options.before_members();
    // Members of the recommendation's object, which the caller has open.
    json::TextOut out(*options.members_text, true);
    out.Key("trials");
    WriteFitting(out, fitting, pools);
    out.Key("trials_registry");
    write_registry(out);
    if (include_excluded) {
      out.Key("trials_excluded");
      WriteExcluded(out, excluded, pools);
    }
    return;
  }
  Json fitting_json, reg;
  json::TreeOut fitting_tree(fitting_json);
  WriteFitting(fitting_tree, fitting, pools);
  json::TreeOut registry_tree(reg);
  write_registry(registry_tree);
  Set(recommendation, "trials", std::move(fitting_json));
  Set(recommendation, "trials_registry", std::move(reg));
  if (include_excluded) {
    Json excluded_json;
    json::TreeOut excluded_tree(excluded_json);
    WriteExcluded(excluded_tree, excluded, pools);
    Set(recommendation, "trials_excluded", std::move(excluded_json));
  }
}

std::string Registry::ListText(const std::string& today_in) const {
  const std::string today = today_in.empty() ? TodayUtc() : today_in;
  std::ostringstream out;
  if (studies_.empty()) {
    out << "No trial registry loaded (knowledge/trials/registry.json). Import one: zebra trials import FILE\n";
    return out.str();
  }
  out << "Trial registry: " << studies_.size() << " studies, " << encoded_count()
      << " with encoded criteria; oldest snapshot " << snapshot_date_;
  const int age = DaysBetween(snapshot_date_, today).value_or(0);
  if (age > kStaleAfterDays) out << " (STALE: " << age << " days old, over " << kStaleAfterDays << ")";
  out << "\n\n";
  for (const Study& s : studies_) {
    const Json& r = s.record;
    std::string countries;
    for (const auto& c : r.value("countries", Json::array()))
      if (c.is_string()) countries += (countries.empty() ? "" : ", ") + c.get<std::string>();
    out << s.nct_id << "  " << r.value("title", "") << "\n"
        << "    " << (r.contains("phase") && r["phase"].is_string() ? r["phase"].get<std::string>() : "phase n/a")
        << " | " << Str(r, "status") << " | " << (countries.empty() ? "countries not listed" : countries)
        << " | snapshot " << s.snapshot_date << " | "
        << (s.encoded ? std::to_string(s.criteria.size()) + " criteria encoded, " + std::to_string(s.to_check.size()) +
                            " to check"
                      : std::string("criteria not yet encoded"))
        << "\n";
  }
  return out.str();
}

// ---- import ------------------------------------------------------------------------------------

tl::expected<ImportResult, Errors> ReadApiV2(std::string_view text, const std::string& snapshot_date) {
  auto doc = json::ParseStrict(text);
  if (!doc) return tl::unexpected(Errors{{doc.error().path, doc.error().message}});
  Errors errors;
  if (!doc->is_object() || !doc->contains("studies") || !(*doc)["studies"].is_array())
    return tl::unexpected(Errors{{"studies", "a ClinicalTrials.gov API v2 export needs a list \"studies\""}});
  ImportResult result;
  std::set<std::string> seen;
  const Json& studies = (*doc)["studies"];
  for (size_t i = 0; i < studies.size(); ++i) {
    const std::string base = "studies[" + std::to_string(i) + "]";
    ++result.read;
    const Json& st = studies[i];
    if (!st.is_object() || !st.contains("protocolSection") || !st["protocolSection"].is_object()) {
      errors.push_back({base + ".protocolSection", "an object is required"});
      continue;
    }
    const Json& ps = st["protocolSection"];
    const std::string ps_path = base + ".protocolSection";
    // The member `key` of `obj` (at `path`) when `is` holds for it; absent: `absent`. An error
    // when it is of another type, or absent and required.
    auto member = [&](const Json& obj, const std::string& path, const char* key, bool required,
                      bool (Json::*is)() const noexcept, const char* must, const Json* absent) -> const Json* {
      auto it = obj.find(key);
      if (it == obj.end()) {
        if (required) errors.push_back({path + "." + key, "is required"});
        return required ? nullptr : absent;
      }
      if (!((*it).*is)()) {
        errors.push_back({path + "." + key, must});
        return nullptr;
      }
      return &*it;
    };
    // A module: absent is empty; present must be an object.
    auto module = [&](const char* name, bool required) -> const Json* {
      static const Json empty = Json::object();
      return member(ps, ps_path, name, required, &Json::is_object, "must be an object", &empty);
    };
    auto string_at = [&](const Json* m, const char* mod, const char* key, bool required) -> std::string {
      const Json* v = m ? member(*m, ps_path + "." + mod, key, required, &Json::is_string, "must be a string", nullptr)
                        : nullptr;
      return v ? v->get<std::string>() : std::string();
    };
    auto strings_at = [&](const Json* m, const char* mod, const char* key) -> std::vector<std::string> {
      std::vector<std::string> out;
      if (!m || !m->contains(key)) return out;
      const Json& a = (*m)[key];
      if (!a.is_array()) {
        errors.push_back({ps_path + "." + mod + "." + key, "must be a list of strings"});
        return out;
      }
      for (size_t k = 0; k < a.size(); ++k) {
        if (!a[k].is_string()) errors.push_back({ps_path + "." + mod + "." + key + "[" + std::to_string(k) + "]", "must be a string"});
        else out.push_back(a[k].get<std::string>());
      }
      return out;
    };
    const size_t before = errors.size();
    const Json* id = module("identificationModule", true);
    const Json* status = module("statusModule", true);
    const Json* cond = module("conditionsModule", false);
    const Json* design = module("designModule", false);
    const Json* arms = module("armsInterventionsModule", false);
    const Json* elig = module("eligibilityModule", false);
    const Json* locs = module("contactsLocationsModule", false);
    std::string nct = string_at(id, "identificationModule", "nctId", true);
    if (!nct.empty() && !IsNctId(nct))
      errors.push_back({ps_path + ".identificationModule.nctId", "must be NCT and 8 digits"});
    else if (!nct.empty() && !seen.insert(nct).second)
      errors.push_back({ps_path + ".identificationModule.nctId", nct + " appears twice in the file"});
    std::string title = string_at(id, "identificationModule", "briefTitle", true);
    std::string official = string_at(id, "identificationModule", "officialTitle", false);
    std::string acronym = string_at(id, "identificationModule", "acronym", false);
    std::string overall = string_at(status, "statusModule", "overallStatus", true);
    std::string verified = string_at(status, "statusModule", "statusVerifiedDate", false);
    auto conditions = strings_at(cond, "conditionsModule", "conditions");
    auto keywords = strings_at(cond, "conditionsModule", "keywords");
    auto phases = strings_at(design, "designModule", "phases");
    // Each item of the list `key` of a module (absent: none), with its path; not a list: an error.
    auto each_item = [&](const Json* m, const char* mod, const char* key, auto&& fn) {
      if (!m || !m->contains(key)) return;
      const Json& a = (*m)[key];
      const std::string path = ps_path + "." + mod + "." + key;
      if (!a.is_array()) {
        errors.push_back({path, "must be a list"});
        return;
      }
      for (size_t k = 0; k < a.size(); ++k) fn(a[k], path + "[" + std::to_string(k) + "]");
    };
    std::vector<std::string> interventions;
    each_item(arms, "armsInterventionsModule", "interventions", [&](const Json& x, const std::string& at) {
      if (!x.is_object() || !x.contains("name") || !x["name"].is_string())
        errors.push_back({at + ".name", "a string is required"});
      else interventions.push_back(x["name"].get<std::string>());
    });
    std::string criteria_text = string_at(elig, "eligibilityModule", "eligibilityCriteria", false);
    std::string sex = string_at(elig, "eligibilityModule", "sex", false);
    std::string min_age = string_at(elig, "eligibilityModule", "minimumAge", false);
    std::string max_age = string_at(elig, "eligibilityModule", "maximumAge", false);
    std::set<std::string> countries;
    each_item(locs, "contactsLocationsModule", "locations", [&](const Json& x, const std::string& at) {
      if (!x.is_object()) errors.push_back({at, "must be an object"});
      else if (x.contains("country") && !x["country"].is_string()) errors.push_back({at + ".country", "must be a string"});
      else if (x.contains("country")) countries.insert(x["country"].get<std::string>());
    });
    if (errors.size() != before) continue;

    std::string hay = Lower(title + " " + official);
    for (const auto& c : conditions) hay += " " + Lower(c);
    for (const auto& k : keywords) hay += " " + Lower(k);
    bool net = false;
    for (const char* needle : {"neuroendocrine", "carcinoid", "islet cell", "insulinoma", "gastrinoma", "vipoma",
                               "glucagonoma", "somatostatinoma", "gep-net", "gepnet", "pnet", "neuroendokrin"})
      net = net || hay.find(needle) != std::string::npos;
    if (!net) {
      ++result.skipped;
      continue;
    }
    std::string phase;
    for (const auto& p : phases) {
      std::string name = p == "EARLY_PHASE1" ? "Early phase 1"
                         : p == "NA"         ? "Not applicable"
                         : p.rfind("PHASE", 0) == 0 ? "Phase " + p.substr(5)
                                                    : p;
      phase += (phase.empty() ? "" : "/") + name;
    }
    Json e = Json::object();
    e["nct_id"] = nct;
    e["title"] = title;
    if (!acronym.empty()) e["acronym"] = acronym;
    e["phase"] = phase.empty() ? Json() : Json(phase);
    e["status"] = Lower(overall);
    e["status_verified"] = verified.empty() ? Json() : Json(verified);
    e["countries"] = Json(std::vector<std::string>(countries.begin(), countries.end()));
    e["conditions"] = conditions;
    e["interventions"] = interventions;
    e["url"] = "https://clinicaltrials.gov/study/" + nct;
    e["source"] = "ClinicalTrials.gov API v2 export, imported " + snapshot_date;
    e["snapshot_date"] = snapshot_date;
    Json el = Json::object();
    el["sex"] = sex.empty() ? Json() : Json(sex);
    el["minimum_age"] = min_age.empty() ? Json() : Json(min_age);
    el["maximum_age"] = max_age.empty() ? Json() : Json(max_age);
    el["criteria_text"] = criteria_text;
    e["eligibility"] = std::move(el);
    result.studies.push_back(std::move(e));
  }
  if (!errors.empty()) return tl::unexpected(std::move(errors));
  return result;
}

tl::expected<ImportReport, Errors> Import(const fs::path& knowledge_dir, std::string_view text,
                                          const std::string& snapshot_date) {
  if (!IsDate(snapshot_date)) return tl::unexpected(Errors{{"--snapshot-date", "must be a date (YYYY-MM-DD)"}});
  auto read = ReadApiV2(text, snapshot_date);
  if (!read) return tl::unexpected(std::move(read.error()));
  ImportReport report;
  report.read = read->read;
  report.skipped = read->skipped;
  report.kept = static_cast<int>(read->studies.size());
  const fs::path dir = knowledge_dir / "trials";
  report.file = dir / "registry.json";
  Json registry = Json::object();
  registry["schema"] = "zebra.trials/v1";
  registry["studies"] = Json::array();
  std::error_code ec;
  if (fs::exists(report.file, ec)) {
    auto existing_text = common::ReadFile(report.file);
    if (!existing_text) return tl::unexpected(Errors{{report.file.string(), "cannot read"}});
    auto existing = json::ParseStrict(*existing_text);
    if (!existing || !existing->is_object() || !existing->contains("studies") || !(*existing)["studies"].is_array())
      return tl::unexpected(Errors{{report.file.string(), "the loaded registry is not valid; fix or remove it first"}});
    registry = std::move(*existing);
  }
  Json& list = registry["studies"];
  for (auto& s : read->studies) {
    auto it = std::find_if(list.begin(), list.end(), [&](const Json& x) { return x.value("nct_id", "") == s["nct_id"]; });
    if (it != list.end()) {
      // Keep what a curator recorded beside the registry fields (e.g. where the status was checked).
      for (const auto& [k, v] : it->items())
        if (!s.contains(k)) s[k] = v;
      *it = std::move(s);
      ++report.updated;
    } else {
      list.push_back(std::move(s));
      ++report.added;
    }
  }
  fs::create_directories(dir, ec);
  if (ec) return tl::unexpected(Errors{{dir.string(), "cannot create: " + ec.message()}});
  const fs::path tmp = dir / (".registry.json.tmp-" + std::to_string(::getpid()));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << registry.dump(2) << "\n";
    out.flush();
    if (!out) {
      fs::remove(tmp, ec);
      return tl::unexpected(Errors{{tmp.string(), "cannot write"}});
    }
  }
  fs::rename(tmp, report.file, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return tl::unexpected(Errors{{report.file.string(), "cannot replace: " + ec.message()}});
  }
  return report;
}

}  // namespace zebra::trials
