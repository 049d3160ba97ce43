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
#include <optional>

#include "clinical/clinical.h"
#include "clinical/recommendation.h"

namespace zebra::clinical {
namespace {

using internal::CountedPiece;
using internal::FillParts;

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

// CountText's classes ("C" locale): a filled-in piece counts as its parts while no word runs
// across a join and no sentence end (. ! ?) is followed by something other than a space.
bool WordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '\'' || c == '-';
}
bool Space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// Whether the JSON string of `text` is its bytes between quotes (CountedPiece::as_is): asked of
// the writer itself, once per text of the plan.
bool WrittenAsIs(std::string_view text) {
  std::string written;
  try {
    json::AppendJsonString(written, text);
  } catch (const Json::exception&) {
    return false;  // (not valid UTF-8)
  }
  return written.size() == text.size() + 2 && std::string_view(written).substr(1, text.size()) == text;
}

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

// The summary's text, and the sentence after it when given (the text, a space, the sentence).
void WriteText(json::TreeOut& out, const internal::Summary& s, const std::string* sentence) {
  if (sentence && !s.text.empty()) out.JoinedString(s.text, *sentence);
  else if (sentence) out.String(*sentence);
  else out.String(s.text);
}
// The same bytes; a text of the plan's pieces only (Summary::text_as_is) is copied as it is.
void WriteText(json::TextOut& out, const internal::Summary& s, const std::string* sentence) {
  if (s.text_as_is && !s.text.empty()) {
    if (sentence) out.JoinedStringAsIs(s.text, *sentence);
    else out.StringAsIs(s.text);
    return;
  }
  if (sentence && !s.text.empty()) out.JoinedString(s.text, *sentence);
  else if (sentence) out.String(*sentence);
  else out.String(s.text);
}

// The summary object, from one description for the tree and the text. `sentence`, when given,
// ends the text and counts in its grade (the trial annotation's, English).
template <class Out>
void Write(Out& out, const KnowledgeBase& kb, const internal::Summary& s, const std::string* sentence,
           const TextCounts* sentence_counts) {
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
  WriteText(out, s, sentence);
  out.Key("option_grid");
  out.BeginArray(s.grid.size());
  for (const internal::SummaryOption& o : s.grid) {
    // An English row depends on the option alone: prepared with the plan, as this writes it.
    if (o.prepared) out.Value(o.prepared->grid_row);
    else WriteGridRow(out, TextsOf(kb, s), o.id);
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

// Where a summary takes its texts from, chosen once per summary: the English summary plan, or
// the knowledge looked up by key (other languages; a knowledge base without its plan), counted
// here. The plan's texts are these same lookups, made once per knowledge base
// (MakeSummaryPlan), so the two give the same texts and counts.
class Source {
 public:
  Source(const Texts& t, const internal::SummaryPlan* plan) : t_(t), plan_(plan) {}
  const internal::SummaryPlan* plan() const { return plan_; }

  CountedPiece Scenario(std::string_view id) const {
    if (plan_) return ScenarioOf(*plan_, id).text;
    return Counted(t_.Scenario(id));
  }
  CountedPiece Alert(std::string_view id) const {
    if (plan_) return Find(plan_->alerts, id);
    return Counted(t_.Alert(id));
  }
  CountedPiece Goal(std::string_view key) const {
    if (plan_) return Find(plan_->goals, key);
    return Counted(Text(Member(t_.own, "goals"), key));
  }
  CountedPiece Piece(internal::SummaryPiece piece) const {
    if (plan_) return plan_->pieces[piece];
    return Counted(t_.Piece(internal::kSummaryPieceNames[piece]));
  }
  // The piece split at its first {list} place; nullopt when it has none.
  std::optional<FillParts> Fill(internal::SummaryPiece piece) const {
    if (plan_) return plan_->fills[piece];
    return SplitFill(t_.Piece(internal::kSummaryPieceNames[piece]), t_.english);
  }
  CountedPiece Separator(bool last) const {
    if (plan_) return last ? plan_->last : plan_->separator;
    return ListSeparator(t_, last);
  }
  // An option's name (as it reads inside a sentence when `mid_sentence`) and what it is: the
  // prepared ones of a catalogue option (`o.prepared`), else looked up.
  CountedPiece OptionName(const internal::SummaryOption& o, bool mid_sentence, std::string& scratch) const {
    if (o.prepared)
      return mid_sentence ? CountedPiece{o.prepared->mid_sentence_name, o.prepared->name.counts,
                                         o.prepared->mid_sentence_as_is}
                          : o.prepared->name;
    const CountedPiece name = Counted(t_.OptionField(o.id, "name"));
    if (!mid_sentence) return name;
    scratch = MidSentence(std::string(name.text), t_.english);
    return {scratch, name.counts};  // (counts do not depend on a letter's case)
  }
  CountedPiece OptionWhat(const internal::SummaryOption& o) const {
    if (o.prepared) return o.prepared->what_it_is;
    return Counted(t_.OptionField(o.id, "what_it_is"));
  }

  static const internal::SummaryPlan::Scenario& ScenarioOf(const internal::SummaryPlan& plan, std::string_view id) {
    auto it = plan.scenarios.find(id);
    return it == plan.scenarios.end() ? plan.no_scenario : it->second;
  }
  // `text` with its readability counts (English; none otherwise).
  static CountedPiece Count(std::string_view text, bool english) {
    return {text, english && !text.empty() ? CountText(text) : TextCounts()};
  }
  static std::optional<FillParts> SplitFill(std::string_view piece, bool english) {
    const size_t at = piece.find("{list}");
    if (at == std::string_view::npos) return std::nullopt;
    return FillParts{Count(piece.substr(0, at), english), Count(piece.substr(at + 6), english)};
  }
  static CountedPiece ListSeparator(const Texts& t, bool last) {
    const std::string& piece = t.Piece(last ? "list_last" : "list_separator");
    return Count(!piece.empty() ? std::string_view(piece) : last ? " and " : ", ", t.english);
  }

 private:
  CountedPiece Counted(std::string_view text) const { return Count(text, t_.english); }
  static CountedPiece Find(const internal::SummaryPlan::ById<CountedPiece>& map, std::string_view key) {
    auto it = map.find(key);
    return it == map.end() ? CountedPiece() : it->second;
  }
  const Texts& t_;
  const internal::SummaryPlan* plan_;
};

}  // namespace

namespace internal {

Summary PrepareSummary(const KnowledgeBase& kb, const SummaryInput& in, const Json& case_json, std::string_view lang) {
  Summary s;
  PrepareSummary(kb, in, case_json, lang, s);
  return s;
}

void ClearSummary(Summary& s) {
  s.english = true;
  s.lang.clear();
  s.text.clear();
  s.counts = TextCounts();
  s.text_as_is = false;
  s.grid.clear();
  s.questions.clear();
  s.questions_text = nullptr;
}

void PrepareSummary(const KnowledgeBase& kb, const SummaryInput& in, const Json& case_json, std::string_view lang,
                    Summary& s) {
  ClearSummary(s);
  s.english = lang == "en" || !Member(kb.patient_texts, lang).is_object();
  s.lang = s.english ? "en" : std::string(lang);
  const internal::OutputPlan* output_plan =
      s.english && kb.output_plan && internal::PreparedFor(*kb.output_plan, kb) ? kb.output_plan.get() : nullptr;
  // The knowledge's texts by key, read only without the plan (not even found with it).
  static const Json kUnread;
  const Texts t = output_plan ? Texts{kb.catalogue, kUnread, true} : TextsOf(kb, s);
  const Source source(t, output_plan ? &SummaryPlanOf(*output_plan) : nullptr);

  // The text's readability counts are the sum of its pieces' (joined with single spaces; English
  // only).
  std::string& text = s.text;
  text.reserve(1024);
  TextCounts& text_counts = s.counts;
  const bool english = s.english;
  bool as_is = true;  // (joining spaces are written as they are)
  auto append = [&](const CountedPiece& part) {
    if (part.text.empty()) return;
    if (!text.empty()) text += ' ';
    text += part.text;
    as_is = as_is && part.as_is;
    if (english) text_counts += part.counts;
  };
  append(source.Scenario(in.scenario_id));

  // Each option's prepared texts, found once: those the answer found with the option's catalogue
  // entry when it comes from this summary's plan, else looked up by id (the summary of a tree).
  // (Kept per thread for their room: this runs once per case.)
  thread_local std::vector<internal::SummaryOption> preferred, others;
  preferred.clear();
  others.clear();
  s.grid.reserve(in.options.size());
  for (const internal::SummaryOption& o : in.options) {
    if (o.id.empty()) continue;
    const internal::PreparedSummaryOption* prepared =
        !output_plan                        ? nullptr
        : in.prepared_by == output_plan ? o.prepared
                                        : internal::PreparedSummaryOptionOf(*output_plan, o.id);
    const internal::SummaryOption option{o.id, o.preferred, prepared};
    (o.preferred ? preferred : others).push_back(option);
    s.grid.push_back(option);
  }
  // A piece with its {list} filled in ("a, b and c" with the language's separators); in English
  // its counts are its parts' while no word runs across a join and no sentence end is followed
  // by something other than a space, else those of the whole filled text (CountText's).
  auto append_filled = [&](internal::SummaryPiece which, size_t n, auto item) {
    const std::optional<FillParts> fill = source.Fill(which);
    if (!fill) return append(source.Piece(which));  // (no place: the piece as it is)
    const size_t start = text.size() + (text.empty() ? 0 : 1);
    if (!text.empty()) text += ' ';
    TextCounts counts;
    bool exact = true;
    auto add = [&](const CountedPiece& part) {
      if (part.text.empty()) return;
      if (text.size() > start && exact) {
        const char a = text.back(), b = part.text.front();
        if ((WordChar(a) && WordChar(b)) || ((a == '.' || a == '!' || a == '?') && !Space(b))) exact = false;
      }
      text += part.text;
      as_is = as_is && part.as_is;
      counts += part.counts;
    };
    add(fill->before);
    std::string scratch;
    for (size_t i = 0; i < n; ++i) {
      if (i > 0) add(source.Separator(i + 1 == n));
      add(item(i, scratch));
    }
    add(fill->after);
    if (text.size() == start) {  // (nothing filled in: no separating space either)
      text.resize(start == 0 ? 0 : start - 1);
      return;
    }
    if (english) text_counts += exact ? counts : CountText(std::string_view(text).substr(start));
  };
  auto names = [&](const std::vector<internal::SummaryOption>& options) {
    return [&options, &source](size_t i, std::string& scratch) { return source.OptionName(options[i], true, scratch); };
  };
  if (preferred.empty() && others.empty()) {
    append(source.Piece(internal::kNoOptions));
  } else if (preferred.empty()) {
    append_filled(internal::kChoices, others.size(), names(others));
  } else {
    append(source.Piece(internal::kMainChoices));
    for (const auto& o : preferred) append(source.OptionWhat(o));
    if (!others.empty()) append_filled(internal::kOtherChoices, others.size(), names(others));
  }
  // What the alerts mean for the patient (pregnancy, kidneys, diabetes…), in the order the
  // recommendation lists them (critical first).
  for (std::string_view id : in.alerts) append(source.Alert(id));
  // The patient's own goals.
  const Json& goals = Member(Member(Member(case_json, "patient"), "preferences"), "goals");
  if (goals.is_array() && !goals.empty()) {
    std::vector<CountedPiece> said;
    for (const auto& g : goals)
      if (g.is_string())
        if (const CountedPiece goal = source.Goal(g.get_ref<const std::string&>()); !goal.text.empty())
          said.push_back(goal);
    if (!said.empty())
      append_filled(internal::kGoalsPiece, said.size(), [&said](size_t i, std::string&) { return said[i]; });
  }
  // Follow-up is mentioned exactly when the clinician section lists a monitoring schedule.
  if (in.monitoring_schedule) append(source.Piece(internal::kFollowUp));
  append(source.Piece(internal::kClosing));

  if (const internal::SummaryPlan* plan = source.plan())
    s.questions_text = &Source::ScenarioOf(*plan, in.scenario_id).questions->text;
  else
    s.questions = QuestionsFor(t, in.scenario_id);
  s.text_as_is = as_is;
}

std::unique_ptr<const SummaryPlan> MakeSummaryPlan(const KnowledgeBase& kb) {
  // The lookups the summary makes without a plan, made once for every key the knowledge has.
  auto plan = std::make_unique<SummaryPlan>();
  const Texts t{kb.catalogue, Member(kb.patient_texts, "en"), true};
  auto question_list = [&](std::string_view id) {
    QuestionList q;
    q.list = QuestionsFor(t, id);
    Json array = Json::array();
    for (const Json* question : q.list) array.push_back(*question);
    q.text = json::MakeFragment(std::move(array));
    return q;
  };
  plan->default_questions = question_list("");
  plan->no_scenario = {CountedPiece(), &plan->default_questions};  // (not a key of the catalogue: no text)
  auto keys = [](const Json& section, auto&& each) {
    if (section.is_object())
      for (const auto& [key, value] : section.items()) each(key);
  };
  keys(t.Questions(), [&](const std::string& id) { plan->questions.emplace(id, question_list(id)); });
  auto add_scenario = [&](const std::string& id) {
    auto q = plan->questions.find(id);
    plan->scenarios.emplace(
        id, SummaryPlan::Scenario{Source::Count(t.Scenario(id), true),
                                  q == plan->questions.end() ? &plan->default_questions : &q->second});
  };
  keys(Member(kb.catalogue, "scenarios"), add_scenario);
  keys(t.Questions(), add_scenario);
  keys(Member(kb.catalogue, "alerts"), [&](const std::string& id) { plan->alerts.emplace(id, Source::Count(t.Alert(id), true)); });
  keys(Member(t.own, "goals"),
       [&](const std::string& key) { plan->goals.emplace(key, Source::Count(Text(Member(t.own, "goals"), key), true)); });
  for (int i = 0; i < kSummaryPieceCount; ++i) {
    const std::string& piece = t.Piece(kSummaryPieceNames[i]);
    plan->pieces[i] = Source::Count(piece, true);
    plan->fills[i] = Source::SplitFill(piece, true);
  }
  plan->separator = Source::ListSeparator(t, false);
  plan->last = Source::ListSeparator(t, true);
  // Which texts the answer's writer may copy as they are (CountedPiece::as_is).
  auto mark = [](CountedPiece& piece) { piece.as_is = WrittenAsIs(piece.text); };
  for (auto& [id, scenario] : plan->scenarios) mark(scenario.text);
  for (auto* pieces : {&plan->alerts, &plan->goals})
    for (auto& [key, piece] : *pieces) mark(piece);
  for (CountedPiece& piece : plan->pieces) mark(piece);
  for (std::optional<FillParts>& fill : plan->fills)
    if (fill) {
      mark(fill->before);
      mark(fill->after);
    }
  mark(plan->separator);
  mark(plan->last);
  keys(Member(kb.catalogue, "options"), [&](const std::string& id) {
    PreparedSummaryOption& o = plan->options[id];
    o.name = Source::Count(t.OptionField(id, "name"), true);
    o.what_it_is = Source::Count(t.OptionField(id, "what_it_is"), true);
    mark(o.name);
    mark(o.what_it_is);
    o.mid_sentence_name = MidSentence(std::string(o.name.text), true);
    o.mid_sentence_as_is = WrittenAsIs(o.mid_sentence_name);
    Json row;
    json::TreeOut tree(row);
    WriteGridRow(tree, t, id);
    o.grid_row = json::MakeFragment(std::move(row));
  });
  return plan;
}

void WriteSummary(json::TextOut& out, const KnowledgeBase& kb, const Summary& s, const std::string* sentence,
                  const TextCounts* sentence_counts) {
  Write(out, kb, s, sentence, sentence_counts);
}
void WriteSummary(json::TreeOut& out, const KnowledgeBase& kb, const Summary& s) {
  Write(out, kb, s, nullptr, nullptr);
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
