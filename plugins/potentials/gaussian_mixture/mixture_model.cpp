// Turns the user's parameters into a MixtureModel: broadcasting, the weight and covariance
// checks, and the one-time eigendecomposition of full covariances.
#include "mixture_model.hpp"

#include <sgmtk/error.hpp>
#include <sgmtk/ou.hpp>

#include <Eigen/Eigenvalues>

#include <cmath>
#include <limits>
#include <string>

namespace sgmtk::mixture {
namespace {

std::string row_text(std::size_t k) { return "row " + std::to_string(k + 1); }

/// A row of length 1 broadcasts to d; any other length must be d.
Vector broadcast_row(const std::vector<double>& row, Index d, const std::string& key, std::size_t k) {
  if (row.size() == 1) return Vector::Constant(d, row[0]);
  if (static_cast<Index>(row.size()) != d) {
    throw ParamValueError(key, key + " " + row_text(k) + " has " + std::to_string(row.size()) +
                                   " entries; expected 1 (broadcast) or dim = " + std::to_string(d));
  }
  return Eigen::Map<const Vector>(row.data(), d);
}

void set_isotropic(MixtureModel& m, const RealList& stddev) {
  const Index K = m.components;
  if (stddev.size() != 1 && static_cast<Index>(stddev.size()) != K) {
    throw ParamValueError("stddev", "stddev has " + std::to_string(stddev.size()) +
                                        " entries; expected 1 (shared) or one per component (" +
                                        std::to_string(K) + ")");
  }
  m.kind = CovarianceKind::isotropic;
  m.isotropic_variance.resize(K);
  for (Index k = 0; k < K; ++k) {
    const double s = stddev.size() == 1 ? stddev[0] : stddev[static_cast<std::size_t>(k)];
    if (!(s > 0.0) || !std::isfinite(s)) {
      throw ParamValueError("stddev", "stddev must be finite and > 0, got " + std::to_string(s));
    }
    m.isotropic_variance(k) = s * s;
  }
  m.eigenvalues = m.isotropic_variance.transpose().replicate(m.dim, 1);
  m.equal_isotropic = (m.isotropic_variance.array() == m.isotropic_variance(0)).all();
}

void set_diagonal(MixtureModel& m, const RealMatrix& variances) {
  const Index K = m.components;
  if (variances.size() != 1 && static_cast<Index>(variances.size()) != K) {
    throw ParamValueError("variances", "variances has " + std::to_string(variances.size()) +
                                           " rows; expected 1 (shared) or one per component (" +
                                           std::to_string(K) + ")");
  }
  m.kind = CovarianceKind::diagonal;
  m.eigenvalues.resize(m.dim, K);
  for (Index k = 0; k < K; ++k) {
    const std::size_t r = variances.size() == 1 ? 0 : static_cast<std::size_t>(k);
    m.eigenvalues.col(k) = broadcast_row(variances[r], m.dim, "variances", r);
  }
  if (!(m.eigenvalues.array() > 0.0).all() || !m.eigenvalues.allFinite()) {
    throw ParamValueError("variances", "every variance must be finite and > 0");
  }
}

void set_full(MixtureModel& m, const RealMatrix& cov) {
  const Index K = m.components;
  const Index d = m.dim;
  const auto rows = static_cast<Index>(cov.size());
  if (rows != d && rows != K * d) {
    throw ParamValueError("covariances",
                          "covariances has " + std::to_string(rows) + " rows; expected dim = " +
                              std::to_string(d) + " (one matrix shared by all components) or K*dim = " +
                              std::to_string(K * d) + " (the K matrices stacked)");
  }
  m.kind = CovarianceKind::full;
  m.eigenvalues.resize(d, K);
  m.rotations.assign(static_cast<std::size_t>(K), Matrix());
  for (Index k = 0; k < K; ++k) {
    const Index first = rows == d ? 0 : k * d;
    Matrix S(d, d);
    for (Index i = 0; i < d; ++i) {
      const auto& row = cov[static_cast<std::size_t>(first + i)];
      if (static_cast<Index>(row.size()) != d) {
        throw ParamValueError("covariances", "covariances " + row_text(static_cast<std::size_t>(first + i)) +
                                                 " has " + std::to_string(row.size()) +
                                                 " entries; expected dim = " + std::to_string(d));
      }
      for (Index c = 0; c < d; ++c) S(i, c) = row[static_cast<std::size_t>(c)];
    }
    const double scale = S.cwiseAbs().maxCoeff();
    if ((S - S.transpose()).cwiseAbs().maxCoeff() > 1e-12 * scale) {
      throw ParamValueError("covariances", "covariance of component " + std::to_string(k + 1) +
                                               " is not symmetric");
    }
    Eigen::SelfAdjointEigenSolver<Matrix> eig(0.5 * (S + S.transpose()));
    if (eig.info() != Eigen::Success || !(eig.eigenvalues().array() > 0.0).all()) {
      throw ParamValueError("covariances", "covariance of component " + std::to_string(k + 1) +
                                               " is not positive definite (smallest eigenvalue " +
                                               std::to_string(eig.eigenvalues().minCoeff()) + ")");
    }
    m.eigenvalues.col(k) = eig.eigenvalues();
    m.rotations[static_cast<std::size_t>(k)] = eig.eigenvectors();
  }
}

}  // namespace

MixtureModel build_model(const Params& p) {
  MixtureModel m;
  m.dim = p.integer("dim");
  const RealList& w = p.reals("weights");
  m.components = static_cast<Index>(w.size());
  const Index K = m.components;
  if (K == 0) throw ParamValueError("weights", "weights must name at least one component");
  m.weights = Eigen::Map<const Vector>(w.data(), K);
  const double sum = m.weights.sum();
  if (!(m.weights.array() >= 0.0).all() || !(std::abs(sum - 1.0) <= 1e-12)) {
    throw ParamValueError("weights", "weights must be >= 0 and sum to 1 (within 1e-12); they sum to " +
                                         std::to_string(sum));
  }
  m.log_weights = m.weights.array().log();

  const RealMatrix& mu = p.matrix("means");
  if (static_cast<Index>(mu.size()) != K) {
    throw ParamValueError("means", "means has " + std::to_string(mu.size()) + " rows but weights has " +
                                       std::to_string(K) + " components");
  }
  m.means.resize(m.dim, K);
  for (Index k = 0; k < K; ++k) {
    m.means.col(k) = broadcast_row(mu[static_cast<std::size_t>(k)], m.dim, "means", static_cast<std::size_t>(k));
  }
  m.center = m.means.rowwise().mean();
  m.centered_means = m.means.colwise() - m.center;
  m.centered_norms = m.centered_means.colwise().squaredNorm().transpose();
  m.centered_means_t = m.centered_means.transpose();

  const int given = int(p.has("stddev")) + int(p.has("variances")) + int(p.has("covariances"));
  if (given > 1) {
    throw ParamValueError(p.has("variances") ? "variances" : "covariances",
                          "give at most one of stddev, variances, covariances");
  }
  if (p.has("variances")) {
    set_diagonal(m, p.matrix("variances"));
  } else if (p.has("covariances")) {
    set_full(m, p.matrix("covariances"));
  } else {
    set_isotropic(m, p.has("stddev") ? p.reals("stddev") : RealList{1.0});
  }
  return m;
}

TimeCoefficients time_coefficients(const Times& times, Index n) {
  TimeCoefficients tc;
  tc.shared = times.is_shared();
  const Index len = tc.shared ? 1 : n;
  tc.m.resize(len);
  tc.s2.resize(len);
  for (Index j = 0; j < len; ++j) {
    const double t = times[j];
    if (!(t >= 0.0) || !std::isfinite(t)) {
      throw NumericalError("gaussian_mixture: forward time must be finite and >= 0, got " + std::to_string(t));
    }
    tc.m(j) = ou::mean_factor(t);
    tc.s2(j) = ou::noise_variance(t);
  }
  return tc;
}

}  // namespace sgmtk::mixture
