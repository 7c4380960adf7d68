#pragma once
/// @file metric.hpp
/// A Wasserstein-2 estimator (MATH.md E): compares the particles a sampler produced with the
/// target, and returns a value with its uncertainty.
///
/// Convention (stated once for all metrics): `value` is W2 itself, in the units of x, unless
/// `squared` is set, in which case it is W2^2. `stderr_` is a standard error of `value`
/// (0 when the metric is exact for its inputs).

#include <sgmtk/export.hpp>
#include <sgmtk/random.hpp>
#include <sgmtk/target.hpp>

#include <string>
#include <utility>
#include <vector>

namespace sgmtk {

struct MetricValue {
  double value = 0.0;
  double stderr_ = 0.0;
  bool squared = false;
  /// Metric-specific numbers (a duality gap, a bias estimate, ...), reported alongside.
  std::vector<std::pair<std::string, double>> details;
  /// What the value means when it is not W2 itself ("lower bound on W2", ...).
  std::string note;
};

/// What a metric asks the engine to provide besides the generated particles.
struct MetricNeeds {
  /// A reference run started from the same initial draws and driven by the same Brownian path
  /// (the synchronous coupling of MATH.md E.7), with this sampler and step count.
  bool coupled_reference = false;
  std::string reference_sampler;
  Index reference_steps = 0;
};

struct MetricInput {
  ConstMatrixView samples;    ///< d x n produced by the sampler under test
  const Target* target = nullptr;
  ConstMatrixView reference;  ///< d x n coupled reference (empty unless asked for)
  RandomKey key;              ///< for the metric's own randomness (purpose reference_sample, ...)
};

class SGMTK_API Metric {
 public:
  virtual ~Metric();
  virtual MetricNeeds needs() const;
  /// True when comparing two exact samples of pi at the same n is meaningful (the "floor").
  virtual bool has_floor() const;
  virtual MetricValue compute(const MetricInput& in) const = 0;
};

}  // namespace sgmtk
