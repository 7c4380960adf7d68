// The controlled score error (MATH.md B.9, score_model.hpp): the bias adds eps v with |v| = 1, the
// relative error adds eps (x - m_t mean(pi)) and shifts every Hessian form by eps I; with no error
// the model is the target's exact score. The exact score comes from the gaussian plugin.
#include "plugin_fixture.hpp"

#include <sgmtk/sgmtk.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace sgmtk {
namespace {

testing::Loaded<Target> target3() {
  Params p;
  p.set("dim", std::int64_t{3});
  p.set("mean", RealList{1.0, -2.0, 0.5});
  p.set("covariance", RealMatrix{{2.0, 0.6, 0.3}, {0.6, 1.0, -0.2}, {0.3, -0.2, 0.5}});
  return testing::load_target("gaussian", p);
}

Matrix points(Index n) {
  Matrix x(3, n);
  RandomStream({4, 4}, purpose::user_first).normals(0, 0, x);
  return x;
}

TEST(ScoreModel, NoErrorIsTheExactScore) {
  auto t = target3();
  const Matrix x = points(10);
  Matrix exact(3, 10), s(3, 10);
  t->score(0.3, x, exact);
  for (auto err : {ScoreError{}, ScoreError{ScoreErrorKind::bias, 0.0, {}}, ScoreError{ScoreErrorKind::relative, 0.0, {}}}) {
    const ScoreModel model(*t, err, {1, 1});
    EXPECT_EQ(model.error().kind, ScoreErrorKind::none);
    model.score(0.3, x, s);
    EXPECT_TRUE(s == exact);
  }
}

TEST(ScoreModel, BiasAddsEpsTimesAUnitDirection) {
  auto t = target3();
  const Matrix x = points(10);
  Matrix exact(3, 10), s(3, 10);
  t->score(0.7, x, exact);
  // Given direction: normalized, then eps v added to every particle.
  const ScoreModel given(*t, {ScoreErrorKind::bias, 0.2, Vector{{3.0, 0.0, 4.0}}}, {1, 1});
  given.score(0.7, x, s);
  const Vector v{{0.6, 0.0, 0.8}};
  EXPECT_LT(((s - exact).colwise() - 0.2 * v).cwiseAbs().maxCoeff(), 1e-15);
  // Drawn direction: unit norm (so E|e|^2 = eps^2), fixed by the key, the same for all particles.
  const ScoreModel a(*t, {ScoreErrorKind::bias, 0.5, {}}, {7, 0});
  const ScoreModel b(*t, {ScoreErrorKind::bias, 0.5, {}}, {7, 0});
  const ScoreModel c(*t, {ScoreErrorKind::bias, 0.5, {}}, {8, 0});
  EXPECT_NEAR(a.error().direction.norm(), 1.0, 1e-15);
  EXPECT_TRUE(a.error().direction == b.error().direction);
  EXPECT_FALSE(a.error().direction == c.error().direction);
  a.score(0.7, x, s);
  for (Index j = 0; j < 10; ++j) EXPECT_NEAR((s.col(j) - exact.col(j)).norm(), 0.5, 1e-14);
  // The bias does not touch the Hessian (its Jacobian is 0).
  Matrix h_exact(9, 10), h(9, 10);
  ScoreQuery q;
  q.times = 0.7;
  q.x = x;
  q.hessian = HessianForm::full;
  q.hessian_out = h_exact;
  t->evaluate(q);
  q.hessian_out = h;
  a.evaluate(q);
  EXPECT_TRUE(h == h_exact);
  // Wrong length of a given direction.
  EXPECT_THROW(ScoreModel(*t, {ScoreErrorKind::bias, 0.1, Vector::Ones(2)}, {1, 1}), ParamError);
}

TEST(ScoreModel, RelativeErrorAddsEpsTimesDeviationFromTheMeanAtPerParticleTimes) {
  auto t = target3();
  const Index n = 5;
  const Matrix x = points(n);
  const double eps = 0.3;
  const ScoreModel model(*t, {ScoreErrorKind::relative, eps, {}}, {1, 1});
  const Vector mean{{1.0, -2.0, 0.5}};
  const double times[n] = {0.01, 0.2, 0.2, 1.0, 3.0};
  Matrix s(3, n);
  model.score(times, x, s);
  for (Index j = 0; j < n; ++j) {
    Matrix exact(3, 1);
    t->score(times[j], x.col(j), exact);
    // e = eps (x - E[X_t]), E[X_t] = e^{-t} mean(pi)   (MATH.md B.9)
    const Vector expected = exact.col(0) + eps * (x.col(j) - std::exp(-times[j]) * mean);
    EXPECT_LT((s.col(j) - expected).cwiseAbs().maxCoeff(), 1e-14) << j;
  }
  // Shared time through the other overload gives the same as per-particle equal times.
  Matrix s_shared(3, n), s_pp(3, n);
  const double same[n] = {0.4, 0.4, 0.4, 0.4, 0.4};
  model.score(0.4, x, s_shared);
  model.score(same, x, s_pp);
  EXPECT_LT((s_shared - s_pp).cwiseAbs().maxCoeff(), 1e-15);
}

TEST(ScoreModel, RelativeErrorShiftsEveryHessianFormByEpsIdentity) {
  auto t = target3();
  const Index n = 4;
  const Matrix x = points(n);
  Matrix v(3, n);
  RandomStream({5, 5}, purpose::user_first).normals(0, 0, v);
  const double eps = -0.25;
  const ScoreModel model(*t, {ScoreErrorKind::relative, eps, {}}, {1, 1});
  for (HessianForm form : {HessianForm::diagonal, HessianForm::full, HessianForm::vector_product}) {
    const Index rows = form == HessianForm::full ? 9 : 3;
    Matrix exact(rows, n), shifted(rows, n);
    ScoreQuery q;
    q.times = 0.5;
    q.x = x;
    q.hessian = form;
    q.direction = v;
    q.hessian_out = exact;
    t->evaluate(q);
    q.hessian_out = shifted;
    model.evaluate(q);
    Matrix expected = exact;
    if (form == HessianForm::diagonal) expected.array() += eps;
    if (form == HessianForm::full)
      for (Index i = 0; i < 3; ++i) expected.row(4 * i).array() += eps;  // (i, i) at i * d + i
    if (form == HessianForm::vector_product) expected += eps * v;
    EXPECT_LT((shifted - expected).cwiseAbs().maxCoeff(), 1e-15) << to_string(form);
  }
}

class NoMoments final : public Target {
 public:
  Index dim() const override { return 1; }
  TargetTraits traits() const override { return {}; }
  void sample(const RandomStream&, Index, Block) const override {}
  void evaluate(const ScoreQuery&) const override {}
};

TEST(ScoreModel, RelativeErrorNeedsTheTargetsMoments) {
  const NoMoments t;
  EXPECT_THROW(ScoreModel(t, {ScoreErrorKind::relative, 0.1, {}}, {1, 1}), UnsupportedError);
  EXPECT_NO_THROW(ScoreModel(t, {ScoreErrorKind::bias, 0.1, {}}, {1, 1}));
}

TEST(ScoreModel, KindNames) {
  EXPECT_EQ(parse_score_error_kind("bias"), ScoreErrorKind::bias);
  EXPECT_EQ(parse_score_error_kind("relative"), ScoreErrorKind::relative);
  EXPECT_EQ(parse_score_error_kind("none"), ScoreErrorKind::none);
  EXPECT_STREQ(to_string(ScoreErrorKind::relative), "relative");
  EXPECT_THROW(parse_score_error_kind("absolute"), ParamError);
}

}  // namespace
}  // namespace sgmtk
