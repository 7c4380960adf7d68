// Killing `sgmtk run` mid-sweep loses nothing: the output folder holds only complete files, and
// re-running the same command resumes (skipping finished runs) to results identical to an
// uninterrupted run.
#include "command.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;

const char* kPipeline = R"([run]
seed = 11
particles = 8000
replicates = 4
[target]
plugin = "gaussian"
dim = 6
mean = [0.5]
variance = 2.0
[process]
horizon = 4.0
[[sampler]]
plugin = "euler_maruyama"
[sweep]
steps = [40, 80, 160, 320]
[[metric]]
plugin = "w2_gaussian"
)";

using sgmtk::testing::read_file;

std::size_t journal_entries(const fs::path& out) {
  std::size_t n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(out / ".sgmtk-journal", ec))
    if (e.path().filename().string().rfind("run-", 0) == 0 && e.path().extension() == ".txt") ++n;
  return n;
}

TEST(Resume, KilledRunResumesToIdenticalResults) {
  const fs::path dir = fs::temp_directory_path() / ("sgmtk_resume_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path pipeline = dir / "p.toml";
  std::ofstream(pipeline) << kPipeline;

  // Reference: one uninterrupted run.
  const auto whole = sgmtk::testing::run_command(std::string(SGMTK_BINARY) + " run -q --threads 2 " + pipeline.string() + " -o " +
                                                 (dir / "whole").string());
  ASSERT_EQ(whole.exit_code, 0) << whole.output;

  // The same run, killed (SIGKILL: no chance to clean up) once a few runs are done.
  const fs::path out = dir / "killed";
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execl(SGMTK_BINARY, SGMTK_BINARY, "run", "-q", "--threads", "2", pipeline.c_str(), "-o", out.c_str(), static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (journal_entries(out) < 3 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  const std::size_t done_before_kill = journal_entries(out);
  ASSERT_GE(done_before_kill, 3u);
  ASSERT_LT(done_before_kill, 16u) << "the run finished before it could be killed: make the pipeline longer";
  EXPECT_FALSE(fs::exists(out / "results.csv")) << "results are written only at the end";
  // Every journal entry is complete (atomic writes): each ends with its "end" line.
  for (const auto& e : fs::directory_iterator(out / ".sgmtk-journal")) {
    if (e.path().filename().string().rfind("run-", 0) != 0 || e.path().extension() != ".txt") continue;
    const std::string text = read_file(e.path());
    EXPECT_GE(text.size(), 4u);
    EXPECT_EQ(text.substr(text.size() - 4), "end\n") << e.path();
  }

  // Re-run: resumes, skips what was finished, and ends with the same results.
  const auto resumed = sgmtk::testing::run_command(std::string(SGMTK_BINARY) + " run --threads 2 " + pipeline.string() + " -o " + out.string());
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resuming: "), std::string::npos) << resumed.output;
  // Wall times live in timings.csv; the result files are the same bytes.
  EXPECT_EQ(read_file(out / "results.csv"), read_file(dir / "whole" / "results.csv"));
  EXPECT_EQ(read_file(out / "summary.json"), read_file(dir / "whole" / "summary.json"));
  EXPECT_NE(read_file(out / "timings.csv").find(",journal\n"), std::string::npos) << "finished runs are taken from the journal";
  for (const auto& e : fs::directory_iterator(out))
    EXPECT_EQ(e.path().filename().string().find("sgmtk-tmp"), std::string::npos) << "left over: " << e.path();
  fs::remove_all(dir);
}

TEST(Resume, ChangedPipelineStartsOver) {
  const fs::path dir = fs::temp_directory_path() / ("sgmtk_resume2_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string small = kPipeline;
  small.replace(small.find("particles = 8000"), 16, "particles = 500");
  std::ofstream(dir / "a.toml") << small;
  const std::string run = std::string(SGMTK_BINARY) + " run --threads 2 ";
  ASSERT_EQ(sgmtk::testing::run_command(run + (dir / "a.toml").string() + " -o " + (dir / "o").string()).exit_code, 0);
  small.replace(small.find("seed = 11"), 9, "seed = 12");
  std::ofstream(dir / "a.toml") << small;
  const auto r = sgmtk::testing::run_command(run + (dir / "a.toml").string() + " -o " + (dir / "o").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("held results of a different pipeline; starting over"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("resuming"), std::string::npos) << r.output;
  fs::remove_all(dir);
}

}  // namespace
