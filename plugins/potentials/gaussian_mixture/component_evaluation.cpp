// General path for diagonal and full covariances (MATH.md C.2), and for the full Hessian of any
// kind. Component k of p_t is N(m mu_k, Sigma_k) with Sigma_k = m^2 S_k + sigma_t^2 I; in the
// eigenbasis of S_k = Q_k diag(lambda_k) Q_k^T it is diagonal, D_k = m^2 lambda_k + sigma_t^2, so
//   g_k = -Sigma_k^{-1}(y - m mu_k) = Q_k [(m Q_k^T mu_k - Q_k^T y) / D_k]
//   logit_k = log w_k - 1/2 sum log(2 pi D_k) - 1/2 (y - m mu_k)^T Sigma_k^{-1} (y - m mu_k)
//   H = sum_k r_k (g_k g_k^T - Sigma_k^{-1}) - score score^T.
// One pass per component over the d x n block (plus a d x d x n product when rotated).
//
// Block invariance: every per-particle result must not depend on the block's width or on the
// particle's position in it. So no GEMM whose kernel Eigen picks from n (products go through
// `apply`, column by column in a fixed order), no reduction whose order follows a column's
// address alignment (`column_sums`), and exp/log one element at a time (Eigen's packet and
// scalar exp differ, and which one an element gets depends on where it sits). The file is
// compiled with -ffp-contract=off (see CMakeLists.txt).
#include "mixture_model.hpp"

#include <sgmtk/error.hpp>

#include <cmath>
#include <numbers>

namespace sgmtk::mixture {
namespace {

// A X, column by column: out(i, j) = sum_l A(i, l) X(l, j) accumulated in order l = 0, 1, ...
template <class Derived>
Matrix apply(const Matrix& A, const Eigen::DenseBase<Derived>& X) {
  const Index n = X.cols();
  Matrix out = Matrix::Zero(A.rows(), n);
  for (Index j = 0; j < n; ++j) {
    for (Index l = 0; l < A.cols(); ++l) {
      const double x = X(l, j);
      for (Index i = 0; i < A.rows(); ++i) out(i, j) = std::fma(A(i, l), x, out(i, j));
    }
  }
  return out;
}

// Column sums in row order, the same for every column.
template <class Derived>
Eigen::ArrayXXd column_sums(const Eigen::DenseBase<Derived>& expr) {
  const Eigen::ArrayXXd a = expr;
  Eigen::ArrayXXd out(1, a.cols());
  for (Index j = 0; j < a.cols(); ++j) {
    double s = 0.0;
    for (Index i = 0; i < a.rows(); ++i) s += a(i, j);
    out(0, j) = s;
  }
  return out;
}

template <class Derived>
Eigen::ArrayXXd scalar_exp(const Eigen::DenseBase<Derived>& expr) {
  return expr.derived().unaryExpr([](double v) { return std::exp(v); });
}
template <class Derived>
Eigen::ArrayXXd scalar_log(const Eigen::DenseBase<Derived>& expr) {
  return expr.derived().unaryExpr([](double v) { return std::log(v); });
}

}  // namespace

void evaluate_components(const MixtureModel& model, const TimeCoefficients& tc, const ScoreQuery& q) {
  using Array = Eigen::ArrayXXd;
  const Index d = model.dim;
  const Index K = model.components;
  const Index n = q.x.cols;
  const auto x = q.x.map();
  const double log_two_pi = std::log(2.0 * std::numbers::pi);

  Matrix y(d, n);
  if (tc.shared) y = x.colwise() - tc.m(0) * model.center;
  else y.noalias() = x - model.center * tc.m;

  std::vector<Matrix> grads(static_cast<std::size_t>(K));  // g_k, d x n
  std::vector<Array> inv_var(static_cast<std::size_t>(K));  // 1/D_k: d x 1 (shared) or d x n
  Array logits(K, n);
  for (Index k = 0; k < K; ++k) {
    const auto ks = static_cast<std::size_t>(k);
    const Eigen::ArrayXd lambda = model.eigenvalues.col(k).array();
    Matrix z;
    Eigen::ArrayXd nu;
    if (model.rotated()) {
      const Matrix& Q = model.rotations[ks];
      z = apply(Matrix(Q.transpose()), y);
      nu = (Q.transpose() * model.centered_means.col(k)).array();
    } else {
      z = y;
      nu = model.centered_means.col(k).array();
    }
    Array delta(d, n);  // m nu - z
    if (tc.shared) {
      const double m = tc.m(0);
      const Eigen::ArrayXd D = m * m * lambda + tc.s2(0);
      inv_var[ks] = D.inverse();
      delta = (-z.array()).colwise() + m * nu;
      const Array gr = delta.colwise() * inv_var[ks].col(0);
      logits.row(k) = (model.log_weights(k) - 0.5 * (double(d) * log_two_pi + D.log().sum())) -
                      0.5 * column_sums(delta * gr);
      grads[ks] = model.rotated() ? apply(model.rotations[ks], gr) : Matrix(gr.matrix());
    } else {
      const Array D = (lambda.matrix() * tc.m.array().square().matrix()).array().rowwise() + tc.s2.array();
      inv_var[ks] = D.inverse();
      delta = (nu.matrix() * tc.m).array() - z.array();
      const Array gr = delta * inv_var[ks];
      logits.row(k) = model.log_weights(k) -
                      0.5 * (double(d) * log_two_pi + column_sums(scalar_log(D)) + column_sums(delta * gr));
      grads[ks] = model.rotated() ? apply(model.rotations[ks], gr) : Matrix(gr.matrix());
    }
  }

  const Eigen::RowVectorXd top = logits.colwise().maxCoeff().matrix();
  Array r = scalar_exp(logits.rowwise() - top.array());
  const Array total = column_sums(r);
  r.rowwise() /= total.row(0);
  if (!q.log_density.empty()) q.log_density.map() = (top.array() + scalar_log(total.row(0))).matrix();

  Matrix score = Matrix::Zero(d, n);
  for (Index k = 0; k < K; ++k) score += (grads[static_cast<std::size_t>(k)].array().rowwise() * r.row(k)).matrix();
  if (!q.score.empty()) q.score.map() = score;

  // diag(Sigma_k^{-1}) as d x 1 or d x n.
  auto inverse_diagonal = [&](Index k) -> Array {
    const auto ks = static_cast<std::size_t>(k);
    if (!model.rotated()) return inv_var[ks];
    const Matrix& Q = model.rotations[ks];
    return apply(Matrix(Q.cwiseAbs2()), inv_var[ks]).array();
  };

  switch (q.hessian) {
    case HessianForm::none:
      return;
    case HessianForm::diagonal: {
      Array acc = -score.array().square();
      for (Index k = 0; k < K; ++k) {
        const Array inv_diag = inverse_diagonal(k);
        Array term = grads[static_cast<std::size_t>(k)].array().square();
        if (inv_diag.cols() == 1) term.colwise() -= inv_diag.col(0);
        else term -= inv_diag;
        acc += term.rowwise() * r.row(k);
      }
      q.hessian_out.map() = acc.matrix();
      return;
    }
    case HessianForm::vector_product: {
      const auto dir = q.direction.map();
      Array acc = -(score.array().rowwise() * column_sums(score.array() * dir.array()).row(0));
      for (Index k = 0; k < K; ++k) {
        const auto ks = static_cast<std::size_t>(k);
        const Array& g = grads[ks].array();
        // Sigma_k^{-1} v = Q ((Q^T v) / D)
        Matrix sv;
        if (model.rotated()) {
          const Matrix& Q = model.rotations[ks];
          Array qv = apply(Matrix(Q.transpose()), dir).array();
          if (inv_var[ks].cols() == 1) qv.colwise() *= inv_var[ks].col(0); else qv *= inv_var[ks];
          sv = apply(Q, qv);
        } else {
          Array v = dir.array();
          if (inv_var[ks].cols() == 1) v.colwise() *= inv_var[ks].col(0); else v *= inv_var[ks];
          sv = v.matrix();
        }
        const Array term = g.rowwise() * column_sums(g * dir.array()).row(0) - sv.array();
        acc += term.rowwise() * r.row(k);
      }
      q.hessian_out.map() = acc.matrix();
      return;
    }
    case HessianForm::full: {
      auto out = q.hessian_out.map();
      Matrix h(d, d);
      // Shared time: each Sigma_k^{-1} is one d x d matrix for the whole block.
      std::vector<Matrix> precision;
      if (tc.shared) {
        for (Index k = 0; k < K; ++k) {
          const auto ks = static_cast<std::size_t>(k);
          if (model.rotated()) {
            const Matrix& Q = model.rotations[ks];
            precision.push_back(Q * inv_var[ks].col(0).matrix().asDiagonal() * Q.transpose());
          } else {
            precision.push_back(inv_var[ks].col(0).matrix().asDiagonal());
          }
        }
      }
      for (Index j = 0; j < n; ++j) {
        h.noalias() = -score.col(j) * score.col(j).transpose();
        for (Index k = 0; k < K; ++k) {
          const auto ks = static_cast<std::size_t>(k);
          const double rk = r(k, j);
          if (rk == 0.0) continue;
          const auto g = grads[ks].col(j);
          h.noalias() += rk * g * g.transpose();
          if (tc.shared) {
            h -= rk * precision[ks];
          } else if (model.rotated()) {
            const Matrix& Q = model.rotations[ks];
            h.noalias() -= Q * (rk * inv_var[ks].col(j)).matrix().asDiagonal() * Q.transpose();
          } else {
            h.diagonal() -= (rk * inv_var[ks].col(j)).matrix();
          }
        }
        out.col(j) = Eigen::Map<const Vector>(h.data(), d * d);
      }
      return;
    }
  }
}

Matrix responsibilities(const MixtureModel& model, double tau, ConstBlock y) {
  // The log-sum-exp of the general path, without the derivatives.
  const Index K = model.components;
  const Index n = y.cols();
  const double m = std::exp(-tau);
  const double s2 = -std::expm1(-2.0 * tau);
  const Matrix yc = y.colwise() - m * model.center;
  Eigen::ArrayXXd logits(K, n);
  for (Index k = 0; k < K; ++k) {
    const Eigen::ArrayXd D = m * m * model.eigenvalues.col(k).array() + s2;
    Eigen::ArrayXXd delta;
    if (model.rotated()) {
      const Matrix& Q = model.rotations[static_cast<std::size_t>(k)];
      delta = (apply(Matrix(Q.transpose()), yc).colwise() - m * (Q.transpose() * model.centered_means.col(k))).array();
    } else {
      delta = (yc.colwise() - m * model.centered_means.col(k)).array();
    }
    logits.row(k) = model.log_weights(k) - 0.5 * D.log().sum() -
                    0.5 * column_sums(delta.square().colwise() / D);
  }
  const Eigen::RowVectorXd top = logits.colwise().maxCoeff().matrix();
  Eigen::ArrayXXd r = scalar_exp(logits.rowwise() - top.array());
  const Eigen::ArrayXXd total = column_sums(r);
  r.rowwise() /= total.row(0);
  return r.matrix();
}

}  // namespace sgmtk::mixture
