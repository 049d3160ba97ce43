// Public API of the DMN engine: load DMN 1.1-1.5 XML once into a compiled model, evaluate it
// many times. Immutable after loading; const methods may run concurrently.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "feel/feel.h"

namespace zebra::dmn {

// A problem in a model, located as precisely as the loader can: file, element id, and for
// decision tables the rule (1-based row) and column (1-based input/output index).
struct ModelDiagnostic {
  std::string file;
  int line = 0;  // XML line of the element, 0 when unknown
  int column = 0;
  std::string element_id;
  std::string element_name;
  int rule = 0;        // decision table row, 0 when not applicable
  int table_column = 0;
  std::string message;
  std::string ToString() const;  // "file:line:col: element 'id' rule 3 column 2: message"
};

struct LoadOptions {
  // Directories searched for imported models (by namespace); the model's own directory first.
  std::vector<std::filesystem::path> import_paths;
};

// One fired rule or evaluated decision, for explanation and audit.
struct TraceEntry {
  std::string decision;     // decision (or BKM) name
  std::string rule;         // rule id (or 1-based index as text when the rule has no id)
  int rule_index = 0;       // 1-based
  bool hit = true;
  std::vector<std::string> annotations;  // the rule's annotation entries, in column order
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

  // Evaluates the named decisions (all decisions when empty) with input data taken from
  // `inputs` by name; each required decision is evaluated once.
  virtual EvaluationResult Evaluate(const feel::Context& inputs, std::span<const std::string> decisions,
                                    const EvaluateOptions& options = {}) const = 0;
  // Invokes a decision service (or a BKM) by name with its parameters taken from `inputs`.
  virtual EvaluationResult InvokeService(std::string_view name, const feel::Context& inputs,
                                         const EvaluateOptions& options = {}) const = 0;
};

// Loads one DMN file (and, transitively, the models it imports).
tl::expected<std::shared_ptr<const Model>, std::vector<ModelDiagnostic>> LoadModel(
    const std::filesystem::path& path, const LoadOptions& options = {});
// Loads several files that import each other (e.g. a TCK folder); returns them in input order.
tl::expected<std::vector<std::shared_ptr<const Model>>, std::vector<ModelDiagnostic>> LoadModels(
    std::span<const std::filesystem::path> paths, const LoadOptions& options = {});
// Loads from memory (tests, REST); `file` only labels diagnostics.
tl::expected<std::shared_ptr<const Model>, std::vector<ModelDiagnostic>> LoadModelFromString(
    std::string_view xml, std::string_view file = "<memory>", const LoadOptions& options = {});

}  // namespace zebra::dmn
