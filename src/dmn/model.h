// Public API of the DMN engine: load DMN 1.1-1.5 XML once into a compiled model, evaluate it
// many times. Immutable after loading; const methods may run concurrently.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "common/error.h"
#include "feel/feel.h"

namespace zebra::dmn {

// A problem in a model, located as precisely as the loader can: file, element id, and for
// decision tables the rule (1-based row) and column (1-based input/output index). The loaders
// return fatal ones as common::Error (ToError()); non-fatal ones stay on the model.
struct ModelDiagnostic {
  std::string file;
  int line = 0;  // XML line of the element, 0 when unknown
  int column = 0;
  std::string element_id;
  std::string element_name;
  int rule = 0;        // decision table row, 0 when not applicable
  int table_column = 0;
  std::string message;
  std::string Where() const;     // "file:line:col: element 'id' rule 3 column 2"
  std::string ToString() const;  // Where() + ": " + message
  // {path: Where(), message, at: {line, column}}, so that ToString() of both reads the same.
  common::Error ToError() const;
};

struct LoadOptions {
  // Directories searched for imported models (by namespace); the model's own directory first.
  std::vector<std::filesystem::path> import_paths;
};

// One fired rule or evaluated decision, for explanation and audit. The texts are views of the
// model's own strings (a fired rule costs no copies): an entry is valid while its model is.
struct TraceEntry {
  std::string_view decision;  // decision (or BKM) name
  std::string_view rule;      // rule id (or 1-based index as text when the rule has no id)
  int rule_index = 0;         // 1-based
  bool hit = true;
  std::span<const std::string> annotations;  // the rule's annotation entries, in column order
  // The entry's compact JSON text as a hit, {"decision":…,"rule":…,"hit":true}, made with the
  // rule at load (dmn/trace_text.h); empty when there is none (write the members then).
  std::string_view text;
};

struct DecisionResult {
  std::string name;
  std::string id;
  feel::Value value;
  std::vector<feel::Diagnostic> diagnostics;  // evaluation errors (value is then usually null)
};

struct EvaluationResult {
  std::vector<DecisionResult> decisions;  // the requested decisions, in request order
  std::vector<TraceEntry> trace;          // rules that fired, in evaluation order
  const DecisionResult* Find(std::string_view name) const;
};

struct EvaluateOptions {
  bool trace = true;
  bool trace_annotations = true;  // with trace: copy each fired rule's annotations
  std::optional<feel::DateTime> now;  // fixed clock for now()/today()
  // Copy each result's decision name and id into DecisionResult. False leaves them empty, for a
  // caller that knows the decisions by position (the i-th result is the i-th decision asked for,
  // or the i-th of DecisionNames() when all are asked for); an unknown name keeps its name.
  bool result_names = true;
};

// What a model says, as written: decisions, their decision tables and rules with ids, entry
// texts and annotations. Built once while loading, so tools that list, check or index the
// knowledge (kb check/list/diff, the rule-to-option index) never read DMN XML themselves.
struct RuleDescription {
  std::string id;      // empty when the rule has no id
  int index = 0;       // 1-based row
  int line = 0;        // XML line of the <rule>
  std::vector<std::string> inputs;       // input entry texts, trimmed
  std::vector<std::string> outputs;      // output entry texts, trimmed
  std::vector<std::string> annotations;  // annotation entry texts, trimmed
  // The string literals of the output entries, in order ("..." with \x read as x).
  std::vector<std::string> output_literals;
};

struct DecisionTableDescription {
  std::string hit_policy = "UNIQUE";       // as written ("UNIQUE" when absent)
  std::vector<std::string> inputs;         // input expression texts
  std::vector<std::string> outputs;        // output column names
  std::vector<std::string> annotations;    // annotation column names
  std::vector<RuleDescription> rules;
};

struct ContextEntryDescription {
  std::string variable;  // empty for the context's result entry
  std::string text;      // the entry's literal expression text (empty when not a literal expression)
};

struct DecisionDescription {
  std::string id, name;
  std::optional<std::string> literal_expression;  // when the decision is a literal expression
  std::vector<ContextEntryDescription> context;   // when the decision is a boxed context
  std::vector<DecisionTableDescription> tables;   // the decision tables directly under the decision
};

struct ModelDescription {
  std::string name, namespace_uri, file;
  std::vector<DecisionDescription> decisions;  // in document order
};

// A prepared evaluation of chosen decisions, reused case after case: the model's input data
// in slots by index (names resolved once, not looked up per case), evaluation state kept between
// cases, results read by reference. Model::Evaluate runs through one of these, so both give the
// same answers. Not for concurrent use (one per thread); the model must outlive it.
class Evaluator {
 public:
  virtual ~Evaluator() = default;
  // The model's input data names: slot i holds the value of InputNames()[i].
  virtual std::span<const std::string> InputNames() const = 0;
  // True when the slots are all the input the decisions can read. False when the model imports
  // others, whose input data come from the context under their import name: use
  // Evaluate(context) then.
  virtual bool SlotsSuffice() const = 0;
  // The input slots, for the caller to fill before Evaluate(); null is the same as absent.
  // They keep their values after an evaluation.
  virtual std::span<feel::Value> Inputs() = 0;
  // Evaluates the decisions from the slots.
  virtual void Evaluate() = 0;
  // Evaluates with each slot borrowing `inputs`' value by name (null when absent; the slots are
  // null after); imported models' input data are read from `inputs` as Model::Evaluate does.
  virtual void Evaluate(const feel::Context& inputs) = 0;
  // The requested decisions of the last evaluation, in request order (valid until the next).
  virtual std::span<const DecisionResult> results() const = 0;
  // The same results, for a caller that moves their values out (each is set again by the next
  // evaluation; the names, ids and diagnostics are left for it to read or replace).
  virtual std::span<DecisionResult> mutable_results() = 0;
  virtual std::span<const TraceEntry> trace() const = 0;
  // Moves the last evaluation's results out (the evaluator must be evaluated again before
  // results() is read; it may be, as often as before).
  virtual EvaluationResult TakeResult() = 0;
};

class Model {
 public:
  virtual ~Model() = default;
  virtual const std::string& name() const = 0;
  virtual const std::string& namespace_uri() const = 0;
  virtual std::vector<std::string> DecisionNames() const = 0;
  virtual std::vector<std::string> InputDataNames() const = 0;
  virtual std::vector<std::string> DecisionServiceNames() const = 0;
  // Non-fatal problems found while loading (e.g. FEEL that does not compile: the element then
  // evaluates to null with an error), with locations.
  virtual std::span<const ModelDiagnostic> diagnostics() const { return {}; }
  // Decisions, tables, rules and annotations as written (see ModelDescription).
  virtual const ModelDescription& Describe() const;

  // A reusable evaluation of the named decisions (all decisions when empty; an unknown name gives
  // a null result with a diagnostic, as Evaluate does), for evaluating many cases.
  virtual std::unique_ptr<Evaluator> Prepare(std::span<const std::string> decisions,
                                             const EvaluateOptions& options = {}) const = 0;
  // Evaluates the named decisions (all decisions when empty) with input data taken from
  // `inputs` by name; each required decision is evaluated once.
  virtual EvaluationResult Evaluate(const feel::Context& inputs, std::span<const std::string> decisions,
                                    const EvaluateOptions& options = {}) const = 0;
  // Invokes a decision service (or a BKM) by name with its parameters taken from `inputs`.
  virtual EvaluationResult InvokeService(std::string_view name, const feel::Context& inputs,
                                         const EvaluateOptions& options = {}) const = 0;
};

// Loads one DMN file (and, transitively, the models it imports). A model that cannot be loaded
// gives its fatal problems, each located as ModelDiagnostic::ToError() says.
common::Result<std::shared_ptr<const Model>> LoadModel(const std::filesystem::path& path,
                                                       const LoadOptions& options = {});
// Loads several files that import each other (e.g. a TCK folder); returns them in input order.
common::Result<std::vector<std::shared_ptr<const Model>>> LoadModels(std::span<const std::filesystem::path> paths,
                                                                     const LoadOptions& options = {});
// Loads from memory (tests, REST); `file` only labels diagnostics.
common::Result<std::shared_ptr<const Model>> LoadModelFromString(std::string_view xml,
                                                                 std::string_view file = "<memory>",
                                                                 const LoadOptions& options = {});

}  // namespace zebra::dmn
