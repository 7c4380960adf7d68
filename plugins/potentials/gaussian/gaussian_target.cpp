// The gaussian target's numerics (MATH.md C.1 score and Hessian, B.8 reverse kernel). Everything
// is done in the eigenbasis of S, where every Sigma_t is diagonal.
#include "gaussian_target.hpp"

#include <sgmtk/error.hpp>
#include <sgmtk/ou.hpp>

#include <cmath>
#include <numbers>
#include <string>

namespace sgmtk::gaussian {
namespace {

void check_shape(const char* what, Index rows, Index cols, Index want_rows, Index want_cols) {
  if (rows != want_rows || cols != want_cols) {
    throw Error("gaussian: " + std::string(what) + " is " + std::to_string(rows) + " x " + std::to_string(cols) +
                ", expected " + std::to_string(want_rows) + " x " + std::to_string(want_cols));
  }
}

}  // namespace

GaussianTarget::GaussianTarget(const Params& p) : GaussianTarget(gaussian_law_from_params(p)) {}

GaussianTarget::GaussianTarget(GaussianLaw law) : law_(std::move(law)) {
  eigen_mean_ = law_.diagonal ? law_.mean : Vector(law_.eigenvectors.transpose() * law_.mean);
}

TargetTraits GaussianTarget::traits() const {
  TargetTraits t;
  // A product of identical 1-D laws: S diagonal with equal entries and equal mean entries.
  const Vector& l = law_.eigenvalues;
  const Vector& m = law_.mean;
  t.product_form = law_.diagonal && (l.array() == l(0)).all() && (m.array() == m(0)).all();
  t.hessian_diagonal = true;
  t.hessian_full = true;
  t.hessian_vector_product = true;
  t.log_density = true;
  t.normalized_log_density = true;
  t.potential = true;
  t.moments = true;
  t.exact_reverse = true;
  return t;
}

// Rotations use coefficient-based (lazy) products on purpose: Eigen switches between a lazy
// kernel and blocked GEMM depending on the number of columns, and the two round differently, so
// a GEMM would make a particle's result depend on the size of the block it travels in. The lazy
// product computes every column with the same operations whatever n is (bitwise block-split
// invariance, DESIGN.md section 5), at the same O(d^2) flops per particle.
Matrix GaussianTarget::to_eigen(ConstBlock x) const {
  if (law_.diagonal) return x;
  Matrix z(x.rows(), x.cols());
  z.noalias() = law_.eigenvectors.transpose().lazyProduct(x);
  return z;
}

void GaussianTarget::from_eigen(const Matrix& z, Block out) const {
  if (law_.diagonal) {
    out = z;
  } else {
    out.noalias() = law_.eigenvectors.lazyProduct(z);
  }
}

void GaussianTarget::sample(const RandomStream& rng, Index first_particle, Block out) const {
  check_shape("the sample block", out.rows(), out.cols(), dim(), out.cols());
  rng.normals(0, first_particle, out);
  // m + Q diag(sqrt(lambda)) xi: Q diag(sqrt(lambda)) is a square root of S.
  const Matrix scaled = law_.eigenvalues.cwiseSqrt().asDiagonal() * out;
  from_eigen(scaled, out);
  out.colwise() += law_.mean;
}

void GaussianTarget::evaluate(const ScoreQuery& q) const {
  const Index d = dim();
  const Index n = q.x.cols;
  check_shape("the particle block", q.x.rows, n, d, n);
  const auto x = q.x.map();

  // Per particle: m_t and s_t^2 (constant rows when the time is shared).
  RowVector mt(n);
  RowVector s2(n);
  if (q.times.is_shared()) {
    mt.setConstant(ou::mean_factor(q.times.shared()));
    s2.setConstant(ou::noise_variance(q.times.shared()));
  } else {
    for (Index j = 0; j < n; ++j) {
      mt(j) = ou::mean_factor(q.times[j]);
      s2(j) = ou::noise_variance(q.times[j]);
    }
  }
  // precision(i, j) = 1 / (m_t^2 lambda_i + s_t^2): the eigenvalues of Sigma_t^{-1} at particle j's time.
  Matrix precision = law_.eigenvalues * mt.cwiseAbs2();
  precision.rowwise() += s2;
  precision = precision.cwiseInverse();

  const bool want_z = !q.score.empty() || !q.log_density.empty();
  Matrix z;  // Q^T (x - m_t m)
  if (want_z) {
    Matrix centred = x - law_.mean * mt;
    z = to_eigen(centred);
  }

  if (!q.score.empty()) {
    check_shape("the score output", q.score.rows, q.score.cols, d, n);
    // grad log p_t = -Sigma_t^{-1} (x - m_t m) = -Q diag(precision) Q^T (x - m_t m)
    const Matrix pz = -precision.cwiseProduct(z);
    from_eigen(pz, q.score.map());
  }

  if (!q.log_density.empty()) {
    check_shape("the log-density output", q.log_density.rows, q.log_density.cols, 1, n);
    // log N(x; m_t m, Sigma_t) = -d/2 log(2 pi) - 1/2 log det Sigma_t - 1/2 z^T diag(precision) z
    auto out = q.log_density.map();
    const double c = -0.5 * static_cast<double>(d) * std::log(2.0 * std::numbers::pi);
    out = (c + 0.5 * precision.array().log().colwise().sum() -
           0.5 * (precision.array() * z.array().square()).colwise().sum())
              .matrix();
  }

  if (q.hessian == HessianForm::none || q.hessian_out.empty()) return;
  auto h = q.hessian_out.map();
  switch (q.hessian) {
    case HessianForm::diagonal:
      check_shape("the diagonal-Hessian output", h.rows(), h.cols(), d, n);
      // diag(Q diag(p) Q^T)_i = sum_k Q_ik^2 p_k
      if (law_.diagonal) {
        h = -precision;
      } else {
        h.noalias() = -(law_.eigenvectors.cwiseAbs2().lazyProduct(precision));
      }
      break;
    case HessianForm::full: {
      check_shape("the full-Hessian output", h.rows(), h.cols(), d * d, n);
      const Matrix& Q = law_.eigenvectors;
      Matrix hj(d, d);
      for (Index j = 0; j < n; ++j) {
        // One d x d matrix per particle is unavoidable here; with a shared time it is the same.
        if (j == 0 || !q.times.is_shared()) {
          if (law_.diagonal) {
            hj.setZero();
            hj.diagonal() = -precision.col(j);
          } else {
            hj.noalias() = -Q * precision.col(j).asDiagonal() * Q.transpose();
          }
        }
        h.col(j) = Eigen::Map<const Vector>(hj.data(), d * d);
      }
      break;
    }
    case HessianForm::vector_product: {
      check_shape("the Hessian-vector output", h.rows(), h.cols(), d, n);
      check_shape("the Hessian direction", q.direction.rows, q.direction.cols, d, n);
      const Matrix pv = -precision.cwiseProduct(to_eigen(q.direction.map()));
      from_eigen(pv, h);
      break;
    }
    case HessianForm::none: break;
  }
}

void GaussianTarget::moments(Eigen::Ref<Vector> mean, Eigen::Ref<Matrix> covariance) const {
  mean = law_.mean;
  if (law_.diagonal) {
    covariance.setZero();
    covariance.diagonal() = law_.eigenvalues;
  } else {
    covariance = law_.covariance;
  }
}

void GaussianTarget::potential(ConstBlock x, Eigen::Ref<RowVector> u) const {
  check_shape("the particle block", x.rows(), x.cols(), dim(), x.cols());
  // U = 1/2 (x - m)^T S^{-1} (x - m), without the normalizing constant.
  const Matrix z = to_eigen(x.colwise() - law_.mean);
  u = 0.5 * (z.array().square().colwise() / law_.eigenvalues.array()).colwise().sum().matrix();
}

void GaussianTarget::potential_gradient(ConstBlock x, Block grad) const {
  check_shape("the particle block", x.rows(), x.cols(), dim(), x.cols());
  const Matrix z = to_eigen(x.colwise() - law_.mean);
  const Matrix scaled = law_.eigenvalues.cwiseInverse().asDiagonal() * z;
  from_eigen(scaled, grad);
}

void GaussianTarget::reverse_transition(double tau, double h, ConstBlock y, ConstBlock xi,
                                        Eigen::Ref<const RowVector> /*u: no components*/,
                                        Block out) const {
  const Index d = dim();
  check_shape("the particle block", y.rows(), y.cols(), d, y.cols());
  check_shape("the normals", xi.rows(), xi.cols(), d, y.cols());
  if (!(h > 0.0 && h <= tau)) {
    throw Error("gaussian: reverse_transition needs 0 < h <= tau, got tau = " + std::to_string(tau) +
                ", h = " + std::to_string(h));
  }
  // MATH.md B.8 per eigen-coordinate: Sigma_s = e^{-2s} lambda + 1 - e^{-2s}, s = tau - h,
  //   mean = mu_s + G (z - mu_tau),  G = e^{-h} Sigma_s / Sigma_tau,
  //   var  = Sigma_s - e^{-2h} Sigma_s^2 / Sigma_tau = Sigma_s (1 - e^{-2h}) / Sigma_tau,
  // the last form because Sigma_tau = e^{-2h} Sigma_s + (1 - e^{-2h}) (no cancellation for small h).
  const double s = tau - h;
  const Vector& l = law_.eigenvalues;
  const Vector sigma_s = (ou::mean_factor(s) * ou::mean_factor(s)) * l.array() + ou::noise_variance(s);
  const Vector sigma_tau = (ou::mean_factor(tau) * ou::mean_factor(tau)) * l.array() + ou::noise_variance(tau);
  const Vector gain = ou::mean_factor(h) * sigma_s.cwiseQuotient(sigma_tau);
  const Vector stddev = (ou::noise_variance(h) * sigma_s.cwiseQuotient(sigma_tau)).cwiseSqrt();
  const Vector mu_s = ou::mean_factor(s) * eigen_mean_;
  const Vector mu_tau = ou::mean_factor(tau) * eigen_mean_;

  Matrix z = to_eigen(y);
  z = (gain.asDiagonal() * (z.colwise() - mu_tau)).colwise() + mu_s;
  z += stddev.asDiagonal() * xi;  // xi in the eigenbasis: Q xi is standard normal too
  from_eigen(z, out);
}

std::vector<NamedConstant> GaussianTarget::constants() const {
  const double lmin = law_.eigenvalues.minCoeff();
  const double lmax = law_.eigenvalues.maxCoeff();
  return {
      {"semiconvexity_K", -1.0 / lmax,
       "U + K|x|^2/2 is convex for K = -1/lambda_max(S): U is convex (MATH.md C.6, derived here)"},
      {"strong_convexity_at_infinity_mu", 1.0 / lmax,
       "grad^2 U = S^{-1} >= I/lambda_max(S) everywhere, so any radius R works (MATH.md C.6, derived here)"},
      {"strong_log_concavity", 1.0 / lmax,
       "pi is 1/lambda_max(S)-strongly log-concave (MATH.md C.1; standard fact, constants derived here)"},
      {"smoothness_L", 1.0 / lmin,
       "grad U is 1/lambda_min(S)-Lipschitz, also the one-sided upper bound L (MATH.md C.1, C.6, derived here)"},
  };
}

}  // namespace sgmtk::gaussian
