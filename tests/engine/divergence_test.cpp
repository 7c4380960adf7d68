// A diverging run is reported as such, per run, with no value; the other runs complete.
#include "engine_fixture.hpp"

#include <gtest/gtest.h>

namespace {

TEST(Divergence, ExplodingRunIsMarkedAndOthersComplete) {
  // A relative score error eps adds eps (x - E X_t) to the score (MATH.md B.9), so EM's per-step
  // factor on a standard Gaussian becomes M = 1 + h - 2h + 2h eps: with h = 0.3 and eps = 1000,
  // |M| ~ 600 and ten steps reach 600^10 >> the 1e6 divergence threshold. eps = 0 is stable.
  const std::string toml = R"([run]
particles = 200
[target]
plugin = "gaussian"
dim = 2
[process]
horizon = 3.0
early_stop = 1e-3
steps = 10
score_error_kind = "relative"
[[sampler]]
plugin = "euler_maruyama"
[sweep]
score_error = [1000.0, 0.0]
[[metric]]
plugin = "w2_gaussian"
)";
  const auto registry = sgmtk::testing::build_registry();
  const auto plan = sgmtk::engine::plan_pipeline(sgmtk::engine::parse_pipeline(toml, "test.toml"), registry);
  const auto outcomes = sgmtk::engine::execute(plan, {});
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].status, sgmtk::engine::RunStatus::diverged);
  EXPECT_NE(outcomes[0].message.find("diverged"), std::string::npos) << outcomes[0].message;
  EXPECT_TRUE(outcomes[0].metrics.empty());
  EXPECT_EQ(outcomes[1].status, sgmtk::engine::RunStatus::ok) << outcomes[1].message;
  const std::string csv = sgmtk::engine::results_csv(plan, outcomes);
  EXPECT_NE(csv.find(",diverged,"), std::string::npos) << csv;
}

}  // namespace
