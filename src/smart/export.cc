// The board decision as FHIR R4 (GET /v1/cases/{id}/fhir): a DocumentReference with the printable
// summary and the decision text, and a CarePlan naming the chosen option.
#include "auth/auth.h"
#include "engine/engine.h"
#include "smart/smart.h"

namespace zebra::smart {
namespace {

// Standard base64 with padding (FHIR `base64Binary`).
std::string Base64(std::string_view data) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(data[i]) << 16) | (static_cast<unsigned char>(data[i + 1]) << 8) |
                       static_cast<unsigned char>(data[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < data.size()) {
    unsigned v = static_cast<unsigned char>(data[i]) << 16;
    if (i + 1 < data.size()) v |= static_cast<unsigned char>(data[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < data.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string StringOr(const Json& j, const char* key, std::string fallback = {}) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

constexpr const char* kOptionSystem = "urn:zebra:option";

// A stable urn:uuid for a resource of a case (name-based, from SHA-256), so a repeated export
// names the same resources.
std::string StableUuid(std::string_view name) {
  std::string h = auth::Sha256Hex(name).substr(0, 32);
  h[12] = '5';                                             // version nibble
  h[16] = "89ab"[std::stoi(h.substr(16, 1), nullptr, 16) & 3];  // RFC 4122 variant
  return "urn:uuid:" + h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" +
         h.substr(20, 12);
}

}  // namespace

Json ExportBundle(const engine::Knowledge& kb, const ExportInput& in) {
  const bool decided = in.decision.is_object() && in.decision.contains("decision") && in.decision["decision"].is_object();
  const Json decision = decided ? in.decision["decision"] : Json::object();
  const std::string decided_at = decided ? StringOr(in.decision, "created_at") : std::string();
  // The decision's reason (issue 18) when recorded, else its notes: the minutes of the board.
  std::string reason = StringOr(decision, "reason");
  const std::string notes = StringOr(decision, "notes");
  std::string decision_text;
  if (decided) {
    decision_text = "Tumour board decision: " + StringOr(decision, "option_id");
    if (!reason.empty()) decision_text += "\nReason: " + reason;
    if (!notes.empty()) decision_text += "\nMinutes: " + notes;
    decision_text += "\n";
  }

  Json subject;
  if (!in.patient_reference.empty()) subject = Json{{"reference", in.patient_reference}};

  Json doc = Json::object();
  doc["resourceType"] = "DocumentReference";
  doc["id"] = "zebra-summary-" + in.case_id;
  doc["status"] = "current";
  doc["docStatus"] = decided ? "final" : "preliminary";
  doc["type"] = Json{{"text", "Tumour board summary (Zebra)"}};
  if (!subject.is_null()) doc["subject"] = subject;
  doc["date"] = in.now_rfc3339;
  doc["description"] = decided ? decision_text : std::string("Zebra summary; no board decision recorded yet\n");
  Json content = Json::array();
  if (in.recommendation.is_object()) {
    const std::string html = engine::Render(in.recommendation, engine::Format::kHtml);
    content.push_back(Json{{"attachment",
                            Json{{"contentType", "text/html; charset=utf-8"},
                                 {"language", "en"},
                                 {"data", Base64(html)},
                                 {"title", "Printable summary"}}}});
  }
  if (decided) {
    content.push_back(Json{{"attachment",
                            Json{{"contentType", "text/plain; charset=utf-8"},
                                 {"language", "en"},
                                 {"data", Base64(decision_text)},
                                 {"title", "Decision and minutes"}}}});
  }
  doc["content"] = std::move(content);
  doc["context"] = Json{{"related", Json::array({Json{{"identifier", Json{{"system", "urn:zebra:case"},
                                                                          {"value", in.case_id}}}}})}};

  Json bundle = Json::object();
  bundle["resourceType"] = "Bundle";
  bundle["type"] = "collection";
  bundle["timestamp"] = in.now_rfc3339;
  Json entries = Json::array();
  const std::string doc_url = StableUuid("zebra:DocumentReference:" + in.case_id);
  entries.push_back(Json{{"fullUrl", doc_url}, {"resource", doc}});

  if (decided) {
    const std::string option_id = StringOr(decision, "option_id");
    std::string title = option_id;
    if (const auto& options = kb.catalogue()["options"]; options.contains(option_id) && options[option_id].is_object()) {
      title = StringOr(options[option_id], "title", option_id);
    }
    Json plan = Json::object();
    plan["resourceType"] = "CarePlan";
    plan["id"] = "zebra-decision-" + in.case_id;
    plan["status"] = "active";
    plan["intent"] = "plan";
    plan["title"] = "Tumour board decision: " + title;
    if (!subject.is_null()) plan["subject"] = subject;
    plan["created"] = decided_at;
    plan["author"] = Json{{"display", StringOr(in.decision, "created_by", "Zebra")}};
    if (!reason.empty() || !notes.empty()) plan["description"] = reason.empty() ? notes : reason;
    Json detail = Json::object();
    detail["code"] = Json{{"coding", Json::array({Json{{"system", kOptionSystem}, {"code", option_id}, {"display", title}}})},
                          {"text", title}};
    detail["status"] = "not-started";
    detail["description"] = title;
    if (!reason.empty() || !notes.empty()) {
      detail["reasonCode"] = Json::array({Json{{"text", reason.empty() ? notes : reason}}});
    }
    plan["activity"] = Json::array({Json{{"detail", detail}}});
    plan["supportingInfo"] = Json::array({Json{{"reference", doc_url}}});
    plan["note"] = Json::array({Json{{"time", decided_at}, {"text", decision_text}}});
    entries.push_back(Json{{"fullUrl", StableUuid("zebra:CarePlan:" + in.case_id)}, {"resource", plan}});
  }
  bundle["entry"] = std::move(entries);
  return bundle;
}

}  // namespace zebra::smart
