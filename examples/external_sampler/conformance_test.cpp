// The sgmtk conformance kit run over this project's plugins, each loaded from its .so exactly
// as the host loads it (descriptor, ABI check, parameter validation, factory).
#include <sgmtk/testing/conformance.hpp>

#include <gtest/gtest.h>

namespace {

using namespace sgmtk::conformance;

std::shared_ptr<sgmtk::Sampler> heun() {
  static const auto library = PluginLibrary::open(HEUN_PLUGIN_FILE);
  return library->make_sampler("stochastic_heun");
}

TEST(StochasticHeun, DeclaresTwoScoreEvaluationsAndNoHessian) {
  const sgmtk::SamplerTraits t = heun()->traits();
  EXPECT_EQ(t.score_evaluations_per_step, 2);
  EXPECT_EQ(t.hessian, sgmtk::HessianForm::none);
}

TEST(StochasticHeun, DeterministicAcrossBlocksAndThreads) {
  const ReferenceGaussian target = ReferenceGaussian::standard();
  EXPECT_TRUE(report(check_sampler_determinism(*heun(), target, {}, "stochastic_heun")));
}

TEST(StochasticHeun, FiniteAndCloseToPiOnAGaussian) {
  EXPECT_TRUE(report(check_sampler_on_gaussian(*heun(), {}, "stochastic_heun")));
}

}  // namespace

namespace {

// The tutorial's target and metric (docs/writing-plugins.md), through the same kit.
TEST(IsoGaussian, PassesTheTargetChecks) {
  const auto library = PluginLibrary::open(ISO_GAUSSIAN_PLUGIN_FILE);
  sgmtk::Params p;
  p.set("dim", std::int64_t{3});
  p.set("mean", 0.5);
  const auto target = library->make_target("iso_gaussian", p);
  TargetCheckOptions o;
  o.label = "iso_gaussian";
  EXPECT_TRUE(report(check_score_vs_log_density(*target, o)));
  EXPECT_TRUE(report(check_hessian_vs_score(*target, o)));
  EXPECT_TRUE(report(check_per_particle_times(*target, o)));
  EXPECT_TRUE(report(check_sampling_block_invariance(*target, o)));
  EXPECT_TRUE(report(check_moments_vs_samples(*target, o)));
}

TEST(MeanError, PassesTheMetricChecks) {
  const auto library = PluginLibrary::open(MEAN_ERROR_PLUGIN_FILE);
  const auto metric = library->make_metric("mean_error");
  MetricCheckOptions o;
  o.label = "mean_error";
  EXPECT_TRUE(report(check_metric_basics(*metric, ReferenceGaussian::standard(), o)));
  report(check_metric_two_clouds(*metric, ReferenceGaussian::standard(), o));  // it ignores references
}

}  // namespace
