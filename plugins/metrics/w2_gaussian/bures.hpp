#pragma once
// W2 between Gaussians (MATH.md E.3, standard):
//   W2^2(N(m1, C1), N(m2, C2)) = |m1 - m2|^2 + tr(C1 + C2 - 2 (C2^{1/2} C1 C2^{1/2})^{1/2}).

#include <sgmtk/types.hpp>

namespace sgmtk::w2_gaussian {

/// Symmetric square root of a symmetric positive semidefinite matrix by eigendecomposition;
/// tiny negative eigenvalues (rounding) are clipped to 0.
Matrix symmetric_sqrt(const Matrix& c);

/// Trace of the square root of a symmetric PSD matrix (eigenvalues clipped at 0).
double trace_sqrt(const Matrix& c);

struct BuresTerms {
  double mean_error = 0.0;       ///< |m1 - m2|
  double covariance_term = 0.0;  ///< sqrt(tr(C1 + C2 - 2 (C2^{1/2} C1 C2^{1/2})^{1/2})), clipped at 0
  double w2() const;             ///< sqrt(mean_error^2 + covariance_term^2)
};

/// `sqrt_c2` is C2^{1/2} (computed once by the caller when C2 is fixed, e.g. the target's).
BuresTerms bures(const Vector& m1, const Matrix& c1, const Vector& m2, const Matrix& c2, const Matrix& sqrt_c2);

}  // namespace sgmtk::w2_gaussian
