// Two metrics that fail at compute() time: throwing_metric throws, nan_metric returns NaN.
// Another metric of the same run must still be computed and reported.
#include <sgmtk/plugin.hpp>

#include <limits>
#include <stdexcept>

namespace {

using namespace sgmtk;

std::vector<ParamSpec> no_params() { return {}; }

class Throwing final : public Metric {
 public:
  explicit Throwing(const Params&) {}
  MetricValue compute(const MetricInput&) const override {
    throw std::runtime_error("deliberate failure inside compute()");
  }
};

class NotFinite final : public Metric {
 public:
  explicit NotFinite(const Params&) {}
  MetricValue compute(const MetricInput&) const override {
    MetricValue v;
    v.value = std::numeric_limits<double>::quiet_NaN();
    v.stderr_ = std::numeric_limits<double>::infinity();
    return v;
  }
};

}  // namespace

SGMTK_PLUGIN(sgmtk::metric_entry<Throwing>("throwing_metric", "0.0.1", "throws from compute() (test plugin)",
                                           "Always throws.", &no_params),
             sgmtk::metric_entry<NotFinite>("nan_metric", "0.0.1", "returns NaN (test plugin)",
                                            "Always returns a NaN value.", &no_params))
