#include <sgmtk_engine/config_error.hpp>

namespace sgmtk::engine {

std::string SourcePos::str() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

ConfigError::ConfigError(const SourcePos& where, const std::string& message)
    : Error(where.str() + ": error: " + message), where_(where), message_(message) {}

}  // namespace sgmtk::engine
