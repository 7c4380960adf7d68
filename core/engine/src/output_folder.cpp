#include <sgmtk_engine/output_folder.hpp>

#include <filesystem>
#include <system_error>
#include <unistd.h>

namespace sgmtk::engine {

namespace fs = std::filesystem;

std::string output_folder(const PipelineSpec& spec, const std::string& given) {
  if (!given.empty()) return given;
  if (!spec.output.empty()) return spec.output;
  return (fs::path("out") / spec.name).string();
}

std::string output_folder_problem(const std::string& folder) {
  if (folder.empty()) return "the output folder is empty";
  // The nearest part of the path that exists decides: the folder itself, or where it would be
  // made. Not normalized (the kernel resolves `link/..` beside the link's target, not here), and
  // only "no such file" (or a file where a folder should be) counts as missing: any other error
  // (a loop, a name too long, no access) is the answer.
  fs::path existing = fs::absolute(fs::path(folder));
  std::error_code ec;
  for (;;) {
    const fs::file_status st = fs::status(existing, ec);
    if (!ec && fs::exists(st)) break;
    // ENOTDIR: a part of the path is a file; climbing to it says so.
    if (ec && ec != std::errc::no_such_file_or_directory && ec != std::errc::not_a_directory) return "output folder " + folder + ": " + existing.string() + ": " + ec.message();
    if (!existing.has_relative_path() || existing.parent_path() == existing) return "output folder " + folder + ": no part of it exists";
    existing = existing.parent_path();
  }
  const bool itself = existing == fs::absolute(fs::path(folder));
  const std::string which = itself ? "output folder " + folder : "output folder " + folder + ": " + existing.string() + ", where it would be created,";
  if (!fs::is_directory(existing, ec)) return which + " is not a folder";
  // access() asks the kernel with this process's rights (and sees a read-only file system).
  if (::access(existing.c_str(), W_OK | X_OK) != 0) return which + " is not writable";
  return "";
}

}  // namespace sgmtk::engine
