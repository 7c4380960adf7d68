#pragma once
/// @file ou.hpp
/// The forward process dX = -X dt + sqrt(2) dB (MATH.md A.1): X_t = m_t X_0 + s_t Z with
/// m_t = e^{-t} and s_t^2 = 1 - e^{-2t}, computed with expm1 so that small t keeps its digits.

#include <cmath>

namespace sgmtk::ou {

/// m_t = e^{-t}
inline double mean_factor(double t) { return std::exp(-t); }
/// s_t^2 = 1 - e^{-2t} (no cancellation for small t)
inline double noise_variance(double t) { return -std::expm1(-2.0 * t); }

}  // namespace sgmtk::ou
