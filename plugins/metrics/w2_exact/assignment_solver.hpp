#pragma once
/// @file assignment_solver.hpp
/// Dense linear assignment for squared-Euclidean costs, with costs computed on the fly.
///
/// Jonker & Volgenant's shortest augmenting path algorithm (LAPJV; R. Jonker, A. Volgenant,
/// "A shortest augmenting path algorithm for dense and sparse linear assignment problems",
/// Computing 38 (1987) 325-340): column reduction, reduction transfer and augmenting row
/// reduction give a feasible dual and a partial assignment cheaply; then each remaining free
/// row is assigned by a Dijkstra search for a shortest augmenting path in reduced costs. The
/// Dijkstra phase is exact: it keeps dual feasibility (u_i + v_j <= c_ij) and complementary
/// slackness (equality on assigned pairs), and ends when every row is assigned, so the result is
/// optimal by LP duality. There is no iteration cap on that phase: each search adds one column
/// to its tree per row scan and stops at a free column, so it ends after at most n scans.
///
/// Memory is O(n d) + O(n): the cost matrix is never stored, each row is recomputed when the
/// algorithm reads it (one row = d vectorized passes over B). Work is counted in row scans.

#include "squared_distance_rows.hpp"

#include <sgmtk/types.hpp>

#include <cstdint>
#include <vector>

namespace sgmtk::metrics {

struct Assignment {
  std::vector<Index> col_of_row;  ///< sigma(i): the B point matched with A point i
  Vector u;                       ///< row duals
  Vector v;                       ///< column duals; u_i + v_j <= c_ij, equality at (i, sigma(i))
  std::int64_t row_scans = 0;     ///< cost rows computed (the unit of work, n*d flops each)
  Index free_after_reduction = 0; ///< rows left for the Dijkstra phase
};

/// Optimal assignment between the columns of `a` (d x n) and those of `b` (d x n) for
/// c_ij = |a_i - b_j|^2. Throws sgmtk::Error on mismatched shapes or non-finite input.
Assignment solve_assignment(ConstBlock a, ConstBlock b);

}  // namespace sgmtk::metrics
