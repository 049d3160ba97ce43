#include "api/meetings.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>
#include <set>

#include <fmt/format.h>

#include "api/api.h"  // ParseBody, ParseStored
#include "common/text.h"

namespace zebra::api::board {
namespace {

constexpr std::size_t kMaxText = 20000;       // notes, reason (bytes)
constexpr std::size_t kMaxName = 200;         // names, roles, board, presenter
constexpr std::size_t kMaxQuestion = 2000;
constexpr std::size_t kMaxListItems = 100;    // attendees, agenda entries
constexpr std::size_t kMaxWorkupItems = 50;
constexpr std::size_t kMaxWorkupText = 1000;
constexpr const char* kNotice = "Zebra supports the care team's decision; it does not replace clinical judgement.";

// ---- answers ---------------------------------------------------------------------------------------

Json ProblemBody(int status, std::string_view type, std::string_view title, std::string_view detail,
                 const Json& errors = Json()) {
  Json p = Json::object();
  p["type"] = "urn:zebra:problem:" + std::string(type);
  p["title"] = title;
  p["status"] = status;
  p["detail"] = detail;
  if (!errors.is_null()) p["errors"] = errors;
  return p;
}

Reply Problem(int status, std::string_view type, std::string_view title, std::string_view detail,
              const Json& errors = Json()) {
  Reply r;
  r.status = status;
  r.json = ProblemBody(status, type, title, detail, errors);
  return r;
}

Reply StoreFailed(const std::string& error) {
  Reply r;
  r.status = 500;
  r.store_error = error;
  return r;
}

Reply Ok(int status, Json body) {
  Reply r;
  r.status = status;
  r.json = std::move(body);
  return r;
}

std::string Plural(std::size_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

Reply Invalid(std::string_view type, std::string_view title, const Json& errors) {
  return Problem(400, type, title, Plural(errors.size(), "problem", "problems"), errors);
}

Reply MeetingNotFound(const std::string& id) {
  return Problem(404, "not-found", "Not found", "no meeting with id " + id);
}

struct Errors {
  Json list = Json::array();
  void Add(const std::string& path, const std::string& message) {
    list.push_back({{"path", path}, {"message", message}});
  }
  bool empty() const { return list.empty(); }
};

const Json* Find(const Json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::string StringAt(const Json& object, const char* key) {
  const Json* v = Find(object, key);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

// A string of 1..max bytes, not only spaces.
bool NonBlank(const Json& v, std::size_t max) {
  if (!v.is_string()) return false;
  const std::string& s = v.get_ref<const std::string&>();
  return !s.empty() && s.size() <= max &&
         std::any_of(s.begin(), s.end(), [](char c) { return !std::isspace(static_cast<unsigned char>(c)); });
}

void CheckKeys(const Json& object, std::initializer_list<std::string_view> known, const std::string& at,
               Errors& errors) {
  for (const auto& [key, value] : object.items())
    if (std::find(known.begin(), known.end(), key) == known.end())
      errors.Add(at + "." + key, "is not a known field");
}

// [{role, name}] at `at`; `required`: at least one.
void CheckAttendees(const Json* attendees, const std::string& at, bool required, Errors& errors) {
  if (!attendees) {
    if (required) errors.Add(at, "is required (a non-empty list of {role, name})");
    return;
  }
  if (!attendees->is_array() || (required && attendees->empty())) {
    errors.Add(at, required ? "is required (a non-empty list of {role, name})" : "must be a list of {role, name}");
    return;
  }
  if (attendees->size() > kMaxListItems) {
    errors.Add(at, "has more than 100 entries");
    return;
  }
  for (std::size_t i = 0; i < attendees->size(); ++i) {
    const Json& a = (*attendees)[i];
    const std::string path = fmt::format("{}[{}]", at, i);
    if (!a.is_object()) {
      errors.Add(path, "must be an object {role, name}");
      continue;
    }
    CheckKeys(a, {"role", "name"}, path, errors);
    for (const char* key : {"role", "name"}) {
      const Json* v = Find(a, key);
      if (!v || !NonBlank(*v, kMaxName)) errors.Add(path + "." + key, "is required (1 to 200 characters)");
    }
  }
}

bool ValidDate(const std::string& s) {
  if (!common::HasShape(s, "9999-99-99")) return false;
  const int y = std::stoi(s.substr(0, 4)), mo = std::stoi(s.substr(5, 2)), d = std::stoi(s.substr(8, 2));
  if (mo < 1 || mo > 12 || d < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[mo - 1] + (mo == 2 && leap ? 1 : 0);
}

bool ValidTime(const std::string& s) {
  return common::HasShape(s, "99:99") && s.compare(0, 2, "24") < 0 && s[3] <= '5';
}

// ---- case facts ---------------------------------------------------------------------------------

struct CaseFacts {
  store::CaseSummary listed;
  Json case_doc;        // latest revision's document (null when unreadable)
  Json recommendation;  // latest evaluation's output (null when none)
  std::int64_t evaluation_id = 0;
  int evaluated_revision = 0;
  std::vector<store::Decision> decisions;  // all of the case's, in order
};

// The parts of a recommendation the summaries and readiness read (a recommendation is tens of
// kilobytes; these are about one).
Json SummaryFacts(const Json& recommendation, int case_revision) {
  Json out = Json::object();
  for (const char* key : {"classification", "stage", "scenario", "missing", "workup"})
    if (const Json* v = Find(recommendation, key)) out[key] = *v;
  Json alerts = Json::array();
  if (const Json* a = Find(recommendation, "alerts"); a && a->is_array())
    for (const auto& item : *a) alerts.push_back({{"severity", StringAt(item, "severity")}});
  out["alerts"] = std::move(alerts);
  out["zebra_case_revision"] = case_revision;
  return out;
}

// The latest revision and latest evaluation of a case. Error: the store failed.
tl::expected<CaseFacts, std::string> LoadFacts(const Context& ctx, const store::CaseSummary& listed, bool decisions) {
  store::Store& s = ctx.store;
  CaseFacts f;
  f.listed = listed;
  auto rev = s.GetCase(listed.case_id, std::nullopt);
  if (!rev) return tl::unexpected(rev.error());
  if (*rev) f.case_doc = ParseStored((*rev)->case_json);
  if (listed.last_evaluation_id) {
    const std::int64_t id = *listed.last_evaluation_id;
    std::optional<Json> facts = ctx.cache ? ctx.cache->Get(id) : std::nullopt;
    if (!facts) {
      auto e = s.GetEvaluation(id);
      if (!e) return tl::unexpected(e.error());
      if (*e) {
        facts = SummaryFacts(ParseStored((*e)->output_json), (*e)->case_revision);
        if (ctx.cache) ctx.cache->Put(id, *facts);
      }
    }
    if (facts) {
      f.evaluated_revision = (*facts)["zebra_case_revision"].get<int>();
      f.recommendation = std::move(*facts);
      f.evaluation_id = id;
    }
  }
  if (decisions) {
    auto d = s.ListDecisions(listed.case_id);
    if (!d) return tl::unexpected(d.error());
    f.decisions = std::move(*d);
  }
  return f;
}

// The latest evaluation's output of one case (null when none). Error: the store failed.
tl::expected<Json, std::string> LatestRecommendation(store::Store& s, const std::string& case_id) {
  auto list = s.ListEvaluations(case_id);
  if (!list) return tl::unexpected(list.error());
  if (list->empty()) return Json();
  return ParseStored(list->back().output_json);
}

std::set<std::string> RecommendedOptions(const Json& recommendation) {
  std::set<std::string> ids;
  if (const Json* options = Find(recommendation, "options"); options && options->is_array())
    for (const auto& o : *options) ids.insert(StringAt(o, "id"));
  ids.erase("");
  return ids;
}

std::string OptionTitle(const Json& catalogue, const std::string& id) {
  if (const Json* options = Find(catalogue, "options"))
    if (const Json* o = Find(*options, id.c_str())) {
      std::string title = StringAt(*o, "title");
      if (!title.empty()) return title;
    }
  return id;
}

bool HasOption(const Json& catalogue, const std::string& id) {
  const Json* options = Find(catalogue, "options");
  return options && Find(*options, id.c_str()) != nullptr;
}

// ---- decisions -----------------------------------------------------------------------------------

// id → the decision that amends it.
std::map<std::int64_t, std::int64_t> AmendedBy(const std::vector<store::Decision>& decisions) {
  std::map<std::int64_t, std::int64_t> out;
  for (const auto& d : decisions)
    if (d.amends) out[*d.amends] = d.id;
  return out;
}

Json DecisionRecord(const store::Decision& d, const std::map<std::int64_t, std::int64_t>& amended_by) {
  Json decision = ParseStored(d.decision_json);
  Json j = Json::object();
  j["id"] = d.id;
  j["case_revision"] = d.case_revision;
  j["created_at"] = d.created_at;
  j["created_by"] = d.created_by;
  j["decision"] = decision;
  j["meeting_id"] = d.meeting_id.empty() ? Json() : Json(d.meeting_id);
  j["amends"] = d.amends ? Json(*d.amends) : Json();
  auto it = amended_by.find(d.id);
  j["amended_by"] = it == amended_by.end() ? Json() : Json(it->second);
  if (const Json* r = Find(decision, "recommended"); r && r->is_boolean()) j["recommended"] = *r;
  return j;
}

// ---- meetings ------------------------------------------------------------------------------------


// The enriched meeting (Meeting in the OpenAPI). Error: the store failed.
tl::expected<Json, std::string> MeetingBody(const Context& ctx, const store::MeetingRevision& m) {
  Json doc = ParseStored(m.meeting_json);
  auto listed = ctx.store.ListCases();
  if (!listed) return tl::unexpected(listed.error());
  std::map<std::string, store::CaseSummary> by_id;
  for (auto& s : *listed) by_id.emplace(s.case_id, std::move(s));
  auto decided = ctx.store.ListMeetingDecisions(m.meeting_id);
  if (!decided) return tl::unexpected(decided.error());
  std::map<std::string, std::vector<store::Decision>> by_case;
  for (auto& d : *decided) by_case[d.case_id].push_back(std::move(d));

  Json out = RevisionHeader(m.meeting_id, m.revision, m.created_at, m.created_by);
  out["date"] = m.date;
  out["time"] = m.time.empty() ? Json() : Json(m.time);
  out["board"] = m.board;
  out["attendees"] = doc.value("attendees", Json::array());
  Json agenda = Json::array();
  int decided_count = 0, deferred_count = 0, ready_count = 0;
  const Json items = doc.value("agenda", Json::array());
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Json& item = items[i];
    const std::string case_id = StringAt(item, "case_id");
    Json entry = Json::object();
    entry["position"] = i + 1;
    entry["case_id"] = case_id;
    entry["presenter"] = StringAt(item, "presenter");
    entry["question"] = StringAt(item, "question");
    entry["case"] = Json();
    if (auto it = by_id.find(case_id); it != by_id.end()) {
      auto facts = LoadFacts(ctx, it->second, false);
      if (!facts) return tl::unexpected(facts.error());
      Json c = Json::object();
      c["label"] = it->second.label;
      c["revision"] = it->second.latest_revision;
      c["updated_at"] = it->second.updated_at;
      c["summary"] = CaseOneLine(facts->case_doc, facts->recommendation);
      c["readiness"] = Readiness(facts->recommendation, facts->evaluation_id, facts->evaluated_revision);
      if (c["readiness"].is_object() && c["readiness"]["ready"].get<bool>()) ++ready_count;
      entry["case"] = std::move(c);
    }
    Json status = DecisionStatus(by_case[case_id]);
    if (status["status"] == "decided") ++decided_count;
    if (status["status"] == "deferred") ++deferred_count;
    entry["decision"] = std::move(status);
    agenda.push_back(std::move(entry));
  }
  out["agenda"] = std::move(agenda);
  out["counts"] = {{"cases", items.size()},
                   {"decided", decided_count + deferred_count},
                   {"deferred", deferred_count},
                   {"ready", ready_count}};
  return out;
}

std::optional<int> PositiveInt(const std::string& text) {
  if (text.empty() || text.size() > 9 || text[0] == '0' ||
      !std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); }))
    return std::nullopt;
  return std::stoi(text);
}

// ---- minutes -------------------------------------------------------------------------------------

std::string Escape(std::string_view s) { return common::EscapeHtml(s); }

std::string LongDate(const std::string& date) {
  static const char* kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                                  "July",    "August",   "September", "October", "November", "December"};
  if (!ValidDate(date)) return date;
  return fmt::format("{} {} {}", std::stoi(date.substr(8, 2)), kMonths[std::stoi(date.substr(5, 2)) - 1],
                     date.substr(0, 4));
}

std::string AttendeeList(const Json& attendees) {
  if (!attendees.is_array() || attendees.empty()) return "<p class=\"none\">None recorded.</p>\n";
  std::string out = "<ul class=\"attendees\">\n";
  for (const auto& a : attendees)
    out += fmt::format("<li>{} <span class=\"role\">({})</span></li>\n", Escape(StringAt(a, "name")),
                       Escape(StringAt(a, "role")));
  return out + "</ul>\n";
}

constexpr const char* kMinutesStyle = R"(
body { font: 11pt/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #111; margin: 2rem auto; max-width: 50rem; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .4rem; }
.meta { color: #333; margin: 0 0 1rem; }
.case { border-top: 1px solid #999; padding-top: .6rem; margin-top: 1rem; break-inside: avoid; page-break-inside: avoid; }
dl { display: grid; grid-template-columns: 11rem 1fr; gap: .2rem .8rem; margin: .4rem 0; }
dt { font-weight: 600; }
dd { margin: 0; white-space: pre-wrap; }
.role, .none, .small { color: #444; }
.outcome { font-weight: 600; }
.notice { border: 1px solid #555; padding: .6rem .8rem; margin-top: 2rem; }
@media print { body { margin: 0; max-width: none; } a { color: inherit; text-decoration: none; } }
)";

}  // namespace

std::optional<Json> FactsCache::Get(std::int64_t evaluation_id) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(evaluation_id);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

void FactsCache::Put(std::int64_t evaluation_id, Json facts) {
  std::lock_guard lock(mutex_);
  if (entries_.size() >= kMaxEntries) entries_.clear();
  entries_[evaluation_id] = std::move(facts);
}

// ---- pure pieces ---------------------------------------------------------------------------------

Json CaseOneLine(const Json& case_doc, const Json& recommendation) {
  Json out = Json::object();
  std::string site;
  if (const Json* tumor = Find(case_doc, "tumor")) site = StringAt(*tumor, "primary_site");
  std::string category, grade, stage, tnm;
  if (const Json* c = Find(recommendation, "classification")) {
    category = StringAt(*c, "category");
    grade = StringAt(*c, "grade");
  }
  if (const Json* s = Find(recommendation, "stage"); s && s->is_object()) {
    stage = StringAt(*s, "group");
    auto part = [&](const char* key) {
      std::string v = StringAt(*s, key);
      return v.empty() ? std::string(1, static_cast<char>(std::toupper(key[0]))) + "X" : v;
    };
    tnm = part("t") + " " + part("n") + " " + part("m");
  }
  Json scenario;
  if (const Json* sc = Find(recommendation, "scenario"); sc && sc->is_object() && !StringAt(*sc, "id").empty())
    scenario = {{"id", StringAt(*sc, "id")}, {"title", StringAt(*sc, "title")}};
  auto or_null = [](const std::string& s) { return s.empty() ? Json() : Json(s); };
  out["site"] = or_null(site);
  out["category"] = or_null(category);
  out["grade"] = or_null(grade);
  out["stage"] = or_null(stage);
  out["tnm"] = or_null(tnm);
  out["scenario"] = scenario;
  std::vector<std::string> parts;
  if (!site.empty()) {
    std::string shown = site;
    std::replace(shown.begin(), shown.end(), '_', ' ');
    parts.push_back(shown);
  }
  if (!grade.empty()) parts.push_back(grade);
  else if (!category.empty()) {
    std::string shown = category;
    for (auto& ch : shown) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    parts.push_back(shown);
  }
  if (!stage.empty()) parts.push_back("stage " + stage);
  if (scenario.is_object() && !scenario["title"].get<std::string>().empty())
    parts.push_back(scenario["title"].get<std::string>());
  std::string text;
  for (const auto& p : parts) text += (text.empty() ? "" : " \u00b7 ") + p;
  out["text"] = text.empty() ? std::string("not evaluated") : text;
  return out;
}

Json Readiness(const Json& recommendation, std::int64_t evaluation_id, int case_revision) {
  if (!recommendation.is_object()) return Json();
  Json missing = Json::array();
  if (const Json* m = Find(recommendation, "missing"); m && m->is_array())
    for (const auto& item : *m) missing.push_back({{"field", StringAt(item, "field")}, {"blocks", StringAt(item, "blocks")}});
  Json workup = Json::array();
  if (const Json* w = Find(recommendation, "workup"); w && w->is_array())
    for (const auto& item : *w) workup.push_back({{"id", StringAt(item, "id")}, {"text", StringAt(item, "text")}});
  int critical = 0;
  if (const Json* a = Find(recommendation, "alerts"); a && a->is_array())
    for (const auto& item : *a)
      if (StringAt(item, "severity") == "critical") ++critical;
  Json out = Json::object();
  out["ready"] = missing.empty();
  out["missing_count"] = missing.size();
  out["missing"] = std::move(missing);
  out["workup_pending_count"] = workup.size();
  out["workup_pending"] = std::move(workup);
  out["critical_alerts"] = critical;
  out["evaluation_id"] = evaluation_id;
  out["case_revision"] = case_revision;
  return out;
}

Json DecisionStatus(const std::vector<store::Decision>& decisions) {
  const auto amended_by = AmendedBy(decisions);
  const store::Decision* effective = nullptr;
  for (const auto& d : decisions)
    if (!amended_by.count(d.id) && (!effective || d.id > effective->id)) effective = &d;
  Json out = Json::object();
  if (!effective) {
    out["status"] = "undecided";
    out["decision_id"] = Json();
    out["option_id"] = Json();
    out["meeting_id"] = Json();
    out["at"] = Json();
    out["amended"] = false;
    return out;
  }
  const Json decision = ParseStored(effective->decision_json);
  const bool deferred = StringAt(decision, "outcome") == "defer_workup";
  const std::string option = StringAt(decision, "option_id");
  out["status"] = deferred ? "deferred" : "decided";
  out["decision_id"] = effective->id;
  out["option_id"] = option.empty() ? Json() : Json(option);
  out["meeting_id"] = effective->meeting_id.empty() ? Json() : Json(effective->meeting_id);
  out["at"] = effective->created_at;
  out["amended"] = effective->amends.has_value();
  return out;
}

MeetingCheck CheckMeeting(const std::string& body, bool put,
                          const std::function<std::optional<bool>(const std::string&)>& case_exists) {
  MeetingCheck out;
  Errors errors;
  auto parsed = ParseBody(body);
  if (!parsed || !parsed->is_object()) {
    errors.Add("$", "must be a JSON object {date, time, board, attendees, agenda}");
    out.errors = std::move(errors.list);
    return out;
  }
  const Json& b = *parsed;
  CheckKeys(b, {"revision", "date", "time", "board", "attendees", "agenda"}, "$", errors);
  const Json* revision = Find(b, "revision");
  if (put) {
    if (!revision || !revision->is_number_integer() || revision->get<std::int64_t>() < 1 ||
        revision->get<std::int64_t>() > 1000000000)
      errors.Add("$.revision", "is required: the revision this edit is based on (a positive integer)");
    else
      out.based_on = revision->get<int>();
  } else if (revision) {
    errors.Add("$.revision", "is only sent with PUT (the revision edited); a new meeting starts at revision 1");
  }
  Json doc = Json::object();
  const Json* date = Find(b, "date");
  if (!date || !date->is_string() || !ValidDate(date->get<std::string>()))
    errors.Add("$.date", "is required: a date YYYY-MM-DD");
  else
    doc["date"] = *date;
  const Json* time = Find(b, "time");
  if (time && !time->is_null()) {
    if (!time->is_string() || !ValidTime(time->get<std::string>()))
      errors.Add("$.time", "must be a time HH:MM (24-hour) or absent");
    else
      doc["time"] = *time;
  }
  const Json* board = Find(b, "board");
  if (!board || !NonBlank(*board, kMaxName))
    errors.Add("$.board", "is required (1 to 200 characters, e.g. \"GEP-NET board\")");
  else
    doc["board"] = *board;
  const Json* attendees = Find(b, "attendees");
  CheckAttendees(attendees, "$.attendees", false, errors);
  doc["attendees"] = attendees && attendees->is_array() ? *attendees : Json::array();

  Json agenda = Json::array();
  const Json* items = Find(b, "agenda");
  if (items && !items->is_array()) {
    errors.Add("$.agenda", "must be a list of {case_id, presenter, question}");
  } else if (items && items->size() > kMaxListItems) {
    errors.Add("$.agenda", "has more than 100 entries");
  } else if (items) {
    std::map<std::string, std::size_t> seen;
    for (std::size_t i = 0; i < items->size(); ++i) {
      const Json& item = (*items)[i];
      const std::string at = fmt::format("$.agenda[{}]", i);
      if (!item.is_object()) {
        errors.Add(at, "must be an object {case_id, presenter, question}");
        continue;
      }
      CheckKeys(item, {"case_id", "presenter", "question"}, at, errors);
      const Json* case_id = Find(item, "case_id");
      if (!case_id || !case_id->is_string() || case_id->get<std::string>().empty()) {
        errors.Add(at + ".case_id", "is required (the id of a stored case)");
      } else {
        const std::string id = case_id->get<std::string>();
        std::optional<bool> exists = id.size() <= 128 ? case_exists(id) : std::optional<bool>(false);
        if (!exists) {
          out.store_error = "case lookup failed";
          return out;
        }
        if (!*exists) {
          errors.Add(at + ".case_id", "is not the id of a stored case");
        } else if (auto [it, fresh] = seen.emplace(id, i); !fresh) {
          errors.Add(at + ".case_id", fmt::format("is already on the agenda ($.agenda[{}])", it->second));
        }
      }
      const Json* presenter = Find(item, "presenter");
      if (presenter && !(presenter->is_string() && presenter->get<std::string>().size() <= kMaxName))
        errors.Add(at + ".presenter", "must be a string of at most 200 characters");
      const Json* question = Find(item, "question");
      if (question && !(question->is_string() && question->get<std::string>().size() <= kMaxQuestion))
        errors.Add(at + ".question", "must be a string of at most 2000 characters");
      Json entry = Json::object();
      entry["case_id"] = case_id && case_id->is_string() ? *case_id : Json("");
      entry["presenter"] = presenter && presenter->is_string() ? *presenter : Json("");
      entry["question"] = question && question->is_string() ? *question : Json("");
      agenda.push_back(std::move(entry));
    }
  }
  doc["agenda"] = std::move(agenda);
  out.errors = std::move(errors.list);
  if (out.errors.empty()) out.document = std::move(doc);
  return out;
}

// ---- meetings ------------------------------------------------------------------------------------

namespace {

store::MeetingRevision FromDocument(const Json& doc) {
  store::MeetingRevision m;
  m.date = doc["date"].get<std::string>();
  m.time = doc.value("time", "");
  m.board = doc["board"].get<std::string>();
  m.meeting_json = doc.dump();
  return m;
}

std::function<std::optional<bool>(const std::string&)> CaseExists(store::Store& s) {
  return [&s](const std::string& id) -> std::optional<bool> {
    auto rev = s.GetCase(id, std::nullopt);
    if (!rev) return std::nullopt;
    return rev->has_value();
  };
}

}  // namespace

Reply ListMeetings(const Context& ctx) {
  auto list = ctx.store.ListMeetings();
  if (!list) return StoreFailed(list.error());
  Json meetings = Json::array();
  for (const auto& m : *list) {
    auto decided = ctx.store.ListMeetingDecisions(m.meeting_id);
    if (!decided) return StoreFailed(decided.error());
    std::map<std::string, std::vector<store::Decision>> by_case;
    for (auto& d : *decided) by_case[d.case_id].push_back(std::move(d));
    const Json doc = ParseStored(m.meeting_json);
    const Json agenda = doc.value("agenda", Json::array());
    int decided_count = 0;
    for (const auto& item : agenda)
      if (DecisionStatus(by_case[StringAt(item, "case_id")])["status"] != "undecided") ++decided_count;
    Json j = Json::object();
    j["id"] = m.meeting_id;
    j["revision"] = m.revision;
    j["date"] = m.date;
    j["time"] = m.time.empty() ? Json() : Json(m.time);
    j["board"] = m.board;
    j["updated_at"] = m.created_at;
    j["updated_by"] = m.created_by;
    j["attendees"] = doc.value("attendees", Json::array()).size();
    j["cases"] = agenda.size();
    j["decided"] = decided_count;
    meetings.push_back(std::move(j));
  }
  Reply r = Ok(200, Json{{"meetings", meetings}});
  r.audit.push_back({"meeting.list", "", Plural(list->size(), "meeting", "meetings")});
  return r;
}

Reply CreateMeeting(const Context& ctx, const std::string& body) {
  MeetingCheck check = CheckMeeting(body, false, CaseExists(ctx.store));
  if (!check.store_error.empty()) return StoreFailed(check.store_error);
  if (!check.errors.empty()) return Invalid("invalid-meeting", "Invalid meeting", check.errors);
  auto created = ctx.store.CreateMeeting(FromDocument(check.document), ctx.actor);
  if (!created) return StoreFailed(created.error());
  auto out = MeetingBody(ctx, *created);
  if (!out) return StoreFailed(out.error());
  Reply r = Ok(201, std::move(*out));
  r.location = "/v1/meetings/" + created->meeting_id;
  return r;
}

Reply GetMeeting(const Context& ctx, const std::string& id, const std::optional<std::string>& revision_text) {
  std::optional<int> revision;
  if (revision_text) {
    revision = PositiveInt(*revision_text);
    if (!revision)
      return Problem(400, "invalid-parameter", "Invalid parameter", "revision must be a positive integer",
                     Json::array({Json{{"path", "revision"}, {"message", "must be a positive integer"}}}));
  }
  auto m = ctx.store.GetMeeting(id, revision);
  if (!m) return StoreFailed(m.error());
  if (!*m) {
    if (!revision) return MeetingNotFound(id);
    return Problem(404, "not-found", "Not found", fmt::format("meeting {} has no revision {}", id, *revision));
  }
  auto out = MeetingBody(ctx, **m);
  if (!out) return StoreFailed(out.error());
  Reply r = Ok(200, std::move(*out));
  r.audit.push_back({"meeting.read", "", fmt::format("meeting {} revision {}", id, (*m)->revision)});
  return r;
}

Reply UpdateMeeting(const Context& ctx, const std::string& id, const std::string& body) {
  auto existing = ctx.store.GetMeeting(id, std::nullopt);
  if (!existing) return StoreFailed(existing.error());
  if (!*existing) return MeetingNotFound(id);
  MeetingCheck check = CheckMeeting(body, true, CaseExists(ctx.store));
  if (!check.store_error.empty()) return StoreFailed(check.store_error);
  if (!check.errors.empty()) return Invalid("invalid-meeting", "Invalid meeting", check.errors);
  auto updated = ctx.store.UpdateMeeting(id, check.based_on, FromDocument(check.document), ctx.actor);
  if (!updated) return StoreFailed(updated.error());
  switch (updated->status) {
    case store::MeetingUpdate::Status::kNotFound: return MeetingNotFound(id);
    case store::MeetingUpdate::Status::kStale: {
      Reply r = Problem(409, "stale-revision", "Meeting changed meanwhile",
                        fmt::format("this edit is based on revision {}, but the meeting is at revision {} (by {} at "
                                    "{}); reload it and apply the change again",
                                    check.based_on, updated->revision.revision, updated->revision.created_by,
                                    updated->revision.created_at),
                        Json::array({Json{{"path", "$.revision"},
                                          {"message", fmt::format("is stale: the latest revision is {}",
                                                                  updated->revision.revision)}}}));
      r.json["current_revision"] = updated->revision.revision;
      return r;
    }
    case store::MeetingUpdate::Status::kWritten: break;
  }
  auto out = MeetingBody(ctx, updated->revision);
  if (!out) return StoreFailed(out.error());
  return Ok(200, std::move(*out));
}

Reply ListMeetingRevisions(const Context& ctx, const std::string& id) {
  auto list = ctx.store.ListMeetingRevisions(id);
  if (!list) return StoreFailed(list.error());
  if (list->empty()) return MeetingNotFound(id);
  Json revisions = Json::array();
  for (const auto& m : *list)
    revisions.push_back({{"revision", m.revision}, {"created_at", m.created_at}, {"created_by", m.created_by}});
  Reply r = Ok(200, Json{{"revisions", revisions}});
  r.audit.push_back({"meeting.revisions.read", "", fmt::format("meeting {}: {}", id,
                                                               Plural(list->size(), "revision", "revisions"))});
  return r;
}

Reply Minutes(const Context& ctx, const std::string& id) {
  auto found = ctx.store.GetMeeting(id, std::nullopt);
  if (!found) return StoreFailed(found.error());
  if (!*found) return MeetingNotFound(id);
  auto body = MeetingBody(ctx, **found);
  if (!body) return StoreFailed(body.error());
  const Json& m = *body;
  auto decided = ctx.store.ListMeetingDecisions(id);
  if (!decided) return StoreFailed(decided.error());
  std::map<std::int64_t, const store::Decision*> by_id;
  for (const auto& d : *decided) by_id[d.id] = &d;

  const std::string when = LongDate(m["date"].get<std::string>()) +
                           (m["time"].is_string() ? ", " + m["time"].get<std::string>() : std::string());
  std::string h = "<!doctype html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += fmt::format("<title>Minutes: {}, {}</title>\n", Escape(m["board"].get<std::string>()), Escape(when));
  h += fmt::format("<style>{}</style>\n</head>\n<body>\n<main>\n", kMinutesStyle);
  h += fmt::format("<h1>Minutes of the {}</h1>\n", Escape(m["board"].get<std::string>()));
  h += fmt::format("<p class=\"meta\">{} &middot; meeting {} revision {} &middot; {}</p>\n", Escape(when),
                   Escape(id), m["revision"].get<int>(),
                   Plural(m["agenda"].size(), "case", "cases"));
  h += "<h2>Attendees</h2>\n" + AttendeeList(m["attendees"]);
  h += "<h2>Cases</h2>\n";
  if (m["agenda"].empty()) h += "<p class=\"none\">No cases on the agenda.</p>\n";
  for (const auto& item : m["agenda"]) {
    const Json& c = item["case"];
    const std::string label = c.is_object() && !c["label"].get<std::string>().empty()
                                  ? c["label"].get<std::string>()
                                  : item["case_id"].get<std::string>();
    h += "<section class=\"case\">\n";
    h += fmt::format("<h3>{}. {}</h3>\n", item["position"].get<int>(), Escape(label));
    h += "<dl>\n";
    if (c.is_object()) h += fmt::format("<dt>Summary</dt><dd>{}</dd>\n", Escape(c["summary"]["text"].get<std::string>()));
    if (!item["presenter"].get<std::string>().empty())
      h += fmt::format("<dt>Presented by</dt><dd>{}</dd>\n", Escape(item["presenter"].get<std::string>()));
    if (!item["question"].get<std::string>().empty())
      h += fmt::format("<dt>Question to the board</dt><dd>{}</dd>\n", Escape(item["question"].get<std::string>()));
    const Json& status = item["decision"];
    const store::Decision* d = nullptr;
    if (status["decision_id"].is_number_integer()) {
      auto it = by_id.find(status["decision_id"].get<std::int64_t>());
      if (it != by_id.end()) d = it->second;
    }
    if (!d) {
      h += "<dt>Outcome</dt><dd class=\"outcome\">No decision recorded in this meeting.</dd>\n";
    } else {
      const Json decision = ParseStored(d->decision_json);
      if (StringAt(decision, "outcome") == "defer_workup") {
        h += "<dt>Outcome</dt><dd class=\"outcome\">Deferred for work-up</dd>\n";
        std::string requested;
        if (const Json* w = Find(decision, "workup_requested"); w && w->is_array())
          for (const auto& x : *w) requested += "<li>" + Escape(x.is_string() ? x.get<std::string>() : "") + "</li>";
        h += fmt::format("<dt>Work-up requested</dt><dd><ul>{}</ul></dd>\n", requested);
      } else {
        const std::string option = StringAt(decision, "option_id");
        h += fmt::format("<dt>Decision</dt><dd class=\"outcome\">{}</dd>\n", Escape(OptionTitle(ctx.catalogue, option)));
        if (const Json* rec = Find(decision, "recommended"); rec && rec->is_boolean() && !rec->get<bool>())
          h += "<dt>Recommended</dt><dd>No: the option was not among the recommended options</dd>\n";
      }
      if (std::string reason = StringAt(decision, "reason"); !reason.empty())
        h += fmt::format("<dt>Reason</dt><dd>{}</dd>\n", Escape(reason));
      if (std::string notes = StringAt(decision, "notes"); !notes.empty())
        h += fmt::format("<dt>Notes</dt><dd>{}</dd>\n", Escape(notes));
      if (d->amends) h += fmt::format("<dt>Amendment</dt><dd>amends decision {}</dd>\n", *d->amends);
      h += fmt::format("<dt>Recorded</dt><dd>by {} at {} (decision {}, case revision {})</dd>\n",
                       Escape(d->created_by), Escape(d->created_at), d->id, d->case_revision);
      const Json attendees = decision.value("attendees", Json::array());
      if (attendees != m["attendees"]) {
        std::string names;
        for (const auto& a : attendees)
          names += (names.empty() ? "" : "; ") + Escape(StringAt(a, "name")) + " (" + Escape(StringAt(a, "role")) + ")";
        h += fmt::format("<dt>Attendees for this case</dt><dd>{}</dd>\n", names);
      }
    }
    h += "</dl>\n</section>\n";
  }
  h += fmt::format("<p class=\"notice\">{}</p>\n", Escape(kNotice));
  h += fmt::format("<p class=\"small\">Minutes generated by Zebra from the meeting's revision {} and the "
                   "decisions recorded in it.</p>\n",
                   m["revision"].get<int>());
  h += "</main>\n</body>\n</html>\n";
  Reply r;
  r.status = 200;
  r.html = std::move(h);
  r.audit.push_back({"meeting.minutes.read", "", fmt::format("meeting {} revision {}", id, m["revision"].get<int>())});
  return r;
}

// ---- decisions -----------------------------------------------------------------------------------

Reply RecordDecision(const Context& ctx, const std::string& case_id, const std::string& body) {
  Errors errors;
  auto parsed = ParseBody(body);
  if (!parsed || !parsed->is_object()) {
    errors.Add("$", "must be a JSON object {outcome, option_id, attendees, notes, reason, meeting_id, amends}");
    return Invalid("invalid-decision", "Invalid decision", errors.list);
  }
  const Json& b = *parsed;
  CheckKeys(b, {"outcome", "option_id", "workup_requested", "attendees", "notes", "reason", "meeting_id", "amends"},
            "$", errors);
  std::string outcome = "option";
  if (const Json* o = Find(b, "outcome")) {
    if (!o->is_string() || (*o != "option" && *o != "defer_workup"))
      errors.Add("$.outcome", "must be \"option\" (an option chosen) or \"defer_workup\" (deferred for work-up)");
    else
      outcome = o->get<std::string>();
  }
  const Json* option = Find(b, "option_id");
  const Json* workup = Find(b, "workup_requested");
  if (outcome == "option") {
    if (!option || !option->is_string())
      errors.Add("$.option_id", "is required (a catalogue option id)");
    else if (!HasOption(ctx.catalogue, option->get<std::string>()))
      errors.Add("$.option_id", "is not an option id of the catalogue");
    if (workup) errors.Add("$.workup_requested", "is only for the outcome defer_workup");
  } else {
    if (option) errors.Add("$.option_id", "must be absent when the outcome is defer_workup");
    if (!workup || !workup->is_array() || workup->empty() || workup->size() > kMaxWorkupItems) {
      errors.Add("$.workup_requested", "is required for defer_workup (1 to 50 items: the work-up requested)");
    } else {
      for (std::size_t i = 0; i < workup->size(); ++i)
        if (!NonBlank((*workup)[i], kMaxWorkupText))
          errors.Add(fmt::format("$.workup_requested[{}]", i), "must be a text of 1 to 1000 characters");
    }
  }
  const Json* meeting_field = Find(b, "meeting_id");
  if (meeting_field && !meeting_field->is_string()) errors.Add("$.meeting_id", "must be a meeting id (a string)");
  const Json* amends_field = Find(b, "amends");
  if (amends_field && !(amends_field->is_number_integer() && amends_field->get<std::int64_t>() > 0))
    errors.Add("$.amends", "must be the id of a decision of this case (a positive integer)");
  const Json* attendees = Find(b, "attendees");
  // Attendees may come from the meeting (checked below, once the meeting is known).
  const bool meeting_may_supply = (meeting_field && meeting_field->is_string()) || amends_field;
  CheckAttendees(attendees, "$.attendees", attendees != nullptr || !meeting_may_supply, errors);
  const Json* notes = Find(b, "notes");
  if (notes && !(notes->is_string() && notes->get<std::string>().size() <= kMaxText))
    errors.Add("$.notes", "must be a string of at most 20000 bytes");
  const Json* reason = Find(b, "reason");
  if (reason && !NonBlank(*reason, kMaxText)) errors.Add("$.reason", "must be a text of 1 to 20000 bytes");
  if (!errors.empty()) return Invalid("invalid-decision", "Invalid decision", errors.list);

  // The case, its decisions and its latest evaluation.
  auto rev = ctx.store.GetCase(case_id, std::nullopt);
  if (!rev) return StoreFailed(rev.error());
  if (!*rev) return Problem(404, "not-found", "Not found", "no case with id " + case_id);
  auto existing = ctx.store.ListDecisions(case_id);
  if (!existing) return StoreFailed(existing.error());
  auto recommendation = LatestRecommendation(ctx.store, case_id);
  if (!recommendation) return StoreFailed(recommendation.error());

  std::optional<std::int64_t> amends;
  std::string meeting_id = meeting_field ? meeting_field->get<std::string>() : std::string();
  if (amends_field) {
    amends = amends_field->get<std::int64_t>();
    auto it = std::find_if(existing->begin(), existing->end(), [&](const auto& d) { return d.id == *amends; });
    if (it == existing->end()) {
      errors.Add("$.amends", "is not the id of a decision of this case");
    } else {
      const auto amended_by = AmendedBy(*existing);
      if (auto a = amended_by.find(*amends); a != amended_by.end())
        return Problem(409, "already-amended", "Decision already amended",
                       fmt::format("decision {} was amended by decision {}; amend that one", *amends, a->second),
                       Json::array({Json{{"path", "$.amends"},
                                         {"message", fmt::format("is already amended by decision {}", a->second)}}}));
      if (!meeting_field) meeting_id = it->meeting_id;  // an amendment stays in its meeting
    }
  }
  Json standing;
  if (!meeting_id.empty()) {
    auto meeting = ctx.store.GetMeeting(meeting_id, std::nullopt);
    if (!meeting) return StoreFailed(meeting.error());
    if (!*meeting) {
      errors.Add("$.meeting_id", "is not the id of a meeting");
    } else {
      const Json doc = ParseStored((*meeting)->meeting_json);
      standing = doc.value("attendees", Json::array());
      const Json agenda = doc.value("agenda", Json::array());
      const bool listed = std::any_of(agenda.begin(), agenda.end(),
                                      [&](const Json& item) { return StringAt(item, "case_id") == case_id; });
      if (!listed) errors.Add("$.meeting_id", "the case is not on this meeting's agenda");
    }
  }
  if (!attendees && errors.empty() && (!standing.is_array() || standing.empty()))
    errors.Add("$.attendees",
               meeting_id.empty() ? "is required (a non-empty list of {role, name})"
                                  : "is required: the meeting has no standing attendees to record");
  const std::set<std::string> recommended = RecommendedOptions(*recommendation);
  const bool is_recommended = outcome != "option" || recommended.count(option->get<std::string>()) > 0;
  if (!is_recommended && !reason)
    errors.Add("$.reason",
               "is required: the chosen option is not among the options recommended by the case's latest evaluation");
  if (!errors.empty()) return Invalid("invalid-decision", "Invalid decision", errors.list);

  Json decision = Json::object();
  decision["outcome"] = outcome;
  decision["option_id"] = outcome == "option" ? *option : Json();
  if (outcome == "defer_workup") decision["workup_requested"] = *workup;
  decision["attendees"] = attendees ? *attendees : standing;
  decision["notes"] = notes ? *notes : Json("");
  if (reason) decision["reason"] = *reason;
  decision["meeting_id"] = meeting_id.empty() ? Json() : Json(meeting_id);
  decision["amends"] = amends ? Json(*amends) : Json();
  decision["recommended"] = is_recommended;

  store::Decision d;
  d.case_id = case_id;
  d.case_revision = (*rev)->revision;
  d.decision_json = decision.dump();
  d.created_by = ctx.actor;
  d.meeting_id = meeting_id;
  d.amends = amends;
  auto added = ctx.store.AddDecision(d);
  if (!added) {
    // Another clinician amended the same decision meanwhile.
    if (added.error() == store::kDecisionAlreadyAmended)
      return Problem(409, "already-amended", "Decision already amended",
                     fmt::format("decision {} was amended meanwhile; reload and amend the newest", *amends));
    if (added.error() == store::kAmendedDecisionNotFound)
      return Invalid("invalid-decision", "Invalid decision",
                     Json::array({Json{{"path", "$.amends"}, {"message", "is not the id of a decision of this case"}}}));
    return StoreFailed(added.error());
  }
  return Ok(201, DecisionRecord(*added, {}));
}

Reply ListDecisions(const Context& ctx, const std::string& case_id) {
  auto rev = ctx.store.GetCase(case_id, std::nullopt);
  if (!rev) return StoreFailed(rev.error());
  if (!*rev) return Problem(404, "not-found", "Not found", "no case with id " + case_id);
  auto list = ctx.store.ListDecisions(case_id);
  if (!list) return StoreFailed(list.error());
  const auto amended_by = AmendedBy(*list);
  Json decisions = Json::array();
  for (const auto& d : *list) decisions.push_back(DecisionRecord(d, amended_by));
  Reply r = Ok(200, Json{{"decisions", decisions}});
  r.audit.push_back({"decision.read", case_id, fmt::format("{}", Plural(list->size(), "decision", "decisions"))});
  return r;
}

// ---- demo ----------------------------------------------------------------------------------------

tl::expected<void, std::string> SeedDemoMeeting(store::Store& s, const std::string& today) {
  auto meetings = s.ListMeetings();
  if (!meetings) return tl::unexpected(meetings.error());
  if (!meetings->empty()) return {};
  auto cases = s.ListCases();
  if (!cases) return tl::unexpected(cases.error());
  std::sort(cases->begin(), cases->end(), [](const auto& a, const auto& b) { return a.label < b.label; });
  // A week after today (timegm normalises the day overflow into the next month or year).
  std::string date = today;
  if (ValidDate(today)) {
    std::tm tm{};
    tm.tm_year = std::stoi(today.substr(0, 4)) - 1900;
    tm.tm_mon = std::stoi(today.substr(5, 2)) - 1;
    tm.tm_mday = std::stoi(today.substr(8, 2)) + 7;
    std::time_t t = timegm(&tm);
    gmtime_r(&t, &tm);
    date = fmt::format("{:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  }
  Json doc = Json::object();
  doc["date"] = date;
  doc["time"] = "16:00";
  doc["board"] = "GEP-NET board (demo)";
  doc["attendees"] = Json::array({
      {{"role", "chair, gastroenterology"}, {"name", "Dr Demo Chair"}},
      {{"role", "medical oncology"}, {"name", "Dr Demo Oncologist"}},
      {{"role", "surgery"}, {"name", "Dr Demo Surgeon"}},
      {{"role", "radiology"}, {"name", "Dr Demo Radiologist"}},
      {{"role", "nuclear medicine"}, {"name", "Dr Demo Nuclear Physician"}},
      {{"role", "pathology"}, {"name", "Dr Demo Pathologist"}},
      {{"role", "specialist nurse"}, {"name", "Demo Nurse Specialist"}},
  });
  static const char* kQuestions[] = {"Which option do we recommend now?",
                                     "Is the work-up complete enough to decide, or do we defer?",
                                     "Which option fits the patient's goals and preferences?"};
  static const char* kPresenters[] = {"Dr Demo Oncologist", "Dr Demo Surgeon", "Dr Demo Chair"};
  Json agenda = Json::array();
  for (std::size_t i = 0; i < cases->size() && i < 3; ++i)
    agenda.push_back({{"case_id", (*cases)[i].case_id}, {"presenter", kPresenters[i]}, {"question", kQuestions[i]}});
  doc["agenda"] = std::move(agenda);
  auto created = s.CreateMeeting(FromDocument(doc), "demo");
  if (!created) return tl::unexpected(created.error());
  return {};
}

// ---- the case list ---------------------------------------------------------------------------------

Reply ListCases(const Context& ctx, const Params& params) {
  static const std::set<std::string> kSorts = {"updated", "label", "site", "grade", "stage",
                                               "scenario", "missing", "decision"};
  Errors errors;
  auto param = [&](const char* name) { return params(name); };
  std::string sort = param("sort").value_or("-updated");
  const bool descending = !sort.empty() && sort[0] == '-';
  const std::string sort_key = descending ? sort.substr(1) : sort;
  if (!kSorts.count(sort_key))
    errors.Add("sort", "must be one of updated, label, site, grade, stage, scenario, missing, decision (prefix - "
                       "for descending)");
  const std::optional<std::string> q = param("q");
  if (q && q->size() > 200) errors.Add("q", "must be at most 200 characters");
  const std::optional<std::string> readiness = param("readiness");
  if (readiness && *readiness != "ready" && *readiness != "incomplete")
    errors.Add("readiness", "must be ready or incomplete");
  const std::optional<std::string> decision = param("decision");
  if (decision && *decision != "undecided" && *decision != "decided" && *decision != "deferred")
    errors.Add("decision", "must be undecided, decided or deferred");
  const std::optional<std::string> status = param("status");
  if (status && *status != "draft" && *status != "evaluated" && *status != "decided")
    errors.Add("status", "must be draft, evaluated or decided");
  const std::optional<std::string> site = param("site"), grade = param("grade"), scenario = param("scenario");
  if (!errors.empty())
    return Problem(400, "invalid-parameter", "Invalid parameter", Plural(errors.list.size(), "problem", "problems"),
                   errors.list);

  auto list = ctx.store.ListCases();
  if (!list) return StoreFailed(list.error());
  auto lower = [](std::string s) {
    for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
  };
  const std::string needle = q ? lower(*q) : std::string();
  struct Row {
    Json json;
    std::string sort_value;
    std::int64_t sort_number = 0;
  };
  std::vector<Row> rows;
  for (const auto& s : *list) {
    auto facts = LoadFacts(ctx, s, true);
    if (!facts) return StoreFailed(facts.error());
    Json c = Json::object();
    c["id"] = s.case_id;
    c["label"] = s.label;
    c["revision"] = s.latest_revision;
    c["updated_at"] = s.updated_at;
    c["updated_by"] = s.updated_by;
    c["status"] = s.status;
    c["last_evaluation"] =
        s.last_evaluation_id ? Json{{"id", *s.last_evaluation_id}, {"at", s.last_evaluated_at}} : Json();
    c["summary"] = CaseOneLine(facts->case_doc, facts->recommendation);
    c["readiness"] = Readiness(facts->recommendation, facts->evaluation_id, facts->evaluated_revision);
    c["decision"] = DecisionStatus(facts->decisions);

    const Json& sum = c["summary"];
    auto text = [](const Json& v) { return v.is_string() ? v.get<std::string>() : std::string(); };
    const std::string scenario_id = sum["scenario"].is_object() ? text(sum["scenario"]["id"]) : "";
    const std::string scenario_title = sum["scenario"].is_object() ? text(sum["scenario"]["title"]) : "";
    const std::int64_t missing = c["readiness"].is_object() ? c["readiness"]["missing_count"].get<std::int64_t>() : -1;
    if (site && text(sum["site"]) != *site) continue;
    if (grade && text(sum["grade"]) != *grade) continue;
    if (scenario && scenario_id != *scenario) continue;
    if (readiness && (*readiness == "ready" ? missing != 0 : missing <= 0)) continue;
    if (decision && c["decision"]["status"] != *decision) continue;
    if (status && s.status != *status) continue;
    if (!needle.empty()) {
      const std::string hay = lower(s.label + "\n" + s.case_id + "\n" + text(sum["site"]) + "\n" + text(sum["grade"]) +
                                    "\n" + text(sum["category"]) + "\nstage " + text(sum["stage"]) + "\n" +
                                    scenario_id + "\n" + scenario_title + "\n" + text(sum["text"]));
      if (hay.find(needle) == std::string::npos) continue;
    }
    Row row;
    if (sort_key == "updated") row.sort_value = s.updated_at;
    else if (sort_key == "label") row.sort_value = lower(s.label);
    else if (sort_key == "site") row.sort_value = text(sum["site"]);
    else if (sort_key == "grade") row.sort_value = text(sum["grade"]);
    else if (sort_key == "stage") row.sort_value = text(sum["stage"]);
    else if (sort_key == "scenario") row.sort_value = lower(scenario_title);
    else if (sort_key == "decision") row.sort_value = c["decision"]["status"].get<std::string>();
    else row.sort_number = missing;
    row.json = std::move(c);
    rows.push_back(std::move(row));
  }
  std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
    if (a.sort_value != b.sort_value) return descending ? a.sort_value > b.sort_value : a.sort_value < b.sort_value;
    if (a.sort_number != b.sort_number)
      return descending ? a.sort_number > b.sort_number : a.sort_number < b.sort_number;
    return a.json["id"].get<std::string>() < b.json["id"].get<std::string>();
  });
  Json cases = Json::array();
  for (auto& row : rows) cases.push_back(std::move(row.json));
  Reply r = Ok(200, Json{{"cases", cases}});
  r.audit.push_back({"case.list", "", fmt::format("{}", Plural(cases.size(), "case", "cases"))});
  return r;
}

}  // namespace zebra::api::board
