#include <sgmtk_engine/config_loader.hpp>

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>

namespace sgmtk::engine {

const std::vector<std::string>& engine_sweep_keys() {
  static const std::vector<std::string> keys{"steps",      "dim",       "horizon",    "early_stop",
                                             "particles",  "score_error", "replicate"};
  return keys;
}

std::string swept_target_parameter(const std::string& key) {
  if (key == "dim") return "dim";
  if (key.rfind("target.", 0) == 0) return key.substr(7);
  return "";
}

namespace {

// ---- What a pipeline's text may hold ---------------------------------------------------------
// A control character is never meant in a pipeline, and in a path it is dangerous: a NUL ends
// the path at the system call, so run.output = "keep\u0000x" would make the journal reset
// remove the folder "keep" itself. Refused: C0 (U+0000-U+001F, tab included: no key, name, path
// or parameter needs one), DEL (U+007F) and C1 (U+0080-U+009F, terminal control sequences).

/// The first control character of UTF-8 text (toml++ has checked the encoding), if any.
std::optional<char32_t> first_control_character(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return c;
    // C1 is U+0080-U+009F, encoded 0xC2 0x80-0x9F; 0xC2 only ever starts a character.
    if (c == 0xc2 && i + 1 < s.size()) {
      const auto next = static_cast<unsigned char>(s[i + 1]);
      if (next >= 0x80 && next <= 0x9f) return next;
    }
  }
  return std::nullopt;
}

std::string code_point(char32_t c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(c));
  return buf;
}

/// run.name becomes the folder out/<name>: it must be one path component that stays there.
bool is_plain_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos && !first_control_character(name);
}

struct Reader {
  std::string file;

  SourcePos pos(const toml::source_region& r) const {
    return {file, static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)};
  }
  SourcePos pos(const toml::node& n) const { return pos(n.source()); }

  [[noreturn]] void fail(const SourcePos& at, const std::string& msg) const { throw ConfigError(at, msg); }

  void reject_unknown(const toml::table& t, const std::string& table_name,
                      const std::vector<std::string>& allowed) const {
    for (auto&& [k, v] : t) {
      const std::string key(k.str());
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      std::string msg = "unknown key '" + key + "' in " + table_name;
      const std::string guess = did_you_mean(key, allowed);
      if (!guess.empty()) {
        msg += "; did you mean '" + guess + "'?";
      } else {
        msg += " (expected one of:";
        for (std::size_t i = 0; i < allowed.size(); ++i) msg += (i ? ", " : " ") + allowed[i];
        msg += ")";
      }
      fail(pos(k.source()), msg);
    }
  }

  double real(const toml::node& n, const std::string& what) const {
    double v = 0.0;
    if (auto i = n.as_integer()) v = static_cast<double>(i->get());
    else if (auto f = n.as_floating_point()) v = f->get();
    else fail(pos(n), what + " must be a number");
    if (!std::isfinite(v)) fail(pos(n), what + " must be a finite number, got " + std::to_string(v));
    return v;
  }
  std::int64_t integer(const toml::node& n, const std::string& what) const {
    if (auto i = n.as_integer()) return i->get();
    fail(pos(n), what + " must be an integer");
  }
  std::string string(const toml::node& n, const std::string& what) const {
    if (auto s = n.as_string()) return s->get();
    fail(pos(n), what + " must be a string");
  }
  bool boolean(const toml::node& n, const std::string& what) const {
    if (auto b = n.as_boolean()) return b->get();
    fail(pos(n), what + " must be true or false");
  }

  /// A TOML value as a plugin parameter value (the types Params knows).
  ParamValue value(const toml::node& n, const std::string& what) const {
    if (auto b = n.as_boolean()) return b->get();
    if (auto i = n.as_integer()) return i->get();
    if (n.is_floating_point()) return real(n, what);
    if (auto s = n.as_string()) return s->get();
    if (auto a = n.as_array()) {
      if (a->empty()) fail(pos(n), what + " must not be an empty list");
      if ((*a)[0].is_array()) {
        RealMatrix m;
        for (auto&& row : *a) {
          auto r = row.as_array();
          if (!r) fail(pos(row), what + ": every element must be a list of numbers (rows of a matrix)");
          if (r->empty()) fail(pos(row), what + ": a row must not be empty");
          RealList values;
          for (auto&& x : *r) values.push_back(real(x, what + " (matrix entry)"));
          m.push_back(std::move(values));
        }
        return m;
      }
      RealList values;
      for (auto&& x : *a) values.push_back(real(x, what + " (list entry)"));
      return values;
    }
    fail(pos(n), what + " has a type sgmtk does not take (expected a number, string, boolean, list or list of lists)");
  }

  const toml::table& table(const toml::node& n, const std::string& name) const {
    if (auto t = n.as_table()) return *t;
    fail(pos(n), "'" + name + "' must be a table ([" + name + "])");
  }

  PluginUse plugin_use(const toml::table& t, const std::string& table_name, const std::vector<std::string>& engine_keys) const {
    PluginUse use;
    use.at = pos(t);
    const toml::node* plugin = t.get("plugin");
    if (!plugin) fail(pos(t), table_name + " needs a 'plugin = \"name\"' key");
    use.plugin = string(*plugin, table_name + ".plugin");
    use.plugin_at = pos(*plugin);
    use.label = use.plugin;
    for (auto&& [k, v] : t) {
      const std::string key(k.str());
      if (key == "plugin") continue;
      if (key == "label") {
        use.label = string(v, table_name + ".label");
        continue;
      }
      if (key == "floor" && std::find(engine_keys.begin(), engine_keys.end(), "floor") != engine_keys.end()) {
        use.floor = boolean(v, table_name + ".floor");
        continue;
      }
      use.params.set(key, value(v, table_name + "." + key));
      use.param_at[key] = pos(k.source());
    }
    return use;
  }
};

// The earliest control character in the file, over every key and string of the tree: one walk
// covers run.name, run.output, plugin_dirs, plugin names, labels and every parameter, including
// keys and values that later checks would echo to the terminal in their messages.
class ControlCharacterSearch {
 public:
  explicit ControlCharacterSearch(const Reader& r) : r_(r) {}

  void walk(const toml::node& n, const std::string& path) {
    if (auto t = n.as_table()) {
      for (auto&& [k, v] : *t) {
        if (auto c = first_control_character(k.str())) {
          offer(r_.pos(k.source()), (path.empty() ? "a key of the pipeline file" : "a key in " + path), *c);
        }
        walk(v, path.empty() ? std::string(k.str()) : path + "." + std::string(k.str()));
      }
    } else if (auto a = n.as_array()) {
      for (std::size_t i = 0; i < a->size(); ++i) walk((*a)[i], path + "[" + std::to_string(i) + "]");
    } else if (auto s = n.as_string()) {
      if (auto c = first_control_character(s->get())) offer(r_.pos(n), path, *c);
    }
  }

  void fail_if_found() const {
    if (!found_) return;
    r_.fail(found_->at, found_->what + " contains a control character (" + code_point(found_->c) +
                            "); no key or string of a pipeline may hold one (names and paths least of all)");
  }

 private:
  struct Found {
    SourcePos at;
    std::string what;
    char32_t c;
  };
  // Tables iterate in key order, not in file order: keep the one written first.
  void offer(const SourcePos& at, const std::string& what, char32_t c) {
    if (!found_ || std::pair(at.line, at.column) < std::pair(found_->at.line, found_->at.column)) found_ = Found{at, what, c};
  }

  const Reader& r_;
  std::optional<Found> found_;
};

StartLaw parse_start(const Reader& r, const toml::node& n) {
  const std::string s = r.string(n, "process.start");
  if (s == "gaussian") return StartLaw::gaussian;
  if (s == "exact") return StartLaw::exact;
  r.fail(r.pos(n), "process.start = \"" + s + "\" is not allowed (expected \"gaussian\" for N(0, I) or \"exact\" for p_T)");
}

// A swept replicate keys the random numbers in 32 bits: 2^32 would silently be replicate 0.
// (Values of other types are refused when the plan reads them.)
void check_replicate(const Reader& r, const toml::node& x) {
  if (auto i = x.as_integer(); i && (i->get() < 0 || i->get() > 0xffffffffLL)) {
    r.fail(r.pos(x), "sweep.replicate values must be in [0, 4294967295] (the replicate is 32 bits of the random key), got " +
                         std::to_string(i->get()));
  }
}

// Two axes setting one target parameter ("dim" and "target.dim") would overwrite each other,
// giving duplicate runs: the second written is refused. `axes` is in the order written.
void refuse_aliased_axes(const Reader& r, const std::vector<SweepAxis>& axes) {
  std::map<std::string, const SweepAxis*> first;
  for (const auto& axis : axes) {
    const std::string param = swept_target_parameter(axis.key);
    if (param.empty()) continue;
    auto [it, inserted] = first.emplace(param, &axis);
    if (!inserted) {
      r.fail(axis.at, "sweep." + axis.key + " sweeps the target's '" + param + "' again (sweep." + it->second->key + ", line " +
                          std::to_string(it->second->at.line) + "): keep one of them");
    }
  }
}

PipelineSpec build(const toml::table& root, const std::string& file) {
  Reader r{file};
  PipelineSpec spec;
  spec.file = file;
  ControlCharacterSearch controls(r);
  controls.walk(root, "");
  controls.fail_if_found();
  r.reject_unknown(root, "the pipeline file", {"run", "target", "process", "sampler", "metric", "sweep"});

  auto note = [&](const std::string& key, const toml::node& n) { spec.at[key] = r.pos(n); };

  if (const toml::node* n = root.get("run")) {
    const toml::table& t = r.table(*n, "run");
    r.reject_unknown(t, "[run]", {"name", "seed", "particles", "replicates", "block_size", "output", "plugin_dirs", "distribute", "subsample",
                               "override_plugins"});
    for (auto&& [k, v] : t) note("run." + std::string(k.str()), v);
    if (auto v = t.get("name")) {
      spec.name = r.string(*v, "run.name");
      if (!is_plain_name(spec.name)) {
        r.fail(r.pos(*v), "run.name = \"" + spec.name + "\" must be a plain name (not empty, no '/', not '.' or '..'): results go to "
                          "out/<name>; set run.output to write elsewhere");
      }
    }
    if (auto v = t.get("seed")) {
      const std::int64_t s = r.integer(*v, "run.seed");
      if (s < 0 || s > 0xffffffffLL) r.fail(r.pos(*v), "run.seed must be in [0, 4294967295], got " + std::to_string(s));
      spec.seed = static_cast<std::uint32_t>(s);
    }
    if (auto v = t.get("particles")) {
      spec.particles = r.integer(*v, "run.particles");
      if (spec.particles < 2) r.fail(r.pos(*v), "run.particles must be >= 2, got " + std::to_string(spec.particles));
      if (spec.particles > 0xffffffffLL) {
        r.fail(r.pos(*v), "run.particles must be < 2^32 (particles are numbered by a 32-bit counter), got " + std::to_string(spec.particles));
      }
    }
    if (auto v = t.get("replicates")) {
      spec.replicates = r.integer(*v, "run.replicates");
      if (spec.replicates < 1) r.fail(r.pos(*v), "run.replicates must be >= 1");
      // Replicates 0 .. replicates-1 key the random numbers in 32 bits: more would repeat them.
      if (spec.replicates > (std::int64_t{1} << 32)) {
        r.fail(r.pos(*v), "run.replicates must be <= 4294967296 (the replicate is 32 bits of the random key), got " +
                              std::to_string(spec.replicates));
      }
    }
    if (auto v = t.get("block_size")) {
      spec.block_size = r.integer(*v, "run.block_size");
      if (spec.block_size < 1) r.fail(r.pos(*v), "run.block_size must be >= 1");
    }
    if (auto v = t.get("output")) {
      // Any other path is the user's choice (the journal reset only ever removes this tool's
      // own files inside it); the control characters that could cut it short are refused above.
      spec.output = r.string(*v, "run.output");
      if (spec.output.empty()) r.fail(r.pos(*v), "run.output must not be empty (leave it out for out/<name>)");
    }
    if (auto v = t.get("distribute")) {
      const std::string d = r.string(*v, "run.distribute");
      if (d == "runs") spec.distribute = Distribute::runs;
      else if (d == "particles") spec.distribute = Distribute::particles;
      else r.fail(r.pos(*v), "run.distribute must be \"runs\" (hand whole runs to MPI ranks) or \"particles\" (split every run over the ranks), got \"" + d + "\"");
    }
    if (auto v = t.get("subsample")) {
      spec.subsample = r.integer(*v, "run.subsample");
      if (spec.subsample < 2) r.fail(r.pos(*v), "run.subsample must be >= 2, got " + std::to_string(spec.subsample));
    }
    if (auto v = t.get("plugin_dirs")) {
      auto a = v->as_array();
      if (!a) r.fail(r.pos(*v), "run.plugin_dirs must be a list of folder names");
      const auto base = std::filesystem::path(file).parent_path();
      for (auto&& d : *a) {
        std::filesystem::path p(r.string(d, "run.plugin_dirs entry"));
        spec.plugin_dirs.push_back((p.is_absolute() ? p : base / p).lexically_normal().string());
      }
    }
    if (auto v = t.get("override_plugins")) {
      auto a = v->as_array();
      if (!a) r.fail(r.pos(*v), "run.override_plugins must be a list of plugin names");
      for (auto&& n : *a) spec.override_plugins.push_back(r.string(n, "run.override_plugins entry"));
      spec.at["run.override_plugins"] = r.pos(*v);
    }
  }
  if (spec.name.empty()) {
    spec.name = std::filesystem::path(file).stem().string();
    if (!is_plain_name(spec.name)) {
      r.fail(SourcePos{file, 1, 1}, "the file's name gives run.name = \"" + spec.name + "\", which is not a plain name: set [run] name");
    }
  }

  const toml::node* target = root.get("target");
  if (!target) r.fail(SourcePos{file, 1, 1}, "the pipeline has no [target] table (e.g. [target] plugin = \"gaussian\")");
  spec.target = r.plugin_use(r.table(*target, "target"), "[target]", {});

  if (const toml::node* n = root.get("process")) {
    const toml::table& t = r.table(*n, "process");
    r.reject_unknown(t, "[process]", {"horizon", "early_stop", "steps", "schedule", "start", "score_error",
                                      "score_error_kind", "divergence_threshold"});
    for (auto&& [k, v] : t) note("process." + std::string(k.str()), v);
    if (auto v = t.get("horizon")) spec.horizon = r.real(*v, "process.horizon");
    if (auto v = t.get("early_stop")) spec.early_stop = r.real(*v, "process.early_stop");
    if (auto v = t.get("steps")) spec.steps = r.integer(*v, "process.steps");
    if (auto v = t.get("schedule")) {
      try {
        spec.schedule = parse_schedule(r.string(*v, "process.schedule"));
      } catch (const ParamError& e) {
        r.fail(r.pos(*v), e.what());
      }
    }
    if (auto v = t.get("start")) spec.start = parse_start(r, *v);
    if (auto v = t.get("score_error")) spec.score_error = r.real(*v, "process.score_error");
    if (auto v = t.get("score_error_kind")) {
      try {
        spec.score_error_kind = parse_score_error_kind(r.string(*v, "process.score_error_kind"));
      } catch (const ParamError& e) {
        r.fail(r.pos(*v), e.what());
      }
    }
    if (auto v = t.get("divergence_threshold")) {
      spec.divergence_threshold = r.real(*v, "process.divergence_threshold");
      if (!(spec.divergence_threshold > 0)) r.fail(r.pos(*v), "process.divergence_threshold must be > 0");
    }
    if (spec.score_error < 0) r.fail(spec.at["process.score_error"], "process.score_error must be >= 0");
  }

  auto plugin_list = [&](const char* key, const std::string& name, const std::vector<std::string>& engine_keys) {
    std::vector<PluginUse> uses;
    const toml::node* n = root.get(key);
    if (!n) return uses;
    auto a = n->as_array();
    if (!a || !a->is_array_of_tables()) r.fail(r.pos(*n), "'" + std::string(key) + "' must be written as [[" + key + "]] tables");
    for (auto&& t : *a) uses.push_back(r.plugin_use(*t.as_table(), name, engine_keys));
    return uses;
  };
  spec.samplers = plugin_list("sampler", "[[sampler]]", {});
  spec.metrics = plugin_list("metric", "[[metric]]", {"floor"});
  if (spec.samplers.empty()) r.fail(SourcePos{file, 1, 1}, "the pipeline has no [[sampler]] table (e.g. [[sampler]] plugin = \"euler_maruyama\")");
  if (spec.metrics.empty()) r.fail(SourcePos{file, 1, 1}, "the pipeline has no [[metric]] table (e.g. [[metric]] plugin = \"w2_gaussian\")");

  auto check_labels = [&](const std::vector<PluginUse>& uses, const std::string& what) {
    std::set<std::string> seen;
    for (const auto& u : uses) {
      if (!seen.insert(u.label).second) {
        r.fail(u.at, "two " + what + " tables are both named '" + u.label + "': give one a distinct label = \"...\"");
      }
    }
  };
  check_labels(spec.samplers, "[[sampler]]");
  check_labels(spec.metrics, "[[metric]]");

  if (const toml::node* n = root.get("sweep")) {
    const toml::table& t = r.table(*n, "sweep");
    for (auto&& [k, v] : t) {
      const std::string key(k.str());
      const auto& known = engine_sweep_keys();
      if (std::find(known.begin(), known.end(), key) == known.end() && key.rfind("target.", 0) != 0) {
        std::string msg = "unknown sweep key '" + key + "'";
        const std::string guess = did_you_mean(key, known);
        if (!guess.empty()) msg += "; did you mean '" + guess + "'?";
        else {
          msg += " (expected one of:";
          for (std::size_t i = 0; i < known.size(); ++i) msg += (i ? ", " : " ") + known[i];
          msg += ", or target.<parameter>)";
        }
        r.fail(r.pos(k.source()), msg);
      }
      auto a = v.as_array();
      if (!a || a->empty()) r.fail(r.pos(v), "sweep." + key + " must be a non-empty list of values");
      SweepAxis axis{key, {}, r.pos(k.source())};
      for (auto&& x : *a) {
        if (key == "replicate") check_replicate(r, x);
        axis.values.push_back(r.value(x, "sweep." + key));
      }
      spec.sweep.push_back(std::move(axis));
    }
    // The product runs in the order written (the last key varying fastest); toml++ hands the
    // keys over in alphabetical order.
    std::stable_sort(spec.sweep.begin(), spec.sweep.end(), [](const SweepAxis& a, const SweepAxis& b) {
      return std::pair(a.at.line, a.at.column) < std::pair(b.at.line, b.at.column);
    });
    refuse_aliased_axes(r, spec.sweep);
  }
  return spec;
}

}  // namespace

PipelineSpec parse_pipeline(const std::string& text, const std::string& display_name) {
  toml::table root;
  try {
    root = toml::parse(text, display_name);
  } catch (const toml::parse_error& e) {
    const auto& src = e.source();
    throw ConfigError({display_name, static_cast<int>(src.begin.line), static_cast<int>(src.begin.column)},
                      std::string(e.description()));
  }
  return build(root, display_name);
}

ParamValue parse_param_value(const std::string& text, const std::string& what) {
  toml::table t;
  try {
    t = toml::parse("value = " + text, what);
  } catch (const toml::parse_error&) {
    // Bare words are strings: `--param variant=euler`.
    if (text.find_first_of("[]\"'=") == std::string::npos) return text;
    throw ConfigError({what, 0, 0}, "cannot read '" + text + "' as a value (TOML syntax: 1.5, \"text\", true, [1, 2])");
  }
  Reader r{what};
  return r.value(*t.get("value"), what);
}

PipelineSpec load_pipeline(const std::string& path) {
  // Only a regular file is opened: a folder would read as empty text ("no [target] table"), and
  // opening a FIFO would wait for a writer that never comes.
  std::error_code ec;
  const std::filesystem::file_status status = std::filesystem::status(path, ec);
  if (std::filesystem::is_directory(status)) throw ConfigError({path, 0, 0}, "is a folder, not a pipeline file (name the .toml file)");
  if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
    throw ConfigError({path, 0, 0}, "is not a regular file (a FIFO, device or socket), not a pipeline file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError({path, 0, 0}, "cannot open the pipeline file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_pipeline(text.str(), path);
}

}  // namespace sgmtk::engine
