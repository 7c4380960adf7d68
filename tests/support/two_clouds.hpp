#pragma once
// Test helpers for the sample-comparison metrics: deterministic point clouds, and calling a
// metric on two given clouds (A as in.samples, B as in.reference: the "two clouds" rule of
// plugins/metrics/common/reference_cloud.hpp).

#include <sgmtk/metric.hpp>
#include <sgmtk/random.hpp>

#include <stdexcept>
#include <string>

namespace sgmtk::testing {

/// d x n standard normals from the core's Philox stream (portable, unlike std::normal_distribution).
inline Matrix normal_cloud(Index d, Index n, std::uint32_t seed) {
  Matrix x(d, n);
  RandomStream({seed, 7}, purpose::user_first).normals(0, 0, x);
  return x;
}

inline MetricValue compare_clouds(const Metric& metric, const Matrix& a, const Matrix& b,
                                  RandomKey key = {1, 0}) {
  MetricInput in;
  in.samples = ConstMatrixView(a);
  in.reference = ConstMatrixView(b);
  in.key = key;
  return metric.compute(in);
}

inline double detail(const MetricValue& v, const std::string& name) {
  for (const auto& [k, x] : v.details) {
    if (k == name) return x;
  }
  throw std::runtime_error("no detail named " + name);
}

}  // namespace sgmtk::testing
