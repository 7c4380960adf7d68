// sgmtk metric: a metric between two sample files -- the fast W2 command-line tool.
#include "commands.hpp"

#include <sgmtk_engine/exception_message.hpp>
#include <sgmtk_engine/executor.hpp>
#include <sgmtk_engine/json_text.hpp>
#include <sgmtk_engine/sample_io.hpp>

#include <sys/resource.h>
#include <tbb/global_control.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace sgmtk::host {
namespace {

/// JSON has no inf or NaN; only a metric's own details can still be non-finite here.
std::string number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

int cmd_metric(const PluginOptions& plugins, const MetricOptions& o) {
  std::unique_ptr<tbb::global_control> thread_limit;
  if (o.threads > 0) {
    thread_limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(o.threads));
  }
  const engine::PluginRegistry registry = load_plugins(plugins);
  const engine::PluginInfo* info = registry.find(PluginKind::metric, o.metric);
  if (!info) {
    std::cerr << "error: no metric plugin named '" << o.metric << "'";
    const std::string guess = did_you_mean(o.metric, registry.names(PluginKind::metric));
    if (!guess.empty()) std::cerr << "; did you mean '" << guess << "'?";
    std::cerr << "\n";
    return exit_usage;
  }
  std::shared_ptr<Metric> metric;
  Matrix a, b;
  try {
    metric = registry.make_metric(*info, parse_param_options(o.params));
    a = engine::read_samples(o.file_a);
    b = engine::read_samples(o.file_b);
  } catch (...) {  // refused parameters or a defective file: nothing was computed
    std::cerr << "error: " << engine::current_exception_message() << "\n";
    return exit_usage;
  }
  if (a.rows() != b.rows()) {
    std::cerr << "error: " << o.file_a << " has points of dimension " << a.rows() << ", " << o.file_b << " of dimension "
              << b.rows() << "\n";
    return exit_usage;
  }
  // The metric compares `samples` (file A) with the second cloud given as `reference` (file B);
  // there is no target.
  MetricInput in;
  in.samples = ConstMatrixView(a);
  in.reference = ConstMatrixView(b);
  in.key = {o.seed, 0};
  // Anything the plugin throws, of any type, and a value or standard error that is not finite
  // (judged as `sgmtk run` judges it) is a failed computation: exit 1 and no result on stdout,
  // so that neither a reader nor a script can take a null for a number.
  const std::string failed = "error: metric '" + o.metric + "' (" + info->file + "): ";
  engine::MetricOutcome outcome;
  const auto start = std::chrono::steady_clock::now();
  try {
    outcome.value = metric->compute(in);
  } catch (...) {
    std::cerr << failed << engine::current_exception_message() << "\n";
    return exit_run_failed;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  engine::accept_metric_value(outcome);
  if (!outcome.ok) {
    std::cerr << failed << outcome.error << "\n";
    if (!outcome.value.note.empty()) std::cerr << "  note: " << outcome.value.note << "\n";
    return exit_run_failed;
  }
  const MetricValue& v = outcome.value;
  const char* quantity = v.squared ? "W2^2" : "W2";
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const double peak_rss_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;  // the whole process, files included
  if (o.json) {
    std::cout << "{\"metric\": " << engine::json_string(o.metric) << ", \"value\": " << number(v.value) << ", \"stderr\": " << number(v.stderr_)
              << ", \"squared\": " << (v.squared ? "true" : "false") << ", \"quantity\": \"" << quantity << "\", \"n_a\": " << a.cols()
              << ", \"n_b\": " << b.cols() << ", \"dim\": " << a.rows() << ", \"seconds\": " << number(seconds)
              << ", \"peak_rss_mb\": " << number(peak_rss_mb) << ", \"note\": "
              << engine::json_string(v.note);
    for (const auto& [k, x] : v.details) std::cout << ", " << engine::json_string(k) << ": " << number(x);
    std::cout << "}\n";
  } else {
    std::cout << o.metric << " between " << o.file_a << " (" << a.cols() << " points) and " << o.file_b << " (" << b.cols()
              << " points), dimension " << a.rows() << "\n"
              << "  value  = " << number(v.value) << "   (this is " << quantity << ")\n"
              << "  stderr = " << number(v.stderr_) << "\n";
    for (const auto& [k, x] : v.details) std::cout << "  " << k << " = " << number(x) << "\n";
    if (!v.note.empty()) std::cout << "  note: " << v.note << "\n";
    std::cout << "  time: " << number(seconds) << " s, peak memory " << number(peak_rss_mb) << " MB\n";
  }
  return exit_ok;
}

}  // namespace sgmtk::host
