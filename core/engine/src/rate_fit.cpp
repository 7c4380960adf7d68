#include <sgmtk_engine/rate_fit.hpp>

#include <sgmtk/error.hpp>
#include <sgmtk_engine/json_text.hpp>

#include <boost/math/distributions/students_t.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

namespace sgmtk::engine {
namespace {

// Splits one CSV record starting at `pos` (RFC 4180: quoted fields may hold commas, quotes
// doubled, newlines); advances `pos` past the record's newline.
std::vector<std::string> csv_record(const std::string& text, std::size_t& pos, std::size_t line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  while (pos < text.size()) {
    const char c = text[pos++];
    if (quoted) {
      if (c == '"') {
        if (pos < text.size() && text[pos] == '"') {
          fields.back() += '"';
          ++pos;
        } else {
          quoted = false;
        }
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c == '\n') {
      return fields;
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  if (quoted) throw Error("results.csv line " + std::to_string(line) + ": unterminated quoted field");
  return fields;
}

std::optional<double> number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return v;
}

std::string num(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}


// The column holding a fixed (non-x) swept key's value. "h" is derived from steps, horizon and
// early_stop, so it groups by steps: with a swept horizon, h varies inside a group of fixed steps.
std::string group_column(const std::string& key) { return key == "h" ? "steps" : key; }

// Ordinary least squares of y on x: slope, intercept, residual dof, slope standard error.
struct Ols {
  double slope = 0.0, intercept = 0.0;
  int dof = 0;
  std::optional<double> se;
};
Ols ols(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = static_cast<double>(x.size());
  double mx = 0.0, my = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) mx += x[i] / n, my += y[i] / n;
  double sxx = 0.0, sxy = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) sxx += (x[i] - mx) * (x[i] - mx), sxy += (x[i] - mx) * (y[i] - my);
  Ols r;
  r.slope = sxy / sxx;
  r.intercept = my - r.slope * mx;
  r.dof = static_cast<int>(x.size()) - 2;
  if (r.dof > 0) {
    double rss = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double e = y[i] - r.intercept - r.slope * x[i];
      rss += e * e;
    }
    r.se = std::sqrt(rss / r.dof / sxx);
  }
  return r;
}

}  // namespace

int ResultTable::column(const std::string& name) const {
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == name) return static_cast<int>(i);
  return -1;
}

const std::string& ResultTable::field(std::size_t row, const std::string& name) const {
  static const std::string empty;
  const int c = column(name);
  if (c < 0 || static_cast<std::size_t>(c) >= rows[row].size()) return empty;
  return rows[row][static_cast<std::size_t>(c)];
}

ResultTable parse_results_csv(const std::string& text) {
  ResultTable t;
  std::size_t pos = 0, line = 1;
  if (text.empty()) throw Error("results.csv is empty (no header)");
  t.columns = csv_record(text, pos, line);
  for (const char* required : {"sampler", "metric", "value", "stderr", "status"})
    if (t.column(required) < 0) throw Error(std::string("results.csv has no '") + required + "' column");
  while (pos < text.size()) {
    ++line;
    auto rec = csv_record(text, pos, line);
    if (rec.size() == 1 && rec[0].empty()) continue;
    if (rec.size() != t.columns.size()) {
      throw Error("results.csv line " + std::to_string(line) + ": " + std::to_string(rec.size()) + " fields, the header has " +
                  std::to_string(t.columns.size()));
    }
    t.rows.push_back(std::move(rec));
  }
  return t;
}

ResultTable read_results_csv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  try {
    return parse_results_csv(ss.str());
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
}

XScale default_x_scale(const std::string& key) { return key == "horizon" ? XScale::linear : XScale::log; }

bool asymptotic_at_small_x(const std::string& key) { return key == "h" || key == "early_stop"; }

FitRange FitRange::parse(const std::string& text) {
  FitRange r;
  if (text == "all") {
    r.rule = Rule::all;
    return r;
  }
  if (text == "asymptotic" || text.empty()) return r;
  const auto colon = text.find(':');
  if (colon == std::string::npos) throw Error("fit range '" + text + "': expected all, asymptotic or LO:HI (either side may be empty)");
  const std::string lo = text.substr(0, colon), hi = text.substr(colon + 1);
  const auto l = lo.empty() ? std::optional<double>(-std::numeric_limits<double>::infinity()) : number(lo);
  const auto h = hi.empty() ? std::optional<double>(std::numeric_limits<double>::infinity()) : number(hi);
  if (!l || !h || !(*l <= *h)) throw Error("fit range '" + text + "': expected LO:HI with numbers LO <= HI");
  r.rule = Rule::explicit_range;
  r.lo = *l;
  r.hi = *h;
  return r;
}

std::string FitRange::describe() const {
  switch (rule) {
    case Rule::all: return "all";
    case Rule::asymptotic: return "asymptotic";
    case Rule::explicit_range: return num(lo) + ":" + num(hi);
  }
  return "";
}

std::vector<std::string> swept_keys(const ResultTable& table) {
  std::vector<std::string> candidates{"steps", "dim", "horizon", "early_stop", "particles", "score_error"};
  for (const auto& c : table.columns)
    if (c.rfind("target.", 0) == 0) candidates.push_back(c);
  std::vector<std::string> out;
  for (const auto& key : candidates) {
    if (table.column(key) < 0) continue;
    std::set<std::string> values;
    bool numeric = true;
    for (std::size_t r = 0; r < table.rows.size(); ++r) {
      const std::string& v = table.field(r, key);
      numeric = numeric && number(v).has_value();
      values.insert(v);
    }
    if (values.size() > 1 && numeric) out.push_back(key == "steps" ? "h" : key);
  }
  return out;
}

double t_quantile_975(int dof) {
  if (dof < 1) throw Error("t quantile needs at least one degree of freedom");
  return boost::math::quantile(boost::math::students_t_distribution<double>(dof), 0.975);
}

std::string RateFit::label() const {
  std::string s = sampler + ", " + metric;
  for (const auto& [k, v] : fixed) s += ", " + k + "=" + v;
  return s;
}

RateFits fit_rates(const ResultTable& table, const std::string& x_key, const FitRange& range, std::optional<XScale> scale_opt) {
  if (table.column(x_key) < 0) throw Error("results.csv has no column '" + x_key + "' to fit against");
  const XScale scale = scale_opt.value_or(default_x_scale(x_key));
  std::vector<std::string> fixed_keys;
  for (const auto& k : swept_keys(table)) {
    if (k == x_key || (x_key == "steps" && k == "h")) continue;
    fixed_keys.push_back(k);
  }
  const bool has_floor = table.column("floor") >= 0;
  RateFits out;
  std::map<std::vector<std::string>, std::size_t> index;  // group key -> fits position
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const std::string& status = table.field(r, "status");
    const auto value = number(table.field(r, "value"));
    if (status != "ok" || !value) {
      out.skipped.push_back({table.field(r, "run"), table.field(r, "sampler"), table.field(r, "metric"), status,
                             table.field(r, "message")});
      continue;
    }
    std::vector<std::string> key{table.field(r, "sampler"), table.field(r, "metric")};
    for (const auto& k : fixed_keys) key.push_back(table.field(r, group_column(k)));
    auto [it, inserted] = index.emplace(key, out.fits.size());
    if (inserted) {
      RateFit f;
      f.sampler = key[0];
      f.metric = key[1];
      f.x_key = x_key;
      f.scale = scale;
      f.rule = range.describe();
      for (std::size_t i = 0; i < fixed_keys.size(); ++i) f.fixed.emplace_back(group_column(fixed_keys[i]), key[i + 2]);
      out.fits.push_back(std::move(f));
    }
    RatePoint p;
    p.x = number(table.field(r, x_key)).value_or(std::numeric_limits<double>::quiet_NaN());
    p.value = *value;
    p.stderr_ = number(table.field(r, "stderr")).value_or(0.0);
    if (has_floor) p.floor = number(table.field(r, "floor"));
    p.replicate = static_cast<std::int64_t>(number(table.field(r, "replicate")).value_or(0.0));
    out.fits[it->second].points.push_back(p);
  }

  for (RateFit& f : out.fits) {
    std::sort(f.points.begin(), f.points.end(), [](const RatePoint& a, const RatePoint& b) {
      return a.x != b.x ? a.x < b.x : a.replicate < b.replicate;
    });
    // Usable at all: a logarithm of the value (and of x on a log axis) exists.
    for (RatePoint& p : f.points) {
      if (!std::isfinite(p.x) || (scale == XScale::log && p.x <= 0.0)) p.excluded = "x not positive (log axis)";
      else if (!(p.value > 0.0) || !std::isfinite(p.value)) p.excluded = "value not positive";
    }
    if (range.rule == FitRange::Rule::explicit_range) {
      for (RatePoint& p : f.points)
        if (p.excluded.empty() && (p.x < range.lo || p.x > range.hi)) p.excluded = "outside the fit range";
    } else if (range.rule == FitRange::Rule::asymptotic) {
      for (RatePoint& p : f.points) {
        if (!p.excluded.empty()) continue;
        if (p.floor && *p.floor > 0.0 && p.value < 2.0 * *p.floor) p.excluded = "within 2x of the floor";
        else if (p.stderr_ > 0.25 * p.value) p.excluded = "stderr > value/4";
      }
      std::vector<double> xs;
      for (const RatePoint& p : f.points)
        if (p.excluded.empty() && (xs.empty() || xs.back() != p.x)) xs.push_back(p.x);
      if (!asymptotic_at_small_x(x_key)) std::reverse(xs.begin(), xs.end());  // nearest the asymptotic end first
      const std::size_t m = xs.size();
      const std::size_t keep = std::max(std::min<std::size_t>(3, m), m - m / 3);
      const std::set<double> kept(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(keep));
      for (RatePoint& p : f.points)
        if (p.excluded.empty() && !kept.count(p.x)) p.excluded = "pre-asymptotic (farthest third of x)";
    }
    std::vector<double> lx, ly;
    std::set<double> distinct;
    for (RatePoint& p : f.points) {
      p.used = p.excluded.empty();
      if (!p.used) continue;
      lx.push_back(scale == XScale::log ? std::log(p.x) : p.x);
      ly.push_back(std::log(p.value));
      distinct.insert(p.x);
      f.x_lo = f.used == 0 ? p.x : std::min(f.x_lo, p.x);
      f.x_hi = f.used == 0 ? p.x : std::max(f.x_hi, p.x);
      ++f.used;
    }
    if (distinct.size() < 2) {
      f.note = "fewer than 2 distinct x values in the fit range: no slope";
      continue;
    }
    const Ols o = ols(lx, ly);
    f.ok = true;
    f.slope = o.slope;
    f.intercept = o.intercept;
    f.dof = o.dof;
    if (o.se) {
      f.se = *o.se;
      const double half = t_quantile_975(o.dof) * *o.se;
      f.ci_low = o.slope - half;
      f.ci_high = o.slope + half;
    } else {
      f.note = "2 points: no residual degrees of freedom, no confidence interval";
    }
  }
  return out;
}

std::string rate_fits_json(const std::vector<RateFit>& fits, const std::string& indent) {
  std::ostringstream os;
  os << "[";
  for (std::size_t i = 0; i < fits.size(); ++i) {
    const RateFit& f = fits[i];
    os << (i ? ",\n" : "\n") << indent << "  {\"sampler\": " << json_string(f.sampler) << ", \"metric\": " << json_string(f.metric)
       << ", \"x\": " << json_string(f.x_key) << ", \"model\": "
       << json_string(f.scale == XScale::log ? "log(value) = a + slope log(x)" : "log(value) = a + slope x") << ", \"fixed\": {";
    for (std::size_t k = 0; k < f.fixed.size(); ++k) os << (k ? ", " : "") << json_string(f.fixed[k].first) << ": " << json_string(f.fixed[k].second);
    os << "}, \"rule\": " << json_string(f.rule) << ", \"points\": " << f.used << ", \"points_total\": " << f.points.size();
    if (f.ok) {
      os << ", \"x_range\": [" << num(f.x_lo) << ", " << num(f.x_hi) << "], \"slope\": " << num(f.slope) << ", \"intercept\": " << num(f.intercept)
         << ", \"dof\": " << f.dof << ", \"slope_se\": " << (f.se ? num(*f.se) : "null") << ", \"ci95\": ";
      if (f.ci_low) os << "[" << num(*f.ci_low) << ", " << num(*f.ci_high) << "]";
      else os << "null";
    } else {
      os << ", \"slope\": null";
    }
    os << ", \"note\": " << json_string(f.note) << "}";
  }
  os << (fits.empty() ? "]" : "\n" + indent + "]");
  return os.str();
}

}  // namespace sgmtk::engine
