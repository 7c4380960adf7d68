#pragma once
// Structural constants of the mixture (MATH.md C.2, C.6), with their provenance.

#include "mixture_model.hpp"

namespace sgmtk::mixture {

std::vector<NamedConstant> constants(const MixtureModel& model);

/// Exact mean and covariance of pi.
void moments(const MixtureModel& model, Eigen::Ref<Vector> mean, Eigen::Ref<Matrix> covariance);

}  // namespace sgmtk::mixture
