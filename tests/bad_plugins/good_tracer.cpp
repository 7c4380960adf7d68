// A working target, built with -fno-gnu-unique so that the library is really unloaded when the
// last reference goes: the loader test destroys the registry first and the object last.
#include <sgmtk/sgmtk.hpp>

namespace {
class Tracer final : public sgmtk::Target {
 public:
  explicit Tracer(const sgmtk::Params& p) : dim_(p.integer("dim")) {}
  sgmtk::Index dim() const override { return dim_; }
  sgmtk::TargetTraits traits() const override { return {}; }
  void sample(const sgmtk::RandomStream& rng, sgmtk::Index first, sgmtk::Block out) const override { rng.normals(0, first, out); }
  void evaluate(const sgmtk::ScoreQuery& q) const override {
    if (!q.score.empty()) q.score.map() = -q.x.map();  // N(0, I) is invariant under the OU flow
  }

 private:
  sgmtk::Index dim_;
};
std::vector<sgmtk::ParamSpec> tracer_params() { return {sgmtk::ParamSpec::integer("dim", 1, "dimension").at_least(1)}; }
}  // namespace

SGMTK_PLUGIN(sgmtk::target_entry<Tracer>("tracer_target", "1.0", "N(0, I) for loader tests", "test only", &tracer_params))
