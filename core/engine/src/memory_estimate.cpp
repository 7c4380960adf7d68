#include <sgmtk_engine/memory_estimate.hpp>

#include <sgmtk/error.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace sgmtk::engine {

MemoryEstimate estimate_memory(const RunPlan& plan, std::size_t concurrent_runs, std::size_t threads, int ranks) {
  MemoryEstimate e;
  const bool split = plan.spec.distribute == Distribute::particles;
  e.concurrent_runs = split ? 1 : std::max<std::size_t>(1, std::min(concurrent_runs, plan.runs.size()));
  const double block = static_cast<double>(plan.spec.block_size);
  for (const auto& run : plan.runs) {
    // Split: this rank's share (rounded up to a whole chunk) plus the subsample on rank 0.
    const double all = static_cast<double>(run.point.particles);
    const double n = split ? std::ceil(all / ranks) + static_cast<double>(std::min(plan.spec.subsample, run.point.particles))
                           : all;
    const double d = static_cast<double>(plan.targets[run.point.target_index].target->dim());
    const double cloud = 8.0 * n * d;
    // The particles; the coupled reference; each metric may draw exact target samples (and two
    // more for its floor) -- counted as four clouds; per-thread block scratch (16 slots, plus a
    // d x d matrix per particle for full Hessians).
    const bool full_hessian = plan.sampler_objects[run.sampler_index]->traits().hessian == HessianForm::full;
    const double scratch = static_cast<double>(threads) * 8.0 * block * (16.0 * d + (full_hessian ? d * d : 0.0));
    // Split runs: a sorted metric also holds the target's cloud, both projections, their sorted
    // copies and the exchanged buckets -- about seven clouds (measured: 2.9 GB per rank for 5e7
    // particles in d = 1, README "Clusters").
    const double metric_clouds = split ? 7.0 : 4.0;
    const double bytes = cloud * (1.0 + (plan.reference.needed ? 1.0 : 0.0) + metric_clouds) + scratch;
    if (bytes > static_cast<double>(e.per_run_bytes)) {
      e.per_run_bytes = static_cast<std::uint64_t>(bytes);
      std::ostringstream os;
      os << "largest run: " << run.point.particles << " particles x dimension " << static_cast<long long>(d) << " = "
         << format_bytes(static_cast<std::uint64_t>(cloud)) << " per copy, about " << format_bytes(static_cast<std::uint64_t>(bytes))
         << " with reference, metric samples and scratch";
      e.breakdown = os.str();
    }
  }
  e.total_bytes = e.per_run_bytes * e.concurrent_runs;
  return e;
}

std::uint64_t default_memory_limit() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  std::uint64_t kb = 0;
  std::string unit;
  while (in >> key >> kb >> unit) {
    if (key == "MemAvailable:") return kb * 1024 / 10 * 8;
  }
  return 0;
}

std::uint64_t parse_memory_size(const std::string& text) {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    throw Error("memory size '" + text + "' is not a number (e.g. 8G, 512M)");
  }
  std::string unit = text.substr(used);
  std::transform(unit.begin(), unit.end(), unit.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  double scale = 1;
  if (unit.empty() || unit == "B") scale = 1;
  else if (unit == "K" || unit == "KB" || unit == "KIB") scale = 1024.0;
  else if (unit == "M" || unit == "MB" || unit == "MIB") scale = 1024.0 * 1024;
  else if (unit == "G" || unit == "GB" || unit == "GIB") scale = 1024.0 * 1024 * 1024;
  else if (unit == "T" || unit == "TB" || unit == "TIB") scale = 1024.0 * 1024 * 1024 * 1024;
  else throw Error("memory size '" + text + "': unknown unit '" + unit + "' (use K, M, G or T)");
  if (!(v > 0)) throw Error("memory size '" + text + "' must be positive");
  return static_cast<std::uint64_t>(v * scale);
}

std::string format_bytes(std::uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

}  // namespace sgmtk::engine
