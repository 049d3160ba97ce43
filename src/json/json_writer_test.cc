// Differential tests: the writer against nlohmann 3.11.2's own dump(), which defines the bytes.
#include "json/json_writer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace zebra::json::json_writer_test {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

struct Outcome {
  std::string text;
  bool threw = false;
  std::string what;
};

template <class J>
Outcome ByNlohmann(const J& v, int indent, Utf8Handler h) {
  Outcome o;
  try {
    o.text = v.dump(indent, ' ', false, h);
  } catch (const nlohmann::json::exception& e) {
    o.threw = true;
    o.what = e.what();
  }
  return o;
}

template <class J>
Outcome ByWriter(const J& v, int indent, Utf8Handler h) {
  Outcome o;
  // Appends after what is already in the buffer.
  std::string out = "<>";
  try {
    AppendJson(out, v, indent, h);
    if (out.compare(0, 2, "<>") != 0) o.what = "prefix clobbered";
    o.text = out.substr(2);
  } catch (const nlohmann::json::exception& e) {
    o.threw = true;
    o.what = e.what();
  }
  return o;
}

// Returns the number of comparisons made, so callers can check the test did real work.
template <class J>
int ExpectSameAsNlohmann(const J& v, Utf8Handler h = Utf8Handler::strict) {
  int n = 0;
  for (int indent : {-1, 0, 2, 4}) {
    Outcome want = ByNlohmann(v, indent, h);
    Outcome got = ByWriter(v, indent, h);
    EXPECT_EQ(got.threw, want.threw) << "indent " << indent << ": " << want.what << " / " << want.text;
    EXPECT_EQ(got.what, want.what) << "indent " << indent;
    EXPECT_EQ(got.text, want.text) << "indent " << indent;
    ++n;
    if (::testing::Test::HasFailure()) return n;  // one broken value is enough to read
  }
  return n;
}

// A value inside the positions where the writer treats it differently: alone, as an array
// element, as an object member and as an object key (strings).
template <class J>
void ExpectSameEverywhere(const J& v) {
  ExpectSameAsNlohmann(v);
  ExpectSameAsNlohmann(J::array({v, v}));
  J obj = J::object();
  obj["k"] = v;
  obj["nested"] = J::array({J::object({{"x", v}}), J::array()});
  ExpectSameAsNlohmann(obj);
  if (v.is_string()) {
    J keyed = J::object();
    keyed[v.template get<std::string>()] = 1;
    ExpectSameAsNlohmann(keyed);
  }
}

std::vector<std::string> EdgeStrings() {
  std::vector<std::string> s = {"", "plain ascii", "quote \" and backslash \\ and slash /", "\x7f del", "é ü ß",
                                "€ three bytes", "\xF0\x9F\x98\x80 emoji", "mixed \"é\"\n\t\\\x7f\xF0\x9F\x92\xA9",
                                "exactly8", "sixteen_bytes_ab", std::string(1000, 'a') + "\"" + std::string(7, 'b'),
                                "\xEF\xBF\xBF max BMP", "\xF4\x8F\xBF\xBF max code point", "\xE0\xA0\x80", "\xED\x9F\xBF"};
  for (int c = 0; c < 0x20; ++c) {
    s.push_back(std::string(1, static_cast<char>(c)));
    s.push_back("ab" + std::string(1, static_cast<char>(c)) + "cdefghijkl");
  }
  std::string all;
  for (int c = 1; c < 0x80; ++c) all += static_cast<char>(c);
  s.push_back(all);
  s.push_back(std::string("nul\0inside", 10));
  return s;
}

TEST(JsonWriterTest, EdgeStringsMatchNlohmann) {
  for (const auto& s : EdgeStrings()) {
    ExpectSameEverywhere(ordered_json(s));
    ExpectSameEverywhere(json(s));
    std::string lit;
    AppendJsonString(lit, s);
    EXPECT_EQ(lit, json(s).dump());
  }
}

TEST(JsonWriterTest, KnownEscapes) {
  // Spelled out, so the expectations do not depend on nlohmann alone.
  std::string out;
  AppendJsonString(out, std::string("\"\\\b\f\n\r\t\x01\x1f\x7f/\xC3\xA9", 13));
  EXPECT_EQ(out, "\"\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f\x7f/\xC3\xA9\"");
}

TEST(JsonWriterTest, EdgeNumbersMatchNlohmann) {
  const double inf = std::numeric_limits<double>::infinity();
  for (double d : {0.0, -0.0, 0.1, 1.0, -1.0, 1e300, -1e300, 5e-324, 2.2250738585072014e-308, 123456789.125, 1e20, 1e21,
                   1e-5, 1e-7, 1e15, 1e16, 1e17, 0.30000000000000004, 3.14159, 100.0, 1.5e-10,
                   std::numeric_limits<double>::max(), std::numeric_limits<double>::quiet_NaN(), inf, -inf}) {
    ExpectSameEverywhere(ordered_json(d));
    ExpectSameEverywhere(json(d));
  }
  for (std::int64_t i : {std::int64_t{0}, std::int64_t{1}, std::int64_t{-1}, std::int64_t{9}, std::int64_t{10},
                         std::int64_t{-10}, std::int64_t{99}, std::int64_t{100}, std::int64_t{123456789012345},
                         std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min()}) {
    ExpectSameEverywhere(ordered_json(i));
    ExpectSameEverywhere(json(i));
  }
  for (std::uint64_t u : {std::uint64_t{0}, std::uint64_t{7}, std::uint64_t{1} << 63,
                          std::numeric_limits<std::uint64_t>::max()}) {
    ExpectSameEverywhere(ordered_json(u));
    ExpectSameEverywhere(json(u));
  }
  // Spelled out for the formats the product relies on.
  EXPECT_EQ(DumpJson(ordered_json(1.0)), "1.0");
  EXPECT_EQ(DumpJson(ordered_json(-0.0)), "-0.0");
  EXPECT_EQ(DumpJson(ordered_json(1e20)), "1e+20");
  EXPECT_EQ(DumpJson(ordered_json(123456789.125)), "123456789.125");
  EXPECT_EQ(DumpJson(ordered_json(1e300)), "1e+300");
  EXPECT_EQ(DumpJson(ordered_json(std::nan(""))), "null");
  EXPECT_EQ(DumpJson(ordered_json(std::numeric_limits<std::uint64_t>::max())), "18446744073709551615");
}

TEST(JsonWriterTest, ContainersAndLiteralsMatchNlohmann) {
  for (const char* text : {"null", "true", "false", "{}", "[]", "[[]]", "[{}]", "{\"a\":{}}", "{\"a\":[]}",
                           "[[[[]]],{},[{}],{\"\":{\"\":[]}}]", "{\"b\":1,\"a\":2,\"c\":{\"z\":[1,2,{\"y\":null}]}}",
                           "[1,\"two\",3.0,false,null,[true],{\"k\":\"v\"}]"}) {
    ExpectSameEverywhere(ordered_json::parse(text));
    ExpectSameEverywhere(json::parse(text));
  }
  EXPECT_EQ(DumpJson(ordered_json::parse(R"({"b":[],"a":{"c":[1,{}]}})"), 2),
            "{\n  \"b\": [],\n  \"a\": {\n    \"c\": [\n      1,\n      {}\n    ]\n  }\n}");
  // nlohmann's DOM parser callback yields discarded values; they are printed as nlohmann does.
  ExpectSameAsNlohmann(ordered_json(nlohmann::json::value_t::discarded));
  // Binary values (CBOR etc.), with and without a subtype.
  ExpectSameAsNlohmann(ordered_json::binary({1, 2, 255}));
  ExpectSameAsNlohmann(ordered_json::binary({}, 42));
  ExpectSameAsNlohmann(ordered_json::object({{"bin", ordered_json::binary({0, 9}, 7)}, {"x", 1}}));
}

// Random documents from a fixed seed; strings mix every byte class the writer treats apart.
class Generator {
 public:
  explicit Generator(std::uint32_t seed) : rng_(seed) {}

  template <class J>
  J Value(int depth) {
    // Documents are containers at the top, as ours are; leaves are kept from depth 4 on.
    switch (depth == 0 ? 7 + Pick(2) : Pick(depth >= 4 ? 7 : 9)) {
      case 0: return J(nullptr);
      case 1: return J(Pick(2) == 1);
      case 2: return J(static_cast<std::int64_t>(rng_()) - static_cast<std::int64_t>(rng_()) * 65536);
      case 3: return J(static_cast<std::uint64_t>(rng_()) << 32 | rng_());
      case 4: return J(Double());
      case 5:
      case 6: return J(String());
      case 7: {
        J a = J::array();
        for (int i = 0, n = Pick(6); i < n; ++i) a.push_back(Value<J>(depth + 1));
        return a;
      }
      default: {
        J o = J::object();
        for (int i = 0, n = Pick(6); i < n; ++i) o[String()] = Value<J>(depth + 1);
        return o;
      }
    }
  }

  std::string String() {
    static const std::vector<std::string> pieces = {
        "a", "Zebra", " ", "0123456789", "\"", "\\", "/", "\n", "\t", "\r", "\b", "\f", std::string(1, '\0'),
        "\x01", "\x1f", "\x7f", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xED\x9F\xBF", "\xF4\x8F\xBF\xBF",
        "long run of plain text without anything to escape"};
    std::string s;
    for (int i = 0, n = Pick(8); i < n; ++i) s += pieces[static_cast<size_t>(Pick(static_cast<int>(pieces.size())))];
    return s;
  }

  double Double() {
    switch (Pick(4)) {
      case 0: return static_cast<double>(static_cast<int>(rng_() % 2000001) - 1000000) / 1000.0;
      case 1: return static_cast<double>(rng_() % 1000);
      case 2: {
        std::uint64_t bits = static_cast<std::uint64_t>(rng_()) << 32 | rng_();
        double d;
        std::memcpy(&d, &bits, sizeof d);
        return d;  // any bit pattern: subnormals, huge exponents, NaN, infinities
      }
      default: return std::ldexp(static_cast<double>(rng_()), Pick(200) - 100);
    }
  }

  int Pick(int n) { return static_cast<int>(rng_() % static_cast<std::uint32_t>(n)); }

 private:
  std::mt19937 rng_;
};

TEST(JsonWriterTest, RandomDocumentsMatchNlohmann) {
  Generator gen(20240611);
  int compared = 0;
  for (int i = 0; i < 3000 && !HasFailure(); ++i) {
    compared += ExpectSameAsNlohmann(gen.Value<ordered_json>(0));
    if (i % 3 == 0) compared += ExpectSameAsNlohmann(gen.Value<json>(0));
  }
  EXPECT_EQ(compared, 4 * 4000);
}

// Every byte alone and as a lead byte followed by the boundary bytes of each UTF-8 rule (2, 3 and
// 4 bytes; some after an ASCII prefix, as the error text names the byte index): the writer must
// accept exactly what nlohmann accepts, throw nlohmann's error otherwise, and replace/ignore as
// nlohmann does.
TEST(JsonWriterTest, InvalidUtf8DecisionsMatchNlohmann) {
  const std::vector<int> edges = {0x00, 0x22, 0x41, 0x5C, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1,
                                  0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF};
  std::vector<std::string> inputs;
  for (int a = 0; a < 256; ++a) {
    inputs.push_back(std::string(1, static_cast<char>(a)));
    for (int b : edges) inputs.push_back("pre" + std::string{static_cast<char>(a), static_cast<char>(b)});
  }
  const std::vector<int> continuations = {0x41, 0x80, 0xBF, 0xC0};
  // Lead bytes of every rule (the others share one of these rules).
  for (int a : {0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF})
    for (int b : edges)
      for (int c : continuations) {
        std::string three{static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)};
        inputs.push_back(three);
        for (int d : continuations) inputs.push_back(three + static_cast<char>(d) + "tail");
      }
  size_t rejected = 0;
  // Random byte strings, mostly non-ASCII, for sequences the boundary lists do not spell out.
  std::mt19937 rng(316);
  for (int i = 0; i < 3000; ++i) {
    std::string s;
    for (int n = static_cast<int>(rng() % 12) + 1; n > 0; --n)
      s += static_cast<char>(rng() % 4 == 0 ? 0x20 + rng() % 0x60 : 0x80 + rng() % 0x80);
    inputs.push_back(s);
  }
  for (const auto& s : inputs) {
    const ordered_json v(s);
    for (auto h : {Utf8Handler::strict, Utf8Handler::replace, Utf8Handler::ignore}) {
      Outcome want = ByNlohmann(v, -1, h);
      Outcome got = ByWriter(v, -1, h);
      ASSERT_EQ(got.threw, want.threw) << ordered_json(s).dump(-1, ' ', true, Utf8Handler::replace);
      ASSERT_EQ(got.what, want.what);
      ASSERT_EQ(got.text, want.text);
      if (want.threw) ++rejected;
    }
  }
  // Both decisions were exercised many times.
  EXPECT_GT(rejected, inputs.size() / 2);
  EXPECT_GT(inputs.size() - rejected, 1000u);
}

// One string through the writer and nlohmann with every invalid-UTF-8 handler; false on the
// first difference (reported), so a caller's loop can stop there.
bool SameStringAsNlohmann(const std::string& s) {
  const ordered_json v(s);
  for (auto h : {Utf8Handler::strict, Utf8Handler::replace, Utf8Handler::ignore}) {
    Outcome want = ByNlohmann(v, -1, h);
    Outcome got = ByWriter(v, -1, h);
    if (got.threw != want.threw || got.what != want.what || got.text != want.text) {
      ADD_FAILURE() << "handler " << static_cast<int>(h) << ", input "
                    << ordered_json(s).dump(-1, ' ', true, Utf8Handler::replace) << "\n  nlohmann: " << want.text
                    << want.what << "\n  writer:   " << got.text << got.what;
      return false;
    }
  }
  return true;
}

// The writer scans 8 or 16 bytes at a time and copies clean runs whole: every byte that needs
// attention (each control character, '"', '\\', the first byte of valid and invalid UTF-8) at
// every offset 0-40 of a clean run, followed by tails that end before, on and after a block
// boundary, must give nlohmann's bytes.
TEST(JsonWriterTest, SpecialBytesAtEveryRunOffsetMatchNlohmann) {
  std::vector<std::string> specials = {"\"", "\\", "\x7f", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80",
                                       "\xD8\xB9\xD8\xB1",  // Arabic
                                       "\x80", "\xC3", "\xC3(", "\xE2\x82", "\xED\xA0\x80", "\xF0\x9F\x98", "\xFF",
                                       "\xC0\xAF"};
  for (int c = 0; c < 0x20; ++c) specials.push_back(std::string(1, static_cast<char>(c)));
  const std::string clean = "The tumour grade is G2; Ki-67 index 5/100 (ENETS) & {x}~ 'y' `z` ";
  int compared = 0;
  for (size_t offset = 0; offset <= 40; ++offset)
    for (const auto& special : specials)
      for (size_t tail : {0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33}) {
        std::string s;
        for (size_t k = 0; k < offset; ++k) s += clean[k % clean.size()];
        s += special;
        for (size_t k = 0; k < tail; ++k) s += clean[(offset + k) % clean.size()];
        if (!SameStringAsNlohmann(s)) return;
        ++compared;
      }
  EXPECT_EQ(compared, 41 * static_cast<int>(specials.size()) * 12);
}

// Random strings: long clean runs, random bytes (invalid UTF-8 included), valid multi-byte
// characters and escapes mixed in at random places and lengths up to 300 bytes.
TEST(JsonWriterTest, RandomStringsMatchNlohmann) {
  std::mt19937 rng(20261206);
  const std::vector<std::string> pieces = {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xD9\x85", "\"", "\\",
                                           "\n", "\t", "\x01", "\x1f", "\x7f", "/"};
  int compared = 0, thrown = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    const int kind = static_cast<int>(rng() % 4);
    const size_t len = rng() % (kind == 0 ? 300 : 60);
    while (s.size() < len) {
      const unsigned r = rng() % 100;
      if (kind == 1 || r < 3) s += static_cast<char>(rng() % 256);      // any byte
      else if (r < 10) s += pieces[rng() % pieces.size()];                // something to escape or validate
      else if (r < 13) s.append(rng() % 40, static_cast<char>('a' + rng() % 26));  // a clean run
      else s += static_cast<char>(0x20 + rng() % 0x5F);                 // printable ASCII
    }
    if (!SameStringAsNlohmann(s)) return;
    ++compared;
    try {
      (void)ordered_json(s).dump();
    } catch (const nlohmann::json::type_error&) {
      ++thrown;
    }
  }
  EXPECT_EQ(compared, 20000);
  // Both valid and invalid UTF-8 were generated often.
  EXPECT_GT(thrown, 4000);
  EXPECT_LT(thrown, 16000);
}

TEST(JsonWriterTest, InvalidUtf8ThrowsTypeError316) {
  std::string out;
  try {
    AppendJson(out, ordered_json::object({{"k", "ok \xC3("}}));
    FAIL() << "no exception";
  } catch (const nlohmann::json::type_error& e) {
    EXPECT_EQ(e.id, 316);
    EXPECT_STREQ(e.what(), "[json.exception.type_error.316] invalid UTF-8 byte at index 4: 0x28");
  }
  out.clear();
  AppendJsonString(out, "a\xFF" "b", Utf8Handler::replace);
  EXPECT_EQ(out, "\"a\xEF\xBF\xBD" "b\"");
}

// One description written both ways (TextOut, TreeOut): the text must be the tree's dump, with
// prepared values and members, empty containers, nesting and a continued object.
template <class Out>
void Describe(Out& out, const Fragment& members, const Fragment& value, const Fragment& no_members) {
  out.BeginObject(6);
  out.Members(members);
  out.Key("list");
  out.BeginArray(4);
  out.String("a\"b\n\u00e9");
  out.Unsigned(18446744073709551615ull);
  out.BeginArray();
  out.EndArray();
  out.BeginObject();
  out.Members(no_members);
  out.EndObject();
  out.EndArray();
  out.Key("value");
  out.Value(value);
  out.Key("plain");
  out.Value(ordered_json::parse(R"({"x":[1.5,-2,null]})"));
  out.Members(no_members);
  out.Key("flags");
  out.BeginArray(3);
  out.Bool(true);
  out.Bool(false);
  out.Null();
  out.EndArray();
  out.EndObject();
}

// A double is written as nlohmann's own dump writes it: every number of one decimal under
// 100,000 (the writer's quick form), around that bound, and others (more decimals, tiny, huge,
// signed zeros, not finite) through nlohmann's shortest form.
TEST(JsonOutTest, DoublesAsNlohmannsDump) {
  std::string text;
  auto written = [&](double d) {
    text.clear();
    TextOut out(text);
    out.Double(d);
    out.Flush();
    return text;
  };
  auto reference = [](double d) { return json(d).dump(); };
  int differ = 0;
  for (std::int64_t k = -1000000; k <= 1000000; ++k) {
    const double d = static_cast<double>(k) / 10.0;
    if (written(d) != reference(d) && ++differ < 5) ADD_FAILURE() << k << ": " << text << " vs " << reference(d);
  }
  EXPECT_EQ(differ, 0);
  for (double d : {0.0, -0.0, 0.05, 0.25, -0.25, 1.0 / 3, 0.1 + 0.2, 99999.9, 99999.95, 100000.0, -100000.0,
                   123456.7, 1e15, 1e16, 1e-7, 5e-324, 1.7976931348623157e308, -7.3,
                   std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                   std::numeric_limits<double>::quiet_NaN()})
    EXPECT_EQ(written(d), reference(d)) << d;
  // Separated as any value.
  text.clear();
  TextOut out(text);
  out.BeginArray();
  out.Double(7.3);
  out.Double(-0.0);
  out.Double(12.0);
  out.EndArray();
  out.Flush();
  EXPECT_EQ(text, "[7.3,-0.0,12.0]");
}

// What a writer continuing an array "[1" writes with `write(out)`, flushed.
template <class Write>
std::string WrittenAfterOne(Write write) {
  std::string text = "[1";
  TextOut out(text, true);
  write(out);
  out.Flush();
  return text;
}

// `write(out, a, b)` of a joined text with invalid UTF-8 throws nlohmann's own error for the dump
// of a + " " + b (its index counted in the joined text, its byte).
template <class Write>
void ExpectTheJoinedTextsError(const std::string& a, const std::string& b, Write write) {
  std::string want, got;
  try {
    (void)json(a + " " + b).dump();
  } catch (const json::exception& e) {
    want = e.what();
  }
  std::string text;
  try {
    TextOut out(text);
    write(out, a, b);
  } catch (const json::exception& e) {
    got = e.what();
  }
  EXPECT_EQ(got, want) << a << " | " << b;
  EXPECT_FALSE(want.empty());
}

// JoinedString(a, b) writes what String(a + " " + b) writes: nlohmann's dump of the joined text
// for parts of every length up to 40 bytes (and long ones, past the writer's room) with nothing to
// escape, with an escape, a multi-byte character or a control character at either end, and the
// same error for invalid UTF-8 (the byte's index counted in the joined text).
TEST(JsonOutTest, JoinedStringIsTheJoinedTextsDump) {
  std::vector<std::string> parts;
  for (size_t n = 0; n <= 40; ++n) {
    std::string plain;
    for (size_t i = 0; i < n; ++i) plain += static_cast<char>('a' + i % 26);
    parts.push_back(plain);
    if (n == 0) continue;
    for (const std::string& odd : {std::string("\""), std::string("\\"), std::string("\n"), std::string("\xc3\xa9")}) {
      parts.push_back(odd + plain);
      parts.push_back(plain + odd);
    }
  }
  parts.push_back(std::string(5000, 'x'));
  parts.push_back(std::string(3000, 'y') + "\t" + std::string(10, 'z'));
  size_t checked = 0;
  for (const std::string& a : parts)
    for (const std::string& b : {parts[3], parts[17], parts[40], parts[parts.size() - 1], parts[parts.size() - 2],
                                 parts[parts.size() / 2], std::string("end.")}) {
      ASSERT_EQ(WrittenAfterOne([&](TextOut& out) { out.JoinedString(a, b); }), "[1," + json(a + " " + b).dump())
          << a << " | " << b;
      ++checked;
    }
  EXPECT_GT(checked, 1000u);
  // Invalid UTF-8 in either part: the joined text's error (its index, its byte).
  for (const auto& [a, b] : {std::pair<std::string, std::string>{"abc\xff", "def"}, {"abc", "d\xc3"}, {"ab\xc3", "\xa9z"}})
    ExpectTheJoinedTextsError(a, b, [](TextOut& out, std::string_view x, std::string_view y) { out.JoinedString(x, y); });
}

// StringAsIs and JoinedStringAsIs take the caller's word that the (first) text needs nothing:
// for such texts they write what String writes, and the second part of JoinedStringAsIs is
// still looked at (escaped, or refused as invalid UTF-8, as the joined text would be).
TEST(JsonOutTest, AsIsTextsWriteWhatStringWrites) {
  std::vector<std::string> as_is;  // nothing to escape, valid UTF-8
  for (size_t n = 0; n <= 40; ++n) {
    std::string plain;
    for (size_t i = 0; i < n; ++i) plain += static_cast<char>('a' + i % 26);
    as_is.push_back(plain);
    if (n > 0) as_is.push_back(plain + "\xc3\xa9 \xe2\x80\x94 \x7f");
  }
  as_is.push_back(std::string(5000, 'x'));
  std::vector<std::string> others = {"", "end.", "\"quoted\"", "back\\slash", "line\nbreak", "\xc3\xa9t\xc3\xa9",
                                     std::string(3000, 'y') + "\t" + std::string(10, 'z'), std::string(40, 'w')};
  size_t checked = 0;
  for (const std::string& a : as_is) {
    ASSERT_EQ(WrittenAfterOne([&](TextOut& out) {
                out.StringAsIs(a);
                out.StringAsIs(a);
              }),
              "[1," + json(a).dump() + "," + json(a).dump())
        << a;
    for (const std::string& b : others) {
      ASSERT_EQ(WrittenAfterOne([&](TextOut& out) {
                  out.JoinedStringAsIs(a, b);
                  out.Null();
                }),
                "[1," + json(a + " " + b).dump() + ",null")
          << a << " | " << b;
      ++checked;
    }
  }
  EXPECT_GT(checked, 500u);
  // Invalid UTF-8 in the second part: the joined text's error (its index, its byte).
  for (const auto& [a, b] : {std::pair<std::string, std::string>{"abc", "d\xc3"}, {"abc", "\xff"}, {"", "x\xa9z"}})
    ExpectTheJoinedTextsError(a, b,
                              [](TextOut& out, std::string_view x, std::string_view y) { out.JoinedStringAsIs(x, y); });
}

TEST(JsonOutTest, TextIsTheTreesDump) {
  const Fragment members = MakeMembersFragment(ordered_json::parse(R"({"id":"x","n":[1,{"k":"v"}],"t":true})"));
  const Fragment value = MakeFragment(ordered_json::parse(R"([{"guideline":"G","year":2023,"strength":null}])"));
  const Fragment none = MakeMembersFragment(ordered_json::object());
  EXPECT_EQ(members.text, R"("id":"x","n":[1,{"k":"v"}],"t":true)");
  ordered_json tree;
  TreeOut to_tree(tree);
  Describe(to_tree, members, value, none);
  std::string text;
  TextOut to_text(text);
  Describe(to_text, members, value, none);
  to_text.Flush();  // the string holds the text written (it is room ahead until then)
  EXPECT_EQ(text, DumpJson(tree));
  EXPECT_EQ(tree["list"].size(), 4u);
  EXPECT_EQ(tree["id"], "x");
  // Continuing an object that the caller opened.
  std::string continued = "{\"a\":1";
  TextOut more(continued, true);
  more.Key("b");
  more.Null();
  more.Members(members);
  more.Flush();
  continued += '}';
  EXPECT_EQ(continued, R"({"a":1,"b":null,"id":"x","n":[1,{"k":"v"}],"t":true})");
}

// Keys and strings are written as the tree's dump writes them: in one append when short and plain,
// else escaped (quotes, backslashes, control and non-ASCII characters, over 60 characters), first
// in an object or array or after a member; integers of either sign as the tree's.
TEST(JsonOutTest, KeysStringsAndIntegersAsTheTreesDump) {
  const std::vector<std::string> keys = {"id", "", "a\"b", "back\\slash", "tab\there", "caf\u00e9", "\x7f",
                                         std::string(60, 'k'), std::string(61, 'l'), std::string(200, 'm') + "\""};
  auto describe = [&](auto& out) {
    out.BeginObject(keys.size());
    std::int64_t n = -3;
    for (const auto& k : keys) {
      out.Key(k);
      out.BeginObject(1);
      out.Key(k);
      out.Integer(n);
      out.EndObject();
      const std::string values = k + "s";  // (TreeOut keeps the key's view until the value)
      out.Key(values);
      out.BeginArray(2);
      out.String(k);  // the same texts as values, first in an array and after an element
      out.String(k);
      out.EndArray();
      n = n * -7 + 1;
    }
    out.Key("min");
    out.Integer(std::numeric_limits<std::int64_t>::min());
    out.EndObject();
  };
  ordered_json tree;
  TreeOut to_tree(tree);
  describe(to_tree);
  std::string text;
  TextOut to_text(text);
  describe(to_text);
  to_text.Flush();
  EXPECT_EQ(text, DumpJson(tree));
  EXPECT_EQ(text, tree.dump());
  // A key that is not valid UTF-8 throws, as the dump does.
  std::string bad;
  TextOut bad_out(bad);
  bad_out.BeginObject();
  EXPECT_THROW(bad_out.Key(std::string("\xff")), nlohmann::json::type_error);
  EXPECT_THROW(bad_out.String("ok \xc3("), nlohmann::json::type_error);
}

// Strings of every length up to 70, clean or with one byte to escape or a UTF-8 sequence at each
// place (the text writer copies and scans 16 bytes at a time, the last block overlapping), as the
// tree's dump writes them.
TEST(JsonOutTest, StringsOfEveryLengthAsTheTreesDump) {
  std::vector<std::string> strings;
  for (size_t n = 0; n <= 70; ++n) {
    std::string clean;
    for (size_t i = 0; i < n; ++i) clean += static_cast<char>('a' + i % 26);
    strings.push_back(clean);
    for (size_t at = 0; at < n; ++at)
      for (const char* special : {"\"", "\n", "\\", "\x01", "\xc3\xa9"}) {
        std::string s = clean;
        s.replace(at, 1, special);
        strings.push_back(s);
      }
  }
  ordered_json tree = ordered_json::array();
  std::string text;
  {
    TextOut out(text);
    out.BeginArray();
    for (const auto& s : strings) {
      out.String(s);
      tree.push_back(s);
    }
    out.EndArray();
  }
  EXPECT_EQ(text, tree.dump());
}

// The escaping rule written out plainly, byte by byte, for valid UTF-8: the six short escapes,
// other control characters as \u00xx in lower-case hex, everything else (DEL and the bytes of
// multi-byte characters included) as it is.
std::string ReferenceJsonString(std::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          const char* hex = "0123456789abcdef";
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

// TextOut::String's bytes for s, alone and as the second element of an array (after a comma).
std::string TextOutString(std::string_view s) {
  std::string text;
  TextOut out(text);
  out.String(s);
  return text;
}

// The UTF-8 encoding of code point cp (not a surrogate, at most U+10FFFF).
std::string Utf8(char32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | cp >> 6);
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | cp >> 12);
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | cp >> 18);
    out += static_cast<char>(0x80 | (cp >> 12 & 0x3F));
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

// Every byte 0x00-0x7F at every place of clean strings of every length up to 80 (the text
// writer copies short strings as two overlapping words and longer ones 32 and 16 bytes at a
// time, the last block overlapping): each as the reference escaper writes it.
TEST(JsonOutTest, EveryAsciiByteAtEveryPlaceAsTheReferenceEscaper) {
  // Neighbours of the special bytes in the clean text (space, '!', '#', '[', ']', DEL...).
  const std::string alphabet = " !#$[]^_`az{|}~\x7f" "09AZ'/-";
  int compared = 0;
  for (size_t n = 0; n <= 80; ++n) {
    std::string clean;
    for (size_t i = 0; i < n; ++i) clean += alphabet[(i * 7 + n) % alphabet.size()];
    ASSERT_EQ(TextOutString(clean), ReferenceJsonString(clean)) << "length " << n;
    for (size_t at = 0; at < n; ++at)
      for (int b = 0; b < 0x80; ++b) {
        std::string s = clean;
        s[at] = static_cast<char>(b);
        ASSERT_EQ(TextOutString(s), ReferenceJsonString(s)) << "length " << n << ", byte " << b << " at " << at;
        ++compared;
      }
  }
  EXPECT_EQ(compared, 80 * 81 / 2 * 128);
}

// Multi-byte characters (Arabic, the euro sign, an emoji, the largest code points) at every place
// of strings of every length up to 70, alone and beside a byte to escape: as the reference.
TEST(JsonOutTest, MultiByteCharactersAtEveryPlaceAsTheReferenceEscaper) {
  const std::vector<std::string> chars = {Utf8(U'\u0627'), Utf8(U'\u0645'), Utf8(U'\u00e9'), Utf8(U'\u20ac'),
                                          Utf8(U'\U0001F600'), Utf8(U'\u07ff'), Utf8(U'\uffff'),
                                          Utf8(U'\U0010FFFF'), Utf8(U'\u0080'), Utf8(U'\u0800')};
  int compared = 0;
  for (size_t n = 0; n <= 70; ++n) {
    const std::string clean(n, 'x');
    for (size_t at = 0; at <= n; ++at)
      for (const auto& c : chars)
        for (const char* with : {"", "\"", "\n", "\x1f"}) {
          std::string s = clean;
          s.insert(at, c + with);
          ASSERT_EQ(TextOutString(s), ReferenceJsonString(s)) << "length " << n << " at " << at;
          ++compared;
        }
  }
  EXPECT_EQ(compared, 71 * 72 / 2 * 10 * 4);
  // An Arabic patient text, whole.
  const std::string arabic = "\xd9\x8a\xd9\x88\xd8\xac\xd8\xaf \xd9\x88\xd8\xb1\xd9\x85 \"\xd8\xb5\xd8\xba\xd9\x8a\xd8\xb1\"\n";
  EXPECT_EQ(TextOutString(arabic), ReferenceJsonString(arabic));
}

// Random valid strings up to 200 bytes: ASCII bytes of every kind and code points of every
// UTF-8 length, written one after another into one array (each after a comma): as the reference.
TEST(JsonOutTest, RandomValidStringsAsTheReferenceEscaper) {
  std::mt19937 rng(20261207);
  std::string text, want = "[";
  int escaped = 0, multibyte = 0;
  {
    TextOut out(text);
    out.BeginArray();
    for (int k = 0; k < 30000; ++k) {
      std::string s;
      const size_t len = rng() % (k % 3 == 0 ? 200 : 40);
      while (s.size() < len) {
        const unsigned r = rng() % 100;
        if (r < 5) s += static_cast<char>(rng() % 0x80);  // any ASCII byte, control characters included
        else if (r < 8) s += Utf8(0x80 + rng() % (0xD800 - 0x80));
        else if (r < 10) s += Utf8(0xE000 + rng() % (0x110000 - 0xE000));
        else if (r < 13) s += Utf8(0x600 + rng() % 0x100);  // Arabic
        else s += static_cast<char>(0x20 + rng() % 0x5F);
      }
      out.String(s);
      const std::string ref = ReferenceJsonString(s);
      if (ref.size() != s.size() + 2) ++escaped;
      if (std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) ++multibyte;
      if (k) want += ',';
      want += ref;
    }
    out.EndArray();
  }
  want += ']';
  EXPECT_EQ(text, want);
  EXPECT_GT(escaped, 5000);
  EXPECT_GT(multibyte, 5000);
}

// ObjectOf (the trace entry's shape, written in one go when its strings are short and plain)
// gives the tree's bytes for strings of every length around its limits (16 and 32 bytes), with and without a byte
// to escape or a multi-byte character, true and false, first in an array and after a comma.
TEST(JsonOutTest, ObjectOfAsTheTreesDump) {
  std::vector<std::string> strings = {"", "\xd8\xb9", "a\"b", "tab\there", "x\\y"};
  for (size_t n = 0; n <= 36; ++n) strings.push_back(std::string(n, static_cast<char>('a' + n % 26)));
  for (size_t n : {15, 16, 17, 31, 32}) {
    strings.push_back(std::string(n - 1, 'q') + "\n");  // the byte to escape last
    strings.push_back("\"" + std::string(n - 1, 'q'));  // first
  }
  ordered_json tree = ordered_json::array();
  std::string text;
  int written = 0;
  {
    TextOut out(text);
    out.BeginArray();
    for (const auto& a : strings)
      for (const auto& b : strings)
        for (bool hit : {true, false}) {
          out.ObjectOf("decision", a, "rule", b, "hit", hit);
          tree.push_back(ordered_json{{"decision", a}, {"rule", b}, {"hit", hit}});
          ++written;
        }
    out.EndArray();
  }
  EXPECT_EQ(text, tree.dump());
  EXPECT_EQ(written, static_cast<int>(strings.size() * strings.size() * 2));
  EXPECT_THROW(
      {
        std::string t;
        TextOut out(t);
        out.ObjectOf("a", "ok", "b", "\xc3(", "c", true);
      },
      nlohmann::json::type_error);
}

// A value that cannot be written strictly is kept without text and throws when written, as the
// tree's dump does.
TEST(JsonOutTest, InvalidUtf8FragmentThrowsAtUse) {
  const Fragment bad = MakeFragment(ordered_json("\xff"));
  EXPECT_FALSE(bad.has_text);
  std::string text;
  TextOut out(text);
  EXPECT_THROW(out.Value(bad), nlohmann::json::type_error);
  const Fragment bad_members = MakeMembersFragment(ordered_json{{"k", "\xfe"}});
  EXPECT_FALSE(bad_members.has_text);
  std::string text2 = "{";
  TextOut out2(text2, false);
  EXPECT_THROW(out2.Members(bad_members), nlohmann::json::type_error);
}

}  // namespace
}  // namespace zebra::json::json_writer_test
