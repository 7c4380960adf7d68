#pragma once
// The subcommands of `sgmtk`. Each returns the process exit code:
//   0 success, 1 a run failed or diverged (results still written), 2 usage or configuration error.

#include <sgmtk_engine/plugin_registry.hpp>
#include <sgmtk_engine/rate_fit.hpp>

#include <ostream>

#include <string>
#include <vector>

namespace sgmtk::host {

inline constexpr int exit_ok = 0;
inline constexpr int exit_run_failed = 1;
inline constexpr int exit_usage = 2;

/// Options every subcommand that loads plugins shares.
struct PluginOptions {
  std::vector<std::string> plugin_dirs;  ///< --plugin-dir, searched before the defaults
};

/// Scans --plugin-dir folders, `extra` (a pipeline's plugin_dirs), then the default folders.
engine::PluginRegistry load_plugins(const PluginOptions& options, const std::vector<std::string>& extra = {});
/// One line on stderr when some libraries failed to load (details: `sgmtk list --verbose`).
void warn_about_failures(const engine::PluginRegistry& registry);

int cmd_list(const PluginOptions& plugins, bool verbose);
int cmd_describe(const PluginOptions& plugins, const std::string& name);
/// `validate` checks what `run` with the same options would refuse before its first run: the
/// pipeline, its plugins and parameters, the output folder, and the memory estimate.
struct ValidateOptions {
  std::string file;
  std::string output;      ///< -o, as for run
  int threads = 0;         ///< 0: all cores (the memory estimate depends on it)
  std::string max_memory;  ///< as for run
  int ranks = 1;           ///< the MPI ranks it will run on (the estimate is per rank)
};
int cmd_validate(const PluginOptions& plugins, const ValidateOptions& options);

struct RunOptions {
  std::string file;
  std::string output;  ///< -o; empty: the pipeline's run.output, else out/<name>
  int threads = 0;     ///< 0: all cores
  bool quiet = false;
  bool fresh = false;  ///< ignore the journal of an earlier, interrupted run
  std::string max_memory;  ///< e.g. "8G"; empty: 80% of available memory
};
int cmd_run(const PluginOptions& plugins, const RunOptions& options);

/// `--param name=value` items as plugin parameters (values in TOML syntax).
Params parse_param_options(const std::vector<std::string>& items);

struct ProbeOptions {
  std::string target;
  std::vector<std::string> params;
  double t = 0.0;
  std::string points;
  std::string hessian = "auto";  ///< none | diagonal | full | auto
  /// Also ask for log p_t. Off by default: a sampler's query never asks for it, and a target
  /// may answer a query that does by another path (quadrature instead of its score table).
  bool log_density = false;
  Index sample = 0;
  std::uint32_t seed = 0;
  std::string output;
};
int cmd_probe(const PluginOptions& plugins, const ProbeOptions& options);

struct MetricOptions {
  std::string metric;
  std::string file_a;
  std::string file_b;
  std::vector<std::string> params;
  bool json = false;
  std::uint32_t seed = 0;
  int threads = 0;  ///< 0: all cores
};
int cmd_metric(const PluginOptions& plugins, const MetricOptions& options);

// ---- figures, reports and the contraction measurement (cmd_plot.cpp, cmd_report.cpp,
// cmd_contraction.cpp). Errors are thrown; main maps them to exit code 2.

/// One rendered figure: `metric` against `x_key`, with the fits drawn in it.
struct Figure {
  std::string metric, x_key, png, svg;
  std::vector<engine::RateFit> fits;
};
/// gnuplot's path on $PATH, or "" when absent.
std::string find_gnuplot();
/// The keys to plot against: `requested` (checked), else every swept numeric key of the table.
std::vector<std::string> plot_keys(const engine::ResultTable& table, const std::string& requested);
/// Writes FOLDER/figures/<metric>_vs_<x>.{png,svg,gp}; skipped rows are listed on `log`.
/// Throws when gnuplot is missing or fails.
std::vector<Figure> render_figures(const std::string& folder, const std::string& title, const engine::ResultTable& table,
                                   const std::vector<std::string>& x_keys, const engine::FitRange& range, std::ostream& log);

struct PlotOptions {
  std::string folder;
  std::string x_key;                    ///< --x; empty: every swept key
  std::string fit_range = "asymptotic";  ///< all | asymptotic | LO:HI
};
int cmd_plot(const PlotOptions& options);

struct ReportOptions {
  std::string folder;
  std::string x_key;
  std::string fit_range = "asymptotic";
  std::string pipeline;  ///< --pipeline: the pipeline file (default: summary.json's pipeline_file)
  bool check = false;    ///< exit 1 when a fitted slope misses its `# expect:` tolerance
  bool no_figures = false;
};
int cmd_report(const ReportOptions& options);

struct ContractionOptions {
  std::string output = "out/contraction";
  double mu = 2.0;        ///< mixture 1/2 N(-mu, 1) + 1/2 N(mu, 1) in 1-D
  double h = 0.01;        ///< the EM step whose one-step contraction is measured
  double r = 1e-3;        ///< initial distance of the synchronously coupled pairs
  Index particles = 20000;
  Index points = 60;      ///< forward times, log-spaced in [t_min, t_max]
  double t_min = 0.01, t_max = 4.0;
  std::uint32_t seed = 7;
};
int cmd_contraction(const PluginOptions& plugins, const ContractionOptions& options);

}  // namespace sgmtk::host
