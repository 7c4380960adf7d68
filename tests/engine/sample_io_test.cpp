// Sample files: .npy and CSV round trips, and every defect reported with its place.
#include <sgmtk/error.hpp>
#include <sgmtk_engine/sample_io.hpp>

#include <gtest/gtest.h>

#include <chrono>
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
  try {
    sgmtk::engine::read_samples(file.string());
    FAIL() << "accepted " << file;
  } catch (const sgmtk::Error& e) {
    EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
  }
  fs::remove(file);
}

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
  std::string header = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }";
  header.append(64 - (10 + header.size() + 1) % 64, ' ');
  header += '\n';
  std::string bytes("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(header.size());
  bytes += '\0';
  bytes += header;
  const float data[6] = {1, 4, 2, 5, 3, 6};  // rows (1,2,3) and (4,5,6)
  bytes.append(reinterpret_cast<const char*>(data), sizeof data);
  const fs::path f = tmp("f4.npy");
  std::ofstream(f, std::ios::binary) << bytes;
  const Matrix m = sgmtk::engine::read_samples(f.string());
  ASSERT_EQ(m.rows(), 3);
  ASSERT_EQ(m.cols(), 2);
  EXPECT_EQ(m(0, 0), 1.0);
  EXPECT_EQ(m(2, 0), 3.0);
  EXPECT_EQ(m(0, 1), 4.0);
  fs::remove(f);
}

TEST(SampleIo, CsvHeaderAndWhitespaceAreAccepted) {
  const fs::path f = tmp("h.csv");
  std::ofstream(f) << "x,y\n1, 2\n# comment\n3\t4\n";
  const Matrix m = sgmtk::engine::read_samples(f.string());
  EXPECT_EQ(m.rows(), 2);
  EXPECT_EQ(m.cols(), 2);
  EXPECT_EQ(m(1, 1), 4.0);
  fs::remove(f);
}

TEST(SampleIo, DefectsAreReportedWithTheirPlace) {
  expect_error(tmp("ragged.csv"), "1,2\n3\n", ":2: ragged row: 1 values, the first row has 2");
  expect_error(tmp("nan.csv"), "1,2\n3,nan\n", ":2: value 'nan' is not a finite number");
  expect_error(tmp("inf.csv"), "1,inf\n", ":1: value 'inf' is not a finite number");
  expect_error(tmp("word.csv"), "1,2\n3,abc\n", ":2: 'abc' is not a number");
  expect_error(tmp("empty.csv"), "", "no points in the file");
  expect_error(tmp("junk.npy"), "not numpy at all", "not a NumPy .npy file");
}

TEST(SampleIo, NonFiniteNpyValueIsRejected) {
  Matrix m = Matrix::Zero(2, 2);
  m(1, 1) = std::numeric_limits<double>::quiet_NaN();
  const fs::path f = tmp("nan.npy");
  std::ofstream(f, std::ios::binary) << sgmtk::engine::npy_bytes(m);
  try {
    sgmtk::engine::read_samples(f.string());
    FAIL();
  } catch (const sgmtk::Error& e) {
    EXPECT_NE(std::string(e.what()).find("point 1, coordinate 1 is not a finite number"), std::string::npos) << e.what();
  }
  fs::remove(f);
}

TEST(SampleIo, MissingFileIsNamedWithTheReason) {
  const fs::path f = tmp("absent.csv");
  fs::remove(f);
  const std::string message = read_error(f);
  EXPECT_EQ(message, f.string() + ": cannot open the file (No such file or directory)");
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

}  // namespace
