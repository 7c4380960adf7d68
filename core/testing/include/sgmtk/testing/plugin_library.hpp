#pragma once
/// @file plugin_library.hpp
/// Loads a built plugin library the way the sgmtk host does (dlopen RTLD_NOW | RTLD_LOCAL, the
/// `sgmtk_plugin_descriptor` symbol, the ABI and descriptor-size check, parameter validation
/// before the factory), so that a plugin's own tests exercise exactly what the host will see.
/// Objects made from it keep the library loaded for as long as they live.

#include <sgmtk/error.hpp>
#include <sgmtk/plugin.hpp>

#include <dlfcn.h>

#include <memory>
#include <string>

namespace sgmtk::conformance {

class PluginLibrary : public std::enable_shared_from_this<PluginLibrary> {
 public:
  /// Throws sgmtk::Error naming the file for a load failure, a missing descriptor or an ABI
  /// mismatch.
  static std::shared_ptr<PluginLibrary> open(const std::string& path) {
    return std::shared_ptr<PluginLibrary>(new PluginLibrary(path));
  }
  ~PluginLibrary() { dlclose(handle_); }
  PluginLibrary(const PluginLibrary&) = delete;
  PluginLibrary& operator=(const PluginLibrary&) = delete;

  const std::string& path() const { return path_; }
  const PluginDescriptor& descriptor() const { return *descriptor_; }

  /// The entry named `name`; throws Error listing the library's entries otherwise.
  const PluginEntry& entry(const std::string& name) const {
    std::string have;
    for (std::size_t i = 0; i < descriptor_->entry_count; ++i) {
      if (name == descriptor_->entries[i].name) return descriptor_->entries[i];
      have += std::string(i ? ", " : "") + descriptor_->entries[i].name;
    }
    throw Error(path_ + ": no plugin named '" + name + "' (it provides: " + have + ")");
  }

  std::shared_ptr<Target> make_target(const std::string& name, const Params& given = {}) {
    const PluginEntry& e = checked(name, PluginKind::target);
    return keep_alive(e.make_target(validate_params(e.params(), given, name)));
  }
  std::shared_ptr<Sampler> make_sampler(const std::string& name, const Params& given = {}) {
    const PluginEntry& e = checked(name, PluginKind::sampler);
    return keep_alive(e.make_sampler(validate_params(e.params(), given, name)));
  }
  std::shared_ptr<Metric> make_metric(const std::string& name, const Params& given = {}) {
    const PluginEntry& e = checked(name, PluginKind::metric);
    return keep_alive(e.make_metric(validate_params(e.params(), given, name)));
  }

 private:
  explicit PluginLibrary(const std::string& path) : path_(path) {
    handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle_ == nullptr) throw Error(path + ": cannot be loaded: " + dlerror());
    using Fn = const PluginDescriptor* (*)();
    auto fn = reinterpret_cast<Fn>(dlsym(handle_, descriptor_symbol));
    if (fn == nullptr || (descriptor_ = fn()) == nullptr) {
      dlclose(handle_);
      throw Error(path + ": not an sgmtk plugin (no usable '" + std::string(descriptor_symbol) + "')");
    }
    if (descriptor_->abi_version != abi_version || descriptor_->descriptor_size != sizeof(PluginDescriptor)) {
      const std::uint32_t got = descriptor_->abi_version;
      dlclose(handle_);
      throw Error(path + ": built for plugin ABI " + std::to_string(got) + ", this SDK speaks ABI " +
                  std::to_string(abi_version) + ": rebuild it against sgmtk " + SGMTK_VERSION_STRING);
    }
  }

  const PluginEntry& checked(const std::string& name, PluginKind kind) const {
    const PluginEntry& e = entry(name);
    if (e.kind != kind) {
      throw Error(path_ + ": '" + name + "' is a " + to_string(e.kind) + ", not a " + to_string(kind));
    }
    return e;
  }

  template <class T>
  std::shared_ptr<T> keep_alive(std::unique_ptr<T> object) {
    if (!object) throw Error(path_ + ": the factory returned no object");
    auto lib = shared_from_this();
    return std::shared_ptr<T>(object.release(), [lib](T* p) { delete p; });
  }

  std::string path_;
  void* handle_ = nullptr;
  const PluginDescriptor* descriptor_ = nullptr;
};

}  // namespace sgmtk::conformance
