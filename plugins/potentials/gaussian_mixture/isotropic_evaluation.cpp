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
// Block invariance (evaluate() must give every particle the same bits whatever block it is in):
// the block is processed in chunks of exactly `chunk` columns, the last one padded, so that the
// GEMMs always have the same shapes (Eigen picks its kernels, and the summation order inside
// them, from the shapes: with n-dependent shapes a block of 1 column went through another
// kernel than a block of 512 and differed by an ulp). Particles are GEMM columns, never rows:
// gebp treats every column of a full 4-column panel alike, while rows go through 12/8/4-row
// paths with different accumulators. Every other per-particle quantity is an explicit loop in a
// fixed order (|y|^2 and dot products: 4 interleaved partial sums) or an Eigen packet operation
// on a whole, aligned, fixed-size chunk column (exp, log: never the scalar peel/tail, whose exp
// differs from the packet one); and this file is compiled with -ffp-contract=off so that the
// compiler cannot fuse a multiply-add in one copy of a loop (vector body) and not in another
// (scalar tail). FMAs are written out where they are wanted.
//
// Performance: the K-indexed arrays are particle-major (chunk x K, one aligned column per
// component), so that every elementwise step, exp included, runs as long vectorized loops and
// the log-sum-exp is a sequence of column operations. Temporaries are allocated once per call
// and stay in L1/L2.
#include "isotropic_kernel.hpp"
#include "mixture_model.hpp"

#include <sgmtk/error.hpp>
#include <sgmtk/random.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <numbers>
#include <vector>

namespace sgmtk::mixture {
namespace {

constexpr Index chunk = 64;  // multiple of the packet size (and of gebp's 4-column panels)
using ChunkArray = Eigen::Array<double, chunk, 1>;
using ChunkMap = Eigen::Map<ChunkArray, Eigen::Aligned32>;

// sum_i a_i b_i in one fixed order whatever the addresses (Eigen's reductions peel to the
// alignment of each column, which varies with the column's position).
inline double dot(const double* a, const double* b, Index d) {
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  Index i = 0;
  for (; i + 4 <= d; i += 4) {
    s0 = std::fma(a[i], b[i], s0);
    s1 = std::fma(a[i + 1], b[i + 1], s1);
    s2 = std::fma(a[i + 2], b[i + 2], s2);
    s3 = std::fma(a[i + 3], b[i + 3], s3);
  }
  if (i < d) s0 = std::fma(a[i], b[i], s0);
  if (i + 1 < d) s1 = std::fma(a[i + 1], b[i + 1], s1);
  if (i + 2 < d) s2 = std::fma(a[i + 2], b[i + 2], s2);
  return (s0 + s1) + (s2 + s3);
}

ChunkMap column(Matrix& m, Index k) { return ChunkMap(m.col(k).data()); }

}  // namespace

void evaluate_isotropic(const MixtureModel& model, const TimeCoefficients& tc, const ScoreQuery& q) {
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
  const Vector& var = model.isotropic_variance;
  const Vector& norms = model.centered_norms;

  // Shared time: logit = c0 + c1 * mu^T y - c2 * |y|^2, per component.
  Vector inv_v_shared, c0, c1, c2, m_center;
  if (tc.shared) {
    const double m = tc.m(0);
    inv_v_shared = (m * m * var.array() + tc.s2(0)).inverse().matrix();
    c0 = (model.log_weights.array() - half_d_log_two_pi + 0.5 * double(d) * inv_v_shared.array().log() -
          0.5 * m * m * norms.array() * inv_v_shared.array())
             .matrix();
    c1 = m * inv_v_shared;
    c2 = 0.5 * inv_v_shared;
    m_center = m * model.center;
  }

  // The samplers' query (the score alone, one time for the block): the SIMD kernels of
  // isotropic_kernel.cpp, particles in lanes, no GEMM and no chunk padding to amortize.
  if (tc.shared && !want_hessian && q.log_density.empty() && !q.score.empty()) {
    SharedTimeScoreArgs args;
    args.dim = d;
    args.components = K;
    args.means_t = model.centered_means_t.data();  // K x d, built once with the model
    args.offset = m_center.data();
    args.c0 = c0.data();
    args.c1 = c1.data();
    args.c2 = c2.data();
    args.inv_v = inv_v_shared.data();
    args.m = tc.m(0);
    // Working memory the kernel overwrites before reading: not zero-filled.
    const auto work = std::make_unique_for_overwrite<double[]>(static_cast<std::size_t>(shared_time_score_work(d, K) + 8));
    double* aligned = work.get();
    while (reinterpret_cast<std::uintptr_t>(aligned) % 64 != 0) ++aligned;
    const bool wide = shared_time_score_has_wide() && simd_wide_enabled();
    (wide ? shared_time_score_wide : shared_time_score_base)(args, q.x.data, q.x.rows, n, q.score.data,
                                                            q.score.rows, aligned);
    return;
  }

  const Matrix mu_t = mu.transpose();  // K x d
  Matrix y(d, chunk), s_buf(d, chunk), lin(d, chunk), quad(d, chunk), dir(d, chunk);
  Matrix gemm_out(K, chunk), gemm_in(K, chunk);
  Matrix logits(chunk, K), inv_v(chunk, K), b(chunk, K), c(chunk, K), c_m(chunk, K);
  Matrix per_particle(chunk, 8);  // |y|^2, max, total, sum_k r_k/v_k, c_sum, m, s2, spare
  ChunkMap y_norm2 = column(per_particle, 0), top = column(per_particle, 1), total = column(per_particle, 2);
  ChunkMap a = column(per_particle, 3), c_sum = column(per_particle, 4), mc = column(per_particle, 5);
  ChunkMap s2c = column(per_particle, 6), spare = column(per_particle, 7);
  auto score_out = q.score.map();
  auto log_p_out = q.log_density.map();
  auto hess_out = q.hessian_out.map();
  const auto dir_all = q.direction.map();

  for (Index first = 0; first < n; first += chunk) {
    const Index nc = std::min(chunk, n - first);
    // The chunk, centred; padding columns are zeros (finite, discarded).
    for (Index j = 0; j < nc; ++j) {
      const double* xj = x_all.col(first + j).data();
      double* yj = y.col(j).data();
      if (tc.shared) {
        for (Index i = 0; i < d; ++i) yj[i] = xj[i] - m_center(i);
      } else {
        const double m = tc.m(first + j);
        for (Index i = 0; i < d; ++i) yj[i] = xj[i] - model.center(i) * m;
      }
    }
    if (nc < chunk) y.rightCols(chunk - nc).setZero();
    if (tc.shared) {
      mc.setConstant(tc.m(0));
    } else {
      mc.setOnes();
      s2c.setOnes();
      mc.head(nc) = tc.m.segment(first, nc).transpose().array();
      s2c.head(nc) = tc.s2.segment(first, nc).transpose().array();
    }
    for (Index j = 0; j < chunk; ++j) y_norm2(j) = dot(y.col(j).data(), y.col(j).data(), d);
    gemm_out.noalias() = mu_t * y;  // K x chunk: mu_k^T y_j
    logits = gemm_out.transpose();
    if (tc.shared) {
      for (Index k = 0; k < K; ++k) {
        ChunkMap L = column(logits, k);
        L = c0(k) + c1(k) * L - c2(k) * y_norm2;
      }
      if (want_score)
        for (Index k = 0; k < K; ++k) column(inv_v, k).setConstant(inv_v_shared(k));
    } else {
      // v_jk = m_j^2 s_k^2 + s2_j
      for (Index k = 0; k < K; ++k) {
        ChunkMap iv = column(inv_v, k);
        ChunkMap L = column(logits, k);
        iv = (mc.square() * var(k) + s2c).inverse();
        L = L * (iv * mc) + 0.5 * double(d) * iv.log() - 0.5 * iv * (mc.square() * norms(k) + y_norm2) +
            (model.log_weights(k) - half_d_log_two_pi);
      }
    }
    top = column(logits, 0);
    for (Index k = 1; k < K; ++k) top = top.max(column(logits, k));
    for (Index k = 0; k < K; ++k) {
      ChunkMap L = column(logits, k);
      L = (L - top).exp();  // unnormalized responsibilities
    }
    total = column(logits, 0);
    for (Index k = 1; k < K; ++k) total += column(logits, k);
    if (!q.log_density.empty()) {
      spare = top + total.log();
      log_p_out.middleCols(first, nc) = spare.head(nc).transpose().matrix();
    }
    if (!want_score) continue;
    total = total.inverse();

    // score = mu (r m / v) - y sum_k r_k / v_k
    a.setZero();
    for (Index k = 0; k < K; ++k) {
      ChunkMap L = column(logits, k);
      ChunkMap B = column(b, k);
      L *= total;                 // r_k
      B = L * column(inv_v, k);   // r_k / v_k
      a += B;
    }
    if (q.hessian == HessianForm::diagonal) {
      c_sum.setZero();
      for (Index k = 0; k < K; ++k) {
        ChunkMap C = column(c, k);
        C = column(b, k) * column(inv_v, k);  // r_k / v_k^2
        c_sum += C;
        column(c_m, k) = C * mc;
        C *= mc.square();
      }
    } else if (q.hessian == HessianForm::vector_product) {
      c = b;  // keep r_k / v_k for the direction terms
    }
    for (Index k = 0; k < K; ++k) column(b, k) *= mc;
    gemm_in = b.transpose();
    Matrix& s = s_buf;
    s.noalias() = mu * gemm_in;  // d x chunk
    for (Index j = 0; j < chunk; ++j) {
      double* sj = s.col(j).data();
      const double* yj = y.col(j).data();
      const double aj = a(j);
      for (Index i = 0; i < d; ++i) sj[i] = std::fma(-yj[i], aj, sj[i]);
    }
    if (!q.score.empty()) score_out.middleCols(first, nc) = s.leftCols(nc);
    if (!want_hessian) continue;

    auto h = hess_out.middleCols(first, nc);
    if (q.hessian == HessianForm::diagonal) {
      // sum_k r_k g_k^2 = mu^2 (r m^2/v^2) - 2 y mu (r m/v^2) + y^2 sum_k r_k/v_k^2
      gemm_in = c_m.transpose();
      lin.noalias() = mu * gemm_in;
      gemm_in = c.transpose();
      quad.noalias() = mu.cwiseAbs2() * gemm_in;
      for (Index j = 0; j < nc; ++j) {
        for (Index i = 0; i < d; ++i) {
          const double yi = y(i, j);
          h(i, j) = quad(i, j) - 2.0 * yi * lin(i, j) + yi * yi * c_sum(j) - s(i, j) * s(i, j) - a(j);
        }
      }
    } else {
      dir.leftCols(nc) = dir_all.middleCols(first, nc);
      if (nc < chunk) dir.rightCols(chunk - nc).setZero();
      // (g_k . v) = (m mu_k^T v - y^T v) / v_k; weights r_k (g_k . v) / v_k, times m
      gemm_out.noalias() = mu_t * dir;  // K x chunk: mu_k^T v_j
      c_m = gemm_out.transpose();
      for (Index j = 0; j < chunk; ++j) spare(j) = dot(y.col(j).data(), dir.col(j).data(), d);  // y^T v
      c_sum.setZero();
      for (Index k = 0; k < K; ++k) {
        ChunkMap W = column(c, k);
        W *= (column(c_m, k) * mc - spare) * column(inv_v, k);
        c_sum += W;
        W *= mc;
      }
      gemm_in = c.transpose();
      lin.noalias() = mu * gemm_in;
      for (Index j = 0; j < nc; ++j) {
        const double score_dir = dot(s.col(j).data(), dir.col(j).data(), d);
        for (Index i = 0; i < d; ++i) {
          h(i, j) = lin(i, j) - y(i, j) * c_sum(j) - dir(i, j) * a(j) - s(i, j) * score_dir;
        }
      }
    }
  }
}

}  // namespace sgmtk::mixture
