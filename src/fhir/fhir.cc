#include "fhir/fhir.h"

#include "json/json_parse.h"
#include "json/json_values.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include <re2/re2.h>

namespace zebra::fhir {
namespace {

constexpr size_t kMaxBundleBytes = 32u << 20;
constexpr size_t kMaxDepth = 64;
// Codes and short labels only go through the table patterns, never long free text.
constexpr size_t kMaxPatternText = 256;

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct PatternMode {
  bool displays = true;   // also the codings' displays (else text and codes only)
  bool icase = true;
  bool anywhere = false;  // the pattern may match inside the text (else the whole text)
};

// Group 1 of the first of the cc's texts (text, then each coding's code and display) that the
// table pattern matches; nullopt when none does or the pattern is not a valid regular expression.
std::optional<std::string> PatternGroup(const Json& cc, const std::string& pattern_text, PatternMode mode) {
  RE2::Options options;
  options.set_case_sensitive(!mode.icase);
  options.set_log_errors(false);
  RE2 pattern(pattern_text, options);
  if (!pattern.ok()) return std::nullopt;
  std::vector<std::string> texts;
  if (cc.contains("text") && cc["text"].is_string()) texts.push_back(cc["text"].get<std::string>());
  if (cc.contains("coding") && cc["coding"].is_array())
    for (const auto& c : cc["coding"])
      for (const char* k : {"code", "display"}) {
        if (!mode.displays && std::string_view(k) == "display") continue;
        if (c.is_object() && c.contains(k) && c[k].is_string()) texts.push_back(c[k].get<std::string>());
      }
  const int groups = std::min(2, 1 + pattern.NumberOfCapturingGroups());
  for (const auto& t : texts) {
    if (t.size() > kMaxPatternText) continue;
    re2::StringPiece match[2];
    if (pattern.Match(t, 0, t.size(), mode.anywhere ? RE2::UNANCHORED : RE2::ANCHOR_BOTH, match, groups))
      return groups > 1 ? match[1].as_string() : std::string();
  }
  return std::nullopt;
}

}  // namespace

std::optional<DateParts> DatePrefix(std::string_view s) {
  auto number = [&](size_t pos, size_t n) {
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  DateParts d{number(0, 4), number(5, 2), number(8, 2)};
  if (d.year < 0 || d.month < 0 || d.day < 0) return std::nullopt;
  return d;
}

const Json* MatchCodeTable(const Json& tables, const Json& table, const Json& cc) {
  if (!cc.is_object() || !table.is_array()) return nullptr;
  const Json& systems = tables.is_object() && tables.contains("systems") ? tables["systems"] : Json::object();
  if (cc.contains("coding") && cc["coding"].is_array())
    for (const auto& entry : table) {
      if (!entry.is_object() || entry.contains("text_contains") || !entry.contains("system")) continue;
      std::string system = entry.value("system", "");
      if (systems.is_object() && systems.contains(system) && systems[system].is_string()) system = systems[system];
      for (const auto& c : cc["coding"]) {
        if (!c.is_object() || c.value("system", Json("")) != system || !c.contains("code") || !c["code"].is_string()) continue;
        std::string code = c["code"].get<std::string>();
        if (entry.contains("code") && entry["code"] == code) return &entry;
        if (entry.contains("code_prefix") && entry["code_prefix"].is_string() &&
            code.rfind(entry["code_prefix"].get<std::string>(), 0) == 0)
          return &entry;
      }
    }
  for (const auto& entry : table) {
    if (!entry.is_object() || !entry.contains("text_contains") || !entry["text_contains"].is_string()) continue;
    std::string needle = Lower(entry["text_contains"].get<std::string>());
    if (cc.contains("text") && cc["text"].is_string() && Lower(cc["text"].get<std::string>()).find(needle) != std::string::npos)
      return &entry;
    if (cc.contains("coding") && cc["coding"].is_array())
      for (const auto& c : cc["coding"])
        if (c.is_object() && c.contains("display") && c["display"].is_string() &&
            Lower(c["display"].get<std::string>()).find(needle) != std::string::npos)
          return &entry;
  }
  return nullptr;
}

namespace {

// Days since 1970-01-01 of an ISO date or date-time prefix (YYYY, YYYY-MM or YYYY-MM-DD; a
// partial date means its first day). nullopt for anything else.
std::optional<int64_t> DayNumber(std::string_view s) {
  auto digits = [&](size_t pos, size_t n) -> std::optional<int> {
    if (s.size() < pos + n) return std::nullopt;
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  auto y = digits(0, 4);
  if (!y) return std::nullopt;
  int m = 1, d = 1;
  if (s.size() > 4) {
    if (s[4] != '-') return std::nullopt;
    auto mm = digits(5, 2);
    if (!mm || *mm < 1 || *mm > 12) return std::nullopt;
    m = *mm;
    if (s.size() > 7) {
      if (s[7] != '-') return std::nullopt;
      auto dd = digits(8, 2);
      if (!dd || *dd < 1 || *dd > 31) return std::nullopt;
      d = *dd;
    }
  }
  // Howard Hinnant's days_from_civil.
  int64_t yy = *y - (m <= 2);
  int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
  int64_t yoe = yy - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

constexpr int64_t kOpenEnd = std::numeric_limits<int64_t>::max() / 4;

// One drug exposure read from a MedicationStatement/-Administration/-Request.
struct DrugRecord {
  std::string drug;    // ingredient key from the code tables ("capecitabine")
  std::string option;  // single-drug option id; empty when the drug alone is no catalogue option
  std::optional<int64_t> start, end;  // days; end kOpenEnd while ongoing
  std::string start_text, end_text;   // ISO text, for months
  std::string response;               // from statusReason, may be empty
  std::string stopped;                // from the resource status (therapy_stopped_by_status), may be empty
  std::string resource;
  size_t order = 0;  // bundle order, to keep output deterministic
};

// A prior therapy assembled from one or more drug records.
struct Therapy {
  std::string option;
  std::optional<int64_t> start, end;
  std::string start_text, end_text;
  bool has_end = false;
  int dated = 0;  // records with a date
  std::string response;
  std::optional<int64_t> response_day;
  std::string stopped;  // status of the latest record
  std::optional<int64_t> stopped_day;
  std::vector<std::string> resources;
  size_t order = 0;
};

// A value read from an observation that is not itself a case field, or is read as a time series.
struct Dated {
  Json value;
  std::string date;
  std::optional<int64_t> day;
  std::string resource;
  std::string element;
  std::string group;  // tumour size: the tumour measured (focus/specimen), may be empty
};

// A candidate value for one case field, with where it came from.
struct Candidate {
  Json value;
  std::string date;  // ISO date-time used to pick the latest; may be empty
  std::string resource;
  std::string element;
};

class Mapper {
 public:
  Mapper(const Json& tables, const MapOptions& options) : tables_(tables), options_(options) {}

  tl::expected<MapResult, std::vector<MapError>> Run(const Json& bundle) {
    if (!bundle.is_object()) return Fail("", "a FHIR Bundle must be a JSON object");
    if (bundle.value("resourceType", "") != "Bundle")
      return Fail("resourceType", "expected \"Bundle\", found " + bundle.value("resourceType", Json()).dump());
    if (!bundle.contains("entry") || !bundle["entry"].is_array()) return Fail("entry", "a Bundle needs an entry list");
    // Index resources by "Type/id" for references.
    const Json& entries = bundle["entry"];
    for (size_t i = 0; i < entries.size(); ++i) {
      std::string path = "entry[" + std::to_string(i) + "]";
      const Json& e = entries[i];
      if (!e.is_object() || !e.contains("resource") || !e["resource"].is_object()) {
        errors_.push_back({path + ".resource", "each entry needs a resource object"});
        continue;
      }
      const Json& r = e["resource"];
      if (!r.contains("resourceType") || !r["resourceType"].is_string()) {
        errors_.push_back({path + ".resource.resourceType", "missing or not a string"});
        continue;
      }
      std::string key = r["resourceType"].get<std::string>() + "/" + r.value("id", "");
      index_[key] = {&r, path + ".resource"};
      if (e.contains("fullUrl") && e["fullUrl"].is_string()) index_[e["fullUrl"].get<std::string>()] = {&r, path + ".resource"};
    }
    if (!errors_.empty()) return tl::unexpected(errors_);
    CheckReferences(bundle);
    if (!errors_.empty()) return tl::unexpected(errors_);

    std::string timestamp = bundle.value("timestamp", "");
    as_of_ = options_.as_of ? *options_.as_of : timestamp.substr(0, std::min<size_t>(10, timestamp.size()));
    for (size_t i = 0; i < entries.size(); ++i) {
      const Json& r = entries[i]["resource"];
      Visit(r, "entry[" + std::to_string(i) + "].resource");
    }
    if (!errors_.empty()) return tl::unexpected(errors_);
    return Build(bundle);
  }

 private:
  tl::expected<MapResult, std::vector<MapError>> Fail(std::string path, std::string message) {
    return tl::unexpected(std::vector<MapError>{{path.empty() ? "$" : std::move(path), std::move(message)}});
  }

  // Every "reference" inside the bundle must resolve to a resource in it.
  void CheckReferences(const Json& bundle) {
    std::vector<std::pair<const Json*, std::string>> stack{{&bundle, ""}};
    while (!stack.empty()) {
      auto [node, path] = stack.back();
      stack.pop_back();
      if (node->is_object()) {
        for (const auto& [k, v] : node->items()) {
          std::string p = path.empty() ? k : path + "." + k;
          if (k == "reference") {
            if (!v.is_string()) {
              errors_.push_back({p, "a reference must be a string"});
            } else {
              std::string ref = v.get<std::string>();
              if (!ref.empty() && ref[0] != '#' && !index_.count(ref))
                errors_.push_back({p, "reference " + ref + " does not resolve to a resource in the bundle"});
            }
            continue;
          }
          stack.push_back({&v, p});
        }
      } else if (node->is_array()) {
        for (size_t i = 0; i < node->size(); ++i) stack.push_back({&(*node)[i], path + "[" + std::to_string(i) + "]"});
      }
    }
  }

  const Json& Table(const char* name) const {
    static const Json kEmpty = Json::array();
    auto it = tables_.find(name);
    return it == tables_.end() ? kEmpty : *it;
  }

  // A list inside an object table, e.g. Sub("tumor_size", "observations").
  const Json& Sub(const char* table, const char* key) const {
    static const Json kEmpty = Json::array();
    auto it = tables_.find(table);
    if (it == tables_.end() || !it->is_object()) return kEmpty;
    auto k = it->find(key);
    return k == it->end() ? kEmpty : *k;
  }

  // The first table entry matching the cc (MatchCodeTable: codes before texts).
  const Json* Match(const Json& table, const Json& cc) const { return MatchCodeTable(tables_, table, cc); }

  static std::string Codes(const Json& cc) {
    std::string out;
    if (cc.is_object() && cc.contains("coding") && cc["coding"].is_array())
      for (const auto& c : cc["coding"]) {
        if (!out.empty()) out += ", ";
        out += c.value("system", "?") + "|" + (c.contains("code") && c["code"].is_string() ? c["code"].get<std::string>() : "?");
      }
    if (out.empty() && cc.is_object() && cc.contains("text") && cc["text"].is_string())
      out = "text: " + cc["text"].get<std::string>();
    return out;
  }

  static std::string DateOf(const Json& r) {
    for (const char* k : {"effectiveDateTime", "issued", "recordedDate", "onsetDateTime", "performedDateTime", "dateAsserted",
                          "authoredOn"})
      if (r.contains(k) && r[k].is_string()) return r[k].get<std::string>();
    for (const char* k : {"effectivePeriod", "performedPeriod"})
      if (r.contains(k) && r[k].is_object()) return r[k].value("start", "");
    return "";
  }

  void Offer(const std::string& field, Json value, const Json& resource, const std::string& element) {
    Candidate c{std::move(value), DateOf(resource), resource.value("resourceType", "") + "/" + resource.value("id", ""),
                element};
    candidates_[field].push_back(std::move(c));
  }

  void ApplySet(const Json& set, const Json& resource, const std::string& element) {
    for (const auto& [field, value] : set.items()) Offer(field, value, resource, element);
  }

  void Unused(const Json& r, const std::string& why) { Unused(Key(r), why); }
  void Unused(const std::string& key, const std::string& why) { unused_.push_back(key + ": " + why); }

  void Visit(const Json& r, const std::string& path) {
    std::string type = r["resourceType"].get<std::string>();
    if (type == "Patient") return VisitPatient(r, path);
    if (type == "Condition") return VisitCondition(r, path);
    if (type == "Observation") return VisitObservation(r, path);
    if (type == "MedicationStatement" || type == "MedicationAdministration" || type == "MedicationRequest")
      return VisitMedication(r, path);
    if (type == "Procedure") return VisitProcedure(r, path);
    if (type == "Medication") {
      medications_.push_back(Key(r));
      return;
    }
    if (type == "BodyStructure" || type == "Specimen") {
      body_structures_.push_back(Key(r));  // the tumour a TumorSize names in focus or specimen
      return;
    }
    Unused(r, "resource type not used");
  }

  void VisitPatient(const Json& r, const std::string& path) {
    if (patient_) {
      errors_.push_back({path, "a bundle for one case must contain exactly one Patient"});
      return;
    }
    patient_ = &r;
    if (r.contains("gender")) {
      if (!r["gender"].is_string()) {
        errors_.push_back({path + ".gender", "expected a string"});
        return;
      }
      std::string g = r["gender"].get<std::string>();
      if (g == "female" || g == "male" || g == "other" || g == "unknown") Offer("patient.sex", g, r, "gender");
    }
    if (r.contains("birthDate")) {
      if (!r["birthDate"].is_string()) {
        errors_.push_back({path + ".birthDate", "expected a date string"});
        return;
      }
      std::string b = r["birthDate"].get<std::string>();
      auto mb = DatePrefix(b);
      auto ma = DatePrefix(as_of_);
      if (as_of_.empty()) {
        notes_.push_back("age unknown: no --as-of date and no bundle timestamp");
      } else if (mb && ma) {
        int age = ma->year - mb->year;
        if (std::make_pair(ma->month, ma->day) < std::make_pair(mb->month, mb->day)) --age;
        if (age >= 0 && age <= 120) Offer("patient.age_years", age, r, "birthDate (as of " + as_of_ + ")");
      } else {
        errors_.push_back({path + ".birthDate", "not a full date (YYYY-MM-DD)"});
      }
    }
  }

  // The code of a status CodeableConcept (clinicalStatus, verificationStatus); empty when absent.
  static std::string StatusCode(const Json& r, const char* element) {
    if (!r.contains(element) || !r[element].is_object()) return "";
    const Json& cc = r[element];
    if (cc.contains("coding") && cc["coding"].is_array())
      for (const auto& c : cc["coding"])
        if (c.is_object() && c.contains("code") && c["code"].is_string()) return c["code"].get<std::string>();
    return "";
  }

  bool HasProfile(const Json& r, std::string_view suffix) const {
    if (!r.contains("meta") || !r["meta"].contains("profile") || !r["meta"]["profile"].is_array()) return false;
    for (const auto& p : r["meta"]["profile"])
      if (p.is_string() && p.get<std::string>().ends_with(suffix)) return true;
    return false;
  }

  void VisitCondition(const Json& r, const std::string& path) {
    const Json code = r.value("code", Json::object());
    if (r.contains("code") && !r["code"].is_object()) {
      errors_.push_back({path + ".code", "expected a CodeableConcept object"});
      return;
    }
    // A refuted or erroneous diagnosis says nothing about the patient.
    std::string verification = StatusCode(r, "verificationStatus");
    if (verification == "refuted" || verification == "entered-in-error") {
      Unused(r, "verification status " + verification);
      return;
    }
    std::string clinical = StatusCode(r, "clinicalStatus");
    bool secondary = HasProfile(r, "mcode-secondary-cancer-condition");
    const Json* sec = Match(Table("secondary_condition"), code);
    if (secondary || sec) {
      std::string site;
      if (sec) site = (*sec)["metastasis"].get<std::string>();
      if (site.empty() && r.contains("bodySite") && r["bodySite"].is_array())
        for (const auto& bs : r["bodySite"])
          if (const Json* m = Match(Table("secondary_body_site"), bs)) site = (*m)["metastasis"].get<std::string>();
      if (site.empty()) {
        Unused(r, "secondary cancer condition with unknown site (" + Codes(code) + ")");
        return;
      }
      if (site == "liver") Offer("tumor.metastases.liver", true, r, "code/bodySite");
      else metastases_.push_back({site, r.value("resourceType", "") + "/" + r.value("id", "")});
      return;
    }
    bool primary = HasProfile(r, "mcode-primary-cancer-condition");
    const Json* p = Match(Table("primary_condition"), code);
    if (primary || p) {
      // The ICD-O-3 histology is more specific than a morphology implied by the ICD-10 code (C7A.1
      // says only "poorly differentiated"; 8041/3 says small cell), so when both exist the
      // histology decides and the code's morphology is not offered as a competing value.
      bool histology_morphology = false;
      if (r.contains("extension") && r["extension"].is_array())
        for (const auto& ext : r["extension"])
          if (ext.is_object() && ext.value("url", "").ends_with("mcode-histology-morphology-behavior")) {
            const Json* m = Match(Table("morphology"), ext.value("valueCodeableConcept", Json::object()));
            if (m) {
              ApplySet((*m)["set"], r, "extension[histology-morphology-behavior]");
              histology_morphology = histology_morphology || (*m)["set"].contains("tumor.morphology");
            } else {
              notes_.push_back("morphology code not in the code tables: " + Codes(ext.value("valueCodeableConcept", Json::object())));
            }
          }
      if (p) {
        Json set = (*p)["set"];
        if (histology_morphology) set.erase("tumor.morphology");
        ApplySet(set, r, "code");
      }
      if (r.contains("bodySite") && r["bodySite"].is_array())
        for (const auto& bs : r["bodySite"])
          if (const Json* m = Match(Table("body_site"), bs)) ApplySet((*m)["set"], r, "bodySite");
      if (!p && !candidates_.count("tumor.primary_site"))
        notes_.push_back("primary cancer condition code not in the code tables: " + Codes(code));
      if (r.contains("stage") && r["stage"].is_array())
        for (size_t i = 0; i < r["stage"].size(); ++i) {
          const Json& st = r["stage"][i];
          if (!st.is_object() || !st.contains("summary")) continue;
          if (auto g = StageGroupValue(st["summary"]))
            reported_stage_.push_back({*g, DateOf(r), DayNumber(DateOf(r)), Key(r), "stage[" + std::to_string(i) + "].summary"});
          else
            notes_.push_back(Key(r) + ": stage summary not recognised (" + Codes(st["summary"]) + ")");
        }
      return;
    }
    if (const Json* c = Match(Table("conditions"), code)) {
      // Pregnancy, heart failure or uncontrolled diabetes that is over is not a current fact.
      if (c->value("current_only", false) && (clinical == "inactive" || clinical == "resolved" || clinical == "remission")) {
        Unused(r, "clinical status " + clinical + ": not current");
        return;
      }
      if (c->contains("set")) ApplySet((*c)["set"], r, "code");
      if (c->contains("report")) notes_.push_back((*c)["report"].get<std::string>());
      // A diabetes diagnosis alone does not say whether it is controlled: an HbA1c does (Build).
      if (c->value("diabetes", false)) diabetes_conditions_.push_back({Json(true), DateOf(r), DayNumber(DateOf(r)), Key(r), "code"});
      return;
    }
    Unused(r, "condition code not in the code tables (" + Codes(code) + ")");
  }

  // Numeric value of valueQuantity/valueInteger, with unit conversion from the table entry.
  std::optional<double> NumericValue(const Json& r, const Json& entry, const std::string& path) {
    if (r.contains("valueInteger")) {
      if (!r["valueInteger"].is_number_integer()) {
        errors_.push_back({path + ".valueInteger", "expected an integer"});
        return std::nullopt;
      }
      return r["valueInteger"].get<double>();
    }
    if (r.contains("valueQuantity")) {
      const Json& q = r["valueQuantity"];
      if (!q.is_object() || !q.contains("value") || !q["value"].is_number()) {
        errors_.push_back({path + ".valueQuantity.value", "expected a number"});
        return std::nullopt;
      }
      double v = q["value"].get<double>();
      if (entry.contains("units")) {
        std::string unit = UnitOf(q);
        if (!entry["units"].contains(unit)) {
          notes_.push_back(Key(r) + ": unit '" + unit + "' not convertible; value not used");
          Unused(r, "unit '" + unit + "' not in the code tables");
          return std::nullopt;
        }
        if (!entry["units"][unit].is_number()) {
          errors_.push_back({"code_tables", "units of " + entry.value("code", "?") + " must be numbers"});
          return std::nullopt;
        }
        v *= entry["units"][unit].get<double>();
      }
      return v;
    }
    // valueString, dataAbsentReason, ...: nothing numeric to use, and said so.
    Unused(r, "no valueQuantity or valueInteger");
    return std::nullopt;
  }

  void VisitObservation(const Json& r, const std::string& path) {
    if (r.contains("code") && !r["code"].is_object()) {
      errors_.push_back({path + ".code", "expected a CodeableConcept object"});
      return;
    }
    const Json code = r.value("code", Json::object());
    std::string status = r.value("status", "final");
    // registered: no result yet.
    if (status == "entered-in-error" || status == "cancelled" || status == "registered") {
      Unused(r, "status " + status);
      return;
    }
    if (status == "preliminary") notes_.push_back(Key(r) + ": preliminary result used");
    if (Match(Table("margin_observations"), code)) {
      std::optional<std::string> m;
      if (r.contains("valueCodeableConcept")) m = MarginValue(r["valueCodeableConcept"]);
      if (!m && r.contains("valueString") && r["valueString"].is_string()) {
        Json as_text = {{"text", r["valueString"]}};
        m = MarginValue(as_text);
      }
      if (m) Offer("history.resection.margin", *m, r, "value");
      else Unused(r, "resection margin value not recognised (" + Codes(r.value("valueCodeableConcept", Json::object())) + ")");
      return;
    }
    if (Match(Sub("tumor_size", "observations"), code)) return VisitTumorSize(r, path);
    if (Match(Sub("histologic_grade", "observations"), code)) return VisitHistologicGrade(r, path);
    if (Match(Sub("disease_status", "observations"), code)) return VisitDiseaseStatus(r, path);
    if (const Json* s = Match(Table("stage_observations"), code)) {
      std::string part = (*s)["part"].get<std::string>();
      if (part == "group") {
        // Kept in the report and compared with the group derived from T, N and M; never a case field.
        const Json& vc = r.value("valueCodeableConcept", Json::object());
        if (auto g = StageGroupValue(vc))
          reported_stage_.push_back({*g, DateOf(r), DayNumber(DateOf(r)), Key(r), "valueCodeableConcept"});
        else
          Unused(r, "stage group value not recognised (" + Codes(vc) + ")");
        return;
      }
      auto v = StageValue(r.value("valueCodeableConcept", Json::object()));
      if (!v) {
        notes_.push_back("stage value not recognised: " + Codes(r.value("valueCodeableConcept", Json::object())));
        return;
      }
      if (Lower(*v).substr(0, 1) != part) {
        errors_.push_back({path + ".valueCodeableConcept", "value " + *v + " is not a " + part + " category"});
        return;
      }
      Offer("tumor." + part, *v, r, "valueCodeableConcept");
      return;
    }
    if (const Json* s = Match(Table("sstr_observations"), code)) {
      (void)s;
      const Json* res = Match(Table("sstr_results"), r.value("valueCodeableConcept", Json::object()));
      if (res) Offer("tumor.sstr_imaging.result", (*res)["value"], r, "valueCodeableConcept");
      else notes_.push_back("SSTR PET result not recognised: " + Codes(r.value("valueCodeableConcept", Json::object())));
      if (r.contains("component") && r["component"].is_array()) {
        const Json& uc = tables_.value("sstr_uptake_component", Json::object());
        for (const auto& comp : r["component"]) {
          Json single = Json::array({uc});
          if (Match(single, comp.value("code", Json::object()))) {
            const Json& vc = comp.value("valueCodeableConcept", Json::object());
            if (vc.contains("coding") && vc["coding"].is_array())
              for (const auto& c : vc["coding"])
                if (c.contains("code") && uc["values"].contains(c["code"].get<std::string>()))
                  Offer("tumor.sstr_imaging.uptake_vs_liver", uc["values"][c["code"].get<std::string>()], r, "component");
          }
        }
      }
      if (r.contains("partOf") && r["partOf"].is_array())
        for (const auto& ref : r["partOf"]) {
          auto it = index_.find(ref.value("reference", ""));
          if (it == index_.end()) continue;
          if (const Json* m = Match(Table("sstr_procedures"), it->second.first->value("code", Json::object()))) {
            Offer("tumor.sstr_imaging.modality", (*m)["modality"], *it->second.first, "code (via partOf)");
            used_.insert(Key(*it->second.first));
          }
        }
      return;
    }
    if (const Json* o = Match(Table("observations"), code)) {
      std::string field = (*o)["field"].get<std::string>();
      std::string kind = (*o)["value"].get<std::string>();
      if (kind == "coded") {
        const Json& vc = r.value("valueCodeableConcept", Json::object());
        if (vc.contains("coding") && vc["coding"].is_array())
          for (const auto& c : vc["coding"])
            if (c.contains("code") && (*o)["codes"].contains(c["code"].get<std::string>())) {
              Offer(field, (*o)["codes"][c["code"].get<std::string>()], r, "valueCodeableConcept");
              return;
            }
        notes_.push_back(field + ": coded value not recognised (" + Codes(vc) + ")");
        return;
      }
      if (kind == "ratio_to_upper_limit") {
        auto v = NumericValue(r, Json::object(), path);
        if (!v) return;
        double high = 0;
        std::string high_unit;
        if (r.contains("referenceRange") && r["referenceRange"].is_array() && !r["referenceRange"].empty() &&
            r["referenceRange"][0].is_object()) {
          const Json& rr = r["referenceRange"][0];
          if (rr.contains("high") && rr["high"].is_object() && rr["high"].contains("value")) {
            if (!rr["high"]["value"].is_number()) {
              errors_.push_back({path + ".referenceRange[0].high.value", "expected a number"});
              return;
            }
            high = rr["high"]["value"].get<double>();
            high_unit = UnitOf(rr["high"]);
          }
        }
        std::string unit = r.contains("valueQuantity") ? UnitOf(r["valueQuantity"]) : "";
        if (high <= 0) {
          notes_.push_back(Key(r) + ": " + field + " not set: no reference range upper limit, so the multiple of ULN is unknown");
          Unused(r, "no referenceRange.high to express the value as a multiple of the upper limit");
        } else if (unit != high_unit) {
          // A value in mg/dL over a limit in umol/L would be a wrong ratio: not converted.
          notes_.push_back(Key(r) + ": " + field + " not set: value unit '" + unit + "' differs from the reference range unit '" +
                           high_unit + "'");
          Unused(r, "value and reference range in different units");
        } else {
          Offer(field, std::round(*v / high * 100.0) / 100.0, r, "valueQuantity / referenceRange.high");
        }
        return;
      }
      if (kind == "hba1c") {
        auto v = NumericValue(r, *o, path);
        if (v) hba1c_.push_back({*v, DateOf(r), DayNumber(DateOf(r)), Key(r), "valueQuantity.value"});
        return;
      }
      auto v = NumericValue(r, *o, path);
      if (!v) return;
      if (kind == "integer") {
        if (*v != std::floor(*v)) {
          errors_.push_back({path + ".value", "expected a whole number for " + field});
          return;
        }
        Offer(field, static_cast<int64_t>(*v), r, "value");
      } else {
        Offer(field, *v, r, "valueQuantity.value");
      }
      return;
    }
    Unused(r, "observation code not in the code tables (" + Codes(code) + ")");
  }

  std::optional<std::string> StageValue(const Json& cc) const {
    if (const Json* m = Match(Table("stage_values"), cc)) return (*m)["value"].get<std::string>();
    return PatternGroup(cc, tables_.value("stage_value_pattern", std::string("^$")), {.displays = false, .icase = false});
  }

  // The UCUM code of a Quantity, else its display unit; empty when neither is a string.
  static std::string UnitOf(const Json& q) {
    if (!q.is_object()) return "";
    if (q.contains("code") && q["code"].is_string()) return q["code"].get<std::string>();
    if (q.contains("unit") && q["unit"].is_string()) return q["unit"].get<std::string>();
    return "";
  }

  // A number for a note: 8 rather than 8.0.
  static std::string Num(const Json& v) {
    if (v.is_number_float()) {
      double d = v.get<double>();
      if (d == std::floor(d) && std::fabs(d) < 1e15) return std::to_string(static_cast<int64_t>(d));
    }
    return v.dump();
  }

  // The first text or code/display of a CodeableConcept that matches the pattern, group 1.
  static std::optional<std::string> PatternValue(const Json& cc, const std::string& pattern_text) {
    if (!cc.is_object() || pattern_text.empty()) return std::nullopt;
    return PatternGroup(cc, pattern_text, {});
  }

  std::optional<std::string> StageGroupValue(const Json& cc) const {
    if (const Json* m = Match(Table("stage_group_values"), cc)) return (*m)["value"].get<std::string>();
    auto v = PatternValue(cc, tables_.value("stage_group_pattern", std::string()));
    if (v) for (auto& ch : *v) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return v;
  }

  // The resource a reference points to inside the bundle, or nullptr.
  const Json* Resolve(const Json& ref) const {
    if (!ref.is_object() || !ref.contains("reference") || !ref["reference"].is_string()) return nullptr;
    auto it = index_.find(ref["reference"].get<std::string>());
    return it == index_.end() ? nullptr : it->second.first;
  }

  bool IsSecondaryCondition(const Json& c) const {
    return c.value("resourceType", "") == "Condition" &&
           (HasProfile(c, "mcode-secondary-cancer-condition") || Match(Table("secondary_condition"), c.value("code", Json::object())));
  }

  // mCODE TumorSize: the longest dimension component in cm, per tumour (focus or specimen).
  void VisitTumorSize(const Json& r, const std::string& path) {
    std::string tumour;
    for (const char* k : {"focus", "specimen"}) {
      if (!r.contains(k)) continue;
      std::vector<const Json*> refs;
      if (r[k].is_array()) {
        for (const auto& x : r[k]) refs.push_back(&x);
      } else {
        refs.push_back(&r[k]);
      }
      for (const Json* ref : refs) {
        const Json* target = Resolve(*ref);
        if (!target) continue;
        // A measured metastasis is not the primary tumour's size.
        const Json* related = target;
        if (target->contains("extension") && (*target)["extension"].is_array())
          for (const auto& ext : (*target)["extension"])
            if (ext.is_object() && ext.value("url", "").ends_with("condition-related"))
              if (const Json* c = Resolve(ext.value("valueReference", Json::object()))) related = c;
        if (IsSecondaryCondition(*related)) {
          Unused(r, "tumour size of a metastasis (" + Key(*related) + "), not of the primary tumour");
          return;
        }
        if (tumour.empty()) tumour = Key(*target);
        used_.insert(Key(*target));
      }
    }
    if (!r.contains("component") || !r["component"].is_array()) {
      Unused(r, "tumour size without components (the longest dimension is component 33728-7)");
      return;
    }
    const Json& comps = r["component"];
    for (size_t i = 0; i < comps.size(); ++i) {
      const Json& comp = comps[i];
      if (!comp.is_object() || !Match(Sub("tumor_size", "longest_dimension"), comp.value("code", Json::object()))) continue;
      std::string cpath = path + ".component[" + std::to_string(i) + "].valueQuantity";
      if (!comp.contains("valueQuantity") || !comp["valueQuantity"].is_object() || !comp["valueQuantity"].contains("value") ||
          !comp["valueQuantity"]["value"].is_number()) {
        errors_.push_back({cpath + ".value", "expected a number (longest tumour dimension)"});
        return;
      }
      const Json& q = comp["valueQuantity"];
      std::string unit = UnitOf(q);
      const Json& units = tables_.value("tumor_size", Json::object()).value("units_to_cm", Json::object());
      if (!units.contains(unit) || !units[unit].is_number()) {
        notes_.push_back(Key(r) + ": unit '" + unit + "' not convertible to cm; tumour size not used");
        Unused(r, "tumour size unit '" + unit + "' not in the code tables");
        return;
      }
      double cm = q["value"].get<double>() * units[unit].get<double>();
      if (cm <= 0) {
        errors_.push_back({cpath + ".value", "a tumour dimension must be positive"});
        return;
      }
      tumour_sizes_.push_back({std::round(cm * 1000.0) / 1000.0, DateOf(r), DayNumber(DateOf(r)), Key(r),
                               "component[" + std::to_string(i) + "].valueQuantity (33728-7, " + Num(q["value"]) + " " + unit + ")",
                               tumour});
      return;
    }
    Unused(r, "tumour size without a longest-dimension component (LOINC 33728-7)");
  }

  void VisitHistologicGrade(const Json& r, const std::string& path) {
    (void)path;
    const Json& vc = r.value("valueCodeableConcept", Json::object());
    std::optional<std::string> g;
    if (const Json* m = Match(Sub("histologic_grade", "values"), vc)) g = (*m)["value"].get<std::string>();
    if (!g) {
      auto n = PatternValue(vc, tables_.value("histologic_grade", Json::object()).value("value_pattern", std::string()));
      if (n) g = "G" + *n;
    }
    if (!g) {
      Unused(r, "histologic grade value not recognised (" + Codes(vc) + ")");
      return;
    }
    reported_grade_.push_back({*g, DateOf(r), DayNumber(DateOf(r)), Key(r), "valueCodeableConcept"});
  }

  void VisitDiseaseStatus(const Json& r, const std::string& path) {
    const Json& vc = r.value("valueCodeableConcept", Json::object());
    const Json* m = Match(Sub("disease_status", "values"), vc);
    if (!m) {
      Unused(r, "disease status value not recognised (" + Codes(vc) + ")");
      return;
    }
    if (!m->contains("growth")) {
      Unused(r, "disease status " + Codes(vc) + " says nothing about growth");
      return;
    }
    std::string date = r.contains("effectiveDateTime") && r["effectiveDateTime"].is_string() ? r["effectiveDateTime"].get<std::string>() : "";
    auto day = DayNumber(date);
    if (!day) {
      if (r.contains("effectiveDateTime")) errors_.push_back({path + ".effectiveDateTime", "not a date"});
      else Unused(r, "disease status without an effective date cannot be ordered in time");
      return;
    }
    auto as_of = DayNumber(as_of_);
    if (as_of && *day > *as_of) {
      Unused(r, "disease status dated after the as-of date " + as_of_);
      return;
    }
    disease_status_.push_back({(*m)["growth"], date, day, Key(r), "valueCodeableConcept"});
  }

  // The codeable concept of a medication: inline, or via medicationReference to a Medication in
  // the bundle or contained in the resource.
  Json MedicationConcept(const Json& r, const std::string& path) {
    if (r.contains("medicationCodeableConcept")) {
      if (!r["medicationCodeableConcept"].is_object()) {
        errors_.push_back({path + ".medicationCodeableConcept", "expected a CodeableConcept object"});
        return Json::object();
      }
      return r["medicationCodeableConcept"];
    }
    if (r.contains("medicationReference") && r["medicationReference"].is_object()) {
      std::string ref = r["medicationReference"].value("reference", "");
      if (!ref.empty() && ref[0] == '#' && r.contains("contained") && r["contained"].is_array()) {
        for (const auto& c : r["contained"])
          if (c.is_object() && c.value("id", "") == ref.substr(1)) return c.value("code", Json::object());
      }
      auto it = index_.find(ref);
      if (it != index_.end()) {
        used_.insert(Key(*it->second.first));
        return it->second.first->value("code", Json::object());
      }
    }
    return Json::object();
  }

  static std::string Key(const Json& r) { return r.value("resourceType", "") + "/" + r.value("id", ""); }

  // Every drug a medication concept names (a single statement may record a regimen, e.g. "CAPTEM"
  // or "carboplatin and etoposide"): the first table entry per drug wins.
  std::vector<const Json*> Drugs(const Json& cc) const {
    std::vector<const Json*> out;
    std::set<std::string> seen;
    for (const auto& entry : Table("medications")) {
      Json single = Json::array({entry});
      if (!Match(single, cc)) continue;
      std::string drug = entry.value("drug", entry.value("option", ""));
      if (seen.insert(drug).second) out.push_back(&entry);
    }
    return out;
  }

  // Why a therapy stopped, from statusReason / reasonCode text (progression, intolerance, ...).
  std::string TherapyResponse(const Json& r) const {
    std::vector<Json> concepts;
    for (const char* k : {"statusReason", "reasonCode"}) {
      if (!r.contains(k)) continue;
      if (r[k].is_array()) {
        for (const auto& c : r[k]) concepts.push_back(c);
      } else if (r[k].is_object()) {
        concepts.push_back(r[k]);
      }
    }
    for (const auto& c : concepts)
      if (const Json* m = Match(Table("therapy_responses"), c)) return (*m)["response"].get<std::string>();
    return "";
  }

  void VisitMedication(const Json& r, const std::string& path) {
    const std::string type = r["resourceType"].get<std::string>();
    std::string status = r.value("status", "");
    // Statuses that mean the drug was not given (MedicationStatement: not-taken; Administration:
    // not-done; Request: cancelled, draft) are never prior therapies.
    static const std::set<std::string> kNotGiven = {"entered-in-error", "not-taken", "not-done", "cancelled", "draft"};
    if (kNotGiven.count(status)) {
      Unused(r, "status " + status);
      return;
    }
    if (type == "MedicationRequest") {
      std::string intent = r.value("intent", "");
      if (intent == "proposal" || intent == "plan") {
        Unused(r, "medication request with intent " + intent + " is a plan, not a therapy given");
        return;
      }
    }
    Json cc = MedicationConcept(r, path);
    auto drugs = Drugs(cc);
    if (drugs.empty()) {
      Unused(r, "medication not in the code tables (" + Codes(cc) + ")");
      return;
    }
    DrugRecord base;
    base.resource = Key(r);
    base.order = order_++;
    base.response = TherapyResponse(r);
    // Administration statuses describe one dose, not the course: only statements and requests say
    // whether the therapy was completed or is still given.
    if (type != "MedicationAdministration") {
      const Json& by_status = tables_.value("therapy_stopped_by_status", Json::object());
      if (by_status.contains(status) && by_status[status].is_string()) base.stopped = by_status[status].get<std::string>();
    }
    std::string point;
    for (const char* k : {"effectiveDateTime", "dateAsserted", "authoredOn"})
      if (point.empty() && r.contains(k) && r[k].is_string()) point = r[k].get<std::string>();
    const Json* period = nullptr;
    if (r.contains("effectivePeriod") && r["effectivePeriod"].is_object()) period = &r["effectivePeriod"];
    if (!period && r.contains("dispenseRequest") && r["dispenseRequest"].is_object() &&
        r["dispenseRequest"].contains("validityPeriod") && r["dispenseRequest"]["validityPeriod"].is_object())
      period = &r["dispenseRequest"]["validityPeriod"];
    if (period) {
      base.start_text = period->value("start", "");
      base.end_text = period->value("end", "");
      base.start = DayNumber(base.start_text);
      base.end = DayNumber(base.end_text);
      // A period without an end is still running (status active/in-progress/intended).
      if (base.start && !base.end) base.end = kOpenEnd;
    } else if (!point.empty() && r.contains("effectiveDateTime")) {
      base.start_text = base.end_text = point;
      base.start = base.end = DayNumber(point);
    }
    for (const Json* d : drugs) {
      DrugRecord rec = base;
      rec.drug = d->value("drug", d->value("option", ""));
      rec.option = d->contains("option") && (*d)["option"].is_string() ? (*d)["option"].get<std::string>() : "";
      drug_records_.push_back(std::move(rec));
    }
  }

  static bool Overlap(const DrugRecord& a, const DrugRecord& b, int64_t window) {
    if (a.resource == b.resource) return true;  // one statement naming the whole regimen
    if (!a.start || !b.start) return false;     // no dates: concurrency unknown, so not combined
    return *a.start <= *b.end + window && *b.start <= *a.end + window;
  }

  // Drug records → prior therapies. Regimens in "medication_combinations" whose component drugs
  // overlap in time become one therapy (capecitabine + temozolomide → CAPTEM); records of the same
  // option that overlap or follow within "therapy_merge_gap_days" are one course (monthly
  // lanreotide injections are one therapy, not twelve).
  void BuildTherapies() {
    std::vector<bool> consumed(drug_records_.size(), false);
    std::vector<DrugRecord> assigned;  // records with their final option
    for (const auto& combo : Table("medication_combinations")) {
      const Json& slots = combo["drugs"];
      int64_t window = combo.value("window_days", 31);
      for (size_t i = 0; i < drug_records_.size(); ++i) {
        if (consumed[i] || !slots.is_array() || slots.empty()) continue;
        auto in_slot = [&](const DrugRecord& r, const Json& slot) {
          for (const auto& d : slot)
            if (d.is_string() && d.get<std::string>() == r.drug) return true;
          return false;
        };
        if (!in_slot(drug_records_[i], slots[0])) continue;
        // Every other slot needs an overlapping, unconsumed record.
        std::vector<size_t> members{i};
        bool complete = true;
        for (size_t s = 1; s < slots.size() && complete; ++s) {
          bool found = false;
          for (size_t j = 0; j < drug_records_.size() && !found; ++j)
            if (!consumed[j] && j != i && in_slot(drug_records_[j], slots[s]) && Overlap(drug_records_[i], drug_records_[j], window)) {
              members.push_back(j);
              found = true;
            }
          complete = found;
        }
        if (!complete) continue;
        // Also take every further overlapping record of the regimen's drugs (e.g. more cycles).
        for (size_t j = 0; j < drug_records_.size(); ++j) {
          if (consumed[j] || std::find(members.begin(), members.end(), j) != members.end()) continue;
          for (const auto& slot : slots)
            if (in_slot(drug_records_[j], slot)) {
              for (size_t m : members)
                if (Overlap(drug_records_[m], drug_records_[j], window)) {
                  members.push_back(j);
                  break;
                }
              break;
            }
        }
        for (size_t m : members) {
          consumed[m] = true;
          DrugRecord rec = drug_records_[m];
          rec.option = combo["option"].get<std::string>();
          assigned.push_back(std::move(rec));
        }
        notes_.push_back(combo["option"].get<std::string>() + ": " + std::to_string(members.size()) +
                         " overlapping drug records combined into one therapy");
      }
    }
    for (size_t i = 0; i < drug_records_.size(); ++i) {
      if (consumed[i]) continue;
      const DrugRecord& r = drug_records_[i];
      if (r.option.empty()) {
        Unused(r.resource, r.drug + " without the other drugs of its regimen at the same time: no single-drug option");
        continue;
      }
      assigned.push_back(r);
    }
    // Same option, overlapping or close in time: one course.
    int64_t gap = tables_.value("therapy_merge_gap_days", 92);
    std::stable_sort(assigned.begin(), assigned.end(), [](const DrugRecord& a, const DrugRecord& b) {
      if (a.option != b.option) return a.option < b.option;
      return a.start.value_or(std::numeric_limits<int64_t>::min()) < b.start.value_or(std::numeric_limits<int64_t>::min());
    });
    std::vector<Therapy> out;
    for (const auto& r : assigned) {
      bool merge = false;
      if (!out.empty() && out.back().option == r.option) {
        const Therapy& t = out.back();
        // Undated records of an option already seen cannot be told apart from it: one course.
        merge = !r.start || !t.start || *r.start <= *t.end + gap;
      }
      if (!merge) {
        Therapy t;
        t.option = r.option;
        t.order = r.order;
        out.push_back(std::move(t));
      }
      Therapy& t = out.back();
      t.order = std::min(t.order, r.order);
      if (std::find(t.resources.begin(), t.resources.end(), r.resource) == t.resources.end()) t.resources.push_back(r.resource);
      if (r.start) {
        if (!t.start || *r.start < *t.start) {
          t.start = r.start;
          t.start_text = r.start_text;
        }
        if (!t.end || *r.end > *t.end) {
          t.end = r.end;
          t.end_text = *r.end == kOpenEnd ? "" : r.end_text;
        }
        ++t.dated;
        if (!r.end_text.empty() && r.end_text != r.start_text) t.has_end = true;
      }
      if (!r.stopped.empty() && (!t.stopped_day || (r.start && *r.start >= *t.stopped_day))) {
        t.stopped = r.stopped;
        t.stopped_day = r.start.value_or(std::numeric_limits<int64_t>::min());
      }
      if (!r.response.empty() && (!t.response_day || (r.start && *r.start >= *t.response_day))) {
        t.response = r.response;
        t.response_day = r.start.value_or(std::numeric_limits<int64_t>::min());
      }
    }
    std::stable_sort(out.begin(), out.end(), [](const Therapy& a, const Therapy& b) { return a.order < b.order; });
    for (auto& t : out) {
      Json therapy = Json::object();
      therapy["option"] = t.option;
      if (!t.response.empty()) therapy["response"] = t.response;
      bool ended = t.start && t.end && *t.end != kOpenEnd && (t.has_end || t.dated > 1);
      if (ended) {
        auto months = MonthsBetween(t.start_text, t.end_text);
        if (months) therapy["months"] = *months;
      }
      std::string stopped = StoppedOf(t, ended);
      if (!stopped.empty()) therapy["stopped"] = stopped;
      // Months from the end of the therapy to the next progression seen after it.
      if (ended && stopped != "progression" && stopped != "ongoing")
        for (const auto& d : disease_status_)
          if (d.value == "progressive" && d.day && *d.day > *t.end) {
            therapy["progression_free_months"] = MonthsFromDays(*d.day - *t.end);
            notes_.push_back(t.option + ": progression_free_months from the therapy end " + t.end_text + " to the progression of " +
                             d.date + " (" + d.resource + ")");
            break;
          }
      std::string res;
      for (const auto& x : t.resources) res += (res.empty() ? "" : ", ") + x;
      therapies_.push_back({therapy, res});
    }
  }

  // Why a therapy ended: a progression or intolerance stop reason first, then an open period (still
  // given on the as-of date), then the resource status (therapy_stopped_by_status).
  std::string StoppedOf(const Therapy& t, bool ended) {
    if (t.response == "progression" || t.response == "intolerance") return t.response;
    auto as_of = DayNumber(as_of_);
    if (t.start && t.end && (*t.end == kOpenEnd || (as_of && *t.end > *as_of))) return "ongoing";
    if (t.stopped == "ongoing" && ended) {
      notes_.push_back(t.option + ": status says ongoing but the period ended on " + t.end_text + "; stopped left unset");
      return "";
    }
    return t.stopped;
  }

  // Months as days / (365.25 / 12), one decimal: intervals between assessments are short and a
  // calendar-month count would round 2025-03-28 .. 04-02 up to a month.
  static double MonthsFromDays(int64_t days) { return std::round(static_cast<double>(days) / 30.4375 * 10.0) / 10.0; }

  static std::optional<int> MonthsBetween(const std::string& a, const std::string& b) {
    if (a.size() < 7 || b.size() < 7) return std::nullopt;
    try {
      int m = (std::stoi(b.substr(0, 4)) - std::stoi(a.substr(0, 4))) * 12 + std::stoi(b.substr(5, 2)) - std::stoi(a.substr(5, 2));
      return m >= 0 ? std::optional<int>(m) : std::nullopt;
    } catch (...) {
      return std::nullopt;
    }
  }

  // R0/R1/R2 from a coded margin value, or from text/code matching "margin_value_pattern".
  std::optional<std::string> MarginValue(const Json& cc) const {
    if (!cc.is_object()) return std::nullopt;
    if (const Json* m = Match(Table("margin_codes"), cc)) return (*m)["value"].get<std::string>();
    auto group = PatternGroup(cc, tables_.value("margin_value_pattern", std::string("^$")), {.anywhere = true});
    if (!group) return std::nullopt;
    return "r" + *group;
  }

  void VisitProcedure(const Json& r, const std::string& path) {
    (void)path;
    const Json code = r.value("code", Json::object());
    std::string status = r.value("status", "completed");
    // Only procedures that happened describe the history.
    if (status == "not-done" || status == "entered-in-error" || status == "preparation" || status == "unknown") {
      Unused(r, "procedure status " + status);
      return;
    }
    if (Match(Table("sstr_procedures"), code)) {
      sstr_procedures_.push_back(Key(r));  // read through the SSTR result Observation's partOf
      return;
    }
    const Json* p = Match(Table("procedures"), code);
    if (!p) {
      Unused(r, "procedure not in the code tables (" + Codes(code) + ")");
      return;
    }
    std::string kind = (*p)["kind"].get<std::string>();
    if (kind == "resection") {
      std::string text = code.contains("text") && code["text"].is_string() ? code["text"].get<std::string>() : "";
      if (text.empty() && code.contains("coding") && code["coding"].is_array() && !code["coding"].empty() &&
          code["coding"][0].is_object())
        text = code["coding"][0].value("display", "");
      Offer("history.resection.procedure", text.substr(0, 200), r, "code");
      if (r.contains("outcome")) {
        if (auto m = MarginValue(r["outcome"])) Offer("history.resection.margin", *m, r, "outcome");
        else notes_.push_back(Key(r) + ": outcome is not a resection margin (" + Codes(r["outcome"]) + ")");
      }
    } else if (kind == "therapy" && p->contains("option")) {
      DrugRecord rec;
      rec.drug = rec.option = (*p)["option"].get<std::string>();
      rec.resource = Key(r);
      rec.order = order_++;
      if (r.contains("performedPeriod") && r["performedPeriod"].is_object()) {
        rec.start_text = r["performedPeriod"].value("start", "");
        rec.end_text = r["performedPeriod"].value("end", "");
        rec.start = DayNumber(rec.start_text);
        rec.end = DayNumber(rec.end_text);
        if (rec.start && !rec.end) rec.end = rec.start;
      } else if (r.contains("performedDateTime") && r["performedDateTime"].is_string()) {
        rec.start_text = rec.end_text = r["performedDateTime"].get<std::string>();
        rec.start = rec.end = DayNumber(rec.start_text);
      }
      drug_records_.push_back(std::move(rec));
    } else {
      Unused(r, "procedure kind " + kind + " not mapped");
    }
  }

  void Add(const std::string& field, const Dated& d, std::string element) {
    candidates_[field].push_back({d.value, d.date, d.resource, std::move(element)});
  }

  // The latest measurement per tumour; with several tumours the largest, as AJCC stages multiple
  // tumours by the largest. Older measurements of the same tumour show as conflicts.
  void BuildTumourSize() {
    if (tumour_sizes_.empty()) return;
    std::map<std::string, std::vector<const Dated*>> by_tumour;
    for (const auto& d : tumour_sizes_) by_tumour[d.group].push_back(&d);
    const std::vector<const Dated*>* chosen = nullptr;
    double largest = -1;
    for (auto& [tumour, list] : by_tumour) {
      std::stable_sort(list.begin(), list.end(), [](const Dated* a, const Dated* b) { return a->date > b->date; });
      double v = list.front()->value.get<double>();
      if (v > largest) {
        largest = v;
        chosen = &list;
      }
    }
    if (by_tumour.size() > 1) {
      std::string others;
      for (const auto& [tumour, list] : by_tumour)
        if (&list != chosen) others += (others.empty() ? "" : ", ") + list.front()->resource + " (" + Num(list.front()->value) + " cm)";
      notes_.push_back("tumor.size_cm: " + std::to_string(by_tumour.size()) + " tumours measured; the largest is used (" +
                       chosen->front()->resource + "); others: " + others);
    }
    for (const Dated* d : *chosen) Add("tumor.size_cm", *d, d->element);
  }

  // The latest disease status gives growth; a progression also gives progression_months, the
  // months since the assessment before it.
  void BuildDiseaseStatus() {
    std::stable_sort(disease_status_.begin(), disease_status_.end(), [](const Dated& a, const Dated& b) { return *a.day < *b.day; });
    if (disease_status_.empty()) return;
    const Dated& last = disease_status_.back();
    // Assessments of the same latest day compete; differing ones show as a conflict.
    for (const auto& d : disease_status_)
      if (*d.day == *last.day) Add("tumor.growth", d, d.element);
    if (disease_status_.size() > 1)
      notes_.push_back("tumor.growth: latest of " + std::to_string(disease_status_.size()) + " disease status assessments (" +
                       last.resource + ", " + last.date + ")");
    if (last.value != "progressive") return;
    for (auto it = disease_status_.rbegin() + 1; it != disease_status_.rend(); ++it)
      if (*it->day < *last.day) {
        Dated months = last;
        months.value = MonthsFromDays(*last.day - *it->day);
        Add("tumor.progression_months", months, "effectiveDateTime, since " + it->resource + " of " + it->date);
        return;
      }
    notes_.push_back("tumor.progression_months: no assessment before the progression of " + last.date + " to measure from");
  }

  // Diabetes control from each HbA1c, only for a patient with a current diabetes diagnosis: the
  // latest wins and an older result with another control status shows as a conflict.
  void BuildDiabetes() {
    if (hba1c_.empty()) {
      if (!diabetes_conditions_.empty() && !candidates_.count("patient.diabetes"))
        notes_.push_back("diabetes recorded (" + diabetes_conditions_.front().resource +
                         "); control not coded and no HbA1c: patient.diabetes not set (use E1x.65 or an HbA1c)");
      return;
    }
    std::stable_sort(hba1c_.begin(), hba1c_.end(), [](const Dated& a, const Dated& b) { return a.date > b.date; });
    const Dated& latest = hba1c_.front();
    if (diabetes_conditions_.empty()) {
      notes_.push_back(latest.resource + ": HbA1c " + Num(latest.value) + " % without a current diabetes diagnosis: patient.diabetes not set");
      for (const auto& h : hba1c_) Unused(h.resource, "HbA1c without a current diabetes diagnosis in the bundle");
      return;
    }
    const Json& cut = tables_.value("hba1c", Json::object()).value("uncontrolled_at_least_percent", Json());
    if (!cut.is_number()) {
      notes_.push_back("code tables: hba1c.uncontrolled_at_least_percent missing; diabetes control not derived");
      return;
    }
    for (const auto& h : hba1c_) {
      Dated d = h;
      d.value = h.value.get<double>() >= cut.get<double>() ? "uncontrolled" : "controlled";
      Add("patient.diabetes", d, "HbA1c " + Num(h.value) + " % (uncontrolled at >= " + Num(cut) + " %), diabetes " +
                                     diabetes_conditions_.front().resource);
    }
  }

  // The grade the counts imply (grade_from_counts; the higher of Ki-67 and mitoses, as WHO says).
  std::optional<std::string> CountGrade(const char* field, const Json& value) const {
    if (!value.is_number()) return std::nullopt;
    double v = value.get<double>();
    for (const auto& e : tables_.value("grade_from_counts", Json::object()).value(field, Json::array())) {
      if (e.contains("below")) {
        if (v < e["below"].get<double>()) return e["grade"].get<std::string>();
      } else if (e.contains("at_most")) {
        if (v <= e["at_most"].get<double>()) return e["grade"].get<std::string>();
      } else {
        return e["grade"].get<std::string>();
      }
    }
    return std::nullopt;
  }

  // A reported grade that differs from the one Ki-67/mitoses imply is a note; the knowledge base
  // grades from the counts (and raises alert.discordant_grade between them), so nothing is replaced.
  void CompareGrade(const Json& tumor) {
    if (reported_grade_.empty()) return;
    std::stable_sort(reported_grade_.begin(), reported_grade_.end(), [](const Dated& a, const Dated& b) { return a.date > b.date; });
    const Dated& g = reported_grade_.front();
    for (size_t i = 1; i < reported_grade_.size(); ++i)
      if (reported_grade_[i].value != g.value)
        notes_.push_back("histologic grade: " + reported_grade_[i].resource + " reported " + reported_grade_[i].value.get<std::string>() +
                         ", the later " + g.resource + " " + g.value.get<std::string>());
    auto ki = CountGrade("ki67_percent", tumor.value("ki67_percent", Json()));
    auto mi = CountGrade("mitoses_per_2mm2", tumor.value("mitoses_per_2mm2", Json()));
    if (!ki && !mi) {
      notes_.push_back("histologic grade " + g.value.get<std::string>() + " reported (" + g.resource +
                       "); no Ki-67 or mitotic count to compare it with");
      return;
    }
    std::string implied = std::max(ki.value_or(""), mi.value_or(""));
    std::string basis;
    if (ki) basis += "Ki-67 " + Num(tumor["ki67_percent"]) + " % (" + *ki + ")";
    if (mi) basis += std::string(basis.empty() ? "" : ", ") + "mitoses " + Num(tumor["mitoses_per_2mm2"]) + " per 2 mm2 (" + *mi + ")";
    if (implied == g.value.get<std::string>())
      notes_.push_back("histologic grade " + implied + " reported (" + g.resource + ") agrees with " + basis);
    else
      notes_.push_back("discordant grade: " + g.resource + " reports " + g.value.get<std::string>() + "; " + basis + " give " + implied +
                       " (WHO: the higher of the two); the case is graded from the counts");
  }

  static void SetPath(Json& root, const std::string& dotted, const Json& value) {
    Json* node = &root;
    size_t start = 0;
    for (;;) {
      size_t dot = dotted.find('.', start);
      std::string key = dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (dot == std::string::npos) {
        (*node)[key] = value;
        return;
      }
      if (!node->contains(key)) (*node)[key] = Json::object();
      node = &(*node)[key];
      start = dot + 1;
    }
  }

  tl::expected<MapResult, std::vector<MapError>> Build(const Json& bundle) {
    MapResult out;
    Json c = Json::object();
    c["schema"] = "zebra.case/v1";
    std::string id = bundle.value("id", "");
    if (id.empty() && patient_) id = patient_->value("id", "");
    c["id"] = id.empty() ? "fhir-bundle" : id;
    Json fields = Json::array(), conflicts = Json::array();
    BuildTumourSize();
    BuildDiseaseStatus();
    BuildDiabetes();
    for (auto& [field, list] : candidates_) {
      // Latest date wins; ties keep the first in bundle order.
      std::stable_sort(list.begin(), list.end(), [](const Candidate& a, const Candidate& b) { return a.date > b.date; });
      const Candidate& chosen = list.front();
      SetPath(c, field, chosen.value);
      fields.push_back({{"field", field}, {"value", chosen.value}, {"resource", chosen.resource}, {"element", chosen.element}});
      Json ignored = Json::array();
      for (size_t i = 1; i < list.size(); ++i)
        if (list[i].value != chosen.value)
          ignored.push_back({{"value", list[i].value}, {"resource", list[i].resource}, {"date", list[i].date}});
      if (!ignored.empty())
        conflicts.push_back({{"field", field}, {"used", chosen.value}, {"used_from", chosen.resource}, {"date", chosen.date},
                             {"ignored", ignored}});
    }
    if (!metastases_.empty()) {
      Json extra = Json::array();
      std::set<std::string> seen;
      for (const auto& [site, res] : metastases_)
        if (seen.insert(site).second) {
          extra.push_back(site);
          fields.push_back({{"field", "tumor.metastases.extrahepatic"}, {"value", site}, {"resource", res}, {"element", "code/bodySite"}});
        }
      SetPath(c, "tumor.metastases.extrahepatic", extra);
    }
    BuildTherapies();
    for (const auto& k : medications_)
      if (!used_.count(k)) Unused(k, "Medication not referenced by a mapped medication record");
    for (const auto& k : sstr_procedures_)
      if (!used_.count(k)) Unused(k, "SSTR imaging procedure without a result Observation (partOf) to read");
    if (!therapies_.empty()) {
      Json list = Json::array();
      for (const auto& [t, res] : therapies_) {
        list.push_back(t);
        fields.push_back({{"field", "history.prior_therapies"}, {"value", t}, {"resource", res}, {"element", "medication/code"}});
      }
      SetPath(c, "history.prior_therapies", list);
    }
    for (const auto& k : body_structures_)
      if (!used_.count(k)) Unused(k, "not the tumour of a mapped tumour size");
    if (!c.contains("tumor")) c["tumor"] = Json::object();
    Json reported = Json::array();
    for (const auto& d : reported_stage_)
      reported.push_back({{"item", "stage_group"}, {"value", d.value}, {"resource", d.resource}, {"element", d.element}, {"date", d.date}});
    for (const auto& d : reported_grade_)
      reported.push_back({{"item", "histologic_grade"}, {"value", d.value}, {"resource", d.resource}, {"element", d.element}, {"date", d.date}});
    CompareGrade(c["tumor"]);
    if (!c["tumor"].contains("primary_site")) {
      c["tumor"]["primary_site"] = "unknown_primary";
      notes_.push_back("no primary cancer condition with a known site: primary_site set to unknown_primary");
    }
    out.case_json = std::move(c);
    out.report = Json::object();
    out.report["fields"] = fields;
    out.report["conflicts"] = conflicts;
    out.report["unused"] = unused_;
    out.report["reported"] = reported;
    out.report["notes"] = notes_;
    return out;
  }

  const Json& tables_;
  const MapOptions& options_;
  std::string as_of_;
  std::map<std::string, std::pair<const Json*, std::string>> index_;
  std::map<std::string, std::vector<Candidate>> candidates_;
  std::vector<std::pair<std::string, std::string>> metastases_;
  std::vector<std::pair<Json, std::string>> therapies_;
  std::vector<DrugRecord> drug_records_;
  std::set<std::string> used_;
  std::vector<std::string> sstr_procedures_;
  std::vector<std::string> medications_;      // Medication resources, used only when referenced
  std::vector<std::string> body_structures_;  // BodyStructure (mCODE Tumor), used only when a TumorSize refers to it
  std::vector<Dated> tumour_sizes_, disease_status_, hba1c_, diabetes_conditions_, reported_stage_, reported_grade_;
  size_t order_ = 0;
  std::vector<std::string> unused_;
  std::vector<std::string> notes_;
  std::vector<MapError> errors_;
  const Json* patient_ = nullptr;
};

}  // namespace

tl::expected<Json, std::string> LoadCodeTables(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return tl::unexpected(file.string() + ": cannot read");
  std::stringstream ss;
  ss << in.rdbuf();
  Json j = Json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return tl::unexpected(file.string() + ": not a JSON object");
  return j;
}

std::filesystem::path DefaultCodeTablesPath(const std::filesystem::path& knowledge_dir) {
  return knowledge_dir / "fhir" / "code_tables.json";
}

void CompareStageGroup(MapResult& result, const std::string& derived_group) {
  if (!result.report.contains("reported") || !result.report["reported"].is_array()) return;
  const Json* latest = nullptr;
  for (const auto& r : result.report["reported"])
    if (r.value("item", "") == "stage_group" && (!latest || r.value("date", "") > latest->value("date", ""))) latest = &r;
  if (!latest) return;
  std::string reported = latest->value("value", "");
  std::string where = latest->value("resource", "") + " " + latest->value("element", "");
  auto subgroup = [](const std::string& group, const std::string& of) {
    return group.size() == of.size() + 1 && group.starts_with(of) && std::string("ABC").find(group.back()) != std::string::npos;
  };
  std::string note;
  if (derived_group.empty())
    note = "stage group " + reported + " reported (" + where + "); no group derived from T, N and M to compare it with";
  else if (reported == derived_group || subgroup(derived_group, reported) || subgroup(reported, derived_group))
    note = "stage group " + reported + " reported (" + where + ") agrees with the group derived from T, N and M (" + derived_group + ")";
  else
    note = "stage group differs: " + reported + " reported (" + where + "), " + derived_group +
           " derived from T, N and M; the derived group is used, the reported one is not copied";
  result.report["notes"].push_back(note);
}

tl::expected<MapResult, std::vector<MapError>> MapBundle(std::string_view bundle_text, const Json& code_tables,
                                                         const MapOptions& options) {
  if (bundle_text.size() > kMaxBundleBytes) return tl::unexpected(std::vector<MapError>{{"$", "bundle larger than 32 MiB"}});
  if (json::NestingDepth(bundle_text) > kMaxDepth)
    return tl::unexpected(std::vector<MapError>{{"$", "JSON nested deeper than 64 levels"}});
  // Strict: a repeated key or invalid UTF-8 is an error with its path, never a silent choice.
  auto parsed = json::ParseStrict(bundle_text, json::ParseLimits{kMaxBundleBytes, kMaxDepth});
  if (!parsed) return tl::unexpected(std::vector<MapError>{{parsed.error().path, parsed.error().message}});
  return MapParsedBundle(*parsed, code_tables, options);
}

tl::expected<MapResult, std::vector<MapError>> MapParsedBundle(const Json& bundle, const Json& code_tables,
                                                               const MapOptions& options) {
  Mapper m(code_tables, options);
  try {
    return m.Run(bundle);
  } catch (const Json::exception& e) {
    // A malformed element the mapper did not anticipate: still an input error, never a crash.
    return tl::unexpected(std::vector<MapError>{{"$", std::string("unexpected structure: ") + e.what()}});
  }
}

}  // namespace zebra::fhir
