#include <sgmtk_engine/plugin_registry.hpp>

#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>

#include <sgmtk_engine/exception_message.hpp>

#include <dlfcn.h>
#include <elf.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sgmtk::engine {

namespace fs = std::filesystem;

std::vector<std::string> environment_plugin_folders() {
  std::vector<std::string> out;
  if (const char* env = std::getenv("SGMTK_PLUGIN_PATH")) {
    std::stringstream ss(env);
    std::string item;
    while (std::getline(ss, item, ':'))
      if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::vector<std::string> builtin_plugin_folders() {
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
  return out;
}

std::vector<std::string> default_plugin_folders() {
  std::vector<std::string> out = environment_plugin_folders();
  for (auto& f : builtin_plugin_folders()) out.push_back(std::move(f));
  return out;
}

void PluginRegistry::scan(const std::vector<std::string>& folders, MissingFolder missing) {
  for (const auto& folder : folders) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) {
      const std::string why = fs::exists(folder, ec) ? "is not a folder" : "does not exist";
      if (missing == MissingFolder::error) throw Error("plugin folder " + folder + " " + why);
      if (missing == MissingFolder::report) failures_.push_back({folder, "plugin folder " + why + " (skipped)"});
      continue;
    }
    // One folder named two ways (a relative and an absolute path, a symlink) is scanned once.
    const std::string canonical = fs::weakly_canonical(folder, ec).string();
    if (std::find(canonical_folders_.begin(), canonical_folders_.end(), canonical) != canonical_folders_.end()) continue;
    canonical_folders_.push_back(canonical);
    folders_.push_back(folder);
    std::vector<fs::path> files;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().extension() == ".so") files.push_back(it->path());  // load_file checks what it is
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

// FNV-1a, 64 bits: not a defence against tampering, a fingerprint of the bytes, so that a
// rebuilt plugin (same name and version, other code) is told apart from the one that ran.
std::string fnv1a64(const std::string& bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "fnv1a64:%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// dlopen maps the file's segments where its ELF headers say they are; a header that points past
// the end of a truncated file makes the loader touch unmapped pages and the process dies of
// SIGBUS. Checks every table and loadable segment lies within the file. Returns "" when it
// does, else the reason.
std::string elf_layout_problem(const std::string& bytes) {
  const std::uint64_t size = bytes.size();
  if (size < sizeof(Elf64_Ehdr) || std::memcmp(bytes.data(), ELFMAG, SELFMAG) != 0) return "not an ELF file";
  Elf64_Ehdr eh;
  std::memcpy(&eh, bytes.data(), sizeof eh);
  if (eh.e_ident[EI_CLASS] != ELFCLASS64) return "not a 64-bit ELF file";
  if (eh.e_type != ET_DYN) return "an ELF file, but not a shared library";
  auto within = [&](std::uint64_t offset, std::uint64_t count, std::uint64_t each) {
    return offset <= size && each != 0 && count <= (size - offset) / each;
  };
  if (eh.e_phentsize != sizeof(Elf64_Phdr) || !within(eh.e_phoff, eh.e_phnum, eh.e_phentsize))
    return "its program headers lie past the end of the file (" + std::to_string(size) + " bytes): truncated?";
  if (eh.e_shnum != 0 && !within(eh.e_shoff, eh.e_shnum, eh.e_shentsize))
    return "its section headers lie past the end of the file (" + std::to_string(size) + " bytes): truncated?";
  for (std::uint16_t i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph;
    std::memcpy(&ph, bytes.data() + eh.e_phoff + std::uint64_t{i} * sizeof ph, sizeof ph);
    if ((ph.p_type == PT_LOAD || ph.p_type == PT_DYNAMIC) && !(ph.p_offset <= size && ph.p_filesz <= size - ph.p_offset))
      return "segment " + std::to_string(i) + " lies past the end of the file (" + std::to_string(size) + " bytes): truncated?";
  }
  return "";
}

}  // namespace

void PluginRegistry::load_file(const std::string& path) {
  std::string bytes;
  {
    // dlopen of a FIFO blocks forever and of a device reads without end: only regular files
    // (or links to them) are opened.
    std::error_code sec;
    if (!fs::is_regular_file(path, sec)) {
      failures_.push_back({path, "not a regular file (a FIFO, device or folder with a .so name): skipped"});
      return;
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream all;
    all << in.rdbuf();
    if (!in) {
      failures_.push_back({path, "cannot be read"});
      return;
    }
    bytes = std::move(all).str();
  }
  if (const std::string problem = elf_layout_problem(bytes); !problem.empty()) {
    failures_.push_back({path, "cannot be loaded: " + problem});
    return;
  }
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
  } catch (...) {
    failures_.push_back({path, "its descriptor function threw: " + current_exception_message()});
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
    const std::string file = fs::absolute(path).lexically_normal().string();
    if (PluginInfo* other = find_mutable(e.name)) {
      // The first file in the search order keeps the name; a pipeline that uses it must say it
      // means that one ([run] override_plugins), since the user may have meant this one.
      if (std::find(other->shadowed_files.begin(), other->shadowed_files.end(), file) == other->shadowed_files.end())
        other->shadowed_files.push_back(file);
      failures_.push_back({path, std::string("duplicate plugin name '") + e.name + "': already provided by " + other->file +
                                     ", which comes first in the search order (this one is not used; a pipeline using '" +
                                     e.name + "' is refused unless it lists it in [run] override_plugins)"});
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
    } catch (...) {
      failures_.push_back({path, std::string("plugin '") + e.name + "': its parameter list threw: " + current_exception_message()});
      continue;
    }
    info.file = file;
    info.content_hash = fnv1a64(bytes);
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

PluginInfo* PluginRegistry::find_mutable(const std::string& name) {
  for (auto& p : plugins_)
    if (p.name == name) return &p;
  return nullptr;
}

const PluginInfo* PluginRegistry::find_any(const std::string& name) const {
  return const_cast<PluginRegistry*>(this)->find_mutable(name);
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
  } catch (...) {
    throw Error(std::string(to_string(p.kind)) + " '" + p.name + "' (" + p.file + ") failed to start: " + current_exception_message());
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
