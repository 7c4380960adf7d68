// The two copies of isotropic_kernel.inc: `base` for the build's target (4 AVX2 lanes, or one
// scalar lane elsewhere) and `wide` (8 AVX-512 lanes) under GCC's target pragma, each in its own
// namespace with internal linkage, so that no inline or template function compiled for AVX-512
// can be picked by the linker for the base path. No Eigen in this file (nor anything else whose
// templates could be instantiated inside the AVX-512 region); the dispatch is in
// isotropic_evaluation.cpp.
#include "isotropic_kernel.hpp"

#include <bit>
#include <cmath>
#include <cstdint>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

#if defined(__AVX2__) && defined(__FMA__) && defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SGMTK_MIXTURE_AVX512 1
#else
#define SGMTK_MIXTURE_AVX512 0
#endif

namespace sgmtk::mixture {
namespace {
namespace base {
#if defined(__AVX2__) && defined(__FMA__)
struct Lanes {
  static constexpr int width = 4;
  static constexpr int component_tile = 8;  // accumulators in registers (16 ymm)
  using D = __m256d;
  using I = __m256i;
  static I lane_offsets(std::ptrdiff_t stride) { return _mm256_set_epi64x(3 * stride, 2 * stride, stride, 0); }
  static D gather(const double* p, I offsets) { return _mm256_i64gather_pd(p, offsets, 8); }
  static void scatter(double* p, I offsets, D a) {  // no AVX2 scatter
    alignas(32) double v[4];
    alignas(32) long long o[4];
    _mm256_store_pd(v, a);
    _mm256_store_si256(reinterpret_cast<__m256i*>(o), offsets);
    for (int l = 0; l < 4; ++l) p[o[l]] = v[l];
  }
  static D set1(double x) { return _mm256_set1_pd(x); }
  static D loadu(const double* p) { return _mm256_loadu_pd(p); }
  static void storeu(double* p, D a) { _mm256_storeu_pd(p, a); }
  static void transpose(D* v) {  // 4 x 4: v[r][c] -> v[c][r]
    const D x0 = _mm256_unpacklo_pd(v[0], v[1]), x1 = _mm256_unpackhi_pd(v[0], v[1]);
    const D x2 = _mm256_unpacklo_pd(v[2], v[3]), x3 = _mm256_unpackhi_pd(v[2], v[3]);
    v[0] = _mm256_permute2f128_pd(x0, x2, 0x20);
    v[1] = _mm256_permute2f128_pd(x1, x3, 0x20);
    v[2] = _mm256_permute2f128_pd(x0, x2, 0x31);
    v[3] = _mm256_permute2f128_pd(x1, x3, 0x31);
  }
  static D load(const double* p) { return _mm256_load_pd(p); }
  static void store(double* p, D a) { _mm256_store_pd(p, a); }
  static D add(D a, D b) { return _mm256_add_pd(a, b); }
  static D sub(D a, D b) { return _mm256_sub_pd(a, b); }
  static D mul(D a, D b) { return _mm256_mul_pd(a, b); }
  static D div(D a, D b) { return _mm256_div_pd(a, b); }
  static D fma(D a, D b, D c) { return _mm256_fmadd_pd(a, b, c); }    // a b + c
  static D fnma(D a, D b, D c) { return _mm256_fnmadd_pd(a, b, c); }  // c - a b
  static D max(D a, D b) { return _mm256_max_pd(a, b); }  // b where either is NaN
  static D zero_where_less(D x, double bound, D value) {
    return _mm256_andnot_pd(_mm256_cmp_pd(x, _mm256_set1_pd(bound), _CMP_LT_OQ), value);
  }
  // 2^n from t = n + 1.5 2^52 (|n| < 2^31): the low mantissa bits of t are n in two's complement.
  static D pow2_of_shifted(D t) {
    const __m256i n = _mm256_sub_epi64(_mm256_castpd_si256(t), _mm256_castpd_si256(_mm256_set1_pd(0x1.8p52)));
    return _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(n, _mm256_set1_epi64x(1023)), 52));
  }
};
#else
struct Lanes {
  static constexpr int width = 1;
  static constexpr int component_tile = 8;
  using D = double;
  using I = std::ptrdiff_t;
  static I lane_offsets(std::ptrdiff_t) { return 0; }
  static D gather(const double* p, I) { return *p; }
  static void scatter(double* p, I, D a) { *p = a; }
  static D set1(double x) { return x; }
  static D loadu(const double* p) { return *p; }
  static void storeu(double* p, D a) { *p = a; }
  static void transpose(D*) {}
  static D load(const double* p) { return *p; }
  static void store(double* p, D a) { *p = a; }
  static D add(D a, D b) { return a + b; }
  static D sub(D a, D b) { return a - b; }
  static D mul(D a, D b) { return a * b; }
  static D div(D a, D b) { return a / b; }
  static D fma(D a, D b, D c) { return std::fma(a, b, c); }
  static D fnma(D a, D b, D c) { return std::fma(-a, b, c); }
  static D max(D a, D b) { return a > b ? a : b; }  // b where either is NaN, like maxpd
  static D zero_where_less(D x, double bound, D value) { return x < bound ? 0.0 : value; }
  static D pow2_of_shifted(D t) {
    const auto n = std::bit_cast<std::uint64_t>(t) - std::bit_cast<std::uint64_t>(0x1.8p52);
    return std::bit_cast<double>((n + 1023) << 52);
  }
};
#endif
#include "isotropic_kernel.inc"
}  // namespace base

#if SGMTK_MIXTURE_AVX512
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512vl,avx512bw")
#pragma GCC diagnostic push
// GCC 12's AVX-512 shift intrinsics start from _mm512_undefined_epi32(): a false positive.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
namespace wide {
struct Lanes {
  static constexpr int width = 8;
  static constexpr int component_tile = 16;  // accumulators in registers (32 zmm)
  using D = __m512d;
  using I = __m512i;
  static I lane_offsets(std::ptrdiff_t s) { return _mm512_set_epi64(7 * s, 6 * s, 5 * s, 4 * s, 3 * s, 2 * s, s, 0); }
  static D gather(const double* p, I offsets) { return _mm512_i64gather_pd(offsets, p, 8); }
  static void scatter(double* p, I offsets, D a) { _mm512_i64scatter_pd(p, offsets, a, 8); }
  static D set1(double x) { return _mm512_set1_pd(x); }
  static D loadu(const double* p) { return _mm512_loadu_pd(p); }
  static void storeu(double* p, D a) { _mm512_storeu_pd(p, a); }
  static void transpose(D* v) {  // 8 x 8: v[r][c] -> v[c][r], in three rounds of 2-source shuffles
    D x[8], y[8];
    for (int r = 0; r < 8; r += 2) {
      x[r] = _mm512_unpacklo_pd(v[r], v[r + 1]);      // v_r[0] v_r+1[0] v_r[2] v_r+1[2] ...
      x[r + 1] = _mm512_unpackhi_pd(v[r], v[r + 1]);  // v_r[1] v_r+1[1] v_r[3] v_r+1[3] ...
    }
    const __m512i lo = _mm512_set_epi64(13, 12, 5, 4, 9, 8, 1, 0);
    const __m512i hi = _mm512_set_epi64(15, 14, 7, 6, 11, 10, 3, 2);
    for (int r = 0; r < 8; r += 4) {
      y[r] = _mm512_permutex2var_pd(x[r], lo, x[r + 2]);          // column 0 (and 4) of rows r..r+3
      y[r + 1] = _mm512_permutex2var_pd(x[r + 1], lo, x[r + 3]);  // column 1 (and 5)
      y[r + 2] = _mm512_permutex2var_pd(x[r], hi, x[r + 2]);      // column 2 (and 6)
      y[r + 3] = _mm512_permutex2var_pd(x[r + 1], hi, x[r + 3]);  // column 3 (and 7)
    }
    for (int c = 0; c < 4; ++c) {
      v[c] = _mm512_shuffle_f64x2(y[c], y[c + 4], 0x44);
      v[c + 4] = _mm512_shuffle_f64x2(y[c], y[c + 4], 0xEE);
    }
  }
  static D load(const double* p) { return _mm512_load_pd(p); }
  static void store(double* p, D a) { _mm512_store_pd(p, a); }
  static D add(D a, D b) { return _mm512_add_pd(a, b); }
  static D sub(D a, D b) { return _mm512_sub_pd(a, b); }
  static D mul(D a, D b) { return _mm512_mul_pd(a, b); }
  static D div(D a, D b) { return _mm512_div_pd(a, b); }
  static D fma(D a, D b, D c) { return _mm512_fmadd_pd(a, b, c); }
  static D fnma(D a, D b, D c) { return _mm512_fnmadd_pd(a, b, c); }
  static D max(D a, D b) { return _mm512_max_pd(a, b); }  // b where either is NaN, like maxpd
  static D zero_where_less(D x, double bound, D value) {
    return _mm512_maskz_mov_pd(_mm512_cmp_pd_mask(x, _mm512_set1_pd(bound), _CMP_NLT_UQ), value);
  }
  static D pow2_of_shifted(D t) {
    const __m512i n = _mm512_sub_epi64(_mm512_castpd_si512(t), _mm512_castpd_si512(_mm512_set1_pd(0x1.8p52)));
    return _mm512_castsi512_pd(_mm512_slli_epi64(_mm512_add_epi64(n, _mm512_set1_epi64(1023)), 52));
  }
};
#include "isotropic_kernel.inc"
}  // namespace wide
#pragma GCC diagnostic pop
#pragma GCC pop_options
#endif

}  // namespace

bool shared_time_score_has_wide() { return SGMTK_MIXTURE_AVX512 != 0; }

void shared_time_score_base(const SharedTimeScoreArgs& args, const double* x, std::ptrdiff_t x_stride,
                            std::ptrdiff_t n, double* out, std::ptrdiff_t out_stride, double* work) {
  base::shared_time_score(args, x, x_stride, n, out, out_stride, work);
}

void shared_time_score_wide(const SharedTimeScoreArgs& args, const double* x, std::ptrdiff_t x_stride,
                            std::ptrdiff_t n, double* out, std::ptrdiff_t out_stride, double* work) {
#if SGMTK_MIXTURE_AVX512
  wide::shared_time_score(args, x, x_stride, n, out, out_stride, work);
#else
  base::shared_time_score(args, x, x_stride, n, out, out_stride, work);
#endif
}

std::ptrdiff_t shared_time_score_work(std::ptrdiff_t dim, std::ptrdiff_t components) {
  return (2 * dim + 2 * components + 1) * 8;  // for the widest copy
}

}  // namespace sgmtk::mixture
