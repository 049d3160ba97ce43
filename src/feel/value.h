// FEEL values (DMN 1.5 §10.3.2). A Value is 32-48 bytes; numbers, booleans and temporal values
// are held inline, strings and containers behind shared immutable pointers, so copying a Value
// never deep-copies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/text.h"
#include "feel/decimal.h"
#include "feel/temporal.h"
#include "feel/value_pool.h"

// Value's copy, move and destroy are forced inline in optimised builds. Not at -O0 (the ASan
// preset): there every inlined temporary keeps its own slot and redzone in the caller's frame,
// and the depth-limited recursion of a user function would overflow the stack first.
#if defined(__OPTIMIZE__)
#define ZEBRA_VALUE_INLINE [[gnu::always_inline]]
#else
#define ZEBRA_VALUE_INLINE
#endif

namespace zebra::feel {

enum class Type : uint8_t {
  kNull,
  kBoolean,
  kNumber,
  kString,
  kDate,
  kTime,
  kDateTime,
  kDaysTimeDuration,
  kYearsMonthsDuration,
  kList,
  kContext,
  kRange,
  kFunction,
};
std::string_view TypeName(Type t);  // FEEL type names: "number", "date and time", ...

class Value;
class Context;
struct Range;
class Function;
class EvalContext;

// Lists take their items' memory from the thread's value cache (value_pool.h).
using List = std::vector<Value, ValueAllocator<Value>>;
using StringPtr = std::shared_ptr<const std::string>;
using ListPtr = std::shared_ptr<const List>;
using ContextPtr = std::shared_ptr<const Context>;
using RangePtr = std::shared_ptr<const Range>;
using FunctionPtr = std::shared_ptr<const Function>;

class Value {
 public:
  Value() noexcept {}  // null
  ZEBRA_VALUE_INLINE Value(const Value& o) noexcept { CopyFrom(o); }
  ZEBRA_VALUE_INLINE Value(Value&& o) noexcept { StealFrom(o); }
  ZEBRA_VALUE_INLINE Value& operator=(const Value& o) noexcept {
    if (this == &o) return *this;
    if (HoldsPointer(type_)) {
      // The old content is released only after the copy: `o` may live inside it.
      Value old(std::move(*this));
      CopyFrom(o);
    } else {
      CopyFrom(o);
    }
    return *this;
  }
  ZEBRA_VALUE_INLINE Value& operator=(Value&& o) noexcept {
    if (this == &o) return *this;
    if (HoldsPointer(type_)) {
      Value old(std::move(*this));
      StealFrom(o);
    } else {
      StealFrom(o);
    }
    return *this;
  }
  ZEBRA_VALUE_INLINE ~Value() {
    if (HoldsPointer(type_) && PointerOwned()) ReleasePointer();
  }

  static Value Null() { return Value(); }
  static Value Bool(bool b) {
    Value v(Type::kBoolean);
    v.u_.b = b;
    return v;
  }
  static Value Number(const Decimal& d) {
    Value v(Type::kNumber);
    new (&v.u_.d) Decimal(d);
    return v;
  }
  static Value Number(int64_t i) { return Number(Decimal::FromInt(i)); }
  static Value String(std::string s) {
    return String(std::allocate_shared<const std::string>(ValueAllocator<std::string>(), std::move(s)));
  }
  static Value String(StringPtr s) {
    Value v(Type::kString);
    new (&v.u_.s) StringPtr(std::move(s));
    return v;
  }
  static Value FromDate(Date d) {
    Value v(Type::kDate);
    new (&v.u_.date) Date(d);
    return v;
  }
  static Value FromTime(const Time& t) {
    Value v(Type::kTime);
    new (&v.u_.time) Time(t);
    return v;
  }
  static Value FromDateTime(const DateTime& dt) {
    Value v(Type::kDateTime);
    new (&v.u_.date_time) DateTime(dt);
    return v;
  }
  static Value Duration(const DaysTimeDuration& d) {
    Value v(Type::kDaysTimeDuration);
    new (&v.u_.days_time) DaysTimeDuration(d);
    return v;
  }
  static Value Duration(const YearsMonthsDuration& d) {
    Value v(Type::kYearsMonthsDuration);
    new (&v.u_.years_months) YearsMonthsDuration(d);
    return v;
  }
  // An empty list is EmptyList(): no allocation for the many empty results (filters, `for`).
  static Value FromList(List l) {
    if (l.empty()) return EmptyList();
    return FromList(std::allocate_shared<const List>(ValueAllocator<List>(), std::move(l)));
  }
  // The empty list as an immortal constant (an owner-less pointer, as MakeImmortal makes, but
  // never subject to its registry's limit): copying and releasing it counts nothing. Values are
  // immutable, so every empty list may be this one. The list itself is never destroyed, so a
  // value that holds it stays valid through static destruction.
  static Value EmptyList();
  static Value FromList(ListPtr l) {
    Value v(Type::kList);
    new (&v.u_.l) ListPtr(std::move(l));
    return v;
  }
  static Value FromContext(Context c);
  static Value FromContext(ContextPtr c) {
    Value v(Type::kContext);
    new (&v.u_.c) ContextPtr(std::move(c));
    return v;
  }
  static Value FromRange(Range r);
  static Value FromRange(RangePtr r) {
    Value v(Type::kRange);
    new (&v.u_.r) RangePtr(std::move(r));
    return v;
  }
  static Value FromFunction(FunctionPtr f) {
    Value v(Type::kFunction);
    new (&v.u_.f) FunctionPtr(std::move(f));
    return v;
  }

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is(Type t) const { return type_ == t; }

  // Accessors: callers check type() first.
  bool boolean() const { return u_.b; }
  const Decimal& number() const { return u_.d; }
  const std::string& string() const { return *u_.s; }
  const StringPtr& string_ptr() const { return u_.s; }
  Date date() const { return u_.date; }
  const Time& time() const { return u_.time; }
  const DateTime& date_time() const { return u_.date_time; }
  const DaysTimeDuration& days_time() const { return u_.days_time; }
  const YearsMonthsDuration& years_months() const { return u_.years_months; }
  const List& list() const { return *u_.l; }
  const ListPtr& list_ptr() const { return u_.l; }
  const Context& context() const { return *u_.c; }
  const ContextPtr& context_ptr() const { return u_.c; }
  const Range& range() const { return *u_.r; }
  const RangePtr& range_ptr() const { return u_.r; }
  const Function& function() const { return *u_.f; }
  const FunctionPtr& function_ptr() const { return u_.f; }

  bool is_true() const { return type_ == Type::kBoolean && u_.b; }

  // For a loop variable's slot (feel's filters and `for`): Borrow puts a copy of `o` that takes no
  // reference count into this null value; Unborrow makes it null again without a release. While
  // borrowed, the value may be read and copied (a copy owns its reference), never assigned,
  // moved from or destroyed, and `o` must outlive it.
  void Borrow(const Value& o) noexcept {
    std::memcpy(static_cast<void*>(this), static_cast<const void*>(&o), sizeof(Value));
  }
  void Unborrow() noexcept { type_ = Type::kNull; }

 private:
  // A tagged union rather than std::variant: copying, moving and destroying a value that holds
  // no pointer (null, booleans, numbers, temporals) is a few inline instructions instead of an
  // indirect call through the variant's dispatch table, on every value the evaluator passes on.
  explicit Value(Type t) noexcept : type_(t) {}
  static constexpr bool HoldsPointer(Type t) {
    return ((1u << static_cast<unsigned>(t)) & ((1u << static_cast<unsigned>(Type::kString)) |
                                                (1u << static_cast<unsigned>(Type::kList)) |
                                                (1u << static_cast<unsigned>(Type::kContext)) |
                                                (1u << static_cast<unsigned>(Type::kRange)) |
                                                (1u << static_cast<unsigned>(Type::kFunction)))) != 0;
  }
  // Every member but the shared pointers is trivially copyable, so those are copied as bytes;
  // the shared pointers' copy and release are out of line.
  ZEBRA_VALUE_INLINE void CopyFrom(const Value& o) noexcept {
    type_ = o.type_;
    if (HoldsPointer(type_) && o.PointerOwned()) {
      CopyPointer(o);
    } else if (type_ != Type::kNull) {
      // An owner-less pointer (an immortal constant) is copied as its bytes, as Borrow does.
      std::memcpy(static_cast<void*>(&u_), static_cast<const void*>(&o.u_), sizeof(u_));
    }
  }
  // Takes `o`'s content and leaves `o` null (a moved-from pointer kind holds nothing anyway).
  ZEBRA_VALUE_INLINE void StealFrom(Value& o) noexcept {
    type_ = o.type_;
    if (!HoldsPointer(type_)) {
      if (type_ != Type::kNull) std::memcpy(static_cast<void*>(&u_), static_cast<const void*>(&o.u_), sizeof(u_));
      return;
    }
    switch (type_) {
      case Type::kString: new (&u_.s) StringPtr(std::move(o.u_.s)); o.u_.s.~StringPtr(); break;
      case Type::kList: new (&u_.l) ListPtr(std::move(o.u_.l)); o.u_.l.~ListPtr(); break;
      case Type::kContext: new (&u_.c) ContextPtr(std::move(o.u_.c)); o.u_.c.~ContextPtr(); break;
      case Type::kRange: new (&u_.r) RangePtr(std::move(o.u_.r)); o.u_.r.~RangePtr(); break;
      default: new (&u_.f) FunctionPtr(std::move(o.u_.f)); o.u_.f.~FunctionPtr(); break;
    }
    o.type_ = Type::kNull;
  }
  // For the pointer kinds: whether the pointer has an owner (a control block), which copies and
  // releases must count; an immortal constant's (MakeImmortal) has none. The five pointer kinds
  // are shared_ptrs of one layout, so one member answers for all of them.
  ZEBRA_VALUE_INLINE bool PointerOwned() const noexcept {
    const std::shared_ptr<const void> none;
    return none.owner_before(u_.s) || u_.s.owner_before(none);
  }
  // The five pointer kinds are shared_ptrs of one layout whose control block knows its object's
  // type (the count's increment is the same for all), so one member copies any of them: no
  // dispatch on the kind. The release keeps its switch: with one shared_ptr destructor the
  // compiler inlines the whole release here, which costs more per call than the switch and
  // the out-of-line release (peers +6 instructions per case).
  [[gnu::noinline]] void CopyPointer(const Value& o) noexcept { new (&u_.s) StringPtr(o.u_.s); }
  [[gnu::noinline]] void ReleasePointer() noexcept {
    switch (type_) {
      case Type::kString: u_.s.~StringPtr(); break;
      case Type::kList: u_.l.~ListPtr(); break;
      case Type::kContext: u_.c.~ContextPtr(); break;
      case Type::kRange: u_.r.~RangePtr(); break;
      default: u_.f.~FunctionPtr(); break;
    }
  }
  union Storage {
    Storage() noexcept {}
    ~Storage() {}
    bool b;
    Decimal d;
    StringPtr s;
    Date date;
    Time time;
    DateTime date_time;
    DaysTimeDuration days_time;
    YearsMonthsDuration years_months;
    ListPtr l;
    ContextPtr c;
    RangePtr r;
    FunctionPtr f;
  } u_;
  Type type_ = Type::kNull;
};

namespace value_internal {
// The one empty list of Value::EmptyList(), constant-initialised (an empty vector holds no
// memory), so that reaching it costs no guard. Never destroyed: a value that holds it stays
// valid through static destruction.
struct EmptyListStorage {
  constexpr EmptyListStorage() : list() {}
  ~EmptyListStorage() {}
  union {
    List list;
  };
};
inline constinit const EmptyListStorage kEmptyList;
}  // namespace value_internal

inline Value Value::EmptyList() { return FromList(ListPtr(ListPtr(), &value_internal::kEmptyList.list)); }

// Immortal values: `v` with its strings, lists, contexts and ranges (at every depth) held by a
// registry for the rest of the process, and reached through pointers that own nothing (no
// control block), so that copying and releasing them writes no reference count — no atomic
// instruction on the hot path for a compiled model's constants (literals, folded list and
// context literals, decision-table outputs). A value is only ever made immortal at compile
// time: the registry never frees, so a result that carries a constant out of its model stays
// valid after the model is gone. Equal strings share one copy. Functions are left as they are
// (they may hold a model), and so is everything once the registry holds kMaxImmortalBytes:
// past that, constants are ordinary values, which only costs time.
Value MakeImmortal(Value v);
// True for a pointer that MakeImmortal made: non-null, with no owner.
template <class T>
bool IsImmortal(const std::shared_ptr<T>& p) {
  return p != nullptr && p.use_count() == 0;
}

// Value::PointerOwned reads any pointer kind through the string member.
static_assert(sizeof(StringPtr) == sizeof(ListPtr) && sizeof(StringPtr) == sizeof(ContextPtr) &&
              sizeof(StringPtr) == sizeof(RangePtr) && sizeof(StringPtr) == sizeof(FunctionPtr));
// Value copies these kinds as bytes and never destroys them (CopyFrom, StealFrom).
static_assert(std::is_trivially_copyable_v<Decimal> && std::is_trivially_destructible_v<Decimal>);
static_assert(std::is_trivially_copyable_v<Date> && std::is_trivially_copyable_v<Time> &&
              std::is_trivially_copyable_v<DateTime> && std::is_trivially_copyable_v<DaysTimeDuration> &&
              std::is_trivially_copyable_v<YearsMonthsDuration>);
static_assert(std::is_trivially_destructible_v<Time> && std::is_trivially_destructible_v<DateTime>);

// The keys of the contexts that one compiled construct builds (a boxed context's entries, a
// context literal's keys): distinct, interned once and never freed, so that every context built
// from them shares the keys instead of copying them, and a path finds a key's position once per
// shape (compared by id) rather than once per context.
// A hash of a context key from its length and three of its bytes: a few instructions, whatever
// its length (Context::KeyBit, ContextShape::IndexOf).
inline uint64_t ContextKeyHash(std::string_view k) {
  if (k.empty()) return 0;
  auto c = [&](size_t i) { return static_cast<uint64_t>(static_cast<unsigned char>(k[i])); };
  return k.size() * 0x9E3779B1u + c(0) * 31u + c(k.size() - 1) * 131u + c(k.size() / 2) * 7u;
}
// The one bit of a context's key filter that a key with this hash sets.
inline uint64_t ContextKeyBit(uint64_t hash) { return uint64_t{1} << ((hash ^ (hash >> 6)) & 63); }

class ContextShape {
 public:
  static constexpr size_t npos = static_cast<size_t>(-1);
  // The shape with these keys, in this order: the same pointer for the same list. Null when
  // keys repeat, when there are none, or when the registry is full (65,536 shapes or 2^20 keys
  // in all); callers then build their contexts key by key.
  static const ContextShape* Intern(std::span<const std::string> keys);
  // The shape of those of `family`'s keys whose bit is set in `present` (bit i for key(i)), in
  // the family's order: `family` itself when all are, the same pointer for the same pair. Its
  // contexts share the family's position cache (cache_id, FromCache), so a path that found a
  // key in one subset finds it in all: contexts converted from documents whose optional fields
  // come and go (the clinical case, shaped by its schema). Null when `family` has more than 64
  // keys or is itself a subset, when no key is present, or when the registry is full.
  static const ContextShape* InternSubset(const ContextShape& family, uint64_t present);

  uint32_t id() const { return id_; }  // 1, 2, ...: distinct per shape
  // The shape whose positions a path caches for this one: the family's id for a subset, else
  // id(). A position cached under it (from the family's IndexOf, npos as 0xFFFFFFFF) becomes
  // this shape's by FromCache: unchanged unless a subset, where it is at least size() when the
  // key is absent.
  uint32_t cache_id() const { return cache_id_; }
  size_t FromCache(size_t cached) const {
    if (!from_family_) return cached;
    return cached < family_size_ ? from_family_[cached] : npos;
  }
  const ContextShape* family() const { return family_; }  // null unless a subset
  size_t size() const { return keys_.size(); }
  const std::string& key(size_t i) const { return keys_[i]; }
  uint64_t key_bits() const { return key_bits_; }  // Context::KeyBit of every key
  // The position of `key`, or npos.
  size_t IndexOf(std::string_view key) const {
    const uint64_t h = ContextKeyHash(key);
    if ((key_bits_ & ContextKeyBit(h)) == 0) return npos;
    for (size_t slot = static_cast<size_t>((h * kMix) >> table_shift_);; slot = (slot + 1) & mask_) {
      const size_t e = table_[slot];
      if (e == 0) return npos;
      if (SameText(keys_[e - 1], key)) return e - 1;
    }
  }

 private:
  static constexpr uint64_t kMix = 0x9E3779B97F4A7C15ull;
  ContextShape() = default;
  std::vector<std::string> keys_;
  // Positions + 1 (0 = empty) by ContextKeyHash, open-addressed and at most a quarter full, so
  // an absent key mostly meets an empty slot at once.
  std::vector<uint16_t> table_;
  int table_shift_ = 64;  // the slot of hash h is (h * kMix) >> table_shift_
  size_t mask_ = 0;       // table_.size() - 1
  uint64_t key_bits_ = 0;
  uint32_t id_ = 0;
  uint32_t cache_id_ = 0;
  // A subset's family, and each family position's position here (0xFFFF when absent).
  const ContextShape* family_ = nullptr;
  const uint16_t* from_family_ = nullptr;  // from_family_storage_.data(), or null
  size_t family_size_ = 0;
  std::vector<uint16_t> from_family_storage_;
  static const ContextShape* InternKeys(std::span<const std::string> keys, std::string id,
                                        const ContextShape* family, uint64_t present);
};

// A FEEL context: entries in insertion order (order is observable via get entries()), keys
// distinct. Either shaped (the keys are a ContextShape's, the context holds only the values,
// in the shape's order) or not (the context holds its own keys); the two behave alike in every
// respect but cost. A shaped context that gains a key it lacks copies its keys and becomes an
// ordinary one.
class Context {
 public:
  Context() = default;
  // An empty context to be filled by AppendValue in `shape`'s key order (an ordinary empty
  // context when `shape` is null).
  explicit Context(const ContextShape* shape) : shape_(shape) {
    if (shape) {
      key_bits_ = shape->key_bits();
      values_ = static_cast<Value*>(AllocateValueMemory(shape->size() * sizeof(Value)));
    }
  }
  Context(const Context& o);
  Context(Context&& o) noexcept
      : shape_(o.shape_), values_(o.values_), count_(o.count_), entries_(std::move(o.entries_)), key_bits_(o.key_bits_) {
    o.shape_ = nullptr;
    o.values_ = nullptr;
    o.count_ = 0;
    o.key_bits_ = 0;
  }
  Context& operator=(const Context& o) {
    if (this != &o) *this = Context(o);
    return *this;
  }
  Context& operator=(Context&& o) noexcept {
    if (this != &o) {
      FreeValues();
      shape_ = o.shape_;
      values_ = o.values_;
      count_ = o.count_;
      entries_ = std::move(o.entries_);
      key_bits_ = o.key_bits_;
      o.shape_ = nullptr;
      o.values_ = nullptr;
      o.count_ = 0;
      o.key_bits_ = 0;
    }
    return *this;
  }
  ~Context() {
    if (values_) FreeValues();
  }
  // The value of the shape's next key: only on a shaped context with fewer entries than keys
  // (the room for all of them is made with the context).
  void AppendValue(Value v) { new (&values_[count_++]) Value(std::move(v)); }
  // AppendValue(make()), with the value made in its place (no temporary, no move): for context
  // literals and boxed contexts built on their shape.
  template <class Make>
  [[gnu::always_inline]] void EmplaceValue(Make&& make) {
    new (&values_[count_]) Value(make());
    ++count_;
  }
  // AppendValue of each of from[0..n), taken as their bytes and left null: a value holds no
  // pointer into itself, so its bytes may move (as Value::Borrow copies them). For a boxed
  // context whose entries' slots are its values in order.
  void RelocateValues(Value* from, size_t n) noexcept {
    if (n == 0) return;
    std::memcpy(static_cast<void*>(values_ + count_), static_cast<const void*>(from), n * sizeof(Value));
    for (size_t i = 0; i < n; ++i) from[i].Unborrow();
    count_ += n;
  }
  // Adds or replaces an entry.
  void Put(std::string key, Value v);
  // Put, quicker when `key` is the shape's next key (then only the value is stored): for
  // contexts filled in a known order that may still differ (the clinical engine's inputs).
  void PutInOrder(std::string_view key, Value v) {
    if (shape_ && count_ < shape_->size() && SameText(shape_->key(count_), key)) [[likely]]
      AppendValue(std::move(v));
    else
      PutCopy(key, std::move(v));
  }
  // Adds an entry without looking for an existing one with the same key: only for callers that
  // know the key is new (the keys of a parsed JSON object, context entries distinct at compile time).
  void Append(const std::string& key, Value v) {
    if (shape_) [[unlikely]] Unshape();
    key_bits_ |= KeyBit(key);
    entries_.emplace_back(key, std::move(v));
  }
  void Append(std::string&& key, Value v) {
    if (shape_) [[unlikely]] Unshape();
    key_bits_ |= KeyBit(key);
    entries_.emplace_back(std::move(key), std::move(v));
  }
  void Reserve(size_t n) {
    if (!shape_) entries_.reserve(n);  // a shaped context has room for all its keys
  }
  const Value* Find(std::string_view key) const;
  // False when no entry has this key (a one-word filter: looking up an absent field, common for
  // optional case fields, then skips the scan). True may still mean absent.
  bool MayContain(std::string_view key) const { return (key_bits_ & KeyBit(key)) != 0; }
  // The same with `KeyBit(key)` computed once by the caller (a compiled name).
  bool MayContainBit(uint64_t key_bit) const { return (key_bits_ & key_bit) != 0; }
  size_t size() const { return shape_ ? count_ : entries_.size(); }
  const std::string& key(size_t i) const { return shape_ ? shape_->key(i) : entries_[i].first; }
  const Value& value(size_t i) const { return shape_ ? values_[i] : entries_[i].second; }
  // The shared keys, or null when the context holds its own.
  const ContextShape* shape() const { return shape_; }
  // size() and value(i) of a context known to be shaped, without testing again (a path's read).
  size_t shaped_size() const { return count_; }
  const Value& shaped_value(size_t i) const { return values_[i]; }

  // The entries in order, as (key, value) pairs of references into the context.
  using Entry = std::pair<const std::string&, const Value&>;
  class Entries {
   public:
    class iterator {
     public:
      using iterator_category = std::forward_iterator_tag;
      using value_type = Entry;
      using difference_type = std::ptrdiff_t;
      using reference = Entry;
      using pointer = void;
      iterator() = default;
      iterator(const Context* c, size_t i) : c_(c), i_(i) {}
      Entry operator*() const { return Entry(c_->key(i_), c_->value(i_)); }
      iterator& operator++() {
        ++i_;
        return *this;
      }
      iterator operator++(int) {
        iterator old = *this;
        ++i_;
        return old;
      }
      bool operator==(const iterator& o) const { return i_ == o.i_; }

     private:
      const Context* c_ = nullptr;
      size_t i_ = 0;
    };
    explicit Entries(const Context& c) : c_(&c) {}
    size_t size() const { return c_->size(); }
    bool empty() const { return c_->size() == 0; }
    Entry operator[](size_t i) const { return Entry(c_->key(i), c_->value(i)); }
    iterator begin() const { return iterator(c_, 0); }
    iterator end() const { return iterator(c_, c_->size()); }

   private:
    const Context* c_;
  };
  Entries entries() const { return Entries(*this); }

  // The one bit of the key filter that `k` sets.
  static uint64_t KeyBit(std::string_view k) { return ContextKeyBit(ContextKeyHash(k)); }

 private:
  // Copies the shape's keys for the entries present into `entries_` and drops the shape.
  [[gnu::noinline]] void Unshape();
  [[gnu::noinline]] void PutCopy(std::string_view key, Value v) { Put(std::string(key), std::move(v)); }
  void FreeValues() noexcept;

  const ContextShape* shape_ = nullptr;
  // Shaped: room for the value of each of the shape's keys, in order, the first count_ made.
  Value* values_ = nullptr;
  size_t count_ = 0;
  std::vector<std::pair<std::string, Value>, ValueAllocator<std::pair<std::string, Value>>> entries_;  // not shaped
  uint64_t key_bits_ = 0;  // KeyBit of every key (shaped: of every key of the shape)
};

// A context value built in place: `fill(c)` fills the empty context `c` (shaped by `shape`, or
// not) inside its shared block, without the move of a finished Context into one (FromContext).
template <class Fill>
Value MakeContextValue(const ContextShape* shape, Fill&& fill) {
  std::shared_ptr<Context> c = std::allocate_shared<Context>(ValueAllocator<Context>(), shape);
  fill(*c);
  return Value::FromContext(ContextPtr(std::move(c)));
}

// A range (DMN 1.5 §10.3.2.7). An unbounded end (`< 10` is (-inf..10)) has a null endpoint.
struct Range {
  // How the range was written. `=10` is the interval [10..10] written as a unary comparison, and
  // `!=10` every value but 10 (both end points 10); neither equals a range written another way
  // (DMN TCK 0068-feel-equality range_010..012). Every other range is an interval.
  enum class Form : uint8_t { kInterval, kEqual, kNotEqual };
  Value low;
  Value high;
  bool low_closed = true;
  bool high_closed = true;
  Form form = Form::kInterval;
  bool low_unbounded() const { return low.is_null(); }
  bool high_unbounded() const { return high.is_null(); }
};

// Diagnostics collected while evaluating (FEEL errors are null plus a message, never a throw).
struct Diagnostic {
  enum class Severity : uint8_t { kError, kWarning };
  Severity severity = Severity::kError;
  std::string message;
  int line = 0;    // 1-based position in the expression text, 0 when unknown
  int column = 0;
};

// State that the embedding engine keeps for one evaluation (DMN: the rule trace, decision-service
// nesting). It travels with the EvalContext, so calls nested through functions (business
// knowledge models, decision services) reach it without thread-locals; FEEL never looks inside.
class HostFrame {
 public:
  virtual ~HostFrame() = default;
};

// Per-evaluation state shared by the evaluator and built-ins: diagnostics, resource limits.
class EvalContext {
 public:
  EvalContext() = default;

  // Records an error; returns null so callers can `return ctx.Error(...)`.
  Value Error(std::string message);
  void Warn(std::string message);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  void ClearDiagnostics() { diagnostics_.clear(); }
  size_t diagnostic_count() const { return diagnostics_.size(); }
  void TruncateDiagnostics(size_t n) {
    if (n < diagnostics_.size()) diagnostics_.resize(n);
  }

  // Guards against hostile input: call depth and total loop iterations per evaluation.
  int max_depth = 2000;
  int64_t max_iterations = 10'000'000;
  int depth = 0;
  int64_t iterations = 0;
  bool limit_exceeded = false;  // set once a limit trips; evaluation unwinds with null

  // "now" for now() and today(); fixed per evaluation so results are reproducible.
  std::optional<DateTime> now;
  // The embedding engine's frame for this evaluation, or null (see HostFrame).
  HostFrame* host = nullptr;

 private:
  std::vector<Diagnostic> diagnostics_;
};

// A callable FEEL value: built-in, user-defined (function literal), or a DMN invocable
// (business knowledge model, decision service).
class Function {
 public:
  virtual ~Function() = default;
  // Formal parameter names in order; used to map named arguments to positions.
  virtual std::span<const std::string> parameters() const = 0;
  // True when the function accepts any number of trailing arguments.
  virtual bool variadic() const { return false; }
  // Positional call. Named calls are mapped to positions first (missing ones are null).
  virtual Value Call(std::span<const Value> args, EvalContext& ctx) const = 0;
  // Named call; the default maps names onto parameters() and calls Call().
  virtual Value CallNamed(std::span<const std::pair<std::string, Value>> args, EvalContext& ctx) const;
  virtual std::string_view name() const { return "anonymous function"; }
};

// --- equality and ordering (DMN 1.5 §10.3.2.2, §10.3.2.9) ---------------------------------
// FEEL `=`: null when the operands are not comparable (different types other than null).
std::optional<bool> Equal(const Value& a, const Value& b);
// FEEL `<`: nullopt when not ordered (different types, or types without an order).
std::optional<std::strong_ordering> Compare(const Value& a, const Value& b);
// Strict structural equality used by tests and the TCK (lists element-wise, contexts by key).
bool DeepEqual(const Value& a, const Value& b);
// Two lists (element-wise, in order) or two contexts (by key) whose members are all `same`; the
// recursion shared by DeepEqual and the is() built-in, which differ only at the leaves.
template <class Same>
bool SameMembers(const Value& a, const Value& b, Same same) {
  if (a.is(Type::kList) && b.is(Type::kList)) {
    const List& x = a.list();
    const List& y = b.list();
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (!same(x[i], y[i])) return false;
    return true;
  }
  if (!a.is(Type::kContext) || !b.is(Type::kContext)) return false;
  const Context& x = a.context();
  const Context& y = b.context();
  if (x.size() != y.size()) return false;
  for (const auto& [k, v] : x.entries()) {
    const Value* other = y.Find(k);
    if (!other || !same(v, *other)) return false;
  }
  return true;
}

// The escapes of a FEEL string literal that the literal writer writes and the parser reads back
// (the parser also reads \b, \f, \' and \u/\U escapes; the writer uses \u for other controls).
inline constexpr common::Escape kFeelStringEscapes[] = {
    {'"', "\\\""}, {'\\', "\\\\"}, {'\n', "\\n"}, {'\r', "\\r"}, {'\t', "\\t"}};

// `open`, each of `items` written by `write(item)` with `sep` between them, `close`: the list,
// context and parameter-list forms that the FEEL literal writer and the CLI's JSON writer share.
template <class Items, class Write>
void AppendJoined(std::string& out, std::string_view open, const Items& items, std::string_view sep,
                  std::string_view close, Write write) {
  out += open;
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += sep;
    first = false;
    write(item);
  }
  out += close;
}

// FEEL literal text: 3, "text", [1, 2], {a: 1}, date("2026-01-01"), null.
std::string ToFeelLiteral(const Value& v);
// FEEL string(): the conversion built-in (strings without quotes, dates as ISO text, ...).
std::string ToFeelString(const Value& v);

}  // namespace zebra::feel
