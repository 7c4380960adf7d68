#include <sgmtk_engine/sample_io.hpp>

#include <sgmtk/error.hpp>
#include <sgmtk_engine/atomic_file.hpp>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
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
  return "an unknown kind of file";
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
    require_regular(st);
    // O_NONBLOCK: if the path was swapped for a FIFO since stat(), open() returns instead of
    // waiting for a writer, and fstat() below refuses it. It has no effect on regular files.
    fd_ = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd_ < 0) fail_errno("cannot open the file");
    try {
      if (::fstat(fd_, &st) != 0) fail_errno("cannot open the file");
      require_regular(st);
    } catch (...) {
      ::close(fd_);
      throw;
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
  void require_regular(const struct stat& st) const {
    if (!S_ISREG(st.st_mode)) throw Error(path_ + ": not a regular file (" + kind_of(st.st_mode) + ")");
  }
  [[noreturn]] void fail_errno(const char* what) const { throw Error(path_ + ": " + what + " (" + std::strerror(errno) + ")"); }

  std::string path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

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
    while (pos_ < text_.size() && text_[pos_] != '\0' && std::strchr(" \t\n\r\f", text_[pos_]) != nullptr) ++pos_;
  }
  // ASCII only, whatever the C locale (std::isalnum is not).
  static bool word_char(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.';
  }
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
    if (c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9')) {
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

// ---- CSV ------------------------------------------------------------------------------------
// One point per line. Blank lines and lines starting with '#' are skipped; the first other line
// is a header when none of its cells is a number. Read in one pass through a 64 KB buffer; the
// points go straight into the matrix.

// A line longer than this is not a line of numbers (a binary file, a file without line breaks):
// refused rather than held in memory up to the file's size. 64 MB is some 3 million coordinates.
constexpr std::size_t kMaxCsvLine = std::size_t{64} << 20;

enum class Cell { Number, Empty, NotANumber, NotFinite };

// from_chars reports a literal beyond the double range as out of range, with no value, whether
// it overflows (1e999: not finite, as strtod's inf) or underflows (1e-400: zero, as strtod and
// NumPy read it). Which one is the sign of the leading digit's decimal exponent.
bool overflows(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  const std::size_t e = s.find_first_of("eE");
  long long exponent = 0;
  if (e != std::string_view::npos) {
    std::string_view digits = s.substr(e + 1);
    const bool negative = !digits.empty() && digits[0] == '-';
    if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) digits.remove_prefix(1);
    for (const char c : digits) exponent = std::min(exponent * 10 + (c - '0'), 1'000'000'000LL);
    if (negative) exponent = -exponent;
  }
  const std::string_view mantissa = s.substr(0, e);
  const std::size_t point = std::min(mantissa.find('.'), mantissa.size());
  const std::size_t lead = mantissa.find_first_of("123456789");  // found: zero is never out of range
  const long long lead_power = lead < point ? static_cast<long long>(point - lead - 1) : -static_cast<long long>(lead - point);
  return lead_power + exponent > 0;
}

// A trimmed cell. std::from_chars, not strtod: strtod follows the C locale (under a German one
// "1.5" reads as 1 and stops) and also takes hex floats; from_chars takes decimal only, whatever
// the locale. A leading '+' (printf's %+g) is allowed, as strtod allowed it.
Cell parse_cell(std::string_view cell, double& value) {
  if (cell.empty()) return Cell::Empty;
  std::string_view s = cell;
  if (s.size() > 1 && s[0] == '+' && s[1] != '-' && s[1] != '+') s.remove_prefix(1);
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec == std::errc::invalid_argument || end != s.data() + s.size()) return Cell::NotANumber;
  if (ec == std::errc::result_out_of_range) {
    if (overflows(s)) return Cell::NotFinite;
    value = s[0] == '-' ? -0.0 : 0.0;
  }
  return std::isfinite(value) ? Cell::Number : Cell::NotFinite;
}

std::string_view trim(std::string_view s, const char* blanks) {
  const std::size_t first = s.find_first_not_of(blanks);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(blanks) - first + 1);
}

class CsvReader {
 public:
  explicit CsvReader(const std::string& path) : path_(path) {}

  Matrix read(SampleFile& file) {
    std::vector<char> chunk(std::size_t{1} << 16);
    std::string carry;  // the start of a line that continues in the next chunk
    while (const std::size_t got = file.read(chunk.data(), chunk.size())) {
      std::string_view rest(chunk.data(), got);
      for (std::size_t nl; (nl = rest.find('\n')) != std::string_view::npos; rest.remove_prefix(nl + 1)) {
        if (carry.empty()) {
          line(rest.substr(0, nl));  // parsed where it lies: no copy for lines within a chunk
        } else {
          append(carry, rest.substr(0, nl));
          line(carry);
          carry.clear();
        }
      }
      append(carry, rest);
    }
    if (!carry.empty()) line(carry);  // the last line, without a line break
    if (n_ == 0) throw Error(path_ + ": no points in the file");
    points_.conservativeResize(d_, n_);
    return std::move(points_);
  }

 private:
  std::string where() const { return path_ + ":" + std::to_string(line_no_) + ": "; }

  void append(std::string& carry, std::string_view piece) const {
    if (carry.size() + piece.size() > kMaxCsvLine) {
      throw Error(path_ + ":" + std::to_string(line_no_ + 1) + ": line longer than " + std::to_string(kMaxCsvLine) +
                  " bytes: not a file of points");
    }
    carry.append(piece);
  }

  // One separator per line: a comma if the line has one, else a semicolon, else a tab, else
  // runs of spaces. Around a comma or semicolon spaces and tabs are padding, around a tab
  // spaces are; so "1, 2" is two cells and "1,,2" three, the middle one empty.
  void split(std::string_view text) {
    cells_.clear();
    char separator = ' ';
    for (const char c : {',', ';', '\t'}) {
      if (text.find(c) != std::string_view::npos) {
        separator = c;
        break;
      }
    }
    if (separator == ' ') {
      for (std::string_view rest = trim(text, " "); !rest.empty(); rest = trim(rest, " ")) {
        const std::size_t end = std::min(rest.find(' '), rest.size());
        cells_.push_back(rest.substr(0, end));
        rest.remove_prefix(end);
      }
      return;
    }
    const char* padding = separator == '\t' ? " " : " \t";
    for (;;) {
      const std::size_t end = text.find(separator);
      cells_.push_back(trim(text.substr(0, end), padding));
      if (end == std::string_view::npos) return;
      text.remove_prefix(end + 1);
    }
  }

  void line(std::string_view text) {
    ++line_no_;
    if (line_no_ == 1 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // a UTF-8 byte-order mark
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    const std::size_t first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos || text[first] == '#') return;
    split(text);

    row_.clear();
    std::size_t bad = cells_.size();  // the first cell that is not a finite number
    Cell bad_kind = Cell::Number;
    bool any_text = false;
    bool any_number = false;
    for (std::size_t k = 0; k < cells_.size(); ++k) {
      double v = 0.0;
      const Cell kind = parse_cell(cells_[k], v);
      any_text |= kind == Cell::NotANumber;
      any_number |= kind == Cell::Number || kind == Cell::NotFinite;
      if (kind == Cell::Number) {
        row_.push_back(v);
      } else if (bad == cells_.size()) {
        bad = k;
        bad_kind = kind;
      }
    }
    if (!content_seen_) {
      content_seen_ = true;
      // A header only if nothing in it is a number: "1,abc" is a point with a defect, and
      // taking it for a header would drop the point.
      if (any_text && !any_number) {
        header_columns_ = cells_.size();
        return;
      }
    }
    if (bad < cells_.size()) {
      const std::string column = std::to_string(bad + 1);
      const std::string cell = quoted(cells_[bad]);
      if (bad_kind == Cell::Empty) throw Error(where() + "empty cell in column " + column);
      if (bad_kind == Cell::NotFinite) throw Error(where() + "value '" + cell + "' is not a finite number (column " + column + ")");
      throw Error(where() + "'" + cell + "' is not a number (column " + column + ")");
    }
    if (d_ == 0 && header_columns_ != 0 && row_.size() != header_columns_) {
      throw Error(where() + "ragged row: " + std::to_string(row_.size()) + " values, the header has " + std::to_string(header_columns_) +
                  " columns");
    }
    if (d_ == 0) {
      d_ = static_cast<Index>(row_.size());
      // About 64 KB to start with, then doubling: for a column-major matrix whose row count
      // stays, Eigen's conservativeResize is a realloc, which moves large blocks by remapping
      // pages rather than copying, so the memory used stays near the matrix's own size.
      points_.resize(d_, std::max<Index>(1, 8192 / d_));
    } else if (static_cast<Index>(row_.size()) != d_) {
      throw Error(where() + "ragged row: " + std::to_string(row_.size()) + " values, " +
                  (header_columns_ != 0 ? "the header has " + std::to_string(header_columns_) + " columns"
                                        : "the first row has " + std::to_string(d_)));
    }
    if (n_ == points_.cols()) points_.conservativeResize(d_, 2 * n_);
    points_.col(n_++) = Eigen::Map<const Eigen::VectorXd>(row_.data(), d_);
  }

  const std::string& path_;
  long line_no_ = 0;
  bool content_seen_ = false;     // a line other than blank or comment has been read
  std::size_t header_columns_ = 0;  // 0: no header
  Index d_ = 0;                   // 0: no point yet
  Index n_ = 0;
  Matrix points_;                 // d_ x capacity; the first n_ columns are the points
  std::vector<std::string_view> cells_;
  std::vector<double> row_;
};

}  // namespace

Matrix read_csv_samples(const std::string& path) {
  SampleFile file(path);
  return CsvReader(path).read(file);
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
    throw Error(path + ": unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor) +
                " (known: 1.0, 2.0, 3.0)");
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
