// The stateless routes: health, OpenAPI, metrics, evaluation, validation, FHIR mapping, the
// knowledge base and the demo cases. Evaluation goes through the engine only, so POST
// /v1/evaluate answers exactly the bytes `zebra evaluate` prints.
#include <string>

#include "build_info.h"
#include "api/api.h"
#include "api/handlers.h"
#include "api/metrics.h"

namespace zebra::api {
namespace {

// YYYY-MM-DD (digits and dashes only; the engine checks the date itself).
bool IsDateShape(std::string_view text) {
  if (text.size() != 10) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 4 || i == 7;
    if (dash ? text[i] != '-' : (text[i] < '0' || text[i] > '9')) return false;
  }
  return true;
}

// ?as_of= must be a date when given; otherwise the 400 is set on `res`.
bool ValidAsOf(Response& res, const Request& req, Services& s, std::string& as_of) {
  as_of = req.Query("as_of");
  if (!as_of.empty() && !IsDateShape(as_of)) {
    s.metrics->RecordEvaluation(false);
    SendProblem(res, 400, "invalid-parameter", "Invalid parameter", "as_of must be YYYY-MM-DD",
                Json::array({Json{{"path", "as_of"}, {"message", "must be a date YYYY-MM-DD"}}}));
    return false;
  }
  return true;
}

}  // namespace

Response HandleHealth(const Request& /*req*/, Services& s) {
  Response res;
  auto ping = s.store->Ping();
  // Reads are refused when they cannot be audited, so a store that cannot write is unavailable.
  auto writable = ping ? s.ProbeWrite() : store::Result<void>(tl::unexpected(ping.error()));
  const bool ok = ping && writable;
  Json out = Json::object();
  out["status"] = ok ? "ok" : "unavailable";
  out["store"] = std::string(s.store->Kind());
  out["store_readable"] = ping.has_value();
  out["store_writable"] = writable.has_value();
  out["knowledge_version"] = s.kb->version();
  out["engine_version"] = ZEBRA_VERSION;
  if (!ping)
    s.Log("zebra serve: store ping failed: " + ping.error());
  else if (!writable)
    s.Log("zebra serve: store write probe failed: " + writable.error());
  SendJson(res, ok ? 200 : 503, out);
  return res;
}

Response HandleOpenApi(const Request& /*req*/, Services& s) {
  Response res;
  res.SetContent(s.openapi_text, "application/json");
  return res;
}

Response HandleMetrics(const Request& /*req*/, Services& s) {
  Response res;
  res.SetContent(s.metrics->Render(), "text/plain; version=0.0.4; charset=utf-8");
  return res;
}

Response HandleEvaluate(const Request& req, Services& s) {
  Response res;
  std::string as_of;
  if (!ValidAsOf(res, req, s, as_of)) return res;
  const std::string what_if = req.Query("what_if");
  if (!what_if.empty() && what_if != "0" && what_if != "1") {
    s.metrics->RecordEvaluation(false);
    SendProblem(res, 400, "invalid-parameter", "Invalid parameter", "what_if must be 0 or 1",
                Json::array({Json{{"path", "what_if"}, {"message", "must be 0 or 1"}}}));
    return res;
  }
  // ?lang=ar: the patient summary and option grid in Arabic (clinician texts stay English).
  std::string lang = req.HasQuery("lang") ? req.Query("lang") : "en";
  if (lang != "en" && lang != "ar") {
    s.metrics->RecordEvaluation(false);
    return SendProblem(res, 400, "invalid-parameter", "Invalid parameter", "lang must be en or ar",
                       Json::array({Json{{"path", "lang"}, {"message", "must be en or ar"}}}));
  }
  bool trials_all = false;
  if (!ValidTrials(res, req, s, trials_all)) return res;
  auto evaluated = EvaluateText(s, req.body, engine::InputKind::kAuto, as_of, what_if == "1", lang, trials_all);
  if (!evaluated) return SendInputProblem(res, evaluated.error());
  res.SetContent(std::move(evaluated->output), "application/json");
  return res;
}

Response HandleValidate(const Request& req, Services& s) {
  Response res;
  auto c = engine::ReadCase(*s.kb, req.body);
  Json out = Json::object();
  out["valid"] = c.has_value();
  out["errors"] = c ? Json::array() : ErrorList(c.error());
  SendJson(res, 200, out);
  return res;
}

Response HandleFhirMap(const Request& req, Services& s) {
  Response res;
  std::string as_of;
  if (!ValidAsOf(res, req, s, as_of)) return res;
  auto mapped = engine::MapFhir(*s.kb, req.body, as_of);
  if (!mapped) {
    return SendInputProblem(res, mapped.error());
  }
  Json out = Json::object();
  out["case"] = mapped->case_json;
  out["report"] = mapped->report;
  res.SetContent(out.dump(2) + "\n", "application/json");
  return res;
}

Response HandleKnowledge(const Request& /*req*/, Services& s) {
  Response res;
  res.SetContent(s.knowledge_text, "application/json");
  return res;
}

Response HandleKnowledgeModel(const Request& req, Services& s) {
  Response res;
  const std::string* source = s.kb->model_source(req.PathParam("name"));
  if (!source) {
    SendProblem(res, 404, "not-found", "Not found", "no knowledge model with that name");
    return res;
  }
  res.SetContent(*source, "application/xml");
  return res;
}

Response HandleDemoCases(const Request& /*req*/, Services& s) {
  Response res;
  res.SetContent(s.demo_cases_text, "application/json");
  return res;
}

}  // namespace zebra::api
