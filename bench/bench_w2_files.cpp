// Runs one metric plugin on two point clouds read from .npy files (shape (n, d), one point per
// row) and prints one JSON line: value, stderr, squared, details, seconds, peak RSS.
//
//   bench_w2_files METRIC A.npy B.npy [--threads N] [name=value ...]
//
// A is passed as the samples and B as the reference cloud (the "two clouds" rule of
// plugins/metrics/common/reference_cloud.hpp). Parameter values: true/false, integers, reals,
// else strings. Threads default to 1 (the per-core targets). Used by bench/compare_pot.py.
// (Named bench_* only so that bench/CMakeLists.txt builds it; it is a driver, not a benchmark.)

#include "npy.hpp"
#include "plugin_fixture.hpp"

#include <tbb/global_control.h>

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

namespace {

sgmtk::ParamValue parse_value(const std::string& s) {
  if (s == "true") return true;
  if (s == "false") return false;
  try {
    std::size_t used = 0;
    const long long i = std::stoll(s, &used);
    if (used == s.size()) return static_cast<std::int64_t>(i);
    const double x = std::stod(s, &used);
    if (used == s.size()) return x;
  } catch (const std::exception&) {
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: " << argv[0] << " METRIC A.npy B.npy [--threads N] [name=value ...]\n";
    return 2;
  }
  try {
    int threads = 1;
    sgmtk::Params params;
    for (int i = 4; i < argc; ++i) {
      const std::string arg = argv[i];
      if (arg == "--threads" && i + 1 < argc) {
        threads = std::stoi(argv[++i]);
        continue;
      }
      const std::size_t eq = arg.find('=');
      if (eq == std::string::npos) throw std::runtime_error("expected name=value, got " + arg);
      params.set(arg.substr(0, eq), parse_value(arg.substr(eq + 1)));
    }
    const tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
    auto metric = sgmtk::testing::load_metric(argv[1], params);
    const sgmtk::Matrix a = sgmtk::npy::read(argv[2]);
    const sgmtk::Matrix b = sgmtk::npy::read(argv[3]);
    sgmtk::MetricInput in;
    in.samples = sgmtk::ConstMatrixView(a);
    in.reference = sgmtk::ConstMatrixView(b);
    in.key = {1, 0};
    const auto t0 = std::chrono::steady_clock::now();
    const sgmtk::MetricValue v = metric->compute(in);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    std::printf("{\"metric\": \"%s\", \"value\": %.17g, \"stderr\": %.17g, \"squared\": %s, \"seconds\": %.6f, "
                "\"peak_rss_mb\": %.1f, \"details\": {",
                argv[1], v.value, v.stderr_, v.squared ? "true" : "false", seconds, usage.ru_maxrss / 1024.0);
    for (std::size_t i = 0; i < v.details.size(); ++i) {
      std::printf("%s\"%s\": %.17g", i ? ", " : "", v.details[i].first.c_str(), v.details[i].second);
    }
    std::printf("}}\n");
  } catch (const std::exception& e) {
    std::cerr << argv[0] << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}
