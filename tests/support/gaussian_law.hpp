#pragma once
// The exact output law of a scheme on a Gaussian target (MATH.md E.1, derived there and checked
// numerically). For pi = N(m0, S), S = Q diag(lambda) Q^T, every Sigma_tau commutes with S, so in
// the eigenbasis a scheme step is, per coordinate i, the affine-Gaussian map
//   y' = M y + c + N(0, Q)
// and the law stays Gaussian with moments a' = M a + c, C' = M^2 C + Q (starts N(0, I) or p_T).
//
// Adding a scheme is one function with the StepMapFn signature (see em_map, exact_map).

#include <sgmtk/ou.hpp>
#include <sgmtk/time_grid.hpp>
#include <sgmtk/types.hpp>

#include <Eigen/Eigenvalues>

#include <cmath>
#include <functional>

namespace sgmtk::testing::gaussian_law {

/// One step in one eigen-coordinate: y' = M y + c + N(0, Q).
struct StepMap {
  double M = 1.0;
  double c = 0.0;
  double Q = 0.0;
};

/// A scheme's step map from forward time tau over a step h, for eigenvalue lambda of S and the
/// mean coordinate mean = (Q^T m0)_i.
using StepMapFn = std::function<StepMap(double tau, double h, double lambda, double mean)>;

/// Sigma_tau in one eigen-coordinate: e^{-2 tau} lambda + 1 - e^{-2 tau}.
inline double variance_at(double tau, double lambda) {
  const double m = ou::mean_factor(tau);
  return m * m * lambda + ou::noise_variance(tau);
}
/// P_tau = 1 / Sigma_tau.
inline double precision_at(double tau, double lambda) { return 1.0 / variance_at(tau, lambda); }
/// mu_tau = e^{-tau} mean.
inline double mean_at(double tau, double mean) { return ou::mean_factor(tau) * mean; }

/// Euler-Maruyama (MATH.md B.1, E.1): M = 1 + h - 2hP, c = 2hP mu, Q = 2h.
inline StepMap em_map(double tau, double h, double lambda, double mean) {
  const double P = precision_at(tau, lambda);
  return {1.0 + h - 2.0 * h * P, 2.0 * h * P * mean_at(tau, mean), 2.0 * h};
}

/// The exact reverse transition (MATH.md B.8, E.1): G = e^{-h} Sigma_{tau-h} / Sigma_tau,
/// c = mu_{tau-h} - G mu_tau, Q = Sigma_{tau-h} - e^{-2h} Sigma_{tau-h}^2 / Sigma_tau.
inline StepMap exact_map(double tau, double h, double lambda, double mean) {
  const double s = tau - h;
  const double vs = variance_at(s, lambda);
  const double vt = variance_at(tau, lambda);
  const double G = ou::mean_factor(h) * vs / vt;
  // Sigma_s - e^{-2h} Sigma_s^2 / Sigma_tau = Sigma_s (1 - e^{-2h}) / Sigma_tau (no cancellation).
  return {G, mean_at(s, mean) - G * mean_at(tau, mean), vs * ou::noise_variance(h) / vt};
}

enum class StartLaw { gaussian, exact };

/// Mean and variance of one eigen-coordinate.
struct Moments1 {
  double a = 0.0;
  double C = 1.0;
};

/// N(0, 1): (0, 1); exact p_T: (e^{-T} mean, Sigma_T).
inline Moments1 start_moments(StartLaw start, double horizon, double lambda, double mean) {
  if (start == StartLaw::gaussian) return {0.0, 1.0};
  return {mean_at(horizon, mean), variance_at(horizon, lambda)};
}

/// The moments after all K steps of `grid`, in one eigen-coordinate.
inline Moments1 propagate(const StepMapFn& scheme, const TimeGrid& grid, double lambda, double mean,
                          StartLaw start) {
  Moments1 m = start_moments(start, grid.horizon(), lambda, mean);
  for (Index k = 0; k < grid.steps(); ++k) {
    const StepMap s = scheme(grid.tau(k), grid.h(k), lambda, mean);
    m.a = s.M * m.a + s.c;
    m.C = s.M * s.M * m.C + s.Q;
  }
  return m;
}

/// A Gaussian target N(m0, S) seen in its eigenbasis.
struct GaussianTargetLaw {
  Vector mean;          ///< m0
  Matrix covariance;    ///< S
  Matrix eigenvectors;  ///< Q
  Vector eigenvalues;   ///< lambda
  Vector eigen_mean;    ///< Q^T m0

  GaussianTargetLaw(Vector m0, Matrix s) : mean(std::move(m0)), covariance(std::move(s)) {
    Eigen::SelfAdjointEigenSolver<Matrix> eig(covariance);
    eigenvectors = eig.eigenvectors();
    eigenvalues = eig.eigenvalues();
    eigen_mean = eigenvectors.transpose() * mean;
  }
};

/// The scheme's output law: Gaussian with these moments (eigen and original bases).
struct OutputLaw {
  Vector eigen_mean;      ///< a_K per eigen-coordinate
  Vector eigen_variance;  ///< C_K per eigen-coordinate
  Vector mean;            ///< Q a_K
  Matrix covariance;      ///< Q diag(C_K) Q^T
  /// W2 to pi (E.1 final formula): sqrt(sum_i (a_i - m~_i)^2 + (sqrt C_i - sqrt lambda_i)^2).
  double w2_to_target = 0.0;
};

inline OutputLaw output_law(const StepMapFn& scheme, const TimeGrid& grid, const GaussianTargetLaw& target,
                            StartLaw start) {
  const Index d = target.eigenvalues.size();
  OutputLaw law;
  law.eigen_mean.resize(d);
  law.eigen_variance.resize(d);
  double w2sq = 0.0;
  for (Index i = 0; i < d; ++i) {
    const Moments1 m = propagate(scheme, grid, target.eigenvalues(i), target.eigen_mean(i), start);
    law.eigen_mean(i) = m.a;
    law.eigen_variance(i) = m.C;
    const double dm = m.a - target.eigen_mean(i);
    const double ds = std::sqrt(m.C) - std::sqrt(target.eigenvalues(i));
    w2sq += dm * dm + ds * ds;
  }
  law.mean = target.eigenvectors * law.eigen_mean;
  law.covariance = target.eigenvectors * law.eigen_variance.asDiagonal() * target.eigenvectors.transpose();
  law.w2_to_target = std::sqrt(w2sq);
  return law;
}

}  // namespace sgmtk::testing::gaussian_law
