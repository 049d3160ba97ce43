// XML Schema / XPath regular expressions (the dialect of FEEL matches, replace and split,
// DMN 1.5 §10.3.4.3 referring to XQuery 1.0 and XPath 2.0 Functions §7.6) run on RE2, which
// guarantees linear time on hostile patterns. The translation keeps XPath meaning where RE2
// differs (\d, \w, \s, ".", Unicode blocks \p{IsX}, character class subtraction) and rejects
// what RE2 cannot do (back-references) with a message instead of a wrong answer.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace re2 {
class RE2;
}

namespace zebra::feel {

struct RegexFlags {
  bool dot_all = false;           // s
  bool multiline = false;         // m
  bool case_insensitive = false;  // i
  bool extended = false;          // x: whitespace in the pattern is ignored
  bool literal = false;           // q: the pattern is a plain string
};

// Parses the flags string ("", "i", "smix", ...); any other character is an error.
tl::expected<RegexFlags, std::string> ParseRegexFlags(std::string_view flags);

// Translates an XPath regex into RE2 syntax (without the flags, which go to RE2 options).
tl::expected<std::string, std::string> TranslateXPathRegex(std::string_view pattern, const RegexFlags& flags);

// A compiled XPath regex. Compile() caches recent patterns per thread, since decision tables
// evaluate the same pattern over and over.
class XPathRegex {
 public:
  static tl::expected<std::shared_ptr<const XPathRegex>, std::string> Compile(std::string_view pattern,
                                                                               std::string_view flags);
  explicit XPathRegex(std::unique_ptr<re2::RE2> re, bool literal);
  ~XPathRegex();

  // fn:matches: true when some substring matches.
  bool Search(std::string_view input) const;
  // fn:replace. Errors when the pattern matches the empty string or the replacement is malformed.
  tl::expected<std::string, std::string> Replace(std::string_view input, std::string_view replacement) const;
  // fn:tokenize: the parts between matches. Errors when the pattern matches the empty string.
  tl::expected<std::vector<std::string>, std::string> Split(std::string_view input) const;

 private:
  std::unique_ptr<re2::RE2> re_;
  bool literal_;
};

}  // namespace zebra::feel
