// Internal: building the zebra.recommendation/v1 JSON from the decisions of one case. Everything
// that does not depend on the case (catalogue texts, questions, readability counts of the patient
// text fragments, the models' decision names) is prepared once per knowledge base (OutputPlan).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "clinical/case_validation.h"
#include "clinical/clinical.h"
#include "common/hash.h"
#include "feel/shaped_position.h"
#include "feel/value.h"
#include "json/json_writer.h"

namespace zebra::clinical {


namespace internal {

// The decisions the recommendation reads, by position in the plan's value array.
enum OutputDecision : int {
  kClassification,
  kStage,
  kScenario,
  kOptions,
  kNotRecommended,
  kClassificationAlerts,
  kStageAlerts,
  kAlerts,
  kWorkup,
  kMonitoring,
  kClassificationMissing,
  kStageMissing,
  kMissing,
  kRanking,       // ranking.dmn: {id, rank, line, reason} per option, in rank order
  kWhatIfProbes,  // ranking.dmn: {field, values, why, line} for the what-if table
  kOutputDecisionCount
};
// The decision name at each OutputDecision position; -1 when `name` is none of them.
int OutputDecisionIndex(std::string_view name);

// A field of the output decisions' contexts, read by name from every case's contexts (one per
// place that reads it). Same answer as Context::Find; a shaped context is read by position,
// found once per shape (feel::ShapedPosition, as FEEL's paths read them). Contexts with their
// own keys are searched (Find).
class OutputField {
 public:
  constexpr explicit OutputField(json::Name name) : name_(name) {}
  OutputField(const OutputField&) = delete;
  OutputField& operator=(const OutputField&) = delete;
  json::Name name() const { return name_; }
  std::string_view view() const { return name_.view(); }
  // The field of `obj`, or null when it is not a context or has no such entry.
  const feel::Value* In(const feel::Value& obj) const {
    return obj.is(feel::Type::kContext) ? In(obj.context()) : nullptr;
  }
  const feel::Value* In(const feel::Context& c) const {
    return c.shape() ? position_.Find(c, name_.view()) : c.Find(name_.view());
  }

 private:
  json::Name name_;
  feel::ShapedPosition position_;
};

// The latest value of each output decision (absent decisions stay null, which the output treats
// the same way).
using DecisionValues = std::array<feel::Value, kOutputDecisionCount>;

struct OutputPlan;
std::shared_ptr<const OutputPlan> MakeOutputPlan(const KnowledgeBase& kb);
// What the clinical engine asks one model of the knowledge base for, resolved once per plan.
struct ModelDecisions {
  std::vector<std::string> names;  // the model's DecisionNames(), in order
  // The names are distinct, so asking for all decisions (an empty request) gives these decisions
  // in this order without looking each name up per case.
  bool all = false;
  std::vector<int> output_slots;  // OutputDecisionIndex of each name
};
// The decisions of each model of the knowledge base, in manifest order.
const std::vector<ModelDecisions>& ModelDecisionsOf(const OutputPlan& plan);
// The shape of the models' inputs when filled in that order: "Case", then each model's
// decisions (KnowledgeBase::inputs_shape is this shape; null when the names repeat).
const feel::ContextShape* InputsShapeOf(const OutputPlan& plan);
// KnowledgeBase::case_schema compiled for validating cases.
const CompiledCaseSchema& CaseSchema(const OutputPlan& plan);

// Whether `plan` was prepared for `kb` itself (a copy of a knowledge base keeps its original's
// plan, whose prepared texts point into the original: the patient summary then reads the copy).
bool PreparedFor(const OutputPlan& plan, const KnowledgeBase& kb);

// A patient text (a string of the knowledge, or empty) with its readability counts.
struct CountedPiece {
  std::string_view text;
  TextCounts counts;
  // Written as JSON as it is: nothing to escape and valid UTF-8, so a string of such pieces is
  // its bytes between quotes (json::TextOut::StringAsIs). Set for the summary plan's pieces only.
  bool as_is = false;
};
// A patient-summary piece with a {list} place, split at its first one.
struct FillParts {
  CountedPiece before, after;
};

// ---- one case ------------------------------------------------------------------------------------
//
// A case's answer is decided first (PrepareAnswer: the options in rank order, the alerts merged
// and sorted, the patient summary's text) and then written from one description, either as the
// tree (BuildRecommendation: zebra evaluate, the server, the renderers, what-if) or as its compact
// text (AppendRecommendation: zebra batch), so the two cannot drift.

struct PreparedSummaryOption;
// An option as the patient summary reads it: its id, whether it is preferred and, when the
// answer was prepared with a plan, what that plan prepared for it (null: looked up by id).
struct SummaryOption {
  std::string_view id;
  bool preferred = false;
  const PreparedSummaryOption* prepared = nullptr;
};
// What the patient summary reads of the recommendation.
struct SummaryInput {
  std::string_view scenario_id;
  std::vector<SummaryOption> options;    // in rank order
  std::vector<std::string_view> alerts;  // ids, as listed
  bool monitoring_schedule = false;      // HasMonitoringSchedule
  const OutputPlan* prepared_by = nullptr;  // the plan of the options' `prepared`
};
// The patient summary before it is written: its text and counts, the option grid's ids (into
// the SummaryInput's strings), the questions (into the knowledge).
struct Summary {
  bool english = true;
  std::string lang;
  std::string text;
  TextCounts counts;  // of `text` (English; zero otherwise)
  bool text_as_is = false;  // every piece of `text` is CountedPiece::as_is (then so is the text)
  std::vector<SummaryOption> grid;  // (prepared only when the summary's plan prepared it)
  std::vector<const Json*> questions;
  // The questions as one prepared array (then `questions` is empty), when the plan has them.
  const json::Fragment* questions_text = nullptr;
};
Summary PrepareSummary(const KnowledgeBase& kb, const SummaryInput& in, const Json& case_json, std::string_view lang);
// The same, made in `s` (whatever it held), whose strings' and vectors' room it reuses.
void PrepareSummary(const KnowledgeBase& kb, const SummaryInput& in, const Json& case_json, std::string_view lang,
                    Summary& s);
// `s` as made anew, but for its strings' and vectors' room.
void ClearSummary(Summary& s);
// `sentence`, when given, is added to the text and counts in its grade (the trial annotation's,
// with its counts `sentence_counts`, CountText(*sentence), prepared).
void WriteSummary(json::TextOut& out, const KnowledgeBase& kb, const Summary& s, const std::string* sentence,
                  const TextCounts* sentence_counts);
void WriteSummary(json::TreeOut& out, const KnowledgeBase& kb, const Summary& s);

// The pieces of en.json's summary the summary reads, by position (names in kSummaryPieceNames).
enum SummaryPiece : int {
  kListSeparator,
  kListLast,
  kNoOptions,
  kChoices,
  kMainChoices,
  kOtherChoices,
  kGoalsPiece,
  kFollowUp,
  kClosing,
  kSummaryPieceCount
};
inline constexpr std::string_view kSummaryPieceNames[kSummaryPieceCount] = {
    "list_separator", "list_last", "no_options", "choices", "main_choices", "other_choices", "goals", "follow_up",
    "closing"};

// The questions to ask for a scenario, with their JSON array.
struct QuestionList {
  std::vector<const Json*> list;
  json::Fragment text;  // the array of the questions
};
// What the English summary reads of a catalogue option, prepared for each (the answer finds it
// with the option's catalogue entry, once per option).
struct PreparedSummaryOption {
  CountedPiece name, what_it_is;
  std::string mid_sentence_name;  // the name inside a sentence (counts as `name`)
  bool mid_sentence_as_is = false;  // (CountedPiece::as_is of mid_sentence_name)
  json::Fragment grid_row;
};
// What the English patient summary reads of the knowledge, each text looked up once per knowledge
// base by the same lookups the summary makes without it (other languages, a knowledge base
// assembled without a plan): an id or key found in none of these reads as the summary would
// read it there, empty (options excepted: their entries are the catalogue's only).
struct SummaryPlan {
  template <typename T>
  using ById = std::unordered_map<std::string, T, TextHash, std::equal_to<>>;
  struct Scenario {
    CountedPiece text;
    const QuestionList* questions = nullptr;
  };
  ById<Scenario> scenarios;  // the catalogue's scenarios and the ids it lists questions for
  Scenario no_scenario;      // any other id: no text, the default questions
  ById<QuestionList> questions;
  QuestionList default_questions;
  ById<CountedPiece> alerts, goals;
  std::array<CountedPiece, kSummaryPieceCount> pieces;
  std::array<std::optional<FillParts>, kSummaryPieceCount> fills;  // the pieces with a {list} place
  CountedPiece separator, last;  // of a list (", " and " and " when en.json has none)
  ById<PreparedSummaryOption> options;  // the catalogue's
};
// The English summary's plan for `kb` (made with the output plan).
std::unique_ptr<const SummaryPlan> MakeSummaryPlan(const KnowledgeBase& kb);
const SummaryPlan& SummaryPlanOf(const OutputPlan& plan);
const PreparedSummaryOption* PreparedSummaryOptionOf(const OutputPlan& plan, std::string_view id);

using AnswerPartsPtr = std::unique_ptr<AnswerParts, AnswerPartsDelete>;
// Empty parts to decide a case into: the decisions (all null) and the trace (empty) are filled
// in place, then PrepareAnswer decides the rest. They are this thread's last deleted parts when
// it has them (AnswerPartsDelete keeps one, cleared), so their vectors' room is reused.
AnswerPartsPtr NewAnswerParts();
DecisionValues& DecisionsOf(AnswerParts& parts);
std::vector<dmn::TraceEntry>& TraceOf(AnswerParts& parts);

// Decides the answer's parts from the decisions and the trace (taken over), and fills `record`
// (when given) with what the answer's later readers need.
AnswerPartsPtr PrepareAnswer(const KnowledgeBase& kb, const OutputPlan& plan, const Json& case_json,
                             DecisionValues&& decisions, std::vector<dmn::TraceEntry>&& trace,
                             Answer* record = nullptr);
// The same for parts from NewAnswerParts whose decisions and trace are filled in.
AnswerPartsPtr PrepareAnswer(const KnowledgeBase& kb, const OutputPlan& plan, const Json& case_json,
                             AnswerPartsPtr parts, Answer* record = nullptr);
// The recommendation as a tree (the trace is moved out of `parts`).
Json BuildRecommendation(const KnowledgeBase& kb, const OutputPlan& plan, const Json& case_json, AnswerParts& parts,
                         TextCounts* summary_counts = nullptr);
// The same recommendation's compact text, without its closing brace, with the trial
// annotation's notes in `record` (trial_option_note, summary_sentence) put in their places.
void AppendRecommendation(const KnowledgeBase& kb, const OutputPlan& plan, const Json& case_json, AnswerParts& parts,
                          const Answer& record, std::string& out);

}  // namespace internal
}  // namespace zebra::clinical
