#pragma once
// A pipeline checked against the plugins and expanded into runs: every sweep point x sampler x
// replicate. Building a plan validates everything a run would need (plugin names, parameters
// for every swept value, grids, sampler/target compatibility, the coupled reference) and
// constructs the targets, samplers and metrics, so `sgmtk validate` catches what `run` would.

#include <sgmtk/plugin.hpp>
#include <sgmtk_engine/memory_estimate.hpp>
#include <sgmtk_engine/pipeline_spec.hpp>
#include <sgmtk_engine/plugin_registry.hpp>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sgmtk::engine {

/// The settings of one sweep point (everything a run needs except the sampler).
struct RunPoint {
  Index steps = 0;
  Index particles = 0;
  Index replicate = 0;
  double horizon = 0.0;
  double early_stop = 0.0;
  double score_error = 0.0;
  std::size_t target_index = 0;  ///< into RunPlan::targets
  /// The swept keys and their values as written, e.g. {"steps", "64"}, {"target.stddev", "0.5"}.
  std::vector<std::pair<std::string, std::string>> swept;
};

struct PlannedRun {
  Index id = 0;  ///< position in the plan: the run's identity in results and for resume
  RunPoint point;
  std::size_t sampler_index = 0;
};

/// A constructed target and the parameters it was built from.
struct PlannedTarget {
  Params params;
  std::shared_ptr<Target> target;
  std::string description;  ///< the parameters as text, for results
  Index dim = 0;  ///< its dimension: the `dim` parameter, known before the target is built
};

struct PlannedPlugin {
  const PluginInfo* info = nullptr;
  Params params;  ///< validated
  std::string label;
};

/// The coupled reference a metric asked for (MetricNeeds), resolved.
struct CoupledReference {
  bool needed = false;
  Index steps = 0;
  std::string sampler;  ///< plugin name, or "same" (the sampler under test)
  std::shared_ptr<Sampler> object;  ///< constructed unless "same"
  const PluginInfo* info = nullptr;  ///< its plugin, unless "same"
};

struct RunPlan {
  PipelineSpec spec;
  const PluginInfo* target_info = nullptr;
  std::vector<PlannedTarget> targets;  ///< one per distinct target parameter set
  std::vector<PlannedPlugin> samplers;
  std::vector<std::shared_ptr<Sampler>> sampler_objects;
  std::vector<PlannedPlugin> metrics;
  std::vector<std::shared_ptr<Metric>> metric_objects;
  CoupledReference reference;
  std::vector<PlannedRun> runs;
  /// The swept keys, in the order of the [sweep] table (result columns).
  std::vector<std::string> swept_keys;
  /// Peak memory per process for the budget the plan was made with (memory_estimate.hpp).
  MemoryEstimate memory;
};

/// More runs than this in one pipeline is refused: a sweep that large is a typo (a missing
/// comma, an extra zero), and each run costs a line of results and a journal record.
inline constexpr Index max_runs = 1000000;

/// Throws ConfigError (located in the pipeline file) for anything that would make a run fail
/// before it starts: also a sweep of more than max_runs runs, and one whose estimated memory
/// exceeds `budget` (checked before any target is built, and again once they are). The plan
/// refers to the registry's plugin descriptions: keep the registry alive for as long as the plan.
RunPlan plan_pipeline(const PipelineSpec& spec, const PluginRegistry& registry, const MemoryBudget& budget = {});

}  // namespace sgmtk::engine
