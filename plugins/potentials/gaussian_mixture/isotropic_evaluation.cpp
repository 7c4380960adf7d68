// Isotropic components S_k = s_k^2 I (MATH.md C.2): at time t component k of p_t is
// N(m mu_k, v_k I) with v_k = m^2 s_k^2 + sigma_t^2, so every quantity is a function of the K x n
// inner products mu_k^T y (one GEMM) and of |y|^2:
//   logit_k = log w_k - d/2 log(2 pi v_k) - (|y|^2 - 2 m mu_k^T y + m^2 |mu_k|^2) / (2 v_k)
//   r = softmax(logit) (log-sum-exp), g_k = (m mu_k - y)/v_k,
//   score = sum_k r_k g_k = M (r m / v) - y sum_k r_k / v_k          (a second GEMM)
//   diag H = sum_k r_k (g_k^2 - 1/v_k) - score^2, expanded in powers of y (two more GEMMs)
//   H v   = sum_k r_k g_k (g_k . v) - v sum_k r_k / v_k - score (score . v)
// Means and positions are centred on the mean of the mu_k first (y - m c, mu_k - c leave every
// difference y - m mu_k unchanged) so that the expanded squares do not lose digits when the whole
// mixture sits far from the origin.
#include "mixture_model.hpp"

#include <sgmtk/error.hpp>

#include <cmath>
#include <numbers>

namespace sgmtk::mixture {

void evaluate_isotropic(const MixtureModel& model, const TimeCoefficients& tc, const ScoreQuery& q) {
  using Array = Eigen::ArrayXXd;
  const Index d = model.dim;
  const Index n = q.x.cols;
  const auto x = q.x.map();
  const Matrix& mu = model.centered_means;  // d x K

  // Centred positions y - m c.
  Matrix y(d, n);
  if (tc.shared) {
    y = x.colwise() - tc.m(0) * model.center;
  } else {
    y.noalias() = x - model.center * tc.m;
  }
  const RowVector y_norm2 = y.colwise().squaredNorm();
  Matrix inner(model.components, n);
  inner.noalias() = mu.transpose() * y;  // K x n: mu_k^T y

  // Per (k, j) coefficients; with a shared time they are K-vectors broadcast along the columns.
  Array inv_v;      // 1 / v_k
  Array logits;
  const double log_two_pi = std::log(2.0 * std::numbers::pi);
  if (tc.shared) {
    const double m = tc.m(0);
    const Eigen::ArrayXd v = m * m * model.isotropic_variance.array() + tc.s2(0);
    const Eigen::ArrayXd iv = v.inverse();
    const Eigen::ArrayXd c0 = model.log_weights.array() - 0.5 * double(d) * (log_two_pi + v.log()) -
                              0.5 * m * m * model.centered_norms.array() * iv;
    logits = (inner.array().colwise() * (m * iv)).colwise() + c0;
    logits -= ((0.5 * iv).matrix() * y_norm2).array();
    inv_v = iv.replicate(1, n);
  } else {
    const RowVector m2 = tc.m.array().square().matrix();
    const Array v = (model.isotropic_variance * m2).array().rowwise() + tc.s2.array();
    inv_v = v.inverse();
    logits = (-0.5 * double(d) * (log_two_pi + v.log())).colwise() + model.log_weights.array();
    logits -= 0.5 * inv_v * ((model.centered_norms * m2).array().rowwise() + y_norm2.array() -
                             2.0 * (inner.array().rowwise() * tc.m.array()));
  }

  // Log-sum-exp responsibilities.
  const Eigen::RowVectorXd top = logits.colwise().maxCoeff().matrix();
  Array r = (logits.rowwise() - top.array()).exp();
  const Eigen::ArrayXXd total = r.colwise().sum();
  r.rowwise() /= total.row(0);
  if (!q.log_density.empty()) q.log_density.map() = (top.array() + total.row(0).log()).matrix();

  const bool want_hessian = q.hessian != HessianForm::none;
  if (q.score.empty() && !want_hessian) return;

  // score = mu (r m / v) - y sum_k r_k / v_k
  const Array a_kn = r * inv_v;
  const Eigen::RowVectorXd a = a_kn.colwise().sum().matrix();
  Array b_kn = a_kn;
  if (tc.shared) b_kn *= tc.m(0); else b_kn.rowwise() *= tc.m.array();
  Matrix score(d, n);
  score.noalias() = mu * b_kn.matrix();
  score -= (y.array().rowwise() * a.array()).matrix();
  if (!q.score.empty()) q.score.map() = score;
  if (!want_hessian) return;

  switch (q.hessian) {
    case HessianForm::diagonal: {
      // sum_k r_k g_k^2 = mu^2 (r m^2/v^2) - 2 y mu (r m/v^2) + y^2 sum_k r_k/v_k^2
      const Array c_kn = a_kn * inv_v;
      const Eigen::RowVectorXd c = c_kn.colwise().sum().matrix();
      Array cm = c_kn, cm2 = c_kn;
      if (tc.shared) {
        cm *= tc.m(0);
        cm2 *= tc.m(0) * tc.m(0);
      } else {
        cm.rowwise() *= tc.m.array();
        cm2.rowwise() *= tc.m.array().square();
      }
      Matrix lin(d, n), quad(d, n);
      lin.noalias() = mu * cm.matrix();
      quad.noalias() = mu.cwiseAbs2() * cm2.matrix();
      auto out = q.hessian_out.map();
      out = (quad.array() - 2.0 * y.array() * lin.array() + y.array().square().rowwise() * c.array() -
             score.array().square()).rowwise() - a.array();
      break;
    }
    case HessianForm::vector_product: {
      const auto dir = q.direction.map();
      Matrix mu_dir(model.components, n);
      mu_dir.noalias() = mu.transpose() * dir;
      const Eigen::ArrayXXd y_dir = (y.array() * dir.array()).colwise().sum();
      // (g_k . v) = (m mu_k^T v - y^T v) / v_k
      Array gv = mu_dir.array();
      if (tc.shared) gv *= tc.m(0); else gv.rowwise() *= tc.m.array();
      gv.rowwise() -= y_dir.row(0);
      gv *= inv_v;
      const Array w_kn = a_kn * gv;  // r_k (g_k . v) / v_k
      const Eigen::RowVectorXd w = w_kn.colwise().sum().matrix();
      Array wm = w_kn;
      if (tc.shared) wm *= tc.m(0); else wm.rowwise() *= tc.m.array();
      Matrix lin(d, n);
      lin.noalias() = mu * wm.matrix();
      const Eigen::ArrayXXd score_dir = (score.array() * dir.array()).colwise().sum();
      auto out = q.hessian_out.map();
      out = (lin.array() - y.array().rowwise() * w.array() - dir.array().rowwise() * a.array() -
             score.array().rowwise() * score_dir.row(0))
                .matrix();
      break;
    }
    default:
      throw UnsupportedError(std::string("gaussian_mixture: isotropic fast path cannot give the ") +
                             to_string(q.hessian) + " Hessian");
  }
}

}  // namespace sgmtk::mixture
