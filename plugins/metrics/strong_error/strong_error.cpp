// strong_error: the synchronous-coupling error of MATH.md E.7 between the samples and a coupled
// reference run that the engine provides (in.reference), as requested by needs().

#include "coupling_error.hpp"

#include <sgmtk/error.hpp>
#include <sgmtk/plugin.hpp>
#include <sgmtk/summable_metric.hpp>

namespace {

using namespace sgmtk;

std::vector<ParamSpec> strong_error_params() {
  return {
      ParamSpec::string("reference_sampler", std::string("same"),
                        "sampler of the coupled reference run: \"same\" = the sampler under test at "
                        "reference_steps steps; or a sampler name, e.g. \"exact_reverse\" (exact law, MATH.md "
                        "B.8; tightly coupled only on Gaussian targets -- on a mixture it re-draws the "
                        "component each step, so the coupling error does not vanish as h -> 0)"),
      ParamSpec::integer("reference_steps", 4096,
                         "steps of the reference run on the same time interval (MATH.md E.7 asks for "
                         "h / 2^r with r >= 3)")
          .at_least(1),
  };
}

class StrongError final : public Metric, public SummableMetric {
 public:
  explicit StrongError(const Params& p)
      : sampler_(p.string("reference_sampler")), steps_(p.integer("reference_steps")) {}

  /// The engine runs `reference_sampler` ("same": the sampler under test) with `reference_steps`
  /// steps from the same initial draws and Brownian path, and passes it as in.reference.
  MetricNeeds needs() const override {
    MetricNeeds n;
    n.coupled_reference = true;
    n.reference_sampler = sampler_;
    n.reference_steps = steps_;
    return n;
  }

  /// No floor: two independent exact samples are not coupled, so the comparison is meaningless.
  bool has_floor() const override { return false; }

  MetricValue compute(const MetricInput& in) const override {
    if (in.reference.empty()) {
      throw Error("strong_error: no coupled reference run was provided (in.reference is empty); "
                  "the engine must honour needs().coupled_reference");
    }
    if (in.samples.empty()) throw Error("strong_error: no samples (in.samples is empty)");
    return value(metrics::coupling_error(in.samples.map(), in.reference.map()));
  }

  // Split over processes (distribute = "particles"): the same estimator from mergeable sums.
  Index sum_count(Index, Index) const override { return metrics::coupling_sum_count; }
  void accumulate(const MetricInput& part, Index, Index, std::span<double> sums) const override {
    if (part.reference.empty()) throw Error("strong_error: no coupled reference run was provided");
    metrics::coupling_sums(part.samples.map(), part.reference.map(), sums);
  }
  void merge(std::span<double> into, std::span<const double> next) const override { metrics::merge_coupling_sums(into, next); }
  MetricValue finish(std::span<const double> sums, const MetricInput&, Index) const override {
    return value(metrics::coupling_error_from_sums(sums));
  }

 private:
  static MetricValue value(const metrics::CouplingError& e) {
    MetricValue out;
    out.value = e.rms;
    out.stderr_ = e.rms_stderr;
    out.details = {{"mean_squared_distance", e.mean_squared},
                   {"mean_squared_distance_stderr", e.mean_squared_stderr},
                   {"max_squared_distance", e.max_squared}};
    out.note = "sqrt(mean_j |Y_j - Yref_j|^2) under the synchronous coupling (MATH.md E.7): an upper "
               "bound on W2 between the laws of the run and of the reference, without the n^(-1/d) "
               "bias of two-sample estimators";
    return out;
  }

  std::string sampler_;
  Index steps_;
};

}  // namespace

SGMTK_PLUGIN(sgmtk::metric_entry<StrongError>(
    "strong_error", "1.0.0", "synchronous-coupling (strong) error against a finer coupled reference run",
    "MATH.md E.7 (derived there): the engine runs a reference (reference_sampler, default \"same\" = "
    "the sampler under test, at reference_steps steps) from the same initial draws and Brownian "
    "path, and passes it as in.reference, column j paired with particle j. value = "
    "sqrt((1/n) sum_j |Y_j - Yref_j|^2), whose square is unbiased for E|Y - Yref|^2, an upper bound "
    "on W2^2 of the two laws; W2(law, pi) <= value + W2(reference law, pi), the last term 0 for "
    "exact reverse transitions (B.8). Any coupling gives an upper bound, but only a tight one "
    "measures the discretization error: exact_reverse is tightly coupled on Gaussian targets; on a "
    "mixture it re-draws the component every step and the value levels off (about 0.1 on a bimodal "
    "mixture whatever h): use a fine same-scheme reference there. stderr: CLT on the squared "
    "distances, delta method for the square root. No floor (a coupling metric).",
    &strong_error_params))
