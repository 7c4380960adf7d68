#pragma once
// The validated description of pi = sum_k w_k N(mu_k, S_k) and the evaluation kernels over it
// (MATH.md C.2, B.8). Each kernel lives in its own .cpp; this header is their shared vocabulary.

#include <sgmtk/params.hpp>
#include <sgmtk/target.hpp>

#include <vector>

namespace sgmtk::mixture {

enum class CovarianceKind { isotropic, diagonal, full };

struct MixtureModel {
  Index dim = 0;
  Index components = 0;
  CovarianceKind kind = CovarianceKind::isotropic;
  Vector weights;      ///< K, >= 0, sum 1
  Vector log_weights;  ///< K (-inf for a zero weight)
  Matrix means;        ///< d x K, column k = mu_k
  Vector center;       ///< d: mean of the mu_k; kernels work with mu_k - center to limit cancellation
  Matrix centered_means;  ///< d x K: mu_k - center
  Vector centered_norms;  ///< K: |mu_k - center|^2
  Matrix centered_means_t;  ///< K x d: centered_means transposed (the score kernels' K-contiguous layout)
  /// Eigen-decomposition S_k = Q_k diag(lambda_k) Q_k^T. Isotropic and diagonal components have
  /// Q_k = I and no stored rotation (`rotations` empty); full ones store every Q_k.
  Matrix eigenvalues;           ///< d x K
  std::vector<Matrix> rotations;  ///< K matrices d x d, or empty
  Vector isotropic_variance;    ///< K: s_k^2 (isotropic kind only)
  bool equal_isotropic = false; ///< isotropic with one common s^2: the C.2/C.6 constants apply

  bool rotated() const { return !rotations.empty(); }
};

/// Builds the model from validated plugin parameters; throws ParamValueError naming the key.
MixtureModel build_model(const Params& params);

/// OU coefficients of one particle: m_t = e^{-t}, s2 = sigma_t^2 (t = 0 allowed: pi itself).
struct TimeCoefficients {
  RowVector m;   ///< 1 x n (or 1 x 1 when shared)
  RowVector s2;  ///< 1 x n (or 1 x 1 when shared)
  bool shared = true;
  double m_at(Index j) const { return shared ? m(0) : m(j); }
  double s2_at(Index j) const { return shared ? s2(0) : s2(j); }
};
TimeCoefficients time_coefficients(const Times& times, Index n);

/// Fast path for isotropic components: log-sum-exp responsibilities from one GEMM (mu^T y), the
/// score from a second one, diagonal Hessian and Hessian-vector products from a few more.
/// Fills q.score, q.log_density and the diagonal / vector_product Hessian when requested.
void evaluate_isotropic(const MixtureModel& model, const TimeCoefficients& tc, const ScoreQuery& q);

/// General path (diagonal and full covariances, and the full Hessian of any kind): one pass per
/// component in its eigenbasis. Fills every requested output.
void evaluate_components(const MixtureModel& model, const TimeCoefficients& tc, const ScoreQuery& q);

/// Responsibilities r_k(y) at time tau (K x n), for the exact reverse transition.
Matrix responsibilities(const MixtureModel& model, double tau, ConstBlock y);

}  // namespace sgmtk::mixture
