#pragma once
/// @file sorted_w2.hpp
/// Exact squared W2 between two 1-D empirical laws with uniform weights, from sorted values
/// (MATH.md E.4, standard): W2^2 = int_0^1 (F^{-1}(u) - G^{-1}(u))^2 du. Both quantile
/// functions are step functions, so the integral is a finite sum over the merged breakpoints
/// {i/n} union {j/m}; with n = m it is (1/n) sum_i (x_(i) - y_(i))^2.

#include <sgmtk/types.hpp>

#include <algorithm>

namespace sgmtk::metrics {

/// xs[0, n) and ys[0, m) sorted ascending.
inline double sorted_w2_squared(const double* xs, Index n, const double* ys, Index m) {
  if (n == m) {
    double s = 0.0;
    for (Index i = 0; i < n; ++i) {
      const double t = xs[i] - ys[i];
      s += t * t;
    }
    return s / static_cast<double>(n);
  }
  // Walk the merged breakpoints in integer units of 1/(n m): x_(i) covers (i m, (i+1) m],
  // y_(j) covers (j n, (j+1) n]; exact in integers, so no breakpoint is lost to rounding.
  double s = 0.0;
  Index i = 0, j = 0, at = 0;
  const Index total = n * m;
  while (at < total) {
    const Index next = std::min((i + 1) * m, (j + 1) * n);
    const double t = xs[i] - ys[j];
    s += t * t * static_cast<double>(next - at);
    at = next;
    if (at == (i + 1) * m) ++i;
    if (at == (j + 1) * n) ++j;
  }
  return s / static_cast<double>(total);
}

}  // namespace sgmtk::metrics
