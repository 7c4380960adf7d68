#pragma once
// Writes a file so that readers see either the old content or the complete new one, never a
// truncated file: write to a temporary in the same folder, flush to disk, rename over.

#include <string>

namespace sgmtk::engine {

/// Throws sgmtk::Error naming the file on any I/O failure.
void write_file_atomically(const std::string& path, const std::string& content);

}  // namespace sgmtk::engine
