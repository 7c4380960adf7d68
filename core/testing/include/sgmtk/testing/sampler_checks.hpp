#pragma once
/// @file sampler_checks.hpp
/// Conformance checks for a Sampler, and `run_sampler`, a small driver that advances particles
/// the way the sgmtk engine does: Y_0 ~ N(0, I) (purpose initial_state, index 0), one Brownian
/// path keyed by the run's key, fixed blocks of particles run in parallel by the core's
/// parallel_blocks, one Scratch per block, the engine's step loop. The same rules hold here as
/// in a real run, so a sampler that passes these checks behaves the same inside `sgmtk run`.

#include <sgmtk/brownian_path.hpp>
#include <sgmtk/parallel.hpp>
#include <sgmtk/random.hpp>
#include <sgmtk/sampler.hpp>
#include <sgmtk/score_model.hpp>
#include <sgmtk/scratch.hpp>
#include <sgmtk/testing/reference_gaussian.hpp>
#include <sgmtk/testing/target_checks.hpp>

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <cmath>
#include <memory>
#include <string>

namespace sgmtk::conformance {

struct SamplerRunOptions {
  Index particles = 300;
  Index steps = 20;
  double horizon = 3.0;
  double early_stop = 1e-3;
  Schedule schedule = Schedule::uniform;
  Index block_size = 64;
  int threads = 0;  ///< TBB threads (0: TBB's default)
  RandomKey key{20240602u, 0};
};

/// Why `sampler` cannot run on `target` (a Hessian form, a potential or an exact reverse
/// transition the target does not provide), or "" when it can.
inline std::string incompatibility(const Sampler& sampler, const Target& target) {
  const SamplerTraits s = sampler.traits();
  const TargetTraits t = target.traits();
  if (s.hessian == HessianForm::diagonal && !t.hessian_diagonal && !t.hessian_full) return "needs a diagonal Hessian";
  if (s.hessian == HessianForm::full && !t.hessian_full) return "needs a full Hessian";
  if (s.hessian == HessianForm::vector_product && !t.hessian_vector_product && !t.hessian_full) {
    return "needs Hessian-vector products";
  }
  if (s.needs_potential && !t.potential) return "needs the target's potential";
  if (s.needs_exact_reverse && !t.exact_reverse) return "needs the target's exact reverse transition";
  return "";
}

/// Runs `sampler` on `target` from Y_0 ~ N(0, I) over the grid of `o`; returns Y_K (d x n).
inline Matrix run_sampler(const Sampler& sampler, const Target& target, const SamplerRunOptions& o = {}) {
  std::unique_ptr<tbb::global_control> limit;
  if (o.threads > 0) {
    limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                  static_cast<std::size_t>(o.threads));
  }
  const TimeGrid grid(o.schedule, o.horizon, o.early_stop, o.steps);
  const BrownianPath path(o.key, grid);
  const ScoreModel score(target, ScoreError{}, o.key);
  Matrix y(target.dim(), o.particles);
  parallel_blocks(o.particles, o.block_size, [&](Index first, Index count) {
    auto cols = y.middleCols(first, count);
    RandomStream(o.key, purpose::initial_state).normals(0, first, cols);
    Scratch scratch;
    const StepContext ctx{score, grid, path, first, scratch};
    for (Index k = 0; k < grid.steps(); ++k) sampler.step(ctx, k, cols);
  });
  return y;
}

/// The output is bit-identical across block sizes and 1 vs 2 TBB threads (DESIGN.md §5): it may
/// depend only on the key, the particle index and the step.
inline Check check_sampler_determinism(const Sampler& sampler, const Target& target, SamplerRunOptions o = {},
                                       const std::string& label = "sampler") {
  if (const std::string why = incompatibility(sampler, target); !why.empty()) return Check::skip(label + " " + why);
  o.threads = 1;
  o.block_size = 64;
  const Matrix base = run_sampler(sampler, target, o);
  struct Variant {
    Index block;
    int threads;
  };
  for (const Variant v : {Variant{64, 2}, Variant{37, 2}, Variant{o.particles, 1}, Variant{1, 2}}) {
    SamplerRunOptions ov = o;
    ov.block_size = v.block;
    ov.threads = v.threads;
    const Matrix other = run_sampler(sampler, target, ov);
    EXPECT_TRUE(base == other) << label << ": output changes with block size " << v.block << " and " << v.threads
                               << " thread(s) (largest difference " << (base - other).cwiseAbs().maxCoeff()
                               << "); a sampler may draw randomness only from the streams it is given, "
                                  "keyed by particle, and must keep no state between calls";
  }
  return {};
}

struct GaussianRunExpectations {
  Index particles = 4000;
  Index steps = 100;
  double horizon = 5.0;
  /// Loose law check (0 disables it): |mean_i - mu_i| <= mean_tolerance sqrt(v_i) + 5 se, and the
  /// variance ratio within [1 - variance_tolerance, 1 + variance_tolerance]. With h = 0.05 any
  /// consistent scheme is far inside these bounds; they catch sign and factor-of-two errors.
  double mean_tolerance = 0.2;
  double variance_tolerance = 0.3;
};

/// On the kit's ReferenceGaussian (or the one given) the output is finite and roughly pi.
inline Check check_sampler_on_gaussian(const Sampler& sampler, const GaussianRunExpectations& e = {},
                                       const std::string& label = "sampler",
                                       const ReferenceGaussian& target = ReferenceGaussian::standard()) {
  if (const std::string why = incompatibility(sampler, target); !why.empty()) return Check::skip(label + " " + why);
  SamplerRunOptions o;
  o.particles = e.particles;
  o.steps = e.steps;
  o.horizon = e.horizon;
  const Matrix y = run_sampler(sampler, target, o);
  EXPECT_TRUE(y.allFinite()) << label << ": non-finite output on a Gaussian target";
  if (!y.allFinite() || e.mean_tolerance <= 0) return {};
  const Vector m = y.rowwise().mean();
  const Vector var = (y.colwise() - m).array().square().rowwise().sum() / static_cast<double>(y.cols() - 1);
  for (Index i = 0; i < target.dim(); ++i) {
    const double v = target.variances()(i);
    const double se = std::sqrt(v / static_cast<double>(y.cols()));
    EXPECT_LE(std::abs(m(i) - target.mean()(i)), e.mean_tolerance * std::sqrt(v) + 5 * se)
        << label << ": output mean of coordinate " << i << " is far from the Gaussian target's";
    EXPECT_LE(std::abs(var(i) / v - 1.0), e.variance_tolerance)
        << label << ": output variance of coordinate " << i << " is " << var(i) << ", the target's " << v;
  }
  return {};
}

}  // namespace sgmtk::conformance
