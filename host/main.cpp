// sgmtk: discovers plugins and runs pipelines. Command-line wiring only; each subcommand lives
// in its own cmd_*.cpp and the work in the engine.
#include "commands.hpp"

#include <sgmtk/version.hpp>
#include <sgmtk_engine/communicator.hpp>
#include <sgmtk_engine/exception_message.hpp>

#include <CLI/CLI.hpp>

#include <iostream>

namespace {

// `--version` on the application and on every subcommand.
void add_version_flag(CLI::App& app) {
  app.add_flag_callback(
      "--version",
      [] {
        std::cout << "sgmtk " << SGMTK_VERSION_STRING << (sgmtk::engine::built_with_mpi() ? " (with MPI)" : "") << "\n";
        throw CLI::Success();
      },
      "Print the version and exit");
}

// One folder per --plugin-dir: a list option would otherwise take every word after it, so that
// `run --plugin-dir DIR file.toml` made file.toml a plugin folder and left no pipeline.
void add_plugin_dir_option(CLI::App& app, sgmtk::host::PluginOptions& o) {
  app.add_option("--plugin-dir", o.plugin_dirs,
                 "Also load plugins from this folder (one per use, repeatable; searched before $SGMTK_PLUGIN_PATH and the defaults)")
      ->allow_extra_args(false);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sgmtk::host;
  CLI::App app{"sgmtk: measure how well reverse-diffusion samplers sample, on targets whose truth is known.\n"
               "Plugins (targets, samplers, metrics) are found next to the executable, in $SGMTK_PLUGIN_PATH,\n"
               "in --plugin-dir folders and in a pipeline's run.plugin_dirs.",
               "sgmtk"};
  app.require_subcommand(1);
  add_version_flag(app);
  PluginOptions plugins;

  bool verbose = false;
  CLI::App* list = app.add_subcommand("list", "List every plugin found, by kind, with the file it came from");
  list->add_flag("-v,--verbose", verbose, "Also show versions, the folders searched and the libraries skipped (and why)");
  add_plugin_dir_option(*list, plugins);
  add_version_flag(*list);

  std::string name;
  CLI::App* describe = app.add_subcommand("describe", "Show a plugin's documentation and parameters");
  describe->add_option("name", name, "Plugin name (see `sgmtk list`)")->required();
  add_plugin_dir_option(*describe, plugins);
  add_version_flag(*describe);

  ValidateOptions validate_options;
  CLI::App* validate = app.add_subcommand(
      "validate", "Check a pipeline file without running it: its plugins and parameters, the output folder, the memory estimate");
  validate->add_option("file", validate_options.file, "Pipeline TOML file")->required();
  validate->add_option("-o,--output", validate_options.output, "Output folder, as for run (checked to be writable)");
  validate->add_option("--threads", validate_options.threads, "Worker threads, as for run (default: all cores)")
      ->check(CLI::PositiveNumber);
  validate->add_option("--max-memory", validate_options.max_memory, "As for run (default: 80% of available memory)");
  validate->add_option("--ranks", validate_options.ranks, "MPI ranks it will run on (the memory estimate is per rank)")
      ->check(CLI::PositiveNumber);
  add_plugin_dir_option(*validate, plugins);
  add_version_flag(*validate);

  RunOptions run_options;
  CLI::App* run = app.add_subcommand("run", "Run a pipeline: progress on stderr, results.csv and summary.json in the output folder.\n"
                                     "Under mpirun/srun (a build with -DSGMTK_MPI=ON) the runs are spread over the ranks; rank 0 writes the same files.");
  run->add_option("file", run_options.file, "Pipeline TOML file")->required();
  run->add_option("-o,--output", run_options.output, "Output folder (default: the pipeline's run.output, else out/<name>)");
  run->add_option("--threads", run_options.threads, "Worker threads (default: all cores); results do not depend on it")
      ->check(CLI::PositiveNumber);
  run->add_flag("-q,--quiet", run_options.quiet, "No progress, no table: only the result paths");
  run->add_flag("--fresh", run_options.fresh, "Start over: ignore the runs an interrupted earlier run of this pipeline finished");
  run->add_option("--max-memory", run_options.max_memory,
                  "Refuse a sweep whose estimated peak memory exceeds this (e.g. 8G; default: 80% of available memory)");
  add_plugin_dir_option(*run, plugins);
  add_version_flag(*run);

  ProbeOptions probe_options;
  CLI::App* probe = app.add_subcommand(
      "probe",
      "Evaluate a target at given points as a sampler's query does (score, Hessian; --log-density adds log p_t),\n"
      "or write exact samples. CSV on stdout (or -o), notes on stderr; exit 1 when an entry is not finite\n"
      "(the table is still written) or the target fails while computing");
  probe->add_option("target", probe_options.target, "Target plugin name")->required();
  probe->add_option("-p,--param", probe_options.params, "Target parameter name=value (TOML syntax, repeatable), e.g. -p dim=3 -p 'mean=[1.0]'");
  probe->add_option("--t", probe_options.t, "Forward time t > 0 of p_t");
  probe->add_option("--points", probe_options.points, "Points to evaluate at: CSV or .npy, one point per row");
  probe->add_option("--hessian", probe_options.hessian, "none | diagonal | full | auto (full up to d = 8, else diagonal)")
      ->check(CLI::IsMember({"none", "diagonal", "full", "auto"}));
  probe->add_flag("--log-density", probe_options.log_density,
                  "Also compute log p_t (a column log_density). A sampler's query never asks for it, and some targets\n"
                  "(double_well, modified_half_normal) then compute the score by quadrature instead of their table");
  probe->add_option("--sample", probe_options.sample, "Write this many exact samples of pi instead")->check(CLI::PositiveNumber);
  probe->add_option("--seed", probe_options.seed, "Seed for --sample");
  probe->add_option("-o,--output", probe_options.output, "Output file (.csv or .npy; default: CSV on stdout)");
  add_plugin_dir_option(*probe, plugins);
  add_version_flag(*probe);

  MetricOptions metric_options;
  CLI::App* metric = app.add_subcommand("metric", "Compute a metric between two sample files (CSV or .npy, one point per row).\n"
                                        "Exit 1, with no result printed, when the value or its standard error is not finite or the metric fails");
  metric->add_option("name", metric_options.metric, "Metric plugin name, e.g. w2_exact")->required();
  metric->add_option("a", metric_options.file_a, "First sample file")->required()->check(CLI::ExistingFile);
  metric->add_option("b", metric_options.file_b, "Second sample file")->required()->check(CLI::ExistingFile);
  metric->add_option("-p,--param", metric_options.params, "Metric parameter name=value (repeatable)");
  metric->add_flag("--json", metric_options.json, "Print one JSON object (keys value, stderr, squared, quantity, and the metric's own)");
  metric->add_option("--seed", metric_options.seed, "Seed for metrics that draw random numbers (e.g. sliced directions)");
  metric->add_option("--threads", metric_options.threads, "Worker threads (default: all cores)")->check(CLI::PositiveNumber);
  add_plugin_dir_option(*metric, plugins);
  add_version_flag(*metric);

  PlotOptions plot_options;
  CLI::App* plot = app.add_subcommand("plot", "Log-log figures (PNG, SVG) of a results folder, with fitted slopes; needs gnuplot");
  plot->add_option("folder", plot_options.folder, "Results folder (holds results.csv)")->required()->check(CLI::ExistingDirectory);
  plot->add_option("--x", plot_options.x_key, "Plot against this column (default: every swept key; steps is shown as h)");
  plot->add_option("--fit-range", plot_options.fit_range, "all | asymptotic (default; rule in README) | LO:HI in x units");
  add_version_flag(*plot);

  ReportOptions report_options;
  CLI::App* report = app.add_subcommand("report", "Write report.md in a results folder: configuration, fitted vs predicted rates, figures");
  report->add_option("folder", report_options.folder, "Results folder (holds results.csv and summary.json)")->required()->check(CLI::ExistingDirectory);
  report->add_option("--x", report_options.x_key, "Fit against this column (default: every swept key)");
  report->add_option("--fit-range", report_options.fit_range, "all | asymptotic (default) | LO:HI, for the table of every fit");
  report->add_option("--pipeline", report_options.pipeline, "The pipeline file with the '# expect:' lines (default: summary.json's pipeline_file)");
  report->add_flag("--check", report_options.check, "Exit 1 when a fitted slope misses a prediction's tolerance");
  report->add_flag("--no-figures", report_options.no_figures, "Do not run gnuplot");
  add_version_flag(*report);

  ContractionOptions contraction_options;
  CLI::App* contraction = app.add_subcommand(
      "contraction", "Measure the one-step contraction of the reverse drift against time for 1/2 N(-mu,1) + 1/2 N(mu,1) in 1-D");
  contraction->add_option("-o,--output", contraction_options.output, "Output folder (contraction.csv, .png, .svg)");
  contraction->add_option("--mu", contraction_options.mu, "Half the distance between the modes");
  contraction->add_option("--h", contraction_options.h, "Euler-Maruyama step");
  contraction->add_option("--r", contraction_options.r, "Initial distance of each coupled pair");
  contraction->add_option("--particles", contraction_options.particles, "Coupled pairs per time")->check(CLI::PositiveNumber);
  contraction->add_option("--points", contraction_options.points, "Forward times (log-spaced)")->check(CLI::PositiveNumber);
  contraction->add_option("--t-min", contraction_options.t_min, "Smallest forward time");
  contraction->add_option("--t-max", contraction_options.t_max, "Largest forward time");
  contraction->add_option("--seed", contraction_options.seed, "Seed");
  add_plugin_dir_option(*contraction, plugins);
  add_version_flag(*contraction);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return exit_usage;
  }
  try {
    if (*list) return cmd_list(plugins, verbose);
    if (*describe) return cmd_describe(plugins, name);
    if (*validate) return cmd_validate(plugins, validate_options);
    if (*run) return cmd_run(plugins, run_options);
    if (*probe) return cmd_probe(plugins, probe_options);
    if (*metric) return cmd_metric(plugins, metric_options);
    if (*plot) return cmd_plot(plot_options);
    if (*report) return cmd_report(report_options);
    if (*contraction) return cmd_contraction(plugins, contraction_options);
  } catch (const std::exception& e) {
    // The commands that compute (run, metric, probe) report their own failures with their own
    // exit codes; what reaches here was refused before any work (a plugin folder that does not
    // exist, bad option values, a results folder that cannot be read): a usage error.
    std::cerr << "error: " << e.what() << "\n";
    return exit_usage;
  } catch (...) {
    // Only plugin code throws something that is not a std::exception (e.g. while describing
    // itself): that is the plugin failing, not the user, and it must not end in std::terminate.
    std::cerr << "error: " << sgmtk::engine::current_exception_message() << "\n";
    return exit_run_failed;
  }
  return exit_usage;
}
