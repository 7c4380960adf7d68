#pragma once
// Fitted convergence rates: least squares of log(value) on log(x) (or on x, for keys whose
// error decays exponentially, e.g. the horizon T: MATH.md D.1's e^{-2T}), per
// (sampler, metric, values of the other swept keys), with a 95% confidence interval from the
// t-distribution on the residuals (replicates enter as separate points, so their scatter is in
// the residuals).
//
// The input is results.csv itself (parse_results_csv), so that the end of a run
// (results_io.cpp) and `sgmtk plot` / `sgmtk report` (which recompute from the file) fit
// exactly the same numbers.
//
// Fit ranges:
//   all         every usable point (status ok, value > 0 and finite, x > 0 on a log axis);
//   asymptotic  the documented, pipeline-independent rule below;
//   explicit    lo <= x <= hi (`--fit-range LO:HI`), among the usable points.
// The asymptotic rule: (1) drop points within a factor 2 of the finite-sample floor (value <
// 2 floor: there the floor, not the quantity, dominates); (2) drop points whose standard error
// exceeds a quarter of the value (log(value) uncertain by more than ~0.25); (3) of the remaining
// distinct x values, keep the floor(m/2) + 1 nearest the asymptotic end (at least 3 when 3
// remain): small x for h and early_stop, large x for every other key. Pre-asymptotic points
// (large h, REM/REI's non-monotone start, MATH.md D.5) are what (3) removes.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sgmtk::engine {

/// results.csv as text columns (quoted fields and doubled quotes handled).
struct ResultTable {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
  /// Column index, or -1 when absent.
  int column(const std::string& name) const;
  /// The field of `row` in column `name`; "" when the column is absent.
  const std::string& field(std::size_t row, const std::string& name) const;
};

/// Parses results.csv text; throws sgmtk::Error naming the line on a malformed row.
ResultTable parse_results_csv(const std::string& text);
/// Reads and parses a results.csv file; throws sgmtk::Error with the path on failure.
ResultTable read_results_csv(const std::string& path);

enum class XScale { log, linear };
/// linear for horizon (error ~ e^{-c T}: the slope of log(value) in T is the exponential rate),
/// log for every other key.
XScale default_x_scale(const std::string& key);
/// True when the asymptotic end of `key` is at small x (h, early_stop).
bool asymptotic_at_small_x(const std::string& key);

struct FitRange {
  enum class Rule { all, asymptotic, explicit_range } rule = Rule::asymptotic;
  double lo = 0.0, hi = 0.0;  ///< explicit_range only; either may be +-inf
  /// "all", "asymptotic" or "LO:HI" (either side may be empty); throws on anything else.
  static FitRange parse(const std::string& text);
  std::string describe() const;
};

/// The swept numeric keys of a table, in a fixed order: steps (reported as "h"), dim, horizon,
/// early_stop, particles, score_error, then target.* columns; a key is swept when it takes more
/// than one value. "h" replaces steps because theory speaks of orders in h.
std::vector<std::string> swept_keys(const ResultTable& table);

struct RatePoint {
  double x = 0.0;
  double value = 0.0;
  double stderr_ = 0.0;
  std::optional<double> floor;
  std::int64_t replicate = 0;
  bool used = false;       ///< inside the fit range
  std::string excluded;    ///< why not used ("" when used)
};

struct RateFit {
  std::string sampler, metric, x_key;
  XScale scale = XScale::log;
  std::vector<std::pair<std::string, std::string>> fixed;  ///< the other swept keys' values
  std::string rule;                                        ///< FitRange::describe()
  std::vector<RatePoint> points;                           ///< every ok row of the group, by x
  std::size_t used = 0;
  bool ok = false;          ///< a slope was fitted (>= 2 distinct x)
  double slope = 0.0, intercept = 0.0;
  std::optional<double> se, ci_low, ci_high;  ///< absent with 0 residual degrees of freedom
  int dof = 0;
  double x_lo = 0.0, x_hi = 0.0;  ///< range of the used points
  std::string note;
  /// "sampler, metric[, key=value...]" for legends and tables.
  std::string label() const;
};

/// A run x metric row that is not a value (diverged, failed, or a missing/non-positive value).
struct SkippedRow {
  std::string run, sampler, metric, status, message;
};

struct RateFits {
  std::vector<RateFit> fits;
  std::vector<SkippedRow> skipped;
};

/// Fits every (sampler, metric, other swept values) group against `x_key` ("h", "steps", "dim",
/// "horizon", ..., "target.<param>") with `range`. Groups keep the table's first-appearance order.
RateFits fit_rates(const ResultTable& table, const std::string& x_key, const FitRange& range,
                   std::optional<XScale> scale = std::nullopt);

/// Two-sided 95% quantile of Student's t with `dof` degrees of freedom (dof >= 1).
double t_quantile_975(int dof);

/// JSON array of fits (one object per fit; points summarized by count and range).
std::string rate_fits_json(const std::vector<RateFit>& fits, const std::string& indent);

}  // namespace sgmtk::engine
