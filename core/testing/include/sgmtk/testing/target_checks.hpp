#pragma once
/// @file target_checks.hpp
/// Conformance checks for a Target (any plugin's, or one built in your own test).
///
/// Each check uses GoogleTest's non-fatal EXPECT_* macros, so call it from inside a TEST body.
/// It returns a Check: `ran` is false (with `skipped` saying why) when the target does not
/// announce what the check needs (TargetTraits); nothing is then asserted. Checks evaluate the
/// target at points drawn from p_t itself (x = m_t X_0 + s_t xi with X_0 an exact sample), where
/// the score is O(1), so the tolerances below are meaningful for any reasonably scaled target.
///
/// The finite-difference checks are central differences with step e_i = fd_step (1 + |x_i|): the
/// truncation error is O(e^2) times a third derivative, the rounding error O(1e-16 / e), so
/// fd_step = 1e-4 keeps both well under the default tolerance for targets whose p_t has
/// curvature of order 1 to 100 over the probed times.

#include <sgmtk/ou.hpp>
#include <sgmtk/random.hpp>
#include <sgmtk/target.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace sgmtk::conformance {

/// What a check did: ran, or was skipped because the object does not provide what it needs.
struct Check {
  bool ran = true;
  std::string skipped;  ///< why it did not run (empty when it ran)
  static Check skip(std::string why) { return {false, std::move(why)}; }
};

struct TargetCheckOptions {
  std::vector<double> times{0.05, 0.3, 1.0, 3.0};  ///< forward times probed
  Index particles = 8;                             ///< points per time
  double fd_step = 1e-4;                           ///< relative central-difference step
  double tolerance = 1e-5;  ///< |fd - exact| <= tolerance (1 + max |exact|) per point
  RandomKey key{20240601u, 0};
  std::string label = "target";  ///< names the target in failure messages
};

namespace detail {

/// n points of p_t: x = m_t X_0 + s_t xi (X_0 exact, keyed by `key`), as the reverse process sees.
inline Matrix points_at(const Target& target, double t, Index n, RandomKey key) {
  Matrix x0(target.dim(), n), xi(target.dim(), n);
  target.sample(RandomStream(key, purpose::user_first + 101), 0, x0);
  RandomStream(key, purpose::user_first + 102).normals(0, 0, xi);
  return ou::mean_factor(t) * x0 + std::sqrt(ou::noise_variance(t)) * xi;
}

inline Matrix score_of(const Target& target, Times times, const Matrix& x) {
  Matrix s(x.rows(), x.cols());
  ScoreQuery q;
  q.times = times;
  q.x = ConstMatrixView(x);
  q.score = MatrixView(s);
  target.evaluate(q);
  return s;
}

inline RowVector log_density_of(const Target& target, Times times, const Matrix& x) {
  Matrix l(1, x.cols());
  ScoreQuery q;
  q.times = times;
  q.x = ConstMatrixView(x);
  q.log_density = MatrixView(l);
  target.evaluate(q);
  return l.row(0);
}

/// The Hessian in `form` (direction used only for vector_product).
inline Matrix hessian_of(const Target& target, Times times, const Matrix& x, HessianForm form,
                         const Matrix& direction = Matrix()) {
  const Index d = x.rows();
  Matrix s(d, x.cols());
  Matrix h(form == HessianForm::full ? d * d : d, x.cols());
  ScoreQuery q;
  q.times = times;
  q.x = ConstMatrixView(x);
  q.score = MatrixView(s);
  q.hessian = form;
  q.hessian_out = MatrixView(h);
  if (form == HessianForm::vector_product) q.direction = ConstMatrixView(direction);
  target.evaluate(q);
  return h;
}

inline double step_for(double xi, double fd_step) { return fd_step * (1.0 + std::abs(xi)); }

}  // namespace detail

/// The score equals the gradient of log p_t (central differences), at every probed time.
inline Check check_score_vs_log_density(const Target& target, const TargetCheckOptions& o = {}) {
  if (!target.traits().log_density) return Check::skip(o.label + " provides no log density");
  const Index d = target.dim();
  for (double t : o.times) {
    const Matrix x = detail::points_at(target, t, o.particles, o.key);
    const Matrix s = detail::score_of(target, t, x);
    double worst = 0.0;
    for (Index i = 0; i < d; ++i) {
      Matrix xp = x, xm = x;
      RowVector e(x.cols());
      for (Index j = 0; j < x.cols(); ++j) e(j) = detail::step_for(x(i, j), o.fd_step);
      xp.row(i) += e;
      xm.row(i) -= e;
      const RowVector fd = (detail::log_density_of(target, t, xp) - detail::log_density_of(target, t, xm)).array() /
                           (2.0 * e.array());
      for (Index j = 0; j < x.cols(); ++j) {
        const double scale = 1.0 + s.col(j).cwiseAbs().maxCoeff();
        worst = std::max(worst, std::abs(fd(j) - s(i, j)) / scale);
      }
    }
    EXPECT_LE(worst, o.tolerance) << o.label << ": score vs central differences of log p_t at t = " << t
                                  << " (largest scaled error)";
  }
  return {};
}

/// Every Hessian form the target announces equals central differences of its score, the full
/// Hessian is symmetric, and the forms agree with one another.
inline Check check_hessian_vs_score(const Target& target, const TargetCheckOptions& o = {}) {
  const TargetTraits tr = target.traits();
  if (!tr.hessian_diagonal && !tr.hessian_full && !tr.hessian_vector_product) {
    return Check::skip(o.label + " provides no Hessian");
  }
  const Index d = target.dim();
  for (double t : o.times) {
    const Matrix x = detail::points_at(target, t, o.particles, o.key);
    const Index n = x.cols();
    // Jacobian of the score by central differences: column j holds particle j's d x d matrix.
    Matrix jac(d * d, n);
    for (Index i = 0; i < d; ++i) {
      Matrix xp = x, xm = x;
      RowVector e(n);
      for (Index j = 0; j < n; ++j) e(j) = detail::step_for(x(i, j), o.fd_step);
      xp.row(i) += e;
      xm.row(i) -= e;
      const Matrix ds = (detail::score_of(target, t, xp) - detail::score_of(target, t, xm)).array().rowwise() /
                        (2.0 * e.array());
      for (Index j = 0; j < n; ++j) jac.block(i * d, j, d, 1) = ds.col(j);  // column i of H_j
    }
    auto scale_of = [&](Index j) { return 1.0 + jac.col(j).cwiseAbs().maxCoeff(); };
    if (tr.hessian_full) {
      const Matrix h = detail::hessian_of(target, t, x, HessianForm::full);
      double worst = 0.0, asym = 0.0;
      for (Index j = 0; j < n; ++j) {
        Eigen::Map<const Matrix> H(h.col(j).data(), d, d);
        worst = std::max(worst, (h.col(j) - jac.col(j)).cwiseAbs().maxCoeff() / scale_of(j));
        asym = std::max(asym, (H - H.transpose()).cwiseAbs().maxCoeff() / scale_of(j));
      }
      EXPECT_LE(worst, o.tolerance) << o.label << ": full Hessian vs differences of the score at t = " << t;
      EXPECT_LE(asym, 1e-12) << o.label << ": full Hessian is not symmetric at t = " << t;
    }
    if (tr.hessian_diagonal) {
      const Matrix h = detail::hessian_of(target, t, x, HessianForm::diagonal);
      double worst = 0.0;
      for (Index j = 0; j < n; ++j) {
        Eigen::Map<const Matrix> J(jac.col(j).data(), d, d);
        worst = std::max(worst, (h.col(j) - J.diagonal()).cwiseAbs().maxCoeff() / scale_of(j));
      }
      EXPECT_LE(worst, o.tolerance) << o.label << ": diagonal Hessian vs differences of the score at t = " << t;
    }
    if (tr.hessian_vector_product) {
      Matrix v(d, n);
      RandomStream(o.key, purpose::user_first + 103).normals(0, 0, v);
      const Matrix h = detail::hessian_of(target, t, x, HessianForm::vector_product, v);
      double worst = 0.0;
      for (Index j = 0; j < n; ++j) {
        Eigen::Map<const Matrix> J(jac.col(j).data(), d, d);
        const double scale = scale_of(j) * (1.0 + v.col(j).cwiseAbs().sum());
        worst = std::max(worst, (h.col(j) - J * v.col(j)).cwiseAbs().maxCoeff() / scale);
      }
      EXPECT_LE(worst, o.tolerance) << o.label << ": Hessian-vector product vs differences of the score at t = " << t;
    }
  }
  return {};
}

/// Per-particle times give, column by column, what the shared-time evaluation gives at that time
/// (score, and the Hessian forms and log density the target provides), to rounding.
inline Check check_per_particle_times(const Target& target, const TargetCheckOptions& o = {}) {
  const TargetTraits tr = target.traits();
  const Index d = target.dim();
  const auto nt = static_cast<Index>(o.times.size());
  const Index n = nt * o.particles;
  // Particle j sits at time times[j % nt], at a point drawn from that p_t.
  Matrix x(d, n);
  std::vector<double> per(static_cast<std::size_t>(n));
  for (Index k = 0; k < nt; ++k) {
    const Matrix xk = detail::points_at(target, o.times[static_cast<std::size_t>(k)], o.particles, o.key);
    for (Index j = 0; j < o.particles; ++j) {
      x.col(j * nt + k) = xk.col(j);
      per[static_cast<std::size_t>(j * nt + k)] = o.times[static_cast<std::size_t>(k)];
    }
  }
  auto compare = [&](const Matrix& mixed, auto shared_eval, const char* what) {
    double worst = 0.0;
    for (Index k = 0; k < nt; ++k) {
      const Matrix ref = shared_eval(o.times[static_cast<std::size_t>(k)]);
      for (Index j = 0; j < o.particles; ++j) {
        const Index c = j * nt + k;
        const double scale = 1.0 + ref.col(c).cwiseAbs().maxCoeff();
        worst = std::max(worst, (mixed.col(c) - ref.col(c)).cwiseAbs().maxCoeff() / scale);
      }
    }
    EXPECT_LE(worst, 1e-12) << o.label << ": " << what << " at per-particle times differs from the shared-time value";
  };
  const Times mixed(per.data());
  compare(detail::score_of(target, mixed, x), [&](double t) { return detail::score_of(target, t, x); }, "score");
  if (tr.log_density) {
    compare(Matrix(detail::log_density_of(target, mixed, x)),
            [&](double t) { return Matrix(detail::log_density_of(target, t, x)); }, "log density");
  }
  const std::pair<bool, HessianForm> forms[] = {{tr.hessian_diagonal, HessianForm::diagonal},
                                                {tr.hessian_full, HessianForm::full},
                                                {tr.hessian_vector_product, HessianForm::vector_product}};
  Matrix v(d, n);
  RandomStream(o.key, purpose::user_first + 104).normals(0, 0, v);
  for (const auto& [has, form] : forms) {
    if (!has) continue;
    compare(detail::hessian_of(target, mixed, x, form, v),
            [&](double t) { return detail::hessian_of(target, t, x, form, v); }, to_string(form));
  }
  return {};
}

/// sample() depends only on the key and the particle index: any block split gives the same bits.
inline Check check_sampling_block_invariance(const Target& target, const TargetCheckOptions& o = {}) {
  const Index n = 37;
  const RandomStream rng(o.key, purpose::user_first + 105);
  Matrix whole(target.dim(), n), split(target.dim(), n);
  target.sample(rng, 0, whole);
  for (Index first = 0; first < n; first += 5) {
    const Index count = std::min<Index>(5, n - first);
    target.sample(rng, first, split.middleCols(first, count));
  }
  EXPECT_TRUE(whole.allFinite()) << o.label << ": sample() produced non-finite values";
  EXPECT_TRUE(whole == split) << o.label << ": sample() depends on the block split (largest difference "
                              << (whole - split).cwiseAbs().maxCoeff() << ")";
  return {};
}

/// evaluate() treats particles independently, to the bit: a block of n gives, column by column,
/// exactly what blocks of 1, 5 and 16 columns give (score, log density, every Hessian form the
/// target announces). The engine splits particles into blocks of `block_size`, so a target that
/// fails this makes results depend on the block size (a vectorized kernel whose summation order
/// changes with the block width is the usual cause).
inline Check check_evaluate_block_invariance(const Target& target, const TargetCheckOptions& o = {}) {
  const TargetTraits tr = target.traits();
  const Index d = target.dim();
  const Index n = 37;
  for (double t : o.times) {
    const Matrix x = detail::points_at(target, t, n, o.key);
    Matrix v(d, n);
    RandomStream(o.key, purpose::user_first + 107).normals(0, 0, v);
    auto whole_and_split = [&](auto eval, const char* what) {
      const Matrix whole = eval(x, v);
      for (Index width : {Index{1}, Index{5}, Index{16}}) {
        Matrix split(whole.rows(), n);
        for (Index first = 0; first < n; first += width) {
          const Index count = std::min(width, n - first);
          split.middleCols(first, count) = eval(Matrix(x.middleCols(first, count)), Matrix(v.middleCols(first, count)));
        }
        EXPECT_TRUE(whole == split) << o.label << ": " << what << " at t = " << t << " changes when the " << n
                                    << " particles are evaluated in blocks of " << width << " (largest difference "
                                    << (whole - split).cwiseAbs().maxCoeff() << ")";
      }
    };
    whole_and_split([&](const Matrix& xb, const Matrix&) { return detail::score_of(target, t, xb); }, "score");
    if (tr.log_density) {
      whole_and_split([&](const Matrix& xb, const Matrix&) { return Matrix(detail::log_density_of(target, t, xb)); },
                      "log density");
    }
    const std::pair<bool, HessianForm> forms[] = {{tr.hessian_diagonal, HessianForm::diagonal},
                                                  {tr.hessian_full, HessianForm::full},
                                                  {tr.hessian_vector_product, HessianForm::vector_product}};
    for (const auto& [has, form] : forms) {
      if (!has) continue;
      whole_and_split([&, form = form](const Matrix& xb, const Matrix& vb) { return detail::hessian_of(target, t, xb, form, vb); },
                      to_string(form));
    }
  }
  return {};
}

/// moments() agrees with the mean and variances of `samples` exact draws, within 5 standard
/// errors per coordinate (a statistical check: false alarms are rare, about 1e-6 per coordinate).
inline Check check_moments_vs_samples(const Target& target, const TargetCheckOptions& o = {},
                                      Index samples = 20000) {
  if (!target.traits().moments) return Check::skip(o.label + " provides no moments");
  const Index d = target.dim();
  Vector mean(d);
  Matrix cov(d, d);
  target.moments(mean, cov);
  Matrix x(d, samples);
  target.sample(RandomStream(o.key, purpose::user_first + 106), 0, x);
  const Vector m = x.rowwise().mean();
  const Matrix c = x.colwise() - m;
  const Vector var = c.array().square().rowwise().sum() / static_cast<double>(samples - 1);
  const Vector fourth = c.array().pow(4).rowwise().mean();
  const double n = static_cast<double>(samples);
  for (Index i = 0; i < d; ++i) {
    const double se_mean = std::sqrt(cov(i, i) / n);
    // Var of the sample variance ~ (mu_4 - sigma^4) / n, estimated from the sample itself.
    const double se_var = std::sqrt(std::max(fourth(i) - var(i) * var(i), 0.0) / n);
    EXPECT_LE(std::abs(m(i) - mean(i)), 5.0 * se_mean + 1e-12)
        << o.label << ": sample mean of coordinate " << i << " vs moments()";
    EXPECT_LE(std::abs(var(i) - cov(i, i)), 5.0 * se_var + 1e-12)
        << o.label << ": sample variance of coordinate " << i << " vs moments()";
  }
  return {};
}

}  // namespace sgmtk::conformance
