// The route table: method, path template (as in openapi.json), who may call it, the handler.
// One line per route; Router::Dispatch tries them in this order.
#include "api/api.h"
#include "api/handlers.h"

namespace zebra::api {

std::vector<Route> CoreRoutes() {
  using A = Access;
  return {
      // Sign-in, sessions and API tokens (session.cc).
      {"POST", "/v1/session", A::kOpen, HandleLogin},
      {"GET", "/v1/session", A::kAuthenticated, HandleSessionInfo},
      {"DELETE", "/v1/session", A::kOpen, HandleLogout},
      {"POST", "/v1/tokens", A::kAuthenticated, HandleCreateToken},
      {"GET", "/v1/tokens", A::kAuthenticated, HandleListTokens},
      {"DELETE", "/v1/tokens/{id}", A::kAuthenticated, HandleRevokeToken},
      {"GET", "/v1/oidc/config-public", A::kOpen, HandleOidcConfigPublic},
      {"GET", "/v1/oidc/login", A::kOpen, HandleOidcLogin},
      {"GET", "/v1/oidc/callback", A::kOpen, HandleOidcCallback},
      // Stateless (evaluate.cc).
      {"GET", "/v1/health", A::kOpen, HandleHealth},
      {"GET", "/v1/openapi.json", A::kOpen, HandleOpenApi},
      {"GET", "/metrics", A::kOpen, HandleMetrics},
      {"POST", "/v1/evaluate", A::kOpenInDemo, HandleEvaluate},
      {"POST", "/v1/validate", A::kOpenInDemo, HandleValidate},
      {"POST", "/v1/fhir/map", A::kOpenInDemo, HandleFhirMap},
      {"GET", "/v1/knowledge", A::kOpenInDemo, HandleKnowledge},
      {"GET", "/v1/knowledge/models/{name}", A::kOpenInDemo, HandleKnowledgeModel},
      {"GET", "/v1/demo-cases", A::kOpenInDemo, HandleDemoCases},
      // Stored cases (cases.cc).
      {"GET", "/v1/cases", A::kViewer, HandleListCases},
      {"POST", "/v1/cases", A::kCoordinator, HandleCreateCase},
      {"PUT", "/v1/cases/{id}", A::kCoordinator, HandleUpdateCase},
      {"GET", "/v1/cases/{id}", A::kViewer, HandleGetCase},
      {"GET", "/v1/cases/{id}/revisions", A::kViewer, HandleListRevisions},
      {"GET", "/v1/cases/{id}/evaluations", A::kViewer, HandleListEvaluations},
      {"POST", "/v1/cases/{id}/evaluations", A::kCoordinator, HandleReevaluate},
      {"POST", "/v1/cases/{id}/evaluations/{eid}/replay", A::kCoordinator, HandleReplay},
      {"POST", "/v1/cases/{id}/decision", A::kClinician, HandleAddDecision},
      {"GET", "/v1/cases/{id}/decisions", A::kViewer, HandleListDecisions},
      {"GET", "/v1/cases/{id}/audit", A::kViewer, HandleCaseAudit},
      // CDS Hooks 2.0 (cds_hooks.cc); JWT checks happen in the handlers.
      {"OPTIONS", "/cds-services", A::kOpen, HandleCdsPreflight},
      {"OPTIONS", "/cds-services/{id}", A::kOpen, HandleCdsPreflight},
      {"OPTIONS", "/cds-services/{id}/feedback", A::kOpen, HandleCdsPreflight},
      {"GET", "/cds-services", A::kOpen, HandleCdsDiscovery},
      {"POST", "/cds-services/{id}", A::kOpen, HandleCdsService},
      {"POST", "/cds-services/{id}/feedback", A::kOpen, HandleCdsFeedbackRoute},
  };
}

}  // namespace zebra::api
