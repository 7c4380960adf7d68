#pragma once
// How much memory a sweep will hold at its peak, estimated before it starts, so that a sweep that
// cannot fit is refused with the estimate instead of being killed by the kernel hours in.

#include <sgmtk_engine/run_plan.hpp>

#include <cstdint>
#include <string>

namespace sgmtk::engine {

struct MemoryEstimate {
  std::uint64_t per_run_bytes = 0;   ///< the largest run: particles, reference, metric samples, scratch
  std::size_t concurrent_runs = 0;   ///< runs in memory at once
  std::uint64_t total_bytes = 0;
  std::string breakdown;             ///< what dominates, for the message
};

/// Per process. With distribute = "particles" a run is split over `ranks` processes and runs go
/// one at a time; rank 0 also holds the metrics' subsample.
MemoryEstimate estimate_memory(const RunPlan& plan, std::size_t concurrent_runs, std::size_t threads, int ranks = 1);

/// 80% of MemAvailable (/proc/meminfo), or 0 when unknown.
std::uint64_t default_memory_limit();
/// "8G", "512M", "1.5GiB", "1000000" (bytes). Throws sgmtk::Error on anything else.
std::uint64_t parse_memory_size(const std::string& text);
/// "1.4 GiB"
std::string format_bytes(std::uint64_t bytes);

}  // namespace sgmtk::engine
