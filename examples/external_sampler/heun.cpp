// stochastic_heun: a Heun-type predictor-corrector for the reverse OU SDE, built OUTSIDE the sgmtk
// tree against the installed SDK (find_package(sgmtk) + sgmtk_add_plugin; see README.md here).
//
// With the reverse drift b(tau, y) = y + 2 s(tau, y) (s = grad log p_tau, forward time tau) and
// the step's Brownian increment dW ~ N(0, h I) taken from the run's shared path:
//   predictor  y* = y + h b(tau_k, y) + sqrt(2) dW                      (an Euler-Maruyama step)
//   corrector  y' = y + h/2 [b(tau_k, y) + b(tau_{k+1}, y*)] + sqrt(2) dW   (the same dW)
// Provenance: derived here; it is the standard stochastic Heun scheme for additive noise (the
// trapezoidal rule on the drift). It is NOT a scheme analysed in the papers MATH.md cites, and no
// convergence rate is claimed for it here. Two score evaluations per step.
#include <sgmtk/sgmtk.hpp>

#include <cmath>

namespace {

using namespace sgmtk;

class StochasticHeun final : public Sampler {
 public:
  explicit StochasticHeun(const Params& /*no parameters*/) {}

  SamplerTraits traits() const override {
    SamplerTraits t;
    t.hessian = HessianForm::none;
    t.score_evaluations_per_step = 2;
    return t;
  }

  void step(const StepContext& ctx, Index k, Block y) const override {
    const Index d = y.rows();
    const Index n = y.cols();
    const double h = ctx.grid.h(k);
    // Per-block scratch (never a member or a static: blocks run concurrently on TBB threads).
    Matrix& b0 = ctx.scratch.matrix(0, d, n);     // b(tau_k, y)
    Matrix& dW = ctx.scratch.matrix(1, d, n);     // the step's increment, shared by both stages
    Matrix& ystar = ctx.scratch.matrix(2, d, n);  // predictor, then b(tau_{k+1}, y*)
    Matrix& s1 = ctx.scratch.matrix(3, d, n);
    ctx.score.score(ctx.grid.tau(k), y, b0);
    b0 = y + 2.0 * b0;
    // Noise only from the path the engine gives: keyed by particle, so any block split or
    // thread count gives the same bits, and the run is coupled with every other scheme.
    ctx.path.increment(ctx.grid, k, ctx.first_particle, dW);
    ystar = y + h * b0 + std::sqrt(2.0) * dW;
    ctx.score.score(ctx.grid.tau(k + 1), ystar, s1);
    y += 0.5 * h * (b0 + ystar + 2.0 * s1) + std::sqrt(2.0) * dW;
  }
};

std::vector<ParamSpec> stochastic_heun_params() { return {}; }

}  // namespace

SGMTK_PLUGIN(sgmtk::sampler_entry<StochasticHeun>(
    "stochastic_heun", "0.1.0", "stochastic Heun predictor-corrector for the reverse OU SDE (out-of-tree example)",
    "Predictor y* = y + h b(tau_k, y) + sqrt(2) dW, corrector y' = y + h/2 [b(tau_k, y) + "
    "b(tau_{k+1}, y*)] + sqrt(2) dW with the same dW (the step's increment of the shared Brownian "
    "path) and b(tau, y) = y + 2 s(tau, y). Derived here: the standard stochastic Heun scheme for "
    "additive noise, not a scheme from the papers MATH.md cites; no rate is claimed. Two score "
    "evaluations per step. Built outside the sgmtk tree (examples/external_sampler).",
    &stochastic_heun_params))
