// Parameter validation (params.hpp): defaults, promotions, ranges, choices, unknown names with a
// suggestion, missing and optional parameters, wrong types, non-finite values, formatting.
#include <sgmtk/params.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace sgmtk {
namespace {

std::vector<ParamSpec> specs() {
  return {
      ParamSpec::integer("steps", 16, "number of steps").at_least(1).at_most(4096),
      ParamSpec::real("stddev", 1.0, "standard deviation").above(0.0),
      ParamSpec::real("fraction", 0.5, "a fraction").at_least(0.0).below(1.0),
      ParamSpec::boolean("verbose", false, "talk"),
      ParamSpec::choice("schedule", "uniform", {"uniform", "geometric"}, "time grid"),
      ParamSpec::reals("mean", RealList{0.0}, "mean"),
      ParamSpec::matrix("means", RealMatrix{{1.0, 2.0}}, "component means"),
      ParamSpec::string("label", std::nullopt, "a required label"),
      ParamSpec::real("variance", std::nullopt, "optional, no default").above(0.0).optional(),
  };
}

Params with_label() {
  Params p;
  p.set("label", std::string("x"));
  return p;
}

// The message of the ParamValueError thrown for `given`, and its key.
std::pair<std::string, std::string> error_for(const Params& given) {
  try {
    validate_params(specs(), given, "myplugin");
  } catch (const ParamValueError& e) {
    return {e.key(), e.what()};
  }
  return {"", ""};
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(Params, DefaultsAreFilledInAndOptionalsLeftAbsent) {
  const Params p = validate_params(specs(), with_label(), "myplugin");
  EXPECT_EQ(p.integer("steps"), 16);
  EXPECT_EQ(p.real("stddev"), 1.0);
  EXPECT_FALSE(p.boolean("verbose"));
  EXPECT_EQ(p.string("schedule"), "uniform");
  EXPECT_EQ(p.reals("mean"), RealList{0.0});
  EXPECT_EQ(p.matrix("means"), (RealMatrix{{1.0, 2.0}}));
  EXPECT_EQ(p.string("label"), "x");
  EXPECT_FALSE(p.has("variance"));
  // declaration order
  ASSERT_EQ(p.items().size(), 8u);
  EXPECT_EQ(p.items()[0].first, "steps");
  EXPECT_EQ(p.items()[7].first, "label");
}

TEST(Params, OptionalParameterWhenGiven) {
  Params g = with_label();
  g.set("variance", 2.5);
  EXPECT_EQ(validate_params(specs(), g, "myplugin").real("variance"), 2.5);
  g.set("variance", -1.0);
  EXPECT_EQ(error_for(g).first, "variance");  // still range-checked
  ParamSpec s = ParamSpec::real("v", 1.0, "doc").optional();
  EXPECT_FALSE(s.required());
  EXPECT_FALSE(s.default_value.has_value());
  EXPECT_TRUE(ParamSpec::real("w", std::nullopt, "doc").required());
}

TEST(Params, IntegerPromotedToRealAndScalarToList) {
  Params g = with_label();
  g.set("stddev", std::int64_t{3});
  g.set("mean", 2.5);
  const Params p = validate_params(specs(), g, "myplugin");
  EXPECT_EQ(p.real("stddev"), 3.0);
  EXPECT_EQ(p.reals("mean"), RealList{2.5});
  g.set("mean", std::int64_t{4});
  EXPECT_EQ(validate_params(specs(), g, "myplugin").reals("mean"), RealList{4.0});
}

TEST(Params, RangesInclusiveAndExclusive) {
  auto check = [](const std::string& name, ParamValue v, bool ok) {
    Params g = with_label();
    g.set(name, v);
    const auto [key, msg] = error_for(g);
    if (ok) {
      EXPECT_EQ(key, "") << name << ": " << msg;
    } else {
      EXPECT_EQ(key, name);
      EXPECT_TRUE(contains(msg, "out of range")) << msg;
      EXPECT_TRUE(contains(msg, "myplugin")) << msg;
    }
  };
  check("steps", std::int64_t{1}, true);
  check("steps", std::int64_t{0}, false);
  check("steps", std::int64_t{4096}, true);
  check("steps", std::int64_t{4097}, false);
  check("stddev", 0.0, false);  // exclusive lower bound
  check("stddev", 1e-300, true);
  check("fraction", 0.0, true);
  check("fraction", 1.0, false);  // exclusive upper bound
  check("fraction", 0.999, true);
  Params g = with_label();
  g.set("stddev", 0.0);
  EXPECT_TRUE(contains(error_for(g).second, "real > 0.0")) << error_for(g).second;
}

TEST(Params, ChoicesWithDidYouMean) {
  Params g = with_label();
  g.set("schedule", std::string("geometirc"));
  const auto [key, msg] = error_for(g);
  EXPECT_EQ(key, "schedule");
  EXPECT_TRUE(contains(msg, "did you mean \"geometric\"")) << msg;
  g.set("schedule", std::string("zzzzzzzzzzzz"));
  const auto [key2, msg2] = error_for(g);
  EXPECT_TRUE(contains(msg2, "\"uniform\", \"geometric\"")) << msg2;
  EXPECT_FALSE(contains(msg2, "did you mean")) << msg2;
}

TEST(Params, UnknownKeyWithSuggestion) {
  Params g = with_label();
  g.set("stdev", 1.0);
  const auto [key, msg] = error_for(g);
  EXPECT_EQ(key, "stdev");
  EXPECT_TRUE(contains(msg, "unknown parameter 'stdev'")) << msg;
  EXPECT_TRUE(contains(msg, "did you mean 'stddev'?")) << msg;
  Params h = with_label();
  h.set("qqqqqqqqqqqqqqqq", 1.0);
  EXPECT_TRUE(contains(error_for(h).second, "expected one of: steps, stddev")) << error_for(h).second;
  Params none;
  none.set("x", 1.0);
  try {
    validate_params({}, none, "euler_maruyama");
    ADD_FAILURE();
  } catch (const ParamValueError& e) {
    EXPECT_TRUE(contains(e.what(), "takes no parameters")) << e.what();
  }
}

TEST(Params, MissingRequired) {
  const auto [key, msg] = error_for(Params{});
  EXPECT_EQ(key, "label");
  EXPECT_TRUE(contains(msg, "missing required parameter 'label'")) << msg;
  EXPECT_TRUE(contains(msg, "a required label")) << msg;  // the doc helps the user
}

TEST(Params, WrongType) {
  Params g = with_label();
  g.set("steps", 2.5);  // a real is not silently truncated to an integer
  auto [key, msg] = error_for(g);
  EXPECT_EQ(key, "steps");
  EXPECT_TRUE(contains(msg, "must be a integer") || contains(msg, "must be an integer")) << msg;
  EXPECT_TRUE(contains(msg, "got a real")) << msg;
  Params h = with_label();
  h.set("verbose", std::int64_t{1});
  EXPECT_EQ(error_for(h).first, "verbose");
  Params m = with_label();
  m.set("means", RealList{1.0});
  EXPECT_EQ(error_for(m).first, "means");
  Params e = with_label();
  e.set("mean", RealList{});
  EXPECT_TRUE(contains(error_for(e).second, "must not be empty")) << error_for(e).second;
}

TEST(Params, NonFiniteRejected) {
  for (double bad : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    Params g = with_label();
    g.set("stddev", bad);
    auto [key, msg] = error_for(g);
    EXPECT_EQ(key, "stddev");
    EXPECT_TRUE(contains(msg, "finite")) << msg;
    Params l = with_label();
    l.set("mean", RealList{0.0, bad});  // unbounded list elements too
    EXPECT_EQ(error_for(l).first, "mean");
    Params m = with_label();
    m.set("means", RealMatrix{{0.0}, {bad}});
    EXPECT_EQ(error_for(m).first, "means");
  }
}

TEST(Params, GettersNameTheParameter) {
  const Params p = validate_params(specs(), with_label(), "myplugin");
  try {
    p.real("steps");
    ADD_FAILURE();
  } catch (const ParamError& e) {
    EXPECT_TRUE(contains(e.what(), "'steps' is a integer") || contains(e.what(), "'steps' is an integer")) << e.what();
  }
  EXPECT_THROW(p.real("nope"), ParamError);
}

TEST(Params, FormatValueRoundTrip) {
  EXPECT_EQ(format_value(true), "true");
  EXPECT_EQ(format_value(std::int64_t{-3}), "-3");
  EXPECT_EQ(format_value(1.0), "1.0");  // recognisably a real
  EXPECT_EQ(format_value(std::string("a")), "\"a\"");
  EXPECT_EQ(format_value(RealList{0.5, 2.0}), "[0.5, 2.0]");
  EXPECT_EQ(format_value(RealMatrix{{1.0}, {2.5, 3.0}}), "[[1.0], [2.5, 3.0]]");
  // 17 significant digits: the printed real reads back to the same double.
  for (double x : {0.1, 1.0 / 3.0, 6.02214076e23, -2.5e-300, 1e21}) {
    EXPECT_EQ(std::stod(format_value(x)), x) << format_value(x);
  }
}

TEST(Params, RangeText) {
  EXPECT_EQ(ParamSpec::integer("k", 1, "").at_least(1).at_most(64).range_text(), "integer in [1, 64]");
  EXPECT_EQ(ParamSpec::real("s", 1.0, "").above(0.0).range_text(), "real > 0.0");
  EXPECT_EQ(ParamSpec::real("f", 0.5, "").at_least(0.0).below(1.0).range_text(), "real in [0.0, 1.0)");
  EXPECT_EQ(ParamSpec::real("x", 0.5, "").at_most(2.0).range_text(), "real <= 2.0");
  EXPECT_EQ(ParamSpec::reals("l", std::nullopt, "").above(0.0).range_text(), "list of reals, elements > 0.0");
  EXPECT_EQ(ParamSpec::choice("c", "a", {"a", "b"}, "").range_text(), "string, one of: \"a\", \"b\"");
  EXPECT_EQ(ParamSpec::boolean("b", true, "").range_text(), "boolean");
}

TEST(Params, DidYouMean) {
  EXPECT_EQ(did_you_mean("stdev", {"stddev", "mean"}), "stddev");
  EXPECT_EQ(did_you_mean("completely_different", {"dim", "mean"}), "");
  EXPECT_EQ(did_you_mean("x", {}), "");
}

}  // namespace
}  // namespace sgmtk
