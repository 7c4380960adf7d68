#pragma once
/// @file assignment_certificate.hpp
/// An optimality certificate for an assignment, checked exhaustively and independently of the
/// solver that produced it (standard LP duality for the assignment problem).
///
/// For uniform weights 1/n, any (u, v) with u_i + v_j <= c_ij for all i, j gives the lower
/// bound (1/n) sum_i (u_i + v_i) <= min over assignments. If the check finds a violation
/// eta = max_ij (u_i + v_j - c_ij) > 0, then (u, v - eta) is feasible, so
///     lower = (1/n) (sum u + sum v) - max(eta, 0)
/// is always a valid lower bound, and gap = primal - lower >= 0 bounds how far the assignment's
/// cost can be from the optimum. All n^2 pairs are visited (O(n^2 d), parallel over row blocks
/// with a fixed block split, so the result does not depend on the thread count).

#include "assignment_solver.hpp"

#include <sgmtk/types.hpp>

namespace sgmtk::metrics {

struct AssignmentCertificate {
  double primal = 0.0;             ///< (1/n) sum_i c_{i sigma(i)}
  double lower_bound = 0.0;        ///< (1/n)(sum u + sum v) - max(eta, 0)
  double gap = 0.0;                ///< primal - lower_bound (>= 0 up to rounding)
  double max_dual_violation = 0.0; ///< max(eta, 0)
  double max_slackness_residual = 0.0;  ///< max_i |c_{i sigma(i)} - u_i - v_{sigma(i)}|
};

/// Throws sgmtk::Error if `x.col_of_row` is not a permutation of [0, n).
AssignmentCertificate certify_assignment(ConstBlock a, ConstBlock b, const Assignment& x);

}  // namespace sgmtk::metrics
