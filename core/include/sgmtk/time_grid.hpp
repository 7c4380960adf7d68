#pragma once
/// @file time_grid.hpp
/// The discretization grid of the reverse process (MATH.md A.3).
///
/// Forward times run from tau_0 = T (the horizon) down to tau_K = delta (early stopping); a
/// sampler's step k goes from tau_k to tau_{k+1}, of length h_k = tau_k - tau_{k+1}.
///   uniform:    tau_k = T - k (T - delta) / K
///   geometric:  tau_k = T (delta / T)^(k / K)   (steps shrink toward delta; needs delta > 0)
/// A grid with K r steps contains every point of the same schedule with K steps (point k of the
/// coarse grid is point k r of the fine one), which is what lets schemes of different step
/// counts share one Brownian path (brownian_path.hpp).

#include <sgmtk/export.hpp>
#include <sgmtk/types.hpp>

#include <string>

namespace sgmtk {

enum class Schedule : std::uint8_t { uniform, geometric };

SGMTK_API const char* to_string(Schedule s);
/// "uniform" or "geometric"; throws ParamError otherwise.
SGMTK_API Schedule parse_schedule(const std::string& name);

class SGMTK_API TimeGrid {
 public:
  /// Throws ParamError unless 0 <= delta < T, steps >= 1, and delta > 0 for a geometric grid.
  TimeGrid(Schedule schedule, double horizon, double early_stop, Index steps);

  Schedule schedule() const { return schedule_; }
  double horizon() const { return horizon_; }
  double early_stop() const { return early_stop_; }
  Index steps() const { return steps_; }

  /// Forward time of grid point k (0 <= k <= K); exactly T at 0 and delta at K.
  double tau(Index k) const;
  /// Step length tau_k - tau_{k+1}.
  double h(Index k) const { return tau(k) - tau(k + 1); }
  /// Reverse time t_k = T - tau_k.
  double t(Index k) const { return horizon_ - tau(k); }
  /// The same schedule with `factor` times as many steps.
  TimeGrid refined(Index factor) const;
  /// Nominal step: (T - delta) / K.
  double mean_step() const { return (horizon_ - early_stop_) / static_cast<double>(steps_); }

 private:
  Schedule schedule_;
  double horizon_;
  double early_stop_;
  Index steps_;
};

}  // namespace sgmtk
