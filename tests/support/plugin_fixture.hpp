#pragma once
// Test-side access to the in-tree plugins: loads `<name>.so` from the build's plugin folder with
// Boost.DLL and builds an object from validated parameters, exactly as the host does (the
// library stays loaded for the lifetime of the returned object).

#include <sgmtk/plugin.hpp>

#include <boost/dll/shared_library.hpp>

#include <memory>
#include <stdexcept>
#include <string>

namespace sgmtk::testing {

inline std::string plugin_path(const std::string& library) {
  return std::string(SGMTK_TEST_PLUGIN_DIR) + "/" + library + ".so";
}

/// The loaded library and the entry named `name` in it.
struct LoadedEntry {
  std::shared_ptr<boost::dll::shared_library> library;
  const PluginEntry* entry = nullptr;
};

inline LoadedEntry load_entry(const std::string& library, const std::string& name) {
  auto lib = std::make_shared<boost::dll::shared_library>(
      plugin_path(library), boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  auto get = lib->get<const PluginDescriptor*()>(descriptor_symbol);
  const PluginDescriptor* d = get();
  if (d->abi_version != abi_version) throw std::runtime_error(library + ": wrong ABI version");
  for (std::size_t i = 0; i < d->entry_count; ++i) {
    if (name == d->entries[i].name) return {lib, &d->entries[i]};
  }
  throw std::runtime_error(library + ".so has no plugin named " + name);
}

/// An object from a plugin that keeps its library alive.
template <class T>
struct Loaded {
  std::shared_ptr<boost::dll::shared_library> library;  // declared first: destroyed last
  std::unique_ptr<T> object;
  T* operator->() const { return object.get(); }
  T& operator*() const { return *object; }
};

inline Params validated(const LoadedEntry& e, const Params& given) {
  return validate_params(e.entry->params(), given, e.entry->name);
}

/// load_target("gaussian", params) -- library and plugin share the name for in-tree plugins.
inline Loaded<Target> load_target(const std::string& name, const Params& given = {},
                                  const std::string& library = "") {
  LoadedEntry e = load_entry(library.empty() ? name : library, name);
  return {e.library, e.entry->make_target(validated(e, given))};
}
inline Loaded<Sampler> load_sampler(const std::string& name, const Params& given = {},
                                    const std::string& library = "") {
  LoadedEntry e = load_entry(library.empty() ? name : library, name);
  return {e.library, e.entry->make_sampler(validated(e, given))};
}
inline Loaded<Metric> load_metric(const std::string& name, const Params& given = {},
                                  const std::string& library = "") {
  LoadedEntry e = load_entry(library.empty() ? name : library, name);
  return {e.library, e.entry->make_metric(validated(e, given))};
}

}  // namespace sgmtk::testing
