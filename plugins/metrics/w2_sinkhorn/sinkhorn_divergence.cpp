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
  out.aa = entropic_ot_self(a, options);
  if (a.cols() == b.cols() && a == b) {
    // Identical clouds: S_eps = 0 by definition, and OT_eps(A, B) = OT_eps(A, A). The alternating
    // A-B iteration is the wrong tool there: on a symmetric problem its error modes decay like
    // lambda^2 per iteration (lambda < 1 the eigenvalues of the Gibbs kernel's transition
    // matrix, close to 1 for clustered points), while the symmetric update's decay like
    // (1 - lambda)/2 <= 1/2. Measured at the default eps (0.01 relative), n = 400, d = 3: 2032
    // A-B iterations (1.7 s) for a result of -3e-6 instead of 0; the symmetric update needs a
    // few.
    out.ab = out.aa;
    out.bb = out.aa;
    out.divergence = 0.0;
    return out;
  }
  out.ab = entropic_ot(a, b, options);
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
