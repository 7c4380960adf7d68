#pragma once
// The 1-D double well U(x) = x^4/4 - x^2/2 (MATH.md C.5) and the exact p_t by quadrature:
// the posterior log-density ell(x) = -U(x) - (y - m x)^2/(2 s2) has ell'(x) = 0 iff
// x^3 + (kappa - 1) x - m y/s2 = 0 (kappa = m^2/s2), a depressed cubic whose real roots with
// ell'' < 0 are the posterior modes handed to the quadrature.

#include "../shared_numerics/posterior_quadrature.hpp"

#include <cmath>
#include <numbers>

namespace sgmtk::double_well {

struct DoubleWellPotential {
  double value(double x) const { return 0.25 * x * x * x * x - 0.5 * x * x; }
  double grad(double x) const { return x * x * x - x; }
  double hess(double x) const { return 3.0 * x * x - 1.0; }
};

/// Local maxima of ell; returns their count (1 or 2).
inline int posterior_modes(double m, double s2, double y, double* out) {
  const double p = m * m / s2 - 1.0;
  const double q = -m * y / s2;
  double roots[3];
  int n = 0;
  const double disc = q * q / 4.0 + p * p * p / 27.0;
  if (p < 0.0 && disc < 0.0) {
    const double r = 2.0 * std::sqrt(-p / 3.0);
    const double phi = std::acos(std::clamp(1.5 * q / p * std::sqrt(-3.0 / p), -1.0, 1.0)) / 3.0;
    for (int k = 0; k < 3; ++k) roots[n++] = r * std::cos(phi - 2.0 * std::numbers::pi * k / 3.0);
  } else {
    const double sq = std::sqrt(std::max(disc, 0.0));
    double x = std::cbrt(-q / 2.0 + sq) + std::cbrt(-q / 2.0 - sq);
    for (int it = 0; it < 4; ++it) {  // Cardano cancels when p >> 1: polish by Newton
      const double d = 3.0 * x * x + p;
      if (d > 0.0) x -= (x * x * x + p * x + q) / d;
    }
    roots[n++] = x;
  }
  int count = 0;
  for (int i = 0; i < n; ++i)
    if (3.0 * roots[i] * roots[i] + p > 0.0) out[count++] = roots[i];  // -ell'' > 0
  if (count == 0) out[count++] = roots[0];
  return count;
}

/// Score, second derivative and log p_t(y) (with the normalizer log_z of pi) by quadrature:
/// prior side while sigma_t/m_t < 0.3 (MATH.md C.0), Tweedie beyond.
inline numerics::CoordinateValues exact_values(const numerics::GaussLegendre& rule, double log_z, double m,
                                                double s2, double y) {
  double modes[3];
  const int count = posterior_modes(m, s2, y, modes);
  numerics::CoordinateValues v =
      numerics::posterior_quadrature(DoubleWellPotential{}, rule, m, s2, y, modes, count, s2 < 0.09 * m * m);
  v.log_p += -0.5 * std::log(2.0 * std::numbers::pi * s2) - log_z;
  return v;
}

}  // namespace sgmtk::double_well
