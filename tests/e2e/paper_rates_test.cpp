// The paper suite, reduced: every pipeline of examples/paper/ with the smaller sizes of its
// "# reduced:" comments (the rule of examples/paper/reduce.sh), run by the sgmtk binary, then
// `sgmtk report --check`, which fails when a fitted slope misses the pipeline's own
// "# expect: ... slope V +- TOL (source)" line. The tolerances are stated (with their source) in
// the pipeline files, next to the claims; this test adds none of its own. Also: `sgmtk plot`
// renders figures, lists skipped runs, and exits 2 without gnuplot.
#include "command.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using sgmtk::testing::run_command;

const std::string kSgmtk = SGMTK_BINARY;
const fs::path kPaper = fs::path(SGMTK_TEST_SOURCE_DIR) / "examples" / "paper";

fs::path temp_dir(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("sgmtk_paper_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

using sgmtk::testing::read_file;

// reduce.sh's rule: "key = value   # reduced: other" -> "key = other".
std::string reduced(const std::string& toml) {
  static const std::regex line(R"(^([A-Za-z_.]+\s*=\s*).*#\s*reduced:\s*(.*)$)");
  std::istringstream in(toml);
  std::string l, out;
  while (std::getline(in, l)) out += std::regex_replace(l, line, "$1$2") + "\n";
  return out;
}

std::vector<std::string> pipelines() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(kPaper))
    if (e.path().extension() == ".toml") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

class PaperRates : public ::testing::TestWithParam<std::string> {};

TEST_P(PaperRates, ReducedPipelineMeetsItsStatedPredictions) {
  const std::string name = GetParam();
  const std::string full = read_file(kPaper / (name + ".toml"));
  ASSERT_NE(full.find("# reduced:"), std::string::npos) << name << " has no reduced sizes";
  ASSERT_NE(full.find("# expect:"), std::string::npos) << name << " states no prediction";
  const fs::path dir = temp_dir(name);
  const fs::path file = dir / (name + ".toml");
  std::ofstream(file) << reduced(full);
  const fs::path out = dir / "out";
  const auto run = run_command(kSgmtk + " run " + file.string() + " -o " + out.string() + " -q --fresh --threads 2");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  // The fit at the end of the run is in summary.json.
  EXPECT_NE(read_file(out / "summary.json").find("\"rate_fits\""), std::string::npos);
  const auto report = run_command(kSgmtk + " report " + out.string() + " --check --no-figures");
  EXPECT_EQ(report.exit_code, 0) << report.output << "\n" << read_file(out / "report.md");
  const std::string md = read_file(out / "report.md");
  EXPECT_NE(md.find("| agrees |"), std::string::npos) << md;
  EXPECT_EQ(md.find("no matching results"), std::string::npos) << md;
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Paper, PaperRates, ::testing::ValuesIn(pipelines()), [](const auto& info) { return info.param; });

// A small results folder made by hand: a power law with slope 1 for "A", slope 2 for "B", one
// failed run, and a floor.
fs::path handmade_results() {
  const fs::path dir = temp_dir("plot");
  std::ofstream csv(dir / "results.csv");
  csv << "run,replicate,target,sampler,metric,dim,steps,h,horizon,early_stop,particles,seed,start,schedule,score_error,value,stderr,squared,"
         "floor,floor_stderr,status,message\n";
  int run = 0;
  for (int steps : {8, 16, 32, 64}) {
    const double h = 1.0 / steps;
    csv << run++ << ",0,t,A,m,1," << steps << "," << h << ",1,0,100,1,exact,uniform,0," << 2 * h << ",0.001,false,0.001,0,ok,\n";
    csv << run++ << ",0,t,B,m,1," << steps << "," << h << ",1,0,100,1,exact,uniform,0," << 3 * h * h << ",0.0001,false,0.001,0,ok,\n";
  }
  csv << run++ << ",0,t,C,m,1,8,0.125,1,0,100,1,exact,uniform,0,,,,,,diverged,\"particle 3 beyond 1e6, at step 2\"\n";
  std::ofstream(dir / "summary.json") << "{\n  \"name\": \"handmade\",\n  \"pipeline_file\": \"" << (dir / "p.toml").string() << "\"\n}\n";
  std::ofstream(dir / "p.toml") << "# expect: A m h slope 1 +- 0.01 (exact by construction)\n"
                                   "# expect: B m h slope 2 +- 0.01 (exact by construction)\n[run]\n";
  return dir;
}

TEST(PlotAndReport, FiguresFitsAndSkippedRuns) {
  const fs::path dir = handmade_results();
  const auto r = run_command(kSgmtk + " plot " + dir.string() + " --fit-range all");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(fs::file_size(dir / "figures" / "m_vs_h.png") > 1000) << r.output;
  EXPECT_TRUE(fs::exists(dir / "figures" / "m_vs_h.svg"));
  EXPECT_NE(r.output.find("A m: slope 1.00"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("B m: slope 2.00"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("skipped: run 8 (C, m): diverged: particle 3"), std::string::npos) << r.output;
  const auto rep = run_command(kSgmtk + " report " + dir.string() + " --check --no-figures");
  EXPECT_EQ(rep.exit_code, 0) << rep.output << read_file(dir / "report.md");
  // A prediction the data contradicts makes --check fail with exit 1.
  std::ofstream(dir / "p.toml") << "# expect: A m h slope 2 +- 0.1 (deliberately wrong)\n[run]\n";
  const auto bad = run_command(kSgmtk + " report " + dir.string() + " --check --no-figures");
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(bad.output.find("fitted slope 1.000, predicted 2 +- 0.1"), std::string::npos) << bad.output;
  fs::remove_all(dir);
}

TEST(PlotAndReport, MissingGnuplotIsAUsageErrorWithAClearMessage) {
  const fs::path dir = handmade_results();
  const auto r = run_command("PATH=/nonexistent " + kSgmtk + " plot " + dir.string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("gnuplot was not found on PATH"), std::string::npos) << r.output;
  fs::remove_all(dir);
}

}  // namespace
