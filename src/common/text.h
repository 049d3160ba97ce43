// Small text checks shared by the modules, in place of regular expressions for fixed formats.
#pragma once

#include <initializer_list>
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

// Text for HTML element content and attribute values: & < > " ' as character references.
std::string EscapeHtml(std::string_view text);

}  // namespace zebra::common
