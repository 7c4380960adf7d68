#pragma once
// Finds plugin libraries, reads their descriptors without constructing anything, and makes
// objects from them. Every library stays loaded for as long as any object made from it lives
// (the object's deleter holds the library). Failures -- not a plugin, wrong ABI, missing
// dependency, duplicate name -- are collected and reported, never fatal.

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
  const PluginEntry* entry = nullptr;
  std::shared_ptr<boost::dll::shared_library> library;
};

struct LoadFailure {
  std::string file;
  std::string reason;
};

class PluginRegistry {
 public:
  /// Scans the folders in order (missing folders are skipped silently; unreadable ones are
  /// reported). Files ending in .so are candidates.
  void scan(const std::vector<std::string>& folders);
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
};

/// The default plugin folders: next to the executable (build tree: ../plugins; install:
/// ../lib/sgmtk/plugins), then each folder of $SGMTK_PLUGIN_PATH (colon-separated).
std::vector<std::string> default_plugin_folders();

}  // namespace sgmtk::engine
