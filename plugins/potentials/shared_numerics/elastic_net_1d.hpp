#pragma once
// Closed-form p_t of the 1-D law pi(x) ∝ exp(-a|x| - b x^2/2) (MATH.md C.3, derived there and
// checked numerically there; also MHN with alpha = 1: a = -gamma, b = 2 beta).
//
// The posterior of X_0 given X_t = y is a two-piece truncated Gaussian with precision
// P = b + m^2/s2 and centres nu± = (m y ∓ a s2)/c, c = P s2 = b s2 + m^2, weights
// w± ∝ exp(Lambda(z±)) with z+ = sqrt(P) nu+, z- = -sqrt(P) nu-, Lambda(z) = log Phi(z) + z^2/2.
// Rewritten here (derived here) to avoid the cancellations of the textbook forms:
//   score: prior side -(a (w+ - w-) + b E)/m while s2 < m (small t, where Tweedie's
//          (m E - y)/s2 cancels), Tweedie otherwise (large t, where the prior side divides by m);
//   second derivative: by the law of total variance and P s2 - m^2 = b s2,
//          -b/c - m^2/(s2 c) (w+ Q+ + w- Q-) + (m^2/s2^2) w+ w- (E+ - E-)^2,
//          Q(z) = lambda(z)(z + lambda(z)), lambda = phi/Phi: every term is computed directly
//          (no -1/s2 + m^2 Var/s2^2 cancellation as t -> 0);
//   log p_t: -y^2/(2 s2) + z±^2/2 folded into A± = (a^2 s2 ∓ 2 a m y - b y^2)/(2c), so
//          log p_t = logsumexp(A+ + log Phi(z+), A- + log Phi(z-)) - log(c)/2 - log Z_1,
//          Z_1 = 2 sqrt(2 pi/b) e^{a^2/(2b)} Phi(-a/sqrt b).

#include "erfcx.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace sgmtk::numerics {

struct CoordinateValues {
  double score = 0.0;
  double second = 0.0;  ///< d^2/dy^2 log p_t
  double log_p = 0.0;
};

class ElasticNet1d {
 public:
  ElasticNet1d(double a, double b)
      : a_(a), b_(b),
        log_z1_(std::numbers::ln2 + 0.5 * std::log(2.0 * std::numbers::pi / b) +
                log_normal_cdf_scaled(-a / std::sqrt(b))) {}

  double a() const { return a_; }
  double b() const { return b_; }
  /// log of Z_1 = int exp(-a|x| - b x^2/2) dx.
  double log_normalizer() const { return log_z1_; }

  /// Values at y for OU coefficients m = e^{-t}, s2 = 1 - e^{-2t} (t > 0).
  CoordinateValues evaluate(double m, double s2, double y, bool want_second, bool want_log_p) const {
    const double c = b_ * s2 + m * m;
    const double sp = std::sqrt(c / s2);  // sqrt(P)
    const double nu_plus = (m * y - a_ * s2) / c;
    const double nu_minus = (m * y + a_ * s2) / c;
    const double z_plus = sp * nu_plus;
    const double z_minus = -sp * nu_minus;
    // One erfcx per piece gives both its log weight and its inverse Mills ratio.
    const double x_plus = -z_plus / std::numbers::sqrt2, x_minus = -z_minus / std::numbers::sqrt2;
    const double ex_plus = erfcx(x_plus), ex_minus = erfcx(x_minus);
    auto log_weight = [](double x, double ex) {
      return (std::isfinite(ex) ? std::log(ex) : x * x + std::log(std::erfc(x))) - std::numbers::ln2;
    };
    const double log_w_plus = log_weight(x_plus, ex_plus);
    const double log_w_minus = log_weight(x_minus, ex_minus);
    const double w_plus = 1.0 / (1.0 + std::exp(log_w_minus - log_w_plus));
    const double w_minus = 1.0 / (1.0 + std::exp(log_w_plus - log_w_minus));
    const double mills_scale = std::sqrt(2.0 / std::numbers::pi);
    const double l_plus = mills_scale / ex_plus;
    const double l_minus = mills_scale / ex_minus;
    const double e_plus = nu_plus + l_plus / sp;
    const double e_minus = nu_minus - l_minus / sp;
    const double e = w_plus * e_plus + w_minus * e_minus;

    CoordinateValues v;
    v.score = s2 < m ? -(a_ * (w_plus - w_minus) + b_ * e) / m : -(y - m * e) / s2;
    if (want_second) {
      const double q_plus = l_plus * (z_plus + l_plus);
      const double q_minus = l_minus * (z_minus + l_minus);
      const double gap = e_plus - e_minus;
      v.second = -b_ / c - (m * m / (s2 * c)) * (w_plus * q_plus + w_minus * q_minus) +
                 (m * m / (s2 * s2)) * w_plus * w_minus * gap * gap;
    }
    if (want_log_p) {
      const double base_plus = (a_ * a_ * s2 - 2.0 * a_ * m * y - b_ * y * y) / (2.0 * c) + log_normal_cdf(z_plus);
      const double base_minus = (a_ * a_ * s2 + 2.0 * a_ * m * y - b_ * y * y) / (2.0 * c) + log_normal_cdf(z_minus);
      const double top = std::max(base_plus, base_minus);
      v.log_p = top + std::log(std::exp(base_plus - top) + std::exp(base_minus - top)) - 0.5 * std::log(c) - log_z1_;
    }
    return v;
  }

  /// E|X| and E X^2 of one coordinate of pi: |X| ~ TN(-a/b, 1/b; (0, inf)).
  double second_moment() const {
    const double nu = -a_ / b_;
    const double z = nu * std::sqrt(b_);
    const double lam = inverse_mills(z);
    const double mean = nu + lam / std::sqrt(b_);
    const double var = (1.0 - lam * (z + lam)) / b_;
    return var + mean * mean;
  }

 private:
  double a_;
  double b_;
  double log_z1_;
};

}  // namespace sgmtk::numerics
