#include "sinkhorn_divergence.hpp"

#include <sgmtk/error.hpp>

#include <string>

namespace sgmtk::metrics {

SinkhornDivergence sinkhorn_divergence(ConstBlock a, ConstBlock b, const SinkhornOptions& options) {
  if (a.rows() != b.rows()) {
    throw Error("w2_sinkhorn: the clouds have dimensions " + std::to_string(a.rows()) + " and " +
                std::to_string(b.rows()));
  }
  if (a.cols() == 0 || b.cols() == 0) throw Error("w2_sinkhorn: a point cloud is empty");
  if (!a.allFinite() || !b.allFinite()) throw Error("w2_sinkhorn: the point clouds contain NaN or inf");
  SinkhornDivergence out;
  out.ab = entropic_ot(a, b, options);
  out.aa = entropic_ot_self(a, options);
  out.bb = entropic_ot_self(b, options);
  out.divergence = out.ab.value - 0.5 * (out.aa.value + out.bb.value);
  return out;
}

double mean_squared_cost(ConstBlock a, ConstBlock b) {
  const Vector ma = a.rowwise().mean(), mb = b.rowwise().mean();
  const double va = (a.colwise() - ma).squaredNorm() / static_cast<double>(a.cols());
  const double vb = (b.colwise() - mb).squaredNorm() / static_cast<double>(b.cols());
  return (ma - mb).squaredNorm() + va + vb;
}

}  // namespace sgmtk::metrics
