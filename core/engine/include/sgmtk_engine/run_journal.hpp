#pragma once
// The journal that makes an interrupted `sgmtk run` resumable.
//
// Each finished run is written, atomically, to <output>/.sgmtk-journal/run-<id>.txt with every
// number at 17 significant digits (exact round trip), next to a fingerprint of the resolved
// pipeline. Re-running the same command reads the journal, skips the finished runs and produces
// results identical to an uninterrupted run. Killing the process at any moment leaves only
// complete files: journal entries and result files are never half-written (a temporary left by a
// kill is removed on the next run).

#include <sgmtk_engine/executor.hpp>

#include <map>
#include <string>

namespace sgmtk::engine {

/// A text that changes whenever anything that determines the results changes (pipeline values,
/// plugin names, versions and validated parameters, the sgmtk version).
std::string plan_fingerprint(const RunPlan& plan);

class RunJournal {
 public:
  /// Opens (creating) the journal of `plan` in `output_folder` and loads the runs it finished.
  /// Entries of a different pipeline (another fingerprint), or all entries when `fresh`, are
  /// discarded; an unreadable entry is ignored (its run is simply done again).
  RunJournal(const std::string& output_folder, const RunPlan& plan, bool fresh);

  /// Finished runs found on disk, by run id.
  const std::map<Index, RunOutcome>& finished() const { return finished_; }
  /// True when entries of an earlier, different pipeline were discarded.
  bool discarded_stale() const { return discarded_stale_; }

  /// Records one finished run (atomically).
  void record(const RunOutcome& outcome) const;

 private:
  std::string folder_;
  std::map<Index, RunOutcome> finished_;
  bool discarded_stale_ = false;
};

/// Serialization of one outcome (exposed for tests).
std::string serialize_outcome(const RunOutcome& o);
/// Parses what serialize_outcome wrote; throws sgmtk::Error on a malformed entry.
RunOutcome parse_outcome(const std::string& text, const PlannedRun& run);

}  // namespace sgmtk::engine
