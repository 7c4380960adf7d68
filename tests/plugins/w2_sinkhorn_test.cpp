// w2_sinkhorn: the debiased divergence approaches the exact W2^2 (w2_exact) as eps shrinks,
// within the derived bound |S_eps - W2^2| <= eps log n (sinkhorn_divergence.hpp); zero on
// identical clouds, symmetric, and non-convergence is an error.

#include "plugin_fixture.hpp"
#include "two_clouds.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace {

using namespace sgmtk;
using sgmtk::testing::compare_clouds;
using sgmtk::testing::detail;
using sgmtk::testing::normal_cloud;

sgmtk::testing::Loaded<Metric> sinkhorn(double eps, const char* mode = "absolute") {
  Params p;
  p.set("epsilon", eps);
  p.set("epsilon_mode", std::string(mode));
  p.set("squared", true);
  p.set("tolerance", 1e-4);
  return sgmtk::testing::load_metric("w2_sinkhorn", p);
}

TEST(W2Sinkhorn, ApproachesExactW2SquaredAsEpsilonShrinks) {
  const Index n = 150;
  const Matrix a = normal_cloud(3, n, 1), b = normal_cloud(3, n, 2).array() * 1.2 + 0.5;
  auto exact = sgmtk::testing::load_metric("w2_exact");
  const double w2sq = std::pow(compare_clouds(*exact, a, b).value, 2);
  double previous_error = INFINITY;
  for (double eps : {0.3, 0.1, 0.03, 0.01}) {
    const MetricValue v = compare_clouds(*sinkhorn(eps), a, b);
    EXPECT_TRUE(v.squared);
    const double error = std::abs(v.value - w2sq);
    // Derived bound eps log n, plus an allowance for stopping at L1 marginal error delta = 1e-4:
    // rounding the plan to exact marginals moves mass <= 2 delta (Altschuler et al. 2017), which
    // changes the transport term by <= 2 delta max C (max C < 40 here); the entropy term's change
    // is not bounded here, so this allowance is a heuristic, not a proof.
    EXPECT_LE(error, eps * std::log(double(n)) + 2e-4 * 40) << "eps = " << eps;
    EXPECT_LT(error, previous_error) << "eps = " << eps;  // monotone approach on this grid
    previous_error = error;
  }
  EXPECT_LT(previous_error, 0.02 * w2sq);  // and actually close at the smallest eps
}

TEST(W2Sinkhorn, ZeroOnIdenticalCloudsAndSymmetric) {
  const Matrix a = normal_cloud(4, 120, 3), b = normal_cloud(4, 120, 4);
  auto metric = sinkhorn(0.05, "relative");
  // Identical inputs are recognized (exactly 0); a vs b and b vs a run the A-B iteration on
  // transposed problems and agree up to the stopping tolerance (delta = 1e-4 in L1, costs
  // O(10): 1e-3, same heuristic allowance as above).
  EXPECT_EQ(compare_clouds(*metric, a, a).value, 0.0);
  EXPECT_NEAR(compare_clouds(*metric, a, b).value, compare_clouds(*metric, b, a).value, 1e-3);
  EXPECT_TRUE(metric->has_floor());
}

TEST(W2Sinkhorn, IdenticalCloudsAreExactlyZeroAtDefaultSettings) {
  // Default settings (eps = 0.01 relative, tolerance 1e-4) in low dimension, where the A-B
  // iteration on identical inputs used to take thousands of iterations and return -3e-6.
  const Matrix a = normal_cloud(3, 400, 9);
  const MetricValue v = compare_clouds(*sgmtk::testing::load_metric("w2_sinkhorn"), a, a);
  EXPECT_EQ(v.value, 0.0);
  EXPECT_EQ(detail(v, "sinkhorn_divergence"), 0.0);
  EXPECT_LT(detail(v, "iterations_ab"), 100.0);
}

TEST(W2Sinkhorn, ReportsW2UnitsByDefault) {
  const Matrix a = normal_cloud(2, 80, 5), b = normal_cloud(2, 80, 6).array() + 1.0;
  const MetricValue v = compare_clouds(*sgmtk::testing::load_metric("w2_sinkhorn"), a, b);
  EXPECT_FALSE(v.squared);
  EXPECT_NEAR(v.value, std::sqrt(detail(v, "sinkhorn_divergence")), 1e-15);
}

TEST(W2Sinkhorn, NonConvergenceIsAnError) {
  Params p;
  p.set("epsilon", 1e-4);
  p.set("tolerance", 1e-12);
  p.set("max_iterations", std::int64_t{2});
  auto metric = sgmtk::testing::load_metric("w2_sinkhorn", p);
  EXPECT_THROW(compare_clouds(*metric, normal_cloud(3, 60, 7), normal_cloud(3, 60, 8)), NumericalError);
}

}  // namespace
