// SMART App Launch (GET /smart/launch, /smart/callback), a case's source and its FHIR export
// (GET /v1/cases/{id}/source, /v1/cases/{id}/fhir) as api routes. The logic is src/smart; these
// handlers only convert requests and answers.
#include "api/smart_routes.h"

#include <fmt/format.h>

#include "api/handlers.h"
#include "api/metrics.h"
#include "common/clock.h"
#include "smart/smart.h"

namespace zebra::api {
namespace {

smart::Services SmartServices(Services& s, smart::Launcher* launcher) {
  smart::Services out;
  out.kb = s.kb.get();
  out.store = s.store;
  out.launcher = launcher;
  out.session_seconds = s.config.session_seconds;
  out.log = [&s](const std::string& line) { s.Log(line); };
  out.now_unix = s.Now();
  out.save_source = [store = s.store](const std::string& case_id, int revision, const smart::Json& source,
                                      const std::string& actor) -> tl::expected<void, std::string> {
    return store->AddCaseSource(case_id, revision, Dump(source), actor);
  };
  return out;
}

smart::Request SmartRequest(const Request& req) {
  smart::Request r;
  r.iss = req.Query("iss");
  r.launch = req.Query("launch");
  r.code = req.Query("code");
  r.state = req.Query("state");
  r.has_error = req.HasQuery("error");
  r.error = req.Query("error");
  r.binding_cookie = req.Cookie(smart::kBindingCookie).value_or("");
  r.tls = req.Header("X-Forwarded-Proto") == "https";
  return r;
}

Response FromSmart(const smart::Response& r) {
  Response res;
  res.status = r.status;
  for (const auto& [name, value] : r.headers) res.SetHeader(name, value);
  if (!r.body.empty()) res.SetContent(r.body, r.content_type);
  return res;
}

// Where the case came from: {kind, fhir_base, patient, imported_at, mapping_report}.
Response HandleCaseSource(const Request& req, Services& s) {
  Response res;
  const std::string id = req.PathParam("id");
  if (!LoadCase(res, req, s, id)) return res;
  auto source = s.store->GetCaseSource(id);
  if (!source) return SendStoreFailure(res, req, s, source.error());
  if (!*source) return SendProblem(res, 404, "not-found", "Not found", "case " + id + " was not imported from an EHR");
  if (!AuditOrRefuse(res, req, s, "case.source.read", id, "")) return res;
  return SendJson(res, 200, ParseStored(**source));
}

Response HandleCaseFhir(const Request& req, Services& s, smart::Launcher* launcher) {
  Response res;
  if (!launcher || !launcher->Config().write_back) {
    return SendProblem(res, 404, "fhir-export-not-configured", "FHIR export is not configured",
                       "start the server with --smart-config naming \"write_back\": true");
  }
  const std::string id = req.PathParam("id");
  auto rev = LoadCase(res, req, s, id);
  if (!rev) return res;
  auto evaluations = s.store->ListEvaluations(id);
  if (!evaluations) return SendStoreFailure(res, req, s, evaluations.error());
  auto decisions = s.store->ListDecisions(id);
  if (!decisions) return SendStoreFailure(res, req, s, decisions.error());
  auto source = s.store->GetCaseSource(id);
  if (!source) return SendStoreFailure(res, req, s, source.error());
  smart::ExportInput in;
  in.case_id = id;
  in.case_revision = rev->revision;
  if (!evaluations->empty()) in.recommendation = ParseStored(evaluations->back().output_json);
  if (!decisions->empty()) {
    const auto& d = decisions->back();
    in.decision = Json{{"id", d.id}, {"created_at", d.created_at}, {"created_by", d.created_by},
                       {"decision", ParseStored(d.decision_json)}};
  }
  if (*source) {
    const Json src = ParseStored(**source);
    if (src.is_object() && src.contains("patient") && src["patient"].is_string()) in.patient_reference = src["patient"];
  }
  in.now_rfc3339 = common::UnixToRfc3339(s.Now());
  if (!AuditOrRefuse(res, req, s, "case.fhir_export", id,
                     fmt::format("revision {}, {}", rev->revision,
                                 decisions->empty() ? "no decision" : "decision " + std::to_string(decisions->back().id))))
    return res;
  res.status = 200;
  res.SetContent(Dump(smart::ExportBundle(*s.kb, in)), "application/fhir+json");
  return res;
}

}  // namespace

std::vector<Route> SmartRoutes(smart::Launcher* launcher) {
  return {
      {"GET", "/smart/launch", Access::kOpen,
       [launcher](const Request& req, Services& s) {
         return FromSmart(smart::HandleLaunch(SmartServices(s, launcher), SmartRequest(req)));
       }},
      {"GET", "/smart/callback", Access::kOpen,
       [launcher](const Request& req, Services& s) {
         return FromSmart(smart::HandleCallback(SmartServices(s, launcher), SmartRequest(req)));
       }},
      {"GET", "/v1/cases/{id}/source", Access::kViewer, HandleCaseSource},
      {"GET", "/v1/cases/{id}/fhir", Access::kViewer,
       [launcher](const Request& req, Services& s) { return HandleCaseFhir(req, s, launcher); }},
  };
}

}  // namespace zebra::api
