// The shared Brownian path (brownian_path.hpp): sample covariances of its step quantities
// against MATH.md B.2-B.4 / E.7, for refinements 1 and 4 on uniform and geometric grids, and
// the consistency of coarse quantities with sums of fine ones.
//
// Tolerances are CLT-based: with N i.i.d. pairs of a centred bivariate normal (X, Y),
//   sd(sample Cov(X, Y)) = sqrt((Var X Var Y + Cov^2) / N),
// and every comparison allows 5 such standard errors (a false failure has probability < 1e-6
// per comparison; the seeds are fixed, so the test is deterministic). The quantities are
// checked after scaling by their predicted standard deviations, so one tolerance fits all h.
#include <sgmtk/sgmtk.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace {

using namespace sgmtk;

constexpr Index dim = 4;
constexpr Index particles = 40000;  // N = 160000 pairs per check
constexpr double n_se = 5.0;

struct Case {
  std::string name;
  Schedule schedule;
  double horizon;
  double early_stop;
  Index steps;
  Index refinement;
};

std::vector<Case> cases() {
  return {{"uniform_r1", Schedule::uniform, 1.0, 0.0, 4, 1},
          {"uniform_r4", Schedule::uniform, 1.0, 0.0, 4, 4},
          {"geometric_r1", Schedule::geometric, 2.0, 0.01, 4, 1},
          {"geometric_r4", Schedule::geometric, 2.0, 0.01, 4, 4}};
}

// Sample covariance of two equally shaped blocks, over all entries (mean known to be 0).
double cov(const Matrix& a, const Matrix& b) { return (a.array() * b.array()).mean(); }

// Checks the sample covariance of (x, y) against the predicted (vx, vy, cxy).
void expect_cov(const Matrix& x, const Matrix& y, double vx, double vy, double cxy, const std::string& what) {
  const double n = static_cast<double>(x.size());
  const double se = std::sqrt((vx * vy + cxy * cxy) / n);
  EXPECT_NEAR(cov(x, y), cxy, n_se * se) << what << " (predicted " << cxy << ", se " << se << ")";
}

class BrownianPathCovariance : public ::testing::TestWithParam<Case> {};

TEST_P(BrownianPathCovariance, IncrementAndOuIntegral) {
  const Case c = GetParam();
  const TimeGrid grid(c.schedule, c.horizon, c.early_stop, c.steps);
  const BrownianPath path({11, 3}, grid.refined(c.refinement));
  for (Index k : {Index{0}, c.steps - 1}) {
    const double h = grid.h(k);
    Matrix dw(dim, particles), j(dim, particles), dw_only(dim, particles);
    path.increment_with_ou(grid, k, 0, dw, j);
    path.increment(grid, k, 0, dw_only);
    // The increment does not depend on whether J was asked for.
    EXPECT_LT((dw - dw_only).cwiseAbs().maxCoeff(), 1e-14 * std::sqrt(h));
    const double vj = std::expm1(2.0 * h);
    const double cwj = std::sqrt(2.0) * std::expm1(h);
    expect_cov(dw, dw, h, h, h, "Var dW, step " + std::to_string(k));
    expect_cov(j, j, vj, vj, vj, "Var J");
    expect_cov(dw, j, h, vj, cwj, "Cov(dW, J)");
  }
}

TEST_P(BrownianPathCovariance, RemPairFromOnePath) {
  const Case c = GetParam();
  const TimeGrid grid(c.schedule, c.horizon, c.early_stop, c.steps);
  const BrownianPath path({12, 0}, grid.refined(c.refinement));
  const Index k = 1;
  const double h = grid.h(k);
  // 0.3 falls inside a fine interval for r = 4 (0.3 * 4 = 1.2); 0.75 is a fine-grid point.
  for (double u : {0.3, 0.75, 1.0}) {
    std::vector<double> frac(static_cast<std::size_t>(particles), u);
    Matrix g1(dim, particles), g(dim, particles), dw(dim, particles);
    path.partial_increment(grid, k, 0, frac.data(), g1, g);
    path.increment(grid, k, 0, dw);
    // G is the step's increment, the same one every other scheme sees.
    EXPECT_LT((g - dw).cwiseAbs().maxCoeff(), 1e-14) << "u = " << u;
    const std::string at = " at u = " + std::to_string(u);
    expect_cov(g1, g1, u * h, u * h, u * h, "Var G1" + at);
    expect_cov(g1, g, u * h, h, u * h, "Cov(G1, G)" + at);
  }
}

TEST_P(BrownianPathCovariance, ReiPairFromOnePath) {
  const Case c = GetParam();
  const TimeGrid grid(c.schedule, c.horizon, c.early_stop, c.steps);
  const BrownianPath path({13, 0}, grid.refined(c.refinement));
  const Index k = 2;
  const double h = grid.h(k);
  for (double u : {0.3, 0.75, 1.0}) {
    std::vector<double> frac(static_cast<std::size_t>(particles), u);
    Matrix j1(dim, particles), j2(dim, particles), dw(dim, particles), j(dim, particles);
    path.partial_ou(grid, k, 0, frac.data(), j1, j2);
    path.increment_with_ou(grid, k, 0, dw, j);
    EXPECT_LT((j2 - j).cwiseAbs().maxCoeff(), 1e-13) << "J2 must be the step's J, u = " << u;
    const double v1 = std::expm1(2.0 * u * h);
    const double v2 = std::expm1(2.0 * h);
    const std::string at = " at u = " + std::to_string(u);
    expect_cov(j1, j1, v1, v1, v1, "Var J1" + at);
    expect_cov(j1, j2, v1, v2, 2.0 * std::exp(h) * std::sinh(u * h), "Cov(J1, J2)" + at);
    // J1 is a functional of the same path: Cov(J1, dW) = sqrt(2) int_0^{uh} e^{uh-r} dr.
    expect_cov(j1, dw, v1, h, std::sqrt(2.0) * std::expm1(u * h), "Cov(J1, dW)" + at);
  }
}

INSTANTIATE_TEST_SUITE_P(Grids, BrownianPathCovariance, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

// Per-particle fractions: each particle's point is located on its own; the pooled covariance
// with u ~ Unif(0,1) is E[u] h = h/2 for Cov(G1, G), and E[e^{2uh} - 1] for Var J1.
TEST(BrownianPath, PerParticleFractions) {
  const TimeGrid grid(Schedule::uniform, 1.0, 0.0, 4);
  const BrownianPath path({14, 0}, grid.refined(4));
  const Index k = 0;
  const double h = grid.h(k);
  Matrix u(1, particles);
  RandomStream({14, 0}, purpose::step_uniform).uniforms(0, 0, u);
  Matrix g1(dim, particles), g(dim, particles), j1(dim, particles), j2(dim, particles);
  path.partial_increment(grid, k, 0, u.data(), g1, g);
  path.partial_ou(grid, k, 0, u.data(), j1, j2);
  // Mixed over U the pairs are not Gaussian; use the sample variance of the products for the SE.
  const auto check = [](const Matrix& a, const Matrix& b, double want, const char* what) {
    const Eigen::ArrayXXd prod = a.array() * b.array();
    const double mean = prod.mean();
    const double se = std::sqrt((prod - mean).square().mean() / static_cast<double>(prod.size()));
    EXPECT_NEAR(mean, want, n_se * se) << what;
  };
  check(g1, g, 0.5 * h, "Cov(G1, G), U uniform");
  check(g1, g1, 0.5 * h, "Var G1, U uniform");
  // E[e^{2Uh} - 1] = (e^{2h} - 1)/(2h) - 1
  check(j1, j1, std::expm1(2.0 * h) / (2.0 * h) - 1.0, "Var J1, U uniform");
  // E[2 e^h sinh(Uh)] = 2 e^h (cosh h - 1)/h
  check(j1, j2, 2.0 * std::exp(h) * (std::cosh(h) - 1.0) / h, "Cov(J1, J2), U uniform");
}

// A coarse step's increment and OU integral are the sums of the fine ones, as a finer scheme on
// the same path sees them: the 2-step grid's step 0 against the 4-step grid's steps 0 and 1.
TEST(BrownianPath, CoarseIsSumOfFine) {
  for (Schedule s : {Schedule::uniform, Schedule::geometric}) {
    const TimeGrid coarse(s, 2.0, 0.05, 2);
    const TimeGrid fine = coarse.refined(2);
    const BrownianPath path({15, 1}, fine);
    const Index n = 64;
    Matrix dw(dim, n), j(dim, n), dw0(dim, n), j0(dim, n), dw1(dim, n), j1(dim, n);
    path.increment_with_ou(coarse, 0, 0, dw, j);
    path.increment_with_ou(fine, 0, 0, dw0, j0);
    path.increment_with_ou(fine, 1, 0, dw1, j1);
    const double tol = 4e-16 * (dw0.cwiseAbs().maxCoeff() + dw1.cwiseAbs().maxCoeff());
    EXPECT_LE((dw - (dw0 + dw1)).cwiseAbs().maxCoeff(), tol) << to_string(s);
    // J over [t0, t2] = e^{t2 - t1} J_0 + J_1
    const Matrix j_sum = std::exp(fine.h(1)) * j0 + j1;
    EXPECT_LE((j - j_sum).cwiseAbs().maxCoeff(), 1e-15 * 8.0 * (j0.cwiseAbs().maxCoeff() + j1.cwiseAbs().maxCoeff()))
        << to_string(s);
    // increment() (no J) gives the same coarse sum.
    Matrix dw_only(dim, n);
    path.increment(coarse, 0, 0, dw_only);
    EXPECT_LE((dw_only - (dw0 + dw1)).cwiseAbs().maxCoeff(), tol) << to_string(s);
  }
}

// increment_normals() is increment() in two factors: with one fine interval per step,
// scale * xi is increment()'s value bit for bit (the samplers apply the scale themselves);
// with several, it declines (returns 0) and leaves its output alone.
TEST(BrownianPath, IncrementNormalsTimesScaleIsIncrement) {
  for (Schedule s : {Schedule::uniform, Schedule::geometric}) {
    const TimeGrid grid(s, 2.0, 0.05, 5);
    const BrownianPath path({17, 2}, grid);
    for (Index d : {Index{1}, Index{7}, Index{100}}) {
      for (Index k : {Index{0}, Index{4}}) {
        Matrix dw(d, 37), xi(d, 37);
        path.increment(grid, k, 11, dw);
        const double scale = path.increment_normals(grid, k, 11, xi);
        EXPECT_EQ(scale, std::sqrt(grid.h(k)));
        Matrix product(d, 37);
        for (Index j = 0; j < 37; ++j)
          for (Index i = 0; i < d; ++i) product(i, j) = scale * xi(i, j);
        EXPECT_TRUE(product == dw) << to_string(s) << " d " << d << " k " << k;
      }
    }
    const BrownianPath fine_path({17, 2}, grid.refined(2));
    Matrix xi = Matrix::Constant(3, 4, 7.0);
    EXPECT_EQ(fine_path.increment_normals(grid, 1, 0, xi), 0.0);
    EXPECT_TRUE((xi.array() == 7.0).all());
  }
}

// Block splits and particle offsets never change a particle's numbers.
TEST(BrownianPath, BlockInvariance) {
  const TimeGrid grid(Schedule::uniform, 1.0, 0.0, 2);
  const BrownianPath path({16, 0}, grid.refined(4));
  const Index n = 10;
  std::vector<double> u(static_cast<std::size_t>(n));
  for (Index p = 0; p < n; ++p) u[static_cast<std::size_t>(p)] = (static_cast<double>(p) + 0.5) / n;
  Matrix a1(3, n), a2(3, n), b1(3, 4), b2(3, 4);
  path.partial_ou(grid, 1, 0, u.data(), a1, a2);
  path.partial_ou(grid, 1, 6, u.data() + 6, b1, b2);
  EXPECT_EQ(a1.rightCols(4), b1);
  EXPECT_EQ(a2.rightCols(4), b2);
  path.partial_increment(grid, 1, 0, u.data(), a1, a2);
  path.partial_increment(grid, 1, 6, u.data() + 6, b1, b2);
  EXPECT_EQ(a1.rightCols(4), b1);
  EXPECT_EQ(a2.rightCols(4), b2);
}

// As h -> 0 the REI covariances reduce to REM's (MATH.md B.4): (2Uh, 2h, 2Uh). Checked on the
// sample covariances at h = 1e-6, scaled by 2h, for refinements 1 and 4; at this h the exact
// values differ from the limits by O(h) = 1e-6, far below the 5-SE band (~1e-2).
// Also, pathwise, J = sqrt(2) dW + O(h^{3/2}): J - sqrt(2) dW = sqrt(2) int (e^{h-r} - 1) dW_r is
// N(0, ~2h^3/3), and 6 of its sd are exceeded somewhere in 1.6e5 draws with probability < 4e-4.
TEST(BrownianPath, ReiReducesToRemAsStepVanishes) {
  for (Index r : {Index{1}, Index{4}}) {
    const TimeGrid grid(Schedule::uniform, 4e-6, 0.0, 4);  // h = 1e-6
    const BrownianPath path({17, 0}, grid.refined(r));
    const double h = grid.h(0);
    const double u = 0.4;
    std::vector<double> frac(static_cast<std::size_t>(particles), u);
    Matrix j1(dim, particles), j2(dim, particles), dw(dim, particles), j(dim, particles);
    path.partial_ou(grid, 0, 0, frac.data(), j1, j2);
    path.increment_with_ou(grid, 0, 0, dw, j);
    const double scale = 2.0 * h;
    const double n = static_cast<double>(j1.size());
    EXPECT_NEAR(cov(j1, j1) / scale, u, n_se * u * std::sqrt(2.0 / n));
    EXPECT_NEAR(cov(j2, j2) / scale, 1.0, n_se * std::sqrt(2.0 / n));
    EXPECT_NEAR(cov(j1, j2) / scale, u, n_se * std::sqrt((u + u * u) / n));
    const double sd_diff = std::sqrt(2.0 * h * h * h / 3.0);
    EXPECT_LE((j - std::sqrt(2.0) * dw).cwiseAbs().maxCoeff(), 6.0 * sd_diff) << "r = " << r;
  }
}

}  // namespace
