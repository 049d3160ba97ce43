// Decision tables (DMN 1.5 §8.2, §8.3): compiled once at load (input expressions, input entries
// as unary tests, output entries as expressions), evaluated with every hit policy.
#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <unordered_map>

#include <pugixml.hpp>

#include "common/bytes.h"
#include "common/hash.h"
#include "dmn/internal.h"
#include "dmn/trace_text.h"
#include "feel/nodes.h"

namespace zebra::dmn::internal {
namespace {

namespace fi = feel::internal;
using feel::Type;
using feel::Value;

enum class HitPolicy : uint8_t { kUnique, kAny, kPriority, kFirst, kRuleOrder, kOutputOrder, kCollect };
enum class Aggregation : uint8_t { kNone, kSum, kCount, kMin, kMax };

struct Rule;

// The set bits of `bits`, one step a fired rule: std::popcount without -mpopcnt is a library
// call (__popcountdi2), dearer than the loop for the few rules a table fires.
[[gnu::always_inline]] inline size_t CountRules(uint64_t bits) {
  size_t n = 0;
  for (; bits; bits &= bits - 1) ++n;
  return n;
}

// The matched rules of one evaluation (pointers, in rule order); inline up to 32.
class RuleList {
 public:
  [[gnu::always_inline]] void push_back(const Rule* r) {
    if (size_ < kInline) inline_[size_] = r;
    else {
      if (heap_.empty()) heap_.assign(inline_, inline_ + kInline);
      heap_.push_back(r);
    }
    ++size_;
  }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const Rule* operator[](size_t i) const { return size_ <= kInline ? inline_[i] : heap_[i]; }
  const Rule* front() const { return (*this)[0]; }

 private:
  static constexpr size_t kInline = 32;
  const Rule* inline_[kInline];
  std::vector<const Rule*> heap_;
  size_t size_ = 0;
};

// ---- rule index (issue #3) ------------------------------------------------------------------
// Per input column, the rules each input value can satisfy, so that a table of N rules does not
// test N cells per column. Cells are sorted at load time into:
//   pass      "-", and entries the index does not understand (checked per rule, afterwards);
//   literal   a disjunction of string or boolean literals: "a", "b", true
//   numeric   one interval over number literals: [1..5), < 3, >= 10
// For an input value the column's mask is pass | the literal rules for that value | the numeric
// rules of the elementary segment holding the value; the table's candidates are the AND of the
// column masks. Literal verdicts follow MatchesValue exactly: a string literal matches an equal
// string only; `true` matches true and any non-null, non-boolean value; `false` matches false.
// Numeric cells decide by themselves only for a number input; for a null input they never
// match; for any other input they are evaluated per rule as before (they report the type error).

using Bits = std::vector<uint64_t>;
using Inputs = std::span<const Value* const>;  // the evaluated input expressions, by column

struct NumericCell {
  std::optional<feel::Decimal> low, high;  // nullopt: unbounded
  bool low_closed = true, high_closed = true;
};

struct ColumnIndex {
  bool active = false;           // some cell is indexed
  Bits pass;                     // rules whose cell is "-" or checked per rule
  std::unordered_map<std::string, std::vector<uint32_t>> strings;
  std::vector<uint32_t> if_true, if_false;  // rules with a `true` / `false` literal
  // Numeric intervals: sorted distinct endpoints e0 < e1 < ...; segment 2i+1 is the point ei,
  // segment 2i the open gap below ei, segment 2k the gap above the last. Rules per segment (CSR).
  std::vector<feel::Decimal> endpoints;
  std::vector<uint32_t> segment_start;  // size segments + 1
  std::vector<uint32_t> segment_rules;
  Bits numeric;  // every rule with a numeric cell (evaluated per rule for non-number inputs)
};

// ---- equivalence classes (issue #21) ---------------------------------------------------------
// When every input entry of a table is "-" or a test over literals only (string, boolean, null
// and number literals; intervals and comparisons over number literals; disjunctions and not() of
// these), each test's verdict is the same for every input value of one class: null, false,
// true, each elementary number segment between the column's number literals, each string
// literal, and "any other string". The verdicts are computed at load by running the interpreter's
// own unary test on one representative per class, giving one rule mask per class; a case's
// candidates are the AND of one mask per column and need no test at all. A class whose
// representative made a test report an error, and input values of any other type, take the
// per-rule path (Match / MatchIndexed) so their verdicts and diagnostics stay the interpreter's.
//
// A column whose every entry is "-" or `list contains(?, "literal")` (a list of codes, such as the
// treatments planned) is a membership column instead: its input, a list of strings, selects the
// rules with "-" and the rules of each literal it holds; a null input has its own class; a list
// holding anything but strings, and every other input, takes the per-rule path.
struct ColumnClasses {
  // Classes: 0 null, 1 false, 2 true, 3 .. 3 + 2k numbers (segments, as in ColumnIndex), then
  // one per string literal, then other strings.
  // Membership column: 0 null, 1 the rules with "-" (a list holding none of the literals), then
  // one per string literal (its rules only).
  bool membership = false;
  std::vector<feel::Decimal> endpoints;
  std::vector<std::string> strings;
  std::vector<uint64_t> masks;                             // `words` per class
  std::vector<uint8_t> usable;                             // per class
  // The string literals by a cheap hash (open addressing, linear probing): slot = literal index
  // + 1, 0 empty. Built at load (BuildStringTable); StringLiteral() answers like the scan of
  // `strings` it replaces.
  std::vector<uint32_t> string_table;
  uint64_t string_mask = 0;
  size_t string_count = 0;  // strings.size(), for StringLiteral
  static constexpr size_t kNoClass = SIZE_MAX;
  void BuildStringTable() {
    size_t size = 8;
    while (size < 2 * strings.size()) size *= 2;
    string_table.assign(size, 0);
    string_mask = size - 1;
    string_count = strings.size();
    for (size_t i = 0; i < strings.size(); ++i) {
      uint64_t at = HashText(strings[i]) & string_mask;
      while (string_table[at] != 0) at = (at + 1) & string_mask;
      string_table[at] = static_cast<uint32_t>(i + 1);
    }
  }
  // Immortal strings are interned: feel::MakeImmortal keeps one copy of each text, and nothing
  // else makes an owner-less string pointer. So an immortal input string (a model's literal, a
  // table's output) equals a literal exactly when it is the literal's immortal copy: found by its
  // address, without hashing or comparing its bytes. The literals' copies by address in a perfect
  // hash table (a multiplier chosen at load so that no two copies share a slot): one probe, and a
  // string not in its slot is no literal. Slots hold (address, literal index); address null when
  // empty. None when some literal could not be made immortal (the registry is full), or no
  // multiplier was found (then strings are classified by their text).
  struct AddressTable {
    std::vector<std::pair<const std::string*, uint32_t>> slots;
    uint64_t multiplier = 0;
    unsigned shift = 63;  // 64 - log2(slots.size()), slots.size() >= 2
    [[gnu::always_inline]] size_t Slot(const std::string* p) const {
      return static_cast<size_t>((reinterpret_cast<uintptr_t>(p) * multiplier) >> shift);
    }
  };
  // Behind a pointer: the size of ColumnClasses is FastMatch's index stride (192 bytes, a
  // multiple of 64, compiles to shifts and adds).
  std::unique_ptr<AddressTable> addresses;
  void BuildAddressTable() {
    addresses.reset();
    std::vector<const std::string*> copies;
    for (const std::string& s : strings) {
      const Value v = feel::MakeImmortal(Value::String(s));
      if (!feel::IsImmortal(v.string_ptr())) return;
      copies.push_back(v.string_ptr().get());
    }
    auto t = std::make_unique<AddressTable>();
    // Odd multipliers from a fixed sequence; the table grows until one separates the copies. Up
    // to 4,096 slots (64 KiB): enough for a column of a hundred or so literals; past that the
    // column's strings are classified by their text (only slower).
    uint64_t state = 0x9E3779B97F4A7C15ull;
    for (unsigned bits = 1; bits <= 12; ++bits) {
      const size_t size = size_t{1} << bits;
      if (size < 2 * copies.size()) continue;
      t->shift = 64 - bits;
      for (int attempt = 0; attempt < 64; ++attempt) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        t->multiplier = state | 1;
        t->slots.assign(size, {nullptr, 0});
        bool ok = true;
        for (size_t i = 0; i < copies.size() && ok; ++i) {
          auto& e = t->slots[t->Slot(copies[i])];
          if (e.first) ok = false;
          else e = {copies[i], static_cast<uint32_t>(i)};
        }
        if (ok) {
          addresses = std::move(t);
          return;
        }
      }
    }
  }
  // StringLiteral(v.string()), by address when `v`'s string is immortal.
  [[gnu::always_inline]] size_t StringIndex(const Value& v) const {
    const feel::StringPtr& p = v.string_ptr();
    // feel::IsImmortal(p), inline (GCC kept it a call here).
    if (addresses && p && p.use_count() == 0) {
      const auto& e = addresses->slots[addresses->Slot(p.get())];
      return e.first == p.get() ? e.second : string_count;
    }
    return StringLiteral(*p);
  }
  // The index of the literal equal to `s`, or strings.size() (other strings).
  [[gnu::always_inline]] size_t StringLiteral(const std::string& s) const {
    for (uint64_t at = HashText(s) & string_mask;; at = (at + 1) & string_mask) {
      const uint32_t e = string_table[at];
      if (e == 0) return string_count;
      const std::string& lit = strings[e - 1];
      if (lit.size() == s.size() && SameBytes(lit.data(), s.data(), s.size())) return e - 1;
    }
  }
  size_t NumberClasses() const { return 2 * endpoints.size() + 1; }
  size_t first_string = 0;  // 3 + NumberClasses(), set once the classes are built
  size_t ClassCount() const { return 3 + NumberClasses() + strings.size() + 1; }

  // Segments found without Decimal::Compare: with `scale` decimal places enough for every
  // endpoint, a number x has the exact key 2·floor(x·10^scale) (+1 when x·10^scale is not an
  // integer), and endpoint e the key 2·e·10^scale, so keys order as the values do. Numbers
  // whose key does not fit take Decimal::Compare.
  int scale = -1;              // -1: no keys
  std::vector<int64_t> keys;   // of the endpoints
  static constexpr int64_t kLimit = int64_t{1} << 60;
  static constexpr std::array<uint64_t, 20> kPow10 = [] {
    std::array<uint64_t, 20> p{};
    p[0] = 1;
    for (size_t i = 1; i < p.size(); ++i) p[i] = p[i - 1] * 10;
    return p;
  }();
  // Key() for a coefficient below 2^64 and |d| <= 18 in 64-bit arithmetic: the same key, and
  // false exactly when Key() answers false.
  [[gnu::always_inline]] static bool Key64(uint64_t c, int d, bool negative, int64_t& key) {
    uint64_t q;
    bool fraction = false;
    if (d >= 0) {
      // c·10^d >= 2^60 ⟺ c >= ceil(2^60 / 10^d)
      const uint64_t p = kPow10[static_cast<size_t>(d)];
      if (c >= (static_cast<uint64_t>(kLimit) + p - 1) / p) return false;
      q = c * p;
    } else {
      const uint64_t p = kPow10[static_cast<size_t>(-d)];
      q = c / p;
      fraction = q * p != c;
      if (q >= static_cast<uint64_t>(kLimit)) return false;
    }
    const int64_t t = static_cast<int64_t>(q);
    if (!negative || c == 0) key = 2 * t + (fraction ? 1 : 0);
    else key = fraction ? -2 * t - 1 : -2 * t;
    return true;
  }
  [[gnu::always_inline]] static bool FastKey(const feel::Decimal& x, int scale, int64_t& key) {
    const int d = x.exponent() + scale;
    if ((x.coefficient() >> 64) == 0 && d >= -18 && d <= 18) [[likely]]
      return Key64(static_cast<uint64_t>(x.coefficient()), d, x.negative(), key);
    return Key(x, scale, key);
  }
  static bool Key(const feel::Decimal& x, int scale, int64_t& key) {
    __extension__ using Uint128 = unsigned __int128;
    Uint128 c = x.coefficient();
    const int d = x.exponent() + scale;
    Uint128 q = c;
    bool fraction = false;
    if (d >= 0) {
      for (int i = 0; i < d; ++i) {
        if (q >= static_cast<Uint128>(kLimit)) return false;
        q *= 10;
      }
    } else {
      if (d < -30) return false;
      Uint128 p = 1;
      for (int i = 0; i < -d; ++i) p *= 10;
      fraction = c % p != 0;
      q = c / p;
    }
    if (q >= static_cast<Uint128>(kLimit)) return false;
    const int64_t t = static_cast<int64_t>(q);
    if (!x.IsNegative()) key = 2 * t + (fraction ? 1 : 0);
    else key = fraction ? -2 * t - 1 : -2 * t;
    return true;
  }
  void SetFixedKeys() {
    int s = 0;
    for (const auto& e : endpoints) s = std::max(s, -e.exponent());
    if (s > 18) return;
    std::vector<int64_t> k(endpoints.size());
    for (size_t i = 0; i < endpoints.size(); ++i)
      if (!Key(endpoints[i], s, k[i]) || (k[i] & 1)) return;  // too large (or not a whole key)
    scale = s;
    keys = std::move(k);
  }
  // The segment of `x` (see ColumnIndex), by key when possible.
  [[gnu::always_inline]] size_t Segment(const feel::Decimal& x) const {
    int64_t key;
    if (scale >= 0 && !keys.empty() && FastKey(x, scale, key)) [[likely]] {
      // std::lower_bound without branches on the comparisons.
      const size_t i = static_cast<size_t>(std::lower_bound(keys.begin(), keys.end(), key) - keys.begin());
      return i < keys.size() && keys[i] == key ? 2 * i + 1 : 2 * i;
    }
    auto it = std::lower_bound(endpoints.begin(), endpoints.end(), x,
                               [](const feel::Decimal& e, const feel::Decimal& v) { return e.Compare(v) < 0; });
    size_t i = static_cast<size_t>(it - endpoints.begin());
    return it != endpoints.end() && it->Compare(x) == 0 ? 2 * i + 1 : 2 * i;
  }
};

struct Cell {
  std::optional<feel::CompiledUnaryTests> test;  // input entry
  std::optional<feel::CompiledExpression> expr;  // output entry
  bool dash = false;
  int test_id = -1;   // input entry: index of its distinct (column, text) test
  std::string error;  // the cell did not compile: evaluating the table is an error
  // Output entry that is a literal: its value evaluated, coerced to the column type and checked
  // against the output values once at load (a literal that fails keeps the per-hit path, which
  // reports the error as before).
  std::optional<Value> constant;
};

struct Rule {
  std::string id;
  int index = 0;  // 1-based
  std::vector<Cell> inputs;
  // With a rule index: the columns whose cells are still tested one by one (in column order),
  // and whether that column's cell is numeric (tested only when the input is not a number).
  std::vector<std::pair<uint32_t, bool>> checks;
  std::vector<Cell> outputs;
  std::optional<Value> packed;  // every output constant: the rule's result, built once at load
  // What a fired rule's trace entry shows (views of these, of the table's owner): the rule's id,
  // or its index as text when it has none, and its annotation entries.
  std::string trace_rule;
  std::vector<std::string> annotations;
  std::string trace_text;  // the trace entry's JSON text (TraceEntry::text)
};

// The value of the path `p` read from `t`, its root's slot, as PathNode::EvalRef's own fast path
// reads it (through shaped contexts whose shapes each step has cached; a null or an absent entry
// is null), without its call; null when that path would not answer (then p.EvalRef does, from
// the start: reading up to here changed nothing).
const Value kNull;
[[gnu::always_inline]] inline const Value* ReadPath(const fi::PathNode& p, const Value* t) {
  for (size_t i = 0; i < p.chain_length; ++i) {
    if (!t->is(Type::kContext)) [[unlikely]]
      return t->is_null() ? &kNull : nullptr;
    const feel::Context& c = t->context();
    const feel::ContextShape* shape = c.shape();
    if (!shape) [[unlikely]]
      return nullptr;
    size_t at;
    if (!p.steps[i]->seen.Cached(*shape, at)) [[unlikely]]
      return nullptr;
    if (at >= c.shaped_size()) return &kNull;
    t = &c.shaped_value(at);
  }
  return t;
}

struct InputColumn {
  std::optional<feel::CompiledExpression> expr;
  // When the expression is just a name bound to a slot (`Age`): that slot, read without the
  // interpreter (its EvaluateRef gives the slot itself, a fresh frame having no filter item).
  int direct_slot = -1;
  // Otherwise, when the expression declares no locals (`Treatment Facts.advanced`): its body,
  // read as CompiledExpression::EvaluateRef reads it, without the call around it.
  const feel::internal::Node* body = nullptr;
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

// COLLECT results (without aggregation) by the mask of the rules that fired, when every one of
// them has constant outputs (Rule::packed): such a result depends on the mask alone, so it is
// built once, made immortal, and every later evaluation with that mask copies it (no list to
// fill, and no reference count to write when it is copied or dropped). Read without a lock by
// every thread: a slot, once published (release), holds its entry until the table goes. At most
// kMaxEntries masks a table (a table's results are few: 24 at most in 500 clinical cases); past
// that, and when the immortal registry is full, results are built as before.
class CollectMemo {
 public:
  static constexpr size_t kSlots = 256, kMaxEntries = 128;  // linear probing, at most half full
  using Key = std::array<uint64_t, 4>;  // the mask, words past the table's last zero
  // The result kept for `key`, or null.
  template <size_t kWords>
  [[gnu::always_inline]] const Value* Find(const std::array<uint64_t, kWords>& key) const {
    for (size_t at = SlotOf<kWords>(key.data());; at = (at + 1) & (kSlots - 1)) {
      const Entry* e = slots_[at].load(std::memory_order_acquire);
      if (!e) [[unlikely]]
        return nullptr;
      bool same = true;
      for (size_t w = 0; w < kWords; ++w) same &= e->key[w] == key[w];
      if (same) return &e->value;
    }
  }
  // Whether Add may keep another result (checked first: making a result immortal costs).
  bool HasRoom() const { return count_.load(std::memory_order_relaxed) < kMaxEntries; }
  // Keeps `result` (immortal) for `key`, unless full or kept already.
  template <size_t kWords>
  void Add(const std::array<uint64_t, kWords>& key, const Value& result) const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (entries_.size() >= kMaxEntries) return;
    auto e = std::make_unique<Entry>();
    std::copy_n(key.data(), kWords, e->key.data());
    e->value = result;
    size_t at = SlotOf<kWords>(key.data());
    for (;; at = (at + 1) & (kSlots - 1)) {
      const Entry* old = slots_[at].load(std::memory_order_relaxed);
      if (!old) break;
      if (old->key == e->key) return;  // another thread kept it first
    }
    slots_[at].store(e.get(), std::memory_order_release);
    entries_.push_back(std::move(e));
    count_.store(entries_.size(), std::memory_order_relaxed);
  }
 private:
  struct Entry {
    Key key{};
    Value value;
  };
  template <size_t kWords>
  [[gnu::always_inline]] static size_t SlotOf(const uint64_t* key) {
    uint64_t h = key[0];
    for (size_t w = 1; w < kWords; ++w) h = (h ^ (h >> 29)) * 0xBF58476D1CE4E5B9ull + key[w];
    return static_cast<size_t>((h * 0x9E3779B97F4A7C15ull) >> 56);  // 256 slots
  }
  mutable std::array<std::atomic<const Entry*>, kSlots> slots_{};
  mutable std::mutex mutex_;
  mutable std::vector<std::unique_ptr<Entry>> entries_;  // kept until the table goes
  mutable std::atomic<size_t> count_{0};                 // entries_.size(), read without the lock
};

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
  bool indexed = false;     // `index` is built (see ColumnIndex)
  size_t words = 0;         // 64-bit words of a rule bitset
  std::vector<ColumnIndex> index;
  bool distinct_output_names = false;  // outputs can be appended to the result context unchecked
  // The output names as a key table (when distinct and more than one): result rows hold only
  // their values, and paths into them (`Facts.x`) find an entry by its position in the shape.
  const feel::ContextShape* output_shape = nullptr;
  bool classed = false;                // `classes` is built (see ColumnClasses)
  // When every input column has a direct_slot: the largest + 1 (a frame at least this large
  // serves them all from its slots); -1 otherwise.
  int direct_slot_bound = -1;
  std::vector<ColumnClasses> classes;
  // Classes of one word (at most 64 rules), every input a plain name read from its slot, no
  // inputValues: Eval finds the candidates in one pass over the slots (FastMatch).
  bool fast_match = false;
  bool has_default = false;  // some output has a default output entry
  // Classes of at most 4 words, every input expression compiled, no inputValues: Eval reads each
  // column and narrows the candidates by its class in one pass (EvalClassed).
  bool one_pass = false;
  // The one-step paths of a one_pass table from one slot (`Treatment Facts.advanced`, `.site`,
  // ...): their names' positions resolved together, once per shape family met, and read as one
  // published array, so a column's read needs no cache check of its own. The positions are as
  // ShapedPosition finds them (in the family; FromCache maps them into a subset); kAbsent when the
  // family lacks the name.
  class PathGroup {
   public:
    static constexpr uint32_t kAbsent = 0xFFFFFFFFu;
    struct Positions {
      uint32_t cache_id = 0;
      std::vector<uint32_t> at;  // by member
    };
    size_t slot = 0;
    size_t slot_offset = 0;  // slot * sizeof(Value): FastViews' address with no multiply
    // For two-step paths (`Case.tumor.size_cm`): their common first step, read from the slot's
    // context through this node's position cache; the names are then the second steps'.
    const fi::PathNode* prefix = nullptr;
    std::vector<std::string_view> names;  // by member: the paths' names
    // Positions for a null context (by member, all 0 against a size of 0: every name reads null),
    // so that EvalViews reads a null root like any other.
    std::vector<uint32_t> none;
    // Every member a membership column and no prefix: over a list of shaped contexts (`Options.id`)
    // EvalViews reads the entries where it classifies them (EntriesMembershipMask).
    bool entries_ok = false;
    // The positions for contexts of `shape`; null when this group has resolved kMaxFamilies
    // families already (the columns then read through their own caches).
    [[gnu::always_inline]] const Positions* Get(const feel::ContextShape& shape) const {
      const Positions* p = current_.load(std::memory_order_acquire);
      if (p->cache_id == shape.cache_id()) [[likely]]
        return p;
      return Miss(shape);
    }

   private:
    static constexpr size_t kMaxFamilies = 16;  // a slot's contexts are mostly of one family
    [[gnu::noinline]] const Positions* Miss(const feel::ContextShape& shape) const {
      std::lock_guard<std::mutex> lock(mutex_);
      const Positions* found = nullptr;
      for (const auto& p : resolved_)
        if (p->cache_id == shape.cache_id()) found = p.get();
      if (!found) {
        if (resolved_.size() >= kMaxFamilies) return nullptr;
        const feel::ContextShape& family = shape.family() ? *shape.family() : shape;
        auto p = std::make_unique<Positions>();
        p->cache_id = shape.cache_id();
        for (std::string_view name : names) {
          const size_t at = family.IndexOf(name);
          p->at.push_back(at == feel::ContextShape::npos ? kAbsent : static_cast<uint32_t>(at));
        }
        found = p.get();
        resolved_.push_back(std::move(p));
      }
      current_.store(found, std::memory_order_release);
      return found;
    }
    mutable std::mutex mutex_;
    mutable std::vector<std::unique_ptr<Positions>> resolved_;  // kept until the table goes
    // The last family met; at first kNoFamily, whose cache_id 0 no shape has (ids start at 1), so
    // that Get needs no null test.
    static const Positions kNoFamily;  // defined after DecisionTable
    mutable std::atomic<const Positions*> current_{&kNoFamily};
  };
  std::vector<std::unique_ptr<PathGroup>> path_groups;

  // A one_pass table's columns as EvalClassed reads them: how the input is read and the class
  // data, in one array (built by PlanOnePass once the classes are).
  struct OnePassColumn {
    enum class Read : uint8_t { kPathStep, kPath, kSlot, kOther };
    Read read = Read::kOther;
    bool membership = false;
    size_t slot = 0;                          // kPathStep, kPath: the root's slot; kSlot: the slot
    const feel::ShapedPosition* seen = nullptr;  // kPathStep: the one step's position cache
    const PathGroup* group = nullptr;            // kPathStep: its slot's paths, and its member
    size_t member = 0;
    size_t view = SIZE_MAX;  // paths of one or two steps: the group's index (EvalClassed's views)
    // In a view_plan table: the view EvalViews reads this column from (its group's, or the slots'
    // view for kSlot) and the position's index there.
    uint32_t fast_view = 0;
    uint32_t fast_member = 0;
    uint32_t fast_view_offset = 0;  // fast_view * sizeof(FastView): ViewRead's address with no shift
    bool other = false;  // in a view_plan table: read by Read, in column order, whether tested or not
    const fi::PathNode* path = nullptr;       // kPathStep, kPath
    const InputColumn* input = nullptr;
    const ColumnClasses* cc = nullptr;
    const uint64_t* masks = nullptr;
    // The column's usable flags and one more, 0: the class of values of other types (no_class).
    std::vector<uint8_t> usable;
    size_t no_class = 0;
    size_t first_string = 0;
    // ClassOf with the column's data at hand: the class of `v` (no_class for other types);
    // whether it is usable is the caller's test.
    [[gnu::always_inline]] size_t ClassOf(const Value& v) const {
      switch (v.type()) {
        case Type::kNull: return 0;
        case Type::kBoolean: return v.boolean() ? 2 : 1;
        case Type::kNumber: return 3 + cc->Segment(v.number());
        case Type::kString: {
          // cc->StringIndex(v) + first_string, through this column's copy of the address table.
          // No null test of `p`: a string value always holds one (StringLiteral reads it), and an
          // empty slot holds kEmptySlot, which is no string's address.
          const feel::StringPtr& p = v.string_ptr();
          if (multiplier && p.use_count() == 0) {
            const auto& e =
                string_classes[static_cast<size_t>((reinterpret_cast<uintptr_t>(p.get()) * multiplier) >> shift)];
            return e.first == p.get() ? e.second : other_strings;
          }
          return first_string + cc->StringLiteral(*p);
        }
        default: return no_class;
      }
    }
    // cc's AddressTable with each literal's class (first_string + its index) in place of the index,
    // so that an immortal string's class takes one probe and no addition; multiplier 0 (an odd
    // number otherwise) when cc has none.
    std::vector<std::pair<const std::string*, uint32_t>> string_classes;
    static inline const std::string kEmptySlotString;  // its address marks the empty slots
    static constexpr const std::string* kEmptySlot = &kEmptySlotString;
    uint64_t multiplier = 0;
    unsigned shift = 63;
    size_t other_strings = 0;  // the class of strings that are no literal
    // The rules whose entry in this column is not "-" (first `words` words): a column that none
    // of the candidates left tests is not classified (see EvalClassed).
    std::array<uint64_t, 4> tested{};
  };
  std::vector<OnePassColumn> plan;
  std::array<uint64_t, 4> all_rules{};  // a one_pass table's rules, as a mask
  // COLLECT without aggregation, at most 4 words: the rules whose outputs are all constant
  // (Rule::packed), and the results kept by mask (CollectMask).
  std::array<uint64_t, 4> packed_rules{};
  std::unique_ptr<CollectMemo> collect_memo;
  void PlanCollectMemo();
  // A one_pass table whose every column reads a path group's context or a slot (EvalViews): no
  // column's read can report anything or needs evaluating, given views that resolve.
  bool view_plan = false;
  bool view_others = false;               // some column of a view_plan table is `other`
  bool slot_view = false;                 // some column reads a slot: view path_groups.size() is the slots
  std::vector<uint32_t> slot_positions;   // that view's positions: the slots, by fast_member
  size_t slot_bound = 0;                  // the largest such slot + 1
  void PlanOnePass();

  // A dispatcher with no frame of its own: every path is out of line (tail calls), so that a table
  // does not pay the save and restore of the registers that the largest path needs.
  Value Eval(std::span<const Value> slots, feel::EvalContext& ctx) const override {
    if (fast_match) [[unlikely]]
      return EvalFastMatch(slots, ctx);
    return EvalClassedOrGeneral(slots, ctx);
  }
  [[gnu::always_inline]] Value EvalClassedOrGeneral(std::span<const Value> slots, feel::EvalContext& ctx) const {
    if (one_pass) [[likely]] {
      if (words == 1) return EvalClassed<1>(slots, ctx);
      if (words == 2) return EvalClassed<2>(slots, ctx);
      return EvalClassed<4>(slots, ctx);
    }
    return EvalGeneral(slots, ctx);
  }
  [[gnu::noinline]] Value EvalFastMatch(std::span<const Value> slots, feel::EvalContext& ctx) const {
    if (static_cast<size_t>(direct_slot_bound) <= slots.size()) {
      uint64_t bits = ~uint64_t{0};
      if (FastMatch(slots, bits)) [[likely]] {
        // Decide() for no match and for the two policies that need no list of the matches.
        if (bits == 0) return Default(slots, ctx);
        if (policy == HitPolicy::kFirst) return Fire(rules[static_cast<size_t>(std::countr_zero(bits))], slots, ctx);
        if (policy == HitPolicy::kCollect && aggregation == Aggregation::kNone)
          return CollectMask<1>(std::array<uint64_t, 1>{bits}, 1, slots, ctx);
        RuleList matched;
        for (; bits; bits &= bits - 1) matched.push_back(&rules[static_cast<size_t>(std::countr_zero(bits))]);
        return Decide(matched, slots, ctx);
      }
    }
    return EvalClassedOrGeneral(slots, ctx);
  }

  // Eval for tables that neither FastMatch nor EvalClassed can take (out of line, so that the
  // FastMatch path above keeps a small frame).
  [[gnu::noinline]] Value EvalGeneral(std::span<const Value> slots, feel::EvalContext& ctx) const {
    if (!table_error.empty()) return ctx.Error(table_error);
    // Each input expression once per evaluation (§8.3.1).
    // Inputs that are paths into the slots (`Case.tumor.primary_site`) are borrowed, not copied.
    // Every column a plain name inside the frame: all borrowed, no computed values to construct.
    const bool all_direct = direct_slot_bound >= 0 && static_cast<size_t>(direct_slot_bound) <= slots.size();
    ScratchArray<Value, 48> computed(all_direct ? 0 : inputs.size());
    ScratchArray<const Value*, 48> in(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
      const InputColumn& c = inputs[i];
      if (!c.expr) return ctx.Error("input " + std::to_string(i + 1) + ": " + c.expr_error);
      if (c.direct_slot >= 0 && static_cast<size_t>(c.direct_slot) < slots.size()) {
        in[i] = &slots[static_cast<size_t>(c.direct_slot)];
      } else if (c.body) {
        feel::internal::Frame f;
        f.globals = slots;
        f.ctx = &ctx;
        in[i] = &feel::internal::EvalRefOf(*c.body, f, computed[i]);
      } else {
        in[i] = &c.expr->EvaluateRef(slots, ctx, computed[i]);
      }
      if (c.allowed && !in[i]->is_null() && !c.allowed->Test(*in[i], slots, ctx).is_true())
        return ctx.Error("input " + std::to_string(i + 1) + " ('" + c.text + "') value " + feel::ToFeelLiteral(*in[i]) +
                         " is not among the input values " + c.allowed->source());
    }
    RuleList matched;
    Inputs in_values(in.data(), in.size());
    if (!(classed && MatchClasses(in_values, matched)) &&
        !(indexed ? MatchIndexed(in_values, slots, ctx, matched) : Match(in_values, slots, ctx, matched)))
      return Value();
    return Decide(matched, slots, ctx);
  }

  // Null values for the inputs EvalClassed evaluates rather than borrows (fi::ScratchValue), made
  // one at a time when needed (most inputs are borrowed: paths and slots); on the stack for up
  // to 48 columns. They do not move: the inputs' references stay valid until the end.
  class ScratchValues {
   public:
    explicit ScratchValues(size_t n) : n_(n) {
      data_ = n <= kInline ? reinterpret_cast<fi::ScratchValue*>(inline_)
                           : static_cast<fi::ScratchValue*>(::operator new(n * sizeof(fi::ScratchValue)));
    }
    ~ScratchValues() {
      for (size_t i = 0; i < used_; ++i) data_[i].~ScratchValue();
      if (n_ > kInline) ::operator delete(data_);
    }
    ScratchValues(const ScratchValues&) = delete;
    ScratchValues& operator=(const ScratchValues&) = delete;
    // A fresh null value (at most n in all).
    fi::ScratchValue& Next() { return *new (data_ + used_++) fi::ScratchValue(); }

   private:
    static constexpr size_t kInline = 48;
    size_t n_;
    size_t used_ = 0;
    fi::ScratchValue* data_;
    alignas(fi::ScratchValue) unsigned char inline_[kInline * sizeof(fi::ScratchValue)];
  };
  // The inputs' values by column, left uninitialised (each is set before it is read); on the stack
  // for up to 48 columns.
  class InputRefs {
   public:
    explicit InputRefs(size_t n) {
      if (n > kInline) heap_.resize(n);
      data_ = n > kInline ? heap_.data() : inline_;
    }
    const Value*& operator[](size_t i) { return data_[i]; }
    const Value* const* data() const { return data_; }

   private:
    static constexpr size_t kInline = 48;
    const Value* inline_[kInline];
    std::vector<const Value*> heap_;
    const Value** data_;
  };

  // A path group's context as EvalOnePass reads it: the values of the shaped context in its slot
  // and the positions of the group's names in them (`at` null when that slot holds anything else,
  // a subset's context, or a family past the group's: Read then reads each column).
  struct GroupView {  // left uninitialised until View sets every member
    const Value* values;
    const uint32_t* at;
    const feel::ContextShape* subset;  // the context's shape when a subset (positions by FromCache)
    size_t size;
    bool silent;  // the path's context is a context or null: reading a name there reports nothing
  };
  static constexpr size_t kMaxGroupViews = 8;

  // Eval for a one_pass table of at most kWords words (`words` of them used): each input
  // expression once per evaluation (§8.3.1), in column order, and its value's class mask ANDed
  // into the candidates as it is read. Once the candidates are none, the remaining inputs are
  // still evaluated (their errors are reported) but not classified: the per-rule path would drop
  // every rule at a column already classified, and test nothing after it. An input that needs
  // the per-rule path (no usable class) sends the whole table there, as MatchClasses does.
  template <size_t kWords>
  [[gnu::noinline]] Value EvalClassed(std::span<const Value> slots, feel::EvalContext& ctx) const {
    if (view_plan && slot_bound <= slots.size()) [[likely]] {
      // The contexts the paths read, each group's resolved once (slots do not change during the
      // evaluation).
      std::array<FastView, kMaxGroupViews> views;
      std::array<uint32_t, kMaxSubsetPositions> subset_positions;
      if (FastViews(views.data(), subset_positions.data(), slots)) [[likely]] {
        if (view_others) [[unlikely]]
          return EvalViewsOthers<kWords>(views, slots, ctx);
        return EvalViews<kWords, false>(views, slots, ctx, nullptr, nullptr);
      }
    }
    return EvalOnePass<kWords>(slots, ctx);
  }

  // A view_plan table's path group as EvalViews reads it: the values of the shaped context its
  // paths read and the positions of the group's names in them; for a null root (a null, or an
  // absent first step) the group's `none` positions against a size of 0, so that every name reads
  // null; for a list of shaped contexts (entries_ok groups, `Options.id`) the same, and the list.
  // The slots are one more view (slot_view). A subset's positions are mapped from its family's
  // (FromCache) once, when the view is set up, rather than at every read. 32 bytes, left
  // uninitialised until FastViews sets every member.
  struct FastView {
    const Value* values;
    const uint32_t* at;
    const feel::List* entries;  // an entries_ok group's list of shaped contexts, else null
    size_t size;
  };
  static constexpr size_t kMaxSubsetPositions = 64;  // the subsets' mapped positions, all groups
  // Fills views[0 .. path_groups.size()] (the last one the slots', when slot_view) for a view_plan
  // table whose slot reads are inside the frame, and `entries` for the groups that read a list,
  // mapping subsets' positions into `subset_positions` (kMaxSubsetPositions); false when some
  // group's context is none of those View resolves for EvalViews, or the subsets' positions do not
  // fit (then EvalOnePass reads the table: nothing has been read or reported).
  [[gnu::always_inline]] bool FastViews(FastView* views, uint32_t* subset_positions, std::span<const Value> slots) const {
    const size_t ng = path_groups.size();  // at most kMaxGroupViews - slot_view (PlanOnePass)
    // Held in a local: the stores into `views` would otherwise make GCC reload it every group.
    const std::unique_ptr<PathGroup>* const groups = path_groups.data();
    size_t mapped = 0;
    for (size_t g = 0; g < ng; ++g) {
      const PathGroup& group = *groups[g];
      FastView& v = views[g];
      const Value* t = reinterpret_cast<const Value*>(reinterpret_cast<const char*>(slots.data()) + group.slot_offset);
      if (group.prefix) {
        // The first step as the path reads it (ReadPath): null on null, an entry or null from a
        // shaped context; anything else is left to the columns' own reads.
        if (t->is_null()) {
          v = FastView{nullptr, group.none.data(), nullptr, 0};
          continue;
        }
        if (!t->is(Type::kContext) || !t->context().shape()) [[unlikely]]
          return false;
        const Value* e = group.prefix->seen.Find(t->context(), group.prefix->name);
        t = e ? e : &kNull;
      }
      if (t->is(Type::kContext)) [[likely]] {
        const feel::Context& root = t->context();
        const feel::ContextShape* shape = root.shape();
        if (!shape) [[unlikely]]
          return false;
        const PathGroup::Positions* p = group.Get(*shape);
        if (!p) [[unlikely]]
          return false;
        const uint32_t* at = p->at.data();
        if (shape->family()) [[unlikely]] {
          // kAbsent, or a name the subset lacks, maps to npos: 0xFFFFFFFF here, past any size.
          const size_t n = group.names.size();
          if (n > kMaxSubsetPositions - mapped) return false;
          uint32_t* out = subset_positions + mapped;
          for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint32_t>(shape->FromCache(at[i]));
          mapped += n;
          at = out;
        }
        const size_t size = root.shaped_size();
        v = FastView{size ? &root.shaped_value(0) : nullptr, at, nullptr, size};
      } else if (t->is_null()) {
        v = FastView{nullptr, group.none.data(), nullptr, 0};
      } else if (group.entries_ok && ShapedContexts(*t)) {
        // Every name reads as the list itself (position 0 of 1): EvalViews' class of a list is
        // no_class, which sends its membership columns to the entries.
        v = FastView{t, group.none.data(), &t->list(), 1};
      } else {
        return false;
      }
    }
    if (slot_view)
      views[ng] = FastView{slots.data(), slot_positions.data(), nullptr, slots.size()};
    return true;
  }

  // EvalClassed for a view_plan table whose views all resolve (every path's context is a shaped
  // context of a family its group keeps, or null; every slot read is inside the frame): each
  // column's input is an entry of a view, read with no evaluation and reporting nothing, so only
  // the columns a candidate tests are read at all, in column order, and the inputs need not be
  // kept: the per-rule path, when a class sends the table there, reads them all again (the same
  // references). With no candidate left nothing after that column is read (nothing to report).
  // EvalViews for a table with `other` columns: their values kept (out of line, so that the tables
  // without keep a small frame).
  template <size_t kWords>
  [[gnu::noinline]] Value EvalViewsOthers(const std::array<FastView, kMaxGroupViews>& views, std::span<const Value> slots,
                                          feel::EvalContext& ctx) const {
    ScratchValues computed(plan.size());
    InputRefs in(plan.size());
    return EvalViews<kWords, true>(views, slots, ctx, &computed, &in[0]);
  }
  template <size_t kWords, bool kOthers>
  [[gnu::always_inline]] Value EvalViews(const std::array<FastView, kMaxGroupViews>& views, std::span<const Value> slots,
                                         feel::EvalContext& ctx, ScratchValues* computed, const Value** in) const {
    const size_t nw = kWords < 4 ? kWords : words;
    std::array<uint64_t, kWords> cand;
    std::copy_n(all_rules.data(), kWords, cand.data());
    const OnePassColumn* const begin = plan.data();
    const OnePassColumn* c = begin;
    const OnePassColumn* const end = c + plan.size();
    // `other` columns (computed inputs, longer paths): evaluated in column order, tested or not,
    // their values kept (`in`, `computed`) for the per-rule path.
    for (; c != end; ++c) {
      const Value* v = nullptr;
      if constexpr (kOthers) {
        if (c->other) v = in[c - begin] = Read(*c, slots, ctx, *computed);
      }
      uint64_t live = 0;
      for (size_t w = 0; w < nw; ++w) live |= cand[w] & c->tested[w];
      if (!live) continue;
      if (!kOthers || !c->other) v = ViewRead(views.data(), *c);
      // A membership column's usable classes are null's alone (its mask is MembershipMask's for
      // null), and a list (an entries view reads as its list) is no_class: so its test costs the
      // other columns nothing until the class is found unusable.
      const uint64_t* mask;
      std::array<uint64_t, kWords> m;
      const size_t k = c->ClassOf(*v);
      if (c->usable[k]) [[likely]] {
        mask = c->masks + k * nw;
      } else {
        if (!c->membership) return PerRuleFromViews(views.data(), slots, ctx, in, c - begin, computed);
        const feel::List* entries = kOthers && c->other ? nullptr : views[c->fast_view].entries;
        if (!(entries ? EntriesMembership<kWords>(*c, *entries, m.data()) : MembershipMask(*c->cc, *v, m.data())))
          return PerRuleFromViews(views.data(), slots, ctx, in, c - begin, computed);
        mask = m.data();
      }
      uint64_t any = 0;
      for (size_t w = 0; w < nw; ++w) any |= (cand[w] &= mask[w]);
      if (!any) {
        if constexpr (kOthers)
          for (++c; c != end; ++c)
            if (c->other) Read(*c, slots, ctx, *computed);
        return Default(slots, ctx);
      }
    }
    return DecideMask<kWords>(cand, slots, ctx);
  }
  // EntriesMembershipMask for EvalViews (`words` <= kWords), through the column's own copy of the
  // address table (OnePassColumn::ClassOf): one probe for an immortal string, no library copy of
  // the first mask, the number of words known.
  template <size_t kWords>
  [[gnu::noinline]] bool EntriesMembership(const OnePassColumn& c, const feel::List& list, uint64_t* out) const {
    const size_t nw = kWords < 4 ? kWords : words;
    const uint64_t* const masks = c.masks;
    for (size_t w = 0; w < nw; ++w) out[w] = masks[nw + w];  // the rules with "-"
    const fi::PathNode& p = *c.path;
    for (const Value& e : list) {
      const Value* v = p.seen.Find(e.context(), p.name);
      if (!v || !v->is(Type::kString)) return false;
      const feel::StringPtr& s = v->string_ptr();
      size_t i;  // the literal's index
      if (c.multiplier && s.use_count() == 0) {
        const auto& slot =
            c.string_classes[static_cast<size_t>((reinterpret_cast<uintptr_t>(s.get()) * c.multiplier) >> c.shift)];
        if (slot.first != s.get()) continue;  // no literal
        i = slot.second - c.first_string;
      } else {
        i = c.cc->StringLiteral(*s);
        if (i == c.cc->string_count) continue;
      }
      const uint64_t* m = masks + (2 + i) * nw;
      for (size_t w = 0; w < nw; ++w) out[w] |= m[w];
    }
    return true;
  }
  // Column `c`'s input in EvalViews: an entry of its view (null when the context lacks the name).
  [[gnu::always_inline]] static const Value* ViewRead(const FastView* views, const OnePassColumn& c) {
    const FastView& g =
        *reinterpret_cast<const FastView*>(reinterpret_cast<const char*>(views) + c.fast_view_offset);
    const size_t at = g.at[c.fast_member];  // kAbsent, and a subset's npos, are past any size
    return at < g.size ? g.values + at : &kNull;
  }
  // EvalViews' per-rule path: every input read from the views (as EvalClassed's Read would read
  // it, reporting nothing), then the rules tested one by one.
  // `kept`: the `other` columns' values up to column `upto` (the one that sent the table here); the
  // ones after it are evaluated now, in column order. `computed` holds such values.
  [[gnu::noinline]] Value PerRuleFromViews(const FastView* views, std::span<const Value> slots,
                                           feel::EvalContext& ctx, const Value* const* kept, ptrdiff_t upto,
                                           ScratchValues* computed) const {
    const size_t n = plan.size();
    InputRefs in(n);
    ScratchValues lists(n);  // the lists `Options.id` makes over an entries view
    for (size_t j = 0; j < n; ++j) {
      const OnePassColumn& c = plan[j];
      if (c.other) {
        in[j] = static_cast<ptrdiff_t>(j) <= upto ? kept[j] : Read(c, slots, ctx, *computed);
      } else if (views[c.fast_view].entries) {
        fi::Frame f;
        f.globals = slots;
        f.ctx = &ctx;
        in[j] = &c.path->EvalRef(f, lists.Next());
      } else {
        in[j] = ViewRead(views, c);
      }
    }
    RuleList matched;
    Inputs in_values(in.data(), n);
    if (!(indexed ? MatchIndexed(in_values, slots, ctx, matched) : Match(in_values, slots, ctx, matched)))
      return Value();
    return Decide(matched, slots, ctx);
  }
  // Decide() for the candidates `cand` (not empty) of a table of at most kWords words: FIRST and
  // COLLECT without aggregation straight from the mask, as Eval does for FastMatch tables.
  template <size_t kWords>
  [[gnu::always_inline]] Value DecideMask(const std::array<uint64_t, kWords>& cand, std::span<const Value> slots,
                                          feel::EvalContext& ctx) const {
    const size_t nw = kWords < 4 ? kWords : words;
    if (policy == HitPolicy::kFirst)
      for (size_t w = 0; w < nw; ++w)
        if (cand[w]) return Fire(rules[w * 64 + static_cast<size_t>(std::countr_zero(cand[w]))], slots, ctx);
    if (policy == HitPolicy::kCollect && aggregation == Aggregation::kNone)
      return CollectMask<kWords>(cand, nw, slots, ctx);
    // A copy for the out-of-line call: were `cand` itself passed by address, GCC would keep it in
    // memory through the column loop (a load and a store a column).
    std::array<uint64_t, kWords> bits = cand;
    return DecideBits(bits.data(), nw, slots, ctx);
  }
  // COLLECT without aggregation for the rules of the mask `cand` (`nw` words, not empty): their
  // values appended in rule order to a reused list (SpareList). Flattened, so that the list's
  // push_back and the value's copy are inline: GCC left push_back an out-of-line call (~36
  // instructions a fired rule, 14 of them its frame). What is marked noinline stays a call:
  // FireOutputs (a rule with computed outputs), Record (the trace), the pointer copies.
  // `cand` by value: by address, GCC kept the caller's candidates in memory through its loop.
  // With every fired rule constant, the result kept for this mask (CollectMemo) is copied, after
  // the same trace entries; a result not kept yet is built as below and kept.
  template <size_t kWords>
  [[gnu::noinline, gnu::flatten]] Value CollectMask(std::array<uint64_t, kWords> cand, size_t nw,
                                                   std::span<const Value> slots, feel::EvalContext& ctx) const {
    bool keep = false;
    if (collect_memo) [[likely]] {
      uint64_t computed = 0;
      for (size_t w = 0; w < kWords; ++w) computed |= cand[w] & ~packed_rules[w];
      if (!computed) [[likely]] {
        if (const Value* kept = collect_memo->Find<kWords>(cand)) [[likely]] {
          TraceMask(cand.data(), nw, ctx);
          return *kept;
        }
        keep = true;
      }
    }
    std::shared_ptr<feel::List> list = SpareList();
    feel::List& values = *list;
    size_t count = 0;
    for (size_t w = 0; w < nw; ++w) count += CountRules(cand[w]);
    if (values.capacity() < count) values.reserve(count);  // a reused list has room already
    for (size_t w = 0; w < nw; ++w)
      for (uint64_t bits = cand[w]; bits; bits &= bits - 1)
        AppendFired(values, rules[w * 64 + static_cast<size_t>(std::countr_zero(bits))], slots, ctx);
    Value result = Value::FromList(feel::ListPtr(std::move(list)));
    if (keep) return Keep<kWords>(cand, std::move(result));
    return result;
  }
  // The trace entries of the rules of the mask `cand` (`nw` words), in rule order, as Fire and
  // AppendFired write them.
  [[gnu::always_inline]] void TraceMask(const uint64_t* cand, size_t nw, const feel::EvalContext& ctx) const {
    const EvalFrame* frame = FrameOf(ctx);
    if (frame && frame->trace) [[unlikely]]
      for (size_t w = 0; w < nw; ++w)
        for (uint64_t bits = cand[w]; bits; bits &= bits - 1)
          Record(rules[w * 64 + static_cast<size_t>(std::countr_zero(bits))], *frame);
  }
  // `result` (a COLLECT list of constant rules' values) made immortal and kept for `cand`; `result`
  // itself when the memo or the immortal registry is full.
  template <size_t kWords>
  [[gnu::noinline]] Value Keep(const std::array<uint64_t, kWords>& cand, Value result) const {
    if (!collect_memo->HasRoom()) return result;
    Value kept = feel::MakeImmortal(result);
    if (!feel::IsImmortal(kept.list_ptr())) return result;
    collect_memo->Add<kWords>(cand, kept);
    return kept;
  }
  // Decide() for the rules of the mask `cand` (`nw` words).
  [[gnu::noinline]] Value DecideBits(const uint64_t* cand, size_t nw, std::span<const Value> slots,
                                     feel::EvalContext& ctx) const {
    // One rule under UNIQUE or ANY: its value, as Decide gives it, without the list of matches.
    if (policy == HitPolicy::kUnique || policy == HitPolicy::kAny) {
      size_t only = 0, count = 0;
      for (size_t w = 0; w < nw; ++w)
        if (cand[w]) {
          count += (cand[w] & (cand[w] - 1)) ? 2 : 1;
          only = w * 64 + static_cast<size_t>(std::countr_zero(cand[w]));
        }
      if (count == 1) return Fire(rules[only], slots, ctx);
    }
    RuleList matched;
    for (size_t w = 0; w < nw; ++w)
      for (uint64_t bits = cand[w]; bits; bits &= bits - 1)
        matched.push_back(&rules[w * 64 + static_cast<size_t>(std::countr_zero(bits))]);
    return Decide(matched, slots, ctx);
  }

  // EvalClassed for any one_pass table: each column read as its plan says (views, when they
  // resolve; else the column's own read).
  template <size_t kWords>
  [[gnu::noinline]] Value EvalOnePass(std::span<const Value> slots, feel::EvalContext& ctx) const {
    std::array<GroupView, kMaxGroupViews> views;
    const size_t ng = std::min(path_groups.size(), kMaxGroupViews);
    for (size_t g = 0; g < ng; ++g) views[g] = View(*path_groups[g], slots);
    const size_t n = plan.size();
    const size_t nw = kWords < 4 ? kWords : words;
    ScratchValues computed(n);
    InputRefs in(n);
    // Every rule (no bit past the last: a column not classified leaves those as they are).
    std::array<uint64_t, kWords> cand;
    std::copy_n(all_rules.data(), kWords, cand.data());
    enum : uint8_t { kClassing, kNone, kPerRule } state = kClassing;
    const OnePassColumn* columns = plan.data();
    size_t i = 0;
    for (; i < n; ++i) {
      const OnePassColumn& c = columns[i];
      // No candidate left tests this column: on the per-rule path every rule that reaches it
      // passes it without a test, so its class neither narrows nor sends anything to that path.
      // The input is still evaluated in column order unless reading it reports nothing (a slot,
      // or a one-step path from a slot holding a context or null); such a one is left unread
      // (null here), read only if the per-rule path needs it.
      uint64_t live = 0;
      for (size_t w = 0; w < nw; ++w) live |= cand[w] & c.tested[w];
      if (!live) {
        if (Silent(c, views.data(), slots)) {
          in[i] = nullptr;
        } else {
          in[i] = Read(c, slots, ctx, computed);
        }
        continue;
      }
      const Value* v;
      if (c.view < kMaxGroupViews && views[c.view].at) [[likely]] {
        // A one-step path (`Treatment Facts.advanced`) from its group's shaped context.
        const GroupView& g = views[c.view];
        size_t at = g.at[c.member];
        if (g.subset) [[unlikely]]
          at = g.subset->FromCache(at);  // kAbsent is past the family, as in ShapedPosition
        v = at < g.size ? g.values + at : &kNull;
      } else {
        v = Read(c, slots, ctx, computed);
      }
      in[i] = v;
      uint64_t any = 0;
      if (c.membership) [[unlikely]] {
        std::array<uint64_t, kWords> m{};
        if (!(v ? MembershipMask(*c.cc, *v, m.data())
                : EntriesMembershipMask(*c.cc, *c.path, slots[c.slot].list(), m.data()))) {
          state = kPerRule;
          break;
        }
        for (size_t w = 0; w < nw; ++w) any |= (cand[w] &= m[w]);
      } else {
        const size_t k = c.ClassOf(*v);
        if (!c.usable[k]) [[unlikely]] {
          state = kPerRule;
          break;
        }
        const uint64_t* mask = c.masks + k * nw;
        for (size_t w = 0; w < nw; ++w) any |= (cand[w] &= mask[w]);
      }
      if (!any) {
        state = kNone;
        break;
      }
    }
    // Past the column that decided: read, not classified. With no candidate left nothing uses the
    // values: only the inputs whose evaluation may report something are evaluated — not a slot,
    // nor a one-step path from a slot holding a context or null (an entry or null, silently).
    if (i < n && state == kNone) {
      for (++i; i < n; ++i)
        if (!Silent(columns[i], views.data(), slots)) Read(columns[i], slots, ctx, computed);
    } else if (i < n) {
      for (++i; i < n; ++i) in[i] = Read(columns[i], slots, ctx, computed);
    }
    if (state == kNone) return Default(slots, ctx);
    RuleList matched;
    if (state == kPerRule) [[unlikely]] {
      for (size_t j = 0; j < n; ++j)
        if (!in[j]) in[j] = ReadForPerRule(columns[j], slots, ctx, computed);
      Inputs in_values(in.data(), n);
      if (!(indexed ? MatchIndexed(in_values, slots, ctx, matched) : Match(in_values, slots, ctx, matched)))
        return Value();
      return Decide(matched, slots, ctx);
    }
    if (policy == HitPolicy::kFirst)
      for (size_t w = 0; w < nw; ++w)
        if (cand[w]) return Fire(rules[w * 64 + static_cast<size_t>(std::countr_zero(cand[w]))], slots, ctx);
    for (size_t w = 0; w < nw; ++w)
      for (uint64_t bits = cand[w]; bits; bits &= bits - 1)
        matched.push_back(&rules[w * 64 + static_cast<size_t>(std::countr_zero(bits))]);
    return Decide(matched, slots, ctx);
  }

  [[gnu::always_inline]] static GroupView View(const PathGroup& group, std::span<const Value> slots) {
    GroupView g{nullptr, nullptr, nullptr, 0, false};
    const Value* t = &slots[group.slot];
    if (group.prefix) {
      // The first step as the path reads it (ReadPath): null on null, an entry or null from a
      // shaped context; anything else is left to the columns' own reads.
      if (t->is_null()) {
        g.silent = true;
        return g;
      }
      if (!t->is(Type::kContext) || !t->context().shape()) return g;
      const Value* e = group.prefix->seen.Find(t->context(), group.prefix->name);
      t = e ? e : &kNull;
    }
    if (t->is(Type::kContext)) {
      g.silent = true;
      const feel::Context& root = t->context();
      if (const feel::ContextShape* shape = root.shape()) [[likely]] {
        if (const PathGroup::Positions* p = group.Get(*shape)) {
          g.at = p->at.data();
          if (shape->family()) g.subset = shape;
          g.size = root.shaped_size();
          g.values = g.size ? &root.shaped_value(0) : nullptr;
        }
      }
    } else {
      g.silent = t->is_null();
    }
    return g;
  }
  // Whether reading column `c`'s input reports nothing: a slot, or a one-step path from a slot
  // holding a context or null (an entry or null).
  [[gnu::always_inline]] static bool Silent(const OnePassColumn& c, const GroupView* views,
                                            std::span<const Value> slots) {
    if (c.view < kMaxGroupViews) return views[c.view].silent;
    if (c.read == OnePassColumn::Read::kPathStep) {
      const Value& t = slots[c.slot];
      return t.is(Type::kContext) || t.is_null();
    }
    return c.read == OnePassColumn::Read::kSlot && c.slot < slots.size();
  }
  // The value of column `c`'s input expression: borrowed from the slots when it is a slot or a
  // path through shaped contexts (as PathNode::EvalRef's own fast path reads it), else evaluated
  // into a scratch value. Null for `Options.id` over a list of shaped contexts into a membership
  // column: its entries are read where the column is classified (EntriesMembershipMask), the list
  // of them made only if the per-rule path needs it (ReadForPerRule). Nothing is reported then.
  [[gnu::noinline]] const Value* Read(const OnePassColumn& c, std::span<const Value> slots, feel::EvalContext& ctx,
                                      ScratchValues& computed) const {
    fi::Frame f;
    f.globals = slots;
    f.ctx = &ctx;
    switch (c.read) {
      case OnePassColumn::Read::kPathStep: {
        // ReadPath for a path of one step, through the group's positions.
        const Value& t = slots[c.slot];
        const Value* v = nullptr;
        if (t.is(Type::kContext) && t.context().shape()) {
          const feel::Context& root = t.context();
          const feel::ContextShape& shape = *root.shape();
          size_t at;
          if (const PathGroup::Positions* p = c.group->Get(shape)) {
            at = p->at[c.member];
            if (shape.family()) at = shape.FromCache(at);  // kAbsent is past the family, as in ShapedPosition
            v = at < root.shaped_size() ? &root.shaped_value(at) : &kNull;
          } else if (c.seen->Cached(shape, at)) {
            v = at < root.shaped_size() ? &root.shaped_value(at) : &kNull;
          }
        } else if (t.is_null()) {
          v = &kNull;
        }
        if (!v) [[unlikely]] {
          if (c.membership && ShapedContexts(t)) return nullptr;
          v = &c.path->EvalRef(f, computed.Next());
        }
        return v;
      }
      case OnePassColumn::Read::kPath: {
        const Value* v = ReadPath(*c.path, &slots[c.slot]);
        return v ? v : &c.path->EvalRef(f, computed.Next());
      }
      case OnePassColumn::Read::kSlot:
        if (c.slot < slots.size()) return &slots[c.slot];
        break;
      default:
        break;
    }
    return c.input->body ? &fi::EvalRefOf(*c.input->body, f, computed.Next())
                         : &c.input->expr->EvaluateRef(slots, ctx, computed.Next().get());
  }
  // For the per-rule path, an input EvalClassed left unread (Silent, or `Options.id` over a list):
  // read now, reporting nothing.
  [[gnu::noinline]] const Value* ReadForPerRule(const OnePassColumn& c, std::span<const Value> slots,
                                                feel::EvalContext& ctx, ScratchValues& computed) const {
    if (c.read == OnePassColumn::Read::kSlot) return &slots[c.slot];
    if (const Value* v = Read(c, slots, ctx, computed)) return v;
    fi::Frame f;
    f.globals = slots;
    f.ctx = &ctx;
    return &c.path->EvalRef(f, computed.Next());
  }

  // The table's answer for the rules that matched, by hit policy.
  Value Decide(const RuleList& matched, std::span<const Value> slots, feel::EvalContext& ctx) const {
    if (matched.empty()) return Default(slots, ctx);

    switch (policy) {
      case HitPolicy::kUnique: {
        if (matched.size() > 1) {
          std::string ids;
          for (size_t i = 0; i < matched.size(); ++i) ids += (ids.empty() ? "" : ", ") + std::to_string(matched[i]->index);
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
        for (size_t i = 0; i < matched.size(); ++i) {
          const Rule* r = matched[i];
          std::vector<Value> outs(outputs.size());
          if (!RuleOutputs(*r, slots, ctx, outs.data())) return Value();
          fired.emplace_back(r, std::move(outs));
        }
        std::stable_sort(fired.begin(), fired.end(),
                         [&](const auto& a, const auto& b) { return PriorityLess(a.second, b.second); });
        if (policy == HitPolicy::kPriority) {
          Trace(*fired.front().first, ctx);
          return Pack(fired.front().second.data());
        }
        feel::List out;
        for (auto& [r, outs] : fired) {
          Trace(*r, ctx);
          out.push_back(Pack(outs.data()));
        }
        return Value::FromList(std::move(out));
      }
      case HitPolicy::kRuleOrder: {
        feel::List out;
        out.reserve(matched.size());
        for (size_t i = 0; i < matched.size(); ++i) out.push_back(Fire(*matched[i], slots, ctx));
        return Value::FromList(std::move(out));
      }
      case HitPolicy::kCollect:
        return Collect(matched, slots, ctx);
    }
    return Value();
  }

 private:
  // An empty list for a COLLECT result, reusing one this thread made before when no one holds it
  // any more (the result of the case before last, typically), so a case allocates nothing for it.
  // A ring of them per thread, taken in turn: the evaluator keeps the last case's results until
  // this case's replace them, so a model of N such tables holds up to 2N at a time (the clinical
  // models some 9 a case); the list taken kSpares lists ago is then free, found at the first look.
  // At most kLooks are looked at: a caller that keeps its results (`dmn eval` writes them in
  // chunks) holds them all, and then a new list costs no more than before the ring.
  [[gnu::always_inline]] static std::shared_ptr<feel::List> SpareList() {
    static constexpr size_t kSpares = 32, kLooks = 4;
    thread_local std::array<std::shared_ptr<feel::List>, kSpares> spare;
    thread_local size_t next = 0;
    for (size_t i = 0; i < kLooks; ++i) {
      std::shared_ptr<feel::List>& p = spare[(next + i) % kSpares];
      if (p && p.use_count() == 1) {
        // Only this thread holds it; the fence orders the last holder's reads (released when it
        // dropped its reference) before the writes below.
        std::atomic_thread_fence(std::memory_order_acquire);
        next = (next + i + 1) % kSpares;
        p->clear();
        return p;
      }
    }
    // All held elsewhere (results kept): a new list takes the place of the next one.
    auto fresh = std::make_shared<feel::List>();
    spare[next] = fresh;
    next = (next + 1) % kSpares;
    return fresh;
  }

  // The class of `v` in column `cc`, or kNoClass when the per-rule path must decide.
  [[gnu::always_inline]] static size_t ClassOf(const ColumnClasses& cc, const Value& v) {
    size_t k;
    switch (v.type()) {
      case Type::kNull: k = 0; break;
      case Type::kBoolean: k = v.boolean() ? 2 : 1; break;
      case Type::kNumber: k = 3 + cc.Segment(v.number()); break;
      case Type::kString: {
        const std::string& s = v.string();
        k = cc.first_string + cc.StringLiteral(s);  // a literal's class, or other strings
        break;
      }
      default: return ColumnClasses::kNoClass;
    }
    return cc.usable[k] ? k : ColumnClasses::kNoClass;
  }

  // The rules of membership column `cc` that input `v` satisfies, into `out` (`words` words);
  // false when the per-rule path must decide.
  bool MembershipMask(const ColumnClasses& cc, const Value& v, uint64_t* out) const {
    if (v.is_null()) {
      if (!cc.usable[0]) return false;
      std::copy_n(cc.masks.data(), words, out);
      return true;
    }
    if (!v.is(Type::kList)) return false;
    std::copy_n(cc.masks.data() + words, words, out);
    for (const Value& e : v.list()) {
      if (!e.is(Type::kString)) return false;
      const size_t i = cc.StringIndex(e);
      if (i == cc.strings.size()) continue;
      const uint64_t* m = cc.masks.data() + (2 + i) * words;
      for (size_t w = 0; w < words; ++w) out[w] |= m[w];
    }
    return true;
  }

  // Whether `t` is a list of shaped contexts only: a one-step path over it (PathOther) reads each
  // entry through its position cache and reports nothing.
  static bool ShapedContexts(const Value& t) {
    if (!t.is(Type::kList)) return false;
    for (const Value& e : t.list())
      if (!e.is(Type::kContext) || !e.context().shape()) return false;
    return true;
  }
  // MembershipMask for the list the one-step path `p` makes over `list` (ShapedContexts), read
  // from the contexts without making it: an absent entry is null there, which is not a string.
  bool EntriesMembershipMask(const ColumnClasses& cc, const fi::PathNode& p, const feel::List& list,
                             uint64_t* out) const {
    std::copy_n(cc.masks.data() + words, words, out);
    for (const Value& e : list) {
      const Value* v = p.seen.Find(e.context(), p.name);
      if (!v || !v->is(Type::kString)) return false;
      const size_t i = cc.StringIndex(*v);
      if (i == cc.strings.size()) continue;
      const uint64_t* m = cc.masks.data() + (2 + i) * words;
      for (size_t w = 0; w < words; ++w) out[w] |= m[w];
    }
    return true;
  }

  // MatchClasses for a fast_match table, reading each column's value from its slot: `bits` &= the
  // mask of each column's class; false when some input needs the per-rule path.
  [[gnu::always_inline]] bool FastMatch(std::span<const Value> slots, uint64_t& bits) const {
    for (size_t c = 0; c < inputs.size(); ++c) {
      const size_t k = ClassOf(classes[c], slots[static_cast<size_t>(inputs[c].direct_slot)]);
      if (k == ColumnClasses::kNoClass) return false;
      bits &= classes[c].masks[k];
    }
    return true;
  }

  // Match() through the class masks; false (nothing appended) when some input needs the
  // per-rule path.
  bool MatchClasses(Inputs in, RuleList& matched) const {
    if (words == 1) return MatchClassesFew<1>(in, matched);
    if (words == 2) return MatchClassesFew<2>(in, matched);
    if (words <= 4) return MatchClassesFew<4>(in, matched);
    constexpr size_t kInlineWords = 32;
    ScratchArray<uint64_t, kInlineWords> cand(words), m(words);
    std::fill(cand.data(), cand.data() + words, ~uint64_t{0});
    for (size_t c = 0; c < inputs.size(); ++c) {
      const ColumnClasses& cc = classes[c];
      const uint64_t* mask = m.data();
      if (cc.membership) {
        if (!MembershipMask(cc, *in[c], m.data())) return false;
      } else {
        const size_t k = ClassOf(cc, *in[c]);
        if (k == ColumnClasses::kNoClass) return false;
        mask = cc.masks.data() + k * words;
      }
      for (size_t w = 0; w < words; ++w) cand[w] &= mask[w];
    }
    for (size_t w = 0; w < words; ++w)
      for (uint64_t bits = cand[w]; bits; bits &= bits - 1)
        matched.push_back(&rules[w * 64 + static_cast<size_t>(std::countr_zero(bits))]);
    return true;
  }

  // MatchClasses for a table of at most kWords words, its masks on the stack (only the first
  // `words` of them are read).
  template <size_t kWords>
  bool MatchClassesFew(Inputs in, RuleList& matched) const {
    std::array<uint64_t, kWords> cand, m;
    cand.fill(~uint64_t{0});
    for (size_t c = 0; c < inputs.size(); ++c) {
      const ColumnClasses& cc = classes[c];
      if (cc.membership) {
        m.fill(0);
        if (!MembershipMask(cc, *in[c], m.data())) return false;
        for (size_t w = 0; w < kWords; ++w) cand[w] &= m[w];
      } else {
        const size_t k = ClassOf(cc, *in[c]);
        if (k == ColumnClasses::kNoClass) return false;
        const uint64_t* mask = cc.masks.data() + k * words;
        for (size_t w = 0; w < words; ++w) cand[w] &= mask[w];
      }
    }
    for (size_t w = 0; w < words; ++w)
      for (uint64_t bits = cand[w]; bits; bits &= bits - 1)
        matched.push_back(&rules[w * 64 + static_cast<size_t>(std::countr_zero(bits))]);
    return true;
  }

  // The rules whose every input entry is satisfied, in rule order. A rule is dropped at its
  // first failing column. (Seam: a per-column index could supply candidate rules here.)
  bool Match(Inputs in, std::span<const Value> slots, feel::EvalContext& ctx,
             RuleList& matched) const {
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
        if (v < 0) v = cell.test->Test(*in[c], slots, ctx).is_true() ? 1 : 0;
        ok = v == 1;
      }
      if (ok) matched.push_back(&r);
    }
    return true;
  }

  // Match() through the column index: candidates from the bitsets, then the remaining cells of
  // each candidate tested in column order (distinct tests evaluated once, as in Match()).
  bool MatchIndexed(Inputs in, std::span<const Value> slots, feel::EvalContext& ctx,
                    RuleList& matched) const {
    constexpr size_t kInlineWords = 32;  // 2,048 rules
    ScratchArray<uint64_t, kInlineWords> cand(words), mask(words);
    std::fill(cand.data(), cand.data() + words, ~uint64_t{0});
    if (size_t tail = rules.size() % 64) cand[words - 1] = (uint64_t{1} << tail) - 1;
    ScratchArray<uint8_t, 64> numeric_fallback(inputs.size());
    auto set = [&](const std::vector<uint32_t>& rs) {
      for (uint32_t r : rs) mask[r >> 6] |= uint64_t{1} << (r & 63);
    };
    for (size_t c = 0; c < index.size(); ++c) {
      const ColumnIndex& ci = index[c];
      if (!ci.active) continue;
      const Value& v = *in[c];
      std::copy(ci.pass.begin(), ci.pass.end(), mask.data());
      if (v.is(Type::kString)) {
        if (auto it = ci.strings.find(v.string()); it != ci.strings.end()) set(it->second);
        set(ci.if_true);
      } else if (v.is(Type::kBoolean)) {
        set(v.boolean() ? ci.if_true : ci.if_false);
      } else if (!v.is_null()) {
        set(ci.if_true);
      }
      if (!ci.endpoints.empty()) {
        if (v.is(Type::kNumber)) {
          size_t seg = NumericSegment(ci, v.number());
          for (uint32_t i = ci.segment_start[seg]; i < ci.segment_start[seg + 1]; ++i) {
            uint32_t r = ci.segment_rules[i];
            mask[r >> 6] |= uint64_t{1} << (r & 63);
          }
        } else if (!v.is_null()) {
          numeric_fallback[c] = 1;
          for (size_t w = 0; w < words; ++w) mask[w] |= ci.numeric[w];
        }
      }
      uint64_t any = 0;
      for (size_t w = 0; w < words; ++w) any |= (cand[w] &= mask[w]);
      if (!any) return true;
    }
    constexpr size_t kInline = 256;
    ScratchArray<int8_t, kInline> verdicts(static_cast<size_t>(distinct_tests));
    std::fill(verdicts.data(), verdicts.data() + distinct_tests, int8_t{-1});
    for (size_t w = 0; w < words; ++w) {
      for (uint64_t bits = cand[w]; bits; bits &= bits - 1) {
        const Rule& r = rules[w * 64 + static_cast<size_t>(std::countr_zero(bits))];
        bool ok = true;
        for (const auto& [c, numeric] : r.checks) {
          if (numeric && !numeric_fallback[c]) continue;
          const Cell& cell = r.inputs[c];
          if (!cell.test) {
            ctx.Error("rule " + std::to_string(r.index) + " input " + std::to_string(c + 1) + ": " + cell.error);
            return false;
          }
          int8_t& verdict = verdicts[static_cast<size_t>(cell.test_id)];
          if (verdict < 0) verdict = cell.test->Test(*in[c], slots, ctx).is_true() ? 1 : 0;
          if (verdict != 1) {
            ok = false;
            break;
          }
        }
        if (ok) matched.push_back(&r);
      }
    }
    return true;
  }

  // The elementary segment of `x` among the column's sorted endpoints (see ColumnIndex).
  static size_t NumericSegment(const ColumnIndex& ci, const feel::Decimal& x) {
    return NumericSegment(ci.endpoints, x);
  }
  static size_t NumericSegment(const std::vector<feel::Decimal>& endpoints, const feel::Decimal& x) {
    auto it = std::lower_bound(endpoints.begin(), endpoints.end(), x,
                               [](const feel::Decimal& e, const feel::Decimal& v) { return e.Compare(v) < 0; });
    size_t i = static_cast<size_t>(it - endpoints.begin());
    if (it != endpoints.end() && it->Compare(x) == 0) return 2 * i + 1;
    return 2 * i;
  }

 public:
  void BuildIndex();
  void BuildClasses();
  void FoldConstants();

 private:
  // Fills out[0 .. outputs.size()).
  bool RuleOutputs(const Rule& r, std::span<const Value> slots, feel::EvalContext& ctx, Value* out) const {
    for (size_t o = 0; o < r.outputs.size(); ++o) {
      const Cell& cell = r.outputs[o];
      if (!cell.expr) {
        ctx.Error("rule " + std::to_string(r.index) + " output " + std::to_string(o + 1) + ": " + cell.error);
        return false;
      }
      if (cell.constant) {
        out[o] = *cell.constant;
        continue;
      }
      Value v = cell.expr->Evaluate(slots, ctx);
      if (!CheckOutput(o, v, slots, ctx, r.index)) v = Value();
      out[o] = std::move(v);
    }
    return true;
  }

  // `rule` names the rule in messages (built only on error: this runs for every output cell).
  bool CheckOutput(size_t o, Value& v, std::span<const Value> slots, feel::EvalContext& ctx, int rule) const {
    const OutputColumn& col = outputs[o];
    if (col.type) {
      std::string err;
      auto c = Coerce(v, col.type, err);
      if (!c) {
        ctx.Error("rule " + std::to_string(rule) + " output '" + col.name + "': " + err);
        return false;
      }
      v = std::move(*c);
    }
    if (col.allowed && !v.is_null() && !col.allowed->Test(v, slots, ctx).is_true()) {
      ctx.Error("rule " + std::to_string(rule) + " output " + feel::ToFeelLiteral(v) +
                " is not among the output values " + col.allowed->source());
      return false;
    }
    return true;
  }

  Value Pack(Value* outs) const {
    if (outputs.size() == 1) return std::move(outs[0]);
    if (output_shape) {
      feel::Context c(output_shape);
      for (size_t o = 0; o < outputs.size(); ++o) c.AppendValue(std::move(outs[o]));
      return Value::FromContext(std::move(c));
    }
    feel::Context c;
    c.Reserve(outputs.size());
    for (size_t o = 0; o < outputs.size(); ++o) {
      if (distinct_output_names) c.Append(outputs[o].name, std::move(outs[o]));
      else c.Put(outputs[o].name, std::move(outs[o]));
    }
    return Value::FromContext(std::move(c));
  }

  // Inline: most evaluations (dmn eval, batch without explanations) keep no trace, and the check
  // is then all a hit costs here.
  [[gnu::always_inline]] void Trace(const Rule& r, const feel::EvalContext& ctx) const {
    const EvalFrame* frame = FrameOf(ctx);
    if (frame && frame->trace) [[unlikely]] Record(r, *frame);
  }
  // Views of the table's and the rule's strings: no copies. While the trace has room the entry is
  // written in place with no frame to set up (the trace's growth, which needs one, is a tail call).
  [[gnu::noinline]] void Record(const Rule& r, const EvalFrame& frame) const {
    std::vector<TraceEntry>& trace = *frame.trace;
    if (trace.size() == trace.capacity()) [[unlikely]]
      return RecordGrowing(r, frame);
    Fill(trace.emplace_back(), r, frame);
  }
  [[gnu::noinline]] void RecordGrowing(const Rule& r, const EvalFrame& frame) const {
    Fill(frame.trace->emplace_back(), r, frame);
  }
  [[gnu::always_inline]] void Fill(TraceEntry& e, const Rule& r, const EvalFrame& frame) const {
    e.decision = owner;
    e.rule = r.trace_rule;
    e.rule_index = r.index;
    e.text = r.trace_text;
    if (frame.annotations) e.annotations = r.annotations;
  }

  // Inline for the rules whose outputs are all constants (the value made at load, copied);
  // the others evaluate their outputs out of line.
  [[gnu::always_inline]] Value Fire(const Rule& r, std::span<const Value> slots, feel::EvalContext& ctx) const {
    if (r.packed) {
      Trace(r, ctx);
      return *r.packed;
    }
    return FireOutputs(r, slots, ctx);
  }
  // values.push_back(Fire(r, ...)) for the COLLECT loops, with a constant rule's value copied
  // straight into the list (push_back of a temporary goes through an out-of-line emplace_back).
  [[gnu::always_inline]] void AppendFired(feel::List& values, const Rule& r, std::span<const Value> slots,
                                          feel::EvalContext& ctx) const {
    if (r.packed) {
      Trace(r, ctx);
      values.push_back(*r.packed);
    } else {
      values.push_back(FireOutputs(r, slots, ctx));
    }
  }
  [[gnu::noinline]] Value FireOutputs(const Rule& r, std::span<const Value> slots, feel::EvalContext& ctx) const {
    ScratchArray<Value, 16> outs(outputs.size());
    if (!RuleOutputs(r, slots, ctx, outs.data())) return Value();
    Trace(r, ctx);
    return Pack(outs.data());
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

  // Inline for the usual miss (no default output entries, not COUNT): null, with no call.
  [[gnu::always_inline]] Value Default(std::span<const Value> slots, feel::EvalContext& ctx) const {
    if (!has_default && (policy != HitPolicy::kCollect || aggregation != Aggregation::kCount)) [[likely]]
      return Value();
    return DefaultOutputs(slots, ctx);
  }
  [[gnu::noinline]] Value DefaultOutputs(std::span<const Value> slots, feel::EvalContext& ctx) const {
    if (!has_default) {
      // No rule matched and no defaults: COUNT is 0 (§8.2.11); everything else null.
      if (policy == HitPolicy::kCollect && aggregation == Aggregation::kCount) return Value::Number(0);
      return Value();
    }
    bool any = false;
    ScratchArray<Value, 8> outs(outputs.size());  // no allocation for a table of a few outputs
    for (size_t o = 0; o < outputs.size(); ++o) {
      if (outputs[o].default_entry) {
        any = true;
        outs[o] = outputs[o].default_entry->Evaluate(slots, ctx);
      }
    }
    if (!any) {
      // No rule matched and no defaults: COUNT is 0 (§8.2.11); everything else null.
      if (policy == HitPolicy::kCollect && aggregation == Aggregation::kCount) return Value::Number(0);
      return Value();
    }
    return Pack(outs.data());
  }

  Value Collect(const RuleList& matched, std::span<const Value> slots, feel::EvalContext& ctx) const {
    feel::List values;
    values.reserve(matched.size());
    for (size_t i = 0; i < matched.size(); ++i) AppendFired(values, *matched[i], slots, ctx);
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

const DecisionTable::PathGroup::Positions DecisionTable::PathGroup::kNoFamily{};

const fi::Node* TestBody(const feel::CompiledUnaryTests& t) {
  const auto* root = dynamic_cast<const fi::Root*>(t.root());
  return root ? root->body.get() : nullptr;
}

// A test that is a disjunction of string or boolean literals: appends the literals.
bool LiteralTests(const fi::Node* n, std::vector<Value>& out) {
  if (const auto* any = dynamic_cast<const fi::AnyTestNode*>(n)) {
    for (const auto& t : any->tests)
      if (!LiteralTests(t.get(), out)) return false;
    return !any->tests.empty();
  }
  if (const auto* e = dynamic_cast<const fi::ExpressionTestNode*>(n)) {
    if (e->uses_input) return false;
    n = e->expr.get();
  }
  const auto* lit = dynamic_cast<const fi::LiteralNode*>(n);
  if (!lit || !(lit->value.is(Type::kString) || lit->value.is(Type::kBoolean))) return false;
  out.push_back(lit->value);
  return true;
}

// A test that is one interval over number literals: [a..b], (a..b), < a, >= b, ...
bool NumericTest(const fi::Node* n, NumericCell& out) {
  auto number = [](const fi::NodePtr& p) -> const Value* {
    const auto* lit = dynamic_cast<const fi::LiteralNode*>(p.get());
    return lit && lit->value.is(Type::kNumber) ? &lit->value : nullptr;
  };
  if (const auto* cmp = dynamic_cast<const fi::CompareTestNode*>(n)) {
    const Value* v = number(cmp->operand);
    if (!v) return false;
    switch (cmp->op) {
      case fi::BinaryOp::kLt: out.high = v->number(); out.high_closed = false; return true;
      case fi::BinaryOp::kLe: out.high = v->number(); out.high_closed = true; return true;
      case fi::BinaryOp::kGt: out.low = v->number(); out.low_closed = false; return true;
      case fi::BinaryOp::kGe: out.low = v->number(); out.low_closed = true; return true;
      default: return false;
    }
  }
  const auto* e = dynamic_cast<const fi::ExpressionTestNode*>(n);
  if (!e || e->uses_input) return false;
  const auto* range = dynamic_cast<const fi::RangeNode*>(e->expr.get());
  if (!range || !range->low || !range->high) return false;
  const Value* lo = number(range->low);
  const Value* hi = number(range->high);
  if (!lo || !hi) return false;
  out.low = lo->number();
  out.high = hi->number();
  out.low_closed = range->low_closed;
  out.high_closed = range->high_closed;
  return true;
}

void DecisionTable::BuildIndex() {
  if (!table_error.empty() || rules.empty() || rules.size() > UINT32_MAX / 4) return;
  for (const Rule& r : rules)
    if (r.inputs.size() != inputs.size()) return;
  words = (rules.size() + 63) / 64;
  index.assign(inputs.size(), ColumnIndex{});
  for (size_t c = 0; c < inputs.size(); ++c) {
    ColumnIndex& ci = index[c];
    ci.pass.assign(words, 0);
    ci.numeric.assign(words, 0);
    std::vector<std::pair<uint32_t, NumericCell>> numeric;
    for (size_t ri = 0; ri < rules.size(); ++ri) {
      Rule& rule = rules[ri];
      const uint32_t r = static_cast<uint32_t>(ri);
      const Cell& cell = rule.inputs[c];
      auto bit = [&](Bits& b) { b[r >> 6] |= uint64_t{1} << (r & 63); };
      auto add = [&](std::vector<uint32_t>& rs) {
        if (rs.empty() || rs.back() != r) rs.push_back(r);
      };
      if (cell.dash) {
        bit(ci.pass);
        continue;
      }
      const fi::Node* body = cell.test ? TestBody(*cell.test) : nullptr;
      std::vector<Value> literals;
      NumericCell interval;
      if (body && LiteralTests(body, literals)) {
        ci.active = true;
        for (const Value& l : literals) {
          if (l.is(Type::kString)) add(ci.strings[l.string()]);
          else add(l.boolean() ? ci.if_true : ci.if_false);
        }
      } else if (body && NumericTest(body, interval)) {
        numeric.emplace_back(r, interval);
        bit(ci.numeric);
        rule.checks.emplace_back(static_cast<uint32_t>(c), true);
      } else {
        bit(ci.pass);
        rule.checks.emplace_back(static_cast<uint32_t>(c), false);
      }
    }
    if (numeric.empty()) continue;
    std::vector<feel::Decimal>& ep = ci.endpoints;
    for (const auto& [r, n] : numeric) {
      if (n.low) ep.push_back(*n.low);
      if (n.high) ep.push_back(*n.high);
    }
    auto less = [](const feel::Decimal& a, const feel::Decimal& b) { return a.Compare(b) < 0; };
    std::sort(ep.begin(), ep.end(), less);
    ep.erase(std::unique(ep.begin(), ep.end(), [](const auto& a, const auto& b) { return a.Compare(b) == 0; }),
             ep.end());
    auto position = [&](const feel::Decimal& d) {
      return static_cast<size_t>(std::lower_bound(ep.begin(), ep.end(), d, less) - ep.begin());
    };
    const size_t segments = 2 * ep.size() + 1;
    // Segments each interval covers: [first, last], empty when first > last.
    std::vector<std::pair<size_t, size_t>> spans;
    size_t total = 0;
    for (const auto& [r, n] : numeric) {
      size_t first = !n.low ? 0 : 2 * position(*n.low) + (n.low_closed ? 1 : 2);
      size_t last = !n.high ? segments - 1 : 2 * position(*n.high) + (n.high_closed ? 1 : 0);
      spans.emplace_back(first, last);
      if (first <= last) total += last - first + 1;
    }
    if (total > 16 * rules.size() + 4096) {
      // Heavily overlapping intervals: per-segment lists would be too large; test per rule.
      ep.clear();
      for (const auto& [r, n] : numeric) {
        ci.pass[r >> 6] |= uint64_t{1} << (r & 63);
        for (auto& check : rules[r].checks)
          if (check.first == c) check.second = false;
      }
      ci.numeric.assign(words, 0);
      continue;
    }
    ci.active = true;
    ci.segment_start.assign(segments + 1, 0);
    for (const auto& [first, last] : spans)
      for (size_t sgm = first; sgm <= last && first <= last; ++sgm) ++ci.segment_start[sgm + 1];
    for (size_t sgm = 0; sgm < segments; ++sgm) ci.segment_start[sgm + 1] += ci.segment_start[sgm];
    ci.segment_rules.resize(total);
    std::vector<uint32_t> fill(ci.segment_start.begin(), ci.segment_start.end() - 1);
    for (size_t i = 0; i < numeric.size(); ++i) {
      auto [first, last] = spans[i];
      for (size_t sgm = first; sgm <= last && first <= last; ++sgm) ci.segment_rules[fill[sgm]++] = numeric[i].first;
    }
  }
  indexed = true;
}

// A test whose verdict depends only on the class of the input (see ColumnClasses): collects the
// string literals and number literals it compares against.
bool ClassConstant(const fi::Node* n, std::vector<std::string>& strings, std::vector<feel::Decimal>& numbers) {
  auto literal = [&](const fi::Node* p, bool ordering) {
    const auto* lit = dynamic_cast<const fi::LiteralNode*>(p);
    if (!lit) return false;
    const Value& v = lit->value;
    if (v.is(Type::kNumber)) numbers.push_back(v.number());
    else if (v.is(Type::kString) && !ordering) strings.push_back(v.string());
    else if (!(v.is_null() || (v.is(Type::kBoolean) && !ordering))) return false;
    return true;
  };
  if (dynamic_cast<const fi::DashTestNode*>(n)) return true;
  if (const auto* any = dynamic_cast<const fi::AnyTestNode*>(n)) {
    for (const auto& t : any->tests)
      if (!ClassConstant(t.get(), strings, numbers)) return false;
    return true;
  }
  if (const auto* no = dynamic_cast<const fi::NotTestNode*>(n)) return no->tests && ClassConstant(no->tests.get(), strings, numbers);
  if (const auto* cmp = dynamic_cast<const fi::CompareTestNode*>(n))
    return literal(cmp->operand.get(), cmp->op != fi::BinaryOp::kEq && cmp->op != fi::BinaryOp::kNe);
  const auto* e = dynamic_cast<const fi::ExpressionTestNode*>(n);
  if (!e || e->uses_input) return false;
  if (const auto* range = dynamic_cast<const fi::RangeNode*>(e->expr.get())) {
    auto bound = [&](const fi::NodePtr& b) {
      const auto* lit = dynamic_cast<const fi::LiteralNode*>(b.get());
      if (!lit || !lit->value.is(Type::kNumber)) return false;
      numbers.push_back(lit->value.number());
      return true;
    };
    return (!range->low || bound(range->low)) && (!range->high || bound(range->high)) && (range->low || range->high);
  }
  return literal(e->expr.get(), false);
}

// `list contains(?, "literal")` (alone, with the built-in `list contains`): the literal, else null.
const std::string* MembershipLiteral(const fi::Node* n) {
  if (const auto* any = dynamic_cast<const fi::AnyTestNode*>(n)) n = any->tests.size() == 1 ? any->tests[0].get() : nullptr;
  const auto* e = dynamic_cast<const fi::ExpressionTestNode*>(n);
  if (!e || !e->uses_input) return nullptr;
  const auto* call = dynamic_cast<const fi::CallNode*>(e->expr.get());
  if (!call || !call->builtin || call->callee_name != "list contains" || call->args.size() != 2 ||
      !call->arg_names.empty())
    return nullptr;
  const auto* ref = dynamic_cast<const fi::LocalRefNode*>(call->args[0].get());
  const auto* lit = dynamic_cast<const fi::LiteralNode*>(call->args[1].get());
  if (!ref || ref->slot != e->input_slot || !lit || !lit->value.is(Type::kString)) return nullptr;
  return &lit->value.string();
}

void DecisionTable::BuildClasses() {
  if (!table_error.empty() || rules.empty() || rules.size() > UINT32_MAX / 4 || inputs.empty()) return;
  for (const Rule& r : rules) {
    if (r.inputs.size() != inputs.size()) return;
    for (const Cell& cell : r.inputs)
      if (!cell.dash && !cell.test) return;
  }
  const size_t nwords = (rules.size() + 63) / 64;
  auto less = [](const feel::Decimal& a, const feel::Decimal& b) { return a.Compare(b) < 0; };
  std::vector<ColumnClasses> built(inputs.size());
  // Load-time budgets, all columns together: tests run on representatives, and class × rule
  // cells of the masks (a 1,000-rule table with hundreds of number literals per column keeps
  // the rule index rather than spend tens of milliseconds here).
  size_t budget = 64 * rules.size() + 16384;
  size_t mask_budget = size_t{1} << 18;
  struct Test {
    int id;
    const Cell* cell;
    std::vector<std::string> strings;  // the literals it compares against
    std::vector<feel::Decimal> numbers;
  };
  std::vector<std::vector<Test>> column_tests(inputs.size());  // distinct tests of each column
  // First every column's literals and costs, so that an over-budget table runs no test at all.
  for (size_t c = 0; c < inputs.size(); ++c) {
    ColumnClasses& cc = built[c];
    std::vector<Test>& tests = column_tests[c];
    std::vector<bool> seen(static_cast<size_t>(distinct_tests));
    for (const Rule& r : rules) {
      const Cell& cell = r.inputs[c];
      if (cell.dash || seen[static_cast<size_t>(cell.test_id)]) continue;
      seen[static_cast<size_t>(cell.test_id)] = true;
      const fi::Node* body = TestBody(*cell.test);
      Test t{cell.test_id, &cell, {}, {}};
      if (!body) return;
      const std::string* member = MembershipLiteral(body);
      if (tests.empty()) cc.membership = member != nullptr;
      if (cc.membership != (member != nullptr)) return;  // membership and other tests mixed
      if (member) t.strings.push_back(*member);
      else if (!ClassConstant(body, t.strings, t.numbers)) return;
      cc.strings.insert(cc.strings.end(), t.strings.begin(), t.strings.end());
      cc.endpoints.insert(cc.endpoints.end(), t.numbers.begin(), t.numbers.end());
      std::sort(t.strings.begin(), t.strings.end());
      std::sort(t.numbers.begin(), t.numbers.end(), less);
      t.numbers.erase(std::unique(t.numbers.begin(), t.numbers.end(),
                                  [](const auto& a, const auto& b) { return a.Compare(b) == 0; }),
                      t.numbers.end());
      tests.push_back(std::move(t));
    }
    std::sort(cc.strings.begin(), cc.strings.end());
    cc.strings.erase(std::unique(cc.strings.begin(), cc.strings.end()), cc.strings.end());
    std::sort(cc.endpoints.begin(), cc.endpoints.end(), less);
    cc.endpoints.erase(std::unique(cc.endpoints.begin(), cc.endpoints.end(),
                                   [](const auto& a, const auto& b) { return a.Compare(b) == 0; }),
                       cc.endpoints.end());
    cc.BuildStringTable();
    cc.BuildAddressTable();
    // A test's verdict changes only at its own literals: it runs once per segment between its own
    // number literals and once per string literal of its own (other strings share the verdict of
    // the column's "other string"), on the representative of the first class of each.
    size_t runs = 0;
    for (const Test& t : tests) runs += 3 + 2 * t.numbers.size() + 1 + t.strings.size() + 1;
    const size_t class_count = cc.membership ? 2 + cc.strings.size() : cc.ClassCount();
    if (runs > budget || class_count * rules.size() > mask_budget) return;
    budget -= runs;
    mask_budget -= class_count * rules.size();
    cc.SetFixedKeys();
  }
  for (size_t c = 0; c < inputs.size(); ++c) {
    ColumnClasses& cc = built[c];
    const std::vector<Test>& tests = column_tests[c];
    if (cc.membership) {
      // Each test answers exactly for its literal: true for a list holding it (alone or among
      // others), false for the empty list and for a list of other strings, with no diagnostic;
      // otherwise the table keeps the per-rule path. A null input's verdicts are the tests' own.
      std::string other;
      while (std::binary_search(cc.strings.begin(), cc.strings.end(), other)) other += '\x01';
      const size_t n = cc.strings.size();
      cc.masks.assign((2 + n) * nwords, 0);
      cc.usable.assign(2 + n, 1);
      std::vector<int8_t> null_verdict(static_cast<size_t>(distinct_tests), 0);
      std::vector<int> literal_of(static_cast<size_t>(distinct_tests), -1);
      feel::EvalContext ctx;
      for (const Test& t : tests) {
        const std::string& lit = t.strings.front();
        auto verdict = [&](feel::List l) {
          Value r = t.cell->test->Test(Value::FromList(std::move(l)), {}, ctx);
          const int v = ctx.diagnostic_count() != 0 ? -1 : r.is_true() ? 1 : 0;
          ctx.ClearDiagnostics();
          return v;
        };
        if (verdict({Value::String(lit)}) != 1 || verdict({Value::String(other), Value::String(lit)}) != 1 ||
            verdict({}) != 0 || verdict({Value::String(other)}) != 0)
          return;
        Value r = t.cell->test->Test(Value(), {}, ctx);
        if (ctx.diagnostic_count() != 0) cc.usable[0] = 0;
        ctx.ClearDiagnostics();
        null_verdict[static_cast<size_t>(t.id)] = r.is_true() ? 1 : 0;
        literal_of[static_cast<size_t>(t.id)] = static_cast<int>(
            std::lower_bound(cc.strings.begin(), cc.strings.end(), lit) - cc.strings.begin());
      }
      for (size_t ri = 0; ri < rules.size(); ++ri) {
        const Cell& cell = rules[ri].inputs[c];
        const uint64_t bit = uint64_t{1} << (ri & 63);
        if (cell.dash) {
          for (size_t k = 0; k < 2; ++k) cc.masks[k * nwords + (ri >> 6)] |= bit;
          continue;
        }
        const auto id = static_cast<size_t>(cell.test_id);
        if (null_verdict[id] == 1) cc.masks[ri >> 6] |= bit;
        cc.masks[(2 + static_cast<size_t>(literal_of[id])) * nwords + (ri >> 6)] |= bit;
      }
      continue;
    }
    const size_t classes_n = cc.ClassCount();
    const size_t first_number = 3, first_string = 3 + cc.NumberClasses();

    // One representative per class.
    std::vector<Value> reps;
    reps.reserve(classes_n);
    reps.push_back(Value());
    reps.push_back(Value::Bool(false));
    reps.push_back(Value::Bool(true));
    const auto& ep = cc.endpoints;
    for (size_t sgm = 0; sgm < cc.NumberClasses(); ++sgm) {
      std::optional<feel::Decimal> x;
      const size_t i = sgm / 2;
      if (ep.empty()) x = feel::Decimal::FromInt(0);
      else if (sgm % 2 == 1) x = ep[i];
      else if (i == 0) x = ep[0].Sub(feel::Decimal::FromInt(1));
      else if (i == ep.size()) x = ep.back().Add(feel::Decimal::FromInt(1));
      else if (auto sum = ep[i - 1].Add(ep[i])) x = sum->Div(feel::Decimal::FromInt(2));
      // A representative that rounds onto another segment (or overflows): no classes.
      if (!x || NumericSegment(ep, *x) != sgm || cc.Segment(*x) != sgm) return;
      reps.push_back(Value::Number(*x));
    }
    for (const std::string& lit : cc.strings) reps.push_back(Value::String(lit));
    std::string other;
    while (std::binary_search(cc.strings.begin(), cc.strings.end(), other)) other += '\x01';
    reps.push_back(Value::String(other));

    cc.masks.assign(classes_n * nwords, 0);
    cc.usable.assign(classes_n, 1);
    // verdicts[t * classes_n + k]: 1 true, 0 not true, -1 reported an error.
    std::vector<int8_t> verdicts(tests.size() * classes_n);
    feel::EvalContext ctx;
    const size_t other_string = classes_n - 1;
    for (size_t t = 0; t < tests.size(); ++t) {
      const Test& test = tests[t];
      int8_t* v = verdicts.data() + t * classes_n;
      auto run = [&](size_t k) {
        Value r = test.cell->test->Test(reps[k], {}, ctx);
        v[k] = ctx.diagnostic_count() != 0 ? -1 : r.is_true() ? 1 : 0;
        ctx.ClearDiagnostics();
      };
      for (size_t k = 0; k < first_number; ++k) run(k);
      std::vector<int> own(2 * test.numbers.size() + 1, -1);  // class first run per own segment
      size_t j = 0;  // representatives ascend: walk the test's own literals alongside
      for (size_t k = first_number; k < first_string; ++k) {
        const feel::Decimal& x = reps[k].number();
        while (j < test.numbers.size() && test.numbers[j].Compare(x) < 0) ++j;
        int& first = own[j < test.numbers.size() && test.numbers[j].Compare(x) == 0 ? 2 * j + 1 : 2 * j];
        if (first < 0) {
          first = static_cast<int>(k);
          run(k);
        } else {
          v[k] = v[first];
        }
      }
      run(other_string);
      for (size_t k = first_string; k < other_string; ++k) {
        if (std::binary_search(test.strings.begin(), test.strings.end(), reps[k].string())) run(k);
        else v[k] = v[other_string];
      }
      for (size_t k = 0; k < classes_n; ++k)
        if (v[k] < 0) cc.usable[k] = 0;
    }
    std::vector<int> test_row(static_cast<size_t>(distinct_tests), -1);
    for (size_t t = 0; t < tests.size(); ++t) test_row[static_cast<size_t>(tests[t].id)] = static_cast<int>(t);
    for (size_t k = 0; k < classes_n; ++k) {
      uint64_t* mask = cc.masks.data() + k * nwords;
      for (size_t ri = 0; ri < rules.size(); ++ri) {
        const Cell& cell = rules[ri].inputs[c];
        if (cell.dash || verdicts[static_cast<size_t>(test_row[static_cast<size_t>(cell.test_id)]) * classes_n + k] == 1)
          mask[ri >> 6] |= uint64_t{1} << (ri & 63);
      }
    }
  }
  words = nwords;
  for (ColumnClasses& cc : built) cc.first_string = 3 + cc.NumberClasses();
  classes = std::move(built);
  classed = true;
  fast_match = words == 1 && direct_slot_bound >= 0 &&
               std::all_of(inputs.begin(), inputs.end(), [](const InputColumn& c) {
                 return c.expr && c.direct_slot >= 0 && !c.allowed;
               }) &&
               std::none_of(classes.begin(), classes.end(), [](const ColumnClasses& cc) { return cc.membership; });
}

void DecisionTable::PlanOnePass() {
  plan.assign(inputs.size(), OnePassColumn{});
  for (size_t ri = 0; ri < rules.size(); ++ri) all_rules[ri >> 6] |= uint64_t{1} << (ri & 63);
  for (size_t i = 0; i < inputs.size(); ++i) {
    const InputColumn& in = inputs[i];
    const ColumnClasses& cc = classes[i];
    OnePassColumn& c = plan[i];
    c.input = &in;
    // A path from a global slot (`Treatment Facts.advanced`, `Case.tumor.primary_site`).
    const auto* path = in.body ? dynamic_cast<const fi::PathNode*>(in.body) : nullptr;
    if (path && path->root && path->root->direct == fi::Node::Direct::kGlobal && path->root->direct_slot >= 0 &&
        path->chain_length > 0 && path->chain_length <= fi::PathNode::kMaxChain) {
      c.read = path->chain_length == 1 ? OnePassColumn::Read::kPathStep : OnePassColumn::Read::kPath;
      c.slot = static_cast<size_t>(path->root->direct_slot);
      c.path = path;
      c.seen = &path->steps[0]->seen;
      if (path->chain_length <= 2) {
        const fi::PathNode* prefix = path->chain_length == 2 ? path->steps[0] : nullptr;
        PathGroup* g = nullptr;
        for (const auto& e : path_groups)
          if (e->slot == c.slot && (prefix ? e->prefix && e->prefix->name == prefix->name : !e->prefix)) g = e.get();
        if (!g) {
          path_groups.push_back(std::make_unique<PathGroup>());
          g = path_groups.back().get();
          g->slot = c.slot;
          g->prefix = prefix;
        }
        c.group = g;
        for (size_t k = 0; k < path_groups.size(); ++k)
          if (path_groups[k].get() == g) c.view = k;
        c.member = g->names.size();
        g->names.push_back(path->name);
      }
    } else if (in.direct_slot >= 0) {
      c.read = OnePassColumn::Read::kSlot;
      c.slot = static_cast<size_t>(in.direct_slot);
    }
    c.membership = cc.membership;
    c.cc = &cc;
    c.masks = cc.masks.data();
    c.usable = cc.usable;
    if (cc.membership) {
      // EvalViews classes a membership column's input as any other (ClassOf) and takes it to
      // MembershipMask or the entries when the class is unusable: usable is null's class alone
      // (when cc's is), and every class ClassOf can give is in range.
      const size_t n = std::max({size_t{3}, 3 + cc.NumberClasses(), cc.first_string + cc.strings.size() + 1});
      c.usable.assign(n, 0);
      c.usable[0] = cc.usable[0];
    }
    c.no_class = c.usable.size();
    c.usable.push_back(0);
    c.first_string = cc.first_string;
    c.other_strings = cc.first_string + cc.strings.size();
    if (cc.addresses) {
      c.string_classes = cc.addresses->slots;
      for (auto& e : c.string_classes) {
        if (e.first) e.second += static_cast<uint32_t>(cc.first_string);
        else e.first = OnePassColumn::kEmptySlot;
      }
      c.multiplier = cc.addresses->multiplier;
      c.shift = cc.addresses->shift;
    }
    for (size_t ri = 0; ri < rules.size(); ++ri)
      if (!rules[ri].inputs[i].dash) c.tested[ri >> 6] |= uint64_t{1} << (ri & 63);
  }
  // EvalViews: every column a path of a group EvalClassed views, or a slot (one more view).
  // Columns read otherwise (computed inputs, paths of three steps or more) are `other`.
  bool reads_slot = false;
  for (const OnePassColumn& c : plan) {
    if (c.read == OnePassColumn::Read::kSlot) reads_slot = true;
    else if (c.view >= kMaxGroupViews && (c.read == OnePassColumn::Read::kPathStep || c.group)) return;
  }
  if (path_groups.size() + (reads_slot ? 1 : 0) > kMaxGroupViews) return;
  for (const auto& g : path_groups) {
    g->none.assign(g->names.size(), 0);
    g->entries_ok = !g->prefix;
    g->slot_offset = g->slot * sizeof(Value);
  }
  for (const OnePassColumn& c : plan)
    if (c.view < path_groups.size() && (!c.membership || c.read != OnePassColumn::Read::kPathStep))
      path_groups[c.view]->entries_ok = false;
  for (OnePassColumn& c : plan) {
    if (c.view >= kMaxGroupViews && c.read != OnePassColumn::Read::kSlot) {
      c.other = true;
      view_others = true;
    } else if (c.read == OnePassColumn::Read::kSlot) {
      c.fast_view = static_cast<uint32_t>(path_groups.size());
      c.fast_member = static_cast<uint32_t>(slot_positions.size());
      slot_positions.push_back(static_cast<uint32_t>(c.slot));
      slot_bound = std::max(slot_bound, c.slot + 1);
    } else {
      c.fast_view = static_cast<uint32_t>(c.view);
      c.fast_member = static_cast<uint32_t>(c.member);
    }
    c.fast_view_offset = static_cast<uint32_t>(c.fast_view * sizeof(FastView));
  }
  slot_view = reads_slot;
  view_plan = true;
}

void DecisionTable::PlanCollectMemo() {
  if (policy != HitPolicy::kCollect || aggregation != Aggregation::kNone || !classed || words > 4) return;
  for (size_t ri = 0; ri < rules.size(); ++ri)
    if (rules[ri].packed) packed_rules[ri >> 6] |= uint64_t{1} << (ri & 63);
  collect_memo = std::make_unique<CollectMemo>();
}

void DecisionTable::FoldConstants() {
  if (!table_error.empty()) return;
  // Output values that are literals need no slots; any other list is checked per hit.
  std::vector<bool> checkable(outputs.size());
  for (size_t o = 0; o < outputs.size(); ++o) {
    std::vector<Value> literals;
    const fi::Node* body = outputs[o].allowed ? TestBody(*outputs[o].allowed) : nullptr;
    checkable[o] = !outputs[o].allowed || (body && LiteralTests(body, literals));
  }
  for (Rule& r : rules) {
    bool all = r.outputs.size() == outputs.size();
    for (size_t o = 0; o < r.outputs.size(); ++o) {
      Cell& cell = r.outputs[o];
      const auto* root = cell.expr ? dynamic_cast<const fi::Root*>(cell.expr->root()) : nullptr;
      if (o < outputs.size() && checkable[o] && root && dynamic_cast<const fi::LiteralNode*>(root->body.get())) {
        feel::EvalContext ctx;
        Value v = cell.expr->Evaluate({}, ctx);
        if (ctx.diagnostic_count() == 0 && CheckOutput(o, v, {}, ctx, r.index) && ctx.diagnostic_count() == 0)
          cell.constant = feel::MakeImmortal(std::move(v));  // copied by every hit: no count
      }
      all = all && cell.constant.has_value();
    }
    if (!all) continue;
    ScratchArray<Value, 16> outs(outputs.size());
    for (size_t o = 0; o < outputs.size(); ++o) outs[o] = *r.outputs[o].constant;
    r.packed = feel::MakeImmortal(Pack(outs.data()));
  }
}

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
      const auto* root = dynamic_cast<const fi::Root*>(c.expr->root());
      const auto* ref = root && root->locals == 0 ? dynamic_cast<const fi::GlobalRefNode*>(root->body.get()) : nullptr;
      if (ref) c.direct_slot = ref->slot;
      if (root && root->locals == 0 && root->body) c.body = root->body.get();
    } else {
      c.expr_error = "FEEL error in '" + c.text + "': " + e.error().message;
      Report(site, ie.offset_debug(), c.expr_error, 0, col);
    }
    c.allowed = CompileTests(Child(in, "inputValues"), scope, site, "input values");
    dt->inputs.push_back(std::move(c));
  }
  dt->direct_slot_bound = 0;
  for (const auto& c : dt->inputs)
    dt->direct_slot_bound = c.direct_slot < 0 || dt->direct_slot_bound < 0 ? -1 : std::max(dt->direct_slot_bound, c.direct_slot + 1);
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
        if (Value l = e->Evaluate({}, ctx); l.is(Type::kList)) c.priorities.assign(l.list().begin(), l.list().end());
    }
    if (pugi::xml_node d = Child(out, "defaultOutputEntry")) {
      std::string text = ChildText(d);
      if (auto e = feel::CompileExpression(text, scope)) {
        c.default_entry = std::move(*e);
        dt->has_default = true;
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
  dt->distinct_output_names = true;
  for (size_t i = 0; i < dt->outputs.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (dt->outputs[i].name == dt->outputs[j].name) dt->distinct_output_names = false;
  if (dt->distinct_output_names && dt->outputs.size() > 1) {
    std::vector<std::string> names;
    for (const auto& o : dt->outputs) names.push_back(o.name);
    dt->output_shape = feel::ContextShape::Intern(names);  // null: key by key, as before
  }
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
    r.trace_rule = r.id.empty() ? std::to_string(r.index) : r.id;
    r.trace_text = TraceEntryText(dt->owner, r.trace_rule);
    dt->rules.push_back(std::move(r));
  }
  dt->BuildIndex();
  dt->BuildClasses();
  dt->FoldConstants();
  dt->one_pass = dt->classed && dt->table_error.empty() && !dt->inputs.empty() && dt->words <= 4 &&
                 std::all_of(dt->inputs.begin(), dt->inputs.end(),
                             [](const InputColumn& c) { return c.expr && !c.allowed; });
  if (dt->one_pass) dt->PlanOnePass();
  dt->PlanCollectMemo();
  return dt;
}

}  // namespace zebra::dmn::internal
