// Convergence orders and structural properties of the samplers.
//  * Law-level W2 (MATH.md E.1 closed form; Gelbrich bound E.2 for REM/REI) vs step size on a
//    non-isotropic Gaussian target, exact start, measured against p_delta (the law the reverse
//    process reaches at the early-stopping time, so only the discretization error is left; the
//    early-stopping bias W2(p_delta, pi) is a constant floor that would flatten the slope): the log-log slope
//    over K = 128..1024 must match D.5: EM, EI, LL (start), PF Euler/EI: 1 +- 0.1;
//    LL (midpoint), REM/REI (Gelbrich), PF Heun: 2 +- 0.15. No sampling noise; the tolerances
//    cover the pre-asymptotic curvature left in the range (checked by the fitted residuals).
//    sampler_gaussian_law_test ties each plugin to these maps.
//  * (strong error vs step size: sampler_strong_order_test.cpp)
//  * Product targets (E.6): coordinate 0 of a d = 8 run equals the d = 1 run bit for bit, and
//    E|dY|^2 in d = 8 is 8 times the 1-D value within 5 CLT standard errors.
//  * Determinism: every sampler gives bit-identical output for 1 vs 2 threads and block sizes
//    512 vs 97, on a path with refinement 4.
#include "coupled_runs.hpp"
#include "gaussian_law_schemes.hpp"
#include "plugin_fixture.hpp"
#include "run_sampler.hpp"

#include <gtest/gtest.h>
#include <oneapi/tbb/global_control.h>

#include <cmath>
#include <iostream>
#include <string>
#include <vector>

namespace {

using namespace sgmtk;
using namespace sgmtk::testing;
namespace gl = sgmtk::testing::gaussian_law;

// Least-squares slope of log y on log x, and the largest residual.
struct Fit {
  double slope, max_residual;
};
Fit loglog_fit(const std::vector<double>& x, const std::vector<double>& y) {
  const auto n = static_cast<double>(x.size());
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double lx = std::log(x[i]), ly = std::log(y[i]);
    sx += lx; sy += ly; sxx += lx * lx; sxy += lx * ly;
  }
  const double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  const double icpt = (sy - slope * sx) / n;
  double worst = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i)
    worst = std::max(worst, std::abs(std::log(y[i]) - icpt - slope * std::log(x[i])));
  return {slope, worst};
}

const gl::GaussianTargetLaw gaussian_law_3d((Vector(3) << 1.0, -0.5, 2.0).finished(),
                                            Matrix(Vector((Vector(3) << 0.25, 1.0, 4.0).finished()).asDiagonal()));

struct OrderCase {
  std::string label;
  gl::StepMap (*map)(double, double, double, double);  // nullptr: randomized
  gl::Randomized randomized;
  double order;
  double tolerance;
};

class LawOrder : public ::testing::TestWithParam<OrderCase> {};

TEST_P(LawOrder, W2SlopeMatchesD5) {
  const OrderCase c = GetParam();
  std::vector<double> hs, w2s;
  for (Index K = 128; K <= 1024; K *= 2) {
    const TimeGrid grid(Schedule::uniform, 2.0, 0.01, K);
    double w2sq = 0.0;
    for (Index i = 0; i < 3; ++i) {
      const double lam = gaussian_law_3d.eigenvalues(i), m = gaussian_law_3d.eigen_mean(i);
      double a, var;
      if (c.map != nullptr) {
        const gl::Moments1 mo = gl::propagate(c.map, grid, lam, m, gl::StartLaw::exact);
        a = mo.a;
        var = mo.C;
      } else {
        const gl::Moments2 mo = gl::propagate_randomized(c.randomized, grid, lam, m, gl::StartLaw::exact);
        a = mo.a;
        var = mo.variance();
      }
      // Gelbrich (= W2 for the Gaussian laws of the affine schemes) to p_delta = N(mu_delta, Sigma_delta).
      const double m_d = gl::mean_at(grid.early_stop(), m), v_d = gl::variance_at(grid.early_stop(), lam);
      const double ds = std::sqrt(var) - std::sqrt(v_d);
      w2sq += (a - m_d) * (a - m_d) + ds * ds;
    }
    hs.push_back(grid.mean_step());
    w2s.push_back(std::sqrt(w2sq));
  }
  const Fit f = loglog_fit(hs, w2s);
  std::cout << c.label << ": W2 at h = " << hs.front() << " .. " << hs.back() << ": " << w2s.front() << " .. "
            << w2s.back() << ", slope " << f.slope << " (max residual " << f.max_residual << ")\n";
  EXPECT_NEAR(f.slope, c.order, c.tolerance) << c.label;
}

INSTANTIATE_TEST_SUITE_P(
    Schemes, LawOrder,
    ::testing::Values(OrderCase{"EM", &gl::em_map, gl::Randomized::rem, 1.0, 0.1},
                      OrderCase{"EI", &gl::ei_map, gl::Randomized::rem, 1.0, 0.1},
                      OrderCase{"LL_start", &gl::ll_map, gl::Randomized::rem, 1.0, 0.1},
                      OrderCase{"LL_mid", &gl::ll_mid_map, gl::Randomized::rem, 2.0, 0.15},
                      OrderCase{"PF_euler", &gl::pf_euler_map, gl::Randomized::rem, 1.0, 0.1},
                      OrderCase{"PF_exponential", &gl::pf_ei_map, gl::Randomized::rem, 1.0, 0.1},
                      OrderCase{"PF_heun", &gl::pf_heun_map, gl::Randomized::rem, 2.0, 0.15},
                      OrderCase{"REM_gelbrich", nullptr, gl::Randomized::rem, 2.0, 0.15},
                      OrderCase{"REI_gelbrich", nullptr, gl::Randomized::rei, 2.0, 0.15}),
    [](const auto& info) { return info.param.label; });

using sgmtk::testing::mean_sq;
using sgmtk::testing::MeanSq;
using sgmtk::testing::mixture_params;

// E.6: a coordinatewise scheme on a product target runs each coordinate as the 1-D scheme.
TEST(ProductTarget, DimensionEightIsEightCopiesOfOneD) {
  const auto product = [](Index d) {
    Params p;
    p.set("dim", std::int64_t{d});
    p.set("mean", RealList{0.7});
    p.set("variance", 0.5);
    return load_target("gaussian", p);
  };
  const Loaded<Target> t1 = product(1), t8 = product(8);
  ASSERT_TRUE(t8->traits().product_form);
  const RandomKey key{41, 0};
  const TimeGrid grid(Schedule::uniform, 2.0, 0.01, 8);
  const TimeGrid ref_grid = grid.refined(8);
  const BrownianPath path(key, ref_grid);
  constexpr Index n = 4000;
  for (const auto& [name, key_name, value] :
       std::vector<std::tuple<std::string, std::string, std::string>>{{"exponential_integrator", "", ""},
                                                                      {"local_linearization", "hessian", "auto"},
                                                                      {"randomized_midpoint", "variant", "euler"}}) {
    Params sp;
    if (!key_name.empty()) sp.set(key_name, value);
    const Loaded<Sampler> smp = load_sampler(name, sp);
    Matrix e1 = initial_state(*t1, grid, key, n, Start::gaussian);
    Matrix e8 = initial_state(*t8, grid, key, n, Start::gaussian);
    // The initial draws are keyed per coordinate lane too: coordinate 0 agrees.
    ASSERT_TRUE(e1.row(0) == e8.row(0));
    Matrix r1 = e1, r8 = e8;
    run_sampler(*smp, ScoreModel(*t1, {}, key), grid, path, e1);
    run_sampler(*smp, ScoreModel(*t8, {}, key), grid, path, e8);
    run_sampler(*smp, ScoreModel(*t1, {}, key), ref_grid, path, r1);
    run_sampler(*smp, ScoreModel(*t8, {}, key), ref_grid, path, r8);
    EXPECT_TRUE(e1.row(0) == e8.row(0)) << name;
    const MeanSq s1 = mean_sq(e1, r1), s8 = mean_sq(e8, r8);
    const double se = std::sqrt(s8.se * s8.se + 64.0 * s1.se * s1.se);
    std::cout << name << ": E|dY|^2 d=1 " << s1.value << ", d=8 " << s8.value << " (ratio " << s8.value / s1.value
              << ")\n";
    EXPECT_NEAR(s8.value, 8.0 * s1.value, 5.0 * se) << name;
  }
}

// Bitwise determinism across thread counts and block sizes, for every sampler.
TEST(Determinism, ThreadsAndBlocksDoNotChangeResults) {
  const Loaded<Target> mixture = load_target("gaussian_mixture", mixture_params());
  Params gp;
  gp.set("dim", std::int64_t{2});
  gp.set("mean", RealList{0.5, -1.0});
  gp.set("covariance", RealMatrix{{1.5, 0.4}, {0.4, 0.7}});
  const Loaded<Target> gaussian = load_target("gaussian", gp);
  const RandomKey key{51, 2};
  const TimeGrid grid(Schedule::geometric, 2.0, 0.02, 6);
  const BrownianPath path(key, grid.refined(4));
  struct Case {
    std::string sampler, key, value;
    const Target* target;
  };
  const std::vector<Case> cases{{"exponential_integrator", "", "", &*mixture},
                                {"randomized_midpoint", "variant", "euler", &*mixture},
                                {"randomized_midpoint", "variant", "exponential", &*mixture},
                                {"local_linearization", "freeze", "start", &*mixture},
                                {"local_linearization", "freeze", "midpoint", &*gaussian},
                                {"probability_flow", "method", "euler", &*mixture},
                                {"probability_flow", "method", "exponential", &*mixture},
                                {"probability_flow", "method", "heun", &*mixture},
                                {"ula", "", "", &*mixture},
                                {"exact_reverse", "", "", &*mixture}};
  constexpr Index n = 1500;
  // The samplers can only be block-invariant if the targets' scores are: check that first, so
  // that a failure names the right culprit.
  for (const Target* t : {&*mixture, &*gaussian}) {
    const Matrix x = initial_state(*t, grid, key, n, Start::gaussian);
    Matrix whole(x.rows(), n), split(x.rows(), n);
    t->score(0.3, x, whole);
    for (Index first = 0; first < n; first += 97) {
      const Index count = std::min<Index>(97, n - first);
      Matrix part(x.rows(), count);
      t->score(0.3, x.middleCols(first, count), part);
      split.middleCols(first, count) = part;
    }
    EXPECT_TRUE(whole == split) << (t == &*mixture ? "gaussian_mixture" : "gaussian")
                                << ": the target's score depends on the block split (max difference "
                                << (whole - split).cwiseAbs().maxCoeff() << ")";
  }
  for (const Case& c : cases) {
    Params sp;
    if (!c.key.empty()) sp.set(c.key, c.value);
    const Loaded<Sampler> smp = load_sampler(c.sampler, sp);
    const ScoreModel score(*c.target, {}, key);
    const Matrix y0 = initial_state(*c.target, grid, key, n, Start::exact);
    Matrix a = y0, b = y0;
    {
      tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
      run_sampler(*smp, score, grid, path, a, 512);
    }
    {
      tbb::global_control two(tbb::global_control::max_allowed_parallelism, 2);
      run_sampler(*smp, score, grid, path, b, 97);
    }
    EXPECT_TRUE(a.allFinite()) << c.sampler << " " << c.value;
    EXPECT_TRUE(a == b) << c.sampler << " " << c.value << ": max difference " << (a - b).cwiseAbs().maxCoeff();
    EXPECT_FALSE(a == y0) << c.sampler << " " << c.value;
  }
}

}  // namespace
