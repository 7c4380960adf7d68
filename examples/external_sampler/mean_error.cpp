// mean_error: the metric of the writing-plugins tutorial (docs/writing-plugins.md), built out of
// tree. value = |mean(samples) - E_pi[X]|, a LOWER bound on W2(law of the samples, pi) (for any
// coupling E|X - Y|^2 >= |E X - E Y|^2, by Jensen), up to the sampling error of the mean.
// stderr: the delta-method standard error of a norm of a sample mean, sqrt(u' C u / n) with
// u the unit difference direction and C the sample covariance -- an approximation, poor when the
// difference is near zero (there the norm is biased upward by about sqrt(tr C / n)).
#include <sgmtk/sgmtk.hpp>

#include <cmath>

namespace {

using namespace sgmtk;

std::vector<ParamSpec> mean_error_params() { return {}; }

class MeanError final : public Metric {
 public:
  explicit MeanError(const Params&) {}
  MetricValue compute(const MetricInput& in) const override {
    if (in.target == nullptr || !in.target->traits().moments) {
      throw UnsupportedError("mean_error needs a target with exact moments (TargetTraits::moments)");
    }
    const auto x = in.samples.map();
    const Index d = x.rows();
    const double n = static_cast<double>(x.cols());
    Vector mean(d);
    Matrix cov(d, d);
    in.target->moments(mean, cov);
    const Vector m = x.rowwise().mean();
    const Matrix centered = x.colwise() - m;
    const Matrix c = centered * centered.transpose() / (n - 1);
    const Vector diff = m - mean;
    MetricValue v;
    v.value = diff.norm();
    const Vector u = v.value > 0 ? Vector(diff / v.value) : Vector::Unit(d, 0);
    v.stderr_ = std::sqrt(u.dot(c * u) / n);
    v.note = "|sample mean - target mean|: a lower bound on W2, up to sampling error";
    return v;
  }
};

}  // namespace

SGMTK_PLUGIN(sgmtk::metric_entry<MeanError>(
    "mean_error", "0.1.0", "|mean(samples) - mean(pi)|, a lower bound on W2 (tutorial metric)",
    "Distance between the sample mean and the target's exact mean: a lower bound on W2 (Jensen), "
    "with a delta-method standard error. Written in docs/writing-plugins.md.",
    &mean_error_params))
