#pragma once
// The processes one `sgmtk run` is spread over: a single process (always available), or the ranks
// of an MPI job (a build with -DSGMTK_MPI=ON, started by mpirun or srun). The distributed parts
// of the engine are written against this interface only, so with one process they are the same
// code and give the same bytes.
//
// Waiting never spins: receives poll with short sleeps, so a rank waiting for the others leaves
// its cores to them (an MPI library's blocking calls busy-poll, which on an oversubscribed node
// steals the cores the work needs).

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sgmtk::engine {

class Communicator {
 public:
  struct Message {
    int from = 0;
    int tag = 0;
    std::string bytes;
  };

  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  bool is_root() const { return rank() == 0; }

  // Point to point. Messages between two ranks arrive in the order they were sent. A send returns
  // at once (the bytes are copied), so an exchange where every rank sends first cannot deadlock.
  virtual void send(int to, int tag, const std::string& bytes) = 0;
  /// A message from any rank with any tag, if one has arrived.
  virtual std::optional<Message> poll() = 0;
  /// Waits for the next message from `from` with `tag`.
  virtual std::string receive(int from, int tag) = 0;

  // Collectives: every rank calls them, in the same order. Built on send/receive.
  /// Root's bytes, on every rank.
  std::string broadcast(const std::string& from_root);
  /// On the root, every rank's bytes by rank; elsewhere empty.
  std::vector<std::string> gather(const std::string& mine);
  /// The first non-empty `mine` in rank order (a failure to report), or "", on every rank.
  std::string first_nonempty(const std::string& mine);
};

/// This process alone.
std::unique_ptr<Communicator> single_process();

/// The MPI job when this build has MPI and the process was started by an MPI launcher (mpirun,
/// mpiexec or srun, recognized by their environment); otherwise this process alone. MPI is
/// finalized when the returned object is destroyed.
std::unique_ptr<Communicator> world();

/// True when this build can run over MPI.
bool built_with_mpi();

}  // namespace sgmtk::engine
