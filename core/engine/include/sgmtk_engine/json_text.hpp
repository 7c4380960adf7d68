#pragma once
// JSON text shared by the result files (summary.json, its rate_fits) and `sgmtk metric --json`:
// one string escaper, so every JSON sgmtk writes quotes strings the same way.

#include <string>

namespace sgmtk::engine {

/// `s` as a JSON string literal, quotes included: " and \ escaped, \n and \t by name, every
/// other control character as \u00XX.
std::string json_string(const std::string& s);

}  // namespace sgmtk::engine
