#pragma once
// pi = N(m, S) and its OU-perturbed laws p_t = N(m_t m, Sigma_t), Sigma_t = m_t^2 S + s_t^2 I
// (MATH.md C.1). S is eigendecomposed once, S = Q diag(lambda) Q^T: every Sigma_t shares the
// eigenvectors Q, so Sigma_t^{-1} = Q diag(1 / (m_t^2 lambda + s_t^2)) Q^T costs O(d) per time
// and a block of particles is handled with two d x d x n products (none when S is diagonal).

#include <sgmtk/params.hpp>
#include <sgmtk/plugin.hpp>
#include <sgmtk/target.hpp>

#include <vector>

namespace sgmtk::gaussian {

/// The law N(mean, covariance) as the parameters describe it, checked (lengths, symmetry,
/// positive definiteness) and eigendecomposed.
struct GaussianLaw {
  Vector mean;
  Matrix covariance;   ///< S (symmetrized when given in full); empty when S is diagonal
  Matrix eigenvectors; ///< Q; empty when S is diagonal (Q = I): O(d) memory, so d = 10^5 fits
  Vector eigenvalues;  ///< lambda > 0
  bool diagonal = false;  ///< Q = I: rotations are skipped
};

/// Reads dim, mean and one of variance / diagonal / covariance; throws ParamValueError naming
/// the offending parameter.
GaussianLaw gaussian_law_from_params(const Params& p);

std::vector<ParamSpec> gaussian_params();
/// PluginEntry::memory: O(d) when S is diagonal; a full S costs its parameter copy, S, Q and the
/// eigensolver's work while it is built: about four d x d matrices.
std::uint64_t gaussian_memory(const Params& p, const MemoryQuery& q);

class GaussianTarget final : public Target {
 public:
  explicit GaussianTarget(const Params& p);
  explicit GaussianTarget(GaussianLaw law);

  Index dim() const override { return law_.mean.size(); }
  TargetTraits traits() const override;
  void sample(const RandomStream& rng, Index first_particle, Block out) const override;
  void evaluate(const ScoreQuery& q) const override;
  void moments(Eigen::Ref<Vector> mean, Eigen::Ref<Matrix> covariance) const override;
  void potential(ConstBlock x, Eigen::Ref<RowVector> u) const override;
  void potential_gradient(ConstBlock x, Block grad) const override;
  void reverse_transition(double tau, double h, ConstBlock y, ConstBlock xi,
                          Eigen::Ref<const RowVector> u, Block out) const override;
  std::vector<NamedConstant> constants() const override;

 private:
  /// Q^T x (a copy of x when S is diagonal).
  Matrix to_eigen(ConstBlock x) const;
  /// Q z in place of out.
  void from_eigen(const Matrix& z, Block out) const;

  GaussianLaw law_;
  Vector eigen_mean_;  ///< Q^T m
};

}  // namespace sgmtk::gaussian
