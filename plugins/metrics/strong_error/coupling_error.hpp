#pragma once
/// @file coupling_error.hpp
/// The synchronous-coupling estimator of MATH.md E.7 (derived there): the "two clouds" function
/// behind strong_error, for clouds whose columns are paired (same initial draw, same Brownian
/// path).
///
///   D_j = |Y_j - Yref_j|^2,   W_up^2 = (1/n) sum_j D_j   (unbiased for E|Y - Yref|^2 >= W2^2 of
///   the laws), W_up = sqrt(W_up^2).
/// Standard errors: CLT on the D_j, se(W_up^2) = sd(D)/sqrt(n); delta method for the square root,
/// se(W_up) = se(W_up^2) / (2 W_up).

#include <sgmtk/types.hpp>

#include <span>

namespace sgmtk::metrics {

struct CouplingError {
  double mean_squared = 0.0;         ///< W_up^2
  double mean_squared_stderr = 0.0;  ///< sd(D) / sqrt(n)
  double rms = 0.0;                  ///< W_up
  double rms_stderr = 0.0;           ///< delta method; 0 when rms = 0
  double max_squared = 0.0;          ///< max_j D_j
};

/// y, y_ref: d x n, column j of one paired with column j of the other.
CouplingError coupling_error(ConstBlock y, ConstBlock y_ref);

/// The same estimator from sums that merge exactly in a fixed order, for runs whose particles
/// are split over processes: {count, mean of D, M2 = sum (D - mean)^2, max D} per chunk, merged
/// with Chan, Golub and LeVeque's update (no cancellation, unlike sum D^2 - n mean^2).
constexpr Index coupling_sum_count = 4;
void coupling_sums(ConstBlock y, ConstBlock y_ref, std::span<double> sums);
void merge_coupling_sums(std::span<double> into, std::span<const double> next);
CouplingError coupling_error_from_sums(std::span<const double> sums);

}  // namespace sgmtk::metrics
