// The elastic_net target: U(x) = a |x|_1 + (b/2)|x|^2, a product of identical 1-D laws
// (MATH.md C.3). Score, second derivative and log p_t are closed form (shared_numerics/
// elastic_net_1d.hpp); exact samples: a random sign times TN(-a/b, 1/b; (0, inf)).
#include "../shared_numerics/elastic_net_1d.hpp"
#include "../shared_numerics/product_target.hpp"
#include "../shared_numerics/truncated_normal.hpp"

#include <sgmtk/error.hpp>
#include <sgmtk/plugin.hpp>

#include <cmath>
#include <limits>

namespace sgmtk::elastic_net {
namespace {

using numerics::CoordinateValues;

class ElasticNet final : public Target {
 public:
  explicit ElasticNet(const Params& p) : dim_(p.integer("dim")), law_(p.real("a"), p.real("b")) {}

  Index dim() const override { return dim_; }

  TargetTraits traits() const override {
    TargetTraits t;
    t.product_form = true;
    t.hessian_diagonal = t.hessian_full = t.hessian_vector_product = true;
    t.log_density = t.normalized_log_density = true;
    t.potential = t.moments = true;
    return t;
  }

  void sample(const RandomStream& rng, Index first_particle, Block out) const override {
    numerics::check_block("elastic_net", "sample output", out.rows(), out.cols(), dim_, out.cols());
    const double nu = -law_.a() / law_.b();
    for (Index j = 0; j < out.cols(); ++j) {
      for (Index i = 0; i < dim_; ++i) {
        ScalarSequence seq = rng.sequence(first_particle + j, static_cast<std::uint64_t>(i));
        const double sign = seq.uniform() < 0.5 ? -1.0 : 1.0;
        out(i, j) = sign * numerics::truncated_normal_positive(nu, law_.b(), seq);
      }
    }
  }

  void evaluate(const ScoreQuery& q) const override {
    numerics::evaluate_product("elastic_net", dim_, q, [this](double, double m, double s2) {
      return [this, m, s2](double y, bool second, bool log_p) { return law_.evaluate(m, s2, y, second, log_p); };
    });
  }

  void moments(Eigen::Ref<Vector> mean, Eigen::Ref<Matrix> covariance) const override {
    mean.setZero();
    covariance.setZero();
    covariance.diagonal().setConstant(law_.second_moment());
  }

  void potential(ConstBlock x, Eigen::Ref<RowVector> u) const override {
    u = law_.a() * x.cwiseAbs().colwise().sum() + 0.5 * law_.b() * x.colwise().squaredNorm();
  }

  /// a sign(x) + b x with sign(0) = 0 (the subgradient selection of MATH.md B.7).
  void potential_gradient(ConstBlock x, Block grad) const override {
    grad = law_.a() * x.array().sign().matrix() + law_.b() * x;
  }

  std::vector<NamedConstant> constants() const override {
    const double a = law_.a(), b = law_.b();
    const double inf = std::numeric_limits<double>::infinity();
    std::vector<NamedConstant> out;
    // E|X| of one coordinate, from E X^2 and the truncated normal mean.
    const double z = -a / std::sqrt(b);
    const double abs_mean = -a / b + numerics::inverse_mills(z) / std::sqrt(b);
    out.push_back({"fisher_information", double(dim_) * (a * a + 2.0 * a * b * abs_mean + b * b * law_.second_moment()),
                   "I(pi) = d (a^2 + 2ab E|X_1| + b^2 E X_1^2) (MATH.md C.3, derived here)"});
    if (a >= 0.0) {
      out.push_back({"semiconvexity_K", 0.0, "convex, b-strongly (MATH.md C.3/C.6, derived here)"});
      out.push_back({"strong_convexity_at_infinity", b, "b everywhere (MATH.md C.6, derived here)"});
      out.push_back({"weak_log_concavity_alpha", b, "(alpha, M) = (b, 0) (MATH.md C.6, derived here)"});
      out.push_back({"weak_log_concavity_M", 0.0, "(alpha, M) = (b, 0) (MATH.md C.6, derived here)"});
      out.push_back({"upper_L", inf,
                     "no one-sided upper Lipschitz bound: the kinks at x_i = 0 make "
                     "<grad U(x) - grad U(y), x - y>/|x - y|^2 unbounded (MATH.md C.3, derived here)"});
    } else {
      out.push_back({"semiconvexity_K", inf,
                     "not semiconvex for any K: a < 0 is a concave kink at 0 (MATH.md C.4 table, "
                     "alpha = 1, gamma = -a > 0; derived here)"});
      out.push_back({"strong_convexity_at_infinity", b,
                     "any mu < b holds for |x - y| >= R = 2|a|/(b - mu); the value is the supremum b "
                     "(MATH.md C.6, MHN alpha = 1, gamma > 0 row; derived here)"});
      out.push_back({"upper_L", b, "grad^2 U <= b away from the concave kink (MATH.md C.6, derived here)"});
    }
    return out;
  }

 private:
  Index dim_;
  numerics::ElasticNet1d law_;
};

std::vector<ParamSpec> elastic_net_params() {
  return {
      ParamSpec::integer("dim", std::nullopt, "dimension d").at_least(1),
      ParamSpec::real("a", 1.0,
                      "l1 weight a in U = a|x|_1 + (b/2)|x|^2; a >= 0 is the convex elastic net of "
                      "MATH.md C.3, a < 0 gives a concave kink at 0 (bimodal; = MHN alpha = 1, gamma = -a)"),
      ParamSpec::real("b", 1.0, "l2 weight b > 0").above(0.0),
  };
}

}  // namespace
}  // namespace sgmtk::elastic_net

SGMTK_PLUGIN(sgmtk::target_entry<sgmtk::elastic_net::ElasticNet>(
    "elastic_net", "1.0.0", "elastic-net potential a|x|_1 + (b/2)|x|^2: closed-form score, Hessian, log p_t",
    "pi ∝ exp(-a|x|_1 - (b/2)|x|^2), a product of identical 1-D laws. [BS] names elastic-net potentials as "
    "an example (paper); this parametrization, the constants and the closed-form perturbed score, second "
    "derivative and normalized log density of p_t are derived in MATH.md C.3 (derived here, checked "
    "numerically), evaluated with a local erfcx in cancellation-free forms. Exact sampling: a random sign "
    "times TN(-a/b, 1/b; (0, inf)) by Robert's algorithm (attribution unverified, MATH.md C.3). "
    "Potential gradient uses sign(0) = 0. a < 0 (concave kink) is allowed as a stress test.",
    &sgmtk::elastic_net::elastic_net_params))
