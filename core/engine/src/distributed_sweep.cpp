#include <sgmtk_engine/distributed_sweep.hpp>

#include <sgmtk_engine/run_journal.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

namespace sgmtk::engine {

namespace {

// Message tags of the scheduler (the collectives use 1000 and up).
constexpr int kAskForRuns = 1;  ///< worker -> root: give me a batch
constexpr int kRuns = 2;        ///< root -> worker: a batch of run indices (empty: no more)
constexpr int kOutcome = 3;     ///< worker -> root: one finished run (journal format)
constexpr int kFinished = 4;    ///< worker -> root: all my runs are reported

std::string encode_batch(const std::vector<std::size_t>& batch) {
  std::string s;
  for (std::size_t i : batch) s += std::to_string(i) + " ";
  return s;
}

std::vector<std::size_t> decode_batch(const std::string& s) {
  std::vector<std::size_t> batch;
  std::istringstream in(s);
  std::size_t i;
  while (in >> i) batch.push_back(i);
  return batch;
}

/// The batches not handed out yet, shared by the root's scheduler and its own executor.
class BatchQueue {
 public:
  explicit BatchQueue(std::vector<std::vector<std::size_t>> batches) : batches_(std::move(batches)) {}
  std::vector<std::size_t> pop() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (next_ >= batches_.size()) return {};
    return batches_[next_++];
  }

 private:
  std::mutex mutex_;
  std::vector<std::vector<std::size_t>> batches_;
  std::size_t next_ = 0;
};

std::vector<RunOutcome> run_as_worker(const RunPlan& plan, const ExecuteOptions& options, Communicator& comm) {
  ExecuteOptions mine = options;
  mine.finished = nullptr;
  mine.progress = false;
  mine.rank = comm.rank();
  mine.next_batch = [&comm] {
    comm.send(0, kAskForRuns, "");
    return decode_batch(comm.receive(0, kRuns));
  };
  mine.on_run_done = [&comm](const RunOutcome& o) { comm.send(0, kOutcome, serialize_outcome(o)); };
  execute(plan, mine);
  comm.send(0, kFinished, "");
  return {};
}

std::vector<RunOutcome> run_as_root(const RunPlan& plan, const ExecuteOptions& options, Communicator& comm) {
  const auto batches = sweep_batches(plan, options.finished);
  std::size_t to_do = 0;
  for (const auto& b : batches) to_do += b.size();
  BatchQueue queue(batches);
  std::mutex report_mutex;  // on_run_done is called from the scheduler and from the local executor
  std::atomic<std::size_t> done{0};
  auto report = [&](const RunOutcome& o) {
    std::lock_guard<std::mutex> lock(report_mutex);
    if (options.on_run_done) options.on_run_done(o);
    ++done;
  };

  // The root computes too, on its own threads, while this thread answers the other ranks.
  ExecuteOptions local = options;
  local.progress = false;
  local.rank = 0;
  local.next_batch = [&queue] { return queue.pop(); };
  local.on_run_done = report;
  std::vector<RunOutcome> outcomes;
  std::atomic<bool> local_done{false};
  std::thread local_thread([&] {
    outcomes = execute(plan, local);
    local_done = true;
  });

  std::map<std::size_t, RunOutcome> remote;
  int finished_ranks = 0;
  auto delay = std::chrono::microseconds(20);
  auto last_print = std::chrono::steady_clock::now();
  while (finished_ranks < comm.size() - 1 || !local_done) {
    if (auto m = comm.poll()) {
      delay = std::chrono::microseconds(20);
      if (m->tag == kAskForRuns) {
        comm.send(m->from, kRuns, encode_batch(queue.pop()));
      } else if (m->tag == kOutcome) {
        const auto newline = m->bytes.find('\n');
        const std::size_t i = std::stoul(m->bytes.substr(4, newline - 4));  // "run\t<id>\n..."
        RunOutcome o = parse_outcome(m->bytes, plan.runs.at(i));
        report(o);
        remote[i] = std::move(o);
      } else if (m->tag == kFinished) {
        ++finished_ranks;
      }
      continue;
    }
    if (options.progress && std::chrono::steady_clock::now() - last_print > std::chrono::milliseconds(200)) {
      last_print = std::chrono::steady_clock::now();
      std::fprintf(stderr, "\r[%zu/%zu runs over %d ranks]   ", done.load(), to_do, comm.size());
      std::fflush(stderr);
    }
    std::this_thread::sleep_for(delay);
    if (delay < std::chrono::microseconds(2000)) delay *= 2;
  }
  local_thread.join();
  if (options.progress) std::fprintf(stderr, "\r%*s\r", 40, "");
  for (auto& [i, o] : remote) outcomes[i] = std::move(o);
  return outcomes;
}

}  // namespace

std::vector<std::vector<std::size_t>> sweep_batches(const RunPlan& plan, const std::map<Index, RunOutcome>* finished) {
  struct Batch {
    std::vector<std::size_t> runs;
    double cost = 0.0;
  };
  std::vector<Batch> batches;
  std::map<std::string, std::size_t> by_reference;
  for (std::size_t i = 0; i < plan.runs.size(); ++i) {
    const PlannedRun& run = plan.runs[i];
    if (finished && finished->count(run.id)) continue;
    const double particles = static_cast<double>(run.point.particles);
    std::size_t b = batches.size();
    if (plan.reference.needed) {
      auto [it, fresh] = by_reference.emplace(coupled_reference_key(plan, run), batches.size());
      b = it->second;
      if (fresh) batches.push_back({{}, particles * static_cast<double>(plan.reference.steps)});
    } else {
      batches.push_back({});
    }
    batches[b].runs.push_back(i);
    batches[b].cost += particles * static_cast<double>(run.point.steps);
  }
  // Largest first (the classic greedy for balancing jobs of unequal length); ties in plan order.
  std::stable_sort(batches.begin(), batches.end(), [](const Batch& a, const Batch& b) { return a.cost > b.cost; });
  std::vector<std::vector<std::size_t>> out;
  for (auto& b : batches) out.push_back(std::move(b.runs));
  return out;
}

std::vector<RunOutcome> execute_over_ranks(const RunPlan& plan, const ExecuteOptions& options, Communicator& comm) {
  if (comm.size() == 1) return execute(plan, options);
  return comm.is_root() ? run_as_root(plan, options, comm) : run_as_worker(plan, options, comm);
}

}  // namespace sgmtk::engine
