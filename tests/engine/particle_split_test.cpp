// distribute = "particles" in one process: the chunks and shares, and agreement with the whole
// run -- summable metrics to rounding, subsampled metrics bit for bit with a run of that size,
// divergence reported the same way. (tests/e2e/mpi_test.cpp runs the same over 2 and 3 ranks.)
#include "engine_fixture.hpp"

#include <sgmtk_engine/communicator.hpp>
#include <sgmtk_engine/distributed_sweep.hpp>
#include <sgmtk_engine/particle_split.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <regex>

namespace {

using namespace sgmtk;
using namespace sgmtk::engine;

const PluginRegistry& registry() {
  static const PluginRegistry r = sgmtk::testing::build_registry();
  return r;
}

struct Runs {
  RunPlan plan;
  std::vector<RunOutcome> outcomes;
};

Runs run(const std::string& toml, bool split) {
  Runs r;
  r.plan = plan_pipeline(parse_pipeline(toml, "test.toml"), registry());
  if (split) {
    auto one = single_process();
    r.outcomes = execute_split(r.plan, {}, *one);
  } else {
    r.outcomes = execute(r.plan, {});
  }
  return r;
}

std::string with_run(const std::string& toml, const std::string& run_keys) {
  return std::regex_replace(toml, std::regex("\\[run\\]\n"), "[run]\n" + run_keys);
}

const std::string kGaussian = R"([run]
seed = 11
particles = 3000
block_size = 64

[target]
plugin = "gaussian"
dim = 3
mean = [1.0, 0.0, -1.0]
diagonal = [0.5, 1.0, 2.0]

[[sampler]]
plugin = "euler_maruyama"

[sweep]
steps = [8, 32]

[[metric]]
plugin = "w2_gaussian"
floor = true

[[metric]]
plugin = "w2_exact"
floor = true

[[metric]]
plugin = "w2_marginal"
floor = true

[[metric]]
plugin = "w2_sliced"
projections = 24
)";

const std::string kMixture = R"([run]
seed = 5
particles = 2500
block_size = 32

[target]
plugin = "gaussian_mixture"
dim = 2
means = [[2.0, 0.0], [-2.0, 1.0]]
weights = [0.4, 0.6]
variances = [[0.5], [1.0]]

[process]
horizon = 2.0

[[sampler]]
plugin = "euler_maruyama"

[[sampler]]
plugin = "exponential_integrator"

[sweep]
steps = [4, 8, 16]

[[metric]]
plugin = "strong_error"
reference_steps = 128
)";

void expect_close(double a, double b, double rel, const std::string& what) {
  EXPECT_LE(std::abs(a - b), rel * std::max(std::abs(a), std::abs(b))) << what << ": " << a << " vs " << b;
}

TEST(ParticleSplit, ChunksAreWholeBlocksAndDoNotDependOnRanks) {
  for (Index n : {2, 63, 64, 65, 1000, 100003, 10000000}) {
    for (Index block : {1, 64, 512}) {
      const Index chunk = reduction_chunk(n, block);
      EXPECT_EQ(chunk % block, 0);
      EXPECT_LE((n + chunk - 1) / chunk, 256) << n << " " << block;
      for (int ranks = 1; ranks <= 7; ++ranks) {
        Index next = 0;
        for (int r = 0; r < ranks; ++r) {
          const ParticleShare s = particle_share(n, chunk, r, ranks);
          EXPECT_EQ(s.first, next) << "shares are contiguous, in rank order";
          EXPECT_TRUE(s.count == 0 || s.first % chunk == 0) << "shares start on a chunk";
          next += s.count;
        }
        EXPECT_EQ(next, n) << "shares cover every particle once";
      }
    }
  }
}

TEST(ParticleSplit, SummableMetricsAgreeWithTheWholeRun) {
  const Runs whole = run(kGaussian, false);
  const Runs split = run(with_run(kGaussian, "distribute = \"particles\"\nsubsample = 3000\n"), true);
  ASSERT_EQ(whole.outcomes.size(), split.outcomes.size());
  for (std::size_t i = 0; i < whole.outcomes.size(); ++i) {
    const auto& w = whole.outcomes[i].metrics;
    const auto& s = split.outcomes[i].metrics;
    ASSERT_EQ(split.outcomes[i].status, RunStatus::ok) << split.outcomes[i].message;
    ASSERT_EQ(s.size(), 4u);
    // w2_gaussian: the same moments summed about the target's mean instead of the sample mean.
    expect_close(s[0].value.value, w[0].value.value, 1e-10, "w2_gaussian value");
    expect_close(s[0].value.stderr_, w[0].value.stderr_, 1e-7, "w2_gaussian jackknife stderr");
    expect_close(s[0].floor->value, w[0].floor->value, 1e-10, "w2_gaussian floor");
    // w2_exact cannot be split: with subsample = n it is computed on every particle, bit for bit.
    EXPECT_EQ(s[1].value.value, w[1].value.value);
    EXPECT_EQ(s[1].floor->value, w[1].floor->value);
    // w2_marginal, w2_sliced: the 1-D W2^2 from the distributed sort, summed in index order.
    expect_close(s[2].value.value, w[2].value.value, 1e-12, "w2_marginal");
    expect_close(s[2].floor->value, w[2].floor->value, 1e-12, "w2_marginal floor");
    expect_close(s[3].value.value, w[3].value.value, 1e-12, "w2_sliced");
    expect_close(s[3].value.stderr_, w[3].value.stderr_, 1e-9, "w2_sliced stderr");
    for (int m = 2; m < 4; ++m) EXPECT_EQ(s[m].value.note.find("subsample"), std::string::npos) << "computed on all particles";
  }
  const Runs mixture_whole = run(kMixture, false);
  const Runs mixture_split = run(with_run(kMixture, "distribute = \"particles\"\n"), true);
  for (std::size_t i = 0; i < mixture_whole.outcomes.size(); ++i) {
    const auto& w = mixture_whole.outcomes[i].metrics.at(0).value;
    const auto& s = mixture_split.outcomes[i].metrics.at(0).value;
    // strong_error: Chan's merge of per-chunk centred sums vs one two-pass sum.
    expect_close(s.value, w.value, 1e-12, "strong_error");
    expect_close(s.stderr_, w.stderr_, 1e-9, "strong_error stderr");
    EXPECT_EQ(s.details.at(2).second, w.details.at(2).second) << "max squared distance";
  }
}

TEST(ParticleSplit, OtherMetricsUseTheFirstParticlesExactly) {
  // The first 400 particles of a split run are the particles of a 400-particle run (noise is keyed
  // by particle number), so w2_exact on the subsample equals w2_exact of that run, bit for bit.
  const Runs small = run(std::regex_replace(kGaussian, std::regex("particles = 3000"), "particles = 400"), false);
  const Runs split = run(with_run(kGaussian, "distribute = \"particles\"\nsubsample = 400\n"), true);
  for (std::size_t i = 0; i < small.outcomes.size(); ++i) {
    const MetricOutcome& s = split.outcomes[i].metrics.at(1);
    const MetricOutcome& w = small.outcomes[i].metrics.at(1);
    EXPECT_EQ(s.value.value, w.value.value);
    EXPECT_EQ(s.floor->value, w.floor->value);
    EXPECT_NE(s.value.note.find("computed on the first 400 of 3000 particles"), std::string::npos) << s.value.note;
  }
}

TEST(ParticleSplit, ProjectedMetricsWithAnotherSampleSizeUseTheSubsample) {
  // w2_marginal with samples != n is not a comparison of equal-size projections: subsample.
  const std::string toml = std::regex_replace(with_run(kGaussian, "distribute = \"particles\"\nsubsample = 400\n"),
                                              std::regex("plugin = \"w2_marginal\"\n"), "plugin = \"w2_marginal\"\nsamples = 500\n");
  const Runs split = run(toml, true);
  for (const auto& o : split.outcomes) {
    ASSERT_EQ(o.status, RunStatus::ok) << o.message;
    EXPECT_NE(o.metrics.at(2).value.note.find("computed on the first 400 of 3000 particles"), std::string::npos);
  }
}

TEST(ParticleSplit, DivergenceIsReportedAsInTheWholeRun) {
  const std::string diverging =
      std::regex_replace(kMixture, std::regex("horizon = 2.0"), "horizon = 2.0\ndivergence_threshold = 2.5");
  const Runs whole = run(diverging, false);
  const Runs split = run(with_run(diverging, "distribute = \"particles\"\n"), true);
  bool any = false;
  for (std::size_t i = 0; i < whole.outcomes.size(); ++i) {
    EXPECT_EQ(split.outcomes[i].status, whole.outcomes[i].status);
    EXPECT_EQ(split.outcomes[i].message, whole.outcomes[i].message);
    any = any || whole.outcomes[i].status != RunStatus::ok;
  }
  EXPECT_TRUE(any) << "the threshold must make some run diverge (or fail through its reference)";
}

TEST(ParticleSplit, ResultFilesRecordTheMode) {
  const Runs split = run(with_run(kGaussian, "distribute = \"particles\"\nsubsample = 400\n"), true);
  EXPECT_NE(summary_json(split.plan, split.outcomes).find("\"distribute\": \"particles\", \"subsample\": 400"), std::string::npos);
}

TEST(SweepBatches, RunsSharingAReferenceGoTogetherLargestFirst) {
  const RunPlan plan = plan_pipeline(parse_pipeline(kMixture, "test.toml"), registry());
  const auto batches = sweep_batches(plan, nullptr);
  ASSERT_EQ(batches.size(), 2u) << "one batch per sampler: its three step counts share one reference";
  for (const auto& b : batches) {
    ASSERT_EQ(b.size(), 3u);
    for (std::size_t i : b) EXPECT_EQ(coupled_reference_key(plan, plan.runs[i]), coupled_reference_key(plan, plan.runs[b[0]]));
  }
  // Without a reference: one run per batch, the most particle-steps first.
  const RunPlan plain = plan_pipeline(parse_pipeline(kGaussian, "test.toml"), registry());
  const auto singles = sweep_batches(plain, nullptr);
  ASSERT_EQ(singles.size(), 2u);
  EXPECT_EQ(plain.runs[singles[0][0]].point.steps, 32);
  // Finished runs (resume) are not handed out again.
  std::map<Index, RunOutcome> finished{{plain.runs[singles[0][0]].id, RunOutcome{}}};
  EXPECT_EQ(sweep_batches(plain, &finished).size(), 1u);
}

}  // namespace
