#pragma once
/// @file summable_metric.hpp
/// An optional second base class for a Metric whose value is a function of sums over the
/// particles (moments, mean coupling distances). When a run's particles are split over MPI
/// processes (`[run] distribute = "particles"`), such a metric is computed on all n particles:
/// every process adds up its particles chunk by chunk, and the engine merges the chunks' sums in
/// chunk order, so the value is the same bytes whatever the number of processes.
/// A metric that is not summable is computed on a subsample of the first `[run] subsample`
/// particles instead, and says so in its note.
///
///     class MyMetric final : public sgmtk::Metric, public sgmtk::SummableMetric { ... };
///
/// The engine finds the interface with dynamic_cast; adding it changes nothing for single
/// process runs, which still call Metric::compute.

#include <sgmtk/export.hpp>
#include <sgmtk/metric.hpp>

#include <span>

namespace sgmtk {

class SGMTK_API SummableMetric {
 public:
  virtual ~SummableMetric();

  /// How many numbers the metric keeps for a run of n particles in dimension d.
  virtual Index sum_count(Index d, Index n) const = 0;

  /// Adds the contribution of `part.samples` (and `part.reference`, when asked for), which are
  /// the particles first_particle, first_particle + 1, ... of a run of n, to `sums` (which the
  /// engine zeroes first for each chunk).
  virtual void accumulate(const MetricInput& part, Index first_particle, Index n, std::span<double> sums) const = 0;

  /// Merges the sums of the next chunk into `into`. The default adds them; override for
  /// anything else (a maximum, Chan's update of centred sums).
  virtual void merge(std::span<double> into, std::span<const double> next) const;

  /// The metric's value from the merged sums of all n particles. `context` has the target and
  /// the key; its samples are empty.
  virtual MetricValue finish(std::span<const double> sums, const MetricInput& context, Index n) const = 0;
};

}  // namespace sgmtk
