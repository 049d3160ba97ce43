#include "json/json_writer.h"

#include "json/string_room.h"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace zebra::json {
namespace {

// What a byte asks of the string writer.
enum : std::uint8_t { kPlain = 0, kEscape = 1, kMultiByte = 2 };

constexpr std::array<std::uint8_t, 256> MakeClasses() {
  std::array<std::uint8_t, 256> c{};
  for (int b = 0; b < 0x20; ++b) c[b] = kEscape;
  c['"'] = kEscape;
  c['\\'] = kEscape;
  for (int b = 0x80; b < 0x100; ++b) c[b] = kMultiByte;
  return c;  // DEL (0x7F) is plain: nlohmann escapes it only with ensure_ascii
}
constexpr std::array<std::uint8_t, 256> kClass = MakeClasses();

struct Escape {
  char text[6];
  std::uint8_t size;
};

// nlohmann's escapes: the six short forms, other control characters as \u00xx (lower-case hex).
constexpr std::array<Escape, 0x20> MakeControlEscapes() {
  std::array<Escape, 0x20> e{};
  constexpr char kHex[] = "0123456789abcdef";
  for (int b = 0; b < 0x20; ++b) e[b] = {{'\\', 'u', '0', '0', kHex[b >> 4], kHex[b & 15]}, 6};
  e['\b'] = {{'\\', 'b'}, 2};
  e['\t'] = {{'\\', 't'}, 2};
  e['\n'] = {{'\\', 'n'}, 2};
  e['\f'] = {{'\\', 'f'}, 2};
  e['\r'] = {{'\\', 'r'}, 2};
  return e;
}
constexpr std::array<Escape, 0x20> kControlEscapes = MakeControlEscapes();

inline void AppendEscape(std::string& out, unsigned char c) {
  if (c == '"') {
    out.append("\\\"", 2);
  } else if (c == '\\') {
    out.append("\\\\", 2);
  } else {
    const Escape& e = kControlEscapes[c];
    out.append(e.text, e.size);
  }
}

// Bytes that need the writer's attention: a control character, '"', '\\' or a non-ASCII byte
// (validated as UTF-8). Everything else is copied as it is, in runs.
//
// MaskWord: one high bit per such byte among 4 or 8, exact per byte (no borrow or carry crosses a byte,
// unlike the classic "has zero byte" trick), so the lowest set bit is the first such byte.
template <class Word>
inline Word MaskWord(const unsigned char* p) {
  Word w;
  std::memcpy(&w, p, sizeof w);
  constexpr Word k01 = static_cast<Word>(0x0101010101010101ULL);
  constexpr Word k7F = k01 * 0x7F;
  const Word t = w & k7F;                                 // low 7 bits: each + 0x7F fits a byte
  const Word ge_space = t + k01 * (0x80 - 0x20);          // high bit: t >= 0x20
  const Word not_quote = (t ^ (k01 * '"')) + k7F;         // high bit: t != '"'
  const Word not_backslash = (t ^ (k01 * '\\')) + k7F;    // high bit: t != '\\'
  return (w | ~(ge_space & not_quote & not_backslash)) & (k01 * 0x80);
}

// First byte needing attention in [i, n) by words of sizeof(Word) (n >= sizeof(Word)); the last
// word overlaps the one before it (never read past the end), its already-seen bytes shifted out.
template <class Word>
inline size_t NextSpecialByWords(const unsigned char* p, size_t i, size_t n) {
  constexpr size_t kW = sizeof(Word);
  for (; i + kW <= n; i += kW) {
    if (const Word m = MaskWord<Word>(p + i)) return i + static_cast<size_t>(std::countr_zero(m)) / 8;
  }
  if (i == n) return n;
  const size_t base = n - kW;
  const Word m = static_cast<Word>(MaskWord<Word>(p + base) >> (8 * (i - base)));
  return m ? i + static_cast<size_t>(std::countr_zero(m)) / 8 : n;
}

#if defined(__SSE2__)
// Attention16: 0xFF in each byte of v that needs attention. Two compares: v ^ 0x02 maps '"' (0x22)
// to 0x20 and keeps the control characters within 0x00-0x1F (space becomes 0x22), so one signed
// "< 0x21" takes the control characters, '"' and the non-ASCII bytes (>= 0x80 are negative);
// '\\' is compared on its own.
inline __m128i Attention16(__m128i v) {
  const __m128i low = _mm_cmpgt_epi8(_mm_set1_epi8(0x21), _mm_xor_si128(v, _mm_set1_epi8(0x02)));
  return _mm_or_si128(low, _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
}
// Clean16: the complement, 0xFF in each byte that needs nothing (one instruction fewer).
inline __m128i Clean16(__m128i v) {
  const __m128i high = _mm_cmpgt_epi8(_mm_xor_si128(v, _mm_set1_epi8(0x02)), _mm_set1_epi8(0x20));
  return _mm_andnot_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')), high);
}
// Mask16: one bit per such byte among the 16 at p.
inline unsigned Mask16(const unsigned char* p) {
  return static_cast<unsigned>(_mm_movemask_epi8(Attention16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)))));
}
#endif

// Index of the first byte at or after i that needs attention, n if none. The last partial block
// is read overlapping the one before it (never past the end), its already-seen bytes shifted out.
inline size_t NextSpecial(const unsigned char* p, size_t i, size_t n) {
#if defined(__SSE2__)
  if (n >= 16) {
    for (; i + 16 <= n; i += 16) {
      if (const unsigned m = Mask16(p + i)) return i + static_cast<size_t>(std::countr_zero(m));
    }
    if (i == n) return n;
    const size_t base = n - 16;
    const unsigned m = Mask16(p + base) >> (i - base);
    return m ? i + static_cast<size_t>(std::countr_zero(m)) : n;
  }
#endif
  if constexpr (std::endian::native == std::endian::little) {
    if (n >= 8) return NextSpecialByWords<std::uint64_t>(p, i, n);
    if (n >= 4) return NextSpecialByWords<std::uint32_t>(p, i, n);
  }
  while (i < n && kClass[p[i]] == kPlain) ++i;
  return i;
}

// Length of the well-formed UTF-8 sequence at p (p[0] >= 0x80), 0 if it is ill-formed. Accepts
// exactly what nlohmann's decoder (Hoehrmann's DFA) accepts: no overlong forms, no surrogates,
// nothing above U+10FFFF, no truncated sequence.
inline size_t Utf8Length(const unsigned char* p, size_t avail) {
  const unsigned c = p[0];
  if (c < 0xC2) return 0;
  if (c < 0xE0) return avail >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
  if (c < 0xF0) {
    if (avail < 3) return 0;
    const unsigned lo = c == 0xE0 ? 0xA0 : 0x80;
    const unsigned hi = c == 0xED ? 0x9F : 0xBF;
    return p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 ? 3 : 0;
  }
  if (c < 0xF5) {
    if (avail < 4) return 0;
    const unsigned lo = c == 0xF0 ? 0x90 : 0x80;
    const unsigned hi = c == 0xF4 ? 0x8F : 0xBF;
    return p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 && (p[3] & 0xC0) == 0x80 ? 4 : 0;
  }
  return 0;
}

// Appends the escaped body of s (no quotes) from its first byte needing attention, `first`:
// clean runs with one append each; false (with `out` partly written) when s is not valid UTF-8.
bool AppendEscapedBody(std::string& out, std::string_view s, size_t first) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = first;
  out.reserve(out.size() + n + 16);  // once; more only if escapes grow it past that
  size_t run = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      out.append(s.data() + run, i - run);
      AppendEscape(out, c);
      run = ++i;
    } else {
      const size_t len = Utf8Length(p + i, n - i);
      if (len == 0) return false;
      i += len;  // copied unescaped with the run, as nlohmann does without ensure_ascii
    }
    i = NextSpecial(p, i, n);
  }
  out.append(s.data() + run, n - run);
  return true;
}

// Invalid UTF-8 is rare and its handling is nlohmann's (the exception text names the byte
// index; replace/ignore resynchronise in a particular way), so nlohmann does the whole string.
void AppendStringByNlohmann(std::string& out, std::string_view s, Utf8Handler on_invalid) {
  const nlohmann::json j = std::string(s);
  nlohmann::detail::serializer<nlohmann::json> ser(nlohmann::detail::output_adapter<char, std::string>(out), ' ',
                                                   on_invalid);
  ser.dump(j, false, false, 0);
}

// A string with something to escape or validate (the caller has put the opening quote).
[[gnu::noinline]] void AppendStringSlow(std::string& out, std::string_view s, size_t first, Utf8Handler on_invalid) {
  const size_t mark = out.size() - 1;
  if (AppendEscapedBody(out, s, first)) {
    out += '"';
    return;
  }
  out.resize(mark);
  AppendStringByNlohmann(out, s, on_invalid);
}

// Inline and small: most strings (keys, codes, labels) are short and clean.
inline void AppendString(std::string& out, std::string_view s, Utf8Handler on_invalid) {
  const size_t first = NextSpecial(reinterpret_cast<const unsigned char*>(s.data()), 0, s.size());
  out += '"';
  if (first == s.size()) [[likely]] {
    out.append(s.data(), s.size());
    out += '"';
    return;
  }
  AppendStringSlow(out, s, first, on_invalid);
}

template <class Int>
void AppendInteger(std::string& out, Int x) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, x);
  out.append(buf, static_cast<size_t>(r.ptr - buf));
}

void AppendDouble(std::string& out, double x) {
  if (!std::isfinite(x)) {
    out.append("null", 4);
    return;
  }
  // nlohmann's own Grisu2 shortest round-trip formatting (with its ".0" and exponent rules).
  std::array<char, 64> buf;
  char* end = nlohmann::detail::to_chars(buf.data(), buf.data() + buf.size(), x);
  out.append(buf.data(), static_cast<size_t>(end - buf.data()));
}

// Mirrors nlohmann::detail::serializer::dump, layout for layout.
template <class J>
class Writer {
 public:
  Writer(std::string& out, int indent, Utf8Handler on_invalid)
      : out_(out), pretty_(indent >= 0), step_(indent >= 0 ? static_cast<unsigned>(indent) : 0), on_invalid_(on_invalid) {}

  void Write(const J& v, unsigned current) {
    switch (v.type()) {
      case nlohmann::json::value_t::object: WriteObject(*v.template get_ptr<const typename J::object_t*>(), current); return;
      case nlohmann::json::value_t::array: WriteArray(*v.template get_ptr<const typename J::array_t*>(), current); return;
      case nlohmann::json::value_t::string: AppendString(out_, *v.template get_ptr<const typename J::string_t*>(), on_invalid_); return;
      case nlohmann::json::value_t::binary: WriteBinary(*v.template get_ptr<const typename J::binary_t*>(), current); return;
      case nlohmann::json::value_t::boolean:
        if (*v.template get_ptr<const typename J::boolean_t*>()) out_.append("true", 4);
        else out_.append("false", 5);
        return;
      case nlohmann::json::value_t::number_integer: AppendInteger(out_, *v.template get_ptr<const typename J::number_integer_t*>()); return;
      case nlohmann::json::value_t::number_unsigned: AppendInteger(out_, *v.template get_ptr<const typename J::number_unsigned_t*>()); return;
      case nlohmann::json::value_t::number_float: AppendDouble(out_, *v.template get_ptr<const typename J::number_float_t*>()); return;
      case nlohmann::json::value_t::discarded: out_.append("<discarded>", 11); return;
      case nlohmann::json::value_t::null: out_.append("null", 4); return;
    }
    out_.append("null", 4);  // not reached: every value_t is handled above
  }

 private:
  void Indent(unsigned n) { out_.append(n, ' '); }

  void WriteObject(const typename J::object_t& obj, unsigned current) {
    WriteItems(obj, '{', '}', current, [this](const auto& member, unsigned inner) {
      AppendString(out_, member.first, on_invalid_);
      if (pretty_) out_.append(": ", 2);
      else out_ += ':';
      Write(member.second, inner);
    });
  }

  // `open`, the items (each written by `write(item, inner indent)`), `close`; "{}" or "[]"
  // when there are none.
  template <class Items, class WriteItem>
  void WriteItems(const Items& items, char open, char close, unsigned current, WriteItem write) {
    out_ += open;
    if (items.empty()) {
      out_ += close;
      return;
    }
    const unsigned inner = current + step_;
    bool first = true;
    for (const auto& item : items) {
      BeginItem(first, inner);
      write(item, inner);
    }
    Close(close, current);
  }

  // Before a member or element: a comma after the first; pretty, a new line and the indent.
  void BeginItem(bool& first, unsigned inner) {
    if (pretty_) {
      out_.append(first ? "\n" : ",\n", first ? 1 : 2);
      Indent(inner);
    } else if (!first) {
      out_ += ',';
    }
    first = false;
  }

  void Close(char bracket, unsigned current) {
    if (pretty_) {
      out_ += '\n';
      Indent(current);
    }
    out_ += bracket;
  }

  void WriteArray(const typename J::array_t& arr, unsigned current) {
    WriteItems(arr, '[', ']', current, [this](const J& e, unsigned inner) { Write(e, inner); });
  }

  // Binary values only come from the binary formats (CBOR etc.), never from our documents;
  // kept for completeness in nlohmann's layout.
  void WriteBinary(const typename J::binary_t& bin, unsigned current) {
    const unsigned inner = current + step_;
    if (pretty_) {
      out_.append("{\n", 2);
      Indent(inner);
      out_.append("\"bytes\": [", 10);
    } else {
      out_.append("{\"bytes\":[", 10);
    }
    bool first = true;
    for (auto byte : bin) {
      if (!first) out_.append(pretty_ ? ", " : ",", pretty_ ? 2 : 1);
      first = false;
      AppendInteger(out_, static_cast<unsigned>(byte));
    }
    if (pretty_) {
      out_.append("],\n", 3);
      Indent(inner);
      out_.append("\"subtype\": ", 11);
    } else {
      out_.append("],\"subtype\":", 12);
    }
    if (bin.has_subtype()) AppendInteger(out_, bin.subtype());
    else out_.append("null", 4);
    if (pretty_) {
      out_ += '\n';
      Indent(current);
    }
    out_ += '}';
  }

  std::string& out_;
  const bool pretty_;
  const unsigned step_;
  const Utf8Handler on_invalid_;
};

}  // namespace

void AppendJson(std::string& out, const nlohmann::ordered_json& v, int indent, Utf8Handler on_invalid_utf8) {
  Writer<nlohmann::ordered_json>(out, indent, on_invalid_utf8).Write(v, 0);
}

void AppendJson(std::string& out, const nlohmann::json& v, int indent, Utf8Handler on_invalid_utf8) {
  Writer<nlohmann::json>(out, indent, on_invalid_utf8).Write(v, 0);
}

void AppendJsonString(std::string& out, std::string_view s, Utf8Handler on_invalid_utf8) {
  AppendString(out, s, on_invalid_utf8);
}

std::string DumpJson(const nlohmann::ordered_json& v, int indent) {
  std::string out;
  AppendJson(out, v, indent);
  return out;
}

Fragment MakeFragment(nlohmann::ordered_json value) {
  Fragment f;
  f.value = std::move(value);
  try {
    AppendJson(f.text, f.value);
    f.has_text = true;
  } catch (const nlohmann::json::exception&) {
    f.text.clear();  // written at use, where it throws as the tree's dump would
  }
  return f;
}

Fragment MakeMembersFragment(nlohmann::ordered_json members) {
  Fragment f = MakeFragment(std::move(members));
  if (f.has_text) f.text = f.text.substr(1, f.text.size() - 2);  // "{...}" -> "..."
  return f;
}

void TextOut::Grow(size_t n) {
  // The room is not zero-filled (ResizeForOverwrite), so all of the buffer's capacity is taken
  // as room: a writer grows once it starts and when the buffer reallocates, not every 2 KB
  // (the fill and the calls were ~1.8K instructions per clinical case, the measure of issue 21).
  // Without it, resize() fills the room: then ahead by a little under 2 KB, since glibc's memset
  // turns to `rep stosb` from 2 KB (each byte an instruction under callgrind).
  const size_t used = static_cast<size_t>(cur_ - out_.data());
  out_.resize(used);  // (shorter: only the text written is copied if the buffer moves)
  const size_t want = used + std::max<size_t>(n, 1920);
  if (kResizeForOverwriteSkipsTheFill) {
    if (want > out_.capacity()) out_.reserve(want);
    ResizeForOverwrite(out_, out_.capacity());
  } else {
    ResizeForOverwrite(out_, want);
  }
  cur_ = out_.data() + used;
  end_ = out_.data() + out_.size();
}

#if defined(__SSE2__) && defined(__x86_64__)
namespace {
// Copies the n bytes at src to dst (n <= 16, exact: nothing written past dst + n, nothing read
// past src + n); true when none of them needs attention. Two overlapping words, not a memcpy
// call: most strings are short.
inline bool CopyShort(char* dst, const unsigned char* src, size_t n) {
  __m128i v;
  unsigned keep = 0xFFFF;
  if (n >= 8) {
    std::uint64_t a, b;
    std::memcpy(&a, src, 8);
    std::memcpy(&b, src + n - 8, 8);
    std::memcpy(dst, &a, 8);
    std::memcpy(dst + n - 8, &b, 8);
    v = _mm_set_epi64x(static_cast<long long>(b), static_cast<long long>(a));
  } else if (n >= 4) {
    std::uint32_t a, b;
    std::memcpy(&a, src, 4);
    std::memcpy(&b, src + n - 4, 4);
    std::memcpy(dst, &a, 4);
    std::memcpy(dst + n - 4, &b, 4);
    v = _mm_cvtsi64_si128(static_cast<long long>(a | static_cast<std::uint64_t>(b) << 32));
    keep = 0xFF;
  } else if (n > 0) {
    const unsigned char c0 = src[0], c1 = src[n / 2], c2 = src[n - 1];
    dst[0] = static_cast<char>(c0);
    dst[n / 2] = static_cast<char>(c1);
    dst[n - 1] = static_cast<char>(c2);
    v = _mm_cvtsi32_si128(static_cast<int>(c0 | c1 << 8 | c2 << 16));
    keep = 0x7;
  } else {
    return true;
  }
  return (static_cast<unsigned>(_mm_movemask_epi8(Clean16(v))) & keep) == keep;
}
}  // namespace
#endif

#if defined(__SSE2__) && defined(__x86_64__)
// Short strings (most: codes, ids, rule names; up to 32 bytes, as option and alert ids) with
// room at hand: no call and no stack frame (what could need either, growing or escaping, is left
// to StringLong and StringSlow).
void TextOut::String(std::string_view s) {
  const size_t n = s.size();
  char* p = cur_;
  if (n > 32 || end_ - p < 35) [[unlikely]]
    return StringLong(s);
  if (!first_) *p++ = ',';
  first_ = false;
  const auto* src = reinterpret_cast<const unsigned char*>(s.data());
  bool clean;
  if (n <= 16) {
    clean = CopyShort(p + 1, src, n);
  } else {
    // 17-32 bytes: two blocks of 16, the second ending at n (overlapping the first).
    const __m128i v0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src));
    const __m128i v1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + n - 16));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p + 1), v0);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p + 1 + n - 16), v1);
    clean = _mm_movemask_epi8(_mm_and_si128(Clean16(v0), Clean16(v1))) == 0xFFFF;
  }
  if (!clean) [[unlikely]] {
    cur_ = p;
    return StringSlow(s, 0);
  }
  p[0] = '"';
  p[n + 1] = '"';
  cur_ = p + n + 2;
}

void TextOut::StringLong(std::string_view s) {
  const size_t n = s.size();
  char* p = Separated(n + 2);
  const auto* src = reinterpret_cast<const unsigned char*>(s.data());
  if (n <= 16) {
    if (!CopyShort(p + 1, src, n)) {
      cur_ = p;
      return StringSlow(s, 0);
    }
    p[0] = '"';
    p[n + 1] = '"';
    cur_ = p + n + 2;
    return;
  }
  *p++ = '"';
  // Copied and scanned in one pass, 32 bytes a turn; what is left (0-31 bytes) as one or two
  // blocks of 16, the last ending at n and overlapping bytes already seen (and found clean).
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m128i v0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    const __m128i v1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i + 16));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p + i), v0);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p + i + 16), v1);
    if (_mm_movemask_epi8(_mm_and_si128(Clean16(v0), Clean16(v1))) != 0xFFFF) {
      cur_ = p - 1;
      return StringSlow(s, i);
    }
  }
  auto block = [&](size_t at) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + at));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p + at), v);
    return _mm_movemask_epi8(Clean16(v)) != 0xFFFF;
  };
  const size_t left = n - i;  // 0-31
  if ((left > 16 && block(i)) || (left > 0 && block(n - 16))) {
    cur_ = p - 1;
    return StringSlow(s, i);
  }
  p[n] = '"';
  cur_ = p + n + 1;
}
#else
void TextOut::String(std::string_view s) {
  const size_t n = s.size();
  char* p = Separated(n + 2);
  if (n) std::memcpy(p + 1, s.data(), n);  // (an empty view's data may be null)
  if (NextSpecial(reinterpret_cast<const unsigned char*>(s.data()), 0, n) == n) [[likely]] {
    p[0] = '"';
    p[n + 1] = '"';
    cur_ = p + n + 2;
    return;
  }
  cur_ = p;
  StringSlow(s, 0);
}
void TextOut::StringLong(std::string_view s) { String(s); }
#endif

bool TextOut::CopyPlainShort(char* p, std::string_view s) {
#if defined(__SSE2__) && defined(__x86_64__)
  const auto* src = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  if (n <= 16) return CopyShort(p, src, n);
  // 17-32 bytes: two blocks of 16, the second ending at n (overlapping the first).
  const __m128i v0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src));
  const __m128i v1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + n - 16));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v0);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p + n - 16), v1);
  return _mm_movemask_epi8(_mm_and_si128(Clean16(v0), Clean16(v1))) == 0xFFFF;
#else
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  return NextSpecial(reinterpret_cast<const unsigned char*>(s.data()), 0, s.size()) == s.size();
#endif
}

#if defined(__SSE2__) && defined(__x86_64__)
namespace {
// Copies the n bytes at src to dst (exact, as StringLong copies); true when none of them needs
// attention.
bool CopyPlain(char* dst, const unsigned char* src, size_t n) {
  if (n <= 16) return CopyShort(dst, src, n);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), v);
    if (_mm_movemask_epi8(Clean16(v)) != 0xFFFF) return false;
  }
  if (i == n) return true;
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + n - 16));  // (overlaps: seen clean)
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + n - 16), v);
  return _mm_movemask_epi8(Clean16(v)) == 0xFFFF;
}
}  // namespace
#endif

#if defined(__SSE2__) && defined(__x86_64__)
namespace {
// The quoted plain run `"a b"` (a.size() + b.size() + 3 bytes) copied to p; true when none of its
// bytes needs attention (`a` not looked at when a_as_is: the caller vouches for it). The one
// copy-and-scan step of JoinedString and JoinedStringAsIs.
bool QuotedPlainRun(char* p, std::string_view a, std::string_view b, bool a_as_is) {
  bool a_plain = true;
  if (!a_as_is) a_plain = CopyPlain(p + 1, reinterpret_cast<const unsigned char*>(a.data()), a.size());
  else if (!a.empty()) std::memcpy(p + 1, a.data(), a.size());  // (an empty view's data may be null)
  if (!a_plain || !CopyPlain(p + 2 + a.size(), reinterpret_cast<const unsigned char*>(b.data()), b.size()))
    return false;
  p[0] = '"';
  p[1 + a.size()] = ' ';
  p[a.size() + b.size() + 2] = '"';
  return true;
}
}  // namespace
#endif

void TextOut::JoinedString(std::string_view a, std::string_view b) {
  const size_t n = a.size() + 1 + b.size();
  Room(n + 3);
  char* const start = cur_;
  const bool was_first = first_;
  char* p = Separated(n + 2);
#if defined(__SSE2__) && defined(__x86_64__)
  if (QuotedPlainRun(p, a, b, false)) [[likely]] {
    cur_ = p + n + 2;
    return;
  }
#else
  (void)p;
#endif
  // Something to escape or to validate: the joined text through the string writer's own path
  // (the same bytes, and the same error for invalid UTF-8, as String of the joined text).
  std::string joined;
  joined.reserve(n);
  joined.append(a).append(1, ' ').append(b);
  cur_ = start;  // (before the separator Separated wrote: String writes it again)
  first_ = was_first;
  String(joined);
}

void TextOut::JoinedStringAsIs(std::string_view a, std::string_view b) {
#if defined(__SSE2__) && defined(__x86_64__)
  const size_t n = a.size() + 1 + b.size();
  Room(n + 3);
  char* const start = cur_;
  const bool was_first = first_;
  char* p = Separated(n + 2);
  if (QuotedPlainRun(p, a, b, true)) [[likely]] {
    cur_ = p + n + 2;
    return;
  }
  cur_ = start;  // (before the separator Separated wrote: JoinedString writes it again)
  first_ = was_first;
#endif
  JoinedString(a, b);  // (b to escape or to validate: the whole text's own path)
}

// Something to escape or to validate as UTF-8 in s, whose first `clean` bytes need nothing: the
// string writer's own path. cur_ is where the string's opening quote goes.
void TextOut::StringSlow(std::string_view s, size_t clean) {
  const size_t first = NextSpecial(reinterpret_cast<const unsigned char*>(s.data()), clean, s.size());
  *cur_++ = '"';
  Commit();
  try {
    AppendStringSlow(out_, s, first, Utf8Handler::strict);
  } catch (...) {
    Acquire();
    throw;
  }
  Acquire();
}

void TextOut::RuntimeKeyText(std::string_view key) {
  char* p = Room(key.size() + 4);
  if (!first_) *p++ = ',';
  cur_ = p;
  first_ = true;
  const size_t first = NextSpecial(reinterpret_cast<const unsigned char*>(key.data()), 0, key.size());
  if (first == key.size()) {
    *p++ = '"';
    if (!key.empty()) std::memcpy(p, key.data(), key.size());
    p += key.size();
    p[0] = '"';
    p[1] = ':';
    cur_ = p + 2;
    return;
  }
  Commit();
  try {
    AppendString(out_, key, Utf8Handler::strict);
  } catch (...) {
    Acquire();
    throw;
  }
  out_ += ':';
  Acquire();
}

void TextOut::Unsigned(std::uint64_t n) {
  char* p = Separated(24);
  cur_ = std::to_chars(p, p + 24, n).ptr;
}

void TextOut::Integer(std::int64_t n) {
  char* p = Separated(24);
  cur_ = std::to_chars(p, p + 24, n).ptr;
}

void TextOut::Double(double d) {
  char* p = Separated(64);
  // A number of at most one decimal under 100,000 (a reading grade, rounded to one decimal):
  // written as its tenfold integer with a point before the last digit, the text nlohmann's
  // shortest form gives for each of them (json_writer_test holds every one against it).
  const double tenfold = d * 10.0;
  if (tenfold > -1e6 && tenfold < 1e6) {
    const auto k = static_cast<std::int64_t>(tenfold + (tenfold < 0 ? -0.5 : 0.5));
    if (static_cast<double>(k) / 10.0 == d && std::signbit(d) == (k < 0)) {
      std::uint64_t m = k < 0 ? static_cast<std::uint64_t>(-k) : static_cast<std::uint64_t>(k);
      if (k < 0) *p++ = '-';
      p = std::to_chars(p, p + 24, m / 10).ptr;
      p[0] = '.';
      p[1] = static_cast<char>('0' + m % 10);
      cur_ = p + 2;
      return;
    }
  }
  if (!std::isfinite(d)) {
    std::memcpy(p, "null", 4);
    cur_ = p + 4;
    return;
  }
  cur_ = nlohmann::detail::to_chars(p, p + 64, d);
}

void TextOut::Value(const nlohmann::ordered_json& v) {
  // As the Writer above writes it compactly, through the cursor.
  using J = nlohmann::ordered_json;
  switch (v.type()) {
    case J::value_t::object:
      Open('{');
      for (const auto& [k, e] : *v.get_ptr<const J::object_t*>()) {
        RuntimeKeyText(k);
        Value(e);
      }
      Close('}');
      return;
    case J::value_t::array:
      Open('[');
      for (const auto& e : *v.get_ptr<const J::array_t*>()) Value(e);
      Close(']');
      return;
    case J::value_t::string: String(*v.get_ptr<const J::string_t*>()); return;
    case J::value_t::boolean: Bool(*v.get_ptr<const J::boolean_t*>()); return;
    case J::value_t::number_integer: Integer(*v.get_ptr<const J::number_integer_t*>()); return;
    case J::value_t::number_unsigned: Unsigned(*v.get_ptr<const J::number_unsigned_t*>()); return;
    case J::value_t::number_float: Double(*v.get_ptr<const J::number_float_t*>()); return;
    case J::value_t::null: Null(); return;
    default: break;  // binary, discarded: never in an answer; the Writer's layout
  }
  Separated(0);
  Commit();
  try {
    AppendJson(out_, v);
  } catch (...) {
    Acquire();
    throw;
  }
  Acquire();
}

void TextOut::Members(const Fragment& f) {
  if (f.has_text) {
    if (f.text.empty()) return;  // (no members: the value's text was "{}")
    char* p = Separated(f.text.size());
    std::memcpy(p, f.text.data(), f.text.size());
    cur_ = p + f.text.size();
    return;
  }
  for (const auto& [k, v] : f.value.items()) {  // (invalid UTF-8: throws as the tree's dump would)
    Key(k);
    Value(v);
  }
}

}  // namespace zebra::json
