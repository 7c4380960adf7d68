#pragma once
// How much memory a sweep will hold at its peak, estimated from the pipeline and the plugins'
// declarations (PluginEntry::memory) before any target is built, so that a sweep that cannot
// fit is refused with the estimate -- by `sgmtk validate` as by `run` -- instead of allocating
// gigabytes at plan time or being killed by the kernel hours in. The arithmetic saturates: an
// absurd block_size or particle count reads as "more than any machine has", never wraps to 0.

#include <cstddef>
#include <cstdint>
#include <string>

namespace sgmtk::engine {

struct RunPlan;

/// What the estimate is checked against, and the shape of the execution it assumes.
struct MemoryBudget {
  std::uint64_t limit_bytes = 0;   ///< 0: no check
  std::string limit_source;        ///< how the limit was set, for the message
  std::size_t concurrent_runs = 1;  ///< runs in memory at once (the worker threads)
  std::size_t threads = 1;          ///< each holds one block of scratch
  int ranks = 1;                    ///< MPI processes; the estimate is per process
};

/// `max_memory` as given (e.g. "8G"; empty: 80% of available memory, or no limit when unknown),
/// for `threads` workers and `ranks` processes. Throws sgmtk::Error on a malformed size.
MemoryBudget memory_budget(const std::string& max_memory, std::size_t threads, int ranks = 1);

struct MemoryEstimate {
  std::uint64_t per_run_bytes = 0;   ///< the largest run: particles, reference, metric work
  std::size_t concurrent_runs = 0;   ///< runs in memory at once
  std::uint64_t shared_bytes = 0;    ///< held once: every target's state, the threads' scratch
  std::uint64_t total_bytes = 0;     ///< per_run_bytes x concurrent_runs + shared_bytes
  std::string breakdown;             ///< what dominates, for the message
};

/// Per process. Uses the plan's runs, the targets' parameters and dimensions (RunPlan::targets;
/// the target objects need not exist yet) and the plugins' declarations. With distribute =
/// "particles" a run is split over `ranks` processes and runs go one at a time; rank 0 also
/// holds the metrics' subsample.
MemoryEstimate estimate_memory(const RunPlan& plan, const MemoryBudget& budget);

/// Throws ConfigError (at the [target] table) when `estimate` exceeds the budget's limit.
void check_memory(const RunPlan& plan, const MemoryEstimate& estimate, const MemoryBudget& budget);

/// 80% of MemAvailable (/proc/meminfo), or 0 when unknown.
std::uint64_t default_memory_limit();
/// "8G", "512M", "1.5GiB", "1000000" (bytes). Throws sgmtk::Error on anything else.
std::uint64_t parse_memory_size(const std::string& text);
/// "1.4 GiB"
std::string format_bytes(std::uint64_t bytes);

}  // namespace sgmtk::engine
