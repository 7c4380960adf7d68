#pragma once
/// @file version.hpp
/// The SDK version. Compatibility rule: plugins load when their ABI version (plugin.hpp) equals
/// the host's; the SDK version is informational (shown by `sgmtk list --verbose`).

#define SGMTK_VERSION_MAJOR 0
#define SGMTK_VERSION_MINOR 1
#define SGMTK_VERSION_PATCH 0
#define SGMTK_VERSION_STRING "0.2.0"
