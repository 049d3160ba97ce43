// Decimal numbers with the semantics FEEL asks for (DMN 1.5 §10.3.2.3.1: IEEE 754-2008
// decimal128, 34 significant digits, round half even). Small and trivially copyable so that
// a Value holding a number never allocates; transcendental functions go through Boost.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zebra::feel {

__extension__ using Uint128 = unsigned __int128;

enum class RoundingMode : uint8_t { kHalfEven, kHalfUp, kHalfDown, kUp, kDown, kFloor, kCeiling };

class Decimal {
 public:
  static constexpr int kPrecision = 34;

  constexpr Decimal() = default;  // zero

  static Decimal FromInt(int64_t v);
  // Parses a FEEL/JSON number literal ("12", "-0.5", ".5", "1e3", "1.2E-7"); rounds to 34 digits.
  static std::optional<Decimal> FromString(std::string_view text);
  // The shortest decimal that round-trips the double (17 significant digits at most).
  static std::optional<Decimal> FromDouble(double v);

  // Plain notation, no exponent, no trailing fractional zeros: "1", "-0.25", "1000000".
  std::string ToString() const;
  double ToDouble() const;
  // Exact conversion when the value is an integer that fits.
  std::optional<int64_t> ToInt64() const;
  bool IsInteger() const;
  bool IsZero() const { return coefficient_ == 0; }
  bool IsNegative() const { return negative_ && coefficient_ != 0; }

  // nullopt on overflow of the decimal128 exponent range or division by zero.
  std::optional<Decimal> Add(const Decimal& o) const;
  std::optional<Decimal> Sub(const Decimal& o) const;
  std::optional<Decimal> Mul(const Decimal& o) const;
  std::optional<Decimal> Div(const Decimal& o) const;
  // FEEL modulo: result has the sign of the divisor (DMN 1.5 §10.3.4.4, modulo()).
  std::optional<Decimal> Mod(const Decimal& o) const;
  // Integer exponent exactly (rounded to 34 digits); non-integer exponent through Exp/Ln.
  std::optional<Decimal> Pow(const Decimal& exponent) const;
  Decimal Negate() const;
  Decimal Abs() const;

  // Rounds to `scale` digits after the point (negative scale rounds to tens, hundreds...).
  Decimal Round(int32_t scale, RoundingMode mode) const;

  std::optional<Decimal> Sqrt() const;  // nullopt for negative
  std::optional<Decimal> Exp() const;
  std::optional<Decimal> Ln() const;    // nullopt for <= 0

  // Inline 64-bit path when both coefficients are below 2^64 (every number read from a short
  // literal); CompareGeneral otherwise.
  std::strong_ordering Compare(const Decimal& o) const;
  // The general comparison, exact for every coefficient; tests hold Compare against it.
  std::strong_ordering CompareGeneral(const Decimal& o) const;
  friend bool operator==(const Decimal& a, const Decimal& b) { return a.Compare(b) == 0; }
  friend std::strong_ordering operator<=>(const Decimal& a, const Decimal& b) { return a.Compare(b); }

  // Equal values (1 and 1.00) hash equally.
  size_t Hash() const;

  // Raw access for the implementation and tests: value = (-1)^negative * coefficient * 10^exponent.
  Uint128 coefficient() const { return coefficient_; }
  int32_t exponent() const { return exponent_; }
  bool negative() const { return negative_; }
  // Inline 64-bit path for coefficients below 2^64; FromPartsGeneral otherwise.
  static Decimal FromParts(bool negative, Uint128 coefficient, int32_t exponent);
  // The general construction (rounds coefficients of 10^34 and more); tests hold FromParts to it.
  static Decimal FromPartsGeneral(bool negative, Uint128 coefficient, int32_t exponent);

 private:
  Uint128 coefficient_ = 0;  // < 10^34 after rounding
  int32_t exponent_ = 0;
  bool negative_ = false;
};

inline Decimal Decimal::FromParts(bool negative, Uint128 coefficient, int32_t exponent) {
  if ((coefficient >> 64) != 0) return FromPartsGeneral(negative, coefficient, exponent);
  auto c = static_cast<uint64_t>(coefficient);
  Decimal d;
  if (c == 0) return d;
  // Below 2^64 < 10^34: no rounding, only the trailing zeros to strip (at most 19, so the
  // exponent can only pass the int32 maximum, where the general path clamps it).
  int64_t e = exponent;
  while (c % 10 == 0) {
    c /= 10;
    ++e;
  }
  d.coefficient_ = c;
  d.exponent_ = e > INT32_MAX ? INT32_MAX : static_cast<int32_t>(e);
  d.negative_ = negative;
  return d;
}

inline std::strong_ordering Decimal::Compare(const Decimal& o) const {
  if (((coefficient_ | o.coefficient_) >> 64) != 0) return CompareGeneral(o);
  const auto ca = static_cast<uint64_t>(coefficient_), cb = static_cast<uint64_t>(o.coefficient_);
  if (ca == 0 || cb == 0) {
    if (ca == cb) return std::strong_ordering::equal;
    if (ca == 0) return o.negative_ ? std::strong_ordering::greater : std::strong_ordering::less;
    return negative_ ? std::strong_ordering::less : std::strong_ordering::greater;
  }
  if (negative_ != o.negative_) return negative_ ? std::strong_ordering::less : std::strong_ordering::greater;
  // Same sign, both non-zero: align the coefficient with the larger exponent down to the other.
  // A shift of 20 or more outweighs any coefficient below 2^64 < 10^20; below that the shifted
  // coefficient fits in 128 bits (one 64×64 multiply).
  static constexpr uint64_t kPow10_64[20] = {1ULL,
                                             10ULL,
                                             100ULL,
                                             1000ULL,
                                             10000ULL,
                                             100000ULL,
                                             1000000ULL,
                                             10000000ULL,
                                             100000000ULL,
                                             1000000000ULL,
                                             10000000000ULL,
                                             100000000000ULL,
                                             1000000000000ULL,
                                             10000000000000ULL,
                                             100000000000000ULL,
                                             1000000000000000ULL,
                                             10000000000000000ULL,
                                             100000000000000000ULL,
                                             1000000000000000000ULL,
                                             10000000000000000000ULL};
  std::strong_ordering mag = std::strong_ordering::equal;
  const int64_t k = static_cast<int64_t>(o.exponent_) - exponent_;
  if (k == 0) {
    mag = ca <=> cb;
  } else if (k > 0) {
    mag = k >= 20 ? std::strong_ordering::less : Uint128{ca} <=> Uint128{cb} * kPow10_64[k];
  } else {
    mag = k <= -20 ? std::strong_ordering::greater : Uint128{ca} * kPow10_64[-k] <=> Uint128{cb};
  }
  if (negative_) return 0 <=> mag;
  return mag;
}

}  // namespace zebra::feel
