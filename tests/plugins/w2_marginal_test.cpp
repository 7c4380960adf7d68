// w2_marginal: per-coordinate sorted formula (MATH.md E.4), unequal sizes, and the lower bound
// w2_marginal <= w2_exact (MATH.md E.6), with equality in one dimension.

#include "plugin_fixture.hpp"
#include "two_clouds.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace {

using namespace sgmtk;
using sgmtk::testing::compare_clouds;
using sgmtk::testing::detail;
using sgmtk::testing::normal_cloud;

// W2^2 of one coordinate through the common grid of 1/lcm(n, m) quantile cells (MATH.md E.4).
double coordinate_w2sq(const Matrix& a, const Matrix& b, Index i) {
  std::vector<double> x(static_cast<std::size_t>(a.cols())), y(static_cast<std::size_t>(b.cols()));
  for (Index j = 0; j < a.cols(); ++j) x[static_cast<std::size_t>(j)] = a(i, j);
  for (Index j = 0; j < b.cols(); ++j) y[static_cast<std::size_t>(j)] = b(i, j);
  std::sort(x.begin(), x.end());
  std::sort(y.begin(), y.end());
  const Index n = a.cols(), m = b.cols(), l = std::lcm(n, m);
  double s = 0.0;
  for (Index k = 0; k < l; ++k) {
    const double t = x[static_cast<std::size_t>(k / (l / n))] - y[static_cast<std::size_t>(k / (l / m))];
    s += t * t;
  }
  return s / static_cast<double>(l);
}

class W2MarginalTest : public ::testing::Test {
 protected:
  sgmtk::testing::Loaded<Metric> metric_ = sgmtk::testing::load_metric("w2_marginal");
};

TEST_F(W2MarginalTest, EqualsSortedFormulaPerCoordinate) {
  for (auto [n, m] : {std::pair<Index, Index>{500, 500}, {120, 90}, {7, 5}}) {
    const Matrix a = normal_cloud(4, n, 1), b = normal_cloud(4, m, 2) * 1.7;
    const MetricValue v = compare_clouds(*metric_, a, b);
    double total = 0.0;
    for (Index i = 0; i < 4; ++i) total += coordinate_w2sq(a, b, i);
    // Rounding only (sums of O(n) squares in another order).
    EXPECT_NEAR(v.value * v.value, total, 1e-12 * total) << n << " vs " << m;
    EXPECT_NEAR(detail(v, "w2_coordinate_0"), std::sqrt(coordinate_w2sq(a, b, 0)), 1e-12);
    EXPECT_EQ(v.stderr_, 0.0);
  }
}

TEST_F(W2MarginalTest, IsALowerBoundOnExactW2AndEqualInOneDimension) {
  auto exact = sgmtk::testing::load_metric("w2_exact");
  for (std::uint32_t seed = 0; seed < 4; ++seed) {
    const Matrix a = normal_cloud(5, 300, 10 + seed), b = normal_cloud(5, 300, 20 + seed).array() * 0.8 + 0.2;
    EXPECT_LE(compare_clouds(*metric_, a, b).value, compare_clouds(*exact, a, b).value * (1 + 1e-12));
  }
  const Matrix a = normal_cloud(1, 400, 30), b = normal_cloud(1, 400, 31);
  EXPECT_NEAR(compare_clouds(*metric_, a, b).value, compare_clouds(*exact, a, b).value, 1e-12);
}

TEST_F(W2MarginalTest, ZeroOnIdenticalSetsAndHasFloor) {
  const Matrix a = normal_cloud(3, 100, 40);
  EXPECT_EQ(compare_clouds(*metric_, a, a.rowwise().reverse()).value, 0.0);
  EXPECT_TRUE(metric_->has_floor());
}

}  // namespace
