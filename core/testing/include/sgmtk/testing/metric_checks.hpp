#pragma once
/// @file metric_checks.hpp
/// Conformance checks for a Metric.
///
/// Clouds A and B are independent exact samples of the target (kit-owned purposes, so they never
/// coincide with the metric's own reference draws), A + c a shifted copy. A metric that compares
/// two clouds reads the second one from MetricInput::reference when it is given (the in-tree
/// sample metrics' "two clouds" rule, and how a coupled reference run arrives); whether a metric
/// does is detected, not assumed: if moving B changes nothing, the reference is ignored and the
/// checks that need it (zero on identical inputs, symmetry) report themselves skipped.

#include <sgmtk/error.hpp>
#include <sgmtk/metric.hpp>
#include <sgmtk/random.hpp>
#include <sgmtk/testing/target_checks.hpp>

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <cmath>
#include <optional>
#include <string>

namespace sgmtk::conformance {

struct MetricCheckOptions {
  Index particles = 400;
  double shift = 1.0;  ///< added to every coordinate of A for the "detects a shift" check
  /// value(A, A) <= zero_tolerance * rms(A) (value is W2, the square root of a squared quantity,
  /// so 1e-5 here allows squared-scale residues of 1e-10).
  double zero_tolerance = 1e-5;
  /// |value(A, B) - value(B, A)| <= symmetry_tolerance (1 + value): iterative solvers converge
  /// only to their own tolerance, so this is not a bitwise check.
  double symmetry_tolerance = 1e-5;
  RandomKey key{20240603u, 0};
  std::string label = "metric";
};

namespace detail {

inline Matrix exact_cloud(const Target& target, Index n, RandomKey key, std::uint32_t purpose_id) {
  Matrix x(target.dim(), n);
  target.sample(RandomStream(key, purpose_id), 0, x);
  return x;
}

/// compute() on samples (and reference, when non-empty); nullopt when the metric says it cannot
/// work with this target (UnsupportedError) -- any other exception fails the check.
inline std::optional<MetricValue> compute_on(const Metric& metric, const Target& target, const Matrix& samples,
                                             const Matrix* reference, const MetricCheckOptions& o,
                                             std::string* unsupported = nullptr) {
  MetricInput in;
  in.samples = ConstMatrixView(samples);
  in.target = &target;
  in.key = o.key;
  if (reference != nullptr) in.reference = ConstMatrixView(*reference);
  try {
    return metric.compute(in);
  } catch (const UnsupportedError& e) {
    if (unsupported != nullptr) *unsupported = e.what();
    return std::nullopt;
  } catch (const std::exception& e) {
    ADD_FAILURE() << o.label << ": compute() threw: " << e.what();
    return std::nullopt;
  }
}

inline bool same(const MetricValue& a, const MetricValue& b) {
  return a.value == b.value && a.stderr_ == b.stderr_ && a.squared == b.squared;
}

}  // namespace detail

/// Finite value >= 0 and finite stderr >= 0 on an exact sample; bit-identical on a repeated call
/// and with 1 vs 2 TBB threads; a larger value on a shifted sample than on an exact one.
inline Check check_metric_basics(const Metric& metric, const Target& target, const MetricCheckOptions& o = {}) {
  const Matrix a = detail::exact_cloud(target, o.particles, o.key, purpose::user_first + 201);
  const Matrix b = detail::exact_cloud(target, o.particles, o.key, purpose::user_first + 202);
  const Matrix shifted = a.array() + o.shift;
  // A metric that asks for a coupled reference always receives one: give it B.
  const Matrix* ref = metric.needs().coupled_reference ? &b : nullptr;
  std::string unsupported;
  const auto v = detail::compute_on(metric, target, a, ref, o, &unsupported);
  if (!v) {
    if (!unsupported.empty()) return Check::skip(o.label + " does not support this target: " + unsupported);
    return {};  // the failure is already recorded
  }
  EXPECT_TRUE(std::isfinite(v->value) && v->value >= 0) << o.label << ": value " << v->value;
  EXPECT_TRUE(std::isfinite(v->stderr_) && v->stderr_ >= 0) << o.label << ": stderr " << v->stderr_;
  const auto again = detail::compute_on(metric, target, a, ref, o);
  if (again) {
    EXPECT_TRUE(detail::same(*v, *again)) << o.label << ": two identical calls differ";
  }
  for (int threads : {1, 2}) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    const auto t = detail::compute_on(metric, target, a, ref, o);
    if (t) {
      EXPECT_TRUE(detail::same(*v, *t)) << o.label << ": value with " << threads << " TBB thread(s) is " << t->value
                                        << ", with the default " << v->value;
    }
  }
  const auto s = detail::compute_on(metric, target, shifted, ref, o);
  if (s) {
    EXPECT_TRUE(std::isfinite(s->value) && std::isfinite(s->stderr_)) << o.label << ": on a shifted sample";
    EXPECT_GT(s->value, v->value) << o.label << ": shifting the samples by " << o.shift
                                  << " in every coordinate did not increase the value";
  }
  return {};
}

/// value(A, reference = A) is zero and value(A, B) = value(B, A): for metrics that use
/// MetricInput::reference (skipped, with the reason, for those that ignore it).
inline Check check_metric_two_clouds(const Metric& metric, const Target& target, const MetricCheckOptions& o = {}) {
  const Matrix a = detail::exact_cloud(target, o.particles, o.key, purpose::user_first + 201);
  const Matrix b = detail::exact_cloud(target, o.particles, o.key, purpose::user_first + 202);
  const Matrix b_moved = b.array() + o.shift;
  std::string unsupported;
  const auto ab = detail::compute_on(metric, target, a, &b, o, &unsupported);
  const auto ab_moved = detail::compute_on(metric, target, a, &b_moved, o);
  if (!ab || !ab_moved) {
    if (!unsupported.empty()) return Check::skip(o.label + " does not support this target: " + unsupported);
    return {};
  }
  if (detail::same(*ab, *ab_moved)) return Check::skip(o.label + " ignores MetricInput::reference");
  const auto aa = detail::compute_on(metric, target, a, &a, o);
  const double rms = std::sqrt(a.squaredNorm() / static_cast<double>(a.cols()));
  if (aa) {
    EXPECT_LE(aa->value, o.zero_tolerance * rms) << o.label << ": not zero on identical inputs (" << aa->value << ")";
  }
  const auto ba = detail::compute_on(metric, target, b, &a, o);
  if (ba) {
    EXPECT_LE(std::abs(ab->value - ba->value), o.symmetry_tolerance * (1.0 + ab->value))
        << o.label << ": value(A, B) = " << ab->value << " but value(B, A) = " << ba->value;
  }
  return {};
}

}  // namespace sgmtk::conformance
