#pragma once
// Runs a sampler over a whole particle set the way the engine does (fixed blocks, one Scratch
// per block, step k = 0..K-1), without the engine: for sampler and metric tests.

#include <sgmtk/sgmtk.hpp>

namespace sgmtk::testing {

enum class Start { gaussian, exact };

/// Initial state for particles [0, n): N(0, I), or exactly p_T (Y_0 = m_T X_0 + s_T xi).
inline Matrix initial_state(const Target& target, const TimeGrid& grid, RandomKey key, Index n, Start start) {
  Matrix y(target.dim(), n);
  RandomStream(key, purpose::initial_state).normals(0, 0, y);
  if (start == Start::exact) {
    Matrix x0(target.dim(), n);
    target.sample(RandomStream(key, purpose::initial_target), 0, x0);
    const double T = grid.horizon();
    y = ou::mean_factor(T) * x0 + std::sqrt(ou::noise_variance(T)) * y;
  }
  return y;
}

/// Advances y in place along `grid`, driven by `path`, in blocks of `block` particles.
inline void run_sampler(const Sampler& sampler, const ScoreModel& score, const TimeGrid& grid,
                        const BrownianPath& path, Matrix& y, Index block = default_block_size) {
  parallel_blocks(y.cols(), block, [&](Index first, Index count) {
    Scratch scratch;
    auto cols = y.middleCols(first, count);
    StepContext ctx{score, grid, path, first, scratch};
    for (Index k = 0; k < grid.steps(); ++k) sampler.step(ctx, k, cols);
  });
}

}  // namespace sgmtk::testing
