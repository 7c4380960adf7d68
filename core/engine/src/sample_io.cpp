#include <sgmtk_engine/sample_io.hpp>

#include <sgmtk/error.hpp>
#include <sgmtk_engine/atomic_file.hpp>

#include <algorithm>
#include <bit>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <string_view>
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

// File content quoted in a message: printable ASCII as it is, other bytes as \xHH (a binary
// file must not put control characters on the terminal), cut after 40 bytes.
std::string quoted(std::string_view s) {
  constexpr std::size_t kMax = 40;
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  if (s.size() > kMax) out += "...";
  return out;
}

// ---- .npy -----------------------------------------------------------------------------------
// The format (numpy.lib.format): the magic "\x93NUMPY", a major and a minor version byte, the
// header length (2 bytes little-endian in version 1.0, 4 bytes in 2.0 and 3.0), the header --
// the repr() of a Python dict with exactly the keys 'descr', 'fortran_order' and 'shape',
// padded with spaces and a newline, which NumPy reads back with ast.literal_eval -- then the
// data, n * d items with no gaps.

// NumPy refuses longer headers by default (np.load's max_header_size); a float array's header
// is under 200 bytes.
constexpr std::uint64_t kMaxNpyHeader = 10000;

// A Python literal of the kinds a header can hold.
struct PyValue {
  enum class Kind { String, Number, Bool, None, Tuple, List };
  Kind kind = Kind::None;
  std::string text;  // a string's contents, a number's spelling
  bool truth = false;
  std::vector<PyValue> items;  // a tuple's or list's
};

std::string describe(const PyValue& v) {
  switch (v.kind) {
    case PyValue::Kind::String: return "the string '" + quoted(v.text) + "'";
    case PyValue::Kind::Number: return "the number " + quoted(v.text);
    case PyValue::Kind::Bool: return v.truth ? "True" : "False";
    case PyValue::Kind::None: return "None";
    case PyValue::Kind::Tuple: return "a tuple";
    case PyValue::Kind::List: return "a list";
  }
  return "a value";
}

// The subset of Python's literal syntax that ast.literal_eval gives NumPy and that a header can
// use: a dict with string keys; strings in either quote with the usual escapes; integers (kept as
// spelled, checked where they are used); True, False, None; tuples and lists. (2) is the number
// 2 and (2,) the tuple, as in Python. Every error gives the byte of the header where it is.
class NpyHeaderParser {
 public:
  NpyHeaderParser(std::string_view text, const std::string& path) : text_(text), path_(path) {}

  std::vector<std::pair<std::string, PyValue>> dict() {
    std::vector<std::pair<std::string, PyValue>> entries;
    skip_space();
    if (!eat('{')) fail("expected '{'", pos_);
    skip_space();
    while (!eat('}')) {
      if (peek() != '\'' && peek() != '"') fail("expected a quoted key or '}'", pos_);
      std::string key = string_literal();
      skip_space();
      if (!eat(':')) fail("expected ':' after the key '" + quoted(key) + "'", pos_);
      PyValue v = value(0);
      entries.emplace_back(std::move(key), std::move(v));
      skip_space();
      if (eat('}')) break;
      if (!eat(',')) fail("expected ',' or '}'", pos_);
      skip_space();
    }
    skip_space();
    if (pos_ < text_.size()) fail("unexpected '" + quoted(token()) + "' after the dict", pos_);
    return entries;
  }

 private:
  static constexpr int kMaxDepth = 16;  // a header needs 2 (a tuple in the dict); bounds the recursion

  [[noreturn]] void fail(const std::string& what, std::size_t at) const {
    throw Error(path_ + ": .npy header: " + what +
                (at >= text_.size() ? std::string(" at the end of the header") : " at header byte " + std::to_string(at)));
  }
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  bool eat(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void skip_space() {
    while (pos_ < text_.size() && std::strchr(" \t\n\r\f", text_[pos_]) != nullptr && text_[pos_] != '\0') ++pos_;
  }
  static bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; }
  // The word at pos_ (for messages and for names and numbers), or the single character there.
  std::string_view token() const {
    std::size_t end = pos_;
    while (end < text_.size() && word_char(text_[end])) ++end;
    return text_.substr(pos_, std::max<std::size_t>(end - pos_, 1));
  }

  std::string string_literal() {
    const std::size_t start = pos_;
    const char quote = text_[pos_++];
    std::string out;
    for (;;) {
      if (pos_ >= text_.size() || text_[pos_] == '\n') fail("unterminated string", start);
      const char c = text_[pos_++];
      if (c == quote) return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) fail("unterminated string", start);
      const char e = text_[pos_++];
      if (e == '\\' || e == '\'' || e == '"') out += e;
      else if (e == 'n') out += '\n';
      else if (e == 't') out += '\t';
      else fail("unsupported escape '\\" + quoted(std::string_view(&e, 1)) + "' in a string", pos_ - 2);
    }
  }

  PyValue value(int depth) {
    skip_space();
    if (depth > kMaxDepth) fail("values nested too deeply", pos_);
    const char c = peek();
    if (pos_ >= text_.size()) fail("expected a value", pos_);
    if (c == '\'' || c == '"') return PyValue{PyValue::Kind::String, string_literal(), false, {}};
    if (c == '(' || c == '[') return sequence(depth);
    const std::size_t start = pos_;
    if (c == '-' || c == '+' || c == '.' || std::isdigit(static_cast<unsigned char>(c))) {
      // A number as spelled: the sign, then digits and whatever else would make it a Python
      // number (2.0, 1e3, 0x10); only sizes are used, and they are checked where they are.
      std::size_t end = pos_ + 1;
      while (end < text_.size() && word_char(text_[end])) ++end;
      if (end == pos_ + 1 && (c == '-' || c == '+')) fail("unexpected '" + quoted(std::string_view(&c, 1)) + "'", start);
      pos_ = end;
      return PyValue{PyValue::Kind::Number, std::string(text_.substr(start, end - start)), false, {}};
    }
    const std::string_view word = token();
    if (word == "True" || word == "False") {
      pos_ += word.size();
      return PyValue{PyValue::Kind::Bool, {}, word == "True", {}};
    }
    if (word == "None") {
      pos_ += word.size();
      return PyValue{};
    }
    fail("unexpected '" + quoted(word) + "'", start);
  }

  PyValue sequence(int depth) {
    const char close = text_[pos_] == '(' ? ')' : ']';
    PyValue seq{close == ')' ? PyValue::Kind::Tuple : PyValue::Kind::List, {}, false, {}};
    ++pos_;
    skip_space();
    if (eat(close)) return seq;
    PyValue first = value(depth + 1);
    skip_space();
    if (close == ')' && eat(')')) return first;  // parentheses around one value, not a tuple
    seq.items.push_back(std::move(first));
    for (;;) {
      if (eat(close)) return seq;
      if (!eat(',')) fail(std::string("expected ',' or '") + close + "'", pos_);
      skip_space();
      if (eat(close)) return seq;  // a trailing comma
      seq.items.push_back(value(depth + 1));
      skip_space();
    }
  }

  std::string_view text_;
  const std::string& path_;
  std::size_t pos_ = 0;
};

struct NpyHeader {
  std::string descr;
  std::size_t item = 0;        // bytes per value: 8 (float64) or 4 (float32)
  bool byte_swapped = false;   // the file's byte order is not this machine's
  bool fortran = false;
  std::vector<Index> shape;
};

NpyHeader parse_npy_header(std::string_view text, const std::string& path) {
  const auto entries = NpyHeaderParser(text, path).dict();
  const auto header_error = [&](const std::string& what) { return Error(path + ": .npy header: " + what); };
  const PyValue* descr = nullptr;
  const PyValue* fortran = nullptr;
  const PyValue* shape = nullptr;
  for (const auto& [key, v] : entries) {
    const PyValue** slot = key == "descr" ? &descr : key == "fortran_order" ? &fortran : key == "shape" ? &shape : nullptr;
    if (slot == nullptr) {
      throw header_error("unknown key '" + quoted(key) + "' (a .npy header has exactly 'descr', 'fortran_order' and 'shape')");
    }
    if (*slot != nullptr) throw header_error("key '" + key + "' appears twice");
    *slot = &v;
  }
  if (descr == nullptr) throw header_error("no 'descr' key");
  if (fortran == nullptr) throw header_error("no 'fortran_order' key");
  if (shape == nullptr) throw header_error("no 'shape' key");

  NpyHeader h;
  if (descr->kind == PyValue::Kind::List) {
    throw header_error("structured dtypes (a list as 'descr') are not supported: a sample file holds one float per coordinate");
  }
  if (descr->kind != PyValue::Kind::String) throw header_error("'descr' must be a string, found " + describe(*descr));
  // A byte order ('<' little, '>' big, '=' or none: the reading machine's, as NumPy reads it),
  // then the type. Only floats: an int64 does not always fit a double, and reading integers as
  // coordinates is more likely a wrong file than a wish.
  h.descr = descr->text;
  std::string_view type = h.descr;
  char order = '=';
  if (!type.empty() && (type[0] == '<' || type[0] == '>' || type[0] == '=')) {
    order = type[0];
    type.remove_prefix(1);
  }
  if (type == "f8") h.item = 8;
  else if (type == "f4") h.item = 4;
  else {
    throw Error(path + ": unsupported dtype '" + quoted(h.descr) +
                "' (expected float64 '<f8' or float32 '<f4', or big-endian '>f8', '>f4'; in NumPy: a.astype('<f8'))");
  }
  constexpr bool little_machine = std::endian::native == std::endian::little;
  h.byte_swapped = (order == '<' && !little_machine) || (order == '>' && little_machine);

  if (fortran->kind != PyValue::Kind::Bool) throw header_error("'fortran_order' must be True or False, found " + describe(*fortran));
  h.fortran = fortran->truth;

  if (shape->kind != PyValue::Kind::Tuple) throw header_error("'shape' must be a tuple of sizes, found " + describe(*shape));
  for (const PyValue& entry : shape->items) {
    if (entry.kind != PyValue::Kind::Number) throw Error(path + ": .npy shape entries must be sizes, found " + describe(entry));
    // Only plain sizes: digits, no sign, within a signed 64-bit index.
    const std::string& s = entry.text;
    bool ok = !s.empty() && s.size() <= 19 && s.find_first_not_of("0123456789") == std::string::npos;
    unsigned long long value = 0;
    if (ok) {
      value = std::strtoull(s.c_str(), nullptr, 10);
      ok = value <= static_cast<unsigned long long>(std::numeric_limits<Index>::max());
    }
    if (!ok) throw Error(path + ": .npy shape entry '" + quoted(s) + "' is not a size");
    h.shape.push_back(static_cast<Index>(value));
  }
  return h;
}

double decode(const char* p, std::size_t item, bool byte_swapped) {
  if (item == 8) {
    std::uint64_t u = 0;
    std::memcpy(&u, p, 8);
    return std::bit_cast<double>(byte_swapped ? __builtin_bswap64(u) : u);
  }
  std::uint32_t u = 0;
  std::memcpy(&u, p, 4);
  return std::bit_cast<float>(byte_swapped ? __builtin_bswap32(u) : u);
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
  SampleFile file(path);
  char preamble[12];
  const std::size_t got = file.read(preamble, 8);
  if (got < 6 || std::memcmp(preamble, "\x93NUMPY", 6) != 0) throw Error(path + ": not a NumPy .npy file");
  if (got < 8) throw Error(path + ": truncated .npy header");
  const int major = static_cast<unsigned char>(preamble[6]);
  const int minor = static_cast<unsigned char>(preamble[7]);
  if (minor != 0 || major < 1 || major > 3) {
    throw Error(path + ": unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor) + " (known: 1.0, 2.0, 3.0)");
  }
  // 3.0 differs from 2.0 only in allowing UTF-8 in the header, which a float array's never needs.
  const std::size_t length_bytes = major == 1 ? 2 : 4;
  if (file.read(preamble + 8, length_bytes) < length_bytes) throw Error(path + ": truncated .npy header");
  std::uint64_t header_len = 0;
  for (std::size_t i = 0; i < length_bytes; ++i) header_len |= std::uint64_t{static_cast<unsigned char>(preamble[8 + i])} << (8 * i);
  if (header_len > kMaxNpyHeader) {
    throw Error(path + ": .npy header of " + std::to_string(header_len) + " bytes is longer than " + std::to_string(kMaxNpyHeader) +
                " (NumPy's own limit; a float array's header is under 200 bytes)");
  }
  std::string text(static_cast<std::size_t>(header_len), '\0');
  if (file.read(text.data(), text.size()) < text.size()) throw Error(path + ": truncated .npy header");
  const NpyHeader h = parse_npy_header(text, path);

  if (h.shape.empty() || h.shape.size() > 2) {
    throw Error(path + ": expected a 1-D or 2-D array (points x coordinates), got " + std::to_string(h.shape.size()) + " dimensions");
  }
  const Index n = h.shape[0];
  const Index d = h.shape.size() == 2 ? h.shape[1] : 1;
  if (n == 0 || d == 0) throw Error(path + ": the array is empty");
  if (static_cast<std::size_t>(n) > std::numeric_limits<std::size_t>::max() / h.item / static_cast<std::size_t>(d)) {
    throw Error(path + ": the array (" + std::to_string(n) + " x " + std::to_string(d) + ") is too large");
  }
  // The header's shape against the file's size, before anything is allocated: a lying header
  // must not cost memory, and data beyond the array is a wrong shape, not padding.
  const std::size_t need = static_cast<std::size_t>(n) * static_cast<std::size_t>(d) * h.item;
  const std::uint64_t data_at = 8 + length_bytes + header_len;
  const std::uint64_t available = file.size() > data_at ? file.size() - data_at : 0;
  if (available < need) throw Error(path + ": truncated data (" + std::to_string(available) + " bytes, need " + std::to_string(need) + ")");
  if (available > need) {
    throw Error(path + ": " + std::to_string(available - need) + " bytes after the data (the shape (" + std::to_string(n) +
                (h.shape.size() == 2 ? ", " + std::to_string(d) : std::string(",")) + ") of '" + quoted(h.descr) + "' needs " +
                std::to_string(need) + " bytes)");
  }
  const auto shrank = [&] { return Error(path + ": the file ended early (it changed while being read)"); };

  Matrix out(d, n);
  if (h.item == sizeof(double) && !h.byte_swapped && (!h.fortran || n == 1 || d == 1)) {
    // (n, d) in C order is d x n column-major: the file's bytes are the matrix's own.
    if (file.read(reinterpret_cast<char*>(out.data()), need) < need) throw shrank();
  } else {
    // Converted through a small buffer. Item k of a C-order file is point k / d, coordinate
    // k % d: position k of the d x n matrix. In Fortran order it is point k % n, coordinate k / n.
    std::vector<char> buffer(std::size_t{1} << 16);
    const std::size_t per_chunk = buffer.size() / h.item;
    const std::size_t total = static_cast<std::size_t>(n) * static_cast<std::size_t>(d);
    double* dst = out.data();
    Index point = 0;
    Index coordinate = 0;
    for (std::size_t k = 0; k < total;) {
      const std::size_t count = std::min(per_chunk, total - k);
      if (file.read(buffer.data(), count * h.item) < count * h.item) throw shrank();
      for (std::size_t i = 0; i < count; ++i, ++k) {
        const double v = decode(buffer.data() + i * h.item, h.item, h.byte_swapped);
        if (!h.fortran) {
          dst[k] = v;
        } else {
          dst[point * d + coordinate] = v;
          if (++point == n) {
            point = 0;
            ++coordinate;
          }
        }
      }
    }
  }
  for (Index r = 0; r < n; ++r) {
    for (Index c = 0; c < d; ++c) {
      if (!std::isfinite(out(c, r))) {
        throw Error(path + ": point " + std::to_string(r) + ", coordinate " + std::to_string(c) + " is not a finite number");
      }
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
