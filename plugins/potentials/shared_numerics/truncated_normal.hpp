#pragma once
// Robert (1995)-type sampler for N(nu, 1/P) truncated to (0, inf), as MATH.md C.3 states it
// (the algorithm attribution is unverified there; the acceptance rule is derived there).
//   alpha0 = -nu sqrt(P) <= 0: draw N(nu, 1/P) until positive (acceptance >= 1/2);
//   otherwise lambda* = (alpha0 + sqrt(alpha0^2 + 4))/2, z = alpha0 + E/lambda*, accept when
//   u <= exp(-(z - lambda*)^2/2), and return nu + z/sqrt(P) = (E/lambda*)/sqrt(P) (written so
//   that the far-tail case, nu << 0, keeps its digits).

#include <sgmtk/random.hpp>

#include <cmath>

namespace sgmtk::numerics {

inline double truncated_normal_positive(double nu, double precision, ScalarSequence& seq) {
  const double sp = std::sqrt(precision);
  const double alpha0 = -nu * sp;
  if (alpha0 <= 0.0) {
    for (;;) {
      const double x = nu + seq.normal() / sp;
      if (x > 0.0) return x;
    }
  }
  const double lambda = 0.5 * (alpha0 + std::sqrt(alpha0 * alpha0 + 4.0));
  for (;;) {
    const double excess = seq.exponential() / lambda;  // z - alpha0
    const double gap = alpha0 + excess - lambda;       // z - lambda*
    if (seq.uniform() <= std::exp(-0.5 * gap * gap)) return excess / sp;
  }
}

}  // namespace sgmtk::numerics
