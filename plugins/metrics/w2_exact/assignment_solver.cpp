#include "assignment_solver.hpp"

#include <sgmtk/error.hpp>

#include <algorithm>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <utility>

namespace sgmtk::metrics {
namespace {

constexpr double infinity = std::numeric_limits<double>::infinity();

struct Edge {
  std::int32_t col;
  double cost;  // exactly the value SquaredDistanceRows gives (the certificate's c_ij)
};

using Keyed = std::pair<double, std::int32_t>;  // (key, column): ties broken by column

typedef double Lane4 __attribute__((vector_size(32)));
typedef long long Mask4 __attribute__((vector_size(32)));

inline Lane4 load4(const double* p) {
  Lane4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline bool any(Mask4 m) { return (m[0] | m[1] | m[2] | m[3]) != 0; }

// min_j (row_j - v_j).
double min_reduced(const double* row, const double* v, Index m) {
  Index j = 0;
  double lowest = infinity;
  if (m >= 4) {
    Lane4 lo = load4(row) - load4(v);
    for (j = 4; j + 4 <= m; j += 4) {
      const Lane4 r = load4(row + j) - load4(v + j);
      lo = r < lo ? r : lo;
    }
    lowest = std::min(std::min(lo[0], lo[1]), std::min(lo[2], lo[3]));
  }
  for (; j < m; ++j) lowest = std::min(lowest, row[j] - v[j]);
  return lowest;
}

// min_j x_j.
double min_of(const double* x, Index m) {
  Index j = 0;
  double lowest = infinity;
  if (m >= 4) {
    Lane4 lo = load4(x);
    for (j = 4; j + 4 <= m; j += 4) {
      const Lane4 r = load4(x + j);
      lo = r < lo ? r : lo;
    }
    lowest = std::min(std::min(lo[0], lo[1]), std::min(lo[2], lo[3]));
  }
  for (; j < m; ++j) lowest = std::min(lowest, x[j]);
  return lowest;
}

struct Selection {  // scratch space of smallest_k
  std::vector<Keyed> buf;
  std::vector<double> mins;
};

// The k smallest entries of key[0, m) (ties broken by column), appended to `out` as (column,
// cost[column]) edges. The k-th smallest of the minima of 4k blocks of columns is a threshold
// with at least k entries at or below it and, on a random column order, not many more: one
// vector pass for the block minima, one for the threshold, and a selection among few entries.
void smallest_k(const double* key, const double* cost, Index m, Index k, std::vector<Edge>& out,
                Selection& s) {
  s.buf.clear();
  const Index blocks = std::min(4 * k, m), width = m / blocks;
  s.mins.resize(static_cast<std::size_t>(blocks));
  for (Index b = 0; b < blocks; ++b) s.mins[static_cast<std::size_t>(b)] = min_of(key + b * width, width);
  std::nth_element(s.mins.begin(), s.mins.begin() + (k - 1), s.mins.end());
  const double threshold = s.mins[static_cast<std::size_t>(k - 1)];
  auto take = [&](Index j) {
    if (key[j] <= threshold) s.buf.emplace_back(key[j], static_cast<std::int32_t>(j));
  };
  Index j = 0;
  for (; j + 4 <= m; j += 4) {
    if (any(load4(key + j) <= threshold)) {
      for (Index t = j; t < j + 4; ++t) take(t);
    }
  }
  for (; j < m; ++j) take(j);
  // Each of the k smallest block minima is an entry <= threshold, so at least k are collected
  // when no key is NaN (require_representable_costs keeps costs finite). Even so, select only
  // among what was collected: a NaN would otherwise send nth_element past the end.
  const std::size_t kept = std::min(static_cast<std::size_t>(k), s.buf.size());
  if (kept == 0) return;
  std::nth_element(s.buf.begin(), s.buf.begin() + static_cast<std::ptrdiff_t>(kept - 1), s.buf.end());
  s.buf.resize(kept);
  for (const auto& [unused, c] : s.buf) out.push_back({c, cost[c]});
}

class Solver {
 public:
  Solver(ConstBlock a, ConstBlock b)
      : a_(a), b_(b), costs_(b), n_(a.cols()), edges_(size(n_)), col_of_row_(size(n_), -1),
        row_of_col_(size(n_), -1), matched_cost_(size(n_), 0.0), col_(size(n_)) {}

  Assignment run() {
    Assignment out;
    nearest_candidates();
    column_reduction();
    for (;;) {
      std::vector<Index> free_rows;
      for (Index i = 0; i < n_; ++i) {
        if (col_of_row_[size(i)] < 0) free_rows.push_back(i);
      }
      for (int round = 0; round < 2 && !free_rows.empty(); ++round) {
        free_rows = augmenting_row_reduction(free_rows, 4 * n_);
      }
      for (Index f : free_rows) augment(f);
      out.augmentations += static_cast<Index>(free_rows.size());
      ++out.pricing_rounds;
      if (price() == 0) break;
    }
    out.u.resize(n_);
    out.v.resize(n_);
    for (Index i = 0; i < n_; ++i) {
      out.u(i) = matched_cost_[size(i)] - col_[size(col_of_row_[size(i)])].v;
      out.v(i) = col_[size(i)].v;
    }
    out.col_of_row = col_of_row_;
    out.row_scans = row_scans_;
    for (const auto& e : edges_) out.candidate_pairs += static_cast<std::int64_t>(e.size());
    return out;
  }

 private:
  static std::size_t size(Index i) { return static_cast<std::size_t>(i); }

  // Candidates per row: its nearest columns, the rows that count it among their nearest
  // columns' nearest, and more where pricing finds the duals infeasible. Measured on Gaussian
  // clouds (d = 10, n = 5000 and 10^4): 32 + 32 leave a few dozen rows for pricing to repair,
  // and one search side only (or 16 + 16) needs 3-9 pricing passes, each n full rows.
  static constexpr Index k_nearest = 32;
  static constexpr Index k_reverse = 32;
  static constexpr Index k_priced = 16;  // most violated new columns per row and pricing pass

  // Candidate pairs: each row's k nearest columns, each column's k nearest rows (the same costs
  // bit for bit, see squared_distance_rows.hpp), and (i, i), so that the candidate graph has a
  // perfect matching and hence an augmenting path from any free row.
  void nearest_candidates() {
    const Index k_row = std::min(k_nearest, n_), k_col = std::min(k_reverse, n_);
    costs_.for_each_row(a_, [&](Index i, const double* row) {
      Selection scratch;  // small (4k minima, a few k entries): per row, no shared state
      smallest_k(row, row, n_, k_row, edges_[size(i)], scratch);
    });
    std::vector<std::vector<Edge>> by_col(size(n_));  // Edge::col holds a row there
    SquaredDistanceRows(a_).for_each_row(b_, [&](Index j, const double* row) {
      Selection scratch;
      smallest_k(row, row, n_, k_col, by_col[size(j)], scratch);
    });
    row_scans_ += 2 * n_;
    for (Index j = 0; j < n_; ++j) {
      for (const Edge& e : by_col[size(j)]) edges_[size(e.col)].push_back({static_cast<std::int32_t>(j), e.cost});
    }
    for (Index i = 0; i < n_; ++i) {
      auto& e = edges_[size(i)];
      e.push_back({static_cast<std::int32_t>(i), costs_.entry(a_.col(i).data(), i)});
      std::sort(e.begin(), e.end(), [](const Edge& x, const Edge& y) { return x.col < y.col; });
      e.erase(std::unique(e.begin(), e.end(), [](const Edge& x, const Edge& y) { return x.col == y.col; }),
              e.end());
    }
  }

  // LAPJV's column reduction and reduction transfer on the candidate pairs: v_j = min_i c_ij,
  // column j goes to that row if the row is still free, and a row given exactly one column
  // lowers that column's dual to its second-smallest reduced cost (tighter dual, CS kept).
  void column_reduction() {
    for (Column& c : col_) c.v = infinity;
    std::vector<Index> argmin(size(n_), -1);
    for (Index i = 0; i < n_; ++i) {
      for (const Edge& e : edges_[size(i)]) {
        if (e.cost < col_[size(e.col)].v) {
          col_[size(e.col)].v = e.cost;
          argmin[size(e.col)] = i;
        }
      }
    }
    std::vector<int> matches(size(n_), 0);
    for (Index j = n_ - 1; j >= 0; --j) {  // reverse order, as in LAPJV
      const Index i = argmin[size(j)];
      // Column j's pair (j, j) has a finite cost, so some row is below infinity; with an
      // overflowed cost there would be none, and matches[-1] is a heap corruption.
      if (i < 0) throw Error("assignment: column " + std::to_string(j) + " has no finite candidate cost (internal error)");
      if (++matches[size(i)] == 1) assign(i, j, col_[size(j)].v);
    }
    for (Index i = 0; i < n_; ++i) {
      if (matches[size(i)] != 1) continue;
      const Index j1 = col_of_row_[size(i)];
      double second = infinity;
      for (const Edge& e : edges_[size(i)]) {
        if (e.col != j1) second = std::min(second, e.cost - col_[size(e.col)].v);
      }
      if (second < infinity) col_[size(j1)].v -= second;  // c_{i j1} - v_{j1} was 0
    }
  }

  void assign(Index i, Index j, double cost) {
    col_of_row_[size(i)] = j;
    row_of_col_[size(j)] = i;
    matched_cost_[size(i)] = cost;
  }

  // LAPJV's augmenting row reduction (an auction without epsilon) on the candidate pairs: a free
  // row takes its cheapest column in reduced cost and lowers that column's dual by the gap to
  // its second cheapest, displacing the owner, which bids next. Only a warm start: after
  // `budget` bids the remaining rows go to the exact augmentation.
  std::vector<Index> augmenting_row_reduction(const std::vector<Index>& rows, Index budget) {
    std::vector<Index> todo(rows), still_free;
    std::size_t k = 0;
    for (Index bids = 0; k < todo.size(); ++bids) {
      if (bids >= budget) {
        still_free.insert(still_free.end(), todo.begin() + static_cast<std::ptrdiff_t>(k), todo.end());
        break;
      }
      const Index i = todo[k++];
      double umin = infinity, usub = infinity, c1 = 0.0, c2 = 0.0;
      Index j1 = -1, j2 = -1;
      for (const Edge& e : edges_[size(i)]) {
        const double h = e.cost - col_[size(e.col)].v;
        if (h >= usub) continue;
        if (h >= umin) {
          usub = h, j2 = e.col, c2 = e.cost;
        } else {
          usub = umin, j2 = j1, c2 = c1;
          umin = h, j1 = e.col, c1 = e.cost;
        }
      }
      if (j1 < 0) {  // every reduced cost inf or NaN: impossible with finite costs and duals
        throw Error("assignment: row " + std::to_string(i) + " has no finite reduced cost (internal error)");
      }
      Index i0 = row_of_col_[size(j1)];
      const bool strict = j2 >= 0 && umin < usub;
      if (strict) {
        col_[size(j1)].v -= usub - umin;
      } else if (i0 >= 0 && j2 >= 0) {  // tie: take the second column, it may be free
        j1 = j2, c1 = c2;
        i0 = row_of_col_[size(j2)];
      }
      if (i0 >= 0) col_of_row_[size(i0)] = -1;
      assign(i, j1, c1);
      if (i0 >= 0) {
        if (strict) {
          todo[--k] = i0;  // continue the chain with the displaced row
        } else {
          still_free.push_back(i0);
        }
      }
    }
    return still_free;
  }

  // Shortest augmenting path from free row f in reduced costs over the candidate pairs
  // (Dijkstra with a binary heap, stopping at the first free column reached), LAPJV's dual
  // update v_j += d_j - d_end on the columns settled before it, and the augmentation. Exact: it
  // keeps u_i + v_j <= c_ij on the candidate pairs and equality on the matched ones.
  void augment(Index f) {
    heap_.clear();
    touched_.clear();
    done_.clear();
    // The nearest free column reached so far ends the search as soon as nothing in the heap is
    // nearer: columns at or beyond it are never settled, so they are not queued at all.
    Index end = -1;
    double d_end = infinity;
    auto relax = [&](Index i, double base) {
      for (const Edge& e : edges_[size(i)]) {
        Column& c = col_[size(e.col)];
        const double d = base + e.cost - c.v;
        if (d < c.dist && d < d_end) {  // c.dist is -inf on a settled column
          if (c.dist == infinity) touched_.push_back(e.col);
          c.dist = d;
          c.pred = static_cast<std::int32_t>(i);
          c.pred_cost = e.cost;
          if (row_of_col_[size(e.col)] < 0) {
            end = e.col;
            d_end = d;
          } else {
            heap_.emplace_back(d, e.col);
            std::push_heap(heap_.begin(), heap_.end(), std::greater<Keyed>());
          }
        }
      }
    };
    relax(f, 0.0);
    while (!heap_.empty() && heap_.front().first < d_end) {
      std::pop_heap(heap_.begin(), heap_.end(), std::greater<Keyed>());
      const auto [d, j] = heap_.back();
      heap_.pop_back();
      Column& c = col_[size(j)];
      if (d > c.dist) continue;  // a stale entry, or the column is settled
      c.dist = -infinity;
      done_.emplace_back(d, j);
      // Row i's dual is u_i = c_{i j} - v_j (its matched pair); reduced costs from it are >= 0.
      const Index i = row_of_col_[size(j)];
      relax(i, d - (matched_cost_[size(i)] - c.v));
    }
    if (end < 0) throw Error("assignment: no augmenting path in the candidate graph (internal error)");
    for (const auto& [d, j] : done_) col_[size(j)].v += d - d_end;
    for (Index j = end;;) {
      const Column& c = col_[size(j)];
      const Index i = c.pred;
      const Index next = col_of_row_[size(i)];
      assign(i, j, c.pred_cost);
      if (i == f) break;
      j = next;
    }
    for (std::int32_t j : touched_) col_[size(j)].dist = infinity;
  }

  // Pricing: one pass over all n^2 pairs. Where c_ij - v_j < u_i for some column (the duals are
  // infeasible on a pair outside the candidate graph), the row gets its most violated new columns
  // as candidates and is unassigned (its matched column is no longer its cheapest). Returns the
  // number of rows changed; every change adds pairs, so the rounds end (at worst with all n^2).
  Index price() {
    std::vector<std::vector<Edge>> added(size(n_));
    std::vector<double> v(size(n_));
    for (Index j = 0; j < n_; ++j) v[size(j)] = col_[size(j)].v;
    costs_.for_each_row(a_, [&](Index i, const double* row) {
      const double ui = matched_cost_[size(i)] - v[size(col_of_row_[size(i)])];
      if (!(min_reduced(row, v.data(), n_) < ui)) return;
      Selection scratch;
      std::vector<double> reduced(size(n_));  // only rows with a violation get here
      for (Index j = 0; j < n_; ++j) reduced[size(j)] = row[j] - v[size(j)];
      // Pairs already present are left out (their reduced costs are >= u_i up to the rounding
      // of the dual updates), so only new pairs are added.
      for (const Edge& e : edges_[size(i)]) reduced[size(e.col)] = infinity;
      std::vector<Edge> worst;
      smallest_k(reduced.data(), row, n_, std::min(k_priced, n_), worst, scratch);
      for (const Edge& e : worst) {
        if (reduced[size(e.col)] < ui) added[size(i)].push_back(e);
      }
    });
    row_scans_ += n_;
    Index changed = 0;
    for (Index i = 0; i < n_; ++i) {
      auto& more = added[size(i)];
      if (more.empty()) continue;
      ++changed;
      auto& e = edges_[size(i)];
      e.insert(e.end(), more.begin(), more.end());
      row_of_col_[size(col_of_row_[size(i)])] = -1;
      col_of_row_[size(i)] = -1;
    }
    return changed;
  }

  ConstBlock a_, b_;
  SquaredDistanceRows costs_;
  Index n_;
  std::vector<std::vector<Edge>> edges_;  // candidate pairs of each row
  std::vector<Index> col_of_row_, row_of_col_;
  std::vector<double> matched_cost_;  // c_{i, col_of_row(i)}
  // What the searches read per column, in one cache line: its dual, and the search's scratch
  // (tentative distance, -inf once settled, +inf when untouched; predecessor row and pair cost).
  struct alignas(32) Column {
    double v = 0.0;  // column dual; row duals are implicit (matched_cost - v)
    double dist = infinity;
    double pred_cost = 0.0;
    std::int32_t pred = -1;
  };
  std::vector<Column> col_;
  std::vector<Keyed> heap_;
  std::vector<std::int32_t> touched_;
  std::vector<Keyed> done_;  // (distance, column) settled before the free column
  std::int64_t row_scans_ = 0;
};

// d = 1: the sorted matching is optimal (c_ij = (x_i - y_j)^2 is a Monge matrix once both
// sides are sorted; MATH.md E.4), and the duals that make the matched pairs (k, k) and the
// staircase pairs (k + 1, k) tight are feasible for a Monge matrix. The certificate checks both.
Assignment solve_sorted(ConstBlock a, ConstBlock b) {
  const Index n = a.cols();
  const SquaredDistanceRows costs(b);
  std::vector<Index> p(static_cast<std::size_t>(n)), q(static_cast<std::size_t>(n));
  for (Index k = 0; k < n; ++k) p[static_cast<std::size_t>(k)] = q[static_cast<std::size_t>(k)] = k;
  std::stable_sort(p.begin(), p.end(), [&](Index i, Index j) { return a(0, i) < a(0, j); });
  std::stable_sort(q.begin(), q.end(), [&](Index i, Index j) { return b(0, i) < b(0, j); });
  Assignment out;
  out.col_of_row.resize(static_cast<std::size_t>(n));
  out.u.resize(n);
  out.v.resize(n);
  double u = 0.0;
  for (Index k = 0; k < n; ++k) {
    const Index i = p[static_cast<std::size_t>(k)], j = q[static_cast<std::size_t>(k)];
    if (k > 0) u = costs.entry(a.col(i).data(), q[static_cast<std::size_t>(k - 1)]) - out.v(q[static_cast<std::size_t>(k - 1)]);
    out.col_of_row[static_cast<std::size_t>(i)] = j;
    out.u(i) = u;
    out.v(j) = costs.entry(a.col(i).data(), j) - u;
  }
  return out;
}

}  // namespace

Assignment solve_assignment(ConstBlock a, ConstBlock b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) {
    throw Error("assignment: the two clouds must have the same shape, got " + std::to_string(a.rows()) +
                " x " + std::to_string(a.cols()) + " and " + std::to_string(b.rows()) + " x " +
                std::to_string(b.cols()));
  }
  if (a.cols() > std::numeric_limits<std::int32_t>::max()) {
    throw Error("assignment: more than 2^31 - 1 points");
  }
  // Every cost finite with room to spare: the selections, heaps and duals below compare costs
  // and differences of costs, which NaN (from inf - inf) would turn into undefined behaviour.
  require_representable_costs(a, b, a.cols(), "assignment");
  if (a.cols() == 0) return {};
  if (a.rows() == 1) return solve_sorted(a, b);
  return Solver(a, b).run();
}

}  // namespace sgmtk::metrics
