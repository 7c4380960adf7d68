// Sample files: .npy and CSV round trips, and every defect reported with its place.
#include <sgmtk/error.hpp>
#include <sgmtk_engine/sample_io.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <limits>
#include <string>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using sgmtk::Matrix;

fs::path tmp(const std::string& name) { return fs::temp_directory_path() / ("sgmtk_io_" + std::to_string(::getpid()) + "_" + name); }

/// The message of the sgmtk::Error that reading `file` throws; a test failure if it reads.
std::string read_error(const fs::path& file) {
  try {
    sgmtk::engine::read_samples(file.string());
  } catch (const sgmtk::Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "accepted " << file;
  return "";
}

void expect_error(const fs::path& file, const std::string& content, const std::string& expected) {
  std::ofstream(file, std::ios::binary) << content;
  const std::string message = read_error(file);
  // Every message names the file first, then says what is wrong.
  EXPECT_EQ(message.rfind(file.string(), 0), 0u) << message;
  EXPECT_NE(message.find(expected), std::string::npos) << "expected '" << expected << "' in: " << message;
  fs::remove(file);
}

Matrix read_text(const std::string& name, const std::string& content) {
  struct Removed {
    fs::path file;
    ~Removed() { fs::remove(file); }  // also when reading throws
  } f{tmp(name)};
  std::ofstream(f.file, std::ios::binary) << content;
  return sgmtk::engine::read_samples(f.file.string());
}

/// An .npy file's bytes: format version `major`.0 (or `major`.`minor`), this header dict,
/// padded with spaces and a newline as NumPy pads it, then `data`.
std::string npy(const std::string& dict, const std::string& data, int major = 1, int minor = 0) {
  const std::size_t length_bytes = major == 1 ? 2 : 4;
  std::string header = dict;
  while ((8 + length_bytes + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string bytes("\x93NUMPY", 6);
  bytes += static_cast<char>(major);
  bytes += static_cast<char>(minor);
  for (std::size_t i = 0; i < length_bytes; ++i) bytes += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return bytes + header + data;
}

template <class T>
std::string raw(std::initializer_list<T> values) {
  std::string out;
  for (T v : values) out.append(reinterpret_cast<const char*>(&v), sizeof v);
  return out;
}

// ---- round trips and what the formats accept ---------------------------------------------

TEST(SampleIo, NpyAndCsvRoundTripExactly) {
  Matrix m(3, 5);
  for (int j = 0; j < 5; ++j)
    for (int i = 0; i < 3; ++i) m(i, j) = 0.1 * (i + 1) - 1.0 / (j + 3) + 1e-300 * j;
  for (const char* ext : {".npy", ".csv"}) {
    const fs::path f = tmp(std::string("rt") + ext);
    sgmtk::engine::write_samples(f.string(), m);
    const Matrix back = sgmtk::engine::read_samples(f.string());
    EXPECT_EQ(back, m) << ext;  // 17 significant digits in CSV: exact for doubles
    fs::remove(f);
  }
}

TEST(SampleIo, ReadsNumpyFloat32FortranOrderAndOneDimensional) {
  // A (2, 3) float32 array in Fortran order: columns stored contiguously.
  const Matrix m = read_text("f4.npy", npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", raw<float>({1, 4, 2, 5, 3, 6})));
  ASSERT_EQ(m.rows(), 3);
  ASSERT_EQ(m.cols(), 2);
  EXPECT_EQ(m(0, 0), 1.0);
  EXPECT_EQ(m(2, 0), 3.0);
  EXPECT_EQ(m(0, 1), 4.0);
  const Matrix v = read_text("1d.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", raw<double>({1, 2, 3})));
  ASSERT_EQ(v.rows(), 1);
  ASSERT_EQ(v.cols(), 3);
  EXPECT_EQ(v(0, 2), 3.0);
}

TEST(SampleIo, NpyFortranOrderFloat64IsTransposedCorrectly) {
  // (3, 2) float64, Fortran order: the first column (1, 2, 3), then the second (10, 20, 30).
  const Matrix m =
      read_text("f8f.npy", npy("{'descr': '<f8', 'fortran_order': True, 'shape': (3, 2), }", raw<double>({1, 2, 3, 10, 20, 30})));
  ASSERT_EQ(m.rows(), 2);
  ASSERT_EQ(m.cols(), 3);
  for (int r = 0; r < 3; ++r) {
    EXPECT_EQ(m(0, r), r + 1.0) << r;
    EXPECT_EQ(m(1, r), 10.0 * (r + 1)) << r;
  }
}

TEST(SampleIo, NpyVersions2And3AndBigEndianAreRead) {
  const std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }";
  for (int major : {2, 3}) {
    const Matrix m = read_text("v.npy", npy(dict, raw<double>({0.5, -2}), major));
    ASSERT_EQ(m.rows(), 2) << major;
    EXPECT_EQ(m(1, 0), -2.0) << major;
  }
  // '>f8': the bytes of 1.5 (0x3FF8000000000000) most significant first.
  const std::string one_and_a_half("\x3f\xf8\0\0\0\0\0\0", 8);
  const Matrix be = read_text("be.npy", npy("{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }", one_and_a_half));
  EXPECT_EQ(be(0, 0), 1.5);
}

TEST(SampleIo, NpyHeaderIsAPythonLiteralInAnyKeyOrderAndQuoting) {
  // Double quotes, another key order, no trailing comma, newlines inside the braces: all the
  // same dict to Python, so all the same array.
  const Matrix m = read_text("dq.npy", npy("{\"shape\": (2,\n 1), \"fortran_order\": False,\n \"descr\": \"<f4\"}", raw<float>({7, 8})));
  ASSERT_EQ(m.rows(), 1);
  ASSERT_EQ(m.cols(), 2);
  EXPECT_EQ(m(0, 1), 8.0);
}

TEST(SampleIo, CsvHeaderAndWhitespaceAreAccepted) {
  const Matrix m = read_text("h.csv", "x,y\n1, 2\n# comment\n3\t4\n");
  EXPECT_EQ(m.rows(), 2);
  EXPECT_EQ(m.cols(), 2);
  EXPECT_EQ(m(1, 1), 4.0);
}

TEST(SampleIo, CsvSeparatorsLineEndingsAndNumberSpellings) {
  // Semicolons, runs of spaces, CRLF, a header after comments, no final newline, a '+' sign,
  // an underflowing literal (reads as 0, as strtod and NumPy read it), a UTF-8 byte-order mark.
  const Matrix m = read_text("sep.csv", "\xEF\xBB\xBF# made by hand\r\n\r\nx;y\r\n1;+2\r\n3   4\r\n-.5e1 ; 1e-400");
  ASSERT_EQ(m.rows(), 2);
  ASSERT_EQ(m.cols(), 3);
  EXPECT_EQ(m(1, 0), 2.0);
  EXPECT_EQ(m(0, 1), 3.0);
  EXPECT_EQ(m(0, 2), -5.0);
  EXPECT_EQ(m(1, 2), 0.0);
  // Without a header: the first line is data.
  const Matrix bom = read_text("bom.csv", "\xEF\xBB\xBF" "1,2\n");
  EXPECT_EQ(bom.cols(), 1);
  EXPECT_EQ(bom(0, 0), 1.0);
}

// ---- defects, each with its place -----------------------------------------------------------

TEST(SampleIo, DefectsAreReportedWithTheirPlace) {
  expect_error(tmp("ragged.csv"), "1,2\n3\n", ":2: ragged row: 1 values, the first row has 2");
  expect_error(tmp("nan.csv"), "1,2\n3,nan\n", ":2: value 'nan' is not a finite number");
  expect_error(tmp("inf.csv"), "1,inf\n", ":1: value 'inf' is not a finite number");
  expect_error(tmp("big.csv"), "1,-1e999\n", ":1: value '-1e999' is not a finite number");
  expect_error(tmp("word.csv"), "1,2\n3,abc\n", ":2: 'abc' is not a number");
  expect_error(tmp("empty.csv"), "", "no points in the file");
  expect_error(tmp("junk.npy"), "not numpy at all", "not a NumPy .npy file");
}

TEST(SampleIo, MissingFileIsNamedWithTheReason) {
  const fs::path f = tmp("absent.csv");
  fs::remove(f);
  const std::string message = read_error(f);
  EXPECT_EQ(message, f.string() + ": cannot open the file (No such file or directory)");
}

TEST(SampleIo, CsvEmptyCellIsAnError) {
  // Before: the empty cells vanished and this read as two columns.
  expect_error(tmp("gap.csv"), "1,,2\n3,,4\n", ":1: empty cell in column 2");
  expect_error(tmp("gap2.csv"), "1,2,3\n4,,6\n", ":2: empty cell in column 2");
  expect_error(tmp("trailing.csv"), "1,2,\n", ":1: empty cell in column 3");
  expect_error(tmp("leading.csv"), "x,y\n1,2\n,3\n", ":3: empty cell in column 1");
  expect_error(tmp("semi.csv"), "1;;2\n", ":1: empty cell in column 2");
  expect_error(tmp("tab.csv"), "1\t\t2\n", ":1: empty cell in column 2");
  expect_error(tmp("blank.csv"), "1, ,2\n", ":1: empty cell in column 2");
}

TEST(SampleIo, CsvFirstLineWithSomeNumbersIsDataNotAHeader) {
  // Before: any non-number on line 1 made the whole line a header, silently dropping its numbers.
  expect_error(tmp("half.csv"), "1,abc\n2,3\n", ":1: 'abc' is not a number (column 2)");
}

TEST(SampleIo, CsvHeaderMustHaveTheRowsColumnCount) {
  expect_error(tmp("wide.csv"), "x,y,z\n1,2\n", ":2: ragged row: 2 values, the header has 3 columns");
}

TEST(SampleIo, CsvUnprintableCellIsShownEscaped) {
  expect_error(tmp("bin.csv"), std::string("1,\x01\xff", 4) + "\n", ":1: '\\x01\\xff' is not a number (column 2)");
}

TEST(SampleIo, CsvLineLongerThanAnySampleIsRefused) {
  // A file without line breaks (a binary file named .csv): refused once a line is longer than
  // the limit, not accumulated in memory up to the file's size.
  expect_error(tmp("oneline.csv"), std::string((64u << 20) + 1, 'x'), ":1: line longer than 67108864 bytes");
}

TEST(SampleIo, NonFiniteNpyValueIsRejected) {
  Matrix m = Matrix::Zero(2, 2);
  m(1, 1) = std::numeric_limits<double>::quiet_NaN();
  expect_error(tmp("nan.npy"), sgmtk::engine::npy_bytes(m), "point 1, coordinate 1 is not a finite number");
}

TEST(SampleIo, NpyDecoyDtypeInAnotherValueIsNotTheDtype) {
  // Before: a regex found the '<f8' inside the extra value and read the float32 data as float64.
  expect_error(tmp("decoy.npy"),
               npy("{\"note\": \"'descr': '<f8'\", \"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2,)}", raw<float>({1, 2})),
               ": .npy header: unknown key 'note' (a .npy header has exactly 'descr', 'fortran_order' and 'shape')");
}

TEST(SampleIo, NpyFortranOrderMustBeABoolean) {
  // Before: the string 'True' read as C order.
  expect_error(tmp("fstr.npy"), npy("{'descr': '<f8', 'fortran_order': 'True', 'shape': (2, 1), }", raw<double>({1, 2})),
               ": .npy header: 'fortran_order' must be True or False, found the string 'True'");
}

TEST(SampleIo, NpyHeaderKeysAndTypesAreChecked) {
  const std::string data = raw<double>({1, 2});
  expect_error(tmp("nofo.npy"), npy("{'descr': '<f8', 'shape': (2,), }", data), ": .npy header: no 'fortran_order' key");
  expect_error(tmp("nodescr.npy"), npy("{'fortran_order': False, 'shape': (2,), }", data), ": .npy header: no 'descr' key");
  expect_error(tmp("twice.npy"), npy("{'descr': '<f8', 'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", data),
               ": .npy header: key 'descr' appears twice");
  expect_error(tmp("list.npy"), npy("{'descr': '<f8', 'fortran_order': False, 'shape': [2], }", data),
               ": .npy header: 'shape' must be a tuple of sizes, found a list");
  // (2) is the number 2 in Python, not a tuple.
  expect_error(tmp("paren.npy"), npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2), }", data),
               ": .npy header: 'shape' must be a tuple of sizes, found the number 2");
  expect_error(tmp("float.npy"), npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2.0,), }", data),
               ": .npy shape entry '2.0' is not a size");
  expect_error(tmp("struct.npy"), npy("{'descr': [('x', '<f8')], 'fortran_order': False, 'shape': (2,), }", data),
               ": .npy header: structured dtypes (a list as 'descr') are not supported");
  expect_error(tmp("int.npy"), npy("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", data),
               ": unsupported dtype '<i8' (expected float64 '<f8' or float32 '<f4'");
  expect_error(tmp("dict.npy"), npy("['descr', '<f8']", data), ": .npy header: expected '{' at header byte 0");
}

TEST(SampleIo, NpyHeaderSyntaxErrorsAreLocated) {
  const std::string data = raw<double>({1, 2});
  expect_error(tmp("open.npy"), npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,)", data),
               ": .npy header: expected ',' or '}' at the end of the header");
  expect_error(tmp("quote.npy"), npy("{'descr': '<f8, 'fortran_order': False, 'shape': (2,)}", data), ": .npy header: ");
  expect_error(tmp("after.npy"), npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,)} x", data),
               ": .npy header: unexpected 'x' after the dict at header byte 56");
  expect_error(tmp("word.npy"), npy("{'descr': '<f8', 'fortran_order': Maybe, 'shape': (2,)}", data),
               ": .npy header: unexpected 'Maybe' at header byte 34");
}

TEST(SampleIo, NpyVersionAndHeaderLengthAreChecked) {
  const std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }";
  expect_error(tmp("v11.npy"), npy(dict, raw<double>({1}), 1, 1), ": unsupported .npy format version 1.1");
  expect_error(tmp("v4.npy"), npy(dict, raw<double>({1}), 4), ": unsupported .npy format version 4.0");
  // A version-2 length field of 4 GB: refused from the length, not by reading that much.
  expect_error(tmp("long.npy"), std::string("\x93NUMPY\x02\x00\xf0\xff\xff\xff{", 13), ": .npy header of 4294967280 bytes is longer than");
}

TEST(SampleIo, NpyDataSizeMustMatchTheFile) {
  const std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 1), }";
  expect_error(tmp("short.npy"), npy(dict, raw<double>({1, 2})), ": truncated data (16 bytes, need 24)");
  // Before: the extra point was silently dropped.
  expect_error(tmp("long.npy"), npy(dict, raw<double>({1, 2, 3, 4})), ": 8 bytes after the data");
  // A lying header: 2^40 x 1000 float64 (8 PB) in a file of 8 bytes. Refused from the file's
  // size, before anything is allocated.
  expect_error(tmp("lie.npy"), npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776, 1000), }", raw<double>({1})),
               ": truncated data (8 bytes, need 8796093022208000)");
}

// ---- the fuzzer's seeds ---------------------------------------------------------------------

TEST(SampleIo, FuzzSeedsAreWhatTheirNamesSay) {
  // tests/fuzz/samples_corpus: valid_* must be read, broken_* refused, by the reader their
  // extension picks, so that the seeds start the fuzzer on both sides of every check.
  int valid = 0;
  int broken = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(SGMTK_TEST_SOURCE_DIR) / "tests/fuzz/samples_corpus")) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("valid_", 0) == 0) {
      ++valid;
      EXPECT_NO_THROW(sgmtk::engine::read_samples(entry.path().string())) << name;
    } else if (name.rfind("broken_", 0) == 0) {
      ++broken;
      EXPECT_THROW(sgmtk::engine::read_samples(entry.path().string()), sgmtk::Error) << name;
    }
  }
  EXPECT_GE(valid, 10);
  EXPECT_GE(broken, 10);
}

// ---- what is not a regular file ------------------------------------------------------------

TEST(SampleIo, DirectoryAndDeviceAreRefused) {
  const fs::path dir = tmp("dir.csv");
  fs::create_directories(dir);
  EXPECT_EQ(read_error(dir), dir.string() + ": not a regular file (a directory)");
  fs::remove(dir);
  EXPECT_EQ(read_error("/dev/null"), "/dev/null: not a regular file (a character device)");
}

TEST(SampleIo, FifoIsRefusedWithoutWaitingForAWriter) {
  const fs::path fifo = tmp("fifo.npy");
  fs::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto reading = std::async(std::launch::async, [&] { return read_error(fifo); });
  if (reading.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    // Stuck in open() waiting for a writer: be that writer (and close at once) so that the
    // reader sees an empty stream and this test ends instead of hanging.
    ::close(::open(fifo.c_str(), O_WRONLY | O_NONBLOCK));
    ADD_FAILURE() << "reading a FIFO blocked for 10 s";
  }
  EXPECT_EQ(reading.get(), fifo.string() + ": not a regular file (a FIFO)");
  fs::remove(fifo);
}

bool sanitized() {
#if defined(__SANITIZE_ADDRESS__)
  return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return true;
#else
  return false;
#endif
#else
  return false;
#endif
}

/// The child of DevZeroIsRefusedAtOnce: 0 if both readers refuse /dev/zero with the message.
int refuses_dev_zero() {
  ::alarm(10);
  if (!sanitized()) {
    const rlimit limit{std::size_t{4} << 30, std::size_t{4} << 30};
    ::setrlimit(RLIMIT_AS, &limit);
  }
  const std::string expected = "/dev/zero: not a regular file (a character device)";
  int refused = 0;
  for (auto* reader : {&sgmtk::engine::read_csv_samples, &sgmtk::engine::read_npy_samples}) {
    try {
      reader("/dev/zero");
    } catch (const sgmtk::Error& e) {
      refused += e.what() == expected;
    }
  }
  return refused == 2 ? 0 : 1;
}

TEST(SampleIo, DevZeroIsRefusedAtOnce) {
  // In a child process with a time limit (and, outside AddressSanitizer, whose shadow memory
  // needs a huge address space, a memory limit), so that a reader that does read /dev/zero
  // fails this test rather than the machine.
  EXPECT_EXIT(std::_Exit(refuses_dev_zero()), ::testing::ExitedWithCode(0), "");
}

// ---- memory: one pass, about the matrix's size ----------------------------------------------

long peak_rss_kb() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

/// Reads `file` and returns 0 if it equals `expected` and the peak resident memory grew by at
/// most `limit_mb` while reading. Run in a fresh child (the parent's own peak does not count).
int reads_within(const fs::path& file, long limit_mb, const Matrix& expected) {
  const long before = peak_rss_kb();
  const Matrix m = sgmtk::engine::read_samples(file.string());
  const long grown_mb = (peak_rss_kb() - before) / 1024;
  std::fprintf(stderr, "%s: peak grew by %ld MB (limit %ld MB)\n", file.c_str(), grown_mb, limit_mb);
  return m == expected && grown_mb <= limit_mb ? 0 : 1;
}

// 4 x 1,000,000 doubles: a 32 MB matrix, a 32 MB .npy file and a CSV file of about 80 MB.
// Reading a whole file into a string and parsing a copy needs well over twice the file's size.
constexpr Eigen::Index kLargeD = 4;
constexpr Eigen::Index kLargeN = 1000000;
constexpr long kLargeMatrixMb = (kLargeD * kLargeN * 8) >> 20;

Matrix large_matrix() {
  Matrix m(kLargeD, kLargeN);
  for (Eigen::Index j = 0; j < kLargeN; ++j)
    for (Eigen::Index i = 0; i < kLargeD; ++i) m(i, j) = (1.0 + i) / (3.0 + j);
  return m;
}

TEST(SampleIo, LargeNpyIsReadIntoTheMatrixDirectly) {
  if (sanitized()) GTEST_SKIP() << "AddressSanitizer's quarantine and shadow memory distort resident sizes";
  GTEST_FLAG_SET(death_test_style, "fast");  // fork: the child starts from this process's state
  const Matrix m = large_matrix();
  const fs::path f = tmp("large.npy");
  sgmtk::engine::write_samples(f.string(), m);
  EXPECT_EXIT(std::_Exit(reads_within(f, kLargeMatrixMb + kLargeMatrixMb / 4 + 8, m)), ::testing::ExitedWithCode(0), "");
  fs::remove(f);
}

TEST(SampleIo, LargeCsvIsReadInOnePassInAboutTheMatrixSize) {
  if (sanitized()) GTEST_SKIP() << "AddressSanitizer's quarantine and shadow memory distort resident sizes";
  GTEST_FLAG_SET(death_test_style, "fast");
  const Matrix m = large_matrix();
  const fs::path f = tmp("large.csv");
  sgmtk::engine::write_samples(f.string(), m);
  ASSERT_GT(static_cast<long>(fs::file_size(f)) >> 20, 2 * kLargeMatrixMb);  // the text is larger than the matrix
  // The matrix grows by doubling, so up to twice its size may be touched on the way.
  EXPECT_EXIT(std::_Exit(reads_within(f, 2 * kLargeMatrixMb + 8, m)), ::testing::ExitedWithCode(0), "");
  fs::remove(f);
}

}  // namespace
