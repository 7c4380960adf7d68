#include <sgmtk_engine/atomic_file.hpp>

#include <sgmtk/error.hpp>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <unistd.h>

namespace sgmtk::engine {
namespace {

constexpr const char* kTemporaryMark = ".sgmtk-tmp.";

std::string temporary_for(const std::string& path) { return path + kTemporaryMark + std::to_string(::getpid()); }

// Writes and flushes `content` to `tmp`; on failure removes it and throws.
void write_temporary(const std::string& tmp, const std::string& content) {
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error("cannot write " + tmp + ": " + std::strerror(errno));
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      throw Error("cannot write " + tmp + ": " + why);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw Error("cannot flush " + tmp + ": " + why);
  }
}

void rename_over(const std::string& tmp, const std::string& path) {
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw Error("cannot replace " + path + ": " + why);
  }
}

}  // namespace

void write_file_atomically(const std::string& path, const std::string& content) {
  const std::string tmp = temporary_for(path);
  write_temporary(tmp, content);
  rename_over(tmp, path);
}

void write_files_atomically(const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<std::string> written;
  try {
    for (const auto& [path, content] : files) {
      write_temporary(temporary_for(path), content);
      written.push_back(temporary_for(path));
    }
  } catch (...) {
    for (const auto& tmp : written) ::unlink(tmp.c_str());
    throw;
  }
  for (const auto& [path, content] : files) rename_over(temporary_for(path), path);
}

void remove_dead_temporaries(const std::string& folder) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const auto mark = name.rfind(kTemporaryMark);
    if (mark == std::string::npos) continue;
    const std::string pid_text = name.substr(mark + std::strlen(kTemporaryMark));
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos || pid_text.size() > 9) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(pid_text));
    // kill(pid, 0) probes without signalling: ESRCH means no such process.
    if (pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
    if (!it->is_regular_file(ec)) continue;
    std::error_code rm;
    fs::remove(it->path(), rm);
  }
}

}  // namespace sgmtk::engine
