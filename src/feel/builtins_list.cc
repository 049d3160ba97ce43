// FEEL list functions (DMN 1.5 §10.3.4.4) and sort (§10.3.4.8): list contains, list replace,
// count, min, max, sum, mean, all, any, sublist, append, concatenate, insert before, remove,
// reverse, index of, union, distinct values, flatten, product, median, stddev, mode, sort.
// Equality is FEEL `=` (Equal), order is FEEL `<` (Compare); positions are 1-based and a
// negative position counts from the end.
#include <algorithm>
#include <optional>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "feel/builtins.h"
#include "feel/builtins_util.h"
#include "feel/merge_sort.h"

namespace zebra::feel {
namespace {

using builtins_internal::AsList;
using builtins_internal::Describe;

// Functions taking either one list or the items themselves: min(1, 2) and min([1, 2]).
// No argument at all is an error (there is nothing to call the function on).
const List* ListOrItems(std::string_view fn, std::span<const Value> args, List& holder, EvalContext& ctx) {
  if (args.empty()) {
    ctx.Error(std::string(fn) + ": needs a list or at least one item");
    return nullptr;
  }
  if (args.size() == 1 && args[0].is(Type::kList)) return &args[0].list();
  holder.assign(args.begin(), args.end());
  return &holder;
}

bool Same(const Value& a, const Value& b) {
  // Strings first: `list contains` and `index of` over lists of identifiers.
  if (a.is(Type::kString) && b.is(Type::kString)) return a.string() == b.string();
  auto e = Equal(a, b);
  return e && *e;
}

// An integer position argument, a fraction truncated toward zero; nullopt (with an error) when
// not a number.
std::optional<int64_t> PositionArg(std::string_view fn, const Value& v, EvalContext& ctx) {
  if (auto i = builtins_internal::TruncatedInt(v)) return i;
  ctx.Error(std::string(fn) + ": position must be a number, got " + ToFeelLiteral(v));
  return std::nullopt;
}

// 1-based (or negative from the end) position to a 0-based index; nullopt when outside.
std::optional<size_t> IndexOf(int64_t pos, size_t size) {
  auto n = static_cast<int64_t>(size);
  if (pos >= 1 && pos <= n) return static_cast<size_t>(pos - 1);
  if (pos <= -1 && pos >= -n) return static_cast<size_t>(n + pos);
  return std::nullopt;
}

Value ListContains(std::span<const Value> args, EvalContext& ctx) {
  if (args[0].is_null()) return Value();
  if (!args[0].is(Type::kList)) return ctx.Error("list contains: expected a list, got a " + Describe(args[0]));
  for (const Value& v : args[0].list())
    if (Same(v, args[1])) return Value::Bool(true);
  return Value::Bool(false);
}

Value Count(std::span<const Value> args, EvalContext& ctx) {
  if (args[0].is_null()) return Value();
  if (!args[0].is(Type::kList)) return ctx.Error("count: expected a list, got a " + Describe(args[0]));
  return Value::Number(static_cast<int64_t>(args[0].list().size()));
}

Value Extreme(std::string_view fn, bool want_max, std::span<const Value> args, EvalContext& ctx) {
  List holder;
  const List* list = ListOrItems(fn, args, holder, ctx);
  if (!list) return Value();
  const List& items = *list;
  if (items.empty()) return Value();
  const Value* best = &items[0];
  for (size_t i = (items.size() > 1 ? 1 : 0); i < items.size(); ++i) {
    auto c = Compare(items[i], *best);
    if (!c) return ctx.Error(std::string(fn) + ": items are not comparable (" + ToFeelLiteral(items[i]) + ")");
    if (want_max ? (*c > 0) : (*c < 0)) best = &items[i];
  }
  return *best;
}
Value Min(std::span<const Value> a, EvalContext& c) { return Extreme("min", false, a, c); }
Value Max(std::span<const Value> a, EvalContext& c) { return Extreme("max", true, a, c); }

// The items as numbers; nullopt (with an error) when one is not a number.
std::optional<std::vector<Decimal>> Numbers(std::string_view fn, const List& items, EvalContext& ctx) {
  std::vector<Decimal> out;
  out.reserve(items.size());
  for (const Value& v : items) {
    if (!v.is(Type::kNumber)) {
      ctx.Error(std::string(fn) + ": expected numbers, got a " + Describe(v));
      return std::nullopt;
    }
    out.push_back(v.number());
  }
  return out;
}

// The numbers of fn(list) or fn(n1, n2, ...); nullopt (after any error) when there is no list
// or an item is not a number.
std::optional<std::vector<Decimal>> NumberArgs(std::string_view fn, std::span<const Value> args, EvalContext& ctx) {
  List holder;
  const List* items = ListOrItems(fn, args, holder, ctx);
  if (!items) return std::nullopt;
  return Numbers(fn, *items, ctx);
}

std::optional<Decimal> SumOf(std::string_view fn, const std::vector<Decimal>& xs, EvalContext& ctx) {
  Decimal total;
  for (const Decimal& x : xs) {
    auto t = total.Add(x);
    if (!t) {
      ctx.Error(std::string(fn) + ": result out of range");
      return std::nullopt;
    }
    total = *t;
  }
  return total;
}


std::optional<Decimal> MeanOf(std::string_view fn, const std::vector<Decimal>& xs, EvalContext& ctx) {
  auto s = SumOf(fn, xs, ctx);
  if (!s) return std::nullopt;
  auto m = s->Div(Decimal::FromInt(static_cast<int64_t>(xs.size())));
  if (!m) ctx.Error(std::string(fn) + ": result out of range");
  return m;
}

// sum and mean: null without numbers, else `of(fn, numbers)` (null after an out-of-range error).
using Aggregate = std::optional<Decimal> (*)(std::string_view, const std::vector<Decimal>&, EvalContext&);
Value NumberAggregate(std::string_view fn, Aggregate of, std::span<const Value> args, EvalContext& ctx) {
  auto xs = NumberArgs(fn, args, ctx);
  if (!xs || xs->empty()) return Value();
  auto r = of(fn, *xs, ctx);
  return r ? Value::Number(*r) : Value();
}

Value Sum(std::span<const Value> args, EvalContext& ctx) {
  if (args.size() == 1 && args[0].is(Type::kList)) return builtins_internal::SumOfList(args[0].list(), ctx);
  return NumberAggregate("sum", SumOf, args, ctx);
}
Value Mean(std::span<const Value> args, EvalContext& ctx) { return NumberAggregate("mean", MeanOf, args, ctx); }

Value Product(std::span<const Value> args, EvalContext& ctx) {
  auto xs = NumberArgs("product", args, ctx);
  if (!xs || xs->empty()) return Value();
  Decimal p = Decimal::FromInt(1);
  for (const Decimal& x : *xs) {
    auto t = p.Mul(x);
    if (!t) return ctx.Error("product: result out of range");
    p = *t;
  }
  return Value::Number(p);
}

Value Median(std::span<const Value> args, EvalContext& ctx) {
  auto xs = NumberArgs("median", args, ctx);
  if (!xs || xs->empty()) return Value();
  std::sort(xs->begin(), xs->end());
  size_t n = xs->size();
  if (n % 2 == 1) return Value::Number((*xs)[n / 2]);
  auto s = (*xs)[n / 2 - 1].Add((*xs)[n / 2]);
  auto m = s ? s->Div(Decimal::FromInt(2)) : std::nullopt;
  if (!m) return ctx.Error("median: result out of range");
  return Value::Number(*m);
}

// Sample standard deviation: sqrt(sum((x - mean)^2) / (n - 1)); null for fewer than 2 items.
Value Stddev(std::span<const Value> args, EvalContext& ctx) {
  auto xs = NumberArgs("stddev", args, ctx);
  if (!xs || xs->size() < 2) return Value();
  auto mean = MeanOf("stddev", *xs, ctx);
  if (!mean) return Value();
  Decimal squares;
  for (const Decimal& x : *xs) {
    auto d = x.Sub(*mean);
    auto sq = d ? d->Mul(*d) : std::nullopt;
    auto t = sq ? squares.Add(*sq) : std::nullopt;
    if (!t) return ctx.Error("stddev: result out of range");
    squares = *t;
  }
  auto var = squares.Div(Decimal::FromInt(static_cast<int64_t>(xs->size() - 1)));
  auto sd = var ? var->Sqrt() : std::nullopt;
  if (!sd) return ctx.Error("stddev: result out of range");
  return Value::Number(*sd);
}

// mode: the most frequent items, ascending; [] for an empty list.
Value Mode(std::span<const Value> args, EvalContext& ctx) {
  auto xs = NumberArgs("mode", args, ctx);
  if (!xs) return Value();
  std::sort(xs->begin(), xs->end());
  size_t best = 0;
  List out;
  for (size_t i = 0; i < xs->size();) {
    size_t j = i;
    while (j < xs->size() && (*xs)[j] == (*xs)[i]) ++j;
    size_t run = j - i;
    if (run > best) {
      best = run;
      out.clear();
    }
    if (run == best) out.push_back(Value::Number((*xs)[i]));
    i = j;
  }
  return Value::FromList(std::move(out));
}

// all / any: `decisive` as soon as an item equals it; otherwise null if an item is not a
// boolean (an error unless that item is null), else the other value.
Value AllOrAny(const char* name, bool decisive, std::span<const Value> args, EvalContext& ctx) {
  List holder;
  const List* list = ListOrItems(name, args, holder, ctx);
  if (!list) return Value();
  const List& items = *list;
  bool non_boolean = false;
  for (const Value& v : items) {
    if (v.is(Type::kBoolean)) {
      if (v.boolean() == decisive) return Value::Bool(decisive);
    } else {
      non_boolean = true;
    }
  }
  if (non_boolean) {
    for (const Value& v : items)
      if (!v.is_null() && !v.is(Type::kBoolean))
        return ctx.Error(std::string(name) + ": expected booleans, got a " + Describe(v));
    return Value();
  }
  return Value::Bool(!decisive);
}

// all: false if any item is false, else null if any is not a boolean, else true.
Value All(std::span<const Value> args, EvalContext& ctx) { return AllOrAny("all", false, args, ctx); }
// any: true if any item is true, else null if any is not a boolean, else false.
Value Any(std::span<const Value> args, EvalContext& ctx) { return AllOrAny("any", true, args, ctx); }

// sublist(list, start position[, length])
Value Sublist(std::span<const Value> args, EvalContext& ctx) {
  for (const Value& a : args)
    if (a.is_null()) return Value();
  if (!args[0].is(Type::kList)) return ctx.Error("sublist: expected a list, got a " + Describe(args[0]));
  const List& l = args[0].list();
  auto pos = PositionArg("sublist", args[1], ctx);
  if (!pos) return Value();
  auto start = IndexOf(*pos, l.size());
  if (!start) return ctx.Error("sublist: start position " + std::to_string(*pos) + " is outside the list");
  size_t end = l.size();
  if (args.size() > 2) {
    auto len = PositionArg("sublist", args[2], ctx);
    if (!len) return Value();
    if (*len < 0) return ctx.Error("sublist: length must not be negative");
    if (static_cast<uint64_t>(*len) > l.size() - *start)
      return ctx.Error("sublist: length goes past the end of the list");
    end = *start + static_cast<size_t>(*len);
  }
  return Value::FromList(List(l.begin() + static_cast<std::ptrdiff_t>(*start), l.begin() + static_cast<std::ptrdiff_t>(end)));
}

// append(list, item...)
Value Append(std::span<const Value> args, EvalContext& ctx) {
  if (args.empty()) return ctx.Error("append: missing list");
  if (args[0].is_null()) return Value();
  List holder;
  List out = AsList(args[0], holder);
  out.insert(out.end(), args.begin() + 1, args.end());
  return Value::FromList(std::move(out));
}

// concatenate(list...): a non-list argument is a one-item list (ConcatenateOf, builtins_util.h).
Value Concatenate(std::span<const Value> args, EvalContext&) {
  return builtins_internal::ConcatenateOf(args.size(), [&](size_t i) -> const Value& { return args[i]; });
}

// fn(list, position, ...): a copy of the list changed by `edit(copy, item)` at the item the
// 1-based (or negative, from the end) position names. Null for a null list or position; an
// error for a position outside the list.
template <class Edit>
Value EditAt(std::string_view fn, std::span<const Value> args, EvalContext& ctx, Edit edit) {
  if (args[0].is_null() || args[1].is_null()) return Value();
  if (!args[0].is(Type::kList)) return ctx.Error(std::string(fn) + ": expected a list, got a " + Describe(args[0]));
  const List& l = args[0].list();
  auto pos = PositionArg(fn, args[1], ctx);
  if (!pos) return Value();
  auto at = IndexOf(*pos, l.size());
  if (!at) return ctx.Error(std::string(fn) + ": position " + std::to_string(*pos) + " is outside the list");
  List out = l;
  edit(out, out.begin() + static_cast<std::ptrdiff_t>(*at));
  return Value::FromList(std::move(out));
}

// insert before(list, position, newItem)
Value InsertBefore(std::span<const Value> args, EvalContext& ctx) {
  return EditAt("insert before", args, ctx, [&](List& out, List::iterator it) { out.insert(it, args[2]); });
}

// remove(list, position)
Value Remove(std::span<const Value> args, EvalContext& ctx) {
  return EditAt("remove", args, ctx, [](List& out, List::iterator it) { out.erase(it); });
}

// list replace(list, position, newItem) / list replace(list, match, newItem): with a match
// function, every item for which match(item, newItem) is true is replaced.
Value ListReplace(std::span<const Value> args, EvalContext& ctx) {
  if (args[0].is(Type::kList) && args[1].is(Type::kFunction)) {
    List out = args[0].list();
    const Function& match = args[1].function();
    for (Value& item : out) {
      Value pair[2] = {item, args[2]};
      Value r = match.Call(pair, ctx);
      if (ctx.limit_exceeded) return Value();
      if (!r.is(Type::kBoolean)) return ctx.Error("list replace: match function must return a boolean");
      if (r.boolean()) item = args[2];
    }
    return Value::FromList(std::move(out));
  }
  return EditAt("list replace", args, ctx, [&](List&, List::iterator it) { *it = args[2]; });
}

Value ListReplaceMatch(std::span<const Value> args, EvalContext& ctx) {
  if (!args[1].is_null() && !args[1].is(Type::kFunction))
    return ctx.Error("list replace: match must be a function");
  return ListReplace(args, ctx);
}

Value Reverse(std::span<const Value> args, EvalContext& ctx) {
  if (args[0].is_null()) return Value();
  if (!args[0].is(Type::kList)) return ctx.Error("reverse: expected a list, got a " + Describe(args[0]));
  List out(args[0].list().rbegin(), args[0].list().rend());
  return Value::FromList(std::move(out));
}

// index of(list, match): every 1-based position of match.
Value IndexOfFn(std::span<const Value> args, EvalContext& ctx) {
  if (args[0].is_null()) return Value();
  if (!args[0].is(Type::kList)) return ctx.Error("index of: expected a list, got a " + Describe(args[0]));
  List out;
  const List& l = args[0].list();
  for (size_t i = 0; i < l.size(); ++i)
    if (Same(l[i], args[1])) out.push_back(Value::Number(static_cast<int64_t>(i + 1)));
  return Value::FromList(std::move(out));
}

// Keeps the first of FEEL-equal items. Numbers, strings and booleans go through a hash set
// (equal numbers such as 1 and 1.0 hash alike); other values, which have no cheap hash, are
// compared one by one with the other non-hashed values (values of different types are never
// equal, so the two groups cannot overlap).
class DistinctCollector {
 public:
  explicit DistinctCollector(List& out) : out_(out) {}

  void Add(const List& items) {
    for (const Value& v : items) {
      if (auto h = Hash(v)) {
        auto& bucket = seen_[*h];
        bool dup = std::any_of(bucket.begin(), bucket.end(), [&](size_t i) { return Same(out_[i], v); });
        if (dup) continue;
        bucket.push_back(out_.size());
      } else {
        bool dup = std::any_of(others_.begin(), others_.end(), [&](size_t i) { return Same(out_[i], v); });
        if (dup) continue;
        others_.push_back(out_.size());
      }
      out_.push_back(v);
    }
  }

 private:
  static std::optional<size_t> Hash(const Value& v) {
    switch (v.type()) {
      case Type::kNumber: return v.number().Hash() * 3;
      case Type::kString: return std::hash<std::string>{}(v.string()) * 3 + 1;
      case Type::kBoolean: return static_cast<size_t>(v.boolean()) * 3 + 2;
      default: return std::nullopt;
    }
  }

  List& out_;
  std::unordered_map<size_t, std::vector<size_t>> seen_;
  std::vector<size_t> others_;
};

Value DistinctValues(std::span<const Value> args, EvalContext& ctx) {
  if (args[0].is_null()) return Value();
  if (!args[0].is(Type::kList)) return ctx.Error("distinct values: expected a list, got a " + Describe(args[0]));
  const List& items = args[0].list();
  List out;
  if (items.size() <= 16) {
    // A short list is compared pairwise: the same first occurrences as the hashed collector,
    // whose hashes agree with Same (decimals are canonical), without its map.
    // The items before the first repeat are distinct: with no repeat, the result is the list
    // itself (values are immutable), not a copy.
    auto seen_before = [&](size_t i) {
      return std::any_of(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(i),
                         [&](const Value& o) { return Same(o, items[i]); });
    };
    size_t first_repeat = 1;
    while (first_repeat < items.size() && !seen_before(first_repeat)) ++first_repeat;
    if (first_repeat >= items.size()) return args[0];
    out.reserve(items.size());
    out.assign(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(first_repeat));
    for (size_t i = first_repeat + 1; i < items.size(); ++i)
      if (std::none_of(out.begin(), out.end(), [&](const Value& o) { return Same(o, items[i]); })) out.push_back(items[i]);
    return Value::FromList(std::move(out));
  }
  DistinctCollector(out).Add(items);
  return Value::FromList(std::move(out));
}

// union(list...): a non-list argument is a one-item list.
Value Union(std::span<const Value> args, EvalContext&) {
  List out;
  DistinctCollector distinct(out);
  for (const Value& a : args) {
    if (a.is_null()) return Value();
    List holder;
    distinct.Add(AsList(a, holder));
  }
  return Value::FromList(std::move(out));
}

bool FlattenInto(List& out, const List& items, int depth, EvalContext& ctx) {
  if (depth > ctx.max_depth) {
    ctx.Error("flatten: list nested too deeply");
    return false;
  }
  for (const Value& v : items) {
    if (v.is(Type::kList)) {
      if (!FlattenInto(out, v.list(), depth + 1, ctx)) return false;
    } else {
      out.push_back(v);
    }
  }
  return true;
}

Value Flatten(std::span<const Value> args, EvalContext& ctx) {
  if (args[0].is_null()) return Value();
  if (!args[0].is(Type::kList)) return ctx.Error("flatten: expected a list, got a " + Describe(args[0]));
  List out;
  if (!FlattenInto(out, args[0].list(), 0, ctx)) return Value();
  return Value::FromList(std::move(out));
}

// sort(list, precedes): a stable merge sort written out, because std::sort has undefined
// behaviour for a comparator that is not a strict weak order, and precedes is user code.
class Sorter {
 public:
  Sorter(const Function& precedes, EvalContext& ctx) : precedes_(precedes), ctx_(ctx) {}

  // (merge_sort.h: the same comparisons as the inline comparator's call node, user_call.cc)
  bool Sort(List& items) {
    return internal::MergeSort(items, [this](const Value& a, const Value& b) { return Precedes(a, b); });
  }

 private:
  std::optional<bool> Precedes(const Value& a, const Value& b) {
    // The pair is borrowed: both outlive the call, and a function reads its arguments or copies them.
    Value pair[2];
    pair[0].Borrow(a);
    pair[1].Borrow(b);
    struct Unborrow {
      Value* p;
      ~Unborrow() {
        p[0].Unborrow();
        p[1].Unborrow();
      }
    } unborrow{pair};
    Value r = precedes_.Call(pair, ctx_);
    if (ctx_.limit_exceeded) return std::nullopt;
    if (!r.is(Type::kBoolean)) {
      ctx_.Error("sort: precedes must return a boolean, got " + ToFeelLiteral(r));
      return std::nullopt;
    }
    return r.boolean();
  }

  const Function& precedes_;
  EvalContext& ctx_;
};

Value Sort(std::span<const Value> args, EvalContext& ctx) {
  if (args[0].is_null()) return Value();
  if (!args[0].is(Type::kList)) return ctx.Error("sort: expected a list, got a " + Describe(args[0]));
  if (!args[1].is(Type::kFunction)) return ctx.Error("sort: precedes must be a function");
  List items = args[0].list();
  Sorter sorter(args[1].function(), ctx);
  if (!sorter.Sort(items)) return Value();
  return Value::FromList(std::move(items));
}

// DMN 1.5 §10.3.2.9.4 "to singleton list": a single value passed as the list parameter is a
// one-item list. Wraps implementations whose first parameter is the list.
template <BuiltinImpl F>
Value ListFirst(std::span<const Value> args, EvalContext& ctx) {
  if (args.empty() || args[0].is_null() || args[0].is(Type::kList)) return F(args, ctx);
  std::vector<Value> copy(args.begin(), args.end());
  copy[0] = Value::FromList(List{args[0]});
  return F(copy, ctx);
}

}  // namespace

namespace builtins_internal {

// NumberArgs and SumOf for one list (the same checks, messages and additions, in the same order).
Value SumOfList(const List& items, EvalContext& ctx) {
  for (const Value& v : items)
    if (!v.is(Type::kNumber)) return ctx.Error("sum: expected numbers, got a " + Describe(v));
  if (items.empty()) return Value();
  Decimal total;
  for (const Value& v : items) {
    auto t = total.Add(v.number());
    if (!t) return ctx.Error("sum: result out of range");
    total = *t;
  }
  return Value::Number(total);
}

}  // namespace builtins_internal

void RegisterListBuiltins(BuiltinRegistrar& r) {
  r.Add("list contains", {{{"list", "element"}, ListFirst<ListContains>}});
  r.Add("list replace",
        {{{"list", "position", "newItem"}, ListFirst<ListReplace>}, {{"list", "match", "newItem"}, ListFirst<ListReplaceMatch>}});
  r.Add("count", {{{"list"}, ListFirst<Count>}});
  // Variadic forms take the items themselves: min(1, 2, 3) as well as min([1, 2, 3]).
  r.Add("min", {{{"list"}, Min}, {{"c"}, Min, true}});
  r.Add("max", {{{"list"}, Max}, {{"c"}, Max, true}});
  r.Add("sum", {{{"list"}, Sum}, {{"n"}, Sum, true}});
  r.Add("mean", {{{"list"}, Mean}, {{"n"}, Mean, true}});
  r.Add("product", {{{"list"}, Product}, {{"n"}, Product, true}});
  r.Add("median", {{{"list"}, Median}, {{"n"}, Median, true}});
  r.Add("stddev", {{{"list"}, Stddev}, {{"n"}, Stddev, true}});
  r.Add("mode", {{{"list"}, Mode}, {{"n"}, Mode, true}});
  r.Add("all", {{{"list"}, All}, {{"b"}, All, true}});
  r.Add("any", {{{"list"}, Any}, {{"b"}, Any, true}});
  r.Add("sublist", {{{"list", "start position"}, ListFirst<Sublist>}, {{"list", "start position", "length"}, ListFirst<Sublist>}});
  r.Add("append", {{{"list", "item"}, Append, true}});
  r.Add("concatenate", {{{"list"}, Concatenate, true}});
  r.Add("insert before", {{{"list", "position", "newItem"}, ListFirst<InsertBefore>}});
  r.Add("remove", {{{"list", "position"}, ListFirst<Remove>}});
  r.Add("reverse", {{{"list"}, ListFirst<Reverse>}});
  r.Add("index of", {{{"list", "match"}, ListFirst<IndexOfFn>}});
  r.Add("union", {{{"list"}, Union, true}});
  r.Add("distinct values", {{{"list"}, ListFirst<DistinctValues>}});
  r.Add("flatten", {{{"list"}, ListFirst<Flatten>}});
  r.Add("sort", {{{"list", "precedes"}, ListFirst<Sort>}});
}

}  // namespace zebra::feel
