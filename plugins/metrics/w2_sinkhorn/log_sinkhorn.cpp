#include "log_sinkhorn.hpp"

#include "../w2_exact/squared_distance_rows.hpp"

#include <sgmtk/error.hpp>

#include <cmath>
#include <sstream>
#include <vector>

namespace sgmtk::metrics {
namespace {

// out_i = -eps log( (1/m) sum_j exp((pot_j - C_ij)/eps) ) for the points x_i (columns of `x`)
// against the cloud held by `rows` (m points with potential `pot`); a stable log-sum-exp.
void softmin(const SquaredDistanceRows& rows, ConstBlock x, const Vector& pot, double eps, Vector& out) {
  const Index m = rows.cols();
  Eigen::ArrayXd z(m);
  const double log_m = std::log(static_cast<double>(m));
  out.resize(x.cols());
  for (Index i = 0; i < x.cols(); ++i) {
    rows.row(x.col(i).data(), z.data());
    z = (pot.array() - z) / eps;
    const double zmax = z.maxCoeff();
    out(i) = -eps * (zmax + std::log((z - zmax).exp().sum()) - log_m);
  }
}

// L1 error of the row marginal of the plan whose row potential is f when f_new = T(g):
// the plan's row i has mass a_i exp((f_i - f_new_i)/eps).
double marginal_error(const Vector& f, const Vector& f_new, double eps) {
  return (((f - f_new).array() / eps).exp() - 1.0).abs().mean();
}

double squared_diameter_bound(ConstBlock a, ConstBlock b) {
  const Vector c = (a.rowwise().mean() + b.rowwise().mean()) / 2.0;
  const double r = std::sqrt(std::max((a.colwise() - c).colwise().squaredNorm().maxCoeff(),
                                      (b.colwise() - c).colwise().squaredNorm().maxCoeff()));
  return 4.0 * r * r;  // (2r)^2 >= every |a_i - b_j|^2
}

std::vector<double> epsilon_schedule(double start, const SinkhornOptions& o) {
  std::vector<double> eps;
  for (double e = start; e > o.epsilon; e *= o.scaling) eps.push_back(e);
  eps.push_back(o.epsilon);
  return eps;
}

void check(const SinkhornOptions& o) {
  if (!(o.epsilon > 0.0) || !(o.scaling > 0.0 && o.scaling < 1.0) || !(o.tolerance > 0.0) ||
      o.max_iterations < 1) {
    throw Error("w2_sinkhorn: invalid options (need epsilon > 0, scaling in (0, 1), tolerance > 0)");
  }
}

[[noreturn]] void not_converged(const char* which, const SinkhornOptions& o, double err) {
  std::ostringstream msg;
  msg << "w2_sinkhorn: " << which << " did not converge in max_iterations = " << o.max_iterations
      << " at epsilon = " << o.epsilon << " (marginal error " << err << " > tolerance " << o.tolerance
      << "); raise max_iterations or epsilon";
  throw NumericalError(msg.str());
}

}  // namespace

EntropicOT entropic_ot(ConstBlock a, ConstBlock b, const SinkhornOptions& o) {
  check(o);
  const SquaredDistanceRows to_b(b), to_a(a);
  Vector f = Vector::Zero(a.cols()), g = Vector::Zero(b.cols()), f_new;
  const std::vector<double> schedule = epsilon_schedule(squared_diameter_bound(a, b), o);
  for (std::size_t s = 0; s + 1 < schedule.size(); ++s) {
    softmin(to_b, a, g, schedule[s], f);
    softmin(to_a, b, f, schedule[s], g);
  }
  const double eps = o.epsilon;
  EntropicOT out;
  softmin(to_b, a, g, eps, f);
  for (Index it = 1;; ++it) {
    softmin(to_a, b, f, eps, g);       // column marginals now exact
    softmin(to_b, a, g, eps, f_new);   // row potential that would fix the rows
    out.marginal_error = marginal_error(f, f_new, eps);
    f.swap(f_new);
    if (out.marginal_error < o.tolerance) {
      out.iterations = it;
      break;
    }
    if (it >= o.max_iterations) not_converged("OT_eps(A, B)", o, out.marginal_error);
  }
  softmin(to_a, b, f, eps, g);  // pair (f, g) consistent with the last row update
  out.value = f.mean() + g.mean();
  return out;
}

EntropicOT entropic_ot_self(ConstBlock a, const SinkhornOptions& o) {
  check(o);
  const SquaredDistanceRows to_a(a);
  Vector f = Vector::Zero(a.cols()), t;
  const std::vector<double> schedule = epsilon_schedule(squared_diameter_bound(a, a), o);
  for (std::size_t s = 0; s + 1 < schedule.size(); ++s) {
    softmin(to_a, a, f, schedule[s], t);
    f = 0.5 * (f + t);
  }
  const double eps = o.epsilon;
  EntropicOT out;
  for (Index it = 1;; ++it) {
    softmin(to_a, a, f, eps, t);
    out.marginal_error = marginal_error(f, t, eps);
    f = 0.5 * (f + t);
    if (out.marginal_error < o.tolerance) {
      out.iterations = it;
      break;
    }
    if (it >= o.max_iterations) not_converged("OT_eps(A, A)", o, out.marginal_error);
  }
  softmin(to_a, a, f, eps, t);
  out.value = f.mean() + t.mean();  // <a, f> + <a, T(f)>: 2 <a, f> at the fixed point
  return out;
}

}  // namespace sgmtk::metrics
