#pragma once
/// @file log_sinkhorn.hpp
/// Entropic optimal transport between uniform point clouds, log-domain Sinkhorn with
/// epsilon-scaling, squared-Euclidean cost computed on the fly (memory O((n + m) d)).
///
///   OT_eps(a, b) = min_pi <pi, C> + eps KL(pi | a (x) b)      (standard; uniform a, b)
/// Dual potentials f, g: f_i = -eps log sum_j b_j exp((g_j - C_ij)/eps), and symmetrically g;
/// at convergence OT_eps = <a, f> + <b, g>. For a = b the symmetric update
/// f <- (f + T(f))/2 is used and OT_eps(a, a) = 2 <a, f> (Feydy et al., AISTATS 2019, as in
/// GeomLoss; secondary source for this implementation detail).
///
/// epsilon-scaling: eps runs geometrically from the squared diameter of the clouds down to the
/// requested eps (factor `scaling` per stage, one Sinkhorn iteration per intermediate stage,
/// warm-started), then iterates at the final eps until the L1 marginal error
/// sum_i a_i |exp((f_i - T(g)_i)/eps) - 1| is below `tolerance`. Not converging within
/// `max_iterations` is a NumericalError, never a silently returned value.

#include <sgmtk/types.hpp>

namespace sgmtk::metrics {

struct SinkhornOptions {
  double epsilon = 0.0;          ///< absolute, in units of the cost (x^2)
  double scaling = 0.5;          ///< eps ratio between stages, in (0, 1)
  double tolerance = 1e-6;       ///< L1 marginal error at the final eps
  Index max_iterations = 10000;  ///< at the final eps
};

struct EntropicOT {
  double value = 0.0;           ///< OT_eps
  Index iterations = 0;         ///< at the final eps
  double marginal_error = 0.0;  ///< L1, when it stopped
};

EntropicOT entropic_ot(ConstBlock a, ConstBlock b, const SinkhornOptions& options);
/// OT_eps(a, a), by the symmetric update.
EntropicOT entropic_ot_self(ConstBlock a, const SinkhornOptions& options);

}  // namespace sgmtk::metrics
