#pragma once
// One `sgmtk run` per output folder. Two runs writing into one folder would reset each other's
// journal and remove each other's temporaries, and a later resume would merge their rows
// (results of two pipelines in one results.csv). The lock is an flock(2) on
// <folder>/.sgmtk-lock, held for the lifetime of the object and released by the kernel when
// the process dies however it dies, so a crash never leaves a folder locked.

#include <string>

namespace sgmtk::engine {

class OutputFolderLock {
 public:
  /// Creates the folder if needed and takes the lock; throws sgmtk::Error ("... in use by
  /// PID n ...") when another process holds it.
  explicit OutputFolderLock(const std::string& folder);
  ~OutputFolderLock();
  OutputFolderLock(const OutputFolderLock&) = delete;
  OutputFolderLock& operator=(const OutputFolderLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace sgmtk::engine
