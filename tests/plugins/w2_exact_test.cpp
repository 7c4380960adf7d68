// w2_exact against independent references: brute force over all permutations (n <= 8), an O(n^3)
// Hungarian algorithm written here (n <= 300, with and without ties), the 1-D sorted formula
// (MATH.md E.4, equal and unequal sizes); invariances, symmetry, zero on identical sets, and the
// duality certificate it reports.

#include "plugin_fixture.hpp"
#include "two_clouds.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

namespace {

using namespace sgmtk;
using sgmtk::testing::compare_clouds;
using sgmtk::testing::detail;
using sgmtk::testing::normal_cloud;

double cost(const Matrix& a, const Matrix& b, Index i, Index j) { return (a.col(i) - b.col(j)).squaredNorm(); }

double brute_force_w2sq(const Matrix& a, const Matrix& b) {
  std::vector<Index> p(static_cast<std::size_t>(a.cols()));
  std::iota(p.begin(), p.end(), 0);
  double best = std::numeric_limits<double>::infinity();
  do {
    double s = 0.0;
    for (Index i = 0; i < a.cols(); ++i) s += cost(a, b, i, p[static_cast<std::size_t>(i)]);
    best = std::min(best, s);
  } while (std::next_permutation(p.begin(), p.end()));
  return best / static_cast<double>(a.cols());
}

// Textbook O(n^3) Hungarian algorithm (potentials + Dijkstra-like row insertion, 1-based), on a
// stored cost matrix: deliberately a different code path from the plugin's LAPJV.
double hungarian_w2sq(const Matrix& a, const Matrix& b) {
  const Index n = a.cols();
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> u(n + 1, 0.0), v(n + 1, 0.0);
  std::vector<Index> p(n + 1, 0), way(n + 1, 0);
  for (Index i = 1; i <= n; ++i) {
    p[0] = i;
    Index j0 = 0;
    std::vector<double> minv(n + 1, inf);
    std::vector<char> used(n + 1, 0);
    do {
      used[j0] = 1;
      const Index i0 = p[j0];
      double delta = inf;
      Index j1 = 0;
      for (Index j = 1; j <= n; ++j) {
        if (used[j]) continue;
        const double cur = cost(a, b, i0 - 1, j - 1) - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (Index j = 0; j <= n; ++j) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] != 0);
    do {
      const Index j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0);
  }
  double s = 0.0;
  for (Index j = 1; j <= n; ++j) s += cost(a, b, p[j] - 1, j - 1);
  return s / static_cast<double>(n);
}

double sorted_1d_w2sq(const Matrix& a, const Matrix& b) {
  // Equal sizes only: (1/n) sum (x_(i) - y_(i))^2 (MATH.md E.4).
  std::vector<double> x(a.data(), a.data() + a.size()), y(b.data(), b.data() + b.size());
  std::sort(x.begin(), x.end());
  std::sort(y.begin(), y.end());
  double s = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) s += (x[i] - y[i]) * (x[i] - y[i]);
  return s / static_cast<double>(x.size());
}

Matrix permute_columns(const Matrix& x, std::uint32_t seed) {
  std::vector<Index> p(static_cast<std::size_t>(x.cols()));
  std::iota(p.begin(), p.end(), 0);
  // A deterministic shuffle from Philox uniforms (Fisher-Yates).
  Matrix u(1, x.cols());
  RandomStream({seed, 3}, purpose::user_first).uniforms(0, 0, u);
  for (Index i = x.cols() - 1; i > 0; --i) {
    const Index j = std::min<Index>(i, static_cast<Index>(u(0, i) * static_cast<double>(i + 1)));
    std::swap(p[static_cast<std::size_t>(i)], p[static_cast<std::size_t>(j)]);
  }
  Matrix out(x.rows(), x.cols());
  for (Index j = 0; j < x.cols(); ++j) out.col(j) = x.col(p[static_cast<std::size_t>(j)]);
  return out;
}

class W2ExactTest : public ::testing::Test {
 protected:
  sgmtk::testing::Loaded<Metric> metric_ = sgmtk::testing::load_metric("w2_exact");
};

// Rounding only: the plugin sums n costs of size O(d) in a different order than the references.
constexpr double kRel = 1e-12;

TEST_F(W2ExactTest, MatchesBruteForceOverAllPermutations) {
  for (Index n = 1; n <= 8; ++n) {
    for (std::uint32_t seed = 0; seed < 3; ++seed) {
      const Matrix a = normal_cloud(3, n, 100 + seed), b = normal_cloud(3, n, 200 + seed);
      const MetricValue v = compare_clouds(*metric_, a, b);
      const double expected = brute_force_w2sq(a, b);
      EXPECT_NEAR(detail(v, "w2_squared"), expected, kRel * (1.0 + expected)) << "n = " << n;
      EXPECT_NEAR(v.value, std::sqrt(expected), 1e-10);
      EXPECT_EQ(v.stderr_, 0.0);
      EXPECT_FALSE(v.squared);
    }
  }
}

TEST_F(W2ExactTest, MatchesIndependentHungarian) {
  for (Index n : {50, 173, 300}) {
    const Matrix a = normal_cloud(5, n, 11), b = normal_cloud(5, n, 12).array() + 0.3;
    const double expected = hungarian_w2sq(a, b);
    EXPECT_NEAR(detail(compare_clouds(*metric_, a, b), "w2_squared"), expected, kRel * (1.0 + expected))
        << "n = " << n;
  }
}

TEST_F(W2ExactTest, MatchesHungarianWithManyTies) {
  // Integer grid points: many equal costs and many optimal assignments (degenerate LP).
  const Index n = 120;
  Matrix a = (normal_cloud(2, n, 21) * 1.5).array().round(), b = (normal_cloud(2, n, 22) * 1.5).array().round();
  const double expected = hungarian_w2sq(a, b);
  EXPECT_NEAR(detail(compare_clouds(*metric_, a, b), "w2_squared"), expected, kRel * (1.0 + expected));
}

// The solver works on a sparse graph of candidate pairs (32 nearest columns of each row, 32
// nearest rows of each column) and grows it by pricing passes over all pairs: the cases below
// use n > 64 so that the graph is not complete, and shapes where the first candidates are wrong.

TEST_F(W2ExactTest, PricingRepairsCandidatesOnSeparatedClouds) {
  // B is A's law moved far along one axis: every row's nearest columns are B's near edge and
  // every column's nearest rows A's far edge, so most optimal pairs are not candidates at first.
  const Index n = 250;
  Matrix a = normal_cloud(3, n, 91), b = normal_cloud(3, n, 92);
  b.row(0).array() += 12.0;
  b.row(1) *= 3.0;
  const double expected = hungarian_w2sq(a, b);
  const MetricValue v = compare_clouds(*metric_, a, b);
  EXPECT_NEAR(detail(v, "w2_squared"), expected, kRel * (1.0 + expected));
  EXPECT_GE(detail(v, "pricing_rounds"), 2.0);  // the first pass found violated pairs
  EXPECT_LT(detail(v, "candidate_pairs"), static_cast<double>(n * n));
  EXPECT_LE(detail(v, "duality_gap"), 1e-9 * (1.0 + expected));
}

TEST_F(W2ExactTest, MatchesHungarianWithDuplicatedPoints) {
  // Each point three times in A, twice in B: many tied costs and tied nearest neighbours.
  const Index base = 60;
  const Matrix a0 = normal_cloud(4, base, 93), b0 = normal_cloud(4, 90, 94).array() + 0.2;
  Matrix a(4, 3 * base), b(4, 180);
  for (Index j = 0; j < 3 * base; ++j) a.col(j) = a0.col(j % base);
  for (Index j = 0; j < 180; ++j) b.col(j) = b0.col(j / 2);
  const double expected = hungarian_w2sq(a, b);
  EXPECT_NEAR(detail(compare_clouds(*metric_, a, b), "w2_squared"), expected, kRel * (1.0 + expected));
}

TEST_F(W2ExactTest, AllPointsEqualOrOnePoint) {
  const Matrix p = Matrix::Constant(3, 200, 0.7);
  Matrix q = p;
  q.row(2).array() += 2.0;  // every cost is 4: every assignment is optimal
  EXPECT_EQ(compare_clouds(*metric_, p, p).value, 0.0);
  EXPECT_NEAR(detail(compare_clouds(*metric_, p, q), "w2_squared"), 4.0, 1e-14);
  const Matrix a = normal_cloud(5, 1, 95), b = normal_cloud(5, 1, 96);
  EXPECT_NEAR(detail(compare_clouds(*metric_, a, b), "w2_squared"), (a - b).squaredNorm(), 1e-15);
  const Matrix x = normal_cloud(1, 1, 95), y = normal_cloud(1, 1, 96);  // d = 1: the sorted path
  EXPECT_NEAR(detail(compare_clouds(*metric_, x, y), "w2_squared"), (x - y).squaredNorm(), 1e-15);
}

TEST_F(W2ExactTest, OneDimensionWithTiesEqualsSortedFormula) {
  // d = 1 on a coarse grid: many equal coordinates, so the sorted matching's staircase duals
  // meet ties (their feasibility is what the certificate checks).
  const Matrix a = (normal_cloud(1, 400, 97) * 3.0).array().round(),
               b = (normal_cloud(1, 400, 98) * 3.0).array().round() + 1.0;
  const double expected = sorted_1d_w2sq(a, b);
  EXPECT_NEAR(detail(compare_clouds(*metric_, a, b), "w2_squared"), expected, kRel * (1.0 + expected));
}

TEST_F(W2ExactTest, UnequalSizesMatchHungarianOnRepeatedPoints) {
  // n = 80, m = 120 in d = 3: the lcm formulation (each a_i three times, each b_j twice)
  // against the independent Hungarian on the same repeated clouds (L = 240).
  const Matrix a = normal_cloud(3, 80, 99), b = normal_cloud(3, 120, 100).array() + 0.4;
  Matrix ra(3, 240), rb(3, 240);
  for (Index j = 0; j < 240; ++j) {
    ra.col(j) = a.col(j / 3);
    rb.col(j) = b.col(j / 2);
  }
  const double expected = hungarian_w2sq(ra, rb);
  const MetricValue v = compare_clouds(*metric_, a, b);
  EXPECT_NEAR(detail(v, "w2_squared"), expected, kRel * (1.0 + expected));
  EXPECT_EQ(detail(v, "assignment_size"), 240.0);
}

TEST_F(W2ExactTest, OneDimensionEqualsSortedFormula) {
  const Matrix a = normal_cloud(1, 700, 31), b = normal_cloud(1, 700, 32) * 2.0;
  const double expected = sorted_1d_w2sq(a, b);
  EXPECT_NEAR(detail(compare_clouds(*metric_, a, b), "w2_squared"), expected, kRel * (1.0 + expected));
}

TEST_F(W2ExactTest, UnequalSizesInOneDimensionEqualQuantileIntegral) {
  // n = 6, m = 4 (lcm 12) and n = 30, m = 45 (lcm 90): against the quantile integral over the
  // merged breakpoints (MATH.md E.4), evaluated here on the common grid of 1/lcm cells.
  for (auto [n, m] : {std::pair<Index, Index>{6, 4}, {30, 45}}) {
    const Matrix a = normal_cloud(1, n, 41), b = normal_cloud(1, m, 42).array() + 0.5;
    const Index l = std::lcm(n, m);
    std::vector<double> x(a.data(), a.data() + n), y(b.data(), b.data() + m);
    std::sort(x.begin(), x.end());
    std::sort(y.begin(), y.end());
    double expected = 0.0;
    for (Index k = 0; k < l; ++k) {
      const double t = x[static_cast<std::size_t>(k / (l / n))] - y[static_cast<std::size_t>(k / (l / m))];
      expected += t * t / static_cast<double>(l);
    }
    const MetricValue v = compare_clouds(*metric_, a, b);
    EXPECT_NEAR(detail(v, "w2_squared"), expected, kRel * (1.0 + expected));
    EXPECT_EQ(detail(v, "assignment_size"), static_cast<double>(l));
  }
}

TEST_F(W2ExactTest, InvariantUnderPermutationsAndCommonTranslation) {
  const Matrix a = normal_cloud(4, 400, 51), b = normal_cloud(4, 400, 52);
  const double base = detail(compare_clouds(*metric_, a, b), "w2_squared");
  EXPECT_NEAR(detail(compare_clouds(*metric_, permute_columns(a, 1), b), "w2_squared"), base, kRel * base);
  EXPECT_NEAR(detail(compare_clouds(*metric_, a, permute_columns(b, 2)), "w2_squared"), base, kRel * base);
  Vector shift(4);
  shift << 3.0, -1.0, 0.25, 10.0;
  const Matrix as = a.colwise() + shift, bs = b.colwise() + shift;
  // Translation changes the rounding of every coordinate difference (|shift| ~ 10): 1e-11.
  EXPECT_NEAR(detail(compare_clouds(*metric_, as, bs), "w2_squared"), base, 1e-11 * base);
}

TEST_F(W2ExactTest, SymmetricAndZeroOnIdenticalSets) {
  const Matrix a = normal_cloud(6, 300, 61), b = normal_cloud(6, 300, 62);
  const double ab = detail(compare_clouds(*metric_, a, b), "w2_squared");
  const double ba = detail(compare_clouds(*metric_, b, a), "w2_squared");
  EXPECT_NEAR(ab, ba, kRel * ab);
  EXPECT_EQ(compare_clouds(*metric_, a, permute_columns(a, 5)).value, 0.0);
}

TEST_F(W2ExactTest, ReportsATightCertificate) {
  const Matrix a = normal_cloud(10, 1000, 71), b = normal_cloud(10, 1000, 72);
  const MetricValue v = compare_clouds(*metric_, a, b);
  // The gap is a proven upper bound on (value^2 - optimum); only rounding may remain: costs are
  // O(20) here, each dual a sum of O(n) such updates, so 1e-9 absolute is generous yet far below
  // any sub-optimal assignment's excess (>= one cost difference, ~1e-3 / n here).
  EXPECT_GE(detail(v, "duality_gap"), -1e-12);
  EXPECT_LE(detail(v, "duality_gap"), 1e-9);
  EXPECT_LE(detail(v, "max_dual_violation"), 1e-9);
}

TEST_F(W2ExactTest, DrawsExactTargetSamplesWithoutAReference) {
  auto target = sgmtk::testing::load_target("gaussian", [] {
    Params p;
    p.set("dim", std::int64_t{3});
    return p;
  }());
  const Matrix a = normal_cloud(3, 200, 81);
  MetricInput in;
  in.samples = ConstMatrixView(a);
  in.target = &*target;
  in.key = {5, 1};
  const double first = metric_->compute(in).value;
  EXPECT_EQ(metric_->compute(in).value, first);  // same key, same reference sample
  in.key = {5, 2};
  EXPECT_NE(metric_->compute(in).value, first);
  EXPECT_TRUE(metric_->has_floor());
  EXPECT_FALSE(metric_->needs().coupled_reference);
}

TEST_F(W2ExactTest, RefusesMismatchedOrOversizedInput) {
  EXPECT_THROW(compare_clouds(*metric_, normal_cloud(3, 10, 1), normal_cloud(2, 10, 2)), Error);
  Params p;
  p.set("max_points", std::int64_t{10});
  auto small = sgmtk::testing::load_metric("w2_exact", p);
  EXPECT_THROW(compare_clouds(*small, normal_cloud(2, 6, 1), normal_cloud(2, 4, 2)), Error);  // lcm 12
}

// The message of the sgmtk::Error that `f` throws ("" if it throws none).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST_F(W2ExactTest, RefusesCostsThatOverflowInsteadOfCorruptingMemory) {
  // Coordinates ~1e155: every squared distance is ~1e310 = inf in double. Before the check the
  // solver's column reduction found no finite minimum for some column and indexed row -1
  // ("double free or corruption", SIGABRT): this test then died instead of failing.
  Matrix a(2, 5), b(2, 5);
  a << 1, -1, 2, 0.5, -2, 2, 3, -1, 1, -2;
  b << 1.5, -1, 2, -0.5, 1, -2, 1, 2, 0, -1;
  a *= 1e155;
  b *= 1e155;
  const std::string msg = error_of([&] { compare_clouds(*metric_, a, b); });
  EXPECT_NE(msg.find("overflow"), std::string::npos) << msg;
  EXPECT_NE(msg.find("rescale"), std::string::npos) << msg;
  // One dimension takes the sorted path, unequal sizes the repeated clouds: the same refusal.
  EXPECT_NE(error_of([&] { compare_clouds(*metric_, a.topRows(1), b.topRows(1)); }).find("overflow"), std::string::npos);
  EXPECT_NE(error_of([&] { compare_clouds(*metric_, a, b.leftCols(4)); }).find("overflow"), std::string::npos);
  // One far point among ordinary ones is enough.
  Matrix c = normal_cloud(3, 100, 7), e = normal_cloud(3, 100, 8);
  c(1, 42) = 1e160;
  EXPECT_NE(error_of([&] { compare_clouds(*metric_, c, e); }).find("overflow"), std::string::npos);
}

TEST_F(W2ExactTest, RefusesNonFiniteCoordinatesNamingThePoint) {
  Matrix a = normal_cloud(3, 20, 1), b = normal_cloud(3, 20, 2);
  a(2, 7) = std::numeric_limits<double>::quiet_NaN();
  const std::string nan_msg = error_of([&] { compare_clouds(*metric_, a, b); });
  EXPECT_NE(nan_msg.find("point 7 of the first cloud"), std::string::npos) << nan_msg;
  a(2, 7) = 0.0;
  b(0, 13) = -std::numeric_limits<double>::infinity();
  const std::string inf_msg = error_of([&] { compare_clouds(*metric_, a, b); });
  EXPECT_NE(inf_msg.find("point 13 of the second cloud"), std::string::npos) << inf_msg;
  // Unequal sizes: the index is the point's own, not its index among the repeated copies.
  const std::string uneq_msg = error_of([&] { compare_clouds(*metric_, a.leftCols(10), b); });
  EXPECT_NE(uneq_msg.find("point 13 of the second cloud"), std::string::npos) << uneq_msg;
}

TEST_F(W2ExactTest, LargeButRepresentableCostsScaleExactly) {
  // A power-of-two scale changes no rounding (far from overflow and underflow): the same
  // assignment, W2 scaled exactly. 2^480 ~ 3e144 puts the costs near 1e290, below the limit.
  const Matrix a = normal_cloud(3, 150, 3), b = normal_cloud(3, 150, 4);
  const double s = std::ldexp(1.0, 480);
  const MetricValue base = compare_clouds(*metric_, a, b);
  const MetricValue big = compare_clouds(*metric_, a * s, b * s);
  EXPECT_EQ(big.value, base.value * s);
  EXPECT_EQ(detail(big, "w2_squared"), detail(base, "w2_squared") * s * s);
}

}  // namespace
