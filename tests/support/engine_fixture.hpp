#pragma once
// In-process access to the engine for tests: a registry over the build's plugins, and running a
// pipeline text to its results.csv content.

#include <sgmtk_engine/config_loader.hpp>
#include <sgmtk_engine/executor.hpp>
#include <sgmtk_engine/plugin_registry.hpp>
#include <sgmtk_engine/results_io.hpp>
#include <sgmtk_engine/run_plan.hpp>

#include <sstream>
#include <string>

namespace sgmtk::testing {

inline engine::PluginRegistry build_registry() {
  engine::PluginRegistry r;
  r.scan({SGMTK_TEST_PLUGIN_DIR});
  return r;
}

/// results.csv of a pipeline given as text, without the wall-clock `seconds` column (the only
/// column allowed to differ between identical runs).
inline std::string run_to_csv(const std::string& toml, const engine::PluginRegistry& registry) {
  const engine::PipelineSpec spec = engine::parse_pipeline(toml, "test.toml");
  const engine::RunPlan plan = engine::plan_pipeline(spec, registry);
  const auto outcomes = engine::execute(plan, {});
  std::istringstream in(engine::results_csv(plan, outcomes));
  std::string line, out;
  int seconds_col = -1;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::string cell;
    std::istringstream ls(line);
    while (std::getline(ls, cell, ',')) cells.push_back(cell);
    if (seconds_col < 0) {
      for (std::size_t i = 0; i < cells.size(); ++i)
        if (cells[i] == "seconds") seconds_col = static_cast<int>(i);
    }
    for (std::size_t i = 0; i < cells.size(); ++i)
      if (static_cast<int>(i) != seconds_col) out += cells[i] + ",";
    out += "\n";
  }
  return out;
}

}  // namespace sgmtk::testing
