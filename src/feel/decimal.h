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

  std::strong_ordering Compare(const Decimal& o) const;
  friend bool operator==(const Decimal& a, const Decimal& b) { return a.Compare(b) == 0; }
  friend std::strong_ordering operator<=>(const Decimal& a, const Decimal& b) { return a.Compare(b); }

  // Equal values (1 and 1.00) hash equally.
  size_t Hash() const;

  // Raw access for the implementation and tests: value = (-1)^negative * coefficient * 10^exponent.
  Uint128 coefficient() const { return coefficient_; }
  int32_t exponent() const { return exponent_; }
  bool negative() const { return negative_; }
  static Decimal FromParts(bool negative, Uint128 coefficient, int32_t exponent);

 private:
  Uint128 coefficient_ = 0;  // < 10^34 after rounding
  int32_t exponent_ = 0;
  bool negative_ = false;
};

}  // namespace zebra::feel
