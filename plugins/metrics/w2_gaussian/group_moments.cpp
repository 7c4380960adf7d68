#include "group_moments.hpp"

namespace sgmtk::w2_gaussian {

GroupMoments::GroupMoments(ConstMatrixView view, Index groups) {
  const auto x = view.map();
  const Index d = x.rows();
  const Index n = x.cols();
  total_count_ = n;
  centre_ = x.rowwise().mean();
  total_sum_ = Vector::Zero(d);
  total_cross_ = Matrix::Zero(d, d);
  for (Index g = 0; g < groups; ++g) {
    const Index first = g * n / groups;
    const Index last = (g + 1) * n / groups;
    const Matrix xc = x.middleCols(first, last - first).colwise() - centre_;
    count_.push_back(last - first);
    sum_.push_back(xc.rowwise().sum());
    Matrix cross = Matrix::Zero(d, d);
    cross.selfadjointView<Eigen::Lower>().rankUpdate(xc);
    cross.triangularView<Eigen::StrictlyUpper>() = cross.transpose();
    total_sum_ += sum_.back();
    total_cross_ += cross;
    cross_.push_back(std::move(cross));
  }
}

GroupMoments::GroupMoments(Vector centre, std::vector<Index> counts, std::vector<Vector> sums, std::vector<Matrix> crosses)
    : centre_(std::move(centre)), count_(std::move(counts)), sum_(std::move(sums)), cross_(std::move(crosses)) {
  const Index d = centre_.size();
  total_sum_ = Vector::Zero(d);
  total_cross_ = Matrix::Zero(d, d);
  for (std::size_t g = 0; g < count_.size(); ++g) {
    total_count_ += count_[g];
    total_sum_ += sum_[g];
    total_cross_ += cross_[g];
  }
}

Index GroupMoments::group_of(Index j, Index n, Index groups) {
  // Group g holds [g n / G, (g + 1) n / G): the largest g with g n / G <= j.
  Index g = (j * groups) / n;
  while (g + 1 < groups && (g + 1) * n / groups <= j) ++g;
  while (g > 0 && g * n / groups > j) --g;
  return g;
}

Moments GroupMoments::from_sums(const Vector& sum, const Matrix& cross, Index count) const {
  Moments m;
  const Vector mean_c = sum / static_cast<double>(count);
  m.mean = centre_ + mean_c;
  m.covariance = (cross - static_cast<double>(count) * mean_c * mean_c.transpose()) / static_cast<double>(count - 1);
  return m;
}

Moments GroupMoments::all() const { return from_sums(total_sum_, total_cross_, total_count_); }

Moments GroupMoments::without(Index g) const {
  const auto i = static_cast<std::size_t>(g);
  return from_sums(total_sum_ - sum_[i], total_cross_ - cross_[i], total_count_ - count_[i]);
}

}  // namespace sgmtk::w2_gaussian
