#include <sgmtk_engine/communicator.hpp>

#include <sgmtk/error.hpp>

#include <cstdlib>

namespace sgmtk::engine {

namespace {

// Tags reserved for the collectives (the schedulers use small positive tags).
constexpr int kBroadcastTag = 1000;
constexpr int kGatherTag = 1001;

class SingleProcess final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void send(int, int, const std::string&) override { throw Error("internal: a single process has no one to send to"); }
  std::optional<Message> poll() override { return std::nullopt; }
  std::string receive(int, int) override { throw Error("internal: a single process has no one to receive from"); }
};

}  // namespace

std::string Communicator::broadcast(const std::string& from_root) {
  if (is_root()) {
    for (int r = 1; r < size(); ++r) send(r, kBroadcastTag, from_root);
    return from_root;
  }
  return receive(0, kBroadcastTag);
}

std::vector<std::string> Communicator::gather(const std::string& mine) {
  if (!is_root()) {
    send(0, kGatherTag, mine);
    return {};
  }
  std::vector<std::string> all(static_cast<std::size_t>(size()));
  all[0] = mine;
  for (int r = 1; r < size(); ++r) all[static_cast<std::size_t>(r)] = receive(r, kGatherTag);
  return all;
}

std::string Communicator::first_nonempty(const std::string& mine) {
  std::string chosen;
  for (const auto& s : gather(mine)) {
    if (!s.empty()) {
      chosen = s;
      break;
    }
  }
  return broadcast(chosen);
}

std::unique_ptr<Communicator> single_process() { return std::make_unique<SingleProcess>(); }

#ifndef SGMTK_WITH_MPI
std::unique_ptr<Communicator> world() {
  // Started by mpirun with several processes, a build without MPI would run the whole sweep in
  // every one of them, each writing the same files: refuse instead.
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
    const char* size = std::getenv(var);
    if (size != nullptr && std::atoi(size) > 1) {
      throw Error(std::string("this sgmtk was built without MPI, but an MPI launcher started ") + size +
                  " processes of it; rebuild with -DSGMTK_MPI=ON (README \"Clusters\") or run one process");
    }
  }
  return single_process();
}
bool built_with_mpi() { return false; }
#endif

}  // namespace sgmtk::engine
