#pragma once
// One-dimensional W2^2 between two clouds of n values each, spread over the ranks: a sample
// sort (splitters from regular samples, buckets exchanged), then the second cloud's order
// statistics moved to the ranks holding the same ranks of the first, then the squared
// differences summed in the order of the index, relayed rank to rank. The sum's order is that of
// one process going through i = 0 .. n - 1, so the value is the same bytes for any number of
// ranks. Used for the projections of ProjectedMetric (w2_marginal, w2_sliced) when a run is split
// by particles.

#include <sgmtk/types.hpp>
#include <sgmtk_engine/communicator.hpp>

namespace sgmtk::engine {

/// a, b: this rank's values, one column per projection (count_a x P and count_b x P; any order,
/// any split, as long as every rank's counts add up to n for both). Returns on the root, per
/// projection p, (1/n) sum_i (a_(i) - b_(i))^2 over the sorted values; elsewhere an empty vector.
Vector distributed_sorted_w2(Matrix a, Matrix b, Index n, Communicator& comm);

}  // namespace sgmtk::engine
