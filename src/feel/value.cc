#include "feel/value.h"

#include <cctype>
#include <cstdio>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "common/bytes.h"
#include "feel/immortal_strings.h"

namespace zebra::feel {

std::string_view TypeName(Type t) {
  switch (t) {
    case Type::kNull: return "Null";
    case Type::kBoolean: return "boolean";
    case Type::kNumber: return "number";
    case Type::kString: return "string";
    case Type::kDate: return "date";
    case Type::kTime: return "time";
    case Type::kDateTime: return "date and time";
    case Type::kDaysTimeDuration: return "days and time duration";
    case Type::kYearsMonthsDuration: return "years and months duration";
    case Type::kList: return "list";
    case Type::kContext: return "context";
    case Type::kRange: return "range";
    case Type::kFunction: return "function";
  }
  return "unknown";
}

Value Value::FromContext(Context c) {
  // A non-const object: a context its one owner holds alone may then change in place
  // (ContextPutNode).
  return FromContext(ContextPtr(std::allocate_shared<Context>(ValueAllocator<Context>(), std::move(c))));
}

namespace value_pool_internal {
namespace {
// Drains the thread's cache when the thread ends; later frees (other thread-locals' or static
// destructors' values) go to the heap.
struct ThreadBlocksDrain {
  ~ThreadBlocksDrain() {
    thread_blocks.cache.Disable();
    thread_blocks.state = State::kGone;
  }
};
}  // namespace

void Activate() noexcept {
  static thread_local ThreadBlocksDrain drain;
  (void)drain;
  thread_blocks.cache.Enable();
  thread_blocks.state = State::kActive;
}
}  // namespace value_pool_internal
Value Value::FromRange(Range r) { return FromRange(std::make_shared<const Range>(std::move(r))); }

namespace {
// Shapes are made at compile time and never freed; the bounds keep a process that compiles
// endless distinct models (a fuzzer, a long-running service) from growing without limit: past
// them, contexts keep their own keys, which only costs time.
constexpr size_t kMaxShapes = size_t{1} << 16;
constexpr size_t kMaxShapeKeys = size_t{1} << 20;  // over all shapes
constexpr size_t kMaxShapeSize = 0xFFFF;  // positions fit the table's uint16_t

struct ShapeRegistry {
  std::mutex mutex;
  std::unordered_map<std::string, const ContextShape*> by_keys;  // by the length-prefixed keys
  size_t keys = 0;  // the keys of all shapes
};
}  // namespace

namespace {
// A key list as the registry knows it: each key length-prefixed.
void AppendRegistryKey(std::string& id, std::string_view key) {
  id += std::to_string(key.size());
  id += ':';
  id += key;
}
}  // namespace

const ContextShape* ContextShape::Intern(std::span<const std::string> keys) {
  if (keys.empty() || keys.size() > kMaxShapeSize) return nullptr;
  std::string id;
  for (const auto& k : keys) AppendRegistryKey(id, k);
  return InternKeys(keys, std::move(id), nullptr, 0);
}

const ContextShape* ContextShape::InternSubset(const ContextShape& family, uint64_t present) {
  const size_t n = family.size();
  if (n > 64 || family.family_ || present == 0) return nullptr;
  if (n < 64 && (present >> n) != 0) return nullptr;  // a bit beyond the family's keys
  if (present == (n == 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1)) return &family;
  // Not the same shape as Intern's for these keys: a subset keeps its family's position cache.
  std::string id = "F" + std::to_string(family.id()) + "|";
  std::vector<std::string> keys;
  for (size_t i = 0; i < n; ++i)
    if (present & (uint64_t{1} << i)) {
      keys.push_back(family.key(i));
      AppendRegistryKey(id, family.key(i));
    }
  return InternKeys(keys, std::move(id), &family, present);
}

const ContextShape* ContextShape::InternKeys(std::span<const std::string> keys, std::string id,
                                             const ContextShape* family, uint64_t present) {
  static ShapeRegistry* const registry = new ShapeRegistry;  // never destroyed, as its shapes
  std::lock_guard<std::mutex> lock(registry->mutex);
  if (auto it = registry->by_keys.find(id); it != registry->by_keys.end()) return it->second;
  if (registry->by_keys.size() >= kMaxShapes || registry->keys + keys.size() > kMaxShapeKeys) return nullptr;
  std::unique_ptr<ContextShape> shape(new ContextShape());
  shape->keys_.assign(keys.begin(), keys.end());
  int bits = 2;
  while ((size_t{1} << bits) < keys.size() * 4) ++bits;
  shape->table_shift_ = 64 - bits;
  shape->table_.assign(size_t{1} << bits, 0);
  shape->mask_ = shape->table_.size() - 1;
  for (size_t i = 0; i < keys.size(); ++i) {
    const uint64_t h = ContextKeyHash(keys[i]);
    shape->key_bits_ |= ContextKeyBit(h);
    size_t slot = static_cast<size_t>((h * kMix) >> shape->table_shift_);
    for (; shape->table_[slot] != 0; slot = (slot + 1) & shape->mask_)
      if (keys[shape->table_[slot] - 1u] == keys[i]) return nullptr;  // a repeated key: no shape
    shape->table_[slot] = static_cast<uint16_t>(i + 1);
  }
  shape->id_ = static_cast<uint32_t>(registry->by_keys.size() + 1);
  shape->cache_id_ = shape->id_;
  if (family) {
    shape->family_ = family;
    shape->cache_id_ = family->id();
    shape->family_size_ = family->size();
    shape->from_family_storage_.assign(family->size(), 0xFFFF);
    uint16_t at = 0;
    for (size_t i = 0; i < family->size(); ++i)
      if (present & (uint64_t{1} << i)) shape->from_family_storage_[i] = at++;
    shape->from_family_ = shape->from_family_storage_.data();
  }
  const ContextShape* interned = shape.release();
  registry->by_keys.emplace(std::move(id), interned);
  registry->keys += keys.size();
  return interned;
}

namespace {
constexpr size_t kMaxImmortalBytes = size_t{64} << 20;  // about; see ImmortalRegistry::bytes
constexpr int kMaxImmortalDepth = 64;  // deeper members stay ordinary (only time is lost)

struct ImmortalRegistry {
  std::mutex mutex;
  std::vector<std::shared_ptr<const void>> owners;
  std::unordered_map<std::string_view, StringPtr> strings;  // the views are of the owned strings
  size_t bytes = 0;  // an estimate: sizes of strings and members, plus a block per object
};

ImmortalRegistry& Immortals() {
  static ImmortalRegistry* const registry = new ImmortalRegistry;  // never destroyed, as its values
  return *registry;
}

// An owner-less pointer to `p`'s object, which the registry keeps: null when it is full.
template <class T>
std::shared_ptr<const T> Keep(ImmortalRegistry& r, std::shared_ptr<const T> p, size_t bytes) {
  if (r.bytes + bytes > kMaxImmortalBytes) return nullptr;
  r.bytes += bytes;
  const T* raw = p.get();
  r.owners.push_back(std::move(p));
  return std::shared_ptr<const T>(std::shared_ptr<const T>(), raw);
}

Value Immortal(ImmortalRegistry& r, Value v, int depth) {
  constexpr size_t kBlock = 64;
  if (depth > kMaxImmortalDepth) return v;
  switch (v.type()) {
    case Type::kString: {
      if (IsImmortal(v.string_ptr())) return v;
      if (auto it = r.strings.find(v.string()); it != r.strings.end()) return Value::String(it->second);
      StringPtr kept = Keep(r, v.string_ptr(), v.string().size() + kBlock);
      if (!kept) return v;
      r.strings.emplace(*kept, kept);
      return Value::String(std::move(kept));
    }
    case Type::kList: {
      if (IsImmortal(v.list_ptr())) return v;
      List items;
      items.reserve(v.list().size());
      for (const Value& e : v.list()) items.push_back(Immortal(r, e, depth + 1));
      ListPtr kept = Keep(r, std::make_shared<const List>(std::move(items)), v.list().size() * sizeof(Value) + kBlock);
      return kept ? Value::FromList(std::move(kept)) : v;
    }
    case Type::kContext: {
      if (IsImmortal(v.context_ptr())) return v;
      const Context& c = v.context();
      // The same entries in the same order, shaped as `c` is (the key filter is then the same).
      Context out(c.shape());
      out.Reserve(c.size());
      size_t bytes = kBlock;
      for (size_t i = 0; i < c.size(); ++i) {
        if (c.shape()) {
          out.AppendValue(Immortal(r, c.value(i), depth + 1));
        } else {
          out.Append(c.key(i), Immortal(r, c.value(i), depth + 1));
          bytes += c.key(i).size();
        }
        bytes += sizeof(Value) + sizeof(std::string);
      }
      ContextPtr kept = Keep(r, std::make_shared<const Context>(std::move(out)), bytes);
      return kept ? Value::FromContext(std::move(kept)) : v;
    }
    case Type::kRange: {
      if (IsImmortal(v.range_ptr())) return v;
      Range range = v.range();
      range.low = Immortal(r, std::move(range.low), depth + 1);
      range.high = Immortal(r, std::move(range.high), depth + 1);
      RangePtr kept = Keep(r, std::make_shared<const Range>(std::move(range)), sizeof(Range) + kBlock);
      return kept ? Value::FromRange(std::move(kept)) : v;
    }
    default: return v;  // no pointer, or a function
  }
}
}  // namespace

Value MakeImmortal(Value v) {
  ImmortalRegistry& r = Immortals();
  std::lock_guard<std::mutex> lock(r.mutex);
  return Immortal(r, std::move(v), 0);
}

std::vector<const std::string*> ImmortalStrings() {
  ImmortalRegistry& r = Immortals();
  std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<const std::string*> out;
  out.reserve(r.strings.size());
  for (const auto& [text, kept] : r.strings) out.push_back(kept.get());
  return out;
}

Context::Context(const Context& o) : shape_(o.shape_), entries_(o.entries_), key_bits_(o.key_bits_) {
  if (shape_) {
    values_ = static_cast<Value*>(AllocateValueMemory(shape_->size() * sizeof(Value)));
    for (; count_ < o.count_; ++count_) new (&values_[count_]) Value(o.values_[count_]);
  }
}

void Context::FreeValues() noexcept {
  if (!values_) return;
  // By pointer, with the end read once: an index loop recomputed each address and reloaded the
  // members after every release (it may not assume the release leaves them alone). Two values a
  // step: most hold no counted pointer (nulls, numbers, booleans, immortal constants), and the
  // loop's own steps were half of the instructions spent on each of them.
  const size_t n = count_;
  Value* v = values_;
  for (Value* const pairs_end = v + (n & ~size_t{1}); v != pairs_end; v += 2) {
    v[0].~Value();
    v[1].~Value();
  }
  if (n & 1) v->~Value();
  FreeValueMemory(values_, shape_->size() * sizeof(Value));
  values_ = nullptr;
  count_ = 0;
}

void Context::Unshape() {
  entries_.reserve(count_ + 1);
  key_bits_ = 0;
  for (size_t i = 0; i < count_; ++i) {
    key_bits_ |= KeyBit(shape_->key(i));
    entries_.emplace_back(shape_->key(i), std::move(values_[i]));
  }
  FreeValues();
  shape_ = nullptr;
}

void Context::Put(std::string key, Value v) {
  // The key filter rules out most new keys without a scan (results of each model added to the
  // clinical inputs, context put, JSON objects).
  if (shape_) {
    if (size_t i = shape_->IndexOf(key); i < count_) {
      values_[i] = std::move(v);
      return;
    }
  } else if (MayContain(key)) {
    for (auto& [k, existing] : entries_) {
      if (k == key) {
        existing = std::move(v);
        return;
      }
    }
  }
  Append(std::move(key), std::move(v));
}

const Value* Context::Find(std::string_view key) const {
  if (shape_) {
    // The shape's key filter is the context's.
    const size_t i = shape_->IndexOf(key);
    return i < count_ ? &values_[i] : nullptr;
  }
  if (!MayContain(key)) return nullptr;
  for (const auto& [k, v] : entries_) {
    if (k == key) return &v;
  }
  return nullptr;
}

Value EvalContext::Error(std::string message) {
  if (diagnostics_.size() < 1000) diagnostics_.push_back({Diagnostic::Severity::kError, std::move(message)});
  return Value();
}

void EvalContext::Warn(std::string message) {
  if (diagnostics_.size() < 1000) diagnostics_.push_back({Diagnostic::Severity::kWarning, std::move(message)});
}

Value Function::CallNamed(std::span<const std::pair<std::string, Value>> args, EvalContext& ctx) const {
  auto params = parameters();
  std::vector<Value> positional(params.size());
  for (const auto& [name, value] : args) {
    size_t i = 0;
    while (i < params.size() && params[i] != name) ++i;
    if (i == params.size()) return ctx.Error("function '" + std::string(this->name()) + "' has no parameter '" + name + "'");
    positional[i] = value;
  }
  return Call(positional, ctx);
}

namespace {

std::optional<bool> ListEqual(const List& a, const List& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto e = Equal(a[i], b[i]);
    if (!e) return std::nullopt;
    if (!*e) return false;
  }
  return true;
}

std::optional<bool> ContextEqual(const Context& a, const Context& b) {
  if (a.size() != b.size()) return false;
  if (a.shape() && a.shape() == b.shape()) {
    // The same keys at the same positions: what the search below finds, without searching.
    for (size_t i = 0; i < a.size(); ++i) {
      auto e = Equal(a.value(i), b.value(i));
      if (!e) return std::nullopt;
      if (!*e) return false;
    }
    return true;
  }
  for (const auto& [k, v] : a.entries()) {
    const Value* other = b.Find(k);
    if (!other) return false;
    auto e = Equal(v, *other);
    if (!e) return std::nullopt;
    if (!*e) return false;
  }
  return true;
}

bool RangeEqual(const Range& a, const Range& b) {
  auto endpoint_equal = [](const Value& x, const Value& y) {
    if (x.is_null() || y.is_null()) return x.is_null() && y.is_null();
    auto e = Equal(x, y);
    return e && *e;
  };
  return a.form == b.form && a.low_closed == b.low_closed && a.high_closed == b.high_closed &&
         endpoint_equal(a.low, b.low) &&
         endpoint_equal(a.high, b.high);
}

}  // namespace

// DMN 1.5 Table 54: when one operand has no offset, it takes the other's offset.
std::pair<DateTime, DateTime> AlignZones(DateTime x, DateTime y) {
  bool lx = x.time.kind == ZoneKind::kLocal, ly = y.time.kind == ZoneKind::kLocal;
  if (lx != ly) {
    DateTime& local = lx ? x : y;
    const DateTime& zoned = lx ? y : x;
    if (auto off = EffectiveOffset(zoned)) {
      local.time.kind = ZoneKind::kOffset;
      local.time.offset_seconds = *off;
    }
  }
  return {x, y};
}

std::pair<Time, Time> AlignZones(Time x, Time y) {
  bool lx = x.kind == ZoneKind::kLocal, ly = y.kind == ZoneKind::kLocal;
  if (lx != ly) {
    Time& local = lx ? x : y;
    const Time& zoned = lx ? y : x;
    if (auto off = EffectiveOffset(zoned)) {
      local.kind = ZoneKind::kOffset;
      local.offset_seconds = *off;
    }
  }
  return {x, y};
}

std::optional<bool> Equal(const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return a.is_null() && b.is_null();
  if (a.type() != b.type()) {
    // A zero duration of either kind is the same length of time.
    bool da = a.is(Type::kDaysTimeDuration) || a.is(Type::kYearsMonthsDuration);
    bool db = b.is(Type::kDaysTimeDuration) || b.is(Type::kYearsMonthsDuration);
    if (da && db) {
      auto zero = [](const Value& v) {
        return v.is(Type::kDaysTimeDuration) ? (v.days_time().seconds == 0 && v.days_time().nanos == 0)
                                             : v.years_months().months == 0;
      };
      return zero(a) && zero(b) ? std::optional<bool>(true) : std::nullopt;
    }
    return std::nullopt;
  }
  switch (a.type()) {
    case Type::kNull: return true;
    case Type::kBoolean: return a.boolean() == b.boolean();
    case Type::kNumber: return a.number() == b.number();
    case Type::kString: return a.string() == b.string();
    case Type::kDate: return a.date() == b.date();
    case Type::kTime: {
      auto [x, y] = AlignZones(a.time(), b.time());
      auto c = CompareTime(x, y);
      if (!c) return false;
      return *c == 0;
    }
    case Type::kDateTime: {
      auto [x, y] = AlignZones(a.date_time(), b.date_time());
      auto c = CompareDateTime(x, y);
      if (!c) return false;
      return *c == 0;
    }
    case Type::kDaysTimeDuration: return a.days_time() == b.days_time();
    case Type::kYearsMonthsDuration: return a.years_months() == b.years_months();
    case Type::kList: return ListEqual(a.list(), b.list());
    case Type::kContext: return ContextEqual(a.context(), b.context());
    case Type::kRange: return RangeEqual(a.range(), b.range());
    case Type::kFunction: return a.function_ptr() == b.function_ptr();
  }
  return std::nullopt;
}

std::optional<std::strong_ordering> Compare(const Value& a, const Value& b) {
  if (a.type() != b.type()) return std::nullopt;
  switch (a.type()) {
    case Type::kNumber: return a.number() <=> b.number();
    case Type::kString: return a.string() <=> b.string();
    case Type::kDate: return a.date() <=> b.date();
    case Type::kTime: {
      auto [x, y] = AlignZones(a.time(), b.time());
      return CompareTime(x, y);
    }
    case Type::kDateTime: {
      auto [x, y] = AlignZones(a.date_time(), b.date_time());
      return CompareDateTime(x, y);
    }
    case Type::kDaysTimeDuration: return a.days_time() <=> b.days_time();
    case Type::kYearsMonthsDuration: return a.years_months() <=> b.years_months();
    default: return std::nullopt;
  }
}

bool DeepEqual(const Value& a, const Value& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Type::kNull: return true;
    case Type::kList:
    case Type::kContext: return SameMembers(a, b, DeepEqual);
    case Type::kTime: {
      // Structural: same clock reading and same offset/zone.
      const Time& x = a.time();
      const Time& y = b.time();
      return x.nanos == y.nanos && x.kind == y.kind && x.offset_seconds == y.offset_seconds && x.zone == y.zone;
    }
    case Type::kDateTime: {
      const DateTime& x = a.date_time();
      const DateTime& y = b.date_time();
      return x.date == y.date && x.time.nanos == y.time.nanos && x.time.kind == y.time.kind &&
             x.time.offset_seconds == y.time.offset_seconds && x.time.zone == y.time.zone;
    }
    default: {
      auto e = Equal(a, b);
      return e && *e;
    }
  }
}

namespace {

void AppendQuoted(std::string& out, const std::string& s) {
  out += '"';
  common::AppendEscaped(out, s, kFeelStringEscapes, [](std::string& o, char ch) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      o += buf;
    } else {
      o += ch;
    }
  });
  out += '"';
}

bool IsPlainName(const std::string& s) {
  if (s.empty()) return false;
  auto start_ok = [](unsigned char c) { return c == '_' || c == '?' || std::isalpha(c) || c >= 0x80; };
  if (!start_ok(static_cast<unsigned char>(s[0]))) return false;
  for (unsigned char c : s)
    if (!(start_ok(c) || std::isdigit(c))) return false;
  static const char* kKeywords[] = {"true", "false", "null", "and", "or", "not", "in", "if", "then", "else",
                                    "for", "return", "some", "every", "satisfies", "instance", "of", "function",
                                    "between", "external"};
  for (const char* k : kKeywords)
    if (s == k) return false;
  return true;
}

void AppendLiteral(std::string& out, const Value& v);

void AppendRange(std::string& out, const Range& r) {
  if (r.form != Range::Form::kInterval) {
    out += r.form == Range::Form::kEqual ? "= " : "!= ";
    AppendLiteral(out, r.low);
    return;
  }
  if (r.low_unbounded() && r.high_unbounded()) {
    out += "null";
    return;
  }
  if (r.low_unbounded()) {
    out += r.high_closed ? "<= " : "< ";
    AppendLiteral(out, r.high);
    return;
  }
  if (r.high_unbounded()) {
    out += r.low_closed ? ">= " : "> ";
    AppendLiteral(out, r.low);
    return;
  }
  out += r.low_closed ? '[' : '(';
  AppendLiteral(out, r.low);
  out += "..";
  AppendLiteral(out, r.high);
  out += r.high_closed ? ']' : ')';
}

void AppendLiteral(std::string& out, const Value& v) {
  switch (v.type()) {
    case Type::kNull: out += "null"; break;
    case Type::kBoolean: out += v.boolean() ? "true" : "false"; break;
    case Type::kNumber: out += v.number().ToString(); break;
    case Type::kString: AppendQuoted(out, v.string()); break;
    case Type::kDate: out += "date(\"" + FormatDate(v.date()) + "\")"; break;
    case Type::kTime: out += "time(\"" + FormatTime(v.time()) + "\")"; break;
    case Type::kDateTime: out += "date and time(\"" + FormatDateTime(v.date_time()) + "\")"; break;
    case Type::kDaysTimeDuration: out += "duration(\"" + FormatDuration(v.days_time()) + "\")"; break;
    case Type::kYearsMonthsDuration: out += "duration(\"" + FormatDuration(v.years_months()) + "\")"; break;
    case Type::kList:
      AppendJoined(out, "[", v.list(), ", ", "]", [&out](const Value& e) { AppendLiteral(out, e); });
      break;
    case Type::kContext:
      AppendJoined(out, "{", v.context().entries(), ", ", "}", [&out](const auto& entry) {
        if (IsPlainName(entry.first)) {
          out += entry.first;
        } else {
          AppendQuoted(out, entry.first);
        }
        out += ": ";
        AppendLiteral(out, entry.second);
      });
      break;
    case Type::kRange: AppendRange(out, v.range()); break;
    case Type::kFunction:
      AppendJoined(out, "function(", v.function().parameters(), ", ", ")", [&out](const auto& p) { out += p; });
      break;
  }
}

}  // namespace

std::string ToFeelLiteral(const Value& v) {
  std::string out;
  AppendLiteral(out, v);
  return out;
}

std::string ToFeelString(const Value& v) {
  switch (v.type()) {
    case Type::kNull: return "null";
    case Type::kString: return v.string();
    case Type::kDate: return FormatDate(v.date());
    case Type::kTime: return FormatTime(v.time());
    case Type::kDateTime: return FormatDateTime(v.date_time());
    case Type::kDaysTimeDuration: return FormatDuration(v.days_time());
    case Type::kYearsMonthsDuration: return FormatDuration(v.years_months());
    default: return ToFeelLiteral(v);
  }
}

}  // namespace zebra::feel
