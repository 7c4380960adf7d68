#include <sgmtk_engine/executor.hpp>

#include "run_steps.hpp"

#include <sgmtk/ou.hpp>
#include <sgmtk/parallel.hpp>
#include <sgmtk_engine/exception_message.hpp>
#include <sgmtk_engine/run_supervisor.hpp>

#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>
#include <unistd.h>

namespace sgmtk::engine {

const char* to_string(RunStatus s) {
  switch (s) {
    case RunStatus::ok: return "ok";
    case RunStatus::diverged: return "diverged";
    case RunStatus::failed: return "failed";
    case RunStatus::crashed: return "crashed";
  }
  return "?";
}

RunStatus parse_run_status(const std::string& word) {
  for (RunStatus s : {RunStatus::ok, RunStatus::diverged, RunStatus::failed, RunStatus::crashed})
    if (word == to_string(s)) return s;
  throw Error("unknown run status '" + word + "'");
}

void accept_metric_value(MetricOutcome& mo) {
  auto check = [&](double v, const char* what) {
    if (std::isfinite(v) || !mo.error.empty()) return;
    mo.error = std::string("the metric returned a non-finite ") + what + " (" + (std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf") + ")";
  };
  mo.error.clear();
  check(mo.value.value, "value");
  check(mo.value.stderr_, "standard error");
  if (mo.floor) {
    check(mo.floor->value, "floor");
    check(mo.floor->stderr_, "floor standard error");
  }
  mo.ok = mo.error.empty();
}

RunOutcome crashed_outcome(const RunPlan& plan, const PlannedRun& run, int signal) {
  RunOutcome out;
  out.run = run;
  out.status = RunStatus::crashed;
  std::string metrics;
  for (const auto& m : plan.metrics) metrics += (metrics.empty() ? "" : ", ") + m.label + " (" + m.info->file + ")";
  out.message = "the process computing this run died of signal " + std::to_string(signal) + ", " + signal_name(signal) +
                ", in plugin code: sampler '" + plan.samplers[run.sampler_index].label + "' (" +
                plan.samplers[run.sampler_index].info->file + "), target '" + plan.target_info->name + "' (" +
                plan.target_info->file + "), metrics " + metrics + ". The other runs went on; --fresh retries it";
  return out;
}

namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

std::string coupled_reference_key(const RunPlan& plan, const PlannedRun& run) {
  // Everything the reference run depends on: not the coarse step count.
  const RunPoint& pt = run.point;
  const std::string sampler_part = plan.reference.object ? "fixed" : std::to_string(run.sampler_index);
  return std::to_string(pt.target_index) + "|" + sampler_part + "|" + std::to_string(pt.replicate) + "|" +
         std::to_string(pt.horizon) + "|" + std::to_string(pt.early_stop) + "|" + std::to_string(pt.score_error) + "|" +
         std::to_string(pt.particles);
}

std::vector<RunOutcome> execute(const RunPlan& plan, const ExecuteOptions& options) {
  const PipelineSpec& spec = plan.spec;
  std::vector<RunOutcome> outcomes(plan.runs.size());
  std::vector<std::size_t> todo;
  double total_work = 0.0;
  for (std::size_t i = 0; i < plan.runs.size(); ++i) {
    const PlannedRun& run = plan.runs[i];
    if (options.finished) {
      if (auto it = options.finished->find(run.id); it != options.finished->end()) {
        outcomes[i] = it->second;
        continue;
      }
    }
    if (options.next_batch) continue;  // the runs to do come from the batches
    todo.push_back(i);
    total_work += static_cast<double>(run.point.particles) * static_cast<double>(run.point.steps);
  }
  Progress progress(options.progress && !options.next_batch, total_work, todo.size());
  std::mutex done_mutex;

  // Coupled references do not depend on the coarse step count: one per (point without steps,
  // sampler, replicate), computed once and shared.
  std::mutex reference_mutex;
  std::map<std::string, std::shared_ptr<const Matrix>> references;
  std::map<std::string, std::shared_ptr<std::once_flag>> reference_once;
  // Floors depend only on the target, n and the metric.
  std::mutex floor_mutex;
  std::map<std::string, std::optional<MetricValue>> floors;

  auto run_one = [&](std::size_t i) {
    const PlannedRun& run = plan.runs[i];
    RunOutcome out;
    out.run = run;
    out.rank = options.rank;
    if (options.on_run_start) {
      std::lock_guard<std::mutex> lock(done_mutex);
      options.on_run_start(run);
    }
    const auto start_time = Clock::now();
    const RunPoint& pt = run.point;
    const Target& target = *plan.targets[pt.target_index].target;
    const Sampler& sampler = *plan.sampler_objects[run.sampler_index];
    const RandomKey key{spec.seed, static_cast<std::uint32_t>(pt.replicate)};
    try {
      const TimeGrid grid(spec.schedule, pt.horizon, pt.early_stop, pt.steps);
      const TimeGrid fine = plan.reference.needed ? TimeGrid(spec.schedule, pt.horizon, pt.early_stop, plan.reference.steps) : grid;
      const BrownianPath path(key, fine);
      const ScoreModel score(target, ScoreError{spec.score_error_kind, pt.score_error, {}}, key);

      Matrix y = initial_state(target, spec.start, pt.horizon, key, 0, pt.particles, spec.block_size);
      const Trajectory traj = integrate(sampler, score, grid, path, y, 0, spec.block_size, spec.divergence_threshold, progress);
      if (traj.diverged) {
        out.status = RunStatus::diverged;
        out.message = "sampler '" + plan.samplers[run.sampler_index].label + "' (" + plan.samplers[run.sampler_index].info->file +
                      "): " + describe_divergence(traj, grid, spec.divergence_threshold);
      } else {
        std::shared_ptr<const Matrix> reference;
        if (plan.reference.needed) {
          const std::string ref_key = coupled_reference_key(plan, run);
          std::shared_ptr<std::once_flag> once;
          {
            std::lock_guard<std::mutex> lock(reference_mutex);
            auto& slot = reference_once[ref_key];
            if (!slot) slot = std::make_shared<std::once_flag>();
            once = slot;
          }
          std::call_once(*once, [&] {
            const Sampler& ref_sampler = plan.reference.object ? *plan.reference.object : sampler;
            auto ry = std::make_shared<Matrix>(initial_state(target, spec.start, pt.horizon, key, 0, pt.particles, spec.block_size));
            Progress quiet(false, 0, 0);
            const Trajectory rt = integrate(ref_sampler, score, fine, path, *ry, 0, spec.block_size, spec.divergence_threshold, quiet);
            std::lock_guard<std::mutex> lock(reference_mutex);
            references[ref_key] = rt.diverged ? nullptr : ry;
          });
          {
            std::lock_guard<std::mutex> lock(reference_mutex);
            reference = references[ref_key];
          }
          if (!reference) throw Error("the coupled reference run (" + plan.reference.sampler + ", " + std::to_string(plan.reference.steps) + " steps) diverged");
        }
        for (std::size_t m = 0; m < plan.metrics.size(); ++m) {
          MetricOutcome mo;
          mo.label = plan.metrics[m].label;
          const Metric& metric = *plan.metric_objects[m];
          try {
            MetricInput in;
            in.samples = ConstMatrixView(y);
            in.target = &target;
            in.key = key;
            if (metric.needs().coupled_reference) in.reference = ConstMatrixView(*reference);
            mo.value = metric.compute(in);
            if (spec.metrics[m].floor && metric.has_floor()) {
              const std::string fkey = std::to_string(m) + "|" + std::to_string(pt.target_index) + "|" +
                                       std::to_string(pt.particles) + "|" + std::to_string(pt.replicate);
              std::optional<MetricValue> cached;
              bool have = false;
              {
                std::lock_guard<std::mutex> lock(floor_mutex);
                if (auto it = floors.find(fkey); it != floors.end()) {
                  cached = it->second;
                  have = true;
                }
              }
              if (!have) {
                // Two independent exact samples at the same n: what this sample size can resolve.
                Matrix exact(target.dim(), pt.particles);
                parallel_blocks(pt.particles, spec.block_size, [&](Index first, Index count) {
                  auto cols = exact.middleCols(first, count);
                  target.sample(RandomStream(key, purpose::floor_sample), first, cols);
                });
                MetricInput fin = in;
                fin.samples = ConstMatrixView(exact);
                fin.reference = {};
                cached = metric.compute(fin);
                std::lock_guard<std::mutex> lock(floor_mutex);
                floors[fkey] = cached;
              }
              mo.floor = cached;
            }
            accept_metric_value(mo);
          } catch (...) {
            mo.ok = false;
            mo.error = current_exception_message();
          }
          if (!mo.ok && out.status == RunStatus::ok) {
            out.status = RunStatus::failed;
            out.message = "metric '" + mo.label + "' (" + plan.metrics[m].info->file + "): " + mo.error;
          }
          out.metrics.push_back(std::move(mo));
        }
      }
    } catch (...) {
      out.status = RunStatus::failed;
      // The exception may come from the sampler's step or the target's evaluate: name both.
      out.message = "sampler '" + plan.samplers[run.sampler_index].label + "' (" + plan.samplers[run.sampler_index].info->file +
                    ") on target '" + plan.target_info->name + "' (" + plan.target_info->file + "): " + current_exception_message();
    }
    out.seconds = std::chrono::duration<double>(Clock::now() - start_time).count();
    progress.run_done();
    {
      std::lock_guard<std::mutex> lock(done_mutex);
      if (options.on_run_done) options.on_run_done(out);
    }
    outcomes[i] = std::move(out);
  };

  // Runs go through a pipeline with a bounded number of tokens: at most that many runs hold their
  // particles in memory at once (a plain parallel_for could start more, by work stealing), while
  // each run still spreads its particle blocks over every thread.
  const std::size_t tokens = options.concurrent_runs > 0
                                 ? options.concurrent_runs
                                 : static_cast<std::size_t>(std::max(1, tbb::this_task_arena::max_concurrency()));
  // Suspects of an earlier crash first, alone: whichever crashes again is the culprit.
  std::deque<std::size_t> queue;
  for (std::size_t i : todo) {
    if (std::find(options.isolate.begin(), options.isolate.end(), i) != options.isolate.end()) run_one(i);
    else queue.push_back(i);
  }
  tbb::parallel_pipeline(
      tokens,
      tbb::make_filter<void, std::size_t>(tbb::filter_mode::serial_in_order,
                                          [&](tbb::flow_control& fc) -> std::size_t {
                                            if (queue.empty() && options.next_batch) {
                                              for (std::size_t i : options.next_batch()) queue.push_back(i);
                                            }
                                            if (queue.empty()) {
                                              fc.stop();
                                              return 0;
                                            }
                                            const std::size_t i = queue.front();
                                            queue.pop_front();
                                            return i;
                                          }) &
          tbb::make_filter<std::size_t, void>(tbb::filter_mode::parallel, [&](std::size_t i) { run_one(i); }));
  return outcomes;
}

}  // namespace sgmtk::engine
