#include "commands.hpp"

#include <iostream>

namespace sgmtk::host {

engine::PluginRegistry load_plugins(const PluginOptions& options, const std::vector<std::string>& extra) {
  engine::PluginRegistry registry;
  // The search order of plugin_registry.hpp. Folders the user named must exist; a stale
  // $SGMTK_PLUGIN_PATH entry is reported (sgmtk list --verbose), not fatal.
  using Missing = engine::PluginRegistry::MissingFolder;
  registry.scan(options.plugin_dirs, Missing::error);
  registry.scan(extra, Missing::error);
  registry.scan(engine::environment_plugin_folders(), Missing::report);
  registry.scan(engine::builtin_plugin_folders(), Missing::skip);
  return registry;
}

void warn_about_failures(const engine::PluginRegistry& registry) {
  if (registry.failures().empty()) return;
  std::cerr << "warning: " << registry.failures().size()
            << " plugin librar" << (registry.failures().size() == 1 ? "y" : "ies")
            << " could not be used and were skipped (see `sgmtk list --verbose`):\n";
  for (const auto& f : registry.failures()) std::cerr << "  " << f.file << ": " << f.reason << "\n";
}

}  // namespace sgmtk::host
