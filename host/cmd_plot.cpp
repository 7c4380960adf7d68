// sgmtk plot: log-log figures of a results folder (error against a swept key), one figure per
// (metric, x key), one line per (sampler, other swept values), each with its fitted slope and
// 95% CI in the legend, error bars, the fitted line over the fit range and the finite-sample
// floor (dashed). Rendered by gnuplot (found on PATH at run time); the fits are recomputed from
// results.csv with the same code as summary.json's (sgmtk_engine/rate_fit.hpp).
#include "commands.hpp"
#include "text_format.hpp"

#include <sgmtk/error.hpp>
#include <sgmtk_engine/atomic_file.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <sstream>
#include <unistd.h>

namespace sgmtk::host {
namespace {

namespace fs = std::filesystem;

std::string fmt(double v, const char* f = "%.6g") { return format_number(v, f); }

std::string quoted(const std::string& s) { return shell_quoted(s); }
std::string gp_string(const std::string& s) {  // gnuplot single-quoted: '' is a quote
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string file_safe(std::string s) {
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
  return s;
}

// One plotted point: the replicate mean and its error bar (the spread of the replicates,
// sd/sqrt(R), when there are several; else the metric's own stderr).
struct Plotted {
  double x, y, err;
  bool used;
};
std::vector<Plotted> plotted(const engine::RateFit& f) {
  std::vector<Plotted> out;
  for (std::size_t i = 0; i < f.points.size();) {
    std::size_t j = i;
    double sum = 0.0, sum2 = 0.0, se2 = 0.0;
    bool used = false;
    for (; j < f.points.size() && f.points[j].x == f.points[i].x; ++j) {
      sum += f.points[j].value;
      sum2 += f.points[j].value * f.points[j].value;
      se2 += f.points[j].stderr_ * f.points[j].stderr_;
      used = used || f.points[j].used;
    }
    const double r = static_cast<double>(j - i), mean = sum / r;
    const double err = r > 1 ? std::sqrt(std::max(0.0, (sum2 - r * mean * mean) / (r - 1)) / r) : std::sqrt(se2);
    if (mean > 0.0 && f.points[i].x > 0.0) out.push_back({f.points[i].x, mean, err, used});
    i = j;
  }
  return out;
}

std::string legend(const engine::RateFit& f, bool many_metrics) {
  std::string name = f.sampler;
  if (many_metrics) name += " " + f.metric;
  for (const auto& [k, v] : f.fixed) name += " " + k + "=" + v;
  if (!f.ok) return name + ": no fit";
  const std::string what = f.scale == engine::XScale::log ? "slope " : "rate ";
  std::string s = name + ": " + what + fmt(f.slope, "%.2f");
  if (f.ci_low) s += " [" + fmt(*f.ci_low, "%.2f") + ", " + fmt(*f.ci_high, "%.2f") + "]";
  return s;
}

}  // namespace

std::string find_gnuplot() {
  const char* path = std::getenv("PATH");
  std::stringstream ss(path ? path : "");
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (dir.empty()) continue;
    const fs::path p = fs::path(dir) / "gnuplot";
    if (::access(p.c_str(), X_OK) == 0) return p.string();
  }
  return "";
}

std::vector<Figure> render_figures(const std::string& folder, const std::string& title, const engine::ResultTable& table,
                                   const std::vector<std::string>& x_keys, const engine::FitRange& range, std::ostream& log) {
  const std::string gnuplot = find_gnuplot();
  if (gnuplot.empty()) {
    throw Error("gnuplot was not found on PATH; install it (Debian: apt-get install gnuplot-nox) and run again");
  }
  const fs::path out_dir = fs::path(folder) / "figures";
  fs::create_directories(out_dir);
  std::vector<Figure> figures;
  for (const auto& x_key : x_keys) {
    const engine::RateFits fits = engine::fit_rates(table, x_key, range);
    std::vector<std::string> metrics;
    for (const auto& f : fits.fits)
      if (std::find(metrics.begin(), metrics.end(), f.metric) == metrics.end()) metrics.push_back(f.metric);
    for (const auto& metric : metrics) {
      Figure fig;
      fig.metric = metric;
      fig.x_key = x_key;
      const std::string stem = file_safe(metric + "_vs_" + x_key);
      fig.png = (out_dir / (stem + ".png")).string();
      fig.svg = (out_dir / (stem + ".svg")).string();
      std::ostringstream data, plot;
      int block = 0, colour = 0;
      bool linear = false;
      // Floors: one dashed line per value of the non-sampler keys (the floor compares two exact
      // samples of pi, so it does not depend on the sampler).
      std::map<std::string, std::map<double, std::pair<double, int>>> floors;
      for (const auto& f : fits.fits) {
        if (f.metric != metric) continue;
        fig.fits.push_back(f);
        linear = f.scale == engine::XScale::linear;
        ++colour;
        const auto pts = plotted(f);
        if (pts.empty()) continue;
        // A log axis cannot show a bar below zero: clip the lower end at a tenth of the value.
        data << "$g" << block << " << EOD\n";
        for (const auto& p : pts) data << fmt(p.x, "%.10g") << " " << fmt(p.y, "%.10g") << " " << fmt(std::max(p.y - p.err, 0.1 * p.y), "%.10g") << " " << fmt(p.y + p.err, "%.10g") << "\n";
        data << "EOD\n$u" << block << " << EOD\n";
        for (const auto& p : pts)
          if (p.used) data << fmt(p.x, "%.10g") << " " << fmt(p.y, "%.10g") << "\n";
        data << "EOD\n";
        plot << (block ? ", \\\n     " : "plot ") << "$g" << block << " using 1:2:3:4 with yerrorlines lc " << colour
             << " pt 6 ps 0.8 lw 1.2 title " << gp_string(legend(f, false)) << ", \\\n     $u" << block << " using 1:2 with points lc "
             << colour << " pt 7 ps 0.8 notitle";
        if (f.ok) {
          data << "$f" << block << " << EOD\n";
          for (double x : {f.x_lo, f.x_hi}) {
            const double y = std::exp(f.intercept + f.slope * (f.scale == engine::XScale::log ? std::log(x) : x));
            data << fmt(x, "%.10g") << " " << fmt(y, "%.10g") << "\n";
          }
          data << "EOD\n";
          plot << ", \\\n     $f" << block << " using 1:2 with lines lc " << colour << " dt 3 lw 1 notitle";
        }
        std::string floor_key;
        for (const auto& [k, v] : f.fixed) floor_key += (floor_key.empty() ? "" : " ") + k + "=" + v;
        for (const auto& p : f.points)
          if (p.floor && *p.floor > 0.0) {
            auto& slot = floors[floor_key][p.x];
            slot.first += *p.floor;
            slot.second += 1;
          }
        ++block;
      }
      int fl = 0;
      for (const auto& [key, by_x] : floors) {
        data << "$floor" << fl << " << EOD\n";
        for (const auto& [x, s] : by_x) data << fmt(x, "%.10g") << " " << fmt(s.first / s.second, "%.10g") << "\n";
        data << "EOD\n";
        plot << ", \\\n     $floor" << fl << " using 1:2 with lines lc rgb '#555555' dt 2 lw 1.5 title "
             << gp_string(key.empty() ? "finite-sample floor" : "floor " + key);
        ++fl;
      }
      if (block == 0) {
        log << "no positive values of " << metric << " against " << x_key << ": no figure\n";
        continue;
      }
      std::ostringstream script;
      script << "# " << metric << " against " << x_key << "; regenerate with: gnuplot " << stem << ".gp\n" << data.str();
      script << "set " << (linear ? "logscale y" : "logscale xy") << "\nset grid\nset key outside below Left reverse samplen 2\n"
             << "set xlabel " << gp_string(x_key + (linear ? "" : " (log scale)")) << "\nset ylabel " << gp_string(metric + " (log scale)")
             << "\nset title " << gp_string(title + ": " + metric + " against " + x_key + "; fits: " + range.describe()
                                            + " (filled points)") << " noenhanced\nset key noenhanced\nset format y '%g'\n";
      script << "set terminal pngcairo noenhanced size 820,620 font 'sans,9'\nset output " << gp_string(fig.png) << "\n" << plot.str() << "\n";
      script << "set terminal svg noenhanced size 820,620 font 'sans,10'\nset output " << gp_string(fig.svg) << "\nreplot\nunset output\n";
      const fs::path gp = out_dir / (stem + ".gp");
      engine::write_file_atomically(gp.string(), script.str());
      const fs::path err = out_dir / (stem + ".gnuplot.log");
      const int rc = std::system((quoted(gnuplot) + " " + quoted(gp.string()) + " > " + quoted(err.string()) + " 2>&1").c_str());
      if (rc != 0) throw Error("gnuplot failed on " + gp.string() + " (exit " + std::to_string(rc) + "); see " + err.string());
      std::error_code ec;
      if (fs::file_size(err, ec) == 0) fs::remove(err, ec);
      figures.push_back(std::move(fig));
    }
    if (x_key == x_keys.front()) {
      for (const auto& s : fits.skipped)
        log << "skipped: run " << s.run << " (" << s.sampler << ", " << s.metric << "): " << s.status
            << (s.message.empty() ? "" : ": " + s.message) << "\n";
    }
  }
  return figures;
}

std::vector<std::string> plot_keys(const engine::ResultTable& table, const std::string& requested) {
  if (!requested.empty()) {
    if (table.column(requested) < 0) throw Error("--x " + requested + ": results.csv has no such column");
    return {requested};
  }
  auto keys = engine::swept_keys(table);
  if (keys.empty()) throw Error("results.csv sweeps no numeric key: nothing to plot against (use --x KEY)");
  return keys;
}

int cmd_plot(const PlotOptions& o) {
  const engine::ResultTable table = engine::read_results_csv((fs::path(o.folder) / "results.csv").string());
  const engine::FitRange range = engine::FitRange::parse(o.fit_range);
  const auto figures = render_figures(o.folder, fs::path(o.folder).filename().string(), table, plot_keys(table, o.x_key), range, std::cerr);
  for (const auto& fig : figures) {
    std::cout << fig.png << "\n" << fig.svg << "\n";
    for (const auto& f : fig.fits) {
      std::cout << "  " << legend(f, true) << "  (" << f.used << " points, x in [" << fmt(f.x_lo) << ", " << fmt(f.x_hi) << "])"
                << (f.note.empty() ? "" : "; " + f.note) << "\n";
    }
  }
  return exit_ok;
}

}  // namespace sgmtk::host
