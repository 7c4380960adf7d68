#pragma once
/// @file exact_w2.hpp
/// Exact W2 between two point clouds with uniform weights: the "two clouds" function behind
/// the w2_exact plugin (and `sgmtk metric w2_exact A.npy B.npy`).
///
/// Equal sizes: the optimal coupling of two uniform empirical laws of n points is a permutation
/// (Birkhoff), so W2^2 = min_sigma (1/n) sum_i |a_i - b_sigma(i)|^2, a linear assignment.
/// Unequal sizes n != m: each a_i is repeated L/n times and each b_j L/m times, L = lcm(n, m);
/// the transport problem with masses 1/n and 1/m has integral vertices after scaling by L, so the
/// assignment of size L has the same optimal value (standard). Refused when L exceeds
/// `max_points`.

#include "assignment_certificate.hpp"

#include <sgmtk/types.hpp>

#include <cstdint>

namespace sgmtk::metrics {

struct ExactW2 {
  double w2_squared = 0.0;
  AssignmentCertificate certificate;
  Index assignment_size = 0;       ///< L (= n for equal sizes)
  Index augmentations = 0;         ///< rows assigned by a shortest-path search
  int pricing_rounds = 0;          ///< solver passes over all n^2 pairs
  std::int64_t candidate_pairs = 0;  ///< pairs in the solver's final candidate graph
  std::int64_t row_scans = 0;      ///< full cost rows the solver computed
};

/// a: d x n, b: d x m. Throws sgmtk::Error on a dimension mismatch, an oversized problem, a
/// non-finite coordinate (naming the point) or squared distances too large for double arithmetic
/// (require_representable_costs: refused, never rescaled, so the reported W2^2 stays a double), and
/// sgmtk::NumericalError when the certificate's gap exceeds relative_tolerance times the scale
/// of the costs (primal + mean squared distance of all points to their centroid).
ExactW2 exact_w2(ConstBlock a, ConstBlock b, Index max_points, double relative_tolerance);

}  // namespace sgmtk::metrics
