#pragma once
// Exact sampling of the mixture and its exact reverse transition (MATH.md C.2, B.8).

#include "mixture_model.hpp"

namespace sgmtk::mixture {

/// Column j ~ pi, drawn from `rng` for particle first_particle + j only.
void sample(const MixtureModel& model, const RandomStream& rng, Index first_particle, Block out);

/// A draw of X_{tau-h} given X_tau = y: component by the time-tau responsibilities and `u`,
/// then that component's Gaussian kernel driven by `xi`.
void reverse_transition(const MixtureModel& model, double tau, double h, ConstBlock y, ConstBlock xi,
                        Eigen::Ref<const RowVector> u, Block out);

}  // namespace sgmtk::mixture
