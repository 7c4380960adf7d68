// Two samplers that fail in the middle of a run, but only on runs with `fail_steps` steps, so
// that the other runs of the same sweep (same plugin, other step counts) must still complete:
//   throwing_sampler  throws std::runtime_error from step() at the last step;
//   nan_sampler       writes NaN into the particles at the last step;
//   int_throwing_sampler  throws an int (not a std::exception);
//   segfaulting_sampler   dies of SIGSEGV, as a plugin with a wild pointer would (the handler
//                         is reset first, so that a sanitizer's own SIGSEGV handler cannot turn
//                         the death into an ordinary exit).
// Their own messages deliberately do not name them: the engine must add that context.
#include <sgmtk/plugin.hpp>

#include <csignal>
#include <limits>
#include <stdexcept>

namespace {

using namespace sgmtk;

std::vector<ParamSpec> fail_params() {
  return {ParamSpec::integer("fail_steps", 4, "misbehave on runs with this many steps").at_least(1)};
}

class Misbehaving : public Sampler {
 public:
  explicit Misbehaving(const Params& p) : fail_steps_(p.integer("fail_steps")) {}
  SamplerTraits traits() const override { return {}; }
  void step(const StepContext& ctx, Index k, Block y) const override {
    Matrix& s = ctx.scratch.matrix(0, y.rows(), y.cols());
    ctx.score.score(ctx.grid.tau(k), y, s);
    y += ctx.grid.h(k) * (y + 2.0 * s);  // a noiseless EM step: good numbers until it misbehaves
    if (ctx.grid.steps() == fail_steps_ && k + 1 == ctx.grid.steps()) misbehave(y);
  }

 protected:
  virtual void misbehave(Block y) const = 0;

 private:
  std::int64_t fail_steps_;
};

class Throwing final : public Misbehaving {
 public:
  using Misbehaving::Misbehaving;
  void misbehave(Block) const override { throw std::runtime_error("deliberate failure inside step()"); }
};

class NotFinite final : public Misbehaving {
 public:
  using Misbehaving::Misbehaving;
  void misbehave(Block y) const override { y.col(0).setConstant(std::numeric_limits<double>::quiet_NaN()); }
};

class IntThrowing final : public Misbehaving {
 public:
  using Misbehaving::Misbehaving;
  void misbehave(Block) const override { throw 42; }
};

class Segfaulting final : public Misbehaving {
 public:
  using Misbehaving::Misbehaving;
  void misbehave(Block) const override {
    std::signal(SIGSEGV, SIG_DFL);
    std::raise(SIGSEGV);
  }
};

}  // namespace

SGMTK_PLUGIN(sgmtk::sampler_entry<Throwing>("throwing_sampler", "0.0.1", "throws during a run (test plugin)",
                                            "Throws from step() on runs with fail_steps steps.", &fail_params),
             sgmtk::sampler_entry<NotFinite>("nan_sampler", "0.0.1", "writes NaN during a run (test plugin)",
                                             "Writes NaN at the last step of runs with fail_steps steps.",
                                             &fail_params),
             sgmtk::sampler_entry<IntThrowing>("int_throwing_sampler", "0.0.1", "throws an int during a run (test plugin)",
                                               "Throws an int from step() on runs with fail_steps steps.", &fail_params),
             sgmtk::sampler_entry<Segfaulting>("segfaulting_sampler", "0.0.1", "dies of SIGSEGV during a run (test plugin)",
                                               "Raises SIGSEGV in step() on runs with fail_steps steps.", &fail_params))
