#include "commands.hpp"

#include <sgmtk_engine/communicator.hpp>
#include <sgmtk_engine/config_loader.hpp>
#include <sgmtk_engine/distributed_sweep.hpp>
#include <sgmtk_engine/exception_message.hpp>
#include <sgmtk_engine/executor.hpp>
#include <sgmtk_engine/memory_estimate.hpp>
#include <sgmtk_engine/output_folder.hpp>
#include <sgmtk_engine/output_lock.hpp>
#include <sgmtk_engine/particle_split.hpp>
#include <sgmtk_engine/results_io.hpp>
#include <sgmtk_engine/run_journal.hpp>
#include <sgmtk_engine/run_supervisor.hpp>

#include <tbb/global_control.h>

#include <csignal>
#include <filesystem>
#include <iostream>
#include <memory>
#include <unistd.h>

namespace sgmtk::host {

namespace {

/// Under MPI every rank does each set-up step; a failure on any rank stops them all. Returns
/// the failure to report (the root's own, else the first other rank's, named), or "" on all.
std::string first_failure(engine::Communicator& comm, const std::string& mine) {
  if (mine.empty() || comm.is_root()) return comm.first_nonempty(mine);
  return comm.first_nonempty("MPI rank " + std::to_string(comm.rank()) + ": " + mine);
}

// One attempt at the whole run; `crash_signal` != 0 when the previous attempt's process died of
// that signal (run_supervisor.hpp).
int run_attempt(const PluginOptions& plugins, const RunOptions& given, int crash_signal) {
  RunOptions options = given;
  if (crash_signal != 0) options.fresh = false;  // a restart continues the same journal
  std::unique_ptr<tbb::global_control> thread_limit;
  if (options.threads > 0) {
    thread_limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                    static_cast<std::size_t>(options.threads));
  }
  // One process, or every rank of an MPI job: all ranks plan the same runs; rank 0 alone
  // speaks, keeps the journal and writes the results.
  std::unique_ptr<engine::Communicator> comm;
  try {
    comm = engine::world();
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return exit_usage;
  }
  const bool root = comm->is_root();
  const bool speak = root && !options.quiet;
  auto fail = [&](const std::string& error, int code) {
    if (root) std::cerr << error << "\n";
    return code;
  };

  // Memory: refuse before starting rather than be killed later (each rank for its own share);
  // planning checks the estimate before it builds any target.
  const std::size_t threads = static_cast<std::size_t>(tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
  engine::MemoryBudget budget;
  try {
    budget = engine::memory_budget(options.max_memory, threads, comm->size());
  } catch (const std::exception& e) {
    return fail(std::string("error: --max-memory: ") + e.what(), exit_usage);
  }

  // The registry outlives the plan: the plan refers to its plugin descriptions.
  engine::PluginRegistry registry;
  engine::RunPlan plan;
  std::string error;
  try {
    const engine::PipelineSpec spec = engine::load_pipeline(options.file);
    registry = load_plugins(plugins, spec.plugin_dirs);
    if (speak) warn_about_failures(registry);
    plan = engine::plan_pipeline(spec, registry, budget);
  } catch (const engine::ConfigError& e) {
    error = e.what();
  } catch (...) {
    // Planning asks the plugins for their traits and dimensions: third-party code.
    error = options.file + ": error: " + engine::current_exception_message();
  }
  if (error = first_failure(*comm, error); !error.empty()) return fail(error, exit_usage);
  if (comm->size() > 1) {
    // Every rank must run the same plan with the same plugins, or the results would mix.
    const std::string fingerprint = comm->broadcast(engine::plan_fingerprint(plan));
    error = fingerprint == engine::plan_fingerprint(plan)
                ? ""
                : "the pipeline resolves differently here than on rank 0 (other plugin files, versions or "
                  "parameters on this node?); every rank must see the same pipeline and plugins";
    if (error = first_failure(*comm, error); !error.empty()) return fail("error: " + error, exit_usage);
  }
  const std::string folder = engine::output_folder(plan.spec, options.output);

  // One run per output folder at a time, for the whole run (output_lock.hpp).
  std::unique_ptr<engine::OutputFolderLock> lock;
  if (root) {
    try {
      lock = std::make_unique<engine::OutputFolderLock>(folder);
    } catch (const std::exception& e) {
      error = std::string("error: ") + e.what();
    }
  }
  if (error = first_failure(*comm, error); !error.empty()) return fail(error, exit_usage);
  // Resume: runs an interrupted earlier invocation finished are taken from the journal (rank 0's).
  std::unique_ptr<engine::RunJournal> journal;
  if (root) {
    try {
      journal = std::make_unique<engine::RunJournal>(folder, plan, options.fresh, crash_signal);
    } catch (const std::exception& e) {
      error = std::string("error: ") + e.what();
    }
  }
  if (error = first_failure(*comm, error); !error.empty()) return fail(error, exit_run_failed);
  if (root && journal->crashed_now() >= 0) {
    const engine::RunOutcome& crashed = journal->finished().at(journal->crashed_now());
    std::cerr << "run " << crashed.run.id << " crashed: " << crashed.message << "\n";
  }
  if (root && !journal->isolate().empty()) {
    std::cerr << "note: " << journal->isolate().size()
              << " runs were in flight when the process crashed; they are computed again one at a time to find the one that "
                 "crashed\n";
  }
  if (speak) {
    std::cerr << "running " << plan.spec.name << ": " << plan.runs.size() << " run(s), " << plan.spec.particles
              << " particles each, about " << engine::format_bytes(plan.memory.total_bytes) << " at peak";
    if (comm->size() > 1) {
      std::cerr << " per rank, over " << comm->size() << " MPI ranks ("
                << (plan.spec.distribute == engine::Distribute::particles ? "each run split by particles" : "runs handed out")
                << ")";
    }
    std::cerr << "\n";
    if (journal->discarded_stale()) std::cerr << "note: " << folder << " held results of a different pipeline; starting over\n";
    if (!journal->finished().empty()) {
      std::cerr << "resuming: " << journal->finished().size() << " of " << plan.runs.size()
                << " run(s) were finished by an earlier invocation (--fresh to redo them)\n";
    }
  }
  engine::ExecuteOptions exec;
  exec.progress = !options.quiet && ::isatty(STDERR_FILENO);
  exec.finished = root ? &journal->finished() : nullptr;
  exec.concurrent_runs = threads;
  exec.on_run_done = [&](const engine::RunOutcome& o) { journal->record(o); };
  if (root) {
    exec.on_run_start = [&](const engine::PlannedRun& r) { journal->mark_started(r); };
    exec.isolate = journal->isolate();
  }
  const std::vector<engine::RunOutcome> outcomes = plan.spec.distribute == engine::Distribute::particles
                                                       ? engine::execute_split(plan, exec, *comm)
                                                       : engine::execute_over_ranks(plan, exec, *comm);
  if (!root) return exit_ok;
  try {
    engine::write_results(folder, plan, outcomes);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n(every finished run is kept in the journal: the same command writes the results once "
              << "the cause is fixed)\n";
    return exit_run_failed;
  }
  std::size_t bad = 0;
  for (const auto& o : outcomes) bad += o.status != engine::RunStatus::ok;
  if (!options.quiet) engine::print_table(std::cout, plan, outcomes);
  const std::filesystem::path dir(folder);
  std::cout << "results: " << (dir / "results.csv").string() << "\nsummary: " << (dir / "summary.json").string() << "\n";
  if (bad > 0) {
    std::cerr << bad << " of " << outcomes.size() << " run(s) failed, diverged or crashed; see the status column of "
              << (dir / "results.csv").string() << "\n";
    return exit_run_failed;
  }
  return exit_ok;
}

}  // namespace

int cmd_run(const PluginOptions& plugins, const RunOptions& options) {
  // Past a file-size limit (ulimit -f) a write fails with EFBIG, which the write path reports,
  // instead of the process dying of SIGXFSZ without a word.
  std::signal(SIGXFSZ, SIG_IGN);
  if (engine::supervision_wanted()) {
    return engine::run_supervised([&](int crash_signal) { return run_attempt(plugins, options, crash_signal); });
  }
  return run_attempt(plugins, options, 0);
}

}  // namespace sgmtk::host
