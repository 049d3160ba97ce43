#include "common/text.h"

#include <initializer_list>

namespace zebra::common {

bool HasShape(std::string_view text, std::string_view shape) {
  if (text.size() != shape.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (shape[i] == '9' ? (text[i] < '0' || text[i] > '9') : text[i] != shape[i]) return false;
  }
  return true;
}

bool HasShapeWithTail(std::string_view text, std::string_view shape, std::initializer_list<std::string_view> tails) {
  if (text.size() < shape.size() || !HasShape(text.substr(0, shape.size()), shape)) return false;
  for (std::string_view tail : tails)
    if (HasShape(text.substr(shape.size()), tail)) return true;
  return false;
}

bool IsLowerHex(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string EscapeHtml(std::string_view text) {
  static constexpr Escape kHtml[] = {{'&', "&amp;"}, {'<', "&lt;"}, {'>', "&gt;"}, {'"', "&quot;"}, {'\'', "&#39;"}};
  std::string out;
  out.reserve(text.size());
  AppendEscaped(out, text, kHtml);
  return out;
}

}  // namespace zebra::common
