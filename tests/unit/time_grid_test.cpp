// Time grids (MATH.md A.3): exact endpoints, nesting of refinements, clear errors.
#include <sgmtk/error.hpp>
#include <sgmtk/time_grid.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace sgmtk {
namespace {

TEST(TimeGrid, UniformEndpointsAndSteps) {
  const TimeGrid g(Schedule::uniform, 3.0, 0.1, 7);
  EXPECT_EQ(g.tau(0), 3.0);
  EXPECT_EQ(g.tau(7), 0.1);
  EXPECT_EQ(g.t(0), 0.0);
  EXPECT_EQ(g.steps(), 7);
  double total = 0.0;
  for (Index k = 0; k < 7; ++k) {
    EXPECT_NEAR(g.h(k), 2.9 / 7.0, 1e-15);
    EXPECT_GT(g.tau(k), g.tau(k + 1));
    total += g.h(k);
  }
  EXPECT_NEAR(total, 2.9, 1e-14);
  EXPECT_NEAR(g.mean_step(), 2.9 / 7.0, 1e-16);
}

TEST(TimeGrid, GeometricEndpointsAndRatios) {
  const TimeGrid g(Schedule::geometric, 5.0, 1e-3, 10);
  EXPECT_EQ(g.tau(0), 5.0);
  EXPECT_EQ(g.tau(10), 1e-3);
  const double ratio = std::pow(1e-3 / 5.0, 0.1);
  for (Index k = 0; k < 10; ++k) {
    EXPECT_NEAR(g.tau(k + 1) / g.tau(k), ratio, 1e-14);
    if (k > 0) EXPECT_LT(g.h(k), g.h(k - 1));  // steps shrink toward delta
  }
}

TEST(TimeGrid, RefinementContainsTheCoarsePointsExactly) {
  for (Schedule s : {Schedule::uniform, Schedule::geometric}) {
    const TimeGrid coarse(s, 2.0, 0.01, 12);
    for (Index r : {2, 3, 8}) {
      const TimeGrid fine = coarse.refined(r);
      EXPECT_EQ(fine.steps(), 12 * r);
      EXPECT_EQ(fine.schedule(), s);
      for (Index k = 0; k <= 12; ++k) EXPECT_EQ(fine.tau(k * r), coarse.tau(k)) << to_string(s) << " r=" << r << " k=" << k;
      for (Index k = 0; k < 12; ++k) {
        double sum = 0.0;
        for (Index j = k * r; j < (k + 1) * r; ++j) sum += fine.h(j);
        EXPECT_NEAR(sum, coarse.h(k), 1e-14);
      }
    }
  }
}

TEST(TimeGrid, ZeroEarlyStopIsAllowedForUniform) {
  const TimeGrid g(Schedule::uniform, 1.0, 0.0, 4);
  EXPECT_EQ(g.tau(4), 0.0);
  EXPECT_EQ(g.tau(3), 0.25);
}

std::string error_of(Schedule s, double T, double delta, Index K) {
  try {
    TimeGrid g(s, T, delta, K);
  } catch (const ParamError& e) {
    return e.what();
  }
  return "";
}

TEST(TimeGrid, BadInputsThrowParamErrorWithClearMessages) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_NE(error_of(Schedule::uniform, 0.0, 0.0, 4).find("horizon T must be a positive number"), std::string::npos);
  EXPECT_NE(error_of(Schedule::uniform, nan, 0.0, 4).find("horizon"), std::string::npos);
  EXPECT_NE(error_of(Schedule::uniform, 1.0, -0.1, 4).find("early_stop must be >= 0"), std::string::npos);
  EXPECT_NE(error_of(Schedule::uniform, 1.0, 1.0, 4).find("must be smaller than the horizon"), std::string::npos);
  EXPECT_NE(error_of(Schedule::uniform, 1.0, 0.1, 0).find("steps must be >= 1"), std::string::npos);
  EXPECT_NE(error_of(Schedule::geometric, 1.0, 0.0, 4).find("geometric schedule needs early_stop > 0"), std::string::npos);
  EXPECT_EQ(error_of(Schedule::geometric, 1.0, 0.1, 4), "");
}

TEST(TimeGrid, ScheduleNames) {
  EXPECT_EQ(parse_schedule("uniform"), Schedule::uniform);
  EXPECT_EQ(parse_schedule("geometric"), Schedule::geometric);
  EXPECT_STREQ(to_string(Schedule::geometric), "geometric");
  try {
    parse_schedule("linear");
    ADD_FAILURE();
  } catch (const ParamError& e) {
    EXPECT_NE(std::string(e.what()).find("'linear'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sgmtk
