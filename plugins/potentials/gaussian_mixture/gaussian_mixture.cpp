// The gaussian_mixture target: pi = sum_k w_k N(mu_k, S_k) with isotropic, diagonal or full S_k.
// Everything about p_t is closed form (MATH.md C.2): score, the three Hessian forms, the
// normalized log density, and the exact reverse transition of B.8.
#include "mixture_constants.hpp"
#include "mixture_model.hpp"
#include "mixture_sampling.hpp"

#include <sgmtk/error.hpp>
#include <sgmtk/plugin.hpp>

#include <string>

namespace sgmtk::mixture {
namespace {

void check_shape(const char* what, Index rows, Index cols, Index want_rows, Index want_cols) {
  if (rows != want_rows || cols != want_cols) {
    throw NumericalError(std::string("gaussian_mixture: ") + what + " is " + std::to_string(rows) + " x " +
                         std::to_string(cols) + ", expected " + std::to_string(want_rows) + " x " +
                         std::to_string(want_cols));
  }
}

class GaussianMixture final : public Target {
 public:
  explicit GaussianMixture(const Params& p) : model_(build_model(p)) {}

  Index dim() const override { return model_.dim; }

  TargetTraits traits() const override {
    TargetTraits t;
    t.hessian_diagonal = t.hessian_full = t.hessian_vector_product = true;
    t.log_density = t.normalized_log_density = true;
    t.potential = t.moments = t.exact_reverse = true;
    return t;
  }

  void sample(const RandomStream& rng, Index first_particle, Block out) const override {
    check_shape("sample output", out.rows(), out.cols(), model_.dim, out.cols());
    mixture::sample(model_, rng, first_particle, out);
  }

  void evaluate(const ScoreQuery& q) const override {
    const Index d = model_.dim;
    const Index n = q.x.cols;
    check_shape("x", q.x.rows, n, d, n);
    if (!q.score.empty()) check_shape("score", q.score.rows, q.score.cols, d, n);
    if (!q.log_density.empty()) check_shape("log_density", q.log_density.rows, q.log_density.cols, 1, n);
    if (q.hessian != HessianForm::none) {
      check_shape("hessian_out", q.hessian_out.rows, q.hessian_out.cols,
                  q.hessian == HessianForm::full ? d * d : d, n);
      if (q.hessian == HessianForm::vector_product) check_shape("direction", q.direction.rows, q.direction.cols, d, n);
    }
    const TimeCoefficients tc = time_coefficients(q.times, n);
    if (model_.kind == CovarianceKind::isotropic && q.hessian != HessianForm::full) {
      evaluate_isotropic(model_, tc, q);
    } else {
      evaluate_components(model_, tc, q);
    }
  }

  void moments(Eigen::Ref<Vector> mean, Eigen::Ref<Matrix> covariance) const override {
    mixture::moments(model_, mean, covariance);
  }

  // U = -log pi (normalized), i.e. p_t at t = 0.
  void potential(ConstBlock x, Eigen::Ref<RowVector> u) const override {
    Matrix log_pi(1, x.cols());
    ScoreQuery q;
    q.times = 0.0;
    q.x = ConstMatrixView::of(x);
    q.log_density = MatrixView(log_pi);
    evaluate(q);
    u = -log_pi.row(0);
  }

  void potential_gradient(ConstBlock x, Block grad) const override {
    Target::score(0.0, x, grad);
    grad = -grad;
  }

  void reverse_transition(double tau, double h, ConstBlock y, ConstBlock xi, Eigen::Ref<const RowVector> u,
                          Block out) const override {
    mixture::reverse_transition(model_, tau, h, y, xi, u, out);
  }

  std::vector<NamedConstant> constants() const override { return mixture::constants(model_); }

 private:
  MixtureModel model_;
};

// K means and eigenvalue columns; full covariances add a d x d rotation per component and, while
// each is built, its parameter rows, S and the eigensolver's work.
std::uint64_t gaussian_mixture_memory(const Params& p, const MemoryQuery& q) {
  const double d = static_cast<double>(q.dim);
  const double k = static_cast<double>(p.reals("weights").size());
  return memory_bytes(8.0 * (6.0 * k * d + (p.has("covariances") ? (k + 3.0) * d * d : 0.0)));
}

std::vector<ParamSpec> gaussian_mixture_params() {
  return {
      ParamSpec::integer("dim", std::nullopt, "dimension d").at_least(1),
      ParamSpec::reals("weights", RealList{0.5, 0.5},
                       "component weights w_k (K entries, >= 0, summing to 1 within 1e-12)")
          .at_least(0.0),
      ParamSpec::matrix("means", RealMatrix{{-2.0}, {2.0}},
                        "component means, one row per component; a row of length 1 broadcasts to "
                        "all d coordinates"),
      ParamSpec::reals("stddev", std::nullopt,
                       "isotropic covariances S_k = s_k^2 I: one s shared by all components or one "
                       "per component. The default when no covariance is given is s = 1")
          .above(0.0)
          .optional(),
      ParamSpec::matrix("variances", std::nullopt,
                        "diagonal covariances: one row per component (or one row shared), each of "
                        "length d or 1 (broadcast)")
          .optional(),
      ParamSpec::matrix("covariances", std::nullopt,
                        "full covariances: the K d x d matrices stacked (K*d rows of length d), or "
                        "one d x d matrix shared by all components; symmetric positive definite")
          .optional(),
  };
}

}  // namespace
}  // namespace sgmtk::mixture

SGMTK_PLUGIN(sgmtk::target_entry<sgmtk::mixture::GaussianMixture>(
    "gaussian_mixture", "1.0.0", "Gaussian mixture sum_k w_k N(mu_k, S_k): closed-form score, Hessian, exact reverse",
    "pi = sum_k w_k N(mu_k, S_k). Under the OU flow p_t = sum_k w_k N(m_t mu_k, m_t^2 S_k + sigma_t^2 I), "
    "so the score sum_k r_k g_k, the Hessian sum_k r_k (g_k g_k^T - Sigma_k^{-1}) - s s^T and the "
    "normalized log density are closed form (MATH.md C.2: standard / derived here), computed with "
    "log-sum-exp responsibilities. Covariances: give at most one of stddev (isotropic), variances "
    "(diagonal) or covariances (full); none means s = 1. Exact sampling (k ~ w, then mu_k + S_k^{1/2} xi) "
    "and the exact reverse transition X_{tau-h} | X_tau (MATH.md B.8, derived here, checked numerically "
    "there). Constants (semiconvexity K, strong convexity at infinity, weak log-concavity (alpha, M), upper L) "
    "are those MATH.md C.2/C.6 derives for equal isotropic covariances; they are not taken from the papers.",
    &sgmtk::mixture::gaussian_mixture_params, &sgmtk::mixture::gaussian_mixture_memory))
