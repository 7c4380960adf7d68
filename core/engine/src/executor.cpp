#include <sgmtk_engine/executor.hpp>

#include <sgmtk/ou.hpp>
#include <sgmtk/parallel.hpp>

#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
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
  }
  return "?";
}

namespace {

using Clock = std::chrono::steady_clock;

/// Particle-steps done vs planned, printed on stderr about five times a second.
class Progress {
 public:
  Progress(bool enabled, double total, std::size_t runs) : enabled_(enabled), total_(total), runs_(runs) {
    if (enabled_) printer_ = std::thread([this] { loop(); });
  }
  ~Progress() {
    if (!enabled_) return;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    printer_.join();
    std::fprintf(stderr, "\r%*s\r", 78, "");
  }
  void add_work(double w) { done_.fetch_add(w, std::memory_order_relaxed); }
  void run_done() { runs_done_.fetch_add(1, std::memory_order_relaxed); }

 private:
  void loop() {
    const auto start = Clock::now();
    std::unique_lock<std::mutex> lock(mutex_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stop_; })) {
      const double frac = total_ > 0 ? std::min(1.0, done_.load() / total_) : 0.0;
      const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      const double eta = frac > 0.01 ? elapsed * (1 - frac) / frac : 0.0;
      std::fprintf(stderr, "\r[%zu/%zu runs] %5.1f%%  elapsed %.0fs  eta %.0fs   ", runs_done_.load(), runs_, 100 * frac, elapsed, eta);
      std::fflush(stderr);
    }
  }
  bool enabled_;
  double total_;
  std::size_t runs_;
  std::atomic<double> done_{0.0};
  std::atomic<std::size_t> runs_done_{0};
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread printer_;
};

/// Y_0 for particles [0, n): N(0, I), or p_T exactly (Y_0 = m_T X_0 + s_T xi, MATH.md A.4).
Matrix initial_state(const Target& target, StartLaw start, double horizon, RandomKey key, Index n, Index block) {
  Matrix y(target.dim(), n);
  parallel_blocks(n, block, [&](Index first, Index count) {
    auto cols = y.middleCols(first, count);
    RandomStream(key, purpose::initial_state).normals(0, first, cols);
    if (start == StartLaw::exact) {
      Matrix x0(target.dim(), count);
      target.sample(RandomStream(key, purpose::initial_target), first, x0);
      cols = ou::mean_factor(horizon) * x0 + std::sqrt(ou::noise_variance(horizon)) * cols;
    }
  });
  return y;
}

struct Trajectory {
  bool diverged = false;
  Index step = -1;  ///< first step after which a particle was non-finite or beyond the threshold
};

/// Advances y along `grid` in fixed blocks; stops a block at its first divergent step.
Trajectory integrate(const Sampler& sampler, const ScoreModel& score, const TimeGrid& grid, const BrownianPath& path,
                     Matrix& y, Index block, double threshold, Progress& progress) {
  std::atomic<Index> first_bad{grid.steps()};
  const double limit2 = threshold * threshold;
  parallel_blocks(y.cols(), block, [&](Index first, Index count) {
    Scratch scratch;
    auto cols = y.middleCols(first, count);
    StepContext ctx{score, grid, path, first, scratch};
    for (Index k = 0; k < grid.steps(); ++k) {
      sampler.step(ctx, k, cols);
      const bool finite = cols.allFinite();
      if (!finite || cols.colwise().squaredNorm().maxCoeff() > limit2) {
        Index cur = first_bad.load();
        while (k < cur && !first_bad.compare_exchange_weak(cur, k)) {
        }
        progress.add_work(static_cast<double>(count) * static_cast<double>(grid.steps() - k));
        return;
      }
    }
    progress.add_work(static_cast<double>(count) * static_cast<double>(grid.steps()));
  });
  const Index bad = first_bad.load();
  return {bad < grid.steps(), bad};
}

std::string describe_divergence(const Trajectory& t, const TimeGrid& grid, double threshold) {
  return "diverged: a particle became non-finite or exceeded norm " + std::to_string(threshold) + " at step " +
         std::to_string(t.step + 1) + " of " + std::to_string(grid.steps()) + " (forward time " +
         std::to_string(grid.tau(t.step + 1)) + "); no metric is computed for this run";
}

}  // namespace

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
    todo.push_back(i);
    total_work += static_cast<double>(run.point.particles) * static_cast<double>(run.point.steps);
  }
  Progress progress(options.progress, total_work, todo.size());
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

      Matrix y = initial_state(target, spec.start, pt.horizon, key, pt.particles, spec.block_size);
      const Trajectory traj = integrate(sampler, score, grid, path, y, spec.block_size, spec.divergence_threshold, progress);
      if (traj.diverged) {
        out.status = RunStatus::diverged;
        out.message = "sampler '" + plan.samplers[run.sampler_index].label + "' (" + plan.samplers[run.sampler_index].info->file +
                      "): " + describe_divergence(traj, grid, spec.divergence_threshold);
      } else {
        std::shared_ptr<const Matrix> reference;
        if (plan.reference.needed) {
          const std::string sampler_part = plan.reference.object ? "fixed" : std::to_string(run.sampler_index);
          std::string ref_key = std::to_string(pt.target_index) + "|" + sampler_part + "|" +
                                std::to_string(pt.replicate) + "|" + std::to_string(pt.horizon) + "|" +
                                std::to_string(pt.early_stop) + "|" + std::to_string(pt.score_error) + "|" +
                                std::to_string(pt.particles);
          std::shared_ptr<std::once_flag> once;
          {
            std::lock_guard<std::mutex> lock(reference_mutex);
            auto& slot = reference_once[ref_key];
            if (!slot) slot = std::make_shared<std::once_flag>();
            once = slot;
          }
          std::call_once(*once, [&] {
            const Sampler& ref_sampler = plan.reference.object ? *plan.reference.object : sampler;
            auto ry = std::make_shared<Matrix>(initial_state(target, spec.start, pt.horizon, key, pt.particles, spec.block_size));
            Progress quiet(false, 0, 0);
            const Trajectory rt = integrate(ref_sampler, score, fine, path, *ry, spec.block_size, spec.divergence_threshold, quiet);
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
            mo.ok = std::isfinite(mo.value.value);
            if (!mo.ok) mo.error = "the metric returned a non-finite value";
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
          } catch (const std::exception& e) {
            mo.ok = false;
            mo.error = e.what();
          }
          if (!mo.ok && out.status == RunStatus::ok) {
            out.status = RunStatus::failed;
            out.message = "metric '" + mo.label + "' (" + plan.metrics[m].info->file + "): " + mo.error;
          }
          out.metrics.push_back(std::move(mo));
        }
      }
    } catch (const std::exception& e) {
      out.status = RunStatus::failed;
      // The exception may come from the sampler's step or the target's evaluate: name both.
      out.message = "sampler '" + plan.samplers[run.sampler_index].label + "' (" + plan.samplers[run.sampler_index].info->file +
                    ") on target '" + plan.target_info->name + "' (" + plan.target_info->file + "): " + e.what();
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
  std::size_t next = 0;
  tbb::parallel_pipeline(
      tokens,
      tbb::make_filter<void, std::size_t>(tbb::filter_mode::serial_in_order,
                                          [&](tbb::flow_control& fc) -> std::size_t {
                                            if (next >= todo.size()) {
                                              fc.stop();
                                              return 0;
                                            }
                                            return todo[next++];
                                          }) &
          tbb::make_filter<std::size_t, void>(tbb::filter_mode::parallel, [&](std::size_t i) { run_one(i); }));
  return outcomes;
}

}  // namespace sgmtk::engine
