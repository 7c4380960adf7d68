// w2_sliced: exact in one dimension, a lower bound on w2_exact (MATH.md E.6), the translation
// closed form, and Gaussian clouds against the population value |m|^2/d with tolerances derived
// below.

#include "plugin_fixture.hpp"
#include "two_clouds.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace {

using namespace sgmtk;
using sgmtk::testing::compare_clouds;
using sgmtk::testing::detail;
using sgmtk::testing::normal_cloud;

sgmtk::testing::Loaded<Metric> sliced(std::int64_t projections) {
  Params p;
  p.set("projections", projections);
  return sgmtk::testing::load_metric("w2_sliced", p);
}

// For u uniform on S^{d-1}, (u.m)^2 = |m|^2 u_1^2 with u_1^2 ~ Beta(1/2, (d-1)/2):
// mean |m|^2/d, variance |m|^4 * 2(d-1) / (d^2 (d+2)) (standard Beta moments).
double direction_sd(double m2, double d) { return m2 * std::sqrt(2.0 * (d - 1.0) / (d * d * (d + 2.0))); }

TEST(W2Sliced, ExactInOneDimension) {
  auto metric = sliced(5);
  auto exact = sgmtk::testing::load_metric("w2_exact");
  const Matrix a = normal_cloud(1, 500, 1), b = normal_cloud(1, 500, 2).array() * 2.0 + 1.0;
  const MetricValue v = compare_clouds(*metric, a, b);
  EXPECT_NEAR(v.value, compare_clouds(*exact, a, b).value, 1e-12);  // every direction is +-1
  EXPECT_NEAR(v.stderr_, 0.0, 1e-12);
}

TEST(W2Sliced, LowerBoundOnExactW2) {
  auto metric = sliced(64);
  auto exact = sgmtk::testing::load_metric("w2_exact");
  for (std::uint32_t seed = 0; seed < 3; ++seed) {
    const Matrix a = normal_cloud(6, 400, 10 + seed), b = normal_cloud(6, 400, 20 + seed).array() * 1.3;
    const MetricValue v = compare_clouds(*metric, a, b);
    EXPECT_LE(v.value, compare_clouds(*exact, a, b).value);
    EXPECT_LE(detail(v, "max_direction_w2"), compare_clouds(*exact, a, b).value * (1 + 1e-12));
  }
}

TEST(W2Sliced, TranslatedCopyMatchesDirectionMomentsAndStderr) {
  // B = A + m exactly: each projection is a 1-D translation, W2^2 = (theta.m)^2 with no sampling
  // error, so the only randomness is the directions: mean |m|^2/d, sd as above / sqrt(P).
  const Index d = 10, p = 400;
  auto metric = sliced(p);
  Vector m = Vector::LinSpaced(d, 0.2, 2.0);
  const Matrix a = normal_cloud(d, 2000, 3), b = a.colwise() + m;
  const MetricValue v = compare_clouds(*metric, a, b);
  const double m2 = m.squaredNorm(), sd = direction_sd(m2, d) / std::sqrt(double(p));
  EXPECT_NEAR(v.value * v.value, m2 / d, 4.0 * sd);
  // Reported stderr of the squared value vs the exact sd: the sample sd of P = 400 draws of a
  // Beta(1/2, 9/2) variable (kurtosis ~ 9) has relative sd ~ sqrt((9 - 1)/(4 P)) = 0.07; 4 of
  // those: within 30%.
  EXPECT_NEAR(detail(v, "sliced_w2_squared_stderr") / sd, 1.0, 0.3);
  EXPECT_NEAR(v.stderr_, detail(v, "sliced_w2_squared_stderr") / (2 * v.value), 1e-15);
}

TEST(W2Sliced, GaussianCloudsApproachThePopulationValue) {
  // A ~ N(0, I), B ~ N(m, I) independent, n = 20000, d = 5, P = 200. Population sliced W2^2 =
  // |m|^2/d. Finite-sample terms (derived here): the mean difference delta ~ N(0, 2/n I) adds
  // 2 m.delta/d (sd 2|m| sqrt(2/n)/d) to first order; the spread of sample variances and the 1-D
  // empirical-quantile bias add O(1/n) (each projection's W2^2 exceeds (theta.(m + delta))^2 by
  // at most ~ 2 (log log n + 1)/n + (sd_a - sd_b)^2, ~5/n). Direction noise as above.
  const Index d = 5, n = 20000, p = 200;
  auto metric = sliced(p);
  Vector m(d);
  m << 1.0, -0.5, 0.0, 0.5, 0.25;
  const Matrix a = normal_cloud(d, n, 4), b = normal_cloud(d, n, 5).colwise() + m;
  const double m2 = m.squaredNorm();
  const double sd = std::hypot(direction_sd(m2, d) / std::sqrt(double(p)), 2 * std::sqrt(m2 * 2.0 / n) / d);
  const MetricValue v = compare_clouds(*metric, a, b);
  EXPECT_NEAR(v.value * v.value, m2 / d, 4.0 * sd + 5.0 / n);
}

TEST(W2Sliced, DeterministicFromTheKeyAndHasFloor) {
  auto metric = sliced(50);
  const Matrix a = normal_cloud(4, 300, 6), b = normal_cloud(4, 300, 7);
  const double v1 = compare_clouds(*metric, a, b, {9, 1}).value;
  EXPECT_EQ(compare_clouds(*metric, a, b, {9, 1}).value, v1);
  EXPECT_NE(compare_clouds(*metric, a, b, {9, 2}).value, v1);
  EXPECT_EQ(compare_clouds(*metric, a, a).value, 0.0);
  EXPECT_TRUE(metric->has_floor());
}

}  // namespace
