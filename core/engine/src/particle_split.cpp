#include <sgmtk_engine/particle_split.hpp>

#include "distributed_sort.hpp"
#include "run_steps.hpp"

#include <sgmtk/error.hpp>
#include <sgmtk/parallel.hpp>
#include <sgmtk/projected_metric.hpp>
#include <sgmtk/summable_metric.hpp>

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <chrono>
#include <cstring>
#include <sstream>

namespace sgmtk::engine {

namespace {

constexpr int kRelayTag = 20;  ///< a running total of chunk sums, passed from rank r to r + 1

std::string pack(const std::vector<double>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(double));
}

std::vector<double> unpack(const std::string& s, std::size_t offset = 0) {
  std::vector<double> v((s.size() - offset) / sizeof(double));
  std::memcpy(v.data(), s.data() + offset, v.size() * sizeof(double));
  return v;
}

ConstMatrixView columns(const Matrix& m, Index first, Index count) {
  return ConstMatrixView(m.data() + first * m.rows(), m.rows(), count);
}

/// Everything one rank holds of one run.
struct LocalRun {
  ParticleShare share;
  Matrix y;
  const Matrix* reference = nullptr;
  std::string status;  ///< "" ok, "D<step>" diverged, "R" reference diverged, "E<message>" error
};

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
      } catch (const std::exception& e) {
        errors[static_cast<std::size_t>(c)] = e.what();
      }
    });
    for (const auto& e : errors)
      if (error.empty() && !e.empty()) error = e;
  } catch (const std::exception& e) {
    error = e.what();
  }

  const int r = comm.rank(), R = comm.size();
  std::string incoming = r == 0 ? "T" + pack(std::vector<double>(static_cast<std::size_t>(k), 0.0)) : comm.receive(r - 1, kRelayTag);
  std::string outgoing;
  if (incoming[0] == 'E') {
    outgoing = incoming;
  } else if (!error.empty()) {
    outgoing = "E" + error;
  } else {
    std::vector<double> total = unpack(incoming, 1);
    for (Index c = 0; c < local_chunks; ++c) {
      metric.merge(total, std::span<const double>(chunk_sums.data() + c * k, static_cast<std::size_t>(k)));
    }
    outgoing = "T" + pack(total);
  }
  if (R == 1) return outgoing;
  if (r + 1 < R) comm.send(r + 1, kRelayTag, outgoing);
  if (r == R - 1) comm.send(0, kRelayTag, outgoing);
  return r == 0 ? comm.receive(R - 1, kRelayTag) : "";
}

/// The first `m` particles of the run (and of its reference), assembled on the root.
std::pair<Matrix, Matrix> gather_subsample(const LocalRun& local, Index m, Index dim, bool with_reference, Communicator& comm) {
  const Index mine = std::clamp<Index>(m - local.share.first, 0, local.share.count);
  std::vector<double> piece(local.y.data(), local.y.data() + mine * dim);
  if (with_reference) piece.insert(piece.end(), local.reference->data(), local.reference->data() + mine * dim);
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
  } catch (const std::exception& e) {
    error = e.what();
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

Index reduction_chunk(Index n, Index block) {
  constexpr Index max_chunks = 256;
  const Index blocks = (n + block - 1) / block;
  return block * std::max<Index>(1, (blocks + max_chunks - 1) / max_chunks);
}

ParticleShare particle_share(Index n, Index chunk, int rank, int ranks) {
  const Index chunks = (n + chunk - 1) / chunk;
  const Index c0 = chunks * rank / ranks, c1 = chunks * (rank + 1) / ranks;
  const Index first = std::min(n, c0 * chunk), last = std::min(n, c1 * chunk);
  return {first, last - first};
}

std::vector<RunOutcome> execute_split(const RunPlan& plan, const ExecuteOptions& options, Communicator& comm) {
  const PipelineSpec& spec = plan.spec;
  const bool root = comm.is_root();
  // The runs to do, as the root's journal says.
  std::string todo_text;
  if (root) {
    for (const auto& run : plan.runs)
      if (!options.finished || !options.finished->count(run.id)) todo_text += std::to_string(run.id) + " ";
  }
  std::vector<std::size_t> todo;
  {
    std::istringstream in(comm.broadcast(todo_text));
    std::size_t i;
    while (in >> i) todo.push_back(i);
  }
  std::vector<RunOutcome> outcomes(plan.runs.size());
  if (root && options.finished) {
    for (const auto& [id, o] : *options.finished) outcomes[static_cast<std::size_t>(id)] = o;
  }
  double my_work = 0.0;
  for (std::size_t i : todo) {
    const RunPoint& pt = plan.runs[i].point;
    my_work += static_cast<double>(particle_share(pt.particles, reduction_chunk(pt.particles, spec.block_size), comm.rank(), comm.size()).count) *
               static_cast<double>(pt.steps);
  }
  Progress progress(options.progress && root, my_work, todo.size());

  // The last coupled reference, reused by the next run when it has the same key (a step sweep).
  std::string reference_key;
  Matrix reference;
  bool reference_diverged = false;

  for (std::size_t i : todo) {
    const PlannedRun& run = plan.runs[i];
    const RunPoint& pt = run.point;
    const auto start_time = std::chrono::steady_clock::now();
    const Target& target = *plan.targets[pt.target_index].target;
    const Sampler& sampler = *plan.sampler_objects[run.sampler_index];
    const RandomKey key{spec.seed, static_cast<std::uint32_t>(pt.replicate)};
    const Index n = pt.particles, dim = target.dim();
    const Index chunk = reduction_chunk(n, spec.block_size);
    const std::string who = "sampler '" + plan.samplers[run.sampler_index].label + "' (" + plan.samplers[run.sampler_index].info->file +
                            ") on target '" + plan.target_info->name + "' (" + plan.target_info->file + "): ";

    LocalRun local;
    local.share = particle_share(n, chunk, comm.rank(), comm.size());
    std::optional<TimeGrid> grid;
    try {
      grid.emplace(spec.schedule, pt.horizon, pt.early_stop, pt.steps);
      const TimeGrid fine = plan.reference.needed ? TimeGrid(spec.schedule, pt.horizon, pt.early_stop, plan.reference.steps) : *grid;
      const BrownianPath path(key, fine);
      const ScoreModel score(target, ScoreError{spec.score_error_kind, pt.score_error, {}}, key);
      local.y = initial_state(target, spec.start, pt.horizon, key, local.share.first, local.share.count, spec.block_size);
      const Trajectory traj =
          integrate(sampler, score, *grid, path, local.y, local.share.first, spec.block_size, spec.divergence_threshold, progress);
      if (traj.diverged) {
        local.status = "D" + std::to_string(traj.step);
      } else if (plan.reference.needed) {
        const std::string ref_key = coupled_reference_key(plan, run);
        if (ref_key != reference_key) {
          const Sampler& ref_sampler = plan.reference.object ? *plan.reference.object : sampler;
          reference = initial_state(target, spec.start, pt.horizon, key, local.share.first, local.share.count, spec.block_size);
          Progress quiet(false, 0, 0);
          reference_diverged = integrate(ref_sampler, score, fine, path, reference, local.share.first, spec.block_size,
                                         spec.divergence_threshold, quiet)
                                   .diverged;
          reference_key = ref_key;
        }
        if (reference_diverged) local.status = "R";
        local.reference = &reference;
      }
    } catch (const std::exception& e) {
      local.status = "E" + std::string(e.what());
    }

    // All ranks agree on the run's fate: the first error (by rank), else the earliest divergence.
    const std::vector<std::string> statuses = comm.gather(local.status);
    RunOutcome out;
    out.run = run;
    if (root) {
      Index earliest = -1;
      bool ref_bad = false;
      for (const auto& s : statuses) {
        if (s.empty()) continue;
        if (s[0] == 'E' && out.status == RunStatus::ok) {
          out.status = RunStatus::failed;
          out.message = who + s.substr(1);
        } else if (s[0] == 'D') {
          const Index step = std::stoll(s.substr(1));
          earliest = earliest < 0 ? step : std::min(earliest, step);
        } else if (s[0] == 'R') {
          ref_bad = true;
        }
      }
      if (out.status == RunStatus::ok && earliest >= 0) {
        out.status = RunStatus::diverged;
        out.message = "sampler '" + plan.samplers[run.sampler_index].label + "' (" + plan.samplers[run.sampler_index].info->file +
                      "): " + describe_divergence({true, earliest}, *grid, spec.divergence_threshold);
      } else if (out.status == RunStatus::ok && ref_bad) {
        out.status = RunStatus::failed;
        out.message = who + "the coupled reference run (" + plan.reference.sampler + ", " + std::to_string(plan.reference.steps) +
                      " steps) diverged";
      }
    }
    const bool go_on = comm.broadcast(root && out.status == RunStatus::ok ? "1" : "0") == "1";

    if (go_on) {
      MetricInput local_input;
      local_input.samples = ConstMatrixView(local.y);
      local_input.target = &target;
      local_input.key = key;
      if (local.reference) local_input.reference = ConstMatrixView(*local.reference);
      MetricInput context;
      context.target = &target;
      context.key = key;
      const Index m = std::min(spec.subsample, n);
      std::optional<std::pair<Matrix, Matrix>> subsample;  // gathered once, for the first metric that needs it

      for (std::size_t mi = 0; mi < plan.metrics.size(); ++mi) {
        const Metric& metric = *plan.metric_objects[mi];
        const auto* summable = dynamic_cast<const SummableMetric*>(&metric);
        const auto* projected = dynamic_cast<const ProjectedMetric*>(&metric);
        const bool floor = spec.metrics[mi].floor && metric.has_floor();
        MetricOutcome mo;
        mo.label = plan.metrics[mi].label;
        if (summable) {
          const std::string total = reduce_summable(*summable, local_input, local.share, n, chunk, dim, comm);
          std::string floor_total;
          if (floor) {
            Matrix exact;
            std::string error;
            try {
              exact = exact_sample(target, key, purpose::floor_sample, local.share.first, local.share.count, spec.block_size);
            } catch (const std::exception& e) {
              error = e.what();
            }
            MetricInput exact_input = context;
            exact_input.samples = ConstMatrixView(exact);
            floor_total = reduce_summable(*summable, exact_input, local.share, n, chunk, dim, comm, error);
          }
          if (root) {
            try {
              mo.value = finish_summable(*summable, total, context, n);
              if (floor) mo.floor = finish_summable(*summable, floor_total, context, n);
              mo.ok = std::isfinite(mo.value.value);
              if (!mo.ok) mo.error = "the metric returned a non-finite value";
            } catch (const std::exception& e) {
              mo.error = e.what();
            }
          }
        } else if (projected && projected->projectable(n)) {
          // Collective calls throw on every rank alike (errors are agreed on first).
          try {
            mo.value = reduce_projected(*projected, local.y, context, local.share, n, spec.block_size, comm);
            if (floor) {
              Matrix exact;
              std::string error;
              try {
                exact = exact_sample(target, key, purpose::floor_sample, local.share.first, local.share.count, spec.block_size);
              } catch (const std::exception& e) {
                error = e.what();
              }
              if (error = comm.first_nonempty(error); !error.empty()) throw Error(error);
              mo.floor = reduce_projected(*projected, exact, context, local.share, n, spec.block_size, comm);
            }
            mo.ok = std::isfinite(mo.value.value);
            if (!mo.ok) mo.error = "the metric returned a non-finite value";
          } catch (const std::exception& e) {
            mo.error = e.what();
          }
        } else {
          if (!subsample) subsample = gather_subsample(local, m, dim, local.reference != nullptr, comm);
          if (root) {
            try {
              MetricInput in = context;
              in.samples = ConstMatrixView(subsample->first);
              if (metric.needs().coupled_reference) in.reference = ConstMatrixView(subsample->second);
              mo.value = metric.compute(in);
              if (floor) {
                const Matrix exact = exact_sample(target, key, purpose::floor_sample, 0, m, spec.block_size);
                MetricInput fin = context;
                fin.samples = ConstMatrixView(exact);
                mo.floor = metric.compute(fin);
              }
              if (m < n) {
                mo.value.note = "computed on the first " + std::to_string(m) + " of " + std::to_string(n) +
                                " particles (run.subsample): this metric cannot be split over processes. " + mo.value.note;
                mo.value.details.emplace_back("subsample", static_cast<double>(m));
              }
              mo.ok = std::isfinite(mo.value.value);
              if (!mo.ok) mo.error = "the metric returned a non-finite value";
            } catch (const std::exception& e) {
              mo.error = e.what();
            }
          }
        }
        if (root && !mo.ok && out.status == RunStatus::ok) {
          out.status = RunStatus::failed;
          out.message = "metric '" + mo.label + "' (" + plan.metrics[mi].info->file + "): " + mo.error;
        }
        out.metrics.push_back(std::move(mo));
      }
    }
    progress.run_done();
    if (root) {
      out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
      if (options.on_run_done) options.on_run_done(out);
      outcomes[i] = std::move(out);
    }
  }
  if (!root) return {};
  return outcomes;
}

}  // namespace sgmtk::engine
