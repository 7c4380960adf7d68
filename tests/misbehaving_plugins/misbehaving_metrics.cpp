// Metrics that fail at compute() time: throwing_metric throws, nan_metric returns NaN,
// int_throwing_metric throws an int, inf_stderr_metric returns a finite value with an
// infinite standard error (no more a result than a NaN value).
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

class IntThrowing final : public Metric {
 public:
  explicit IntThrowing(const Params&) {}
  MetricValue compute(const MetricInput&) const override { throw 7; }
};

class InfiniteStderr final : public Metric {
 public:
  explicit InfiniteStderr(const Params&) {}
  MetricValue compute(const MetricInput&) const override {
    MetricValue v;
    v.value = 0.5;
    v.stderr_ = std::numeric_limits<double>::infinity();
    return v;
  }
};

}  // namespace

SGMTK_PLUGIN(sgmtk::metric_entry<Throwing>("throwing_metric", "0.0.1", "throws from compute() (test plugin)",
                                           "Always throws.", &no_params),
             sgmtk::metric_entry<NotFinite>("nan_metric", "0.0.1", "returns NaN (test plugin)",
                                            "Always returns a NaN value.", &no_params),
             sgmtk::metric_entry<IntThrowing>("int_throwing_metric", "0.0.1", "throws an int from compute() (test plugin)",
                                              "Always throws an int.", &no_params),
             sgmtk::metric_entry<InfiniteStderr>("inf_stderr_metric", "0.0.1", "returns an infinite stderr (test plugin)",
                                                 "Returns 0.5 with an infinite standard error.", &no_params))
