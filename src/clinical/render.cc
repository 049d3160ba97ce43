// Text and HTML renderings of a recommendation. Presentation only: every word of clinical
// content comes from the recommendation JSON (and so from the knowledge base).
#include <sstream>
#include <utility>

#include "clinical/clinical.h"
#include "json/json_parse.h"

namespace zebra::clinical {
namespace {

// The member `key` of an object, or null: the recommendation is ours, but a missing member must
// not reach const operator[] (undefined behaviour in nlohmann's release builds).
const Json& At(const Json& j, const char* key) {
  static const Json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

std::string S(const Json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

std::string Join(const Json& list, const char* sep = ", ") {
  std::string out;
  if (!list.is_array()) return out;
  for (const auto& e : list) {
    if (!out.empty()) out += sep;
    out += e.is_string() ? e.get<std::string>() : e.dump();
  }
  return out;
}

std::string Escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// The evidence labels of the knowledge base (knowledge/README.md), explained once per rendering.
constexpr std::pair<const char*, const char*> kEvidenceLegend[] = {
    {"RCT-3", "randomised phase 3 trial in this population"},
    {"RCT-2", "randomised phase 2 trial"},
    {"PROSP", "prospective non-randomised, single-arm or registry study"},
    {"RETRO", "retrospective series or population data"},
    {"CONS", "expert consensus or guideline statement without high-level data"},
    {"LABEL", "regulatory label (FDA/EMA indication), not a statement of guideline preference"},
};

// "ESMO ... 2020 (I, A); ..." from options[].sources, and "FDA approved, EMA off_label: note".
std::string SourcesText(const Json& opt) {
  std::string out;
  for (const auto& s : At(opt, "sources")) {
    if (!out.empty()) out += "; ";
    out += S(s, "guideline") + " " + S(s, "year");
    if (!S(s, "strength").empty()) out += " (" + S(s, "strength") + ")";
  }
  return out;
}
std::string ApprovalText(const Json& opt) {
  const Json& a = At(opt, "approval");
  if (!a.is_object()) return {};
  std::string out = "FDA " + S(a, "fda") + ", EMA " + S(a, "ema");
  if (!S(a, "note").empty()) out += ": " + S(a, "note");
  return out;
}

}  // namespace

std::string RenderText(const Json& r) {
  std::ostringstream o;
  o << "Zebra recommendation for case " << S(r, "case_id") << "  (knowledge " << S(r, "knowledge_version")
    << ", engine " << S(r, "zebra_version") << ")\n";
  o << S(r, "notice") << "\n\n";
  const Json& c = At(r, "classification");
  o << "Classification: " << S(c, "category") << (S(c, "grade").empty() ? "" : " " + S(c, "grade")) << "\n";
  if (!S(c, "basis").empty()) o << "  " << S(c, "basis") << "\n";
  const Json& st = At(r, "stage");
  o << "Stage: " << (S(st, "group").empty() ? "not staged" : S(st, "group")) << "  " << S(st, "t") << " "
    << S(st, "n") << " " << S(st, "m");
  if (!S(st, "chapter").empty()) o << "  (" << S(st, "system") << ", " << S(st, "chapter") << ")";
  if (!At(st, "derived").empty()) o << "  derived: " << Join(At(st, "derived"));
  o << "\n";
  if (!S(st, "basis").empty()) o << "  " << S(st, "basis") << "\n";
  o << "Scenario: " << S(At(r, "scenario"), "title") << " [" << S(At(r, "scenario"), "id") << "]\n\n";

  if (!At(r, "alerts").empty()) {
    o << "ALERTS\n";
    for (const auto& a : At(r, "alerts"))
      o << "  [" << S(a, "severity") << "] " << S(a, "id") << ": " << S(a, "text") << "  (" << Join(At(a, "citations")) << ")\n";
    o << "\n";
  }
  o << "OPTIONS\n";
  for (const auto& opt : At(r, "options")) {
    o << "  " << (opt.value("preferred", false) ? "* " : "- ") << S(opt, "title") << " [" << S(opt, "id") << "], "
      << S(opt, "intent") << "\n";
    if (!S(opt, "rationale").empty()) o << "      why: " << S(opt, "rationale") << "\n";
    if (!S(opt, "evidence").empty()) o << "      evidence: " << S(opt, "evidence") << "  (" << Join(At(opt, "citations")) << ")\n";
    if (!At(opt, "side_effects").empty()) o << "      side effects: " << Join(At(opt, "side_effects")) << "\n";
    if (!At(opt, "cautions").empty()) o << "      cautions: " << Join(At(opt, "cautions"), "; ") << "\n";
    if (!SourcesText(opt).empty()) o << "      sources: " << SourcesText(opt) << "\n";
    if (!ApprovalText(opt).empty()) o << "      approval: " << ApprovalText(opt) << "\n";
  }
  o << "  Evidence labels:";
  for (const auto& [label, meaning] : kEvidenceLegend) o << " " << label << " = " << meaning << ";";
  o << "\n";
  if (!At(r, "not_recommended").empty()) {
    o << "\nNOT RECOMMENDED\n";
    for (const auto& n : At(r, "not_recommended"))
      o << "  - " << S(n, "id") << ": " << S(n, "reason") << "  (" << Join(At(n, "citations")) << ")\n";
  }
  if (!At(r, "workup").empty()) {
    o << "\nWORKUP STILL NEEDED\n";
    for (const auto& w : At(r, "workup")) o << "  - " << S(w, "id") << ": " << S(w, "text") << "\n";
  }
  if (!At(r, "monitoring").empty()) {
    o << "\nMONITORING\n";
    for (const auto& m : At(r, "monitoring"))
      o << "  - " << S(m, "test") << " (interval: " << S(m, "interval") << "; duration: " << S(m, "duration") << ")\n      "
        << S(m, "text") << "\n";
  }
  if (!At(r, "missing").empty()) {
    o << "\nMISSING DATA\n";
    for (const auto& m : At(r, "missing")) o << "  - " << S(m, "field") << ": blocks " << S(m, "blocks") << "\n";
  }
  const Json& ps = At(r, "patient_summary");
  o << "\nFOR THE PATIENT (reading grade " << S(ps, "reading_grade") << ")\n  " << S(ps, "text") << "\n";
  if (!At(ps, "questions_to_ask").empty()) {
    o << "  Questions to ask:\n";
    for (const auto& q : At(ps, "questions_to_ask")) o << "   - " << q.get<std::string>() << "\n";
  }
  o << "\nRULES THAT FIRED\n";
  for (const auto& t : At(r, "trace")) o << "  " << S(t, "decision") << ": " << S(t, "rule") << "\n";
  // The case id and texts come from the input: escape sequences (ESC, CSI, other controls) would
  // drive the user's terminal, so they are shown as U+FFFD.
  return json::SanitizeUtf8(o.str(), /*controls=*/true);
}

std::string RenderHtml(const Json& r) {
  std::ostringstream o;
  o << "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    << "<title>Zebra recommendation " << Escape(S(r, "case_id")) << "</title><style>"
    << "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a;line-height:1.45}"
    << "h1{font-size:1.5rem}h2{font-size:1.15rem;border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:1.6rem}"
    << ".critical{background:#fde2e1;border-left:4px solid #a40000}.warning{background:#fff4d6;border-left:4px solid #7a5200}"
    << ".info{background:#e8f0fe;border-left:4px solid #1a4fa0}.alert{padding:.4rem .7rem;margin:.3rem 0}"
    << ".pref{font-weight:700;color:#0b5d1e}.muted{color:#555}details{margin:.4rem 0}"
    << "@media print{details{display:block}summary{font-weight:700}}</style></head><body>\n";
  o << "<h1>Recommendation for case " << Escape(S(r, "case_id")) << "</h1>\n";
  o << "<p class=\"muted\">" << Escape(S(r, "notice")) << " Knowledge version " << Escape(S(r, "knowledge_version"))
    << ", engine " << Escape(S(r, "zebra_version")) << ".</p>\n";
  const Json& c = At(r, "classification");
  const Json& st = At(r, "stage");
  o << "<p><strong>Classification:</strong> " << Escape(S(c, "category")) << " " << Escape(S(c, "grade")) << " — "
    << Escape(S(c, "basis")) << "<br><strong>Stage:</strong> " << Escape(S(st, "group").empty() ? "not staged" : S(st, "group"))
    << " (" << Escape(S(st, "t")) << " " << Escape(S(st, "n")) << " " << Escape(S(st, "m")) << ", "
    << Escape(S(st, "chapter")) << ")<br><strong>Scenario:</strong> " << Escape(S(At(r, "scenario"), "title")) << "</p>\n";
  if (!At(r, "alerts").empty()) {
    o << "<h2>Alerts</h2>\n";
    for (const auto& a : At(r, "alerts"))
      o << "<div class=\"alert " << Escape(S(a, "severity")) << "\"><strong>" << Escape(S(a, "severity")) << ":</strong> "
        << Escape(S(a, "text")) << " <span class=\"muted\">[" << Escape(Join(At(a, "citations"))) << "]</span></div>\n";
  }
  o << "<h2>Options</h2>\n";
  for (const auto& opt : At(r, "options")) {
    o << "<details><summary>" << (opt.value("preferred", false) ? "<span class=\"pref\">Preferred:</span> " : "")
      << Escape(S(opt, "title")) << " <span class=\"muted\">(" << Escape(S(opt, "intent")) << ")</span></summary>"
      << "<p>" << Escape(S(opt, "rationale")) << "</p><p><em>Evidence:</em> " << Escape(S(opt, "evidence")) << " ["
      << Escape(Join(At(opt, "citations"))) << "]</p>";
    if (!At(opt, "side_effects").empty()) o << "<p><em>Side effects:</em> " << Escape(Join(At(opt, "side_effects"))) << "</p>";
    if (!At(opt, "cautions").empty()) o << "<p><em>Cautions:</em> " << Escape(Join(At(opt, "cautions"), "; ")) << "</p>";
    if (!SourcesText(opt).empty()) o << "<p><em>Sources:</em> " << Escape(SourcesText(opt)) << "</p>";
    if (!ApprovalText(opt).empty()) o << "<p><em>Approval:</em> " << Escape(ApprovalText(opt)) << "</p>";
    o << "</details>\n";
  }
  o << "<p class=\"muted\"><em>Evidence labels:</em>";
  for (const auto& [label, meaning] : kEvidenceLegend) o << " <strong>" << label << "</strong> " << Escape(meaning) << ";";
  o << "</p>\n";
  if (!At(r, "not_recommended").empty()) {
    o << "<h2>Not recommended</h2><ul>\n";
    for (const auto& n : At(r, "not_recommended"))
      o << "<li><strong>" << Escape(S(n, "id")) << "</strong>: " << Escape(S(n, "reason")) << "</li>\n";
    o << "</ul>\n";
  }
  if (!At(r, "workup").empty()) {
    o << "<h2>Workup still needed</h2><ul>\n";
    for (const auto& w : At(r, "workup")) o << "<li>" << Escape(S(w, "text")) << "</li>\n";
    o << "</ul>\n";
  }
  if (!At(r, "monitoring").empty()) {
    o << "<h2>Monitoring</h2><ul>\n";
    for (const auto& m : At(r, "monitoring"))
      o << "<li><strong>" << Escape(S(m, "test")) << "</strong> (interval: " << Escape(S(m, "interval"))
        << "; duration: " << Escape(S(m, "duration")) << ") " << Escape(S(m, "text")) << "</li>\n";
    o << "</ul>\n";
  }
  if (!At(r, "missing").empty()) {
    o << "<h2>Missing data</h2><ul>\n";
    for (const auto& m : At(r, "missing"))
      o << "<li><code>" << Escape(S(m, "field")) << "</code>: blocks " << Escape(S(m, "blocks")) << "</li>\n";
    o << "</ul>\n";
  }
  const Json& ps = At(r, "patient_summary");
  o << "<h2>For the patient</h2><p>" << Escape(S(ps, "text")) << "</p>\n";
  if (!At(ps, "questions_to_ask").empty()) {
    o << "<p>Questions to ask:</p><ul>\n";
    for (const auto& q : At(ps, "questions_to_ask")) o << "<li>" << Escape(q.get<std::string>()) << "</li>\n";
    o << "</ul>\n";
  }
  o << "<h2>Why: rules that fired</h2><ul class=\"muted\">\n";
  for (const auto& t : At(r, "trace")) o << "<li>" << Escape(S(t, "decision")) << ": " << Escape(S(t, "rule")) << "</li>\n";
  o << "</ul>\n</body></html>\n";
  return o.str();
}

}  // namespace zebra::clinical
