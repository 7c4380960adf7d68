#include <sgmtk_engine/run_plan.hpp>

#include <algorithm>
#include <cmath>
#include <map>

namespace sgmtk::engine {
namespace {

// Where to point for a parameter error: the sweep entry when the key was swept, else the line
// in the plugin's table, else the table.
SourcePos locate(const PluginUse& use, const std::string& key, const std::map<std::string, SourcePos>& swept_at) {
  if (auto it = swept_at.find(key); it != swept_at.end()) return it->second;
  if (auto it = use.param_at.find(key); it != use.param_at.end()) return it->second;
  return use.at;
}

// Another file with the same name was not loaded: refuse to guess which one the user meant,
// unless the pipeline has said it knows ([run] override_plugins).
void refuse_ambiguous(const PluginInfo& p, const SourcePos& at, const std::vector<std::string>& overrides) {
  if (p.shadowed_files.empty() || std::find(overrides.begin(), overrides.end(), p.name) != overrides.end()) return;
  std::string others;
  for (const auto& f : p.shadowed_files) others += (others.empty() ? "" : ", ") + f;
  throw ConfigError(at, std::string(to_string(p.kind)) + " '" + p.name + "' is provided by more than one file: " + p.file +
                            " (first in the search order: --plugin-dir, run.plugin_dirs, $SGMTK_PLUGIN_PATH, built-in) and " +
                            others + ". Rename one, or add \"" + p.name + "\" to [run] override_plugins to use the first");
}

const PluginInfo& resolve(const PluginRegistry& registry, PluginKind kind, const PluginUse& use,
                          const std::vector<std::string>& overrides) {
  if (const PluginInfo* p = registry.find(kind, use.plugin)) {
    refuse_ambiguous(*p, use.plugin_at, overrides);
    return *p;
  }
  std::string msg = std::string("no ") + to_string(kind) + " plugin named '" + use.plugin + "'";
  const auto names = registry.names(kind);
  const std::string guess = did_you_mean(use.plugin, names);
  if (!guess.empty()) msg += "; did you mean '" + guess + "'?";
  if (const PluginInfo* other = registry.find_any(use.plugin)) {
    msg += " ('" + use.plugin + "' is a " + to_string(other->kind) + ")";
  }
  msg += " Available " + std::string(to_string(kind)) + "s:";
  if (names.empty()) msg += " none found";
  for (std::size_t i = 0; i < names.size(); ++i) msg += (i ? ", " : " ") + names[i];
  msg += " (see `sgmtk list --verbose` for the folders searched and libraries that failed to load)";
  throw ConfigError(use.plugin_at, msg);
}

double as_real(const ParamValue& v, const SourcePos& at, const std::string& key) {
  if (auto d = std::get_if<double>(&v)) return *d;
  if (auto i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  throw ConfigError(at, "sweep." + key + " takes numbers, got " + format_value(v));
}
Index as_count(const ParamValue& v, const SourcePos& at, const std::string& key, Index min) {
  auto i = std::get_if<std::int64_t>(&v);
  if (!i) throw ConfigError(at, "sweep." + key + " takes integers, got " + format_value(v));
  if (*i < min) throw ConfigError(at, "sweep." + key + " values must be >= " + std::to_string(min) + ", got " + std::to_string(*i));
  return *i;
}

// Swept replicates: each point carries its own, and [run] replicates does not multiply.
bool replicate_swept(const PipelineSpec& spec) {
  return std::any_of(spec.sweep.begin(), spec.sweep.end(), [](const SweepAxis& a) { return a.key == "replicate"; });
}

// Refused before the product is expanded (a typo can ask for 10^12 runs): the count saturates.
void refuse_too_many_runs(const PipelineSpec& spec) {
  double runs = static_cast<double>(std::max<std::size_t>(1, spec.samplers.size())) *
                (replicate_swept(spec) ? 1.0 : static_cast<double>(std::max<Index>(1, spec.replicates)));
  // Samplers x replicates alone: at run.replicates; else at the sweep axis that crosses the cap.
  SourcePos where = spec.at.count("run.replicates") ? spec.at.at("run.replicates") : SourcePos{spec.file};
  for (const auto& axis : spec.sweep) {
    if (runs > static_cast<double>(max_runs)) break;
    runs *= static_cast<double>(std::max<std::size_t>(1, axis.values.size()));
    if (runs > static_cast<double>(max_runs)) where = axis.at;
  }
  if (runs > static_cast<double>(max_runs)) {
    throw ConfigError(where, "this pipeline asks for more than " + std::to_string(max_runs) +
                                 " runs (samplers x replicates x every sweep axis); split it into several pipelines");
  }
}

// Every point x sampler x replicate, in that order: a run's id is its position.
std::vector<PlannedRun> expand_runs(const PipelineSpec& spec, const std::vector<RunPoint>& points, std::size_t samplers) {
  std::vector<Index> replicates;
  if (!replicate_swept(spec))
    for (Index r = 0; r < spec.replicates; ++r) replicates.push_back(r);
  else
    replicates.push_back(-1);  // the point already carries its replicate
  std::vector<PlannedRun> runs;
  for (const auto& pt : points) {
    for (std::size_t s = 0; s < samplers; ++s) {
      for (Index r : replicates) {
        PlannedRun run;
        run.id = static_cast<Index>(runs.size());
        run.point = pt;
        if (r >= 0) run.point.replicate = r;
        run.sampler_index = s;
        runs.push_back(std::move(run));
      }
    }
  }
  return runs;
}

}  // namespace

RunPlan plan_pipeline(const PipelineSpec& spec, const PluginRegistry& registry, const MemoryBudget& budget) {
  RunPlan plan;
  plan.spec = spec;
  std::map<std::string, SourcePos> swept_target_at;  // target param name -> sweep location
  for (const auto& axis : spec.sweep) {
    plan.swept_keys.push_back(axis.key);
    if (axis.key == "dim") swept_target_at["dim"] = axis.at;
    if (axis.key.rfind("target.", 0) == 0) swept_target_at[axis.key.substr(7)] = axis.at;
  }

  // Plugins.
  plan.target_info = &resolve(registry, PluginKind::target, spec.target, spec.override_plugins);
  for (const auto& use : spec.samplers) {
    const PluginInfo& info = resolve(registry, PluginKind::sampler, use, spec.override_plugins);
    try {
      plan.samplers.push_back({&info, validate_params(info.params, use.params, "sampler '" + info.name + "'"), use.label});
      plan.sampler_objects.push_back(registry.make_sampler(info, use.params));
    } catch (const ParamValueError& e) {
      throw ConfigError(locate(use, e.key(), {}), e.what());
    } catch (const Error& e) {
      throw ConfigError(use.at, e.what());
    }
  }
  for (const auto& use : spec.metrics) {
    const PluginInfo& info = resolve(registry, PluginKind::metric, use, spec.override_plugins);
    try {
      plan.metrics.push_back({&info, validate_params(info.params, use.params, "metric '" + info.name + "'"), use.label});
      plan.metric_objects.push_back(registry.make_metric(info, use.params));
    } catch (const ParamValueError& e) {
      throw ConfigError(locate(use, e.key(), {}), e.what());
    } catch (const Error& e) {
      throw ConfigError(use.at, e.what());
    }
  }

  refuse_too_many_runs(spec);

  // The sweep: a cartesian product in the order written, the last key varying fastest.
  std::vector<RunPoint> points(1);
  points[0].steps = spec.steps;
  points[0].particles = spec.particles;
  points[0].horizon = spec.horizon;
  points[0].early_stop = spec.early_stop;
  points[0].score_error = spec.score_error;
  std::vector<Params> point_target_params(1, spec.target.params);
  for (const auto& axis : spec.sweep) {
    std::vector<RunPoint> next;
    std::vector<Params> next_params;
    for (std::size_t p = 0; p < points.size(); ++p) {
      for (const auto& v : axis.values) {
        RunPoint pt = points[p];
        Params tp = point_target_params[p];
        const std::string& k = axis.key;
        if (k == "steps") pt.steps = as_count(v, axis.at, k, 1);
        else if (k == "particles") {
          pt.particles = as_count(v, axis.at, k, 2);
          if (pt.particles > 0xffffffffLL) throw ConfigError(axis.at, "sweep.particles values must be < 2^32 (a 32-bit particle counter)");
        }
        else if (k == "replicate") pt.replicate = as_count(v, axis.at, k, 0);
        else if (k == "horizon") pt.horizon = as_real(v, axis.at, k);
        else if (k == "early_stop") pt.early_stop = as_real(v, axis.at, k);
        else if (k == "score_error") {
          pt.score_error = as_real(v, axis.at, k);
          if (pt.score_error < 0) throw ConfigError(axis.at, "sweep.score_error values must be >= 0");
        } else tp.set(swept_target_parameter(k), v);  // dim or target.<param>
        pt.swept.emplace_back(k, format_value(v));
        next.push_back(std::move(pt));
        next_params.push_back(std::move(tp));
      }
    }
    points = std::move(next);
    point_target_params = std::move(next_params);
  }

  // Targets: one per distinct parameter set. Their parameters (and so their dimensions) are
  // known before any is built, which lets the memory check refuse an impossible sweep before a
  // target allocates its state.
  std::map<std::string, std::size_t> target_of;
  for (std::size_t p = 0; p < points.size(); ++p) {
    Params validated;
    try {
      validated = validate_params(plan.target_info->params, point_target_params[p], "target '" + plan.target_info->name + "'");
    } catch (const ParamValueError& e) {
      throw ConfigError(locate(spec.target, e.key(), swept_target_at), e.what());
    }
    std::string key;
    for (const auto& [name, value] : validated.items()) key += name + "=" + format_value(value) + "; ";
    auto [it, inserted] = target_of.emplace(key, plan.targets.size());
    if (inserted) {
      const Index dim = validated.has("dim") ? static_cast<Index>(validated.integer("dim")) : 0;
      plan.targets.push_back(PlannedTarget{validated, nullptr, key, dim});
    }
    points[p].target_index = it->second;
  }
  plan.runs = expand_runs(spec, points, plan.samplers.size());
  const bool dims_known = std::all_of(plan.targets.begin(), plan.targets.end(), [](const PlannedTarget& t) { return t.dim > 0; });
  if (dims_known) check_memory(plan, estimate_memory(plan, budget), budget);
  for (auto& t : plan.targets) {
    try {
      t.target = registry.make_target(*plan.target_info, t.params);
    } catch (const ParamValueError& e) {
      throw ConfigError(locate(spec.target, e.key(), swept_target_at), e.what());
    } catch (const Error& e) {
      throw ConfigError(spec.target.at, e.what());
    }
    if (t.dim > 0 && t.target->dim() != t.dim) {
      throw ConfigError(spec.target.at, "target '" + plan.target_info->name + "' was built with dim = " + std::to_string(t.dim) +
                                            " but reports dimension " + std::to_string(t.target->dim()));
    }
    t.dim = t.target->dim();
  }
  plan.memory = estimate_memory(plan, budget);
  if (!dims_known) check_memory(plan, plan.memory, budget);  // a target without a `dim` parameter: known only now

  // Grids and compatibility.
  for (const auto& pt : points) {
    try {
      TimeGrid(spec.schedule, pt.horizon, pt.early_stop, pt.steps);
    } catch (const ParamError& e) {
      // TimeGrid's messages start with the key at fault: point at that key (swept or written).
      const std::string msg = e.what();
      const std::string key = msg.rfind("steps", 0) == 0         ? "steps"
                              : msg.rfind("a geometric", 0) == 0 ? "schedule"
                              : msg.rfind("horizon", 0) == 0     ? "horizon"
                                                                 : "early_stop";
      SourcePos where = spec.at.count("process." + key) ? spec.at.at("process." + key) : spec.target.at;
      for (const auto& axis : spec.sweep)
        if (axis.key == key) where = axis.at;
      throw ConfigError(where, (msg.rfind("a geometric", 0) == 0 ? "" : "process.") + msg);
    }
  }
  for (std::size_t s = 0; s < plan.samplers.size(); ++s) {
    const SamplerTraits st = plan.sampler_objects[s]->traits();
    for (const auto& t : plan.targets) {
      const TargetTraits tt = t.target->traits();
      std::string missing;
      if (st.hessian == HessianForm::diagonal && !tt.hessian_diagonal && !tt.hessian_full) missing = "a diagonal Hessian";
      if (st.hessian == HessianForm::full && !tt.hessian_full) missing = "a full Hessian";
      if (st.hessian == HessianForm::vector_product && !tt.hessian_vector_product && !tt.hessian_full) missing = "Hessian-vector products";
      if (st.needs_potential && !tt.potential) missing = "its potential U and gradient";
      if (st.needs_exact_reverse && !tt.exact_reverse) missing = "exact reverse transitions";
      if (!missing.empty()) {
        throw ConfigError(spec.samplers[s].at, "sampler '" + plan.samplers[s].info->name + "' needs " + missing +
                                                   ", which target '" + plan.target_info->name + "' does not provide");
      }
    }
    if (spec.score_error > 0 && spec.score_error_kind == ScoreErrorKind::relative) {
      for (const auto& t : plan.targets)
        if (!t.target->traits().moments)
          throw ConfigError(spec.at.at("process.score_error_kind"), "a relative score error needs the target's mean, which '" +
                                                                       plan.target_info->name + "' does not provide");
    }
  }

  // The coupled reference (at most one per pipeline: every coupled metric shares the same path).
  for (std::size_t m = 0; m < plan.metrics.size(); ++m) {
    const MetricNeeds needs = plan.metric_objects[m]->needs();
    if (!needs.coupled_reference) continue;
    const auto& use = spec.metrics[m];
    if (plan.reference.needed && (plan.reference.steps != needs.reference_steps || plan.reference.sampler != needs.reference_sampler)) {
      throw ConfigError(use.at, "two metrics ask for different coupled references; use the same reference sampler and steps");
    }
    plan.reference.needed = true;
    plan.reference.steps = needs.reference_steps;
    plan.reference.sampler = needs.reference_sampler.empty() ? "same" : needs.reference_sampler;
    if (plan.reference.sampler != "same" && !plan.reference.object) {
      const PluginInfo* info = registry.find(PluginKind::sampler, plan.reference.sampler);
      if (!info) {
        throw ConfigError(use.at, "metric '" + use.plugin + "' asks for reference sampler '" + plan.reference.sampler +
                                      "', which is not loaded (available: " + [&] {
                                        std::string s;
                                        for (const auto& n : registry.names(PluginKind::sampler)) s += (s.empty() ? "" : ", ") + n;
                                        return s;
                                      }() + ")");
      }
      refuse_ambiguous(*info, use.at, spec.override_plugins);  // the rule of the pipeline's own samplers
      plan.reference.object = registry.make_sampler(*info, {});
      plan.reference.info = info;
      const SamplerTraits rt = plan.reference.object->traits();
      for (const auto& t : plan.targets)
        if (rt.needs_exact_reverse && !t.target->traits().exact_reverse)
          throw ConfigError(use.at, "reference sampler '" + plan.reference.sampler + "' needs exact reverse transitions, which target '" +
                                        plan.target_info->name + "' does not provide");
    }
    for (const auto& pt : points) {
      if (plan.reference.steps < pt.steps || plan.reference.steps % pt.steps != 0) {
        throw ConfigError(use.at, "metric '" + use.plugin + "': reference_steps = " + std::to_string(plan.reference.steps) +
                                      " must be a multiple of every step count of the sweep (" + std::to_string(pt.steps) +
                                      " is not a divisor), so that both runs share one Brownian path");
      }
    }
  }

  return plan;
}

}  // namespace sgmtk::engine
