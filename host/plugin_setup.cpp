#include "commands.hpp"

#include <iostream>

namespace sgmtk::host {

engine::PluginRegistry load_plugins(const PluginOptions& options, const std::vector<std::string>& extra) {
  engine::PluginRegistry registry;
  registry.scan(options.plugin_dirs);
  registry.scan(extra);
  registry.scan(engine::default_plugin_folders());
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
