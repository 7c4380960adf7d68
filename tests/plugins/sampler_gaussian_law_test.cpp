// Output laws of the samplers on Gaussian targets against the closed forms of MATH.md E.1/E.2
// (tests/support/gaussian_law*.hpp):
//  * stochastic affine schemes (EI, LL start/midpoint, diagonal and full Hessian): sampled mean
//    and variance per eigen-coordinate vs the E.1 recursion, and the exact linear part of the
//    plugin (two starts on one path differ by exactly prod_k M_k, no sampling noise);
//  * REM / REI: sampled mean and second moment vs the E.2 recursion (40-point Gauss-Legendre);
//  * PF-ODE (euler, exponential, heun): deterministic, so the output map is checked to 1e-12;
//  * ULA: stationary variance s/(1 - h/(2s)) (B.7); exact_reverse from p_T: moments of pi.
// Statistical tolerance: 5 standard errors from the CLT, the SE estimated from the sample itself
// (mean: sqrt(var/N); variance / second moment: sqrt(Var[(y - m)^2]/N)), so the check is valid
// for the non-Gaussian REM/REI laws too. Each case also checks it has power: the E.1 law of
// Euler-Maruyama (a different scheme) must be rejected by the same criterion.
#include "gaussian_law_schemes.hpp"
#include "plugin_fixture.hpp"
#include "run_sampler.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace {

using namespace sgmtk;
using namespace sgmtk::testing;
namespace gl = sgmtk::testing::gaussian_law;

constexpr Index particles = 40000;
constexpr double n_se = 5.0;

const Vector target_mean = (Vector(3) << 1.0, -0.5, 2.0).finished();

Params diagonal_params() {
  Params p;
  p.set("dim", std::int64_t{3});
  p.set("mean", RealList{1.0, -0.5, 2.0});
  p.set("diagonal", RealList{0.25, 1.0, 4.0});
  return p;
}
Matrix full_covariance() {
  return (Matrix(3, 3) << 2.0, 0.6, 0.2, 0.6, 1.0, -0.3, 0.2, -0.3, 0.5).finished();
}
Params full_params() {
  Params p;
  p.set("dim", std::int64_t{3});
  p.set("mean", RealList{1.0, -0.5, 2.0});
  const Matrix s = full_covariance();
  RealMatrix rows;
  for (Index i = 0; i < 3; ++i) rows.push_back({s(i, 0), s(i, 1), s(i, 2)});
  p.set("covariance", rows);
  return p;
}

struct SamplerRun {
  Loaded<Target> target;
  gl::GaussianTargetLaw law;
  Matrix eigen_out;  // output in the eigenbasis of S
};

SamplerRun run(const std::string& sampler, const Params& sp, bool full, const TimeGrid& grid, gl::StartLaw start,
        RandomKey key = {2024, 1}) {
  Loaded<Target> target = load_target("gaussian", full ? full_params() : diagonal_params());
  const Matrix s = full ? full_covariance() : Matrix(Vector((Vector(3) << 0.25, 1.0, 4.0).finished()).asDiagonal());
  gl::GaussianTargetLaw law(target_mean, s);
  const Loaded<Sampler> smp = load_sampler(sampler, sp);
  Matrix y = initial_state(*target, grid, key, particles,
                           start == gl::StartLaw::exact ? Start::exact : Start::gaussian);
  const BrownianPath path(key, grid);
  const ScoreModel score(*target, {}, key);
  run_sampler(*smp, score, grid, path, y);
  Matrix z = law.eigenvectors.transpose() * y;
  return {std::move(target), std::move(law), std::move(z)};
}

struct SampleMoments {
  double mean, mean_se, var, var_se, second, second_se;
};
SampleMoments moments_of(const Eigen::RowVectorXd& x) {
  const double n = static_cast<double>(x.size());
  const double m = x.mean();
  const Eigen::ArrayXd c = (x.array() - m).transpose();
  const double v = c.square().mean();
  const double m4 = c.square().square().mean();
  const Eigen::ArrayXd sq = x.array().square().transpose();
  const double q = sq.mean();
  return {m, std::sqrt(v / n), v, std::sqrt((m4 - v * v) / n), q, std::sqrt((sq - q).square().mean() / n)};
}

// Largest deviation of (mean, variance) from the prediction, in standard errors, over coordinates.
double worst_z(const Matrix& z, const Vector& mean, const Vector& var) {
  double worst = 0.0;
  for (Index i = 0; i < z.rows(); ++i) {
    const SampleMoments s = moments_of(z.row(i));
    worst = std::max({worst, std::abs(s.mean - mean(i)) / s.mean_se, std::abs(s.var - var(i)) / s.var_se});
  }
  return worst;
}

const TimeGrid uniform_grid(Schedule::uniform, 2.0, 0.01, 8);
const TimeGrid geometric_grid(Schedule::geometric, 2.0, 0.01, 8);

struct AffineCase {
  std::string label;
  std::string sampler;
  std::string key, value;  // one string parameter (or empty)
  bool full;
  gl::StepMap (*map)(double, double, double, double);
};

class AffineScheme : public ::testing::TestWithParam<std::tuple<AffineCase, bool>> {};

TEST_P(AffineScheme, MomentsMatchE1Recursion) {
  const auto& [c, geometric] = GetParam();
  const TimeGrid& grid = geometric ? geometric_grid : uniform_grid;
  Params sp;
  if (!c.key.empty()) sp.set(c.key, c.value);
  const SamplerRun r = run(c.sampler, sp, c.full, grid, gl::StartLaw::gaussian);
  const gl::OutputLaw want = gl::output_law(c.map, grid, r.law, gl::StartLaw::gaussian);
  const double z = worst_z(r.eigen_out, want.eigen_mean, want.eigen_variance);
  EXPECT_LT(z, n_se) << c.label << ": sampled moments are " << z << " SE from E.1";
  const gl::OutputLaw em = gl::output_law(gl::em_map, grid, r.law, gl::StartLaw::gaussian);
  EXPECT_GT(worst_z(r.eigen_out, em.eigen_mean, em.eigen_variance), n_se)
      << c.label << ": the test cannot tell this scheme from Euler-Maruyama";
}

// The plugin's linear part, exactly: two starts on the same path differ by prod_k M_k (per
// eigen-coordinate), whatever the noise, because the maps are affine with additive noise.
TEST_P(AffineScheme, LinearPartIsExact) {
  const auto& [c, geometric] = GetParam();
  const TimeGrid& grid = geometric ? geometric_grid : uniform_grid;
  Params sp;
  if (!c.key.empty()) sp.set(c.key, c.value);
  const Loaded<Target> target = load_target("gaussian", c.full ? full_params() : diagonal_params());
  const Matrix s = c.full ? full_covariance() : Matrix(Vector((Vector(3) << 0.25, 1.0, 4.0).finished()).asDiagonal());
  const gl::GaussianTargetLaw law(target_mean, s);
  const Loaded<Sampler> smp = load_sampler(c.sampler, sp);
  const RandomKey key{7, 7};
  const BrownianPath path(key, grid);
  const ScoreModel score(*target, {}, key);
  Matrix y0 = initial_state(*target, grid, key, 3, Start::gaussian);
  Matrix y1 = y0 + law.eigenvectors;  // particle j moved by eigenvector j
  run_sampler(*smp, score, grid, path, y0);
  run_sampler(*smp, score, grid, path, y1);
  const Matrix diff = law.eigenvectors.transpose() * (y1 - y0);
  for (Index i = 0; i < 3; ++i) {
    double prod = 1.0;
    for (Index k = 0; k < grid.steps(); ++k) prod *= c.map(grid.tau(k), grid.h(k), law.eigenvalues(i), 0.0).M;
    EXPECT_NEAR(diff(i, i), prod, 1e-12 * std::abs(prod) + 1e-14) << c.label << " coordinate " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Samplers, AffineScheme,
    ::testing::Combine(::testing::Values(
                           AffineCase{"EI", "exponential_integrator", "", "", false, &gl::ei_map},
                           AffineCase{"LL_diag_start", "local_linearization", "freeze", "start", false, &gl::ll_map},
                           AffineCase{"LL_diag_mid", "local_linearization", "freeze", "midpoint", false, &gl::ll_mid_map},
                           AffineCase{"LL_full_start", "local_linearization", "freeze", "start", true, &gl::ll_map},
                           AffineCase{"LL_full_mid", "local_linearization", "freeze", "midpoint", true, &gl::ll_mid_map}),
                       ::testing::Bool()),
    [](const auto& info) {
      return std::get<0>(info.param).label + (std::get<1>(info.param) ? "_geometric" : "_uniform");
    });

// LL with hessian = auto on a non-product target takes the full path; both agree with E.1.
TEST(LocalLinearization, AutoOnFullTargetUsesFullHessian) {
  Params sp;
  sp.set("hessian", std::string("auto"));
  const SamplerRun r = run("local_linearization", sp, true, uniform_grid, gl::StartLaw::gaussian);
  const gl::OutputLaw want = gl::output_law(gl::ll_map, uniform_grid, r.law, gl::StartLaw::gaussian);
  EXPECT_LT(worst_z(r.eigen_out, want.eigen_mean, want.eigen_variance), n_se);
}

// With LL's Hessian forced to the diagonal on a non-diagonal target the scheme is a different
// (approximate) one: its law must NOT match E.1's LL, which shows the full path matters.
TEST(LocalLinearization, DiagonalHessianOnFullTargetIsDetectablyDifferent) {
  Params sp;
  sp.set("hessian", std::string("diagonal"));
  const SamplerRun r = run("local_linearization", sp, true, uniform_grid, gl::StartLaw::gaussian);
  const gl::OutputLaw want = gl::output_law(gl::ll_map, uniform_grid, r.law, gl::StartLaw::gaussian);
  EXPECT_GT(worst_z(r.eigen_out, want.eigen_mean, want.eigen_variance), n_se);
}

// REM / REI: mean and second moment per eigen-coordinate vs E.2 (their laws are U-mixtures).
class RandomizedScheme : public ::testing::TestWithParam<std::tuple<std::string, bool>> {};

TEST_P(RandomizedScheme, MomentsMatchE2Recursion) {
  const auto& [variant, geometric] = GetParam();
  const TimeGrid& grid = geometric ? geometric_grid : uniform_grid;
  Params sp;
  sp.set("variant", variant);
  const SamplerRun r = run("randomized_midpoint", sp, false, grid, gl::StartLaw::gaussian);
  const gl::Randomized which = variant == "euler" ? gl::Randomized::rem : gl::Randomized::rei;
  double worst_em = 0.0;
  for (Index i = 0; i < 3; ++i) {
    const gl::Moments2 m =
        gl::propagate_randomized(which, grid, r.law.eigenvalues(i), r.law.eigen_mean(i), gl::StartLaw::gaussian);
    const SampleMoments s = moments_of(r.eigen_out.row(i));
    EXPECT_NEAR(s.mean, m.a, n_se * s.mean_se) << variant << " coordinate " << i;
    EXPECT_NEAR(s.second, m.q, n_se * s.second_se) << variant << " coordinate " << i;
    const gl::Moments1 em = gl::propagate(gl::em_map, grid, r.law.eigenvalues(i), r.law.eigen_mean(i),
                                          gl::StartLaw::gaussian);
    worst_em = std::max({worst_em, std::abs(s.mean - em.a) / s.mean_se,
                         std::abs(s.second - (em.C + em.a * em.a)) / s.second_se});
  }
  EXPECT_GT(worst_em, n_se) << "the test cannot tell " << variant << " from Euler-Maruyama";
}

INSTANTIATE_TEST_SUITE_P(Samplers, RandomizedScheme,
                         ::testing::Combine(::testing::Values("euler", "exponential"), ::testing::Bool()),
                         [](const auto& info) {
                           return std::get<0>(info.param) + (std::get<1>(info.param) ? "_geometric" : "_uniform");
                         });

// PF-ODE: deterministic affine map; output = Q (M (Q^T y0) + c) exactly (1e-12 relative).
class ProbabilityFlowMap : public ::testing::TestWithParam<std::tuple<std::string, bool>> {};

TEST_P(ProbabilityFlowMap, OutputIsTheClosedFormMap) {
  const auto& [method, full] = GetParam();
  Params sp;
  sp.set("method", method);
  const auto map = method == "euler" ? &gl::pf_euler_map : method == "exponential" ? &gl::pf_ei_map : &gl::pf_heun_map;
  const TimeGrid& grid = uniform_grid;
  const Loaded<Target> target = load_target("gaussian", full ? full_params() : diagonal_params());
  const Matrix s = full ? full_covariance() : Matrix(Vector((Vector(3) << 0.25, 1.0, 4.0).finished()).asDiagonal());
  const gl::GaussianTargetLaw law(target_mean, s);
  const Loaded<Sampler> smp = load_sampler("probability_flow", sp);
  EXPECT_FALSE(smp->traits().stochastic);
  const RandomKey key{5, 0};
  Matrix y = initial_state(*target, grid, key, 16, Start::gaussian);
  const Matrix z0 = law.eigenvectors.transpose() * y;
  run_sampler(*smp, ScoreModel(*target, {}, key), grid, BrownianPath(key, grid), y);
  const Matrix z = law.eigenvectors.transpose() * y;
  for (Index i = 0; i < 3; ++i) {
    for (Index j = 0; j < y.cols(); ++j) {
      double v = z0(i, j);
      for (Index k = 0; k < grid.steps(); ++k) {
        const gl::StepMap m = map(grid.tau(k), grid.h(k), law.eigenvalues(i), law.eigen_mean(i));
        v = m.M * v + m.c;
      }
      EXPECT_NEAR(z(i, j), v, 1e-12 * (1.0 + std::abs(v))) << method << " coordinate " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Samplers, ProbabilityFlowMap,
                         ::testing::Combine(::testing::Values("euler", "exponential", "heun"), ::testing::Bool()),
                         [](const auto& info) {
                           return std::get<0>(info.param) + (std::get<1>(info.param) ? "_full" : "_diagonal");
                         });

// ULA: x' = (1 - h/s) x + (h/s) m + sqrt(2h) xi per eigen-coordinate; after K steps the law is
// Gaussian with the recursion's moments, which converge to the B.7 stationary variance
// s / (1 - h/(2s)); at K = 200, h = 0.1 the transient is below (0.975)^400 ~ 4e-5 relative.
TEST(Ula, StationaryVarianceMatchesB7) {
  const TimeGrid grid(Schedule::uniform, 20.0, 0.0, 200);  // h = 0.1
  const SamplerRun r = run("ula", {}, false, grid, gl::StartLaw::gaussian);
  const double h = 0.1;
  Vector mean(3), var(3), biased_target(3);
  for (Index i = 0; i < 3; ++i) {
    const double s = r.law.eigenvalues(i);
    double a = 0.0, c = 1.0;
    for (Index k = 0; k < grid.steps(); ++k) {
      a = (1.0 - h / s) * a + (h / s) * r.law.eigen_mean(i);
      c = (1.0 - h / s) * (1.0 - h / s) * c + 2.0 * h;
    }
    const double stationary = s / (1.0 - h / (2.0 * s));
    EXPECT_NEAR(c, stationary, 1e-4 * stationary);  // the recursion has converged to B.7
    mean(i) = a;
    var(i) = c;
    biased_target(i) = s;
  }
  EXPECT_LT(worst_z(r.eigen_out, mean, var), n_se);
  // Power: the unbiased variances of pi itself are rejected (the bias is h/(2s) relative).
  EXPECT_GT(worst_z(r.eigen_out, r.law.eigen_mean, biased_target), n_se);
}

// exact_reverse from p_T samples pi exactly at any step count (here K = 4, where every
// discretization is far off): moments of pi within the CLT band.
TEST(ExactReverse, FromPTReproducesGaussianTarget) {
  const TimeGrid grid(Schedule::uniform, 2.0, 0.0, 4);
  for (bool full : {false, true}) {
    const SamplerRun r = run("exact_reverse", {}, full, grid, gl::StartLaw::exact);
    EXPECT_LT(worst_z(r.eigen_out, r.law.eigen_mean, r.law.eigenvalues), n_se) << (full ? "full" : "diagonal");
    const gl::OutputLaw em = gl::output_law(gl::em_map, grid, r.law, gl::StartLaw::exact);
    EXPECT_GT(worst_z(r.eigen_out, em.eigen_mean, em.eigen_variance), n_se);
  }
}

TEST(ExactReverse, FromPTReproducesGaussianMixture) {
  Params p;
  p.set("dim", std::int64_t{2});
  p.set("weights", RealList{0.3, 0.7});
  p.set("means", RealMatrix{{-2.0, 1.0}, {1.5, -0.5}});
  p.set("stddev", RealList{0.5, 1.0});
  const Loaded<Target> target = load_target("gaussian_mixture", p);
  ASSERT_TRUE(target->traits().moments);
  Vector mean(2);
  Matrix cov(2, 2);
  target->moments(mean, cov);
  const TimeGrid grid(Schedule::uniform, 3.0, 0.0, 6);
  const RandomKey key{99, 0};
  Matrix y = initial_state(*target, grid, key, particles, Start::exact);
  run_sampler(*load_sampler("exact_reverse"), ScoreModel(*target, {}, key), grid, BrownianPath(key, grid), y);
  const Matrix z = Eigen::SelfAdjointEigenSolver<Matrix>(cov).eigenvectors().transpose() * y;
  const Eigen::SelfAdjointEigenSolver<Matrix> eig(cov);
  const Vector zmean = eig.eigenvectors().transpose() * mean;
  double worst = 0.0;
  for (Index i = 0; i < 2; ++i) {
    const SampleMoments s = moments_of(z.row(i));
    worst = std::max({worst, std::abs(s.mean - zmean(i)) / s.mean_se, std::abs(s.var - eig.eigenvalues()(i)) / s.var_se});
  }
  EXPECT_LT(worst, n_se);
}

}  // namespace
