#pragma once
// The result files of a run, and the table printed at the end.
//   results.csv   long form: one row per run x metric (DESIGN.md §6), numbers with 17
//                 significant digits so that equal results are equal text.
//   summary.json  the resolved configuration, versions, plugin files, and every run's metric
//                 values with their details and notes.
//   timings.csv   wall seconds per run, and which process computed it (or that it was taken from
//                 the resume journal). Kept apart so that the two files above depend only on the
//                 pipeline and seed: the same bytes for any thread count, MPI rank count or resume.

#include <sgmtk_engine/executor.hpp>

#include <ostream>
#include <string>
#include <vector>

namespace sgmtk::engine {

std::string results_csv(const RunPlan& plan, const std::vector<RunOutcome>& outcomes);
std::string summary_json(const RunPlan& plan, const std::vector<RunOutcome>& outcomes);

std::string timings_csv(const std::vector<RunOutcome>& outcomes);

/// Creates `folder` and writes results.csv, summary.json and timings.csv as one set: all three are staged and flushed
/// before any replaces its old copy (atomic_file.hpp), so a write error leaves the old set.
void write_results(const std::string& folder, const RunPlan& plan, const std::vector<RunOutcome>& outcomes);
/// The names of the files write_results writes.
const std::vector<const char*>& result_file_names();

/// A human-readable table (one line per run x metric) for the terminal.
void print_table(std::ostream& os, const RunPlan& plan, const std::vector<RunOutcome>& outcomes);

}  // namespace sgmtk::engine
