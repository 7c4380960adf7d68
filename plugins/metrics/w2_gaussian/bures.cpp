#include "bures.hpp"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>

namespace sgmtk::w2_gaussian {

Matrix symmetric_sqrt(const Matrix& c) {
  Eigen::SelfAdjointEigenSolver<Matrix> eig(0.5 * (c + c.transpose()));
  const Vector root = eig.eigenvalues().cwiseMax(0.0).cwiseSqrt();
  return eig.eigenvectors() * root.asDiagonal() * eig.eigenvectors().transpose();
}

double trace_sqrt(const Matrix& c) {
  Eigen::SelfAdjointEigenSolver<Matrix> eig(0.5 * (c + c.transpose()), Eigen::EigenvaluesOnly);
  return eig.eigenvalues().cwiseMax(0.0).cwiseSqrt().sum();
}

double BuresTerms::w2() const { return std::hypot(mean_error, covariance_term); }

BuresTerms bures(const Vector& m1, const Matrix& c1, const Vector& m2, const Matrix& c2, const Matrix& sqrt_c2) {
  BuresTerms t;
  t.mean_error = (m1 - m2).norm();
  const Matrix inner = sqrt_c2 * c1 * sqrt_c2;
  // The trace term is >= 0 in exact arithmetic; rounding can push a zero slightly below.
  const double trace = c1.trace() + c2.trace() - 2.0 * trace_sqrt(inner);
  t.covariance_term = std::sqrt(std::max(trace, 0.0));
  return t;
}

}  // namespace sgmtk::w2_gaussian
