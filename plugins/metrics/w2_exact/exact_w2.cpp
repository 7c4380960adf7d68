#include "exact_w2.hpp"

#include "assignment_solver.hpp"

#include <sgmtk/error.hpp>

#include <cmath>
#include <cstdio>
#include <numeric>
#include <sstream>

namespace sgmtk::metrics {
namespace {

Matrix repeat_columns(ConstBlock x, Index times) {
  Matrix out(x.rows(), x.cols() * times);
  for (Index j = 0; j < x.cols(); ++j) {
    for (Index r = 0; r < times; ++r) out.col(j * times + r) = x.col(j);
  }
  return out;
}

ExactW2 solve_and_certify(ConstBlock a, ConstBlock b, double relative_tolerance) {
  const Assignment x = solve_assignment(a, b);
  ExactW2 out;
  out.certificate = certify_assignment(a, b, x);
  out.w2_squared = out.certificate.primal;
  out.assignment_size = a.cols();
  out.augmentations = x.augmentations;
  out.pricing_rounds = x.pricing_rounds;
  out.candidate_pairs = x.candidate_pairs;
  out.row_scans = x.row_scans;
  // Scale of the costs, so that the tolerance means the same for any units of x.
  const Vector centroid = (a.rowwise().sum() + b.rowwise().sum()) / static_cast<double>(2 * a.cols());
  const double spread = ((a.colwise() - centroid).squaredNorm() + (b.colwise() - centroid).squaredNorm()) /
                        static_cast<double>(2 * a.cols());
  const double scale = out.certificate.primal + spread;
  // require_representable_costs leaves room for all of these; a non-finite one is a bug, and it
  // must not pass the comparison below (gap <= tol * inf holds) as a result.
  const AssignmentCertificate& c = out.certificate;
  if (!std::isfinite(c.primal) || !std::isfinite(c.lower_bound) || !std::isfinite(c.gap) || !std::isfinite(scale)) {
    std::ostringstream msg;
    msg << "w2_exact: non-finite certificate (primal " << c.primal << ", lower bound " << c.lower_bound
        << ", gap " << c.gap << ", cost scale " << scale << ", n = " << a.cols() << ")";
    throw NumericalError(msg.str());
  }
  if (!(out.certificate.gap <= relative_tolerance * scale)) {
    std::ostringstream msg;
    msg << "w2_exact: the optimality certificate failed: duality gap " << out.certificate.gap
        << " exceeds " << relative_tolerance << " x cost scale " << scale << " (max dual violation "
        << out.certificate.max_dual_violation << ", max slackness residual "
        << out.certificate.max_slackness_residual << ", n = " << a.cols() << ")";
    throw NumericalError(msg.str());
  }
  return out;
}

}  // namespace

ExactW2 exact_w2(ConstBlock a, ConstBlock b, Index max_points, double relative_tolerance) {
  if (a.rows() != b.rows()) {
    throw Error("w2_exact: the clouds have dimensions " + std::to_string(a.rows()) + " and " +
                std::to_string(b.rows()));
  }
  const Index n = a.cols(), m = b.cols();
  if (n == 0 || m == 0) throw Error("w2_exact: a point cloud is empty");
  if (n == m) {
    if (n > max_points) {
      throw Error("w2_exact: " + std::to_string(n) + " points exceed max_points = " +
                  std::to_string(max_points) + " (raise it knowingly: time grows like n^2 to n^3)");
    }
    require_representable_costs(a, b, n, "w2_exact");
    return solve_and_certify(a, b, relative_tolerance);
  }
  // lcm = (n / gcd) x m, compared in double first: std::lcm of two large sizes overflows.
  const Index g = std::gcd(n, m);
  const double lcm = static_cast<double>(n / g) * static_cast<double>(m);
  if (lcm > static_cast<double>(max_points)) {
    char size[32];
    std::snprintf(size, sizeof size, "%.0f", lcm);
    throw Error("w2_exact: clouds of " + std::to_string(n) + " and " + std::to_string(m) +
                " points need an assignment of size lcm = " + size + " > max_points = " +
                std::to_string(max_points) + "; use equal sizes or sizes with a small common multiple");
  }
  const Index l = n / g * m;
  // On the given clouds, before repeating them: an error names a point by its own index. The
  // repeated clouds have the same coordinates, so the solver's own check then passes.
  require_representable_costs(a, b, l, "w2_exact");
  const Matrix ra = repeat_columns(a, l / n);
  const Matrix rb = repeat_columns(b, l / m);
  return solve_and_certify(ra, rb, relative_tolerance);
}

}  // namespace sgmtk::metrics
