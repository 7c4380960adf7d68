#include "commands.hpp"

#include <sgmtk_engine/config_loader.hpp>
#include <sgmtk_engine/executor.hpp>
#include <sgmtk_engine/memory_estimate.hpp>
#include <sgmtk_engine/results_io.hpp>
#include <sgmtk_engine/run_journal.hpp>

#include <tbb/global_control.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <unistd.h>

namespace sgmtk::host {

int cmd_run(const PluginOptions& plugins, const RunOptions& options) {
  std::unique_ptr<tbb::global_control> thread_limit;
  if (options.threads > 0) {
    thread_limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
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
  // Memory: refuse before starting rather than be killed later.
  const std::size_t threads = static_cast<std::size_t>(tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
  const engine::MemoryEstimate memory = engine::estimate_memory(plan, threads, threads);
  std::uint64_t limit = 0;
  try {
    limit = options.max_memory.empty() ? engine::default_memory_limit() : engine::parse_memory_size(options.max_memory);
  } catch (const std::exception& e) {
    std::cerr << "error: --max-memory: " << e.what() << "\n";
    return exit_usage;
  }
  if (limit > 0 && memory.total_bytes > limit) {
    std::cerr << options.file << ": error: this sweep needs about " << engine::format_bytes(memory.total_bytes) << " ("
              << memory.concurrent_runs << " concurrent run(s); " << memory.breakdown << "), more than the limit of "
              << engine::format_bytes(limit) << (options.max_memory.empty() ? " (80% of available memory)" : " (--max-memory)")
              << ". Reduce particles or dim, use fewer --threads, or raise --max-memory.\n";
    return exit_usage;
  }

  // Resume: runs an interrupted earlier invocation finished are taken from the journal.
  std::unique_ptr<engine::RunJournal> journal;
  try {
    journal = std::make_unique<engine::RunJournal>(folder, plan, options.fresh);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return exit_run_failed;
  }
  if (!options.quiet) {
    std::cerr << "running " << plan.spec.name << ": " << plan.runs.size() << " run(s), " << plan.spec.particles
              << " particles each, about " << engine::format_bytes(memory.total_bytes) << " at peak\n";
    if (journal->discarded_stale()) std::cerr << "note: " << folder << " held results of a different pipeline; starting over\n";
    if (!journal->finished().empty()) {
      std::cerr << "resuming: " << journal->finished().size() << " of " << plan.runs.size()
                << " run(s) were finished by an earlier invocation (--fresh to redo them)\n";
    }
  }
  engine::ExecuteOptions exec;
  exec.progress = !options.quiet && ::isatty(STDERR_FILENO);
  exec.finished = &journal->finished();
  exec.concurrent_runs = threads;
  exec.on_run_done = [&](const engine::RunOutcome& o) { journal->record(o); };
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
