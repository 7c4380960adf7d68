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
/// 2: PluginEntry::memory (the estimate --max-memory checks before anything is built).
inline constexpr std::uint32_t abi_version = 2;

enum class PluginKind : std::uint32_t { target = 1, sampler = 2, metric = 3 };
SGMTK_API const char* to_string(PluginKind kind);

using TargetFactory = std::unique_ptr<Target> (*)(const Params&);
using SamplerFactory = std::unique_ptr<Sampler> (*)(const Params&);
using MetricFactory = std::unique_ptr<Metric> (*)(const Params&);
using ParamSpecsFn = std::vector<ParamSpec> (*)();

/// The run a memory estimate is asked about.
struct MemoryQuery {
  Index dim = 0;        ///< of the target
  Index particles = 0;  ///< n a sampler's block moves, or a metric compares
  std::size_t threads = 1;  ///< workers one compute() may use at once
  bool split = false;       ///< the run is split over MPI processes (distribute = "particles")
  /// The target once built, for estimates that depend on its traits; nullptr in the first check,
  /// made before any target exists (then assume what the parameters allow).
  const Target* target = nullptr;
};
/// Bytes a plugin will hold for these (validated) parameters, computed without constructing it,
/// so that an impossible sweep is refused before it allocates anything (`sgmtk validate` and
/// `run` check it against --max-memory). Count what the plugin itself allocates:
///   target  -- its state once constructed (particles is 0): a d x d covariance is 8 d^2 bytes;
///   metric  -- the work of one compute() on n particles beyond the clouds the engine passes in:
///              the exact target samples it draws, projections, cost matrices, d x d moments;
///   sampler -- the Scratch (scratch.hpp) of one block of n = particles: scratch_slots<k> for k
///              d x n slots.
/// An entry without one (nullptr) gets the engine's default: 16 d doubles for a target, two
/// d x n clouds for a metric, all 16 Scratch slots (plus a d x d matrix per particle when it
/// asks for full Hessians) for a sampler.
using MemoryFn = std::uint64_t (*)(const Params& params, const MemoryQuery& query);

/// A byte count computed in double (where products of sizes cannot overflow) as a MemoryFn
/// result: it saturates at the largest std::uint64_t instead of wrapping to a small number.
inline std::uint64_t memory_bytes(double bytes) {
  constexpr double largest = 18446744073709549568.0;  // the largest double below 2^64
  if (!(bytes < largest)) return ~std::uint64_t{0};
  return bytes > 0 ? static_cast<std::uint64_t>(bytes) : 0;
}

/// MemoryFn of a sampler whose Scratch holds `Slots` d x n matrices.
template <int Slots>
std::uint64_t scratch_slots(const Params& /*params*/, const MemoryQuery& q) {
  return memory_bytes(8.0 * Slots * static_cast<double>(q.dim) * static_cast<double>(q.particles));
}

/// One plugin (a library may hold several). Exactly one factory matches `kind`.
struct PluginEntry {
  PluginKind kind;
  const char* name;     ///< the word users write in a pipeline, e.g. "euler_maruyama"
  const char* version;  ///< the plugin's own version
  const char* summary;  ///< one line for `sgmtk list`
  const char* doc;      ///< a paragraph for `sgmtk describe` (math, provenance, caveats)
  ParamSpecsFn params;  ///< its parameter declarations
  MemoryFn memory = nullptr;  ///< what it will allocate (see MemoryFn); nullptr: the engine's default
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
                         const char* doc, ParamSpecsFn params, MemoryFn memory = nullptr) {
  PluginEntry e{PluginKind::target, name, version, summary, doc, params, memory};
  e.make_target = [](const Params& p) -> std::unique_ptr<Target> { return std::make_unique<T>(p); };
  return e;
}
template <class T>
PluginEntry sampler_entry(const char* name, const char* version, const char* summary,
                          const char* doc, ParamSpecsFn params, MemoryFn memory = nullptr) {
  PluginEntry e{PluginKind::sampler, name, version, summary, doc, params, memory};
  e.make_sampler = [](const Params& p) -> std::unique_ptr<Sampler> { return std::make_unique<T>(p); };
  return e;
}
template <class T>
PluginEntry metric_entry(const char* name, const char* version, const char* summary,
                         const char* doc, ParamSpecsFn params, MemoryFn memory = nullptr) {
  PluginEntry e{PluginKind::metric, name, version, summary, doc, params, memory};
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
