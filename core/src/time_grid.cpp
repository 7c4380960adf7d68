#include <sgmtk/error.hpp>
#include <sgmtk/time_grid.hpp>

#include <cmath>
#include <sstream>

namespace sgmtk {

const char* to_string(Schedule s) { return s == Schedule::uniform ? "uniform" : "geometric"; }

Schedule parse_schedule(const std::string& name) {
  if (name == "uniform") return Schedule::uniform;
  if (name == "geometric") return Schedule::geometric;
  throw ParamError("unknown schedule '" + name + "' (expected \"uniform\" or \"geometric\")");
}

TimeGrid::TimeGrid(Schedule schedule, double horizon, double early_stop, Index steps)
    : schedule_(schedule), horizon_(horizon), early_stop_(early_stop), steps_(steps) {
  std::ostringstream why;
  if (!(std::isfinite(horizon) && horizon > 0.0)) why << "horizon T must be a positive number, got " << horizon;
  else if (!(std::isfinite(early_stop) && early_stop >= 0.0)) why << "early_stop must be >= 0, got " << early_stop;
  else if (!(early_stop < horizon)) why << "early_stop (" << early_stop << ") must be smaller than the horizon (" << horizon << ")";
  else if (steps < 1) why << "steps must be >= 1, got " << steps;
  else if (schedule == Schedule::geometric && early_stop <= 0.0) why << "a geometric schedule needs early_stop > 0";
  if (!why.str().empty()) throw ParamError(why.str());
}

double TimeGrid::tau(Index k) const {
  if (k <= 0) return horizon_;
  if (k >= steps_) return early_stop_;
  const double frac = static_cast<double>(k) / static_cast<double>(steps_);
  if (schedule_ == Schedule::uniform) return horizon_ - frac * (horizon_ - early_stop_);
  return horizon_ * std::pow(early_stop_ / horizon_, frac);
}

TimeGrid TimeGrid::refined(Index factor) const {
  return TimeGrid(schedule_, horizon_, early_stop_, steps_ * factor);
}

}  // namespace sgmtk
