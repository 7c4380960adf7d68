#pragma once
/// @file export.hpp
/// Symbol visibility. sgmtk is built with -fvisibility=hidden; what crosses a shared-library
/// boundary (interfaces, exceptions, core functions) is marked SGMTK_API so that its typeinfo and
/// vtables are unique across the host and every plugin (dynamic_cast and catch need that).

#define SGMTK_API __attribute__((visibility("default")))
/// Marks the one C symbol a plugin exports (see plugin.hpp).
#define SGMTK_PLUGIN_EXPORT extern "C" __attribute__((visibility("default")))
