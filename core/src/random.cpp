#include <sgmtk/random.hpp>

#include <Random123/philox.h>

#include <Eigen/Core>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numbers>

namespace sgmtk {
namespace {

using Philox = r123::Philox4x32_R<10>;

inline std::array<std::uint32_t, 4> run_philox(const std::array<std::uint32_t, 4>& c,
                                               const std::array<std::uint32_t, 2>& k) {
  Philox::ctr_type ctr = {{c[0], c[1], c[2], c[3]}};
  Philox::key_type key = {{k[0], k[1]}};
  const Philox::ctr_type r = Philox()(ctr, key);
  return {r[0], r[1], r[2], r[3]};
}

inline std::uint64_t join(std::uint32_t lo, std::uint32_t hi) {
  return static_cast<std::uint64_t>(lo) | (static_cast<std::uint64_t>(hi) << 32);
}

}  // namespace

std::array<std::uint32_t, 4> philox4x32_10(std::array<std::uint32_t, 4> counter,
                                           std::array<std::uint32_t, 2> key) {
  return run_philox(counter, key);
}

double open_uniform(std::uint64_t bits) {
  // The top 52 bits, centred in their cell: in [2^-53, 1 - 2^-53], never 0 or 1, so log() below
  // is finite. (53 bits plus the half-cell offset would need 54 significant bits: the top cell
  // would round to exactly 1.)
  return (static_cast<double>(bits >> 12) + 0.5) * 0x1.0p-52;
}

std::array<double, 2> normal_pair(std::uint64_t a, std::uint64_t b) {
  const double radius = std::sqrt(-2.0 * std::log(open_uniform(a)));
  const double angle = 2.0 * std::numbers::pi * open_uniform(b);
  return {radius * std::cos(angle), radius * std::sin(angle)};
}

ScalarSequence::ScalarSequence(RandomKey key, std::uint32_t purpose, std::uint32_t particle,
                               std::uint32_t index)
    : key_(key), counter_{particle, index, purpose, 0u} {}

std::array<std::uint32_t, 4> ScalarSequence::next() {
  const auto r = run_philox(counter_, {key_.seed, key_.replicate});
  ++counter_[3];
  return r;
}

double ScalarSequence::uniform() {
  const auto r = next();
  return open_uniform(join(r[0], r[1]));
}

double ScalarSequence::normal() {
  const auto r = next();
  return normal_pair(join(r[0], r[1]), join(r[2], r[3]))[0];
}

double ScalarSequence::exponential() { return -std::log(uniform()); }

double ScalarSequence::gamma(double shape) {
  // Marsaglia & Tsang (2000); for shape < 1, Gamma(a) = Gamma(a + 1) U^{1/a}.
  if (shape < 1.0) {
    const double g = gamma(shape + 1.0);
    return g * std::pow(uniform(), 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x = 0.0;
    double v = 0.0;
    do {
      x = normal();
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = uniform();
    if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v;
  }
}

// ---------------------------------------------------------------------------------------------
// Block draws, vectorized. The counter layout is exactly the one documented in random.hpp (and
// used by the scalar functions above): Philox is run on arrays of `chunk` counters at once
// (struct-of-arrays, plain loops that GCC turns into AVX2 code: vpmuludq for the 32x32->64
// multiplies), then Box-Muller is applied to the whole chunk with Eigen's vectorized log and a
// polynomial sincos. Every element goes through the same (packet) code path whatever its
// position, because chunks are fixed-size, aligned and padded: a particle's numbers do not
// depend on the block it is drawn in. The uniforms are bit-identical to open_uniform(); the
// normals agree with normal_pair() to a few ulps (different log/sincos implementations).
namespace {

constexpr int chunk = 64;

struct alignas(64) PhiloxChunk {
  std::uint32_t c0[chunk], c1[chunk], c2[chunk], c3[chunk];
};

// Philox4x32-10 (Random123's round and key schedule) on `chunk` counters in place.
void philox_chunk(PhiloxChunk& w, std::uint32_t k0, std::uint32_t k1) {
  constexpr std::uint64_t m0 = 0xD2511F53u;
  constexpr std::uint64_t m1 = 0xCD9E8D57u;
  for (int round = 0; round < 10; ++round) {
    for (int i = 0; i < chunk; ++i) {
      const std::uint64_t p0 = m0 * w.c0[i];
      const std::uint64_t p1 = m1 * w.c2[i];
      const auto hi0 = static_cast<std::uint32_t>(p0 >> 32);
      const auto lo0 = static_cast<std::uint32_t>(p0);
      const auto hi1 = static_cast<std::uint32_t>(p1 >> 32);
      const auto lo1 = static_cast<std::uint32_t>(p1);
      const std::uint32_t n0 = hi1 ^ w.c1[i] ^ k0;
      const std::uint32_t n2 = hi0 ^ w.c3[i] ^ k1;
      w.c0[i] = n0;
      w.c1[i] = lo1;
      w.c2[i] = n2;
      w.c3[i] = lo0;
    }
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
}

// uint32 -> double through a signed conversion (AVX2 has no unsigned one); exact.
inline double u32_to_double(std::uint32_t x) {
  return static_cast<double>(static_cast<std::int32_t>(x ^ 0x80000000u)) + 2147483648.0;
}

// open_uniform(join(lo, hi)) without 64-bit integer-to-double conversion: the top 52 bits are
// hi * 2^20 + (lo >> 12), exact in double; then the same + 0.5 and scaling as open_uniform.
void uniforms_chunk(const std::uint32_t* lo, const std::uint32_t* hi, double* out) {
  for (int i = 0; i < chunk; ++i) {
    const double top = u32_to_double(hi[i]) * 1048576.0 + u32_to_double(lo[i] >> 12);
    out[i] = (top + 0.5) * 0x1.0p-52;
  }
}

// sin and cos of 2 pi u for u in (0, 1]: exact quadrant reduction in u (4u - round(4u) is exact),
// then Taylor polynomials on [-pi/4, pi/4] (truncation < 1e-19) and a quadrant rotation.
void sincos_2pi_chunk(const double* u, double* c_out, double* s_out) {
  constexpr double half_pi = 1.57079632679489661923;
  for (int i = 0; i < chunk; ++i) {
    const double t = 4.0 * u[i];
    // Round to nearest by the 1.5 * 2^52 trick (exact for |t| < 2^51): std::floor would block
    // GCC's vectorizer under the default -ftrapping-math. Needs IEEE semantics (no -ffast-math).
    const double q = (t + 0x1.8p52) - 0x1.8p52;
    const double x = (t - q) * half_pi;
    const double x2 = x * x;
    const double sp =
        x + x * x2 * (-1.0 / 6 + x2 * (1.0 / 120 + x2 * (-1.0 / 5040 + x2 * (1.0 / 362880 +
        x2 * (-1.0 / 39916800 + x2 * (1.0 / 6227020800 + x2 * (-1.0 / 1307674368000 +
        x2 * (1.0 / 355687428096000))))))));
    const double cp =
        1.0 + x2 * (-0.5 + x2 * (1.0 / 24 + x2 * (-1.0 / 720 + x2 * (1.0 / 40320 +
        x2 * (-1.0 / 3628800 + x2 * (1.0 / 479001600 + x2 * (-1.0 / 87178291200 +
        x2 * (1.0 / 20922789888000 + x2 * (-1.0 / 6402373705728000)))))))));
    // Quadrant k = q mod 4 (q in 0..4): rotate (cp, sp) by k * 90 degrees. Integer flags and
    // plain selects, so that GCC if-converts and vectorizes the loop.
    const std::int32_t k = static_cast<std::int32_t>(q) & 3;
    const std::int32_t swap = k & 1;
    const std::int32_t negate_c = (k ^ (k >> 1)) & 1;  // k = 1, 2
    const std::int32_t negate_s = k >> 1;              // k = 2, 3
    const double cs = swap != 0 ? sp : cp;
    const double sn = swap != 0 ? cp : sp;
    c_out[i] = negate_c != 0 ? -cs : cs;
    s_out[i] = negate_s != 0 ? -sn : sn;
  }
}

// Box-Muller on a chunk of Philox outputs: radius from (c0, c1), angle from (c2, c3).
void normals_chunk(const PhiloxChunk& w, double* z0, double* z1) {
  using ChunkArray = Eigen::Array<double, chunk, 1>;
  alignas(64) double u1[chunk];
  alignas(64) double u2[chunk];
  alignas(64) double c[chunk];
  alignas(64) double s[chunk];
  uniforms_chunk(w.c0, w.c1, u1);
  uniforms_chunk(w.c2, w.c3, u2);
  Eigen::Map<ChunkArray, Eigen::Aligned64> radius(u1);
  radius = (-2.0 * radius.log()).sqrt();  // Eigen's packet log: the same path for every element
  sincos_2pi_chunk(u2, c, s);
  for (int i = 0; i < chunk; ++i) {
    z0[i] = u1[i] * c[i];
    z1[i] = u1[i] * s[i];
  }
}

// Visits the Philox calls (particle j, lane l) of a block in chunks: fills the counters, runs
// Philox and hands the chunk to `consume(w, first_element, count)`; element e is (j, l) with
// e = j * lanes + l.
template <class Consume>
void for_each_chunk(RandomKey key, std::uint32_t purpose, std::uint64_t index, Index first_particle,
                    Index particles, Index lanes, Consume&& consume) {
  assert(index <= 0xffffffffu);
  const Index total = particles * lanes;
  PhiloxChunk w;
  Index j = 0;
  Index l = 0;
  for (Index e0 = 0; e0 < total; e0 += chunk) {
    const int count = static_cast<int>(std::min<Index>(chunk, total - e0));
    for (int i = 0; i < chunk; ++i) {
      // Padding elements (i >= count) get some counter; their outputs are discarded.
      w.c0[i] = static_cast<std::uint32_t>(first_particle + j);
      w.c1[i] = static_cast<std::uint32_t>(index);
      w.c2[i] = purpose;
      w.c3[i] = static_cast<std::uint32_t>(l);
      if (i < count && ++l == lanes) {
        l = 0;
        ++j;
      }
    }
    philox_chunk(w, key.seed, key.replicate);
    consume(w, e0, count);
  }
}

}  // namespace

void RandomStream::normals(std::uint64_t index, Index first_particle, Block out) const {
  const Index d = out.rows();
  if (d == 0 || out.cols() == 0) return;
  const Index lanes = (d + 1) / 2;
  alignas(64) double z0[chunk];
  alignas(64) double z1[chunk];
  // Even d in a contiguous block: lane e of the flattened (particle, lane) order fills entries
  // 2e and 2e + 1 of the column-major storage, so the chunk is stored interleaved in one pass.
  const bool interleaved = d % 2 == 0 && out.outerStride() == d;
  Index j = 0;    // particle and row of the next element (strided path)
  Index row = 0;
  for_each_chunk(key_, purpose_, index, first_particle, out.cols(), lanes,
                 [&](const PhiloxChunk& w, Index e0, int count) {
                   normals_chunk(w, z0, z1);
                   if (interleaved) {
                     double* dst = out.data() + 2 * e0;
                     for (int i = 0; i < count; ++i) {
                       dst[2 * i] = z0[i];
                       dst[2 * i + 1] = z1[i];
                     }
                     return;
                   }
                   for (int i = 0; i < count; ++i) {
                     out(row, j) = z0[i];
                     if (row + 1 < d) out(row + 1, j) = z1[i];
                     row += 2;
                     if (row >= d) {
                       row = 0;
                       ++j;
                     }
                   }
                 });
}

void RandomStream::uniforms(std::uint64_t index, Index first_particle, Block out) const {
  const Index d = out.rows();
  if (d == 0 || out.cols() == 0) return;
  alignas(64) double u[chunk];
  Index j = 0;
  Index row = 0;
  for_each_chunk(key_, purpose_, index, first_particle, out.cols(), d,
                 [&](const PhiloxChunk& w, Index, int count) {
                   uniforms_chunk(w.c0, w.c1, u);
                   for (int i = 0; i < count; ++i) {
                     out(row, j) = u[i];
                     if (++row == d) {
                       row = 0;
                       ++j;
                     }
                   }
                 });
}

ScalarSequence RandomStream::sequence(Index particle, std::uint64_t index) const {
  return ScalarSequence(key_, purpose_, static_cast<std::uint32_t>(particle),
                        static_cast<std::uint32_t>(index));
}

}  // namespace sgmtk
