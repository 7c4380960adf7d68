// Out-of-line key functions (virtual destructors) and default behaviour of the plugin
// interfaces. Defining them here puts each interface's vtable and typeinfo in libsgmtk_core.so,
// once, which is what makes dynamic_cast and exception matching work across plugins.
#include <sgmtk/error.hpp>
#include <sgmtk/metric.hpp>
#include <sgmtk/plugin.hpp>
#include <sgmtk/projected_metric.hpp>
#include <sgmtk/sampler.hpp>
#include <sgmtk/summable_metric.hpp>
#include <sgmtk/target.hpp>

namespace sgmtk {

const char* to_string(HessianForm form) {
  switch (form) {
    case HessianForm::none: return "none";
    case HessianForm::diagonal: return "diagonal";
    case HessianForm::full: return "full";
    case HessianForm::vector_product: return "vector_product";
  }
  return "?";
}

const char* to_string(PluginKind kind) {
  switch (kind) {
    case PluginKind::target: return "target";
    case PluginKind::sampler: return "sampler";
    case PluginKind::metric: return "metric";
  }
  return "?";
}

Target::~Target() = default;

void Target::moments(Eigen::Ref<Vector>, Eigen::Ref<Matrix>) const {
  throw UnsupportedError("this target does not know its exact moments");
}
void Target::potential(ConstBlock, Eigen::Ref<RowVector>) const {
  throw UnsupportedError("this target does not provide its potential U");
}
void Target::potential_gradient(ConstBlock, Block) const {
  throw UnsupportedError("this target does not provide the gradient of its potential U");
}
void Target::reverse_transition(double, double, ConstBlock, ConstBlock, Eigen::Ref<const RowVector>, Block) const {
  throw UnsupportedError("this target has no exact reverse transition");
}
std::vector<NamedConstant> Target::constants() const { return {}; }

void Target::score(double t, ConstBlock x, Block out) const { evaluate(score_only_query(t, x, out)); }

void Target::score(const double* times, ConstBlock x, Block out) const { evaluate(score_only_query(Times(times), x, out)); }

Sampler::~Sampler() = default;

Metric::~Metric() = default;
MetricNeeds Metric::needs() const { return {}; }
bool Metric::has_floor() const { return false; }

// Defined here so that the type information of SummableMetric and ProjectedMetric lives in libsgmtk_core.so only:
// the engine's dynamic_cast then recognizes it in any plugin.
SummableMetric::~SummableMetric() = default;
ProjectedMetric::~ProjectedMetric() = default;
void SummableMetric::merge(std::span<double> into, std::span<const double> next) const {
  for (std::size_t i = 0; i < into.size(); ++i) into[i] += next[i];
}

}  // namespace sgmtk
