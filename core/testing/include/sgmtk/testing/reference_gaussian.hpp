#pragma once
/// @file reference_gaussian.hpp
/// A Gaussian target that ships with the conformance kit, so that a sampler or metric author can
/// run the kit's checks without loading any target plugin.
///
/// pi = N(mu, diag(v)). Under the forward OU process (MATH.md A.1) p_t = N(m_t mu, diag(V_t)) with
/// V_t = m_t^2 v + s_t^2, so everything is closed-form and coordinatewise:
///   score      -(x - m_t mu) / V_t             Hessian   -diag(1 / V_t)
///   log p_t    -1/2 sum[(x - m_t mu)^2 / V_t + log(2 pi V_t)]   (normalized)
/// and the exact reverse transition (MATH.md B.8) X_{tau-h} | X_tau = y, a = tau - h, is Gaussian
/// with mean m_a mu + (m_h V_a / V_tau)(y - m_tau mu) and variance V_a s_h^2 / V_tau (the form
/// V_a - m_h^2 V_a^2 / V_tau rewritten without cancellation, using V_tau = m_h^2 V_a + s_h^2).
/// Different variances per coordinate make a coordinate mix-up in a plugin visible.

#include <sgmtk/error.hpp>
#include <sgmtk/ou.hpp>
#include <sgmtk/random.hpp>
#include <sgmtk/target.hpp>

#include <cmath>
#include <numbers>
#include <string>

namespace sgmtk::conformance {

class ReferenceGaussian final : public Target {
 public:
  /// N(mean, diag(variances)); throws ParamError for mismatched sizes or a non-positive variance.
  ReferenceGaussian(Vector mean, Vector variances) : mean_(std::move(mean)), var_(std::move(variances)) {
    if (mean_.size() != var_.size() || mean_.size() == 0) {
      throw ParamError("ReferenceGaussian: mean and variances must have the same, non-zero size");
    }
    if ((var_.array() <= 0.0).any()) throw ParamError("ReferenceGaussian: variances must be > 0");
  }

  /// The kit's default: d = 3, mean (1, -0.5, 0), variances (0.5, 1, 2).
  static ReferenceGaussian standard() {
    Vector mu(3), v(3);
    mu << 1.0, -0.5, 0.0;
    v << 0.5, 1.0, 2.0;
    return ReferenceGaussian(mu, v);
  }

  const Vector& mean() const { return mean_; }
  const Vector& variances() const { return var_; }

  Index dim() const override { return mean_.size(); }

  TargetTraits traits() const override {
    TargetTraits t;
    t.hessian_diagonal = t.hessian_full = t.hessian_vector_product = true;
    t.log_density = t.normalized_log_density = true;
    t.potential = t.moments = t.exact_reverse = true;
    return t;
  }

  void sample(const RandomStream& rng, Index first_particle, Block out) const override {
    rng.normals(0, first_particle, out);
    out = (out.array().colwise() * var_.array().sqrt()).colwise() + mean_.array();
  }

  void evaluate(const ScoreQuery& q) const override {
    const Index d = dim();
    const Index n = q.x.cols;
    const auto x = q.x.map();
    for (Index j = 0; j < n; ++j) {
      const double t = q.times[j];
      const double m = ou::mean_factor(t);
      const Vector V = m * m * var_.array() + ou::noise_variance(t);
      const Vector r = x.col(j) - m * mean_;
      if (!q.score.empty()) q.score.map().col(j) = -(r.array() / V.array()).matrix();
      if (!q.log_density.empty()) {
        q.log_density.map()(0, j) =
            -0.5 * ((r.array().square() / V.array()) + (2.0 * std::numbers::pi * V.array()).log()).sum();
      }
      switch (q.hessian) {
        case HessianForm::none: break;
        case HessianForm::diagonal: q.hessian_out.map().col(j) = -V.cwiseInverse(); break;
        case HessianForm::full: {
          Eigen::Map<Matrix> H(q.hessian_out.data + j * d * d, d, d);
          H.setZero();
          H.diagonal() = -V.cwiseInverse();
          break;
        }
        case HessianForm::vector_product:
          q.hessian_out.map().col(j) = -(q.direction.map().col(j).array() / V.array()).matrix();
          break;
      }
    }
  }

  void moments(Eigen::Ref<Vector> mean, Eigen::Ref<Matrix> covariance) const override {
    mean = mean_;
    covariance.setZero();
    covariance.diagonal() = var_;
  }

  void potential(ConstBlock x, Eigen::Ref<RowVector> u) const override {
    u = 0.5 * ((x.colwise() - mean_).array().square().colwise() / var_.array()).colwise().sum();
  }
  void potential_gradient(ConstBlock x, Block grad) const override {
    grad = ((x.colwise() - mean_).array().colwise() / var_.array()).matrix();
  }

  void reverse_transition(double tau, double h, ConstBlock y, ConstBlock xi, Eigen::Ref<const RowVector> /*u*/,
                          Block out) const override {
    const double a = tau - h;
    const double m_a = ou::mean_factor(a), m_h = ou::mean_factor(h), m_tau = ou::mean_factor(tau);
    const Vector V_a = m_a * m_a * var_.array() + ou::noise_variance(a);
    const Vector V_tau = m_tau * m_tau * var_.array() + ou::noise_variance(tau);
    const Vector gain = m_h * V_a.array() / V_tau.array();
    const Vector sd = (V_a.array() * ou::noise_variance(h) / V_tau.array()).sqrt();
    out = (((y.colwise() - m_tau * mean_).array().colwise() * gain.array()).colwise() + (m_a * mean_).array() +
           xi.array().colwise() * sd.array())
              .matrix();
  }

 private:
  Vector mean_;
  Vector var_;
};

}  // namespace sgmtk::conformance
