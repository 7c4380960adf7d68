#pragma once
// The journal that makes an interrupted `sgmtk run` resumable.
//
// Each finished run is written, atomically, to <output>/.sgmtk-journal/run-<id>.txt with every
// number at 17 significant digits (exact round trip), next to a fingerprint of the resolved
// pipeline. Re-running the same command reads the journal, skips the finished runs and produces
// results identical to an uninterrupted run. Killing the process at any moment leaves only
// complete files: journal entries and result files are never half-written (a temporary left by a
// kill is removed on the next run).
//
// A run about to start leaves an empty "started-<id>" marker, removed when its entry is
// written. When plugin code kills the process (SIGSEGV, an abort), the supervisor of
// `sgmtk run` starts the work again with the signal it saw: a single marker names the run that
// crashed, which is recorded as `crashed` and never retried; several (runs in flight together)
// are computed again one at a time first, so that a second crash names one of them.

#include <sgmtk_engine/executor.hpp>

#include <map>
#include <string>

namespace sgmtk::engine {

/// A text that changes whenever anything that determines the results changes (pipeline values,
/// plugin names, versions, validated parameters and the content of each plugin file, metric
/// floors, the sgmtk version).
std::string plan_fingerprint(const RunPlan& plan);

class RunJournal {
 public:
  /// Opens (creating) the journal of `plan` in `output_folder` and loads the runs it finished.
  /// Entries of a different pipeline (another fingerprint), or all entries when `fresh`, are
  /// discarded; an unreadable entry is ignored (its run is simply done again).
  /// The result files of the folder (results.csv, summary.json, timings.csv) are removed
  /// when the journal is reset, so they never outlive the journal they came from.
  /// `crash_signal` (non-zero): the previous attempt died of that signal; its in-flight runs are
  /// blamed (one) or isolated (several), as above. Throws sgmtk::Error when none was in flight.
  RunJournal(const std::string& output_folder, const RunPlan& plan, bool fresh, int crash_signal = 0);

  /// Finished runs found on disk, by run id.
  const std::map<Index, RunOutcome>& finished() const { return finished_; }
  /// True when entries of an earlier, different pipeline were discarded.
  bool discarded_stale() const { return discarded_stale_; }

  /// Records one finished run (atomically) and removes its "started" marker.
  void record(const RunOutcome& outcome) const;
  /// Leaves the "started" marker of a run about to be computed.
  void mark_started(const PlannedRun& run) const;

  /// Runs to compute one at a time before the others (indices into plan.runs).
  const std::vector<std::size_t>& isolate() const { return isolate_; }
  /// The run recorded as crashed on opening (-1: none).
  Index crashed_now() const { return crashed_now_; }

 private:
  std::string folder_;
  std::vector<std::size_t> isolate_;
  Index crashed_now_ = -1;
  std::map<Index, RunOutcome> finished_;
  bool discarded_stale_ = false;
};

/// Serialization of one outcome (exposed for tests).
std::string serialize_outcome(const RunOutcome& o);
/// Parses what serialize_outcome wrote; throws sgmtk::Error on a malformed entry.
RunOutcome parse_outcome(const std::string& text, const PlannedRun& run);

}  // namespace sgmtk::engine
