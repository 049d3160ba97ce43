// A fast JSON writer that produces exactly the bytes of nlohmann 3.11.2's dump(), appended to a
// caller's buffer. Output bytes are a contract here (stored evaluations are compared byte for
// byte), so every rule of nlohmann's serializer is kept: key order, escapes, number formatting,
// pretty-print layout, and its accept/reject decision on invalid UTF-8.
#pragma once

#include <cstdint>
#include <cstring>
#include <iterator>
#include <type_traits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace zebra::json {

using Utf8Handler = nlohmann::json::error_handler_t;

// Appends what v.dump(indent, ' ', false, on_invalid_utf8) returns: indent < 0 is compact,
// indent >= 0 pretty-prints with that many spaces per level.
// With Utf8Handler::strict, a string that is not valid UTF-8 throws nlohmann's own
// type_error 316 (same message); `out` may then hold a partial value, as with nlohmann's
// serializer, so callers that keep `out` cut it back. replace/ignore behave as nlohmann's.
void AppendJson(std::string& out, const nlohmann::ordered_json& v, int indent = -1,
                Utf8Handler on_invalid_utf8 = Utf8Handler::strict);
void AppendJson(std::string& out, const nlohmann::json& v, int indent = -1,
                Utf8Handler on_invalid_utf8 = Utf8Handler::strict);

// Appends s as a JSON string literal (quotes included), as nlohmann::json(s).dump() would.
void AppendJsonString(std::string& out, std::string_view s, Utf8Handler on_invalid_utf8 = Utf8Handler::strict);

// The writer's answer as a new string: same bytes as v.dump(indent).
std::string DumpJson(const nlohmann::ordered_json& v, int indent = -1);

// ---- one description, two outputs -------------------------------------------------------------
//
// A part of an answer written once against the interface below (a function template over `Out`)
// gives both the tree the renderers read (TreeOut) and the text of its compact dump (TextOut),
// without the tree: the two cannot drift, since there is one description of the fields. Tests
// hold TextOut's bytes against AppendJson of TreeOut's tree.

// A constant value prepared once (at load) with its compact text, as AppendJson writes it. For
// an object used through Members(), the text is its members without the braces.
struct Fragment {
  nlohmann::ordered_json value;
  std::string text;
  // False when the value cannot be written strictly (invalid UTF-8): TextOut then writes the
  // value at use, which throws as AppendJson of the tree would.
  bool has_text = false;
};
Fragment MakeFragment(nlohmann::ordered_json value);
// `members` must be an object: its members are added to the object being written.
Fragment MakeMembersFragment(nlohmann::ordered_json members);

// A member name known when compiling (a string literal): checked then to need no escaping
// (printable ASCII without '"' or '\\'), so the text writer copies it between quotes as it is.
class Name {
 public:
  template <std::size_t N>
  consteval Name(const char (&s)[N]) : data_(s), size_(N - 1) {  // NOLINT: implicit by design
    for (std::size_t i = 0; i + 1 < N; ++i)
      if (s[i] < 0x20 || s[i] == '"' || s[i] == '\\' || s[i] == 0x7f) throw "json::Name: not a plain key";
    if (s[N - 1] != '\0') throw "json::Name: not a string literal";
  }
  constexpr const char* data() const { return data_; }
  constexpr std::size_t size() const { return size_; }
  constexpr std::string_view view() const { return {data_, size_}; }

 private:
  const char* data_;
  std::size_t size_;
};
// Any other key (a std::string, a const char* known only when running).
template <class S>
concept RuntimeKey = std::is_convertible_v<const S&, std::string_view> && !std::is_convertible_v<const S&, Name>;

// Appends the compact JSON text (strict UTF-8, as AppendJson). It writes into `out`'s own
// storage through a cursor, growing it ahead; `out` holds exactly the text written once the
// writer is destroyed or after Flush() (in between, its tail is room not yet written).
class TextOut {
 public:
  // `continuing`: `out` already holds an object's opening and members, and the first key written
  // here is preceded by a comma.
  explicit TextOut(std::string& out, bool continuing = false) : out_(out), first_(!continuing) { Acquire(); }
  ~TextOut() {
    if (cur_) Commit();
  }
  TextOut(const TextOut&) = delete;
  TextOut& operator=(const TextOut&) = delete;
  // Makes `out` hold what has been written (its size); writing may go on after.
  void Flush() {
    Commit();
    Acquire();
  }

  void BeginObject(size_t = 0) { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray(size_t = 0) { Open('['); }
  void EndArray() { Close(']'); }
  [[gnu::always_inline]] void Key(Name key) {  // inlined: the name's size is a constant
    char* p = Room(key.size() + 4);
    if (!first_) *p++ = ',';
    first_ = true;
    *p++ = '"';
    std::memcpy(p, key.data(), key.size());
    p += key.size();
    p[0] = '"';
    p[1] = ':';
    cur_ = p + 2;
  }
  template <RuntimeKey S>
  void Key(const S& key) {
    RuntimeKeyText(std::string_view(key));
  }
  void String(std::string_view s);
  // String(a + " " + b), without making that string when neither part needs escaping.
  void JoinedString(std::string_view a, std::string_view b);
  // String(s) of a text the caller knows needs nothing (no byte to escape, valid UTF-8: String
  // would write its bytes between quotes), copied without looking at it.
  void StringAsIs(std::string_view s) {
    const size_t n = s.size();
    char* p = Separated(n + 2);
    p[0] = '"';
    if (n) std::memcpy(p + 1, s.data(), n);  // (an empty view's data may be null)
    p[n + 1] = '"';
    cur_ = p + n + 2;
  }
  // JoinedString(a, b) of an `a` known to need nothing (as StringAsIs): only b is looked at.
  void JoinedStringAsIs(std::string_view a, std::string_view b);
  void Bool(bool b) {
    char* p = Separated(5);
    if (b) {
      std::memcpy(p, "true", 4);
      cur_ = p + 4;
    } else {
      std::memcpy(p, "false", 5);
      cur_ = p + 5;
    }
  }
  void Null() {
    std::memcpy(Separated(4), "null", 4);
    cur_ += 4;
  }
  // An object of two string members and a boolean one (a trace entry's shape), written with one
  // room check and no separator bookkeeping between its members when both strings have at most
  // 32 bytes and need no escaping; otherwise member by member (same bytes).
  [[gnu::always_inline]] void ObjectOf(Name k1, std::string_view s1, Name k2, std::string_view s2, Name k3, bool b) {
    const size_t n1 = s1.size(), n2 = s2.size();
    char* p = cur_;
    if (n1 <= 32 && n2 <= 32 &&
        static_cast<size_t>(end_ - p) >= k1.size() + k2.size() + k3.size() + 64 + 24) [[likely]] {
      if (!first_) *p++ = ',';
      p = PutKey(p, '{', k1);
      if (CopyPlainShort(p, s1)) {
        p[n1] = '"';
        p = PutKey(p + n1 + 1, ',', k2);
        if (CopyPlainShort(p, s2)) {
          p += n2;
          *p++ = '"';
          *p++ = ',';
          *p++ = '"';
          std::memcpy(p, k3.data(), k3.size());
          p += k3.size();
          if (b) {
            std::memcpy(p, "\":true}", 7);
            p += 7;
          } else {
            std::memcpy(p, "\":false}", 8);
            p += 8;
          }
          cur_ = p;
          first_ = false;
          return;
        }
      }
    }
    BeginObject();
    Key(k1);
    String(s1);
    Key(k2);
    String(s2);
    Key(k3);
    Bool(b);
    EndObject();
  }
  void Unsigned(std::uint64_t n);
  void Integer(std::int64_t n);
  // A number as the tree's dump writes a double (nlohmann's shortest form; null when not finite).
  void Double(double d);
  void Value(const nlohmann::ordered_json& v);
  void Value(const Fragment& f) {
    if (!f.has_text) return Value(f.value);
    Verbatim(f.text);
  }
  // A value whose compact JSON text was written beforehand (a Fragment's, an ImmortalTexts').
  void Verbatim(std::string_view text) {
    char* p = Separated(text.size());
    std::memcpy(p, text.data(), text.size());
    cur_ = p + text.size();
  }
  void Members(const Fragment& f);
  // Verbatim of each item's text (`text_of(item)`), with one room check for them all: `bytes` is
  // the sum of the texts' sizes.
  template <class Range, class TextOf>
  void VerbatimEach(const Range& items, size_t bytes, TextOf text_of) {
    char* p = Room(bytes + std::size(items));
    bool first = first_;  // (a local: the bytes stored through p may alias the members)
    for (const auto& item : items) {
      const std::string_view text = text_of(item);
      if (!first) *p++ = ',';
      first = false;
      std::memcpy(p, text.data(), text.size());
      p += text.size();
    }
    first_ = first;
    cur_ = p;
  }

 private:
  // Room for n more bytes at cur_ (which it returns).
  char* Room(size_t n) {
    if (static_cast<size_t>(end_ - cur_) < n) [[unlikely]] Grow(n);
    return cur_;
  }
  // Room for a value of up to n bytes after its separating comma, written; cur_ is after the comma.
  char* Separated(size_t n) {
    char* p = Room(n + 1);
    if (!first_) *p++ = ',';
    first_ = false;
    cur_ = p;
    return p;
  }
  void Grow(size_t n);
  void Commit() {
    out_.resize(static_cast<size_t>(cur_ - out_.data()));
    cur_ = end_ = nullptr;
  }
  void Acquire() { cur_ = end_ = out_.data() + out_.size(); }
  void RuntimeKeyText(std::string_view key);
  // `open`, then `"key":"` (where a string value follows); returns the place after it.
  [[gnu::always_inline]] static char* PutKey(char* p, char open, Name key) {
    *p++ = open;
    *p++ = '"';
    std::memcpy(p, key.data(), key.size());
    p += key.size();
    std::memcpy(p, "\":\"", 3);
    return p + 3;
  }
  // Copies s (at most 32 bytes) to p when none of its bytes needs attention (then true).
  static bool CopyPlainShort(char* p, std::string_view s);
  void StringLong(std::string_view s);
  void StringSlow(std::string_view s, size_t clean);
  void Open(char c) {
    char* p = Room(2);
    if (!first_) *p++ = ',';
    *p++ = c;
    cur_ = p;
    first_ = true;
  }
  void Close(char c) {
    *Room(1) = c;
    ++cur_;
    first_ = false;
  }
  std::string& out_;
  char* cur_ = nullptr;
  char* end_ = nullptr;
  bool first_;
};

// Builds the tree: the value written becomes `root`. Objects and arrays are reserved with the
// size hint given to Begin*, since growing an object copies its members (their keys are const).
class TreeOut {
 public:
  explicit TreeOut(nlohmann::ordered_json& root) : root_(root) {}
  void BeginObject(size_t reserve = 0) {
    auto& v = Place(nlohmann::ordered_json(nlohmann::ordered_json::value_t::object));
    if (reserve) v.get_ref<nlohmann::ordered_json::object_t&>().reserve(reserve);
    open_.push_back(&v);
  }
  void EndObject() { open_.pop_back(); }
  void BeginArray(size_t reserve = 0) {
    auto& v = Place(nlohmann::ordered_json(nlohmann::ordered_json::value_t::array));
    if (reserve) v.get_ref<nlohmann::ordered_json::array_t&>().reserve(reserve);
    open_.push_back(&v);
  }
  void EndArray() { open_.pop_back(); }
  void Key(Name key) { key_ = key.view(); }
  template <RuntimeKey S>
  void Key(const S& key) {
    key_ = std::string_view(key);
  }
  void String(std::string_view s) { Place(nlohmann::ordered_json(std::string(s))); }
  void String(std::string&& s) { Place(nlohmann::ordered_json(std::move(s))); }
  void String(const char* s) { String(std::string_view(s)); }
  void String(const std::string& s) { String(std::string_view(s)); }
  void JoinedString(std::string_view a, std::string_view b) {
    std::string joined(a);
    joined += ' ';
    joined += b;
    String(std::move(joined));
  }
  void Bool(bool b) { Place(nlohmann::ordered_json(b)); }
  void Null() { Place(nlohmann::ordered_json()); }
  void Unsigned(std::uint64_t n) { Place(nlohmann::ordered_json(n)); }
  void Integer(std::int64_t n) { Place(nlohmann::ordered_json(n)); }
  void Value(const nlohmann::ordered_json& v) { Place(v); }
  void Value(nlohmann::ordered_json&& v) { Place(std::move(v)); }
  void Double(double d) { Place(nlohmann::ordered_json(d)); }
  void Value(const Fragment& f) { Place(f.value); }
  void Members(const Fragment& f) {
    auto& obj = open_.back()->get_ref<nlohmann::ordered_json::object_t&>();
    for (const auto& [k, v] : f.value.items()) obj.emplace_back(k, v);
  }

 private:
  // The new value's place: the root, the next element of the open array, or the member of the
  // open object under the last key (the caller writes distinct keys).
  nlohmann::ordered_json& Place(nlohmann::ordered_json v) {
    if (open_.empty()) {
      root_ = std::move(v);
      return root_;
    }
    nlohmann::ordered_json& top = *open_.back();
    if (top.is_array()) {
      auto& a = top.get_ref<nlohmann::ordered_json::array_t&>();
      a.push_back(std::move(v));
      return a.back();
    }
    auto& o = top.get_ref<nlohmann::ordered_json::object_t&>();
    o.emplace_back(std::string(key_), std::move(v));
    return o.back().second;
  }
  nlohmann::ordered_json& root_;
  std::vector<nlohmann::ordered_json*> open_;
  std::string_view key_;
};

}  // namespace zebra::json
