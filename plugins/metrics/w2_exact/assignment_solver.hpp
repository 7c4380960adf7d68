#pragma once
/// @file assignment_solver.hpp
/// Dense linear assignment for squared-Euclidean costs, solved exactly on a sparse candidate
/// graph that is grown until LP duality proves it suffices ("pricing", as in column generation).
///
/// 1. Candidates: each row's k nearest columns, each column's k nearest rows, and the pairs
///    (i, i) so that the graph has a perfect matching.
/// 2. On the candidates, Jonker & Volgenant's shortest augmenting path algorithm (LAPJV; R.
///    Jonker, A. Volgenant, "A shortest augmenting path algorithm for dense and sparse linear
///    assignment problems", Computing 38 (1987) 325-340): column reduction, reduction transfer
///    and augmenting row reduction as a warm start, then a Dijkstra search for a shortest
///    augmenting path from each free row. This gives an optimal assignment of the candidate
///    graph with duals u_i + v_j <= c_ij on its pairs and equality on the matched ones.
/// 3. Pricing: one pass over all n^2 pairs checks u_i + v_j <= c_ij. A row where it fails gets
///    its most violated columns as new candidates and is unassigned; back to 2 (warm: the other
///    rows and all duals are kept). A pass that finds nothing proves the assignment optimal for
///    the full problem by LP duality, up to the rounding of the dual updates (pairs already in
///    the graph are not re-added for a violation at that level), which the independent
///    certificate (assignment_certificate.hpp) measures.
/// In one dimension the sorted matching is optimal and comes with explicit duals (Monge
/// property), so it is used directly: O(n log n), same certificate.
/// There is no iteration cap: every round adds pairs, so the rounds end, at worst when the graph
/// is complete; each search ends at a free column, which the perfect matching guarantees.
///
/// Memory is O(n d) + O(n k): the cost matrix is never stored, only the candidate pairs with
/// their costs (bit-identical to the certificate's, see squared_distance_rows.hpp). Work is
/// counted in full cost rows (n d flops each): 2n for the candidates plus n per pricing pass.

#include "squared_distance_rows.hpp"

#include <sgmtk/types.hpp>

#include <cstdint>
#include <vector>

namespace sgmtk::metrics {

struct Assignment {
  std::vector<Index> col_of_row;  ///< sigma(i): the B point matched with A point i
  Vector u;                       ///< row duals
  Vector v;                       ///< column duals; u_i + v_j <= c_ij, equality at (i, sigma(i))
  std::int64_t row_scans = 0;     ///< full cost rows computed (the unit of work, n*d flops each)
  Index augmentations = 0;        ///< rows assigned by a shortest-path search
  int pricing_rounds = 0;         ///< passes over all n^2 pairs (the last one finds nothing)
  std::int64_t candidate_pairs = 0;  ///< size of the final candidate graph
};

/// Optimal assignment between the columns of `a` (d x n) and those of `b` (d x n) for
/// c_ij = |a_i - b_j|^2. Throws sgmtk::Error on mismatched shapes, non-finite coordinates, or
/// costs too large to add up (require_representable_costs in squared_distance_rows.hpp).
Assignment solve_assignment(ConstBlock a, ConstBlock b);

}  // namespace sgmtk::metrics
