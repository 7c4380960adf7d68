// Euler-Maruyama on Gaussian targets reproduces the exact mean and covariance recursion of
// MATH.md E.1 (tests/support/gaussian_law.hpp), and is bitwise reproducible for any block size
// and thread count.
#include "gaussian_law.hpp"
#include "plugin_fixture.hpp"
#include "run_sampler.hpp"

#include <sgmtk/sgmtk.hpp>

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <cmath>
#include <string>

namespace sgmtk {
namespace {

namespace gl = testing::gaussian_law;
using testing::Start;

struct TargetCase {
  std::string name;
  Params params;
  Vector mean;
  Matrix covariance;
};

TargetCase full_case() {
  TargetCase c{"full", {}, Vector{{1.0, -0.5, 0.25}}, Matrix(3, 3)};
  c.covariance << 2.0, 0.6, 0.3, 0.6, 1.0, -0.2, 0.3, -0.2, 0.5;
  c.params.set("dim", std::int64_t{3});
  c.params.set("mean", RealList{1.0, -0.5, 0.25});
  c.params.set("covariance", RealMatrix{{2.0, 0.6, 0.3}, {0.6, 1.0, -0.2}, {0.3, -0.2, 0.5}});
  return c;
}

TargetCase diagonal_case() {
  TargetCase c{"diagonal", {}, Vector{{0.5, 0.0, -1.0}}, Matrix(Vector{{0.25, 1.0, 4.0}}.asDiagonal())};
  c.params.set("dim", std::int64_t{3});
  c.params.set("mean", RealList{0.5, 0.0, -1.0});
  c.params.set("diagonal", RealList{0.25, 1.0, 4.0});
  return c;
}

// K = 8 steps of h = 0.25 from T = 2 to delta = 0: coarse enough that EM's bias is large.
TimeGrid test_grid() { return TimeGrid(Schedule::uniform, 2.0, 0.0, 8); }

Matrix run_em(const Target& target, Start start, Index n, Index block, RandomKey key) {
  auto em = testing::load_sampler("euler_maruyama");
  const TimeGrid grid = test_grid();
  const BrownianPath path(key, grid);
  const ScoreModel score(target, ScoreError{}, key);
  Matrix y = testing::initial_state(target, grid, key, n, start);
  testing::run_sampler(*em, score, grid, path, y, block);
  return y;
}

struct SampleMoments {
  Vector mean;
  Matrix covariance;
};
SampleMoments moments_of(const Matrix& y) {
  SampleMoments m;
  m.mean = y.rowwise().mean();
  const Matrix yc = y.colwise() - m.mean;
  m.covariance = yc * yc.transpose() / static_cast<double>(y.cols() - 1);
  return m;
}

// The largest deviation of the sample moments from (mean, cov), in CLT standard errors of a
// Gaussian sample of size n with that covariance: se(mean_i) = sqrt(C_ii / n),
// se(cov_ij) = sqrt((C_ii C_jj + C_ij^2) / n) (the sample covariance of Gaussian data).
double max_standard_errors(const SampleMoments& s, const Vector& mean, const Matrix& cov, Index n) {
  double worst = 0.0;
  const double dn = static_cast<double>(n);
  for (Index i = 0; i < mean.size(); ++i) {
    worst = std::max(worst, std::abs(s.mean(i) - mean(i)) / std::sqrt(cov(i, i) / dn));
    for (Index j = 0; j <= i; ++j) {
      const double se = std::sqrt((cov(i, i) * cov(j, j) + cov(i, j) * cov(i, j)) / dn);
      worst = std::max(worst, std::abs(s.covariance(i, j) - cov(i, j)) / se);
    }
  }
  return worst;
}

class EmGaussian : public ::testing::TestWithParam<std::tuple<int, Start>> {};

TEST_P(EmGaussian, SampleMomentsFollowTheExactRecursion) {
  const TargetCase tc = std::get<0>(GetParam()) == 0 ? full_case() : diagonal_case();
  const Start start = std::get<1>(GetParam());
  auto target = testing::load_target("gaussian", tc.params);
  const gl::GaussianTargetLaw law(tc.mean, tc.covariance);
  const gl::OutputLaw predicted = gl::output_law(
      gl::em_map, test_grid(), law, start == Start::exact ? gl::StartLaw::exact : gl::StartLaw::gaussian);

  const Index n = 200000;
  const Matrix y = run_em(*target, start, n, default_block_size, {2024, 7});
  const SampleMoments s = moments_of(y);

  // The EM output law is exactly Gaussian (affine steps, Gaussian noise and start), so each sample
  // mean and covariance entry is within 5 CLT standard errors of the E.1 prediction (9 entries per
  // case, 36 in all: false-alarm probability ~ 36 * 5.7e-7 = 2e-5 for a fresh seed; the seed is fixed).
  const double dev = max_standard_errors(s, predicted.mean, predicted.covariance, n);
  EXPECT_LT(dev, 5.0) << tc.name << ": sample moments are " << dev << " standard errors from E.1";

  // The test can fail: EM is not exact at h = 0.25, and pi's moments are many standard errors
  // away from both the prediction and the sample (so a sampler returning pi would fail above).
  const double pred_vs_pi = max_standard_errors({predicted.mean, predicted.covariance}, tc.mean, tc.covariance, n);
  const double sample_vs_pi = max_standard_errors(s, tc.mean, tc.covariance, n);
  EXPECT_GT(pred_vs_pi, 25.0) << tc.name;
  EXPECT_GT(sample_vs_pi, 20.0) << tc.name;
  EXPECT_GT(predicted.w2_to_target, 0.02) << tc.name;

  // End to end through the metric: the Bures distance of the sample to pi matches the E.1 W2
  // within 5 jackknife standard errors (the plug-in bias is O(1/n), far below the O(1/sqrt n) se).
  auto metric = testing::load_metric("w2_gaussian");
  MetricInput in;
  in.samples = y;
  in.target = &*target;
  const MetricValue v = metric->compute(in);
  EXPECT_NEAR(v.value, predicted.w2_to_target, 5.0 * v.stderr_) << tc.name << " stderr " << v.stderr_;
  ::testing::Test::RecordProperty(tc.name + "_w2_predicted", std::to_string(predicted.w2_to_target));
  std::printf("%s start=%s: E.1 W2 = %.6f, measured %.6f +- %.6f; sample vs E.1 %.2f se, vs pi %.1f se\n",
              tc.name.c_str(), start == Start::exact ? "exact" : "N(0,I)", predicted.w2_to_target, v.value,
              v.stderr_, dev, sample_vs_pi);
}

INSTANTIATE_TEST_SUITE_P(TargetsAndStarts, EmGaussian,
                         ::testing::Combine(::testing::Values(0, 1),
                                            ::testing::Values(Start::gaussian, Start::exact)));

TEST(GaussianLaw, ExactTransitionsFromTheExactStartGivePi) {
  // A check of the support header itself: B.8 from p_T lands exactly on pi (MATH.md B.8), while
  // from N(0, I) it keeps the initialisation error, which vanishes as T grows.
  const TargetCase tc = full_case();
  const gl::GaussianTargetLaw law(tc.mean, tc.covariance);
  const gl::OutputLaw exact = gl::output_law(gl::exact_map, test_grid(), law, gl::StartLaw::exact);
  EXPECT_LT((exact.mean - tc.mean).cwiseAbs().maxCoeff(), 1e-13);
  EXPECT_LT((exact.covariance - tc.covariance).cwiseAbs().maxCoeff(), 1e-13);
  EXPECT_LT(exact.w2_to_target, 1e-7);
  const double w2_short = gl::output_law(gl::exact_map, test_grid(), law, gl::StartLaw::gaussian).w2_to_target;
  const double w2_long =
      gl::output_law(gl::exact_map, TimeGrid(Schedule::uniform, 6.0, 0.0, 24), law, gl::StartLaw::gaussian).w2_to_target;
  EXPECT_GT(w2_short, 1e-3);
  EXPECT_LT(w2_long, w2_short * std::exp(-6.0));  // O(e^{-2T}) decay (MATH.md D.1)
  // EM converges to the exact law as h -> 0 (first order, MATH.md D.5).
  const double em8 = gl::output_law(gl::em_map, test_grid(), law, gl::StartLaw::exact).w2_to_target;
  const double em64 =
      gl::output_law(gl::em_map, TimeGrid(Schedule::uniform, 2.0, 0.0, 64), law, gl::StartLaw::exact).w2_to_target;
  EXPECT_LT(em64, em8 / 4.0);
}

TEST(EmGaussianDeterminism, BitwiseIdenticalForAnyBlockSizeAndThreadCount) {
  const TargetCase tc = full_case();
  auto target = testing::load_target("gaussian", tc.params);
  const Index n = 5000;
  Matrix reference;
  {
    tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
    reference = run_em(*target, Start::exact, n, 64, {9, 3});
    EXPECT_TRUE(run_em(*target, Start::exact, n, 1000, {9, 3}) == reference);
  }
  {
    tbb::global_control two(tbb::global_control::max_allowed_parallelism, 2);
    EXPECT_TRUE(run_em(*target, Start::exact, n, 64, {9, 3}) == reference);
    EXPECT_TRUE(run_em(*target, Start::exact, n, 1000, {9, 3}) == reference);
  }
  // and a different key gives a different run (the comparison above is not vacuous)
  EXPECT_FALSE(run_em(*target, Start::exact, n, 64, {9, 4}) == reference);
}

}  // namespace
}  // namespace sgmtk
