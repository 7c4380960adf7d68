// A set of result files is replaced as a set: when any of them cannot be written, every old file
// stays as it was and no temporary is left behind.
#include <sgmtk/error.hpp>
#include <sgmtk_engine/atomic_file.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(AtomicFiles, AFailedMemberLeavesTheWholeOldSet) {
  const fs::path d = fs::temp_directory_path() / ("sgmtk_atomic_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  const std::string a = (d / "results.csv").string(), b = (d / "summary.json").string();
  sgmtk::engine::write_files_atomically({{a, "old a"}, {b, "old b"}});
  // The second member's temporary cannot be created (a folder stands where it would go).
  fs::create_directories(b + ".sgmtk-tmp." + std::to_string(::getpid()));
  EXPECT_THROW(sgmtk::engine::write_files_atomically({{a, "new a"}, {b, "new b"}}), sgmtk::Error);
  EXPECT_EQ(read(a), "old a");
  EXPECT_EQ(read(b), "old b");
  EXPECT_FALSE(fs::exists(a + ".sgmtk-tmp." + std::to_string(::getpid())));
  fs::remove_all(d);
}

}  // namespace
