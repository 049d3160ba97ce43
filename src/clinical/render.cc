// Text and HTML renderings of a recommendation. Presentation only: every word of clinical
// content comes from the recommendation JSON (and so from the knowledge base).
#include <cstdint>
#include <ctime>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>
#include <vector>

#include "common/text.h"
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

std::string Escape(std::string_view s) { return common::EscapeHtml(s); }

// Numbers citations in the order the document first cites them; the reference list at the end
// resolves each number from knowledge/citations.json.
class CitationNumbers {
 public:
  explicit CitationNumbers(const Json* citations) : citations_(citations) {}
  // "[1, 3]" with each number linked to its reference; "" for no citations.
  std::string Cite(const Json& keys) {
    if (!keys.is_array() || keys.empty()) return {};
    std::string out = "[";
    for (const auto& k : keys) {
      if (!k.is_string()) continue;
      const std::size_t n = Number(k.get<std::string>());
      if (out.size() > 1) out += ", ";
      out += "<a href=\"#ref-" + std::to_string(n) + "\" title=\"" + Escape(k.get<std::string>()) + "\">" +
             std::to_string(n) + "</a>";
    }
    return out + "]";
  }
  void References(std::ostream& o) const {
    if (order_.empty()) return;
    o << "<h2>References</h2>\n<ol class=\"references\">\n";
    for (std::size_t i = 0; i < order_.size(); ++i) {
      const Json& c = citations_ ? At(*citations_, order_[i].c_str()) : At(Json(), "");
      o << "<li id=\"ref-" << i + 1 << "\">";
      if (S(c, "reference").empty()) {
        o << "Reference " << Escape(order_[i]) << " is not in the knowledge base.";
      } else {
        o << Escape(S(c, "reference"));
        if (!S(c, "doi").empty())
          o << " <a href=\"https://doi.org/" << Escape(S(c, "doi")) << "\">https://doi.org/" << Escape(S(c, "doi")) << "</a>";
        else if (!S(c, "url").empty())
          o << " <a href=\"" << Escape(S(c, "url")) << "\">" << Escape(S(c, "url")) << "</a>";
      }
      o << " <span class=\"muted\">(" << Escape(order_[i]) << ")</span></li>\n";
    }
    o << "</ol>\n";
  }

 private:
  std::size_t Number(const std::string& key) {
    for (std::size_t i = 0; i < order_.size(); ++i)
      if (order_[i] == key) return i + 1;
    order_.push_back(key);
    return order_.size();
  }
  const Json* citations_;
  std::vector<std::string> order_;
};

// "2026-12-06 08:15 UTC", now.
std::string NowUtcText() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

// The ranked plan: the first choice, the alternatives (other preferred options) and the later
// lines and other options, each with its rank, line of therapy and the knowledge's rank reason.
struct PlanPart {
  const char* heading;
  std::vector<const Json*> options;
};
std::vector<PlanPart> Plan(const Json& r) {
  std::vector<PlanPart> parts = {{"First choice", {}}, {"Alternatives", {}}, {"Later lines and other options", {}}};
  const Json& options = At(r, "options");
  if (!options.is_array()) return parts;
  for (const auto& o : options) {
    if (parts[0].options.empty()) parts[0].options.push_back(&o);
    else parts[o.value("preferred", false) ? 1 : 2].options.push_back(&o);
  }
  return parts;
}

std::string LineText(const Json& o) {
  std::string line = S(o, "line");
  return line.empty() ? std::string() : line + " line";
}

// The ranked plan in one format: the text and HTML renderings walk the same parts and options.
struct PlanMarkup {
  const char* title;  // before the parts
  void (*part)(std::ostream&, const char* heading);
  void (*option)(std::ostream&, const Json& option);
  const char* part_end;
  const char* end;  // after the parts
};

void WritePlan(std::ostream& o, const Json& r, const PlanMarkup& m) {
  if (At(r, "options").empty()) return;
  o << m.title;
  for (const auto& part : Plan(r)) {
    if (part.options.empty()) continue;
    m.part(o, part.heading);
    for (const Json* opt : part.options) m.option(o, *opt);
    o << m.part_end;
  }
  o << m.end;
}

void TextPlan(std::ostream& o, const Json& r) {
  WritePlan(o, r,
            {"RANKED PLAN\n", [](std::ostream& out, const char* heading) { out << "  " << heading << ":\n"; },
             [](std::ostream& out, const Json& opt) {
               out << "    " << S(opt, "rank") << ". " << S(opt, "title") << " [" << S(opt, "id") << "]";
               if (!LineText(opt).empty()) out << " (" << LineText(opt) << ")";
               out << "\n";
               if (!S(opt, "rank_reason").empty()) out << "       " << S(opt, "rank_reason") << "\n";
             },
             "", "\n"});
}

void TextWhatIf(std::ostream& o, const Json& r) {
  const Json& w = At(r, "what_if");
  if (!w.is_array()) return;
  o << "\nWHAT IF\n";
  if (w.empty()) o << "  No missing value or value near a cut-off would change the options.\n";
  for (const auto& e : w) o << "  - [" << S(e, "why") << "] " << S(e, "summary") << "\n";
}

void HtmlPlan(std::ostream& o, const Json& r) {
  WritePlan(o, r,
            {"<h2>Ranked plan</h2>\n",
             [](std::ostream& out, const char* heading) { out << "<h3>" << heading << "</h3><ol>\n"; },
             [](std::ostream& out, const Json& opt) {
               out << "<li value=\"" << Escape(S(opt, "rank")) << "\"><strong>" << Escape(S(opt, "title"))
                   << "</strong>";
               if (!LineText(opt).empty()) out << " <span class=\"muted\">(" << Escape(LineText(opt)) << ")</span>";
               if (!S(opt, "rank_reason").empty()) out << "<br>" << Escape(S(opt, "rank_reason"));
               out << "</li>\n";
             },
             "</ol>\n", ""});
}

void HtmlWhatIf(std::ostream& o, const Json& r) {
  const Json& w = At(r, "what_if");
  if (!w.is_array()) return;
  o << "<h2>What if</h2>\n";
  if (w.empty()) {
    o << "<p>No missing value or value near a cut-off would change the options.</p>\n";
    return;
  }
  o << "<table><thead><tr><th>Field</th><th>Value</th><th>Why</th><th>First choice</th><th>Added</th><th>Removed</th></tr></thead><tbody>\n";
  for (const auto& e : w)
    o << "<tr><td><code>" << Escape(S(e, "field")) << "</code></td><td>" << Escape(S(e, "value")) << "</td><td>"
      << Escape(S(e, "why") == "missing" ? "missing" : "near a cut-off") << "</td><td>" << Escape(S(e, "first_choice"))
      << "</td><td>" << Escape(Join(At(e, "added"))) << "</td><td>" << Escape(Join(At(e, "removed"))) << "</td></tr>\n"
      << "<tr><td colspan=\"6\" class=\"muted\">" << Escape(S(e, "summary")) << "</td></tr>\n";
  o << "</tbody></table>\n";
}

// Clinical trials (issue 23): the studies of the local registry snapshot this case may fit.
void TrialsText(std::ostringstream& o, const Json& r) {
  const Json& reg = At(r, "trials_registry");
  if (!reg.is_object()) return;
  o << "\nCLINICAL TRIALS (local registry, snapshot " << S(reg, "snapshot_date") << ": " << S(reg, "may_fit")
    << " may fit, " << S(reg, "excluded") << " ruled out)\n";
  if (At(reg, "stale") == true) o << "  STALE: " << S(reg, "stale_note") << "\n";
  for (const auto& t : At(r, "trials")) {
    const std::string phase = S(t, "phase").empty() ? "phase n/a" : S(t, "phase");  // null when the source gives none
    o << "  - " << S(t, "nct_id") << " " << S(t, "title") << " (" << phase << ", " << S(t, "status") << ")\n";
    if (!At(t, "matched").empty()) o << "      matched: " << Join(At(t, "matched"), "; ") << "\n";
    if (!At(t, "to_check").empty()) o << "      to check: " << Join(At(t, "to_check"), "; ") << "\n";
  }
  for (const auto& t : At(r, "trials_excluded"))
    o << "  x " << S(t, "nct_id") << " ruled out: " << Join(At(t, "reasons"), "; ") << "\n";
}

void TrialsHtml(std::ostringstream& o, const Json& r) {
  const Json& reg = At(r, "trials_registry");
  if (!reg.is_object()) return;
  o << "<h2>Clinical trials</h2><p class=\"muted\">Local registry snapshot " << Escape(S(reg, "snapshot_date")) << ": "
    << Escape(S(reg, "may_fit")) << " may fit, " << Escape(S(reg, "excluded")) << " ruled out.</p>\n";
  if (At(reg, "stale") == true) o << "<div class=\"alert warning\"><strong>Stale:</strong> " << Escape(S(reg, "stale_note")) << "</div>\n";
  for (const auto& t : At(r, "trials")) {
    o << "<details open><summary>" << Escape(S(t, "nct_id")) << " " << Escape(S(t, "title")) << " <span class=\"muted\">("
      << Escape(S(t, "phase").empty() ? "phase n/a" : S(t, "phase")) << ", " << Escape(S(t, "status")) << ")</span></summary>";
    if (!At(t, "matched").empty()) o << "<p><em>Matched:</em> " << Escape(Join(At(t, "matched"), "; ")) << "</p>";
    if (!At(t, "to_check").empty()) o << "<p><em>To check:</em> " << Escape(Join(At(t, "to_check"), "; ")) << "</p>";
    o << "<p class=\"muted\">" << Escape(S(t, "url")) << "</p></details>\n";
  }
  if (!At(r, "trials_excluded").empty()) {
    o << "<ul class=\"muted\">\n";
    for (const auto& t : At(r, "trials_excluded"))
      o << "<li>" << Escape(S(t, "nct_id")) << " ruled out: " << Escape(Join(At(t, "reasons"), "; ")) << "</li>\n";
    o << "</ul>\n";
  }
}

// Labels of the patient handout (presentation words only; the content comes from the
// recommendation's patient_summary, in its language).
struct HandoutLabels {
  const char *title, *name, *date, *contact, *grid, *what, *benefits, *harms, *involves, *how_often, *how_long,
      *if_not, *questions, *notes, *notice;
};
const HandoutLabels& LabelsFor(std::string_view lang) {
  static const HandoutLabels kEn{"About your tumour and your choices", "Name", "Date", "Clinic contact",
                                 "Your choices side by side", "What it is", "What it may do for you",
                                 "Side effects and risks", "What it involves", "How often", "For how long",
                                 "If you do not choose it", "Questions you may want to ask", "Notes",
                                 "This sheet helps you talk with your care team. It does not replace their advice."};
  static const HandoutLabels kAr{"عن ورمك وخياراتك", "الاسم", "التاريخ", "رقم العيادة للتواصل",
                                 "خياراتك جنبًا إلى جنب", "ما هو", "ما قد يفيدك به", "الآثار الجانبية والمخاطر",
                                 "ما يتطلبه", "كم مرة", "إلى متى", "إذا لم تختره", "أسئلة قد ترغب في طرحها",
                                 "ملاحظات", "تساعدك هذه الورقة على الحديث مع فريق رعايتك، ولا تغني عن نصيحتهم."};
  return lang == "ar" ? kAr : kEn;
}

// The Arabic font Debian ships (fonts-noto-core), embedded so the printed page never depends on
// the reader's fonts; empty when the package is not installed.
std::string EmbeddedArabicFont() {
  static const std::string css = [] {
    std::ifstream f("/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf", std::ios::binary);
    if (!f) return std::string();
    std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    static const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string b64;
    b64.reserve((bytes.size() + 2) / 3 * 4);
    for (size_t i = 0; i < bytes.size(); i += 3) {
      uint32_t n = static_cast<unsigned char>(bytes[i]) << 16;
      if (i + 1 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
      if (i + 2 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 2]);
      b64 += kB64[(n >> 18) & 63];
      b64 += kB64[(n >> 12) & 63];
      b64 += i + 1 < bytes.size() ? kB64[(n >> 6) & 63] : '=';
      b64 += i + 2 < bytes.size() ? kB64[n & 63] : '=';
    }
    return "@font-face{font-family:'Noto Naskh Arabic';src:url(data:font/ttf;base64," + b64 + ") format('truetype');}";
  }();
  return css;
}

std::string PatientLang(const Json& r) {
  std::string lang = S(At(r, "patient_summary"), "lang");
  return lang.empty() ? "en" : lang;
}

// The patient's handout: summary, option grid (one card per option, labelled rows, so a phone
// shows every label without sideways scrolling), questions, fields to fill in and space for
// notes; no rule ids or versions.
void RenderHandoutHtml(std::ostringstream& o, const Json& r) {
  const Json& ps = At(r, "patient_summary");
  std::string lang = PatientLang(r);
  const HandoutLabels& l = LabelsFor(lang);
  o << "<section class=\"handout\" lang=\"" << Escape(lang) << "\" dir=\"" << (lang == "ar" ? "rtl" : "ltr")
    << "\" data-testid=\"handout\">\n<h2>" << l.title << "</h2>\n<div class=\"fill\">";
  for (const char* f : {l.name, l.date, l.contact}) o << "<p><span>" << f << ":</span> <span class=\"line\"></span></p>";
  o << "</div>\n<p class=\"plain\">" << Escape(S(ps, "text")) << "</p>\n";
  if (!At(ps, "option_grid").empty()) {
    o << "<h3>" << l.grid << "</h3>\n<div class=\"grid\">\n";
    for (const auto& row : At(ps, "option_grid")) {
      const Json& inv = At(row, "involves");
      o << "<article class=\"choice\"><h4>" << Escape(S(row, "name")) << "</h4><dl>"
        << "<dt>" << l.what << "</dt><dd>" << Escape(S(row, "what_it_is")) << "</dd>"
        << "<dt>" << l.benefits << "</dt><dd>" << Escape(S(row, "benefits")) << "</dd>";
      if (!At(row, "harms").empty()) o << "<dt>" << l.harms << "</dt><dd>" << Escape(Join(At(row, "harms"), lang == "ar" ? "، " : "; ")) << "</dd>";
      o << "<dt>" << l.involves << "</dt><dd>" << Escape(S(inv, "how"));
      if (!S(inv, "how_often").empty()) o << "<br>" << l.how_often << ": " << Escape(S(inv, "how_often"));
      if (!S(inv, "how_long").empty()) o << "<br>" << l.how_long << ": " << Escape(S(inv, "how_long"));
      o << "</dd><dt>" << l.if_not << "</dt><dd>" << Escape(S(row, "if_not_chosen")) << "</dd></dl></article>\n";
    }
    o << "</div>\n";
  }
  if (!At(ps, "questions_to_ask").empty()) {
    o << "<h3>" << l.questions << "</h3><ul>\n";
    for (const auto& q : At(ps, "questions_to_ask")) o << "<li>" << Escape(q.is_string() ? q.get<std::string>() : q.dump()) << "</li>\n";
    o << "</ul>\n";
  }
  o << "<h3>" << l.notes << "</h3><div class=\"notes\"></div>\n<p class=\"muted\">" << l.notice << "</p>\n</section>\n";
}

void RenderHandoutText(std::ostringstream& o, const Json& r) {
  const Json& ps = At(r, "patient_summary");
  const HandoutLabels& l = LabelsFor(PatientLang(r));
  for (const auto& row : At(ps, "option_grid")) {
    const Json& inv = At(row, "involves");
    o << "  * " << S(row, "name") << "\n      " << l.what << ": " << S(row, "what_it_is") << "\n      " << l.benefits
      << ": " << S(row, "benefits") << "\n";
    if (!At(row, "harms").empty()) o << "      " << l.harms << ": " << Join(At(row, "harms"), "; ") << "\n";
    o << "      " << l.involves << ": " << S(inv, "how") << "; " << S(inv, "how_often") << "; " << S(inv, "how_long")
      << "\n      " << l.if_not << ": " << S(row, "if_not_chosen") << "\n";
  }
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
  TextPlan(o, r);
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
  TrialsText(o, r);
  if (!At(r, "missing").empty()) {
    o << "\nMISSING DATA\n";
    for (const auto& m : At(r, "missing")) o << "  - " << S(m, "field") << ": blocks " << S(m, "blocks") << "\n";
  }
  TextWhatIf(o, r);
  const Json& ps = At(r, "patient_summary");
  o << "\nFOR THE PATIENT ("
    << (S(ps, "reading_grade").empty() ? "language " + PatientLang(r) : "reading grade " + S(ps, "reading_grade")) << ")\n  "
    << S(ps, "text") << "\n";
  RenderHandoutText(o, r);
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

// The handout's style: A4 print on its own page(s), one column on a phone, mirrored for Arabic
// (the page direction does the mirroring; margins use logical properties).
static std::string HandoutCss(bool rtl) {
  std::string css =
      ".handout{border-top:3px solid #1a4fa0;margin-top:2rem;padding-top:.5rem}.handout h3{font-size:1.05rem;margin:1rem 0 .3rem}"
      ".fill{display:flex;flex-wrap:wrap;gap:.3rem 1.5rem}.fill p{margin:.2rem 0;flex:1 1 14rem;display:flex;gap:.4rem}"
      ".fill .line{flex:1;border-bottom:1px solid #555;min-width:6rem}"
      ".grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(16rem,1fr));gap:.6rem}"
      ".choice{border:1px solid #bbb;border-radius:4px;padding:.3rem .6rem;break-inside:avoid}.choice h4{margin:.2rem 0;font-size:1rem}"
      ".choice dl{margin:0}.choice dt{font-weight:700;font-size:.85rem;margin-top:.3rem}.choice dd{margin:0;margin-inline-start:0}"
      ".notes{min-height:5rem;border:1px solid #bbb;border-radius:4px}"
      "@media print{@page{size:A4;margin:12mm}.handout{break-before:page;border:0;font-size:10pt}.grid{grid-template-columns:1fr 1fr}}";
  if (rtl)
    css += EmbeddedArabicFont() +
           ".handout[dir=rtl]{font-family:'Noto Naskh Arabic',serif;line-height:1.7}"
           ".alert{border-left:0;border-right:4px solid currentColor}";
  return css;
}

std::string RenderHtml(const Json& r, const HtmlContext& context) {
  std::ostringstream o;
  CitationNumbers cite(context.citations);
  const std::string generated = context.generated_at.empty() ? NowUtcText() : context.generated_at;
  const bool rtl = PatientLang(r) == "ar";
  o << "<!doctype html>\n<html lang=\"" << (rtl ? "ar" : "en") << "\"" << (rtl ? " dir=\"rtl\"" : "") << "><head><meta charset=\"utf-8\">"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    << "<title>Zebra recommendation " << Escape(S(r, "case_id")) << "</title><style>"
    << "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a;line-height:1.45}"
    << "h1{font-size:1.5rem}h2{font-size:1.15rem;border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:1.6rem}"
    << ".critical{background:#fde2e1;border-left:4px solid #a40000}.warning{background:#fff4d6;border-left:4px solid #7a5200}"
    << ".info{background:#e8f0fe;border-left:4px solid #1a4fa0}.alert{padding:.4rem .7rem;margin:.3rem 0}"
    << ".pref{font-weight:700;color:#0b5d1e}.muted{color:#555}details{margin:.4rem 0}.references li{margin:.2rem 0}"
    // Rendered open; a reader may close one on screen, and it still prints.
    << "@media print{details{display:block}summary{font-weight:700;list-style:none}"
    << "details::details-content{content-visibility:visible;display:contents}a{color:inherit;text-decoration:none}}"
    << HandoutCss(rtl) << "</style></head><body>\n"
    << (rtl ? "<div class=\"clinician\" lang=\"en\" dir=\"ltr\">\n" : "<div class=\"clinician\">\n");
  o << "<h1>Recommendation for case " << Escape(S(r, "case_id")) << "</h1>\n";
  o << "<p class=\"muted\" data-testid=\"notice\">" << Escape(S(r, "notice")) << "</p>\n<p class=\"muted\" data-testid=\"generated\">Generated "
    << Escape(generated) << " with knowledge version " << Escape(S(r, "knowledge_version"));
  if (!S(r, "knowledge_date").empty()) o << " (" << Escape(S(r, "knowledge_date")) << ")";
  o << ", engine " << Escape(S(r, "zebra_version")) << ".</p>\n";
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
        << Escape(S(a, "text")) << " <span class=\"muted\">" << cite.Cite(At(a, "citations")) << "</span></div>\n";
  }
  HtmlPlan(o, r);
  o << "<h2>Options</h2>\n";
  for (const auto& opt : At(r, "options")) {
    o << "<details open data-option=\"" << Escape(S(opt, "id")) << "\"><summary>" << (opt.value("preferred", false) ? "<span class=\"pref\">Preferred:</span> " : "")
      << Escape(S(opt, "title")) << " <span class=\"muted\">(" << Escape(S(opt, "intent")) << ")</span></summary>"
      << "<p>" << Escape(S(opt, "rationale")) << "</p><p><em>Evidence:</em> " << Escape(S(opt, "evidence")) << " "
      << cite.Cite(At(opt, "citations")) << "</p>";
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
      o << "<li><strong>" << Escape(S(n, "id")) << "</strong>: " << Escape(S(n, "reason")) << " "
        << cite.Cite(At(n, "citations")) << "</li>\n";
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
  TrialsHtml(o, r);
  if (!At(r, "missing").empty()) {
    o << "<h2>Missing data</h2><ul>\n";
    for (const auto& m : At(r, "missing"))
      o << "<li><code>" << Escape(S(m, "field")) << "</code>: blocks " << Escape(S(m, "blocks")) << "</li>\n";
    o << "</ul>\n";
  }
  HtmlWhatIf(o, r);
  o << "<h2>Why: rules that fired</h2><ul class=\"muted\">\n";
  for (const auto& t : At(r, "trace")) o << "<li>" << Escape(S(t, "decision")) << ": " << Escape(S(t, "rule")) << "</li>\n";
  o << "</ul>\n";
  cite.References(o);
  o << "</div>\n";
  RenderHandoutHtml(o, r);
  o << "</body></html>\n";
  return o.str();
}

}  // namespace zebra::clinical
