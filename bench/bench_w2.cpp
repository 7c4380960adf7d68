// W2 metrics on Gaussian clouds, single-threaded (the performance targets are per core):
//   w2_exact   n = 1000, 5000, 10000 in d = 10   (target: n = 5000 >= 5x faster than POT's ot.emd2,
//                                                 n = 10000 under 10 s)
//   w2_sliced  n = 1e5, d = 10, P = 200          (target: under 1 s)
//   w2_marginal n = 1e5, d = 10
// Run: build/bench/bench_w2 --benchmark_min_time=0.01 (each w2_exact case runs once or twice).
// On a shared machine read the CPU column (one thread; real time counts the neighbours too).
// w2_exact also reports its solver's pricing passes and the certificate's duality gap.
// Comparison with POT on its own clouds (B shifted by 0.1): bench/compare_pot.py.

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
  std::vector<std::pair<std::string, double>> details;
  for (auto _ : state) {
    // A virtual call into the plugin: nothing to keep from being optimized away. (With GCC 12
    // and benchmark 1.7.1, DoNotOptimize(value) here left a garbage value in the counter.)
    const MetricValue result = sgmtk::testing::compare_clouds(*metric, a, b);
    value = result.value;
    details = result.details;
  }
  state.counters["value"] = value;
  for (const char* key : {"pricing_rounds", "duality_gap"}) {
    for (const auto& [detail, x] : details) {
      if (detail == key) state.counters[key] = x;
    }
  }
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
