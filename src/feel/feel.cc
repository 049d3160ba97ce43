#include "feel/feel.h"

#include <array>
#include <new>

#include "feel/nodes.h"

namespace zebra::feel {
namespace internal {
tl::expected<std::shared_ptr<const Root>, Diagnostic> ParseExpressionText(std::string_view text, const Scope& scope,
                                                                        const CompileOptions& options);
tl::expected<std::shared_ptr<const Root>, Diagnostic> ParseUnaryTestsText(std::string_view text, const Scope& scope,
                                                                        const CompileOptions& options);
}  // namespace internal

int Scope::Declare(std::string name) {
  if (auto s = Find(name)) return *s;
  names_.push_back(std::move(name));
  return static_cast<int>(names_.size() - 1);
}

std::optional<int> Scope::Find(std::string_view name) const {
  for (size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == name) return static_cast<int>(i);
  return std::nullopt;
}


namespace {

constexpr int kInlineLocals = 16;

// Runs `fn(frame)` with a frame whose locals live on the stack when few enough. Only the locals
// the expression declares are constructed: most expressions need none, unary tests one (`?`).
template <typename Fn>
Value WithFrame(const internal::Root& root, std::span<const Value> slots, EvalContext& ctx, Fn&& fn) {
  internal::Frame f;
  f.globals = slots;
  f.ctx = &ctx;
  if (root.locals <= kInlineLocals) {
    alignas(Value) unsigned char storage[kInlineLocals * sizeof(Value)];
    Value* locals = reinterpret_cast<Value*>(storage);
    const int n = root.locals;
    for (int i = 0; i < n; ++i) new (locals + i) Value();
    struct Destroy {
      Value* p;
      int n;
      ~Destroy() {
        for (int i = 0; i < n; ++i) p[i].~Value();
      }
    } destroy{locals, n};
    f.locals = locals;
    return fn(f);
  }
  std::vector<Value> locals(static_cast<size_t>(root.locals));
  f.locals = locals.data();
  return fn(f);
}

}  // namespace

Value CompiledExpression::Evaluate(std::span<const Value> slots, EvalContext& ctx) const {
  if (!root_) return Value();
  const auto& root = static_cast<const internal::Root&>(*root_);
  if (root.locals == 0) {
    internal::Frame f;
    f.globals = slots;
    f.ctx = &ctx;
    return internal::EvalOf(*root.body, f);
  }
  return WithFrame(root, slots, ctx, [&](internal::Frame& f) { return root.body->Eval(f); });
}

const Value& CompiledExpression::EvaluateRef(std::span<const Value> slots, EvalContext& ctx, Value& tmp) const {
  if (!root_) {
    tmp = Value();
    return tmp;
  }
  const auto& root = static_cast<const internal::Root&>(*root_);
  if (root.locals != 0) {
    // Locals die with the frame: nothing may be borrowed from them.
    tmp = Evaluate(slots, ctx);
    return tmp;
  }
  internal::Frame f;
  f.globals = slots;
  f.ctx = &ctx;
  return internal::EvalRefOf(*root.body, f, tmp);
}

Value CompiledUnaryTests::Test(const Value& input, std::span<const Value> slots, EvalContext& ctx) const {
  if (!root_) return Value();
  const auto& root = static_cast<const internal::Root&>(*root_);
  return WithFrame(root, slots, ctx, [&](internal::Frame& f) {
    if (root.input_slot >= 0) f.locals[root.input_slot] = input;
    return root.body->Test(input, f);
  });
}

bool CompiledUnaryTests::is_dash() const {
  if (!root_) return false;
  const auto& root = static_cast<const internal::Root&>(*root_);
  return dynamic_cast<const internal::DashTestNode*>(root.body.get()) != nullptr;
}

namespace {

// A compile error at the boundary: the parser's diagnostic as the shared error shape, its place
// in the expression text both as "line:col" (what users read) and as numbers.
common::Error CompileError(const Diagnostic& d) {
  return common::Error("", std::to_string(d.line) + ":" + std::to_string(d.column), d.message,
                       common::Location{d.line, d.column});
}

}  // namespace

tl::expected<CompiledExpression, common::Error> CompileExpression(std::string_view text, const Scope& scope,
                                                                  const CompileOptions& options) {
  auto root = internal::ParseExpressionText(text, scope, options);
  if (!root) return tl::unexpected(CompileError(root.error()));
  return CompiledExpression(*root, std::string(text));
}

tl::expected<CompiledUnaryTests, common::Error> CompileUnaryTests(std::string_view text, const Scope& scope,
                                                                  const CompileOptions& options) {
  auto root = internal::ParseUnaryTestsText(text, scope, options);
  if (!root) return tl::unexpected(CompileError(root.error()));
  return CompiledUnaryTests(*root, std::string(text));
}

tl::expected<Value, common::Error> EvaluateExpression(std::string_view text, const Context& variables,
                                                     EvalContext& ctx) {
  Scope scope;
  std::vector<Value> slots;
  for (const auto& [k, v] : variables.entries()) {
    scope.Declare(k);
    slots.push_back(v);
  }
  auto expr = CompileExpression(text, scope);
  if (!expr) return tl::unexpected(expr.error());
  return expr->Evaluate(slots, ctx);
}

}  // namespace zebra::feel
