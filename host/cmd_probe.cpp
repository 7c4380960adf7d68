// sgmtk probe: look at a target before trusting a sweep -- the score and the Hessian at given
// points as a sampler's query gets them (log p_t on request), its structural constants, or a
// file of exact samples.
#include "commands.hpp"

#include <sgmtk/random.hpp>
#include <sgmtk_engine/atomic_file.hpp>
#include <sgmtk_engine/config_loader.hpp>
#include <sgmtk_engine/exception_message.hpp>
#include <sgmtk_engine/sample_io.hpp>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace sgmtk::host {
namespace {

/// Output columns with a name per row of `values` (one column per point). Every block of the
/// probe table is allocated from its names, so the header and the columns cannot disagree.
struct NamedRows {
  std::vector<std::string> names;
  Matrix values;

  NamedRows(std::vector<std::string> column_names, Index points)
      : names(std::move(column_names)), values(static_cast<Index>(names.size()), points) {}
};

std::vector<std::string> numbered(const std::string& prefix, Index d) {
  std::vector<std::string> names;
  for (Index i = 0; i < d; ++i) names.push_back(prefix + std::to_string(i));
  return names;
}

/// One name per row of a HessianForm's output: d diagonal entries, or the d x d matrix.
std::vector<std::string> hessian_names(HessianForm form, Index d) {
  std::vector<std::string> names;
  for (Index i = 0; i < d; ++i)
    for (Index j = 0; j < d; ++j)
      if (form == HessianForm::full || (form == HessianForm::diagonal && i == j))
        names.push_back("hess" + std::to_string(i) + "_" + std::to_string(j));
  return names;
}

/// The blocks one above the other, as one table (its names are the CSV header).
NamedRows stacked(const std::vector<const NamedRows*>& blocks, Index points) {
  std::vector<std::string> names;
  for (const NamedRows* b : blocks) names.insert(names.end(), b->names.begin(), b->names.end());
  NamedRows table(std::move(names), points);
  Index row = 0;
  for (const NamedRows* b : blocks) {
    table.values.middleRows(row, b->values.rows()) = b->values;
    row += b->values.rows();
  }
  return table;
}

std::string header_of(const NamedRows& table) {
  std::string h;
  for (const auto& name : table.names) h += (h.empty() ? "" : ",") + name;
  return h;
}

const char* non_finite_word(double v) { return std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf"; }

/// Reports every non-finite entry of `table` on stderr, naming the column and the `item` (a
/// point or a sample: its 0-based index in the input, which is also its data row in the table);
/// returns how many there were. A NaN score or log p_t is a failed computation, not a result.
Index report_non_finite(const NamedRows& table, const char* item) {
  constexpr Index shown = 20;  // enough to see a pattern; a table of NaNs would drown the terminal
  Index count = 0;
  for (Index j = 0; j < table.values.cols(); ++j) {
    for (Index i = 0; i < table.values.rows(); ++i) {
      const double v = table.values(i, j);
      if (std::isfinite(v)) continue;
      if (++count <= shown) {
        std::cerr << "error: non-finite " << table.names[static_cast<std::size_t>(i)] << " = " << non_finite_word(v) << " at " << item
                  << " " << j << " (0-based)\n";
      }
    }
  }
  if (count > 0) {
    std::cerr << "error: " << count << " non-finite entr" << (count == 1 ? "y" : "ies")
              << (count > shown ? " (the first " + std::to_string(shown) + " listed)" : "")
              << "; the table was still written, with them as nan/inf\n";
  }
  return count;
}

/// Runs plugin code and reports anything it throws as a failed computation: the command line
/// was accepted, so this is exit code 1, whatever the type thrown (exit 2 is for usage errors).
template <class Work>
bool target_computed(const engine::PluginInfo& info, Work&& work) {
  try {
    work();
    return true;
  } catch (...) {
    std::cerr << "error: target '" << info.name << "' (" << info.file << "): " << engine::current_exception_message() << "\n";
    return false;
  }
}

/// The Hessian form --hessian asks for, given what the target provides (auto: the most it gives,
/// full only up to d = 8 so that the table stays readable).
HessianForm requested_hessian(const std::string& option, const TargetTraits& traits, Index d) {
  if (option == "diagonal") return traits.hessian_diagonal ? HessianForm::diagonal : HessianForm::none;
  if (option == "full") return traits.hessian_full ? HessianForm::full : HessianForm::none;
  if (option == "auto") {
    return traits.hessian_full && d <= 8 ? HessianForm::full : traits.hessian_diagonal ? HessianForm::diagonal : HessianForm::none;
  }
  return HessianForm::none;
}

/// Which query probe made, on stderr: a target may answer a query that asks for log p_t by
/// another path (double_well and modified_half_normal leave their interpolation tables for
/// quadrature), so only a query without it shows the scores a sampler gets.
void describe_query(double t, HessianForm form, bool log_density, const TargetTraits& traits) {
  std::cerr << "# t = " << t << "\n# query: score, hessian " << to_string(form);
  if (log_density) {
    std::cerr << ", log p_t (--log-density; " << (traits.normalized_log_density ? "normalized" : "up to a constant")
              << "): a target may compute all of it by another path than a sampler's query\n";
  } else {
    std::cerr << "; no log p_t (the query a sampler makes; --log-density adds log p_t)\n";
  }
}

void write_table(const NamedRows& table, const std::string& output) {
  const std::string header = header_of(table);
  if (output.empty()) {
    std::cout << header << "\n" << engine::csv_text(table.values);
    return;
  }
  if (output.size() > 4 && output.substr(output.size() - 4) == ".npy") {
    engine::write_samples(output, table.values);  // an (n, columns) array in the header's column order
  } else {
    engine::write_file_atomically(output, header + "\n" + engine::csv_text(table.values));
  }
  std::cerr << "# wrote " << table.values.cols() << " rows (columns: " << header << ") to " << output << "\n";
}

}  // namespace

Params parse_param_options(const std::vector<std::string>& items) {
  Params p;
  for (const auto& item : items) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) throw Error("--param '" + item + "': expected name=value");
    p.set(item.substr(0, eq), engine::parse_param_value(item.substr(eq + 1), "--param " + item.substr(0, eq)));
  }
  return p;
}

int cmd_probe(const PluginOptions& plugins, const ProbeOptions& o) {
  const engine::PluginRegistry registry = load_plugins(plugins);
  const engine::PluginInfo* info = registry.find(PluginKind::target, o.target);
  if (!info) {
    std::cerr << "error: no target plugin named '" << o.target << "'";
    const std::string guess = did_you_mean(o.target, registry.names(PluginKind::target));
    if (!guess.empty()) std::cerr << "; did you mean '" << guess << "'?";
    std::cerr << "\n";
    return exit_usage;
  }
  std::shared_ptr<Target> target;
  try {
    target = registry.make_target(*info, parse_param_options(o.params));
  } catch (...) {  // the target refused its parameters: a configuration error
    std::cerr << "error: " << engine::current_exception_message() << "\n";
    return exit_usage;
  }
  Index d = 0;
  TargetTraits traits;
  if (!target_computed(*info, [&] {
        d = target->dim();
        traits = target->traits();
        std::cerr << "# target " << info->name << " (" << info->file << "), dim " << d << "\n";
        for (const auto& c : target->constants()) std::cerr << "# " << c.name << " = " << c.value << "  (" << c.doc << ")\n";
      })) {
    return exit_run_failed;
  }

  if (o.sample > 0) {
    NamedRows samples(numbered("x", d), o.sample);
    if (!target_computed(*info, [&] { target->sample(RandomStream({o.seed, 0}, purpose::reference_sample), 0, samples.values); })) {
      return exit_run_failed;
    }
    if (o.output.empty()) std::cout << engine::csv_text(samples.values);
    else engine::write_samples(o.output, samples.values);
    if (!o.output.empty()) std::cerr << "# wrote " << o.sample << " exact samples to " << o.output << "\n";
    return report_non_finite(samples, "sample") > 0 ? exit_run_failed : exit_ok;
  }
  if (o.points.empty()) {
    std::cerr << "error: give --points FILE (CSV or .npy, one point per row) or --sample N\n";
    return exit_usage;
  }
  if (!(o.t > 0)) {
    std::cerr << "error: --t must be > 0 (the score of p_0 = pi itself may not exist; use a small t)\n";
    return exit_usage;
  }
  Matrix x;
  try {
    x = engine::read_samples(o.points);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return exit_usage;
  }
  if (x.rows() != d) {
    std::cerr << "error: " << o.points << " has points of dimension " << x.rows() << ", the target has dimension " << d << "\n";
    return exit_usage;
  }
  const HessianForm form = requested_hessian(o.hessian, traits, d);
  if (o.hessian != "none" && o.hessian != "auto" && form == HessianForm::none) {
    std::cerr << "error: target '" << info->name << "' does not provide a " << o.hessian << " Hessian\n";
    return exit_usage;
  }
  if (o.log_density && !traits.log_density) {
    std::cerr << "error: target '" << info->name << "' does not provide log p_t (drop --log-density)\n";
    return exit_usage;
  }

  // The query asks for exactly the outputs that have columns; what is not asked is not computed.
  const Index n = x.cols();
  NamedRows positions(numbered("x", d), n);
  positions.values = x;
  NamedRows score(numbered("score", d), n);
  std::optional<NamedRows> log_p, hessian;
  if (o.log_density) log_p.emplace(std::vector<std::string>{"log_density"}, n);
  if (form != HessianForm::none) hessian.emplace(hessian_names(form, d), n);
  ScoreQuery q;
  q.times = o.t;
  q.x = ConstMatrixView(x);
  q.score = MatrixView(score.values);
  q.hessian = form;
  if (hessian) q.hessian_out = MatrixView(hessian->values);
  if (log_p) q.log_density = MatrixView(log_p->values);
  describe_query(o.t, form, o.log_density, traits);
  if (!target_computed(*info, [&] { target->evaluate(q); })) return exit_run_failed;

  std::vector<const NamedRows*> blocks{&positions};
  if (log_p) blocks.push_back(&*log_p);
  blocks.push_back(&score);
  if (hessian) blocks.push_back(&*hessian);
  const NamedRows table = stacked(blocks, n);
  // Written even when some entries are not finite: a NaN is easiest to understand beside the
  // finite values of its point and of its neighbours; exit code 1 says the table is no result.
  write_table(table, o.output);
  return report_non_finite(table, "point") > 0 ? exit_run_failed : exit_ok;
}

}  // namespace sgmtk::host
