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
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

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

  const Json& OptionEntry(std::string_view id) const { return Member(Member(own, "options"), id); }
  const Json& CatalogueOption(std::string_view id) const { return Member(Member(catalogue, "options"), id); }
  const std::string& Piece(std::string_view key) const { return Text(Member(own, "summary"), key); }
  const std::string& Scenario(std::string_view id) const {
    return english ? Text(Member(Member(catalogue, "scenarios"), id), "patient_text")
                   : Text(Member(own, "scenarios"), id);
  }
  const std::string& Alert(std::string_view id) const {
    return english ? Text(Member(Member(catalogue, "alerts"), id), "patient_text") : Text(Member(own, "alerts"), id);
  }
  const std::string& OptionField(std::string_view id, const char* field) const {
    if (english && std::string_view(field) == "what_it_is") return Text(CatalogueOption(id), "patient_text");
    const std::string& s = Text(OptionEntry(id), field);
    if (s.empty() && std::string_view(field) == "name") return Text(CatalogueOption(id), "title");
    return s;
  }
  const Json& Harms(std::string_view id) const {
    static const Json kNone = Json::array();
    const Json& h = english ? Member(CatalogueOption(id), "patient_side_effects") : Member(OptionEntry(id), "harms");
    return h.is_array() ? h : kNone;
  }
  const Json& Involves(std::string_view id) const {
    return english ? Member(CatalogueOption(id), "involves") : Member(OptionEntry(id), "involves");
  }
  const Json& Questions() const { return english ? Member(catalogue, "questions_to_ask") : Member(own, "questions_to_ask"); }
};

// The questions to ask for a scenario (none: ""): the scenario's, then the default ones, each
// once.
std::vector<const Json*> QuestionsFor(const Texts& t, std::string_view scenario_id) {
  std::vector<const Json*> out;
  auto add_questions = [&](std::string_view key) {
    const Json& list = Member(t.Questions(), key);
    if (!list.is_array()) return;
    for (const auto& q : list)
      if (q.is_string() && std::find_if(out.begin(), out.end(), [&](const Json* x) { return *x == q; }) == out.end())
        out.push_back(&q);
  };
  if (!scenario_id.empty()) add_questions(scenario_id);
  add_questions("default");
  return out;
}

Texts TextsOf(const KnowledgeBase& kb, const internal::Summary& s) {
  return Texts{kb.catalogue, s.english ? Member(kb.patient_texts, "en") : Member(kb.patient_texts, s.lang), s.english};
}

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

// A text made of parts joined as they are, with its readability counts: the sum of the parts'
// while no word runs across a join and no sentence end (. ! ?) is followed by something other than
// a space, as CountText would find them; otherwise the whole text is counted at the end.
class CountedText {
 public:
  void Add(std::string_view part, const TextCounts* prepared) {
    if (part.empty()) return;
    if (!text_.empty() && exact_) {
      const char a = text_.back(), b = part.front();
      if ((WordChar(a) && WordChar(b)) || ((a == '.' || a == '!' || a == '?') && !Space(b))) exact_ = false;
    }
    text_ += part;
    if (exact_) counts_ += prepared ? *prepared : CountText(part);
  }
  const std::string& text() const { return text_; }
  TextCounts counts() const { return exact_ ? counts_ : CountText(text_); }

 private:
  // CountText's classes ("C" locale).
  static bool WordChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '\'' || c == '-';
  }
  static bool Space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
  std::string text_;
  TextCounts counts_;
  bool exact_ = true;
};

// An English option name inside a sentence: "Watch and wait" -> "watch and wait", but
// "CAPTEM chemotherapy tablets" and "FOLFOX chemotherapy" keep their capitals.
std::string MidSentence(std::string name, bool english) {
  if (english && name.size() > 1 && std::isupper(static_cast<unsigned char>(name[0])) &&
      !std::isupper(static_cast<unsigned char>(name[1])))
    name[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[0])));
  return name;
}

// One row of the option grid.
template <class Out>
void WriteGridRow(Out& out, const Texts& t, std::string_view id) {
  out.BeginObject(7);
  out.Key("id");
  out.String(id);
  for (json::Name f : std::initializer_list<json::Name>{"name", "what_it_is", "benefits"}) {
    out.Key(f);
    out.String(t.OptionField(id, f.data()));  // (a string literal: null-terminated)
  }
  out.Key("harms");
  out.Value(t.Harms(id));
  out.Key("involves");
  const Json& involves = t.Involves(id);
  out.BeginObject(3);
  for (json::Name k : std::initializer_list<json::Name>{"how", "how_often", "how_long"}) {
    out.Key(k);
    out.String(Text(involves, k.view()));
  }
  out.EndObject();
  out.Key("if_not_chosen");
  out.String(t.OptionField(id, "if_not_chosen"));
  out.EndObject();
}

// The summary object, from one description for the tree and the text. `sentence`, when given,
// ends the text and counts in its grade (the trial annotation's, English).
template <class Out>
void Write(Out& out, const KnowledgeBase& kb, const internal::Summary& s, const std::string* sentence,
           const TextCounts* sentence_counts) {
  const Texts t = TextsOf(kb, s);
  out.BeginObject(5);
  out.Key("lang");
  out.String(s.lang);
  out.Key("reading_grade");
  if (s.english) {
    TextCounts counts = s.counts;
    if (sentence) counts += sentence_counts ? *sentence_counts : CountText(*sentence);
    out.Double(std::round(GradeOf(counts) * 10.0) / 10.0);
  } else {
    out.Null();
  }
  out.Key("text");
  if (sentence) {
    std::string text;
    text.reserve(s.text.size() + 1 + sentence->size());
    text = s.text;
    if (!text.empty()) text += ' ';
    text += *sentence;
    out.String(text);
  } else {
    out.String(s.text);
  }
  out.Key("option_grid");
  out.BeginArray(s.grid.size());
  const internal::OutputPlan* plan =
      s.english && kb.output_plan && internal::PreparedFor(*kb.output_plan, kb) ? kb.output_plan.get() : nullptr;
  for (const internal::SummaryOption& o : s.grid) {
    // An English row depends on the option alone: prepared with the plan, as this writes it.
    const internal::PreparedSummaryOption* prepared =
        !plan ? nullptr : o.prepared ? o.prepared : internal::PreparedSummaryOptionOf(*plan, o.id);
    if (prepared) out.Value(prepared->grid_row);
    else WriteGridRow(out, t, o.id);
  }
  out.EndArray();
  out.Key("questions_to_ask");
  if (s.questions_text) {
    out.Value(*s.questions_text);
  } else {
    out.BeginArray(s.questions.size());
    for (const Json* q : s.questions) out.Value(*q);
    out.EndArray();
  }
  out.EndObject();
}

}  // namespace

namespace internal {

Summary PrepareSummary(const KnowledgeBase& kb, const SummaryInput& in, const Json& case_json, std::string_view lang) {
  Summary s;
  s.english = lang == "en" || !Member(kb.patient_texts, lang).is_object();
  s.lang = s.english ? "en" : std::string(lang);
  const Texts t = TextsOf(kb, s);

  // The text's readability counts are the sum of its pieces' (joined with single spaces):
  // prepared at load for the knowledge's own texts, counted here for the filled-in ones.
  const internal::OutputPlan* plan =
      s.english && kb.output_plan && internal::PreparedFor(*kb.output_plan, kb) ? kb.output_plan.get() : nullptr;
  std::string& text = s.text;
  TextCounts& text_counts = s.counts;
  const bool english = s.english;
  auto append = [&](const std::string& part) {
    if (part.empty()) return;
    if (!text.empty()) text += ' ';
    text += part;
    if (english) {
      const TextCounts* prepared = plan ? internal::PreparedCounts(*plan, part) : nullptr;
      text_counts += prepared ? *prepared : CountText(part);
    }
  };
  // A part whose counts are known.
  auto append_counted = [&](const std::string& part, const TextCounts& counts) {
    if (part.empty()) return;
    if (!text.empty()) text += ' ';
    text += part;
    text_counts += counts;
  };
  // The knowledge's texts by key: English ones found once with the plan (the same strings).
  auto piece_text = [&](internal::SummaryPiece piece) -> const std::string& {
    const std::string* prepared = plan ? internal::PreparedPiece(*plan, piece) : nullptr;
    return prepared ? *prepared : t.Piece(internal::kSummaryPieceNames[piece]);
  };
  const std::string* scenario = plan ? internal::PreparedScenarioText(*plan, in.scenario_id) : nullptr;
  append(scenario ? *scenario : t.Scenario(in.scenario_id));

  // The options' prepared texts apply when they come from this summary's plan.
  const bool use_prepared = plan && in.prepared_by == plan;
  std::vector<internal::SummaryOption> preferred, others;
  s.grid.reserve(in.options.size());
  for (const internal::SummaryOption& o : in.options) {
    if (o.id.empty()) continue;
    const internal::SummaryOption option{o.id, o.preferred, use_prepared ? o.prepared : nullptr};
    (o.preferred ? preferred : others).push_back(option);
    s.grid.push_back(option);
  }
  // A piece with its {list} filled in; in English its counts from its parts' (prepared with
  // the plan for the knowledge's own strings).
  auto append_filled = [&](const std::string& piece, const std::vector<const std::string*>& items,
                           bool mid_sentence) {
    const internal::FillParts* fill = plan ? internal::PreparedFill(*plan, piece) : nullptr;
    if (!fill) {
      std::vector<std::string> list;
      for (const std::string* item : items) list.push_back(mid_sentence ? MidSentence(*item, english) : *item);
      append(Fill(piece, JoinList(list, t)));
      return;
    }
    // As Fill(piece, JoinList(...)) writes it.
    const std::string& sep_text = piece_text(internal::kListSeparator);
    const std::string& last_text = piece_text(internal::kListLast);
    static const std::string kSep = ", ", kLast = " and ";
    const std::string& sep = sep_text.empty() ? kSep : sep_text;
    const std::string& last = last_text.empty() ? kLast : last_text;
    auto counts_of = [&](const std::string& s) { return internal::PreparedCounts(*plan, s); };
    CountedText filled;
    filled.Add(fill->before, &fill->before_counts);
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) {
        const std::string& between = i + 1 == items.size() ? last : sep;
        filled.Add(between, counts_of(between));
      }
      // Counts do not depend on a letter's case (MidSentence lower-cases the first).
      if (mid_sentence) filled.Add(MidSentence(*items[i], english), counts_of(*items[i]));
      else filled.Add(*items[i], counts_of(*items[i]));
    }
    filled.Add(fill->after, &fill->after_counts);
    const TextCounts counts = filled.counts();
    append_counted(filled.text(), counts);
  };
  // An option's name or what it is (English: prepared with the plan for the catalogue's options).
  auto option_field = [&](const internal::SummaryOption& o, const char* field) -> const std::string& {
    const internal::PreparedSummaryOption* prepared =
        !plan ? nullptr : o.prepared ? o.prepared : internal::PreparedSummaryOptionOf(*plan, o.id);
    if (prepared) return *(std::string_view(field) == "name" ? prepared->texts.name : prepared->texts.what_it_is);
    return t.OptionField(o.id, field);
  };
  auto names = [&](const std::vector<internal::SummaryOption>& options) {
    std::vector<const std::string*> out;
    out.reserve(options.size());
    for (const auto& o : options) out.push_back(&option_field(o, "name"));
    return out;
  };
  if (preferred.empty() && others.empty()) {
    append(piece_text(internal::kNoOptions));
  } else if (preferred.empty()) {
    append_filled(piece_text(internal::kChoices), names(others), true);
  } else {
    append(piece_text(internal::kMainChoices));
    for (const auto& o : preferred) append(option_field(o, "what_it_is"));
    if (!others.empty()) append_filled(piece_text(internal::kOtherChoices), names(others), true);
  }
  // What the alerts mean for the patient (pregnancy, kidneys, diabetes…), in the order the
  // recommendation lists them (critical first).
  for (std::string_view id : in.alerts) {
    const std::string* prepared = plan ? internal::PreparedAlertText(*plan, id) : nullptr;
    append(prepared ? *prepared : t.Alert(id));
  }
  // The patient's own goals.
  const Json& goals = Member(Member(Member(case_json, "patient"), "preferences"), "goals");
  if (goals.is_array() && !goals.empty()) {
    std::vector<const std::string*> said;
    for (const auto& g : goals)
      if (g.is_string())
        if (const std::string& s = Text(Member(t.own, "goals"), g.get_ref<const std::string&>()); !s.empty())
          said.push_back(&s);
    if (!said.empty()) append_filled(piece_text(internal::kGoalsPiece), said, false);
  }
  // Follow-up is mentioned exactly when the clinician section lists a monitoring schedule.
  if (in.monitoring_schedule) append(piece_text(internal::kFollowUp));
  append(piece_text(internal::kClosing));

  // English: prepared with the plan for each scenario (by QuestionsFor).
  if (const internal::QuestionList* prepared = plan ? internal::PreparedQuestions(*plan, in.scenario_id) : nullptr)
    s.questions_text = &prepared->text;
  else
    s.questions = QuestionsFor(t, in.scenario_id);
  return s;
}

EnglishOptionTexts EnglishOptionText(const KnowledgeBase& kb, std::string_view id) {
  const Texts t{kb.catalogue, Member(kb.patient_texts, "en"), true};
  return {&t.OptionField(id, "name"), &t.OptionField(id, "what_it_is")};
}

std::vector<const Json*> EnglishQuestions(const KnowledgeBase& kb, std::string_view scenario_id) {
  return QuestionsFor(Texts{kb.catalogue, Member(kb.patient_texts, "en"), true}, scenario_id);
}

void WriteSummary(json::TextOut& out, const KnowledgeBase& kb, const Summary& s, const std::string* sentence,
                  const TextCounts* sentence_counts) {
  Write(out, kb, s, sentence, sentence_counts);
}
void WriteSummary(json::TreeOut& out, const KnowledgeBase& kb, const Summary& s) {
  Write(out, kb, s, nullptr, nullptr);
}

Json EnglishGridRow(const KnowledgeBase& kb, std::string_view id) {
  const Texts t{kb.catalogue, Member(kb.patient_texts, "en"), true};
  Json row;
  json::TreeOut tree(row);
  WriteGridRow(tree, t, id);
  return row;
}

}  // namespace internal

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
  // What the summary reads of the recommendation.
  internal::SummaryInput in;
  in.scenario_id = Text(Member(rec, "scenario"), "id");
  const Json& options = Member(rec, "options");
  if (options.is_array())
    for (const auto& o : options) in.options.push_back({Text(o, "id"), Member(o, "preferred") == true, nullptr});
  const Json& alerts = Member(rec, "alerts");
  if (alerts.is_array())
    for (const auto& a : alerts) in.alerts.push_back(Text(a, "id"));
  in.monitoring_schedule = HasMonitoringSchedule(rec);
  const internal::Summary s = internal::PrepareSummary(kb, in, case_json, lang);
  if (counts) *counts = s.english ? s.counts : TextCounts();
  Json out;
  json::TreeOut tree(out);
  internal::WriteSummary(tree, kb, s);
  return out;
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
