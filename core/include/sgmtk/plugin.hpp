#pragma once
/// @file plugin.hpp
/// The plugin contract: what one shared library exports.
///
/// Each plugin library exports exactly one C symbol, `sgmtk_plugin_descriptor`, returning a
/// PluginDescriptor. Its first two fields (ABI version and struct size) are plain integers that
/// the host checks before it reads anything else, so a library built against another SDK is
/// reported ("built for ABI 1, this sgmtk speaks ABI 2: rebuild it against sgmtk x.y") instead of
/// being used. The entries are data (LAMMPS' lammpsplugin_t is the model): names, summaries and
/// parameter declarations are read without constructing anything; the factory runs only once the
/// core has validated the user's parameters.
///
/// A plugin library is written as:
///
///   class MySampler final : public sgmtk::Sampler { ... explicit MySampler(const sgmtk::Params&); };
///   std::vector<sgmtk::ParamSpec> my_sampler_params() { return {...}; }
///   SGMTK_PLUGIN(sgmtk::sampler_entry<MySampler>("my_sampler", "1.0", "one line", "doc",
///                                                &my_sampler_params))

#include <sgmtk/export.hpp>
#include <sgmtk/metric.hpp>
#include <sgmtk/params.hpp>
#include <sgmtk/sampler.hpp>
#include <sgmtk/target.hpp>
#include <sgmtk/version.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace sgmtk {

/// Bumped whenever a change to any type that crosses the boundary (the interfaces in this
/// folder, Params, the descriptor) would break an already-built plugin.
inline constexpr std::uint32_t abi_version = 1;

enum class PluginKind : std::uint32_t { target = 1, sampler = 2, metric = 3 };
SGMTK_API const char* to_string(PluginKind kind);

using TargetFactory = std::unique_ptr<Target> (*)(const Params&);
using SamplerFactory = std::unique_ptr<Sampler> (*)(const Params&);
using MetricFactory = std::unique_ptr<Metric> (*)(const Params&);
using ParamSpecsFn = std::vector<ParamSpec> (*)();

/// One plugin (a library may hold several). Exactly one factory matches `kind`.
struct PluginEntry {
  PluginKind kind;
  const char* name;     ///< the word users write in a pipeline, e.g. "euler_maruyama"
  const char* version;  ///< the plugin's own version
  const char* summary;  ///< one line for `sgmtk list`
  const char* doc;      ///< a paragraph for `sgmtk describe` (math, provenance, caveats)
  ParamSpecsFn params;  ///< its parameter declarations
  TargetFactory make_target = nullptr;
  SamplerFactory make_sampler = nullptr;
  MetricFactory make_metric = nullptr;
};

struct PluginDescriptor {
  std::uint32_t abi_version;      ///< must equal sgmtk::abi_version
  std::uint32_t descriptor_size;  ///< sizeof(PluginDescriptor) as the plugin saw it
  const char* sdk_version;        ///< SGMTK_VERSION_STRING the plugin was built against
  const PluginEntry* entries;
  std::size_t entry_count;
};

/// The name of the one symbol a plugin exports.
inline constexpr const char* descriptor_symbol = "sgmtk_plugin_descriptor";

template <class T>
PluginEntry target_entry(const char* name, const char* version, const char* summary,
                         const char* doc, ParamSpecsFn params) {
  PluginEntry e{PluginKind::target, name, version, summary, doc, params};
  e.make_target = [](const Params& p) -> std::unique_ptr<Target> { return std::make_unique<T>(p); };
  return e;
}
template <class T>
PluginEntry sampler_entry(const char* name, const char* version, const char* summary,
                          const char* doc, ParamSpecsFn params) {
  PluginEntry e{PluginKind::sampler, name, version, summary, doc, params};
  e.make_sampler = [](const Params& p) -> std::unique_ptr<Sampler> { return std::make_unique<T>(p); };
  return e;
}
template <class T>
PluginEntry metric_entry(const char* name, const char* version, const char* summary,
                         const char* doc, ParamSpecsFn params) {
  PluginEntry e{PluginKind::metric, name, version, summary, doc, params};
  e.make_metric = [](const Params& p) -> std::unique_ptr<Metric> { return std::make_unique<T>(p); };
  return e;
}

}  // namespace sgmtk

/// Defines the library's descriptor from one or more entries (target_entry, sampler_entry,
/// metric_entry). Use once per library, at namespace scope.
#define SGMTK_PLUGIN(...)                                                                     \
  SGMTK_PLUGIN_EXPORT const ::sgmtk::PluginDescriptor* sgmtk_plugin_descriptor() {            \
    static const ::sgmtk::PluginEntry sgmtk_entries_[] = {__VA_ARGS__};                       \
    static const ::sgmtk::PluginDescriptor sgmtk_descriptor_{                                 \
        ::sgmtk::abi_version, static_cast<std::uint32_t>(sizeof(::sgmtk::PluginDescriptor)),  \
        SGMTK_VERSION_STRING, sgmtk_entries_, sizeof(sgmtk_entries_) / sizeof(sgmtk_entries_[0])}; \
    return &sgmtk_descriptor_;                                                                \
  }
