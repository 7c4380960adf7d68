#pragma once
/// @file types.hpp
/// The shapes data takes across the plugin boundary.
///
/// Particles are the columns of a d x n column-major matrix (Eigen's default). Plugins receive
/// views of such blocks, never owning containers: a plugin never resizes what it is given, and a
/// block handed to a plugin is always contiguous (a column range of a column-major matrix).

#include <Eigen/Core>
#include <cstddef>
#include <cstdint>

namespace sgmtk {

using Index = Eigen::Index;
using Matrix = Eigen::MatrixXd;
using Vector = Eigen::VectorXd;
using RowVector = Eigen::RowVectorXd;

/// Read-only view of a d x n block of particles.
using ConstBlock = Eigen::Ref<const Matrix>;
/// Writable view of a d x n block of particles.
using Block = Eigen::Ref<Matrix>;

/// A writable contiguous column-major matrix view that may be empty ("not requested").
/// Used where an output is optional, e.g. the Hessian slot of a score query.
struct MatrixView {
  double* data = nullptr;
  Index rows = 0;
  Index cols = 0;

  MatrixView() = default;
  MatrixView(double* d, Index r, Index c) : data(d), rows(r), cols(c) {}
  MatrixView(Matrix& m) : data(m.data()), rows(m.rows()), cols(m.cols()) {}  // NOLINT: implicit on purpose
  /// From an Eigen view; the view must be contiguous (checked by the core where it is built).
  static MatrixView of(Block b) { return {b.data(), b.rows(), b.cols()}; }

  bool empty() const { return data == nullptr; }
  Eigen::Map<Matrix> map() const { return {data, rows, cols}; }
};

/// Read-only counterpart of MatrixView.
struct ConstMatrixView {
  const double* data = nullptr;
  Index rows = 0;
  Index cols = 0;

  ConstMatrixView() = default;
  ConstMatrixView(const double* d, Index r, Index c) : data(d), rows(r), cols(c) {}
  ConstMatrixView(const Matrix& m) : data(m.data()), rows(m.rows()), cols(m.cols()) {}  // NOLINT
  ConstMatrixView(MatrixView v) : data(v.data), rows(v.rows), cols(v.cols) {}          // NOLINT
  static ConstMatrixView of(ConstBlock b) { return {b.data(), b.rows(), b.cols()}; }

  bool empty() const { return data == nullptr; }
  Eigen::Map<const Matrix> map() const { return {data, rows, cols}; }
};

}  // namespace sgmtk
