#include "distributed_sort.hpp"

#include <sgmtk/error.hpp>

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace sgmtk::engine {

namespace {

constexpr int kBucketTag = 30;   ///< values of one value range, sent to the rank that owns it
constexpr int kAlignTag = 31;    ///< order statistics of b, sent to the rank holding those of a
constexpr int kRelayTag = 32;    ///< running sums, rank r to r + 1

using Column = std::vector<double>;

/// Messages are lists of columns: for each, its length, then its values (all as doubles; lengths
/// stay far below 2^53).
std::string pack_columns(const std::vector<Column>& cols) {
  std::vector<double> flat;
  for (const auto& c : cols) {
    flat.push_back(static_cast<double>(c.size()));
    flat.insert(flat.end(), c.begin(), c.end());
  }
  return std::string(reinterpret_cast<const char*>(flat.data()), flat.size() * sizeof(double));
}

std::vector<Column> unpack_columns(const std::string& bytes, std::size_t count) {
  std::vector<double> flat(bytes.size() / sizeof(double));
  std::memcpy(flat.data(), bytes.data(), flat.size() * sizeof(double));
  std::vector<Column> cols(count);
  std::size_t at = 0;
  for (auto& c : cols) {
    const auto len = static_cast<std::size_t>(flat.at(at++));
    c.assign(flat.begin() + static_cast<std::ptrdiff_t>(at), flat.begin() + static_cast<std::ptrdiff_t>(at + len));
    at += len;
  }
  return cols;
}

std::vector<Column> sorted_columns(const Matrix& m) {
  std::vector<Column> cols(static_cast<std::size_t>(m.cols()));
  for (Index p = 0; p < m.cols(); ++p) {
    cols[static_cast<std::size_t>(p)].assign(m.col(p).data(), m.col(p).data() + m.rows());
    std::sort(cols[static_cast<std::size_t>(p)].begin(), cols[static_cast<std::size_t>(p)].end());
  }
  return cols;
}

/// R - 1 splitters per column, from R - 1 regular samples of every rank's sorted values, chosen
/// by the root and known to all. Bucket k then holds the values in (s_{k-1}, s_k].
std::vector<Column> choose_splitters(const std::vector<Column>& sorted, Communicator& comm) {
  const int R = comm.size();
  std::vector<Column> samples(sorted.size());
  for (std::size_t p = 0; p < sorted.size(); ++p) {
    const auto& c = sorted[p];
    if (c.empty()) continue;
    for (int k = 1; k < R; ++k) samples[p].push_back(c[c.size() * static_cast<std::size_t>(k) / static_cast<std::size_t>(R)]);
  }
  const std::vector<std::string> all = comm.gather(pack_columns(samples));
  std::string chosen;
  if (comm.is_root()) {
    std::vector<Column> pooled(sorted.size()), splitters(sorted.size());
    for (const auto& bytes : all) {
      const auto cols = unpack_columns(bytes, sorted.size());
      for (std::size_t p = 0; p < sorted.size(); ++p) pooled[p].insert(pooled[p].end(), cols[p].begin(), cols[p].end());
    }
    for (std::size_t p = 0; p < sorted.size(); ++p) {
      std::sort(pooled[p].begin(), pooled[p].end());
      for (int k = 1; k < R; ++k) {
        splitters[p].push_back(pooled[p].empty() ? std::numeric_limits<double>::infinity()
                                                 : pooled[p][pooled[p].size() * static_cast<std::size_t>(k) / static_cast<std::size_t>(R)]);
      }
    }
    chosen = pack_columns(splitters);
  }
  return unpack_columns(comm.broadcast(chosen), sorted.size());
}

/// Every rank sends each other rank one message (`outgoing[k]`) and receives one from each:
/// sends return at once, so the order cannot deadlock. Returns the messages by source rank
/// (this rank's own is passed through).
std::vector<std::string> exchange(std::vector<std::string> outgoing, int tag, Communicator& comm) {
  const int r = comm.rank(), R = comm.size();
  for (int k = 0; k < R; ++k)
    if (k != r) comm.send(k, tag, outgoing[static_cast<std::size_t>(k)]);
  std::vector<std::string> incoming(static_cast<std::size_t>(R));
  for (int k = 0; k < R; ++k) incoming[static_cast<std::size_t>(k)] = k == r ? std::move(outgoing[static_cast<std::size_t>(k)]) : comm.receive(k, tag);
  return incoming;
}

/// This rank's bucket of every column: the values of all ranks in its splitter range, sorted.
std::vector<Column> bucket(const std::vector<Column>& sorted, const std::vector<Column>& splitters, Communicator& comm) {
  const int R = comm.size();
  const std::size_t P = sorted.size();
  std::vector<std::string> outgoing(static_cast<std::size_t>(R));
  for (int k = 0; k < R; ++k) {
    std::vector<Column> part(P);
    for (std::size_t p = 0; p < P; ++p) {
      const auto& c = sorted[p];
      const auto lo = k == 0 ? c.begin() : std::upper_bound(c.begin(), c.end(), splitters[p][static_cast<std::size_t>(k - 1)]);
      const auto hi = k == R - 1 ? c.end() : std::upper_bound(c.begin(), c.end(), splitters[p][static_cast<std::size_t>(k)]);
      part[p].assign(lo, std::max(lo, hi));
    }
    outgoing[static_cast<std::size_t>(k)] = pack_columns(part);
  }
  std::vector<Column> mine(P);
  for (const auto& bytes : exchange(std::move(outgoing), kBucketTag, comm)) {
    const auto cols = unpack_columns(bytes, P);
    for (std::size_t p = 0; p < P; ++p) mine[p].insert(mine[p].end(), cols[p].begin(), cols[p].end());
  }
  for (auto& c : mine) std::sort(c.begin(), c.end());
  return mine;
}

/// Every rank's bucket length per column, known to all: lengths[rank][p].
std::vector<std::vector<std::size_t>> bucket_lengths(const std::vector<Column>& mine, Communicator& comm) {
  std::vector<Column> mine_len(1);
  for (const auto& c : mine) mine_len[0].push_back(static_cast<double>(c.size()));
  const std::vector<std::string> all = comm.gather(pack_columns(mine_len));
  std::vector<Column> table;
  if (comm.is_root())
    for (const auto& bytes : all) table.push_back(unpack_columns(bytes, 1)[0]);
  const auto everyone = unpack_columns(comm.broadcast(pack_columns(table)), static_cast<std::size_t>(comm.size()));
  std::vector<std::vector<std::size_t>> lengths;
  for (const auto& row : everyone) {
    lengths.emplace_back();
    for (double v : row) lengths.back().push_back(static_cast<std::size_t>(v));
  }
  return lengths;
}

}  // namespace

Vector distributed_sorted_w2(Matrix a, Matrix b, Index n, Communicator& comm) {
  const std::size_t P = static_cast<std::size_t>(a.cols());
  const int r = comm.rank(), R = comm.size();
  std::vector<Column> sa = sorted_columns(a), sb = sorted_columns(b);
  a.resize(0, 0);
  b.resize(0, 0);
  if (R > 1) {
    sa = bucket(sa, choose_splitters(sa, comm), comm);
    sb = bucket(sb, choose_splitters(sb, comm), comm);
    // Move b's order statistics to the rank that holds the same indices of a.
    const auto la = bucket_lengths(sa, comm), lb = bucket_lengths(sb, comm);
    std::vector<std::string> outgoing(static_cast<std::size_t>(R));
    for (int q = 0; q < R; ++q) {
      std::vector<Column> part(P);
      for (std::size_t p = 0; p < P; ++p) {
        std::size_t a_first = 0, b_first = 0;
        for (int k = 0; k < q; ++k) a_first += la[static_cast<std::size_t>(k)][p];
        for (int k = 0; k < r; ++k) b_first += lb[static_cast<std::size_t>(k)][p];
        const std::size_t lo = std::max(a_first, b_first);
        const std::size_t hi = std::min(a_first + la[static_cast<std::size_t>(q)][p], b_first + sb[p].size());
        if (lo < hi) part[p].assign(sb[p].begin() + static_cast<std::ptrdiff_t>(lo - b_first), sb[p].begin() + static_cast<std::ptrdiff_t>(hi - b_first));
      }
      outgoing[static_cast<std::size_t>(q)] = pack_columns(part);
    }
    std::vector<Column> aligned(P);
    for (const auto& bytes : exchange(std::move(outgoing), kAlignTag, comm)) {
      const auto cols = unpack_columns(bytes, P);
      for (std::size_t p = 0; p < P; ++p) aligned[p].insert(aligned[p].end(), cols[p].begin(), cols[p].end());
    }
    sb = std::move(aligned);
  }
  for (std::size_t p = 0; p < P; ++p) {
    if (sa[p].size() != sb[p].size()) throw Error("internal: the two clouds' projections differ in size");
  }
  // Sum in the order of i: the running sums come from the rank holding the indices before.
  std::vector<double> sums(P, 0.0);
  if (r > 0) {
    const std::string in = comm.receive(r - 1, kRelayTag);
    std::memcpy(sums.data(), in.data(), P * sizeof(double));
  }
  for (std::size_t p = 0; p < P; ++p) {
    double s = sums[p];
    for (std::size_t i = 0; i < sa[p].size(); ++i) {
      const double diff = sa[p][i] - sb[p][i];
      s += diff * diff;
    }
    sums[p] = s;
  }
  const std::string out(reinterpret_cast<const char*>(sums.data()), P * sizeof(double));
  if (r + 1 < R) comm.send(r + 1, kRelayTag, out);
  if (R > 1 && r == R - 1) comm.send(0, kRelayTag, out);
  if (!comm.is_root()) return {};
  if (R > 1) {
    const std::string total = comm.receive(R - 1, kRelayTag);
    std::memcpy(sums.data(), total.data(), P * sizeof(double));
  }
  Vector w2(static_cast<Index>(P));
  for (std::size_t p = 0; p < P; ++p) w2(static_cast<Index>(p)) = sums[p] / static_cast<double>(n);
  return w2;
}

}  // namespace sgmtk::engine
