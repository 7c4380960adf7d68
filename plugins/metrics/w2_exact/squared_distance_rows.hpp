#pragma once
/// @file squared_distance_rows.hpp
/// Rows of the squared-Euclidean cost matrix c_ij = |x_i - y_j|^2, computed on demand.
///
/// The assignment solver never stores the n x m cost matrix (10^4 x 10^4 doubles would be
/// 800 MB); it asks for one row at a time. B is kept coordinate-major (one contiguous array per
/// coordinate), so a row is d fused passes of (y_kj - x_k)^2 over contiguous memory, vectorized.
/// Differences are formed directly (no |x|^2 + |y|^2 - 2 x.y expansion), so there is no
/// cancellation and the certificate can demand a duality gap near machine precision.
///
/// Every cost has one exact definition, whichever code path computes it: t_k = y_k - x_k, then
/// acc = t_0^2, acc = fma(t_k, t_k, acc) for k = 1, ..., d-1 in that order (with plain multiply
/// and add, never fused, on targets without FMA). So row(), entry() and a SquaredDistanceRows
/// built on the other cloud (which forms x_k - y_k, the same magnitude) give bit-identical
/// values: the solver, its candidate search from either side, and the certificate all see the
/// same c_ij.

#include <sgmtk/types.hpp>

#include <functional>
#include <string>

namespace sgmtk::metrics {

/// Throws sgmtk::Error (message prefixed `who: `) unless every coordinate of a and b is finite
/// (naming the first bad point of "the first cloud" a or "the second cloud" b) and the costs
/// leave room for the solver's arithmetic: the bound C = sum_k (spread of coordinate k over both
/// clouds)^2 >= every c_ij must satisfy C <= DBL_MAX / (8 n), n = `assignment_size`. Sums of n
/// costs (the primal value) and the duals of a shortest augmenting path method (distances in the
/// residual graph: at most n forward pairs of cost <= C) then stay finite with a factor 8 to
/// spare for rounding. Without this, costs overflow to inf, inf - inf = NaN reaches the
/// selections and heaps, and their comparisons are no longer an order (undefined behaviour, a
/// heap corruption in practice). O((n + m) d), negligible next to the solve.
void require_representable_costs(ConstBlock a, ConstBlock b, Index assignment_size, const std::string& who);

class SquaredDistanceRows {
 public:
  /// b: d x m, one point per column (copied into coordinate-major order).
  explicit SquaredDistanceRows(ConstBlock b);

  Index dim() const { return coords_.rows(); }
  Index cols() const { return coords_.cols(); }

  /// out[j] = |x - b_j|^2 for j in [0, cols()); x has dim() entries.
  void row(const double* x, double* out) const;

  /// Four rows at once: out[r][j] = |x[r] - b_j|^2, bit-identical to row(x[r], out[r]). Each
  /// coordinate array of B is read once for the four points (about twice the speed of four
  /// row() calls once B no longer fits in the first-level cache).
  void rows4(const double* const x[4], double* const out[4]) const;

  /// Rows are visited in blocks of this many consecutive points, one block per task.
  static constexpr Index row_block = 64;

  /// fn(i, row) for every column x_i of x (dim() x n), row[j] = |x_i - b_j|^2 (valid during the
  /// call only). Blocks of row_block rows run in parallel, each block's rows in order on one
  /// thread, so per-block results of fn do not depend on the thread count.
  void for_each_row(ConstBlock x, const std::function<void(Index, const double*)>& fn) const;

  /// |x - b_j|^2, bit-identical to row(x, out)[j].
  double entry(const double* x, Index j) const;

 private:
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> coords_;
};

}  // namespace sgmtk::metrics
