// Internal: the compiled form of FEEL expressions. Names are resolved to slots at compile time;
// each node evaluates itself against a Frame. Not part of the public API.
#pragma once

#include <memory>
#include <new>
#include <span>
#include <string>
#include <vector>

#include "feel/types.h"
#include "feel/value.h"

namespace zebra::feel::internal {

struct Frame {
  std::span<const Value> globals;
  Value* locals = nullptr;
  EvalContext* ctx = nullptr;
  // Innermost filter item whose context entries are implicitly in scope (DMN 1.5 §10.3.2.5).
  const Value* item = nullptr;
  const Frame* outer_item_frame = nullptr;
};

// A condition's answer as `if`, `and`, `or` read it: true, false, or anything else (null or a
// value that is not a boolean). See Node::EvalVerdict (verdicts.cc).
enum class Verdict : uint8_t { kFalse, kTrue, kOther };

struct Node : std::enable_shared_from_this<Node> {
  // Nodes whose value callers may read without a virtual call (EvalRefOf, EvalOf in nodes.h): a
  // global or local name outside any filter (inside one, a filter item's entry may shadow it) is
  // its slot, a literal its value.
  // Inside a filter a name is kShadowedGlobal or kShadowedLocal: a path over it (`item.id`)
  // looks in the filter items first and then reads the slot, inline (PathNode::EvalRef). A node
  // without an EvalRef of its own is kEvalOnly, so EvalRefOf calls its Eval straight away; the
  // kinds that borrow (paths, filters, names, literals, Root) say otherwise in their constructors
  // or in the parser. A path (kPath) is read inline by its reader (path_read.h).
  enum class Direct : uint8_t { kNone, kGlobal, kLocal, kLiteral, kShadowedGlobal, kShadowedLocal, kEvalOnly, kPath };
  Direct direct = Direct::kEvalOnly;
  int direct_slot = 0;  // kGlobal, kLocal, kShadowedGlobal, kShadowedLocal
  int line = 0;
  int column = 0;
  virtual ~Node() = default;
  virtual Value Eval(Frame& f) const = 0;
  // The value without a copy when it already lives somewhere that outlives the caller's use of it
  // (the frame's global slots, a filter item, the compiled tree, or inside one of those); otherwise
  // evaluated into `tmp`. Saves the reference-count traffic of copying strings, lists and contexts
  // on paths such as `Case.tumor.ki67_percent`.
  virtual const Value& EvalRef(Frame& f, Value& tmp) const {
    tmp = Eval(f);
    return tmp;
  }
  // Eval's answer as a Verdict, with the same effects (diagnostics, limits), for a node in a
  // condition's position: the comparisons and `and` / `or` answer it without making the boolean
  // Value (verdicts.cc); every other node evaluates itself and the answer is classified.
  virtual Verdict EvalVerdict(Frame& f) const;
  // Only for unary-test nodes: does `input` satisfy the test? (true/false/null)
  virtual Value Test(const Value& input, Frame& f) const;
  // True for nodes that read the unary-test input `?`.
  virtual bool is_test() const { return false; }
};
using NodePtr = std::shared_ptr<const Node>;

// A temporary for EvalRef that is usually left null (the value was borrowed): a null Value holds
// nothing, so it is destroyed only when something was put in it, without the variant's
// destructor dispatch on every node evaluation.
class ScratchValue {
 public:
  ScratchValue() { new (buf_) Value(); }
  // Inline (most scratch values are still null at the end: nothing to do but the test).
  ZEBRA_VALUE_INLINE ~ScratchValue() {
    Value& v = get();
    if (!v.is_null()) v.~Value();
  }
  ScratchValue(const ScratchValue&) = delete;
  ScratchValue& operator=(const ScratchValue&) = delete;
  Value& get() { return *std::launder(reinterpret_cast<Value*>(buf_)); }
  operator Value&() { return get(); }
  // Puts `make()` here, constructed in place (no temporary, no move-assignment), while this
  // still holds the null it was made with (a null has nothing to destroy).
  template <class Make>
  [[gnu::always_inline]] Value& EmplaceFrom(Make&& make) {
    return *new (buf_) Value(make());
  }

 private:
  alignas(Value) unsigned char buf_[sizeof(Value)];
};

// The root of a compiled expression: how many local slots one evaluation needs.
struct Root : Node {
  Root() { direct = Direct::kNone; }
  NodePtr body;
  int locals = 0;
  int input_slot = -1;  // unary tests: the local slot that holds `?`
  Value Eval(Frame& f) const override { return body->Eval(f); }
  const Value& EvalRef(Frame& f, Value& tmp) const override { return body->EvalRef(f, tmp); }
  Value Test(const Value& input, Frame& f) const override { return body->Test(input, f); }
};

// Helpers shared by the evaluator and built-ins.
Value Add(const Value& a, const Value& b, EvalContext& ctx);
Value Subtract(const Value& a, const Value& b, EvalContext& ctx);
Value Multiply(const Value& a, const Value& b, EvalContext& ctx);
Value Divide(const Value& a, const Value& b, EvalContext& ctx);
Value Power(const Value& a, const Value& b, EvalContext& ctx);
Value Negate(const Value& a, EvalContext& ctx);
// `input in value` for the "expression" form of a positive unary test.
Value MatchesValue(const Value& input, const Value& test_value, EvalContext& ctx);
Value InRange(const Value& input, const Range& r, EvalContext& ctx);

}  // namespace zebra::feel::internal
