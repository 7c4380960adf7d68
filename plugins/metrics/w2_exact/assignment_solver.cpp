#include "assignment_solver.hpp"

#include <sgmtk/error.hpp>

#include <algorithm>
#include <limits>
#include <string>

namespace sgmtk::metrics {
namespace {

constexpr double infinity = std::numeric_limits<double>::infinity();

class Solver {
 public:
  Solver(ConstBlock a, ConstBlock b)
      : a_(a), b_(b), costs_(b), n_(a.cols()), row_(static_cast<std::size_t>(n_)),
        col_of_row_(static_cast<std::size_t>(n_), -1), row_of_col_(static_cast<std::size_t>(n_), -1),
        v_(n_) {}

  Assignment run() {
    std::vector<Index> free_rows = column_reduction();
    // Two rounds of augmenting row reduction, as in LAPJV. It is only a warm start, so its
    // work is budgeted: rows it has not placed when the budget runs out go to the exact phase.
    // (4n scans per round: measured on Gaussian clouds, n = 5000, d = 10, more reduction costs
    // more scans than the Dijkstra searches it saves.)
    const int rounds = 2;
    const Index budget = 4;
    for (int round = 0; round < rounds && !free_rows.empty(); ++round) {
      free_rows = augmenting_row_reduction(free_rows, budget * n_);
    }
    Assignment out;
    out.free_after_reduction = static_cast<Index>(free_rows.size());
    for (Index f : free_rows) augment(f);

    out.u.resize(n_);
    for (Index i = 0; i < n_; ++i) {
      const Index j = col_of_row_[static_cast<std::size_t>(i)];
      out.u(i) = cost(i, j) - v_(j);
    }
    out.v = v_;
    out.col_of_row = col_of_row_;
    out.row_scans = row_scans_;
    return out;
  }

 private:
  // One row of costs into row_ (the only place costs are computed in bulk).
  const double* load_row(Index i) {
    costs_.row(a_.col(i).data(), row_.data());
    ++row_scans_;
    return row_.data();
  }
  double cost(Index i, Index j) const { return (a_.col(i) - b_.col(j)).squaredNorm(); }

  // v_j = min_i c_ij; a column goes to its minimizing row if that row has none yet.
  std::vector<Index> column_reduction() {
    std::vector<Index> argmin(static_cast<std::size_t>(n_), 0);
    v_.setConstant(infinity);
    for (Index i = 0; i < n_; ++i) {
      const double* c = load_row(i);
      for (Index j = 0; j < n_; ++j) {
        if (c[j] < v_(j)) {
          v_(j) = c[j];
          argmin[static_cast<std::size_t>(j)] = i;
        }
      }
    }
    std::vector<Index> matches(static_cast<std::size_t>(n_), 0);
    for (Index j = n_ - 1; j >= 0; --j) {  // reverse order, as in LAPJV
      const Index i = argmin[static_cast<std::size_t>(j)];
      if (++matches[static_cast<std::size_t>(i)] == 1) {
        col_of_row_[static_cast<std::size_t>(i)] = j;
        row_of_col_[static_cast<std::size_t>(j)] = i;
      }
    }
    // Reduction transfer: a row assigned once lowers its column's dual so that its reduced cost
    // there equals its second-smallest one (keeps CS, tightens the dual).
    std::vector<Index> free_rows;
    for (Index i = 0; i < n_; ++i) {
      const std::size_t si = static_cast<std::size_t>(i);
      if (matches[si] == 0) {
        free_rows.push_back(i);
      } else if (matches[si] == 1 && n_ > 1) {
        const Index j1 = col_of_row_[si];
        const double* c = load_row(i);
        double best = infinity;
        for (Index j = 0; j < n_; ++j) {
          if (j != j1) best = std::min(best, c[j] - v_(j));
        }
        v_(j1) -= best;
      }
    }
    return free_rows;
  }

  // LAPJV's augmenting row reduction (an auction without epsilon): a free row takes its
  // cheapest column in reduced cost and lowers that column's dual by the gap to its second
  // cheapest, displacing the previous owner, which bids next. Stops after `budget` row scans.
  std::vector<Index> augmenting_row_reduction(const std::vector<Index>& rows, Index budget) {
    std::vector<Index> todo(rows);
    std::vector<Index> still_free;
    std::size_t k = 0;
    Index scans = 0;
    while (k < todo.size()) {
      if (scans >= budget) {  // hand the rest to the exact phase
        still_free.insert(still_free.end(), todo.begin() + static_cast<std::ptrdiff_t>(k), todo.end());
        break;
      }
      const Index i = todo[k++];
      const double* c = load_row(i);
      ++scans;
      double umin = c[0] - v_(0), usub = infinity;
      Index j1 = 0, j2 = -1;
      for (Index j = 1; j < n_; ++j) {
        const double h = c[j] - v_(j);
        if (h < usub) {
          if (h >= umin) {
            usub = h;
            j2 = j;
          } else {
            usub = umin;
            umin = h;
            j2 = j1;
            j1 = j;
          }
        }
      }
      Index i0 = row_of_col_[static_cast<std::size_t>(j1)];
      const bool strict = umin < usub;
      if (strict) {
        v_(j1) -= usub - umin;
      } else if (i0 >= 0 && j2 >= 0) {  // tie: take the second column, it may be free
        j1 = j2;
        i0 = row_of_col_[static_cast<std::size_t>(j2)];
      }
      col_of_row_[static_cast<std::size_t>(i)] = j1;
      row_of_col_[static_cast<std::size_t>(j1)] = i;
      if (i0 >= 0) {
        col_of_row_[static_cast<std::size_t>(i0)] = -1;
        if (strict) {
          todo[--k] = i0;  // continue the chain with the displaced row
        } else {
          still_free.push_back(i0);
        }
      }
    }
    return still_free;
  }

  // Dijkstra in reduced costs from free row f to the nearest free column, then duals update
  // and augmentation along the path (LAPJV's AUGMENT).
  void augment(Index f) {
    const std::size_t n = static_cast<std::size_t>(n_);
    dist_.resize(n);
    pred_.resize(n);
    cols_.resize(n);
    {
      const double* c = load_row(f);
      for (Index j = 0; j < n_; ++j) {
        dist_[static_cast<std::size_t>(j)] = c[j] - v_(j);
        pred_[static_cast<std::size_t>(j)] = f;
        cols_[static_cast<std::size_t>(j)] = j;
      }
    }
    // cols_[0, low): ready (shortest distance final); [low, up): at the current minimum, to be
    // scanned; [up, n): not yet reached at the minimum.
    std::size_t low = 0, up = 0;
    std::ptrdiff_t last = -1;
    Index end_of_path = -1;
    double dmin = 0.0;
    while (end_of_path < 0) {
      if (up == low) {
        last = static_cast<std::ptrdiff_t>(low) - 1;
        dmin = dist_[static_cast<std::size_t>(cols_[up++])];
        for (std::size_t k = up; k < n; ++k) {
          const Index j = cols_[k];
          const double h = dist_[static_cast<std::size_t>(j)];
          if (h <= dmin) {
            if (h < dmin) {
              up = low;
              dmin = h;
            }
            cols_[k] = cols_[up];
            cols_[up++] = j;
          }
        }
        for (std::size_t k = low; k < up; ++k) {
          if (row_of_col_[static_cast<std::size_t>(cols_[k])] < 0) {
            end_of_path = cols_[k];
            break;
          }
        }
      }
      if (end_of_path >= 0) break;
      const Index j1 = cols_[low++];
      const Index i = row_of_col_[static_cast<std::size_t>(j1)];
      const double* c = load_row(i);
      const double h = c[j1] - v_(j1) - dmin;
      for (std::size_t k = up; k < n; ++k) {
        const Index j = cols_[k];
        const double through = c[j] - v_(j) - h;
        double& dj = dist_[static_cast<std::size_t>(j)];
        if (through < dj) {
          pred_[static_cast<std::size_t>(j)] = i;
          if (through == dmin) {
            if (row_of_col_[static_cast<std::size_t>(j)] < 0) {
              end_of_path = j;
              dj = through;
              break;
            }
            cols_[k] = cols_[up];
            cols_[up++] = j;
          }
          dj = through;
        }
      }
    }
    for (std::ptrdiff_t k = 0; k <= last; ++k) {
      const Index j = cols_[static_cast<std::size_t>(k)];
      v_(j) += dist_[static_cast<std::size_t>(j)] - dmin;
    }
    Index i = -1;
    do {
      i = pred_[static_cast<std::size_t>(end_of_path)];
      row_of_col_[static_cast<std::size_t>(end_of_path)] = i;
      const Index next = col_of_row_[static_cast<std::size_t>(i)];
      col_of_row_[static_cast<std::size_t>(i)] = end_of_path;
      end_of_path = next;
    } while (i != f);
  }

  ConstBlock a_;
  ConstBlock b_;
  SquaredDistanceRows costs_;
  Index n_;
  std::vector<double> row_;
  std::vector<Index> col_of_row_, row_of_col_;
  Vector v_;
  std::vector<double> dist_;
  std::vector<Index> pred_, cols_;
  std::int64_t row_scans_ = 0;
};

}  // namespace

Assignment solve_assignment(ConstBlock a, ConstBlock b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) {
    throw Error("assignment: the two clouds must have the same shape, got " + std::to_string(a.rows()) +
                " x " + std::to_string(a.cols()) + " and " + std::to_string(b.rows()) + " x " +
                std::to_string(b.cols()));
  }
  if (!a.allFinite() || !b.allFinite()) throw Error("assignment: the point clouds contain NaN or inf");
  if (a.cols() == 0) return {};
  return Solver(a, b).run();
}

}  // namespace sgmtk::metrics
