// Exact draws from the mixture and from its exact reverse transition (MATH.md C.2, B.8).
// A component is chosen by inverting the cumulative weights with one uniform; the Gaussian part
// is written in the component's eigenbasis, where every covariance involved is diagonal.
#include "mixture_sampling.hpp"

#include <sgmtk/error.hpp>
#include <sgmtk/ou.hpp>

#include <cmath>
#include <string>

namespace sgmtk::mixture {
namespace {

/// Smallest k with u < cumulative weight (the last component absorbs rounding).
Index pick(const double* weights, Index K, double u) {
  double cumulative = 0.0;
  for (Index k = 0; k + 1 < K; ++k) {
    cumulative += weights[k];
    if (u < cumulative) return k;
  }
  return K - 1;
}

/// x = mu_k + Q diag(sqrt(scale)) xi, or the unrotated form.
void place(const MixtureModel& model, Index k, const Eigen::Ref<const Vector>& mean_in_basis,
           const Eigen::Ref<const Vector>& stddev_in_basis, const Eigen::Ref<const Vector>& xi,
           Eigen::Ref<Vector> out) {
  const Vector local = mean_in_basis + stddev_in_basis.cwiseProduct(xi);
  if (model.rotated()) out.noalias() = model.rotations[static_cast<std::size_t>(k)] * local;
  else out = local;
}

}  // namespace

void sample(const MixtureModel& model, const RandomStream& rng, Index first_particle, Block out) {
  const Index n = out.cols();
  const Index K = model.components;
  // Index 0: the normals; index 1: the component uniforms (different counters, independent).
  rng.normals(0, first_particle, out);
  Matrix u(1, n);
  rng.uniforms(1, first_particle, u);
  for (Index j = 0; j < n; ++j) {
    const Index k = pick(model.weights.data(), K, u(0, j));
    const Vector xi = out.col(j);
    if (model.rotated()) {
      const Matrix& Q = model.rotations[static_cast<std::size_t>(k)];
      const Vector mean_in_basis = Q.transpose() * model.means.col(k);
      place(model, k, mean_in_basis, model.eigenvalues.col(k).cwiseSqrt(), xi, out.col(j));
    } else {
      place(model, k, model.means.col(k), model.eigenvalues.col(k).cwiseSqrt(), xi, out.col(j));
    }
  }
}

void reverse_transition(const MixtureModel& model, double tau, double h, ConstBlock y, ConstBlock xi,
                        Eigen::Ref<const RowVector> u, Block out) {
  if (!(h > 0.0) || !(h <= tau) || !std::isfinite(tau)) {
    throw NumericalError("gaussian_mixture: reverse transition needs 0 < h <= tau, got tau = " +
                         std::to_string(tau) + ", h = " + std::to_string(h));
  }
  const Index K = model.components;
  const Matrix r = responsibilities(model, tau, y);
  const double m_tau = ou::mean_factor(tau);
  const double m_prev = ou::mean_factor(tau - h);
  const double m_h = ou::mean_factor(h);
  const double s2_tau = ou::noise_variance(tau);
  const double s2_prev = ou::noise_variance(tau - h);
  const double s2_h = ou::noise_variance(h);
  for (Index j = 0; j < y.cols(); ++j) {
    const Index k = pick(r.col(j).data(), K, u(j));
    const Eigen::ArrayXd lambda = model.eigenvalues.col(k).array();
    const Eigen::ArrayXd sigma_tau = m_tau * m_tau * lambda + s2_tau;
    const Eigen::ArrayXd sigma_prev = m_prev * m_prev * lambda + s2_prev;
    Vector z, nu;
    if (model.rotated()) {
      const Matrix& Q = model.rotations[static_cast<std::size_t>(k)];
      z = Q.transpose() * y.col(j);
      nu = Q.transpose() * model.means.col(k);
    } else {
      z = y.col(j);
      nu = model.means.col(k);
    }
    // B.8 per eigen-coordinate; the variance Sigma_{tau-h} - e^{-2h} Sigma_{tau-h}^2 / Sigma_tau
    // simplifies to Sigma_{tau-h} (1 - e^{-2h}) / Sigma_tau, which has no cancellation.
    const Vector mean = (m_prev * nu.array() +
                         m_h * (sigma_prev / sigma_tau) * (z.array() - m_tau * nu.array())).matrix();
    const Vector stddev = (sigma_prev * s2_h / sigma_tau).sqrt().matrix();
    place(model, k, mean, stddev, xi.col(j), out.col(j));
  }
}

}  // namespace sgmtk::mixture
