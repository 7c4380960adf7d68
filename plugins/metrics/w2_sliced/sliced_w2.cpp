#include "sliced_w2.hpp"

#include "../common/radix_sort.hpp"
#include "../common/sorted_w2.hpp"

#include <sgmtk/error.hpp>
#include <sgmtk/parallel.hpp>
#include <sgmtk/random.hpp>

#include <string>
#include <vector>

namespace sgmtk::metrics {

using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

Vector sliced_w2_squared(ConstBlock a, ConstBlock b, ConstBlock directions) {
  if (a.rows() != b.rows() || directions.rows() != a.rows()) {
    throw Error("w2_sliced: dimensions disagree (clouds " + std::to_string(a.rows()) + " and " +
                std::to_string(b.rows()) + ", directions " + std::to_string(directions.rows()) + ")");
  }
  if (a.cols() == 0 || b.cols() == 0) throw Error("w2_sliced: a point cloud is empty");
  if (!a.allFinite() || !b.allFinite()) throw Error("w2_sliced: the point clouds contain NaN or inf");
  const Index n = a.cols(), m = b.cols(), p = directions.cols();
  Vector out(p);
  // 8 directions per block: one GEMM of 8 x d by d x n gives 8 contiguous projections (row-major
  // result), enough to run Eigen's kernel well, small enough to keep memory O(n).
  constexpr Index block = 8;
  parallel_blocks(p, block, [&](Index first, Index count) {
    const auto dirs = directions.middleCols(first, count);
    RowMajor pa = dirs.transpose() * a;
    RowMajor pb = dirs.transpose() * b;
    std::vector<std::uint64_t> keys, scratch;
    for (Index r = 0; r < count; ++r) {
      double* xs = pa.row(r).data();
      double* ys = pb.row(r).data();
      radix_sort(xs, n, keys, scratch);
      radix_sort(ys, m, keys, scratch);
      out(first + r) = sorted_w2_squared(xs, n, ys, m);
    }
  });
  return out;
}

Matrix random_directions(Index d, Index p, const RandomStream& rng) {
  Matrix theta(d, p);
  rng.normals(0, 0, theta);  // column j from particle j: independent of any block split
  for (Index j = 0; j < p; ++j) {
    const double norm = theta.col(j).norm();
    if (!(norm > 0.0)) throw NumericalError("w2_sliced: a random direction has zero length");
    theta.col(j) /= norm;
  }
  return theta;
}

}  // namespace sgmtk::metrics
