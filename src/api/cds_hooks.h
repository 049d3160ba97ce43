// CDS Hooks 2.0 services (https://cds-hooks.hl7.org/2.0/) as a request -> response layer, without
// HTTP: the routes (HandleCdsService, ... in api/handlers.h) only add CORS and call these functions.
//
//  - net-tumor-board (hook patient-view): case-readiness card (what the board still needs),
//    options-summary card, one card per critical or warning alert.
//  - net-order-check (hook order-sign): a warning card for each drafted NET therapy that the
//    knowledge base lists as not recommended for this case, an info card for one it does not offer.
//  - feedback: validated and stored (Store::AddFeedback).
//
// The case comes from the FHIR data (prefetch, or fetched from fhirServer with
// fhirAuthorization) through the engine's front door, as `zebra evaluate --fhir` reads a bundle
// (as of the time of the call); the cards come from its recommendation. No clinical rule lives here: which therapy conflicts with a case is the
// knowledge base's `Not Recommended` decision; drug codes are data (knowledge/fhir/code_tables.json
// `medications`, `medication_combinations`, `procedures`, plus knowledge/fhir/order_codes.json).
//
// Authentication: with a verifier, every call needs `Authorization: Bearer <JWT>`; the verifier
// checks signature, iss, exp and its `audience`; then the token's `aud` must name this endpoint
// (`{service_url}/cds-services/{id}`, for feedback also `.../{id}/feedback`, as CDS Hooks 2.0
// requires) or be exactly `service_url` (a deployment whose EHR sends one audience for the whole
// service); the `jti` is recorded in the shared store (replay across replicas). Any failure: a bare
// 401.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "api/api.h"
#include "auth/auth.h"
#include "engine/engine.h"
#include "store/store.h"

namespace zebra::api {

// GET of a FHIR URL with a bearer token: the response body, or why it failed.
using FhirGetFn = std::function<tl::expected<std::string, std::string>(const std::string& url, const std::string& token)>;

struct CdsContext {
  const engine::Knowledge* kb = nullptr;
  store::Store* store = nullptr;          // null: feedback is validated but not stored; no shared jti check
  auth::JwtVerifier* verifier = nullptr;  // null: insecure dev mode, no authentication
  std::string service_url;                // e.g. https://zebra.example.org (no trailing slash)
  std::int64_t now_unix = 0;
  // The HTTP client that fetches from fhirServer (Services::fhir_fetch, the transport's).
  FhirFetchFn fhir_fetch;
  // Optional: replaces fhir_fetch (tests).
  FhirGetFn fhir_get;
  // With SMART App Launch configured: {service_url}/smart/launch; every card then also links there
  // (a CDS Hooks 2.0 link of type "smart", to which the EHR adds iss and launch).
  std::string smart_launch_url;
};

inline constexpr std::string_view kTumorBoardService = "net-tumor-board";
inline constexpr std::string_view kOrderCheckService = "net-order-check";

// The discovery document (GET /cds-services).
std::string CdsDiscoveryJson();

// POST /cds-services/{service_id}. 200 {"cards": [...]}; 400 problem (bad request, the field
// named); 401 bare; 404 unknown service; 412 when the data is neither prefetched nor fetchable.
Response HandleCdsHook(const CdsContext& ctx, std::string_view service_id, std::string_view authorization_header,
                         std::string_view body);

// POST /cds-services/{service_id}/feedback. 200 with an empty body once stored.
Response HandleCdsFeedback(const CdsContext& ctx, std::string_view service_id, std::string_view authorization_header,
                             std::string_view body);

}  // namespace zebra::api
