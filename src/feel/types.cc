#include "feel/types.h"

#include <cctype>

namespace zebra::feel {
namespace {

struct TypeParser {
  std::string_view s;
  const TypeResolver* resolver = nullptr;
  size_t pos = 0;
  int depth = 0;

  void SkipWs() {
    while (pos < s.size() && std::isspace(static_cast<unsigned char>(s[pos]))) ++pos;
  }
  bool Eat(char c) {
    SkipWs();
    if (pos < s.size() && s[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
  bool EatWord(std::string_view w) {
    SkipWs();
    if (s.substr(pos, w.size()) != w) return false;
    size_t end = pos + w.size();
    if (end < s.size() && (std::isalnum(static_cast<unsigned char>(s[end])) || s[end] == '_')) return false;
    pos = end;
    return true;
  }
  std::optional<std::string> Name() {
    SkipWs();
    size_t start = pos;
    while (pos < s.size() && (std::isalnum(static_cast<unsigned char>(s[pos])) || s[pos] == '_' || s[pos] == '?' ||
                              static_cast<unsigned char>(s[pos]) >= 0x80 ||
                              (s[pos] == ' ' && pos + 1 < s.size() && std::isalpha(static_cast<unsigned char>(s[pos + 1])) &&
                               pos > start)))
      ++pos;
    if (pos == start) return std::nullopt;
    std::string n(s.substr(start, pos - start));
    while (!n.empty() && n.back() == ' ') n.pop_back();
    return n;
  }

  // The rest of "<item, ...>" (or "<>") after its '<'; `item()` reads one and says whether it could.
  template <class Item>
  bool Items(Item item) {
    if (Eat('>')) return true;
    do {
      if (!item()) return false;
    } while (Eat(','));
    return Eat('>');
  }

  std::optional<TypeSpec> Parse() {
    if (++depth > 64) return std::nullopt;
    SkipWs();
    if (s.substr(pos, 5) == "feel:") pos += 5;
    TypeSpec t;
    using K = TypeSpec::Kind;
    struct Simple {
      std::string_view name;
      K kind;
    };
    static constexpr Simple kSimple[] = {
        {"days and time duration", K::kDaysTimeDuration},
        {"years and months duration", K::kYearsMonthsDuration},
        {"date and time", K::kDateTime},
        {"dayTimeDuration", K::kDaysTimeDuration},
        {"yearMonthDuration", K::kYearsMonthsDuration},
        {"dateTime", K::kDateTime},
        {"number", K::kNumber},
        {"string", K::kString},
        {"boolean", K::kBoolean},
        {"date", K::kDate},
        {"time", K::kTime},
        {"Any", K::kAny},
        {"Null", K::kNull},
    };
    // list<T> and range<T>: an optional element type in angle brackets.
    for (auto [word, kind] : {std::pair{"list", K::kList}, std::pair{"range", K::kRange}}) {
      if (!EatWord(word)) continue;
      t.kind = kind;
      if (Eat('<')) {
        auto e = Parse();
        if (!e || !Eat('>')) return std::nullopt;
        t.element = std::make_shared<TypeSpec>(std::move(*e));
      }
      return t;
    }
    if (EatWord("context")) {
      t.kind = K::kContext;
      bool ok = !Eat('<') || Items([&] {
        auto n = Name();
        if (!n || !Eat(':')) return false;
        auto ft = Parse();
        if (!ft) return false;
        t.fields.emplace_back(std::move(*n), std::make_shared<const TypeSpec>(std::move(*ft)));
        return true;
      });
      if (!ok) return std::nullopt;
      return t;
    }
    if (EatWord("function")) {
      t.kind = K::kFunction;
      if (Eat('<')) {
        bool ok = Items([&] {
          auto p = Parse();
          if (p) t.params.push_back(std::move(*p));
          return p.has_value();
        });
        if (!ok) return std::nullopt;
        SkipWs();
        if (s.substr(pos, 2) == "->") {
          pos += 2;
          auto r = Parse();
          if (!r) return std::nullopt;
          t.result = std::make_shared<TypeSpec>(std::move(*r));
        }
      }
      return t;
    }
    for (const auto& simple : kSimple) {
      if (EatWord(simple.name)) {
        t.kind = simple.kind;
        return t;
      }
    }
    if (resolver != nullptr && *resolver) {
      const size_t before = pos;
      if (auto n = Name()) {
        if (auto resolved = (*resolver)(*n)) return resolved;
      }
      pos = before;
    }
    return std::nullopt;
  }
};

}  // namespace

std::optional<TypeSpec> ParseType(std::string_view text, const TypeResolver* resolver) {
  TypeParser p{text, resolver};
  auto t = p.Parse();
  p.SkipWs();
  if (!t || p.pos != text.size()) return std::nullopt;
  return t;
}

std::string TypeSpec::ToString() const {
  using K = Kind;
  switch (kind) {
    case K::kAny: return "Any";
    case K::kNull: return "Null";
    case K::kNumber: return "number";
    case K::kString: return "string";
    case K::kBoolean: return "boolean";
    case K::kDate: return "date";
    case K::kTime: return "time";
    case K::kDateTime: return "date and time";
    case K::kDaysTimeDuration: return "days and time duration";
    case K::kYearsMonthsDuration: return "years and months duration";
    case K::kList: return element ? "list<" + element->ToString() + ">" : "list";
    case K::kRange: return element ? "range<" + element->ToString() + ">" : "range";
    case K::kContext: {
      if (fields.empty()) return "context";
      std::string s = "context<";
      for (size_t i = 0; i < fields.size(); ++i) {
        if (i) s += ", ";
        s += fields[i].first + ": " + fields[i].second->ToString();
      }
      return s + ">";
    }
    case K::kFunction: {
      std::string s = "function<";
      for (size_t i = 0; i < params.size(); ++i) {
        if (i) s += ", ";
        s += params[i].ToString();
      }
      s += ">";
      if (result) s += "->" + result->ToString();
      return s;
    }
  }
  return "Any";
}

bool IsInstance(const Value& v, const TypeSpec& t) {
  using K = TypeSpec::Kind;
  // DMN 1.5 Table 61: null is an instance of Null only.
  if (v.is_null()) return t.kind == K::kNull;
  if (t.kind == K::kAny) return true;
  switch (t.kind) {
    case K::kAny: return true;
    case K::kNull: return false;
    case K::kNumber: return v.is(Type::kNumber);
    case K::kString: return v.is(Type::kString);
    case K::kBoolean: return v.is(Type::kBoolean);
    case K::kDate: return v.is(Type::kDate);
    case K::kTime: return v.is(Type::kTime);
    case K::kDateTime: return v.is(Type::kDateTime);
    case K::kDaysTimeDuration: return v.is(Type::kDaysTimeDuration);
    case K::kYearsMonthsDuration: return v.is(Type::kYearsMonthsDuration);
    case K::kList: {
      if (!v.is(Type::kList)) return false;
      if (!t.element) return true;
      for (const Value& e : v.list())
        if (!IsInstance(e, *t.element)) return false;
      return true;
    }
    case K::kRange: {
      if (!v.is(Type::kRange)) return false;
      if (!t.element) return true;
      const Range& r = v.range();
      return (r.low.is_null() || IsInstance(r.low, *t.element)) && (r.high.is_null() || IsInstance(r.high, *t.element));
    }
    case K::kContext: {
      if (!v.is(Type::kContext)) return false;
      for (const auto& [name, ft] : t.fields) {
        const Value* f = v.context().Find(name);
        // A present entry that is null conforms to any entry type (DMN TCK 0070 context_019:
        // {a: null} instance of context<a: string>); a missing entry does not.
        if (!f || (!f->is_null() && !IsInstance(*f, *ft))) return false;
      }
      return true;
    }
    case K::kFunction: {
      if (!v.is(Type::kFunction)) return false;
      if (t.params.empty() && !t.result) return true;
      return v.function().parameters().size() == t.params.size() || v.function().variadic();
    }
  }
  return false;
}

}  // namespace zebra::feel
