// Parameters of the gaussian target and their translation into a checked, eigendecomposed law.
#include "gaussian_target.hpp"

#include <Eigen/Eigenvalues>

#include <cmath>
#include <limits>
#include <sstream>
#include <string>

namespace sgmtk::gaussian {
namespace {

constexpr const char* owner = "gaussian";

[[noreturn]] void fail(const std::string& key, const std::string& what) {
  throw ParamValueError(key, std::string(owner) + ": parameter '" + key + "' " + what);
}

// A list of length 1 (broadcast) or d.
Vector broadcast(const Params& p, const std::string& key, Index d) {
  const RealList& v = p.reals(key);
  const auto n = static_cast<Index>(v.size());
  if (n == 1) return Vector::Constant(d, v[0]);
  if (n != d) {
    fail(key, "has " + std::to_string(n) + " entries; expected 1 (broadcast to every coordinate) or dim = " +
                  std::to_string(d));
  }
  return Eigen::Map<const Vector>(v.data(), n);
}

Matrix full_covariance(const Params& p, Index d) {
  const RealMatrix& rows = p.matrix("covariance");
  if (static_cast<Index>(rows.size()) != d) {
    fail("covariance", "has " + std::to_string(rows.size()) + " rows; expected a dim x dim matrix, dim = " +
                           std::to_string(d));
  }
  Matrix s(d, d);
  for (Index i = 0; i < d; ++i) {
    const auto& row = rows[static_cast<std::size_t>(i)];
    if (static_cast<Index>(row.size()) != d) {
      fail("covariance", "row " + std::to_string(i + 1) + " has " + std::to_string(row.size()) +
                             " entries; expected dim = " + std::to_string(d));
    }
    for (Index j = 0; j < d; ++j) s(i, j) = row[static_cast<std::size_t>(j)];
  }
  // Symmetric up to rounding in the user's numbers (relative to the largest entry).
  const double scale = s.cwiseAbs().maxCoeff();
  Index bi = 0;
  Index bj = 0;
  const double asym = (s - s.transpose()).cwiseAbs().maxCoeff(&bi, &bj);
  if (asym > 1e-12 * scale) {
    std::ostringstream os;
    os.precision(17);
    os << "must be symmetric, but entry (" << bi + 1 << ", " << bj + 1 << ") = " << s(bi, bj) << " while ("
       << bj + 1 << ", " << bi + 1 << ") = " << s(bj, bi);
    fail("covariance", os.str());
  }
  return 0.5 * (s + s.transpose());
}

}  // namespace

std::vector<ParamSpec> gaussian_params() {
  return {
      ParamSpec::integer("dim", 1, "dimension d").at_least(1),
      ParamSpec::reals("mean", RealList{0.0},
                       "mean m: one number (the same for every coordinate) or d numbers"),
      ParamSpec::real("variance", std::nullopt,
                      "isotropic covariance S = variance * I. Give at most one of variance, diagonal, "
                      "covariance; with none of them S = I")
          .above(0.0)
          .optional(),
      ParamSpec::reals("diagonal", std::nullopt,
                       "diagonal covariance S = diag(diagonal): one number (broadcast) or d positive numbers")
          .above(0.0)
          .optional(),
      ParamSpec::matrix("covariance", std::nullopt,
                        "full covariance S: d rows of d numbers, symmetric positive definite")
          .optional(),
  };
}

std::uint64_t gaussian_memory(const Params& p, const MemoryQuery& q) {
  const double d = static_cast<double>(q.dim);
  return memory_bytes(8.0 * (6.0 * d + (p.has("covariance") ? 4.0 * d * d : 0.0)));
}

GaussianLaw gaussian_law_from_params(const Params& p) {
  const Index d = static_cast<Index>(p.integer("dim"));
  GaussianLaw law;
  law.mean = broadcast(p, "mean", d);

  int given = 0;
  std::string names;
  for (const char* key : {"variance", "diagonal", "covariance"}) {
    if (p.has(key)) {
      ++given;
      names += std::string(names.empty() ? "" : " and ") + "'" + key + "'";
    }
  }
  if (given > 1) {
    throw ParamValueError(p.has("covariance") ? "covariance" : "diagonal",
                          std::string(owner) + ": parameters " + names +
                              " both describe the covariance; give only one of variance, diagonal, covariance");
  }

  if (p.has("covariance")) {
    law.covariance = full_covariance(p, d);
    Eigen::SelfAdjointEigenSolver<Matrix> eig(law.covariance);
    if (eig.info() != Eigen::Success) fail("covariance", "could not be eigendecomposed");
    law.eigenvalues = eig.eigenvalues();
    law.eigenvectors = eig.eigenvectors();
    // Eigenvalues are sorted ascending. Relative to the largest, anything at or below d * eps is
    // not distinguishable from a singular matrix: 1/lambda_min (the smoothness) would be noise.
    const double lmin = law.eigenvalues(0);
    const double lmax = law.eigenvalues(d - 1);
    if (!(lmin > static_cast<double>(d) * std::numeric_limits<double>::epsilon() * lmax)) {
      std::ostringstream os;
      os.precision(6);
      os << "is not positive definite: its smallest eigenvalue is " << lmin << " (largest " << lmax
         << "); a covariance matrix must be symmetric positive definite";
      fail("covariance", os.str());
    }
    law.diagonal = false;
  } else {
    law.eigenvalues = p.has("diagonal") ? broadcast(p, "diagonal", d)
                                        : Vector::Constant(d, p.has("variance") ? p.real("variance") : 1.0);
    law.diagonal = true;  // covariance and eigenvectors stay empty: diag(eigenvalues) and I
  }
  return law;
}

}  // namespace sgmtk::gaussian
