#include <sgmtk/random.hpp>

#include <Random123/philox.h>

#include <Eigen/Core>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

// The eight-lane copy needs GCC's target pragma and the AVX2 base to match bit for bit.
#if defined(__AVX2__) && defined(__FMA__) && defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SGMTK_RANDOM_AVX512 1
#else
#define SGMTK_RANDOM_AVX512 0
#endif

#include <algorithm>
#include <atomic>
#include <bit>
#include <cassert>
#include <cmath>
#include <cstdlib>
#include <numbers>
#include <string_view>

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
// high halves may carry garbage that no later step reads; that is also why the high word of a
// product is brought down by swapping the halves, vpshufd, instead of a shift), and Box-Muller
// is applied to the outputs while they are still in registers. Every element goes through the
// same instructions whatever its position (a short last group is padded, its extra lanes
// discarded), so a particle's numbers do not depend on the block it is drawn in. The uniforms
// are bit-identical to open_uniform(); the normals agree with normal_pair() to a few ulps (own
// log and sincos). The lane-generic code is random_lanes.inc, compiled twice below: 4 AVX2
// lanes (or 1 scalar lane off x86) and 8 AVX-512 lanes, picked at run time, same bits.
//
// Costs, measured on the 2-core AVX2/AVX-512 machine (CPU time per normal): the previous chunked
// version (Philox through GCC's vectorizer, Eigen's log, Taylor sincos) 6.4 ns; 4 AVX2 lanes
// ~2.9 ns; 8 AVX-512 lanes with 4 Philox calls interleaved ~1.9 ns. Philox's rounds are a chain
// of dependent multiplies whose latency the out-of-order window did not hide: without the
// interleaving the 8-lane copy was no faster than the 4-lane one.
namespace {

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

// The base copy: four AVX2 lanes, or one scalar lane on other targets.
namespace base {
#if defined(__AVX2__) && defined(__FMA__)
// Four lanes in AVX2 registers.
struct Lanes {
  static constexpr int width = 4;
  static constexpr int interleave = 4;  // Philox calls in flight (spills a little; still faster)
  static constexpr int box_muller_interleave = 2;
  using D = __m256d;
  using U = __m256i;
  static U set1(std::uint64_t x) { return _mm256_set1_epi64x(static_cast<long long>(x)); }
  static U load_u32(const std::uint32_t* p) {  // 4 words, zero-extended to 64-bit lanes
    return _mm256_cvtepu32_epi64(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static U mul32(U a, U b) { return _mm256_mul_epu32(a, b); }  // low words, 64-bit products
  static U shr(U a, int s) { return _mm256_srli_epi64(a, s); }
  static U swap_halves(U a) { return _mm256_shuffle_epi32(a, 0xB1); }  // vpshufd: not the shift port
  static U shl(U a, int s) { return _mm256_slli_epi64(a, s); }
  static U load_u64(const std::uint64_t* p) { return _mm256_load_si256(reinterpret_cast<const __m256i*>(p)); }
  static U bxor(U a, U b) { return _mm256_xor_si256(a, b); }
  static U xor3(U a, U b, U c) { return _mm256_xor_si256(_mm256_xor_si256(a, b), c); }
  static U band(U a, U b) { return _mm256_and_si256(a, b); }
  static U bor(U a, U b) { return _mm256_or_si256(a, b); }
  static U add(U a, U b) { return _mm256_add_epi64(a, b); }
  static U sub(U a, U b) { return _mm256_sub_epi64(a, b); }
  static U greater_equal(U a, U b) {  // all-ones where a >= b (both < 2^63)
    return _mm256_xor_si256(_mm256_cmpgt_epi64(b, a), _mm256_set1_epi64x(-1));
  }
  // lane -= lanes and ++particle where lane >= lanes.
  static void carry(U& lane, U& particle, U lanes) {
    const U wrap = greater_equal(lane, lanes);
    lane = sub(lane, band(wrap, lanes));
    particle = sub(particle, wrap);  // wrap is -1 where it carries
  }
  // Bits of 1 + m 2^-52, m = the top 52 bits of (hi:lo) (low words of the lanes).
  static U one_plus_bits(U lo, U hi) {
    const U low32 = set1(0xffffffffu);
    return bor(bor(shl(band(hi, low32), 20), shr(band(lo, low32), 12)), set1(0x3FF0000000000000u));
  }
  using Mask = D;  // all-ones lanes
  static D sub_where(Mask m, D a, D b) { return subd(a, anddm(m, b)); }  // a - b, or a - 0
  static D add_where(Mask m, D a, D b) { return addd(a, anddm(m, b)); }  // a + b, or a + 0
  static Mask odd(U k) { return as_double(sub(set1(0), band(k, set1(1)))); }
  // Cephes' log reduction of u in (0, 1), exactly: u = 2^e f with f in [1/2, 1) from the bits,
  // then f < sqrt(1/2) moves to 2f (e - 1); x = f - 1.
  static void log_reduce(D u, D& e, D& x) {
    const U bits = as_bits(u);
    // Exponent as a double without a 64-bit int conversion: (2^52 + biased) - (2^52 + 1022).
    const D e0 = subd(as_double(bor(shr(bits, 52), set1(0x4330000000000000u))), set1d(4503599627370496.0 + 1022.0));
    const D f = as_double(bor(band(bits, set1(0x000FFFFFFFFFFFFFu)), set1(0x3FE0000000000000u)));
    const Mask small = less(f, set1d(0.70710678118654752440));
    e = sub_where(small, e0, set1d(1.0));
    x = add_where(small, subd(f, set1d(1.0)), f);
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
  static constexpr int interleave = 1;
  static constexpr int box_muller_interleave = 1;
  using D = double;
  using U = std::uint64_t;
  static U set1(std::uint64_t x) { return x; }
  static U load_u32(const std::uint32_t* p) { return *p; }
  static U mul32(U a, U b) { return (a & 0xffffffffu) * (b & 0xffffffffu); }
  static U shr(U a, int s) { return a >> s; }
  static U swap_halves(U a) { return (a >> 32) | (a << 32); }
  static U shl(U a, int s) { return a << s; }
  static U load_u64(const std::uint64_t* p) { return *p; }
  static U bxor(U a, U b) { return a ^ b; }
  static U xor3(U a, U b, U c) { return a ^ b ^ c; }
  static U band(U a, U b) { return a & b; }
  static U bor(U a, U b) { return a | b; }
  static U add(U a, U b) { return a + b; }
  static U sub(U a, U b) { return a - b; }
  static U greater_equal(U a, U b) { return a >= b ? ~U{0} : U{0}; }
  static void carry(U& lane, U& particle, U lanes) {
    const U wrap = greater_equal(lane, lanes);
    lane = sub(lane, band(wrap, lanes));
    particle = sub(particle, wrap);
  }
  static U one_plus_bits(U lo, U hi) {
    const U low32 = set1(0xffffffffu);
    return bor(bor(shl(band(hi, low32), 20), shr(band(lo, low32), 12)), set1(0x3FF0000000000000u));
  }
  using Mask = D;
  static D sub_where(Mask m, D a, D b) { return subd(a, anddm(m, b)); }
  static D add_where(Mask m, D a, D b) { return addd(a, anddm(m, b)); }
  static Mask odd(U k) { return as_double(sub(set1(0), band(k, set1(1)))); }
  // Cephes' log reduction of u in (0, 1), exactly: u = 2^e f with f in [1/2, 1) from the bits,
  // then f < sqrt(1/2) moves to 2f (e - 1); x = f - 1.
  static void log_reduce(D u, D& e, D& x) {
    const U bits = as_bits(u);
    // Exponent as a double without a 64-bit int conversion: (2^52 + biased) - (2^52 + 1022).
    const D e0 = subd(as_double(bor(shr(bits, 52), set1(0x4330000000000000u))), set1d(4503599627370496.0 + 1022.0));
    const D f = as_double(bor(band(bits, set1(0x000FFFFFFFFFFFFFu)), set1(0x3FE0000000000000u)));
    const Mask small = less(f, set1d(0.70710678118654752440));
    e = sub_where(small, e0, set1d(1.0));
    x = add_where(small, subd(f, set1d(1.0)), f);
  }
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
#include "random_lanes.inc"
}  // namespace base

// The same kernels on eight lanes, for machines with AVX-512 (F, DQ, VL, BW), chosen at run time
// (simd_wide_enabled()). Compiled for that target by the pragma, in their own namespace with
// internal linkage: nothing here is an inline function or template another file could pick up
// (the standard-library templates they call are defined above the pragma, for the base target).
// Same operations in the same order as the four-lane path: Philox is integer arithmetic, and
// Box-Muller uses only exactly rounded operations (add, mul, div, sqrt, fma), so the eight-lane
// numbers are bit-identical to the four-lane ones. Only the instruction choice differs (three-
// way xor in one vpternlogq; masks through k registers).
#if SGMTK_RANDOM_AVX512
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512vl,avx512bw")
#pragma GCC diagnostic push
// GCC 12's AVX-512 shift intrinsics start from _mm512_undefined_epi32(): a false positive.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
namespace wide {
struct Lanes {
  static constexpr int width = 8;
  static constexpr int interleave = 4;  // Philox calls in flight (32 zmm registers)
  static constexpr int box_muller_interleave = 2;
  using D = __m512d;
  using U = __m512i;
  static U set1(std::uint64_t x) { return _mm512_set1_epi64(static_cast<long long>(x)); }
  static U load_u64(const std::uint64_t* p) { return _mm512_load_si512(p); }
  static U mul32(U a, U b) { return _mm512_mul_epu32(a, b); }
  static U shr(U a, int s) { return _mm512_srli_epi64(a, static_cast<unsigned>(s)); }
  static U swap_halves(U a) { return _mm512_shuffle_epi32(a, _MM_PERM_CDAB); }
  static U shl(U a, int s) { return _mm512_slli_epi64(a, static_cast<unsigned>(s)); }
  static U bxor(U a, U b) { return _mm512_xor_si512(a, b); }
  static U xor3(U a, U b, U c) { return _mm512_ternarylogic_epi64(a, b, c, 0x96); }
  static U band(U a, U b) { return _mm512_and_si512(a, b); }
  static U bor(U a, U b) { return _mm512_or_si512(a, b); }
  static U add(U a, U b) { return _mm512_add_epi64(a, b); }
  static U sub(U a, U b) { return _mm512_sub_epi64(a, b); }
  // The same results as the base copy's operations, with k-register masks and vpternlogq:
  static void carry(U& lane, U& particle, U lanes) {
    const __mmask8 wrap = _mm512_cmpge_epu64_mask(lane, lanes);
    lane = _mm512_mask_sub_epi64(lane, wrap, lane, lanes);
    particle = _mm512_mask_add_epi64(particle, wrap, particle, set1(1));
  }
  static U one_plus_bits(U lo, U hi) {
    // (hi << 20) has the garbage of hi's upper word in bits 52..63, (lo >> 12) that of lo's in
    // bits 20..51: take bits 0..19 from the second, the rest from the first (0xD8: c ? b : a),
    // then keep the 52 mantissa bits and set the exponent of 1 (0xEA: (a & b) | c).
    const U m = _mm512_ternarylogic_epi64(shl(hi, 20), shr(lo, 12), set1(0xFFFFFu), 0xD8);
    return _mm512_ternarylogic_epi64(m, set1(0x000FFFFFFFFFFFFFu), set1(0x3FF0000000000000u), 0xEA);
  }
  using Mask = __mmask8;
  // Where the mask is clear these return a, which equals a - 0 and a + 0 here (never -0).
  static D sub_where(Mask m, D a, D b) { return _mm512_mask_sub_pd(a, m, a, b); }
  static D add_where(Mask m, D a, D b) { return _mm512_mask_add_pd(a, m, a, b); }
  static Mask odd(U k) { return _mm512_test_epi64_mask(k, set1(1)); }
  // vgetmantpd / vgetexppd are exact: f = the mantissa in [1/2, 1), getexp = e - 1; the base
  // copy's e0 - (small ? 1 : 0) is getexp + (small ? 0 : 1), the same small integer.
  static void log_reduce(D u, D& e, D& x) {
    const D f = _mm512_getmant_pd(u, _MM_MANT_NORM_p5_1, _MM_MANT_SIGN_src);
    const __mmask8 small = _mm512_cmp_pd_mask(f, set1d(0.70710678118654752440), _CMP_LT_OQ);
    const D g = _mm512_getexp_pd(u);
    e = _mm512_mask_add_pd(g, static_cast<__mmask8>(~small), g, set1d(1.0));
    x = add_where(small, subd(f, set1d(1.0)), f);
  }
  static D as_double(U a) { return _mm512_castsi512_pd(a); }
  static U as_bits(D a) { return _mm512_castpd_si512(a); }
  static D set1d(double x) { return _mm512_set1_pd(x); }
  static D fma(D a, D b, D c) { return _mm512_fmadd_pd(a, b, c); }
  static D fms(D a, D b, D c) { return _mm512_fmsub_pd(a, b, c); }
  static D fnma(D a, D b, D c) { return _mm512_fnmadd_pd(a, b, c); }
  static D mul(D a, D b) { return _mm512_mul_pd(a, b); }
  static D addd(D a, D b) { return _mm512_add_pd(a, b); }
  static D subd(D a, D b) { return _mm512_sub_pd(a, b); }
  static D div(D a, D b) { return _mm512_div_pd(a, b); }
  static D sqrt(D a) { return _mm512_sqrt_pd(a); }
  static __mmask8 less(D a, D b) { return _mm512_cmp_pd_mask(a, b, _CMP_LT_OQ); }
  static D select(__mmask8 mask, D yes, D no) { return _mm512_mask_blend_pd(mask, no, yes); }
  static D xord(D a, D b) { return _mm512_xor_pd(a, b); }
  static void store(double* p, D a) { _mm512_storeu_pd(p, a); }
  static void store_interleaved(double* p, D a, D b) {
    const __m512i lo = _mm512_set_epi64(11, 3, 10, 2, 9, 1, 8, 0);  // a0 b0 a1 b1 a2 b2 a3 b3
    const __m512i hi = _mm512_set_epi64(15, 7, 14, 6, 13, 5, 12, 4);
    _mm512_storeu_pd(p, _mm512_permutex2var_pd(a, lo, b));
    _mm512_storeu_pd(p + 8, _mm512_permutex2var_pd(a, hi, b));
  }
};
#include "random_lanes.inc"
}  // namespace wide
#pragma GCC diagnostic pop
#pragma GCC pop_options
#endif

// Which copy runs. Read once from the CPU and SGMTK_SIMD (=avx2 keeps the 256-bit kernels);
// tests switch it with set_simd_wide_enabled() to compare the two copies bit for bit.
std::atomic<int>& wide_state() {
  static std::atomic<int> state{[] {
#if SGMTK_RANDOM_AVX512
    __builtin_cpu_init();
    const bool cpu = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                     __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw");
    const char* env = std::getenv("SGMTK_SIMD");
    const bool allowed = env == nullptr || std::string_view(env) != "avx2";
    return cpu && allowed ? 1 : 0;
#else
    return 0;
#endif
  }()};
  return state;
}

}  // namespace

bool simd_wide_available() {
#if SGMTK_RANDOM_AVX512
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw");
#else
  return false;
#endif
}

bool simd_wide_enabled() { return wide_state().load(std::memory_order_relaxed) != 0; }

bool set_simd_wide_enabled(bool enabled) {
  const bool previous = simd_wide_enabled();
  wide_state().store(enabled && simd_wide_available() ? 1 : 0, std::memory_order_relaxed);
  return previous;
}

namespace {

enum class Draw { normals, uniforms };

/// Fills `out` (d x n, particles first_particle, ...) with the 8-lane copy when it is in use,
/// else the 4-lane one: the same bits either way.
template <Draw what>
void fill_block(RandomKey key, std::uint32_t purpose, std::uint64_t index, Index first_particle, Block out) {
  const Index d = out.rows();
  const Index n = out.cols();
  if (d == 0 || n == 0) return;
  assert(index <= 0xffffffffu);
  const PhiloxKeys keys(key, purpose);
  const auto index32 = static_cast<std::uint32_t>(index);
#if SGMTK_RANDOM_AVX512
  if (simd_wide_enabled()) {
    if constexpr (what == Draw::normals) wide::fill_normals(keys, index32, first_particle, d, n, out.data(), out.outerStride());
    else wide::fill_uniforms(keys, index32, first_particle, d, n, out.data(), out.outerStride());
    return;
  }
#endif
  if constexpr (what == Draw::normals) base::fill_normals(keys, index32, first_particle, d, n, out.data(), out.outerStride());
  else base::fill_uniforms(keys, index32, first_particle, d, n, out.data(), out.outerStride());
}

}  // namespace

void RandomStream::normals(std::uint64_t index, Index first_particle, Block out) const {
  fill_block<Draw::normals>(key_, purpose_, index, first_particle, out);
}

void RandomStream::uniforms(std::uint64_t index, Index first_particle, Block out) const {
  fill_block<Draw::uniforms>(key_, purpose_, index, first_particle, out);
}

ScalarSequence RandomStream::sequence(Index particle, std::uint64_t index) const {
  return ScalarSequence(key_, purpose_, static_cast<std::uint32_t>(particle),
                        static_cast<std::uint32_t>(index));
}

}  // namespace sgmtk
