#pragma once
// Minimal .npy reader and writer (NumPy format versions 1-3) for 2-D float64 point clouds, for
// tests, benchmarks and drivers that exchange clouds with Python (POT, NumPy).
//
// Convention: a file of shape (n, d) holds n points of dimension d, one per row -- NumPy's and
// POT's layout. Read into sgmtk's layout, a d x n column-major matrix (particles are columns):
// for C order that is the same memory, for Fortran order it is a transpose. A 1-D file of
// shape (n,) is n points in dimension 1.

#include <sgmtk/types.hpp>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>

namespace sgmtk::npy {

namespace detail {
inline std::string dict_value(const std::string& header, const std::string& key, const std::string& file) {
  const std::size_t k = header.find("'" + key + "'");
  if (k == std::string::npos) throw std::runtime_error(file + ": .npy header has no '" + key + "'");
  const std::size_t colon = header.find(':', k);
  std::size_t start = header.find_first_not_of(' ', colon + 1);
  std::size_t end = header[start] == '(' ? header.find(')', start) + 1 : header.find_first_of(",}", start);
  return header.substr(start, end - start);
}
}  // namespace detail

/// Reads a float64 (little-endian) .npy file of shape (n, d) or (n,) into a d x n matrix.
inline Matrix read(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error(file + ": cannot open");
  char magic[8];
  in.read(magic, 8);
  if (!in || std::memcmp(magic, "\x93NUMPY", 6) != 0) throw std::runtime_error(file + ": not a .npy file");
  const int major = static_cast<unsigned char>(magic[6]);
  std::uint32_t header_len = 0;
  if (major == 1) {
    unsigned char b[2];
    in.read(reinterpret_cast<char*>(b), 2);
    header_len = b[0] | (b[1] << 8u);
  } else {
    unsigned char b[4];
    in.read(reinterpret_cast<char*>(b), 4);
    header_len = b[0] | (b[1] << 8u) | (b[2] << 16u) | (static_cast<std::uint32_t>(b[3]) << 24u);
  }
  std::string header(header_len, '\0');
  in.read(header.data(), header_len);
  if (!in) throw std::runtime_error(file + ": truncated .npy header");
  const std::string descr = detail::dict_value(header, "descr", file);
  if (descr != "'<f8'" && descr != "'float64'") {
    throw std::runtime_error(file + ": expected float64 ('<f8') data, found " + descr);
  }
  const bool fortran = detail::dict_value(header, "fortran_order", file) == "True";
  const std::string shape = detail::dict_value(header, "shape", file);  // "(n, d)" or "(n,)"
  Index n = 0, d = 1;
  {
    const std::string inner = shape.substr(1, shape.size() - 2);
    const std::size_t comma = inner.find(',');
    n = std::stoll(inner.substr(0, comma));
    const std::string rest = comma == std::string::npos ? "" : inner.substr(comma + 1);
    if (rest.find_first_not_of(" ") != std::string::npos) d = std::stoll(rest);
    if (rest.find(',') != std::string::npos) throw std::runtime_error(file + ": expected a 1-D or 2-D array, shape " + shape);
  }
  Matrix x(d, n);
  if (!fortran) {
    in.read(reinterpret_cast<char*>(x.data()), static_cast<std::streamsize>(sizeof(double) * d * n));
  } else {
    Matrix t(n, d);
    in.read(reinterpret_cast<char*>(t.data()), static_cast<std::streamsize>(sizeof(double) * d * n));
    x = t.transpose();
  }
  if (!in) throw std::runtime_error(file + ": truncated data (expected " + std::to_string(n) + " x " + std::to_string(d) + ")");
  return x;
}

/// Writes a d x n matrix as a C-order float64 .npy file of shape (n, d).
inline void write(const std::string& file, const Matrix& x) {
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + std::to_string(x.cols()) + ", " +
                       std::to_string(x.rows()) + "), }";
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::ofstream out(file, std::ios::binary);
  if (!out) throw std::runtime_error(file + ": cannot create");
  out.write("\x93NUMPY\x01\x00", 8);
  const unsigned char len[2] = {static_cast<unsigned char>(header.size() & 0xff), static_cast<unsigned char>(header.size() >> 8)};
  out.write(reinterpret_cast<const char*>(len), 2);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  out.write(reinterpret_cast<const char*>(x.data()), static_cast<std::streamsize>(sizeof(double) * x.size()));
  if (!out) throw std::runtime_error(file + ": write failed");
}

}  // namespace sgmtk::npy
