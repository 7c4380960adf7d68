// The MPI implementation of Communicator; compiled only with -DSGMTK_MPI=ON.
#include <sgmtk_engine/communicator.hpp>

#include <sgmtk/error.hpp>

#include <mpi.h>

#include <chrono>
#include <climits>
#include <cstdlib>
#include <iterator>
#include <list>
#include <mutex>
#include <thread>

namespace sgmtk::engine {

namespace {

/// mpirun (Open MPI, MPICH's hydra) and srun (PMI/PMIx) leave these in every rank's environment.
bool started_by_mpi_launcher() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK", "MPI_LOCALNRANKS"})
    if (std::getenv(var) != nullptr) return true;
  return false;
}

class MpiWorld final : public Communicator {
 public:
  MpiWorld() {
    // Several threads of a rank may talk (a oneTBB worker asks for runs while another reports
    // one), never at once: every call below holds mutex_, so SERIALIZED is enough.
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided);
    if (provided < MPI_THREAD_SERIALIZED) {
      MPI_Finalize();
      throw Error("the MPI library does not support MPI_THREAD_SERIALIZED, which sgmtk needs");
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  ~MpiWorld() override {
    // Every message sent must be delivered before MPI goes away.
    Backoff backoff;
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        complete_sends_locked();
        if (pending_.empty()) break;
      }
      backoff.sleep();
    }
    MPI_Finalize();
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }

  /// Returns at once: the message is kept until MPI is done with it. A send that waited for its
  /// receiver could deadlock an exchange in which every rank sends before it receives.
  void send(int to, int tag, const std::string& bytes) override {
    if (bytes.size() > static_cast<std::size_t>(INT_MAX)) throw Error("internal: an MPI message over 2 GB");
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.emplace_back();
    Pending& p = pending_.back();
    p.bytes = bytes;
    MPI_Isend(p.bytes.data(), static_cast<int>(p.bytes.size()), MPI_BYTE, to, tag, MPI_COMM_WORLD, &p.request);
    complete_sends_locked();
  }

  std::optional<Message> poll() override {
    std::lock_guard<std::mutex> lock(mutex_);
    int flag = 0;
    MPI_Status status;
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status);
    complete_sends_locked();
    if (!flag) return std::nullopt;
    Message m;
    m.from = status.MPI_SOURCE;
    m.tag = status.MPI_TAG;
    m.bytes = receive_locked(status);
    return m;
  }

  std::string receive(int from, int tag) override {
    Backoff backoff;
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        int flag = 0;
        MPI_Status status;
        MPI_Iprobe(from, tag, MPI_COMM_WORLD, &flag, &status);
        complete_sends_locked();
        if (flag) return receive_locked(status);
      }
      backoff.sleep();
    }
  }

 private:
  /// Sleeps 20 us at first, growing to 2 ms: quick replies stay quick, long waits cost nothing.
  struct Backoff {
    std::chrono::microseconds delay{20};
    void sleep() {
      std::this_thread::sleep_for(delay);
      if (delay < std::chrono::microseconds(2000)) delay *= 2;
    }
  };

  std::string receive_locked(const MPI_Status& status) {
    int count = 0;
    MPI_Get_count(&status, MPI_BYTE, &count);
    std::string bytes(static_cast<std::size_t>(count), '\0');
    MPI_Recv(bytes.data(), count, MPI_BYTE, status.MPI_SOURCE, status.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    return bytes;
  }

  /// Frees the sends MPI has finished with (testing them also lets MPI progress them).
  void complete_sends_locked() {
    for (auto it = pending_.begin(); it != pending_.end();) {
      int done = 0;
      MPI_Test(&it->request, &done, MPI_STATUS_IGNORE);
      it = done ? pending_.erase(it) : std::next(it);
    }
  }

  struct Pending {
    std::string bytes;
    MPI_Request request;
  };

  int rank_ = 0;
  int size_ = 1;
  std::mutex mutex_;
  std::list<Pending> pending_;  ///< a list: MPI holds pointers into each message until it completes
};

}  // namespace

std::unique_ptr<Communicator> world() {
  if (!started_by_mpi_launcher()) return single_process();
  return std::make_unique<MpiWorld>();
}

bool built_with_mpi() { return true; }

}  // namespace sgmtk::engine
