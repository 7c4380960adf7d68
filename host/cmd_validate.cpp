#include "commands.hpp"

#include <sgmtk_engine/config_loader.hpp>
#include <sgmtk_engine/run_plan.hpp>

#include <iostream>

namespace sgmtk::host {

int cmd_validate(const PluginOptions& plugins, const std::string& file) {
  try {
    const engine::PipelineSpec spec = engine::load_pipeline(file);
    const engine::PluginRegistry registry = load_plugins(plugins, spec.plugin_dirs);
    const engine::RunPlan plan = engine::plan_pipeline(spec, registry);
    std::cout << file << ": ok (" << plan.runs.size() << " run" << (plan.runs.size() == 1 ? "" : "s") << ": "
              << plan.samplers.size() << " sampler(s) x " << plan.runs.size() / std::max<std::size_t>(1, plan.samplers.size())
              << " sweep point(s) and replicate(s), " << plan.metrics.size() << " metric(s))\n";
    return exit_ok;
  } catch (const engine::ConfigError& e) {
    std::cerr << e.what() << "\n";
    return exit_usage;
  } catch (const std::exception& e) {
    std::cerr << file << ": error: " << e.what() << "\n";
    return exit_usage;
  }
}

}  // namespace sgmtk::host
