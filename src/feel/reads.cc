// CompiledExpression::Reads: what an expression reads of its scope, from the compiled tree (the
// parser has already told names of the scope from local names, built-ins and item entries).
#include <algorithm>
#include <initializer_list>
#include <iterator>

#include "feel/feel.h"
#include "feel/list_idioms.h"
#include "feel/nodes.h"

namespace zebra::feel {
namespace {

using namespace internal;

bool ReadsClock(std::string_view builtin) { return builtin == "now" || builtin == "today"; }

// The nodes in the order of the text, by an explicit stack (a long chain of filters or operators
// is a deep tree; evaluating it recurses, reading it here need not).
class Walker {
 public:
  ExpressionReads Run(const Node* root) {
    Push(root);
    while (!stack_.empty()) {
      const Node* n = stack_.back();
      stack_.pop_back();
      Visit(*n);
    }
    return std::move(out_);
  }

 private:
  void Push(const Node* n) {
    if (n) stack_.push_back(n);
  }
  // Children pushed last to first, so that the first is visited first.
  void Push(std::initializer_list<const Node*> children) {
    for (auto it = std::rbegin(children); it != std::rend(children); ++it) Push(*it);
  }
  void Push(const std::vector<NodePtr>& children) {
    for (auto it = children.rbegin(); it != children.rend(); ++it) Push(it->get());
  }
  void Read(const GlobalRefNode& g, std::vector<std::string> path) {
    NameRead r{g.slot, g.name, std::move(path)};
    if (std::find(out_.names.begin(), out_.names.end(), r) == out_.names.end()) out_.names.push_back(std::move(r));
  }

  void Visit(const Node& n) {
    if (const Node* general = GeneralFormOf(n)) {
      Push(general);  // an idiom node reads what the nodes it stands for read
    } else if (const auto* p = dynamic_cast<const PathNode*>(&n)) {
      // A chain of constant steps over a name is one read; over anything else, the steps read
      // what that gives.
      std::vector<std::string> path;
      const Node* t = p;
      for (const PathNode* q = p; q; q = dynamic_cast<const PathNode*>(t)) {
        path.push_back(q->name);
        t = q->target.get();
      }
      if (const auto* g = dynamic_cast<const GlobalRefNode*>(t)) {
        std::reverse(path.begin(), path.end());
        Read(*g, std::move(path));
      } else {
        Push(t);
      }
    } else if (const auto* g = dynamic_cast<const GlobalRefNode*>(&n)) {
      Read(*g, {});
    } else if (dynamic_cast<const LocalRefNode*>(&n) || dynamic_cast<const LiteralNode*>(&n) ||
               dynamic_cast<const DashTestNode*>(&n)) {
      // (a name the expression binds, a constant, `-`)
    } else if (const auto* d = dynamic_cast<const DynamicRefNode*>(&n)) {
      // A filter item's entry (the item is its filter's target) or a built-in taken as a value.
      out_.clock = out_.clock || ReadsClock(d->name);
    } else if (const auto* r = dynamic_cast<const Root*>(&n)) {
      Push(r->body.get());
    } else if (const auto* c = dynamic_cast<const CallNode*>(&n)) {
      out_.clock = out_.clock || (c->builtin && ReadsClock(c->callee_name));
      Push(c->args);
      Push(c->callee.get());
    } else if (const auto* b = dynamic_cast<const BinaryNode*>(&n)) {
      Push({b->lhs.get(), b->rhs.get()});
    } else if (const auto* a = dynamic_cast<const AddChainNode*>(&n)) {
      Push(a->operands);
    } else if (const auto* an = dynamic_cast<const AndNode*>(&n)) {
      Push({an->lhs.get(), an->rhs.get()});
    } else if (const auto* o = dynamic_cast<const OrNode*>(&n)) {
      Push({o->lhs.get(), o->rhs.get()});
    } else if (const auto* neg = dynamic_cast<const NegateNode*>(&n)) {
      Push(neg->operand.get());
    } else if (const auto* i = dynamic_cast<const IfNode*>(&n)) {
      Push({i->condition.get(), i->then_branch.get(), i->else_branch.get()});
    } else if (const auto* f = dynamic_cast<const FilterNode*>(&n)) {
      Push({f->target.get(), f->predicate.get()});
    } else if (const auto* bt = dynamic_cast<const BetweenNode*>(&n)) {
      Push({bt->value.get(), bt->low.get(), bt->high.get()});
    } else if (const auto* in = dynamic_cast<const InNode*>(&n)) {
      Push({in->value.get(), in->tests.get()});
    } else if (const auto* io = dynamic_cast<const InstanceOfNode*>(&n)) {
      Push(io->value.get());
    } else if (const auto* l = dynamic_cast<const ListNode*>(&n)) {
      Push(l->items);
    } else if (const auto* cx = dynamic_cast<const ContextNode*>(&n)) {
      for (auto it = cx->entries.rbegin(); it != cx->entries.rend(); ++it) Push(it->value.get());
    } else if (const auto* rg = dynamic_cast<const RangeNode*>(&n)) {
      Push({rg->low.get(), rg->high.get()});
    } else if (const auto* fo = dynamic_cast<const ForNode*>(&n)) {
      Push(fo->body.get());
      PushIterators(fo->iterators);
    } else if (const auto* q = dynamic_cast<const QuantifiedNode*>(&n)) {
      Push(q->condition.get());
      PushIterators(q->iterators);
    } else if (const auto* fd = dynamic_cast<const FunctionDefNode*>(&n)) {
      Push(fd->body.get());  // (read or not, as if it were called)
    } else if (const auto* ct = dynamic_cast<const CompareTestNode*>(&n)) {
      Push(ct->operand.get());
    } else if (const auto* et = dynamic_cast<const ExpressionTestNode*>(&n)) {
      Push(et->expr.get());
    } else if (const auto* at = dynamic_cast<const AnyTestNode*>(&n)) {
      Push(at->tests);
    } else if (const auto* nt = dynamic_cast<const NotTestNode*>(&n)) {
      Push(nt->tests.get());
    } else {
      out_.complete = false;  // a node kind added without being taught here
    }
  }
  void PushIterators(const std::vector<IterationContext>& iterators) {
    for (auto it = iterators.rbegin(); it != iterators.rend(); ++it) Push({it->domain.get(), it->range_end.get()});
  }

  std::vector<const Node*> stack_;
  ExpressionReads out_;
};

}  // namespace

ExpressionReads CompiledExpression::Reads() const { return Walker().Run(root_.get()); }

}  // namespace zebra::feel
