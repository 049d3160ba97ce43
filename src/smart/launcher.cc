// The SMART App Launch state machine: configuration, discovery, authorization request, code
// exchange and the FHIR reads of the patient in context.
#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

#include "auth/auth.h"
#include "json/json_parse.h"
#include "smart/smart.h"

namespace zebra::smart {
namespace {

using Fail = tl::unexpected<common::Error>;

common::Error Failed(std::string_view kind, std::string why) { return {std::string(kind), "", std::move(why)}; }
using StrError = tl::unexpected<std::string>;

constexpr std::size_t kMaxConfigBytes = 64 * 1024;
constexpr std::size_t kMaxDocumentBytes = 1 << 20;
constexpr std::size_t kMaxPageBytes = 8 << 20;
constexpr std::size_t kMaxPending = 10000;
constexpr std::int64_t kPendingSeconds = 600;  // from /smart/launch to the callback
constexpr std::int64_t kSkewSeconds = 60;
constexpr int kMaxPagesPerSearch = 50;
constexpr std::size_t kMaxResources = 20000;
constexpr int kMaxDepth = 64;

std::string StripSlashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// https, or http for a loopback host with --insecure-dev (tests, an EHR sandbox on this machine).
bool UrlAllowed(std::string_view url, bool insecure_dev) {
  const auto parts = auth::ParseHttpUrl(url);
  if (!parts || url.find('#') != std::string_view::npos) return false;
  if (parts->scheme == "https") return true;
  return insecure_dev && auth::IsLoopbackHost(parts->host);
}

std::optional<std::string> StringField(const Json& doc, const char* name) {
  const auto it = doc.find(name);
  if (it == doc.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<Json> ParseJson(std::string_view text) {
  auto parsed = json::ParseStrict(text, json::ParseLimits{std::string::npos, kMaxDepth});
  if (!parsed) return std::nullopt;
  return Json(std::move(*parsed));
}

// FHIR ids: [A-Za-z0-9\-\.]{1,64}.
bool ValidFhirId(std::string_view id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
  });
}

struct Pending {
  std::string fhir_base, verifier, binding_hash, token_endpoint, id_token_issuer;
  std::int64_t expires = 0;
};

// The payload of the id_token, checked for iss, aud and exp (see Identity).
// `path` names the claim or part ("exp", "payload"), empty for the token as a whole; `message` is
// the whole sentence, as the audit and log print it.
tl::unexpected<common::Error> IdTokenError(std::string part, std::string why) {
  return tl::unexpected(common::Error(std::move(part), std::move(why)));
}

tl::expected<Identity, common::Error> ReadIdToken(std::string_view token, const std::string& client_id,
                                                  const std::string& expected_issuer, std::int64_t now) {
  if (token.size() > 64 * 1024) return IdTokenError("", "id_token too large");
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos) return IdTokenError("", "id_token is not a JWT");
  const auto payload_text = auth::Base64UrlDecode(token.substr(first + 1, second - first - 1));
  if (!payload_text) return IdTokenError("payload", "id_token payload is not base64url");
  const auto claims = ParseJson(*payload_text);
  if (!claims || !claims->is_object()) return IdTokenError("payload", "id_token payload is not a JSON object");
  const auto iss = StringField(*claims, "iss");
  if (!iss) return IdTokenError("iss", "id_token has no iss");
  if (!expected_issuer.empty() && StripSlashes(*iss) != StripSlashes(expected_issuer)) {
    return IdTokenError("iss", "id_token iss is not the EHR's issuer");
  }
  bool aud_ok = false;
  if (const auto aud = claims->find("aud"); aud != claims->end()) {
    if (aud->is_string()) aud_ok = aud->get_ref<const std::string&>() == client_id;
    if (aud->is_array()) {
      for (const auto& a : *aud) aud_ok = aud_ok || (a.is_string() && a.get_ref<const std::string&>() == client_id);
    }
  }
  if (!aud_ok) return IdTokenError("aud", "id_token aud does not name this client");
  const auto exp = claims->find("exp");
  if (exp == claims->end() || !exp->is_number()) return IdTokenError("exp", "id_token has no exp");
  if (exp->get<double>() + kSkewSeconds <= static_cast<double>(now)) return IdTokenError("exp", "id_token expired");
  Identity who;
  who.issuer = *iss;
  const auto fhir_user = StringField(*claims, "fhirUser");
  const auto sub = StringField(*claims, "sub");
  if (fhir_user) who.subject = *fhir_user;
  else if (sub) who.subject = *sub;
  else return IdTokenError("sub", "id_token has neither fhirUser nor sub");
  if (who.subject.size() > 512) return IdTokenError("sub", "id_token subject too long");
  return who;
}

class LauncherImpl final : public Launcher {
 public:
  LauncherImpl(SmartConfig config, bool insecure_dev, HttpFn http)
      : config_(std::move(config)), insecure_dev_(insecure_dev), http_(std::move(http)) {
    if (!http_) http_ = [](const auth::internal::HttpCall& call) { return auth::internal::Fetch(call); };
  }

  const SmartConfig& Config() const override { return config_; }

  tl::expected<LaunchStart, common::Error> Begin(std::string_view iss_in, std::string_view launch,
                                         std::int64_t now) override {
    if (iss_in.empty()) return Fail(Failed(failure::kBadRequest, "launch without iss"));
    if (iss_in.size() > 2048 || launch.size() > 4096) return Fail(Failed(failure::kBadRequest, "iss or launch too long"));
    for (char c : launch) {
      if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) {
        return Fail(Failed(failure::kBadRequest, "launch holds characters outside printable ASCII"));
      }
    }
    const std::string iss = StripSlashes(std::string(iss_in));
    if (std::find(config_.issuers.begin(), config_.issuers.end(), iss) == config_.issuers.end()) {
      return Fail(Failed(failure::kIssuerNotAllowed, "iss is not a configured FHIR server"));
    }
    if (!UrlAllowed(iss, insecure_dev_)) {
      return Fail(Failed(failure::kIssuerNotAllowed, "iss must be https (http only for loopback with --insecure-dev)"));
    }
    // SMART App Launch 2.0 §2.1: the server's capabilities and endpoints.
    auth::internal::HttpCall call;
    call.url = iss + "/.well-known/smart-configuration";
    call.accept = "application/json";
    call.max_bytes = kMaxDocumentBytes;
    const auto answer = http_(call);
    if (!answer) return Fail(Failed(failure::kDiscovery, "smart-configuration of " + iss + ": " + answer.error().message));
    if (answer->status != 200) {
      return Fail(Failed(failure::kDiscovery,
                        "smart-configuration of " + iss + ": HTTP " + std::to_string(answer->status)));
    }
    const auto doc = ParseJson(answer->body);
    if (!doc || !doc->is_object()) {
      return Fail(Failed(failure::kDiscovery, "smart-configuration of " + iss + " is not a JSON object"));
    }
    Pending pending;
    pending.fhir_base = iss;
    std::string authorization_endpoint;
    for (auto [name, out] : {std::pair{"authorization_endpoint", &authorization_endpoint},
                             std::pair{"token_endpoint", &pending.token_endpoint}}) {
      const auto value = StringField(*doc, name);
      if (!value || !UrlAllowed(*value, insecure_dev_)) {
        return Fail(Failed(failure::kDiscovery,
                          std::string("smart-configuration has no usable ") + name + " (https required)"));
      }
      *out = *value;
    }
    // SMART 2.0 servers must offer S256; without it the code could be redeemed by whoever sees it.
    const auto methods = doc->find("code_challenge_methods_supported");
    if (methods == doc->end() || !methods->is_array() ||
        std::find(methods->begin(), methods->end(), Json("S256")) == methods->end()) {
      return Fail(Failed(failure::kPkceUnsupported, "the EHR does not offer PKCE S256"));
    }
    if (const auto issuer = StringField(*doc, "issuer")) pending.id_token_issuer = *issuer;

    const std::string state = auth::RandomToken(32);
    pending.verifier = auth::RandomToken(32);  // 43 characters, as RFC 7636 asks at least
    LaunchStart start;
    start.browser_binding = auth::RandomToken(32);
    pending.binding_hash = auth::Sha256Hex(start.browser_binding);
    pending.expires = now + kPendingSeconds;
    std::string url = authorization_endpoint;
    url += url.find('?') == std::string::npos ? '?' : '&';
    url += "response_type=code&client_id=" + auth::PercentEncode(config_.client_id) +
           "&redirect_uri=" + auth::PercentEncode(config_.redirect_uri) +
           "&scope=" + auth::PercentEncode(launch.empty() ? kStandaloneScope : kEhrLaunchScope) + "&state=" + state +
           "&aud=" + auth::PercentEncode(iss) + "&code_challenge=" + auth::PkceS256Challenge(pending.verifier) +
           "&code_challenge_method=S256";
    if (!launch.empty()) url += "&launch=" + auth::PercentEncode(launch);
    {
      std::lock_guard lock(mu_);
      for (auto it = pending_.begin(); it != pending_.end();) {
        it = it->second.expires <= now ? pending_.erase(it) : std::next(it);
      }
      if (pending_.size() >= kMaxPending) return Fail(Failed(failure::kUnavailable, "too many launches in flight"));
      pending_.emplace(state, std::move(pending));
    }
    start.authorization_url = std::move(url);
    return start;
  }

  tl::expected<PatientData, common::Error> Finish(std::string_view code, std::string_view state,
                                          std::string_view browser_binding, std::int64_t now) override {
    if (code.empty() || state.empty()) return Fail(Failed(failure::kBadRequest, "callback without code or state"));
    if (code.size() > 4096) return Fail(Failed(failure::kBadRequest, "code too long"));
    Pending pending;
    {
      std::lock_guard lock(mu_);
      const auto it = pending_.find(std::string(state));
      if (it == pending_.end()) return Fail(Failed(failure::kBadState, "state unknown or already used"));
      pending = std::move(it->second);
      pending_.erase(it);  // single use, whatever happens next: a replayed callback finds nothing
    }
    if (pending.expires <= now) return Fail(Failed(failure::kBadState, "state expired"));
    if (browser_binding.empty() || !auth::ConstantTimeEqual(auth::Sha256Hex(browser_binding), pending.binding_hash)) {
      return Fail(Failed(failure::kBadState, "state was issued to another browser (binding cookie missing or wrong)"));
    }
    if (pending.verifier.empty()) return Fail(Failed(failure::kNoVerifier, "no PKCE verifier is held for this state"));

    // Code exchange (RFC 6749 4.1.3, public client, with the PKCE verifier).
    auth::internal::HttpCall call;
    call.method = "POST";
    call.url = pending.token_endpoint;
    call.max_bytes = kMaxDocumentBytes;
    call.form = "grant_type=authorization_code&code=" + auth::PercentEncode(code) +
                "&redirect_uri=" + auth::PercentEncode(config_.redirect_uri) +
                "&code_verifier=" + pending.verifier + "&client_id=" + auth::PercentEncode(config_.client_id);
    const auto answer = http_(call);
    if (!answer) return Fail(Failed(failure::kTokenEndpoint, "token endpoint: " + answer.error().message));
    if (answer->status != 200) {
      const std::string error = auth::OAuthErrorCode(answer->body);
      return Fail(Failed(failure::kTokenEndpoint, "token endpoint answered HTTP " + std::to_string(answer->status) +
                                                     (error.empty() ? "" : " (" + error + ")")));
    }
    const auto doc = ParseJson(answer->body);
    if (!doc || !doc->is_object()) return Fail(Failed(failure::kTokenEndpoint, "token response is not a JSON object"));
    const auto access_token = StringField(*doc, "access_token");
    if (!access_token || access_token->size() > 16 * 1024 ||
        access_token->find_first_of("\r\n") != std::string::npos) {
      return Fail(Failed(failure::kTokenEndpoint, "token response has no usable access_token"));
    }
    if (const auto type = StringField(*doc, "token_type"); !type || (*type != "Bearer" && *type != "bearer")) {
      return Fail(Failed(failure::kTokenEndpoint, "token_type is not Bearer"));
    }
    const auto id_token = StringField(*doc, "id_token");
    if (!id_token) return Fail(Failed(failure::kIdentity, "token response has no id_token (scope openid fhirUser)"));
    auto who = ReadIdToken(*id_token, config_.client_id, pending.id_token_issuer, now);
    if (!who) return Fail(Failed(failure::kIdentity, who.error().message));
    const auto patient = StringField(*doc, "patient");
    if (!patient || !ValidFhirId(*patient)) {
      return Fail(Failed(failure::kNoPatient, "token response names no patient in context"));
    }

    PatientData data;
    data.fhir_base = pending.fhir_base;
    data.patient_id = *patient;
    data.who = std::move(*who);
    std::vector<Json> resources;
    const std::string bearer = "Bearer " + *access_token;
    for (const auto& search : PatientSearches()) {
      std::string query = search;
      query.replace(query.find("{id}"), 4, *patient);
      auto read = ReadAll(pending.fhir_base + "/" + query, pending.fhir_base, bearer, resources, data.pages);
      if (!read) return Fail(Failed(failure::kFhir, read.error()));
    }
    data.resources = resources.size();
    data.bundle = AssembleBundle(resources, pending.fhir_base, "");
    return data;
  }

 private:
  // One read or search, following `next` links on the same FHIR server. The why names the
  // resource type, never the URL (which holds the patient id).
  tl::expected<void, std::string> ReadAll(std::string url, const std::string& base, const std::string& bearer,
                                          std::vector<Json>& out, std::size_t& pages) {
    const std::string what = url.substr(base.size() + 1, url.find_first_of("/?", base.size() + 1) - base.size() - 1);
    for (int page = 0; !url.empty(); ++page) {
      if (page >= kMaxPagesPerSearch) return StrError(what + ": more than " + std::to_string(kMaxPagesPerSearch) + " pages");
      auth::internal::HttpCall call;
      call.url = url;
      call.authorization = bearer;
      call.accept = "application/fhir+json";
      call.max_bytes = kMaxPageBytes;
      const auto answer = http_(call);
      if (!answer) return StrError(what + ": " + answer.error().message);
      if (answer->status != 200) return StrError(what + ": HTTP " + std::to_string(answer->status));
      const auto doc = ParseJson(answer->body);
      if (!doc || !doc->is_object()) return StrError(what + ": the answer is not a JSON object");
      ++pages;
      url.clear();
      if (doc->value("resourceType", Json("")) != "Bundle") {
        out.push_back(*doc);
      } else {
        if (const auto entries = doc->find("entry"); entries != doc->end() && entries->is_array()) {
          for (const auto& e : *entries) {
            if (!e.is_object() || !e.contains("resource") || !e["resource"].is_object()) continue;
            const Json& r = e["resource"];
            if (r.value("resourceType", Json("")) == "OperationOutcome") continue;  // search warnings
            out.push_back(r);
          }
        }
        if (const auto links = doc->find("link"); links != doc->end() && links->is_array()) {
          for (const auto& l : *links) {
            if (!l.is_object() || l.value("relation", Json("")) != "next" || !l.contains("url") || !l["url"].is_string()) continue;
            const std::string next = l["url"].get<std::string>();
            // A link elsewhere would carry the access token to another server.
            if (!PagingLinkAllowed(next, base)) return StrError(what + ": a paging link leaves the FHIR server");
            url = next;
          }
        }
      }
      if (out.size() > kMaxResources) return StrError("more than " + std::to_string(kMaxResources) + " resources");
    }
    return {};
  }

  const SmartConfig config_;
  const bool insecure_dev_;
  HttpFn http_;
  std::mutex mu_;
  std::unordered_map<std::string, Pending> pending_;
};

// reference -> "Type/id" of a resource in the bundle, else nullopt.
std::optional<std::string> LocalReference(std::string ref, std::string_view base, const std::set<std::string>& known) {
  const std::string prefix = std::string(base) + "/";
  if (ref.rfind(prefix, 0) == 0) ref = ref.substr(prefix.size());
  if (const auto hist = ref.find("/_history/"); hist != std::string::npos) ref.resize(hist);
  if (known.count(ref)) return ref;
  return std::nullopt;
}

}  // namespace

void LocaliseReferences(Json& node, const std::function<std::optional<std::string>(const std::string&)>& local) {
  if (node.is_object()) {
    for (auto it = node.begin(); it != node.end();) {
      if (it.key() == "reference") {
        std::optional<std::string> to;
        if (it->is_string()) {
          const std::string ref = it->get<std::string>();
          to = !ref.empty() && ref[0] == '#' ? std::optional<std::string>(ref) : local(ref);
        }
        if (!to) {
          it = node.erase(it);
          continue;
        }
        *it = *to;
      } else {
        LocaliseReferences(*it, local);
      }
      ++it;
    }
  } else if (node.is_array()) {
    for (auto& x : node) LocaliseReferences(x, local);
  }
}

const std::vector<std::string>& PatientSearches() {
  static const std::vector<std::string> kSearches = {
      "Patient/{id}",
      "Condition?patient={id}&_count=100",
      "Observation?patient={id}&_count=100",
      "MedicationStatement?patient={id}&_count=100&_include=MedicationStatement:medication",
      "MedicationRequest?patient={id}&_count=100&_include=MedicationRequest:medication",
      "MedicationAdministration?patient={id}&_count=100&_include=MedicationAdministration:medication",
      "Procedure?patient={id}&_count=100",
  };
  return kSearches;
}

bool PagingLinkAllowed(std::string_view link, std::string_view fhir_base) { return auth::IsUnderBaseUrl(link, fhir_base); }

Json AssembleBundle(const std::vector<Json>& resources, std::string_view fhir_base, std::string_view timestamp) {
  const std::string base = StripSlashes(std::string(fhir_base));
  Json entries = Json::array();
  std::set<std::string> known;
  for (const auto& r : resources) {
    if (!r.is_object() || !r.contains("resourceType") || !r["resourceType"].is_string()) continue;
    const std::string type = r["resourceType"].get<std::string>();
    const std::string id = r.contains("id") && r["id"].is_string() ? r["id"].get<std::string>() : "";
    if (!id.empty() && !known.insert(type + "/" + id).second) continue;  // a resource read twice
    entries.push_back(Json{{"resource", r}});
  }
  LocaliseReferences(entries, [&](const std::string& ref) { return LocalReference(ref, base, known); });
  Json bundle = Json::object();
  bundle["resourceType"] = "Bundle";
  bundle["id"] = "smart-launch";  // becomes the case label: never the patient's id
  bundle["type"] = "collection";
  if (!timestamp.empty()) bundle["timestamp"] = std::string(timestamp);
  bundle["entry"] = std::move(entries);
  return bundle;
}

// A config file error: `path` is the file, the message starts at the key ("file: key ...").
namespace {
tl::unexpected<common::Error> ConfigError(const std::string& file, std::string what) {
  return tl::unexpected(common::Error(file, std::move(what)));
}
}  // namespace

tl::expected<SmartConfig, common::Error> LoadSmartConfig(const std::string& path, bool insecure_dev) {
  const auto text = auth::internal::ReadSmallFile(path, kMaxConfigBytes);
  if (!text) return tl::unexpected(common::Error("", text.error()));  // the message names the file
  const auto parsed = json::ParseStrict(*text, {.max_bytes = kMaxConfigBytes, .max_depth = 8});
  if (!parsed) return ConfigError(path, parsed.error().path + ": " + parsed.error().message);
  const auto& doc = *parsed;
  if (!doc.is_object()) return ConfigError(path, "not a JSON object");
  static const std::set<std::string> kKeys = {"client_id", "redirect_uri", "issuers", "role", "write_back"};
  for (const auto& [key, value] : doc.items()) {
    if (!kKeys.count(key)) return ConfigError(path, "unknown key \"" + json::SanitizeUtf8(key, true) + "\"");
  }
  SmartConfig config;
  for (auto [key, out] : {std::pair{"client_id", &config.client_id}, std::pair{"redirect_uri", &config.redirect_uri}}) {
    const auto it = doc.find(key);
    if (it == doc.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
      return ConfigError(path, std::string(key) + " is required (a non-empty string)");
    }
    *out = it->get<std::string>();
  }
  const auto redirect = auth::ParseHttpUrl(config.redirect_uri);
  if (!redirect || config.redirect_uri.find('#') != std::string::npos ||
      (redirect->scheme != "https" && !auth::IsLoopbackHost(redirect->host))) {
    return ConfigError(path, "redirect_uri must be an absolute https URL (http only for loopback)");
  }
  const auto issuers = doc.find("issuers");
  if (issuers == doc.end() || !issuers->is_array() || issuers->empty()) {
    return ConfigError(path, "issuers must be a non-empty array of FHIR base URLs");
  }
  for (std::size_t i = 0; i < issuers->size(); ++i) {
    const auto& v = (*issuers)[i];
    const std::string at = "issuers[" + std::to_string(i) + "]";
    if (!v.is_string()) return ConfigError(path, at + " must be a string");
    const std::string url = StripSlashes(v.get<std::string>());
    if (!auth::ParseHttpUrl(url) || url.find_first_of("?#") != std::string::npos) {
      return ConfigError(path, at + " must be an absolute URL without query or fragment");
    }
    if (!UrlAllowed(url, insecure_dev)) {
      return ConfigError(path, at + " must be https (http only for a loopback issuer with --insecure-dev)");
    }
    config.issuers.push_back(url);
  }
  if (const auto it = doc.find("role"); it != doc.end()) {
    if (!it->is_string() || (*it != "viewer" && *it != "coordinator" && *it != "clinician")) {
      return ConfigError(path, "role must be viewer, coordinator or clinician");
    }
    config.role = it->get<std::string>();
  }
  if (const auto it = doc.find("write_back"); it != doc.end()) {
    if (!it->is_boolean()) return ConfigError(path, "write_back must be true or false");
    config.write_back = it->get<bool>();
  }
  return config;
}

std::unique_ptr<Launcher> MakeLauncher(SmartConfig config, bool insecure_dev, HttpFn http) {
  return std::make_unique<LauncherImpl>(std::move(config), insecure_dev, std::move(http));
}

}  // namespace zebra::smart
