#pragma once
/// @file params.hpp
/// Plugin parameters: what a plugin declares (ParamSpec) and what it receives (Params).
///
/// A plugin declares its parameters as data; the core validates a user's values against those
/// declarations (types, ranges, choices, unknown names with a "did you mean") and fills in the
/// defaults *before* the plugin's factory runs. Configuration-file types never cross the plugin
/// boundary: plugins only ever see Params.

#include <sgmtk/error.hpp>
#include <sgmtk/export.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace sgmtk {

enum class ParamType : std::uint8_t {
  boolean,
  integer,
  real,
  string,     ///< optionally restricted to `choices`
  real_list,  ///< a list of reals; a single number is accepted as a list of one (for broadcasting)
  real_matrix ///< a list of lists of reals (rows), e.g. component means or a covariance
};

/// Human-readable name of a type ("real", "list of reals", ...), for messages and `describe`.
SGMTK_API const char* to_string(ParamType type);

using RealList = std::vector<double>;
using RealMatrix = std::vector<std::vector<double>>;
using ParamValue = std::variant<bool, std::int64_t, double, std::string, RealList, RealMatrix>;

/// Renders a value as it would be written in a pipeline file (for `describe` and summaries).
SGMTK_API std::string format_value(const ParamValue& value);

/// Declaration of one parameter. Build with the static helpers and chain the refinements:
///   ParamSpec::real("stddev", 1.0, "standard deviation of each component").above(0.0)
struct SGMTK_API ParamSpec {
  std::string name;
  ParamType type = ParamType::real;
  std::string doc;
  std::optional<ParamValue> default_value;  ///< empty: the parameter is required (unless optional)
  std::optional<double> min;                ///< numeric types and list elements
  std::optional<double> max;
  bool min_exclusive = false;
  bool max_exclusive = false;
  std::vector<std::string> choices;         ///< string parameters: the allowed values
  /// The parameter may be left out and has no default: validation then leaves it absent and the
  /// plugin asks Params::has(). For alternatives with no natural default ("give `diagonal` or
  /// `covariance`, or neither"), where a sentinel default would be a lie in `describe`.
  bool may_be_absent = false;

  static ParamSpec boolean(std::string name, std::optional<bool> def, std::string doc);
  static ParamSpec integer(std::string name, std::optional<std::int64_t> def, std::string doc);
  static ParamSpec real(std::string name, std::optional<double> def, std::string doc);
  static ParamSpec string(std::string name, std::optional<std::string> def, std::string doc);
  static ParamSpec choice(std::string name, std::string def, std::vector<std::string> choices,
                          std::string doc);
  static ParamSpec reals(std::string name, std::optional<RealList> def, std::string doc);
  static ParamSpec matrix(std::string name, std::optional<RealMatrix> def, std::string doc);

  ParamSpec& at_least(double v);  ///< value >= v
  ParamSpec& above(double v);     ///< value > v
  ParamSpec& at_most(double v);   ///< value <= v
  ParamSpec& below(double v);     ///< value < v
  /// Marks the parameter optional without a default (see may_be_absent); drops any default.
  ParamSpec& optional();

  bool required() const { return !default_value.has_value() && !may_be_absent; }
  /// "real > 0", "integer in [1, 64]", "one of: a, b" ... for messages and `describe`.
  std::string range_text() const;
};

/// A parameter failed validation. `key()` names it so that the configuration layer can point at
/// the exact place in the user's file.
class SGMTK_API ParamValueError : public ParamError {
 public:
  ParamValueError(std::string key, const std::string& what);
  ~ParamValueError() override;
  const std::string& key() const { return key_; }

 private:
  std::string key_;
};

/// Validated parameter values, in declaration order. Getters throw ParamError naming the
/// parameter when it is absent or of another type (a plugin bug, since validation ran first).
class SGMTK_API Params {
 public:
  Params() = default;

  void set(const std::string& name, ParamValue value);
  bool has(const std::string& name) const;
  const ParamValue& at(const std::string& name) const;
  const std::vector<std::pair<std::string, ParamValue>>& items() const { return items_; }

  bool boolean(const std::string& name) const;
  std::int64_t integer(const std::string& name) const;
  double real(const std::string& name) const;
  const std::string& string(const std::string& name) const;
  const RealList& reals(const std::string& name) const;
  const RealMatrix& matrix(const std::string& name) const;

 private:
  std::vector<std::pair<std::string, ParamValue>> items_;
};

/// Checks `given` against `specs` and returns the complete parameter set (defaults filled in,
/// integers promoted to reals where a real is declared, a single number promoted to a list).
/// Throws ParamValueError for an unknown name (with a "did you mean"), a missing required value,
/// a wrong type, a value out of range or not among the choices. `owner` names the plugin in
/// messages.
SGMTK_API Params validate_params(const std::vector<ParamSpec>& specs, const Params& given,
                                 const std::string& owner);

/// The candidate closest to `word` by edit distance, or "" when none is plausibly meant.
SGMTK_API std::string did_you_mean(const std::string& word,
                                   const std::vector<std::string>& candidates);

}  // namespace sgmtk
