// A fast JSON writer that produces exactly the bytes of nlohmann 3.11.2's dump(), appended to a
// caller's buffer. Output bytes are a contract here (stored evaluations are compared byte for
// byte), so every rule of nlohmann's serializer is kept: key order, escapes, number formatting,
// pretty-print layout, and its accept/reject decision on invalid UTF-8.
#pragma once

#include <cstdint>
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

// Appends the compact JSON text (strict UTF-8, as AppendJson).
class TextOut {
 public:
  // `continuing`: `out` already holds an object's opening and members, and the first key written
  // here is preceded by a comma.
  explicit TextOut(std::string& out, bool continuing = false) : out_(out), first_(!continuing) {}
  void BeginObject(size_t = 0) { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray(size_t = 0) { Open('['); }
  void EndArray() { Close(']'); }
  void Key(std::string_view key) {
    // A plain key (printable ASCII without '"' or '\\': every key of an answer) with its
    // comma, quotes and colon in one append.
    char buf[kPlainKeyMax + 4];
    size_t n = 0;
    if (!first_) buf[n++] = ',';
    first_ = true;
    const size_t comma = n;
    if (key.size() <= kPlainKeyMax) {
      buf[n++] = '"';
      bool plain = true;
      for (char c : key) {
        plain &= c >= 0x20 && c != '"' && c != '\\' && static_cast<unsigned char>(c) < 0x80;
        buf[n++] = c;
      }
      if (plain) {
        buf[n++] = '"';
        buf[n++] = ':';
        out_.append(buf, n);
        return;
      }
      n = comma;
    }
    out_.append(buf, n);
    AppendJsonString(out_, key);
    out_ += ':';
  }
  void String(std::string_view s) {
    Separate();
    AppendJsonString(out_, s);
  }
  void Bool(bool b) {
    Separate();
    if (b) out_.append("true", 4);
    else out_.append("false", 5);
  }
  void Null() {
    Separate();
    out_.append("null", 4);
  }
  void Unsigned(std::uint64_t n);
  void Integer(std::int64_t n);
  void Value(const nlohmann::ordered_json& v) {
    Separate();
    AppendJson(out_, v);
  }
  void Value(const Fragment& f) {
    Separate();
    if (f.has_text) out_ += f.text;
    else AppendJson(out_, f.value);
  }
  void Members(const Fragment& f);

 private:
  void Separate() {
    if (!first_) out_ += ',';
    first_ = false;
  }
  void Open(char c) {
    Separate();
    out_ += c;
    first_ = true;
  }
  void Close(char c) {
    out_ += c;
    first_ = false;
  }
  static constexpr size_t kPlainKeyMax = 60;
  std::string& out_;
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
  void Key(std::string_view key) { key_ = key; }
  void String(std::string_view s) { Place(nlohmann::ordered_json(std::string(s))); }
  void String(std::string&& s) { Place(nlohmann::ordered_json(std::move(s))); }
  void String(const char* s) { String(std::string_view(s)); }
  void String(const std::string& s) { String(std::string_view(s)); }
  void Bool(bool b) { Place(nlohmann::ordered_json(b)); }
  void Null() { Place(nlohmann::ordered_json()); }
  void Unsigned(std::uint64_t n) { Place(nlohmann::ordered_json(n)); }
  void Integer(std::int64_t n) { Place(nlohmann::ordered_json(n)); }
  void Value(const nlohmann::ordered_json& v) { Place(v); }
  void Value(nlohmann::ordered_json&& v) { Place(std::move(v)); }
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
