#include "commands.hpp"

#include <sgmtk_engine/config_loader.hpp>
#include <sgmtk_engine/executor.hpp>
#include <sgmtk_engine/results_io.hpp>

#include <tbb/global_control.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <unistd.h>

namespace sgmtk::host {

int cmd_run(const PluginOptions& plugins, const RunOptions& options) {
  std::unique_ptr<tbb::global_control> threads;
  if (options.threads > 0) {
    threads = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                    static_cast<std::size_t>(options.threads));
  }
  // The registry outlives the plan: the plan refers to its plugin descriptions.
  engine::PluginRegistry registry;
  engine::RunPlan plan;
  try {
    const engine::PipelineSpec spec = engine::load_pipeline(options.file);
    registry = load_plugins(plugins, spec.plugin_dirs);
    if (!options.quiet) warn_about_failures(registry);
    plan = engine::plan_pipeline(spec, registry);
  } catch (const engine::ConfigError& e) {
    std::cerr << e.what() << "\n";
    return exit_usage;
  } catch (const std::exception& e) {
    std::cerr << options.file << ": error: " << e.what() << "\n";
    return exit_usage;
  }
  const std::string folder = !options.output.empty() ? options.output
                             : !plan.spec.output.empty() ? plan.spec.output
                                                         : (std::filesystem::path("out") / plan.spec.name).string();
  if (!options.quiet) {
    std::cerr << "running " << plan.spec.name << ": " << plan.runs.size() << " run(s), "
              << plan.spec.particles << " particles each\n";
  }
  engine::ExecuteOptions exec;
  exec.progress = !options.quiet && ::isatty(STDERR_FILENO);
  const std::vector<engine::RunOutcome> outcomes = engine::execute(plan, exec);
  try {
    engine::write_results(folder, plan, outcomes);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return exit_run_failed;
  }
  std::size_t bad = 0;
  for (const auto& o : outcomes) bad += o.status != engine::RunStatus::ok;
  if (!options.quiet) engine::print_table(std::cout, plan, outcomes);
  const std::filesystem::path dir(folder);
  std::cout << "results: " << (dir / "results.csv").string() << "\nsummary: " << (dir / "summary.json").string() << "\n";
  if (bad > 0) {
    std::cerr << bad << " of " << outcomes.size() << " run(s) failed or diverged; see the status column of "
              << (dir / "results.csv").string() << "\n";
    return exit_run_failed;
  }
  return exit_ok;
}

}  // namespace sgmtk::host
