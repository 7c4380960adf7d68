#include <sgmtk_engine/results_io.hpp>

#include <sgmtk/version.hpp>
#include <sgmtk_engine/atomic_file.hpp>
#include <sgmtk_engine/json_text.hpp>
#include <sgmtk_engine/rate_fit.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <sstream>

namespace sgmtk::engine {
namespace {

std::string num(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}


std::string json_number(double v) { return std::isfinite(v) ? num(v) : "null"; }

std::string json_params(const Params& p) {
  std::string s = "{";
  bool first = true;
  for (const auto& [k, v] : p.items()) {
    s += (first ? "" : ", ") + json_string(k) + ": ";
    first = false;
    if (auto str = std::get_if<std::string>(&v)) s += json_string(*str);
    else if (auto b = std::get_if<bool>(&v)) s += *b ? "true" : "false";
    else s += format_value(v);  // numbers and lists are valid JSON as TOML writes them
  }
  return s + "}";
}

std::string swept_value(const RunPoint& pt, const std::string& key) {
  for (const auto& [k, v] : pt.swept)
    if (k == key) return v;
  return "";
}

Index run_dim(const RunPlan& plan, const RunPoint& pt) { return plan.targets[pt.target_index].target->dim(); }

// Fitted slopes against every swept numeric key, computed from the results.csv text itself so
// that `sgmtk plot` / `sgmtk report`, which recompute from the file, get the same numbers
// (rate_fit.hpp documents the model and the two ranges: every point, and the asymptotic rule).
std::string rate_fits_section(const std::string& csv) {
  std::ostringstream os;
  os << "{\"about\": " << json_string(
      "least squares of log(value) on log(x) (on x for horizon) per (sampler, metric, other swept values); "
      "ci95 from Student's t on the residuals, replicates as separate points; rule 'asymptotic' drops points "
      "within 2x of the floor, with stderr > value/4, and the third of the x values farthest from the "
      "asymptotic end (small h / early_stop, large otherwise); rule 'all' uses every ok point") << ", \"fits\": ";
  std::vector<RateFit> all;
  try {
    const ResultTable table = parse_results_csv(csv);
    for (const auto& key : swept_keys(table))
      for (const char* rule : {"asymptotic", "all"}) {
        RateFits f = fit_rates(table, key, FitRange::parse(rule));
        all.insert(all.end(), f.fits.begin(), f.fits.end());
      }
  } catch (const std::exception& e) {
    // A fit problem must never cost the run its results: record it instead.
    os << "[], \"error\": " << json_string(e.what()) << "}";
    return os.str();
  }
  os << rate_fits_json(all, "  ") << "}";
  return os.str();
}

}  // namespace

std::string results_csv(const RunPlan& plan, const std::vector<RunOutcome>& outcomes) {
  const PipelineSpec& spec = plan.spec;
  std::ostringstream os;
  os << "run,replicate,target,sampler,metric,dim,steps,h,horizon,early_stop,particles,seed,start,schedule,score_error";
  for (const auto& k : plan.swept_keys)
    if (k.rfind("target.", 0) == 0) os << "," << csv_field(k);
  os << ",value,stderr,squared,floor,floor_stderr,status,message\n";
  for (const auto& o : outcomes) {
    const RunPoint& pt = o.run.point;
    const double h = (pt.horizon - pt.early_stop) / static_cast<double>(pt.steps);
    auto prefix = [&](const std::string& metric) {
      os << o.run.id << "," << pt.replicate << "," << csv_field(spec.target.label) << ","
         << csv_field(plan.samplers[o.run.sampler_index].label) << "," << csv_field(metric) << "," << run_dim(plan, pt) << ","
         << pt.steps << "," << num(h) << "," << num(pt.horizon) << "," << num(pt.early_stop) << "," << pt.particles << ","
         << spec.seed << "," << (spec.start == StartLaw::exact ? "exact" : "gaussian") << "," << to_string(spec.schedule) << ","
         << num(pt.score_error);
      for (const auto& k : plan.swept_keys)
        if (k.rfind("target.", 0) == 0) os << "," << csv_field(swept_value(pt, k));
    };
    if (o.metrics.empty()) {
      // A run that diverged or failed before its metrics: one row per planned metric, no value,
      // so that it is visible and never averaged into a result.
      for (const auto& m : plan.metrics) {
        prefix(m.label);
        os << ",,,,,," << to_string(o.status) << "," << csv_field(o.message) << "\n";
      }
      continue;
    }
    for (const auto& m : o.metrics) {
      prefix(m.label);
      if (m.ok) {
        os << "," << num(m.value.value) << "," << num(m.value.stderr_) << "," << (m.value.squared ? "true" : "false");
      } else {
        os << ",,,";
      }
      if (m.floor) os << "," << num(m.floor->value) << "," << num(m.floor->stderr_);
      else os << ",,";
      const RunStatus status = m.ok ? RunStatus::ok : o.status;
      os << "," << to_string(status) << "," << csv_field(m.ok ? m.value.note : m.error) << "\n";
    }
  }
  return os.str();
}

std::string summary_json(const RunPlan& plan, const std::vector<RunOutcome>& outcomes) {
  const PipelineSpec& spec = plan.spec;
  std::ostringstream os;
  os << "{\n";
  os << "  \"name\": " << json_string(spec.name) << ",\n";
  os << "  \"pipeline_file\": " << json_string(std::filesystem::absolute(spec.file).lexically_normal().string()) << ",\n";
  os << "  \"sgmtk_version\": " << json_string(SGMTK_VERSION_STRING) << ",\n";
  os << "  \"seed\": " << spec.seed << ",\n";
  os << "  \"convention\": \"value is W2 unless squared is true (then W2^2); stderr is a standard error of value\",\n";
  os << "  \"process\": {\"horizon\": " << num(spec.horizon) << ", \"early_stop\": " << num(spec.early_stop)
     << ", \"steps\": " << spec.steps << ", \"schedule\": " << json_string(to_string(spec.schedule))
     << ", \"start\": " << json_string(spec.start == StartLaw::exact ? "exact" : "gaussian")
     << ", \"score_error\": " << num(spec.score_error) << ", \"score_error_kind\": " << json_string(to_string(spec.score_error_kind))
     << ", \"divergence_threshold\": " << num(spec.divergence_threshold) << ", \"particles\": " << spec.particles
     << ", \"replicates\": " << spec.replicates << ", \"block_size\": " << spec.block_size;
  if (spec.distribute == Distribute::particles) os << ", \"distribute\": \"particles\", \"subsample\": " << spec.subsample;
  os << "},\n";
  // Which file ran, and its content (a rebuilt plugin of the same version is another plugin).
  auto plugin_json = [&](const PluginInfo& info, const Params& params, const std::string& label, const std::string& extra = "") {
    return "{\"label\": " + json_string(label) + ", \"plugin\": " + json_string(info.name) + ", \"version\": " +
           json_string(info.version) + ", \"file\": " + json_string(info.file) + ", \"file_hash\": " + json_string(info.content_hash) +
           ", \"params\": " + json_params(params) + extra + "}";
  };
  os << "  \"targets\": [";
  for (std::size_t t = 0; t < plan.targets.size(); ++t) {
    os << (t ? ", " : "") << plugin_json(*plan.target_info, plan.targets[t].params, spec.target.label);
  }
  os << "],\n  \"samplers\": [";
  for (std::size_t s = 0; s < plan.samplers.size(); ++s)
    os << (s ? ", " : "") << plugin_json(*plan.samplers[s].info, plan.samplers[s].params, plan.samplers[s].label);
  os << "],\n  \"metrics\": [";
  for (std::size_t m = 0; m < plan.metrics.size(); ++m)
    os << (m ? ", " : "")
       << plugin_json(*plan.metrics[m].info, plan.metrics[m].params, plan.metrics[m].label,
                      std::string(", \"floor\": ") + (spec.metrics[m].floor ? "true" : "false"));
  os << "],\n  \"sweep\": [";
  for (std::size_t a = 0; a < spec.sweep.size(); ++a) {
    os << (a ? ", " : "") << "{\"key\": " << json_string(spec.sweep[a].key) << ", \"values\": [";
    for (std::size_t v = 0; v < spec.sweep[a].values.size(); ++v) {
      const auto& val = spec.sweep[a].values[v];
      os << (v ? ", " : "") << (std::holds_alternative<std::string>(val) ? json_string(std::get<std::string>(val)) : format_value(val));
    }
    os << "]}";
  }
  os << "],\n";
  if (plan.reference.needed) {
    os << "  \"coupled_reference\": {\"sampler\": " << json_string(plan.reference.sampler) << ", \"steps\": " << plan.reference.steps;
    if (plan.reference.info) os << ", \"file\": " << json_string(plan.reference.info->file) << ", \"file_hash\": " << json_string(plan.reference.info->content_hash);
    os << "},\n";
  }
  os << "  \"runs\": [\n";
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const auto& o = outcomes[i];
    const RunPoint& pt = o.run.point;
    os << "    {\"run\": " << o.run.id << ", \"sampler\": " << json_string(plan.samplers[o.run.sampler_index].label)
       << ", \"dim\": " << run_dim(plan, pt) << ", \"steps\": " << pt.steps << ", \"particles\": " << pt.particles
       << ", \"replicate\": " << pt.replicate << ", \"horizon\": " << num(pt.horizon) << ", \"early_stop\": " << num(pt.early_stop)
       << ", \"score_error\": " << num(pt.score_error) << ", \"status\": " << json_string(to_string(o.status))
       << ", \"message\": " << json_string(o.message) << ", \"metrics\": [";
    for (std::size_t m = 0; m < o.metrics.size(); ++m) {
      const auto& mo = o.metrics[m];
      os << (m ? ", " : "") << "{\"label\": " << json_string(mo.label) << ", \"ok\": " << (mo.ok ? "true" : "false");
      if (mo.ok) {
        os << ", \"value\": " << json_number(mo.value.value) << ", \"stderr\": " << json_number(mo.value.stderr_)
           << ", \"squared\": " << (mo.value.squared ? "true" : "false") << ", \"note\": " << json_string(mo.value.note)
           << ", \"details\": {";
        for (std::size_t d = 0; d < mo.value.details.size(); ++d)
          os << (d ? ", " : "") << json_string(mo.value.details[d].first) << ": " << json_number(mo.value.details[d].second);
        os << "}";
      } else {
        os << ", \"error\": " << json_string(mo.error);
      }
      if (mo.floor) os << ", \"floor\": " << json_number(mo.floor->value) << ", \"floor_stderr\": " << json_number(mo.floor->stderr_);
      os << "}";
    }
    os << "]}" << (i + 1 < outcomes.size() ? "," : "") << "\n";
  }
  os << "  ],\n";
  os << "  \"rate_fits\": " << rate_fits_section(results_csv(plan, outcomes)) << "\n}\n";
  return os.str();
}

void write_results(const std::string& folder, const RunPlan& plan, const std::vector<RunOutcome>& outcomes) {
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec) throw Error("cannot create the output folder " + folder + ": " + ec.message());
  const std::filesystem::path dir(folder);
  write_files_atomically({{(dir / "results.csv").string(), results_csv(plan, outcomes)},
                          {(dir / "summary.json").string(), summary_json(plan, outcomes)},
                          {(dir / "timings.csv").string(), timings_csv(outcomes)}});
}

const std::vector<const char*>& result_file_names() {
  static const std::vector<const char*> names{"results.csv", "summary.json", "timings.csv"};
  return names;
}

std::string timings_csv(const std::vector<RunOutcome>& outcomes) {
  std::ostringstream os;
  os << "run,seconds,rank,source\n";
  for (const auto& o : outcomes) {
    os << o.run.id << "," << num(o.seconds) << "," << o.rank << "," << (o.resumed ? "journal" : "computed") << "\n";
  }
  return os.str();
}

void print_table(std::ostream& os, const RunPlan& plan, const std::vector<RunOutcome>& outcomes) {
  std::vector<std::string> extra;
  for (const auto& k : plan.swept_keys)
    if (k != "steps" && k != "dim") extra.push_back(k);
  os << std::left << std::setw(22) << "sampler" << std::right << std::setw(5) << "dim" << std::setw(7) << "steps";
  for (const auto& k : extra) os << std::setw(14) << k;
  os << "  " << std::left << std::setw(16) << "metric" << std::right << std::setw(14) << "value" << std::setw(12) << "stderr"
     << std::setw(12) << "floor" << "  status\n";
  for (const auto& o : outcomes) {
    const RunPoint& pt = o.run.point;
    auto head = [&]() {
      os << std::left << std::setw(22) << plan.samplers[o.run.sampler_index].label << std::right << std::setw(5) << run_dim(plan, pt)
         << std::setw(7) << pt.steps;
      for (const auto& k : extra) os << std::setw(14) << swept_value(pt, k);
    };
    if (o.metrics.empty()) {
      head();
      os << "  " << std::left << std::setw(16) << "-" << std::right << std::setw(14) << "-" << std::setw(12) << "-" << std::setw(12)
         << "-" << "  " << to_string(o.status) << ": " << o.message << "\n";
      continue;
    }
    for (const auto& m : o.metrics) {
      head();
      os << "  " << std::left << std::setw(16) << (m.label + (m.ok && m.value.squared ? " (W2^2)" : "")) << std::right;
      char v[32], e[32], f[32];
      std::snprintf(v, sizeof v, "%.6g", m.value.value);
      std::snprintf(e, sizeof e, "%.2g", m.value.stderr_);
      std::snprintf(f, sizeof f, "%.4g", m.floor ? m.floor->value : 0.0);
      os << std::setw(14) << (m.ok ? v : "-") << std::setw(12) << (m.ok ? e : "-") << std::setw(12) << (m.floor ? f : "-") << "  "
         << (m.ok ? "ok" : std::string(to_string(o.status)) + ": " + m.error) << "\n";
    }
  }
}

}  // namespace sgmtk::engine
