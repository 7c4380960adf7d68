#include "phi_functions.hpp"

#include <array>
#include <cmath>

namespace sgmtk::ll {
namespace {

// Coefficients (2^m (m - 2) + 2)/(m + 2)! of z^m, m = 2..27 (the tail at |z| < 1 is < 1e-22).
constexpr int series_terms = 26;
constexpr std::array<double, series_terms> residual_series() {
  std::array<double, series_terms> c{};
  double two_m = 4.0;        // 2^m
  double factorial = 24.0;   // (m + 2)!
  for (int i = 0; i < series_terms; ++i) {
    const int m = i + 2;
    c[static_cast<unsigned>(i)] = (two_m * (m - 2) + 2.0) / factorial;
    two_m *= 2.0;
    factorial *= (m + 3);
  }
  return c;
}
constexpr auto residual_coefficients = residual_series();

}  // namespace

double phi1(double z) {
  // expm1 has full relative accuracy, so the quotient is exact to rounding for any z != 0.
  return z == 0.0 ? 1.0 : std::expm1(z) / z;
}

double phi1_residual(double z) {
  if (std::abs(z) >= 1.0) {
    // At |z| = 1 the two terms differ by a factor ~1.1 (>= 0.24 absolute): at most ~1 digit lost.
    const double p = phi1(z);
    return std::fmax(0.0, phi1(2.0 * z) - p * p);
  }
  double sum = 0.0;
  for (int i = series_terms - 1; i >= 0; --i) sum = sum * z + residual_coefficients[static_cast<unsigned>(i)];
  return sum * z * z;
}

}  // namespace sgmtk::ll
