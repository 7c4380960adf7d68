// strong_error (MATH.md E.7): zero for identical runs, the exact RMS and CLT stderr on
// constructed pairs, statistically consistent on Gaussian offsets, and what it asks the engine.

#include "plugin_fixture.hpp"
#include "two_clouds.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace {

using namespace sgmtk;
using sgmtk::testing::compare_clouds;
using sgmtk::testing::detail;
using sgmtk::testing::normal_cloud;

class StrongErrorTest : public ::testing::Test {
 protected:
  sgmtk::testing::Loaded<Metric> metric_ = sgmtk::testing::load_metric("strong_error");
};

TEST_F(StrongErrorTest, ZeroForIdenticalRuns) {
  const Matrix y = normal_cloud(3, 100, 1);
  const MetricValue v = compare_clouds(*metric_, y, y);
  EXPECT_EQ(v.value, 0.0);
  EXPECT_EQ(v.stderr_, 0.0);
}

TEST_F(StrongErrorTest, ExactRmsAndStderrOnConstructedPairs) {
  // Y_ref_j = Y_j + r_j e_2 with r_j = j / 10: D_j = r_j^2 exactly.
  const Index n = 50;
  const Matrix y = normal_cloud(3, n, 2);
  Matrix ref = y;
  Eigen::ArrayXd dsq(n);
  for (Index j = 0; j < n; ++j) {
    ref(1, j) += j / 10.0;
    dsq(j) = (j / 10.0) * (j / 10.0);
  }
  const MetricValue v = compare_clouds(*metric_, y, ref);
  const double mean = dsq.mean();
  const double se = std::sqrt((dsq - mean).square().sum() / (n - 1) / n);
  EXPECT_NEAR(v.value, std::sqrt(mean), 1e-13);
  EXPECT_NEAR(detail(v, "mean_squared_distance"), mean, 1e-13);
  EXPECT_NEAR(detail(v, "mean_squared_distance_stderr"), se, 1e-13);
  EXPECT_NEAR(v.stderr_, se / (2 * std::sqrt(mean)), 1e-13);
}

TEST_F(StrongErrorTest, ConsistentOnGaussianOffsets) {
  // Offsets N(0, s^2 I_d): D = s^2 chi^2_d, E D = d s^2, Var D = 2 d s^4. With n = 40000 the mean
  // is within 4 standard errors, and the reported stderr of the mean estimates sqrt(2 d s^4 / n)
  // (the sample sd of chi^2_5 has relative sd ~ sqrt((kurt - 1)/(4 n)) < 1%: 5% is 5 of those).
  const Index d = 5, n = 40000;
  const double s = 0.3;
  const Matrix y = normal_cloud(d, n, 3), ref = y + s * normal_cloud(d, n, 4);
  const MetricValue v = compare_clouds(*metric_, y, ref);
  const double se = std::sqrt(2.0 * d * std::pow(s, 4) / n);
  EXPECT_NEAR(detail(v, "mean_squared_distance"), d * s * s, 4 * se);
  EXPECT_NEAR(detail(v, "mean_squared_distance_stderr") / se, 1.0, 0.05);
}

TEST_F(StrongErrorTest, AsksForACoupledReferenceAndHasNoFloor) {
  const MetricNeeds needs = metric_->needs();
  EXPECT_TRUE(needs.coupled_reference);
  EXPECT_EQ(needs.reference_sampler, "same");
  EXPECT_EQ(needs.reference_steps, 4096);
  EXPECT_FALSE(metric_->has_floor());
  MetricInput in;
  const Matrix y = normal_cloud(2, 10, 5);
  in.samples = ConstMatrixView(y);
  EXPECT_THROW(metric_->compute(in), Error);  // no reference run given
  EXPECT_THROW(compare_clouds(*metric_, y, normal_cloud(2, 9, 6)), Error);
}

}  // namespace
