// Issue "nothing lost, nothing mixed": what a crashing plugin, a second process, a full disk or a
// changed input must not cost or mix. Each test drives the real `sgmtk` binary.
#include "command.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using sgmtk::testing::read_file;
using sgmtk::testing::run_command;

class NothingLost : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("sgmtk_nothing_lost_" + std::to_string(::getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  }
  sgmtk::testing::CommandResult sgmtk(const std::string& args) { return run_command(std::string(SGMTK_BINARY) + " " + args); }

  fs::path dir_;
};

std::string sweep_pipeline(const std::string& samplers, const std::string& extra = "") {
  return std::string("[run]\nparticles = 256\nplugin_dirs = [\"") + SGMTK_MISBEHAVING_PLUGIN_DIR + "\"]\n" + extra +
         "[target]\nplugin = \"gaussian\"\ndim = 2\n[process]\nhorizon = 1.0\n" + samplers +
         "[sweep]\nsteps = [2, 4, 8]\n[[metric]]\nplugin = \"w2_gaussian\"\n";
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

// A sampler that segfaults on its 4-step run fails only that run, as `crashed` with the signal;
// every other run's row is written and ok; the same on any thread count (with 2 threads two runs
// are in flight at the crash and are told apart by computing them again one at a time); and a
// second invocation does not crash again (the crashed run is recorded, not retried).
TEST_F(NothingLost, SegfaultingSamplerFailsOnlyItsOwnRun) {
  const fs::path p = write("p.toml", sweep_pipeline("[[sampler]]\nplugin = \"segfaulting_sampler\"\n[[sampler]]\nplugin = \"euler_maruyama\"\n"));
  std::string first;
  for (const char* threads : {"1", "2"}) {
    const fs::path out = dir_ / (std::string("out") + threads);
    const auto r = sgmtk("run -q --threads " + std::string(threads) + " " + p.string() + " -o " + out.string());
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("SIGSEGV"), std::string::npos) << r.output;
    const std::string csv = read_file(out / "results.csv");
    ASSERT_FALSE(csv.empty()) << r.output;
    EXPECT_EQ(count(csv, ",ok,"), 5u) << csv;
    EXPECT_EQ(count(csv, ",crashed,"), 1u) << csv;
    EXPECT_NE(csv.find("segfaulting_sampler,w2_gaussian,2,4,"), std::string::npos) << csv;
    EXPECT_NE(csv.find("SIGSEGV"), std::string::npos) << csv;
    EXPECT_NE(read_file(out / "summary.json").find("\"status\": \"crashed\""), std::string::npos);
    if (first.empty()) first = csv;
    else EXPECT_EQ(csv, first) << "results depend on the thread count";

    const auto again = sgmtk("run -q " + p.string() + " -o " + out.string());
    EXPECT_EQ(again.exit_code, 1) << again.output;
    EXPECT_EQ(again.output.find("died of"), std::string::npos) << "the crashed run was retried:\n" << again.output;
    EXPECT_EQ(read_file(out / "results.csv"), csv);
  }
}

// A second `sgmtk run` into a folder in use is refused, naming the holder's PID, and touches
// nothing of the first run's.
TEST_F(NothingLost, OutputFolderInUseIsRefusedWithThePid) {
  const fs::path out = dir_ / "out";
  fs::create_directories(out / ".sgmtk-journal");
  std::ofstream(out / ".sgmtk-journal" / "fingerprint.txt") << "another pipeline\n";
  const int fd = ::open((out / ".sgmtk-lock").c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  const std::string pid = std::to_string(::getpid());
  ASSERT_EQ(::write(fd, (pid + "\n").data(), pid.size() + 1), static_cast<ssize_t>(pid.size() + 1));
  const fs::path p = write("p.toml", sweep_pipeline("[[sampler]]\nplugin = \"euler_maruyama\"\n"));
  const auto r = sgmtk("run -q " + p.string() + " -o " + out.string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("in use by another sgmtk run (PID " + pid + ")"), std::string::npos) << r.output;
  EXPECT_EQ(read_file(out / ".sgmtk-journal" / "fingerprint.txt"), "another pipeline\n");
  ::close(fd);
  const auto after = sgmtk("run -q " + p.string() + " -o " + out.string());
  EXPECT_EQ(after.exit_code, 0) << after.output;
}

// Start-up removes only this tool's own temporaries of dead processes: a user's file with
// ".tmp." in its name, and a temporary of a live process, stay.
TEST_F(NothingLost, OnlyOwnTemporariesOfDeadProcessesAreRemoved) {
  const fs::path out = dir_ / "out";
  fs::create_directories(out);
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ::waitpid(child, nullptr, 0);  // a PID that no longer runs
  const fs::path user = out / "budget.tmp.xlsx";
  const fs::path dead = out / ("results.csv.sgmtk-tmp." + std::to_string(child));
  const fs::path live = out / ("results.csv.sgmtk-tmp." + std::to_string(::getpid()));
  for (const auto& f : {user, dead, live}) std::ofstream(f) << "x";
  const fs::path p = write("p.toml", sweep_pipeline("[[sampler]]\nplugin = \"euler_maruyama\"\n"));
  const auto r = sgmtk("run -q " + p.string() + " -o " + out.string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(fs::exists(user));
  EXPECT_TRUE(fs::exists(live));
  EXPECT_FALSE(fs::exists(dead));
}

// Turning a metric's floor on, or changing a plugin file's bytes (a rebuild with the same
// version), changes the results: the journal must not be reused.
TEST_F(NothingLost, FloorAndPluginContentAreInTheResumeFingerprint) {
  const fs::path out = dir_ / "out";
  const std::string samplers = "[[sampler]]\nplugin = \"throwing_sampler\"\nfail_steps = 99\n";
  std::string text = sweep_pipeline(samplers);
  const fs::path p = write("p.toml", text);
  ASSERT_EQ(sgmtk("run -q " + p.string() + " -o " + out.string()).exit_code, 0);
  text.replace(text.find("plugin = \"w2_gaussian\""), 22, "plugin = \"w2_gaussian\"\nfloor = true");
  write("p.toml", text);
  auto r = sgmtk("run " + p.string() + " -o " + out.string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("resuming"), std::string::npos) << r.output;
  EXPECT_EQ(count(read_file(out / "results.csv"), ",,ok,"), 0u) << "floor columns empty: old rows reused";

  // The same plugins, copied to a folder of their own, then one file changed in place.
  const fs::path plugins = dir_ / "plugins";
  fs::create_directories(plugins);
  fs::copy_file(fs::path(SGMTK_MISBEHAVING_PLUGIN_DIR) / "misbehaving_samplers.so", plugins / "misbehaving_samplers.so");
  std::string mine = text;
  mine.replace(mine.find(SGMTK_MISBEHAVING_PLUGIN_DIR), std::string(SGMTK_MISBEHAVING_PLUGIN_DIR).size(), plugins.string());
  write("p.toml", mine);
  r = sgmtk("run " + p.string() + " -o " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ofstream(plugins / "misbehaving_samplers.so", std::ios::app) << "rebuilt";  // trailing bytes: still loads
  r = sgmtk("run " + p.string() + " -o " + out.string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("resuming"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("held results of a different pipeline"), std::string::npos) << r.output;
  EXPECT_NE(read_file(out / "summary.json").find("\"file_hash\": \"fnv1a64:"), std::string::npos);
}

// Past `ulimit -f` a write fails with a message and exit 1 (not death by SIGXFSZ), and the
// three result files are a set: the old pipeline's are not left beside the new journal, and
// no single new file sits next to old ones.
TEST_F(NothingLost, FileSizeLimitIsAnErrorAndLeavesNoMixedResultSet) {
  const fs::path out = dir_ / "out";
  const std::string two = "[[sampler]]\nplugin = \"euler_maruyama\"\n[[sampler]]\nplugin = \"throwing_sampler\"\nfail_steps = 99\n";
  const fs::path a = write("a.toml", sweep_pipeline(two));
  ASSERT_EQ(sgmtk("run -q " + a.string() + " -o " + out.string()).exit_code, 0);
  ASSERT_TRUE(fs::exists(out / "results.csv"));
  // Another pipeline (other seed) into the same folder, allowed 4 KiB per file: the journal
  // fits, summary.json does not.
  const fs::path b = write("b.toml", sweep_pipeline(two, "seed = 5\n"));
  const auto r = run_command("bash -c 'ulimit -f 4; exec " + std::string(SGMTK_BINARY) + " run -q " + b.string() + " -o " +
                             out.string() + "'");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("File too large"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(out / "results.csv")) << "a results.csv without its summary.json, or the old pipeline's";
  EXPECT_FALSE(fs::exists(out / "summary.json"));
  for (const auto& e : fs::directory_iterator(out))
    EXPECT_EQ(e.path().filename().string().find("sgmtk-tmp"), std::string::npos) << e.path();
  // Room again: the same command completes from the journal.
  const auto again = sgmtk("run " + b.string() + " -o " + out.string());
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("resuming: 6 of 6"), std::string::npos) << again.output;
}

// Shadowing follows one rule wherever the copy comes from (run.plugin_dirs or
// $SGMTK_PLUGIN_PATH against the built-in folder): a name two files provide is refused, naming
// both, until the pipeline makes the override explicit; then the first in the search order runs,
// and summary.json says which file that was.
TEST_F(NothingLost, PluginShadowingIsOneExplicitRule) {
  const fs::path mine = dir_ / "mine";
  fs::create_directories(mine);
  fs::copy_file(fs::path(SGMTK_TEST_PLUGIN_DIR) / "euler_maruyama.so", mine / "euler_maruyama.so");
  const std::string body = "[target]\nplugin = \"gaussian\"\ndim = 2\n[process]\nhorizon = 1.0\nsteps = 4\n"
                           "[[sampler]]\nplugin = \"euler_maruyama\"\n[[metric]]\nplugin = \"w2_gaussian\"\n";
  const std::string dirs = "plugin_dirs = [\"" + mine.string() + "\"]\n";
  for (const std::string& how : {std::string("pipeline"), std::string("environment")}) {
    const std::string env = how == "environment" ? "SGMTK_PLUGIN_PATH=" + mine.string() + " " : "";
    const std::string run_table = "[run]\nparticles = 64\n" + (how == "pipeline" ? dirs : std::string());
    const fs::path p = write("p.toml", run_table + body);
    const fs::path out = dir_ / ("out_" + how);
    auto r = run_command(env + SGMTK_BINARY + " run -q " + p.string() + " -o " + out.string());
    EXPECT_EQ(r.exit_code, 2) << how << ": " << r.output;
    EXPECT_NE(r.output.find("provided by more than one file"), std::string::npos) << how << ": " << r.output;
    EXPECT_NE(r.output.find((mine / "euler_maruyama.so").string()), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(std::string(SGMTK_TEST_PLUGIN_DIR)), std::string::npos) << r.output;

    write("p.toml", run_table + "override_plugins = [\"euler_maruyama\"]\n" + body);
    r = run_command(env + SGMTK_BINARY + " run -q " + p.string() + " -o " + out.string());
    EXPECT_EQ(r.exit_code, 0) << how << ": " << r.output;
    EXPECT_NE(read_file(out / "summary.json").find("\"file\": \"" + (mine / "euler_maruyama.so").string() + "\""), std::string::npos)
        << how << ": the override did not run the user's copy";
  }
}

}  // namespace
