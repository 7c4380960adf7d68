#pragma once
/// @file conformance.hpp
/// The sgmtk conformance kit: reusable GoogleTest checks for third-party (and in-tree) plugins.
/// Link `sgmtk::testing` (find_package(sgmtk REQUIRED COMPONENTS testing)) and call the checks
/// from your own TEST bodies; each returns a Check saying whether it ran or why it was skipped.
///
///   targets   check_score_vs_log_density, check_hessian_vs_score, check_per_particle_times,
///             check_evaluate_block_invariance, check_sampling_block_invariance,
///             check_moments_vs_samples                                      (target_checks.hpp)
///   samplers  check_sampler_determinism, check_sampler_on_gaussian, run_sampler (sampler_checks.hpp)
///   metrics   check_metric_basics, check_metric_two_clouds                  (metric_checks.hpp)
///   ReferenceGaussian: a closed-form target to drive samplers and metrics  (reference_gaussian.hpp)
///   PluginLibrary: loads your built .so as the host does                  (plugin_library.hpp)
///
/// `report(check)` prints a skipped check's reason, so a test log says what was not covered.

#include <sgmtk/testing/metric_checks.hpp>
#include <sgmtk/testing/plugin_library.hpp>
#include <sgmtk/testing/reference_gaussian.hpp>
#include <sgmtk/testing/sampler_checks.hpp>
#include <sgmtk/testing/target_checks.hpp>

#include <cstdio>

namespace sgmtk::conformance {

/// Prints "[ skipped  ] <reason>" for a check that did not run; returns whether it ran.
inline bool report(const Check& c) {
  if (!c.ran) std::printf("[ skipped  ] %s\n", c.skipped.c_str());
  return c.ran;
}

}  // namespace sgmtk::conformance
