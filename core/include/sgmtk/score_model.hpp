#pragma once
/// @file score_model.hpp
/// The score as a sampler sees it: the target's exact grad log p_t, plus an optional controlled
/// error (MATH.md B.9) for studying how the output error grows with the score error eps.
///   bias:      s = grad log p_t + eps v,                 |v| = 1 (a fixed direction per run)
///   relative:  s = grad log p_t + eps (x - E[X_t]),       E[X_t] = m_t mean(pi)
/// Both keep Gaussian-target recursions linear, so the closed forms of MATH.md E.1 still apply.
/// The relative error also shifts the Hessian by eps I (it is the Jacobian of the added term).

#include <sgmtk/export.hpp>
#include <sgmtk/target.hpp>

namespace sgmtk {

enum class ScoreErrorKind : std::uint8_t { none, bias, relative };

SGMTK_API const char* to_string(ScoreErrorKind kind);
SGMTK_API ScoreErrorKind parse_score_error_kind(const std::string& name);

struct ScoreError {
  ScoreErrorKind kind = ScoreErrorKind::none;
  double size = 0.0;  ///< eps
  /// bias: the unit direction v (empty: the core draws one from the run's key)
  Vector direction;
};

class SGMTK_API ScoreModel {
 public:
  /// `key` fixes the bias direction when `error.direction` is empty. Needs the target's moments
  /// for a relative error (throws UnsupportedError otherwise).
  ScoreModel(const Target& target, ScoreError error, RandomKey key);

  const Target& target() const { return target_; }
  const ScoreError& error() const { return error_; }

  /// target.evaluate(q), then the injected error added to q.score (and q.hessian_out).
  void evaluate(const ScoreQuery& q) const;
  /// out = s(t, x) at one time.
  void score(double t, ConstBlock x, Block out) const;
  /// out = s(t_j, x_j) at per-particle times.
  void score(const double* times, ConstBlock x, Block out) const;

 private:
  const Target& target_;
  ScoreError error_;
  Vector mean_;  ///< mean of pi (relative error)
};

}  // namespace sgmtk
