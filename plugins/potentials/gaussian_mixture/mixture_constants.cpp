// Constants of MATH.md C.2 / C.6. Every formula there is tagged "derived here", and the docs
// below say so; the mixture entries for +-mu, s = 1 match the dissertation (secondary source).
#include "mixture_constants.hpp"

#include <cmath>
#include <limits>

namespace sgmtk::mixture {
namespace {

double diameter(const Matrix& means) {
  double D = 0.0;
  for (Index j = 0; j < means.cols(); ++j)
    for (Index k = j + 1; k < means.cols(); ++k) D = std::max(D, (means.col(j) - means.col(k)).norm());
  return D;
}

}  // namespace

std::vector<NamedConstant> constants(const MixtureModel& model) {
  std::vector<NamedConstant> out;
  if (!model.equal_isotropic) {
    // -grad^2 log pi = sum_k r_k S_k^{-1} - Cov_r(g_k) <= max_k S_k^{-1} since Cov_r >= 0.
    const double L = 1.0 / model.eigenvalues.minCoeff();
    out.push_back({"upper_L", L,
                   "grad^2 U <= L I with L = 1/min eigenvalue of the S_k (the responsibility "
                   "covariance term is >= 0); derived here, extending MATH.md C.2. The other "
                   "C.2/C.6 constants are stated only for equal isotropic covariances."});
    return out;
  }
  const double s2 = model.isotropic_variance(0);
  const double D = diameter(model.means);
  out.push_back({"diameter_D", D, "max_{j,k} |mu_j - mu_k| (MATH.md C.2)"});
  out.push_back({"semiconvexity_K", D * D / (4.0 * s2 * s2) - 1.0 / s2,
                 "U + K|x|^2/2 is convex with K = D^2/(4 s^4) - 1/s^2, from Cov_r(mu) <= (D^2/4) I "
                 "(MATH.md C.2, derived here); K < 0 means pi is (-K)-strongly log-concave"});
  out.push_back({"strong_convexity_at_infinity", 1.0 / s2,
                 "<grad U(x) - grad U(y), x - y> >= mu_R |x - y|^2 for |x - y| >= R > D with "
                 "mu_R = (1 - D/R)/s^2 (MATH.md C.2, derived here); the value is the R -> infinity "
                 "limit 1/s^2"});
  const bool symmetric_pair = model.components == 2 && model.weights(0) == model.weights(1);
  const double tanh1 = std::tanh(1.0);
  out.push_back({"weak_log_concavity_alpha", 1.0 / s2,
                 "alpha of kappa_U(r) >= alpha - f_M(r)/r, f_M(r) = 2 sqrt(M) tanh(r sqrt(M)/2) "
                 "(MATH.md C.2, derived here; that [GO] uses this class is unverified)"});
  out.push_back({"weak_log_concavity_M",
                 symmetric_pair ? D * D / (4.0 * s2 * s2) : D * D / (4.0 * s2 * s2 * tanh1 * tanh1),
                 symmetric_pair
                     ? "M = |mu|^2/s^4 = D^2/(4 s^4): the exact profile of 1/2 N(+-mu, s^2 I) lies on "
                       "the class boundary (MATH.md C.2, derived here, checked numerically there)"
                     : "M = D^2/(4 s^4 tanh^2 1) suffices, from tanh z >= tanh(1) min(z, 1) "
                       "(MATH.md C.2, derived here, checked numerically there)"});
  out.push_back({"upper_L", 1.0 / s2,
                 "grad^2 U <= I/s^2 (one-sided upper bound, MATH.md C.2, derived here)"});
  return out;
}

void moments(const MixtureModel& model, Eigen::Ref<Vector> mean, Eigen::Ref<Matrix> covariance) {
  mean = model.means * model.weights;
  covariance.setZero();
  for (Index k = 0; k < model.components; ++k) {
    const Vector c = model.means.col(k) - mean;
    covariance.noalias() += model.weights(k) * c * c.transpose();
    if (model.rotated()) {
      const Matrix& Q = model.rotations[static_cast<std::size_t>(k)];
      covariance.noalias() += model.weights(k) * Q * model.eigenvalues.col(k).asDiagonal() * Q.transpose();
    } else {
      covariance.diagonal() += model.weights(k) * model.eigenvalues.col(k);
    }
  }
}

}  // namespace sgmtk::mixture
