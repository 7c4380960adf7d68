// Exports a descriptor that claims another ABI version: must be refused before anything else in
// it is read.
#include <sgmtk/plugin.hpp>

SGMTK_PLUGIN_EXPORT const sgmtk::PluginDescriptor* sgmtk_plugin_descriptor() {
  static const sgmtk::PluginDescriptor d{sgmtk::abi_version + 998, sizeof(sgmtk::PluginDescriptor), "99.0.0", nullptr, 0};
  return &d;
}
