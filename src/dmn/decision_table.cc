// Decision tables (DMN 1.5 §8.2, §8.3): compiled once at load (input expressions, input entries
// as unary tests, output entries as expressions), evaluated with every hit policy.
#include <algorithm>
#include <array>
#include <map>
#include <string>

#include <pugixml.hpp>

#include "dmn/internal.h"

namespace zebra::dmn::internal {
namespace {

using feel::Type;
using feel::Value;

enum class HitPolicy : uint8_t { kUnique, kAny, kPriority, kFirst, kRuleOrder, kOutputOrder, kCollect };
enum class Aggregation : uint8_t { kNone, kSum, kCount, kMin, kMax };

struct Cell {
  std::optional<feel::CompiledUnaryTests> test;  // input entry
  std::optional<feel::CompiledExpression> expr;  // output entry
  bool dash = false;
  int test_id = -1;   // input entry: index of its distinct (column, text) test
  std::string error;  // the cell did not compile: evaluating the table is an error
};

struct Rule {
  std::string id;
  int index = 0;  // 1-based
  std::vector<Cell> inputs;
  std::vector<Cell> outputs;
  std::vector<std::string> annotations;
};

struct InputColumn {
  std::optional<feel::CompiledExpression> expr;
  std::string expr_error;
  std::string text;
  std::optional<feel::CompiledUnaryTests> allowed;  // inputValues
};

struct OutputColumn {
  std::string name;
  TypePtr type;
  std::optional<feel::CompiledUnaryTests> allowed;  // outputValues, as tests
  std::vector<Value> priorities;                    // outputValues, as values in priority order
  std::optional<feel::CompiledExpression> default_entry;
};

std::optional<HitPolicy> ParseHitPolicy(std::string_view s, Aggregation& agg) {
  if (s.empty() || s == "UNIQUE" || s == "U") return HitPolicy::kUnique;
  if (s == "ANY" || s == "A") return HitPolicy::kAny;
  if (s == "PRIORITY" || s == "P") return HitPolicy::kPriority;
  if (s == "FIRST" || s == "F") return HitPolicy::kFirst;
  if (s == "RULE ORDER" || s == "R") return HitPolicy::kRuleOrder;
  if (s == "OUTPUT ORDER" || s == "O") return HitPolicy::kOutputOrder;
  if (s == "COLLECT" || s == "C") return HitPolicy::kCollect;
  if (s.size() == 2 && s[0] == 'C') {
    switch (s[1]) {
      case '+': agg = Aggregation::kSum; return HitPolicy::kCollect;
      case '#': agg = Aggregation::kCount; return HitPolicy::kCollect;
      case '<': agg = Aggregation::kMin; return HitPolicy::kCollect;
      case '>': agg = Aggregation::kMax; return HitPolicy::kCollect;
      default: break;
    }
  }
  return std::nullopt;
}

std::optional<Aggregation> ParseAggregation(std::string_view s) {
  if (s.empty()) return Aggregation::kNone;
  if (s == "SUM") return Aggregation::kSum;
  if (s == "COUNT") return Aggregation::kCount;
  if (s == "MIN") return Aggregation::kMin;
  if (s == "MAX") return Aggregation::kMax;
  return std::nullopt;
}

class DecisionTable final : public Boxed {
 public:
  std::string owner;  // decision or BKM name, for the trace
  HitPolicy policy = HitPolicy::kUnique;
  Aggregation aggregation = Aggregation::kNone;
  std::vector<InputColumn> inputs;
  std::vector<OutputColumn> outputs;
  std::vector<Rule> rules;
  std::string table_error;  // structural problem found at load time
  int distinct_tests = 0;   // input entries with the same text in the same column share a test

  Value Eval(std::span<const Value> slots, feel::EvalContext& ctx) const override {
    if (!table_error.empty()) return ctx.Error(table_error);
    // Each input expression once per evaluation (§8.3.1).
    std::vector<Value> in(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
      const InputColumn& c = inputs[i];
      if (!c.expr) return ctx.Error("input " + std::to_string(i + 1) + ": " + c.expr_error);
      in[i] = c.expr->Evaluate(slots, ctx);
      if (c.allowed && !in[i].is_null() && !c.allowed->Test(in[i], slots, ctx).is_true())
        return ctx.Error("input " + std::to_string(i + 1) + " ('" + c.text + "') value " + feel::ToFeelLiteral(in[i]) +
                         " is not among the input values " + c.allowed->source());
    }
    std::vector<const Rule*> matched;
    if (!Match(in, slots, ctx, matched)) return Value();
    if (matched.empty()) return Default(slots, ctx);

    switch (policy) {
      case HitPolicy::kUnique: {
        if (matched.size() > 1) {
          std::string ids;
          for (const Rule* r : matched) ids += (ids.empty() ? "" : ", ") + std::to_string(r->index);
          return ctx.Error("hit policy UNIQUE: rules " + ids + " all match");
        }
        return Fire(*matched.front(), slots, ctx);
      }
      case HitPolicy::kFirst:
        return Fire(*matched.front(), slots, ctx);
      case HitPolicy::kAny: {
        Value first = Fire(*matched.front(), slots, ctx);
        for (size_t i = 1; i < matched.size(); ++i) {
          Value other = Fire(*matched[i], slots, ctx);
          if (!feel::DeepEqual(first, other))
            return ctx.Error("hit policy ANY: rules " + std::to_string(matched.front()->index) + " and " +
                             std::to_string(matched[i]->index) + " match with different outputs");
        }
        return first;
      }
      case HitPolicy::kPriority:
      case HitPolicy::kOutputOrder: {
        std::vector<std::pair<const Rule*, std::vector<Value>>> fired;
        for (const Rule* r : matched) {
          std::vector<Value> outs;
          if (!RuleOutputs(*r, slots, ctx, outs)) return Value();
          fired.emplace_back(r, std::move(outs));
        }
        std::stable_sort(fired.begin(), fired.end(),
                         [&](const auto& a, const auto& b) { return PriorityLess(a.second, b.second); });
        if (policy == HitPolicy::kPriority) {
          Trace(*fired.front().first);
          return Pack(fired.front().second);
        }
        feel::List out;
        for (auto& [r, outs] : fired) {
          Trace(*r);
          out.push_back(Pack(outs));
        }
        return Value::FromList(std::move(out));
      }
      case HitPolicy::kRuleOrder: {
        feel::List out;
        for (const Rule* r : matched) out.push_back(Fire(*r, slots, ctx));
        return Value::FromList(std::move(out));
      }
      case HitPolicy::kCollect:
        return Collect(matched, slots, ctx);
    }
    return Value();
  }

 private:
  // The rules whose every input entry is satisfied, in rule order. A rule is dropped at its
  // first failing column. (Seam: a per-column index could supply candidate rules here.)
  bool Match(const std::vector<Value>& in, std::span<const Value> slots, feel::EvalContext& ctx,
             std::vector<const Rule*>& matched) const {
    // Verdicts of distinct tests, computed on first use: guideline tables repeat the same
    // entries ("G1", "-", "< 10") across many rules. -1 unknown, 0 false, 1 true.
    constexpr size_t kInline = 256;
    std::array<int8_t, kInline> inline_verdicts;
    std::vector<int8_t> heap_verdicts;
    int8_t* verdicts = inline_verdicts.data();
    if (static_cast<size_t>(distinct_tests) > kInline) {
      heap_verdicts.resize(static_cast<size_t>(distinct_tests));
      verdicts = heap_verdicts.data();
    }
    std::fill(verdicts, verdicts + distinct_tests, int8_t{-1});
    for (const Rule& r : rules) {
      bool ok = true;
      for (size_t c = 0; c < r.inputs.size() && ok; ++c) {
        const Cell& cell = r.inputs[c];
        if (cell.dash) continue;
        if (!cell.test) {
          ctx.Error("rule " + std::to_string(r.index) + " input " + std::to_string(c + 1) + ": " + cell.error);
          return false;
        }
        int8_t& v = verdicts[cell.test_id];
        if (v < 0) v = cell.test->Test(in[c], slots, ctx).is_true() ? 1 : 0;
        ok = v == 1;
      }
      if (ok) matched.push_back(&r);
    }
    return true;
  }

  bool RuleOutputs(const Rule& r, std::span<const Value> slots, feel::EvalContext& ctx, std::vector<Value>& out) const {
    out.clear();
    for (size_t o = 0; o < r.outputs.size(); ++o) {
      const Cell& cell = r.outputs[o];
      if (!cell.expr) {
        ctx.Error("rule " + std::to_string(r.index) + " output " + std::to_string(o + 1) + ": " + cell.error);
        return false;
      }
      Value v = cell.expr->Evaluate(slots, ctx);
      if (!CheckOutput(o, v, slots, ctx, "rule " + std::to_string(r.index))) v = Value();
      out.push_back(std::move(v));
    }
    return true;
  }

  bool CheckOutput(size_t o, Value& v, std::span<const Value> slots, feel::EvalContext& ctx,
                   const std::string& where) const {
    const OutputColumn& col = outputs[o];
    if (col.type) {
      std::string err;
      auto c = Coerce(v, col.type, err);
      if (!c) {
        ctx.Error(where + " output '" + col.name + "': " + err);
        return false;
      }
      v = *c;
    }
    if (col.allowed && !v.is_null() && !col.allowed->Test(v, slots, ctx).is_true()) {
      ctx.Error(where + " output " + feel::ToFeelLiteral(v) + " is not among the output values " +
                col.allowed->source());
      return false;
    }
    return true;
  }

  Value Pack(std::vector<Value>& outs) const {
    if (outputs.size() == 1) return outs.front();
    feel::Context c;
    for (size_t o = 0; o < outputs.size(); ++o) c.Put(outputs[o].name, outs[o]);
    return Value::FromContext(std::move(c));
  }

  void Trace(const Rule& r) const {
    TraceSink& sink = CurrentTrace();
    if (!sink.entries) return;
    TraceEntry t;
    t.decision = owner;
    t.rule = r.id.empty() ? std::to_string(r.index) : r.id;
    t.rule_index = r.index;
    t.annotations = r.annotations;
    sink.entries->push_back(std::move(t));
  }

  Value Fire(const Rule& r, std::span<const Value> slots, feel::EvalContext& ctx) const {
    std::vector<Value> outs;
    if (!RuleOutputs(r, slots, ctx, outs)) return Value();
    Trace(r);
    return Pack(outs);
  }

  // Index of `v` in the output values list of column `o` (unlisted values sort last).
  size_t PriorityOf(size_t o, const Value& v) const {
    const auto& p = outputs[o].priorities;
    for (size_t i = 0; i < p.size(); ++i)
      if (feel::DeepEqual(p[i], v)) return i;
    return p.size();
  }

  bool PriorityLess(const std::vector<Value>& a, const std::vector<Value>& b) const {
    for (size_t o = 0; o < outputs.size(); ++o) {
      if (outputs[o].priorities.empty()) continue;
      size_t pa = PriorityOf(o, a[o]), pb = PriorityOf(o, b[o]);
      if (pa != pb) return pa < pb;
    }
    return false;
  }

  Value Default(std::span<const Value> slots, feel::EvalContext& ctx) const {
    bool any = false;
    std::vector<Value> outs;
    for (size_t o = 0; o < outputs.size(); ++o) {
      Value v;
      if (outputs[o].default_entry) {
        any = true;
        v = outputs[o].default_entry->Evaluate(slots, ctx);
      }
      outs.push_back(std::move(v));
    }
    if (!any) {
      // No rule matched and no defaults: COUNT is 0 (§8.2.11); everything else null.
      if (policy == HitPolicy::kCollect && aggregation == Aggregation::kCount) return Value::Number(0);
      return Value();
    }
    return Pack(outs);
  }

  Value Collect(const std::vector<const Rule*>& matched, std::span<const Value> slots, feel::EvalContext& ctx) const {
    feel::List values;
    for (const Rule* r : matched) values.push_back(Fire(*r, slots, ctx));
    if (aggregation == Aggregation::kNone) return Value::FromList(std::move(values));
    if (outputs.size() != 1) return ctx.Error("an aggregated COLLECT table must have exactly one output");
    if (aggregation == Aggregation::kCount) {

      return Value::Number(static_cast<int64_t>(values.size()));
    }
    feel::List present;
    for (auto& v : values)
      if (!v.is_null()) present.push_back(v);
    if (present.empty()) return Value();
    if (aggregation == Aggregation::kSum) {
      feel::Decimal sum = feel::Decimal::FromInt(0);
      for (const auto& v : present) {
        if (!v.is(Type::kNumber)) return ctx.Error("hit policy C+: output " + feel::ToFeelLiteral(v) + " is not a number");
        auto next = sum.Add(v.number());
        if (!next) return ctx.Error("hit policy C+: sum overflows");
        sum = *next;
      }
      return Value::Number(sum);
    }
    Value best = present.front();
    for (size_t i = 1; i < present.size(); ++i) {
      auto c = feel::Compare(present[i], best);
      if (!c) return ctx.Error("hit policy C<, C>: outputs are not comparable");
      if ((aggregation == Aggregation::kMin && *c < 0) || (aggregation == Aggregation::kMax && *c > 0)) best = present[i];
    }
    return best;
  }
};

std::optional<feel::CompiledUnaryTests> CompileTests(const pugi::xml_node& holder, const feel::Scope& scope,
                                                     const CompileSite& site, const std::string& what) {
  if (!holder) return std::nullopt;
  std::string text = ChildText(holder);
  if (text.empty()) return std::nullopt;
  auto t = feel::CompileUnaryTests(text, scope);
  if (!t) {
    Report(site, holder.offset_debug(), what + ": FEEL error in '" + text + "': " + t.error().message);
    return std::nullopt;
  }
  return std::move(*t);
}

// A table with a cell that does not compile never answers: evaluating it is an error, even
// when the broken rule would not have matched (a clinical table must not silently skip a rule).
void BreakTable(DecisionTable& dt, int rule, size_t column, const std::string& error) {
  if (dt.table_error.empty())
    dt.table_error = "rule " + std::to_string(rule) + " column " + std::to_string(column) + ": " + error;
}

}  // namespace

BoxedPtr CompileDecisionTable(const pugi::xml_node& node, const feel::Scope& scope, const CompileSite& site) {
  auto dt = std::make_shared<DecisionTable>();
  dt->owner = site.element_name;
  Aggregation agg = Aggregation::kNone;
  auto hp = ParseHitPolicy(node.attribute("hitPolicy").value(), agg);
  if (!hp) {
    dt->table_error = "unknown hit policy '" + std::string(node.attribute("hitPolicy").value()) + "'";
    Report(site, node.offset_debug(), dt->table_error);
    return dt;
  }
  dt->policy = *hp;
  if (agg == Aggregation::kNone) {
    auto a = ParseAggregation(node.attribute("aggregation").value());
    if (!a) {
      dt->table_error = "unknown aggregation '" + std::string(node.attribute("aggregation").value()) + "'";
      Report(site, node.offset_debug(), dt->table_error);
      return dt;
    }
    agg = *a;
  }
  if (agg != Aggregation::kNone && dt->policy != HitPolicy::kCollect) {
    dt->table_error = "aggregation requires hit policy COLLECT";
    Report(site, node.offset_debug(), dt->table_error);
  }
  dt->aggregation = agg;

  int col = 0;
  for (const auto& in : Children(node, "input")) {
    ++col;
    InputColumn c;
    pugi::xml_node ie = Child(in, "inputExpression");
    c.text = ChildText(ie);
    if (c.text.empty()) {
      c.expr_error = "empty input expression";
      Report(site, in.offset_debug(), c.expr_error, 0, col);
    } else if (auto e = feel::CompileExpression(c.text, scope)) {
      c.expr = std::move(*e);
    } else {
      c.expr_error = "FEEL error in '" + c.text + "': " + e.error().message;
      Report(site, ie.offset_debug(), c.expr_error, 0, col);
    }
    c.allowed = CompileTests(Child(in, "inputValues"), scope, site, "input values");
    dt->inputs.push_back(std::move(c));
  }
  col = 0;
  for (const auto& out : Children(node, "output")) {
    ++col;
    OutputColumn c;
    c.name = out.attribute("name").value();
    c.type = site.resolve_type(TypeRefOf(out));
    pugi::xml_node ov = Child(out, "outputValues");
    c.allowed = CompileTests(ov, scope, site, "output values");
    if (c.allowed) {
      // For PRIORITY and OUTPUT ORDER the list order is the priority (§8.2.11): read the list
      // of literal values as a FEEL list.
      feel::EvalContext ctx;
      if (auto e = feel::CompileExpression("[" + ChildText(ov) + "]", feel::Scope{}))
        if (Value l = e->Evaluate({}, ctx); l.is(Type::kList)) c.priorities = l.list();
    }
    if (pugi::xml_node d = Child(out, "defaultOutputEntry")) {
      std::string text = ChildText(d);
      if (auto e = feel::CompileExpression(text, scope)) {
        c.default_entry = std::move(*e);
      } else {
        Report(site, d.offset_debug(), "default output: FEEL error in '" + text + "': " + e.error().message, 0, col);
      }
    }
    dt->outputs.push_back(std::move(c));
  }
  if (dt->outputs.empty()) {
    dt->table_error = "decision table without outputs";
    Report(site, node.offset_debug(), dt->table_error);
    return dt;
  }
  if (dt->outputs.size() > 1)
    for (const auto& o : dt->outputs)
      if (o.name.empty()) Report(site, node.offset_debug(), "an output of a multi-output table has no name");
  if ((dt->policy == HitPolicy::kPriority || dt->policy == HitPolicy::kOutputOrder) &&
      std::none_of(dt->outputs.begin(), dt->outputs.end(), [](const auto& o) { return !o.priorities.empty(); })) {
    Report(site, node.offset_debug(), "hit policy PRIORITY/OUTPUT ORDER without output values: rule order is used");
  }

  int index = 0;
  std::map<std::pair<size_t, std::string>, int> test_ids;
  for (const auto& rn : Children(node, "rule")) {
    Rule r;
    r.index = ++index;
    r.id = rn.attribute("id").value();
    auto ins = Children(rn, "inputEntry");
    auto outs = Children(rn, "outputEntry");
    if (ins.size() != dt->inputs.size() || outs.size() != dt->outputs.size()) {
      std::string msg = "rule has " + std::to_string(ins.size()) + " input and " + std::to_string(outs.size()) +
                        " output entries; the table has " + std::to_string(dt->inputs.size()) + " and " +
                        std::to_string(dt->outputs.size());
      Report(site, rn.offset_debug(), msg, r.index);
      dt->table_error = "rule " + std::to_string(r.index) + ": " + msg;
    }
    for (size_t c = 0; c < ins.size(); ++c) {
      Cell cell;
      std::string text = ChildText(ins[c]);
      if (text.empty() || text == "-") {
        cell.dash = true;
      } else if (auto t = feel::CompileUnaryTests(text, scope)) {
        cell.dash = t->is_dash();
        cell.test = std::move(*t);
        auto [it, added] = test_ids.try_emplace({c, text}, dt->distinct_tests);
        if (added) ++dt->distinct_tests;
        cell.test_id = it->second;
      } else {
        cell.error = "FEEL error in '" + text + "': " + t.error().message;
        Report(site, ins[c].offset_debug(), cell.error, r.index, static_cast<int>(c + 1));
        BreakTable(*dt, r.index, c + 1, cell.error);
      }
      r.inputs.push_back(std::move(cell));
    }
    for (size_t c = 0; c < outs.size(); ++c) {
      Cell cell;
      std::string text = ChildText(outs[c]);
      if (text.empty()) {
        cell.expr = feel::CompiledExpression();  // an empty output entry is null
      } else if (auto e = feel::CompileExpression(text, scope)) {
        cell.expr = std::move(*e);
      } else {
        cell.error = "FEEL error in '" + text + "': " + e.error().message;
        Report(site, outs[c].offset_debug(), cell.error, r.index, static_cast<int>(dt->inputs.size() + c + 1));
        BreakTable(*dt, r.index, dt->inputs.size() + c + 1, cell.error);
      }
      r.outputs.push_back(std::move(cell));
    }
    for (const auto& a : Children(rn, "annotationEntry")) r.annotations.push_back(ChildText(a));
    dt->rules.push_back(std::move(r));
  }
  return dt;
}

}  // namespace zebra::dmn::internal
