// Euler-Maruyama on the gaussian_mixture target: particle-steps per second, the figure
// ../shared/reference/ref_gmm_em.py (beside the checkout) reports for NumPy (and PyTorch). Same workload:
// reverse OU SDE from N(0, I), T = 5, 100 uniform steps (score at tau = T - j h, so delta = 0),
// an isotropic mixture with K components, means of norm 3 in random directions, stddevs in
// [0.3, 1], Dirichlet(5)-like weights. Counter-based noise (the Brownian path service) is
// included in the timing; the initial draws are not (the reference excludes them too).
//   A: N = 1e5, d = 10, K = 8        B: N = 1e4, d = 100, K = 16
// Threads through tbb::global_control (1 and 2); blocks of default_block_size particles.
// Run: build/bench/bench_em_gmm --benchmark_min_time=0.5
#include "plugin_fixture.hpp"

#include <sgmtk/sgmtk.hpp>

#include <benchmark/benchmark.h>
#include <oneapi/tbb/global_control.h>

#include <cmath>
#include <string>

namespace {

using namespace sgmtk;

struct Config {
  Index particles, dim, components;
};
constexpr Config config_a{100000, 10, 8};
constexpr Config config_b{10000, 100, 16};
constexpr Index steps = 100;
constexpr double horizon = 5.0;

// A mixture like ref_gmm_em.py's make_mixture (its numbers come from NumPy's generator; the
// structure, not the digits, is what matters for the timing).
Params mixture_params(const Config& c) {
  const RandomKey key{1234, 0};
  Matrix dirs(c.dim, c.components);
  RandomStream(key, purpose::user_first).normals(0, 0, dirs);
  Matrix u(3, c.components);
  RandomStream(key, purpose::user_first + 1).uniforms(0, 0, u);
  RealMatrix means;
  RealList stddev, weights;
  double total = 0.0;
  for (Index k = 0; k < c.components; ++k) {
    const Vector m = 3.0 * dirs.col(k).normalized();
    means.emplace_back(m.data(), m.data() + m.size());
    stddev.push_back(0.3 + 0.7 * u(0, k));
    weights.push_back(0.5 + u(1, k));  // spread comparable to Dirichlet(5)
    total += weights.back();
  }
  for (double& w : weights) w /= total;
  Params p;
  p.set("dim", std::int64_t{c.dim});
  p.set("weights", weights);
  p.set("means", means);
  p.set("stddev", stddev);
  return p;
}

void em_gmm(benchmark::State& state, Config c) {
  const int threads = static_cast<int>(state.range(0));
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  const auto target = testing::load_target("gaussian_mixture", mixture_params(c));
  const auto sampler = testing::load_sampler("euler_maruyama");
  const RandomKey key{42, 0};
  const TimeGrid grid(Schedule::uniform, horizon, 0.0, steps);
  const BrownianPath path(key, grid);
  const ScoreModel score(*target, {}, key);
  Matrix y0(c.dim, c.particles);
  RandomStream(key, purpose::initial_state).normals(0, 0, y0);
  Matrix y(c.dim, c.particles);
  for (auto _ : state) {
    state.PauseTiming();
    y = y0;
    state.ResumeTiming();
    parallel_blocks(c.particles, default_block_size, [&](Index first, Index count) {
      Scratch scratch;
      auto cols = y.middleCols(first, count);
      const StepContext ctx{score, grid, path, first, scratch};
      for (Index k = 0; k < steps; ++k) sampler->step(ctx, k, cols);
    });
    benchmark::DoNotOptimize(y.data());
  }
  if (!y.allFinite()) state.SkipWithError("non-finite particles");
  state.counters["particle_steps_per_s"] = benchmark::Counter(
      static_cast<double>(c.particles * steps), benchmark::Counter::kIsIterationInvariantRate);
}

// The noise alone: the path's increments for the same number of particle-steps.
void noise_only(benchmark::State& state, Config c) {
  const RandomKey key{42, 0};
  const TimeGrid grid(Schedule::uniform, horizon, 0.0, steps);
  const BrownianPath path(key, grid);
  Matrix dw(c.dim, default_block_size);
  for (auto _ : state) {
    for (Index first = 0; first < c.particles; first += default_block_size) {
      path.increment(grid, 0, first, dw);
    }
    benchmark::DoNotOptimize(dw.data());
  }
  state.counters["particle_steps_per_s"] = benchmark::Counter(
      static_cast<double>(c.particles), benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

BENCHMARK_CAPTURE(em_gmm, A_N1e5_d10_K8, config_a)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(em_gmm, B_N1e4_d100_K16, config_b)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(noise_only, A_d10, config_a)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(noise_only, B_d100, config_b)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
