#pragma once
/// @file brownian_path.hpp
/// One Brownian path per particle, shared by every scheme of a run (MATH.md E.7).
///
/// The path is defined on a *fine* grid (a TimeGrid): on fine interval j, of length d_j, it draws
/// xi1 (purpose path_increment) and, only when asked, xi2 (purpose path_ou), both keyed by
/// (particle, j). From them
///   dW_j = sqrt(d_j) xi1                                        (the Brownian increment)
///   J_j  = sqrt(2) int_{interval} e^{(t_{j+1} - r)} dW_r        (the OU-weighted integral)
///        = c_j xi1 + sqrt(v_j) xi2,  c_j = sqrt(2) expm1(d_j)/sqrt(d_j),  v_j = expm1(2 d_j) - c_j^2
/// so (dW_j, J_j) has the exact joint law, and a scheme that needs only dW draws only xi1.
///
/// A scheme on a coarse grid of K steps (the same schedule, K dividing the fine count) asks for
/// its step-k quantities; they are exact functionals of the same fine path:
///   dW over the step = sum of its r fine dW_j,   J over the step = sum_j e^{(t_{k+1}-t_{j+1})} J_j,
/// and a point inside the step (randomized midpoint) is a Brownian-bridge draw inside the fine
/// interval that contains it (purpose path_bridge), conditioned on that interval's increment.
/// Two schemes (or one scheme at two step sizes) run on the same path are synchronously coupled:
/// the coupling the papers' proofs bound. With fine grid = coarse grid (r = 1) everything
/// reduces to the one-step formulas of MATH.md B.1-B.4.

#include <sgmtk/export.hpp>
#include <sgmtk/random.hpp>
#include <sgmtk/time_grid.hpp>
#include <sgmtk/types.hpp>

namespace sgmtk {

class SGMTK_API BrownianPath {
 public:
  BrownianPath(RandomKey key, TimeGrid fine);

  const TimeGrid& fine() const { return fine_; }
  RandomKey key() const { return key_; }

  /// Fine intervals per step of `coarse`; throws ParamError unless `coarse` has the same
  /// schedule, horizon and early stop and its step count divides the fine one.
  Index refinement(const TimeGrid& coarse) const;

  /// dW = W(t_{k+1}) - W(t_k) over step k of `coarse`, for particles first..first+n-1.
  /// out is d x n; each entry ~ N(0, h_k), independent across coordinates and particles.
  void increment(const TimeGrid& coarse, Index k, Index first_particle, Block dW) const;

  /// increment() in two factors, dW = scale * xi, for a caller that can apply the scale where
  /// it uses dW (saving a pass over memory): when step k of `coarse` is one fine interval
  /// (refinement 1), writes the standard normals xi that increment() draws and returns
  /// scale = sqrt(h_k); each element's `scale * xi` (one rounded multiplication) is then exactly
  /// increment()'s value. Returns 0 and leaves xi untouched when the step spans several fine
  /// intervals (call increment() there).
  double increment_normals(const TimeGrid& coarse, Index k, Index first_particle, Block xi) const;

  /// dW as above together with J = sqrt(2) int_{t_k}^{t_{k+1}} e^{(t_{k+1} - r)} dW_r, jointly:
  /// Var J = e^{2h} - 1, Cov(dW, J) = sqrt(2)(e^h - 1) (MATH.md B.2, E.7).
  void increment_with_ou(const TimeGrid& coarse, Index k, Index first_particle, Block dW,
                         Block J) const;

  /// The partial increment G1 = W(t_k + u_j h_k) - W(t_k) for a fraction u_j in [0, 1] per
  /// particle j, jointly with the full step increment G = dW (MATH.md B.3):
  /// Cov(G1, G) = u h, Var G1 = u h. `fractions` has n entries.
  void partial_increment(const TimeGrid& coarse, Index k, Index first_particle,
                         const double* fractions, Block G1, Block G) const;

  /// The REI pair (MATH.md B.4) for fractions u_j: J1 = sqrt(2) int_0^{uh} e^{(uh - r)} dW_r and
  /// J2 = sqrt(2) int_0^{h} e^{(h - r)} dW_r over step k, with their exact joint law
  /// (Var J1 = e^{2uh} - 1, Var J2 = e^{2h} - 1, Cov = 2 e^h sinh(uh)).
  void partial_ou(const TimeGrid& coarse, Index k, Index first_particle, const double* fractions,
                  Block J1, Block J2) const;

 private:
  RandomKey key_;
  TimeGrid fine_;
};

}  // namespace sgmtk
