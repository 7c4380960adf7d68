// sgmtk contraction: the one-step contraction of the reverse drift, measured, for the bimodal
// mixture 1/2 N(-mu, 1) + 1/2 N(mu, 1) in 1-D -- [GO]'s qualitative claim that the drift of the
// time-reversed OU process alternates between contractive and non-contractive regimes (paper,
// abstract) made visible.
//
// Measurement (an engine-free use of the SDK: the engine has no per-step output). At each
// forward time tau: y1 ~ p_tau exactly (y1 = e^{-tau} X0 + sigma_tau xi, X0 ~ pi from the
// target's own sampler), y2 = y1 + r; one Euler-Maruyama reverse step (MATH.md B.1, score at
// tau) for both with the SAME Gaussian increment (synchronous coupling). The noise is additive,
// so it cancels in y1' - y2' exactly and the ratio |y1' - y2'| / r is the drift's doing; the
// local rate log(ratio)/h -> 1 + 2 d^2/dy^2 log p_tau(y) as r, h -> 0.
//
// Prediction (derived here, not a paper's statement): for this mixture the minimum curvature of
// -log p_tau is exactly 1 - mu^2 e^{-2 tau} (MATH.md C.7(i), at y = 0), so the worst-case rate
// is l(tau) = 1 - 2(1 - mu^2 e^{-2 tau}) = -1 + 2 mu^2 e^{-2 tau} (D.4: l = 1 - 2 beta); the drift
// contracts every pair iff tau > tau* = log(2 mu^2)/2, the same threshold as C.7(ii)'s
// alpha_tau - M_tau > 1/2 (derived here). The mean over pairs from p_tau contracts earlier.
#include "commands.hpp"
#include "text_format.hpp"

#include <sgmtk/error.hpp>
#include <sgmtk/random.hpp>
#include <sgmtk/target.hpp>
#include <sgmtk_engine/atomic_file.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>

namespace sgmtk::host {
namespace {

namespace fs = std::filesystem;

std::string fmt(double v, const char* f = "%.8g") { return format_number(v, f); }

std::string quoted(const std::string& s) { return shell_quoted(s); }

}  // namespace

int cmd_contraction(const PluginOptions& plugins, const ContractionOptions& o) {
  if (!(o.mu > 0) || !(o.h > 0) || !(o.r > 0) || o.particles < 2 || o.points < 2 || !(o.t_min > 0) || !(o.t_max > o.t_min))
    throw Error("contraction: need mu, h, r > 0, particles >= 2, points >= 2 and 0 < t-min < t-max");
  const engine::PluginRegistry registry = load_plugins(plugins);
  const engine::PluginInfo* info = registry.find(PluginKind::target, "gaussian_mixture");
  if (!info) throw Error("contraction needs the gaussian_mixture target plugin, which was not found (sgmtk list --verbose)");
  Params p;
  p.set("dim", std::int64_t{1});
  p.set("means", RealMatrix{{-o.mu}, {o.mu}});
  const std::shared_ptr<Target> target = registry.make_target(*info, p);

  const Index n = o.particles;
  const RandomKey key{o.seed, 0};
  Matrix x0(1, n);
  target->sample(RandomStream(key, purpose::reference_sample), 0, x0);
  const double tau_star = 0.5 * std::log(2.0 * o.mu * o.mu);
  std::ostringstream csv;
  csv << "tau,mean_rate,median_rate,q99_rate,max_rate,predicted_worst_rate,mean_ratio\n";
  std::ostringstream data;
  Matrix xi(1, n), dw(1, n), y1(1, n), y2(1, n), s1(1, n), s2(1, n);
  for (Index k = 0; k < o.points; ++k) {
    const double tau = o.t_min * std::pow(o.t_max / o.t_min, static_cast<double>(k) / static_cast<double>(o.points - 1));
    if (tau - o.h <= 0.0) continue;  // the step would pass tau = 0
    RandomStream(key, purpose::initial_state).normals(static_cast<std::uint64_t>(k), 0, xi);
    RandomStream(key, purpose::path_increment).normals(static_cast<std::uint64_t>(k), 0, dw);
    const double m = std::exp(-tau), sigma = std::sqrt(-std::expm1(-2.0 * tau));
    y1 = m * x0 + sigma * xi;
    y2 = y1.array() + o.r;
    for (auto [y, s] : {std::pair<Matrix*, Matrix*>{&y1, &s1}, {&y2, &s2}}) {
      ScoreQuery q;
      q.times = tau;
      q.x = ConstMatrixView(*y);
      q.score = MatrixView(*s);
      target->evaluate(q);
    }
    // One EM step each, same increment: y' = y + h (y + 2 s) + sqrt(2h) dW.
    const Matrix n1 = y1 + o.h * (y1 + 2.0 * s1) + std::sqrt(2.0 * o.h) * dw;
    const Matrix n2 = y2 + o.h * (y2 + 2.0 * s2) + std::sqrt(2.0 * o.h) * dw;
    std::vector<double> rates(static_cast<std::size_t>(n));
    double mean = 0.0, mean_ratio = 0.0;
    for (Index j = 0; j < n; ++j) {
      const double ratio = std::abs(n1(0, j) - n2(0, j)) / o.r;
      rates[static_cast<std::size_t>(j)] = std::log(ratio) / o.h;
      mean += rates[static_cast<std::size_t>(j)] / static_cast<double>(n);
      mean_ratio += ratio / static_cast<double>(n);
    }
    std::sort(rates.begin(), rates.end());
    const double median = rates[rates.size() / 2], q99 = rates[static_cast<std::size_t>(0.99 * static_cast<double>(n - 1))];
    const double predicted = -1.0 + 2.0 * o.mu * o.mu * std::exp(-2.0 * tau);
    csv << fmt(tau) << "," << fmt(mean) << "," << fmt(median) << "," << fmt(q99) << "," << fmt(rates.back()) << "," << fmt(predicted) << ","
        << fmt(mean_ratio) << "\n";
    data << fmt(tau) << " " << fmt(mean) << " " << fmt(q99) << " " << fmt(rates.back()) << " " << fmt(predicted) << "\n";
  }
  fs::create_directories(o.output);
  const fs::path csv_path = fs::path(o.output) / "contraction.csv";
  engine::write_file_atomically(csv_path.string(), csv.str());
  std::cout << csv_path.string() << "\n";
  std::cerr << "predicted transition (worst case, derived here): tau* = log(2 mu^2)/2 = " << fmt(tau_star, "%.4f") << "\n";

  const std::string gnuplot = find_gnuplot();
  if (gnuplot.empty()) throw Error("gnuplot was not found on PATH; install it (Debian: apt-get install gnuplot-nox); the CSV was written");
  const fs::path gp = fs::path(o.output) / "contraction.gp";
  const fs::path png = fs::path(o.output) / "contraction.png", svg = fs::path(o.output) / "contraction.svg";
  std::ostringstream s;
  s << "$d << EOD\n" << data.str() << "EOD\n"
    << "set logscale x\nset grid\nset key outside below Left reverse noenhanced\nset xlabel 'forward time tau (reverse time runs right to left)'\n"
    << "set ylabel 'one-step log-contraction rate log(|dy''|/|dy|)/h'\n"
    << "set title 'Reverse drift of 1/2 N(-" << fmt(o.mu, "%g") << ",1) + 1/2 N(" << fmt(o.mu, "%g") << ",1): EM step h = " << fmt(o.h, "%g")
    << ", r = " << fmt(o.r, "%g") << ", " << n << " coupled pairs per tau' noenhanced\n"
    << "set arrow from " << fmt(tau_star) << ", graph 0 to " << fmt(tau_star) << ", graph 1 nohead dt 2 lc rgb '#aa0000'\n"
    << "set label 'tau* = " << fmt(tau_star, "%.3f") << "' at " << fmt(tau_star * 1.05) << ", graph 0.92 tc rgb '#aa0000'\n"
    << "set arrow from graph 0, first 0 to graph 1, first 0 nohead lc rgb '#000000'\n"
    << "set terminal pngcairo noenhanced size 820,560 font 'sans,9'\nset output '" << png.string() << "'\n"
    << "plot $d using 1:2 with lines lw 2 lc 1 title 'measured: mean over pairs from p_tau', \\\n"
    << "     $d using 1:3 with lines lw 1.5 lc 2 title 'measured: 99th percentile', \\\n"
    << "     $d using 1:4 with points pt 7 ps 0.5 lc 3 title 'measured: max over pairs', \\\n"
    << "     $d using 1:5 with lines dt 2 lw 2 lc rgb '#aa0000' title 'predicted worst case -1 + 2 mu^2 e^{-2 tau} (derived here)'\n"
    << "set terminal svg noenhanced size 820,560 font 'sans,10'\nset output '" << svg.string() << "'\nreplot\nunset output\n";
  engine::write_file_atomically(gp.string(), s.str());
  const int rc = std::system((quoted(gnuplot) + " " + quoted(gp.string())).c_str());
  if (rc != 0) throw Error("gnuplot failed on " + gp.string());
  std::cout << png.string() << "\n" << svg.string() << "\n";
  return exit_ok;
}

}  // namespace sgmtk::host
