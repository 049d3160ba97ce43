#include "api/cds_hooks.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "auth/auth.h"
#include "common/clock.h"
#include "engine/engine.h"
#include "json/json_parse.h"
#include "json/json_values.h"
#include "json/json_writer.h"
#include "api/handlers.h"
#include "smart/smart.h"  // LocaliseReferences

namespace zebra::api {
namespace {

using Json = nlohmann::ordered_json;
namespace fs = std::filesystem;

constexpr std::size_t kMaxBodyBytes = 8 * 1024 * 1024;
constexpr std::size_t kMaxDepth = 60;  // the FHIR mapper refuses bundles deeper than 64
constexpr std::size_t kMaxSummaryChars = 139;  // CDS Hooks: fewer than 140 characters
constexpr int kMaxFhirPages = 5;
constexpr const char* kSourceLabel = "Zebra NET decision support";
constexpr const char* kTopicSystem = "http://zebra.invalid/fhir/CodeSystem/cds-topic";
constexpr const char* kOverrideSystem = "http://zebra.invalid/fhir/CodeSystem/cds-override-reason";

// ---- small helpers ------------------------------------------------------------------------------

struct ServiceDef {
  std::string_view id;
  std::string_view hook;
  const char* title;
  const char* description;
};

constexpr ServiceDef kServices[] = {
    {kTumorBoardService, "patient-view", "NET tumour-board readiness and options",
     "For a patient with a neuroendocrine neoplasm: which data the tumour board still needs (grade, Ki-67, stage, "
     "SSTR imaging, ...), the guideline options that fit the case (preferred first) and alerts that must not be "
     "missed, from Zebra's DMN knowledge base."},
    {kOrderCheckService, "order-sign", "NET therapy order check",
     "Checks drafted NET therapies (somatostatin analogues, PRRT, everolimus, sunitinib, cabozantinib, CAPTEM, "
     "platinum-etoposide, ...) against the case: warns when the knowledge base lists the therapy as not "
     "recommended (e.g. PRRT without SSTR uptake, sunitinib for a non-pancreatic NET)."},
};

const ServiceDef* FindService(std::string_view id) {
  for (const auto& s : kServices)
    if (s.id == id) return &s;
  return nullptr;
}

// Prefetch templates: key, template, resource type the key yields. Observations are not
// filtered by category: mCODE stage, Ki-67 and ECOG Observations often carry none.
struct PrefetchDef {
  const char* key;
  const char* query;  // {{context.patientId}} is replaced
  const char* resource_type;
  bool essential;  // without it there is no case to evaluate
};
constexpr PrefetchDef kPrefetch[] = {
    {"patient", "Patient/{{context.patientId}}", "Patient", true},
    {"conditions", "Condition?patient={{context.patientId}}", "Condition", true},
    {"observations", "Observation?patient={{context.patientId}}", "Observation", false},
    {"medications", "MedicationStatement?patient={{context.patientId}}", "MedicationStatement", false},
    {"procedures", "Procedure?patient={{context.patientId}}", "Procedure", false},
};

bool Digits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// YYYY-MM-DDThh:mm:ss, optional .fraction (1 to 9 digits), then Z or +hh:mm / -hh:mm.
bool IsRfc3339Shape(std::string_view s) {
  if (s.size() < 20 || !Digits(s.substr(0, 4)) || s[4] != '-' || !Digits(s.substr(5, 2)) || s[7] != '-' ||
      !Digits(s.substr(8, 2)) || s[10] != 'T' || !Digits(s.substr(11, 2)) || s[13] != ':' ||
      !Digits(s.substr(14, 2)) || s[16] != ':' || !Digits(s.substr(17, 2)))
    return false;
  std::string_view rest = s.substr(19);
  if (!rest.empty() && rest.front() == '.') {
    std::size_t n = 1;
    while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') ++n;
    if (n < 2 || n > 10) return false;
    rest.remove_prefix(n);
  }
  if (rest == "Z") return true;
  return rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && Digits(rest.substr(1, 2)) && rest[3] == ':' &&
         Digits(rest.substr(4, 2));
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Cuts to at most `max` code points at a word boundary, adding an ellipsis.
std::string Truncate(const std::string& s, std::size_t max) {
  std::vector<std::size_t> starts;  // byte offset of each code point
  for (std::size_t i = 0; i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) starts.push_back(i);
  if (starts.size() <= max) return s;
  std::string cut = s.substr(0, starts[max - 1]);
  std::size_t space = cut.find_last_of(' ');
  if (space != std::string::npos && space > cut.size() / 2) cut.resize(space);
  while (!cut.empty() && (cut.back() == ' ' || cut.back() == ',' || cut.back() == ';' || cut.back() == ':'))
    cut.pop_back();
  return cut + "\xE2\x80\xA6";  // …
}

// Text from the request shown in markdown: no markup, links or HTML.
std::string EscapeMarkdown(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\`*_[]<>#|!").find(c) != std::string_view::npos) out += '\\';
    if (c == '\n' || c == '\r') c = ' ';
    out += c;
  }
  return out;
}

std::string NewUuid() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) {
    // Never expected; a uuid must still be unique enough for feedback matching.
    std::random_device rd;
    for (auto& x : b) x = static_cast<unsigned char>(rd());
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);
  char out[37];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

Response JsonResult(int status, const Json& body) {
  return {status, "application/json", body.dump(-1, ' ', false, Json::error_handler_t::replace)};
}

Response CdsProblem(int status, std::string title, std::string path, std::string message) {
  Json p = Json::object();
  p["type"] = "about:blank";
  p["title"] = title;
  p["status"] = status;
  p["detail"] = path.empty() ? message : path + ": " + message;
  Json e = Json::object();
  e["path"] = path.empty() ? "$" : "$." + path;
  e["message"] = message;
  p["errors"] = Json::array({e});
  return {status, "application/problem+json", p.dump(-1, ' ', false, Json::error_handler_t::replace)};
}

Response BadRequest(std::string path, std::string message) {
  return CdsProblem(400, "Bad CDS Hooks request", std::move(path), std::move(message));
}

Response Unauthorized() { return {401, "", ""}; }

std::optional<Json> CdsParseBody(std::string_view body, Response* error) {
  if (body.size() > kMaxBodyBytes) {
    *error = CdsProblem(413, "Request too large", "", "the body is larger than 8 MiB");
    return std::nullopt;
  }
  if (json::NestingDepth(body) > kMaxDepth) {
    *error = BadRequest("", "JSON nested deeper than " + std::to_string(kMaxDepth) + " levels");
    return std::nullopt;
  }
  // Strict: a repeated key or invalid UTF-8 is refused with its location.
  auto parsed = json::ParseStrict(body, json::ParseLimits{kMaxBodyBytes, kMaxDepth});
  if (!parsed) {
    *error = BadRequest(parsed.error().path == "$" ? "" : parsed.error().path, parsed.error().message);
    return std::nullopt;
  }
  Json j = std::move(*parsed);
  if (!j.is_object()) {
    *error = BadRequest("", "the body must be a JSON object");
    return std::nullopt;
  }
  return j;
}

const std::string* StringAt(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return nullptr;
  return &it->get_ref<const std::string&>();
}

// ---- authentication -----------------------------------------------------------------------------

bool AudienceMatches(const Json& aud, const std::vector<std::string>& accepted) {
  auto one = [&](const Json& a) {
    return a.is_string() && std::find(accepted.begin(), accepted.end(), a.get<std::string>()) != accepted.end();
  };
  if (aud.is_string()) return one(aud);
  if (aud.is_array()) return std::any_of(aud.begin(), aud.end(), one);
  return false;
}

// Empty optional: authenticated (or no verifier configured).
std::optional<Response> Authenticate(const CdsContext& ctx, std::string_view service_id, bool feedback,
                                       std::string_view header) {
  if (!ctx.verifier) return std::nullopt;
  // Scheme is case-insensitive (RFC 7235); exactly one space before the token.
  if (header.size() < 8 || Lower(std::string(header.substr(0, 7))) != "bearer ") return Unauthorized();
  std::string_view token = header.substr(7);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
  if (token.empty()) return Unauthorized();
  auto claims = ctx.verifier->Verify(token, ctx.now_unix);
  if (!claims) return Unauthorized();
  std::string endpoint = ctx.service_url + "/cds-services/" + std::string(service_id);
  std::vector<std::string> accepted{endpoint, ctx.service_url};
  if (feedback) accepted.push_back(endpoint + "/feedback");
  auto aud = claims->payload.find("aud");
  if (aud == claims->payload.end() || !AudienceMatches(*aud, accepted)) return Unauthorized();
  if (ctx.store) {
    if (claims->jti.empty()) return Unauthorized();
    auto fresh = ctx.store->RememberJti(claims->iss, claims->jti, claims->exp);
    if (!fresh || !*fresh) return Unauthorized();
  }
  return std::nullopt;
}

// ---- knowledge-side data: code tables and which rule outputs which id ---------------------------

// Rules that fired (trace) in the given decisions and whose outputs name `id` (all of the
// decisions' fired rules when `id` is empty).
std::vector<std::string> FiredRules(const engine::Knowledge& kb, const Json& rec, const std::set<std::string>& decisions,
                                    const std::string& id) {
  std::vector<std::string> out;
  if (!rec.contains("trace") || !rec["trace"].is_array()) return out;
  for (const auto& t : rec["trace"]) {
    if (!t.is_object() || !t.value("hit", false)) continue;
    if (!decisions.empty() && !decisions.count(t.value("decision", ""))) continue;
    std::string rule = t.value("rule", "");
    if (!id.empty()) {
      auto it = kb.rule_outputs().find(rule);
      if (it == kb.rule_outputs().end() || std::find(it->second.begin(), it->second.end(), id) == it->second.end())
        continue;
    }
    if (std::find(out.begin(), out.end(), rule) == out.end()) out.push_back(rule);
  }
  return out;
}

// ---- FHIR data ---------------------------------------------------------------------------------

struct Data {
  Json bundle;                     // collection Bundle for the mapper
  std::vector<std::string> notes;  // what could not be obtained (no patient data)
  std::set<std::string> types;     // resource types present
};

std::string UrlEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

// Adds a resource (or every resource of a Bundle) to `entries`; OperationOutcomes are notes.
void Collect(const Json& value, Json& entries, std::set<std::string>& seen, std::set<std::string>& types,
             std::vector<std::string>& notes, const std::string& key) {
  if (!value.is_object()) return;
  std::string type = value.value("resourceType", Json("")).is_string() ? value.value("resourceType", "") : "";
  if (type == "Bundle") {
    auto e = value.find("entry");
    if (e == value.end() || !e->is_array()) return;
    for (const auto& entry : *e)
      if (entry.is_object() && entry.contains("resource") && entry["resource"].is_object() &&
          entry["resource"].value("resourceType", Json("")) != "Bundle")
        Collect(entry["resource"], entries, seen, types, notes, key);
    return;
  }
  if (type.empty()) return;
  if (type == "OperationOutcome") {
    notes.push_back("the EHR reported a problem fetching \"" + key + "\"");
    return;
  }
  std::string id = value.value("id", Json("")).is_string() ? value.value("id", "") : "";
  if (!id.empty() && !seen.insert(type + "/" + id).second) return;
  Json entry = Json::object();
  entry["resource"] = value;
  entries.push_back(std::move(entry));
  types.insert(type);
}

// A reference's last "Type/id" (absolute URLs of the EHR, queries dropped) when that resource
// was prefetched; else nullopt (a Patient not prefetched, say), and smart::LocaliseReferences
// drops it.
std::optional<std::string> PrefetchedReference(std::string ref, const std::set<std::string>& known) {
  auto q = ref.find_first_of("?");
  if (q != std::string::npos) ref.resize(q);
  auto slash = ref.rfind('/');
  if (slash == std::string::npos || slash == 0) return std::nullopt;
  auto prev = ref.rfind('/', slash - 1);
  std::string local = ref.substr(prev == std::string::npos ? 0 : prev + 1);
  if (!known.count(local)) return std::nullopt;
  return local;
}

std::optional<std::string> ResolveLink(const std::string& base, const std::string& next) {
  // Only follow pages on the same FHIR server: same origin, at or below the base path.
  if (auth::IsUnderBaseUrl(next, base)) return next;
  return std::nullopt;
}

// Fetches one prefetch template (following `next` pages on the same server).
tl::expected<std::vector<Json>, std::string> FetchKey(const FhirGetFn& get, const std::string& base,
                                                      const std::string& token, const std::string& query) {
  std::vector<Json> out;
  std::string url = base + "/" + query;
  for (int page = 0; page < kMaxFhirPages && !url.empty(); ++page) {
    auto body = get(url, token);
    if (!body) return tl::unexpected(body.error());
    if (json::NestingDepth(*body) > kMaxDepth) return tl::unexpected(std::string("response nested too deeply"));
    auto parsed = json::ParseStrict(*body, json::ParseLimits{std::string::npos, kMaxDepth});
    if (!parsed || !parsed->is_object()) return tl::unexpected(std::string("response is not a JSON object"));
    Json j = std::move(*parsed);
    url.clear();
    if (j.value("resourceType", Json("")) == "Bundle" && j.contains("link") && j["link"].is_array())
      for (const auto& l : j["link"])
        if (l.is_object() && l.value("relation", Json("")) == "next" && l.contains("url") && l["url"].is_string())
          if (auto n = ResolveLink(base, l["url"].get<std::string>())) url = *n;
    out.push_back(std::move(j));
  }
  return out;
}

struct RequestInfo {
  std::string hook_instance;
  std::string patient_id;
  const Json* prefetch = nullptr;  // object or null
  std::string fhir_server;         // empty: none
  std::string fhir_token;          // empty: none
};

// Gathers the patient's data; an error result is the HTTP answer (412).
tl::expected<Data, Response> GatherData(const CdsContext& ctx, const RequestInfo& req) {
  Data d;
  Json entries = Json::array();
  std::set<std::string> seen;
  std::set<std::string> prefetched_keys;
  if (req.prefetch && req.prefetch->is_object()) {
    for (const auto& [key, value] : req.prefetch->items()) {
      prefetched_keys.insert(key);  // null counts: the client queried and found nothing
      Collect(value, entries, seen, d.types, d.notes, key);
    }
  }
  std::vector<const PrefetchDef*> missing;
  for (const auto& p : kPrefetch)
    if (!prefetched_keys.count(p.key) && !d.types.count(p.resource_type)) missing.push_back(&p);

  if (!missing.empty()) {
    bool can_fetch = !req.fhir_server.empty() && !req.fhir_token.empty();
    if (can_fetch) {
      FhirGetFn get = ctx.fhir_get;
      if (!get) {
        bool allow_http = ctx.verifier == nullptr;  // insecure dev mode only
        get = [fetch = ctx.fhir_fetch, allow_http](const std::string& url,
                                                   const std::string& token) -> tl::expected<std::string, std::string> {
          if (!fetch) return tl::unexpected(std::string("no FHIR client"));
          return fetch(url, token, allow_http);
        };
      }
      std::string base = req.fhir_server;
      while (!base.empty() && base.back() == '/') base.pop_back();
      std::vector<std::future<tl::expected<std::vector<Json>, std::string>>> futures;
      for (const auto* p : missing) {
        std::string query = p->query;
        query.replace(query.find("{{context.patientId}}"), 21, UrlEncode(req.patient_id));
        futures.push_back(std::async(std::launch::async, FetchKey, get, base, req.fhir_token, query));
      }
      std::vector<const PrefetchDef*> still_missing;
      for (std::size_t i = 0; i < missing.size(); ++i) {
        auto r = futures[i].get();
        if (!r) {
          d.notes.push_back(std::string("could not fetch ") + missing[i]->resource_type + " resources from the EHR");
          still_missing.push_back(missing[i]);
          continue;
        }
        for (const auto& j : *r) Collect(j, entries, seen, d.types, d.notes, missing[i]->key);
      }
      missing = std::move(still_missing);
    }
    for (const auto* p : missing) {
      if (p->essential && !d.types.count(p->resource_type))
        return tl::unexpected(CdsProblem(412, "Precondition Failed", std::string("prefetch.") + p->key,
                                      can_fetch ? "the data could not be fetched from fhirServer"
                                                : "not prefetched, and no fhirServer with fhirAuthorization to fetch it"));
      if (!can_fetch)
        d.notes.push_back(std::string("no ") + p->resource_type + " data was prefetched (and no FHIR access was given)");
    }
  }
  std::set<std::string> known;
  for (const auto& e : entries) {
    const Json& r = e["resource"];
    if (r.contains("id") && r["id"].is_string()) known.insert(r["resourceType"].get<std::string>() + "/" + r["id"].get<std::string>());
  }
  smart::LocaliseReferences(entries, [&](const std::string& ref) { return PrefetchedReference(ref, known); });
  d.bundle = Json::object();
  d.bundle["resourceType"] = "Bundle";
  d.bundle["id"] = "cds-request";  // the case id; never the patient's id
  d.bundle["type"] = "collection";
  d.bundle["entry"] = std::move(entries);
  return d;
}

// ---- cards --------------------------------------------------------------------------------------

struct Evaluated {
  Json rec;  // zebra.recommendation/v1
  Json report;
  std::vector<std::string> notes;
};

std::string KnowledgeLine(const engine::Knowledge& kb) {
  return "Zebra knowledge base " + kb.version() + " (" + kb.release_date() + ").";
}

std::string RulesLine(const std::vector<std::string>& rules) {
  if (rules.empty()) return "";
  std::string s = "Rules that fired: ";
  for (std::size_t i = 0; i < rules.size(); ++i) s += (i ? ", `" : "`") + rules[i] + "`";
  return s + ".";
}

std::string CitationsLine(const engine::Knowledge& kb, const Json& keys) {
  if (!keys.is_array() || keys.empty()) return "";
  std::string s = "Sources:";
  for (const auto& k : keys) {
    if (!k.is_string()) continue;
    std::string key = k.get<std::string>();
    std::string ref = key;
    auto it = kb.citations().find(key);
    if (it != kb.citations().end() && it->is_object() && it->contains("reference") && (*it)["reference"].is_string())
      ref = key + ": " + (*it)["reference"].get<std::string>();
    s += "\n- " + ref;
  }
  return s;
}

Json BaseCard(const CdsContext& ctx, std::string summary, std::string indicator, std::string detail,
              const std::string& topic_code, const std::string& topic_display) {
  Json c = Json::object();
  c["uuid"] = NewUuid();
  c["summary"] = Truncate(summary, kMaxSummaryChars);
  c["indicator"] = indicator;
  c["detail"] = detail;
  Json source = Json::object();
  source["label"] = kSourceLabel;
  source["url"] = ctx.service_url + "/";
  Json topic = Json::object();
  topic["system"] = kTopicSystem;
  topic["code"] = topic_code;
  topic["display"] = topic_display;
  source["topic"] = topic;
  c["source"] = source;
  Json link = Json::object();
  link["label"] = "Open Zebra (tumour-board cases and knowledge base)";
  link["url"] = ctx.service_url + "/";
  link["type"] = "absolute";
  c["links"] = Json::array({link});
  if (!ctx.smart_launch_url.empty()) {
    Json smart = Json::object();
    smart["label"] = "Open this patient in Zebra";
    smart["url"] = ctx.smart_launch_url;
    smart["type"] = "smart";
    c["links"].push_back(std::move(smart));
  }
  return c;
}

// "tumor.mitoses_per_2mm2" -> "mitoses"; presentation only.
std::string FieldLabel(const std::string& field) {
  std::string last = field.substr(field.rfind('.') == std::string::npos ? 0 : field.rfind('.') + 1);
  static const std::set<std::string> kUnits{"cm", "percent", "per", "2mm2", "ml", "min", "g", "dl", "x", "uln", "10e9", "l", "years"};
  std::vector<std::string> words;
  std::stringstream ss(last);
  std::string w;
  while (std::getline(ss, w, '_'))
    if (!w.empty()) words.push_back(w);
  while (words.size() > 1 && kUnits.count(words.back())) words.pop_back();
  while (words.size() > 1 && kUnits.count(words.back())) words.pop_back();
  std::string out;
  for (const auto& x : words) out += (out.empty() ? "" : " ") + x;
  if (out == "t" || out == "n" || out == "m") out = "AJCC " + Lower(out) + " category";
  return out;
}

std::string CatalogueTitle(const engine::Knowledge& kb, const char* section, const std::string& id) {
  auto s = kb.catalogue().find(section);
  if (s != kb.catalogue().end() && s->is_object()) {
    auto e = s->find(id);
    if (e != s->end() && e->is_object() && e->contains("title") && (*e)["title"].is_string())
      return (*e)["title"].get<std::string>();
  }
  return id;
}

std::string CaseLine(const Json& rec) {
  const Json& cls = rec["classification"];
  const Json& sc = rec["scenario"];
  std::string s;
  if (sc.is_object() && sc.value("title", Json()).is_string()) s = sc["title"].get<std::string>();
  if (cls.is_object() && cls.value("grade", Json()).is_string()) s += (s.empty() ? "" : ", ") + cls["grade"].get<std::string>();
  return s;
}

std::string DataUsed(const Evaluated& ev) {
  std::string s = "**Data read from the record**";
  const Json& fields = ev.report.contains("fields") ? ev.report["fields"] : Json::array();
  std::set<std::string> listed;
  for (const auto& f : fields) {
    if (!f.is_object()) continue;
    std::string field = f.value("field", "");
    if (field.empty() || field == "history.prior_therapies" || !listed.insert(field).second) continue;
    std::string value = f["value"].is_string() ? f["value"].get<std::string>() : f["value"].dump();
    s += "\n- " + field + ": " + EscapeMarkdown(value);
  }
  if (listed.empty()) s += "\n- nothing Zebra could map";
  for (const auto& n : ev.notes) s += "\n- note: " + n;
  return s;
}

Json ReadinessCard(const CdsContext& ctx, const Evaluated& ev) {
  const Json& rec = ev.rec;
  const Json& missing = rec["missing"];
  const Json& workup = rec["workup"];
  std::vector<std::string> labels;
  for (const auto& m : missing) {
    std::string l = FieldLabel(m.value("field", ""));
    if (std::find(labels.begin(), labels.end(), l) == labels.end()) labels.push_back(l);
  }
  std::string summary;
  std::string indicator = "info";
  if (!labels.empty()) {
    indicator = "warning";
    summary = "Tumour board needs: ";
    for (std::size_t i = 0; i < labels.size(); ++i) summary += (i ? ", " : "") + labels[i];
    if (!workup.empty()) summary += "; " + std::to_string(workup.size()) + " workup item" + (workup.size() > 1 ? "s" : "");
  } else if (!workup.empty()) {
    summary = "Case data complete for tumour board; " + std::to_string(workup.size()) + " workup item" +
              (workup.size() > 1 ? "s" : "") + " to consider";
  } else {
    summary = "Case data complete for tumour board";
  }
  std::string detail;
  if (!missing.empty()) {
    detail += "**Missing data and what it blocks**";
    for (const auto& m : missing)
      detail += "\n- " + FieldLabel(m.value("field", "")) + " (`" + m.value("field", "") + "`): " + m.value("blocks", "");
    detail += "\n\n";
  }
  if (!workup.empty()) {
    detail += "**Workup still needed**";
    for (const auto& w : workup) detail += "\n- " + w.value("text", w.value("id", ""));
    detail += "\n\n";
  }
  if (rec["stage"].is_object() && !rec["stage"].value("group", Json()).is_string())
    detail += "Stage group: not determined (AJCC 8th).\n\n";
  detail += DataUsed(ev) + "\n\n";
  detail += RulesLine(FiredRules(*ctx.kb, rec, {"Classification Missing", "Stage Missing", "Missing", "Workup"}, "")) +
            "\n" + KnowledgeLine(*ctx.kb);
  return BaseCard(ctx, summary, indicator, detail, "tumor-board-readiness", "NET tumour-board readiness");
}

Json OptionsCard(const CdsContext& ctx, const Evaluated& ev) {
  const Json& rec = ev.rec;
  std::vector<const Json*> options;
  for (const auto& o : rec["options"])
    if (o.value("preferred", false)) options.push_back(&o);
  for (const auto& o : rec["options"])
    if (!o.value("preferred", false)) options.push_back(&o);
  std::string summary = "Options";
  std::string situation = CaseLine(rec);
  if (!situation.empty()) summary += " (" + situation + ")";
  summary += ": ";
  if (options.empty()) summary += "none determined from the data available";
  for (std::size_t i = 0; i < options.size(); ++i) {
    summary += (i ? "; " : "") + (*options[i])["title"].get<std::string>();
    if ((*options[i]).value("preferred", false)) summary += " (preferred)";
  }
  std::string detail;
  const Json& cls = rec["classification"];
  if (cls.is_object() && cls.value("basis", Json()).is_string() && !cls["basis"].get<std::string>().empty())
    detail += "Classification: " + cls["basis"].get<std::string>() + "\n\n";
  detail += "**Options that fit** (preferred first)";
  std::set<std::string> decisions{"Local Therapy Options", "Systemic Therapy Options", "Symptom Control Options",
                                  "NEC Options", "Research Options", "Options"};
  for (const Json* o : options) {
    std::string id = (*o)["id"].get<std::string>();
    detail += "\n- **" + (*o)["title"].get<std::string>() + "**" + ((*o).value("preferred", false) ? " (preferred)" : "") +
              ": " + (*o).value("rationale", "") + " Evidence: " + (*o).value("evidence", "") + ".";
    auto rules = FiredRules(*ctx.kb, rec, decisions, id);
    if (!rules.empty()) detail += " Rule: `" + rules.front() + "`.";
  }
  if (!rec["not_recommended"].empty()) {
    detail += "\n\n**Not recommended for this case**";
    for (const auto& n : rec["not_recommended"])
      detail += "\n- " + CatalogueTitle(*ctx.kb, "options", n.value("id", "")) + ": " + n.value("reason", "");
  }
  std::vector<std::string> info;
  for (const auto& a : rec["alerts"])
    if (a.value("severity", "") == "info") info.push_back(a.value("text", ""));
  if (!info.empty()) {
    detail += "\n\n**Also note**";
    for (const auto& t : info) detail += "\n- " + t;
  }
  std::vector<std::string> rules = FiredRules(*ctx.kb, rec, {"Scenario"}, "");
  for (const auto& r : FiredRules(*ctx.kb, rec, decisions, "")) rules.push_back(r);
  detail += "\n\n" + RulesLine(rules) + "\n" + KnowledgeLine(*ctx.kb) + "\n\n_" + std::string(engine::SupportNotice()) + "_";
  return BaseCard(ctx, summary, "info", detail, "treatment-options", "NET treatment options");
}

// Clinical trials (issue 23): one info card listing the studies of the local registry snapshot
// this case may fit, what matched and what remains to check. None when no study may fit.
std::optional<Json> TrialsCard(const CdsContext& ctx, const Evaluated& ev) {
  const Json& rec = ev.rec;
  if (!rec.contains("trials") || !rec["trials"].is_array() || rec["trials"].empty()) return std::nullopt;
  const Json& reg = rec.contains("trials_registry") ? rec["trials_registry"] : Json::object();
  const std::string n = std::to_string(rec["trials"].size());
  std::string summary = n + (rec["trials"].size() == 1 ? " clinical trial" : " clinical trials") +
                        " in the local registry may fit (snapshot " + reg.value("snapshot_date", "") + ")";
  std::string detail;
  if (reg.value("stale", false)) detail += "**Stale:** " + reg.value("stale_note", "") + "\n\n";
  detail += "**Studies that may fit** (nothing known rules them out)";
  for (const auto& t : rec["trials"]) {
    detail += "\n- **" + t.value("nct_id", "") + "** " + t.value("title", "") + " (" +
              (t["phase"].is_string() ? t["phase"].get<std::string>() : std::string("phase n/a")) + ", " +
              t.value("status", "") + ")";
    std::string matched, to_check;
    for (const auto& m : t.value("matched", Json::array())) matched += (matched.empty() ? "" : "; ") + m.get<std::string>();
    for (const auto& m : t.value("to_check", Json::array())) to_check += (to_check.empty() ? "" : "; ") + m.get<std::string>();
    if (!matched.empty()) detail += ". Matched: " + matched;
    if (!to_check.empty()) detail += ". To check: " + to_check;
    detail += ". " + t.value("url", "");
  }
  detail += "\n\n" + std::to_string(reg.value("excluded", 0)) + " studies of the registry are ruled out by known facts.\n" +
            KnowledgeLine(*ctx.kb);  // the support notice is on the options card, once
  return BaseCard(ctx, summary, "info", detail, "clinical-trials", "NET clinical trials");
}

Json AlertCard(const CdsContext& ctx, const Evaluated& ev, const Json& alert) {
  std::string id = alert.value("id", "");
  std::string title = CatalogueTitle(*ctx.kb, "alerts", id);
  std::string text = alert.value("text", "");
  std::string summary = title == id ? text : title + ": " + text;
  std::string detail = text + "\n\n" + CitationsLine(*ctx.kb, alert.value("citations", Json::array()));
  auto rules = FiredRules(*ctx.kb, ev.rec, {}, id);
  detail += "\n\n" + RulesLine(rules) + "\n" + KnowledgeLine(*ctx.kb);
  return BaseCard(ctx, summary, alert.value("severity", "warning"), detail, id, title);
}

// ---- order-sign: drafted therapies ---------------------------------------------------------------

const Json& Table(const Json& tables, const char* name) {
  static const Json kEmpty = Json::array();
  auto it = tables.find(name);
  return it == tables.end() || !it->is_array() ? kEmpty : *it;
}

// The one code-table matcher, shared with `fhir map` (codes before texts).
const Json* MatchTable(const Json& tables, const Json& table, const Json& cc) {
  return engine::MatchCodeTable(tables, table, cc);
}

struct DraftTherapy {
  std::string label;                 // what the order says (escaped for markdown later)
  std::string resource_ref;          // "MedicationRequest/id" for a delete suggestion, may be empty
  std::string drug;                  // medications-table drug, may be empty
  std::vector<std::string> options;  // candidate option ids
};

std::string ConceptLabel(const Json& cc) {
  if (cc.is_object() && cc.contains("text") && cc["text"].is_string()) return cc["text"].get<std::string>();
  if (cc.is_object() && cc.contains("coding") && cc["coding"].is_array())
    for (const auto& c : cc["coding"])
      if (c.is_object() && c.contains("display") && c["display"].is_string()) return c["display"].get<std::string>();
  return "a drafted order";
}

std::vector<DraftTherapy> DraftTherapies(const engine::Knowledge& kb, const Json& draft_orders) {
  std::vector<DraftTherapy> out;
  const Json& tables = kb.code_tables();
  const Json& entries = draft_orders["entry"];
  std::map<std::string, const Json*> by_ref;  // Medication resources in the draft bundle
  for (const auto& e : entries)
    if (e.is_object() && e.contains("resource") && e["resource"].is_object()) {
      const Json& r = e["resource"];
      if (r.value("resourceType", Json("")) == "Medication" && r.contains("id") && r["id"].is_string())
        by_ref["Medication/" + r["id"].get<std::string>()] = &r;
    }
  for (const auto& e : entries) {
    if (!e.is_object() || !e.contains("resource") || !e["resource"].is_object()) continue;
    const Json& r = e["resource"];
    std::string type = r.value("resourceType", Json("")).is_string() ? r.value("resourceType", "") : "";
    std::string status = r.value("status", Json("")).is_string() ? r.value("status", "") : "";
    if (status == "entered-in-error" || status == "revoked" || status == "cancelled") continue;
    Json cc;
    if (type == "MedicationRequest") {
      if (r.contains("medicationCodeableConcept")) cc = r["medicationCodeableConcept"];
      if (r.contains("medicationReference") && r["medicationReference"].is_object()) {
        std::string ref = r["medicationReference"].value("reference", Json("")).is_string()
                              ? r["medicationReference"].value("reference", "")
                              : "";
        if (!ref.empty() && ref[0] == '#' && r.contains("contained") && r["contained"].is_array()) {
          for (const auto& c : r["contained"])
            if (c.is_object() && c.value("id", Json("")) == ref.substr(1)) cc = c.value("code", Json::object());
        } else if (by_ref.count(ref)) {
          cc = by_ref[ref]->value("code", Json::object());
        }
      }
    } else if (type == "ServiceRequest") {
      cc = r.value("code", Json::object());
    } else {
      continue;
    }
    if (!cc.is_object()) continue;
    DraftTherapy t;
    t.label = ConceptLabel(cc);
    if (r.contains("id") && r["id"].is_string()) t.resource_ref = type + "/" + r["id"].get<std::string>();
    if (const Json* m = MatchTable(tables, Table(tables, "medications"), cc)) {
      t.drug = m->value("drug", Json("")).is_string() ? m->value("drug", "") : "";
      if (m->contains("option") && (*m)["option"].is_string()) t.options.push_back((*m)["option"]);
    }
    if (t.options.empty() && type == "ServiceRequest")
      if (const Json* m = MatchTable(tables, Table(tables, "procedures"), cc))
        if (m->contains("option") && (*m)["option"].is_string()) t.options.push_back((*m)["option"]);
    if (t.options.empty() && t.drug.empty())
      if (const Json* m = MatchTable(tables, kb.order_codes(), cc)) {
        if (m->contains("options") && (*m)["options"].is_array())
          for (const auto& o : (*m)["options"])
            if (o.is_string()) t.options.push_back(o);
        t.drug = m->value("drug", Json("")).is_string() ? m->value("drug", "") : "";
      }
    if (t.options.empty() && t.drug.empty()) continue;  // not a NET therapy Zebra knows
    out.push_back(std::move(t));
  }
  // Regimens: drugs drafted together form the regimen option (e.g. capecitabine + temozolomide).
  std::set<std::string> drafted;
  for (const auto& t : out)
    if (!t.drug.empty()) drafted.insert(t.drug);
  for (const auto& combo : Table(tables, "medication_combinations")) {
    if (!combo.is_object() || !combo.contains("drugs") || !combo["drugs"].is_array() || !combo.contains("option") ||
        !combo["option"].is_string())
      continue;
    std::string option = combo["option"];
    std::set<std::string> members;
    bool complete = true;
    for (const auto& group : combo["drugs"]) {
      bool any = false;
      if (group.is_array())
        for (const auto& g : group)
          if (g.is_string()) {
            members.insert(g.get<std::string>());
            any = any || drafted.count(g.get<std::string>());
          }
      complete = complete && any;
    }
    for (auto& t : out) {
      if (!members.count(t.drug)) continue;
      if (complete) {
        t.options = {option};  // one regimen
      } else if (std::find(t.options.begin(), t.options.end(), option) == t.options.end()) {
        t.options.push_back(option);  // one drug of a regimen: judged as that regimen too
      }
    }
  }
  // A drug without its own option (octreotide of unstated formulation) is judged as every
  // option the table gives for that drug.
  for (auto& t : out) {
    if (!t.options.empty() || t.drug.empty()) continue;
    for (const auto& entry : Table(tables, "medications"))
      if (entry.is_object() && entry.value("drug", Json("")) == t.drug && entry.contains("option") &&
          entry["option"].is_string() && std::find(t.options.begin(), t.options.end(), entry["option"]) == t.options.end())
        t.options.push_back(entry["option"]);
  }
  out.erase(std::remove_if(out.begin(), out.end(), [](const DraftTherapy& t) { return t.options.empty(); }), out.end());
  return out;
}

std::vector<Json> OrderCards(const CdsContext& ctx, const Evaluated& ev,
                             const std::vector<DraftTherapy>& drafts) {
  const Json& rec = ev.rec;
  std::set<std::string> offered;
  for (const auto& o : rec["options"]) offered.insert(o.value("id", ""));
  std::map<std::string, const Json*> excluded;
  for (const auto& n : rec["not_recommended"]) excluded[n.value("id", "")] = &n;

  // Group drafts with the same verdict (e.g. capecitabine and temozolomide orders of one CAPTEM).
  struct Verdict {
    bool not_recommended = false;
    std::vector<std::string> ids;
    std::vector<const DraftTherapy*> drafts;
  };
  std::map<std::string, Verdict> verdicts;
  std::vector<std::string> order;
  for (const auto& t : drafts) {
    bool fits = std::any_of(t.options.begin(), t.options.end(), [&](const std::string& o) { return offered.count(o) > 0; });
    if (fits) continue;
    Verdict v;
    for (const auto& o : t.options)
      if (excluded.count(o)) v.ids.push_back(o);
    v.not_recommended = !v.ids.empty() && v.ids.size() == t.options.size();
    if (!v.not_recommended) v.ids = t.options;
    std::string key = (v.not_recommended ? "x:" : "o:");
    for (const auto& i : v.ids) key += i + ",";
    if (!verdicts.count(key)) {
      verdicts[key] = v;
      order.push_back(key);
    }
    verdicts[key].drafts.push_back(&t);
  }
  std::vector<Json> cards;
  for (const auto& key : order) {
    const Verdict& v = verdicts[key];
    std::string titles;
    for (const auto& id : v.ids) titles += (titles.empty() ? "" : " / ") + CatalogueTitle(*ctx.kb, "options", id);
    std::string drafted;
    for (const auto* d : v.drafts) drafted += (drafted.empty() ? "" : ", ") + EscapeMarkdown(d->label);
    std::string summary, detail;
    Json citations = Json::array();
    std::vector<std::string> rules;
    if (v.not_recommended) {
      const Json& first = *excluded[v.ids.front()];
      summary = "Not recommended for this case: " + titles + ". " + first.value("reason", "");
      detail = "**Drafted:** " + drafted + "\n\n**Zebra's knowledge base lists this as not recommended for this case:**";
      for (const auto& id : v.ids) {
        const Json& n = *excluded[id];
        detail += "\n- " + CatalogueTitle(*ctx.kb, "options", id) + ": " + n.value("reason", "");
        for (const auto& c : n.value("citations", Json::array()))
          if (std::find(citations.begin(), citations.end(), c) == citations.end()) citations.push_back(c);
        for (const auto& r : FiredRules(*ctx.kb, rec, {"Pathway Not Recommended", "Safety Checks"}, id)) rules.push_back(r);
      }
    } else {
      summary = "Not among the options Zebra finds for this case: " + titles;
      detail = "**Drafted:** " + drafted + "\n\nThe knowledge base does not offer " + titles +
               " for this case (it neither lists it nor excludes it); check the indication and the data on file.";
      if (!rec["missing"].empty()) {
        detail += "\n\nThe record lacks data that limits the answer:";
        for (const auto& m : rec["missing"]) detail += "\n- " + FieldLabel(m.value("field", "")) + ": " + m.value("blocks", "");
      }
    }
    std::string offered_list;
    for (const auto& o : rec["options"])
      offered_list += "\n- " + o.value("title", "") + (o.value("preferred", false) ? " (preferred)" : "");
    if (!offered_list.empty()) detail += "\n\n**Options that fit this case (" + CaseLine(rec) + ")**" + offered_list;
    std::string cites = CitationsLine(*ctx.kb, citations);
    if (!cites.empty()) detail += "\n\n" + cites;
    detail += "\n\n" + DataUsed(ev);
    if (!rules.empty()) detail += "\n\n" + RulesLine(rules);
    detail += "\n" + KnowledgeLine(*ctx.kb) + "\n\n_" + std::string(engine::SupportNotice()) + "_";
    Json card = BaseCard(ctx, summary, v.not_recommended ? "warning" : "info", detail, "order-check",
                         "NET therapy order check");
    Json actions = Json::array();
    for (const auto* d : v.drafts)
      if (!d->resource_ref.empty()) {
        Json a = Json::object();
        a["type"] = "delete";
        a["description"] = "Remove the drafted order " + d->resource_ref;
        a["resourceId"] = d->resource_ref;
        actions.push_back(a);
      }
    if (!actions.empty()) {
      Json s = Json::object();
      s["label"] = "Remove the drafted order";
      s["uuid"] = NewUuid();
      s["isRecommended"] = false;
      s["actions"] = actions;
      card["suggestions"] = Json::array({s});
      card["selectionBehavior"] = "at-most-one";
    }
    Json reasons = Json::array();
    for (auto [code, display] : {std::pair{"board-decision", "Decided by the tumour board"},
                                 std::pair{"record-incomplete", "The record is incomplete or out of date"},
                                 std::pair{"benefit-outweighs-risk", "Expected benefit outweighs the concern"}}) {
      Json r = Json::object();
      r["system"] = kOverrideSystem;
      r["code"] = code;
      r["display"] = display;
      reasons.push_back(r);
    }
    card["overrideReasons"] = reasons;
    cards.push_back(std::move(card));
  }
  return cards;
}

// ---- request -> evaluation ------------------------------------------------------------------------

tl::expected<Evaluated, Response> EvaluateRequest(const CdsContext& ctx, const RequestInfo& req) {
  auto data = GatherData(ctx, req);
  if (!data) return tl::unexpected(data.error());
  // The bundle is read as of the moment of the call, through the same front door as every other
  // evaluation: the engine takes as_of from the bundle's timestamp.
  data->bundle["timestamp"] = common::UnixToRfc3339(ctx.now_unix);
  std::string text;
  json::AppendJson(text, data->bundle);
  auto evaluated = engine::Evaluate(*ctx.kb, engine::CaseInput{text, engine::InputKind::kFhirBundle, {}});
  if (!evaluated) {
    const auto& e = evaluated.error().front();
    const bool mapping = e.code == "invalid-fhir-bundle" || e.code == "invalid-json";
    return tl::unexpected(CdsProblem(422, "FHIR data could not be mapped", "prefetch",
                                  mapping ? "the patient's FHIR data could not be read (" + e.path + ": " + e.message + ")"
                                          : "the mapped case is not valid (" + e.path + ": " + e.message + ")"));
  }
  Evaluated ev;
  ev.rec = std::move(evaluated->recommendation);
  ev.report = std::move(evaluated->mapping_report);
  ev.notes = std::move(data->notes);
  return ev;
}

}  // namespace

std::string CdsDiscoveryJson() {
  Json services = Json::array();
  for (const auto& s : kServices) {
    Json svc = Json::object();
    svc["hook"] = s.hook;
    svc["title"] = s.title;
    svc["description"] = s.description;
    svc["id"] = s.id;
    Json prefetch = Json::object();
    for (const auto& p : kPrefetch) prefetch[p.key] = p.query;
    svc["prefetch"] = prefetch;
    svc["usageRequirements"] =
        "Reads mCODE / US Core Condition, Observation, MedicationStatement and Procedure data through prefetch, or "
        "from fhirServer with fhirAuthorization (read scopes for those resources); answers 412 when neither is "
        "available. Requests must carry a JWT signed with ES384 or RS384 by a trusted issuer.";
    services.push_back(std::move(svc));
  }
  Json doc = Json::object();
  doc["services"] = services;
  return doc.dump(2);
}

Response HandleCdsHook(const CdsContext& ctx, std::string_view service_id, std::string_view authorization_header,
                         std::string_view body) {
  const ServiceDef* service = FindService(service_id);
  if (!service) return CdsProblem(404, "Not found", "", "no CDS service with this id");
  if (auto denied = Authenticate(ctx, service_id, false, authorization_header)) return *denied;
  if (!ctx.kb) return CdsProblem(503, "Service unavailable", "", "no knowledge base loaded");
  try {
    Response error;
    auto parsed = CdsParseBody(body, &error);
    if (!parsed) return error;
    const Json& j = *parsed;
    const std::string* hook = StringAt(j, "hook");
    if (!hook) return BadRequest("hook", "required (a string)");
    if (*hook != service->hook)
      return BadRequest("hook", "this service answers the " + std::string(service->hook) + " hook, not " + *hook);
    RequestInfo req;
    const std::string* instance = StringAt(j, "hookInstance");
    if (!instance || instance->empty()) return BadRequest("hookInstance", "required (a non-empty string)");
    req.hook_instance = *instance;
    auto context = j.find("context");
    if (context == j.end() || !context->is_object()) return BadRequest("context", "required (an object)");
    const std::string* patient = StringAt(*context, "patientId");
    if (!patient || patient->empty()) return BadRequest("context.patientId", "required (a non-empty string)");
    req.patient_id = *patient;
    if (auto p = j.find("prefetch"); p != j.end()) {
      if (!p->is_object() && !p->is_null()) return BadRequest("prefetch", "must be an object");
      req.prefetch = &*p;
    }
    if (auto s = j.find("fhirServer"); s != j.end()) {
      if (!s->is_string()) return BadRequest("fhirServer", "must be a URL string");
      if (!auth::ParseHttpUrl(s->get<std::string>())) return BadRequest("fhirServer", "must be an http(s) URL");
      req.fhir_server = s->get<std::string>();
    }
    if (auto a = j.find("fhirAuthorization"); a != j.end() && !a->is_null()) {
      if (!a->is_object()) return BadRequest("fhirAuthorization", "must be an object");
      const std::string* token = StringAt(*a, "access_token");
      if (!token || token->empty()) return BadRequest("fhirAuthorization.access_token", "required (a string)");
      if (req.fhir_server.empty()) return BadRequest("fhirServer", "required when fhirAuthorization is given");
      req.fhir_token = *token;
    }
    const Json* draft_orders = nullptr;
    if (service->id == kOrderCheckService) {
      auto d = context->find("draftOrders");
      if (d == context->end() || !d->is_object()) return BadRequest("context.draftOrders", "required (a FHIR Bundle)");
      if (d->value("resourceType", Json("")) != "Bundle")
        return BadRequest("context.draftOrders.resourceType", "must be \"Bundle\"");
      if (!d->contains("entry")) {
        return JsonResult(200, Json{{"cards", Json::array()}});  // nothing drafted
      }
      if (!(*d)["entry"].is_array()) return BadRequest("context.draftOrders.entry", "must be an array");
      draft_orders = &*d;
    }

    std::vector<DraftTherapy> drafts;
    if (draft_orders) {
      drafts = DraftTherapies(*ctx.kb, *draft_orders);
      // No NET therapy drafted: nothing to check, and no need to read the record.
      if (drafts.empty()) return JsonResult(200, Json{{"cards", Json::array()}});
    }
    auto ev = EvaluateRequest(ctx, req);
    if (!ev) return ev.error();
    Json cards = Json::array();
    if (service->id == kTumorBoardService) {
      for (const auto& a : ev->rec["alerts"])
        if (a.value("severity", "") == "critical") cards.push_back(AlertCard(ctx, *ev, a));
      cards.push_back(ReadinessCard(ctx, *ev));
      cards.push_back(OptionsCard(ctx, *ev));
      if (auto trials = TrialsCard(ctx, *ev)) cards.push_back(std::move(*trials));
      for (const auto& a : ev->rec["alerts"])
        if (a.value("severity", "") == "warning") cards.push_back(AlertCard(ctx, *ev, a));
    } else {
      for (auto& c : OrderCards(ctx, *ev, drafts)) cards.push_back(std::move(c));
    }
    Json out = Json::object();
    out["cards"] = cards;
    return JsonResult(200, out);
  } catch (const std::exception&) {
    // Never expected: every input path above is checked. Say nothing about the request.
    return CdsProblem(500, "Internal error", "", "the request could not be processed");
  }
}

Response HandleCdsFeedback(const CdsContext& ctx, std::string_view service_id, std::string_view authorization_header,
                             std::string_view body) {
  if (!FindService(service_id)) return CdsProblem(404, "Not found", "", "no CDS service with this id");
  if (auto denied = Authenticate(ctx, service_id, true, authorization_header)) return *denied;
  try {
    Response error;
    auto parsed = CdsParseBody(body, &error);
    if (!parsed) return error;
    const Json& j = *parsed;
    auto fb = j.find("feedback");
    if (fb == j.end() || !fb->is_array() || fb->empty())
      return BadRequest("feedback", "required (a non-empty array)");
    for (std::size_t i = 0; i < fb->size(); ++i) {
      const Json& f = (*fb)[i];
      std::string p = "feedback[" + std::to_string(i) + "]";
      if (!f.is_object()) return BadRequest(p, "must be an object");
      const std::string* card = StringAt(f, "card");
      if (!card || card->empty()) return BadRequest(p + ".card", "required (the card's uuid)");
      const std::string* outcome = StringAt(f, "outcome");
      if (!outcome || (*outcome != "accepted" && *outcome != "overridden"))
        return BadRequest(p + ".outcome", "required: \"accepted\" or \"overridden\"");
      const std::string* ts = StringAt(f, "outcomeTimestamp");
      if (!ts || !IsRfc3339Shape(*ts))
        return BadRequest(p + ".outcomeTimestamp", "required (an RFC 3339 date-time, e.g. 2025-03-14T10:05:31Z)");
      if (auto a = f.find("acceptedSuggestions"); a != f.end()) {
        if (!a->is_array()) return BadRequest(p + ".acceptedSuggestions", "must be an array");
        for (std::size_t k = 0; k < a->size(); ++k)
          if (!(*a)[k].is_object() || !StringAt((*a)[k], "id"))
            return BadRequest(p + ".acceptedSuggestions[" + std::to_string(k) + "].id", "required (a suggestion uuid)");
      }
      if (auto o = f.find("overrideReason"); o != f.end()) {
        if (!o->is_object()) return BadRequest(p + ".overrideReason", "must be an object");
        if (auto r = o->find("reason"); r != o->end() && (!r->is_object() || (r->contains("code") && !(*r)["code"].is_string())))
          return BadRequest(p + ".overrideReason.reason", "must be a Coding");
        if (auto c = o->find("userComment"); c != o->end() && !c->is_string())
          return BadRequest(p + ".overrideReason.userComment", "must be a string");
      }
    }
    if (ctx.store) {
      for (const auto& f : *fb) {
        auto stored = ctx.store->AddFeedback(service_id, f.dump());
        if (!stored) return CdsProblem(503, "Service unavailable", "", "the feedback could not be stored");
      }
    }
    return {200, "", ""};
  } catch (const std::exception&) {
    return CdsProblem(500, "Internal error", "", "the request could not be processed");
  }
}

// ---- routes ---------------------------------------------------------------------------------------

namespace {

// CDS clients call from other origins (the EHR's web app), so the services allow any origin.
void AddCors(Response& res) {
  res.SetHeader("Access-Control-Allow-Origin", "*");
  res.SetHeader("Access-Control-Allow-Headers", "Authorization, Content-Type");
  res.SetHeader("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
}

CdsContext Context(const Services& s) {
  CdsContext ctx;
  ctx.kb = s.kb.get();
  ctx.store = s.store;
  ctx.verifier = s.config.insecure_dev ? nullptr : s.verifier;
  ctx.service_url = s.config.service_url;
  ctx.smart_launch_url = s.config.smart_launch_url;
  ctx.now_unix = s.Now();
  ctx.fhir_fetch = s.fhir_fetch;
  return ctx;
}

}  // namespace

Response HandleCdsPreflight(const Request&, Services&) {
  Response res;
  AddCors(res);
  res.status = 204;
  return res;
}

Response HandleCdsDiscovery(const Request&, Services&) {
  Response res;
  AddCors(res);
  res.SetContent(CdsDiscoveryJson(), "application/json");
  return res;
}

Response HandleCdsService(const Request& req, Services& s) {
  Response res;
  if (!s.config.insecure_dev && !s.verifier) {
    res.status = 401;  // no trusted issuers configured (--jwt-config)
  } else {
    res = HandleCdsHook(Context(s), req.PathParam("id"), req.Header("Authorization"), req.body);
  }
  AddCors(res);
  return res;
}

Response HandleCdsFeedbackRoute(const Request& req, Services& s) {
  Response res;
  if (!s.config.insecure_dev && !s.verifier) {
    res.status = 401;
  } else {
    res = HandleCdsFeedback(Context(s), req.PathParam("id"), req.Header("Authorization"), req.body);
  }
  AddCors(res);
  return res;
}

}  // namespace zebra::api
