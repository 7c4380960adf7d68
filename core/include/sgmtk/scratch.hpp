#pragma once
/// @file scratch.hpp
/// Per-block working memory that survives across the steps of a run, so that a sampler's hot
/// loop does not allocate. Each block being advanced gets its own Scratch (never shared between
/// threads).

#include <sgmtk/types.hpp>

#include <array>

namespace sgmtk {

class Scratch {
 public:
  static constexpr int slots = 16;

  /// Slot `i` (0 <= i < slots) resized to rows x cols; contents are unspecified.
  Matrix& matrix(int i, Index rows, Index cols) {
    Matrix& m = matrices_[static_cast<std::size_t>(i)];
    if (m.rows() != rows || m.cols() != cols) m.resize(rows, cols);
    return m;
  }
  /// A row vector in slot `i` of the vector bank.
  RowVector& row(int i, Index cols) {
    RowVector& v = rows_[static_cast<std::size_t>(i)];
    if (v.cols() != cols) v.resize(cols);
    return v;
  }

 private:
  std::array<Matrix, slots> matrices_;
  std::array<RowVector, slots> rows_;
};

}  // namespace sgmtk
