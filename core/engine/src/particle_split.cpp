#include <sgmtk_engine/particle_split.hpp>

#include "run_steps.hpp"
#include "split_metrics.hpp"

#include <sgmtk/error.hpp>
#include <sgmtk_engine/exception_message.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <sstream>

namespace sgmtk::engine {

namespace {

/// Everything one rank holds of one run.
struct LocalRun {
  ParticleShare share;
  Matrix y;
  const Matrix* reference = nullptr;
  std::string status;  ///< "" ok, "D<step>" diverged, "R" reference diverged, "E<message>" error
};

}  // namespace

Index reduction_chunk(Index n, Index block) {
  constexpr Index max_chunks = 256;
  const Index blocks = (n + block - 1) / block;
  return block * std::max<Index>(1, (blocks + max_chunks - 1) / max_chunks);
}

ParticleShare particle_share(Index n, Index chunk, int rank, int ranks) {
  const Index chunks = (n + chunk - 1) / chunk;
  const Index c0 = chunks * rank / ranks, c1 = chunks * (rank + 1) / ranks;
  const Index first = std::min(n, c0 * chunk), last = std::min(n, c1 * chunk);
  return {first, last - first};
}

std::vector<RunOutcome> execute_split(const RunPlan& plan, const ExecuteOptions& options, Communicator& comm) {
  const PipelineSpec& spec = plan.spec;
  const bool root = comm.is_root();
  // The runs to do, as the root's journal says.
  std::string todo_text;
  if (root) {
    for (const auto& run : plan.runs)
      if (!options.finished || !options.finished->count(run.id)) todo_text += std::to_string(run.id) + " ";
  }
  std::vector<std::size_t> todo;
  {
    std::istringstream in(comm.broadcast(todo_text));
    std::size_t i;
    while (in >> i) todo.push_back(i);
  }
  std::vector<RunOutcome> outcomes(plan.runs.size());
  if (root && options.finished) {
    for (const auto& [id, o] : *options.finished) outcomes[static_cast<std::size_t>(id)] = o;
  }
  double my_work = 0.0;
  for (std::size_t i : todo) {
    const RunPoint& pt = plan.runs[i].point;
    my_work += static_cast<double>(particle_share(pt.particles, reduction_chunk(pt.particles, spec.block_size), comm.rank(), comm.size()).count) *
               static_cast<double>(pt.steps);
  }
  Progress progress(options.progress && root, my_work, todo.size());

  // The last coupled reference, reused by the next run when it has the same key (a step sweep).
  std::string reference_key;
  Matrix reference;
  bool reference_diverged = false;

  for (std::size_t i : todo) {
    const PlannedRun& run = plan.runs[i];
    const RunPoint& pt = run.point;
    if (root && options.on_run_start) options.on_run_start(run);
    const auto start_time = std::chrono::steady_clock::now();
    const Target& target = *plan.targets[pt.target_index].target;
    const Sampler& sampler = *plan.sampler_objects[run.sampler_index];
    const RandomKey key{spec.seed, static_cast<std::uint32_t>(pt.replicate)};
    const Index n = pt.particles;
    const Index chunk = reduction_chunk(n, spec.block_size);
    const std::string who = "sampler '" + plan.samplers[run.sampler_index].label + "' (" + plan.samplers[run.sampler_index].info->file +
                            ") on target '" + plan.target_info->name + "' (" + plan.target_info->file + "): ";

    LocalRun local;
    local.share = particle_share(n, chunk, comm.rank(), comm.size());
    std::optional<TimeGrid> grid;
    try {
      grid.emplace(spec.schedule, pt.horizon, pt.early_stop, pt.steps);
      const TimeGrid fine = plan.reference.needed ? TimeGrid(spec.schedule, pt.horizon, pt.early_stop, plan.reference.steps) : *grid;
      const BrownianPath path(key, fine);
      const ScoreModel score(target, ScoreError{spec.score_error_kind, pt.score_error, {}}, key);
      local.y = initial_state(target, spec.start, pt.horizon, key, local.share.first, local.share.count, spec.block_size);
      const Trajectory traj =
          integrate(sampler, score, *grid, path, local.y, local.share.first, spec.block_size, spec.divergence_threshold, progress);
      if (traj.diverged) {
        local.status = "D" + std::to_string(traj.step);
      } else if (plan.reference.needed) {
        const std::string ref_key = coupled_reference_key(plan, run);
        if (ref_key != reference_key) {
          const Sampler& ref_sampler = plan.reference.object ? *plan.reference.object : sampler;
          reference = initial_state(target, spec.start, pt.horizon, key, local.share.first, local.share.count, spec.block_size);
          Progress quiet(false, 0, 0);
          reference_diverged = integrate(ref_sampler, score, fine, path, reference, local.share.first, spec.block_size,
                                         spec.divergence_threshold, quiet)
                                   .diverged;
          reference_key = ref_key;
        }
        if (reference_diverged) local.status = "R";
        local.reference = &reference;
      }
    } catch (...) {
      local.status = "E" + current_exception_message();
    }

    // All ranks agree on the run's fate: the first error (by rank), else the earliest divergence.
    const std::vector<std::string> statuses = comm.gather(local.status);
    RunOutcome out;
    out.run = run;
    if (root) {
      Index earliest = -1;
      bool ref_bad = false;
      for (const auto& s : statuses) {
        if (s.empty()) continue;
        if (s[0] == 'E' && out.status == RunStatus::ok) {
          out.status = RunStatus::failed;
          out.message = who + s.substr(1);
        } else if (s[0] == 'D') {
          const Index step = std::stoll(s.substr(1));
          earliest = earliest < 0 ? step : std::min(earliest, step);
        } else if (s[0] == 'R') {
          ref_bad = true;
        }
      }
      if (out.status == RunStatus::ok && earliest >= 0) {
        out.status = RunStatus::diverged;
        out.message = "sampler '" + plan.samplers[run.sampler_index].label + "' (" + plan.samplers[run.sampler_index].info->file +
                      "): " + describe_divergence({true, earliest}, *grid, spec.divergence_threshold);
      } else if (out.status == RunStatus::ok && ref_bad) {
        out.status = RunStatus::failed;
        out.message = who + "the coupled reference run (" + plan.reference.sampler + ", " + std::to_string(plan.reference.steps) +
                      " steps) diverged";
      }
    }
    const bool go_on = comm.broadcast(root && out.status == RunStatus::ok ? "1" : "0") == "1";

    if (go_on) {
      SplitRun data;
      data.target = &target;
      data.key = key;
      data.n = n;
      data.chunk = chunk;
      data.block = spec.block_size;
      data.subsample = spec.subsample;
      data.share = local.share;
      data.y = &local.y;
      data.reference = local.reference;
      SplitMetrics metrics(data, comm);
      for (std::size_t mi = 0; mi < plan.metrics.size(); ++mi) {
        const Metric& metric = *plan.metric_objects[mi];
        MetricOutcome mo = metrics.compute(metric, spec.metrics[mi].floor && metric.has_floor());
        mo.label = plan.metrics[mi].label;
        if (root && !mo.ok && out.status == RunStatus::ok) {
          out.status = RunStatus::failed;
          out.message = "metric '" + mo.label + "' (" + plan.metrics[mi].info->file + "): " + mo.error;
        }
        out.metrics.push_back(std::move(mo));
      }
    }
    progress.run_done();
    if (root) {
      out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
      if (options.on_run_done) options.on_run_done(out);
      outcomes[i] = std::move(out);
    }
  }
  if (!root) return {};
  return outcomes;
}

}  // namespace sgmtk::engine
