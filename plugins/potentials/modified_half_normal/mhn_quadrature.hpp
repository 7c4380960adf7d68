#pragma once
// p_t of the symmetric MHN law pi(x) ∝ |x|^{alpha-1} exp(-beta x^2 + gamma |x|) (MATH.md C.4) for
// alpha != 1, by quadrature (derived here, following the C.0 recommendation and the C.4 pitfall:
// the 1F1 closed form cancels for c << 0, and x^{alpha-1} is singular at 0).
//
// On each half-line x = s r (s = ±1, r > 0) the posterior integrand is
//   r^{alpha-1} exp(-P r^2/2 + c_s r - y^2/(2 s2)),  P = 2 beta + m^2/s2,  c_s = gamma + s m y/s2,
// with at most one interior maximum r_top = (c + sqrt(c^2 + 4P(alpha-1)))/(2P). Its support is
// cut where the log integrand is 46 below the top; the panel [0, w] touching the singularity uses
// Gauss-Jacobi nodes for the weight r^{alpha-1} (Golub-Welsch), so the remaining factor is smooth
// and the rule keeps spectral accuracy; the other panels use Gauss-Legendre. All node values are
// combined by log-sum-exp; moments are taken about the highest node (Tweedie, C.0):
//   score = (m E[X|y] - y)/s2,  second = -1/s2 + m^2 Var(X|y)/s2^2.

#include "../shared_numerics/posterior_quadrature.hpp"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

namespace sgmtk::mhn {

/// Gauss rule for int_0^1 x^{alpha-1} f(x) dx: Golub-Welsch on the Jacobi matrix of the weight
/// (1 - t)^0 (1 + t)^{alpha-1} on [-1, 1], mapped by x = (1 + t)/2 (weights then sum to 1/alpha).
struct GaussJacobi {
  std::vector<double> x, log_w;
  GaussJacobi(int n, double alpha) : x(static_cast<std::size_t>(n)), log_w(static_cast<std::size_t>(n)) {
    const double a = 0.0, b = alpha - 1.0;
    Eigen::MatrixXd J = Eigen::MatrixXd::Zero(n, n);
    for (int k = 0; k < n; ++k) {
      const double s = 2.0 * k + a + b;
      J(k, k) = k == 0 ? (b - a) / (a + b + 2.0) : (b * b - a * a) / (s * (s + 2.0));
      if (k + 1 < n) {
        const double m = k + 1.0, sm = 2.0 * m + a + b;
        const double beta_k = 4.0 * m * (m + a) * (m + b) * (m + a + b) / (sm * sm * (sm + 1.0) * (sm - 1.0));
        J(k, k + 1) = J(k + 1, k) = std::sqrt(beta_k);
      }
    }
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(J);
    for (int k = 0; k < n; ++k) {
      x[static_cast<std::size_t>(k)] = 0.5 * (1.0 + eig.eigenvalues()(k));
      const double v0 = eig.eigenvectors()(0, k);
      log_w[static_cast<std::size_t>(k)] = std::log(v0 * v0 / alpha);
    }
  }
};

class MhnQuadrature {
 public:
  MhnQuadrature(double alpha, double beta, double gamma)
      : alpha_(alpha), beta_(beta), gamma_(gamma), legendre_(16), jacobi_(16, alpha) {
    // log Z = log of 2 int_0^inf r^{alpha-1} exp(-beta r^2 + gamma r) dr, and E X^2.
    Sums z;
    add_side(2.0 * beta, gamma, 0.0, +1, 0.0, z);
    log_z_ = z.top + std::log(2.0 * z.s0);
    second_moment_ = z.s2 / z.s0;  // centre 0: E X^2 directly
  }

  double log_normalizer() const { return log_z_; }
  double second_moment() const { return second_moment_; }

  numerics::CoordinateValues evaluate(double m, double s2, double y) const {
    const double P = 2.0 * beta_ + m * m / s2;
    Sums sums;
    // The centre of the moments: the posterior mean is near y/m for small t, near 0 for large t.
    sums.center = m * y / (s2 * P);
    add_side(P, gamma_ + m * y / s2, -y * y / (2.0 * s2), +1, sums.center, sums);
    add_side(P, gamma_ - m * y / s2, -y * y / (2.0 * s2), -1, sums.center, sums);
    const double mean_dev = sums.s1 / sums.s0;
    const double var = std::max(0.0, sums.s2 / sums.s0 - mean_dev * mean_dev);
    numerics::CoordinateValues v;
    v.score = ((m * sums.center - y) + m * mean_dev) / s2;
    v.second = -1.0 / s2 + m * m * var / (s2 * s2);
    v.log_p = sums.top + std::log(sums.s0) - 0.5 * std::log(2.0 * std::numbers::pi * s2) - log_z_;
    return v;
  }

 private:
  /// Running log-sum-exp sums of 1, (x - center), (x - center)^2.
  struct Sums {
    double top = -std::numeric_limits<double>::infinity();
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, center = 0.0;
    void add(double log_value, double dev) {
      if (log_value > top) {
        const double scale = std::exp(top - log_value);
        s0 *= scale;
        s1 *= scale;
        s2 *= scale;
        top = log_value;
      }
      const double w = std::exp(log_value - top);
      s0 += w;
      s1 += w * dev;
      s2 += w * dev * dev;
    }
  };

  /// Adds int_0^inf r^{alpha-1} exp(-P r^2/2 + c r + cst) over x = sign * r.
  void add_side(double P, double c, double cst, int sign, double center, Sums& sums) const {
    const double am1 = alpha_ - 1.0;
    auto h = [&](double r) { return am1 * std::log(r) - 0.5 * P * r * r + c * r; };  // without cst
    const double scale = 1.0 / std::sqrt(P);
    const double disc = c * c + 4.0 * P * am1;
    // Interior maximum (alpha > 1 always has one; alpha < 1 only when c > 0 and disc > 0).
    const bool interior = alpha_ > 1.0 || (c > 0.0 && disc > 0.0);
    const double r_top = interior ? (c + std::sqrt(std::max(disc, 0.0))) / (2.0 * P) : 0.0;
    const double h_ref = interior ? h(r_top) : h(scale);
    const double floor_level = h_ref - 46.0;
    double width = scale;
    if (alpha_ > 1.0) width = 1.0 / std::sqrt(P + am1 / (r_top * r_top));
    // Right end.
    double step = width;
    const double start = interior ? r_top : scale;
    while (h(start + step) > floor_level) step *= 2.0;
    const double right = start + step;
    // Left end: walk left from the top while the integrand stays above the floor; the part
    // [0, left] is dropped only if its mass bound left^alpha/alpha * max exp(phi) is below it.
    double left = 0.0;
    if (interior) {
      step = width;
      while (r_top - step > 0.0 && h(r_top - step) > floor_level) step *= 2.0;
      const double cand = r_top - step;
      if (cand > 0.0) {
        const double r_phi = std::clamp(c / P, 0.0, cand);
        const double bound = alpha_ * std::log(cand) - std::log(alpha_) - 0.5 * P * r_phi * r_phi + c * r_phi;
        if (bound < floor_level) left = cand;
      }
    }
    width = std::min(width, (right - left) / 32.0);
    const int panels = std::clamp(int(std::ceil((right - left) / width)), 1, 4000);
    const double hp = (right - left) / panels;
    int first_panel = 0;
    if (left == 0.0) {
      // Gauss-Jacobi on [0, hp]: int_0^hp r^{alpha-1} f(r) dr = hp^alpha sum w_k f(hp x_k).
      for (std::size_t k = 0; k < jacobi_.x.size(); ++k) {
        const double r = hp * jacobi_.x[k];
        sums.add(alpha_ * std::log(hp) + jacobi_.log_w[k] - 0.5 * P * r * r + c * r + cst, sign * r - center);
      }
      first_panel = 1;
    }
    for (int p = first_panel; p < panels; ++p) {
      const double mid = left + (p + 0.5) * hp;
      for (std::size_t k = 0; k < legendre_.x.size(); ++k) {
        const double r = mid + 0.5 * hp * legendre_.x[k];
        sums.add(std::log(0.5 * hp * legendre_.w[k]) + h(r) + cst, sign * r - center);
      }
    }
  }

  double alpha_, beta_, gamma_;
  numerics::GaussLegendre legendre_;
  GaussJacobi jacobi_;
  double log_z_ = 0.0, second_moment_ = 0.0;
};

}  // namespace sgmtk::mhn
