// `mpirun --oversubscribe -n 2|3 sgmtk run` on one machine: the result files are the same bytes as
// one process's, for a sweep handed out over ranks and for runs split by particles; a resume
// under MPI redoes nothing finished; set-up errors are reported once. Skipped (with the reason)
// unless the build has MPI (-DSGMTK_MPI=ON) and mpirun is installed.
#include "command.hpp"

#include <sgmtk_engine/communicator.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

using sgmtk::testing::run_command;

using sgmtk::testing::read_file;

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("sgmtk_mpi_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string mpirun(int ranks) {
  // --allow-run-as-root: CI runs as root; --oversubscribe: more ranks than this machine's cores.
  return "mpirun --allow-run-as-root --oversubscribe -n " + std::to_string(ranks) + " ";
}

std::string sgmtk_run(const fs::path& pipeline, const fs::path& out) {
  return std::string(SGMTK_BINARY) + " run --threads 1 " + pipeline.string() + " -o " + out.string();
}

#define REQUIRE_MPI()                                                                                  \
  do {                                                                                                 \
    if (!sgmtk::engine::built_with_mpi()) GTEST_SKIP() << "this build has no MPI (-DSGMTK_MPI=ON)";    \
    if (run_command("command -v mpirun").exit_code != 0) GTEST_SKIP() << "mpirun is not installed"; \
  } while (0)

// Twelve runs of unequal cost (the steps) over two samplers; a floor on one metric.
const char* kSweep = R"([run]
seed = 3
particles = 4000

[target]
plugin = "gaussian"
dim = 3
mean = [1.0, 0.0, -1.0]
diagonal = [0.5, 1.0, 2.0]

[[sampler]]
plugin = "euler_maruyama"

[[sampler]]
plugin = "local_linearization"

[sweep]
steps = [4, 8, 16, 32, 64, 128]

[[metric]]
plugin = "w2_gaussian"
floor = true

[[metric]]
plugin = "w2_sliced"
)";

// Every run split over the ranks: a coupled reference, a summable metric, a subsampled one, and
// two from the distributed sort.
const char* kSplit = R"([run]
seed = 9
particles = 5001
block_size = 32
distribute = "particles"
subsample = 300

[target]
plugin = "gaussian_mixture"
dim = 2
means = [[2.0, 0.0], [-2.0, 1.0]]
weights = [0.4, 0.6]
variances = [[0.5], [1.0]]

[[sampler]]
plugin = "euler_maruyama"

[sweep]
steps = [4, 16]

[[metric]]
plugin = "strong_error"
reference_steps = 64

[[metric]]
plugin = "w2_exact"
floor = true

[[metric]]
plugin = "w2_marginal"
floor = true

[[metric]]
plugin = "w2_sliced"
projections = 16
)";

/// Runs `pipeline` in one process and over 2 and 3 ranks; the result files must be identical.
void expect_same_bytes_over_ranks(const std::string& name, const char* pipeline_text) {
  const fs::path dir = fresh_dir(name);
  const fs::path pipeline = dir / "p.toml";
  std::ofstream(pipeline) << pipeline_text;
  const auto one = run_command(sgmtk_run(pipeline, dir / "one"));
  ASSERT_EQ(one.exit_code, 0) << one.output;
  for (int ranks : {2, 3}) {
    const fs::path out = dir / ("ranks" + std::to_string(ranks));
    const auto many = run_command(mpirun(ranks) + sgmtk_run(pipeline, out));
    ASSERT_EQ(many.exit_code, 0) << many.output;
    EXPECT_NE(many.output.find("over " + std::to_string(ranks) + " MPI ranks"), std::string::npos) << many.output;
    EXPECT_EQ(read_file(out / "results.csv"), read_file(dir / "one" / "results.csv")) << ranks << " ranks";
    EXPECT_EQ(read_file(out / "summary.json"), read_file(dir / "one" / "summary.json")) << ranks << " ranks";
  }
  fs::remove_all(dir);
}

TEST(Mpi, SweepOverRanksWritesTheSameBytes) {
  REQUIRE_MPI();
  expect_same_bytes_over_ranks("sweep", kSweep);
}

TEST(Mpi, RunsSplitByParticlesWriteTheSameBytes) {
  REQUIRE_MPI();
  expect_same_bytes_over_ranks("split", kSplit);
}

TEST(Mpi, EveryRankComputesRuns) {
  REQUIRE_MPI();
  const fs::path dir = fresh_dir("balance");
  std::ofstream(dir / "p.toml") << kSweep;
  const auto r = run_command(mpirun(3) + sgmtk_run(dir / "p.toml", dir / "out"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::istringstream timings(read_file(dir / "out" / "timings.csv"));
  std::string line;
  std::getline(timings, line);
  EXPECT_EQ(line, "run,seconds,rank,source");
  std::set<std::string> ranks;
  int rows = 0;
  while (std::getline(timings, line)) {
    ++rows;
    const auto a = line.find(','), b = line.find(',', a + 1), c = line.find(',', b + 1);
    ranks.insert(line.substr(b + 1, c - b - 1));
    EXPECT_EQ(line.substr(c + 1), "computed");
  }
  EXPECT_EQ(rows, 12);
  // One thread per rank, twelve runs: the workers cannot all have stayed idle.
  EXPECT_GE(ranks.size(), 2u) << read_file(dir / "out" / "timings.csv");
  fs::remove_all(dir);
}

TEST(Mpi, ResumeRedoesNothingFinished) {
  REQUIRE_MPI();
  const fs::path dir = fresh_dir("resume");
  const fs::path pipeline = dir / "p.toml";
  std::ofstream(pipeline) << kSweep;
  const auto whole = run_command(sgmtk_run(pipeline, dir / "whole"));
  ASSERT_EQ(whole.exit_code, 0) << whole.output;
  // An interrupted run: five runs in the journal, no result files yet.
  fs::copy(dir / "whole", dir / "cut", fs::copy_options::recursive);
  for (const char* f : {"results.csv", "summary.json", "timings.csv"}) fs::remove(dir / "cut" / f);
  for (int id = 5; id < 12; ++id) fs::remove(dir / "cut" / ".sgmtk-journal" / ("run-" + std::to_string(id) + ".txt"));

  const auto resumed = run_command(mpirun(2) + sgmtk_run(pipeline, dir / "cut"));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resuming: 5 of 12 run(s)"), std::string::npos) << resumed.output;
  EXPECT_EQ(read_file(dir / "cut" / "results.csv"), read_file(dir / "whole" / "results.csv"));
  EXPECT_EQ(read_file(dir / "cut" / "summary.json"), read_file(dir / "whole" / "summary.json"));
  std::istringstream timings(read_file(dir / "cut" / "timings.csv"));
  std::string line;
  int from_journal = 0;
  while (std::getline(timings, line)) {
    const bool journal = line.size() > 8 && line.substr(line.size() - 8) == ",journal";
    from_journal += journal;
    if (journal) EXPECT_LT(std::stoi(line.substr(0, line.find(','))), 5) << "only finished runs come from the journal";
  }
  EXPECT_EQ(from_journal, 5);
  fs::remove_all(dir);
}

TEST(Mpi, ASetUpErrorIsReportedOnceAndStopsEveryRank) {
  REQUIRE_MPI();
  const fs::path dir = fresh_dir("error");
  std::ofstream(dir / "p.toml") << std::string(kSweep) + "\n[[metric]]\nplugin = \"w2_exakt\"\n";
  const auto r = run_command(mpirun(2) + sgmtk_run(dir / "p.toml", dir / "out"));
  EXPECT_NE(r.exit_code, 0);
  const std::string needle = "no metric plugin named 'w2_exakt'";
  const auto first = r.output.find(needle);
  ASSERT_NE(first, std::string::npos) << r.output;
  EXPECT_EQ(r.output.find(needle, first + 1), std::string::npos) << "reported by rank 0 only:\n" << r.output;
  EXPECT_FALSE(fs::exists(dir / "out" / "results.csv"));
  fs::remove_all(dir);
}

}  // namespace
