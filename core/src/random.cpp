#include <sgmtk/random.hpp>

#include <Random123/philox.h>

#include <cassert>
#include <cmath>
#include <numbers>

namespace sgmtk {
namespace {

using Philox = r123::Philox4x32_R<10>;

inline std::array<std::uint32_t, 4> run_philox(const std::array<std::uint32_t, 4>& c,
                                               const std::array<std::uint32_t, 2>& k) {
  Philox::ctr_type ctr = {{c[0], c[1], c[2], c[3]}};
  Philox::key_type key = {{k[0], k[1]}};
  const Philox::ctr_type r = Philox()(ctr, key);
  return {r[0], r[1], r[2], r[3]};
}

inline std::uint64_t join(std::uint32_t lo, std::uint32_t hi) {
  return static_cast<std::uint64_t>(lo) | (static_cast<std::uint64_t>(hi) << 32);
}

}  // namespace

std::array<std::uint32_t, 4> philox4x32_10(std::array<std::uint32_t, 4> counter,
                                           std::array<std::uint32_t, 2> key) {
  return run_philox(counter, key);
}

double open_uniform(std::uint64_t bits) {
  // The top 53 bits, centred in their cell: never 0 or 1, so log() below is finite.
  return (static_cast<double>(bits >> 11) + 0.5) * 0x1.0p-53;
}

std::array<double, 2> normal_pair(std::uint64_t a, std::uint64_t b) {
  const double radius = std::sqrt(-2.0 * std::log(open_uniform(a)));
  const double angle = 2.0 * std::numbers::pi * open_uniform(b);
  return {radius * std::cos(angle), radius * std::sin(angle)};
}

ScalarSequence::ScalarSequence(RandomKey key, std::uint32_t purpose, std::uint32_t particle,
                               std::uint32_t index)
    : key_(key), counter_{particle, index, purpose, 0u} {}

std::array<std::uint32_t, 4> ScalarSequence::next() {
  const auto r = run_philox(counter_, {key_.seed, key_.replicate});
  ++counter_[3];
  return r;
}

double ScalarSequence::uniform() {
  const auto r = next();
  return open_uniform(join(r[0], r[1]));
}

double ScalarSequence::normal() {
  const auto r = next();
  return normal_pair(join(r[0], r[1]), join(r[2], r[3]))[0];
}

double ScalarSequence::exponential() { return -std::log(uniform()); }

double ScalarSequence::gamma(double shape) {
  // Marsaglia & Tsang (2000); for shape < 1, Gamma(a) = Gamma(a + 1) U^{1/a}.
  if (shape < 1.0) {
    const double g = gamma(shape + 1.0);
    return g * std::pow(uniform(), 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x = 0.0;
    double v = 0.0;
    do {
      x = normal();
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = uniform();
    if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v;
  }
}

void RandomStream::normals(std::uint64_t index, Index first_particle, Block out) const {
  assert(index <= 0xffffffffu);
  const std::array<std::uint32_t, 2> key{key_.seed, key_.replicate};
  const Index d = out.rows();
  for (Index j = 0; j < out.cols(); ++j) {
    const auto particle = static_cast<std::uint32_t>(first_particle + j);
    double* col = out.col(j).data();
    for (Index lane = 0; 2 * lane < d; ++lane) {
      const auto r = run_philox({particle, static_cast<std::uint32_t>(index), purpose_,
                                 static_cast<std::uint32_t>(lane)},
                                key);
      const auto z = normal_pair(join(r[0], r[1]), join(r[2], r[3]));
      col[2 * lane] = z[0];
      if (2 * lane + 1 < d) col[2 * lane + 1] = z[1];
    }
  }
}

void RandomStream::uniforms(std::uint64_t index, Index first_particle, Block out) const {
  assert(index <= 0xffffffffu);
  const std::array<std::uint32_t, 2> key{key_.seed, key_.replicate};
  for (Index j = 0; j < out.cols(); ++j) {
    const auto particle = static_cast<std::uint32_t>(first_particle + j);
    for (Index i = 0; i < out.rows(); ++i) {
      const auto r = run_philox({particle, static_cast<std::uint32_t>(index), purpose_,
                                 static_cast<std::uint32_t>(i)},
                                key);
      out(i, j) = open_uniform(join(r[0], r[1]));
    }
  }
}

ScalarSequence RandomStream::sequence(Index particle, std::uint64_t index) const {
  return ScalarSequence(key_, purpose_, static_cast<std::uint32_t>(particle),
                        static_cast<std::uint32_t>(index));
}

}  // namespace sgmtk
