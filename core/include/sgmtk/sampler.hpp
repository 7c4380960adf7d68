#pragma once
/// @file sampler.hpp
/// A discretization of the reverse OU SDE (MATH.md A.2, B): advances a block of particles one
/// grid step at a time, from forward time T down to the early-stopping time delta.
///
/// The engine owns the time loop: for each block of particles it calls step(k) for k = 0..K-1
/// (one virtual call per block and step, never per particle), checks for divergence between
/// steps, and can record the trajectory. A sampler is a pure function of its inputs: it draws
/// randomness only from ctx.path (and, for scheme-specific draws, from streams keyed by the
/// run's key), keeps no mutable state, starts no threads.

#include <sgmtk/brownian_path.hpp>
#include <sgmtk/export.hpp>
#include <sgmtk/score_model.hpp>
#include <sgmtk/scratch.hpp>
#include <sgmtk/target.hpp>
#include <sgmtk/time_grid.hpp>

namespace sgmtk {

/// What a sampler needs, so that the engine can check the target and account for cost.
struct SamplerTraits {
  HessianForm hessian = HessianForm::none;  ///< what it asks of the score model
  int score_evaluations_per_step = 1;
  bool stochastic = true;             ///< false for the probability-flow ODE
  bool reverse_diffusion = true;      ///< false for a baseline that samples pi directly (ULA)
  bool needs_potential = false;       ///< uses Target::potential_gradient (ULA)
  bool needs_exact_reverse = false;   ///< uses Target::reverse_transition
};

/// Everything one step of one block may use.
struct StepContext {
  const ScoreModel& score;      ///< the (possibly perturbed) score of p_t; score.target() is pi
  const TimeGrid& grid;         ///< this sampler's grid: tau(k), h(k)
  const BrownianPath& path;     ///< the shared Brownian path (its fine grid refines `grid`)
  Index first_particle;         ///< global index of column 0 of the block
  Scratch& scratch;             ///< this block's working memory
};

class SGMTK_API Sampler {
 public:
  virtual ~Sampler();
  virtual SamplerTraits traits() const = 0;
  /// Advances y (d x n, particles first_particle..) from tau_k to tau_{k+1}, in place.
  virtual void step(const StepContext& ctx, Index k, Block y) const = 0;
};

}  // namespace sgmtk
