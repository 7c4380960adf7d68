#pragma once
// Shared by the sampler order tests: the bimodal mixture they run on, and the mean squared
// distance between two synchronously coupled runs (MATH.md E.7) with its CLT standard error.

#include <sgmtk/params.hpp>
#include <sgmtk/types.hpp>

#include <cmath>

namespace sgmtk::testing {

/// A 2-D two-component mixture with unequal weights and widths (not symmetric on purpose).
inline Params mixture_params() {
  Params p;
  p.set("dim", std::int64_t{2});
  p.set("weights", RealList{0.4, 0.6});
  p.set("means", RealMatrix{{-1.5, 0.5}, {1.0, -0.5}});
  p.set("stddev", RealList{0.6, 0.8});
  return p;
}

struct MeanSq {
  double value, se;
};
/// Mean over particles of |a_j - b_j|^2 and its CLT standard error.
inline MeanSq mean_sq(const Matrix& a, const Matrix& b) {
  const Eigen::ArrayXd d2 = (a - b).colwise().squaredNorm().transpose().array();
  const double m = d2.mean();
  return {m, std::sqrt((d2 - m).square().mean() / static_cast<double>(d2.size()))};
}

}  // namespace sgmtk::testing
