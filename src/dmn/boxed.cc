// Boxed expressions (DMN 1.5 §7.2, §10.2, and the DMN 1.5 boxed conditional, filter and
// iterators of §10.5): compiled once from XML, evaluated over slot vectors.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <new>
#include <string>

#include <pugixml.hpp>

#include "dmn/internal.h"
#include "feel/nodes.h"

namespace zebra::dmn::internal {

using feel::Type;
using feel::Value;

// ---- XML helpers -------------------------------------------------------------------------------

std::string_view LocalName(std::string_view qname) {
  size_t colon = qname.find(':');
  return colon == std::string_view::npos ? qname : qname.substr(colon + 1);
}

pugi::xml_node Child(const pugi::xml_node& node, std::string_view local) {
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling())
    if (c.type() == pugi::node_element && LocalName(c.name()) == local) return c;
  return {};
}

std::vector<pugi::xml_node> Children(const pugi::xml_node& node, std::string_view local) {
  std::vector<pugi::xml_node> out;
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling())
    if (c.type() == pugi::node_element && LocalName(c.name()) == local) out.push_back(c);
  return out;
}

namespace {
std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}
}  // namespace

std::string ChildText(const pugi::xml_node& node, std::string_view child) {
  pugi::xml_node t = Child(node, child);
  if (!t) return "";
  std::string text;
  for (pugi::xml_node c = t.first_child(); c; c = c.next_sibling())
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) text += c.value();
  return Trim(text);
}

std::string TypeRefOf(const pugi::xml_node& node) {
  if (pugi::xml_attribute a = node.attribute("typeRef")) return Trim(a.value());
  if (pugi::xml_node t = Child(node, "typeRef")) return Trim(t.text().get());
  return "";
}

void Report(const CompileSite& site, ptrdiff_t offset, std::string message, int rule, int column) {
  if (!site.diagnostics) return;
  ModelDiagnostic d;
  d.file = site.file;
  d.element_id = site.element_id;
  d.element_name = site.element_name;
  d.rule = rule;
  d.table_column = column;
  d.message = std::move(message);
  if (site.line_starts && offset >= 0) {
    const auto& ls = *site.line_starts;
    auto it = std::upper_bound(ls.begin(), ls.end(), static_cast<size_t>(offset));
    d.line = static_cast<int>(it - ls.begin());
    d.column = static_cast<int>(static_cast<size_t>(offset) - ls[static_cast<size_t>(d.line - 1)]) + 1;
  }
  site.diagnostics->push_back(std::move(d));
}

namespace {

// ---- nodes -------------------------------------------------------------------------------------

class ErrorBoxed final : public Boxed {
 public:
  explicit ErrorBoxed(std::string message) : message_(std::move(message)) {}
  Value Eval(std::span<const Value>, feel::EvalContext& ctx) const override { return ctx.Error(message_); }

 private:
  std::string message_;
};

class NullBoxed final : public Boxed {
 public:
  Value Eval(std::span<const Value>, feel::EvalContext&) const override { return Value(); }
};

class LiteralBoxed final : public Boxed {
 public:
  explicit LiteralBoxed(feel::CompiledExpression e) : expr_(std::move(e)) {}
  Value Eval(std::span<const Value> slots, feel::EvalContext& ctx) const override {
    return expr_.Evaluate(slots, ctx);
  }
  const feel::CompiledExpression& expr() const { return expr_; }

 private:
  feel::CompiledExpression expr_;
};

// Stands in for a function-valued context entry while it is being defined, so the function
// can call itself (its closure captures this forwarder). Holds the target weakly: the entry's
// value owns the function, and a cycle would leak every evaluation.
class ForwardingFunction final : public feel::Function {
 public:
  std::shared_ptr<std::weak_ptr<const feel::Function>> target = std::make_shared<std::weak_ptr<const feel::Function>>();
  std::span<const std::string> parameters() const override {
    if (auto t = target->lock()) return t->parameters();
    return {};
  }
  Value Call(std::span<const Value> args, feel::EvalContext& ctx) const override {
    if (auto t = target->lock()) return t->Call(args, ctx);
    return ctx.Error("function called before its definition completed");
  }
  Value CallNamed(std::span<const std::pair<std::string, Value>> args, feel::EvalContext& ctx) const override {
    if (auto t = target->lock()) return t->CallNamed(args, ctx);
    return ctx.Error("function called before its definition completed");
  }
};

struct ContextEntryDef {
  std::string name;
  int slot = -1;
  TypePtr type;
  ConformKind conform = ConformKind::kAll;  // of `type`
  BoxedPtr value;
  // `value`'s expression when it is a literal expression: evaluated without the virtual call.
  const feel::CompiledExpression* literal = nullptr;
  bool may_be_function = false;
  bool plain = false;  // a literal expression, no type, not a function: ContextBoxed's quick path
  // A plain entry's expression: its root's body, evaluated on the context's one frame
  // (CompiledExpression::Evaluate's steps, without its call and set-up), with `locals` locals of
  // its own in the context's locals area (null before the entry, reset to null after it, as
  // CompiledExpression::Evaluate's frame constructs and destroys them).
  const feel::internal::Node* body = nullptr;
  int locals = 0;
  // A function literal that captures nothing from its frame (EntryStep::Kind::kConst): its one
  // closure, made at load.
  Value constant;
};

// The slots one evaluation of a boxed context runs on: the caller's, then the context's, then
// the locals its plain entries' expressions declare (one area for all of them, see
// ContextEntryDef::locals). When the context writes none of the caller's slots
// (ContextBoxed::fresh), those are borrowed rather than copied (no reference count each way): the
// entries only read them, and anything that keeps one copies it.
using ContextFrame = ScratchArray<Value, 24>;

// One entry of a boxed context in its straight-line form (ContextBoxed::RunSteps), made at load:
// what ContextBoxed::Run's loop would test for the entry each time, decided once.
struct EntryStep {
  enum class Kind : uint8_t {
    kCall,        // the body's Eval, its value made in the slot itself; no locals
    kCallLocals,  // the same, then the body's locals reset to null
    kPath,        // a path read inline (PathValue), made in the slot itself; no locals
    kRead,        // another inline read (EvalOf: a name, a literal), made in the slot itself; no locals
    kSelf,        // a plain entry whose expression may read its own slot: evaluated beside it
    kGeneral,     // ContextBoxed::EvalEntry (typed, function-valued or not a literal expression)
    // A function literal whose closure captures no slot: the same function every time, so a
    // context run once per evaluation (a planned decision's body) copies the closure made at load
    // (ContextEntryDef::constant) instead of allocating one and freeing it at the end; run any
    // other way (nested, a BKM's body: it may run twice, and two closures of one evaluation
    // compare unequal), it is a kCall.
    kConst,
  };
  Kind kind = Kind::kGeneral;
  int locals = 0;                             // kCallLocals, kSelf
  const feel::internal::Node* body = nullptr;  // all but kGeneral
  uint32_t entry = 0;                          // the entry's index
};

// The frame of ContextBoxed::EvalInRoom, laid out in a room of the caller's in the ContextFrame's
// layout (the caller's slots, the context's, then the locals area): the caller's slots, put there
// by the caller (borrowed: never destroyed), the ones between them and the entries' made null,
// the entries' slots left unconstructed unless `null_entries` (each entry's value is made in its
// slot in order: only [first, end) hold values, which is all the destructor destroys), and the
// locals null (each entry resets its own: the destructor destroys them only when told that some
// may hold a value, MayHoldLocals). Afterwards the room holds raw (destroyed) values.
class StepFrame {
 public:
  StepFrame(Value* room, size_t n, size_t locals, size_t caller, size_t first, bool null_entries)
      : data_(room), first_(data_ + first), end(first_), locals_(data_ + n) {
    for (size_t i = caller; i < first; ++i) new (data_ + i) Value();
    if (null_entries)
      for (Value* v = first_; v != locals_; ++v) new (v) Value();
    for (size_t k = 0; k < locals; ++k) new (locals_ + k) Value();
  }
  [[gnu::always_inline]] ~StepFrame() {
    for (Value* v = first_; v != end; ++v) v->~Value();
    for (size_t k = 0; k < dirty_locals_; ++k)
      if (!locals_[k].is_null()) locals_[k].~Value();
  }
  StepFrame(const StepFrame&) = delete;
  StepFrame& operator=(const StepFrame&) = delete;
  Value* data() { return data_; }
  Value* locals() { return locals_; }
  // The entries' values were moved out (Context::RelocateValues): nothing of them to destroy.
  void Vacate() { end = first_; }
  // The first `n` locals may hold values (an entry stopped before resetting its locals, or the
  // result entry's expression ran).
  void MayHoldLocals(size_t n) { dirty_locals_ = n; }

 private:
  Value* const data_;
  Value* const first_;

 public:
  Value* end;  // past the last entry slot that holds a value

 private:
  Value* const locals_;
  size_t dirty_locals_ = 0;  // the locals the destructor looks at
};

class ContextBoxed final : public Boxed {
 public:
  std::vector<ContextEntryDef> entries;
  BoxedPtr result;  // the final entry without a variable
  size_t frame_size = 0;
  bool distinct_names = false;  // entries can be appended to the result unchecked
  const feel::ContextShape* shape = nullptr;  // the result's keys, when distinct and interned
  // The entries' slots are first_slot, first_slot + 1, ... in order, each new to the scope (no
  // entry re-declares a name the context sees): the context's values in order, written once each.
  bool contiguous = false;
  size_t first_slot = 0;
  size_t max_locals = 0;  // the most locals a plain entry's (or the result's) expression declares
  // The entries in their straight-line form (RunSteps), when they are contiguous and the context
  // has a result entry or a shape: one step each, in order.
  std::vector<EntryStep> steps;
  // Some entry runs through EvalEntry, whose callee may copy the whole frame (a boxed function,
  // iterator or context): every entry slot is made null first.
  bool steps_null_first = false;
  // The result entry's root body when it is a literal expression: evaluated on the frame (its
  // locals in the locals area, counted in max_locals), as LiteralBoxed::Eval would on a frame
  // of its own.
  const feel::internal::Node* result_body = nullptr;
  size_t result_locals = 0;

  Value Eval(std::span<const Value> slots, feel::EvalContext& ctx) const override {
    // With contiguous slots above every caller slot, the entries' slots start null and the
    // caller's are never written: each entry's value is put into its null slot, and the
    // caller's slots are borrowed.
    if (!steps.empty() && slots.size() <= first_slot) [[likely]] return RunSteps(slots, ctx);
    return EvalGeneral(slots, ctx);
  }

 private:
  [[gnu::noinline]] Value EvalGeneral(std::span<const Value> slots, feel::EvalContext& ctx) const {
    const bool fresh = contiguous && slots.size() <= first_slot;
    const size_t n = std::max(slots.size(), frame_size);
    ContextFrame local(n + max_locals, slots, fresh);
    if (fresh) return Run<true>(local, n, ctx);
    return Run<false>(local, n, ctx);
  }

  // Run<true>'s steps for a fresh context (slots.size() <= first_slot) with steps: the same
  // values, diagnostics and early return, with each entry's value made in its slot (no
  // temporary, no move) and no per-entry tests of what the entry is. An entry's slot need not
  // be null beforehand: an entry's expression reads only the slots of names in scope (the
  // caller's, and the entries before it, which hold their values), and one that may read its own
  // (kSelf) or hands the frame to a boxed expression (kGeneral) gets null slots as before.
  // (Out of line: a nested context's path; a decision's body context runs on its room.)
  [[gnu::noinline]] Value RunSteps(std::span<const Value> caller, feel::EvalContext& ctx) const {
    // A room on the stack (on the heap when large) with the caller's slots borrowed into it: their
    // bytes, without a reference count (the caller's slots outlive the call and are only read).
    constexpr size_t kInline = 24;
    const size_t size = frame_size + max_locals;
    alignas(Value) unsigned char inline_room[kInline * sizeof(Value)];
    struct Room {
      Value* values;
      bool heap;
      ~Room() {
        if (heap) ::operator delete(values);
      }
    } room{size <= kInline ? reinterpret_cast<Value*>(inline_room) : static_cast<Value*>(::operator new(size * sizeof(Value))),
           size > kInline};
    if (!caller.empty())
      std::memcpy(static_cast<void*>(room.values), static_cast<const void*>(caller.data()), caller.size() * sizeof(Value));
    return internal::EvalInRoom(*this, room.values, caller.size(), ctx, /*once=*/false);
  }

 public:
  // The room EvalInRoom needs for a caller of `caller` slots (0: it cannot run there).
  size_t RoomFor(size_t caller) const {
    return !steps.empty() && caller <= first_slot ? frame_size + max_locals : 0;
  }
  // Run<true>'s steps on the caller's room (RoomFor(caller) values, the first `caller` of them its
  // slots). (Inline in internal::EvalInRoom only: one copy, for RunSteps and RunPlanned.)
  // `once`: the context runs once per evaluation (kConst).
  [[gnu::always_inline]] Value EvalInRoom(Value* room, size_t caller, feel::EvalContext& ctx, bool once) const {
    StepFrame frame(room, frame_size, max_locals, caller, first_slot, steps_null_first);
    return RunStepsOn(frame, ctx, once);
  }

 private:
  [[gnu::always_inline]] Value RunStepsOn(StepFrame& frame, feel::EvalContext& ctx, bool once) const {
    const size_t n = frame_size;  // contiguous: the entries' slots end the frame
    feel::internal::Frame f;
    f.globals = std::span<const Value>(frame.data(), n);
    f.locals = frame.locals();
    f.ctx = &ctx;
    for (const EntryStep& s : steps) {
      Value* const slot = frame.end;
      if (s.kind == EntryStep::Kind::kCall) [[likely]] {
        new (slot) Value(s.body->Eval(f));
      } else {
        RunStep(s, slot, frame, n, f, once);
      }
      frame.end = slot + 1;
      if (ctx.limit_exceeded) [[unlikely]] {
        frame.MayHoldLocals(max_locals);
        return Value();
      }
    }
    if (result_body) {
      frame.MayHoldLocals(result_locals);
      return feel::internal::EvalOf(*result_body, f);
    }
    if (result) return result->Eval(f.globals, ctx);
    Value out = Shaped(std::span<Value>(frame.data(), n));
    frame.Vacate();  // Shaped moved every entry's value out
    return out;
  }

  // A step other than kCall: its value made in `slot` (constructed here, unless null already).
  [[gnu::always_inline]] void RunStep(const EntryStep& s, Value* slot, StepFrame& frame, size_t n,
                                      feel::internal::Frame& f, bool once) const {
    switch (s.kind) {
      case EntryStep::Kind::kConst:
        if (once) new (slot) Value(entries[s.entry].constant);
        else new (slot) Value(s.body->Eval(f));
        return;
      case EntryStep::Kind::kCall:
      case EntryStep::Kind::kCallLocals:
        new (slot) Value(s.body->Eval(f));
        break;
      // A path or a read declares no locals (MakeSteps gives these kinds only then): nothing to
      // reset after them.
      case EntryStep::Kind::kPath:
        new (slot) Value(feel::internal::PathValue(*s.body, f));
        return;
      case EntryStep::Kind::kRead:
        new (slot) Value(feel::internal::EvalOf(*s.body, f));
        return;
      case EntryStep::Kind::kSelf:
        // Null while the expression reads it, as in Run: the value is put in once computed.
        new (slot) Value();
        PutIntoNull(*slot, feel::internal::EvalOf(*s.body, f));
        break;
      case EntryStep::Kind::kGeneral:
        // (steps_null_first: the slot holds null)
        EvalEntry(entries[s.entry], std::span<Value>(frame.data(), n), *f.ctx);
        return;
    }
    // The locals the expression declared, back to null (as Run resets them).
    for (Value *v = f.locals, *end = f.locals + s.locals; v != end; ++v)
      if (!v->is_null()) *v = Value();
  }

  // The shaped context of the entries' values, moved out of their slots.
  [[gnu::noinline]] Value Shaped(std::span<Value> local) const {
    return feel::MakeContextValue(shape, [&](feel::Context& out) {  // the keys are the shape's
      if (contiguous) {
        out.RelocateValues(&local[first_slot], entries.size());
      } else {
        for (const auto& e : entries) out.EmplaceValue([&] { return std::move(local[static_cast<size_t>(e.slot)]); });
      }
    });
  }

  // One entry's value in its slot of `local`, coerced to the entry's type.
  [[gnu::noinline]] void EvalEntry(const ContextEntryDef& e, std::span<Value> local, feel::EvalContext& ctx) const {
    Value& slot = local[static_cast<size_t>(e.slot)];
    const std::span<const Value> frame(local.data(), local.size());
    std::shared_ptr<ForwardingFunction> fwd;
    if (e.may_be_function) [[unlikely]] {
      fwd = std::make_shared<ForwardingFunction>();
      slot = Value::FromFunction(fwd);
    }
    // The new value replaces the slot's only once computed: the entry may read the slot (a
    // function calling itself through `fwd`).
    slot = e.literal ? e.literal->Evaluate(frame, ctx) : e.value->Eval(frame, ctx);
    if (ctx.limit_exceeded) return;
    if (!Conforms(e.conform, e.type, slot)) [[unlikely]] {
      std::string err;
      auto c = Coerce(slot, e.type, err);
      if (!c) {
        ctx.Error("context entry '" + e.name + "': " + err);
        slot = Value();
      } else {
        slot = std::move(*c);
      }
    }
    if (fwd && slot.is(Type::kFunction)) *fwd->target = slot.function_ptr();
  }

  // The entries evaluated in `local` (the caller's slots, then this context's), then the result
  // entry or the context. Each entry's value stays in its slot for the entries after it; with a
  // result entry the slots are all the result needs, and with distinct names (a slot per entry,
  // written once) the context's values are the slots' final values, moved out at the end.
  // kFresh: every entry's slot holds null until its entry is evaluated (see Eval).
  // `n`: the slots (the caller's and the context's); the locals area follows them.
  template <bool kFresh>
  Value Run(ContextFrame& slots, size_t n, feel::EvalContext& ctx) const {
    const std::span<Value> local = slots.span().first(n);
    const std::span<const Value> frame(local.data(), local.size());
    if (result || shape) {
      feel::internal::Frame f;
      f.globals = frame;
      f.locals = slots.data() + n;
      f.ctx = &ctx;
      for (const auto& e : entries) {
        Value& slot = local[static_cast<size_t>(e.slot)];
        // EvalEntry's steps that apply.
        if (e.body) [[likely]] {
          if constexpr (kFresh) PutIntoNull(slot, feel::internal::EvalOf(*e.body, f));
          else slot = feel::internal::EvalOf(*e.body, f);
          for (int i = 0; i < e.locals; ++i) f.locals[i] = Value();
        } else if (e.plain) {
          if constexpr (kFresh) PutIntoNull(slot, e.literal->Evaluate(frame, ctx));
          else slot = e.literal->Evaluate(frame, ctx);
        } else {
          EvalEntry(e, local, ctx);
        }
        if (ctx.limit_exceeded) return Value();
      }
      if (result) return result->Eval(frame, ctx);
      Value out = Shaped(local);
      // Fresh slots are contiguous: Shaped moved every entry's value out, and the slots
      // between the caller's and the entries' were never written.
      if constexpr (kFresh) slots.Vacate();
      return out;
    }
    feel::Context out;
    out.Reserve(entries.size());
    for (const auto& e : entries) {
      EvalEntry(e, local, ctx);
      if (ctx.limit_exceeded) return Value();
      const Value& v = local[static_cast<size_t>(e.slot)];
      if (distinct_names) out.Append(e.name, v);
      else out.Put(e.name, v);
    }
    return Value::FromContext(std::move(out));
  }
};

class ListBoxed final : public Boxed {
 public:
  std::vector<BoxedPtr> items;
  Value Eval(std::span<const Value> slots, feel::EvalContext& ctx) const override {
    feel::List out;
    out.reserve(items.size());
    for (const auto& i : items) out.push_back(i->Eval(slots, ctx));
    return Value::FromList(std::move(out));
  }
};

class RelationBoxed final : public Boxed {
 public:
  std::vector<std::string> columns;
  const feel::ContextShape* shape = nullptr;  // the columns, when distinct and interned
  std::vector<std::vector<BoxedPtr>> rows;
  Value Eval(std::span<const Value> slots, feel::EvalContext& ctx) const override {
    feel::List out;
    for (const auto& row : rows) {
      feel::Context c(shape);
      for (size_t i = 0; i < columns.size(); ++i) {
        Value v = i < row.size() ? row[i]->Eval(slots, ctx) : Value();
        if (shape) c.AppendValue(std::move(v));
        else c.Put(columns[i], std::move(v));
      }
      out.push_back(Value::FromContext(std::move(c)));
    }
    return Value::FromList(std::move(out));
  }
};

class InvocationBoxed final : public Boxed {
 public:
  BoxedPtr callee;
  std::string callee_text;
  std::vector<std::pair<std::string, BoxedPtr>> bindings;
  Value Eval(std::span<const Value> slots, feel::EvalContext& ctx) const override {
    Value f = callee->Eval(slots, ctx);
    if (!f.is(Type::kFunction)) return ctx.Error("invocation: '" + callee_text + "' is not a function");
    std::vector<std::pair<std::string, Value>> args;
    args.reserve(bindings.size());
    for (const auto& [name, expr] : bindings) args.emplace_back(name, expr ? expr->Eval(slots, ctx) : Value());
    return f.function().CallNamed(args, ctx);
  }
};

class ConditionalBoxed final : public Boxed {
 public:
  BoxedPtr cond, then_branch, else_branch;
  Value Eval(std::span<const Value> slots, feel::EvalContext& ctx) const override {
    Value c = cond->Eval(slots, ctx);
    if (!c.is_null() && !c.is(Type::kBoolean)) return ctx.Error("conditional: 'if' is not a boolean");
    return c.is_true() ? then_branch->Eval(slots, ctx) : else_branch->Eval(slots, ctx);
  }
};

enum class IterKind : uint8_t { kFor, kSome, kEvery, kFilter };

class IteratorBoxed final : public Boxed {
 public:
  IterKind kind = IterKind::kFor;
  BoxedPtr domain, body;
  int var_slot = -1;
  size_t frame_size = 0;
  std::string label;

  Value Eval(std::span<const Value> slots, feel::EvalContext& ctx) const override {
    Value d = domain->Eval(slots, ctx);
    if (d.is_null()) return ctx.Error(label + ": the 'in' expression is null");
    feel::List items;
    if (d.is(Type::kList)) {
      items = d.list();
    } else {
      items.push_back(d);  // a single value iterates as a singleton list
    }
    std::vector<Value> local(slots.begin(), slots.end());
    if (local.size() < frame_size) local.resize(frame_size);
    feel::List out;
    bool any_true = false, all_true = true;
    for (const auto& item : items) {
      if (++ctx.iterations > ctx.max_iterations) {
        ctx.limit_exceeded = true;
        return ctx.Error("iteration limit exceeded");
      }
      local[static_cast<size_t>(var_slot)] = item;
      Value r = body->Eval(local, ctx);
      switch (kind) {
        case IterKind::kFor:
          out.push_back(r);
          break;
        case IterKind::kFilter:
          if (!r.is_null() && !r.is(Type::kBoolean)) return ctx.Error(label + ": 'match' is not a boolean");
          if (r.is_true()) out.push_back(item);
          break;
        case IterKind::kSome:
        case IterKind::kEvery:
          if (!r.is(Type::kBoolean)) return ctx.Error(label + ": 'satisfies' is not a boolean");
          any_true = any_true || r.boolean();
          all_true = all_true && r.boolean();
          break;
      }
    }
    if (kind == IterKind::kSome) return Value::Bool(any_true);
    if (kind == IterKind::kEvery) return Value::Bool(all_true);
    return Value::FromList(std::move(out));
  }
};

// A boxed functionDefinition evaluates to a closure over the current slots.
class BoxedFunction final : public feel::Function {
 public:
  BoxedFunction(std::shared_ptr<const FunctionDef> def, std::vector<Value> captured)
      : def_(std::move(def)), captured_(std::move(captured)) {}
  std::span<const std::string> parameters() const override { return def_->params; }
  Value Call(std::span<const Value> args, feel::EvalContext& ctx) const override {
    return CallFunctionDef(*def_, "function", captured_, args, ctx);
  }

 private:
  std::shared_ptr<const FunctionDef> def_;
  std::vector<Value> captured_;
};

class FunctionDefBoxed final : public Boxed {
 public:
  std::shared_ptr<const FunctionDef> def;
  Value Eval(std::span<const Value> slots, feel::EvalContext&) const override {
    return Value::FromFunction(std::make_shared<BoxedFunction>(def, std::vector<Value>(slots.begin(), slots.end())));
  }
};

// An expression with a typeRef: its value is coerced to that type (§10.3.2.9.4).
class TypedBoxed final : public Boxed {
 public:
  TypedBoxed(BoxedPtr inner, TypePtr type) : inner_(std::move(inner)), type_(std::move(type)) {}
  Value Eval(std::span<const Value> slots, feel::EvalContext& ctx) const override {
    Value v = inner_->Eval(slots, ctx);
    std::string err;
    auto c = Coerce(v, type_, err);
    if (!c) return ctx.Error(err);
    return *c;
  }

 private:
  BoxedPtr inner_;
  TypePtr type_;
};

BoxedPtr CompileUntyped(const pugi::xml_node& node, const feel::Scope& scope, const CompileSite& site);

BoxedPtr Fail(const CompileSite& site, const pugi::xml_node& node, std::string message) {
  Report(site, node.offset_debug(), message);
  return std::make_shared<ErrorBoxed>(std::move(message));
}

BoxedPtr CompileLiteral(const pugi::xml_node& node, const feel::Scope& scope, const CompileSite& site) {
  std::string lang = node.attribute("expressionLanguage").value();
  if (!lang.empty() && lang.find("FEEL") == std::string::npos && lang.find("feel") == std::string::npos)
    return Fail(site, node, "unsupported expression language '" + lang + "'");
  std::string text = ChildText(node);
  if (text.empty()) return std::make_shared<NullBoxed>();
  auto e = feel::CompileExpression(text, scope);
  if (!e) {
    std::string msg = "FEEL error in '" + text.substr(0, 120) + "': " + e.error().message;
    return Fail(site, node, msg);
  }
  return std::make_shared<LiteralBoxed>(std::move(*e));
}

// The expression of a wrapper element such as <in>, <then>, <binding>.
BoxedPtr CompileWrapped(const pugi::xml_node& wrapper, const feel::Scope& scope, const CompileSite& site,
                        std::string_view what, const pugi::xml_node& owner) {
  if (!wrapper) return Fail(site, owner, "missing <" + std::string(what) + ">");
  pugi::xml_node e = FindExpressionChild(wrapper);
  if (!e) return Fail(site, wrapper, "<" + std::string(what) + "> has no expression");
  return CompileBoxed(e, scope, site);
}

// Whether a literal entry's expression may read the entry's own slot (its name is declared
// before the expression is compiled, so that a function can call itself). The name's first word
// is in the text of any expression that names it (Reads, which walks the tree, function bodies
// included, only for those: load time).
bool MayReadOwnSlot(const ContextEntryDef& e) {
  const std::string_view first_word = std::string_view(e.name).substr(0, e.name.find_first_of(" \t\r\n"));
  if (e.literal->source().find(first_word) == std::string::npos) return false;
  const feel::ExpressionReads reads = e.literal->Reads();
  if (!reads.complete) return true;
  for (const auto& r : reads.names)
    if (r.slot == e.slot) return true;
  return false;
}

// For a plain entry (not reading its own slot) whose expression is a function literal
// capturing no slot of its frame: its closure, made once (EntryStep::Kind::kConst). Such a closure
// holds only its definition (FunctionDefNode::Eval reads the frame for captured slots alone) and
// its calls change nothing in it, so threads and cases may share it.
bool MakeConstant(ContextEntryDef& e) {
  const auto* fn = dynamic_cast<const feel::internal::FunctionDefNode*>(e.body);
  if (!fn || !fn->captured_globals.empty() || !fn->captured_locals.empty()) return false;
  feel::EvalContext ctx;
  feel::internal::Frame f;
  f.ctx = &ctx;
  Value v = fn->Eval(f);
  if (!v.is(Type::kFunction) || !ctx.diagnostics().empty()) return false;
  e.constant = std::move(v);
  return true;
}

// The straight-line form of a contiguous context's entries (ContextBoxed::steps).
void MakeSteps(ContextBoxed& c) {
  using Kind = EntryStep::Kind;
  using Direct = feel::internal::Node::Direct;
  for (size_t i = 0; i < c.entries.size(); ++i) {
    const ContextEntryDef& e = c.entries[i];
    EntryStep s;
    s.entry = static_cast<uint32_t>(i);
    if (!e.body) {
      s.kind = Kind::kGeneral;
      c.steps_null_first = true;
      c.steps.push_back(s);
      continue;
    }
    s.body = e.body;
    s.locals = e.locals;
    // Made in its slot only when the expression cannot read that slot (its own name, declared
    // before it was compiled, reads null until the value is in): a value under construction
    // there must not be seen.
    const bool self = MayReadOwnSlot(e);
    const Direct d = e.body->direct;
    const bool inline_read = d == Direct::kGlobal || d == Direct::kLocal || d == Direct::kLiteral;
    if (self) s.kind = Kind::kSelf;
    // (A function literal's parameters are locals of its expression, but the closure's
    // evaluation writes none of them: its calls have frames of their own.)
    else if (MakeConstant(c.entries[i])) s.kind = Kind::kConst;
    else if (e.locals != 0) s.kind = Kind::kCallLocals;  // (not expected of a path or a read)
    else if (d == Direct::kPath) s.kind = Kind::kPath;
    else if (inline_read) s.kind = Kind::kRead;
    else s.kind = Kind::kCall;
    c.steps.push_back(s);
  }
  if (const auto* lit = dynamic_cast<const LiteralBoxed*>(c.result.get())) {
    const auto* root = dynamic_cast<const feel::internal::Root*>(lit->expr().root());
    if (root && root->body) {
      c.result_body = root->body.get();
      c.result_locals = static_cast<size_t>(root->locals);
      c.max_locals = std::max(c.max_locals, static_cast<size_t>(root->locals));
    }
  }
}

BoxedPtr CompileContext(const pugi::xml_node& node, const feel::Scope& scope, const CompileSite& site) {
  auto out = std::make_shared<ContextBoxed>();
  feel::Scope inner = scope;
  for (const auto& entry : Children(node, "contextEntry")) {
    pugi::xml_node var = Child(entry, "variable");
    pugi::xml_node expr = FindExpressionChild(entry);
    if (!var) {
      out->result = expr ? CompileBoxed(expr, inner, site) : std::make_shared<NullBoxed>();
      continue;  // the result entry (normally last)
    }
    ContextEntryDef d;
    d.name = var.attribute("name").value();
    d.type = site.resolve_type(TypeRefOf(var));
    d.conform = ConformKindOf(d.type);
    // Declared before its value is compiled so a function entry can call itself.
    d.slot = inner.Declare(d.name);
    if (expr) {
      std::string_view ln = LocalName(expr.name());
      d.may_be_function = ln == "functionDefinition" ||
                          (ln == "literalExpression" && ChildText(expr).rfind("function", 0) == 0);
      d.value = CompileBoxed(expr, inner, site);
      if (auto* lit = dynamic_cast<const LiteralBoxed*>(d.value.get())) d.literal = &lit->expr();
      // A function literal that never names its entry cannot call itself: it needs no forwarder
      // (EvalEntry), and is evaluated as any other literal (the closure it makes captures only
      // the slots its body names, none of them its own).
      if (d.may_be_function && d.literal && !MayReadOwnSlot(d)) d.may_be_function = false;
      d.plain = d.literal && !d.type && !d.may_be_function;
      const auto* root = d.plain ? dynamic_cast<const feel::internal::Root*>(d.literal->root()) : nullptr;
      if (root) {
        d.body = root->body.get();
        d.locals = root->locals;
        out->max_locals = std::max(out->max_locals, static_cast<size_t>(root->locals));
      }
    } else {
      d.value = std::make_shared<NullBoxed>();
    }
    out->entries.push_back(std::move(d));
  }
  out->frame_size = inner.size();
  // Contiguous: each entry took a new slot, in order (Declare gives a name already in scope its
  // old slot), so the first is the scope's size before the entries.
  out->first_slot = scope.size();
  out->contiguous = !out->entries.empty() && out->frame_size == scope.size() + out->entries.size();
  for (size_t i = 0; i < out->entries.size(); ++i)
    if (static_cast<size_t>(out->entries[i].slot) != out->first_slot + i) out->contiguous = false;
  out->distinct_names = true;
  for (size_t i = 0; i < out->entries.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (out->entries[i].name == out->entries[j].name) out->distinct_names = false;
  if (out->distinct_names && !out->result) {
    std::vector<std::string> names;
    names.reserve(out->entries.size());
    for (const auto& e : out->entries) names.push_back(e.name);
    out->shape = feel::ContextShape::Intern(names);
  }
  if (out->contiguous && (out->result || out->shape)) MakeSteps(*out);
  return out;
}

BoxedPtr CompileIterator(const pugi::xml_node& node, IterKind kind, const feel::Scope& scope, const CompileSite& site) {
  auto out = std::make_shared<IteratorBoxed>();
  out->kind = kind;
  out->label = LocalName(node.name());
  out->domain = CompileWrapped(Child(node, "in"), scope, site, "in", node);
  feel::Scope inner = scope;
  std::string var = kind == IterKind::kFilter ? "item" : node.attribute("iteratorVariable").value();
  if (var.empty()) return Fail(site, node, "missing iteratorVariable");
  out->var_slot = inner.Declare(var);
  std::string_view body_name = kind == IterKind::kFor      ? "return"
                               : kind == IterKind::kFilter ? "match"
                                                           : "satisfies";
  out->body = CompileWrapped(Child(node, body_name), inner, site, body_name, node);
  out->frame_size = inner.size();
  return out;
}

}  // namespace

size_t RoomFor(const Boxed& body, size_t caller) {
  const auto* c = dynamic_cast<const ContextBoxed*>(&body);
  return c ? c->RoomFor(caller) : 0;
}

// Flattened: with the steps' loop in it GCC otherwise left the empty shared_ptr of
// Value::PointerOwned (each path read's copy) as an out-of-line destructor call, ~29 a case.
[[gnu::flatten]] Value EvalInRoom(const Boxed& body, Value* room, size_t caller, feel::EvalContext& ctx, bool once) {
  return static_cast<const ContextBoxed&>(body).EvalInRoom(room, caller, ctx, once);
}

bool IsExpressionElement(const pugi::xml_node& c) {
  static constexpr std::string_view kKinds[] = {
      "literalExpression", "context", "decisionTable", "relation", "list", "invocation", "functionDefinition",
      "conditional", "filter", "for", "some", "every", "expression"};
  if (c.type() != pugi::node_element) return false;
  std::string_view ln = LocalName(c.name());
  return std::find(std::begin(kKinds), std::end(kKinds), ln) != std::end(kKinds);
}

pugi::xml_node FindExpressionChild(const pugi::xml_node& node) {
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling())
    if (IsExpressionElement(c)) return c;
  return {};
}

std::shared_ptr<const FunctionDef> CompileFunctionDef(const pugi::xml_node& node, const feel::Scope& scope,
                                                      const CompileSite& site) {
  auto def = std::make_shared<FunctionDef>();
  if (pugi::xml_attribute k = node.attribute("kind")) def->kind = k.value();
  feel::Scope inner = scope;
  for (const auto& p : Children(node, "formalParameter")) {
    std::string name = p.attribute("name").value();
    def->params.push_back(name);
    def->param_slots.push_back(inner.Declare(name));
    def->param_types.push_back(site.resolve_type(TypeRefOf(p)));
  }
  def->result_type = site.resolve_type(TypeRefOf(node));
  if (def->kind != "FEEL" && !def->kind.empty()) {
    def->body = std::make_shared<ErrorBoxed>("function kind '" + def->kind + "' is not supported");
  } else if (pugi::xml_node body = FindExpressionChild(node)) {
    def->body = CompileBoxed(body, inner, site);
  } else {
    def->body = std::make_shared<NullBoxed>();
  }
  def->frame_size = inner.size();
  return def;
}

Value CallFunctionDef(const FunctionDef& def, std::string_view name, std::span<const Value> captured,
                      std::span<const Value> args, feel::EvalContext& ctx) {
  if (args.size() != def.params.size())
    return ctx.Error(std::string(name) + " expects " + std::to_string(def.params.size()) + " argument(s), got " +
                     std::to_string(args.size()));
  if (++ctx.depth > ctx.max_depth) {
    --ctx.depth;
    ctx.limit_exceeded = true;
    return ctx.Error("call depth limit exceeded");
  }
  std::vector<Value> local(captured.begin(), captured.end());
  if (local.size() < def.frame_size) local.resize(def.frame_size);
  for (size_t i = 0; i < args.size(); ++i) {
    Value a = args[i];
    if (def.param_types[i]) {
      std::string err;
      auto c = Coerce(a, def.param_types[i], err);
      if (!c) {
        // A non-conforming argument makes the invocation an error (§10.3.2.9.4).
        --ctx.depth;
        return ctx.Error(std::string(name) + ": parameter '" + def.params[i] + "': " + err);
      }
      a = *c;
    }
    local[static_cast<size_t>(def.param_slots[i])] = a;
  }
  Value r = def.body->Eval(local, ctx);
  --ctx.depth;
  if (def.result_type) {
    std::string err;
    auto c = Coerce(r, def.result_type, err);
    if (!c) return ctx.Error(std::string(name) + ": result: " + err);
    r = *c;
  }
  return r;
}

BoxedPtr CompileBoxed(const pugi::xml_node& node, const feel::Scope& scope, const CompileSite& site) {
  // Hostile models may nest boxed expressions arbitrarily deep; compilation recurses.
  constexpr int kMaxNesting = 200;
  if (site.boxed_nesting >= kMaxNesting) return Fail(site, node, "boxed expressions nested too deeply");
  ++site.boxed_nesting;
  BoxedPtr b = CompileUntyped(node, scope, site);
  --site.boxed_nesting;
  if (!node) return b;
  // Function definitions carry their result type themselves.
  if (LocalName(node.name()) == "functionDefinition") return b;
  if (TypePtr t = site.resolve_type(TypeRefOf(node))) return std::make_shared<TypedBoxed>(std::move(b), std::move(t));
  return b;
}

namespace {

BoxedPtr CompileUntyped(const pugi::xml_node& node, const feel::Scope& scope, const CompileSite& site) {
  if (!node) return std::make_shared<NullBoxed>();
  std::string_view ln = LocalName(node.name());
  if (ln == "literalExpression") return CompileLiteral(node, scope, site);
  if (ln == "context") return CompileContext(node, scope, site);
  if (ln == "decisionTable") return CompileDecisionTable(node, scope, site);
  if (ln == "list") {
    auto out = std::make_shared<ListBoxed>();
    for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling())
      if (IsExpressionElement(c)) out->items.push_back(CompileBoxed(c, scope, site));
    return out;
  }
  if (ln == "relation") {
    auto out = std::make_shared<RelationBoxed>();
    for (const auto& col : Children(node, "column")) out->columns.push_back(col.attribute("name").value());
    for (const auto& row : Children(node, "row")) {
      std::vector<BoxedPtr> cells;
      for (pugi::xml_node c = row.first_child(); c; c = c.next_sibling())
        if (IsExpressionElement(c)) cells.push_back(CompileBoxed(c, scope, site));
      if (cells.size() != out->columns.size())
        Report(site, row.offset_debug(),
               "relation row has " + std::to_string(cells.size()) + " cells for " + std::to_string(out->columns.size()) +
                   " columns");
      out->rows.push_back(std::move(cells));
    }
    out->shape = feel::ContextShape::Intern(out->columns);
    return out;
  }
  if (ln == "invocation") {
    auto out = std::make_shared<InvocationBoxed>();
    pugi::xml_node callee = FindExpressionChild(node);
    if (!callee) return Fail(site, node, "invocation without a called function");
    out->callee_text = ChildText(callee);
    out->callee = CompileBoxed(callee, scope, site);
    for (const auto& b : Children(node, "binding")) {
      std::string pname = Child(b, "parameter").attribute("name").value();
      pugi::xml_node e = FindExpressionChild(b);
      out->bindings.emplace_back(pname, e ? CompileBoxed(e, scope, site) : nullptr);
    }
    return out;
  }
  if (ln == "functionDefinition") {
    auto out = std::make_shared<FunctionDefBoxed>();
    out->def = CompileFunctionDef(node, scope, site);
    return out;
  }
  if (ln == "conditional") {
    auto out = std::make_shared<ConditionalBoxed>();
    out->cond = CompileWrapped(Child(node, "if"), scope, site, "if", node);
    out->then_branch = CompileWrapped(Child(node, "then"), scope, site, "then", node);
    out->else_branch = CompileWrapped(Child(node, "else"), scope, site, "else", node);
    return out;
  }
  if (ln == "filter") return CompileIterator(node, IterKind::kFilter, scope, site);
  if (ln == "for") return CompileIterator(node, IterKind::kFor, scope, site);
  if (ln == "some") return CompileIterator(node, IterKind::kSome, scope, site);
  if (ln == "every") return CompileIterator(node, IterKind::kEvery, scope, site);
  return Fail(site, node, "unsupported expression element <" + std::string(ln) + ">");
}

}  // namespace

}  // namespace zebra::dmn::internal
