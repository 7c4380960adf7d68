#include "marginal_w2.hpp"

#include "../common/radix_sort.hpp"
#include "../common/sorted_w2.hpp"

#include <sgmtk/error.hpp>

#include <string>
#include <vector>

namespace sgmtk::metrics {

Vector marginal_w2_squared(ConstBlock a, ConstBlock b) {
  if (a.rows() != b.rows()) {
    throw Error("w2_marginal: the clouds have dimensions " + std::to_string(a.rows()) + " and " +
                std::to_string(b.rows()));
  }
  if (a.cols() == 0 || b.cols() == 0) throw Error("w2_marginal: a point cloud is empty");
  if (!a.allFinite() || !b.allFinite()) throw Error("w2_marginal: the point clouds contain NaN or inf");
  const Index d = a.rows(), n = a.cols(), m = b.cols();
  Vector out(d);
  std::vector<double> xs(static_cast<std::size_t>(n)), ys(static_cast<std::size_t>(m));
  std::vector<std::uint64_t> keys, scratch;
  for (Index i = 0; i < d; ++i) {
    for (Index j = 0; j < n; ++j) xs[static_cast<std::size_t>(j)] = a(i, j);
    for (Index j = 0; j < m; ++j) ys[static_cast<std::size_t>(j)] = b(i, j);
    radix_sort(xs.data(), n, keys, scratch);
    radix_sort(ys.data(), m, keys, scratch);
    out(i) = sorted_w2_squared(xs.data(), n, ys.data(), m);
  }
  return out;
}

}  // namespace sgmtk::metrics
