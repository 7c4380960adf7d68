// sgmtk report: report.md in a results folder -- the configuration, the fitted rates against the
// predictions the pipeline file states, and the figures.
//
// Predictions live in the pipeline's comments (the config loader has no [expect] table), one per
// line, so that the claim and the number a test checks sit next to each other:
//
//   # expect: SAMPLER METRIC X slope VALUE +- TOL [where KEY=VALUE[,KEY=VALUE...]] [rule RULE] (PROVENANCE)
//
// SAMPLER / METRIC may be `*`; X is the key fitted against (h, dim, horizon, score_error, ...);
// RULE is all | asymptotic (default) | LO:HI; PROVENANCE (in parentheses, required) says where the
// number comes from, with MATH.md's tag, e.g. "(MATH.md D.5, derived here)". A fit agrees when
// |slope - VALUE| <= TOL. `--check` exits 1 when any prediction disagrees or matches no fit.
#include "commands.hpp"

#include <sgmtk/error.hpp>
#include <sgmtk_engine/atomic_file.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace sgmtk::host {
namespace {

namespace fs = std::filesystem;

std::string fmt(double v, const char* f = "%.3g") {
  char buf[48];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The string value of a top-level key of summary.json (written by results_io.cpp, one key per
// line, so a full JSON parser is not needed); "" when absent.
std::string json_field(const std::string& json, const std::string& key) {
  const std::string pat = "\"" + key + "\": \"";
  const auto at = json.find(pat);
  if (at == std::string::npos) return "";
  std::string out;
  for (std::size_t i = at + pat.size(); i < json.size(); ++i) {
    const char c = json[i];
    if (c == '"') return out;
    if (c == '\\' && i + 1 < json.size()) {
      const char e = json[++i];
      out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
    } else {
      out += c;
    }
  }
  return out;
}

struct Expectation {
  int line = 0;
  std::string sampler, metric, x_key, provenance, text;
  double slope = 0.0, tol = 0.0;
  std::vector<std::pair<std::string, std::string>> where;
  std::string rule = "asymptotic";
};

std::vector<Expectation> parse_expectations(const std::string& file, const std::string& text) {
  std::vector<Expectation> out;
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    const auto hash = line.find('#');
    if (hash == std::string::npos) continue;
    const auto at = line.find("expect:", hash);
    if (at == std::string::npos || line.find_first_not_of(" \t#", hash) != at) continue;
    const std::string where = file + ":" + std::to_string(n) + ": ";
    Expectation e;
    e.line = n;
    std::string body = line.substr(at + 7);
    const auto paren = body.find('(');
    const auto close = body.rfind(')');
    if (paren == std::string::npos || close == std::string::npos || close < paren)
      throw Error(where + "an expect line needs its provenance in parentheses, e.g. (MATH.md D.5, derived here)");
    e.provenance = body.substr(paren + 1, close - paren - 1);
    body = body.substr(0, paren);
    e.text = line.substr(at + 7);
    std::istringstream ts(body);
    std::string slope_word, pm;
    if (!(ts >> e.sampler >> e.metric >> e.x_key >> slope_word >> e.slope >> pm >> e.tol) || slope_word != "slope" || pm != "+-" || !(e.tol > 0))
      throw Error(where + "expected 'expect: SAMPLER METRIC X slope VALUE +- TOL [where K=V,...] [rule R] (PROVENANCE)'");
    std::string word;
    while (ts >> word) {
      std::string arg;
      if (!(ts >> arg)) throw Error(where + "'" + word + "' needs a value");
      if (word == "where") {
        std::stringstream ks(arg);
        std::string kv;
        while (std::getline(ks, kv, ',')) {
          const auto eq = kv.find('=');
          if (eq == std::string::npos) throw Error(where + "where: expected KEY=VALUE, got '" + kv + "'");
          e.where.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
        }
      } else if (word == "rule") {
        engine::FitRange::parse(arg);  // validates
        e.rule = arg;
      } else {
        throw Error(where + "unknown word '" + word + "' (expected where or rule)");
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

bool same_value(const std::string& a, const std::string& b) {
  if (a == b) return true;
  char *ea = nullptr, *eb = nullptr;
  const double x = std::strtod(a.c_str(), &ea), y = std::strtod(b.c_str(), &eb);
  return !a.empty() && !b.empty() && *ea == 0 && *eb == 0 && x == y;
}

bool matches(const Expectation& e, const engine::RateFit& f) {
  if (e.sampler != "*" && e.sampler != f.sampler) return false;
  if (e.metric != "*" && e.metric != f.metric) return false;
  if (e.x_key != f.x_key) return false;
  for (const auto& [k, v] : e.where) {
    bool found = false;
    for (const auto& [fk, fv] : f.fixed) found = found || (fk == k && same_value(fv, v));
    if (!found) return false;
  }
  return true;
}

std::string fixed_text(const engine::RateFit& f) {
  std::string s;
  for (const auto& [k, v] : f.fixed) s += (s.empty() ? "" : ", ") + k + "=" + v;
  return s.empty() ? "-" : s;
}

std::string ci_text(const engine::RateFit& f) {
  return f.ci_low ? "[" + fmt(*f.ci_low, "%.3f") + ", " + fmt(*f.ci_high, "%.3f") + "]" : "-";
}

// The comment block at the top of the pipeline file: the claim it tests, in its own words.
std::string header_comment(const std::string& toml) {
  std::istringstream in(toml);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.rfind("#", 0) != 0) break;
    if (line.find("expect:") != std::string::npos) continue;
    out += "> " + (line.size() > 2 ? line.substr(2) : std::string()) + "\n";
  }
  return out;
}

}  // namespace

int cmd_report(const ReportOptions& o) {
  const fs::path dir(o.folder);
  const engine::ResultTable table = engine::read_results_csv((dir / "results.csv").string());
  const std::string summary = read_text((dir / "summary.json").string());
  const std::string pipeline = !o.pipeline.empty() ? o.pipeline : json_field(summary, "pipeline_file");
  const std::string name = json_field(summary, "name");
  std::string toml;
  if (!pipeline.empty() && fs::exists(pipeline)) toml = read_text(pipeline);
  const std::vector<Expectation> expectations = toml.empty() ? std::vector<Expectation>{} : parse_expectations(pipeline, toml);
  const engine::FitRange range = engine::FitRange::parse(o.fit_range);
  const std::vector<std::string> keys = plot_keys(table, o.x_key);

  std::vector<Figure> figures;
  if (!o.no_figures) figures = render_figures(o.folder, name, table, keys, range, std::cerr);

  std::ostringstream md;
  md << "# " << name << "\n\n";
  md << "Generated by `sgmtk report` from `results.csv` and `summary.json` in this folder";
  md << (toml.empty() ? " (the pipeline file `" + pipeline + "` was not found: no predictions)" : ", pipeline `" + pipeline + "`") << ".\n\n";
  if (!toml.empty()) md << header_comment(toml) << "\n";

  // Predictions against fits.
  int disagreements = 0;
  md << "## Fitted rates against the predictions\n\n";
  if (expectations.empty()) {
    md << "The pipeline states no `# expect:` line.\n\n";
  } else {
    md << "Least squares of log(value) on log(x) (on x for the horizon: an exponential rate), 95% CI from Student's t on the "
          "residuals. A prediction agrees when |fitted - predicted| <= its tolerance.\n\n";
    md << "| sampler | metric | x | fixed | fit range | predicted | fitted slope | 95% CI | points | verdict | source of the prediction |\n";
    md << "|---|---|---|---|---|---|---|---|---|---|---|\n";
    for (const auto& e : expectations) {
      const engine::RateFits fits = engine::fit_rates(table, e.x_key, engine::FitRange::parse(e.rule));
      int matched = 0;
      for (const auto& f : fits.fits) {
        if (!matches(e, f)) continue;
        ++matched;
        const bool ok = f.ok && std::abs(f.slope - e.slope) <= e.tol;
        disagreements += !ok;
        md << "| " << f.sampler << " | " << f.metric << " | " << f.x_key << " | " << fixed_text(f) << " | " << e.rule << " | "
           << fmt(e.slope, "%g") << " ± " << fmt(e.tol, "%g") << " | " << (f.ok ? fmt(f.slope, "%.3f") : "-") << " | " << ci_text(f) << " | "
           << f.used << (f.ok ? " (x in " + fmt(f.x_lo) + " .. " + fmt(f.x_hi) + ")" : "") << " | " << (ok ? "agrees" : "**disagrees**")
           << " | " << e.provenance << " |\n";
        if (o.check && !ok)
          std::cerr << pipeline << ":" << e.line << ": " << f.label() << ": fitted slope " << (f.ok ? fmt(f.slope, "%.3f") : "none")
                    << ", predicted " << e.slope << " +- " << e.tol << "\n";
      }
      if (matched == 0) {
        ++disagreements;
        md << "| " << e.sampler << " | " << e.metric << " | " << e.x_key << " | - | " << e.rule << " | " << fmt(e.slope, "%g") << " ± "
           << fmt(e.tol, "%g") << " | - | - | 0 | **no matching results** | " << e.provenance << " |\n";
        if (o.check) std::cerr << pipeline << ":" << e.line << ": no fit matches '" << e.text << "'\n";
      }
    }
    md << "\n";
  }

  // Every fit, for what the pipeline does not predict.
  md << "## Every fitted rate (rule: " << range.describe() << ")\n\n";
  md << "| sampler | metric | x | fixed | slope | 95% CI | points used / total | note |\n|---|---|---|---|---|---|---|---|\n";
  std::vector<engine::SkippedRow> skipped;
  for (const auto& key : keys) {
    const engine::RateFits fits = engine::fit_rates(table, key, range);
    if (key == keys.front()) skipped = fits.skipped;
    for (const auto& f : fits.fits)
      md << "| " << f.sampler << " | " << f.metric << " | " << f.x_key << " | " << fixed_text(f) << " | " << (f.ok ? fmt(f.slope, "%.3f") : "-")
         << " | " << ci_text(f) << " | " << f.used << " / " << f.points.size() << " | " << f.note << " |\n";
  }
  md << "\n";
  if (!figures.empty()) {
    md << "## Figures\n\nFilled points are inside the fit range; dotted lines are the fits; dashed grey lines the finite-sample floor "
          "(two exact samples of pi). Error bars: the metric's standard error (the spread of the replicates when there are several).\n\n";
    for (const auto& fig : figures)
      md << "![" << fig.metric << " against " << fig.x_key << "](" << fs::relative(fig.png, dir).string() << ")  \n["
         << fs::relative(fig.svg, dir).string() << "](" << fs::relative(fig.svg, dir).string() << ")\n\n";
  }
  if (!skipped.empty()) {
    md << "## Skipped runs (diverged or failed; never fitted)\n\n";
    for (const auto& s : skipped) md << "- run " << s.run << " (" << s.sampler << ", " << s.metric << "): " << s.status << (s.message.empty() ? "" : ": " + s.message) << "\n";
    md << "\n";
  }
  if (!toml.empty()) md << "## Configuration\n\n```toml\n" << toml << (toml.back() == '\n' ? "" : "\n") << "```\n";

  const fs::path out = dir / "report.md";
  engine::write_file_atomically(out.string(), md.str());
  std::cout << out.string() << "\n";
  if (o.check && disagreements > 0) {
    std::cerr << disagreements << " prediction(s) not met (see " << out.string() << ")\n";
    return exit_run_failed;
  }
  return exit_ok;
}

}  // namespace sgmtk::host
