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
  // The nearest part of the path that exists decides: the folder itself, or where it would be made.
  fs::path existing = fs::absolute(fs::path(folder)).lexically_normal();
  std::error_code ec;
  while (!fs::exists(fs::symlink_status(existing, ec)) && existing.has_relative_path()) existing = existing.parent_path();
  const bool is_folder = fs::is_directory(existing, ec);
  const std::string which = existing == fs::absolute(fs::path(folder)).lexically_normal()
                                ? "output folder " + folder
                                : "output folder " + folder + ": " + existing.string() + ", where it would be created,";
  if (!is_folder) return which + " is not a folder";
  // access() asks the kernel with this process's rights (and sees a read-only file system).
  if (::access(existing.c_str(), W_OK | X_OK) != 0) return which + " is not writable";
  return "";
}

}  // namespace sgmtk::engine
