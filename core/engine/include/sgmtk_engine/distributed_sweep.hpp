#pragma once
// A sweep spread over the ranks of an MPI job with dynamic load balancing: runs differ in cost by
// orders of magnitude, so the root hands out batches, largest first, to whichever rank asks next,
// computes runs itself meanwhile, and collects every outcome. Each run is computed exactly as in
// a single process (its noise is keyed by seed and replicate, not by who computes it), so the
// result files are the same bytes whatever the number of ranks.

#include <sgmtk_engine/communicator.hpp>
#include <sgmtk_engine/executor.hpp>

#include <vector>

namespace sgmtk::engine {

/// The runs to do (not in `finished`), grouped and ordered for handing out: runs sharing a
/// coupled reference run form one batch (so the reference is computed once), batches sorted by
/// estimated cost (particles x steps, with the reference), largest first.
std::vector<std::vector<std::size_t>> sweep_batches(const RunPlan& plan, const std::map<Index, RunOutcome>* finished);

/// Executes the plan over every rank of `comm` (with one rank: execute()). options.on_run_done
/// is called on the root only, once per run wherever it was computed. Returns on the root every
/// outcome in plan order; on the other ranks an empty vector.
std::vector<RunOutcome> execute_over_ranks(const RunPlan& plan, const ExecuteOptions& options, Communicator& comm);

}  // namespace sgmtk::engine
