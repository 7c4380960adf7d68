// Golden tests for pipeline errors: each broken pipeline must be rejected with exactly this
// `file:line:col: error: ...` message (the location is part of the contract: editors jump to it).
#include "engine_fixture.hpp"

#include <gtest/gtest.h>

namespace {

struct Case {
  const char* name;
  const char* toml;
  const char* expected;  // the full message
};

constexpr const char* kValidTail = R"(
[[sampler]]
plugin = "euler_maruyama"
[[metric]]
plugin = "w2_gaussian"
)";

std::string with_tail(const char* head) { return std::string(head) + kValidTail; }

class ConfigErrors : public ::testing::TestWithParam<Case> {
 protected:
  static const sgmtk::engine::PluginRegistry& registry() {
    static const auto r = sgmtk::testing::build_registry();
    return r;
  }
};

TEST_P(ConfigErrors, MessageAndLocation) {
  const Case& c = GetParam();
  try {
    const auto spec = sgmtk::engine::parse_pipeline(with_tail(c.toml), "test.toml");
    sgmtk::engine::plan_pipeline(spec, registry());
    FAIL() << "accepted: " << c.toml;
  } catch (const sgmtk::engine::ConfigError& e) {
    // The message starts with the golden text (some append a list of what is available).
    EXPECT_EQ(std::string(e.what()).substr(0, std::string(c.expected).size()), std::string(c.expected)) << e.what();
  }
}

const Case kCases[] = {
    {"typo_in_run_key", "[run]\nparticels = 10\n[target]\nplugin = \"gaussian\"\n",
     "test.toml:2:1: error: unknown key 'particels' in [run]; did you mean 'particles'?"},
    {"toml_syntax", "[run\nseed = 1\n[target]\nplugin = \"gaussian\"\n",
     "test.toml:1:5: error: Error while parsing table header: expected ']', saw '\\n'"},
    {"unknown_table", "[runn]\nseed = 1\n[target]\nplugin = \"gaussian\"\n",
     "test.toml:1:2: error: unknown key 'runn' in the pipeline file; did you mean 'run'?"},
    {"unknown_target_plugin", "[target]\nplugin = \"gausian\"\n",
     "test.toml:2:10: error: no target plugin named 'gausian'; did you mean 'gaussian'?"},
    {"target_param_typo", "[target]\nplugin = \"gaussian\"\nmeen = [1.0]\n",
     "test.toml:3:1: error: target 'gaussian': unknown parameter 'meen'; did you mean 'mean'?"},
    {"target_param_range", "[target]\nplugin = \"gaussian\"\ndim = 0\n",
     "test.toml:3:1: error: target 'gaussian': parameter 'dim' = 0 is out of range (expected integer >= 1)"},
    {"swept_dim_out_of_range", "[target]\nplugin = \"gaussian\"\n[sweep]\ndim = [2, -1]\n",
     "test.toml:4:1: error: target 'gaussian': parameter 'dim' = -1 is out of range (expected integer >= 1)"},
    {"sweep_key_typo", "[target]\nplugin = \"gaussian\"\n[sweep]\nstep = [4, 8]\n",
     "test.toml:4:1: error: unknown sweep key 'step'; did you mean 'steps'?"},
    {"sweep_steps_zero", "[target]\nplugin = \"gaussian\"\n[sweep]\nsteps = [0, 8]\n",
     "test.toml:4:1: error: sweep.steps values must be >= 1, got 0"},
    {"early_stop_not_below_horizon", "[target]\nplugin = \"gaussian\"\n[process]\nhorizon = 1.0\nearly_stop = 2.0\n",
     "test.toml:5:14: error: process.early_stop (2) must be smaller than the horizon (1)"},
    {"non_finite_horizon", "[target]\nplugin = \"gaussian\"\n[process]\nhorizon = nan\n",
     "test.toml:4:11: error: process.horizon must be a finite number, got nan"},
    {"bad_start", "[target]\nplugin = \"gaussian\"\n[process]\nstart = \"exakt\"\n",
     "test.toml:4:9: error: process.start = \"exakt\" is not allowed (expected \"gaussian\" for N(0, I) or \"exact\" for p_T)"},
    {"negative_seed", "[run]\nseed = -3\n[target]\nplugin = \"gaussian\"\n",
     "test.toml:2:8: error: run.seed must be in [0, 4294967295], got -3"},
    {"no_target", "[run]\nseed = 1\n", "test.toml:1:1: error: the pipeline has no [target] table (e.g. [target] plugin = \"gaussian\")"},
    // Control characters (issue 14 item 6): a NUL cuts a path short at the system call, so the
    // journal reset of run.output = "keep\0x" would remove the folder "keep". Every string and
    // key of the pipeline is checked; the location is the string's (or key's) first character.
    {"nul_in_run_output", "[run]\noutput = \"keep\\u0000x\"\n[target]\nplugin = \"gaussian\"\n",
     "test.toml:2:10: error: run.output contains a control character (U+0000)"},
    {"nul_in_run_name", "[run]\nname = \"keep\\u0000\"\n[target]\nplugin = \"gaussian\"\n",
     "test.toml:2:8: error: run.name contains a control character (U+0000)"},
    {"tab_in_run_name", "[run]\nname = \"a\\tb\"\n[target]\nplugin = \"gaussian\"\n",
     "test.toml:2:8: error: run.name contains a control character (U+0009)"},
    {"raw_tab_in_run_name", "[run]\nname = \"a\tb\"\n[target]\nplugin = \"gaussian\"\n",
     "test.toml:2:8: error: run.name contains a control character (U+0009)"},
    {"raw_c1_in_run_output", "[run]\noutput = \"out/\xc2\x9b" "31m\"\n[target]\nplugin = \"gaussian\"\n",
     "test.toml:2:10: error: run.output contains a control character (U+009B)"},
    {"del_in_plugin_dirs", "[run]\nplugin_dirs = [\"ok\", \"x\\u007f\"]\n[target]\nplugin = \"gaussian\"\n",
     "test.toml:2:22: error: run.plugin_dirs[1] contains a control character (U+007F)"},
    {"bell_in_plugin_name", "[target]\nplugin = \"gauss\\u0007\"\n",
     "test.toml:2:10: error: target.plugin contains a control character (U+0007)"},
    {"c1_in_label", "[target]\nplugin = \"gaussian\"\n[[sampler]]\nplugin = \"euler_maruyama\"\nlabel = \"em\\u0085\"\n",
     "test.toml:5:9: error: sampler[0].label contains a control character (U+0085)"},
    {"escape_in_parameter", "[target]\nplugin = \"gaussian\"\nnote = \"\\u001b[31m\"\n",
     "test.toml:3:8: error: target.note contains a control character (U+001B)"},
    {"nul_in_key", "[target]\nplugin = \"gaussian\"\n\"a\\u0000b\" = 1\n",
     "test.toml:3:1: error: a key in target contains a control character (U+0000)"},
    // run.name names the folder out/<name>: it must stay inside out/.
    {"name_climbs_out", "[run]\nname = \"../../x\"\n[target]\nplugin = \"gaussian\"\n",
     "test.toml:2:8: error: run.name = \"../../x\" must be a plain name (not empty, no '/', not '.' or '..'): "
     "results go to out/<name>; set run.output to write elsewhere"},
    {"name_dot_dot", "[run]\nname = \"..\"\n[target]\nplugin = \"gaussian\"\n",
     "test.toml:2:8: error: run.name = \"..\" must be a plain name"},
    {"name_empty", "[run]\nname = \"\"\n[target]\nplugin = \"gaussian\"\n", "test.toml:2:8: error: run.name = \"\" must be a plain name"},
    {"output_empty", "[run]\noutput = \"\"\n[target]\nplugin = \"gaussian\"\n",
     "test.toml:2:10: error: run.output must not be empty (leave it out for out/<name>)"},
    // Two sweep keys for one target parameter would overwrite each other (duplicate runs); the
    // second written is the one pointed at.
    {"dim_and_target_dim", "[target]\nplugin = \"gaussian\"\n[sweep]\ndim = [1, 2]\n\"target.dim\" = [3]\n",
     "test.toml:5:1: error: sweep.target.dim sweeps the target's 'dim' again (sweep.dim, line 4): keep one of them"},
    {"target_dim_and_dim", "[target]\nplugin = \"gaussian\"\n[sweep]\n\"target.dim\" = [3]\ndim = [1, 2]\n",
     "test.toml:5:1: error: sweep.dim sweeps the target's 'dim' again (sweep.target.dim, line 4): keep one of them"},
    // The replicate is 32 bits of the random key: 2^32 would repeat replicate 0.
    {"swept_replicate_too_large", "[target]\nplugin = \"gaussian\"\n[sweep]\nreplicate = [0, 4294967296]\n",
     "test.toml:4:17: error: sweep.replicate values must be in [0, 4294967295] (the replicate is 32 bits of the random key), "
     "got 4294967296"},
    {"swept_replicate_negative", "[target]\nplugin = \"gaussian\"\n[sweep]\nreplicate = [-1]\n",
     "test.toml:4:14: error: sweep.replicate values must be in [0, 4294967295]"},
    {"run_replicates_too_large", "[run]\nreplicates = 4294967297\n[target]\nplugin = \"gaussian\"\n",
     "test.toml:2:14: error: run.replicates must be <= 4294967296 (the replicate is 32 bits of the random key), "
     "got 4294967297"},
};

INSTANTIATE_TEST_SUITE_P(Golden, ConfigErrors, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& i) { return std::string(i.param.name); });

TEST(ConfigErrors, UnknownSamplerListsWhatIsAvailable) {
  const auto registry = sgmtk::testing::build_registry();
  const std::string toml = "[target]\nplugin = \"gaussian\"\n[[sampler]]\nplugin = \"euler_maruyame\"\n[[metric]]\nplugin = \"w2_gaussian\"\n";
  try {
    sgmtk::engine::plan_pipeline(sgmtk::engine::parse_pipeline(toml, "test.toml"), registry);
    FAIL();
  } catch (const sgmtk::engine::ConfigError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("test.toml:4:10: error: no sampler plugin named 'euler_maruyame'; did you mean 'euler_maruyama'?", 0), 0u) << what;
    EXPECT_NE(what.find("Available samplers:"), std::string::npos) << what;
  }
}

TEST(ConfigErrors, ValidPipelinePlansEveryRun) {
  const auto registry = sgmtk::testing::build_registry();
  const std::string toml = "[run]\nreplicates = 2\n[target]\nplugin = \"gaussian\"\n[sweep]\nsteps = [4, 8, 16]\ndim = [1, 3]\n" +
                           std::string(kValidTail);
  const auto plan = sgmtk::engine::plan_pipeline(sgmtk::engine::parse_pipeline(toml, "test.toml"), registry);
  EXPECT_EQ(plan.runs.size(), 3u * 2u * 2u);  // steps x dim x replicates, one sampler
  EXPECT_EQ(plan.targets.size(), 2u);         // one target per distinct dim
}

TEST(ConfigErrors, SweepRunsInTheOrderWrittenLastKeyFastest) {
  // toml++ iterates a table in key order ("dim" before "steps"); the sweep must follow the file.
  const auto registry = sgmtk::testing::build_registry();
  const std::string toml = "[target]\nplugin = \"gaussian\"\n[sweep]\nsteps = [4, 8]\ndim = [1, 3]\n" + std::string(kValidTail);
  const auto plan = sgmtk::engine::plan_pipeline(sgmtk::engine::parse_pipeline(toml, "test.toml"), registry);
  EXPECT_EQ(plan.swept_keys, (std::vector<std::string>{"steps", "dim"}));
  ASSERT_EQ(plan.runs.size(), 4u);
  using Swept = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(plan.runs[0].point.swept, (Swept{{"steps", "4"}, {"dim", "1"}}));
  EXPECT_EQ(plan.runs[1].point.swept, (Swept{{"steps", "4"}, {"dim", "3"}}));
  EXPECT_EQ(plan.runs[2].point.swept, (Swept{{"steps", "8"}, {"dim", "1"}}));
  EXPECT_EQ(plan.runs[3].point.swept, (Swept{{"steps", "8"}, {"dim", "3"}}));
}

TEST(ConfigErrors, NameFromTheFileMustBePlainToo) {
  // Without run.name the name is the file's stem; "..toml" would give "." and out/. itself.
  try {
    sgmtk::engine::parse_pipeline("[target]\nplugin = \"gaussian\"\n" + std::string(kValidTail), "..toml");
    FAIL();
  } catch (const sgmtk::engine::ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("..toml:1:1: error: the file's name gives run.name = \".\", which is not a plain name", 0), 0u)
        << e.what();
  }
}

}  // namespace
