// Internal: the compiled form of a DMN model (types, boxed expressions, decision tables) shared
// by the loader and the evaluator. Not part of the public API.
#pragma once

#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <span>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "dmn/model.h"
#include "feel/feel.h"
#include "feel/frame_memory.h"
#include "feel/types.h"

namespace zebra::dmn::internal {

// ---- types (item definitions and built-in type references) ---------------------------------

struct ItemType;
using TypePtr = std::shared_ptr<const ItemType>;

// One DMN type: a built-in FEEL type, a structure of components, a reference to another item
// definition (`base`), or a function; optionally a collection of that, with allowed values.
struct ItemType {
  enum class Kind : uint8_t { kAny, kBuiltin, kStructure, kFunction };
  std::string name;
  Kind kind = Kind::kAny;
  feel::TypeSpec builtin;                                   // kBuiltin
  std::vector<std::pair<std::string, TypePtr>> components;  // kStructure
  TypePtr base;                                             // typeRef to another item definition
  TypePtr function_result;                                  // kFunction: functionItem outputTypeRef
  bool is_collection = false;
  // allowedValues: unary tests every (element) value must satisfy.
  std::optional<feel::CompiledUnaryTests> allowed;
  // DMN 1.5 typeConstraint: unary tests on the whole value.
  std::optional<feel::CompiledUnaryTests> constraint;
};

// DMN 1.5 §10.3.2.9.4: conforming values pass (with singleton-list conversions applied);
// non-conforming values yield nullopt and `error` says why. A null type accepts anything.
std::optional<feel::Value> Coerce(const feel::Value& v, const TypePtr& type, std::string& error);
// True when Coerce would give `v` itself (null, no type, or a plain built-in type that `v` has):
// callers then keep `v` without a copy.
// Inline (forced: GCC kept it out of line): it runs for every input datum and decision result of
// every case.
[[gnu::always_inline]] inline bool ConformsAsIs(const feel::Value& v, const TypePtr& type) {
  if (!type || v.is_null()) return true;
  // A plain built-in type and a value of that type (the general path gives the same answer).
  const ItemType& t = *type;
  if (t.kind != ItemType::Kind::kBuiltin || t.base || t.is_collection || t.allowed || t.constraint ||
      v.is(feel::Type::kList))
    return false;
  // feel::IsInstance's answers for a non-null value, for the common kinds without the call.
  switch (t.builtin.kind) {
    case feel::TypeSpec::Kind::kAny: return true;
    case feel::TypeSpec::Kind::kNumber: return v.is(feel::Type::kNumber);
    case feel::TypeSpec::Kind::kString: return v.is(feel::Type::kString);
    case feel::TypeSpec::Kind::kBoolean: return v.is(feel::Type::kBoolean);
    default: return feel::IsInstance(v, t.builtin);
  }
}

// What ConformsAsIs needs of a type, found once at load: no type (every value conforms), a plain
// built-in number, string, boolean or Any (a value conforms when it is null or of that type; for
// Any, when it is no list), or anything else (ConformsAsIs decides).
enum class ConformKind : uint8_t { kAll, kNumber, kString, kBoolean, kAnyButList, kGeneral };

inline ConformKind ConformKindOf(const TypePtr& type) {
  if (!type) return ConformKind::kAll;
  const ItemType& t = *type;
  if (t.kind != ItemType::Kind::kBuiltin || t.base || t.is_collection || t.allowed || t.constraint)
    return ConformKind::kGeneral;
  switch (t.builtin.kind) {
    case feel::TypeSpec::Kind::kAny: return ConformKind::kAnyButList;
    case feel::TypeSpec::Kind::kNumber: return ConformKind::kNumber;
    case feel::TypeSpec::Kind::kString: return ConformKind::kString;
    case feel::TypeSpec::Kind::kBoolean: return ConformKind::kBoolean;
    default: return ConformKind::kGeneral;
  }
}

// ConformsAsIs(v, type), with `kind` = ConformKindOf(type).
[[gnu::always_inline]] inline bool Conforms(ConformKind kind, const TypePtr& type, const feel::Value& v) {
  switch (kind) {
    case ConformKind::kAll: return true;
    case ConformKind::kNumber: return v.is_null() || v.is(feel::Type::kNumber);
    case ConformKind::kString: return v.is_null() || v.is(feel::Type::kString);
    case ConformKind::kBoolean: return v.is_null() || v.is(feel::Type::kBoolean);
    case ConformKind::kAnyButList: return !v.is(feel::Type::kList);
    case ConformKind::kGeneral: break;
  }
  return ConformsAsIs(v, type);
}

// A buffer of `n` values on the stack when few enough (else on the heap), so evaluating a table
// or a context allocates nothing for its values. Only the `n` values asked for are constructed.
// The one frame type of the DMN evaluator: tables' inputs and outputs, decisions' and boxed
// contexts' slots.
template <typename T, size_t kInline>
class ScratchArray {
 public:
  explicit ScratchArray(size_t n) : n_(n), live_(n), data_(Allocate(n)) {
    for (size_t i = 0; i < n; ++i) new (data_ + i) T();
  }
  // The first values copied from `init` (init.size() <= n), or with `borrow` borrowed from it
  // (T::Borrow, a feel::Value's bytes without a reference count: `init` must outlive the array,
  // and a borrowed value is left as it is, never destroyed); the rest default.
  ScratchArray(size_t n, std::span<const T> init, bool borrow) : n_(n), live_(n), data_(Allocate(n)) {
    size_t i = 0;
    if (borrow) {
      for (; i < init.size(); ++i) {
        new (data_ + i) T();
        data_[i].Borrow(init[i]);
      }
      borrowed_ = i;
    } else {
      for (; i < init.size(); ++i) new (data_ + i) T(init[i]);
    }
    for (; i < n; ++i) new (data_ + i) T();
  }
  ~ScratchArray() {
    if constexpr (!std::is_trivially_destructible_v<T>)
      for (size_t i = borrowed_; i < live_; ++i) data_[i].~T();
    if (n_ > kInline) feel::FreeFrameMemory(data_, n_ * sizeof(T));
  }
  ScratchArray(const ScratchArray&) = delete;
  ScratchArray& operator=(const ScratchArray&) = delete;
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T* data() { return data_; }
  size_t size() const { return n_; }
  std::span<T> span() { return std::span<T>(data_, n_); }
  // Every value past the borrowed ones is default (moved out, or never written): none needs
  // destroying.
  void Vacate() { live_ = borrowed_; }

 private:
  // A frame too big for the stack takes the thread's frame memory (feel/frame_memory.h: given
  // back at the end of its evaluation, taken again by the next case's without a heap call).
  T* Allocate(size_t n) {
    return n <= kInline ? reinterpret_cast<T*>(inline_) : static_cast<T*>(feel::AllocateFrameMemory(n * sizeof(T)));
  }
  size_t n_;
  size_t live_;          // the values below this may own something
  size_t borrowed_ = 0;  // the first values, borrowed (never destroyed)
  T* data_;
  alignas(T) unsigned char inline_[kInline * sizeof(T)];
};

// `v` as the value of `slot`, which holds null: its bytes moved in (Context::RelocateValues),
// without a move-assignment's tests of what the slot held.
[[gnu::always_inline]] inline void PutIntoNull(feel::Value& slot, feel::Value&& v) {
  std::memcpy(static_cast<void*>(&slot), static_cast<const void*>(&v), sizeof(feel::Value));
  v.Unborrow();
}

// ---- boxed expressions ------------------------------------------------------------------------

// Slot vectors: every boxed expression is compiled against a feel::Scope; nested scopes
// (context entries, iterator variables, parameters) extend a copy of the parent scope and
// evaluate on a copy of the parent slots, so shadowing never clobbers the outer values.
class Boxed {
 public:
  virtual ~Boxed() = default;
  virtual feel::Value Eval(std::span<const feel::Value> slots, feel::EvalContext& ctx) const = 0;
};
using BoxedPtr = std::shared_ptr<const Boxed>;

// A decision's body that can run on a room its caller lays out (RunPlanned), rather than copy
// the caller's slots into a frame of its own: a boxed context of straight-line steps whose
// entries' slots follow the caller's `caller` slots. The room's size in values (the caller's
// slots, the context's, its locals), or 0 when `body` is no such context.
size_t RoomFor(const Boxed& body, size_t caller);
// body's value (RoomFor(body, caller) != 0) evaluated on `room`, whose first `caller` values are
// the caller's slots (read only, left as they are); the others are raw and left raw (destroyed
// values) afterwards, so the room serves the next evaluation as it is. `once`: body runs once per
// evaluation (a planned decision's body), so its function entries that capture nothing may share
// one closure made at load.
feel::Value EvalInRoom(const Boxed& body, feel::Value* room, size_t caller, feel::EvalContext& ctx, bool once);

// Where diagnostics of the element being compiled go.
struct CompileSite {
  std::string file;
  std::string element_id;
  std::string element_name;
  std::vector<ModelDiagnostic>* diagnostics = nullptr;
  const std::vector<size_t>* line_starts = nullptr;  // offsets of line starts in the source
  // Resolves a typeRef (item definition, imported item definition or built-in) to a type; an
  // empty name or unknown name yields null (Any).
  std::function<TypePtr(std::string_view)> resolve_type;
  // Boxed expressions being compiled inside one another for this element (hostile models may
  // nest them arbitrarily deep; CompileBoxed refuses past a bound).
  mutable int boxed_nesting = 0;
};

// A reported error at the XML node `node` (offset into the source) with optional rule/column.
void Report(const CompileSite& site, ptrdiff_t offset, std::string message, int rule = 0, int column = 0);

}  // namespace zebra::dmn::internal

namespace pugi {
class xml_node;
}

namespace zebra::dmn::internal {

// Compiles the boxed expression element `node` (literalExpression, context, decisionTable, ...)
// against `scope`. Never fails: problems are reported to `site` and compile to an expression
// that evaluates to null with an error.
BoxedPtr CompileBoxed(const pugi::xml_node& node, const feel::Scope& scope, const CompileSite& site);
bool IsExpressionElement(const pugi::xml_node& node);
// The first child element of `node` that is a boxed expression, or an empty node.
pugi::xml_node FindExpressionChild(const pugi::xml_node& node);
// A boxed function (BKM encapsulated logic or functionDefinition): parameters bound to new
// slots of a copy of `scope`.
struct FunctionDef {
  std::string kind = "FEEL";
  std::vector<std::string> params;
  std::vector<int> param_slots;
  std::vector<TypePtr> param_types;
  TypePtr result_type;
  BoxedPtr body;
  size_t frame_size = 0;
};
std::shared_ptr<const FunctionDef> CompileFunctionDef(const pugi::xml_node& node, const feel::Scope& scope,
                                                      const CompileSite& site);
// Calls a compiled function with positional arguments over captured slots.
feel::Value CallFunctionDef(const FunctionDef& def, std::string_view name, std::span<const feel::Value> captured,
                            std::span<const feel::Value> args, feel::EvalContext& ctx);

// Decision tables (decision_table.cc).
BoxedPtr CompileDecisionTable(const pugi::xml_node& node, const feel::Scope& scope, const CompileSite& site);

// One evaluation's frame (Model::Evaluate, InvokeService), reached through EvalContext::host by
// everything the evaluation runs, decisions inside decision services included.
struct EvalFrame final : feel::HostFrame {
  std::vector<TraceEntry>* trace = nullptr;  // fired rules; null when not tracing
  bool annotations = true;                   // copy each fired rule's annotations into its entry
  int service_nesting = 0;                   // decision services running, innermost counted
  // FEEL call depth at which the decisions now being evaluated were reached: each decision
  // starts its EvalContext there, so FEEL's depth limit sees calls through decision services.
  int depth = 0;
};
inline EvalFrame* FrameOf(const feel::EvalContext& ctx) { return static_cast<EvalFrame*>(ctx.host); }

// Local name of an XML element or attribute ("dmn:decision" → "decision").
std::string_view LocalName(std::string_view qname);
// The text of the <text> child (literal expressions, unary tests), trimmed.
std::string ChildText(const pugi::xml_node& node, std::string_view child = "text");
pugi::xml_node Child(const pugi::xml_node& node, std::string_view local);
std::vector<pugi::xml_node> Children(const pugi::xml_node& node, std::string_view local);
// typeRef of an element: attribute (DMN 1.2+) or <typeRef> child (DMN 1.1).
std::string TypeRefOf(const pugi::xml_node& node);

// Model::Describe()'s content, from the <definitions> element and its source text (for lines).
ModelDescription DescribeDefinitions(const pugi::xml_node& root, std::string_view source, const std::string& file);

}  // namespace zebra::dmn::internal
