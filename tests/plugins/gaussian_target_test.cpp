// The gaussian target against independent references: finite differences of its own log density
// and score, the closed-form density N(m_t m, Sigma_t) built here from full matrices (MATH.md C.1),
// the B.8 reverse kernel in matrix form, and CLT bounds on its samples.
#include "plugin_fixture.hpp"

#include <sgmtk/sgmtk.hpp>

#include <gtest/gtest.h>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <Eigen/LU>

#include <cmath>
#include <numbers>
#include <string>

namespace sgmtk {
namespace {

using testing::load_target;

// A non-isotropic 3-D target with a full covariance (eigenvalues ~ 0.37, 0.94, 2.2).
Params full_params() {
  Params p;
  p.set("dim", std::int64_t{3});
  p.set("mean", RealList{1.0, -0.5, 0.25});
  p.set("covariance", RealMatrix{{2.0, 0.6, 0.3}, {0.6, 1.0, -0.2}, {0.3, -0.2, 0.5}});
  return p;
}
Matrix full_covariance() {
  Matrix s(3, 3);
  s << 2.0, 0.6, 0.3, 0.6, 1.0, -0.2, 0.3, -0.2, 0.5;
  return s;
}
Vector full_mean() { return Vector{{1.0, -0.5, 0.25}}; }

Matrix sigma_t(const Matrix& s, double t) {
  const double m = std::exp(-t);
  return m * m * s + (1.0 - m * m) * Matrix::Identity(s.rows(), s.cols());
}

// log N(x; mu, C) from a Cholesky factor: an implementation independent of the plugin's.
double log_normal_density(const Vector& x, const Vector& mu, const Matrix& c) {
  Eigen::LLT<Matrix> llt(c);
  const Vector r = llt.matrixL().solve(x - mu);
  const double log_det = 2.0 * llt.matrixL().toDenseMatrix().diagonal().array().log().sum();
  return -0.5 * static_cast<double>(x.size()) * std::log(2.0 * std::numbers::pi) - 0.5 * log_det - 0.5 * r.squaredNorm();
}

Matrix some_points(Index d, Index n, std::uint32_t seed) {
  Matrix x(d, n);
  RandomStream({seed, 0}, purpose::user_first).normals(0, 0, x);
  return 1.5 * x;
}

RowVector log_density(const Target& t, double time, const Matrix& x) {
  RowVector out(x.cols());
  Matrix out_m(1, x.cols());
  ScoreQuery q;
  q.times = time;
  q.x = x;
  q.log_density = out_m;
  t.evaluate(q);
  return out_m.row(0);
}

Matrix hessian(const Target& t, double time, const Matrix& x, HessianForm form, const Matrix* dir = nullptr) {
  const Index d = x.rows();
  Matrix out(form == HessianForm::full ? d * d : d, x.cols());
  ScoreQuery q;
  q.times = time;
  q.x = x;
  q.hessian = form;
  q.hessian_out = out;
  if (dir) q.direction = *dir;
  t.evaluate(q);
  return out;
}

TEST(GaussianTarget, ScoreMatchesCentralDifferencesOfLogDensity) {
  auto target = load_target("gaussian", full_params());
  const Matrix x = some_points(3, 20, 1);
  for (double t : {0.0, 0.05, 0.5, 2.0}) {
    Matrix s(3, 20);
    target->score(t, x, s);
    // log p_t is quadratic, so the central difference is exact up to rounding: error about
    // |log p| eps / step = 10 * 1e-16 / 1e-5 = 1e-10; allow 1e-7.
    const double step = 1e-5;
    for (Index i = 0; i < 3; ++i) {
      Matrix xp = x, xm = x;
      xp.row(i).array() += step;
      xm.row(i).array() -= step;
      const RowVector fd = (log_density(*target, t, xp) - log_density(*target, t, xm)) / (2.0 * step);
      for (Index j = 0; j < 20; ++j) EXPECT_NEAR(s(i, j), fd(j), 1e-7) << "t=" << t << " i=" << i << " j=" << j;
    }
  }
}

TEST(GaussianTarget, ScoreIsMinusSigmaInverseTimesResidual) {
  auto target = load_target("gaussian", full_params());
  const Matrix x = some_points(3, 10, 2);
  for (double t : {0.01, 1.0}) {
    Matrix s(3, 10);
    target->score(t, x, s);
    const Matrix expected = -sigma_t(full_covariance(), t).llt().solve(x.colwise() - std::exp(-t) * full_mean());
    EXPECT_LT((s - expected).cwiseAbs().maxCoeff(), 1e-12);
  }
}

TEST(GaussianTarget, HessianFormsAgreeWithFiniteDifferencesAndEachOther) {
  auto target = load_target("gaussian", full_params());
  const Index d = 3, n = 7;
  const Matrix x = some_points(d, n, 3);
  const Matrix v = some_points(d, n, 4);
  for (double t : {0.02, 0.7}) {
    const Matrix full = hessian(*target, t, x, HessianForm::full);
    const Matrix diag = hessian(*target, t, x, HessianForm::diagonal);
    const Matrix hvp = hessian(*target, t, x, HessianForm::vector_product, &v);
    // The score is affine in x: central differences are exact up to rounding (|s| eps / step).
    const double step = 1e-4;
    for (Index i = 0; i < d; ++i) {
      Matrix xp = x, xm = x, sp(d, n), sm(d, n);
      xp.row(i).array() += step;
      xm.row(i).array() -= step;
      target->score(t, xp, sp);
      target->score(t, xm, sm);
      const Matrix fd = (sp - sm) / (2.0 * step);  // column j: d/dx_i of the score = row/col i of H
      for (Index j = 0; j < n; ++j) {
        const Eigen::Map<const Matrix> hj(full.col(j).data(), d, d);
        for (Index r = 0; r < d; ++r) EXPECT_NEAR(hj(r, i), fd(r, j), 1e-9);
      }
    }
    for (Index j = 0; j < n; ++j) {
      const Eigen::Map<const Matrix> hj(full.col(j).data(), d, d);
      EXPECT_LT((hj - hj.transpose()).cwiseAbs().maxCoeff(), 1e-14);
      EXPECT_LT((hj.diagonal() - diag.col(j)).cwiseAbs().maxCoeff(), 1e-13);
      EXPECT_LT((hj * v.col(j) - hvp.col(j)).cwiseAbs().maxCoeff(), 1e-13);
      // and -Sigma_t^{-1} itself
      EXPECT_LT((hj + sigma_t(full_covariance(), t).inverse()).cwiseAbs().maxCoeff(), 1e-12);
    }
  }
}

TEST(GaussianTarget, PerParticleTimesEqualSharedTimesColumnByColumn) {
  auto target = load_target("gaussian", full_params());
  const Index d = 3, n = 6;
  const Matrix x = some_points(d, n, 5);
  const Matrix v = some_points(d, n, 6);
  const double times[n] = {1e-3, 0.1, 0.4, 0.4, 1.3, 4.0};
  Matrix s(d, n), hd(d, n), hf(d * d, n), hv(d, n), ld(1, n);
  ScoreQuery q;
  q.times = Times(times);
  q.x = x;
  q.score = s;
  q.log_density = ld;
  q.hessian = HessianForm::full;
  q.hessian_out = hf;
  target->evaluate(q);
  const Matrix hdiag_pp = [&] { ScoreQuery r = q; r.score = {}; r.log_density = {}; r.hessian = HessianForm::diagonal; r.hessian_out = hd; target->evaluate(r); return hd; }();
  const Matrix hv_pp = [&] { ScoreQuery r = q; r.score = {}; r.log_density = {}; r.hessian = HessianForm::vector_product; r.hessian_out = hv; r.direction = v; target->evaluate(r); return hv; }();
  for (Index j = 0; j < n; ++j) {
    const Matrix xj = x.col(j);
    const Matrix vj = v.col(j);
    Matrix sj(d, 1);
    target->score(times[j], xj, sj);
    EXPECT_LT((sj - s.col(j)).cwiseAbs().maxCoeff(), 1e-14) << j;
    EXPECT_NEAR(log_density(*target, times[j], xj)(0), ld(0, j), 1e-13) << j;
    EXPECT_LT((hessian(*target, times[j], xj, HessianForm::full) - hf.col(j)).cwiseAbs().maxCoeff(), 1e-14) << j;
    EXPECT_LT((hessian(*target, times[j], xj, HessianForm::diagonal) - hdiag_pp.col(j)).cwiseAbs().maxCoeff(), 1e-14);
    EXPECT_LT((hessian(*target, times[j], xj, HessianForm::vector_product, &vj) - hv_pp.col(j)).cwiseAbs().maxCoeff(), 1e-14);
  }
}

TEST(GaussianTarget, NormalizedLogDensityIsTheClosedFormGaussian) {
  auto target = load_target("gaussian", full_params());
  const Matrix x = some_points(3, 15, 7);
  for (double t : {0.0, 0.3, 3.0}) {
    const RowVector ld = log_density(*target, t, x);
    for (Index j = 0; j < x.cols(); ++j) {
      const double expected = log_normal_density(x.col(j), std::exp(-t) * full_mean(), sigma_t(full_covariance(), t));
      EXPECT_NEAR(ld(j), expected, 1e-12 * (1.0 + std::abs(expected)));
    }
  }
}

TEST(GaussianTarget, OneDimensionalDensityIntegratesToOne) {
  Params p;
  p.set("mean", RealList{0.7});
  p.set("variance", 0.3);
  auto target = load_target("gaussian", p);
  // Trapezoid on [-12, 12] with spacing 1e-3: for a smooth, rapidly decaying integrand the error is
  // far below 1e-10 (the rule is spectrally accurate for Gaussians); tails beyond 12 sd are < 1e-30.
  const Index n = 24001;
  Matrix x(1, n);
  for (Index j = 0; j < n; ++j) x(0, j) = -12.0 + 1e-3 * static_cast<double>(j);
  for (double t : {0.0, 0.25, 2.0}) {
    const RowVector ld = log_density(*target, t, x);
    const double integral = 1e-3 * (ld.array().exp().sum() - 0.5 * (std::exp(ld(0)) + std::exp(ld(n - 1))));
    EXPECT_NEAR(integral, 1.0, 1e-10) << "t=" << t;
  }
}

TEST(GaussianTarget, ExactSamplesHaveTheTargetMoments) {
  auto target = load_target("gaussian", full_params());
  const Index n = 200000;
  Matrix x(3, n);
  target->sample(RandomStream({11, 0}, purpose::initial_target), 0, x);
  const Vector mean = x.rowwise().mean();
  const Matrix xc = x.colwise() - mean;
  const Matrix cov = xc * xc.transpose() / static_cast<double>(n - 1);
  const Matrix S = full_covariance();
  // CLT: se(mean_i) = sqrt(S_ii / n); for Gaussian data se(cov_ij) = sqrt((S_ii S_jj + S_ij^2) / n).
  // 5 standard errors per entry (9 entries: false-alarm probability ~ 5e-6).
  for (Index i = 0; i < 3; ++i) {
    EXPECT_NEAR(mean(i), full_mean()(i), 5.0 * std::sqrt(S(i, i) / n)) << i;
    for (Index j = 0; j <= i; ++j)
      EXPECT_NEAR(cov(i, j), S(i, j), 5.0 * std::sqrt((S(i, i) * S(j, j) + S(i, j) * S(i, j)) / n)) << i << j;
  }
}

TEST(GaussianTarget, SamplesDoNotDependOnTheBlockSplit) {
  auto target = load_target("gaussian", full_params());
  const RandomStream rng({3, 1}, purpose::initial_target);
  Matrix whole(3, 100), parts(3, 100);
  target->sample(rng, 0, whole);
  target->sample(rng, 0, parts.leftCols(37));
  target->sample(rng, 37, parts.rightCols(63));
  EXPECT_TRUE(whole == parts);
}

TEST(GaussianTarget, ReverseTransitionHasTheB8Moments) {
  auto target = load_target("gaussian", full_params());
  const Index n = 200000;
  const Vector y0{{0.8, -1.2, 0.4}};
  const Matrix y = y0.replicate(1, n);
  Matrix xi(3, n);
  RandomStream({5, 0}, purpose::user_first).normals(0, 0, xi);
  const RowVector u = RowVector::Zero(n);
  for (auto [tau, h] : {std::pair{1.0, 0.25}, std::pair{0.3, 0.3}, std::pair{2.0, 0.01}}) {
    Matrix out(3, n);
    target->reverse_transition(tau, h, y, xi, u, out);
    // B.8 in matrix form: mean mu_s + e^{-h} Sigma_s Sigma_tau^{-1} (y - mu_tau), s = tau - h,
    // covariance Sigma_s - e^{-2h} Sigma_s Sigma_tau^{-1} Sigma_s.
    const double s = tau - h;
    const Matrix Ss = sigma_t(full_covariance(), s), St = sigma_t(full_covariance(), tau);
    const Vector mean = std::exp(-s) * full_mean() + std::exp(-h) * Ss * St.llt().solve(y0 - std::exp(-tau) * full_mean());
    const Matrix cov = Ss - std::exp(-2.0 * h) * Ss * St.llt().solve(Ss);
    const Vector m_hat = out.rowwise().mean();
    const Matrix oc = out.colwise() - m_hat;
    const Matrix c_hat = oc * oc.transpose() / static_cast<double>(n - 1);
    // Same 5-standard-error CLT bounds as for the samples (the kernel is Gaussian).
    for (Index i = 0; i < 3; ++i) {
      EXPECT_NEAR(m_hat(i), mean(i), 5.0 * std::sqrt(cov(i, i) / n)) << "tau=" << tau << " i=" << i;
      for (Index j = 0; j <= i; ++j)
        EXPECT_NEAR(c_hat(i, j), cov(i, j), 5.0 * std::sqrt((cov(i, i) * cov(j, j) + cov(i, j) * cov(i, j)) / n))
            << "tau=" << tau << " " << i << j;
    }
  }
}

TEST(GaussianTarget, PotentialAndItsGradient) {
  auto target = load_target("gaussian", full_params());
  const Matrix x = some_points(3, 9, 8);
  RowVector u(9);
  Matrix g(3, 9), s0(3, 9);
  target->potential(x, u);
  target->potential_gradient(x, g);
  target->score(0.0, x, s0);
  const Matrix Sinv = full_covariance().inverse();
  for (Index j = 0; j < 9; ++j) {
    const Vector r = x.col(j) - full_mean();
    EXPECT_NEAR(u(j), 0.5 * r.dot(Sinv * r), 1e-12 * (1.0 + u(j)));
  }
  EXPECT_LT((g - Sinv * (x.colwise() - full_mean())).cwiseAbs().maxCoeff(), 1e-12);
  // p_0 = pi, so the score at t = 0 is -grad U.
  EXPECT_LT((g + s0).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(GaussianTarget, MomentsConstantsAndTraits) {
  auto target = load_target("gaussian", full_params());
  Vector m(3);
  Matrix c(3, 3);
  target->moments(m, c);
  EXPECT_TRUE(m == full_mean());
  EXPECT_LT((c - full_covariance()).cwiseAbs().maxCoeff(), 1e-15);
  const TargetTraits tr = target->traits();
  EXPECT_FALSE(tr.product_form);
  EXPECT_TRUE(tr.hessian_full && tr.hessian_diagonal && tr.hessian_vector_product && tr.normalized_log_density &&
              tr.potential && tr.moments && tr.exact_reverse);
  Eigen::SelfAdjointEigenSolver<Matrix> eig(full_covariance());
  const double lmin = eig.eigenvalues()(0), lmax = eig.eigenvalues()(2);
  for (const auto& k : target->constants()) {
    EXPECT_FALSE(k.doc.empty());
    if (k.name == "semiconvexity_K") EXPECT_NEAR(k.value, -1.0 / lmax, 1e-13);
    if (k.name == "smoothness_L") EXPECT_NEAR(k.value, 1.0 / lmin, 1e-12);
    if (k.name == "strong_log_concavity") EXPECT_NEAR(k.value, 1.0 / lmax, 1e-13);
  }
  EXPECT_EQ(target->constants().size(), 4u);

  Params iso;
  iso.set("dim", std::int64_t{4});
  iso.set("mean", RealList{0.5});
  iso.set("diagonal", RealList{2.0});
  EXPECT_TRUE(load_target("gaussian", iso)->traits().product_form);
  iso.set("mean", RealList{0.5, 0.5, 0.5, 0.6});
  EXPECT_FALSE(load_target("gaussian", iso)->traits().product_form);
  Params def;  // defaults: N(0, 1) in 1-D
  auto standard = load_target("gaussian", def);
  EXPECT_EQ(standard->dim(), 1);
  Vector m1(1);
  Matrix c1(1, 1);
  standard->moments(m1, c1);
  EXPECT_EQ(m1(0), 0.0);
  EXPECT_EQ(c1(0, 0), 1.0);
}

TEST(GaussianTarget, DiagonalAndIsotropicFormsMatchTheFullForm) {
  Params diag;
  diag.set("dim", std::int64_t{3});
  diag.set("mean", RealList{0.3});
  diag.set("diagonal", RealList{0.25, 1.0, 4.0});
  Params full = diag;
  Params partial;
  partial.set("dim", std::int64_t{3});
  partial.set("mean", RealList{0.3});
  partial.set("covariance", RealMatrix{{0.25, 0, 0}, {0, 1.0, 0}, {0, 0, 4.0}});
  auto a = load_target("gaussian", diag);
  auto b = load_target("gaussian", partial);
  const Matrix x = some_points(3, 8, 9);
  Matrix sa(3, 8), sb(3, 8);
  a->score(0.4, x, sa);
  b->score(0.4, x, sb);
  EXPECT_LT((sa - sb).cwiseAbs().maxCoeff(), 1e-14);
}

std::string error_of(const Params& p) {
  try {
    load_target("gaussian", p);
  } catch (const ParamValueError& e) {
    return e.key() + ": " + e.what();
  }
  return "";
}

TEST(GaussianTarget, BadParametersGiveClearErrors) {
  Params p;
  p.set("dim", std::int64_t{2});
  p.set("covariance", RealMatrix{{1.0, 2.0}, {2.0, 1.0}});  // eigenvalues 3, -1
  std::string e = error_of(p);
  EXPECT_NE(e.find("covariance"), std::string::npos) << e;
  EXPECT_NE(e.find("not positive definite"), std::string::npos) << e;

  p.set("covariance", RealMatrix{{1.0, 0.5}, {0.4, 1.0}});
  e = error_of(p);
  EXPECT_NE(e.find("must be symmetric"), std::string::npos) << e;

  p.set("covariance", RealMatrix{{1.0, 0.0, 0.0}, {0.0, 1.0, 0.0}});
  e = error_of(p);
  EXPECT_NE(e.find("row 1 has 3 entries"), std::string::npos) << e;
  p.set("covariance", RealMatrix{{1.0, 0.0}, {0.0, 1.0}, {0.0, 0.0}});
  e = error_of(p);
  EXPECT_NE(e.find("3 rows"), std::string::npos) << e;

  Params q;
  q.set("dim", std::int64_t{3});
  q.set("mean", RealList{1.0, 2.0});
  e = error_of(q);
  EXPECT_NE(e.find("mean"), std::string::npos) << e;
  EXPECT_NE(e.find("has 2 entries"), std::string::npos) << e;

  Params r;
  r.set("dim", std::int64_t{2});
  r.set("variance", 2.0);
  r.set("diagonal", RealList{1.0, 2.0});
  e = error_of(r);
  EXPECT_NE(e.find("give only one of"), std::string::npos) << e;

  Params s;
  s.set("diagonal", RealList{1.0, -2.0});
  s.set("dim", std::int64_t{2});
  e = error_of(s);
  EXPECT_NE(e.find("out of range"), std::string::npos) << e;

  Params t;
  t.set("variance", 0.0);
  EXPECT_NE(error_of(t).find("variance"), std::string::npos);
}

}  // namespace
}  // namespace sgmtk
