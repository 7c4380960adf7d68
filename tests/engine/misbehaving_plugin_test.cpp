// Plugins that misbehave DURING a run (tests/misbehaving_plugins): the bad run is recorded as
// failed or diverged, with the plugin's own words in the message, and every other run of the
// sweep -- other samplers, other step counts of the same plugin, other metrics of the same run
// -- completes and is kept in results.csv.
#include "engine_fixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace sgmtk;
using engine::RunStatus;

engine::PluginRegistry registry_with_misbehaving() {
  engine::PluginRegistry r;
  r.scan({SGMTK_TEST_PLUGIN_DIR, SGMTK_MISBEHAVING_PLUGIN_DIR});
  return r;
}

struct Ran {
  engine::RunPlan plan;
  std::vector<engine::RunOutcome> outcomes;
  std::string csv;
};

Ran run(const std::string& toml, const engine::PluginRegistry& registry) {
  Ran r{engine::plan_pipeline(engine::parse_pipeline(toml, "test.toml"), registry), {}, {}};
  r.outcomes = engine::execute(r.plan, {});
  r.csv = engine::results_csv(r.plan, r.outcomes);
  return r;
}

const engine::RunOutcome& find(const Ran& r, const std::string& sampler, Index steps) {
  for (const auto& o : r.outcomes) {
    if (r.plan.samplers[o.run.sampler_index].label == sampler && o.run.point.steps == steps) return o;
  }
  throw std::runtime_error("no run of " + sampler + " at " + std::to_string(steps) + " steps");
}

// One 4-step Euler-Maruyama run on a 2-d Gaussian, measured by `metrics` in this order.
std::string em_run_with_metrics(const std::vector<std::string>& metrics) {
  std::string toml = "[run]\nparticles = 64\n[target]\nplugin = \"gaussian\"\ndim = 2\n[process]\nhorizon = 1.0\nsteps = 4\n"
                     "[[sampler]]\nplugin = \"euler_maruyama\"\n";
  for (const auto& m : metrics) toml += "[[metric]]\nplugin = \"" + m + "\"\n";
  return toml;
}

// Both misbehaving samplers fail only on their 4-step runs (fail_steps = 4).
const char* sampler_pipeline = R"([run]
particles = 64
[target]
plugin = "gaussian"
dim = 2
[process]
horizon = 1.0
early_stop = 1e-3
[[sampler]]
plugin = "throwing_sampler"
[[sampler]]
plugin = "nan_sampler"
[[sampler]]
plugin = "euler_maruyama"
[sweep]
steps = [2, 4]
[[metric]]
plugin = "w2_gaussian"
)";

TEST(MisbehavingPlugin, ThrowingSamplerFailsOnlyItsRunAndOthersAreKept) {
  const auto registry = registry_with_misbehaving();
  const Ran r = run(sampler_pipeline, registry);
  ASSERT_EQ(r.outcomes.size(), 6u);
  const auto& bad = find(r, "throwing_sampler", 4);
  EXPECT_EQ(bad.status, RunStatus::failed);
  EXPECT_NE(bad.message.find("deliberate failure inside step()"), std::string::npos) << bad.message;
  EXPECT_TRUE(bad.metrics.empty());
  EXPECT_EQ(find(r, "throwing_sampler", 2).status, RunStatus::ok) << find(r, "throwing_sampler", 2).message;
  EXPECT_EQ(find(r, "euler_maruyama", 2).status, RunStatus::ok);
  EXPECT_EQ(find(r, "euler_maruyama", 4).status, RunStatus::ok);
  EXPECT_NE(r.csv.find(",failed,"), std::string::npos) << r.csv;
}

TEST(MisbehavingPlugin, NonFiniteSamplerOutputIsDivergedAndOthersAreKept) {
  const auto registry = registry_with_misbehaving();
  const Ran r = run(sampler_pipeline, registry);
  const auto& bad = find(r, "nan_sampler", 4);
  EXPECT_EQ(bad.status, RunStatus::diverged);
  EXPECT_NE(bad.message.find("non-finite"), std::string::npos) << bad.message;
  EXPECT_EQ(find(r, "nan_sampler", 2).status, RunStatus::ok) << find(r, "nan_sampler", 2).message;
  EXPECT_NE(r.csv.find(",diverged,"), std::string::npos) << r.csv;
  // Every run has its rows: 6 runs x 1 metric + the header.
  EXPECT_EQ(std::count(r.csv.begin(), r.csv.end(), '\n'), 7) << r.csv;
}

TEST(MisbehavingPlugin, FailingMetricsFailTheRunButTheOtherMetricIsReported) {
  const auto registry = registry_with_misbehaving();
  const Ran r = run(em_run_with_metrics({"throwing_metric", "nan_metric", "w2_gaussian"}),
                    registry);
  ASSERT_EQ(r.outcomes.size(), 1u);
  const auto& o = r.outcomes[0];
  EXPECT_EQ(o.status, RunStatus::failed);
  EXPECT_NE(o.message.find("throwing_metric"), std::string::npos) << o.message;
  ASSERT_EQ(o.metrics.size(), 3u);
  EXPECT_FALSE(o.metrics[0].ok);
  EXPECT_NE(o.metrics[0].error.find("deliberate failure inside compute()"), std::string::npos) << o.metrics[0].error;
  EXPECT_FALSE(o.metrics[1].ok);
  EXPECT_NE(o.metrics[1].error.find("non-finite"), std::string::npos) << o.metrics[1].error;
  EXPECT_TRUE(o.metrics[2].ok) << o.metrics[2].error;
  EXPECT_TRUE(std::isfinite(o.metrics[2].value.value));
}

// The message of a run that failed or diverged inside a plugin must name that plugin and its
// file, not only relay the plugin's own words. Disabled: core/engine/src/executor.cpp does not
// add that context yet (see the sdk task report for the one-line fixes); enable it with them.
TEST(MisbehavingPlugin, MessagesNameThePluginAndItsFile) {
  const auto registry = registry_with_misbehaving();
  const Ran r = run(sampler_pipeline, registry);
  for (const char* name : {"throwing_sampler", "nan_sampler"}) {
    const auto& bad = find(r, name, 4);
    EXPECT_NE(bad.message.find(name), std::string::npos) << bad.message;
    EXPECT_NE(bad.message.find("misbehaving_samplers.so"), std::string::npos) << bad.message;
  }
  const Ran m = run(em_run_with_metrics({"throwing_metric"}),
                    registry);
  EXPECT_NE(m.outcomes[0].message.find("misbehaving_metrics.so"), std::string::npos) << m.outcomes[0].message;
}

// Plugins are third-party code and may throw anything: an int thrown from step() or compute()
// fails that run (or that metric) with a message naming the plugin, like any exception, instead
// of escaping a worker thread and terminating the process.
TEST(MisbehavingPlugin, NonStdExceptionsFailOnlyTheirRun) {
  const auto registry = registry_with_misbehaving();
  const Ran r = run(R"([run]
particles = 64
[target]
plugin = "gaussian"
dim = 2
[process]
horizon = 1.0
[[sampler]]
plugin = "int_throwing_sampler"
[sweep]
steps = [2, 4]
[[metric]]
plugin = "int_throwing_metric"
[[metric]]
plugin = "w2_gaussian"
)",
                    registry);
  const auto& bad = find(r, "int_throwing_sampler", 4);
  EXPECT_EQ(bad.status, RunStatus::failed);
  EXPECT_NE(bad.message.find("not a std::exception"), std::string::npos) << bad.message;
  EXPECT_NE(bad.message.find("int_throwing_sampler"), std::string::npos) << bad.message;
  const auto& good = find(r, "int_throwing_sampler", 2);
  ASSERT_EQ(good.metrics.size(), 2u);
  EXPECT_FALSE(good.metrics[0].ok);
  EXPECT_NE(good.metrics[0].error.find("not a std::exception"), std::string::npos) << good.metrics[0].error;
  EXPECT_TRUE(good.metrics[1].ok) << good.metrics[1].error;
}

// A finite value with an infinite standard error is not a result: the metric fails (status
// failed in results.csv), it is never written as ok with stderr = inf.
TEST(MisbehavingPlugin, InfiniteStderrIsAFailureNotOk) {
  const auto registry = registry_with_misbehaving();
  const Ran r = run(em_run_with_metrics({"inf_stderr_metric"}),
                    registry);
  const auto& o = r.outcomes[0];
  EXPECT_EQ(o.status, RunStatus::failed);
  ASSERT_EQ(o.metrics.size(), 1u);
  EXPECT_FALSE(o.metrics[0].ok);
  EXPECT_NE(o.metrics[0].error.find("non-finite standard error"), std::string::npos) << o.metrics[0].error;
  EXPECT_EQ(r.csv.find(",inf,"), std::string::npos) << r.csv;
  EXPECT_NE(r.csv.find(",failed,"), std::string::npos) << r.csv;
}

}  // namespace
