#include "coupled_ou_noise.hpp"

#include "phi_functions.hpp"

#include <cmath>

namespace sgmtk::ll {

void coupled_ou_noise(const StepContext& ctx, Index k, const Matrix& lambda,
                      const Matrix* eigenvectors, NoiseBuffers buf, Matrix& eta) {
  const Index d = lambda.rows();
  const Index n = lambda.cols();
  const TimeGrid& fine = ctx.path.fine();
  const Index r = ctx.path.refinement(ctx.grid);
  // The path's own fine normals (brownian_path.hpp documents this layout): the same numbers
  // that BrownianPath::increment and increment_with_ou use, so LL shares EM's and EI's path.
  const RandomStream xi1(ctx.path.key(), purpose::path_increment);
  const RandomStream xi2(ctx.path.key(), purpose::path_ou);
  const double t_end = fine.t((k + 1) * r);
  eta.setZero();
  for (Index j = k * r; j < (k + 1) * r; ++j) {
    const double L = fine.h(j);
    const double carry_time = (j + 1 == (k + 1) * r) ? 0.0 : t_end - fine.t(j + 1);
    xi1.normals(static_cast<std::uint64_t>(j), ctx.first_particle, buf.z1);
    xi2.normals(static_cast<std::uint64_t>(j), ctx.first_particle, buf.z2);
    const Matrix* w1 = &buf.z1;
    const Matrix* w2 = &buf.z2;
    if (eigenvectors != nullptr) {
      for (Index p = 0; p < n; ++p) {
        const Eigen::Map<const Matrix> q(eigenvectors->col(p).data(), d, d);
        buf.w1.col(p).noalias() = q.transpose() * buf.z1.col(p);
        buf.w2.col(p).noalias() = q.transpose() * buf.z2.col(p);
      }
      w1 = &buf.w1;
      w2 = &buf.w2;
    }
    const double sqrt_2l = std::sqrt(2.0 * L);
    for (Index p = 0; p < n; ++p) {
      for (Index i = 0; i < d; ++i) {
        const double lam = lambda(i, p);
        const double z = lam * L;
        const double on_xi1 = sqrt_2l * phi1(z);
        const double on_xi2 = std::copysign(sqrt_2l * std::sqrt(phi1_residual(z)), lam);
        const double carry = carry_time == 0.0 ? 1.0 : std::exp(lam * carry_time);
        eta(i, p) += carry * (on_xi1 * (*w1)(i, p) + on_xi2 * (*w2)(i, p));
      }
    }
  }
}

}  // namespace sgmtk::ll
