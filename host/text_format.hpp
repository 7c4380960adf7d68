#pragma once
// Small text helpers shared by the commands that write gnuplot scripts and shell lines.

#include <cstdio>
#include <string>

namespace sgmtk::host {

/// `v` through a printf format ("%.6g").
inline std::string format_number(double v, const char* format) {
  char buf[48];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

/// Single-quoted for /bin/sh (and gnuplot strings): ' becomes '\''.
inline std::string shell_quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace sgmtk::host
