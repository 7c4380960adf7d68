// libFuzzer target over the sample-file readers (sgmtk metric / sgmtk probe --points): the input
// bytes become a file (in memory), read by both read_npy_samples and read_csv_samples. The
// contract under test (sample_io.hpp): whatever the bytes, a reader either returns points -- at
// least one, of dimension at least one, all finite -- or throws sgmtk::Error whose message starts
// with the file's name and a colon. What it returns must also survive the writer: npy_bytes or
// csv_text of it reads back as the same matrix. Anything else is a finding, and we abort so that
// libFuzzer saves the input: another exception type, a message not naming the file, empty or
// non-finite output, a round trip that changes a value, a crash, a sanitizer report, a hang, a
// leak, or an allocation above -malloc_limit_mb (a header believed without checking it against
// the file's size).
//
// Run (see tests/fuzz/README.md): build-fuzz/tests/fuzz/sgmtk_samples_fuzzer tests/fuzz/samples_corpus
#include <sgmtk/error.hpp>
#include <sgmtk_engine/sample_io.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include <sys/mman.h>
#include <unistd.h>

namespace {

[[noreturn]] void finding(const char* what, const std::string& detail) {
  std::fprintf(stderr, "samples_fuzzer FINDING: %s: %s\n", what, detail.c_str());
  std::abort();
}

// An in-memory file, reached by a path: the readers take a path and refuse anything that is not
// a regular file, which a memfd is (a tmpfs file without a name). Nothing touches the disk --
// rewriting a real file for every input is slow (on ext4 a truncated file is flushed on close)
// -- and nothing is left behind, whichever way libFuzzer exits.
class MemoryFile {
 public:
  explicit MemoryFile(const char* name) : fd_(::memfd_create(name, MFD_CLOEXEC)) {
    if (fd_ < 0) finding("memfd_create failed", name);
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  const std::string& path() const { return path_; }
  void write(const char* data, std::size_t size) {
    if (::ftruncate(fd_, 0) != 0) finding("ftruncate failed", path_);
    for (std::size_t done = 0; done < size;) {
      const ssize_t n = ::pwrite(fd_, data + done, size - done, static_cast<off_t>(done));
      if (n <= 0) finding("write failed", path_);
      done += static_cast<std::size_t>(n);
    }
  }

 private:
  int fd_;
  std::string path_;
};

MemoryFile& input_file() {
  static MemoryFile f("sgmtk_samples_fuzzer_input");
  return f;
}
MemoryFile& back_file() {
  static MemoryFile f("sgmtk_samples_fuzzer_back");
  return f;
}

using Reader = sgmtk::Matrix (*)(const std::string&);

/// Reads the file `name` with `read`: the matrix (valid by the contract), or an empty one after a
/// well-formed refusal.
sgmtk::Matrix read_checked(Reader read, const std::string& name, const char* format) {
  try {
    sgmtk::Matrix m = read(name);
    if (m.rows() < 1 || m.cols() < 1) finding("accepted an empty cloud", format);
    if (!m.allFinite()) finding("accepted a non-finite value", format);
    return m;
  } catch (const sgmtk::Error& e) {
    const std::string message = e.what();
    if (message.rfind(name + ":", 0) != 0) finding("an error that does not start with the file's name", message);
  } catch (const std::exception& e) {
    finding("an exception other than sgmtk::Error escaped the reader", std::string(format) + ": " + e.what());
  } catch (...) {
    finding("a non-std exception escaped the reader", format);
  }
  return {};
}

/// What the writer makes of `m` must read back as `m`, exactly.
void round_trip(const sgmtk::Matrix& m, Reader read, const std::string& bytes, const char* format) {
  back_file().write(bytes.data(), bytes.size());
  const sgmtk::Matrix again = read_checked(read, back_file().path(), format);
  if (again.rows() != m.rows() || again.cols() != m.cols() || again != m) finding("the written file reads back differently", format);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  MemoryFile& input = input_file();
  input.write(reinterpret_cast<const char*>(data), size);
  const sgmtk::Matrix npy = read_checked(&sgmtk::engine::read_npy_samples, input.path(), ".npy");
  if (npy.size() != 0) round_trip(npy, &sgmtk::engine::read_npy_samples, sgmtk::engine::npy_bytes(npy), ".npy round trip");
  const sgmtk::Matrix csv = read_checked(&sgmtk::engine::read_csv_samples, input.path(), "CSV");
  if (csv.size() != 0) round_trip(csv, &sgmtk::engine::read_csv_samples, sgmtk::engine::csv_text(csv), "CSV round trip");
  return 0;
}
