// The memory check as users meet it (issue 14 item 14): `validate` and `run` refuse a sweep whose
// estimate -- particles, the coupled reference, each metric's own work, the targets' state, the
// threads' scratch -- exceeds --max-memory, before any target is built; the estimate saturates
// instead of wrapping; more than 10^6 runs is refused; validate checks the output folder.
#include "command.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using sgmtk::testing::run_command;

const std::string kSgmtk = SGMTK_BINARY;

fs::path temp_dir(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("sgmtk_memory_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

// A one-run pipeline on a diagonal gaussian of dimension `dim`; `run_extra` goes in [run],
// `metric` is the whole [[metric]] table.
fs::path write_pipeline(const fs::path& dir, long long dim, const std::string& metric, const std::string& run_extra = "",
                        const std::string& tail = "") {
  const fs::path file = dir / "pipeline.toml";
  std::ofstream(file) << "[run]\nname = \"memory\"\noutput = \"" << (dir / "out").string() << "\"\n"
                      << run_extra << "\n[target]\nplugin = \"gaussian\"\ndim = " << dim
                      << "\n\n[process]\nsteps = 4\n\n[[sampler]]\nplugin = \"euler_maruyama\"\n\n[[metric]]\n"
                      << metric << "\n" << tail;
  return file;
}

long children_max_rss_kib() {
  rusage usage{};
  ::getrusage(RUSAGE_CHILDREN, &usage);
  return usage.ru_maxrss;
}

TEST(MemoryEstimate, ValidatingALargeDiagonalGaussianBuildsNoDxDState) {
  // d = 12540 with S = I: once 2 x 8 d^2 = 2.5 GB of identity and covariance matrices at plan
  // time. Its state is O(d) now; 500 MB is far below the old cost and far above the new one.
  const fs::path dir = temp_dir("large_dim");
  const auto file = write_pipeline(dir, 12540, "plugin = \"w2_sliced\"\nprojections = 10", "particles = 100");
  const auto r = run_command(kSgmtk + " validate " + file.string() + " --max-memory 64G");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_LT(children_max_rss_kib(), 500L * 1024) << "validate of a d = 12540 diagonal gaussian used this much memory";
  fs::remove_all(dir);
}

TEST(MemoryEstimate, AMetricsOwnDxDWorkIsCounted) {
  // w2_gaussian holds about 28 d x d matrices: 28 x 8 x 12540^2 = 35 GB, whatever the particles.
  const fs::path dir = temp_dir("metric_work");
  const auto gaussian = write_pipeline(dir, 12540, "plugin = \"w2_gaussian\"", "particles = 100");
  const auto r = run_command(kSgmtk + " validate " + gaussian.string() + " --max-memory 8G --threads 1");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("pipeline.toml:5:1: error: this sweep needs about"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("more than the limit of 8.0 GiB (--max-memory)"), std::string::npos) << r.output;
  // The same dimension with a metric whose work is O(n d) fits.
  const auto sliced = write_pipeline(dir, 12540, "plugin = \"w2_sliced\"\nprojections = 10", "particles = 100");
  const auto ok = run_command(kSgmtk + " validate " + sliced.string() + " --max-memory 8G --threads 1");
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  fs::remove_all(dir);
}

TEST(MemoryEstimate, AMetricsSamplesAreCountedByValidateAndRunAlike) {
  // 10^12 exact target samples in d = 2: cloud B (2 x 8 bytes each) and, for 2 workers, their
  // projections on 8 directions and two sort buffers (2 x 10 x 8 bytes each): 1.76e14 B = 160.1 TiB.
  const fs::path dir = temp_dir("metric_samples");
  const auto file = write_pipeline(dir, 2, "plugin = \"w2_sliced\"\nsamples = 1000000000000", "particles = 100");
  const auto v = run_command(kSgmtk + " validate " + file.string() + " --max-memory 8G --threads 2");
  EXPECT_EQ(v.exit_code, 2) << v.output;
  EXPECT_NE(v.output.find("this sweep needs about 160.1 TiB"), std::string::npos) << v.output;
  const auto r = run_command(kSgmtk + " run " + file.string() + " --max-memory 8G --threads 2");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("this sweep needs about 160.1 TiB"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "out")) << "a refused run must not create its output folder";
  fs::remove_all(dir);
}

TEST(MemoryEstimate, AnEnormousBlockSizeOrDimensionSaturatesInsteadOfWrapping) {
  // block_size = 2^63 - 1 once made the scratch term overflow: a block is at most the particles,
  // so 100 particles in d = 1 cost kilobytes whatever the block_size.
  const fs::path dir = temp_dir("saturate");
  const auto block = write_pipeline(dir, 1, "plugin = \"w2_sliced\"", "particles = 100\nblock_size = 9223372036854775807");
  const auto b = run_command(kSgmtk + " validate " + block.string() + " --max-memory 1M --threads 1");
  EXPECT_EQ(b.exit_code, 0) << b.output;
  EXPECT_NE(b.output.find(" KiB at peak with 1 thread(s)"), std::string::npos) << b.output;
  // 2^40 dimensions times 2^31 particles is beyond 2^64 bytes: it must read as the largest count.
  const auto huge = write_pipeline(dir, 1099511627776, "plugin = \"w2_sliced\"", "particles = 2147483648");
  const auto h = run_command(kSgmtk + " validate " + huge.string() + " --max-memory 8G");
  EXPECT_EQ(h.exit_code, 2) << h.output;
  EXPECT_NE(h.output.find("this sweep needs about 16.0 EiB"), std::string::npos) << h.output;
  fs::remove_all(dir);
}

// "about 1.5 MiB at peak" -> bytes (the validate line's estimate).
double estimate_in(const std::string& output) {
  const auto at = output.find("; about ");
  if (at == std::string::npos) return -1;
  std::istringstream in(output.substr(at + 8));
  double v = 0;
  std::string unit;
  in >> v >> unit;
  const std::string units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  for (int u = 0; u < 5; ++u, v *= 1024)
    if (unit == units[u]) return v;
  return -1;
}

TEST(MemoryEstimate, EveryCoupledReferenceTheSweepKeepsIsCounted) {
  // strong_error's reference is one cloud per (target, sampler, replicate, ...), kept by the
  // executor to the end of the sweep: 20 replicates hold 20 clouds of 10^5 x 10 doubles (8 MB
  // each), whatever the threads.
  const fs::path dir = temp_dir("references");
  const std::string metric = "plugin = \"strong_error\"\nreference_steps = 8";
  const auto one = run_command(kSgmtk + " validate --threads 1 " +
                               write_pipeline(dir, 10, metric, "particles = 100000\nreplicates = 1").string());
  const auto twenty = run_command(kSgmtk + " validate --threads 1 " +
                                  write_pipeline(dir, 10, metric, "particles = 100000\nreplicates = 20").string());
  ASSERT_EQ(one.exit_code, 0) << one.output;
  ASSERT_EQ(twenty.exit_code, 0) << twenty.output;
  const double cloud = 8.0 * 1e5 * 10;
  EXPECT_NEAR(estimate_in(twenty.output) - estimate_in(one.output), 19 * cloud, 0.5 * cloud) << one.output << twenty.output;
  fs::remove_all(dir);
}

TEST(MemoryEstimate, MoreThanAMillionRunsIsRefusedAtTheAxisThatCrossesIt) {
  const fs::path dir = temp_dir("run_cap");
  std::string steps = "steps = [";
  for (int i = 1; i <= 1001; ++i) steps += std::to_string(i) + (i < 1001 ? ", " : "]\n");
  std::string replicates = "replicate = [";
  for (int i = 0; i < 1000; ++i) replicates += std::to_string(i) + (i < 999 ? ", " : "]\n");
  const auto file = write_pipeline(dir, 1, "plugin = \"w2_sliced\"", "", "[sweep]\n" + replicates + steps);
  const auto r = run_command(kSgmtk + " validate " + file.string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  // 1000 replicates x 1001 step counts: the steps axis (line 19) crosses 10^6.
  EXPECT_NE(r.output.find("pipeline.toml:19:1: error: this pipeline asks for more than 1000000 runs"), std::string::npos)
      << r.output;
  fs::remove_all(dir);
}

TEST(MemoryEstimate, ValidateRefusesAnOutputFolderRunCouldNotWrite) {
  // Checked by path, not by permission bits: CI runs as root, which writes through any mode.
  const fs::path dir = temp_dir("output");
  const auto file = write_pipeline(dir, 1, "plugin = \"w2_sliced\"");
  std::ofstream(dir / "a_file") << "x";
  const auto under_file = run_command(kSgmtk + " validate " + file.string() + " -o " + (dir / "a_file" / "results").string());
  EXPECT_EQ(under_file.exit_code, 2) << under_file.output;
  EXPECT_NE(under_file.output.find("where it would be created, is not a folder"), std::string::npos) << under_file.output;
  const auto is_file = run_command(kSgmtk + " validate " + file.string() + " -o " + (dir / "a_file").string());
  EXPECT_EQ(is_file.exit_code, 2) << is_file.output;
  EXPECT_NE(is_file.output.find("a_file is not a folder"), std::string::npos) << is_file.output;
  const auto ok = run_command(kSgmtk + " validate " + file.string());
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("results in " + (dir / "out").string()), std::string::npos) << ok.output;
  EXPECT_FALSE(fs::exists(dir / "out")) << "validate must not create the output folder";
  fs::remove_all(dir);
}

}  // namespace
