#pragma once
// Errors in a pipeline file, located: every message reads `file:line:col: error: ...` so that
// editors and terminals can jump to it.

#include <sgmtk/error.hpp>

#include <string>

namespace sgmtk::engine {

struct SourcePos {
  std::string file;
  int line = 0;
  int column = 0;
  /// "file:line:col" (or just "file" when the position is unknown).
  std::string str() const;
};

class ConfigError : public Error {
 public:
  ConfigError(const SourcePos& where, const std::string& message);
  const SourcePos& where() const { return where_; }
  /// The message without the location prefix.
  const std::string& message() const { return message_; }

 private:
  SourcePos where_;
  std::string message_;
};

}  // namespace sgmtk::engine
