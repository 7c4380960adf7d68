// sgmtk probe: look at a target before trusting a sweep -- log p_t, the score and the Hessian at
// given points, its structural constants, or a file of exact samples.
#include "commands.hpp"

#include <sgmtk/random.hpp>
#include <sgmtk_engine/atomic_file.hpp>
#include <sgmtk_engine/config_loader.hpp>
#include <sgmtk_engine/sample_io.hpp>

#include <cstdio>
#include <iostream>

namespace sgmtk::host {
namespace {

std::string header_for(Index d, bool log_density, HessianForm form) {
  std::string h;
  for (Index i = 0; i < d; ++i) h += (i ? ",x" : "x") + std::to_string(i);
  if (log_density) h += ",log_density";
  for (Index i = 0; i < d; ++i) h += ",score" + std::to_string(i);
  if (form == HessianForm::diagonal)
    for (Index i = 0; i < d; ++i) h += ",hess" + std::to_string(i) + "_" + std::to_string(i);
  if (form == HessianForm::full)
    for (Index i = 0; i < d; ++i)
      for (Index j = 0; j < d; ++j) h += ",hess" + std::to_string(i) + "_" + std::to_string(j);
  return h;
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
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return exit_usage;
  }
  const Index d = target->dim();
  const TargetTraits traits = target->traits();
  std::cerr << "# target " << info->name << " (" << info->file << "), dim " << d << "\n";
  for (const auto& c : target->constants()) std::cerr << "# " << c.name << " = " << c.value << "  (" << c.doc << ")\n";

  if (o.sample > 0) {
    Matrix x(d, o.sample);
    target->sample(RandomStream({o.seed, 0}, purpose::reference_sample), 0, x);
    if (o.output.empty()) std::cout << engine::csv_text(x);
    else engine::write_samples(o.output, x);
    if (!o.output.empty()) std::cerr << "# wrote " << o.sample << " exact samples to " << o.output << "\n";
    return exit_ok;
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
  HessianForm form = HessianForm::none;
  if (o.hessian == "diagonal") form = traits.hessian_diagonal ? HessianForm::diagonal : HessianForm::none;
  if (o.hessian == "full") form = traits.hessian_full ? HessianForm::full : HessianForm::none;
  if (o.hessian == "auto") {
    form = traits.hessian_full && d <= 8 ? HessianForm::full : traits.hessian_diagonal ? HessianForm::diagonal : HessianForm::none;
  }
  if (o.hessian != "none" && o.hessian != "auto" && form == HessianForm::none) {
    std::cerr << "error: target '" << info->name << "' does not provide a " << o.hessian << " Hessian\n";
    return exit_usage;
  }
  const Index n = x.cols();
  Matrix score(d, n);
  Matrix hess(form == HessianForm::full ? d * d : d, form == HessianForm::none ? 0 : n);
  Matrix logp(1, traits.log_density ? n : 0);
  ScoreQuery q;
  q.times = o.t;
  q.x = ConstMatrixView(x);
  q.score = MatrixView(score);
  q.hessian = form;
  if (form != HessianForm::none) q.hessian_out = MatrixView(hess);
  if (traits.log_density) q.log_density = MatrixView(logp);
  target->evaluate(q);

  Matrix table(d + (traits.log_density ? 1 : 0) + d + hess.rows(), n);
  table.topRows(d) = x;
  Index row = d;
  if (traits.log_density) table.row(row++) = logp.row(0);
  table.middleRows(row, d) = score;
  row += d;
  if (form != HessianForm::none) table.bottomRows(hess.rows()) = hess;
  std::cerr << "# t = " << o.t << (traits.normalized_log_density ? ", log_density normalized" : traits.log_density ? ", log_density up to a constant" : "")
            << ", hessian " << to_string(form) << "\n";
  const std::string header = header_for(d, traits.log_density, form);
  if (o.output.empty()) {
    std::cout << header << "\n" << engine::csv_text(table);
  } else {
    if (o.output.size() > 4 && o.output.substr(o.output.size() - 4) == ".npy") {
      engine::write_samples(o.output, table);  // an (n, columns) array in the header's column order
    } else {
      engine::write_file_atomically(o.output, header + "\n" + engine::csv_text(table));
    }
    std::cerr << "# wrote " << n << " rows (columns: " << header << ") to " << o.output << "\n";
  }
  return exit_ok;
}

}  // namespace sgmtk::host
