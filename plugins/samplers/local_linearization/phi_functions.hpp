#pragma once
// Scalar phi-functions for the local-linearization update (MATH.md B.5; Hochbruck & Ostermann's
// conventions), each accurate to a few ulps for every real argument: no 0/0 at z = 0 and no
// cancellation for small |z|.

namespace sgmtk::ll {

/// phi1(z) = (e^z - 1)/z, phi1(0) = 1.
double phi1(double z);

/// g(z) = phi1(2z) - phi1(z)^2 >= 0: with z = lambda L, 2 L g(z) is the variance of the OU
/// integral sqrt(2) int_0^L e^{lambda (L - r)} dW_r left after conditioning on dW over [0, L].
/// It is ~z^2/12 near 0, where the plain difference cancels; there the power series
/// sum_{m>=2} z^m (2^m (m - 2) + 2)/(m + 2)! is used (derived here from the exponential series).
double phi1_residual(double z);

}  // namespace sgmtk::ll
