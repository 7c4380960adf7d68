#pragma once
/// @file random.hpp
/// Counter-based random numbers: Philox4x32-10 (Salmon et al., SC'11; Random123).
///
/// Every random number sgmtk draws is a pure function of
///   key     = (pipeline seed, replicate)                     -- 2 x 32 bits
///   counter = (particle, index, purpose, lane)               -- 4 x 32 bits
/// so results do not depend on the thread count, the block size or the order in which blocks
/// run. `index` is usually a step (or fine-grid interval) number; `purpose` separates the uses
/// (initial state, Brownian increments, bridge points, a metric's reference sample, ...); `lane`
/// numbers the Philox calls for one (particle, index): coordinates 2i and 2i+1 of a normal
/// vector come from lane i, and a ScalarSequence advances the lane on every call.
///
/// Normal variates use Box-Muller on two 52-bit uniforms: exactly two normals per Philox call
/// (draw-count exact, unlike rejection methods or std::normal_distribution, whose output is
/// implementation-defined).

#include <sgmtk/export.hpp>
#include <sgmtk/types.hpp>

#include <array>
#include <cstdint>

namespace sgmtk {

/// One Philox4x32-10 block: the raw generator, exposed for known-answer tests.
SGMTK_API std::array<std::uint32_t, 4> philox4x32_10(std::array<std::uint32_t, 4> counter,
                                                     std::array<std::uint32_t, 2> key);

/// Which run the numbers belong to. Runs that share a key share their random numbers (common
/// random numbers across a sweep: the same initial draws and Brownian increments).
struct RandomKey {
  std::uint32_t seed = 0;
  std::uint32_t replicate = 0;
};

/// The purposes used by the core and the in-tree plugins. Third-party plugins take their own
/// from `purpose::user_first` upward so that they never reuse another consumer's numbers.
namespace purpose {
inline constexpr std::uint32_t initial_state = 1;      ///< Y_0 ~ N(0, I), or the noise of an exact start
inline constexpr std::uint32_t initial_target = 2;     ///< X_0 ~ pi for an exact start Y_0 = m_T X_0 + s_T xi
inline constexpr std::uint32_t path_increment = 3;     ///< fine Brownian increments (BrownianPath)
inline constexpr std::uint32_t path_ou = 4;            ///< second normal of a fine (dW, J) pair
inline constexpr std::uint32_t path_bridge = 5;        ///< Brownian-bridge points inside a fine interval
inline constexpr std::uint32_t path_bridge_ou = 6;     ///< OU part of a bridge point
inline constexpr std::uint32_t step_uniform = 7;       ///< per-step uniforms (randomized midpoint U)
inline constexpr std::uint32_t step_extra = 8;         ///< other per-step draws of a scheme
inline constexpr std::uint32_t score_error = 9;        ///< direction of an injected score error
inline constexpr std::uint32_t reference_sample = 16;  ///< exact target samples a metric compares with
inline constexpr std::uint32_t floor_sample = 17;      ///< second exact sample, for a metric's floor
inline constexpr std::uint32_t metric_internal = 18;   ///< a metric's own draws (projections, ...)
inline constexpr std::uint32_t user_first = 1u << 16;
}  // namespace purpose

/// Standard normal pair from two raw 64-bit words (Box-Muller on 52-bit uniforms in (0, 1)).
SGMTK_API std::array<double, 2> normal_pair(std::uint64_t a, std::uint64_t b);
/// Uniform in the open interval (0, 1) from a raw 64-bit word (its top 52 bits, cell-centred).
SGMTK_API double open_uniform(std::uint64_t bits);

/// The block kernels (RandomStream's draws here, and plugins' own SIMD kernels such as
/// gaussian_mixture's) have a 4-lane AVX2 copy and, on x86-64 builds for AVX2, an 8-lane
/// AVX-512 copy chosen at run time. Both do the same operations in the same order, so the
/// numbers are bit-identical whichever runs; these functions exist for tests and diagnostics.
/// `SGMTK_SIMD=avx2` in the environment starts with the 8-lane copy off.
SGMTK_API bool simd_wide_available();  ///< built with the 8-lane copy and the CPU supports it
SGMTK_API bool simd_wide_enabled();    ///< the 8-lane copy is in use
/// Turns the 8-lane copy on (if available) or off for the whole process; returns the previous
/// setting. Not for use while other threads draw.
SGMTK_API bool set_simd_wide_enabled(bool enabled);

/// Sequential draws for one (particle, index): for rejection samplers, whose number of draws
/// varies. Every call consumes one Philox call (one lane).
class SGMTK_API ScalarSequence {
 public:
  ScalarSequence(RandomKey key, std::uint32_t purpose, std::uint32_t particle, std::uint32_t index);

  double uniform();      ///< in (0, 1)
  double normal();       ///< N(0, 1)
  double exponential();  ///< Exp(1)
  double gamma(double shape);  ///< Gamma(shape, 1), Marsaglia-Tsang (shape < 1 boosted)

 private:
  std::array<std::uint32_t, 4> next();
  RandomKey key_;
  std::array<std::uint32_t, 4> counter_;
};

/// All numbers of one purpose under one key, drawn a block of particles at a time.
class SGMTK_API RandomStream {
 public:
  RandomStream(RandomKey key, std::uint32_t purpose) : key_(key), purpose_(purpose) {}

  /// out(i, j) ~ N(0, 1) for particle `first_particle + j`, coordinate i, at `index`.
  void normals(std::uint64_t index, Index first_particle, Block out) const;
  /// out(i, j) ~ U(0, 1), same layout (lane i, first word).
  void uniforms(std::uint64_t index, Index first_particle, Block out) const;
  /// A sequence for rejection sampling of (particle, index).
  ScalarSequence sequence(Index particle, std::uint64_t index) const;

  RandomKey key() const { return key_; }
  std::uint32_t purpose() const { return purpose_; }

 private:
  RandomKey key_;
  std::uint32_t purpose_;
};

}  // namespace sgmtk
