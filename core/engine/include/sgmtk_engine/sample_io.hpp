#pragma once
// Point clouds on disk: CSV (one point per row, comma- or whitespace-separated, an optional
// header line) and NumPy .npy (float64 or float32, shape (n, d) or (n,), C or Fortran order).
// In memory a cloud is d x n (points are columns), as everywhere in sgmtk.
// Every defect is an error naming the file and, for CSV, the line: ragged rows, non-numbers,
// NaN or infinite values, an empty file.

#include <sgmtk/types.hpp>

#include <string>

namespace sgmtk::engine {

/// Reads by extension (.npy, else CSV). Throws sgmtk::Error.
Matrix read_samples(const std::string& path);
/// Writes by extension (.npy as little-endian float64 C order, else CSV with 17 digits), atomically.
void write_samples(const std::string& path, const Matrix& points);

Matrix read_csv_samples(const std::string& path);
Matrix read_npy_samples(const std::string& path);
std::string npy_bytes(const Matrix& points);
std::string csv_text(const Matrix& points);

}  // namespace sgmtk::engine
