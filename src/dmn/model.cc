// Loading DMN XML (namespaces 1.1-1.5) into compiled models, and evaluating the decision
// requirements graph (DMN 1.5 §6, §7, §10.4 execution semantics of DRG elements).
#include "dmn/model.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <pugixml.hpp>

#include "dmn/internal.h"

namespace zebra::dmn {

std::string ModelDiagnostic::Where() const {
  std::string out = file.empty() ? std::string("<model>") : file;
  if (line > 0) {
    out += ":" + std::to_string(line);
    if (column > 0) out += ":" + std::to_string(column);
  }
  out += ":";
  if (!element_id.empty() || !element_name.empty()) {
    out += " element '" + (element_id.empty() ? element_name : element_id) + "'";
    if (!element_id.empty() && !element_name.empty()) out += " (" + element_name + ")";
  }
  if (rule > 0) out += " rule " + std::to_string(rule);
  if (table_column > 0) out += " column " + std::to_string(table_column);
  return out;
}

std::string ModelDiagnostic::ToString() const { return Where() + ": " + message; }

common::Error ModelDiagnostic::ToError() const { return common::Error("", Where(), message, {line, column}); }

const DecisionResult* EvaluationResult::Find(std::string_view name) const {
  for (const auto& d : decisions)
    if (d.name == name) return &d;
  for (const auto& d : decisions)
    if (d.id == name) return &d;
  return nullptr;
}

namespace internal {
namespace {

namespace fs = std::filesystem;
using feel::Type;
using feel::Value;

enum class ElemKind : uint8_t { kInput, kDecision, kBkm, kService };

class ModelImpl;

// One name visible to a decision or BKM, bound to a slot: a required input, decision,
// business knowledge model or decision service (possibly of an imported model).
struct Binding {
  int slot = 0;
  ElemKind kind = ElemKind::kInput;
  const ModelImpl* model = nullptr;
  int index = 0;
  std::vector<std::string> import_path;  // import names leading from the referrer to `model`
};

struct InputDataDef {
  std::string id, name;
  TypePtr type;
  ConformKind conform = ConformKind::kGeneral;  // of `type`, set at the end of loading
};

struct DecisionDef {
  std::string id, name;
  TypePtr type;
  ConformKind conform = ConformKind::kGeneral;  // of `type`, set at the end of loading
  BoxedPtr body;
  std::vector<Binding> bindings;
  std::vector<int> local_requirements;  // decisions of the same model (cycle check)
  size_t frame_size = 0;                // slots the bindings fill: the largest slot + 1
  // Every binding is an input datum of this model in the slot of the same index (slot i = input
  // i): an Evaluator's input slots, when they all conform as they are, are the frame itself.
  bool inputs_in_place = false;
  // Each binding has a slot of its own (and there are at most 64 slots): EvalKept may borrow
  // their values into the kept frame (see there).
  bool borrows = false;
  ptrdiff_t offset = 0;
};

struct BkmDef {
  std::string id, name;
  std::shared_ptr<const FunctionDef> fn;
  std::vector<Binding> bindings;
};

struct ServiceDef {
  std::string id, name;
  TypePtr result_type;
  std::vector<int> outputs, input_decisions, input_data;  // indices into this model
  std::vector<std::string> params;                         // input decisions, then input data
};

struct Import {
  std::string name;
  std::string namespace_uri;
  std::shared_ptr<const ModelImpl> model;
};

// ---- evaluation state -------------------------------------------------------------------------

struct MemoEntry {
  Value value;
  std::vector<feel::Diagnostic> diagnostics;
  bool done = false;
  bool in_progress = false;
};

// A root input datum coerced to its type once per evaluation, for every decision that reads it.
struct InputMemo {
  Value value;
  const Value* as_given = nullptr;  // the input slot, when it conforms as it is (else `value`)
  std::string error;  // Coerce's message when the value does not conform
  bool ok = false;
  bool done = false;
};

// What evaluating one root decision needs besides its memo entry, kept by the Evaluator from one
// case to the next: the frame its bindings fill (overwritten slot by slot, never rebuilt), its
// FEEL context (reset, not rebuilt) and a diagnostics buffer whose capacity is reused. A root
// decision is never re-entered while it runs (cycles are rejected at load; decision services and
// BKMs evaluate on their own state), so one per decision suffices.
struct DecisionScratch {
  std::vector<Value> slots;
  feel::EvalContext ctx;
  std::vector<feel::Diagnostic> diags;
  // A borrowing decision's (DecisionDef::borrows, see EvalKept): its slots keep the bytes the last
  // case borrowed, stale once that case is over (only ever overwritten, never read or released),
  // but for the slots in `owned` (a bit per slot), which hold values of their own.
  bool borrows = false;
  uint64_t owned = 0;
  DecisionScratch() = default;
  DecisionScratch(const DecisionScratch&) = delete;
  DecisionScratch& operator=(const DecisionScratch&) = delete;
  ~DecisionScratch() {
    if (borrows)
      for (size_t i = 0; i < slots.size(); ++i)
        if (!(owned >> i & 1)) slots[i].Unborrow();
  }
};

struct EvalState {
  const feel::Context* inputs = nullptr;
  // The root model's input data by index (Evaluator slots); null: looked up in `inputs` by name.
  const Value* input_slots = nullptr;
  std::vector<InputMemo> root_inputs;  // sized like the root model's input data with input_slots
  std::optional<feel::DateTime> now;
  std::map<std::pair<const ModelImpl*, int>, MemoEntry> memo;
  // The decisions of the model being evaluated, by index, without a map lookup (sized once, so
  // references stay valid); decisions of imported models go to `memo`.
  const ModelImpl* root = nullptr;
  std::vector<MemoEntry> root_memo;
  // Per root decision, when the evaluation is an Evaluator's (else empty: frames are built per
  // decision).
  std::vector<DecisionScratch> root_scratch;
  MemoEntry& Memo(const ModelImpl* m, int idx) {
    if (m == root) return root_memo[static_cast<size_t>(idx)];
    return memo[{m, idx}];
  }
  // Decision service invocation: its input data come from parameters only.
  bool params_only = false;
  std::map<std::pair<const ModelImpl*, int>, Value> input_params;
  EvalFrame* frame = nullptr;  // the evaluation's frame (trace, service nesting, call depth)
};

const feel::Context* Descend(const feel::Context* ctx, const std::vector<std::string>& path) {
  for (const auto& p : path) {
    if (!ctx) return nullptr;
    const Value* v = ctx->Find(p);
    if (v && v->is(Type::kContext)) ctx = &v->context();
  }
  return ctx;
}

class ModelImpl final : public Model, public std::enable_shared_from_this<ModelImpl> {
 public:
  std::string name_, namespace_, file_;
  std::vector<InputDataDef> inputs_;
  std::vector<DecisionDef> decisions_;
  std::vector<BkmDef> bkms_;
  std::vector<ServiceDef> services_;
  std::vector<Import> imports_;
  std::map<std::string, TypePtr, std::less<>> types_;
  std::vector<ModelDiagnostic> diagnostics_;
  ModelDescription description_;

  const std::string& name() const override { return name_; }
  const ModelDescription& Describe() const override { return description_; }
  const std::string& namespace_uri() const override { return namespace_; }
  std::vector<std::string> DecisionNames() const override {
    std::vector<std::string> out;
    for (const auto& d : decisions_) out.push_back(d.name);
    return out;
  }
  std::vector<std::string> InputDataNames() const override {
    std::vector<std::string> out;
    for (const auto& d : inputs_) out.push_back(d.name);
    return out;
  }
  std::vector<std::string> DecisionServiceNames() const override {
    std::vector<std::string> out;
    for (const auto& d : services_) out.push_back(d.name);
    return out;
  }
  std::span<const ModelDiagnostic> diagnostics() const override { return diagnostics_; }

  std::unique_ptr<Evaluator> Prepare(std::span<const std::string> decisions,
                                     const EvaluateOptions& options) const override;
  EvaluationResult Evaluate(const feel::Context& inputs, std::span<const std::string> decisions,
                            const EvaluateOptions& options) const override;
  EvaluationResult InvokeService(std::string_view name, const feel::Context& inputs,
                                 const EvaluateOptions& options) const override;

  // Inline in its callers (the memo checks only), which then call EvalKept or EvalFresh.
  [[gnu::always_inline]] inline const MemoEntry& EvalDecision(int idx, EvalState& st,
                                                              const feel::Context* inputs) const;
  // EvalDecision of a root decision on the Evaluator's kept frame (EvalState::root_scratch).
  // Kept out of EvalDecision, each with its own registers and stack frame (most calls take one).
  [[gnu::noinline]] const MemoEntry& EvalKept(int idx, MemoEntry& e, EvalState& st, const feel::Context* inputs) const;
  // One binding of a planned run (EvaluatorImpl::Plan): the kept slot it fills and the input
  // datum of this model (by index) or the decision (by its position in the run) whose value it
  // borrows.
  struct PlanBinding {
    Value* slot;  // in the decision's DecisionScratch::slots (sized once, never moved)
    // An input datum's index; a decision's position in the run as a byte offset into the
    // results (position * sizeof(DecisionResult): RunPlanned adds it without a multiply).
    uint32_t index;
    bool input;
  };
  // One decision of a planned run, everything RunPlanned reads of it found at Prepare (the
  // kept scratch and slots are sized once and never move; the bindings are in the plan, which
  // is not changed after Prepare): no index arithmetic per decision.
  struct PlanTarget {
    const DecisionDef* def;
    const Boxed* body;  // def->body, or null (also when it runs on a room: `room`)
    DecisionScratch* scratch;
    std::span<const Value> slots;  // scratch->slots
    // The decisions' bindings [decisions, inputs), then the input data's [inputs, end).
    const PlanBinding* decisions;
    const PlanBinding* inputs;
    const PlanBinding* end;
    // When the body runs on a room of the evaluator's (RoomFor): the room, whose first
    // `caller` values the bindings fill (in place of `slots`), and the body; else null.
    // (Tested only when `body` is null: no test added for the other decisions.)
    Value* room;
    size_t caller;
    const Boxed* room_body;
  };
  // EvalKept of each of `targets` in order, each binding only this model's input data and
  // decisions earlier in the run: each slot borrowed straight from its source, without
  // EvalDecision's memo checks or the bindings' kind tests; one call for the run, the set-up
  // common to every decision done once.
  // Target i's value and diagnostics go straight to results[i], where the targets after it
  // borrow the value from (the run's memo: EvalState::root_memo is not used).
  [[gnu::noinline]] void RunPlanned(std::span<const PlanTarget> targets, EvalState& st, DecisionResult* results) const;
  // EvalDecision on a frame of its own (Model::Evaluate, imported models, decision services).
  [[gnu::noinline]] const MemoEntry& EvalFresh(int idx, EvalState& st, const feel::Context* inputs) const;
  Value CallService(int idx, std::span<const Value> args, EvalState& sub, feel::EvalContext& ctx) const;
  Value CallBkm(int idx, std::span<const Value> args, feel::EvalContext& ctx) const;
  // Both write the value into `out`, a null Value on entry (the slot of a fresh frame), so a
  // memoised value is copied once, straight into the frame.
  void BindingValue(const Binding& b, EvalState& st, const feel::Context* inputs, Value& out,
                     std::vector<feel::Diagnostic>& diags) const;
  void InputValue(int idx, EvalState& st, const feel::Context* inputs, Value& out,
                  std::vector<feel::Diagnostic>& diags) const;
};

class BkmFunction final : public feel::Function {
 public:
  BkmFunction(std::shared_ptr<const ModelImpl> m, int idx) : model_(std::move(m)), idx_(idx) {}
  std::span<const std::string> parameters() const override {
    return model_->bkms_[static_cast<size_t>(idx_)].fn->params;
  }
  Value Call(std::span<const Value> args, feel::EvalContext& ctx) const override {
    return model_->CallBkm(idx_, args, ctx);
  }
  std::string_view name() const override { return model_->bkms_[static_cast<size_t>(idx_)].name; }

 private:
  std::shared_ptr<const ModelImpl> model_;
  int idx_;
};

class ServiceFunction final : public feel::Function {
 public:
  ServiceFunction(std::shared_ptr<const ModelImpl> m, int idx) : model_(std::move(m)), idx_(idx) {}
  std::span<const std::string> parameters() const override {
    return model_->services_[static_cast<size_t>(idx_)].params;
  }
  Value Call(std::span<const Value> args, feel::EvalContext& ctx) const override {
    // A service reached again through its own decisions would recurse until the stack overflows;
    // its decisions continue the caller's FEEL call depth (EvalFrame::depth) and are counted.
    EvalFrame outside;  // a service value called after its evaluation ended
    EvalFrame* frame = FrameOf(ctx) ? FrameOf(ctx) : &outside;
    if (frame->service_nesting >= kMaxServiceNesting)
      return ctx.Error("decision service '" + std::string(name()) + "' nested more than " +
                       std::to_string(kMaxServiceNesting) + " calls deep");
    ++frame->service_nesting;
    const int saved_depth = frame->depth;
    frame->depth = ctx.depth + 1;
    EvalState sub;
    sub.now = ctx.now;
    sub.frame = frame;
    Value v = model_->CallService(idx_, args, sub, ctx);
    frame->depth = saved_depth;
    --frame->service_nesting;
    return v;
  }
  static constexpr int kMaxServiceNesting = 32;
  std::string_view name() const override { return model_->services_[static_cast<size_t>(idx_)].name; }

 private:
  std::shared_ptr<const ModelImpl> model_;
  int idx_;
};

// The root model's input datum coerced once per case: `given` as it is when it conforms.
[[gnu::always_inline]] inline void MemoInput(const InputDataDef& in, InputMemo& m, const Value& given) {
  m.done = true;
  if (Conforms(in.conform, in.type, given)) {
    m.ok = true;
    m.as_given = &given;  // the slot itself: no copy
  } else {
    m.error.clear();
    auto c = Coerce(given, in.type, m.error);
    m.ok = c.has_value();
    m.value = c ? std::move(*c) : Value();
    m.as_given = nullptr;
  }
}

// The root model's input datum `idx` read from the Evaluator's slots, coerced once per case
// (InputMemo) for every decision that reads it: where its value lives for the rest of the
// evaluation, or null (with a diagnostic) when it does not conform.
[[gnu::always_inline]] inline const Value* RootInput(const InputDataDef& in, InputMemo& m, const Value& given,
                                                     std::vector<feel::Diagnostic>& diags) {
  if (!m.done) MemoInput(in, m, given);
  if (!m.ok) [[unlikely]] {
    diags.push_back({feel::Diagnostic::Severity::kError, "input data '" + in.name + "': " + m.error, 0, 0});
    return nullptr;
  }
  return m.as_given ? m.as_given : &m.value;
}

// The same as a value of its own in `out`.
[[gnu::always_inline]] inline void RootInputValue(const InputDataDef& in, InputMemo& m, const Value& given, Value& out,
                           std::vector<feel::Diagnostic>& diags) {
  const Value* v = RootInput(in, m, given, diags);
  out = v ? *v : Value();
}

void ModelImpl::InputValue(int idx, EvalState& st, const feel::Context* inputs, Value& out,
                           std::vector<feel::Diagnostic>& diags) const {
  const InputDataDef& in = inputs_[static_cast<size_t>(idx)];
  if (st.input_slots && this == st.root) {
    // The root model's inputs are read only with the evaluation's own context (never through an
    // import path, never as service parameters: services evaluate on their own state).
    RootInputValue(in, st.root_inputs[static_cast<size_t>(idx)], st.input_slots[idx], out, diags);
    return;
  }
  Value v;
  if (auto it = st.input_params.find({this, idx}); it != st.input_params.end()) {
    v = it->second;
  } else if (!st.params_only) {
    const Value* found = inputs ? inputs->Find(in.name) : nullptr;
    if (!found && st.inputs && st.inputs != inputs) found = st.inputs->Find(in.name);
    if (found) v = *found;
  }
  std::string err;
  auto c = Coerce(v, in.type, err);
  if (!c) {
    diags.push_back({feel::Diagnostic::Severity::kError, "input data '" + in.name + "': " + err, 0, 0});
    out = Value();
    return;
  }
  out = std::move(*c);
}

void ModelImpl::BindingValue(const Binding& b, EvalState& st, const feel::Context* inputs, Value& out,
                             std::vector<feel::Diagnostic>& diags) const {
  const ModelImpl& m = *b.model;
  const feel::Context* sub_inputs = b.import_path.empty() ? inputs : Descend(inputs, b.import_path);
  switch (b.kind) {
    case ElemKind::kInput: m.InputValue(b.index, st, sub_inputs, out, diags); return;
    case ElemKind::kDecision: out = m.EvalDecision(b.index, st, sub_inputs).value; return;
    case ElemKind::kBkm:
      out = Value::FromFunction(std::make_shared<BkmFunction>(m.shared_from_this(), b.index));
      return;
    case ElemKind::kService:
      out = Value::FromFunction(std::make_shared<ServiceFunction>(m.shared_from_this(), b.index));
      return;
  }
}

// A decision's value as its type says: conforming values as they are, others coerced, or null
// with a diagnostic.
[[gnu::noinline]] void CoerceResult(const DecisionDef& d, Value& v, std::vector<feel::Diagnostic>& diags) {
  std::string err;
  auto c = Coerce(v, d.type, err);
  if (!c) {
    diags.push_back({feel::Diagnostic::Severity::kError, "decision '" + d.name + "' result: " + err, 0, 0});
    v = Value();
  } else {
    v = std::move(*c);
  }
}
// Inline: most results conform as they are, and then this is all it costs.
[[gnu::always_inline]] inline void ConformResult(const DecisionDef& d, Value& v, std::vector<feel::Diagnostic>& diags) {
  if (!Conforms(d.conform, d.type, v)) [[unlikely]] CoerceResult(d, v, diags);
}

const MemoEntry& ModelImpl::EvalDecision(int idx, EvalState& st, const feel::Context* inputs) const {
  MemoEntry& e = st.Memo(this, idx);
  if (e.done) return e;
  const DecisionDef& d = decisions_[static_cast<size_t>(idx)];
  if (e.in_progress) {
    // Cycles are rejected at load time; this guards imported graphs all the same.
    e.diagnostics.push_back({feel::Diagnostic::Severity::kError, "decision '" + d.name + "' depends on itself", 0, 0});
    return e;
  }
  e.in_progress = true;
  e.diagnostics.clear();  // a reused entry (Evaluator) may hold the last case's
  if (this == st.root && !st.root_scratch.empty()) return EvalKept(idx, e, st, inputs);
  return EvalFresh(idx, st, inputs);
}

const MemoEntry& ModelImpl::EvalFresh(int idx, EvalState& st, const feel::Context* inputs) const {
  const DecisionDef& d = decisions_[static_cast<size_t>(idx)];
  std::vector<feel::Diagnostic> diags;
  ScratchArray<Value, 16> slots(d.frame_size);
  for (const auto& b : d.bindings) {
    Value& slot = slots[static_cast<size_t>(b.slot)];
    // A decision of the model being evaluated that is done already (most are, by the time a
    // decision that requires them runs): its memoised value, without BindingValue's and
    // EvalDecision's calls (which would answer the same).
    if (b.kind == ElemKind::kDecision && b.model == st.root) {
      if (const MemoEntry& m = st.root_memo[static_cast<size_t>(b.index)]; m.done) {
        slot = m.value;
        continue;
      }
    }
    BindingValue(b, st, inputs, slot, diags);
  }
  feel::EvalContext ctx;
  ctx.now = st.now;
  ctx.host = st.frame;
  if (st.frame) ctx.depth = st.frame->depth;
  Value v = d.body ? d.body->Eval(std::span<const Value>(slots.data(), slots.size()), ctx) : Value();
  for (const auto& x : ctx.diagnostics()) diags.push_back(x);
  ConformResult(d, v, diags);
  MemoEntry& out = st.Memo(this, idx);  // the map may have grown, but std::map keeps references
  out.value = std::move(v);
  out.diagnostics = std::move(diags);
  out.done = true;
  out.in_progress = false;
  return out;
}

const MemoEntry& ModelImpl::EvalKept(int idx, MemoEntry& e, EvalState& st, const feel::Context* inputs) const {
  // EvalDecision with the decision's kept frame and context: the same steps in the same order.
  const DecisionDef& d = decisions_[static_cast<size_t>(idx)];
  DecisionScratch& s = st.root_scratch[static_cast<size_t>(idx)];
  std::vector<feel::Diagnostic>& diags = s.diags;
  diags.clear();
  // Bindings that are the input slots themselves (DecisionDef::inputs_in_place): when each
  // conforms as it is, the frame is those slots, with no copy (RootInputValue would copy each
  // slot's value unchanged). Otherwise the kept frame, as below.
  bool in_place = d.inputs_in_place && st.input_slots;
  if (in_place) {
    for (const auto& b : d.bindings) {
      const size_t i = static_cast<size_t>(b.index);
      InputMemo& m = st.root_inputs[i];
      if (!m.done) MemoInput(inputs_[i], m, st.input_slots[i]);
      in_place = in_place && m.ok && m.as_given;
    }
  }
  // Borrowed bindings (DecisionDef::borrows): each slot takes the bytes of the model's own input
  // datum or decision value where the evaluation keeps it (InputMemo, the input slots,
  // root_memo), without a reference count each way. Those stay put while the body runs: a done
  // memo entry and the case's input memos are not written again during the evaluation, and the
  // decision services and BKMs the body calls evaluate on their own state. Other bindings
  // (BindingValue's) own their values (DecisionScratch::owned), released by the next case. The
  // borrowed bytes are left in the slots afterwards (DecisionScratch), to be overwritten.
  const bool borrowing = !in_place && d.borrows;
  if (borrowing) {
    // Read once: the calls below may write memory the compiler cannot tell apart from these.
    const Binding* const bindings = d.bindings.data();
    const size_t n_bindings = d.bindings.size();
    Value* const kept = s.slots.data();
    if (s.owned != 0) [[unlikely]] {
      for (size_t i = 0; i < s.slots.size(); ++i)
        if (s.owned >> i & 1) kept[i] = Value();
      s.owned = 0;
    }
    for (size_t k = 0; k < n_bindings; ++k) {
      const Binding& b = bindings[k];
      Value& slot = kept[b.slot];  // the last case's borrowed bytes, or null
      if (b.kind == ElemKind::kInput && b.model == this && st.input_slots) {
        const size_t i = static_cast<size_t>(b.index);
        if (const Value* v = RootInput(inputs_[i], st.root_inputs[i], st.input_slots[i], diags)) slot.Borrow(*v);
        else slot.Unborrow();  // null
        continue;
      }
      slot.Unborrow();  // null, for the assignments below
      if (b.kind == ElemKind::kDecision && b.model == this) {
        // EvalDecision answers a done entry itself (BindingValue's call, without it).
        const MemoEntry& m = st.root_memo[static_cast<size_t>(b.index)];
        if (!m.done) EvalDecision(b.index, st, inputs);  // the entry m is (BindingValue's call)
        if (m.done) [[likely]] {
          slot.Borrow(m.value);
          continue;
        }
        slot = m.value;  // in progress (a cycle, which loading rejects): a copy, as BindingValue's
      } else {
        BindingValue(b, st, inputs, slot, diags);
      }
      s.owned |= uint64_t{1} << b.slot;
    }
  }
  // Every binding assigns its slot, so the last case's values are all replaced. The model's own
  // input data are read here without BindingValue's calls (the path InputValue takes for them).
  if (!in_place && !borrowing) for (const auto& b : d.bindings) {
    Value& slot = s.slots[static_cast<size_t>(b.slot)];
    if (b.kind == ElemKind::kInput && b.model == this && st.input_slots) {
      const size_t i = static_cast<size_t>(b.index);
      RootInputValue(inputs_[i], st.root_inputs[i], st.input_slots[i], slot, diags);
    } else if (const MemoEntry* m = b.kind == ElemKind::kDecision && b.model == this
                                        ? &st.root_memo[static_cast<size_t>(b.index)]
                                        : nullptr;
               m && m->done) {
      slot = m->value;  // done already: as EvalDecision would answer, without its call
    } else {
      BindingValue(b, st, inputs, slot, diags);
    }
  }
  static const feel::EvalContext kFresh;
  feel::EvalContext& ctx = s.ctx;
  ctx.ClearDiagnostics();
  ctx.max_depth = kFresh.max_depth;
  ctx.max_iterations = kFresh.max_iterations;
  ctx.depth = st.frame ? st.frame->depth : 0;
  ctx.iterations = 0;
  ctx.limit_exceeded = false;
  if (ctx.now.has_value() || st.now.has_value()) ctx.now = st.now;
  ctx.host = st.frame;
  const std::span<const Value> frame = in_place ? std::span<const Value>(st.input_slots, d.frame_size)
                                                : std::span<const Value>(s.slots);
  Value v = d.body ? d.body->Eval(frame, ctx) : Value();
  for (const auto& x : ctx.diagnostics()) diags.push_back(x);
  ConformResult(d, v, diags);
  // Null unless the last case's value was left in the memo (EvaluatorImpl::Run moves it out).
  if (e.value.is_null()) [[likely]] PutIntoNull(e.value, std::move(v));
  else e.value = std::move(v);
  e.diagnostics.swap(diags);  // the entry's old buffer becomes the next case's scratch
  e.done = true;
  e.in_progress = false;
  return e;
}

void ModelImpl::RunPlanned(std::span<const PlanTarget> targets, EvalState& st, DecisionResult* results) const {
  // For each decision, EvalKept's borrowing path for bindings known at Prepare to be the model's
  // own input data and decisions evaluated earlier in the run: the same steps in the same order,
  // minus the tests whose answers the plan fixed (the decision done, the binding's kind and
  // model, nothing owned). What every decision's context starts from is read once.
  static const feel::EvalContext kFresh;
  const int max_depth = kFresh.max_depth;
  const int64_t max_iterations = kFresh.max_iterations;
  const int depth = st.frame ? st.frame->depth : 0;
  const std::optional<feel::DateTime>& now = st.now;
  const bool has_now = now.has_value();
  EvalFrame* const host = st.frame;
  const Value* const input_slots = st.input_slots;
  InputMemo* const input_memo = st.root_inputs.data();
  DecisionResult* r = results;
  for (const PlanTarget& t : targets) {
    const DecisionDef& d = *t.def;
    DecisionScratch& s = *t.scratch;
    std::vector<feel::Diagnostic>& diags = s.diags;
    diags.clear();
    // Each slot holds the last case's borrowed bytes, or null. The decisions' first (their values
    // are borrowed, with nothing else to do), then the input data in binding order (their
    // diagnostics in that order).
    for (const PlanBinding* b = t.decisions; b != t.inputs; ++b)
      b->slot->Borrow(reinterpret_cast<const DecisionResult*>(reinterpret_cast<const char*>(results) + b->index)->value);
    for (const PlanBinding* b = t.inputs; b != t.end; ++b) {
      if (const Value* v = RootInput(inputs_[b->index], input_memo[b->index], input_slots[b->index], diags))
        b->slot->Borrow(*v);
      else
        b->slot->Unborrow();  // null
    }
    feel::EvalContext& ctx = s.ctx;
    ctx.ClearDiagnostics();
    ctx.max_depth = max_depth;
    ctx.max_iterations = max_iterations;
    ctx.depth = depth;
    ctx.iterations = 0;
    ctx.limit_exceeded = false;
    if (has_now || ctx.now.has_value()) ctx.now = now;
    ctx.host = host;
    // The value made in its result itself (no temporary, no move): null unless the caller left
    // the last case's value there, which no decision reads (each borrows from the results of
    // the decisions before it).
    if (!r->value.is_null()) [[unlikely]] r->value = Value();
    if (t.body) [[likely]] new (&r->value) Value(t.body->Eval(t.slots, ctx));
    else if (t.room) new (&r->value) Value(EvalInRoom(*t.room_body, t.room, t.caller, ctx, /*once=*/true));
    for (const auto& x : ctx.diagnostics()) diags.push_back(x);
    // Most decisions have no type (kAll, every value conforms): one test, not Conforms' switch.
    if (d.conform != ConformKind::kAll) [[unlikely]] ConformResult(d, r->value, diags);
    // The result's old buffer becomes the next case's scratch (nothing to swap when both are
    // empty, as they mostly are).
    if (!(diags.empty() && r->diagnostics.empty())) r->diagnostics.swap(diags);
    ++r;
  }
}

Value ModelImpl::CallBkm(int idx, std::span<const Value> args, feel::EvalContext& ctx) const {
  const BkmDef& bkm = bkms_[static_cast<size_t>(idx)];
  size_t frame = 0;
  for (const auto& b : bkm.bindings) frame = std::max(frame, static_cast<size_t>(b.slot) + 1);
  std::vector<Value> slots(frame);
  EvalState st;  // knowledge requirements are functions: no decisions are evaluated here
  std::vector<feel::Diagnostic> diags;
  for (const auto& b : bkm.bindings) BindingValue(b, st, nullptr, slots[static_cast<size_t>(b.slot)], diags);
  return CallFunctionDef(*bkm.fn, bkm.name, slots, args, ctx);
}

Value ModelImpl::CallService(int idx, std::span<const Value> args, EvalState& sub, feel::EvalContext& ctx) const {
  const ServiceDef& s = services_[static_cast<size_t>(idx)];
  if (args.size() != s.params.size())
    return ctx.Error("decision service '" + s.name + "' expects " + std::to_string(s.params.size()) +
                     " argument(s), got " + std::to_string(args.size()));
  sub.params_only = true;
  // Parameters: the input data, then the input decisions (DMN 1.5 §10.4, decision service).
  size_t a = 0;
  for (int i : s.input_data) {
    std::string err;
    auto c = Coerce(args[a++], inputs_[static_cast<size_t>(i)].type, err);
    if (!c)
      return ctx.Error("decision service '" + s.name + "' parameter '" + inputs_[static_cast<size_t>(i)].name + "': " + err);
    sub.input_params[{this, i}] = *c;
  }
  for (int d : s.input_decisions) {
    std::string err;
    auto c = Coerce(args[a++], decisions_[static_cast<size_t>(d)].type, err);
    if (!c)
      return ctx.Error("decision service '" + s.name + "' parameter '" + decisions_[static_cast<size_t>(d)].name + "': " + err);
    MemoEntry& e = sub.memo[{this, d}];
    e.value = *c;
    e.done = true;
  }
  feel::Context out;
  Value single;
  for (int d : s.outputs) {
    const MemoEntry& e = EvalDecision(d, sub, nullptr);
    for (const auto& x : e.diagnostics) ctx.Error(x.message);
    single = e.value;
    out.Put(decisions_[static_cast<size_t>(d)].name, e.value);
  }
  Value result = s.outputs.size() == 1 ? single : Value::FromContext(std::move(out));
  std::string err;
  auto c = Coerce(result, s.result_type, err);
  if (!c) return ctx.Error("decision service '" + s.name + "' result: " + err);
  return *c;
}

// Model::Prepare's evaluator: the state of Model::Evaluate kept from one case to the next.
class EvaluatorImpl final : public Evaluator {
 public:
  // `keep_frames`: keep each decision's frame and context from one case to the next (Prepare);
  // Model::Evaluate's one-shot evaluator builds them on the stack instead of allocating them.
  // `owner`: the model kept alive by a prepared evaluator (Prepare); null for Model::Evaluate's
  // one-shot evaluator, which does not outlive the call (no shared count touched per case).
  EvaluatorImpl(const ModelImpl& model, std::shared_ptr<const ModelImpl> owner, std::span<const std::string> decisions,
                const EvaluateOptions& options, bool keep_frames)
      : owner_(std::move(owner)), model_(&model), options_(options) {
    const ModelImpl& m = model;
    slots_.resize(m.inputs_.size());
    st_.root = model_;
    st_.root_memo.resize(m.decisions_.size());
    st_.root_inputs.resize(m.inputs_.size());
    if (keep_frames) {
      st_.root_scratch = std::vector<DecisionScratch>(m.decisions_.size());
      for (size_t i = 0; i < m.decisions_.size(); ++i) {
        st_.root_scratch[i].slots.resize(m.decisions_[i].frame_size);
        st_.root_scratch[i].borrows = m.decisions_[i].borrows;
      }
    }
    if (decisions.empty()) {  // every decision once: distinct by construction
      targets_.resize(m.decisions_.size());
      for (size_t i = 0; i < m.decisions_.size(); ++i) targets_[i] = static_cast<int>(i);
    } else {
      targets_.reserve(decisions.size());
      for (const auto& name : decisions) {
        int found = -1;
        for (size_t i = 0; i < m.decisions_.size() && found < 0; ++i)
          if (m.decisions_[i].name == name) found = static_cast<int>(i);
        for (size_t i = 0; i < m.decisions_.size() && found < 0; ++i)
          if (m.decisions_[i].id == name) found = static_cast<int>(i);
        if (found < 0) unknown_names_.push_back(name);
        else if (std::find(targets_.begin(), targets_.end(), found) != targets_.end()) distinct_targets_ = false;
        targets_.push_back(found);
      }
    }
    results_ = ResultShape();
    if (keep_frames) Plan();
  }

  ~EvaluatorImpl() override {
    // The rooms' values own nothing (borrowed bindings, destroyed entries and locals): their
    // bytes are dropped, not released.
    for (size_t i = 0; i < rooms_.size(); ++i)
      for (size_t k = 0; k < room_sizes_[i]; ++k) rooms_[i][k].Unborrow();
  }
  EvaluatorImpl(const EvaluatorImpl&) = delete;
  EvaluatorImpl& operator=(const EvaluatorImpl&) = delete;

  std::span<const std::string> InputNames() const override {
    // Made when first asked for: Model::Evaluate's one-shot evaluator never needs the copy.
    if (names_.empty())
      for (const auto& in : model_->inputs_) names_.push_back(in.name);
    return names_;
  }
  bool SlotsSuffice() const override { return model_->imports_.empty(); }
  std::span<Value> Inputs() override { return slots_; }
  void Evaluate() override { Run(nullptr); }
  void Evaluate(const feel::Context& inputs) override {
    // The slots borrow the inputs' values (Value::Borrow: no reference count taken, none given
    // back): `inputs` outlives the run, which only reads the slots (EvalState::input_slots is
    // const, and whatever keeps a value copies it). They are null again when it ends, so the
    // last case's values are not kept here (nor freed here) until the next case.
    for (Value& slot : slots_)
      if (!slot.is_null()) slot = Value();  // a caller's own values, written through Inputs()
    struct Unborrow {
      std::vector<Value>& slots;
      ~Unborrow() {
        for (Value& slot : slots) slot.Unborrow();
      }
    } unborrow{slots_};
    if (const feel::ContextShape* shape = inputs.shape()) {
      // Context::Find of a shaped context, with each input's position in the shape found once
      // per shape (callers pass contexts of one shape case after case).
      if (shape != input_shape_) {
        input_shape_ = shape;
        input_index_.resize(slots_.size());
        for (size_t i = 0; i < slots_.size(); ++i) input_index_[i] = shape->IndexOf(model_->inputs_[i].name);
      }
      // Read once: each Borrow writes memory the compiler cannot tell apart from these.
      const size_t present = inputs.shaped_size();
      const Value* const values = present != 0 ? &inputs.shaped_value(0) : nullptr;
      const size_t* const index = input_index_.data();
      Value* const slots = slots_.data();
      const size_t n = slots_.size();
      for (size_t i = 0; i < n; ++i) {
        const size_t at = index[i];
        if (at < present) slots[i].Borrow(values[at]);
      }
    } else {
      for (size_t i = 0; i < slots_.size(); ++i)
        if (const Value* v = inputs.Find(model_->inputs_[i].name)) slots_[i].Borrow(*v);
    }
    Run(&inputs);
  }
  std::span<const DecisionResult> results() const override { return results_; }
  std::span<DecisionResult> mutable_results() override { return results_; }
  std::span<const TraceEntry> trace() const override { return trace_; }
  EvaluationResult TakeResult() override {
    EvaluationResult r;
    r.decisions = std::move(results_);
    r.trace = std::move(trace_);
    results_.clear();  // made again by the next evaluation (Run)
    trace_.clear();
    return r;
  }

 private:
  void Run(const feel::Context* inputs) {
    if (results_.size() != targets_.size()) [[unlikely]] results_ = ResultShape();  // after TakeResult
    trace_.clear();
    // Room for about one fired rule per decision at once, rather than growing 1, 2, 4, 8, ...
    // (the trace is moved out with the results, so a one-shot evaluation starts without any).
    if (options_.trace && trace_.capacity() == 0) trace_.reserve(model_->decisions_.size());
    frame_ = EvalFrame{};
    frame_.trace = options_.trace ? &trace_ : nullptr;
    frame_.annotations = options_.trace_annotations;
    // Forget what the last case computed; its values are replaced as decisions complete
    // (EvalDecision writes value and diagnostics of every entry it finishes).
    if (!planned_)
      for (MemoEntry& e : st_.root_memo) {
        e.done = false;
        e.in_progress = false;
      }
    for (InputMemo& m : st_.root_inputs) m.done = false;
    st_.memo.clear();
    st_.input_params.clear();
    st_.params_only = false;
    st_.frame = &frame_;
    st_.inputs = inputs;
    st_.input_slots = slots_.data();
    st_.now = options_.now;
    if (planned_) {
      // Every decision asked for once, each after the decisions it requires (see Plan): the
      // targets in order, as EvalDecision would reach them, without its memo checks, each value
      // written to its result (no decision is reached through another: the memo is not used).
      model_->RunPlanned(plan_targets_, st_, results_.data());
      return;
    }
    if (!distinct_targets_) {
      for (size_t i = 0; i < targets_.size(); ++i) {
        if (targets_[i] < 0) continue;  // unknown name: its result and diagnostic stay as built
        const MemoEntry& e = model_->EvalDecision(targets_[i], st_, inputs);
        results_[i].value = e.value;
        results_[i].diagnostics = e.diagnostics;
      }
      return;
    }
    for (int t : targets_)
      if (t >= 0) model_->EvalDecision(t, st_, inputs);
    // Every decision asked for once: its value moves from the memo, which no one reads after the
    // evaluation (the next one recomputes every entry before reading it).
    for (size_t i = 0; i < targets_.size(); ++i) {
      if (targets_[i] < 0) continue;
      MemoEntry& e = st_.root_memo[static_cast<size_t>(targets_[i])];
      results_[i].value = std::move(e.value);
      if (!(e.diagnostics.empty() && results_[i].diagnostics.empty())) results_[i].diagnostics = e.diagnostics;
    }
  }

  // One entry per requested decision, before any evaluation: its name and id (unless
  // options_.result_names is off), and for an unknown name its diagnostic, which every
  // evaluation keeps.
  std::vector<DecisionResult> ResultShape() const {
    std::vector<DecisionResult> results;
    results.reserve(targets_.size());
    size_t unknown = 0;
    for (int idx : targets_) {
      if (idx < 0) {
        const std::string& name = unknown_names_[unknown++];
        results.push_back(
            {name, "", Value(), {{feel::Diagnostic::Severity::kError, "no decision named '" + name + "'", 0, 0}}});
      } else if (options_.result_names) {
        const DecisionDef& d = model_->decisions_[static_cast<size_t>(idx)];
        results.push_back({d.name, d.id, Value(), {}});
      } else {
        results.emplace_back();
      }
    }
    return results;
  }

  // A prepared evaluator's run as a plan (planned_), when every decision asked for is known, asked
  // for once, borrows its bindings (DecisionDef::borrows), and binds only this model's input data
  // and decisions asked for before it: Run then evaluates the targets in order with
  // RunPlanned, one PlanTarget each (plan_targets_[i] for targets_[i]), their bindings listed in
  // plan_ (a decision's by its position in targets_, where its result is).
  void Plan() {
    const ModelImpl& m = *model_;
    if (!distinct_targets_) return;
    std::vector<int> position(m.decisions_.size(), -1);  // in targets_
    std::vector<ModelImpl::PlanBinding> plan;
    std::vector<size_t> start{0};  // target i's bindings: [start[2i], start[2i + 2])
    std::vector<Value*> room;      // target i's room, or null
    for (size_t i = 0; i < targets_.size(); ++i) {
      if (targets_[i] < 0) return;
      const DecisionDef& d = m.decisions_[static_cast<size_t>(targets_[i])];
      if (!d.borrows) return;
      for (const Binding& b : d.bindings) {
        if (b.model != &m || !b.import_path.empty() || b.index < 0 || b.slot < 0) return;
        const size_t index = static_cast<size_t>(b.index);
        if (b.kind == ElemKind::kInput) {
          if (index >= m.inputs_.size()) return;
        } else if (b.kind != ElemKind::kDecision || index >= position.size() || position[index] < 0) {
          return;  // a function, or a decision not evaluated before this one
        }
      }
      // A body context that runs on a room of its own (RoomFor) has the bindings put there.
      DecisionScratch& s = st_.root_scratch[static_cast<size_t>(targets_[i])];
      Value* frame = s.slots.data();
      if (const size_t size = d.body ? RoomFor(*d.body, s.slots.size()) : 0) {
        rooms_.push_back(std::make_unique<Value[]>(size));  // null values, never destroyed as such:
        room_sizes_.push_back(size);                        // see ~EvaluatorImpl
        frame = rooms_.back().get();
      }
      room.push_back(frame != s.slots.data() ? frame : nullptr);
      // The decisions' bindings, then the input data's (each in binding order): RunPlanned's
      // two loops. Only the input data's add diagnostics, so their order is all that counts.
      for (const bool input : {false, true}) {
        for (const Binding& b : d.bindings) {
          if ((b.kind == ElemKind::kInput) != input) continue;
          const size_t index = static_cast<size_t>(b.index);
          plan.push_back({frame + b.slot,
                          static_cast<uint32_t>(input ? index : static_cast<size_t>(position[index]) * sizeof(DecisionResult)),
                          input});
        }
        start.push_back(plan.size());
      }
      position[static_cast<size_t>(targets_[i])] = static_cast<int>(i);
    }
    plan_ = std::move(plan);  // not changed again: the targets point into it
    plan_targets_.clear();
    plan_targets_.reserve(targets_.size());
    for (size_t i = 0; i < targets_.size(); ++i) {
      const size_t idx = static_cast<size_t>(targets_[i]);
      const DecisionDef& d = m.decisions_[idx];
      DecisionScratch& s = st_.root_scratch[idx];
      const ModelImpl::PlanBinding* const p = plan_.data();
      plan_targets_.push_back({&d, room[i] ? nullptr : d.body.get(), &s, std::span<const Value>(s.slots),
                               p + start[2 * i], p + start[2 * i + 1], p + start[2 * i + 2], room[i], s.slots.size(),
                               room[i] ? d.body.get() : nullptr});
    }
    planned_ = true;
  }

  bool planned_ = false;
  // The rooms of the planned bodies that run on one (EvalInRoom): sized at Plan, never moved.
  // Between runs a room holds the last case's borrowed bindings and raw, destroyed values, none
  // of them owning anything: each is made null before the array destroys it (~EvaluatorImpl).
  std::vector<std::unique_ptr<Value[]>> rooms_;
  std::vector<size_t> room_sizes_;
  std::vector<ModelImpl::PlanBinding> plan_;
  std::vector<ModelImpl::PlanTarget> plan_targets_;  // one per target, pointing into plan_ and st_
  std::shared_ptr<const ModelImpl> owner_;  // Prepare's evaluator only
  const ModelImpl* model_;
  EvaluateOptions options_;
  mutable std::vector<std::string> names_;  // InputNames(), made on demand
  std::vector<Value> slots_;
  const feel::ContextShape* input_shape_ = nullptr;  // Evaluate(inputs): the shape input_index_ is of
  std::vector<size_t> input_index_;                  // each input's IndexOf in it
  std::vector<int> targets_;  // decision index per result, -1 for an unknown name
  std::vector<std::string> unknown_names_;  // the requested names of the -1 targets, in order
  bool distinct_targets_ = true;  // no decision asked for twice (see Run)
  std::vector<DecisionResult> results_;
  std::vector<TraceEntry> trace_;
  EvalFrame frame_;
  EvalState st_;
};

std::unique_ptr<Evaluator> ModelImpl::Prepare(std::span<const std::string> decisions,
                                              const EvaluateOptions& options) const {
  return std::make_unique<EvaluatorImpl>(*this, shared_from_this(), decisions, options, true);
}

EvaluationResult ModelImpl::Evaluate(const feel::Context& inputs, std::span<const std::string> decisions,
                                     const EvaluateOptions& options) const {
  EvaluatorImpl evaluator(*this, nullptr, decisions, options, false);
  evaluator.Evaluate(inputs);
  return evaluator.TakeResult();
}

EvaluationResult ModelImpl::InvokeService(std::string_view name, const feel::Context& inputs,
                                          const EvaluateOptions& options) const {
  EvaluationResult result;
  EvalFrame frame;
  frame.trace = options.trace ? &result.trace : nullptr;
  for (size_t i = 0; i < services_.size(); ++i) {
    const ServiceDef& s = services_[i];
    if (s.name != name && s.id != name) continue;
    std::vector<Value> args;
    for (const auto& p : s.params) {
      const Value* v = inputs.Find(p);
      args.push_back(v ? *v : Value());
    }
    EvalState sub;
    sub.now = options.now;
    sub.frame = &frame;
    feel::EvalContext ctx;
    ctx.now = options.now;
    ctx.host = &frame;
    Value v = CallService(static_cast<int>(i), args, sub, ctx);
    // Each output as the service returned it (after its parameter and result conversions).
    for (int d : s.outputs) {
      const DecisionDef& dd = decisions_[static_cast<size_t>(d)];
      Value out;
      if (s.outputs.size() == 1) {
        out = v;
      } else if (v.is(Type::kContext)) {
        if (const Value* x = v.context().Find(dd.name)) out = *x;
      }
      std::vector<feel::Diagnostic> diags = sub.memo[{this, d}].diagnostics;
      if (out.is_null())
        for (const auto& x : ctx.diagnostics()) diags.push_back(x);
      result.decisions.push_back({dd.name, dd.id, out, diags});
    }
    result.decisions.push_back({s.name, s.id, v, ctx.diagnostics()});
    return result;
  }
  for (size_t i = 0; i < bkms_.size(); ++i) {
    const BkmDef& b = bkms_[i];
    if (b.name != name && b.id != name) continue;
    std::vector<Value> args;
    for (const auto& p : b.fn->params) {
      const Value* v = inputs.Find(p);
      args.push_back(v ? *v : Value());
    }
    feel::EvalContext ctx;
    ctx.now = options.now;
    ctx.host = &frame;
    Value v = CallBkm(static_cast<int>(i), args, ctx);
    result.decisions.push_back({b.name, b.id, v, ctx.diagnostics()});
    return result;
  }
  std::string n(name);
  for (const auto& d : decisions_)
    if (d.name == n || d.id == n) return Evaluate(inputs, std::span<const std::string>(&n, 1), options);
  result.decisions.push_back({n, "", Value(), {{feel::Diagnostic::Severity::kError,
                                                "no decision service or business knowledge model named '" + n + "'", 0, 0}}});
  return result;
}

// ---- loading ----------------------------------------------------------------------------------

bool IsDmnNamespace(std::string_view ns) {
  static constexpr std::string_view kKnown[] = {
      "http://www.omg.org/spec/DMN/20151101/dmn.xsd",   // 1.1
      "http://www.omg.org/spec/DMN/20180521/MODEL/",    // 1.2
      "https://www.omg.org/spec/DMN/20191111/MODEL/",   // 1.3
      "https://www.omg.org/spec/DMN/20211108/MODEL/",   // 1.4
      "https://www.omg.org/spec/DMN/20230324/MODEL/",   // 1.5
  };
  return std::find(std::begin(kKnown), std::end(kKnown), ns) != std::end(kKnown);
}

// A parsed document waiting to be compiled.
struct Source {
  std::string file;
  std::string text;
  std::shared_ptr<pugi::xml_document> doc;
  pugi::xml_node root;
  std::string namespace_uri;
  std::shared_ptr<ModelImpl> model;  // once compiled
  bool loading = false;
};

using Diags = std::vector<ModelDiagnostic>;

ModelDiagnostic FileError(const std::string& file, std::string message, int line = 0) {
  ModelDiagnostic d;
  d.file = file;
  d.line = line;
  d.message = std::move(message);
  return d;
}

tl::expected<std::shared_ptr<Source>, ModelDiagnostic> ParseSource(std::string text, std::string file) {
  auto src = std::make_shared<Source>();
  src->file = std::move(file);
  src->text = std::move(text);
  src->doc = std::make_shared<pugi::xml_document>();
  // parse_doctype keeps the DOCTYPE node so that it can be rejected; pugixml never expands
  // custom entities, so entity bombs and external entities cannot do anything.
  pugi::xml_parse_result r =
      src->doc->load_buffer(src->text.data(), src->text.size(), pugi::parse_default | pugi::parse_doctype);
  if (!r) {
    int line = 1 + static_cast<int>(std::count(src->text.begin(), src->text.begin() + std::min<ptrdiff_t>(
                                                                                         r.offset, src->text.size()),
                                               '\n'));
    return tl::unexpected(FileError(src->file, std::string("XML error: ") + r.description(), line));
  }
  for (pugi::xml_node c = src->doc->first_child(); c; c = c.next_sibling())
    if (c.type() == pugi::node_doctype) return tl::unexpected(FileError(src->file, "DOCTYPE is not allowed in DMN models"));
  src->root = src->doc->document_element();
  if (LocalName(src->root.name()) != "definitions")
    return tl::unexpected(FileError(src->file, "root element is <" + std::string(src->root.name()) + ">, not <definitions>"));
  std::string_view prefix;
  std::string_view qn = src->root.name();
  if (size_t colon = qn.find(':'); colon != std::string_view::npos) prefix = qn.substr(0, colon);
  std::string xmlns_attr = prefix.empty() ? "xmlns" : "xmlns:" + std::string(prefix);
  std::string dmn_ns = src->root.attribute(xmlns_attr.c_str()).value();
  if (!dmn_ns.empty() && !IsDmnNamespace(dmn_ns))
    return tl::unexpected(FileError(src->file, "unsupported DMN namespace '" + dmn_ns + "'"));
  src->namespace_uri = src->root.attribute("namespace").value();
  return src;
}

tl::expected<std::shared_ptr<Source>, ModelDiagnostic> ReadSource(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return tl::unexpected(FileError(path.string(), "cannot read file"));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ParseSource(ss.str(), path.string());
}

// All documents known to one load: the given ones, and those found on the import paths.
class Registry {
 public:
  explicit Registry(LoadOptions options) : options_(std::move(options)) {}
  void Add(std::shared_ptr<Source> s) { sources_.push_back(std::move(s)); }
  void AddSearchDir(const fs::path& dir) { options_.import_paths.insert(options_.import_paths.begin(), dir); }

  std::shared_ptr<Source> FindNamespace(const std::string& ns) {
    for (auto& s : sources_)
      if (s->namespace_uri == ns) return s;
    if (!scanned_) {
      scanned_ = true;
      std::set<std::string> known;
      for (auto& s : sources_) known.insert(fs::weakly_canonical(s->file).string());
      for (const auto& dir : options_.import_paths) {
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(dir, ec)) {
          if (entry.path().extension() != ".dmn") continue;
          if (known.count(fs::weakly_canonical(entry.path()).string())) continue;
          known.insert(fs::weakly_canonical(entry.path()).string());
          if (auto s = ReadSource(entry.path())) sources_.push_back(*s);
        }
      }
      for (auto& s : sources_)
        if (s->namespace_uri == ns) return s;
    }
    return nullptr;
  }

  tl::expected<std::shared_ptr<ModelImpl>, Diags> Compile(const std::shared_ptr<Source>& src);

 private:
  LoadOptions options_;
  std::vector<std::shared_ptr<Source>> sources_;
  bool scanned_ = false;
};

// Compiles one document whose imports are already compiled.
class Compiler {
 public:
  Compiler(Source& src, std::shared_ptr<ModelImpl> m) : src_(src), m_(std::move(m)) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < src_.text.size(); ++i)
      if (src_.text[i] == '\n') line_starts_.push_back(i + 1);
  }

  // Fatal problems go to `fatal`; the rest become model diagnostics.
  void Run(Diags& fatal);

 private:
  CompileSite Site(const pugi::xml_node& el) {
    CompileSite site;
    site.file = src_.file;
    site.element_id = el.attribute("id").value();
    site.element_name = el.attribute("name").value();
    site.diagnostics = &m_->diagnostics_;
    site.line_starts = &line_starts_;
    site.resolve_type = [this, el](std::string_view name) { return ResolveType(name, el); };
    return site;
  }
  void Warn(const pugi::xml_node& el, std::string message) { Report(Site(el), el.offset_debug(), std::move(message)); }
  ModelDiagnostic Error(const pugi::xml_node& el, std::string message) {
    Diags tmp;
    CompileSite site = Site(el);
    site.diagnostics = &tmp;
    Report(site, el.offset_debug(), std::move(message));
    return tmp.front();
  }

  TypePtr ResolveType(std::string_view name, const pugi::xml_node& where);
  // A scope whose `instance of` knows this model's item definitions (DMN 1.5 §10.3.2.9.1).
  feel::Scope NewScope();
  TypePtr BuildType(const pugi::xml_node& node, const std::string& name);
  std::optional<Binding> ResolveHref(std::string_view href, std::set<ElemKind> kinds, const pugi::xml_node& where,
                                     Diags& fatal, std::string& declared_name);

  Source& src_;
  std::shared_ptr<ModelImpl> m_;
  std::vector<size_t> line_starts_;
  int type_nesting_ = 0;  // item definitions being built inside one another (BuildType)
  std::map<std::string, pugi::xml_node, std::less<>> type_nodes_;
  std::set<std::string, std::less<>> types_in_progress_;
  std::map<std::string, std::pair<ElemKind, int>, std::less<>> by_id_;
};

// The FEEL type an item definition describes, for `instance of`: structure as context<...>,
// collections as list<...>; allowed values and constraints do not take part (DMN TCK 0070
// number_013: 256 is an instance of a number type allowing [0..255]).
feel::TypeSpec ToTypeSpec(const TypePtr& t, int depth = 0) {
  using K = feel::TypeSpec::Kind;
  feel::TypeSpec one;  // Any
  if (!t || depth > 64) return one;
  switch (t->kind) {
    case ItemType::Kind::kAny:
      if (t->base) one = ToTypeSpec(t->base, depth + 1);
      break;
    case ItemType::Kind::kBuiltin: one = t->builtin; break;
    case ItemType::Kind::kStructure:
      one.kind = K::kContext;
      for (const auto& [name, component] : t->components)
        one.fields.emplace_back(name, std::make_shared<const feel::TypeSpec>(ToTypeSpec(component, depth + 1)));
      break;
    case ItemType::Kind::kFunction: one.kind = K::kFunction; break;
  }
  if (!t->is_collection) return one;
  feel::TypeSpec list;
  list.kind = K::kList;
  list.element = std::make_shared<const feel::TypeSpec>(std::move(one));
  return list;
}

feel::Scope Compiler::NewScope() {
  feel::Scope scope;
  scope.SetTypeResolver(std::make_shared<const feel::TypeResolver>(
      [this](std::string_view name) -> std::optional<feel::TypeSpec> {
        // Only names the model defines: an unknown name stays a compile error.
        if (!m_->types_.count(name) && !type_nodes_.count(name)) return std::nullopt;
        return ToTypeSpec(ResolveType(name, pugi::xml_node()));
      }));
  return scope;
}

TypePtr BuiltinType(std::string_view name) {
  auto spec = feel::ParseType(name);
  if (!spec) return nullptr;
  auto t = std::make_shared<ItemType>();
  t->name = std::string(name);
  t->kind = ItemType::Kind::kBuiltin;
  t->builtin = std::move(*spec);
  return t;
}

TypePtr Compiler::ResolveType(std::string_view name, const pugi::xml_node& where) {
  if (name.empty()) return nullptr;
  if (auto it = m_->types_.find(name); it != m_->types_.end()) return it->second;
  if (auto it = type_nodes_.find(name); it != type_nodes_.end()) {
    if (types_in_progress_.count(name)) return nullptr;  // recursive type: checked as Any below
    types_in_progress_.insert(std::string(name));
    TypePtr t = BuildType(it->second, std::string(name));
    types_in_progress_.erase(std::string(name));
    m_->types_[std::string(name)] = t;
    return t;
  }
  // importName.typeName
  for (const auto& imp : m_->imports_) {
    if (!imp.name.empty() && name.size() > imp.name.size() + 1 && name.substr(0, imp.name.size()) == imp.name &&
        name[imp.name.size()] == '.') {
      auto it = imp.model->types_.find(name.substr(imp.name.size() + 1));
      if (it != imp.model->types_.end()) return it->second;
    }
    if (imp.name.empty())
      if (auto it = imp.model->types_.find(name); it != imp.model->types_.end()) return it->second;
  }
  if (TypePtr b = BuiltinType(name)) return b;
  // DMN 1.1 QName references ("tns:tLoan", "feel:number", "xsd:string").
  if (size_t colon = name.find(':'); colon != std::string_view::npos) return ResolveType(name.substr(colon + 1), where);
  Warn(where, "unknown type '" + std::string(name) + "' (treated as Any)");
  auto any = std::make_shared<ItemType>();
  any->name = std::string(name);
  m_->types_[std::string(name)] = any;
  return any;
}

TypePtr Compiler::BuildType(const pugi::xml_node& node, const std::string& name) {
  // Item components may nest arbitrarily deep in hostile input; recursion is bounded.
  constexpr int kMaxNesting = 100;
  int& depth = type_nesting_;
  if (depth >= kMaxNesting) {
    Warn(node, "item definition '" + name + "' nested too deeply (treated as Any)");
    return nullptr;
  }
  struct Guard {
    int& d;
    explicit Guard(int& x) : d(++x) {}
    ~Guard() { --d; }
  } guard(depth);
  auto t = std::make_shared<ItemType>();
  t->name = name;
  t->is_collection = std::string_view(node.attribute("isCollection").value()) == "true";
  std::string ref = TypeRefOf(node);
  if (!ref.empty()) t->base = ResolveType(ref, node);
  auto comps = Children(node, "itemComponent");
  if (!comps.empty()) {
    t->kind = ItemType::Kind::kStructure;
    for (const auto& c : comps) {
      std::string cname = c.attribute("name").value();
      t->components.emplace_back(cname, BuildType(c, name + "." + cname));
    }
  } else if (pugi::xml_node fi = Child(node, "functionItem")) {
    t->kind = ItemType::Kind::kFunction;
    t->function_result = ResolveType(fi.attribute("outputTypeRef").value(), fi);
  }
  auto tests = [&](const char* local) -> std::optional<feel::CompiledUnaryTests> {
    pugi::xml_node n = Child(node, local);
    if (!n) return std::nullopt;
    std::string text = ChildText(n);
    auto compiled = feel::CompileUnaryTests(text, feel::Scope{});
    if (!compiled) {
      Warn(node, std::string(local) + " of type '" + name + "': FEEL error in '" + text + "': " + compiled.error().message);
      return std::nullopt;
    }
    return std::move(*compiled);
  };
  t->allowed = tests("allowedValues");
  t->constraint = tests("typeConstraint");
  return t;
}

std::optional<Binding> Compiler::ResolveHref(std::string_view href, std::set<ElemKind> kinds, const pugi::xml_node& where,
                                             Diags& fatal, std::string& declared_name) {
  size_t hash = href.find('#');
  if (hash == std::string_view::npos) {
    fatal.push_back(Error(where, "malformed reference '" + std::string(href) + "'"));
    return std::nullopt;
  }
  std::string_view ns = href.substr(0, hash);
  std::string_view id = href.substr(hash + 1);
  Binding b;
  const ModelImpl* target = m_.get();
  std::string prefix;
  if (!ns.empty() && ns != m_->namespace_) {
    const Import* imp = nullptr;
    for (const auto& i : m_->imports_)
      if (i.namespace_uri == ns) imp = &i;
    if (!imp) {
      fatal.push_back(Error(where, "reference '" + std::string(href) + "' names a namespace that is not imported"));
      return std::nullopt;
    }
    target = imp->model.get();
    if (!imp->name.empty()) {
      b.import_path.push_back(imp->name);
      prefix = imp->name + ".";
    }
  }
  b.model = target;
  auto find = [&](auto& vec, ElemKind k) -> bool {
    if (!kinds.count(k)) return false;
    for (size_t i = 0; i < vec.size(); ++i)
      if (vec[i].id == id) {
        b.kind = k;
        b.index = static_cast<int>(i);
        declared_name = prefix + vec[i].name;
        return true;
      }
    return false;
  };
  if (find(target->inputs_, ElemKind::kInput) || find(target->decisions_, ElemKind::kDecision) ||
      find(target->bkms_, ElemKind::kBkm) || find(target->services_, ElemKind::kService))
    return b;
  fatal.push_back(Error(where, "reference '" + std::string(href) + "' does not name a known element"));
  return std::nullopt;
}

void Compiler::Run(Diags& fatal) {
  pugi::xml_node root = src_.root;
  m_->name_ = root.attribute("name").value();
  m_->namespace_ = src_.namespace_uri;
  m_->file_ = src_.file;
  m_->description_ = DescribeDefinitions(root, src_.text, src_.file);

  for (const auto& it : Children(root, "itemDefinition")) type_nodes_.emplace(it.attribute("name").value(), it);
  for (const auto& [name, node] : type_nodes_) ResolveType(name, node);

  // First pass: element names and ids, so references resolve in any order.
  std::vector<pugi::xml_node> decision_nodes, bkm_nodes, service_nodes;
  for (pugi::xml_node el = root.first_child(); el; el = el.next_sibling()) {
    if (el.type() != pugi::node_element) continue;
    std::string_view ln = LocalName(el.name());
    std::string id = el.attribute("id").value();
    std::string name = el.attribute("name").value();
    if (ln == "inputData") {
      InputDataDef d{id, name, ResolveType(TypeRefOf(Child(el, "variable")), el)};
      m_->inputs_.push_back(std::move(d));
    } else if (ln == "decision") {
      DecisionDef d;
      d.id = id;
      d.name = name;
      d.type = ResolveType(TypeRefOf(Child(el, "variable")), el);
      d.offset = el.offset_debug();
      m_->decisions_.push_back(std::move(d));
      decision_nodes.push_back(el);
    } else if (ln == "businessKnowledgeModel") {
      BkmDef d;
      d.id = id;
      d.name = name;
      m_->bkms_.push_back(std::move(d));
      bkm_nodes.push_back(el);
    } else if (ln == "decisionService") {
      ServiceDef d;
      d.id = id;
      d.name = name;
      m_->services_.push_back(std::move(d));
      service_nodes.push_back(el);
    }
  }

  // Names a decision or BKM sees: its requirements, each bound to a slot.
  auto requirements = [&](const pugi::xml_node& el, feel::Scope& scope, std::vector<Binding>& bindings,
                          std::vector<int>* local_decisions) {
    auto add = [&](const pugi::xml_node& ref, std::set<ElemKind> kinds) {
      std::string declared;
      auto b = ResolveHref(ref.attribute("href").value(), std::move(kinds), ref, fatal, declared);
      if (!b) return;
      b->slot = scope.Declare(declared);
      if (local_decisions && b->kind == ElemKind::kDecision && b->model == m_.get())
        local_decisions->push_back(b->index);
      bindings.push_back(std::move(*b));
    };
    for (const auto& ir : Children(el, "informationRequirement")) {
      if (pugi::xml_node r = Child(ir, "requiredDecision")) add(r, {ElemKind::kDecision});
      if (pugi::xml_node r = Child(ir, "requiredInput")) add(r, {ElemKind::kInput});
    }
    for (const auto& kr : Children(el, "knowledgeRequirement"))
      if (pugi::xml_node r = Child(kr, "requiredKnowledge")) add(r, {ElemKind::kBkm, ElemKind::kService});
  };

  for (size_t i = 0; i < decision_nodes.size(); ++i) {
    const pugi::xml_node& el = decision_nodes[i];
    DecisionDef& d = m_->decisions_[i];
    feel::Scope scope = NewScope();
    requirements(el, scope, d.bindings, &d.local_requirements);
    for (const auto& b : d.bindings) d.frame_size = std::max(d.frame_size, static_cast<size_t>(b.slot) + 1);
    d.borrows = d.frame_size <= 64;
    for (size_t k = 0; k < d.bindings.size(); ++k)
      for (size_t j = 0; j < k; ++j)
        if (d.bindings[j].slot == d.bindings[k].slot) d.borrows = false;
    d.inputs_in_place = !d.bindings.empty() && std::all_of(d.bindings.begin(), d.bindings.end(), [&](const Binding& b) {
      return b.kind == ElemKind::kInput && b.model == m_.get() && b.import_path.empty() && b.slot == b.index &&
             static_cast<size_t>(b.index) < m_->inputs_.size();
    });
    pugi::xml_node body = FindExpressionChild(el);
    if (!body) {
      Warn(el, "decision '" + d.name + "' has no decision logic");
      d.body = nullptr;
    } else {
      d.body = CompileBoxed(body, scope, Site(el));
    }
  }
  for (size_t i = 0; i < bkm_nodes.size(); ++i) {
    const pugi::xml_node& el = bkm_nodes[i];
    BkmDef& b = m_->bkms_[i];
    feel::Scope scope = NewScope();
    requirements(el, scope, b.bindings, nullptr);
    pugi::xml_node logic = Child(el, "encapsulatedLogic");
    if (!logic) {
      Warn(el, "business knowledge model '" + b.name + "' has no encapsulated logic");
      b.fn = CompileFunctionDef(el, scope, Site(el));  // no parameters, null body
    } else {
      b.fn = CompileFunctionDef(logic, scope, Site(el));
    }
    // A function-typed variable (functionItem) gives the result type when the logic has none.
    TypePtr vt = ResolveType(TypeRefOf(Child(el, "variable")), el);
    if (!b.fn->result_type && vt && vt->kind == ItemType::Kind::kFunction && vt->function_result) {
      auto fn = std::make_shared<FunctionDef>(*b.fn);
      fn->result_type = vt->function_result;
      b.fn = fn;
    }
  }
  for (size_t i = 0; i < service_nodes.size(); ++i) {
    const pugi::xml_node& el = service_nodes[i];
    ServiceDef& s = m_->services_[i];
    if (TypePtr vt = ResolveType(TypeRefOf(Child(el, "variable")), el))
      s.result_type = vt->kind == ItemType::Kind::kFunction ? vt->function_result : vt;
    auto local = [&](const char* what, ElemKind kind, std::vector<int>& out) {
      for (const auto& r : Children(el, what)) {
        std::string declared;
        auto b = ResolveHref(r.attribute("href").value(), {kind}, r, fatal, declared);
        if (!b) continue;
        if (b->model != m_.get()) {
          fatal.push_back(Error(r, "decision services over imported elements are not supported"));
          continue;
        }
        out.push_back(b->index);
        if (kind != ElemKind::kDecision || std::string_view(what) == "inputDecision") s.params.push_back(declared);
      }
    };
    local("outputDecision", ElemKind::kDecision, s.outputs);
    local("inputData", ElemKind::kInput, s.input_data);
    local("inputDecision", ElemKind::kDecision, s.input_decisions);
  }

  // The decision requirements graph must be acyclic (DMN 1.5 §6.2.1).
  std::vector<int> state(m_->decisions_.size(), 0);  // 0 new, 1 on stack, 2 done
  std::function<bool(int)> visit = [&](int d) {
    if (state[static_cast<size_t>(d)] == 2) return true;
    if (state[static_cast<size_t>(d)] == 1) {
      fatal.push_back(Error(decision_nodes[static_cast<size_t>(d)],
                            "the decision requirements graph has a cycle through decision '" +
                                m_->decisions_[static_cast<size_t>(d)].name + "'"));
      return false;
    }
    state[static_cast<size_t>(d)] = 1;
    for (int r : m_->decisions_[static_cast<size_t>(d)].local_requirements)
      if (!visit(r)) return false;
    state[static_cast<size_t>(d)] = 2;
    return true;
  };
  for (size_t d = 0; d < m_->decisions_.size(); ++d)
    if (!visit(static_cast<int>(d))) break;
  for (InputDataDef& in : m_->inputs_) in.conform = ConformKindOf(in.type);
  for (DecisionDef& d : m_->decisions_) d.conform = ConformKindOf(d.type);
}

tl::expected<std::shared_ptr<ModelImpl>, Diags> Registry::Compile(const std::shared_ptr<Source>& src) {
  if (src->model) return src->model;
  if (src->loading) return tl::unexpected(Diags{FileError(src->file, "import cycle through '" + src->namespace_uri + "'")});
  src->loading = true;
  auto m = std::make_shared<ModelImpl>();
  Diags fatal;
  for (const auto& imp : Children(src->root, "import")) {
    std::string type = imp.attribute("importType").value();
    std::string ns = imp.attribute("namespace").value();
    if (!type.empty() && !IsDmnNamespace(type) && type.find("DMN") == std::string::npos) {
      ModelDiagnostic d = FileError(src->file, "import of type '" + type + "' ignored");
      m->diagnostics_.push_back(std::move(d));
      continue;
    }
    auto target = FindNamespace(ns);
    if (!target) {
      fatal.push_back(FileError(src->file, "imported namespace '" + ns + "' not found on the import paths"));
      continue;
    }
    auto compiled = Compile(target);
    if (!compiled) {
      for (auto& d : compiled.error()) fatal.push_back(std::move(d));
      continue;
    }
    m->imports_.push_back({imp.attribute("name").value(), ns, *compiled});
  }
  if (fatal.empty()) {
    Compiler c(*src, m);
    c.Run(fatal);
  }
  src->loading = false;
  if (!fatal.empty()) return tl::unexpected(std::move(fatal));
  src->model = m;
  return m;
}

}  // namespace
}  // namespace internal

namespace {

// The loaders' fatal problems as the shared error shape.
common::Errors ToErrors(const std::vector<ModelDiagnostic>& diags) {
  common::Errors out;
  out.reserve(diags.size());
  for (const auto& d : diags) out.push_back(d.ToError());
  return out;
}

}  // namespace

common::Result<std::vector<std::shared_ptr<const Model>>> LoadModels(std::span<const std::filesystem::path> paths,
                                                                     const LoadOptions& options) {
  internal::Registry reg(options);
  std::vector<std::shared_ptr<internal::Source>> mine;
  std::vector<ModelDiagnostic> errors;
  for (const auto& p : paths) {
    auto s = internal::ReadSource(p);
    if (!s) {
      errors.push_back(s.error());
      continue;
    }
    reg.Add(*s);
    mine.push_back(*s);
  }
  if (!paths.empty()) reg.AddSearchDir(paths.front().parent_path().empty() ? "." : paths.front().parent_path());
  if (!errors.empty()) return tl::unexpected(ToErrors(errors));
  std::vector<std::shared_ptr<const Model>> out;
  for (const auto& s : mine) {
    auto m = reg.Compile(s);
    if (!m) {
      for (auto& d : m.error()) errors.push_back(std::move(d));
      continue;
    }
    out.push_back(*m);
  }
  if (!errors.empty()) return tl::unexpected(ToErrors(errors));
  return out;
}

common::Result<std::shared_ptr<const Model>> LoadModel(const std::filesystem::path& path, const LoadOptions& options) {
  auto r = LoadModels(std::span<const std::filesystem::path>(&path, 1), options);
  if (!r) return tl::unexpected(std::move(r.error()));
  return r->front();
}

common::Result<std::shared_ptr<const Model>> LoadModelFromString(std::string_view xml, std::string_view file,
                                                                 const LoadOptions& options) {
  auto s = internal::ParseSource(std::string(xml), std::string(file));
  if (!s) return tl::unexpected(common::Errors{s.error().ToError()});
  internal::Registry reg(options);
  reg.Add(*s);
  auto m = reg.Compile(*s);
  if (!m) return tl::unexpected(ToErrors(m.error()));
  return std::shared_ptr<const Model>(*m);
}

}  // namespace zebra::dmn
