// Decimal128-style arithmetic (DMN 1.5 §10.3.2.3.1): 34 significant digits, round half even.
//
// Canonical form: coefficient < 10^34 with trailing zeros stripped (zero is 0e0, never negative),
// so equal values have identical fields and Compare/Hash stay cheap. Intermediate results are
// held exactly in a 256-bit integer and rounded once.
#include "feel/decimal.h"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include <boost/multiprecision/cpp_dec_float.hpp>

namespace zebra::feel {
namespace {

constexpr int kP = Decimal::kPrecision;
// decimal128: emax = 6144; the smallest (subnormal) quantum is 10^-6176.
constexpr int64_t kEmax = 6144;
constexpr int64_t kMinExp = -6176;

// ---------------------------------------------------------------------------------------------
// 128-bit helpers

constexpr std::array<Uint128, 39> MakePow10_128() {
  std::array<Uint128, 39> t{};
  t[0] = 1;
  for (size_t i = 1; i < t.size(); ++i) t[i] = t[i - 1] * 10;
  return t;
}
constexpr std::array<Uint128, 39> kPow10 = MakePow10_128();
constexpr Uint128 kCoeffLimit = kPow10[kP];  // 10^34

int BitLength(Uint128 x) {
  const auto hi = static_cast<uint64_t>(x >> 64);
  if (hi != 0) return 128 - std::countl_zero(hi);
  return 64 - std::countl_zero(static_cast<uint64_t>(x));
}

int Digits128(Uint128 x) {
  if (x == 0) return 1;
  const int t = (BitLength(x) * 1233) >> 12;  // floor(bits * log10(2)), may be one too high
  return t - (x < kPow10[t] ? 1 : 0) + 1;
}

// ---------------------------------------------------------------------------------------------
// A minimal 256-bit unsigned integer (little-endian 64-bit limbs): enough for exact products of
// two coefficients and for aligned sums.

struct U256 {
  std::array<uint64_t, 4> w{};

  static constexpr U256 From(Uint128 x) {
    U256 r;
    r.w[0] = static_cast<uint64_t>(x);
    r.w[1] = static_cast<uint64_t>(x >> 64);
    return r;
  }
  constexpr bool FitsU128() const { return w[2] == 0 && w[3] == 0; }
  constexpr Uint128 Low128() const { return (static_cast<Uint128>(w[1]) << 64) | w[0]; }
  constexpr bool IsZero() const { return (w[0] | w[1] | w[2] | w[3]) == 0; }
};

constexpr int Cmp(const U256& a, const U256& b) {
  for (int i = 3; i >= 0; --i) {
    if (a.w[i] != b.w[i]) return a.w[i] < b.w[i] ? -1 : 1;
  }
  return 0;
}

constexpr U256 AddU(const U256& a, const U256& b) {
  U256 r;
  uint64_t carry = 0;
  for (int i = 0; i < 4; ++i) {
    const Uint128 s = static_cast<Uint128>(a.w[i]) + b.w[i] + carry;
    r.w[i] = static_cast<uint64_t>(s);
    carry = static_cast<uint64_t>(s >> 64);
  }
  return r;
}

// a - b, requires a >= b.
constexpr U256 SubU(const U256& a, const U256& b) {
  U256 r;
  uint64_t borrow = 0;
  for (int i = 0; i < 4; ++i) {
    const uint64_t d1 = a.w[i] - b.w[i];
    const uint64_t b1 = a.w[i] < b.w[i] ? 1 : 0;
    r.w[i] = d1 - borrow;
    const uint64_t b2 = d1 < borrow ? 1 : 0;
    borrow = b1 | b2;
  }
  return r;
}

// In-place multiply by a 64-bit value; the caller guarantees no overflow.
constexpr void MulSmall(U256& a, uint64_t m) {
  uint64_t carry = 0;
  for (int i = 0; i < 4; ++i) {
    const Uint128 p = static_cast<Uint128>(a.w[i]) * m + carry;
    a.w[i] = static_cast<uint64_t>(p);
    carry = static_cast<uint64_t>(p >> 64);
  }
}

constexpr uint64_t kPow10_19 = 10000000000000000000ULL;

constexpr void MulPow10(U256& a, int k) {
  while (k >= 19) {
    MulSmall(a, kPow10_19);
    k -= 19;
  }
  if (k > 0) MulSmall(a, static_cast<uint64_t>(kPow10[k]));
}

// In-place division by a non-zero 64-bit value; returns the remainder.
uint64_t DivSmall(U256& a, uint64_t d) {
  uint64_t rem = 0;
  for (int i = 3; i >= 0; --i) {
    const Uint128 cur = (static_cast<Uint128>(rem) << 64) | a.w[i];
    a.w[i] = static_cast<uint64_t>(cur / d);
    rem = static_cast<uint64_t>(cur % d);
  }
  return rem;
}

U256 Mul128(Uint128 a, Uint128 b) {
  const auto a0 = static_cast<uint64_t>(a), a1 = static_cast<uint64_t>(a >> 64);
  const auto b0 = static_cast<uint64_t>(b), b1 = static_cast<uint64_t>(b >> 64);
  U256 r = U256::From(static_cast<Uint128>(a0) * b0);
  const U256 m1 = U256::From(static_cast<Uint128>(a0) * b1);
  const U256 m2 = U256::From(static_cast<Uint128>(a1) * b0);
  U256 hi = U256::From(static_cast<Uint128>(a1) * b1);
  // Shift the cross terms up by 64 bits and the high term by 128 bits.
  U256 s1, s2;
  s1.w[1] = m1.w[0];
  s1.w[2] = m1.w[1];
  s2.w[1] = m2.w[0];
  s2.w[2] = m2.w[1];
  U256 h;
  h.w[2] = hi.w[0];
  h.w[3] = hi.w[1];
  return AddU(AddU(r, s1), AddU(s2, h));
}

// Quotient and remainder of a 256-bit value by a non-zero 128-bit divisor.
U256 DivMod(const U256& num, Uint128 den, Uint128* rem) {
  U256 q = num;
  if ((den >> 64) == 0) {
    *rem = DivSmall(q, static_cast<uint64_t>(den));
    return q;
  }
  // Binary long division; only reached for wide divisors (not a hot path).
  q = U256{};
  Uint128 r = 0;
  int top = 3;
  while (top >= 0 && num.w[top] == 0) --top;
  for (int i = top; i >= 0; --i) {
    for (int b = 63; b >= 0; --b) {
      const bool carry = (r >> 127) != 0;
      r = (r << 1) | ((num.w[i] >> b) & 1);
      if (carry || r >= den) {
        r -= den;  // wraps correctly when the shift carried out: the true value is < 2*den
        q.w[i] |= uint64_t{1} << b;
      }
    }
  }
  *rem = r;
  return q;
}

constexpr std::array<U256, 78> MakePow10_256() {
  std::array<U256, 78> t{};
  t[0].w[0] = 1;
  for (size_t i = 1; i < t.size(); ++i) {
    t[i] = t[i - 1];
    MulSmall(t[i], 10);
  }
  return t;
}
constexpr std::array<U256, 78> kPow10W = MakePow10_256();

int Digits256(const U256& x) {
  if (x.FitsU128()) return Digits128(x.Low128());
  int bits = 0;
  for (int i = 3; i >= 0; --i) {
    if (x.w[i] != 0) {
      bits = 64 * i + 64 - std::countl_zero(x.w[i]);
      break;
    }
  }
  const int t = (bits * 1233) >> 12;
  return t - (Cmp(x, kPow10W[t]) < 0 ? 1 : 0) + 1;
}

// ---------------------------------------------------------------------------------------------
// Rounding

bool RoundsUp(RoundingMode mode, bool negative, bool odd, unsigned digit, bool sticky) {
  const bool inexact = digit != 0 || sticky;
  switch (mode) {
    case RoundingMode::kHalfEven: return digit > 5 || (digit == 5 && (sticky || odd));
    case RoundingMode::kHalfUp: return digit >= 5;
    case RoundingMode::kHalfDown: return digit > 5 || (digit == 5 && sticky);
    case RoundingMode::kUp: return inexact;
    case RoundingMode::kDown: return false;
    case RoundingMode::kFloor: return negative && inexact;
    case RoundingMode::kCeiling: return !negative && inexact;
  }
  return false;
}

// Drops the k (>= 1) lowest digits of c, rounding the magnitude per `mode`. `sticky` says whether
// non-zero digits below c were already discarded. The result may equal 10^(digits(c) - k).
U256 DropDigits(U256 c, int64_t k, RoundingMode mode, bool negative, bool sticky) {
  unsigned digit = 0;
  if (k > 78) {
    sticky = sticky || !c.IsZero();
    c = U256{};
  } else {
    int64_t below = k - 1;  // digits under the rounding digit
    while (below >= 19) {
      if (DivSmall(c, kPow10_19) != 0) sticky = true;  // always divide: no short-circuit
      below -= 19;
    }
    if (below > 0 && DivSmall(c, static_cast<uint64_t>(kPow10[below])) != 0) sticky = true;
    digit = static_cast<unsigned>(DivSmall(c, 10));
  }
  if (RoundsUp(mode, negative, (c.w[0] & 1) != 0, digit, sticky)) c = AddU(c, U256::From(1));
  return c;
}

uint64_t StripZeros64(uint64_t c, int64_t* e) {
  while (c % 10 == 0) {
    c /= 10;
    ++*e;
  }
  return c;
}

Uint128 StripZeros(Uint128 c, int64_t* e) {
  if (c == 0) return 0;
  while ((c >> 64) != 0 && c % 10 == 0) {
    c /= 10;
    ++*e;
  }
  if ((c >> 64) == 0) return StripZeros64(static_cast<uint64_t>(c), e);
  return c;
}

// Rounds an exact value (-1)^neg * c * 10^e to 34 digits (or to the subnormal quantum), strips
// trailing zeros and checks the decimal128 range. `sticky` marks discarded non-zero digits below c.
std::optional<Decimal> Finish(bool negative, U256 c, int64_t e, bool sticky = false) {
  if (c.IsZero()) return Decimal();
  // Fast path: already short enough and comfortably in range.
  if (c.FitsU128() && c.Low128() < kCoeffLimit && e >= kMinExp && e <= kEmax - kP && !sticky) {
    const Uint128 q = StripZeros(c.Low128(), &e);
    return Decimal::FromParts(negative, q, static_cast<int32_t>(e));
  }
  const int d = Digits256(c);
  int64_t k = std::max<int64_t>(d - kP, 0);
  if (e + k < kMinExp) k = kMinExp - e;  // subnormal: cannot go below the smallest quantum
  if (k > 0) {
    c = DropDigits(c, k, RoundingMode::kHalfEven, negative, sticky);
    e += k;
    if (!c.FitsU128() || c.Low128() >= kCoeffLimit) {  // carried into a 35th digit
      DivSmall(c, 10);
      ++e;
    }
  }
  Uint128 q = c.Low128();
  if (q == 0) return Decimal();
  q = StripZeros(q, &e);
  if (e + Digits128(q) - 1 > kEmax) return std::nullopt;
  return Decimal::FromParts(negative, q, static_cast<int32_t>(e));
}

std::optional<Decimal> Finish128(bool negative, Uint128 c, int64_t e) { return Finish(negative, U256::From(c), e); }

// ---------------------------------------------------------------------------------------------
// Boost bridge for the transcendental functions: 60 working digits, then one rounding to 34.

using Big = boost::multiprecision::number<boost::multiprecision::cpp_dec_float<60>>;

Big ToBig(const Decimal& d) {
  // Coefficient digits then the exponent: "[-]<digits>e<exp>".
  std::string s = d.IsNegative() ? "-" : "";
  Uint128 c = d.coefficient();
  char digits[40];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + static_cast<int>(c % 10));
    c /= 10;
  } while (c != 0);
  while (n > 0) s.push_back(digits[--n]);
  s += "e" + std::to_string(d.exponent());
  return Big(s);
}

std::optional<Decimal> FromBig(const Big& b) {
  if (!boost::multiprecision::isfinite(b)) return std::nullopt;
  return Decimal::FromString(b.str(50, std::ios_base::scientific));
}

// Parity of an integral decimal (canonical form: a positive exponent means a factor of 10).
bool IsOddInteger(const Decimal& d) { return d.exponent() == 0 && (d.coefficient() & 1) != 0; }

}  // namespace

// ---------------------------------------------------------------------------------------------

Decimal Decimal::FromPartsGeneral(bool negative, Uint128 coefficient, int32_t exponent) {
  Decimal d;
  if (coefficient == 0) return d;
  int64_t e = exponent;
  if (coefficient >= kCoeffLimit) {
    // Round oversized input like any other result; out-of-range input keeps its nearest form.
    U256 c = DropDigits(U256::From(coefficient), Digits128(coefficient) - kP, RoundingMode::kHalfEven,
                        negative, false);
    e += Digits128(coefficient) - kP;
    if (!c.FitsU128() || c.Low128() >= kCoeffLimit) {
      DivSmall(c, 10);
      ++e;
    }
    coefficient = c.Low128();
  }
  coefficient = StripZeros(coefficient, &e);
  d.coefficient_ = coefficient;
  d.exponent_ = static_cast<int32_t>(std::clamp<int64_t>(e, std::numeric_limits<int32_t>::min(),
                                                         std::numeric_limits<int32_t>::max()));
  d.negative_ = negative;
  return d;
}

Decimal Decimal::FromInt(int64_t v) {
  const bool neg = v < 0;
  const uint64_t mag = neg ? uint64_t{0} - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  if (mag == 0) return Decimal();
  int64_t e = 0;
  const uint64_t c = StripZeros64(mag, &e);
  Decimal d;
  d.coefficient_ = c;
  d.exponent_ = static_cast<int32_t>(e);
  d.negative_ = neg;
  return d;
}

std::optional<Decimal> Decimal::FromString(std::string_view text) {
  size_t i = 0;
  const size_t n = text.size();
  bool negative = false;
  if (i < n && text[i] == '-') {
    negative = true;
    ++i;
  }
  // Keep up to 35 significant digits (34 + the rounding digit); later ones only set `sticky`.
  Uint128 c = 0;
  int kept = 0;
  int64_t dropped = 0;      // significant digits not kept (each scales by 10)
  int64_t frac_digits = 0;  // digits after the point that were kept or were leading zeros
  bool sticky = false;
  bool any_digit = false;
  bool seen_point = false;
  for (; i < n; ++i) {
    const char ch = text[i];
    if (ch == '.') {
      if (seen_point) return std::nullopt;
      seen_point = true;
      continue;
    }
    if (ch < '0' || ch > '9') break;
    any_digit = true;
    const int dig = ch - '0';
    if (kept == 0 && dig == 0) {
      if (seen_point) ++frac_digits;
      continue;
    }
    if (kept < kP + 1) {
      c = c * 10 + static_cast<unsigned>(dig);
      ++kept;
      if (seen_point) ++frac_digits;
    } else {
      if (dig != 0) sticky = true;
      if (!seen_point) ++dropped;
    }
  }
  if (!any_digit) return std::nullopt;
  int64_t exp10 = 0;
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < n && (text[i] == '+' || text[i] == '-')) {
      exp_negative = text[i] == '-';
      ++i;
    }
    if (i >= n) return std::nullopt;
    for (; i < n; ++i) {
      const char ch = text[i];
      if (ch < '0' || ch > '9') return std::nullopt;
      // Saturate: anything this large over/underflows anyway and must not wrap.
      if (exp10 < 1'000'000'000'000LL) exp10 = exp10 * 10 + (ch - '0');
    }
    if (exp_negative) exp10 = -exp10;
  }
  if (i != n) return std::nullopt;
  if (c == 0) return Decimal();
  return Finish(negative, U256::From(c), exp10 - frac_digits + dropped, sticky);
}

std::optional<Decimal> Decimal::FromDouble(double v) {
  if (!std::isfinite(v)) return std::nullopt;
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  if (res.ec != std::errc()) return std::nullopt;
  return FromString(std::string_view(buf, static_cast<size_t>(res.ptr - buf)));
}

namespace {
// The decimal digits of c, least significant first; returns how many (a 128-bit value has ≤ 39).
int ReversedDigits(Uint128 c, char (&digits)[40]) {
  int n = 0;
  while (c != 0) {
    digits[n++] = static_cast<char>('0' + static_cast<int>(c % 10));
    c /= 10;
  }
  return n;
}
}  // namespace

std::string Decimal::ToString() const {
  if (coefficient_ == 0) return "0";
  char digits[40];
  int n = ReversedDigits(coefficient_, digits);
  std::string out;
  const int64_t e = exponent_;
  out.reserve(static_cast<size_t>(n + (e > 0 ? e : -e) + 3));
  if (negative_) out.push_back('-');
  if (e >= 0) {
    while (n > 0) out.push_back(digits[--n]);
    out.append(static_cast<size_t>(e), '0');
  } else if (n > -e) {
    const int64_t int_digits = n + e;
    for (int64_t k = 0; k < int_digits; ++k) out.push_back(digits[--n]);
    out.push_back('.');
    while (n > 0) out.push_back(digits[--n]);
  } else {
    out += "0.";
    out.append(static_cast<size_t>(-e - n), '0');
    while (n > 0) out.push_back(digits[--n]);
  }
  return out;
}

double Decimal::ToDouble() const {
  if (coefficient_ == 0) return 0.0;
  char buf[64];
  char* p = buf;
  if (negative_) *p++ = '-';
  char digits[40];
  int n = ReversedDigits(coefficient_, digits);
  while (n > 0) *p++ = digits[--n];
  *p++ = 'e';
  p = std::to_chars(p, buf + sizeof buf, exponent_).ptr;
  double v = 0;
  const auto res = std::from_chars(buf, p, v);
  if (res.ec == std::errc::result_out_of_range) {
    // Too large or too small for a double: saturate like a float conversion would.
    const bool big = exponent_ + Digits128(coefficient_) > 0;
    v = big ? std::numeric_limits<double>::infinity() : 0.0;
    return negative_ ? -v : v;
  }
  return v;
}

std::optional<int64_t> Decimal::ToInt64() const {
  if (coefficient_ == 0) return 0;
  if (exponent_ < 0 || exponent_ > 18) return std::nullopt;
  const Uint128 limit = negative_ ? (Uint128{1} << 63) : (Uint128{1} << 63) - 1;
  if (coefficient_ > limit / kPow10[exponent_]) return std::nullopt;
  const Uint128 mag = coefficient_ * kPow10[exponent_];
  if (mag > limit) return std::nullopt;
  if (negative_) return static_cast<int64_t>(uint64_t{0} - static_cast<uint64_t>(mag));
  return static_cast<int64_t>(mag);
}

bool Decimal::IsInteger() const { return coefficient_ == 0 || exponent_ >= 0; }

Decimal Decimal::Negate() const {
  Decimal d = *this;
  if (coefficient_ != 0) d.negative_ = !negative_;
  return d;
}

Decimal Decimal::Abs() const {
  Decimal d = *this;
  d.negative_ = false;
  return d;
}

std::optional<Decimal> Decimal::Add(const Decimal& o) const {
  if (o.coefficient_ == 0) return *this;
  if (coefficient_ == 0) return o;
  // Order so that `a` has the larger exponent; shifting its coefficient left aligns both.
  const Decimal& a = exponent_ >= o.exponent_ ? *this : o;
  const Decimal& b = exponent_ >= o.exponent_ ? o : *this;
  const int64_t shift = static_cast<int64_t>(a.exponent_) - b.exponent_;
  const bool same_sign = a.negative_ == b.negative_;
  if (shift <= 4) {
    // Both terms stay below 2 * 10^38 < 2^128: plain 128-bit arithmetic.
    const Uint128 ac = a.coefficient_ * kPow10[shift];
    if (same_sign) return Finish128(a.negative_, ac + b.coefficient_, b.exponent_);
    if (ac >= b.coefficient_) return Finish128(a.negative_, ac - b.coefficient_, b.exponent_);
    return Finish128(b.negative_, b.coefficient_ - ac, b.exponent_);
  }
  const int da = Digits128(a.coefficient_);
  U256 ac = U256::From(a.coefficient_);
  U256 bc = U256::From(b.coefficient_);
  int64_t e = b.exponent_;
  if (shift + da > 75) {
    // b is below a millionth of the result's last digit: any tiny non-zero stand-in rounds the same
    // way, and keeps the aligned value within 256 bits.
    const int64_t s = 75 - da;
    MulPow10(ac, static_cast<int>(s));
    bc = U256::From(1);
    e = a.exponent_ - s;
  } else {
    MulPow10(ac, static_cast<int>(shift));
  }
  if (same_sign) return Finish(a.negative_, AddU(ac, bc), e);
  const int c = Cmp(ac, bc);
  if (c == 0) return Decimal();
  if (c > 0) return Finish(a.negative_, SubU(ac, bc), e);
  return Finish(b.negative_, SubU(bc, ac), e);
}

std::optional<Decimal> Decimal::Sub(const Decimal& o) const { return Add(o.Negate()); }

std::optional<Decimal> Decimal::Mul(const Decimal& o) const {
  if (coefficient_ == 0 || o.coefficient_ == 0) return Decimal();
  const bool neg = negative_ != o.negative_;
  const int64_t e = static_cast<int64_t>(exponent_) + o.exponent_;
  if ((coefficient_ >> 64) == 0 && (o.coefficient_ >> 64) == 0) {
    return Finish(neg, U256::From(static_cast<Uint128>(static_cast<uint64_t>(coefficient_)) *
                                  static_cast<uint64_t>(o.coefficient_)),
                  e);
  }
  return Finish(neg, Mul128(coefficient_, o.coefficient_), e);
}

std::optional<Decimal> Decimal::Div(const Decimal& o) const {
  if (o.coefficient_ == 0) return std::nullopt;
  if (coefficient_ == 0) return Decimal();
  const bool neg = negative_ != o.negative_;
  // Scale the dividend so the integer quotient has at least 35 digits: 34 plus a rounding digit,
  // with the remainder as sticky information. Numerator stays under 10^69.
  const int da = Digits128(coefficient_);
  const int db = Digits128(o.coefficient_);
  const int s = kP + 1 + db - da;
  U256 num = U256::From(coefficient_);
  MulPow10(num, s);
  Uint128 rem = 0;
  const U256 q = DivMod(num, o.coefficient_, &rem);
  return Finish(neg, q, static_cast<int64_t>(exponent_) - o.exponent_ - s, rem != 0);
}

namespace {

// (a * b) mod m for a, b < m.
Uint128 MulMod(Uint128 a, Uint128 b, Uint128 m) {
  Uint128 r = 0;
  DivMod(Mul128(a, b), m, &r);
  return r;
}

// 10^k mod m by repeated squaring (k may be in the thousands).
Uint128 Pow10Mod(int64_t k, Uint128 m) {
  Uint128 result = 1 % m;
  Uint128 base = 10 % m;
  while (k > 0) {
    if (k & 1) result = MulMod(result, base, m);
    base = MulMod(base, base, m);
    k >>= 1;
  }
  return result;
}

}  // namespace

std::optional<Decimal> Decimal::Mod(const Decimal& o) const {
  if (o.coefficient_ == 0) return std::nullopt;
  if (coefficient_ == 0) return Decimal();
  // Truncated remainder first (sign of the dividend), computed exactly on aligned coefficients:
  // with e = min(ea, eb), |a| = A * 10^e and |b| = B * 10^e.
  Decimal r;
  if (exponent_ >= o.exponent_) {
    const int64_t shift = static_cast<int64_t>(exponent_) - o.exponent_;
    const Uint128 m = o.coefficient_;
    const Uint128 rem = MulMod(coefficient_ % m, Pow10Mod(shift, m), m);
    r = FromParts(negative_, rem, o.exponent_);
  } else {
    const int64_t shift = static_cast<int64_t>(o.exponent_) - exponent_;
    if (shift >= kP) {
      r = *this;  // |b| >= 10^shift * 10^ea > |a|
    } else {
      U256 b = U256::From(o.coefficient_);
      MulPow10(b, static_cast<int>(shift));
      const U256 a = U256::From(coefficient_);
      if (Cmp(a, b) < 0) {
        r = *this;
      } else {
        // b < a < 10^34 here, so b fits in 128 bits.
        r = FromParts(negative_, coefficient_ % b.Low128(), exponent_);
      }
    }
  }
  if (r.coefficient_ != 0 && r.negative_ != o.negative_) return r.Add(o);
  return r;
}

std::optional<Decimal> Decimal::Pow(const Decimal& exponent) const {
  const Decimal one = FromInt(1);
  if (exponent.IsZero()) return one;
  if (exponent.IsInteger()) {
    const auto n = exponent.ToInt64();
    if (!n) {
      // |n| >= 2^63: only |base| in {0, 1} gives a representable non-trivial answer.
      const int mag = Abs().Compare(one) < 0 ? -1 : (Abs() == one ? 0 : 1);
      if (coefficient_ == 0) return exponent.IsNegative() ? std::nullopt : std::optional<Decimal>(Decimal());
      if (mag == 0) return IsNegative() && IsOddInteger(exponent) ? one.Negate() : one;
      const bool grows = (mag > 0) != exponent.IsNegative();
      if (grows) return std::nullopt;
      return Decimal();
    }
    if (coefficient_ == 0) return *n < 0 ? std::nullopt : std::optional<Decimal>(Decimal());
    uint64_t m = *n < 0 ? uint64_t{0} - static_cast<uint64_t>(*n) : static_cast<uint64_t>(*n);
    // Repeated squaring in 34 digits finds overflow/underflow and stays exact for the common
    // small cases; if any step had to round, redo it with 60 digits so the answer is rounded once.
    Decimal result = one;
    Decimal base = *this;
    bool overflow = false;
    bool exact = true;
    auto step = [&](const Decimal& x, const Decimal& y, Decimal* out) {
      if (Digits128(x.coefficient_) + Digits128(y.coefficient_) > kP + 1) {
        exact = false;  // cheap pre-check; the product may still fit
      }
      auto r = x.Mul(y);
      if (!r) return false;
      if (exact && Digits256(Mul128(x.coefficient_, y.coefficient_)) > kP) exact = false;
      *out = *r;
      return true;
    };
    while (m != 0) {
      if ((m & 1) && !step(result, base, &result)) {
        overflow = true;
        break;
      }
      m >>= 1;
      if (m != 0 && !step(base, base, &base)) {
        overflow = true;
        break;
      }
    }
    if (overflow) {
      if (*n > 0) return std::nullopt;
      return Decimal();  // 1 / huge underflows to zero
    }
    if (result.IsZero()) {
      if (*n > 0) return Decimal();
      return std::nullopt;  // 1 / tiny overflows
    }
    if (exact) {
      if (*n > 0) return result;
      return one.Div(result);
    }
    try {
      Big acc = 1;
      Big b = ToBig(*this);
      for (uint64_t k = *n < 0 ? uint64_t{0} - static_cast<uint64_t>(*n) : static_cast<uint64_t>(*n); k != 0;
           k >>= 1) {
        if (k & 1) acc *= b;
        if (k > 1) b *= b;
      }
      if (*n < 0) acc = 1 / acc;
      return FromBig(acc);
    } catch (...) {
      return std::nullopt;
    }
  }
  // Non-integer exponent: real result only for a positive base.
  if (coefficient_ == 0) return exponent.IsNegative() ? std::nullopt : std::optional<Decimal>(Decimal());
  if (IsNegative()) return std::nullopt;
  try {
    const Big t = ToBig(exponent) * boost::multiprecision::log(ToBig(*this));
    if (t > 14200) return std::nullopt;
    if (t < -14300) return Decimal();
    return FromBig(boost::multiprecision::exp(t));
  } catch (...) {
    return std::nullopt;
  }
}

Decimal Decimal::Round(int32_t scale, RoundingMode mode) const {
  if (coefficient_ == 0) return *this;
  const int64_t target = -static_cast<int64_t>(scale);  // exponent of the last kept digit
  if (exponent_ >= target) return *this;
  const int64_t k = target - exponent_;
  const U256 c = DropDigits(U256::From(coefficient_), k, mode, negative_, false);
  const Uint128 q = c.Low128();  // at most 10^(digits - k) < 10^34
  if (q == 0) return Decimal();
  int64_t e = target;
  const Uint128 stripped = StripZeros(q, &e);
  if (e + Digits128(stripped) - 1 > kEmax) return *this;  // rounding up past decimal128: keep input
  return FromParts(negative_, stripped, static_cast<int32_t>(e));
}

std::optional<Decimal> Decimal::Sqrt() const {
  if (IsNegative()) return std::nullopt;
  if (coefficient_ == 0) return Decimal();
  try {
    return FromBig(boost::multiprecision::sqrt(ToBig(*this)));
  } catch (...) {
    return std::nullopt;
  }
}

std::optional<Decimal> Decimal::Exp() const {
  if (coefficient_ == 0) return FromInt(1);
  // e^14150 already exceeds 10^6144; e^-14300 is below the smallest subnormal 10^-6176.
  if (*this > FromInt(14200)) return std::nullopt;
  if (*this < FromInt(-14300)) return Decimal();
  try {
    return FromBig(boost::multiprecision::exp(ToBig(*this)));
  } catch (...) {
    return std::nullopt;
  }
}

std::optional<Decimal> Decimal::Ln() const {
  if (coefficient_ == 0 || negative_) return std::nullopt;
  try {
    return FromBig(boost::multiprecision::log(ToBig(*this)));
  } catch (...) {
    return std::nullopt;
  }
}

std::strong_ordering Decimal::CompareGeneral(const Decimal& o) const {
  const bool a_zero = coefficient_ == 0, b_zero = o.coefficient_ == 0;
  if (a_zero || b_zero) {
    if (a_zero && b_zero) return std::strong_ordering::equal;
    if (a_zero) return o.negative_ ? std::strong_ordering::greater : std::strong_ordering::less;
    return negative_ ? std::strong_ordering::less : std::strong_ordering::greater;
  }
  if (negative_ != o.negative_) return negative_ ? std::strong_ordering::less : std::strong_ordering::greater;
  // Same sign: compare magnitudes, then flip for negatives.
  std::strong_ordering mag = std::strong_ordering::equal;
  if (exponent_ == o.exponent_) {
    mag = coefficient_ <=> o.coefficient_;
  } else {
    const int da = Digits128(coefficient_), db = Digits128(o.coefficient_);
    const int64_t adj_a = static_cast<int64_t>(exponent_) + da, adj_b = static_cast<int64_t>(o.exponent_) + db;
    if (adj_a != adj_b) {
      mag = adj_a <=> adj_b;
    } else {
      // Same magnitude order: pad the shorter coefficient (both stay below 10^34).
      Uint128 ca = coefficient_, cb = o.coefficient_;
      if (da < db) ca *= kPow10[db - da];
      else cb *= kPow10[da - db];
      mag = ca <=> cb;
    }
  }
  if (negative_) return 0 <=> mag;
  return mag;
}

size_t Decimal::Hash() const {
  // Canonical form makes the fields themselves a valid key; mix them splitmix-style.
  uint64_t h = static_cast<uint64_t>(coefficient_) * 0x9E3779B97F4A7C15ULL;
  h += static_cast<uint64_t>(coefficient_ >> 64) * 0xC2B2AE3D27D4EB4FULL;
  h += static_cast<uint64_t>(static_cast<uint32_t>(exponent_)) * 0x165667B19E3779F9ULL;
  h += IsNegative() ? 0x27D4EB2F165667C5ULL : 0;
  h ^= h >> 30;
  h *= 0xBF58476D1CE4E5B9ULL;
  h ^= h >> 27;
  h *= 0x94D049BB133111EBULL;
  h ^= h >> 31;
  return static_cast<size_t>(h);
}

}  // namespace zebra::feel
