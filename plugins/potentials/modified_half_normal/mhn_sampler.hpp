#pragma once
// Exact samplers for MHN(alpha, beta, gamma), density ∝ x^{alpha-1} exp(-beta x^2 + gamma x) on
// (0, inf), as MATH.md C.4 collects them (secondary sources: R `mhn`, CUQIpy, the Julia package;
// the acceptance rules are derived / checked numerically there):
//   alpha = 1            TN(gamma/(2 beta), 1/(2 beta); (0, inf)), Robert's algorithm (either sign);
//   gamma = 0            sqrt(G), G ~ Gamma(alpha/2, rate beta);
//   gamma < 0            Sun-Kong-Pal Algorithm 3 (Gamma proposal through X = m T^c);
//   gamma > 0, alpha > 1 normal or sqrt-Gamma proposal, whichever envelope has the smaller mass;
//   gamma > 0, alpha < 1 sqrt-Gamma proposal.
// With CUQIpy's misplaced parentheses corrected in the normal proposal (C.4 pitfall).

#include "../shared_numerics/truncated_normal.hpp"

#include <sgmtk/random.hpp>

#include <cmath>
#include <numbers>

namespace sgmtk::mhn {

class MhnSampler {
 public:
  MhnSampler(double alpha, double beta, double gamma) : alpha_(alpha), beta_(beta), gamma_(gamma) {
    if (alpha == 1.0 || gamma == 0.0) {
      kind_ = alpha == 1.0 ? Kind::truncated_normal : Kind::sqrt_gamma_exact;
    } else if (gamma < 0.0) {
      kind_ = Kind::sun_kong_pal;
      m_ = (gamma + std::sqrt(gamma * gamma + 8.0 * alpha * beta)) / (4.0 * beta);
      c_ = (beta * m_ - gamma) / (2.0 * beta * m_ - gamma);
      r_ = m_ * (beta * m_ - gamma);
    } else {
      delta_ = beta + (gamma * gamma - gamma * std::sqrt(gamma * gamma + 8.0 * alpha * beta)) / (4.0 * alpha);
      kind_ = Kind::sqrt_gamma;
      if (alpha > 1.0) {
        mu_ = (gamma + std::sqrt(gamma * gamma + 8.0 * beta * (alpha - 1.0))) / (4.0 * beta);
        // log envelope masses (MATH.md C.4, CUQIpy's K1, K2 without the common factor)
        const double log_normal = (alpha - 1.0) * std::log(mu_) - beta * mu_ * mu_ + gamma * mu_ +
                                  0.5 * std::log(std::numbers::pi / beta);
        const double log_gamma = gamma * gamma / (4.0 * (beta - delta_)) + std::lgamma(0.5 * alpha) -
                                 std::log(2.0) - 0.5 * alpha * std::log(delta_);
        if (log_normal < log_gamma) kind_ = Kind::normal;
      }
    }
  }

  /// One draw on (0, inf).
  double draw(ScalarSequence& seq) const {
    switch (kind_) {
      case Kind::truncated_normal:
        return numerics::truncated_normal_positive(gamma_ / (2.0 * beta_), 2.0 * beta_, seq);
      case Kind::sqrt_gamma_exact:
        return std::sqrt(seq.gamma(0.5 * alpha_) / beta_);
      case Kind::sun_kong_pal:
        for (;;) {
          const double T = seq.gamma(alpha_ * c_) / r_;
          const double X = m_ * std::pow(T, c_);
          if (std::log(seq.uniform()) < r_ * T - beta_ * X * X + gamma_ * X) return X;
        }
      case Kind::normal:
        for (;;) {
          const double X = mu_ + seq.normal() / std::sqrt(2.0 * beta_);
          if (X <= 0.0) continue;
          const double ratio = X / mu_;
          if (std::log(seq.uniform()) < (alpha_ - 1.0) * (std::log(ratio) - (ratio - 1.0))) return X;
        }
      case Kind::sqrt_gamma:
        for (;;) {
          const double T = seq.gamma(0.5 * alpha_) / delta_;
          const double X = std::sqrt(T);
          const double gap = beta_ - delta_;
          if (std::log(seq.uniform()) < -gap * T + gamma_ * X - gamma_ * gamma_ / (4.0 * gap)) return X;
        }
    }
    return 0.0;
  }

 private:
  enum class Kind { truncated_normal, sqrt_gamma_exact, sun_kong_pal, normal, sqrt_gamma };
  double alpha_, beta_, gamma_;
  Kind kind_ = Kind::truncated_normal;
  double m_ = 0, c_ = 0, r_ = 0, delta_ = 0, mu_ = 0;
};

}  // namespace sgmtk::mhn
