// A plugin whose shared-library dependency cannot be found at load time.
#include <sgmtk/sgmtk.hpp>

extern "C" int sgmtk_vanishing_function();

namespace {
class NeedsDependency final : public sgmtk::Target {
 public:
  explicit NeedsDependency(const sgmtk::Params&) : dim_(sgmtk_vanishing_function()) {}
  sgmtk::Index dim() const override { return dim_; }
  sgmtk::TargetTraits traits() const override { return {}; }
  void sample(const sgmtk::RandomStream&, sgmtk::Index, sgmtk::Block) const override {}
  void evaluate(const sgmtk::ScoreQuery&) const override {}

 private:
  sgmtk::Index dim_;
};
std::vector<sgmtk::ParamSpec> no_params() { return {}; }
}  // namespace

SGMTK_PLUGIN(sgmtk::target_entry<NeedsDependency>("needs_dependency", "1.0", "missing dependency", "test only", &no_params))
