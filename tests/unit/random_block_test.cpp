// The vectorized block draws of RandomStream (random.cpp) against the scalar reference built
// from the documented counter layout: uniforms bit for bit, normals to a few ulps (the block
// path uses its own log/sincos), for odd and even d, any block split and offset.
#include <sgmtk/random.hpp>

#include <gtest/gtest.h>

#include <cmath>

namespace {

using namespace sgmtk;

std::uint64_t join(std::uint32_t lo, std::uint32_t hi) {
  return static_cast<std::uint64_t>(lo) | (static_cast<std::uint64_t>(hi) << 32);
}

TEST(RandomBlock, MatchesScalarReference) {
  const RandomKey key{77, 5};
  const std::uint32_t purpose = purpose::path_increment;
  for (Index d : {Index{1}, Index{2}, Index{3}, Index{10}, Index{101}}) {
    const Index n = 37;
    const Index first = 1000;
    Matrix z(d, n), u(d, n);
    RandomStream(key, purpose).normals(9, first, z);
    RandomStream(key, purpose).uniforms(9, first, u);
    double worst = 0.0;
    for (Index j = 0; j < n; ++j) {
      for (Index i = 0; i < d; ++i) {
        const auto p = static_cast<std::uint32_t>(first + j);
        const auto r = philox4x32_10({p, 9u, purpose, static_cast<std::uint32_t>(i / 2)}, {key.seed, key.replicate});
        const auto pair = normal_pair(join(r[0], r[1]), join(r[2], r[3]));
        worst = std::max(worst, std::abs(z(i, j) - pair[static_cast<std::size_t>(i % 2)]));
        const auto ru = philox4x32_10({p, 9u, purpose, static_cast<std::uint32_t>(i)}, {key.seed, key.replicate});
        ASSERT_EQ(u(i, j), open_uniform(join(ru[0], ru[1]))) << "d = " << d << " (" << i << ", " << j << ")";
      }
    }
    // |z| < ~9 for any 53-bit uniform; a few ulps of that.
    EXPECT_LT(worst, 1e-14) << "d = " << d;
  }
}

TEST(RandomBlock, BlockSplitDoesNotChangeNumbers) {
  const RandomStream s({3, 4}, purpose::initial_state);
  for (Index d : {Index{1}, Index{5}, Index{64}}) {
    Matrix all(d, 300);
    s.normals(2, 0, all);
    for (Index first : {Index{0}, Index{1}, Index{63}, Index{200}}) {
      for (Index n : {Index{1}, Index{7}, Index{65}}) {
        if (first + n > 300) continue;
        Matrix part(d, n);
        s.normals(2, first, part);
        EXPECT_TRUE(part == all.middleCols(first, n)) << "d " << d << " first " << first << " n " << n;
      }
    }
  }
}

// The 8-lane AVX-512 copy of the block kernels against the 4-lane AVX2 one, bit for bit: the
// numbers must not depend on the machine's SIMD level (random.hpp). Skipped where only one
// copy exists.
TEST(RandomBlock, WideAndBaseKernelsGiveTheSameBits) {
  if (!simd_wide_available()) GTEST_SKIP() << "no AVX-512 copy on this build or machine";
  const bool before = simd_wide_enabled();
  const RandomStream s({11, 3}, purpose::path_increment);
  for (Index d : {Index{1}, Index{2}, Index{3}, Index{10}, Index{17}, Index{100}}) {
    for (Index first : {Index{0}, Index{5}, Index{4093}}) {
      for (Index n : {Index{1}, Index{9}, Index{300}}) {
        Matrix z[2], u[2], strided[2];
        for (int wide = 0; wide < 2; ++wide) {
          set_simd_wide_enabled(wide == 1);
          ASSERT_EQ(simd_wide_enabled(), wide == 1);
          z[wide].resize(d, n);
          u[wide].resize(d, n);
          strided[wide] = Matrix::Zero(d + 3, n);
          s.normals(12345, first, z[wide]);
          s.uniforms(12345, first, u[wide]);
          s.normals(7, first, strided[wide].topRows(d));
        }
        EXPECT_TRUE(z[0] == z[1]) << "normals d " << d << " first " << first << " n " << n;
        EXPECT_TRUE(u[0] == u[1]) << "uniforms d " << d << " first " << first << " n " << n;
        EXPECT_TRUE(strided[0] == strided[1]) << "strided d " << d << " first " << first << " n " << n;
      }
    }
  }
  set_simd_wide_enabled(before);
}

}  // namespace
