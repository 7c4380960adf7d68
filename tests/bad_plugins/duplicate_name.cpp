// Claims the name of good_tracer's plugin: the second library found must be refused, naming both.
#include <sgmtk/sgmtk.hpp>

namespace {
class Duplicate final : public sgmtk::Target {
 public:
  explicit Duplicate(const sgmtk::Params&) {}
  sgmtk::Index dim() const override { return 1; }
  sgmtk::TargetTraits traits() const override { return {}; }
  void sample(const sgmtk::RandomStream&, sgmtk::Index, sgmtk::Block) const override {}
  void evaluate(const sgmtk::ScoreQuery&) const override {}
};
std::vector<sgmtk::ParamSpec> no_params() { return {}; }
}  // namespace

SGMTK_PLUGIN(sgmtk::target_entry<Duplicate>("tracer_target", "2.0", "same name", "test only", &no_params))
