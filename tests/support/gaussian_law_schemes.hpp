#pragma once
// Step maps of the exponential-type, local-linearization, probability-flow and randomized-
// midpoint schemes on Gaussian targets, extending gaussian_law.hpp (MATH.md E.1, E.2; derived
// there and checked numerically). Per eigen-coordinate (eigenvalue lambda of S, mean m~), with
// P = P_tau and mu = mu_tau:
//   EI:      M = e^h - 2 expm1(h) P,            c = 2 expm1(h) P mu,       Q = e^{2h} - 1
//   LL:      J = 1 - 2P, M = e^{hJ},            c = h phi1(hJ) 2P mu,      Q = 2h phi1(2hJ)
//   LL-mid:  LL with (P, mu) at tau - h/2
//   PF Euler M = 1 + h - hP, c = hP mu;  PF EI M = e^h - expm1(h) P, c = expm1(h) P mu;  Q = 0
//   PF Heun  composed from its two affine stages (not in MATH.md; exact for this scheme).
// REM / REI are U-mixtures (not Gaussian): their exact mean and second moment follow E.2 with a
// 40-point Gauss-Legendre rule over U.
#include "gaussian_law.hpp"

#include <array>
#include <cmath>
#include <numbers>

namespace sgmtk::testing::gaussian_law {

inline double phi1(double z) { return z == 0.0 ? 1.0 : std::expm1(z) / z; }

inline StepMap ei_map(double tau, double h, double lambda, double mean) {
  const double P = precision_at(tau, lambda);
  const double e1 = std::expm1(h);
  return {std::exp(h) - 2.0 * e1 * P, 2.0 * e1 * P * mean_at(tau, mean), std::expm1(2.0 * h)};
}

/// LL with the score and Hessian frozen at forward time `frozen` (tau or tau - h/2).
inline StepMap ll_map_at(double frozen, double h, double lambda, double mean) {
  const double P = precision_at(frozen, lambda);
  const double J = 1.0 - 2.0 * P;
  return {std::exp(h * J), h * phi1(h * J) * 2.0 * P * mean_at(frozen, mean), 2.0 * h * phi1(2.0 * h * J)};
}
inline StepMap ll_map(double tau, double h, double lambda, double mean) { return ll_map_at(tau, h, lambda, mean); }
inline StepMap ll_mid_map(double tau, double h, double lambda, double mean) {
  return ll_map_at(tau - 0.5 * h, h, lambda, mean);
}

inline StepMap pf_euler_map(double tau, double h, double lambda, double mean) {
  const double P = precision_at(tau, lambda);
  return {1.0 + h - h * P, h * P * mean_at(tau, mean), 0.0};
}
inline StepMap pf_ei_map(double tau, double h, double lambda, double mean) {
  const double P = precision_at(tau, lambda);
  const double e1 = std::expm1(h);
  return {std::exp(h) - e1 * P, e1 * P * mean_at(tau, mean), 0.0};
}
/// Heun (trapezoidal predictor-corrector) with f(tau, y) = y + s = (1 - P) y + P mu; tau - h > 0.
inline StepMap pf_heun_map(double tau, double h, double lambda, double mean) {
  const auto f = [&](double t, double y) {
    const double P = precision_at(t, lambda);
    return (1.0 - P) * y + P * mean_at(t, mean);
  };
  const auto step = [&](double y) {
    const double f0 = f(tau, y);
    return y + 0.5 * h * (f0 + f(tau - h, y + h * f0));
  };
  const double c = step(0.0);
  return {step(1.0) - c, c, 0.0};
}

/// Gauss-Legendre nodes and weights on [0, 1] (Newton on P_n from the Chebyshev-like guesses).
template <int N>
struct GaussLegendre {
  std::array<double, N> x{};
  std::array<double, N> w{};
  GaussLegendre() {
    for (int i = 0; i < N; ++i) {
      double z = std::cos(std::numbers::pi * (i + 0.75) / (N + 0.5));
      double dp = 0.0;
      for (int it = 0; it < 100; ++it) {
        double p0 = 1.0, p1 = z;
        for (int n = 2; n <= N; ++n) {
          const double p2 = ((2.0 * n - 1.0) * z * p1 - (n - 1.0) * p0) / n;
          p0 = p1;
          p1 = p2;
        }
        dp = N * (z * p1 - p0) / (z * z - 1.0);
        const double dz = p1 / dp;
        z -= dz;
        if (std::abs(dz) < 1e-16) break;
      }
      x[static_cast<std::size_t>(i)] = 0.5 * (1.0 - z);
      w[static_cast<std::size_t>(i)] = 1.0 / ((1.0 - z * z) * dp * dp);  // 2/((1-z^2)P'^2), halved
    }
  }
};

/// One REM/REI step given U, per eigen-coordinate (MATH.md E.2): y' = A y + c + noise of
/// variance v (noise independent of y).
struct RandomizedStep {
  double A, c, v;
};

inline RandomizedStep rem_given_u(double u, double tau, double h, double lambda, double mean) {
  const double Pk = precision_at(tau, lambda), Pu = precision_at(tau - u * h, lambda);
  const double Lk = 1.0 - 2.0 * Pk, Lu = 1.0 - 2.0 * Pu;
  const double lk = 2.0 * Pk * mean_at(tau, mean), lu = 2.0 * Pu * mean_at(tau - u * h, mean);
  const double one = 1.0 + h * Lu;
  return {1.0 + h * Lu + u * h * h * Lu * Lk, u * h * h * Lu * lk + h * lu,
          2.0 * u * h * one * one + 2.0 * (1.0 - u) * h};
}

inline RandomizedStep rei_given_u(double u, double tau, double h, double lambda, double mean) {
  const double Pk = precision_at(tau, lambda), Pu = precision_at(tau - u * h, lambda);
  const double muk = mean_at(tau, mean), muu = mean_at(tau - u * h, mean);
  const double uh = u * h;
  const double w = 2.0 * h * std::exp((1.0 - u) * h) * Pu;
  const double A = std::exp(h) - w * (std::exp(uh) - 2.0 * std::expm1(uh) * Pk);
  const double c = -w * (2.0 * std::expm1(uh) * Pk * muk - muu);
  const double g = 1.0 - 2.0 * h * Pu;
  const double v = std::exp(2.0 * (1.0 - u) * h) * g * g * std::expm1(2.0 * uh) + std::expm1(2.0 * (1.0 - u) * h);
  return {A, c, v};
}

/// Mean and second moment (not Gaussian: U-mixture) of one eigen-coordinate.
struct Moments2 {
  double a = 0.0;
  double q = 1.0;  ///< E[y^2]
  double variance() const { return q - a * a; }
};

enum class Randomized { rem, rei };

inline Moments2 propagate_randomized(Randomized which, const TimeGrid& grid, double lambda, double mean,
                                     StartLaw start) {
  static const GaussLegendre<40> gl;
  const Moments1 s = start_moments(start, grid.horizon(), lambda, mean);
  Moments2 m{s.a, s.C + s.a * s.a};
  for (Index k = 0; k < grid.steps(); ++k) {
    double eA = 0, eA2 = 0, eAc = 0, ec = 0, ec2 = 0, ev = 0;
    for (int i = 0; i < 40; ++i) {
      const double u = gl.x[static_cast<std::size_t>(i)], wt = gl.w[static_cast<std::size_t>(i)];
      const RandomizedStep r = which == Randomized::rem ? rem_given_u(u, grid.tau(k), grid.h(k), lambda, mean)
                                                        : rei_given_u(u, grid.tau(k), grid.h(k), lambda, mean);
      eA += wt * r.A;
      eA2 += wt * r.A * r.A;
      eAc += wt * r.A * r.c;
      ec += wt * r.c;
      ec2 += wt * r.c * r.c;
      ev += wt * r.v;
    }
    const double a = eA * m.a + ec;
    m.q = eA2 * m.q + 2.0 * eAc * m.a + ec2 + ev;
    m.a = a;
  }
  return m;
}

}  // namespace sgmtk::testing::gaussian_law
