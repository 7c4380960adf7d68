#pragma once
// The local-linearization noise as a functional of the shared Brownian path.
//
// In an eigenbasis of A_k with eigenvalue lambda, the LL noise is
//   eta = sqrt(2) int_0^h e^{lambda (h - r)} dW_r ~ N(0, expm1(2 h lambda)/lambda).
// It is built fine interval by fine interval (length L) from the path's own normals: xi1 (the
// increment dW = sqrt(L) xi1) and xi2 (purpose path_ou, the part of the path's OU integral not
// explained by dW). Conditioned on dW, the rate-lambda integral over the interval is
//   K = sqrt(2L) phi1(lambda L) xi1 + sign(lambda) sqrt(2 L g(lambda L)) xi2
// (g = phi1_residual). This has exactly the right joint law with dW for every lambda. Reusing
// xi2 as the residual normal (rather than a fresh draw) is a choice: for small L the residuals
// of all rates are, to leading order, multiples of the same functional int (r - L/2) dW_r
// (positively for lambda > 0, negatively for lambda < 0: hence the sign), so the choice keeps
// LL tightly coupled to EM (lambda -> 0 gives K = sqrt(2) dW) and to EI (lambda = 1 gives K = J
// bit for bit up to rounding). Coarse steps compose exactly: eta = sum_j e^{lambda (t_end -
// t_{j+1})} K_j. With refinement 1 the law is exactly N(0, expm1(2 h lambda)/lambda).

#include <sgmtk/sampler.hpp>

namespace sgmtk::ll {

/// Working buffers (d x n) the noise needs; owned by the caller's Scratch.
struct NoiseBuffers {
  Matrix& z1;
  Matrix& z2;
  Matrix& w1;
  Matrix& w2;
};

/// eta (d x n, in the eigenbasis) = the rate-`lambda` noise over step k for every particle and
/// eigen-direction. `eigenvectors` (d*d x n, column p holds Q_p column-major) maps the path's
/// normals to the eigenbasis (Q_p^T xi); nullptr means the basis is the physical one (diagonal
/// Hessian), where no rotation is needed.
void coupled_ou_noise(const StepContext& ctx, Index k, const Matrix& lambda,
                      const Matrix* eigenvectors, NoiseBuffers buf, Matrix& eta);

}  // namespace sgmtk::ll
