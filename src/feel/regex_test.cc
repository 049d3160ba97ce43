// XPath regular expressions on RE2: the dialect is XML Schema Part 2 Appendix F extended by
// XQuery 1.0 and XPath 2.0 Functions and Operators §7.6.1, which DMN 1.5 §10.3.4.3 cites for
// matches(), replace() and split().
#include "feel/regex.h"

#include <gtest/gtest.h>

namespace zebra::feel::regex_test {
namespace {

bool Search(std::string_view pattern, std::string_view input, std::string_view flags = "") {
  auto re = XPathRegex::Compile(pattern, flags);
  if (!re) {
    ADD_FAILURE() << "pattern " << pattern << ": " << re.error();
    return false;
  }
  return (*re)->Search(input);
}

bool Invalid(std::string_view pattern, std::string_view flags = "") {
  return !XPathRegex::Compile(pattern, flags).has_value();
}

TEST(XPathRegex, FlagsParse) {  // F&O §7.6.1.1: flags s, m, i, x (and q, F&O 3.0)
  auto f = ParseRegexFlags("smixq");
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->dot_all && f->multiline && f->case_insensitive && f->extended && f->literal);
  EXPECT_FALSE(ParseRegexFlags("g"));
  EXPECT_FALSE(ParseRegexFlags(" "));
}
TEST(XPathRegex, DotExcludesLineEnds) {  // XSD §F.1.1: "." is [^\n\r]
  EXPECT_FALSE(Search("^.$", "\r"));
  EXPECT_TRUE(Search("^.$", "\r", "s"));
  EXPECT_TRUE(Search("^.$", "\xC3\xA9"));  // one code point, two bytes
}
TEST(XPathRegex, SpaceClassIsXmlWhitespace) {  // XSD §F.1.1: \s is [#x20\t\n\r], no form feed
  EXPECT_TRUE(Search("^\\s+$", " \t\r\n"));
  EXPECT_FALSE(Search("\\s", "\f"));
  EXPECT_TRUE(Search("^\\S$", "\f"));
}
TEST(XPathRegex, WordClassIsUnicode) {  // XSD §F.1.1: \w excludes punctuation, separators, other
  EXPECT_TRUE(Search("^\\w+$", "\xC3\xA9t\xC3\xA9" "1"));
  EXPECT_TRUE(Search("^\\w$", "+"));  // a math symbol (Sm) is a word character in XSD
  EXPECT_FALSE(Search("\\w", "!"));
  EXPECT_TRUE(Search("^\\W$", "!"));
}
TEST(XPathRegex, NameClasses) {  // XSD §F.1.1: \i initial name characters, \c name characters
  EXPECT_TRUE(Search("^\\i\\c*$", "_a-b.c1"));
  EXPECT_FALSE(Search("^\\i", "1a"));
  EXPECT_TRUE(Search("^\\I$", "1"));
  EXPECT_TRUE(Search("^\\C$", " "));
}
TEST(XPathRegex, CategoryEscapes) {  // XSD §F.1.1 category escapes \p{Lu}, \P{L}
  EXPECT_TRUE(Search("^\\p{Lu}+$", "ABC"));
  EXPECT_FALSE(Search("^\\p{Lu}+$", "AbC"));
  EXPECT_TRUE(Search("^\\P{L}+$", "123"));
  EXPECT_TRUE(Invalid("\\p{Xx}"));
  EXPECT_TRUE(Invalid("\\p{Lu"));
}
TEST(XPathRegex, BlockEscapes) {  // XSD §F.1.1 block escapes \p{IsX}, \P{IsX}
  EXPECT_TRUE(Search("^\\p{IsCyrillic}+$", "\xD0\xB4\xD0\xB0"));
  EXPECT_TRUE(Search("^\\P{IsBasicLatin}$", "\xC3\xA9"));
  EXPECT_TRUE(Search("^[\\p{IsBasicLatin}\\p{IsLatin-1Supplement}]+$", "caf\xC3\xA9"));
  EXPECT_TRUE(Invalid("\\p{IsNoSuchBlock}"));
}
TEST(XPathRegex, ClassSubtraction) {  // XSD §F.1: [base-[subtracted]]
  EXPECT_TRUE(Search("^[a-z-[aeiou]]+$", "bcd"));
  EXPECT_FALSE(Search("[a-z-[aeiou]]", "aei"));
  // The negation binds to the base group, then the subtraction applies (negCharGroup '-' class).
  EXPECT_FALSE(Search("[^a-z-[AB]]", "x"));
  EXPECT_FALSE(Search("[^a-z-[AB]]", "A"));
  EXPECT_TRUE(Search("^[^a-z-[AB]]$", "C"));
}
TEST(XPathRegex, ClassSubtractionNested) {  // XSD §F.1: subtraction may nest
  EXPECT_TRUE(Search("^[a-z-[a-f-[c]]]+$", "cxyz"));
  EXPECT_FALSE(Search("[a-z-[a-f-[c]]]", "abdef"));
}
TEST(XPathRegex, ClassSubtractionWithCategoryRejected) {  // RE2 cannot intersect; reject, not guess
  EXPECT_TRUE(Invalid("[\\p{L}-[a]]"));
}
TEST(XPathRegex, ClassSyntaxErrors) {  // XSD §F.1: unescaped '[' in a class, empty class, bad range
  EXPECT_TRUE(Invalid("[[:alpha:]]"));
  EXPECT_TRUE(Invalid("[]"));
  EXPECT_TRUE(Invalid("[z-a]"));
  EXPECT_TRUE(Invalid("[a"));
}
TEST(XPathRegex, ClassEdgeHyphens) {  // XSD §F.1: '-' is literal first or last in a class
  EXPECT_TRUE(Search("^[-a]+$", "-a"));
  EXPECT_TRUE(Search("^[a-]+$", "a-"));
  EXPECT_TRUE(Search("^[\\-]$", "-"));
}
TEST(XPathRegex, BackReferencesRejected) {  // F&O §7.6.1 back-references; RE2 has none
  EXPECT_TRUE(Invalid("(a)\\1"));
  EXPECT_TRUE(Invalid("[\\1]"));
  EXPECT_TRUE(Invalid("\\0"));
}
TEST(XPathRegex, InvalidEscapesRejected) {  // XSD §F.1: only the listed escapes exist
  EXPECT_TRUE(Invalid("\\b"));
  EXPECT_TRUE(Invalid("\\x41"));
  EXPECT_TRUE(Invalid("a\\"));
  EXPECT_FALSE(Invalid("\\$\\^\\.\\{\\}"));
}
TEST(XPathRegex, GroupsAndQuantifiers) {  // F&O §7.6.1: (?:...) and reluctant quantifiers allowed
  EXPECT_TRUE(Search("^(?:ab){2}$", "abab"));
  EXPECT_TRUE(Invalid("(?i)a"));
  EXPECT_TRUE(Invalid("(?=a)"));
  EXPECT_TRUE(Invalid("a)"));
  EXPECT_TRUE(Invalid("a{2"));
  EXPECT_TRUE(Invalid("a}"));
  EXPECT_TRUE(Search("^a{2,}$", "aaa"));
}
TEST(XPathRegex, HugeRepeatFailsCleanly) {  // a resource limit is an error, not a crash
  EXPECT_TRUE(Invalid("(a{1000}){1000}"));
}
TEST(XPathRegex, CaseInsensitive) {  // F&O §7.6.1.1 flag i
  EXPECT_TRUE(Search("^[a-c]+$", "ABC", "i"));
  EXPECT_TRUE(Search("^\\p{IsGreek}$", "\xCE\xB1", "i"));
}
TEST(XPathRegex, ExtendedKeepsClassWhitespace) {  // F&O 3.0 §5.6.1.1 flag x: classes keep spaces
  EXPECT_TRUE(Search("^a[ ]b$", "a b", "x"));
  EXPECT_TRUE(Search("^a b$", "ab", "x"));
  EXPECT_TRUE(Search("^\\p{ IsBasicLatin }+$", "ab", "x"));
  EXPECT_TRUE(Invalid("\\p{ IsBasicLatin}"));
}
TEST(XPathRegex, LiteralFlag) {  // F&O 3.0 flag q: metacharacters are ordinary
  EXPECT_TRUE(Search("a.c", "a.c", "q"));
  EXPECT_FALSE(Search("a.c", "abc", "q"));
  EXPECT_TRUE(Search("A.C", "a.c", "qi"));
}
TEST(XPathRegex, ReplaceLongestValidGroupNumber) {  // F&O §7.6.3: $12 is $1 then "2" with one group
  auto re = XPathRegex::Compile("(b)", "");
  ASSERT_TRUE(re);
  auto r = (*re)->Replace("abc", "[$12]");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "a[b2]c");
}
TEST(XPathRegex, ReplaceUtf8) {  // replacement text and input are UTF-8
  auto re = XPathRegex::Compile("\xC3\xA9", "");
  ASSERT_TRUE(re);
  EXPECT_EQ((*re)->Replace("caf\xC3\xA9", "e").value(), "cafe");
}
TEST(XPathRegex, SplitLeadingDelimiter) {  // F&O §7.6.4: a leading match gives a leading ""
  auto re = XPathRegex::Compile(",", "");
  ASSERT_TRUE(re);
  auto parts = (*re)->Split(",a");
  ASSERT_TRUE(parts);
  EXPECT_EQ(*parts, (std::vector<std::string>{"", "a"}));
}
TEST(XPathRegex, InvalidUtf8PatternRejected) {  // never crash on bad input
  EXPECT_TRUE(Invalid("\xC3"));
  EXPECT_TRUE(Invalid("\xFF"));
}
TEST(XPathRegex, CacheReturnsSameBehaviour) {  // the per-thread cache keys on flags and pattern
  EXPECT_FALSE(Search("A", "a"));
  EXPECT_TRUE(Search("A", "a", "i"));
  EXPECT_FALSE(Search("A", "a"));
}

}  // namespace
}  // namespace zebra::feel::regex_test
