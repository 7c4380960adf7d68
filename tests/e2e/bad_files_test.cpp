// Defective sample files given to the sgmtk binary (`sgmtk metric A B`, `sgmtk probe --points`):
// empty, ragged, non-numeric, NaN/inf, truncated or malformed .npy. Each must end with exit code
// 2 (a usage error: nothing ran) and one `error:` line naming the file -- and, for CSV, the line
// -- never a crash, a sanitizer report, or a metric computed on garbage.
#include "command.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using sgmtk::testing::run_command;

const std::string kSgmtk = SGMTK_BINARY;

class BadFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("sgmtk_bad_files_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    good_ = write("good.csv", "x0,x1\n0.0,1.0\n1.0,0.0\n-1.0,0.5\n0.5,-0.5\n");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& bytes) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p.string();
  }

  /// A version-1 .npy file with this header dict and these data bytes (header padded as NumPy does).
  std::string npy(const std::string& name, const std::string& dict, const std::string& data) {
    std::string header = dict;
    while ((10 + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::string bytes = std::string("\x93NUMPY\x01\x00", 8);
    bytes += static_cast<char>(header.size() & 0xff);
    bytes += static_cast<char>(header.size() >> 8);
    return write(name, bytes + header + data);
  }

  /// `sgmtk metric w2_exact <bad> <good>` and the reverse order: both rejected with `expected`.
  void expect_metric_rejects(const std::string& bad, const std::string& expected) {
    for (const auto& args : {bad + " " + good_, good_ + " " + bad}) {
      const auto r = run_command(kSgmtk + " metric w2_exact " + args);
      EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.output;
      EXPECT_NE(r.output.find("error: " + expected), std::string::npos) << "expected 'error: " << expected << "' in:\n" << r.output;
    }
  }
  /// `sgmtk probe gaussian -p dim=2 --points <bad>` rejected with `expected`.
  void expect_probe_rejects(const std::string& bad, const std::string& expected) {
    const auto r = run_command(kSgmtk + " probe gaussian -p dim=2 --t 0.5 --points " + bad);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("error: " + expected), std::string::npos) << "expected 'error: " << expected << "' in:\n" << r.output;
  }

  fs::path dir_;
  std::string good_;
};

TEST_F(BadFiles, GoodFilesAreAccepted) {
  // The control: the same commands succeed on well-formed files, so the rejections below are
  // about the files and not about the command lines.
  const auto m = run_command(kSgmtk + " metric w2_exact " + good_ + " " + good_);
  EXPECT_EQ(m.exit_code, 0) << m.output;
  const auto p = run_command(kSgmtk + " probe gaussian -p dim=2 --t 0.5 --points " + good_);
  EXPECT_EQ(p.exit_code, 0) << p.output;
  const std::string f8 = npy("good.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }",
                             std::string("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\xf0\x3f\0\0\0\0\0\0\xf0\x3f\0\0\0\0\0\0\0\0", 32));
  const auto n = run_command(kSgmtk + " probe gaussian -p dim=2 --t 0.5 --points " + f8);
  EXPECT_EQ(n.exit_code, 0) << n.output;
}

TEST_F(BadFiles, EmptyCsv) {
  const std::string f = write("empty.csv", "");
  expect_metric_rejects(f, f + ": no points in the file");
  expect_probe_rejects(f, f + ": no points in the file");
}

TEST_F(BadFiles, HeaderOnlyAndCommentsOnlyCsv) {
  const std::string header = write("header.csv", "x0,x1\n");
  expect_metric_rejects(header, header + ": no points in the file");
  const std::string comments = write("comments.csv", "# nothing here\n\n   \n");
  expect_probe_rejects(comments, comments + ": no points in the file");
}

TEST_F(BadFiles, RaggedCsv) {
  const std::string f = write("ragged.csv", "0.0,1.0\n1.0,2.0\n3.0\n");
  expect_metric_rejects(f, f + ":3: ragged row: 1 values, the first row has 2");
  expect_probe_rejects(f, f + ":3: ragged row: 1 values, the first row has 2");
}

TEST_F(BadFiles, NanAndInfinityInCsv) {
  const std::string nan = write("nan.csv", "x0,x1\n0.0,1.0\n1.0,nan\n");
  expect_metric_rejects(nan, nan + ":3: value 'nan' is not a finite number");
  expect_probe_rejects(nan, nan + ":3: value 'nan' is not a finite number");
  const std::string inf = write("inf.csv", "0.0,1.0\n-inf,2.0\n");
  expect_metric_rejects(inf, inf + ":2: value '-inf' is not a finite number");
  // strtod reads 1e999 as +inf: an overflowing literal is not a finite number either.
  const std::string overflow = write("overflow.csv", "0.0,1.0\n1e999,2.0\n");
  expect_probe_rejects(overflow, overflow + ":2: value '1e999' is not a finite number");
}

TEST_F(BadFiles, TextInTheMiddleOfCsv) {
  const std::string f = write("text.csv", "0.0,1.0\n1.0,abc\n");
  expect_metric_rejects(f, f + ":2: 'abc' is not a number");
}

TEST_F(BadFiles, WrongDimensionIsNamed) {
  const std::string three = write("three.csv", "0.0,1.0,2.0\n1.0,2.0,3.0\n");
  expect_probe_rejects(three, three + " has points of dimension 3, the target has dimension 2");
  const auto r = run_command(kSgmtk + " metric w2_exact " + three + " " + good_);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("has points of dimension 3"), std::string::npos) << r.output;
}

TEST_F(BadFiles, NotAnNpyFile) {
  const std::string f = write("text.npy", "0.0,1.0\n");
  expect_metric_rejects(f, f + ": not a NumPy .npy file");
}

TEST_F(BadFiles, TruncatedNpy) {
  const std::string header = write("header.npy", std::string("\x93NUMPY\x01\x00\x76\x00{'descr'", 18));
  expect_metric_rejects(header, header + ": truncated .npy header");
  // A (3, 2) float64 array needs 48 data bytes; 16 are given.
  const std::string data = npy("data.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", std::string(16, '\0'));
  expect_probe_rejects(data, data + ": truncated data (16 bytes, need 48)");
}

TEST_F(BadFiles, NanInNpy) {
  // Point 1, coordinate 0 is a quiet NaN (0x7ff8000000000000, little-endian).
  std::string data(32, '\0');
  data[22] = '\xf8';
  data[23] = '\x7f';
  const std::string f = npy("nan.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", data);
  expect_metric_rejects(f, f + ": point 1, coordinate 0 is not a finite number");
}

TEST_F(BadFiles, UnsupportedNpyDtypeAndShape) {
  const std::string i8 = npy("int.npy", "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 2), }", std::string(32, '\0'));
  expect_metric_rejects(i8, i8 + ": unsupported dtype '<i8'");
  const std::string cube = npy("cube.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 2), }", std::string(32, '\0'));
  expect_probe_rejects(cube, cube + ": expected a 1-D or 2-D array");
  const std::string empty = npy("empty.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 2), }", "");
  expect_probe_rejects(empty, empty + ": the array is empty");
}

}  // namespace

namespace {

// DISABLED until core/engine/src/sample_io.cpp validates the .npy shape (reported by the
// hardening work): today a negative entry (-1, 2) or one that overflows n*d*8 passes the
// truncation check by wrap-around and ends as "error: std::bad_alloc" -- no file name, no
// reason -- or, under AddressSanitizer, as an allocation-size abort. An entry too large for
// stoll ends as "error: stoll".
TEST_F(BadFiles, NegativeOrHugeNpyShape) {
  const std::string neg = npy("neg.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (-1, 2), }", std::string(16, '\0'));
  expect_metric_rejects(neg, neg + ": .npy shape entry '-1' is not a size");
  const std::string wrap =
      npy("wrap.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (2305843009213693953, 1), }", std::string(16, '\0'));
  expect_probe_rejects(wrap, wrap + ": the array (2305843009213693953 x 1) is too large");
  const std::string huge =
      npy("huge.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999, 1), }", std::string(16, '\0'));
  expect_probe_rejects(huge, huge + ": .npy shape entry '99999999999999999999' is not a size");
}

}  // namespace
