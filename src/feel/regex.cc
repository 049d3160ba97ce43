#include "feel/regex.h"
#include "feel/utf8.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <unordered_map>
#include <utility>

#include <re2/re2.h>

namespace zebra::feel {
namespace {

constexpr char32_t kMaxCodePoint = 0x10FFFF;

// Decodes UTF-8; nullopt on malformed input.
std::optional<std::u32string> DecodeUtf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<unsigned char>(s[i]);
    int extra = 0;
    char32_t cp = 0;
    if (b < 0x80) {
      cp = b;
    } else if ((b & 0xE0) == 0xC0) {
      cp = b & 0x1F;
      extra = 1;
    } else if ((b & 0xF0) == 0xE0) {
      cp = b & 0x0F;
      extra = 2;
    } else if ((b & 0xF8) == 0xF0) {
      cp = b & 0x07;
      extra = 3;
    } else {
      return std::nullopt;
    }
    if (i + static_cast<size_t>(extra) >= s.size() && extra > 0) return std::nullopt;
    for (int k = 1; k <= extra; ++k) {
      auto c = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
      if ((c & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (c & 0x3F);
    }
    if (cp > kMaxCodePoint) return std::nullopt;
    out.push_back(cp);
    i += static_cast<size_t>(extra) + 1;
  }
  return out;
}

std::string Hex(char32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "\\x{%X}", static_cast<unsigned>(cp));
  return buf;
}

using Ranges = std::vector<std::pair<char32_t, char32_t>>;

Ranges Normalize(Ranges r) {
  std::sort(r.begin(), r.end());
  Ranges out;
  for (const auto& x : r) {
    if (!out.empty() && x.first <= out.back().second + 1) {
      out.back().second = std::max(out.back().second, x.second);
    } else {
      out.push_back(x);
    }
  }
  return out;
}

Ranges Complement(const Ranges& in) {
  Ranges r = Normalize(in);
  Ranges out;
  char32_t next = 0;
  for (const auto& [lo, hi] : r) {
    if (lo > next) out.emplace_back(next, lo - 1);
    next = hi + 1;
  }
  if (next <= kMaxCodePoint) out.emplace_back(next, kMaxCodePoint);
  return out;
}

Ranges Subtract(const Ranges& a, const Ranges& b) {
  // a ∩ ¬b
  Ranges nb = Complement(b);
  Ranges na = Normalize(a);
  Ranges out;
  for (const auto& [alo, ahi] : na)
    for (const auto& [blo, bhi] : nb) {
      char32_t lo = std::max(alo, blo);
      char32_t hi = std::min(ahi, bhi);
      if (lo <= hi) out.emplace_back(lo, hi);
    }
  return out;
}

// RE2 class items for code-point ranges (surrogates left out: they never occur in UTF-8).
std::string RangesToClassItems(const Ranges& ranges) {
  std::string out;
  for (auto [lo, hi] : Normalize(ranges)) {
    std::pair<char32_t, char32_t> parts[2] = {{lo, hi}, {1, 0}};
    if (lo <= 0xDFFF && hi >= 0xD800) {
      parts[0] = {lo, 0xD7FF};
      parts[1] = {0xE000, hi};
    }
    for (auto [a, b] : parts) {
      if (a > b) continue;
      out += Hex(a);
      if (b != a) out += "-" + Hex(b);
    }
  }
  return out;
}

// Unicode blocks usable as \p{IsName} (XML Schema Part 2, Appendix F, names without spaces).
struct Block {
  const char* name;
  char32_t lo;
  char32_t hi;
};
constexpr Block kBlocks[] = {
    {"BasicLatin", 0x0000, 0x007F},
    {"Latin-1Supplement", 0x0080, 0x00FF},
    {"LatinExtended-A", 0x0100, 0x017F},
    {"LatinExtended-B", 0x0180, 0x024F},
    {"IPAExtensions", 0x0250, 0x02AF},
    {"SpacingModifierLetters", 0x02B0, 0x02FF},
    {"CombiningDiacriticalMarks", 0x0300, 0x036F},
    {"Greek", 0x0370, 0x03FF},
    {"GreekandCoptic", 0x0370, 0x03FF},
    {"Cyrillic", 0x0400, 0x04FF},
    {"Armenian", 0x0530, 0x058F},
    {"Hebrew", 0x0590, 0x05FF},
    {"Arabic", 0x0600, 0x06FF},
    {"Syriac", 0x0700, 0x074F},
    {"Thaana", 0x0780, 0x07BF},
    {"Devanagari", 0x0900, 0x097F},
    {"Bengali", 0x0980, 0x09FF},
    {"Gurmukhi", 0x0A00, 0x0A7F},
    {"Gujarati", 0x0A80, 0x0AFF},
    {"Oriya", 0x0B00, 0x0B7F},
    {"Tamil", 0x0B80, 0x0BFF},
    {"Telugu", 0x0C00, 0x0C7F},
    {"Kannada", 0x0C80, 0x0CFF},
    {"Malayalam", 0x0D00, 0x0D7F},
    {"Sinhala", 0x0D80, 0x0DFF},
    {"Thai", 0x0E00, 0x0E7F},
    {"Lao", 0x0E80, 0x0EFF},
    {"Tibetan", 0x0F00, 0x0FFF},
    {"Myanmar", 0x1000, 0x109F},
    {"Georgian", 0x10A0, 0x10FF},
    {"HangulJamo", 0x1100, 0x11FF},
    {"Ethiopic", 0x1200, 0x137F},
    {"Cherokee", 0x13A0, 0x13FF},
    {"UnifiedCanadianAboriginalSyllabics", 0x1400, 0x167F},
    {"Ogham", 0x1680, 0x169F},
    {"Runic", 0x16A0, 0x16FF},
    {"Khmer", 0x1780, 0x17FF},
    {"Mongolian", 0x1800, 0x18AF},
    {"LatinExtendedAdditional", 0x1E00, 0x1EFF},
    {"GreekExtended", 0x1F00, 0x1FFF},
    {"GeneralPunctuation", 0x2000, 0x206F},
    {"SuperscriptsandSubscripts", 0x2070, 0x209F},
    {"CurrencySymbols", 0x20A0, 0x20CF},
    {"CombiningMarksforSymbols", 0x20D0, 0x20FF},
    {"LetterlikeSymbols", 0x2100, 0x214F},
    {"NumberForms", 0x2150, 0x218F},
    {"Arrows", 0x2190, 0x21FF},
    {"MathematicalOperators", 0x2200, 0x22FF},
    {"MiscellaneousTechnical", 0x2300, 0x23FF},
    {"ControlPictures", 0x2400, 0x243F},
    {"OpticalCharacterRecognition", 0x2440, 0x245F},
    {"EnclosedAlphanumerics", 0x2460, 0x24FF},
    {"BoxDrawing", 0x2500, 0x257F},
    {"BlockElements", 0x2580, 0x259F},
    {"GeometricShapes", 0x25A0, 0x25FF},
    {"MiscellaneousSymbols", 0x2600, 0x26FF},
    {"Dingbats", 0x2700, 0x27BF},
    {"BraillePatterns", 0x2800, 0x28FF},
    {"CJKRadicalsSupplement", 0x2E80, 0x2EFF},
    {"KangxiRadicals", 0x2F00, 0x2FDF},
    {"IdeographicDescriptionCharacters", 0x2FF0, 0x2FFF},
    {"CJKSymbolsandPunctuation", 0x3000, 0x303F},
    {"Hiragana", 0x3040, 0x309F},
    {"Katakana", 0x30A0, 0x30FF},
    {"Bopomofo", 0x3100, 0x312F},
    {"HangulCompatibilityJamo", 0x3130, 0x318F},
    {"Kanbun", 0x3190, 0x319F},
    {"BopomofoExtended", 0x31A0, 0x31BF},
    {"EnclosedCJKLettersandMonths", 0x3200, 0x32FF},
    {"CJKCompatibility", 0x3300, 0x33FF},
    {"CJKUnifiedIdeographsExtensionA", 0x3400, 0x4DB5},
    {"CJKUnifiedIdeographs", 0x4E00, 0x9FFF},
    {"YiSyllables", 0xA000, 0xA48F},
    {"YiRadicals", 0xA490, 0xA4CF},
    {"HangulSyllables", 0xAC00, 0xD7A3},
    {"PrivateUse", 0xE000, 0xF8FF},
    {"CJKCompatibilityIdeographs", 0xF900, 0xFAFF},
    {"AlphabeticPresentationForms", 0xFB00, 0xFB4F},
    {"ArabicPresentationForms-A", 0xFB50, 0xFDFF},
    {"CombiningHalfMarks", 0xFE20, 0xFE2F},
    {"CJKCompatibilityForms", 0xFE30, 0xFE4F},
    {"SmallFormVariants", 0xFE50, 0xFE6F},
    {"ArabicPresentationForms-B", 0xFE70, 0xFEFE},
    {"HalfwidthandFullwidthForms", 0xFF00, 0xFFEF},
    {"Specials", 0xFFF0, 0xFFFD},
    {"OldItalic", 0x10300, 0x1032F},
    {"Gothic", 0x10330, 0x1034F},
    {"Deseret", 0x10400, 0x1044F},
    {"ByzantineMusicalSymbols", 0x1D000, 0x1D0FF},
    {"MusicalSymbols", 0x1D100, 0x1D1FF},
    {"MathematicalAlphanumericSymbols", 0x1D400, 0x1D7FF},
    {"CJKUnifiedIdeographsExtensionB", 0x20000, 0x2A6D6},
    {"CJKCompatibilityIdeographsSupplement", 0x2F800, 0x2FA1F},
    {"Tags", 0xE0000, 0xE007F},
};

constexpr const char* kCategories[] = {"L",  "Lu", "Ll", "Lt", "Lm", "Lo", "M",  "Mn", "Mc", "Me", "N",  "Nd",
                                       "Nl", "No", "P",  "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Z",  "Zs",
                                       "Zl", "Zp", "S",  "Sm", "Sc", "Sk", "So", "C",  "Cc", "Cf", "Co"};

// XML 1.0 (5th edition) NameStartChar and NameChar: \i and \c.
const Ranges& NameStartRanges() {
  static const Ranges r = Normalize({{':', ':'},
                                     {'A', 'Z'},
                                     {'_', '_'},
                                     {'a', 'z'},
                                     {0xC0, 0xD6},
                                     {0xD8, 0xF6},
                                     {0xF8, 0x2FF},
                                     {0x370, 0x37D},
                                     {0x37F, 0x1FFF},
                                     {0x200C, 0x200D},
                                     {0x2070, 0x218F},
                                     {0x2C00, 0x2FEF},
                                     {0x3001, 0xD7FF},
                                     {0xF900, 0xFDCF},
                                     {0xFDF0, 0xFFFD},
                                     {0x10000, 0xEFFFF}});
  return r;
}
const Ranges& NameRanges() {
  static const Ranges r = [] {
    Ranges x = NameStartRanges();
    x.insert(x.end(), {{'-', '-'}, {'.', '.'}, {'0', '9'}, {0xB7, 0xB7}, {0x300, 0x36F}, {0x203F, 0x2040}});
    return Normalize(x);
  }();
  return r;
}

const Ranges kSpace = {{'\t', '\n'}, {'\r', '\r'}, {' ', ' '}};

// A character class in the making: code-point ranges plus RE2 category items (\p{L}) that
// cannot be turned into ranges here.
struct ClassSet {
  Ranges ranges;
  std::string categories;
};

bool IsSingleCharEscape(char32_t c) {
  return c == 'n' || c == 'r' || c == 't' || c == '\\' || c == '|' || c == '.' || c == '-' || c == '^' ||
         c == '?' || c == '*' || c == '+' || c == '{' || c == '}' || c == '(' || c == ')' || c == '[' ||
         c == ']' || c == '$';
}

char32_t SingleCharEscapeValue(char32_t c) {
  switch (c) {
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    default: return c;
  }
}

class Translator {
 public:
  Translator(std::u32string p, const RegexFlags& f) : p_(std::move(p)), flags_(f) {}

  tl::expected<std::string, std::string> Run() {
    std::string out;
    int depth = 0;
    while (i_ < p_.size()) {
      char32_t c = p_[i_++];
      switch (c) {
        case '\\': {
          auto r = OutsideEscape();
          if (!r) return tl::make_unexpected(r.error());
          out += *r;
          break;
        }
        case '[': {
          auto cls = ParseClass();
          if (!cls) return tl::make_unexpected(cls.error());
          out += *cls;
          break;
        }
        case '.': out += flags_.dot_all ? "(?s:.)" : "[^\\n\\r]"; break;
        case '(':
          if (i_ < p_.size() && p_[i_] == '?') {
            if (i_ + 1 < p_.size() && p_[i_ + 1] == ':') {
              i_ += 2;
              out += "(?:";
            } else {
              return Fail("unsupported group construct '(?'");
            }
          } else {
            out += '(';
          }
          ++depth;
          break;
        case ')':
          if (depth == 0) return Fail("unbalanced ')'");
          --depth;
          out += ')';
          break;
        case '{': {
          // Only a quantifier {n}, {n,}, {n,m} may start with '{'.
          size_t j = i_;
          std::string q = "{";
          auto digits = [&] {
            size_t start = j;
            while (j < p_.size() && p_[j] >= '0' && p_[j] <= '9') q += static_cast<char>(p_[j++]);
            return j > start;
          };
          if (!digits()) return Fail("'{' must start a quantifier");
          if (j < p_.size() && p_[j] == ',') {
            q += ',';
            ++j;
            digits();
          }
          if (j >= p_.size() || p_[j] != '}') return Fail("unterminated quantifier");
          q += '}';
          i_ = j + 1;
          out += q;
          break;
        }
        case '}': return Fail("unescaped '}'");
        case ']': return Fail("unescaped ']'");
        case '|':
        case '*':
        case '+':
        case '?':
        case '^':
        case '$': out += static_cast<char>(c); break;
        default: AppendLiteral(out, c);
      }
    }
    if (depth != 0) return Fail("unbalanced '('");
    return out;
  }

 private:
  static tl::unexpected<std::string> Fail(std::string msg) { return tl::make_unexpected(std::move(msg)); }

  static void AppendLiteral(std::string& out, char32_t c) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == ' ') {
      out += static_cast<char>(c);
    } else if (c >= 0x80) {
      AppendUtf8(out, c);
    } else {
      out += Hex(c);
    }
  }

  // \p{...} or \P{...} after the 'p'/'P' has been read. Blocks become ranges, categories items.
  tl::expected<ClassSet, std::string> Property(bool negated) {
    if (i_ >= p_.size() || p_[i_] != '{') return Fail("expected '{' after \\p");
    size_t close = p_.find(U'}', i_);
    if (close == std::u32string::npos) return Fail("unterminated \\p{...}");
    std::string name;
    for (size_t k = i_ + 1; k < close; ++k) {
      if (p_[k] >= 0x80) return Fail("invalid property name");
      name += static_cast<char>(p_[k]);
    }
    i_ = close + 1;
    ClassSet s;
    if (name.size() > 2 && name.compare(0, 2, "Is") == 0) {
      std::string block = name.substr(2);
      for (const Block& b : kBlocks) {
        if (block == b.name) {
          s.ranges = {{b.lo, b.hi}};
          if (negated) s.ranges = Complement(s.ranges);
          return s;
        }
      }
      return Fail("unknown Unicode block '" + block + "'");
    }
    for (const char* cat : kCategories) {
      if (name == cat) {
        s.categories = std::string(negated ? "\\P{" : "\\p{") + name + "}";
        return s;
      }
    }
    return Fail("unknown or unsupported character property '" + name + "'");
  }

  // A multi-character escape (after the backslash and letter were read), as a class set.
  tl::expected<ClassSet, std::string> MultiCharEscape(char32_t c) {
    ClassSet s;
    switch (c) {
      case 'd': s.categories = "\\p{Nd}"; return s;
      case 'D': s.categories = "\\P{Nd}"; return s;
      // XML Schema \w is everything but punctuation, separators and "other": L, M, N, S.
      case 'w': s.categories = "\\p{L}\\p{M}\\p{N}\\p{S}"; return s;
      case 'W': s.categories = "\\p{P}\\p{Z}\\p{C}"; return s;
      case 's': s.ranges = kSpace; return s;
      case 'S': s.ranges = Complement(kSpace); return s;
      case 'i': s.ranges = NameStartRanges(); return s;
      case 'I': s.ranges = Complement(NameStartRanges()); return s;
      case 'c': s.ranges = NameRanges(); return s;
      case 'C': s.ranges = Complement(NameRanges()); return s;
      case 'p': return Property(false);
      case 'P': return Property(true);
      default: return Fail("not a multi-character escape");
    }
  }

  static bool IsMultiCharEscape(char32_t c) {
    return c == 'd' || c == 'D' || c == 'w' || c == 'W' || c == 's' || c == 'S' || c == 'i' || c == 'I' ||
           c == 'c' || c == 'C' || c == 'p' || c == 'P';
  }

  tl::expected<std::string, std::string> OutsideEscape() {
    if (i_ >= p_.size()) return Fail("pattern ends with '\\'");
    char32_t c = p_[i_++];
    if (IsSingleCharEscape(c)) {
      std::string out;
      char32_t v = SingleCharEscapeValue(c);
      if (v == '\n') return std::string("\\n");
      if (v == '\r') return std::string("\\r");
      if (v == '\t') return std::string("\\t");
      out += '\\';
      out += static_cast<char>(v);
      return out;
    }
    if (c >= '0' && c <= '9') return Fail("back-references (\\" + std::string(1, static_cast<char>(c)) +
                                          ") are not supported");
    if (!IsMultiCharEscape(c)) return Fail("invalid escape in regular expression");
    auto s = MultiCharEscape(c);
    if (!s) return tl::make_unexpected(s.error());
    return "[" + RangesToClassItems(s->ranges) + s->categories + "]";
  }

  // One class atom: a character, or an escape. Returns either a single char or a set.
  struct Atom {
    bool is_char = true;
    char32_t ch = 0;
    ClassSet set;
  };

  tl::expected<Atom, std::string> ClassAtom() {
    char32_t c = p_[i_++];
    Atom a;
    if (c == '\\') {
      if (i_ >= p_.size()) return Fail("pattern ends with '\\'");
      char32_t e = p_[i_++];
      if (IsSingleCharEscape(e)) {
        a.ch = SingleCharEscapeValue(e);
        return a;
      }
      if (e >= '0' && e <= '9') return Fail("back-references are not allowed in a character class");
      if (!IsMultiCharEscape(e)) return Fail("invalid escape in character class");
      auto s = MultiCharEscape(e);
      if (!s) return tl::make_unexpected(s.error());
      a.is_char = false;
      a.set = std::move(*s);
      return a;
    }
    if (c == '[') return Fail("'[' must be escaped inside a character class");
    a.ch = c;
    return a;
  }

  // Parses a class after its '['; returns the negation flag and its members.
  tl::expected<std::pair<bool, ClassSet>, std::string> ClassBody() {
    bool negated = false;
    if (i_ < p_.size() && p_[i_] == '^') {
      negated = true;
      ++i_;
    }
    ClassSet set;
    bool first = true;
    while (true) {
      if (i_ >= p_.size()) return Fail("unterminated character class");
      char32_t c = p_[i_];
      if (c == ']') {
        if (first) return Fail("empty character class");
        ++i_;
        return std::make_pair(negated, std::move(set));
      }
      if (c == '-' && i_ + 1 < p_.size() && p_[i_ + 1] == '[') {
        if (first) return Fail("character class subtraction needs a base");
        i_ += 2;
        auto sub = ClassBody();
        if (!sub) return tl::make_unexpected(sub.error());
        if (i_ >= p_.size() || p_[i_] != ']') return Fail("subtraction must end the character class");
        ++i_;
        if (!set.categories.empty() || !sub->second.categories.empty())
          return Fail("character class subtraction with \\p, \\d or \\w is not supported");
        Ranges base = negated ? Complement(set.ranges) : set.ranges;
        Ranges minus = sub->first ? Complement(sub->second.ranges) : sub->second.ranges;
        ClassSet result;
        result.ranges = Subtract(base, minus);
        return std::make_pair(false, std::move(result));
      }
      first = false;
      auto a = ClassAtom();
      if (!a) return tl::make_unexpected(a.error());
      if (!a->is_char) {
        set.ranges.insert(set.ranges.end(), a->set.ranges.begin(), a->set.ranges.end());
        set.categories += a->set.categories;
        continue;
      }
      // A range c-d, unless '-' is last or starts a subtraction.
      if (i_ + 1 < p_.size() && p_[i_] == '-' && p_[i_ + 1] != ']' && p_[i_ + 1] != '[') {
        ++i_;
        auto b = ClassAtom();
        if (!b) return tl::make_unexpected(b.error());
        if (!b->is_char) return Fail("a range cannot end with a multi-character escape");
        if (b->ch < a->ch) return Fail("character class range out of order");
        set.ranges.emplace_back(a->ch, b->ch);
      } else {
        set.ranges.emplace_back(a->ch, a->ch);
      }
    }
  }

  tl::expected<std::string, std::string> ParseClass() {
    auto body = ClassBody();
    if (!body) return tl::make_unexpected(body.error());
    const ClassSet& s = body->second;
    std::string items = RangesToClassItems(s.ranges) + s.categories;
    if (items.empty()) return body->first ? std::string("(?s:.)") : std::string("[^\\x{0}-\\x{10FFFF}]");
    return std::string(body->first ? "[^" : "[") + items + "]";
  }

  std::u32string p_;
  RegexFlags flags_;
  size_t i_ = 0;
};

// Flag x: whitespace goes, except inside character classes (XPath 3.0 §5.6.1.1).
std::u32string StripWhitespace(const std::u32string& p) {
  std::u32string out;
  int depth = 0;
  auto ws = [](char32_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  for (size_t i = 0; i < p.size(); ++i) {
    char32_t c = p[i];
    if (depth == 0 && ws(c)) continue;
    if (c == '\\') {
      out += c;
      size_t j = i + 1;
      if (depth == 0)
        while (j < p.size() && ws(p[j])) ++j;
      if (j < p.size()) out += p[j];
      i = j;
      continue;
    }
    if (c == '[') {
      if (depth == 0 || (!out.empty() && out.back() == '-')) ++depth;
    } else if (c == ']' && depth > 0) {
      --depth;
    }
    out += c;
  }
  return out;
}

}  // namespace

tl::expected<RegexFlags, std::string> ParseRegexFlags(std::string_view flags) {
  RegexFlags f;
  for (char c : flags) {
    switch (c) {
      case 's': f.dot_all = true; break;
      case 'm': f.multiline = true; break;
      case 'i': f.case_insensitive = true; break;
      case 'x': f.extended = true; break;
      case 'q': f.literal = true; break;
      default: return tl::make_unexpected("invalid regular expression flag '" + std::string(1, c) + "'");
    }
  }
  return f;
}

tl::expected<std::string, std::string> TranslateXPathRegex(std::string_view pattern, const RegexFlags& flags) {
  if (flags.literal) return RE2::QuoteMeta(pattern);
  auto cps = DecodeUtf8(pattern);
  if (!cps) return tl::make_unexpected(std::string("regular expression is not valid UTF-8"));
  if (flags.extended) *cps = StripWhitespace(*cps);
  return Translator(std::move(*cps), flags).Run();
}

XPathRegex::XPathRegex(std::unique_ptr<re2::RE2> re, bool literal) : re_(std::move(re)), literal_(literal) {}
XPathRegex::~XPathRegex() = default;

tl::expected<std::shared_ptr<const XPathRegex>, std::string> XPathRegex::Compile(std::string_view pattern,
                                                                                 std::string_view flags) {
  // Per-thread cache; cleared wholesale when full, which is simpler than LRU and good enough
  // for the handful of patterns a model uses.
  thread_local std::unordered_map<std::string, std::shared_ptr<const XPathRegex>> cache;
  std::string key;
  key.reserve(flags.size() + 1 + pattern.size());
  key.append(flags).append(1, '\0').append(pattern);
  if (auto it = cache.find(key); it != cache.end()) return it->second;

  auto f = ParseRegexFlags(flags);
  if (!f) return tl::make_unexpected(f.error());
  auto translated = TranslateXPathRegex(pattern, *f);
  if (!translated) return tl::make_unexpected(translated.error());
  std::string prefix;
  if (f->case_insensitive) prefix += 'i';
  if (f->multiline && !f->literal) prefix += 'm';
  std::string full = prefix.empty() ? *translated : "(?" + prefix + ")" + *translated;
  RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_unique<RE2>(full, opts);
  if (!re->ok()) return tl::make_unexpected("invalid regular expression: " + re->error());
  auto compiled = std::make_shared<const XPathRegex>(std::move(re), f->literal);
  if (cache.size() >= 256) cache.clear();
  cache.emplace(std::move(key), compiled);
  return compiled;
}

bool XPathRegex::Search(std::string_view input) const {
  return re_->Match(input, 0, input.size(), RE2::UNANCHORED, nullptr, 0);
}

tl::expected<std::string, std::string> XPathRegex::Replace(std::string_view input,
                                                           std::string_view replacement) const {
  if (Search("")) return tl::make_unexpected(std::string("replace: the pattern matches the empty string"));
  const int groups = re_->NumberOfCapturingGroups();

  // The replacement as literal pieces and group references (-1 marks a literal piece).
  std::vector<std::pair<int, std::string>> pieces;
  if (literal_) {
    pieces.emplace_back(-1, std::string(replacement));
  } else {
    std::string lit;
    for (size_t k = 0; k < replacement.size(); ++k) {
      char c = replacement[k];
      if (c == '\\') {
        if (k + 1 < replacement.size() && (replacement[k + 1] == '\\' || replacement[k + 1] == '$')) {
          lit += replacement[++k];
          continue;
        }
        return tl::make_unexpected(std::string("replace: invalid '\\' in the replacement string"));
      }
      if (c == '$') {
        if (k + 1 >= replacement.size() || replacement[k + 1] < '0' || replacement[k + 1] > '9')
          return tl::make_unexpected(std::string("replace: '$' must be followed by a group number"));
        // The longest digit run that still names an existing group; $N beyond the groups is "".
        int n = replacement[++k] - '0';
        while (k + 1 < replacement.size() && replacement[k + 1] >= '0' && replacement[k + 1] <= '9' &&
               n * 10 + (replacement[k + 1] - '0') <= groups) {
          n = n * 10 + (replacement[++k] - '0');
        }
        if (!lit.empty()) pieces.emplace_back(-1, std::move(lit));
        lit.clear();
        pieces.emplace_back(n, std::string());
        continue;
      }
      lit += c;
    }
    if (!lit.empty()) pieces.emplace_back(-1, std::move(lit));
  }

  std::vector<re2::StringPiece> sub(static_cast<size_t>(groups) + 1);
  std::string out;
  size_t pos = 0;
  while (pos <= input.size() &&
         re_->Match(input, pos, input.size(), RE2::UNANCHORED, sub.data(), static_cast<int>(sub.size()))) {
    size_t start = static_cast<size_t>(sub[0].data() - input.data());
    size_t end = start + sub[0].size();
    out.append(input.substr(pos, start - pos));
    for (const auto& [g, text] : pieces) {
      if (g < 0) {
        out += text;
      } else if (g <= groups && sub[static_cast<size_t>(g)].data() != nullptr) {
        out.append(sub[static_cast<size_t>(g)].data(), sub[static_cast<size_t>(g)].size());
      }
    }
    if (end == start) {  // cannot happen after the empty-match check; never loop forever
      if (end < input.size()) out += input[end];
      ++end;
    }
    pos = end;
  }
  if (pos < input.size()) out.append(input.substr(pos));
  return out;
}

tl::expected<std::vector<std::string>, std::string> XPathRegex::Split(std::string_view input) const {
  if (Search("")) return tl::make_unexpected(std::string("split: the delimiter matches the empty string"));
  std::vector<std::string> out;
  if (input.empty()) return out;
  re2::StringPiece m;
  size_t pos = 0;
  while (pos <= input.size() && re_->Match(input, pos, input.size(), RE2::UNANCHORED, &m, 1)) {
    size_t start = static_cast<size_t>(m.data() - input.data());
    size_t end = start + m.size();
    if (end == start) break;  // defensive, see Replace
    out.emplace_back(input.substr(pos, start - pos));
    pos = end;
  }
  out.emplace_back(input.substr(std::min(pos, input.size())));
  return out;
}

}  // namespace zebra::feel
