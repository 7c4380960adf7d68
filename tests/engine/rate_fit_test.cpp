// Fitted rates (sgmtk_engine/rate_fit.hpp): the least-squares slope and its t-based 95% CI
// against hand-computed values, the asymptotic range rule, grouping, and results.csv parsing.
#include <sgmtk/error.hpp>
#include <sgmtk_engine/rate_fit.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

namespace {

using namespace sgmtk::engine;

const std::string kHeader =
    "run,replicate,target,sampler,metric,dim,steps,h,horizon,early_stop,particles,seed,start,schedule,score_error,value,stderr,"
    "squared,floor,floor_stderr,status,message\n";

// One ok row; `floor` < 0 leaves the floor empty.
std::string row(int run, const std::string& sampler, int steps, double horizon, double value, double se = 0.0, double floor = -1,
                int replicate = 0, int dim = 1) {
  std::ostringstream s;
  s.precision(17);
  s << run << "," << replicate << ",t," << sampler << ",m," << dim << "," << steps << "," << horizon / steps << "," << horizon
    << ",0,100,1,exact,uniform,0," << value << "," << se << ",false,";
  if (floor >= 0) s << floor << ",0";
  else s << ",";
  s << ",ok,\n";
  return s.str();
}

TEST(RateFit, ExactPowerLawGivesItsExponent) {
  std::string csv = kHeader;
  int r = 0;
  for (int steps : {4, 8, 16, 32, 64}) csv += row(r++, "A", steps, 1.0, 3.0 * std::pow(1.0 / steps, 1.5));
  const RateFits f = fit_rates(parse_results_csv(csv), "h", FitRange::parse("all"));
  ASSERT_EQ(f.fits.size(), 1u);
  EXPECT_TRUE(f.fits[0].ok);
  EXPECT_NEAR(f.fits[0].slope, 1.5, 1e-12);
  EXPECT_NEAR(std::exp(f.fits[0].intercept), 3.0, 1e-10);
  EXPECT_EQ(f.fits[0].dof, 3);
  ASSERT_TRUE(f.fits[0].ci_low.has_value());
  EXPECT_NEAR(*f.fits[0].ci_low, 1.5, 1e-9);
}

TEST(RateFit, SlopeAndIntervalMatchTheTextbookFormulas) {
  // x = h in {1/2, 1/4, 1/8, 1/16}, log y = log h + residuals (+0.1, -0.1, -0.1, +0.1).
  const double res[4] = {0.1, -0.1, -0.1, 0.1};
  std::string csv = kHeader;
  std::vector<double> lx, ly;
  for (int i = 0; i < 4; ++i) {
    const int steps = 2 << i;
    const double h = 1.0 / steps, y = h * std::exp(res[i]);
    csv += row(i, "A", steps, 1.0, y);
    lx.push_back(std::log(h));
    ly.push_back(std::log(y));
  }
  double mx = 0, my = 0;
  for (int i = 0; i < 4; ++i) mx += lx[i] / 4, my += ly[i] / 4;
  double sxx = 0, sxy = 0;
  for (int i = 0; i < 4; ++i) sxx += (lx[i] - mx) * (lx[i] - mx), sxy += (lx[i] - mx) * (ly[i] - my);
  const double b = sxy / sxx, a = my - b * mx;
  double rss = 0;
  for (int i = 0; i < 4; ++i) rss += std::pow(ly[i] - a - b * lx[i], 2);
  const double se = std::sqrt(rss / 2 / sxx);
  const RateFits f = fit_rates(parse_results_csv(csv), "h", FitRange::parse("all"));
  ASSERT_EQ(f.fits.size(), 1u);
  EXPECT_NEAR(f.fits[0].slope, b, 1e-12);
  ASSERT_TRUE(f.fits[0].se.has_value());
  EXPECT_NEAR(*f.fits[0].se, se, 1e-12);
  // t_{0.975, 2} = 4.302652729749464 (tables).
  EXPECT_NEAR(*f.fits[0].ci_high - f.fits[0].slope, 4.302652729749464 * se, 1e-9);
}

TEST(RateFit, StudentQuantilesMatchTables) {
  EXPECT_NEAR(t_quantile_975(1), 12.706204736174698, 1e-9);
  EXPECT_NEAR(t_quantile_975(10), 2.2281388519862744, 1e-9);
  EXPECT_THROW(t_quantile_975(0), sgmtk::Error);
}

TEST(RateFit, AsymptoticRuleDropsFloorNoiseAndTheFarthestThird) {
  std::string csv = kHeader;
  // h = 1/2 .. 1/64 (6 distinct x). h = 1/64 is within 2x of the floor; h = 1/32 too noisy.
  int r = 0;
  for (int steps : {2, 4, 8, 16}) csv += row(r++, "A", steps, 1.0, 1.0 / steps, 0.001, 0.001);
  csv += row(r++, "A", 32, 1.0, 1.0 / 32, 0.5 / 32, 0.001);  // stderr > value/4
  csv += row(r++, "A", 64, 1.0, 0.0019, 0.0, 0.001);         // < 2 floor
  const RateFits f = fit_rates(parse_results_csv(csv), "h", FitRange::parse("asymptotic"));
  ASSERT_EQ(f.fits.size(), 1u);
  const auto& p = f.fits[0].points;  // sorted by x: h = 1/64 first
  ASSERT_EQ(p.size(), 6u);
  EXPECT_EQ(p[0].excluded, "within 2x of the floor");
  EXPECT_EQ(p[1].excluded, "stderr > value/4");
  // 4 remain (h = 1/16 .. 1/2): keep max(3, 4 - 4/3) = 3 nearest small h, drop h = 1/2.
  EXPECT_TRUE(p[2].used && p[3].used && p[4].used);
  EXPECT_FALSE(p[5].used);
  EXPECT_EQ(f.fits[0].used, 3u);
  EXPECT_NEAR(f.fits[0].slope, 1.0, 1e-12);
}

TEST(RateFit, HorizonIsFittedOnALinearAxisAndReplicatesAreSeparatePoints) {
  std::string csv = kHeader;
  int r = 0;
  for (double T : {1.0, 2.0, 3.0})
    for (int rep : {0, 1}) csv += row(r++, "A", 4, T, 0.4 * std::exp(-2.0 * T) * (rep ? 1.01 : 0.99), 0.0, -1, rep);
  const ResultTable t = parse_results_csv(csv);
  EXPECT_EQ(swept_keys(t), std::vector<std::string>{"horizon"});  // h varies with T, but steps does not
  const RateFits f = fit_rates(t, "horizon", FitRange::parse("all"));
  ASSERT_EQ(f.fits.size(), 1u);
  EXPECT_EQ(f.fits[0].scale, XScale::linear);
  EXPECT_NEAR(f.fits[0].slope, -2.0, 1e-12);
  EXPECT_EQ(f.fits[0].used, 6u);
  EXPECT_EQ(f.fits[0].dof, 4);
}

TEST(RateFit, GroupsBySamplerAndOtherSweptKeys) {
  std::string csv = kHeader;
  int r = 0;
  for (int dim : {1, 4})
    for (int steps : {8, 16, 32}) {
      csv += row(r++, "A", steps, 1.0, std::sqrt(dim) / steps, 0, -1, 0, dim);
      csv += row(r++, "B", steps, 1.0, std::sqrt(dim) / (steps * steps), 0, -1, 0, dim);
    }
  const ResultTable t = parse_results_csv(csv);
  EXPECT_EQ(swept_keys(t), (std::vector<std::string>{"h", "dim"}));
  const RateFits by_h = fit_rates(t, "h", FitRange::parse("all"));
  ASSERT_EQ(by_h.fits.size(), 4u);
  EXPECT_EQ(by_h.fits[0].label(), "A, m, dim=1");
  EXPECT_NEAR(by_h.fits[1].slope, 2.0, 1e-12);
  const RateFits by_dim = fit_rates(t, "dim", FitRange::parse("all"));
  ASSERT_EQ(by_dim.fits.size(), 6u);  // (A, B) x steps
  EXPECT_EQ(by_dim.fits[0].fixed, (std::vector<std::pair<std::string, std::string>>{{"steps", "8"}}));
  EXPECT_NEAR(by_dim.fits[0].slope, 0.5, 1e-12);
}

TEST(RateFit, FailedRowsAreSkippedAndListed) {
  std::string csv = kHeader + row(0, "A", 8, 1.0, 0.1) + row(1, "A", 16, 1.0, 0.05) +
                    "2,0,t,A,m,1,32,0.03125,1,0,100,1,exact,uniform,0,,,,,,diverged,\"beyond 1e6, \"\"x\"\"\"\n";
  const RateFits f = fit_rates(parse_results_csv(csv), "h", FitRange::parse("all"));
  ASSERT_EQ(f.skipped.size(), 1u);
  EXPECT_EQ(f.skipped[0].status, "diverged");
  EXPECT_EQ(f.skipped[0].message, "beyond 1e6, \"x\"");
  ASSERT_EQ(f.fits.size(), 1u);
  EXPECT_TRUE(f.fits[0].ok);
  EXPECT_FALSE(f.fits[0].ci_low.has_value());  // 2 points: no residual degrees of freedom
}

TEST(RateFit, ParsingErrorsSayWhere) {
  EXPECT_THROW(parse_results_csv(kHeader + "1,2,3\n"), sgmtk::Error);
  try {
    parse_results_csv(kHeader + row(0, "A", 8, 1.0, 0.1) + "1,2\n");
    FAIL();
  } catch (const sgmtk::Error& e) {
    EXPECT_NE(std::string(e.what()).find("line 3"), std::string::npos) << e.what();
  }
  EXPECT_THROW(FitRange::parse("bogus"), sgmtk::Error);
  EXPECT_THROW(FitRange::parse("2:1"), sgmtk::Error);
  const FitRange r = FitRange::parse("0.01:");
  EXPECT_EQ(r.rule, FitRange::Rule::explicit_range);
  EXPECT_EQ(r.lo, 0.01);
  EXPECT_TRUE(std::isinf(r.hi));
}

}  // namespace
