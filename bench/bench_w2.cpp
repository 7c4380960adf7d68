// W2 metrics on Gaussian clouds, single-threaded (the performance targets are per core):
//   w2_exact   n = 1000, 5000, 10000 in d = 10   (target: n = 5000 >= 5x faster than POT's ot.emd2,
//                                                 n = 10000 under 10 s)
//   w2_sliced  n = 1e5, d = 10, P = 200          (target: under 1 s)
//   w2_marginal n = 1e5, d = 10
// Run: build/bench/bench_w2 --benchmark_min_time=0.01 (each w2_exact case runs once or twice).
// Comparison with POT on the same clouds: bench/compare_pot.py.

#include "plugin_fixture.hpp"
#include "two_clouds.hpp"

#include <benchmark/benchmark.h>
#include <tbb/global_control.h>

namespace {

using namespace sgmtk;

void run_metric(benchmark::State& state, const char* name, Params params) {
  const tbb::global_control one_thread(tbb::global_control::max_allowed_parallelism, 1);
  const Index n = state.range(0), d = 10;
  auto metric = sgmtk::testing::load_metric(name, params);
  const Matrix a = sgmtk::testing::normal_cloud(d, n, 1);
  const Matrix b = sgmtk::testing::normal_cloud(d, n, 2);
  double value = 0.0;
  for (auto _ : state) {
    value = sgmtk::testing::compare_clouds(*metric, a, b).value;
    benchmark::DoNotOptimize(value);
  }
  state.counters["value"] = value;
  state.counters["n"] = static_cast<double>(n);
}

void bm_w2_exact(benchmark::State& state) { run_metric(state, "w2_exact", {}); }
void bm_w2_sliced(benchmark::State& state) {
  Params p;
  p.set("projections", std::int64_t{200});
  run_metric(state, "w2_sliced", p);
}
void bm_w2_marginal(benchmark::State& state) { run_metric(state, "w2_marginal", {}); }

BENCHMARK(bm_w2_exact)->Arg(1000)->Arg(5000)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(bm_w2_sliced)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(bm_w2_marginal)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
