// `sgmtk probe` and `sgmtk metric` as a user runs them: the probe table's header and columns agree
// for every --hessian mode; by default probe asks the target exactly what a sampler's query asks
// (score and Hessian, no log p_t) and says so; a non-finite result or an exception thrown by
// plugin code while computing is exit code 1 with a message, never exit 0 (nor 2, which is for
// usage and configuration errors).
#include "command.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

namespace fs = std::filesystem;
using sgmtk::testing::read_file;
using sgmtk::testing::run_command;

const std::string kSgmtk = SGMTK_BINARY;
const std::string kMisbehaving = std::string(" --plugin-dir ") + SGMTK_MISBEHAVING_PLUGIN_DIR;

/// A command's exit code with its stdout and stderr kept apart: stdout must be a clean CSV table.
struct Split {
  int exit_code = -1;
  std::string out, err;
};

class ProbeMetric : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("sgmtk_probe_metric_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }

  Split run_split(const std::string& args) {
    const fs::path out = dir_ / "stdout.txt", err = dir_ / "stderr.txt";
    Split s;
    s.exit_code = run_command("{ " + kSgmtk + " " + args + " >" + out.string() + " 2>" + err.string() + "; }").exit_code;
    s.out = read_file(out);
    s.err = read_file(err);
    return s;
  }

  fs::path dir_;
};

std::vector<std::string> cells_of(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream s(line);
  std::string cell;
  while (std::getline(s, cell, ',')) cells.push_back(cell);
  return cells;
}

/// The CSV on stdout: a header line, then rows of numbers, each exactly as wide as the header.
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<double>> rows;

  std::size_t column(const std::string& name) const {
    for (std::size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return i;
    ADD_FAILURE() << "no column " << name;
    return 0;
  }
  bool has(const std::string& name) const {
    for (const auto& h : header)
      if (h == name) return true;
    return false;
  }
};

Table parse_table(const std::string& text) {
  Table t;
  std::stringstream s(text);
  std::string line;
  if (!std::getline(s, line)) {
    ADD_FAILURE() << "no header on stdout";
    return t;
  }
  t.header = cells_of(line);
  while (std::getline(s, line)) {
    const auto cells = cells_of(line);
    EXPECT_EQ(cells.size(), t.header.size()) << "row " << t.rows.size() << " '" << line << "' under header of " << t.header.size();
    std::vector<double> row;
    for (const auto& c : cells) row.push_back(std::stod(c));
    t.rows.push_back(row);
  }
  return t;
}

std::vector<std::string> expected_header(int d, bool log_density, const std::string& hessian) {
  std::vector<std::string> h;
  for (int i = 0; i < d; ++i) h.push_back("x" + std::to_string(i));
  if (log_density) h.push_back("log_density");
  for (int i = 0; i < d; ++i) h.push_back("score" + std::to_string(i));
  for (int i = 0; i < d; ++i)
    for (int j = 0; j < d; ++j)
      if (hessian == "full" || (hessian == "diagonal" && i == j)) h.push_back("hess" + std::to_string(i) + "_" + std::to_string(j));
  return h;
}

TEST_F(ProbeMetric, ProbeHeaderAndColumnsAgreeForEveryHessianMode) {
  // --hessian none used to append d uninitialized, unlabelled columns.
  const std::string points = write("p.csv", "0.5,1.0\n-1.0,2.0\n");
  for (const std::string mode : {"none", "diagonal", "full", "auto"}) {
    for (const bool log_density : {false, true}) {
      const auto r = run_split("probe gaussian -p dim=2 --t 0.5 --hessian " + mode + " --points " + points +
                               (log_density ? " --log-density" : ""));
      ASSERT_EQ(r.exit_code, 0) << mode << "\n" << r.err;
      const Table t = parse_table(r.out);
      EXPECT_EQ(t.header, expected_header(2, log_density, mode == "auto" ? "full" : mode)) << mode << "\n" << r.out;
      ASSERT_EQ(t.rows.size(), 2u) << r.out;
      // Unit covariance: p_t = N(e^{-t} m, I) with m = 0, so the score is -x and the Hessian -I.
      EXPECT_EQ(t.rows[1][t.column("score1")], -2.0);
      if (mode != "none") EXPECT_EQ(t.rows[1][t.column("hess1_1")], -1.0);
    }
  }
}

TEST_F(ProbeMetric, ProbeFileOutputHasTheSameColumns) {
  const std::string points = write("p.csv", "0.5,1.0\n");
  for (const std::string mode : {"none", "diagonal", "full"}) {
    const std::string out = (dir_ / ("t_" + mode + ".csv")).string();
    const auto r = run_split("probe gaussian -p dim=2 --t 0.5 --hessian " + mode + " --points " + points + " -o " + out);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "");
    const Table t = parse_table(read_file(out));
    EXPECT_EQ(t.header, expected_header(2, false, mode)) << mode;
  }
}

TEST_F(ProbeMetric, ProbeByDefaultMakesASamplersQueryAndSaysSo) {
  // double_well and modified_half_normal (alpha != 1) answer a score query from an interpolation
  // table and compute by quadrature when log p_t is asked too: the default must show the table
  // a sampler sees. The bounds are the tables' documented score errors.
  const std::string points = write("p.csv", "0.3217\n-1.1113\n2.5071\n0.0123\n");
  const std::pair<std::string, double> targets[] = {{"double_well -p dim=1", 2e-8},
                                                    {"modified_half_normal -p dim=1 -p alpha=2.0", 5e-6}};
  for (const auto& [target, bound] : targets) {
    const std::string common = "probe " + target + " --t 0.37 --hessian diagonal --points " + points;
    const auto table = run_split(common);
    ASSERT_EQ(table.exit_code, 0) << table.err;
    const Table a = parse_table(table.out);
    EXPECT_FALSE(a.has("log_density")) << table.out;
    EXPECT_NE(table.err.find("# query: score, hessian diagonal; no log p_t (the query a sampler makes"), std::string::npos)
        << table.err;

    const auto quadrature = run_split(common + " --log-density");
    ASSERT_EQ(quadrature.exit_code, 0) << quadrature.err;
    const Table b = parse_table(quadrature.out);
    EXPECT_TRUE(b.has("log_density")) << quadrature.out;
    EXPECT_NE(quadrature.err.find("# query: score, hessian diagonal, log p_t (--log-density"), std::string::npos) << quadrature.err;

    // The two paths differ (the table's interpolation error), within the documented bound.
    ASSERT_EQ(a.rows.size(), 4u);
    ASSERT_EQ(b.rows.size(), 4u);
    int differing = 0;
    for (std::size_t i = 0; i < a.rows.size(); ++i) {
      const double s_table = a.rows[i][a.column("score0")], s_quad = b.rows[i][b.column("score0")];
      EXPECT_LE(std::abs(s_table - s_quad), bound * (1.0 + std::abs(s_quad))) << target << ", point " << i;
      differing += s_table != s_quad;
    }
    EXPECT_GT(differing, 0) << target << ": the default path gave the quadrature's scores bit for bit, not the table's";
  }
}

TEST_F(ProbeMetric, ProbeNonFiniteScoreIsExit1NamingPointAndColumn) {
  // The mixture's score at |x| = 1e300 is NaN (the responsibilities are 0/0); point 0 is fine.
  const std::string points = write("p.csv", "0.5,1.0\n1e300,1e300\n");
  const auto r = run_split("probe gaussian_mixture -p dim=2 --t 0.5 --hessian none --points " + points);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("error: non-finite score0 = "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" at point 1 "), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(" at point 0 "), std::string::npos) << r.err;
  // The table is still written, so that the bad cells can be seen beside the good ones.
  const Table t = parse_table(r.out);
  ASSERT_EQ(t.rows.size(), 2u) << r.out;
  EXPECT_TRUE(std::isfinite(t.rows[0][t.column("score0")]));
  EXPECT_TRUE(std::isnan(t.rows[1][t.column("score0")]));
  EXPECT_NE(r.err.find("error: 2 non-finite entries; the table was still written"), std::string::npos) << r.err;
}

TEST_F(ProbeMetric, ProbeListsTheFirst20NonFiniteEntriesThenCounts) {
  std::string many;
  for (int i = 0; i < 15; ++i) many += "1e300,1e300\n";
  const auto r = run_split("probe gaussian_mixture -p dim=2 --t 0.5 --hessian none --points " + write("p.csv", many));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  std::size_t listed = 0;
  for (std::size_t at = r.err.find("error: non-finite "); at != std::string::npos; at = r.err.find("error: non-finite ", at + 1)) ++listed;
  EXPECT_EQ(listed, 20u) << r.err;
  EXPECT_NE(r.err.find("error: 30 non-finite entries (the first 20 listed)"), std::string::npos) << r.err;
}

TEST_F(ProbeMetric, ProbeNonFiniteLogDensityIsExit1) {
  // The gaussian's score at 1e300 is finite, its log density is -inf.
  const std::string points = write("p.csv", "1e300,1.0\n");
  const auto score = run_split("probe gaussian -p dim=2 --t 0.5 --points " + points);
  EXPECT_EQ(score.exit_code, 0) << score.err;
  const auto with_log = run_split("probe gaussian -p dim=2 --t 0.5 --points " + points + " --log-density");
  EXPECT_EQ(with_log.exit_code, 1) << with_log.err;
  EXPECT_NE(with_log.err.find("error: non-finite log_density = -inf at point 0 "), std::string::npos) << with_log.err;
}

TEST_F(ProbeMetric, ProbeErrorThrownByTheTargetIsExit1) {
  // --t inf passes the command's own check (t > 0); double_well refuses it while evaluating.
  const std::string points = write("p.csv", "0.5\n");
  const auto r = run_split("probe double_well -p dim=1 --t inf --points " + points);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("error: target 'double_well' ("), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("forward time must be finite and > 0"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(ProbeMetric, ProbeOrdinaryUseIsExit0WithoutErrors) {
  const std::string points = write("p.csv", "0.5,1.0\n-0.25,3.0\n");
  for (const std::string target : {"gaussian", "gaussian_mixture", "double_well", "elastic_net"}) {
    const auto r = run_split("probe " + target + " -p dim=2 --t 0.5 --points " + points + " --log-density");
    EXPECT_EQ(r.exit_code, 0) << target << "\n" << r.err;
    EXPECT_EQ(r.err.find("error"), std::string::npos) << target << "\n" << r.err;
    EXPECT_EQ(parse_table(r.out).rows.size(), 2u) << target;
  }
  const auto s = run_split("probe gaussian -p dim=2 --sample 5 --seed 3");
  EXPECT_EQ(s.exit_code, 0) << s.err;
}

TEST_F(ProbeMetric, ProbeUsageErrorsStayExit2) {
  // The control for the exit-1 cases above: what is wrong with the command line is still 2.
  const std::string points = write("p.csv", "0.5,1.0\n");
  const std::pair<std::string, std::string> cases[] = {
      {"probe gaussain -p dim=2 --t 0.5 --points " + points, "did you mean 'gaussian'?"},
      {"probe gaussian -p dim=0 --t 0.5 --points " + points, "parameter 'dim' = 0 is out of range"},
      {"probe gaussian -p dim=3 --t 0.5 --points " + points, "has points of dimension 2, the target has dimension 3"},
      {"probe gaussian -p dim=2 --t 0 --points " + points, "--t must be > 0"}};
  for (const auto& [args, message] : cases) {
    const auto r = run_split(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << args << "\n" << r.err;
  }
}

TEST_F(ProbeMetric, MetricNonFiniteValueOrStderrIsExit1AndPrintsNoResult) {
  const std::string a = write("a.csv", "0.0,1.0\n1.0,0.0\n");
  const std::string b = write("b.csv", "0.5,1.0\n1.0,0.5\n");
  const std::pair<std::string, std::string> cases[] = {{"nan_metric", "non-finite value (nan)"},
                                                       {"inf_stderr_metric", "non-finite standard error (inf)"}};
  for (const auto& [metric, reason] : cases) {
    for (const std::string format : {"", " --json"}) {
      const auto r = run_split("metric " + metric + " " + a + " " + b + format + kMisbehaving);
      EXPECT_EQ(r.exit_code, 1) << metric << format << "\n" << r.out << r.err;
      EXPECT_NE(r.err.find("error: metric '" + metric + "' ("), std::string::npos) << r.err;
      EXPECT_NE(r.err.find(reason), std::string::npos) << r.err;
      EXPECT_EQ(r.out, "") << metric << format;  // no `value = null`, no JSON null
    }
  }
}

TEST_F(ProbeMetric, MetricErrorThrownByThePluginIsExit1) {
  const std::string a = write("a.csv", "0.0,1.0\n1.0,0.0\n");
  const std::pair<std::string, std::string> cases[] = {{"throwing_metric", "deliberate failure inside compute()"},
                                                       {"int_throwing_metric", "not a std::exception"}};
  for (const auto& [metric, reason] : cases) {
    const auto r = run_split("metric " + metric + " " + a + " " + a + kMisbehaving);
    EXPECT_EQ(r.exit_code, 1) << metric << "\n" << r.err;
    EXPECT_NE(r.err.find("error: metric '" + metric + "' ("), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(reason), std::string::npos) << r.err;
  }
}

TEST_F(ProbeMetric, MetricUsageErrorsStayExit2) {
  const std::string a = write("a.csv", "0.0,1.0\n1.0,0.0\n");
  const std::string one = write("one.csv", "0.5\n1.5\n");
  const auto dims = run_split("metric w2_exact " + a + " " + one);
  EXPECT_EQ(dims.exit_code, 2) << dims.err;
  EXPECT_NE(dims.err.find("has points of dimension 2, " + one + " of dimension 1"), std::string::npos) << dims.err;
  const auto param = run_split("metric w2_sliced " + a + " " + a + " -p nonsense=1");
  EXPECT_EQ(param.exit_code, 2) << param.err;
}

TEST_F(ProbeMetric, MetricOrdinaryUseIsExit0) {
  const std::string a = write("a.csv", "0.0,1.0\n1.0,0.0\n");
  const std::string b = write("b.csv", "0.0,2.0\n1.0,1.0\n");
  const auto r = run_split("metric w2_exact " + a + " " + b + " --json");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"value\": 1,"), std::string::npos) << r.out;  // every point moves by 1
  EXPECT_EQ(r.out.find("null"), std::string::npos) << r.out;
}

}  // namespace
