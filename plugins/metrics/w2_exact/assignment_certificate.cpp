#include "assignment_certificate.hpp"

#include "squared_distance_rows.hpp"

#include <sgmtk/error.hpp>
#include <sgmtk/parallel.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

namespace sgmtk::metrics {

namespace {

typedef double Lane4 __attribute__((vector_size(32)));

inline Lane4 load4(const double* p) {
  Lane4 x;
  std::memcpy(&x, p, sizeof x);
  return x;
}

// max_j (u + v_j - c_j), four lanes at a time.
double max_violation(double u, const double* v, const double* c, Index n) {
  Index j = 0;
  double worst = -INFINITY;
  if (n >= 4) {
    Lane4 hi = (u + load4(v)) - load4(c);
    for (j = 4; j + 4 <= n; j += 4) {
      const Lane4 e = (u + load4(v + j)) - load4(c + j);
      hi = e > hi ? e : hi;
    }
    worst = std::max(std::max(hi[0], hi[1]), std::max(hi[2], hi[3]));
  }
  for (; j < n; ++j) worst = std::max(worst, u + v[j] - c[j]);
  return worst;
}

}  // namespace

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
  constexpr Index block = SquaredDistanceRows::row_block;
  struct Partial {
    double primal = 0.0, violation = -INFINITY, slack = 0.0;
  };
  std::vector<Partial> partial(static_cast<std::size_t>(block_count(n, block)));
  const double* v = x.v.data();
  costs.for_each_row(a, [&](Index i, const double* row) {
    Partial& p = partial[static_cast<std::size_t>(i / block)];  // one task per block, rows in order
    const double ui = x.u(i);
    const double worst = max_violation(ui, v, row, n);
    const Index s = x.col_of_row[static_cast<std::size_t>(i)];
    const double c = row[s];
    p.primal += c;
    p.violation = std::max(p.violation, worst);
    p.slack = std::max(p.slack, std::abs(c - ui - v[s]));
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
