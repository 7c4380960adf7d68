// Results are a function of the pipeline only: bit-identical for 1 and 2 threads and for any
// block size (counter-based noise keyed by particle, fixed blocks, fixed-order reductions).
#include "engine_fixture.hpp"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

namespace {

std::string pipeline(int block_size) {
  return R"([run]
seed = 7
particles = 3000
replicates = 2
block_size = )" + std::to_string(block_size) + R"(
[target]
plugin = "gaussian"
dim = 3
mean = [1.0, -0.5, 0.25]
diagonal = [0.5, 2.0, 1.0]
[process]
horizon = 3.0
early_stop = 0.01
start = "exact"
[[sampler]]
plugin = "euler_maruyama"
[sweep]
steps = [5, 20]
[[metric]]
plugin = "w2_gaussian"
)";
}

TEST(Determinism, SameBitsForOneAndTwoThreadsAndAnyBlockSize) {
  const auto registry = sgmtk::testing::build_registry();
  std::string one_thread;
  {
    tbb::global_control c(tbb::global_control::max_allowed_parallelism, 1);
    one_thread = sgmtk::testing::run_to_csv(pipeline(512), registry);
  }
  std::string two_threads;
  {
    tbb::global_control c(tbb::global_control::max_allowed_parallelism, 2);
    two_threads = sgmtk::testing::run_to_csv(pipeline(512), registry);
  }
  const std::string small_blocks = sgmtk::testing::run_to_csv(pipeline(37), registry);
  EXPECT_EQ(one_thread, two_threads);
  EXPECT_EQ(one_thread, small_blocks);
  // And the runs are real: a header and four rows, all ok.
  EXPECT_EQ(std::count(one_thread.begin(), one_thread.end(), '\n'), 5);
  std::size_t ok_rows = 0;
  for (std::size_t at = one_thread.find(",ok,"); at != std::string::npos; at = one_thread.find(",ok,", at + 1)) ++ok_rows;
  EXPECT_EQ(ok_rows, 4u) << one_thread;
}

TEST(Determinism, DifferentSeedsGiveDifferentResults) {
  const auto registry = sgmtk::testing::build_registry();
  std::string other = pipeline(512);
  other.replace(other.find("seed = 7"), 8, "seed = 8");
  EXPECT_NE(sgmtk::testing::run_to_csv(pipeline(512), registry), sgmtk::testing::run_to_csv(other, registry));
}

}  // namespace
