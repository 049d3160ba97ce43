// Small text checks shared by the modules, in place of regular expressions for fixed formats.
#pragma once

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

namespace zebra::common {

// Whether `text` has the form `shape`, character by character: '9' stands for an ASCII digit,
// any other character for itself. HasShape("2026-01-31", "9999-99-99") is true.
bool HasShape(std::string_view text, std::string_view shape);

// Whether `text` is `shape` followed by exactly what one of `tails` shapes (an empty tail: nothing).
bool HasShapeWithTail(std::string_view text, std::string_view shape, std::initializer_list<std::string_view> tails);

// Whether `text` is one or more lowercase hexadecimal digits (0-9, a-f), as ids and hashes are.
bool IsLowerHex(std::string_view text);

// A character and what stands for it in an escaped text: '&' and "&amp;" in HTML, '\n' and
// "\\n" in a FEEL string.
struct Escape {
  char plain;
  std::string_view escaped;
};

// `text` appended to `out` with each character that `table` names replaced by its escaped form;
// `other(out, c)` writes every other character (default: as it is). Inline so that modules that
// do not link zebra_common (feel) can use it.
inline void AppendEscaped(std::string& out, std::string_view text, std::span<const Escape> table,
                          void (*other)(std::string&, char) = nullptr) {
  for (char c : text) {
    const Escape* hit = nullptr;
    for (const Escape& e : table)
      if (e.plain == c) hit = &e;
    if (hit) {
      out += hit->escaped;
    } else if (other) {
      other(out, c);
    } else {
      out += c;
    }
  }
}

// Text for HTML element content and attribute values: & < > " ' as character references.
std::string EscapeHtml(std::string_view text);

}  // namespace zebra::common
