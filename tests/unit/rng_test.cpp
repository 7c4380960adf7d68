// The counter-based generator: Philox4x32-10 known answers (Random123's kat_vectors), the law of
// the normals, independence of the counter fields, block-split invariance, and the scalar
// sequences' gamma / exponential / uniform moments. Bounds are CLT-derived (stated per check).
// Normal variates are NOT compared to golden bits: only the raw Philox outputs are fixed.
#include <sgmtk/random.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace sgmtk {
namespace {

using Words = std::array<std::uint32_t, 4>;

TEST(Philox, KnownAnswersFromRandom123) {
  EXPECT_EQ(philox4x32_10({0, 0, 0, 0}, {0, 0}), (Words{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(philox4x32_10({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}),
            (Words{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}),
            (Words{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

// random.hpp promises uniforms in the OPEN interval (0, 1). With 53 bits k and (k + 0.5) 2^-53,
// the top word k = 2^53 - 1 gives 2^53 - 0.5, which is not a double and rounds (ties to even) to
// 2^53, i.e. exactly 1.0. Fix: clamp to the largest double below 1 (0x1.fffffffffffffp-1), which
// changes only that one value, in open_uniform and in any vectorized copy of it.
TEST(Uniform, OpenIntervalAtTheExtremes) {
  EXPECT_GT(open_uniform(0), 0.0);
  EXPECT_LT(open_uniform(~std::uint64_t{0}), 1.0);
  const auto z = normal_pair(0, 0);
  EXPECT_TRUE(std::isfinite(z[0]) && std::isfinite(z[1]));
}

double phi_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

TEST(Normals, MomentsAndKolmogorovSmirnov) {
  // 4 x 250000 = 1e6 draws.
  Matrix z(4, 250000);
  RandomStream({12345, 6}, purpose::initial_state).normals(3, 0, z);
  const Eigen::ArrayXd x = Eigen::Map<const Eigen::ArrayXd>(z.data(), z.size());
  const double n = static_cast<double>(x.size());
  const double mean = x.mean();
  const double var = (x - mean).square().sum() / (n - 1.0);
  const double m4 = x.pow(4).mean();
  // CLT, 5 standard errors: se(mean) = 1/sqrt(n); se(var) = sqrt(2/n) (mu4 - 1 = 2);
  // se(E x^4) = sqrt((E x^8 - (E x^4)^2)/n) = sqrt((105 - 9)/n).
  EXPECT_NEAR(mean, 0.0, 5.0 / std::sqrt(n));
  EXPECT_NEAR(var, 1.0, 5.0 * std::sqrt(2.0 / n));
  EXPECT_NEAR(m4, 3.0, 5.0 * std::sqrt(96.0 / n));
  // KS: sqrt(n) D converges to the Kolmogorov law; P(K > 1.95) = 0.001, P(K > 2.2) ~ 1e-4.
  std::vector<double> s(x.data(), x.data() + x.size());
  std::sort(s.begin(), s.end());
  double d = 0.0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const double f = phi_cdf(s[i]);
    d = std::max({d, f - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - f});
  }
  EXPECT_LT(std::sqrt(n) * d, 2.2) << "KS D = " << d;
  // The statistic can fail: against a slightly wrong law (N(0, 1.01^2)) it is far beyond the bound.
  double d_wrong = 0.0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const double f = phi_cdf(s[i] / 1.01);
    d_wrong = std::max({d_wrong, f - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - f});
  }
  EXPECT_GT(std::sqrt(n) * d_wrong, 2.2);
}

TEST(Normals, PairsFromOneCallAreUncorrelated) {
  // Coordinates 2i and 2i+1 come from one Philox call (Box-Muller's cos and sin): correlation
  // within 5 / sqrt(n).
  Matrix z(2, 200000);
  RandomStream({1, 2}, purpose::path_increment).normals(0, 0, z);
  const double corr = (z.row(0).array() * z.row(1).array()).mean();
  EXPECT_NEAR(corr, 0.0, 5.0 / std::sqrt(200000.0));
}

Matrix draw(RandomKey key, std::uint32_t purpose, std::uint64_t index, Index first, Index d = 3, Index n = 8) {
  Matrix z(d, n);
  RandomStream(key, purpose).normals(index, first, z);
  return z;
}

TEST(Normals, EveryCounterFieldAndTheKeyChangeTheNumbers) {
  const Matrix base = draw({5, 1}, purpose::initial_state, 2, 10);
  EXPECT_TRUE(base == draw({5, 1}, purpose::initial_state, 2, 10));  // pure function of its inputs
  EXPECT_FALSE(base == draw({5, 1}, purpose::path_increment, 2, 10));  // purpose
  EXPECT_FALSE(base == draw({5, 1}, purpose::initial_state, 3, 10));   // index
  EXPECT_FALSE(base == draw({5, 1}, purpose::initial_state, 2, 11));   // particle
  EXPECT_FALSE(base == draw({6, 1}, purpose::initial_state, 2, 10));   // seed
  EXPECT_FALSE(base == draw({5, 2}, purpose::initial_state, 2, 10));   // replicate
  // no entry repeats in the next coordinates (lanes differ)
  const Matrix tall = draw({5, 1}, purpose::initial_state, 2, 10, 6, 1);
  for (Index i = 0; i < 6; ++i)
    for (Index j = 0; j < i; ++j) EXPECT_NE(tall(i, 0), tall(j, 0));
}

TEST(Normals, ColumnsDoNotDependOnTheBlockSplitOrTheRowCountBeyondThem) {
  const RandomStream rng({42, 0}, purpose::initial_state);
  Matrix whole(5, 1000);
  rng.normals(7, 0, whole);
  Matrix parts(5, 1000);
  const Index cuts[] = {0, 1, 64, 65, 512, 999, 1000};
  for (int c = 0; c + 1 < 7; ++c) {
    auto block = parts.middleCols(cuts[c], cuts[c + 1] - cuts[c]);
    rng.normals(7, cuts[c], block);
  }
  EXPECT_TRUE(whole == parts);
  // Coordinate i of a particle is the same whatever the dimension requested above it.
  Matrix first3(3, 1000);
  rng.normals(7, 0, first3);
  EXPECT_TRUE(first3 == whole.topRows(3));

  Matrix u_whole(3, 300), u_parts(3, 300);
  rng.uniforms(1, 0, u_whole);
  rng.uniforms(1, 0, u_parts.leftCols(100));
  auto rest = u_parts.rightCols(200);
  rng.uniforms(1, 100, rest);
  EXPECT_TRUE(u_whole == u_parts);
}

TEST(Uniforms, MomentsOfTheBlockDraws) {
  Matrix u(2, 100000);
  RandomStream({3, 3}, purpose::step_uniform).uniforms(0, 0, u);
  const double n = static_cast<double>(u.size());
  // U(0,1): mean 1/2 (sd 1/sqrt(12)), variance 1/12 (se sqrt((1/80 - 1/144)/n)); 5 se.
  EXPECT_NEAR(u.mean(), 0.5, 5.0 / std::sqrt(12.0 * n));
  const double var = (u.array() - u.mean()).square().mean();
  EXPECT_NEAR(var, 1.0 / 12.0, 5.0 * std::sqrt((1.0 / 80.0 - 1.0 / 144.0) / n));
  EXPECT_GT(u.minCoeff(), 0.0);
  EXPECT_LT(u.maxCoeff(), 1.0);
}

// Mean and variance of n draws of `draw(seq)`, several per sequence (lanes advance), many particles.
template <class Draw>
std::pair<double, double> sequence_moments(Draw draw, std::uint32_t purpose, int n) {
  const RandomStream rng({2718, 28}, purpose);
  std::vector<double> x;
  x.reserve(static_cast<std::size_t>(n));
  for (int p = 0; static_cast<int>(x.size()) < n; ++p) {
    ScalarSequence seq = rng.sequence(p, 4);
    for (int k = 0; k < 5 && static_cast<int>(x.size()) < n; ++k) x.push_back(draw(seq));
  }
  const Eigen::Map<const Eigen::ArrayXd> a(x.data(), static_cast<Index>(x.size()));
  const double mean = a.mean();
  return {mean, (a - mean).square().sum() / (a.size() - 1.0)};
}

TEST(ScalarSequence, GammaMoments) {
  const int n = 200000;
  for (double k : {0.3, 1.0, 2.5, 7.0}) {
    const auto [mean, var] = sequence_moments([k](ScalarSequence& s) { return s.gamma(k); }, purpose::user_first, n);
    // Gamma(k, 1): mean k, variance k; se(mean) = sqrt(k/n); se(var) = sqrt((mu4 - k^2)/n) with
    // mu4 = 3k^2 + 6k, i.e. sqrt((2k^2 + 6k)/n). 5 standard errors.
    EXPECT_NEAR(mean, k, 5.0 * std::sqrt(k / n)) << "shape " << k;
    EXPECT_NEAR(var, k, 5.0 * std::sqrt((2.0 * k * k + 6.0 * k) / n)) << "shape " << k;
  }
}

TEST(ScalarSequence, ExponentialNormalAndUniformMoments) {
  const int n = 200000;
  {
    const auto [mean, var] = sequence_moments([](ScalarSequence& s) { return s.exponential(); }, purpose::user_first, n);
    // Exp(1): mean 1 (se 1/sqrt n), variance 1 (mu4 = 9: se sqrt(8/n)).
    EXPECT_NEAR(mean, 1.0, 5.0 / std::sqrt(n));
    EXPECT_NEAR(var, 1.0, 5.0 * std::sqrt(8.0 / n));
  }
  {
    const auto [mean, var] = sequence_moments([](ScalarSequence& s) { return s.normal(); }, purpose::user_first + 1, n);
    EXPECT_NEAR(mean, 0.0, 5.0 / std::sqrt(n));
    EXPECT_NEAR(var, 1.0, 5.0 * std::sqrt(2.0 / n));
  }
  {
    const auto [mean, var] = sequence_moments([](ScalarSequence& s) { return s.uniform(); }, purpose::user_first + 2, n);
    EXPECT_NEAR(mean, 0.5, 5.0 / std::sqrt(12.0 * n));
    EXPECT_NEAR(var, 1.0 / 12.0, 5.0 * std::sqrt((1.0 / 80.0 - 1.0 / 144.0) / n));
  }
}

TEST(ScalarSequence, ReproducibleAndAdvancing) {
  const RandomStream rng({1, 1}, purpose::step_extra);
  ScalarSequence a = rng.sequence(3, 9), b = rng.sequence(3, 9), c = rng.sequence(4, 9);
  const double a1 = a.uniform(), a2 = a.uniform();
  EXPECT_EQ(a1, b.uniform());
  EXPECT_EQ(a2, b.uniform());
  EXPECT_NE(a1, a2);
  EXPECT_NE(a1, c.uniform());
}

}  // namespace
}  // namespace sgmtk
