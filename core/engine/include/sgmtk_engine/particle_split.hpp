#pragma once
// Runs too large for one node (`[run] distribute = "particles"`): every run is split over all
// ranks by chunks of particles. Each rank integrates its share (particles keep their global
// numbers, so their noise is what it would be in one process); divergence is agreed on by all;
// summable metrics (sgmtk/summable_metric.hpp) are reduced over all particles by relaying the
// chunks' sums rank to rank in chunk order; other metrics (exact W2, ...) are computed by rank 0
// on the first `subsample` particles and say so. The chunks depend on n and the block size only,
// so the result files are the same bytes for any number of ranks, and without MPI.

#include <sgmtk_engine/communicator.hpp>
#include <sgmtk_engine/executor.hpp>

#include <vector>

namespace sgmtk::engine {

/// Particles per reduction chunk for a run of n: a whole number of blocks, at most 256 chunks.
Index reduction_chunk(Index n, Index block);

/// This rank's particles [first, first + count) of a run of n.
struct ParticleShare {
  Index first = 0;
  Index count = 0;
};
ParticleShare particle_share(Index n, Index chunk, int rank, int ranks);

/// Executes the runs one after the other, each over all ranks. options.on_run_done is called on
/// the root. Returns on the root every outcome in plan order; elsewhere an empty vector.
std::vector<RunOutcome> execute_split(const RunPlan& plan, const ExecuteOptions& options, Communicator& comm);

}  // namespace sgmtk::engine
