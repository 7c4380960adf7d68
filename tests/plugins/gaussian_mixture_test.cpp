// gaussian_mixture beyond the conformance suite: the closed forms against an independent
// long-double quadrature of p_t = pi * N(0, sigma_t^2) (MATH.md C.0), the three covariance
// schemes against each other, the symmetric tanh form of C.2, parameter errors and constants.
#include "plugin_fixture.hpp"
#include "run_sampler.hpp"

#include <sgmtk/sgmtk.hpp>

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <cmath>
#include <numbers>

namespace {

using namespace sgmtk;
using sgmtk::testing::load_target;

Params bimodal_1d() {
  Params p;
  p.set("dim", std::int64_t{1});
  p.set("weights", RealList{0.25, 0.45, 0.3});
  p.set("means", RealMatrix{{-2.0}, {0.5}, {3.0}});
  p.set("stddev", RealList{0.4, 1.0, 0.7});
  return p;
}

/// log p_t(y), d/dy log p_t, d2/dy2 log p_t by quadrature of
///   p_t(y) = int pi(x) N(y; m x, s2) dx,  p' = int pi(x) N(...) (m x - y)/s2 dx,
///   p'' = int pi(x) N(...) [((m x - y)/s2)^2 - 1/s2] dx,
/// in long double with composite 8-point Gauss-Legendre, panels of 0.002 on [-14, 14] (the
/// narrowest integrand, t = 1e-3, has width sqrt(s2)/m = 0.045: 20+ panels per width).
struct Reference {
  long double log_p, score, second;
};

Reference quadrature(double t, double y) {
  static const long double gx[8] = {-0.960289856497536231683560868569L, -0.796666477413626739591553936476L,
                                    -0.525532409916328985817739049189L, -0.183434642495649804939476142360L,
                                    0.183434642495649804939476142360L,  0.525532409916328985817739049189L,
                                    0.796666477413626739591553936476L,  0.960289856497536231683560868569L};
  static const long double gw[8] = {0.101228536290376259152531354310L, 0.222381034453374470544355994426L,
                                    0.313706645877887287337962201987L, 0.362683783378361982965150449277L,
                                    0.362683783378361982965150449277L, 0.313706645877887287337962201987L,
                                    0.222381034453374470544355994426L, 0.101228536290376259152531354310L};
  const long double w[3] = {0.25L, 0.45L, 0.3L}, mu[3] = {-2.0L, 0.5L, 3.0L}, s[3] = {0.4L, 1.0L, 0.7L};
  const long double m = expl(-(long double)t), s2 = -expm1l(-2.0L * t);
  const long double pi = 3.141592653589793238462643383279L;
  long double p0 = 0, p1 = 0, p2 = 0;
  const long double L = 14.0L, width = 0.002L;
  const long panels = std::lround(2 * L / width);
  for (long p = 0; p < panels; ++p) {
    const long double a = -L + p * width;
    for (int k = 0; k < 8; ++k) {
      const long double x = a + 0.5L * width * (1.0L + gx[k]);
      long double prior = 0;
      for (int c = 0; c < 3; ++c) prior += w[c] * expl(-0.5L * (x - mu[c]) * (x - mu[c]) / (s[c] * s[c])) / (sqrtl(2 * pi) * s[c]);
      const long double r = m * x - y;
      const long double f = 0.5L * width * gw[k] * prior * expl(-0.5L * r * r / s2) / sqrtl(2 * pi * s2);
      p0 += f;
      p1 += f * r / s2;
      p2 += f * (r * r / (s2 * s2) - 1.0L / s2);
    }
  }
  return {logl(p0), p1 / p0, p2 / p0 - (p1 / p0) * (p1 / p0)};
}

TEST(GaussianMixture, ClosedFormsMatchIndependentQuadrature) {
  auto target = load_target("gaussian_mixture", bimodal_1d());
  for (double t : {1e-3, 1e-2, 0.1, 1.0, 10.0}) {
    Matrix y(1, 9);
    y << -3.5, -2.0, -1.1, -0.2, 0.4, 1.3, 2.2, 3.0, 4.5;
    y *= std::exp(-t);  // stay where p_t has its mass
    Matrix s(1, 9), h(1, 9), lp(1, 9);
    ScoreQuery q;
    q.times = t;
    q.x = y;
    q.score = s;
    q.hessian = HessianForm::diagonal;
    q.hessian_out = h;
    q.log_density = lp;
    target->evaluate(q);
    for (Index j = 0; j < 9; ++j) {
      const Reference r = quadrature(t, y(0, j));
      // 1e-8 relative (with a 1e-8 absolute floor where the value crosses zero).
      EXPECT_NEAR(s(0, j), double(r.score), 1e-8 * (1e-0 + std::abs(double(r.score)))) << "t=" << t << " y=" << y(0, j);
      EXPECT_NEAR(h(0, j), double(r.second), 1e-8 * (1.0 + std::abs(double(r.second)))) << "t=" << t << " y=" << y(0, j);
      EXPECT_NEAR(lp(0, j), double(r.log_p), 1e-8 * (1.0 + std::abs(double(r.log_p)))) << "t=" << t << " y=" << y(0, j);
    }
  }
}

/// One 3-D mixture written three ways: isotropic stddev, diagonal variances, full covariances.
TEST(GaussianMixture, CovarianceSchemesAgree) {
  Params base;
  base.set("dim", std::int64_t{3});
  base.set("weights", RealList{0.6, 0.4});
  base.set("means", RealMatrix{{1.0, 0.0, -1.0}, {-0.5}});
  Params iso = base, diag = base, full = base;
  iso.set("stddev", RealList{0.8, 1.3});
  diag.set("variances", RealMatrix{{0.64}, {1.69, 1.69, 1.69}});
  RealMatrix cov;
  for (double v : {0.64, 1.69})
    for (int i = 0; i < 3; ++i) {
      RealList row(3, 0.0);
      row[static_cast<std::size_t>(i)] = v;
      cov.push_back(row);
    }
  full.set("covariances", cov);
  auto a = load_target("gaussian_mixture", iso);
  auto b = load_target("gaussian_mixture", diag);
  auto c = load_target("gaussian_mixture", full);
  Matrix x(3, 7);
  RandomStream({1, 0}, purpose::user_first).normals(0, 0, x);
  x *= 1.7;
  for (HessianForm form : {HessianForm::diagonal, HessianForm::vector_product, HessianForm::full}) {
    const Index rows = form == HessianForm::full ? 9 : 3;
    Matrix s[3], h[3], lp[3];
    const Matrix dir = x.reverse();
    int i = 0;
    for (const auto* t : {&a, &b, &c}) {
      s[i].resize(3, 7);
      h[i].resize(rows, 7);
      lp[i].resize(1, 7);
      ScoreQuery q;
      q.times = 0.3;
      q.x = x;
      q.score = s[i];
      q.hessian = form;
      q.hessian_out = h[i];
      q.direction = dir;
      q.log_density = lp[i];
      (*t)->evaluate(q);
      ++i;
    }
    for (int k = 1; k < 3; ++k) {
      EXPECT_LT((s[k] - s[0]).cwiseAbs().maxCoeff(), 1e-12) << to_string(form);
      EXPECT_LT((h[k] - h[0]).cwiseAbs().maxCoeff(), 1e-12) << to_string(form);
      EXPECT_LT((lp[k] - lp[0]).cwiseAbs().maxCoeff(), 1e-12) << to_string(form);
    }
  }
}

// MATH.md C.2: for 1/2 N(+-mu, s^2 I), score = -y/v + (m/v) tanh(m <y, mu>/v) mu.
TEST(GaussianMixture, SymmetricPairMatchesTanhForm) {
  Params p;
  p.set("dim", std::int64_t{3});
  p.set("weights", RealList{0.5, 0.5});
  p.set("means", RealMatrix{{1.0, -2.0, 0.5}, {-1.0, 2.0, -0.5}});
  p.set("stddev", RealList{0.7});
  auto target = load_target("gaussian_mixture", p);
  const Vector mu = (Vector(3) << 1.0, -2.0, 0.5).finished();
  Matrix x(3, 20);
  RandomStream({2, 0}, purpose::user_first).normals(0, 0, x);
  for (double t : {0.01, 0.4, 3.0}) {
    Matrix s(3, 20);
    target->score(t, x, s);
    const double m = std::exp(-t), v = 1.0 + std::exp(-2.0 * t) * (0.49 - 1.0);
    for (Index j = 0; j < 20; ++j) {
      const Vector expect = -x.col(j) / v + (m / v) * std::tanh(m * x.col(j).dot(mu) / v) * mu;
      EXPECT_LT((s.col(j) - expect).cwiseAbs().maxCoeff(), 1e-12 * (1.0 + expect.norm()));
    }
  }
}

TEST(GaussianMixture, RejectsBadParameters) {
  Params p = bimodal_1d();
  p.set("weights", RealList{0.25, 0.45, 0.29});
  EXPECT_THROW(load_target("gaussian_mixture", p), ParamValueError);
  try {
    load_target("gaussian_mixture", p);
  } catch (const ParamValueError& e) {
    EXPECT_EQ(e.key(), "weights");
    EXPECT_NE(std::string(e.what()).find("sum"), std::string::npos) << e.what();
  }
  p = bimodal_1d();
  p.set("weights", RealList{0.3, -0.1, 0.8});
  EXPECT_THROW(load_target("gaussian_mixture", p), ParamValueError);
  p = bimodal_1d();
  p.set("means", RealMatrix{{0.0}, {1.0}});
  EXPECT_THROW(load_target("gaussian_mixture", p), ParamValueError);
  p = bimodal_1d();
  p.set("variances", RealMatrix{{1.0}});
  EXPECT_THROW(load_target("gaussian_mixture", p), ParamValueError);  // stddev and variances
  p = bimodal_1d();
  p.set("dim", std::int64_t{2});
  p.set("means", RealMatrix{{0.0, 1.0, 2.0}, {1.0}, {2.0}});
  EXPECT_THROW(load_target("gaussian_mixture", p), ParamValueError);
  Params f;
  f.set("dim", std::int64_t{2});
  f.set("covariances", RealMatrix{{1.0, 2.0}, {2.0, 1.0}});  // eigenvalues 3, -1
  EXPECT_THROW(load_target("gaussian_mixture", f), ParamValueError);
}

// MATH.md C.2/C.6 for 1/2 N(+-mu, I): K = |mu|^2 - 1, (alpha, M) = (1, |mu|^2), L = 1.
TEST(GaussianMixture, ConstantsOfTheSymmetricPair) {
  Params p;
  p.set("dim", std::int64_t{2});
  p.set("means", RealMatrix{{1.5, 0.0}, {-1.5, 0.0}});
  auto target = load_target("gaussian_mixture", p);
  const auto constants = target->constants();
  auto value = [&](const std::string& name) {
    for (const auto& c : constants)
      if (c.name == name) return c.value;
    ADD_FAILURE() << "no constant " << name;
    return std::nan("");
  };
  EXPECT_NEAR(value("semiconvexity_K"), 1.25, 1e-14);
  EXPECT_NEAR(value("weak_log_concavity_alpha"), 1.0, 1e-14);
  EXPECT_NEAR(value("weak_log_concavity_M"), 2.25, 1e-14);
  EXPECT_NEAR(value("upper_L"), 1.0, 1e-14);
  EXPECT_NEAR(value("diameter_D"), 3.0, 1e-14);
  for (const auto& c : constants)
    if (c.name != "diameter_D") EXPECT_NE(c.doc.find("derived here"), std::string::npos) << c.name;
}

// Potential = -log pi and its gradient = -score at t = 0, checked against the formula directly.
TEST(GaussianMixture, PotentialIsMinusLogDensity) {
  auto target = load_target("gaussian_mixture", bimodal_1d());
  Matrix x(1, 5);
  x << -2.5, -0.3, 0.0, 1.7, 3.3;
  RowVector u(5);
  Matrix g(1, 5);
  target->potential(x, u);
  target->potential_gradient(x, g);
  const double w[3] = {0.25, 0.45, 0.3}, mu[3] = {-2.0, 0.5, 3.0}, s[3] = {0.4, 1.0, 0.7};
  for (Index j = 0; j < 5; ++j) {
    double p = 0.0, dp = 0.0;
    for (int c = 0; c < 3; ++c) {
      const double f = w[c] * std::exp(-0.5 * std::pow((x(0, j) - mu[c]) / s[c], 2)) / (std::sqrt(2 * std::numbers::pi) * s[c]);
      p += f;
      dp += -f * (x(0, j) - mu[c]) / (s[c] * s[c]);
    }
    EXPECT_NEAR(u(j), -std::log(p), 1e-12 * (1.0 + std::abs(std::log(p))));
    EXPECT_NEAR(g(0, j), -dp / p, 1e-12 * (1.0 + std::abs(dp / p)));
  }
}

/// An isotropic mixture with K components in dimension d: unequal stddevs, one weight 0 (a
/// component with logit -inf) when K > 2, means spread so that some responsibilities underflow.
Params spread_mixture(Index d, Index K) {
  Matrix dirs(d, K);
  RandomStream({5, 1}, purpose::user_first).normals(0, 0, dirs);
  RealMatrix means;
  RealList stddev, weights;
  for (Index k = 0; k < K; ++k) {
    const Vector m = (1.0 + double(k % 5)) * dirs.col(k);
    means.emplace_back(m.data(), m.data() + m.size());
    stddev.push_back(0.2 + 0.15 * double(k % 7));
    weights.push_back(K > 2 && k == 1 ? 0.0 : 1.0 + double(k % 3));
  }
  double total = 0.0;
  for (double w : weights) total += w;
  for (double& w : weights) w /= total;
  Params p;
  p.set("dim", std::int64_t{d});
  p.set("weights", weights);
  p.set("means", means);
  p.set("stddev", stddev);
  return p;
}

// The samplers' query (score alone, one time per block) runs the SIMD kernels of
// isotropic_kernel.cpp. A particle's score must be the same bits whatever block it is in and
// whichever copy (AVX2, AVX-512) runs, and agree with the general isotropic path (taken when
// the log density is asked for too) to rounding.
TEST(GaussianMixture, IsotropicScoreKernelIsBlockAndSimdInvariant) {
  const bool wide_before = simd_wide_enabled();
  for (Index d : {Index{1}, Index{3}, Index{10}, Index{37}}) {
    for (Index K : {Index{1}, Index{3}, Index{8}, Index{16}, Index{21}}) {
      auto target = load_target("gaussian_mixture", spread_mixture(d, K));
      const Index n = 203;
      Matrix x(d, n);
      RandomStream({6, 2}, purpose::user_first).normals(0, 0, x);
      x *= 2.5;
      x.col(7).setConstant(40.0);  // far out: every responsibility but one underflows
      for (double t : {1e-3, 0.3, 4.0}) {
        Matrix all[2];
        for (int wide = 0; wide < 2; ++wide) {
          if (wide == 1 && !simd_wide_available()) {
            all[1] = all[0];
            continue;
          }
          set_simd_wide_enabled(wide == 1);
          all[wide].resize(d, n);
          target->score(t, x, all[wide]);
          for (Index first : {Index{0}, Index{1}, Index{6}, Index{100}}) {
            for (Index count : {Index{1}, Index{5}, Index{9}, Index{64}}) {
              Matrix part(d, count);
              target->score(t, x.middleCols(first, count), part);
              ASSERT_TRUE(part == all[wide].middleCols(first, count))
                  << "d " << d << " K " << K << " t " << t << " first " << first << " count " << count
                  << " wide " << wide;
            }
          }
        }
        set_simd_wide_enabled(wide_before);
        EXPECT_TRUE(all[0] == all[1]) << "AVX2 and AVX-512 copies differ: d " << d << " K " << K << " t " << t;
        EXPECT_TRUE(all[0].allFinite());
        // Against the chunked GEMM path (score with the log density).
        Matrix s(d, n), lp(1, n);
        ScoreQuery q;
        q.times = t;
        q.x = x;
        q.score = s;
        q.log_density = lp;
        target->evaluate(q);
        for (Index j = 0; j < n; ++j) {
          EXPECT_LT((s.col(j) - all[0].col(j)).cwiseAbs().maxCoeff(), 1e-12 * (1.0 + s.col(j).norm()))
              << "d " << d << " K " << K << " t " << t << " j " << j;
        }
      }
    }
  }
  set_simd_wide_enabled(wide_before);
}

// Euler-Maruyama on an isotropic mixture (the bench_em_gmm workload, small): the whole run is
// the same bits for any block size, one or two threads, and either SIMD copy (the sampler
// draws its increments a slice at a time; the score kernel runs on particles in lanes).
TEST(GaussianMixture, EulerMaruyamaRunIsBitwiseReproducible) {
  for (Index d : {Index{10}, Index{100}}) {  // d = 100: blocks scored in chunks of 64
    auto target = load_target("gaussian_mixture", spread_mixture(d, 8));
    auto em = sgmtk::testing::load_sampler("euler_maruyama");
    const TimeGrid grid(Schedule::uniform, 3.0, 0.01, 12);
    const RandomKey key{31, 4};
    const BrownianPath path(key, grid);
    const ScoreModel score(*target, ScoreError{}, key);
    const Index n = 1001;
    auto run = [&](Index block) {
      Matrix y = sgmtk::testing::initial_state(*target, grid, key, n, sgmtk::testing::Start::gaussian);
      sgmtk::testing::run_sampler(*em, score, grid, path, y, block);
      return y;
    };
    const bool wide_before = simd_wide_enabled();
    Matrix reference;
    {
      tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
      reference = run(512);
      EXPECT_TRUE(reference.allFinite()) << "d " << d;
      EXPECT_TRUE(run(1) == reference);
      EXPECT_TRUE(run(37) == reference);
      set_simd_wide_enabled(!wide_before);
      EXPECT_TRUE(run(512) == reference) << "SIMD copies differ";
      EXPECT_TRUE(run(100) == reference) << "SIMD copies differ";
      set_simd_wide_enabled(wide_before);
    }
    {
      tbb::global_control two(tbb::global_control::max_allowed_parallelism, 2);
      EXPECT_TRUE(run(64) == reference);
      EXPECT_TRUE(run(512) == reference);
    }
  }
}

// One Euler-Maruyama step is MATH.md B.1's formula with the path's increment, bit for bit: the
// sampler draws the path's normals and applies their scale sqrt(h) inside the update
// (BrownianPath::increment_normals), which must round exactly like increment()'s own scaling.
// Dimensions with and without a masked tail in the 8-lane update, and one (d = 100) where the
// block is scored in chunks; both SIMD copies.
TEST(GaussianMixture, EulerMaruyamaStepIsTheFormula) {
  auto em = sgmtk::testing::load_sampler("euler_maruyama");
  const TimeGrid grid(Schedule::uniform, 3.0, 0.01, 12);
  const RandomKey key{32, 1};
  const BrownianPath path(key, grid);
  const bool wide_before = simd_wide_enabled();
  for (Index d : {Index{13}, Index{16}, Index{100}}) {
    auto target = load_target("gaussian_mixture", spread_mixture(d, 5));
    const ScoreModel score(*target, ScoreError{}, key);
    const Index n = 150, first = 5, k = 3;  // at d = 100: score chunks of 64, 64, 22
    const Matrix y0 = sgmtk::testing::initial_state(*target, grid, key, n, sgmtk::testing::Start::gaussian);
    Matrix s(d, n), dw(d, n), expect(d, n);
    score.score(grid.tau(k), y0, s);
    path.increment(grid, k, first, dw);
    const double h = grid.h(k);
    for (Index j = 0; j < n; ++j) {
      for (Index i = 0; i < d; ++i) {
        volatile double drift = h * (y0(i, j) + 2.0 * s(i, j));  // no fused multiply-add here
        volatile double noise = std::sqrt(2.0) * dw(i, j);
        expect(i, j) = y0(i, j) + (drift + noise);
      }
    }
    for (bool wide : {false, true}) {
      set_simd_wide_enabled(wide);
      Matrix y = y0;
      Scratch scratch;
      const StepContext ctx{score, grid, path, first, scratch};
      em->step(ctx, k, y);
      EXPECT_TRUE(y == expect) << "d " << d << " wide " << wide;
    }
    set_simd_wide_enabled(wide_before);
  }
}

}  // namespace
