// Public API of the FEEL engine: compile once, evaluate many times.
//
//   feel::Scope scope;
//   int age = scope.Declare("Applicant Age");
//   auto expr = feel::CompileExpression("Applicant Age >= 18", scope);
//   std::vector<feel::Value> slots(scope.size());
//   slots[age] = feel::Value::Number(20);
//   feel::EvalContext ctx;
//   feel::Value v = expr->Evaluate(slots, ctx);   // true
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "common/error.h"
#include "feel/builtins.h"
#include "feel/types.h"
#include "feel/value.h"

namespace zebra::feel {

// Names visible to an expression at compile time, each bound to a slot of the activation.
// Names may contain spaces and other name symbols ("Monthly Salary", "Loan.amount").
class Scope {
 public:
  int Declare(std::string name);  // returns the slot; re-declaring returns the same slot
  std::optional<int> Find(std::string_view name) const;
  size_t size() const { return names_.size(); }
  const std::vector<std::string>& names() const { return names_; }
  // Type names beyond FEEL's own for `instance of` and typed parameters (a DMN model's item
  // definitions); copies of the scope share it. Only used while compiling.
  void SetTypeResolver(std::shared_ptr<const TypeResolver> resolver) { types_ = std::move(resolver); }
  const TypeResolver* type_resolver() const { return types_.get(); }

 private:
  std::vector<std::string> names_;
  std::shared_ptr<const TypeResolver> types_;
};

namespace internal {
struct Node;
}

// What the two compiled forms share: the parsed tree and the text it came from. Immutable,
// thread-compatible (const methods may run concurrently).
class CompiledText {
 public:
  const std::string& source() const { return source_; }
  const internal::Node* root() const { return root_.get(); }

 protected:
  CompiledText() = default;
  CompiledText(std::shared_ptr<const internal::Node> root, std::string source)
      : root_(std::move(root)), source_(std::move(source)) {}
  std::shared_ptr<const internal::Node> root_;
  std::string source_;
};

// A name of the scope that an expression reads, with the constant path it reads below it:
// `tumor.sstr_imaging.result` is tumor's slot and {"sstr_imaging", "result"}. An empty path: the
// value is read as a whole (a bare name, a filter's target, a call's argument, `get value(x, k)`).
struct NameRead {
  int slot = 0;
  std::string name;
  std::vector<std::string> path;
  bool operator==(const NameRead&) const = default;
};

// What a compiled expression's value depends on, from its tree: it is the same whenever the
// values FEEL's paths `name.path…` of `names` give are (for a filter item's entries that may stand
// for a name inside the filter, as FEEL looks them up, the item is part of the filter's target).
// Besides these, an evaluation depends on its EvalContext (its fixed `now`, its limits), and a
// function held in a slot on what that function reads.
struct ExpressionReads {
  std::vector<NameRead> names;  // distinct, in the order of the text
  bool clock = false;           // now() or today() is called (or taken as a value)
  bool complete = true;         // false: a part of the tree the analysis does not know (any name may be read)
};

// A compiled FEEL expression.
class CompiledExpression : public CompiledText {
 public:
  CompiledExpression() = default;
  explicit CompiledExpression(std::shared_ptr<const internal::Node> root, std::string source)
      : CompiledText(std::move(root), std::move(source)) {}
  // `slots` holds the values of the Scope's names, by slot.
  Value Evaluate(std::span<const Value> slots, EvalContext& ctx) const;
  // The same value, without a copy when it lives in `slots` (or the compiled expression), e.g. for
  // `Case.tumor.primary_site`; otherwise evaluated into `tmp`. Valid while `slots` and `tmp` are.
  const Value& EvaluateRef(std::span<const Value> slots, EvalContext& ctx, Value& tmp) const;
  // The names (slots) and paths below them this expression reads (see ExpressionReads).
  ExpressionReads Reads() const;
};

// Unary tests (DMN 1.5 §10.3.1.2, grammar rule 17): the input entry of a decision table, or an
// allowed-values list. Test() answers true/false; null when the test cannot be decided.
class CompiledUnaryTests : public CompiledText {
 public:
  CompiledUnaryTests() = default;
  explicit CompiledUnaryTests(std::shared_ptr<const internal::Node> root, std::string source)
      : CompiledText(std::move(root), std::move(source)) {}
  Value Test(const Value& input, std::span<const Value> slots, EvalContext& ctx) const;
  bool is_dash() const;  // "-": matches anything
};

struct CompileOptions {
  int max_nesting = 500;  // deeper nesting is a compile error, not a stack overflow
};

// A text that does not compile is a common::Error whose `path` is "line:col" in the text (also
// in `at`) and whose message says what was expected.
tl::expected<CompiledExpression, common::Error> CompileExpression(std::string_view text, const Scope& scope,
                                                                  const CompileOptions& options = {});
tl::expected<CompiledUnaryTests, common::Error> CompileUnaryTests(std::string_view text, const Scope& scope,
                                                                  const CompileOptions& options = {});

// Convenience for one-off evaluation (CLI, tests): names come from the context's entries.
tl::expected<Value, common::Error> EvaluateExpression(std::string_view text, const Context& variables,
                                                      EvalContext& ctx);

}  // namespace zebra::feel
