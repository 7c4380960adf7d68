// Randomized-midpoint schemes for the reverse OU SDE (MATH.md B.3 REM, B.4 REI).
//
// Per step and particle a fresh U ~ Unif(0, 1) (purpose step_uniform, index = step k, keyed by
// the particle) picks the time t_k + U h. Both stages' Gaussians are functionals of ONE Brownian
// path with their exact joint law (the pitfall of B.3 is to draw them independently):
//   euler (REM):       G1 = W(t_k + Uh) - W(t_k), G = W(t_{k+1}) - W(t_k)
//     y_U     = y_k + U h (y_k + 2 s(tau_k, y_k)) + sqrt(2) G1
//     y_{k+1} = y_k + h (y_U + 2 s(tau_k - U h, y_U)) + sqrt(2) G
//   exponential (REI): J1 = sqrt(2) int_0^{Uh} e^{Uh-r} dW_r, J2 = sqrt(2) int_0^h e^{h-r} dW_r
//     y_U     = e^{Uh} y_k + 2 expm1(Uh) s(tau_k, y_k) + J1
//     y_{k+1} = e^h y_k + 2 h e^{(1-U)h} s(tau_k - U h, y_U) + J2
// The second score evaluation is at per-particle times (one U per particle).
#include <sgmtk/sgmtk.hpp>

#include <cmath>

namespace {

using namespace sgmtk;

enum class Variant { euler, exponential };

class RandomizedMidpoint final : public Sampler {
 public:
  explicit RandomizedMidpoint(const Params& p)
      : variant_(p.string("variant") == "euler" ? Variant::euler : Variant::exponential) {}

  SamplerTraits traits() const override {
    SamplerTraits t;
    t.score_evaluations_per_step = 2;
    return t;
  }

  void step(const StepContext& ctx, Index k, Block y) const override {
    const Index d = y.rows();
    const Index n = y.cols();
    const double tau = ctx.grid.tau(k);
    const double h = ctx.grid.h(k);
    Matrix& u = ctx.scratch.matrix(0, 1, n);
    Matrix& times = ctx.scratch.matrix(1, 1, n);
    Matrix& s = ctx.scratch.matrix(2, d, n);
    Matrix& y_mid = ctx.scratch.matrix(3, d, n);
    Matrix& g1 = ctx.scratch.matrix(4, d, n);
    Matrix& g = ctx.scratch.matrix(5, d, n);

    RandomStream(ctx.path.key(), purpose::step_uniform)
        .uniforms(static_cast<std::uint64_t>(k), ctx.first_particle, u);
    times = (tau - h * u.array()).matrix();
    ctx.score.score(tau, y, s);
    const auto uh = (h * u.array()).eval();  // 1 x n

    if (variant_ == Variant::euler) {
      ctx.path.partial_increment(ctx.grid, k, ctx.first_particle, u.data(), g1, g);
      // y_U = y + U h b_k + sqrt(2) G1, b_k = y + 2 s; per-particle U scales whole columns.
      y_mid = (y.array() + (y.array() + 2.0 * s.array()).rowwise() * uh.row(0)).matrix() +
              std::sqrt(2.0) * g1;
      ctx.score.score(times.data(), y_mid, s);
      y = y + h * (y_mid + 2.0 * s) + std::sqrt(2.0) * g;
    } else {
      ctx.path.partial_ou(ctx.grid, k, ctx.first_particle, u.data(), g1, g);
      // Scalar std::exp / std::expm1 on purpose: Eigen's vectorized exp differs from the scalar
      // one in the last bits, and which particles fall in the packet loop depends on the block
      // size, which would break bitwise determinism across block splits.
      const auto e_uh = uh.unaryExpr([](double x) { return std::exp(x); }).eval();
      const auto em1_uh = uh.unaryExpr([](double x) { return std::expm1(x); }).eval();
      y_mid = (y.array().rowwise() * e_uh.row(0) + (2.0 * s.array()).rowwise() * em1_uh.row(0))
                  .matrix() +
              g1;
      ctx.score.score(times.data(), y_mid, s);
      const auto weight = (h - uh).unaryExpr([h](double x) { return 2.0 * h * std::exp(x); }).eval();  // 2h e^{(1-U)h}
      y = (std::exp(h) * y.array() + s.array().rowwise() * weight.row(0)).matrix() + g;
    }
  }

 private:
  Variant variant_;
};

std::vector<ParamSpec> randomized_midpoint_params() {
  return {ParamSpec::choice(
      "variant", "euler", {"euler", "exponential"},
      "euler: REM (MATH.md B.3), Euler stages; exponential: REI (B.4), exponential-integrator "
      "stages with the OU-weighted noises J1, J2")};
}

}  // namespace

SGMTK_PLUGIN(sgmtk::sampler_entry<RandomizedMidpoint>(
    "randomized_midpoint", "1.0.0",
    "randomized midpoint (REM / REI): score at a uniform random time inside each step",
    "One U ~ Unif(0,1) per step and particle; a first stage to t_k + U h, then the full step "
    "with the score at (tau_k - U h, y_U), an unbiased one-point estimate in U of the drift "
    "integral. Both stages' noises come from one Brownian path with their exact joint law "
    "(Cov(G1, G) = U h; Var J1 = e^{2Uh} - 1, Cov(J1, J2) = 2 e^h sinh(Uh)). variant = euler is "
    "REM (MATH.md B.3), variant = exponential is REI (B.4): both are transcriptions to the "
    "reverse SDE derived here, after the structure of Shen & Lee (2019) and Gupta-Cai-Chen "
    "(arXiv:2406.00924) (unverified against those papers); the name REI is [YY]'s (secondary "
    "source), its exact update and noise coupling are not verified. One U per step is shared "
    "by all coordinates, so on product targets the output is not a product law (E.6); a U per "
    "coordinate would need d score calls per step and is not offered. Two score evaluations "
    "per step.",
    &randomized_midpoint_params, &sgmtk::scratch_slots<6>))
