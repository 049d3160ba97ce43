// Internal: an index by a name plus or minus an integer literal (`sorted[i + 1]`), read like an
// index by a name (FilterNode::index_slot) instead of the filter's item loop.
#pragma once

#include <cstdint>
#include <optional>

#include "feel/decimal.h"

namespace zebra::feel::internal {

// The literal offsets accepted: small enough that name + k cannot overflow below.
inline constexpr int64_t kMaxIndexOffset = int64_t{1} << 31;

// The position `name + k` gives (the loop's IndexPosition of the sum) when `d`, the name's
// number, is an integer of exponent 0 below 2^62 (what loops and integer arithmetic make): the
// sum is then that integer plus k exactly. nullopt for any other number (a fraction truncated
// after adding, a large one): the filter's general loop evaluates the sum then.
inline std::optional<int64_t> OffsetIndexPosition(const Decimal& d, int64_t k) {
  if (d.exponent() != 0 || d.coefficient() >= (Uint128{1} << 62)) return std::nullopt;
  const auto c = static_cast<int64_t>(d.coefficient());
  return (d.IsNegative() ? -c : c) + k;
}

}  // namespace zebra::feel::internal
