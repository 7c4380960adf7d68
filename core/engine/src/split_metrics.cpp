#include "split_metrics.hpp"

#include "distributed_sort.hpp"

#include <sgmtk/error.hpp>
#include <sgmtk/parallel.hpp>
#include <sgmtk_engine/exception_message.hpp>
#include <sgmtk_engine/executor.hpp>

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

namespace sgmtk::engine {

namespace {

constexpr int kRelayTag = 20;  ///< a running total of chunk sums, passed from rank r to r + 1

std::string pack(const std::vector<double>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(double));
}

/// A relay message: 'T' and the sums, or 'E' and an error. (Built with append: GCC 12 warns,
/// wrongly, on "T" + std::string -- bug 105329.)
std::string tagged(char tag, const std::string& body) {
  std::string s(1, tag);
  s.append(body);
  return s;
}

std::vector<double> unpack(const std::string& s, std::size_t offset = 0) {
  std::vector<double> v((s.size() - offset) / sizeof(double));
  std::memcpy(v.data(), s.data() + offset, v.size() * sizeof(double));
  return v;
}

/// The relay reduction of one summable metric over all n particles: each rank sums its chunks
/// (in parallel), then merges them, in chunk order, into the total it receives from the rank
/// before it, and passes it on; the last rank sends the total to the root. The merge order is
/// that of a single process going through every chunk. Returns the total on the root; an
/// "E<message>" anywhere travels instead of the total.
std::string reduce_summable(const SummableMetric& metric, const MetricInput& local, ParticleShare share, Index n, Index chunk,
                            Index dim, Communicator& comm, std::string error = "") {
  const Index k = metric.sum_count(dim, n);
  std::vector<double> chunk_sums;
  const Index local_chunks = error.empty() ? (share.count + chunk - 1) / chunk : 0;
  try {
    chunk_sums.assign(static_cast<std::size_t>(local_chunks * k), 0.0);
    std::vector<std::string> errors(static_cast<std::size_t>(local_chunks));
    tbb::parallel_for(Index{0}, local_chunks, [&](Index c) {
      const Index first = c * chunk;
      const Index count = std::min(chunk, share.count - first);
      MetricInput part = local;
      part.samples = ConstMatrixView(local.samples.data + first * dim, dim, count);
      if (!local.reference.empty()) part.reference = ConstMatrixView(local.reference.data + first * dim, dim, count);
      try {
        metric.accumulate(part, share.first + first, n, std::span<double>(chunk_sums.data() + c * k, static_cast<std::size_t>(k)));
      } catch (...) {
        errors[static_cast<std::size_t>(c)] = current_exception_message();
      }
    });
    for (const auto& e : errors)
      if (error.empty() && !e.empty()) error = e;
  } catch (...) {
    error = current_exception_message();
  }

  const int r = comm.rank(), R = comm.size();
  std::string incoming = r == 0 ? tagged('T', pack(std::vector<double>(static_cast<std::size_t>(k), 0.0))) : comm.receive(r - 1, kRelayTag);
  std::string outgoing;
  if (incoming[0] == 'E') {
    outgoing = incoming;
  } else if (!error.empty()) {
    outgoing = tagged('E', error);
  } else {
    std::vector<double> total = unpack(incoming, 1);
    for (Index c = 0; c < local_chunks; ++c) {
      metric.merge(total, std::span<const double>(chunk_sums.data() + c * k, static_cast<std::size_t>(k)));
    }
    outgoing = tagged('T', pack(total));
  }
  if (R == 1) return outgoing;
  if (r + 1 < R) comm.send(r + 1, kRelayTag, outgoing);
  if (r == R - 1) comm.send(0, kRelayTag, outgoing);
  return r == 0 ? comm.receive(R - 1, kRelayTag) : "";
}

/// The first `m` particles of the run (and of its reference), assembled on the root.
std::pair<Matrix, Matrix> gather_subsample(const SplitRun& run, Index m, Index dim, Communicator& comm) {
  const bool with_reference = run.reference != nullptr;
  const Index mine = std::clamp<Index>(m - run.share.first, 0, run.share.count);
  std::vector<double> piece(run.y->data(), run.y->data() + mine * dim);
  if (with_reference) piece.insert(piece.end(), run.reference->data(), run.reference->data() + mine * dim);
  const std::vector<std::string> pieces = comm.gather(pack(piece));
  if (!comm.is_root()) return {};
  Matrix sub(dim, m), sub_ref(with_reference ? dim : 0, with_reference ? m : 0);
  Index at = 0;
  for (const auto& p : pieces) {
    const std::vector<double> v = unpack(p);
    const Index cols = static_cast<Index>(v.size()) / dim / (with_reference ? 2 : 1);
    std::copy(v.begin(), v.begin() + cols * dim, sub.data() + at * dim);
    if (with_reference) std::copy(v.begin() + cols * dim, v.end(), sub_ref.data() + at * dim);
    at += cols;
  }
  return {std::move(sub), std::move(sub_ref)};
}

/// Exact samples of the target for particles [first, first + count), from the stream of
/// purpose `stream` (floor_sample: the floor's; reference_sample: the sample metrics' cloud B).
Matrix exact_sample(const Target& target, RandomKey key, std::uint32_t stream, Index first, Index count, Index block) {
  Matrix x(target.dim(), count);
  parallel_blocks(count, block, [&](Index local, Index c) {
    auto cols = x.middleCols(local, c);
    target.sample(RandomStream(key, stream), first + local, cols);
  });
  return x;
}

/// x's projections on `directions`: one row per particle, one column per direction. Each entry
/// is a dot product of fixed length, so it does not depend on how the particles are split.
Matrix project(const Matrix& x, const Matrix& directions, Index block) {
  Matrix out(x.cols(), directions.cols());
  parallel_blocks(x.cols(), block, [&](Index first, Index count) {
    for (Index j = first; j < first + count; ++j)
      for (Index p = 0; p < directions.cols(); ++p) out(j, p) = directions.col(p).dot(x.col(j));
  });
  return out;
}

/// A ProjectedMetric over all n particles: the samples' share against the same share of the
/// target's exact sample, projected a batch of directions at a time (memory stays about one
/// cloud), each batch's 1-D W2^2 from the distributed sort. The value on the root.
MetricValue reduce_projected(const ProjectedMetric& metric, const Matrix& samples, const MetricInput& context, ParticleShare share,
                             Index n, Index block, Communicator& comm) {
  const Index dim = context.target->dim();
  Matrix directions, cloud_b;
  std::string error;
  try {
    directions = metric.directions(context, dim);
    cloud_b = exact_sample(*context.target, context.key, purpose::reference_sample, share.first, share.count, block);
  } catch (...) {
    error = current_exception_message();
  }
  if (error = comm.first_nonempty(error); !error.empty()) throw Error(error);
  const Index batch = std::max<Index>(1, std::min<Index>(directions.cols(), dim));
  Vector w2(directions.cols());
  for (Index first = 0; first < directions.cols(); first += batch) {
    const Matrix d = directions.middleCols(first, std::min(batch, directions.cols() - first));
    const Vector part = distributed_sorted_w2(project(samples, d, block), project(cloud_b, d, block), n, comm);
    if (comm.is_root()) w2.segment(first, d.cols()) = part;
  }
  return comm.is_root() ? metric.finish_projected(w2, context, n) : MetricValue{};
}

MetricValue finish_summable(const SummableMetric& metric, const std::string& relay, const MetricInput& context, Index n) {
  if (relay[0] == 'E') throw Error(relay.substr(1));
  const std::vector<double> total = unpack(relay, 1);
  return metric.finish(total, context, n);
}

}  // namespace

MetricOutcome SplitMetrics::compute(const Metric& metric, bool floor) {
  const auto* summable = dynamic_cast<const SummableMetric*>(&metric);
  const auto* projected = dynamic_cast<const ProjectedMetric*>(&metric);
  if (summable) return summed(*summable, floor);
  if (projected && projected->projectable(run_.n)) return sorted(*projected, floor);
  return subsampled(metric, floor);
}

Matrix SplitMetrics::floor_share(std::string& error) const {
  try {
    return exact_sample(*run_.target, run_.key, purpose::floor_sample, run_.share.first, run_.share.count, run_.block);
  } catch (...) {
    error = current_exception_message();
    return {};
  }
}

MetricOutcome SplitMetrics::summed(const SummableMetric& metric, bool floor) {
  const Index dim = run_.target->dim();
  MetricInput context;
  context.target = run_.target;
  context.key = run_.key;
  MetricInput local = context;
  local.samples = ConstMatrixView(*run_.y);
  if (run_.reference) local.reference = ConstMatrixView(*run_.reference);
  const std::string total = reduce_summable(metric, local, run_.share, run_.n, run_.chunk, dim, comm_);
  std::string floor_total;
  if (floor) {
    std::string error;
    const Matrix exact = floor_share(error);
    MetricInput exact_input = context;
    exact_input.samples = ConstMatrixView(exact);
    floor_total = reduce_summable(metric, exact_input, run_.share, run_.n, run_.chunk, dim, comm_, error);
  }
  MetricOutcome mo;
  if (!comm_.is_root()) return mo;
  try {
    mo.value = finish_summable(metric, total, context, run_.n);
    if (floor) mo.floor = finish_summable(metric, floor_total, context, run_.n);
    accept_metric_value(mo);
  } catch (...) {
    mo.error = current_exception_message();
  }
  return mo;
}

MetricOutcome SplitMetrics::sorted(const ProjectedMetric& metric, bool floor) {
  MetricInput context;
  context.target = run_.target;
  context.key = run_.key;
  MetricOutcome mo;
  // Collective steps throw on every rank alike: errors are agreed on before each one.
  try {
    mo.value = reduce_projected(metric, *run_.y, context, run_.share, run_.n, run_.block, comm_);
    if (floor) {
      std::string error;
      const Matrix exact = floor_share(error);
      if (error = comm_.first_nonempty(error); !error.empty()) throw Error(error);
      mo.floor = reduce_projected(metric, exact, context, run_.share, run_.n, run_.block, comm_);
    }
    accept_metric_value(mo);
  } catch (...) {
    mo.error = current_exception_message();
  }
  return mo;
}

MetricOutcome SplitMetrics::subsampled(const Metric& metric, bool floor) {
  const Index m = std::min(run_.subsample, run_.n);
  if (!subsample_) subsample_ = gather_subsample(run_, m, run_.target->dim(), comm_);
  MetricOutcome mo;
  if (!comm_.is_root()) return mo;
  try {
    MetricInput in;
    in.target = run_.target;
    in.key = run_.key;
    in.samples = ConstMatrixView(subsample_->first);
    if (metric.needs().coupled_reference) in.reference = ConstMatrixView(subsample_->second);
    mo.value = metric.compute(in);
    if (floor) {
      const Matrix exact = exact_sample(*run_.target, run_.key, purpose::floor_sample, 0, m, run_.block);
      MetricInput fin = in;
      fin.samples = ConstMatrixView(exact);
      fin.reference = {};
      mo.floor = metric.compute(fin);
    }
    if (m < run_.n) {
      mo.value.note = "computed on the first " + std::to_string(m) + " of " + std::to_string(run_.n) +
                      " particles (run.subsample): this metric cannot be split over processes. " + mo.value.note;
      mo.value.details.emplace_back("subsample", static_cast<double>(m));
    }
    accept_metric_value(mo);
  } catch (...) {
    mo.error = current_exception_message();
  }
  return mo;
}

}  // namespace sgmtk::engine
