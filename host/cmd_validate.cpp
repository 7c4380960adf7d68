#include "commands.hpp"

#include <sgmtk_engine/config_loader.hpp>
#include <sgmtk_engine/exception_message.hpp>
#include <sgmtk_engine/memory_estimate.hpp>
#include <sgmtk_engine/output_folder.hpp>
#include <sgmtk_engine/run_plan.hpp>

#include <tbb/info.h>

#include <iostream>

namespace sgmtk::host {

int cmd_validate(const PluginOptions& plugins, const ValidateOptions& options) {
  const std::string& file = options.file;
  try {
    // The same budget `run` would use with these options (run_attempt in cmd_run.cpp).
    const std::size_t threads = options.threads > 0 ? static_cast<std::size_t>(options.threads)
                                                    : static_cast<std::size_t>(tbb::info::default_concurrency());
    const engine::MemoryBudget budget = engine::memory_budget(options.max_memory, threads, options.ranks);
    const engine::PipelineSpec spec = engine::load_pipeline(file);
    const engine::PluginRegistry registry = load_plugins(plugins, spec.plugin_dirs);
    const engine::RunPlan plan = engine::plan_pipeline(spec, registry, budget);
    const std::string folder = engine::output_folder(plan.spec, options.output);
    if (const std::string problem = engine::output_folder_problem(folder); !problem.empty()) {
      std::cerr << file << ": error: " << problem << " (run.output, or -o)\n";
      return exit_usage;
    }
    std::cout << file << ": ok (" << plan.runs.size() << " run" << (plan.runs.size() == 1 ? "" : "s") << ": "
              << plan.samplers.size() << " sampler(s) x " << plan.runs.size() / std::max<std::size_t>(1, plan.samplers.size())
              << " sweep point(s) and replicate(s), " << plan.metrics.size() << " metric(s); about "
              << engine::format_bytes(plan.memory.total_bytes) << " at peak with " << threads << " thread(s)"
              << (options.ranks > 1 ? ", per rank" : "") << "; results in " << folder << ")\n";
    return exit_ok;
  } catch (const engine::ConfigError& e) {
    std::cerr << e.what() << "\n";
    return exit_usage;
  } catch (...) {
    // Planning calls plugin code (factories, traits, memory estimates).
    std::cerr << file << ": error: " << engine::current_exception_message() << "\n";
    return exit_usage;
  }
}

}  // namespace sgmtk::host
