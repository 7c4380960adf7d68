#pragma once
// Executes a RunPlan: runs in parallel over oneTBB (sweep points and particle blocks), each run
// driven by counter-based noise keyed by (seed, replicate) so that results are bit-identical
// for any thread count and block size.

#include <sgmtk/metric.hpp>
#include <sgmtk_engine/run_plan.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sgmtk::engine {

enum class RunStatus : std::uint8_t { ok, diverged, failed };
const char* to_string(RunStatus s);

struct MetricOutcome {
  std::string label;
  bool ok = false;
  MetricValue value;
  std::optional<MetricValue> floor;  ///< the same metric on two exact samples of pi
  std::string error;
};

struct RunOutcome {
  PlannedRun run;
  RunStatus status = RunStatus::ok;
  std::string message;
  double seconds = 0.0;  ///< wall time of the sampler and metrics (not part of the bitwise results)
  std::vector<MetricOutcome> metrics;
};

struct ExecuteOptions {
  bool progress = false;  ///< a progress line on stderr
  /// Called once per finished run (from a worker thread, serialized by the executor).
  std::function<void(const RunOutcome&)> on_run_done;
  /// Runs already done (resume): their outcomes are taken as they are, by run id.
  const std::map<Index, RunOutcome>* finished = nullptr;
  /// At most this many runs in memory at once (0: the number of worker threads).
  std::size_t concurrent_runs = 0;
};

std::vector<RunOutcome> execute(const RunPlan& plan, const ExecuteOptions& options);

}  // namespace sgmtk::engine
