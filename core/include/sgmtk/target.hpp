#pragma once
/// @file target.hpp
/// A target law pi = exp(-U) / Z and its OU-perturbed laws p_t (MATH.md A.1, C).
///
/// A target knows its dimension, draws exact i.i.d. samples of pi, and evaluates the score
/// grad log p_t (and optionally its Hessian, log p_t) for a whole block of particles in one call.
/// The samplers call it several times per step, at intermediate times, possibly a different time
/// per particle (randomized midpoint); that is what ScoreQuery expresses.

#include <sgmtk/export.hpp>
#include <sgmtk/random.hpp>
#include <sgmtk/types.hpp>

#include <string>
#include <vector>

namespace sgmtk {

/// Forward times of a block: one time shared by all particles, or one per particle.
class Times {
 public:
  /// Every particle at forward time t.
  Times(double t) : shared_(t) {}  // NOLINT: implicit on purpose, `score(0.5, ...)` reads well
  /// Particle j at per_particle[j] (n entries, owned by the caller).
  explicit Times(const double* per_particle) : shared_(0.0), per_particle_(per_particle) {}

  bool is_shared() const { return per_particle_ == nullptr; }
  double shared() const { return shared_; }
  double operator[](Index j) const { return per_particle_ ? per_particle_[j] : shared_; }
  const double* per_particle() const { return per_particle_; }

 private:
  double shared_;
  const double* per_particle_ = nullptr;
};

/// Which second-order information a caller wants.
enum class HessianForm : std::uint8_t {
  none,
  diagonal,        ///< d x n: diag of grad^2 log p_t per particle
  full,            ///< (d*d) x n: column j holds the d x d Hessian of particle j, column-major
  vector_product   ///< d x n: (grad^2 log p_t) v_j for a given direction v_j per particle
};

SGMTK_API const char* to_string(HessianForm form);

/// One evaluation of p_t at a block of n particles. Outputs that are empty are not computed.
struct ScoreQuery {
  Times times = 0.0;             ///< forward time(s) t > 0
  ConstMatrixView x;             ///< d x n positions
  MatrixView score;              ///< d x n: grad log p_t(x_j)
  HessianForm hessian = HessianForm::none;
  MatrixView hessian_out;        ///< shape per `hessian`
  ConstMatrixView direction;     ///< d x n, for HessianForm::vector_product
  MatrixView log_density;        ///< 1 x n: log p_t(x_j), normalized when the target says so
};

/// A query for the score alone of the block x at `times`, written to `out` (both contiguous).
inline ScoreQuery score_only_query(Times times, ConstBlock x, Block out) {
  ScoreQuery q;
  q.times = times;
  q.x = ConstMatrixView::of(x);
  q.score = MatrixView::of(out);
  return q;
}

/// What a target provides beyond the score (checked by callers before they ask).
struct TargetTraits {
  /// pi is a product of identical 1-D laws: the score acts coordinatewise, the Hessian is
  /// diagonal, and W2 in dimension d is sqrt(d) times the 1-D value for coordinatewise schemes.
  bool product_form = false;
  bool hessian_diagonal = false;
  bool hessian_full = false;
  bool hessian_vector_product = false;
  bool log_density = false;            ///< ScoreQuery::log_density can be filled
  bool normalized_log_density = false; ///< ... including the normalizing constant
  bool potential = false;              ///< potential() and potential_gradient() (ULA)
  bool moments = false;                ///< moments(): exact mean and covariance of pi
  bool exact_reverse = false;          ///< reverse_transition() (MATH.md B.8)
};

/// A named structural constant (semiconvexity K, strong convexity at infinity, ...), with the
/// provenance of its formula as MATH.md tags it ("derived here", "standard", ...).
struct NamedConstant {
  std::string name;
  double value = 0.0;
  std::string doc;
};

class SGMTK_API Target {
 public:
  virtual ~Target();

  virtual Index dim() const = 0;
  virtual TargetTraits traits() const = 0;

  /// Exact i.i.d. samples of pi: column j is the sample of particle first_particle + j, drawn
  /// only from `rng` (keyed by that particle), so any block split gives the same numbers.
  virtual void sample(const RandomStream& rng, Index first_particle, Block out) const = 0;

  /// Fills the requested outputs of `q` (see ScoreQuery). Throws UnsupportedError for a
  /// Hessian form or log density the traits do not announce.
  virtual void evaluate(const ScoreQuery& q) const = 0;

  /// Exact mean and covariance of pi, when traits().moments. Default: UnsupportedError.
  virtual void moments(Eigen::Ref<Vector> mean, Eigen::Ref<Matrix> covariance) const;

  /// U(x) per particle (1 x n) and a (sub)gradient of U (d x n), when traits().potential.
  virtual void potential(ConstBlock x, Eigen::Ref<RowVector> u) const;
  virtual void potential_gradient(ConstBlock x, Block grad) const;

  /// Exact reverse transition (MATH.md B.8): given y = X_tau, writes a draw of X_{tau-h} using
  /// the standard normals `xi` (d x n) and uniforms `u` (1 x n, for a mixture's component).
  virtual void reverse_transition(double tau, double h, ConstBlock y, ConstBlock xi,
                                  Eigen::Ref<const RowVector> u, Block out) const;

  /// Structural constants for `sgmtk describe` / `probe` and for predictions.
  virtual std::vector<NamedConstant> constants() const;

  // Conveniences over evaluate() for callers (samplers, tests); not to be overridden.

  /// out = grad log p_t(x) at one time for the block.
  void score(double t, ConstBlock x, Block out) const;
  /// out = grad log p_t(x) at per-particle times.
  void score(const double* times, ConstBlock x, Block out) const;
};

}  // namespace sgmtk
