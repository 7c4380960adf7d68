#include "squared_distance_rows.hpp"

#include <sgmtk/error.hpp>
#include <sgmtk/parallel.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <vector>

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

void require_finite(ConstBlock x, const char* which, const std::string& who) {
  for (Index j = 0; j < x.cols(); ++j) {
    for (Index k = 0; k < x.rows(); ++k) {
      if (!std::isfinite(x(k, j))) {
        std::ostringstream msg;
        msg << who << ": point " << j << " of the " << which << " cloud has a non-finite coordinate ("
            << "coordinate " << k << " = " << x(k, j) << ")";
        throw Error(msg.str());
      }
    }
  }
}

}  // namespace

void require_representable_costs(ConstBlock a, ConstBlock b, Index assignment_size, const std::string& who) {
  require_finite(a, "first", who);
  require_finite(b, "second", who);
  const Index d = a.rows();
  if (d == 0 || a.cols() == 0 || b.cols() == 0) return;
  double bound = 0.0, widest = 0.0;
  Index widest_axis = 0;
  for (Index k = 0; k < d; ++k) {
    const double lo = std::min(a.row(k).minCoeff(), b.row(k).minCoeff());
    const double hi = std::max(a.row(k).maxCoeff(), b.row(k).maxCoeff());
    const double spread = hi - lo;  // inf when it overflows: refused below
    if (!(spread <= widest)) widest = spread, widest_axis = k;
    bound += spread * spread;
  }
  const double limit = std::numeric_limits<double>::max() / (8.0 * static_cast<double>(std::max<Index>(assignment_size, 1)));
  if (bound <= limit) return;
  std::ostringstream msg;
  msg.precision(3);
  msg << who << ": squared distances between the points overflow double precision: coordinate " << widest_axis
      << " spreads over " << widest << ", so squared distances can reach " << bound << ", above the limit " << limit
      << " that keeps sums of " << assignment_size << " costs and the duals finite; rescale the data "
      << "(W2 is homogeneous: W2(s a, s b) = s W2(a, b))";
  throw Error(msg.str());
}

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

void SquaredDistanceRows::rows4(const double* const x[4], double* const out[4]) const {
  const Index d = coords_.rows();
  const Index m = coords_.cols();
  const double* base = coords_.data();
  // 8 columns x 4 points: eight accumulators, two loads of B per coordinate for 32 costs.
  Index j0 = 0;
  for (; j0 + 8 <= m; j0 += 8) {
    Lane4 a0 = {}, a1 = {}, b0 = {}, b1 = {}, c0 = {}, c1 = {}, e0 = {}, e1 = {};
    const double* y = base + j0;
    for (Index k = 0; k < d; ++k, y += m) {
      const Lane4 y0 = load4(y), y1 = load4(y + 4);
      const double xa = x[0][k], xb = x[1][k], xc = x[2][k], xe = x[3][k];
      a0 = add_square(a0, y0 - xa);
      a1 = add_square(a1, y1 - xa);
      b0 = add_square(b0, y0 - xb);
      b1 = add_square(b1, y1 - xb);
      c0 = add_square(c0, y0 - xc);
      c1 = add_square(c1, y1 - xc);
      e0 = add_square(e0, y0 - xe);
      e1 = add_square(e1, y1 - xe);
    }
    std::memcpy(out[0] + j0, &a0, sizeof a0);
    std::memcpy(out[0] + j0 + 4, &a1, sizeof a1);
    std::memcpy(out[1] + j0, &b0, sizeof b0);
    std::memcpy(out[1] + j0 + 4, &b1, sizeof b1);
    std::memcpy(out[2] + j0, &c0, sizeof c0);
    std::memcpy(out[2] + j0 + 4, &c1, sizeof c1);
    std::memcpy(out[3] + j0, &e0, sizeof e0);
    std::memcpy(out[3] + j0 + 4, &e1, sizeof e1);
  }
  for (Index j = j0; j < m; ++j) {
    for (int r = 0; r < 4; ++r) out[r][j] = entry(x[r], j);
  }
}

void SquaredDistanceRows::for_each_row(ConstBlock x, const std::function<void(Index, const double*)>& fn) const {
  const Index m = cols();
  parallel_blocks(x.cols(), row_block, [&](Index first, Index count) {
    std::vector<double> rows(4 * static_cast<std::size_t>(m));
    double* const outs[4] = {rows.data(), rows.data() + m, rows.data() + 2 * m, rows.data() + 3 * m};
    Index i = first;
    for (; i + 4 <= first + count; i += 4) {
      const double* const xs[4] = {x.col(i).data(), x.col(i + 1).data(), x.col(i + 2).data(), x.col(i + 3).data()};
      rows4(xs, outs);
      for (Index r = 0; r < 4; ++r) fn(i + r, outs[r]);
    }
    for (; i < first + count; ++i) {
      row(x.col(i).data(), outs[0]);
      fn(i, outs[0]);
    }
  });
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
