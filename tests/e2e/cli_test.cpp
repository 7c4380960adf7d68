// The sgmtk binary as a user runs it: the quickstart end to end, errors and exit codes.
#include "command.hpp"

#include <sgmtk/plugin.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace {

namespace fs = std::filesystem;
using sgmtk::testing::run_command;

const std::string kSgmtk = SGMTK_BINARY;

fs::path temp_dir(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("sgmtk_e2e_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

std::vector<std::vector<std::string>> read_csv(const fs::path& file) {
  std::ifstream in(file);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::string cell;
    bool quoted = false;
    for (char c : line) {
      if (c == '"') quoted = !quoted;
      else if (c == ',' && !quoted) {
        cells.push_back(cell);
        cell.clear();
      } else cell += c;
    }
    cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

TEST(Cli, QuickstartRunsEndToEndAndW2FallsWithSteps) {
  const fs::path out = temp_dir("quickstart");
  const auto r = run_command(kSgmtk + " run " + SGMTK_TEST_SOURCE_DIR + "/examples/quickstart.toml --threads 2 -o " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("results: " + (out / "results.csv").string()), std::string::npos) << r.output;
  ASSERT_TRUE(fs::exists(out / "summary.json"));
  const auto rows = read_csv(out / "results.csv");
  ASSERT_EQ(rows.size(), 8u);  // header + 7 step counts
  std::size_t steps_col = 0, value_col = 0, status_col = 0;
  for (std::size_t i = 0; i < rows[0].size(); ++i) {
    if (rows[0][i] == "steps") steps_col = i;
    if (rows[0][i] == "value") value_col = i;
    if (rows[0][i] == "status") status_col = i;
  }
  // EM's law error on a Gaussian is first order in h (MATH.md D.5): doubling the steps roughly
  // halves W2 until the moment-sampling floor (~0.01 here). Over 4 -> 64 steps each doubling
  // must cut W2 by at least a third -- far from the floor, well within first order.
  for (std::size_t i = 1; i < rows.size(); ++i) EXPECT_EQ(rows[i][status_col], "ok");
  for (std::size_t i = 1; i + 1 < rows.size() && std::stoi(rows[i + 1][steps_col]) <= 64; ++i) {
    EXPECT_LT(std::stod(rows[i + 1][value_col]), 0.67 * std::stod(rows[i][value_col])) << "steps " << rows[i][steps_col];
  }
  fs::remove_all(out);
}

TEST(Cli, TypoInPipelineIsLocatedWithSuggestionAndExitCode2) {
  const fs::path dir = temp_dir("typo");
  std::ofstream(dir / "typo.toml") << "[run]\nseed = 1\n[target]\nplugin = \"gaussian\"\n[process]\nhorizn = 2.0\n"
                                      "[[sampler]]\nplugin = \"euler_maruyama\"\n[[metric]]\nplugin = \"w2_gaussian\"\n";
  const auto r = run_command(kSgmtk + " validate " + (dir / "typo.toml").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("typo.toml:6:1: error: unknown key 'horizn' in [process]; did you mean 'horizon'?"), std::string::npos)
      << r.output;
  fs::remove_all(dir);
}

TEST(Cli, ValidateAcceptsTheQuickstart) {
  const auto r = run_command(kSgmtk + " validate " + SGMTK_TEST_SOURCE_DIR + "/examples/quickstart.toml");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(": ok (7 runs"), std::string::npos) << r.output;
}

TEST(Cli, EveryInTreeExamplePipelineValidates) {
  // examples/external_sampler needs plugins built out of tree (.ci/external_example runs it).
  int checked = 0;
  for (const auto& e : fs::recursive_directory_iterator(fs::path(SGMTK_TEST_SOURCE_DIR) / "examples")) {
    if (e.path().extension() != ".toml" || e.path().string().find("external_sampler") != std::string::npos) continue;
    const auto r = run_command(kSgmtk + " validate " + e.path().string());
    EXPECT_EQ(r.exit_code, 0) << e.path() << ": " << r.output;
    ++checked;
  }
  EXPECT_GE(checked, 10);
}

TEST(Cli, JunkAndWrongAbiPluginsAreReportedAndSkipped) {
  const auto r = run_command(kSgmtk + " list --verbose --plugin-dir " + SGMTK_BAD_PLUGIN_DIR);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("junk.so: cannot be loaded"), std::string::npos) << r.output;
  // tests/bad_plugins/wrong_abi.cpp claims abi_version + 998.
  EXPECT_NE(r.output.find("wrong_abi.so: built for plugin ABI " + std::to_string(sgmtk::abi_version + 998)), std::string::npos) << r.output;
  // The in-tree plugins are still there, each with its file.
  for (const char* name : {"gaussian", "euler_maruyama", "w2_gaussian"}) {
    EXPECT_NE(r.output.find(name), std::string::npos) << name;
  }
  EXPECT_NE(r.output.find("/gaussian.so"), std::string::npos) << r.output;
}

TEST(Cli, DescribeShowsParametersAndUnknownNameIsUsageError) {
  const auto ok = run_command(kSgmtk + " describe euler_maruyama");
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("euler_maruyama (sampler"), std::string::npos) << ok.output;
  const auto bad = run_command(kSgmtk + " describe euler_maruyamma");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.output.find("did you mean 'euler_maruyama'?"), std::string::npos) << bad.output;
}

TEST(Cli, VersionAndHelpOnEverySubcommand) {
  for (const char* sub : {"", "list", "describe", "validate", "run"}) {
    const auto v = run_command(kSgmtk + " " + sub + " --version");
    EXPECT_EQ(v.exit_code, 0) << sub << ": " << v.output;
    EXPECT_NE(v.output.find("sgmtk 0."), std::string::npos) << sub;
    const auto h = run_command(kSgmtk + " " + sub + " --help");
    EXPECT_EQ(h.exit_code, 0) << sub << ": " << h.output;
  }
  EXPECT_EQ(run_command(kSgmtk + " frobnicate").exit_code, 2);
  EXPECT_EQ(run_command(kSgmtk).exit_code, 2);
}

TEST(Cli, DivergedRunGivesExitCode1AndKeepsResults) {
  const fs::path dir = temp_dir("diverge");
  // As in divergence_test: a relative score error of 1000 makes EM explode; 0 does not.
  std::ofstream(dir / "d.toml") << "[run]\nparticles = 100\n[target]\nplugin = \"gaussian\"\n"
                                   "[process]\nhorizon = 3.0\nsteps = 10\nscore_error_kind = \"relative\"\n"
                                   "[[sampler]]\nplugin = \"euler_maruyama\"\n[sweep]\nscore_error = [1000.0, 0.0]\n"
                                   "[[metric]]\nplugin = \"w2_gaussian\"\n";
  const auto r = run_command(kSgmtk + " run -q " + (dir / "d.toml").string() + " -o " + (dir / "out").string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("1 of 2 run(s) failed, diverged or crashed"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(dir / "out" / "results.csv"));
  fs::remove_all(dir);
}

}  // namespace

namespace {

TEST(Cli, ProbeEvaluatesAGaussianAgainstItsClosedForm) {
  const fs::path dir = temp_dir("probe");
  std::ofstream(dir / "p.csv") << "0.5,1.0\n";
  const auto r = run_command(kSgmtk + " probe gaussian -p dim=2 -p 'mean=[1.0, -1.0]' --t 0.5 --hessian diagonal --log-density --points " +
                             (dir / "p.csv").string() + " -o " + (dir / "out.csv").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto rows = read_csv(dir / "out.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][2], "log_density");
  // Unit covariance: p_t = N(e^{-t} m, I), score = e^{-t} m - y.
  const double m_t = std::exp(-0.5);
  EXPECT_NEAR(std::stod(rows[1][2]), -std::log(2.0 * M_PI) - 0.5 * ((0.5 - m_t) * (0.5 - m_t) + (1.0 + m_t) * (1.0 + m_t)), 1e-14);
  EXPECT_NEAR(std::stod(rows[1][3]), m_t * 1.0 - 0.5, 1e-14);
  EXPECT_NEAR(std::stod(rows[1][4]), -m_t - 1.0, 1e-14);
  EXPECT_NEAR(std::stod(rows[1][5]), -1.0, 1e-14);
  fs::remove_all(dir);
}

TEST(Cli, ProbeSampleThenMetricOnTheFiles) {
  const fs::path dir = temp_dir("metric");
  ASSERT_EQ(run_command(kSgmtk + " probe gaussian -p dim=2 --sample 400 --seed 1 -o " + (dir / "a.npy").string()).exit_code, 0);
  ASSERT_EQ(run_command(kSgmtk + " probe gaussian -p dim=2 --sample 400 --seed 1 -o " + (dir / "b.csv").string()).exit_code, 0);
  // The same seed gives the same points in both formats: W2 between them is exactly zero.
  const auto r = run_command(kSgmtk + " metric w2_marginal " + (dir / "a.npy").string() + " " + (dir / "b.csv").string() + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"value\": 0,"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"quantity\": \"W2\""), std::string::npos) << r.output;
  const auto bad = run_command(kSgmtk + " metric w2_marginall " + (dir / "a.npy").string() + " " + (dir / "b.csv").string());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.output.find("did you mean 'w2_marginal'?"), std::string::npos) << bad.output;
  fs::remove_all(dir);
}

}  // namespace

namespace {

// Issue 14 items 6 and 16: what a pipeline names cannot make sgmtk touch other files, and what
// is given as the pipeline must be a file.

// A pipeline of one quick run, with this [run] table.
std::string one_quick_run(const std::string& run_table) {
  return "[run]\nparticles = 100\n" + run_table + "[target]\nplugin = \"gaussian\"\n[process]\nsteps = 4\n"
         "[[sampler]]\nplugin = \"euler_maruyama\"\n[[metric]]\nplugin = \"w2_gaussian\"\n";
}

TEST(Cli, NulInOutputOrNameIsRefusedAndThePrefixFolderIsUntouched) {
  // "keep\u0000x" reaches the system as "keep": the journal reset would have removed it.
  const fs::path dir = temp_dir("nul");
  fs::create_directories(dir / "keep");
  std::ofstream(dir / "keep" / "precious.txt") << "mine\n";
  fs::create_directories(dir / "out" / "keep");
  std::ofstream(dir / "out" / "keep" / "precious.txt") << "mine\n";
  std::ofstream(dir / "output.toml") << one_quick_run("output = \"" + (dir / "keep").string() + "\\u0000x\"\n");
  std::ofstream(dir / "name.toml") << one_quick_run("name = \"keep\\u0000x\"\n");

  const auto by_output = run_command(kSgmtk + " run -q " + (dir / "output.toml").string());
  EXPECT_EQ(by_output.exit_code, 2) << by_output.output;
  EXPECT_NE(by_output.output.find("output.toml:3:10: error: run.output contains a control character (U+0000)"), std::string::npos)
      << by_output.output;
  const auto by_name = run_command("cd " + dir.string() + " && " + kSgmtk + " run -q name.toml");
  EXPECT_EQ(by_name.exit_code, 2) << by_name.output;
  EXPECT_NE(by_name.output.find("name.toml:3:8: error: run.name contains a control character (U+0000)"), std::string::npos)
      << by_name.output;

  EXPECT_EQ(sgmtk::testing::read_file(dir / "keep" / "precious.txt"), "mine\n");
  EXPECT_EQ(sgmtk::testing::read_file(dir / "out" / "keep" / "precious.txt"), "mine\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir / "keep"), fs::directory_iterator()), 1);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir / "out" / "keep"), fs::directory_iterator()), 1);
  fs::remove_all(dir);
}

TEST(Cli, RunNameCannotClimbOutOfOut) {
  // From dir/a/b, out/../../x is dir/a/x.
  const fs::path dir = temp_dir("climb");
  fs::create_directories(dir / "a" / "b");
  std::ofstream(dir / "a" / "b" / "p.toml") << one_quick_run("name = \"../../x\"\n");
  const auto r = run_command("cd " + (dir / "a" / "b").string() + " && " + kSgmtk + " run -q p.toml");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("p.toml:3:8: error: run.name = \"../../x\" must be a plain name"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "a" / "x"));
  EXPECT_FALSE(fs::exists(dir / "a" / "b" / "out"));
  fs::remove_all(dir);
}

TEST(Cli, AFolderAsThePipelineIsRefusedAsAFolder) {
  const fs::path dir = temp_dir("folder_pipeline");
  for (const char* sub : {"validate", "run -q"}) {
    const auto r = run_command(kSgmtk + " " + sub + " " + dir.string() + "/");
    EXPECT_EQ(r.exit_code, 2) << sub << ": " << r.output;
    EXPECT_NE(r.output.find(dir.string() + "/: error: is a folder, not a pipeline file"), std::string::npos) << sub << ": " << r.output;
  }
  EXPECT_TRUE(fs::is_empty(dir));  // run made no output folder in it
  fs::remove_all(dir);
}

TEST(Cli, AFifoAsThePipelineIsRefusedWithoutWaiting) {
  // Opening a FIFO waits for a writer: `timeout` turns a hang into exit code 124.
  const fs::path dir = temp_dir("fifo_pipeline");
  const fs::path fifo = dir / "p.toml";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  for (const char* sub : {"validate", "run -q"}) {
    const auto r = run_command("timeout 30 " + kSgmtk + " " + sub + " " + fifo.string());
    EXPECT_EQ(r.exit_code, 2) << sub << ": " << r.output;
    EXPECT_NE(r.output.find(fifo.string() + ": error: is not a regular file"), std::string::npos) << sub << ": " << r.output;
  }
  fs::remove_all(dir);
}

TEST(Cli, PluginDirTakesOneFolderPerUse) {
  // `--plugin-dir DIR file.toml` once made file.toml a second plugin folder and left no pipeline.
  const fs::path dir = temp_dir("plugin_dir_value");
  fs::create_directories(dir / "plugins1");
  fs::create_directories(dir / "plugins2");
  const std::string pipeline = (dir / "p.toml").string();
  std::ofstream(pipeline) << one_quick_run("");
  const std::string dirs = " --plugin-dir " + (dir / "plugins1").string() + " --plugin-dir " + (dir / "plugins2").string() + " ";
  const auto validated = run_command(kSgmtk + " validate" + dirs + pipeline);
  EXPECT_EQ(validated.exit_code, 0) << validated.output;
  EXPECT_NE(validated.output.find("p.toml: ok (1 run"), std::string::npos) << validated.output;
  const auto ran = run_command(kSgmtk + " run -q" + dirs + pipeline + " -o " + (dir / "out").string());
  EXPECT_EQ(ran.exit_code, 0) << ran.output;
  EXPECT_TRUE(fs::exists(dir / "out" / "results.csv"));
  const auto listed = run_command(kSgmtk + " list --verbose" + dirs);
  EXPECT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_NE(listed.output.find((dir / "plugins2").string()), std::string::npos) << listed.output;
  fs::remove_all(dir);
}

}  // namespace
