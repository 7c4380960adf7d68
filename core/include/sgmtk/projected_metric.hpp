#pragma once
/// @file projected_metric.hpp
/// An optional second base class for a Metric built from one-dimensional W2^2 values: those
/// between projections of the samples A and of the target's exact sample B of the same size n
/// (B's column j drawn as reference_cloud.hpp says: target->sample(RandomStream(key,
/// purpose::reference_sample), j, ...)). w2_marginal projects on the coordinates, w2_sliced on
/// random directions.
///
/// When a run's particles are split over MPI processes (`[run] distribute = "particles"`), the
/// engine computes these 1-D W2^2 on all n particles with a distributed sort: every process
/// projects its share, the projections are sorted across processes, and
/// (1/n) sum_i (a_(i) - b_(i))^2 is summed in the order of i, so the value is the same bytes for
/// any number of processes. A metric that is not projectable for its parameters (say, a `samples`
/// count other than n) is computed on a subsample instead, as any other metric.

#include <sgmtk/export.hpp>
#include <sgmtk/metric.hpp>

namespace sgmtk {

class SGMTK_API ProjectedMetric {
 public:
  virtual ~ProjectedMetric();

  /// False when this configuration cannot be computed from equal-size projections (then the
  /// engine falls back to a subsample).
  virtual bool projectable(Index n) const = 0;

  /// The directions, d x P (column p is one direction), for a run with this context (target and
  /// key; no samples).
  virtual Matrix directions(const MetricInput& context, Index d) const = 0;

  /// The value from w2_squared(p) = (1/n) sum_i (a_(i) - b_(i))^2 for the projections on
  /// direction p of A and B, each sorted.
  virtual MetricValue finish_projected(const Vector& w2_squared, const MetricInput& context, Index n) const = 0;
};

}  // namespace sgmtk
