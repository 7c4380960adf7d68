// The Euler-Maruyama sampler for the reverse OU SDE (MATH.md B.1):
//   y_{k+1} = y_k + h (y_k + 2 s(tau_k, y_k)) + sqrt(2) dW_k,   dW_k ~ N(0, h I),
// with dW_k the step-k increment of the run's Brownian path, so that EM on any step count is
// synchronously coupled with every other scheme driven by the same path (MATH.md E.7).
#include <sgmtk/plugin.hpp>

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
    // Scratch slots: the score and the increment live across steps, so the loop never allocates.
    Matrix& s = ctx.scratch.matrix(0, d, n);
    Matrix& dW = ctx.scratch.matrix(1, d, n);
    ctx.score.score(ctx.grid.tau(k), y, s);
    ctx.path.increment(ctx.grid, k, ctx.first_particle, dW);
    y += h * (y + 2.0 * s) + std::sqrt(2.0) * dW;
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
