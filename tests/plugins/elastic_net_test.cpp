// elastic_net and its numerics: erfcx against long-double references, the closed-form p_t of
// MATH.md C.3 against an independent long-double quadrature, and the C.0 known answers.
#include "../../plugins/potentials/shared_numerics/erfcx.hpp"
#include "plugin_fixture.hpp"

#include <sgmtk/sgmtk.hpp>

#include <gtest/gtest.h>

#include <cmath>

namespace {

using namespace sgmtk;
using sgmtk::testing::load_target;

const long double gl_x[8] = {-0.960289856497536231683560868569L, -0.796666477413626739591553936476L,
                             -0.525532409916328985817739049189L, -0.183434642495649804939476142360L,
                             0.183434642495649804939476142360L,  0.525532409916328985817739049189L,
                             0.796666477413626739591553936476L,  0.960289856497536231683560868569L};
const long double gl_w[8] = {0.101228536290376259152531354310L, 0.222381034453374470544355994426L,
                             0.313706645877887287337962201987L, 0.362683783378361982965150449277L,
                             0.362683783378361982965150449277L, 0.313706645877887287337962201987L,
                             0.222381034453374470544355994426L, 0.101228536290376259152531354310L};
const long double pi_l = 3.141592653589793238462643383279502884L;

/// erfcx(x) = (2/sqrt(pi)) int_0^inf exp(-u^2 - 2 x u) du for x >= 0 (substitute s = x + u in
/// erfc), by composite 8-point Gauss-Legendre in long double over [0, U], U where the integrand
/// is below e^-45 relative; erfcx(x) = 2 exp(x^2) - erfcx(-x) for x < 0.
long double erfcx_reference(long double x) {
  if (x < 0) return 2.0L * expl(x * x) - erfcx_reference(-x);
  const long double U = x < 3.0L ? 7.0L : 45.0L / (2.0L * x);
  const int panels = 400;
  const long double w = U / panels;
  long double s = 0;
  for (int p = 0; p < panels; ++p)
    for (int k = 0; k < 8; ++k) {
      const long double u = (p + 0.5L) * w + 0.5L * w * gl_x[k];
      s += 0.5L * w * gl_w[k] * expl(-u * u - 2.0L * x * u);
    }
  return 2.0L / sqrtl(pi_l) * s;
}

TEST(Erfcx, MatchesLongDoubleQuadrature) {
  for (double x : {-26.0, -10.0, -3.0, -1.0, -0.3, -1e-9, 0.0, 1e-8, 0.1, 0.5, 1.0, 2.0, 3.5, 5.0, 10.0, 12.0,
                   24.9, 25.0, 25.1, 30.0, 100.0, 1e4, 1e9}) {
    const long double ref = erfcx_reference(x);
    const double got = numerics::erfcx(x);
    EXPECT_LE(std::abs((long double)got - ref) / ref, 1e-14L) << "x = " << x;
    // Second reference where long double's own erfc does not underflow.
    if (x > -26.0 && x < 100.0) {
      const long double ref2 = expl((long double)x * x) * erfcl(x);
      EXPECT_LE(std::abs((long double)got - ref2) / ref2, 1e-14L) << "x = " << x;
    }
  }
  // Known value: erfcx(1) = e erfc(1) = 0.42758357615580700441...
  EXPECT_NEAR(numerics::erfcx(1.0), 0.42758357615580700441, 1e-16);
  EXPECT_TRUE(std::isinf(numerics::erfcx(-27.0)));
}

TEST(Erfcx, NormalTailsInLogSpace) {
  for (double z : {-60.0, -40.0, -10.0, -2.0, 0.0, 1.0, 5.0, 9.0}) {
    const long double ref = logl(0.5L * erfcl(-(long double)z / sqrtl(2.0L)));
    EXPECT_NEAR(numerics::log_normal_cdf(z), double(ref), 1e-14 * (1.0 + std::abs(double(ref)))) << "z = " << z;
    const long double mills = expl(-0.5L * z * z) / sqrtl(2 * pi_l) / (0.5L * erfcl(-(long double)z / sqrtl(2.0L)));
    EXPECT_NEAR(numerics::inverse_mills(z), double(mills), 1e-13 * (1.0 + double(mills))) << "z = " << z;
  }
}

struct Reference {
  long double log_p, score, second;
};

/// p_t(y) = int pi(x) N(y; m x, s2) dx with pi ∝ exp(-a|x| - b x^2/2), its first two
/// y-derivatives, and the normalizer, by composite Gauss-Legendre in long double with a panel
/// edge at the kink x = 0 and panels of 0.002 on [-16, 16] (>= 20 per likelihood width at
/// t = 1e-3).
Reference quadrature(long double a, long double b, double t, double y) {
  const long double m = expl(-(long double)t), s2 = -expm1l(-2.0L * t);
  long double z = 0, p0 = 0, p1 = 0, p2 = 0;
  const long double width = 0.002L;
  for (long p = -8000; p < 8000; ++p) {
    for (int k = 0; k < 8; ++k) {
      const long double x = (p + 0.5L) * width + 0.5L * width * gl_x[k];
      const long double prior = expl(-a * fabsl(x) - 0.5L * b * x * x) * 0.5L * width * gl_w[k];
      const long double r = m * x - y;
      const long double f = prior * expl(-0.5L * r * r / s2) / sqrtl(2 * pi_l * s2);
      z += prior;
      p0 += f;
      p1 += f * r / s2;
      p2 += f * (r * r / (s2 * s2) - 1.0L / s2);
    }
  }
  return {logl(p0 / z), p1 / p0, p2 / p0 - (p1 / p0) * (p1 / p0)};
}

TEST(ElasticNet, ClosedFormsMatchIndependentQuadrature) {
  for (auto [a, b] : {std::pair{2.0, 1.0}, std::pair{-1.5, 1.0}, std::pair{0.5, 3.0}}) {
    Params p;
    p.set("dim", std::int64_t{1});
    p.set("a", a);
    p.set("b", b);
    auto target = load_target("elastic_net", p);
    for (double t : {1e-3, 1e-2, 0.1, 1.0, 10.0}) {
      Matrix y(1, 9);
      y << -3.0, -1.2, -0.4, -0.05, 0.0, 0.02, 0.3, 1.0, 2.5;
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
        const Reference r = quadrature(a, b, t, y(0, j));
        // <= 1e-8 relative (absolute 1e-8 floor where a value crosses zero, e.g. the score at y = 0).
        EXPECT_NEAR(s(0, j), double(r.score), 1e-8 * (1.0 + std::abs(double(r.score))))
            << "a=" << a << " t=" << t << " y=" << y(0, j);
        EXPECT_NEAR(h(0, j), double(r.second), 1e-8 * (1.0 + std::abs(double(r.second))))
            << "a=" << a << " t=" << t << " y=" << y(0, j);
        EXPECT_NEAR(lp(0, j), double(r.log_p), 1e-8 * (1.0 + std::abs(double(r.log_p))))
            << "a=" << a << " t=" << t << " y=" << y(0, j);
      }
    }
  }
}

// MATH.md C.0: at y = 0, t = 1e-3 the second derivative is -35.2 for (a, b) = (2, 1) (convex
// kink) and +26.6 for (-1.5, 1) (concave kink), quoted to three digits.
TEST(ElasticNet, KinkSpikeKnownAnswers) {
  for (auto [a, expected] : {std::pair{2.0, -35.2}, std::pair{-1.5, 26.6}}) {
    Params p;
    p.set("dim", std::int64_t{1});
    p.set("a", a);
    p.set("b", 1.0);
    auto target = load_target("elastic_net", p);
    Matrix y = Matrix::Zero(1, 1), h(1, 1);
    ScoreQuery q;
    q.times = 1e-3;
    q.x = y;
    q.hessian = HessianForm::diagonal;
    q.hessian_out = h;
    target->evaluate(q);
    EXPECT_NEAR(h(0, 0), expected, 0.05) << "a = " << a;
  }
}

TEST(ElasticNet, PotentialAndSubgradient) {
  Params p;
  p.set("dim", std::int64_t{3});
  p.set("a", 2.0);
  p.set("b", 0.5);
  auto target = load_target("elastic_net", p);
  Matrix x(3, 2);
  x << 1.0, 0.0, -2.0, 0.5, 0.0, -1.0;
  RowVector u(2);
  Matrix g(3, 2);
  target->potential(x, u);
  target->potential_gradient(x, g);
  EXPECT_DOUBLE_EQ(u(0), 2.0 * 3.0 + 0.25 * 5.0);
  EXPECT_DOUBLE_EQ(u(1), 2.0 * 1.5 + 0.25 * 1.25);
  EXPECT_DOUBLE_EQ(g(0, 0), 2.5);
  EXPECT_DOUBLE_EQ(g(1, 0), -3.0);
  EXPECT_DOUBLE_EQ(g(2, 0), 0.0);  // sign(0) = 0
  EXPECT_DOUBLE_EQ(g(0, 1), 0.0);
}

}  // namespace
