#pragma once
// The score of an isotropic mixture at one shared time, by hand-written SIMD kernels over groups
// of particles (particles in SIMD lanes, structure of arrays), for the common query of the
// samplers: score only, no Hessian, no log density. isotropic_evaluation.cpp prepares the
// per-component constants and calls it; isotropic_kernel.cpp holds a 4-lane AVX2 copy and an
// 8-lane AVX-512 copy (chosen at run time, sgmtk::simd_wide_enabled()) of the same arithmetic.
//
// No Eigen here on purpose: this header is included by the file compiled for AVX-512 too.

#include <cstddef>

namespace sgmtk::mixture {

struct SharedTimeScoreArgs {
  std::ptrdiff_t dim = 0;         ///< d
  std::ptrdiff_t components = 0;  ///< K
  const double* means_t = nullptr;  ///< K x d column-major (K-contiguous), centred means mu_k - c
  const double* offset = nullptr; ///< d: m c, subtracted from every position (centring)
  const double* c0 = nullptr;     ///< K: logit_k = (c0_k + c1_k mu_k^T y) - c2_k |y|^2
  const double* c1 = nullptr;     ///< K
  const double* c2 = nullptr;     ///< K
  const double* inv_v = nullptr;  ///< K: 1 / v_k
  double m = 1.0;                 ///< m_t
};

/// score(:, j) for the n particles x(:, j) (column stride x_stride), written to out (column
/// stride out_stride). `work` holds at least shared_time_score_work(d, K) doubles, 64-byte
/// aligned. Each particle's result is the same bits whatever n, its position, or the copy used:
/// _base is the build's own target (AVX2), _wide the AVX-512 copy (the caller checks the CPU;
/// without an AVX-512 copy in the build it runs the base one).
void shared_time_score_base(const SharedTimeScoreArgs& args, const double* x, std::ptrdiff_t x_stride,
                            std::ptrdiff_t n, double* out, std::ptrdiff_t out_stride, double* work);
void shared_time_score_wide(const SharedTimeScoreArgs& args, const double* x, std::ptrdiff_t x_stride,
                            std::ptrdiff_t n, double* out, std::ptrdiff_t out_stride, double* work);
/// The build has an AVX-512 copy.
bool shared_time_score_has_wide();

/// Doubles of working memory shared_time_score needs.
std::ptrdiff_t shared_time_score_work(std::ptrdiff_t dim, std::ptrdiff_t components);

}  // namespace sgmtk::mixture
