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
//
// Performance: the block is processed in chunks of `chunk` columns so that every temporary
// (d x chunk, K x chunk) is allocated once per call, stays in L1/L2, and the total stays under
// glibc's trim threshold (freeing more than 128 kB per call makes every call page-fault its
// buffers back in). The K-indexed arrays are stored particle-major (chunk x K, one column per
// component), so that every elementwise step, exp and log included, runs as long vectorized
// loops and the log-sum-exp is a row-wise reduction; small per-particle K-vectors would spend
// their time in loop overhead instead.
#include "mixture_model.hpp"

#include <sgmtk/error.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace sgmtk::mixture {
namespace {

constexpr Index chunk = 128;

}  // namespace

void evaluate_isotropic(const MixtureModel& model, const TimeCoefficients& tc, const ScoreQuery& q) {
  using Array = Eigen::ArrayXXd;
  const Index d = model.dim;
  const Index K = model.components;
  const Index n = q.x.cols;
  const auto x_all = q.x.map();
  const Matrix& mu = model.centered_means;  // d x K
  const double half_d_log_two_pi = 0.5 * double(d) * std::log(2.0 * std::numbers::pi);
  const bool want_hessian = q.hessian != HessianForm::none;
  const bool want_score = !q.score.empty() || want_hessian;
  if (want_hessian && q.hessian != HessianForm::diagonal && q.hessian != HessianForm::vector_product) {
    throw UnsupportedError(std::string("gaussian_mixture: isotropic fast path cannot give the ") +
                           to_string(q.hessian) + " Hessian");
  }
  const Eigen::RowVectorXd log_w = model.log_weights.transpose();
  const Eigen::RowVectorXd var = model.isotropic_variance.transpose();
  const Eigen::RowVectorXd norms = model.centered_norms.transpose();

  // Shared time: logit = c0 + c1 * mu^T y - c2 * |y|^2 with 1 x K coefficient rows.
  Eigen::RowVectorXd inv_v_row, c0, c1, c2;
  if (tc.shared) {
    const double m = tc.m(0);
    inv_v_row = (m * m * var.array() + tc.s2(0)).inverse().matrix();
    c0 = (log_w.array() - half_d_log_two_pi + 0.5 * double(d) * inv_v_row.array().log() -
          0.5 * m * m * norms.array() * inv_v_row.array())
             .matrix();
    c1 = m * inv_v_row;
    c2 = 0.5 * inv_v_row;
  }

  Matrix y(d, chunk), score_buf(d, chunk), lin(d, chunk), quad(d, chunk);
  Matrix logits(chunk, K), inv_v(chunk, K), b(chunk, K), c(chunk, K), c_m(chunk, K);
  Vector y_norm2(chunk), top(chunk), total(chunk), a(chunk), c_sum(chunk), m_col(chunk), s2_col(chunk);
  auto score_out = q.score.map();
  auto log_p_out = q.log_density.map();
  auto hess_out = q.hessian_out.map();
  const auto dir_all = q.direction.map();

  for (Index first = 0; first < n; first += chunk) {
    const Index nc = std::min(chunk, n - first);
    auto yc = y.leftCols(nc);
    const auto x = x_all.middleCols(first, nc);
    auto L = logits.topRows(nc).array();
    auto iv = inv_v.topRows(nc).array();
    auto mc = m_col.head(nc).array();
    if (tc.shared) {
      yc = x.colwise() - tc.m(0) * model.center;
      mc.setConstant(tc.m(0));
    } else {
      yc = x - model.center * tc.m.segment(first, nc);
      mc = tc.m.segment(first, nc).transpose().array();
      s2_col.head(nc) = tc.s2.segment(first, nc).transpose();
    }
    y_norm2.head(nc) = yc.colwise().squaredNorm().transpose();
    logits.topRows(nc).noalias() = yc.transpose() * mu;  // nc x K: mu_k^T y_j
    if (tc.shared) {
      // Column by column (one component each): long vectorized loops, no product temporaries.
      const auto yn = y_norm2.head(nc).array();
      for (Index k = 0; k < K; ++k) L.col(k) = c0(k) + c1(k) * L.col(k) - c2(k) * yn;
      if (want_score)
        for (Index k = 0; k < K; ++k) iv.col(k).setConstant(inv_v_row(k));
    } else {
      // v_jk = m_j^2 s_k^2 + s2_j
      iv = ((mc.square().matrix() * var).array().colwise() + s2_col.head(nc).array()).inverse();
      L = L * (iv.colwise() * mc) + 0.5 * double(d) * iv.log() -
          0.5 * iv * ((mc.square().matrix() * norms).array().colwise() + y_norm2.head(nc).array());
      L.rowwise() += (log_w.array() - half_d_log_two_pi);
    }
    auto tp = top.head(nc).array();
    auto tt = total.head(nc).array();
    tp = L.col(0);
    for (Index k = 1; k < K; ++k) tp = tp.max(L.col(k));
    for (Index k = 0; k < K; ++k) L.col(k) = (L.col(k) - tp).exp();  // unnormalized responsibilities
    tt = L.col(0);
    for (Index k = 1; k < K; ++k) tt += L.col(k);
    if (!q.log_density.empty()) {
      log_p_out.middleCols(first, nc) = (top.head(nc).array() + total.head(nc).array().log()).matrix().transpose();
    }
    if (!want_score) continue;
    tt = tt.inverse();

    // score = mu (r m / v) - y sum_k r_k / v_k
    auto B = b.topRows(nc).array();
    auto av = a.head(nc).array();
    av.setZero();
    for (Index k = 0; k < K; ++k) {
      L.col(k) *= tt;                   // r_k
      B.col(k) = L.col(k) * iv.col(k);  // r_k / v_k
      av += B.col(k);
    }
    Eigen::Map<Matrix> s(q.score.empty() ? score_buf.data() : score_out.col(first).data(), d, nc);
    if (q.hessian == HessianForm::diagonal) {
      auto C = c.topRows(nc).array();
      C = B * iv;  // r_k / v_k^2
      c_sum.head(nc) = C.rowwise().sum().matrix();
      c_m.topRows(nc).array() = C.colwise() * mc;
      C.colwise() *= mc.square();
    } else if (q.hessian == HessianForm::vector_product) {
      c.topRows(nc) = b.topRows(nc);  // keep r_k / v_k for the direction terms
    }
    B.colwise() *= mc;
    s.noalias() = mu * b.topRows(nc).transpose();
    s -= (yc.array().rowwise() * a.head(nc).transpose().array()).matrix();
    if (!want_hessian) continue;

    auto h = hess_out.middleCols(first, nc);
    const auto a_row = a.head(nc).transpose().array();
    if (q.hessian == HessianForm::diagonal) {
      // sum_k r_k g_k^2 = mu^2 (r m^2/v^2) - 2 y mu (r m/v^2) + y^2 sum_k r_k/v_k^2
      lin.leftCols(nc).noalias() = mu * c_m.topRows(nc).transpose();
      quad.leftCols(nc).noalias() = mu.cwiseAbs2() * c.topRows(nc).transpose();
      h = ((quad.leftCols(nc).array() - 2.0 * yc.array() * lin.leftCols(nc).array() +
            yc.array().square().rowwise() * c_sum.head(nc).transpose().array() - s.array().square())
               .rowwise() -
           a_row)
              .matrix();
    } else {
      const auto dir = dir_all.middleCols(first, nc);
      // (g_k . v) = (m mu_k^T v - y^T v) / v_k; weights r_k (g_k . v) / v_k, times m
      c_m.topRows(nc).noalias() = dir.transpose() * mu;  // nc x K: mu_k^T v_j
      const Eigen::ArrayXd y_dir = (yc.array() * dir.array()).colwise().sum().transpose();
      auto W = c.topRows(nc).array();
      W *= ((c_m.topRows(nc).array().colwise() * mc).colwise() - y_dir) * iv;
      c_sum.head(nc) = W.rowwise().sum().matrix();
      W.colwise() *= mc;
      lin.leftCols(nc).noalias() = mu * c.topRows(nc).transpose();
      const Eigen::ArrayXXd score_dir = (s.array() * dir.array()).colwise().sum();
      h = (lin.leftCols(nc).array() - yc.array().rowwise() * c_sum.head(nc).transpose().array() -
           dir.array().rowwise() * a_row - s.array().rowwise() * score_dir.row(0))
              .matrix();
    }
  }
}

}  // namespace sgmtk::mixture
