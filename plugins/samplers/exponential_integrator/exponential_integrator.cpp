// Exponential integrator for the reverse OU SDE (MATH.md B.2): the linear part y' = y is
// solved exactly over the step and the score is frozen at (tau_k, y_k):
//   y_{k+1} = e^h y_k + 2 expm1(h) s(tau_k, y_k) + J,   J = sqrt(2) int_0^h e^{h-r} dW_r,
// with J drawn by the shared Brownian path jointly with dW (Var J = e^{2h} - 1), so that this
// scheme and Euler-Maruyama on the same path are synchronously coupled.
#include <sgmtk/sgmtk.hpp>

#include <cmath>

namespace {

using namespace sgmtk;

class ExponentialIntegrator final : public Sampler {
 public:
  explicit ExponentialIntegrator(const Params&) {}

  SamplerTraits traits() const override { return {}; }

  void step(const StepContext& ctx, Index k, Block y) const override {
    const Index d = y.rows();
    const Index n = y.cols();
    const double tau = ctx.grid.tau(k);
    const double h = ctx.grid.h(k);
    Matrix& s = ctx.scratch.matrix(0, d, n);
    Matrix& dW = ctx.scratch.matrix(1, d, n);
    Matrix& J = ctx.scratch.matrix(2, d, n);
    ctx.score.score(tau, y, s);
    ctx.path.increment_with_ou(ctx.grid, k, ctx.first_particle, dW, J);
    // expm1 keeps the drift coefficient accurate for small h (e^h - 1 would lose digits).
    y = std::exp(h) * y + (2.0 * std::expm1(h)) * s + J;
  }
};

std::vector<ParamSpec> exponential_integrator_params() { return {}; }

}  // namespace

SGMTK_PLUGIN(sgmtk::sampler_entry<ExponentialIntegrator>(
    "exponential_integrator", "1.0.0",
    "exponential integrator: exact linear part, score frozen at the step start",
    "y_{k+1} = e^h y_k + 2(e^h - 1) s(tau_k, y_k) + J, J = sqrt(2) int_0^h e^{h-r} dW_r ~ N(0, "
    "(e^{2h} - 1) I), drawn from the shared Brownian path jointly with its increment (MATH.md B.2, "
    "E.7). The update is derived here as the exact solution of dY = (Y + 2 s_k) dt + sqrt(2) dB on "
    "the step; [YY] names exponential integrators, but that their update is exactly this one is "
    "unverified. One score evaluation per step.",
    &exponential_integrator_params, &sgmtk::scratch_slots<3>))
