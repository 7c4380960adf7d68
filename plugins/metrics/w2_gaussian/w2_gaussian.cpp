// The w2_gaussian metric: Bures distance between the Gaussian moment-matched to the particles and
// the Gaussian with the target's exact moments (MATH.md E.3), with a jackknife standard error.
#include "bures.hpp"
#include "group_moments.hpp"

#include <sgmtk/plugin.hpp>
#include <sgmtk/summable_metric.hpp>

#include <algorithm>
#include <cmath>

namespace sgmtk::w2_gaussian {

/// Delete-a-group jackknife over this many fixed groups of consecutive particles: deterministic
/// (no resampling), and 20 leave-one-out values give a usable variance estimate (19 d.o.f.).
constexpr Index jackknife_groups = 20;

class W2Gaussian final : public Metric, public SummableMetric {
 public:
  explicit W2Gaussian(const Params& /*no parameters*/) {}

  /// Run on an exact sample of pi, it measures this estimator's own finite-n floor (the sampling
  /// error of the moments), which is what a convergence plot must be read against.
  bool has_floor() const override { return true; }

  MetricValue compute(const MetricInput& in) const override {
    // Two clouds (e.g. `sgmtk metric w2_gaussian A B`): the second cloud's sample moments stand in
    // for the target's, as every metric compares with `reference` when it is given.
    const bool two_clouds = !in.reference.empty();
    if (!two_clouds && in.target == nullptr) throw Error("w2_gaussian: no target and no second cloud given");
    if (!two_clouds && !in.target->traits().moments) {
      throw UnsupportedError(
          "w2_gaussian needs the target's exact mean and covariance, and this target does not provide them "
          "(TargetTraits::moments is false); use a sample-based W2 metric instead");
    }
    const Index d = two_clouds ? in.reference.rows : in.target->dim();
    const Index n = in.samples.cols;
    if (in.samples.rows != d) {
      throw Error("w2_gaussian: samples have " + std::to_string(in.samples.rows) + " rows, the " +
                  (two_clouds ? "second cloud" : "target") + " has dimension " + std::to_string(d));
    }
    if (n < 3) throw Error("w2_gaussian: needs at least 3 samples, got " + std::to_string(n));
    if (two_clouds && in.reference.cols < 3) throw Error("w2_gaussian: the second cloud needs at least 3 points");

    Vector target_mean(d);
    Matrix target_cov(d, d);
    if (two_clouds) {
      const Moments ref = GroupMoments(in.reference, 1).all();
      target_mean = ref.mean;
      target_cov = ref.covariance;
    } else {
      in.target->moments(target_mean, target_cov);
    }
    return value(GroupMoments(in.samples, std::min(jackknife_groups, n)), target_mean, target_cov, two_clouds);
  }

  // Split over processes (distribute = "particles"): per jackknife group, the count and the sums of
  // x - m and (x - m)(x - m)^T about the target's mean m (known before any particle is seen).
  Index sum_count(Index d, Index n) const override { return std::min(jackknife_groups, n) * (1 + d + d * d); }

  void accumulate(const MetricInput& part, Index first, Index n, std::span<double> sums) const override {
    const auto [mean, cov] = target_moments(part, n);
    const Index d = mean.size();
    const Index G = std::min(jackknife_groups, n);
    const auto x = part.samples.map();
    Index j = 0;
    while (j < x.cols()) {
      const Index g = GroupMoments::group_of(first + j, n, G);
      const Index group_end = (g + 1) * n / G;  // first particle of the next group
      const Index count = std::min(x.cols(), group_end - first) - j;
      const Matrix xc = x.middleCols(j, count).colwise() - mean;
      double* s = sums.data() + g * (1 + d + d * d);
      s[0] += static_cast<double>(count);
      Eigen::Map<Vector>(s + 1, d) += xc.rowwise().sum();
      Eigen::Map<Matrix>(s + 1 + d, d, d).noalias() += xc * xc.transpose();
      j += count;
    }
  }

  MetricValue finish(std::span<const double> sums, const MetricInput& context, Index n) const override {
    const auto [mean, cov] = target_moments(context, n);
    const Index d = mean.size();
    const Index G = std::min(jackknife_groups, n);
    std::vector<Index> counts;
    std::vector<Vector> group_sums;
    std::vector<Matrix> crosses;
    for (Index g = 0; g < G; ++g) {
      const double* s = sums.data() + g * (1 + d + d * d);
      counts.push_back(static_cast<Index>(s[0]));
      group_sums.emplace_back(Eigen::Map<const Vector>(s + 1, d));
      crosses.emplace_back(Eigen::Map<const Matrix>(s + 1 + d, d, d));
    }
    return value(GroupMoments(mean, std::move(counts), std::move(group_sums), std::move(crosses)), mean, cov, false);
  }

 private:
  static std::pair<Vector, Matrix> target_moments(const MetricInput& in, Index n) {
    if (in.target == nullptr || !in.target->traits().moments) {
      throw UnsupportedError("w2_gaussian needs the target's exact mean and covariance when a run is split over processes");
    }
    if (n < 3) throw Error("w2_gaussian: needs at least 3 samples, got " + std::to_string(n));
    Vector mean(in.target->dim());
    Matrix cov(in.target->dim(), in.target->dim());
    in.target->moments(mean, cov);
    return {mean, cov};
  }

  static MetricValue value(const GroupMoments& groups, const Vector& target_mean, const Matrix& target_cov, bool two_clouds) {
    const Matrix target_sqrt = symmetric_sqrt(target_cov);
    const Moments all = groups.all();
    const BuresTerms full = bures(all.mean, all.covariance, target_mean, target_cov, target_sqrt);

    // Delete-a-group jackknife (equal groups): se^2 = (G-1)/G sum_g (theta_(g) - mean theta_(.))^2.
    const Index G = groups.groups();
    Vector theta(G);
    for (Index g = 0; g < G; ++g) {
      const Moments m = groups.without(g);
      theta(g) = bures(m.mean, m.covariance, target_mean, target_cov, target_sqrt).w2();
    }
    const double spread = (theta.array() - theta.mean()).square().sum();

    MetricValue v;
    v.value = full.w2();
    v.stderr_ = std::sqrt(static_cast<double>(G - 1) / static_cast<double>(G) * spread);
    v.details = {{"mean_error", full.mean_error}, {"covariance_term", full.covariance_term}};
    v.note = two_clouds
                 ? "Gelbrich lower bound on W2 between the two clouds' laws: the exact W2 between the Gaussians with "
                   "their sample means and covariances; stderr covers the first cloud's sampling only"
                 : "Gelbrich lower bound on W2: the exact W2 between the Gaussians with the samples' mean and "
                   "covariance and the target's; equals W2 of the laws only when both are Gaussian";
    return v;
  }
};

std::vector<ParamSpec> w2_gaussian_params() { return {}; }

// A d x d cross-product per jackknife group, the target's covariance and its square root, the
// Bures terms' eigendecompositions (about eight more d x d matrices), and per worker a centred
// copy of one group of particles (group_moments.cpp).
std::uint64_t w2_gaussian_memory(const Params&, const MemoryQuery& q) {
  const double d = static_cast<double>(q.dim), n = static_cast<double>(q.particles);
  const double groups = static_cast<double>(jackknife_groups);
  return memory_bytes(8.0 * (d * d * (groups + 8.0) + static_cast<double>(q.threads) * d * n / groups));
}

}  // namespace sgmtk::w2_gaussian

SGMTK_PLUGIN(sgmtk::metric_entry<sgmtk::w2_gaussian::W2Gaussian>(
    "w2_gaussian", "1.0.0", "W2 between moment-matched Gaussians (Bures); Gelbrich lower bound in general",
    "Moment-matches a Gaussian to the particles (sample mean, unbiased sample covariance) and returns "
    "W2 between it and N(mean(pi), Cov(pi)) from the target's exact moments: "
    "W2^2 = |m1 - m2|^2 + tr(C1 + C2 - 2 (C2^{1/2} C1 C2^{1/2})^{1/2}) (Bures; standard, MATH.md E.3), "
    "square roots by symmetric eigendecomposition with tiny negative eigenvalues clipped. When the "
    "particles' law and the target are both Gaussian this is their exact W2 (up to the sampling error "
    "of the moments); otherwise it is the Gelbrich LOWER bound on W2 between the two laws (MATH.md "
    "E.2, E.6), e.g. for randomized-midpoint schemes or non-Gaussian targets. The standard error is a "
    "delete-a-group jackknife over 20 fixed groups of consecutive particles. Details: mean_error "
    "= |m1 - m2| and covariance_term = the square root of the trace term. Needs the target's moments.",
    &sgmtk::w2_gaussian::w2_gaussian_params, &sgmtk::w2_gaussian::w2_gaussian_memory))
