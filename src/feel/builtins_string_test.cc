// String built-ins, DMN 1.5 §10.3.4.3 (Table 72 "Semantics of string functions"); regex
// behaviour per XQuery 1.0 and XPath 2.0 Functions and Operators §7.6, which the table cites.
#include "feel/builtins_test_util.h"

namespace zebra::feel::builtins_string_test {
namespace {

using namespace zebra::feel::testing;

// --- substring -------------------------------------------------------------------------
TEST(StringBuiltins, SubstringFromPosition) {  // §10.3.4.3: substring("foobar", 3) = "obar"
  EXPECT_FEEL(Call("substring", {S("foobar"), N(3)}), S("obar"));
}
TEST(StringBuiltins, SubstringWithLength) {  // §10.3.4.3: substring("foobar", 3, 3) = "oba"
  EXPECT_FEEL(Call("substring", {S("foobar"), N(3), N(3)}), S("oba"));
}
TEST(StringBuiltins, SubstringNegativeStart) {  // §10.3.4.3: substring("foobar", -2, 1) = "a"
  EXPECT_FEEL(Call("substring", {S("foobar"), N(-2), N(1)}), S("a"));
}
TEST(StringBuiltins, SubstringAstralCharacterIsOneCodePoint) {
  // §10.3.4.3: substring("\U01F40Eab", 2) = "ab" — positions count code points.
  EXPECT_FEEL(Call("substring", {S("\xF0\x9F\x90\x8E" "ab"), N(2)}), S("ab"));
}
TEST(StringBuiltins, SubstringMultibyteWithLength) {  // §10.3.4.3, code points
  EXPECT_FEEL(Call("substring", {S("h\xC3\xA9llo"), N(2), N(2)}), S("\xC3\xA9l"));
}
TEST(StringBuiltins, SubstringWholeFromNegativeLength) {  // §10.3.4.3: -6 on 6 chars is the first
  EXPECT_FEEL(Call("substring", {S("foobar"), N(-6), N(6)}), S("foobar"));
}
TEST(StringBuiltins, SubstringFractionalArgumentsTruncate) {
  // §10.3.4.3 leaves fractional positions open; like every integer parameter here they are
  // truncated toward zero.
  EXPECT_FEEL(Call("substring", {S("abcdef"), D("2.9"), D("2.9")}), S("bc"));
  EXPECT_FEEL(Call("substring", {S("abcdef"), D("-1.5")}), S("f"));
}
TEST(StringBuiltins, SingletonListArgumentIsUnwrapped) {  // §10.3.2.9.4 "from singleton list"
  EXPECT_FEEL(Call("upper case", {L({S("bob")})}), S("BOB"));
  EXPECT_FEEL(Call("contains", {L({S("abc")}), S("b")}), B(true));
  EXPECT_TRUE(IsError("upper case", {L({S("a"), S("b")})}));
}
TEST(StringBuiltins, SubstringNullAndWrongTypes) {  // §10.3.4.3 with §10.3.2.9.4 (type errors → null)
  EXPECT_FEEL_NULL(Call("substring", {Null(), N(1)}));
  EXPECT_TRUE(IsError("substring", {N(12), N(1)}));
  EXPECT_TRUE(IsError("substring", {S("abc"), S("1")}));
}
TEST(StringBuiltins, SubstringNamed) {  // §10.3.4.3 parameter names: string, start position, length
  EXPECT_FEEL(Named("substring", {{"string", S("foobar")}, {"start position", N(3)}}), S("obar"));
  EXPECT_FEEL(Named("substring", {{"start position", N(1)}, {"length", N(2)}, {"string", S("foobar")}}), S("fo"));
}
TEST(StringBuiltins, SubstringPastEndIsEmpty) {  // §10.3.4.3 (fn:substring)
  EXPECT_FEEL(Call("substring", {S("abc"), N(7)}), S(""));
}

// --- string length, case -----------------------------------------------------------------
TEST(StringBuiltins, StringLength) {  // §10.3.4.3: string length("foo") = 3
  EXPECT_FEEL(Call("string length", {S("foo")}), N(3));
}
TEST(StringBuiltins, StringLengthAstral) {  // §10.3.4.3: string length("\U01F40Eab") = 3
  EXPECT_FEEL(Call("string length", {S("\xF0\x9F\x90\x8E" "ab")}), N(3));
}
TEST(StringBuiltins, StringLengthEmptyAndNull) {  // §10.3.4.3
  EXPECT_FEEL(Call("string length", {S("")}), N(0));
  EXPECT_FEEL_NULL(Call("string length", {Null()}));
  EXPECT_TRUE(IsError("string length", {N(3)}));
}
TEST(StringBuiltins, UpperCase) {  // §10.3.4.3: upper case("aBc4") = "ABC4"
  EXPECT_FEEL(Call("upper case", {S("aBc4")}), S("ABC4"));
}
TEST(StringBuiltins, LowerCase) {  // §10.3.4.3: lower case("aBc4") = "abc4"
  EXPECT_FEEL(Call("lower case", {S("aBc4")}), S("abc4"));
}
TEST(StringBuiltins, CaseBeyondAscii) {  // §10.3.4.3 (fn:upper-case uses Unicode case mappings)
  EXPECT_FEEL(Call("upper case", {S("\xC3\xA9t\xC3\xA9")}), S("\xC3\x89T\xC3\x89"));      // été → ÉTÉ
  EXPECT_FEEL(Call("lower case", {S("\xCE\xA3\xCE\x9F")}), S("\xCF\x83\xCE\xBF"));      // ΣΟ → σο
  EXPECT_FEEL(Call("upper case", {S("\xD0\xB4\xD0\xB0")}), S("\xD0\x94\xD0\x90"));      // да → ДА
  EXPECT_FEEL(Call("upper case", {S("stra\xC3\x9F" "e")}), S("STRASSE"));
}
TEST(StringBuiltins, CaseWrongType) {  // §10.3.4.3
  EXPECT_TRUE(IsError("upper case", {B(true)}));
  EXPECT_FEEL_NULL(Call("lower case", {Null()}));
}

// --- substring before / after ----------------------------------------------------------
TEST(StringBuiltins, SubstringBefore) {  // §10.3.4.3: substring before("foobar", "bar") = "foo"
  EXPECT_FEEL(Call("substring before", {S("foobar"), S("bar")}), S("foo"));
}
TEST(StringBuiltins, SubstringBeforeNoMatch) {  // §10.3.4.3: substring before("foobar", "xyz") = ""
  EXPECT_FEEL(Call("substring before", {S("foobar"), S("xyz")}), S(""));
}
TEST(StringBuiltins, SubstringAfter) {  // §10.3.4.3: substring after("foobar", "ob") = "ar"
  EXPECT_FEEL(Call("substring after", {S("foobar"), S("ob")}), S("ar"));
}
TEST(StringBuiltins, SubstringAfterEmptyMatch) {  // §10.3.4.3: substring after("", "a") = ""
  EXPECT_FEEL(Call("substring after", {S(""), S("a")}), S(""));
  EXPECT_FEEL(Call("substring after", {S("abc"), S("")}), S("abc"));
}
TEST(StringBuiltins, SubstringBeforeAfterNulls) {  // §10.3.4.3
  EXPECT_FEEL_NULL(Call("substring before", {Null(), S("a")}));
  EXPECT_TRUE(IsError("substring after", {S("abc"), N(1)}));
}

// --- contains / starts with / ends with --------------------------------------------------
TEST(StringBuiltins, Contains) {  // §10.3.4.3: contains("foobar", "of") = false
  EXPECT_FEEL(Call("contains", {S("foobar"), S("of")}), B(false));
  EXPECT_FEEL(Call("contains", {S("foobar"), S("oba")}), B(true));
}
TEST(StringBuiltins, StartsWith) {  // §10.3.4.3: starts with("foobar", "fo") = true
  EXPECT_FEEL(Call("starts with", {S("foobar"), S("fo")}), B(true));
  EXPECT_FEEL(Call("starts with", {S("foobar"), S("oo")}), B(false));
}
TEST(StringBuiltins, EndsWith) {  // §10.3.4.3: ends with("foobar", "r") = true
  EXPECT_FEEL(Call("ends with", {S("foobar"), S("r")}), B(true));
  EXPECT_FEEL(Call("ends with", {S("foobar"), S("b")}), B(false));
}
TEST(StringBuiltins, ContainsNullAndTypes) {  // §10.3.4.3
  EXPECT_FEEL_NULL(Call("contains", {Null(), S("a")}));
  EXPECT_TRUE(IsError("starts with", {N(1), S("1")}));
  EXPECT_FEEL(Named("ends with", {{"string", S("abc")}, {"match", S("bc")}}), B(true));
}

// --- matches -----------------------------------------------------------------------------
TEST(StringBuiltins, MatchesFlagI) {  // §10.3.4.3: matches("foobar", "^fo*bar") = true
  EXPECT_FEEL(Call("matches", {S("foobar"), S("^fo*bar")}), B(true));
  EXPECT_FEEL(Call("matches", {S("FOOBAR"), S("^fo*bar"), S("i")}), B(true));
}
TEST(StringBuiltins, MatchesIsASearch) {  // F&O §7.6.2: true if any substring matches
  EXPECT_FEEL(Call("matches", {S("abracadabra"), S("bra")}), B(true));
  EXPECT_FEEL(Call("matches", {S("abracadabra"), S("^bra")}), B(false));
}
TEST(StringBuiltins, MatchesMultiline) {  // F&O §7.6.1.1 flag m
  EXPECT_FEEL(Call("matches", {S("a\nb"), S("^b$")}), B(false));
  EXPECT_FEEL(Call("matches", {S("a\nb"), S("^b$"), S("m")}), B(true));
}
TEST(StringBuiltins, MatchesDotAll) {  // F&O §7.6.1.1 flag s; "." excludes \n and \r otherwise
  EXPECT_FEEL(Call("matches", {S("a\nb"), S("a.b")}), B(false));
  EXPECT_FEEL(Call("matches", {S("a\rb"), S("a.b")}), B(false));
  EXPECT_FEEL(Call("matches", {S("a\nb"), S("a.b"), S("s")}), B(true));
}
TEST(StringBuiltins, MatchesExtended) {  // F&O §7.6.1.1 flag x removes whitespace
  EXPECT_FEEL(Call("matches", {S("helloworld"), S("hello world"), S("x")}), B(true));
  EXPECT_FEEL(Call("matches", {S("hello world"), S("hello[ ]world"), S("x")}), B(true));
}
TEST(StringBuiltins, MatchesLiteral) {  // F&O 3.0 flag q: the pattern is a plain string
  EXPECT_FEEL(Call("matches", {S("x[y-z]"), S("x[y-z]"), S("q")}), B(true));
  EXPECT_FEEL(Call("matches", {S("xy"), S("x[y-z]"), S("q")}), B(false));
}
TEST(StringBuiltins, MatchesInvalidFlagIsError) {  // F&O §7.6.1.1: err:FORX0001
  EXPECT_TRUE(IsError("matches", {S("abc"), S("a"), S("p")}));
}
TEST(StringBuiltins, MatchesInvalidPatternIsError) {  // F&O §7.6.1: err:FORX0002
  EXPECT_TRUE(IsError("matches", {S("abc"), S("(a")}));
  EXPECT_TRUE(IsError("matches", {S("abc"), S("[a")}));
  EXPECT_TRUE(IsError("matches", {S("abc"), S("a{")}));
  EXPECT_TRUE(IsError("matches", {S("abc"), S("\\q")}));
}
TEST(StringBuiltins, MatchesNullArguments) {  // §10.3.4.3; an absent (null) flags is no flags
  EXPECT_FEEL_NULL(Call("matches", {Null(), S("a")}));
  EXPECT_FEEL_NULL(Call("matches", {S("a"), Null()}));
  EXPECT_FEEL(Call("matches", {S("abc"), S("b"), Null()}), B(true));
  EXPECT_TRUE(IsError("matches", {S("abc"), S("b"), N(1)}));
}
TEST(StringBuiltins, MatchesXsdDigitIsUnicode) {  // XSD §F.1: \d is \p{Nd}
  EXPECT_FEEL(Call("matches", {S("\xD9\xA3"), S("^\\d$")}), B(true));  // ARABIC-INDIC DIGIT THREE
}
TEST(StringBuiltins, MatchesBlockEscape) {  // XSD §F.1.1 block escapes \p{IsBasicLatin}
  EXPECT_FEEL(Call("matches", {S("hello world"), S("^\\p{IsBasicLatin}+$")}), B(true));
  EXPECT_FEEL(Call("matches", {S("h\xC3\xA9"), S("^\\p{IsBasicLatin}+$")}), B(false));
  EXPECT_FEEL(Call("matches", {S("\xCE\xB1\xCE\xB2"), S("^\\p{IsGreek}+$")}), B(true));
}
TEST(StringBuiltins, MatchesClassSubtraction) {  // XSD §F.1 character class subtraction
  EXPECT_FEEL(Call("matches", {S("X"), S("[A-Z-[OI]]")}), B(true));
  EXPECT_FEEL(Call("matches", {S("O"), S("[A-Z-[OI]]")}), B(false));
}
TEST(StringBuiltins, MatchesBackReferenceRejected) {  // F&O §7.6.1 back-references: unsupported → null
  EXPECT_TRUE(IsError("matches", {S("aa"), S("(a)\\1")}));
}
TEST(StringBuiltins, MatchesNamed) {  // §10.3.4.3 parameter names input, pattern, flags
  EXPECT_FEEL(Named("matches", {{"input", S("ABC")}, {"pattern", S("b")}, {"flags", S("i")}}), B(true));
}
TEST(StringBuiltins, MatchesQuantifierOfAstral) {  // code points, not bytes
  EXPECT_FEEL(Call("matches", {S("\xF0\x9F\x90\x8E"), S("^.$")}), B(true));
}

// --- replace -----------------------------------------------------------------------------
TEST(StringBuiltins, ReplaceGroups) {  // §10.3.4.3: replace("abc", "b", "d") = "adc"
  EXPECT_FEEL(Call("replace", {S("abc"), S("b"), S("d")}), S("adc"));
}
TEST(StringBuiltins, ReplaceWithGroupReference) {  // F&O §7.6.3: $1 refers to the first group
  EXPECT_FEEL(Call("replace", {S("abracadabra"), S("a(.)"), S("a$1$1")}), S("abbraccaddabbra"));
}
TEST(StringBuiltins, ReplaceReluctant) {  // F&O §7.6.3 examples
  EXPECT_FEEL(Call("replace", {S("abracadabra"), S("a.*?a"), S("*")}), S("*c*bra"));
  EXPECT_FEEL(Call("replace", {S("abracadabra"), S("a.*a"), S("*")}), S("*"));
}
TEST(StringBuiltins, ReplaceWholeMatchReference) {  // F&O §7.6.3: $0 is the whole match
  EXPECT_FEEL(Call("replace", {S("cat"), S("[aeiou]"), S("[$0]")}), S("c[a]t"));
}
TEST(StringBuiltins, ReplaceUnmatchedGroupIsEmpty) {  // F&O §7.6.3: unmatched group → ""
  EXPECT_FEEL(Call("replace", {S("abcd"), S("(ab)|(a)"), S("[1=$1][2=$2]")}), S("[1=ab][2=]cd"));
}
TEST(StringBuiltins, ReplaceEscapedDollar) {  // F&O §7.6.3: \$ is a literal dollar
  EXPECT_FEEL(Call("replace", {S("a1"), S("1"), S("\\$")}), S("a$"));
}
TEST(StringBuiltins, ReplaceBadReplacementIsError) {  // F&O §7.6.3: err:FORX0004
  EXPECT_TRUE(IsError("replace", {S("abc"), S("b"), S("$")}));
  EXPECT_TRUE(IsError("replace", {S("abc"), S("b"), S("\\x")}));
}
TEST(StringBuiltins, ReplaceEmptyMatchIsError) {  // F&O §7.6.3: err:FORX0003
  EXPECT_TRUE(IsError("replace", {S("abc"), S("x*"), S("-")}));
}
TEST(StringBuiltins, ReplaceFlags) {  // F&O §7.6.3 with flags
  EXPECT_FEEL(Call("replace", {S("abc"), S("B"), S("x"), S("i")}), S("axc"));
  EXPECT_FEEL(Call("replace", {S("a.b"), S("."), S("$1"), S("q")}), S("a$1b"));
}
TEST(StringBuiltins, ReplaceNamedAndNull) {  // §10.3.4.3 names input, pattern, replacement, flags
  EXPECT_FEEL(Named("replace", {{"input", S("abc")}, {"pattern", S("[a-z]")}, {"replacement", S("#")}}), S("###"));
  EXPECT_FEEL_NULL(Call("replace", {Null(), S("a"), S("b")}));
}
TEST(StringBuiltins, ReplaceDigitGroups) {  // F&O §7.6.3, \d and quantifiers
  EXPECT_FEEL(Call("replace", {S("0123456789"), S("(\\d{3})(\\d{3})(\\d{4})"), S("($1) $2-$3")}),
              S("(012) 345-6789"));
}

// --- split -------------------------------------------------------------------------------
TEST(StringBuiltins, SplitOnWhitespace) {  // §10.3.4.3: split("John Doe", "\s") = ["John", "Doe"]
  EXPECT_FEEL(Call("split", {S("John Doe"), S("\\s")}), L({S("John"), S("Doe")}));
}
TEST(StringBuiltins, SplitKeepsEmptyParts) {  // §10.3.4.3: split("a;b;c;;", ";") = ["a","b","c","",""]
  EXPECT_FEEL(Call("split", {S("a;b;c;;"), S(";")}), L({S("a"), S("b"), S("c"), S(""), S("")}));
}
TEST(StringBuiltins, SplitEmptyInput) {  // F&O §7.6.4: tokenize("") is empty
  EXPECT_FEEL(Call("split", {S(""), S(",")}), L({}));
}
TEST(StringBuiltins, SplitEmptyMatchIsError) {  // F&O §7.6.4: err:FORX0003
  EXPECT_TRUE(IsError("split", {S("abc"), S("x?")}));
}
TEST(StringBuiltins, SplitNamedAndNull) {  // §10.3.4.3 names string, delimiter
  EXPECT_FEEL(Named("split", {{"delimiter", S(",")}, {"string", S("foo,bar")}}), L({S("foo"), S("bar")}));
  EXPECT_FEEL_NULL(Call("split", {S("foo"), Null()}));
  EXPECT_FEEL_NULL(Named("split", {{"delimiter", S(",")}, {"str", S("foo,bar")}}));
}

// --- string join -------------------------------------------------------------------------
TEST(StringBuiltins, StringJoin) {  // §10.3.4.3: string join(["a","b","c"]) = "abc"
  EXPECT_FEEL(Call("string join", {L({S("a"), S("b"), S("c")})}), S("abc"));
}
TEST(StringBuiltins, StringJoinDelimiter) {  // §10.3.4.3: string join(["a","b","c"], ", ") = "a, b, c"
  EXPECT_FEEL(Call("string join", {L({S("a"), S("b"), S("c")}), S(", ")}), S("a, b, c"));
}
TEST(StringBuiltins, StringJoinSkipsNull) {  // §10.3.4.3: string join(["a",null,"c"]) = "ac"
  EXPECT_FEEL(Call("string join", {L({S("a"), Null(), S("c")})}), S("ac"));
  EXPECT_FEEL(Call("string join", {L({S("a"), Null(), S("c")}), S("X")}), S("aXc"));
}
TEST(StringBuiltins, StringJoinEmpty) {  // §10.3.4.3: string join([]) = ""
  EXPECT_FEEL(Call("string join", {L({})}), S(""));
  EXPECT_FEEL(Call("string join", {L({}), S("X")}), S(""));
}
TEST(StringBuiltins, StringJoinNonStringItem) {  // §10.3.4.3: items must be strings
  EXPECT_TRUE(IsError("string join", {L({S("a"), N(1)})}));
}
TEST(StringBuiltins, WrongArityIsError) {  // §10.3.4: no overload → null
  EXPECT_TRUE(IsError("string join", {}));
  EXPECT_TRUE(IsError("split", {S("foo")}));
}

}  // namespace
}  // namespace zebra::feel::builtins_string_test
