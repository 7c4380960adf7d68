#include <sgmtk/params.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace sgmtk {

const char* to_string(ParamType type) {
  switch (type) {
    case ParamType::boolean: return "boolean";
    case ParamType::integer: return "integer";
    case ParamType::real: return "real";
    case ParamType::string: return "string";
    case ParamType::real_list: return "list of reals";
    case ParamType::real_matrix: return "list of lists of reals";
  }
  return "?";
}

namespace {

std::string format_real(double v) {
  std::ostringstream os;
  os.precision(17);
  os << v;
  std::string s = os.str();
  // Keep it recognisably a real in TOML ("1.0", not "1").
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

std::string format_list(const RealList& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + format_real(v[i]);
  return s + "]";
}

const char* value_type_name(const ParamValue& v) {
  switch (v.index()) {
    case 0: return "boolean";
    case 1: return "integer";
    case 2: return "real";
    case 3: return "string";
    case 4: return "list of reals";
    default: return "list of lists of reals";
  }
}

}  // namespace

std::string format_value(const ParamValue& value) {
  struct Visitor {
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return format_real(d); }
    std::string operator()(const std::string& s) const { return "\"" + s + "\""; }
    std::string operator()(const RealList& l) const { return format_list(l); }
    std::string operator()(const RealMatrix& m) const {
      std::string s = "[";
      for (std::size_t i = 0; i < m.size(); ++i) s += (i ? ", " : "") + format_list(m[i]);
      return s + "]";
    }
  };
  return std::visit(Visitor{}, value);
}

namespace {
ParamSpec make_spec(std::string name, ParamType type, std::string doc) {
  ParamSpec s;
  s.name = std::move(name);
  s.type = type;
  s.doc = std::move(doc);
  return s;
}
}  // namespace

ParamSpec ParamSpec::boolean(std::string name, std::optional<bool> def, std::string doc) {
  ParamSpec s = make_spec(std::move(name), ParamType::boolean, std::move(doc));
  if (def) s.default_value = *def;
  return s;
}
ParamSpec ParamSpec::integer(std::string name, std::optional<std::int64_t> def, std::string doc) {
  ParamSpec s = make_spec(std::move(name), ParamType::integer, std::move(doc));
  if (def) s.default_value = *def;
  return s;
}
ParamSpec ParamSpec::real(std::string name, std::optional<double> def, std::string doc) {
  ParamSpec s = make_spec(std::move(name), ParamType::real, std::move(doc));
  if (def) s.default_value = *def;
  return s;
}
ParamSpec ParamSpec::string(std::string name, std::optional<std::string> def, std::string doc) {
  ParamSpec s = make_spec(std::move(name), ParamType::string, std::move(doc));
  if (def) s.default_value = *def;
  return s;
}
ParamSpec ParamSpec::choice(std::string name, std::string def, std::vector<std::string> choices,
                            std::string doc) {
  ParamSpec s = make_spec(std::move(name), ParamType::string, std::move(doc));
  s.default_value = std::move(def);
  s.choices = std::move(choices);
  return s;
}
ParamSpec ParamSpec::reals(std::string name, std::optional<RealList> def, std::string doc) {
  ParamSpec s = make_spec(std::move(name), ParamType::real_list, std::move(doc));
  if (def) s.default_value = *def;
  return s;
}
ParamSpec ParamSpec::matrix(std::string name, std::optional<RealMatrix> def, std::string doc) {
  ParamSpec s = make_spec(std::move(name), ParamType::real_matrix, std::move(doc));
  if (def) s.default_value = *def;
  return s;
}

ParamSpec& ParamSpec::at_least(double v) { min = v; min_exclusive = false; return *this; }
ParamSpec& ParamSpec::above(double v) { min = v; min_exclusive = true; return *this; }
ParamSpec& ParamSpec::at_most(double v) { max = v; max_exclusive = false; return *this; }
ParamSpec& ParamSpec::below(double v) { max = v; max_exclusive = true; return *this; }
ParamSpec& ParamSpec::optional() {
  default_value.reset();
  may_be_absent = true;
  return *this;
}

std::string ParamSpec::range_text() const {
  std::ostringstream os;
  os << to_string(type);
  if (!choices.empty()) {
    os << ", one of:";
    for (std::size_t i = 0; i < choices.size(); ++i) os << (i ? ", " : " ") << '"' << choices[i] << '"';
  }
  auto num = [&](double v) {
    return type == ParamType::integer ? std::to_string(static_cast<long long>(v)) : format_real(v);
  };
  if (min && max) {
    os << (type == ParamType::real_list || type == ParamType::real_matrix ? ", elements" : "")
       << " in " << (min_exclusive ? "(" : "[") << num(*min) << ", " << num(*max) << (max_exclusive ? ")" : "]");
  } else if (min) {
    os << (type == ParamType::real_list || type == ParamType::real_matrix ? ", elements" : "")
       << (min_exclusive ? " > " : " >= ") << num(*min);
  } else if (max) {
    os << (type == ParamType::real_list || type == ParamType::real_matrix ? ", elements" : "")
       << (max_exclusive ? " < " : " <= ") << num(*max);
  }
  return os.str();
}

ParamValueError::ParamValueError(std::string key, const std::string& what)
    : ParamError(what), key_(std::move(key)) {}
ParamValueError::~ParamValueError() = default;

void Params::set(const std::string& name, ParamValue value) {
  for (auto& item : items_) {
    if (item.first == name) {
      item.second = std::move(value);
      return;
    }
  }
  items_.emplace_back(name, std::move(value));
}

bool Params::has(const std::string& name) const {
  return std::any_of(items_.begin(), items_.end(), [&](const auto& i) { return i.first == name; });
}

const ParamValue& Params::at(const std::string& name) const {
  for (const auto& item : items_)
    if (item.first == name) return item.second;
  throw ParamError("parameter '" + name + "' is not set (a plugin asked for a parameter it did not declare)");
}

namespace {
template <class T>
const T& get_as(const Params& p, const std::string& name, const char* type) {
  const ParamValue& v = p.at(name);
  if (const T* t = std::get_if<T>(&v)) return *t;
  throw ParamError("parameter '" + name + "' is a " + value_type_name(v) + ", not a " + type);
}
}  // namespace

bool Params::boolean(const std::string& name) const { return get_as<bool>(*this, name, "boolean"); }
std::int64_t Params::integer(const std::string& name) const { return get_as<std::int64_t>(*this, name, "integer"); }
double Params::real(const std::string& name) const { return get_as<double>(*this, name, "real"); }
const std::string& Params::string(const std::string& name) const { return get_as<std::string>(*this, name, "string"); }
const RealList& Params::reals(const std::string& name) const { return get_as<RealList>(*this, name, "list of reals"); }
const RealMatrix& Params::matrix(const std::string& name) const { return get_as<RealMatrix>(*this, name, "list of lists of reals"); }

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  auto distance = [](const std::string& a, const std::string& b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
      cur[0] = i;
      for (std::size_t j = 1; j <= b.size(); ++j) {
        const std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
      }
      std::swap(prev, cur);
    }
    return prev[b.size()];
  };
  std::string best;
  std::size_t best_d = static_cast<std::size_t>(-1);
  for (const auto& c : candidates) {
    const std::size_t dist = distance(word, c);
    if (dist < best_d) {
      best_d = dist;
      best = c;
    }
  }
  // Plausible only if the edit is small relative to the word.
  const std::size_t limit = std::max<std::size_t>(2, word.size() / 3);
  return best_d <= limit ? best : std::string();
}

namespace {

// Converts `v` to the declared type where the conversion is lossless; nullopt otherwise.
std::optional<ParamValue> coerce(const ParamSpec& spec, const ParamValue& v) {
  switch (spec.type) {
    case ParamType::boolean:
      if (std::holds_alternative<bool>(v)) return v;
      return std::nullopt;
    case ParamType::integer:
      if (std::holds_alternative<std::int64_t>(v)) return v;
      return std::nullopt;
    case ParamType::real:
      if (std::holds_alternative<double>(v)) return v;
      if (auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
      return std::nullopt;
    case ParamType::string:
      if (std::holds_alternative<std::string>(v)) return v;
      return std::nullopt;
    case ParamType::real_list:
      if (std::holds_alternative<RealList>(v)) return v;
      if (auto* d = std::get_if<double>(&v)) return RealList{*d};
      if (auto* i = std::get_if<std::int64_t>(&v)) return RealList{static_cast<double>(*i)};
      return std::nullopt;
    case ParamType::real_matrix:
      if (std::holds_alternative<RealMatrix>(v)) return v;
      return std::nullopt;
  }
  return std::nullopt;
}

void check_number(const ParamSpec& spec, double x, const std::string& owner, bool integral = false) {
  auto fail = [&]() {
    std::ostringstream os;
    os << owner << ": parameter '" << spec.name << "' = "
       << (integral ? std::to_string(static_cast<long long>(x)) : format_real(x)) << " is out of range (expected "
       << spec.range_text() << ")";
    throw ParamValueError(spec.name, os.str());
  };
  if (!std::isfinite(x)) {
    throw ParamValueError(spec.name, owner + ": parameter '" + spec.name + "' must be a finite number, got " +
                                         format_real(x));
  }
  if (spec.min && (spec.min_exclusive ? !(x > *spec.min) : !(x >= *spec.min))) fail();
  if (spec.max && (spec.max_exclusive ? !(x < *spec.max) : !(x <= *spec.max))) fail();
}

void check_value(const ParamSpec& spec, const ParamValue& v, const std::string& owner) {
  if (auto* i = std::get_if<std::int64_t>(&v)) check_number(spec, static_cast<double>(*i), owner, true);
  if (auto* d = std::get_if<double>(&v)) check_number(spec, *d, owner);
  if (auto* l = std::get_if<RealList>(&v)) {
    if (l->empty()) throw ParamValueError(spec.name, owner + ": parameter '" + spec.name + "' must not be empty");
    for (double x : *l) check_number(spec, x, owner);
  }
  if (auto* m = std::get_if<RealMatrix>(&v)) {
    if (m->empty()) throw ParamValueError(spec.name, owner + ": parameter '" + spec.name + "' must not be empty");
    for (const auto& row : *m) {
      if (row.empty()) throw ParamValueError(spec.name, owner + ": parameter '" + spec.name + "' has an empty row");
      for (double x : row) check_number(spec, x, owner);
    }
  }
  if (auto* s = std::get_if<std::string>(&v); s && !spec.choices.empty()) {
    if (std::find(spec.choices.begin(), spec.choices.end(), *s) == spec.choices.end()) {
      std::string msg = owner + ": parameter '" + spec.name + "' = \"" + *s + "\" is not allowed (expected " +
                        spec.range_text() + ")";
      const std::string guess = did_you_mean(*s, spec.choices);
      if (!guess.empty()) msg += "; did you mean \"" + guess + "\"?";
      throw ParamValueError(spec.name, msg);
    }
  }
}

}  // namespace

Params validate_params(const std::vector<ParamSpec>& specs, const Params& given, const std::string& owner) {
  std::vector<std::string> names;
  for (const auto& s : specs) names.push_back(s.name);
  for (const auto& [name, value] : given.items()) {
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      std::string msg = owner + ": unknown parameter '" + name + "'";
      const std::string guess = did_you_mean(name, names);
      if (!guess.empty()) msg += "; did you mean '" + guess + "'?";
      else if (names.empty()) msg += " (it takes no parameters)";
      else {
        msg += " (expected one of:";
        for (std::size_t i = 0; i < names.size(); ++i) msg += (i ? ", " : " ") + names[i];
        msg += ")";
      }
      throw ParamValueError(name, msg);
    }
  }
  Params out;
  for (const auto& spec : specs) {
    if (!given.has(spec.name)) {
      if (spec.required()) {
        throw ParamValueError(spec.name, owner + ": missing required parameter '" + spec.name + "' (" +
                                             spec.range_text() + ": " + spec.doc + ")");
      }
      if (spec.default_value) out.set(spec.name, *spec.default_value);  // else: optional, left absent
      continue;
    }
    const ParamValue& raw = given.at(spec.name);
    std::optional<ParamValue> v = coerce(spec, raw);
    if (!v) {
      throw ParamValueError(spec.name, owner + ": parameter '" + spec.name + "' must be a " + spec.range_text() +
                                           ", got a " + value_type_name(raw) + " (" + format_value(raw) + ")");
    }
    check_value(spec, *v, owner);
    out.set(spec.name, std::move(*v));
  }
  return out;
}

}  // namespace sgmtk
