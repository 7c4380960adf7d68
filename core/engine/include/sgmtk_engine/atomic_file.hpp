#pragma once
// Writes files so that readers see either the old content or the complete new one, never a
// truncated file: write to a temporary in the same folder, flush to disk, rename over.
//
// Temporaries are named <file>.sgmtk-tmp.<pid>: a name no user file has by accident, carrying
// the writer's process id, so that the only ones ever removed are this tool's own, left by a
// process that no longer exists (a kill in the middle of a write).

#include <string>
#include <utility>
#include <vector>

namespace sgmtk::engine {

/// Throws sgmtk::Error naming the file on any I/O failure.
void write_file_atomically(const std::string& path, const std::string& content);

/// Writes a set of files that belong together (results.csv, summary.json, timings.csv): every
/// temporary is written and flushed before the first rename, so a full disk or any write error
/// leaves all the old files in place (and no temporary); only renames, which need no space,
/// happen after that.
void write_files_atomically(const std::vector<std::pair<std::string, std::string>>& files);

/// Removes, in `folder` (not recursively), the temporaries of this tool whose writing process
/// is gone. Any other file, and the temporaries of live processes, are left alone.
void remove_dead_temporaries(const std::string& folder);

}  // namespace sgmtk::engine
