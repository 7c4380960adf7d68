#include <sgmtk/error.hpp>
#include <sgmtk/ou.hpp>
#include <sgmtk/score_model.hpp>

namespace sgmtk {

const char* to_string(ScoreErrorKind kind) {
  switch (kind) {
    case ScoreErrorKind::none: return "none";
    case ScoreErrorKind::bias: return "bias";
    case ScoreErrorKind::relative: return "relative";
  }
  return "?";
}

ScoreErrorKind parse_score_error_kind(const std::string& name) {
  if (name == "none") return ScoreErrorKind::none;
  if (name == "bias") return ScoreErrorKind::bias;
  if (name == "relative") return ScoreErrorKind::relative;
  throw ParamError("unknown score error kind '" + name + "' (expected \"none\", \"bias\" or \"relative\")");
}

ScoreModel::ScoreModel(const Target& target, ScoreError error, RandomKey key)
    : target_(target), error_(std::move(error)) {
  const Index d = target_.dim();
  if (error_.kind == ScoreErrorKind::none || error_.size == 0.0) {
    error_.kind = ScoreErrorKind::none;
    return;
  }
  if (error_.kind == ScoreErrorKind::bias) {
    if (error_.direction.size() == 0) {
      // A direction fixed by the run's key (particle 0, index 0): the same for every particle.
      Matrix v(d, 1);
      RandomStream(key, purpose::score_error).normals(0, 0, v);
      error_.direction = v.col(0);
    }
    if (error_.direction.size() != d) {
      throw ParamError("score error direction has " + std::to_string(error_.direction.size()) +
                       " entries, the target has dimension " + std::to_string(d));
    }
    error_.direction.normalize();
  } else {
    if (!target_.traits().moments) {
      throw UnsupportedError("a relative score error needs the target's mean, which this target does not provide");
    }
    mean_.resize(d);
    Matrix cov(d, d);
    target_.moments(mean_, cov);
  }
}

void ScoreModel::evaluate(const ScoreQuery& q) const {
  target_.evaluate(q);
  if (error_.kind == ScoreErrorKind::none) return;
  const auto x = q.x.map();
  if (!q.score.empty()) {
    auto s = q.score.map();
    if (error_.kind == ScoreErrorKind::bias) {
      s.colwise() += error_.size * error_.direction;
    } else {
      // relative: eps (x - m_t mean)
      for (Index j = 0; j < x.cols(); ++j) {
        s.col(j) += error_.size * (x.col(j) - ou::mean_factor(q.times[j]) * mean_);
      }
    }
  }
  // The relative error's Jacobian eps I shifts the Hessian (the bias has none). Independent of
  // whether the score was requested: a Hessian-only query must see the same model.
  if (error_.kind != ScoreErrorKind::relative || q.hessian_out.empty()) return;
  auto h = q.hessian_out.map();
  const Index d = x.rows();
  switch (q.hessian) {
    case HessianForm::diagonal: h.array() += error_.size; break;
    case HessianForm::full:
      for (Index j = 0; j < h.cols(); ++j)
        for (Index i = 0; i < d; ++i) h(i * d + i, j) += error_.size;
      break;
    case HessianForm::vector_product: h += error_.size * q.direction.map(); break;
    case HessianForm::none: break;
  }
}

void ScoreModel::score(double t, ConstBlock x, Block out) const { evaluate(score_only_query(t, x, out)); }

void ScoreModel::score(const double* times, ConstBlock x, Block out) const { evaluate(score_only_query(Times(times), x, out)); }

}  // namespace sgmtk
