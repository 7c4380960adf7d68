#pragma once
// The subcommands of `sgmtk`. Each returns the process exit code:
//   0 success, 1 a run failed or diverged (results still written), 2 usage or configuration error.

#include <sgmtk_engine/plugin_registry.hpp>

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
int cmd_validate(const PluginOptions& plugins, const std::string& file);

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

}  // namespace sgmtk::host
