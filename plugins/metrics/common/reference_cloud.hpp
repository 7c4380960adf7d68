#pragma once
/// @file reference_cloud.hpp
/// The "two clouds" rule shared by the sample-comparison metrics (w2_exact, w2_marginal,
/// w2_sliced, w2_sinkhorn).
///
/// Each of these metrics is, at heart, a function of two point clouds A (d x n) and B (d x m);
/// the plugin only decides what B is:
///   - `in.reference` non-empty: B is `in.reference`, as given. This is how the engine passes a
///     second cloud it made itself, and how `sgmtk metric NAME A.npy B.npy` passes file B.
///     The target is then not consulted (it may be null).
///   - otherwise B is `samples` exact i.i.d. draws of `in.target` (default: m = n), column j
///     drawn by `in.target->sample(RandomStream(in.key, purpose::reference_sample), j, ...)`,
///     so B depends only on the key, never on the block split or the thread count.
/// A = `in.samples` always.

#include <sgmtk/error.hpp>
#include <sgmtk/metric.hpp>
#include <sgmtk/parallel.hpp>
#include <sgmtk/random.hpp>

#include <string>

namespace sgmtk::metrics {

/// Cloud B for `in`, by the rule above. `samples` <= 0 means "as many as in.samples".
/// `owned` receives the drawn sample when one is drawn; the returned view points either into
/// `owned` or at `in.reference`.
inline Eigen::Map<const Matrix> reference_cloud(const MetricInput& in, Index samples, Matrix& owned,
                                                const std::string& metric) {
  if (in.samples.empty() || in.samples.cols == 0) {
    throw Error(metric + ": no samples to compare (in.samples is empty)");
  }
  const Index d = in.samples.rows;
  if (!in.reference.empty()) {
    if (in.reference.rows != d) {
      throw Error(metric + ": the reference cloud has dimension " + std::to_string(in.reference.rows) +
                  " but the samples have dimension " + std::to_string(d));
    }
    if (in.reference.cols == 0) throw Error(metric + ": the reference cloud has no points");
    return in.reference.map();
  }
  if (in.target == nullptr) {
    throw Error(metric + ": needs either a reference cloud or a target to draw exact samples from");
  }
  if (in.target->dim() != d) {
    throw Error(metric + ": the target has dimension " + std::to_string(in.target->dim()) +
                " but the samples have dimension " + std::to_string(d));
  }
  const Index m = samples > 0 ? samples : in.samples.cols;
  owned.resize(d, m);
  const RandomStream rng(in.key, purpose::reference_sample);
  // Each column is keyed by its particle index, so the block split does not change the draw.
  parallel_blocks(m, default_block_size, [&](Index first, Index count) {
    in.target->sample(rng, first, owned.middleCols(first, count));
  });
  return {owned.data(), d, m};
}

}  // namespace sgmtk::metrics
