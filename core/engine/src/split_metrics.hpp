#pragma once
// The three ways a metric is computed on a run split over ranks by particles (particle_split):
// a SummableMetric from chunk sums relayed in chunk order, a ProjectedMetric by the distributed
// sort of its projections, any other metric by rank 0 on the first `subsample` particles. Each
// call is collective: every rank makes it, for the same metric, in the same order.

#include <sgmtk/metric.hpp>
#include <sgmtk/projected_metric.hpp>
#include <sgmtk/summable_metric.hpp>
#include <sgmtk_engine/communicator.hpp>
#include <sgmtk_engine/executor.hpp>
#include <sgmtk_engine/particle_split.hpp>

#include <optional>
#include <utility>

namespace sgmtk::engine {

/// What this rank holds of one split run.
struct SplitRun {
  const Target* target = nullptr;
  RandomKey key;
  Index n = 0;          ///< particles of the whole run
  Index chunk = 0;      ///< reduction chunk (particle_split.hpp)
  Index block = 0;      ///< block size of the pipeline
  Index subsample = 0;  ///< run.subsample
  ParticleShare share;
  const Matrix* y = nullptr;          ///< this rank's particles
  const Matrix* reference = nullptr;  ///< and their coupled reference, when one was run
};

class SplitMetrics {
 public:
  SplitMetrics(const SplitRun& run, Communicator& comm) : run_(run), comm_(comm) {}

  /// The metric's value (and its floor when `floor`); meaningful on the root only.
  MetricOutcome compute(const Metric& metric, bool floor);

 private:
  MetricOutcome summed(const SummableMetric& metric, bool floor);
  MetricOutcome sorted(const ProjectedMetric& metric, bool floor);
  MetricOutcome subsampled(const Metric& metric, bool floor);
  /// This rank's share of the floor's exact sample; a failure goes to `error` (the caller makes
  /// it known to every rank before the next collective step).
  Matrix floor_share(std::string& error) const;

  const SplitRun& run_;
  Communicator& comm_;
  std::optional<std::pair<Matrix, Matrix>> subsample_;  ///< gathered once, for the first metric needing it
};

}  // namespace sgmtk::engine
