#include "api/api.h"

#include <fmt/format.h>

#include <cctype>
#include <ctime>
#include <iostream>

#include "build_info.h"
#include "api/handlers.h"
#include "api/metrics.h"
#include "json/json_parse.h"

namespace zebra::api {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

}  // namespace

// ---- requests and responses ---------------------------------------------------------------------

std::string Headers::Get(std::string_view name, std::size_t index) const {
  for (const auto& [key, value] : fields_)
    if (EqualsIgnoreCase(key, name) && index-- == 0) return value;
  return {};
}

std::size_t Headers::Count(std::string_view name) const {
  std::size_t n = 0;
  for (const auto& field : fields_)
    if (EqualsIgnoreCase(field.first, name)) ++n;
  return n;
}

std::string Request::Query(std::string_view name) const {
  auto it = query.find(std::string(name));
  return it == query.end() ? std::string() : it->second;
}

std::string Request::PathParam(std::string_view name) const {
  auto it = path_params.find(name);
  return it == path_params.end() ? std::string() : it->second;
}

std::optional<std::string> Request::Cookie(std::string_view name) const {
  for (std::size_t i = 0, n = headers.Count("Cookie"); i < n; ++i) {
    std::string header = headers.Get("Cookie", i);
    std::size_t pos = 0;
    while (pos < header.size()) {
      std::size_t end = header.find(';', pos);
      if (end == std::string::npos) end = header.size();
      std::string_view part(header.data() + pos, end - pos);
      while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
      if (part.size() > name.size() && part.substr(0, name.size()) == name && part[name.size()] == '=')
        return std::string(part.substr(name.size() + 1));
      pos = end + 1;
    }
  }
  return std::nullopt;
}

// ---- services -----------------------------------------------------------------------------------

store::Result<void> Services::ProbeWrite() {
  std::lock_guard lock(probe_mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (probe_at_ == std::chrono::steady_clock::time_point{} || now - probe_at_ >= std::chrono::seconds(1)) {
    probe_result_ = store->ProbeWrite();
    probe_at_ = now;
  }
  return probe_result_;
}

std::int64_t Services::Now() const {
  if (now_unix) return now_unix();
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void Services::Log(const std::string& line) const {
  if (log)
    log(line);
  else
    std::cerr << line << "\n";
}

// ---- helpers ------------------------------------------------------------------------------------

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

const char* StatusTitle(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 411:
      return "Length Required";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return status < 500 ? "Client Error" : "Server Error";
  }
}

Json ProblemJson(int status, std::string_view type, std::string_view title, std::string_view detail) {
  Json p = Json::object();
  p["type"] = std::string("urn:zebra:problem:") + std::string(type);
  p["title"] = title;
  p["status"] = status;
  p["detail"] = detail;
  return p;
}

Response Problem(int status, std::string_view type, std::string_view title, std::string_view detail,
                 const Json& errors) {
  Json p = ProblemJson(status, type, title, detail);
  if (!errors.is_null()) p["errors"] = errors;
  Response res;
  res.status = status;
  res.SetContent(Dump(p), kProblemType);
  return res;
}

Response JsonResponse(int status, const Json& body) {
  Response res;
  res.status = status;
  res.SetContent(Dump(body), "application/json");
  return res;
}

Response StoreFailure(const Request& request, const Services& services, const std::string& error) {
  services.Log("zebra serve: store error on " + request.route + ": " + error);
  return Problem(500, "store", "Store error", "the case store could not complete the request");
}

// Library paths are "tumor.size_cm" or "$"; the API reports JSON paths ("$.tumor.size_cm").
std::string JsonPath(const std::string& path) {
  if (path.empty()) return "$";
  if (path[0] == '$') return path;
  if (path[0] == '[') return "$" + path;
  return "$." + path;
}

Json ErrorList(const engine::Errors& errors) {
  Json list = Json::array();
  for (const auto& e : errors) list.push_back(Json{{"path", JsonPath(e.path)}, {"message", e.message}});
  return list;
}

Response InputProblem(const engine::Errors& errors) {
  const std::string code = errors.empty() ? "invalid-case" : errors.front().code;
  const char* title = code == "invalid-fhir-bundle" ? "Invalid FHIR bundle"
                      : code == "invalid-json"      ? "Invalid JSON"
                                                    : "Invalid case";
  return Problem(400, code, title, engine::ProblemCount(errors.size()), ErrorList(errors));
}

std::string Plural(std::size_t n, std::string_view word) {
  std::string out = std::to_string(n) + " " + std::string(word);
  if (n == 1) return out;
  const bool consonant_y = word.size() > 1 && word.back() == 'y' &&
                           std::string_view("aeiou").find(word[word.size() - 2]) == std::string_view::npos;
  if (consonant_y) return out.substr(0, out.size() - 1) + "ies";
  return out + "s";
}

std::optional<Json> ParseBody(const std::string& body) {
  auto j = json::ParseStrict(body, json::ParseLimits{1024 * 1024, 16});
  if (!j) return std::nullopt;
  return std::move(*j);
}

Json ParseStored(const std::string& text) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? Json() : j;
}

Json RevisionHeader(const std::string& id, int revision, const std::string& created_at, const std::string& created_by) {
  Json j = Json::object();
  j["id"] = id;
  j["revision"] = revision;
  j["created_at"] = created_at;
  j["created_by"] = created_by;
  return j;
}

bool IsUnsafe(std::string_view method) { return method != "GET" && method != "HEAD" && method != "OPTIONS"; }


bool Audit(const Services& services, const std::string& actor, const std::string& action, const std::string& case_id,
           const std::string& detail) {
  auto r = services.store->AppendAudit(actor, action, case_id, detail);
  if (!r) services.Log("zebra serve: audit append failed (" + action + "): " + r.error());
  return r.has_value();
}

// ---- handler helpers (handlers.h) -----------------------------------------------------------------

Response SendProblem(Response& res, int status, std::string_view type, std::string_view title, std::string_view detail,
                     const Json& errors) {
  Response problem = Problem(status, type, title, detail, errors);
  res.status = problem.status;
  res.SetContent(std::move(problem.body), std::move(problem.content_type));
  return res;
}

Response SendJson(Response& res, int status, const Json& body) {
  res.status = status;
  res.SetContent(Dump(body), "application/json");
  return res;
}

Response SendStoreFailure(Response& res, const Request& req, const Services& s, const std::string& error) {
  Response failure = StoreFailure(req, s, error);
  res.status = failure.status;
  res.SetContent(std::move(failure.body), std::move(failure.content_type));
  return res;
}

Response SendInputProblem(Response& res, const engine::Errors& errors) {
  Response problem = InputProblem(errors);
  res.status = problem.status;
  res.SetContent(std::move(problem.body), std::move(problem.content_type));
  return res;
}

bool IsJsonMediaType(std::string_view value) {
  const std::string_view type = value.substr(0, value.find(';'));
  std::string lower;
  for (char c : type)
    if (c != ' ' && c != '\t') lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "application/json";
}

engine::Result<engine::Evaluation> EvaluateText(Services& s, std::string_view text, engine::InputKind kind,
                                                const std::string& as_of, bool what_if, const std::string& lang,
                                                bool trials_all) {
  engine::Options options;
  options.what_if = what_if;
  options.lang = lang;
  options.trials_all = trials_all;
  auto evaluated = engine::Evaluate(*s.kb, engine::CaseInput{text, kind, as_of}, options);
  s.metrics->RecordEvaluation(evaluated.has_value());
  return evaluated;
}

bool ValidTrials(Response& res, const Request& req, Services& s, bool& trials_all) {
  const std::string trials = req.Query("trials");
  trials_all = trials == "all";
  if (trials.empty() || trials_all) return true;
  s.metrics->RecordEvaluation(false);
  SendProblem(res, 400, "invalid-parameter", "Invalid parameter", "trials must be all (or absent)",
              Json::array({Json{{"path", "trials"}, {"message", "must be all"}}}));
  return false;
}

store::Evaluation NewEvaluation(const Services& s, std::string output) {
  store::Evaluation e;
  e.knowledge_version = s.kb->version();
  e.engine_version = ZEBRA_VERSION;
  e.output_json = std::move(output);
  return e;
}

}  // namespace zebra::api
