#pragma once
// Finds plugin libraries, reads their descriptors without constructing anything, and makes
// objects from them. Every library stays loaded for as long as any object made from it lives
// (the object's deleter holds the library). Failures -- not a plugin, wrong ABI, missing
// dependency, duplicate name, a truncated file, a FIFO -- are collected and reported, never
// fatal. Nothing that is not a regular file whose ELF headers lie within it reaches dlopen.

#include <sgmtk/plugin.hpp>

#include <memory>
#include <string>
#include <vector>

namespace boost::dll { class shared_library; }

namespace sgmtk::engine {

struct PluginInfo {
  PluginKind kind;
  std::string name;
  std::string version;
  std::string summary;
  std::string doc;
  std::vector<ParamSpec> params;
  std::string file;        ///< the .so it came from
  std::string sdk_version; ///< the SDK it was built against
  std::string content_hash;  ///< a hash of the file's bytes ("fnv1a64:..."), in results and the resume fingerprint
  /// Later files in the search order that provide the same name (not loaded). A pipeline that
  /// uses a shadowed name must say so ([run] override_plugins), so an override is never silent.
  std::vector<std::string> shadowed_files;
  const PluginEntry* entry = nullptr;
  std::shared_ptr<boost::dll::shared_library> library;
};

struct LoadFailure {
  std::string file;
  std::string reason;
};

class PluginRegistry {
 public:
  /// What scan does with a folder that does not exist.
  enum class MissingFolder { error, report, skip };
  /// Scans the folders in order. A missing folder throws sgmtk::Error (`error`: a folder the
  /// user named), is reported as a load failure (`report`) or skipped (`skip`: the defaults);
  /// unreadable ones are reported. Regular files ending in .so are candidates.
  void scan(const std::vector<std::string>& folders, MissingFolder missing = MissingFolder::skip);
  /// Loads one library file.
  void load_file(const std::string& path);

  const std::vector<PluginInfo>& plugins() const { return plugins_; }
  const std::vector<LoadFailure>& failures() const { return failures_; }
  const std::vector<std::string>& scanned_folders() const { return folders_; }

  /// The plugin of that kind and name, or nullptr.
  const PluginInfo* find(PluginKind kind, const std::string& name) const;
  /// The plugin of any kind with that name, or nullptr.
  const PluginInfo* find_any(const std::string& name) const;
  /// Names of the plugins of a kind (for "did you mean" and messages).
  std::vector<std::string> names(PluginKind kind) const;

  /// Validates `given` against the plugin's declarations, then constructs. Throws
  /// ParamValueError (validation) or whatever the factory throws, wrapped with the plugin's name
  /// and file.
  std::shared_ptr<Target> make_target(const PluginInfo& p, const Params& given) const;
  std::shared_ptr<Sampler> make_sampler(const PluginInfo& p, const Params& given) const;
  std::shared_ptr<Metric> make_metric(const PluginInfo& p, const Params& given) const;

 private:
  std::vector<PluginInfo> plugins_;
  std::vector<LoadFailure> failures_;
  std::vector<std::string> folders_;
  std::vector<std::string> canonical_folders_;

  PluginInfo* find_mutable(const std::string& name);
};

/// The search order, one rule everywhere: the folders the user names (--plugin-dir, then a
/// pipeline's run.plugin_dirs), then each folder of $SGMTK_PLUGIN_PATH (colon-separated), then
/// the built-in folder next to the executable (build tree: ../plugins; install:
/// ../lib/sgmtk/plugins). The first file that provides a name keeps it.
std::vector<std::string> environment_plugin_folders();
std::vector<std::string> builtin_plugin_folders();
/// environment_plugin_folders() then builtin_plugin_folders().
std::vector<std::string> default_plugin_folders();

}  // namespace sgmtk::engine
