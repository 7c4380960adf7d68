#pragma once
// Sample mean and covariance of a particle cloud, for all particles and with one group of
// consecutive particles left out (the delete-a-group jackknife), from per-group sums.

#include <sgmtk/types.hpp>

#include <span>

#include <vector>

namespace sgmtk::w2_gaussian {

struct Moments {
  Vector mean;
  Matrix covariance;  ///< unbiased: divided by (count - 1)
};

class GroupMoments {
 public:
  /// Splits the n columns of `x` into `groups` consecutive groups of (nearly) equal size.
  GroupMoments(ConstMatrixView x, Index groups);
  /// From sums already made: per group, the count, sum of (x - centre) and sum of
  /// (x - centre)(x - centre)^T (a run split over processes, where the centre is fixed beforehand).
  GroupMoments(Vector centre, std::vector<Index> counts, std::vector<Vector> sums, std::vector<Matrix> crosses);

  /// Which of `groups` consecutive groups of n particles particle j falls in (as the constructor splits).
  static Index group_of(Index j, Index n, Index groups);

  Index groups() const { return static_cast<Index>(count_.size()); }
  /// Moments of all particles.
  Moments all() const;
  /// Moments of all particles except group g.
  Moments without(Index g) const;

 private:
  Moments from_sums(const Vector& sum, const Matrix& cross, Index count) const;

  // Sums are of x - centre (centre = the overall mean): no cancellation when |mean| >> spread.
  Vector centre_;
  std::vector<Index> count_;
  std::vector<Vector> sum_;
  std::vector<Matrix> cross_;
  Vector total_sum_;
  Matrix total_cross_;
  Index total_count_ = 0;
};

}  // namespace sgmtk::w2_gaussian
