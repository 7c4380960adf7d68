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

/// crashed: the run killed the process that computed it (a signal such as SIGSEGV in plugin
/// code); the supervisor of `sgmtk run` records it and goes on with the other runs.
enum class RunStatus : std::uint8_t { ok, diverged, failed, crashed };
const char* to_string(RunStatus s);
/// The inverse of to_string; throws sgmtk::Error on an unknown word.
RunStatus parse_run_status(const std::string& word);

struct MetricOutcome {
  std::string label;
  bool ok = false;
  MetricValue value;
  std::optional<MetricValue> floor;  ///< the same metric on two exact samples of pi
  std::string error;
};

/// Marks `mo` ok when its value, standard error and floor (if any) are finite numbers; else
/// not ok, with the reason in mo.error. A non-finite stderr is no more a result than a
/// non-finite value: a fit or an average over it would be silently wrong.
void accept_metric_value(MetricOutcome& mo);

struct RunOutcome {
  PlannedRun run;
  RunStatus status = RunStatus::ok;
  std::string message;
  double seconds = 0.0;  ///< wall time of the sampler and metrics (not part of the bitwise results)
  int rank = 0;          ///< the MPI rank that computed it (0 without MPI)
  bool resumed = false;  ///< taken from the resume journal, not computed by this invocation
  std::vector<MetricOutcome> metrics;
};

struct ExecuteOptions {
  bool progress = false;  ///< a progress line on stderr
  /// Called once per finished run (from a worker thread, serialized by the executor).
  std::function<void(const RunOutcome&)> on_run_done;
  /// Called just before a run starts computing (serialized like on_run_done): the journal's
  /// "started" marker, which identifies the run in flight if plugin code kills the process.
  std::function<void(const PlannedRun&)> on_run_start;
  /// Indices into plan.runs computed first, one at a time, before any other run starts: runs
  /// that were in flight together when a plugin crashed the process, so that a second crash
  /// names the one run that caused it.
  std::vector<std::size_t> isolate;
  /// Runs already done (resume): their outcomes are taken as they are, by run id.
  const std::map<Index, RunOutcome>* finished = nullptr;
  /// At most this many runs in memory at once (0: the number of worker threads).
  std::size_t concurrent_runs = 0;
  /// Where the runs come from. Unset: every run of the plan not in `finished`, in plan order.
  /// Set (the MPI scheduler): batches of indices into plan.runs are asked for, one batch at a
  /// time, until an empty batch comes back; only those runs are computed and returned.
  std::function<std::vector<std::size_t>()> next_batch;
  /// Stamped on every computed outcome (RunOutcome::rank).
  int rank = 0;
};

/// Runs whose coupled reference run is the same (same key) share one computation of it; the MPI
/// scheduler keeps them together.
std::string coupled_reference_key(const RunPlan& plan, const PlannedRun& run);

/// The outcome of a run that killed its process with `signal` (as the supervisor saw it).
RunOutcome crashed_outcome(const RunPlan& plan, const PlannedRun& run, int signal);

/// Returns one outcome per run of the plan, in plan order; with `next_batch`, only the runs it
/// handed out (and the `finished` ones) are filled in, the others are left default.
std::vector<RunOutcome> execute(const RunPlan& plan, const ExecuteOptions& options);

}  // namespace sgmtk::engine
