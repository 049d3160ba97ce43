// Case evaluation: a zebra.case/v1 in, a zebra.recommendation/v1 out.
//
// This module holds no clinical decision. It validates the case against the schema, runs the
// knowledge base's DMN models in the order its manifest gives (each model sees the case and the
// results of the models before it), and joins the decisions with the option catalogue and the
// citations. What to recommend, exclude or alert is entirely in knowledge/.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "common/error.h"
#include "dmn/model.h"
#include "json/json_writer.h"

namespace zebra::clinical {

using Json = nlohmann::ordered_json;

// A problem with a case: path (JSON path, e.g. "tumor.ki67_percent") and message ("-3 is below 0").
using InputError = common::Error;

namespace internal {
struct OutputPlan;   // case-independent parts of the recommendation (recommendation.h)
struct AnswerParts;  // one case's decided answer, before it is written (recommendation.h)
struct AnswerPartsDelete {
  void operator()(AnswerParts* p) const;
};
struct CaseNode;  // the case schema as context shapes (clinical.cc)
}

struct KnowledgeModel {
  std::string file;
  std::shared_ptr<const dmn::Model> model;
};

// A loaded, compiled knowledge base. Immutable; share it across threads.
struct KnowledgeBase {
  std::filesystem::path dir;
  Json manifest;
  std::string version;       // semantic version
  std::string release_date;  // YYYY-MM-DD
  std::vector<KnowledgeModel> models;
  Json catalogue;
  Json citations;
  Json case_schema;
  Json patient_texts;  // language -> knowledge/patient/LANG.json (patient texts beside the catalogue)
  // Prepared by LoadKnowledgeBase from the fields above; Evaluate prepares it on the fly if absent.
  std::shared_ptr<const internal::OutputPlan> output_plan;
  // Also by LoadKnowledgeBase: the keys of the models' inputs in the order Evaluate adds them
  // ("Case", then each model's decisions), so that a case fills in values only; null when a
  // name repeats (or not prepared: the inputs then keep their own keys).
  const feel::ContextShape* inputs_shape = nullptr;
  // Also by LoadKnowledgeBase, from case_schema: the shapes of the case's objects (one family
  // per schema object, a subset per set of fields present), so that the models' paths into the
  // case read cached positions; null when not prepared (the case then keeps its own keys).
  std::shared_ptr<const internal::CaseNode> case_shapes;
};

// Errors: {path: the file (a DMN diagnostic's file:line:col and element), message}.
common::Result<std::shared_ptr<const KnowledgeBase>> LoadKnowledgeBase(const std::filesystem::path& dir);

// The knowledge directory to use when none is given: $ZEBRA_KNOWLEDGE, ./knowledge, or the
// source tree's knowledge/.
std::filesystem::path DefaultKnowledgeDir();

// Parses and validates case JSON text. Errors carry JSON paths; nothing is defaulted.
tl::expected<Json, std::vector<InputError>> ParseCase(std::string_view text, const KnowledgeBase& kb);
// The same for a case the caller already parsed strictly from `text` (a front that had to look
// into the document to tell a case from a FHIR bundle): ParseCase's limits on the text, then
// validation; the text is not parsed again.
tl::expected<Json, std::vector<InputError>> ReadParsedCase(Json parsed, std::string_view text, const KnowledgeBase& kb);
std::vector<InputError> ValidateCaseJson(const Json& case_json, const KnowledgeBase& kb);

// A valid case read for its answer alone (zebra batch): the FEEL value the models read (as
// EvaluateOptions::case_value receives it) and, as JSON, only the fields the answer itself reads
// (`id`, `patient.preferences.goals`: AppendAnswer's header and the patient summary's goals).
struct CaseForAnswer {
  feel::Value value;
  Json fields;
};
// The case read from its text straight into its FEEL value, without a JSON tree, when it is
// valid (ParseCase would accept it) and of the plain form the one-pass reader reads
// (CompiledCaseSchema::ReadPassing, and the prior therapies' options in the catalogue); nullopt
// otherwise — ParseCase then reads it, and its errors stand. The value is CaseValue's for the
// case ParseCase gives, and EvaluateAnswer(kb, fields, value) and AppendAnswer(kb, fields, …)
// give the answer that case gives (CaseForAnswerDifferentialTest).
std::optional<CaseForAnswer> ReadCaseForAnswer(std::string_view text, const KnowledgeBase& kb);
// The same into `out` (false: not read; `out` then holds nothing to use): a caller reading case
// after case into one CaseForAnswer (zebra batch) keeps its `fields` tree, whose id is refilled
// in place when both cases have an id and no goals.
bool ReadCaseForAnswer(std::string_view text, const KnowledgeBase& kb, CaseForAnswer& out);

// Word, sentence and syllable counts of a text, as FleschKincaidGrade counts them. Counts of
// texts joined with single spaces add up (words and sentences never span the join).
struct TextCounts {
  int words = 0;
  int sentences = 0;
  int syllables = 0;
  TextCounts& operator+=(const TextCounts& o) {
    words += o.words;
    sentences += o.sentences;
    syllables += o.syllables;
    return *this;
  }
};
// Evaluates a validated case. Deterministic: same case and knowledge give the same output.
// `what_if_probes`, when given, receives the knowledge's what-if probes for this case (ranking.dmn
// "What If Probes": [{field, values, why, line}], [] when none) for the engine to re-evaluate.
Json Evaluate(const KnowledgeBase& kb, const Json& case_json, Json* what_if_probes = nullptr);
struct EvaluateOptions {
  Json* what_if_probes = nullptr;  // as above
  // Receives the readability counts of the patient summary's text (for a sentence added later to
  // count only itself: TextCounts add up).
  TextCounts* summary_counts = nullptr;
  // Receives the case as the FEEL value the models read (`Case`), for a caller that evaluates
  // more FEEL over the same case (the trial registry: trials::Registry::AnnotateOptions::
  // case_value) without converting it again.
  feel::Value* case_value = nullptr;
};
Json Evaluate(const KnowledgeBase& kb, const Json& case_json, const EvaluateOptions& options);

// One case's answer decided and not yet written, for a caller that only writes it as text
// (zebra batch): no tree is built. It holds what the answer's later readers need — the trial
// annotation (the classification; it leaves its notes here) and batch's counts (the ids) — and
// the parts the recommendation is written from. The bytes are those of Evaluate's tree.
struct Answer {
  // The recommendation's "classification" member as the FEEL value its JSON reads as (the trial
  // criteria read it).
  feel::Value classification;
  bool has_scenario_id = false;         // scenario.id is a string
  std::string scenario_id;
  std::vector<std::string> option_ids;  // options[].id, in order
  std::vector<std::string> alert_ids;   // alerts[].id, in order
  // Left by the trial annotation (trials::Registry::AnnotateOptions::answer) before writing:
  // (The texts are the annotation's own, prepared once: valid while its registry is.)
  bool has_trial_option_note = false;
  const std::string* trial_option_note = nullptr;  // added to the rationale of option trial.clinical_trial
  bool has_summary_sentence = false;
  const std::string* summary_sentence = nullptr;  // ends the patient summary's text (and counts in its grade)
  TextCounts summary_sentence_counts;  // CountText(summary_sentence): set with it
  std::unique_ptr<internal::AnswerParts, internal::AnswerPartsDelete> parts;
  std::shared_ptr<const internal::OutputPlan> plan;  // when the knowledge base has none prepared
};
// `case_value` as in EvaluateOptions.
Answer EvaluateAnswer(const KnowledgeBase& kb, const Json& case_json, feel::Value* case_value = nullptr);
// The same for a case whose FEEL value the caller has (ReadCaseForAnswer): `case_json` only
// needs the fields CaseForAnswer::fields holds.
Answer EvaluateAnswer(const KnowledgeBase& kb, const Json& case_json, const feel::Value& case_value);
// Appends the recommendation's compact JSON without its closing brace (a caller adds members
// written as text, then '}'). Writes `answer` once: its parts are used up.
void AppendAnswer(const KnowledgeBase& kb, const Json& case_json, Answer& answer, std::string& out);

// Sets `path` (dots and [index]: "tumor.ki67_percent", "history.prior_therapies[0].stopped") in a
// case, creating objects on the way. False, with `error`, when the path runs through a value that
// is not an object, or an index past the end of a list. The case is not validated here.
bool SetCaseField(Json& case_json, const std::string& path, const Json& value, std::string& error);

// The what-if table: for each probe {field, values, why, line} and each value, the case evaluated
// again with the field set (a value that makes the case invalid is skipped): {field, value, why,
// first_choice, added, removed, summary}; values that change neither the options nor the first
// choice are left out. `recommendation` is the evaluation of `case_json`.
Json WhatIf(const KnowledgeBase& kb, const Json& case_json, const Json& recommendation, const Json& probes);

// The JSON bytes of a recommendation as `zebra evaluate --format json`, POST /v1/evaluate and stored
// evaluations give them: two-space indent and a final newline (src/clinical/serialize.cc).
std::string SerializeRecommendation(const Json& recommendation);

// Renderings of a recommendation.
std::string RenderText(const Json& recommendation);
// What the printable HTML adds to the recommendation: the knowledge's citations (knowledge/
// citations.json, resolved into a numbered reference list) and the time it was generated
// (e.g. "2026-12-06 08:15 UTC"; empty: now).
struct HtmlContext {
  const Json* citations = nullptr;
  std::string generated_at;
};
// Everything prints expanded: the option and trial details are rendered open.
std::string RenderHtml(const Json& recommendation, const HtmlContext& context = {});

// The patient's summary and option grid of a recommendation, in `lang` ("en", or a language the
// knowledge has patient texts for; otherwise English): the texts of the scenario, the options,
// the alerts, the patient's goals and follow-up, looked up in the knowledge and joined
// (src/clinical/patient_summary.cc). Evaluate writes it in English.
// `counts`, when given, receives the readability counts of the text (English; zero otherwise).
Json PatientSummary(const KnowledgeBase& kb, const Json& recommendation, const Json& case_json, std::string_view lang,
                    TextCounts* counts = nullptr);
bool HasPatientLanguage(const KnowledgeBase& kb, std::string_view lang);
// Whether the recommendation lists a monitoring schedule (an entry whose interval is not "none").
bool HasMonitoringSchedule(const Json& recommendation);

// Readability of Arabic text: words are runs of letters, sentences end at . ! ? or ؟.
struct ArabicReadability {
  int words = 0;
  int sentences = 0;
  double words_per_sentence = 0;
  double letters_per_word = 0;
};
ArabicReadability ReadabilityOfArabic(std::string_view text);

// Flesch-Kincaid grade level of English text (used to hold patient text to grade 8).
double FleschKincaidGrade(std::string_view text);

TextCounts CountText(std::string_view text);
double GradeOf(TextCounts c);

inline constexpr const char* kSupportNotice =
    "Zebra supports the care team's decision; it does not replace clinical judgement.";

}  // namespace zebra::clinical
