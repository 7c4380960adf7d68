#pragma once
// A pipeline as written in its TOML file, checked for structure (known tables and keys, types)
// but not yet against the plugins. Every value remembers where it was written so that later
// checks (plugin parameters, sweep values) can still point at the user's file.

#include <sgmtk/params.hpp>
#include <sgmtk/score_model.hpp>
#include <sgmtk/time_grid.hpp>
#include <sgmtk_engine/config_error.hpp>

#include <map>
#include <string>
#include <vector>

namespace sgmtk::engine {

/// One [target], [[sampler]] or [[metric]] table: the plugin name and its parameters.
struct PluginUse {
  std::string plugin;
  std::string label;                          ///< how results name it (default: the plugin name)
  Params params;                              ///< everything but the engine's own keys
  std::map<std::string, SourcePos> param_at;  ///< where each parameter was written
  SourcePos at;                               ///< the table itself
  SourcePos plugin_at;                        ///< its `plugin = ...` line
  bool floor = false;                         ///< metrics: also report the finite-sample floor
};

/// One [sweep] key: its values, in the order written. PipelineSpec::sweep lists the keys in the
/// order written too (the loader sorts them by position).
struct SweepAxis {
  std::string key;  ///< steps, dim, horizon, early_stop, particles, score_error, or target.<param>
  std::vector<ParamValue> values;
  SourcePos at;
};

enum class StartLaw : std::uint8_t { gaussian, exact };

/// How `mpirun -n R sgmtk run` spreads the work. `runs`: whole runs are handed out to ranks.
/// `particles`: every run is split over all ranks by particle chunks (runs too large for one
/// node); summable and projected metrics use all particles, the others the first `subsample`.
/// Either way the result files do not depend on R (nor on whether MPI is used at all).
enum class Distribute : std::uint8_t { runs, particles };

struct PipelineSpec {
  std::string file;  ///< the pipeline file as given

  // [run]
  std::string name;
  std::uint32_t seed = 0;
  Index particles = 10000;
  Index replicates = 1;
  Index block_size = 512;
  std::string output;  ///< empty: out/<name>
  Distribute distribute = Distribute::runs;
  /// distribute = "particles": the first this many particles serve the metrics that cannot be
  /// split (w2_exact, w2_sinkhorn); w2_exact takes seconds at 2e4, and refuses over 5e4 by default.
  Index subsample = 20000;
  std::vector<std::string> plugin_dirs;  ///< resolved relative to the pipeline file's folder
  /// Plugin names this pipeline uses knowing that more than one file provides them (the first
  /// in the search order is used); any other such name is refused (plugin_registry.hpp).
  std::vector<std::string> override_plugins;

  // [target]
  PluginUse target;

  // [process]
  double horizon = 5.0;
  double early_stop = 1e-3;
  Index steps = 100;
  Schedule schedule = Schedule::uniform;
  StartLaw start = StartLaw::gaussian;
  ScoreErrorKind score_error_kind = ScoreErrorKind::bias;
  double score_error = 0.0;
  /// A particle whose norm exceeds this (or is not finite) makes the run "diverged".
  double divergence_threshold = 1e6;

  std::vector<PluginUse> samplers;
  std::vector<PluginUse> metrics;
  std::vector<SweepAxis> sweep;

  /// Where each engine-level key was written ("run.seed", "process.horizon", ...).
  std::map<std::string, SourcePos> at;
};

/// The [sweep] keys the engine understands besides target.<param>.
const std::vector<std::string>& engine_sweep_keys();
/// The target parameter a sweep key sets ("dim" and "target.dim" both set "dim"), or "".
std::string swept_target_parameter(const std::string& key);

}  // namespace sgmtk::engine
