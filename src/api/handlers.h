// The handlers of the built-in routes (one function per route; the table is src/api/routes.cc)
// and the small helpers they share. Internal to the api module.
#pragma once

#include <optional>
#include <string>

#include "api/api.h"

namespace zebra::api {

// ---- helpers: set the answer on `res`, keeping headers already set, and return it -----------------

Response SendProblem(Response& res, int status, std::string_view type, std::string_view title, std::string_view detail,
                     const Json& errors = Json());
Response SendJson(Response& res, int status, const Json& body);
Response SendStoreFailure(Response& res, const Request& req, const Services& s, const std::string& error);
Response SendInputProblem(Response& res, const engine::Errors& errors);
// "application/json", optionally with parameters ("; charset=utf-8"), case-insensitive.
bool IsJsonMediaType(std::string_view value);

// ---- session.cc: sign-in, API tokens, OpenID Connect ---------------------------------------------

Response HandleLogin(const Request& req, Services& s);             // POST /v1/session
Response HandleSessionInfo(const Request& req, Services& s);       // GET /v1/session
Response HandleLogout(const Request& req, Services& s);            // DELETE /v1/session
Response HandleCreateToken(const Request& req, Services& s);       // POST /v1/tokens
Response HandleListTokens(const Request& req, Services& s);        // GET /v1/tokens
Response HandleRevokeToken(const Request& req, Services& s);       // DELETE /v1/tokens/{id}
Response HandleOidcConfigPublic(const Request& req, Services& s);  // GET /v1/oidc/config-public
Response HandleOidcLogin(const Request& req, Services& s);         // GET /v1/oidc/login
Response HandleOidcCallback(const Request& req, Services& s);      // GET /v1/oidc/callback

// ---- evaluate.cc: stateless routes ---------------------------------------------------------------

Response HandleHealth(const Request& req, Services& s);          // GET /v1/health
Response HandleOpenApi(const Request& req, Services& s);         // GET /v1/openapi.json
Response HandleMetrics(const Request& req, Services& s);         // GET /metrics
Response HandleEvaluate(const Request& req, Services& s);        // POST /v1/evaluate
Response HandleValidate(const Request& req, Services& s);        // POST /v1/validate
Response HandleFhirMap(const Request& req, Services& s);         // POST /v1/fhir/map
Response HandleKnowledge(const Request& req, Services& s);       // GET /v1/knowledge
Response HandleKnowledgeModel(const Request& req, Services& s);  // GET /v1/knowledge/models/{name}
Response HandleDemoCases(const Request& req, Services& s);       // GET /v1/demo-cases

// ---- cases.cc: stored cases, evaluations, decisions, audit ---------------------------------------

Response HandleCreateCase(const Request& req, Services& s);       // POST /v1/cases
Response HandleUpdateCase(const Request& req, Services& s);       // PUT /v1/cases/{id}
Response HandleGetCase(const Request& req, Services& s);          // GET /v1/cases/{id}
Response HandleListRevisions(const Request& req, Services& s);    // GET /v1/cases/{id}/revisions
Response HandleListEvaluations(const Request& req, Services& s);  // GET /v1/cases/{id}/evaluations
Response HandleReevaluate(const Request& req, Services& s);       // POST /v1/cases/{id}/evaluations
Response HandleReplay(const Request& req, Services& s);           // POST /v1/cases/{id}/evaluations/{eid}/replay
Response HandleCaseAudit(const Request& req, Services& s);        // GET /v1/cases/{id}/audit

// ---- meetings_routes.cc: the case list, decisions and tumour-board meetings (logic: meetings.cc) ----

Response HandleListCases(const Request& req, Services& s);             // GET /v1/cases
Response HandleAddDecision(const Request& req, Services& s);           // POST /v1/cases/{id}/decision
Response HandleListDecisions(const Request& req, Services& s);         // GET /v1/cases/{id}/decisions
Response HandleListMeetings(const Request& req, Services& s);          // GET /v1/meetings
Response HandleCreateMeeting(const Request& req, Services& s);         // POST /v1/meetings
Response HandleGetMeeting(const Request& req, Services& s);            // GET /v1/meetings/{id}
Response HandleUpdateMeeting(const Request& req, Services& s);         // PUT /v1/meetings/{id}
Response HandleListMeetingRevisions(const Request& req, Services& s);  // GET /v1/meetings/{id}/revisions
Response HandleMeetingMinutes(const Request& req, Services& s);        // GET /v1/meetings/{id}/minutes

// ---- audit.cc: the whole audit log for the auditor role --------------------------------------------

Response HandleAuditLog(const Request& req, Services& s);  // GET /v1/audit?since=&case= (JSON Lines)

// ---- cds_hooks.cc: CDS Hooks 2.0 ------------------------------------------------------------------

Response HandleCdsPreflight(const Request& req, Services& s);      // OPTIONS /cds-services[/{id}[/feedback]]
Response HandleCdsDiscovery(const Request& req, Services& s);      // GET /cds-services
Response HandleCdsService(const Request& req, Services& s);        // POST /cds-services/{id}
Response HandleCdsFeedbackRoute(const Request& req, Services& s);  // POST /cds-services/{id}/feedback

// ---- shared by evaluate.cc and cases.cc ------------------------------------------------------------

// Reads and evaluates case text through the engine (the exact bytes `zebra evaluate` prints);
// counted in the metrics.
engine::Result<engine::Evaluation> EvaluateText(Services& s, std::string_view text, engine::InputKind kind,
                                                const std::string& as_of = {}, bool what_if = false,
                                                const std::string& lang = "en", bool trials_all = false);
// ?trials=all: the recommendation also lists the studies a known fact rules out, with the reason
// (issue 23). Absent: only the studies that may fit. Any other value is a 400 naming `trials`.
bool ValidTrials(Response& res, const Request& req, Services& s, bool& trials_all);
// A stored case (the latest revision, or `revision`); nullopt when absent (404) or the store failed
// (500), with the answer set on `res` (cases.cc).
std::optional<store::CaseRevision> LoadCase(Response& res, const Request& req, Services& s, const std::string& id,
                                            std::optional<int> revision = std::nullopt);
// For answers that reveal stored data: no audit entry, no answer (503 with Retry-After, set on `res`).
bool AuditOrRefuse(Response& res, const Request& req, Services& s, const std::string& action,
                   const std::string& case_id, const std::string& detail);
// An evaluation, with its exact output bytes, to store.
store::Evaluation NewEvaluation(const Services& s, std::string output);

}  // namespace zebra::api
