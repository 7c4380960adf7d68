// Loads fine; its factory throws when asked to build a target.
#include <sgmtk/sgmtk.hpp>

#include <stdexcept>

namespace {
class Throws final : public sgmtk::Target {
 public:
  explicit Throws(const sgmtk::Params&) { throw std::runtime_error("deliberate failure in the constructor"); }
  sgmtk::Index dim() const override { return 1; }
  sgmtk::TargetTraits traits() const override { return {}; }
  void sample(const sgmtk::RandomStream&, sgmtk::Index, sgmtk::Block) const override {}
  void evaluate(const sgmtk::ScoreQuery&) const override {}
};
std::vector<sgmtk::ParamSpec> no_params() { return {}; }
}  // namespace

SGMTK_PLUGIN(sgmtk::target_entry<Throws>("throwing_target", "1.0", "factory throws", "test only", &no_params))
