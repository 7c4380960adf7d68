#include <sgmtk_engine/plugin_registry.hpp>

#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <sstream>

namespace sgmtk::engine {

namespace fs = std::filesystem;

std::vector<std::string> default_plugin_folders() {
  std::vector<std::string> out;
  boost::dll::fs::error_code ec;
  const fs::path exe = boost::dll::program_location(ec);
  if (!ec) {
    const fs::path bin = exe.parent_path();
    for (const fs::path& rel : {fs::path("../plugins"), fs::path("../lib/sgmtk/plugins")}) {
      const fs::path p = (bin / rel).lexically_normal();
      if (fs::is_directory(p)) out.push_back(p.string());
    }
  }
  if (const char* env = std::getenv("SGMTK_PLUGIN_PATH")) {
    std::stringstream ss(env);
    std::string item;
    while (std::getline(ss, item, ':'))
      if (!item.empty()) out.push_back(item);
  }
  return out;
}

void PluginRegistry::scan(const std::vector<std::string>& folders) {
  for (const auto& folder : folders) {
    std::error_code ec;
    if (!fs::exists(folder, ec)) continue;
    if (std::find(folders_.begin(), folders_.end(), folder) != folders_.end()) continue;
    folders_.push_back(folder);
    std::vector<fs::path> files;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().extension() == ".so") files.push_back(it->path());
    }
    if (ec) {
      failures_.push_back({folder, "cannot read the folder: " + ec.message()});
      continue;
    }
    std::sort(files.begin(), files.end());  // a stable order, so "first one wins" is predictable
    for (const auto& f : files) load_file(f.string());
  }
}

namespace {
// Boost.DLL clears dlerror() before reporting; ask the dynamic loader again for its own words
// ("libfoo.so: cannot open shared object file", "undefined symbol: ...").
std::string loader_message(const std::string& path, const std::string& fallback) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle != nullptr) {
    dlclose(handle);
    return fallback;
  }
  const char* why = dlerror();
  return why ? std::string(why) : fallback;
}
}  // namespace

void PluginRegistry::load_file(const std::string& path) {
  auto lib = std::make_shared<boost::dll::shared_library>();
  boost::dll::fs::error_code ec;
  // rtld_now: a missing symbol or dependency fails here, not in the middle of a run;
  // rtld_local: one plugin's symbols never resolve another's.
  lib->load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
  if (ec) {
    failures_.push_back({path, "cannot be loaded: " + loader_message(path, ec.message())});
    return;
  }
  if (!lib->has(descriptor_symbol)) {
    failures_.push_back({path, std::string("not an sgmtk plugin (it exports no '") + descriptor_symbol + "' symbol)"});
    return;
  }
  const PluginDescriptor* d = nullptr;
  try {
    d = lib->get<const PluginDescriptor*()>(descriptor_symbol)();
  } catch (const std::exception& e) {
    failures_.push_back({path, std::string("its descriptor function threw: ") + e.what()});
    return;
  }
  if (d == nullptr) {
    failures_.push_back({path, "its descriptor function returned null"});
    return;
  }
  // Only the two leading integers are read before the versions are known to agree.
  if (d->abi_version != abi_version || d->descriptor_size != sizeof(PluginDescriptor)) {
    std::ostringstream os;
    os << "built for plugin ABI " << d->abi_version << " (descriptor size " << d->descriptor_size
       << "), this sgmtk " << SGMTK_VERSION_STRING << " speaks ABI " << abi_version << " (size "
       << sizeof(PluginDescriptor) << "): rebuild the plugin against sgmtk " << SGMTK_VERSION_STRING;
    failures_.push_back({path, os.str()});
    return;
  }
  for (std::size_t i = 0; i < d->entry_count; ++i) {
    const PluginEntry& e = d->entries[i];
    const bool has_factory = (e.kind == PluginKind::target && e.make_target) ||
                             (e.kind == PluginKind::sampler && e.make_sampler) ||
                             (e.kind == PluginKind::metric && e.make_metric);
    if (e.name == nullptr || !has_factory || e.params == nullptr) {
      failures_.push_back({path, "entry " + std::to_string(i) + " is malformed (no name, factory or parameter list)"});
      continue;
    }
    if (const PluginInfo* other = find_any(e.name)) {
      failures_.push_back({path, std::string("duplicate plugin name '") + e.name + "': already provided by " +
                                     other->file + " (this one is skipped; remove or rename one of them)"});
      continue;
    }
    PluginInfo info;
    info.kind = e.kind;
    info.name = e.name;
    info.version = e.version ? e.version : "";
    info.summary = e.summary ? e.summary : "";
    info.doc = e.doc ? e.doc : "";
    try {
      info.params = e.params();
    } catch (const std::exception& ex) {
      failures_.push_back({path, std::string("plugin '") + e.name + "': its parameter list threw: " + ex.what()});
      continue;
    }
    info.file = fs::absolute(path).lexically_normal().string();
    info.sdk_version = d->sdk_version ? d->sdk_version : "";
    info.entry = &e;
    info.library = lib;
    plugins_.push_back(std::move(info));
  }
}

const PluginInfo* PluginRegistry::find(PluginKind kind, const std::string& name) const {
  for (const auto& p : plugins_)
    if (p.kind == kind && p.name == name) return &p;
  return nullptr;
}

const PluginInfo* PluginRegistry::find_any(const std::string& name) const {
  for (const auto& p : plugins_)
    if (p.name == name) return &p;
  return nullptr;
}

std::vector<std::string> PluginRegistry::names(PluginKind kind) const {
  std::vector<std::string> out;
  for (const auto& p : plugins_)
    if (p.kind == kind) out.push_back(p.name);
  return out;
}

namespace {

// The object's deleter owns a reference to the library: the code of the object's destructor
// must still be mapped when it runs.
template <class T>
std::shared_ptr<T> keep_library_alive(std::unique_ptr<T> object, std::shared_ptr<boost::dll::shared_library> lib) {
  T* raw = object.release();
  return std::shared_ptr<T>(raw, [lib](T* p) { delete p; });
}

template <class T, class Make>
std::shared_ptr<T> construct(const PluginInfo& p, const Params& given, Make make) {
  const Params params = validate_params(p.params, given, std::string(to_string(p.kind)) + " '" + p.name + "'");
  std::unique_ptr<T> object;
  try {
    object = make(params);
  } catch (const Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw Error(std::string(to_string(p.kind)) + " '" + p.name + "' (" + p.file +
                ") does not fit in memory with these parameters (allocation failed while it was being built)");
  } catch (const std::exception& e) {
    throw Error(std::string(to_string(p.kind)) + " '" + p.name + "' (" + p.file + ") failed to start: " + e.what());
  }
  if (!object) throw Error(std::string(to_string(p.kind)) + " '" + p.name + "' (" + p.file + ") returned no object");
  return keep_library_alive(std::move(object), p.library);
}

}  // namespace

std::shared_ptr<Target> PluginRegistry::make_target(const PluginInfo& p, const Params& given) const {
  return construct<Target>(p, given, p.entry->make_target);
}
std::shared_ptr<Sampler> PluginRegistry::make_sampler(const PluginInfo& p, const Params& given) const {
  return construct<Sampler>(p, given, p.entry->make_sampler);
}
std::shared_ptr<Metric> PluginRegistry::make_metric(const PluginInfo& p, const Params& given) const {
  return construct<Metric>(p, given, p.entry->make_metric);
}

}  // namespace sgmtk::engine
