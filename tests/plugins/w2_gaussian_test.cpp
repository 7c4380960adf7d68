// The w2_gaussian metric against the closed-form Bures distance (MATH.md E.3), on particle clouds
// whose sample mean and covariance are known exactly (random points, whitened, then coloured).
#include "plugin_fixture.hpp"

#include <sgmtk/sgmtk.hpp>

#include <gtest/gtest.h>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>

#include <cmath>
#include <string>

namespace sgmtk {
namespace {

// n points whose sample mean is exactly m and unbiased sample covariance exactly C (to rounding).
Matrix cloud_with_moments(const Vector& m, const Matrix& c, Index n, std::uint32_t seed) {
  const Index d = m.size();
  Matrix z(d, n);
  RandomStream({seed, 0}, purpose::user_first).normals(0, 0, z);
  z = z.colwise() - z.rowwise().mean();
  const Matrix cov = z * z.transpose() / static_cast<double>(n - 1);
  const Matrix white = cov.llt().matrixL().solve(z);  // sample covariance I
  const Matrix colour = c.llt().matrixL();
  return (colour * white).colwise() + m;
}

testing::Loaded<Target> gaussian(const Vector& m, const Matrix& c) {
  Params p;
  p.set("dim", static_cast<std::int64_t>(m.size()));
  p.set("mean", RealList(m.data(), m.data() + m.size()));
  RealMatrix rows(static_cast<std::size_t>(c.rows()));
  for (Index i = 0; i < c.rows(); ++i)
    for (Index j = 0; j < c.cols(); ++j) rows[static_cast<std::size_t>(i)].push_back(c(i, j));
  p.set("covariance", rows);
  return testing::load_target("gaussian", p);
}

// Bures with the roles of C1 and C2 swapped relative to the plugin (C1^{1/2} C2 C1^{1/2}), using
// Eigen's operatorSqrt: an independent evaluation of the same quantity.
double bures_reference(const Vector& m1, const Matrix& c1, const Vector& m2, const Matrix& c2) {
  const Matrix r1 = Eigen::SelfAdjointEigenSolver<Matrix>(c1).operatorSqrt();
  const Matrix inner = r1 * c2 * r1;
  const Matrix cross = Eigen::SelfAdjointEigenSolver<Matrix>(inner).operatorSqrt();
  return std::sqrt((m1 - m2).squaredNorm() + c1.trace() + c2.trace() - 2.0 * cross.trace());
}

MetricValue w2(const Matrix& samples, const Target& target) {
  auto metric = testing::load_metric("w2_gaussian");
  MetricInput in;
  in.samples = samples;
  in.target = &target;
  return metric->compute(in);
}

double detail(const MetricValue& v, const std::string& name) {
  for (const auto& [k, x] : v.details)
    if (k == name) return x;
  ADD_FAILURE() << "no detail " << name;
  return NAN;
}

Matrix full_cov_a() {
  Matrix c(3, 3);
  c << 2.0, 0.6, 0.3, 0.6, 1.0, -0.2, 0.3, -0.2, 0.5;
  return c;
}
Matrix full_cov_b() {
  Matrix c(3, 3);
  c << 0.7, -0.3, 0.1, -0.3, 1.5, 0.4, 0.1, 0.4, 0.9;
  return c;
}

TEST(W2Gaussian, OneDimensionalClosedForm) {
  const Vector m1{{-0.2}}, m2{{0.3}};
  const Matrix c1{{0.5}}, c2{{2.0}};
  auto target = gaussian(m2, c2);
  const MetricValue v = w2(cloud_with_moments(m1, c1, 1000, 1), *target);
  // W2^2 = (m1 - m2)^2 + (s1 - s2)^2 in 1-D.
  const double expected = std::hypot(0.5, std::sqrt(2.0) - std::sqrt(0.5));
  EXPECT_NEAR(v.value, expected, 1e-12);
  EXPECT_NEAR(detail(v, "mean_error"), 0.5, 1e-12);
  EXPECT_NEAR(detail(v, "covariance_term"), std::sqrt(2.0) - std::sqrt(0.5), 1e-12);
  EXPECT_FALSE(v.squared);
}

TEST(W2Gaussian, CommutingCovariances) {
  const Vector m1{{1.0, 0.0, 0.0}}, m2 = Vector::Zero(3);
  const Matrix c1 = Matrix::Identity(3, 3);
  const Matrix c2 = Vector{{0.25, 1.0, 4.0}}.asDiagonal();
  auto target = gaussian(m2, c2);
  const MetricValue v = w2(cloud_with_moments(m1, c1, 2000, 2), *target);
  // sum (sqrt c1_i - sqrt c2_i)^2 = 0.25 + 0 + 1
  EXPECT_NEAR(v.value, std::sqrt(1.0 + 1.25), 1e-12);
  EXPECT_NEAR(detail(v, "covariance_term"), std::sqrt(1.25), 1e-12);
}

TEST(W2Gaussian, FullCovariancesAndSymmetry) {
  const Vector m1{{0.1, 0.2, -0.3}}, m2{{1.0, -0.5, 0.25}};
  const Matrix c1 = full_cov_b(), c2 = full_cov_a();
  const double expected = bures_reference(m1, c1, m2, c2);
  auto t2 = gaussian(m2, c2);
  auto t1 = gaussian(m1, c1);
  const MetricValue forward = w2(cloud_with_moments(m1, c1, 3000, 3), *t2);
  const MetricValue backward = w2(cloud_with_moments(m2, c2, 3000, 4), *t1);
  EXPECT_NEAR(forward.value, expected, 1e-10);
  EXPECT_NEAR(backward.value, expected, 1e-10);
  EXPECT_NEAR(detail(forward, "mean_error"), (m1 - m2).norm(), 1e-12);
  EXPECT_NEAR(std::hypot(detail(forward, "mean_error"), detail(forward, "covariance_term")), forward.value, 1e-14);
  EXPECT_GT(expected, 0.5);  // a non-trivial case
}

TEST(W2Gaussian, ZeroOnTheTargetsOwnMoments) {
  const Vector m{{1.0, -0.5, 0.25}};
  auto target = gaussian(m, full_cov_a());
  const MetricValue v = w2(cloud_with_moments(m, full_cov_a(), 4000, 5), *target);
  // Rounding in the trace term (~1e-15) becomes ~3e-8 after the square root.
  EXPECT_LT(v.value, 1e-6);
  EXPECT_LT(detail(v, "mean_error"), 1e-12);
}

TEST(W2Gaussian, NoteSaysGelbrichLowerBound) {
  auto target = gaussian(Vector::Zero(2), Matrix::Identity(2, 2));
  const MetricValue v = w2(cloud_with_moments(Vector::Ones(2), Matrix::Identity(2, 2), 100, 6), *target);
  EXPECT_NE(v.note.find("Gelbrich lower bound"), std::string::npos) << v.note;
}

TEST(W2Gaussian, JackknifeStandardErrorMatchesTheReplicateSpread) {
  // R independent exact samples of N(m1, C1) (n each) compared with N(m2, C2), W2 ~ 1: the spread of
  // the R values estimates the true standard error with relative precision 1/sqrt(2(R-1)) = 7% for
  // R = 100; the jackknife (19 d.o.f. per replicate, averaged over R) is much tighter. Bounds
  // [0.75, 1.33] are about 4 of those 7% standard errors either side of 1.
  const Vector m1{{0.5, -0.5}}, m2 = Vector::Zero(2);
  Matrix c1(2, 2), c2(2, 2);
  c1 << 1.0, 0.3, 0.3, 0.6;
  c2 << 2.0, -0.4, -0.4, 1.0;
  auto sampler_law = gaussian(m1, c1);
  auto target = gaussian(m2, c2);
  const int R = 100;
  const Index n = 2000;
  Vector values(R), stderrs(R);
  for (int r = 0; r < R; ++r) {
    Matrix x(2, n);
    sampler_law->sample(RandomStream({77, static_cast<std::uint32_t>(r)}, purpose::initial_target), 0, x);
    const MetricValue v = w2(x, *target);
    values(r) = v.value;
    stderrs(r) = v.stderr_;
    EXPECT_GT(v.stderr_, 0.0);
  }
  const double spread = std::sqrt((values.array() - values.mean()).square().sum() / (R - 1));
  const double ratio = stderrs.mean() / spread;
  std::printf("jackknife se %.5f, replicate sd %.5f, ratio %.3f, mean value %.4f (exact %.4f)\n", stderrs.mean(),
              spread, ratio, values.mean(), bures_reference(m1, c1, m2, c2));
  EXPECT_GT(ratio, 0.75);
  EXPECT_LT(ratio, 1.33);
  // and the values centre on the exact Bures distance (bias O(1/n) << se / sqrt(R))
  EXPECT_NEAR(values.mean(), bures_reference(m1, c1, m2, c2), 5.0 * spread / std::sqrt(R));
}

TEST(W2Gaussian, DeterministicForTheSameInput) {
  auto target = gaussian(Vector::Zero(2), Matrix::Identity(2, 2));
  Matrix x(2, 1000);
  RandomStream({8, 8}, purpose::user_first).normals(0, 0, x);
  const MetricValue a = w2(x, *target), b = w2(x, *target);
  EXPECT_EQ(a.value, b.value);
  EXPECT_EQ(a.stderr_, b.stderr_);
}

class NoMoments final : public Target {
 public:
  Index dim() const override { return 2; }
  TargetTraits traits() const override { return {}; }
  void sample(const RandomStream&, Index, Block) const override {}
  void evaluate(const ScoreQuery&) const override {}
};

TEST(W2Gaussian, ClearErrorsForUnsupportedInputs) {
  const NoMoments no_moments;
  Matrix x = Matrix::Zero(2, 50);
  x.row(0).setLinSpaced(50, 0.0, 1.0);
  try {
    w2(x, no_moments);
    ADD_FAILURE() << "no error";
  } catch (const UnsupportedError& e) {
    EXPECT_NE(std::string(e.what()).find("mean and covariance"), std::string::npos) << e.what();
  }
  auto target = gaussian(Vector::Zero(3), Matrix::Identity(3, 3));
  EXPECT_THROW(w2(x, *target), Error);  // 2 rows, dimension 3
}

}  // namespace
}  // namespace sgmtk
