// SMART App Launch 2.0 for the web application (issue 20): EHR launch and standalone launch with
// PKCE S256, the patient in context fetched from the EHR's FHIR server, mapped through the engine
// (engine::MapFhir) and opened as a case; and the FHIR export of a case's board decision
// (GET /v1/cases/{id}/fhir).
//
// The OAuth and FHIR traffic uses the auth module's one outgoing HTTP client policy
// (auth::internal::Fetch) and its PKCE helper. Access tokens live only inside Launcher::Finish:
// never stored, logged or sent to the browser. Errors name no token, code, state or patient data.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "auth/jwt_internal.h"
#include "common/error.h"

namespace zebra::engine {
class Knowledge;
}
namespace zebra::store {
class Store;
}

namespace zebra::smart {

using Json = nlohmann::ordered_json;

// `zebra serve --smart-config FILE`.
struct SmartConfig {
  std::string client_id;
  std::string redirect_uri;          // ".../smart/callback", registered at the EHR
  std::vector<std::string> issuers;  // FHIR base URLs allowed as `iss` (no trailing slash)
  std::string role = "coordinator";  // the Zebra role of an account first created by a launch
  bool write_back = false;           // GET /v1/cases/{id}/fhir
};

// Reads the file strictly: {"client_id", "redirect_uri", "issuers": [...]} and optionally "role"
// (viewer|coordinator|clinician) and "write_back" (boolean). Unknown or repeated keys and wrong
// types are errors. Issuers must be https without query or fragment (http only for a loopback
// host with `insecure_dev`). The error's `path` is the file (empty when it cannot be read: the
// message names it), its message starts at the key; print common::ToString(e).
tl::expected<SmartConfig, common::Error> LoadSmartConfig(const std::string& path, bool insecure_dev);

// The scopes asked for (SMART App Launch 2.0): EHR launch and standalone launch.
inline constexpr std::string_view kEhrLaunchScope = "launch openid fhirUser patient/*.rs";
inline constexpr std::string_view kStandaloneScope = "launch/patient openid fhirUser patient/*.rs";

// Why a launch failed: a common::Error whose `code` is one of these and whose `message` is for the
// audit and server log only (never a token, code, state or patient datum).
namespace failure {
// Launch without iss, callback without code/state, the EHR reported an error.
inline constexpr std::string_view kBadRequest = "smart-bad-request";
inline constexpr std::string_view kIssuerNotAllowed = "smart-issuer-not-allowed";  // not a configured FHIR server
// .well-known/smart-configuration missing or unusable.
inline constexpr std::string_view kDiscovery = "smart-discovery";
inline constexpr std::string_view kPkceUnsupported = "smart-pkce-unsupported";  // the EHR does not offer PKCE S256
// State unknown, used, expired or issued to another browser.
inline constexpr std::string_view kBadState = "smart-bad-state";
inline constexpr std::string_view kNoVerifier = "smart-no-verifier";  // no PKCE verifier is held for this state
// The code exchange failed (replayed code, verifier refused, ...).
inline constexpr std::string_view kTokenEndpoint = "smart-token-endpoint";
inline constexpr std::string_view kIdentity = "smart-identity";  // no usable id_token (iss, aud, exp, fhirUser/sub)
inline constexpr std::string_view kNoPatient = "smart-no-patient";  // the token response names no patient
// A FHIR read failed, or a paging link leaves the FHIR server.
inline constexpr std::string_view kFhir = "smart-fhir";
inline constexpr std::string_view kUnavailable = "smart-unavailable";  // too many launches in flight
}  // namespace failure

struct LaunchStart {
  std::string authorization_url;  // where to send the browser
  std::string browser_binding;    // value of the short-lived HttpOnly cookie binding the state
};

// Who launched: from the id_token the token endpoint returned (OpenID Connect Core 3.1.3.7 (6):
// received directly from the token endpoint over TLS, so the signature is not needed).
struct Identity {
  std::string issuer;     // the id_token's iss
  std::string subject;    // `fhirUser` when present, else `sub`
};

struct PatientData {
  std::string fhir_base;   // the issuer the data came from
  std::string patient_id;  // the patient in context
  Identity who;
  Json bundle;             // Bundle (collection) of everything read, references made local
  std::size_t resources = 0;
  std::size_t pages = 0;
};

// GETs and POSTs go through this (auth::internal::Fetch by default; tests pass a fake).
using HttpFn =
    std::function<tl::expected<auth::internal::HttpAnswer, common::Error>(const auth::internal::HttpCall&)>;

// The launch state machine. Pending launches are kept in memory (single use, 10 minutes) and bound
// to the browser that started them. Thread-safe.
class Launcher {
 public:
  virtual ~Launcher() = default;
  virtual const SmartConfig& Config() const = 0;
  // `launch` empty: a standalone launch (scope launch/patient). Fetches the issuer's
  // .well-known/smart-configuration and builds the authorization URL (PKCE S256, state, aud=iss).
  virtual tl::expected<LaunchStart, common::Error> Begin(std::string_view iss, std::string_view launch,
                                                 std::int64_t now_unix) = 0;
  // Checks the state (single use) and its browser binding, exchanges the code with the PKCE
  // verifier, reads the patient in context and their Conditions, Observations, medications and
  // Procedures (paging through `next` links on the same FHIR server only).
  virtual tl::expected<PatientData, common::Error> Finish(std::string_view code, std::string_view state,
                                                  std::string_view browser_binding, std::int64_t now_unix) = 0;
};

std::unique_ptr<Launcher> MakeLauncher(SmartConfig config, bool insecure_dev, HttpFn http = {});

// The searches read for the patient in context, in order ({id} is the patient id).
const std::vector<std::string>& PatientSearches();

// True when a Bundle `next` link may be followed: on the FHIR server's origin, at or below its base.
bool PagingLinkAllowed(std::string_view link, std::string_view fhir_base);

// Resources read from the EHR as one collection Bundle: duplicates (same type/id) dropped,
// references to resources in the bundle made local ("Patient/123"; absolute URLs under the base
// too), other references removed so that partial data still maps. `timestamp` (RFC 3339) is the
// as-of time of the mapping.
Json AssembleBundle(const std::vector<Json>& resources, std::string_view fhir_base, std::string_view timestamp);
// Every "reference" under `node` (FHIR data from an EHR, for the mapper): a contained one ("#x")
// stays, any other becomes what `local` makes of it ("Type/id" of a resource at hand) or, when
// that is nothing, is removed, so that partial data still maps. Also CDS Hooks prefetch (api).
void LocaliseReferences(Json& node, const std::function<std::optional<std::string>(const std::string&)>& local);

// ---- HTTP handlers (transport-free; server.cc routes to them) -----------------------------------

struct Request {
  std::string iss, launch, code, state, error;  // query parameters
  bool has_error = false;
  std::string binding_cookie;  // the zebra_smart cookie
  bool tls = false;            // the request came over HTTPS (X-Forwarded-Proto)
};

struct Response {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // Location, Set-Cookie, ...
};

struct Services {
  const engine::Knowledge* kb = nullptr;
  store::Store* store = nullptr;
  Launcher* launcher = nullptr;  // null: SMART is not configured
  int session_seconds = 12 * 3600;
  std::function<void(const std::string&)> log;
  std::int64_t now_unix = 0;
  // Keeps where a case came from ({kind, fhir_base, patient, imported_at, mapping_report}) beside
  // its revision; null: not kept.
  std::function<tl::expected<void, std::string>(const std::string& case_id, int revision, const Json& source,
                                               const std::string& actor)>
      save_source;
};

inline constexpr const char* kBindingCookie = "zebra_smart";
inline constexpr const char* kSessionCookie = "zebra_session";

// GET /smart/launch?iss=...[&launch=...]
Response HandleLaunch(const Services& services, const Request& request);
// GET /smart/callback?code=...&state=... : stores the case, signs the browser in (a Zebra session,
// as OpenID Connect sign-in does) and redirects to the case in the web application.
Response HandleCallback(const Services& services, const Request& request);

// ---- FHIR export of the board decision ------------------------------------------------------------

// A FHIR R4 Bundle (collection): a DocumentReference with the printable summary (the engine's HTML
// render of `recommendation`, base64) and the decision text, and a CarePlan naming the chosen
// option. `decision` is the stored decision ({option_id, notes, reason?, ...}) with its
// `created_at`; null: no decision yet (DocumentReference only). `patient_reference` empty: no
// subject.
struct ExportInput {
  std::string case_id;
  int case_revision = 0;
  Json recommendation;  // zebra.recommendation/v1, null when never evaluated
  Json decision;        // {"decision": {...}, "created_at", "created_by", "id"} or null
  std::string patient_reference;
  std::string now_rfc3339;
};
Json ExportBundle(const engine::Knowledge& kb, const ExportInput& input);

}  // namespace zebra::smart
