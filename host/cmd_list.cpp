#include "commands.hpp"

#include <iomanip>
#include <iostream>

namespace sgmtk::host {

int cmd_list(const PluginOptions& plugins, bool verbose) {
  const engine::PluginRegistry registry = load_plugins(plugins);
  for (PluginKind kind : {PluginKind::target, PluginKind::sampler, PluginKind::metric}) {
    std::cout << to_string(kind) << "s:\n";
    bool any = false;
    for (const auto& p : registry.plugins()) {
      if (p.kind != kind) continue;
      any = true;
      std::cout << "  " << std::left << std::setw(24) << p.name << " " << p.summary << "\n"
                << "  " << std::setw(24) << "" << " " << p.file << (verbose ? "  (version " + p.version + ", SDK " + p.sdk_version + ")" : "")
                << "\n";
    }
    if (!any) std::cout << "  (none)\n";
  }
  if (verbose) {
    std::cout << "searched:\n";
    for (const auto& f : registry.scanned_folders()) std::cout << "  " << f << "\n";
    if (registry.scanned_folders().empty()) std::cout << "  (no plugin folder found)\n";
    std::cout << "skipped:\n";
    for (const auto& f : registry.failures()) std::cout << "  " << f.file << ": " << f.reason << "\n";
    if (registry.failures().empty()) std::cout << "  (none)\n";
  } else if (!registry.failures().empty()) {
    std::cout << registry.failures().size() << " librar" << (registry.failures().size() == 1 ? "y was" : "ies were")
              << " skipped; `sgmtk list --verbose` says why.\n";
  }
  return exit_ok;
}

}  // namespace sgmtk::host
