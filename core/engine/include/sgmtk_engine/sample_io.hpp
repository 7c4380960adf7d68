#pragma once
// Point clouds on disk: CSV and NumPy .npy, one point per row. In memory a cloud is d x n
// (points are columns), as everywhere in sgmtk.
//
// Reading. Only regular files: a FIFO, a device (/dev/zero) or a directory is refused at once,
// without waiting or reading. Each file is read once, in order, and the memory used is about
// the matrix's own size (the text or the file is never held whole).
//   CSV: one separator per line -- a comma if the line has one, else a semicolon, else a tab,
//     else runs of spaces; spaces (and, around commas and semicolons, tabs) pad cells. Blank
//     lines and lines starting with '#' are skipped; the first other line is a header if none
//     of its cells is a number (it must then have the rows' column count). Numbers are decimal
//     (a leading '+' is allowed), read the same whatever the C locale.
//   .npy: format versions 1.0, 2.0 and 3.0; the header is parsed as the Python dict literal it
//     is, with exactly the keys 'descr', 'fortran_order' (True or False) and 'shape' (a tuple
//     of one or two sizes: (n,) or (n, d)). dtypes float64 and float32, either byte order
//     ('<f8', '<f4', '>f8', '>f4'); other dtypes are refused, not converted. C or Fortran order.
//     The data must fill the file exactly.
// Every defect is an sgmtk::Error whose message starts with the file's name and, for CSV, the
// line ("file:12: empty cell in column 2"): an empty cell, a ragged row, a non-number, NaN or
// an infinite value, no points, a malformed or lying .npy header, truncated or extra data.

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
