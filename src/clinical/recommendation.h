// Internal: building the zebra.recommendation/v1 JSON from the decisions of one case. Everything
// that does not depend on the case (catalogue texts, questions, readability counts of the patient
// text fragments, the models' decision names) is prepared once per knowledge base (OutputPlan).
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "clinical/case_validation.h"
#include "clinical/clinical.h"
#include "feel/value.h"

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

// The latest value of each output decision (absent decisions stay null, which the output treats
// the same way).
using DecisionValues = std::array<feel::Value, kOutputDecisionCount>;

struct OutputPlan;
std::shared_ptr<const OutputPlan> MakeOutputPlan(const KnowledgeBase& kb);
// Decision names of each model of the knowledge base, in manifest order.
const std::vector<std::vector<std::string>>& ModelDecisionNames(const OutputPlan& plan);
// The options' catalogue members serialised once (EvaluateOptions::catalogue_fragments).
const std::vector<json::Fragment>& Fragments(const OutputPlan& plan);
// KnowledgeBase::case_schema compiled for validating cases.
const CompiledCaseSchema& CaseSchema(const OutputPlan& plan);

// The readability counts of a patient text of the knowledge (a string inside KnowledgeBase::
// catalogue or patient_texts, by address), prepared with the plan; null for any other string.
const TextCounts* PreparedCounts(const OutputPlan& plan, const std::string& text);

Json BuildRecommendation(const KnowledgeBase& kb, const OutputPlan& plan, const Json& case_json,
                         const DecisionValues& decisions, std::vector<dmn::TraceEntry>& trace,
                         TextCounts* summary_counts = nullptr, std::string* trace_text = nullptr,
                         bool catalogue_fragments = false);

}  // namespace internal
}  // namespace zebra::clinical
