#include "assignment_certificate.hpp"

#include "squared_distance_rows.hpp"

#include <sgmtk/error.hpp>
#include <sgmtk/parallel.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace sgmtk::metrics {

AssignmentCertificate certify_assignment(ConstBlock a, ConstBlock b, const Assignment& x) {
  const Index n = a.cols();
  AssignmentCertificate cert;
  if (n == 0) return cert;
  if (static_cast<Index>(x.col_of_row.size()) != n || x.u.size() != n || x.v.size() != n) {
    throw Error("assignment certificate: solution has the wrong size");
  }
  std::vector<char> seen(static_cast<std::size_t>(n), 0);
  for (Index j : x.col_of_row) {
    if (j < 0 || j >= n || seen[static_cast<std::size_t>(j)]) {
      throw Error("assignment certificate: the assignment is not a permutation (column " +
                  std::to_string(j) + ")");
    }
    seen[static_cast<std::size_t>(j)] = 1;
  }

  const SquaredDistanceRows costs(b);
  constexpr Index block = 64;
  const Index blocks = block_count(n, block);
  struct Partial {
    double primal = 0.0, violation = -INFINITY, slack = 0.0;
  };
  std::vector<Partial> partial(static_cast<std::size_t>(blocks));
  parallel_blocks(n, block, [&](Index first, Index count) {
    std::vector<double> row(static_cast<std::size_t>(n));
    Partial p;
    for (Index i = first; i < first + count; ++i) {
      costs.row(a.col(i).data(), row.data());
      const double ui = x.u(i);
      double worst = -INFINITY;
      for (Index j = 0; j < n; ++j) worst = std::max(worst, ui + x.v(j) - row[static_cast<std::size_t>(j)]);
      const Index s = x.col_of_row[static_cast<std::size_t>(i)];
      const double c = row[static_cast<std::size_t>(s)];
      p.primal += c;
      p.violation = std::max(p.violation, worst);
      p.slack = std::max(p.slack, std::abs(c - ui - x.v(s)));
    }
    partial[static_cast<std::size_t>(first / block)] = p;
  });
  double primal = 0.0, violation = -INFINITY, slack = 0.0;
  for (const Partial& p : partial) {  // block order: independent of the thread count
    primal += p.primal;
    violation = std::max(violation, p.violation);
    slack = std::max(slack, p.slack);
  }
  const double nn = static_cast<double>(n);
  cert.primal = primal / nn;
  cert.max_dual_violation = std::max(violation, 0.0);
  cert.lower_bound = (x.u.sum() + x.v.sum()) / nn - cert.max_dual_violation;
  cert.gap = cert.primal - cert.lower_bound;
  cert.max_slackness_residual = slack;
  return cert;
}

}  // namespace sgmtk::metrics
