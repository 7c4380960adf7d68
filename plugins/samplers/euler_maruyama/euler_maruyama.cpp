// The Euler-Maruyama sampler for the reverse OU SDE (MATH.md B.1):
//   y_{k+1} = y_k + h (y_k + 2 s(tau_k, y_k)) + sqrt(2) dW_k,   dW_k ~ N(0, h I),
// with dW_k the step-k increment of the run's Brownian path, so that EM on any step count is
// synchronously coupled with every other scheme driven by the same path (MATH.md E.7).
#include <sgmtk/plugin.hpp>

#include <algorithm>
#include <cmath>

#if defined(__AVX2__) && defined(__FMA__) && defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>
#define SGMTK_EM_AVX512 1
#else
#define SGMTK_EM_AVX512 0
#endif

namespace sgmtk::euler_maruyama {
namespace {

// Positions per score chunk (50 KB; see EulerMaruyama::step).
constexpr Index chunk_doubles = 6400;

// y <- y + (h (y + 2 s) + sqrt2 (scale w)) for columns j < m of d rows (column strides ys, ss,
// ws): w holds the path's normals and scale w is the increment (BrownianPath::increment_normals),
// or w is the increment itself and scale 1 (exact: 1 w = w).
void update(double* y, Index ys, const double* s, Index ss, const double* w, Index ws, Index d, Index m,
            double h, double sqrt2, double scale) {
  for (Index j = 0; j < m; ++j) {
    double* yj = y + j * ys;
    const double* sj = s + j * ss;
    const double* wj = w + j * ws;
    for (Index i = 0; i < d; ++i) yj[i] = yj[i] + (h * (yj[i] + 2.0 * sj[i]) + sqrt2 * (scale * wj[i]));
  }
}

#if SGMTK_EM_AVX512
// The same operations on 8 lanes (GCC vectorizes the loop above 4 wide): used when
// sgmtk::simd_wide_enabled(), bit-identical (each element: 2 s, +, *, *, *, +, +, all rounded).
#pragma GCC push_options
#pragma GCC target("avx512f")
void update_wide(double* y, Index ys, const double* s, Index ss, const double* w, Index ws, Index d, Index m,
                 double h, double sqrt2, double scale) {
  const __m512d hv = _mm512_set1_pd(h);
  const __m512d rv = _mm512_set1_pd(sqrt2);
  const __m512d cv = _mm512_set1_pd(scale);
  const __mmask8 tail = static_cast<__mmask8>((1u << (d % 8)) - 1u);
  for (Index j = 0; j < m; ++j) {
    double* yj = y + j * ys;
    const double* sj = s + j * ss;
    const double* wj = w + j * ws;
    Index i = 0;
    for (; i + 8 <= d; i += 8) {
      const __m512d yv = _mm512_loadu_pd(yj + i);
      const __m512d sv = _mm512_loadu_pd(sj + i);
      const __m512d drift = _mm512_mul_pd(hv, _mm512_add_pd(yv, _mm512_add_pd(sv, sv)));
      const __m512d noise = _mm512_mul_pd(rv, _mm512_mul_pd(cv, _mm512_loadu_pd(wj + i)));
      _mm512_storeu_pd(yj + i, _mm512_add_pd(yv, _mm512_add_pd(drift, noise)));
    }
    if (tail != 0) {
      const __m512d yv = _mm512_maskz_loadu_pd(tail, yj + i);
      const __m512d sv = _mm512_maskz_loadu_pd(tail, sj + i);
      const __m512d drift = _mm512_mul_pd(hv, _mm512_add_pd(yv, _mm512_add_pd(sv, sv)));
      const __m512d noise = _mm512_mul_pd(rv, _mm512_mul_pd(cv, _mm512_maskz_loadu_pd(tail, wj + i)));
      _mm512_mask_storeu_pd(yj + i, tail, _mm512_add_pd(yv, _mm512_add_pd(drift, noise)));
    }
  }
}
#pragma GCC pop_options
#endif

}  // namespace

class EulerMaruyama final : public Sampler {
 public:
  explicit EulerMaruyama(const Params& /*no parameters*/) {}

  SamplerTraits traits() const override {
    SamplerTraits t;
    t.hessian = HessianForm::none;
    t.score_evaluations_per_step = 1;
    return t;
  }

  void step(const StepContext& ctx, Index k, Block y) const override {
    const Index d = y.rows();
    const Index n = y.cols();
    const double h = ctx.grid.h(k);
    const double sqrt2 = std::sqrt(2.0);
    // Scratch slots: the score and the increment live across steps, so the loop never allocates.
    // The block is walked in chunks: the score of a chunk (~50 KB of positions, e.g. 64
    // particles at d = 100, the whole block when d is small), then its increments and update a
    // slice at a time (~1024 doubles, 8 KB, at least 16 particles). The chunk's y and s are
    // still in L1/L2 when the update reads them back (for the whole block at once they came
    // back from L2 or further: 400 KB each at d = 100), and each slice of dW is used as soon as
    // it is drawn. The numbers are the same for any split: a particle's score does not depend
    // on the block it is evaluated in, nor its path draws, and the update is elementwise (this
    // file is compiled with -ffp-contract=off, so its vector and scalar iterations, and its
    // 4- and 8-lane copies, round alike). With one fine interval per step (the usual path) the
    // slice buffer receives the path's normals and the update applies their scale sqrt(h)
    // itself, the same single multiplication increment() does: no separate scaling pass.
    const Index slice = std::min(n, std::max<Index>(16, (1024 / std::max<Index>(d, 1)) / 8 * 8));
    const Index chunk = std::min(n, std::max<Index>(1, chunk_doubles / std::max<Index>(d, 1) / slice) * slice);
    Matrix& s = ctx.scratch.matrix(0, d, chunk);
    Matrix& dW = ctx.scratch.matrix(1, d, slice);
#if SGMTK_EM_AVX512
    const bool wide = simd_wide_enabled();
#else
    const bool wide = false;
    const auto update_wide = update;
#endif
    // Contiguous columns (the usual case) are one run of d m elements: no per-column tails.
    const bool flat = y.outerStride() == d;
    for (Index c0 = 0; c0 < n; c0 += chunk) {
      const Index cn = std::min(chunk, n - c0);
      ctx.score.score(ctx.grid.tau(k), y.middleCols(c0, cn), s.leftCols(cn));
      for (Index j0 = c0; j0 < c0 + cn; j0 += slice) {
        const Index m = std::min(slice, c0 + cn - j0);
        auto dw = dW.leftCols(m);
        double scale = ctx.path.increment_normals(ctx.grid, k, ctx.first_particle + j0, dw);
        if (scale == 0.0) {
          ctx.path.increment(ctx.grid, k, ctx.first_particle + j0, dw);
          scale = 1.0;
        }
        (wide ? update_wide : update)(y.col(j0).data(), y.outerStride(), s.col(j0 - c0).data(), d, dw.data(), d,
                                      flat ? d * m : d, flat ? 1 : m, h, sqrt2, scale);
      }
    }
  }
};

std::vector<ParamSpec> euler_maruyama_params() { return {}; }

}  // namespace sgmtk::euler_maruyama

SGMTK_PLUGIN(sgmtk::sampler_entry<sgmtk::euler_maruyama::EulerMaruyama>(
    "euler_maruyama", "1.0.0", "Euler-Maruyama discretization of the reverse OU SDE",
    "y_{k+1} = y_k + h (y_k + 2 s(tau_k, y_k)) + sqrt(2) dW_k with dW_k ~ N(0, h I) the step's "
    "Brownian increment (MATH.md B.1). One score evaluation per step, at the start of the step. "
    "That [BS] analyses exactly this scheme (step gamma = h, start N(0, I)) is a secondary-source "
    "statement (MATH.md B.1); for [GO] and [YY] it is unverified. On Gaussian targets its output "
    "law is known in closed form (MATH.md E.1, derived there).",
    &sgmtk::euler_maruyama::euler_maruyama_params, &sgmtk::scratch_slots<2>))
