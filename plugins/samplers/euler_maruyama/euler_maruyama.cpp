// The Euler-Maruyama sampler for the reverse OU SDE (MATH.md B.1):
//   y_{k+1} = y_k + h (y_k + 2 s(tau_k, y_k)) + sqrt(2) dW_k,   dW_k ~ N(0, h I),
// with dW_k the step-k increment of the run's Brownian path, so that EM on any step count is
// synchronously coupled with every other scheme driven by the same path (MATH.md E.7).
#include <sgmtk/plugin.hpp>

#include <algorithm>
#include <cmath>

namespace sgmtk::euler_maruyama {

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
    Matrix& s = ctx.scratch.matrix(0, d, n);
    ctx.score.score(ctx.grid.tau(k), y, s);
    // The increment is drawn a slice of particles at a time into an L1-sized buffer and used
    // at once: the block's y and s make one pass through the update instead of dW making
    // three (written, scaled, read) through L2. The numbers are the same: the path's draws do
    // not depend on how the particles are split, and the update below is elementwise (this
    // file is compiled with -ffp-contract=off, so its vector and scalar iterations round alike).
    const Index slice = std::min(n, std::max<Index>(16, (2048 / std::max<Index>(d, 1)) / 8 * 8));
    Matrix& dW = ctx.scratch.matrix(1, d, slice);
    for (Index j0 = 0; j0 < n; j0 += slice) {
      const Index m = std::min(slice, n - j0);
      auto dw = dW.leftCols(m);
      ctx.path.increment(ctx.grid, k, ctx.first_particle + j0, dw);
      for (Index j = 0; j < m; ++j) {
        double* yj = y.col(j0 + j).data();
        const double* sj = s.col(j0 + j).data();
        const double* wj = dw.col(j).data();
        for (Index i = 0; i < d; ++i) yj[i] = yj[i] + (h * (yj[i] + 2.0 * sj[i]) + sqrt2 * wj[i]);
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
    &sgmtk::euler_maruyama::euler_maruyama_params))
