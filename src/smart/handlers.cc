// GET /smart/launch and GET /smart/callback: transport-free handlers (server.cc routes to them).
#include <algorithm>

#include <fmt/format.h>

#include "build_info.h"
#include "common/text.h"
#include "common/clock.h"
#include "auth/auth.h"
#include "engine/engine.h"
#include "smart/smart.h"
#include "store/store.h"

namespace zebra::smart {
namespace {

std::string HtmlEscape(std::string_view text) { return common::EscapeHtml(text); }

// The browser lands on these routes, so a refusal is a small page (no script, nothing external).
Response Page(int status, std::string_view type, std::string_view title, std::string_view detail) {
  Response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = fmt::format(
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Zebra: {0}</title></head>\n"
      "<body><h1>{0}</h1>\n<p>{1}</p>\n<p>Problem: <code>urn:zebra:problem:{2}</code> (HTTP {3})</p>\n"
      "<p><a href=\"/\">Open Zebra</a></p></body></html>\n",
      HtmlEscape(title), HtmlEscape(detail), HtmlEscape(type), status);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

void Log(const Services& s, const std::string& line) {
  if (s.log) s.log(line);
}

bool Audit(const Services& s, const std::string& actor, const std::string& action, const std::string& case_id,
           const std::string& detail) {
  if (!s.store) return false;
  const auto r = s.store->AppendAudit(actor, action, case_id, detail);
  if (!r) Log(s, "zebra serve: audit append failed (" + action + "): " + r.error());
  return r.has_value();
}

// Refusals are audited (no patient data, no code, state or token) and logged.
Response Refuse(const Services& s, int status, std::string_view type, std::string_view title, const std::string& why,
                std::string_view detail, const std::string& actor = "smart") {
  Audit(s, actor, "smart.launch_refused", "", why);
  Log(s, "zebra serve: SMART launch refused: " + why);
  return Page(status, type, title, detail);
}

// How a failed launch (Begin) or callback (Finish) is answered, by the error's code
// (smart::failure); a row with an empty code answers any other code of its step.
enum class Step { kLaunch, kCallback };
struct Refusal {
  Step step;
  std::string_view code;
  int status;
  std::string_view type, title, detail;
};
constexpr Refusal kRefusals[] = {
    {Step::kLaunch, failure::kIssuerNotAllowed, 403, "smart-issuer-not-allowed", "This EHR is not configured",
     "the FHIR server (iss) that launched Zebra is not one this server is configured for"},
    {Step::kLaunch, failure::kDiscovery, 502, "smart-discovery", "The EHR's SMART configuration could not be read",
     "the EHR's .well-known/smart-configuration is missing or unusable"},
    {Step::kLaunch, failure::kPkceUnsupported, 502, "smart-pkce-unsupported", "The EHR does not offer PKCE",
     "SMART App Launch 2.0 requires PKCE (S256); the EHR does not list it"},
    {Step::kLaunch, failure::kUnavailable, 503, "smart-busy", "Too many launches in flight", "try again in a minute"},
    {Step::kLaunch, "", 400, "smart-invalid-launch", "Invalid launch",
     "a launch needs the iss parameter (and launch, from the EHR)"},
    {Step::kCallback, failure::kBadRequest, 400, "smart-invalid-callback", "Invalid launch callback",
     "the callback needs code and state"},
    {Step::kCallback, failure::kBadState, 400, "smart-invalid-state", "Launch state invalid",
     "this launch is unknown, already used, expired or was started in another browser; launch Zebra from the EHR "
     "again"},
    {Step::kCallback, failure::kNoVerifier, 400, "smart-no-verifier", "No PKCE verifier",
     "no PKCE verifier is held for this launch; launch Zebra from the EHR again"},
    {Step::kCallback, failure::kTokenEndpoint, 401, "smart-code-refused", "Authorisation code refused",
     "the EHR did not accept the authorisation code (used before, or the PKCE verifier did not match); launch Zebra "
     "from the EHR again"},
    {Step::kCallback, failure::kIdentity, 401, "smart-identity", "Who launched Zebra is unknown",
     "the EHR's answer did not say who you are (scopes openid fhirUser)"},
    {Step::kCallback, failure::kNoPatient, 502, "smart-no-patient", "No patient in context",
     "the EHR did not name a patient for this launch"},
    {Step::kCallback, failure::kFhir, 502, "smart-fhir", "The patient's data could not be read",
     "reading the patient's data from the EHR's FHIR server failed"},
    {Step::kCallback, "", 503, "smart-busy", "Too many launches in flight", "try again in a minute"},
};

const Refusal& RefusalFor(Step step, const std::string& code) {
  for (const auto& r : kRefusals)
    if (r.step == step && (r.code == code || r.code.empty())) return r;
  return kRefusals[std::size(kRefusals) - 1];  // not reached: each step ends with an empty code
}

Response NotConfigured() {
  return Page(404, "smart-not-configured", "SMART launch is not configured",
              "this server was started without --smart-config");
}

std::string HostOf(std::string_view url) {
  const auto parts = auth::ParseHttpUrl(url);
  return parts ? parts->host : std::string();
}

// A Zebra username for the launching user: the last part of fhirUser (or sub) at the EHR's host,
// e.g. "Practitioner/dr-a" at ehr.example.org -> "dr-a@ehr.example.org". Empty when unusable.
std::string Username(const Identity& who, std::string_view fhir_base) {
  std::string local = who.subject.substr(who.subject.rfind('/') == std::string::npos ? 0 : who.subject.rfind('/') + 1);
  std::string name = local + "@" + HostOf(fhir_base);
  const bool ok = !local.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-' || c == '@';
  });
  return ok ? name : std::string();
}

int Rank(store::Role role) {
  return role == store::Role::kClinician ? 3 : role == store::Role::kCoordinator ? 2 : 1;
}


std::size_t Count(const Json& report, const char* key) {
  const auto it = report.find(key);
  return it != report.end() && it->is_array() ? it->size() : 0;
}

}  // namespace

Response HandleLaunch(const Services& s, const Request& request) {
  if (!s.launcher) return NotConfigured();
  auto start = s.launcher->Begin(request.iss, request.launch, s.now_unix);
  if (!start) {
    const Refusal& r = RefusalFor(Step::kLaunch, start.error().code);
    return Refuse(s, r.status, r.type, r.title, start.error().message, r.detail);
  }
  Response r;
  r.status = 302;
  // Binds the state to this browser; Lax, so the EHR's redirect back carries it.
  r.headers.emplace_back("Set-Cookie", fmt::format("{}={}; HttpOnly; SameSite=Lax; Path=/smart; Max-Age=600{}",
                                                   kBindingCookie, start->browser_binding,
                                                   request.tls ? "; Secure" : ""));
  r.headers.emplace_back("Location", start->authorization_url);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

Response HandleCallback(const Services& s, const Request& request) {
  if (!s.launcher) return NotConfigured();
  if (!s.kb || !s.store) return Page(500, "internal", "Internal error", "the service is not ready");
  // The binding cookie is used once, whatever the outcome.
  const std::string clear_binding =
      fmt::format("{}=; HttpOnly; SameSite=Lax; Path=/smart; Max-Age=0", kBindingCookie);
  auto refuse = [&](int status, std::string_view type, std::string_view title, const std::string& why,
                    std::string_view detail, const std::string& actor = "smart") {
    Response r = Refuse(s, status, type, title, why, detail, actor);
    r.headers.emplace_back("Set-Cookie", clear_binding);
    return r;
  };
  if (request.has_error) {
    const bool plain = request.error.size() <= 64 && std::all_of(request.error.begin(), request.error.end(), [](char c) {
                         return (c >= 'a' && c <= 'z') || c == '_';
                       });
    return refuse(401, "smart-ehr-error", "The EHR did not authorise Zebra",
                  "EHR answered " + (plain ? request.error : std::string("an error")),
                  "the EHR answered " + (plain ? request.error : std::string("with an error")));
  }
  auto data = s.launcher->Finish(request.code, request.state, request.binding_cookie, s.now_unix);
  if (!data) {
    const Refusal& r = RefusalFor(Step::kCallback, data.error().code);
    return refuse(r.status, r.type, r.title, data.error().message, r.detail);
  }

  // Who: an account linked to this EHR identity, created with the configured role at first launch.
  const std::string username = Username(data->who, data->fhir_base);
  if (username.empty()) {
    return refuse(403, "smart-identity", "Who launched Zebra is unknown", "fhirUser/sub gives no usable username",
                  "your EHR identity cannot be used as a Zebra username");
  }
  const std::string marker = auth::ExternalAccountMarker(data->fhir_base, data->who.subject);
  auto found = s.store->FindUser(username);
  if (!found) return Page(500, "store", "Store error", "the case store could not complete the request");
  store::User user;
  if (*found) {
    user = **found;
    if (user.password_hash != marker) {
      return refuse(403, "smart-account-conflict", "Username already taken", "username belongs to another account",
                    "a Zebra account with this username exists and is not linked to your EHR identity; ask an "
                    "administrator",
                    username);
    }
    if (user.disabled) {
      return refuse(403, "account-disabled", "Account disabled", "account disabled",
                    "your Zebra account is disabled; ask an administrator", username);
    }
  } else {
    auto created = s.store->CreateUser(username, marker, *store::ParseRole(s.launcher->Config().role));
    if (!created) return Page(500, "store", "Store error", "the case store could not complete the request");
    user = *created;
  }
  if (Rank(user.role) < 2) {
    return refuse(403, "forbidden", "Insufficient role", "a viewer cannot open a case from the EHR",
                  "opening a case from the EHR needs the coordinator or clinician role", username);
  }

  // The patient's data through the engine's front door, as `zebra fhir map` reads it.
  data->bundle["timestamp"] = common::UnixToRfc3339(s.now_unix);
  auto mapped = engine::MapFhir(*s.kb, data->bundle.dump());
  if (!mapped) {
    // Located errors, as `zebra fhir map` reports them: the paths (in the bundle Zebra assembled),
    // not the messages, which may quote the patient's values.
    std::string where;
    for (std::size_t i = 0; i < mapped.error().size() && i < 10; ++i) where += (i ? ", " : "") + mapped.error()[i].path;
    return refuse(422, "invalid-fhir-bundle", "The patient's data could not be read",
                  "mapping failed: " + engine::ProblemCount(mapped.error().size()),
                  "the EHR's data could not be mapped (" + engine::ProblemCount(mapped.error().size()) + " at " + where +
                      ")",
                  username);
  }
  const std::string case_text = mapped->case_json.dump(2);
  auto evaluated = engine::Evaluate(*s.kb, engine::CaseInput{case_text, engine::InputKind::kCase, {}});
  std::string case_id;
  if (evaluated) {
    store::Evaluation e;
    e.knowledge_version = s.kb->version();
    e.engine_version = ZEBRA_VERSION;
    e.output_json = std::move(evaluated->output);
    auto written = s.store->CreateCaseWithEvaluation(case_text, username, e);
    if (!written) return Page(500, "store", "Store error", "the case store could not complete the request");
    case_id = written->revision.case_id;
  } else {
    // Incomplete EHR data: a draft the care team completes in the web application.
    auto written = s.store->CreateCase(case_text, username);
    if (!written) return Page(500, "store", "Store error", "the case store could not complete the request");
    case_id = written->case_id;
  }
  if (s.save_source) {
    Json source = Json::object();
    source["kind"] = "smart";
    source["fhir_base"] = data->fhir_base;
    source["patient"] = "Patient/" + data->patient_id;
    source["imported_at"] = common::UnixToRfc3339(s.now_unix);
    source["mapping_report"] = mapped->report;
    if (auto saved = s.save_source(case_id, 1, source, username); !saved) Log(s, "zebra serve: case source not stored: " + saved.error());
  }
  Audit(s, username, "smart.launch", case_id,
        fmt::format("from {}: {} resources in {} pages; {} fields, {} conflicts, {} unused{}", HostOf(data->fhir_base),
                    data->resources, data->pages, Count(mapped->report, "fields"), Count(mapped->report, "conflicts"),
                    Count(mapped->report, "unused"), evaluated ? "" : "; draft (does not validate yet)"));

  // The same session as POST /v1/session and OpenID Connect sign-in.
  const std::string token = auth::RandomToken(32);
  store::Session session;
  session.token_hash = auth::Sha256Hex(token);
  session.csrf_token = auth::RandomToken(32);
  session.user_id = user.id;
  session.expires_unix = s.now_unix + s.session_seconds;
  if (auto r = s.store->CreateSession(session); !r) {
    return Page(500, "store", "Store error", "the case store could not complete the request");
  }
  Audit(s, username, "session.create", "", "smart");
  Response r;
  r.status = 302;
  r.headers.emplace_back("Set-Cookie", clear_binding);
  r.headers.emplace_back("Set-Cookie", fmt::format("{}={}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{}",
                                                   kSessionCookie, token, s.session_seconds,
                                                   request.tls ? "; Secure" : ""));
  r.headers.emplace_back("Location", "/#/cases/" + case_id);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace zebra::smart
