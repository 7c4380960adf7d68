#include "squared_distance_rows.hpp"

#include <cstring>

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
      const Lane4 t0 = load4(y) - xk, t1 = load4(y + 4) - xk, t2 = load4(y + 8) - xk,
                  t3 = load4(y + 12) - xk;
      a0 += t0 * t0;
      a1 += t1 * t1;
      a2 += t2 * t2;
      a3 += t3 * t3;
    }
    std::memcpy(out + j0, &a0, sizeof a0);
    std::memcpy(out + j0 + 4, &a1, sizeof a1);
    std::memcpy(out + j0 + 8, &a2, sizeof a2);
    std::memcpy(out + j0 + 12, &a3, sizeof a3);
  }
  for (Index j = j0; j < m; ++j) {  // the last m % 16 columns, same order of operations
    double acc = 0.0;
    for (Index k = 0; k < d; ++k) {
      const double t = base[k * m + j] - x[k];
      acc += t * t;
    }
    out[j] = acc;
  }
}

}  // namespace sgmtk::metrics
