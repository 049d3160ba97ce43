// Internal: the node kinds of compiled FEEL (see ast.h).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "feel/shaped_position.h"
#include "feel/ast.h"

namespace zebra::feel::internal {

// `a == b` for context keys and FEEL strings, inline (most are short).
[[gnu::always_inline]] inline bool SameString(const std::string& a, const std::string& b) {
  return SameText(a, b);
}


// A path's read at its reader, inline (path_read.h): `n` is a PathNode.
ZEBRA_VALUE_INLINE inline const Value& PathRef(const Node& n, Frame& f, Value& tmp);
ZEBRA_VALUE_INLINE inline Value PathValue(const Node& n, Frame& f);

struct LiteralNode : Node {
  LiteralNode() { direct = Direct::kLiteral; }
  Value value;
  Value Eval(Frame&) const override { return value; }
  const Value& EvalRef(Frame&, Value&) const override { return value; }
};

// `n.EvalRef(f, tmp)`, with names and literals read inline (the same answer without the virtual
// call: a path's target, an operator's operands, a call's arguments are mostly these). Forced
// inline only in optimised builds, as Value's members (ZEBRA_VALUE_INLINE): at -O0 under ASan
// each inlined copy keeps its own temporaries in the caller's frame, and the depth-limited
// recursion tests would overflow the stack.
ZEBRA_VALUE_INLINE inline const Value& EvalRefOf(const Node& n, Frame& f, Value& tmp) {
  switch (n.direct) {
    case Node::Direct::kGlobal: return f.globals[static_cast<size_t>(n.direct_slot)];
    case Node::Direct::kLocal: return f.locals[n.direct_slot];
    case Node::Direct::kLiteral: return static_cast<const LiteralNode&>(n).value;
    case Node::Direct::kEvalOnly: tmp = n.Eval(f); return tmp;  // Node::EvalRef, without its call
    default:  // (kPath here, not as a case: more cases would make the switch a jump table)
      if (n.direct == Node::Direct::kPath) return PathRef(n, f, tmp);
      return n.EvalRef(f, tmp);
  }
}
// The same with a ScratchValue that is still null (each is used once): a node without an EvalRef
// of its own evaluates straight into it.
ZEBRA_VALUE_INLINE inline const Value& EvalRefOf(const Node& n, Frame& f, ScratchValue& tmp) {
  switch (n.direct) {
    case Node::Direct::kGlobal: return f.globals[static_cast<size_t>(n.direct_slot)];
    case Node::Direct::kLocal: return f.locals[n.direct_slot];
    case Node::Direct::kLiteral: return static_cast<const LiteralNode&>(n).value;
    case Node::Direct::kEvalOnly: return tmp.EmplaceFrom([&] { return n.Eval(f); });
    default:
      if (n.direct == Node::Direct::kPath) return PathRef(n, f, tmp.get());
      return n.EvalRef(f, tmp.get());
  }
}
// `n.Eval(f)`, the same way.
ZEBRA_VALUE_INLINE inline Value EvalOf(const Node& n, Frame& f) {
  switch (n.direct) {
    case Node::Direct::kGlobal: return f.globals[static_cast<size_t>(n.direct_slot)];
    case Node::Direct::kLocal: return f.locals[n.direct_slot];
    case Node::Direct::kLiteral: return static_cast<const LiteralNode&>(n).value;
    default:
      if (n.direct == Node::Direct::kPath) return PathValue(n, f);
      return n.Eval(f);
  }
}

// The verdict of a value: true, false, or anything else.
[[gnu::always_inline]] inline Verdict VerdictOfValue(const Value& v) {
  if (!v.is(Type::kBoolean)) return Verdict::kOther;
  return v.boolean() ? Verdict::kTrue : Verdict::kFalse;
}
// The Value of a verdict as `and` / `or` give it (kOther: null).
[[gnu::always_inline]] inline Value ValueOfVerdict(Verdict v) {
  return v == Verdict::kOther ? Value() : Value::Bool(v == Verdict::kTrue);
}
// `n.EvalVerdict(f)`, with names, literals and paths read inline as EvalRefOf reads them.
ZEBRA_VALUE_INLINE inline Verdict VerdictOf(const Node& n, Frame& f) {
  switch (n.direct) {
    case Node::Direct::kGlobal: return VerdictOfValue(f.globals[static_cast<size_t>(n.direct_slot)]);
    case Node::Direct::kLocal: return VerdictOfValue(f.locals[n.direct_slot]);
    case Node::Direct::kLiteral: return VerdictOfValue(static_cast<const LiteralNode&>(n).value);
    default:
      if (n.direct == Node::Direct::kPath) {
        ScratchValue tmp;
        return VerdictOfValue(PathRef(n, f, tmp.get()));
      }
      return n.EvalVerdict(f);
  }
}

struct GlobalRefNode : Node {
  GlobalRefNode() { direct = Direct::kNone; }  // the parser says how it is read
  int slot = 0;
  std::string name;
  uint64_t name_bit = 0;  // Context::KeyBit(name), for the filter items' key filter
  bool shadowable = false;  // inside a filter: the item's entries take precedence
  Value Eval(Frame& f) const override;
  const Value& EvalRef(Frame& f, Value& tmp) const override;
};

struct LocalRefNode : Node {
  LocalRefNode() { direct = Direct::kNone; }  // the parser says how it is read
  int slot = 0;
  std::string name;
  uint64_t name_bit = 0;  // Context::KeyBit(name)
  bool shadowable = false;
  Value Eval(Frame& f) const override;
  // A local slot is written only by the construct that declares it, between evaluations of the
  // expressions in its scope, and sibling scopes take slots above it: a borrowed slot holds still
  // while the borrower uses it.
  const Value& EvalRef(Frame& f, Value& tmp) const override;
};

// A name not known at compile time: looked up in the filter item's context at run time.
struct DynamicRefNode : Node {
  std::string name;
  Value Eval(Frame& f) const override;
};

struct NegateNode : Node {
  NodePtr operand;
  Value Eval(Frame& f) const override;
};

enum class BinaryOp : uint8_t { kAdd, kSub, kMul, kDiv, kPow, kEq, kNe, kLt, kLe, kGt, kGe };

struct BinaryNode : Node {
  BinaryOp op;
  NodePtr lhs, rhs;
  Value Eval(Frame& f) const override;
};

// `a + b + c ...` (three or more operands, all joined by `+`): the left-to-right Adds of the
// nested BinaryNodes it replaces, with a run of strings appended into one buffer.
struct AddChainNode : Node {
  std::vector<NodePtr> operands;
  // The longest text (up to kMaxSizeHint bytes) this chain has made: the first size of its
  // buffer, so the texts a knowledge base joins (a reason, a classification) are appended
  // without growing it. Only a hint: any thread may raise it, any value of it gives the same text.
  static constexpr uint32_t kMaxSizeHint = 4096;
  mutable std::atomic<uint32_t> size_hint{0};
  Value Eval(Frame& f) const override;
};

// The comparison forms of BinaryNode, each with an Eval of its own (a smaller frame and no
// dispatch on the operator): `a = b` / `a != b`, either against the literal null, and the orders.
struct EqualNode : BinaryNode {
  Value Eval(Frame& f) const override;
  Verdict EvalVerdict(Frame& f) const override;
};
struct NullTestNode : BinaryNode {  // `lhs = null` / `lhs != null` (`null = x` is read as `x = null`)
  Value Eval(Frame& f) const override;
  Verdict EvalVerdict(Frame& f) const override;
};
struct EqualStringNode : BinaryNode {  // `lhs = "text"` / `lhs != "text"`: rhs is that literal
  Value Eval(Frame& f) const override;
  Verdict EvalVerdict(Frame& f) const override;
};
struct OrderNode : BinaryNode {
  Value Eval(Frame& f) const override;
  Verdict EvalVerdict(Frame& f) const override;
};
struct OrderNumberNode : BinaryNode {  // `lhs < 20` and the like: rhs is that number literal
  Value Eval(Frame& f) const override;
  Verdict EvalVerdict(Frame& f) const override;
};

struct AndNode : Node {
  NodePtr lhs, rhs;
  Value Eval(Frame& f) const override;
  Verdict EvalVerdict(Frame& f) const override;  // Eval is this verdict's value
};

struct OrNode : Node {
  NodePtr lhs, rhs;
  Value Eval(Frame& f) const override;
  Verdict EvalVerdict(Frame& f) const override;  // Eval is this verdict's value
};

struct BetweenNode : Node {
  NodePtr value, low, high;
  Value Eval(Frame& f) const override;
};

struct InNode : Node {
  NodePtr value;
  NodePtr tests;  // a unary-test node
  Value Eval(Frame& f) const override;
  Verdict EvalVerdict(Frame& f) const override;
};

struct InstanceOfNode : Node {
  NodePtr value;
  TypeSpec type;
  Value Eval(Frame& f) const override;
};

struct IfNode : Node {
  NodePtr condition, then_branch, else_branch;
  Value Eval(Frame& f) const override;
};

// `if x = null then a else b` (or `!=`): the condition's NullTestNode read inline.
struct IfNullNode final : IfNode {
  const BinaryNode* test = nullptr;  // `condition`, a NullTestNode
  Value Eval(Frame& f) const override;
};

struct IterationContext {
  int slot = 0;
  std::string name;
  NodePtr domain;
  NodePtr range_end;  // `for i in a..b`
};

struct PathNode;
struct DistinctFirstPlan;

struct ForNode : Node {
  std::vector<IterationContext> iterators;
  int partial_slot = 0;
  bool uses_partial = false;  // the body names `partial`: it must see each step's results
  // The one-iterator loop leaves its variable's slot holding the last item only when a filter
  // of the expression may probe that slot afterwards (see FilterNode::writes_item).
  bool keeps_var = true;
  NodePtr body;
  // `body` when it is a path over the loop variable read from its slot (LoopProjection,
  // loop_paths.h): each item's entry is then read from the item itself where it can be.
  const PathNode* projection = nullptr;
  // `for x in distinct values(for o in L return o.k) return L[item.k = x][1]` (distinct_first.h).
  std::shared_ptr<const DistinctFirstPlan> distinct_first;
  Value Eval(Frame& f) const override;
  // The one-iterator loop over `start..end`, two numbers.
  Value EvalCounting(Frame& f, const Value& start, const Value& end) const;
  // The one-iterator loop over `items` (not empty) with `projection` for its body (loop_paths.cc).
  Value EvalProjection(Frame& f, const List& items) const;
  // Out of Eval's small frame: a domain that is no list, the one-iterator loop over `items` (not
  // empty), every other loop.
  [[gnu::noinline]] Value EvalDomain(Frame& f, const Value& d) const;
  [[gnu::noinline]] Value EvalList(Frame& f, const List& items) const;
  [[gnu::noinline]] Value EvalGeneral(Frame& f) const;
};

struct QuantifiedNode : Node {
  bool every = false;
  std::vector<IterationContext> iterators;
  NodePtr condition;
  Value Eval(Frame& f) const override;
};

struct ListNode : Node {
  std::vector<NodePtr> items;
  Value Eval(Frame& f) const override;
};

struct ContextEntryNode {
  std::string key;
  int slot = 0;
  bool read = true;  // some name reads `slot` (Parser::Finish): it must hold the entry's value
  NodePtr value;
};

struct ContextNode : Node {
  std::vector<ContextEntryNode> entries;
  const ContextShape* shape = nullptr;  // the entries' keys; null when not interned
  Value Eval(Frame& f) const override;
  Value EvalShaped(Frame& f) const;  // Eval with `shape`
};

struct RangeNode : Node {
  NodePtr low, high;  // null pointer = unbounded
  bool low_closed = true, high_closed = true;
  Value Eval(Frame& f) const override;
};

struct ItemTestPlan;
struct FieldTable;

struct FilterNode : Node {
  FilterNode() { direct = Direct::kNone; }
  ~FilterNode() override;  // (constant_filter.cc)
  NodePtr target, predicate;
  int item_slot = 0;
  // False when no predicate of the expression reads this item slot: then nothing ever reads
  // what the loop would leave in it (a filter over an empty list probes its predicate with
  // the slot as an earlier filter left it), and the loop does not write it.
  bool writes_item = true;
  // The predicate is a number literal: `list[1]`, at this position (truncated; nullopt when
  // beyond int64).
  bool literal_index = false;
  std::optional<int64_t> literal_position;
  // `inner[test][1]` with `inner[test]` a filter FirstMatch answers (first_match.h): that filter.
  const FilterNode* first_of = nullptr;
  // The predicate is a name other than `item` (`sorted[i]`): its slot, read directly when no
  // item may shadow it and it holds a number (-1: not a name).
  int index_slot = -1;
  bool index_global = false;
  uint64_t index_bit = 0;  // Context::KeyBit(name)
  std::string index_name;
  ShapedPosition index_seen;  // where an item of a shaped context has `index_name`, per shape
  // `list[name + k]` / `list[name - k]` (k an integer literal, `sorted[i + 1]`): k (negated for
  // `-`), read only for a name holding an integer of exponent 0 (index_offset.h); 0 otherwise.
  int64_t index_offset = 0;
  // The predicate as an ItemTestPlan (answered per item without its nodes), or null.
  std::shared_ptr<const ItemTestPlan> item_test;
  // A predicate `item.f = x and ...` outside function bodies (equality_join.h): the local slot
  // where one evaluation keeps the index of the list it filters (-1: none).
  int join_slot = -1;
  // The fields of the first long list a one-string-test filter reads (constant_filter.h),
  // published once, then only read.
  mutable std::atomic<const FieldTable*> field_table{nullptr};
  Value Eval(Frame& f) const override;
  // An index (`list[2]`) into a borrowed list borrows the element.
  const Value& EvalRef(Frame& f, Value& tmp) const override;
  // The predicate run over the items (`t` is the evaluated target; `items`, `count` its items,
  // `borrowed` whether they outlive the call).
  [[gnu::noinline]] const Value& EvalItems(Frame& f, Value& tmp, const Value& t, const Value* items, size_t count,
                                           bool borrowed) const;
};

struct PathNode : Node {
  PathNode() { direct = Direct::kPath; }
  NodePtr target;
  std::string name;
  uint64_t name_bit = 0;  // Context::KeyBit(name)
  // Where `name` sits in the shaped contexts this path reads.
  ShapedPosition seen;
  // Position where `name` was last found in a context with its own keys: JSON objects and
  // contexts built key by key often have the same layout from one evaluation to the next, so
  // this turns the linear key search into one compare.
  mutable std::atomic<uint32_t> hint{0};
  // A chain of paths `a.b.c.d` is read in one loop by its last path (no recursive EvalRef, no
  // scratch value per step): `steps` are the chain's paths from the first (`a.b`) to this one,
  // each with its own shape/position cache, and `root` is the first one's target (`a`). A path
  // whose target is not a path, or that would make the chain longer than kMaxChain, starts a
  // chain of its own. Set by Link once `target` is.
  static constexpr size_t kMaxChain = 8;
  const Node* root = nullptr;
  // `root` when it is an index into a name by a name (`sorted[i]` in `sorted[i].id`): Reach reads
  // its element inline (IndexedElement, index_path.h) instead of the filter's virtual EvalRef.
  const FilterNode* index_root = nullptr;
  std::array<const PathNode*, kMaxChain> steps{};
  uint8_t chain_length = 0;
  void Link();
  Value Eval(Frame& f) const override;
  // The commonest reads (from a slot through shaped contexts whose shapes each step has seen)
  // without a stack frame; everything else in EvalChain.
  const Value& EvalRef(Frame& f, Value& tmp) const override;
  // That inline read's answer, or null when EvalChain must read the path.
  [[gnu::always_inline]] inline const Value* Reach(Frame& f) const;
  [[gnu::noinline]] const Value& EvalChain(Frame& f, Value& tmp) const;
  // The entry `name` of `c`, or null: a shape seen before or the hinted position inline, the
  // searches out of line.
  [[gnu::always_inline]] inline const Value* Find(const Context& c) const;
  [[gnu::noinline]] const Value* FindAway(const Context& c, size_t hinted) const;
};

// A built-in's answer for the argument types it sees most, computed from borrowed arguments;
// false when these arguments need the built-in itself (other types, errors to report).
using FastBuiltin = bool (*)(const Value* const* args, Value& out);
// The fast form of the built-in `name` called with `arity` positional arguments, or null.
FastBuiltin FindFastBuiltin(std::string_view name, size_t arity);

// The answers of `index of` and `list contains` for one list of strings (at least
// kIndexedListSize of them), by string: made once at a call site for the first such list it
// searches, which is usually a model constant (`index of(Rank Tie Order, o.id)`).
struct StringListIndex {
  static constexpr size_t kIndexedListSize = 16;
  ListPtr list;  // the list indexed (kept alive, so its address identifies it); null when unusable
  std::vector<std::pair<std::string_view, Value>> positions;  // sorted by string; `index of`'s lists
  Value none;  // `index of`'s answer for a string not in the list: []
  // `positions` by a hash of their strings (string_list_index.cc), so that a search is one hash
  // and usually one compare rather than a binary search's string compares: open addressing in
  // a power of two of slots, at least twice as many as entries.
  struct Slot {
    uint64_t hash = 0;
    uint32_t entry = 0;  // its index in `positions` + 1; 0: empty
  };
  std::vector<Slot> table;
  void BuildTable();
  // The entry of `positions` for `s`, or null.
  const std::pair<std::string_view, Value>* Find(std::string_view s) const;
};

struct CallNode : Node {
  FunctionPtr builtin;  // bound at compile time when the callee is a built-in name
  FastBuiltin fast = nullptr;  // with `builtin`, for positional calls of a few hot built-ins
  BuiltinImpl impl = nullptr;  // with `builtin`, a positional call's overload (chosen at compile time)
  NodePtr callee;       // otherwise
  std::vector<NodePtr> args;
  std::vector<std::string> arg_names;  // non-empty for named invocation
  std::string callee_name;
  // Positional `index of` (1) or `list contains` (2): a long list of strings is searched through
  // a StringListIndex made at the first call that sees one (published once, then only read).
  uint8_t indexed = 0;
  mutable std::atomic<const StringListIndex*> index{nullptr};
  ~CallNode() override { delete index.load(std::memory_order_acquire); }
  Value Eval(Frame& f) const override;
  // The answer from the index when `list` is the indexed list and `x` a string.
  bool FromIndex(const Value& list, const Value& x, Value& out) const;
  // The built-in itself, for arguments its fast form declined.
  [[gnu::noinline]] Value CallBuiltin(const Value* const* a, size_t n, EvalContext& ctx) const;
};

// A call node re-made as one of its specialisations (FastCallNode, ContextPutNode, UserCallNode,
// SortCallNode) with the general call's parts, so a new CallNode field is copied in one place. The
// string index is not copied: each node builds its own on first use.
template <class T>
std::shared_ptr<T> Respecialised(const CallNode& call) {
  auto n = std::make_shared<T>();
  n->line = call.line;
  n->column = call.column;
  n->builtin = call.builtin;
  n->fast = call.fast;
  n->impl = call.impl;
  n->callee = call.callee;
  n->args = call.args;
  n->arg_names = call.arg_names;
  n->callee_name = call.callee_name;
  n->indexed = call.indexed;
  return n;
}

// A filter's predicate built from comparisons and two-argument fast built-ins between a field of
// the item (`item.k`, or `item` itself) and a value the item does not change (a literal, a name,
// `name.k`), joined by `and`, `or`, `not(...)`: `raw[item.id = oid]`, `hits[item.points > 0]`,
// `classes[starts with(o.id, item.prefix)]`, `priors[item.response = "x" or item.stopped = "x"]`.
// FilterNode answers it per item with the operators and built-ins the predicate's own nodes
// apply, reading the fields from the item's context directly; `item.k in (...)` runs the
// predicate's tests, other parts of an `and` / `or` are evaluated as nodes. An item whose fields
// cannot be read that way (not a context, or one with an entry named `item` or like a name the
// test reads, which would shadow it) and filters inside other filters' predicates
// evaluate the predicate itself. The node pointers are into the predicate's tree, which the
// filter holds.
struct ItemTest {
  enum class Kind : uint8_t { kEquality, kOrder, kCall, kIn, kAnd, kOr, kNot, kNode };
  Kind kind = Kind::kEquality;
  BinaryOp op = BinaryOp::kEq;      // kEquality (kEq/kNe), kOrder
  const CallNode* call = nullptr;   // kCall (two arguments), kNot (`not`, one): nodes with `fast`
  // kCall of `starts with` (1), `ends with` (2), `contains` (3), answered inline for two strings.
  uint8_t string_test = 0;
  const Node* node = nullptr;       // kIn: the InNode's tests; kNode: the sub-expression
  bool item_first = true;           // the item's operand is the first (lhs, first argument)
  const PathNode* field = nullptr;  // `item.k`; null for `item` itself
  // The other operand of kEquality, kOrder, kCall: a literal, or a name (a slot) and maybe one
  // path step over it (read once per filter into slot `other`).
  const Value* literal = nullptr;
  bool global = false;
  int slot = 0;
  const PathNode* name_path = nullptr;
  size_t other = 0;
  std::unique_ptr<const ItemTest> lhs, rhs;  // kAnd, kOr; kNot: lhs
};

// An ItemTest with what the filter checks once per filter and once per item.
struct ItemTestPlan {
  static constexpr size_t kMaxOthers = 8;
  std::unique_ptr<const ItemTest> root;
  std::vector<const ItemTest*> others;  // the tests with another operand, by ItemTest::other
  uint64_t shadow_bits = 0;  // Context::KeyBit of `item` and of the names the tests read
  std::vector<std::string> shadow_names;  // those names
  bool reads_fields = false;  // some test reads `item.k`
  bool pure = true;  // no kIn or kNode: the answer is never a number and has no effect
  bool one_leaf = false;  // the root is a comparison, call or `in` (no and / or / not)
};

// A CallNode with a fast form (`fast`) and `kArity` positional arguments: its Eval is only that
// path, so it keeps a small frame.
template <size_t kArity>
struct FastCallNode final : CallNode {
  Value Eval(Frame& f) const override;
  Verdict EvalVerdict(Frame& f) const override;  // verdicts.cc
};

struct FunctionDefNode : Node {
  std::vector<std::pair<int, std::string>> params;  // slot, name
  std::vector<std::string> param_names;  // the names alone, for Function::parameters()
  std::vector<std::optional<TypeSpec>> param_types;
  NodePtr body;
  int frame_size = 0;  // locals the body needs
  int self_slot = -1;  // context entry holding this function, so it can call itself
  bool external = false;
  // The slots of the defining frame that the body (or a function nested in it) names, sorted:
  // a closure keeps these, the other slots of its frame start null (the body's own slots are
  // written before they are read; with a filter inside, whose probe of an empty list reads a
  // stale item slot, captured_locals is every slot but the parameters').
  std::vector<int> captured_globals;
  std::vector<int> captured_locals;  // all below the parameters' slots
  Value Eval(Frame& f) const override;
};

// --- unary tests -------------------------------------------------------------------------
// `-`
struct DashTestNode : Node {
  Value Eval(Frame&) const override { return Value::Bool(true); }
  Value Test(const Value&, Frame&) const override { return Value::Bool(true); }
  bool is_test() const override { return true; }
};

// `< e`, `<= e`, `> e`, `>= e`, `= e`, `!= e`
struct CompareTestNode : Node {
  BinaryOp op;
  NodePtr operand;
  bool as_range = false;  // written as a value (`(= 10)`): = and != make ranges too
  Value Eval(Frame& f) const override;  // as an expression: a range (or null for = / !=)
  Value Test(const Value& input, Frame& f) const override;
  bool is_test() const override { return true; }
};

// An expression used as a test: satisfied when equal to the input, containing it, or true.
struct ExpressionTestNode : Node {
  NodePtr expr;
  bool uses_input = false;  // mentions `?`: the result is the verdict
  int input_slot = -1;
  Value Eval(Frame& f) const override { return expr->Eval(f); }
  Value Test(const Value& input, Frame& f) const override;
  bool is_test() const override { return true; }
};

// t1, t2, ...: satisfied when any is.
struct AnyTestNode : Node {
  std::vector<NodePtr> tests;
  Value Eval(Frame& f) const override;
  Value Test(const Value& input, Frame& f) const override;
  bool is_test() const override { return true; }
};

// not(t1, t2, ...)
struct NotTestNode : Node {
  NodePtr tests;
  Value Eval(Frame& f) const override;
  Value Test(const Value& input, Frame& f) const override;
  bool is_test() const override { return true; }
};

}  // namespace zebra::feel::internal

#include "feel/path_read.h"  // PathRef, PathValue and PathNode::Reach, now that PathNode is complete
