// The patient's summary and option grid, in English or Arabic.
//
// No clinical decision is taken here: which options, alerts and follow-up apply comes from the
// recommendation the DMN models produced. This file only looks up each one's patient text in the
// knowledge (English: catalogue.json and knowledge/patient/en.json; other languages:
// knowledge/patient/LANG.json) and joins the pieces in a fixed order.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>

#include "clinical/clinical.h"
#include "clinical/recommendation.h"

namespace zebra::clinical {
namespace {

const Json& Member(const Json& j, std::string_view key) {
  static const Json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(std::string(key));
  return it == j.end() ? kNull : *it;
}

// An object with room for `members` members, and a member appended to one that does not hold
// `key` yet: no key search, and no reallocation (which copies every member, their keys being
// const).
Json Object(size_t members) {
  Json j(Json::value_t::object);
  j.get_ref<Json::object_t&>().reserve(members);
  return j;
}
void Add(Json& obj, const char* key, Json value) { obj.get_ref<Json::object_t&>().emplace_back(key, std::move(value)); }

// The string at `key` in the knowledge or the recommendation, by reference (the patient
// summary looks up the prepared readability counts of knowledge strings by address).
const std::string& Text(const Json& j, std::string_view key) {
  static const std::string kEmpty;
  const Json& v = Member(j, key);
  return v.is_string() ? v.get_ref<const std::string&>() : kEmpty;
}

// The patient texts of one language: `own` is knowledge/patient/LANG.json; for English the
// catalogue holds the texts that existed before (patient_text, patient_side_effects, involves,
// questions) and en.json the rest.
struct Texts {
  const Json& catalogue;
  const Json& own;
  bool english;

  const Json& OptionEntry(const std::string& id) const { return Member(Member(own, "options"), id); }
  const Json& CatalogueOption(const std::string& id) const { return Member(Member(catalogue, "options"), id); }
  const std::string& Piece(std::string_view key) const { return Text(Member(own, "summary"), key); }
  const std::string& Scenario(const std::string& id) const {
    return english ? Text(Member(Member(catalogue, "scenarios"), id), "patient_text")
                   : Text(Member(own, "scenarios"), id);
  }
  const std::string& Alert(const std::string& id) const {
    return english ? Text(Member(Member(catalogue, "alerts"), id), "patient_text") : Text(Member(own, "alerts"), id);
  }
  const std::string& OptionField(const std::string& id, const char* field) const {
    if (english && std::string_view(field) == "what_it_is") return Text(CatalogueOption(id), "patient_text");
    const std::string& s = Text(OptionEntry(id), field);
    if (s.empty() && std::string_view(field) == "name") return Text(CatalogueOption(id), "title");
    return s;
  }
  Json Harms(const std::string& id) const {
    const Json& h = english ? Member(CatalogueOption(id), "patient_side_effects") : Member(OptionEntry(id), "harms");
    return h.is_array() ? h : Json::array();
  }
  Json Involves(const std::string& id) const {
    const Json& v = english ? Member(CatalogueOption(id), "involves") : Member(OptionEntry(id), "involves");
    Json out = Object(3);
    for (const char* k : {"how", "how_often", "how_long"}) Add(out, k, Text(v, k));
    return out;
  }
  const Json& Questions() const { return english ? Member(catalogue, "questions_to_ask") : Member(own, "questions_to_ask"); }
};

// "a, b and c" with the language's separators.
std::string JoinList(const std::vector<std::string>& items, const Texts& t) {
  std::string sep = t.Piece("list_separator"), last = t.Piece("list_last");
  if (sep.empty()) sep = ", ";
  if (last.empty()) last = " and ";
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? last : sep;
    out += items[i];
  }
  return out;
}

std::string Fill(std::string piece, const std::string& list) {
  auto at = piece.find("{list}");
  if (at != std::string::npos) piece.replace(at, 6, list);
  return piece;
}

// An English option name inside a sentence: "Watch and wait" -> "watch and wait", but
// "CAPTEM chemotherapy tablets" and "FOLFOX chemotherapy" keep their capitals.
std::string MidSentence(std::string name, bool english) {
  if (english && name.size() > 1 && std::isupper(static_cast<unsigned char>(name[0])) &&
      !std::isupper(static_cast<unsigned char>(name[1])))
    name[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[0])));
  return name;
}

}  // namespace

bool HasMonitoringSchedule(const Json& rec) {
  const Json& monitoring = Member(rec, "monitoring");
  if (!monitoring.is_array()) return false;
  for (const auto& m : monitoring)
    if (Text(m, "interval") != "none") return true;  // "none": the knowledge's "no routine follow-up"
  return false;
}

bool HasPatientLanguage(const KnowledgeBase& kb, std::string_view lang) {
  return lang == "en" || Member(kb.patient_texts, lang).is_object();
}

Json PatientSummary(const KnowledgeBase& kb, const Json& rec, const Json& case_json, std::string_view lang,
                    TextCounts* counts) {
  bool english = lang == "en" || !Member(kb.patient_texts, lang).is_object();
  Texts t{kb.catalogue, Member(kb.patient_texts, english ? "en" : lang), english};

  // The text's readability counts are the sum of its pieces' (joined with single spaces):
  // prepared at load for the knowledge's own texts, counted here for the filled-in ones.
  const internal::OutputPlan* plan = english ? kb.output_plan.get() : nullptr;
  std::string text;
  TextCounts text_counts;
  auto append = [&](const std::string& part) {
    if (part.empty()) return;
    if (!text.empty()) text += ' ';
    text += part;
    if (english) {
      const TextCounts* prepared = plan ? internal::PreparedCounts(*plan, part) : nullptr;
      text_counts += prepared ? *prepared : CountText(part);
    }
  };
  std::string scenario_id = Text(Member(rec, "scenario"), "id");
  append(t.Scenario(scenario_id));

  const Json& options = Member(rec, "options");
  std::vector<std::string> preferred, others;
  Json grid = Json::array();
  if (options.is_array()) {
    for (const auto& o : options) {
      std::string id = Text(o, "id");
      if (id.empty()) continue;
      (Member(o, "preferred") == true ? preferred : others).push_back(id);
      Json row = Object(7);
      Add(row, "id", id);
      for (const char* f : {"name", "what_it_is", "benefits"}) Add(row, f, t.OptionField(id, f));
      Add(row, "harms", t.Harms(id));
      Add(row, "involves", t.Involves(id));
      Add(row, "if_not_chosen", t.OptionField(id, "if_not_chosen"));
      grid.push_back(std::move(row));
    }
  }
  auto names = [&](const std::vector<std::string>& ids) {
    std::vector<std::string> out;
    for (const auto& id : ids) out.push_back(MidSentence(t.OptionField(id, "name"), english));
    return out;
  };
  if (preferred.empty() && others.empty()) {
    append(t.Piece("no_options"));
  } else if (preferred.empty()) {
    append(Fill(t.Piece("choices"), JoinList(names(others), t)));
  } else {
    append(t.Piece("main_choices"));
    for (const auto& id : preferred) append(t.OptionField(id, "what_it_is"));
    if (!others.empty()) append(Fill(t.Piece("other_choices"), JoinList(names(others), t)));
  }
  // What the alerts mean for the patient (pregnancy, kidneys, diabetes…), in the order the
  // recommendation lists them (critical first).
  const Json& alerts = Member(rec, "alerts");
  if (alerts.is_array())
    for (const auto& a : alerts) append(t.Alert(Text(a, "id")));
  // The patient's own goals.
  const Json& goals = Member(Member(Member(case_json, "patient"), "preferences"), "goals");
  if (goals.is_array() && !goals.empty()) {
    std::vector<std::string> said;
    for (const auto& g : goals)
      if (g.is_string())
        if (std::string s = Text(Member(t.own, "goals"), g.get<std::string>()); !s.empty()) said.push_back(s);
    if (!said.empty()) append(Fill(t.Piece("goals"), JoinList(said, t)));
  }
  // Follow-up is mentioned exactly when the clinician section lists a monitoring schedule.
  if (HasMonitoringSchedule(rec)) append(t.Piece("follow_up"));
  append(t.Piece("closing"));

  Json questions = Json::array();
  auto add_questions = [&](const std::string& key) {
    const Json& list = Member(t.Questions(), key);
    if (!list.is_array()) return;
    for (const auto& q : list)
      if (q.is_string() && std::find(questions.begin(), questions.end(), q) == questions.end()) questions.push_back(q);
  };
  if (!scenario_id.empty()) add_questions(scenario_id);
  add_questions("default");

  Json s = Object(5);
  Add(s, "lang", english ? "en" : std::string(lang));
  if (counts) *counts = text_counts;
  Add(s, "reading_grade", english ? Json(std::round(GradeOf(text_counts) * 10.0) / 10.0) : Json());
  Add(s, "text", std::move(text));
  Add(s, "option_grid", std::move(grid));
  Add(s, "questions_to_ask", std::move(questions));
  return s;
}

// Words are runs of letters (any script; ASCII digits and punctuation split them); sentences end
// at . ! ? or the Arabic question mark and full stop.
ArabicReadability ReadabilityOfArabic(std::string_view text) {
  int words = 0, letters = 0, sentences = 0;
  bool in_word = false, in_sentence = false;
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : 4;
    uint32_t cp = c;
    if (len == 2) cp = ((c & 0x1F) << 6) | (static_cast<unsigned char>(text[i + 1]) & 0x3F);
    else if (len == 3)
      cp = ((c & 0x0F) << 12) | ((static_cast<unsigned char>(text[i + 1]) & 0x3F) << 6) |
           (static_cast<unsigned char>(text[i + 2]) & 0x3F);
    i += len;
    // Arabic letters (not the harakat 064B-065F nor the Arabic punctuation), Latin letters.
    bool letter = (cp >= 0x0621 && cp <= 0x064A) || (cp >= 0x0671 && cp <= 0x06D3) || std::isalpha(static_cast<int>(cp < 0x80 ? cp : 0));
    bool mark = cp >= 0x064B && cp <= 0x065F;
    bool end = cp == '.' || cp == '!' || cp == '?' || cp == 0x061F || cp == 0x06D4;
    if (letter) {
      if (!in_word) ++words;
      in_word = true;
      in_sentence = true;
      ++letters;
    } else if (!mark) {
      in_word = false;
    }
    if (end && in_sentence) {
      ++sentences;
      in_sentence = false;
    }
  }
  if (in_sentence) ++sentences;
  ArabicReadability r;
  r.words = words;
  r.sentences = sentences;
  r.words_per_sentence = sentences ? static_cast<double>(words) / sentences : 0;
  r.letters_per_word = words ? static_cast<double>(letters) / words : 0;
  return r;
}

}  // namespace zebra::clinical
