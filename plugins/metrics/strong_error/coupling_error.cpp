#include "coupling_error.hpp"

#include <sgmtk/error.hpp>

#include <algorithm>
#include <cmath>
#include <string>

namespace sgmtk::metrics {

namespace {

void check_pair(ConstBlock y, ConstBlock y_ref) {
  if (y.rows() != y_ref.rows() || y.cols() != y_ref.cols()) {
    throw Error("strong_error: the coupled clouds must have the same shape (columns are paired), got " +
                std::to_string(y.rows()) + " x " + std::to_string(y.cols()) + " and " +
                std::to_string(y_ref.rows()) + " x " + std::to_string(y_ref.cols()));
  }
}

Eigen::ArrayXd squared_distances(ConstBlock y, ConstBlock y_ref) {
  const Eigen::ArrayXd dist = (y - y_ref).colwise().squaredNorm().transpose().array();
  if (!dist.allFinite()) throw NumericalError("strong_error: non-finite particles (diverged run?)");
  return dist;
}

/// From n, the mean of D and sum (D - mean)^2.
CouplingError finish(Index n, double mean, double centred_sum, double max) {
  CouplingError out;
  out.mean_squared = mean;
  out.max_squared = max;
  if (n > 1) out.mean_squared_stderr = std::sqrt(centred_sum / static_cast<double>(n - 1) / static_cast<double>(n));
  out.rms = std::sqrt(out.mean_squared);
  out.rms_stderr = out.rms > 0.0 ? out.mean_squared_stderr / (2.0 * out.rms) : 0.0;
  return out;
}

}  // namespace

CouplingError coupling_error(ConstBlock y, ConstBlock y_ref) {
  check_pair(y, y_ref);
  if (y.cols() == 0) throw Error("strong_error: no particles");
  const Eigen::ArrayXd dist = squared_distances(y, y_ref);
  const double mean = dist.mean();
  return finish(y.cols(), mean, (dist - mean).square().sum(), dist.maxCoeff());
}

void coupling_sums(ConstBlock y, ConstBlock y_ref, std::span<double> sums) {
  check_pair(y, y_ref);
  if (y.cols() == 0) return;
  const Eigen::ArrayXd dist = squared_distances(y, y_ref);
  const double mean = dist.mean();
  sums[0] = static_cast<double>(y.cols());
  sums[1] = mean;
  sums[2] = (dist - mean).square().sum();
  sums[3] = dist.maxCoeff();
}

void merge_coupling_sums(std::span<double> into, std::span<const double> next) {
  const double na = into[0], nb = next[0];
  if (nb == 0.0) return;
  const double n = na + nb;
  const double delta = next[1] - into[1];
  into[1] += delta * nb / n;
  into[2] += next[2] + delta * delta * na * nb / n;
  into[3] = na == 0.0 ? next[3] : std::max(into[3], next[3]);
  into[0] = n;
}

CouplingError coupling_error_from_sums(std::span<const double> sums) {
  if (sums[0] < 1.0) throw Error("strong_error: no particles");
  return finish(static_cast<Index>(sums[0]), sums[1], sums[2], sums[3]);
}

}  // namespace sgmtk::metrics
