#pragma once
/// @file sinkhorn_divergence.hpp
/// Debiased Sinkhorn divergence between two point clouds: the "two clouds" function behind
/// w2_sinkhorn.
///
///   S_eps(A, B) = OT_eps(A, B) - (OT_eps(A, A) + OT_eps(B, B)) / 2     (Feydy et al. 2019; standard)
///
/// Bound used for testing (derived here): with the KL(pi | a (x) b) regularizer,
/// OT_0 <= OT_eps(A, B) <= OT_0 + eps * min(log n, log m) (KL of a coupling w.r.t. the product
/// is a mutual information, at most the smaller entropy) and 0 <= OT_eps(A, A) <= eps log n, so
///   W2^2 - eps (log n + log m)/2 <= S_eps <= W2^2 + eps min(log n, log m),
/// W2 being that of the two clouds. Hence S_eps -> W2^2 as eps -> 0.

#include "log_sinkhorn.hpp"

#include <sgmtk/types.hpp>

namespace sgmtk::metrics {

struct SinkhornDivergence {
  double divergence = 0.0;  ///< S_eps
  EntropicOT ab, aa, bb;
};

SinkhornDivergence sinkhorn_divergence(ConstBlock a, ConstBlock b, const SinkhornOptions& options);

/// (1/(n m)) sum_ij |a_i - b_j|^2 = |mean a - mean b|^2 + tr Cov(a) + tr Cov(b), exactly and in
/// O((n + m) d): the scale a relative epsilon refers to.
double mean_squared_cost(ConstBlock a, ConstBlock b);

}  // namespace sgmtk::metrics
