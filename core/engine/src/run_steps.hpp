#pragma once
// The steps of one run that the single-process executor and the particle-split (MPI) executor
// share: the initial draws, the integration loop with divergence detection, and progress.
// Particles are numbered globally, so a part of a run is computed exactly as in the whole run.

#include <sgmtk/brownian_path.hpp>
#include <sgmtk/sampler.hpp>
#include <sgmtk/score_model.hpp>
#include <sgmtk/target.hpp>
#include <sgmtk/time_grid.hpp>
#include <sgmtk_engine/pipeline_spec.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

namespace sgmtk::engine {

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
    const auto start = std::chrono::steady_clock::now();
    std::unique_lock<std::mutex> lock(mutex_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stop_; })) {
      const double frac = total_ > 0 ? std::min(1.0, done_.load() / total_) : 0.0;
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
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


/// Y_0 for particles [first, first + n) of a run: N(0, I), or p_T exactly (Y_0 = m_T X_0 + s_T xi,
/// MATH.md A.4).
Matrix initial_state(const Target& target, StartLaw start, double horizon, RandomKey key, Index first, Index n, Index block);

struct Trajectory {
  bool diverged = false;
  Index step = -1;  ///< first step after which a particle was non-finite or beyond the threshold
};

/// Advances y (particles first_particle, first_particle + 1, ...) along `grid` in fixed blocks;
/// stops a block at its first divergent step.
Trajectory integrate(const Sampler& sampler, const ScoreModel& score, const TimeGrid& grid, const BrownianPath& path,
                     Matrix& y, Index first_particle, Index block, double threshold, Progress& progress);

std::string describe_divergence(const Trajectory& t, const TimeGrid& grid, double threshold);

}  // namespace sgmtk::engine
