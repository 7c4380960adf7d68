// The shared Brownian path (brownian_path.hpp, MATH.md B.2-B.4, E.7).
//
// Every quantity is a linear functional of one Brownian motion per particle and coordinate,
// built from the fine-interval normals xi1 (purpose path_increment) and xi2 (purpose path_ou),
// keyed by (particle, fine index j). On fine interval j of length L:
//   dW_j = sqrt(L) xi1,   J_j = c(L) xi1 + sqrt(v(L)) xi2,
//   c(L) = sqrt(2) expm1(L)/sqrt(L),  v(L) = Var(J_j | dW_j) = expm1(2L) - c(L)^2.
// A point inside a step falls in one fine interval; its partial quantities are drawn from
// their exact law *conditioned on that interval's (xi1, xi2)* with one extra normal vector
// (purpose path_bridge / path_bridge_ou, keyed by (particle, j)), so the fine path's law is
// unchanged and every scheme sees the same path.
//
// Numerics for short intervals. The conditioning coefficients are differences of nearly equal
// O(L) terms; the formulas below are arranged so that their absolute error is O(eps) relative
// to the size of the quantity they multiply (J is O(sqrt(L))), for any L:
//   v(L)          by its power series below L = 0.1 (the plain formula loses ~log10(1/L^2) digits);
//   Cov(J_a, J - c xi1) = 2 sinh(a) E(L) - 4 sinh^2(a/2) phi1(L)   (E(L) = e^L - phi1(L) >= 0),
//                 instead of e^{L-a} expm1(2a) - 2 expm1(L) expm1(a)/L, whose terms are ~2a while
//                 the difference is ~a(L - a) (that form loses ~log10(1/L) digits).
#include <sgmtk/brownian_path.hpp>
#include <sgmtk/error.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

namespace sgmtk {
namespace {

const double sqrt2 = std::sqrt(2.0);

// phi1(x) = expm1(x)/x, phi1(0) = 1 (expm1 keeps full relative accuracy; only 0 needs a limit).
double phi1(double x) { return x == 0.0 ? 1.0 : std::expm1(x) / x; }

// v(L) = Var(J | dW) on an interval of length L: expm1(2L) - 2 expm1(L)^2 / L. Both terms are
// ~2L, their difference ~L^3/6: below L = 0.1 use the series sum_{m>=3} L^m (2^m (m-3) + 4)/(m+1)!
// (from the exponential series; all terms positive, no cancellation).
double ou_residual_variance(double L) {
  if (L >= 0.1) {
    const double e1 = std::expm1(L);
    return std::max(0.0, std::expm1(2.0 * L) - 2.0 * e1 * e1 / L);
  }
  double sum = 0.0;
  double power = L * L * L;  // L^m
  double factorial = 24.0;   // (m+1)!
  double two_m = 8.0;        // 2^m
  for (int m = 3; m <= 16; ++m) {
    sum += power * (two_m * (m - 3) + 4.0) / factorial;
    power *= L;
    factorial *= (m + 2);
    two_m *= 2.0;
  }
  return sum;
}

// E(L) = e^L - phi1(L) = sum_{m>=1} m L^m/(m+1)!  (positive terms; the plain form cancels at 0).
double e_minus_phi1(double L) {
  if (L >= 0.5) return std::exp(L) - phi1(L);
  double sum = 0.0;
  double power = L;         // L^m
  double factorial = 2.0;   // (m+1)!
  for (int m = 1; m <= 20; ++m) {
    sum += m * power / factorial;
    power *= L;
    factorial *= (m + 2);
  }
  return sum;
}

// Coefficients of J on (xi1, xi2) for one fine interval of length L.
struct OuCoefficients {
  double on_xi1;
  double on_xi2;
};
OuCoefficients ou_coefficients(double L) {
  return {sqrt2 * std::sqrt(L) * phi1(L), std::sqrt(ou_residual_variance(L))};
}

// Where a point of a coarse step lies on the fine grid: fine interval `j` and the offset `a`
// from that interval's start (0 <= a <= L_j). The offset is computed from the step's start in
// step-relative units, so that with refinement 1 it is exactly u h.
struct FinePoint {
  Index j;
  double a;
};
FinePoint locate(const TimeGrid& fine, Index first_fine, Index r, double t0, double offset) {
  Index j = first_fine;
  // Fine points of the step relative to its start; advance while the next fine point is <= s.
  while (j + 1 < first_fine + r && fine.t(j + 1) - t0 <= offset) ++j;
  const double start = j == first_fine ? 0.0 : fine.t(j) - t0;
  const double L = fine.h(j);
  return {j, std::clamp(offset - start, 0.0, L)};
}

double clamped_fraction(double u) { return std::clamp(u, 0.0, 1.0); }

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
    dW *= std::sqrt(fine_.h(k));
    return;
  }
  // Summed in fine order starting from the first interval's value, so that a coarse increment
  // equals the sum of the r fine increments (as a finer scheme on the same path sees them) up
  // to the rounding of r - 1 additions.
  Matrix fine(dW.rows(), dW.cols());
  for (Index j = k * r; j < (k + 1) * r; ++j) {
    xi1.normals(static_cast<std::uint64_t>(j), first_particle, fine);
    fine *= std::sqrt(fine_.h(j));
    if (j == k * r) dW = fine;
    else dW += fine;
  }
}

double BrownianPath::increment_normals(const TimeGrid& coarse, Index k, Index first_particle, Block xi) const {
  if (refinement(coarse) != 1) return 0.0;
  RandomStream(key_, purpose::path_increment).normals(static_cast<std::uint64_t>(k), first_particle, xi);
  return std::sqrt(fine_.h(k));  // the factor increment() multiplies by
}

void BrownianPath::increment_with_ou(const TimeGrid& coarse, Index k, Index first_particle,
                                     Block dW, Block J) const {
  const Index r = refinement(coarse);
  const RandomStream xi1(key_, purpose::path_increment);
  const RandomStream xi2(key_, purpose::path_ou);
  if (r == 1) {
    // No temporaries: xi1 lands in dW and xi2 in J, then both are scaled in place.
    const double L = fine_.h(k);
    const OuCoefficients c = ou_coefficients(L);
    xi1.normals(static_cast<std::uint64_t>(k), first_particle, dW);
    xi2.normals(static_cast<std::uint64_t>(k), first_particle, J);
    J = c.on_xi1 * dW + c.on_xi2 * J;
    dW *= std::sqrt(L);
    return;
  }
  Matrix z1(dW.rows(), dW.cols());
  Matrix z2(dW.rows(), dW.cols());
  dW.setZero();
  J.setZero();
  const double t_end = fine_.t((k + 1) * r);
  for (Index j = k * r; j < (k + 1) * r; ++j) {
    const double L = fine_.h(j);
    xi1.normals(static_cast<std::uint64_t>(j), first_particle, z1);
    xi2.normals(static_cast<std::uint64_t>(j), first_particle, z2);
    const OuCoefficients c = ou_coefficients(L);
    // J over the coarse step: each fine J_j is carried to the step's end by e^{t_end - t_{j+1}}.
    const double carry = std::exp(t_end - fine_.t(j + 1));
    dW += std::sqrt(L) * z1;
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

  if (r == 1) {
    // One fine interval: G = sqrt(h) xi1 and the bridge point, all particles at once.
    xi1.normals(static_cast<std::uint64_t>(k), first_particle, G);
    G *= std::sqrt(h);
    bridge.normals(static_cast<std::uint64_t>(k), first_particle, G1);
    for (Index p = 0; p < n; ++p) {
      // W_s - W_a | W_b - W_a ~ N((s-a)/L dW, (s-a)(b-s)/L), here with s - a = u h.
      const double u = clamped_fraction(fractions[p]);
      G1.col(p) = u * G.col(p) + std::sqrt(u * (1.0 - u) * h) * G1.col(p);
    }
    return;
  }

  std::vector<FinePoint> at(static_cast<std::size_t>(n));
  for (Index p = 0; p < n; ++p)
    at[static_cast<std::size_t>(p)] = locate(fine_, k * r, r, t0, clamped_fraction(fractions[p]) * h);
  Matrix fine(d, n);
  Matrix b(d, 1);
  G.setZero();
  G1.setZero();
  for (Index j = k * r; j < (k + 1) * r; ++j) {
    const double L = fine_.h(j);
    xi1.normals(static_cast<std::uint64_t>(j), first_particle, fine);
    fine *= std::sqrt(L);
    G += fine;
    for (Index p = 0; p < n; ++p) {
      const FinePoint& pt = at[static_cast<std::size_t>(p)];
      if (j < pt.j) {
        G1.col(p) += fine.col(p);
      } else if (j == pt.j) {
        bridge.normals(static_cast<std::uint64_t>(j), first_particle + p, b);
        G1.col(p) += (pt.a / L) * fine.col(p) + std::sqrt(pt.a * (L - pt.a) / L) * b.col(0);
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

  std::vector<FinePoint> at(static_cast<std::size_t>(n));
  for (Index p = 0; p < n; ++p)
    at[static_cast<std::size_t>(p)] = locate(fine_, k * r, r, t0, clamped_fraction(fractions[p]) * h);

  // J_a = sqrt(2) int_{t_j}^{t_j + a} e^{(t_j + a - r)} dW_r given the interval's (xi1, xi2), in
  // whitened coordinates: J_a = k1 xi1 + k2 xi2 + sqrt(rest) xi3 with
  //   k1 = Cov(J_a, xi1) = sqrt(2) expm1(a)/sqrt(L),
  //   k2 = Cov(J_a, xi2) = Cov(J_a, J - c xi1)/sqrt(v),  rest = Var J_a - k1^2 - k2^2.
  struct Conditional {
    double k1, k2, rest;
  };
  const auto conditional = [](double a, double L, const OuCoefficients& c) {
    const double var_a = std::expm1(2.0 * a);
    const double k1 = sqrt2 * std::expm1(a) / std::sqrt(L);
    double k2 = 0.0;
    if (c.on_xi2 > 0.0) {
      const double sh = std::sinh(0.5 * a);
      const double cov = 2.0 * std::sinh(a) * e_minus_phi1(L) - 4.0 * sh * sh * phi1(L);
      k2 = cov / c.on_xi2;
    }
    return Conditional{k1, k2, std::max(0.0, var_a - k1 * k1 - k2 * k2)};
  };

  Matrix z1(d, n);
  Matrix z2(d, n);
  Matrix b(d, 1);
  J1.setZero();
  J2.setZero();
  for (Index j = k * r; j < (k + 1) * r; ++j) {
    const double L = fine_.h(j);
    xi1.normals(static_cast<std::uint64_t>(j), first_particle, z1);
    xi2.normals(static_cast<std::uint64_t>(j), first_particle, z2);
    const OuCoefficients c = ou_coefficients(L);
    const double carry_to_end = r == 1 ? 1.0 : std::exp(t_end - fine_.t(j + 1));
    J2 += carry_to_end * (c.on_xi1 * z1 + c.on_xi2 * z2);
    for (Index p = 0; p < n; ++p) {
      const FinePoint& pt = at[static_cast<std::size_t>(p)];
      if (j < pt.j) {
        // Whole interval before the point: carried to s = t_j(pt) + a.
        const double s_minus_end = (fine_.t(pt.j) - fine_.t(j + 1)) + pt.a;
        J1.col(p) += std::exp(s_minus_end) * (c.on_xi1 * z1.col(p) + c.on_xi2 * z2.col(p));
      } else if (j == pt.j) {
        const Conditional q = conditional(pt.a, L, c);
        bridge.normals(static_cast<std::uint64_t>(j), first_particle + p, b);
        J1.col(p) += q.k1 * z1.col(p) + q.k2 * z2.col(p) + std::sqrt(q.rest) * b.col(0);
      }
    }
  }
}

}  // namespace sgmtk
