// Condition shapes chosen at parse time (condition_shapes.h).
#include "feel/condition_shapes.h"

#include <string_view>
#include <type_traits>
#include <typeinfo>

#include "common/bytes.h"
#include "feel/comparisons.h"
#include "feel/filter_tests.h"
#include "feel/list_idioms.h"

namespace zebra::feel::internal {

namespace {
// `lhs = literal` (eq) or `lhs != literal` for lhs's value `a` of another type than boolean or
// null, as EqualityVerdict answers it ("cannot compare ...", neither): out of line, so that the
// common answers below need no stack frame for it.
[[gnu::noinline]] Verdict EqualBoolOther(const Value& a, bool eq, const Value& b, EvalContext& ctx) {
  return EqualityVerdict(a, b, eq, ctx);
}

// `lhs = literal` (eq) or `lhs != literal` for lhs's value `a`, as EqualityVerdict answers it.
ZEBRA_VALUE_INLINE inline Verdict EqualBoolVerdict(const Value& a, bool literal, bool eq, const Value& b,
                                                   EvalContext& ctx) {
  if (a.is(Type::kBoolean)) return VerdictOfBool((a.boolean() == literal) == eq);
  if (a.is_null()) return VerdictOfBool(!eq);  // null equals only null
  return EqualBoolOther(a, eq, b, ctx);
}

// An EqualBoolNode's answer when lhs is no condition (!boolean_lhs): lhs's value read and
// compared with the literal.
ZEBRA_VALUE_INLINE inline Verdict EqualBoolOf(const EqualBoolNode& n, Frame& f) {
  const bool eq = n.op == BinaryOp::kEq;
  const Node& lhs = *n.lhs;
  const Value& b = static_cast<const LiteralNode&>(*n.rhs).value;
  // A path that PathNode::Reach answers (the knowledge's `(Case.tumor.multifocal) = true`), or a
  // slot: read where it lies; anything else as EvalRefOf reads it.
  if (lhs.direct == Node::Direct::kPath)
    if (const Value* a = static_cast<const PathNode&>(lhs).Reach(f))
      return EqualBoolVerdict(*a, n.literal, eq, b, *f.ctx);
  ScratchValue a_tmp;
  const Value& a = EvalRefOf(lhs, f, a_tmp);
  return EqualBoolVerdict(a, n.literal, eq, b, *f.ctx);
}

// `lhs = literal` (or `!=`) for a condition on the left (boolean_lhs: the boxed contexts'
// `le_NN: (a or b) = true`, half the calls): its verdict read by its own EvalVerdict, which is
// VerdictOf's answer for a node that is no name, literal or path (BooleanValued's kinds), in a
// function that needs no stack; the path reads of the other half (EqualBoolOf, out of line)
// need many registers, which one function would save on every call.
[[gnu::always_inline]] inline Verdict EqualBoolOfCondition(const EqualBoolNode& n, Frame& f) {
  // lhs's value is true, false or null (kOther): its verdict says which.
  const bool eq = n.op == BinaryOp::kEq;
  const Verdict v = n.lhs->EvalVerdict(f);
  if (v == Verdict::kOther) return VerdictOfBool(!eq);
  return VerdictOfBool(((v == Verdict::kTrue) == n.literal) == eq);
}
[[gnu::noinline]] Verdict EqualBoolOfValue(const EqualBoolNode& n, Frame& f) { return EqualBoolOf(n, f); }
}  // namespace

Verdict EqualBoolNode::EvalVerdict(Frame& f) const {
  return boolean_lhs ? EqualBoolOfCondition(*this, f) : EqualBoolOfValue(*this, f);
}

Value EqualBoolNode::Eval(Frame& f) const {
  return ValueOfVerdict(boolean_lhs ? EqualBoolOfCondition(*this, f) : EqualBoolOfValue(*this, f));
}

Verdict InStringsNode::EvalVerdict(Frame& f) const {
  ScratchValue tmp;
  const Value& v = EvalRefOf(*value, f, tmp);
  if (!v.is(Type::kString)) return Verdict::kFalse;
  const std::string& s = v.string();
  for (const std::string& t : strings)
    if (SameString(s, t)) return Verdict::kTrue;
  return Verdict::kFalse;
}

Value InStringsNode::Eval(Frame& f) const { return Value::Bool(InStringsNode::EvalVerdict(f) == Verdict::kTrue); }

namespace {
// The chain's verdict when its operands are string tests of one name's value `s`, a string: as
// the operands answer one by one (StringTestCallNode::EvalVerdict: a boolean for a string),
// true at the first that holds, else false. Reading the name once reads what each would read
// (a slot's read has no effect, and no operand writes one).
ZEBRA_VALUE_INLINE inline Verdict StringTestsVerdict(const OrChainNode& n, const std::string& s) {
  for (const StringTestCallNode* t : n.string_tests)
    if (StringTest(t->test, s, t->literal->string())) return Verdict::kTrue;
  return Verdict::kFalse;
}
}  // namespace

Verdict OrChainNode::EvalVerdict(Frame& f) const {
  if (string_subject) {
    ScratchValue tmp;
    const Value& s = EvalRefOf(*string_subject, f, tmp);
    if (s.is(Type::kString)) return StringTestsVerdict(*this, s.string());
  }
  bool all_false = true;
  for (const Node* n : operands) {
    const Verdict v = VerdictOf(*n, f);
    if (v == Verdict::kTrue) return Verdict::kTrue;
    all_false = all_false && v == Verdict::kFalse;
  }
  return all_false ? Verdict::kFalse : Verdict::kOther;
}
Value OrChainNode::Eval(Frame& f) const { return ValueOfVerdict(OrChainNode::EvalVerdict(f)); }

Verdict AndChainNode::EvalVerdict(Frame& f) const {
  bool all_true = true;
  for (const Node* n : operands) {
    const Verdict v = VerdictOf(*n, f);
    if (v == Verdict::kFalse) return Verdict::kFalse;
    all_true = all_true && v == Verdict::kTrue;
  }
  return all_true ? Verdict::kTrue : Verdict::kOther;
}
Value AndChainNode::Eval(Frame& f) const { return ValueOfVerdict(AndChainNode::EvalVerdict(f)); }

namespace {
// Whether `a` and `b` read the same slot (a name, read in place): the same value within one
// evaluation of a chain, whose operands write no slot.
bool SameSlotRead(const Node& a, const Node& b) {
  if (a.direct != b.direct || a.direct_slot != b.direct_slot) return false;
  return a.direct == Node::Direct::kLocal || a.direct == Node::Direct::kGlobal;
}

// `chain`'s string_subject and string_tests when every operand is a string test of one slot.
void FindStringTests(OrChainNode& chain) {
  std::vector<const StringTestCallNode*> tests;
  for (const Node* n : chain.operands) {
    if (typeid(*n) != typeid(StringTestCallNode)) return;
    const auto& t = static_cast<const StringTestCallNode&>(*n);
    if (!SameSlotRead(*t.args[0], *static_cast<const StringTestCallNode&>(*chain.operands[0]).args[0])) return;
    tests.push_back(&t);
  }
  chain.string_subject = tests.front()->args[0].get();
  chain.string_tests = std::move(tests);
}
template <class Chain, class Link>
NodePtr ChainOf(const Link& root) {
  if (typeid(*root.lhs) != typeid(Link)) return nullptr;
  std::vector<const Node*> reversed;  // the right operands from the root down, then the first
  const Link* l = &root;
  for (;;) {
    reversed.push_back(l->rhs.get());
    if (typeid(*l->lhs) != typeid(Link)) break;
    l = static_cast<const Link*>(l->lhs.get());
  }
  reversed.push_back(l->lhs.get());
  auto n = std::make_shared<Chain>();
  n->line = root.line;
  n->column = root.column;
  n->direct = root.direct;
  n->lhs = root.lhs;
  n->rhs = root.rhs;
  n->operands.assign(reversed.rbegin(), reversed.rend());
  if constexpr (std::is_same_v<Chain, OrChainNode>) FindStringTests(*n);
  return n;
}

}  // namespace

NodePtr SpecialisedChain(NodePtr root) {
  const Node& r = *root;
  NodePtr chain;
  if (typeid(r) == typeid(OrNode)) chain = ChainOf<OrChainNode>(static_cast<const OrNode&>(r));
  else if (typeid(r) == typeid(AndNode)) chain = ChainOf<AndChainNode>(static_cast<const AndNode&>(r));
  return chain ? chain : root;
}

Verdict StringTestCallNode::EvalVerdict(Frame& f) const {
  ScratchValue tmp;
  const Value& s = EvalRefOf(*args[0], f, tmp);
  if (s.is(Type::kString)) return VerdictOfBool(StringTest(test, s.string(), literal->string()));
  const Value* a[2] = {&s, literal};
  Value out;
  if (fast(a, out)) return VerdictOfValue(out);
  return VerdictOfValue(CallBuiltin(a, 2, *f.ctx));
}

Value StringTestCallNode::Eval(Frame& f) const {
  ScratchValue tmp;
  const Value& s = EvalRefOf(*args[0], f, tmp);
  if (s.is(Type::kString)) return Value::Bool(StringTest(test, s.string(), literal->string()));
  const Value* a[2] = {&s, literal};
  Value out;
  if (fast(a, out)) return out;
  return CallBuiltin(a, 2, *f.ctx);
}

NodePtr SpecialisedStringTest(const CallNode& call) {
  if (!call.fast || call.args.size() != 2 || !call.arg_names.empty() || call.indexed) return nullptr;
  const uint8_t test = call.callee_name == "starts with" ? 1 : call.callee_name == "ends with" ? 2
                       : call.callee_name == "contains" ? 3 : 0;
  const Node& second = *call.args[1];
  if (test == 0 || typeid(second) != typeid(LiteralNode)) return nullptr;
  const Value& literal = static_cast<const LiteralNode&>(second).value;
  if (!literal.is(Type::kString)) return nullptr;
  auto n = Respecialised<StringTestCallNode>(call);
  n->test = test;
  n->literal = &literal;
  return n;
}

namespace {
// Whether list `l` holds the string `s` (`literal`'s), as FastCallNode<2> finds it: the call's
// string index when it has one for this very list (FromIndex), else each item compared as
// FastListContains compares it (SameItem: strings by their text, anything else by Equal).
ZEBRA_VALUE_INLINE inline bool ListHolds(const ListContainsCallNode& n, const Value& l) {
  const List& items = l.list();
  if (items.size() >= StringListIndex::kIndexedListSize) [[unlikely]] {
    Value out;
    if (n.FromIndex(l, *n.literal, out)) return out.is_true();
  }
  const std::string& s = n.literal->string();
  for (const Value& v : items) {
    if (v.is(Type::kString)) {
      if (SameString(v.string(), s)) return true;
    } else if (const auto e = Equal(v, *n.literal); e && *e) [[unlikely]] {
      return true;
    }
  }
  return false;
}
// Anything but a list: the fast form's answer (null for null), else the built-in's.
[[gnu::noinline]] Value ListContainsOther(const ListContainsCallNode& n, const Value& l, Frame& f) {
  const Value* a[2] = {&l, n.literal};
  Value out;
  if (n.fast(a, out)) return out;
  return n.CallBuiltin(a, 2, *f.ctx);
}
}  // namespace

Verdict ListContainsCallNode::EvalVerdict(Frame& f) const {
  ScratchValue tmp;
  const Value& l = EvalRefOf(*args[0], f, tmp);
  if (l.is(Type::kList)) [[likely]]
    return VerdictOfBool(ListHolds(*this, l));
  return VerdictOfValue(ListContainsOther(*this, l, f));
}

Value ListContainsCallNode::Eval(Frame& f) const {
  ScratchValue tmp;
  const Value& l = EvalRefOf(*args[0], f, tmp);
  if (l.is(Type::kList)) [[likely]]
    return Value::Bool(ListHolds(*this, l));
  return ListContainsOther(*this, l, f);
}

NodePtr SpecialisedListContains(const CallNode& call) {
  if (!call.fast || call.args.size() != 2 || !call.arg_names.empty() || call.callee_name != "list contains" ||
      call.indexed != 2)
    return nullptr;
  const Node& second = *call.args[1];
  if (typeid(second) != typeid(LiteralNode)) return nullptr;
  const Value& literal = static_cast<const LiteralNode&>(second).value;
  if (!literal.is(Type::kString)) return nullptr;
  auto n = Respecialised<ListContainsCallNode>(call);
  n->literal = &literal;
  return n;
}

bool BooleanValued(const Node& n) {
  const std::type_info& type = typeid(n);
  return type == typeid(AndNode) || type == typeid(OrNode) || type == typeid(AndChainNode) ||
         type == typeid(OrChainNode) || type == typeid(EqualNode) ||
         type == typeid(NullTestNode) || type == typeid(EqualStringNode) || type == typeid(OrderNode) ||
         type == typeid(OrderNumberNode) || type == typeid(EqualBoolNode) || type == typeid(InStringsNode) ||
         GeneralFormOf(n) != nullptr;  // `count(e) op k`: its comparison's answer
}

NodePtr SpecialisedEqualBool(std::shared_ptr<BinaryNode> general) {
  const auto* lit = dynamic_cast<const LiteralNode*>(general->rhs.get());
  if (!lit || !lit->value.is(Type::kBoolean) || (general->op != BinaryOp::kEq && general->op != BinaryOp::kNe))
    return general;
  auto n = std::make_shared<EqualBoolNode>();
  n->line = general->line;
  n->column = general->column;
  n->op = general->op;
  n->lhs = general->lhs;
  n->rhs = general->rhs;
  n->literal = lit->value.boolean();
  n->boolean_lhs = BooleanValued(*n->lhs);
  return n;
}

NodePtr SpecialisedIn(std::shared_ptr<InNode> general) {
  std::vector<const Node*> tests;
  if (const auto* any = dynamic_cast<const AnyTestNode*>(general->tests.get())) {
    for (const auto& t : any->tests) tests.push_back(t.get());
  } else {
    tests.push_back(general->tests.get());
  }
  std::vector<std::string> strings;
  for (const Node* t : tests) {
    if (typeid(*t) != typeid(ExpressionTestNode)) return general;
    const auto& e = static_cast<const ExpressionTestNode&>(*t);
    if (e.uses_input || !e.expr) return general;
    const Node& expr = *e.expr;  // (typeid of a plain reference: no call in its operand)
    if (typeid(expr) != typeid(LiteralNode)) return general;
    const Value& s = static_cast<const LiteralNode&>(expr).value;
    if (!s.is(Type::kString)) return general;
    strings.push_back(s.string());
  }
  auto n = std::make_shared<InStringsNode>();
  n->line = general->line;
  n->column = general->column;
  n->direct = general->direct;
  n->value = general->value;
  n->tests = general->tests;
  n->strings = std::move(strings);
  return n;
}

}  // namespace zebra::feel::internal
