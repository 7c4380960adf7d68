#include "run_steps.hpp"

#include <sgmtk/ou.hpp>
#include <sgmtk/parallel.hpp>

#include <cmath>

namespace sgmtk::engine {

Matrix initial_state(const Target& target, StartLaw start, double horizon, RandomKey key, Index first_particle, Index n, Index block) {
  Matrix y(target.dim(), n);
  parallel_blocks(n, block, [&](Index local, Index count) {
    const Index first = first_particle + local;
    auto cols = y.middleCols(local, count);
    RandomStream(key, purpose::initial_state).normals(0, first, cols);
    if (start == StartLaw::exact) {
      Matrix x0(target.dim(), count);
      target.sample(RandomStream(key, purpose::initial_target), first, x0);
      cols = ou::mean_factor(horizon) * x0 + std::sqrt(ou::noise_variance(horizon)) * cols;
    }
  });
  return y;
}

Trajectory integrate(const Sampler& sampler, const ScoreModel& score, const TimeGrid& grid, const BrownianPath& path,
                     Matrix& y, Index first_particle, Index block, double threshold, Progress& progress) {
  std::atomic<Index> first_bad{grid.steps()};
  const double limit2 = threshold * threshold;
  parallel_blocks(y.cols(), block, [&](Index local, Index count) {
    Scratch scratch;
    auto cols = y.middleCols(local, count);
    StepContext ctx{score, grid, path, first_particle + local, scratch};
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

}  // namespace sgmtk::engine
