// Probability-flow ODE in backward time (MATH.md B.6): dy/dt = y + grad log p_{T-t}(y).
// Deterministic: the Brownian path is never read, so the output is a fixed map of the start.
//   euler:        y_{k+1} = y_k + h (y_k + s(tau_k, y_k))
//   exponential:  y_{k+1} = e^h y_k + expm1(h) s(tau_k, y_k)
//   heun:         predictor y~ = Euler step; y_{k+1} = y_k + h/2 [f(tau_k, y_k) + f(tau_{k+1}, y~)],
//                 f(tau, y) = y + s(tau, y). When tau_{k+1} = 0 (no early stopping) the score is
//                 not evaluated at tau = 0 (MATH.md A.3): that last step uses the explicit
//                 midpoint rule y_{k+1} = y_k + h f(tau_k - h/2, y_k + h/2 f(tau_k, y_k)),
//                 also second order.
#include <sgmtk/sgmtk.hpp>

#include <cmath>

namespace {

using namespace sgmtk;

enum class Method { euler, exponential, heun };

Method parse_method(const std::string& s) {
  if (s == "exponential") return Method::exponential;
  if (s == "heun") return Method::heun;
  return Method::euler;
}

class ProbabilityFlow final : public Sampler {
 public:
  explicit ProbabilityFlow(const Params& p) : method_(parse_method(p.string("method"))) {}

  SamplerTraits traits() const override {
    SamplerTraits t;
    t.stochastic = false;
    t.score_evaluations_per_step = method_ == Method::heun ? 2 : 1;
    return t;
  }

  void step(const StepContext& ctx, Index k, Block y) const override {
    const Index d = y.rows();
    const Index n = y.cols();
    const double tau = ctx.grid.tau(k);
    const double h = ctx.grid.h(k);
    Matrix& s = ctx.scratch.matrix(0, d, n);
    ctx.score.score(tau, y, s);
    switch (method_) {
      case Method::euler:
        y += h * (y + s);
        return;
      case Method::exponential:
        y = std::exp(h) * y + std::expm1(h) * s;
        return;
      case Method::heun: {
        Matrix& f0 = s;  // f(tau_k, y_k), in place
        f0 += y;
        Matrix& y_pred = ctx.scratch.matrix(1, d, n);
        Matrix& s1 = ctx.scratch.matrix(2, d, n);
        const double tau_next = ctx.grid.tau(k + 1);
        if (tau_next > 0.0) {
          y_pred = y + h * f0;
          ctx.score.score(tau_next, y_pred, s1);
          y += (0.5 * h) * (f0 + y_pred + s1);
        } else {
          y_pred = y + (0.5 * h) * f0;
          ctx.score.score(tau - 0.5 * h, y_pred, s1);
          y += h * (y_pred + s1);
        }
        return;
      }
    }
  }

 private:
  Method method_;
};

std::vector<ParamSpec> probability_flow_params() {
  return {ParamSpec::choice("method", "euler", {"euler", "exponential", "heun"},
                            "euler: explicit Euler; exponential: exact linear part with the score "
                            "frozen (exponential integrator); heun: explicit trapezoidal "
                            "predictor-corrector, second order, two score evaluations per step")};
}

}  // namespace

SGMTK_PLUGIN(sgmtk::sampler_entry<ProbabilityFlow>(
    "probability_flow", "1.0.0",
    "probability-flow ODE (deterministic): dy/dt = y + grad log p_{T-t}(y)",
    "Integrates the probability-flow ODE of the forward OU process in backward time (MATH.md "
    "B.6, derived here): Euler y + h(y + s), exponential e^h y + (e^h - 1) s, or Heun "
    "(trapezoidal predictor-corrector; the explicit midpoint rule on a last step ending at "
    "tau = 0, so the score is never evaluated at 0). The papers do not analyse ODE samplers "
    "([YY] list them as future work, secondary source). No randomness is drawn: from the same "
    "start the output is a deterministic map.",
    &probability_flow_params, &sgmtk::scratch_slots<3>))
