#include "coupling_error.hpp"

#include <sgmtk/error.hpp>

#include <cmath>
#include <string>

namespace sgmtk::metrics {

CouplingError coupling_error(ConstBlock y, ConstBlock y_ref) {
  if (y.rows() != y_ref.rows() || y.cols() != y_ref.cols()) {
    throw Error("strong_error: the coupled clouds must have the same shape (columns are paired), got " +
                std::to_string(y.rows()) + " x " + std::to_string(y.cols()) + " and " +
                std::to_string(y_ref.rows()) + " x " + std::to_string(y_ref.cols()));
  }
  const Index n = y.cols();
  if (n == 0) throw Error("strong_error: no particles");
  const Eigen::ArrayXd dist = (y - y_ref).colwise().squaredNorm().transpose().array();
  if (!dist.allFinite()) throw NumericalError("strong_error: non-finite particles (diverged run?)");
  CouplingError out;
  out.mean_squared = dist.mean();
  out.max_squared = dist.maxCoeff();
  if (n > 1) {
    const double var = (dist - out.mean_squared).square().sum() / static_cast<double>(n - 1);
    out.mean_squared_stderr = std::sqrt(var / static_cast<double>(n));
  }
  out.rms = std::sqrt(out.mean_squared);
  out.rms_stderr = out.rms > 0.0 ? out.mean_squared_stderr / (2.0 * out.rms) : 0.0;
  return out;
}

}  // namespace sgmtk::metrics
