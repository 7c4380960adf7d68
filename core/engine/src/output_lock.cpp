#include <sgmtk_engine/output_lock.hpp>

#include <sgmtk/error.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <string>
#include <sys/file.h>
#include <unistd.h>

namespace sgmtk::engine {

OutputFolderLock::OutputFolderLock(const std::string& folder) {
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec) throw Error("cannot create the output folder " + folder + ": " + ec.message());
  const std::string path = (std::filesystem::path(folder) / ".sgmtk-lock").string();
  // The file itself is never removed: removing it would let two processes lock two different
  // files of the same name.
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error("cannot open the lock file " + path + ": " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int why = errno;
    char buf[32] = {};
    const ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
    std::string pid = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    ::close(fd_);
    fd_ = -1;
    if (why == EWOULDBLOCK) {
      throw Error("the output folder " + folder + " is in use by another sgmtk run" + (pid.empty() ? "" : " (PID " + pid + ")") +
                  "; wait for it to finish, or write to another folder with -o");
    }
    throw Error("cannot lock " + path + ": " + std::strerror(why));
  }
  const std::string mine = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, mine.data(), mine.size(), 0) != static_cast<ssize_t>(mine.size())) {
    // The lock holds without the PID in the file; only the message of a second run is poorer.
  }
}

OutputFolderLock::~OutputFolderLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace sgmtk::engine
