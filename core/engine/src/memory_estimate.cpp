#include <sgmtk_engine/memory_estimate.hpp>

#include <sgmtk/error.hpp>
#include <sgmtk/plugin.hpp>
#include <sgmtk_engine/config_error.hpp>
#include <sgmtk_engine/exception_message.hpp>
#include <sgmtk_engine/executor.hpp>
#include <sgmtk_engine/run_plan.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace sgmtk::engine {

namespace {

// A plugin's declared memory (PluginEntry::memory), or `fallback` when it declares none. Its
// failure is the pipeline's error at the plugin's table.
double declared(const PluginInfo& info, const Params& params, const MemoryQuery& q, double fallback, const SourcePos& at) {
  if (info.entry == nullptr || info.entry->memory == nullptr) return fallback;
  try {
    return static_cast<double>(info.entry->memory(params, q));
  } catch (...) {
    throw ConfigError(at, std::string(to_string(info.kind)) + " '" + info.name + "' (" + info.file +
                              "): its memory estimate failed: " + current_exception_message());
  }
}

}  // namespace

MemoryBudget memory_budget(const std::string& max_memory, std::size_t threads, int ranks) {
  MemoryBudget b;
  b.limit_bytes = max_memory.empty() ? default_memory_limit() : parse_memory_size(max_memory);
  b.limit_source = max_memory.empty() ? "80% of available memory" : "--max-memory";
  b.threads = std::max<std::size_t>(1, threads);
  b.concurrent_runs = b.threads;
  b.ranks = std::max(1, ranks);
  return b;
}

// Sizes are multiplied in double (no overflow below 1e308) and converted by memory_bytes, which
// saturates instead of wrapping (a huge block_size once read as 0 bytes).
MemoryEstimate estimate_memory(const RunPlan& plan, const MemoryBudget& budget) {
  MemoryEstimate e;
  const bool split = plan.spec.distribute == Distribute::particles;
  e.concurrent_runs = split ? 1 : std::max<std::size_t>(1, std::min(budget.concurrent_runs, plan.runs.size()));
  const double ranks = static_cast<double>(std::max(1, budget.ranks));
  const double threads = static_cast<double>(budget.threads);
  const bool coupled = std::any_of(plan.metric_objects.begin(), plan.metric_objects.end(),
                                   [](const auto& m) { return m->needs().coupled_reference; });
  // Plugin calls once per plugin, not once per run (a sweep may hold 10^6 runs).
  std::vector<bool> full_hessian;
  for (const auto& s : plan.sampler_objects) full_hessian.push_back(s->traits().hessian == HessianForm::full);

  // Held once for the whole sweep: every distinct target (the plan keeps them all) and, on one
  // process, every coupled reference (the executor shares each among the runs of its key and
  // keeps them to the end; a split run holds only its own).
  double targets = 0.0;
  for (const auto& t : plan.targets) {
    targets += declared(*plan.target_info, t.params, {t.dim, 0, budget.threads, split, t.target.get()},
                        16.0 * 8.0 * static_cast<double>(t.dim), plan.spec.target.at);
  }
  double references = 0.0;
  if (coupled && !split) {
    std::set<std::string> seen;
    for (const auto& run : plan.runs) {
      if (seen.insert(coupled_reference_key(plan, run)).second) {
        references += 8.0 * static_cast<double>(run.point.particles) * static_cast<double>(plan.targets[run.point.target_index].dim);
      }
    }
  }
  double scratch = 0.0;
  double largest = -1.0;
  for (const auto& run : plan.runs) {
    const PlannedTarget& target = plan.targets[run.point.target_index];
    const Index dim = target.dim;
    const double d = static_cast<double>(dim);
    // Split: this rank's share (rounded up to a whole chunk) plus the subsample on rank 0.
    const double all = static_cast<double>(run.point.particles);
    const Index subsample = std::min(plan.spec.subsample, run.point.particles);
    const double n = split ? std::ceil(all / ranks) + static_cast<double>(subsample) : all;
    const double cloud = 8.0 * n * d;
    // Per thread, one block's Scratch (the sampler's declaration, else all 16 slots of d x block
    // plus a d x d matrix per particle for full Hessians) and the target's temporaries while it
    // answers a score query (copies of the block: four, say).
    const std::size_t s = run.sampler_index;
    const PlannedPlugin& sampler = plan.samplers[s];
    const double block = std::min(static_cast<double>(plan.spec.block_size), n);
    const double all_slots = 8.0 * block * (16.0 * d + (full_hessian[s] ? d * d : 0.0));
    const double block_scratch = declared(*sampler.info, sampler.params,
                                          {dim, static_cast<Index>(block), budget.threads, split, target.target.get()}, all_slots,
                                          plan.spec.samplers[s].at);
    scratch = std::max(scratch, threads * (block_scratch + 4.0 * 8.0 * block * d));
    // Metrics run one after another: the largest one's work, plus its floor's two exact clouds.
    // Split runs: a sorted metric also holds the target's cloud, both projections, their sorted
    // copies and the exchanged buckets -- about seven clouds (measured: 2.9 GB per rank for 5e7
    // particles in d = 1, README "Clusters"); the others work on the subsample.
    const MemoryQuery metric_query{dim, split ? subsample : run.point.particles, budget.threads, split, target.target.get()};
    const double compared = 8.0 * static_cast<double>(metric_query.particles) * d;
    double metrics = split ? 7.0 * cloud : 0.0;
    for (std::size_t m = 0; m < plan.metrics.size(); ++m) {
      const double floor = plan.spec.metrics[m].floor ? 2.0 * compared : 0.0;
      metrics = std::max(metrics, declared(*plan.metrics[m].info, plan.metrics[m].params, metric_query, 2.0 * compared,
                                           plan.spec.metrics[m].at) +
                                      floor);
    }
    const double bytes = cloud * (1.0 + (coupled && split ? 1.0 : 0.0)) + metrics;
    if (bytes > largest) {
      largest = bytes;
      e.per_run_bytes = memory_bytes(bytes);
      std::ostringstream os;
      os << "largest run: " << run.point.particles << " particles x dimension " << dim << " = " << format_bytes(memory_bytes(cloud))
         << " per copy, " << format_bytes(memory_bytes(bytes)) << " with metric work";
      e.breakdown = os.str();
    }
  }
  const double shared = targets + references + scratch;
  e.shared_bytes = memory_bytes(shared);
  e.total_bytes = memory_bytes(std::max(largest, 0.0) * static_cast<double>(e.concurrent_runs) + shared);
  e.breakdown += "; targets " + format_bytes(memory_bytes(targets)) + (coupled && !split ? ", coupled references " + format_bytes(memory_bytes(references)) : "") +
                 ", scratch " + format_bytes(memory_bytes(scratch));
  return e;
}

void check_memory(const RunPlan& plan, const MemoryEstimate& estimate, const MemoryBudget& budget) {
  if (budget.limit_bytes == 0 || estimate.total_bytes <= budget.limit_bytes) return;
  // Located at the [target] table: its dim and the particles are what usually decide.
  throw ConfigError(plan.spec.target.at,
                    "this sweep needs about " + format_bytes(estimate.total_bytes) + " (" + std::to_string(estimate.concurrent_runs) +
                        " concurrent run(s); " + estimate.breakdown + "), more than the limit of " + format_bytes(budget.limit_bytes) +
                        " (" + budget.limit_source +
                        "). Reduce particles, dim or a metric's samples, use fewer --threads, or raise --max-memory.");
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
  return memory_bytes(v * scale);
}

std::string format_bytes(std::uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 6) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

}  // namespace sgmtk::engine
