#pragma once
// Interpolation table of a 1-D score f(t, y) = d/dy log p_t(y) and its y-derivative
// g = d2/dy2 log p_t (MATH.md C.0 quadratures are too slow for 1e5 particles x 1e3 steps).
//
// Nodes: u = log t uniform on [log t_min, log t_max] (n_u nodes) and y uniform on [-y_max, y_max]
// (n_y nodes); at each node the exact (quadrature) f and g. Lookup: quintic Lagrange in u (6 nodes)
// of both f and g at the two bracketing y nodes, then the cubic Hermite interpolant in y built
// from (f, g) at those nodes. The returned second derivative is the y-derivative of that Hermite
// cubic, so score and Hessian are exactly consistent (finite differences of the interpolated
// score reproduce it) and the score is C^1 in y. Interpolation error: O(h_y^4 |d4 f/dy4| + h_u^6
// |d6 f/du6|) for f, one order less in h_y for g; each target states its measured bound and the
// tests check it on random points against direct quadrature. Outside the table the caller falls
// back to direct quadrature.

#include <algorithm>
#include <cmath>
#include <vector>

namespace sgmtk::numerics {

class ScoreTable {
 public:
  ScoreTable() = default;

  /// exact(t, y) -> CoordinateValues (score, second); called n_u * n_y times.
  template <class Exact>
  ScoreTable(double t_min, double t_max, int n_u, double y_max, int n_y, const Exact& exact)
      : t_min_(t_min), t_max_(t_max), u0_(std::log(t_min)), hu_((std::log(t_max) - std::log(t_min)) / (n_u - 1)),
        y_max_(y_max), hy_(2.0 * y_max / (n_y - 1)), n_u_(n_u), n_y_(n_y),
        fg_(2 * static_cast<std::size_t>(n_u) * n_y) {
    for (int iu = 0; iu < n_u; ++iu) {
      const double t = std::exp(u0_ + iu * hu_);
      for (int iy = 0; iy < n_y; ++iy) {
        const auto v = exact(t, -y_max + iy * hy_);
        fg_[2 * index(iu, iy)] = v.score;
        fg_[2 * index(iu, iy) + 1] = v.second;
      }
    }
  }

  bool covers(double t, double y) const { return t >= t_min_ && t <= t_max_ && std::abs(y) <= y_max_; }
  std::size_t nodes() const { return fg_.size() / 2; }

  /// The time part of a lookup (quintic Lagrange weights in u on nodes iu-2 .. iu+3, an error
  /// term of order h_u^6), computed once per time.
  struct TimeStencil {
    int iu = 2;
    double w[6] = {};
  };
  TimeStencil stencil(double log_t) const {
    TimeStencil st;
    const double su = (log_t - u0_) / hu_;
    st.iu = std::clamp(int(std::floor(su)), 2, n_u_ - 4);
    const double tau = su - st.iu;
    for (int a = 0; a < 6; ++a) {
      double w = 1.0;
      for (int b = 0; b < 6; ++b)
        if (b != a) w *= (tau - (b - 2)) / double(a - b);
      st.w[a] = w;
    }
    return st;
  }
  bool covers_time(double t) const { return t >= t_min_ && t <= t_max_; }
  bool covers_y(double y) const { return std::abs(y) <= y_max_; }

  /// Interpolated score and its y-derivative; only where covers(t, y).
  void lookup(const TimeStencil& st, double y, double& score, double& second) const {
    const int iu = st.iu;
    const double* wu = st.w;
    const double sy = (y + y_max_) / hy_;
    const int iy = std::clamp(int(std::floor(sy)), 0, n_y_ - 2);
    const double s = sy - iy;
    // f and g of the 6 time nodes at one y node are 12 contiguous doubles (see index()).
    auto in_u = [&](int jy, double& f, double& g) {
      const double* p = &fg_[2 * index(iu - 2, jy)];
      f = g = 0.0;
      for (int a = 0; a < 6; ++a) {
        f += wu[a] * p[2 * a];
        g += wu[a] * p[2 * a + 1];
      }
    };
    double f0, f1, g0, g1;
    in_u(iy, f0, g0);
    in_u(iy + 1, f1, g1);
    g0 *= hy_;
    g1 *= hy_;
    const double s2 = s * s, s3 = s2 * s;
    score = (2.0 * s3 - 3.0 * s2 + 1.0) * f0 + (s3 - 2.0 * s2 + s) * g0 + (-2.0 * s3 + 3.0 * s2) * f1 +
            (s3 - s2) * g1;
    second = ((6.0 * s2 - 6.0 * s) * (f0 - f1) + (3.0 * s2 - 4.0 * s + 1.0) * g0 + (3.0 * s2 - 2.0 * s) * g1) / hy_;
  }

 private:
  // y-major, time-minor, f and g interleaved: one lookup touches ~4 cache lines.
  std::size_t index(int iu, int iy) const { return static_cast<std::size_t>(iy) * n_u_ + iu; }

  double t_min_ = 0, t_max_ = 0, u0_ = 0, hu_ = 1, y_max_ = 0, hy_ = 1;
  int n_u_ = 0, n_y_ = 0;
  std::vector<double> fg_;
};

}  // namespace sgmtk::numerics
