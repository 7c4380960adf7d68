// w2_sliced: Monte Carlo sliced W2 over random directions, sort-based.
// Cloud B is the target's exact sample or in.reference (see ../common/reference_cloud.hpp).

#include "sliced_w2.hpp"

#include "../common/reference_cloud.hpp"

#include <sgmtk/plugin.hpp>
#include <sgmtk/projected_metric.hpp>

#include <algorithm>
#include <cmath>

namespace {

using namespace sgmtk;

std::vector<ParamSpec> w2_sliced_params() {
  return {
      ParamSpec::integer("samples", std::nullopt,
                         "exact target samples to compare with (default: as many as the sampler's "
                         "particles); unused when a reference cloud is given")
          .at_least(1)
          .optional(),
      ParamSpec::integer("projections", 200,
                         "number P of random directions (uniform on the sphere, drawn from the run's "
                         "key with purpose metric_internal)")
          .at_least(2),
  };
}

// The drawn cloud B (d x m), the directions (d x P), and per worker (one per 8 directions, up to
// the threads) the projections of both clouds on 8 directions plus two radix-sort buffers
// (sliced_w2.cpp).
std::uint64_t w2_sliced_memory(const Params& p, const MemoryQuery& q) {
  const double d = static_cast<double>(q.dim), n = static_cast<double>(q.particles);
  const double m = p.has("samples") ? static_cast<double>(p.integer("samples")) : n;
  const double directions = static_cast<double>(p.integer("projections"));
  const double workers = std::min(static_cast<double>(q.threads), std::ceil(directions / 8.0));
  return memory_bytes(8.0 * (d * m + d * directions + workers * 10.0 * (n + m)));
}

class W2Sliced final : public Metric, public ProjectedMetric {
 public:
  explicit W2Sliced(const Params& p)
      : samples_(p.has("samples") ? p.integer("samples") : 0), projections_(p.integer("projections")) {}

  bool has_floor() const override { return true; }

  MetricValue compute(const MetricInput& in) const override {
    Matrix drawn;
    const auto b = metrics::reference_cloud(in, samples_, drawn, "w2_sliced");
    return value(metrics::sliced_w2_squared(in.samples.map(), b, directions(in, in.samples.rows)));
  }

  // Split over processes: the random directions are the projections (ProjectedMetric).
  bool projectable(Index n) const override { return samples_ == 0 || samples_ == n; }
  Matrix directions(const MetricInput& in, Index d) const override {
    return metrics::random_directions(d, projections_, RandomStream(in.key, purpose::metric_internal));
  }
  MetricValue finish_projected(const Vector& w2sq, const MetricInput&, Index) const override { return value(w2sq); }

 private:
  static MetricValue value(const Vector& w2sq) {
    const double p = static_cast<double>(w2sq.size());
    const double mean = w2sq.mean();
    const double var = (w2sq.array() - mean).square().sum() / (p - 1.0);
    const double se_mean = std::sqrt(var / p);
    MetricValue out;
    out.value = std::sqrt(std::max(mean, 0.0));
    // Delta method for the square root: se(sqrt m) = se(m) / (2 sqrt m).
    out.stderr_ = out.value > 0.0 ? se_mean / (2.0 * out.value) : 0.0;
    out.details = {{"sliced_w2_squared", mean},
                   {"sliced_w2_squared_stderr", se_mean},
                   {"max_direction_w2", std::sqrt(w2sq.maxCoeff())}};
    out.note =
        "sliced W2 (sqrt of the mean over random unit directions of the projections' W2^2): a lower "
        "bound on W2 of the clouds (MATH.md E.6); stderr covers the choice of directions only, not "
        "the sampling of the clouds";
    return out;
  }

  Index samples_;
  Index projections_;
};

}  // namespace

SGMTK_PLUGIN(sgmtk::metric_entry<W2Sliced>(
    "w2_sliced", "1.0.0", "sliced W2 over random directions (sort-based, a lower bound on W2)",
    "Compares the particles A with a second cloud B (the reference cloud when given, else `samples` "
    "exact target draws, purpose reference_sample). P directions theta_p uniform on the sphere "
    "(normalized Gaussians from the run's key, purpose metric_internal); each projection's W2^2 is "
    "exact by sorting (MATH.md E.4, standard). value = sqrt(mean_p W2^2(theta_p.A, theta_p.B)), a "
    "lower bound on W2(A, B) since every projection is 1-Lipschitz (MATH.md E.6). stderr: the "
    "spread of the P values, sd/sqrt(P), through the delta method for the square root; it does not "
    "include the sampling noise of the clouds. Population value for N(0, I) vs N(m, I) in dimension "
    "d: sliced W2^2 = |m|^2/d (standard: E[(theta.m)^2] = |m|^2/d for uniform theta).",
    &w2_sliced_params, &w2_sliced_memory))
