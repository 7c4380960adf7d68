// Unadjusted Langevin algorithm on the target itself (MATH.md B.7), as a baseline:
//   x_{k+1} = x_k - h grad U(x_k) + sqrt(2) dW_k,   dW_k ~ N(0, h I) from the shared path.
// It is not a reverse diffusion: it never calls the score of p_t. The steps h = h(k) of the
// run's time grid are reused as the Langevin steps (a geometric grid gives decreasing steps),
// and the start is whatever the engine provides (N(0, I) or an exact-start draw); ULA's
// output approaches its own biased stationary law, N(m, C_h) on Gaussian targets with
// c_i = s_i / (1 - h/(2 s_i)) (B.7), not pi.
#include <sgmtk/sgmtk.hpp>

#include <cmath>

namespace {

using namespace sgmtk;

class Ula final : public Sampler {
 public:
  explicit Ula(const Params&) {}

  SamplerTraits traits() const override {
    SamplerTraits t;
    t.reverse_diffusion = false;
    t.needs_potential = true;
    t.score_evaluations_per_step = 0;
    return t;
  }

  void step(const StepContext& ctx, Index k, Block y) const override {
    const Index d = y.rows();
    const Index n = y.cols();
    const double h = ctx.grid.h(k);
    Matrix& grad = ctx.scratch.matrix(0, d, n);
    Matrix& dW = ctx.scratch.matrix(1, d, n);
    // The target itself, not the score model: ULA uses grad U (an injected score error does
    // not apply to it).
    ctx.score.target().potential_gradient(y, grad);
    ctx.path.increment(ctx.grid, k, ctx.first_particle, dW);
    y += -h * grad + std::sqrt(2.0) * dW;
  }
};

std::vector<ParamSpec> ula_params() { return {}; }

}  // namespace

SGMTK_PLUGIN(sgmtk::sampler_entry<Ula>(
    "ula", "1.0.0", "unadjusted Langevin algorithm on the target (baseline, not a reverse diffusion)",
    "x_{k+1} = x_k - h grad U(x_k) + sqrt(2h) xi (MATH.md B.7; for non-differentiable U the "
    "target's subgradient selection, the SG-ULA of Johnston-Lytras-Makras-Sabanis, secondary "
    "source). The steps of the run's time grid are reused as Langevin steps, the start is "
    "whatever the engine gives, and the noise is the shared path's increment, so ULA is coupled "
    "to the other schemes of a run. Its output is biased even as K grows: on N(m, S) the "
    "stationary covariance has eigenvalues s_i/(1 - h/(2 s_i)) (derived here). Needs the "
    "target's potential gradient; the score of p_t and any injected score error are not used.",
    &ula_params, &sgmtk::scratch_slots<2>))
