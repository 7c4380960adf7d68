#pragma once
// ScoreQuery plumbing for product targets pi = (pi_1)^{⊗d} (MATH.md C.0: p_t = ⊗ p_{t,1}, the
// score acts coordinatewise and the Hessian is diagonal). A product target supplies a 1-D
// evaluator; this header fills score, the three Hessian forms (full = diag, HVP = diag * v) and
// the log density (sum over coordinates) for the whole block, one time per column.

#include "elastic_net_1d.hpp"  // CoordinateValues

#include <sgmtk/error.hpp>
#include <sgmtk/ou.hpp>
#include <sgmtk/target.hpp>

#include <cmath>
#include <string>

namespace sgmtk::numerics {

inline void check_block(const std::string& name, const char* what, Index rows, Index cols, Index want_rows,
                        Index want_cols) {
  if (rows != want_rows || cols != want_cols) {
    throw NumericalError(name + ": " + what + " is " + std::to_string(rows) + " x " + std::to_string(cols) +
                         ", expected " + std::to_string(want_rows) + " x " + std::to_string(want_cols));
  }
}

inline void check_query(const std::string& name, Index d, const ScoreQuery& q) {
  const Index n = q.x.cols;
  check_block(name, "x", q.x.rows, n, d, n);
  if (!q.score.empty()) check_block(name, "score", q.score.rows, q.score.cols, d, n);
  if (!q.log_density.empty()) check_block(name, "log_density", q.log_density.rows, q.log_density.cols, 1, n);
  if (q.hessian != HessianForm::none) {
    check_block(name, "hessian_out", q.hessian_out.rows, q.hessian_out.cols,
                q.hessian == HessianForm::full ? d * d : d, n);
    if (q.hessian == HessianForm::vector_product) check_block(name, "direction", q.direction.rows, q.direction.cols, d, n);
  }
}

/// column(t, m, s2) -> a callable (y, want_second, want_log_p) -> CoordinateValues for the
/// coordinates of one particle at time t (so per-time work, e.g. a table's time stencil, is done
/// once per particle, not per coordinate).
template <class MakeColumn>
void evaluate_product(const std::string& name, Index d, const ScoreQuery& q, const MakeColumn& column) {
  check_query(name, d, q);
  const Index n = q.x.cols;
  const bool want_second = q.hessian != HessianForm::none;
  const bool want_log_p = !q.log_density.empty();
  const auto x = q.x.map();
  auto score = q.score.map();
  auto hess = q.hessian_out.map();
  auto log_p = q.log_density.map();
  const auto dir = q.direction.map();
  if (q.hessian == HessianForm::full) hess.setZero();
  for (Index j = 0; j < n; ++j) {
    const double t = q.times[j];
    if (!(t > 0.0) || !std::isfinite(t)) {
      throw NumericalError(name + ": forward time must be finite and > 0, got " + std::to_string(t));
    }
    const auto eval = column(t, ou::mean_factor(t), ou::noise_variance(t));
    double lp = 0.0;
    for (Index i = 0; i < d; ++i) {
      const CoordinateValues v = eval(x(i, j), want_second, want_log_p);
      if (!q.score.empty()) score(i, j) = v.score;
      switch (q.hessian) {
        case HessianForm::none: break;
        case HessianForm::diagonal: hess(i, j) = v.second; break;
        case HessianForm::full: hess(i * d + i, j) = v.second; break;
        case HessianForm::vector_product: hess(i, j) = v.second * dir(i, j); break;
      }
      lp += v.log_p;
    }
    if (want_log_p) log_p(0, j) = lp;
  }
}

}  // namespace sgmtk::numerics
