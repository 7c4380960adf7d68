#include "squared_distance_rows.hpp"

#include <cmath>
#include <cstring>

#if defined(__FMA__)
#include <immintrin.h>
#endif

namespace sgmtk::metrics {
namespace {

// Four doubles in one AVX2 register (GCC/Clang vector extension; on other ISAs the compiler
// splits it, still correct). Loads go through memcpy: no alignment assumption.
typedef double Lane4 __attribute__((vector_size(32)));

inline Lane4 load4(const double* p) {
  Lane4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// acc + t * t with one rounding where the target has FMA, two elsewhere; the same choice in the
// vector and the scalar code (the plugin is built with -ffp-contract=off, so the compiler never
// fuses the unfused form on its own).
#if defined(__FMA__)
inline Lane4 add_square(Lane4 acc, Lane4 t) {
  __m256d r;
  std::memcpy(&r, &acc, sizeof r);
  __m256d s;
  std::memcpy(&s, &t, sizeof s);
  r = _mm256_fmadd_pd(s, s, r);
  std::memcpy(&acc, &r, sizeof r);
  return acc;
}
inline double add_square(double acc, double t) { return std::fma(t, t, acc); }
#else
inline Lane4 add_square(Lane4 acc, Lane4 t) { return acc + t * t; }
inline double add_square(double acc, double t) { return acc + t * t; }
#endif

}  // namespace

SquaredDistanceRows::SquaredDistanceRows(ConstBlock b) : coords_(b) {}

void SquaredDistanceRows::row(const double* x, double* out) const {
  const Index d = coords_.rows();
  const Index m = coords_.cols();
  const double* base = coords_.data();
  // 16 columns at a time with the partial sums held in four registers while the d coordinate
  // arrays stream by: one load per subtract-and-multiply-add, no partial-sum memory traffic
  // (a column-chunked loop that re-reads the partial sums per coordinate is ~2x slower).
  Index j0 = 0;
  for (; j0 + 16 <= m; j0 += 16) {
    Lane4 a0 = {}, a1 = {}, a2 = {}, a3 = {};
    const double* y = base + j0;
    for (Index k = 0; k < d; ++k, y += m) {
      const double xk = x[k];
      a0 = add_square(a0, load4(y) - xk);
      a1 = add_square(a1, load4(y + 4) - xk);
      a2 = add_square(a2, load4(y + 8) - xk);
      a3 = add_square(a3, load4(y + 12) - xk);
    }
    std::memcpy(out + j0, &a0, sizeof a0);
    std::memcpy(out + j0 + 4, &a1, sizeof a1);
    std::memcpy(out + j0 + 8, &a2, sizeof a2);
    std::memcpy(out + j0 + 12, &a3, sizeof a3);
  }
  for (Index j = j0; j < m; ++j) out[j] = entry(x, j);  // the last m % 16 columns
}

double SquaredDistanceRows::entry(const double* x, Index j) const {
  // 0 + t_0^2 is t_0^2 exactly, so this is the same sequence of roundings as the vector code.
  const Index d = coords_.rows(), m = coords_.cols();
  const double* y = coords_.data() + j;
  double acc = 0.0;
  for (Index k = 0; k < d; ++k) acc = add_square(acc, y[k * m] - x[k]);
  return acc;
}

}  // namespace sgmtk::metrics
