#pragma once
// erfcx(x) = exp(x^2) erfc(x), which C++ lacks, and the normal-tail functions built on it
// (MATH.md C.3 "stable numerics").
//
// Method: for x in [0, 25], exp(x^2) * erfc(x) with x^2 split exactly into h + l (fma), so that
// exp(x^2) = exp(h)(1 + l) carries no error from rounding x^2 (a plain exp(x*x) loses
// x^2 * 2^-53 relative, 3e-14 at x = 12); glibc's erfc and exp are accurate to a few ulp, and
// erfc(25) ~ 8e-274 is still a normal number. For x > 25 the asymptotic series
// erfcx(x) = 1/(x sqrt(pi)) sum_k (-1)^k (2k-1)!! / (2x^2)^k, 12 terms (the 12th is < 1e-22
// relative at x = 25). For x < 0, erfcx(x) = 2 exp(x^2) - erfcx(-x), with no cancellation
// (erfcx(-x) <= 1 <= exp(x^2)); it overflows to +inf below x ~ -26.6, as it must.
// Checked against long-double quadrature in tests/plugins/elastic_net_test.cpp (<= 1e-14 rel.).

#include <cmath>
#include <limits>
#include <numbers>

namespace sgmtk::numerics {

inline double erfcx(double x) {
  if (std::isnan(x)) return x;
  if (x < 0.0) {
    if (x < -26.7) return std::numeric_limits<double>::infinity();
    const double h = x * x;
    const double l = std::fma(x, x, -h);
    return 2.0 * std::exp(h) * (1.0 + l) - erfcx(-x);
  }
  if (x <= 25.0) {
    const double h = x * x;
    const double l = std::fma(x, x, -h);
    return std::exp(h) * (1.0 + l) * std::erfc(x);
  }
  if (x > 1e8) return 1.0 / (x * std::sqrt(std::numbers::pi));  // series = 1 to double precision
  const double u = 1.0 / (2.0 * x * x);
  double term = 1.0;
  double sum = 1.0;
  for (int k = 1; k <= 12; ++k) {
    term *= -(2.0 * k - 1.0) * u;
    sum += term;
  }
  return sum / (x * std::sqrt(std::numbers::pi));
}

/// log erfcx(x) for every x (no overflow for x << 0: there it is x^2 + log erfc(x)).
inline double log_erfcx(double x) {
  if (x >= 0.0) return std::log(erfcx(x));
  return x * x + std::log(std::erfc(x));
}

/// log Phi(z), accurate in both tails.
inline double log_normal_cdf(double z) {
  if (z >= 0.0) return std::log1p(-0.5 * std::erfc(z / std::numbers::sqrt2));
  return std::log(0.5 * erfcx(-z / std::numbers::sqrt2)) - 0.5 * z * z;
}

/// log Phi(z) + z^2/2 = log(erfcx(-z/sqrt 2)/2): the log weight of a truncated Gaussian piece.
inline double log_normal_cdf_scaled(double z) {
  return log_erfcx(-z / std::numbers::sqrt2) - std::numbers::ln2;
}

/// Inverse Mills ratio phi(z)/Phi(z) = sqrt(2/pi)/erfcx(-z/sqrt 2) (0 for z > ~37).
inline double inverse_mills(double z) {
  return std::sqrt(2.0 / std::numbers::pi) / erfcx(-z / std::numbers::sqrt2);
}

}  // namespace sgmtk::numerics
