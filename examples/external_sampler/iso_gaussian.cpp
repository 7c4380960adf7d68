// iso_gaussian: the target of the writing-plugins tutorial (docs/writing-plugins.md), built out of
// tree like stochastic_heun. pi = N(mean 1, stddev^2 I) in dimension dim. Under the forward OU
// process p_t = N(m_t mean 1, V_t I) with m_t = e^{-t}, V_t = m_t^2 stddev^2 + 1 - e^{-2t}
// (MATH.md A.1), so the score is -(x - m_t mean) / V_t and the Hessian -I / V_t: closed forms.
#include <sgmtk/sgmtk.hpp>

#include <cmath>
#include <numbers>

namespace {

using namespace sgmtk;

std::vector<ParamSpec> iso_gaussian_params() {
  return {ParamSpec::integer("dim", 1, "dimension d").at_least(1),
          ParamSpec::real("mean", 0.0, "every coordinate's mean"),
          ParamSpec::real("stddev", 1.0, "every coordinate's standard deviation").above(0.0)};
}

class IsoGaussian final : public Target {
 public:
  explicit IsoGaussian(const Params& p) : d_(p.integer("dim")), mean_(p.real("mean")), sd_(p.real("stddev")) {}

  Index dim() const override { return d_; }
  TargetTraits traits() const override {
    TargetTraits t;
    t.product_form = t.hessian_diagonal = t.moments = true;
    t.log_density = t.normalized_log_density = true;
    return t;
  }
  // Exact draws from the stream given, keyed by particle: any block split gives the same bits.
  void sample(const RandomStream& rng, Index first_particle, Block out) const override {
    rng.normals(0, first_particle, out);
    out = (sd_ * out.array() + mean_).matrix();
  }
  void evaluate(const ScoreQuery& q) const override {
    if (q.hessian != HessianForm::none && q.hessian != HessianForm::diagonal) {
      throw UnsupportedError("iso_gaussian: only the diagonal Hessian is provided");
    }
    const auto x = q.x.map();
    for (Index j = 0; j < x.cols(); ++j) {  // one time per particle, or a shared one
      const double m = ou::mean_factor(q.times[j]);
      const double v = m * m * sd_ * sd_ + ou::noise_variance(q.times[j]);
      const auto r = (x.col(j).array() - m * mean_);
      if (!q.score.empty()) q.score.map().col(j) = (-r / v).matrix();
      if (q.hessian == HessianForm::diagonal) q.hessian_out.map().col(j).setConstant(-1.0 / v);
      if (!q.log_density.empty()) {
        q.log_density.map()(0, j) = -0.5 * (r.square().sum() / v + d_ * std::log(2 * std::numbers::pi * v));
      }
    }
  }
  void moments(Eigen::Ref<Vector> mean, Eigen::Ref<Matrix> cov) const override {
    mean.setConstant(mean_);
    cov.setIdentity();
    cov *= sd_ * sd_;
  }

 private:
  Index d_;
  double mean_;
  double sd_;
};

}  // namespace

SGMTK_PLUGIN(sgmtk::target_entry<IsoGaussian>(
    "iso_gaussian", "0.1.0", "N(mean 1, stddev^2 I) (tutorial target, out of tree)",
    "Isotropic Gaussian; closed-form score, diagonal Hessian and normalized log density of p_t "
    "(MATH.md A.1). Written in docs/writing-plugins.md.",
    &iso_gaussian_params))
