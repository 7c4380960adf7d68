// Exact reverse transitions (MATH.md B.8): y_{k+1} ~ Law(X_{tau_{k+1}} | X_{tau_k} = y_k),
// drawn by the target (Gaussian, Gaussian mixture). Started from p_T, the output is exactly
// pi: the zero-error reference path generator for the strong-error estimator (E.7).
// Its standard normals are the shared path's increment over the step divided by sqrt(h), so it
// is driven by the same Brownian path as the schemes it serves as reference for; the uniforms
// (a mixture's component choice) come from purpose step_uniform at index k.
#include <sgmtk/sgmtk.hpp>

#include <cmath>

namespace {

using namespace sgmtk;

class ExactReverse final : public Sampler {
 public:
  explicit ExactReverse(const Params&) {}

  SamplerTraits traits() const override {
    SamplerTraits t;
    t.needs_exact_reverse = true;
    t.score_evaluations_per_step = 0;
    return t;
  }

  void step(const StepContext& ctx, Index k, Block y) const override {
    const Index d = y.rows();
    const Index n = y.cols();
    const double tau = ctx.grid.tau(k);
    const double h = ctx.grid.h(k);
    Matrix& xi = ctx.scratch.matrix(0, d, n);
    Matrix& out = ctx.scratch.matrix(1, d, n);
    RowVector& u = ctx.scratch.row(0, n);
    ctx.path.increment(ctx.grid, k, ctx.first_particle, xi);
    xi /= std::sqrt(h);
    Eigen::Map<Matrix> u_view(u.data(), 1, n);
    RandomStream(ctx.path.key(), purpose::step_uniform)
        .uniforms(static_cast<std::uint64_t>(k), ctx.first_particle, u_view);
    ctx.score.target().reverse_transition(tau, h, y, xi, u, out);
    y = out;
  }
};

std::vector<ParamSpec> exact_reverse_params() { return {}; }

}  // namespace

SGMTK_PLUGIN(sgmtk::sampler_entry<ExactReverse>(
    "exact_reverse", "1.0.0",
    "exact reverse transitions of the OU process (zero-error reference; Gaussian / mixture targets)",
    "Draws X_{tau_{k+1}} given X_{tau_k} = y exactly with the target's reverse_transition "
    "(MATH.md B.8, derived here and checked numerically there): for N(m, S) a Gaussian with "
    "mean mu_{tau-h} + e^{-h} Sigma_{tau-h} Sigma_tau^{-1}(y - mu_tau); for a mixture the same per "
    "component, weighted by the time-tau responsibilities. Started from p_T it samples pi "
    "exactly for any step count. Its normals are the shared path's increments over each step "
    "divided by sqrt(h), so it is synchronously coupled to the schemes run on the same path "
    "(the reference of the strong-error estimator, E.7). It ignores any injected score error.",
    &exact_reverse_params, &sgmtk::scratch_slots<2>))
