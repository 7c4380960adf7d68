#pragma once
// p_t of a 1-D law pi ∝ exp(-U) by quadrature over the posterior of X_0 given X_t = y
// (MATH.md C.0 recommendation, derived there): composite Gauss-Legendre over the region where
// ell(x) = -U(x) - (y - m x)^2/(2 s2) is within 46 of its maximum (e^-46 ~ 1e-20), panels no
// wider than the narrowest posterior mode's standard deviation (nor 1/32 of the region), a panel
// edge at the kink x = 0,
// and weights exp(ell - max ell) (log-sum-exp). Then either
//   Tweedie:    score = (m E[X|y] - y)/s2,  second = -1/s2 + m^2 Var(X|y)/s2^2, or
//   prior side: score = -E[U'(X)|y]/m,       second = (-E[U''(X)|y] + Var(U'(X)|y))/m^2
// (the latter for smooth U and small t, where Tweedie cancels). Moments are accumulated about
// the highest mode so that variances do not cancel either.
//
// The caller supplies the local maxima of ell (the potential knows them in closed form); ell
// must decrease monotonically beyond the outermost one.

#include "elastic_net_1d.hpp"  // CoordinateValues

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

namespace sgmtk::numerics {

/// n-point Gauss-Legendre rule on [-1, 1] (Newton on P_n from Chebyshev guesses).
struct GaussLegendre {
  std::vector<double> x, w;
  explicit GaussLegendre(int n) : x(static_cast<std::size_t>(n)), w(static_cast<std::size_t>(n)) {
    for (int i = 0; i < n; ++i) {
      double z = std::cos(std::numbers::pi * (i + 0.75) / (n + 0.5));
      double dp = 0.0;
      for (int it = 0; it < 100; ++it) {
        double p0 = 1.0, p1 = z;
        for (int k = 2; k <= n; ++k) {
          const double p2 = ((2.0 * k - 1.0) * z * p1 - (k - 1.0) * p0) / k;
          p0 = p1;
          p1 = p2;
        }
        dp = n * (z * p1 - p0) / (z * z - 1.0);
        const double dz = p1 / dp;
        z -= dz;
        if (std::abs(dz) < 1e-16) break;
      }
      x[static_cast<std::size_t>(i)] = -z;
      w[static_cast<std::size_t>(i)] = 2.0 / ((1.0 - z * z) * dp * dp);
    }
  }
};

/// `Potential` provides value(x), grad(x), hess(x) (grad and hess only used with prior_side, and
/// hess at the maxima for the panel width). Returns the score, the second derivative and, in
/// log_p, log int exp(ell) dx (the caller adds -log(2 pi s2)/2 - log Z).
template <class Potential>
CoordinateValues posterior_quadrature(const Potential& U, const GaussLegendre& rule, double m, double s2,
                                      double y, const double* maxima, int count, bool prior_side) {
  auto ell = [&](double x) {
    const double r = y - m * x;
    return -U.value(x) - r * r / (2.0 * s2);
  };
  const double kappa = m * m / s2;
  double top = -std::numeric_limits<double>::infinity();
  double mode = maxima[0];
  double width = std::numeric_limits<double>::infinity();
  double lo = maxima[0], hi = maxima[0];
  for (int i = 0; i < count; ++i) {
    const double xi = maxima[i];
    const double li = ell(xi);
    if (li > top) {
      top = li;
      mode = xi;
    }
    const double curv = U.hess(xi) + kappa;  // -ell''(x), > 0 at a maximum
    width = std::min(width, curv > 0.0 ? 1.0 / std::sqrt(curv) : 0.1);
    lo = std::min(lo, xi);
    hi = std::max(hi, xi);
  }
  // The curvature at a mode can badly overstate the width (a flat-topped quartic well near the
  // bimodal transition has -ell'' ~ 0 there), so the search starts from at most 1 and the panel
  // width is also capped at 1/32 of the region finally found.
  const double floor_level = top - 46.0;
  const double step0 = std::min(width, 1.0);
  double step = step0;
  while (ell(lo - step) > floor_level) step *= 2.0;
  const double left = lo - step;
  step = step0;
  while (ell(hi + step) > floor_level) step *= 2.0;
  const double right = hi + step;
  width = std::min(width, (right - left) / 32.0);

  const double g0 = prior_side ? U.grad(mode) : 0.0;
  double s0 = 0.0, s1 = 0.0, s2sum = 0.0, hsum = 0.0;
  auto integrate = [&](double a, double b) {
    if (!(b > a)) return;
    const int panels = std::clamp(int(std::ceil((b - a) / width)), 1, 4000);
    const double h = (b - a) / panels;
    for (int p = 0; p < panels; ++p) {
      const double mid = a + (p + 0.5) * h;
      for (std::size_t k = 0; k < rule.x.size(); ++k) {
        const double x = mid + 0.5 * h * rule.x[k];
        const double wgt = 0.5 * h * rule.w[k] * std::exp(ell(x) - top);
        s0 += wgt;
        const double dev = prior_side ? U.grad(x) - g0 : x - mode;
        s1 += wgt * dev;
        s2sum += wgt * dev * dev;
        if (prior_side) hsum += wgt * U.hess(x);
      }
    }
  };
  if (left < 0.0 && right > 0.0) {
    integrate(left, 0.0);
    integrate(0.0, right);
  } else {
    integrate(left, right);
  }
  const double mean_dev = s1 / s0;
  const double var = std::max(0.0, s2sum / s0 - mean_dev * mean_dev);
  CoordinateValues v;
  v.log_p = top + std::log(s0);
  if (prior_side) {
    v.score = -(g0 + mean_dev) / m;
    v.second = (-hsum / s0 + var) / (m * m);
  } else {
    v.score = ((m * mode - y) + m * mean_dev) / s2;
    v.second = -1.0 / s2 + m * m * var / (s2 * s2);
  }
  return v;
}

}  // namespace sgmtk::numerics
