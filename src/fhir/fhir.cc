#include "fhir/fhir.h"

#include "json/json_values.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace zebra::fhir {
namespace {

constexpr size_t kMaxBundleBytes = 32u << 20;
constexpr size_t kMaxDepth = 64;

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

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

  std::string System(const Json& entry) const {
    std::string s = entry.value("system", "");
    auto systems = tables_.find("systems");
    if (systems != tables_.end() && systems->contains(s)) return (*systems)[s].get<std::string>();
    return s;
  }

  static bool TextMatches(const Json& cc, const std::string& needle) {
    std::string n = Lower(needle);
    if (cc.contains("text") && cc["text"].is_string() && Lower(cc["text"].get<std::string>()).find(n) != std::string::npos)
      return true;
    if (cc.contains("coding") && cc["coding"].is_array())
      for (const auto& c : cc["coding"])
        if (c.contains("display") && c["display"].is_string() && Lower(c["display"].get<std::string>()).find(n) != std::string::npos)
          return true;
    return false;
  }

  // The first table entry whose system/code (or code prefix, or text) matches the cc.
  const Json* Match(const Json& table, const Json& cc) const {
    if (!cc.is_object()) return nullptr;
    for (const auto& entry : table) {
      if (entry.contains("text_contains")) {
        if (TextMatches(cc, entry["text_contains"].get<std::string>())) return &entry;
        continue;
      }
      if (!cc.contains("coding") || !cc["coding"].is_array()) continue;
      std::string system = System(entry);
      for (const auto& c : cc["coding"]) {
        if (!c.is_object() || c.value("system", "") != system || !c.contains("code") || !c["code"].is_string()) continue;
        std::string code = c["code"].get<std::string>();
        if (entry.contains("code") && entry["code"] == code) return &entry;
        if (entry.contains("code_prefix") && code.rfind(entry["code_prefix"].get<std::string>(), 0) == 0) return &entry;
      }
    }
    return nullptr;
  }

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

  void Unused(const Json& r, const std::string& why) {
    unused_.push_back(r.value("resourceType", "") + "/" + r.value("id", "") + ": " + why);
  }

  void Visit(const Json& r, const std::string& path) {
    std::string type = r["resourceType"].get<std::string>();
    if (type == "Patient") return VisitPatient(r, path);
    if (type == "Condition") return VisitCondition(r, path);
    if (type == "Observation") return VisitObservation(r, path);
    if (type == "MedicationStatement" || type == "MedicationAdministration" || type == "MedicationRequest")
      return VisitMedication(r, path);
    if (type == "Procedure") return VisitProcedure(r, path);
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
      static const std::regex kDate(R"(^(\d{4})-(\d{2})-(\d{2}))");
      std::smatch mb, ma;
      if (as_of_.empty()) {
        notes_.push_back("age unknown: no --as-of date and no bundle timestamp");
      } else if (std::regex_search(b, mb, kDate) && std::regex_search(as_of_, ma, kDate)) {
        int age = std::stoi(ma[1]) - std::stoi(mb[1]);
        if (std::make_pair(std::stoi(ma[2]), std::stoi(ma[3])) < std::make_pair(std::stoi(mb[2]), std::stoi(mb[3]))) --age;
        if (age >= 0 && age <= 120) Offer("patient.age_years", age, r, "birthDate (as of " + as_of_ + ")");
      } else {
        errors_.push_back({path + ".birthDate", "not a full date (YYYY-MM-DD)"});
      }
    }
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
      return;
    }
    if (const Json* c = Match(Table("conditions"), code)) {
      if (c->contains("set")) ApplySet((*c)["set"], r, "code");
      if (c->contains("report")) notes_.push_back((*c)["report"].get<std::string>());
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
        std::string unit = q.value("code", q.value("unit", ""));
        if (!entry["units"].contains(unit)) {
          notes_.push_back(r.value("resourceType", "") + "/" + r.value("id", "") + ": unit '" + unit +
                           "' not convertible; value not used");
          return std::nullopt;
        }
        v *= entry["units"][unit].get<double>();
      }
      return v;
    }
    return std::nullopt;
  }

  void VisitObservation(const Json& r, const std::string& path) {
    if (r.contains("code") && !r["code"].is_object()) {
      errors_.push_back({path + ".code", "expected a CodeableConcept object"});
      return;
    }
    const Json code = r.value("code", Json::object());
    std::string status = r.value("status", "final");
    if (status == "entered-in-error" || status == "cancelled") {
      Unused(r, "status " + status);
      return;
    }
    if (const Json* s = Match(Table("stage_observations"), code)) {
      std::string part = (*s)["part"].get<std::string>();
      if (part == "group") {
        Unused(r, "stage group read but not used: Zebra derives the group from T, N and M");
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
          if (const Json* m = Match(Table("sstr_procedures"), it->second.first->value("code", Json::object())))
            Offer("tumor.sstr_imaging.modality", (*m)["modality"], *it->second.first, "code (via partOf)");
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
        double high = 0;
        if (r.contains("referenceRange") && r["referenceRange"].is_array() && !r["referenceRange"].empty()) {
          const Json& rr = r["referenceRange"][0];
          if (rr.contains("high") && rr["high"].contains("value") && rr["high"]["value"].is_number())
            high = rr["high"]["value"].get<double>();
        }
        if (v && high > 0) Offer(field, std::round(*v / high * 100.0) / 100.0, r, "valueQuantity / referenceRange.high");
        else if (v) notes_.push_back(field + ": no reference range upper limit, so the multiple of ULN is unknown");
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
    std::regex pattern(tables_.value("stage_value_pattern", std::string("^$")));
    std::vector<std::string> texts;
    if (cc.contains("text") && cc["text"].is_string()) texts.push_back(cc["text"].get<std::string>());
    if (cc.contains("coding") && cc["coding"].is_array())
      for (const auto& c : cc["coding"]) {
        if (c.contains("code") && c["code"].is_string()) texts.push_back(c["code"].get<std::string>());
      }
    for (const auto& t : texts) {
      std::smatch m;
      if (std::regex_match(t, m, pattern)) return m[1].str();
    }
    return std::nullopt;
  }

  void VisitMedication(const Json& r, const std::string& path) {
    Json cc = r.value("medicationCodeableConcept", Json::object());
    if (r.contains("medicationCodeableConcept") && !r["medicationCodeableConcept"].is_object()) {
      errors_.push_back({path + ".medicationCodeableConcept", "expected a CodeableConcept object"});
      return;
    }
    if (r.contains("medicationReference")) {
      auto it = index_.find(r["medicationReference"].value("reference", ""));
      if (it != index_.end()) cc = it->second.first->value("code", Json::object());
    }
    const Json* m = Match(Table("medications"), cc);
    if (!m) {
      Unused(r, "medication not in the code tables (" + Codes(cc) + ")");
      return;
    }
    std::string option = (*m)["option"].get<std::string>();
    std::string status = r.value("status", "");
    if (status == "entered-in-error" || status == "not-taken" || status == "cancelled") {
      Unused(r, "status " + status);
      return;
    }
    Json therapy = Json::object();
    therapy["option"] = option;
    if (r.contains("effectivePeriod") && r["effectivePeriod"].is_object()) {
      auto months = MonthsBetween(r["effectivePeriod"].value("start", ""), r["effectivePeriod"].value("end", ""));
      if (months) therapy["months"] = *months;
    }
    therapies_.push_back({therapy, r.value("resourceType", "") + "/" + r.value("id", "")});
  }

  static std::optional<int> MonthsBetween(const std::string& a, const std::string& b) {
    if (a.size() < 7 || b.size() < 7) return std::nullopt;
    try {
      int m = (std::stoi(b.substr(0, 4)) - std::stoi(a.substr(0, 4))) * 12 + std::stoi(b.substr(5, 2)) - std::stoi(a.substr(5, 2));
      return m >= 0 ? std::optional<int>(m) : std::nullopt;
    } catch (...) {
      return std::nullopt;
    }
  }

  void VisitProcedure(const Json& r, const std::string& path) {
    (void)path;
    const Json code = r.value("code", Json::object());
    if (Match(Table("sstr_procedures"), code)) {
      // Read through the SSTR result Observation's partOf; nothing to map on its own.
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
      if (text.empty() && code.contains("coding") && code["coding"].is_array() && !code["coding"].empty())
        text = code["coding"][0].value("display", "");
      Offer("history.resection.procedure", text.substr(0, 200), r, "code");
    } else if (kind == "therapy" && p->contains("option")) {
      Json therapy = Json::object();
      therapy["option"] = (*p)["option"];
      therapies_.push_back({therapy, r.value("resourceType", "") + "/" + r.value("id", "")});
    }
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
    if (!therapies_.empty()) {
      Json list = Json::array();
      for (const auto& [t, res] : therapies_) {
        list.push_back(t);
        fields.push_back({{"field", "history.prior_therapies"}, {"value", t}, {"resource", res}, {"element", "medication/code"}});
      }
      SetPath(c, "history.prior_therapies", list);
    }
    if (!c.contains("tumor")) c["tumor"] = Json::object();
    if (!c["tumor"].contains("primary_site")) {
      c["tumor"]["primary_site"] = "unknown_primary";
      notes_.push_back("no primary cancer condition with a known site: primary_site set to unknown_primary");
    }
    out.case_json = std::move(c);
    out.report = Json::object();
    out.report["fields"] = fields;
    out.report["conflicts"] = conflicts;
    out.report["unused"] = unused_;
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

tl::expected<MapResult, std::vector<MapError>> MapBundle(std::string_view bundle_text, const Json& code_tables,
                                                         const MapOptions& options) {
  if (bundle_text.size() > kMaxBundleBytes) return tl::unexpected(std::vector<MapError>{{"$", "bundle larger than 32 MiB"}});
  if (json::NestingDepth(bundle_text) > kMaxDepth)
    return tl::unexpected(std::vector<MapError>{{"$", "JSON nested deeper than 64 levels"}});
  Json bundle;
  try {
    bundle = Json::parse(bundle_text);
  } catch (const Json::parse_error& e) {
    return tl::unexpected(std::vector<MapError>{{"$", std::string("not valid JSON: ") + e.what()}});
  }
  Mapper m(code_tables, options);
  try {
    return m.Run(bundle);
  } catch (const Json::exception& e) {
    // A malformed element the mapper did not anticipate: still an input error, never a crash.
    return tl::unexpected(std::vector<MapError>{{"$", std::string("unexpected structure: ") + e.what()}});
  }
}

}  // namespace zebra::fhir
