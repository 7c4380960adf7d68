#pragma once
// In-process access to the engine for tests: a registry over the build's plugins, and running a
// pipeline text to its results.csv content.

#include <sgmtk_engine/config_loader.hpp>
#include <sgmtk_engine/executor.hpp>
#include <sgmtk_engine/plugin_registry.hpp>
#include <sgmtk_engine/results_io.hpp>
#include <sgmtk_engine/run_plan.hpp>

#include <string>

namespace sgmtk::testing {

inline engine::PluginRegistry build_registry() {
  engine::PluginRegistry r;
  r.scan({SGMTK_TEST_PLUGIN_DIR});
  return r;
}

/// results.csv of a pipeline given as text.
inline std::string run_to_csv(const std::string& toml, const engine::PluginRegistry& registry) {
  const engine::PipelineSpec spec = engine::parse_pipeline(toml, "test.toml");
  const engine::RunPlan plan = engine::plan_pipeline(spec, registry);
  return engine::results_csv(plan, engine::execute(plan, {}));
}

}  // namespace sgmtk::testing
