#include <sgmtk_engine/sample_io.hpp>

#include <sgmtk/error.hpp>
#include <sgmtk_engine/atomic_file.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <regex>
#include <sstream>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sgmtk::engine {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a plain file";
}

// A sample file opened for reading, refused unless it is a regular file: a FIFO would block in
// open() until a writer appears, and a device such as /dev/zero never ends. A regular file also
// has a size, which the readers use to check a header against the data before allocating.
class SampleFile {
 public:
  explicit SampleFile(const std::string& path) : path_(path) {
    // stat() first so that a device is refused without being opened (opening some has effects).
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) fail_errno("cannot open the file");
    if (!S_ISREG(st.st_mode)) throw Error(path + ": not a regular file (" + kind_of(st.st_mode) + ")");
    // O_NONBLOCK: if the path was swapped for a FIFO since stat(), open() returns instead of
    // waiting for a writer, and fstat() below refuses it. It has no effect on regular files.
    fd_ = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd_ < 0) fail_errno("cannot open the file");
    if (::fstat(fd_, &st) != 0) {
      const int e = errno;
      ::close(fd_);
      errno = e;
      fail_errno("cannot open the file");
    }
    if (!S_ISREG(st.st_mode)) {
      ::close(fd_);
      throw Error(path + ": not a regular file (" + kind_of(st.st_mode) + ")");
    }
    size_ = static_cast<std::uint64_t>(st.st_size);
  }
  SampleFile(const SampleFile&) = delete;
  SampleFile& operator=(const SampleFile&) = delete;
  ~SampleFile() { ::close(fd_); }

  /// The size when opened.
  std::uint64_t size() const { return size_; }

  /// Reads up to `n` bytes into `buf`; fewer only at the end of the file.
  std::size_t read(char* buf, std::size_t n) {
    std::size_t done = 0;
    while (done < n) {
      const ssize_t got = ::read(fd_, buf + done, std::min<std::size_t>(n - done, std::size_t{1} << 30));
      if (got < 0) {
        if (errno == EINTR) continue;
        fail_errno("read error");
      }
      if (got == 0) break;
      done += static_cast<std::size_t>(got);
    }
    return done;
  }

 private:
  [[noreturn]] void fail_errno(const char* what) const { throw Error(path_ + ": " + what + " (" + std::strerror(errno) + ")"); }

  std::string path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

std::string read_all(const std::string& path) {
  SampleFile file(path);
  std::string bytes(static_cast<std::size_t>(file.size()), '\0');
  bytes.resize(file.read(bytes.data(), bytes.size()));
  return bytes;
}

Matrix from_rows(const std::vector<std::vector<double>>& rows) {
  const Index n = static_cast<Index>(rows.size());
  const Index d = static_cast<Index>(rows.front().size());
  Matrix m(d, n);
  for (Index j = 0; j < n; ++j)
    for (Index i = 0; i < d; ++i) m(i, j) = rows[static_cast<std::size_t>(j)][static_cast<std::size_t>(i)];
  return m;
}

}  // namespace

Matrix read_csv_samples(const std::string& path) {
  std::istringstream in(read_all(path));
  std::vector<std::vector<double>> rows;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos || line[line.find_first_not_of(" \t")] == '#') continue;
    for (char& c : line)
      if (c == ',' || c == ';' || c == '\t') c = ' ';
    std::istringstream cells(line);
    std::vector<double> row;
    std::string cell;
    bool numeric = true;
    while (cells >> cell) {
      char* end = nullptr;
      const double v = std::strtod(cell.c_str(), &end);
      if (end == cell.c_str() || *end != '\0') {
        numeric = false;
        break;
      }
      if (!std::isfinite(v)) {
        throw Error(path + ":" + std::to_string(line_no) + ": value '" + cell + "' is not a finite number");
      }
      row.push_back(v);
    }
    if (!numeric) {
      if (rows.empty() && line_no == 1) continue;  // a header line
      throw Error(path + ":" + std::to_string(line_no) + ": '" + cell + "' is not a number");
    }
    if (!rows.empty() && row.size() != rows.front().size()) {
      throw Error(path + ":" + std::to_string(line_no) + ": ragged row: " + std::to_string(row.size()) + " values, the first row has " +
                  std::to_string(rows.front().size()));
    }
    rows.push_back(std::move(row));
  }
  if (rows.empty() || rows.front().empty()) throw Error(path + ": no points in the file");
  return from_rows(rows);
}

Matrix read_npy_samples(const std::string& path) {
  const std::string bytes = read_all(path);
  if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0) throw Error(path + ": not a NumPy .npy file");
  const int major = static_cast<unsigned char>(bytes[6]);
  std::size_t header_len = 0;
  std::size_t offset = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw Error(path + ": truncated .npy header");
    for (int i = 0; i < 4; ++i) header_len |= static_cast<std::size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    offset = 12;
  } else {
    throw Error(path + ": unsupported .npy version " + std::to_string(major));
  }
  if (bytes.size() < offset + header_len) throw Error(path + ": truncated .npy header");
  const std::string header = bytes.substr(offset, header_len);
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr'\\s*:\\s*'([^']*)'"))) throw Error(path + ": .npy header has no descr");
  const std::string descr = m[1];
  const bool fortran = std::regex_search(header, std::regex("'fortran_order'\\s*:\\s*True"));
  if (!std::regex_search(header, m, std::regex("'shape'\\s*:\\s*\\(([^)]*)\\)"))) throw Error(path + ": .npy header has no shape");
  std::vector<Index> shape;
  {
    std::string dims = m[1];
    std::stringstream ss(dims);
    std::string part;
    while (std::getline(ss, part, ',')) {
      const auto first = part.find_first_not_of(" \t");
      if (first == std::string::npos) continue;  // the empty entry after a trailing comma
      const std::string entry = part.substr(first, part.find_last_not_of(" \t") - first + 1);
      // Only plain sizes: digits, no sign, within a signed 64-bit index.
      unsigned long long value = 0;
      bool ok = !entry.empty() && entry.size() <= 19 && entry.find_first_not_of("0123456789") == std::string::npos;
      if (ok) {
        value = std::strtoull(entry.c_str(), nullptr, 10);
        ok = value <= static_cast<unsigned long long>(std::numeric_limits<Index>::max());
      }
      if (!ok) throw Error(path + ": .npy shape entry '" + entry + "' is not a size");
      shape.push_back(static_cast<Index>(value));
    }
  }
  if (shape.empty() || shape.size() > 2) throw Error(path + ": expected a 1-D or 2-D array (points x coordinates), got " + std::to_string(shape.size()) + " dimensions");
  const Index n = shape[0];
  const Index d = shape.size() == 2 ? shape[1] : 1;
  if (n == 0 || d == 0) throw Error(path + ": the array is empty");
  std::size_t item = 0;
  if (descr == "<f8" || descr == "f8") item = 8;
  else if (descr == "<f4" || descr == "f4") item = 4;
  else throw Error(path + ": unsupported dtype '" + descr + "' (expected little-endian float64 '<f8' or float32 '<f4')");
  const std::size_t data_at = offset + header_len;
  if (static_cast<std::size_t>(n) > std::numeric_limits<std::size_t>::max() / item / static_cast<std::size_t>(d)) {
    throw Error(path + ": the array (" + std::to_string(n) + " x " + std::to_string(d) + ") is too large");
  }
  const std::size_t need = static_cast<std::size_t>(n) * static_cast<std::size_t>(d) * item;
  if (bytes.size() - data_at < need) throw Error(path + ": truncated data (" + std::to_string(bytes.size() - data_at) + " bytes, need " + std::to_string(need) + ")");
  Matrix out(d, n);
  for (Index r = 0; r < n; ++r) {
    for (Index c = 0; c < d; ++c) {
      const std::size_t flat = fortran ? static_cast<std::size_t>(c * n + r) : static_cast<std::size_t>(r * d + c);
      double v = 0.0;
      if (item == 8) {
        std::memcpy(&v, bytes.data() + data_at + flat * 8, 8);
      } else {
        float f = 0.0f;
        std::memcpy(&f, bytes.data() + data_at + flat * 4, 4);
        v = f;
      }
      if (!std::isfinite(v)) {
        throw Error(path + ": point " + std::to_string(r) + ", coordinate " + std::to_string(c) + " is not a finite number");
      }
      out(c, r) = v;
    }
  }
  return out;
}

Matrix read_samples(const std::string& path) {
  return ends_with(path, ".npy") ? read_npy_samples(path) : read_csv_samples(path);
}

std::string npy_bytes(const Matrix& points) {
  const Index d = points.rows();
  const Index n = points.cols();
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + std::to_string(n) + ", " + std::to_string(d) + "), }";
  // Pad so that the data starts on a 64-byte boundary (format version 1.0).
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>((header.size() >> 8) & 0xff);
  out += header;
  // d x n column-major is exactly n x d row-major: the bytes are the matrix's own.
  out.append(reinterpret_cast<const char*>(points.data()), static_cast<std::size_t>(n * d) * sizeof(double));
  return out;
}

std::string csv_text(const Matrix& points) {
  std::string out;
  char buf[40];
  for (Index j = 0; j < points.cols(); ++j) {
    for (Index i = 0; i < points.rows(); ++i) {
      std::snprintf(buf, sizeof buf, "%.17g", points(i, j));
      out += (i ? "," : "");
      out += buf;
    }
    out += "\n";
  }
  return out;
}

void write_samples(const std::string& path, const Matrix& points) {
  write_file_atomically(path, ends_with(path, ".npy") ? npy_bytes(points) : csv_text(points));
}

}  // namespace sgmtk::engine
