// Bad values everywhere get a clear, located error -- never a crash, an Eigen assertion or a run
// that starts and fails later. Each case is a whole pipeline; the loader and the planner must
// reject it with a ConfigError whose message starts with the exact `file:line:col: error: ` of
// the offending key or value and says what is wrong (the fragments: the key, the bad value, what
// was expected). config_errors_test.cpp holds the goldens of the loader's structural errors; this
// file covers the values themselves: counts, times, dimensions, covariances, weights, NaN and inf.
#include "engine_fixture.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace {

struct Case {
  const char* name;
  std::string toml;
  const char* location;                // "test.toml:line:col: error: "
  std::vector<std::string> fragments;  // each must appear in the message
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

constexpr const char* kTail = R"(
[[sampler]]
plugin = "euler_maruyama"
[[metric]]
plugin = "w2_gaussian"
)";

// Line 1 is [target]; the target's keys follow from line 2; `rest` after them.
std::string gaussian(const std::string& keys, const std::string& rest = "") {
  return "[target]\nplugin = \"gaussian\"\n" + keys + rest + kTail;
}
std::string mixture(const std::string& keys) { return "[target]\nplugin = \"gaussian_mixture\"\n" + keys + kTail; }
// [process] on line 3, its keys from line 4.
std::string process(const std::string& keys) { return "[target]\nplugin = \"gaussian\"\n[process]\n" + keys + kTail; }
// [run] on line 1, its keys from line 2.
std::string run(const std::string& keys) { return "[run]\n" + keys + "[target]\nplugin = \"gaussian\"\n" + kTail; }
// [sweep] on line 3, its keys from line 4 (after `process_keys` if any, which start on line 4).
std::string sweep(const std::string& keys) { return "[target]\nplugin = \"gaussian\"\n[sweep]\n" + keys + kTail; }

class BadValues : public ::testing::TestWithParam<Case> {
 protected:
  static const sgmtk::engine::PluginRegistry& registry() {
    static const auto r = sgmtk::testing::build_registry();
    return r;
  }
};

void expect_rejected(const Case& c, const sgmtk::engine::PluginRegistry& registry) {
  try {
    const auto spec = sgmtk::engine::parse_pipeline(c.toml, "test.toml");
    sgmtk::engine::plan_pipeline(spec, registry);
    FAIL() << "accepted:\n" << c.toml;
  } catch (const sgmtk::engine::ConfigError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.substr(0, std::string(c.location).size()), c.location) << what;
    for (const auto& f : c.fragments) EXPECT_NE(what.find(f), std::string::npos) << "missing '" << f << "' in: " << what;
  }
  // Any other exception type fails the test (GoogleTest reports it with its what()).
}

TEST_P(BadValues, RejectedWithLocatedClearMessage) { expect_rejected(GetParam(), registry()); }

const Case kCases[] = {
    // --- step counts, horizons, particle counts (the engine's own keys) ---
    {"sweep_steps_negative", sweep("steps = [8, -4]\n"), "test.toml:4:1: error: ", {"sweep.steps", ">= 1", "-4"}},
    {"sweep_steps_not_integer", sweep("steps = [8, 2.5]\n"), "test.toml:4:1: error: ", {"sweep.steps", "integers", "2.5"}},
    {"horizon_zero", process("horizon = 0.0\n"), "test.toml:4:11: error: ", {"horizon", "positive", "0"}},
    {"horizon_negative", process("horizon = -2.0\n"), "test.toml:4:11: error: ", {"horizon", "positive", "-2"}},
    {"sweep_horizon_negative", sweep("horizon = [1.0, -1.0]\n"), "test.toml:4:1: error: ", {"horizon", "positive", "-1"}},
    // Equal values: the message is about early_stop, so it points there.
    {"early_stop_equals_horizon", process("horizon = 1.0\nearly_stop = 1.0\n"), "test.toml:5:14: error: ",
     {"early_stop (1) must be smaller than the horizon (1)"}},
    {"sweep_early_stop_above_horizon", process("horizon = 1.0\n[sweep]\nearly_stop = [0.01, 3.0]\n"), "test.toml:6:1: error: ",
     {"early_stop (3) must be smaller than the horizon (1)"}},
    {"particles_zero", run("particles = 0\n"), "test.toml:2:13: error: ", {"run.particles", ">= 2", "0"}},
    {"particles_negative", run("particles = -100\n"), "test.toml:2:13: error: ", {"run.particles", ">= 2", "-100"}},
    {"particles_one", run("particles = 1\n"), "test.toml:2:13: error: ", {"run.particles", ">= 2", "1"}},
    {"sweep_particles_zero", sweep("particles = [100, 0]\n"), "test.toml:4:1: error: ", {"sweep.particles", ">= 2", "0"}},
    {"replicates_zero", run("replicates = 0\n"), "test.toml:2:14: error: ", {"run.replicates", ">= 1"}},
    {"block_size_negative", run("block_size = -1\n"), "test.toml:2:14: error: ", {"run.block_size", ">= 1"}},
    {"distribute_unknown", run("distribute = \"ranks\"\n"), "test.toml:2:14: error: ",
     {"run.distribute", "\"runs\"", "\"particles\"", "\"ranks\""}},
    {"subsample_one", run("subsample = 1\n"), "test.toml:2:13: error: ", {"run.subsample", ">= 2", "1"}},
    {"divergence_threshold_zero", process("divergence_threshold = 0.0\n"), "test.toml:4:24: error: ",
     {"divergence_threshold", "> 0"}},
    {"score_error_negative", process("score_error = -0.5\n"), "test.toml:4:15: error: ", {"score_error", ">= 0"}},
    {"sweep_score_error_negative", sweep("score_error = [0.0, -1.0]\n"), "test.toml:4:1: error: ", {"score_error", ">= 0"}},

    // --- NaN and infinities written in TOML ---
    {"horizon_inf", process("horizon = inf\n"), "test.toml:4:11: error: ", {"process.horizon", "finite", "inf"}},
    {"early_stop_nan", process("early_stop = nan\n"), "test.toml:4:14: error: ", {"process.early_stop", "finite", "nan"}},
    {"score_error_minus_inf", process("score_error = -inf\n"), "test.toml:4:15: error: ", {"process.score_error", "finite"}},
    {"divergence_threshold_inf", process("divergence_threshold = +inf\n"), "test.toml:4:24: error: ",
     {"divergence_threshold", "finite"}},
    {"particles_nan", run("particles = nan\n"), "test.toml:2:13: error: ", {"run.particles", "integer"}},
    {"sweep_horizon_nan", sweep("horizon = [1.0, nan]\n"), "test.toml:4:17: error: ", {"sweep.horizon", "finite", "nan"}},
    {"gaussian_mean_nan", gaussian("dim = 2\nmean = [0.0, nan]\n"), "test.toml:4:14: error: ", {"mean", "finite", "nan"}},
    {"gaussian_variance_inf", gaussian("variance = inf\n"), "test.toml:3:12: error: ", {"variance", "finite", "inf"}},
    {"gaussian_covariance_nan", gaussian("dim = 2\ncovariance = [[1.0, 0.0], [0.0, nan]]\n"), "test.toml:4:",
     {"covariance", "finite", "nan"}},
    {"mixture_means_inf", mixture("dim = 1\nmeans = [[-inf], [2.0]]\n"), "test.toml:4:", {"means", "finite", "inf"}},
    {"mixture_weights_nan", mixture("dim = 1\nweights = [nan, 0.5]\n"), "test.toml:4:", {"weights", "finite", "nan"}},

    // --- gaussian: dimensions that do not match, non-positive-definite covariances ---
    {"gaussian_mean_length", gaussian("dim = 3\nmean = [1.0, 2.0]\n"), "test.toml:4:1: error: ",
     {"gaussian", "'mean'", "2 entries", "dim = 3"}},
    {"gaussian_diagonal_length", gaussian("dim = 2\ndiagonal = [1.0, 2.0, 3.0]\n"), "test.toml:4:1: error: ",
     {"gaussian", "'diagonal'", "3 entries", "dim = 2"}},
    {"gaussian_covariance_rows", gaussian("dim = 3\ncovariance = [[1.0, 0.0], [0.0, 1.0]]\n"), "test.toml:4:1: error: ",
     {"gaussian", "'covariance'", "2 rows", "dim = 3"}},
    {"gaussian_covariance_ragged", gaussian("dim = 2\ncovariance = [[1.0, 0.0], [0.0]]\n"), "test.toml:4:1: error: ",
     {"gaussian", "'covariance'", "row 2", "1 entries"}},
    {"gaussian_covariance_indefinite", gaussian("dim = 2\ncovariance = [[1.0, 2.0], [2.0, 1.0]]\n"), "test.toml:4:1: error: ",
     {"gaussian", "'covariance'", "positive definite"}},
    {"gaussian_covariance_singular", gaussian("dim = 2\ncovariance = [[1.0, 1.0], [1.0, 1.0]]\n"), "test.toml:4:1: error: ",
     {"gaussian", "'covariance'", "positive definite"}},
    {"gaussian_covariance_asymmetric", gaussian("dim = 2\ncovariance = [[2.0, 0.5], [0.0, 2.0]]\n"), "test.toml:4:1: error: ",
     {"gaussian", "'covariance'", "symmetric"}},
    {"gaussian_variance_zero", gaussian("variance = 0.0\n"), "test.toml:3:1: error: ", {"gaussian", "'variance'", "out of range"}},
    {"gaussian_diagonal_negative", gaussian("dim = 2\ndiagonal = [1.0, -1.0]\n"), "test.toml:4:1: error: ",
     {"gaussian", "'diagonal'", "-1", "out of range"}},
    {"gaussian_dim_zero_swept_mean_mismatch", gaussian("mean = [1.0, 2.0]\n", "[sweep]\ndim = [2, 3]\n"), "test.toml:",
     {"'mean'", "dim = 3"}},

    // --- gaussian_mixture: dimensions, weights, covariances ---
    {"mixture_means_length", mixture("dim = 2\nmeans = [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]\n"), "test.toml:4:1: error: ",
     {"means", "row 1", "3 entries", "dim = 2"}},
    {"mixture_means_rows_vs_weights", mixture("dim = 1\nweights = [0.2, 0.3, 0.5]\nmeans = [[0.0], [1.0]]\n"),
     "test.toml:5:1: error: ", {"means", "2 rows", "3 components"}},
    {"mixture_weights_sum", mixture("dim = 1\nweights = [0.7, 0.7]\n"), "test.toml:4:1: error: ", {"weights", "sum to 1", "1.4"}},
    {"mixture_weights_negative", mixture("dim = 1\nweights = [-0.5, 1.5]\n"), "test.toml:4:1: error: ",
     {"weights", "-0.5", "out of range"}},
    {"mixture_stddev_zero", mixture("dim = 1\nstddev = [0.0]\n"), "test.toml:4:1: error: ", {"stddev", "out of range"}},
    {"mixture_stddev_count", mixture("dim = 1\nstddev = [1.0, 2.0, 3.0]\n"), "test.toml:4:1: error: ", {"stddev", "3 entries"}},
    {"mixture_variances_negative", mixture("dim = 2\nvariances = [[1.0, -1.0]]\n"), "test.toml:4:1: error: ",
     {"variance", "> 0"}},
    {"mixture_variances_length", mixture("dim = 2\nvariances = [[1.0, 1.0, 1.0]]\n"), "test.toml:4:1: error: ",
     {"variances", "3 entries", "dim = 2"}},
    {"mixture_covariances_rows", mixture("dim = 2\ncovariances = [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]\n"),
     "test.toml:4:1: error: ", {"covariances", "3 rows", "dim = 2"}},
    {"mixture_covariances_indefinite", mixture("dim = 2\ncovariances = [[1.0, 3.0], [3.0, 1.0]]\n"), "test.toml:4:1: error: ",
     {"covariance of component 1", "positive definite"}},
    {"mixture_covariances_asymmetric", mixture("dim = 2\ncovariances = [[1.0, 0.5], [0.0, 1.0]]\n"), "test.toml:4:1: error: ",
     {"covariance of component 1", "symmetric"}},
};

INSTANTIATE_TEST_SUITE_P(Pipelines, BadValues, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& i) { return std::string(i.param.name); });

// Time-grid errors (bad steps, early_stop, schedule, horizon) point at the key at fault, written
// or swept -- not at whichever grid key happens to be written.
class GridKeyLocation : public BadValues {};
TEST_P(GridKeyLocation, RejectedAtTheOffendingKey) { expect_rejected(GetParam(), registry()); }

const Case kGridCases[] = {
    {"steps_zero", process("steps = 0\n"), "test.toml:4:9: error: ", {"steps", ">= 1", "0"}},
    {"steps_negative", process("steps = -3\n"), "test.toml:4:9: error: ", {"steps", ">= 1", "-3"}},
    {"early_stop_negative", process("early_stop = -0.1\n"), "test.toml:4:14: error: ", {"early_stop", ">= 0", "-0.1"}},
    {"geometric_needs_positive_early_stop", process("early_stop = 0.0\nschedule = \"geometric\"\n"), "test.toml:5:12: error: ",
     {"geometric", "early_stop > 0"}},
    {"horizon_negative_while_steps_swept", process("horizon = -1.0\n[sweep]\nsteps = [4, 8]\n"), "test.toml:4:11: error: ",
     {"horizon", "positive", "-1"}},
};
INSTANTIATE_TEST_SUITE_P(Pipelines, GridKeyLocation, ::testing::ValuesIn(kGridCases),
                         [](const ::testing::TestParamInfo<Case>& i) { return std::string(i.param.name); });

}  // namespace
