#include <sgmtk/brownian_path.hpp>
#include <sgmtk/error.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace sgmtk {
namespace {

// Var of J given dW on an interval of length d: expm1(2d) - 2 expm1(d)^2 / d. Both terms are
// ~2d, their difference ~d^3/6: below d = 0.1 use the series sum_{m>=3} d^m (2^m (m-3) + 4)/(m+1)!
// (derived from the exponential series; no cancellation).
double ou_residual_variance(double d) {
  if (d >= 0.1) {
    const double e1 = std::expm1(d);
    return std::max(0.0, std::expm1(2.0 * d) - 2.0 * e1 * e1 / d);
  }
  double sum = 0.0;
  double power = d * d * d;   // d^m
  double factorial = 24.0;    // (m+1)!
  double two_m = 8.0;         // 2^m
  for (int m = 3; m <= 14; ++m) {
    sum += power * (two_m * (m - 3) + 4.0) / factorial;
    power *= d;
    factorial *= (m + 2);
    two_m *= 2.0;
  }
  return sum;
}

// Coefficients of J on (xi1, xi2) for one fine interval of length d.
struct OuCoefficients {
  double on_xi1;
  double on_xi2;
};
OuCoefficients ou_coefficients(double d) {
  return {std::sqrt(2.0) * std::expm1(d) / std::sqrt(d), std::sqrt(ou_residual_variance(d))};
}

}  // namespace

BrownianPath::BrownianPath(RandomKey key, TimeGrid fine) : key_(key), fine_(fine) {}

Index BrownianPath::refinement(const TimeGrid& coarse) const {
  const bool same = coarse.schedule() == fine_.schedule() && coarse.horizon() == fine_.horizon() &&
                    coarse.early_stop() == fine_.early_stop();
  if (!same || fine_.steps() % coarse.steps() != 0) {
    std::ostringstream os;
    os << "a grid of " << coarse.steps() << " " << to_string(coarse.schedule())
       << " steps cannot be driven by a Brownian path on " << fine_.steps() << " "
       << to_string(fine_.schedule()) << " steps (same schedule, horizon and early stop, and a "
       << "step count that divides the path's, are needed)";
    throw ParamError(os.str());
  }
  return fine_.steps() / coarse.steps();
}

void BrownianPath::increment(const TimeGrid& coarse, Index k, Index first_particle, Block dW) const {
  const Index r = refinement(coarse);
  const RandomStream xi1(key_, purpose::path_increment);
  if (r == 1) {
    xi1.normals(static_cast<std::uint64_t>(k), first_particle, dW);
    dW *= std::sqrt(coarse.h(k));
    return;
  }
  Matrix fine(dW.rows(), dW.cols());
  dW.setZero();
  for (Index j = k * r; j < (k + 1) * r; ++j) {
    xi1.normals(static_cast<std::uint64_t>(j), first_particle, fine);
    dW += std::sqrt(fine_.h(j)) * fine;
  }
}

void BrownianPath::increment_with_ou(const TimeGrid& coarse, Index k, Index first_particle,
                                     Block dW, Block J) const {
  const Index r = refinement(coarse);
  const RandomStream xi1(key_, purpose::path_increment);
  const RandomStream xi2(key_, purpose::path_ou);
  Matrix z1(dW.rows(), dW.cols());
  Matrix z2(dW.rows(), dW.cols());
  dW.setZero();
  J.setZero();
  const double t_end = fine_.t((k + 1) * r);
  for (Index j = k * r; j < (k + 1) * r; ++j) {
    const double d = fine_.h(j);
    xi1.normals(static_cast<std::uint64_t>(j), first_particle, z1);
    xi2.normals(static_cast<std::uint64_t>(j), first_particle, z2);
    const OuCoefficients c = ou_coefficients(d);
    // J over the coarse step: each fine J_j is carried to the step's end by e^{t_end - t_{j+1}}.
    const double carry = std::exp(t_end - fine_.t(j + 1));
    dW += std::sqrt(d) * z1;
    J += carry * (c.on_xi1 * z1 + c.on_xi2 * z2);
  }
}

void BrownianPath::partial_increment(const TimeGrid& coarse, Index k, Index first_particle,
                                     const double* fractions, Block G1, Block G) const {
  const Index r = refinement(coarse);
  const RandomStream xi1(key_, purpose::path_increment);
  const RandomStream bridge(key_, purpose::path_bridge);
  const Index d = G.rows();
  const Index n = G.cols();
  const double t0 = coarse.t(k);
  const double h = coarse.h(k);
  Matrix fine(d, n);
  Vector b(d);
  G.setZero();
  G1.setZero();
  // The fine interval that holds each particle's point, and the point's offset inside it.
  std::vector<Index> holder(static_cast<std::size_t>(n));
  for (Index p = 0; p < n; ++p) {
    const double s = t0 + std::clamp(fractions[p], 0.0, 1.0) * h;
    Index j = k * r;
    while (j + 1 < (k + 1) * r && fine_.t(j + 1) <= s) ++j;
    holder[static_cast<std::size_t>(p)] = j;
  }
  for (Index j = k * r; j < (k + 1) * r; ++j) {
    const double len = fine_.h(j);
    xi1.normals(static_cast<std::uint64_t>(j), first_particle, fine);
    fine *= std::sqrt(len);
    G += fine;
    for (Index p = 0; p < n; ++p) {
      const Index hj = holder[static_cast<std::size_t>(p)];
      if (j < hj) {
        G1.col(p) += fine.col(p);
      } else if (j == hj) {
        // Brownian bridge inside the interval: W_s - W_a | W_b - W_a ~ N(a' dW, a'(len - a')/len).
        const double a = std::clamp(t0 + std::clamp(fractions[p], 0.0, 1.0) * h - fine_.t(j), 0.0, len);
        bridge.normals(static_cast<std::uint64_t>(j), first_particle + p, b);
        G1.col(p) += (a / len) * fine.col(p) + std::sqrt(a * (len - a) / len) * b;
      }
    }
  }
}

void BrownianPath::partial_ou(const TimeGrid& coarse, Index k, Index first_particle,
                              const double* fractions, Block J1, Block J2) const {
  const Index r = refinement(coarse);
  const RandomStream xi1(key_, purpose::path_increment);
  const RandomStream xi2(key_, purpose::path_ou);
  const RandomStream bridge(key_, purpose::path_bridge_ou);
  const Index d = J2.rows();
  const Index n = J2.cols();
  const double t0 = coarse.t(k);
  const double h = coarse.h(k);
  const double t_end = coarse.t(k + 1);
  Matrix z1(d, n);
  Matrix z2(d, n);
  Vector b(d);
  J1.setZero();
  J2.setZero();
  std::vector<Index> holder(static_cast<std::size_t>(n));
  std::vector<double> point(static_cast<std::size_t>(n));
  for (Index p = 0; p < n; ++p) {
    const double s = t0 + std::clamp(fractions[p], 0.0, 1.0) * h;
    Index j = k * r;
    while (j + 1 < (k + 1) * r && fine_.t(j + 1) <= s) ++j;
    holder[static_cast<std::size_t>(p)] = j;
    point[static_cast<std::size_t>(p)] = s;
  }
  for (Index j = k * r; j < (k + 1) * r; ++j) {
    const double len = fine_.h(j);
    const double tj = fine_.t(j);
    const double tj1 = fine_.t(j + 1);
    xi1.normals(static_cast<std::uint64_t>(j), first_particle, z1);
    xi2.normals(static_cast<std::uint64_t>(j), first_particle, z2);
    const OuCoefficients c = ou_coefficients(len);
    J2 += std::exp(t_end - tj1) * (c.on_xi1 * z1 + c.on_xi2 * z2);
    for (Index p = 0; p < n; ++p) {
      const Index hj = holder[static_cast<std::size_t>(p)];
      const double s = point[static_cast<std::size_t>(p)];
      if (j < hj) {
        J1.col(p) += std::exp(s - tj1) * (c.on_xi1 * z1.col(p) + c.on_xi2 * z2.col(p));
      } else if (j == hj) {
        // J_a = sqrt(2) int_{tj}^{s} e^{(s - r)} dW_r given this interval's (xi1, xi2), by Gaussian
        // conditioning in the whitened coordinates: J_a = k1 xi1 + k2 xi2 + sqrt(rest) xi3.
        const double a = std::clamp(s - tj, 0.0, len);
        const double rest_len = len - a;
        const double var_a = std::expm1(2.0 * a);
        const double k1 = std::sqrt(2.0) * std::expm1(a) / std::sqrt(len);
        double k2 = 0.0;
        if (c.on_xi2 > 0.0) {
          // Cov(J_a, J) - (c/len) Cov(J_a, dW), over sqrt(v): e^{rest} var_a - 2 expm1(len) expm1(a)/len.
          k2 = (std::exp(rest_len) * var_a - 2.0 * std::expm1(len) * std::expm1(a) / len) / c.on_xi2;
        }
        const double rest = std::max(0.0, var_a - k1 * k1 - k2 * k2);
        bridge.normals(static_cast<std::uint64_t>(j), first_particle + p, b);
        J1.col(p) += k1 * z1.col(p) + k2 * z2.col(p) + std::sqrt(rest) * b;
      }
    }
  }
}

}  // namespace sgmtk
