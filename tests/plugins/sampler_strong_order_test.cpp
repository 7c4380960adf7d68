// Strong error E|Y^h - Y^ref|^2 against the same scheme at much finer steps on the SAME
// Brownian path (MATH.md E.7), on a 2-D Gaussian mixture from an exact start. Expected slope of
// sqrt(E|dY|^2) vs h: 1 (strong order 1 for additive noise and a smooth drift, standard; D.3's
// h^{1/2} is a worst-case bound) +- 0.15. The fit's own standard error (CLT on the squared
// distances, delta method, points treated as independent, which overstates it since they share
// paths) must be below 0.15/4, so the tolerance is at least 4 SE. The reference runs 16x finer
// than the finest coarse grid; its own error biases the slope by at most ~log2(1/(1 - 1/16))/2.
#include "coupled_runs.hpp"
#include "plugin_fixture.hpp"
#include "run_sampler.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <string>
#include <vector>

namespace {

using namespace sgmtk;
using namespace sgmtk::testing;

double loglog_slope(const std::vector<double>& x, const std::vector<double>& y) {
  const auto n = static_cast<double>(x.size());
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double lx = std::log(x[i]), ly = std::log(y[i]);
    sx += lx; sy += ly; sxx += lx * lx; sxy += lx * ly;
  }
  return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

using sgmtk::testing::mean_sq;
using sgmtk::testing::MeanSq;
using sgmtk::testing::mixture_params;

struct StrongCase {
  std::string label, sampler, key, value;
};

class StrongOrder : public ::testing::TestWithParam<StrongCase> {};

TEST_P(StrongOrder, SlopeAgainstFineRunOnSamePath) {
  const StrongCase c = GetParam();
  const Loaded<Target> target = load_target("gaussian_mixture", mixture_params());
  Params sp;
  if (!c.key.empty()) sp.set(c.key, c.value);
  const Loaded<Sampler> smp = load_sampler(c.sampler, sp);
  const RandomKey key{31, 4};
  const ScoreModel score(*target, {}, key);
  constexpr Index n = 1500;
  const double T = 2.0, delta = 0.05;
  const std::vector<Index> ks{32, 64, 128};
  const TimeGrid ref_grid(Schedule::uniform, T, delta, ks.back() * 16);
  const BrownianPath path(key, ref_grid);
  const Matrix y0 = initial_state(*target, ref_grid, key, n, Start::exact);
  Matrix ref = y0;
  run_sampler(*smp, score, ref_grid, path, ref);
  std::vector<double> hs, errs;
  double slope_var = 0.0;  // delta method, points treated as independent (conservative here)
  std::vector<double> rel;
  for (Index K : ks) {
    const TimeGrid grid(Schedule::uniform, T, delta, K);
    Matrix y = y0;
    run_sampler(*smp, score, grid, path, y);
    const MeanSq e = mean_sq(y, ref);
    hs.push_back(grid.mean_step());
    errs.push_back(std::sqrt(e.value));
    rel.push_back(0.5 * e.se / e.value);  // SE of log sqrt(E|dY|^2)
  }
  const double slope = loglog_slope(hs, errs);
  // Slope = sum w_i log e_i with w_i = (lx_i - mean lx)/Sxx; Var <= sum w_i^2 rel_i^2.
  double mx = 0.0, sxx = 0.0;
  for (double h : hs) mx += std::log(h) / static_cast<double>(hs.size());
  for (double h : hs) sxx += (std::log(h) - mx) * (std::log(h) - mx);
  for (std::size_t i = 0; i < hs.size(); ++i) slope_var += std::pow((std::log(hs[i]) - mx) / sxx * rel[i], 2);
  std::cout << c.label << ": strong error " << errs[0] << ", " << errs[1] << ", " << errs[2] << ", slope " << slope
            << " +- " << std::sqrt(slope_var) << "\n";
  EXPECT_LT(4.0 * std::sqrt(slope_var), 0.15) << "too few particles for the stated tolerance";
  EXPECT_NEAR(slope, 1.0, 0.15) << c.label;
}

INSTANTIATE_TEST_SUITE_P(
    Schemes, StrongOrder,
    ::testing::Values(StrongCase{"EI", "exponential_integrator", "", ""},
                      StrongCase{"LL_start", "local_linearization", "freeze", "start"},
                      StrongCase{"LL_mid", "local_linearization", "freeze", "midpoint"},
                      StrongCase{"REM", "randomized_midpoint", "variant", "euler"},
                      StrongCase{"REI", "randomized_midpoint", "variant", "exponential"}),
    [](const auto& info) { return info.param.label; });

}  // namespace
