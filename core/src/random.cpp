#include <sgmtk/random.hpp>

#include <Random123/philox.h>

#include <Eigen/Core>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <bit>
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
// used by the scalar functions above). Philox calls are made `Lanes::width` at a time, one call
// per 64-bit lane (the 32-bit word in its low half: vpmuludq multiplies exactly those, and the
// high halves may carry garbage that no later step reads), and Box-Muller is applied to the
// outputs while they are still in registers. Every element goes through the same instructions
// whatever its position (a short last group is padded, its extra lanes discarded), so a
// particle's numbers do not depend on the block it is drawn in. The uniforms are bit-identical
// to open_uniform(); the normals agree with normal_pair() to a few ulps (own log and sincos).
//
// Costs, measured on the 2-core AVX2/AVX-512 machine (CPU time per normal): the previous chunked
// version (Philox through GCC's vectorizer, Eigen's log, Taylor sincos) 6.4 ns; this one ~2 ns.
// Philox is ~2/3 of it: 2 multiplies, 2 shifts and 4 xors per call and round, on 4 lanes.
namespace {

#if defined(__AVX2__) && defined(__FMA__)
// Four lanes in AVX2 registers.
struct Lanes {
  static constexpr int width = 4;
  using D = __m256d;
  using U = __m256i;
  static U set1(std::uint64_t x) { return _mm256_set1_epi64x(static_cast<long long>(x)); }
  static U load_u32(const std::uint32_t* p) {  // 4 words, zero-extended to 64-bit lanes
    return _mm256_cvtepu32_epi64(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static U mul32(U a, U b) { return _mm256_mul_epu32(a, b); }  // low words, 64-bit products
  static U shr(U a, int s) { return _mm256_srli_epi64(a, s); }
  static U shl(U a, int s) { return _mm256_slli_epi64(a, s); }
  static U bxor(U a, U b) { return _mm256_xor_si256(a, b); }
  static U band(U a, U b) { return _mm256_and_si256(a, b); }
  static U bor(U a, U b) { return _mm256_or_si256(a, b); }
  static U add(U a, U b) { return _mm256_add_epi64(a, b); }
  static U sub(U a, U b) { return _mm256_sub_epi64(a, b); }
  static U greater_equal(U a, U b) {  // all-ones where a >= b (both < 2^63)
    return _mm256_xor_si256(_mm256_cmpgt_epi64(b, a), _mm256_set1_epi64x(-1));
  }
  static D as_double(U a) { return _mm256_castsi256_pd(a); }
  static U as_bits(D a) { return _mm256_castpd_si256(a); }
  static D set1d(double x) { return _mm256_set1_pd(x); }
  static D fma(D a, D b, D c) { return _mm256_fmadd_pd(a, b, c); }
  static D fms(D a, D b, D c) { return _mm256_fmsub_pd(a, b, c); }   // a b - c
  static D fnma(D a, D b, D c) { return _mm256_fnmadd_pd(a, b, c); }  // c - a b
  static D mul(D a, D b) { return _mm256_mul_pd(a, b); }
  static D addd(D a, D b) { return _mm256_add_pd(a, b); }
  static D subd(D a, D b) { return _mm256_sub_pd(a, b); }
  static D div(D a, D b) { return _mm256_div_pd(a, b); }
  static D sqrt(D a) { return _mm256_sqrt_pd(a); }
  static D less(D a, D b) { return _mm256_cmp_pd(a, b, _CMP_LT_OQ); }  // all-ones mask
  static D select(D mask, D yes, D no) { return _mm256_blendv_pd(no, yes, mask); }
  static D anddm(D mask, D a) { return _mm256_and_pd(mask, a); }
  static D xord(D a, D b) { return _mm256_xor_pd(a, b); }
  static void store(double* p, D a) { _mm256_storeu_pd(p, a); }
  // (a0 b0 a1 b1 a2 b2 a3 b3) at p: the interleaved storage of an even-d block.
  static void store_interleaved(double* p, D a, D b) {
    const D lo = _mm256_unpacklo_pd(a, b);  // a0 b0 a2 b2
    const D hi = _mm256_unpackhi_pd(a, b);  // a1 b1 a3 b3
    _mm256_storeu_pd(p, _mm256_permute2f128_pd(lo, hi, 0x20));
    _mm256_storeu_pd(p + 4, _mm256_permute2f128_pd(lo, hi, 0x31));
  }
};
#else
// One lane, the same operations in the same order on any other target. With hardware FMA the
// numbers are those of the AVX2 path (std::fma is exactly rounded like vfmadd); without it
// std::fma is a slow library call, so a b + c is rounded twice instead (a few ulps apart, still
// one code path for every element of this build).
#if defined(__FMA__) || defined(__ARM_FEATURE_FMA)
inline double fused(double a, double b, double c) { return std::fma(a, b, c); }
#else
inline double fused(double a, double b, double c) { return a * b + c; }
#endif
struct Lanes {
  static constexpr int width = 1;
  using D = double;
  using U = std::uint64_t;
  static U set1(std::uint64_t x) { return x; }
  static U load_u32(const std::uint32_t* p) { return *p; }
  static U mul32(U a, U b) { return (a & 0xffffffffu) * (b & 0xffffffffu); }
  static U shr(U a, int s) { return a >> s; }
  static U shl(U a, int s) { return a << s; }
  static U bxor(U a, U b) { return a ^ b; }
  static U band(U a, U b) { return a & b; }
  static U bor(U a, U b) { return a | b; }
  static U add(U a, U b) { return a + b; }
  static U sub(U a, U b) { return a - b; }
  static U greater_equal(U a, U b) { return a >= b ? ~U{0} : U{0}; }
  static D as_double(U a) { return std::bit_cast<double>(a); }
  static U as_bits(D a) { return std::bit_cast<std::uint64_t>(a); }
  static D set1d(double x) { return x; }
  static D fma(D a, D b, D c) { return fused(a, b, c); }
  static D fms(D a, D b, D c) { return fused(a, b, -c); }
  static D fnma(D a, D b, D c) { return fused(-a, b, c); }
  static D mul(D a, D b) { return a * b; }
  static D addd(D a, D b) { return a + b; }
  static D subd(D a, D b) { return a - b; }
  static D div(D a, D b) { return a / b; }
  static D sqrt(D a) { return std::sqrt(a); }
  static D less(D a, D b) { return std::bit_cast<double>(a < b ? ~U{0} : U{0}); }
  static D select(D mask, D yes, D no) { return std::bit_cast<U>(mask) != 0 ? yes : no; }
  static D anddm(D mask, D a) { return std::bit_cast<double>(std::bit_cast<U>(mask) & std::bit_cast<U>(a)); }
  static D xord(D a, D b) { return std::bit_cast<double>(std::bit_cast<U>(a) ^ std::bit_cast<U>(b)); }
  static void store(double* p, D a) { *p = a; }
  static void store_interleaved(double* p, D a, D b) {
    p[0] = a;
    p[1] = b;
  }
};
#endif

using D = Lanes::D;
using U = Lanes::U;
constexpr int width = Lanes::width;

// Philox4x32-10 (Random123's round function and key schedule) on `width` counters whose words
// 1 and 2 are shared (index, purpose): round 0 multiplies the shared word 2 once for all lanes.
// Outputs in the low halves of x0..x3.
struct PhiloxKeys {
  std::uint32_t k0[10], k1[10];
  std::uint32_t hi1, lo1;  // round 0: M1 * purpose
  PhiloxKeys(RandomKey key, std::uint32_t purpose) {
    std::uint32_t a = key.seed;
    std::uint32_t b = key.replicate;
    for (int r = 0; r < 10; ++r) {
      k0[r] = a;
      k1[r] = b;
      a += 0x9E3779B9u;
      b += 0xBB67AE85u;
    }
    const std::uint64_t p = std::uint64_t{0xCD9E8D57u} * purpose;
    hi1 = static_cast<std::uint32_t>(p >> 32);
    lo1 = static_cast<std::uint32_t>(p);
  }
};

struct PhiloxOut {
  U x0, x1, x2, x3;
};

inline PhiloxOut philox(const PhiloxKeys& k, std::uint32_t index, U particle, U lane) {
  const U m0 = Lanes::set1(0xD2511F53u);
  const U m1 = Lanes::set1(0xCD9E8D57u);
  // Round 0: counter (particle, index, purpose, lane).
  U p0 = Lanes::mul32(particle, m0);
  U x0 = Lanes::set1(k.hi1 ^ index ^ k.k0[0]);
  U x1 = Lanes::set1(k.lo1);
  U x2 = Lanes::bxor(Lanes::bxor(Lanes::shr(p0, 32), lane), Lanes::set1(k.k1[0]));
  U x3 = p0;
  for (int r = 1; r < 10; ++r) {
    p0 = Lanes::mul32(x0, m0);
    const U p1 = Lanes::mul32(x2, m1);
    const U n0 = Lanes::bxor(Lanes::bxor(Lanes::shr(p1, 32), x1), Lanes::set1(k.k0[r]));
    const U n2 = Lanes::bxor(Lanes::bxor(Lanes::shr(p0, 32), x3), Lanes::set1(k.k1[r]));
    x0 = n0;
    x1 = p1;
    x2 = n2;
    x3 = p0;
  }
  return {x0, x1, x2, x3};
}

// open_uniform(join(lo, hi)) exactly: the top 52 bits m = hi * 2^20 + (lo >> 12) go into the
// mantissa of 1.0, and (1 + m 2^-52) - (1 - 2^-53) = (m + 1/2) 2^-52 is exact (representable).
inline D uniform(U lo, U hi) {
  const U low32 = Lanes::set1(0xffffffffu);
  const U m = Lanes::bor(Lanes::shl(Lanes::band(hi, low32), 20), Lanes::shr(Lanes::band(lo, low32), 12));
  const D one_plus = Lanes::as_double(Lanes::bor(m, Lanes::set1(0x3FF0000000000000u)));
  return Lanes::subd(one_plus, Lanes::set1d(1.0 - 0x1.0p-53));
}

// -2 log(u) for u in (0, 1): Cephes' log (also Eigen's plog): u = 2^e f with f in
// [sqrt(1/2), sqrt(2)), log(1 + x) = x - x^2/2 + x^3 P(x)/Q(x), e log 2 in two parts.
inline D minus_two_log(D u) {
  const U bits = Lanes::as_bits(u);
  // Exponent as a double without a 64-bit int conversion: (2^52 + biased) - (2^52 + 1022).
  const D e0 = Lanes::subd(Lanes::as_double(Lanes::bor(Lanes::shr(bits, 52), Lanes::set1(0x4330000000000000u))),
                           Lanes::set1d(4503599627370496.0 + 1022.0));
  const D f = Lanes::as_double(
      Lanes::bor(Lanes::band(bits, Lanes::set1(0x000FFFFFFFFFFFFFu)), Lanes::set1(0x3FE0000000000000u)));
  const D small = Lanes::less(f, Lanes::set1d(0.70710678118654752440));  // f in [1/2, 1)
  const D e = Lanes::subd(e0, Lanes::anddm(small, Lanes::set1d(1.0)));
  const D x = Lanes::addd(Lanes::subd(f, Lanes::set1d(1.0)), Lanes::anddm(small, f));
  const D z = Lanes::mul(x, x);
  D p = Lanes::set1d(1.01875663804580931796E-4);
  p = Lanes::fma(p, x, Lanes::set1d(4.97494994976747001425E-1));
  p = Lanes::fma(p, x, Lanes::set1d(4.70579119878881725854E0));
  p = Lanes::fma(p, x, Lanes::set1d(1.44989225341610930846E1));
  p = Lanes::fma(p, x, Lanes::set1d(1.79368678507819816313E1));
  p = Lanes::fma(p, x, Lanes::set1d(7.70838733755885391666E0));
  D q = Lanes::addd(x, Lanes::set1d(1.12873587189167450590E1));
  q = Lanes::fma(q, x, Lanes::set1d(4.52279145837532221105E1));
  q = Lanes::fma(q, x, Lanes::set1d(8.29875266912776603211E1));
  q = Lanes::fma(q, x, Lanes::set1d(7.11544750618563894466E1));
  q = Lanes::fma(q, x, Lanes::set1d(2.31251620126765340583E1));
  D y = Lanes::mul(Lanes::mul(x, z), Lanes::div(p, q));
  y = Lanes::fnma(e, Lanes::set1d(2.121944400546905827679E-4), y);
  y = Lanes::fnma(z, Lanes::set1d(0.5), y);
  D log = Lanes::addd(x, y);
  log = Lanes::fma(e, Lanes::set1d(0.693359375), log);
  return Lanes::mul(log, Lanes::set1d(-2.0));
}

// cos and sin of 2 pi u for u in (0, 1): exact quadrant reduction in u (4u - round(4u) is exact,
// rounding by the 1.5 * 2^52 trick, whose low mantissa bits are then the quadrant), Cephes'
// minimax polynomials on [-pi/4, pi/4] (~1 ulp), and a quadrant rotation by sign flips.
inline void cos_sin_2pi(D u, D& c_out, D& s_out) {
  const D t = Lanes::mul(u, Lanes::set1d(4.0));
  const D shifted = Lanes::addd(t, Lanes::set1d(0x1.8p52));
  const D q = Lanes::subd(shifted, Lanes::set1d(0x1.8p52));
  const D x = Lanes::mul(Lanes::subd(t, q), Lanes::set1d(1.57079632679489661923));
  const D z = Lanes::mul(x, x);
  D sp = Lanes::set1d(1.58962301576546568060E-10);
  sp = Lanes::fma(sp, z, Lanes::set1d(-2.50507477628578072866E-8));
  sp = Lanes::fma(sp, z, Lanes::set1d(2.75573136213857245213E-6));
  sp = Lanes::fma(sp, z, Lanes::set1d(-1.98412698295895385996E-4));
  sp = Lanes::fma(sp, z, Lanes::set1d(8.33333333332211858878E-3));
  sp = Lanes::fma(sp, z, Lanes::set1d(-1.66666666666666307295E-1));
  const D s = Lanes::fma(Lanes::mul(x, z), sp, x);
  D cp = Lanes::set1d(-1.13585365213876817300E-11);
  cp = Lanes::fma(cp, z, Lanes::set1d(2.08757008419747316778E-9));
  cp = Lanes::fma(cp, z, Lanes::set1d(-2.75573141792967388112E-7));
  cp = Lanes::fma(cp, z, Lanes::set1d(2.48015872888517045348E-5));
  cp = Lanes::fma(cp, z, Lanes::set1d(-1.38888888888730564116E-3));
  cp = Lanes::fma(cp, z, Lanes::set1d(4.16666666666665929218E-2));
  const D c = Lanes::fma(Lanes::mul(z, z), cp, Lanes::fnma(z, Lanes::set1d(0.5), Lanes::set1d(1.0)));
  // Quadrant k = q mod 4: (cos, sin) of x + k pi/2 = (c, s), (-s, c), (-c, -s), (s, -c).
  const U k = Lanes::as_bits(shifted);
  const D swap = Lanes::as_double(Lanes::sub(Lanes::set1(0), Lanes::band(k, Lanes::set1(1))));
  const D sign_c = Lanes::as_double(Lanes::shl(Lanes::bxor(k, Lanes::shr(k, 1)), 63));  // k = 1, 2
  const D sign_s = Lanes::as_double(Lanes::shl(Lanes::shr(k, 1), 63));                  // k = 2, 3
  c_out = Lanes::xord(Lanes::select(swap, s, c), sign_c);
  s_out = Lanes::xord(Lanes::select(swap, c, s), sign_s);
}

// Walks the (particle, lane) pairs of a block `width` at a time: element e = j * lanes + l.
class CounterWalk {
 public:
  CounterWalk(Index first_particle, Index lanes)
      : lanes_(static_cast<std::uint64_t>(lanes)), repeats_(static_cast<int>((width + lanes - 1) / lanes)) {
    alignas(64) std::uint64_t j[width], l[width];
    for (int i = 0; i < width; ++i) {
      j[i] = static_cast<std::uint64_t>(first_particle) + static_cast<std::uint64_t>(i) / lanes_;
      l[i] = static_cast<std::uint64_t>(i) % lanes_;
    }
    particle_ = load(j);
    lane_ = load(l);
  }
  U particle() const { return particle_; }
  U lane() const { return lane_; }
  void advance() {
    // l += width; carry into the particle as often as width / lanes can need (fixed count).
    lane_ = Lanes::add(lane_, Lanes::set1(width));
    for (int r = 0; r < repeats_; ++r) {
      const U wrap = Lanes::greater_equal(lane_, Lanes::set1(lanes_));
      lane_ = Lanes::sub(lane_, Lanes::band(wrap, Lanes::set1(lanes_)));
      particle_ = Lanes::sub(particle_, wrap);  // wrap is -1 where it carries
    }
  }

 private:
  static U load(const std::uint64_t* p) {
#if defined(__AVX2__) && defined(__FMA__)
    return _mm256_load_si256(reinterpret_cast<const __m256i*>(p));
#else
    return *p;
#endif
  }
  std::uint64_t lanes_;
  int repeats_;
  U particle_, lane_;
};

// Normals for `groups` consecutive groups of `width` elements, in two passes over small
// buffers: all the Philox calls, then all of Box-Muller. Each pass has short independent
// iterations that the out-of-order core overlaps; one fused pass is a ~140-cycle dependency
// chain (10 Philox rounds, then log, division and square root) per group and ran 2x slower.
constexpr int max_groups = 16;

struct NormalBuffer {
  D z0[max_groups], z1[max_groups];
};

inline void normal_groups(const PhiloxKeys& keys, std::uint32_t index, CounterWalk& walk, int groups,
                          NormalBuffer& out) {
  D u1[max_groups], u2[max_groups];
  for (int g = 0; g < groups; ++g, walk.advance()) {
    const PhiloxOut r = philox(keys, index, walk.particle(), walk.lane());
    u1[g] = uniform(r.x0, r.x1);
    u2[g] = uniform(r.x2, r.x3);
  }
  for (int g = 0; g < groups; ++g) {
    const D radius = Lanes::sqrt(minus_two_log(u1[g]));
    D c, s;
    cos_sin_2pi(u2[g], c, s);
    out.z0[g] = Lanes::mul(radius, c);
    out.z1[g] = Lanes::mul(radius, s);
  }
}

}  // namespace

void RandomStream::normals(std::uint64_t index, Index first_particle, Block out) const {
  const Index d = out.rows();
  const Index n = out.cols();
  if (d == 0 || n == 0) return;
  assert(index <= 0xffffffffu);
  const auto index32 = static_cast<std::uint32_t>(index);
  const Index lanes = (d + 1) / 2;
  const Index total = n * lanes;  // elements (Philox calls): e = j * lanes + l
  const PhiloxKeys keys(key_, purpose_);
  CounterWalk walk(first_particle, lanes);
  NormalBuffer z;
  // Even d in a contiguous block: element e fills entries 2e and 2e + 1 of the column-major
  // storage, so whole groups are stored interleaved straight from the buffer.
  const bool interleaved = d % 2 == 0 && out.outerStride() == d;
  for (Index e = 0; e < total; e += Index{max_groups} * width) {
    const int groups = static_cast<int>(std::min<Index>(max_groups, (total - e + width - 1) / width));
    normal_groups(keys, index32, walk, groups, z);
    const Index count = std::min<Index>(Index{groups} * width, total - e);
    if (interleaved && count == Index{groups} * width) {
      for (int g = 0; g < groups; ++g) Lanes::store_interleaved(out.data() + 2 * (e + g * width), z.z0[g], z.z1[g]);
      continue;
    }
    // Odd d, strided blocks, the last partial group: one element at a time; padding lanes
    // were computed like the others and are dropped here.
    alignas(64) double b0[max_groups * width], b1[max_groups * width];
    Index j = e / lanes;
    Index row = 2 * (e % lanes);
    for (int g = 0; g < groups; ++g) {
      Lanes::store(b0 + g * width, z.z0[g]);
      Lanes::store(b1 + g * width, z.z1[g]);
    }
    for (Index i = 0; i < count; ++i) {
      out(row, j) = b0[i];
      if (row + 1 < d) out(row + 1, j) = b1[i];
      row += 2;
      if (row >= d) {
        row = 0;
        ++j;
      }
    }
  }
}

void RandomStream::uniforms(std::uint64_t index, Index first_particle, Block out) const {
  const Index d = out.rows();
  const Index n = out.cols();
  if (d == 0 || n == 0) return;
  assert(index <= 0xffffffffu);
  const auto index32 = static_cast<std::uint32_t>(index);
  const Index total = n * d;
  const PhiloxKeys keys(key_, purpose_);
  CounterWalk walk(first_particle, d);
  alignas(64) double u[width];
  Index j = 0;
  Index row = 0;
  for (Index e = 0; e < total; e += width, walk.advance()) {
    const PhiloxOut r = philox(keys, index32, walk.particle(), walk.lane());
    Lanes::store(u, uniform(r.x0, r.x1));
    const int count = static_cast<int>(std::min<Index>(width, total - e));
    for (int i = 0; i < count; ++i) {
      out(row, j) = u[i];
      if (++row == d) {
        row = 0;
        ++j;
      }
    }
  }
}

ScalarSequence RandomStream::sequence(Index particle, std::uint64_t index) const {
  return ScalarSequence(key_, purpose_, static_cast<std::uint32_t>(particle),
                        static_cast<std::uint32_t>(index));
}

}  // namespace sgmtk
